using System.CommandLine;
using System.CommandLine.Parsing;
using System.Text.Json;

namespace Certitude.Cli;

/// <summary>
/// The one error rule of every command: a user mistake or unreadable input is one line <c>certitude: …</c> on standard
/// error and exit 2, a network failure exit 3, the server refusing the client certificate exit 4; with <c>--json</c> the
/// same error is also a JSON document on standard output (<c>{"error": {"kind", "message", "exit_code", …}}</c>).
/// Nothing a user types or feeds in prints a stack trace.
/// </summary>
internal static class Cli
{
    /// <summary>Whether the command line asks for JSON (set by <see cref="Program.Main"/> before parsing).</summary>
    internal static bool Json { get; set; }

    public static int Run(Func<int> body)
    {
        try
        {
            return body();
        }
        catch (CliException e)
        {
            return Fail(e);
        }
        catch (CertificateFormatException e)
        {
            return Fail(new CliException(Exit.Usage, e.Message, "input"));
        }
        catch (TrustStoreException e)
        {
            return Fail(new CliException(Exit.Usage, e.Message, "input"));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return Fail(new CliException(Exit.Usage, e is UnauthorizedAccessException ? "permission denied: " + e.Message : e.Message, "input"));
        }
        catch (Exception e)
        {
            // A bug, not the user's input: still one line, and an exit code of its own.
            return Fail(new CliException(Exit.Internal, $"internal error ({e.GetType().Name}: {OneLine(e.Message)}); please report it with the command line", "internal"));
        }
    }

    /// <summary>Reports the error (one line on standard error; the JSON error document with --json) and returns its exit code.</summary>
    public static int Fail(CliException e)
    {
        Console.Error.WriteLine("certitude: " + OneLine(e.Message));
        if (Json)
        {
            Console.Out.WriteLine(ErrorJson(e));
        }
        return e.ExitCode;
    }

    /// <summary><c>{"error": {"kind", "message", "exit_code", …details}}</c>, written without reflection.</summary>
    public static string ErrorJson(CliException e)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            w.WriteStartObject();
            w.WritePropertyName("error");
            WriteError(w, e);
            w.WriteEndObject();
        }
        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }

    /// <summary>The error object itself: kind, message, exit code, then the details (host, port, alert, …).</summary>
    public static void WriteError(Utf8JsonWriter w, CliException e)
    {
        w.WriteStartObject();
        w.WriteString("kind", e.Kind);
        w.WriteString("message", OneLine(e.Message));
        w.WriteNumber("exit_code", e.ExitCode);
        foreach (var (name, value) in e.Details)
        {
            switch (value)
            {
                case null:
                    w.WriteNull(name);
                    break;
                case int i:
                    w.WriteNumber(name, i);
                    break;
                case bool b:
                    w.WriteBoolean(name, b);
                    break;
                default:
                    w.WriteString(name, value.ToString());
                    break;
            }
        }
        w.WriteEndObject();
    }

    public static string OneLine(string s) => string.Join(' ', s.Split(['\r', '\n', '\t'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
}

/// <summary>Command-line spelling: OpenSSL's option names accepted as Certitude's, and "did you mean" for the rest.</summary>
internal static class Spelling
{
    /// <summary>OpenSSL's spellings (openssl verify, s_client) of options Certitude has, accepted as aliases.</summary>
    public static IReadOnlyDictionary<string, string> OpenSslOptions { get; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["-CAfile"] = "--cafile",
        ["-CApath"] = "--capath",
        ["-untrusted"] = "--untrusted",
        ["-purpose"] = "--purpose",
        ["-attime"] = "--at",
        ["-verify_hostname"] = "--host",
        ["-verify_ip"] = "--ip",
        ["-verify_email"] = "--email",
        ["-CRLfile"] = "--crl",
        ["-servername"] = "--servername",
        ["-cert"] = "--cert",
        ["-key"] = "--key",
    };

    /// <summary>The arguments with OpenSSL's option spellings replaced by Certitude's (up to a "--").</summary>
    public static string[] Normalize(string[] args)
    {
        var result = (string[])args.Clone();
        for (int i = 0; i < result.Length && result[i] != "--"; i++)
        {
            if (OpenSslOptions.TryGetValue(result[i], out var ours))
            {
                result[i] = ours;
            }
        }
        return result;
    }

    public static bool WantsJson(string[] args) => args.TakeWhile(a => a != "--").Contains("--json", StringComparer.Ordinal);

    /// <summary>The candidate closest to what was typed, compared without dashes, underscores and case, or null when
    /// none is close (an edit distance up to a third of the length, at least 1; or a prefix of 3 characters or more).</summary>
    public static string? Closest(string typed, IEnumerable<string> candidates)
    {
        static string Norm(string s) => s.TrimStart('-').Replace("-", "", StringComparison.Ordinal).Replace("_", "", StringComparison.Ordinal).ToLowerInvariant();
        var t = Norm(typed);
        if (t.Length == 0)
        {
            return null;
        }
        string? best = null;
        int bestDistance = int.MaxValue;
        foreach (var c in candidates)
        {
            var n = Norm(c);
            int d = n.StartsWith(t, StringComparison.Ordinal) && t.Length >= 3 ? 0 : Distance(t, n);
            if (d < bestDistance)
            {
                (best, bestDistance) = (c, d);
            }
        }
        return bestDistance <= Math.Max(1, t.Length / 3) ? best : null;
    }

    /// <summary>Levenshtein distance (inputs are command-line words: short).</summary>
    private static int Distance(string a, string b)
    {
        if (a.Length > 64 || b.Length > 64)
        {
            return int.MaxValue;
        }
        var prev = new int[b.Length + 1];
        var cur = new int[b.Length + 1];
        for (int j = 0; j <= b.Length; j++)
        {
            prev[j] = j;
        }
        for (int i = 1; i <= a.Length; i++)
        {
            cur[0] = i;
            for (int j = 1; j <= b.Length; j++)
            {
                cur[j] = Math.Min(Math.Min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
            }
            (prev, cur) = (cur, prev);
        }
        return prev[b.Length];
    }

    /// <summary>The parse errors as one line in the user's words: unknown commands and options with a "did you mean",
    /// bad values with what was expected, and where to read more.</summary>
    public static string Describe(ParseResult parse)
    {
        var command = parse.CommandResult.Command;
        var name = command is RootCommand ? "certitude" : "certitude " + command.Name;
        var messages = new List<string>();
        foreach (var e in parse.Errors)
        {
            var m = Rewrite(e, command, name);
            if (m is not null && !messages.Contains(m))
            {
                messages.Add(m);
            }
            if (command is RootCommand && m is not null && m.StartsWith("unknown command", StringComparison.Ordinal))
            {
                // The rest of the line belongs to the command that was meant; one message is enough.
                break;
            }
        }
        // An unknown option's value reads as an unexpected argument: the unknown option is the message.
        if (messages.Any(m => m.StartsWith("unknown ", StringComparison.Ordinal)))
        {
            messages.RemoveAll(m => m.StartsWith("unexpected argument", StringComparison.Ordinal) || m.StartsWith("a command is needed", StringComparison.Ordinal));
        }
        return string.Join("; ", messages) + $" (see '{name} --help')";
    }

    /// <summary>The texts between successive pairs of single quotes, left to right. (Plain string code: a regular
    /// expression here would put the regex engine in the native binary, which every call pays for at start-up.)</summary>
    internal static List<string> Quoted(string message)
    {
        var list = new List<string>();
        int from = 0;
        while (message.IndexOf('\'', from) is int open and >= 0 && message.IndexOf('\'', open + 1) is int close and >= 0)
        {
            list.Add(message[(open + 1)..close]);
            from = close + 1;
        }
        return list;
    }

    private static string? Rewrite(ParseError e, Command command, string commandName)
    {
        var message = e.Message;
        var quoted = Quoted(message);
        var option = e.SymbolResult switch
        {
            OptionResult o => o.Option,
            ArgumentResult { Parent: OptionResult o } => o.Option,
            _ => null,
        };
        if (message.StartsWith("Unrecognized command or argument", StringComparison.Ordinal) && quoted.Count > 0)
        {
            var token = quoted[0];
            if (token.StartsWith('-'))
            {
                var names = command.Options.SelectMany(o => o.Aliases.Prepend(o.Name)).Where(n => n.StartsWith('-')).ToList();
                var suggestion = Closest(token, names.Concat(OpenSslOptions.Keys));
                if (suggestion is not null && OpenSslOptions.TryGetValue(suggestion, out var ours))
                {
                    suggestion = ours;
                }
                return $"unknown option '{token}' for {commandName}" + (suggestion is null ? "" : $"; did you mean '{suggestion}'?");
            }
            if (command is RootCommand)
            {
                var commands = command.Subcommands.Select(c => c.Name).ToList();
                var suggestion = Closest(token, commands);
                return $"unknown command '{token}'" + (suggestion is null ? $"; the commands are {string.Join(", ", commands)}" : $"; did you mean '{suggestion}'?");
            }
            return $"unexpected argument '{token}' for {commandName}";
        }
        if (option is not null && message.StartsWith("Cannot parse argument", StringComparison.Ordinal) && quoted.Count > 0)
        {
            var type = Nullable.GetUnderlyingType(option.ValueType) ?? option.ValueType;
            var expected = type == typeof(int) ? "a whole number" : type == typeof(double) ? "a number" : "a " + type.Name;
            return $"{option.Name} '{quoted[0]}' is not {expected}";
        }
        if (option is not null && message.Contains("not recognized", StringComparison.Ordinal) && quoted.Count > 1)
        {
            var allowed = quoted.Skip(1).ToList();
            var suggestion = Closest(quoted[0], allowed);
            return $"{option.Name} '{quoted[0]}' is not one of {string.Join(", ", allowed)}" + (suggestion is null ? "" : $"; did you mean '{suggestion}'?");
        }
        if (option is not null && message.StartsWith("Required argument missing", StringComparison.Ordinal))
        {
            return $"{option.Name} needs a value";
        }
        if (message.StartsWith("Required command was not provided", StringComparison.Ordinal))
        {
            return $"a command is needed: {string.Join(", ", command.Subcommands.Select(c => c.Name))}";
        }
        if (message.StartsWith("Required argument missing for command", StringComparison.Ordinal))
        {
            return $"{commandName} needs {string.Join(" ", command.Arguments.Select(a => a.Name))}";
        }
        return Cli.OneLine(message);
    }
}
