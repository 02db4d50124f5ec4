namespace Certitude;

/// <summary>
/// A verification profile: the table of structural rules applied to each certificate of a path and
/// the algorithm policy. Two are built in: <see cref="WebPki"/> (CA/Browser Forum Baseline
/// Requirements for TLS) and <see cref="Rfc5280"/> (the RFC's MUSTs).
/// </summary>
public sealed class VerificationProfile
{
    private VerificationProfile(string name, CertificateRule[] rules, AlgorithmPolicy algorithms, bool requireLeafEku, bool allowAnyEku)
    {
        Name = name;
        Rules = rules;
        Algorithms = algorithms;
        RequireLeafExtendedKeyUsage = requireLeafEku;
        AllowAnyExtendedKeyUsage = allowAnyEku;
    }

    /// <summary>The profile's name.</summary>
    public string Name { get; }

    /// <summary>The keys and signature algorithms the profile accepts.</summary>
    public AlgorithmPolicy Algorithms { get; private init; }

    /// <summary>The leaf must carry extKeyUsage (CA/B BR 7.1.2.7.10).</summary>
    public bool RequireLeafExtendedKeyUsage { get; }

    /// <summary>anyExtendedKeyUsage satisfies a purpose (RFC 5280 4.2.1.12).</summary>
    public bool AllowAnyExtendedKeyUsage { get; }

    internal CertificateRule[] Rules { get; }

    /// <summary>The rules of this profile: id, citation, and whether only X509Strict enforces it.</summary>
    public IReadOnlyList<(string Id, string Citation, bool StrictOnly)> DescribeRules()
        => Rules.Select(r => (r.Id, r.Citation, r.StrictOnly)).ToArray();

    /// <summary>The same profile with another algorithm policy.</summary>
    public VerificationProfile WithAlgorithms(AlgorithmPolicy algorithms)
        => new(Name, Rules, algorithms, RequireLeafExtendedKeyUsage, AllowAnyExtendedKeyUsage);

    /// <summary>CA/Browser Forum Baseline Requirements for TLS server and client certificates.</summary>
    public static VerificationProfile WebPki { get; } =
        new("webpki", [.. RuleTables.Common, .. RuleTables.WebPkiOnly], AlgorithmPolicy.WebPki, requireLeafEku: true, allowAnyEku: false);

    /// <summary>RFC 5280's MUSTs.</summary>
    public static VerificationProfile Rfc5280 { get; } =
        new("rfc5280", [.. RuleTables.Common, .. RuleTables.Rfc5280Only], AlgorithmPolicy.Rfc5280, requireLeafEku: false, allowAnyEku: true);

    /// <inheritdoc/>
    public override string ToString() => Name;
}
