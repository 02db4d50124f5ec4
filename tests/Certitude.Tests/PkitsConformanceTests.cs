using Certitude.Cli;
using Xunit;

namespace Certitude.Tests;

/// <summary>NIST PKITS (../shared/corpus/pkits.json) with the settings its README gives: RFC 5280 profile,
/// strict structure checks off, SHA-1 allowed, CRL checking of the whole chain with the given CRLs
/// (a certificate no CRL covers fails). The same settings as
/// <c>certitude limbo --profile rfc5280 --no-strict --allow-sha1</c>.</summary>
public sealed class PkitsConformanceTests
{
    private const string CorpusFile = "pkits.json";

    public static TheoryData<string> Cases => ConformanceCases.Ids(CorpusFile);

    /// <summary>One case on this process's crypto path (native on Linux) and on the portable one: it passes on each,
    /// and the two agree (verdict, code, message, diagnostics).</summary>
    [Theory]
    [MemberData(nameof(Cases))]
    public void PkitsCase(string id)
    {
        var settings = new LimboSettings { Profile = "rfc5280", Strict = false, AllowSha1 = true };
        var outcome = ConformanceCases.RunOnBothPaths(CorpusFile, id, settings);
        var expected = ConformanceCases.Expected(CorpusFile, id);
        Assert.True(outcome.Actual == expected, $"{id}: expected {expected}, got {outcome.Actual}: {outcome.Context}");
    }

    [Fact]
    public void PkitsHas214Cases() => Assert.Equal(214, ConformanceCases.Of(CorpusFile).Count);

    [Fact]
    public void PkitsPolicyResultsAreReported()
    {
        // 4.8.2 "All Certificates No Policies": the path validates with no valid policy (explicit policy not required).
        // 4.8.3 "Different Policies Test3" fails only when the caller requires an explicit policy.
        using var suite = Corpus.Load("pkits.json");
        var tc = suite.RootElement.GetProperty("testcases").EnumerateArray().Single(t => t.GetProperty("id").GetString() == "pkits::test-4.8.10");
        var trusted = tc.GetProperty("trusted_certs").EnumerateArray().Select(e => Certificate.ParsePem(e.GetString()!)).ToList();
        var untrusted = tc.GetProperty("untrusted_intermediates").EnumerateArray().Select(e => Certificate.ParsePem(e.GetString()!)).ToList();
        var crls = tc.GetProperty("crls").EnumerateArray().SelectMany(e => CertificateRevocationList.ParseAll(System.Text.Encoding.ASCII.GetBytes(e.GetString()!))).ToList();
        var leaf = Certificate.ParsePem(tc.GetProperty("peer_certificate").GetString()!);
        var options = new VerificationOptions
        {
            Profile = VerificationProfile.Rfc5280.WithAlgorithms(AlgorithmPolicy.Rfc5280 with { AllowSha1 = true }),
            Flags = VerifyFlags.PartialChain | VerifyFlags.TrustedFirst | VerifyFlags.CrlCheckChain,
            Purpose = CertificatePurpose.Any,
            ValidationTime = new DateTimeOffset(2011, 4, 15, 0, 0, 0, TimeSpan.Zero),
            Crls = crls,
        };
        // 4.8.10 "All Certificates Same Policies Test10": every certificate asserts NIST-test-policy-1 and -2.
        var r = new Verifier(TrustStore.FromCertificates(trusted), options).Verify(leaf, untrusted);
        Assert.True(r.IsValid, r.Explain());
        Assert.Equal(new HashSet<string> { "2.16.840.1.101.3.2.1.48.1", "2.16.840.1.101.3.2.1.48.2" }, r.UserConstrainedPolicies.ToHashSet());
        Assert.Equal(r.AuthoritiesConstrainedPolicies.ToHashSet(), r.UserConstrainedPolicies.ToHashSet());

        // With the user-initial-policy-set {NIST-test-policy-1}, only that one remains user-constrained.
        var one = options with { Policy = new PolicyInputs { InitialPolicySet = new HashSet<string> { "2.16.840.1.101.3.2.1.48.1" } } };
        var r1 = new Verifier(TrustStore.FromCertificates(trusted), one).Verify(leaf, untrusted);
        Assert.True(r1.IsValid, r1.Explain());
        Assert.Equal(["2.16.840.1.101.3.2.1.48.1"], r1.UserConstrainedPolicies);
        Assert.Equal(2, r1.AuthoritiesConstrainedPolicies.Count);

        // A user set no certificate asserts, with an explicit policy required, fails with "no explicit policy".
        var none = options with { Policy = new PolicyInputs { RequireExplicitPolicy = true, InitialPolicySet = new HashSet<string> { "2.16.840.1.101.3.2.1.48.3" } } };
        Assert.Equal(VerifyCode.NoExplicitPolicy, new Verifier(TrustStore.FromCertificates(trusted), none).Verify(leaf, untrusted).Code);
    }
}
