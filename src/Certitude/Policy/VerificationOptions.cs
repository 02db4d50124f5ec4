namespace Certitude;

/// <summary>Bounds on one verification's path search (RFC 4158 warns that path building can be
/// exponential; these make it finite). Exhausting any of them ends the whole search with
/// <see cref="VerifyCode.BudgetExhausted"/>.</summary>
public sealed record VerificationBudget
{
    /// <summary>Distinct signature verifications (a key and a signed object; asking for the same one again is not counted again).</summary>
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

/// <summary>Which trust anchors a root program's trust bits and distrust-after dates apply to.</summary>
public enum RootProgramScope
{
    /// <summary>Anchors taken from the root program itself (<see cref="TrustStore.Mozilla"/>) or from the system store
    /// (<see cref="TrustStore.LoadSystem(TrustStoreLoadOptions?)"/>, including <c>SSL_CERT_FILE</c> and <c>SSL_CERT_DIR</c>),
    /// where a stale distribution bundle is the risk; an anchor the caller supplied explicitly (a file, a directory,
    /// certificates) is trusted as given, as Chrome lets an enterprise trust a root its program distrusts.</summary>
    ProgramAndSystemAnchors,
    /// <summary>Every anchor the program recognises, wherever it came from (the command line's <c>--root-program all</c>).</summary>
    AllAnchors,
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

    /// <summary>The public root program whose data applies to the anchors it recognises: its per-purpose trust (a root
    /// not trusted for serverAuth does not anchor a server certificate) and distrust-after dates, for the anchors
    /// <see cref="RootProgramScope"/> names; and, for roots it trusts for serverAuth wherever they came from, the CA/B
    /// issuance rules. Default: <see cref="RootProgram.Mozilla"/>; null turns all of this off.</summary>
    public RootProgram? RootProgram { get; init; } = RootProgram.Mozilla;

    /// <summary>Which anchors the root program's trust decisions apply to. Default
    /// <see cref="Certitude.RootProgramScope.ProgramAndSystemAnchors"/>: anchors taken from the program
    /// (<see cref="TrustStore.Mozilla"/>) or the system store (<see cref="TrustStore.LoadSystem(TrustStoreLoadOptions?)"/>,
    /// SSL_CERT_FILE and SSL_CERT_DIR included); anchors the caller supplied are trusted as given (RFC 5280 6.1.1 (d)).</summary>
    public RootProgramScope RootProgramScope { get; init; } = RootProgramScope.ProgramAndSystemAnchors;

    /// <summary>The defaults: web PKI, strict, partial chain, trusted first, TLS server.</summary>
    public static VerificationOptions Default { get; } = new();

    internal bool Strict => (Flags & VerifyFlags.X509Strict) != 0;

    internal bool Issuance => (Flags & VerifyFlags.CabfIssuance) != 0;
}
