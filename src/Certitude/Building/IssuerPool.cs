namespace Certitude.Building;

/// <summary>
/// The untrusted certificates a peer supplied, de-duplicated and looked up by subject. A handful (the
/// usual case) is scanned linearly with no index built; a large pool (a peer may send thousands of
/// look-alike certificates) is de-duplicated by fingerprint and indexed by subject in linear time.
/// </summary>
internal sealed class IssuerPool
{
    private const int IndexAbove = 8;

    private readonly List<Certificate> _all = [];
    private readonly Dictionary<string, List<Certificate>>? _bySubject;

    public IssuerPool(IEnumerable<Certificate> certificates)
    {
        var list = certificates as IReadOnlyCollection<Certificate>;
        if (list is not null && list.Count <= IndexAbove)
        {
            foreach (var c in list)
            {
                if (!_all.Contains(c))
                {
                    _all.Add(c);
                }
            }
            return;
        }
        _bySubject = new Dictionary<string, List<Certificate>>(StringComparer.Ordinal);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var c in certificates)
        {
            if (!seen.Add(c.Sha256Fingerprint))
            {
                continue;
            }
            _all.Add(c);
            if (!_bySubject.TryGetValue(c.Subject.NormalizedKey, out var bucket))
            {
                _bySubject[c.Subject.NormalizedKey] = bucket = [];
            }
            bucket.Add(c);
        }
    }

    /// <summary>Adds to <paramref name="into"/> every pooled certificate whose subject is <paramref name="subject"/>.</summary>
    public void Find(DistinguishedName subject, List<Certificate> into)
    {
        if (_bySubject is not null)
        {
            if (_bySubject.TryGetValue(subject.NormalizedKey, out var bucket))
            {
                into.AddRange(bucket);
            }
            return;
        }
        foreach (var c in _all)
        {
            if (string.Equals(c.Subject.NormalizedKey, subject.NormalizedKey, StringComparison.Ordinal))
            {
                into.Add(c);
            }
        }
    }
}
