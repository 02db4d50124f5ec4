using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;

namespace Certitude.Tls;

/// <summary>
/// Certificates a peer sent before, looked up by their exact DER: a client meets the same server chain
/// on every connection and a server the same client chains, so each is parsed once. A hit is a
/// byte-for-byte match (the hash only picks the bucket, and is seeded per process), the cache is
/// bounded, and a certificate that does not parse is never stored.
/// </summary>
internal sealed class ParsedCertificates
{
    private const int MaxEntries = 1024;

    private readonly ConcurrentDictionary<byte[], Certificate> _byDer = new(DerComparer.Instance);

    /// <summary>The parsed certificate for these bytes. Throws <see cref="CertificateFormatException"/> when malformed.</summary>
    public Certificate Parse(ReadOnlySpan<byte> der)
    {
        var lookup = _byDer.GetAlternateLookup<ReadOnlySpan<byte>>();
        if (lookup.TryGetValue(der, out var known))
        {
            return known;
        }
        var copy = der.ToArray();
        var parsed = Certificate.Parse(copy.AsMemory());
        if (_byDer.Count >= MaxEntries)
        {
            _byDer.Clear();
        }
        return _byDer.GetOrAdd(copy, parsed);
    }

    private sealed class DerComparer : IEqualityComparer<byte[]>, IAlternateEqualityComparer<ReadOnlySpan<byte>, byte[]>
    {
        public static readonly DerComparer Instance = new();

        public bool Equals(byte[]? x, byte[]? y) => x is not null && y is not null && x.AsSpan().SequenceEqual(y);

        public int GetHashCode([DisallowNull] byte[] obj) => Hash(obj);

        public bool Equals(ReadOnlySpan<byte> alternate, byte[] other) => alternate.SequenceEqual(other);

        public int GetHashCode(ReadOnlySpan<byte> alternate) => Hash(alternate);

        public byte[] Create(ReadOnlySpan<byte> alternate) => alternate.ToArray();

        private static int Hash(ReadOnlySpan<byte> der)
        {
            var h = new HashCode();
            h.AddBytes(der);
            return h.ToHashCode();
        }
    }
}
