using System.Diagnostics;
using System.Runtime.InteropServices;
using Certitude.Cli;
using Certitude.Signatures;
using Xunit;

namespace Certitude.Tests;

/// <summary>Running tests on both crypto paths. The conformance suites (limbo, PKITS) compare a native and a
/// portable verifier case by case in one process; the signature differential tests compare the two paths
/// per signature; tests that cannot choose the path per verifier (the TLS loopback tests) carry
/// <see cref="Trait"/> = <see cref="Both"/> and run a second time in a process with CERTITUDE_CRYPTO=portable
/// (.ci/run), where <see cref="CryptoPathTests.ThisProcessIsOnTheChosenPath"/> proves the switch took effect.</summary>
internal static class CryptoPaths
{
    public const string Trait = "CryptoPath";
    public const string Both = "both";

    /// <summary>True in the process .ci/run starts with CERTITUDE_CRYPTO=portable.</summary>
    public static bool PortableRequested
        => string.Equals(Environment.GetEnvironmentVariable(CryptoPath.EnvironmentVariable)?.Trim(), "portable", StringComparison.OrdinalIgnoreCase);

    /// <summary>Same cases, same verdicts, same codes, messages and diagnostics on the two paths.</summary>
    public static void AssertSameOutcomes(List<LimboOutcome> native, List<LimboOutcome> portable)
    {
        Assert.Equal(native.Count, portable.Count);
        var other = portable.ToDictionary(o => o.Id);
        var differences = native
            .Where(o => !other.TryGetValue(o.Id, out var p) || p.Actual != o.Actual || p.Context != o.Context)
            .Select(o => $"{o.Id}: native {o.Actual} ({o.Context}), portable {(other.TryGetValue(o.Id, out var p) ? $"{p.Actual} ({p.Context})" : "missing")}")
            .ToList();
        Assert.True(differences.Count == 0, "the crypto paths disagree:\n" + string.Join("\n", differences));
    }
}

public sealed class CryptoPathTests
{
    [Theory]
    [InlineData(null, null, false)]
    [InlineData("", null, false)]
    [InlineData("native", null, false)]
    [InlineData("portable", null, true)]
    [InlineData(" Portable ", null, true)]
    [InlineData("PORTABLE", false, true)]
    [InlineData(null, true, true)]
    [InlineData("native", true, true)]
    [InlineData(null, false, false)]
    [InlineData("portabel", null, false)]
    public void TheVariableAndTheSwitchChooseThePath(string? variable, bool? appSwitch, bool portable)
    {
        var choice = CryptoPath.Choose(variable, appSwitch);
        Assert.Equal(portable, choice.Portable);
        if (portable)
        {
            Assert.Contains(appSwitch == true ? CryptoPath.AppContextSwitch : CryptoPath.EnvironmentVariable, choice.Reason, StringComparison.Ordinal);
        }
        else if (variable == "portabel")
        {
            // A value not understood is named, so that `certitude --version` shows the typo.
            Assert.Contains("\"portabel\" ignored", choice.Reason, StringComparison.Ordinal);
        }
        else
        {
            Assert.Equal("", choice.Reason);
        }
    }

    [Fact]
    public void AnOverlongValueIsNotPrintedWhole()
    {
        var choice = CryptoPath.Choose(new string('x', 100_000), null);
        Assert.False(choice.Portable);
        Assert.True(choice.Reason.Length < 100, choice.Reason);
    }

    [Fact]
    public void LibcryptoIsLookedForOnlyOnLinuxAndOnlyByAbsolutePathInSystemDirectories()
    {
        Assert.Empty(LibCrypto.Candidates(linux: false, Architecture.X64));
        Assert.Empty(LibCrypto.Candidates(linux: false, Architecture.Arm64));
        foreach (var arch in Enum.GetValues<Architecture>())
        {
            var candidates = LibCrypto.Candidates(linux: true, arch).ToList();
            Assert.NotEmpty(candidates);
            foreach (var c in candidates)
            {
                Assert.True(Path.IsPathFullyQualified(c), c);
                Assert.True(c.StartsWith("/usr/lib", StringComparison.Ordinal) || c.StartsWith("/lib", StringComparison.Ordinal), c);
                Assert.Matches(@"/libcrypto\.so\.(3|1\.1)$", c);
            }
        }
        var x64 = LibCrypto.Candidates(linux: true, Architecture.X64).ToList();
        Assert.Equal("/usr/lib/x86_64-linux-gnu/libcrypto.so.3", x64[0]);
        Assert.Contains("/usr/lib64/libcrypto.so.3", x64);
        Assert.Contains("/usr/lib/libcrypto.so.1.1", x64);
    }

    /// <summary>Also runs in the portable test process: there the switch must really have taken effect.</summary>
    [Fact]
    [Trait(CryptoPaths.Trait, CryptoPaths.Both)]
    public void ThisProcessIsOnTheChosenPath()
    {
        var root = TestPki.Root();
        var verifier = TestPki.Verifier(root);
        var result = verifier.Verify(TestPki.Leaf(root).Cert, null, PeerIdentity.Dns("example.com"));
        Assert.True(result.IsValid, result.Explain());
        Assert.Equal(verifier.CryptoPath, result.CryptoPath);
        Assert.Contains("signatures: " + result.CryptoPath, result.Explain(), StringComparison.Ordinal);
        if (CryptoPaths.PortableRequested)
        {
            Assert.True(CryptoPath.Chosen.Portable);
            Assert.False(CryptoPath.Native);
            // Never loaded at all.
            Assert.False(LibCrypto.IsAvailable);
            Assert.Null(LibCrypto.LoadedFrom);
            Assert.Equal("portable: System.Security.Cryptography (CERTITUDE_CRYPTO=portable)", result.CryptoPath);
        }
        else if (OperatingSystem.IsLinux())
        {
            Assert.True(CryptoPath.Native, CryptoPath.Description);
            var from = LibCrypto.LoadedFrom!;
            Assert.Contains(from, LibCrypto.Candidates(linux: true, RuntimeInformation.ProcessArchitecture));
            Assert.StartsWith("native: libcrypto OpenSSL ", result.CryptoPath, StringComparison.Ordinal);
            Assert.Contains($"({from})", result.CryptoPath, StringComparison.Ordinal);
            // The tests' hook: one verifier on the portable path in this native process.
            var portable = new Verifier(verifier.TrustStore, verifier.Options, portable: true);
            Assert.Equal(CryptoPath.ForcedPortable, portable.Verify(TestPki.Leaf(root).Cert, null, PeerIdentity.Dns("example.com")).CryptoPath);
        }
    }

    /// <summary>The CLI says which path it is on; the variable and the AppContext switch (runtimeconfig.json)
    /// each make it portable; a libcrypto planted in the working directory and on LD_LIBRARY_PATH is not loaded.</summary>
    [Fact]
    public void VersionNamesThePathAndTheSwitchesWork()
    {
        var dir = Directory.CreateTempSubdirectory("certitude-crypto-");
        try
        {
            // CryptoPath.Native loads libcrypto in this process (if it is to be loaded) before LoadedFrom is read.
            if (OperatingSystem.IsLinux() && CryptoPath.Native && LibCrypto.LoadedFrom is { } real)
            {
                File.Copy(real, Path.Combine(dir.FullName, "libcrypto.so.3"));
                var planted = Version(dir.FullName, ("LD_LIBRARY_PATH", dir.FullName));
                Assert.Contains($"signatures: native: libcrypto OpenSSL ", planted, StringComparison.Ordinal);
                Assert.Contains($"({real})", planted, StringComparison.Ordinal);
                Assert.DoesNotContain(dir.FullName, planted, StringComparison.Ordinal);
            }

            Assert.Contains("signatures: portable: System.Security.Cryptography (CERTITUDE_CRYPTO=portable)",
                Version(dir.FullName, (CryptoPath.EnvironmentVariable, "portable")), StringComparison.Ordinal);

            // The same switch in a runtimeconfig.json, as an application sets it.
            var config = Path.ChangeExtension(CliPath.Certitude, ".runtimeconfig.json");
            var doc = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(config))!;
            var options = doc["runtimeOptions"]!.AsObject();
            options["configProperties"] ??= new System.Text.Json.Nodes.JsonObject();
            options["configProperties"]![CryptoPath.AppContextSwitch] = true;
            var custom = Path.Combine(dir.FullName, "certitude.runtimeconfig.json");
            File.WriteAllText(custom, doc.ToJsonString());
            Assert.Contains($"signatures: portable: System.Security.Cryptography (AppContext switch {CryptoPath.AppContextSwitch})",
                Version(dir.FullName, null, custom), StringComparison.Ordinal);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    /// <summary><c>certitude speed --compare portable</c>: a second engine on the portable path verifies the same chains.</summary>
    [Fact]
    public void SpeedComparesThePortablePath()
    {
        using var doc = Speed.BuiltIn();
        var chains = Speed.Load(doc).Take(2).ToList();
        var figures = Speed.Run(chains, new SpeedSettings(0.1, "warm", CompareX509Chain: false, Json: false, ComparePortable: true), null);
        Assert.Equal(["certitude", "portable"], figures.Keys.Order(StringComparer.Ordinal));
        Assert.All(figures.Values, f => Assert.True(f.Validations > 0));
        Assert.Contains("the portable crypto path takes", Speed.ToText("warm", chains.Count, figures), StringComparison.Ordinal);
    }

    private static string Version(string workingDirectory, (string Name, string Value)? variable, string? runtimeConfig = null)
    {
        string[] args = runtimeConfig is null ? [CliPath.Certitude, "--version"] : ["exec", "--runtimeconfig", runtimeConfig, CliPath.Certitude, "--version"];
        List<KeyValuePair<string, string?>> environment = [new(CryptoPath.EnvironmentVariable, null)];
        if (variable is { } v)
        {
            environment.Add(new(v.Name, v.Value));
        }
        var (exit, output, stderr) = ProcessRunner.Run("dotnet", args, workingDirectory, environment, timeoutMs: 120_000);
        Assert.True(exit == 0, output + stderr);
        return output;
    }
}
