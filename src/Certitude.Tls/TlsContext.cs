using System.Diagnostics.Metrics;
using System.Net.Security;
using System.Runtime.CompilerServices;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging;

namespace Certitude.Tls;

/// <summary>Whether the peer must present a certificate that verifies.</summary>
public enum VerifyMode
{
    /// <summary>No verification (only through <see cref="TlsContext.CreateUnverified"/>).</summary>
    None,
    /// <summary>Verify a certificate if the peer presents one (servers verifying clients).</summary>
    Optional,
    /// <summary>The peer must present a certificate that verifies.</summary>
    Required,
}

/// <summary>Whose certificates a context verifies.</summary>
public enum TlsPurpose
{
    /// <summary>A client verifying servers (id-kp-serverAuth).</summary>
    ServerAuthentication,
    /// <summary>A server verifying clients (id-kp-clientAuth).</summary>
    ClientAuthentication,
}

/// <summary>How strictly a context enforces X509Strict.</summary>
public enum Strictness
{
    /// <summary>Strict failures fail the handshake.</summary>
    Enforce,
    /// <summary>Migration aid: verify strictly; if that fails but a check without X509Strict passes,
    /// accept and report the strict reason (<see cref="TlsContext.StrictnessWarning"/> event, log, <c>certitude.tls.strictness_warnings</c> counter).</summary>
    Warn,
}

/// <summary>TLS protocol versions a context allows.</summary>
public enum TlsVersion
{
    /// <summary>TLS 1.2</summary>
    Tls12 = 12,
    /// <summary>TLS 1.3</summary>
    Tls13 = 13,
}

/// <summary>A strict-only failure accepted in <see cref="Strictness.Warn"/> mode.</summary>
/// <param name="host">The peer name.</param>
/// <param name="strictResult">What strict verification said.</param>
public sealed class StrictnessWarningEventArgs(string host, VerificationResult strictResult) : EventArgs
{
    /// <summary>The peer name (or "client" for a server verifying a client).</summary>
    public string Host { get; } = host;

    /// <summary>What strict verification said.</summary>
    public VerificationResult StrictResult { get; } = strictResult;
}

/// <summary>
/// The .NET equivalent of Python's <c>ssl.SSLContext</c>: TLS over <see cref="SslStream"/> with
/// Certitude deciding trust. <see cref="CreateDefault(TlsPurpose)"/> verifies certificates and host names, uses
/// the web-PKI profile with X509Strict | PartialChain | TrustedFirst, TLS 1.2 or newer, and the
/// system trust store; <see cref="CreateUnverified"/> is the explicit opt-out. Settings are frozen
/// once the context has been used. Thread-safe once frozen.
/// </summary>
public sealed partial class TlsContext
{
    /// <summary>The name of the meter whose instruments a context reports on (<c>certitude.tls.verifications</c>,
    /// <c>certitude.tls.verification.failures</c>, <c>certitude.tls.strictness_warnings</c>,
    /// <c>certitude.tls.verification.duration</c>); also the log category of <see cref="LoggerFactory"/>'s logger.</summary>
    public const string MeterName = TlsTelemetry.Name;

    private readonly ConditionalWeakTable<SslStream, PeerVerification> _sessions = new();
    private readonly RememberedPaths _remembered = new();
    private ILogger? _logger;
    private ILoggerFactory? _loggerFactory;
    private IMeterFactory? _meterFactory;
    private ILogger? _log;
    private TlsTelemetry _telemetry = null!; // set when frozen: no process-wide meter is created for a context that has a factory
    private string _weakened = "no";
    private KeyValuePair<string, object?> _weakenedTag = new("certitude.tls.weakened", false);
    private IReadOnlyList<TlsCipherSuite>? _cipherSuites;
    private VerifyMode _verifyMode;
    private bool _checkHostname;
    private bool _hostnameChecksCommonName;
    private VerifyFlags _flags = VerifyFlags.Default;
    private VerificationProfile _profile = VerificationProfile.WebPki;
    private RootProgram? _rootProgram = RootProgram.Mozilla;
    private RootProgramScope _rootProgramScope = RootProgramScope.ProgramAndSystemAnchors;
    private TlsVersion _min = TlsVersion.Tls12;
    private TlsVersion _max = TlsVersion.Tls13;
    private Strictness _strictness = Strictness.Enforce;
    private TrustStore? _trust;
    private readonly List<Func<TrustStore>> _trustSources = [];
    private readonly List<string> _crlFiles = [];
    private readonly List<string> _watched = [];
    private IReadOnlyList<CertificateRevocationList> _fileCrls = [];
    private Func<(X509Certificate2, X509Certificate2[])>? _ownSource;
    private SslStreamCertificateContext? _ownContext;
    private volatile int _generation;
    private X509Certificate2? _ownCertificate;
    private X509Certificate2Collection _ownChain = [];
    private List<SslApplicationProtocol> _alpn = [];
    private IReadOnlyList<CertificateRevocationList> _crls = [];
    private Certificate[] _intermediates = [];
    private IntermediateFetcher? _fetcher;
    private bool _postHandshake;
    private volatile bool _frozen;
    private volatile Verifiers? _verifiers;
    private readonly ParsedCertificates _parsed = new();
    private readonly Lock _gate = new();

    private TlsContext(TlsPurpose purpose, VerifyMode mode, bool checkHostname)
    {
        Purpose = purpose;
        _verifyMode = mode;
        _checkHostname = checkHostname;
    }

    /// <summary>Verification on, host names checked (for clients), web PKI, strict, TLS 1.2+, system trust store
    /// (for clients; a server verifying clients starts with no anchors and <see cref="VerifyMode.None"/>).</summary>
    /// <param name="purpose">Whose certificates the context verifies.</param>
    /// <returns>A new, not yet frozen context.</returns>
    /// <exception cref="TrustStoreException">No system store is found (the message says how to fix it).</exception>
    public static TlsContext CreateDefault(TlsPurpose purpose = TlsPurpose.ServerAuthentication)
    {
        var c = Defaults(purpose);
        if (purpose == TlsPurpose.ServerAuthentication)
        {
            c.LoadDefaultCerts();
        }
        return c;
    }

    /// <summary>The same defaults as <see cref="CreateDefault(TlsPurpose)"/>, with the given trust anchors instead of the system store.</summary>
    /// <param name="purpose">Whose certificates the context verifies.</param>
    /// <param name="trustStore">The trust anchors.</param>
    /// <returns>A new, not yet frozen context.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="trustStore"/> is null.</exception>
    public static TlsContext CreateDefault(TlsPurpose purpose, TrustStore trustStore)
    {
        var c = Defaults(purpose);
        c.SetTrustStore(trustStore);
        return c;
    }

    /// <summary>Clients verify servers and their names; servers ask for no client certificate until told to.</summary>
    private static TlsContext Defaults(TlsPurpose purpose)
        => new(purpose, purpose == TlsPurpose.ServerAuthentication ? VerifyMode.Required : VerifyMode.None, purpose == TlsPurpose.ServerAuthentication);

    /// <summary>The explicit opt-out: no certificate or host name verification at all. Use only where
    /// the channel's authenticity does not matter.</summary>
    /// <param name="purpose">Which side the context is for.</param>
    /// <returns>A new context with <see cref="VerifyMode.None"/> and host name checks off.</returns>
    public static TlsContext CreateUnverified(TlsPurpose purpose = TlsPurpose.ServerAuthentication)
        => new(purpose, VerifyMode.None, false);

    /// <summary>Whose certificates this context verifies.</summary>
    public TlsPurpose Purpose { get; }

    /// <summary>Raised in <see cref="Strictness.Warn"/> mode when a peer passed only without X509Strict.</summary>
    public event EventHandler<StrictnessWarningEventArgs>? StrictnessWarning;

    /// <summary>None, Optional or Required. Setting None while <see cref="CheckHostname"/> is on is refused.</summary>
    public VerifyMode VerifyMode
    {
        get => _verifyMode;
        set
        {
            Mutable();
            if (value == VerifyMode.None && _checkHostname)
            {
                throw new InvalidOperationException("cannot set VerifyMode to None while CheckHostname is on: turn CheckHostname off first");
            }
            _verifyMode = value;
        }
    }

    /// <summary>Match the server's certificate against the host name (clients). Turning it on sets VerifyMode to Required if it was None.</summary>
    public bool CheckHostname
    {
        get => _checkHostname;
        set
        {
            Mutable();
            if (value && _verifyMode == VerifyMode.None)
            {
                _verifyMode = VerifyMode.Required;
            }
            _checkHostname = value;
        }
    }

    /// <summary>Fall back to the subject CN when the certificate has no DNS or IP SAN. Default off.</summary>
    public bool HostnameChecksCommonName { get => _hostnameChecksCommonName; set { Mutable(); _hostnameChecksCommonName = value; } }

    /// <summary>Verification flags. Default X509Strict | PartialChain | TrustedFirst.</summary>
    public VerifyFlags VerifyFlags { get => _flags; set { Mutable(); _flags = value; } }

    /// <summary>The verification profile. Default web PKI.</summary>
    public VerificationProfile Profile { get => _profile; set { Mutable(); _profile = value ?? throw new ArgumentNullException(nameof(value)); } }

    /// <summary>The public root program whose trust bits and distrust-after dates apply
    /// (<see cref="VerificationOptions.RootProgram"/>). Default <see cref="Certitude.RootProgram.Mozilla"/>; null turns
    /// the program's decisions off, which weakens verification (listed in <see cref="Weakenings"/>).</summary>
    public RootProgram? RootProgram { get => _rootProgram; set { Mutable(); _rootProgram = value; } }

    /// <summary>Which anchors the root program's decisions apply to (<see cref="VerificationOptions.RootProgramScope"/>).
    /// Default <see cref="RootProgramScope.ProgramAndSystemAnchors"/> (anchors from the program or the system store;
    /// the ones loaded from the caller's own files or certificates are trusted as given);
    /// <see cref="RootProgramScope.AllAnchors"/> applies them to every anchor the program recognises, which only adds
    /// rejections (stricter, no weakening).</summary>
    public RootProgramScope RootProgramScope { get => _rootProgramScope; set { Mutable(); _rootProgramScope = value; } }

    /// <summary>Enforce strict checks, or only warn about strict-only failures.</summary>
    public Strictness Strictness { get => _strictness; set { Mutable(); _strictness = value; } }

    /// <summary>Lowest TLS version. Default TLS 1.2.</summary>
    public TlsVersion MinimumVersion
    {
        get => _min;
        set
        {
            Mutable();
            if (value > _max)
            {
                throw new ArgumentException($"MinimumVersion {value} is above MaximumVersion {_max}");
            }
            _min = value;
        }
    }

    /// <summary>Highest TLS version. Default TLS 1.3.</summary>
    public TlsVersion MaximumVersion
    {
        get => _max;
        set
        {
            Mutable();
            if (value < _min)
            {
                throw new ArgumentException($"MaximumVersion {value} is below MinimumVersion {_min}");
            }
            _max = value;
        }
    }

    /// <summary>ALPN protocols offered (clients) or accepted (servers), in preference order.</summary>
    public IReadOnlyList<SslApplicationProtocol> ApplicationProtocols { get => _alpn; set { Mutable(); _alpn = [.. value]; } }

    /// <summary>Where the context logs rejected peers, missing certificates and (in Warn mode) strict-only
    /// failures. Takes precedence over <see cref="LoggerFactory"/>. Python-familiar; .NET applications usually set
    /// <see cref="LoggerFactory"/> (or let <c>AddCertitude</c> do it).</summary>
    public ILogger? Logger { get => _logger; set { Mutable(); _logger = value; } }

    /// <summary>The factory the context creates its logger from, in the <c>Certitude.Tls</c> category
    /// (<see cref="MeterName"/>), when <see cref="Logger"/> is not set.</summary>
    public ILoggerFactory? LoggerFactory { get => _loggerFactory; set { Mutable(); _loggerFactory = value; } }

    /// <summary>The factory the context creates its <c>Certitude.Tls</c> meter from (the one a DI container
    /// provides); null reports on a process-wide meter of that name.</summary>
    public IMeterFactory? MeterFactory { get => _meterFactory; set { Mutable(); _meterFactory = value; } }

    /// <summary>For adapters: gives a context that has not been used and has no logger the container's factories.</summary>
    internal void AdoptServices(ILoggerFactory? loggerFactory, IMeterFactory? meterFactory)
    {
        lock (_gate)
        {
            if (_frozen)
            {
                return;
            }
            if (_logger is null && _loggerFactory is null)
            {
                _loggerFactory = loggerFactory;
            }
            _meterFactory ??= meterFactory;
        }
    }

    /// <summary>The logger in use once the context is frozen.</summary>
    internal ILogger? Log => _log;

    /// <summary>TLS cipher suites to allow, in preference order, where the platform lets them be chosen
    /// (Linux and macOS); null leaves the platform's defaults. Setting it elsewhere is refused.</summary>
    public IReadOnlyList<TlsCipherSuite>? CipherSuites
    {
        get => _cipherSuites;
        set
        {
            Mutable();
            if (value is not null && !(OperatingSystem.IsLinux() || OperatingSystem.IsMacOS()))
            {
                throw new PlatformNotSupportedException("choosing cipher suites is supported on Linux and macOS only");
            }
            _cipherSuites = value is null ? null : [.. value];
        }
    }

    private CipherSuitesPolicy? SuitesPolicy()
        => _cipherSuites is { } list && (OperatingSystem.IsLinux() || OperatingSystem.IsMacOS()) ? new CipherSuitesPolicy(list) : null;

    /// <summary>Servers: do not ask for a client certificate in the handshake; ask later with
    /// <see cref="RequestClientCertificateAsync"/> (TLS 1.3 post-handshake authentication).</summary>
    public bool PostHandshakeAuthentication { get => _postHandshake; set { Mutable(); _postHandshake = value; } }

    /// <summary>CRLs to check peers against when the flags ask for revocation checks (besides those of
    /// <see cref="LoadCrlFile"/>, which <see cref="AllCrls"/> includes).</summary>
    public IReadOnlyList<CertificateRevocationList> Crls { get => _crls; set { Mutable(); _crls = [.. value]; } }

    /// <summary>Every CRL in use: <see cref="Crls"/> and those of the CRL files as last loaded.</summary>
    public IReadOnlyList<CertificateRevocationList> AllCrls => _fileCrls.Count == 0 ? _crls : [.. _crls, .. _fileCrls];

    /// <summary>The trust anchors, or null when none was loaded.</summary>
    public TrustStore? TrustStore => _trust;

    /// <summary>Untrusted intermediates supplied for every verification (<see cref="LoadIntermediates"/>): they complete
    /// chains that peers send incomplete, without the network. Never anchors.</summary>
    public IReadOnlyList<Certificate> Intermediates => _intermediates;

    /// <summary>Adds untrusted intermediates that every verification of this context may use (the persistent form of
    /// <c>certitude verify --untrusted</c>, e.g. the intermediates of the CAs a fleet uses): a PEM bundle (or DER file),
    /// a directory of <c>.pem</c>/<c>.crt</c>/<c>.cer</c>/<c>.der</c> files, and/or PEM text. See docs/intermediates.md.</summary>
    /// <param name="file">A PEM bundle or DER certificate file.</param>
    /// <param name="directory">A directory of certificate files (not searched recursively).</param>
    /// <param name="pem">PEM text.</param>
    /// <exception cref="TrustStoreException">A source cannot be read or holds a malformed certificate (the message names it).</exception>
    /// <exception cref="InvalidOperationException">The context has been used and can no longer be changed.</exception>
    public void LoadIntermediates(string? file = null, string? directory = null, string? pem = null)
    {
        Mutable();
        _intermediates = [.. _intermediates, .. IntermediateSet.Load(file, directory, pem)];
    }

    /// <summary>Opt-in repair of incomplete chains, as browsers do: when a server's chain fails for a missing issuer
    /// whose caIssuers URL the certificate names, fetch it (bounded by the fetcher's options) and verify again.
    /// Null (the default) fetches nothing: fetching tells the CA which site is visited (docs/intermediates.md).
    /// Only for <see cref="TlsPurpose.ServerAuthentication"/> contexts: a server never fetches for its clients.</summary>
    /// <exception cref="InvalidOperationException">The context verifies clients, or has been used.</exception>
    public IntermediateFetcher? IntermediateFetcher
    {
        get => _fetcher;
        set
        {
            Mutable();
            if (value is not null && Purpose != TlsPurpose.ServerAuthentication)
            {
                throw new InvalidOperationException("fetching intermediates is for clients verifying servers; a server verifying clients supplies them with LoadIntermediates");
            }
            _fetcher = value;
        }
    }

    /// <summary>This side's certificate, if loaded.</summary>
    public X509Certificate2? Certificate => _ownCertificate;

    /// <summary>The intermediates sent with <see cref="Certificate"/> (a copy).</summary>
    public X509Certificate2Collection CertificateChain => [.. _ownChain];

    /// <summary>The SslProtocols value for the version range.</summary>
#pragma warning disable CA5397 // TLS 1.2 is the deliberate floor of the caller's version range (TLS 1.0/1.1 are never enabled).
    public SslProtocols Protocols => (_min, _max) switch
    {
        (TlsVersion.Tls12, TlsVersion.Tls12) => SslProtocols.Tls12,
        (TlsVersion.Tls13, TlsVersion.Tls13) => SslProtocols.Tls13,
        _ => SslProtocols.Tls12 | SslProtocols.Tls13,
    };
#pragma warning restore CA5397

    /// <summary>OpenSSL's load_verify_locations: adds anchors from a PEM bundle, a hashed directory and/or PEM data.
    /// The files are read again by <see cref="Reload"/> (and, with <see cref="WatchFiles"/>, when they change).</summary>
    /// <param name="cafile">A PEM bundle.</param>
    /// <param name="capath">An <c>openssl rehash</c> directory (read on demand).</param>
    /// <param name="cadata">PEM text.</param>
    /// <exception cref="TrustStoreException">A source cannot be read or holds a malformed certificate.</exception>
    /// <exception cref="InvalidOperationException">The context has been used and can no longer be changed.</exception>
    public void LoadVerifyLocations(string? cafile = null, string? capath = null, string? cadata = null)
    {
        Mutable();
        TrustStore Load()
        {
            var parts = new List<TrustStore>();
            if (cafile is not null)
            {
                var bundle = Certitude.TrustStore.FromFile(cafile);
                if (bundle.Count == 0)
                {
                    // An empty (or partly written) bundle would leave nothing trusted: refuse it, keep what was loaded before.
                    throw new TrustStoreException($"'{cafile}' holds no certificate");
                }
                parts.Add(bundle);
            }
            if (capath is not null || cadata is not null || cafile is null)
            {
                parts.Add(Certitude.TrustStore.Load(null, capath, cadata));
            }
            return parts.Count == 1 ? parts[0] : Certitude.TrustStore.Combine([.. parts]);
        }
        var loaded = Load();
        _trustSources.Add(Load);
        _watched.AddRange(new[] { cafile, capath }.OfType<string>());
        _trust = _trust is null ? loaded : Certitude.TrustStore.Combine(_trust, loaded);
    }

    /// <summary>Adds the system trust store (SSL_CERT_FILE / SSL_CERT_DIR, then the platform's).</summary>
    /// <exception cref="TrustStoreException">No system store is found.</exception>
    /// <exception cref="InvalidOperationException">The context has been used and can no longer be changed.</exception>
    public void LoadDefaultCerts()
    {
        Mutable();
        var system = Certitude.TrustStore.LoadSystem();
        _trustSources.Add(() => Certitude.TrustStore.LoadSystem());
        _trust = _trust is null ? system : Certitude.TrustStore.Combine(_trust, system);
    }

    /// <summary>Uses the given anchors (replacing any loaded before; <see cref="Reload"/> keeps them as they are).</summary>
    /// <param name="store">The anchors.</param>
    /// <exception cref="ArgumentNullException"><paramref name="store"/> is null.</exception>
    /// <exception cref="InvalidOperationException">The context has been used and can no longer be changed.</exception>
    public void SetTrustStore(TrustStore store)
    {
        Mutable();
        _trust = store ?? throw new ArgumentNullException(nameof(store));
        _trustSources.Clear();
        _trustSources.Add(() => store);
    }

    /// <summary>Adds the CRLs of a PEM or DER file to those checked when the flags ask for revocation checks; the
    /// file is read again by <see cref="Reload"/> (and, with <see cref="WatchFiles"/>, when it changes).</summary>
    /// <param name="path">The CRL file.</param>
    /// <exception cref="TrustStoreException">The file cannot be read or holds a malformed CRL (the message names it).</exception>
    /// <exception cref="InvalidOperationException">The context has been used and can no longer be changed.</exception>
    public void LoadCrlFile(string path)
    {
        Mutable();
        var crls = ReadCrlFile(path);
        _crlFiles.Add(path);
        _watched.Add(path);
        _fileCrls = [.. _fileCrls, .. crls];
    }

    /// <summary>The CRLs of a PEM or DER file; a failure names the file.</summary>
    internal static IReadOnlyList<CertificateRevocationList> ReadCrlFile(string path)
    {
        try
        {
            return CertificateRevocationList.ParseAll(File.ReadAllBytes(path), path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or CertitudeException)
        {
            throw new TrustStoreException($"cannot load CRL file '{path}': {e.Message}", e);
        }
    }

    /// <summary>This side's certificate chain and private key, from PEM files (the key may be in the certificate file).
    /// The files are read again by <see cref="Reload"/> (and, with <see cref="WatchFiles"/>, when they change).</summary>
    /// <param name="certFile">PEM file: the certificate first, then the intermediates to send with it.</param>
    /// <param name="keyFile">PEM file holding the private key; null when it is in <paramref name="certFile"/>.</param>
    /// <param name="password">The key's password when it is an encrypted PKCS#8 key.</param>
    /// <exception cref="ArgumentException">The private key does not belong to the certificate (the message names both files).</exception>
    /// <exception cref="TrustStoreException">A file cannot be read, or holds no certificate or no usable key.</exception>
    /// <exception cref="InvalidOperationException">The context has been used and can no longer be changed.</exception>
    public void LoadCertChain(string certFile, string? keyFile = null, string? password = null)
    {
        Mutable();
        var (cert, chain) = ReadCertChain(certFile, keyFile, password);
        UseCertificate(cert, chain);
        _ownSource = () => ReadCertChain(certFile, keyFile, password);
        _watched.AddRange(new[] { certFile, keyFile }.OfType<string>());
    }

    private static (X509Certificate2 Certificate, X509Certificate2[] Chain) ReadCertChain(string certFile, string? keyFile, string? password)
    {
        X509Certificate2 cert;
        try
        {
            cert = password is null
                ? X509Certificate2.CreateFromPemFile(certFile, keyFile)
                : X509Certificate2.CreateFromEncryptedPemFile(certFile, password, keyFile);
        }
        catch (ArgumentException e) when (File.Exists(certFile) && (keyFile is null || File.Exists(keyFile)))
        {
            // .NET reports a key that does not belong to the certificate as an ArgumentException (CopyWithPrivateKey).
            throw new ArgumentException($"the private key in '{keyFile ?? certFile}' does not match the certificate in '{certFile}': {e.Message}", nameof(keyFile), e);
        }
        catch (Exception e) when (e is System.Security.Cryptography.CryptographicException or IOException or ArgumentException or UnauthorizedAccessException)
        {
            throw new TrustStoreException($"cannot load certificate '{certFile}'{(keyFile is null ? "" : $" with key '{keyFile}'")}: {e.Message}", e);
        }
        var chain = new X509Certificate2Collection();
        try
        {
            chain.ImportFromPemFile(certFile);
        }
        catch (Exception e) when (e is System.Security.Cryptography.CryptographicException or IOException or UnauthorizedAccessException)
        {
            throw new TrustStoreException($"cannot load certificate '{certFile}': {e.Message}", e);
        }
        return (cert, [.. chain.Cast<X509Certificate2>().Skip(1)]);
    }

    /// <summary>This side's certificate (with its private key) and the intermediates to send with it.</summary>
    /// <param name="certificate">The certificate, with its private key.</param>
    /// <param name="intermediates">The intermediates to send after it, leaf-side first.</param>
    /// <exception cref="ArgumentException">The certificate has no private key.</exception>
    /// <exception cref="InvalidOperationException">The context has been used and can no longer be changed.</exception>
    public void UseCertificate(X509Certificate2 certificate, IEnumerable<X509Certificate2>? intermediates = null)
    {
        Mutable();
        if (!certificate.HasPrivateKey)
        {
            throw new ArgumentException("the certificate has no private key", nameof(certificate));
        }
        _ownCertificate = certificate;
        _ownChain = [.. intermediates ?? []];
        _ownSource = null;
        _ownContext = null;
    }

    /// <summary>How many times <see cref="Reload"/> replaced this context's material (0 until the first change).</summary>
    public int Generation => _generation;

    /// <summary>The files this context's material comes from (trust bundles and directories, CRL files, its own
    /// certificate and key): what <see cref="WatchFiles"/> watches.</summary>
    public IReadOnlyList<string> WatchedFiles => [.. _watched.Distinct(StringComparer.Ordinal)];

    /// <summary>Raised after <see cref="Reload"/> replaced the material (new connections use it).</summary>
    public event EventHandler? Reloaded;

    /// <summary>
    /// Reads the trust anchors (<see cref="LoadVerifyLocations"/>, <see cref="LoadDefaultCerts"/>), the CRL files
    /// (<see cref="LoadCrlFile"/>) and this side's certificate and key (<see cref="LoadCertChain"/>) again and, when
    /// all of them load, makes new connections use them; connections already made are untouched. The settings
    /// (modes, flags, versions) stay as they are. When any source fails to load (a half-written file, bad PEM, a key
    /// that does not match), the previous material stays in use, an Error naming the file is logged
    /// (<c>ReloadFailed</c>) and <c>certitude.tls.reload.failures</c> counts it. Thread-safe.
    /// </summary>
    /// <returns>True when the new material is in use; false when loading failed and the previous one stays.</returns>
    public bool Reload()
    {
        TrustStore? trust;
        List<CertificateRevocationList> fileCrls = [];
        (X509Certificate2 Certificate, X509Certificate2[] Chain)? own = null;
        Func<TrustStore>[] sources;
        string[] crlFiles;
        Func<(X509Certificate2, X509Certificate2[])>? ownSource;
        lock (_gate)
        {
            sources = [.. _trustSources];
            crlFiles = [.. _crlFiles];
            ownSource = _ownSource;
        }
        try
        {
            trust = sources.Length == 0 ? _trust : sources.Length == 1 ? sources[0]() : Certitude.TrustStore.Combine([.. sources.Select(l => l())]);
            foreach (var f in crlFiles)
            {
                fileCrls.AddRange(ReadCrlFile(f));
            }
            own = ownSource?.Invoke();
        }
        catch (Exception e) when (e is CertitudeException or ArgumentException or IOException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException)
        {
            var log = _log ?? _logger ?? _loggerFactory?.CreateLogger(TlsTelemetry.Name);
            if (log is not null)
            {
                TlsLog.ReloadFailed(log, e.Message);
            }
            TlsTelemetry.For(_meterFactory).ReloadFailures.Add(1, PurposeTag);
            return false;
        }
        lock (_gate)
        {
            _trust = trust;
            _fileCrls = fileCrls;
            if (own is { } o)
            {
                _ownCertificate = o.Certificate;
                _ownChain = [.. o.Chain];
                _ownContext = null;
            }
            if (_frozen)
            {
                BuildVerifiers();
            }
            _remembered.Clear();
            _generation++;
        }
        var logger = _log ?? _logger ?? _loggerFactory?.CreateLogger(TlsTelemetry.Name);
        if (logger is not null)
        {
            TlsLog.Reloaded(logger, _generation, _trust?.Count ?? 0, _ownCertificate?.Subject ?? "(none)");
        }
        TlsTelemetry.For(_meterFactory).Reloads.Add(1, PurposeTag);
        Reloaded?.Invoke(this, EventArgs.Empty);
        return true;
    }

    /// <summary>
    /// Watches <see cref="WatchedFiles"/> (their directories, so that a file replaced by a rename or a symbolic-link
    /// swap, as Kubernetes secrets and cert-manager do, is seen) and calls <see cref="Reload"/> once changes have
    /// settled for <paramref name="debounce"/> (default one second). Dispose the result to stop watching.
    /// </summary>
    /// <param name="debounce">How long changes must settle before reloading.</param>
    /// <returns>The watch; disposing it stops watching.</returns>
    public IDisposable WatchFiles(TimeSpan? debounce = null) => new FileWatch(this, WatchedFiles, debounce ?? TimeSpan.FromSeconds(1));

    /// <summary>This side's certificate as SslStream wants it, for the current material (made once per reload).</summary>
    internal SslStreamCertificateContext? OwnCertificateContext
    {
        get
        {
            var cached = _ownContext;
            if (cached is not null || _ownCertificate is null)
            {
                return cached;
            }
            lock (_gate)
            {
                return _ownContext ??= SslStreamCertificateContext.Create(_ownCertificate, _ownChain, offline: true);
            }
        }
    }

    /// <summary>For adapters: freezes the context and verifies a peer certificate as the handshake callback would.</summary>
    internal bool VerifyPeer(PeerVerification state, X509Certificate? cert, X509Chain? chain, string host, SslStream? stream = null)
    {
        Freeze();
        return Check(state, cert, chain, null, host, stream, report: false);
    }

    internal static X509ChainPolicy CheapPolicy() => CheapChainPolicy();

    /// <summary>For the DI provider: freezes a context when it is built, so a weakened one warns at creation.</summary>
    internal void Seal() => Freeze();

    private void Mutable()
    {
        if (_frozen)
        {
            throw new InvalidOperationException("this TlsContext has been used and can no longer be changed");
        }
    }

    /// <summary>The verification options this context's settings amount to (for verifying outside a handshake).</summary>
    public VerificationOptions VerificationOptions => new()
    {
        Profile = _profile,
        Flags = _flags,
        Purpose = Purpose == TlsPurpose.ServerAuthentication ? CertificatePurpose.ServerAuthentication : CertificatePurpose.ClientAuthentication,
        HostnameChecksCommonName = _hostnameChecksCommonName,
        RootProgram = _rootProgram,
        RootProgramScope = _rootProgramScope,
        Crls = AllCrls,
        Intermediates = _intermediates,
    };

    /// <summary>
    /// The settings of this context that verify less than Certitude's defaults, one line each (e.g.
    /// <c>CheckHostname=false</c>); empty for a context that weakens nothing. Weakening is always possible in
    /// code and never silent: a weakened context logs a Warning (<c>WeakenedContext</c>) when it is first used,
    /// tags its metrics <c>certitude.tls.weakened=true</c> and names the weakenings in every verification log line.
    /// Weakening: <see cref="VerifyMode"/> other than Required, <see cref="CheckHostname"/> off on a client,
    /// <see cref="Strictness.Warn"/>, <see cref="VerifyFlags"/> without X509Strict or with IgnoreAnchorValidity or
    /// IgnoreAnchorConstraints, <see cref="HostnameChecksCommonName"/>, and <see cref="RootProgram"/> null.
    /// </summary>
    public IReadOnlyList<string> Weakenings
    {
        get
        {
            var list = new List<string>();
            if (_verifyMode != VerifyMode.Required)
            {
                list.Add($"VerifyMode={_verifyMode}");
            }
            if (Purpose == TlsPurpose.ServerAuthentication && !_checkHostname)
            {
                list.Add("CheckHostname=false");
            }
            if (_strictness == Strictness.Warn)
            {
                list.Add("Strictness=Warn");
            }
            if ((_flags & VerifyFlags.X509Strict) == 0)
            {
                list.Add("VerifyFlags without X509Strict");
            }
            if ((_flags & VerifyFlags.IgnoreAnchorValidity) != 0)
            {
                list.Add("VerifyFlags with IgnoreAnchorValidity");
            }
            if ((_flags & VerifyFlags.IgnoreAnchorConstraints) != 0)
            {
                list.Add("VerifyFlags with IgnoreAnchorConstraints");
            }
            if (_hostnameChecksCommonName)
            {
                list.Add("HostnameChecksCommonName=true");
            }
            if (_rootProgram is null)
            {
                list.Add("RootProgram=null (no root program's trust bits or distrust dates)");
            }
            return list;
        }
    }

    /// <summary>"no", or the weakenings of this frozen context, for log lines.</summary>
    internal string WeakenedLabel => _weakened;

    /// <summary>The verifiers of the current material (called under the gate).</summary>
    private void BuildVerifiers()
    {
        if (_trust is null)
        {
            _verifiers = null;
            return;
        }
        var options = VerificationOptions;
        _verifiers = new Verifiers(new Verifier(_trust, options), new Verifier(_trust, options with { Flags = _flags & ~VerifyFlags.X509Strict }));
    }

    private sealed record Verifiers(Verifier Strict, Verifier Lax);

    private void Freeze()
    {
        if (_frozen)
        {
            return;
        }
        lock (_gate)
        {
            if (_frozen)
            {
                return;
            }
            if (_verifyMode != VerifyMode.None && _trust is null)
            {
                throw new InvalidOperationException("verification is on but no trust store was loaded: call LoadDefaultCerts or LoadVerifyLocations");
            }
            _log = _logger ?? _loggerFactory?.CreateLogger(TlsTelemetry.Name);
            _telemetry = TlsTelemetry.For(_meterFactory);
            var weakenings = Weakenings;
            if (weakenings.Count > 0)
            {
                _weakened = string.Join(", ", weakenings);
                _weakenedTag = new("certitude.tls.weakened", true);
                if (_log is not null)
                {
                    TlsLog.WeakenedContext(_log, Purpose == TlsPurpose.ServerAuthentication ? "servers" : "clients", _weakened);
                }
            }
            BuildVerifiers();
            _frozen = true;
        }
    }

    /// <summary>
    /// TLS client handshake over any stream (a socket's NetworkStream, a pipe, an in-memory duplex
    /// stream). SNI is the host name's A-label form; an IP literal sends no SNI and is matched against
    /// iPAddress SANs. Throws <see cref="CertificateVerificationException"/> when the server's certificate
    /// fails; other handshake failures surface as <see cref="AuthenticationException"/>.
    /// </summary>
    /// <param name="stream">The connected transport; owned by the returned stream.</param>
    /// <param name="serverHostname">The server's name or IP literal.</param>
    /// <param name="cancellationToken">Cancels the handshake.</param>
    /// <returns>The authenticated stream.</returns>
    /// <exception cref="CertificateVerificationException">The server's certificate did not verify.</exception>
    /// <exception cref="AuthenticationException">The handshake failed before any certificate was seen.</exception>
    /// <exception cref="ArgumentException">Host names are checked and <paramref name="serverHostname"/> is not valid.</exception>
    /// <exception cref="InvalidOperationException">The context verifies clients, or no trust store was loaded.</exception>
    public async Task<SslStream> AuthenticateAsClientAsync(Stream stream, string serverHostname, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(stream);
        if (Purpose != TlsPurpose.ServerAuthentication)
        {
            throw new InvalidOperationException("this context verifies clients; create one with TlsPurpose.ServerAuthentication to connect to servers");
        }
        Freeze();
        var peer = PeerIdentity.Host(serverHostname);
        if (_checkHostname && !peer.IsValid)
        {
            throw new ArgumentException($"invalid server host name: {peer.Error}", nameof(serverHostname));
        }
        var ssl = new SslStream(stream, leaveInnerStreamOpen: false);
        var state = new PeerVerification();
        var options = new SslClientAuthenticationOptions
        {
            // RFC 6066 3: no SNI for IP literals; A-labels for internationalised names.
            TargetHost = peer.SslTargetHost,
            EnabledSslProtocols = Protocols,
            ApplicationProtocols = _alpn.Count > 0 ? [.. _alpn] : null,
            CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
            CertificateChainPolicy = CheapChainPolicy(),
            CipherSuitesPolicy = SuitesPolicy(),
            RemoteCertificateValidationCallback = (sender, cert, chain, _) => Check(state, cert, chain, _checkHostname ? peer : null, serverHostname, sender as SslStream),
        };
        if (OwnCertificateContext is { } own)
        {
            options.ClientCertificateContext = own;
        }
        await Handshake(ssl, stream, state, () => ssl.AuthenticateAsClientAsync(options, cancellationToken)).ConfigureAwait(false);
        _sessions.AddOrUpdate(ssl, state);
        return ssl;
    }

    /// <summary>TLS server handshake over any stream, verifying client certificates per <see cref="VerifyMode"/>
    /// (Optional: verified when sent; Required: must be sent and verify).</summary>
    /// <param name="stream">The accepted transport; owned by the returned stream.</param>
    /// <param name="cancellationToken">Cancels the handshake.</param>
    /// <returns>The authenticated stream; <see cref="GetPeerVerification(SslStream)"/> tells who the client is.</returns>
    /// <exception cref="CertificateVerificationException">The client's certificate did not verify, or was required and missing.</exception>
    /// <exception cref="AuthenticationException">The handshake failed before any certificate was seen.</exception>
    /// <exception cref="InvalidOperationException">The context has no certificate, or verification is on and no trust store was loaded.</exception>
    public async Task<SslStream> AuthenticateAsServerAsync(Stream stream, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(stream);
        if (_ownCertificate is null)
        {
            throw new InvalidOperationException("a server needs a certificate: call LoadCertChain or UseCertificate");
        }
        Freeze();
        var ssl = new SslStream(stream, leaveInnerStreamOpen: false);
        var state = new PeerVerification();
        var options = ServerOptions(state, RemoteLabel(stream));
        await Handshake(ssl, stream, state, () => ssl.AuthenticateAsServerAsync(options, cancellationToken)).ConfigureAwait(false);
        _sessions.AddOrUpdate(ssl, state);
        return ssl;
    }

    /// <summary>TLS 1.3 post-handshake authentication (or renegotiation on TLS 1.2): asks the client for a
    /// certificate on an established connection and verifies it.</summary>
    /// <param name="stream">A stream this context authenticated as a server.</param>
    /// <param name="cancellationToken">Cancels the exchange.</param>
    /// <returns>A task that completes when the client's certificate verified.</returns>
    /// <exception cref="CertificateVerificationException">The certificate did not verify, or none was sent to a Required context.</exception>
    /// <exception cref="InvalidOperationException">The stream was not authenticated by this context.</exception>
    /// <exception cref="PlatformNotSupportedException">The platform has no post-handshake authentication.</exception>
    public async Task RequestClientCertificateAsync(SslStream stream, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(stream);
        if (!_sessions.TryGetValue(stream, out var state))
        {
            throw new InvalidOperationException("this stream was not authenticated by this context");
        }
        state.PostHandshakeRequested = true;
        Task Negotiate()
        {
            if (OperatingSystem.IsLinux() || OperatingSystem.IsWindows() || OperatingSystem.IsFreeBSD())
            {
                return stream.NegotiateClientCertificateAsync(cancellationToken);
            }
            throw new PlatformNotSupportedException("post-handshake client authentication is not available on this platform");
        }
        await Handshake(stream, null, state, Negotiate).ConfigureAwait(false);
        if (_verifyMode == VerifyMode.Required && state.Result is not { IsValid: true })
        {
            state.Set(state.Result, false, "client", missing: state.Result is null);
            throw new CertificateVerificationException(state, new AuthenticationException("no client certificate after post-handshake authentication"));
        }
    }

    internal SslServerAuthenticationOptions ServerOptions(PeerVerification state, string label = "client") => ServerOptionsWith((sender, cert, chain, _) =>
    {
        if (cert is null && _postHandshake && !state.PostHandshakeRequested)
        {
            // Post-handshake authentication: the certificate is asked for later.
            state.Set(null, accepted: true, "client");
            return true;
        }
        return Check(state, cert, chain, null, label, sender as SslStream);
    });

    /// <summary>The server side of this context (its certificate, protocols, ALPN, cipher suites, client certificates
    /// asked for per <see cref="VerifyMode"/>, .NET's chain downloads and revocation checks off) with this callback.</summary>
    private SslServerAuthenticationOptions ServerOptionsWith(RemoteCertificateValidationCallback callback) => new()
    {
        ServerCertificateContext = OwnCertificateContext,
        ClientCertificateRequired = _verifyMode != VerifyMode.None && !_postHandshake,
        CipherSuitesPolicy = SuitesPolicy(),
        EnabledSslProtocols = Protocols,
        ApplicationProtocols = _alpn.Count > 0 ? [.. _alpn] : null,
        CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
        CertificateChainPolicy = CheapChainPolicy(),
        RemoteCertificateValidationCallback = callback,
    };

    /// <summary>The verification of the peer of a stream this context authenticated (or whose options or callback
    /// came from it), or null.</summary>
    /// <param name="stream">The stream.</param>
    /// <returns>What was decided about its peer, or null.</returns>
    public PeerVerification? GetPeerVerification(SslStream stream)
        => stream is not null && _sessions.TryGetValue(stream, out var s) ? s : null;

    /// <summary>
    /// A <see cref="SocketsHttpHandler"/> whose TLS connections are verified by this context (its
    /// <see cref="SocketsHttpHandler.SslOptions"/> come from <see cref="CreateSslClientAuthenticationOptions(string?)"/>;
    /// the host is each request's). A rejected server surfaces as <see cref="HttpRequestException"/> whose
    /// <see cref="Exception.InnerException"/> is the <see cref="CertificateVerificationException"/> (code, reason,
    /// result), and is logged. Opting out is per client: build the client from <see cref="CreateUnverified"/>;
    /// there is no global switch.
    /// </summary>
    /// <returns>A new handler; dispose it with the <see cref="HttpClient"/> that owns it.</returns>
    /// <exception cref="InvalidOperationException">The context verifies clients, or verification is on and no trust store was loaded.</exception>
    public SocketsHttpHandler CreateHttpMessageHandler()
        => new() { SslOptions = CreateSslClientAuthenticationOptions(null) };

    /// <summary>
    /// A <see cref="RemoteCertificateValidationCallback"/> that verifies the server (or, for a
    /// <see cref="TlsPurpose.ClientAuthentication"/> context, the client) with this context, for any library
    /// that takes one: MailKit's <c>ServerCertificateValidationCallback</c>, Npgsql, StackExchange.Redis,
    /// RabbitMQ, MySqlConnector, <c>SmtpClient</c>. The platform's own verdict is ignored. A rejection throws
    /// <see cref="CertificateVerificationException"/> from the callback (so its code and reason reach the
    /// caller inside the library's exception) and is logged.
    /// </summary>
    /// <param name="host">The server name to check the certificate against (clients); null for a server verifying
    /// clients, or to take the name from the <see cref="SslStream"/> that calls back.</param>
    /// <returns>The callback; it may be used for any number of connections and threads.</returns>
    /// <exception cref="ArgumentException">Host names are checked and <paramref name="host"/> is not a valid host name or IP literal.</exception>
    /// <exception cref="InvalidOperationException">Verification is on and no trust store was loaded.</exception>
    public RemoteCertificateValidationCallback CreateValidationCallback(string? host = null)
    {
        PeerIdentity? fixedPeer = null;
        if (host is not null && Purpose == TlsPurpose.ServerAuthentication)
        {
            fixedPeer = PeerIdentity.Host(host);
            if (_checkHostname && !fixedPeer.IsValid)
            {
                throw new ArgumentException($"invalid server host name: {fixedPeer.Error}", nameof(host));
            }
        }
        Freeze();
#pragma warning disable CA5359 // Not an accept-all callback: every rejection throws CertificateVerificationException below.
        return (sender, cert, chain, _) =>
        {
            var ssl = sender as SslStream;
            var state = ssl is not null && _sessions.TryGetValue(ssl, out var known) ? known : new PeerVerification();
            bool ok;
            string label;
            if (Purpose == TlsPurpose.ClientAuthentication)
            {
                if (cert is null && _postHandshake && !state.PostHandshakeRequested)
                {
                    // Post-handshake authentication: the certificate is asked for later.
                    state.Set(null, accepted: true, "client");
                    ok = true;
                }
                else
                {
                    ok = Check(state, cert, chain, null, "client", ssl);
                }
                label = "client";
            }
            else
            {
                // Without a fixed host, the name the handler or library put in TargetHostName (an A-label for IDNs),
                // or the host name some libraries (MailKit) pass as the sender.
                var name = host ?? ssl?.TargetHostName ?? sender as string;
                if (name is null)
                {
                    throw new InvalidOperationException("no host name to verify the server against: pass one to CreateValidationCallback");
                }
                var peer = fixedPeer ?? PeerIdentity.Host(name);
                ok = Check(state, cert, chain, _checkHostname ? peer : null, name, ssl);
                label = name;
            }
            if (ssl is not null)
            {
                _sessions.AddOrUpdate(ssl, state);
            }
            if (!ok)
            {
                throw new CertificateVerificationException(state, null);
            }
            return true;
        };
#pragma warning restore CA5359
    }

    /// <summary>
    /// Client options for <see cref="SslStream.AuthenticateAsClientAsync(SslClientAuthenticationOptions, CancellationToken)"/>
    /// and libraries that take them (<c>ClientWebSocket</c> through its <c>HttpMessageInvoker</c>, gRPC's
    /// <c>SocketsHttpHandler</c>, <c>QuicConnection</c>): this context's protocols, ALPN, cipher suites, client
    /// certificate and validation callback (<see cref="CreateValidationCallback(string?)"/>), with .NET's own chain
    /// downloads and revocation checks turned off.
    /// </summary>
    /// <param name="host">The server name: sent as SNI (its A-label; none for an IP literal) and checked against the
    /// certificate. Null leaves <see cref="SslClientAuthenticationOptions.TargetHost"/> unset, for handlers that fill
    /// it in per request.</param>
    /// <returns>A new options object, which may be reused for many connections.</returns>
    /// <exception cref="ArgumentException">Host names are checked and <paramref name="host"/> is not a valid host name or IP literal.</exception>
    /// <exception cref="InvalidOperationException">The context verifies clients, or verification is on and no trust store was loaded.</exception>
    public SslClientAuthenticationOptions CreateSslClientAuthenticationOptions(string? host)
    {
        if (Purpose != TlsPurpose.ServerAuthentication)
        {
            throw new InvalidOperationException("client options verify servers: use a TlsPurpose.ServerAuthentication context");
        }
        var callback = CreateValidationCallback(host);
        var options = new SslClientAuthenticationOptions
        {
            // RFC 6066 3: no SNI for IP literals; A-labels for internationalised names.
            TargetHost = host is null ? null : PeerIdentity.Host(host).SslTargetHost,
            EnabledSslProtocols = Protocols,
            ApplicationProtocols = _alpn.Count > 0 ? [.. _alpn] : null,
            CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
            CertificateChainPolicy = CheapChainPolicy(),
            CipherSuitesPolicy = SuitesPolicy(),
            RemoteCertificateValidationCallback = callback,
        };
        if (OwnCertificateContext is { } own)
        {
            options.ClientCertificateContext = own;
        }
        return options;
    }

    /// <summary>
    /// Server options for <see cref="SslStream.AuthenticateAsServerAsync(SslServerAuthenticationOptions, CancellationToken)"/>:
    /// this context's certificate, protocols, ALPN and cipher suites, client certificates asked for per
    /// <see cref="VerifyMode"/> and verified by this context, .NET's own chain downloads and revocation checks off.
    /// A rejected client throws <see cref="CertificateVerificationException"/> from the handshake and is logged;
    /// <see cref="GetPeerVerification(SslStream)"/> tells what was decided.
    /// </summary>
    /// <returns>A new options object, which may be reused for many connections.</returns>
    /// <exception cref="InvalidOperationException">No certificate was loaded, or verification is on and no trust store was loaded.</exception>
    public SslServerAuthenticationOptions CreateSslServerAuthenticationOptions()
    {
        if (_ownCertificate is null)
        {
            throw new InvalidOperationException("a server needs a certificate: call LoadCertChain or UseCertificate");
        }
        return ServerOptionsWith(CreateValidationCallback(null));
    }

    /// <summary>Who the peer of a server-side stream is, for logs: its socket's remote address when known.</summary>
    private static string RemoteLabel(Stream? transport)
    {
        try
        {
            return transport is System.Net.Sockets.NetworkStream { Socket.RemoteEndPoint: { } remote } ? $"client {remote}" : "client";
        }
        catch (ObjectDisposedException)
        {
            return "client";
        }
    }

    /// <summary>The platform's own chain building made a cheap no-op: an empty custom root store, no
    /// downloads, no revocation. Certitude decides; the platform's verdict is ignored.</summary>
    private static X509ChainPolicy CheapChainPolicy() => new()
    {
        TrustMode = X509ChainTrustMode.CustomRootTrust,
        DisableCertificateDownloads = true,
        RevocationMode = X509RevocationMode.NoCheck,
        VerificationFlags = X509VerificationFlags.AllFlags,
    };

    private async Task Handshake(SslStream ssl, Stream? transport, PeerVerification state, Func<Task> handshake)
    {
        try
        {
            await handshake().ConfigureAwait(false);
        }
        catch (CertificateVerificationException)
        {
            await ssl.DisposeAsync().ConfigureAwait(false);
            throw;
        }
        catch (AuthenticationException e) when (state.Result is { IsValid: false } || state.MissingCertificate)
        {
            await ssl.DisposeAsync().ConfigureAwait(false);
            throw new CertificateVerificationException(state, e);
        }
        catch (AuthenticationException e) when (e is not CertificateVerificationException && state.Result is null && !state.Accepted)
        {
            // The handshake failed before any certificate was seen: protocol versions, cipher suites or ALPN.
            await ssl.DisposeAsync().ConfigureAwait(false);
            throw new AuthenticationException(
                $"TLS handshake failed before certificate verification; this context allows {Describe(_min)}{(_min == _max ? " only" : " to " + Describe(_max))}" +
                $"{(_cipherSuites is null ? "" : $" and {_cipherSuites.Count} chosen cipher suite(s)")}: the peer may not support them ({e.Message})", e);
        }
    }

    private static string Describe(TlsVersion v) => v == TlsVersion.Tls12 ? "TLS 1.2" : "TLS 1.3";

    private bool Check(PeerVerification state, X509Certificate? cert, X509Chain? chain, PeerIdentity? peer, string host, SslStream? stream, bool report = true)
    {
        if (_verifyMode == VerifyMode.None)
        {
            state.Set(null, accepted: true, host);
            _telemetry.Verifications.Add(1, new KeyValuePair<string, object?>("certitude.tls.outcome", "unverified"), PurposeTag, _weakenedTag);
            return true;
        }
        if (cert is null)
        {
            bool ok = _verifyMode == VerifyMode.Optional;
            state.Set(null, ok, host, missing: !ok);
            if (!ok)
            {
                Count(state, null);
                if (report)
                {
                    TlsLog.Report(_log, state, host, _weakened);
                }
            }
            return ok;
        }
        long started = System.Diagnostics.Stopwatch.GetTimestamp();
        // One span per verification (OpenTelemetry: outcome, error.type, purpose; of the certificate only its subject and fingerprint).
        using var activity = TlsTelemetry.Source.StartActivity("certitude.verify", System.Diagnostics.ActivityKind.Internal);
        bool verdict = false;
        try
        {
            verdict = CheckCertificate(state, cert, chain, peer, host, stream);
            return verdict;
        }
        finally
        {
            if (activity is not null)
            {
                activity.SetTag("certitude.tls.purpose", Purpose == TlsPurpose.ServerAuthentication ? "server" : "client");
                activity.SetTag("certitude.tls.outcome", state.Accepted ? "accepted" : "rejected");
                activity.SetTag("certitude.tls.peer", host);
                activity.SetTag("certitude.tls.weakened", _weakened != "no");
                activity.SetTag("certitude.tls.resumed", state.Resumed);
                if (state.Result is { Path.Count: > 0 } r)
                {
                    activity.SetTag(Purpose == TlsPurpose.ServerAuthentication ? "tls.server.subject" : "tls.client.subject", r.Path[0].Subject.ToString());
                    activity.SetTag("certitude.certificate.sha256", r.Path[0].Sha256Fingerprint);
                }
                if (!state.Accepted)
                {
                    activity.SetTag("error.type", ((int)(state.Result?.Code ?? VerifyCode.Unspecified)).ToString(System.Globalization.CultureInfo.InvariantCulture));
                    activity.SetStatus(System.Diagnostics.ActivityStatusCode.Error, state.Result?.CodeText);
                }
            }
            Count(state, System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalSeconds);
            if (report)
            {
                TlsLog.Report(_log, state, host, _weakened);
            }
        }
    }

    private KeyValuePair<string, object?> PurposeTag => new("certitude.tls.purpose", Purpose == TlsPurpose.ServerAuthentication ? "server" : "client");

    private void Count(PeerVerification state, double? seconds)
    {
        var purpose = PurposeTag;
        var outcome = new KeyValuePair<string, object?>("certitude.tls.outcome", state.Accepted ? "accepted" : "rejected");
        if (state.Result?.IncompleteChain is { } incomplete)
        {
            // The chain the peer sent lacked an issuer: tagged "incomplete", or "repaired" when a fetch completed it.
            _telemetry.Verifications.Add(1, outcome, purpose, _weakenedTag,
                new KeyValuePair<string, object?>("certitude.tls.chain", incomplete.Repaired ? "repaired" : "incomplete"));
        }
        else
        {
            _telemetry.Verifications.Add(1, outcome, purpose, _weakenedTag);
        }
        if (!state.Accepted)
        {
            var code = state.MissingCertificate ? "missing_certificate" : ((int)(state.Result?.Code ?? VerifyCode.Unspecified)).ToString(System.Globalization.CultureInfo.InvariantCulture);
            _telemetry.Failures.Add(1, new KeyValuePair<string, object?>("error.type", code), purpose, _weakenedTag);
        }
        if (seconds is double s)
        {
            _telemetry.Duration.Record(s, purpose);
        }
    }

    private bool CheckCertificate(PeerVerification state, X509Certificate cert, X509Chain? chain, PeerIdentity? peer, string host, SslStream? stream)
    {
        Certificate leaf;
        var intermediates = new List<Certificate>();
        try
        {
            leaf = cert is X509Certificate2 c2 ? _parsed.Parse(c2.RawDataMemory.Span) : _parsed.Parse(cert.GetRawCertData());
        }
        catch (CertificateFormatException e)
        {
            state.Set(VerificationResult.Failed(VerifyCode.MalformedCertificate, e.Message), false, host);
            return false;
        }
        // What the peer sent beyond its leaf: .NET hands it over in the chain policy's extra store.
        foreach (var extra in chain?.ChainPolicy.ExtraStore ?? [])
        {
            try
            {
                var c = _parsed.Parse(extra.RawDataMemory.Span);
                if (!c.Equals(leaf))
                {
                    intermediates.Add(c);
                }
            }
            catch (CertificateFormatException)
            {
                // A malformed certificate cannot be on a path; it is left out.
            }
        }
        bool resumed = false;
        if (intermediates.Count == 0 && SessionResumption.IsResumed(stream) && _remembered.Find(leaf) is { } remembered)
        {
            // A resumed session (the platform says so) carries the leaf alone: verify it again, in full, with the
            // intermediates of the original handshake's verification as untrusted candidates (RFC 8446 2.2:
            // resumption authenticates with the original handshake's identity). A fresh handshake never gets them.
            intermediates.AddRange(remembered);
            resumed = true;
            if (_log is not null)
            {
                TlsLog.ResumedSession(_log, host);
            }
        }
        var verifiers = _verifiers!;
        var result = verifiers.Strict.Verify(leaf, intermediates, peer);
        if (_fetcher is not null && IntermediateFetcher.Repairable(result))
        {
            result = Repair(verifiers.Strict, result, leaf, intermediates, peer, host);
        }
        // A path completed by a fetch is not remembered: each verification goes through the fetch cache again, so
        // that each carries the warning that the peer's chain is incomplete.
        if (result.IsValid && result.IncompleteChain is null)
        {
            _remembered.Remember(result);
        }
        if (!result.IsValid && _strictness == Strictness.Warn && (_flags & VerifyFlags.X509Strict) != 0)
        {
            var lax = verifiers.Lax.Verify(leaf, intermediates, peer);
            if (lax.IsValid)
            {
                _remembered.Remember(lax);
                state.Set(lax, true, host, strictFailure: result, resumed: resumed);
                _telemetry.StrictnessWarnings.Add(1, new KeyValuePair<string, object?>("error.type", ((int)result.Code).ToString(System.Globalization.CultureInfo.InvariantCulture)), _weakenedTag);
                StrictnessWarning?.Invoke(this, new StrictnessWarningEventArgs(host, result));
                if (_log is not null)
                {
                    TlsLog.StrictOnlyFailure(_log, host, (int)result.Code, result.Message, _weakened);
                }
                return true;
            }
            // Failing even without X509Strict: that failure is the one that blocks the connection.
            state.Set(lax, false, host, strictFailure: result, resumed: resumed);
            return false;
        }
        state.Set(result, result.IsValid, host, resumed: resumed);
        return result.IsValid;
    }
}
