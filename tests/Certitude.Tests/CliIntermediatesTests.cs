using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Xunit;

namespace Certitude.Tests;

/// <summary><c>certitude connect</c> and <c>verify</c> against a server that sends its leaf alone (openssl s_server),
/// with the intermediate published on a loopback caIssuers URL: the diagnosis without options, the repair with
/// <c>--fetch-intermediates</c>, and a supplied bundle (<c>--intermediates</c>) completing the chain offline.</summary>
[Collection("console")]
public sealed class CliIntermediatesTests() : TempFolderTests("certitude-aia-")
{
    private static int FreePort()
    {
        var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        int port = ((IPEndPoint)l.LocalEndpoint).Port;
        l.Stop();
        return port;
    }

    [Fact]
    public async Task ConnectToALeafOnlyOpenSslServerWithAndWithoutFetchingAndWithASuppliedBundle()
    {
        Assert.True(File.Exists("/usr/bin/openssl"), "the openssl command is required for this test");
        await using var http = new LoopbackHttpServer();
        var url = http.Url("/ica.der");
        var root = TestPki.Root("CN=CLI AIA Root", TestPki.Live());
        var ica = TestPki.Ca(root, "CN=CLI AIA Intermediate", spec: TestPki.Live());
        var leaf = TestPki.Leaf(ica, ["aia.test"], TestPki.Live(new CertSpec { Extra = [new X509AuthorityInformationAccessExtension(null, [url])] }));
        http.Route("/ica.der", new(200, ica.X509.RawData));
        var rootFile = Write("root.pem", root.X509.ExportCertificatePem());
        var leafFile = Write("leaf.pem", leaf.X509.ExportCertificatePem());
        var keyFile = Write("leaf.key", ((ECDsa)leaf.Key).ExportPkcs8PrivateKeyPem());
        var bundle = Write("intermediates.pem", ica.X509.ExportCertificatePem());
        int port = FreePort();
        // The leaf alone: no -cert_chain, no -build_chain.
        var psi = new ProcessStartInfo("/usr/bin/openssl") { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true };
        foreach (var a in new[] { "s_server", "-accept", $"127.0.0.1:{port}", "-cert", leafFile, "-key", keyFile, "-www", "-quiet" })
        {
            psi.ArgumentList.Add(a);
        }
        using var server = Process.Start(psi)!;
        _ = server.StandardOutput.ReadToEndAsync();
        _ = server.StandardError.ReadToEndAsync();
        try
        {
            await WaitForListener(port, server);
            var target = $"127.0.0.1:{port}";

            var plain = CliCommandTests.InProcess("connect", target, "--servername", "aia.test", "--cafile", rootFile, "--json");
            Assert.Equal(1, plain.Exit);
            using (var json = JsonDocument.Parse(plain.Out))
            {
                var v = json.RootElement.GetProperty("verification");
                Assert.Equal(20, v.GetProperty("code").GetInt32());
                Assert.Contains(url, v.GetProperty("message").GetString(), StringComparison.Ordinal);
                var ic = v.GetProperty("incomplete_chain");
                Assert.Equal(url, ic.GetProperty("ca_issuers")[0].GetString());
                Assert.Equal(ica.X509.Subject, ic.GetProperty("missing_issuer").GetString());
                Assert.False(ic.GetProperty("repaired").GetBoolean());
                Assert.Equal(0, ic.GetProperty("fetches").GetArrayLength());
            }
            var text = CliCommandTests.InProcess("connect", target, "--servername", "aia.test", "--cafile", rootFile);
            Assert.Equal(1, text.Exit);
            Assert.Contains($"is published at {url}", text.Out, StringComparison.Ordinal);
            Assert.Equal(0, http.TotalHits);

            var fetched = CliCommandTests.InProcess("connect", target, "--servername", "aia.test", "--cafile", rootFile, "--fetch-intermediates", "--json");
            Assert.Equal(0, fetched.Exit);
            using (var json = JsonDocument.Parse(fetched.Out))
            {
                var v = json.RootElement.GetProperty("verification");
                Assert.True(v.GetProperty("verified").GetBoolean());
                Assert.Equal(3, v.GetProperty("path").GetArrayLength());
                Assert.True(v.GetProperty("incomplete_chain").GetProperty("repaired").GetBoolean());
                var warning = v.GetProperty("warnings").EnumerateArray().Single(w => w.GetProperty("rule_id").GetString() == "aia-fetched");
                Assert.Contains($"fetched from {url}", warning.GetProperty("message").GetString(), StringComparison.Ordinal);
            }
            Assert.Equal(1, http.TotalHits);

            var offline = CliCommandTests.InProcess("connect", target, "--servername", "aia.test", "--cafile", rootFile, "--intermediates", bundle, "--json");
            Assert.Equal(0, offline.Exit);
            using (var json = JsonDocument.Parse(offline.Out))
            {
                var v = json.RootElement.GetProperty("verification");
                Assert.True(v.GetProperty("verified").GetBoolean());
                Assert.Equal(JsonValueKind.Null, v.GetProperty("incomplete_chain").ValueKind);
                Assert.Equal(0, v.GetProperty("warnings").GetArrayLength());
            }
            Assert.Equal(1, http.TotalHits);

            // verify, from files: the same three ways.
            Assert.Equal(1, CliCommandTests.InProcess("verify", leafFile, "--cafile", rootFile, "--host", "aia.test").Exit);
            var verified = CliCommandTests.InProcess("verify", leafFile, "--cafile", rootFile, "--host", "aia.test", "--fetch-intermediates");
            Assert.Equal(0, verified.Exit);
            Assert.Contains($"fetched from {url}", verified.Out, StringComparison.Ordinal);
            Assert.Equal(0, CliCommandTests.InProcess("verify", leafFile, "--cafile", rootFile, "--host", "aia.test", "--intermediates", Dir).Exit);
        }
        finally
        {
            server.Kill();
            server.WaitForExit();
        }
    }

    private static async Task WaitForListener(int port, Process server)
    {
        var until = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            Assert.False(server.HasExited, "openssl s_server exited");
            try
            {
                using var tcp = new TcpClient();
                await tcp.ConnectAsync(IPAddress.Loopback, port);
                return;
            }
            catch (SocketException) when (DateTime.UtcNow < until)
            {
                await Task.Delay(100);
            }
        }
    }
}
