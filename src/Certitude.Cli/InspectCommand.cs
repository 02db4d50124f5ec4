using System.CommandLine;
using System.Net.Security;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using Certitude.Der;

namespace Certitude.Cli;

/// <summary><c>certitude inspect FILE|HOST:PORT</c>: a readable view of each certificate and the chain as built.</summary>
internal static class InspectCommand
{
    public static Command Build()
    {
        var target = new Argument<string>("TARGET") { Description = "a PEM/DER file, or HOST:PORT to fetch the chain a server sends" };
        var json = new Option<bool>("--json") { Description = "print JSON" };
        var timeout = new Option<double>("--timeout") { Description = "network timeout in seconds", DefaultValueFactory = _ => 10 };
        var cmd = new Command("inspect", "Show certificates (subject, issuer, validity, names, key, extensions, fingerprints) and the chain as built.") { target, json, timeout };
        cmd.SetAction(p => Cli.Run(() =>
        {
            var t = p.GetValue(target)!;
            IReadOnlyList<Certificate> certs = File.Exists(t) ? Inputs.Certificates(t) : Fetch(t, TimeSpan.FromSeconds(p.GetValue(timeout)));
            VerificationResult? chain = null;
            try
            {
                var host = File.Exists(t) ? null : PeerIdentity.Host(Inputs.HostPort(t).Host);
                chain = new Verifier(TrustStore.LoadSystem()).Verify(certs[0], certs.Skip(1), host);
            }
            catch (TrustStoreException)
            {
                // No system store: the chain cannot be built; the certificates are still shown.
            }
            if (p.GetValue(json))
            {
                var arr = new JsonArray();
                foreach (var c in certs)
                {
                    arr.Add(Describe(c));
                }
                var root = new JsonObject { ["certificates"] = arr, ["chain"] = chain is null ? null : Render.Result(chain), ["crypto_path"] = chain?.CryptoPath ?? Signatures.CryptoPath.Description };
                Console.Out.WriteLine(Render.Json(root));
            }
            else
            {
                for (int i = 0; i < certs.Count; i++)
                {
                    Console.Out.WriteLine($"certificate {i}");
                    Print(Console.Out, certs[i]);
                }
                if (chain is null)
                {
                    Console.Out.WriteLine("chain: not built (no system trust store found)");
                }
                else
                {
                    Console.Out.WriteLine("chain as built against the system store:");
                    Render.ResultText(Console.Out, chain, explain: false);
                }
                Console.Out.WriteLine("signatures: " + (chain?.CryptoPath ?? Signatures.CryptoPath.Description));
            }
            return Exit.Verified;
        }));
        return cmd;
    }

    /// <summary>The chain a server sends (no verification: this is inspection).</summary>
    public static IReadOnlyList<Certificate> Fetch(string target, TimeSpan timeout)
    {
        var (host, port) = Inputs.HostPort(target);
        using var cts = new CancellationTokenSource(timeout);
        using var tcp = Inputs.Connect(host, port, cts.Token);
        var got = new List<Certificate>();
        // Inspection only collects what the server sends; nothing is sent over this connection, and the
        // chain is verified separately by Certitude.
#pragma warning disable CA5359
        using var ssl = new SslStream(tcp.GetStream(), false, (_, cert, chain, _) =>
        {
            if (cert is not null)
            {
                got.Add(Certificate.Parse(cert.GetRawCertData()));
                foreach (var c in chain?.ChainPolicy.ExtraStore ?? [])
                {
                    var parsed = Certificate.Parse(c.RawData);
                    if (!got.Contains(parsed))
                    {
                        got.Add(parsed);
                    }
                }
            }
            return true;
        });
#pragma warning restore CA5359
        try
        {
            ssl.AuthenticateAsClientAsync(new SslClientAuthenticationOptions { TargetHost = PeerIdentity.Host(host).SslTargetHost }, cts.Token).GetAwaiter().GetResult();
        }
        catch (Exception e) when (e is IOException or System.Security.Authentication.AuthenticationException or OperationCanceledException)
        {
            throw new CliException(Exit.Network, $"TLS handshake with {host}:{port} failed: {e.Message}");
        }
        if (got.Count == 0)
        {
            throw new CliException(Exit.Network, $"{host}:{port} sent no certificate");
        }
        return got;
    }

    public static JsonObject Describe(Certificate c)
    {
        var o = Render.Cert(c);
        o["version"] = c.Version;
        o["key"] = c.PublicKey.Describe();
        o["signature_algorithm"] = c.SignatureAlgorithmName;
        o["subject_hash"] = c.Subject.OpenSslHash().ToString("x8", System.Globalization.CultureInfo.InvariantCulture);
        var sans = new JsonArray();
        foreach (var n in c.SubjectAlternativeNames)
        {
            sans.Add(n.ToString());
        }
        o["subject_alt_names"] = sans;
        var exts = new JsonArray();
        foreach (var e in c.Extensions)
        {
            exts.Add(new JsonObject { ["oid"] = e.Oid, ["name"] = Oids.ExtensionName(e.Oid), ["critical"] = e.Critical });
        }
        o["extensions"] = exts;
        return o;
    }

    public static void Print(TextWriter w, Certificate c)
    {
        var left = c.NotAfter - DateTimeOffset.UtcNow;
        w.WriteLine($"  subject:    {c.Subject}");
        w.WriteLine($"  issuer:     {c.Issuer}");
        w.WriteLine($"  serial:     {c.SerialNumberHex}");
        w.WriteLine($"  validity:   {c.NotBefore:u} .. {c.NotAfter:u} ({(left > TimeSpan.Zero ? $"{left.TotalDays:F0} days left" : Render.Red("expired"))})");
        if (c.SubjectAlternativeNames.Count > 0)
        {
            w.WriteLine($"  names:      {string.Join(", ", c.SubjectAlternativeNames)}");
        }
        w.WriteLine($"  key:        {c.PublicKey.Describe()}");
        w.WriteLine($"  signature:  {c.SignatureAlgorithmName}");
        foreach (var e in c.Extensions)
        {
            w.WriteLine($"  extension:  {Oids.ExtensionName(e.Oid)}{(e.Critical ? " (critical)" : "")}");
        }
        w.WriteLine($"  sha256:     {c.Sha256Fingerprint}");
        w.WriteLine($"  subject hash: {c.Subject.OpenSslHash():x8}");
    }
}
