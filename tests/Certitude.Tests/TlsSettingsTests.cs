using System.Diagnostics.Metrics;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Certitude.Tls;
using Microsoft.Extensions.Logging;
using Xunit;

namespace Certitude.Tests;

[Trait(CryptoPaths.Trait, CryptoPaths.Both)]
public sealed class TlsSettingsTests
{

    private static CertSpec Live(CertSpec? s = null) => TestPki.Live(s);

    private sealed class ListLogger : ILogger
    {
        public List<string> Messages { get; } = [];
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
        public bool IsEnabled(LogLevel logLevel) => true;
        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            => Messages.Add($"{logLevel}: {formatter(state, exception)}");
    }

    private static async Task<(SslStream Client, SslStream Server)> Pair(TlsContext server, TlsContext client, string host)
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var accept = Task.Run(async () =>
        {
            var tcp = await listener.AcceptTcpClientAsync();
            return await server.AuthenticateAsServerAsync(tcp.GetStream());
        });
        var c = new TcpClient();
        await c.ConnectAsync(IPAddress.Loopback, port);
        var clientSsl = await client.AuthenticateAsClientAsync(c.GetStream(), host);
        var serverSsl = await accept;
        listener.Stop();
        return (clientSsl, serverSsl);
    }

    [Fact]
    public async Task WarnModeLogsAndCounts()
    {
        var root = TestPki.Root("CN=Log Root", Live());
        // keyCertSign on a non-CA leaf: a strict-tier rule (it claims authority), not enforced without X509Strict.
        var leaf = TestPki.Leaf(root, ["warn.test"], Live(new CertSpec { KeyUsage = X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyCertSign }));
        var server = TlsContext.CreateDefault(TlsPurpose.ClientAuthentication, TrustStore.FromCertificates([root.Cert]));
        server.UseCertificate(TlsTests.WithKey(leaf));
        var client = TlsContext.CreateDefault(TlsPurpose.ServerAuthentication, TrustStore.FromCertificates([root.Cert]));
        client.Strictness = Strictness.Warn;
        var logger = new ListLogger();
        client.Logger = logger;
        long counted = 0;
        using var meter = new MeterListener();
        meter.InstrumentPublished = (inst, l) =>
        {
            if (inst.Name == "certitude.tls.strictness_warnings")
            {
                l.EnableMeasurementEvents(inst);
            }
        };
        meter.SetMeasurementEventCallback<long>((_, v, _, _) => Interlocked.Add(ref counted, v));
        meter.Start();
        var (c, s) = await Pair(server, client, "warn.test");
        await c.DisposeAsync();
        await s.DisposeAsync();
        // Warn mode weakens the context: one Warning when it is created (issue 20), then one per strict-only failure.
        Assert.Contains(logger.Messages, m => m.StartsWith("Warning: this TlsContext", StringComparison.Ordinal));
        var message = Assert.Single(logger.Messages, m => m.StartsWith("Warning:", StringComparison.Ordinal) && m.Contains("warn.test", StringComparison.Ordinal));
        Assert.Matches(@"\b(82|37)\b", message);
        Assert.True(Interlocked.Read(ref counted) >= 1);
    }

    [Fact]
    public async Task AlpnAndCipherSuitesAreApplied()
    {
        var root = TestPki.Root("CN=ALPN Root", Live());
        var leaf = TestPki.Leaf(root, ["alpn.test"], Live());
        var server = TlsContext.CreateDefault(TlsPurpose.ClientAuthentication, TrustStore.FromCertificates([root.Cert]));
        server.UseCertificate(TlsTests.WithKey(leaf));
        server.ApplicationProtocols = [SslApplicationProtocol.Http11];
        server.MinimumVersion = TlsVersion.Tls13;
        server.CipherSuites = [TlsCipherSuite.TLS_CHACHA20_POLY1305_SHA256];
        var client = TlsContext.CreateDefault(TlsPurpose.ServerAuthentication, TrustStore.FromCertificates([root.Cert]));
        client.ApplicationProtocols = [SslApplicationProtocol.Http2, SslApplicationProtocol.Http11];
        var (c, s) = await Pair(server, client, "alpn.test");
        Assert.Equal(SslApplicationProtocol.Http11, c.NegotiatedApplicationProtocol);
        Assert.Equal(TlsCipherSuite.TLS_CHACHA20_POLY1305_SHA256, c.NegotiatedCipherSuite);
        await c.DisposeAsync();
        await s.DisposeAsync();
    }

    [Fact]
    public async Task LoadCertChainReadsPemFilesWithAnEncryptedKey()
    {
        var root = TestPki.Root("CN=PEM Root", Live());
        var ica = TestPki.Ca(root, "CN=PEM ICA", spec: Live());
        var leaf = TestPki.Leaf(ica, ["pem.test"], Live());
        var dir = Path.Combine(Path.GetTempPath(), "certitude-pem-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            var certFile = Path.Combine(dir, "chain.pem");
            var keyFile = Path.Combine(dir, "key.pem");
            File.WriteAllText(certFile, leaf.X509.ExportCertificatePem() + "\n" + ica.X509.ExportCertificatePem());
            var pbe = new PbeParameters(PbeEncryptionAlgorithm.Aes256Cbc, HashAlgorithmName.SHA256, 10_000);
            File.WriteAllText(keyFile, ((ECDsa)leaf.Key).ExportEncryptedPkcs8PrivateKeyPem("s3cret", pbe));
            var server = TlsContext.CreateDefault(TlsPurpose.ClientAuthentication, TrustStore.FromCertificates([root.Cert]));
            server.LoadCertChain(certFile, keyFile, "s3cret");
            var client = TlsContext.CreateDefault(TlsPurpose.ServerAuthentication, TrustStore.FromCertificates([root.Cert]));
            var (c, s) = await Pair(server, client, "pem.test");
            // The intermediate from the file was sent: the client built root -> ICA -> leaf.
            Assert.Equal(3, client.GetPeerVerification(c)!.Result!.Path.Count);
            await c.DisposeAsync();
            await s.DisposeAsync();
            var wrong = TlsContext.CreateDefault(TlsPurpose.ClientAuthentication, TrustStore.FromCertificates([root.Cert]));
            var e = Assert.Throws<TrustStoreException>(() => wrong.LoadCertChain(certFile, keyFile, "wrong"));
            Assert.Contains(certFile, e.Message, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }
}
