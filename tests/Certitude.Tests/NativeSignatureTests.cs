using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Certitude.Signatures;
using Xunit;

namespace Certitude.Tests;

/// <summary>
/// RSA and ECDSA are verified on keys built directly in libcrypto (Certitude doing the RSA encodings
/// itself); System.Security.Cryptography is the portable path. Both must give the same verdict on
/// genuine signatures and on every kind of tampering. (SHA-1, which CertificateRequest cannot sign
/// with, is covered by PKITS, whose chains all use sha1WithRSAEncryption.)
/// </summary>
public sealed class NativeSignatureTests
{
    public static TheoryData<string> Kinds =>
    [
        "rsa2048-sha256", "rsa3072-sha384", "rsa2048-sha512", "rsa4096-sha256",
        "rsa2048-pss-sha256", "rsa3072-pss-sha384",
        "p256-sha256", "p256-sha512", "p384-sha384", "p521-sha512",
    ];

    [Fact]
    public void NativePathIsAvailableOnLinux()
    {
        if (OperatingSystem.IsLinux())
        {
            Assert.True(LibCrypto.HasKeyFunctions, "libcrypto's RSA/EC key functions should load on Linux");
        }
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void NativeAndPortablePathsAgreeOnGenuineAndTamperedSignatures(string kind)
    {
        var parts = kind.Split('-');
        var hash = new HashAlgorithmName(parts[^1].ToUpperInvariant());
        using var rsa = parts[0].StartsWith("rsa", StringComparison.Ordinal) ? RSA.Create(int.Parse(parts[0][3..], System.Globalization.CultureInfo.InvariantCulture)) : null;
        using var ec = rsa is null ? ECDsa.Create(parts[0] switch { "p256" => ECCurve.NamedCurves.nistP256, "p384" => ECCurve.NamedCurves.nistP384, _ => ECCurve.NamedCurves.nistP521 }) : null;
        var request = rsa is not null
            ? new CertificateRequest("CN=signer", rsa, hash, parts[1] == "pss" ? RSASignaturePadding.Pss : RSASignaturePadding.Pkcs1)
            : new CertificateRequest("CN=signer", ec!, hash);
        using var x = request.CreateSelfSigned(TestPki.Now.AddDays(-1), TestPki.Now.AddDays(1));
        var cert = Certificate.Parse(x.RawData);
        var tbs = cert.TbsData.ToArray();
        var sig = cert.Signature.ToArray();

        var variants = Variants(tbs, sig, rsa, ec);
        foreach (var (name, data, signature, genuine) in variants)
        {
            var native = SignatureVerifier.Verify(cert.PublicKey, cert.SignatureAlgorithm, data, signature, native: true);
            var portable = SignatureVerifier.Verify(cert.PublicKey, cert.SignatureAlgorithm, data, signature, native: false);
            Assert.True(portable == native, $"{kind} / {name}: native {native}, portable {portable}");
            Assert.True(genuine == (native == VerifyCode.Ok), $"{kind} / {name}: {native}");
        }
    }

    /// <summary>With a key that keeps verifying, ECDSA goes through a fixed-base table where this libcrypto
    /// takes one (P-384 on OpenSSL before 3.2): the verdicts must stay those of .NET's own ECDSA, on
    /// genuine signatures over many messages and on every kind of tampering.</summary>
    [Theory]
    [InlineData("p256", "SHA256")]
    [InlineData("p384", "SHA256")]
    [InlineData("p384", "SHA384")]
    [InlineData("p384", "SHA512")]
    [InlineData("p521", "SHA512")]
    public void FixedBaseTablesGiveTheSameVerdicts(string curve, string hashName)
    {
        var hash = new HashAlgorithmName(hashName);
        var (named, nid) = curve switch
        {
            "p256" => (ECCurve.NamedCurves.nistP256, 415),
            "p384" => (ECCurve.NamedCurves.nistP384, 715),
            _ => (ECCurve.NamedCurves.nistP521, 716),
        };
        using var ec = ECDsa.Create(named);
        using var x = new CertificateRequest("CN=issuer", ec, hash).CreateSelfSigned(TestPki.Now.AddDays(-1), TestPki.Now.AddDays(1));
        var cert = Certificate.Parse(x.RawData);
        var tbs = cert.TbsData.ToArray();
        var sig = cert.Signature.ToArray();
        var cache = new CryptoCache();
        for (int i = 0; i < 3; i++)
        {
            Assert.Equal(VerifyCode.Ok, SignatureVerifier.VerifyWithKeyCache(cache, cert.PublicKey, cert.SignatureAlgorithm, tbs, sig));
        }
        var key = cache.NativeKey(cert.PublicKey, _ => null);
        Assert.NotNull(key);
        Assert.Equal(LibCrypto.FixedBaseAppliesTo(nid), LibCrypto.HasFixedBaseTable(key));

        var variants = Variants(tbs, sig, null, ec);
        for (int i = 0; i < 24; i++)
        {
            var message = System.Text.Encoding.ASCII.GetBytes($"message {i}");
            var signature = ec.SignData(message, hash, DSASignatureFormat.Rfc3279DerSequence);
            variants.Add(($"message {i}", message, signature, true));
            variants.Add(($"message {i}, another message", Flip(message, 0), signature, false));
        }
        foreach (var (name, data, signature, genuine) in variants)
        {
            var viaTable = SignatureVerifier.VerifyWithKeyCache(cache, cert.PublicKey, cert.SignatureAlgorithm, data, signature);
            var portable = SignatureVerifier.Verify(cert.PublicKey, cert.SignatureAlgorithm, data, signature, native: false);
            Assert.True(portable == viaTable, $"{curve}/{hashName} / {name}: table {viaTable}, portable {portable}");
            Assert.True(genuine == (viaTable == VerifyCode.Ok), $"{curve}/{hashName} / {name}: {viaTable}");
        }
    }

    [Fact]
    public void FixedBaseTablesAreBuiltOnceUnderConcurrentUse()
    {
        // Many threads reach the key's third use together: one table is kept, and every verdict, before,
        // during and after the build, is the genuine one.
        using var ec = ECDsa.Create(ECCurve.NamedCurves.nistP384);
        using var x = new CertificateRequest("CN=issuer", ec, HashAlgorithmName.SHA384).CreateSelfSigned(TestPki.Now.AddDays(-1), TestPki.Now.AddDays(1));
        var cert = Certificate.Parse(x.RawData);
        var messages = Enumerable.Range(0, 8).Select(i => System.Text.Encoding.ASCII.GetBytes($"m{i}")).ToArray();
        var signatures = messages.Select(m => ec.SignData(m, HashAlgorithmName.SHA384, DSASignatureFormat.Rfc3279DerSequence)).ToArray();
        var cache = new CryptoCache();
        var wrong = 0;
        Parallel.For(0, 64, new ParallelOptions { MaxDegreeOfParallelism = 8 }, i =>
        {
            int k = i % messages.Length;
            bool genuine = i % 2 == 0;
            var data = genuine ? messages[k] : Flip(messages[k], 0);
            var code = SignatureVerifier.VerifyWithKeyCache(cache, cert.PublicKey, cert.SignatureAlgorithm, data, signatures[k]);
            if ((code == VerifyCode.Ok) != genuine)
            {
                Interlocked.Increment(ref wrong);
            }
        });
        Assert.Equal(0, wrong);
        var key = cache.NativeKey(cert.PublicKey, _ => null);
        Assert.NotNull(key);
        Assert.Equal(LibCrypto.FixedBaseAppliesTo(715), LibCrypto.HasFixedBaseTable(key));
    }

    [Fact]
    public void P384TakesFixedBaseTablesOnOpenSsl30()
    {
        // OpenSSL 3.0 and 3.1 have no specialised P-384 code: the tables are what makes P-384 fast there.
        if (OperatingSystem.IsLinux() && LibCrypto.VersionNumber is >= 0x30000000 and < 0x30200000)
        {
            Assert.True(LibCrypto.FixedBaseAppliesTo(715));
        }
        Assert.False(LibCrypto.FixedBaseAppliesTo(0));
    }

    /// <summary>The genuine signature and the tamperings every algorithm must refuse.</summary>
    internal static List<(string Name, byte[] Data, byte[] Signature, bool Genuine)> CommonVariants(byte[] tbs, byte[] sig) =>
    [
        ("genuine", tbs, sig, true),
        ("data bit flipped", Flip(tbs, tbs.Length / 2), sig, false),
        ("signature first byte", tbs, Flip(sig, 0), false),
        ("signature middle", tbs, Flip(sig, sig.Length / 2), false),
        ("signature last byte", tbs, Flip(sig, sig.Length - 1), false),
        ("signature truncated", tbs, sig[..^1], false),
        ("signature with a leading zero", tbs, [0, .. sig], false),
        ("empty signature", tbs, [], false),
    ];

    private static List<(string Name, byte[] Data, byte[] Signature, bool Genuine)> Variants(byte[] tbs, byte[] sig, RSA? rsa, ECDsa? ec)
    {
        var variants = CommonVariants(tbs, sig);
        if (rsa is not null)
        {
            var n = rsa.ExportParameters(false).Modulus!;
            variants.Add(("s = n", tbs, n, false));
            variants.Add(("s all ones", tbs, Enumerable.Repeat((byte)0xFF, n.Length).ToArray(), false));
            variants.Add(("s = 1", tbs, [.. new byte[n.Length - 1], 1], false));
        }
        else
        {
            var (r, s) = ReadEcdsa(sig);
            var order = ec!.ExportExplicitParameters(false).Curve.Order!;
            variants.Add(("r with a redundant zero byte", tbs, WriteEcdsa([0, .. r], s, raw: true), false));
            variants.Add(("s = 0", tbs, WriteEcdsa(r, [0], raw: false), false));
            variants.Add(("r = 0", tbs, WriteEcdsa([0], s, raw: false), false));
            variants.Add(("r and s swapped", tbs, WriteEcdsa(s, r, raw: false), false));
            variants.Add(("s = n", tbs, WriteEcdsa(r, order, raw: false), false));
            variants.Add(("r = n", tbs, WriteEcdsa(order, s, raw: false), false));
            variants.Add(("r + n", tbs, WriteEcdsa(r, s, raw: false, addToR: order), false));
            // SEC 1 4.1.4: (r, n - s) verifies as well as (r, s); both paths must say so.
            variants.Add(("n - s", tbs, WriteEcdsa(r, Subtract(order, s), raw: false), true));
            variants.Add(("trailing byte after the SEQUENCE", tbs, [.. sig, 0], false));
        }
        return variants;
    }

    private static byte[] Subtract(byte[] a, byte[] b)
        => (new System.Numerics.BigInteger(a, isUnsigned: true, isBigEndian: true) - new System.Numerics.BigInteger(b, isUnsigned: true, isBigEndian: true)).ToByteArray(isUnsigned: true, isBigEndian: true);

    private static byte[] Flip(byte[] b, int i)
    {
        var c = (byte[])b.Clone();
        c[i] ^= 0x01;
        return c;
    }

    private static (byte[] R, byte[] S) ReadEcdsa(byte[] der)
    {
        var seq = new AsnReader(der, AsnEncodingRules.DER).ReadSequence();
        return (seq.ReadIntegerBytes().ToArray(), seq.ReadIntegerBytes().ToArray());
    }

    /// <summary>An Ecdsa-Sig-Value; with <paramref name="raw"/> the integer bytes are written as given
    /// (so a redundant leading zero makes it BER, not DER).</summary>
    private static byte[] WriteEcdsa(byte[] r, byte[] s, bool raw, byte[]? addToR = null)
    {
        if (addToR is not null)
        {
            var sum = new System.Numerics.BigInteger(r, isUnsigned: true, isBigEndian: true) + new System.Numerics.BigInteger(addToR, isUnsigned: true, isBigEndian: true);
            r = sum.ToByteArray(isUnsigned: true, isBigEndian: true);
        }
        if (raw)
        {
            byte[] Int(byte[] v) => [0x02, (byte)v.Length, .. v];
            var body = Int(r).Concat(Int(s)).ToArray();
            return body.Length < 128 ? [0x30, (byte)body.Length, .. body] : [0x30, 0x81, (byte)body.Length, .. body];
        }
        var w = new AsnWriter(AsnEncodingRules.DER);
        using (w.PushSequence())
        {
            w.WriteIntegerUnsigned(r.SkipWhile((b, i) => b == 0 && i < r.Length - 1).ToArray());
            w.WriteIntegerUnsigned(s.SkipWhile((b, i) => b == 0 && i < s.Length - 1).ToArray());
        }
        return w.Encode();
    }
}
