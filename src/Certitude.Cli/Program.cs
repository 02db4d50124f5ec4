using System.CommandLine;
using System.Text.Json;

namespace Certitude.Cli;

/// <summary>The <c>certitude</c> command.</summary>
public static class Program
{
    /// <summary>Exit codes: 0 verified, 1 verification failure, 2 bad usage or unreadable input, 3 network failure.</summary>
    public static int Main(string[] args) => Build().Parse(args).Invoke();

    internal static RootCommand Build()
    {
        var root = new RootCommand("certitude: strict X.509 certificate verification.\nExit codes: 0 verified, 1 verification failure, 2 bad usage or unreadable input, 3 network failure.");
        root.Subcommands.Add(LimboCommand());
        return root;
    }

    private static Command LimboCommand()
    {
        var profile = new Option<string>("--profile") { Description = "auto (by id namespace: rfc5280:: and pkits:: use rfc5280), webpki or rfc5280", DefaultValueFactory = _ => "auto" };
        profile.AcceptOnlyFromAmong("auto", "webpki", "rfc5280");
        var noStrict = new Option<bool>("--no-strict") { Description = "turn X509Strict off (legacy structures accepted)" };
        var allowSha1 = new Option<bool>("--allow-sha1") { Description = "accept SHA-1 signatures" };
        var minRsa = new Option<int?>("--min-rsa-bits") { Description = "smallest RSA key accepted (default: the profile's, 2048)" };
        var timings = new Option<bool>("--timings") { Description = "write each case's verification time to standard error" };
        var name = new Option<string>("--harness-name") { Description = "the harness name written in the results", DefaultValueFactory = _ => "certitude" };
        var cmd = new Command("limbo", "Run a limbo-format suite read on standard input; write limbo results on standard output.")
        {
            profile, noStrict, allowSha1, minRsa, name, timings,
        };
        cmd.SetAction(parse =>
        {
            var settings = new LimboSettings
            {
                Profile = parse.GetValue(profile) ?? "auto",
                Strict = !parse.GetValue(noStrict),
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
                Console.Error.WriteLine($"certitude limbo: standard input is not a JSON limbo suite: {e.Message}");
                return 2;
            }
            using (suite)
            {
                if (!suite.RootElement.TryGetProperty("testcases", out _))
                {
                    Console.Error.WriteLine("certitude limbo: standard input has no \"testcases\" array");
                    return 2;
                }
                var outcomes = LimboHarness.Run(suite, settings);
                Console.Out.WriteLine(LimboHarness.ToJson(outcomes, settings.HarnessName));
            }
            return 0;
        });
        return cmd;
    }
}
