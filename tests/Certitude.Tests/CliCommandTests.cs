using System.Diagnostics;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Xunit;

namespace Certitude.Tests;

[CollectionDefinition("console", DisableParallelization = true)]
public sealed class ConsoleCollection;

/// <summary>The certitude commands, run in-process (Program.Main with the console captured) and as the built executable.</summary>
[Collection("console")]
public sealed class CliCommandTests() : TempFolderTests("certitude-cli-")
{
    internal static (int Exit, string Out, string Err) InProcess(params string[] args)
    {
        var o = new StringWriter();
        var e = new StringWriter();
        var oldOut = Console.Out;
        var oldErr = Console.Error;
        Console.SetOut(o);
        Console.SetError(e);
        try
        {
            return (Certitude.Cli.Program.Main(args), o.ToString(), e.ToString());
        }
        finally
        {
            Console.SetOut(oldOut);
            Console.SetError(oldErr);
        }
    }

    internal static (int Exit, string Out, string Err) Executable(params string[] args) => ProcessRunner.Certitude(args);

    /// <summary>A corpus chain written to files: leaf, intermediates, roots; and its validation time.</summary>
    private (string Leaf, string Chain, string Roots, string Time, string Host) CorpusChain(string id)
    {
        using var doc = Corpus.Load("limbo.json");
        var t = doc.RootElement.GetProperty("testcases").EnumerateArray().Single(x => x.GetProperty("id").GetString() == id);
        string Write(string name, IEnumerable<string> pems)
        {
            var path = Path.Combine(Dir, name);
            File.WriteAllText(path, string.Concat(pems));
            return path;
        }
        return (Write("leaf.pem", [t.GetProperty("peer_certificate").GetString()!]),
            Write("chain.pem", t.GetProperty("untrusted_intermediates").EnumerateArray().Select(e => e.GetString()!)),
            Write("roots.pem", t.GetProperty("trusted_certs").EnumerateArray().Select(e => e.GetString()!)),
            t.GetProperty("validation_time").GetString()!, t.GetProperty("expected_peer_name").GetProperty("value").GetString()!);
    }

    [Fact]
    public void VerifyOnASelfSignedLeafThatIsNotTrustedReportsSelfSigned()
    {
        // Issue 21: `certitude verify self.pem` on a self-signed leaf reported 77 (signature algorithm and issuer key
        // algorithm mismatch) naming an unrelated store certificate that shares its subject; OpenSSL reports 18.
        using var key = System.Security.Cryptography.ECDsa.Create(System.Security.Cryptography.ECCurve.NamedCurves.nistP256);
        var req = new CertificateRequest("CN=Cli Shared Subject", key, System.Security.Cryptography.HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddDnsName("example.com");
        req.CertificateExtensions.Add(san.Build());
        req.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        req.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new System.Security.Cryptography.Oid("1.3.6.1.5.5.7.3.1")], false));
        using var self = req.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
        var selfFile = Path.Combine(Dir, "self.pem");
        File.WriteAllText(selfFile, self.ExportCertificatePem());
        // The store holds an RSA root of the same subject (not the leaf's issuer) and an unrelated root.
        var storeFile = Path.Combine(Dir, "store.pem");
        File.WriteAllText(storeFile, TestPki.Root("CN=Cli Shared Subject", new CertSpec { Key = System.Security.Cryptography.RSA.Create(2048) }).X509.ExportCertificatePem()
            + TestPki.Root("CN=Cli Unrelated Root").X509.ExportCertificatePem());
        foreach (var run in new Func<string[], (int, string, string)>[] { InProcess, Executable })
        {
            var plain = run(["verify", selfFile, "--cafile", storeFile]);
            Assert.Equal(1, plain.Item1);
            Assert.Contains("error 18 ", plain.Item2, StringComparison.Ordinal);
            var json = run(["verify", selfFile, "--cafile", storeFile, "--json"]);
            Assert.Equal(1, json.Item1);
            using var doc = JsonDocument.Parse(json.Item2);
            Assert.Equal(18, doc.RootElement.GetProperty("code").GetInt32());
        }
    }

    [Fact]
    public void VerifyExitCodesAndJsonInProcessAndAsExecutable()
    {
        var (leaf, chain, roots, time, host) = CorpusChain("online::cloudflare.com");
        foreach (var run in new Func<string[], (int, string, string)>[] { InProcess, Executable })
        {
            var ok = run(["verify", leaf, "--untrusted", chain, "--cafile", roots, "--host", host, "--at", time, "--json"]);
            Assert.Equal(0, ok.Item1);
            using (var json = JsonDocument.Parse(ok.Item2))
            {
                Assert.True(json.RootElement.GetProperty("verified").GetBoolean());
                Assert.Equal(0, json.RootElement.GetProperty("code").GetInt32());
                Assert.Equal(3, json.RootElement.GetProperty("path").GetArrayLength());
            }
            var wrongHost = run(["verify", leaf, "--untrusted", chain, "--cafile", roots, "--host", "example.org", "--at", time, "--json"]);
            Assert.Equal(1, wrongHost.Item1);
            using (var json = JsonDocument.Parse(wrongHost.Item2))
            {
                Assert.Equal(62, json.RootElement.GetProperty("code").GetInt32());
                Assert.Equal("hostname mismatch", json.RootElement.GetProperty("code_text").GetString());
            }
            var missing = run(["verify", leaf, "--cafile", roots, "--host", host, "--at", time, "--explain"]);
            Assert.Equal(1, missing.Item1);
            Assert.Contains("error 20", missing.Item2, StringComparison.Ordinal);
            var unreadable = run(["verify", Path.Combine(Dir, "nope.pem")]);
            Assert.Equal(2, unreadable.Item1);
            Assert.Contains("nope.pem", unreadable.Item3, StringComparison.Ordinal);
            Assert.Equal(2, run(["verify", leaf, "--no-such-option"]).Item1);
            Assert.Equal(2, run(["verify", leaf, "--at", "yesterday-ish"]).Item1);
        }
    }

    [Fact]
    public async Task ConnectAgainstALocalServer()
    {
        var live = TestPki.Live();
        var root = TestPki.Root("CN=Connect Root", live);
        var leaf = TestPki.Leaf(root, ["connect.test"], live);
        var rootFile = Path.Combine(Dir, "root.pem");
        File.WriteAllText(rootFile, root.X509.ExportCertificatePem());
        await using var server = LoopbackTlsServer.Plain(TlsTests.WithKey(leaf), []);
        var ok = InProcess("connect", $"127.0.0.1:{server.Port}", "--servername", "connect.test", "--cafile", rootFile, "--json");
        Assert.Equal(0, ok.Exit);
        using (var json = JsonDocument.Parse(ok.Out))
        {
            Assert.Equal("connect.test", json.RootElement.GetProperty("sni").GetString());
            Assert.True(json.RootElement.GetProperty("verification").GetProperty("verified").GetBoolean());
            Assert.StartsWith("Tls", json.RootElement.GetProperty("protocol").GetString(), StringComparison.Ordinal);
        }
        var wrong = Executable("connect", $"127.0.0.1:{server.Port}", "--servername", "other.test", "--cafile", rootFile);
        Assert.Equal(1, wrong.Exit);
        Assert.Contains("hostname mismatch", wrong.Out, StringComparison.Ordinal);
        var closedPort = new TcpListener(IPAddress.Loopback, 0);
        closedPort.Start();
        int port = ((IPEndPoint)closedPort.LocalEndpoint).Port;
        closedPort.Stop();
        Assert.Equal(3, InProcess("connect", $"127.0.0.1:{port}", "--cafile", rootFile, "--timeout", "3").Exit);
    }

    [Fact]
    public void RehashMatchesOpenSslLinkNamesAndIsReadableByTheTrustStore()
    {
        Assert.True(File.Exists("/usr/bin/openssl"), "the openssl command is required for the comparison");
        var roots = Enumerable.Range(0, 5).Select(i => TestPki.Root($"CN=Rehash Root {i}, O=Certitude")).ToList();
        var mine = Path.Combine(Dir, "mine");
        var theirs = Path.Combine(Dir, "theirs");
        Directory.CreateDirectory(mine);
        Directory.CreateDirectory(theirs);
        for (int i = 0; i < roots.Count; i++)
        {
            File.WriteAllText(Path.Combine(mine, $"root{i}.pem"), roots[i].X509.ExportCertificatePem());
            File.WriteAllText(Path.Combine(theirs, $"root{i}.pem"), roots[i].X509.ExportCertificatePem());
        }
        Assert.Equal(0, Executable("rehash", mine).Exit);
        Assert.Equal(0, ProcessRunner.OpenSsl(["rehash", theirs]).Exit);
        static string[] Links(string d) => Directory.EnumerateFiles(d).Select(Path.GetFileName).Where(n => !n!.EndsWith(".pem", StringComparison.Ordinal)).Order(StringComparer.Ordinal).ToArray()!;
        Assert.Equal(Links(theirs), Links(mine));
        Assert.Equal(5, Links(mine).Length);
        var store = TrustStore.FromDirectory(mine);
        Assert.All(roots, r => Assert.True(store.Contains(r.Cert)));
    }

    [Fact]
    public void InspectAndAuditReportJson()
    {
        var (leaf, chain, roots, time, _) = CorpusChain("online::fastly.com");
        var bundle = Path.Combine(Dir, "bundle.pem");
        File.WriteAllText(bundle, File.ReadAllText(leaf) + File.ReadAllText(chain));
        // inspect shows the certificates it read (exit 0) and the chain it built, verified or not.
        var inspect = InProcess("inspect", bundle, "--cafile", roots, "--at", time, "--json");
        Assert.True(inspect.Exit == 0, inspect.Out + inspect.Err);
        using (var json = JsonDocument.Parse(inspect.Out))
        {
            var c = json.RootElement.GetProperty("certificates")[0];
            Assert.Equal(64, c.GetProperty("sha256").GetString()!.Length);
            Assert.Equal(8, c.GetProperty("subject_hash").GetString()!.Length);
            Assert.True(c.GetProperty("extensions").GetArrayLength() > 3);
            Assert.Contains("serverAuth", c.GetProperty("extended_key_usage").EnumerateArray().Select(e => e.GetString()));
            Assert.True(json.RootElement.GetProperty("chain").GetProperty("verified").GetBoolean());
        }
        // Dates are plain ISO 8601 in the text itself, not "\u002B00:00".
        Assert.Matches("\"not_after\": \"\\d{4}-\\d\\d-\\d\\dT[0-9:.]+\\+00:00\"", inspect.Out);
        Assert.DoesNotContain("\\u002B", inspect.Out, StringComparison.Ordinal);
        // Without its intermediate the chain does not verify; the certificate is still shown, and inspect exits 0.
        var lone = InProcess("inspect", leaf, "--cafile", roots, "--at", time);
        Assert.Equal(0, lone.Exit);
        Assert.Contains("verification failed: error 20", lone.Out, StringComparison.Ordinal);
        var audit = InProcess("audit", bundle, "--cafile", roots, "--json");
        using var aj = JsonDocument.Parse(audit.Out);
        Assert.Equal(1, aj.RootElement.GetProperty("results").GetArrayLength());
        var summary = aj.RootElement.GetProperty("summary");
        Assert.Equal(1, summary.GetProperty("strict").GetInt32() + summary.GetProperty("lax_only").GetInt32() + summary.GetProperty("fails").GetInt32());
    }

    [Fact]
    public void DemoShowsEveryScenarioAndExitsZero()
    {
        var demo = Executable("demo", "--json");
        Assert.True(demo.Exit == 0, demo.Err + demo.Out);
        using var json = JsonDocument.Parse(demo.Out);
        var names = json.RootElement.EnumerateArray().Select(r => r.GetProperty("scenario").GetString()).ToHashSet();
        foreach (var s in new[]
        {
            "valid chain", "expired", "not yet valid", "wrong host", "self-signed leaf", "untrusted root", "missing intermediate",
            "intermediate as partial-chain anchor", "revoked (CRL)", "RSA-1024 leaf", "SHA-1 signed leaf", "wildcard", "partial wildcard",
            "wildcard over a public suffix", "Unicode host", "IP-address host", "CN-only certificate", "name-constraint violation", "CA certificate as leaf",
        })
        {
            Assert.Contains(s, names);
        }
        Assert.All(json.RootElement.EnumerateArray(), r => Assert.True(r.GetProperty("as_expected").GetBoolean(), r.GetProperty("scenario").GetString()));
        var text = Executable("demo");
        Assert.Equal(0, text.Exit);
        Assert.Contains("19/19", text.Out, StringComparison.Ordinal);
    }

    [Fact]
    public void HelpDocumentsTheExitCodes()
    {
        var help = Executable("--help");
        Assert.Equal(0, help.Exit);
        Assert.Contains("0 verified, 1 verification failure, 2 bad usage or unreadable input, 3 network failure", help.Out, StringComparison.Ordinal);
    }
}
