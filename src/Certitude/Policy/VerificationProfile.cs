namespace Certitude;

/// <summary>
/// A verification profile: the table of structural rules applied to each certificate of a path and
/// the algorithm policy. Two are built in: <see cref="WebPki"/> (CA/Browser Forum Baseline
/// Requirements for TLS) and <see cref="Rfc5280"/> (the RFC's MUSTs).
/// </summary>
public sealed class VerificationProfile
{
    private VerificationProfile(string name, CertificateRule[] rules, AlgorithmPolicy algorithms, bool allowAnyEku)
    {
        Name = name;
        Rules = rules;
        Algorithms = algorithms;
        AllowAnyExtendedKeyUsage = allowAnyEku;
    }

    /// <summary>The profile's name.</summary>
    public string Name { get; }

    /// <summary>The keys and signature algorithms the profile accepts.</summary>
    public AlgorithmPolicy Algorithms { get; private init; }

    /// <summary>anyExtendedKeyUsage satisfies a purpose (RFC 5280 4.2.1.12).</summary>
    public bool AllowAnyExtendedKeyUsage { get; }

    internal CertificateRule[] Rules { get; }

    /// <summary>The rules of this profile: id, citation, tier, and whether it belongs to the CA/B profile of TLS
    /// server certificates (applied only when the purpose includes serverAuth).</summary>
    public IReadOnlyList<(string Id, string Citation, RuleTier Tier, bool ServerOnly)> DescribeRules()
        => Rules.Select(r => (r.Id, r.Citation, r.Tier, r.ServerOnly)).ToArray();

    /// <summary>What goes wrong for the relying party when each rule is skipped ("nothing" for a CA's duty: the
    /// issuance tier), by rule id.</summary>
    public IReadOnlyDictionary<string, string> DescribeRisks()
        => Rules.ToDictionary(r => r.Id, r => r.Risk, StringComparer.Ordinal);

    /// <summary>The same profile with another algorithm policy.</summary>
    public VerificationProfile WithAlgorithms(AlgorithmPolicy algorithms)
        => new(Name, Rules, algorithms, AllowAnyExtendedKeyUsage);

    /// <summary>CA/Browser Forum Baseline Requirements for TLS server and client certificates.</summary>
    public static VerificationProfile WebPki { get; } =
        new("webpki", [.. RuleTables.Common, .. RuleTables.WebPkiOnly], AlgorithmPolicy.WebPki, allowAnyEku: false);

    /// <summary>RFC 5280's MUSTs.</summary>
    public static VerificationProfile Rfc5280 { get; } =
        new("rfc5280", [.. RuleTables.Common, .. RuleTables.Rfc5280Only], AlgorithmPolicy.Rfc5280, allowAnyEku: true);

    /// <inheritdoc/>
    public override string ToString() => Name;
}
