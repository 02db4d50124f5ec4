using System.Runtime.InteropServices;
using Certitude.Tls;
using Xunit;

namespace Certitude.Tests;

/// <summary>Where Certitude.Tls takes libssl from to ask OpenSSL whether a session was resumed: absolute paths only,
/// the copy the process already uses first, never a library search by name.</summary>
public sealed class SessionResumptionLoadingTests
{
    [Fact]
    public void LibSslIsTakenByAbsolutePathTheMappedCopyFirst()
    {
        var maps = """
            7f0000000000-7f0000001000 r--p 00000000 08:01 1234 /usr/lib/x86_64-linux-gnu/libcrypto.so.3
            7f0000001000-7f0000002000 r-xp 00001000 08:01 1235 /opt/app/lib/libssl.so.3
            7f0000002000-7f0000003000 r--p 00002000 08:01 1235 /opt/app/lib/libssl.so.3
            7f0000003000-7f0000004000 rw-p 00000000 00:00 0 [heap]
            7f0000004000-7f0000005000 r--p 00000000 08:01 99 /home/u/libssl.so.3.evil
            """;
        var candidates = SessionResumption.LibSslCandidates(maps, Architecture.X64).ToList();
        // The library the runtime's SslStream already mapped comes first (the SSL object is asked by the library that made it), once.
        Assert.Equal("/opt/app/lib/libssl.so.3", candidates[0]);
        Assert.Single(candidates, c => c == "/opt/app/lib/libssl.so.3");
        Assert.DoesNotContain("/home/u/libssl.so.3.evil", candidates);
        // Then the system directories the core's libcrypto loading uses; every candidate is an absolute path, so
        // no working directory, LD_LIBRARY_PATH or application directory can answer a search by name.
        Assert.Contains("/usr/lib/x86_64-linux-gnu/libssl.so.3", candidates);
        Assert.All(candidates, c => Assert.StartsWith("/", c, StringComparison.Ordinal));
        Assert.All(SessionResumption.LibSslCandidates(null, Architecture.X64), c =>
        {
            Assert.StartsWith("/", c, StringComparison.Ordinal);
            Assert.Contains(Signatures.LibCrypto.SystemDirectories(Architecture.X64), d => c.StartsWith(d + "/", StringComparison.Ordinal));
        });
    }

    [Fact]
    public async Task OnLinuxTheProcessLibSslIsFoundAmongTheMappedFiles()
    {
        if (!OperatingSystem.IsLinux())
        {
            return; // the question is only asked on Linux (OpenSSL)
        }
        // A handshake makes the runtime map its libssl; the first candidate is then that file, and it exists.
        var root = TestPki.Root("CN=Resumption Loading Root", TestPki.Live());
        var leaf = TestPki.Leaf(root, ["localhost"], TestPki.Live());
        await using var server = LoopbackTlsServer.Plain(TlsTests.WithKey(leaf), []);
        var ctx = TlsContext.CreateDefault(TlsPurpose.ServerAuthentication, TrustStore.FromCertificates([root.Cert]));
        using (var tcp = new System.Net.Sockets.TcpClient())
        {
            await tcp.ConnectAsync(System.Net.IPAddress.Loopback, server.Port);
            await using var tls = await ctx.AuthenticateAsClientAsync(tcp.GetStream(), "localhost");
        }
        var maps = File.ReadAllText("/proc/self/maps");
        var first = SessionResumption.LibSslCandidates(maps, RuntimeInformation.ProcessArchitecture).First();
        Assert.True(File.Exists(first), first);
        Assert.Contains(" " + first + "\n", maps, StringComparison.Ordinal);
        // The fallback Native AOT takes (the runtime's shim is linked in statically there) finds SSL_session_reused in it.
        Assert.NotEqual(IntPtr.Zero, SessionResumption.LibSslExport(maps));
        Assert.NotEqual(IntPtr.Zero, SessionResumption.LibSslExport(null));
    }
}
