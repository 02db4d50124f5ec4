using System.Security.Cryptography.X509Certificates;
using BenchmarkDotNet.Attributes;

namespace Certitude.Benchmarks;

/// <summary>Parsing one real-world certificate: Certitude (every extension decoded) vs X509Certificate2.</summary>
[MemoryDiagnoser]
public class ParseBenchmarks
{
    private byte[] _der = [];

    [GlobalSetup]
    public void Setup() => _der = Corpus.OnlineChains()[0].Leaf;

    [Benchmark(Baseline = true, Description = "X509Certificate2 load")]
    public int X509Certificate2Load()
    {
        using var c = X509CertificateLoader.LoadCertificate(_der);
        return c.Extensions.Count;
    }

    [Benchmark(Description = "Certitude parse")]
    public int CertitudeParse() => Certificate.Parse(_der).Extensions.Count;
}
