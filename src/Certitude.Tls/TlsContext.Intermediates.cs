using Microsoft.Extensions.Logging;

namespace Certitude.Tls;

/// <summary>The repair of incomplete chains by fetching (opt-in, <see cref="IntermediateFetcher"/>).</summary>
public sealed partial class TlsContext
{
    /// <summary>After a failure for a missing issuer with a caIssuers URL: fetch and verify again (the engine twice,
    /// the I/O here). A repaired result is logged; <paramref name="intermediates"/> gains the fetched certificates
    /// only when they completed the chain.</summary>
    private VerificationResult Repair(Verifier verifier, VerificationResult failed, Certificate leaf, List<Certificate> intermediates, PeerIdentity? peer, string host)
    {
        var repaired = _fetcher!.Repair(failed, intermediates, pool => verifier.Verify(leaf, pool, peer), out var fetched);
        if (repaired.IsValid && _log is not null)
        {
            foreach (var (cert, url) in fetched)
            {
                TlsLog.IntermediateFetched(_log, host, url, cert.Subject.ToString());
            }
        }
        return repaired;
    }
}
