using System.Formats.Asn1;
using System.Numerics;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace Certitude.Benchmarks;

/// <summary>The hostile input shapes of issue 12, made at a requested size (public APIs only, so the same
/// inputs can be fed to an older build for a before-figure). Also compiled into the test project, whose
/// hostile-input tests build their inputs with the same pieces.</summary>
public static class HostileInputs
{
    private const AsnEncodingRules Der = AsnEncodingRules.DER;

    /// <summary>An RSAPublicKey (RFC 8017 A.1.1) with any modulus and exponent, for keys no key generator would make.</summary>
    public static byte[] RsaPublicKey(byte[] modulus, BigInteger exponent)
    {
        var w = new AsnWriter(Der);
        using (w.PushSequence())
        {
            w.WriteIntegerUnsigned(modulus);
            w.WriteInteger(exponent);
        }
        return w.Encode();
    }
    private static readonly DateTimeOffset Now = DateTimeOffset.UtcNow;

    /// <summary>Signs with a fixed function of the data (a forger's "signature").</summary>
    internal sealed class FixedGenerator(byte[] algorithmId, Func<byte[], byte[]> sign) : X509SignatureGenerator
    {
        public override byte[] GetSignatureAlgorithmIdentifier(HashAlgorithmName hashAlgorithm) => algorithmId;
        public override byte[] SignData(byte[] data, HashAlgorithmName hashAlgorithm) => sign(data);
        protected override PublicKey BuildPublicKey() => throw new NotSupportedException();
    }

    private static (X509Certificate2 Cert, ECDsa Key) Root(string subject, X509Extension? extra = null)
    {
        var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var req = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        req.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        req.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        req.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(req.PublicKey, false));
        if (extra is not null)
        {
            req.CertificateExtensions.Add(extra);
        }
        return (req.CreateSelfSigned(Now.AddDays(-1), Now.AddYears(1)), key);
    }

    /// <summary>A certificate whose version is an INTEGER of <paramref name="octets"/> octets.</summary>
    public static byte[] VersionBomb(int octets)
    {
        var (root, _) = Root("CN=Version Bomb");
        var value = new byte[octets];
        value.AsSpan().Fill(0xAB);
        value[0] = 0x01;
        var w = new AsnWriter(Der);
        using (w.PushSequence(new Asn1Tag(TagClass.ContextSpecific, 0, true)))
        {
            w.WriteIntegerUnsigned(value);
        }
        return ReplaceTbsElement(root.RawData, 0, w.Encode());
    }

    /// <summary>A signed object (certificate or CRL) with one element of its to-be-signed part replaced.</summary>
    internal static byte[] ReplaceTbsElement(byte[] signed, int index, byte[] replacement)
    {
        var outer = new AsnReader(signed, Der).ReadSequence();
        var tbs = outer.ReadEncodedValue();
        var alg = outer.ReadEncodedValue();
        var sig = outer.ReadEncodedValue();
        var tr = new AsnReader(tbs, Der).ReadSequence();
        var parts = new List<ReadOnlyMemory<byte>>();
        while (tr.HasData)
        {
            parts.Add(tr.ReadEncodedValue());
        }
        parts[index] = replacement;
        var w = new AsnWriter(Der);
        using (w.PushSequence())
        {
            using (w.PushSequence())
            {
                foreach (var p in parts)
                {
                    w.WriteEncodedValue(p.Span);
                }
            }
            w.WriteEncodedValue(alg.Span);
            w.WriteEncodedValue(sig.Span);
        }
        return w.Encode();
    }

    /// <summary>A CRL whose issuer name is about <paramref name="issuerBytes"/> long, with entries up to about
    /// <paramref name="totalBytes"/> in all.</summary>
    public static byte[] CrlWithLongIssuer(int totalBytes, int issuerBytes)
    {
        var units = Math.Max(1, issuerBytes / 60);
        var subject = "CN=Long Issuer, " + string.Join(", ", Enumerable.Range(0, units).Select(i => $"OU=Unit {i:D6} {new string('x', 44)}"));
        var (root, key) = Root(subject);
        var builder = new CertificateRevocationListBuilder();
        int entries = Math.Max(1, (totalBytes - issuerBytes) / 24);
        for (int i = 0; i < entries; i++)
        {
            builder.AddEntry(new BigInteger(100_000 + i).ToByteArray(isUnsigned: false, isBigEndian: true), Now.AddDays(-1));
        }
        return builder.Build(root.SubjectName, X509SignatureGenerator.CreateForECDsa(key), 1, Now.AddDays(7), HashAlgorithmName.SHA256,
            X509AuthorityKeyIdentifierExtension.CreateFromCertificate(root, true, false), Now);
    }

    /// <summary>About <paramref name="bytes"/> of empty PEM blocks.</summary>
    public static byte[] EmptyPemBlocks(int bytes)
    {
        const string Block = "-----BEGIN X-----\n-----END X-----\n";
        var sb = new StringBuilder(bytes + Block.Length);
        while (sb.Length < bytes)
        {
            sb.Append(Block);
        }
        return Encoding.ASCII.GetBytes(sb.ToString());
    }

    /// <summary>A DER certificate carrying, in an extension, a PEM certificate padded with text to about <paramref name="bytes"/>.</summary>
    public static byte[] DerWithPemInside(int bytes)
    {
        var (embedded, _) = Root("CN=Embedded");
        var pem = embedded.ExportCertificatePem();
        var text = new string('#', Math.Max(0, bytes - pem.Length)) + "\n" + pem;
        var (outer, _) = Root("CN=Polyglot", new X509Extension("1.3.6.1.4.1.55555.1", Encoding.ASCII.GetBytes(text), false));
        return outer.RawData;
    }

    /// <summary>An OpenSSL TRUSTED CERTIFICATE whose trust list holds distinct OIDs filling about <paramref name="bytes"/>.</summary>
    public static byte[] TrustedCertificateWithManyOids(int bytes)
    {
        var (root, _) = Root("CN=Many Trust OIDs");
        var w = new AsnWriter(Der);
        using (w.PushSequence())
        {
            using (w.PushSequence())
            {
                w.WriteObjectIdentifier("1.3.6.1.5.5.7.3.1");
                for (int i = 0; 14 * i < bytes; i++)
                {
                    w.WriteObjectIdentifier("1.3.6.1.4.1.55555." + i.ToString(System.Globalization.CultureInfo.InvariantCulture));
                }
            }
        }
        var data = root.RawData.Concat(w.Encode()).ToArray();
        return Encoding.ASCII.GetBytes("-----BEGIN TRUSTED CERTIFICATE-----\n" + Convert.ToBase64String(data, Base64FormattingOptions.InsertLineBreaks) + "\n-----END TRUSTED CERTIFICATE-----\n");
    }

    /// <summary>A root and a leaf whose subjectAltName holds one malformed dNSName of about <paramref name="bytes"/>.</summary>
    public static (byte[] Root, byte[] Leaf) LongSanName(int bytes)
    {
        var (root, key) = Root("CN=Long SAN Root");
        using var leafKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var req = new CertificateRequest("CN=leaf", leafKey, HashAlgorithmName.SHA256);
        var w = new AsnWriter(Der);
        using (w.PushSequence())
        {
            w.WriteCharacterString(UniversalTagNumber.IA5String, "bad_name." + new string('a', bytes), new Asn1Tag(TagClass.ContextSpecific, 2));
        }
        req.CertificateExtensions.Add(new X509Extension("2.5.29.17", w.Encode(), false));
        req.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(root, true, false));
        var leaf = req.Create(root.SubjectName, X509SignatureGenerator.CreateForECDsa(key), Now.AddDays(-1), Now.AddDays(30), [5, 6, 7]);
        return (root.RawData, leaf.RawData);
    }

    /// <summary>An id-RSASSA-PSS root whose modulus is <paramref name="modulusBytes"/> long (exponent 65537, or an
    /// odd exponent as long as the modulus), and a leaf "signed" by it with RSASSA-PSS SHA-256, salt 0.</summary>
    public static (byte[] Root, byte[] Leaf) HugeRsaPss(int modulusBytes, bool longExponent)
    {
        var rnd = new Random(modulusBytes);
        var modulus = new byte[modulusBytes];
        rnd.NextBytes(modulus);
        modulus[0] |= 0x80;
        modulus[^1] |= 0x01;
        BigInteger e = 65537;
        if (longExponent)
        {
            var eb = new byte[modulusBytes];
            rnd.NextBytes(eb);
            eb[0] = 0x7F;
            eb[^1] |= 0x01;
            e = new BigInteger(eb, isUnsigned: true, isBigEndian: true);
        }
        var pssSalt0 = PssAlgorithmId(0);
        var key = new PublicKey(new Oid("1.2.840.113549.1.1.10"), null, new AsnEncodedData(RsaPublicKey(modulus, e)));
        var junk = new byte[modulusBytes];
        rnd.NextBytes(junk);
        junk[0] = 0;
        var generator = new FixedGenerator(pssSalt0, _ => junk);
        var rootReq = new CertificateRequest(new X500DistinguishedName("CN=Huge PSS Root"), key, HashAlgorithmName.SHA256);
        rootReq.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        var root = rootReq.Create(new X500DistinguishedName("CN=Huge PSS Root"), generator, Now.AddDays(-1), Now.AddDays(30), [1]);
        using var leafKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var leaf = new CertificateRequest("CN=leaf", leafKey, HashAlgorithmName.SHA256)
            .Create(new X500DistinguishedName("CN=Huge PSS Root"), generator, Now.AddDays(-1), Now.AddDays(10), [2]);
        return (root.RawData, leaf.RawData);
    }

    /// <summary>Issue 26 item 5: a trusted root, <paramref name="count"/> untrusted candidate issuers named "CN=Candidate CA"
    /// (signed by the root) whose rsaEncryption keys have a 3072-bit modulus and either e = 65537 or an odd exponent of
    /// 3064 bits, and a leaf naming that issuer with a sha256WithRSAEncryption signature none of them verifies, so every
    /// candidate costs one RSA public operation with its exponent.</summary>
    public static (byte[] Root, byte[] Leaf, byte[][] Candidates) RsaExponentCandidates(int count, bool hugeExponent)
    {
        var (root, rootKey) = Root("CN=Exponent Root");
        const string CandidateName = "CN=Candidate CA";
        var candidates = new byte[count][];
        for (int i = 0; i < count; i++)
        {
            var rnd = new Random(3072 + i);
            var modulus = new byte[384];
            rnd.NextBytes(modulus);
            modulus[0] |= 0x80;
            modulus[^1] |= 0x01;
            BigInteger e = 65537;
            if (hugeExponent)
            {
                var eb = new byte[383];
                rnd.NextBytes(eb);
                eb[0] |= 0x80;
                eb[^1] |= 0x01;
                e = new BigInteger(eb, isUnsigned: true, isBigEndian: true);
            }
            var key = new PublicKey(new Oid("1.2.840.113549.1.1.1"), new AsnEncodedData([0x05, 0x00]), new AsnEncodedData(RsaPublicKey(modulus, e)));
            var req = new CertificateRequest(new X500DistinguishedName(CandidateName), key, HashAlgorithmName.SHA256);
            req.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
            req.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
            candidates[i] = req.Create(root.SubjectName, X509SignatureGenerator.CreateForECDsa(rootKey), Now.AddDays(-1), Now.AddYears(1), [0x10, (byte)(i >> 8), (byte)i]).RawData;
        }
        byte[] sha256WithRsa = [0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0b, 0x05, 0x00];
        var junk = new byte[384];
        new Random(26).NextBytes(junk);
        junk[0] = 0;
        using var leafKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var leafReq = new CertificateRequest("CN=example.com", leafKey, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddDnsName("example.com");
        leafReq.CertificateExtensions.Add(san.Build());
        var leaf = leafReq.Create(new X500DistinguishedName(CandidateName), new FixedGenerator(sha256WithRsa, _ => junk), Now.AddDays(-1), Now.AddDays(30), [0x20, 1]);
        return (root.RawData, leaf.RawData, candidates);
    }

    private static byte[] PssAlgorithmId(int salt)
    {
        const string Sha256 = "2.16.840.1.101.3.4.2.1";
        var w = new AsnWriter(Der);
        using (w.PushSequence())
        {
            w.WriteObjectIdentifier("1.2.840.113549.1.1.10");
            using (w.PushSequence())
            {
                using (w.PushSequence(new Asn1Tag(TagClass.ContextSpecific, 0, true)))
                using (w.PushSequence())
                {
                    w.WriteObjectIdentifier(Sha256);
                }
                using (w.PushSequence(new Asn1Tag(TagClass.ContextSpecific, 1, true)))
                using (w.PushSequence())
                {
                    w.WriteObjectIdentifier("1.2.840.113549.1.1.8");
                    using (w.PushSequence())
                    {
                        w.WriteObjectIdentifier(Sha256);
                    }
                }
                using (w.PushSequence(new Asn1Tag(TagClass.ContextSpecific, 2, true)))
                {
                    w.WriteInteger(salt);
                }
            }
        }
        return w.Encode();
    }
}
