using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using BenchmarkDotNet.Attributes;
using Certitude.Signatures;

namespace Certitude.Benchmarks;

/// <summary>
/// The limbo online:: chains (real web PKI chains), verified by Certitude cold (a new verifier,
/// every certificate parsed from DER), warm (a long-lived verifier that has seen the intermediates
/// and root; the leaf parsed from DER and its signature checked), and hot (the same chain again),
/// beside .NET's X509Chain (custom root trust, downloads off, no revocation, certificates loaded
/// once) and the floor: the chain's signature verifications alone, keys already imported.
/// </summary>
[MemoryDiagnoser]
public class ChainBenchmarks
{
    private Corpus.Chain _chain = null!;
    private Verifier _warm = null!;
    private Certificate[] _intermediates = [];
    private Certificate _anchor = null!;
    private Certificate _hotLeaf = null!;
    private Certificate _issuer = null!;
    private X509Certificate2 _leafX = null!;
    private X509Certificate2[] _intermediatesX = [];
    private X509Certificate2[] _rootsX = [];
    private (AsymmetricAlgorithm Key, Certificate Child, Certificate Issuer)[] _floor = [];
    private PeerIdentity _peer = null!;

    public static IEnumerable<string> Chains => Corpus.OnlineChains().Select(c => c.Id);

    [ParamsSource(nameof(Chains))]
    public string Chain { get; set; } = "";

    [GlobalSetup]
    public void Setup()
    {
        _chain = Corpus.OnlineChains().Single(c => c.Id == Chain);
        _peer = PeerIdentity.Dns(_chain.Host);
        _intermediates = _chain.Intermediates.Select(d => Certificate.Parse(d)).ToArray();
        var roots = _chain.Roots.Select(d => Certificate.Parse(d)).ToArray();
        _warm = new Verifier(TrustStore.FromCertificates(roots), Options());
        _hotLeaf = Certificate.Parse(_chain.Leaf);
        var r = _warm.Verify(_hotLeaf, _intermediates, _peer);
        if (!r.IsValid)
        {
            throw new InvalidOperationException($"{Chain} does not verify: {r}");
        }
        _issuer = r.Path[1];
        _anchor = r.Path[^1];
        _leafX = X509CertificateLoader.LoadCertificate(_chain.Leaf);
        _intermediatesX = _chain.Intermediates.Select(d => X509CertificateLoader.LoadCertificate(d)).ToArray();
        _rootsX = _chain.Roots.Select(d => X509CertificateLoader.LoadCertificate(d)).ToArray();
        if (!X509ChainBuild())
        {
            throw new InvalidOperationException($"{Chain} does not build with X509Chain");
        }
        _floor = r.Path.Zip(r.Path.Skip(1)).Select(p => (Import(p.Second.PublicKey), p.First, p.Second)).ToArray();
    }

    private VerificationOptions Options() => new() { ValidationTime = _chain.Time };

    private static AsymmetricAlgorithm Import(PublicKeyInfo key)
    {
        if (key.Algorithm == PublicKeyAlgorithm.EC)
        {
            var ec = ECDsa.Create();
            ec.ImportSubjectPublicKeyInfo(key.RawData.Span, out _);
            return ec;
        }
        var rsa = RSA.Create();
        rsa.ImportSubjectPublicKeyInfo(key.RawData.Span, out _);
        return rsa;
    }

    [Benchmark(Baseline = true, Description = "X509Chain")]
    public bool X509ChainBuild()
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(_rootsX);
        chain.ChainPolicy.ExtraStore.AddRange(_intermediatesX);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.DisableCertificateDownloads = true;
        chain.ChainPolicy.VerificationTime = _chain.Time.UtcDateTime;
        return chain.Build(_leafX);
    }

    [Benchmark(Description = "Certitude cold")]
    public bool Cold()
    {
        var leaf = Certificate.Parse(_chain.Leaf);
        var intermediates = new Certificate[_chain.Intermediates.Length];
        for (int i = 0; i < intermediates.Length; i++)
        {
            intermediates[i] = Certificate.Parse(_chain.Intermediates[i]);
        }
        var roots = new Certificate[_chain.Roots.Length];
        for (int i = 0; i < roots.Length; i++)
        {
            roots[i] = Certificate.Parse(_chain.Roots[i]);
        }
        return new Verifier(TrustStore.FromCertificates(roots), Options()).Verify(leaf, intermediates, _peer).IsValid;
    }

    [Benchmark(Description = "Certitude warm")]
    public bool Warm()
    {
        var leaf = Certificate.Parse(_chain.Leaf);
        _warm.ForgetSignature(leaf, _issuer);
        return _warm.Verify(leaf, _intermediates, _peer).IsValid;
    }

    [Benchmark(Description = "Certitude hot")]
    public bool Hot() => _warm.Verify(_hotLeaf, _intermediates, _peer).IsValid;

    [Benchmark(Description = "floor: signatures only")]
    public bool Floor()
    {
        bool ok = true;
        foreach (var (key, child, issuer) in _floor)
        {
            ok &= SignatureVerifierProbe.Verify(key, child, issuer);
        }
        return ok;
    }
}

/// <summary>The bare signature check the floor measures: the verify call on an imported key.</summary>
internal static class SignatureVerifierProbe
{
    public static bool Verify(AsymmetricAlgorithm key, Certificate child, Certificate issuer)
    {
        var alg = child.SignatureAlgorithmName;
        var hash = alg.Contains("SHA384", StringComparison.Ordinal) ? HashAlgorithmName.SHA384
            : alg.Contains("SHA512", StringComparison.Ordinal) ? HashAlgorithmName.SHA512 : HashAlgorithmName.SHA256;
        return key switch
        {
            ECDsa ec => ec.VerifyData(child.TbsData.Span, child.Signature, hash, DSASignatureFormat.Rfc3279DerSequence),
            RSA rsa => rsa.VerifyData(child.TbsData.Span, child.Signature, hash,
                alg.StartsWith("RSA-PSS", StringComparison.Ordinal) ? RSASignaturePadding.Pss : RSASignaturePadding.Pkcs1),
            _ => false,
        };
    }
}

/// <summary>The limbo pathological:: cases (denial-of-service shapes), each through the harness settings.</summary>
[MemoryDiagnoser]
public class PathologicalBenchmarks
{
    private Certificate _leaf = null!;
    private Certificate[] _intermediates = [];
    private Verifier _verifier = null!;
    private PeerIdentity _peer = null!;

    public static IEnumerable<string> Cases => Corpus.Cases("pathological::").Select(c => c.Id);

    [ParamsSource(nameof(Cases))]
    public string Case { get; set; } = "";

    [GlobalSetup]
    public void Setup()
    {
        var c = Corpus.Cases("pathological::").Single(x => x.Id == Case);
        _leaf = Certificate.Parse(c.Leaf);
        _intermediates = c.Intermediates.Select(d => Certificate.Parse(d)).ToArray();
        _peer = PeerIdentity.Dns(c.Host);
        _verifier = new Verifier(TrustStore.FromCertificates(c.Roots.Select(d => Certificate.Parse(d))), new VerificationOptions { ValidationTime = c.Time });
    }

    /// <summary>A new verifier per call, so no cache hides the search.</summary>
    [Benchmark(Description = "Certitude, cold verifier")]
    public VerifyCode Verify() => new Verifier(_verifier.TrustStore, _verifier.Options).Verify(_leaf, _intermediates, _peer).Code;
}
