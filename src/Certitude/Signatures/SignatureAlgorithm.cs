using System.Formats.Asn1;
using System.Security.Cryptography;
using Certitude.Der;

namespace Certitude.Signatures;

internal enum SignatureScheme
{
    Unknown,
    RsaPkcs1,
    RsaPss,
    Ecdsa,
    Ed25519,
    Ed448,
    Dsa,
}

/// <summary>RSASSA-PSS-params (RFC 4055 3.1): hash, MGF1 hash and salt length.</summary>
internal sealed record PssParameters(HashAlgorithmName Hash, int HashBytes, HashAlgorithmName MgfHash, int SaltLength);

/// <summary>A decoded signature AlgorithmIdentifier (RFC 5280 4.1.1.2; RFC 3279, 4055, 5758, 8410).</summary>
internal sealed class SignatureAlgorithm
{
    public required string Oid { get; init; }
    public required SignatureScheme Scheme { get; init; }
    public HashAlgorithmName Hash { get; init; }
    public int HashBytes { get; init; }
    public HashAlgorithmName MgfHash { get; init; }
    public int SaltLength { get; init; }
    public required ReadOnlyMemory<byte> RawData { get; init; }
    public string? Problem { get; init; }

    public string Name => Scheme switch
    {
        SignatureScheme.RsaPkcs1 => $"RSA PKCS#1 v1.5 with {HashName}",
        SignatureScheme.RsaPss => $"RSA-PSS with {HashName} (MGF1 {MgfHash.Name}, salt {SaltLength})",
        SignatureScheme.Ecdsa => $"ECDSA with {HashName}",
        SignatureScheme.Dsa => $"DSA with {HashName}",
        SignatureScheme.Ed25519 => "Ed25519",
        SignatureScheme.Ed448 => "Ed448",
        _ => "unknown algorithm " + Oid,
    };

    private string HashName => Hash.Name ?? "?";

    private const int MaxKnownEncodings = 256;
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<byte[], SignatureAlgorithm> KnownEncodings = new(ByteSequenceComparer.Instance);

    /// <summary>Decodes an AlgorithmIdentifier. The few encodings certificates use are decoded once and shared
    /// (the object is immutable and keeps its own copy of the bytes, not a slice of some certificate); a hit
    /// is a byte-for-byte match, and the table is bounded.</summary>
    public static SignatureAlgorithm Decode(ReadOnlyMemory<byte> raw)
    {
        if (KnownEncodings.GetAlternateLookup<ReadOnlySpan<byte>>().TryGetValue(raw.Span, out var known))
        {
            return known;
        }
        var copy = raw.ToArray();
        var decoded = DecodeCore(copy);
        if (KnownEncodings.Count < MaxKnownEncodings)
        {
            decoded = KnownEncodings.GetOrAdd(copy, decoded);
        }
        return decoded;
    }

    private static SignatureAlgorithm DecodeCore(ReadOnlyMemory<byte> raw)
    {
        var r = new DerReader(raw);
        var seq = r.ReadSequence();
        r.ThrowIfNotEmpty();
        var oid = seq.ReadObjectIdentifier();
        ReadOnlyMemory<byte>? p = null;
        if (seq.HasData)
        {
            p = seq.ReadEncodedValue();
        }
        seq.ThrowIfNotEmpty();
        bool nullOrAbsent = p is null || PublicKeyInfo.IsNull(p.Value);
        SignatureAlgorithm Rsa(HashAlgorithmName h, int n) => new()
        {
            Oid = oid, Scheme = SignatureScheme.RsaPkcs1, Hash = h, HashBytes = n, RawData = raw,
            // RFC 4055 5 / RFC 3279 2.2.1: the parameters are NULL (absent is tolerated, as by most verifiers).
            Problem = nullOrAbsent ? null : "RSA PKCS#1 v1.5 signature parameters must be NULL",
        };
        SignatureAlgorithm Simple(SignatureScheme s, HashAlgorithmName h, int n) => new()
        {
            Oid = oid, Scheme = s, Hash = h, HashBytes = n, RawData = raw,
            // RFC 5758 3.2 (ECDSA, DSA), RFC 8410 3 (EdDSA): the parameters MUST be absent.
            Problem = p is null ? null : "signature algorithm parameters must be absent",
        };
        return oid switch
        {
            Oids.Sha1WithRsa => Rsa(HashAlgorithmName.SHA1, 20),
            // RFC 4055 5: sha224WithRSAEncryption; RFC 5758 3.1/3.2: dsa-with-sha224, ecdsa-with-SHA224.
            Oids.Sha224WithRsa => Rsa(Sha224.Name, Sha224.HashBytes),
            Oids.Sha256WithRsa => Rsa(HashAlgorithmName.SHA256, 32),
            Oids.Sha384WithRsa => Rsa(HashAlgorithmName.SHA384, 48),
            Oids.Sha512WithRsa => Rsa(HashAlgorithmName.SHA512, 64),
            Oids.EcdsaWithSha1 => Simple(SignatureScheme.Ecdsa, HashAlgorithmName.SHA1, 20),
            Oids.EcdsaWithSha224 => Simple(SignatureScheme.Ecdsa, Sha224.Name, Sha224.HashBytes),
            Oids.EcdsaWithSha256 => Simple(SignatureScheme.Ecdsa, HashAlgorithmName.SHA256, 32),
            Oids.EcdsaWithSha384 => Simple(SignatureScheme.Ecdsa, HashAlgorithmName.SHA384, 48),
            Oids.EcdsaWithSha512 => Simple(SignatureScheme.Ecdsa, HashAlgorithmName.SHA512, 64),
            Oids.DsaWithSha1 => Simple(SignatureScheme.Dsa, HashAlgorithmName.SHA1, 20),
            Oids.DsaWithSha224 => Simple(SignatureScheme.Dsa, Sha224.Name, Sha224.HashBytes),
            Oids.DsaWithSha256 => Simple(SignatureScheme.Dsa, HashAlgorithmName.SHA256, 32),
            Oids.Ed25519 => Simple(SignatureScheme.Ed25519, default, 0),
            Oids.Ed448 => Simple(SignatureScheme.Ed448, default, 0),
            Oids.RsaPss => DecodePss(oid, raw, p),
            _ => new SignatureAlgorithm { Oid = oid, Scheme = SignatureScheme.Unknown, RawData = raw },
        };
    }

    private static SignatureAlgorithm DecodePss(string oid, ReadOnlyMemory<byte> raw, ReadOnlyMemory<byte>? p)
    {
        if (p is null)
        {
            return new SignatureAlgorithm { Oid = oid, Scheme = SignatureScheme.Unknown, RawData = raw, Problem = "RSASSA-PSS without parameters" };
        }
        var pss = ReadPssParameters(p.Value);
        return new SignatureAlgorithm
        {
            Oid = oid, Scheme = SignatureScheme.RsaPss, Hash = pss.Hash, HashBytes = pss.HashBytes, MgfHash = pss.MgfHash, SaltLength = pss.SaltLength, RawData = raw,
        };
    }

    /// <summary>RFC 4055 3.1: RSASSA-PSS-params (in a signature algorithm, or restricting an id-RSASSA-PSS key).</summary>
    internal static PssParameters ReadPssParameters(ReadOnlyMemory<byte> parameters)
    {
        var r = new DerReader(parameters);
        var s = r.ReadSequence();
        r.ThrowIfNotEmpty();
        var hash = (Name: HashAlgorithmName.SHA1, Bytes: 20);
        var mgf = HashAlgorithmName.SHA1;
        int salt = 20;
        var t0 = new Asn1Tag(TagClass.ContextSpecific, 0, true);
        var t1 = new Asn1Tag(TagClass.ContextSpecific, 1, true);
        var t2 = new Asn1Tag(TagClass.ContextSpecific, 2, true);
        var t3 = new Asn1Tag(TagClass.ContextSpecific, 3, true);
        if (s.HasData && s.PeekTag().HasSameClassAndValue(t0))
        {
            var e = s.ReadSequence(t0);
            hash = ReadHash(ref e);
            e.ThrowIfNotEmpty();
        }
        if (s.HasData && s.PeekTag().HasSameClassAndValue(t1))
        {
            var e = s.ReadSequence(t1);
            var m = e.ReadSequence();
            e.ThrowIfNotEmpty();
            if (m.ReadObjectIdentifier() != Oids.Mgf1)
            {
                throw new AsnContentException("RSASSA-PSS mask generation function is not MGF1");
            }
            mgf = ReadHash(ref m).Name;
            m.ThrowIfNotEmpty();
        }
        if (s.HasData && s.PeekTag().HasSameClassAndValue(t2))
        {
            var e = s.ReadSequence(t2);
            var n = e.ReadInteger();
            e.ThrowIfNotEmpty();
            if (n.Sign < 0 || n > 1024)
            {
                throw new AsnContentException("RSASSA-PSS saltLength out of range");
            }
            salt = (int)n;
        }
        if (s.HasData && s.PeekTag().HasSameClassAndValue(t3))
        {
            var e = s.ReadSequence(t3);
            if (e.ReadInteger() != 1)
            {
                throw new AsnContentException("RSASSA-PSS trailerField must be 1");
            }
            e.ThrowIfNotEmpty();
        }
        s.ThrowIfNotEmpty();
        return new PssParameters(hash.Name, hash.Bytes, mgf, salt);
    }

    private static (HashAlgorithmName Name, int Bytes) ReadHash(ref DerReader r)
    {
        var a = r.ReadSequence();
        var oid = a.ReadObjectIdentifier();
        if (a.HasData)
        {
            a.ReadNull();
        }
        a.ThrowIfNotEmpty();
        return oid switch
        {
            Oids.Sha1 => (HashAlgorithmName.SHA1, 20),
            Oids.Sha224 => (Sha224.Name, Sha224.HashBytes),
            Oids.Sha256 => (HashAlgorithmName.SHA256, 32),
            Oids.Sha384 => (HashAlgorithmName.SHA384, 48),
            Oids.Sha512 => (HashAlgorithmName.SHA512, 64),
            _ => throw new AsnContentException("unsupported hash algorithm " + Elide.Text(oid)),
        };
    }
}
