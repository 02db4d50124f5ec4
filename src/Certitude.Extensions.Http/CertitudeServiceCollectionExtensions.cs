using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Certitude;
using Certitude.Extensions.Http;
using Certitude.Tls;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>
/// The named <see cref="TlsContext"/>s of an application, built on first use from <see cref="CertitudeOptions"/> of
/// the same name, with the container's <see cref="ILoggerFactory"/> (log category <c>Certitude.Tls</c>) and
/// <see cref="IMeterFactory"/>. Contexts follow their options and files: a change of the named options
/// (<see cref="IOptionsMonitor{TOptions}"/>) builds a new context that new connections use, and each context watches
/// its files (<see cref="CertitudeOptions.WatchFiles"/>) and reloads them (<see cref="TlsContext.Reload"/>). Options
/// that fail validation, or files that fail to load, leave the last good context in use and log an Error.
/// Registered by <c>AddCertitude</c>; thread-safe; disposed with the container.
/// </summary>
public sealed class TlsContextProvider : IDisposable
{
    private readonly IOptionsMonitor<CertitudeOptions> _options;
    private readonly ILoggerFactory? _loggerFactory;
    private readonly IMeterFactory? _meterFactory;
    private readonly IHttpClientFactory? _httpClientFactory;
    private readonly ILogger? _log;
    private readonly ConcurrentDictionary<string, Lazy<Entry>> _contexts = new(StringComparer.Ordinal);
    private readonly IDisposable? _subscription;
    private readonly List<IDisposable> _sourceSubscriptions = [];
    private readonly IOptionsMonitorCache<CertitudeOptions>? _cache;
    private int _disposed;

    private sealed record Entry(TlsContext Context, IDisposable? Watch);

    /// <summary>Made by the container.</summary>
    /// <param name="options">The named options.</param>
    /// <param name="services">Where the optional logger and meter factories come from.</param>
    public TlsContextProvider(IOptionsMonitor<CertitudeOptions> options, IServiceProvider services)
    {
        ArgumentNullException.ThrowIfNull(services);
        _options = options;
        _loggerFactory = services.GetService<ILoggerFactory>();
        _meterFactory = services.GetService<IMeterFactory>();
        _httpClientFactory = services.GetService<IHttpClientFactory>();
        _log = _loggerFactory?.CreateLogger(TlsContext.MeterName);
        _subscription = options.OnChange((_, name) => Rebuild(name ?? Options.Options.DefaultName));
        _cache = services.GetService<IOptionsMonitorCache<CertitudeOptions>>();
        foreach (var source in services.GetServices<CertitudeOptionsChangeSource>())
        {
            _sourceSubscriptions.Add(ChangeToken.OnChange(source.GetChangeToken, () =>
            {
                // The options are read again (and validated) in Rebuild, where a failure is caught and logged.
                _cache?.TryRemove(source.Name);
                Rebuild(source.Name);
            }));
        }
    }

    /// <summary>The current context of that name, built on first use; after a change of its options, the context
    /// built from the new ones. Resolve it per connection (the adapters do) to follow changes.</summary>
    /// <param name="name">The name given to <c>AddCertitude</c>; null or empty for the default one.</param>
    /// <returns>The context, with the container's logger and meter factories.</returns>
    /// <exception cref="OptionsValidationException">The options fail validation (every problem, with its configuration path).</exception>
    /// <exception cref="ArgumentException">A setting has a value Certitude does not know.</exception>
    /// <exception cref="Certitude.TrustStoreException">A trust source or the certificate cannot be loaded.</exception>
    public TlsContext Get(string? name = null)
    {
        var key = string.IsNullOrEmpty(name) ? Options.Options.DefaultName : name;
        var lazy = _contexts.GetOrAdd(key, n => new Lazy<Entry>(() => Build(n)));
        try
        {
            return lazy.Value.Context;
        }
        catch
        {
            _contexts.TryRemove(new KeyValuePair<string, Lazy<Entry>>(key, lazy));
            throw;
        }
    }

    /// <summary>Every context built so far, by name (for health checks).</summary>
    internal IEnumerable<KeyValuePair<string, TlsContext>> Built
        => _contexts.Where(p => p.Value.IsValueCreated).Select(p => new KeyValuePair<string, TlsContext>(p.Key, p.Value.Value.Context));

    private Entry Build(string name)
    {
        var options = _options.Get(name);
        var context = options.CreateContext();
        if (_httpClientFactory is { } factory)
        {
            context.IntermediateFetcher?.AdoptHttpClient(() => factory.CreateClient(IntermediateFetcher.HttpClientName));
        }
        if (context.Logger is null && context.LoggerFactory is null)
        {
            context.LoggerFactory = _loggerFactory;
        }
        context.MeterFactory ??= _meterFactory;
        context.Seal(); // settings are final: a weakened context logs its Warning now, at creation
        var watch = options.WatchFiles && context.WatchedFiles.Count > 0 ? context.WatchFiles(options.ReloadDebounce) : null;
        return new Entry(context, watch);
    }

    /// <summary>The named options changed: build the new context; on failure keep the old one and log why.</summary>
    private void Rebuild(string name)
    {
        if (Volatile.Read(ref _disposed) == 1 || !_contexts.TryGetValue(name, out var old) || !old.IsValueCreated)
        {
            return; // never built: the next Get builds from the new options
        }
        try
        {
            var fresh = Build(name);
            _contexts[name] = new Lazy<Entry>(fresh);
            old.Value.Watch?.Dispose();
            if (_log is not null)
            {
                ProviderLog.Rebuilt(_log, name);
            }
        }
        catch (Exception e) when (e is OptionsValidationException or CertitudeException or ArgumentException or InvalidOperationException or IOException)
        {
            if (_log is not null)
            {
                ProviderLog.RebuildFailed(_log, name, e.Message);
            }
            Certitude.Tls.TlsTelemetryAccess.CountReloadFailure(_meterFactory);
        }
    }

    /// <summary>Stops watching files and options.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }
        _subscription?.Dispose();
        foreach (var s in _sourceSubscriptions)
        {
            s.Dispose();
        }
        foreach (var entry in _contexts.Values.Where(l => l.IsValueCreated))
        {
            entry.Value.Watch?.Dispose();
        }
    }
}

/// <summary>Where the changes of a named context's settings come from (a configuration section's reload token), for
/// <see cref="TlsContextProvider"/> alone: it reads and validates the options again itself, so that values that fail
/// validation are caught (the previous context stays, <c>ContextRebuildFailed</c> is logged) instead of throwing
/// inside the change token's callback, as <see cref="IOptionsMonitor{TOptions}"/> does for its change token sources.</summary>
/// <param name="name">The options' name.</param>
/// <param name="token">Produces the current change token.</param>
internal sealed class CertitudeOptionsChangeSource(string name, Func<IChangeToken> token)
{
    public string Name { get; } = name;

    public IChangeToken GetChangeToken() => token();
}

/// <summary>The named events of the provider (category <c>Certitude.Tls</c>).</summary>
internal static partial class ProviderLog
{
    [LoggerMessage(20, LogLevel.Information, "Certitude options '{Name}' changed: new connections use a context built from them", EventName = "ContextRebuilt")]
    public static partial void Rebuilt(ILogger logger, string name);

    [LoggerMessage(21, LogLevel.Error, "Certitude options '{Name}' changed but cannot be used, the previous context stays in use: {Reason}", EventName = "ContextRebuildFailed")]
    public static partial void RebuildFailed(ILogger logger, string name, string reason);
}

/// <summary>Registers Certitude with a service collection and an <see cref="IHttpClientBuilder"/>.</summary>
public static class CertitudeServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="TlsContextProvider"/> and the options validator, asks for the named options to be
    /// validated when the host starts (<c>ValidateOnStart</c>), and returns the options builder of the named context,
    /// e.g. to configure it in code. To read it from configuration, prefer
    /// <c>services.AddCertitude(name, configuration.GetSection("Certitude:Partner"))</c> (Certitude.AspNetCore), which
    /// reads every key explicitly (Native AOT safe) and reports each problem with its configuration path.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="name">The context's name; null for the default one.</param>
    /// <returns>The options builder of that name.</returns>
    public static OptionsBuilder<CertitudeOptions> AddCertitude(this IServiceCollection services, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddOptions();
        services.AddLogging();
        services.AddMetrics();
        services.TryAddSingletonProvider();
        if (!services.Any(d => d.ServiceType == typeof(IValidateOptions<CertitudeOptions>) && d.ImplementationType == typeof(CertitudeOptionsValidator)))
        {
            services.AddSingleton<IValidateOptions<CertitudeOptions>, CertitudeOptionsValidator>();
        }
        // Problems surface when the host starts (every one, with its configuration path), not at the first connection.
        return services.AddOptions<CertitudeOptions>(name ?? Options.Options.DefaultName).ValidateOnStart();
    }

    /// <summary>Registers a named context configured in code.</summary>
    /// <param name="services">The service collection.</param>
    /// <param name="name">The context's name.</param>
    /// <param name="configure">Sets the options.</param>
    /// <returns>The service collection.</returns>
    public static IServiceCollection AddCertitude(this IServiceCollection services, string name, Action<CertitudeOptions> configure)
    {
        services.AddCertitude(name).Configure(configure);
        return services;
    }

    /// <summary>Registers the default context configured in code.</summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configure">Sets the options.</param>
    /// <returns>The service collection.</returns>
    public static IServiceCollection AddCertitude(this IServiceCollection services, Action<CertitudeOptions> configure)
    {
        services.AddCertitude((string?)null).Configure(configure);
        return services;
    }

    private static void TryAddSingletonProvider(this IServiceCollection services)
    {
        if (!services.Any(d => d.ServiceType == typeof(TlsContextProvider)))
        {
            services.AddSingleton<TlsContextProvider>();
            // The client that fetches missing intermediates when a context opts in (docs/intermediates.md): its primary
            // handler follows no redirect itself and never verifies anything by TLS.
            services.AddHttpClient(IntermediateFetcher.HttpClientName).ConfigurePrimaryHttpMessageHandler(IntermediateFetcher.CreateHttpMessageHandler);
        }
    }

    /// <summary>
    /// Makes the context's verifying <see cref="System.Net.Http.SocketsHttpHandler"/> the primary handler of a named
    /// or typed HttpClient. A rejected server surfaces as <see cref="HttpRequestException"/> carrying
    /// <see cref="CertificateVerificationException"/>. When the context has no logger yet and has not been used,
    /// it is given the container's logger and meter factories.
    /// </summary>
    /// <param name="builder">The client's builder.</param>
    /// <param name="context">A <see cref="TlsPurpose.ServerAuthentication"/> context.</param>
    /// <returns>The builder.</returns>
    public static IHttpClientBuilder UseCertitude(this IHttpClientBuilder builder, TlsContext context)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(context);
        return builder.ConfigurePrimaryHttpMessageHandler(services =>
        {
            context.AdoptServices(services.GetService<ILoggerFactory>(), services.GetService<IMeterFactory>());
            return context.CreateHttpMessageHandler();
        });
    }

    /// <summary>Makes the verifying handler of a context registered with <c>AddCertitude</c> the primary handler of
    /// a named or typed HttpClient; the context is resolved from the container (with its logger and meter factories),
    /// and new connections follow it when its options or files change (trust anchors, CRLs, the client certificate).</summary>
    /// <param name="builder">The client's builder.</param>
    /// <param name="contextName">The context's name; null for the default one.</param>
    /// <returns>The builder.</returns>
    public static IHttpClientBuilder UseCertitude(this IHttpClientBuilder builder, string? contextName = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddCertitude(contextName);
        return builder.ConfigurePrimaryHttpMessageHandler(services =>
        {
            // A new SocketsHttpHandler (for new connections) whenever the named context is rebuilt or reloads.
            var provider = services.GetRequiredService<TlsContextProvider>();
            return new ReloadingHttpHandler(() => provider.Get(contextName));
        });
    }
}
