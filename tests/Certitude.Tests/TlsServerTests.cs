using System.IO.Pipes;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Certitude.Tls;
using Xunit;

namespace Certitude.Tests;

/// <summary>Duplex stream over two one-way pipes: a TLS transport with no socket.</summary>
internal sealed class DuplexStream(Stream read, Stream write) : Stream
{
    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override void Flush() => write.Flush();
    public override Task FlushAsync(CancellationToken cancellationToken) => write.FlushAsync(cancellationToken);
    public override int Read(byte[] buffer, int offset, int count) => read.Read(buffer, offset, count);
    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => read.ReadAsync(buffer, cancellationToken);
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => write.Write(buffer, offset, count);
    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) => write.WriteAsync(buffer, cancellationToken);

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            read.Dispose();
            write.Dispose();
        }
        base.Dispose(disposing);
    }
}

[Trait(CryptoPaths.Trait, CryptoPaths.Both)]
public sealed class TlsServerTests
{

    private static CertSpec Live(CertSpec? s = null) => TestPki.Live(s);

    private sealed record Parties(Issued Root, Issued ServerLeaf, Issued ClientLeaf);

    private static Parties Make()
    {
        var root = TestPki.Root("CN=mTLS Root", Live());
        var server = TestPki.Leaf(root, ["server.test"], Live());
        var client = TestPki.Leaf(root, spec: Live(new CertSpec { Subject = "CN=alice@example.test", Emails = ["alice@example.test"], Ekus = ["1.3.6.1.5.5.7.3.2"] }));
        return new Parties(root, server, client);
    }

    private static TlsContext ServerContext(Parties p, VerifyMode mode, bool pha = false)
    {
        var ctx = TlsContext.CreateDefault(TlsPurpose.ClientAuthentication, TrustStore.FromCertificates([p.Root.Cert]));
        ctx.VerifyMode = mode;
        ctx.PostHandshakeAuthentication = pha;
        ctx.UseCertificate(TlsTests.WithKey(p.ServerLeaf));
        return ctx;
    }

    private static TlsContext ClientContext(Parties p, bool withCertificate)
    {
        var ctx = TlsContext.CreateDefault(TlsPurpose.ServerAuthentication, TrustStore.FromCertificates([p.Root.Cert]));
        if (withCertificate)
        {
            ctx.UseCertificate(TlsTests.WithKey(p.ClientLeaf));
        }
        return ctx;
    }

    private static async Task<(PeerVerification? ServerView, Exception? ServerError, Exception? ClientError)> Run(Parties p, TlsContext server, TlsContext client)
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var serverTask = Task.Run(async () =>
        {
            using var tcp = await listener.AcceptTcpClientAsync();
            try
            {
                await using var ssl = await server.AuthenticateAsServerAsync(tcp.GetStream());
                await ssl.WriteAsync("hello\n"u8.ToArray());
                return (server.GetPeerVerification(ssl), (Exception?)null);
            }
            catch (Exception e) when (e is AuthenticationException or IOException)
            {
                return ((PeerVerification?)null, e);
            }
        });
        Exception? clientError = null;
        using (var tcp = new TcpClient())
        {
            await tcp.ConnectAsync(IPAddress.Loopback, port);
            try
            {
                await using var ssl = await client.AuthenticateAsClientAsync(tcp.GetStream(), "server.test");
                var buf = new byte[6];
                await ssl.ReadExactlyAsync(buf);
            }
            catch (Exception e) when (e is AuthenticationException or IOException)
            {
                clientError = e;
            }
        }
        var (view, serverError) = await serverTask;
        listener.Stop();
        return (view, serverError, clientError);
    }

    [Fact]
    public async Task MutualTlsRequiredVerifiesTheClientAndExposesItsNames()
    {
        var p = Make();
        var (view, serverError, clientError) = await Run(p, ServerContext(p, VerifyMode.Required), ClientContext(p, withCertificate: true));
        Assert.Null(serverError);
        Assert.Null(clientError);
        Assert.True(view!.Accepted);
        Assert.Equal(["alice@example.test"], view.EmailAddresses);
        Assert.Equal(p.ClientLeaf.Cert, view.Certificate);
    }

    [Fact]
    public async Task MutualTlsRequiredRejectsAClientWithoutACertificate()
    {
        var p = Make();
        var (_, serverError, _) = await Run(p, ServerContext(p, VerifyMode.Required), ClientContext(p, withCertificate: false));
        var e = Assert.IsType<CertificateVerificationException>(serverError);
        Assert.Contains("did not present a certificate", e.VerifyMessage, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MutualTlsRequiredRejectsAnUntrustedClient()
    {
        var p = Make();
        var strangerRoot = TestPki.Root("CN=Stranger Root", Live());
        var stranger = TestPki.Leaf(strangerRoot, spec: Live(new CertSpec { Subject = "CN=mallory", Emails = ["mallory@example.test"], Ekus = ["1.3.6.1.5.5.7.3.2"] }));
        var client = TlsContext.CreateDefault(TlsPurpose.ServerAuthentication, TrustStore.FromCertificates([p.Root.Cert]));
        client.UseCertificate(TlsTests.WithKey(stranger));
        var (_, serverError, _) = await Run(p, ServerContext(p, VerifyMode.Required), client);
        Assert.Equal(VerifyCode.UnableToGetIssuerCertLocally, Assert.IsType<CertificateVerificationException>(serverError).VerifyCode);
    }

    [Fact]
    public async Task MutualTlsOptionalAcceptsBothButVerifiesWhatIsSent()
    {
        var p = Make();
        var (none, e1, c1) = await Run(p, ServerContext(p, VerifyMode.Optional), ClientContext(p, withCertificate: false));
        Assert.Null(e1);
        Assert.Null(c1);
        Assert.True(none!.Accepted);
        Assert.Null(none.Certificate);
        var (some, e2, _) = await Run(p, ServerContext(p, VerifyMode.Optional), ClientContext(p, withCertificate: true));
        Assert.Null(e2);
        Assert.Equal(p.ClientLeaf.Cert, some!.Certificate);
    }

    [Fact]
    public async Task PostHandshakeAuthenticationOnTls13()
    {
        var p = Make();
        var server = ServerContext(p, VerifyMode.Required, pha: true);
        server.MinimumVersion = TlsVersion.Tls13;
        var client = ClientContext(p, withCertificate: true);
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var serverTask = Task.Run(async () =>
        {
            using var tcp = await listener.AcceptTcpClientAsync();
            await using var ssl = await server.AuthenticateAsServerAsync(tcp.GetStream());
            Assert.Null(server.GetPeerVerification(ssl)!.Certificate);
            Assert.Equal(SslProtocols.Tls13, ssl.SslProtocol);
            await server.RequestClientCertificateAsync(ssl);
            await ssl.WriteAsync("hello\n"u8.ToArray());
            return server.GetPeerVerification(ssl)!;
        });
        using (var tcp = new TcpClient())
        {
            await tcp.ConnectAsync(IPAddress.Loopback, port);
            await using var ssl = await client.AuthenticateAsClientAsync(tcp.GetStream(), "server.test");
            var buf = new byte[6];
            try
            {
                await ssl.ReadExactlyAsync(buf);
            }
            catch (EndOfStreamException)
            {
                await serverTask; // surfaces the server's error
                throw;
            }
        }
        var view = await serverTask;
        listener.Stop();
        Assert.True(view.Accepted);
        Assert.Equal(p.ClientLeaf.Cert, view.Certificate);
    }

    [Fact]
    public async Task HandshakeOverAnInMemoryPipeWithNoSocket()
    {
        var p = Make();
        using var toServer = new AnonymousPipeServerStream(PipeDirection.Out);
        using var fromClient = new AnonymousPipeClientStream(PipeDirection.In, toServer.ClientSafePipeHandle);
        using var toClient = new AnonymousPipeServerStream(PipeDirection.Out);
        using var fromServer = new AnonymousPipeClientStream(PipeDirection.In, toClient.ClientSafePipeHandle);
        var serverSide = new DuplexStream(fromClient, toClient);
        var clientSide = new DuplexStream(fromServer, toServer);
        var server = ServerContext(p, VerifyMode.None);
        var serverTask = Task.Run(async () =>
        {
            var ssl = await server.AuthenticateAsServerAsync(serverSide);
            await ssl.WriteAsync("over a pipe\n"u8.ToArray());
            await ssl.FlushAsync();
            return ssl;
        });
        var client = ClientContext(p, withCertificate: false);
        var clientSsl = await client.AuthenticateAsClientAsync(clientSide, "server.test");
        var buf = new byte[12];
        await clientSsl.ReadExactlyAsync(buf);
        Assert.Equal("over a pipe\n", Encoding.ASCII.GetString(buf));
        Assert.True(client.GetPeerVerification(clientSsl)!.Result!.IsValid);
        await (await serverTask).DisposeAsync();
        await clientSsl.DisposeAsync();
    }

    [Fact]
    public async Task StartTlsUpgradesAPlainConnection()
    {
        var p = Make();
        var server = ServerContext(p, VerifyMode.None);
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var serverTask = Task.Run(async () =>
        {
            using var tcp = await listener.AcceptTcpClientAsync();
            var net = tcp.GetStream();
            await net.WriteAsync("220 server.test ESMTP ready\r\n"u8.ToArray());
            var line = await ReadLine(net);
            Assert.Equal("STARTTLS", line);
            await net.WriteAsync("220 go ahead\r\n"u8.ToArray());
            await using var ssl = await server.AuthenticateAsServerAsync(net);
            Assert.Equal("EHLO client.test", await ReadLine(ssl));
            await ssl.WriteAsync("250 server.test over TLS\r\n"u8.ToArray());
        });
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, port);
        var stream = tcp.GetStream();
        Assert.StartsWith("220 ", await ReadLine(stream), StringComparison.Ordinal);
        await stream.WriteAsync("STARTTLS\r\n"u8.ToArray());
        Assert.Equal("220 go ahead", await ReadLine(stream));
        await using var tls = await ClientContext(p, withCertificate: false).AuthenticateAsClientAsync(stream, "server.test");
        await tls.WriteAsync("EHLO client.test\r\n"u8.ToArray());
        Assert.Equal("250 server.test over TLS", await ReadLine(tls));
        await serverTask;
        listener.Stop();
    }

    private static async Task<string> ReadLine(Stream s)
    {
        var sb = new StringBuilder();
        var b = new byte[1];
        while (await s.ReadAsync(b) == 1 && b[0] != (byte)'\n')
        {
            if (b[0] != (byte)'\r')
            {
                sb.Append((char)b[0]);
            }
        }
        return sb.ToString();
    }
}
