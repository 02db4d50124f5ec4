namespace Certitude.Tls;

/// <summary>
/// The bounds on fetching missing intermediates from caIssuers URLs (RFC 5280 4.2.2.1) for an
/// <see cref="IntermediateFetcher"/>. Immutable; the defaults are the documented ones (docs/intermediates.md).
/// Only <c>http:</c> URLs are ever fetched: the fetched certificate is authenticated by its signature, and
/// <c>https:</c> would need a TLS verification inside a TLS verification.
/// </summary>
public sealed record IntermediateFetchOptions
{
    /// <summary>Most HTTP fetches (cache hits excluded) for one verification: a chain may lack more than one level. Default 3.</summary>
    public int MaxFetches { get; init; } = 3;

    /// <summary>Total time the fetches of one verification (one handshake) may take, waiting for a shared fetch
    /// included. Default 2 seconds. On expiry the original failure stands.</summary>
    public TimeSpan TimeBudget { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Largest response body accepted, in bytes; a larger one is refused without being read in full.
    /// Default 64 KiB (an intermediate is 1-2 KiB; a certs-only PKCS#7 of a few is well under this).</summary>
    public int MaxResponseBytes { get; init; } = 64 * 1024;

    /// <summary>Redirects followed per fetch, each only to another <c>http:</c> URL. Default 1.</summary>
    public int MaxRedirects { get; init; } = 1;

    /// <summary>URLs whose outcome is remembered (least recently used dropped first). Default 256.</summary>
    public int CacheEntries { get; init; } = 256;

    /// <summary>How long a fetched certificate set is reused. Default 1 hour.</summary>
    public TimeSpan CacheLifetime { get; init; } = TimeSpan.FromHours(1);

    /// <summary>How long a failed or refused fetch is remembered, so that a busy client does not ask a broken URL
    /// again on every handshake. Default 1 minute.</summary>
    public TimeSpan FailureCacheLifetime { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>The defaults.</summary>
    public static IntermediateFetchOptions Default { get; } = new();

    internal void Validate()
    {
        if (MaxFetches < 0 || MaxRedirects < 0 || CacheEntries < 0 || MaxResponseBytes <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(IntermediateFetchOptions),
                "MaxFetches, MaxRedirects and CacheEntries must be zero or more and MaxResponseBytes positive");
        }
        if (TimeBudget <= TimeSpan.Zero || CacheLifetime < TimeSpan.Zero || FailureCacheLifetime < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(IntermediateFetchOptions), "TimeBudget must be positive and the cache lifetimes zero or more");
        }
    }
}
