using Certitude.Tls;
using Microsoft.Extensions.Options;

namespace Certitude.Extensions.Http;

/// <summary>
/// Validates <see cref="CertitudeOptions"/> before any context is built (registered by <c>AddCertitude</c>, which
/// also asks for validation on start): weakening settings without
/// <see cref="CertitudeOptions.DangerouslyWeakenVerification"/>, values configuration could not read, the profile,
/// the version range, and every trust source and the certificate and key actually loaded. Every problem is reported,
/// each with its configuration path when the options were read from configuration.
/// </summary>
internal sealed class CertitudeOptionsValidator : IValidateOptions<CertitudeOptions>
{
    public ValidateOptionsResult Validate(string? name, CertitudeOptions options)
    {
        var failures = Problems(name ?? Options.DefaultName, options);
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    /// <summary>Every problem of these options, each naming its key (with its configuration path when known).</summary>
    internal static List<string> Problems(string name, CertitudeOptions o)
    {
        var problems = new List<string>();
        string Key(string key) => o.ConfigurationPath is { } path ? $"{path}:{key}" : $"Certitude options '{name}': {key}";
        problems.AddRange(o.ReadErrors);
        if (!o.DangerouslyWeakenVerification)
        {
            foreach (var (key, weakening) in o.Weakenings())
            {
                problems.Add($"{Key(key)}: {weakening}. This weakens verification; to allow it, set {Key(nameof(CertitudeOptions.DangerouslyWeakenVerification))} to true");
            }
        }
        if (o.Profile is { } profile && CertitudeOptions.ParseProfile(profile) is null)
        {
            problems.Add($"{Key(nameof(CertitudeOptions.Profile))}: unknown profile '{profile}' (expected WebPki or Rfc5280)");
        }
        if (o.MinimumVersion is { } min && o.MaximumVersion is { } max && min > max)
        {
            problems.Add($"{Key(nameof(CertitudeOptions.MinimumVersion))}: {min} is above {Key(nameof(CertitudeOptions.MaximumVersion))} {max}");
        }
        void Try(string key, Action load)
        {
            try
            {
                load();
            }
            catch (Exception e) when (e is CertitudeException or ArgumentException or IOException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException)
            {
                problems.Add($"{Key(key)}: {e.Message}");
            }
        }
        if ((o.VerifyMode ?? VerifyMode.Required) != VerifyMode.None && o.CaFile is null && o.CaPath is null && o.CaData is null && !o.UsesSystemTrustStore)
        {
            problems.Add($"{Key(nameof(CertitudeOptions.CaFile))}: the context verifies peers but has no trust anchors: set {Key(nameof(CertitudeOptions.CaFile))}, {Key(nameof(CertitudeOptions.CaPath))}, {Key(nameof(CertitudeOptions.CaData))} or {Key(nameof(CertitudeOptions.UseSystemTrustStore))}");
        }
        if (o.CaFile is { } cafile)
        {
            Try(nameof(CertitudeOptions.CaFile), () => Nonempty(TrustStore.FromFile(cafile), cafile));
        }
        if (o.CaPath is { } capath)
        {
            Try(nameof(CertitudeOptions.CaPath), () =>
            {
                if (!Directory.Exists(capath))
                {
                    throw new IOException($"the directory '{capath}' does not exist");
                }
                TrustStore.Load(capath: capath);
            });
        }
        if (o.CaData is { } cadata)
        {
            Try(nameof(CertitudeOptions.CaData), () => Nonempty(TrustStore.Load(cadata: cadata), "CaData"));
        }
        if (o.UsesSystemTrustStore)
        {
            Try(nameof(CertitudeOptions.UseSystemTrustStore), () => TrustStore.LoadSystem());
        }
        foreach (var crl in o.CrlFiles)
        {
            Try(nameof(CertitudeOptions.CrlFiles), () => TlsContext.ReadCrlFile(crl));
        }
        if (o.CertificateFile is { } certFile)
        {
            Try(o.KeyFile is null ? nameof(CertitudeOptions.CertificateFile) : $"{nameof(CertitudeOptions.CertificateFile)}/{nameof(CertitudeOptions.KeyFile)}",
                () => TlsContext.CreateUnverified(o.Purpose).LoadCertChain(certFile, o.KeyFile, o.KeyPassword));
        }
        else if (o.KeyFile is not null)
        {
            problems.Add($"{Key(nameof(CertitudeOptions.KeyFile))}: a key without {Key(nameof(CertitudeOptions.CertificateFile))}");
        }
        foreach (var alpn in o.ApplicationProtocols)
        {
            if (string.IsNullOrWhiteSpace(alpn) || alpn.Length > 255)
            {
                problems.Add($"{Key(nameof(CertitudeOptions.ApplicationProtocols))}: '{alpn}' is not an ALPN protocol name (1 to 255 characters)");
            }
        }
        return problems;
    }

    private static void Nonempty(TrustStore store, string source)
    {
        if (store.Count == 0)
        {
            throw new TrustStoreException($"'{source}' holds no certificate");
        }
    }
}
