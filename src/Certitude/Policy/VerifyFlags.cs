namespace Certitude;

/// <summary>Verification flags, named after OpenSSL's <c>X509_V_FLAG_*</c>.</summary>
[Flags]
public enum VerifyFlags
{
    /// <summary>No flag.</summary>
    None = 0,
    /// <summary>Enforce the profile's strict rules (<see cref="RuleTier.Strict"/>): the checks beyond the RFC 5280 6.1
    /// algorithm that protect the relying party (authority, identity, cryptography, unambiguous encoding). Named after
    /// <c>X509_V_FLAG_X509_STRICT</c>, but a CA's duties (AKI, SKI, criticality) are the issuance tier, not this one.</summary>
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
    /// <summary>Enforce the issuance tier (<see cref="RuleTier.Issuance"/>): what a CA must do when it issues (RFC 5280
    /// section 4's "conforming CAs MUST": AKI and SKI, criticality, keyUsage in CA certificates, a positive serial; the
    /// CA/Browser Forum profile; DER's omitted DEFAULT values) but that protects no relying party. Without the flag they
    /// are enforced only when the path ends at a root the root program (<see cref="VerificationOptions.RootProgram"/>)
    /// trusts for serverAuth, and reported as <see cref="VerificationResult.Warnings"/> otherwise.</summary>
    CabfIssuance = 1 << 5,
    /// <summary>Do not check the trust anchor's own notBefore and notAfter (RFC 5280 6.1.1 (d): an anchor is a
    /// name and a key). By default they are checked, as OpenSSL and Go do: a root past its validity is one its
    /// CA no longer vouches for.</summary>
    IgnoreAnchorValidity = 1 << 6,
    /// <summary>Do not apply the trust anchor certificate's own constraints (basicConstraints pathLenConstraint
    /// and cA, nameConstraints, keyUsage, extKeyUsage, policyConstraints and inhibitAnyPolicy); the anchor is then only a
    /// name and a key (RFC 5280 6.1.1 (d)).
    /// By default they are applied, as OpenSSL and Go do (RFC 5937 anchor constraints).</summary>
    IgnoreAnchorConstraints = 1 << 7,
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
