using System.Formats.Asn1;
using System.Numerics;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Certitude.Benchmarks;
using Certitude.Signatures;
using Xunit;

namespace Certitude.Tests;

/// <summary>Crafted inputs of issue 12 (hostile input, round two). None asserts a time: each checks the
/// property whose loss made the input expensive or dangerous (a bounded message, no arithmetic with a
/// refused key, allocation linear in the input, work linear in the input).</summary>
public sealed class HostileInputTests
{
    private const AsnEncodingRules Der = AsnEncodingRules.DER;

    private static byte[] HugeInteger(int octets, Asn1Tag? explicitTag = null)
    {
        var value = new byte[octets];
        value.AsSpan().Fill(0xAB);
        value[0] = 0x01;
        var w = new AsnWriter(Der);
        if (explicitTag is { } t)
        {
            using (w.PushSequence(t))
            {
                w.WriteIntegerUnsigned(value);
            }
        }
        else
        {
            w.WriteIntegerUnsigned(value);
        }
        return w.Encode();
    }

    [Fact]
    public void HugeVersionIntegerIsRejectedWithABoundedMessage()
    {
        // Issue 12 item 1: the version of a certificate and of a CRL, 32 KB long. The message used to print
        // it in decimal (quadratic: 90 KB cost ~13 s); now every decoded value in a message is elided.
        var root = TestPki.Root("CN=Version Bomb Root");
        var cert = HostileInputs.ReplaceTbsElement(root.X509.RawData, 0, HugeInteger(32 * 1024, new Asn1Tag(TagClass.ContextSpecific, 0, true)));
        var ex = Assert.Throws<CertificateFormatException>(() => Certificate.Parse(cert));
        Assert.Equal("tbsCertificate.version", ex.Field);
        Assert.True(ex.Message.Length < 1000, $"the message holds {ex.Message.Length} characters");
        Assert.Contains("32768-octet integer", ex.Message, StringComparison.Ordinal);

        var crl = new CertificateRevocationListBuilder().Build(root.X509.SubjectName, root.Generator, 1, TestPki.Now.AddDays(7), HashAlgorithmName.SHA256,
            X509AuthorityKeyIdentifierExtension.CreateFromCertificate(root.X509, true, false), TestPki.Now);
        var badCrl = HostileInputs.ReplaceTbsElement(crl, 0, HugeInteger(32 * 1024));
        var crlEx = Assert.Throws<CertificateFormatException>(() => CertificateRevocationList.Parse(badCrl));
        Assert.Equal("tbsCertList.version", crlEx.Field);
        Assert.True(crlEx.Message.Length < 1000, $"the message holds {crlEx.Message.Length} characters");
    }

    [Fact]
    public void LongDecodedTextIsElidedInMessages()
    {
        // Every message that prints decoded text goes through one helper that cuts it.
        var longName = new string('a', 70_000) + ".example";
        var root = TestPki.Root("CN=Elide Root");
        var leaf = TestPki.Leaf(root, null, new CertSpec { Extra = [RawExtensions.DnsSan("bad_name." + longName)] });
        var r = TestPki.Verifier(root).Verify(leaf.Cert, null, PeerIdentity.Dns("example.com"));
        Assert.False(r.IsValid);
        Assert.All(r.Diagnostics, d => Assert.True(d.Message.Length < 1000, $"a diagnostic of {d.Message.Length} characters"));
        Assert.Contains(r.Diagnostics, d => d.Message.Contains("more characters", StringComparison.Ordinal));
    }

    private static byte[] Spki(string oid, byte[]? parameters, byte[] key)
    {
        var w = new AsnWriter(Der);
        using (w.PushSequence())
        {
            using (w.PushSequence())
            {
                w.WriteObjectIdentifier(oid);
                if (parameters is not null)
                {
                    w.WriteEncodedValue(parameters);
                }
            }
            w.WriteBitString(key);
        }
        return w.Encode();
    }

    private static readonly byte[] Null = [0x05, 0x00];

    private static readonly byte[] Sha256WithRsa = [0x30, 0x0D, 0x06, 0x09, 0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x0B, 0x05, 0x00];

    private static byte[] CertificateWithKey(string subject, PublicKey key, X509SignatureGenerator generator)
    {
        var req = new CertificateRequest(new X500DistinguishedName(subject), key, HashAlgorithmName.SHA256);
        req.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        req.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        return req.Create(new X500DistinguishedName(subject), generator, TestPki.Now.AddDays(-1), TestPki.Now.AddDays(30), [1, 2, 3]).RawData;
    }

    [Fact]
    public void RsaKeysWithUnusableExponentsAreRejectedAtParseTime()
    {
        // Issue 12 item 2: with e = 1 the encoded block is its own signature, so anyone can forge one; the
        // libcrypto path used to accept it. RFC 8017 3.1 and CA/B BR 6.1.6: e odd, 3 <= e < n; n odd.
        using var rsa = RSA.Create(2048);
        var n = rsa.ExportParameters(false).Modulus!;
        byte[] Forge(byte[] data)
        {
            // EMSA-PKCS1-v1_5 of SHA-256(data): with e = 1 it verifies as it is.
            var em = new byte[n.Length];
            byte[] prefix = [0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20];
            em[1] = 0x01;
            em.AsSpan(2, n.Length - 3 - prefix.Length - 32).Fill(0xFF);
            prefix.CopyTo(em, n.Length - prefix.Length - 32);
            SHA256.HashData(data).CopyTo(em, n.Length - 32);
            return em;
        }
        var even = (byte[])n.Clone();
        even[^1] &= 0xFE;
        // e >= n with a modulus short enough that e is within the 2^256 - 1 bound (CA/B BR 6.1.6), which is read first.
        var small = n[..32];
        small[^1] |= 0x01;
        var cases = new (string Name, byte[] Modulus, BigInteger E)[]
        {
            ("e = 1", n, 1), ("e = 2", n, 2), ("e = 65536", n, 65536), ("e = n", small, new BigInteger(small, isUnsigned: true, isBigEndian: true)),
            ("even modulus", even, 65537),
        };
        foreach (var (name, modulus, e) in cases)
        {
            var key = new PublicKey(new Oid("1.2.840.113549.1.1.1"), new AsnEncodedData(Null), new AsnEncodedData(HostileInputs.RsaPublicKey(modulus, e)));
            var der = CertificateWithKey("CN=Exponent " + name, key, new HostileInputs.FixedGenerator(Sha256WithRsa, Forge));
            var ex = Assert.Throws<CertificateFormatException>(() => Certificate.Parse(der));
            Assert.Contains("RFC 8017 3.1", ex.Message, StringComparison.Ordinal);
        }
        // The usual exponent still parses.
        var good = new PublicKey(new Oid("1.2.840.113549.1.1.1"), new AsnEncodedData(Null), new AsnEncodedData(HostileInputs.RsaPublicKey(n, 65537)));
        Assert.Equal(2048, Certificate.Parse(CertificateWithKey("CN=Exponent ok", good, new HostileInputs.FixedGenerator(Sha256WithRsa, Forge))).PublicKey.KeySizeBits);
    }

    [Fact]
    public void HugeRsaKeysAreRefusedBeforeAnyArithmetic()
    {
        // Issue 12 item 2: a 32,768-bit id-RSASSA-PSS key and a PSS signature with salt 0 (the portable
        // path) used to cost 38 s of BigInteger.ModPow per check. Now the key policy refuses the key before
        // any signature arithmetic, in the path search and in the signature layer itself.
        var modulus = new byte[4096];
        new Random(12).NextBytes(modulus);
        modulus[0] |= 0x80;
        modulus[^1] |= 0x01;
        // RSASSA-PSS, SHA-256, MGF1 SHA-256, salt 0 (the key allows it).
        var key = new PublicKey(new Oid("1.2.840.113549.1.1.10"), new AsnEncodedData(PssParameters("2.16.840.1.101.3.4.2.1", 0)), new AsnEncodedData(HostileInputs.RsaPublicKey(modulus, 65537)));
        var pssSalt0 = PssAlgorithmId("2.16.840.1.101.3.4.2.1", 0);
        var junk = new byte[4096];
        new Random(13).NextBytes(junk);
        junk[0] = 0;
        var rootDer = CertificateWithKey("CN=Huge PSS Root", key, new HostileInputs.FixedGenerator(pssSalt0, _ => junk));
        var root = Certificate.Parse(rootDer);
        Assert.Equal(32768, root.PublicKey.KeySizeBits);
        var leafReq = new CertificateRequest("CN=example.com", ECDsa.Create(ECCurve.NamedCurves.nistP256), HashAlgorithmName.SHA256);
        var leafX509 = leafReq.Create(new X500DistinguishedName("CN=Huge PSS Root"), new HostileInputs.FixedGenerator(pssSalt0, _ => junk), TestPki.Now.AddDays(-1), TestPki.Now.AddDays(10), [9]);
        var leaf = Certificate.Parse(leafX509.RawData);

        Assert.Equal(VerifyCode.UnableToDecodeIssuerPublicKey, SignatureVerifier.Verify(root.PublicKey, leaf.SignatureAlgorithm, leaf.TbsData.Span, leaf.Signature.Span, native: false));
        Assert.Equal(VerifyCode.UnableToDecodeIssuerPublicKey, SignatureVerifier.Verify(root.PublicKey, leaf.SignatureAlgorithm, leaf.TbsData.Span, leaf.Signature.Span, native: true));
        var options = new VerificationOptions { Profile = VerificationProfile.Rfc5280, ValidationTime = TestPki.Now, Flags = VerifyFlags.PartialChain | VerifyFlags.TrustedFirst };
        var r = new Verifier(TrustStore.FromCertificates([root]), options).Verify(leaf);
        Assert.False(r.IsValid);
        Assert.Equal(VerifyCode.CaKeyTooSmall, r.Code);
        Assert.Contains("above the maximum of 16384", r.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(r.Diagnostics, d => d.Code == VerifyCode.CertSignatureFailure);
    }

    private static byte[] PssAlgorithmId(string hashOid, int salt)
    {
        var w = new AsnWriter(Der);
        using (w.PushSequence())
        {
            w.WriteObjectIdentifier("1.2.840.113549.1.1.10");
            w.WriteEncodedValue(PssParameters(hashOid, salt));
        }
        return w.Encode();
    }

    private static byte[] PssParameters(string hashOid, int salt)
    {
        var w = new AsnWriter(Der);
        using (w.PushSequence())
        {
            using (w.PushSequence(new Asn1Tag(TagClass.ContextSpecific, 0, true)))
            using (w.PushSequence())
            {
                w.WriteObjectIdentifier(hashOid);
            }
            using (w.PushSequence(new Asn1Tag(TagClass.ContextSpecific, 1, true)))
            using (w.PushSequence())
            {
                w.WriteObjectIdentifier("1.2.840.113549.1.1.8");
                using (w.PushSequence())
                {
                    w.WriteObjectIdentifier(hashOid);
                }
            }
            using (w.PushSequence(new Asn1Tag(TagClass.ContextSpecific, 2, true)))
            {
                w.WriteInteger(salt);
            }
        }
        return w.Encode();
    }

    [Fact]
    public void SmallOrderAndNonCanonicalEdDsaKeysAreRejected()
    {
        // Issue 12 item 3: with the identity as the key, R = identity and S = 0 verify for any message.
        // RFC 8032 5.1.3 / 5.2.3: canonical y only; no point of small order, whatever its encoding.
        static byte[] Le(BigInteger v, int length, byte last = 0)
        {
            var b = new byte[length];
            v.TryWriteBytes(b, out _, isUnsigned: true);
            b[^1] |= last;
            return b;
        }
        var p25519 = BigInteger.Pow(2, 255) - 19;
        var y8 = new BigInteger(Convert.FromHexString("26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05"), isUnsigned: true);
        var bad25519 = new List<byte[]>();
        foreach (var y in new[] { BigInteger.Zero, BigInteger.One, p25519 - 1, y8, p25519 - y8, p25519, p25519 + 1, BigInteger.Pow(2, 255) - 1 })
        {
            bad25519.Add(Le(y, 32));
            bad25519.Add(Le(y, 32, 0x80));
        }
        foreach (var k in bad25519)
        {
            var ex = Assert.Throws<CertificateFormatException>(() => PublicKeyInfo.Decode(Spki("1.3.101.112", null, k), "spki"));
            Assert.Contains("Ed25519", ex.Message, StringComparison.Ordinal);
        }
        var p448 = BigInteger.Pow(2, 448) - BigInteger.Pow(2, 224) - 1;
        foreach (var k in new[] { Le(BigInteger.Zero, 57), Le(BigInteger.One, 57), Le(BigInteger.One, 57, 0x80), Le(p448 - 1, 57), Le(p448, 57), Le(BigInteger.One, 57, 0x01) })
        {
            Assert.Throws<CertificateFormatException>(() => PublicKeyInfo.Decode(Spki("1.3.101.113", null, k), "spki"));
        }
        // RFC 8032 7.1 and 7.4 test keys are ordinary keys.
        Assert.Equal(PublicKeyAlgorithm.Ed25519, PublicKeyInfo.Decode(Spki("1.3.101.112", null,
            Convert.FromHexString("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a")), "spki").Algorithm);
        Assert.Equal(PublicKeyAlgorithm.Ed448, PublicKeyInfo.Decode(Spki("1.3.101.113", null,
            Convert.FromHexString("5fd7449b59b461fd2ce787ec616ad46a1da1342485a70e1f8a0ea75d80e96778edf124769b46c7061bd6783df1e50f6cd1fa1abeafe8256180")), "spki").Algorithm);
    }

    [Fact]
    public void RsaPssKeyParametersRestrictTheSignatures()
    {
        // Issue 12 item 5, RFC 4055 3.3: a key restricted to SHA-256 (and a minimum salt) verifies no
        // signature with another hash or a shorter salt, on the libcrypto path and the portable one.
        using var rsa = RSA.Create(2048);
        var p = rsa.ExportParameters(false);
        var rsaKey = HostileInputs.RsaPublicKey(p.Modulus!, new BigInteger(p.Exponent!, isUnsigned: true, isBigEndian: true));
        const string Sha256 = "2.16.840.1.101.3.4.2.1";
        Certificate Root(string oid, byte[] parameters)
        {
            var key = new PublicKey(new Oid(oid), new AsnEncodedData(parameters), new AsnEncodedData(rsaKey));
            return Certificate.Parse(CertificateWithKey("CN=PSS Restricted", key, X509SignatureGenerator.CreateForRSA(rsa, RSASignaturePadding.Pss)));
        }
        Certificate Leaf(HashAlgorithmName hash)
        {
            var req = new CertificateRequest("CN=example.com", ECDsa.Create(ECCurve.NamedCurves.nistP256), hash);
            return Certificate.Parse(req.Create(new X500DistinguishedName("CN=PSS Restricted"), X509SignatureGenerator.CreateForRSA(rsa, RSASignaturePadding.Pss),
                TestPki.Now.AddDays(-1), TestPki.Now.AddDays(10), [7]).RawData);
        }
        var sha256Salt32 = Leaf(HashAlgorithmName.SHA256);
        var sha384Salt48 = Leaf(HashAlgorithmName.SHA384);
        VerifyCode Check(Certificate root, Certificate leaf, bool native) => SignatureVerifier.Verify(root.PublicKey, leaf.SignatureAlgorithm, leaf.TbsData.Span, leaf.Signature.Span, native);
        var unrestricted = Root("1.2.840.113549.1.1.1", Null);
        var toSha256 = Root("1.2.840.113549.1.1.10", PssParameters(Sha256, 32));
        var minSalt64 = Root("1.2.840.113549.1.1.10", PssParameters(Sha256, 64));
        Assert.Equal(PublicKeyAlgorithm.RsaPss, toSha256.PublicKey.Algorithm);
        foreach (var native in new[] { true, false })
        {
            Assert.Equal(VerifyCode.Ok, Check(unrestricted, sha256Salt32, native));
            Assert.Equal(VerifyCode.Ok, Check(unrestricted, sha384Salt48, native));
            Assert.Equal(VerifyCode.Ok, Check(toSha256, sha256Salt32, native));
            Assert.Equal(VerifyCode.SignatureAlgorithmMismatch, Check(toSha256, sha384Salt48, native));
            Assert.Equal(VerifyCode.SignatureAlgorithmMismatch, Check(minSalt64, sha256Salt32, native));
        }
        // Parameters are RSASSA-PSS-params or absent: not NULL, not arbitrary bytes.
        foreach (var junk in new byte[][] { Null, [0x04, 0x02, 0xDE, 0xAD], [0x30, 0x03, 0x02, 0x01, 0x05] })
        {
            var ex = Assert.Throws<CertificateFormatException>(() => PublicKeyInfo.Decode(Spki("1.2.840.113549.1.1.10", junk, rsaKey), "spki"));
            Assert.Contains("RSASSA-PSS", ex.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void CrlEntriesDoNotCopyTheIssuerName()
    {
        // Issue 12 item 7: each entry's key held the issuer's whole normalised name (a 242 KB CRL with a
        // 32 KB issuer allocated ~615 MB). Entries are keyed by serial within one CRL now: parsing
        // allocates a small multiple of the CRL's size.
        var ous = string.Join(", ", Enumerable.Range(0, 500).Select(i => $"OU=Unit {i:D4} {new string('x', 48)}"));
        var root = TestPki.Root("CN=Long Issuer, " + ous);
        var builder = new CertificateRevocationListBuilder();
        for (int i = 0; i < 2000; i++)
        {
            builder.AddEntry(new BigInteger(i + 1000).ToByteArray(isUnsigned: false, isBigEndian: true), TestPki.Now.AddDays(-1));
        }
        var der = builder.Build(root.X509.SubjectName, root.Generator, 1, TestPki.Now.AddDays(7), HashAlgorithmName.SHA256,
            X509AuthorityKeyIdentifierExtension.CreateFromCertificate(root.X509, true, false), TestPki.Now);
        Assert.True(root.X509.SubjectName.RawData.Length > 25_000);
        CertificateRevocationList.Parse(der); // warm the code paths
        long before = GC.GetAllocatedBytesForCurrentThread();
        var crl = CertificateRevocationList.Parse(der);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(2000, crl.Count);
        Assert.True(allocated < 40L * der.Length, $"parsing a {der.Length}-byte CRL allocated {allocated} bytes");
        Assert.NotNull(crl.Find(root.Cert.Subject, new BigInteger(1500).ToByteArray(isUnsigned: false, isBigEndian: true)));
        Assert.Null(crl.Find(root.Cert.Subject, new BigInteger(999).ToByteArray(isUnsigned: false, isBigEndian: true)));
        Assert.Null(crl.Find(TestPki.Root("CN=Other").Cert.Subject, new BigInteger(1500).ToByteArray(isUnsigned: false, isBigEndian: true)));
    }

    [Fact]
    public void PemReadingIsLinear()
    {
        // Issue 12 item 8: lines were counted from the start of the text for every block (8 MB of empty
        // blocks took ~38 s). The work of numbering lines is counted and must not exceed the text's length.
        var text = new StringBuilder();
        const int Blocks = 20_000;
        for (int i = 0; i < Blocks; i++)
        {
            text.Append("-----BEGIN X-----\n-----END X-----\n");
        }
        var s = text.ToString();
        Pem.LineCountWork = 0;
        int count = 0, lastLine = 0;
        foreach (var block in Pem.ReadAll(s))
        {
            count++;
            lastLine = block.Line;
        }
        Assert.Equal(Blocks, count);
        Assert.Equal(2 * Blocks - 1, lastLine);
        Assert.True(Pem.LineCountWork <= s.Length, $"{Pem.LineCountWork} characters examined for a text of {s.Length}");
    }

    [Fact]
    public void DerCertificateCarryingPemTextIsReadAsItself()
    {
        // Issue 12 item 9: a DER certificate with PEM text in an extension was read as the embedded certificate.
        var embedded = TestPki.Root("CN=Embedded");
        var pem = Encoding.ASCII.GetBytes(embedded.X509.ExportCertificatePem());
        var outer = TestPki.Root("CN=Polyglot", new CertSpec { Extra = [new X509Extension("1.3.6.1.4.1.55555.1", pem, false)] });
        var all = Certificate.ParseAll(outer.X509.RawData, "polyglot.der");
        Assert.Equal(outer.Cert, Assert.Single(all));
        var store = TrustStore.FromData(outer.X509.RawData, "polyglot.der");
        Assert.True(store.Contains(outer.Cert));
        Assert.False(store.Contains(embedded.Cert));
        // PEM with text before the BEGIN line is still PEM (RFC 7468 2).
        Assert.Equal(embedded.Cert, Assert.Single(Certificate.ParseAll(Encoding.ASCII.GetBytes("0 explanatory text\n" + embedded.X509.ExportCertificatePem()))));
    }

    // DSA is what RFC 5280 6.1.4 (f) parameter inheritance is about; these keys verify nothing outside this test.
#pragma warning disable CA5384
    private static readonly byte[] DsaWithSha256 = [0x30, 0x0B, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x03, 0x02];

    /// <summary>A DSA key under the given domain parameters (x random, y = g^x mod p).</summary>
    private static DSA DsaKeyUnder(DSAParameters domain, int seed)
    {
        var q = new BigInteger(domain.Q, isUnsigned: true, isBigEndian: true);
        var xBytes = new byte[domain.Q!.Length];
        new Random(seed).NextBytes(xBytes);
        var x = new BigInteger(xBytes, isUnsigned: true, isBigEndian: true) % (q - 1) + 1;
        var y = BigInteger.ModPow(new BigInteger(domain.G, isUnsigned: true, isBigEndian: true), x, new BigInteger(domain.P, isUnsigned: true, isBigEndian: true));
        static byte[] Fixed(BigInteger v, int length)
        {
            var b = v.ToByteArray(isUnsigned: true, isBigEndian: true);
            var r = new byte[length];
            b.CopyTo(r, length - b.Length);
            return r;
        }
        var dsa = DSA.Create();
        dsa.ImportParameters(new DSAParameters { P = domain.P, Q = domain.Q, G = domain.G, Y = Fixed(y, domain.P!.Length), X = Fixed(x, domain.Q.Length) });
        return dsa;
    }

    private static PublicKey DsaKeyWithoutParameters(DSA dsa)
    {
        var w = new AsnWriter(Der);
        w.WriteIntegerUnsigned(dsa.ExportParameters(false).Y);
        return new PublicKey(new Oid("1.2.840.10040.4.1"), null, new AsnEncodedData(w.Encode()));
    }

    private static Certificate DsaSigned(string subject, PublicKey key, string issuer, DSA signer, bool ca, byte serial)
    {
        var req = new CertificateRequest(new X500DistinguishedName(subject), key, HashAlgorithmName.SHA256);
        if (ca)
        {
            req.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
            req.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        }
        var generator = new HostileInputs.FixedGenerator(DsaWithSha256, data => signer.SignData(data, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence));
        return Certificate.Parse(req.Create(new X500DistinguishedName(issuer), generator, TestPki.Now.AddDays(-1), TestPki.Now.AddDays(30), [serial]).RawData);
    }

    /// <summary>Two DSA roots with different parameters; X (no parameters of its own) under each; I (no parameters) under
    /// X; an EC leaf under I. I's and the leaf's signatures verify only with root 1's parameters (RFC 5280 6.1.4 (f)).</summary>
    private static (Certificate Root1, Certificate Root2, Certificate X1, Certificate X2, Certificate Inter, Certificate Leaf) InheritedDsaPki()
    {
        using var r1 = DSA.Create(1024);
        using var r2 = DSA.Create(1024);
        var p1 = r1.ExportParameters(false);
        using var x = DsaKeyUnder(p1, 1);
        using var i = DsaKeyUnder(p1, 2);
        var root1 = DsaSigned("CN=DSA Root 1", PublicKey.CreateFromSubjectPublicKeyInfo(r1.ExportSubjectPublicKeyInfo(), out _), "CN=DSA Root 1", r1, true, 1);
        var root2 = DsaSigned("CN=DSA Root 2", PublicKey.CreateFromSubjectPublicKeyInfo(r2.ExportSubjectPublicKeyInfo(), out _), "CN=DSA Root 2", r2, true, 2);
        var x1 = DsaSigned("CN=DSA X", DsaKeyWithoutParameters(x), "CN=DSA Root 1", r1, true, 3);
        var x2 = DsaSigned("CN=DSA X", DsaKeyWithoutParameters(x), "CN=DSA Root 2", r2, true, 4);
        var inter = DsaSigned("CN=DSA I", DsaKeyWithoutParameters(i), "CN=DSA X", x, true, 5);
        using var leafKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var leaf = DsaSigned("CN=DSA Leaf", PublicKey.CreateFromSubjectPublicKeyInfo(leafKey.ExportSubjectPublicKeyInfo(), out _), "CN=DSA I", i, false, 6);
        return (root1, root2, x1, x2, inter, leaf);
    }

    private static VerificationOptions InheritedDsaOptions => new()
    {
        Profile = VerificationProfile.Rfc5280, ValidationTime = TestPki.Now, Flags = VerifyFlags.TrustedFirst, Purpose = CertificatePurpose.Any,
    };

    [Fact]
    public void InheritedDsaParametersAreFoldedIntoTheSearchMemo()
    {
        // Issue 12 item 10: the per-search memo kept a signature outcome by (child, issuer) only. With
        // inherited DSA parameters (RFC 5280 6.1.4 (f)) the pair (leaf, I) fails on the path through R2
        // (other parameters) and verifies on the one through R1; tried in that order, the valid path
        // used to be rejected by the remembered failure.
        var (root1, root2, x1, x2, inter, leaf) = InheritedDsaPki();
        Assert.Null(inter.PublicKey.DsaParameters);
        var options = InheritedDsaOptions;
        // x2 (through root 2, the wrong parameters for I and the leaf) is offered first.
        var r = new Verifier(TrustStore.FromCertificates([root1, root2]), options).Verify(leaf, [inter, x2, x1]);
        Assert.True(r.IsValid, r.ToString());
        Assert.Equal(root1, r.Path[^1]);
        Assert.Contains(r.Diagnostics, d => d.Code == VerifyCode.CertSignatureFailure);
    }

    [Fact]
    public void CachedDsaOutcomeUnderOneParameterSourceIsNotReusedUnderAnother()
    {
        // The signature-outcome cache is keyed by the inherited parameters too: (leaf, I) and (I, X) verified under root 1's
        // parameters must not be reused on the path through root 2.
        var (root1, root2, x1, x2, inter, leaf) = InheritedDsaPki();
        var options = InheritedDsaOptions;
        var v = new Verifier(TrustStore.FromCertificates([root1, root2]), options);
        var good = v.Verify(leaf, [inter, x1]);
        Assert.True(good.IsValid, good.ToString());
        // Warm cache: (leaf, I) and (I, X) verified Ok under root 1's parameters. Through root 2 they must fail.
        var bad = v.Verify(leaf, [inter, x2]);
        Assert.False(bad.IsValid, bad.ToString());
        Assert.False(v.Verify(inter, [x2]).IsValid);
    }
#pragma warning restore CA5384
}
