namespace Certitude;

/// <summary>Extended key usage OIDs (RFC 5280 4.2.1.12) and their names.</summary>
public static class KeyPurposes
{
    /// <summary>id-kp-serverAuth</summary>
    public const string ServerAuth = Der.Oids.ServerAuth;
    /// <summary>id-kp-clientAuth</summary>
    public const string ClientAuth = Der.Oids.ClientAuth;
    /// <summary>id-kp-codeSigning</summary>
    public const string CodeSigning = Der.Oids.CodeSigning;
    /// <summary>id-kp-emailProtection</summary>
    public const string EmailProtection = Der.Oids.EmailProtection;
    /// <summary>id-kp-timeStamping</summary>
    public const string TimeStamping = Der.Oids.TimeStamping;
    /// <summary>id-kp-OCSPSigning</summary>
    public const string OcspSigning = Der.Oids.OcspSigning;
    /// <summary>anyExtendedKeyUsage</summary>
    public const string Any = Der.Oids.AnyExtendedKeyUsage;

    /// <summary>The named key purposes: the short name a command line uses, the OID, the name RFC 5280 4.2.1.12
    /// gives it, and the <see cref="CertificatePurpose"/> that requests it.</summary>
    public static IReadOnlyList<(string ShortName, string Oid, string Name, CertificatePurpose Purpose)> Named { get; } =
    [
        ("server", ServerAuth, "serverAuth", CertificatePurpose.ServerAuthentication),
        ("client", ClientAuth, "clientAuth", CertificatePurpose.ClientAuthentication),
        ("codesign", CodeSigning, "codeSigning", CertificatePurpose.CodeSigning),
        ("timestamp", TimeStamping, "timeStamping", CertificatePurpose.TimeStamping),
        ("email", EmailProtection, "emailProtection", CertificatePurpose.EmailProtection),
        ("ocsp", OcspSigning, "OCSPSigning", CertificatePurpose.OcspSigning),
        ("any", Any, "anyExtendedKeyUsage", CertificatePurpose.Any),
    ];

    /// <summary>The name of a key purpose OID (<c>serverAuth</c>, <c>codeSigning</c>, ...), or the dotted OID
    /// itself when it has no name here.</summary>
    public static string Name(string oid)
    {
        foreach (var p in Named)
        {
            if (p.Oid == oid)
            {
                return p.Name;
            }
        }
        return oid;
    }

    /// <summary>The OID a purpose requests, or null for <see cref="CertificatePurpose.Any"/>.</summary>
    internal static string? Oid(CertificatePurpose purpose)
    {
        foreach (var p in Named)
        {
            if (p.Purpose == purpose)
            {
                return purpose == CertificatePurpose.Any ? null : p.Oid;
            }
        }
        return null;
    }

    private static string? TlsKeyUsage(Certificate c)
        => c.KeyUsage is { } ku && (ku & KeyUsageFlags.DigitalSignature) == 0
            ? $"keyUsage {ku} lacks digitalSignature, which a TLS peer's key needs to sign the handshake" : null;

    /// <summary>Requirements a purpose puts on the leaf beyond listing its OID: data, checked with the
    /// purpose's extKeyUsage (null when the leaf meets it, else what is wrong).</summary>
    internal static readonly (string Oid, string Citation, VerifyCode Code, Func<Certificate, string?> Check)[] LeafRules =
    [
        // RFC 8446 4.4.2.2: "If the keyUsage extension is present (e.g., RSA), then the digitalSignature bit MUST be set"
        // (a TLS 1.3 server and a client with a certificate sign the handshake). NOTE: TLS 1.2 static-RSA key exchange
        // needs keyEncipherment instead (RFC 5246 7.4.2); Certitude verifies before the key exchange is known, and that
        // exchange has no forward secrecy, so a keyEncipherment-only leaf is refused too, as for TLS 1.3.
        (ServerAuth, "RFC 8446 4.4.2.2", VerifyCode.KeyUsageNoDigitalSignature, TlsKeyUsage),
        (ClientAuth, "RFC 8446 4.4.2.2", VerifyCode.KeyUsageNoDigitalSignature, TlsKeyUsage),
        // RFC 3161 2.3: the TSA's certificate has exactly one extKeyUsage, critical, whose only KeyPurposeId is id-kp-timeStamping.
        (TimeStamping, "RFC 3161 2.3", VerifyCode.InvalidPurpose, c =>
            c.FindExtension(Der.Oids.ExtKeyUsage) is not { } eku ? "a time-stamping certificate has no extKeyUsage (RFC 3161 requires exactly timeStamping, critical)"
            : !eku.Critical ? "a time-stamping certificate's extKeyUsage is not critical (RFC 3161 requires it)"
            : c.ExtendedKeyUsage is not [TimeStamping] ? $"a time-stamping certificate's extKeyUsage lists {string.Join(", ", (c.ExtendedKeyUsage ?? []).Select(Name))}, not only timeStamping (RFC 3161)"
            : null),
    ];
}
