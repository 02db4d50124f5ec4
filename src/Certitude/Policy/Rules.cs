using Certitude.Der;
using Certitude.Names;

namespace Certitude;

/// <summary>Where in a path a certificate stands.</summary>
[Flags]
internal enum CertRole
{
    Leaf = 1,
    Intermediate = 2,
    Anchor = 4,
    Issuer = Intermediate | Anchor,
    Any = Leaf | Intermediate | Anchor,
}

/// <summary>When a violated rule is an error. The principle (docs/DESIGN.md): a rule is <see cref="Always"/> or
/// <see cref="Strict"/> when skipping it would let a certificate claim authority or identity it should not have,
/// weaken the cryptography, or let two parsers read the certificate differently; a rule that only restates a CA's
/// duty (RFC 5280 section 4's "conforming CAs MUST", most of the CA/B Baseline Requirements) is <see cref="Issuance"/>.</summary>
public enum RuleTier
{
    /// <summary>Always: the RFC 5280 6.1 algorithm and what makes a certificate mean anything at all.</summary>
    Always,
    /// <summary>Under <see cref="VerifyFlags.X509Strict"/> (on by default): the rules that protect the relying party
    /// (authority, identity, cryptography, unambiguous encoding) beyond the RFC 5280 6.1 algorithm.</summary>
    Strict,
    /// <summary>A CA's duties when it issues (RFC 5280 section 4, CA/B Baseline Requirements) that give a relying party
    /// no protection: errors under <see cref="VerifyFlags.CabfIssuance"/> or when the path ends at a root of a public
    /// root program trusted for the purpose at hand; otherwise reported as <see cref="VerificationResult.Warnings"/>.</summary>
    Issuance,
}

/// <summary>What a rule may look at besides the certificate.</summary>
internal sealed class RuleInput(CertRole role, VerificationOptions options, Func<bool> isSelfSigned)
{
    public CertRole Role { get; } = role;
    public VerificationOptions Options { get; } = options;
    private bool? _selfSigned;

    /// <summary>Self-issued and its signature verifies with its own key (RFC 5280 3.2 "self-signed").</summary>
    public bool IsSelfSigned => _selfSigned ??= isSelfSigned();

    /// <summary>The certificate is the trust anchor and its own constraints are not applied (<see cref="VerifyFlags.IgnoreAnchorConstraints"/>).</summary>
    public bool AnchorConstraintsIgnored => Role == CertRole.Anchor && (Options.Flags & VerifyFlags.IgnoreAnchorConstraints) != 0;
}

/// <summary>
/// One structural rule of a profile: which certificates it applies to, its tier, the code a violation
/// reports, the rule it enforces, what goes wrong for the relying party when it is skipped (docs/DESIGN.md
/// shows it; an Issuance rule has nothing there), and the check itself (null when satisfied, else what is wrong).
/// </summary>
internal sealed record CertificateRule(
    string Id,
    string Citation,
    CertRole Roles,
    RuleTier Tier,
    VerifyCode Code,
    string Risk,
    Func<Certificate, RuleInput, string?> Check,
    bool ServerOnly = false);

/// <summary>The rule tables of the two profiles. Each line cites the text it enforces.</summary>
internal static class RuleTables
{
    private static string? If(bool violated, string message) => violated ? message : null;

    private static ExtensionHeader? Ext(Certificate c, string oid) => c.FindExtension(oid);

    private static readonly HashSet<string> Understood = new(StringComparer.Ordinal)
    {
        Oids.AuthorityKeyIdentifier, Oids.SubjectKeyIdentifier, Oids.KeyUsage, Oids.CertificatePolicies,
        Oids.PolicyMappings, Oids.SubjectAltName, Oids.IssuerAltName, Oids.BasicConstraints, Oids.NameConstraints,
        Oids.PolicyConstraints, Oids.ExtKeyUsage, Oids.CrlDistributionPoints, Oids.InhibitAnyPolicy, Oids.FreshestCrl,
        Oids.AuthorityInfoAccess, Oids.SubjectInfoAccess,
    };

    /// <summary>The first critical extension Certitude does not process, or null.</summary>
    private static string? FirstUnprocessedCritical(Certificate c)
    {
        foreach (var e in c.ExtensionHeaders)
        {
            if (e.Critical && !Understood.Contains(e.Oid))
            {
                return e.Oid;
            }
        }
        return null;
    }

    // What "nothing" means in the Risk column: the rule restates a CA's duty and the relying party loses nothing.
    private const string Nothing = "nothing";

    public static readonly CertificateRule[] Common =
    [
        // ---- RuleTier.Always ----
        new("unknown-critical-extension", "RFC 5280 4.2", CertRole.Any, RuleTier.Always, VerifyCode.UnhandledCriticalExtension,
            "a restriction the issuer marked as essential (on an anchor: a constraint Certitude cannot enforce) would be ignored",
            (c, _) => FirstUnprocessedCritical(c) is { } oid ? $"critical extension {Elide.Text(oid)} is not understood" : null),
        new("signature-algorithm-consistency", "RFC 5280 4.1.1.2", CertRole.Any, RuleTier.Always, VerifyCode.SignatureAlgorithmInconsistency,
            "two parsers could verify the signature under different algorithms",
            (c, _) => If(!c.SignatureAlgorithm.RawData.Span.SequenceEqual(c.TbsSignatureAlgorithmRaw.Span),
                "signatureAlgorithm differs from tbsCertificate.signature")),
        new("issuer-is-ca", "RFC 5280 6.1.4 (k), 4.2.1.9", CertRole.Intermediate, RuleTier.Always, VerifyCode.InvalidCa,
            "an end-entity certificate could issue certificates",
            (c, _) => If(c.Version == 3 && c.BasicConstraints?.IsCa != true,
                c.BasicConstraints is null ? "issuer has no basicConstraints extension" : "issuer's basicConstraints does not assert cA")),
        new("issuer-keycertsign", "RFC 5280 6.1.4 (n), 4.2.1.3", CertRole.Issuer, RuleTier.Always, VerifyCode.KeyUsageNoCertSign,
            "a key restricted from signing certificates could issue them",
            (c, r) => If(!r.AnchorConstraintsIgnored && c.KeyUsage is { } ku && (ku & KeyUsageFlags.KeyCertSign) == 0, "issuer's keyUsage lacks keyCertSign")),
        // RFC 5280 6.1.4 (k): "If certificate i is a version 1 or version 2 certificate, then the application
        // MUST either verify that certificate i is a CA certificate through out-of-band means or reject the
        // certificate." Being a trust anchor is the only out-of-band means a verifier has.
        new("issuer-is-v3", "RFC 5280 6.1.4 (k)", CertRole.Intermediate, RuleTier.Always, VerifyCode.CaNotVersion3,
            "any v1 certificate (which cannot say it is not a CA) could issue certificates",
            (c, _) => If(c.Version != 3, $"a version {c.Version} certificate cannot be an intermediate CA (only a trust anchor may be v1 or v2)")),
        // RFC 5280 4.2.1.10: "The name constraints extension ... MUST be used only in a CA certificate";
        // in any other certificate it would constrain nothing, so the path is invalid.
        new("name-constraints-only-in-ca", "RFC 5280 4.2.1.10", CertRole.Any, RuleTier.Always, VerifyCode.InvalidExtension,
            "a constraint its writer meant to apply would silently constrain nothing",
            (c, _) => If(c.NameConstraints is not null && !c.IsCertificateAuthority, "nameConstraints in a certificate that is not a CA")),
        // RFC 5280 4.2.1.10: "minimum MUST be zero, and maximum MUST be absent".
        new("name-constraints-no-min-max", "RFC 5280 4.2.1.10", CertRole.Any, RuleTier.Always, VerifyCode.SubtreeMinMax,
            "verifiers would read a subtree with different bounds (none defines them)",
            (c, _) => If(c.NameConstraints is { } nc && (nc.Permitted ?? []).Concat(nc.Excluded ?? []).Any(s => s.HasMinMax),
                "a GeneralSubtree has a minimum other than 0 or a maximum")),
        // RFC 5280 4.2.1.4: "CPSuri ::= IA5String", "UserNotice ::= SEQUENCE { ... }": a CPS pointer or user
        // notice that breaks its own syntax makes the extension malformed, critical or not.
        new("policy-qualifier-syntax", "RFC 5280 4.2.1.4", CertRole.Leaf | CertRole.Intermediate, RuleTier.Always, VerifyCode.InvalidPolicyExtension,
            "two parsers would read the policy extension differently",
            (c, _) => If(c.HasMalformedPolicyQualifier, "a CPS or user-notice policy qualifier does not have the syntax RFC 5280 gives it")),
        // RFC 5280 4.2.1.4: "Applications that process a critical certificatePolicies extension MUST be able
        // to interpret this extension (including the optional qualifier), or MUST reject the certificate."
        new("critical-policy-qualifiers", "RFC 5280 4.2.1.4", CertRole.Any, RuleTier.Always, VerifyCode.UnhandledCriticalExtension,
            "a qualifier the issuer marked as essential would be ignored",
            (c, _) => If(c.HasUninterpretedPolicyQualifier && Ext(c, Oids.CertificatePolicies) is { Critical: true },
                "critical certificatePolicies carries a policy qualifier other than a CPS URI or a user notice")),
        // RFC 5280 4.2.1.5: "Policies MUST NOT be mapped either to or from the special value anyPolicy."
        // (An intermediate's mappings are checked by 6.1.4 (a) in the policy processing.)
        new("policy-mappings-any-policy", "RFC 5280 4.2.1.5", CertRole.Leaf, RuleTier.Always, VerifyCode.InvalidPolicyExtension,
            "a mapping of anyPolicy has no defined meaning: verifiers would assert different policies",
            (c, _) => If(c.PolicyMappings?.Any(m => m.IssuerDomain == Oids.AnyPolicy || m.SubjectDomain == Oids.AnyPolicy) == true,
                "policyMappings maps to or from anyPolicy")),
        // RFC 5280 4.1.2.9: extensions "MUST only appear if the version is 3".
        new("v3-for-extensions", "RFC 5280 4.1.2.9", CertRole.Any, RuleTier.Always, VerifyCode.ExtensionsRequireVersion3,
            "a v1 parser would ignore the extensions (constraints included) a v3 parser applies",
            (c, _) => If(c.ExtensionHeaders.Length > 0 && c.Version != 3, $"version {c.Version} certificate carries extensions")),
        // RFC 5280 4.1.2.8: unique identifiers "MUST only appear if the version is 2 or 3".
        new("unique-ids-need-v2", "RFC 5280 4.1.2.8", CertRole.Any, RuleTier.Always, VerifyCode.UniqueIdentifierRequiresVersion2,
            "parsers would disagree on where the fields of a v1 certificate end",
            (c, _) => If(c.HasUniqueIdentifiers && c.Version == 1, "version 1 certificate carries issuerUniqueID or subjectUniqueID")),

        // ---- RuleTier.Strict: relying-party rules beyond the 6.1 algorithm (authority, identity, cryptography, encoding) ----
        // An anchor is a name and a key (RFC 5280 6.1.1 (d)); of its certificate Certitude enforces its validity and
        // constraints, among them an explicit cA FALSE: its owner said the key does not issue certificates.
        new("anchor-is-ca", "RFC 5280 4.2.1.9", CertRole.Anchor, RuleTier.Strict, VerifyCode.InvalidCa,
            "a key its owner declared an end entity (cA FALSE) would anchor certificates",
            (c, r) => If(!r.AnchorConstraintsIgnored && c.BasicConstraints is { IsCa: false }, "trust anchor's basicConstraints does not assert cA")),
        // RFC 5280 4.1.2.2: "Certificate users MUST be able to handle serialNumber values up to 20 octets. Conforming CAs
        // MUST NOT use serialNumber values longer than 20 octets": the value, so a positive 20-octet value that needs a
        // leading 0x00 in DER (21 content octets) is within the limit. Not applied to trust anchors (a name and a key).
        new("serial-number-length", "RFC 5280 4.1.2.2", CertRole.Leaf | CertRole.Intermediate, RuleTier.Strict, VerifyCode.ProfileViolation,
            "verifiers, CRLs and OCSP responders that keep 20 octets would identify the certificate differently (revocation by serial)",
            (c, _) => If(SerialValueLength(c.SerialNumber.Span) > 20, $"serial number has {SerialValueLength(c.SerialNumber.Span)} octets, more than 20")),
        new("signature-parameters", "RFC 4055 5, RFC 5758 3.2, RFC 8410 3", CertRole.Any, RuleTier.Strict, VerifyCode.SignatureAlgorithmInconsistency,
            "malformed algorithm parameters let verifiers run different algorithms over the same signature",
            (c, _) => c.SignatureAlgorithm.Problem),
        new("validity-whole-seconds", "RFC 5280 4.1.2.5.2", CertRole.Any, RuleTier.Strict, VerifyCode.ErrorInCertNotBeforeField,
            "verifiers would round the validity edges differently",
            (c, _) => If(c.ValidityHasFractionalSeconds, "GeneralizedTime has fractional seconds")),
        // RFC 5280 4.1.2.5: "CAs conforming to this profile MUST always encode certificate validity dates through the
        // year 2049 as UTCTime". Two encodings of one date make two readings possible (a verifier that reads only UTCTime).
        // NOTE: not applied to trust anchors (a name and a key; Mozilla's Certum Trusted Network CA 2 has such a date).
        new("utctime-before-2050", "RFC 5280 4.1.2.5", CertRole.Leaf | CertRole.Intermediate, RuleTier.Strict, VerifyCode.ErrorInCertNotBeforeField,
            "two encodings of one date: verifiers that expect UTCTime before 2050 read the validity differently or not at all",
            (c, _) => (c.StrictEncoding & StrictEncodingProblems.GeneralizedTimeNotBefore) != 0 ? "notBefore before 2050 is GeneralizedTime, not UTCTime"
                : (c.StrictEncoding & StrictEncodingProblems.GeneralizedTimeNotAfter) != 0 ? "notAfter before 2050 is GeneralizedTime, not UTCTime" : null),
        // X.690 11.2.2 (RFC 5280 4.2.1.3 KeyUsage is a named bit list): DER drops trailing zero bits, so one set of usages
        // has one encoding.
        new("keyusage-der", "RFC 5280 4.2.1.3, X.690 11.2.2", CertRole.Leaf | CertRole.Intermediate, RuleTier.Strict, VerifyCode.InvalidExtension,
            "a keyUsage with trailing zero bits is not DER: parsers disagree on the bits it holds",
            (c, _) => If(c.Version == 3 && (c.StrictEncoding & StrictEncodingProblems.KeyUsageNotDer) != 0, "keyUsage BIT STRING keeps trailing zero bits (not DER)")),
        // X.680 41.4: PrintableString's alphabet is A-Z a-z 0-9 space ' ( ) + , - . / : = ?. A name holding '@', '_' or '*'
        // in one is read as text by some parsers and refused by others, so name chaining and name constraints disagree.
        new("printablestring-alphabet", "RFC 5280 4.1.2.4, X.680 41.4", CertRole.Leaf | CertRole.Intermediate, RuleTier.Strict, VerifyCode.MalformedCertificate,
            "parsers disagree on the name (some refuse it, some read the characters), so chaining and name constraints can differ",
            (c, _) => PrintableStringProblem(c.Issuer, "issuer") ?? PrintableStringProblem(c.Subject, "subject")),
        new("issuer-not-empty", "RFC 5280 4.1.2.4", CertRole.Leaf | CertRole.Intermediate, RuleTier.Strict, VerifyCode.IssuerNameEmpty,
            "an empty issuer name chains to any CA with an empty name and makes CRL scope by issuer ambiguous",
            (c, _) => If(c.Issuer.IsEmpty, "issuer name is empty")),
        new("ca-subject-not-empty", "RFC 5280 4.1.2.6", CertRole.Leaf | CertRole.Intermediate, RuleTier.Strict, VerifyCode.SubjectNameEmpty,
            "name chaining from an empty CA name is ambiguous: any empty issuer matches it",
            (c, r) => If(c.Subject.IsEmpty && (c.IsCertificateAuthority || r.Role != CertRole.Leaf), "CA subject name is empty")),
        // RFC 5280 4.2.1.3, 4.2.1.9: keyCertSign "MUST" come with cA. Some verifiers (OpenSSL outside strict mode) take a v3
        // certificate with keyCertSign and no basicConstraints for a CA: the certificate claims authority.
        new("keycertsign-only-for-ca", "RFC 5280 4.2.1.3, 4.2.1.9", CertRole.Leaf | CertRole.Intermediate, RuleTier.Strict, VerifyCode.KuKeyCertSignInvalidForNonCa,
            "the certificate claims authority to issue: verifiers that read keyCertSign without basicConstraints as a CA would let it issue",
            (c, _) => If(c.KeyUsage is { } ku && (ku & KeyUsageFlags.KeyCertSign) != 0 && !c.IsCertificateAuthority,
                "keyUsage asserts keyCertSign but basicConstraints does not assert cA")),
        new("san-syntax", "RFC 5280 4.2.1.6", CertRole.Leaf | CertRole.Intermediate, RuleTier.Strict, VerifyCode.UnsupportedNameSyntax,
            "a malformed presented identifier could match a reference name, or escape a name constraint, by another reading",
            (c, _) => SanSyntax(c)),
        new("ec-named-curve", "RFC 5480 2.1.1", CertRole.Any, RuleTier.Strict, VerifyCode.EcKeyExplicitParams,
            "explicit curve parameters can describe a weak curve under a familiar key (CVE-2020-0601)",
            (c, _) => If(c.PublicKey.HasExplicitCurve, "EC public key uses explicit curve parameters")),

        // ---- RuleTier.Issuance: a CA's duties (RFC 5280 section 4); the relying party loses nothing when they are skipped ----
        // X.690 11.5: DER omits a value equal to its DEFAULT. Many CA tools write cA FALSE, critical FALSE, version v1 or a
        // name-constraint minimum 0 explicitly; the meaning is unambiguous and the signature covers the bytes as sent, so a relying party loses nothing.
        // Every other DER violation stays a parse error.
        new("der-default-omitted", "X.690 11.5 (RFC 5280 4.1)", CertRole.Any, RuleTier.Issuance, VerifyCode.MalformedCertificate, Nothing,
            (c, _) => c.EncodingSlips == EncodingSlips.None ? null : $"DER requires DEFAULT values to be omitted: {EncodingSlipText.Describe(c.EncodingSlips)}"),
        // RFC 9598 3: how a CA writes an SmtpUTF8Mailbox (no BOM, a non-ASCII local part, A-labels). The comparison
        // and rfc822Name constraints do not depend on it (the domain is compared after IDNA).
        new("smtputf8-mailbox-form", "RFC 9598 3", CertRole.Any, RuleTier.Issuance, VerifyCode.UnsupportedNameSyntax, Nothing,
            (c, _) => SmtpUtf8Form(c)),
        // RFC 5280 4.1.2.2: "The serial number MUST be a positive integer assigned by the CA"; "Certificate users SHOULD be
        // prepared to gracefully handle such certificates" (zero or negative): the CA's error.
        new("serial-number-positive", "RFC 5280 4.1.2.2", CertRole.Leaf | CertRole.Intermediate, RuleTier.Issuance, VerifyCode.ProfileViolation, Nothing,
            (c, _) => (c.SerialNumber.Span[0] & 0x80) != 0 ? "serial number is negative"
                : c.SerialNumber.Span.IndexOfAnyExcept((byte)0) < 0 ? "serial number is zero" : null),
        // RFC 5280 4.2.1.1: "MUST be included in all certificates generated by conforming CAs" (a path-building hint; the
        // search also tries issuers by name). Not asked of a self-signed certificate. Extensions need v3 (4.1.2.9).
        new("aki-present", "RFC 5280 4.2.1.1", CertRole.Leaf | CertRole.Intermediate, RuleTier.Issuance, VerifyCode.MissingAuthorityKeyIdentifier, Nothing,
            (c, r) => c.Version < 3 ? null : AkiMissing(c, r)),
        new("aki-not-critical", "RFC 5280 4.2.1.1", CertRole.Any, RuleTier.Issuance, VerifyCode.AuthorityKeyIdentifierCritical, Nothing,
            (c, _) => If(Ext(c, Oids.AuthorityKeyIdentifier) is { Critical: true }, "authorityKeyIdentifier is critical")),
        new("ski-not-critical", "RFC 5280 4.2.1.2", CertRole.Any, RuleTier.Issuance, VerifyCode.SubjectKeyIdentifierCritical, Nothing,
            (c, _) => If(Ext(c, Oids.SubjectKeyIdentifier) is { Critical: true }, "subjectKeyIdentifier is critical")),
        new("ca-has-ski", "RFC 5280 4.2.1.2", CertRole.Any, RuleTier.Issuance, VerifyCode.MissingSubjectKeyIdentifier, Nothing,
            (c, _) => If(c.IsCertificateAuthority && c.SubjectKeyId is null, "CA certificate has no subjectKeyIdentifier")),
        // RFC 5280 4.2.1.9: conforming CAs MUST include basicConstraints in CA certificates. An intermediate without it is
        // refused by issuer-is-ca (Always); a v3 trust anchor without it is still a name and a key (6.1.1 (d)).
        new("ca-has-basic-constraints", "RFC 5280 4.2.1.9", CertRole.Anchor, RuleTier.Issuance, VerifyCode.InvalidCa, Nothing,
            (c, _) => If(c.Version == 3 && c.BasicConstraints is null, "trust anchor has no basicConstraints extension")),
        // RFC 5280 4.2.1.3: "Conforming CAs MUST include this extension in certificates that contain public keys that are
        // used to validate digital signatures on other public key certificates or CRLs." Absent, no usage is restricted
        // (6.1.4 (n) reads keyUsage "if present"). NOTE: not asked of the trust anchor's own certificate.
        new("ca-has-keyusage", "RFC 5280 4.2.1.3", CertRole.Leaf | CertRole.Intermediate, RuleTier.Issuance, VerifyCode.CaCertMissingKeyUsage, Nothing,
            (c, _) => If(c.IsCertificateAuthority && c.KeyUsage is null, "CA certificate has no keyUsage extension")),
        // RFC 5280 4.2.1.9: conforming CAs "MUST mark the extension as critical". basicConstraints is read either way.
        new("ca-basic-constraints-critical", "RFC 5280 4.2.1.9", CertRole.Issuer, RuleTier.Issuance, VerifyCode.CaBasicConstraintsNotCritical, Nothing,
            (c, _) => If(c.IsCertificateAuthority && Ext(c, Oids.BasicConstraints) is { Critical: false }, "basicConstraints of a CA is not critical")),
        // RFC 5280 4.2.1.9: "CAs MUST NOT include the pathLenConstraint field unless the cA boolean is asserted and the key
        // usage extension, if present, asserts the keyCertSign bit." Such a certificate cannot issue anyway (issuer-is-ca,
        // issuer-keycertsign), so the constraint constrains nothing.
        new("pathlen-only-for-ca", "RFC 5280 4.2.1.9", CertRole.Any, RuleTier.Issuance, VerifyCode.PathLenInvalidForNonCa, Nothing,
            (c, _) => If(c.BasicConstraints is { IsCa: false, PathLen: not null }, "pathLenConstraint without cA")),
        new("pathlen-needs-keycertsign", "RFC 5280 4.2.1.9", CertRole.Any, RuleTier.Issuance, VerifyCode.PathLenWithoutKuKeyCertSign, Nothing,
            (c, _) => If(c.BasicConstraints?.PathLen is not null && c.KeyUsage is { } ku && (ku & KeyUsageFlags.KeyCertSign) == 0,
                "pathLenConstraint while keyUsage lacks keyCertSign")),
        // Criticality of extensions Certitude always processes: "conforming CAs MUST mark" (or "MUST NOT mark") them.
        new("policy-constraints-critical", "RFC 5280 4.2.1.11", CertRole.Any, RuleTier.Issuance, VerifyCode.InvalidPolicyExtension, Nothing,
            (c, _) => If(Ext(c, Oids.PolicyConstraints) is { Critical: false }, "policyConstraints is not critical")),
        new("inhibit-any-policy-critical", "RFC 5280 4.2.1.14", CertRole.Any, RuleTier.Issuance, VerifyCode.InvalidPolicyExtension, Nothing,
            (c, _) => If(Ext(c, Oids.InhibitAnyPolicy) is { Critical: false }, "inhibitAnyPolicy is not critical")),
        new("aia-not-critical", "RFC 5280 4.2.2.1", CertRole.Any, RuleTier.Issuance, VerifyCode.InvalidExtension, Nothing,
            (c, _) => If(Ext(c, Oids.AuthorityInfoAccess) is { Critical: true }, "authorityInfoAccess is critical")),
        new("sia-not-critical", "RFC 5280 4.2.2.2", CertRole.Any, RuleTier.Issuance, VerifyCode.InvalidExtension, Nothing,
            (c, _) => If(Ext(c, Oids.SubjectInfoAccess) is { Critical: true }, "subjectInfoAccess is critical")),
        // RFC 5280 4.1.2.6: "the issuing CA MUST include a subjectAltName extension that is marked as critical". Certitude
        // reads the SAN either way; a verifier that ignores a non-critical SAN sees no identity at all (it fails closed).
        new("empty-subject-needs-critical-san", "RFC 5280 4.1.2.6, 4.2.1.6", CertRole.Leaf | CertRole.Intermediate, RuleTier.Issuance, VerifyCode.EmptySubjectSanNotCritical, Nothing,
            (c, _) => If(c.Subject.IsEmpty && Ext(c, Oids.SubjectAltName) is not { Critical: true },
                "subject is empty and subjectAltName is absent or not critical")),
    ];

    /// <summary>RFC 5280 profile only.</summary>
    public static readonly CertificateRule[] Rfc5280Only =
    [
        // An anchor certificate that is not self-signed is an ordinary CA certificate to RFC 5280, so its CA owes an AKI.
        // NOTE: the web PKI judges anchors by the root CA profile instead (BR 7.1.2.1.3: AKI optional).
        new("anchor-aki-present", "RFC 5280 4.2.1.1", CertRole.Anchor, RuleTier.Issuance, VerifyCode.MissingAuthorityKeyIdentifier, Nothing,
            (c, r) => c.Version < 3 ? null : AkiMissing(c, r)),
        // Certitude applies nameConstraints whether or not they are critical (BR 7.1.2.5.2 lets them be non-critical).
        new("name-constraints-critical", "RFC 5280 4.2.1.10", CertRole.Any, RuleTier.Issuance, VerifyCode.InvalidExtension, Nothing,
            (c, _) => If(Ext(c, Oids.NameConstraints) is { Critical: false }, "nameConstraints is not critical")),
    ];

    /// <summary>CA/Browser Forum Baseline Requirements (TLS) on top of RFC 5280. NOTE: BR 7.1.2.5.2
    /// lets nameConstraints be non-critical. Rules that decide authority (cA or keyCertSign on a leaf) are
    /// Strict; rules of the TLS server certificate profile that a CA must follow but that protect no relying
    /// party (SAN form, EKU presence and criticality, CN copies a SAN, root-profile details) are Issuance and
    /// apply to server purposes only. A leaf without subjectAltName fails host-name checks anyway (RFC 9525 6.3:
    /// no CN fallback).</summary>
    public static readonly CertificateRule[] WebPkiOnly =
    [
        new("v3-only", "CA/B BR 7.1.1", CertRole.Any, RuleTier.Issuance, VerifyCode.ProfileViolation, Nothing,
            (c, _) => If(c.Version != 3, $"certificate is version {c.Version}, not 3"), ServerOnly: true),
        new("leaf-not-ca", "CA/B BR 7.1.2.7.8", CertRole.Leaf, RuleTier.Strict, VerifyCode.InvalidNonCa,
            "a subscriber certificate that claims authority could be used to issue (and be accepted as an intermediate elsewhere)",
            (c, _) => If(c.IsCertificateAuthority, "subscriber certificate asserts cA")),
        new("leaf-no-keycertsign", "CA/B BR 7.1.2.7.11", CertRole.Leaf, RuleTier.Strict, VerifyCode.InvalidNonCa,
            "a subscriber key allowed to sign certificates claims authority",
            (c, _) => If(c.KeyUsage is { } ku && (ku & KeyUsageFlags.KeyCertSign) != 0, "subscriber certificate asserts keyCertSign")),
        new("leaf-san-required", "CA/B BR 7.1.2.7.12", CertRole.Leaf, RuleTier.Issuance, VerifyCode.ProfileViolation, Nothing,
            (c, _) => If(c.Version == 3 && !c.HasSubjectAltNames, "subscriber certificate has no subjectAltName"), ServerOnly: true),
        new("leaf-san-criticality", "CA/B BR 7.1.2.7.12", CertRole.Leaf, RuleTier.Issuance, VerifyCode.ProfileViolation, Nothing,
            (c, _) => If(!c.Subject.IsEmpty && Ext(c, Oids.SubjectAltName) is { Critical: true }, "subjectAltName is critical while the subject is not empty"), ServerOnly: true),
        new("leaf-eku-required", "CA/B BR 7.1.2.7.10", CertRole.Leaf, RuleTier.Issuance, VerifyCode.InvalidPurpose, Nothing,
            (c, _) => If(c.Version == 3 && c.ExtendedKeyUsage is null, "subscriber certificate has no extKeyUsage"), ServerOnly: true),
        new("leaf-no-any-eku", "CA/B BR 7.1.2.7.10", CertRole.Leaf, RuleTier.Issuance, VerifyCode.InvalidPurpose, Nothing,
            (c, _) => If(c.ExtendedKeyUsage?.Contains(Oids.AnyExtendedKeyUsage) == true, "subscriber certificate lists anyExtendedKeyUsage"), ServerOnly: true),
        new("leaf-eku-not-critical", "CA/B BR 7.1.2.7.6", CertRole.Leaf, RuleTier.Issuance, VerifyCode.InvalidPurpose, Nothing,
            (c, _) => If(Ext(c, Oids.ExtKeyUsage) is { Critical: true }, "extKeyUsage is critical"), ServerOnly: true),
        new("leaf-cn-in-san", "CA/B BR 7.1.4.3", CertRole.Leaf, RuleTier.Issuance, VerifyCode.CommonNameNotInSan, Nothing,
            (c, _) => CommonNameInSan(c), ServerOnly: true),
        // A trust anchor's own signature is never relied on, so "root" here means a self-issued anchor
        // (BR 7.1.2.1 Root CA certificate); checking its self-signature would cost a key import for nothing.
        new("root-no-eku", "CA/B BR 7.1.2.1.2", CertRole.Anchor, RuleTier.Issuance, VerifyCode.InvalidPurpose, Nothing,
            (c, _) => If(c.IsSelfIssued && c.ExtendedKeyUsage is not null, "root CA certificate has extKeyUsage"), ServerOnly: true),
        new("root-aki", "CA/B BR 7.1.2.1.3", CertRole.Anchor, RuleTier.Issuance, VerifyCode.AkidSkidMismatch, Nothing,
            (c, _) => !c.IsSelfIssued || c.AuthorityKeyId is not { } aki ? null
                : aki.KeyId is null ? "root authorityKeyIdentifier has no keyIdentifier"
                : aki.Issuer is not null || aki.Serial is not null ? "root authorityKeyIdentifier has authorityCertIssuer or authorityCertSerialNumber"
                : c.SubjectKeyId is null || !aki.KeyId.Value.Span.SequenceEqual(c.SubjectKeyId.Value.Span) ? "root authorityKeyIdentifier differs from its subjectKeyIdentifier"
                : null, ServerOnly: true),
    ];

    /// <summary>The length of a serial number's value: its DER content octets without the 0x00 that only keeps a
    /// positive value's top bit clear (RFC 5280 4.1.2.2 limits the value to 20 octets, X.690 8.3.2 adds the sign).</summary>
    internal static int SerialValueLength(ReadOnlySpan<byte> serial)
        => serial.Length > 1 && serial[0] == 0 ? serial.Length - 1 : serial.Length;

    /// <summary>X.680 41.4: the PrintableString alphabet.</summary>
    private static bool IsPrintable(byte b)
        => b is (>= (byte)'A' and <= (byte)'Z') or (>= (byte)'a' and <= (byte)'z') or (>= (byte)'0' and <= (byte)'9')
            or (byte)' ' or (byte)'\'' or (byte)'(' or (byte)')' or (byte)'+' or (byte)',' or (byte)'-' or (byte)'.' or (byte)'/' or (byte)':' or (byte)'=' or (byte)'?';

    /// <summary>The first PrintableString attribute value of a name holding a character outside the alphabet, or null.
    /// Walks the name's DER (it parsed already, so the structure is sound).</summary>
    private static string? PrintableStringProblem(DistinguishedName name, string which)
    {
        if (name.IsEmpty)
        {
            return null;
        }
        var rdns = new DerReader(name.RawData).ReadSequence();
        while (rdns.HasData)
        {
            var rdn = rdns.ReadSetOf();
            while (rdn.HasData)
            {
                var atv = rdn.ReadSequence();
                var type = atv.ReadObjectIdentifier();
                var value = atv.ReadEncodedValue().Span;
                if (value.Length > 0 && value[0] == 0x13) // [UNIVERSAL 19] PrintableString, primitive
                {
                    System.Formats.Asn1.AsnDecoder.ReadEncodedValue(value, System.Formats.Asn1.AsnEncodingRules.DER, out int offset, out int length, out _);
                    var text = value.Slice(offset, length);
                    int bad = -1;
                    for (int i = 0; i < text.Length && bad < 0; i++)
                    {
                        bad = IsPrintable(text[i]) ? -1 : i;
                    }
                    if (bad >= 0)
                    {
                        var ch = text[bad];
                        return $"{which} attribute {Elide.Text(type)} is a PrintableString holding "
                            + (ch is >= 0x21 and < 0x7F ? $"'{(char)ch}'" : $"byte 0x{ch:X2}") + ", outside its alphabet";
                    }
                }
            }
        }
        return null;
    }

    private static string? AkiMissing(Certificate c, RuleInput r)
        => c.AuthorityKeyId?.KeyId is not null || r.IsSelfSigned ? null
            : c.AuthorityKeyId is null ? "authorityKeyIdentifier is missing" : "authorityKeyIdentifier has no keyIdentifier";

    private static string? SanSyntax(Certificate c)
    {
        var names = new RawGeneralNames(c.SubjectAltNamesRaw.Span);
        while (names.Next(out var kind, out var value))
        {
            switch (kind)
            {
                case GeneralNameKind.DnsName when !DnsNames.IsValidPresented(value):
                    return $"dNSName '{Elide.Text(System.Text.Encoding.ASCII.GetString(value))}' is not in preferred name syntax";
                case GeneralNameKind.IPAddress when value.Length is not (4 or 16):
                    return $"iPAddress has {value.Length} octets, not 4 or 16";
                case GeneralNameKind.Rfc822Name when !EmailAddresses.IsValidMailbox(System.Text.Encoding.ASCII.GetString(value)):
                    return $"rfc822Name '{Elide.Text(System.Text.Encoding.ASCII.GetString(value))}' is not a valid mailbox";
                // RFC 9598 3: an SmtpUTF8Mailbox is a Mailbox.
                case GeneralNameKind.OtherName when RawGeneralNames.SmtpUtf8Mailbox(value) is { } mailbox && EmailAddresses.SmtpUtf8Malformed(mailbox) is { } problem:
                    return $"SmtpUTF8Mailbox '{Elide.Text(mailbox)}' {problem} (RFC 9598 3)";
                default:
                    break;
            }
        }
        return null;
    }

    private static string? SmtpUtf8Form(Certificate c)
    {
        var names = new RawGeneralNames(c.SubjectAltNamesRaw.Span);
        while (names.Next(out var kind, out var value))
        {
            if (kind == GeneralNameKind.OtherName && RawGeneralNames.SmtpUtf8Mailbox(value) is { } mailbox && EmailAddresses.SmtpUtf8FormProblem(mailbox) is { } problem)
            {
                return $"SmtpUTF8Mailbox '{Elide.Text(mailbox)}' {problem} (RFC 9598 3)";
            }
        }
        return null;
    }

    private static string? CommonNameInSan(Certificate c)
    {
        foreach (var cn in c.Subject.GetAttributeValues(Oids.CommonName))
        {
            bool found = false;
            var names = new RawGeneralNames(c.SubjectAltNamesRaw.Span);
            while (!found && names.Next(out var kind, out var value))
            {
                found = (kind is GeneralNameKind.DnsName or GeneralNameKind.Rfc822Name && RawGeneralNames.TextEquals(value, cn))
                    || (kind == GeneralNameKind.IPAddress && value.Length is 4 or 16 && IpAddresses.Canonical(value.ToArray()) == cn);
            }
            if (!found)
            {
                return $"commonName '{Elide.Text(cn)}' is not a character-for-character copy of a subjectAltName value";
            }
        }
        return null;
    }
}
