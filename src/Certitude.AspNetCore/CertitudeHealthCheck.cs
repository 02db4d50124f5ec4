using System.Globalization;
using Certitude;
using Certitude.Tls;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Health checks of Certitude contexts.</summary>
public static class CertitudeHealthCheckExtensions
{
    /// <summary>
    /// Checks a context registered with <c>AddCertitude</c>: Unhealthy when it cannot be built (a trust file or its
    /// certificate unreadable) or when a trust anchor or its own certificate has expired; Degraded when one of them
    /// expires within <paramref name="window"/> (default 14 days) or a CRL is past its nextUpdate; Healthy otherwise.
    /// The data name each finding's certificate (subject) or CRL (issuer) with its date (ISO 8601, UTC).
    /// </summary>
    /// <param name="builder">The health checks builder.</param>
    /// <param name="contextName">The context's name; null for the default one.</param>
    /// <param name="window">How far ahead an expiry degrades the check.</param>
    /// <param name="name">The check's name (default <c>certitude</c>, or <c>certitude:&lt;context&gt;</c>).</param>
    /// <returns>The builder.</returns>
    public static IHealthChecksBuilder AddCertitude(this IHealthChecksBuilder builder, string? contextName = null, TimeSpan? window = null, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddCertitude(contextName);
        return builder.Add(new HealthCheckRegistration(name ?? (contextName is null ? "certitude" : "certitude:" + contextName),
            services => new CertitudeHealthCheck(services.GetRequiredService<TlsContextProvider>(), contextName, window ?? TimeSpan.FromDays(14), TimeProvider.System),
            failureStatus: null, tags: ["certitude"]));
    }
}

/// <summary>The expiry and freshness of one context's trust anchors, own certificate and CRLs.</summary>
internal sealed class CertitudeHealthCheck(TlsContextProvider provider, string? contextName, TimeSpan window, TimeProvider time) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        TlsContext tls;
        try
        {
            tls = provider.Get(contextName);
        }
        catch (Exception e) when (e is Microsoft.Extensions.Options.OptionsValidationException or CertitudeException or ArgumentException or InvalidOperationException or IOException)
        {
            return Task.FromResult(HealthCheckResult.Unhealthy($"the Certitude context '{contextName ?? "(default)"}' cannot be built: {e.Message}", e));
        }
        var now = time.GetUtcNow();
        var data = new Dictionary<string, object>(StringComparer.Ordinal);
        var expired = new List<string>();
        var soon = new List<string>();
        static string Date(DateTimeOffset d) => d.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
        void Certificate(string kind, string subject, DateTimeOffset notAfter)
        {
            var key = $"{kind} {subject}";
            if (notAfter <= now)
            {
                expired.Add($"{key} expired {Date(notAfter)}");
                data[key] = "expired " + Date(notAfter);
            }
            else if (notAfter <= now + window)
            {
                soon.Add($"{key} expires {Date(notAfter)}");
                data[key] = "expires " + Date(notAfter);
            }
        }
        var anchors = tls.TrustStore?.Certificates ?? [];
        foreach (var anchor in anchors)
        {
            Certificate("anchor", anchor.Subject.ToString(), anchor.NotAfter);
        }
        if (tls.Certificate is { } own)
        {
            Certificate(tls.Purpose == TlsPurpose.ServerAuthentication ? "client certificate" : "server certificate", own.Subject, new DateTimeOffset(own.NotAfter.ToUniversalTime(), TimeSpan.Zero));
            data["own certificate notAfter"] = Date(new DateTimeOffset(own.NotAfter.ToUniversalTime(), TimeSpan.Zero));
        }
        foreach (var crl in tls.AllCrls)
        {
            if (crl.NextUpdate is { } next && next <= now)
            {
                soon.Add($"CRL of {crl.Issuer} past its nextUpdate {Date(next)}");
                data[$"crl {crl.Issuer}"] = "stale since " + Date(next);
            }
        }
        data["anchors"] = anchors.Count;
        data["window"] = window.ToString();
        if (expired.Count > 0)
        {
            return Task.FromResult(HealthCheckResult.Unhealthy(string.Join("; ", expired.Concat(soon)), data: data));
        }
        if (soon.Count > 0)
        {
            return Task.FromResult(HealthCheckResult.Degraded(string.Join("; ", soon), data: data));
        }
        return Task.FromResult(HealthCheckResult.Healthy($"{anchors.Count} anchor(s); nothing expires within {window.TotalDays:0.#} day(s)", data));
    }
}
