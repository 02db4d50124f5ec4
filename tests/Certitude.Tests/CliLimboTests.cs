using System.Diagnostics;
using System.Text.Json;
using Xunit;

namespace Certitude.Tests;

/// <summary>The built `certitude limbo` command, run as a process on the shared suites.</summary>
[Collection("console")]
public sealed class CliLimboTests
{
    private static (int Exit, string Stdout, string Stderr) RunCertitude(string stdinFile, params string[] args)
        => ProcessRunner.Certitude(args, stdinFile: stdinFile, timeoutMs: 300_000);

    private static Dictionary<string, string> Expected(string file)
    {
        using var doc = Corpus.Load(file);
        return doc.RootElement.GetProperty("testcases").EnumerateArray()
            .ToDictionary(t => t.GetProperty("id").GetString()!, t => t.GetProperty("expected_result").GetString()!);
    }

    [Fact]
    public void LimboThroughTheExecutable()
    {
        var (exit, stdout, stderr) = RunCertitude(Path.Combine(Corpus.Directory, "limbo.json"), "limbo", "--harness-name", "certitude-test");
        Assert.True(exit == 0, stderr);
        using var doc = JsonDocument.Parse(stdout);
        Assert.Equal(1, doc.RootElement.GetProperty("version").GetInt32());
        Assert.Equal("certitude-test", doc.RootElement.GetProperty("harness").GetString());
        var expected = Expected("limbo.json");
        var results = doc.RootElement.GetProperty("results").EnumerateArray().ToList();
        Assert.Equal(expected.Count, results.Count);
        int passed = results.Count(r => r.GetProperty("actual_result").GetString() == expected[r.GetProperty("id").GetString()!]);
        var exceptions = LimboConformanceTests.LoadExceptions();
        Assert.Equal(expected.Count - exceptions.Count, passed);
        // The one-line summary on standard error agrees with the results.
        Assert.Contains($"limbo: {expected.Count} cases: {passed} passed, {expected.Count - passed} failed, 0 skipped (", stderr, StringComparison.Ordinal);
        Assert.Contains($"rfc5280 {expected.Keys.Count(k => k.StartsWith("rfc5280::", StringComparison.Ordinal) && !exceptions.ContainsKey(k))} passed", stderr, StringComparison.Ordinal);
        Assert.All(results, r => Assert.False(string.IsNullOrEmpty(r.GetProperty("context").GetString())));
    }

    [Fact]
    public void PkitsThroughTheExecutable()
    {
        var (exit, stdout, stderr) = RunCertitude(Path.Combine(Corpus.Directory, "pkits.json"), "limbo", "--profile", "rfc5280", "--no-strict", "--allow-sha1");
        Assert.True(exit == 0, stderr);
        using var doc = JsonDocument.Parse(stdout);
        var expected = Expected("pkits.json");
        var wrong = doc.RootElement.GetProperty("results").EnumerateArray()
            .Where(r => r.GetProperty("actual_result").GetString() != expected[r.GetProperty("id").GetString()!])
            .Select(r => r.GetProperty("id").GetString()).ToList();
        Assert.Empty(wrong);
    }

    [Fact]
    public void BadInputIsAUsageError()
    {
        var file = Path.GetTempFileName();
        File.WriteAllText(file, "this is not json");
        try
        {
            var (exit, _, stderr) = RunCertitude(file, "limbo");
            Assert.Equal(2, exit);
            Assert.Contains("not a JSON limbo suite", stderr, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(file);
        }
    }
}
