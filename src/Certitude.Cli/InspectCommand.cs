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
        var target = new Argument<string>("TARGET") { Description = "a certificate file (PEM, DER or PKCS#7), a directory (each certificate file in it), or HOST:PORT to fetch the chain a server sends" };
        var settings = new VerificationSettings();
        var json = new Option<bool>("--json") { Description = "print JSON" };
        var timeout = new Option<double>("--timeout") { Description = "network timeout in seconds", DefaultValueFactory = _ => 10 };
        var cmd = new Command("inspect",
            "Show certificates (subject, issuer, validity, names, key, extensions, fingerprints) and the chain as built and verified with the "
            + "verification options (the system store unless --cafile/--capath). Exit 0 when every chain verified, 1 when one did not, 2 for unreadable input.")
        {
            target, json, timeout,
        };
        settings.AddTo(cmd);
        cmd.SetAction(p => Cli.Run(() =>
        {
            var t = p.GetValue(target)!;
            var inputs = new List<(string? Source, IReadOnlyList<Certificate> Certs, PeerIdentity? Host)>();
            if (Directory.Exists(t))
            {
                // Each certificate file of the directory, once: hash links (<hash>.<n> symbolic links) are skipped.
                foreach (var f in Directory.EnumerateFiles(t).Order(StringComparer.Ordinal))
                {
                    if (RehashCommand.IsHashName(Path.GetFileName(f)) && new FileInfo(f).LinkTarget is not null)
                    {
                        continue;
                    }
                    try
                    {
                        inputs.Add((f, Inputs.Certificates(f), null));
                    }
                    catch (CliException e)
                    {
                        Console.Error.WriteLine($"certitude: skipping {e.Message}");
                    }
                }
                if (inputs.Count == 0)
                {
                    throw new CliException(Exit.Usage, $"directory '{t}' holds no certificate file");
                }
            }
            else if (Inputs.IsLocalPath(t))
            {
                // A local path is never resolved as a host name: a missing file is an error.
                inputs.Add((t, Inputs.Certificates(t), null));
            }
            else
            {
                inputs.Add((null, Fetch(t, TimeSpan.FromSeconds(p.GetValue(timeout))), PeerIdentity.Host(Inputs.HostPort(t).Host)));
            }
            var options = settings.Options(p);
            Verifier? verifier;
            try
            {
                verifier = new Verifier(settings.Trust.Load(p), options);
            }
            catch (CliException) when (!settings.Trust.Given(p))
            {
                // No system store: the chain cannot be built; the certificates are still shown.
                verifier = null;
            }
            var chains = inputs.Select(i => verifier?.Verify(i.Certs[0], i.Certs.Skip(1), i.Host)).ToList();
            if (p.GetValue(json))
            {
                var files = new JsonArray();
                for (int k = 0; k < inputs.Count; k++)
                {
                    var arr = new JsonArray();
                    foreach (var c in inputs[k].Certs)
                    {
                        arr.Add((JsonNode)Describe(c));
                    }
                    files.Add((JsonNode)new JsonObject
                    {
                        ["source"] = inputs[k].Source, ["certificates"] = arr, ["chain"] = chains[k] is { } r ? Render.Result(r) : null,
                        ["crypto_path"] = verifier?.CryptoPath ?? Signatures.CryptoPath.Description,
                    });
                }
                // One input: its certificates and chain at the top level; a directory: "files", one entry per file.
                Console.Out.WriteLine(Render.Json(files.Count == 1 && !Directory.Exists(t) ? files[0]!.DeepClone() : new JsonObject { ["files"] = files }));
            }
            else
            {
                for (int k = 0; k < inputs.Count; k++)
                {
                    if (inputs.Count > 1 || Directory.Exists(t))
                    {
                        Console.Out.WriteLine($"== {inputs[k].Source}");
                    }
                    var certs = inputs[k].Certs;
                    for (int i = 0; i < certs.Count; i++)
                    {
                        Console.Out.WriteLine($"certificate {i}");
                        Print(Console.Out, certs[i]);
                    }
                    if (chains[k] is not { } chain)
                    {
                        Console.Out.WriteLine("chain: not built (no system trust store found)");
                    }
                    else
                    {
                        Console.Out.WriteLine($"chain as built and verified ({options.Profile.Name}):");
                        Render.ResultText(Console.Out, chain, explain: false);
                    }
                }
                Console.Out.WriteLine("signatures: " + (verifier?.CryptoPath ?? Signatures.CryptoPath.Description));
            }
            return chains.All(c => c is null || c.IsValid) ? Exit.Verified : Exit.VerificationFailed;
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
            sans.Add((JsonNode)n.ToString());
        }
        o["subject_alt_names"] = sans;
        if (c.ExtendedKeyUsage is { } eku)
        {
            var purposes = new JsonArray();
            foreach (var oid in eku)
            {
                purposes.Add((JsonNode)KeyPurposes.Name(oid));
            }
            o["extended_key_usage"] = purposes;
        }
        var exts = new JsonArray();
        foreach (var e in c.Extensions)
        {
            exts.Add((JsonNode)new JsonObject { ["oid"] = e.Oid, ["name"] = Oids.ExtensionName(e.Oid), ["critical"] = e.Critical });
        }
        o["extensions"] = exts;
        o["root_program"] = RootProgramJson(c);
        return o;
    }

    /// <summary>The certificate's entry in Mozilla's root program (by certificate, or by key and subject), or null.</summary>
    public static JsonObject? RootProgramJson(Certificate c) => RootProgram.Mozilla.Find(c) is not { } e ? null : new JsonObject
    {
        ["name"] = e.Program,
        ["label"] = e.Label,
        ["server_auth"] = e.ServerAuthentication == RootProgramTrust.Trusted,
        ["email_protection"] = e.EmailProtection == RootProgramTrust.Trusted,
        ["server_distrust_after"] = e.ServerDistrustAfter?.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture),
        ["email_distrust_after"] = e.EmailDistrustAfter?.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture),
    };

    /// <summary>One line on the root program, as the JSON says it.</summary>
    private static string RootProgramText(Certificate c) => RootProgram.Mozilla.Find(c) is not { } e ? "not in Mozilla's root program"
        : $"Mozilla root program \"{e.Label}\": serverAuth {(e.ServerAuthentication == RootProgramTrust.Trusted ? "trusted" : "not trusted")}"
            + (e.ServerDistrustAfter is { } s ? $" (not after {s.UtcDateTime:yyyy-MM-dd'T'HH:mm:ss'Z'})" : "")
            + $", emailProtection {(e.EmailProtection == RootProgramTrust.Trusted ? "trusted" : "not trusted")}"
            + (e.EmailDistrustAfter is { } m ? $" (not after {m.UtcDateTime:yyyy-MM-dd'T'HH:mm:ss'Z'})" : "");

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
        if (c.ExtendedKeyUsage is { } eku)
        {
            w.WriteLine($"  purposes:   {string.Join(", ", eku.Select(KeyPurposes.Name))}");
        }
        w.WriteLine($"  key:        {c.PublicKey.Describe()}");
        w.WriteLine($"  signature:  {c.SignatureAlgorithmName}");
        foreach (var e in c.Extensions)
        {
            w.WriteLine($"  extension:  {Oids.ExtensionName(e.Oid)}{(e.Critical ? " (critical)" : "")}");
        }
        w.WriteLine($"  sha256:     {c.Sha256Fingerprint}");
        w.WriteLine($"  subject hash: {c.Subject.OpenSslHash():x8}");
        w.WriteLine($"  root program: {RootProgramText(c)}");
    }
}
