using Certitude.Building;
using Certitude.Validation;

namespace Certitude;

/// <summary>
/// Builds and validates certification paths (RFC 5280) against a trust store under one set of
/// options. Immutable and thread-safe: one instance may serve any number of concurrent calls.
/// Verification never touches the network and reads the clock only when the options leave the
/// validation time open.
/// </summary>
public sealed class Verifier
{
    /// <summary>Creates a verifier.</summary>
    public Verifier(TrustStore trustStore, VerificationOptions? options = null)
        : this(trustStore, options, portable: false)
    {
    }

    /// <summary>A verifier that, with <paramref name="portable"/>, verifies signatures on the portable path even in a
    /// process on the native one (tests run the conformance suites on both paths in one process).</summary>
    internal Verifier(TrustStore trustStore, VerificationOptions? options, bool portable)
    {
        TrustStore = trustStore ?? throw new ArgumentNullException(nameof(trustStore));
        Options = options ?? VerificationOptions.Default;
        _cache = new(portable);
    }

    // Bounded, thread-safe caches of parsed keys and signature outcomes, and of certificates' findings; they never
    // change a verdict (each entry is keyed by every input it depends on).
    private readonly Signatures.CryptoCache _cache;
    private readonly FindingsCache _findings = new();

    /// <summary>What verifies this verifier's signatures: "native: libcrypto …" or "portable: System.Security.Cryptography …"
    /// (see <see cref="VerificationResult.CryptoPath"/>).</summary>
    public string CryptoPath => _cache.CryptoPathDescription;

    /// <summary>Drops the cached outcome of the child's signature under the issuer's key, so the next
    /// verification checks it again (used to measure a "new leaf" over warm intermediates).</summary>
    internal void ForgetSignature(Certificate child, Certificate issuer)
        => _cache.ForgetSignature(Signatures.CryptoCache.SignatureKey(issuer.PublicKey, null, child.ContentDigest));

    /// <summary>The trust anchors.</summary>
    public TrustStore TrustStore { get; }

    /// <summary>The options.</summary>
    public VerificationOptions Options { get; }

    /// <summary>Verifies a leaf certificate.</summary>
    /// <param name="leaf">The end-entity certificate.</param>
    /// <param name="intermediates">Untrusted certificates that may serve as intermediates (e.g. what a TLS peer sent).</param>
    /// <param name="peer">The name the leaf must match, or null for none.</param>
    public VerificationResult Verify(Certificate leaf, IEnumerable<Certificate>? intermediates = null, PeerIdentity? peer = null)
    {
        ArgumentNullException.ThrowIfNull(leaf);
        return Run(leaf, intermediates, peer is null ? [] : [peer]);
    }

    /// <summary>Verifies a leaf certificate that must match every one of the given names.</summary>
    public VerificationResult Verify(Certificate leaf, IEnumerable<Certificate>? intermediates, IReadOnlyList<PeerIdentity> peers)
    {
        ArgumentNullException.ThrowIfNull(leaf);
        ArgumentNullException.ThrowIfNull(peers);
        return Run(leaf, intermediates, peers.ToArray());
    }

    /// <summary>One search; <paramref name="peers"/> is an array this verifier owns.</summary>
    private VerificationResult Run(Certificate leaf, IEnumerable<Certificate>? intermediates, PeerIdentity[] peers)
    {
        var time = Options.ValidationTime ?? DateTimeOffset.UtcNow;
        IEnumerable<Certificate> pool = intermediates ?? [];
        if (Options.Intermediates.Count > 0)
        {
            // Intermediates the caller supplies once for every verification (untrusted candidates, after the peer's own).
            pool = pool.Concat(Options.Intermediates);
        }
        // The stages: leaf checks and search (which validates each complete path), then revocation on a valid path
        // when asked for; every stage shares the verification's budget and the verifier's caches.
        var ctx = new ValidationContext(Options, time, new Budget(Options.Budget), _cache, _findings);
        var issuers = new IssuerPool(pool);
        PathStage? revocation = (Options.Flags & (VerifyFlags.CrlCheckLeaf | VerifyFlags.CrlCheckChain)) != 0
            ? new RevocationStage(ctx, TrustStore, issuers, 0).Check
            : null;
        var result = new PathSearch(ctx, TrustStore, issuers, peers, revocation).Run(leaf);
        result.CryptoPath = _cache.CryptoPathDescription;
        if (!result.IsValid)
        {
            // Only on failure: a missing issuer that the certificate says where to find (RFC 5280 4.2.2.1) is named.
            result = result.WithIncompleteChainDiagnosis(Options.Purpose);
        }
        return result;
    }
}
