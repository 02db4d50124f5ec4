using System.Diagnostics.Metrics;
using System.Net;
using Certitude.AspNetCore;
using Certitude.Tls;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Xunit;
using Xunit.Abstractions;

namespace Certitude.Tests;

/// <summary>Issue 20: configuration cannot silently weaken verification, problems surface at startup, verdicts do not
/// depend on earlier connections, and trust rotates without a restart. Every test runs real handshakes over loopback.</summary>
public sealed class ServiceSafetyTests(ITestOutputHelper output) : TempFolderTests("certitude-service-")
{
    internal static string KeyPem(Issued i) => ((System.Security.Cryptography.ECDsa)i.Key).ExportPkcs8PrivateKeyPem();

    private static HostApplicationBuilder Host(Dictionary<string, string?> settings, CapturingLoggerProvider? logs = null)
    {
        var builder = Microsoft.Extensions.Hosting.Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(settings);
        if (logs is not null)
        {
            builder.Logging.AddProvider(logs);
            builder.Logging.SetMinimumLevel(LogLevel.Debug);
        }
        builder.Services.AddCertitude("partner", builder.Configuration.GetSection("Certitude:Partner"));
        return builder;
    }

    [Fact]
    public async Task ConfigurationThatWeakensVerificationWithoutTheKeyFailsAtStartupNamingBothKeys()
    {
        var root = TestPki.Root("CN=Weak Root", TestPki.Live());
        var ca = Write("weak-root.pem", root.X509.ExportCertificatePem());
        using var host = Host(new()
        {
            ["Certitude:Partner:CaFile"] = ca,
            ["Certitude:Partner:VerifyMode"] = "None",
            ["Certitude:Partner:CheckHostname"] = "false",
        }).Build();
        var e = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());
        output.WriteLine(e.Message);
        Assert.Contains("Certitude:Partner:VerifyMode", e.Message, StringComparison.Ordinal);
        Assert.Contains("Certitude:Partner:CheckHostname", e.Message, StringComparison.Ordinal);
        Assert.Contains("Certitude:Partner:DangerouslyWeakenVerification", e.Message, StringComparison.Ordinal);
        // The same rule for options set in code.
        var services = new ServiceCollection();
        services.AddCertitude("code", o => { o.CaFile = ca; o.Strictness = Strictness.Warn; });
        using var provider = services.BuildServiceProvider();
        var fromCode = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<TlsContextProvider>().Get("code"));
        Assert.Contains("Strictness", fromCode.Message, StringComparison.Ordinal);
        Assert.Contains("DangerouslyWeakenVerification", fromCode.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WithTheKeyAWeakenedContextWarnsAtCreationAndEveryVerificationSaysSo()
    {
        // A server whose certificate names another host: accepted only because CheckHostname is off, and visibly so.
        var root = TestPki.Root("CN=Weak Key Root", TestPki.Live());
        var serverLeaf = TestPki.Leaf(root, ["other.example"], TestPki.Live(new CertSpec { Ips = ["127.0.0.1"] }));
        var (app, ports) = await AdapterRegressionTests.StartKestrel(null, https => https.ServerCertificate = TlsTests.WithKey(serverLeaf));
        await using (app)
        {
            var logs = new CapturingLoggerProvider();
            var builder = Host(new()
            {
                ["Certitude:Partner:CaFile"] = Write("weak-key-root.pem", root.X509.ExportCertificatePem()),
                ["Certitude:Partner:CheckHostname"] = "false",
                ["Certitude:Partner:DangerouslyWeakenVerification"] = "true",
            }, logs);
            builder.Services.AddHttpClient("partner").UseCertitude("partner");
            using var host = builder.Build();
            await host.StartAsync();
            var weakenedTags = new List<object?>();
            using var listener = new MeterListener();
            listener.InstrumentPublished = (i, l) =>
            {
                if (i.Meter.Name == TlsContext.MeterName && i.Name == "certitude.tls.verifications")
                {
                    l.EnableMeasurementEvents(i);
                }
            };
            listener.SetMeasurementEventCallback<long>((_, _, tags, _) =>
            {
                foreach (var t in tags)
                {
                    if (t.Key == "certitude.tls.weakened")
                    {
                        lock (weakenedTags)
                        {
                            weakenedTags.Add(t.Value);
                        }
                    }
                }
            });
            listener.Start();
            var client = host.Services.GetRequiredService<IHttpClientFactory>().CreateClient("partner");
            Assert.Equal("unverified", await client.GetStringAsync($"https://127.0.0.1:{ports[0]}/"));
            output.WriteLine(logs.ToString());
            var warning = Assert.Single(logs.Lines, l => l.EventId.Name == "WeakenedContext");
            Assert.Equal(LogLevel.Warning, warning.Level);
            Assert.Contains("CheckHostname=false", warning.Message, StringComparison.Ordinal);
            var verified = Assert.Single(logs.Lines, l => l.EventId.Name == "PeerVerified");
            Assert.Equal("CheckHostname=false", verified.State["Weakened"]);
            lock (weakenedTags)
            {
                Assert.Contains(true, weakenedTags);
            }
            await host.StopAsync();
        }
    }

    [Fact]
    public async Task EveryProblemOfASectionFailsValidateOnStartWithItsPath()
    {
        using var host = Host(new()
        {
            ["Certitude:Partner:CaFile"] = Path.Combine(Dir, "missing-root.pem"),
            ["Certitude:Partner:Profile"] = "WebPKIX",
            ["Certitude:Partner:VerifyMod"] = "Required",
            ["Certitude:Partner:CertificateFile"] = Write("not-a-cert.pem", "-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n"),
        }).Build();
        var e = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());
        output.WriteLine(string.Join("\n", e.Failures));
        Assert.Contains(e.Failures, f => f.StartsWith("Certitude:Partner:CaFile:", StringComparison.Ordinal) && f.Contains("missing-root.pem", StringComparison.Ordinal));
        Assert.Contains(e.Failures, f => f.StartsWith("Certitude:Partner:Profile:", StringComparison.Ordinal) && f.Contains("WebPKIX", StringComparison.Ordinal));
        Assert.Contains(e.Failures, f => f.StartsWith("Certitude:Partner:VerifyMod:", StringComparison.Ordinal));
        Assert.Contains(e.Failures, f => f.StartsWith("Certitude:Partner:CertificateFile", StringComparison.Ordinal) && f.Contains("not-a-cert.pem", StringComparison.Ordinal));
    }

    /// <summary>A server trusting only the root; clients under an intermediate, over 127.0.0.1 (no client-side session reuse).</summary>
    [Fact]
    public async Task ALeafOnlyClientIsTreatedTheSameOnAFreshServerAndAfterAFullChainConnection()
    {
        var pki = AdapterRegressionTests.Pki("Deterministic");
        var logs = new CapturingLoggerProvider();
        using var factory = LoggerFactory.Create(b => b.AddProvider(logs).SetMinimumLevel(LogLevel.Debug));
        var serverCtx = AdapterRegressionTests.ServerContext(pki);
        serverCtx.LoggerFactory = factory;
        var (app, ports) = await AdapterRegressionTests.StartKestrel(null, https =>
        {
            https.ServerCertificate = TlsTests.WithKey(pki.ServerLeaf);
            https.UseCertitude(serverCtx);
        });
        await using (app)
        {
            var url = $"https://127.0.0.1:{ports[0]}/";
            async Task<string> LeafOnly()
            {
                var ctx = AdapterRegressionTests.ClientContext(pki, withCertificate: false);
                ctx.UseCertificate(TlsTests.WithKey(pki.ClientLeaf));
                using var client = new HttpClient(ctx.CreateHttpMessageHandler());
                try
                {
                    return await client.GetStringAsync(url);
                }
                catch (HttpRequestException)
                {
                    return "refused";
                }
            }
            var fresh = await LeafOnly();
            using (var full = new HttpClient(AdapterRegressionTests.ClientContext(pki).CreateHttpMessageHandler()))
            {
                Assert.Equal("verified alice@example.test", await full.GetStringAsync(url));
            }
            var after = await LeafOnly();
            output.WriteLine($"fresh: {fresh}; after a full-chain connection: {after}");
            output.WriteLine(logs.ToString());
            Assert.Equal("refused", fresh);
            Assert.Equal(fresh, after);
            Assert.DoesNotContain(logs.Lines, l => l.EventId.Name == "ResumedSession");
            var rejected = logs.Lines.Where(l => l.EventId.Name == "ClientCertificateRejected").ToList();
            Assert.NotEmpty(rejected);
            Assert.All(rejected, l => Assert.Equal((int)VerifyCode.UnableToGetIssuerCertLocally, l.State["Code"]));
        }
    }

    /// <summary>Kestrel's mTLS trust from configuration; rewriting CaFile moves trust from one client CA to the other
    /// for new connections, without a restart.</summary>
    [Fact]
    public async Task RewritingCaFileMovesTrustToTheNewCaWithoutARestart()
    {
        var serverRoot = TestPki.Root("CN=Rotation Server Root", TestPki.Live());
        var serverLeaf = TestPki.Leaf(serverRoot, ["localhost"], TestPki.Live(new CertSpec { Ips = ["127.0.0.1"] }));
        var oldCa = TestPki.Root("CN=Rotation Old Client CA", TestPki.Live());
        var newCa = TestPki.Root("CN=Rotation New Client CA", TestPki.Live());
        Issued Client(Issued ca, string who) => TestPki.Leaf(ca, spec: TestPki.Live(new CertSpec { Subject = $"CN={who}", Emails = [who], Ekus = ["1.3.6.1.5.5.7.3.2"] }));
        var oldClient = Client(oldCa, "old@example.test");
        var newClient = Client(newCa, "new@example.test");
        var caFile = Write("clients.pem", oldCa.X509.ExportCertificatePem());
        var logs = new CapturingLoggerProvider();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Logging.AddProvider(logs);
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Certitude:Clients:Purpose"] = "ClientAuthentication",
            ["Certitude:Clients:CaFile"] = caFile,
            ["Certitude:Clients:CertificateFile"] = Write("server.pem", serverLeaf.X509.ExportCertificatePem()),
            ["Certitude:Clients:KeyFile"] = Write("server.key", KeyPem(serverLeaf)),
            ["Certitude:Clients:ReloadDebounce"] = "00:00:00.200",
        });
        builder.Services.AddCertitude("clients", builder.Configuration.GetSection("Certitude:Clients"));
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, listen => listen.UseCertitude("clients")));
        await using var app = builder.Build();
        app.MapGet("/", (HttpContext ctx) => ctx.GetCertitudePeer() is { EmailAddresses: [var first, ..] } ? first : "anonymous");
        await app.StartAsync();
        var port = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single()).Port;

        async Task<string> As(Issued client)
        {
            var ctx = TlsContext.CreateDefault(TlsPurpose.ServerAuthentication, TrustStore.FromCertificates([serverRoot.Cert]));
            ctx.UseCertificate(TlsTests.WithKey(client));
            using var http = new HttpClient(ctx.CreateHttpMessageHandler());
            try
            {
                return await http.GetStringAsync($"https://127.0.0.1:{port}/");
            }
            catch (HttpRequestException)
            {
                return "refused";
            }
        }
        Assert.Equal("old@example.test", await As(oldClient));
        Assert.Equal("refused", await As(newClient));

        // Rotate: a half-written file first (kept out: the old anchors stay), then the new CA.
        File.WriteAllText(caFile, "-----BEGIN CERTIFICATE-----\nMIIB");
        await Task.Delay(600);
        Assert.Equal("old@example.test", await As(oldClient));
        File.WriteAllText(caFile, newCa.X509.ExportCertificatePem());
        var accepted = "refused";
        for (var deadline = DateTime.UtcNow.AddSeconds(60); accepted == "refused" && DateTime.UtcNow < deadline; await Task.Delay(100))
        {
            accepted = await As(newClient);
        }
        output.WriteLine(logs.ToString());
        Assert.Equal("new@example.test", accepted);
        Assert.Equal("refused", await As(oldClient));
        var failed = logs.Lines.First(l => l.EventId.Name == "ReloadFailed");
        Assert.Equal(LogLevel.Error, failed.Level);
        Assert.Contains(caFile, failed.Message, StringComparison.Ordinal);
    }
}
