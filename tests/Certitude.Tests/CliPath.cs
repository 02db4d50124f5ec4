namespace Certitude.Tests;

/// <summary>The built certitude executable in its own output folder (src/Certitude.Cli/bin/&lt;configuration&gt;/net10.0),
/// run as a user runs it: the test folder's copy resolves dependencies through ASP.NET Core's framework instead.</summary>
internal static class CliPath
{
    public static string Certitude { get; } = Find();

    private static string Find()
    {
        var baseDir = new DirectoryInfo(AppContext.BaseDirectory);
        var tfm = baseDir.Name;
        var configuration = baseDir.Parent!.Name;
        var path = Path.Combine(Corpus.RepositoryRoot(), "src", "Certitude.Cli", "bin", configuration, tfm, "certitude.dll");
        return File.Exists(path) ? path : throw new FileNotFoundException("build src/Certitude.Cli first", path);
    }
}
