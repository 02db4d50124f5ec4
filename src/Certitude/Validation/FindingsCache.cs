using System.Collections.Concurrent;
using Certitude.Signatures;

namespace Certitude.Validation;

/// <summary>
/// Per-verifier, bounded and thread-safe: the structural findings of a certificate in a role (the profile's rules and
/// the algorithm policy on its key and signature), which depend only on the certificate, the role and the verifier's
/// fixed options. Validity against the validation time is never kept here (<see cref="PathValidator.WithValidity"/>).
/// </summary>
internal sealed class FindingsCache
{
    private const int MaxEntries = 16_384;

    /// <summary>What a certificate's findings depend on: the certificate (its digest), its role, the profile's value (its
    /// rule table and its algorithm policy, compared as values: a nested CRL-signer search builds its profile anew
    /// and still finds the findings) and the switches of <paramref name="Mode"/> (strict, server profile, anchor
    /// constraints ignored).</summary>
    internal readonly record struct FindingsKey(CryptoCache.Digest Certificate, CertRole Role, CertificateRule[] Rules, AlgorithmPolicy Algorithms, int Mode);

    private readonly ConcurrentDictionary<FindingsKey, Failure[]> _checks = new();

    /// <summary>How many findings are cached (tests).</summary>
    internal int Count => _checks.Count;

    /// <summary>The structural findings for a certificate in a role under a profile and switches, if known.</summary>
    internal Failure[]? GetChecks(Certificate c, CertRole role, VerificationProfile profile, int mode)
        => _checks.TryGetValue(new(CryptoCache.Digest.Of(c.ContentDigest), role, profile.Rules, profile.Algorithms, mode), out var f) ? f : null;

    internal void StoreChecks(Certificate c, CertRole role, VerificationProfile profile, int mode, Failure[] findings)
    {
        if (_checks.Count >= MaxEntries)
        {
            _checks.Clear();
        }
        _checks[new(CryptoCache.Digest.Of(c.ContentDigest), role, profile.Rules, profile.Algorithms, mode)] = findings;
    }
}
