namespace Certitude;

/// <summary>Extended key usage OIDs (RFC 5280 4.2.1.12).</summary>
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
}
