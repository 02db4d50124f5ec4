using System.Formats.Asn1;
using System.Numerics;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Certitude.Benchmarks;
using Xunit;

namespace Certitude.Tests;

/// <summary>
/// Issue 26 items 2 - 5 and UniversalString: names that escaped their constraints (a mailbox by its other form, a URI by
/// its IP host or a parser difference, a directory or email value of an unexpected type), the UniversalString choice
/// read as malformed, and RSA exponents too large to be worth the arithmetic.
/// </summary>
public sealed class NameConstraintEscapeTests
{
    private const string SmtpUtf8Oid = "1.3.6.1.5.5.7.8.9";

    private static readonly VerificationOptions Rfc5280 = new()
    {
        Profile = VerificationProfile.Rfc5280,
        Purpose = CertificatePurpose.EmailProtection,
        ValidationTime = TestPki.Now,
        Flags = VerifyFlags.Default & ~VerifyFlags.X509Strict,
    };

    // ---- item 2: mail constraints by domain (RFC 9598 6) ----

    public static TheoryData<bool, string, string, VerifyCode> MailCases => new()
    {
        // The issue's case: an excluded mailbox excludes its domain (RFC 9598 6 strips the local part), for every form.
        { false, "smtp", "alice@example.com", VerifyCode.ExcludedViolation },
        { false, "rfc822", "alice@example.com", VerifyCode.ExcludedViolation },
        { false, "smtp", "用户@example.com", VerifyCode.ExcludedViolation },
        { false, "subject", "alice@example.com", VerifyCode.ExcludedViolation },
        { false, "rfc822", "bob@example.com", VerifyCode.ExcludedViolation },
        { false, "rfc822", "alice@mail.example.com", VerifyCode.Ok },
        { false, "smtp", "用户@example.org", VerifyCode.Ok },
        // A permitted mailbox stays that mailbox: narrower than the domain RFC 9598 6 compares, never wider.
        { true, "rfc822", "bob@example.com", VerifyCode.Ok },
        { true, "rfc822", "alice@example.com", VerifyCode.PermittedViolation },
        { true, "smtp", "alice@example.com", VerifyCode.PermittedViolation },
        { true, "smtp", "用户@example.com", VerifyCode.PermittedViolation },
        { true, "subject", "alice@example.com", VerifyCode.PermittedViolation },
    };

    [Theory]
    [MemberData(nameof(MailCases))]
    public void AMailboxConstraintRestrictsEveryMailboxByItsDomain(bool permitted, string form, string mailbox, VerifyCode expected)
    {
        var nc = Constraints(permitted ? [Ia5(1, "bob@example.com")] : [], permitted ? [] : [Ia5(1, "bob@example.com")]);
        var r = Verify(nc, MailLeaf(form, mailbox));
        Assert.True(expected == r.Code, $"{(permitted ? "permitted" : "excluded")} bob@example.com / {form} {mailbox}: {r.Code} {r.Message}");
        if (expected == VerifyCode.ExcludedViolation && !mailbox.StartsWith("bob@", StringComparison.Ordinal))
        {
            Assert.Contains("RFC 9598 6", r.Message, StringComparison.Ordinal);
        }
    }

    /// <summary>An SmtpUTF8Mailbox otherName constraint (RFC 9598 asks CAs for rfc822Name ones, but one may be written)
    /// is a mail constraint too: it restricts rfc822Names by domain, and an SmtpUTF8Mailbox under it is checked, not
    /// refused as an unprocessed otherName.</summary>
    [Theory]
    [InlineData(false, "rfc822", "alice@example.com", VerifyCode.ExcludedViolation)]
    [InlineData(false, "smtp", "用户@example.com", VerifyCode.ExcludedViolation)]
    [InlineData(false, "smtp", "用户@bücher.example", VerifyCode.ExcludedViolation)]
    [InlineData(false, "rfc822", "alice@example.org", VerifyCode.Ok)]
    [InlineData(false, "smtp", "用户@example.org", VerifyCode.Ok)]
    [InlineData(true, "rfc822", "alice@evil.example", VerifyCode.PermittedViolation)]
    [InlineData(true, "subject", "alice@evil.example", VerifyCode.PermittedViolation)]
    [InlineData(true, "rfc822", "alice@example.com", VerifyCode.Ok)]
    [InlineData(true, "smtp", "用户@example.com", VerifyCode.Ok)]
    public void AnSmtpUtf8MailboxConstraintIsAMailConstraint(bool permitted, string form, string mailbox, VerifyCode expected)
    {
        byte[][] subtrees = [SmtpUtf8Subtree("example.com"), SmtpUtf8Subtree("bücher.example")];
        var nc = Constraints(permitted ? subtrees : [], permitted ? [] : subtrees);
        var r = Verify(nc, MailLeaf(form, mailbox));
        Assert.True(expected == r.Code, $"{(permitted ? "permitted" : "excluded")} / {form} {mailbox}: {r.Code} {r.Message}");
    }

    // ---- item 3: URI constraints (RFC 5280 4.2.1.10, RFC 3986) ----

    [Theory]
    [InlineData("https://192.0.2.1/path", "IP address")]
    [InlineData("https://192.0.2.1:443/", "IP address")]
    [InlineData("https://[2001:db8::1]/", "IP address")]
    [InlineData("https://0xc0000201/", "IP address")]          // a URL parser's IPv4 number
    [InlineData("https://www.0x7f/", "IP address")]
    [InlineData("urn:example:host.good.com", "no authority")]
    [InlineData("mailto:user@host.good.com", "no authority")]
    [InlineData("https:///path", "empty host")]
    [InlineData("https://evil.com\\@host.good.com/", "userinfo")]
    [InlineData("https://host.good.com\\@evil.com/", "userinfo")]
    [InlineData("https://host.good.com/a b", "RFC 3986")]
    [InlineData("https://host.good.com/%zz", "RFC 3986")]
    [InlineData("https://host.good.com/a#b#c", "RFC 3986")]
    [InlineData("ht^tps://host.good.com/", "scheme")]
    [InlineData("https://ho%73t.good.com/", "no valid host name")]
    public void AUriThatNoUriConstraintCanMatchFailsThem(string uri, string reason)
    {
        // Whether the constraint permits the domain or excludes another, such a URI fails it with a reason.
        foreach (var nc in new[] { Constraints([Ia5(6, ".good.com")], []), Constraints([], [Ia5(6, ".example.com")]) })
        {
            var r = Verify(nc, ca => Leaf(ca, san: Names(Ia5(6, uri))));
            Assert.True(r.Code == VerifyCode.UnsupportedNameSyntax && r.Message.Contains(reason, StringComparison.Ordinal), $"{uri}: {r.Code} {r.Message}");
        }
        // With no URI constraint the same URI is no business of name constraints.
        Assert.True(Verify(Constraints([], [Ia5(2, "example.com")]), ca => Leaf(ca, san: Names(Ia5(6, uri)))).IsValid);
    }

    [Theory]
    [InlineData("https://host.good.com/path?q=a/b?c#frag", true, VerifyCode.Ok)]
    [InlineData("https://user:pw@host.good.com:8443/%41", true, VerifyCode.Ok)]
    [InlineData("https://host.evil.com/", true, VerifyCode.PermittedViolation)]
    [InlineData("https://www.example.com/", false, VerifyCode.ExcludedViolation)]
    [InlineData("HTTPS://WWW.EXAMPLE.COM/", false, VerifyCode.ExcludedViolation)]
    [InlineData("https://www.example.org/", false, VerifyCode.Ok)]
    public void ValidUrisAreStillComparedByHost(string uri, bool permitted, VerifyCode expected)
    {
        var nc = permitted ? Constraints([Ia5(6, ".good.com")], []) : Constraints([], [Ia5(6, ".example.com")]);
        var r = Verify(nc, ca => Leaf(ca, san: Names(Ia5(6, uri))));
        Assert.True(expected == r.Code, $"{uri}: {r.Code} {r.Message}");
    }

    // ---- item 4: values Certitude cannot compare fail closed ----

    [Fact]
    public void ADirectoryValueOfAnotherTypeCannotEscapeAnExcludedSubtree()
    {
        var excluded = Constraints([], [DirectorySubtree(Name(("2.5.4.6", UniversalTagNumber.PrintableString, "US"), ("2.5.4.10", UniversalTagNumber.PrintableString, "Evil")))]);
        // O=Evil as a GeneralString (no DirectoryString choice): it cannot be shown to differ from the excluded O=Evil.
        var general = Verify(excluded, Name(("2.5.4.6", UniversalTagNumber.PrintableString, "US"), ("2.5.4.10", UniversalTagNumber.GeneralString, "Evil"), ("2.5.4.3", UniversalTagNumber.UTF8String, "leaf")));
        Assert.True(general.Code == VerifyCode.UnsupportedNameSyntax && general.Message.Contains("cannot be shown to lie outside", StringComparison.Ordinal), $"{general.Code} {general.Message}");
        // The same value as an OCTET STRING.
        var octets = Verify(excluded, Name(("2.5.4.6", UniversalTagNumber.PrintableString, "US"), ("2.5.4.10", UniversalTagNumber.OctetString, "Evil")));
        Assert.Equal(VerifyCode.UnsupportedNameSyntax, octets.Code);
        // As a string type it is compared, and excluded.
        Assert.Equal(VerifyCode.ExcludedViolation, Verify(excluded, Name(("2.5.4.6", UniversalTagNumber.PrintableString, "US"), ("2.5.4.10", UniversalTagNumber.UTF8String, "evil"))).Code);
        // Where the comparable attributes already differ, the name is outside whatever the uncomparable value is.
        Assert.True(Verify(excluded, Name(("2.5.4.6", UniversalTagNumber.PrintableString, "CA"), ("2.5.4.10", UniversalTagNumber.GeneralString, "Evil"))).IsValid);
        // Under a permitted subtree such a value was never shown to be inside.
        var permitted = Constraints([DirectorySubtree(Name(("2.5.4.6", UniversalTagNumber.PrintableString, "US"), ("2.5.4.10", UniversalTagNumber.PrintableString, "Good")))], []);
        Assert.Equal(VerifyCode.PermittedViolation, Verify(permitted, Name(("2.5.4.6", UniversalTagNumber.PrintableString, "US"), ("2.5.4.10", UniversalTagNumber.GeneralString, "Good"))).Code);
    }

    /// <summary>The same for a leaf without subjectAltName whose common name stands for its host name (the CN rule of
    /// the Names section of docs/DESIGN.md): a CN another parser may read as "evil.example" does not pass DNS constraints.</summary>
    [Fact]
    public void ACommonNameOfAnotherTypeCannotEscapeDnsConstraints()
    {
        var nc = Constraints([], [Ia5(2, "evil.example")]);
        var general = Verify(nc, Name(("2.5.4.3", UniversalTagNumber.GeneralString, "www.evil.example")));
        Assert.True(general.Code == VerifyCode.UnsupportedNameSyntax && general.Message.Contains("commonName", StringComparison.Ordinal), $"{general.Code} {general.Message}");
        Assert.Equal(VerifyCode.ExcludedViolation, Verify(nc, Name(("2.5.4.3", UniversalTagNumber.UTF8String, "www.evil.example"))).Code);
        Assert.True(Verify(nc, Name(("2.5.4.3", UniversalTagNumber.UTF8String, "www.good.example"))).IsValid);
    }

    [Fact]
    public void ASubjectEmailAddressThatIsNoIa5StringIsNotAccepted()
    {
        var nc = Constraints([Ia5(1, "good.com")], []);
        foreach (var type in new[] { UniversalTagNumber.OctetString, UniversalTagNumber.UTF8String })
        {
            var r = Verify(nc, Name(("2.5.4.3", UniversalTagNumber.UTF8String, "mail"), ("1.2.840.113549.1.9.1", type, "a@evil.com")));
            Assert.True(r.Code == VerifyCode.UnsupportedNameSyntax && r.Message.Contains("not an IA5String", StringComparison.Ordinal), $"{type}: {r.Code} {r.Message}");
        }
        Assert.Equal(VerifyCode.PermittedViolation, Verify(nc, Name(("2.5.4.3", UniversalTagNumber.UTF8String, "mail"), ("1.2.840.113549.1.9.1", UniversalTagNumber.IA5String, "a@evil.com"))).Code);
        Assert.True(Verify(nc, Name(("2.5.4.3", UniversalTagNumber.UTF8String, "mail"), ("1.2.840.113549.1.9.1", UniversalTagNumber.IA5String, "a@good.com"))).IsValid);
    }

    // ---- item 9, first bullet: UniversalString ----

    [Fact]
    public void UniversalStringValuesDecodeAndCompare()
    {
        // "Ex𝔸mple": a character outside the BMP too (UCS-4 0x0001D538).
        var subject = Name(("2.5.4.10", UniversalTagNumber.UniversalString, "Ex𝔸mple"), ("2.5.4.3", UniversalTagNumber.UniversalString, "leaf"));
        var leaf = Leaf(subject: subject);
        Assert.Equal("leaf", leaf.Subject.CommonName);
        Assert.Equal("CN=leaf, O=Ex𝔸mple", leaf.Subject.ToString());
        // It verifies as any other name (it used to make the certificate malformed).
        Assert.True(TestPki.Verifier(EscapeRoot.Value, Rfc5280).Verify(leaf).IsValid);
        // The same text in UTF8String and UniversalString is the same name (RFC 5280 7.1).
        var utf8Constraint = Name(("2.5.4.10", UniversalTagNumber.UTF8String, "ex𝔸mple"));
        Assert.True(Verify(Constraints([DirectorySubtree(utf8Constraint)], []), subject).IsValid);
        Assert.Equal(VerifyCode.ExcludedViolation, Verify(Constraints([], [DirectorySubtree(utf8Constraint)]), subject).Code);
        // An ediPartyName whose partyName is a UniversalString parses.
        var edi = new AsnWriter(AsnEncodingRules.DER);
        using (edi.PushSequence(new Asn1Tag(TagClass.ContextSpecific, 5, true)))
        using (edi.PushSequence(new Asn1Tag(TagClass.ContextSpecific, 1, true)))
        {
            edi.WriteEncodedValue(UniversalString("party"));
        }
        var withEdi = Leaf(san: Names(edi.Encode(), Ia5(2, "example.com")), subject: Name(("2.5.4.3", UniversalTagNumber.UTF8String, "example.com")));
        Assert.Equal(GeneralNameKind.EdiPartyName, withEdi.SubjectAlternativeNames[0].Kind);
    }

    [Theory]
    [InlineData("0000004100")]          // not a multiple of four octets
    [InlineData("0000D800")]            // a surrogate
    [InlineData("00110000")]            // above U+10FFFF
    public void MalformedUniversalStringIsATypedError(string hex)
    {
        var content = Convert.FromHexString(hex);
        var w = new AsnWriter(AsnEncodingRules.DER);
        using (w.PushSequence())
        using (w.PushSetOf())
        using (w.PushSequence())
        {
            w.WriteObjectIdentifier("2.5.4.3");
            w.WriteEncodedValue(Tlv(UniversalTagNumber.UniversalString, content));
        }
        // (The platform's X500DistinguishedName refuses to carry such a name into a test certificate: the Name alone.)
        var ex = Assert.Throws<CertificateFormatException>(() => DistinguishedName.Decode(w.Encode(), "tbsCertificate.subject"));
        Assert.Contains("UniversalString", ex.Message, StringComparison.Ordinal);
    }

    // ---- item 5: RSA exponents bounded when the key is read ----

    [Fact]
    public void RsaExponentsAbove256BitsAreRejectedWhenTheKeyIsRead()
    {
        // The issue's shape: 3072-bit moduli with 3064-bit odd exponents, offered as untrusted candidate issuers. Each
        // used to cost a modular exponentiation with that exponent before any trust decision; now no such key is read,
        // so no candidate with it exists to verify a signature with.
        var (rootDer, leafDer, candidates) = HostileInputs.RsaExponentCandidates(3, hugeExponent: true);
        foreach (var c in candidates)
        {
            var ex = Assert.Throws<CertificateFormatException>(() => Certificate.Parse(c));
            Assert.Contains("above 2^256 - 1 (CA/B BR 6.1.6)", ex.Message, StringComparison.Ordinal);
            Assert.Contains("subjectPublicKeyInfo", ex.Message, StringComparison.Ordinal);
        }
        // With e = 65537 the same candidates are read and tried: each fails its signature (no trust, no pass).
        var (_, _, usual) = HostileInputs.RsaExponentCandidates(3, hugeExponent: false);
        var parsed = usual.Select(c => Certificate.Parse(c)).ToArray();
        var r = new Verifier(TrustStore.FromCertificates([Certificate.Parse(rootDer)]), new VerificationOptions { ValidationTime = DateTimeOffset.UtcNow })
            .Verify(Certificate.Parse(leafDer), parsed);
        Assert.False(r.IsValid);
        Assert.Equal(VerifyCode.CertSignatureFailure, r.Code);

        // The bound is 2^256 - 1 exactly, whatever the profile.
        using var rsa = RSA.Create(3072);
        var n = rsa.ExportParameters(false).Modulus!;
        var max = (BigInteger.One << 256) - 1;
        Assert.Equal(3072, CertificateWithExponent(n, max).PublicKey.KeySizeBits);
        var over = Assert.Throws<CertificateFormatException>(() => CertificateWithExponent(n, max + 2));
        Assert.Contains("257 bits", over.Message, StringComparison.Ordinal);
    }

    private static Certificate CertificateWithExponent(byte[] modulus, BigInteger e)
    {
        var key = new PublicKey(new Oid("1.2.840.113549.1.1.1"), new AsnEncodedData([0x05, 0x00]), new AsnEncodedData(HostileInputs.RsaPublicKey(modulus, e)));
        using var signer = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var req = new CertificateRequest(new X500DistinguishedName("CN=Exponent"), key, HashAlgorithmName.SHA256);
        return Certificate.Parse(req.Create(new X500DistinguishedName("CN=Signer"), X509SignatureGenerator.CreateForECDsa(signer), TestPki.Now.AddDays(-1), TestPki.Now.AddDays(1), [1]).RawData);
    }

    // ---- helpers ----

    private static readonly Lazy<Issued> EscapeRoot = new(() => TestPki.Root("CN=Escape Root"));
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, Issued> Cas = new();

    /// <summary>The leaf, issued by a CA carrying the name constraints, verified under the RFC 5280 profile.</summary>
    private static VerificationResult Verify(X509Extension nc, Func<Issued, Certificate> leaf)
    {
        var ca = Cas.GetOrAdd(Convert.ToHexString(nc.RawData), _ => TestPki.Ca(EscapeRoot.Value, "CN=Escape CA", spec: new CertSpec { Extra = [nc] }));
        return TestPki.Verifier(EscapeRoot.Value, Rfc5280).Verify(leaf(ca), [ca.Cert]);
    }

    private static VerificationResult Verify(X509Extension nc, byte[] subject) => Verify(nc, ca => Leaf(ca, subject: subject));

    private static X509Extension Constraints(byte[][] permitted, byte[][] excluded)
    {
        var w = new AsnWriter(AsnEncodingRules.DER);
        using (w.PushSequence())
        {
            foreach (var (list, tag) in new[] { (permitted, 0), (excluded, 1) })
            {
                if (list.Length == 0)
                {
                    continue;
                }
                using (w.PushSequence(new Asn1Tag(TagClass.ContextSpecific, tag)))
                {
                    foreach (var b in list)
                    {
                        using (w.PushSequence())
                        {
                            w.WriteEncodedValue(b);
                        }
                    }
                }
            }
        }
        return new X509Extension("2.5.29.30", w.Encode(), true);
    }

    private static byte[] Ia5(int tag, string value)
    {
        var w = new AsnWriter(AsnEncodingRules.DER);
        w.WriteCharacterString(UniversalTagNumber.IA5String, value, new Asn1Tag(TagClass.ContextSpecific, tag));
        return w.Encode();
    }

    private static byte[] SmtpUtf8(string mailbox)
    {
        var w = new AsnWriter(AsnEncodingRules.DER);
        using (w.PushSequence(new Asn1Tag(TagClass.ContextSpecific, 0)))
        {
            w.WriteObjectIdentifier(SmtpUtf8Oid);
            using (w.PushSequence(new Asn1Tag(TagClass.ContextSpecific, 0, true)))
            {
                w.WriteCharacterString(UniversalTagNumber.UTF8String, mailbox);
            }
        }
        return w.Encode();
    }

    private static byte[] SmtpUtf8Subtree(string value) => SmtpUtf8(value);

    private static byte[] DirectorySubtree(byte[] name)
    {
        var w = new AsnWriter(AsnEncodingRules.DER);
        using (w.PushSequence(new Asn1Tag(TagClass.ContextSpecific, 4, true)))
        {
            w.WriteEncodedValue(name);
        }
        return w.Encode();
    }

    private static byte[] Names(params byte[][] names)
    {
        var w = new AsnWriter(AsnEncodingRules.DER);
        using (w.PushSequence())
        {
            foreach (var n in names)
            {
                w.WriteEncodedValue(n);
            }
        }
        return w.Encode();
    }

    private static byte[] UniversalString(string s)
    {
        var content = new List<byte>();
        foreach (var rune in s.EnumerateRunes())
        {
            content.AddRange([(byte)(rune.Value >> 24), (byte)(rune.Value >> 16), (byte)(rune.Value >> 8), (byte)rune.Value]);
        }
        return Tlv(UniversalTagNumber.UniversalString, content.ToArray());
    }

    /// <summary>A primitive universal TLV (AsnWriter writes no string type from octets).</summary>
    private static byte[] Tlv(UniversalTagNumber tag, byte[] content)
    {
        var length = new AsnWriter(AsnEncodingRules.DER);
        length.WriteOctetString(content);
        var encoded = length.Encode();
        encoded[0] = (byte)tag;
        return encoded;
    }

    /// <summary>A Name of one attribute per RDN, most significant first, each value written with the given type.</summary>
    private static byte[] Name(params (string Oid, UniversalTagNumber Type, string Value)[] attributes)
    {
        var w = new AsnWriter(AsnEncodingRules.DER);
        using (w.PushSequence())
        {
            foreach (var (oid, type, value) in attributes)
            {
                using (w.PushSetOf())
                using (w.PushSequence())
                {
                    w.WriteObjectIdentifier(oid);
                    switch (type)
                    {
                        case UniversalTagNumber.UniversalString:
                            w.WriteEncodedValue(UniversalString(value));
                            break;
                        case UniversalTagNumber.OctetString:
                            w.WriteOctetString(System.Text.Encoding.ASCII.GetBytes(value));
                            break;
                        case UniversalTagNumber.GeneralString:
                            w.WriteEncodedValue(Tlv(UniversalTagNumber.GeneralString, System.Text.Encoding.ASCII.GetBytes(value)));
                            break;
                        default:
                            w.WriteCharacterString(type, value);
                            break;
                    }
                }
            }
        }
        return w.Encode();
    }

    /// <summary>An S/MIME leaf of the current constrained CA carrying the mailbox as an rfc822Name, an SmtpUTF8Mailbox or
    /// (with a dNSName-only SAN) a subject emailAddress.</summary>
    private static Func<Issued, Certificate> MailLeaf(string form, string mailbox) => ca => form switch
    {
        "rfc822" => Leaf(ca, san: Names(Ia5(1, mailbox))),
        "smtp" => Leaf(ca, san: Names(SmtpUtf8(mailbox))),
        _ => Leaf(ca, subject: Name(("2.5.4.3", UniversalTagNumber.UTF8String, "mail"), ("1.2.840.113549.1.9.1", UniversalTagNumber.IA5String, mailbox))),
    };

    private static Certificate Leaf(Issued? issuer = null, byte[]? san = null, byte[]? subject = null)
    {
        issuer ??= EscapeRoot.Value;
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var req = new CertificateRequest(new X500DistinguishedName("CN=placeholder"), key, HashAlgorithmName.SHA256);
        req.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        req.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.4")], false));
        if (san is not null)
        {
            req.CertificateExtensions.Add(new X509Extension("2.5.29.17", san, false));
        }
        var ski = issuer.X509.Extensions.OfType<X509SubjectKeyIdentifierExtension>().First();
        req.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromSubjectKeyIdentifier(ski));
        var serial = new byte[8];
        RandomNumberGenerator.Fill(serial);
        serial[0] = 0x01;
        var cert = req.Create(issuer.X509.SubjectName, issuer.Generator, TestPki.Now.AddDays(-10), TestPki.Now.AddDays(10), serial);
        // The platform refuses to load a certificate with some of the subjects made here (an OCTET STRING value): the
        // subject is put into the to-be-signed part afterwards and signed again with the issuer's key.
        var tbs = new AsnReader(HostileInputs.ReplaceTbsElement(cert.RawData, 5, subject ?? Name(("2.5.4.3", UniversalTagNumber.UTF8String, "leaf"))), AsnEncodingRules.DER)
            .ReadSequence().ReadEncodedValue().ToArray();
        var w = new AsnWriter(AsnEncodingRules.DER);
        using (w.PushSequence())
        {
            w.WriteEncodedValue(tbs);
            using (w.PushSequence())
            {
                w.WriteObjectIdentifier("1.2.840.10045.4.3.2");
            }
            w.WriteBitString(((ECDsa)issuer.Key).SignData(tbs, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence));
        }
        return Certificate.Parse(w.Encode());
    }
}
