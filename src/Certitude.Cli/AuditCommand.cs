using System.CommandLine;
using System.Text.Json.Nodes;

namespace Certitude.Cli;

/// <summary>
/// <c>certitude audit</c>, two audits. Chains (the default): the strict-versus-lax report of Python's migration
/// discussion; each file is one chain, its first certificate the leaf and the rest intermediates (a directory: each
/// .pem/.crt/.cer/.p7b/.p7c file; HOST:PORT: what the server sends); it says whether the chain passes strict
/// verification, passes only without X509Strict (and why strict fails), or fails both. Anchors
/// (<c>--anchors</c>): each certificate of a trust store judged as a trust anchor.
/// </summary>
internal static class AuditCommand
{
    public static Command Build()
    {
        var targets = new Argument<string[]>("TARGET") { Description = "chains: files (each one chain, leaf first), directories or HOST:PORT; with --anchors: trust-store bundles or directories", Arity = ArgumentArity.OneOrMore };
        var settings = new VerificationSettings();
        var anchors = new Option<bool>("--anchors") { Description = "judge each certificate of the bundles or directories as a trust anchor: usable, usable-with-warnings or unusable" };
        var json = new Option<bool>("--json") { Description = "print JSON (see docs/CLI.md)" };
        var cmd = new Command("audit",
            "Chains (default): each FILE is one chain, its first certificate the leaf and the rest intermediates; report whether it passes strict "
            + "verification, passes only without X509Strict, or fails. Anchors (--anchors FILE|DIR): judge each certificate of a trust store as a trust "
            + "anchor under the profile: usable, usable-with-warnings or unusable, with reasons.")
        {
            targets, anchors, json,
        };
        settings.AddTo(cmd);
        cmd.SetAction(p => Cli.Run(() =>
        {
            // A path named on the command line that does not exist is a usage error (exit 2), as in verify; files that
            // cannot be read inside a directory are reported as unreadable rows.
            foreach (var t in p.GetValue(targets)!)
            {
                if (Inputs.IsLocalPath(t) && !File.Exists(t) && !Directory.Exists(t))
                {
                    throw new CliException(Exit.Usage, $"'{t}' does not exist", "input");
                }
            }
            return p.GetValue(anchors)
                ? AnchorAudit.Run(p.GetValue(targets)!, settings.Options(p), p.GetValue(json))
                : Chains(p, settings, p.GetValue(targets)!, p.GetValue(json));
        }));
        return cmd;
    }

    private static readonly string[] ChainFileExtensions = [".pem", ".crt", ".cer", ".der", ".p7b", ".p7c"];

    private static int Chains(ParseResult p, VerificationSettings settings, string[] targets, bool json)
    {
        if (!settings.Strict(p))
        {
            throw new CliException(Exit.Usage, "a chain audit compares strict with lax verification: --no-strict applies to --anchors only");
        }
        var options = settings.Options(p);
        var store = settings.Trust.Load(p);
        var strict = new Verifier(store, options);
        var lax = new Verifier(store, options with { Flags = options.Flags & ~VerifyFlags.X509Strict });
        var items = new List<(string Name, Func<IReadOnlyList<Certificate>> Load, PeerIdentity? Peer)>();
        foreach (var t in targets)
        {
            if (Directory.Exists(t))
            {
                foreach (var f in Directory.EnumerateFiles(t).Where(f => ChainFileExtensions.Contains(Path.GetExtension(f).ToLowerInvariant())).Order(StringComparer.Ordinal))
                {
                    items.Add((f, () => Inputs.Certificates(f), null));
                }
            }
            else if (Inputs.IsLocalPath(t))
            {
                items.Add((t, () => Inputs.Certificates(t), null));
            }
            else
            {
                var host = Inputs.HostPort(t).Host;
                items.Add((t, () => InspectCommand.Fetch(t, TimeSpan.FromSeconds(10)), PeerIdentity.Host(host)));
            }
        }
        var rows = new List<(string Name, string Verdict, string Reason)>();
        // Issuance-tier rules broken by chains that pass strict (warnings, not failures), per target.
        var warned = new Dictionary<string, string[]>(StringComparer.Ordinal);
        var progress = Progress.Create(items.Count);
        for (int i = 0; i < items.Count; i++)
        {
            progress?.Step(i);
            var (name, load, peer) = items[i];
            IReadOnlyList<Certificate> chain;
            try
            {
                chain = load();
            }
            catch (CliException e)
            {
                rows.Add((name, "unreadable", e.Message));
                continue;
            }
            var s = strict.Verify(chain[0], chain.Skip(1), peer);
            if (s.IsValid)
            {
                rows.Add((name, "strict", ""));
                if (s.Warnings.Count > 0)
                {
                    warned[name] = s.Warnings.Select(w => $"certificate {w.CertificateIndex}: {w.Message} [{w.Rule}]").ToArray();
                }
                continue;
            }
            var l = lax.Verify(chain[0], chain.Skip(1), peer);
            rows.Add(l.IsValid ? (name, "lax-only", s.ToString()) : (name, "fails", l.ToString()));
        }
        progress?.Done();
        if (json)
        {
            var arr = new JsonArray();
            foreach (var (name, verdict, reason) in rows)
            {
                var warnings = new JsonArray();
                foreach (var w in warned.GetValueOrDefault(name) ?? [])
                {
                    warnings.Add((JsonNode)w);
                }
                arr.Add((JsonNode)new JsonObject { ["target"] = name, ["verdict"] = verdict, ["reason"] = reason, ["warnings"] = warnings });
            }
            var summary = new JsonObject
            {
                ["strict"] = rows.Count(r => r.Verdict == "strict"),
                ["lax_only"] = rows.Count(r => r.Verdict == "lax-only"),
                ["fails"] = rows.Count(r => r.Verdict == "fails"),
                ["unreadable"] = rows.Count(r => r.Verdict == "unreadable"),
                ["with_issuance_warnings"] = warned.Count,
            };
            Console.Out.WriteLine(Render.Json(new JsonObject { ["results"] = arr, ["summary"] = summary }));
        }
        else
        {
            int width = Math.Min(60, rows.Count == 0 ? 0 : rows.Max(r => r.Name.Length));
            foreach (var (name, verdict, reason) in rows)
            {
                var v = verdict switch { "strict" => Render.Green("strict"), "lax-only" => Render.Yellow("lax-only"), _ => Render.Red(verdict) };
                Console.Out.WriteLine($"{name.PadRight(width)}  {v}  {reason}");
                foreach (var w in warned.GetValueOrDefault(name) ?? [])
                {
                    Console.Out.WriteLine($"{"".PadRight(width)}  warning: {w}");
                }
            }
            Console.Out.WriteLine();
            Console.Out.WriteLine($"summary: {rows.Count(r => r.Verdict == "strict")} pass strict, {rows.Count(r => r.Verdict == "lax-only")} pass only without X509Strict, {rows.Count(r => r.Verdict == "fails")} fail, {rows.Count(r => r.Verdict == "unreadable")} unreadable, {warned.Count} with issuance-rule warnings");
        }
        return rows.Count > 0 && rows.All(r => r.Verdict == "strict") ? Exit.Verified : Exit.VerificationFailed;
    }
}

/// <summary>
/// <c>certitude audit --anchors</c>: each certificate of a bundle or directory judged as a trust anchor, with the
/// checks Certitude applies to the anchor that ends a path: validity at the validation time, the profile's key
/// policy, and the profile's rules for anchors (those only X509Strict enforces are defects under strict and warnings
/// without it). The anchor's own signature is never judged (RFC 5280 6.1.1 (d): an anchor is a name and a key), so a
/// SHA-1 self-signature is no reason.
/// </summary>
internal static class AnchorAudit
{
    internal sealed record Judgement(string Source, Certificate Certificate, string Verdict, IReadOnlyList<string> Reasons);

    public static int Run(string[] targets, VerificationOptions options, bool json)
    {
        var at = options.ValidationTime ?? DateTimeOffset.UtcNow;
        var (anchors, unreadable) = Read(targets);
        var judged = anchors.Select(a => Judge(a.Source, a.Certificate, options, at)).ToList();
        if (json)
        {
            var arr = new JsonArray();
            foreach (var j in judged)
            {
                var reasons = new JsonArray();
                foreach (var r in j.Reasons)
                {
                    reasons.Add((JsonNode)r);
                }
                arr.Add((JsonNode)new JsonObject
                {
                    ["subject"] = j.Certificate.Subject.ToString(),
                    ["sha256"] = j.Certificate.Sha256Fingerprint,
                    ["source"] = j.Source,
                    ["not_after"] = j.Certificate.NotAfter.ToString("o", System.Globalization.CultureInfo.InvariantCulture),
                    ["verdict"] = j.Verdict,
                    ["reasons"] = reasons,
                });
            }
            var bad = new JsonArray();
            foreach (var (source, reason) in unreadable)
            {
                bad.Add((JsonNode)new JsonObject { ["source"] = source, ["reason"] = reason });
            }
            Console.Out.WriteLine(Render.Json(new JsonObject
            {
                ["profile"] = options.Profile.Name,
                ["strict"] = options.Strict,
                ["validation_time"] = at.ToString("o", System.Globalization.CultureInfo.InvariantCulture),
                ["anchors"] = arr,
                ["unreadable"] = bad,
                ["summary"] = new JsonObject
                {
                    ["usable"] = judged.Count(j => j.Verdict == "usable"),
                    ["usable_with_warnings"] = judged.Count(j => j.Verdict == "usable-with-warnings"),
                    ["unusable"] = judged.Count(j => j.Verdict == "unusable"),
                    ["unreadable"] = unreadable.Count,
                },
            }));
        }
        else
        {
            foreach (var j in judged)
            {
                var v = j.Verdict switch { "usable" => Render.Green(j.Verdict), "unusable" => Render.Red(j.Verdict), _ => Render.Yellow(j.Verdict) };
                Console.Out.WriteLine($"{v}  {j.Certificate.Subject}  sha256={j.Certificate.Sha256Fingerprint[..16]}…");
                foreach (var r in j.Reasons)
                {
                    Console.Out.WriteLine($"    {r}");
                }
            }
            foreach (var (source, reason) in unreadable)
            {
                Console.Out.WriteLine($"{Render.Red("unreadable")}  {source}: {reason}");
            }
            Console.Out.WriteLine();
            Console.Out.WriteLine($"summary ({options.Profile.Name}, {(options.Strict ? "strict" : "not strict")}, at {at:u}): {judged.Count} anchors, "
                + $"{judged.Count(j => j.Verdict == "usable")} usable, {judged.Count(j => j.Verdict == "usable-with-warnings")} usable with warnings, "
                + $"{judged.Count(j => j.Verdict == "unusable")} unusable, {unreadable.Count} unreadable");
        }
        return judged.Count > 0 && unreadable.Count == 0 && judged.All(j => j.Verdict != "unusable") ? Exit.Verified : Exit.VerificationFailed;
    }

    /// <summary>One certificate as a trust anchor.</summary>
    public static Judgement Judge(string source, Certificate c, VerificationOptions options, DateTimeOffset at)
    {
        var defects = new List<string>();
        var warnings = new List<string>();
        // RFC 5280 4.1.2.5 (and 6.1.3 (a)(2), which Certitude applies to the anchor as OpenSSL does)
        if (at < c.NotBefore)
        {
            defects.Add($"not valid before {c.NotBefore:u} (RFC 5280 4.1.2.5)");
        }
        if (at > c.NotAfter)
        {
            defects.Add($"expired at {c.NotAfter:u} (RFC 5280 4.1.2.5)");
        }
        if (options.Profile.Algorithms.CheckKey(c.PublicKey) is { } weak)
        {
            defects.Add($"weak key: {weak} (algorithm policy, CA/B BR 6.1.5)");
        }
        // The profile's rules for anchors. The self-signature is not checked: an anchor is trusted as a name and
        // a key (RFC 5280 6.1.1 (d)), so "self-signed" is taken as "self-issued" here.
        var input = new RuleInput(CertRole.Anchor, options, () => c.IsSelfIssued);
        bool server = Certitude.Validation.PathValidator.ServerProfile(options);
        foreach (var rule in options.Profile.Rules)
        {
            if ((rule.Roles & CertRole.Anchor) == 0 || (rule.ServerOnly && !server) || rule.Check(c, input) is not { } problem)
            {
                continue;
            }
            var text = $"{problem} ({rule.Citation})";
            // The rule's tier decides, as in verification: Always is a defect, Strict under X509Strict, and the
            // issuance tier (CA/B rules that protect no relying party) a warning unless CabfIssuance asks.
            switch (rule.Tier)
            {
                case RuleTier.Always:
                    defects.Add(text);
                    break;
                case RuleTier.Strict when options.Strict:
                    defects.Add("strict: " + text);
                    break;
                case RuleTier.Strict:
                    warnings.Add("fails strict: " + text);
                    break;
                case RuleTier.Issuance when (options.Flags & VerifyFlags.CabfIssuance) != 0:
                    defects.Add("issuance: " + text);
                    break;
                default:
                    warnings.Add("issuance rule: " + text);
                    break;
            }
        }
        if (!c.IsSelfIssued)
        {
            warnings.Add("not self-issued: an intermediate trusted as an anchor (partial chain)");
        }
        var verdict = defects.Count > 0 ? "unusable" : warnings.Count > 0 ? "usable-with-warnings" : "usable";
        return new Judgement(source, c, verdict, [.. defects, .. warnings]);
    }

    /// <summary>The distinct certificates of the bundles and directories (a directory: each regular file and the
    /// files its hash links point to once), and the sources that could not be read, each with its reason.</summary>
    public static (List<(string Source, Certificate Certificate)> Anchors, List<(string Source, string Reason)> Unreadable) Read(string[] targets)
    {
        var anchors = new List<(string, Certificate)>();
        var unreadable = new List<(string, string)>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var files = new List<string>();
        foreach (var t in targets)
        {
            if (Directory.Exists(t))
            {
                files.AddRange(Directory.EnumerateFiles(t).Where(f => !(RehashCommand.IsHashName(Path.GetFileName(f)) && new FileInfo(f).LinkTarget is not null)).Order(StringComparer.Ordinal));
            }
            else if (File.Exists(t))
            {
                files.Add(t);
            }
            else
            {
                throw new CliException(Exit.Usage, $"'{t}' is neither a file nor a directory");
            }
        }
        foreach (var f in files)
        {
            byte[] data;
            try
            {
                data = BoundedFile.Read(f);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                unreadable.Add((f, e.Message));
                continue;
            }
            var certs = new List<Certificate>();
            if (Pem.LooksLikePem(data) && !Inputs.IsContainer(data))
            {
                // One bad block of a bundle is reported; the others are still judged.
                List<byte[]> blocks;
                try
                {
                    blocks = Pem.ReadCertificates(System.Text.Encoding.ASCII.GetString(data), f);
                }
                catch (CertificateFormatException e)
                {
                    unreadable.Add((f, e.Message));
                    continue;
                }
                for (int i = 0; i < blocks.Count; i++)
                {
                    try
                    {
                        certs.Add(Certificate.Parse(blocks[i].AsMemory()));
                    }
                    catch (CertificateFormatException e)
                    {
                        unreadable.Add((f, e.WithLocation(f, i).Message));
                    }
                }
            }
            else
            {
                try
                {
                    certs.AddRange(Inputs.Parse(data, f));
                }
                catch (Exception e) when (e is CliException or CertificateFormatException)
                {
                    unreadable.Add((f, e.Message));
                    continue;
                }
            }
            foreach (var c in certs)
            {
                if (seen.Add(c.Sha256Fingerprint))
                {
                    anchors.Add((f, c));
                }
            }
        }
        return (anchors, unreadable);
    }
}

/// <summary>Progress of a long step on standard error ("12/144"), only when standard error is a terminal.</summary>
internal sealed class Progress(int total)
{
    public static Progress? Create(int total) => !Console.IsErrorRedirected && total > 3 ? new Progress(total) : null;

    public void Step(int i) => Console.Error.Write($"\r{i + 1}/{total} ");

    public void Done() => Console.Error.Write("\r" + new string(' ', total.ToString(System.Globalization.CultureInfo.InvariantCulture).Length * 2 + 2) + "\r");
}
