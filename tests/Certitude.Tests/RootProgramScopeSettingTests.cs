using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using Certitude.Extensions.Http;
using Certitude.Tls;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Xunit;

namespace Certitude.Tests;

/// <summary><see cref="RootProgramScope"/> through the TLS context and configuration: <c>AllAnchors</c> applies the
/// root program's decisions to anchors given in <c>CaData</c>/<c>CaFile</c> too (stricter, allowed without the danger key);
/// turning the program off in code is a listed weakening.</summary>
public sealed class RootProgramScopeSettingTests
{
    /// <summary>A fresh root, and a copy of the embedded program data with that root trusted for e-mail only ("V" for
    /// serverAuth: not trusted for it), as Mozilla's data says of a root retired from TLS.</summary>
    private static (Issued Root, RootProgram Program) EmailOnlyRoot()
    {
        var root = TestPki.Root("CN=Scope Email-Only Root", TestPki.Live());
        var raw = root.X509.RawData;
        var line = string.Join(' ', Convert.ToHexString(SHA256.HashData(raw)), Convert.ToHexString(SHA256.HashData(root.X509.PublicKey.ExportSubjectPublicKeyInfo())),
            "V", "T", "-", "-", Convert.ToBase64String(raw), "Scope Email-Only Root");
        return (root, RootProgram.Parse("mozilla-test", RootProgram.EmbeddedMozillaData() + line + "\n"));
    }

    [Fact]
    public async Task AllAnchorsFromConfigurationAppliesTheProgramToASuppliedRootWithoutTheDangerKey()
    {
        var (root, program) = EmailOnlyRoot();
        var leaf = TestPki.Leaf(root, ["localhost"], TestPki.Live());
        await using var server = LoopbackTlsServer.Plain(TlsTests.WithKey(leaf), []);
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Certitude:Given:CaData"] = root.X509.ExportCertificatePem(),
            ["Certitude:All:CaData"] = root.X509.ExportCertificatePem(),
            ["Certitude:All:RootProgramScope"] = "AllAnchors",
        });
        foreach (var name in new[] { "Given", "All" })
        {
            builder.Services.AddCertitude(name, builder.Configuration.GetSection($"Certitude:{name}"));
            // The program with the injected root (code may set what configuration cannot).
            builder.Services.Configure<CertitudeOptions>(name, o => o.Configure = c => c.RootProgram = program);
        }
        using var host = builder.Build();
        await host.StartAsync(); // AllAnchors is not a weakening: no DangerouslyWeakenVerification needed
        var provider = host.Services.GetRequiredService<TlsContextProvider>();
        async Task<VerifyCode> Connect(string name)
        {
            using var tcp = new TcpClient();
            await tcp.ConnectAsync(IPAddress.Loopback, server.Port);
            try
            {
                await using var tls = await provider.Get(name).AuthenticateAsClientAsync(tcp.GetStream(), "localhost");
                return VerifyCode.Ok;
            }
            catch (CertificateVerificationException e)
            {
                return e.VerifyCode;
            }
        }
        // The default scope: a root the caller supplies is trusted as given, whatever the program says of it.
        Assert.Equal(VerifyCode.Ok, await Connect("Given"));
        Assert.Equal(RootProgramScope.ProgramAndSystemAnchors, provider.Get("Given").VerificationOptions.RootProgramScope);
        // AllAnchors: the program does not trust this root for serverAuth, so it anchors no server here.
        Assert.Equal(VerifyCode.CertUntrusted, await Connect("All"));
        Assert.Equal(RootProgramScope.AllAnchors, provider.Get("All").VerificationOptions.RootProgramScope);
        Assert.Empty(provider.Get("All").Weakenings);
        await host.StopAsync();
    }

    [Fact]
    public void AScopeThatIsNotOneOfTheNamesFailsValidationAndTurningTheProgramOffIsAWeakening()
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Certitude:Bad:CaData"] = TestPki.Root("CN=Scope Bad Root", TestPki.Live()).X509.ExportCertificatePem(),
            ["Certitude:Bad:RootProgramScope"] = "Everything",
        });
        builder.Services.AddCertitude("bad", builder.Configuration.GetSection("Certitude:Bad"));
        using var host = builder.Build();
        var e = Assert.Throws<Microsoft.Extensions.Options.OptionsValidationException>(() => host.Services.GetRequiredService<TlsContextProvider>().Get("bad"));
        Assert.Contains("Certitude:Bad:RootProgramScope: 'Everything' is not one of ProgramAndSystemAnchors, AllAnchors", e.Message, StringComparison.Ordinal);

        var ctx = TlsContext.CreateDefault(TlsPurpose.ServerAuthentication, TrustStore.Empty);
        Assert.Same(RootProgram.Mozilla, ctx.RootProgram);
        Assert.Empty(ctx.Weakenings);
        ctx.RootProgram = null;
        Assert.Contains(ctx.Weakenings, w => w.StartsWith("RootProgram=null", StringComparison.Ordinal));
        Assert.Null(ctx.VerificationOptions.RootProgram);
    }
}
