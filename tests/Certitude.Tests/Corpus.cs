using System.Text.Json;

namespace Certitude.Tests;

/// <summary>Finds the shared conformance corpus: ../shared/corpus beside the repository (as CI lays it out),
/// or the folder named by CERTITUDE_CORPUS.</summary>
internal static class Corpus
{
    public static string Directory { get; } = Find();

    private static string Find()
    {
        var env = Environment.GetEnvironmentVariable("CERTITUDE_CORPUS");
        if (!string.IsNullOrEmpty(env))
        {
            return env;
        }
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Certitude.slnx")))
            {
                var candidate = Path.GetFullPath(Path.Combine(dir.FullName, "..", "shared", "corpus"));
                if (System.IO.Directory.Exists(candidate))
                {
                    return candidate;
                }
            }
        }
        throw new InvalidOperationException("the shared corpus was not found: clone this repository next to shared/ (../shared/corpus) or set CERTITUDE_CORPUS");
    }

    public static JsonDocument Load(string file) => JsonDocument.Parse(File.ReadAllBytes(Path.Combine(Directory, file)));

    public static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Certitude.slnx")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException("repository root not found");
    }
}
