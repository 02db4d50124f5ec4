namespace Certitude.Der;

/// <summary>Object identifiers Certitude understands (dotted strings, as System.Formats.Asn1 reads them).</summary>
internal static class Oids
{
    // Extensions, RFC 5280 4.2.1 / 4.2.2
    public const string AuthorityKeyIdentifier = "2.5.29.35";
    public const string SubjectKeyIdentifier = "2.5.29.14";
    public const string KeyUsage = "2.5.29.15";
    public const string CertificatePolicies = "2.5.29.32";
    public const string PolicyMappings = "2.5.29.33";
    public const string SubjectAltName = "2.5.29.17";
    public const string IssuerAltName = "2.5.29.18";
    public const string SubjectDirectoryAttributes = "2.5.29.9";
    public const string BasicConstraints = "2.5.29.19";
    public const string NameConstraints = "2.5.29.30";
    public const string PolicyConstraints = "2.5.29.36";
    public const string ExtKeyUsage = "2.5.29.37";
    public const string CrlDistributionPoints = "2.5.29.31";
    public const string InhibitAnyPolicy = "2.5.29.54";
    public const string FreshestCrl = "2.5.29.46";
    public const string AuthorityInfoAccess = "1.3.6.1.5.5.7.1.1";
    public const string SubjectInfoAccess = "1.3.6.1.5.5.7.1.11";
    public const string SctList = "1.3.6.1.4.1.11129.2.4.2";

    public const string AnyPolicy = "2.5.29.32.0";
    public const string QualifierCps = "1.3.6.1.5.5.7.2.1";
    public const string QualifierUserNotice = "1.3.6.1.5.5.7.2.2";
    public const string AnyExtendedKeyUsage = "2.5.29.37.0";
    public const string ServerAuth = "1.3.6.1.5.5.7.3.1";
    public const string ClientAuth = "1.3.6.1.5.5.7.3.2";
    public const string CodeSigning = "1.3.6.1.5.5.7.3.3";
    public const string EmailProtection = "1.3.6.1.5.5.7.3.4";
    public const string TimeStamping = "1.3.6.1.5.5.7.3.8";
    public const string OcspSigning = "1.3.6.1.5.5.7.3.9";

    // Attribute types (RFC 5280 4.1.2.4, appendix A)
    public const string CommonName = "2.5.4.3";
    public const string EmailAddress = "1.2.840.113549.1.9.1";

    // Public keys
    public const string RsaEncryption = "1.2.840.113549.1.1.1";
    public const string RsaPss = "1.2.840.113549.1.1.10";
    public const string EcPublicKey = "1.2.840.10045.2.1";
    public const string Ed25519 = "1.3.101.112";
    public const string Ed448 = "1.3.101.113";
    public const string Dsa = "1.2.840.10040.4.1";

    // RFC 9598 3: id-on-SmtpUTF8Mailbox (id-on 9)
    public const string SmtpUtf8Mailbox = "1.3.6.1.5.5.7.8.9";

    // Curves
    public const string P192 = "1.2.840.10045.3.1.1";
    public const string P224 = "1.3.132.0.33";
    public const string P256 = "1.2.840.10045.3.1.7";
    public const string P384 = "1.3.132.0.34";
    public const string P521 = "1.3.132.0.35";
    // RFC 5639 4.1 (ecStdCurvesAndGeneration 1.3.36.3.3.2.8.1.1)
    public const string BrainpoolP256r1 = "1.3.36.3.3.2.8.1.1.7";
    public const string BrainpoolP384r1 = "1.3.36.3.3.2.8.1.1.11";
    public const string BrainpoolP512r1 = "1.3.36.3.3.2.8.1.1.13";

    // Signature algorithms
    public const string Md5WithRsa = "1.2.840.113549.1.1.4";
    public const string Sha1WithRsa = "1.2.840.113549.1.1.5";
    public const string Sha256WithRsa = "1.2.840.113549.1.1.11";
    public const string Sha384WithRsa = "1.2.840.113549.1.1.12";
    public const string Sha512WithRsa = "1.2.840.113549.1.1.13";
    public const string Sha224WithRsa = "1.2.840.113549.1.1.14";
    public const string EcdsaWithSha1 = "1.2.840.10045.4.1";
    public const string EcdsaWithSha224 = "1.2.840.10045.4.3.1";
    public const string EcdsaWithSha256 = "1.2.840.10045.4.3.2";
    public const string EcdsaWithSha384 = "1.2.840.10045.4.3.3";
    public const string EcdsaWithSha512 = "1.2.840.10045.4.3.4";
    public const string DsaWithSha1 = "1.2.840.10040.4.3";
    public const string DsaWithSha224 = "2.16.840.1.101.3.4.3.1";
    public const string DsaWithSha256 = "2.16.840.1.101.3.4.3.2";

    // Hashes and MGF
    public const string Sha1 = "1.3.14.3.2.26";
    public const string Sha224 = "2.16.840.1.101.3.4.2.4";
    public const string Sha256 = "2.16.840.1.101.3.4.2.1";
    public const string Sha384 = "2.16.840.1.101.3.4.2.2";
    public const string Sha512 = "2.16.840.1.101.3.4.2.3";
    public const string Mgf1 = "1.2.840.113549.1.1.8";

    public static string ExtensionName(string oid) => oid switch
    {
        AuthorityKeyIdentifier => "authorityKeyIdentifier",
        SubjectKeyIdentifier => "subjectKeyIdentifier",
        KeyUsage => "keyUsage",
        CertificatePolicies => "certificatePolicies",
        PolicyMappings => "policyMappings",
        SubjectAltName => "subjectAltName",
        IssuerAltName => "issuerAltName",
        SubjectDirectoryAttributes => "subjectDirectoryAttributes",
        BasicConstraints => "basicConstraints",
        NameConstraints => "nameConstraints",
        PolicyConstraints => "policyConstraints",
        ExtKeyUsage => "extKeyUsage",
        CrlDistributionPoints => "cRLDistributionPoints",
        InhibitAnyPolicy => "inhibitAnyPolicy",
        FreshestCrl => "freshestCRL",
        AuthorityInfoAccess => "authorityInfoAccess",
        SubjectInfoAccess => "subjectInfoAccess",
        SctList => "signedCertificateTimestampList",
        _ => oid,
    };
}
