using System.CommandLine;
using System.Text.Json;

namespace Certitude.Cli;

/// <summary>The <c>certitude</c> command.</summary>
public static class Program
{
    /// <summary>Exit codes: 0 verified, 1 verification failure, 2 bad usage or unreadable input, 3 network failure,
    /// 4 the server refused the client certificate, 5 internal error.</summary>
    public static int Main(string[] args)
    {
        // OpenSSL's spellings (-CAfile, -untrusted, -purpose, -attime, ...) are accepted as Certitude's.
        args = Spelling.Normalize(args);
        Cli.Json = Spelling.WantsJson(args);
        var parse = Build().Parse(args);
        if (parse.Errors.Count > 0)
        {
            return Cli.Fail(new CliException(Exit.Usage, Spelling.Describe(parse)));
        }
        // Exceptions reach Cli.Run (one line, an exit code), never System.CommandLine's stack-trace printer.
        return Cli.Run(() => parse.Invoke(new System.CommandLine.InvocationConfiguration { EnableDefaultExceptionHandler = false }));
    }

    internal static RootCommand Build()
    {
        var root = new RootCommand("certitude: strict X.509 certificate verification.\nExit codes: 0 verified, 1 verification failure, 2 bad usage or unreadable input, 3 network failure, 4 the server refused the client certificate, 5 internal error.");
        root.Subcommands.Add(DemoCommand.Build());
        root.Subcommands.Add(VerifyCommand.Build());
        root.Subcommands.Add(ConnectCommand.Build());
        root.Subcommands.Add(InspectCommand.Build());
        root.Subcommands.Add(AuditCommand.Build());
        root.Subcommands.Add(RehashCommand.Build());
        root.Subcommands.Add(LimboCommand());
        root.Subcommands.Add(SpeedCommand());
        foreach (var option in root.Options)
        {
            if (option is VersionOption version)
            {
                version.Action = new VersionAction();
            }
        }
        return root;
    }

    /// <summary><c>certitude --version</c>: the version, then which crypto path verifies signatures (and from where).</summary>
    private sealed class VersionAction : System.CommandLine.Invocation.SynchronousCommandLineAction
    {
        public override int Invoke(ParseResult parseResult)
        {
            var assembly = typeof(Program).Assembly;
            var version = (Attribute.GetCustomAttribute(assembly, typeof(System.Reflection.AssemblyInformationalVersionAttribute)) as System.Reflection.AssemblyInformationalVersionAttribute)?.InformationalVersion
                ?? assembly.GetName().Version?.ToString() ?? "unknown";
            parseResult.InvocationConfiguration.Output.WriteLine(version);
            parseResult.InvocationConfiguration.Output.WriteLine("signatures: " + Signatures.CryptoPath.Description);
            return 0;
        }
    }

    private static Command SpeedCommand()
    {
        var seconds = new Option<double>("--seconds") { Description = "how long to measure each engine", DefaultValueFactory = _ => 3 };
        var mode = new Option<string>("--mode") { Description = "cold (new verifier, all parsed), warm (intermediates seen, new leaf) or hot (same chain again)", DefaultValueFactory = _ => "warm" };
        mode.AcceptOnlyFromAmong("cold", "warm", "hot");
        var compare = new Option<string?>("--compare") { Description = "also measure another engine on the same chains, interleaved: x509chain, or portable (Certitude on the portable crypto path)" };
        compare.AcceptOnlyFromAmong("x509chain", "portable");
        var suite = new Option<FileInfo?>("--suite") { Description = "a limbo-format suite whose passing chains to use (default: the built-in online:: chains)" };
        var json = new Option<bool>("--json") { Description = "print {mode, validations, engines: {name: {us_per_validation, bytes_per_validation}}}" };
        var cmd = new Command("speed", "Measure verification speed, like openssl speed.") { seconds, mode, compare, suite, json };
        cmd.SetAction(parse =>
        {
            var settings = new SpeedSettings(parse.GetValue(seconds), parse.GetValue(mode) ?? "warm", parse.GetValue(compare) == "x509chain", parse.GetValue(json), parse.GetValue(compare) == "portable");
            if (settings.Seconds <= 0 || double.IsNaN(settings.Seconds))
            {
                throw new CliException(Exit.Usage, "speed: --seconds must be a positive number of seconds");
            }
            List<Speed.Chain> chains;
            try
            {
                using var doc = parse.GetValue(suite) is { } f ? JsonDocument.Parse(File.ReadAllBytes(f.FullName)) : Speed.BuiltIn();
                chains = Speed.Load(doc);
            }
            catch (Exception e) when (e is IOException or JsonException or UnauthorizedAccessException or KeyNotFoundException or InvalidOperationException or FormatException)
            {
                throw new CliException(Exit.Usage, $"speed: cannot read the suite: {e.Message}", "input");
            }
            if (chains.Count == 0)
            {
                throw new CliException(Exit.Usage, "speed: the suite has no passing chains to measure", "input");
            }
            var figures = Speed.Run(chains, settings, settings.Json || Console.IsErrorRedirected ? null : Console.Error);
            Console.Out.Write(settings.Json ? Speed.ToJson(settings.Mode, figures) + Environment.NewLine : Speed.ToText(settings.Mode, chains.Count, figures));
            return 0;
        });
        return cmd;
    }

    private static Command LimboCommand()
    {
        var profile = new Option<string>("--profile") { Description = "auto (by id namespace: rfc5280:: and pkits:: use rfc5280), webpki or rfc5280", DefaultValueFactory = _ => "auto" };
        profile.AcceptOnlyFromAmong("auto", "webpki", "rfc5280");
        var noStrict = new Option<bool>("--no-strict") { Description = "turn X509Strict off (legacy structures accepted)" };
        var issuance = new Option<string>("--issuance-rules")
        {
            Description = "the issuance tier (VerifyFlags.CabfIssuance): auto = on for webpki:: cases, which model publicly-trusted certificates, and for rfc5280:: cases, "
                + "which count a CA's duties under RFC 5280 section 4 (AKI/SKI presence, criticality, serial sign) as failures; on; off = the library's default flags "
                + "(those duties are then warnings)",
            DefaultValueFactory = _ => "auto",
        };
        issuance.AcceptOnlyFromAmong("auto", "on", "off");
        var allowSha1 = new Option<bool>("--allow-sha1") { Description = "accept SHA-1 signatures" };
        var minRsa = new Option<int?>("--min-rsa-bits") { Description = "smallest RSA key accepted (default: the profile's, 2048)" };
        var timings = new Option<bool>("--timings") { Description = "write each case's verification time to standard error" };
        var name = new Option<string>("--harness-name") { Description = "the harness name written in the results", DefaultValueFactory = _ => "certitude" };
        var cmd = new Command("limbo", "Run a limbo-format suite read on standard input; write limbo results on standard output and a one-line summary (passed, failed, skipped by namespace) on standard error. Exit 0 when the suite ran, whatever its results; 2 for unreadable input.")
        {
            profile, noStrict, issuance, allowSha1, minRsa, name, timings,
        };
        cmd.SetAction(parse =>
        {
            var settings = new LimboSettings
            {
                Profile = parse.GetValue(profile) ?? "auto",
                Strict = !parse.GetValue(noStrict),
                Issuance = parse.GetValue(issuance) ?? "auto",
                AllowSha1 = parse.GetValue(allowSha1),
                MinRsaBits = parse.GetValue(minRsa),
                HarnessName = parse.GetValue(name) ?? "certitude",
                Timings = parse.GetValue(timings) ? Console.Error : null,
            };
            JsonDocument suite;
            try
            {
                suite = JsonDocument.Parse(Console.OpenStandardInput());
            }
            catch (JsonException e)
            {
                throw new CliException(Exit.Usage, $"limbo: standard input is not a JSON limbo suite: {e.Message}", "input");
            }
            using (suite)
            {
                if (!suite.RootElement.TryGetProperty("testcases", out _))
                {
                    throw new CliException(Exit.Usage, "limbo: standard input has no \"testcases\" array", "input");
                }
                var outcomes = LimboHarness.Run(suite, settings);
                Console.Out.WriteLine(LimboHarness.ToJson(outcomes, settings.HarnessName));
                Console.Error.WriteLine(LimboHarness.Summary(suite, outcomes));
            }
            return 0;
        });
        return cmd;
    }
}
