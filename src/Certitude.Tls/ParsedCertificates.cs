using System.Collections.Concurrent;

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

    private readonly ConcurrentDictionary<byte[], Certificate> _byDer = new(Der.ByteSequenceComparer.Instance);

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
}
