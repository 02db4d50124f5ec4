using System.Text.Json;
using System.Text.Json.Nodes;

namespace Certitude.Cli;

/// <summary>Exit codes of every command.</summary>
internal static class Exit
{
    public const int Verified = 0;
    public const int VerificationFailed = 1;
    public const int Usage = 2;
    public const int Network = 3;
}

/// <summary>A failure the command reports in one line and turns into an exit code.</summary>
internal sealed class CliException(int exitCode, string message) : Exception(message)
{
    public int ExitCode { get; } = exitCode;
}

/// <summary>Reading the inputs commands take, with errors that name the file and say what to do.</summary>
internal static class Inputs
{
    public static IReadOnlyList<Certificate> Certificates(string path)
    {
        byte[] data;
        try
        {
            data = BoundedFile.Read(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            throw new CliException(Exit.Usage, $"cannot read '{path}': {e.Message}");
        }
        try
        {
            var list = Certificate.ParseAll(data, path);
            if (list.Count == 0)
            {
                throw new CliException(Exit.Usage, $"'{path}' holds no certificate (expected PEM CERTIFICATE blocks or DER)");
            }
            return list;
        }
        catch (CertificateFormatException e)
        {
            throw new CliException(Exit.Usage, e.Message);
        }
    }

    public static List<CertificateRevocationList> Crls(IEnumerable<string> paths)
    {
        var list = new List<CertificateRevocationList>();
        foreach (var p in paths)
        {
            try
            {
                list.AddRange(CertificateRevocationList.ParseAll(BoundedFile.Read(p), p));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or CertificateFormatException)
            {
                throw new CliException(Exit.Usage, $"cannot use CRL file '{p}': {e.Message}");
            }
        }
        return list;
    }

    /// <summary>--cafile / --capath / --system-store; with none given, the system store.</summary>
    public static TrustStore Trust(string? cafile, string? capath, bool system)
    {
        try
        {
            var parts = new List<TrustStore>();
            if (cafile is not null || capath is not null)
            {
                parts.Add(TrustStore.Load(cafile, capath));
            }
            if (system || parts.Count == 0)
            {
                parts.Add(TrustStore.LoadSystem());
            }
            return parts.Count == 1 ? parts[0] : TrustStore.Combine([.. parts]);
        }
        catch (TrustStoreException e)
        {
            throw new CliException(Exit.Usage, e.Message);
        }
    }

    public static DateTimeOffset? Time(string? text)
    {
        if (text is null)
        {
            return null;
        }
        if (DateTimeOffset.TryParse(text, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal, out var t))
        {
            return t;
        }
        throw new CliException(Exit.Usage, $"--at '{text}' is not a time (use ISO 8601, e.g. 2026-01-31T12:00:00Z)");
    }

    /// <summary>A TCP connection, or a network failure (exit 3) naming the host.</summary>
    public static System.Net.Sockets.TcpClient Connect(string host, int port, CancellationToken token)
    {
        var tcp = new System.Net.Sockets.TcpClient();
        try
        {
            tcp.ConnectAsync(host, port, token).AsTask().GetAwaiter().GetResult();
            return tcp;
        }
        catch (Exception e) when (e is System.Net.Sockets.SocketException or OperationCanceledException)
        {
            tcp.Dispose();
            throw new CliException(Exit.Network, $"cannot connect to {host}:{port}: {e.Message} (check the host name, the port and that the server is running)");
        }
    }

    public static (string Host, int Port) HostPort(string target, int defaultPort = 443)
    {
        if (target.StartsWith('['))
        {
            int close = target.IndexOf(']', StringComparison.Ordinal);
            if (close > 0)
            {
                var host = target[1..close];
                var rest = target[(close + 1)..];
                return (host, rest.StartsWith(':') && int.TryParse(rest[1..], out var p6) ? p6 : defaultPort);
            }
        }
        int colon = target.LastIndexOf(':');
        if (colon > 0 && target.IndexOf(':', StringComparison.Ordinal) == colon && int.TryParse(target[(colon + 1)..], out var port) && port is > 0 and < 65536)
        {
            return (target[..colon], port);
        }
        return (target, defaultPort);
    }
}

/// <summary>The trust options several commands share: --cafile, --capath, --system-store.</summary>
internal sealed class TrustOptions
{
    private readonly System.CommandLine.Option<string?> _cafile = new("--cafile") { Description = "trust anchors: a PEM bundle" };
    private readonly System.CommandLine.Option<string?> _capath = new("--capath") { Description = "trust anchors: an OpenSSL hashed directory" };
    private readonly System.CommandLine.Option<bool> _system = new("--system-store") { Description = "also trust the system store (the default when neither --cafile nor --capath is given)" };

    public void AddTo(System.CommandLine.Command command)
    {
        command.Options.Add(_cafile);
        command.Options.Add(_capath);
        command.Options.Add(_system);
    }

    public TrustStore Load(System.CommandLine.ParseResult p) => Inputs.Trust(p.GetValue(_cafile), p.GetValue(_capath), p.GetValue(_system));
}

/// <summary>Text and JSON rendering shared by the commands. Colour only on a terminal (and never with NO_COLOR).</summary>
internal static class Render
{
    public static bool Colour { get; } = !Console.IsOutputRedirected && string.IsNullOrEmpty(Environment.GetEnvironmentVariable("NO_COLOR"));

    public static string Green(string s) => Colour ? $"\u001b[32m{s}\u001b[0m" : s;

    public static string Red(string s) => Colour ? $"\u001b[31m{s}\u001b[0m" : s;

    public static string Yellow(string s) => Colour ? $"\u001b[33m{s}\u001b[0m" : s;

    public static JsonObject Cert(Certificate c) => new()
    {
        ["subject"] = c.Subject.ToString(),
        ["issuer"] = c.Issuer.ToString(),
        ["serial"] = c.SerialNumberHex,
        ["not_before"] = c.NotBefore.ToString("o", System.Globalization.CultureInfo.InvariantCulture),
        ["not_after"] = c.NotAfter.ToString("o", System.Globalization.CultureInfo.InvariantCulture),
        ["sha256"] = c.Sha256Fingerprint,
    };

    /// <summary>The stable JSON form of a verification result (documented in docs/CLI.md).</summary>
    public static JsonObject Result(VerificationResult r)
    {
        var path = new JsonArray();
        foreach (var c in r.Path)
        {
            path.Add(Cert(c));
        }
        var diags = new JsonArray();
        foreach (var d in r.Diagnostics)
        {
            diags.Add(new JsonObject
            {
                ["attempt"] = d.Attempt,
                ["certificate"] = d.CertificateIndex,
                ["code"] = (int)d.Code,
                ["message"] = d.Message,
                ["rule"] = d.Rule,
            });
        }
        return new JsonObject
        {
            ["verified"] = r.IsValid,
            ["code"] = (int)r.Code,
            ["code_text"] = r.CodeText,
            ["message"] = r.Message,
            ["failing_certificate"] = r.FailingCertificateIndex,
            ["path"] = path,
            ["diagnostics"] = diags,
            ["crypto_path"] = r.CryptoPath,
        };
    }

    public static string Json(JsonNode node) => node.ToJsonString(new JsonSerializerOptions { WriteIndented = true });

    public static void ResultText(TextWriter o, VerificationResult r, bool explain)
    {
        if (r.Path.Count > 0)
        {
            o.WriteLine(r.IsValid ? "path:" : "closest path:");
            for (int i = 0; i < r.Path.Count; i++)
            {
                o.WriteLine($"  {i} {r.Path[i].Subject}");
            }
        }
        if (r.IsValid)
        {
            o.WriteLine(Green("verified: OK"));
        }
        else
        {
            o.WriteLine(Red($"verification failed: error {(int)r.Code} ({r.CodeText})") + (r.FailingCertificateIndex is int i ? $" at certificate {i}" : ""));
            o.WriteLine($"  {r.Message}");
        }
        if (explain && r.Diagnostics.Count > 0)
        {
            o.WriteLine("every failed check:");
            foreach (var d in r.Diagnostics)
            {
                o.WriteLine("  " + d);
            }
        }
        if (explain)
        {
            o.WriteLine("signatures: " + r.CryptoPath);
        }
    }
}
