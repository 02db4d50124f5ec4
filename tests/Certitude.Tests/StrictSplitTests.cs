using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Xunit;

namespace Certitude.Tests;

/// <summary>
/// Issue 25 (RFC 5280's own split: a CA's duties are issuance warnings, a relying party's checks are errors; anchors
/// are a name and a key; v1 end-entity certificates) and issue 26 items 6-9 (anchor extKeyUsage and policy
/// constraints, TLS keyUsage, serial numbers, the encodings RFC 5280 forbids).
/// </summary>
public sealed class StrictSplitTests
{
    private static readonly PeerIdentity Example = PeerIdentity.Dns("example.com");

    private static VerificationResult Verify(Issued root, Issued leaf, Issued[]? chain = null, VerifyFlags flags = VerifyFlags.Default,
        VerificationProfile? profile = null, CertificatePurpose purpose = CertificatePurpose.ServerAuthentication, PeerIdentity? peer = null)
        => TestPki.Verifier(root, new VerificationOptions { Flags = flags, Profile = profile ?? VerificationProfile.WebPki, Purpose = purpose })
            .Verify(leaf.Cert, (chain ?? []).Select(c => c.Cert).ToList(), peer ?? Example);

    private static readonly VerifyFlags Issuance = VerifyFlags.Default | VerifyFlags.CabfIssuance;

    /// <summary>The TBS of a certificate with some fields replaced, signed again by <paramref name="signer"/>.</summary>
    private static Issued Rewrite(Issued cert, Issued signer, byte[]? serial = null, byte[]? validity = null, byte[]? subject = null)
    {
        var outer = new AsnReader(cert.X509.RawData, AsnEncodingRules.DER).ReadSequence();
        var tbs = outer.ReadSequence();
        var sigAlg = outer.ReadEncodedValue().ToArray();
        var w = new AsnWriter(AsnEncodingRules.DER);
        using (w.PushSequence())
        {
            w.WriteEncodedValue(tbs.ReadEncodedValue().Span); // [0] version
            var oldSerial = tbs.ReadEncodedValue();
            if (serial is null)
            {
                w.WriteEncodedValue(oldSerial.Span);
            }
            else
            {
                w.WriteIntegerUnsigned(serial); // adds the 0x00 a value with its top bit set needs
            }
            w.WriteEncodedValue(tbs.ReadEncodedValue().Span); // signature
            w.WriteEncodedValue(tbs.ReadEncodedValue().Span); // issuer
            var oldValidity = tbs.ReadEncodedValue();
            w.WriteEncodedValue(validity ?? oldValidity.Span);
            var oldSubject = tbs.ReadEncodedValue();
            w.WriteEncodedValue(subject ?? oldSubject.Span);
            while (tbs.HasData)
            {
                w.WriteEncodedValue(tbs.ReadEncodedValue().Span);
            }
        }
        return new Issued(Reshape.Sign(w.Encode(), sigAlg, signer.Key), cert.Key);
    }

    private static byte[] SignedSerial(byte[] contentOctets)
    {
        var w = new AsnWriter(AsnEncodingRules.DER);
        w.WriteInteger(contentOctets);
        return w.Encode();
    }

    // ------------------------------------------------------------------ issue 25: the moved rules

    public static TheoryData<string, VerifyCode> PrivatePkiCases() => new()
    {
        { "proxy-leaf-without-aki", VerifyCode.MissingAuthorityKeyIdentifier },
        { "root-without-ski", VerifyCode.MissingSubjectKeyIdentifier },
        { "ca-basic-constraints-not-critical", VerifyCode.CaBasicConstraintsNotCritical },
        { "intermediate-without-keyusage", VerifyCode.CaCertMissingKeyUsage },
    };

    /// <summary>The four shapes Python 3.13's VERIFY_X509_STRICT default broke in 2025: valid by default with the rule
    /// as a warning, rejected with the issuance tier. (Before issue 25 each was an error by default: 85, 86, 89, 92.)</summary>
    [Theory]
    [MemberData(nameof(PrivatePkiCases))]
    public void CaDutiesAreWarningsByDefaultAndErrorsWithTheIssuanceTier(string shape, VerifyCode code)
    {
        var (root, chain, leaf) = PrivatePkiShapes.Build(shape, TestPki.Now.AddDays(-1));
        var localhost = PeerIdentity.Dns("localhost");
        var byDefault = Verify(root, leaf, chain, peer: localhost);
        Assert.True(byDefault.IsValid, byDefault.Explain());
        Assert.Contains(byDefault.Warnings, w => w.Code == code);
        var strictIssuance = Verify(root, leaf, chain, Issuance, peer: localhost);
        Assert.Equal(code, strictIssuance.Code);
        // Also under the RFC 5280 profile.
        Assert.True(Verify(root, leaf, chain, profile: VerificationProfile.Rfc5280, peer: localhost).IsValid);
        Assert.Equal(code, Verify(root, leaf, chain, Issuance, VerificationProfile.Rfc5280, peer: localhost).Code);
    }

    [Fact]
    public void ANonSelfSignedAnchorWithoutAkiIsANameAndAKeyInBothProfiles()
    {
        var root = TestPki.Root();
        var ica = TestPki.Ca(root, "CN=Anchor ICA", spec: new CertSpec { Aki = false });
        var leaf = TestPki.Leaf(ica);
        var verifier = (VerifyFlags flags) => new Verifier(TrustStore.FromCertificates([ica.Cert]),
            new VerificationOptions { Flags = flags, Profile = VerificationProfile.Rfc5280, ValidationTime = TestPki.Now });
        var r = verifier(VerifyFlags.Default).Verify(leaf.Cert, null, Example);
        Assert.True(r.IsValid, r.Explain());
        Assert.Contains(r.Warnings, w => w.RuleId == "anchor-aki-present");
        Assert.Equal(VerifyCode.MissingAuthorityKeyIdentifier, verifier(Issuance).Verify(leaf.Cert, null, Example).Code);
    }

    [Fact]
    public void AV1LeafIsLegalAndExtensionRulesDoNotFireOnIt()
    {
        var root = TestPki.Root();
        var v3 = TestPki.Leaf(root, spec: new CertSpec { Ekus = null, Aki = false, Ski = false, KeyUsage = X509KeyUsageFlags.None });
        var v1 = Reshape.As(v3, root, 1, keepExtensions: false);
        Assert.Equal(1, v1.Cert.Version);
        // No SAN, so name it by purpose Any and no peer: the question is the structure. Before issue 25, strict gave 85 ("AKI missing").
        var r = TestPki.Verifier(root, new VerificationOptions { Purpose = CertificatePurpose.Any, Profile = VerificationProfile.Rfc5280 }).Verify(v1.Cert, null);
        Assert.True(r.IsValid, r.Explain());
        Assert.DoesNotContain(r.Warnings, w => w.RuleId == "aki-present");
        var withIssuance = TestPki.Verifier(root, new VerificationOptions { Purpose = CertificatePurpose.Any, Profile = VerificationProfile.Rfc5280, Flags = Issuance }).Verify(v1.Cert, null);
        Assert.True(withIssuance.IsValid, withIssuance.Explain());
        // A v1 intermediate stays rejected (RFC 5280 6.1.4 (k)).
        var ica = Reshape.As(TestPki.Ca(root, "CN=v1 ICA"), root, 1, keepExtensions: false);
        var below = TestPki.Leaf(ica);
        Assert.Equal(VerifyCode.CaNotVersion3, Verify(root, below, [ica]).Code);
    }

    [Fact]
    public void AV1RootAnchorsByDefault()
    {
        var v3 = TestPki.Root("CN=v1 Root", new CertSpec { Ski = false, KeyUsage = X509KeyUsageFlags.None, BasicConstraints = false });
        var v1 = Reshape.As(v3, v3, 1, keepExtensions: false);
        var leaf = TestPki.Leaf(v1, spec: new CertSpec { Aki = false });
        var r = Verify(v1, leaf);
        Assert.True(r.IsValid, r.Explain());
        // The web-PKI issuance rule v3-only reports the v1 root as a warning; the RFC 5280 profile asks only the leaf's AKI.
        Assert.Contains(r.Warnings, w => w.RuleId == "v3-only" && w.CertificateIndex == 1);
        Assert.Contains(r.Warnings, w => w.RuleId == "aki-present" && w.CertificateIndex == 0);
        Assert.Equal(VerifyCode.MissingAuthorityKeyIdentifier, Verify(v1, leaf, flags: Issuance, profile: VerificationProfile.Rfc5280).Code);
    }

    /// <summary>No rule that is an error by default fires on a root of Mozilla's program in the anchor role, in either
    /// profile (Certum Trusted Network CA 2 writes its notBefore as GeneralizedTime; anchors are a name and a key).</summary>
    [Fact]
    public void EveryMozillaRootAnchorsWithoutStructuralErrors()
    {
        foreach (var profile in new[] { VerificationProfile.WebPki, VerificationProfile.Rfc5280 })
        {
            var options = new VerificationOptions { Profile = profile };
            foreach (var root in TrustStore.Mozilla().Certificates)
            {
                var errors = Certitude.Validation.PathValidator.StructuralChecks(root, CertRole.Anchor, options, () => root.IsSelfIssued)
                    .Where(f => !f.IsIssuance).ToList();
                Assert.True(errors.Count == 0, $"{profile}: {root.Subject}: {string.Join("; ", errors.Select(f => f.Message))}");
            }
        }
    }

    // ------------------------------------------------------------------ issue 26 item 7: anchor extKeyUsage

    [Fact]
    public void AnAnchorsExtendedKeyUsageRestrictsTheChainsItAnchors()
    {
        var codeSigningRoot = TestPki.Root("CN=Code Signing Root", new CertSpec { Ca = true, Ekus = [KeyPurposes.CodeSigning] });
        var leaf = TestPki.Leaf(codeSigningRoot);
        var r = Verify(codeSigningRoot, leaf);
        Assert.Equal(VerifyCode.InvalidPurpose, r.Code);
        Assert.Equal(1, r.FailingCertificateIndex);
        Assert.Contains("trust anchor extKeyUsage does not allow serverAuth", r.Message, StringComparison.Ordinal);
        // IgnoreAnchorConstraints makes the anchor a bare name and key.
        Assert.True(Verify(codeSigningRoot, leaf, flags: VerifyFlags.Default | VerifyFlags.IgnoreAnchorConstraints).IsValid);

        // A serverAuth-only root anchors no client chain; anyExtendedKeyUsage restricts nothing.
        var serverRoot = TestPki.Root("CN=Server Root", new CertSpec { Ca = true, Ekus = [KeyPurposes.ServerAuth] });
        var client = TestPki.Leaf(serverRoot, spec: new CertSpec { Ekus = [KeyPurposes.ClientAuth] });
        Assert.Equal(VerifyCode.InvalidPurpose, Verify(serverRoot, client, purpose: CertificatePurpose.ClientAuthentication).Code);
        Assert.True(Verify(serverRoot, TestPki.Leaf(serverRoot)).IsValid);
        var anyRoot = TestPki.Root("CN=Any Root", new CertSpec { Ca = true, Ekus = [KeyPurposes.Any] });
        Assert.True(Verify(anyRoot, TestPki.Leaf(anyRoot, spec: new CertSpec { Ekus = [KeyPurposes.ClientAuth] }), purpose: CertificatePurpose.ClientAuthentication).IsValid);
    }

    [Fact]
    public void AnAnchorsPolicyConstraintsActAsInitialInputs()
    {
        // requireExplicitPolicy 0 in the root: every certificate below must carry an acceptable policy (RFC 5937 3).
        var pc = new AsnWriter(AsnEncodingRules.DER);
        using (pc.PushSequence())
        {
            pc.WriteInteger(0, new Asn1Tag(TagClass.ContextSpecific, 0));
        }
        var root = TestPki.Root("CN=Policy Root", new CertSpec { Extra = [new X509Extension("2.5.29.36", pc.Encode(), true)] });
        var bare = TestPki.Leaf(root);
        var options = new VerificationOptions { Profile = VerificationProfile.Rfc5280 };
        Assert.Equal(VerifyCode.NoExplicitPolicy, TestPki.Verifier(root, options).Verify(bare.Cert, null, Example).Code);
        Assert.True(TestPki.Verifier(root, options with { Flags = VerifyFlags.Default | VerifyFlags.IgnoreAnchorConstraints }).Verify(bare.Cert, null, Example).IsValid);
        var withPolicy = TestPki.Leaf(root, spec: new CertSpec { Extra = [TestPki.Policies("2.23.140.1.2.1")] });
        Assert.True(TestPki.Verifier(root, options).Verify(withPolicy.Cert, null, Example).IsValid);
    }

    // ------------------------------------------------------------------ issue 26 item 8: TLS keyUsage

    [Theory]
    [InlineData(CertificatePurpose.ServerAuthentication, KeyPurposes.ServerAuth)]
    [InlineData(CertificatePurpose.ClientAuthentication, KeyPurposes.ClientAuth)]
    public void ATlsLeafWhoseKeyUsageForbidsSigningIsRefused(CertificatePurpose purpose, string eku)
    {
        var root = TestPki.Root();
        var leaf = TestPki.Leaf(root, spec: new CertSpec { KeyUsage = X509KeyUsageFlags.NonRepudiation, Ekus = [eku] });
        var r = Verify(root, leaf, purpose: purpose);
        Assert.Equal(VerifyCode.KeyUsageNoDigitalSignature, r.Code);
        Assert.Contains("RFC 8446 4.4.2.2", r.Explain(), StringComparison.Ordinal);
        // Outside TLS (no purpose) the same leaf is fine, and so is a TLS leaf with digitalSignature or without keyUsage.
        Assert.True(Verify(root, leaf, purpose: CertificatePurpose.Any, profile: VerificationProfile.Rfc5280).IsValid);
        Assert.True(Verify(root, TestPki.Leaf(root, spec: new CertSpec { KeyUsage = X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.NonRepudiation, Ekus = [eku] }), purpose: purpose).IsValid);
        Assert.True(Verify(root, TestPki.Leaf(root, spec: new CertSpec { KeyUsage = X509KeyUsageFlags.None, Ekus = [eku] }), purpose: purpose).IsValid);
    }

    // ------------------------------------------------------------------ issue 26 item 9: serial numbers

    [Fact]
    public void ATwentyOctetSerialWithItsTopBitSetVerifiesInStrictMode()
    {
        var root = TestPki.Root();
        var twenty = Enumerable.Repeat((byte)0xA5, 20).ToArray(); // top bit set: DER needs 21 content octets
        var leaf = Rewrite(TestPki.Leaf(root), root, serial: twenty);
        Assert.Equal(21, leaf.Cert.SerialNumber.Length);
        var r = Verify(root, leaf);
        Assert.True(r.IsValid, r.Explain());
        // 21 value octets are too many, whatever their top bit.
        var tooLong = Rewrite(TestPki.Leaf(root), root, serial: Enumerable.Repeat((byte)0x15, 21).ToArray());
        Assert.Equal(VerifyCode.ProfileViolation, Verify(root, tooLong).Code);
        Assert.True(Verify(root, tooLong, flags: VerifyFlags.PartialChain).IsValid);
    }

    [Theory]
    [InlineData(new byte[] { 0x00 }, "serial number is zero")]
    [InlineData(new byte[] { 0xFF, 0x01 }, "serial number is negative")]
    public void ZeroAndNegativeSerialsAreTheCasErrorsAWarning(byte[] content, string message)
    {
        var root = TestPki.Root();
        var leaf = RewriteSerial(TestPki.Leaf(root), root, content);
        var r = Verify(root, leaf);
        Assert.True(r.IsValid, r.Explain());
        Assert.Contains(r.Warnings, w => w.RuleId == "serial-number-positive" && w.Message.Contains(message, StringComparison.Ordinal));
        Assert.Equal(VerifyCode.ProfileViolation, Verify(root, leaf, flags: Issuance).Code);
    }

    private static Issued RewriteSerial(Issued cert, Issued signer, byte[] content)
    {
        // A zero or negative serial is written from its content octets.
        var der = cert.X509.RawData;
        var outer = new AsnReader(der, AsnEncodingRules.DER).ReadSequence();
        var tbs = outer.ReadSequence();
        var sigAlg = outer.ReadEncodedValue().ToArray();
        var w = new AsnWriter(AsnEncodingRules.DER);
        using (w.PushSequence())
        {
            w.WriteEncodedValue(tbs.ReadEncodedValue().Span);
            tbs.ReadEncodedValue();
            w.WriteEncodedValue(SignedSerial(content));
            while (tbs.HasData)
            {
                w.WriteEncodedValue(tbs.ReadEncodedValue().Span);
            }
        }
        return new Issued(Reshape.Sign(w.Encode(), sigAlg, signer.Key), cert.Key);
    }

    // ------------------------------------------------------------------ issue 26 item 6: encodings

    [Fact]
    public void AKeyUsageWithTrailingZeroBitsIsNotDerAndRefusedUnderStrict()
    {
        var root = TestPki.Root();
        // 03 03 00 80 00: digitalSignature, then a zero octet DER would have dropped.
        var leaf = TestPki.Leaf(root, spec: new CertSpec { KeyUsage = X509KeyUsageFlags.None, Extra = [new X509Extension("2.5.29.15", new byte[] { 0x03, 0x03, 0x00, 0x80, 0x00 }, true)] });
        Assert.Equal(KeyUsageFlags.DigitalSignature, leaf.Cert.KeyUsage);
        var r = Verify(root, leaf);
        Assert.Equal(VerifyCode.InvalidExtension, r.Code);
        Assert.Contains("keyUsage BIT STRING keeps trailing zero bits", r.Message, StringComparison.Ordinal);
        Assert.True(Verify(root, leaf, flags: VerifyFlags.PartialChain).IsValid);
        // The DER form of the same usage (03 02 07 80) is fine.
        var der = TestPki.Leaf(root, spec: new CertSpec { KeyUsage = X509KeyUsageFlags.None, Extra = [new X509Extension("2.5.29.15", new byte[] { 0x03, 0x02, 0x07, 0x80 }, true)] });
        Assert.True(Verify(root, der).IsValid);
    }

    [Fact]
    public void AValidityDateBefore2050MustBeUtcTimeUnderStrict()
    {
        var root = TestPki.Root();
        var w = new AsnWriter(AsnEncodingRules.DER);
        using (w.PushSequence())
        {
            w.WriteGeneralizedTime(TestPki.Now.AddDays(-30), omitFractionalSeconds: true);
            w.WriteUtcTime(TestPki.Now.AddDays(30));
        }
        var leaf = Rewrite(TestPki.Leaf(root), root, validity: w.Encode());
        var r = Verify(root, leaf);
        Assert.Equal(VerifyCode.ErrorInCertNotBeforeField, r.Code);
        Assert.Contains("notBefore before 2050 is GeneralizedTime", r.Message, StringComparison.Ordinal);
        Assert.True(Verify(root, leaf, flags: VerifyFlags.PartialChain).IsValid);
        // From 2050 GeneralizedTime is the only form.
        var late = new AsnWriter(AsnEncodingRules.DER);
        using (late.PushSequence())
        {
            late.WriteUtcTime(TestPki.Now.AddDays(-30));
            late.WriteGeneralizedTime(new DateTimeOffset(2051, 1, 1, 0, 0, 0, TimeSpan.Zero), omitFractionalSeconds: true);
        }
        var longLived = Rewrite(TestPki.Leaf(root), root, validity: late.Encode());
        Assert.True(Verify(root, longLived).IsValid, Verify(root, longLived).Explain());
    }

    [Fact]
    public void APrintableStringOutsideItsAlphabetIsRefusedUnderStrict()
    {
        var root = TestPki.Root();
        var name = new AsnWriter(AsnEncodingRules.DER);
        using (name.PushSequence())
        using (name.PushSetOf())
        using (name.PushSequence())
        {
            name.WriteObjectIdentifier("2.5.4.10"); // organizationName
            name.WriteEncodedValue(new byte[] { 0x13, 0x09, (byte)'a', (byte)'c', (byte)'m', (byte)'e', (byte)'@', (byte)'c', (byte)'o', (byte)'r', (byte)'p' });
        }
        var leaf = Rewrite(TestPki.Leaf(root), root, subject: name.Encode());
        var r = Verify(root, leaf);
        Assert.Equal(VerifyCode.MalformedCertificate, r.Code);
        Assert.Contains("PrintableString holding '@'", r.Message, StringComparison.Ordinal);
        Assert.True(Verify(root, leaf, flags: VerifyFlags.PartialChain).IsValid);
    }
}

/// <summary>The private-PKI shapes Python 3.13's strict default broke (issue 25), built with the test PKI.</summary>
internal static class PrivatePkiShapes
{
    public static (Issued Root, Issued[] Chain, Issued Leaf) Build(string shape, DateTimeOffset notBefore)
    {
        var spec = new CertSpec { NotBefore = notBefore, NotAfter = notBefore.AddDays(60) };
        switch (shape)
        {
            case "proxy-leaf-without-aki":
            {
                var root = TestPki.Root("CN=Inspection Proxy Root", spec);
                return (root, [], TestPki.Leaf(root, ["localhost"], spec with { Aki = false }));
            }
            case "root-without-ski":
            {
                var root = TestPki.Root("CN=Root Without SKI", spec with { Ski = false });
                return (root, [], TestPki.Leaf(root, ["localhost"], spec));
            }
            case "ca-basic-constraints-not-critical":
            {
                var root = TestPki.Root("CN=Old Private Root", spec with { BasicConstraints = false, Extra = [new X509BasicConstraintsExtension(true, false, 0, false)] });
                return (root, [], TestPki.Leaf(root, ["localhost"], spec));
            }
            case "intermediate-without-keyusage":
            {
                var root = TestPki.Root("CN=Private Root", spec);
                var ica = TestPki.Ca(root, "CN=Intermediate Without KeyUsage", spec: spec with { KeyUsage = X509KeyUsageFlags.None });
                return (root, [ica], TestPki.Leaf(ica, ["localhost"], spec));
            }
            default:
                throw new ArgumentException(shape);
        }
    }
}
