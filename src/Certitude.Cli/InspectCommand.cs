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
            "Show certificates (subject, issuer, validity, names, key, each extension's value, fingerprints) and, separately, the chain as built and verified with "
            + "the verification options (the system store unless --cafile/--capath; a CA certificate is verified for --purpose any unless --purpose is given). "
            + "A directory: each certificate file, chained with the others in the directory. Exit 0 when the certificates could be read (the chain's verdict is in the output), 2 for unreadable input.")
        {
            target, json, timeout,
        };
        settings.AddTo(cmd);
        cmd.SetAction(p => Cli.Run(() =>
        {
            var t = p.GetValue(target)!;
            var seconds = p.GetValue(timeout);
            if (!(seconds > 0 && seconds <= 3600))
            {
                throw new CliException(Exit.Usage, $"--timeout {seconds.ToString(System.Globalization.CultureInfo.InvariantCulture)} is not a number of seconds from 0 to 3600 (exclusive of 0)");
            }
            var inputs = new List<(string? Source, IReadOnlyList<Certificate> Certs, PeerIdentity? Host)>();
            bool directory = Directory.Exists(t);
            if (directory)
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
                    throw new CliException(Exit.Usage, $"directory '{t}' holds no certificate file", "input");
                }
            }
            else if (Inputs.IsLocalPath(t))
            {
                // A local path is never resolved as a host name: a missing file is an error.
                inputs.Add((t, Inputs.Certificates(t), null));
            }
            else
            {
                inputs.Add((null, Fetch(t, TimeSpan.FromSeconds(seconds)), PeerIdentity.Host(Inputs.HostPort(t).Host)));
            }
            // A directory's certificates chain among themselves: each is an untrusted candidate for the others' paths,
            // and without --cafile/--capath its self-signed certificates are the anchors (said in the output).
            var pool = directory ? inputs.SelectMany(i => i.Certs).Distinct().ToList() : [];
            var dirAnchors = directory && !settings.Trust.Given(p) ? pool.Where(c => c.IsSelfIssued && c.IsCertificateAuthority).ToList() : [];
            TrustStore? store;
            string anchorsText;
            try
            {
                store = settings.Trust.Load(p);
                anchorsText = settings.Trust.Given(p) ? "the given trust anchors" : "the system trust store";
            }
            catch (CliException) when (!settings.Trust.Given(p))
            {
                // No system store: the chain cannot be built (unless the directory brings its roots); the certificates are still shown.
                store = null;
                anchorsText = "no system trust store found";
            }
            if (dirAnchors.Count > 0)
            {
                var own = TrustStore.FromCertificates(dirAnchors);
                store = store is null ? own : TrustStore.Combine(store, own);
                anchorsText += $" and the directory's {dirAnchors.Count} self-signed CA certificate(s) (no --cafile/--capath given)";
            }
            var chains = new List<(VerificationResult? Result, string Purpose)>();
            string? cryptoPath = null;
            foreach (var i in inputs)
            {
                var leaf = i.Certs[0];
                // A CA certificate is verified as a CA (no extKeyUsage requirement) unless a purpose is asked for.
                var forCa = leaf.IsCertificateAuthority && !settings.PurposeGiven(p);
                var options = settings.Options(p, forCa ? "any" : "server");
                if (store is null)
                {
                    chains.Add((null, forCa ? "any" : "server"));
                    continue;
                }
                var verifier = new Verifier(store, options);
                cryptoPath ??= verifier.CryptoPath;
                var untrusted = i.Certs.Skip(1).Concat(pool.Where(c => !c.Equals(leaf))).Distinct().ToList();
                chains.Add((verifier.Verify(leaf, untrusted, i.Host), (forCa ? "any (a CA certificate)" : string.Join(", ", settings.Purposes(p).Select(KeyPurposes.Name).DefaultIfEmpty("any"))) + ", " + options.Profile.Name));
            }
            cryptoPath ??= Signatures.CryptoPath.Description;
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
                        ["source"] = inputs[k].Source, ["certificates"] = arr, ["chain"] = chains[k].Result is { } r ? Render.Result(r) : null,
                        ["chain_purpose"] = chains[k].Purpose, ["anchors"] = anchorsText,
                        ["crypto_path"] = cryptoPath,
                    });
                }
                // One input: its certificates and chain at the top level; a directory: "files", one entry per file.
                Console.Out.WriteLine(Render.Json(files.Count == 1 && !directory ? files[0]!.DeepClone() : new JsonObject { ["files"] = files }));
            }
            else
            {
                for (int k = 0; k < inputs.Count; k++)
                {
                    if (inputs.Count > 1 || directory)
                    {
                        Console.Out.WriteLine($"== {inputs[k].Source}");
                    }
                    var certs = inputs[k].Certs;
                    for (int i = 0; i < certs.Count; i++)
                    {
                        Console.Out.WriteLine($"certificate {i}");
                        Print(Console.Out, certs[i]);
                    }
                    if (chains[k].Result is not { } chain)
                    {
                        Console.Out.WriteLine("chain: not built (no system trust store found; give --cafile or --capath)");
                    }
                    else
                    {
                        Console.Out.WriteLine($"chain as built and verified (purpose {chains[k].Purpose}; anchors: {anchorsText}):");
                        Render.ResultText(Console.Out, chain, explain: false);
                    }
                }
                Console.Out.WriteLine("signatures: " + cryptoPath);
            }
            // The user asked to see certificates: they were read and shown. The chain's verdict is reported above.
            return Exit.Verified;
        }));
        return cmd;
    }

    /// <summary>The chain a server sends (no verification: this is inspection).</summary>
    public static IReadOnlyList<Certificate> Fetch(string target, TimeSpan timeout)
    {
        var (host, port) = Inputs.HostPort(target);
        using var cts = new CancellationTokenSource(timeout);
        using var tcp = Inputs.Connect(host, port, timeout, cts.Token);
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
        catch (OperationCanceledException)
        {
            throw new CliException(Exit.Network, $"TLS handshake with {host}:{port} timed out after {Inputs.Seconds(timeout)}", "tls") { Details = [("host", host), ("port", port), ("cause", "timeout")] };
        }
        catch (Exception e) when (e is IOException or System.Security.Authentication.AuthenticationException or SocketException)
        {
            throw ConnectCommand.HandshakeFailure(host, port, e, certGiven: false);
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
        // { oid, name, critical, value: { the decoded fields } } (written with Utf8JsonWriter).
        o["extensions"] = JsonNode.Parse(ExtensionValues.Json(c));
        o["sha1"] = Convert.ToHexString(System.Security.Cryptography.SHA1.HashData(c.RawData.Span));
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
        if (c.Extensions.Count > 0)
        {
            w.WriteLine("  extensions:");
        }
        foreach (var e in c.Extensions)
        {
            w.WriteLine($"    {Oids.ExtensionName(e.Oid)}{(e.Critical ? " (critical)" : "")}: {ExtensionValues.Text(e.Oid, ExtensionValues.Decode(c, e))}");
        }
        w.WriteLine($"  sha256:     {c.Sha256Fingerprint}");
        w.WriteLine($"  sha1:       {Convert.ToHexString(System.Security.Cryptography.SHA1.HashData(c.RawData.Span))}");
        w.WriteLine($"  subject hash: {c.Subject.OpenSslHash():x8}");
        w.WriteLine($"  root program: {RootProgramText(c)}");
    }
}
