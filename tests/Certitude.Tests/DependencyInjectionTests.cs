using System.Diagnostics.Metrics;
using System.Net;
using System.Security.Claims;
using Certitude.AspNetCore;
using Certitude.Extensions.Http;
using Certitude.Tls;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Xunit;
using Xunit.Abstractions;

namespace Certitude.Tests;

/// <summary>AddCertitude with options bound from configuration, UseCertitude overloads resolving contexts, loggers
/// and meters from the container, metrics, and the authentication handler behind [Authorize].</summary>
public sealed class DependencyInjectionTests(ITestOutputHelper output) : TempFolderTests("certitude-di-")
{
    private static string KeyPem(Issued i) => ((System.Security.Cryptography.ECDsa)i.Key).ExportPkcs8PrivateKeyPem();

    /// <summary>Kestrel whose endpoint uses the context named "clients" from configuration, with the Certitude
    /// authentication scheme; "/me" requires an authenticated user and lists its claims.</summary>
    private async Task<(WebApplication App, int Port, CapturingLoggerProvider Logs)> StartServer(AdapterRegressionTests.MtlsPki pki)
    {
        var roots = Write("roots.pem", pki.Root.X509.ExportCertificatePem());
        var serverPem = Write("server.pem", pki.ServerLeaf.X509.ExportCertificatePem());
        var serverKey = Write("server.key", KeyPem(pki.ServerLeaf));
        var builder = WebApplication.CreateSlimBuilder();
        var logs = new CapturingLoggerProvider();
        builder.Logging.ClearProviders();
        builder.Logging.AddProvider(logs);
        builder.Logging.SetMinimumLevel(LogLevel.Debug);
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Certitude:Clients:Purpose"] = "ClientAuthentication",
            ["Certitude:Clients:CaFile"] = roots,
            ["Certitude:Clients:VerifyMode"] = "Required",
            ["Certitude:Clients:CertificateFile"] = serverPem,
            ["Certitude:Clients:KeyFile"] = serverKey,
            ["Certitude:Clients:MinimumVersion"] = "Tls13",
            ["Certitude:Clients:Flags"] = "X509Strict, PartialChain, TrustedFirst",
        });
        builder.Services.AddCertitude("clients", builder.Configuration.GetSection("Certitude:Clients"));
        builder.Services.AddAuthentication(CertitudeAuthenticationDefaults.AuthenticationScheme).AddCertitude();
        builder.Services.AddAuthorization();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, listen => listen.UseCertitude("clients")));
        var app = builder.Build();
        app.UseAuthentication();
        app.UseAuthorization();
        app.MapGet("/me", (ClaimsPrincipal user) => string.Join("|", user.Claims.Select(c => $"{c.Type.Split('/').Last()}={c.Value}")))
            .RequireAuthorization(new AuthorizeAttribute { Policy = null });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        return (app, new Uri(address).Port, logs);
    }

    [Fact]
    public async Task BoundContextsHttpClientFactoryAndTheAuthenticationHandler()
    {
        var pki = AdapterRegressionTests.Pki("DI");
        var (app, port, serverLogs) = await StartServer(pki);
        await using (app)
        {
            var services = new ServiceCollection();
            var clientLogs = new CapturingLoggerProvider();
            services.AddLogging(b => b.AddProvider(clientLogs).SetMinimumLevel(LogLevel.Debug));
            var clientPem = Write("client.pem", pki.ClientLeaf.X509.ExportCertificatePem() + "\n" + pki.ClientIca.X509.ExportCertificatePem());
            var clientKey = Write("client.key", KeyPem(pki.ClientLeaf));
            var roots = Write("client-roots.pem", pki.Root.X509.ExportCertificatePem());
            services.AddCertitude("partner", o =>
            {
                o.CaFile = roots;
                o.CertificateFile = clientPem;
                o.KeyFile = clientKey;
            });
            services.AddHttpClient("partner").UseCertitude("partner");
            services.AddHttpClient("wrong-host").UseCertitude("partner");
            using var provider = services.BuildServiceProvider();
            var meterFactory = provider.GetRequiredService<IMeterFactory>();
            var measured = new List<(string Instrument, string? ErrorType)>();
            using var listener = new MeterListener();
            listener.InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == TlsContext.MeterName && ReferenceEquals(instrument.Meter.Scope, meterFactory))
                {
                    l.EnableMeasurementEvents(instrument);
                }
            };
            listener.SetMeasurementEventCallback<long>((instrument, _, tags, _) =>
            {
                string? error = null;
                foreach (var t in tags)
                {
                    error = t.Key == "error.type" ? t.Value?.ToString() : error;
                }
                lock (measured)
                {
                    measured.Add((instrument.Name, error));
                }
            });
            listener.Start();

            var factory = provider.GetRequiredService<IHttpClientFactory>();
            var me = await factory.CreateClient("partner").GetStringAsync($"https://127.0.0.1:{port}/me");
            output.WriteLine(me);
            Assert.Contains("name=alice@example.test", me, StringComparison.Ordinal);
            Assert.Contains("emailaddress=alice@example.test", me, StringComparison.Ordinal);
            Assert.Contains("x500distinguishedname=CN=alice@example.test", me, StringComparison.Ordinal);
            Assert.Contains("thumbprint=" + Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(pki.ClientLeaf.X509.RawData)), me, StringComparison.Ordinal);
            Assert.Contains("urn:certitude:issuer=CN=DI Client ICA", me, StringComparison.Ordinal);
            Assert.Same(provider.GetRequiredService<TlsContextProvider>().Get("partner"), provider.GetRequiredService<TlsContextProvider>().Get("partner"));
            Assert.Equal(TlsVersion.Tls13, app.Services.GetRequiredService<TlsContextProvider>().Get("clients").MinimumVersion);

            // Wrong host through IHttpClientFactory: the reason in the exception chain, a log line in Certitude.Tls, a counted failure.
            // The Host header is the name the handler sends as SNI and checks: the certificate names localhost and 127.0.0.1.
            using var wrongHost = new HttpRequestMessage(HttpMethod.Get, $"https://127.0.0.1:{port}/me");
            wrongHost.Headers.Host = "wrong.example";
            var e = await Assert.ThrowsAsync<HttpRequestException>(() => factory.CreateClient("wrong-host").SendAsync(wrongHost));
            output.WriteLine(e.ToString());
            var cve = Assert.IsType<CertificateVerificationException>(e.InnerException);
            Assert.Equal(VerifyCode.HostnameMismatch, cve.VerifyCode);
            output.WriteLine(clientLogs.ToString());
            var line = Assert.Single(clientLogs.Lines, l => l.EventId.Name == "PeerRejected");
            Assert.Equal("Certitude.Tls", line.Category);
            Assert.Equal(2, line.EventId.Id);
            lock (measured)
            {
                Assert.Contains(("certitude.tls.verification.failures", "62"), measured);
                Assert.Equal(2, measured.Count(m => m.Instrument == "certitude.tls.verifications"));
            }
        }
        output.WriteLine(serverLogs.ToString());
    }

    [Fact]
    public async Task WithoutAClientCertificateTheHandshakeFailsAndTheServerLogsIt()
    {
        var pki = AdapterRegressionTests.Pki("DI anonymous");
        var (app, port, serverLogs) = await StartServer(pki);
        await using (app)
        {
            using var anonymous = new HttpClient(AdapterRegressionTests.ClientContext(pki, withCertificate: false).CreateHttpMessageHandler());
            await Assert.ThrowsAnyAsync<HttpRequestException>(() => anonymous.GetStringAsync($"https://127.0.0.1:{port}/me"));
        }
        var missing = serverLogs.Lines.First(l => l.EventId.Name == "ClientCertificateMissing");
        Assert.Equal(CertitudeAspNetCoreExtensions.LogCategory, missing.Category);
    }

    [Fact]
    public void OptionsRefuseUnknownProfilesAndNameTheFilesOfAMismatchedKey()
    {
        Assert.Throws<ArgumentException>(() => new CertitudeOptions { Profile = "lenient", UseSystemTrustStore = false }.CreateContext());
        var pki = AdapterRegressionTests.Pki("Mismatch");
        var cert = Write("leaf.pem", pki.ServerLeaf.X509.ExportCertificatePem());
        var key = Write("other.key", KeyPem(pki.ClientLeaf));
        var ctx = TlsContext.CreateDefault(TlsPurpose.ClientAuthentication, TrustStore.FromCertificates([pki.Root.X509]));
        var e = Assert.ThrowsAny<ArgumentException>(() => ctx.LoadCertChain(cert, key));
        Assert.Contains(cert, e.Message, StringComparison.Ordinal);
        Assert.Contains(key, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AnUnverifiedServerContextUsedForMutualTlsWarns()
    {
        var logs = new CapturingLoggerProvider();
        using var factory = LoggerFactory.Create(b => b.AddProvider(logs));
        var none = TlsContext.CreateDefault(TlsPurpose.ClientAuthentication, TrustStore.Empty);
        new Microsoft.AspNetCore.Server.Kestrel.Https.HttpsConnectionAdapterOptions().UseCertitude(none, factory.CreateLogger(CertitudeAspNetCoreExtensions.LogCategory));
        Assert.Equal(3, Assert.Single(logs.Lines, l => l.EventId.Name == "UnverifiedContext").EventId.Id);
        var required = TlsContext.CreateDefault(TlsPurpose.ClientAuthentication, TrustStore.Empty);
        required.VerifyMode = VerifyMode.Required;
        new Microsoft.AspNetCore.Server.Kestrel.Https.HttpsConnectionAdapterOptions().UseCertitude(required, factory.CreateLogger(CertitudeAspNetCoreExtensions.LogCategory));
        Assert.Single(logs.Lines);
    }

    [Fact]
    public void ClaimsOfAVerifiedPeer()
    {
        var root = TestPki.Root("CN=Claims Root");
        var leaf = TestPki.Leaf(root, ["svc.example"], new CertSpec { Subject = "O=Example, CN=svc.example", Emails = ["ops@example.test"], Ekus = ["1.3.6.1.5.5.7.3.2"] });
        var result = TestPki.Verifier(root, new VerificationOptions { Purpose = CertificatePurpose.ClientAuthentication }).Verify(leaf.Cert, []);
        Assert.True(result.IsValid, result.Message);
        var peer = new PeerVerification();
        peer.Set(result, true, "client");
        var claims = CertitudeClaims.From(peer);
        Assert.Equal("svc.example", claims.Single(c => c.Type == ClaimTypes.Name).Value);
        Assert.Equal(["svc.example"], claims.Where(c => c.Type == ClaimTypes.Dns).Select(c => c.Value));
        Assert.Equal(["ops@example.test"], claims.Where(c => c.Type == ClaimTypes.Email).Select(c => c.Value));
        Assert.All(claims, c => Assert.Equal("CN=Claims Root", c.Issuer));
        Assert.Equal("svc.example", leaf.Cert.Subject.CommonName);
    }
}
