using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using BenchmarkDotNet.Attributes;
using Certitude.Tls;

namespace Certitude.Benchmarks;

/// <summary>
/// Full TLS handshakes over loopback (connect, TLS 1.3 handshake, one byte, close) against one local
/// SslStream server with a root → ICA → leaf chain: the client validating with .NET's default
/// SslStream validation (the demo root as custom trust) versus with Certitude's TlsContext.
/// </summary>
[MemoryDiagnoser]
public class HandshakeBenchmarks
{
    private TcpListener _listener = null!;
    private CancellationTokenSource _stop = null!;
    private X509Certificate2 _root = null!;
    private TlsContext _certitude = null!;
    private int _port;

    [GlobalSetup]
    public void Setup()
    {
        var now = DateTimeOffset.UtcNow;
        using var rootKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var rootReq = new CertificateRequest("CN=Bench TLS Root", rootKey, HashAlgorithmName.SHA256);
        rootReq.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        rootReq.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign, true));
        var rootSki = new X509SubjectKeyIdentifierExtension(rootReq.PublicKey, false);
        rootReq.CertificateExtensions.Add(rootSki);
        _root = rootReq.CreateSelfSigned(now.AddDays(-1), now.AddYears(1));

        var icaKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var icaReq = new CertificateRequest("CN=Bench TLS ICA", icaKey, HashAlgorithmName.SHA256);
        icaReq.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        icaReq.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign, true));
        var icaSki = new X509SubjectKeyIdentifierExtension(icaReq.PublicKey, false);
        icaReq.CertificateExtensions.Add(icaSki);
        icaReq.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromSubjectKeyIdentifier(rootSki));
        var ica = icaReq.Create(_root, now.AddDays(-1), now.AddDays(300), [1, 2, 3]).CopyWithPrivateKey(icaKey);

        var leafKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var leafReq = new CertificateRequest("CN=bench.test", leafKey, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddDnsName("bench.test");
        leafReq.CertificateExtensions.Add(san.Build());
        leafReq.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        leafReq.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromSubjectKeyIdentifier(icaSki));
        var leaf = leafReq.Create(ica, now.AddDays(-1), now.AddDays(90), [4, 5, 6]).CopyWithPrivateKey(leafKey);

        var context = SslStreamCertificateContext.Create(leaf, [ica], offline: true);
        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start(512);
        _port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _stop = new CancellationTokenSource();
        _ = Task.Run(async () =>
        {
            while (!_stop.IsCancellationRequested)
            {
                TcpClient c;
                try
                {
                    c = await _listener.AcceptTcpClientAsync(_stop.Token);
                }
                catch (Exception)
                {
                    return;
                }
                _ = Task.Run(async () =>
                {
                    using (c)
                    using (var ssl = new SslStream(c.GetStream()))
                    {
                        try
                        {
                            await ssl.AuthenticateAsServerAsync(new SslServerAuthenticationOptions { ServerCertificateContext = context, EnabledSslProtocols = SslProtocols.Tls13 });
                            await ssl.WriteAsync(new byte[] { 1 });
                        }
                        catch (Exception)
                        {
                        }
                    }
                });
            }
        });
        _certitude = TlsContext.CreateDefault(TlsPurpose.ServerAuthentication, TrustStore.FromCertificates([Certificate.Parse(_root.RawData)]));
        _certitude.MinimumVersion = TlsVersion.Tls13;
        if (!DotNetDefault() || !Certitude())
        {
            throw new InvalidOperationException("the benchmark handshake does not succeed");
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _stop.Cancel();
        _listener.Stop();
    }

    [Benchmark(Baseline = true, Description = "SslStream, .NET default validation")]
    public bool DotNetDefault()
    {
        using var tcp = new TcpClient();
        tcp.Connect(IPAddress.Loopback, _port);
        var policy = new X509ChainPolicy { TrustMode = X509ChainTrustMode.CustomRootTrust, RevocationMode = X509RevocationMode.NoCheck };
        policy.CustomTrustStore.Add(_root);
        using var ssl = new SslStream(tcp.GetStream());
        // The same asynchronous handshake call as the TlsContext path below.
        ssl.AuthenticateAsClientAsync(new SslClientAuthenticationOptions { TargetHost = "bench.test", CertificateChainPolicy = policy, EnabledSslProtocols = SslProtocols.Tls13 }).GetAwaiter().GetResult();
        return ssl.ReadByte() == 1;
    }

    [Benchmark(Description = "SslStream, Certitude TlsContext")]
    public bool Certitude()
    {
        using var tcp = new TcpClient();
        tcp.Connect(IPAddress.Loopback, _port);
        using var ssl = _certitude.AuthenticateAsClientAsync(tcp.GetStream(), "bench.test").GetAwaiter().GetResult();
        return ssl.ReadByte() == 1;
    }
}
