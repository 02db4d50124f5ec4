using Certitude.AspNetCore;
using Certitude.Tls;
using Xunit;
using Xunit.Abstractions;

namespace Certitude.Tests;

/// <summary>Issue 20: "Library users without DI get the same through an explicit reload API on the context": a client
/// certificate rotated on disk and picked up by <see cref="TlsContext.Reload"/> is presented on new connections.</summary>
public sealed class ClientCertificateRotationTests(ITestOutputHelper output) : TempFolderTests("certitude-rotation-")
{
    [Fact]
    public async Task WithoutDependencyInjectionAReloadedClientCertificateIsPresentedOnNewConnections()
    {
        // The server (Kestrel, Certitude verifying clients) trusts the roots of CA-A and CA-B and answers with the
        // verified client's e-mail address. The client's first certificate is under an intermediate of CA-A (sent
        // with it: the server holds only the root); the rotated one is directly under CA-B.
        var server = AdapterRegressionTests.Pki("Rotation Server");
        var caA = TestPki.Root("CN=Rotation CA-A", TestPki.Live());
        var icaA = TestPki.Ca(caA, "CN=Rotation CA-A Intermediate", spec: TestPki.Live());
        var caB = TestPki.Root("CN=Rotation CA-B", TestPki.Live());
        Issued Client(Issued issuer, string who) => TestPki.Leaf(issuer, spec: TestPki.Live(new CertSpec { Subject = $"CN={who}", Emails = [who], Ekus = ["1.3.6.1.5.5.7.3.2"] }));
        var alice = Client(icaA, "alice@a.example");
        var bob = Client(caB, "bob@b.example");
        var serverCtx = TlsContext.CreateDefault(TlsPurpose.ClientAuthentication, TrustStore.FromCertificates([caA.Cert, caB.Cert]));
        serverCtx.VerifyMode = VerifyMode.Required;
        var (app, ports) = await AdapterRegressionTests.StartKestrel(null, https =>
        {
            https.ServerCertificate = TlsTests.WithKey(server.ServerLeaf);
            https.UseCertitude(serverCtx);
        });
        await using (app)
        {
            var certFile = Path.Combine(Dir, "client.pem");
            var keyFile = Path.Combine(Dir, "client.key");
            File.WriteAllText(certFile, alice.X509.ExportCertificatePem() + "\n" + icaA.X509.ExportCertificatePem());
            File.WriteAllText(keyFile, ServiceSafetyTests.KeyPem(alice));
            var ctx = TlsContext.CreateDefault(TlsPurpose.ServerAuthentication, TrustStore.FromCertificates([server.Root.Cert]));
            ctx.LoadCertChain(certFile, keyFile);
            using var following = new HttpClient(ctx.CreateReloadingHttpMessageHandler());
            using var fixedHandler = new HttpClient(ctx.CreateHttpMessageHandler());
            var url = $"https://127.0.0.1:{ports[0]}/";
            async Task<string> Get(HttpClient client)
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, url);
                request.Headers.ConnectionClose = true; // a new connection per request
                using var response = await client.SendAsync(request);
                return await response.Content.ReadAsStringAsync();
            }
            Assert.Equal("verified alice@a.example", await Get(following));
            Assert.Equal("verified alice@a.example", await Get(fixedHandler));

            // Rotate on disk, then the explicit reload: new connections of the following handler present bob's.
            File.WriteAllText(certFile, bob.X509.ExportCertificatePem());
            File.WriteAllText(keyFile, ServiceSafetyTests.KeyPem(bob));
            Assert.True(ctx.Reload());
            Assert.Equal(1, ctx.Generation);
            Assert.Equal("verified bob@b.example", await Get(following));
            Assert.Equal("verified bob@b.example", await Get(following));
            // The plain SocketsHttpHandler keeps the certificate it was made with (documented).
            var snapshot = await Get(fixedHandler);
            output.WriteLine($"after the reload: following handler bob, snapshot handler {snapshot}");
            Assert.Equal("verified alice@a.example", snapshot);

            // A half-written file: the reload fails, the previous (bob's) material stays in use.
            File.WriteAllText(certFile, "-----BEGIN CERTIFICATE-----\nMIIB");
            Assert.False(ctx.Reload());
            Assert.Equal("verified bob@b.example", await Get(following));
        }
    }

    [Fact]
    public void TheReloadingHandlerRefusesAClientVerifyingContextAtOnce()
    {
        var root = TestPki.Root("CN=Rotation Misuse Root", TestPki.Live());
        var ctx = TlsContext.CreateDefault(TlsPurpose.ClientAuthentication, TrustStore.FromCertificates([root.Cert]));
        Assert.Throws<InvalidOperationException>(() => ctx.CreateReloadingHttpMessageHandler());
    }
}
