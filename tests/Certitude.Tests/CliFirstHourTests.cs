using System.Diagnostics;
using System.Formats.Asn1;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Xunit;

namespace Certitude.Tests;

/// <summary>The certitude command as a new user meets it in the first hour: client certificates refused by a server,
/// one error rule (one line, exit codes, a JSON error document), CA certificates, inspect's decoded values, targets as
/// users type them, and "did you mean" (issue 22).</summary>
[Collection("console")]
public sealed class CliFirstHourTests() : TempFolderTests("certitude-hour-")
{
    private static (int Exit, string Out, string Err) InProcess(params string[] args) => CliCommandTests.InProcess(args);

    private static (int Exit, string Out, string Err) Executable(params string[] args) => ProcessRunner.Certitude(args);

    private static string KeyPem(Issued i) => i.Key switch
    {
        ECDsa ec => ec.ExportPkcs8PrivateKeyPem(),
        RSA rsa => rsa.ExportPkcs8PrivateKeyPem(),
        _ => throw new NotSupportedException(),
    };

    /// <summary>A message a user reads: one line starting "certitude: ", no stack trace.</summary>
    private static void OneLine(string stderr, string expected)
    {
        var lines = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(lines.Length == 1, "expected one line, got:\n" + stderr);
        Assert.StartsWith("certitude: ", lines[0], StringComparison.Ordinal);
        Assert.Contains(expected, lines[0], StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", stderr, StringComparison.Ordinal);
    }

    /// <summary>openssl s_server on a loopback port, requiring a client certificate issued under clientRoot.</summary>
    private sealed class OpenSslServer : IDisposable
    {
        private readonly Process _process;

        public int Port { get; }

        public OpenSslServer(string dir, Issued server, Issued clientRoot)
        {
            Assert.True(File.Exists("/usr/bin/openssl"), "the openssl command is required for this test");
            var cert = Path.Combine(dir, "server.pem");
            var key = Path.Combine(dir, "server.key");
            var ca = Path.Combine(dir, "client-root.pem");
            File.WriteAllText(cert, server.X509.ExportCertificatePem());
            File.WriteAllText(key, KeyPem(server));
            File.WriteAllText(ca, clientRoot.X509.ExportCertificatePem());
            var probe = new TcpListener(IPAddress.Loopback, 0);
            probe.Start();
            Port = ((IPEndPoint)probe.LocalEndpoint).Port;
            probe.Stop();
            var psi = new ProcessStartInfo("/usr/bin/openssl") { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true };
            foreach (var a in new[] { "s_server", "-accept", $"127.0.0.1:{Port}", "-cert", cert, "-key", key, "-CAfile", ca, "-Verify", "1", "-verify_return_error", "-naccept", "1" })
            {
                psi.ArgumentList.Add(a);
            }
            _process = Process.Start(psi)!;
            _process.ErrorDataReceived += (_, _) => { };
            _process.BeginErrorReadLine();
            // s_server prints ACCEPT once it listens.
            var ready = Task.Run(() =>
            {
                string? line;
                while ((line = _process.StandardOutput.ReadLine()) is not null && !line.Contains("ACCEPT", StringComparison.Ordinal))
                {
                }
                _ = _process.StandardOutput.ReadToEndAsync();
            });
            Assert.True(ready.Wait(60_000), "openssl s_server did not start");
        }

        public void Dispose()
        {
            if (!_process.HasExited)
            {
                _process.Kill();
            }
            _process.WaitForExit();
            _process.Dispose();
        }
    }

    // Item 2: the server's refusal of the client certificate is detected (TLS 1.3 refuses after the handshake).
    [Fact]
    public void ConnectReportsTheServersRefusalOfTheClientCertificate()
    {
        var live = TestPki.Live();
        var serverRoot = TestPki.Root("CN=Hour Server Root", live);
        var server = TestPki.Leaf(serverRoot, ["localhost"], live);
        var clientRoot = TestPki.Root("CN=Hour Client Root", live);
        var clientIca = TestPki.Ca(clientRoot, "CN=Hour Client ICA", spec: live);
        var client = TestPki.Leaf(clientIca, ["client.test"], TestPki.Live(new CertSpec { Ekus = ["1.3.6.1.5.5.7.3.2"] }));
        var trust = Write("server-root.pem", serverRoot.X509.ExportCertificatePem());
        var leafOnly = Write("client-leaf.pem", client.X509.ExportCertificatePem());
        var fullChain = Write("client-chain.pem", client.X509.ExportCertificatePem() + "\n" + clientIca.X509.ExportCertificatePem());
        var key = Write("client.key", KeyPem(client));
        (int Exit, string Out, string Err) Connect(params string[] extra)
        {
            using var s = new OpenSslServer(Dir, server, clientRoot);
            return Executable(["connect", $"127.0.0.1:{s.Port}", "--servername", "localhost", "--cafile", trust, "--timeout", "30", .. extra]);
        }

        // TLS 1.3, the leaf without its intermediate: the server cannot chain it (unknown_ca), after the client's handshake ended.
        var noIntermediate = Connect("--cert", leafOnly, "--key", key, "--min-tls", "1.3", "--json");
        Assert.True(noIntermediate.Exit == 4, noIntermediate.Out + noIntermediate.Err);
        OneLine(noIntermediate.Err, "the server refused the client certificate: TLS alert unknown_ca");
        using (var json = JsonDocument.Parse(noIntermediate.Out))
        {
            Assert.True(json.RootElement.GetProperty("verification").GetProperty("verified").GetBoolean());
            var error = json.RootElement.GetProperty("error");
            Assert.Equal("client_certificate_refused", error.GetProperty("kind").GetString());
            Assert.Equal("unknown_ca", error.GetProperty("alert").GetString());
            Assert.Equal(4, error.GetProperty("exit_code").GetInt32());
        }
        // TLS 1.3 without a client certificate: certificate_required.
        var none = Connect("--min-tls", "1.3");
        Assert.True(none.Exit == 4, none.Out + none.Err);
        OneLine(none.Err, "TLS alert certificate_required");
        Assert.DoesNotContain("verified: OK", none.Out.Split('\n').Last(l => l.Length > 0), StringComparison.Ordinal);
        // TLS 1.3 with the chain: accepted.
        var ok = Connect("--cert", fullChain, "--key", key, "--min-tls", "1.3");
        Assert.True(ok.Exit == 0, ok.Out + ok.Err);
        // TLS 1.2: the refusal ends the handshake; the message names the alert, not the TLS version.
        var tls12 = Connect("--cert", leafOnly, "--key", key, "--max-tls", "1.2");
        Assert.True(tls12.Exit == 4, tls12.Out + tls12.Err);
        OneLine(tls12.Err, "the server refused the client certificate: TLS alert unknown_ca");
        var tls12None = Connect("--max-tls", "1.2");
        Assert.True(tls12None.Exit == 3, tls12None.Out + tls12None.Err);
        OneLine(tls12None.Err, "handshake_failure");
        Assert.Contains("--cert", tls12None.Err, StringComparison.Ordinal);
    }

    // Items 3 and 6 (issue): one line and exit 2 for every user mistake; each leaking .NET message rewritten.
    [Fact]
    public void UserMistakesAreOneLineWithExit2AndNoDotNetInternals()
    {
        var live = TestPki.Live();
        var root = TestPki.Root("CN=Hour Root", live);
        var leaf = TestPki.Leaf(root, ["mistake.test"], TestPki.Live(new CertSpec { Ekus = ["1.3.6.1.5.5.7.3.2"] }));
        var other = TestPki.Leaf(root, ["other.test"], live);
        var rootFile = Write("root.pem", root.X509.ExportCertificatePem());
        var certFile = Write("client.pem", leaf.X509.ExportCertificatePem());
        var wrongKey = Write("other.key", KeyPem(other));
        var empty = Write("empty.pem", "");
        var random = Path.Combine(Dir, "random.bin");
        var bytes = new byte[512];
        new Random(22).NextBytes(bytes);
        bytes[0] = 0x30;
        bytes[1] = 0x84; // a DER SEQUENCE claiming a 4-byte length
        bytes[2] = 0xff;
        File.WriteAllBytes(random, bytes);
        var dir = Directory.CreateDirectory(Path.Combine(Dir, "adir")).FullName;
        bytes[0] = 0x34;
        var notDer = Path.Combine(Dir, "notder.bin");
        File.WriteAllBytes(notDer, bytes);

        // A key that is not the certificate's: one line, exit 2 (it was a 10-line stack trace).
        var mismatch = Executable("connect", "127.0.0.1:1", "--cafile", rootFile, "--cert", certFile, "--key", wrongKey);
        Assert.Equal(2, mismatch.Exit);
        OneLine(mismatch.Err, "does not belong to the certificate");
        // --key without --cert was silently ignored.
        var keyOnly = InProcess("connect", "127.0.0.1:1", "--cafile", rootFile, "--key", wrongKey);
        Assert.Equal(2, keyOnly.Exit);
        OneLine(keyOnly.Err, "--key needs --cert");
        // The messages of issue 22, item 6.
        foreach (var (args, expected, leaked) in new (string[], string, string)[]
        {
            (["verify", empty], "is empty", "valid tag"),
            (["verify", random], "certificate", "Int32.MaxValue"),
            (["verify", dir], "is a directory", "Access to the path"),
            (["verify", rootFile, "--min-rsa-bits", "abc"], "--min-rsa-bits 'abc' is not a whole number", "System.Nullable"),
            (["verify", rootFile, "--capath", rootFile], "is a file, not a directory; use --cafile", "does not exist"),
            (["verify", rootFile, "--cafile", dir], "is a directory; use --capath", "Access to the path"),
            (["audit", Path.Combine(Dir, "nosuch.pem")], "does not exist", "unreadable"),
            (["verify", rootFile, "--crl", rootFile], "--crl-check", "Exception"),
            (["verify", notDer], "is neither PEM nor DER", "tag"),
            (["connect", "127.0.0.1:1", "--timeout", "abc"], "--timeout 'abc' is not a number", "System.Double"),
            (["connect", "127.0.0.1:1", "--timeout", "-1"], "--timeout -1 is not a number of seconds", "canceled"),
        })
        {
            var r = InProcess(args);
            Assert.True(r.Exit == 2, string.Join(' ', args) + ": " + r.Out + r.Err);
            OneLine(r.Err, expected);
            Assert.DoesNotContain(leaked, r.Err.Replace(expected, "", StringComparison.Ordinal), StringComparison.Ordinal);
        }
        // Network failures: exit 3 with the real cause.
        var closed = new TcpListener(IPAddress.Loopback, 0);
        closed.Start();
        int port = ((IPEndPoint)closed.LocalEndpoint).Port;
        closed.Stop();
        var refused = InProcess("connect", $"127.0.0.1:{port}", "--cafile", rootFile);
        Assert.Equal(3, refused.Exit);
        OneLine(refused.Err, "connection refused");
        // A server that accepts the connection and never answers the TLS hello: a timeout, said in seconds.
        var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start();
        try
        {
            var hang = InProcess("connect", $"127.0.0.1:{((IPEndPoint)silent.LocalEndpoint).Port}", "--cafile", rootFile, "--timeout", "2");
            Assert.Equal(3, hang.Exit);
            OneLine(hang.Err, "timed out after 2 s");
            Assert.DoesNotContain("canceled", hang.Err, StringComparison.OrdinalIgnoreCase);
        }
        finally
        {
            silent.Stop();
        }
    }

    // Item 4: --json prints a JSON document on standard output for errors too.
    [Fact]
    public void JsonErrorsAreJsonDocumentsOnStandardOutput()
    {
        var missing = InProcess("verify", Path.Combine(Dir, "nope.pem"), "--json");
        Assert.Equal(2, missing.Exit);
        using (var json = JsonDocument.Parse(missing.Out))
        {
            var e = json.RootElement.GetProperty("error");
            Assert.Equal("input", e.GetProperty("kind").GetString());
            Assert.Equal(2, e.GetProperty("exit_code").GetInt32());
            Assert.Contains("nope.pem", e.GetProperty("message").GetString(), StringComparison.Ordinal);
        }
        var badOption = Executable("inspect", "x.pem", "--json", "--no-such-option");
        Assert.Equal(2, badOption.Exit);
        using (var json = JsonDocument.Parse(badOption.Out))
        {
            Assert.Equal("usage", json.RootElement.GetProperty("error").GetProperty("kind").GetString());
        }
        var closed = new TcpListener(IPAddress.Loopback, 0);
        closed.Start();
        int port = ((IPEndPoint)closed.LocalEndpoint).Port;
        closed.Stop();
        var network = InProcess("audit", $"127.0.0.1:{port}", "--json");
        var connect = InProcess("connect", $"127.0.0.1:{port}", "--json");
        Assert.Equal(3, connect.Exit);
        using (var json = JsonDocument.Parse(connect.Out))
        {
            var e = json.RootElement.GetProperty("error");
            Assert.Equal("network", e.GetProperty("kind").GetString());
            Assert.Equal(port, e.GetProperty("port").GetInt32());
            Assert.Equal("connection_refused", e.GetProperty("cause").GetString());
        }
        // audit reports an unreachable server as a row of its JSON (exit 1), still a document.
        using (JsonDocument.Parse(network.Out))
        {
        }
    }

    // Item 5: CA certificates as users hold them.
    [Fact]
    public void CaCertificatesAreVerifiedAndInspectedAsCas()
    {
        var live = TestPki.Live();
        var root = TestPki.Root("CN=Hour CA Root", live);
        var ica = TestPki.Ca(root, "CN=Hour CA ICA", spec: live);
        var leaf = TestPki.Leaf(ica, ["ca.test"], live);
        var rootFile = Write("root.pem", root.X509.ExportCertificatePem());
        var dir = Directory.CreateDirectory(Path.Combine(Dir, "pki")).FullName;
        File.WriteAllText(Path.Combine(dir, "1-leaf.pem"), leaf.X509.ExportCertificatePem());
        File.WriteAllText(Path.Combine(dir, "2-ica.pem"), ica.X509.ExportCertificatePem());
        File.WriteAllText(Path.Combine(dir, "3-root.pem"), root.X509.ExportCertificatePem());

        // verify on a CA certificate: the failure as a TLS server certificate points at --purpose any, which verifies it.
        var asServer = InProcess("verify", Path.Combine(dir, "2-ica.pem"), "--cafile", rootFile);
        Assert.Equal(1, asServer.Exit);
        Assert.Contains("--purpose any", asServer.Out, StringComparison.Ordinal);
        Assert.Equal(0, InProcess("verify", Path.Combine(dir, "2-ica.pem"), "--cafile", rootFile, "--purpose", "any").Exit);
        Assert.Equal(0, InProcess("verify", rootFile, "--cafile", rootFile, "--purpose", "any").Exit);
        // inspect shows what it read (exit 0) and the chain's status separately (here: not verified, intermediate missing).
        var lone = InProcess("inspect", Path.Combine(dir, "1-leaf.pem"), "--cafile", rootFile, "--json");
        Assert.True(lone.Exit == 0, lone.Out + lone.Err);
        using (var json = JsonDocument.Parse(lone.Out))
        {
            Assert.Equal(1, json.RootElement.GetProperty("certificates").GetArrayLength());
            Assert.False(json.RootElement.GetProperty("chain").GetProperty("verified").GetBoolean());
        }
        // inspect DIR: the leaf chains through the intermediate beside it, and the CAs verify as CAs.
        foreach (var extra in new[] { Array.Empty<string>(), new[] { "--cafile", rootFile } })
        {
            var all = InProcess(["inspect", dir, "--json", .. extra]);
            Assert.True(all.Exit == 0, all.Out + all.Err);
            using var json = JsonDocument.Parse(all.Out);
            var files = json.RootElement.GetProperty("files").EnumerateArray().ToList();
            Assert.Equal(3, files.Count);
            foreach (var f in files)
            {
                var chain = f.GetProperty("chain");
                Assert.True(chain.GetProperty("verified").GetBoolean(), f.GetProperty("source").GetString() + ": " + chain.GetProperty("message").GetString());
            }
            Assert.Equal(3, files[0].GetProperty("chain").GetProperty("path").GetArrayLength());
        }
    }

    private static X509Extension Ext(string oid, Action<AsnWriter> write, bool critical = false)
    {
        var w = new AsnWriter(AsnEncodingRules.DER);
        write(w);
        return new X509Extension(oid, w.Encode(), critical);
    }

    private static void Uri(AsnWriter w, int tag, string uri) => w.WriteCharacterString(UniversalTagNumber.IA5String, uri, new Asn1Tag(TagClass.ContextSpecific, tag));

    // Item 6: inspect prints each extension's decoded value, in text and JSON.
    [Fact]
    public void InspectPrintsDecodedExtensionValues()
    {
        var live = TestPki.Live();
        var root = TestPki.Root("CN=Hour Values Root", live);
        var ica = TestPki.Ca(root, "CN=Hour Values ICA", pathLength: 0, spec: TestPki.Live(new CertSpec
        {
            Extra =
            [
                TestPki.NameConstraints(["values.test"], ["bad.values.test"]),
                Ext("2.5.29.36", w => { using (w.PushSequence()) { w.WriteInteger(2, new Asn1Tag(TagClass.ContextSpecific, 0)); w.WriteInteger(1, new Asn1Tag(TagClass.ContextSpecific, 1)); } }, critical: true),
                Ext("2.5.29.54", w => w.WriteInteger(3), critical: true),
                Ext("2.5.29.33", w => { using (w.PushSequence()) { using (w.PushSequence()) { w.WriteObjectIdentifier("1.2.3.4"); w.WriteObjectIdentifier("1.2.3.5"); } } }, critical: true),
                TestPki.Policies("2.23.140.1.2.1"),
            ],
        }));
        var sct = new byte[] { 0x00, 0x0A, 0x00, 0x03, 0xAA, 0xBB, 0xCC, 0x00, 0x03, 0xDD, 0xEE, 0xFF };
        var leaf = TestPki.Leaf(ica, ["www.values.test", "values.test"], TestPki.Live(new CertSpec
        {
            Ekus = ["1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2"],
            Extra =
            [
                Ext("2.5.29.31", w => { using (w.PushSequence()) { using (w.PushSequence()) { using (w.PushSequence(new Asn1Tag(TagClass.ContextSpecific, 0, true))) { using (w.PushSequence(new Asn1Tag(TagClass.ContextSpecific, 0, true))) { Uri(w, 6, "http://crl.values.test/ica.crl"); } } } } }),
                Ext("1.3.6.1.5.5.7.1.1", w =>
                {
                    using (w.PushSequence())
                    {
                        using (w.PushSequence()) { w.WriteObjectIdentifier("1.3.6.1.5.5.7.48.1"); Uri(w, 6, "http://ocsp.values.test"); }
                        using (w.PushSequence()) { w.WriteObjectIdentifier("1.3.6.1.5.5.7.48.2"); Uri(w, 6, "http://ca.values.test/ica.der"); }
                    }
                }),
                TestPki.Policies("2.23.140.1.2.1"),
                Ext("1.3.6.1.4.1.11129.2.4.2", w => w.WriteOctetString(sct)),
            ],
        }));
        var file = Write("chain.pem", leaf.X509.ExportCertificatePem() + "\n" + ica.X509.ExportCertificatePem());
        var rootFile = Write("root.pem", root.X509.ExportCertificatePem());
        var ski = Convert.ToHexString(leaf.X509.Extensions.OfType<X509SubjectKeyIdentifierExtension>().Single().SubjectKeyIdentifierBytes.Span);
        var icaSki = Convert.ToHexString(ica.X509.Extensions.OfType<X509SubjectKeyIdentifierExtension>().Single().SubjectKeyIdentifierBytes.Span);

        var r = InProcess("inspect", file, "--cafile", rootFile, "--json");
        Assert.True(r.Exit == 0, r.Out + r.Err);
        using var json = JsonDocument.Parse(r.Out);
        Dictionary<string, JsonElement> Values(int i) => json.RootElement.GetProperty("certificates")[i].GetProperty("extensions").EnumerateArray()
            .ToDictionary(e => e.GetProperty("name").GetString()!, e => e.GetProperty("value"));
        static string[] List(JsonElement v, string key) => v.GetProperty(key).EnumerateArray().Select(x => x.GetString()!).ToArray();
        var l = Values(0);
        Assert.Equal(["DNS:www.values.test", "DNS:values.test"], List(l["subjectAltName"], "names"));
        Assert.Equal(["serverAuth", "clientAuth"], List(l["extKeyUsage"], "purposes"));
        Assert.Equal(["digitalSignature"], List(l["keyUsage"], "usages"));
        Assert.Equal(ski, l["subjectKeyIdentifier"].GetProperty("key_id").GetString()!.Replace(":", "", StringComparison.Ordinal));
        Assert.Equal(icaSki, l["authorityKeyIdentifier"].GetProperty("key_id").GetString()!.Replace(":", "", StringComparison.Ordinal));
        Assert.Equal(["URI:http://crl.values.test/ica.crl"], List(l["cRLDistributionPoints"], "points"));
        Assert.Equal(["URI:http://ocsp.values.test"], List(l["authorityInfoAccess"], "ocsp"));
        Assert.Equal(["URI:http://ca.values.test/ica.der"], List(l["authorityInfoAccess"], "ca_issuers"));
        Assert.StartsWith("2.23.140.1.2.1", List(l["certificatePolicies"], "policies").Single(), StringComparison.Ordinal);
        Assert.Equal(2, l.Values.Single(v => v.TryGetProperty("sct_count", out _)).GetProperty("sct_count").GetInt32());
        var c = Values(1);
        Assert.True(c["basicConstraints"].GetProperty("ca").GetBoolean());
        Assert.Equal(0, c["basicConstraints"].GetProperty("path_len").GetInt32());
        Assert.Equal(["keyCertSign", "cRLSign"], List(c["keyUsage"], "usages"));
        Assert.Equal(["DNS:values.test"], List(c["nameConstraints"], "permitted"));
        Assert.Equal(["DNS:bad.values.test"], List(c["nameConstraints"], "excluded"));
        Assert.Equal(2, c["policyConstraints"].GetProperty("require_explicit_policy").GetInt32());
        Assert.Equal(1, c["policyConstraints"].GetProperty("inhibit_policy_mapping").GetInt32());
        Assert.Equal(3, c["inhibitAnyPolicy"].GetProperty("skip_certs").GetInt32());
        Assert.Equal(["1.2.3.4 = 1.2.3.5"], List(c["policyMappings"], "mappings"));
        Assert.Equal(40, json.RootElement.GetProperty("certificates")[0].GetProperty("sha1").GetString()!.Length);
        Assert.True(json.RootElement.GetProperty("certificates")[0].TryGetProperty("root_program", out _));

        // The text shows the same values as openssl x509 -text shows them (URIs, names, CA flag and path length).
        var text = InProcess("inspect", file, "--cafile", rootFile);
        Assert.Equal(0, text.Exit);
        var openssl = ProcessRunner.OpenSsl(["x509", "-in", file, "-noout", "-text"]).Stdout;
        foreach (var v in new[] { "DNS:www.values.test", "URI:http://crl.values.test/ica.crl", "URI:http://ocsp.values.test", "URI:http://ca.values.test/ica.der", "2.23.140.1.2.1" })
        {
            Assert.Contains(v, openssl, StringComparison.Ordinal);
            Assert.Contains(v, text.Out, StringComparison.Ordinal);
        }
        Assert.Contains("basicConstraints (critical): ca TRUE; path_len 0", text.Out, StringComparison.Ordinal);
        Assert.Contains("subjectAltName: DNS:www.values.test, DNS:values.test", text.Out, StringComparison.Ordinal);
        Assert.Contains("root program:", text.Out, StringComparison.Ordinal);
    }

    // Item 7: targets and host names as users type them.
    [Fact]
    public async Task HostNamesAndUrlsAsUsersTypeThem()
    {
        var live = TestPki.Live();
        var root = TestPki.Root("CN=Hour Host Root", live);
        var leaf = TestPki.Leaf(root, ["localhost"], TestPki.Live(new CertSpec { Ips = ["127.0.0.1"] }));
        var rootFile = Write("root.pem", root.X509.ExportCertificatePem());
        var leafFile = Write("leaf.pem", leaf.X509.ExportCertificatePem());
        await using (var server = LoopbackTlsServer.Plain(TlsTests.WithKey(leaf), []))
        {
            // A URL: scheme, path and query dropped; the port kept. (It was looked up as the host "https".)
            var url = InProcess("connect", $"https://127.0.0.1:{server.Port}/some/path?q=1", "--cafile", rootFile, "--json");
            Assert.True(url.Exit == 0, url.Out + url.Err);
            using var json = JsonDocument.Parse(url.Out);
            Assert.Equal(server.Port, json.RootElement.GetProperty("port").GetInt32());
        }
        foreach (var bad in new[] { "localhost:99999", "localhost:0", "localhost:http", "https://localhost:70000/", "[::1" })
        {
            var r = InProcess("connect", bad, "--cafile", rootFile);
            Assert.True(r.Exit == 2, bad + ": " + r.Err);
            OneLine(r.Err, "");
        }
        // --host with an IP literal is matched as an IP address.
        var ip = InProcess("verify", leafFile, "--cafile", rootFile, "--host", "127.0.0.1");
        Assert.True(ip.Exit == 0, ip.Out + ip.Err);
        Assert.Equal(1, InProcess("verify", leafFile, "--cafile", rootFile, "--host", "127.0.0.2").Exit);
        // A CN-only certificate: the failure says why, and --cn-fallback is the legacy switch.
        var cnOnly = TestPki.Issue(root, TestPki.Live(new CertSpec { Subject = "CN=legacy.test" }));
        var cnFile = Write("cn.pem", cnOnly.X509.ExportCertificatePem());
        var strict = InProcess("verify", cnFile, "--cafile", rootFile, "--host", "legacy.test");
        Assert.Equal(1, strict.Exit);
        Assert.Contains("no subjectAltName; the CN is not checked (CN fallback is off)", strict.Out, StringComparison.Ordinal);
        var legacy = InProcess("verify", cnFile, "--cafile", rootFile, "--host", "legacy.test", "--cn-fallback");
        Assert.True(legacy.Exit == 0, legacy.Out + legacy.Err);
    }

    // Item 8: "did you mean", and OpenSSL's spellings.
    [Fact]
    public void DidYouMeanAndOpenSslSpellings()
    {
        var live = TestPki.Live();
        var root = TestPki.Root("CN=Hour Spelling Root", live);
        var ica = TestPki.Ca(root, "CN=Hour Spelling ICA", spec: live);
        var leaf = TestPki.Leaf(ica, ["spelling.test"], live);
        var rootFile = Write("root.pem", root.X509.ExportCertificatePem());
        var icaFile = Write("ica.pem", ica.X509.ExportCertificatePem());
        var leafFile = Write("leaf.pem", leaf.X509.ExportCertificatePem());

        var command = InProcess("verfy", leafFile);
        Assert.Equal(2, command.Exit);
        OneLine(command.Err, "unknown command 'verfy'; did you mean 'verify'?");
        foreach (var typed in new[] { "--CAfile", "--ca-file", "--ca_file" })
        {
            var r = InProcess("verify", leafFile, typed, rootFile);
            Assert.Equal(2, r.Exit);
            OneLine(r.Err, $"unknown option '{typed}' for certitude verify; did you mean '--cafile'?");
        }
        var untrusted = InProcess("verify", leafFile, "--untrsted", icaFile);
        OneLine(untrusted.Err, "did you mean '--untrusted'?");
        var value = InProcess("verify", leafFile, "--profile", "webpkj");
        OneLine(value.Err, "did you mean 'webpki'?");
        // openssl verify's own spellings are accepted: -CAfile, -untrusted, -purpose sslserver, -attime (seconds since 1970).
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture);
        var openssl = InProcess("verify", leafFile, "-CAfile", rootFile, "-untrusted", icaFile, "-purpose", "sslserver", "-attime", now, "-verify_hostname", "spelling.test");
        Assert.True(openssl.Exit == 0, openssl.Out + openssl.Err);
        var capath = Directory.CreateDirectory(Path.Combine(Dir, "hashed")).FullName;
        File.Copy(rootFile, Path.Combine(capath, "root.pem"));
        Assert.Equal(0, InProcess("rehash", capath).Exit);
        var hashed = InProcess("verify", leafFile, "-CApath", capath, "-untrusted", icaFile);
        Assert.True(hashed.Exit == 0, hashed.Out + hashed.Err);
        // -attime in the past of the chain's validity makes it fail: the alias is read, not ignored.
        Assert.Equal(1, InProcess("verify", leafFile, "-CAfile", rootFile, "-untrusted", icaFile, "-attime", "1000000000").Exit);
    }
}
