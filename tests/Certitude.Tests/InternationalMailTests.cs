using System.Formats.Asn1;
using System.Security.Cryptography.X509Certificates;
using Xunit;

namespace Certitude.Tests;

/// <summary>
/// Issue 13 item 3, the remaining parts: RFC 9598 SmtpUTF8Mailbox (parsed, matched as an email identity, held to
/// rfc822Name name constraints by its domain after IDNA), RFC 9549's A-label rule for rfc822Name domains, and
/// GeneralNames that are malformed or empty under their context tag (an error, never a silent skip).
/// </summary>
public sealed class InternationalMailTests
{
    private const string SmtpUtf8Oid = "1.3.6.1.5.5.7.8.9";

    private static readonly VerificationOptions Rfc5280 = new()
    {
        Profile = VerificationProfile.Rfc5280,
        Purpose = CertificatePurpose.EmailProtection,
        ValidationTime = TestPki.Now,
    };

    private static readonly VerificationOptions Rfc5280NotStrict = Rfc5280 with { Flags = VerifyFlags.Default & ~VerifyFlags.X509Strict };

    // ---- parsing ----

    [Fact]
    public void SmtpUtf8MailboxIsParsed()
    {
        var leaf = MailLeaf(TestPki.Root(), Mailbox("用户@example.com"));
        var name = Assert.Single(leaf.SubjectAlternativeNames);
        Assert.Equal(GeneralNameKind.OtherName, name.Kind);
        Assert.True(name.IsSmtpUtf8Mailbox);
        Assert.Equal("用户@example.com", name.Text);
        Assert.Equal("SmtpUTF8Mailbox:用户@example.com", name.ToString());
    }

    public static TheoryData<string, string> MalformedMailboxes => new()
    {
        // RFC 9598 3: SmtpUTF8Mailbox ::= UTF8String (SIZE (1..MAX)).
        { "ia5", "not a UTF8String" },
        { "empty", "empty" },
        { "bad-utf8", "not valid UTF-8" },
        { "two-values", "" },
    };

    [Theory]
    [MemberData(nameof(MalformedMailboxes))]
    public void MalformedSmtpUtf8MailboxIsATypedParseError(string kind, string message)
    {
        var w = new AsnWriter(AsnEncodingRules.DER);
        using (w.PushSequence(new Asn1Tag(TagClass.ContextSpecific, 0)))
        {
            w.WriteObjectIdentifier(SmtpUtf8Oid);
            using (w.PushSequence(new Asn1Tag(TagClass.ContextSpecific, 0, true)))
            {
                switch (kind)
                {
                    case "ia5": w.WriteCharacterString(UniversalTagNumber.IA5String, "user@example.com"); break;
                    case "empty": w.WriteCharacterString(UniversalTagNumber.UTF8String, ""); break;
                    case "bad-utf8": w.WriteEncodedValue([0x0C, 0x03, 0xC3, 0x28, 0x40]); break;
                    default:
                        w.WriteCharacterString(UniversalTagNumber.UTF8String, "用户@example.com");
                        w.WriteCharacterString(UniversalTagNumber.UTF8String, "用户@example.org");
                        break;
                }
            }
        }
        var ex = Assert.Throws<CertificateFormatException>(() => MailLeaf(TestPki.Root(), w.Encode()));
        Assert.True(ex.Message.Contains("subjectAltName", StringComparison.Ordinal) && ex.Message.Contains(message, StringComparison.Ordinal), ex.Message);
    }

    public static TheoryData<string, string> MalformedContextNames => new()
    {
        // (tag and content bytes of one GeneralName, the text the error names)
        { "82 00", "DnsName is empty" },                                   // dNSName ""
        { "81 00", "Rfc822Name is empty" },                                // rfc822Name ""
        { "86 00", "Uri is empty" },                                       // URI ""
        { "87 05 0a 00 00 01 01", "5 octets" },                            // iPAddress of 5 octets
        { "87 08 0a 00 00 00 ff 00 00 00", "8 octets" },                   // a constraint's address/mask is no address
        { "a3 02 05 00", "" },                                             // x400Address holding NULL, not an ORAddress
        { "a3 00", "" },                                                   // x400Address without built-in-standard-attributes
        { "a5 02 05 00", "" },                                             // ediPartyName holding NULL
        { "a5 05 a0 03 0c 01 41", "no partyName" },                        // ediPartyName with nameAssigner only
        { "a5 05 a1 03 02 01 01", "DirectoryString" },                     // partyName that is an INTEGER
        { "a0 05 06 03 2a 03 04", "" },                                    // otherName without its value
    };

    /// <summary>A GeneralName that is empty or malformed under its context tag fails the certificate's parse with a
    /// typed error naming the extension; none is skipped.</summary>
    [Theory]
    [MemberData(nameof(MalformedContextNames))]
    public void MalformedOrEmptyGeneralNamesInTheSanAreErrors(string hex, string message)
    {
        var name = Convert.FromHexString(hex.Replace(" ", "", StringComparison.Ordinal));
        var ex = Assert.Throws<CertificateFormatException>(() => MailLeaf(TestPki.Root(), name, includeDns: true));
        Assert.Contains("subjectAltName", ex.Message, StringComparison.Ordinal);
        Assert.Contains(message, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void WellFormedX400AndEdiPartyNamesParse()
    {
        // ediPartyName { nameAssigner "A", partyName "B" } and x400Address { {} } parse, and stay under any
        // constraint of their kind unprocessed (RFC 5280 4.2.1.10: process or reject).
        var edi = Convert.FromHexString("a50aa0030c0141a1030c0142");
        var x400 = Convert.FromHexString("a3023000");
        var leaf = MailLeaf(TestPki.Root(), [.. edi, .. x400], includeDns: true);
        Assert.Contains(leaf.SubjectAlternativeNames, n => n.Kind == GeneralNameKind.EdiPartyName);
        Assert.Contains(leaf.SubjectAlternativeNames, n => n.Kind == GeneralNameKind.X400Address);
    }

    [Fact]
    public void AnEmptyDnsNameConstraintIsStillASubtree()
    {
        // In a name constraint the empty dNSName is every name (RFC 5280 4.2.1.10): excluded, it refuses all DNS names.
        var root = TestPki.Root();
        var ca = TestPki.Ca(root, "CN=Empty DNS Constraint CA", spec: new CertSpec { Extra = [Constraints(excluded: [(2, "")])] });
        var leaf = TestPki.Leaf(ca);
        var r = TestPki.Verifier(root).Verify(leaf.Cert, [ca.Cert], PeerIdentity.Dns("example.com"));
        Assert.Equal(VerifyCode.ExcludedViolation, r.Code);
    }

    // ---- matching an email identity ----

    [Theory]
    [InlineData("用户@example.com", "用户@example.com", true)]
    [InlineData("用户@example.com", "用户@EXAMPLE.com", true)]                 // the domain without regard to case
    [InlineData("用户@xn--bcher-kva.example", "用户@bücher.example", true)]   // the reference's U-label as its A-label
    [InlineData("用户@example.com", "其他@example.com", false)]               // the local part exactly
    [InlineData("用户@example.com", "用户@example.org", false)]
    [InlineData("Üser@example.com", "üser@example.com", false)]             // local parts are case-sensitive
    public void SmtpUtf8MailboxMatchesEmailIdentities(string presented, string reference, bool matches)
    {
        var root = TestPki.Root();
        var leaf = MailLeaf(root, Mailbox(presented));
        var r = TestPki.Verifier(root, Rfc5280).Verify(leaf, null, PeerIdentity.Email(reference));
        Assert.True(matches == r.IsValid, $"{presented} vs {reference}: {r.Code} {r.Message}");
        if (!matches)
        {
            Assert.Equal(VerifyCode.EmailMismatch, r.Code);
        }
    }

    [Fact]
    public void AsciiAddressesStillMatchRfc822Names()
    {
        var root = TestPki.Root();
        var leaf = TestPki.Leaf(root, spec: new CertSpec { Emails = ["alice@example.com"], Ekus = ["1.3.6.1.5.5.7.3.4"], Subject = "CN=alice" });
        var v = TestPki.Verifier(root, Rfc5280);
        Assert.True(v.Verify(leaf.Cert, null, PeerIdentity.Email("alice@Example.COM")).IsValid);
        Assert.Equal(VerifyCode.EmailMismatch, v.Verify(leaf.Cert, null, PeerIdentity.Email("Alice@example.com")).Code);
        Assert.False(PeerIdentity.Email("not an address").IsValid);
        Assert.False(PeerIdentity.Email("用户 x@example.com").IsValid);
    }

    // ---- name constraints (RFC 9598 6) ----

    [Theory]
    [InlineData(true, "example.com", "用户@example.com", VerifyCode.Ok)]
    [InlineData(true, "example.com", "用户@evil.example", VerifyCode.PermittedViolation)]
    [InlineData(true, "example.com", "用户@mail.example.com", VerifyCode.PermittedViolation)]   // a host constraint is that host
    [InlineData(true, ".example.com", "用户@mail.example.com", VerifyCode.Ok)]
    [InlineData(true, ".example.com", "用户@example.com", VerifyCode.PermittedViolation)]
    [InlineData(true, "root@example.com", "用户@example.com", VerifyCode.PermittedViolation)]   // a mailbox constraint permits that mailbox only
    [InlineData(true, "xn--bcher-kva.example", "用户@xn--bcher-kva.example", VerifyCode.Ok)]
    [InlineData(true, "xn--bcher-kva.example", "用户@XN--BCHER-KVA.example", VerifyCode.Ok)]
    [InlineData(false, ".evil.example", "用户@mail.evil.example", VerifyCode.ExcludedViolation)]
    [InlineData(false, ".evil.example", "用户@evil.example", VerifyCode.Ok)]
    [InlineData(false, "evil.example", "用户@evil.example", VerifyCode.ExcludedViolation)]
    [InlineData(false, "x@evil.example", "用户@evil.example", VerifyCode.ExcludedViolation)]   // RFC 9598 6: the local part stripped
    public void Rfc822SubtreesApplyToSmtpUtf8Mailboxes(bool permitted, string constraint, string mailbox, VerifyCode expected)
    {
        var (root, ca) = permitted ? ConstrainedCa(permitted: [(1, constraint)]) : ConstrainedCa(excluded: [(1, constraint)]);
        var leaf = MailLeaf(ca, Mailbox(mailbox));
        var r = TestPki.Verifier(root, Rfc5280).Verify(leaf, [ca.Cert]);
        Assert.True(expected == r.Code, $"{(permitted ? "permitted" : "excluded")} {constraint} / {mailbox}: {r.Code} {r.Message}");
    }

    /// <summary>A U-label domain (which RFC 9598 3 says MUST be stored as A-labels: an issuance rule) is compared after
    /// IDNA, so it cannot slip past a constraint. A domain IDNA would only map (U+212A KELVIN SIGN lower-cases to "k"),
    /// or that is no host name, cannot be checked and is an error.</summary>
    [Fact]
    public void SmtpUtf8DomainsAreComparedAfterIdna()
    {
        var (root, ca) = ConstrainedCa(permitted: [(1, "xn--bcher-kva.example"), (1, "kexample.com"), (1, ".example.com")]);
        var uLabel = MailLeaf(ca, Mailbox("用户@bücher.example"));
        Assert.True(TestPki.Verifier(root, Rfc5280NotStrict).Verify(uLabel, [ca.Cert]).IsValid);
        var strict = TestPki.Verifier(root, Rfc5280).Verify(uLabel, [ca.Cert]);
        Assert.True(strict.IsValid, $"{strict.Code} {strict.Message}");
        Assert.Contains(strict.Warnings, w => w.RuleId == "smtputf8-mailbox-form" && w.Message.Contains("A-labels", StringComparison.Ordinal));
        Assert.True(TestPki.Verifier(root, Rfc5280).Verify(uLabel, [ca.Cert], PeerIdentity.Email("用户@xn--bcher-kva.example")).IsValid);

        var (excludedRoot, excludedCa) = ConstrainedCa(excluded: [(1, "xn--bcher-kva.example")]);
        foreach (var options in new[] { Rfc5280, Rfc5280NotStrict })
        {
            var escaped = TestPki.Verifier(excludedRoot, options).Verify(MailLeaf(excludedCa, Mailbox("用户@bücher.example")), [excludedCa.Cert]);
            Assert.Equal(VerifyCode.ExcludedViolation, escaped.Code);
        }

        foreach (var bad in new[] { "用户@\u212Aexample.com", "用户@host..example.com", "用户@_host.example.com", "用户@host.example.com.", "用户@xn--abc.example.com" })
        {
            var r = TestPki.Verifier(root, Rfc5280NotStrict).Verify(MailLeaf(ca, Mailbox(bad)), [ca.Cert]);
            Assert.True(r.Code == VerifyCode.UnsupportedNameSyntax, $"{bad}: {r.Code} {r.Message}");
        }
    }

    /// <summary>A permitted constraint naming one mailbox never widens to its domain for an SmtpUTF8Mailbox, and an
    /// SmtpUTF8Mailbox with an all-ASCII local part (which should have been an rfc822Name) is held to it exactly as one,
    /// strict or not: neither form gets past a CA limited to bob@example.com. An excluded one excludes its whole domain
    /// (RFC 9598 6 strips the local part), whatever the form or script of the mailbox (issue 26 item 2).</summary>
    [Theory]
    [InlineData(true, "用户@example.com", VerifyCode.PermittedViolation)]
    [InlineData(true, "alice@example.com", VerifyCode.PermittedViolation)]
    [InlineData(true, "bob@example.com", VerifyCode.Ok)]
    [InlineData(true, "bob@EXAMPLE.com", VerifyCode.Ok)]
    [InlineData(false, "用户@example.com", VerifyCode.ExcludedViolation)]
    [InlineData(false, "alice@example.com", VerifyCode.ExcludedViolation)]
    [InlineData(false, "alice@example.org", VerifyCode.Ok)]
    [InlineData(false, "bob@example.com", VerifyCode.ExcludedViolation)]
    public void MailboxConstraintsAreNotWidenedBySmtpUtf8Mailboxes(bool permitted, string mailbox, VerifyCode expected)
    {
        (int, string)[] constraint = [(1, "bob@example.com")];
        var (root, ca) = permitted ? ConstrainedCa(permitted: constraint) : ConstrainedCa(excluded: constraint);
        var leaf = MailLeaf(ca, Mailbox(mailbox));
        foreach (var options in new[] { Rfc5280, Rfc5280NotStrict })
        {
            var r = TestPki.Verifier(root, options).Verify(leaf, [ca.Cert]);
            Assert.True(expected == r.Code, $"{(permitted ? "permitted" : "excluded")} / {mailbox}: {r.Code} {r.Message}");
        }
    }

    /// <summary>Under rfc822Name constraints an SmtpUTF8Mailbox that is no mailbox cannot be checked: an error even
    /// outside strict, as for a malformed rfc822Name (no "user@evil.example@good.example" read by its last '@').</summary>
    [Theory]
    [InlineData("用户@evil.example@good.example")]
    [InlineData("用户@evil.com@example.com")]
    [InlineData("用 户@example.com")]
    public void MalformedSmtpUtf8MailboxesCannotBeCheckedAgainstConstraints(string mailbox)
    {
        var (root, ca) = ConstrainedCa(permitted: [(1, "example.com"), (1, "good.example")], excluded: [(1, "evil.example"), (1, "evil.com")]);
        var r = TestPki.Verifier(root, Rfc5280NotStrict).Verify(MailLeaf(ca, Mailbox(mailbox)), [ca.Cert]);
        Assert.Equal(VerifyCode.UnsupportedNameSyntax, r.Code);
    }

    /// <summary>In .NET's globalization invariant mode IdnMapping is Punycode alone (no UTS 46 mapping or validity),
    /// so lookalikes (fullwidth, soft hyphen, U+212A) would pass a round trip as U-labels or as their "xn--" encodings:
    /// there received U-labels and A-labels in mail domains are refused. The CLI is run both ways on the same files;
    /// both refuse each lookalike of the excluded "example.com" with 53.</summary>
    [Theory]
    [InlineData("用户@\uFF45xample.com")]          // fullwidth e, as a U-label
    [InlineData("用户@xn--example-nka.com")]        // exa, U+00AD SOFT HYPHEN, mple
    [InlineData("用户@xn--mi7chab1aes7c.com")]      // fullwidth "example"
    [InlineData("用户@xn--example-lv8c.com")]       // U+212A KELVIN SIGN
    public void LookalikeLabelsAreRefusedInGlobalizationInvariantModeToo(string mailbox)
    {
        var (root, ca) = ConstrainedCa(excluded: [(1, "example.com")]);
        var leaf = MailLeaf(ca, Mailbox(mailbox));
        Assert.Equal(VerifyCode.UnsupportedNameSyntax, TestPki.Verifier(root, Rfc5280NotStrict).Verify(leaf, [ca.Cert]).Code);
        var dir = Directory.CreateTempSubdirectory("certitude-idna-").FullName;
        try
        {
            string Write(string name, Certificate c)
            {
                var path = Path.Combine(dir, name);
                File.WriteAllText(path, System.Security.Cryptography.PemEncoding.WriteString("CERTIFICATE", c.RawData.Span));
                return path;
            }
            var args = new[] { "verify", Write("leaf.pem", leaf), "--untrusted", Write("ca.pem", ca.Cert), "--cafile", Write("root.pem", root.Cert),
                "--profile", "rfc5280", "--no-strict", "--purpose", "email", "--at", TestPki.Now.ToString("O", System.Globalization.CultureInfo.InvariantCulture) };
            foreach (var invariant in new[] { false, true })
            {
                var (exit, stdout, stderr) = ProcessRunner.Certitude(args, [new("DOTNET_SYSTEM_GLOBALIZATION_INVARIANT", invariant ? "1" : "0")]);
                var output = stdout + stderr;
                Assert.True(exit == 1 && output.Contains("error 53", StringComparison.Ordinal), $"invariant={invariant}: exit {exit}: {output}");
            }
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void AnSmtpUtf8MailboxIsTheSanEmailThatShieldsTheSubjectEmailAddress()
    {
        // RFC 5280 4.2.1.10: the subject's emailAddress is held to rfc822Name constraints only when the SAN has no email
        // address; an SmtpUTF8Mailbox is one.
        var (root, ca) = ConstrainedCa(permitted: [(1, "example.com")]);
        var withMailbox = MailLeaf(ca, Mailbox("用户@example.com"), subject: "CN=mail, E=someone@elsewhere.example");
        Assert.True(TestPki.Verifier(root, Rfc5280).Verify(withMailbox, [ca.Cert]).IsValid);
        var withoutSanEmail = MailLeaf(ca, DnsName("mail.example.com"), subject: "CN=mail, E=someone@elsewhere.example");
        Assert.Equal(VerifyCode.PermittedViolation, TestPki.Verifier(root, Rfc5280).Verify(withoutSanEmail, [ca.Cert]).Code);
    }

    // ---- value rules ----

    /// <summary>An SmtpUTF8Mailbox that is no mailbox fails the strict rule san-syntax (as a malformed rfc822Name
    /// does); outside strict it decides nothing unless a constraint or an identity needs it.</summary>
    [Theory]
    [InlineData("用户", "one '@'")]
    [InlineData("用户@", "one '@'")]
    [InlineData("用户@a@example.com", "one '@'")]
    [InlineData("用 户@example.com", "space or special")]
    [InlineData("用\u0001户@example.com", "space or special")]
    [InlineData("用户@-bad.example", "not a valid host name")]
    [InlineData("用户@xn--abc.example", "not a valid host name")]
    public void StrictRefusesSmtpUtf8MailboxesThatAreNoMailbox(string mailbox, string why)
    {
        var root = TestPki.Root();
        var leaf = MailLeaf(root, Mailbox(mailbox));
        var r = TestPki.Verifier(root, Rfc5280).Verify(leaf);
        Assert.Equal(VerifyCode.UnsupportedNameSyntax, r.Code);
        Assert.Contains(why, r.Message, StringComparison.Ordinal);
        Assert.Contains("RFC 9598 3", r.Message, StringComparison.Ordinal);
        Assert.True(TestPki.Verifier(root, Rfc5280NotStrict).Verify(leaf).IsValid);
        Assert.Equal(VerifyCode.EmailMismatch, TestPki.Verifier(root, Rfc5280NotStrict).Verify(leaf, null, PeerIdentity.Email("用户@example.com")).Code);
    }

    /// <summary>RFC 9598 3's encoding rules are the CA's duty (issuance tier): a warning naming the rule by default, an
    /// error under VerifyFlags.CabfIssuance. The mailbox still matches and is still constrained by its IDNA domain.</summary>
    [Theory]
    [InlineData("user@example.com", "all-ASCII local part")]
    [InlineData("\uFEFF用户@example.com", "byte order mark")]
    [InlineData("用户@bücher.example", "A-labels")]
    [InlineData("用户@Example.com", "lower case")]
    public void Rfc9598EncodingRulesAreIssuanceRules(string mailbox, string why)
    {
        var root = TestPki.Root();
        var leaf = MailLeaf(root, Mailbox(mailbox));
        var r = TestPki.Verifier(root, Rfc5280).Verify(leaf);
        Assert.True(r.IsValid, $"{r.Code} {r.Message}");
        var w = Assert.Single(r.Warnings);
        Assert.Equal("smtputf8-mailbox-form", w.RuleId);
        Assert.Contains(why, w.Message, StringComparison.Ordinal);
        var issuance = TestPki.Verifier(root, Rfc5280 with { Flags = VerifyFlags.Default | VerifyFlags.CabfIssuance }).Verify(leaf);
        Assert.Equal(VerifyCode.UnsupportedNameSyntax, issuance.Code);
        Assert.Contains("RFC 9598 3", issuance.Message, StringComparison.Ordinal);
    }

    /// <summary>RFC 9549 4.1: an rfc822Name's domain is in A-labels, so an "xn--" label that is not one is malformed.</summary>
    [Fact]
    public void Rfc822NameDomainsNeedRealALabels()
    {
        var root = TestPki.Root();
        var good = TestPki.Leaf(root, spec: new CertSpec { Emails = ["user@xn--bcher-kva.example"], Ekus = ["1.3.6.1.5.5.7.3.4"], Subject = "CN=u" });
        Assert.True(TestPki.Verifier(root, Rfc5280).Verify(good.Cert, null, PeerIdentity.Email("user@bücher.example")).IsValid);
        var bad = TestPki.Leaf(root, spec: new CertSpec { Emails = ["user@xn--abc.example"], Ekus = ["1.3.6.1.5.5.7.3.4"], Subject = "CN=u" });
        var r = TestPki.Verifier(root, Rfc5280).Verify(bad.Cert);
        Assert.Equal(VerifyCode.UnsupportedNameSyntax, r.Code);
        // Under an rfc822Name constraint it cannot be checked, strict or not.
        var (croot, ca) = ConstrainedCa(permitted: [(1, ".example")]);
        var constrained = TestPki.Leaf(ca, spec: new CertSpec { Emails = ["user@xn--abc.example"], Ekus = ["1.3.6.1.5.5.7.3.4"], Subject = "CN=u" });
        Assert.Equal(VerifyCode.UnsupportedNameSyntax, TestPki.Verifier(croot, Rfc5280NotStrict).Verify(constrained.Cert, [ca.Cert]).Code);
    }

    // ---- helpers ----

    private static byte[] Mailbox(string mailbox)
    {
        var w = new AsnWriter(AsnEncodingRules.DER);
        using (w.PushSequence(new Asn1Tag(TagClass.ContextSpecific, 0)))
        {
            w.WriteObjectIdentifier(SmtpUtf8Oid);
            using (w.PushSequence(new Asn1Tag(TagClass.ContextSpecific, 0, true)))
            {
                // Written as raw UTF-8 so that values .NET would refuse to encode (a BOM) can be tested.
                var bytes = System.Text.Encoding.UTF8.GetBytes(mailbox);
                w.WriteEncodedValue([0x0C, .. Length(bytes.Length), .. bytes]);
            }
        }
        return w.Encode();
    }

    private static byte[] DnsName(string name)
    {
        var w = new AsnWriter(AsnEncodingRules.DER);
        w.WriteCharacterString(UniversalTagNumber.IA5String, name, new Asn1Tag(TagClass.ContextSpecific, 2));
        return w.Encode();
    }

    private static byte[] Length(int n) => n < 0x80 ? [(byte)n] : [0x81, (byte)n];

    /// <summary>A leaf for S/MIME whose subjectAltName is the given encoded GeneralName(s) (plus a dNSName when asked).</summary>
    private static Certificate MailLeaf(Issued issuer, byte[] names, bool includeDns = false, string subject = "CN=mail")
    {
        byte[] all = includeDns ? [.. DnsName("mail.example.com"), .. names] : names;
        byte[] san = [0x30, .. Length(all.Length), .. all];
        var leaf = TestPki.Leaf(issuer, spec: new CertSpec
        {
            Subject = subject,
            Ekus = ["1.3.6.1.5.5.7.3.4"],
            Extra = [new X509Extension("2.5.29.17", san, false)],
        });
        return leaf.Cert;
    }

    private static (Issued Root, Issued Ca) ConstrainedCa((int Tag, string Value)[]? permitted = null, (int Tag, string Value)[]? excluded = null)
    {
        var root = TestPki.Root();
        var ca = TestPki.Ca(root, "CN=Mail Constrained CA", spec: new CertSpec { Extra = [Constraints(permitted, excluded)] });
        return (root, ca);
    }

    /// <summary>NameConstraints (RFC 5280 4.2.1.10) of IA5String subtrees: (context tag, value).</summary>
    private static X509Extension Constraints((int Tag, string Value)[]? permitted = null, (int Tag, string Value)[]? excluded = null)
    {
        var w = new AsnWriter(AsnEncodingRules.DER);
        using (w.PushSequence())
        {
            foreach (var (list, tag) in new[] { (permitted, 0), (excluded, 1) })
            {
                if (list is null)
                {
                    continue;
                }
                using (w.PushSequence(new Asn1Tag(TagClass.ContextSpecific, tag)))
                {
                    foreach (var (t, v) in list)
                    {
                        using (w.PushSequence())
                        {
                            w.WriteCharacterString(UniversalTagNumber.IA5String, v, new Asn1Tag(TagClass.ContextSpecific, t));
                        }
                    }
                }
            }
        }
        return new X509Extension("2.5.29.30", w.Encode(), true);
    }
}
