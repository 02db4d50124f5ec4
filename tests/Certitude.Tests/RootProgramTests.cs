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

    /// <summary>Verifies with the root as a caller-supplied anchor; the program's trust decisions apply to it only with
    /// <see cref="RootProgramScope.AllAnchors"/> (the default here, to test the decisions themselves).</summary>
    private static VerificationResult Verify(Setup s, Issued leaf, VerifyFlags flags = VerifyFlags.Default, bool program = true, IReadOnlyList<string>? ekus = null,
        PeerIdentity? peer = null, RootProgramScope scope = RootProgramScope.AllAnchors, TrustStore? store = null)
        => new Verifier(store ?? TrustStore.FromCertificates([s.Root.Cert]), new VerificationOptions
        {
            Flags = flags,
            RootProgram = program ? s.Program : null,
            RootProgramScope = scope,
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

    /// <summary>Issue 26 item 1: trust decisions follow where the anchor came from. A root the program no longer trusts
    /// for serverAuth (trusted for email only, as DigiCert Global Root CA is today) anchors a server chain when the caller
    /// supplies it, and not when it comes from the program's store, the system store (SSL_CERT_FILE, SSL_CERT_DIR) or
    /// with the opt-in. (Before: refused with 27 in every case.)</summary>
    [Fact]
    public void TrustDecisionsFollowWhereTheAnchorCameFrom()
    {
        var emailOnly = Inject("V", "T");
        var leaf = Leaf(emailOnly);
        var supplied = Verify(emailOnly, leaf, scope: RootProgramScope.ProgramAndSystemAnchors);
        Assert.True(supplied.IsValid, supplied.Explain());
        Assert.Equal(VerifyCode.CertUntrusted, Verify(emailOnly, leaf, scope: RootProgramScope.AllAnchors).Code);

        // From the program's own store (what TrustStore.Mozilla() is for the embedded program).
        var programStore = emailOnly.Program.ToTrustStore();
        Assert.True(programStore.Contains(emailOnly.Root.Cert));
        Assert.Equal(VerifyCode.CertUntrusted, Verify(emailOnly, leaf, scope: RootProgramScope.ProgramAndSystemAnchors, store: programStore).Code);
        Assert.All(TrustStore.Mozilla().Certificates.Take(20), c => Assert.True(TrustStore.Mozilla().RootProgramApplies(c)));

        // From the system store, found through SSL_CERT_FILE and through SSL_CERT_DIR.
        var dir = Directory.CreateTempSubdirectory("certitude-system-");
        try
        {
            var bundle = Path.Combine(dir.FullName, "bundle.pem");
            File.WriteAllText(bundle, emailOnly.Root.X509.ExportCertificatePem());
            var viaFile = TrustStore.LoadSystem(v => v == "SSL_CERT_FILE" ? bundle : null, [], [], null);
            Assert.Equal(VerifyCode.CertUntrusted, Verify(emailOnly, leaf, scope: RootProgramScope.ProgramAndSystemAnchors, store: viaFile).Code);
            var hashed = Directory.CreateDirectory(Path.Combine(dir.FullName, "certs"));
            File.WriteAllText(Path.Combine(hashed.FullName, emailOnly.Root.Cert.Subject.OpenSslHash().ToString("x8", System.Globalization.CultureInfo.InvariantCulture) + ".0"),
                emailOnly.Root.X509.ExportCertificatePem());
            var viaDir = TrustStore.LoadSystem(v => v == "SSL_CERT_DIR" ? hashed.FullName : null, [], [], null);
            Assert.Equal(VerifyCode.CertUntrusted, Verify(emailOnly, leaf, scope: RootProgramScope.ProgramAndSystemAnchors, store: viaDir).Code);
            // The same directory named by the caller is the caller's.
            Assert.True(Verify(emailOnly, leaf, scope: RootProgramScope.ProgramAndSystemAnchors, store: TrustStore.FromDirectory(hashed.FullName)).IsValid);
            // A root the caller supplies and the system store also holds is the caller's.
            var both = TrustStore.Combine(viaFile, TrustStore.FromCertificates([emailOnly.Root.Cert]));
            Assert.True(Verify(emailOnly, leaf, scope: RootProgramScope.ProgramAndSystemAnchors, store: both).IsValid);
        }
        finally
        {
            dir.Delete(recursive: true);
        }

        // Distrust-after follows the same scope.
        var dated = Inject("T", "T", DateTimeOffset.UtcNow.AddDays(-2));
        var late = Leaf(dated);
        Assert.True(Verify(dated, late, scope: RootProgramScope.ProgramAndSystemAnchors).IsValid);
        Assert.Equal(VerifyCode.RootDistrustedAfter, Verify(dated, late, scope: RootProgramScope.ProgramAndSystemAnchors, store: dated.Program.ToTrustStore()).Code);
    }

    /// <summary>The issuance tier stays keyed to "this anchor is a root the program trusts for serverAuth", wherever the
    /// anchor came from (it only turns warnings into errors).</summary>
    [Fact]
    public void TheIssuanceTierFollowsTheRootsIdentityNotItsSource()
    {
        var trusted = Inject("T", "T");
        var leaf = Leaf(trusted, cn: "CN=Public Example Service");
        Assert.Equal(VerifyCode.CommonNameNotInSan, Verify(trusted, leaf, scope: RootProgramScope.ProgramAndSystemAnchors).Code);
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
        var r = new Verifier(TrustStore.FromCertificates([again]), new VerificationOptions { RootProgram = setup.Program, RootProgramScope = RootProgramScope.AllAnchors }).Verify(leaf.Cert, null, Host);
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
            foreach (var rule in profile.Rules)
            {
                var row = rows.SingleOrDefault(r => r.StartsWith($"| `{rule.Id}`", StringComparison.Ordinal));
                Assert.True(row is not null, $"docs/DESIGN.md has no row for rule {rule.Id}");
                var cells = row!.Split('|').Select(c => c.Trim()).ToArray();
                Assert.True(cells[2] == rule.Citation, $"{rule.Id}: the document cites {cells[2]}, the code {rule.Citation}");
                Assert.True(cells[4] == rule.Tier.ToString(), $"{rule.Id}: the document says {cells[4]}, the code {rule.Tier}");
                Assert.True(cells[5] == ((int)rule.Code).ToString(System.Globalization.CultureInfo.InvariantCulture), $"{rule.Id}: the document gives code {cells[5]}, the code {(int)rule.Code}");
                Assert.True(cells[6] == rule.Risk, $"{rule.Id}: the document says skipping it costs '{cells[6]}', the code '{rule.Risk}'");
                // The tier principle: a rule whose skipping costs the relying party nothing is Issuance, and only such a rule.
                Assert.True((rule.Risk == "nothing") == (rule.Tier == RuleTier.Issuance), $"{rule.Id}: tier {rule.Tier} with risk '{rule.Risk}'");
            }
        }
    }
}
