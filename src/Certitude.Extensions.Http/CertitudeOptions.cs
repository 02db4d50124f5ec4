using Certitude.Tls;

namespace Certitude.Extensions.Http;

/// <summary>
/// The settings of a named <see cref="TlsContext"/>, bindable from configuration (every property is a
/// string, a boolean, an enum or a list of strings). Unset values keep <see cref="TlsContext.CreateDefault(TlsPurpose)"/>'s
/// secure defaults. There is deliberately no setting that turns verification off: an unverified context is
/// made in code, with <see cref="TlsContext.CreateUnverified"/>.
/// </summary>
public sealed partial class CertitudeOptions
{
    /// <summary>Whose certificates the context verifies: <c>ServerAuthentication</c> (clients, the default) or
    /// <c>ClientAuthentication</c> (servers verifying client certificates).</summary>
    public TlsPurpose Purpose { get; set; } = TlsPurpose.ServerAuthentication;

    /// <summary>A PEM bundle of trust anchors (OpenSSL's <c>cafile</c>).</summary>
    public string? CaFile { get; set; }

    /// <summary>An <c>openssl rehash</c> directory of trust anchors (OpenSSL's <c>capath</c>).</summary>
    public string? CaPath { get; set; }

    /// <summary>PEM text of trust anchors (OpenSSL's <c>cadata</c>).</summary>
    public string? CaData { get; set; }

    /// <summary>Also trust the system store. Default: on for <c>ServerAuthentication</c> contexts when no
    /// <see cref="CaFile"/>, <see cref="CaPath"/> or <see cref="CaData"/> is given; off otherwise.</summary>
    public bool? UseSystemTrustStore { get; set; }

    /// <summary><c>WebPki</c> (the default) or <c>Rfc5280</c>.</summary>
    public string? Profile { get; set; }

    /// <summary>Verification flags, e.g. <c>"X509Strict, PartialChain, TrustedFirst"</c> (the default).</summary>
    public VerifyFlags? Flags { get; set; }

    /// <summary><c>Enforce</c> (the default) or <c>Warn</c> (accept strict-only failures and report them).</summary>
    public Strictness? Strictness { get; set; }

    /// <summary><c>Optional</c> or <c>Required</c>. Clients default to <c>Required</c>; servers to <c>None</c>
    /// (no client certificate asked for), as Python's server contexts do.</summary>
    public VerifyMode? VerifyMode { get; set; }

    /// <summary>Match the server's certificate against the host name (clients; on by default).</summary>
    public bool? CheckHostname { get; set; }

    /// <summary>Fall back to the subject CN when a leaf has no DNS or IP SAN (off by default).</summary>
    public bool? HostnameChecksCommonName { get; set; }

    /// <summary>Lowest TLS version: <c>Tls12</c> (the default) or <c>Tls13</c>.</summary>
    public TlsVersion? MinimumVersion { get; set; }

    /// <summary>Highest TLS version: <c>Tls12</c> or <c>Tls13</c> (the default).</summary>
    public TlsVersion? MaximumVersion { get; set; }

    /// <summary>This side's certificate chain (PEM: the certificate first, then intermediates).</summary>
    public string? CertificateFile { get; set; }

    /// <summary>This side's private key (PEM), when it is not in <see cref="CertificateFile"/>.</summary>
    public string? KeyFile { get; set; }

    /// <summary>The password of an encrypted PKCS#8 <see cref="KeyFile"/>.</summary>
    public string? KeyPassword { get; set; }

    /// <summary>ALPN protocols, e.g. <c>h2</c>, <c>http/1.1</c>, in preference order.</summary>
    public IList<string> ApplicationProtocols { get; } = [];

    /// <summary>Settings code makes after the bound ones (not bindable): CRLs, cipher suites, events.</summary>
    public Action<TlsContext>? Configure { get; set; }

    /// <summary>Builds a context from these settings (not yet frozen).</summary>
    /// <returns>The new context.</returns>
    /// <exception cref="ArgumentException">A setting has a value Certitude does not know (the message names it).</exception>
    /// <exception cref="Certitude.TrustStoreException">A trust source or the certificate cannot be loaded.</exception>
    public TlsContext CreateContext()
    {
        bool anchors = CaFile is not null || CaPath is not null || CaData is not null;
        bool system = UseSystemTrustStore ?? (Purpose == TlsPurpose.ServerAuthentication && !anchors);
        var context = TlsContext.CreateDefault(Purpose, TrustStore.Empty);
        if (system)
        {
            context.LoadDefaultCerts();
        }
        if (anchors)
        {
            context.LoadVerifyLocations(CaFile, CaPath, CaData);
        }
        if (Profile is { } profile)
        {
            context.Profile = profile.Trim().ToUpperInvariant() switch
            {
                "WEBPKI" => VerificationProfile.WebPki,
                "RFC5280" => VerificationProfile.Rfc5280,
                _ => throw new ArgumentException($"unknown Certitude profile '{profile}' (expected WebPki or Rfc5280)", nameof(Profile)),
            };
        }
        if (Flags is { } flags)
        {
            context.VerifyFlags = flags;
        }
        if (Strictness is { } strictness)
        {
            context.Strictness = strictness;
        }
        // Hostname checking before the mode: turning it off first lets a mode of None be set on a client.
        if (CheckHostname is { } check)
        {
            context.CheckHostname = check;
        }
        if (VerifyMode is { } mode)
        {
            context.VerifyMode = mode;
        }
        if (HostnameChecksCommonName is { } cn)
        {
            context.HostnameChecksCommonName = cn;
        }
        if (MaximumVersion is { } max)
        {
            context.MaximumVersion = max;
        }
        if (MinimumVersion is { } min)
        {
            context.MinimumVersion = min;
        }
        if (CertificateFile is not null)
        {
            context.LoadCertChain(CertificateFile, KeyFile, KeyPassword);
        }
        if (ApplicationProtocols.Count > 0)
        {
            context.ApplicationProtocols = [.. ApplicationProtocols.Select(p => new System.Net.Security.SslApplicationProtocol(p))];
        }
        ApplyIntermediates(context);
        Configure?.Invoke(context);
        return context;
    }
}
