using System.Text.Json;
using Xunit;

namespace Certitude.Tests;

/// <summary>The strictness tiers and Mozilla's root program through the command line: warnings in verify's text and
/// JSON, --issuance-rules, --mozilla-roots on limbo's online:: chains, and inspect's root_program.</summary>
public sealed class CliIssuanceTests() : TempFolderTests("certitude-cli-issuance-")
{
    [Fact]
    public void VerifyReportsIssuanceWarningsAndEnforcesThemWhenAsked()
    {
        // kubeadm's API server: CN=kube-apiserver is not a SAN value (CA/B BR 7.1.4.3, issuance tier).
        var root = TestPki.Root("CN=kubernetes", TestPki.Live());
        var leaf = TestPki.Issue(root, TestPki.Live(new CertSpec { Subject = "CN=kube-apiserver", Dns = ["kubernetes.default.svc"], Ips = ["10.96.0.1"] }));
        string rootPem = Write("root.pem", root.X509.ExportCertificatePem()), leafPem = Write("leaf.pem", leaf.X509.ExportCertificatePem());

        var text = CliCommandTests.InProcess("verify", leafPem, "--cafile", rootPem, "--host", "kubernetes.default.svc");
        Assert.True(text.Exit == 0, text.Out + text.Err);
        Assert.Contains("warning: certificate 0:", text.Out, StringComparison.Ordinal);
        Assert.Contains("leaf-cn-in-san", text.Out, StringComparison.Ordinal);

        var json = CliCommandTests.InProcess("verify", leafPem, "--cafile", rootPem, "--ip", "10.96.0.1", "--json");
        Assert.Equal(0, json.Exit);
        var warnings = JsonDocument.Parse(json.Out).RootElement.GetProperty("warnings");
        Assert.Contains(warnings.EnumerateArray(), w => w.GetProperty("rule_id").GetString() == "leaf-cn-in-san"
            && w.GetProperty("certificate").GetInt32() == 0 && w.GetProperty("code").GetInt32() == (int)VerifyCode.CommonNameNotInSan);

        var enforced = CliCommandTests.InProcess("verify", leafPem, "--cafile", rootPem, "--host", "kubernetes.default.svc", "--issuance-rules", "--json");
        Assert.Equal(1, enforced.Exit);
        Assert.Equal((int)VerifyCode.CommonNameNotInSan, JsonDocument.Parse(enforced.Out).RootElement.GetProperty("code").GetInt32());

        // audit counts the chains that pass strict with issuance-rule warnings.
        var bundle = Write("bundle.pem", leaf.X509.ExportCertificatePem());
        var audit = CliCommandTests.InProcess("audit", bundle, "--cafile", rootPem, "--json");
        var summary = JsonDocument.Parse(audit.Out).RootElement.GetProperty("summary");
        Assert.Equal(1, summary.GetProperty("with_issuance_warnings").GetInt32());
    }

    [Fact]
    public void MozillaRootsVerifyLimbosOnlineChains()
    {
        // limbo's online:: cases are real web-PKI chains; their roots are in Mozilla's program, so the embedded
        // program alone anchors them (no --cafile, no system store), with the issuance tier enforced on them.
        using var doc = Corpus.Load("limbo.json");
        var online = doc.RootElement.GetProperty("testcases").EnumerateArray()
            .Where(t => t.GetProperty("id").GetString()!.StartsWith("online::", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(online);
        int verified = 0;
        foreach (var t in online)
        {
            var id = t.GetProperty("id").GetString()!.Replace("::", "-", StringComparison.Ordinal);
            var leaf = Write(id + "-leaf.pem", t.GetProperty("peer_certificate").GetString()!);
            var chain = Write(id + "-chain.pem", string.Concat(t.GetProperty("untrusted_intermediates").EnumerateArray().Select(e => e.GetString())));
            var host = t.GetProperty("expected_peer_name").GetProperty("value").GetString()!;
            var r = CliCommandTests.InProcess("verify", leaf, "--untrusted", chain, "--mozilla-roots", "--host", host,
                "--at", t.GetProperty("validation_time").GetString()!, "--json");
            Assert.True(r.Exit == 0, $"{id}: {r.Out}{r.Err}");
            var path = JsonDocument.Parse(r.Out).RootElement.GetProperty("path");
            var anchor = Certificate.ParsePem(Pem(path[path.GetArrayLength() - 1]));
            Assert.NotNull(RootProgram.Mozilla.Find(anchor));
            verified++;
        }
        Assert.Equal(online.Count, verified);
    }

    private static string Pem(JsonElement entry)
    {
        // The path entries carry the certificate's SHA-256; the certificate itself comes from the program.
        var sha = entry.GetProperty("sha256").GetString()!;
        var e = RootProgram.Mozilla.Entries.First(x => string.Equals(x.Sha256, sha, StringComparison.OrdinalIgnoreCase));
        return "-----BEGIN CERTIFICATE-----\n" + e.CertificateBase64 + "\n-----END CERTIFICATE-----\n";
    }

    [Fact]
    public void InspectShowsAnEntrustRootsDistrustDate()
    {
        var entrust = RootProgram.Mozilla.Entries.First(e => e.Label.StartsWith("Entrust Root Certification Authority", StringComparison.Ordinal) && e.ServerDistrustAfter is not null);
        var file = Write("entrust.pem", "-----BEGIN CERTIFICATE-----\n" + entrust.CertificateBase64 + "\n-----END CERTIFICATE-----\n");
        var r = CliCommandTests.InProcess("inspect", file, "--json", "--cafile", file);
        var program = JsonDocument.Parse(r.Out).RootElement.GetProperty("certificates")[0].GetProperty("root_program");
        Assert.Equal("mozilla", program.GetProperty("name").GetString());
        Assert.Equal("2024-11-30T23:59:59Z", program.GetProperty("server_distrust_after").GetString());
        Assert.Equal(JsonValueKind.Null, program.GetProperty("email_distrust_after").ValueKind);
        var text = CliCommandTests.InProcess("inspect", file, "--cafile", file);
        Assert.Contains("root program: Mozilla root program", text.Out, StringComparison.Ordinal);
        // A private certificate is in no program.
        var mine = Write("mine.pem", TestPki.Root("CN=Mine", TestPki.Live()).X509.ExportCertificatePem());
        var none = CliCommandTests.InProcess("inspect", mine, "--json", "--cafile", mine);
        Assert.Equal(JsonValueKind.Null, JsonDocument.Parse(none.Out).RootElement.GetProperty("certificates")[0].GetProperty("root_program").ValueKind);
    }
}
