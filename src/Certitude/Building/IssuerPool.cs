using System.Runtime.InteropServices;

namespace Certitude.Building;

/// <summary>
/// The untrusted certificates a peer supplied, de-duplicated and looked up by subject. A handful (the
/// usual case) is scanned linearly with no index built; a large pool (a peer may send thousands of
/// look-alike certificates) is de-duplicated by fingerprint and indexed by subject in linear time.
/// </summary>
internal sealed class IssuerPool
{
    private const int IndexAbove = 8;

    private readonly List<Certificate> _all;
    private readonly Dictionary<DistinguishedName, List<Certificate>>? _bySubject;

    public IssuerPool(IEnumerable<Certificate> certificates)
    {
        if (certificates is IReadOnlyList<Certificate> list && list.Count <= IndexAbove)
        {
            // Indexed, not enumerated: no enumerator object for the usual array or list.
            _all = new List<Certificate>(list.Count);
            for (int i = 0; i < list.Count; i++)
            {
                if (!_all.Contains(list[i]))
                {
                    _all.Add(list[i]);
                }
            }
            return;
        }
        _all = [];
        _bySubject = new Dictionary<DistinguishedName, List<Certificate>>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var c in certificates)
        {
            if (!seen.Add(c.Sha256Fingerprint))
            {
                continue;
            }
            _all.Add(c);
            if (!_bySubject.TryGetValue(c.Subject, out var bucket))
            {
                _bySubject[c.Subject] = bucket = [];
            }
            bucket.Add(c);
        }
    }

    /// <summary>The pooled certificates that may have this subject: the subject's bucket of a large pool, or
    /// the whole of a small one. Callers compare each one's subject (a hash comparison first).</summary>
    public ReadOnlySpan<Certificate> Near(DistinguishedName subject)
    {
        if (_bySubject is not null)
        {
            return _bySubject.TryGetValue(subject, out var bucket) ? CollectionsMarshal.AsSpan(bucket) : default;
        }
        return CollectionsMarshal.AsSpan(_all);
    }
}
