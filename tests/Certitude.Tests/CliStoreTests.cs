using System.Diagnostics;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Xunit;

namespace Certitude.Tests;

/// <summary>The CLI's purposes, PKCS#7/CMS containers, inspect on directories, trust-store audits and rehash, on
/// certificates generated here.</summary>
[Collection("console")]
public sealed class CliStoreTests() : TempFolderTests("certitude-store-")
{
    private static readonly string At = TestPki.Now.ToString("o", System.Globalization.CultureInfo.InvariantCulture);

    private static (int Exit, string Out, string Err) Run(params string[] args) => CliCommandTests.InProcess(args);

    private string Write(string name, params Issued[] certs)
    {
        var path = Path.Combine(Dir, name);
        File.WriteAllText(path, string.Concat(certs.Select(c => c.X509.ExportCertificatePem() + "\n")));
        return path;
    }

    private string WriteBytes(string name, byte[] data)
    {
        var path = Path.Combine(Dir, name);
        File.WriteAllBytes(path, data);
        return path;
    }

    private static X509Extension Eku(bool critical, params string[] oids)
    {
        var set = new OidCollection();
        foreach (var o in oids)
        {
            set.Add(new Oid(o));
        }
        return new X509EnhancedKeyUsageExtension(set, critical);
    }

    private static string OpenSsl(params string[] args)
    {
        var (exit, stdout, stderr) = ProcessRunner.OpenSsl(args);
        Assert.True(exit == 0, stderr);
        return stdout;
    }

    private static JsonElement Json(string text) => JsonDocument.Parse(text).RootElement;

    [Fact]
    public void VerifyCodeSigningAndTimeStampingChains()
    {
        var sign = PurposeTests.Chain(KeyPurposes.CodeSigning, Eku(false, KeyPurposes.CodeSigning), "CLI Code");
        var tsa = PurposeTests.Chain(KeyPurposes.TimeStamping, Eku(true, KeyPurposes.TimeStamping), "CLI TSA");
        string root = Write("sign-root.pem", sign.Root), ca = Write("sign-ca.pem", sign.Ca), leaf = Write("sign-leaf.pem", sign.Leaf);
        string troot = Write("tsa-root.pem", tsa.Root), tca = Write("tsa-ca.pem", tsa.Ca), tleaf = Write("tsa-leaf.pem", tsa.Leaf);

        Assert.Equal(0, Run("verify", leaf, "--untrusted", ca, "--cafile", root, "--at", At, "--purpose", "codesign").Exit);
        Assert.Equal(0, Run("verify", leaf, "--untrusted", ca, "--cafile", root, "--at", At, "--purpose", KeyPurposes.CodeSigning).Exit);
        Assert.Equal(0, Run("verify", leaf, "--untrusted", ca, "--cafile", root, "--at", At, "--purpose", "any").Exit);
        Assert.Equal(0, Run("verify", tleaf, "--untrusted", tca, "--cafile", troot, "--at", At, "--purpose", "timestamp").Exit);

        // Refused where the certificates do not allow the purpose, with the purpose named in text and JSON.
        var server = Run("verify", leaf, "--untrusted", ca, "--cafile", root, "--at", At, "--json");
        Assert.Equal(1, server.Exit);
        Assert.Contains(Json(server.Out).GetProperty("diagnostics").EnumerateArray(), d => d.GetProperty("message").GetString()!.Contains("serverAuth", StringComparison.Ordinal));
        Assert.DoesNotContain(KeyPurposes.ServerAuth, server.Out, StringComparison.Ordinal);
        Assert.Equal(1, Run("verify", leaf, "--untrusted", ca, "--cafile", root, "--at", At, "--purpose", "timestamp").Exit);
        Assert.Equal(1, Run("verify", tleaf, "--untrusted", tca, "--cafile", troot, "--at", At, "--purpose", "codesign").Exit);
        // Two purposes: both required.
        var both = Run("verify", leaf, "--untrusted", ca, "--cafile", root, "--at", At, "--purpose", "codesign", "--purpose", "email");
        Assert.True(both.Exit == 1, both.Out + both.Err);
        // The web PKI's rule against a critical extKeyUsage (BR 7.1.2.7.6) belongs to the CA/B server certificate
        // profile (issuance tier): it does not apply to a time-stamping purpose, whose RFC 3161 rule wants it critical.
        var webpki = Run("verify", tleaf, "--untrusted", tca, "--cafile", troot, "--at", At, "--purpose", "timestamp", "--profile", "webpki");
        Assert.True(webpki.Exit == 0, webpki.Out + webpki.Err);

        // RFC 3161 2.3 in the message.
        var loose = PurposeTests.Chain(KeyPurposes.TimeStamping, Eku(false, KeyPurposes.TimeStamping), "CLI TSA loose");
        var looseRun = Run("verify", Write("loose.pem", loose.Leaf), "--untrusted", Write("loose-ca.pem", loose.Ca), "--cafile", Write("loose-root.pem", loose.Root), "--at", At, "--purpose", "timestamp", "--explain");
        Assert.Equal(1, looseRun.Exit);
        Assert.Contains("RFC 3161", looseRun.Out, StringComparison.Ordinal);

        // Bad purposes are usage errors.
        Assert.Equal(2, Run("verify", leaf, "--cafile", root, "--purpose", "signing").Exit);
        Assert.Equal(2, Run("verify", leaf, "--cafile", root, "--purpose", "any", "--purpose", "codesign").Exit);
    }

    [Fact]
    public void ConnectRefusesPurposesATlsServerCannotHave()
    {
        var root = Write("root.pem", TestPki.Root("CN=Connect Purpose Root"));
        var r = Run("connect", "127.0.0.1:1", "--cafile", root, "--purpose", "codesign");
        Assert.Equal(2, r.Exit);
        Assert.Contains("--purpose", r.Err, StringComparison.Ordinal);
    }

    [Fact]
    public void Pkcs7BagsAndCmsSignedDataAreReadWhereverCertificatesAre()
    {
        var root = TestPki.Root("CN=Bag Root");
        var ca = TestPki.Ca(root, "CN=Bag CA");
        var leaf = TestPki.Leaf(ca, ["bag.test"]);
        // DER bags exported by .NET (PKCS#7 SignedData without signers); the set is sorted, so the leaf is found by name.
        var chainBag = WriteBytes("chain.p7b", new X509Certificate2Collection { root.X509, ca.X509, leaf.X509 }.Export(X509ContentType.Pkcs7)!);
        var caBag = WriteBytes("ca.p7c", new X509Certificate2Collection { ca.X509 }.Export(X509ContentType.Pkcs7)!);
        var rootBag = WriteBytes("roots.p7b", new X509Certificate2Collection { root.X509 }.Export(X509ContentType.Pkcs7)!);
        var leafPem = Write("leaf.pem", leaf);
        Assert.Equal(0, Run("verify", leafPem, "--untrusted", caBag, "--cafile", rootBag, "--host", "bag.test", "--at", At).Exit);
        Assert.Equal(1, Run("verify", leafPem, "--cafile", rootBag, "--host", "bag.test", "--at", At).Exit);
        var inspect = Run("inspect", chainBag, "--cafile", rootBag, "--at", At, "--json");
        Assert.True(inspect.Exit == 0, inspect.Out + inspect.Err);
        var certs = Json(inspect.Out).GetProperty("certificates");
        Assert.Equal(3, certs.GetArrayLength());
        Assert.Equal(leaf.Cert.Sha256Fingerprint, certs[0].GetProperty("sha256").GetString());

        // PEM "PKCS7" made by openssl, and a CMS SignedData (.p7s) that carries the signer's chain.
        var bundle = Write("bundle.pem", ca, root);
        var pemBag = Path.Combine(Dir, "chain-pem.p7b");
        File.WriteAllText(pemBag, OpenSsl("crl2pkcs7", "-nocrl", "-certfile", bundle));
        Assert.StartsWith("-----BEGIN PKCS7-----", File.ReadAllText(pemBag), StringComparison.Ordinal);
        Assert.Equal(0, Run("verify", leafPem, "--untrusted", pemBag, "--cafile", rootBag, "--host", "bag.test", "--at", At).Exit);
        var key = Path.Combine(Dir, "leaf.key");
        File.WriteAllText(key, ((ECDsa)leaf.Key).ExportPkcs8PrivateKeyPem());
        var content = Path.Combine(Dir, "content.txt");
        File.WriteAllText(content, "signed");
        var p7s = Path.Combine(Dir, "signed.p7s");
        OpenSsl("cms", "-sign", "-binary", "-in", content, "-signer", leafPem, "-inkey", key, "-certfile", Write("ca-only.pem", ca), "-outform", "DER", "-out", p7s);
        var fromCms = Run("verify", p7s, "--cafile", rootBag, "--host", "bag.test", "--at", At, "--json");
        Assert.True(fromCms.Exit == 0, fromCms.Out + fromCms.Err);
        Assert.Equal(3, Json(fromCms.Out).GetProperty("path").GetArrayLength());

        // A damaged container is unreadable input naming the file.
        var bytes = File.ReadAllBytes(chainBag);
        var broken = WriteBytes("broken.p7b", bytes[..(bytes.Length / 2)]);
        var bad = Run("verify", broken, "--cafile", rootBag);
        Assert.Equal(2, bad.Exit);
        Assert.Contains("broken.p7b", bad.Err, StringComparison.Ordinal);
    }

    [Fact]
    public void InspectTakesADirectoryAndNeverResolvesALocalPath()
    {
        var root = TestPki.Root("CN=Dir Root");
        var sub = Path.Combine(Dir, "certs");
        Directory.CreateDirectory(sub);
        File.WriteAllText(Path.Combine(sub, "a.pem"), TestPki.Leaf(root, ["a.test"]).X509.ExportCertificatePem());
        File.WriteAllBytes(Path.Combine(sub, "b.cer"), TestPki.Leaf(TestPki.Root("CN=Dir Root 2"), ["b.test"]).X509.RawData);
        File.WriteAllText(Path.Combine(sub, "notes.txt"), "not a certificate");
        var rootFile = Write("dir-root.pem", root);
        var r = Run("inspect", sub, "--cafile", rootFile, "--at", At, "--json");
        var files = Json(r.Out).GetProperty("files");
        Assert.Equal(2, files.GetArrayLength());
        Assert.Contains("notes.txt", r.Err, StringComparison.Ordinal);
        // b.cer is not under --cafile: its chain fails, reported in its "chain"; inspect read every certificate, so it exits 0.
        Assert.Equal(0, r.Exit);
        Assert.True(files[0].GetProperty("chain").GetProperty("verified").GetBoolean());
        Assert.False(files[1].GetProperty("chain").GetProperty("verified").GetBoolean());

        // A missing local path is unreadable input (2), not a host name (3).
        var missing = Run("inspect", Path.Combine(Dir, "no-such-dir") + "/");
        Assert.Equal(2, missing.Exit);
        var missingFile = Run("inspect", "no-such-file.pem");
        Assert.Equal(2, missingFile.Exit);
        Assert.Contains("no-such-file.pem", missingFile.Err, StringComparison.Ordinal);
    }

    private string V1Root(string cn)
    {
        var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var keyFile = Path.Combine(Dir, "v1.key");
        File.WriteAllText(keyFile, key.ExportPkcs8PrivateKeyPem());
        var csr = Path.Combine(Dir, "v1.csr");
        OpenSsl("req", "-new", "-key", keyFile, "-subj", "/CN=" + cn, "-out", csr);
        var cert = Path.Combine(Dir, "v1.pem");
        OpenSsl("x509", "-req", "-in", csr, "-signkey", keyFile, "-days", "36500", "-out", cert);
        return File.ReadAllText(cert);
    }

    [Fact]
    public void AuditAnchorsJudgesEachCertificateOfAStore()
    {
        // Judged at the real time, since openssl (for the v1 and SHA-1 roots) starts validity now.
        var good = TestPki.Root("CN=Good Root", TestPki.Live());
        var expired = TestPki.Root("CN=Expired Root", new CertSpec { NotBefore = DateTimeOffset.UtcNow.AddYears(-3), NotAfter = DateTimeOffset.UtcNow.AddDays(-1) });
        var notCa = SelfSigned("CN=Not CA Root", TestPki.Live() with { Ekus = null, KeyUsage = X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, Extra = [new X509BasicConstraintsExtension(false, false, 0, true)] });
        var noSki = TestPki.Root("CN=No SKI Root", TestPki.Live() with { Ski = false });
        var bundle = Path.Combine(Dir, "store.pem");
        File.WriteAllText(bundle, string.Concat(new[] { good, expired, notCa, noSki }.Select(c => c.X509.ExportCertificatePem() + "\n")) + V1Root("V1 Root") + Sha1Root("SHA-1 Root"));

        Dictionary<string, (string Verdict, string[] Reasons)> Audit(params string[] extra)
        {
            var r = Run(["audit", "--anchors", bundle, "--json", .. extra]);
            var j = Json(r.Out);
            var byName = j.GetProperty("anchors").EnumerateArray().ToDictionary(a => a.GetProperty("subject").GetString()!,
                a => (a.GetProperty("verdict").GetString()!, a.GetProperty("reasons").EnumerateArray().Select(x => x.GetString()!).ToArray()));
            var s = j.GetProperty("summary");
            Assert.Equal(6, s.GetProperty("usable").GetInt32() + s.GetProperty("usable_with_warnings").GetInt32() + s.GetProperty("unusable").GetInt32());
            Assert.Equal(byName.Values.Any(v => v.Item1 == "unusable") ? 1 : 0, r.Exit);
            Assert.All(j.GetProperty("anchors").EnumerateArray(), a => Assert.Equal(64, a.GetProperty("sha256").GetString()!.Length));
            return byName;
        }

        var strict = Audit();
        Assert.Equal(6, strict.Count);
        Assert.Equal("usable", strict["CN=Good Root"].Verdict);
        Assert.Empty(strict["CN=Good Root"].Reasons);
        // The SHA-1 self-signature is never a reason: nobody relies on an anchor's own signature.
        Assert.Equal("usable", strict["CN=SHA-1 Root"].Verdict);
        Assert.Equal("unusable", strict["CN=Expired Root"].Verdict);
        Assert.Contains(strict["CN=Expired Root"].Reasons, r => r.StartsWith("expired", StringComparison.Ordinal));
        Assert.Equal("unusable", strict["CN=Not CA Root"].Verdict);
        Assert.Contains(strict["CN=Not CA Root"].Reasons, r => r.Contains("cA", StringComparison.Ordinal));
        // An anchor is a name and a key (RFC 5280 6.1.1 (d)): a missing SKI is a CA's duty, a warning (issue 25); a v1 root
        // anchors as well as a v3 one.
        Assert.Equal("usable-with-warnings", strict["CN=No SKI Root"].Verdict);
        Assert.Contains(strict["CN=No SKI Root"].Reasons, r => r.Contains("subjectKeyIdentifier", StringComparison.Ordinal));
        Assert.NotEqual("unusable", strict["CN=V1 Root"].Verdict);

        // Without X509Strict the structure defects become warnings; expiry does not.
        var lax = Audit("--no-strict");
        Assert.Equal("usable", lax["CN=Good Root"].Verdict);
        Assert.Equal("unusable", lax["CN=Expired Root"].Verdict);
        Assert.Equal("usable-with-warnings", lax["CN=Not CA Root"].Verdict);
        Assert.Equal("usable-with-warnings", lax["CN=No SKI Root"].Verdict);
        Assert.NotEqual("unusable", lax["CN=V1 Root"].Verdict);

        // A weak key: RSA-2048 is below --min-rsa-bits 3072.
        Assert.Contains(Audit("--min-rsa-bits", "3072")["CN=SHA-1 Root"].Reasons, r => r.StartsWith("weak key", StringComparison.Ordinal));
    }

    /// <summary>An RSA-2048 root signed with SHA-1 (which .NET will not make), with the root CA extensions.</summary>
    private string Sha1Root(string cn)
    {
        var config = Path.Combine(Dir, "sha1.cnf");
        File.WriteAllText(config, "[req]\ndistinguished_name=dn\n[dn]\n[root]\nbasicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\nsubjectKeyIdentifier=hash\n");
        var key = Path.Combine(Dir, "sha1.key");
        File.WriteAllText(key, RSA.Create(2048).ExportPkcs8PrivateKeyPem());
        var cert = Path.Combine(Dir, "sha1.pem");
        OpenSsl("req", "-x509", "-new", "-sha1", "-key", key, "-subj", "/CN=" + cn, "-config", config, "-extensions", "root", "-days", "36500", "-out", cert);
        return File.ReadAllText(cert);
    }

    private static Issued SelfSigned(string cn, CertSpec spec)
    {
        var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var req = new CertificateRequest(cn, key, HashAlgorithmName.SHA256);
        foreach (var e in spec.Extra)
        {
            req.CertificateExtensions.Add(e);
        }
        req.CertificateExtensions.Add(new X509KeyUsageExtension(spec.KeyUsage ?? X509KeyUsageFlags.DigitalSignature, true));
        req.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(req.PublicKey, false));
        return new Issued(req.CreateSelfSigned(spec.NotBefore, spec.NotAfter), key);
    }

    [Fact]
    public void AuditAnchorsOnTheSystemBundle()
    {
        const string bundle = "/etc/ssl/certs/ca-certificates.crt";
        Assert.True(File.Exists(bundle), "this test reads the machine's system bundle");
        var now = DateTimeOffset.UtcNow;
        var (anchors, unreadable) = Certitude.Cli.AnchorAudit.Read([bundle]);
        Assert.Empty(unreadable);
        Assert.NotEmpty(anchors);
        var lax = new VerificationOptions { Flags = VerifyFlags.Default & ~VerifyFlags.X509Strict };
        var strict = new VerificationOptions();
        foreach (var (source, cert) in anchors.Where(a => a.Certificate.NotAfter > now && a.Certificate.NotBefore < now))
        {
            // Every current root is usable as an anchor; where strict structure rules refuse one, only they do
            // (OpenSSL 3.0's -x509_strict refuses the same roots, e.g. a CA whose basicConstraints is not critical).
            var j = Certitude.Cli.AnchorAudit.Judge(source, cert, lax, now);
            Assert.True(j.Verdict != "unusable", $"{cert.Subject}: {string.Join("; ", j.Reasons)}");
            var s = Certitude.Cli.AnchorAudit.Judge(source, cert, strict, now);
            Assert.All(s.Reasons, r => Assert.True(r.StartsWith("strict: ", StringComparison.Ordinal) || r.StartsWith("issuance rule: ", StringComparison.Ordinal), r));
        }
    }

    [Fact]
    public void RehashMakesTheLinksOpenSslRehashMakesFromTheSameFiles()
    {
        var roots = Enumerable.Range(0, 3).Select(i => TestPki.Root("CN=Same Name Root")).ToList();
        var other = TestPki.Root("CN=Other Root");
        var crl = CrlFor(roots[0]);
        string[] dirs = [Path.Combine(Dir, "mine"), Path.Combine(Dir, "theirs")];
        foreach (var d in dirs)
        {
            Directory.CreateDirectory(d);
            File.WriteAllText(Path.Combine(d, "a.pem"), roots[0].X509.ExportCertificatePem());
            File.WriteAllText(Path.Combine(d, "b.crt"), roots[1].X509.ExportCertificatePem());
            File.WriteAllText(Path.Combine(d, "C.PEM"), roots[2].X509.ExportCertificatePem());
            File.WriteAllText(Path.Combine(d, "dup.pem"), roots[0].X509.ExportCertificatePem());
            File.WriteAllBytes(Path.Combine(d, "der.cer"), other.X509.RawData);
            File.WriteAllText(Path.Combine(d, "two.pem"), roots[0].X509.ExportCertificatePem() + other.X509.ExportCertificatePem());
            File.WriteAllText(Path.Combine(d, "list.crl"), PemEncoding.WriteString("X509 CRL", crl));
            File.WriteAllBytes(Path.Combine(d, "list-der.crl"), crl);
            File.WriteAllText(Path.Combine(d, "other.txt"), other.X509.ExportCertificatePem());
        }
        var mine = Run("rehash", dirs[0]);
        Assert.Equal(0, mine.Exit);
        Assert.Contains("der.cer", mine.Err, StringComparison.Ordinal);
        OpenSsl("rehash", dirs[1]);
        static string[] Links(string d) => Directory.EnumerateFileSystemEntries(d).Select(f => new FileInfo(f)).Where(f => f.LinkTarget is not null)
            .Select(f => f.Name + " -> " + f.LinkTarget).Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(Links(dirs[1]), Links(dirs[0]));
        Assert.Contains(Links(dirs[0]), l => l.Contains(".r0 -> list.crl", StringComparison.Ordinal));
        Assert.DoesNotContain(Links(dirs[0]), l => l.EndsWith("der.cer", StringComparison.Ordinal));
        // Again over its own links: the same result.
        Assert.Equal(0, Run("rehash", dirs[0]).Exit);
        Assert.Equal(Links(dirs[1]), Links(dirs[0]));
    }

    private static byte[] CrlFor(Issued issuer)
    {
        var aki = X509AuthorityKeyIdentifierExtension.CreateFromSubjectKeyIdentifier(issuer.X509.Extensions.OfType<X509SubjectKeyIdentifierExtension>().Single());
        return new CertificateRevocationListBuilder().Build(issuer.X509.SubjectName, issuer.Generator, 1, TestPki.Now.AddDays(7), HashAlgorithmName.SHA256, aki, TestPki.Now);
    }
}
