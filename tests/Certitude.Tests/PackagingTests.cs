using System.Diagnostics;
using System.IO.Compression;
using System.Text.RegularExpressions;
using Xunit;

namespace Certitude.Tests;

/// <summary>dotnet pack of the solution, the tool installed from the packages, and the README's C# examples compiled and run.</summary>
[Collection("console")]
public sealed partial class PackagingTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "certitude-pack-" + Guid.NewGuid().ToString("N"));

    public PackagingTests() => Directory.CreateDirectory(_dir);

    private string? _repoArtifacts;

    public void Dispose()
    {
        Directory.Delete(_dir, true);
        if (_repoArtifacts is not null && Directory.Exists(_repoArtifacts))
        {
            Directory.Delete(_repoArtifacts, true);
        }
    }

    private static (int Exit, string Output) Run(string file, string workingDirectory, params string[] args)
    {
        Dictionary<string, string?> environment = new() { ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1", ["DOTNET_NOLOGO"] = "1", ["CI"] = null };
        // A guard against a hang, not a timing assertion: packing the solution on a loaded 2-core machine takes minutes.
        var (exit, stdout, stderr) = ProcessRunner.Run(file, args, workingDirectory, environment, timeoutMs: 900_000);
        return (exit, stdout + stderr);
    }

    [Fact]
    public void PackProducesTheFivePackagesFitForNuGetAndTheToolInstalls()
    {
        var root = Corpus.RepositoryRoot();
        var output = Path.Combine(_dir, "nupkgs");
        // Inside the repository (git-ignored): files generated into obj/ (source generators' output) are then under the
        // source root that ContinuousIntegrationBuild maps to /_/; a folder elsewhere would leave this machine's path in
        // the PDBs.
        var artifacts = Path.Combine(root, "artifacts", "pack-test-" + Path.GetFileName(_dir));
        _repoArtifacts = artifacts;
        // Its own build, whatever was built before (the demo's Release build, an IDE's): intermediate and output files in
        // a fresh artifacts folder, with the CI settings that make PDBs deterministic (/_/ paths). Reusing the repository's
        // obj/ would pack binaries compiled without them.
        var (exit, log) = Run("dotnet", root, "pack", "Certitude.slnx", "-c", "Release", "-o", output,
            "-p:ContinuousIntegrationBuild=true", "-p:UseArtifactsOutput=true", $"-p:ArtifactsPath={artifacts}");
        Assert.True(exit == 0, log);
        // The CLI is a .NET 10 platform-specific tool: the solution's pack writes its pointer package ("certitude"), which
        // names one package per runtime identifier; the framework-dependent fallback is packed for "any". The native
        // linux-x64 package needs clang: .ci/run packs it, installs the tool from it and runs it (eng/aot/smoke.sh).
        (exit, log) = Run("dotnet", root, "pack", Path.Combine("src", "Certitude.Cli"), "-c", "Release", "-r", "any", "-p:PublishAot=false", "-o", output,
            "-p:ContinuousIntegrationBuild=true", "-p:UseArtifactsOutput=true", $"-p:ArtifactsPath={artifacts}");
        Assert.True(exit == 0, log);
        // SourceLink and the repository URL come from the git remote; a clone without one (or with a local path as
        // its origin) packs without them, so those fields are checked where the remote is a hosted repository.
        var remote = Run("git", root, "remote", "get-url", "origin");
        var hasRemote = remote.Exit == 0 && remote.Output.Trim().StartsWith("https://github.com/", StringComparison.Ordinal);
        foreach (var id in new[] { "Certitude.Core", "Certitude.Tls", "Certitude.Extensions.Http", "Certitude.AspNetCore", "certitude", "certitude.any" })
        {
            var tool = id.StartsWith("certitude", StringComparison.Ordinal);
            var pointer = id == "certitude";
            var nupkg = Path.Combine(output, $"{id}.0.1.0.nupkg");
            Assert.True(File.Exists(nupkg), $"{id} was not packed: {string.Join(", ", Directory.GetFiles(output).Select(Path.GetFileName))}");
            var snupkg = Path.Combine(output, $"{id}.0.1.0.snupkg");
            // The pointer package holds no binaries, hence no symbols.
            Assert.True(File.Exists(snupkg) != pointer, $"{id}: symbol package {(pointer ? "beside the pointer package" : "missing")}");
            using var zip = ZipFile.OpenRead(nupkg);
            var entries = zip.Entries.Select(e => e.FullName).ToList();
            Assert.Contains("README.md", entries);
            if (!tool)
            {
                Assert.Contains(entries, e => e.StartsWith("lib/net10.0/", StringComparison.Ordinal) && e.EndsWith(".xml", StringComparison.Ordinal));
            }
            if (pointer)
            {
                // dotnet tool install reads this map and installs the package for the machine's runtime identifier:
                // the native one on linux-x64, the framework-dependent one ("any") everywhere else.
                using var settings = new StreamReader(zip.GetEntry("tools/any/any/DotnetToolSettings.xml")!.Open());
                var map = System.Xml.Linq.XDocument.Parse(settings.ReadToEnd()).Descendants("RuntimeIdentifierPackage")
                    .ToDictionary(e => (string)e.Attribute("RuntimeIdentifier")!, e => (string)e.Attribute("Id")!);
                Assert.Equal(new Dictionary<string, string> { ["linux-x64"] = "certitude.linux-x64", ["any"] = "certitude.any" }, map);
                Assert.DoesNotContain(entries, e => e.EndsWith(".dll", StringComparison.Ordinal));
            }
            else if (tool)
            {
                Assert.Contains("tools/net10.0/any/certitude.dll", entries);
            }
            // The package's own README: what it does and how to install it, no links into the repository.
            using (var reader = new StreamReader(zip.GetEntry("README.md")!.Open()))
            {
                var readme = reader.ReadToEnd();
                Assert.StartsWith($"# {(tool ? "certitude" : id)}\n", readme, StringComparison.Ordinal);
                Assert.Contains(tool ? "dotnet tool install --global certitude" : $"dotnet add package {id}", readme, StringComparison.Ordinal);
                Assert.DoesNotMatch(@"\]\((?!https://)", readme);
                Assert.DoesNotContain("dotnet test", readme, StringComparison.Ordinal);
            }
            var nuspecEntry = zip.Entries.Single(e => e.FullName.EndsWith(".nuspec", StringComparison.Ordinal));
            using (var reader = new StreamReader(nuspecEntry.Open()))
            {
                var nuspec = reader.ReadToEnd();
                Assert.Contains("<readme>README.md</readme>", nuspec, StringComparison.Ordinal);
                if (hasRemote)
                {
                    Assert.Matches("<repository type=\"git\" url=\"[^\"]+\" commit=\"[0-9a-f]{40}\"", nuspec);
                    Assert.Matches("<projectUrl>[^<]+</projectUrl>", nuspec);
                }
                if (id == "Certitude.Extensions.Http")
                {
                    // Console apps: no ASP.NET Core.
                    Assert.DoesNotContain("Microsoft.AspNetCore.App", nuspec, StringComparison.Ordinal);
                    Assert.Contains("id=\"Microsoft.Extensions.Http\"", nuspec, StringComparison.Ordinal);
                }
            }
            // Packed PDBs name sources by the deterministic /_/ root, never this machine's path, and carry SourceLink
            // data (which maps /_/ to the repository's raw URLs) when the repository has a remote.
            if (pointer)
            {
                continue;
            }
            using var symbols = ZipFile.OpenRead(snupkg);
            foreach (var pdb in symbols.Entries.Where(e => e.FullName.EndsWith(".pdb", StringComparison.Ordinal)))
            {
                using var ms = new MemoryStream();
                using (var p = pdb.Open())
                {
                    p.CopyTo(ms);
                }
                ms.Position = 0;
                using var provider = System.Reflection.Metadata.MetadataReaderProvider.FromPortablePdbStream(ms);
                var reader = provider.GetMetadataReader();
                var documents = reader.Documents.Select(d => reader.GetString(reader.GetDocument(d).Name)).ToList();
                Assert.NotEmpty(documents);
                Assert.All(documents, d => Assert.StartsWith("/_/", d, StringComparison.Ordinal));
                var sourceLink = new Guid("CC110556-A091-4D38-9FEC-25AB9A351A6A");
                var hasSourceLink = reader.CustomDebugInformation.Any(h => reader.GetGuid(reader.GetCustomDebugInformation(h).Kind) == sourceLink);
                Assert.Equal(hasRemote, hasSourceLink);
            }
        }
        var tools = Path.Combine(_dir, "tools");
        // The fallback installed by its own id (on linux-x64, "certitude" resolves to the native package, not packed here).
        (exit, log) = Run("dotnet", _dir, "tool", "install", "--tool-path", tools, "--add-source", output, "certitude.any", "--version", "0.1.0");
        Assert.True(exit == 0, log);
        (exit, log) = Run(Path.Combine(tools, "certitude"), _dir, "--help");
        Assert.True(exit == 0, log);
        Assert.Contains("3 network failure", log, StringComparison.Ordinal);
    }

    [GeneratedRegex("```csharp\\n(.*?)```", RegexOptions.Singleline)]
    private static partial Regex CSharpBlocks();

    /// <summary>The README and the user docs (docs/*.md) whose C# examples are compiled and run.</summary>
    internal static IEnumerable<string> DocumentsWithExamples(string root)
        => new[] { Path.Combine(root, "README.md") }.Concat(Directory.EnumerateFiles(Path.Combine(root, "docs"), "*.md").Order(StringComparer.Ordinal));

    [Fact]
    public void ReadmeAndDocsExamplesCompileAndRun()
    {
        var root = Corpus.RepositoryRoot();
        var blocks = DocumentsWithExamples(root).SelectMany(f => CSharpBlocks().Matches(File.ReadAllText(f).ReplaceLineEndings("\n")).Select(m => m.Groups[1].Value)).ToList();
        Assert.True(blocks.Count >= 3, $"found {blocks.Count} C# examples");
        // The front page carries the tour's examples itself.
        Assert.True(CSharpBlocks().Count(File.ReadAllText(Path.Combine(root, "README.md"))) >= 2, "the README's tour has no C# examples");
        var usings = new SortedSet<string>(StringComparer.Ordinal);
        var bodies = new List<string>();
        foreach (var b in blocks)
        {
            var lines = b.Split('\n');
            usings.UnionWith(lines.Where(l => l.StartsWith("using ", StringComparison.Ordinal) && l.TrimEnd().EndsWith(';') && !l.Contains('=', StringComparison.Ordinal)).Select(l => l.Trim()));
            bodies.Add(string.Join('\n', lines.Where(l => !(l.StartsWith("using ", StringComparison.Ordinal) && l.TrimEnd().EndsWith(';') && !l.Contains('=', StringComparison.Ordinal)))));
        }
        var program = string.Join('\n', usings) + "\n\n" +
            string.Join("\n", bodies.Select((b, i) => $"static async Task Example{i}()\n{{\n{b}\nawait Task.CompletedTask;\n}}\n")) +
            string.Join("\n", bodies.Select((_, i) => $"await Example{i}();")) + "\nConsole.WriteLine(\"examples done\");\n";
        var project = Path.Combine(_dir, "examples");
        Directory.CreateDirectory(project);
        File.WriteAllText(Path.Combine(project, "Program.cs"), program);
        var bin = Path.GetDirectoryName(CliPath.Certitude)!;
        File.WriteAllText(Path.Combine(project, "examples.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup><OutputType>Exe</OutputType><TargetFramework>net10.0</TargetFramework><ImplicitUsings>enable</ImplicitUsings><Nullable>enable</Nullable></PropertyGroup>
              <ItemGroup><FrameworkReference Include="Microsoft.AspNetCore.App" /></ItemGroup>
              <ItemGroup>
                <Reference Include="{bin}/Certitude.Core.dll" />
                <Reference Include="{bin}/Certitude.Tls.dll" />
                <Reference Include="{Path.Combine(root, "src", "Certitude.Extensions.Http", "bin", new DirectoryInfo(bin).Parent!.Name, "net10.0", "Certitude.Extensions.Http.dll")}" />
                <Reference Include="{Path.Combine(root, "src", "Certitude.AspNetCore", "bin", new DirectoryInfo(bin).Parent!.Name, "net10.0", "Certitude.AspNetCore.dll")}" />
              </ItemGroup>
            </Project>
            """);
        // The files the examples read: a root and a chain for example.com, valid now.
        var today = DateTimeOffset.UtcNow;
        var live = new CertSpec { NotBefore = today.AddDays(-1), NotAfter = today.AddDays(30) };
        var rootCa = TestPki.Root("CN=README Root", live);
        var ica = TestPki.Ca(rootCa, "CN=README ICA", spec: live);
        var leaf = TestPki.Leaf(ica, ["example.com"], live);
        File.WriteAllText(Path.Combine(project, "roots.pem"), rootCa.X509.ExportCertificatePem());
        File.WriteAllText(Path.Combine(project, "client-roots.pem"), rootCa.X509.ExportCertificatePem());
        File.WriteAllText(Path.Combine(project, "chain.pem"), leaf.X509.ExportCertificatePem() + "\n" + ica.X509.ExportCertificatePem());
        var server = TestPki.Leaf(ica, ["localhost"], live);
        File.WriteAllText(Path.Combine(project, "server.pem"), server.X509.ExportCertificatePem() + "\n" + ica.X509.ExportCertificatePem());
        File.WriteAllText(Path.Combine(project, "server.key"), ((System.Security.Cryptography.ECDsa)server.Key).ExportPkcs8PrivateKeyPem());
        var (exit, log) = Run("dotnet", project, "run", "-c", "Release");
        Assert.True(exit == 0, program + "\n----\n" + log);
        Assert.Contains("verified", log, StringComparison.Ordinal);
        Assert.Contains("examples done", log, StringComparison.Ordinal);
        // The service examples of docs/configuration.md and docs/aspnetcore.md: a request verified against a CaFile read
        // from configuration, and the 403 mode's problem-details answer to a client without a certificate.
        Assert.Contains("partner verified: hello from the partner", log, StringComparison.Ordinal);
        Assert.Matches("no client certificate: HTTP 403 .*presented no certificate", log);
        Assert.Contains("Certitude:Partner:Profile: unknown profile 'WebPKIX'", log, StringComparison.Ordinal);
        Assert.Contains("set Certitude:Partner:DangerouslyWeakenVerification to true", log, StringComparison.Ordinal);
        Assert.Contains("reloaded: True, generation 1, anchors 1", log, StringComparison.Ordinal);
    }
}
