using System.Net;
using Certitude.AspNetCore;
using Certitude.Tls;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Xunit;
using Xunit.Abstractions;

namespace Certitude.Tests;

/// <summary>
/// Regressions of the HttpClient and Kestrel adapters, written against the API that existed before the fixes
/// (so they can be run on the old code): a rejection's reason through HttpClient, per-connection verdicts,
/// server-side logs of rejected and missing client certificates, and mTLS with TLS 1.3 resumption.
/// </summary>
public sealed class AdapterRegressionTests(ITestOutputHelper output)
{
    internal sealed record MtlsPki(Issued Root, Issued ServerLeaf, Issued ClientIca, Issued ClientLeaf);

    /// <summary>One root; the server's leaf for localhost and 127.0.0.1 directly under it; the client's leaf under an intermediate.</summary>
    internal static MtlsPki Pki(string name)
    {
        var root = TestPki.Root($"CN={name} Root", TestPki.Live());
        var serverLeaf = TestPki.Leaf(root, ["localhost"], TestPki.Live(new CertSpec { Ips = ["127.0.0.1"] }));
        var ica = TestPki.Ca(root, $"CN={name} Client ICA", spec: TestPki.Live());
        var clientLeaf = TestPki.Leaf(ica, spec: TestPki.Live(new CertSpec { Subject = "CN=alice@example.test", Emails = ["alice@example.test"], Ekus = ["1.3.6.1.5.5.7.3.2"] }));
        return new MtlsPki(root, serverLeaf, ica, clientLeaf);
    }

    /// <summary>A Kestrel app on 127.0.0.1 with one HTTPS endpoint per configuration; "/" answers with what
    /// <see cref="CertitudeAspNetCoreExtensions.GetCertitudePeer"/> says about the connection.</summary>
    internal static async Task<(WebApplication App, int[] Ports)> StartKestrel(ILoggerProvider? logs, params Action<HttpsConnectionAdapterOptions>[] endpoints)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        if (logs is not null)
        {
            builder.Logging.AddProvider(logs);
            builder.Logging.SetMinimumLevel(LogLevel.Debug);
        }
        builder.WebHost.ConfigureKestrel(k =>
        {
            foreach (var configure in endpoints)
            {
                k.Listen(IPAddress.Loopback, 0, listen => listen.UseHttps(configure));
            }
        });
        var app = builder.Build();
        app.MapGet("/", (HttpContext ctx) =>
        {
            var peer = ctx.GetCertitudePeer();
            return peer?.Certificate is null ? "unverified" : "verified " + string.Join(",", peer.EmailAddresses);
        });
        await app.StartAsync();
        var ports = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Select(a => new Uri(a).Port).ToArray();
        return (app, ports);
    }

    internal static TlsContext ClientContext(MtlsPki pki, bool withCertificate = true)
    {
        var ctx = TlsContext.CreateDefault(TlsPurpose.ServerAuthentication, TrustStore.FromCertificates([pki.Root.Cert]));
        if (withCertificate)
        {
            ctx.UseCertificate(TlsTests.WithKey(pki.ClientLeaf), [pki.ClientIca.X509]);
        }
        return ctx;
    }

    internal static TlsContext ServerContext(MtlsPki pki, VerifyMode mode = VerifyMode.Required)
    {
        var ctx = TlsContext.CreateDefault(TlsPurpose.ClientAuthentication, TrustStore.FromCertificates([pki.Root.Cert]));
        ctx.VerifyMode = mode;
        return ctx;
    }

    [Fact]
    public async Task HttpClientRejectionCarriesTheCertificateVerificationExceptionAndIsLogged()
    {
        var pki = Pki("Reason");
        var ipOnly = TestPki.Leaf(pki.Root, spec: TestPki.Live(new CertSpec { Subject = "CN=127.0.0.1", Ips = ["127.0.0.1"] }));
        var (app, ports) = await StartKestrel(null, https => https.ServerCertificate = TlsTests.WithKey(ipOnly));
        await using (app)
        {
            var logs = new CapturingLoggerProvider();
            using var factory = LoggerFactory.Create(b => b.AddProvider(logs).SetMinimumLevel(LogLevel.Debug));
            var ctx = ClientContext(pki, withCertificate: false);
            ctx.Logger = factory.CreateLogger("Certitude.Tls");
            using var client = new HttpClient(ctx.CreateHttpMessageHandler());
            // The certificate names 127.0.0.1 only; "localhost" resolves to it but is not in the certificate.
            var e = await Assert.ThrowsAsync<HttpRequestException>(() => client.GetStringAsync($"https://localhost:{ports[0]}/"));
            var cve = Assert.IsType<CertificateVerificationException>(e.InnerException);
            Assert.Equal(VerifyCode.HostnameMismatch, cve.VerifyCode);
            Assert.Contains("Hostname mismatch, certificate is not valid for 'localhost'", cve.Message, StringComparison.Ordinal);
            Assert.Equal(VerifyCode.HostnameMismatch, cve.Result!.Code);
            var line = Assert.Single(logs.Lines, l => l.EventId.Name == "PeerRejected");
            Assert.Equal(LogLevel.Warning, line.Level);
            Assert.Equal("localhost", line.State["Peer"]);
            Assert.Equal((int)VerifyCode.HostnameMismatch, line.State["Code"]);
            output.WriteLine(e.ToString());
            output.WriteLine(logs.ToString());
        }
    }

    [Fact]
    public async Task EachEndpointReadsOnlyItsOwnConnectionsVerdict()
    {
        // Endpoint A verifies client certificates with Certitude; endpoint B asks for them without Certitude and
        // accepts any. A client verified on A must not look verified by Certitude on B (the verdict is A's).
        var pki = Pki("PerConnection");
        var (app, ports) = await StartKestrel(null,
            https =>
            {
                https.ServerCertificate = TlsTests.WithKey(pki.ServerLeaf);
                https.UseCertitude(ServerContext(pki));
            },
            https =>
            {
                https.ServerCertificate = TlsTests.WithKey(pki.ServerLeaf);
                https.ClientCertificateMode = ClientCertificateMode.AllowCertificate;
                https.ClientCertificateValidation = (_, _, _) => true;
            });
        await using (app)
        {
            using var client = new HttpClient(ClientContext(pki).CreateHttpMessageHandler());
            Assert.Equal("verified alice@example.test", await client.GetStringAsync($"https://127.0.0.1:{ports[0]}/"));
            Assert.Equal("unverified", await client.GetStringAsync($"https://127.0.0.1:{ports[1]}/"));
        }
    }

    [Fact]
    public async Task KestrelLogsRejectedAndMissingClientCertificates()
    {
        var pki = Pki("ServerLogs");
        var other = Pki("ServerLogs Other");
        var logs = new CapturingLoggerProvider();
        using var factory = LoggerFactory.Create(b => b.AddProvider(logs).SetMinimumLevel(LogLevel.Debug));
        var serverCtx = ServerContext(pki);
        serverCtx.Logger = factory.CreateLogger("Certitude.AspNetCore");
        var (app, ports) = await StartKestrel(null, https =>
        {
            https.ServerCertificate = TlsTests.WithKey(pki.ServerLeaf);
            https.UseCertitude(serverCtx);
        });
        await using (app)
        {
            var url = $"https://127.0.0.1:{ports[0]}/";
            using (var anonymous = new HttpClient(ClientContext(pki, withCertificate: false).CreateHttpMessageHandler()))
            {
                await Assert.ThrowsAnyAsync<HttpRequestException>(() => anonymous.GetStringAsync(url));
            }
            // A client certificate from another PKI; the client trusts this server's root.
            var stranger = TlsContext.CreateDefault(TlsPurpose.ServerAuthentication, TrustStore.FromCertificates([pki.Root.Cert]));
            stranger.UseCertificate(TlsTests.WithKey(other.ClientLeaf), [other.ClientIca.X509]);
            using (var client = new HttpClient(stranger.CreateHttpMessageHandler()))
            {
                await Assert.ThrowsAnyAsync<HttpRequestException>(() => client.GetStringAsync(url));
            }
            output.WriteLine(logs.ToString());
            // HttpClient may try a failed connection more than once: each attempt is logged.
            var missing = logs.Lines.First(l => l.EventId.Name == "ClientCertificateMissing");
            Assert.Equal("Certitude.AspNetCore", missing.Category);
            Assert.StartsWith("127.0.0.1:", (string)missing.State["RemoteAddress"]!, StringComparison.Ordinal);
            var rejected = logs.Lines.First(l => l.EventId.Name == "ClientCertificateRejected");
            Assert.Equal((int)VerifyCode.UnableToGetIssuerCertLocally, rejected.State["Code"]);
            Assert.StartsWith("127.0.0.1:", (string)rejected.State["RemoteAddress"]!, StringComparison.Ordinal);
            Assert.Matches("CN=(alice@example.test|ServerLogs Other Client ICA)", (string)rejected.State["FailingSubject"]!);
        }
    }

    [Fact]
    public async Task MutualTlsSurvivesResumedSessions500RequestsOneConnectionEach16Way()
    {
        // The server trusts only the root; the client sends its leaf and intermediate. A resumed TLS 1.3 session
        // reaches the validation callback with the leaf alone.
        var pki = Pki("Resumption");
        var logs = new CapturingLoggerProvider();
        using var factory = LoggerFactory.Create(b => b.AddProvider(logs).SetMinimumLevel(LogLevel.Debug));
        var serverCtx = ServerContext(pki);
        serverCtx.Logger = factory.CreateLogger("Certitude.Tls");
        var (app, ports) = await StartKestrel(null, https =>
        {
            https.ServerCertificate = TlsTests.WithKey(pki.ServerLeaf);
            https.UseCertitude(serverCtx);
        });
        await using (app)
        {
            using var client = new HttpClient(ClientContext(pki).CreateHttpMessageHandler());
            // A host name, not an IP literal: .NET's client resumes TLS sessions only for a named target.
            var url = $"https://localhost:{ports[0]}/";
            int failures = 0, verified = 0;
            string? firstFailure = null;
            var watch = System.Diagnostics.Stopwatch.StartNew();
            await Parallel.ForEachAsync(Enumerable.Range(0, 500), new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (_, ct) =>
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, url);
                request.Headers.ConnectionClose = true; // one connection per request
                try
                {
                    using var response = await client.SendAsync(request, ct);
                    if (await response.Content.ReadAsStringAsync(ct) == "verified alice@example.test")
                    {
                        Interlocked.Increment(ref verified);
                    }
                }
                catch (HttpRequestException e)
                {
                    Interlocked.Increment(ref failures);
                    Interlocked.CompareExchange(ref firstFailure, e.ToString(), null);
                }
            });
            var resumed = logs.Lines.Count(l => l.EventId.Name == "ResumedSession");
            output.WriteLine($"500 requests, 16-way, one connection each: {verified} verified, {failures} failed, {resumed} leaf-only (resumed) handshakes, {watch.ElapsedMilliseconds} ms");
            Assert.True(failures == 0, $"{failures} of 500 failed; first: {firstFailure}");
            Assert.Equal(500, verified);
        }
    }
}
