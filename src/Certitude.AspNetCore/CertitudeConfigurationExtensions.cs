using System.Globalization;
using Certitude;
using Certitude.Extensions.Http;
using Certitude.Tls;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers Certitude contexts read from configuration.</summary>
public static class CertitudeConfigurationExtensions
{
    /// <summary>
    /// Registers a named context whose <see cref="CertitudeOptions"/> are read from a configuration section, e.g.
    /// <c>{ "Purpose": "ClientAuthentication", "CaFile": "clients.pem", "CertificateFile": "server.pem",
    /// "KeyFile": "server.key", "MinimumVersion": "Tls13" }</c>. Every key is read explicitly (no reflection: this
    /// works under trimming and Native AOT); an unknown key or a value that cannot be read is a validation failure
    /// naming its configuration path, reported when the host starts, with every other problem of the section
    /// (<see cref="CertitudeOptions"/> lists what is checked, including weakening settings without
    /// <c>DangerouslyWeakenVerification</c>). A change of the section (a reloaded appsettings.json) rebuilds the context;
    /// a change to values that fail validation keeps the previous context and logs <c>ContextRebuildFailed</c>.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="name">The context's name; null for the default one.</param>
    /// <param name="section">The section to read.</param>
    /// <returns>The service collection.</returns>
    public static IServiceCollection AddCertitude(this IServiceCollection services, string? name, IConfiguration section)
    {
        ArgumentNullException.ThrowIfNull(section);
        var key = name ?? Options.Options.DefaultName;
        services.AddCertitude(name).Configure(o => CertitudeConfigurationReader.Read(section, o));
        // Changes of the section reach the provider only (not IOptionsMonitor's own change tokens): the monitor would
        // re-validate inside the token's callback and throw there (from a file watcher's thread, for a reloaded
        // appsettings.json) when the new values are bad; the provider catches that, keeps the previous context and logs it.
        services.AddSingleton(new CertitudeOptionsChangeSource(key, section.GetReloadToken));
        return services;
    }
}

/// <summary>Reads <see cref="CertitudeOptions"/> from a configuration section key by key.</summary>
internal static class CertitudeConfigurationReader
{
    private static readonly HashSet<string> Known = new(StringComparer.OrdinalIgnoreCase)
    {
        nameof(CertitudeOptions.Purpose), nameof(CertitudeOptions.CaFile), nameof(CertitudeOptions.CaPath), nameof(CertitudeOptions.CaData),
        nameof(CertitudeOptions.UseSystemTrustStore), nameof(CertitudeOptions.Profile), nameof(CertitudeOptions.Flags), nameof(CertitudeOptions.RootProgramScope),
        nameof(CertitudeOptions.Strictness), nameof(CertitudeOptions.VerifyMode), nameof(CertitudeOptions.CheckHostname),
        nameof(CertitudeOptions.HostnameChecksCommonName), nameof(CertitudeOptions.MinimumVersion), nameof(CertitudeOptions.MaximumVersion),
        nameof(CertitudeOptions.CertificateFile), nameof(CertitudeOptions.KeyFile), nameof(CertitudeOptions.KeyPassword),
        nameof(CertitudeOptions.ApplicationProtocols), nameof(CertitudeOptions.CrlFiles), nameof(CertitudeOptions.WatchFiles),
        nameof(CertitudeOptions.ReloadDebounce), nameof(CertitudeOptions.DangerouslyWeakenVerification),
    };

    public static void Read(IConfiguration section, CertitudeOptions o)
    {
        var path = section is IConfigurationSection s ? s.Path : "(configuration)";
        o.ConfigurationPath = path;
        foreach (var child in section.GetChildren())
        {
            if (!Known.Contains(child.Key))
            {
                o.ReadErrors.Add($"{child.Path}: unknown Certitude setting '{child.Key}' (known: {string.Join(", ", Known.Order(StringComparer.Ordinal))})");
            }
        }
        string? Text(string key) => section[key] is { Length: > 0 } v ? v : null;
        void Enum<T>(string key, Action<T> set) where T : struct, Enum
        {
            if (Text(key) is { } v)
            {
                // Names only (case-insensitive, comma-separated for flags): a number is not a setting anyone reads.
                if (!v.Split(',').All(p => p.Trim().Length > 0 && !char.IsAsciiDigit(p.Trim()[0]) && !p.Trim().StartsWith('-')) || !System.Enum.TryParse<T>(v, ignoreCase: true, out var parsed))
                {
                    o.ReadErrors.Add($"{path}:{key}: '{v}' is not one of {string.Join(", ", System.Enum.GetNames<T>())}");
                    return;
                }
                set(parsed);
            }
        }
        void Bool(string key, Action<bool> set)
        {
            if (Text(key) is { } v)
            {
                if (!bool.TryParse(v, out var b))
                {
                    o.ReadErrors.Add($"{path}:{key}: '{v}' is not true or false");
                    return;
                }
                set(b);
            }
        }
        void List(string key, IList<string> into)
        {
            var list = section.GetSection(key);
            if (list.Value is { Length: > 0 } single)
            {
                into.Clear();
                into.Add(single);
                return;
            }
            var items = list.GetChildren().Select(c => c.Value).OfType<string>().ToList();
            if (items.Count > 0)
            {
                into.Clear();
                foreach (var i in items)
                {
                    into.Add(i);
                }
            }
        }
        Enum<TlsPurpose>(nameof(CertitudeOptions.Purpose), v => o.Purpose = v);
        o.CaFile = Text(nameof(CertitudeOptions.CaFile)) ?? o.CaFile;
        o.CaPath = Text(nameof(CertitudeOptions.CaPath)) ?? o.CaPath;
        o.CaData = Text(nameof(CertitudeOptions.CaData)) ?? o.CaData;
        Bool(nameof(CertitudeOptions.UseSystemTrustStore), v => o.UseSystemTrustStore = v);
        o.Profile = Text(nameof(CertitudeOptions.Profile)) ?? o.Profile;
        Enum<VerifyFlags>(nameof(CertitudeOptions.Flags), v => o.Flags = v);
        Enum<RootProgramScope>(nameof(CertitudeOptions.RootProgramScope), v => o.RootProgramScope = v);
        Enum<Strictness>(nameof(CertitudeOptions.Strictness), v => o.Strictness = v);
        Enum<VerifyMode>(nameof(CertitudeOptions.VerifyMode), v => o.VerifyMode = v);
        Bool(nameof(CertitudeOptions.CheckHostname), v => o.CheckHostname = v);
        Bool(nameof(CertitudeOptions.HostnameChecksCommonName), v => o.HostnameChecksCommonName = v);
        Enum<TlsVersion>(nameof(CertitudeOptions.MinimumVersion), v => o.MinimumVersion = v);
        Enum<TlsVersion>(nameof(CertitudeOptions.MaximumVersion), v => o.MaximumVersion = v);
        o.CertificateFile = Text(nameof(CertitudeOptions.CertificateFile)) ?? o.CertificateFile;
        o.KeyFile = Text(nameof(CertitudeOptions.KeyFile)) ?? o.KeyFile;
        o.KeyPassword = Text(nameof(CertitudeOptions.KeyPassword)) ?? o.KeyPassword;
        List(nameof(CertitudeOptions.ApplicationProtocols), o.ApplicationProtocols);
        List(nameof(CertitudeOptions.CrlFiles), o.CrlFiles);
        Bool(nameof(CertitudeOptions.WatchFiles), v => o.WatchFiles = v);
        if (Text(nameof(CertitudeOptions.ReloadDebounce)) is { } debounce)
        {
            if (TimeSpan.TryParse(debounce, CultureInfo.InvariantCulture, out var t) && t >= TimeSpan.Zero)
            {
                o.ReloadDebounce = t;
            }
            else
            {
                o.ReadErrors.Add($"{path}:{nameof(CertitudeOptions.ReloadDebounce)}: '{debounce}' is not a time span such as 00:00:02");
            }
        }
        Bool(nameof(CertitudeOptions.DangerouslyWeakenVerification), v => o.DangerouslyWeakenVerification = v);
    }
}
