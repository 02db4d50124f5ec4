using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using Microsoft.Extensions.Logging;

namespace Certitude.Tls;

/// <summary>
/// Completes chains that a server sent incomplete, the way browsers do: when verification fails because an
/// issuer is missing and the certificate lacking it names a caIssuers URL (RFC 5280 4.2.2.1), fetches that URL and
/// verifies again with what came back among the untrusted candidates. Opt-in (<see cref="TlsContext.IntermediateFetcher"/>,
/// <c>--fetch-intermediates</c>); the engine itself never fetches. Bounded by <see cref="IntermediateFetchOptions"/>:
/// <c>http:</c> only, at most one redirect and only to <c>http:</c>, a few fetches and a time budget per verification,
/// a size limit, DER or certs-only PKCS#7 only. Fetched certificates are never trusted: they are candidates that must
/// chain, by signature, to an anchor. A failed or refused fetch leaves the original failure, with what the fetch did
/// recorded on <see cref="VerificationResult.IncompleteChain"/>. Outcomes are cached by URL (bounded, least recently
/// used first out, with expiry), and concurrent verifications that need one URL share one fetch.
/// Thread-safe; one instance may serve any number of contexts.
/// </summary>
public sealed class IntermediateFetcher
{
    /// <summary>The name of the <see cref="HttpClient"/> an <c>IHttpClientFactory</c> provides for fetching
    /// (<c>AddCertitude</c> registers it with <see cref="CreateHttpMessageHandler"/> as its primary handler).</summary>
    public const string HttpClientName = "Certitude.Intermediates";

    /// <summary>The rule id of the warning a repaired result carries.</summary>
    public const string WarningRuleId = "aia-fetched";

    private Func<HttpClient> _client;
    private bool _defaultHandler;
    private readonly Dictionary<string, LinkedListNode<Entry>> _cache = new(StringComparer.Ordinal);
    private readonly LinkedList<Entry> _lru = new();
    private readonly Lock _gate = new();
    private long _requests;

    /// <summary>A fetcher with its own HTTP handler (<see cref="CreateHttpMessageHandler"/>: no redirects followed by the
    /// handler, no cookies, the system proxy).</summary>
    /// <param name="options">The bounds; null for the defaults.</param>
    public IntermediateFetcher(IntermediateFetchOptions? options = null)
        : this(options, CreateHttpMessageHandler())
    {
        _defaultHandler = true;
    }

    /// <summary>For adapters: a fetcher made with the default handler and not used yet takes the container's
    /// <c>IHttpClientFactory</c> client (<see cref="HttpClientName"/>) instead.</summary>
    internal void AdoptHttpClient(Func<HttpClient> factory)
    {
        lock (_gate)
        {
            if (_defaultHandler && Interlocked.Read(ref _requests) == 0)
            {
                _client = factory;
                _defaultHandler = false;
            }
        }
    }

    /// <summary>A fetcher that sends its requests through the given handler (a proxy, a test server). The handler
    /// should not follow redirects itself (the fetcher follows at most <see cref="IntermediateFetchOptions.MaxRedirects"/>,
    /// to <c>http:</c> only, and refuses a response that arrived from another scheme).</summary>
    /// <param name="options">The bounds; null for the defaults.</param>
    /// <param name="handler">The handler; the caller keeps ownership of it.</param>
    public IntermediateFetcher(IntermediateFetchOptions? options, HttpMessageHandler handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        Options = options ?? IntermediateFetchOptions.Default;
        Options.Validate();
        var client = new HttpClient(handler, disposeHandler: false) { Timeout = Timeout.InfiniteTimeSpan };
        _client = () => client;
    }

    /// <summary>A fetcher that takes its <see cref="HttpClient"/> from a factory on each fetch (e.g.
    /// <c>IHttpClientFactory.CreateClient(IntermediateFetcher.HttpClientName)</c>).</summary>
    /// <param name="options">The bounds; null for the defaults.</param>
    /// <param name="clientFactory">Returns the client to use; the fetcher does not dispose it.</param>
    public IntermediateFetcher(IntermediateFetchOptions? options, Func<HttpClient> clientFactory)
    {
        ArgumentNullException.ThrowIfNull(clientFactory);
        Options = options ?? IntermediateFetchOptions.Default;
        Options.Validate();
        _client = clientFactory;
    }

    /// <summary>The bounds.</summary>
    public IntermediateFetchOptions Options { get; }

    /// <summary>HTTP requests sent so far (redirects included; cache hits and shared fetches are not requests).</summary>
    public long RequestCount => Interlocked.Read(ref _requests);

    /// <summary>The handler a fetcher uses by default: follows no redirect itself, sends no cookies, asks for no
    /// compression, uses the system proxy, and refuses any TLS server (it is never asked to reach one).</summary>
    /// <returns>A new handler.</returns>
    public static SocketsHttpHandler CreateHttpMessageHandler() => new()
    {
        AllowAutoRedirect = false,
        UseCookies = false,
        AutomaticDecompression = DecompressionMethods.None,
        PooledConnectionLifetime = TimeSpan.FromMinutes(5),
        // Only http: is fetched; should anything reach TLS, it fails rather than verifying by the platform.
        SslOptions = new System.Net.Security.SslClientAuthenticationOptions { RemoteCertificateValidationCallback = static (_, _, _, _) => false },
    };

    /// <summary>Verifies as <paramref name="verifier"/> does and, when that fails for a missing issuer whose
    /// caIssuers URL the certificate names, fetches it and verifies again (for callers outside a TLS handshake,
    /// e.g. <c>certitude verify --fetch-intermediates</c>).</summary>
    /// <param name="verifier">The verifier.</param>
    /// <param name="leaf">The end-entity certificate.</param>
    /// <param name="intermediates">Untrusted certificates that may serve as intermediates.</param>
    /// <param name="peers">The names the leaf must match (none when null).</param>
    /// <returns>The result: the first one when fetching did not complete the chain (with what it did), or the
    /// repaired one with its warning.</returns>
    public VerificationResult Verify(Verifier verifier, Certificate leaf, IEnumerable<Certificate>? intermediates = null, IReadOnlyList<PeerIdentity>? peers = null)
    {
        ArgumentNullException.ThrowIfNull(verifier);
        ArgumentNullException.ThrowIfNull(leaf);
        var pool = intermediates?.ToList() ?? [];
        var first = verifier.Verify(leaf, pool, peers ?? []);
        return Repair(first, pool, p => verifier.Verify(leaf, p, peers ?? []), out _);
    }

    /// <summary>True when a result is one fetching may repair.</summary>
    internal static bool Repairable(VerificationResult r) => !r.IsValid && r.IncompleteChain is { Repaired: false };

    /// <summary>
    /// The repair loop: while the result fails for a missing issuer with a caIssuers URL not tried yet, within the
    /// fetch count and time budget, fetches it and verifies again with the fetched certificates added to
    /// <paramref name="pool"/>. On success <paramref name="pool"/> keeps them and <paramref name="fetched"/> says which came
    /// from where; on failure the pool is left as it was and the first result is returned with the attempts recorded.
    /// </summary>
    internal VerificationResult Repair(VerificationResult first, List<Certificate> pool, Func<List<Certificate>, VerificationResult> verify,
        out IReadOnlyList<(Certificate Certificate, string Url)> fetched)
    {
        fetched = [];
        if (!Repairable(first))
        {
            return first;
        }
        long deadline = Stopwatch.GetTimestamp() + (long)(Options.TimeBudget.TotalSeconds * Stopwatch.Frequency);
        int originalCount = pool.Count;
        var attempts = new List<IssuerFetch>();
        var tried = new HashSet<string>(StringComparer.Ordinal);
        var added = new List<(Certificate, string)>();
        var current = first;
        int fetches = 0;
        while (current.IncompleteChain is { } ic && !current.IsValid)
        {
            var url = ic.CaIssuersUrls.FirstOrDefault(u => !tried.Contains(u));
            if (url is null)
            {
                break;
            }
            tried.Add(url);
            if (Refusal(url) is { } refused)
            {
                attempts.Add(new IssuerFetch(url, 0, refused));
                continue;
            }
            if (fetches == Options.MaxFetches)
            {
                attempts.Add(new IssuerFetch(url, 0, $"not fetched: the limit of {Options.MaxFetches} fetch(es) per verification was reached"));
                break;
            }
            var remaining = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), deadline);
            if (remaining <= TimeSpan.Zero)
            {
                attempts.Add(new IssuerFetch(url, 0, $"not fetched: the time budget of {Seconds(Options.TimeBudget)} was spent"));
                break;
            }
            fetches++;
            var outcome = Fetch(url, remaining);
            if (outcome.Certificates.Length == 0)
            {
                attempts.Add(new IssuerFetch(url, 0, outcome.Outcome));
                continue;
            }
            var fresh = outcome.Certificates.Where(c => !pool.Contains(c) && !c.Equals(ic.Certificate)).ToList();
            if (fresh.Count == 0)
            {
                attempts.Add(new IssuerFetch(url, outcome.Certificates.Length, outcome.Outcome + "; nothing new (already among the candidates: a loop of caIssuers URLs?)"));
                continue;
            }
            pool.AddRange(fresh);
            added.AddRange(fresh.Select(c => (c, url)));
            var again = verify(pool);
            if (again.IsValid)
            {
                attempts.Add(new IssuerFetch(url, outcome.Certificates.Length, outcome.Outcome + "; completed the chain"));
                current = again;
                break;
            }
            attempts.Add(new IssuerFetch(url, outcome.Certificates.Length, again.IncompleteChain is { } next && !next.Certificate.Equals(ic.Certificate)
                ? outcome.Outcome + $"; the chain now lacks the issuer of \"{next.Certificate.Subject}\""
                : outcome.Outcome + $"; the fetched certificate(s) did not complete the chain: error {(int)again.Code} ({again.CodeText})"));
            current = again;
        }
        if (!current.IsValid)
        {
            // RFC-neutral rule of this feature: a fetch never turns a failure into anything but the original failure.
            pool.RemoveRange(originalCount, pool.Count - originalCount);
            return attempts.Count == 0 ? first : first.With($"{first.Message}; fetching it: {string.Join("; ", attempts.Select(a => a.ToString()))}",
                first.IncompleteChain!.With(attempts, repaired: false));
        }
        var onPath = added.Where(a => current.Path.Contains(a.Item1)).ToList();
        fetched = onPath;
        var warnings = current.Warnings.ToList();
        foreach (var (cert, url) in onPath)
        {
            int index = IndexOf(current.Path, cert);
            warnings.Add(new VerificationWarning(index, VerifyCode.UnableToGetIssuerCertLocally, WarningRuleId, "RFC 5280 4.2.2.1",
                $"completed with an intermediate fetched from {url}: the peer sent an incomplete chain", cert));
        }
        var original = first.IncompleteChain!;
        int at = IndexOf(current.Path, original.Certificate);
        var repaired = new IncompleteChain(at >= 0 ? at : original.CertificateIndex, original.Certificate, original.CaIssuersUrls, original.Purpose, attempts, repaired: true);
        return current.With(current.Message, repaired, warnings);
    }

    private static int IndexOf(IReadOnlyList<Certificate> path, Certificate c)
    {
        for (int i = 0; i < path.Count; i++)
        {
            if (path[i].Equals(c))
            {
                return i;
            }
        }
        return -1;
    }

    private static string Seconds(TimeSpan t) => $"{t.TotalSeconds.ToString("0.###", System.Globalization.CultureInfo.InvariantCulture)} s";

    /// <summary>Why a URL is not fetched at all, or null: http: only (RFC 5280 4.2.2.1 also allows ldap:, which is not
    /// fetched; https: would verify by TLS inside a TLS verification).</summary>
    internal static string? Refusal(string url)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri))
        {
            return "refused: not an absolute URL";
        }
        if (uri.Scheme != Uri.UriSchemeHttp)
        {
            return $"refused: only http: URLs are fetched, not {uri.Scheme}:";
        }
        return null;
    }

    internal sealed record Fetched(Certificate[] Certificates, string Outcome);

    private sealed class Entry(string url, Task<Fetched> task, long created)
    {
        public string Url { get; } = url;
        public Task<Fetched> Task { get; } = task;
        public long Created { get; } = created;
    }

    /// <summary>The outcome of one URL: from the cache, from a fetch in flight, or from a new fetch; waits at most
    /// <paramref name="wait"/> (the caller's remaining budget).</summary>
    internal Fetched Fetch(string url, TimeSpan wait)
    {
        var task = Lookup(url);
        try
        {
            // The TLS validation callback is synchronous: the wait is bounded by the caller's budget, and the fetch
            // itself by the fetcher's own (it goes on, for the cache and for other waiters, if this caller gives up).
            if (!task.Wait(wait))
            {
                return new Fetched([], $"timed out: no complete answer within the time budget of {Seconds(Options.TimeBudget)}");
            }
        }
        catch (AggregateException e)
        {
            return new Fetched([], $"failed: {e.InnerException?.Message}");
        }
        return task.Result;
    }

    private Task<Fetched> Lookup(string url)
    {
        long now = Stopwatch.GetTimestamp();
        lock (_gate)
        {
            if (_cache.TryGetValue(url, out var node))
            {
                var e = node.Value;
                if (!e.Task.IsCompleted || !Expired(e, now))
                {
                    _lru.Remove(node);
                    _lru.AddFirst(node);
                    return e.Task;
                }
                _lru.Remove(node);
                _cache.Remove(url);
            }
            var task = Task.Run(() => FetchAsync(url));
            if (Options.CacheEntries > 0)
            {
                var added = _lru.AddFirst(new Entry(url, task, now));
                _cache[url] = added;
                while (_cache.Count > Options.CacheEntries && _lru.Last is { } oldest)
                {
                    _lru.RemoveLast();
                    _cache.Remove(oldest.Value.Url);
                }
            }
            return task;
        }
    }

    private bool Expired(Entry e, long now)
    {
        var lifetime = e.Task.IsCompletedSuccessfully && e.Task.Result.Certificates.Length > 0 ? Options.CacheLifetime : Options.FailureCacheLifetime;
        return Stopwatch.GetElapsedTime(e.Created, now) >= lifetime;
    }

    private async Task<Fetched> FetchAsync(string url)
    {
        using var cts = new CancellationTokenSource(Options.TimeBudget);
        var uri = new Uri(url);
        try
        {
            for (int redirects = 0; ; redirects++)
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, uri);
                request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/pkix-cert"));
                request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/pkcs7-mime"));
                Interlocked.Increment(ref _requests);
                using var response = await _client().SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cts.Token).ConfigureAwait(false);
                if (response.RequestMessage?.RequestUri is { } reached && reached.Scheme != Uri.UriSchemeHttp)
                {
                    return new Fetched([], $"refused: the HTTP handler was redirected to {reached.Scheme}: (only http: is fetched)");
                }
                int status = (int)response.StatusCode;
                if (status is 301 or 302 or 303 or 307 or 308)
                {
                    var location = response.Headers.Location;
                    if (location is null)
                    {
                        return new Fetched([], $"refused: HTTP {status} without a Location");
                    }
                    var next = location.IsAbsoluteUri ? location : new Uri(uri, location);
                    if (next.Scheme != Uri.UriSchemeHttp)
                    {
                        return new Fetched([], $"refused: redirected to {Elide.Text(next.ToString())} (only http: is fetched, never another scheme)");
                    }
                    if (redirects == Options.MaxRedirects)
                    {
                        return new Fetched([], $"refused: more than {Options.MaxRedirects} redirect(s)");
                    }
                    uri = next;
                    continue;
                }
                if (status is < 200 or > 299)
                {
                    return new Fetched([], $"HTTP {status} ({response.ReasonPhrase})");
                }
                if (response.Content.Headers.ContentLength is long declared && declared > Options.MaxResponseBytes)
                {
                    return new Fetched([], $"refused: the response is {declared} bytes, over the limit of {Options.MaxResponseBytes}");
                }
                var body = await ReadBounded(response.Content, cts.Token).ConfigureAwait(false);
                if (body is null)
                {
                    return new Fetched([], $"refused: the response is over the limit of {Options.MaxResponseBytes} bytes");
                }
                var (certs, format, refusal) = CertsOnlyPkcs7.Read(body);
                return refusal is not null
                    ? new Fetched([], refusal)
                    : new Fetched(certs, $"fetched {certs.Length} certificate(s) ({format}{(redirects > 0 ? ", after a redirect" : "")})");
            }
        }
        catch (OperationCanceledException) when (cts.IsCancellationRequested)
        {
            return new Fetched([], $"timed out after {Seconds(Options.TimeBudget)}");
        }
        catch (HttpRequestException e)
        {
            return new Fetched([], $"failed: {e.Message}");
        }
        catch (IOException e)
        {
            return new Fetched([], $"failed: {e.Message}");
        }
    }

    /// <summary>The body, or null when it is over the limit (read no further than one byte past it).</summary>
    private async Task<byte[]?> ReadBounded(HttpContent content, CancellationToken token)
    {
        var stream = await content.ReadAsStreamAsync(token).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            var buffer = new byte[Options.MaxResponseBytes + 1];
            int total = 0;
            while (total < buffer.Length)
            {
                int n = await stream.ReadAsync(buffer.AsMemory(total), token).ConfigureAwait(false);
                if (n == 0)
                {
                    return buffer.AsSpan(0, total).ToArray();
                }
                total += n;
            }
            return null;
        }
    }
}

/// <summary>The log events of fetching intermediates (category <c>Certitude.Tls</c>).</summary>
internal static partial class TlsLog
{
    [LoggerMessage(60, LogLevel.Warning, "certificate of {Peer} verified only with an intermediate fetched from {Url}: the peer sends an incomplete chain (missing issuer {Issuer}); ask its operator to send the intermediate", EventName = "IntermediateFetched")]
    public static partial void IntermediateFetched(ILogger logger, string peer, string url, string issuer);
}
