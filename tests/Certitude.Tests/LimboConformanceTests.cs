using System.Text.Json;
using Certitude.Cli;
using Xunit;

namespace Certitude.Tests;

/// <summary>Runs x509-limbo (../shared/corpus/limbo.json) through the same harness as `certitude limbo`:
/// rfc5280:: ids under the RFC 5280 profile, all others web PKI, strict on, no id-specific code.
/// Every case not passed must be listed, with its reason, in limbo-exceptions.json; a listed case
/// that now passes must be removed from the list, so the file stays true.</summary>
public sealed class LimboConformanceTests
{
    private const int MinimumPasses = 204;

    /// <summary>The suite on this process's crypto path (native on Linux) and on the portable one: each must pass
    /// as the exceptions file says, and the two must agree on every case (verdict, code, message, diagnostics).</summary>
    [Fact]
    public void LimboSuitePassesExceptForListedCasesOnBothCryptoPaths()
    {
        using var suite = Corpus.Load("limbo.json");
        var native = LimboHarness.Run(suite, new LimboSettings());
        var portable = LimboHarness.Run(suite, new LimboSettings { Portable = true });
        CheckOutcomes(suite, native);
        CheckOutcomes(suite, portable);
        CryptoPaths.AssertSameOutcomes(native, portable);
    }

    private static void CheckOutcomes(JsonDocument suite, List<LimboOutcome> outcomes)
    {
        var expected = suite.RootElement.GetProperty("testcases").EnumerateArray()
            .ToDictionary(t => t.GetProperty("id").GetString()!, t => t.GetProperty("expected_result").GetString()!);

        Assert.Equal(expected.Count, outcomes.Count);
        Assert.Empty(outcomes.Where(o => o.Threw).Select(o => $"{o.Id}: {o.Context}"));

        var exceptions = LoadExceptions();
        var notPassed = outcomes.Where(o => o.Actual != expected[o.Id]).ToList();
        var unlisted = notPassed.Where(o => !exceptions.ContainsKey(o.Id)).Select(o => $"{o.Id}: expected {expected[o.Id]}, got {o.Actual}: {o.Context}").ToList();
        Assert.True(unlisted.Count == 0, "regressions (not in limbo-exceptions.json):\n" + string.Join("\n", unlisted));

        var stale = exceptions.Keys.Where(id => !notPassed.Any(o => o.Id == id)).ToList();
        Assert.True(stale.Count == 0, "listed as exceptions but passing now (remove them): " + string.Join(", ", stale));

        int passed = outcomes.Count - notPassed.Count;
        Assert.True(passed >= MinimumPasses, $"passed {passed} of {outcomes.Count}, below {MinimumPasses}");
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
        using var suite = Corpus.Load("limbo.json");
        var outcomes = LimboHarness.Run(suite, new LimboSettings { Strict = false, Issuance = "off" }).ToDictionary(o => o.Id);
        Assert.Equal("SUCCESS", outcomes["rfc5280::serial::zero"].Actual);
        Assert.Equal("FAILURE", outcomes["rfc5280::validity::expired-leaf"].Actual);
        Assert.Equal("FAILURE", outcomes["webpki::san::public-suffix-wildcard-san"].Actual);
        Assert.Contains("62", outcomes["webpki::san::public-suffix-wildcard-san"].Context, StringComparison.Ordinal);

    }

    [Fact]
    public void IssuanceTierDecidesTheCommonNameCases()
    {
        // The exceptions file says these pass once the issuance-tier CN rule (CA/B BR 7.1.4.3) is not enforced,
        // as with the library's default flags; "auto" enforces it for webpki:: cases (publicly-trusted models).
        using var suite = Corpus.Load("limbo.json");
        var off = LimboHarness.Run(suite, new LimboSettings { Issuance = "off" }).ToDictionary(o => o.Id);
        var auto = LimboHarness.Run(suite, new LimboSettings()).ToDictionary(o => o.Id);
        foreach (var id in new[] { "webpki::san::leftmost-wildcard-san", "webpki::san::exact-localhost-ip-san", "webpki::nc::nc-permits-dns-san-pattern" })
        {
            Assert.Equal("SUCCESS", off[id].Actual);
            Assert.Contains("1005", auto[id].Context, StringComparison.Ordinal);
        }
        // Issuance-tier cases: rejected under auto, accepted under the default flags (a warning there).
        foreach (var id in new[] { "webpki::eku::ee-without-eku", "webpki::cn::not-in-san", "webpki::aki::root-with-aki-ski-mismatch" })
        {
            Assert.Equal("FAILURE", auto[id].Actual);
            Assert.Equal("SUCCESS", off[id].Actual);
        }
    }

    [Fact]
    public void CaAsLeafCasePassesUnderTheRfc5280Profile()
    {
        using var suite = Corpus.Load("limbo.json");
        var outcomes = LimboHarness.Run(suite, new LimboSettings { Profile = "rfc5280" }).ToDictionary(o => o.Id);
        Assert.Equal("SUCCESS", outcomes["pathlen::validation-ignores-pathlen-in-leaf"].Actual);
    }

    internal static Dictionary<string, string> LoadExceptions()
    {
        var path = Path.Combine(AppContext.BaseDirectory, "limbo-exceptions.json");
        using var doc = JsonDocument.Parse(File.ReadAllBytes(path));
        return doc.RootElement.GetProperty("exceptions").EnumerateArray()
            .ToDictionary(e => e.GetProperty("id").GetString()!, e => e.GetProperty("reason").GetString() ?? "");
    }
}
