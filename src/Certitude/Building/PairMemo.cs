using System.Runtime.CompilerServices;

namespace Certitude.Building;

/// <summary>
/// A per-search memo keyed by two objects (by reference) and a small number: a short list scanned
/// linearly, as a search over an ordinary chain stores a handful of entries, and a dictionary once it
/// holds more (a hostile pool of candidates). Keys compare by reference: the certificate objects of one
/// search, whose value hashes (name and key digest) need not be computed for this.
/// </summary>
internal sealed class PairMemo<TValue>
{
    private const int LinearLimit = 16;

    private readonly List<(object A, object? B, int C, TValue Value)> _list;
    private Dictionary<(object, object?, int), TValue>? _map;

    /// <param name="capacity">The entries an ordinary search stores (the list grows past it).</param>
    public PairMemo(int capacity) => _list = new(capacity);

    public bool TryGetValue(object a, object? b, int c, out TValue value)
    {
        if (_map is not null)
        {
            return _map.TryGetValue((a, b, c), out value!);
        }
        foreach (var e in _list)
        {
            if (ReferenceEquals(e.A, a) && ReferenceEquals(e.B, b) && e.C == c)
            {
                value = e.Value;
                return true;
            }
        }
        value = default!;
        return false;
    }

    public void Set(object a, object? b, int c, TValue value)
    {
        if (_map is not null)
        {
            _map[(a, b, c)] = value;
            return;
        }
        for (int i = 0; i < _list.Count; i++)
        {
            var e = _list[i];
            if (ReferenceEquals(e.A, a) && ReferenceEquals(e.B, b) && e.C == c)
            {
                _list[i] = (a, b, c, value);
                return;
            }
        }
        if (_list.Count < LinearLimit)
        {
            _list.Add((a, b, c, value));
            return;
        }
        _map = new Dictionary<(object, object?, int), TValue>(ByReference.Instance);
        foreach (var e in _list)
        {
            _map[(e.A, e.B, e.C)] = e.Value;
        }
        _map[(a, b, c)] = value;
        _list.Clear();
    }

    private sealed class ByReference : IEqualityComparer<(object A, object? B, int C)>
    {
        public static readonly ByReference Instance = new();

        public bool Equals((object A, object? B, int C) x, (object A, object? B, int C) y)
            => ReferenceEquals(x.A, y.A) && ReferenceEquals(x.B, y.B) && x.C == y.C;

        public int GetHashCode((object A, object? B, int C) k)
            => HashCode.Combine(RuntimeHelpers.GetHashCode(k.A), k.B is null ? 0 : RuntimeHelpers.GetHashCode(k.B), k.C);
    }
}
