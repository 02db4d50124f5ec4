using Xunit;

namespace Certitude.Tests;

/// <summary>The verifier's key and signature caches never change a verdict.</summary>
public sealed class CacheTests
{
    private static readonly PeerIdentity Example = PeerIdentity.Dns("example.com");

    private static byte[] Tamper(byte[] der, int fromEnd)
    {
        var copy = (byte[])der.Clone();
        copy[^fromEnd] ^= 0x01;
        return copy;
    }

    [Fact]
    public void TamperedInputsFailAfterTheGenuineOnesWereCached()
    {
        var root = TestPki.Root();
        var ica = TestPki.Ca(root, "CN=Cache ICA");
        var leaf = TestPki.Leaf(ica);
        var v = TestPki.Verifier(root);
        for (int i = 0; i < 3; i++)
        {
            Assert.True(v.Verify(leaf.Cert, [ica.Cert], Example).IsValid);
        }
        // Flipped signature byte of the leaf, and of the intermediate: same keys, same signed bytes.
        var badLeafSig = Certificate.Parse(Tamper(leaf.X509.RawData, 3));
        Assert.Equal(VerifyCode.CertSignatureFailure, v.Verify(badLeafSig, [ica.Cert], Example).Code);
        var badIcaSig = Certificate.Parse(Tamper(ica.X509.RawData, 3));
        Assert.False(v.Verify(leaf.Cert, [badIcaSig], Example).IsValid);

        // Changed signed bytes with the genuine signature: flip a bit inside the leaf's validity.
        var der = leaf.X509.RawData;
        var tbs = leaf.Cert.TbsData.ToArray();
        int at = Array.IndexOf(der, tbs[0]) + 40; // inside tbsCertificate, before the extensions
        var changed = (byte[])der.Clone();
        changed[at] ^= 0x01;
        Certificate? altered = null;
        try
        {
            altered = Certificate.Parse(changed);
        }
        catch (CertificateFormatException)
        {
        }
        if (altered is not null)
        {
            Assert.False(v.Verify(altered, [ica.Cert], Example).IsValid);
        }

        // The failures did not poison the caches for the genuine inputs either.
        Assert.True(v.Verify(leaf.Cert, [ica.Cert], Example).IsValid);
    }

    [Fact]
    public void TlsParseCacheMatchesOnlyIdenticalBytesAndNeverStoresMalformedInput()
    {
        var root = TestPki.Root();
        var leaf = TestPki.Leaf(root);
        var cache = new Certitude.Tls.ParsedCertificates();
        var first = cache.Parse(leaf.X509.RawData);
        Assert.Same(first, cache.Parse((byte[])leaf.X509.RawData.Clone()));
        Assert.Equal(leaf.X509.RawData, first.RawData.ToArray());

        // One flipped signature bit: a different certificate, parsed on its own, and it does not verify.
        var tampered = cache.Parse(Tamper(leaf.X509.RawData, 3));
        Assert.NotSame(first, tampered);
        Assert.Equal(VerifyCode.CertSignatureFailure, TestPki.Verifier(root).Verify(tampered, null, Example).Code);
        Assert.True(TestPki.Verifier(root).Verify(cache.Parse(leaf.X509.RawData), null, Example).IsValid);

        // Malformed bytes throw every time: no entry is made for them.
        var truncated = leaf.X509.RawData[..^1];
        Assert.Throws<CertificateFormatException>(() => cache.Parse(truncated));
        Assert.Throws<CertificateFormatException>(() => cache.Parse(truncated));
    }

    [Fact]
    public async Task CachedCertificateChecksFollowTheValidationTime()
    {
        // Structural findings are cached per verifier; validity is not. One verifier reading the clock
        // accepts a certificate, and rejects it once its notAfter has passed.
        // The lifetime leaves room for key generation on a loaded machine (with two seconds, a slow key
        // generation could expire the leaf before the first check); the wait is until notAfter has passed.
        var root = TestPki.Root("CN=Clock Root", TestPki.Live());
        var now = DateTimeOffset.UtcNow;
        var leaf = TestPki.Leaf(root, spec: new CertSpec { NotBefore = now.AddDays(-1), NotAfter = now.AddSeconds(6) });
        var verifier = new Verifier(TrustStore.FromCertificates([root.Cert]));
        Assert.True(verifier.Verify(leaf.Cert, null, PeerIdentity.Dns("example.com")).IsValid);
        var remaining = leaf.Cert.NotAfter.AddSeconds(1.5) - DateTimeOffset.UtcNow;
        await Task.Delay(remaining > TimeSpan.Zero ? remaining : TimeSpan.Zero);
        Assert.Equal(VerifyCode.CertHasExpired, verifier.Verify(leaf.Cert, null, PeerIdentity.Dns("example.com")).Code);
    }

    [Fact]
    public void SameKeyDifferentIssuerCertificateIsNotConfused()
    {
        // Two roots share a name but not a key: a leaf from one must not verify under the other,
        // whatever the cache saw first.
        var rootA = TestPki.Root("CN=Twin Root");
        var rootB = TestPki.Root("CN=Twin Root");
        var leafA = TestPki.Leaf(rootA);
        var vA = TestPki.Verifier(rootA);
        var vB = TestPki.Verifier(rootB);
        Assert.True(vA.Verify(leafA.Cert, null, Example).IsValid);
        Assert.False(vB.Verify(leafA.Cert, null, Example).IsValid);
        Assert.True(vA.Verify(leafA.Cert, null, Example).IsValid);
    }
}
