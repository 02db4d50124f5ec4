using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Xunit;

namespace Certitude.Tests;

/// <summary>Each rule of the engine on chains made in the test.</summary>
public sealed class EngineTests
{
    private static readonly PeerIdentity Example = PeerIdentity.Dns("example.com");

    [Fact]
    public void ValidChainVerifiesAndReturnsThePath()
    {
        var root = TestPki.Root();
        var ica = TestPki.Ca(root, "CN=Test ICA");
        var leaf = TestPki.Leaf(ica);
        var r = TestPki.Verifier(root).Verify(leaf.Cert, [ica.Cert], Example);
        Assert.True(r.IsValid, r.Explain());
        Assert.Equal([leaf.Cert, ica.Cert, root.Cert], r.Path);
        Assert.Equal(VerifyCode.Ok, r.Code);
    }

    [Fact]
    public void ExpiredAndNotYetValidLeavesFail()
    {
        var root = TestPki.Root();
        var expired = TestPki.Leaf(root, spec: new CertSpec { NotBefore = TestPki.Now.AddDays(-10), NotAfter = TestPki.Now.AddSeconds(-1) });
        var future = TestPki.Leaf(root, spec: new CertSpec { NotBefore = TestPki.Now.AddSeconds(1), NotAfter = TestPki.Now.AddDays(10) });
        var v = TestPki.Verifier(root);
        var r1 = v.Verify(expired.Cert, null, Example);
        Assert.Equal(VerifyCode.CertHasExpired, r1.Code);
        Assert.Equal(0, r1.FailingCertificateIndex);
        Assert.Equal("certificate has expired", r1.CodeText);
        Assert.Equal(VerifyCode.CertNotYetValid, v.Verify(future.Cert, null, Example).Code);
    }

    [Fact]
    public void ValidityBoundsAreInclusiveAndComparedAtWholeSeconds()
    {
        var root = TestPki.Root();
        var notAfter = TestPki.Now.AddDays(1);
        var leaf = TestPki.Leaf(root, spec: new CertSpec { NotAfter = notAfter });
        Assert.True(TestPki.Verifier(root, new VerificationOptions { ValidationTime = notAfter.AddMilliseconds(999) }).Verify(leaf.Cert, null, Example).IsValid);
        Assert.Equal(VerifyCode.CertHasExpired, TestPki.Verifier(root, new VerificationOptions { ValidationTime = notAfter.AddSeconds(1) }).Verify(leaf.Cert, null, Example).Code);
    }

    [Fact]
    public void BacktracksPastAnExpiredIntermediateToAGoodOne()
    {
        var root = TestPki.Root();
        var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var expiredIca = TestPki.Ca(root, "CN=Shared ICA", spec: new CertSpec { Key = key, NotBefore = TestPki.Now.AddDays(-100), NotAfter = TestPki.Now.AddDays(-1) });
        var goodIca = TestPki.Ca(root, "CN=Shared ICA", spec: new CertSpec { Key = key });
        var leaf = TestPki.Leaf(goodIca);
        var r = TestPki.Verifier(root).Verify(leaf.Cert, [expiredIca.Cert, goodIca.Cert], Example);
        Assert.True(r.IsValid, r.Explain());
        Assert.Same(goodIca.Cert, r.Path[1]);
        Assert.Contains(r.Diagnostics, d => d.Code == VerifyCode.CertHasExpired);
    }

    [Fact]
    public void CrossSignedIntermediateReachesTheTrustedRoot()
    {
        var oldRoot = TestPki.Root("CN=Old Root");
        var newRoot = TestPki.Root("CN=New Root");
        var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var icaByOld = TestPki.Ca(oldRoot, "CN=Cross ICA", spec: new CertSpec { Key = key });
        var icaByNew = TestPki.Ca(newRoot, "CN=Cross ICA", spec: new CertSpec { Key = key });
        var leaf = TestPki.Leaf(icaByNew);
        var r = TestPki.Verifier(newRoot).Verify(leaf.Cert, [icaByOld.Cert, icaByNew.Cert], Example);
        Assert.True(r.IsValid, r.Explain());
        Assert.Equal(newRoot.Cert, r.Path[^1]);
    }

    [Fact]
    public void MostSpecificErrorWinsOverUnknownIssuer()
    {
        var root = TestPki.Root();
        var stranger = TestPki.Root("CN=Stranger");
        var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var expiredIca = TestPki.Ca(root, "CN=ICA", spec: new CertSpec { Key = key, NotBefore = TestPki.Now.AddDays(-100), NotAfter = TestPki.Now.AddDays(-1) });
        var orphanIca = TestPki.Ca(stranger, "CN=ICA", spec: new CertSpec { Key = key });
        var leaf = TestPki.Leaf(orphanIca);
        var r = TestPki.Verifier(root).Verify(leaf.Cert, [orphanIca.Cert, expiredIca.Cert], Example);
        Assert.Equal(VerifyCode.CertHasExpired, r.Code);
        Assert.Equal(1, r.FailingCertificateIndex);
        Assert.Contains(r.Diagnostics, d => d.Code == VerifyCode.UnableToGetIssuerCertLocally);
    }

    [Fact]
    public void HostNamesIpAddressesAndInvalidReferenceNames()
    {
        var root = TestPki.Root();
        var leaf = TestPki.Leaf(root, spec: new CertSpec { Subject = "CN=example.com", Dns = ["example.com"], Ips = ["192.0.2.7", "2001:db8::1"] });
        var v = TestPki.Verifier(root);
        Assert.Equal(VerifyCode.HostnameMismatch, v.Verify(leaf.Cert, null, PeerIdentity.Dns("example.org")).Code);
        Assert.True(v.Verify(leaf.Cert, null, PeerIdentity.Host("192.0.2.7")).IsValid);
        Assert.True(v.Verify(leaf.Cert, null, PeerIdentity.Host("2001:DB8:0::1")).IsValid);
        Assert.Equal(VerifyCode.IpAddressMismatch, v.Verify(leaf.Cert, null, PeerIdentity.Host("192.0.2.8")).Code);
        Assert.True(v.Verify(leaf.Cert, null, PeerIdentity.Dns("EXAMPLE.com.")).IsValid);
        foreach (var bad in new[] { "127.1", "0x7f.0.0.1", "192.0.2.07", "foo_bar.example.com", "-a.example.com", "fe80::1%eth0" })
        {
            var r = v.Verify(leaf.Cert, null, PeerIdentity.Host(bad));
            Assert.Equal(VerifyCode.InvalidPeerName, r.Code);
        }
    }

    [Fact]
    public void WildcardsMatchOneWholeLabelAndNeverAPublicSuffix()
    {
        var root = TestPki.Root();
        var lax = new VerificationOptions { Flags = VerifyFlags.PartialChain | VerifyFlags.TrustedFirst };
        Issued Leaf(params string[] san) => TestPki.Leaf(root, spec: new CertSpec { Subject = "CN=" + san[0], Dns = null, Extra = [RawExtensions.DnsSan(san)] });
        var v = TestPki.Verifier(root, lax);
        var wild = Leaf("*.example.com");
        Assert.True(v.Verify(wild.Cert, null, PeerIdentity.Dns("foo.example.com")).IsValid);
        Assert.Equal(VerifyCode.HostnameMismatch, v.Verify(wild.Cert, null, PeerIdentity.Dns("a.foo.example.com")).Code);
        Assert.Equal(VerifyCode.HostnameMismatch, v.Verify(wild.Cert, null, PeerIdentity.Dns("example.com")).Code);
        Assert.Equal(VerifyCode.HostnameMismatch, v.Verify(Leaf("f*.example.com").Cert, null, PeerIdentity.Dns("foo.example.com")).Code);
        Assert.Equal(VerifyCode.HostnameMismatch, v.Verify(Leaf("*.co.uk").Cert, null, PeerIdentity.Dns("example.co.uk")).Code);
        Assert.Equal(VerifyCode.HostnameMismatch, v.Verify(Leaf("*.com").Cert, null, PeerIdentity.Dns("example.com")).Code);
        // Under X509Strict a partial wildcard is also a malformed dNSName (RFC 5280 4.2.1.6).
        Assert.Equal(VerifyCode.UnsupportedNameSyntax, TestPki.Verifier(root).Verify(Leaf("f*.example.com").Cert, null, PeerIdentity.Dns("foo.example.com")).Code);
    }

    [Fact]
    public void UnicodeHostNamesAreComparedAsALabels()
    {
        var root = TestPki.Root();
        var leaf = TestPki.Leaf(root, ["xn--bcher-kva.example"]);
        Assert.True(TestPki.Verifier(root).Verify(leaf.Cert, null, PeerIdentity.Dns("bücher.example")).IsValid);
        Assert.Equal("xn--bcher-kva.example", PeerIdentity.Dns("Bücher.example").Normalized);
    }

    [Fact]
    public void CommonNameIsIgnoredUnlessAsked()
    {
        var root = TestPki.Root();
        var leaf = TestPki.Issue(root, new CertSpec { Subject = "CN=example.com" });
        var rfc = new VerificationOptions { Profile = VerificationProfile.Rfc5280 };
        Assert.Equal(VerifyCode.HostnameMismatch, TestPki.Verifier(root, rfc).Verify(leaf.Cert, null, Example).Code);
        Assert.True(TestPki.Verifier(root, rfc with { HostnameChecksCommonName = true }).Verify(leaf.Cert, null, Example).IsValid);
        // CA/B BR 7.1.2.7.12 (a SAN in every subscriber certificate) is the issuance tier: with the fallback asked
        // for, a SAN-less leaf matches by CN and the broken rule is a warning; under CabfIssuance it is an error.
        var fallback = TestPki.Verifier(root, new VerificationOptions { HostnameChecksCommonName = true }).Verify(leaf.Cert, null, Example);
        Assert.True(fallback.IsValid, fallback.Explain());
        Assert.Contains(fallback.Warnings, w => w.RuleId == "leaf-san-required" && w.CertificateIndex == 0);
        var issuance = new VerificationOptions { HostnameChecksCommonName = true, Flags = VerifyFlags.Default | VerifyFlags.CabfIssuance };
        Assert.Equal(VerifyCode.ProfileViolation, TestPki.Verifier(root, issuance).Verify(leaf.Cert, null, Example).Code);
    }

    [Fact]
    public void UntrustedIssuersAndSelfSignedLeaves()
    {
        var root = TestPki.Root();
        var stranger = TestPki.Root("CN=Stranger");
        var leaf = TestPki.Leaf(stranger);
        Assert.Equal(VerifyCode.UnableToGetIssuerCertLocally, TestPki.Verifier(root).Verify(leaf.Cert, null, Example).Code);
        var selfSigned = TestPki.Root("CN=example.com", new CertSpec { Dns = ["example.com"] });
        Assert.Equal(VerifyCode.DepthZeroSelfSignedCert, TestPki.Verifier(root).Verify(selfSigned.Cert, null, Example).Code);
        Assert.Equal(VerifyCode.SelfSignedCertInChain, TestPki.Verifier(root).Verify(leaf.Cert, [stranger.Cert], Example).Code);
    }

    [Fact]
    public void PartialChainTrustsAnIntermediateOnlyWhenAsked()
    {
        var root = TestPki.Root();
        var ica = TestPki.Ca(root, "CN=Pinned ICA");
        var leaf = TestPki.Leaf(ica);
        var store = TrustStore.FromCertificates([ica.Cert]);
        var partial = new Verifier(store, new VerificationOptions { ValidationTime = TestPki.Now });
        var r = partial.Verify(leaf.Cert, null, Example);
        Assert.True(r.IsValid, r.Explain());
        Assert.Equal([leaf.Cert, ica.Cert], r.Path);
        var full = new Verifier(store, new VerificationOptions { ValidationTime = TestPki.Now, Flags = VerifyFlags.X509Strict | VerifyFlags.TrustedFirst });
        Assert.False(full.Verify(leaf.Cert, null, Example).IsValid);
    }

    [Fact]
    public void PathLengthConstraintIsEnforcedAndSelfIssuedCertificatesDoNotCount()
    {
        var root = TestPki.Root();
        var ica1 = TestPki.Ca(root, "CN=ICA1", pathLength: 0);
        var ica2 = TestPki.Ca(ica1, "CN=ICA2");
        var leaf = TestPki.Leaf(ica2);
        var r = TestPki.Verifier(root).Verify(leaf.Cert, [ica1.Cert, ica2.Cert], Example);
        Assert.Equal(VerifyCode.PathLengthExceeded, r.Code);
        Assert.Equal(1, r.FailingCertificateIndex); // ICA2 is the intermediate ICA1's pathLen 0 does not allow

        // Key rollover: a self-issued certificate under a pathLen 0 CA is allowed (RFC 5280 6.1.4 (l)).
        var rolled = TestPki.Ca(ica1, "CN=ICA1", pathLength: 0);
        var leaf2 = TestPki.Leaf(rolled);
        var ok = TestPki.Verifier(root).Verify(leaf2.Cert, [ica1.Cert, rolled.Cert], Example);
        Assert.True(ok.IsValid, ok.Explain());
        Assert.Equal(4, ok.Path.Count);
    }

    [Fact]
    public void IssuersNeedCaAndKeyCertSign()
    {
        var root = TestPki.Root();
        var noCertSign = TestPki.Ca(root, "CN=No CertSign", spec: new CertSpec { KeyUsage = X509KeyUsageFlags.DigitalSignature });
        Assert.Equal(VerifyCode.KeyUsageNoCertSign, TestPki.Verifier(root).Verify(TestPki.Leaf(noCertSign).Cert, [noCertSign.Cert], Example).Code);
        var notCa = TestPki.Issue(root, new CertSpec { Subject = "CN=Not A CA", KeyUsage = X509KeyUsageFlags.DigitalSignature, Ekus = null });
        Assert.Equal(VerifyCode.InvalidCa, TestPki.Verifier(root).Verify(TestPki.Leaf(notCa).Cert, [notCa.Cert], Example).Code);
    }

    [Fact]
    public void UnknownCriticalExtensionIsRejected()
    {
        var root = TestPki.Root();
        var leaf = TestPki.Leaf(root, spec: new CertSpec { Extra = [new X509Extension("1.3.6.1.4.1.55738.666.1", [0x05, 0x00], true)] });
        var r = TestPki.Verifier(root).Verify(leaf.Cert, null, Example);
        Assert.Equal(VerifyCode.UnhandledCriticalExtension, r.Code);
        Assert.Contains(r.Diagnostics, d => d.Rule == "RFC 5280 4.2");
    }

    [Fact]
    public void NameConstraintsPermitAndExclude()
    {
        var root = TestPki.Root("CN=Constrained Root", new CertSpec { Extra = [TestPki.NameConstraints(["example.com"], ["bad.example.com"])] });
        var v = TestPki.Verifier(root);
        Assert.True(v.Verify(TestPki.Leaf(root, ["www.example.com"]).Cert, null, PeerIdentity.Dns("www.example.com")).IsValid);
        Assert.Equal(VerifyCode.ExcludedViolation, v.Verify(TestPki.Leaf(root, ["x.bad.example.com"]).Cert, null, PeerIdentity.Dns("x.bad.example.com")).Code);
        Assert.Equal(VerifyCode.PermittedViolation, v.Verify(TestPki.Leaf(root, ["example.org"]).Cert, null, PeerIdentity.Dns("example.org")).Code);
        // A wildcard that could stand for an excluded name is excluded (CVE-2025-61727).
        var wild = TestPki.Leaf(root, spec: new CertSpec { Subject = "CN=*.example.com", Dns = null, Extra = [RawExtensions.DnsSan("*.example.com")] });
        Assert.Equal(VerifyCode.ExcludedViolation, v.Verify(wild.Cert, null, PeerIdentity.Dns("ok.example.com")).Code);
    }

    [Fact]
    public void BudgetBoundsTheSearch()
    {
        var root = TestPki.Root();
        var stranger = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        // Thirty CAs with one subject and distinct keys, none of which issued the leaf.
        var decoys = Enumerable.Range(0, 30).Select(_ => TestPki.Ca(root, "CN=Busy ICA").Cert).ToList();
        var realIssuer = TestPki.Ca(TestPki.Root("CN=Other"), "CN=Busy ICA");
        var leaf = TestPki.Leaf(realIssuer, spec: new CertSpec { Aki = false });
        var tight = new VerificationOptions { Budget = new VerificationBudget { MaxSignatureChecks = 10 } };
        var r = TestPki.Verifier(root, tight).Verify(leaf.Cert, decoys, Example);
        Assert.Equal(VerifyCode.BudgetExhausted, r.Code);
        Assert.Contains("signature checks", r.Message, StringComparison.Ordinal);
        var fewCandidates = new VerificationOptions { Budget = new VerificationBudget { MaxCandidates = 5 } };
        Assert.Equal(VerifyCode.BudgetExhausted, TestPki.Verifier(root, fewCandidates).Verify(leaf.Cert, decoys, Example).Code);
        // With the default budget the search completes and reports the real problem.
        Assert.NotEqual(VerifyCode.BudgetExhausted, TestPki.Verifier(root).Verify(leaf.Cert, decoys, Example).Code);
        stranger.Dispose();
    }

    [Fact]
    public void NameConstraintComparisonsAreBudgeted()
    {
        var permitted = Enumerable.Range(0, 200).Select(i => $"p{i}.example").ToArray();
        var root = TestPki.Root("CN=Many Constraints", new CertSpec { Extra = [TestPki.NameConstraints(permitted, [])] });
        var names = Enumerable.Range(0, 200).Select(i => $"n{i}.p199.example").ToArray();
        var leaf = TestPki.Leaf(root, names);
        var tight = new VerificationOptions { Budget = new VerificationBudget { MaxNameConstraintComparisons = 1000 } };
        var r = TestPki.Verifier(root, tight).Verify(leaf.Cert, null, PeerIdentity.Dns(names[0]));
        Assert.Equal(VerifyCode.BudgetExhausted, r.Code);
        Assert.True(TestPki.Verifier(root).Verify(leaf.Cert, null, PeerIdentity.Dns(names[0])).IsValid);
    }

    [Fact]
    public void MaximumIntermediatesIsEnforced()
    {
        var root = TestPki.Root();
        var a = TestPki.Ca(root, "CN=A");
        var b = TestPki.Ca(a, "CN=B");
        var c = TestPki.Ca(b, "CN=C");
        var leaf = TestPki.Leaf(c);
        Assert.True(TestPki.Verifier(root).Verify(leaf.Cert, [a.Cert, b.Cert, c.Cert], Example).IsValid);
        var r = TestPki.Verifier(root, new VerificationOptions { MaxIntermediates = 2 }).Verify(leaf.Cert, [a.Cert, b.Cert, c.Cert], Example);
        Assert.Equal(VerifyCode.CertChainTooLong, r.Code);
    }

    [Fact]
    public void TamperedSignatureFails()
    {
        var root = TestPki.Root();
        var der = TestPki.Leaf(root).X509.RawData;
        der[^3] ^= 0x01;
        var r = TestPki.Verifier(root).Verify(Certificate.Parse(der), null, Example);
        Assert.Equal(VerifyCode.CertSignatureFailure, r.Code);
    }

    [Fact]
    public void AlgorithmPolicyRejectsSha1AndSmallRsaByDefault()
    {
        var rsaRoot = TestPki.Root("CN=RSA Root", new CertSpec { Key = RSA.Create(2048) });
        var sha1Leaf = Sha1Leaf(rsaRoot);
        Assert.Equal(VerifyCode.CaMdTooWeak, TestPki.Verifier(rsaRoot).Verify(sha1Leaf.Cert, null, Example).Code);
        var allowSha1 = VerificationProfile.WebPki.WithAlgorithms(AlgorithmPolicy.WebPki with { AllowSha1 = true });
        Assert.True(TestPki.Verifier(rsaRoot, new VerificationOptions { Profile = allowSha1 }).Verify(sha1Leaf.Cert, null, Example).IsValid);
        var smallLeaf = TestPki.Leaf(rsaRoot, spec: new CertSpec { Key = RSA.Create(1024) });
        Assert.Equal(VerifyCode.EeKeyTooSmall, TestPki.Verifier(rsaRoot).Verify(smallLeaf.Cert, null, Example).Code);
    }

    /// <summary>.NET's generators refuse SHA-1, so this one writes sha1WithRSAEncryption itself.</summary>
    private sealed class Sha1RsaGenerator(RSA key) : X509SignatureGenerator
    {
        public override byte[] GetSignatureAlgorithmIdentifier(HashAlgorithmName hashAlgorithm)
            => [0x30, 0x0D, 0x06, 0x09, 0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x05, 0x05, 0x00];

        public override byte[] SignData(byte[] data, HashAlgorithmName hashAlgorithm) => key.SignData(data, HashAlgorithmName.SHA1, RSASignaturePadding.Pkcs1);

        protected override PublicKey BuildPublicKey() => CreateForRSA(key, RSASignaturePadding.Pkcs1).PublicKey;
    }

    private static Issued Sha1Leaf(Issued rsaRoot)
    {
        var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var req = new CertificateRequest("CN=example.com", key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddDnsName("example.com");
        req.CertificateExtensions.Add(san.Build());
        req.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        req.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromSubjectKeyIdentifier(rsaRoot.X509.Extensions.OfType<X509SubjectKeyIdentifierExtension>().Single()));
        var cert = req.Create(rsaRoot.X509.SubjectName, new Sha1RsaGenerator((RSA)rsaRoot.Key), TestPki.Now.AddDays(-1), TestPki.Now.AddDays(1), [1, 2, 3, 4]);
        return new Issued(cert, key);
    }

    [Theory]
    [InlineData("rsa-pkcs1")]
    [InlineData("rsa-pss")]
    [InlineData("p256")]
    [InlineData("p384")]
    [InlineData("p521")]
    public void SignatureAlgorithmsVerify(string kind)
    {
        var (key, padding, hash) = kind switch
        {
            "rsa-pkcs1" => ((AsymmetricAlgorithm)RSA.Create(2048), RSASignaturePadding.Pkcs1, HashAlgorithmName.SHA256),
            "rsa-pss" => (RSA.Create(3072), RSASignaturePadding.Pss, HashAlgorithmName.SHA384),
            "p256" => (ECDsa.Create(ECCurve.NamedCurves.nistP256), null, HashAlgorithmName.SHA256),
            "p384" => (ECDsa.Create(ECCurve.NamedCurves.nistP384), null, HashAlgorithmName.SHA384),
            _ => (ECDsa.Create(ECCurve.NamedCurves.nistP521), null, HashAlgorithmName.SHA512),
        };
        var root = TestPki.Root("CN=Alg Root", new CertSpec { Key = key, Padding = padding, Hash = hash });
        var leaf = TestPki.Leaf(root, spec: new CertSpec { Padding = padding, Hash = hash });
        var r = TestPki.Verifier(root).Verify(leaf.Cert, null, Example);
        Assert.True(r.IsValid, r.Explain());
    }

    [Fact]
    public void PurposeIsCheckedOnTheLeafAndOnIntermediates()
    {
        var root = TestPki.Root();
        var clientOnly = TestPki.Leaf(root, spec: new CertSpec { Ekus = ["1.3.6.1.5.5.7.3.2"] });
        Assert.Equal(VerifyCode.InvalidPurpose, TestPki.Verifier(root).Verify(clientOnly.Cert, null, Example).Code);
        Assert.True(TestPki.Verifier(root, new VerificationOptions { Purpose = CertificatePurpose.ClientAuthentication }).Verify(clientOnly.Cert, null, Example).IsValid);
        var emailIca = TestPki.Ca(root, "CN=Email ICA", spec: new CertSpec { Ca = true, Ekus = ["1.3.6.1.5.5.7.3.4"] });
        Assert.Equal(VerifyCode.InvalidPurpose, TestPki.Verifier(root).Verify(TestPki.Leaf(emailIca).Cert, [emailIca.Cert], Example).Code);
    }

    [Fact]
    public void RequiredKeyUsageIsChecked()
    {
        var root = TestPki.Root();
        var leaf = TestPki.Leaf(root, spec: new CertSpec { KeyUsage = X509KeyUsageFlags.KeyAgreement });
        var r = TestPki.Verifier(root, new VerificationOptions { RequiredKeyUsage = KeyUsageFlags.DigitalSignature }).Verify(leaf.Cert, null, Example);
        Assert.Equal(VerifyCode.KeyUsageNoDigitalSignature, r.Code);
    }

    [Fact]
    public void StrictModeGovernsStructureChecks()
    {
        // keyCertSign without cA claims authority: a strict rule (a missing AKI, a CA's duty, is an issuance warning since issue 25).
        var root = TestPki.Root();
        var signer = TestPki.Leaf(root, spec: new CertSpec { KeyUsage = System.Security.Cryptography.X509Certificates.X509KeyUsageFlags.DigitalSignature | System.Security.Cryptography.X509Certificates.X509KeyUsageFlags.KeyCertSign });
        var rfc = new VerificationOptions { Profile = VerificationProfile.Rfc5280 };
        Assert.Equal(VerifyCode.KuKeyCertSignInvalidForNonCa, TestPki.Verifier(root, rfc).Verify(signer.Cert, null, Example).Code);
        var lax = rfc with { Flags = VerifyFlags.PartialChain | VerifyFlags.TrustedFirst };
        Assert.True(TestPki.Verifier(root, lax).Verify(signer.Cert, null, Example).IsValid);
    }

    [Fact]
    public void CertificatePoliciesFollowTheInitialPolicySet()
    {
        var root = TestPki.Root();
        var ica = TestPki.Ca(root, "CN=Policy ICA", spec: new CertSpec { Extra = [TestPki.Policies("1.2.3.4")] });
        var leaf = TestPki.Leaf(ica, spec: new CertSpec { Extra = [TestPki.Policies("1.2.3.4")] });
        var explicitPolicy = new PolicyInputs { RequireExplicitPolicy = true, InitialPolicySet = new HashSet<string> { "1.2.3.4" } };
        Assert.True(TestPki.Verifier(root, new VerificationOptions { Policy = explicitPolicy }).Verify(leaf.Cert, [ica.Cert], Example).IsValid);
        var other = explicitPolicy with { InitialPolicySet = new HashSet<string> { "1.2.3.5" } };
        Assert.Equal(VerifyCode.NoExplicitPolicy, TestPki.Verifier(root, new VerificationOptions { Policy = other }).Verify(leaf.Cert, [ica.Cert], Example).Code);
        var noPolicyLeaf = TestPki.Leaf(ica);
        Assert.Equal(VerifyCode.NoExplicitPolicy, TestPki.Verifier(root, new VerificationOptions { Policy = explicitPolicy }).Verify(noPolicyLeaf.Cert, [ica.Cert], Example).Code);
    }

    [Fact]
    public void CrlRevocationIsChecked()
    {
        var root = TestPki.Root();
        var leaf = TestPki.Leaf(root);
        var other = TestPki.Leaf(root);
        var ski = root.X509.Extensions.OfType<X509SubjectKeyIdentifierExtension>().Single();
        var builder = new CertificateRevocationListBuilder();
        builder.AddEntry(leaf.X509, TestPki.Now.AddDays(-1), X509RevocationReason.KeyCompromise);
        var crlDer = builder.Build(root.X509.SubjectName, root.Generator, 1, TestPki.Now.AddDays(7), HashAlgorithmName.SHA256,
            X509AuthorityKeyIdentifierExtension.CreateFromSubjectKeyIdentifier(ski), TestPki.Now.AddDays(-2));
        var crl = CertificateRevocationList.Parse(crlDer);
        Assert.NotNull(crl.Find(leaf.Cert.Issuer, leaf.Cert.SerialNumber.Span));
        var options = new VerificationOptions { Flags = VerifyFlags.Default | VerifyFlags.CrlCheckLeaf, Crls = [crl] };
        var r = TestPki.Verifier(root, options).Verify(leaf.Cert, null, Example);
        Assert.Equal(VerifyCode.CertRevoked, r.Code);
        Assert.Contains("KeyCompromise", r.Message, StringComparison.Ordinal);
        Assert.True(TestPki.Verifier(root, options).Verify(other.Cert, null, Example).IsValid);
        Assert.Equal(VerifyCode.UnableToGetCrl, TestPki.Verifier(root, options with { Crls = [] }).Verify(other.Cert, null, Example).Code);
        Assert.Equal(VerifyCode.CrlHasExpired, TestPki.Verifier(root, options with { ValidationTime = TestPki.Now.AddDays(8) }).Verify(other.Cert, null, Example).Code);
    }

    [Fact]
    public void VerifierIsThreadSafeAndDeterministic()
    {
        var root = TestPki.Root();
        var ica = TestPki.Ca(root, "CN=ICA");
        var good = TestPki.Leaf(ica);
        var expired = TestPki.Leaf(ica, spec: new CertSpec { NotAfter = TestPki.Now.AddDays(-1), NotBefore = TestPki.Now.AddDays(-9) });
        var v = TestPki.Verifier(root);
        var codes = new System.Collections.Concurrent.ConcurrentBag<(bool, VerifyCode)>();
        Parallel.For(0, 200, i =>
        {
            var leaf = i % 2 == 0 ? good : expired;
            codes.Add((i % 2 == 0, v.Verify(leaf.Cert, [ica.Cert], Example).Code));
        });
        Assert.All(codes, c => Assert.Equal(c.Item1 ? VerifyCode.Ok : VerifyCode.CertHasExpired, c.Item2));
    }
}
