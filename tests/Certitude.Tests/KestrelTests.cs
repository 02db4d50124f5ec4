using System.Net;
using Certitude.AspNetCore;
using Certitude.Tls;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Xunit;

namespace Certitude.Tests;

/// <summary>HttpClient with Certitude against a local Kestrel server on 127.0.0.1.</summary>
[Trait(CryptoPaths.Trait, CryptoPaths.Both)]
public sealed class KestrelTests
{

    private static CertSpec Live(CertSpec? s = null) => TestPki.Live(s);

    private static async Task<(WebApplication App, int Port)> StartKestrel(Issued serverLeaf, TlsContext? clientVerification = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        if (Environment.GetEnvironmentVariable("CERTITUDE_DEBUG_KESTREL") == "1")
        {
            builder.Logging.AddSimpleConsole();
            builder.Logging.SetMinimumLevel(LogLevel.Debug);
        }
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, listen => listen.UseHttps(https =>
        {
            https.ServerCertificate = TlsTests.WithKey(serverLeaf);
            if (clientVerification is not null)
            {
                https.UseCertitude(clientVerification);
            }
        })));
        var app = builder.Build();
        app.MapGet("/", (HttpContext ctx) =>
        {
            var peer = ctx.GetCertitudePeer();
            return peer?.Certificate is null ? "hello anonymous" : "hello " + string.Join(",", peer.EmailAddresses);
        });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        return (app, new Uri(address).Port);
    }

    [Fact]
    public async Task HttpClientVerifiesKestrelWithTheTrustedRootAndRefusesWithout()
    {
        var root = TestPki.Root("CN=Kestrel Root", Live());
        var leaf = TestPki.Leaf(root, spec: Live(new CertSpec { Subject = "CN=127.0.0.1", Ips = ["127.0.0.1"] }));
        var (app, port) = await StartKestrel(leaf);
        await using (app)
        {
            var trusting = TlsContext.CreateDefault(TlsPurpose.ServerAuthentication, TrustStore.FromCertificates([root.Cert]));
            using (var client = new HttpClient(trusting.CreateHttpMessageHandler()))
            {
                Assert.Equal("hello anonymous", await client.GetStringAsync($"https://127.0.0.1:{port}/"));
            }
            var other = TlsContext.CreateDefault(TlsPurpose.ServerAuthentication, TrustStore.FromCertificates([TestPki.Root("CN=Other", Live()).Cert]));
            using (var client = new HttpClient(other.CreateHttpMessageHandler()))
            {
                var e = await Assert.ThrowsAsync<HttpRequestException>(() => client.GetStringAsync($"https://127.0.0.1:{port}/"));
                Assert.IsType<System.Security.Authentication.AuthenticationException>(e.InnerException, exactMatch: false);
            }
        }
    }

    [Fact]
    public async Task KestrelMutualTlsThroughTheAdapterExposesTheClientIdentity()
    {
        var root = TestPki.Root("CN=Kestrel mTLS Root", Live());
        var serverLeaf = TestPki.Leaf(root, spec: Live(new CertSpec { Subject = "CN=127.0.0.1", Ips = ["127.0.0.1"] }));
        var clientLeaf = TestPki.Leaf(root, spec: Live(new CertSpec { Subject = "CN=bob@example.test", Emails = ["bob@example.test"], Ekus = ["1.3.6.1.5.5.7.3.2"] }));
        var serverCtx = TlsContext.CreateDefault(TlsPurpose.ClientAuthentication, TrustStore.FromCertificates([root.Cert]));
        serverCtx.VerifyMode = VerifyMode.Required;
        var (app, port) = await StartKestrel(serverLeaf, serverCtx);
        await using (app)
        {
            // Registered the way an application would: through IHttpClientFactory.
            var services = new ServiceCollection();
            var clientCtx = TlsContext.CreateDefault(TlsPurpose.ServerAuthentication, TrustStore.FromCertificates([root.Cert]));
            clientCtx.UseCertificate(TlsTests.WithKey(clientLeaf));
            services.AddHttpClient("mtls").UseCertitude(clientCtx);
            using var provider = services.BuildServiceProvider();
            var client = provider.GetRequiredService<IHttpClientFactory>().CreateClient("mtls");
            Assert.Equal("hello bob@example.test", await client.GetStringAsync($"https://127.0.0.1:{port}/"));

            // Without a client certificate the connection is refused.
            using var anonymous = new HttpClient(TlsContext.CreateDefault(TlsPurpose.ServerAuthentication, TrustStore.FromCertificates([root.Cert])).CreateHttpMessageHandler());
            await Assert.ThrowsAnyAsync<HttpRequestException>(() => anonymous.GetStringAsync($"https://127.0.0.1:{port}/"));
        }
    }
}
