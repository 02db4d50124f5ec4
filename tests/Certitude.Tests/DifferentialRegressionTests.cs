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

    /// <summary>The same seeds on Brainpool, P-521, RSA-3072 keys and SHA-224 / RSA-PSS signatures (issue 13 item 4).</summary>
    private static readonly Lazy<ChainGenerator> Extended = new(() => new ChainGenerator(poolSize: 3, extendedAlgorithms: true));

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
        var chain = Make(Generator, seed);
        var (isValid, got) = Run(chain, strict, portable: false);
        Assert.True(isValid == valid, $"seed {seed} ({string.Join(" ", chain.Features)}): {why}; got {got}");
    }

    /// <summary>The keys and signature algorithms of a chain change no verdict: every recorded seed, rebuilt with the
    /// extended algorithms, gets the recorded verdict, on the native and the portable crypto path. (The whole
    /// run of 2,000 such chains against OpenSSL agrees exactly as the default run does: eng/differential/disagreements.md.)</summary>
    [Theory]
    [MemberData(nameof(Cases))]
    public void RecordedVerdictHoldsWithBrainpoolSha224AndPss(int seed, bool strict, bool valid, string why)
    {
        var chain = Make(Extended, seed);
        foreach (var portable in new[] { false, true })
        {
            var (isValid, got) = Run(chain, strict, portable);
            Assert.True(isValid == valid, $"seed {seed} portable={portable} ({string.Join(" ", chain.Features)}): {why}; got {got}");
        }
    }

    private static GeneratedChain Make(Lazy<ChainGenerator> generator, int seed)
    {
        lock (generator)
        {
            return generator.Value.Make(seed);
        }
    }

    private static (bool Valid, string Text) Run(GeneratedChain chain, bool strict, bool portable)
    {
        var options = new VerificationOptions
        {
            Profile = VerificationProfile.Rfc5280,
            Flags = strict ? VerifyFlags.Default : VerifyFlags.Default & ~VerifyFlags.X509Strict,
            Purpose = CertificatePurpose.Any,
            ValidationTime = chain.Time,
        };
        try
        {
            var verifier = new Verifier(TrustStore.FromCertificates([Certificate.Parse(chain.Root)]), options, portable);
            var r = verifier.Verify(Certificate.Parse(chain.Leaf), chain.Intermediates.Select(d => Certificate.Parse(d)).ToList(), (PeerIdentity?)null);
            return (r.IsValid, r.ToString());
        }
        catch (CertificateFormatException e)
        {
            // A certificate that is not DER (a DER slip) is refused when parsed.
            return (false, e.Message);
        }
    }
}
