using System.Net;
using System.Net.Sockets;
using Certitude.Tls;
using Xunit;

namespace Certitude.Tests;

/// <summary>Many mTLS handshakes at once, Certitude on both sides, over loopback; bounded and self-stopping.</summary>
[Trait(CryptoPaths.Trait, CryptoPaths.Both)]
public sealed class TlsConcurrencyTests
{
    private const int Handshakes = 2000;
    private const int Clients = 16;

    /// <summary>Managed heap growth allowed after the run, once collected: caches are bounded, sessions weakly held.</summary>
    private const long MemoryBound = 32 * 1024 * 1024;

    [Fact]
    public async Task TwoThousandMutualTlsHandshakesFromSixteenClients()
    {
        var live = TestPki.Live();
        var root = TestPki.Root("CN=Load Root", live);
        var serverLeaf = TestPki.Leaf(root, ["load.test"], live);
        var clientLeaf = TestPki.Leaf(root, spec: live with { Subject = "CN=load@example.test", Emails = ["load@example.test"], Ekus = ["1.3.6.1.5.5.7.3.2"] });
        var serverCtx = TlsContext.CreateDefault(TlsPurpose.ClientAuthentication, TrustStore.FromCertificates([root.Cert]));
        serverCtx.VerifyMode = VerifyMode.Required;
        serverCtx.UseCertificate(TlsTests.WithKey(serverLeaf));
        var clientCtx = TlsContext.CreateDefault(TlsPurpose.ServerAuthentication, TrustStore.FromCertificates([root.Cert]));
        clientCtx.UseCertificate(TlsTests.WithKey(clientLeaf));

        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start(256);
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        int serverOk = 0, serverFailed = 0;
        using var stop = new CancellationTokenSource(TimeSpan.FromMinutes(4));
        var acceptLoop = Task.Run(async () =>
        {
            var running = new List<Task>();
            for (int i = 0; i < Handshakes; i++)
            {
                var tcp = await listener.AcceptTcpClientAsync(stop.Token);
                running.Add(Task.Run(async () =>
                {
                    using (tcp)
                    {
                        try
                        {
                            await using var ssl = await serverCtx.AuthenticateAsServerAsync(tcp.GetStream(), stop.Token);
                            if (serverCtx.GetPeerVerification(ssl)?.EmailAddresses is ["load@example.test"])
                            {
                                Interlocked.Increment(ref serverOk);
                            }
                            await ssl.WriteAsync(new byte[] { 1 }, stop.Token);
                        }
                        catch (Exception)
                        {
                            Interlocked.Increment(ref serverFailed);
                        }
                    }
                }));
            }
            await Task.WhenAll(running);
        });

        // Warm up, then measure the managed heap before and after the run.
        GC.Collect();
        GC.WaitForPendingFinalizers();
        long before = GC.GetTotalMemory(true);
        int next = -1, clientOk = 0, clientFailed = 0;
        var clients = Enumerable.Range(0, Clients).Select(_ => Task.Run(async () =>
        {
            while (Interlocked.Increment(ref next) < Handshakes)
            {
                try
                {
                    using var tcp = new TcpClient();
                    await tcp.ConnectAsync(IPAddress.Loopback, port, stop.Token);
                    await using var ssl = await clientCtx.AuthenticateAsClientAsync(tcp.GetStream(), "load.test", stop.Token);
                    var b = new byte[1];
                    await ssl.ReadExactlyAsync(b, stop.Token);
                    Interlocked.Increment(ref clientOk);
                }
                catch (Exception)
                {
                    Interlocked.Increment(ref clientFailed);
                }
            }
        })).ToArray();
        await Task.WhenAll(clients);
        await acceptLoop;
        listener.Stop();

        Assert.Equal(0, clientFailed);
        Assert.Equal(0, serverFailed);
        Assert.Equal(Handshakes, clientOk);
        Assert.Equal(Handshakes, serverOk);
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        long after = GC.GetTotalMemory(true);
        Assert.True(after - before < MemoryBound, $"managed heap grew by {(after - before) / 1024} KiB over {Handshakes} handshakes (bound {MemoryBound / 1024} KiB)");
    }
}
