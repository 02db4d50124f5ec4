using System.Formats.Asn1;
using System.Numerics;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Xunit;

namespace Certitude.Tests;

/// <summary>Signature paths .NET cannot produce by itself: RSA-PSS with other salt lengths (EMSA-PSS
/// written here over the private key) and Ed25519 (signed through libcrypto, as Certitude verifies it).</summary>
public sealed unsafe class SignatureTests
{
    private static readonly PeerIdentity Example = PeerIdentity.Dns("example.com");

    /// <summary>RSASSA-PSS with SHA-256, MGF1-SHA-256 and the given salt length, per RFC 8017 9.1.1.</summary>
    private sealed class PssGenerator(RSA key, int saltLength) : X509SignatureGenerator
    {
        public override byte[] GetSignatureAlgorithmIdentifier(HashAlgorithmName hashAlgorithm)
        {
            var w = new AsnWriter(AsnEncodingRules.DER);
            using (w.PushSequence())
            {
                w.WriteObjectIdentifier("1.2.840.113549.1.1.10");
                using (w.PushSequence())
                {
                    using (w.PushSequence(new Asn1Tag(TagClass.ContextSpecific, 0, true)))
                    using (w.PushSequence())
                    {
                        w.WriteObjectIdentifier("2.16.840.1.101.3.4.2.1");
                    }
                    using (w.PushSequence(new Asn1Tag(TagClass.ContextSpecific, 1, true)))
                    using (w.PushSequence())
                    {
                        w.WriteObjectIdentifier("1.2.840.113549.1.1.8");
                        using (w.PushSequence())
                        {
                            w.WriteObjectIdentifier("2.16.840.1.101.3.4.2.1");
                        }
                    }
                    using (w.PushSequence(new Asn1Tag(TagClass.ContextSpecific, 2, true)))
                    {
                        w.WriteInteger(saltLength);
                    }
                }
            }
            return w.Encode();
        }

        public override byte[] SignData(byte[] data, HashAlgorithmName hashAlgorithm)
        {
            var p = key.ExportParameters(true);
            var n = new BigInteger(p.Modulus, true, true);
            var d = new BigInteger(p.D, true, true);
            int modBits = (int)n.GetBitLength(), emBits = modBits - 1, emLen = (emBits + 7) / 8, hLen = 32, k = p.Modulus!.Length;
            var mHash = SHA256.HashData(data);
            var salt = RandomNumberGenerator.GetBytes(saltLength);
            var h = SHA256.HashData([.. new byte[8], .. mHash, .. salt]);
            var db = new byte[emLen - hLen - 1];
            db[emLen - saltLength - hLen - 2] = 0x01;
            salt.CopyTo(db, db.Length - saltLength);
            var mask = Mgf1(h, db.Length);
            for (int i = 0; i < db.Length; i++)
            {
                db[i] ^= mask[i];
            }
            db[0] &= (byte)(0xFF >> (8 * emLen - emBits));
            var em = new BigInteger([.. db, .. h, 0xBC], true, true);
            var s = BigInteger.ModPow(em, d, n).ToByteArray(true, true);
            var sig = new byte[k];
            s.CopyTo(sig, k - s.Length);
            return sig;
        }

        private static byte[] Mgf1(byte[] seed, int len)
        {
            var output = new List<byte>();
            for (uint c = 0; output.Count < len; c++)
            {
                output.AddRange(SHA256.HashData([.. seed, (byte)(c >> 24), (byte)(c >> 16), (byte)(c >> 8), (byte)c]));
            }
            return output.Take(len).ToArray();
        }

        protected override PublicKey BuildPublicKey() => CreateForRSA(key, RSASignaturePadding.Pkcs1).PublicKey;
    }

    [Theory]
    [InlineData(0)]
    [InlineData(20)]
    [InlineData(64)]
    public void RsaPssWithAnySaltLengthVerifies(int saltLength)
    {
        var root = TestPki.Root("CN=RSA Root", new CertSpec { Key = RSA.Create(2048) });
        var leafKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var req = new CertificateRequest("CN=example.com", leafKey, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddDnsName("example.com");
        req.CertificateExtensions.Add(san.Build());
        req.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromSubjectKeyIdentifier(root.X509.Extensions.OfType<X509SubjectKeyIdentifierExtension>().Single()));
        var der = req.Create(root.X509.SubjectName, new PssGenerator((RSA)root.Key, saltLength), TestPki.Now.AddDays(-1), TestPki.Now.AddDays(1), [7, 7, 7]).RawData;
        var leaf = Certificate.Parse(der);
        Assert.Contains("RSA-PSS", leaf.SignatureAlgorithmName, StringComparison.Ordinal);
        var rfc = new VerificationOptions { Profile = VerificationProfile.Rfc5280 };
        var r = TestPki.Verifier(root, rfc).Verify(leaf, null, Example);
        Assert.True(r.IsValid, r.Explain());

        // A flipped signature bit fails.
        var bad = (byte[])der.Clone();
        bad[^5] ^= 0x10;
        Assert.Equal(VerifyCode.CertSignatureFailure, TestPki.Verifier(root, rfc).Verify(Certificate.Parse(bad), null, Example).Code);

        // The web PKI allows only the BR 7.1.3.2 parameter sets (salt = hash length).
        var web = TestPki.Verifier(root, new VerificationOptions { Profile = VerificationProfile.WebPki, Flags = VerifyFlags.PartialChain | VerifyFlags.TrustedFirst, Purpose = CertificatePurpose.Any });
        Assert.Equal(saltLength == 32 ? VerifyCode.Ok : VerifyCode.CaMdTooWeak, web.Verify(leaf, null, Example).Code);
    }

    private static class Native
    {
        [DllImport("libcrypto.so.3")] public static extern IntPtr EVP_PKEY_new_raw_private_key(int type, IntPtr e, byte* key, nuint len);
        [DllImport("libcrypto.so.3")] public static extern int EVP_PKEY_get_raw_public_key(IntPtr pkey, byte* pub, nuint* len);
        [DllImport("libcrypto.so.3")] public static extern IntPtr EVP_MD_CTX_new();
        [DllImport("libcrypto.so.3")] public static extern void EVP_MD_CTX_free(IntPtr ctx);
        [DllImport("libcrypto.so.3")] public static extern void EVP_PKEY_free(IntPtr pkey);
        [DllImport("libcrypto.so.3")] public static extern int EVP_DigestSignInit(IntPtr ctx, IntPtr pctx, IntPtr md, IntPtr e, IntPtr pkey);
        [DllImport("libcrypto.so.3")] public static extern int EVP_DigestSign(IntPtr ctx, byte* sig, nuint* siglen, byte* tbs, nuint tbslen);
    }

    private sealed class Ed25519Key : X509SignatureGenerator
    {
        private readonly byte[] _private = RandomNumberGenerator.GetBytes(32);

        public byte[] PublicKeyBytes()
        {
            var pkey = New();
            try
            {
                var pub = new byte[32];
                nuint len = 32;
                fixed (byte* p = pub)
                {
                    Assert.Equal(1, Native.EVP_PKEY_get_raw_public_key(pkey, p, &len));
                }
                return pub;
            }
            finally
            {
                Native.EVP_PKEY_free(pkey);
            }
        }

        private IntPtr New()
        {
            fixed (byte* k = _private)
            {
                return Native.EVP_PKEY_new_raw_private_key(1087, IntPtr.Zero, k, 32);
            }
        }

        public override byte[] GetSignatureAlgorithmIdentifier(HashAlgorithmName hashAlgorithm) => [0x30, 0x05, 0x06, 0x03, 0x2B, 0x65, 0x70];

        public override byte[] SignData(byte[] data, HashAlgorithmName hashAlgorithm)
        {
            var pkey = New();
            var ctx = Native.EVP_MD_CTX_new();
            try
            {
                Assert.Equal(1, Native.EVP_DigestSignInit(ctx, IntPtr.Zero, IntPtr.Zero, IntPtr.Zero, pkey));
                var sig = new byte[64];
                nuint len = 64;
                fixed (byte* s = sig)
                fixed (byte* d = data)
                {
                    Assert.Equal(1, Native.EVP_DigestSign(ctx, s, &len, d, (nuint)data.Length));
                }
                return sig;
            }
            finally
            {
                Native.EVP_MD_CTX_free(ctx);
                Native.EVP_PKEY_free(pkey);
            }
        }

        protected override PublicKey BuildPublicKey()
            => PublicKey.CreateFromSubjectPublicKeyInfo([0x30, 0x2A, 0x30, 0x05, 0x06, 0x03, 0x2B, 0x65, 0x70, 0x03, 0x21, 0x00, .. PublicKeyBytes()], out _);
    }

    [Fact]
    [Trait(CryptoPaths.Trait, CryptoPaths.Both)]
    public void Ed25519ChainVerifiesThroughLibcrypto()
    {
        var rootKey = new Ed25519Key();
        var rootName = new X500DistinguishedName("CN=Ed25519 Root");
        var rootReq = new CertificateRequest(rootName, rootKey.PublicKey, HashAlgorithmName.SHA256);
        rootReq.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        rootReq.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign, true));
        var rootSki = new X509SubjectKeyIdentifierExtension(rootKey.PublicKey, false);
        rootReq.CertificateExtensions.Add(rootSki);
        var rootDer = rootReq.Create(rootName, rootKey, TestPki.Now.AddDays(-1), TestPki.Now.AddDays(10), [1]).RawData;
        var root = Certificate.Parse(rootDer);
        Assert.Equal(PublicKeyAlgorithm.Ed25519, root.PublicKey.Algorithm);

        var leafKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var req = new CertificateRequest("CN=example.com", leafKey, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddDnsName("example.com");
        req.CertificateExtensions.Add(san.Build());
        req.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromSubjectKeyIdentifier(rootSki));
        var leafDer = req.Create(rootName, rootKey, TestPki.Now.AddDays(-1), TestPki.Now.AddDays(1), [2]).RawData;
        var leaf = Certificate.Parse(leafDer);
        Assert.Equal("Ed25519", leaf.SignatureAlgorithmName);

        var rfcOptions = new VerificationOptions { Profile = VerificationProfile.Rfc5280, ValidationTime = TestPki.Now };
        var rfc = new Verifier(TrustStore.FromCertificates([root]), rfcOptions);
        var bad = (byte[])leafDer.Clone();
        bad[^2] ^= 0x01;
        if (Signatures.CryptoPath.Native)
        {
            var r = rfc.Verify(leaf, null, Example);
            Assert.True(r.IsValid, r.Explain());
            Assert.Equal(VerifyCode.CertSignatureFailure, rfc.Verify(Certificate.Parse(bad), null, Example).Code);
        }

        // The portable path (Windows, macOS, CERTITUDE_CRYPTO=portable) has no EdDSA: a typed "not available
        // on this platform", for the genuine and the tampered signature alike, never a success or a signature failure.
        var portable = new Verifier(TrustStore.FromCertificates([root]), rfcOptions, portable: true);
        foreach (var der in new[] { leafDer, bad })
        {
            var p = portable.Verify(Certificate.Parse(der), null, Example);
            Assert.Equal(VerifyCode.AlgorithmNotAvailable, p.Code);
            Assert.Contains("not available on this platform", p.Message, StringComparison.Ordinal);
            Assert.StartsWith("portable: ", p.CryptoPath, StringComparison.Ordinal);
        }

        // CA/B BR 7.1.3 has no EdDSA: the web PKI refuses the Ed25519 chain. The leaf is checked first, before any
        // path is searched (issue 21), so its own Ed25519 signature algorithm is the reason, on either crypto path.
        var web = new Verifier(TrustStore.FromCertificates([root]), new VerificationOptions { ValidationTime = TestPki.Now, Flags = VerifyFlags.PartialChain | VerifyFlags.TrustedFirst });
        var webResult = web.Verify(leaf, null, Example);
        Assert.Equal(VerifyCode.CaMdTooWeak, webResult.Code);
        Assert.Equal(0, webResult.FailingCertificateIndex);
    }
}
