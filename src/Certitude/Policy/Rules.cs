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

/// <summary>When a violated rule is an error.</summary>
public enum RuleTier
{
    /// <summary>Always: the RFC 5280 6.1 algorithm and what makes a certificate mean anything at all.</summary>
    Always,
    /// <summary>Under <see cref="VerifyFlags.X509Strict"/> (on by default): RFC 5280's MUSTs on structure, at least what
    /// OpenSSL's <c>X509_V_FLAG_X509_STRICT</c> checks, and the web-PKI rules that decide authority or identity.</summary>
    Strict,
    /// <summary>Rules a CA must follow when it issues (CA/B Baseline Requirements, RFC 5280's duties of a CA) that give a
    /// relying party no protection: errors under <see cref="VerifyFlags.CabfIssuance"/> or when the path ends at a root of
    /// a public root program trusted for the purpose at hand; otherwise reported as <see cref="VerificationResult.Warnings"/>.</summary>
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
/// One structural rule of a profile: which certificates it applies to, whether it is a
/// MUST-level structure check enforced only under <see cref="VerifyFlags.X509Strict"/>, the code
/// a violation reports, the rule it enforces, and the check itself (null when satisfied, else
/// what is wrong).
/// </summary>
internal sealed record CertificateRule(
    string Id,
    string Citation,
    CertRole Roles,
    RuleTier Tier,
    VerifyCode Code,
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

    /// <summary>Rules of RFC 5280 that both profiles enforce.</summary>
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

    public static readonly CertificateRule[] Common =
    [
        // ---- RuleTier.Always ----
        new("unknown-critical-extension", "RFC 5280 4.2", CertRole.Any, RuleTier.Always, VerifyCode.UnhandledCriticalExtension,
            (c, _) => FirstUnprocessedCritical(c) is { } oid ? $"critical extension {Elide.Text(oid)} is not understood" : null),
        new("signature-algorithm-consistency", "RFC 5280 4.1.1.2", CertRole.Any, RuleTier.Always, VerifyCode.SignatureAlgorithmInconsistency,
            (c, _) => If(!c.SignatureAlgorithm.RawData.Span.SequenceEqual(c.TbsSignatureAlgorithmRaw.Span),
                "signatureAlgorithm differs from tbsCertificate.signature")),
        new("issuer-is-ca", "RFC 5280 6.1.4 (k), 4.2.1.9", CertRole.Intermediate, RuleTier.Always, VerifyCode.InvalidCa,
            (c, _) => If(c.Version == 3 && c.BasicConstraints?.IsCa != true,
                c.BasicConstraints is null ? "issuer has no basicConstraints extension" : "issuer's basicConstraints does not assert cA")),
        new("issuer-keycertsign", "RFC 5280 6.1.4 (n), 4.2.1.3", CertRole.Issuer, RuleTier.Always, VerifyCode.KeyUsageNoCertSign,
            (c, r) => If(!r.AnchorConstraintsIgnored && c.KeyUsage is { } ku && (ku & KeyUsageFlags.KeyCertSign) == 0, "issuer's keyUsage lacks keyCertSign")),
        // RFC 5280 6.1.4 (k): "If certificate i is a version 1 or version 2 certificate, then the application
        // MUST either verify that certificate i is a CA certificate through out-of-band means or reject the
        // certificate." Being a trust anchor is the only out-of-band means a verifier has.
        new("issuer-is-v3", "RFC 5280 6.1.4 (k)", CertRole.Intermediate, RuleTier.Always, VerifyCode.CaNotVersion3,
            (c, _) => If(c.Version != 3, $"a version {c.Version} certificate cannot be an intermediate CA (only a trust anchor may be v1 or v2)")),
        // RFC 5280 4.2.1.10: "The name constraints extension ... MUST be used only in a CA certificate";
        // in any other certificate it would constrain nothing, so the path is invalid.
        new("name-constraints-only-in-ca", "RFC 5280 4.2.1.10", CertRole.Any, RuleTier.Always, VerifyCode.InvalidExtension,
            (c, _) => If(c.NameConstraints is not null && !c.IsCertificateAuthority, "nameConstraints in a certificate that is not a CA")),
        // RFC 5280 4.2.1.10: "minimum MUST be zero, and maximum MUST be absent".
        new("name-constraints-no-min-max", "RFC 5280 4.2.1.10", CertRole.Any, RuleTier.Always, VerifyCode.SubtreeMinMax,
            (c, _) => If(c.NameConstraints is { } nc && (nc.Permitted ?? []).Concat(nc.Excluded ?? []).Any(s => s.HasMinMax),
                "a GeneralSubtree has a minimum other than 0 or a maximum")),
        // RFC 5280 4.2.1.4: "CPSuri ::= IA5String", "UserNotice ::= SEQUENCE { ... }": a CPS pointer or user
        // notice that breaks its own syntax makes the extension malformed, critical or not.
        new("policy-qualifier-syntax", "RFC 5280 4.2.1.4", CertRole.Leaf | CertRole.Intermediate, RuleTier.Always, VerifyCode.InvalidPolicyExtension,
            (c, _) => If(c.HasMalformedPolicyQualifier, "a CPS or user-notice policy qualifier does not have the syntax RFC 5280 gives it")),
        // RFC 5280 4.2.1.4: "Applications that process a critical certificatePolicies extension MUST be able
        // to interpret this extension (including the optional qualifier), or MUST reject the certificate."
        new("critical-policy-qualifiers", "RFC 5280 4.2.1.4", CertRole.Any, RuleTier.Always, VerifyCode.UnhandledCriticalExtension,
            (c, _) => If(c.HasUninterpretedPolicyQualifier && Ext(c, Oids.CertificatePolicies) is { Critical: true },
                "critical certificatePolicies carries a policy qualifier other than a CPS URI or a user notice")),
        // RFC 5280 4.2.1.5: "Policies MUST NOT be mapped either to or from the special value anyPolicy."
        // (An intermediate's mappings are checked by 6.1.4 (a) in the policy processing.)
        new("policy-mappings-any-policy", "RFC 5280 4.2.1.5", CertRole.Leaf, RuleTier.Always, VerifyCode.InvalidPolicyExtension,
            (c, _) => If(c.PolicyMappings?.Any(m => m.IssuerDomain == Oids.AnyPolicy || m.SubjectDomain == Oids.AnyPolicy) == true,
                "policyMappings maps to or from anyPolicy")),
        // RFC 5280 4.1.2.9: extensions "MUST only appear if the version is 3".
        new("v3-for-extensions", "RFC 5280 4.1.2.9", CertRole.Any, RuleTier.Always, VerifyCode.ExtensionsRequireVersion3,
            (c, _) => If(c.ExtensionHeaders.Length > 0 && c.Version != 3, $"version {c.Version} certificate carries extensions")),
        // RFC 5280 4.1.2.8: unique identifiers "MUST only appear if the version is 2 or 3".
        new("unique-ids-need-v2", "RFC 5280 4.1.2.8", CertRole.Any, RuleTier.Always, VerifyCode.UniqueIdentifierRequiresVersion2,
            (c, _) => If(c.HasUniqueIdentifiers && c.Version == 1, "version 1 certificate carries issuerUniqueID or subjectUniqueID")),


        // ---- RuleTier.Strict: MUST-level structure of RFC 5280 (and all that OpenSSL's X509_V_FLAG_X509_STRICT checks) ----
        new("anchor-is-ca", "RFC 5280 4.2.1.9", CertRole.Anchor, RuleTier.Strict, VerifyCode.InvalidCa,
            (c, r) => If(!r.AnchorConstraintsIgnored && c.BasicConstraints?.IsCa != true,
                c.BasicConstraints is null ? "trust anchor has no basicConstraints extension" : "trust anchor's basicConstraints does not assert cA")),
        // RFC 5280 4.1.2.2: "The serial number MUST be a positive integer", at most 20 octets. OpenSSL does not check it.
        // NOTE: not applied to trust anchors, which are a name and a key (RFC 5280 6.1.1 (d)); long-lived roots with serial 0 exist.
        new("serial-number", "RFC 5280 4.1.2.2", CertRole.Leaf | CertRole.Intermediate, RuleTier.Strict, VerifyCode.ProfileViolation,
            (c, _) => c.SerialNumber.Length > 20 ? "serial number is longer than 20 octets"
                : (c.SerialNumber.Span[0] & 0x80) != 0 ? "serial number is negative"
                : c.SerialNumber.Span.IndexOfAnyExcept((byte)0) < 0 ? "serial number is zero" : null),
        new("signature-parameters", "RFC 4055 5, RFC 5758 3.2, RFC 8410 3", CertRole.Any, RuleTier.Strict, VerifyCode.SignatureAlgorithmInconsistency,
            (c, _) => c.SignatureAlgorithm.Problem),
        new("validity-whole-seconds", "RFC 5280 4.1.2.5.2", CertRole.Any, RuleTier.Strict, VerifyCode.ErrorInCertNotBeforeField,
            (c, _) => If(c.ValidityHasFractionalSeconds, "GeneralizedTime has fractional seconds")),
        new("issuer-not-empty", "RFC 5280 4.1.2.4", CertRole.Any, RuleTier.Strict, VerifyCode.IssuerNameEmpty,
            (c, _) => If(c.Issuer.IsEmpty, "issuer name is empty")),
        new("ca-subject-not-empty", "RFC 5280 4.1.2.6", CertRole.Any, RuleTier.Strict, VerifyCode.SubjectNameEmpty,
            (c, r) => If(c.Subject.IsEmpty && (c.IsCertificateAuthority || r.Role != CertRole.Leaf), "CA subject name is empty")),
        new("empty-subject-needs-critical-san", "RFC 5280 4.1.2.6, 4.2.1.6", CertRole.Any, RuleTier.Strict, VerifyCode.EmptySubjectSanNotCritical,
            (c, _) => If(c.Subject.IsEmpty && Ext(c, Oids.SubjectAltName) is not { Critical: true },
                "subject is empty and subjectAltName is absent or not critical")),
        new("aki-not-critical", "RFC 5280 4.2.1.1", CertRole.Any, RuleTier.Strict, VerifyCode.AuthorityKeyIdentifierCritical,
            (c, _) => If(Ext(c, Oids.AuthorityKeyIdentifier) is { Critical: true }, "authorityKeyIdentifier is critical")),
        new("aki-present", "RFC 5280 4.2.1.1", CertRole.Leaf | CertRole.Intermediate, RuleTier.Strict, VerifyCode.MissingAuthorityKeyIdentifier,
            (c, r) => AkiMissing(c, r)),
        new("ski-not-critical", "RFC 5280 4.2.1.2", CertRole.Any, RuleTier.Strict, VerifyCode.SubjectKeyIdentifierCritical,
            (c, _) => If(Ext(c, Oids.SubjectKeyIdentifier) is { Critical: true }, "subjectKeyIdentifier is critical")),
        new("ca-has-ski", "RFC 5280 4.2.1.2", CertRole.Any, RuleTier.Strict, VerifyCode.MissingSubjectKeyIdentifier,
            (c, _) => If(c.IsCertificateAuthority && c.SubjectKeyId is null, "CA certificate has no subjectKeyIdentifier")),
        // NOTE: OpenSSL's strict mode also checks the trust anchor's own certificate; Certitude does not, since an
        // anchor is a name and a key (RFC 5280 6.1.1 (d)) and RFC 5280 6.3.3 (f) only reads keyUsage "if present".
        new("ca-has-keyusage", "RFC 5280 4.2.1.3", CertRole.Leaf | CertRole.Intermediate, RuleTier.Strict, VerifyCode.CaCertMissingKeyUsage,
            (c, _) => If(c.IsCertificateAuthority && c.KeyUsage is null, "CA certificate has no keyUsage extension")),
        new("ca-basic-constraints-critical", "RFC 5280 4.2.1.9", CertRole.Issuer, RuleTier.Strict, VerifyCode.CaBasicConstraintsNotCritical,
            (c, _) => If(c.IsCertificateAuthority && Ext(c, Oids.BasicConstraints) is { Critical: false }, "basicConstraints of a CA is not critical")),
        new("pathlen-only-for-ca", "RFC 5280 4.2.1.9", CertRole.Any, RuleTier.Strict, VerifyCode.PathLenInvalidForNonCa,
            (c, _) => If(c.BasicConstraints is { IsCa: false, PathLen: not null }, "pathLenConstraint without cA")),
        new("pathlen-needs-keycertsign", "RFC 5280 4.2.1.9", CertRole.Any, RuleTier.Strict, VerifyCode.PathLenWithoutKuKeyCertSign,
            (c, _) => If(c.BasicConstraints?.PathLen is not null && c.KeyUsage is { } ku && (ku & KeyUsageFlags.KeyCertSign) == 0,
                "pathLenConstraint while keyUsage lacks keyCertSign")),
        new("keycertsign-only-for-ca", "RFC 5280 4.2.1.3, 4.2.1.9", CertRole.Any, RuleTier.Strict, VerifyCode.KuKeyCertSignInvalidForNonCa,
            (c, _) => If(c.KeyUsage is { } ku && (ku & KeyUsageFlags.KeyCertSign) != 0 && !c.IsCertificateAuthority,
                "keyUsage asserts keyCertSign but basicConstraints does not assert cA")),
        new("policy-constraints-critical", "RFC 5280 4.2.1.11", CertRole.Any, RuleTier.Strict, VerifyCode.InvalidPolicyExtension,
            (c, _) => If(Ext(c, Oids.PolicyConstraints) is { Critical: false }, "policyConstraints is not critical")),
        new("inhibit-any-policy-critical", "RFC 5280 4.2.1.14", CertRole.Any, RuleTier.Strict, VerifyCode.InvalidPolicyExtension,
            (c, _) => If(Ext(c, Oids.InhibitAnyPolicy) is { Critical: false }, "inhibitAnyPolicy is not critical")),
        new("aia-not-critical", "RFC 5280 4.2.2.1", CertRole.Any, RuleTier.Strict, VerifyCode.InvalidExtension,
            (c, _) => If(Ext(c, Oids.AuthorityInfoAccess) is { Critical: true }, "authorityInfoAccess is critical")),
        new("sia-not-critical", "RFC 5280 4.2.2.2", CertRole.Any, RuleTier.Strict, VerifyCode.InvalidExtension,
            (c, _) => If(Ext(c, Oids.SubjectInfoAccess) is { Critical: true }, "subjectInfoAccess is critical")),
        new("san-syntax", "RFC 5280 4.2.1.6", CertRole.Any, RuleTier.Strict, VerifyCode.UnsupportedNameSyntax,
            (c, _) => SanSyntax(c)),
        new("ec-named-curve", "RFC 5480 2.1.1", CertRole.Any, RuleTier.Strict, VerifyCode.EcKeyExplicitParams,
            (c, _) => If(c.PublicKey.HasExplicitCurve, "EC public key uses explicit curve parameters")),

        // ---- RuleTier.Issuance ----
        // X.690 11.5: DER omits a value equal to its DEFAULT. Many CA tools write cA FALSE, critical FALSE, version v1 or a
        // name-constraint minimum 0 explicitly; the meaning is unambiguous and the signature covers the bytes as sent, so a relying party loses nothing.
        // Every other DER violation stays a parse error.
        new("der-default-omitted", "X.690 11.5 (RFC 5280 4.1)", CertRole.Any, RuleTier.Issuance, VerifyCode.MalformedCertificate,
            (c, _) => c.EncodingSlips == EncodingSlips.None ? null : $"DER requires DEFAULT values to be omitted: {EncodingSlipText.Describe(c.EncodingSlips)}"),
        // RFC 9598 3: how a CA writes an SmtpUTF8Mailbox (no BOM, a non-ASCII local part, A-labels). The comparison
        // and rfc822Name constraints do not depend on it (the domain is compared after IDNA).
        new("smtputf8-mailbox-form", "RFC 9598 3", CertRole.Any, RuleTier.Issuance, VerifyCode.UnsupportedNameSyntax,
            (c, _) => SmtpUtf8Form(c)),
    ];

    /// <summary>RFC 5280 profile only.</summary>
    public static readonly CertificateRule[] Rfc5280Only =
    [
        // An anchor certificate that is not self-signed is an ordinary CA certificate to RFC 5280.
        // NOTE: the web PKI judges anchors by the root CA profile instead (BR 7.1.2.1.3: AKI optional).
        new("anchor-aki-present", "RFC 5280 4.2.1.1", CertRole.Anchor, RuleTier.Strict, VerifyCode.MissingAuthorityKeyIdentifier,
            (c, r) => AkiMissing(c, r)),
        new("name-constraints-critical", "RFC 5280 4.2.1.10", CertRole.Any, RuleTier.Strict, VerifyCode.InvalidExtension,
            (c, _) => If(Ext(c, Oids.NameConstraints) is { Critical: false }, "nameConstraints is not critical")),
    ];

    /// <summary>CA/Browser Forum Baseline Requirements (TLS) on top of RFC 5280. NOTE: BR 7.1.2.5.2
    /// lets nameConstraints be non-critical, so the RFC 5280 criticality rule is not in this table.
    /// Rules that decide authority (cA or keyCertSign on a leaf) are Strict; rules of the TLS server
    /// certificate profile that a CA must follow but that protect no relying party (SAN form, EKU presence
    /// and criticality, CN copies a SAN, root-profile details) are Issuance and apply to server purposes
    /// only. A leaf without subjectAltName fails host-name checks anyway (RFC 9525 6.3: no CN fallback).</summary>
    public static readonly CertificateRule[] WebPkiOnly =
    [
        new("v3-only", "CA/B BR 7.1.1", CertRole.Any, RuleTier.Issuance, VerifyCode.ProfileViolation,
            (c, _) => If(c.Version != 3, $"certificate is version {c.Version}, not 3"), ServerOnly: true),
        new("leaf-not-ca", "CA/B BR 7.1.2.7.8", CertRole.Leaf, RuleTier.Strict, VerifyCode.InvalidNonCa,
            (c, _) => If(c.IsCertificateAuthority, "subscriber certificate asserts cA")),
        new("leaf-no-keycertsign", "CA/B BR 7.1.2.7.11", CertRole.Leaf, RuleTier.Strict, VerifyCode.InvalidNonCa,
            (c, _) => If(c.KeyUsage is { } ku && (ku & KeyUsageFlags.KeyCertSign) != 0, "subscriber certificate asserts keyCertSign")),
        new("leaf-san-required", "CA/B BR 7.1.2.7.12", CertRole.Leaf, RuleTier.Issuance, VerifyCode.ProfileViolation,
            (c, _) => If(!c.HasSubjectAltNames, "subscriber certificate has no subjectAltName"), ServerOnly: true),
        new("leaf-san-criticality", "CA/B BR 7.1.2.7.12", CertRole.Leaf, RuleTier.Issuance, VerifyCode.ProfileViolation,
            (c, _) => If(!c.Subject.IsEmpty && Ext(c, Oids.SubjectAltName) is { Critical: true }, "subjectAltName is critical while the subject is not empty"), ServerOnly: true),
        new("leaf-eku-required", "CA/B BR 7.1.2.7.10", CertRole.Leaf, RuleTier.Issuance, VerifyCode.InvalidPurpose,
            (c, _) => If(c.ExtendedKeyUsage is null, "subscriber certificate has no extKeyUsage"), ServerOnly: true),
        new("leaf-no-any-eku", "CA/B BR 7.1.2.7.10", CertRole.Leaf, RuleTier.Issuance, VerifyCode.InvalidPurpose,
            (c, _) => If(c.ExtendedKeyUsage?.Contains(Oids.AnyExtendedKeyUsage) == true, "subscriber certificate lists anyExtendedKeyUsage"), ServerOnly: true),
        new("leaf-eku-not-critical", "CA/B BR 7.1.2.7.6", CertRole.Leaf, RuleTier.Issuance, VerifyCode.InvalidPurpose,
            (c, _) => If(Ext(c, Oids.ExtKeyUsage) is { Critical: true }, "extKeyUsage is critical"), ServerOnly: true),
        new("leaf-cn-in-san", "CA/B BR 7.1.4.3", CertRole.Leaf, RuleTier.Issuance, VerifyCode.CommonNameNotInSan,
            (c, _) => CommonNameInSan(c), ServerOnly: true),
        // A trust anchor's own signature is never relied on, so "root" here means a self-issued anchor
        // (BR 7.1.2.1 Root CA certificate); checking its self-signature would cost a key import for nothing.
        new("root-no-eku", "CA/B BR 7.1.2.1.2", CertRole.Anchor, RuleTier.Issuance, VerifyCode.InvalidPurpose,
            (c, _) => If(c.IsSelfIssued && c.ExtendedKeyUsage is not null, "root CA certificate has extKeyUsage"), ServerOnly: true),
        new("root-aki", "CA/B BR 7.1.2.1.3", CertRole.Anchor, RuleTier.Issuance, VerifyCode.AkidSkidMismatch,
            (c, _) => !c.IsSelfIssued || c.AuthorityKeyId is not { } aki ? null
                : aki.KeyId is null ? "root authorityKeyIdentifier has no keyIdentifier"
                : aki.Issuer is not null || aki.Serial is not null ? "root authorityKeyIdentifier has authorityCertIssuer or authorityCertSerialNumber"
                : c.SubjectKeyId is null || !aki.KeyId.Value.Span.SequenceEqual(c.SubjectKeyId.Value.Span) ? "root authorityKeyIdentifier differs from its subjectKeyIdentifier"
                : null, ServerOnly: true),
    ];

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
