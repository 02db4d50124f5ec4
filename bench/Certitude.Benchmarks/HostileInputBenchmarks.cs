using BenchmarkDotNet.Attributes;

namespace Certitude.Benchmarks;

/// <summary>
/// The hostile input shapes of issue 12 at 1 KB, 32 KB and 1 MB: each should cost time and memory
/// linear in its size (bench/results/2026-11-30-hostile.md). Every case is a rejection or a lookup that
/// must stay cheap: a version INTEGER of that size, a CRL whose issuer name is an eighth of it, empty PEM
/// blocks, a DER certificate carrying PEM text, a TRUSTED CERTIFICATE with that many trust OIDs, a
/// malformed SAN name of that size in a verification's messages, and an RSA-PSS key with a modulus of
/// that size (above 16,384 bits refused before any arithmetic).
/// </summary>
[MemoryDiagnoser]
public class HostileInputBenchmarks
{
    private byte[] _version = [];
    private byte[] _crl = [];
    private byte[] _pem = [];
    private byte[] _polyglot = [];
    private byte[] _trusted = [];
    private Certificate _sanLeaf = null!;
    private Verifier _sanVerifier = null!;
    private Certificate _rsaLeaf = null!;
    private Verifier _rsaVerifier = null!;

    [Params(1024, 32 * 1024, 1024 * 1024)]
    public int Size { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _version = HostileInputs.VersionBomb(Size);
        _crl = HostileInputs.CrlWithLongIssuer(Size, Size / 8);
        _pem = HostileInputs.EmptyPemBlocks(Size);
        _polyglot = HostileInputs.DerWithPemInside(Size);
        _trusted = HostileInputs.TrustedCertificateWithManyOids(Size);
        var (sanRoot, sanLeaf) = HostileInputs.LongSanName(Size);
        _sanLeaf = Certificate.Parse(sanLeaf);
        _sanVerifier = new Verifier(TrustStore.FromCertificates([Certificate.Parse(sanRoot)]));
        var (rsaRoot, rsaLeaf) = HostileInputs.HugeRsaPss(Size, longExponent: false);
        _rsaLeaf = Certificate.Parse(rsaLeaf);
        _rsaVerifier = new Verifier(TrustStore.FromCertificates([Certificate.Parse(rsaRoot)]),
            new VerificationOptions { Profile = VerificationProfile.Rfc5280, Flags = VerifyFlags.PartialChain | VerifyFlags.TrustedFirst });
    }

    [Benchmark(Description = "version INTEGER (rejected)")]
    public int VersionInteger()
    {
        try
        {
            return Certificate.Parse(_version).Version;
        }
        catch (CertificateFormatException e)
        {
            return e.Message.Length;
        }
    }

    [Benchmark(Description = "CRL, issuer 1/8 of it")]
    public int CrlLongIssuer() => CertificateRevocationList.Parse(_crl).Count;

    [Benchmark(Description = "empty PEM blocks")]
    public int PemEmptyBlocks() => Certificate.ParseAll(_pem).Count;

    [Benchmark(Description = "DER carrying PEM text")]
    public int DerWithPemInside() => Certificate.ParseAll(_polyglot).Count;

    [Benchmark(Description = "TRUSTED CERTIFICATE OIDs")]
    public int TrustedCertificateOids() => TrustStore.FromData(_trusted).Count;

    [Benchmark(Description = "long SAN name, messages")]
    public int LongSanMessages() => _sanVerifier.Verify(_sanLeaf).Message.Length;

    [Benchmark(Description = "RSA-PSS key of that modulus")]
    public int RsaPssKey() => (int)_rsaVerifier.Verify(_rsaLeaf).Code;
}
