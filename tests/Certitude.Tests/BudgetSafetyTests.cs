using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Xunit;
using Xunit.Abstractions;

namespace Certitude.Tests;

/// <summary>The budget and the shared caches against a peer that shapes its pool to the budget: exhaustion is terminal (no
/// path is accepted with its checks cut short), findings made during exhaustion are not cached, CRL-signer candidates are
/// budgeted, and concurrent honest and forged verifications never share an outcome.</summary>
public sealed class BudgetSafetyTests(ITestOutputHelper output)
{
    /// <summary>A certificate with <paramref name="subject"/> and the public key <paramref name="publicKey"/> (someone else's),
    /// "issued" by an unrelated name and signed by a throwaway key: anyone can make it.</summary>
    internal static Certificate Forged(string subject, PublicKey publicKey, byte[]? ski = null)
    {
        using var signer = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var req = new CertificateRequest(new X500DistinguishedName(subject), publicKey, HashAlgorithmName.SHA256);
        req.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        req.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        req.CertificateExtensions.Add(ski is null ? new X509SubjectKeyIdentifierExtension(publicKey, false) : new X509SubjectKeyIdentifierExtension(ski, false));
        var serial = RandomNumberGenerator.GetBytes(8);
        serial[0] = 1;
        var cert = req.Create(new X500DistinguishedName("CN=Junk Issuer"), X509SignatureGenerator.CreateForECDsa(signer),
            TestPki.Now.AddDays(-10), TestPki.Now.AddDays(10), serial);
        return Certificate.Parse(cert.RawData);
    }

    private static byte[] Ski(Issued c) => Convert.FromHexString(c.X509.Extensions.OfType<X509SubjectKeyIdentifierExtension>().First().SubjectKeyIdentifier!);

    /// <summary>Budget exhausted by the anchor's own self-signature check (made for the anchor-aki-present rule) right before a
    /// path is completed; the edge to the anchor is "already charged" because a forged certificate with the anchor's key was
    /// tried first; PathValidator's main loop then runs zero times (it tests !_budget.IsExhausted) and the path is accepted
    /// without name constraints, path length, policies or issuer EKU.</summary>
    [Fact]
    public void ExhaustedBudgetNeverSkipsNameConstraints_TrustedFirstOff()
    {
        var root = TestPki.Root("CN=R");
        var ca = TestPki.Ca(root, "CN=I", spec: new CertSpec { Extra = [TestPki.NameConstraints(["example.com"], [])] });
        var leaf = TestPki.Leaf(ca, ["evil.org"]);
        var options = new VerificationOptions
        {
            Profile = VerificationProfile.Rfc5280,
            Flags = VerifyFlags.X509Strict | VerifyFlags.PartialChain, // no TrustedFirst
            ValidationTime = TestPki.Now,
        };
        var control = new Verifier(TrustStore.FromCertificates([root.Cert]), options).Verify(leaf.Cert, [ca.Cert]);
        output.WriteLine("control (no junk): " + control);
        Assert.False(control.IsValid);

        var forged = Forged("CN=R", root.X509.PublicKey, Ski(root));
        bool accepted = false;
        for (int k = 94; k <= 100; k++)
        {
            var junk = Enumerable.Range(0, k).Select(_ =>
            {
                using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
                return Forged("CN=R", new PublicKey(key));
            }).ToList();
            var pool = new List<Certificate> { ca.Cert, forged };
            pool.AddRange(junk);
            var r = new Verifier(TrustStore.FromCertificates([root.Cert]), options).Verify(leaf.Cert, pool);
            output.WriteLine($"k={k}: {r}  path={string.Join(" <- ", r.Path.Select(c => c.Subject.ToString()))}");
            accepted |= r.IsValid;
        }
        Assert.False(accepted, "a leaf outside the intermediate's name constraints was accepted");
    }

    /// <summary>The same with the default flags (TrustedFirst): the trust store holds an expired and a current self-signed root
    /// with one key and name; the expired one charges the edge, the current one's self-signature exhausts the budget.</summary>
    [Fact]
    public void ExhaustedBudgetNeverSkipsNameConstraints_DefaultFlags()
    {
        using var rootKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var oldRoot = TestPki.Root("CN=R", new CertSpec { Key = rootKey, NotBefore = TestPki.Now.AddYears(-10), NotAfter = TestPki.Now.AddDays(-1) });
        var root = TestPki.Root("CN=R", new CertSpec { Key = rootKey });
        var ca = TestPki.Ca(root, "CN=I", spec: new CertSpec { Extra = [TestPki.NameConstraints(["example.com"], [])] });
        var leaf = TestPki.Leaf(ca, ["evil.org"]);
        var options = new VerificationOptions { Profile = VerificationProfile.Rfc5280, ValidationTime = TestPki.Now };
        var store = TrustStore.FromCertificates([oldRoot.Cert, root.Cert]);
        var control = new Verifier(store, options).Verify(leaf.Cert, [ca.Cert]);
        output.WriteLine("control (no junk): " + control);
        Assert.False(control.IsValid);
        bool accepted = false;
        for (int k = 94; k <= 100; k++)
        {
            // Junk named like the intermediate, with its SKI (so sorted with it), before it in the pool: each costs one failing check.
            var junk = Enumerable.Range(0, k).Select(_ =>
            {
                using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
                return Forged("CN=I", new PublicKey(key), Ski(ca));
            }).ToList();
            var pool = new List<Certificate>(junk) { ca.Cert };
            var r = new Verifier(store, options).Verify(leaf.Cert, pool);
            output.WriteLine($"k={k}: {r}  path={string.Join(" <- ", r.Path.Select(c => c.Subject.ToString()))}");
            accepted |= r.IsValid;
        }
        Assert.False(accepted, "a leaf outside the intermediate's name constraints was accepted");
    }

    /// <summary>Copies of the real CRL signer (its name and public key, each a different certificate) share one charged
    /// signature check (same key, same CRL), and each may start a nested search: every signer candidate is charged as a
    /// candidate issuer, so thousands of copies end in the budget's result, not in thousands of nested searches.</summary>
    [Fact]
    public void CrlSignerCandidatesAreBudgeted()
    {
        var root = TestPki.Root("CN=R");
        var ca = TestPki.Ca(root, "CN=I");
        var signer = TestPki.Issue(root, new CertSpec { Subject = "CN=I", KeyUsage = X509KeyUsageFlags.CrlSign, Ekus = null });
        var leaf = TestPki.Leaf(ca, ["example.com"]);
        var crl = Crl.Make(signer, number: 1, thisUpdate: TestPki.Now.AddDays(-1));
        var options = new VerificationOptions { Flags = VerifyFlags.Default | VerifyFlags.CrlCheckLeaf, Crls = [crl, Crl.Make(root, number: 1, thisUpdate: TestPki.Now.AddDays(-1))], ValidationTime = TestPki.Now };
        var results = new Dictionary<int, VerificationResult>();
        foreach (int n in new[] { 0, 50, 2000 })
        {
            var pool = new List<Certificate> { ca.Cert };
            for (int i = 0; i < n; i++)
            {
                pool.Add(Forged("CN=I", signer.X509.PublicKey, Ski(signer)));
            }
            pool.Add(signer.Cert);
            results[n] = new Verifier(TrustStore.FromCertificates([root.Cert]), options).Verify(leaf.Cert, pool);
            output.WriteLine($"copies={n}: {results[n]}");
        }
        Assert.True(results[0].IsValid, results[0].ToString());
        Assert.True(results[50].IsValid, results[50].ToString());
        // Before: 2000 copies gave Ok after 2000 nested searches, far past the 1000-candidate budget.
        Assert.Equal(VerifyCode.BudgetExhausted, results[2000].Code);
    }

    /// <summary>Findings-cache poisoning: a verification whose budget runs out exactly at an anchor's self-signature check (made
    /// lazily for anchor-aki-present) stores "not self-signed" for the anchor in the verifier's findings cache; later honest
    /// verifications on the same Verifier then report anchor-aki-present (an error under CabfIssuance or a public TLS root).</summary>
    [Fact]
    public void BudgetExhaustionDoesNotPoisonTheFindingsCache()
    {
        var root = TestPki.Root("CN=R");
        var ca = TestPki.Ca(root, "CN=I");
        var leaf = TestPki.Leaf(ca, ["example.com"]);
        var options = new VerificationOptions { Profile = VerificationProfile.Rfc5280, Flags = VerifyFlags.Default | VerifyFlags.CabfIssuance, ValidationTime = TestPki.Now };
        var honest = new Verifier(TrustStore.FromCertificates([root.Cert]), options).Verify(leaf.Cert, [ca.Cert]);
        output.WriteLine("honest on a fresh verifier: " + honest);
        bool poisoned = false;
        for (int k = 96; k <= 101; k++)
        {
            var v = new Verifier(TrustStore.FromCertificates([root.Cert]), options);
            var junk = Enumerable.Range(0, k).Select(_ =>
            {
                using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
                return Forged("CN=I", new PublicKey(key), Ski(ca));
            }).ToList();
            var first = v.Verify(leaf.Cert, [.. junk, ca.Cert]);
            var after = v.Verify(leaf.Cert, [ca.Cert]);
            output.WriteLine($"k={k}: attacker's verification: {first}; then honest: {after}");
            poisoned |= honest.IsValid && !after.IsValid;
        }
        Assert.False(poisoned, "an honest chain fails after one crafted verification on the same Verifier");
    }

    private static Certificate Flip(Certificate c, int fromEnd)
    {
        var raw = c.RawData.ToArray();
        raw[^fromEnd] ^= 0x01;
        return Certificate.Parse(raw);
    }

    /// <summary>Concurrent verifications on one Verifier (shared signature-outcome and findings caches), honest and forged
    /// (signature bit flipped: same TBS, different signature) chains interleaved, with junk verifications that make the
    /// caches clear: no forged chain is accepted and no honest one rejected.</summary>
    [Fact]
    public void ConcurrentForgeriesNeverShareAnOutcome()
    {
        var root = TestPki.Root("CN=R");
        var ca = TestPki.Ca(root, "CN=I");
        var leaf = TestPki.Leaf(ca, ["example.com"]);
        var badCa = Flip(ca.Cert, 3);
        var badLeaf = Flip(leaf.Cert, 3);
        var v = new Verifier(TrustStore.FromCertificates([root.Cert]), new VerificationOptions { ValidationTime = TestPki.Now });
        var junk = Enumerable.Range(0, 400).Select(_ =>
        {
            using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            return Forged("CN=I", new PublicKey(key));
        }).ToArray();
        int wrong = 0, total = 0;
        Parallel.For(0, 4, t =>
        {
            var rnd = new Random(t);
            for (int i = 0; i < 600; i++)
            {
                int kind = rnd.Next(4);
                var r = kind switch
                {
                    0 => v.Verify(leaf.Cert, [ca.Cert]),
                    1 => v.Verify(leaf.Cert, [badCa]),
                    2 => v.Verify(badLeaf, [ca.Cert]),
                    _ => v.Verify(leaf.Cert, [.. junk.Skip(rnd.Next(300)).Take(90), ca.Cert]),
                };
                bool expected = kind is 0 or 3;
                if (kind != 3 && r.IsValid != expected)
                {
                    Interlocked.Increment(ref wrong);
                }
                Interlocked.Increment(ref total);
            }
        });
        output.WriteLine($"{total} verifications, {wrong} wrong verdicts");
        Assert.Equal(0, wrong);
    }
}
