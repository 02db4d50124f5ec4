using System.Text.Json;
using Certitude.Cli;
using Xunit;

namespace Certitude.Tests;

/// <summary>Runs x509-limbo (../shared/corpus/limbo.json) through the same harness as `certitude limbo`:
/// rfc5280:: ids under the RFC 5280 profile, all others web PKI, strict on, no id-specific code. One theory
/// row per case. Every case not passed must be listed, with its reason, in limbo-exceptions.json; a listed case
/// that now passes fails its row until it is removed from the list, so the file stays true.</summary>
public sealed class LimboConformanceTests
{
    private const int MinimumPasses = 204;
    private const string CorpusFile = "limbo.json";

    public static TheoryData<string> Cases => ConformanceCases.Ids(CorpusFile);

    /// <summary>One case on this process's crypto path (native on Linux) and on the portable one: it passes unless the
    /// exceptions file lists it (then it must still not pass), and the two paths agree.</summary>
    [Theory]
    [MemberData(nameof(Cases))]
    public void LimboCase(string id)
    {
        var outcome = ConformanceCases.RunOnBothPaths(CorpusFile, id, new LimboSettings());
        var expected = ConformanceCases.Expected(CorpusFile, id);
        if (LoadExceptions().TryGetValue(id, out var reason))
        {
            Assert.True(outcome.Actual != expected, $"{id} is listed in limbo-exceptions.json ({reason}) but passes now: remove it from the list");
        }
        else
        {
            Assert.True(outcome.Actual == expected, $"{id}: expected {expected}, got {outcome.Actual}: {outcome.Context}");
        }
    }

    [Fact]
    public void TheExceptionsFileNamesRealCasesAndLeavesEnoughPasses()
    {
        // Each row above passes exactly when its case passes or is listed (and fails), so the passes are the cases
        // less the listed ones.
        var cases = ConformanceCases.Of(CorpusFile);
        var exceptions = LoadExceptions();
        Assert.DoesNotContain(exceptions.Keys, id => !cases.ContainsKey(id));
        Assert.True(cases.Count - exceptions.Count >= MinimumPasses, $"{exceptions.Count} exceptions of {cases.Count} cases leave fewer than {MinimumPasses} passes");
    }

    [Fact]
    public void EveryExceptionHasAReason()
    {
        foreach (var (id, reason) in LoadExceptions())
        {
            Assert.False(string.IsNullOrWhiteSpace(reason), id);
        }
    }

    [Fact]
    public void HarnessHonoursNoStrict()
    {
        // With X509Strict off, structure-only findings are no longer fatal: a case that fails only on
        // a strict rule (the leaf's serial number is zero) succeeds; a real violation still fails.
        // The issuance tier is off too, as with the library's default flags.
        var settings = new LimboSettings { Strict = false, Issuance = "off" };
        LimboOutcome Outcome(string id) => ConformanceCases.Run(CorpusFile, id, settings);
        Assert.Equal("SUCCESS", Outcome("rfc5280::serial::zero").Actual);
        Assert.Equal("FAILURE", Outcome("rfc5280::validity::expired-leaf").Actual);
        var wildcard = Outcome("webpki::san::public-suffix-wildcard-san");
        Assert.Equal("FAILURE", wildcard.Actual);
        Assert.Contains("62", wildcard.Context, StringComparison.Ordinal);

    }

    [Fact]
    public void IssuanceTierDecidesTheCommonNameCases()
    {
        // The exceptions file says these pass once the issuance-tier CN rule (CA/B BR 7.1.4.3) is not enforced,
        // as with the library's default flags; "auto" enforces it for webpki:: cases (publicly-trusted models).
        var offSettings = new LimboSettings { Issuance = "off" };
        var autoSettings = new LimboSettings();
        LimboOutcome Off(string id) => ConformanceCases.Run(CorpusFile, id, offSettings);
        LimboOutcome Auto(string id) => ConformanceCases.Run(CorpusFile, id, autoSettings);
        foreach (var id in new[] { "webpki::san::leftmost-wildcard-san", "webpki::san::exact-localhost-ip-san", "webpki::nc::nc-permits-dns-san-pattern" })
        {
            Assert.Equal("SUCCESS", Off(id).Actual);
            Assert.Contains("1005", Auto(id).Context, StringComparison.Ordinal);
        }
        // Issuance-tier cases: rejected under auto, accepted under the default flags (a warning there).
        foreach (var id in new[] { "webpki::eku::ee-without-eku", "webpki::cn::not-in-san", "webpki::aki::root-with-aki-ski-mismatch" })
        {
            Assert.Equal("FAILURE", Auto(id).Actual);
            Assert.Equal("SUCCESS", Off(id).Actual);
        }
    }

    [Fact]
    public void CaAsLeafCasePassesUnderTheRfc5280Profile()
    {
        Assert.Equal("SUCCESS", ConformanceCases.Run(CorpusFile, "pathlen::validation-ignores-pathlen-in-leaf", new LimboSettings { Profile = "rfc5280" }).Actual);
    }

    private static readonly Lazy<Dictionary<string, string>> Exceptions = new(ReadExceptions);

    internal static Dictionary<string, string> LoadExceptions() => Exceptions.Value;

    private static Dictionary<string, string> ReadExceptions()
    {
        var path = Path.Combine(AppContext.BaseDirectory, "limbo-exceptions.json");
        using var doc = JsonDocument.Parse(File.ReadAllBytes(path));
        return doc.RootElement.GetProperty("exceptions").EnumerateArray()
            .ToDictionary(e => e.GetProperty("id").GetString()!, e => e.GetProperty("reason").GetString() ?? "");
    }
}
