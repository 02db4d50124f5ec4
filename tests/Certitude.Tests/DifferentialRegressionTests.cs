using System.Text.Json;
using Certitude.Differential;
using Xunit;

namespace Certitude.Tests;

/// <summary>
/// The chains behind the disagreements with OpenSSL that the differential run (eng/differential) found and
/// that were fixed, regenerated here from their seeds (no openssl needed): Certitude must now give
/// OpenSSL's recorded verdict. Disagreements kept on purpose are in eng/differential/disagreements.md and
/// are checked here too, for Certitude's side of them.
/// </summary>
public sealed class DifferentialRegressionTests
{
    private static readonly Lazy<ChainGenerator> Generator = new(() => new ChainGenerator(poolSize: 1));

    public static TheoryData<int, bool, bool, string> Cases()
    {
        var path = Path.Combine(AppContext.BaseDirectory, "differential-regressions.json");
        using var doc = JsonDocument.Parse(File.ReadAllBytes(path));
        var data = new TheoryData<int, bool, bool, string>();
        foreach (var c in doc.RootElement.GetProperty("cases").EnumerateArray())
        {
            data.Add(c.GetProperty("seed").GetInt32(), c.GetProperty("strict").GetBoolean(), c.GetProperty("valid").GetBoolean(), c.GetProperty("why").GetString()!);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void RecordedVerdictHolds(int seed, bool strict, bool valid, string why)
    {
        GeneratedChain chain;
        lock (Generator)
        {
            chain = Generator.Value.Make(seed);
        }
        var options = new VerificationOptions
        {
            Profile = VerificationProfile.Rfc5280,
            Flags = strict ? VerifyFlags.Default : VerifyFlags.Default & ~VerifyFlags.X509Strict,
            Purpose = CertificatePurpose.Any,
            ValidationTime = chain.Time,
        };
        string got;
        bool isValid;
        try
        {
            var verifier = new Verifier(TrustStore.FromCertificates([Certificate.Parse(chain.Root)]), options);
            var r = verifier.Verify(Certificate.Parse(chain.Leaf), chain.Intermediates.Select(d => Certificate.Parse(d)).ToList(), (PeerIdentity?)null);
            (isValid, got) = (r.IsValid, r.ToString());
        }
        catch (CertificateFormatException e)
        {
            // A certificate that is not DER (a DER slip) is refused when parsed.
            (isValid, got) = (false, e.Message);
        }
        Assert.True(isValid == valid, $"seed {seed} ({string.Join(" ", chain.Features)}): {why}; got {got}");
    }
}
