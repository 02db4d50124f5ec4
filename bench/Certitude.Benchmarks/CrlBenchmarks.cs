using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using BenchmarkDotNet.Attributes;

namespace Certitude.Benchmarks;

/// <summary>
/// A root → leaf chain checked against a CRL of 10,000 entries, beside the same chain without CRL
/// checking, beside .NET's X509Chain on the same chain (custom root trust, no downloads, no
/// revocation), and the lookup of one serial number on its own (a hash lookup: the list is not scanned).
/// </summary>
[MemoryDiagnoser]
public class CrlBenchmarks
{
    private Certificate _leaf = null!;
    private Verifier _plain = null!;
    private Verifier _withCrl = null!;
    private CertificateRevocationList _crl = null!;
    private X509Certificate2 _leafX509 = null!;
    private X509Certificate2 _rootX509 = null!;
    private DateTimeOffset _now;

    [GlobalSetup]
    public void Setup()
    {
        _now = DateTimeOffset.UtcNow;
        using var rootKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var rootReq = new CertificateRequest("CN=Bench Root", rootKey, HashAlgorithmName.SHA256);
        rootReq.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        rootReq.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        var rootSki = new X509SubjectKeyIdentifierExtension(rootReq.PublicKey, false);
        rootReq.CertificateExtensions.Add(rootSki);
        _rootX509 = rootReq.CreateSelfSigned(_now.AddDays(-1), _now.AddYears(1));

        using var leafKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var leafReq = new CertificateRequest("CN=bench.example", leafKey, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddDnsName("bench.example");
        leafReq.CertificateExtensions.Add(san.Build());
        leafReq.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        leafReq.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        leafReq.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromSubjectKeyIdentifier(rootSki));
        leafReq.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(leafReq.PublicKey, false));
        _leafX509 = leafReq.Create(_rootX509, _now.AddDays(-1), _now.AddDays(90), [0x42, 0x42, 0x42, 0x42, 0x42, 0x42, 0x42, 0x42]);

        var builder = new CertificateRevocationListBuilder();
        var serial = new byte[16];
        for (int i = 0; i < 10_000; i++)
        {
            RandomNumberGenerator.Fill(serial);
            serial[0] = 0x11;
            builder.AddEntry(serial, _now.AddDays(-2), X509RevocationReason.KeyCompromise);
        }
        var crlDer = builder.Build(_rootX509, 1, _now.AddDays(7), HashAlgorithmName.SHA256);
        _crl = CertificateRevocationList.Parse(crlDer);

        var root = Certificate.Parse(_rootX509.RawData);
        _leaf = Certificate.Parse(_leafX509.RawData);
        var store = TrustStore.FromCertificates([root]);
        _plain = new Verifier(store, new VerificationOptions { ValidationTime = _now });
        _withCrl = new Verifier(store, new VerificationOptions { ValidationTime = _now, Flags = VerifyFlags.Default | VerifyFlags.CrlCheckLeaf, Crls = [_crl] });
        if (!_plain.Verify(_leaf).IsValid || !_withCrl.Verify(_leaf).IsValid)
        {
            throw new InvalidOperationException("benchmark chain does not verify: " + _withCrl.Verify(_leaf));
        }
    }

    [Benchmark(Baseline = true, Description = "Certitude verify, no CRL")]
    public bool VerifyWithoutCrl() => _plain.Verify(_leaf).IsValid;

    [Benchmark(Description = "Certitude verify + CRL (10,000 entries)")]
    public bool VerifyWithCrl() => _withCrl.Verify(_leaf).IsValid;

    [Benchmark(Description = "Certitude verify + CRL, new verifier (CRL signature checked)")]
    public bool VerifyWithCrlCold() => new Verifier(_withCrl.TrustStore, _withCrl.Options).Verify(_leaf).IsValid;

    [Benchmark(Description = "Certitude verify, no CRL, new verifier")]
    public bool VerifyWithoutCrlCold() => new Verifier(_plain.TrustStore, _plain.Options).Verify(_leaf).IsValid;

    [Benchmark(Description = "CRL lookup of one serial (10,000 entries)")]
    public bool LookupOneSerial() => _crl.Find(_leaf.Issuer, _leaf.SerialNumber.Span) is null;

    [Benchmark(Description = "X509Chain, no revocation")]
    public bool X509ChainBuild()
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(_rootX509);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.DisableCertificateDownloads = true;
        chain.ChainPolicy.VerificationTime = _now.UtcDateTime;
        return chain.Build(_leafX509);
    }
}
