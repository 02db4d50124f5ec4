using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Certitude.Tls;
using Xunit;

namespace Certitude.Tests;

/// <summary>A TLS server on 127.0.0.1 for the tests: plain SslStream with a given certificate chain,
/// recording the SNI each client sent. Bounded: it stops when disposed.</summary>
internal sealed class LoopbackTlsServer : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    public LoopbackTlsServer(Func<Stream, CancellationToken, Task<SslStream?>> handshake, Func<SslStream, Task>? afterHandshake = null)
    {
        _listener.Start();
        _loop = Task.Run(async () =>
        {
            while (!_stop.IsCancellationRequested)
            {
                TcpClient client;
                try
                {
                    client = await _listener.AcceptTcpClientAsync(_stop.Token);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
                _ = Task.Run(async () =>
                {
                    using (client)
                    {
                        try
                        {
                            var ssl = await handshake(client.GetStream(), _stop.Token);
                            if (ssl is not null)
                            {
                                await using (ssl)
                                {
                                    if (afterHandshake is not null)
                                    {
                                        await afterHandshake(ssl);
                                    }
                                    else
                                    {
                                        await ssl.WriteAsync("hello\n"u8.ToArray(), _stop.Token);
                                        await ssl.FlushAsync(_stop.Token);
                                    }
                                }
                            }
                        }
                        catch (Exception e) when (e is IOException or AuthenticationException or OperationCanceledException or ObjectDisposedException or CertificateVerificationException)
                        {
                            Errors.Enqueue(e);
                        }
                    }
                });
            }
        });
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    public System.Collections.Concurrent.ConcurrentQueue<string?> ServerNames { get; } = new();

    public System.Collections.Concurrent.ConcurrentQueue<Exception> Errors { get; } = new();

    /// <summary>The SNI host names as they were on the wire (read from the raw ClientHello).</summary>
    public System.Collections.Concurrent.ConcurrentQueue<string?> WireServerNames { get; } = new();

    /// <summary>A server presenting the certificate (with key) and the given intermediates.</summary>
    public static LoopbackTlsServer Plain(X509Certificate2 cert, X509Certificate2[] chain, SslProtocols protocols = SslProtocols.None)
    {
        LoopbackTlsServer? self = null;
        self = new LoopbackTlsServer(async (stream, ct) =>
        {
            var (hello, sni) = await ClientHello.ReadAsync(stream, ct);
            self!.WireServerNames.Enqueue(sni);
            var ssl = new SslStream(new ReplayStream(hello, stream));
            var context = SslStreamCertificateContext.Create(cert, [.. chain], offline: true);
            await ssl.AuthenticateAsServerAsync((s, hello, _, _) =>
            {
                self!.ServerNames.Enqueue(string.IsNullOrEmpty(hello.ServerName) ? null : hello.ServerName);
                return ValueTask.FromResult(new SslServerAuthenticationOptions { ServerCertificateContext = context, EnabledSslProtocols = protocols });
            }, null, ct);
            return ssl;
        });
        return self;
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        _listener.Stop();
        try
        {
            await _loop;
        }
        catch (OperationCanceledException)
        {
        }
        _stop.Dispose();
    }
}

/// <summary>Reads the first TLS record (the ClientHello) off the wire and finds its server_name extension (RFC 6066 3).</summary>
internal static class ClientHello
{
    public static async Task<(byte[] Record, string? Sni)> ReadAsync(Stream s, CancellationToken ct)
    {
        var header = new byte[5];
        await s.ReadExactlyAsync(header, ct);
        int len = (header[3] << 8) | header[4];
        var body = new byte[len];
        await s.ReadExactlyAsync(body, ct);
        return ([.. header, .. body], FindSni(body));
    }

    private static string? FindSni(byte[] b)
    {
        // Handshake(1) len(3) version(2) random(32) session_id cipher_suites compression extensions
        int p = 4 + 2 + 32;
        p += 1 + b[p];
        p += 2 + ((b[p] << 8) | b[p + 1]);
        p += 1 + b[p];
        int end = p + 2 + ((b[p] << 8) | b[p + 1]);
        p += 2;
        while (p + 4 <= end)
        {
            int type = (b[p] << 8) | b[p + 1], elen = (b[p + 2] << 8) | b[p + 3];
            if (type == 0)
            {
                // server_name_list(2) name_type(1) host_name(2 + n)
                int nlen = (b[p + 7] << 8) | b[p + 8];
                return Encoding.ASCII.GetString(b, p + 9, nlen);
            }
            p += 4 + elen;
        }
        return null;
    }
}

/// <summary>A stream that first replays bytes already read, then continues with the inner stream.</summary>
internal sealed class ReplayStream(byte[] prefix, Stream inner) : Stream
{
    private int _pos;

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override void Flush() => inner.Flush();
    public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => inner.Write(buffer, offset, count);
    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) => inner.WriteAsync(buffer, cancellationToken);

    public override int Read(byte[] buffer, int offset, int count)
    {
        if (_pos < prefix.Length)
        {
            int n = Math.Min(count, prefix.Length - _pos);
            Array.Copy(prefix, _pos, buffer, offset, n);
            _pos += n;
            return n;
        }
        return inner.Read(buffer, offset, count);
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (_pos < prefix.Length)
        {
            int n = Math.Min(buffer.Length, prefix.Length - _pos);
            prefix.AsMemory(_pos, n).CopyTo(buffer);
            _pos += n;
            return n;
        }
        return await inner.ReadAsync(buffer, cancellationToken);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
        }
        base.Dispose(disposing);
    }
}

[Trait(CryptoPaths.Trait, CryptoPaths.Both)]
public sealed class TlsTests
{
    private static readonly DateTimeOffset Today = DateTimeOffset.UtcNow;

    private static CertSpec Live(CertSpec? s = null) => TestPki.Live(s);

    internal static X509Certificate2 WithKey(Issued i) => i.Key switch
    {
        ECDsa ec => i.X509.CopyWithPrivateKey(ec),
        RSA rsa => i.X509.CopyWithPrivateKey(rsa),
        _ => throw new NotSupportedException(),
    };

    private sealed record Pki(Issued Root, Issued Ica, Issued Leaf);

    private static Pki Chain(string[] dns, CertSpec? leafSpec = null, string? cn = null)
    {
        var root = TestPki.Root("CN=TLS Test Root", Live());
        var ica = TestPki.Ca(root, "CN=TLS Test ICA", spec: Live());
        var leaf = TestPki.Leaf(ica, dns, Live(leafSpec) with { Subject = cn ?? leafSpec?.Subject });
        return new Pki(root, ica, leaf);
    }

    private static async Task<(SslStream? Stream, Exception? Error)> Connect(TlsContext context, LoopbackTlsServer server, string host)
    {
        var tcp = new TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, server.Port);
        try
        {
            var ssl = await context.AuthenticateAsClientAsync(tcp.GetStream(), host);
            var buf = new byte[6];
            await ssl.ReadExactlyAsync(buf);
            Assert.Equal("hello\n", Encoding.ASCII.GetString(buf));
            return (ssl, null);
        }
        catch (Exception e) when (e is AuthenticationException or IOException or ArgumentException)
        {
            tcp.Dispose();
            return (null, e);
        }
    }

    private static TlsContext Client(Issued root) => TlsContext.CreateDefault(TlsPurpose.ServerAuthentication, TrustStore.FromCertificates([root.Cert]));

    private static async Task<VerifyCode> Outcome(Pki pki, string host, TlsContext? ctx = null, bool sendIntermediate = true, Action<TlsContext>? configure = null)
    {
        await using var server = LoopbackTlsServer.Plain(WithKey(pki.Leaf), sendIntermediate ? [pki.Ica.X509] : []);
        ctx ??= Client(pki.Root);
        configure?.Invoke(ctx);
        var (ssl, error) = await Connect(ctx, server, host);
        if (ssl is not null)
        {
            await ssl.DisposeAsync();
            return VerifyCode.Ok;
        }
        var cve = Assert.IsType<CertificateVerificationException>(error);
        Assert.StartsWith("certificate verify failed", cve.VerifyMessage, StringComparison.Ordinal);
        return cve.VerifyCode;
    }

    [Fact]
    public async Task ValidChainSucceedsAndSendsTheHostAsSni()
    {
        var pki = Chain(["example.test"]);
        await using var server = LoopbackTlsServer.Plain(WithKey(pki.Leaf), [pki.Ica.X509]);
        var ctx = Client(pki.Root);
        var (ssl, error) = await Connect(ctx, server, "example.test");
        Assert.Null(error);
        Assert.NotNull(ssl);
        var peer = ctx.GetPeerVerification(ssl!)!;
        Assert.True(peer.Accepted);
        Assert.Equal(3, peer.Result!.Path.Count);
        Assert.Equal(["example.test"], peer.DnsNames);
        Assert.Equal("example.test", Assert.Single(server.WireServerNames));
        await ssl!.DisposeAsync();
    }

    [Fact]
    public async Task ExpiredAndNotYetValidCertificatesFail()
    {
        var root = TestPki.Root("CN=TLS Root", Live());
        var expired = TestPki.Leaf(root, ["example.test"], new CertSpec { NotBefore = Today.AddDays(-10), NotAfter = Today.AddDays(-1) });
        var future = TestPki.Leaf(root, ["example.test"], new CertSpec { NotBefore = Today.AddDays(1), NotAfter = Today.AddDays(10) });
        Assert.Equal(VerifyCode.CertHasExpired, await Outcome(new Pki(root, root, expired), "example.test", sendIntermediate: false));
        Assert.Equal(VerifyCode.CertNotYetValid, await Outcome(new Pki(root, root, future), "example.test", sendIntermediate: false));
    }

    [Fact]
    public async Task WrongHostFailsWithPythonsMessage()
    {
        var pki = Chain(["example.test"]);
        await using var server = LoopbackTlsServer.Plain(WithKey(pki.Leaf), [pki.Ica.X509]);
        var (_, error) = await Connect(Client(pki.Root), server, "other.test");
        var e = Assert.IsType<CertificateVerificationException>(error);
        Assert.Equal(VerifyCode.HostnameMismatch, e.VerifyCode);
        Assert.Equal("certificate verify failed: Hostname mismatch, certificate is not valid for 'other.test'", e.VerifyMessage);
        Assert.IsAssignableFrom<AuthenticationException>(e);
    }

    [Fact]
    public async Task SelfSignedAndUnknownRootFail()
    {
        var self = TestPki.Root("CN=example.test", Live(new CertSpec { Dns = ["example.test"] }));
        var trusted = TestPki.Root("CN=Somebody Else", Live());
        Assert.Equal(VerifyCode.DepthZeroSelfSignedCert, await Outcome(new Pki(trusted, self, self), "example.test", ctx: Client(trusted), sendIntermediate: false));
        var pki = Chain(["example.test"]);
        Assert.Equal(VerifyCode.UnableToGetIssuerCertLocally, await Outcome(pki, "example.test", ctx: Client(trusted)));
    }

    [Fact]
    public async Task MissingIntermediateFailsAndSucceedsWhenSent()
    {
        var pki = Chain(["example.test"]);
        Assert.Equal(VerifyCode.UnableToGetIssuerCertLocally, await Outcome(pki, "example.test", sendIntermediate: false));
        Assert.Equal(VerifyCode.Ok, await Outcome(pki, "example.test", sendIntermediate: true));
    }

    [Fact]
    public async Task IntermediateAsPartialChainAnchor()
    {
        var pki = Chain(["example.test"]);
        var ctx = TlsContext.CreateDefault(TlsPurpose.ServerAuthentication, TrustStore.FromCertificates([pki.Ica.Cert]));
        Assert.Equal(VerifyCode.Ok, await Outcome(pki, "example.test", ctx: ctx, sendIntermediate: false));
        var noPartial = TlsContext.CreateDefault(TlsPurpose.ServerAuthentication, TrustStore.FromCertificates([pki.Ica.Cert]));
        noPartial.VerifyFlags = VerifyFlags.X509Strict | VerifyFlags.TrustedFirst;
        Assert.NotEqual(VerifyCode.Ok, await Outcome(pki, "example.test", ctx: noPartial, sendIntermediate: false));
    }

    [Fact]
    public async Task PartialAndPublicSuffixWildcardsAreRejected()
    {
        var root = TestPki.Root("CN=Wildcard Root", Live());
        var partial = TestPki.Leaf(root, spec: Live(new CertSpec { Subject = "CN=w*.example.test", Extra = [RawExtensions.DnsSan("w*.example.test")] }));
        var suffix = TestPki.Leaf(root, spec: Live(new CertSpec { Subject = "CN=*.co.uk", Extra = [RawExtensions.DnsSan("*.co.uk")] }));
        var good = TestPki.Leaf(root, spec: Live(new CertSpec { Subject = "CN=*.example.test", Extra = [RawExtensions.DnsSan("*.example.test")] }));
        Assert.NotEqual(VerifyCode.Ok, await Outcome(new Pki(root, root, partial), "www.example.test", sendIntermediate: false));
        Assert.NotEqual(VerifyCode.Ok, await Outcome(new Pki(root, root, suffix), "example.co.uk", sendIntermediate: false));
        Assert.Equal(VerifyCode.Ok, await Outcome(new Pki(root, root, good), "www.example.test", sendIntermediate: false));
    }

    [Fact]
    public async Task UnicodeHostSendsTheALabelAsSni()
    {
        var pki = Chain(["xn--bcher-kva.test"]);
        await using var server = LoopbackTlsServer.Plain(WithKey(pki.Leaf), [pki.Ica.X509]);
        var (ssl, error) = await Connect(Client(pki.Root), server, "bücher.test");
        Assert.Null(error);
        // On the wire the SNI is the A-label (RFC 6066 3: ASCII host name); .NET's own server hands
        // the application the Unicode form.
        Assert.Equal("xn--bcher-kva.test", Assert.Single(server.WireServerNames));
        await ssl!.DisposeAsync();
    }

    [Fact]
    public async Task IpAddressHostSendsNoSniAndMatchesIpSans()
    {
        var root = TestPki.Root("CN=IP Root", Live());
        var leaf = TestPki.Leaf(root, spec: Live(new CertSpec { Subject = "CN=127.0.0.1", Ips = ["127.0.0.1"] }));
        await using var server = LoopbackTlsServer.Plain(WithKey(leaf), []);
        var (ssl, error) = await Connect(Client(root), server, "127.0.0.1");
        Assert.Null(error);
        Assert.Null(Assert.Single(server.WireServerNames));
        await ssl!.DisposeAsync();
        Assert.Equal(VerifyCode.IpAddressMismatch, await Outcome(new Pki(root, root, TestPki.Leaf(root, spec: Live(new CertSpec { Subject = "CN=127.0.0.2", Ips = ["127.0.0.2"] }))), "127.0.0.1", sendIntermediate: false));
    }

    [Fact]
    public async Task CommonNameOnlyCertificateNeedsTheFallback()
    {
        var root = TestPki.Root("CN=CN Root", Live());
        var cnOnly = TestPki.Issue(root, Live(new CertSpec { Subject = "CN=example.test" }));
        var pki = new Pki(root, root, cnOnly);
        Assert.NotEqual(VerifyCode.Ok, await Outcome(pki, "example.test", sendIntermediate: false));
        // The fallback is an explicit choice; the RFC 5280 profile (the web PKI demands a SAN regardless).
        Assert.Equal(VerifyCode.Ok, await Outcome(pki, "example.test", sendIntermediate: false, configure: c =>
        {
            c.HostnameChecksCommonName = true;
            c.Profile = VerificationProfile.Rfc5280;
        }));
    }

    [Fact]
    public async Task WarnModeAcceptsAStrictOnlyFailureAndReportsIt()
    {
        var root = TestPki.Root("CN=Warn Root", Live());
        // keyCertSign on a non-CA leaf: a strict-tier rule (it claims authority), not enforced without X509Strict.
        var claimsAuthority = TestPki.Leaf(root, ["example.test"], Live(new CertSpec { KeyUsage = X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyCertSign }));
        var pki = new Pki(root, root, claimsAuthority);
        Assert.Contains(await Outcome(pki, "example.test", sendIntermediate: false), new[] { VerifyCode.KuKeyCertSignInvalidForNonCa, VerifyCode.InvalidNonCa });
        var ctx = Client(root);
        ctx.Strictness = Strictness.Warn;
        var warnings = new List<StrictnessWarningEventArgs>();
        ctx.StrictnessWarning += (_, e) => warnings.Add(e);
        Assert.Equal(VerifyCode.Ok, await Outcome(pki, "example.test", ctx: ctx, sendIntermediate: false));
        var w = Assert.Single(warnings);
        Assert.Contains(w.StrictResult.Code, new[] { VerifyCode.KuKeyCertSignInvalidForNonCa, VerifyCode.InvalidNonCa });
        // A failure that is not strict-only still fails in Warn mode.
        var ctx2 = Client(root);
        ctx2.Strictness = Strictness.Warn;
        Assert.Equal(VerifyCode.HostnameMismatch, await Outcome(pki, "other.test", ctx: ctx2, sendIntermediate: false));
    }

    [Fact]
    public async Task VersionBoundsAreEnforced()
    {
        var pki = Chain(["example.test"]);
        await using var server = LoopbackTlsServer.Plain(WithKey(pki.Leaf), [pki.Ica.X509], SslProtocols.Tls12);
        var ctx = Client(pki.Root);
        ctx.MinimumVersion = TlsVersion.Tls13;
        var (ssl, error) = await Connect(ctx, server, "example.test");
        Assert.Null(ssl);
        Assert.IsType<AuthenticationException>(error, exactMatch: false);
        Assert.IsNotType<CertificateVerificationException>(error);
        Assert.Contains("allows TLS 1.3 only", error!.Message, StringComparison.Ordinal);
        var bad = Client(pki.Root);
        bad.MaximumVersion = TlsVersion.Tls12;
        Assert.Throws<ArgumentException>(() => bad.MinimumVersion = TlsVersion.Tls13);
    }

    [Fact]
    public void PythonInvariantsHold()
    {
        var root = TestPki.Root();
        var ctx = Client(root);
        Assert.Equal(VerifyMode.Required, ctx.VerifyMode);
        Assert.True(ctx.CheckHostname);
        Assert.Equal(VerifyFlags.X509Strict | VerifyFlags.PartialChain | VerifyFlags.TrustedFirst, ctx.VerifyFlags);
        Assert.Equal(TlsVersion.Tls12, ctx.MinimumVersion);
        Assert.Throws<InvalidOperationException>(() => ctx.VerifyMode = VerifyMode.None);
        ctx.CheckHostname = false;
        ctx.VerifyMode = VerifyMode.None;
        var unverified = TlsContext.CreateUnverified();
        Assert.Equal(VerifyMode.None, unverified.VerifyMode);
        Assert.False(unverified.CheckHostname);
    }

    [Fact]
    public async Task ContextIsFrozenOnceUsed()
    {
        var pki = Chain(["example.test"]);
        var ctx = Client(pki.Root);
        Assert.Equal(VerifyCode.Ok, await Outcome(pki, "example.test", ctx: ctx));
        Assert.Throws<InvalidOperationException>(() => ctx.CheckHostname = false);
        Assert.Throws<InvalidOperationException>(() => ctx.VerifyFlags = VerifyFlags.None);
    }

    [Fact]
    public async Task UnverifiedContextIsTheExplicitOptOut()
    {
        var self = TestPki.Root("CN=whatever", Live());
        var pki = new Pki(self, self, self);
        Assert.Equal(VerifyCode.Ok, await Outcome(pki, "anything.test", ctx: TlsContext.CreateUnverified(), sendIntermediate: false));
    }
}
