using System.Diagnostics;
using System.Text;
using Xunit;

namespace Certitude.Tests;

public sealed class TrustStoreTests
{
    private static readonly PeerIdentity Example = PeerIdentity.Dns("example.com");

    private static string Run(string file, params string[] args)
    {
        var (exit, output, err) = ProcessRunner.Run(file, args);
        Assert.True(exit == 0, $"{file} {string.Join(' ', args)} failed: {err}");
        return output;
    }

    private static string TempDir()
    {
        var d = Path.Combine(Path.GetTempPath(), "certitude-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(d);
        return d;
    }

    [Fact]
    public void SubjectHashMatchesOpenSsl()
    {
        // The Debian openssl command is part of this machine image; the test needs it to compare.
        Assert.True(File.Exists("/usr/bin/openssl"), "the openssl command is required for this comparison");
        var pems = new List<string>();
        foreach (var file in new[] { "limbo.json", "pkits.json" })
        {
            using var doc = Corpus.Load(file);
            foreach (var t in doc.RootElement.GetProperty("testcases").EnumerateArray())
            {
                pems.Add(t.GetProperty("peer_certificate").GetString()!);
                pems.AddRange(t.GetProperty("trusted_certs").EnumerateArray().Select(e => e.GetString()!));
            }
        }
        var dir = TempDir();
        try
        {
            int compared = 0;
            foreach (var pem in pems.Distinct().Where((_, i) => i % 4 == 0).Take(150))
            {
                Certificate cert;
                try
                {
                    cert = Certificate.ParsePem(pem);
                }
                catch (CertificateFormatException)
                {
                    continue;
                }
                var path = Path.Combine(dir, "c.pem");
                File.WriteAllText(path, pem);
                var expected = Run("/usr/bin/openssl", "x509", "-noout", "-subject_hash", "-in", path).Trim();
                Assert.Equal(expected, cert.Subject.OpenSslHash().ToString("x8", System.Globalization.CultureInfo.InvariantCulture));
                compared++;
            }
            Assert.True(compared > 100, $"only {compared} certificates compared");
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [Fact]
    public void DirectoryMadeByOpenSslRehashWorks()
    {
        Assert.True(File.Exists("/usr/bin/openssl"), "the openssl command is required to make the directory");
        var root = TestPki.Root("CN=Hashed Dir Root, O=Certitude Tests");
        var other = TestPki.Root("CN=Other Root");
        var dir = TempDir();
        try
        {
            File.WriteAllText(Path.Combine(dir, "root.pem"), root.X509.ExportCertificatePem());
            File.WriteAllText(Path.Combine(dir, "other.pem"), other.X509.ExportCertificatePem());
            File.WriteAllText(Path.Combine(dir, "garbage.pem"), "not a certificate, and never read: lookups go by hash");
            Run("/usr/bin/openssl", "rehash", dir);
            var store = TrustStore.FromDirectory(dir);
            var leaf = TestPki.Leaf(root);
            var r = new Verifier(store, new VerificationOptions { ValidationTime = TestPki.Now }).Verify(leaf.Cert, null, Example);
            Assert.True(r.IsValid, r.Explain());
            Assert.Equal(root.Cert, r.Path[^1]);
            Assert.Empty(store.Skipped);
            var stranger = TestPki.Leaf(TestPki.Root("CN=Not In Dir"));
            Assert.Equal(VerifyCode.UnableToGetIssuerCertLocally, new Verifier(store, new VerificationOptions { ValidationTime = TestPki.Now }).Verify(stranger.Cert, null, Example).Code);
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [Fact]
    public void SslCertFileAndDirAreHonoured()
    {
        var root = TestPki.Root("CN=Env Root");
        var dir = TempDir();
        try
        {
            var file = Path.Combine(dir, "bundle.pem");
            File.WriteAllText(file, root.X509.ExportCertificatePem());
            var env = new Dictionary<string, string?> { ["SSL_CERT_FILE"] = file };
            var store = TrustStore.LoadSystem(k => env.GetValueOrDefault(k), [], [], null);
            Assert.Contains(root.Cert, store.Certificates);
            Assert.Equal("file " + file, store.Description);

            var hashed = Path.Combine(dir, "hashed");
            Directory.CreateDirectory(hashed);
            File.WriteAllText(Path.Combine(hashed, root.Cert.Subject.OpenSslHash().ToString("x8", System.Globalization.CultureInfo.InvariantCulture) + ".0"), root.X509.ExportCertificatePem());
            var envDir = new Dictionary<string, string?> { ["SSL_CERT_DIR"] = "/nonexistent-first:" + hashed };
            var ex = Assert.Throws<TrustStoreException>(() => TrustStore.LoadSystem(k => envDir.GetValueOrDefault(k), [], [], null));
            Assert.Contains("/nonexistent-first", ex.Message, StringComparison.Ordinal);
            envDir["SSL_CERT_DIR"] = hashed;
            var fromDir = TrustStore.LoadSystem(k => envDir.GetValueOrDefault(k), [], [], null);
            Assert.True(fromDir.Contains(root.Cert));

            // The distributions' locations are used when the variables are not set.
            var fromKnown = TrustStore.LoadSystem(_ => null, ["/nonexistent/bundle.crt", file], [], null);
            Assert.Contains(root.Cert, fromKnown.Certificates);
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [Fact]
    public void MissingStoreIsAnErrorThatSaysHowToFixIt()
    {
        var ex = Assert.Throws<TrustStoreException>(() => TrustStore.LoadSystem(_ => null, ["/nonexistent/a.crt"], ["/nonexistent/dir"], null));
        Assert.Contains("SSL_CERT_FILE", ex.Message, StringComparison.Ordinal);
        Assert.Contains("ca-certificates", ex.Message, StringComparison.Ordinal);
        Assert.Throws<TrustStoreException>(() => TrustStore.FromFile("/nonexistent/file.pem"));
        Assert.Throws<TrustStoreException>(() => TrustStore.FromDirectory("/nonexistent/dir"));
    }

    [Fact]
    public void BrokenBundleNamesFileAndEntryAndSkipModeReports()
    {
        var a = TestPki.Root("CN=A").X509.ExportCertificatePem();
        var b = TestPki.Root("CN=B").X509.ExportCertificatePem();
        var bundle = string.Join("\n", a, "-----BEGIN CERTIFICATE-----\nMIIB!!!!\n-----END CERTIFICATE-----", "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----", a, b);
        var dir = TempDir();
        try
        {
            var file = Path.Combine(dir, "bad.pem");
            File.WriteAllText(file, bundle);
            var ex = Assert.Throws<TrustStoreException>(() => TrustStore.FromFile(file));
            Assert.Contains(file, ex.Message, StringComparison.Ordinal);
            Assert.Contains("entry #1", ex.Message, StringComparison.Ordinal);

            var lenient = TrustStore.FromFile(file, new TrustStoreLoadOptions { SkipInvalidEntries = true });
            Assert.Equal(2, lenient.Count);
            Assert.Equal(3, lenient.Skipped.Count);
            Assert.Contains(lenient.Skipped, s => s.Contains("entry #1", StringComparison.Ordinal) && s.Contains("base64", StringComparison.Ordinal));
            Assert.Contains(lenient.Skipped, s => s.Contains("entry #2", StringComparison.Ordinal) && s.Contains("PRIVATE KEY", StringComparison.Ordinal));
            Assert.Contains(lenient.Skipped, s => s.Contains("entry #3", StringComparison.Ordinal) && s.Contains("duplicate", StringComparison.Ordinal));
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [Fact]
    public void UnboundedFilesNeverHang()
    {
        // A trust folder from an attacker: an entry that is a link to /dev/zero, and a bundle that is one.
        var dir = TempDir();
        try
        {
            Assert.Throws<TrustStoreException>(() => TrustStore.FromFile("/dev/zero"));
            var root = TestPki.Root("CN=Bounded Root");
            var hash = root.Cert.Subject.OpenSslHash().ToString("x8", System.Globalization.CultureInfo.InvariantCulture);
            File.CreateSymbolicLink(Path.Combine(dir, hash + ".0"), "/dev/zero");
            File.WriteAllText(Path.Combine(dir, hash + ".1"), root.X509.ExportCertificatePem());
            var store = TrustStore.FromDirectory(dir);
            Assert.True(store.Contains(root.Cert));
            Assert.Contains(store.Skipped, s => s.Contains(hash + ".0", StringComparison.Ordinal) && s.Contains("MiB", StringComparison.Ordinal));
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [Fact]
    public void LoadVerifyLocationsCombinesSources()
    {
        var r1 = TestPki.Root("CN=File Root");
        var r2 = TestPki.Root("CN=Data Root");
        var dir = TempDir();
        try
        {
            var file = Path.Combine(dir, "f.pem");
            File.WriteAllText(file, r1.X509.ExportCertificatePem());
            var store = TrustStore.Load(cafile: file, cadata: r2.X509.ExportCertificatePem());
            Assert.True(store.Contains(r1.Cert));
            Assert.True(store.Contains(r2.Cert));
            Assert.Throws<ArgumentException>(() => TrustStore.Load());
            Assert.Equal(1, TrustStore.FromData(Encoding.ASCII.GetBytes(r1.X509.ExportCertificatePem())).Count);
            Assert.Equal(1, TrustStore.FromData(r1.X509.RawData).Count);
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    private static (int Exit, string Output) RunAny(string file, params string[] args)
    {
        var (exit, output, err) = ProcessRunner.Run(file, args);
        return (exit, output + err);
    }

    [Fact]
    public void OpenSslTrustSettingsAreHonouredAsOpenSslVerifyHonoursThem()
    {
        // Trusted and rejected purposes made by openssl x509 -addtrust/-addreject -trustout; each verdict
        // (server, client, no purpose) is compared with what openssl verify says about the same files.
        Assert.True(File.Exists("/usr/bin/openssl"), "the openssl command is required to make TRUSTED CERTIFICATE files");
        var root = TestPki.Root("CN=Aux Trust Root");
        var leaf = TestPki.Leaf(root, ["example.com"], new CertSpec { Ekus = ["1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2"] });
        var dir = TempDir();
        try
        {
            var rootPem = Path.Combine(dir, "root.pem");
            var leafPem = Path.Combine(dir, "leaf.pem");
            File.WriteAllText(rootPem, root.X509.ExportCertificatePem());
            File.WriteAllText(leafPem, leaf.X509.ExportCertificatePem());
            var at = ((long)(TestPki.Now - DateTimeOffset.UnixEpoch).TotalSeconds).ToString(System.Globalization.CultureInfo.InvariantCulture);
            var settings = new Dictionary<string, string[]>
            {
                ["reject-server"] = ["-addreject", "serverAuth"],
                ["trust-client"] = ["-addtrust", "clientAuth"],
                ["trust-server"] = ["-addtrust", "serverAuth"],
                ["trust-any"] = ["-addtrust", "anyExtendedKeyUsage"],
                ["reject-any"] = ["-addreject", "anyExtendedKeyUsage"],
                ["trust-client-reject-email"] = ["-addtrust", "clientAuth", "-addreject", "emailProtection"],
            };
            var purposes = new (string? OpenSsl, CertificatePurpose Purpose)[]
            {
                ("sslserver", CertificatePurpose.ServerAuthentication), ("sslclient", CertificatePurpose.ClientAuthentication), (null, CertificatePurpose.Any),
            };
            int rejected = 0;
            foreach (var (name, args) in settings)
            {
                var file = Path.Combine(dir, name + ".pem");
                Run("/usr/bin/openssl", ["x509", "-in", rootPem, .. args, "-trustout", "-out", file]);
                Assert.Contains("BEGIN TRUSTED CERTIFICATE", File.ReadAllText(file), StringComparison.Ordinal);
                var store = TrustStore.FromFile(file);
                foreach (var (opensslPurpose, purpose) in purposes)
                {
                    var r = new Verifier(store, new VerificationOptions { ValidationTime = TestPki.Now, Purpose = purpose }).Verify(leaf.Cert);
                    string[] verifyArgs = ["verify", "-attime", at, "-CAfile", file, .. opensslPurpose is null ? Array.Empty<string>() : ["-purpose", opensslPurpose], leafPem];
                    var (exit, output) = RunAny("/usr/bin/openssl", verifyArgs);
                    var what = $"{name}, purpose {opensslPurpose ?? "none"}: openssl says {output.Trim()}; Certitude says {r}";
                    if (exit == 0)
                    {
                        Assert.True(r.IsValid, what);
                    }
                    else
                    {
                        Assert.Contains("error 28 ", output, StringComparison.Ordinal);
                        Assert.False(r.IsValid, what);
                        Assert.Equal(VerifyCode.CertRejected, r.Code);
                        Assert.Equal(1, r.FailingCertificateIndex);
                        Assert.Contains("Aux Trust Root", r.Message, StringComparison.Ordinal);
                        rejected++;
                    }
                }
            }
            Assert.True(rejected >= 8, $"only {rejected} rejections: the settings were not exercised");
            var serverOnly = new Verifier(TrustStore.FromFile(Path.Combine(dir, "reject-server.pem")), new VerificationOptions { ValidationTime = TestPki.Now }).Verify(leaf.Cert);
            Assert.Contains("rejected for serverAuth", serverOnly.Message, StringComparison.Ordinal);

            // The same certificate also present without settings (another bundle): the rejection still applies.
            var combined = TrustStore.Combine(TrustStore.FromFile(rootPem), TrustStore.FromFile(Path.Combine(dir, "reject-server.pem")));
            Assert.Equal(VerifyCode.CertRejected, new Verifier(combined, new VerificationOptions { ValidationTime = TestPki.Now }).Verify(leaf.Cert).Code);

            // A hashed directory made by openssl rehash, and the CLI, read the settings too.
            var hashed = Path.Combine(dir, "hashed");
            Directory.CreateDirectory(hashed);
            File.Copy(Path.Combine(dir, "reject-server.pem"), Path.Combine(hashed, "root.pem"));
            Run("/usr/bin/openssl", "rehash", hashed);
            var fromDir = new Verifier(TrustStore.FromDirectory(hashed), new VerificationOptions { ValidationTime = TestPki.Now });
            Assert.Equal(VerifyCode.CertRejected, fromDir.Verify(leaf.Cert).Code);
            Assert.True(new Verifier(TrustStore.FromDirectory(hashed), new VerificationOptions { ValidationTime = TestPki.Now, Purpose = CertificatePurpose.ClientAuthentication })
                .Verify(leaf.Cert).IsValid);
            // certitude rehash links TRUSTED CERTIFICATE files as openssl rehash does.
            var ours = Path.Combine(dir, "ours");
            Directory.CreateDirectory(ours);
            File.Copy(Path.Combine(dir, "reject-server.pem"), Path.Combine(ours, "root.pem"));
            Assert.Equal(0, RunAny("dotnet", CliPath.Certitude, "rehash", ours).Exit);
            Assert.Equal(VerifyCode.CertRejected, new Verifier(TrustStore.FromDirectory(ours), new VerificationOptions { ValidationTime = TestPki.Now }).Verify(leaf.Cert).Code);
            var cli = RunAny("dotnet", CliPath.Certitude, "verify", leafPem, "--capath", hashed, "--at", TestPki.Now.ToString("O", System.Globalization.CultureInfo.InvariantCulture));
            Assert.Equal(1, cli.Exit);
            Assert.Contains("rejected", cli.Output, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [Fact]
    public void MalformedTrustSettingsAreATypedError()
    {
        var root = TestPki.Root("CN=Bad Aux Root");
        var good = TrustedCertificate(root.X509.RawData, [0x30, 0x0C, 0x30, 0x0A, 0x06, 0x08, 0x2B, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x02]);
        var store = TrustStore.FromData(good);
        Assert.Equal(["1.3.6.1.5.5.7.3.2"], store.TrustSettings(root.Cert)!.Trusted!);
        foreach (var aux in new byte[][] { [0x30, 0x05, 0x30], [0x30, 0x00, 0x00], [0x30, 0x02, 0x05, 0x00], [0x31, 0x00] })
        {
            var ex = Assert.Throws<TrustStoreException>(() => TrustStore.FromData(TrustedCertificate(root.X509.RawData, aux), "aux.pem"));
            Assert.Contains("aux.pem", ex.Message, StringComparison.Ordinal);
            Assert.Contains("trust settings", ex.Message, StringComparison.Ordinal);
            Assert.Empty(TrustStore.FromData(TrustedCertificate(root.X509.RawData, aux), "aux.pem", new TrustStoreLoadOptions { SkipInvalidEntries = true }).Certificates);
        }
    }

    private static byte[] TrustedCertificate(byte[] der, byte[] aux)
        => Encoding.ASCII.GetBytes("-----BEGIN TRUSTED CERTIFICATE-----\n" + Convert.ToBase64String([.. der, .. aux], Base64FormattingOptions.InsertLineBreaks) + "\n-----END TRUSTED CERTIFICATE-----\n");

    [Fact]
    public void HashedDirectoryLookupsStayBoundedForRandomIssuerNames()
    {
        // Issue 21: every issuer-name hash a lookup was asked for was cached forever, found or not, so a peer
        // presenting certificates with random issuer names grew a long-running server's memory without bound
        // (100,000 names left 100,000 entries). The cache is a bounded LRU now.
        var root = TestPki.Root("CN=Bounded Dir Root");
        var dir = TempDir();
        try
        {
            File.WriteAllText(Path.Combine(dir, HashFile(root.Cert, 0)), root.X509.ExportCertificatePem());
            var store = TrustStore.FromDirectory(dir);
            Assert.True(store.Contains(root.Cert));
            var random = new Random(21);
            Span<byte> bytes = stackalloc byte[12];
            for (int i = 0; i < 100_000; i++)
            {
                random.NextBytes(bytes);
                var name = DistinguishedName.Decode(new System.Security.Cryptography.X509Certificates.X500DistinguishedName("CN=" + Convert.ToHexString(bytes)).RawData, "test");
                Assert.Empty(store.FindBySubject(name));
            }
            Assert.InRange(store.DirectoryCacheCount, 1, 4096);
            // The anchor is still found (read again if its entry was evicted).
            Assert.True(store.Contains(root.Cert));
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [Fact]
    public void AnAnchorRemovedFromAHashedDirectoryStopsBeingTrustedWhenItsEntryExpires()
    {
        // The choice documented in docs/DESIGN.md: a lookup is cached for a bounded time (a minute by default), so
        // a removed anchor file stops being trusted within that time, without a restart.
        var root = TestPki.Root("CN=Removed Dir Root");
        var leaf = TestPki.Leaf(root);
        var dir = TempDir();
        try
        {
            var file = Path.Combine(dir, HashFile(root.Cert, 0));
            File.WriteAllText(file, root.X509.ExportCertificatePem());
            var store = TrustStore.FromDirectory(dir, capacity: 16, lifetime: TimeSpan.Zero);
            var verifier = new Verifier(store, new VerificationOptions { ValidationTime = TestPki.Now });
            Assert.True(verifier.Verify(leaf.Cert, null, Example).IsValid);
            File.Delete(file);
            Assert.False(store.Contains(root.Cert));
            Assert.Equal(VerifyCode.UnableToGetIssuerCertLocally, verifier.Verify(leaf.Cert, null, Example).Code);
            // Within its lifetime an entry is served from the cache.
            File.WriteAllText(file, root.X509.ExportCertificatePem());
            var cached = TrustStore.FromDirectory(dir, capacity: 16, lifetime: TimeSpan.FromHours(1));
            Assert.True(cached.Contains(root.Cert));
            File.Delete(file);
            Assert.True(cached.Contains(root.Cert));
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    private static string HashFile(Certificate c, int n)
        => c.Subject.OpenSslHash().ToString("x8", System.Globalization.CultureInfo.InvariantCulture) + "." + n.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
