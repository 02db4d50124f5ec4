using System.Net;
using System.Net.Sockets;
using System.Reflection;
using System.Security.Cryptography.X509Certificates;
using System.Text.RegularExpressions;
using Certitude.AspNetCore;
using Certitude.Extensions.Http;
using Certitude.Tls;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Xunit;
using Xunit.Abstractions;

namespace Certitude.Tests;

/// <summary>
/// Issue 20: "the logs the docs list are the logs emitted, on every path". The log table of docs/configuration.md
/// (category, EventId, name, level) is the set of events the packages define, and each one is seen written, with
/// that category, id, name and level, on its real path: HttpClient from the container, SslStream, Kestrel,
/// the authentication handler, reloads and option changes, all over loopback.
/// </summary>
public sealed partial class LogEventTests(ITestOutputHelper output) : TempFolderTests("certitude-logs-")
{
    internal sealed record LogEvent(string Category, int Id, string Name, LogLevel Level);

    [GeneratedRegex(@"^\| `(?<category>Certitude[\w.]*)` \| (?<id>\d+) \| `(?<name>\w+)` \| (?<level>\w+) \|", RegexOptions.Multiline)]
    private static partial Regex TableRow();

    /// <summary>The rows of the log table in docs/configuration.md.</summary>
    internal static List<LogEvent> Documented()
    {
        var text = File.ReadAllText(Path.Combine(Corpus.RepositoryRoot(), "docs", "configuration.md")).ReplaceLineEndings("\n");
        return [.. TableRow().Matches(text).Select(m => new LogEvent(m.Groups["category"].Value, int.Parse(m.Groups["id"].Value, System.Globalization.CultureInfo.InvariantCulture),
            m.Groups["name"].Value, Enum.Parse<LogLevel>(m.Groups["level"].Value)))];
    }

    /// <summary>Every [LoggerMessage] of the three packages, as (id, name, level).</summary>
    private static List<(int Id, string Name, LogLevel Level)> Defined()
        => [.. new[] { typeof(TlsContext).Assembly, typeof(CertitudeOptions).Assembly, typeof(CertitudeAuthenticationDefaults).Assembly }
            .SelectMany(a => a.GetTypes())
            .SelectMany(t => t.GetMethods(BindingFlags.Static | BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly))
            .Select(m => m.GetCustomAttribute<LoggerMessageAttribute>())
            .OfType<LoggerMessageAttribute>()
            .Select(a => (a.EventId, a.EventName ?? "(no name)", a.Level))];

    [Fact]
    public void TheDocumentedLogEventsAreExactlyTheOnesTheCodeDefines()
    {
        var documented = Documented();
        var defined = Defined();
        output.WriteLine(string.Join("\n", documented));
        Assert.True(documented.Count >= 10, $"the log table of docs/configuration.md has {documented.Count} rows");
        // One row per event; names are unique across categories, so a log query by name is unambiguous.
        Assert.Equal(documented.Count, documented.Select(d => d.Name).Distinct(StringComparer.Ordinal).Count());
        Assert.Equal(documented.Count, documented.Select(d => (d.Category, d.Id)).Distinct().Count());
        Assert.Equal(defined.Count, defined.Select(d => d.Name).Distinct(StringComparer.Ordinal).Count());
        var undocumented = defined.Except(documented.Select(d => (d.Id, d.Name, d.Level))).ToList();
        var unknown = documented.Select(d => (d.Id, d.Name, d.Level)).Except(defined).ToList();
        Assert.True(undocumented.Count == 0, "defined in code, not in the docs' table: " + string.Join(", ", undocumented));
        Assert.True(unknown.Count == 0, "in the docs' table, not defined in code: " + string.Join(", ", unknown));
    }

    [Fact]
    public async Task EveryDocumentedLogEventIsWrittenOnItsPath()
    {
        var logs = new CapturingLoggerProvider();
        using var factory = LoggerFactory.Create(b => b.AddProvider(logs).SetMinimumLevel(LogLevel.Debug));
        var pki = AdapterRegressionTests.Pki("Log Events");
        var other = AdapterRegressionTests.Pki("Log Events Other");
        var stranger = TestPki.Root("CN=Log Events Stranger Root", TestPki.Live());
        var strangerLeaf = TestPki.Leaf(stranger, ["localhost"], TestPki.Live(new CertSpec { Ips = ["127.0.0.1"] }));
        // keyCertSign on a non-CA leaf: fails only X509Strict (a strict-tier rule).
        var claimsAuthority = TestPki.Leaf(pki.Root, ["localhost"], TestPki.Live(new CertSpec
        {
            Ips = ["127.0.0.1"],
            KeyUsage = X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyCertSign,
        }));
        var rootPem = pki.Root.X509.ExportCertificatePem();
        var caFile = Write("root.pem", rootPem);
        var caFile2 = Write("root2.pem", rootPem);

        // ---- The server side: Kestrel with plain HTTPS endpoints, an mTLS endpoint (Certitude verifying clients),
        // an endpoint given an unverified context, and the authentication handler with a forwarded-certificate header.
        var mtls = AdapterRegressionTests.ServerContext(pki);
        mtls.LoggerFactory = factory;
        var unverified = AdapterRegressionTests.ServerContext(pki, VerifyMode.None);
        unverified.LoggerFactory = factory;
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Logging.AddProvider(logs);
        builder.Logging.SetMinimumLevel(LogLevel.Debug);
        builder.Services.AddCertitude("forwarded", o =>
        {
            o.Purpose = TlsPurpose.ClientAuthentication;
            o.CaData = rootPem;
        });
        builder.Services.AddAuthentication().AddCertitude("proxied", o =>
        {
            o.ForwardedCertificateHeader = "X-Client-Cert";
            o.KnownProxies.Add(IPAddress.Parse("10.9.9.9"));
            o.ForwardedCertificateContext = "forwarded";
        });
        builder.Services.AddAuthorization();
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Listen(IPAddress.Loopback, 0, l => l.UseHttps(TlsTests.WithKey(pki.ServerLeaf)));
            k.Listen(IPAddress.Loopback, 0, l => l.UseHttps(TlsTests.WithKey(strangerLeaf)));
            k.Listen(IPAddress.Loopback, 0, l => l.UseHttps(TlsTests.WithKey(claimsAuthority)));
            k.Listen(IPAddress.Loopback, 0, l => l.UseHttps(https =>
            {
                https.ServerCertificate = TlsTests.WithKey(pki.ServerLeaf);
                https.UseCertitude(mtls);
            }));
            k.Listen(IPAddress.Loopback, 0, l => l.UseHttps(https =>
            {
                https.ServerCertificate = TlsTests.WithKey(pki.ServerLeaf);
                https.UseCertitude(unverified);
            }));
        });
        await using var app = builder.Build();
        app.UseAuthentication();
        app.UseAuthorization();
        app.MapGet("/", (HttpContext ctx) => ctx.GetCertitudePeer()?.Certificate is null ? "unverified" : "verified " + string.Join(",", ctx.GetCertitudePeer()!.EmailAddresses));
        app.MapGet("/proxied", (HttpContext ctx) => "hello " + ctx.User.Identity?.Name).RequireAuthorization(new AuthorizeAttribute { AuthenticationSchemes = "proxied" });
        await app.StartAsync();
        var ports = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Select(a => new Uri(a).Port).ToArray();
        int good = ports[0], strangers = ports[1], lax = ports[2], mutual = ports[3];

        // ---- The client side: contexts from configuration in a container, HttpClients from IHttpClientFactory.
        var hostBuilder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        hostBuilder.Logging.AddProvider(logs);
        hostBuilder.Logging.SetMinimumLevel(LogLevel.Debug);
        hostBuilder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Certitude:Partner:CaFile"] = caFile,
            ["Certitude:Partner:WatchFiles"] = "false",
            ["Certitude:Lenient:CaFile"] = caFile,
            ["Certitude:Lenient:Strictness"] = "Warn",
            ["Certitude:Lenient:DangerouslyWeakenVerification"] = "true",
            ["Certitude:Lenient:WatchFiles"] = "false",
        });
        hostBuilder.Services.AddCertitude("partner", hostBuilder.Configuration.GetSection("Certitude:Partner"));
        hostBuilder.Services.AddCertitude("lenient", hostBuilder.Configuration.GetSection("Certitude:Lenient"));
        hostBuilder.Services.AddHttpClient("partner").UseCertitude("partner");
        hostBuilder.Services.AddHttpClient("lenient").UseCertitude("lenient");
        using var host = hostBuilder.Build();
        await host.StartAsync();
        var clients = host.Services.GetRequiredService<IHttpClientFactory>();
        async Task<string> Get(string client, int port)
        {
            try
            {
                return await clients.CreateClient(client).GetStringAsync(new Uri($"https://127.0.0.1:{port}/"));
            }
            catch (HttpRequestException e)
            {
                return "refused: " + e.InnerException?.Message;
            }
        }
        // PeerVerified and PeerRejected on the HttpClient path; WeakenedContext when the lenient context is built,
        // StrictOnlyFailure when it accepts a strict-only failure.
        Assert.Equal("unverified", await Get("partner", good));
        Assert.StartsWith("refused", await Get("partner", strangers), StringComparison.Ordinal);
        Assert.Equal("unverified", await Get("lenient", lax));

        // Reloaded and ReloadFailed: the container's context reloads its files on request.
        var provider = host.Services.GetRequiredService<TlsContextProvider>();
        File.WriteAllText(caFile, "-----BEGIN CERTIFICATE-----\nMIIB");
        Assert.False(provider.Get("partner").Reload());
        File.WriteAllText(caFile, rootPem);
        Assert.True(provider.Get("partner").Reload());

        // ContextRebuildFailed and ContextRebuilt: the options change (a reloaded configuration).
        var configuration = (IConfigurationRoot)host.Services.GetRequiredService<IConfiguration>();
        configuration["Certitude:Partner:CaFile"] = Path.Combine(Dir, "missing.pem");
        configuration.Reload();
        configuration["Certitude:Partner:CaFile"] = caFile2;
        configuration.Reload();
        Assert.Equal("unverified", await Get("partner", good));

        // PeerCertificateMissing: an SslStream server (Certitude.Tls alone) requiring a client certificate.
        var direct = AdapterRegressionTests.ServerContext(pki);
        direct.UseCertificate(TlsTests.WithKey(pki.ServerLeaf));
        direct.LoggerFactory = factory;
        await using (var server = new LoopbackTlsServer(async (s, ct) => await direct.AuthenticateAsServerAsync(s, ct)))
        {
            using var tcp = new TcpClient();
            await tcp.ConnectAsync(IPAddress.Loopback, server.Port);
            try
            {
                await using var tls = await AdapterRegressionTests.ClientContext(pki, withCertificate: false).AuthenticateAsClientAsync(tcp.GetStream(), "localhost");
                await tls.ReadExactlyAsync(new byte[1]);
            }
            catch (Exception e) when (e is IOException or System.Security.Authentication.AuthenticationException)
            {
                // The server refuses the handshake; the client may or may not see it before reading.
            }
            for (var deadline = DateTime.UtcNow.AddSeconds(10); !logs.Lines.Any(l => l.EventId.Name == "PeerCertificateMissing") && DateTime.UtcNow < deadline;)
            {
                await Task.Delay(50);
            }
        }

        // Kestrel: ClientAuthenticated, ClientCertificateMissing, ClientCertificateRejected; ResumedSession when a
        // later connection of the same client resumes its TLS session (a host name, not an IP: .NET resumes only then).
        using (var alice = new HttpClient(AdapterRegressionTests.ClientContext(pki).CreateHttpMessageHandler()))
        {
            for (var i = 0; i < 20 && !logs.Lines.Any(l => l.EventId.Name == "ResumedSession"); i++)
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, $"https://localhost:{mutual}/");
                request.Headers.ConnectionClose = true;
                using var response = await alice.SendAsync(request);
                Assert.Equal("verified alice@example.test", await response.Content.ReadAsStringAsync());
            }
        }
        using (var anonymous = new HttpClient(AdapterRegressionTests.ClientContext(pki, withCertificate: false).CreateHttpMessageHandler()))
        {
            await Assert.ThrowsAnyAsync<HttpRequestException>(() => anonymous.GetStringAsync($"https://127.0.0.1:{mutual}/"));
        }
        var otherCtx = TlsContext.CreateDefault(TlsPurpose.ServerAuthentication, TrustStore.FromCertificates([pki.Root.Cert]));
        otherCtx.UseCertificate(TlsTests.WithKey(other.ClientLeaf), [other.ClientIca.X509]);
        using (var mallory = new HttpClient(otherCtx.CreateHttpMessageHandler()))
        {
            await Assert.ThrowsAnyAsync<HttpRequestException>(() => mallory.GetStringAsync($"https://127.0.0.1:{mutual}/"));
        }

        // ForwardedCertificateIgnored: the header from 127.0.0.1, which is not a known proxy.
        using (var plain = new HttpClient(AdapterRegressionTests.ClientContext(pki, withCertificate: false).CreateHttpMessageHandler()))
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, $"https://127.0.0.1:{good}/proxied");
            request.Headers.Add("X-Client-Cert", Uri.EscapeDataString(pki.ClientLeaf.X509.ExportCertificatePem()));
            using var response = await plain.SendAsync(request);
            Assert.NotEqual(HttpStatusCode.OK, response.StatusCode);
        }

        // IntermediateFetched: a server sending its leaf alone, the issuer fetched from its caIssuers URL.
        await using (var http = new LoopbackHttpServer())
        {
            var url = http.Url("/ica.der");
            var ica = TestPki.Ca(pki.Root, "CN=Log Events AIA Intermediate", spec: TestPki.Live());
            var aiaLeaf = TestPki.Leaf(ica, ["aia.test"], TestPki.Live(new CertSpec { Extra = [new X509AuthorityInformationAccessExtension(null, [url])] }));
            http.Route("/ica.der", new(200, ica.X509.RawData));
            await using var server = LoopbackTlsServer.Plain(TlsTests.WithKey(aiaLeaf), []);
            var fetching = TlsContext.CreateDefault(TlsPurpose.ServerAuthentication, TrustStore.FromCertificates([pki.Root.Cert]));
            fetching.IntermediateFetcher = new IntermediateFetcher(new IntermediateFetchOptions { TimeBudget = TimeSpan.FromSeconds(15) });
            fetching.LoggerFactory = factory;
            using var tcp = new TcpClient();
            await tcp.ConnectAsync(IPAddress.Loopback, server.Port);
            await using var tls = await fetching.AuthenticateAsClientAsync(tcp.GetStream(), "aia.test");
        }
        await host.StopAsync();
        await app.StopAsync();

        output.WriteLine(logs.ToString());
        var seen = logs.Lines.ToList();
        var missing = Documented().Where(d => !seen.Any(l => l.Category == d.Category && l.EventId.Id == d.Id && l.EventId.Name == d.Name && l.Level == d.Level)).ToList();
        Assert.True(missing.Count == 0, "documented but not seen written on its path: " + string.Join(", ", missing));
        // The HttpClient path writes PeerVerified (the issue found it missing there).
        Assert.Contains(seen, l => l.EventId.Name == "PeerVerified" && (string?)l.State.GetValueOrDefault("Peer") == "127.0.0.1");
    }
}
