using System.Text;
using System.Text.Json;
using Certitude.Cli;
using Xunit;

namespace Certitude.Tests;

/// <summary>
/// Hostile input: every certificate and CRL of the limbo corpus is mutated (bit flips, truncations,
/// length and tag changes, inserted and deleted bytes) with a fixed seed. Parsing and verification
/// may only return results or <see cref="CertificateFormatException"/>; a mutated leaf never
/// verifies, and a mutated CRL never revokes or un-revokes anything.
/// </summary>
public sealed class MutationTests
{
    private const int Seed = 20261122;

    /// <summary>A mutation that always differs from the original.</summary>
    internal static byte[] Mutate(byte[] original, Random rng)
    {
        while (true)
        {
            var m = MutateOnce(original, rng);
            if (!m.AsSpan().SequenceEqual(original))
            {
                return m;
            }
        }
    }

    private static byte[] MutateOnce(byte[] original, Random rng)
    {
        var b = (byte[])original.Clone();
        switch (rng.Next(7))
        {
            case 0: // bit flip
                {
                    int i = rng.Next(b.Length);
                    b[i] ^= (byte)(1 << rng.Next(8));
                    return b;
                }
            case 1: // truncation
                return b[..rng.Next(b.Length)];
            case 2: // length byte change: find a TLV header and change its length octet
                {
                    int i = rng.Next(Math.Max(1, b.Length - 1)) + 1;
                    b[i] = (byte)(b[i] + (rng.Next(2) == 0 ? 1 : -1));
                    return b;
                }
            case 3: // tag change
                {
                    int i = rng.Next(b.Length);
                    b[i] = (byte)rng.Next(256);
                    return b;
                }
            case 4: // inserted bytes
                {
                    int i = rng.Next(b.Length + 1);
                    var ins = new byte[rng.Next(1, 4)];
                    rng.NextBytes(ins);
                    return [.. b[..i], .. ins, .. b[i..]];
                }
            case 5: // deleted byte
                {
                    int i = rng.Next(b.Length);
                    return [.. b[..i], .. b[(i + 1)..]];
                }
            default: // several flips
                {
                    for (int k = 0; k < 4; k++)
                    {
                        b[rng.Next(b.Length)] ^= (byte)rng.Next(1, 256);
                    }
                    return b;
                }
        }
    }

    private static byte[] Der(string pem)
    {
        var body = new StringBuilder();
        foreach (var line in pem.Split('\n'))
        {
            if (!line.StartsWith("-----", StringComparison.Ordinal))
            {
                body.Append(line.Trim());
            }
        }
        return Convert.FromBase64String(body.ToString());
    }

    [Fact]
    public void MutatedCertificatesNeverCrashAndMutatedLeavesNeverVerify()
    {
        using var suite = Corpus.Load("limbo.json");
        var rng = new Random(Seed);
        int inputs = 0, parsed = 0, verified = 0;
        var cases = suite.RootElement.GetProperty("testcases").EnumerateArray().ToList();

        // 1. Parse-only mutations of every certificate in the corpus.
        var all = cases.SelectMany(t => t.GetProperty("trusted_certs").EnumerateArray()
                .Concat(t.GetProperty("untrusted_intermediates").EnumerateArray())
                .Append(t.GetProperty("peer_certificate")))
            .Select(e => Der(e.GetString()!)).Where(d => d.Length < 20_000).ToList();
        while (inputs < 80_000)
        {
            var original = all[inputs % all.Count];
            var m = Mutate(original, rng);
            inputs++;
            try
            {
                Certificate.Parse(m);
                parsed++;
            }
            catch (CertificateFormatException)
            {
            }
        }

        // 2. Mutated leaves of passing cases, verified with the case's own trust store and settings.
        var good = cases.Where(t => t.GetProperty("expected_result").GetString() == "SUCCESS"
            && t.GetProperty("crls").GetArrayLength() == 0).ToList();
        int perCase = 22_000 / good.Count + 1;
        foreach (var tc in good)
        {
            var trusted = tc.GetProperty("trusted_certs").EnumerateArray().Select(e => Certificate.ParsePem(e.GetString()!)).ToList();
            var untrusted = tc.GetProperty("untrusted_intermediates").EnumerateArray().Select(e => Certificate.ParsePem(e.GetString()!)).ToList();
            var leafDer = Der(tc.GetProperty("peer_certificate").GetString()!);
            var time = tc.GetProperty("validation_time").ValueKind == JsonValueKind.String
                ? DateTimeOffset.Parse(tc.GetProperty("validation_time").GetString()!, System.Globalization.CultureInfo.InvariantCulture) : DateTimeOffset.UtcNow;
            var id = tc.GetProperty("id").GetString()!;
            var verifier = new Verifier(TrustStore.FromCertificates(trusted), new VerificationOptions
            {
                Profile = id.StartsWith("rfc5280::", StringComparison.Ordinal) ? VerificationProfile.Rfc5280 : VerificationProfile.WebPki,
                ValidationTime = time,
                Purpose = CertificatePurpose.Any,
                Flags = VerifyFlags.PartialChain | VerifyFlags.TrustedFirst, // lax: a mutation must fail on its own merits
                MaxIntermediates = 10,
            });
            for (int k = 0; k < perCase; k++)
            {
                var m = Mutate(leafDer, rng);
                inputs++;
                Certificate leaf;
                try
                {
                    leaf = Certificate.Parse(m);
                }
                catch (CertificateFormatException)
                {
                    continue;
                }
                parsed++;
                var r = verifier.Verify(leaf, untrusted);
                if (r.IsValid)
                {
                    verified++;
                    Assert.Fail($"{id}: a mutated leaf verified ({Convert.ToHexString(m)[..Math.Min(64, m.Length * 2)]}...)");
                }
            }
        }
        Assert.True(inputs >= 100_000, $"only {inputs} mutated certificates");
        Assert.True(parsed > 1000, $"mutations too destructive to exercise verification: {parsed} parsed");
        Assert.Equal(0, verified);
    }

    [Fact]
    public void MutatedCrlsNeverCrashAndNeverChangeARevocationVerdict()
    {
        using var suite = Corpus.Load("limbo.json");
        var rng = new Random(Seed + 1);
        var crlCases = suite.RootElement.GetProperty("testcases").EnumerateArray()
            .Where(t => t.GetProperty("crls").GetArrayLength() > 0).ToList();
        Assert.NotEmpty(crlCases);
        int inputs = 0;
        int perCase = 50_000 / crlCases.Count + 1;
        foreach (var tc in crlCases)
        {
            var trusted = tc.GetProperty("trusted_certs").EnumerateArray().Select(e => Certificate.ParsePem(e.GetString()!)).ToList();
            var leaf = Certificate.ParsePem(tc.GetProperty("peer_certificate").GetString()!);
            var crlDers = tc.GetProperty("crls").EnumerateArray().Select(e => Der(e.GetString()!)).ToList();
            var options = new VerificationOptions
            {
                Profile = VerificationProfile.WebPki,
                Flags = VerifyFlags.Default | VerifyFlags.CrlCheckChain,
                ValidationTime = DateTimeOffset.Parse(tc.GetProperty("validation_time").GetString()!, System.Globalization.CultureInfo.InvariantCulture),
            };
            for (int k = 0; k < perCase; k++)
            {
                int which = rng.Next(crlDers.Count);
                var m = Mutate(crlDers[which], rng);
                inputs++;
                CertificateRevocationList mutated;
                try
                {
                    mutated = CertificateRevocationList.Parse(m);
                }
                catch (CertificateFormatException)
                {
                    continue;
                }
                // Only the mutated CRL is given: it cannot verify, so the leaf is never revoked by it
                // and never accepted on its word.
                var alone = new Verifier(TrustStore.FromCertificates(trusted), options with { Crls = [mutated] }).Verify(leaf);
                Assert.NotEqual(VerifyCode.CertRevoked, alone.Code);
                Assert.False(alone.IsValid, "a mutated CRL was accepted as covering the leaf");
            }
        }
        Assert.True(inputs >= 50_000, $"only {inputs} mutated CRLs");
    }
}
