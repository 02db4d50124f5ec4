namespace Certitude;

/// <summary>
/// Verification outcome codes. Where OpenSSL defines an <c>X509_V_ERR_*</c> code for the same
/// condition, the number and the text are OpenSSL's, so that users can search for them.
/// Certitude-specific codes start at 1000.
/// </summary>
public enum VerifyCode
{
    /// <summary>ok</summary>
    Ok = 0,
    /// <summary>unspecified certificate verification error</summary>
    Unspecified = 1,
    /// <summary>unable to get issuer certificate</summary>
    UnableToGetIssuerCert = 2,
    /// <summary>unable to get certificate CRL</summary>
    UnableToGetCrl = 3,
    /// <summary>unable to decrypt certificate's signature. Not produced by Certitude (a signature that does not verify is 7, certificate signature failure, whatever the algorithm); the number is kept for OpenSSL's numbering.</summary>
    UnableToDecryptCertSignature = 4,
    /// <summary>unable to decode issuer public key</summary>
    UnableToDecodeIssuerPublicKey = 6,
    /// <summary>certificate signature failure</summary>
    CertSignatureFailure = 7,
    /// <summary>CRL signature failure</summary>
    CrlSignatureFailure = 8,
    /// <summary>certificate is not yet valid</summary>
    CertNotYetValid = 9,
    /// <summary>certificate has expired</summary>
    CertHasExpired = 10,
    /// <summary>CRL is not yet valid</summary>
    CrlNotYetValid = 11,
    /// <summary>CRL has expired</summary>
    CrlHasExpired = 12,
    /// <summary>format error in certificate's notBefore field</summary>
    ErrorInCertNotBeforeField = 13,
    /// <summary>format error in certificate's notAfter field. Not produced: a malformed notAfter makes the certificate unparsable (<see cref="CertificateFormatException"/>), and the strict rule on fractional seconds reports either validity field as 13; the number is kept for OpenSSL's numbering.</summary>
    ErrorInCertNotAfterField = 14,
    /// <summary>self-signed certificate</summary>
    DepthZeroSelfSignedCert = 18,
    /// <summary>self-signed certificate in certificate chain</summary>
    SelfSignedCertInChain = 19,
    /// <summary>unable to get local issuer certificate</summary>
    UnableToGetIssuerCertLocally = 20,
    /// <summary>unable to verify the first certificate. Not produced: a leaf whose issuer is not found is 20 (unable to get local issuer certificate), as with OpenSSL when no intermediate is supplied; the number is kept for OpenSSL's numbering.</summary>
    UnableToVerifyLeafSignature = 21,
    /// <summary>certificate chain too long</summary>
    CertChainTooLong = 22,
    /// <summary>certificate revoked</summary>
    CertRevoked = 23,
    /// <summary>path length constraint exceeded</summary>
    PathLengthExceeded = 25,
    /// <summary>unsupported certificate purpose</summary>
    InvalidPurpose = 26,
    /// <summary>certificate not trusted</summary>
    CertUntrusted = 27,
    /// <summary>certificate rejected</summary>
    CertRejected = 28,
    /// <summary>authority and subject key identifier mismatch</summary>
    AkidSkidMismatch = 30,
    /// <summary>key usage does not include certificate signing</summary>
    KeyUsageNoCertSign = 32,
    /// <summary>unable to get CRL issuer certificate</summary>
    UnableToGetCrlIssuer = 33,
    /// <summary>unhandled critical extension</summary>
    UnhandledCriticalExtension = 34,
    /// <summary>key usage does not include CRL signing</summary>
    KeyUsageNoCrlSign = 35,
    /// <summary>unhandled critical CRL extension</summary>
    UnhandledCriticalCrlExtension = 36,
    /// <summary>invalid non-CA certificate (has CA markings)</summary>
    InvalidNonCa = 37,
    /// <summary>key usage does not include digital signature</summary>
    KeyUsageNoDigitalSignature = 39,
    /// <summary>invalid or inconsistent certificate extension</summary>
    InvalidExtension = 41,
    /// <summary>invalid or inconsistent certificate policy extension</summary>
    InvalidPolicyExtension = 42,
    /// <summary>no explicit policy</summary>
    NoExplicitPolicy = 43,
    /// <summary>different CRL scope: the issuer's CRLs cover other distribution points (or other kinds of
    /// certificate) than this one (RFC 5280 6.3.3 (b))</summary>
    DifferentCrlScope = 44,
    /// <summary>permitted subtree violation</summary>
    PermittedViolation = 47,
    /// <summary>CRL path validation error</summary>
    CrlPathValidationError = 54,
    /// <summary>excluded subtree violation</summary>
    ExcludedViolation = 48,
    /// <summary>name constraints minimum and maximum not supported</summary>
    SubtreeMinMax = 49,
    /// <summary>unsupported name constraint type</summary>
    UnsupportedConstraintType = 51,
    /// <summary>unsupported or invalid name constraint syntax</summary>
    UnsupportedConstraintSyntax = 52,
    /// <summary>unsupported or invalid name syntax</summary>
    UnsupportedNameSyntax = 53,
    /// <summary>Path Loop</summary>
    PathLoop = 55,
    /// <summary>hostname mismatch</summary>
    HostnameMismatch = 62,
    /// <summary>email address mismatch</summary>
    EmailMismatch = 63,
    /// <summary>IP address mismatch</summary>
    IpAddressMismatch = 64,
    /// <summary>EE certificate key too weak</summary>
    EeKeyTooSmall = 66,
    /// <summary>CA certificate key too weak</summary>
    CaKeyTooSmall = 67,
    /// <summary>CA signature digest algorithm too weak</summary>
    CaMdTooWeak = 68,
    /// <summary>unsupported signature algorithm</summary>
    UnsupportedSignatureAlgorithm = 76,
    /// <summary>subject signature algorithm and issuer public key algorithm mismatch</summary>
    SignatureAlgorithmMismatch = 77,
    /// <summary>cert info signature and signature algorithm mismatch</summary>
    SignatureAlgorithmInconsistency = 78,
    /// <summary>invalid CA certificate</summary>
    InvalidCa = 79,
    /// <summary>Path length invalid for non-CA cert</summary>
    PathLenInvalidForNonCa = 80,
    /// <summary>Path length given without key usage keyCertSign</summary>
    PathLenWithoutKuKeyCertSign = 81,
    /// <summary>Key usage keyCertSign invalid for non-CA cert</summary>
    KuKeyCertSignInvalidForNonCa = 82,
    /// <summary>Issuer name empty</summary>
    IssuerNameEmpty = 83,
    /// <summary>Subject name empty</summary>
    SubjectNameEmpty = 84,
    /// <summary>Missing Authority Key Identifier</summary>
    MissingAuthorityKeyIdentifier = 85,
    /// <summary>Missing Subject Key Identifier</summary>
    MissingSubjectKeyIdentifier = 86,
    /// <summary>Empty Subject Alternative Name extension. Not produced: an empty subjectAltName violates its ASN.1 (SIZE (1..MAX)) and makes the certificate unparsable (<see cref="CertificateFormatException"/>); the number is kept for OpenSSL's numbering.</summary>
    EmptySubjectAltName = 87,
    /// <summary>Subject empty and Subject Alt Name extension not critical</summary>
    EmptySubjectSanNotCritical = 88,
    /// <summary>Basic Constraints of CA cert not marked critical</summary>
    CaBasicConstraintsNotCritical = 89,
    /// <summary>Authority Key Identifier marked critical</summary>
    AuthorityKeyIdentifierCritical = 90,
    /// <summary>Subject Key Identifier marked critical</summary>
    SubjectKeyIdentifierCritical = 91,
    /// <summary>CA cert does not include key usage extension</summary>
    CaCertMissingKeyUsage = 92,
    /// <summary>Using cert extension requires at least X509v3</summary>
    ExtensionsRequireVersion3 = 93,
    /// <summary>Certificate public key has explicit ECC parameters</summary>
    EcKeyExplicitParams = 94,

    /// <summary>The certificate is not well-formed DER or violates the X.509 ASN.1 module.</summary>
    MalformedCertificate = 1000,
    /// <summary>The path search used up its budget (signature checks, candidates or name-constraint comparisons).</summary>
    BudgetExhausted = 1001,
    /// <summary>A certificate violates the verification profile (RFC 5280 or CA/B Forum Baseline Requirements).</summary>
    ProfileViolation = 1002,
    /// <summary>The public key algorithm, size or curve is not allowed by the algorithm policy. Not produced: the algorithm policy reports a key it refuses as 66 (EE key too weak) or 67 (CA key too weak), as OpenSSL does; the number stays reserved.</summary>
    KeyNotAllowed = 1003,
    /// <summary>The signature algorithm is not allowed by the algorithm policy. Not produced: the algorithm policy reports a signature algorithm it refuses as 68 (CA signature digest algorithm too weak), as OpenSSL does; the number stays reserved.</summary>
    SignatureAlgorithmNotAllowed = 1004,
    /// <summary>The subject common name is not one of the subjectAltName values (CA/B BR 7.1.4.3).</summary>
    CommonNameNotInSan = 1005,
    /// <summary>The requested peer name is not a valid DNS name, IP address or email address.</summary>
    InvalidPeerName = 1006,
    /// <summary>A version 1 or 2 certificate stands as an intermediate CA (RFC 5280 6.1.4 (k)).</summary>
    CaNotVersion3 = 1007,
    /// <summary>A version 1 certificate carries issuerUniqueID or subjectUniqueID (RFC 5280 4.1.2.8).</summary>
    UniqueIdentifierRequiresVersion2 = 1008,
    /// <summary>The path ends at a root that its root program no longer trusts for certificates issued after a date
    /// (NSS <c>CKA_NSS_SERVER_DISTRUST_AFTER</c> / <c>CKA_NSS_EMAIL_DISTRUST_AFTER</c>), and the end-entity certificate's
    /// notBefore is later.</summary>
    RootDistrustedAfter = 1009,
    /// <summary>The signature algorithm is known but cannot be verified in this process: Ed25519 and Ed448
    /// need OpenSSL's libcrypto, which Certitude uses on Linux only (not with the portable crypto path).</summary>
    AlgorithmNotAvailable = 1010,
}

/// <summary>Texts and ranking of <see cref="VerifyCode"/> values.</summary>
public static class VerifyCodes
{
    /// <summary>The human text for a code (OpenSSL's text where OpenSSL has the code).</summary>
    public static string Describe(VerifyCode code) => code switch
    {
        VerifyCode.Ok => "ok",
        VerifyCode.Unspecified => "unspecified certificate verification error",
        VerifyCode.UnableToGetIssuerCert => "unable to get issuer certificate",
        VerifyCode.UnableToGetCrl => "unable to get certificate CRL",
        VerifyCode.UnableToDecryptCertSignature => "unable to decrypt certificate's signature",
        VerifyCode.UnableToDecodeIssuerPublicKey => "unable to decode issuer public key",
        VerifyCode.CertSignatureFailure => "certificate signature failure",
        VerifyCode.CrlSignatureFailure => "CRL signature failure",
        VerifyCode.CertNotYetValid => "certificate is not yet valid",
        VerifyCode.CertHasExpired => "certificate has expired",
        VerifyCode.CrlNotYetValid => "CRL is not yet valid",
        VerifyCode.CrlHasExpired => "CRL has expired",
        VerifyCode.ErrorInCertNotBeforeField => "format error in certificate's notBefore field",
        VerifyCode.ErrorInCertNotAfterField => "format error in certificate's notAfter field",
        VerifyCode.DepthZeroSelfSignedCert => "self-signed certificate",
        VerifyCode.SelfSignedCertInChain => "self-signed certificate in certificate chain",
        VerifyCode.UnableToGetIssuerCertLocally => "unable to get local issuer certificate",
        VerifyCode.UnableToVerifyLeafSignature => "unable to verify the first certificate",
        VerifyCode.CertChainTooLong => "certificate chain too long",
        VerifyCode.CertRevoked => "certificate revoked",
        VerifyCode.PathLengthExceeded => "path length constraint exceeded",
        VerifyCode.InvalidPurpose => "unsupported certificate purpose",
        VerifyCode.CertUntrusted => "certificate not trusted",
        VerifyCode.CertRejected => "certificate rejected",
        VerifyCode.AkidSkidMismatch => "authority and subject key identifier mismatch",
        VerifyCode.KeyUsageNoCertSign => "key usage does not include certificate signing",
        VerifyCode.UnableToGetCrlIssuer => "unable to get CRL issuer certificate",
        VerifyCode.CrlPathValidationError => "CRL path validation error",
        VerifyCode.UnhandledCriticalExtension => "unhandled critical extension",
        VerifyCode.KeyUsageNoCrlSign => "key usage does not include CRL signing",
        VerifyCode.UnhandledCriticalCrlExtension => "unhandled critical CRL extension",
        VerifyCode.InvalidNonCa => "invalid non-CA certificate (has CA markings)",
        VerifyCode.KeyUsageNoDigitalSignature => "key usage does not include digital signature",
        VerifyCode.InvalidExtension => "invalid or inconsistent certificate extension",
        VerifyCode.InvalidPolicyExtension => "invalid or inconsistent certificate policy extension",
        VerifyCode.NoExplicitPolicy => "no explicit policy",
        VerifyCode.DifferentCrlScope => "Different CRL scope",
        VerifyCode.PermittedViolation => "permitted subtree violation",
        VerifyCode.ExcludedViolation => "excluded subtree violation",
        VerifyCode.SubtreeMinMax => "name constraints minimum and maximum not supported",
        VerifyCode.UnsupportedConstraintType => "unsupported name constraint type",
        VerifyCode.UnsupportedConstraintSyntax => "unsupported or invalid name constraint syntax",
        VerifyCode.UnsupportedNameSyntax => "unsupported or invalid name syntax",
        VerifyCode.PathLoop => "Path Loop",
        VerifyCode.HostnameMismatch => "hostname mismatch",
        VerifyCode.EmailMismatch => "email address mismatch",
        VerifyCode.IpAddressMismatch => "IP address mismatch",
        VerifyCode.EeKeyTooSmall => "EE certificate key too weak",
        VerifyCode.CaKeyTooSmall => "CA certificate key too weak",
        VerifyCode.CaMdTooWeak => "CA signature digest algorithm too weak",
        VerifyCode.UnsupportedSignatureAlgorithm => "unsupported signature algorithm",
        VerifyCode.SignatureAlgorithmMismatch => "subject signature algorithm and issuer public key algorithm mismatch",
        VerifyCode.SignatureAlgorithmInconsistency => "cert info signature and signature algorithm mismatch",
        VerifyCode.InvalidCa => "invalid CA certificate",
        VerifyCode.PathLenInvalidForNonCa => "Path length invalid for non-CA cert",
        VerifyCode.PathLenWithoutKuKeyCertSign => "Path length given without key usage keyCertSign",
        VerifyCode.KuKeyCertSignInvalidForNonCa => "Key usage keyCertSign invalid for non-CA cert",
        VerifyCode.IssuerNameEmpty => "Issuer name empty",
        VerifyCode.SubjectNameEmpty => "Subject name empty",
        VerifyCode.MissingAuthorityKeyIdentifier => "Missing Authority Key Identifier",
        VerifyCode.MissingSubjectKeyIdentifier => "Missing Subject Key Identifier",
        VerifyCode.EmptySubjectAltName => "Empty Subject Alternative Name extension",
        VerifyCode.EmptySubjectSanNotCritical => "Subject empty and Subject Alt Name extension not critical",
        VerifyCode.CaBasicConstraintsNotCritical => "Basic Constraints of CA cert not marked critical",
        VerifyCode.AuthorityKeyIdentifierCritical => "Authority Key Identifier marked critical",
        VerifyCode.SubjectKeyIdentifierCritical => "Subject Key Identifier marked critical",
        VerifyCode.CaCertMissingKeyUsage => "CA cert does not include key usage extension",
        VerifyCode.ExtensionsRequireVersion3 => "Using cert extension requires at least X509v3",
        VerifyCode.EcKeyExplicitParams => "Certificate public key has explicit ECC parameters",
        VerifyCode.MalformedCertificate => "malformed certificate",
        VerifyCode.BudgetExhausted => "path building budget exhausted",
        VerifyCode.ProfileViolation => "certificate violates the verification profile",
        VerifyCode.KeyNotAllowed => "public key not allowed by the algorithm policy",
        VerifyCode.SignatureAlgorithmNotAllowed => "signature algorithm not allowed by the algorithm policy",
        VerifyCode.CommonNameNotInSan => "subject common name is not a subjectAltName value",
        VerifyCode.InvalidPeerName => "invalid peer name",
        VerifyCode.CaNotVersion3 => "a version 1 or 2 certificate is not a CA",
        VerifyCode.UniqueIdentifierRequiresVersion2 => "unique identifiers require at least X509v2",
        VerifyCode.RootDistrustedAfter => "certificate issued after its root's distrust date",
        VerifyCode.AlgorithmNotAvailable => "signature algorithm not available on this platform (Ed25519 and Ed448 need libcrypto, on Linux)",
        _ => "unknown verification error " + ((int)code).ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

    /// <summary>
    /// The order in which failures of several candidate paths are reported: the most specific reason for the most
    /// promising path wins. A path is more promising the further it got through verification, so a rank follows the
    /// stage that produces the code:
    /// <list type="number">
    /// <item>0: no issuer was found for the last certificate of the path (2, 20, 21).</item>
    /// <item>10: a certificate named as the issuer did not issue it: its key did not verify the signature, or could
    /// not be used for it (4, 6, 7, 76, 77, 1010).</item>
    /// <item>20: the path ends in a self-signed certificate that is not trusted (18, 19): more telling than a
    /// same-named certificate that did not sign it.</item>
    /// <item>30: the path would be too long or loop (22, 55).</item>
    /// <item>40: a path that reaches a trust anchor breaks a rule of RFC 5280 6.1 or of the profile (every other
    /// code: structure, algorithms, constraints, policies, purposes, trust settings of the anchor).</item>
    /// <item>45: the peer's name (62, 63, 64); 50: validity at the validation time (9, 10).</item>
    /// <item>55: the revocation status of a path valid otherwise cannot be established (3, 8, 11, 12, 33, 35, 36,
    /// 44, 54); 60: a certificate of such a path is revoked (23).</item>
    /// <item>100: the budget ran out (1001): the search could not finish, whatever it had seen.</item>
    /// </list>
    /// Among failures of equal rank the first found is kept (paths are tried in a fixed order: trusted issuers,
    /// then key identifiers that match).
    /// </summary>
    internal static int Rank(VerifyCode code) => code switch
    {
        VerifyCode.Ok => int.MaxValue,
        VerifyCode.BudgetExhausted => 100,
        VerifyCode.CertRevoked => 60,
        VerifyCode.UnableToGetCrl or VerifyCode.CrlSignatureFailure or VerifyCode.CrlNotYetValid or VerifyCode.CrlHasExpired
            or VerifyCode.UnableToGetCrlIssuer or VerifyCode.KeyUsageNoCrlSign or VerifyCode.UnhandledCriticalCrlExtension
            or VerifyCode.DifferentCrlScope or VerifyCode.CrlPathValidationError => 55,
        VerifyCode.CertHasExpired or VerifyCode.CertNotYetValid => 50,
        VerifyCode.HostnameMismatch or VerifyCode.IpAddressMismatch or VerifyCode.EmailMismatch => 45,
        VerifyCode.CertChainTooLong or VerifyCode.PathLoop => 30,
        VerifyCode.DepthZeroSelfSignedCert or VerifyCode.SelfSignedCertInChain => 20,
        VerifyCode.CertSignatureFailure or VerifyCode.UnableToDecodeIssuerPublicKey or VerifyCode.UnableToDecryptCertSignature
            or VerifyCode.SignatureAlgorithmMismatch or VerifyCode.UnsupportedSignatureAlgorithm or VerifyCode.AlgorithmNotAvailable => 10,
        VerifyCode.UnableToGetIssuerCertLocally or VerifyCode.UnableToGetIssuerCert or VerifyCode.UnableToVerifyLeafSignature => 0,
        _ => 40,
    };
}
