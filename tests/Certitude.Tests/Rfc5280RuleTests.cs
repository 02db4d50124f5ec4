using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Xunit;

namespace Certitude.Tests;

/// <summary>Rewrites a certificate made by <see cref="TestPki"/> into shapes .NET's builder will not make
/// (version 1 or 2, unique identifiers), and signs it again with the issuer's key.</summary>
internal static class Reshape
{
    public static Issued As(Issued cert, Issued signer, int version, bool keepExtensions, bool uniqueIds = false)
    {
        var outer = new AsnReader(cert.X509.RawData, AsnEncodingRules.DER).ReadSequence();
        var tbs = outer.ReadSequence();
        var sigAlg = outer.ReadEncodedValue().ToArray();
        var ctx0 = new Asn1Tag(TagClass.ContextSpecific, 0, true);
        if (tbs.PeekTag().HasSameClassAndValue(ctx0))
        {
            tbs.ReadSequence(ctx0);
        }
        var w = new AsnWriter(AsnEncodingRules.DER);
        using (w.PushSequence())
        {
            if (version > 1)
            {
                using (w.PushSequence(ctx0))
                {
                    w.WriteInteger(version - 1);
                }
            }
            for (int i = 0; i < 6; i++) // serial, signature, issuer, validity, subject, subjectPublicKeyInfo
            {
                w.WriteEncodedValue(tbs.ReadEncodedValue().Span);
            }
            if (uniqueIds)
            {
                w.WriteBitString([0x01, 0x02], 0, new Asn1Tag(TagClass.ContextSpecific, 1));
                w.WriteBitString([0x03, 0x04], 0, new Asn1Tag(TagClass.ContextSpecific, 2));
            }
            if (keepExtensions && tbs.HasData)
            {
                w.WriteEncodedValue(tbs.ReadEncodedValue().Span);
            }
        }
        return new Issued(Sign(w.Encode(), sigAlg, signer.Key), cert.Key);
    }

    /// <summary>A certificate from a TBS, signed with ECDSA or RSA PKCS#1 v1.5 and SHA-256.</summary>
    public static X509Certificate2 Sign(byte[] tbs, byte[] sigAlg, AsymmetricAlgorithm key)
    {
        byte[] sig = key switch
        {
            ECDsa ec => ec.SignData(tbs, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence),
            RSA rsa => rsa.SignData(tbs, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1),
            _ => throw new NotSupportedException(),
        };
        var w = new AsnWriter(AsnEncodingRules.DER);
        using (w.PushSequence())
        {
            w.WriteEncodedValue(tbs);
            w.WriteEncodedValue(sigAlg);
            w.WriteBitString(sig);
        }
        return X509CertificateLoader.LoadCertificate(w.Encode());
    }
}

/// <summary>RFC 5280 rules that hold in every profile, strict or not (issue 13).</summary>
public sealed class Rfc5280RuleTests
{
    private static readonly PeerIdentity Example = PeerIdentity.Dns("example.com");

    private static VerificationOptions Rfc(bool strict) => new()
    {
        Profile = VerificationProfile.Rfc5280,
        Flags = strict ? VerifyFlags.Default : VerifyFlags.Default & ~VerifyFlags.X509Strict,
        Purpose = CertificatePurpose.Any,
    };

    public static TheoryData<int, bool, string> VersionCases()
    {
        var d = new TheoryData<int, bool, string>();
        foreach (var v in new[] { 1, 2 })
        {
            foreach (var strict in new[] { false, true })
            {
                foreach (var profile in new[] { "rfc5280", "webpki" })
                {
                    d.Add(v, strict, profile);
                }
            }
        }
        return d;
    }

    [Theory]
    [MemberData(nameof(VersionCases))]
    public void AVersion1Or2CertificateIsNeverAnIntermediateCa(int version, bool strict, string profile)
    {
        // RFC 5280 6.1.4 (k): a v1 or v2 certificate is a CA only by out-of-band means, which a verifier
        // has for its trust anchors alone. Any v1 end-entity certificate could otherwise issue certificates.
        var root = TestPki.Root();
        var ee = TestPki.Leaf(root, spec: new CertSpec { Subject = "CN=Old EE" });
        var old = Reshape.As(ee, root, version, keepExtensions: false);
        var leaf = TestPki.Leaf(old);
        var options = (profile == "rfc5280" ? Rfc(strict) : new VerificationOptions { Flags = Rfc(strict).Flags });
        var r = TestPki.Verifier(root, options).Verify(leaf.Cert, [old.Cert], Example);
        Assert.False(r.IsValid);
        Assert.Contains(r.Diagnostics, d => d.Code == VerifyCode.CaNotVersion3 && d.CertificateIndex == 1);
        Assert.Equal(1, r.FailingCertificateIndex);
    }

    [Fact]
    public void AVersion1TrustAnchorIssuesWhenStrictIsOff()
    {
        // RFC 5280 6.1.1 (d): a trust anchor is a name and a key; its version does not matter.
        var root = TestPki.Root();
        var v1Root = Reshape.As(root, root, 1, keepExtensions: false);
        var leaf = TestPki.Leaf(v1Root);
        var r = TestPki.Verifier(v1Root, Rfc(strict: false)).Verify(leaf.Cert, null, Example);
        Assert.True(r.IsValid, r.Explain());
        Assert.Equal(1, v1Root.Cert.Version);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void ExtensionsOnlyInVersion3(bool strict)
    {
        // RFC 5280 4.1.2.9: "This field MUST only appear if the version is 3".
        var root = TestPki.Root();
        var leaf = TestPki.Leaf(root);
        var v2 = Reshape.As(leaf, root, 2, keepExtensions: true);
        var r = TestPki.Verifier(root, Rfc(strict)).Verify(v2.Cert, null, Example);
        Assert.Equal(VerifyCode.ExtensionsRequireVersion3, r.Code);
        Assert.True(TestPki.Verifier(root, Rfc(strict)).Verify(leaf.Cert, null, Example).IsValid);
    }

    [Theory]
    [InlineData(1, false)]
    [InlineData(1, true)]
    [InlineData(2, false)]
    [InlineData(3, false)]
    public void UniqueIdentifiersOnlyInVersion2Or3(int version, bool strict)
    {
        // RFC 5280 4.1.2.8: issuerUniqueID and subjectUniqueID "MUST only appear if the version is 2 or 3".
        var root = TestPki.Root();
        var leaf = TestPki.Leaf(root);
        var shaped = Reshape.As(leaf, root, version, keepExtensions: version == 3, uniqueIds: true);
        var r = TestPki.Verifier(root, Rfc(strict)).Verify(shaped.Cert, null, (PeerIdentity?)null);
        if (version == 1)
        {
            Assert.Equal(VerifyCode.UniqueIdentifierRequiresVersion2, r.Code);
        }
        else
        {
            Assert.True(r.IsValid, r.Explain());
        }
    }

    /// <summary>certificatePolicies with one policy and one qualifier, written as given.</summary>
    private static X509Extension PolicyWithQualifier(string qualifierId, Action<AsnWriter> qualifier, bool critical)
    {
        var w = new AsnWriter(AsnEncodingRules.DER);
        using (w.PushSequence())
        using (w.PushSequence())
        {
            w.WriteObjectIdentifier("1.3.6.1.4.1.99999.1");
            using (w.PushSequence())
            using (w.PushSequence())
            {
                w.WriteObjectIdentifier(qualifierId);
                qualifier(w);
            }
        }
        return new X509Extension("2.5.29.32", w.Encode(), critical);
    }

    public static TheoryData<string, bool, bool> QualifierCases() => new()
    {
        // qualifier, critical, valid
        { "cps", true, true },
        { "notice", true, true },
        { "notice-ref", true, true },
        { "unknown", false, true },
        { "unknown", true, false },
        { "cps-not-ia5", true, false },
        { "notice-not-sequence", true, false },
        { "cps-not-ia5", false, false },
        { "notice-not-sequence", false, false },
    };

    [Theory]
    [MemberData(nameof(QualifierCases))]
    public void ACriticalPolicyQualifierMustBeInterpretable(string kind, bool critical, bool valid)
    {
        // RFC 5280 4.2.1.4: a critical certificatePolicies must be interpreted "(including the optional
        // qualifier)", or the certificate rejected; Certitude reads the two qualifiers RFC 5280 defines.
        var ext = kind switch
        {
            "cps" => PolicyWithQualifier("1.3.6.1.5.5.7.2.1", w => w.WriteCharacterString(UniversalTagNumber.IA5String, "http://cps.example/"), critical),
            "notice" => PolicyWithQualifier("1.3.6.1.5.5.7.2.2", w =>
            {
                using (w.PushSequence())
                {
                    w.WriteCharacterString(UniversalTagNumber.UTF8String, "a notice");
                }
            }, critical),
            "notice-ref" => PolicyWithQualifier("1.3.6.1.5.5.7.2.2", w =>
            {
                using (w.PushSequence())
                {
                    using (w.PushSequence())
                    {
                        w.WriteCharacterString(UniversalTagNumber.VisibleString, "Example Org");
                        using (w.PushSequence())
                        {
                            w.WriteInteger(1);
                        }
                    }
                    w.WriteCharacterString(UniversalTagNumber.BMPString, "notice");
                }
            }, critical),
            "unknown" => PolicyWithQualifier("1.3.6.1.4.1.99999.7", w => w.WriteCharacterString(UniversalTagNumber.UTF8String, "?"), critical),
            "cps-not-ia5" => PolicyWithQualifier("1.3.6.1.5.5.7.2.1", w => w.WriteInteger(5), critical),
            _ => PolicyWithQualifier("1.3.6.1.5.5.7.2.2", w => w.WriteCharacterString(UniversalTagNumber.UTF8String, "bare"), critical),
        };
        var root = TestPki.Root();
        var leaf = TestPki.Leaf(root, spec: new CertSpec { Extra = [ext] });
        foreach (var strict in new[] { false, true })
        {
            var r = TestPki.Verifier(root, Rfc(strict)).Verify(leaf.Cert, null, Example);
            if (valid)
            {
                Assert.True(r.IsValid, r.Explain());
            }
            else
            {
                // A CPS or user notice that breaks its syntax is a malformed extension (also when not critical);
                // an unknown qualifier in a critical extension is one Certitude cannot interpret.
                Assert.Equal(kind == "unknown" ? VerifyCode.UnhandledCriticalExtension : VerifyCode.InvalidPolicyExtension, r.Code);
                Assert.Contains("qualifier", r.Message);
            }
        }
    }

    private static X509Extension Mappings(params (string From, string To)[] maps)
    {
        var w = new AsnWriter(AsnEncodingRules.DER);
        using (w.PushSequence())
        {
            foreach (var (from, to) in maps)
            {
                using (w.PushSequence())
                {
                    w.WriteObjectIdentifier(from);
                    w.WriteObjectIdentifier(to);
                }
            }
        }
        return new X509Extension("2.5.29.33", w.Encode(), true);
    }

    [Theory]
    [InlineData("2.5.29.32.0", "1.3.6.1.4.1.99999.1", 0)]
    [InlineData("1.3.6.1.4.1.99999.1", "2.5.29.32.0", 0)]
    [InlineData("2.5.29.32.0", "1.3.6.1.4.1.99999.1", 1)]
    [InlineData("1.3.6.1.4.1.99999.1", "2.5.29.32.0", 1)]
    public void PolicyMappingsNeverMapAnyPolicy(string from, string to, int at)
    {
        // RFC 5280 4.2.1.5: "Policies MUST NOT be mapped either to or from the special value anyPolicy"
        // (6.1.4 (a) for an intermediate), wherever the extension appears.
        var root = TestPki.Root();
        var ica = TestPki.Ca(root, "CN=Mapping ICA", spec: new CertSpec { Extra = at == 1 ? [Mappings((from, to))] : [] });
        var leaf = TestPki.Leaf(ica, spec: new CertSpec { Extra = at == 0 ? [Mappings((from, to))] : [] });
        var fine = TestPki.Leaf(ica);
        foreach (var strict in new[] { false, true })
        {
            var r = TestPki.Verifier(root, Rfc(strict)).Verify(leaf.Cert, [ica.Cert], Example);
            Assert.Equal(VerifyCode.InvalidPolicyExtension, r.Code);
            Assert.Equal(at, r.FailingCertificateIndex);
            Assert.Equal(at == 0, TestPki.Verifier(root, Rfc(strict)).Verify(fine.Cert, [ica.Cert], Example).IsValid);
        }
    }

    /// <summary>One GeneralSubtree: a dNSName (2), rfc822Name (1) or URI (6) string, or iPAddress (7) octets.</summary>
    internal sealed record Subtree(int Tag, object Value, int? Minimum = null, int? Maximum = null);

    internal static X509Extension Constraints(Subtree[] permitted, Subtree[] excluded)
    {
        var w = new AsnWriter(AsnEncodingRules.DER);
        using (w.PushSequence())
        {
            void Write(int tag, Subtree[] trees)
            {
                if (trees.Length == 0)
                {
                    return;
                }
                using (w.PushSequence(new Asn1Tag(TagClass.ContextSpecific, tag, true)))
                {
                    foreach (var t in trees)
                    {
                        using (w.PushSequence())
                        {
                            if (t.Value is byte[] b)
                            {
                                w.WriteOctetString(b, new Asn1Tag(TagClass.ContextSpecific, t.Tag));
                            }
                            else
                            {
                                w.WriteCharacterString(UniversalTagNumber.IA5String, (string)t.Value, new Asn1Tag(TagClass.ContextSpecific, t.Tag));
                            }
                            if (t.Minimum is int min)
                            {
                                w.WriteInteger(min, new Asn1Tag(TagClass.ContextSpecific, 0));
                            }
                            if (t.Maximum is int max)
                            {
                                w.WriteInteger(max, new Asn1Tag(TagClass.ContextSpecific, 1));
                            }
                        }
                    }
                }
            }
            Write(0, permitted);
            Write(1, excluded);
        }
        return new X509Extension("2.5.29.30", w.Encode(), true);
    }

    private static X509Extension San(Action<SubjectAlternativeNameBuilder> add)
    {
        var b = new SubjectAlternativeNameBuilder();
        add(b);
        return b.Build();
    }

    /// <summary>The verdict on a leaf (made by <paramref name="leafSpec"/>) under an intermediate carrying
    /// <paramref name="nc"/>, in the RFC 5280 profile.</summary>
    private static VerificationResult UnderConstraints(X509Extension nc, CertSpec leafSpec, bool strict = false)
    {
        var root = TestPki.Root();
        var ica = TestPki.Ca(root, "CN=Constrained ICA", spec: new CertSpec { Extra = [nc] });
        var leaf = TestPki.Issue(ica, leafSpec with { Ekus = null });
        return TestPki.Verifier(root, Rfc(strict)).Verify(leaf.Cert, [ica.Cert], (PeerIdentity?)null);
    }

    private static CertSpec WithSan(Action<SubjectAlternativeNameBuilder> add, string subject = "CN=leaf") => new() { Subject = subject, Extra = [San(add)] };

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void NameConstraintsInANonCaCertificateInvalidateThePath(bool strict)
    {
        // RFC 5280 4.2.1.10: nameConstraints "MUST be used only in a CA certificate".
        var root = TestPki.Root();
        var nc = Constraints([new Subtree(2, "example.com")], []);
        var leaf = TestPki.Leaf(root, spec: new CertSpec { Extra = [nc], Ekus = null });
        var r = TestPki.Verifier(root, Rfc(strict)).Verify(leaf.Cert, null, Example);
        Assert.Equal(VerifyCode.InvalidExtension, r.Code);
        Assert.Contains("not a CA", r.Message);
    }

    [Theory]
    [InlineData(1, null, false, VerifyCode.SubtreeMinMax)]
    [InlineData(null, 3, false, VerifyCode.SubtreeMinMax)]
    [InlineData(0, null, false, VerifyCode.Ok)]
    [InlineData(0, null, true, VerifyCode.Ok)]
    [InlineData(null, null, true, VerifyCode.Ok)]
    public void SubtreeMinimumAndMaximum(int? min, int? max, bool strict, VerifyCode expected)
    {
        // RFC 5280 4.2.1.10: "minimum MUST be zero, and maximum MUST be absent". An explicit minimum 0
        // breaks only DER's DEFAULT rule (X.690 11.5): the issuance-tier rule der-default-omitted, a warning
        // unless CabfIssuance asks (then the same certificate is refused).
        var nc = Constraints([new Subtree(2, "example.com", min, max)], []);
        var r = UnderConstraints(nc, WithSan(b => b.AddDnsName("www.example.com")), strict);
        Assert.Equal(expected, r.Code);
        if (min == 0)
        {
            Assert.Contains(r.Warnings, w => w.RuleId == "der-default-omitted" && w.CertificateIndex == 1 && w.Message.Contains("minimum 0", StringComparison.Ordinal));
            var root = TestPki.Root();
            var ica = TestPki.Ca(root, "CN=Constrained ICA", spec: new CertSpec { Extra = [nc] });
            var leaf = TestPki.Issue(ica, WithSan(b => b.AddDnsName("www.example.com")) with { Ekus = null });
            var issuance = Rfc(strict) with { Flags = Rfc(strict).Flags | VerifyFlags.CabfIssuance };
            Assert.Equal(VerifyCode.MalformedCertificate, TestPki.Verifier(root, issuance).Verify(leaf.Cert, [ica.Cert], (PeerIdentity?)null).Code);
        }
    }

    [Theory]
    [InlineData(".example.com", true, "www.example.com", VerifyCode.Ok)]
    [InlineData(".example.com", true, "a.b.example.com", VerifyCode.Ok)]
    [InlineData(".example.com", true, "example.com", VerifyCode.PermittedViolation)]
    [InlineData(".example.com", true, "badexample.com", VerifyCode.PermittedViolation)]
    [InlineData(".example.com", true, "*.example.com", VerifyCode.Ok)]
    [InlineData(".example.com", false, "example.com", VerifyCode.Ok)]
    [InlineData(".example.com", false, "www.example.com", VerifyCode.ExcludedViolation)]
    [InlineData(".example.com", false, "*.example.com", VerifyCode.ExcludedViolation)]
    [InlineData(".example.com", false, "*.com", VerifyCode.Ok)]
    [InlineData("example.com", false, "*.com", VerifyCode.ExcludedViolation)]
    [InlineData("example.com", true, "example.com", VerifyCode.Ok)]
    public void ALeadingPeriodDnsConstraintMeansSubdomainsOnly(string constraint, bool permitted, string san, VerifyCode expected)
    {
        // Outside X509Strict, ".host" is read as OpenSSL, Go, BoringSSL and rustls-webpki read it: its
        // subdomains, not host.
        var st = new Subtree(2, constraint);
        var nc = permitted ? Constraints([st], []) : Constraints([], [st]);
        Assert.Equal(expected, UnderConstraints(nc, WithSan(b => b.AddDnsName(san))).Code);
        // RFC 5280 4.2.1.10 by the letter (x509-limbo rfc5280::nc::invalid-dnsname-leading-period): under
        // X509Strict a leading period is invalid constraint syntax.
        Assert.Equal(constraint.StartsWith('.') ? VerifyCode.UnsupportedConstraintSyntax : expected,
            UnderConstraints(nc, WithSan(b => b.AddDnsName(san)), strict: true).Code);
    }

    private static byte[] Ip(string address, string mask)
        => [.. System.Net.IPAddress.Parse(address).GetAddressBytes(), .. System.Net.IPAddress.Parse(mask).GetAddressBytes()];

    [Theory]
    [InlineData("10.9.9.9", VerifyCode.Ok)]
    [InlineData("10.1.2.3", VerifyCode.Ok)]
    [InlineData("11.1.2.3", VerifyCode.PermittedViolation)]
    public void AnIpConstraintWithHostBitsSetIsMasked(string address, VerifyCode expected)
    {
        // RFC 5280 4.2.1.10 gives address and mask; the bits outside the mask are ignored, as peers do.
        var nc = Constraints([new Subtree(7, Ip("10.1.2.3", "255.0.0.0"))], []);
        Assert.Equal(expected, UnderConstraints(nc, WithSan(b => b.AddIpAddress(System.Net.IPAddress.Parse(address)))).Code);
    }

    [Theory]
    [InlineData("::ffff:10.0.0.1", VerifyCode.ExcludedViolation)]
    [InlineData("::ffff:11.0.0.1", VerifyCode.Ok)]
    [InlineData("10.0.0.1", VerifyCode.ExcludedViolation)]
    public void AnIPv4MappedAddressObeysIPv4Constraints(string address, VerifyCode expected)
    {
        // RFC 4291 2.5.5.2: ::ffff:a.b.c.d is the IPv4 host a.b.c.d; an excluded IPv4 range covers it.
        var nc = Constraints([], [new Subtree(7, Ip("10.0.0.0", "255.0.0.0"))]);
        Assert.Equal(expected, UnderConstraints(nc, WithSan(b => b.AddIpAddress(System.Net.IPAddress.Parse(address)))).Code);
    }

    [Theory]
    [InlineData("https://user@example.com:8443/path", true, VerifyCode.Ok)]
    [InlineData("https://user:secret@www.example.com/", true, VerifyCode.PermittedViolation)]
    [InlineData("https://example.com:/", true, VerifyCode.Ok)]
    [InlineData("https://example.com:https/", true, VerifyCode.UnsupportedNameSyntax)]
    [InlineData("https://[2001:db8::1]:443/", true, VerifyCode.UnsupportedNameSyntax)]
    [InlineData("https://[2001:db8::1]x/", true, VerifyCode.UnsupportedNameSyntax)]
    [InlineData("https://a@b@example.com/", true, VerifyCode.UnsupportedNameSyntax)]
    [InlineData("https://user:pw@example.com:8443/", false, VerifyCode.ExcludedViolation)]
    [InlineData("https://[2001:db8::1]/", false, VerifyCode.UnsupportedNameSyntax)]
    [InlineData("https://192.0.2.1/", false, VerifyCode.UnsupportedNameSyntax)]
    public void UriConstraintsTakeTheHostPerRfc3986(string uri, bool permitted, VerifyCode expected)
    {
        // RFC 5280 4.2.1.10: a URI constraint applies to the host part of the name; RFC 3986 3.2:
        // authority = [ userinfo "@" ] host [ ":" port ], port = *DIGIT. A host that is an IP address (literal or
        // IPv4) fails any URI constraint: "the application MUST reject the certificate".
        var st = new Subtree(6, "example.com");
        var nc = permitted ? Constraints([st], []) : Constraints([], [st]);
        var raw = new AsnWriter(AsnEncodingRules.DER);
        using (raw.PushSequence())
        {
            raw.WriteCharacterString(UniversalTagNumber.IA5String, uri, new Asn1Tag(TagClass.ContextSpecific, 6));
        }
        var spec = new CertSpec { Subject = "CN=leaf", Extra = [new X509Extension("2.5.29.17", raw.Encode(), false)] };
        Assert.Equal(expected, UnderConstraints(nc, spec).Code);
    }

    [Theory]
    [InlineData("CN=www.evil.test", VerifyCode.PermittedViolation)]
    [InlineData("CN=www.example.com", VerifyCode.Ok)]
    [InlineData("CN=John Smith", VerifyCode.Ok)]
    [InlineData("CN=10.0.0.1", VerifyCode.ExcludedViolation)]
    [InlineData("CN=192.0.2.1", VerifyCode.Ok)]
    public void ALeafWithoutSanObeysDnsAndIpConstraintsThroughItsCommonName(string subject, VerifyCode expected)
    {
        // OpenSSL's rule: a client that falls back to the CN must not escape the CA's constraints.
        var nc = Constraints([new Subtree(2, "example.com")], [new Subtree(7, Ip("10.0.0.0", "255.0.0.0"))]);
        Assert.Equal(expected, UnderConstraints(nc, new CertSpec { Subject = subject }).Code);
    }

    [Theory]
    [InlineData(true, VerifyCode.Ok)]
    [InlineData(false, VerifyCode.PermittedViolation)]
    public void SubjectEmailObeysRfc822ConstraintsOnlyWithoutSanEmail(bool sanEmail, VerifyCode expected)
    {
        // RFC 5280 4.2.1.10: rfc822Name constraints reach the subject's emailAddress when the
        // subjectAltName does not name an email address.
        var nc = Constraints([new Subtree(1, "example.com")], []);
        var spec = WithSan(b =>
        {
            b.AddDnsName("host.example.net");
            if (sanEmail)
            {
                b.AddEmailAddress("alice@example.com");
            }
        }, subject: "CN=Alice, E=alice@elsewhere.test");
        Assert.Equal(expected, UnderConstraints(nc, spec).Code);
    }
}

/// <summary>The trust anchor model (issue 13 item 5): the anchor certificate's own dates and constraints
/// apply by default in both profiles; VerifyFlags make the anchor a bare name and key (RFC 5280 6.1.1 (d)).</summary>
public sealed class TrustAnchorModelTests
{
    private static readonly PeerIdentity Example = PeerIdentity.Dns("example.com");

    public static TheoryData<string, bool> Profiles() => new() { { "webpki", false }, { "webpki", true }, { "rfc5280", false }, { "rfc5280", true } };

    private static VerificationOptions Options(string profile, bool strict, VerifyFlags extra) => new()
    {
        Profile = profile == "rfc5280" ? VerificationProfile.Rfc5280 : VerificationProfile.WebPki,
        Flags = (strict ? VerifyFlags.Default : VerifyFlags.Default & ~VerifyFlags.X509Strict) | extra,
    };

    [Theory]
    [MemberData(nameof(Profiles))]
    public void AnExpiredAnchorFailsUnlessItsValidityIsIgnored(string profile, bool strict)
    {
        var root = TestPki.Root(spec: new CertSpec { NotBefore = TestPki.Now.AddDays(-100), NotAfter = TestPki.Now.AddDays(-1) });
        var leaf = TestPki.Leaf(root);
        var r = TestPki.Verifier(root, Options(profile, strict, VerifyFlags.None)).Verify(leaf.Cert, null, Example);
        Assert.Equal(VerifyCode.CertHasExpired, r.Code);
        Assert.Equal(1, r.FailingCertificateIndex);
        Assert.True(TestPki.Verifier(root, Options(profile, strict, VerifyFlags.IgnoreAnchorValidity)).Verify(leaf.Cert, null, Example).IsValid);
        // Only the anchor's dates are waived.
        var expiredLeaf = TestPki.Leaf(root, spec: new CertSpec { NotBefore = TestPki.Now.AddDays(-10), NotAfter = TestPki.Now.AddDays(-1) });
        Assert.Equal(VerifyCode.CertHasExpired, TestPki.Verifier(root, Options(profile, strict, VerifyFlags.IgnoreAnchorValidity)).Verify(expiredLeaf.Cert, null, Example).Code);
    }

    [Theory]
    [MemberData(nameof(Profiles))]
    public void TheAnchorsConstraintsApplyUnlessIgnored(string profile, bool strict)
    {
        // pathLenConstraint 0 on the root forbids an intermediate.
        var root = TestPki.Root(spec: new CertSpec { PathLength = 0 });
        var ica = TestPki.Ca(root, "CN=ICA under pathlen 0");
        var leaf = TestPki.Leaf(ica);
        Assert.Equal(VerifyCode.PathLengthExceeded, TestPki.Verifier(root, Options(profile, strict, VerifyFlags.None)).Verify(leaf.Cert, [ica.Cert], Example).Code);
        Assert.True(TestPki.Verifier(root, Options(profile, strict, VerifyFlags.IgnoreAnchorConstraints)).Verify(leaf.Cert, [ica.Cert], Example).IsValid);

        // nameConstraints on the root.
        var ncRoot = TestPki.Root("CN=NC Root", new CertSpec { Extra = [TestPki.NameConstraints(["example.org"], [])] });
        var ncLeaf = TestPki.Leaf(ncRoot);
        Assert.Equal(VerifyCode.PermittedViolation, TestPki.Verifier(ncRoot, Options(profile, strict, VerifyFlags.None)).Verify(ncLeaf.Cert, null, Example).Code);
        Assert.True(TestPki.Verifier(ncRoot, Options(profile, strict, VerifyFlags.IgnoreAnchorConstraints)).Verify(ncLeaf.Cert, null, Example).IsValid);

        // keyUsage without keyCertSign on the root.
        var kuRoot = TestPki.Root("CN=KU Root", new CertSpec { KeyUsage = X509KeyUsageFlags.CrlSign });
        var kuLeaf = TestPki.Leaf(kuRoot);
        Assert.Equal(VerifyCode.KeyUsageNoCertSign, TestPki.Verifier(kuRoot, Options(profile, strict, VerifyFlags.None)).Verify(kuLeaf.Cert, null, Example).Code);
        Assert.True(TestPki.Verifier(kuRoot, Options(profile, strict, VerifyFlags.IgnoreAnchorConstraints)).Verify(kuLeaf.Cert, null, Example).IsValid);
    }
}

/// <summary>The limbo harness honours signature_algorithms and reads an empty extended_key_usage as limbo's
/// schema does (issue 13 item 6).</summary>
public sealed class LimboHarnessFieldTests
{
    private static readonly string[] Sha2Names =
        ["RSA_WITH_SHA256", "RSA_WITH_SHA384", "RSA_WITH_SHA512", "ECDSA_WITH_SHA256", "ECDSA_WITH_SHA384", "ECDSA_WITH_SHA512", "RSASSA_PSS", "ED25519"];

    /// <summary>One testcase: root and leaf made here, the leaf's EKU as given.</summary>
    private static Dictionary<string, object?> Case(string id, string[]? leafEkus, string[] signatureAlgorithms, string[] requiredEkus)
    {
        var root = TestPki.Root();
        var leaf = TestPki.Leaf(root, spec: new CertSpec { Ekus = leafEkus ?? ["1.3.6.1.5.5.7.3.1"] });
        return new Dictionary<string, object?>
        {
            ["id"] = id,
            ["validation_kind"] = "SERVER",
            ["trusted_certs"] = new[] { root.X509.ExportCertificatePem() },
            ["untrusted_intermediates"] = Array.Empty<string>(),
            ["peer_certificate"] = leaf.X509.ExportCertificatePem(),
            ["validation_time"] = TestPki.Now.ToString("yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture),
            ["signature_algorithms"] = signatureAlgorithms,
            ["key_usage"] = Array.Empty<string>(),
            ["extended_key_usage"] = requiredEkus,
            ["expected_peer_name"] = new Dictionary<string, string> { ["kind"] = "DNS", ["value"] = "example.com" },
            ["expected_result"] = "SUCCESS",
        };
    }

    private static Certitude.Cli.LimboOutcome Run(Dictionary<string, object?> tc)
    {
        var json = System.Text.Json.JsonSerializer.Serialize(new { version = 1, testcases = new[] { tc } });
        using var doc = System.Text.Json.JsonDocument.Parse(json);
        return Assert.Single(Certitude.Cli.LimboHarness.Run(doc, new Certitude.Cli.LimboSettings()));
    }

    [Fact]
    public void SignatureAlgorithmsIsAnAllowList()
    {
        // The test PKI signs with ECDSA P-256 and SHA-256.
        Assert.Equal("SUCCESS", Run(Case("webpki::custom::allowed", null, Sha2Names, [])).Actual);
        Assert.Equal("SUCCESS", Run(Case("webpki::custom::exact", null, ["ECDSA_WITH_SHA256"], [])).Actual);
        var refused = Run(Case("webpki::custom::refused", null, ["RSA_WITH_SHA256", "ECDSA_WITH_SHA384"], []));
        Assert.Equal("FAILURE", refused.Actual);
        Assert.Contains("allowed list", refused.Context, StringComparison.Ordinal);
        var unknown = Run(Case("webpki::custom::unknown", null, ["NO_SUCH_ALGORITHM"], []));
        Assert.Equal("SKIPPED", unknown.Actual);
        Assert.Contains("NO_SUCH_ALGORITHM", unknown.Context, StringComparison.Ordinal);
    }

    [Fact]
    public void AnEmptyExtendedKeyUsageIsNoConstraintInTheRfc5280ProfileOnly()
    {
        string[] codeSigning = ["1.3.6.1.5.5.7.3.3"];
        Assert.Equal("SUCCESS", Run(Case("rfc5280::custom::empty-eku", codeSigning, [], [])).Actual);
        Assert.Equal("FAILURE", Run(Case("rfc5280::custom::server-eku", codeSigning, [], ["serverAuth"])).Actual);
        Assert.Equal("FAILURE", Run(Case("webpki::custom::empty-eku", codeSigning, [], [])).Actual);
        Assert.Equal("SUCCESS", Run(Case("webpki::custom::server", null, [], [])).Actual);
    }
}
