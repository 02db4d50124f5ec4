namespace Certitude;

/// <summary>Verification flags, named after OpenSSL's <c>X509_V_FLAG_*</c>.</summary>
[Flags]
public enum VerifyFlags
{
    /// <summary>No flag.</summary>
    None = 0,
    /// <summary>Enforce the profile's MUST-level structure checks on every certificate of the path,
    /// trust anchor included (<c>X509_V_FLAG_X509_STRICT</c>).</summary>
    X509Strict = 1 << 0,
    /// <summary>Any certificate in the trust store is an anchor, also one that is not self-signed
    /// (<c>X509_V_FLAG_PARTIAL_CHAIN</c>).</summary>
    PartialChain = 1 << 1,
    /// <summary>Prefer issuers from the trust store over supplied intermediates (<c>X509_V_FLAG_TRUSTED_FIRST</c>).</summary>
    TrustedFirst = 1 << 2,
    /// <summary>Check revocation of the leaf (<c>X509_V_FLAG_CRL_CHECK</c>).</summary>
    CrlCheckLeaf = 1 << 3,
    /// <summary>Check revocation of every certificate of the path (<c>X509_V_FLAG_CRL_CHECK_ALL</c>).</summary>
    CrlCheckChain = 1 << 4,
    /// <summary>The defaults: X509Strict | PartialChain | TrustedFirst.</summary>
    Default = X509Strict | PartialChain | TrustedFirst,
}

/// <summary>What the leaf certificate is being verified for.</summary>
public enum CertificatePurpose
{
    /// <summary>A TLS server certificate (id-kp-serverAuth).</summary>
    ServerAuthentication,
    /// <summary>A TLS client certificate (id-kp-clientAuth).</summary>
    ClientAuthentication,
    /// <summary>No extended key usage requirement.</summary>
    Any,
    /// <summary>Code signing (id-kp-codeSigning).</summary>
    CodeSigning,
    /// <summary>A time-stamping authority (id-kp-timeStamping); the leaf must also meet RFC 3161 2.3.</summary>
    TimeStamping,
    /// <summary>S/MIME (id-kp-emailProtection).</summary>
    EmailProtection,
    /// <summary>A delegated OCSP responder (id-kp-OCSPSigning).</summary>
    OcspSigning,
}
