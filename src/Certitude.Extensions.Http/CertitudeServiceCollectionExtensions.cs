using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Certitude.Extensions.Http;
using Certitude.Tls;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>
/// The named <see cref="TlsContext"/>s of an application, built on first use from
/// <see cref="CertitudeOptions"/> of the same name, with the container's <see cref="ILoggerFactory"/>
/// (log category <c>Certitude.Tls</c>) and <see cref="IMeterFactory"/>. Registered by <c>AddCertitude</c>; thread-safe.
/// </summary>
public sealed class TlsContextProvider
{
    private readonly IOptionsMonitor<CertitudeOptions> _options;
    private readonly ILoggerFactory? _loggerFactory;
    private readonly IMeterFactory? _meterFactory;
    private readonly IHttpClientFactory? _httpClientFactory;
    private readonly ConcurrentDictionary<string, Lazy<TlsContext>> _contexts = new(StringComparer.Ordinal);

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
    }

    /// <summary>The context of that name (the same instance on every call), built on first use.</summary>
    /// <param name="name">The name given to <c>AddCertitude</c>; null or empty for the default one.</param>
    /// <returns>The context, with the container's logger and meter factories.</returns>
    /// <exception cref="ArgumentException">A setting has a value Certitude does not know.</exception>
    /// <exception cref="Certitude.TrustStoreException">A trust source or the certificate cannot be loaded.</exception>
    public TlsContext Get(string? name = null)
        => _contexts.GetOrAdd(name ?? Options.Options.DefaultName, n => new Lazy<TlsContext>(() => Build(n))).Value;

    private TlsContext Build(string name)
    {
        var context = _options.Get(name).CreateContext();
        if (_httpClientFactory is { } factory)
        {
            context.IntermediateFetcher?.AdoptHttpClient(() => factory.CreateClient(IntermediateFetcher.HttpClientName));
        }
        if (context.Logger is null && context.LoggerFactory is null)
        {
            context.LoggerFactory = _loggerFactory;
        }
        context.MeterFactory ??= _meterFactory;
        return context;
    }
}

/// <summary>Registers Certitude with a service collection and an <see cref="IHttpClientBuilder"/>.</summary>
public static class CertitudeServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="TlsContextProvider"/> and returns the options builder of the named context,
    /// e.g. to bind it: <c>services.AddCertitude("partner").Bind(configuration.GetSection("Certitude:Partner"))</c>.
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
        return services.AddOptions<CertitudeOptions>(name ?? Options.Options.DefaultName);
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
    /// a named or typed HttpClient; the context is resolved from the container (with its logger and meter factories).</summary>
    /// <param name="builder">The client's builder.</param>
    /// <param name="contextName">The context's name; null for the default one.</param>
    /// <returns>The builder.</returns>
    public static IHttpClientBuilder UseCertitude(this IHttpClientBuilder builder, string? contextName = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddCertitude(contextName);
        return builder.ConfigurePrimaryHttpMessageHandler(services => services.GetRequiredService<TlsContextProvider>().Get(contextName).CreateHttpMessageHandler());
    }
}
