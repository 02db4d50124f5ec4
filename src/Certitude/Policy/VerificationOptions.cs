namespace Certitude;

/// <summary>Bounds on one verification's path search (RFC 4158 warns that path building can be
/// exponential; these make it finite). Exhausting any of them ends the whole search with
/// <see cref="VerifyCode.BudgetExhausted"/>.</summary>
public sealed record VerificationBudget
{
    /// <summary>Signature verifications.</summary>
    public int MaxSignatureChecks { get; init; } = 100;

    /// <summary>Candidate issuers considered.</summary>
    public int MaxCandidates { get; init; } = 1000;

    /// <summary>Name/constraint comparisons.</summary>
    public int MaxNameConstraintComparisons { get; init; } = 250_000;

    /// <summary>Nodes created in the RFC 5280 valid_policy_tree.</summary>
    public int MaxPolicyNodes { get; init; } = 10_000;

    /// <summary>The defaults.</summary>
    public static VerificationBudget Default { get; } = new();
}

/// <summary>The four policy inputs of RFC 5280 6.1.1 (c), (e), (f), (g).</summary>
public sealed record PolicyInputs
{
    /// <summary>user-initial-policy-set; the default is {anyPolicy}.</summary>
    public IReadOnlySet<string> InitialPolicySet { get; init; } = new HashSet<string> { Der.Oids.AnyPolicy };

    /// <summary>initial-explicit-policy.</summary>
    public bool RequireExplicitPolicy { get; init; }

    /// <summary>initial-policy-mapping-inhibit.</summary>
    public bool InhibitPolicyMapping { get; init; }

    /// <summary>initial-any-policy-inhibit.</summary>
    public bool InhibitAnyPolicy { get; init; }

    /// <summary>The RFC 5280 defaults (anyPolicy, nothing required or inhibited).</summary>
    public static PolicyInputs Default { get; } = new();
}

/// <summary>Everything a verification depends on besides the certificates. Immutable.</summary>
public sealed record VerificationOptions
{
    /// <summary>The profile (rule table and algorithm policy). Default: <see cref="VerificationProfile.WebPki"/>.</summary>
    public VerificationProfile Profile { get; init; } = VerificationProfile.WebPki;

    /// <summary>Flags. Default: X509Strict | PartialChain | TrustedFirst.</summary>
    public VerifyFlags Flags { get; init; } = VerifyFlags.Default;

    /// <summary>What the leaf is verified for. Default: TLS server authentication.</summary>
    public CertificatePurpose Purpose { get; init; } = CertificatePurpose.ServerAuthentication;

    /// <summary>Extended key usages the leaf must allow; when set, replaces the one implied by <see cref="Purpose"/>.</summary>
    public IReadOnlyList<string>? RequiredExtendedKeyUsages { get; init; }

    /// <summary>keyUsage bits the leaf must assert when it carries keyUsage.</summary>
    public KeyUsageFlags RequiredKeyUsage { get; init; }

    /// <summary>The validation time; null means "now" when <c>Verifier.Verify</c> is called.
    /// Compared at whole seconds (RFC 5280 4.1.2.5 validity is inclusive and to the second).</summary>
    public DateTimeOffset? ValidationTime { get; init; }

    /// <summary>Most intermediates (not counting self-issued ones) a path may hold.</summary>
    public int MaxIntermediates { get; init; } = 8;

    /// <summary>Fall back to the subject common name when the leaf has no DNS or IP subjectAltName. Default off (RFC 9525 6.3).</summary>
    public bool HostnameChecksCommonName { get; init; }

    /// <summary>Search bounds.</summary>
    public VerificationBudget Budget { get; init; } = VerificationBudget.Default;

    /// <summary>Certificate policy inputs.</summary>
    public PolicyInputs Policy { get; init; } = PolicyInputs.Default;

    /// <summary>Certificate revocation lists consulted when <see cref="VerifyFlags.CrlCheckLeaf"/> or
    /// <see cref="VerifyFlags.CrlCheckChain"/> is set. Supplied by the caller: the engine never fetches anything.</summary>
    public IReadOnlyList<CertificateRevocationList> Crls { get; init; } = [];

    /// <summary>Untrusted intermediates the caller supplies once for every verification (e.g. a bundle of the
    /// intermediates of the CAs a fleet uses): candidates for paths, never anchors, tried after the ones passed
    /// to <c>Verifier.Verify</c>. They complete chains that servers send incomplete, without the network.
    /// Default: none.</summary>
    public IReadOnlyList<Certificate> Intermediates { get; init; } = [];

    /// <summary>The public root program whose data applies to any anchor it recognises, wherever the anchor came
    /// from: its per-purpose trust (a root not trusted for serverAuth does not anchor a server certificate), its
    /// distrust-after dates, and, for roots trusted for serverAuth, the CA/B issuance rules. Default:
    /// <see cref="RootProgram.Mozilla"/>; null turns this off.</summary>
    public RootProgram? RootProgram { get; init; } = RootProgram.Mozilla;

    /// <summary>The defaults: web PKI, strict, partial chain, trusted first, TLS server.</summary>
    public static VerificationOptions Default { get; } = new();

    internal bool Strict => (Flags & VerifyFlags.X509Strict) != 0;

    internal bool Issuance => (Flags & VerifyFlags.CabfIssuance) != 0;
}
