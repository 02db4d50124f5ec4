using System.Diagnostics;
using Certitude.Tls;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Xunit;
using Xunit.Abstractions;

namespace Certitude.Tests;

/// <summary>Issue 20: the health check of a context's anchors, and one "Certitude" span per verification.</summary>
public sealed class OperationalSurfaceTests(ITestOutputHelper output) : TempFolderTests("certitude-ops-")
{
    private static async Task<HealthReport> Check(string caFile)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddCertitude("partner", o => o.CaFile = caFile);
        services.AddHealthChecks().AddCertitude("partner", TimeSpan.FromDays(14));
        using var provider = services.BuildServiceProvider();
        return await provider.GetRequiredService<HealthCheckService>().CheckHealthAsync();
    }

    [Fact]
    public async Task TheHealthCheckTurnsDegradedForAnAnchorExpiringInsideTheWindow()
    {
        var lasting = TestPki.Root("CN=Lasting Root", TestPki.Live());
        var now = DateTimeOffset.UtcNow;
        var expiring = TestPki.Root("CN=Expiring Root", new CertSpec { NotBefore = now.AddDays(-300), NotAfter = now.AddDays(5) });
        var healthy = Path.Combine(Dir, "healthy.pem");
        File.WriteAllText(healthy, lasting.X509.ExportCertificatePem());
        var degraded = Path.Combine(Dir, "degraded.pem");
        File.WriteAllText(degraded, lasting.X509.ExportCertificatePem() + expiring.X509.ExportCertificatePem());

        var ok = await Check(healthy);
        Assert.Equal(HealthStatus.Healthy, ok.Status);
        var report = await Check(degraded);
        var entry = report.Entries["certitude:partner"];
        output.WriteLine($"{entry.Status}: {entry.Description}; {string.Join(", ", entry.Data.Select(d => $"{d.Key}={d.Value}"))}");
        Assert.Equal(HealthStatus.Degraded, entry.Status);
        Assert.Contains("CN=Expiring Root", entry.Description, StringComparison.Ordinal);
        Assert.Equal("expires " + expiring.Cert.NotAfter.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture), entry.Data["anchor CN=Expiring Root"]);
        var missing = await Check(Path.Combine(Dir, "missing.pem"));
        Assert.Equal(HealthStatus.Unhealthy, missing.Status);
    }

    [Fact]
    public async Task EachVerificationIsASpanOfTheCertitudeSource()
    {
        var root = TestPki.Root("CN=Span Root", TestPki.Live());
        var leaf = TestPki.Leaf(root, ["span.test"], TestPki.Live());
        var spans = new List<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = s => s.Name == "Certitude",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = a => { lock (spans) { spans.Add(a); } },
        };
        ActivitySource.AddActivityListener(listener);
        var server = TlsContext.CreateDefault(TlsPurpose.ClientAuthentication, TrustStore.FromCertificates([root.Cert]));
        server.VerifyMode = VerifyMode.None;
        server.UseCertificate(TlsTests.WithKey(leaf));
        var client = TlsContext.CreateDefault(TlsPurpose.ServerAuthentication, TrustStore.FromCertificates([root.Cert]));
        var (c, s) = await TlsSettingsTests.Pair(server, client, "span.test");
        await c.DisposeAsync();
        await s.DisposeAsync();
        lock (spans)
        {
            var span = Assert.Single(spans, a => (string?)a.GetTagItem("certitude.tls.peer") == "span.test");
            Assert.Equal("certitude.verify", span.OperationName);
            Assert.Equal("accepted", span.GetTagItem("certitude.tls.outcome"));
            Assert.Equal("CN=span.test", span.GetTagItem("tls.server.subject"));
            Assert.Equal(leaf.Cert.Sha256Fingerprint, span.GetTagItem("certitude.certificate.sha256"));
        }
    }
}
