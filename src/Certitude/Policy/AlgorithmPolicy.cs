using Certitude.Der;
using Certitude.Signatures;

namespace Certitude;

/// <summary>Which keys and signature algorithms a profile accepts. Immutable; derive variants with <c>with</c>.</summary>
public sealed record AlgorithmPolicy
{
    /// <summary>Smallest RSA modulus accepted, in bits.</summary>
    public int MinRsaBits { get; init; } = 2048;

    /// <summary>RSA moduli must be a multiple of 8 bits (CA/B BR 6.1.5).</summary>
    public bool RsaMultipleOf8 { get; init; }

    /// <summary>Accept SHA-1 signatures.</summary>
    public bool AllowSha1 { get; init; }

    /// <summary>Accept SHA-224 signatures (RFC 4055, RFC 5758): RSA PKCS#1 v1.5, RSA-PSS, ECDSA and DSA.</summary>
    public bool AllowSha224 { get; init; }

    /// <summary>Accept DSA keys and signatures.</summary>
    public bool AllowDsa { get; init; }

    /// <summary>Accept Ed25519 and Ed448.</summary>
    public bool AllowEdDsa { get; init; }

    /// <summary>Accept RSA-PSS with parameters other than those CA/B BR 7.1.3.2 lists.</summary>
    public bool AllowAnyPssParameters { get; init; } = true;

    /// <summary>When set, only these signature algorithms (OIDs) are accepted on certificates; null accepts
    /// every algorithm the rest of the policy allows.</summary>
    public IReadOnlySet<string>? SignatureAlgorithms { get; init; }

    /// <summary>Named curves accepted for ECDSA keys (OIDs).</summary>
    public IReadOnlySet<string> Curves { get; init; } = new HashSet<string> { Oids.P256, Oids.P384, Oids.P521 };

    /// <summary>CA/B Baseline Requirements 6.1.5 and 7.1.3: RSA ≥ 2048 and a multiple of 8, P-256/384/521,
    /// SHA-256/384/512, no DSA, no EdDSA, no SHA-1 or SHA-224, no Brainpool curves.</summary>
    public static AlgorithmPolicy WebPki { get; } = new() { RsaMultipleOf8 = true, AllowAnyPssParameters = false };

    /// <summary>RFC 5280 with modern strength: RSA ≥ 2048, P-256/384/521 and brainpoolP256r1/P384r1/P512r1
    /// (RFC 5639, RFC 5480 2.1.1.1), SHA-224 and up, Ed25519/Ed448, DSA, no SHA-1.</summary>
    public static AlgorithmPolicy Rfc5280 { get; } = new()
    {
        AllowDsa = true,
        AllowEdDsa = true,
        AllowSha224 = true,
        Curves = new HashSet<string> { Oids.P256, Oids.P384, Oids.P521, Oids.BrainpoolP256r1, Oids.BrainpoolP384r1, Oids.BrainpoolP512r1 },
    };

    internal string? CheckKey(PublicKeyInfo key)
    {
        switch (key.Algorithm)
        {
            case PublicKeyAlgorithm.Rsa:
            case PublicKeyAlgorithm.RsaPss:
                if (key.KeySizeBits > PublicKeyInfo.MaxRsaBits)
                {
                    // No signature is checked with such a key (OpenSSL's limit too); reported here before any arithmetic.
                    return $"RSA key of {key.KeySizeBits} bits is above the maximum of {PublicKeyInfo.MaxRsaBits}";
                }
                if (key.KeySizeBits < MinRsaBits)
                {
                    return $"RSA key of {key.KeySizeBits} bits is below the minimum of {MinRsaBits}";
                }
                if (RsaMultipleOf8 && key.KeySizeBits % 8 != 0)
                {
                    return $"RSA key of {key.KeySizeBits} bits is not a multiple of 8 (CA/B BR 6.1.5)";
                }
                return null;
            case PublicKeyAlgorithm.EC:
                if (key.HasExplicitCurve)
                {
                    return "EC key with explicit curve parameters (RFC 5480 2.1.1, CA/B BR 7.1.3.1.2)";
                }
                return Curves.Contains(key.CurveOid ?? "") ? null : $"EC curve {Elide.Text(PublicKeyInfo.CurveName(key.CurveOid))} is not allowed";
            case PublicKeyAlgorithm.Dsa:
                return AllowDsa ? null : "DSA keys are not allowed";
            case PublicKeyAlgorithm.Ed25519:
            case PublicKeyAlgorithm.Ed448:
                return AllowEdDsa ? null : $"{key.Algorithm} keys are not allowed";
            default:
                return $"public key algorithm {Elide.Text(key.AlgorithmOid)} is not supported";
        }
    }

    internal string? CheckSignature(SignatureAlgorithm alg)
    {
        if (SignatureAlgorithms is { } allowed && !allowed.Contains(alg.Oid))
        {
            return $"signature algorithm {alg.Name} is not in the allowed list";
        }
        if (alg.Hash == System.Security.Cryptography.HashAlgorithmName.SHA1 && !AllowSha1)
        {
            return $"{alg.Name} uses SHA-1, which is not allowed";
        }
        // CA/B BR 7.1.3.2: SHA-256, SHA-384 or SHA-512 only; SHA-224 (for the signature or the MGF1 of RSA-PSS) where allowed.
        if ((alg.Hash == Sha224.Name || (alg.Scheme == SignatureScheme.RsaPss && alg.MgfHash == Sha224.Name)) && !AllowSha224)
        {
            return $"{alg.Name} uses SHA-224, which is not allowed";
        }
        return alg.Scheme switch
        {
            SignatureScheme.Unknown => $"signature algorithm {Elide.Text(alg.Oid)} is not supported",
            SignatureScheme.Dsa when !AllowDsa => "DSA signatures are not allowed",
            SignatureScheme.Ed25519 or SignatureScheme.Ed448 when !AllowEdDsa => "EdDSA signatures are not allowed",
            // CA/B BR 7.1.3.2.1: RSASSA-PSS with MGF1 of the same hash and a salt of the hash length.
            SignatureScheme.RsaPss when !AllowAnyPssParameters && (alg.MgfHash != alg.Hash || alg.SaltLength != alg.HashBytes)
                => "RSA-PSS parameters are not among those CA/B BR 7.1.3.2 allows",
            _ => null,
        };
    }
}
