using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Xunit;

namespace Certitude.Tests;

/// <summary>Mozilla's root program as data: the embedded copy, and per-purpose trust, distrust-after and the
/// issuance tier tested with a generated root injected into a test copy of the program data.</summary>
public sealed class RootProgramTests
{
    private static readonly PeerIdentity Host = PeerIdentity.Host("public.example");

    [Fact]
    public void EmbeddedProgramHoldsEveryRootWithItsTrustAndDates()
    {
        var program = RootProgram.Mozilla;
        Assert.Equal(167, program.Entries.Count);
        // Five roots carry a server distrust-after date: four Entrust roots and Chunghwa's ePKI root.
        var dated = program.Entries.Where(e => e.ServerDistrustAfter is not null).ToList();
        Assert.Equal(5, dated.Count);
        var entrust = dated.Where(e => e.Label.StartsWith("Entrust", StringComparison.Ordinal)).ToList();
        Assert.Equal(4, entrust.Count);
        Assert.All(entrust, e => Assert.Equal(new DateTimeOffset(2024, 11, 30, 23, 59, 59, TimeSpan.Zero), e.ServerDistrustAfter));
        // Every entry's certificate parses and is found by itself.
        foreach (var e in program.Entries)
        {
            var cert = Certificate.Parse(e.Certificate.RawData);
            Assert.Equal(e.Sha256, cert.Sha256Fingerprint);
            Assert.Same(e, program.Find(cert));
        }
        // The store holds the roots trusted for some purpose.
        int anchors = program.Entries.Count(e => e.ServerAuthentication == RootProgramTrust.Trusted || e.EmailProtection == RootProgramTrust.Trusted);
        Assert.Equal(anchors, TrustStore.Mozilla().Certificates.Count);
        Assert.True(anchors < program.Entries.Count);
    }

    private sealed record Setup(Issued Root, RootProgram Program);

    /// <summary>A fresh root, and a copy of the embedded program data with that root added as the given line.</summary>
    private static Setup Inject(string server, string email, DateTimeOffset? serverAfter = null, Issued? root = null)
    {
        root ??= TestPki.Root("CN=Injected Public Root", TestPki.Live());
        var raw = root.X509.RawData;
        var line = string.Join(' ',
            Convert.ToHexString(SHA256.HashData(raw)),
            Convert.ToHexString(SHA256.HashData(root.X509.PublicKey.ExportSubjectPublicKeyInfo())),
            server, email, serverAfter is { } d ? d.UtcDateTime.ToString("yyyyMMddHHmmss'Z'", System.Globalization.CultureInfo.InvariantCulture) : "-", "-",
            Convert.ToBase64String(raw), "Injected Public Root");
        return new Setup(root, RootProgram.Parse("mozilla-test", RootProgram.EmbeddedMozillaData() + line + "\n"));
    }

    private static VerificationResult Verify(Setup s, Issued leaf, VerifyFlags flags = VerifyFlags.Default, bool program = true, IReadOnlyList<string>? ekus = null, PeerIdentity? peer = null)
        => new Verifier(TrustStore.FromCertificates([s.Root.Cert]), new VerificationOptions
        {
            Flags = flags,
            RootProgram = program ? s.Program : null,
            RequiredExtendedKeyUsages = ekus,
        }).Verify(leaf.Cert, null, peer ?? Host);

    private static Issued Leaf(Setup s, string cn = "CN=public.example", string[]? ekus = null, string[]? emails = null)
        => TestPki.Issue(s.Root, TestPki.Live(new CertSpec
        {
            Subject = cn,
            Dns = ["public.example"],
            Emails = emails,
            Ekus = ekus ?? ["1.3.6.1.5.5.7.3.1"],
        }));

    [Fact]
    public void ServerDistrustAfterRejectsLeavesIssuedLaterAndOnlyThose()
    {
        // The leaf's notBefore is a day ago: a distrust date two days ago rejects it, one in the future does not.
        var past = Inject("T", "T", DateTimeOffset.UtcNow.AddDays(-2));
        var leaf = Leaf(past);
        var r = Verify(past, leaf);
        Assert.Equal(VerifyCode.RootDistrustedAfter, r.Code);
        Assert.Equal(1, r.FailingCertificateIndex);
        Assert.Contains("Injected Public Root", r.Message, StringComparison.Ordinal);
        Assert.Contains(past.Program.Entries[^1].ServerDistrustAfter!.Value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture), r.Message, StringComparison.Ordinal);
        // Without the program (or with the real one, which does not know this root) the same chain verifies.
        Assert.True(Verify(past, leaf, program: false).IsValid);

        var future = Inject("T", "T", DateTimeOffset.UtcNow.AddDays(10), past.Root);
        Assert.True(Verify(future, leaf).IsValid, Verify(future, leaf).Explain());
    }

    [Fact]
    public void PerPurposeTrustDecidesWhetherARecognisedRootAnchors()
    {
        // Trusted for email only: no anchor for serverAuth (27, as OpenSSL for a root without that trust),
        // an anchor for emailProtection.
        var emailOnly = Inject("V", "T");
        var serverLeaf = Leaf(emailOnly);
        Assert.Equal(VerifyCode.CertUntrusted, Verify(emailOnly, serverLeaf).Code);
        var mailLeaf = Leaf(emailOnly, ekus: ["1.3.6.1.5.5.7.3.4"], emails: ["alice@public.example"]);
        var mail = Verify(emailOnly, mailLeaf, ekus: ["1.3.6.1.5.5.7.3.4"], peer: PeerIdentity.Email("alice@public.example"));
        Assert.True(mail.IsValid, mail.Explain());

        // Explicitly distrusted: rejected (28) for both.
        var distrusted = Inject("N", "N");
        Assert.Equal(VerifyCode.CertRejected, Verify(distrusted, Leaf(distrusted)).Code);

        // A purpose outside the program's remit (clientAuth) is not restricted by it.
        var client = Leaf(emailOnly, cn: "CN=alice", ekus: ["1.3.6.1.5.5.7.3.2"]);
        Assert.True(Verify(emailOnly, client, ekus: ["1.3.6.1.5.5.7.3.2"], peer: PeerIdentity.Host("public.example")).IsValid);
    }

    [Fact]
    public void APubliclyTrustedTlsPathIsHeldToTheIssuanceTier()
    {
        var trusted = Inject("T", "T");
        // CN is not a SAN value (CA/B BR 7.1.4.3): misissued under a public root, a warning under a private one.
        var leaf = Leaf(trusted, cn: "CN=Public Example Service");
        var underProgram = Verify(trusted, leaf);
        Assert.Equal(VerifyCode.CommonNameNotInSan, underProgram.Code);
        var privately = Verify(trusted, leaf, program: false);
        Assert.True(privately.IsValid);
        Assert.Contains(privately.Warnings, w => w.RuleId == "leaf-cn-in-san");
        // A root the program does not trust for serverAuth does not make the path publicly trusted.
        var notServer = Inject("V", "T", root: trusted.Root);
        Assert.Equal(VerifyCode.CertUntrusted, Verify(notServer, leaf).Code);
    }

    [Fact]
    public void AReissuedRootIsRecognisedByKeyAndSubject()
    {
        var setup = Inject("T", "T", DateTimeOffset.UtcNow.AddDays(-2));
        // The same subject and key in a new self-signed certificate (another validity, another serial).
        var key = (ECDsa)setup.Root.Key;
        var req = new CertificateRequest(setup.Root.X509.SubjectName, key, HashAlgorithmName.SHA256);
        req.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        req.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        req.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(req.PublicKey, false));
        var reissued = req.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-5), DateTimeOffset.UtcNow.AddYears(2));
        var again = Certificate.Parse(reissued.RawData);
        Assert.NotEqual(setup.Root.Cert.Sha256Fingerprint, again.Sha256Fingerprint);
        Assert.Same(setup.Program.Entries[^1], setup.Program.Find(again));
        var leaf = Leaf(setup);
        var r = new Verifier(TrustStore.FromCertificates([again]), new VerificationOptions { RootProgram = setup.Program }).Verify(leaf.Cert, null, Host);
        Assert.Equal(VerifyCode.RootDistrustedAfter, r.Code);
        // Another subject with that key is not the program's root.
        var other = new CertificateRequest("CN=Someone Else", key, HashAlgorithmName.SHA256).CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-5), DateTimeOffset.UtcNow.AddYears(2));
        Assert.Null(setup.Program.Find(Certificate.Parse(other.RawData)));
    }
}

/// <summary>docs/DESIGN.md carries the full rule table with tiers; it must say what the code does.</summary>
public sealed class RuleTableDocumentationTests
{
    [Fact]
    public void DesignDocumentListsEveryRuleWithItsTier()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Certitude.slnx")))
        {
            dir = dir.Parent;
        }
        Assert.NotNull(dir);
        var rows = File.ReadAllLines(Path.Combine(dir!.FullName, "docs", "DESIGN.md")).Where(l => l.StartsWith("| `", StringComparison.Ordinal)).ToList();
        foreach (var profile in new[] { VerificationProfile.WebPki, VerificationProfile.Rfc5280 })
        {
            foreach (var (id, citation, tier, _) in profile.DescribeRules())
            {
                var row = rows.SingleOrDefault(r => r.StartsWith($"| `{id}`", StringComparison.Ordinal));
                Assert.True(row is not null, $"docs/DESIGN.md has no row for rule {id}");
                var cells = row!.Split('|').Select(c => c.Trim()).ToArray();
                Assert.True(cells[4] == tier.ToString(), $"{id}: the document says {cells[4]}, the code {tier}");
            }
        }
    }
}
