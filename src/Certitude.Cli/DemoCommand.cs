using System.CommandLine;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Nodes;
using Certitude.Tls;

namespace Certitude.Cli;

/// <summary>
/// <c>certitude demo</c>: a local badssl. Builds a throw-away PKI, starts one TLS server per scenario on
/// 127.0.0.1, connects to each with Certitude's default context and with .NET's default SslStream
/// validation (trusting the same demo root), and prints one table. Exits 1 if any Certitude verdict
/// differs from what a careful client must do. No network beyond loopback.
/// </summary>
internal static class DemoCommand
{
    public static Command Build()
    {
        var json = new Option<bool>("--json") { Description = "print the table as JSON" };
        var cmd = new Command("demo", "Run the local TLS scenarios and compare Certitude with .NET's default validation.") { json };
        cmd.SetAction(p => Cli.Run(() =>
        {
            var rows = Run();
            if (p.GetValue(json))
            {
                var arr = new JsonArray();
                foreach (var r in rows)
                {
                    arr.Add((JsonNode)new JsonObject
                    {
                        ["scenario"] = r.Name,
                        ["expected"] = r.Expected ? "accept" : "reject",
                        ["certitude"] = r.Certitude ? "accept" : "reject",
                        ["certitude_reason"] = r.Reason,
                        ["dotnet"] = r.DotNet ? "accept" : "reject",
                        ["as_expected"] = r.Certitude == r.Expected,
                    });
                }
                Console.Out.WriteLine(Render.Json(arr));
            }
            else
            {
                Print(rows);
            }
            return rows.All(r => r.Certitude == r.Expected) ? Exit.Verified : Exit.VerificationFailed;
        }));
        return cmd;
    }

    internal sealed record Row(string Name, bool Expected, bool Certitude, string Reason, bool DotNet);

    private sealed record Scenario(string Name, bool Expected, X509Certificate2 Leaf, X509Certificate2[] Sent, string Host, Action<TlsContext>? Configure = null, TrustStore? Trust = null);

    private static void Print(List<Row> rows)
    {
        int w = rows.Max(r => r.Name.Length);
        Console.Out.WriteLine($"{"scenario".PadRight(w)}  {"must",-6}  {"Certitude",-9}  {".NET",-6}  Certitude's reason");
        foreach (var r in rows)
        {
            string V(bool ok) => ok ? "accept" : "reject";
            var mark = r.Certitude == r.Expected ? Render.Green(V(r.Certitude).PadRight(9)) : Render.Red(V(r.Certitude).PadRight(9));
            var net = r.DotNet == r.Expected ? V(r.DotNet).PadRight(6) : Render.Yellow(V(r.DotNet).PadRight(6));
            Console.Out.WriteLine($"{r.Name.PadRight(w)}  {V(r.Expected),-6}  {mark}  {net}  {r.Reason}");
        }
        int wrongNet = rows.Count(r => r.DotNet != r.Expected);
        Console.Out.WriteLine();
        Console.Out.WriteLine($"Certitude: {rows.Count(r => r.Certitude == r.Expected)}/{rows.Count} as a careful client must. .NET default validation: {rows.Count - wrongNet}/{rows.Count}.");
    }

    internal static List<Row> Run()
    {
        var now = DateTimeOffset.UtcNow;
        var pki = new DemoPki(now);
        var root = pki.Root("CN=Certitude Demo Root");
        var ica = pki.Issue(root, "CN=Certitude Demo ICA", ca: true);
        var otherRoot = pki.Root("CN=Someone Else's Root");
        var otherIca = pki.Issue(otherRoot, "CN=Someone Else's ICA", ca: true);
        var constrained = pki.Issue(root, "CN=Constrained ICA", ca: true, nameConstraint: "demo.test");
        var revoked = pki.Issue(ica, "CN=revoked.demo.test", dns: ["revoked.demo.test"]);
        var crl = CertificateRevocationList.Parse(pki.Crl(ica, revoked));
        var trust = TrustStore.FromCertificates([Certificate.Parse(root.RawData)]);
        var scenarios = new List<Scenario>
        {
            new("valid chain", true, pki.Issue(ica, "CN=demo.test", dns: ["demo.test"]), [ica], "demo.test"),
            new("expired", false, pki.Issue(ica, "CN=demo.test", dns: ["demo.test"], notBefore: now.AddDays(-60), notAfter: now.AddDays(-1)), [ica], "demo.test"),
            new("not yet valid", false, pki.Issue(ica, "CN=demo.test", dns: ["demo.test"], notBefore: now.AddDays(1), notAfter: now.AddDays(60)), [ica], "demo.test"),
            new("wrong host", false, pki.Issue(ica, "CN=demo.test", dns: ["demo.test"]), [ica], "other.test"),
            new("self-signed leaf", false, pki.SelfSignedLeaf("demo.test"), [], "demo.test"),
            new("untrusted root", false, pki.Issue(otherIca, "CN=demo.test", dns: ["demo.test"]), [otherIca], "demo.test"),
            new("missing intermediate", false, pki.Issue(ica, "CN=demo.test", dns: ["demo.test"]), [], "demo.test"),
            new("intermediate as partial-chain anchor", true, pki.Issue(ica, "CN=demo.test", dns: ["demo.test"]), [], "demo.test",
                Trust: TrustStore.FromCertificates([Certificate.Parse(ica.RawData)])),
            new("revoked (CRL)", false, revoked, [ica], "revoked.demo.test", c =>
            {
                c.Crls = [crl];
                c.VerifyFlags |= VerifyFlags.CrlCheckLeaf;
            }),
            new("RSA-1024 leaf", false, pki.Issue(ica, "CN=demo.test", dns: ["demo.test"], rsaBits: 1024), [ica], "demo.test"),
            new("SHA-1 signed leaf", false, pki.Issue(ica, "CN=demo.test", dns: ["demo.test"], sha1: true), [ica], "demo.test"),
            new("wildcard", true, pki.Issue(ica, "CN=*.demo.test", dns: ["*.demo.test"]), [ica], "www.demo.test"),
            new("partial wildcard", false, pki.Issue(ica, "CN=w*.demo.test", dns: ["w*.demo.test"]), [ica], "www.demo.test"),
            new("wildcard over a public suffix", false, pki.Issue(ica, "CN=*.co.uk", dns: ["*.co.uk"]), [ica], "example.co.uk"),
            new("Unicode host", true, pki.Issue(ica, "CN=xn--bcher-kva.demo.test", dns: ["xn--bcher-kva.demo.test"]), [ica], "bücher.demo.test"),
            new("IP-address host", true, pki.Issue(ica, "CN=127.0.0.1", ips: ["127.0.0.1"]), [ica], "127.0.0.1"),
            new("CN-only certificate", false, pki.Issue(ica, "CN=demo.test"), [ica], "demo.test"),
            new("name-constraint violation", false, pki.Issue(constrained, "CN=evil.example", dns: ["evil.example"]), [constrained], "evil.example"),
            new("CA certificate as leaf", false, pki.Issue(ica, "CN=demo.test", ca: true, dns: ["demo.test"]), [ica], "demo.test"),
        };
        var rows = new List<Row>();
        foreach (var s in scenarios)
        {
            using var server = new DemoServer(s.Leaf, s.Sent);
            var ctx = TlsContext.CreateDefault(TlsPurpose.ServerAuthentication, s.Trust ?? trust);
            s.Configure?.Invoke(ctx);
            bool ok;
            string reason;
            try
            {
                var report = ConnectCommand.Connect(ctx, "127.0.0.1", server.Port, s.Host, TimeSpan.FromSeconds(10));
                ok = report.ExitCode == Exit.Verified;
                reason = ok ? "verified" : report.Json["verification"]?["code_text"]?.ToString() ?? "rejected";
            }
            catch (CliException e) when (e.ExitCode == Exit.Network)
            {
                // The platform's TLS library refused the handshake before any certificate reached Certitude
                // (OpenSSL's security level rejects RSA-1024 and SHA-1 here). Certitude's own verdict on
                // the very same chain, verified directly, is what the table shows.
                var offline = new Verifier(ctx.TrustStore!, ctx.VerificationOptions).Verify(
                    Certificate.Parse(s.Leaf.RawData), s.Sent.Select(c => Certificate.Parse(c.RawData)), PeerIdentity.Host(s.Host));
                ok = offline.IsValid;
                reason = (ok ? "verified" : offline.CodeText) + " (checked directly: the platform's TLS library refused the handshake first)";
            }
            rows.Add(new Row(s.Name, s.Expected, ok, reason, DotNetAccepts(server.Port, s.Host, s.Trust is null ? root : ica)));
        }
        return rows;
    }

    /// <summary>.NET's default SslStream validation with the demo root trusted (custom root trust).</summary>
    private static bool DotNetAccepts(int port, string host, X509Certificate2 anchor)
    {
        using var tcp = new TcpClient();
        tcp.Connect(IPAddress.Loopback, port);
        var policy = new X509ChainPolicy { TrustMode = X509ChainTrustMode.CustomRootTrust, RevocationMode = X509RevocationMode.NoCheck, DisableCertificateDownloads = true };
        policy.CustomTrustStore.Add(anchor);
        bool accepted = false;
        using var ssl = new SslStream(tcp.GetStream(), false, (_, _, _, errors) => accepted = errors == SslPolicyErrors.None);
        try
        {
            ssl.AuthenticateAsClient(new SslClientAuthenticationOptions { TargetHost = host, CertificateChainPolicy = policy });
        }
        catch (Exception e) when (e is IOException or System.Security.Authentication.AuthenticationException)
        {
            return false;
        }
        return accepted;
    }

    /// <summary>A TLS server on 127.0.0.1 presenting one chain, for the scenarios.</summary>
    private sealed class DemoServer : IDisposable
    {
        private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
        private readonly CancellationTokenSource _stop = new();

        public DemoServer(X509Certificate2 leaf, X509Certificate2[] sent)
        {
            _listener.Start();
            var context = SslStreamCertificateContext.Create(leaf, [.. sent], offline: true);
            _ = Task.Run(async () =>
            {
                while (!_stop.IsCancellationRequested)
                {
                    TcpClient client;
                    try
                    {
                        client = await _listener.AcceptTcpClientAsync(_stop.Token);
                    }
                    catch (Exception)
                    {
                        return;
                    }
                    _ = Task.Run(async () =>
                    {
                        using (client)
                        using (var ssl = new SslStream(client.GetStream()))
                        {
                            try
                            {
                                await ssl.AuthenticateAsServerAsync(new SslServerAuthenticationOptions { ServerCertificateContext = context }, _stop.Token);
                                await ssl.WriteAsync("ok\n"u8.ToArray(), _stop.Token);
                            }
                            catch (Exception)
                            {
                                // The client rejected the certificate; that is the point of most scenarios.
                            }
                        }
                    });
                }
            });
        }

        public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

        public void Dispose()
        {
            _stop.Cancel();
            _listener.Stop();
            _stop.Dispose();
        }
    }
}

/// <summary>The demo's throw-away PKI, made with CertificateRequest. Keys are P-256 unless asked otherwise.</summary>
internal sealed class DemoPki(DateTimeOffset now)
{
    private long _serial = 0x1000;

    private byte[] Serial() => [0x01, .. BitConverter.GetBytes(Interlocked.Increment(ref _serial))];

    public X509Certificate2 Root(string name)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var req = new CertificateRequest(name, key, HashAlgorithmName.SHA256);
        req.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        req.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        req.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(req.PublicKey, false));
        return req.CreateSelfSigned(now.AddDays(-30), now.AddYears(1));
    }

    public X509Certificate2 SelfSignedLeaf(string dns)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var req = new CertificateRequest("CN=" + dns, key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddDnsName(dns);
        req.CertificateExtensions.Add(san.Build());
        req.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        return req.CreateSelfSigned(now.AddDays(-1), now.AddDays(30));
    }

    public X509Certificate2 Issue(X509Certificate2 issuer, string subject, bool ca = false, string[]? dns = null, string[]? ips = null,
        DateTimeOffset? notBefore = null, DateTimeOffset? notAfter = null, int? rsaBits = null, bool sha1 = false, string? nameConstraint = null)
    {
        using AsymmetricAlgorithm key = rsaBits is int bits ? RSA.Create(bits) : ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var req = key is RSA r ? new CertificateRequest(subject, r, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1) : new CertificateRequest(subject, (ECDsa)key, HashAlgorithmName.SHA256);
        if (ca)
        {
            req.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
            req.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign | X509KeyUsageFlags.DigitalSignature, true));
        }
        else
        {
            req.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment, true));
        }
        if (!ca || dns is not null)
        {
            req.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        }
        if (dns is not null || ips is not null)
        {
            req.CertificateExtensions.Add(RawSan(dns ?? [], ips ?? []));
        }
        if (nameConstraint is not null)
        {
            var w = new System.Formats.Asn1.AsnWriter(System.Formats.Asn1.AsnEncodingRules.DER);
            using (w.PushSequence())
            using (w.PushSequence(new System.Formats.Asn1.Asn1Tag(System.Formats.Asn1.TagClass.ContextSpecific, 0, true)))
            using (w.PushSequence())
            {
                w.WriteCharacterString(System.Formats.Asn1.UniversalTagNumber.IA5String, nameConstraint, new System.Formats.Asn1.Asn1Tag(System.Formats.Asn1.TagClass.ContextSpecific, 2));
            }
            req.CertificateExtensions.Add(new X509Extension("2.5.29.30", w.Encode(), true));
        }
        req.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(req.PublicKey, false));
        req.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromSubjectKeyIdentifier(issuer.Extensions.OfType<X509SubjectKeyIdentifierExtension>().Single()));
        using var issuerKey = issuer.GetECDsaPrivateKey()!;
        X509SignatureGenerator generator = sha1 ? new Sha1EcdsaGenerator(issuerKey) : X509SignatureGenerator.CreateForECDsa(issuerKey);
        var cert = req.Create(issuer.SubjectName, generator, notBefore ?? now.AddDays(-1), notAfter ?? now.AddDays(90), Serial());
        return key switch
        {
            RSA rsa => cert.CopyWithPrivateKey(rsa),
            _ => cert.CopyWithPrivateKey((ECDsa)key),
        };
    }

    public byte[] Crl(X509Certificate2 issuer, X509Certificate2 revoked)
    {
        var b = new CertificateRevocationListBuilder();
        b.AddEntry(revoked, now.AddHours(-1), X509RevocationReason.KeyCompromise);
        return b.Build(issuer, 1, now.AddDays(7), HashAlgorithmName.SHA256);
    }

    private static X509Extension RawSan(string[] dns, string[] ips)
    {
        // Written directly: .NET's builder refuses partial wildcards, which the demo must show.
        var w = new System.Formats.Asn1.AsnWriter(System.Formats.Asn1.AsnEncodingRules.DER);
        using (w.PushSequence())
        {
            foreach (var d in dns)
            {
                w.WriteCharacterString(System.Formats.Asn1.UniversalTagNumber.IA5String, d, new System.Formats.Asn1.Asn1Tag(System.Formats.Asn1.TagClass.ContextSpecific, 2));
            }
            foreach (var ip in ips)
            {
                w.WriteOctetString(IPAddress.Parse(ip).GetAddressBytes(), new System.Formats.Asn1.Asn1Tag(System.Formats.Asn1.TagClass.ContextSpecific, 7));
            }
        }
        return new X509Extension("2.5.29.17", w.Encode(), false);
    }

    /// <summary>ecdsa-with-SHA1, which .NET's generators refuse to write.</summary>
    private sealed class Sha1EcdsaGenerator(ECDsa key) : X509SignatureGenerator
    {
        public override byte[] GetSignatureAlgorithmIdentifier(HashAlgorithmName hashAlgorithm) => [0x30, 0x09, 0x06, 0x07, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x04, 0x01];

        public override byte[] SignData(byte[] data, HashAlgorithmName hashAlgorithm) => key.SignData(data, HashAlgorithmName.SHA1, DSASignatureFormat.Rfc3279DerSequence);

        protected override PublicKey BuildPublicKey() => CreateForECDsa(key).PublicKey;
    }
}
