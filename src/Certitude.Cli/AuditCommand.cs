using System.CommandLine;
using System.Text.Json.Nodes;

namespace Certitude.Cli;

/// <summary>
/// <c>certitude audit</c>: the strict-versus-lax report of Python's migration discussion. For each chain
/// (a file: leaf first, then intermediates; a directory: each .pem/.crt/.cer file; HOST:PORT: what the
/// server sends) it says whether it passes strict verification, passes only without X509Strict (and
/// why strict fails), or fails both.
/// </summary>
internal static class AuditCommand
{
    public static Command Build()
    {
        var targets = new Argument<string[]>("TARGET") { Description = "files, directories or HOST:PORT", Arity = ArgumentArity.OneOrMore };
        var trust = new TrustOptions();
        var json = new Option<bool>("--json") { Description = "print JSON (see docs/CLI.md)" };
        var cmd = new Command("audit", "Report which chains pass strict verification, pass only without X509Strict, or fail.") { targets,  json };
        trust.AddTo(cmd);
        cmd.SetAction(p => Cli.Run(() =>
        {
            var store = trust.Load(p);
            var strict = new Verifier(store);
            var lax = new Verifier(store, new VerificationOptions { Flags = VerifyFlags.Default & ~VerifyFlags.X509Strict });
            var items = new List<(string Name, Func<IReadOnlyList<Certificate>> Load, PeerIdentity? Peer)>();
            foreach (var t in p.GetValue(targets)!)
            {
                if (Directory.Exists(t))
                {
                    foreach (var f in Directory.EnumerateFiles(t).Where(f => Path.GetExtension(f).ToLowerInvariant() is ".pem" or ".crt" or ".cer").Order(StringComparer.Ordinal))
                    {
                        items.Add((f, () => Inputs.Certificates(f), null));
                    }
                }
                else if (File.Exists(t))
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
            bool progress = !Console.IsErrorRedirected && items.Count > 3;
            for (int i = 0; i < items.Count; i++)
            {
                if (progress)
                {
                    Console.Error.Write($"\r{i + 1}/{items.Count} ");
                }
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
                    continue;
                }
                var l = lax.Verify(chain[0], chain.Skip(1), peer);
                rows.Add(l.IsValid ? (name, "lax-only", s.ToString()) : (name, "fails", l.ToString()));
            }
            if (progress)
            {
                Console.Error.Write("\r");
            }
            if (p.GetValue(json))
            {
                var arr = new JsonArray();
                foreach (var (name, verdict, reason) in rows)
                {
                    arr.Add(new JsonObject { ["target"] = name, ["verdict"] = verdict, ["reason"] = reason });
                }
                var summary = new JsonObject
                {
                    ["strict"] = rows.Count(r => r.Verdict == "strict"),
                    ["lax_only"] = rows.Count(r => r.Verdict == "lax-only"),
                    ["fails"] = rows.Count(r => r.Verdict == "fails"),
                    ["unreadable"] = rows.Count(r => r.Verdict == "unreadable"),
                };
                Console.Out.WriteLine(Render.Json(new JsonObject { ["results"] = arr, ["summary"] = summary }));
            }
            else
            {
                int width = Math.Min(60, rows.Max(r => r.Name.Length));
                foreach (var (name, verdict, reason) in rows)
                {
                    var v = verdict switch { "strict" => Render.Green("strict"), "lax-only" => Render.Yellow("lax-only"), _ => Render.Red(verdict) };
                    Console.Out.WriteLine($"{name.PadRight(width)}  {v}  {reason}");
                }
                Console.Out.WriteLine();
                Console.Out.WriteLine($"summary: {rows.Count(r => r.Verdict == "strict")} pass strict, {rows.Count(r => r.Verdict == "lax-only")} pass only without X509Strict, {rows.Count(r => r.Verdict == "fails")} fail, {rows.Count(r => r.Verdict == "unreadable")} unreadable");
            }
            return rows.All(r => r.Verdict == "strict") ? Exit.Verified : Exit.VerificationFailed;
        }));
        return cmd;
    }
}
