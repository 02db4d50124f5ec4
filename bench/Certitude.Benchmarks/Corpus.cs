using System.Text.Json;

namespace Certitude.Benchmarks;

/// <summary>The limbo corpus beside the repository (../shared/corpus) or at CERTITUDE_CORPUS.</summary>
internal static class Corpus
{
    internal sealed record Chain(string Id, byte[] Leaf, byte[][] Intermediates, byte[][] Roots, DateTimeOffset Time, string Host);

    public static string Find()
    {
        var env = Environment.GetEnvironmentVariable("CERTITUDE_CORPUS");
        if (!string.IsNullOrEmpty(env))
        {
            return env;
        }
        for (var dir = new DirectoryInfo(Directory.GetCurrentDirectory()); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "shared", "corpus");
            if (File.Exists(Path.Combine(candidate, "limbo.json")))
            {
                return candidate;
            }
        }
        throw new InvalidOperationException("set CERTITUDE_CORPUS to the folder holding limbo.json");
    }

    public static List<Chain> OnlineChains() => Cases("online::");

    public static List<Chain> Cases(string prefix)
    {
        using var doc = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(Find(), "limbo.json")));
        var list = new List<Chain>();
        foreach (var t in doc.RootElement.GetProperty("testcases").EnumerateArray())
        {
            var id = t.GetProperty("id").GetString()!;
            if (!id.StartsWith(prefix, StringComparison.Ordinal))
            {
                continue;
            }
            var time = t.GetProperty("validation_time").ValueKind == JsonValueKind.String
                ? DateTimeOffset.Parse(t.GetProperty("validation_time").GetString()!, System.Globalization.CultureInfo.InvariantCulture)
                : DateTimeOffset.UtcNow;
            list.Add(new Chain(id, Der(t.GetProperty("peer_certificate").GetString()!),
                t.GetProperty("untrusted_intermediates").EnumerateArray().Select(e => Der(e.GetString()!)).ToArray(),
                t.GetProperty("trusted_certs").EnumerateArray().Select(e => Der(e.GetString()!)).ToArray(),
                time, t.GetProperty("expected_peer_name").ValueKind == JsonValueKind.Object ? t.GetProperty("expected_peer_name").GetProperty("value").GetString()! : "example.com"));
        }
        return list;
    }

    private static byte[] Der(string pem)
        => Convert.FromBase64String(string.Concat(pem.Split('\n').Where(l => !l.StartsWith("-----", StringComparison.Ordinal)).Select(l => l.Trim())));
}
