namespace Certitude.Tls;

public sealed partial class TlsContext
{
    /// <summary>
    /// An HttpClient handler that follows <see cref="Reload"/>: like <see cref="CreateHttpMessageHandler"/> (the same
    /// verification, errors and logs), but after each reload that replaced the material, new connections are made by a
    /// new <see cref="SocketsHttpHandler"/> of the new material, so they present the rotated client certificate
    /// (<see cref="LoadCertChain"/>, with its intermediates); requests already sent finish on the previous one. Use it
    /// without dependency injection to rotate a client certificate with an explicit <see cref="Reload"/> (or
    /// <see cref="WatchFiles"/>); <c>UseCertitude(name)</c> does the same for contexts registered with
    /// <c>AddCertitude</c>. (<see cref="CreateHttpMessageHandler"/> keeps the client certificate it was made with:
    /// a <see cref="SocketsHttpHandler"/> copies its <see cref="SocketsHttpHandler.SslOptions"/> into each connection
    /// pool, and a certificate chosen per connection by a selection callback would be sent without its
    /// intermediates. Trust anchors and CRLs follow a reload with either handler.)
    /// </summary>
    /// <param name="configure">Settings for each inner <see cref="SocketsHttpHandler"/> (pool lifetimes, proxy, ...);
    /// its <see cref="SocketsHttpHandler.SslOptions"/> are this context's.</param>
    /// <returns>A new handler; dispose it with the <see cref="HttpClient"/> that owns it.</returns>
    /// <exception cref="InvalidOperationException">The context verifies clients, or verification is on and no trust store was loaded.</exception>
    public HttpMessageHandler CreateReloadingHttpMessageHandler(Action<SocketsHttpHandler>? configure = null)
    {
        // Misuse (a client-verifying context, no trust store) is reported now, as CreateHttpMessageHandler does.
        _ = CreateSslClientAuthenticationOptions(null);
        return new ReloadingHttpHandler(() => this, configure);
    }
}

/// <summary>
/// Forwards to a verifying <see cref="SocketsHttpHandler"/> of the current context's current material, and starts a
/// new one (for new connections) when the context is replaced or reloads; requests already sent finish on the old one.
/// </summary>
internal sealed class ReloadingHttpHandler(Func<TlsContext> current, Action<SocketsHttpHandler>? configure = null) : HttpMessageHandler
{
    private readonly Lock _gate = new();
    private (TlsContext Context, int Generation, HttpMessageInvoker Invoker)? _current;
    private readonly List<HttpMessageInvoker> _retired = [];

    private HttpMessageInvoker Current()
    {
        var context = current();
        var now = _current;
        if (now is { } c && ReferenceEquals(c.Context, context) && c.Generation == context.Generation)
        {
            return c.Invoker;
        }
        lock (_gate)
        {
            if (_current is { } again && ReferenceEquals(again.Context, context) && again.Generation == context.Generation)
            {
                return again.Invoker;
            }
            if (_current is { } retired)
            {
                _retired.Add(retired.Invoker);
            }
            // The generation is read before the handler is made: a reload in between makes the next request start another.
            var generation = context.Generation;
            var handler = context.CreateHttpMessageHandler();
            configure?.Invoke(handler);
            var invoker = new HttpMessageInvoker(handler, disposeHandler: true);
            _current = (context, generation, invoker);
            return invoker;
        }
    }

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        => Current().SendAsync(request, cancellationToken);

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            lock (_gate)
            {
                _current?.Invoker.Dispose();
                foreach (var r in _retired)
                {
                    r.Dispose();
                }
            }
        }
        base.Dispose(disposing);
    }
}
