using BenchmarkDotNet.Attributes;

namespace Certitude.Benchmarks;

/// <summary>
/// Issue 26 item 5: 100 untrusted candidate issuers with 3072-bit RSA keys, e = 65537 or a 3064-bit exponent, offered
/// with a leaf none of them signed. Each run reads the candidates (a key with e above 2^256 - 1 is refused there, CA/B
/// BR 6.1.6) and verifies with a new verifier, so no signature outcome is cached (bench/results/2026-12-06-rsa-exponent.md).
/// </summary>
[MemoryDiagnoser]
public class RsaExponentBenchmarks
{
    private byte[] _root = [];
    private byte[] _leaf = [];
    private byte[][] _candidates = [];

    [Params(false, true)]
    public bool HugeExponent { get; set; }

    [GlobalSetup]
    public void Setup() => (_root, _leaf, _candidates) = HostileInputs.RsaExponentCandidates(100, HugeExponent);

    [Benchmark(Description = "100 RSA candidates, read and tried")]
    public int Candidates()
    {
        var parsed = new List<Certificate>();
        foreach (var c in _candidates)
        {
            try
            {
                parsed.Add(Certificate.Parse(c));
            }
            catch (CertificateFormatException)
            {
                // refused when the key is read
            }
        }
        var verifier = new Verifier(TrustStore.FromCertificates([Certificate.Parse(_root)]), new VerificationOptions { ValidationTime = DateTimeOffset.UtcNow });
        return (int)verifier.Verify(Certificate.Parse(_leaf), parsed).Code;
    }
}
