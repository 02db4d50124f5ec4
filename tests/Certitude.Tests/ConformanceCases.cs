using System.Text.Json;
using Certitude.Cli;
using Xunit;

namespace Certitude.Tests;

/// <summary>The testcases of a conformance corpus file, by id, loaded once per test run: each case is a row of a
/// theory (one failure shows as one named failure), run through the same harness as <c>certitude limbo</c>.</summary>
internal static class ConformanceCases
{
    private static readonly Dictionary<string, Lazy<(JsonDocument Doc, Dictionary<string, JsonElement> Cases)>> Files = new()
    {
        ["limbo.json"] = new(() => Load("limbo.json")),
        ["pkits.json"] = new(() => Load("pkits.json")),
    };

    private static (JsonDocument, Dictionary<string, JsonElement>) Load(string file)
    {
        var doc = Corpus.Load(file);
        var cases = doc.RootElement.GetProperty("testcases").EnumerateArray().ToDictionary(t => t.GetProperty("id").GetString()!);
        return (doc, cases);
    }

    public static IReadOnlyDictionary<string, JsonElement> Of(string file) => Files[file].Value.Cases;

    public static TheoryData<string> Ids(string file)
    {
        var data = new TheoryData<string>();
        foreach (var id in Of(file).Keys)
        {
            data.Add(id);
        }
        return data;
    }

    public static string Expected(string file, string id) => Of(file)[id].GetProperty("expected_result").GetString()!;

    /// <summary>The case on this process's crypto path (native on Linux) and on the portable one; the two must agree
    /// (verdict, code, message, diagnostics). Returns the outcome.</summary>
    public static LimboOutcome RunOnBothPaths(string file, string id, LimboSettings settings)
    {
        var tc = Of(file)[id];
        var native = LimboHarness.RunOne(tc, settings);
        var portable = LimboHarness.RunOne(tc, settings with { Portable = true });
        Assert.False(native.Threw, $"{id}: {native.Context}");
        CryptoPaths.AssertSameOutcomes([native], [portable]);
        return native;
    }

    public static LimboOutcome Run(string file, string id, LimboSettings settings) => LimboHarness.RunOne(Of(file)[id], settings);
}
