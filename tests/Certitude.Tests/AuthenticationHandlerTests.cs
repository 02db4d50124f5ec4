using System.Net;
using System.Security.Claims;
using Certitude.AspNetCore;
using Certitude.Tls;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Xunit;
using Xunit.Abstractions;

namespace Certitude.Tests;

/// <summary>Issue 20: the authentication handler's events, the mode where the handler (not the handshake) refuses a
/// client with HTTP 403 and a problem-details reason, and certificates forwarded by trusted proxies only.</summary>
public sealed class AuthenticationHandlerTests(ITestOutputHelper output)
{
    private static async Task<(WebApplication App, int Port)> Start(WebApplicationBuilder builder, Action<WebApplication> map)
    {
        var app = builder.Build();
        app.UseAuthentication();
        app.UseAuthorization();
        map(app);
        await app.StartAsync();
        return (app, new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single()).Port);
    }

    [Fact]
    public async Task EventsRunAndTheHandlerModeAnswers403WithAProblemDetailsReason()
    {
        var pki = AdapterRegressionTests.Pki("Handler");
        var serverCtx = AdapterRegressionTests.ServerContext(pki);
        serverCtx.UseCertificate(TlsTests.WithKey(pki.ServerLeaf));
        var events = new List<string>();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddAuthentication(CertitudeAuthenticationDefaults.AuthenticationScheme).AddCertitude(o =>
        {
            o.Events.OnCertificateValidated = ctx =>
            {
                lock (events)
                {
                    events.Add("validated " + ctx.Peer.CommonName);
                }
                if (ctx.Peer.EmailAddresses.Contains("alice@example.test"))
                {
                    ((ClaimsIdentity)ctx.Principal!.Identity!).AddClaim(new Claim(ClaimTypes.Role, "admin"));
                }
                return Task.CompletedTask;
            };
            o.Events.OnAuthenticationFailed = ctx =>
            {
                lock (events)
                {
                    events.Add("failed " + ctx.Reason);
                }
                return Task.CompletedTask;
            };
            o.Events.OnChallenge = ctx =>
            {
                lock (events)
                {
                    events.Add("challenge");
                }
                return Task.CompletedTask;
            };
        });
        builder.Services.AddAuthorization(a => a.AddPolicy("admins", p => p.RequireRole("admin")));
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, listen => listen.UseCertitude(serverCtx, CertitudeRejection.InHandler)));
        var (app, port) = await Start(builder, a => a.MapGet("/admin", (ClaimsPrincipal user) => "hello " + user.Identity!.Name).RequireAuthorization("admins"));
        await using (app)
        {
            using (var alice = new HttpClient(AdapterRegressionTests.ClientContext(pki).CreateHttpMessageHandler()))
            {
                Assert.Equal("hello alice@example.test", await alice.GetStringAsync($"https://127.0.0.1:{port}/admin"));
            }
            // A client of another CA completes the handshake in this mode; the handler refuses it with the reason.
            var other = AdapterRegressionTests.Pki("Handler Other");
            var ctx = AdapterRegressionTests.ClientContext(pki, withCertificate: false);
            ctx.UseCertificate(TlsTests.WithKey(other.ClientLeaf), [other.ClientIca.X509]);
            using var stranger = new HttpClient(ctx.CreateHttpMessageHandler());
            using var response = await stranger.GetAsync($"https://127.0.0.1:{port}/admin");
            var body = await response.Content.ReadAsStringAsync();
            output.WriteLine($"{(int)response.StatusCode} {response.Content.Headers.ContentType}: {body}");
            Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            using var problem = System.Text.Json.JsonDocument.Parse(body);
            Assert.Equal(403, problem.RootElement.GetProperty("status").GetInt32());
            Assert.Contains($"error {(int)VerifyCode.UnableToGetIssuerCertLocally}", problem.RootElement.GetProperty("detail").GetString(), StringComparison.Ordinal);
        }
        lock (events)
        {
            output.WriteLine(string.Join("\n", events));
            Assert.Contains("validated alice@example.test", events);
            Assert.Contains(events, e => e.StartsWith($"failed client certificate rejected: error {(int)VerifyCode.UnableToGetIssuerCertLocally}", StringComparison.Ordinal));
            Assert.Contains("challenge", events);
        }
    }

    [Fact]
    public async Task AForwardedCertificateIsBelievedFromAKnownProxyOnlyAndVerifiedLikeADirectOne()
    {
        var pki = AdapterRegressionTests.Pki("Forwarded");
        var other = AdapterRegressionTests.Pki("Forwarded Other");
        var logs = new CapturingLoggerProvider();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Logging.AddProvider(logs);
        builder.Services.AddCertitude("forwarded", o =>
        {
            o.Purpose = TlsPurpose.ClientAuthentication;
            o.CaData = pki.Root.X509.ExportCertificatePem();
        });
        builder.Services.AddAuthentication()
            .AddCertitude("untrusting", o =>
            {
                o.ForwardedCertificateHeader = "X-Client-Cert";
                o.KnownProxies.Add(IPAddress.Parse("10.9.9.9"));
                o.ForwardedCertificateContext = "forwarded";
            })
            .AddCertitude("trusting", o =>
            {
                o.ForwardedCertificateHeader = "X-Client-Cert";
                o.KnownNetworks.Add(System.Net.IPNetwork.Parse("127.0.0.0/8"));
                o.ForwardedCertificateContext = "forwarded";
            });
        builder.Services.AddAuthorization();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        var (app, port) = await Start(builder, a =>
        {
            a.MapGet("/untrusting", (ClaimsPrincipal user) => "hello " + user.Identity!.Name).RequireAuthorization(new AuthorizeAttribute { AuthenticationSchemes = "untrusting" });
            a.MapGet("/trusting", (ClaimsPrincipal user) => "hello " + user.Identity!.Name).RequireAuthorization(new AuthorizeAttribute { AuthenticationSchemes = "trusting" });
        });
        await using (app)
        {
            using var http = new HttpClient();
            async Task<(HttpStatusCode, string)> Get(string path, Issued leaf, Issued ica)
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, $"http://127.0.0.1:{port}{path}");
                request.Headers.Add("X-Client-Cert", Uri.EscapeDataString(leaf.X509.ExportCertificatePem() + "\n" + ica.X509.ExportCertificatePem()));
                using var response = await http.SendAsync(request);
                return (response.StatusCode, await response.Content.ReadAsStringAsync());
            }
            var ignored = await Get("/untrusting", pki.ClientLeaf, pki.ClientIca);
            var believed = await Get("/trusting", pki.ClientLeaf, pki.ClientIca);
            var verified = await Get("/trusting", other.ClientLeaf, other.ClientIca);
            output.WriteLine($"unknown proxy: {ignored}; known proxy: {believed}; known proxy, other CA: {verified}");
            Assert.NotEqual(HttpStatusCode.OK, ignored.Item1);
            Assert.DoesNotContain("alice", ignored.Item2, StringComparison.Ordinal);
            Assert.Equal((HttpStatusCode.OK, "hello alice@example.test"), believed);
            Assert.Equal(HttpStatusCode.Forbidden, verified.Item1);
            Assert.Contains($"error {(int)VerifyCode.UnableToGetIssuerCertLocally}", verified.Item2, StringComparison.Ordinal);
        }
        Assert.Contains(logs.Lines, l => l.EventId.Name == "ForwardedCertificateIgnored");
    }
}
