using System.Formats.Asn1;
using Certitude.Der;

namespace Certitude;

/// <summary>Public key algorithms Certitude recognises.</summary>
public enum PublicKeyAlgorithm
{
    /// <summary>An algorithm Certitude does not know; such a key verifies nothing.</summary>
    Unknown = 0,
    /// <summary>rsaEncryption</summary>
    Rsa,
    /// <summary>id-RSASSA-PSS (a PSS-only RSA key)</summary>
    RsaPss,
    /// <summary>id-ecPublicKey</summary>
    EC,
    /// <summary>id-Ed25519</summary>
    Ed25519,
    /// <summary>id-Ed448</summary>
    Ed448,
    /// <summary>id-dsa</summary>
    Dsa,
}

/// <summary>A decoded SubjectPublicKeyInfo (RFC 5280 4.1.2.7).</summary>
public sealed class PublicKeyInfo
{
    private PublicKeyInfo() { }

    /// <summary>The DER of the whole SubjectPublicKeyInfo.</summary>
    public ReadOnlyMemory<byte> RawData { get; private init; }

    /// <summary>The algorithm OID.</summary>
    public string AlgorithmOid { get; private init; } = "";

    /// <summary>The recognised algorithm.</summary>
    public PublicKeyAlgorithm Algorithm { get; private init; }

    /// <summary>The key size in bits (RSA modulus, DSA p, or the curve's field size).</summary>
    public int KeySizeBits { get; private init; }

    /// <summary>The named curve of an EC key, when the parameters name one.</summary>
    public string? CurveOid { get; private init; }

    /// <summary>True for an EC key whose parameters spell the curve out (RFC 5480 forbids this).</summary>
    public bool HasExplicitCurve { get; private init; }

    /// <summary>The contents of the subjectPublicKey BIT STRING.</summary>
    internal ReadOnlyMemory<byte> KeyBytes { get; private init; }

    private byte[]? _digest;

    /// <summary>SHA-256 of the SPKI, computed once: the key's identity in the verifier's caches.</summary>
    internal Signatures.CryptoCache.Digest Digest => Signatures.CryptoCache.Digest.Of(DigestBytes);

    /// <summary>The same SHA-256 of the SPKI as bytes (also part of a certificate's identity for loop detection).</summary>
    internal byte[] DigestBytes => _digest ??= System.Security.Cryptography.SHA256.HashData(RawData.Span);

    internal ReadOnlyMemory<byte> RsaModulus { get; private init; }

    internal ReadOnlyMemory<byte> RsaExponent { get; private init; }

    /// <summary>The largest RSA modulus any signature is checked with, in bits (OpenSSL's limit too): a larger
    /// key is refused before any arithmetic, so no key can make one check cost seconds.</summary>
    internal const int MaxRsaBits = 16384;

    /// <summary>The largest RSA public exponent read, in octets: e &lt;= 2^256 - 1 (CA/B BR 6.1.6).</summary>
    internal const int MaxRsaExponentBytes = 32;

    /// <summary>An id-RSASSA-PSS key's parameters (RFC 4055 3.3): the only hash and MGF1 hash its signatures
    /// may use and their smallest salt; null when the key is unrestricted.</summary>
    internal Signatures.PssParameters? PssRestriction { get; private init; }

    /// <summary>DSA: the DER of Dss-Parms, or null when inherited from the issuer (RFC 3279 2.3.2).</summary>
    internal ReadOnlyMemory<byte>? DsaParameters { get; private init; }

    /// <summary>A short description such as "RSA 2048" or "EC P-256".</summary>
    public string Describe() => Algorithm switch
    {
        PublicKeyAlgorithm.Rsa or PublicKeyAlgorithm.RsaPss => $"{Algorithm} {KeySizeBits}",
        PublicKeyAlgorithm.EC => HasExplicitCurve ? "EC (explicit curve)" : "EC " + CurveName(CurveOid),
        PublicKeyAlgorithm.Dsa => $"DSA {KeySizeBits}",
        PublicKeyAlgorithm.Unknown => "unknown key " + AlgorithmOid,
        _ => Algorithm.ToString(),
    };

    internal static string CurveName(string? oid) => oid switch
    {
        Oids.P192 => "P-192",
        Oids.P224 => "P-224",
        Oids.P256 => "P-256",
        Oids.P384 => "P-384",
        Oids.P521 => "P-521",
        Oids.BrainpoolP256r1 => "brainpoolP256r1",
        Oids.BrainpoolP384r1 => "brainpoolP384r1",
        Oids.BrainpoolP512r1 => "brainpoolP512r1",
        _ => oid ?? "?",
    };

    internal static PublicKeyInfo Decode(ReadOnlyMemory<byte> raw, string f)
    {
        var r = new DerReader(raw);
        var spki = r.ReadSequence();
        r.ThrowIfNotEmpty();
        var alg = spki.ReadSequence();
        var oid = alg.ReadObjectIdentifier();
        ReadOnlyMemory<byte>? parms = null;
        if (alg.HasData)
        {
            parms = alg.ReadEncodedValue();
        }
        alg.ThrowIfNotEmpty();
        var key = spki.ReadBitStringSlice(out int unused);
        spki.ThrowIfNotEmpty();
        if (unused != 0)
        {
            throw new CertificateFormatException(f, "subjectPublicKey has unused bits");
        }
        switch (oid)
        {
            case Oids.RsaEncryption:
            case Oids.RsaPss:
                {
                    if (oid == Oids.RsaEncryption && (parms is null || !IsNull(parms.Value)))
                    {
                        // RFC 3279 2.3.1: the parameters field MUST have ASN.1 type NULL.
                        throw new CertificateFormatException(f, "rsaEncryption parameters must be NULL");
                    }
                    var kr = new DerReader(key);
                    var ks = kr.ReadSequence();
                    kr.ThrowIfNotEmpty();
                    var n = ks.ReadIntegerBytes();
                    var e = ks.ReadIntegerBytes();
                    ks.ThrowIfNotEmpty();
                    if (n.Length == 0 || (n.Span[0] & 0x80) != 0 || e.Length == 0 || (e.Span[0] & 0x80) != 0)
                    {
                        throw new CertificateFormatException(f, "RSA modulus and exponent must be positive");
                    }
                    var mod = TrimLeadingZero(n);
                    var exp = TrimLeadingZero(e);
                    // RFC 8017 3.1: n is a product of odd primes, and 3 <= e <= n - 1 (e = 1 makes every
                    // encoded block its own signature); CA/B BR 6.1.6: e is odd and at least 3.
                    if ((mod.Span[^1] & 1) == 0)
                    {
                        throw new CertificateFormatException(f, "RSA modulus must be odd (RFC 8017 3.1)");
                    }
                    if ((exp.Span[^1] & 1) == 0 || (exp.Length == 1 && exp.Span[0] < 3))
                    {
                        throw new CertificateFormatException(f, "RSA public exponent must be odd and at least 3 (RFC 8017 3.1, CA/B BR 6.1.6)");
                    }
                    // CA/B BR 6.1.6: e <= 2^256 - 1, in every profile. A larger exponent costs a modular exponentiation
                    // as long as the modulus per check (a 3064-bit e: 40 times e = 65537), paid for any candidate issuer
                    // before a trust decision; no CA issues one (docs/DESIGN.md, "RSA public exponents").
                    if (exp.Length > MaxRsaExponentBytes)
                    {
                        throw new CertificateFormatException(f, $"RSA public exponent of {BitLength(exp.Span)} bits is above 2^256 - 1 (CA/B BR 6.1.6)");
                    }
                    if (exp.Length > mod.Length || (exp.Length == mod.Length && exp.Span.SequenceCompareTo(mod.Span) >= 0))
                    {
                        throw new CertificateFormatException(f, "RSA public exponent must be less than the modulus (RFC 8017 3.1)");
                    }
                    Signatures.PssParameters? pss = null;
                    if (oid == Oids.RsaPss && parms is { } pp)
                    {
                        // RFC 4055 3.1: an id-RSASSA-PSS key's parameters are absent or RSASSA-PSS-params
                        // (never NULL), and when present they restrict the key (RFC 4055 3.3).
                        try
                        {
                            pss = Signatures.SignatureAlgorithm.ReadPssParameters(pp);
                        }
                        catch (AsnContentException x)
                        {
                            throw new CertificateFormatException(f, "id-RSASSA-PSS key parameters are not RSASSA-PSS-params: " + x.Message, x);
                        }
                    }
                    return new PublicKeyInfo
                    {
                        RawData = raw, AlgorithmOid = oid, KeyBytes = key,
                        Algorithm = oid == Oids.RsaPss ? PublicKeyAlgorithm.RsaPss : PublicKeyAlgorithm.Rsa,
                        KeySizeBits = BitLength(mod.Span), RsaModulus = mod, RsaExponent = exp, PssRestriction = pss,
                    };
                }
            case Oids.EcPublicKey:
                {
                    if (parms is null)
                    {
                        throw new CertificateFormatException(f, "EC key without parameters");
                    }
                    var pr = new DerReader(parms.Value);
                    var tag = pr.PeekTag();
                    string? curve = null;
                    bool isExplicit = false;
                    int bits;
                    if (tag.HasSameClassAndValue(Asn1Tag.ObjectIdentifier))
                    {
                        curve = pr.ReadObjectIdentifier();
                        bits = curve switch
                        {
                            Oids.P192 => 192,
                            Oids.P224 => 224,
                            Oids.P256 => 256,
                            Oids.P384 => 384,
                            Oids.P521 => 521,
                            Oids.BrainpoolP256r1 => 256,
                            Oids.BrainpoolP384r1 => 384,
                            Oids.BrainpoolP512r1 => 512,
                            _ => 0,
                        };
                    }
                    else if (tag.HasSameClassAndValue(Asn1Tag.Sequence))
                    {
                        isExplicit = true;
                        pr.ReadEncodedValue();
                        bits = (key.Length - 1) * 4;
                    }
                    else
                    {
                        // implicitCurve (NULL) is forbidden by RFC 5480 2.1.1.
                        throw new CertificateFormatException(f, "EC parameters must be a named curve");
                    }
                    pr.ThrowIfNotEmpty();
                    if (key.Length == 0 || (key.Span[0] != 4 && key.Span[0] != 2 && key.Span[0] != 3))
                    {
                        throw new CertificateFormatException(f, "EC point encoding is not recognised");
                    }
                    return new PublicKeyInfo
                    {
                        RawData = raw, AlgorithmOid = oid, KeyBytes = key, Algorithm = PublicKeyAlgorithm.EC,
                        CurveOid = curve, HasExplicitCurve = isExplicit, KeySizeBits = bits,
                    };
                }
            case Oids.Ed25519:
            case Oids.Ed448:
                {
                    int len = oid == Oids.Ed25519 ? 32 : 57;
                    if (parms is not null || key.Length != len)
                    {
                        // RFC 8410 3: parameters MUST be absent.
                        throw new CertificateFormatException(f, "EdDSA key must have no parameters and a " + len + "-byte key");
                    }
                    if (EdDsaKeyProblem(oid == Oids.Ed25519, key.Span) is { } problem)
                    {
                        throw new CertificateFormatException(f, problem);
                    }
                    return new PublicKeyInfo
                    {
                        RawData = raw, AlgorithmOid = oid, KeyBytes = key,
                        Algorithm = oid == Oids.Ed25519 ? PublicKeyAlgorithm.Ed25519 : PublicKeyAlgorithm.Ed448,
                        KeySizeBits = oid == Oids.Ed25519 ? 256 : 456,
                    };
                }
            case Oids.Dsa:
                {
                    int bits = 0;
                    if (parms is not null)
                    {
                        var pr = new DerReader(parms.Value);
                        var ps = pr.ReadSequence();
                        pr.ThrowIfNotEmpty();
                        var p = TrimLeadingZero(ps.ReadIntegerBytes());
                        ps.ReadIntegerBytes();
                        ps.ReadIntegerBytes();
                        ps.ThrowIfNotEmpty();
                        bits = BitLength(p.Span);
                    }
                    var kr = new DerReader(key);
                    kr.ReadIntegerBytes();
                    kr.ThrowIfNotEmpty();
                    return new PublicKeyInfo
                    {
                        RawData = raw, AlgorithmOid = oid, KeyBytes = key, Algorithm = PublicKeyAlgorithm.Dsa,
                        KeySizeBits = bits, DsaParameters = parms,
                    };
                }
            default:
                return new PublicKeyInfo { RawData = raw, AlgorithmOid = oid, KeyBytes = key, Algorithm = PublicKeyAlgorithm.Unknown };
        }
    }

    private static readonly System.Numerics.BigInteger P25519 = System.Numerics.BigInteger.Pow(2, 255) - 19;
    private static readonly System.Numerics.BigInteger P448 = System.Numerics.BigInteger.Pow(2, 448) - System.Numerics.BigInteger.Pow(2, 224) - 1;
    // The y-coordinate of a point of order 8 on edwards25519 (the other is p minus it).
    private static readonly System.Numerics.BigInteger Y8 = new(Convert.FromHexString("26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05"), isUnsigned: true);

    /// <summary>
    /// RFC 8032 5.1.3 / 5.2.3: y must be encoded canonically (y &lt; p; for Ed448 the last octet holds only the
    /// sign of x). A point of small order (y = 0, 1 or p - 1, and for Ed25519 the two y of the points of
    /// order 8) is no key: with the identity, R = identity and S = 0 verify for every message. Checked on y
    /// alone, so every encoding of such a point (either sign bit) is refused.
    /// </summary>
    private static string? EdDsaKeyProblem(bool ed25519, ReadOnlySpan<byte> k)
    {
        var name = ed25519 ? "Ed25519" : "Ed448";
        System.Numerics.BigInteger y, p;
        if (ed25519)
        {
            Span<byte> b = stackalloc byte[32];
            k.CopyTo(b);
            b[31] &= 0x7F;
            y = new System.Numerics.BigInteger(b, isUnsigned: true);
            p = P25519;
        }
        else
        {
            if ((k[56] & 0x7F) != 0)
            {
                return "Ed448 public key's last octet must hold only the sign bit (RFC 8032 5.2.2)";
            }
            y = new System.Numerics.BigInteger(k[..56], isUnsigned: true);
            p = P448;
        }
        if (y >= p)
        {
            return name + " public key is not canonically encoded (y >= p, RFC 8032 5.1.3, 5.2.3)";
        }
        if (y.IsZero || y.IsOne || y == p - 1 || (ed25519 && (y == Y8 || y == p - Y8)))
        {
            return name + " public key is a point of small order (a signature would verify every message)";
        }
        return null;
    }

    internal static bool IsNull(ReadOnlyMemory<byte> v) => v.Length == 2 && v.Span[0] == 0x05 && v.Span[1] == 0x00;

    private static ReadOnlyMemory<byte> TrimLeadingZero(ReadOnlyMemory<byte> b) => b.Length > 1 && b.Span[0] == 0 ? b[1..] : b;

    private static int BitLength(ReadOnlySpan<byte> b)
    {
        int i = 0;
        while (i < b.Length && b[i] == 0)
        {
            i++;
        }
        if (i == b.Length)
        {
            return 0;
        }
        return (b.Length - i - 1) * 8 + (32 - System.Numerics.BitOperations.LeadingZeroCount((uint)b[i]));
    }
}
