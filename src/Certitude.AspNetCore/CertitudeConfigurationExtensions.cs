using Certitude.Extensions.Http;
using Microsoft.Extensions.Configuration;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers Certitude contexts bound from configuration.</summary>
public static class CertitudeConfigurationExtensions
{
    /// <summary>Registers a named context whose <see cref="CertitudeOptions"/> are bound from a configuration section,
    /// e.g. <c>{ "Purpose": "ClientAuthentication", "CaFile": "clients.pem", "VerifyMode": "Required",
    /// "CertificateFile": "server.pem", "KeyFile": "server.key", "MinimumVersion": "Tls13" }</c>.</summary>
    /// <param name="services">The service collection.</param>
    /// <param name="name">The context's name; null for the default one.</param>
    /// <param name="section">The section to bind.</param>
    /// <returns>The service collection.</returns>
    public static IServiceCollection AddCertitude(this IServiceCollection services, string? name, IConfiguration section)
    {
        services.AddCertitude(name).Bind(section);
        return services;
    }
}
