using Certitude.Tls;

namespace Certitude.Extensions.Http;

/// <summary>
/// The settings of a named <see cref="TlsContext"/>, bindable from configuration (every property is a
/// string, a boolean, an enum or a list of strings). Unset values keep Certitude's secure defaults (verification
/// Required for both purposes, host names checked, X509Strict enforced). Settings may make verification stricter
/// freely. A setting that weakens it (<see cref="VerifyMode"/> other than Required, <see cref="CheckHostname"/>
/// false, <see cref="Strictness"/> Warn, <see cref="Flags"/> without X509Strict or with IgnoreAnchorValidity or
/// IgnoreAnchorConstraints, <see cref="HostnameChecksCommonName"/> true) is refused unless
/// <see cref="DangerouslyWeakenVerification"/> is true in the same options; the refusal names the offending key
/// and the key that would allow it, at startup (<c>AddCertitude</c> validates on start). With the key, the
/// context logs a Warning when it is first used, tags its metrics <c>certitude.tls.weakened=true</c> and names
/// the weakenings in every verification log line. This holds whether the options come from configuration or code.
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

    /// <summary>Which trust anchors the root program's trust bits and distrust-after dates apply to:
    /// <c>ProgramAndSystemAnchors</c> (the default: anchors from the program or the system store; anchors from
    /// <see cref="CaFile"/>, <see cref="CaPath"/> or <see cref="CaData"/> are trusted as given) or <c>AllAnchors</c>
    /// (every anchor the program recognises, the supplied ones included). Either value is allowed without
    /// <see cref="DangerouslyWeakenVerification"/>: the default is the narrowest scope, so a setting can only widen
    /// where the program's rejections apply (stricter).</summary>
    public RootProgramScope? RootProgramScope { get; set; }

    /// <summary>Verification flags, e.g. <c>"X509Strict, PartialChain, TrustedFirst"</c> (the default). Adding
    /// <c>CrlCheckLeaf</c>, <c>CrlCheckChain</c> or <c>CabfIssuance</c> is stricter; leaving out <c>X509Strict</c>
    /// or adding <c>IgnoreAnchorValidity</c>/<c>IgnoreAnchorConstraints</c> weakens verification and needs
    /// <see cref="DangerouslyWeakenVerification"/>.</summary>
    public VerifyFlags? Flags { get; set; }

    /// <summary><c>Enforce</c> (the default) or <c>Warn</c> (accept strict-only failures and report them; weakens
    /// verification and needs <see cref="DangerouslyWeakenVerification"/>).</summary>
    public Strictness? Strictness { get; set; }

    /// <summary><c>Required</c> (the default for both purposes: a server context built from options verifies
    /// client certificates). <c>Optional</c> or <c>None</c> weaken verification and need
    /// <see cref="DangerouslyWeakenVerification"/>.</summary>
    public VerifyMode? VerifyMode { get; set; }

    /// <summary>Allows the settings of these options that weaken verification (see the type's summary). Off by
    /// default; without it a weakening setting fails validation, naming the setting and this key.</summary>
    public bool DangerouslyWeakenVerification { get; set; }

    /// <summary>Match the server's certificate against the host name (clients; on by default). False weakens
    /// verification and needs <see cref="DangerouslyWeakenVerification"/>.</summary>
    public bool? CheckHostname { get; set; }

    /// <summary>Fall back to the subject CN when a leaf has no DNS or IP SAN (off by default; true weakens
    /// verification and needs <see cref="DangerouslyWeakenVerification"/>).</summary>
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

    /// <summary>CRL files (PEM or DER), checked when <see cref="Flags"/> ask for revocation checks; reloaded when they change.</summary>
    public IList<string> CrlFiles { get; } = [];

    /// <summary>Watch the trust files, CRL files and this side's certificate and key, and reload the context when
    /// they change (default true; contexts built by <c>AddCertitude</c>).</summary>
    public bool WatchFiles { get; set; } = true;

    /// <summary>How long file changes must settle before a reload (default one second).</summary>
    public TimeSpan? ReloadDebounce { get; set; }

    /// <summary>The configuration section these options were read from (for messages), when known.</summary>
    internal string? ConfigurationPath { get; set; }

    /// <summary>Values configuration held that could not be read (each naming its path); reported by validation.</summary>
    internal List<string> ReadErrors { get; } = [];

    /// <summary>Whether the context also loads the system trust store.</summary>
    internal bool UsesSystemTrustStore => UseSystemTrustStore ?? (Purpose == TlsPurpose.ServerAuthentication && CaFile is null && CaPath is null && CaData is null);

    /// <summary>The profile a name stands for, or null.</summary>
    internal static VerificationProfile? ParseProfile(string profile) => profile.Trim().ToUpperInvariant() switch
    {
        "WEBPKI" => VerificationProfile.WebPki,
        "RFC5280" => VerificationProfile.Rfc5280,
        _ => null,
    };

    /// <summary>Settings code makes after the bound ones (not bindable): CRLs, cipher suites, events.</summary>
    public Action<TlsContext>? Configure { get; set; }

    /// <summary>The settings of these options that weaken verification, each as (key, what it does); empty when
    /// none does. Whether they are allowed is <see cref="DangerouslyWeakenVerification"/>.</summary>
    /// <returns>The weakening settings, by key.</returns>
    public IReadOnlyList<(string Key, string Weakening)> Weakenings()
    {
        var list = new List<(string, string)>();
        if (VerifyMode is { } mode && mode != Tls.VerifyMode.Required)
        {
            list.Add((nameof(VerifyMode), $"VerifyMode is {mode}: {(mode == Tls.VerifyMode.None ? "peer certificates are not verified at all" : "a peer without a certificate is accepted")}"));
        }
        if (CheckHostname == false)
        {
            list.Add((nameof(CheckHostname), "CheckHostname is false: a certificate for any host name is accepted"));
        }
        if (Strictness == Tls.Strictness.Warn)
        {
            list.Add((nameof(Strictness), "Strictness is Warn: certificates that fail X509Strict are accepted"));
        }
        if (Flags is { } flags)
        {
            if ((flags & VerifyFlags.X509Strict) == 0)
            {
                list.Add((nameof(Flags), "Flags leave out X509Strict: certificates that fail strict checks are accepted"));
            }
            if ((flags & (VerifyFlags.IgnoreAnchorValidity | VerifyFlags.IgnoreAnchorConstraints)) != 0)
            {
                list.Add((nameof(Flags), "Flags include IgnoreAnchorValidity or IgnoreAnchorConstraints: the trust anchors' own dates or constraints are not applied"));
            }
        }
        if (HostnameChecksCommonName == true)
        {
            list.Add((nameof(HostnameChecksCommonName), "HostnameChecksCommonName is true: a host name may match the subject CN"));
        }
        return list;
    }

    /// <summary>Builds a context from these settings (not yet frozen).</summary>
    /// <returns>The new context.</returns>
    /// <exception cref="ArgumentException">A setting has a value Certitude does not know (the message names it).</exception>
    /// <exception cref="InvalidOperationException">A setting weakens verification and <see cref="DangerouslyWeakenVerification"/> is not set.</exception>
    /// <exception cref="Certitude.TrustStoreException">A trust source or the certificate cannot be loaded.</exception>
    public TlsContext CreateContext()
    {
        if (!DangerouslyWeakenVerification && Weakenings() is { Count: > 0 } weak)
        {
            throw new InvalidOperationException(string.Join("; ", weak.Select(w => $"{w.Key}: {w.Weakening}; set {nameof(DangerouslyWeakenVerification)} to true in the same section to allow it")));
        }
        bool anchors = CaFile is not null || CaPath is not null || CaData is not null;
        var context = TlsContext.CreateDefault(Purpose, TrustStore.Empty);
        if (UsesSystemTrustStore)
        {
            context.LoadDefaultCerts();
        }
        if (anchors)
        {
            context.LoadVerifyLocations(CaFile, CaPath, CaData);
        }
        if (Profile is { } profile)
        {
            context.Profile = ParseProfile(profile) ?? throw new ArgumentException($"unknown Certitude profile '{profile}' (expected WebPki or Rfc5280)", nameof(Profile));
        }
        if (Flags is { } flags)
        {
            context.VerifyFlags = flags;
        }
        if (RootProgramScope is { } scope)
        {
            context.RootProgramScope = scope;
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
        // Options verify peers by default whatever the purpose: a server context built from options asks for and
        // verifies client certificates unless told otherwise (with DangerouslyWeakenVerification).
        context.VerifyMode = VerifyMode ?? Tls.VerifyMode.Required;
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
        foreach (var crl in CrlFiles)
        {
            context.LoadCrlFile(crl);
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
