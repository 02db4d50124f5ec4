using System.CommandLine;
using System.Globalization;

namespace Certitude.Cli;

/// <summary><c>certitude rehash DIR</c>: the &lt;hash&gt;.&lt;n&gt; links of an OpenSSL hashed directory, as
/// <c>openssl rehash</c> makes them (same hash, same names).</summary>
internal static class RehashCommand
{
    private static readonly string[] Extensions = [".pem", ".crt", ".cer"];

    public static Command Build()
    {
        var dir = new Argument<string>("DIR") { Description = "the directory of PEM or DER certificate files" };
        var cmd = new Command("rehash", "Create the <subject hash>.<n> links of an OpenSSL hashed certificate directory.") { dir };
        cmd.SetAction(p => Cli.Run(() =>
        {
            var made = Rehash(p.GetValue(dir)!, Console.Error);
            Console.Out.WriteLine($"{made.Count} link(s) written");
            return Exit.Verified;
        }));
        return cmd;
    }

    /// <summary>Removes old links, then links every file that holds exactly one certificate. Returns the link names.</summary>
    public static List<string> Rehash(string directory, TextWriter warnings)
    {
        if (!Directory.Exists(directory))
        {
            throw new CliException(Exit.Usage, $"'{directory}' is not a directory");
        }
        foreach (var old in Directory.EnumerateFiles(directory))
        {
            var name = Path.GetFileName(old);
            if (IsHashName(name) && new FileInfo(old).LinkTarget is not null)
            {
                File.Delete(old);
            }
        }
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var next = new Dictionary<uint, int>();
        var made = new List<string>();
        foreach (var file in Directory.EnumerateFiles(directory).Order(StringComparer.Ordinal))
        {
            var name = Path.GetFileName(file);
            if (IsHashName(name) || !Extensions.Contains(Path.GetExtension(name).ToLowerInvariant()))
            {
                continue;
            }
            IReadOnlyList<Certificate> certs;
            var problems = new List<string>();
            try
            {
                // As trust stores read them: CERTIFICATE and TRUSTED CERTIFICATE (OpenSSL trust settings) entries.
                certs = TrustStore.ReadBundle(BoundedFile.Read(file), file, new TrustStoreLoadOptions { SkipInvalidEntries = true }, problems);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                warnings.WriteLine($"warning: skipping {name}: {e.Message}");
                continue;
            }
            if (certs.Count == 0 && problems.Count > 0)
            {
                warnings.WriteLine($"warning: skipping {name}: {problems[0]}");
                continue;
            }
            if (certs.Count != 1)
            {
                warnings.WriteLine($"warning: skipping {name}: it holds {certs.Count} certificates (one per file)");
                continue;
            }
            var cert = certs[0];
            if (!seen.Add(cert.Sha256Fingerprint))
            {
                warnings.WriteLine($"warning: skipping duplicate certificate in {name}");
                continue;
            }
            var hash = cert.Subject.OpenSslHash();
            int n = next.GetValueOrDefault(hash);
            next[hash] = n + 1;
            var link = hash.ToString("x8", CultureInfo.InvariantCulture) + "." + n.ToString(CultureInfo.InvariantCulture);
            File.CreateSymbolicLink(Path.Combine(directory, link), name);
            made.Add(link);
        }
        return made;
    }

    private static bool IsHashName(string name)
        => name.Length >= 10 && name[8] == '.' && name[..8].All(Uri.IsHexDigit) && name[9..].All(char.IsAsciiDigit);
}
