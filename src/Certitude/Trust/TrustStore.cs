namespace Certitude;

/// <summary>
/// A set of trust anchors, indexed by subject name. Immutable and thread-safe. A trust anchor is
/// a certificate the caller trusts: its name and key are trusted; which profile checks apply to
/// the certificate itself is decided by the verification flags (X509Strict checks it).
/// </summary>
public sealed class TrustStore
{
    private readonly Dictionary<string, Certificate[]> _bySubject;
    private readonly HashSet<string> _fingerprints;

    private TrustStore(Certificate[] certs)
    {
        var unique = new List<Certificate>();
        _fingerprints = new HashSet<string>(StringComparer.Ordinal);
        foreach (var c in certs)
        {
            if (_fingerprints.Add(Key(c)))
            {
                unique.Add(c);
            }
        }
        Certificates = unique;
        _bySubject = unique.GroupBy(c => c.Subject.NormalizedKey, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.ToArray(), StringComparer.Ordinal);
    }

    /// <summary>The anchors.</summary>
    public IReadOnlyList<Certificate> Certificates { get; }

    /// <summary>How many anchors.</summary>
    public int Count => Certificates.Count;

    /// <summary>An empty store (nothing verifies against it).</summary>
    public static TrustStore Empty { get; } = new([]);

    /// <summary>A store of the given certificates (duplicates are kept once).</summary>
    public static TrustStore FromCertificates(IEnumerable<Certificate> certificates) => new(certificates.ToArray());

    internal IReadOnlyList<Certificate> FindBySubject(DistinguishedName subject)
        => _bySubject.TryGetValue(subject.NormalizedKey, out var list) ? list : [];

    /// <summary>True when this exact certificate (same DER) is an anchor.</summary>
    public bool Contains(Certificate certificate) => _fingerprints.Contains(Key(certificate));

    private static string Key(Certificate c) => c.Sha256Fingerprint;
}
