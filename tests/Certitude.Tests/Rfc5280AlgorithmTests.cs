using System.Formats.Asn1;
using System.Numerics;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Certitude.Signatures;
using Xunit;

namespace Certitude.Tests;

/// <summary>
/// Issue 13 item 4: in the RFC 5280 profile, SHA-224 signatures (RSA PKCS#1 v1.5 and RSA-PSS per RFC 4055,
/// ECDSA and DSA per RFC 5758), Brainpool keys and signatures (RFC 5639, named in SPKIs per RFC 5480) and
/// RSA-PSS-signed CRLs verify, on both crypto paths; the web-PKI profile refuses SHA-224 and Brainpool as the
/// CA/B BRs (6.1.5, 7.1.3) do. The SHA-224 signatures are made here (the .NET base library cannot sign with
/// SHA-224): EMSA-PKCS1-v1_5 and EMSA-PSS encodings by hand over the raw RSA private operation.
/// </summary>
public sealed class Rfc5280AlgorithmTests
{
    private static readonly PeerIdentity Example = PeerIdentity.Dns("example.com");

    // FIPS 180-4 SHA-224 of (7i + 3) mod 251 for i below the length: every padding boundary (55/56/57,
    // 63/64/65, 119/120) and several blocks. Reference values from an independent SHA-224 implementation.
    [Theory]
    [InlineData(0, "d14a028c2a3a2bc9476102bb288234c415a2b01f828ea62ac5b3e42f")]
    [InlineData(1, "15ebd4b8fdfc6905ea002a3efcc8faa71954739ee62bbbf16836eb5c")]
    [InlineData(3, "956a7e9eeefc4f6175e8cd337cd28a80f6a0a988b3fe0ed647b4a953")]
    [InlineData(55, "55608cc8d19643d988227c18bd0ae024aa5a666d873e63878892f2ec")]
    [InlineData(56, "79d90db18d878645ce397011141cd599cab051d40a8e4e115d26cb75")]
    [InlineData(57, "44a6541b592e1e1f9cfa3eba32c7bca9e22d1bd2404c8dd5d7cc6b2c")]
    [InlineData(63, "0b6975d77e29540cf227b428ff9283bec172270ec3a7cceb74ba7be4")]
    [InlineData(64, "66071624305ed69699a64da4209c5990ea95ccaab19ec40b2981250f")]
    [InlineData(65, "97cbe8ea781b3fef06d36878d0eeb5d6e262638500e8d92c8ef291ef")]
    [InlineData(119, "5bc533f7af6a898a8219febe0eced7adbb44377b6aaf61876b905cf7")]
    [InlineData(120, "386f9a652e1fe4cf55a4b40b965b2e470b923450420e38d3a343bb5d")]
    [InlineData(128, "35a65dc736672442e303c187794272043c29cc1cd361fa0833fddb3b")]
    [InlineData(1000, "36042fba56241d7289adf173045112503d8a15c886dcd5bd333b91d3")]
    public void Sha224MatchesReferenceDigests(int length, string expected)
    {
        var data = Enumerable.Range(0, length).Select(i => (byte)((i * 7 + 3) % 251)).ToArray();
        Assert.Equal(expected, Convert.ToHexStringLower(Sha224Of(data)));
    }

    [Fact]
    public void Sha224MatchesFips180Examples()
    {
        // FIPS 180-4 / NIST CSRC examples: "abc" and one million 'a'.
        Assert.Equal("23097d223405d8228642a477bda255b32aadbce4bda0b3f7e36c9da7", Convert.ToHexStringLower(Sha224Of("abc"u8.ToArray())));
        Assert.Equal("20794655980c91d8bbb4c1ea97618a4bf03f42581948b2ee4ee7ad67", Convert.ToHexStringLower(Sha224Of(Enumerable.Repeat((byte)'a', 1_000_000).ToArray())));
    }

    public static TheoryData<string> Sha224Schemes => ["rsa-pkcs1", "rsa-pss", "ecdsa-p256", "ecdsa-p384", "dsa"];

    /// <summary>A root and a leaf, both signed with SHA-224: valid in the RFC 5280 profile on both crypto paths,
    /// with every tampering refused on both; refused by the web-PKI profile (CA/B BR 7.1.3.2).</summary>
    [Theory]
    [MemberData(nameof(Sha224Schemes))]
    public void Sha224ChainsVerifyInTheRfc5280ProfileOnBothPaths(string scheme)
    {
        var (root, rootKey, leaf) = Sha224Chain(scheme);
        var rfc = new VerificationOptions { Profile = VerificationProfile.Rfc5280, ValidationTime = TestPki.Now };
        foreach (var portable in new[] { false, true })
        {
            var r = new Verifier(TrustStore.FromCertificates([root]), rfc, portable).Verify(leaf, null, Example);
            Assert.True(r.IsValid, $"{scheme} portable={portable}: {r.Code} {r.Message}");
        }
        var bad = Tampered(leaf);
        foreach (var portable in new[] { false, true })
        {
            var r = new Verifier(TrustStore.FromCertificates([root]), rfc, portable).Verify(bad, null, Example);
            Assert.Equal(VerifyCode.CertSignatureFailure, r.Code);
        }
        PathsAgree(root, leaf, scheme);
        var web = new Verifier(TrustStore.FromCertificates([root]), new VerificationOptions { ValidationTime = TestPki.Now }).Verify(leaf, null, Example);
        Assert.False(web.IsValid);
        if (scheme != "dsa")
        {
            // (A DSA root is refused for its key first.)
            Assert.Equal(VerifyCode.CaMdTooWeak, web.Code);
            Assert.Contains("SHA-224", web.Message, StringComparison.Ordinal);
        }
        GC.KeepAlive(rootKey);
    }

    public static TheoryData<string, string> BrainpoolCurves => new()
    {
        { "brainpoolP256r1", "SHA256" },
        { "brainpoolP384r1", "SHA384" },
        { "brainpoolP512r1", "SHA512" },
        { "brainpoolP256r1", "SHA224" },
    };

    /// <summary>RFC 5639 curves: a Brainpool root and an intermediate and leaf on Brainpool keys verify in the RFC 5280
    /// profile on both paths (the native path through libcrypto's curve, the portable one through .NET's);
    /// the web-PKI profile refuses the key (CA/B BR 6.1.5: P-256, P-384, P-521 only).</summary>
    [Theory]
    [MemberData(nameof(BrainpoolCurves))]
    public void BrainpoolChainsVerifyInTheRfc5280ProfileOnBothPaths(string curve, string hash)
    {
        var named = ECCurve.CreateFromFriendlyName(curve);
        using var rootKey = ECDsa.Create(named);
        using var leafKey = ECDsa.Create(named);
        var signer = hash == "SHA224" ? new Sha224Generator(rootKey) : null;
        var rootSpec = new CertSpec { Key = rootKey, Hash = new HashAlgorithmName(hash == "SHA224" ? "SHA256" : hash) };
        var root = signer is null ? TestPki.Root("CN=Brainpool Root", rootSpec) : null;
        Certificate rootCert, leafCert;
        if (root is not null)
        {
            var leaf = TestPki.Leaf(root, spec: new CertSpec { Key = leafKey, Hash = new HashAlgorithmName(hash) });
            rootCert = root.Cert;
            leafCert = leaf.Cert;
        }
        else
        {
            var caRequest = CaRequest("CN=Brainpool Root", rootKey);
            rootCert = Certificate.Parse(caRequest.Create(new X500DistinguishedName("CN=Brainpool Root"), signer!, TestPki.Now.AddDays(-30), TestPki.Now.AddDays(30), [1, 2]).RawData);
            var leafRequest = LeafRequest(leafKey);
            leafRequest.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromSubjectKeyIdentifier(new X509SubjectKeyIdentifierExtension(caRequest.PublicKey, false)));
            leafCert = Certificate.Parse(leafRequest.Create(new X500DistinguishedName("CN=Brainpool Root"), signer!, TestPki.Now.AddDays(-30), TestPki.Now.AddDays(30), [1, 3]).RawData);
        }
        Assert.Equal(PublicKeyAlgorithm.EC, leafCert.PublicKey.Algorithm);
        Assert.Contains("EC brainpool", leafCert.PublicKey.Describe(), StringComparison.Ordinal);
        var rfc = new VerificationOptions { Profile = VerificationProfile.Rfc5280, ValidationTime = TestPki.Now };
        foreach (var portable in new[] { false, true })
        {
            var r = new Verifier(TrustStore.FromCertificates([rootCert]), rfc, portable).Verify(leafCert, null, Example);
            Assert.True(r.IsValid, $"{curve}/{hash} portable={portable}: {r.Code} {r.Message}");
            Assert.Equal(VerifyCode.CertSignatureFailure, new Verifier(TrustStore.FromCertificates([rootCert]), rfc, portable).Verify(Tampered(leafCert), null, Example).Code);
        }
        PathsAgree(rootCert, leafCert, curve);
        var web = new Verifier(TrustStore.FromCertificates([rootCert]), new VerificationOptions { ValidationTime = TestPki.Now }).Verify(leafCert, null, Example);
        Assert.False(web.IsValid);
        Assert.Contains(hash == "SHA224" ? "is not allowed" : "EC curve brainpool", web.Message, StringComparison.Ordinal);
    }

    /// <summary>RFC 5280 5.1.1.2 / RFC 4055 3: a CRL signed with RSASSA-PSS (SHA-256 by .NET's own signer, and SHA-224
    /// with salt 28 by hand) is verified like any other: the revoked leaf is reported revoked, the other verifies,
    /// on both paths; a CRL whose PSS signature was altered is refused.</summary>
    [Theory]
    [InlineData("SHA256")]
    [InlineData("SHA224")]
    public void RsaPssSignedCrlsAreVerified(string hash)
    {
        using var rootKey = RSA.Create(2048);
        var root = TestPki.Root("CN=PSS CRL Root", new CertSpec { Key = rootKey, Padding = RSASignaturePadding.Pss });
        var revoked = TestPki.Leaf(root);
        var fine = TestPki.Leaf(root);
        var builder = new CertificateRevocationListBuilder();
        builder.AddEntry(revoked.X509, TestPki.Now.AddDays(-1), X509RevocationReason.KeyCompromise);
        var aki = X509AuthorityKeyIdentifierExtension.CreateFromSubjectKeyIdentifier(root.X509.Extensions.OfType<X509SubjectKeyIdentifierExtension>().Single());
        X509SignatureGenerator generator = hash == "SHA224"
            ? new Sha224Generator(rootKey, pss: true)
            : X509SignatureGenerator.CreateForRSA(rootKey, RSASignaturePadding.Pss);
        var der = builder.Build(root.X509.SubjectName, generator, 1, TestPki.Now.AddDays(7), new HashAlgorithmName(hash == "SHA224" ? "SHA256" : hash), aki, TestPki.Now.AddDays(-2));
        var crl = CertificateRevocationList.Parse(der);
        Assert.Contains("RSA-PSS", crl.SignatureAlgorithm.Name, StringComparison.Ordinal);
        var options = new VerificationOptions { Profile = VerificationProfile.Rfc5280, ValidationTime = TestPki.Now, Flags = VerifyFlags.Default | VerifyFlags.CrlCheckLeaf, Crls = [crl] };
        foreach (var portable in new[] { false, true })
        {
            var v = new Verifier(TrustStore.FromCertificates([root.Cert]), options, portable);
            Assert.Equal(VerifyCode.CertRevoked, v.Verify(revoked.Cert, null, Example).Code);
            var ok = v.Verify(fine.Cert, null, Example);
            Assert.True(ok.IsValid, $"portable={portable}: {ok.Code} {ok.Message}");
        }
        // The signature's last byte altered: the CRL no longer verifies, so no CRL is usable.
        var forged = (byte[])der.Clone();
        forged[^1] ^= 1;
        var forgedOptions = options with { Crls = [CertificateRevocationList.Parse(forged)] };
        foreach (var portable in new[] { false, true })
        {
            var code = new Verifier(TrustStore.FromCertificates([root.Cert]), forgedOptions, portable).Verify(fine.Cert, null, Example).Code;
            Assert.Equal(VerifyCode.CrlSignatureFailure, code);
        }
    }

    /// <summary>OpenSSL, when present, accepts the same SHA-224 and Brainpool chains (what "verifies everywhere" means here).</summary>
    [Fact]
    public void OpenSslAcceptsTheSameSha224AndBrainpoolChains()
    {
        Assert.True(File.Exists("/usr/bin/openssl"), "the openssl command is required for the comparison");
        using var dir = new TempDir();
        foreach (var scheme in new[] { "rsa-pkcs1", "rsa-pss", "ecdsa-p256" })
        {
            var (root, _, leaf) = Sha224Chain(scheme);
            Assert.Equal("OK", OpenSslVerify(dir, root, leaf));
        }
        using var bpKey = ECDsa.Create(ECCurve.NamedCurves.brainpoolP384r1);
        var bpRoot = TestPki.Root("CN=Brainpool Root", new CertSpec { Key = bpKey, Hash = HashAlgorithmName.SHA384 });
        var bpLeaf = TestPki.Leaf(bpRoot, spec: new CertSpec { Key = ECDsa.Create(ECCurve.NamedCurves.brainpoolP384r1) });
        Assert.Equal("OK", OpenSslVerify(dir, bpRoot.Cert, bpLeaf.Cert));
    }

    private static string OpenSslVerify(TempDir dir, Certificate root, Certificate leaf)
    {
        var rootPath = Path.Combine(dir.Path, "root.pem");
        var leafPath = Path.Combine(dir.Path, "leaf.pem");
        File.WriteAllText(rootPath, PemEncoding.WriteString("CERTIFICATE", root.RawData.Span));
        File.WriteAllText(leafPath, PemEncoding.WriteString("CERTIFICATE", leaf.RawData.Span));
        var (exit, stdout, stderr) = ProcessRunner.OpenSsl(["verify", "-x509_strict", "-attime", TestPki.Now.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture), "-CAfile", rootPath, leafPath]);
        var output = stdout + stderr;
        return exit == 0 && output.TrimEnd().EndsWith(": OK", StringComparison.Ordinal) ? "OK" : output;
    }

    private sealed class TempDir : IDisposable
    {
        public string Path { get; } = Directory.CreateTempSubdirectory("certitude-alg-").FullName;

        public void Dispose() => Directory.Delete(Path, recursive: true);
    }

    private static (Certificate Root, AsymmetricAlgorithm RootKey, Certificate Leaf) Sha224Chain(string scheme)
    {
        AsymmetricAlgorithm NewKey() => scheme switch
        {
            "rsa-pkcs1" or "rsa-pss" => RSA.Create(2048),
            "ecdsa-p256" => ECDsa.Create(ECCurve.NamedCurves.nistP256),
            "ecdsa-p384" => ECDsa.Create(ECCurve.NamedCurves.nistP384),
            _ => DSA.Create(2048),
        };
        var rootKey = NewKey();
        var leafKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var signer = new Sha224Generator(rootKey, pss: scheme == "rsa-pss");
        var name = new X500DistinguishedName("CN=SHA-224 Root " + scheme);
        var rootReq = CaRequest(name.Name, rootKey);
        var root = Certificate.Parse(rootReq.Create(name, signer, TestPki.Now.AddDays(-30), TestPki.Now.AddDays(30), [1, 2]).RawData);
        var leafReq = LeafRequest(leafKey);
        leafReq.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromSubjectKeyIdentifier(new X509SubjectKeyIdentifierExtension(rootReq.PublicKey, false)));
        var leaf = Certificate.Parse(leafReq.Create(name, signer, TestPki.Now.AddDays(-30), TestPki.Now.AddDays(30), [1, 3]).RawData);
        Assert.Contains("SHA224", leaf.SignatureAlgorithmName, StringComparison.Ordinal);
        return (root, rootKey, leaf);
    }

    private static CertificateRequest CaRequest(string subject, AsymmetricAlgorithm key)
    {
        var req = new CertificateRequest(new X500DistinguishedName(subject), PublicKeyOf(key), HashAlgorithmName.SHA256);
        req.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        req.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        req.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(req.PublicKey, false));
        return req;
    }

    private static CertificateRequest LeafRequest(ECDsa key)
    {
        var req = new CertificateRequest(new X500DistinguishedName("CN=example.com"), key, HashAlgorithmName.SHA256);
        req.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        req.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        var san = new SubjectAlternativeNameBuilder();
        san.AddDnsName("example.com");
        req.CertificateExtensions.Add(san.Build());
        req.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(req.PublicKey, false));
        return req;
    }

    private static PublicKey PublicKeyOf(AsymmetricAlgorithm key) => key switch
    {
        RSA rsa => new PublicKey(rsa),
        ECDsa ec => new PublicKey(ec),
        DSA dsa => new PublicKey(dsa),
        _ => throw new NotSupportedException(),
    };

    private static byte[] Sha224Of(byte[] data)
    {
        var d = new byte[28];
        Assert.Equal(28, Sha224.HashData(data, d));
        return d;
    }

    /// <summary>The leaf with one bit of its TBS changed (its signature no longer covers it).</summary>
    private static Certificate Tampered(Certificate c)
    {
        var der = c.RawData.ToArray();
        // The serial number's last octet: inside the TBS, and any value there still parses.
        byte[] serial = [0x02, (byte)c.SerialNumber.Length, .. c.SerialNumber.Span];
        int at = der.AsSpan().IndexOf(serial);
        Assert.True(at > 0);
        der[at + serial.Length - 1] ^= 0x40;
        return Certificate.Parse(der);
    }

    /// <summary>Both crypto paths agree, signature by signature, on the genuine signature and on tampered ones.</summary>
    private static void PathsAgree(Certificate issuer, Certificate child, string label)
    {
        foreach (var (name, data, sig, genuine) in NativeSignatureTests.CommonVariants(child.TbsData.ToArray(), child.Signature.ToArray()))
        {
            var native = SignatureVerifier.Verify(issuer.PublicKey, child.SignatureAlgorithm, data, sig, native: true);
            var managed = SignatureVerifier.Verify(issuer.PublicKey, child.SignatureAlgorithm, data, sig, native: false);
            Assert.True(native == managed, $"{label} / {name}: native {native}, portable {managed}");
            Assert.True(genuine == (native == VerifyCode.Ok), $"{label} / {name}: {native}");
        }
    }

    /// <summary>Signs with SHA-224: ECDSA and DSA over the digest (.NET signs any digest), RSA by building
    /// EMSA-PKCS1-v1_5 (RFC 8017 9.2, the differential generator's) or EMSA-PSS (RFC 8017 9.1.1, MGF1-SHA-224,
    /// salt 28) and applying the private exponent. The algorithm identifiers are RFC 4055's and RFC 5758's.</summary>
    private sealed class Sha224Generator(AsymmetricAlgorithm key, bool pss = false) : X509SignatureGenerator
    {
        private const string Sha224Oid = "2.16.840.1.101.3.4.2.4";

        public override byte[] GetSignatureAlgorithmIdentifier(HashAlgorithmName hashAlgorithm)
        {
            var w = new AsnWriter(AsnEncodingRules.DER);
            using (w.PushSequence())
            {
                switch (key)
                {
                    case RSA when pss:
                        w.WriteObjectIdentifier("1.2.840.113549.1.1.10");
                        using (w.PushSequence())
                        {
                            using (w.PushSequence(new Asn1Tag(TagClass.ContextSpecific, 0)))
                            {
                                WriteHash(w);
                            }
                            using (w.PushSequence(new Asn1Tag(TagClass.ContextSpecific, 1)))
                            using (w.PushSequence())
                            {
                                w.WriteObjectIdentifier("1.2.840.113549.1.1.8");
                                WriteHash(w);
                            }
                            using (w.PushSequence(new Asn1Tag(TagClass.ContextSpecific, 2)))
                            {
                                w.WriteInteger(28);
                            }
                        }
                        break;
                    case RSA:
                        w.WriteObjectIdentifier("1.2.840.113549.1.1.14");
                        w.WriteNull();
                        break;
                    case ECDsa:
                        w.WriteObjectIdentifier("1.2.840.10045.4.3.1");
                        break;
                    default:
                        w.WriteObjectIdentifier("2.16.840.1.101.3.4.3.1");
                        break;
                }
            }
            return w.Encode();
        }

        private static void WriteHash(AsnWriter w)
        {
            using (w.PushSequence())
            {
                w.WriteObjectIdentifier(Sha224Oid);
                w.WriteNull();
            }
        }

        public override byte[] SignData(byte[] data, HashAlgorithmName hashAlgorithm)
        {
            var digest = Sha224Of(data);
            switch (key)
            {
                case ECDsa ec:
                    return ec.SignHash(digest, DSASignatureFormat.Rfc3279DerSequence);
                case DSA dsa:
                    return dsa.CreateSignature(digest, DSASignatureFormat.Rfc3279DerSequence);
                case RSA rsa when !pss:
                    // The differential generator's signer (the tests compile it too).
                    return Certitude.Differential.ChainGenerator.SignSha224Pkcs1(rsa, data);
                case RSA rsa:
                    var p = rsa.ExportParameters(true);
                    int k = p.Modulus!.Length;
                    var em = EmsaPss(digest, rsa.KeySize - 1);
                    var n = new BigInteger(p.Modulus, isUnsigned: true, isBigEndian: true);
                    var d = new BigInteger(p.D, isUnsigned: true, isBigEndian: true);
                    var s = BigInteger.ModPow(new BigInteger(em, isUnsigned: true, isBigEndian: true), d, n).ToByteArray(isUnsigned: true, isBigEndian: true);
                    var sig = new byte[k];
                    s.CopyTo(sig, k - s.Length);
                    return sig;
                default:
                    throw new NotSupportedException();
            }
        }

        private static byte[] EmsaPss(byte[] mHash, int emBits)
        {
            int emLen = (emBits + 7) / 8, hLen = 28, sLen = 28;
            var salt = RandomNumberGenerator.GetBytes(sLen);
            var h = Sha224Of([.. new byte[8], .. mHash, .. salt]);
            var db = new byte[emLen - hLen - 1];
            db[emLen - sLen - hLen - 2] = 0x01;
            salt.CopyTo(db, db.Length - sLen);
            var mask = new byte[db.Length];
            for (int counter = 0, pos = 0; pos < mask.Length; counter++)
            {
                var block = Sha224Of([.. h, (byte)(counter >> 24), (byte)(counter >> 16), (byte)(counter >> 8), (byte)counter]);
                int take = Math.Min(block.Length, mask.Length - pos);
                Array.Copy(block, 0, mask, pos, take);
                pos += take;
            }
            for (int i = 0; i < db.Length; i++)
            {
                db[i] ^= mask[i];
            }
            db[0] &= (byte)(0xFF >> (8 * emLen - emBits));
            return [.. db, .. h, 0xBC];
        }

        protected override PublicKey BuildPublicKey() => PublicKeyOf(key);
    }
}
