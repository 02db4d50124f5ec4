using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using BenchmarkDotNet.Attributes;
using Org.BouncyCastle.Pkix;
using Org.BouncyCastle.Utilities.Collections;
using Org.BouncyCastle.X509.Store;
using BcCertificate = Org.BouncyCastle.X509.X509Certificate;
using BcParser = Org.BouncyCastle.X509.X509CertificateParser;

namespace Certitude.Benchmarks;

/// <summary>
/// The limbo online:: chains (real web PKI chains), each engine in the same mode, so every class's
/// Ratio column is "engine / X509Chain" for that mode:
/// <list type="bullet">
/// <item><b>cold</b>: nothing reused: every certificate decoded from DER, a new verifier (Certitude),
/// new X509Certificate2 objects and a new X509Chain, new BouncyCastle objects;</item>
/// <item><b>warm</b>: the intermediates and roots decoded before and the verifier long-lived; the leaf
/// is new (decoded from DER, its signature checked);</item>
/// <item><b>hot</b>: the same chain objects again.</item>
/// </list>
/// X509Chain: custom root trust, downloads off, no revocation. BouncyCastle: PkixCertPathBuilder,
/// revocation off. All at the chain's limbo validation time.
/// </summary>
public abstract class ChainBenchmarkBase
{
    private protected Corpus.Chain Data { get; private set; } = null!;
    protected Verifier LongLived { get; private set; } = null!;
    protected Certificate[] Intermediates { get; private set; } = [];
    protected Certificate HotLeaf { get; private set; } = null!;
    protected Certificate Issuer { get; private set; } = null!;
    protected Certificate[] Path { get; private set; } = [];
    protected PeerIdentity Peer { get; private set; } = null!;
    protected X509Certificate2 LeafX { get; private set; } = null!;
    protected X509Certificate2[] IntermediatesX { get; private set; } = [];
    protected X509Certificate2[] RootsX { get; private set; } = [];
    protected BcCertificate LeafBc { get; private set; } = null!;
    protected BcCertificate[] IntermediatesBc { get; private set; } = [];
    protected BcCertificate[] RootsBc { get; private set; } = [];

    /// <summary>The online:: chains, or those named in CERTITUDE_BENCH_CHAINS (comma-separated ids).</summary>
    public static IEnumerable<string> Chains
        => Corpus.OnlineChains().Select(c => c.Id)
            .Where(id => Environment.GetEnvironmentVariable("CERTITUDE_BENCH_CHAINS") is not { Length: > 0 } only
                || only.Split(',', StringSplitOptions.TrimEntries).Contains(id));

    [ParamsSource(nameof(Chains))]
    public string Chain { get; set; } = "";

    [GlobalSetup]
    public void Setup()
    {
        Data = Corpus.OnlineChains().Single(c => c.Id == Chain);
        Peer = PeerIdentity.Dns(Data.Host);
        Intermediates = Data.Intermediates.Select(d => Certificate.Parse(d)).ToArray();
        LongLived = new Verifier(TrustStore.FromCertificates(Data.Roots.Select(d => Certificate.Parse(d))), Options());
        HotLeaf = Certificate.Parse(Data.Leaf);
        // The crypto path this process measures (--crypto-paths runs each benchmark on both): say it, and
        // refuse to measure the native path under the portable job's name.
        Console.WriteLine("// crypto path: " + LongLived.CryptoPath);
        if (Environment.GetEnvironmentVariable("CERTITUDE_CRYPTO") == "portable" && !LongLived.CryptoPath.StartsWith("portable", StringComparison.Ordinal))
        {
            throw new InvalidOperationException("CERTITUDE_CRYPTO=portable did not take effect: " + LongLived.CryptoPath);
        }
        var r = LongLived.Verify(HotLeaf, Intermediates, Peer);
        if (!r.IsValid)
        {
            throw new InvalidOperationException($"{Chain} does not verify: {r}");
        }
        Path = r.Path.ToArray();
        Issuer = r.Path[1];
        LeafX = X509CertificateLoader.LoadCertificate(Data.Leaf);
        IntermediatesX = Data.Intermediates.Select(d => X509CertificateLoader.LoadCertificate(d)).ToArray();
        RootsX = Data.Roots.Select(d => X509CertificateLoader.LoadCertificate(d)).ToArray();
        if (!X509ChainBuild(LeafX, IntermediatesX, RootsX, Data.Time))
        {
            throw new InvalidOperationException($"{Chain} does not build with X509Chain");
        }
        var parser = new BcParser();
        LeafBc = parser.ReadCertificate(Data.Leaf);
        IntermediatesBc = Data.Intermediates.Select(parser.ReadCertificate).ToArray();
        RootsBc = Data.Roots.Select(parser.ReadCertificate).ToArray();
        if (!BouncyCastleBuild(LeafBc, IntermediatesBc, RootsBc, Data.Time))
        {
            throw new InvalidOperationException($"{Chain} does not build with BouncyCastle");
        }
        MoreSetup();
    }

    protected virtual void MoreSetup()
    {
    }

    protected VerificationOptions Options() => new() { ValidationTime = Data.Time };

    protected static bool X509ChainBuild(X509Certificate2 leaf, X509Certificate2[] intermediates, X509Certificate2[] roots, DateTimeOffset time)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(roots);
        chain.ChainPolicy.ExtraStore.AddRange(intermediates);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.DisableCertificateDownloads = true;
        chain.ChainPolicy.VerificationTime = time.UtcDateTime;
        return chain.Build(leaf);
    }

    protected static X509Certificate2[] Load(byte[][] ders)
    {
        var result = new X509Certificate2[ders.Length];
        for (int i = 0; i < ders.Length; i++)
        {
            result[i] = X509CertificateLoader.LoadCertificate(ders[i]);
        }
        return result;
    }

    protected static void DisposeAll(X509Certificate2[] certs)
    {
        foreach (var c in certs)
        {
            c.Dispose();
        }
    }

    protected static bool BouncyCastleBuild(BcCertificate leaf, BcCertificate[] intermediates, BcCertificate[] roots, DateTimeOffset time)
    {
        var anchors = new HashSet();
        foreach (var root in roots)
        {
            anchors.Add(new TrustAnchor(root, null));
        }
        var parameters = new PkixBuilderParameters(anchors, new X509CertStoreSelector { Certificate = leaf })
        {
            IsRevocationEnabled = false,
            Date = new Org.BouncyCastle.Utilities.Date.DateTimeObject(time.UtcDateTime),
        };
        var pool = new System.Collections.ArrayList { leaf };
        pool.AddRange(intermediates);
        parameters.AddStore(X509StoreFactory.Create("Certificate/Collection", new X509CollectionStoreParameters(pool)));
        try
        {
            return new PkixCertPathBuilder().Build(parameters).CertPath.Certificates.Count > 0;
        }
        catch (PkixCertPathBuilderException)
        {
            return false;
        }
    }

    protected static BcCertificate[] ParseBc(byte[][] ders)
    {
        var parser = new BcParser();
        var result = new BcCertificate[ders.Length];
        for (int i = 0; i < ders.Length; i++)
        {
            result[i] = parser.ReadCertificate(ders[i]);
        }
        return result;
    }

    protected static Certificate[] Parse(byte[][] ders)
    {
        var result = new Certificate[ders.Length];
        for (int i = 0; i < ders.Length; i++)
        {
            result[i] = Certificate.Parse(ders[i]);
        }
        return result;
    }
}

/// <summary>Cold: nothing reused, every certificate decoded from DER; plus the floor (the chain's
/// signature verifications alone, keys already imported into .NET).</summary>
[MemoryDiagnoser]
public class ChainColdBenchmarks : ChainBenchmarkBase
{
    private (AsymmetricAlgorithm Key, Certificate Child, Certificate Issuer)[] _floor = [];

    protected override void MoreSetup()
        => _floor = Path.Zip(Path.Skip(1)).Select(p => (Import(p.Second.PublicKey), p.First, p.Second)).ToArray();

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

    [Benchmark(Baseline = true, Description = "X509Chain cold")]
    public bool X509Chain()
    {
        var leaf = X509CertificateLoader.LoadCertificate(Data.Leaf);
        var intermediates = Load(Data.Intermediates);
        var roots = Load(Data.Roots);
        try
        {
            return X509ChainBuild(leaf, intermediates, roots, Data.Time);
        }
        finally
        {
            leaf.Dispose();
            DisposeAll(intermediates);
            DisposeAll(roots);
        }
    }

    [Benchmark(Description = "Certitude cold")]
    public bool Certitude()
        => new Verifier(TrustStore.FromCertificates(Parse(Data.Roots)), Options()).Verify(Certificate.Parse(Data.Leaf), Parse(Data.Intermediates), Peer).IsValid;

    [Benchmark(Description = "BouncyCastle cold")]
    public bool BouncyCastle()
        => BouncyCastleBuild(new BcParser().ReadCertificate(Data.Leaf), ParseBc(Data.Intermediates), ParseBc(Data.Roots), Data.Time);

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

    [Benchmark(Description = "floor + .NET key import")]
    public bool FloorWithImport()
    {
        bool ok = true;
        foreach (var (_, child, issuer) in _floor)
        {
            using var key = Import(issuer.PublicKey);
            ok &= SignatureVerifierProbe.Verify(key, child, issuer);
        }
        return ok;
    }
}

/// <summary>Warm: intermediates and roots seen before, a new leaf (decoded from DER, its signature checked);
/// plus the leaf's own signature check alone (key already imported).</summary>
[MemoryDiagnoser]
public class ChainWarmBenchmarks : ChainBenchmarkBase
{
    private AsymmetricAlgorithm _issuerKey = null!;

    protected override void MoreSetup()
    {
        _issuerKey = Issuer.PublicKey.Algorithm == PublicKeyAlgorithm.EC ? ECDsa.Create() : RSA.Create();
        _issuerKey.ImportSubjectPublicKeyInfo(Issuer.PublicKey.RawData.Span, out _);
    }

    [Benchmark(Baseline = true, Description = "X509Chain warm")]
    public bool X509Chain()
    {
        using var leaf = X509CertificateLoader.LoadCertificate(Data.Leaf);
        return X509ChainBuild(leaf, IntermediatesX, RootsX, Data.Time);
    }

    /// <summary>The leaf's DER is handed over without a copy (<c>Certificate.Parse(ReadOnlyMemory)</c>, for callers
    /// that own the buffer); <c>Parse(ReadOnlySpan)</c> would add one copy of the DER (1.2-2.3 KB here).</summary>
    [Benchmark(Description = "Certitude warm")]
    public bool Certitude()
    {
        var leaf = Certificate.Parse(Data.Leaf.AsMemory());
        LongLived.ForgetSignature(leaf, Issuer);
        return LongLived.Verify(leaf, Intermediates, Peer).IsValid;
    }

    [Benchmark(Description = "BouncyCastle warm")]
    public bool BouncyCastle() => BouncyCastleBuild(new BcParser().ReadCertificate(Data.Leaf), IntermediatesBc, RootsBc, Data.Time);

    [Benchmark(Description = "leaf signature only")]
    public bool LeafSignature() => SignatureVerifierProbe.Verify(_issuerKey, HotLeaf, Issuer);
}

/// <summary>Hot: the same chain objects again.</summary>
[MemoryDiagnoser]
public class ChainHotBenchmarks : ChainBenchmarkBase
{
    [Benchmark(Baseline = true, Description = "X509Chain hot")]
    public bool X509Chain() => X509ChainBuild(LeafX, IntermediatesX, RootsX, Data.Time);

    [Benchmark(Description = "Certitude hot")]
    public bool Certitude() => LongLived.Verify(HotLeaf, Intermediates, Peer).IsValid;

    [Benchmark(Description = "BouncyCastle hot")]
    public bool BouncyCastle() => BouncyCastleBuild(LeafBc, IntermediatesBc, RootsBc, Data.Time);
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
            ECDsa ec => ec.VerifyData(child.TbsData.Span, child.Signature.Span, hash, DSASignatureFormat.Rfc3279DerSequence),
            RSA rsa => rsa.VerifyData(child.TbsData.Span, child.Signature.Span, hash,
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
