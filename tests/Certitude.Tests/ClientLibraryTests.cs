using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text;
using Certitude.AspNetCore;
using Certitude.Tls;
using Grpc.Core;
using Grpc.Net.Client;
using MailKit.Net.Imap;
using MailKit.Net.Smtp;
using MailKit.Security;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Xunit;

namespace Certitude.Tests;

/// <summary>
/// <see cref="TlsContext.CreateValidationCallback"/> and <see cref="TlsContext.CreateSslClientAuthenticationOptions"/>
/// in the libraries .NET applications use: MailKit SMTP and IMAP with STARTTLS against minimal in-test servers,
/// ClientWebSocket against Kestrel, and a gRPC call (Grpc.Net.Client against Grpc.AspNetCore) over mTLS.
/// </summary>
public sealed class ClientLibraryTests
{
    private sealed record MailPki(Issued Root, Issued Good, Issued OtherName, Issued Expired);

    private static MailPki Mail()
    {
        var root = TestPki.Root("CN=Mail Root", TestPki.Live());
        var good = TestPki.Leaf(root, ["localhost"], TestPki.Live());
        var otherName = TestPki.Leaf(root, ["mail.example"], TestPki.Live());
        var today = DateTimeOffset.UtcNow;
        var expired = TestPki.Leaf(root, ["localhost"], new CertSpec { NotBefore = today.AddDays(-30), NotAfter = today.AddDays(-1) });
        return new MailPki(root, good, otherName, expired);
    }

    /// <summary>A line-based server on 127.0.0.1 that speaks just enough SMTP or IMAP for a client to connect,
    /// upgrade with STARTTLS and log out. Returns its port; it serves one connection.</summary>
    private static (int Port, Task Done) LineServer(Issued certificate, bool imap, CancellationToken ct)
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var done = Task.Run(async () =>
        {
            try
            {
                using var socket = await listener.AcceptTcpClientAsync(ct);
                Stream stream = socket.GetStream();
                var reader = new StreamReader(stream, Encoding.ASCII);
                async Task Send(string text)
                {
                    var bytes = Encoding.ASCII.GetBytes(text);
                    await stream.WriteAsync(bytes, ct);
                    await stream.FlushAsync(ct);
                }
                await Send(imap ? "* OK [CAPABILITY IMAP4rev1 STARTTLS] test server ready\r\n" : "220 localhost ESMTP test\r\n");
                bool tls = false;
                while (await reader.ReadLineAsync(ct) is { } line)
                {
                    var parts = line.Split(' ', 3);
                    if (imap)
                    {
                        var tag = parts[0];
                        var command = parts.Length > 1 ? parts[1].ToUpperInvariant() : "";
                        if (command == "STARTTLS" && !tls)
                        {
                            await Send($"{tag} OK begin TLS\r\n");
                            (stream, reader) = await Upgrade(stream, certificate, ct);
                            tls = true;
                        }
                        else if (command == "LOGOUT")
                        {
                            await Send($"* BYE\r\n{tag} OK bye\r\n");
                            return;
                        }
                        else
                        {
                            await Send($"* CAPABILITY IMAP4rev1{(tls ? "" : " STARTTLS")}\r\n{tag} OK done\r\n");
                        }
                    }
                    else
                    {
                        var verb = parts[0].ToUpperInvariant();
                        if (verb is "EHLO" or "HELO")
                        {
                            await Send(tls ? "250 localhost\r\n" : "250-localhost\r\n250 STARTTLS\r\n");
                        }
                        else if (verb == "STARTTLS" && !tls)
                        {
                            await Send("220 ready to start TLS\r\n");
                            (stream, reader) = await Upgrade(stream, certificate, ct);
                            tls = true;
                        }
                        else if (verb == "QUIT")
                        {
                            await Send("221 bye\r\n");
                            return;
                        }
                        else
                        {
                            await Send("250 OK\r\n");
                        }
                    }
                }
            }
            catch (Exception e) when (e is IOException or System.Security.Authentication.AuthenticationException or OperationCanceledException or ObjectDisposedException)
            {
                // The client refused the certificate and closed the connection.
            }
            finally
            {
                listener.Stop();
            }
        }, ct);
        return (port, done);
    }

    private static async Task<(Stream, StreamReader)> Upgrade(Stream plain, Issued certificate, CancellationToken ct)
    {
        var ssl = new SslStream(plain, leaveInnerStreamOpen: false);
        await ssl.AuthenticateAsServerAsync(new SslServerAuthenticationOptions { ServerCertificate = TlsTests.WithKey(certificate) }, ct);
        return (ssl, new StreamReader(ssl, Encoding.ASCII));
    }

    private static T? InChain<T>(Exception? e) where T : Exception
    {
        for (; e is not null; e = e.InnerException)
        {
            if (e is T t)
            {
                return t;
            }
        }
        return null;
    }

    private static TlsContext Trusting(Issued root) => TlsContext.CreateDefault(TlsPurpose.ServerAuthentication, TrustStore.FromCertificates([root.X509]));

    [Fact]
    public async Task MailKitSmtpStartTlsVerifiesWithTheCallback()
    {
        var pki = Mail();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var tls = Trusting(pki.Root);
        foreach (var (leaf, expected) in new[] { (pki.Good, VerifyCode.Ok), (pki.OtherName, VerifyCode.HostnameMismatch), (pki.Expired, VerifyCode.CertHasExpired) })
        {
            var (port, done) = LineServer(leaf, imap: false, cts.Token);
            using var smtp = new SmtpClient { ServerCertificateValidationCallback = tls.CreateValidationCallback("localhost"), CheckCertificateRevocation = false };
            if (expected == VerifyCode.Ok)
            {
                await smtp.ConnectAsync("localhost", port, SecureSocketOptions.StartTls, cts.Token);
                Assert.True(smtp.IsSecure);
                await smtp.DisconnectAsync(true, cts.Token);
            }
            else
            {
                var e = await Assert.ThrowsAnyAsync<Exception>(() => smtp.ConnectAsync("localhost", port, SecureSocketOptions.StartTls, cts.Token));
                var cve = InChain<CertificateVerificationException>(e);
                Assert.True(cve is not null, e.ToString());
                Assert.Equal(expected, cve.VerifyCode);
            }
            await done;
        }
    }

    [Fact]
    public async Task MailKitImapStartTlsVerifiesWithTheCallbackAndTheHostMailKitPasses()
    {
        var pki = Mail();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var tls = Trusting(pki.Root);
        foreach (var (leaf, expected) in new[] { (pki.Good, VerifyCode.Ok), (pki.OtherName, VerifyCode.HostnameMismatch), (pki.Expired, VerifyCode.CertHasExpired) })
        {
            var (port, done) = LineServer(leaf, imap: true, cts.Token);
            // No host given: the callback checks the name MailKit connects to.
            using var imap = new ImapClient { ServerCertificateValidationCallback = tls.CreateValidationCallback(), CheckCertificateRevocation = false };
            if (expected == VerifyCode.Ok)
            {
                await imap.ConnectAsync("localhost", port, SecureSocketOptions.StartTls, cts.Token);
                Assert.True(imap.IsSecure);
                await imap.DisconnectAsync(true, cts.Token);
            }
            else
            {
                var e = await Assert.ThrowsAnyAsync<Exception>(() => imap.ConnectAsync("localhost", port, SecureSocketOptions.StartTls, cts.Token));
                var cve = InChain<CertificateVerificationException>(e);
                Assert.True(cve is not null, e.ToString());
                Assert.Equal(expected, cve.VerifyCode);
            }
            await done;
        }
    }

    [Fact]
    public async Task SslStreamWithTheContextsClientAndServerOptions()
    {
        var pki = AdapterRegressionTests.Pki("Options");
        var server = AdapterRegressionTests.ServerContext(pki);
        server.UseCertificate(TlsTests.WithKey(pki.ServerLeaf));
        var client = AdapterRegressionTests.ClientContext(pki);
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        try
        {
            var port = ((IPEndPoint)listener.LocalEndpoint).Port;
            var accept = Task.Run(async () =>
            {
                using var socket = await listener.AcceptTcpClientAsync();
                await using var ssl = new SslStream(socket.GetStream());
                await ssl.AuthenticateAsServerAsync(server.CreateSslServerAuthenticationOptions());
                return server.GetPeerVerification(ssl);
            });
            using var tcp = new TcpClient();
            await tcp.ConnectAsync(IPAddress.Loopback, port);
            await using var clientSsl = new SslStream(tcp.GetStream());
            await clientSsl.AuthenticateAsClientAsync(client.CreateSslClientAuthenticationOptions("127.0.0.1"));
            var peer = await accept;
            Assert.NotNull(peer);
            Assert.Equal("alice@example.test", peer.CommonName);
            Assert.Equal(["alice@example.test"], peer.EmailAddresses);
            Assert.Equal(VerifyCode.Ok, client.GetPeerVerification(clientSsl)!.Result!.Code);

            // A client without a certificate: the server's handshake throws the reason.
            var refuse = Task.Run(async () =>
            {
                using var socket = await listener.AcceptTcpClientAsync();
                await using var ssl = new SslStream(socket.GetStream());
                return await Assert.ThrowsAsync<CertificateVerificationException>(() => ssl.AuthenticateAsServerAsync(server.CreateSslServerAuthenticationOptions()));
            });
            using var tcp2 = new TcpClient();
            await tcp2.ConnectAsync(IPAddress.Loopback, port);
            await using var anonymous = new SslStream(tcp2.GetStream());
            try
            {
                await anonymous.AuthenticateAsClientAsync(AdapterRegressionTests.ClientContext(pki, withCertificate: false).CreateSslClientAuthenticationOptions("127.0.0.1"));
                _ = await anonymous.ReadAsync(new byte[1]);
            }
            catch (Exception e) when (e is IOException or System.Security.Authentication.AuthenticationException)
            {
                // The server closes the connection.
            }
            var rejected = await refuse;
            Assert.Contains("did not present a certificate", rejected.Message, StringComparison.Ordinal);
        }
        finally
        {
            listener.Stop();
        }
    }

    private static async Task<(WebApplication App, int Port)> StartKestrel(TlsContext serverContext, Action<WebApplicationBuilder>? services, Action<WebApplication> map)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        services?.Invoke(builder);
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, listen => listen.UseCertitude(serverContext)));
        var app = builder.Build();
        map(app);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        return (app, new Uri(address).Port);
    }

    [Fact]
    public async Task ClientWebSocketThroughTheContextsHandlerAgainstKestrel()
    {
        var pki = AdapterRegressionTests.Pki("WebSocket");
        var server = AdapterRegressionTests.ServerContext(pki);
        server.UseCertificate(TlsTests.WithKey(pki.ServerLeaf));
        var (app, port) = await StartKestrel(server, null, app =>
        {
            app.UseWebSockets();
            app.Map("/ws", async (HttpContext ctx) =>
            {
                using var ws = await ctx.WebSockets.AcceptWebSocketAsync();
                var name = Encoding.UTF8.GetBytes("hello " + ctx.GetCertitudePeer()?.CommonName);
                await ws.SendAsync(name, WebSocketMessageType.Text, true, default);
                await ws.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", default);
            });
        });
        await using (app)
        {
            using var invoker = new HttpMessageInvoker(AdapterRegressionTests.ClientContext(pki).CreateHttpMessageHandler());
            using var ws = new ClientWebSocket();
            await ws.ConnectAsync(new Uri($"wss://127.0.0.1:{port}/ws"), invoker, default);
            var buffer = new byte[256];
            var read = await ws.ReceiveAsync(buffer, default);
            Assert.Equal("hello alice@example.test", Encoding.UTF8.GetString(buffer, 0, read.Count));

            // The same client against a server it does not trust: the reason is in the exception chain.
            using var untrusting = new HttpMessageInvoker(Trusting(TestPki.Root("CN=Unrelated", TestPki.Live())).CreateHttpMessageHandler());
            using var ws2 = new ClientWebSocket();
            var e = await Assert.ThrowsAnyAsync<Exception>(() => ws2.ConnectAsync(new Uri($"wss://127.0.0.1:{port}/ws"), untrusting, default));
            Assert.Equal(VerifyCode.UnableToGetIssuerCertLocally, InChain<CertificateVerificationException>(e)?.VerifyCode);
        }
    }

    [Fact]
    public async Task GrpcCallOverMutualTlsVerifiedByCertitudeOnBothSides()
    {
        var pki = AdapterRegressionTests.Pki("gRPC");
        var server = AdapterRegressionTests.ServerContext(pki);
        server.UseCertificate(TlsTests.WithKey(pki.ServerLeaf));
        var (app, port) = await StartKestrel(server, b => b.Services.AddGrpc(), app => app.MapGrpcService<EchoService>());
        await using (app)
        {
            using var channel = GrpcChannel.ForAddress($"https://127.0.0.1:{port}", new GrpcChannelOptions { HttpHandler = AdapterRegressionTests.ClientContext(pki).CreateHttpMessageHandler() });
            var reply = await channel.CreateCallInvoker().AsyncUnaryCall(EchoServiceBase.Echo, null, new CallOptions(), "ping");
            Assert.Equal("ping from alice@example.test", reply);

            using var anonymous = GrpcChannel.ForAddress($"https://127.0.0.1:{port}", new GrpcChannelOptions { HttpHandler = AdapterRegressionTests.ClientContext(pki, withCertificate: false).CreateHttpMessageHandler() });
            var e = await Assert.ThrowsAsync<RpcException>(async () => await anonymous.CreateCallInvoker().AsyncUnaryCall(EchoServiceBase.Echo, null, new CallOptions(), "ping"));
            Assert.Contains(e.StatusCode, new[] { StatusCode.Unavailable, StatusCode.Internal });

            // A client that does not trust the server: the reason travels in the RpcException's debug exception.
            using var untrusting = GrpcChannel.ForAddress($"https://127.0.0.1:{port}", new GrpcChannelOptions { HttpHandler = Trusting(TestPki.Root("CN=Unrelated gRPC", TestPki.Live())).CreateHttpMessageHandler() });
            var refused = await Assert.ThrowsAsync<RpcException>(async () => await untrusting.CreateCallInvoker().AsyncUnaryCall(EchoServiceBase.Echo, null, new CallOptions(), "ping"));
            Assert.Equal(VerifyCode.UnableToGetIssuerCertLocally, InChain<CertificateVerificationException>(refused.Status.DebugException)?.VerifyCode);
        }
    }
}

/// <summary>A gRPC service declared by hand (no protoc): one unary method with UTF-8 string messages.</summary>
[BindServiceMethod(typeof(EchoServiceBase), nameof(BindService))]
public abstract class EchoServiceBase
{
    private static readonly Marshaller<string> Utf8 = Marshallers.Create(s => Encoding.UTF8.GetBytes(s), b => Encoding.UTF8.GetString(b));

    public static readonly Method<string, string> Echo = new(MethodType.Unary, "certitude.test.Echo", nameof(Reply), Utf8, Utf8);

    public static void BindService(ServiceBinderBase binder, EchoServiceBase? service)
        => binder.AddMethod(Echo, service is null ? null! : new UnaryServerMethod<string, string>(service.Reply));

    public abstract Task<string> Reply(string request, ServerCallContext context);
}

/// <summary>Answers with the request and the client certificate's CN.</summary>
public sealed class EchoService : EchoServiceBase
{
    public override Task<string> Reply(string request, ServerCallContext context)
        => Task.FromResult($"{request} from {context.GetHttpContext().GetCertitudePeer()?.CommonName}");
}
