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
    /// accept and report the strict reason (event, <see cref="TlsContext.StrictnessWarnings"/> counter).</summary>
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
public sealed class TlsContext
{
    /// <summary>The meter Certitude.Tls reports on.</summary>
    public static readonly Meter Meter = new("Certitude.Tls");

    /// <summary>Strict-only failures accepted in Warn mode.</summary>
    public static readonly Counter<long> StrictnessWarnings = Meter.CreateCounter<long>("certitude.tls.strictness_warnings");

    private static readonly Action<ILogger, string, int, string, Exception?> LogStrictOnly = LoggerMessage.Define<string, int, string>(
        LogLevel.Warning, new EventId(1, "StrictOnlyFailure"),
        "certificate of {Host} passes only without X509Strict: error {Code} ({Reason}); strict mode would reject this peer");

    private readonly ConditionalWeakTable<SslStream, PeerVerification> _sessions = new();
    private ILogger? _logger;
    private IReadOnlyList<TlsCipherSuite>? _cipherSuites;
    private VerifyMode _verifyMode;
    private bool _checkHostname;
    private bool _hostnameChecksCommonName;
    private VerifyFlags _flags = VerifyFlags.Default;
    private VerificationProfile _profile = VerificationProfile.WebPki;
    private TlsVersion _min = TlsVersion.Tls12;
    private TlsVersion _max = TlsVersion.Tls13;
    private Strictness _strictness = Strictness.Enforce;
    private TrustStore? _trust;
    private X509Certificate2? _ownCertificate;
    private X509Certificate2Collection _ownChain = [];
    private List<SslApplicationProtocol> _alpn = [];
    private IReadOnlyList<CertificateRevocationList> _crls = [];
    private bool _postHandshake;
    private volatile bool _frozen;
    private Verifier? _verifier;
    private Verifier? _laxVerifier;
    private readonly ParsedCertificates _parsed = new();
    private readonly Lock _gate = new();

    private TlsContext(TlsPurpose purpose, VerifyMode mode, bool checkHostname)
    {
        Purpose = purpose;
        _verifyMode = mode;
        _checkHostname = checkHostname;
    }

    /// <summary>Verification on, host names checked (for clients), web PKI, strict, TLS 1.2+, system trust store.
    /// Throws <see cref="TrustStoreException"/> when no system store is found.</summary>
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

    /// <summary>Where Warn mode reports strict-only failures (besides the event and the counter).</summary>
    public ILogger? Logger { get => _logger; set { Mutable(); _logger = value; } }

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

    /// <summary>CRLs to check peers against when the flags ask for revocation checks.</summary>
    public IReadOnlyList<CertificateRevocationList> Crls { get => _crls; set { Mutable(); _crls = [.. value]; } }

    /// <summary>The trust anchors, or null when none was loaded.</summary>
    public TrustStore? TrustStore => _trust;

    /// <summary>This side's certificate, if loaded.</summary>
    public X509Certificate2? Certificate => _ownCertificate;

    /// <summary>The SslProtocols value for the version range.</summary>
#pragma warning disable CA5397 // TLS 1.2 is the deliberate floor of the caller's version range (TLS 1.0/1.1 are never enabled).
    public SslProtocols Protocols => (_min, _max) switch
    {
        (TlsVersion.Tls12, TlsVersion.Tls12) => SslProtocols.Tls12,
        (TlsVersion.Tls13, TlsVersion.Tls13) => SslProtocols.Tls13,
        _ => SslProtocols.Tls12 | SslProtocols.Tls13,
    };
#pragma warning restore CA5397

    /// <summary>OpenSSL's load_verify_locations: adds anchors from a PEM bundle, a hashed directory and/or PEM data.</summary>
    public void LoadVerifyLocations(string? cafile = null, string? capath = null, string? cadata = null)
    {
        Mutable();
        var loaded = Certitude.TrustStore.Load(cafile, capath, cadata);
        _trust = _trust is null ? loaded : Certitude.TrustStore.Combine(_trust, loaded);
    }

    /// <summary>Adds the system trust store (SSL_CERT_FILE / SSL_CERT_DIR, then the platform's).</summary>
    public void LoadDefaultCerts()
    {
        Mutable();
        var system = Certitude.TrustStore.LoadSystem();
        _trust = _trust is null ? system : Certitude.TrustStore.Combine(_trust, system);
    }

    /// <summary>Uses the given anchors.</summary>
    public void SetTrustStore(TrustStore store)
    {
        Mutable();
        _trust = store ?? throw new ArgumentNullException(nameof(store));
    }

    /// <summary>This side's certificate chain and private key, from PEM files (the key may be in the certificate file).</summary>
    public void LoadCertChain(string certFile, string? keyFile = null, string? password = null)
    {
        Mutable();
        X509Certificate2 cert;
        try
        {
            cert = password is null
                ? X509Certificate2.CreateFromPemFile(certFile, keyFile)
                : X509Certificate2.CreateFromEncryptedPemFile(certFile, password, keyFile);
        }
        catch (Exception e) when (e is System.Security.Cryptography.CryptographicException or IOException or ArgumentException)
        {
            throw new TrustStoreException($"cannot load certificate '{certFile}'{(keyFile is null ? "" : $" with key '{keyFile}'")}: {e.Message}", e);
        }
        var chain = new X509Certificate2Collection();
        chain.ImportFromPemFile(certFile);
        UseCertificate(cert, chain.Cast<X509Certificate2>().Skip(1));
    }

    /// <summary>This side's certificate (with its private key) and the intermediates to send with it.</summary>
    public void UseCertificate(X509Certificate2 certificate, IEnumerable<X509Certificate2>? intermediates = null)
    {
        Mutable();
        if (!certificate.HasPrivateKey)
        {
            throw new ArgumentException("the certificate has no private key", nameof(certificate));
        }
        _ownCertificate = certificate;
        _ownChain = [.. intermediates ?? []];
    }

    /// <summary>For adapters: freezes the context and verifies a peer certificate as the handshake callback would.</summary>
    internal bool VerifyPeer(PeerVerification state, X509Certificate? cert, X509Chain? chain, string host)
    {
        Freeze();
        return Check(state, cert, chain, null, host);
    }

    internal static X509ChainPolicy CheapPolicy() => CheapChainPolicy();

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
        Crls = _crls,
    };

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
            if (_trust is not null)
            {
                var options = VerificationOptions;
                _verifier = new Verifier(_trust, options);
                _laxVerifier = new Verifier(_trust, options with { Flags = _flags & ~VerifyFlags.X509Strict });
            }
            _frozen = true;
        }
    }

    /// <summary>
    /// TLS client handshake over any stream (a socket's NetworkStream, a pipe, an in-memory duplex
    /// stream). SNI is the host name's A-label form; an IP literal sends no SNI and is matched against
    /// iPAddress SANs. Throws <see cref="CertificateVerificationException"/> when the server's certificate
    /// fails; other handshake failures surface as <see cref="AuthenticationException"/>.
    /// </summary>
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
            RemoteCertificateValidationCallback = (_, cert, chain, _) => Check(state, cert, chain, _checkHostname ? peer : null, serverHostname),
        };
        if (_ownCertificate is not null)
        {
            options.ClientCertificateContext = SslStreamCertificateContext.Create(_ownCertificate, _ownChain, offline: true);
        }
        await Handshake(ssl, state, () => ssl.AuthenticateAsClientAsync(options, cancellationToken)).ConfigureAwait(false);
        _sessions.AddOrUpdate(ssl, state);
        return ssl;
    }

    /// <summary>TLS server handshake over any stream, verifying client certificates per <see cref="VerifyMode"/>
    /// (Optional: verified when sent; Required: must be sent and verify).</summary>
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
        var options = ServerOptions(state);
        await Handshake(ssl, state, () => ssl.AuthenticateAsServerAsync(options, cancellationToken)).ConfigureAwait(false);
        _sessions.AddOrUpdate(ssl, state);
        return ssl;
    }

    /// <summary>TLS 1.3 post-handshake authentication (or renegotiation on TLS 1.2): asks the client for a
    /// certificate on an established connection and verifies it.</summary>
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
        await Handshake(stream, state, Negotiate).ConfigureAwait(false);
        if (_verifyMode == VerifyMode.Required && state.Result is not { IsValid: true })
        {
            state.Set(state.Result, false, "client", missing: state.Result is null);
            throw new CertificateVerificationException(state, new AuthenticationException("no client certificate after post-handshake authentication"));
        }
    }

    internal SslServerAuthenticationOptions ServerOptions(PeerVerification state) => new()
    {
        ServerCertificateContext = SslStreamCertificateContext.Create(_ownCertificate!, _ownChain, offline: true),
        ClientCertificateRequired = _verifyMode != VerifyMode.None && !_postHandshake,
        CipherSuitesPolicy = SuitesPolicy(),
        EnabledSslProtocols = Protocols,
        ApplicationProtocols = _alpn.Count > 0 ? [.. _alpn] : null,
        CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
        CertificateChainPolicy = CheapChainPolicy(),
        RemoteCertificateValidationCallback = (_, cert, chain, _) =>
        {
            if (cert is null && _postHandshake && !state.PostHandshakeRequested)
            {
                // Post-handshake authentication: the certificate is asked for later.
                state.Set(null, accepted: true, "client");
                return true;
            }
            return Check(state, cert, chain, null, "client");
        },
    };

    /// <summary>The verification of the peer of a stream this context authenticated, or null.</summary>
    public PeerVerification? GetPeerVerification(SslStream stream)
        => stream is not null && _sessions.TryGetValue(stream, out var s) ? s : null;

    /// <summary>
    /// An <see cref="HttpMessageHandler"/> whose TLS connections are verified by this context. Opting
    /// out is per client: build the client from <see cref="CreateUnverified"/>; there is no global switch.
    /// </summary>
    public HttpMessageHandler CreateHttpMessageHandler()
    {
        if (Purpose != TlsPurpose.ServerAuthentication)
        {
            throw new InvalidOperationException("HTTP clients verify servers: use a TlsPurpose.ServerAuthentication context");
        }
        Freeze();
        var handler = new SocketsHttpHandler
        {
            SslOptions = new SslClientAuthenticationOptions
            {
                EnabledSslProtocols = Protocols,
                CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
                CertificateChainPolicy = CheapChainPolicy(),
                RemoteCertificateValidationCallback = (sender, cert, chain, _) =>
                {
                    // The handler puts the request's host in TargetHostName (an A-label for IDNs).
                    var host = (sender as SslStream)?.TargetHostName;
                    if (host is null)
                    {
                        return _verifyMode == VerifyMode.None;
                    }
                    var state = new PeerVerification();
                    var ok = Check(state, cert, chain, _checkHostname ? PeerIdentity.Host(host) : null, host);
                    if (sender is SslStream s)
                    {
                        _sessions.AddOrUpdate(s, state);
                    }
                    return ok;
                },
            },
        };
        if (_ownCertificate is not null)
        {
            handler.SslOptions.ClientCertificateContext = SslStreamCertificateContext.Create(_ownCertificate, _ownChain, offline: true);
        }
        return handler;
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

    private async Task Handshake(SslStream ssl, PeerVerification state, Func<Task> handshake)
    {
        try
        {
            await handshake().ConfigureAwait(false);
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

    private bool Check(PeerVerification state, X509Certificate? cert, X509Chain? chain, PeerIdentity? peer, string host)
    {
        if (_verifyMode == VerifyMode.None)
        {
            state.Set(null, accepted: true, host);
            return true;
        }
        if (cert is null)
        {
            bool ok = _verifyMode == VerifyMode.Optional;
            state.Set(null, ok, host, missing: !ok);
            return ok;
        }
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
        var result = _verifier!.Verify(leaf, intermediates, peer);
        if (!result.IsValid && _strictness == Strictness.Warn && (_flags & VerifyFlags.X509Strict) != 0)
        {
            var lax = _laxVerifier!.Verify(leaf, intermediates, peer);
            if (lax.IsValid)
            {
                state.Set(lax, true, host, strictFailure: result);
                StrictnessWarnings.Add(1, new KeyValuePair<string, object?>("code", (int)result.Code));
                StrictnessWarning?.Invoke(this, new StrictnessWarningEventArgs(host, result));
                if (_logger is not null)
                {
                    LogStrictOnly(_logger, host, (int)result.Code, result.Message, null);
                }
                return true;
            }
            // Failing even without X509Strict: that failure is the one that blocks the connection.
            state.Set(lax, false, host, strictFailure: result);
            return false;
        }
        state.Set(result, result.IsValid, host);
        return result.IsValid;
    }
}
