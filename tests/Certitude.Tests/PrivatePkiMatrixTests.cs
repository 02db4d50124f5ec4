using System.Diagnostics;
using System.Formats.Asn1;
using System.Net;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Certitude.Tls;
using Xunit;

namespace Certitude.Tests;

/// <summary>
/// The private PKIs .NET shops run, through real loopback handshakes with Certitude's default TLS contexts and
/// custom trust (strict by default), each verdict compared with `openssl verify -x509_strict` on the same files:
/// what works everywhere verifies (kubeadm's API server, mkcert, a label CN, no EKU, an explicit cA FALSE, an mTLS
/// client without SAN); what RFC 5280 6 forbids a relying party to accept does not (a v1 intermediate). The shapes
/// Python 3.13's strict default broke in 2025 (a proxy leaf without AKI, a root without SKI, a CA whose
/// basicConstraints is not critical, an intermediate without keyUsage) verify with issuance-tier warnings, where
/// `openssl verify -x509_strict` rejects them, and are rejected with the issuance tier on (issue 25).
/// </summary>
public sealed class PrivatePkiMatrixTests
{
    private static readonly string ServerAuth = "1.3.6.1.5.5.7.3.1";
    private static readonly string ClientAuth = "1.3.6.1.5.5.7.3.2";

    /// <summary>One chain of the matrix: its root, leaf, intermediates (leaf's issuer first), the host the client asks
    /// for (null for a client certificate), whether it must be accepted, and the OpenSSL code of a rejection.</summary>
    /// <remarks><paramref name="IssuanceCode"/>: the case breaks a CA's duty, so Certitude accepts it with that warning
    /// by default and rejects it with that code under the issuance tier, while `openssl verify -x509_strict` rejects it
    /// (with <paramref name="OpensslCode"/>, or the same code).</remarks>
    internal sealed record Case(string Name, Issued Root, Issued Leaf, Issued[] Intermediates, string? Host, bool Accept, VerifyCode? Code = null,
        VerifyCode? OpensslCode = null, VerifyCode? IssuanceCode = null)
    {
        public bool OpensslAccepts => Accept && IssuanceCode is null;
    }

    private static CertSpec Live(CertSpec? s = null) => TestPki.Live(s);

    private static readonly Lazy<(Issued Root, Case[] Cases)> Matrix = new(Build);

    private static (Issued Root, Case[] Cases) Build()
    {
        var root = TestPki.Root("CN=Private Root", Live());
        var serverKu = X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment;
        // kubeadm: CN=kube-apiserver, DNS and IP SANs, serverAuth, issued directly by the cluster CA.
        var kube = TestPki.Issue(root, Live(new CertSpec
        {
            Subject = "CN=kube-apiserver",
            Dns = ["kubernetes", "kubernetes.default", "kubernetes.default.svc", "kubernetes.default.svc.cluster.local"],
            Ips = ["10.96.0.1", "127.0.0.1"],
            KeyUsage = serverKu,
            Ekus = [ServerAuth],
        }));
        // mkcert: no CN, O/OU only, SAN localhost and 127.0.0.1, under a root with pathlen 0.
        var mkroot = TestPki.Root("CN=mkcert dev@host, OU=dev@host, O=mkcert development CA", Live(new CertSpec { PathLength = 0 }));
        var mk = TestPki.Issue(mkroot, Live(new CertSpec
        {
            Subject = "OU=dev@host, O=mkcert development certificate",
            Dns = ["localhost"],
            Ips = ["127.0.0.1"],
            KeyUsage = serverKu,
            Ekus = [ServerAuth],
        }));
        var ica = TestPki.Ca(root, "CN=Private Issuing CA", spec: Live());
        var label = TestPki.Issue(ica, Live(new CertSpec { Subject = "CN=my-service", Dns = ["my-service.internal"], Ekus = [ServerAuth] }));
        var noEku = TestPki.Issue(ica, Live(new CertSpec { Subject = "CN=leaf", Dns = ["noeku.internal"], Ekus = null }));
        var explicitFalse = TestPki.Issue(ica, Live(new CertSpec
        {
            Subject = "CN=explicit-false.internal",
            Dns = ["explicit-false.internal"],
            // basicConstraints SEQUENCE { BOOLEAN FALSE }: DER wants the DEFAULT omitted; many CA tools write it.
            Extra = [new X509Extension("2.5.29.19", [0x30, 0x03, 0x01, 0x01, 0x00], true)],
        }));
        var alice = TestPki.Issue(ica, Live(new CertSpec { Subject = "CN=alice", Ekus = [ClientAuth] }));
        // Issue 25: the shapes Python 3.13's VERIFY_X509_STRICT default broke.
        var proxyRoot = TestPki.Root("CN=Inspection Proxy Root", Live());
        var proxyLeaf = TestPki.Issue(proxyRoot, Live(new CertSpec { Subject = "CN=proxied.internal", Dns = ["proxied.internal"], Aki = false }));
        var noSkiRoot = TestPki.Root("CN=Root Without SKI", Live(new CertSpec { Ski = false }));
        var underNoSki = TestPki.Issue(noSkiRoot, Live(new CertSpec { Subject = "CN=noski.internal", Dns = ["noski.internal"] }));
        var softRoot = TestPki.Root("CN=Old Private Root", Live(new CertSpec { BasicConstraints = false, Extra = [new X509BasicConstraintsExtension(true, false, 0, false)] }));
        var underSoft = TestPki.Issue(softRoot, Live(new CertSpec { Subject = "CN=softbc.internal", Dns = ["softbc.internal"] }));
        var noKuCa = TestPki.Ca(root, "CN=CA without keyUsage", spec: Live(new CertSpec { KeyUsage = X509KeyUsageFlags.None }));
        var underNoKu = TestPki.Issue(noKuCa, Live(new CertSpec { Subject = "CN=nokuca.internal", Dns = ["nokuca.internal"] }));
        var v1 = RawCertificates.Version1Ca(root, "CN=Version 1 Intermediate");
        var underV1 = TestPki.Issue(v1, Live(new CertSpec { Subject = "CN=v1.internal", Dns = ["v1.internal"] }));
        Case[] cases =
        [
            new("kubeadm API server by DNS", root, kube, [], "kubernetes.default.svc", true),
            new("kubeadm API server by IP", root, kube, [], "127.0.0.1", true),
            new("mkcert-like", mkroot, mk, [], "localhost", true),
            new("CN is a label", root, label, [ica], "my-service.internal", true),
            new("leaf without EKU", root, noEku, [ica], "noeku.internal", true),
            new("explicit cA FALSE", root, explicitFalse, [ica], "explicit-false.internal", true),
            new("mTLS client without SAN", root, alice, [ica], null, true),
            new("proxy leaf without AKI", proxyRoot, proxyLeaf, [], "proxied.internal", true, IssuanceCode: VerifyCode.MissingAuthorityKeyIdentifier),
            new("root without SKI", noSkiRoot, underNoSki, [], "noski.internal", true, IssuanceCode: VerifyCode.MissingSubjectKeyIdentifier),
            new("CA with non-critical basicConstraints", softRoot, underSoft, [], "softbc.internal", true, IssuanceCode: VerifyCode.CaBasicConstraintsNotCritical),
            new("intermediate without keyUsage", root, underNoKu, [noKuCa], "nokuca.internal", true, IssuanceCode: VerifyCode.CaCertMissingKeyUsage),
            // Certitude's own code for RFC 5280 6.1.4 (k) on a v1/v2 certificate; OpenSSL says "invalid CA certificate".
            new("v1 intermediate", root, underV1, [v1], "v1.internal", false, VerifyCode.CaNotVersion3, VerifyCode.InvalidCa),
        ];
        return (root, cases);
    }

    public static TheoryData<string> CaseNames() => new(Matrix.Value.Cases.Select(c => c.Name));

    [Theory]
    [MemberData(nameof(CaseNames))]
    public async Task DefaultContextsGiveTheExpectedVerdictOverRealHandshakes(string name)
    {
        var c = Matrix.Value.Cases.Single(x => x.Name == name);
        var trust = TrustStore.FromCertificates([Anchor(c).Cert]);
        var (accepted, error) = c.Host is null ? await ClientCertificateHandshake(c, trust) : await ServerCertificateHandshake(c, trust);
        Assert.True(accepted == c.Accept, $"{name}: expected {(c.Accept ? "accept" : "reject")}, got {(accepted ? "accept" : error)}");
        if (!c.Accept)
        {
            var e = Assert.IsType<CertificateVerificationException>(error);
            Assert.Equal(c.Code, e.VerifyCode);
        }
        // A CA's duty: the same handshake with the issuance tier on is refused with the rule's code.
        if (c.IssuanceCode is { } duty)
        {
            var (enforcedAccepted, enforcedError) = await ServerCertificateHandshake(c, trust, VerifyFlags.Default | VerifyFlags.CabfIssuance);
            Assert.False(enforcedAccepted, $"{name}: accepted with the issuance tier on");
            Assert.Equal(duty, Assert.IsType<CertificateVerificationException>(enforcedError).VerifyCode);
        }
    }

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void VerdictAgreesWithOpensslStrict(string name)
    {
        Assert.True(File.Exists("/usr/bin/openssl"), "the openssl command is required for the comparison");
        var c = Matrix.Value.Cases.Single(x => x.Name == name);
        var dir = Directory.CreateTempSubdirectory("certitude-matrix-");
        try
        {
            File.WriteAllText(Path.Combine(dir.FullName, "root.pem"), Anchor(c).X509.ExportCertificatePem());
            File.WriteAllText(Path.Combine(dir.FullName, "leaf.pem"), c.Leaf.X509.ExportCertificatePem());
            File.WriteAllText(Path.Combine(dir.FullName, "chain.pem"), string.Concat(c.Intermediates.Select(i => i.X509.ExportCertificatePem() + "\n")));
            var args = new List<string> { "verify", "-x509_strict", "-CAfile", "root.pem", "-purpose", c.Host is null ? "sslclient" : "sslserver" };
            if (c.Intermediates.Length > 0)
            {
                args.AddRange(["-untrusted", "chain.pem"]);
            }
            if (c.Host is { } host)
            {
                args.AddRange(IPAddress.TryParse(host, out _) ? ["-verify_ip", host] : ["-verify_hostname", host]);
            }
            args.Add("leaf.pem");
            var (exit, output) = Run(dir.FullName, args);
            Assert.True((exit == 0) == c.OpensslAccepts, $"{name}: openssl said {output.Trim()} (exit {exit}), expected {(c.OpensslAccepts ? "accept" : "reject")}");
            if (!c.OpensslAccepts)
            {
                // openssl prints "error N at depth ...": the same OpenSSL code as Certitude's (for a CA's duty, the code
                // Certitude reports under the issuance tier).
                Assert.Contains($"error {(int)(c.OpensslCode ?? c.Code ?? c.IssuanceCode)!} at", output, StringComparison.Ordinal);
            }

            // Certitude's library verdict on the same files, with the default options.
            var leaf = Certificate.Parse(c.Leaf.X509.RawData);
            var options = new VerificationOptions { Purpose = c.Host is null ? CertificatePurpose.ClientAuthentication : CertificatePurpose.ServerAuthentication };
            var peer = c.Host is null ? null : IPAddress.TryParse(c.Host, out _) ? PeerIdentity.IPAddress(c.Host) : PeerIdentity.Host(c.Host);
            var result = new Verifier(TrustStore.FromFile(Path.Combine(dir.FullName, "root.pem")), options)
                .Verify(leaf, c.Intermediates.Select(i => Certificate.Parse(i.X509.RawData)), peer);
            Assert.True(result.IsValid == c.Accept, $"{name}: {result.Explain()}");
            if (c.IssuanceCode is { } duty)
            {
                Assert.Contains(result.Warnings, w => w.Code == duty);
                var enforced = new Verifier(TrustStore.FromFile(Path.Combine(dir.FullName, "root.pem")), options with { Flags = VerifyFlags.Default | VerifyFlags.CabfIssuance })
                    .Verify(leaf, c.Intermediates.Select(i => Certificate.Parse(i.X509.RawData)), peer);
                Assert.Equal(duty, enforced.Code);
            }
            // For eng/private-pki-matrix.py (the README's comparison with Python's ssl): keep the files and the leaf's key.
            if (Environment.GetEnvironmentVariable("CERTITUDE_MATRIX_DUMP") is { Length: > 0 } dump)
            {
                var into = Directory.CreateDirectory(Path.Combine(dump, name.Replace(' ', '-')));
                foreach (var f in dir.GetFiles())
                {
                    f.CopyTo(Path.Combine(into.FullName, f.Name), true);
                }
                File.WriteAllText(Path.Combine(into.FullName, "leaf.key"), c.Leaf.Key.ExportPkcs8PrivateKeyPem());
                File.WriteAllText(Path.Combine(into.FullName, "host"), c.Host ?? "");
            }
        }
        finally
        {
            dir.Delete(true);
        }
    }

    [Fact]
    public void AcceptedPrivatePkiLeavesCarryIssuanceWarningsNotErrors()
    {
        var cases = Matrix.Value.Cases.ToDictionary(c => c.Name);
        var kube = cases["kubeadm API server by DNS"];
        var result = Verify(kube, VerifyFlags.Default);
        Assert.True(result.IsValid, result.Explain());
        // CN=kube-apiserver is not one of its SAN values: CA/B BR 7.1.4.3, a CA's duty.
        Assert.Contains(result.Warnings, w => w.RuleId == "leaf-cn-in-san" && w.CertificateIndex == 0 && w.Code == VerifyCode.CommonNameNotInSan);
        var issuance = Verify(kube, VerifyFlags.Default | VerifyFlags.CabfIssuance);
        Assert.Equal(VerifyCode.CommonNameNotInSan, issuance.Code);

        var noEku = Verify(cases["leaf without EKU"], VerifyFlags.Default);
        Assert.True(noEku.IsValid, noEku.Explain());
        Assert.Contains(noEku.Warnings, w => w.RuleId == "leaf-eku-required");
        Assert.Equal(VerifyCode.InvalidPurpose, Verify(cases["leaf without EKU"], VerifyFlags.Default | VerifyFlags.CabfIssuance).Code);

        var explicitFalse = Verify(cases["explicit cA FALSE"], VerifyFlags.Default);
        Assert.True(explicitFalse.IsValid, explicitFalse.Explain());
        Assert.Contains(explicitFalse.Warnings, w => w.RuleId == "der-default-omitted" && w.Message.Contains("cA FALSE", StringComparison.Ordinal));
        Assert.Equal(VerifyCode.MalformedCertificate, Verify(cases["explicit cA FALSE"], VerifyFlags.Default | VerifyFlags.CabfIssuance).Code);
        // Not strict and not issuance: still accepted, with the same warning (the tiers are independent).
        Assert.True(Verify(cases["explicit cA FALSE"], VerifyFlags.PartialChain | VerifyFlags.TrustedFirst).IsValid);

        // A client certificate is not judged by the CA/B server profile: no SAN and no warning about it.
        var alice = Verify(cases["mTLS client without SAN"], VerifyFlags.Default | VerifyFlags.CabfIssuance);
        Assert.True(alice.IsValid, alice.Explain());
        Assert.DoesNotContain(alice.Warnings, w => w.RuleId == "leaf-san-required");
        // The same certificate verified for a server purpose is a server certificate without SAN (issuance tier).
        var asServer = Verify(cases["mTLS client without SAN"], VerifyFlags.Default | VerifyFlags.CabfIssuance, CertificatePurpose.ServerAuthentication);
        Assert.False(asServer.IsValid);
    }

    /// <summary>Issue 25: the four shapes through the command line, as a user behind a TLS-inspection proxy or with an
    /// old private CA meets them: `certitude verify` accepts with a warning naming the rule; `--issuance-rules` rejects
    /// with the OpenSSL code Python 3.13 reports.</summary>
    [Theory]
    [InlineData("proxy leaf without AKI", "aki-present")]
    [InlineData("root without SKI", "ca-has-ski")]
    [InlineData("CA with non-critical basicConstraints", "ca-basic-constraints-critical")]
    [InlineData("intermediate without keyUsage", "ca-has-keyusage")]
    public void CommandLineWarnsAboutACasDutyAndRejectsItWithTheIssuanceRules(string name, string ruleId)
    {
        var c = Matrix.Value.Cases.Single(x => x.Name == name);
        var dir = Directory.CreateTempSubdirectory("certitude-matrix-cli-");
        try
        {
            var root = Path.Combine(dir.FullName, "root.pem");
            var leaf = Path.Combine(dir.FullName, "leaf.pem");
            File.WriteAllText(root, Anchor(c).X509.ExportCertificatePem());
            File.WriteAllText(leaf, c.Leaf.X509.ExportCertificatePem() + string.Concat(c.Intermediates.Select(i => "\n" + i.X509.ExportCertificatePem())));
            var ok = CliCommandTests.InProcess("verify", leaf, "--cafile", root, "--host", c.Host!);
            Assert.True(ok.Exit == 0, ok.Out + ok.Err);
            Assert.Contains("warning: certificate", ok.Out, StringComparison.Ordinal);
            Assert.Contains(ruleId, ok.Out, StringComparison.Ordinal);
            var rejected = CliCommandTests.InProcess("verify", leaf, "--cafile", root, "--host", c.Host!, "--issuance-rules", "--json");
            Assert.Equal(1, rejected.Exit);
            Assert.Equal((int)c.IssuanceCode!, System.Text.Json.JsonDocument.Parse(rejected.Out).RootElement.GetProperty("code").GetInt32());
        }
        finally
        {
            dir.Delete(true);
        }
    }

    [Fact]
    public void AStrictlyBrokenCaIsRejectedWhateverTheTierOfOtherRules()
    {
        var cases = Matrix.Value.Cases.ToDictionary(c => c.Name);
        // RFC 5280 6.1.4 (k) holds with X509Strict off as well: a v1 certificate is never an intermediate CA.
        Assert.Equal(VerifyCode.CaNotVersion3, Verify(cases["v1 intermediate"], VerifyFlags.PartialChain | VerifyFlags.TrustedFirst).Code);
    }

    private static VerificationResult Verify(Case c, VerifyFlags flags, CertificatePurpose? purpose = null)
    {
        var options = new VerificationOptions
        {
            Flags = flags,
            Purpose = purpose ?? (c.Host is null ? CertificatePurpose.ClientAuthentication : CertificatePurpose.ServerAuthentication),
        };
        var peer = c.Host is null ? null : IPAddress.TryParse(c.Host, out _) ? PeerIdentity.IPAddress(c.Host) : PeerIdentity.Host(c.Host);
        return new Verifier(TrustStore.FromCertificates([Anchor(c).Cert]), options).Verify(c.Leaf.Cert, c.Intermediates.Select(i => i.Cert), peer);
    }

    private static Issued Anchor(Case c) => c.Root;

    private static (int Exit, string Output) Run(string dir, IEnumerable<string> args)
    {
        var (exit, stdout, stderr) = ProcessRunner.Run("/usr/bin/openssl", args, dir);
        return (exit, stdout + stderr);
    }

    private static async Task<(bool Accepted, Exception? Error)> ServerCertificateHandshake(Case c, TrustStore trust, VerifyFlags flags = VerifyFlags.Default)
    {
        var server = TlsContext.CreateUnverified(TlsPurpose.ClientAuthentication);
        server.UseCertificate(TlsTests.WithKey(c.Leaf), c.Intermediates.Select(i => i.X509));
        var client = TlsContext.CreateDefault(TlsPurpose.ServerAuthentication, trust);
        client.VerifyFlags = flags;
        var (serverError, clientError) = await Handshake(server, client, c.Host!);
        _ = serverError;
        return (clientError is null, clientError);
    }

    private static async Task<(bool Accepted, Exception? Error)> ClientCertificateHandshake(Case c, TrustStore trust)
    {
        var serverLeaf = TestPki.Leaf(Matrix.Value.Root, ["server.internal"], Live());
        var server = TlsContext.CreateDefault(TlsPurpose.ClientAuthentication, trust);
        server.VerifyMode = VerifyMode.Required;
        server.UseCertificate(TlsTests.WithKey(serverLeaf));
        var client = TlsContext.CreateDefault(TlsPurpose.ServerAuthentication, TrustStore.FromCertificates([Matrix.Value.Root.Cert]));
        client.UseCertificate(TlsTests.WithKey(c.Leaf), c.Intermediates.Select(i => i.X509));
        var (serverError, _) = await Handshake(server, client, "server.internal");
        return (serverError is null, serverError);
    }

    private static async Task<(Exception? Server, Exception? Client)> Handshake(TlsContext server, TlsContext client, string host)
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        try
        {
            var port = ((IPEndPoint)listener.LocalEndpoint).Port;
            var serverTask = Task.Run(async () =>
            {
                using var tcp = await listener.AcceptTcpClientAsync();
                try
                {
                    await using var ssl = await server.AuthenticateAsServerAsync(tcp.GetStream());
                    await ssl.WriteAsync("hello\n"u8.ToArray());
                    return (Exception?)null;
                }
                catch (Exception e) when (e is AuthenticationException or IOException)
                {
                    return e;
                }
            });
            Exception? clientError = null;
            using (var tcp = new TcpClient())
            {
                await tcp.ConnectAsync(IPAddress.Loopback, port);
                try
                {
                    await using var ssl = await client.AuthenticateAsClientAsync(tcp.GetStream(), host);
                    var buf = new byte[6];
                    await ssl.ReadExactlyAsync(buf);
                }
                catch (Exception e) when (e is AuthenticationException or IOException)
                {
                    clientError = e;
                }
            }
            return (await serverTask, clientError);
        }
        finally
        {
            listener.Stop();
        }
    }
}

/// <summary>Certificates CertificateRequest cannot make, written as DER by hand and signed with the issuer's key.</summary>
internal static class RawCertificates
{
    /// <summary>A version 1 certificate (no extensions, so no basicConstraints) for a new P-256 key, issued by
    /// <paramref name="issuer"/> (an ECDSA key), valid around the real clock.</summary>
    public static Issued Version1Ca(Issued issuer, string subject)
    {
        var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var tbs = new AsnWriter(AsnEncodingRules.DER);
        using (tbs.PushSequence())
        {
            tbs.WriteInteger(RandomNumberGenerator.GetInt32(1 << 20, int.MaxValue));
            WriteEcdsaSha256(tbs);
            tbs.WriteEncodedValue(issuer.X509.SubjectName.RawData);
            using (tbs.PushSequence())
            {
                tbs.WriteUtcTime(DateTimeOffset.UtcNow.AddDays(-1));
                tbs.WriteUtcTime(DateTimeOffset.UtcNow.AddDays(30));
            }
            tbs.WriteEncodedValue(new X500DistinguishedName(subject).RawData);
            tbs.WriteEncodedValue(key.ExportSubjectPublicKeyInfo());
        }
        var tbsDer = tbs.Encode();
        var signature = ((ECDsa)issuer.Key).SignData(tbsDer, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence);
        var cert = new AsnWriter(AsnEncodingRules.DER);
        using (cert.PushSequence())
        {
            cert.WriteEncodedValue(tbsDer);
            WriteEcdsaSha256(cert);
            cert.WriteBitString(signature);
        }
        return new Issued(X509CertificateLoader.LoadCertificate(cert.Encode()), key);
    }

    private static void WriteEcdsaSha256(AsnWriter w)
    {
        using (w.PushSequence())
        {
            w.WriteObjectIdentifier("1.2.840.10045.4.3.2");
        }
    }
}
