using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Xunit;

namespace Certitude.Tests;

/// <summary>Key purposes beyond TLS: code signing and time stamping chains (root → CA with the purpose's EKU → leaf),
/// each purpose accepted where the certificates allow it and refused where they do not, and RFC 3161 2.3's rule.</summary>
public sealed class PurposeTests
{
    private static X509Extension Eku(bool critical, params string[] oids)
    {
        var set = new OidCollection();
        foreach (var o in oids)
        {
            set.Add(new Oid(o));
        }
        return new X509EnhancedKeyUsageExtension(set, critical);
    }

    /// <summary>root → CA whose EKU is <paramref name="caEku"/> → leaf with the given EKU extension.</summary>
    internal static (Issued Root, Issued Ca, Issued Leaf) Chain(string caEku, X509Extension leafEku, string cn = "Purpose")
    {
        var root = TestPki.Root($"CN={cn} Root");
        var ca = TestPki.Ca(root, $"CN={cn} CA", spec: new CertSpec { Ca = true, Ekus = [caEku] });
        var leaf = TestPki.Issue(ca, new CertSpec { Subject = $"CN={cn} Signer", Ekus = null, Extra = [leafEku] });
        return (root, ca, leaf);
    }

    private static VerificationResult Verify((Issued Root, Issued Ca, Issued Leaf) c, CertificatePurpose purpose, VerificationProfile? profile = null)
        => TestPki.Verifier(c.Root, new VerificationOptions { Purpose = purpose, Profile = profile ?? VerificationProfile.Rfc5280 })
            .Verify(c.Leaf.Cert, [c.Ca.Cert]);

    [Fact]
    public void CodeSigningChainPassesForCodeSigningOnly()
    {
        var chain = Chain(KeyPurposes.CodeSigning, Eku(false, KeyPurposes.CodeSigning));
        Assert.True(Verify(chain, CertificatePurpose.CodeSigning).IsValid, Verify(chain, CertificatePurpose.CodeSigning).Explain());
        Assert.True(Verify(chain, CertificatePurpose.Any).IsValid);
        foreach (var other in new[] { CertificatePurpose.ServerAuthentication, CertificatePurpose.ClientAuthentication, CertificatePurpose.TimeStamping, CertificatePurpose.EmailProtection, CertificatePurpose.OcspSigning })
        {
            var r = Verify(chain, other);
            Assert.False(r.IsValid, other.ToString());
            Assert.Equal(VerifyCode.InvalidPurpose, r.Code);
        }
        // Failure messages name the purpose; no dotted OID for a named one. (The leaf's purpose is checked first, before
        // any path is searched: issue 21.)
        var server = Verify(chain, CertificatePurpose.ServerAuthentication);
        Assert.Contains(server.Diagnostics, d => d.Message.Contains("does not include serverAuth", StringComparison.Ordinal));
        Assert.DoesNotContain(server.Diagnostics, d => d.Message.Contains(KeyPurposes.ServerAuth, StringComparison.Ordinal));
    }

    [Fact]
    public void RequiredExtendedKeyUsagesWorkForCodeSigningToo()
    {
        var chain = Chain(KeyPurposes.CodeSigning, Eku(false, KeyPurposes.CodeSigning));
        var verifier = TestPki.Verifier(chain.Root, new VerificationOptions { Profile = VerificationProfile.Rfc5280, Purpose = CertificatePurpose.Any, RequiredExtendedKeyUsages = [KeyPurposes.CodeSigning] });
        Assert.True(verifier.Verify(chain.Leaf.Cert, [chain.Ca.Cert]).IsValid);
        var unknown = TestPki.Verifier(chain.Root, new VerificationOptions { Profile = VerificationProfile.Rfc5280, Purpose = CertificatePurpose.Any, RequiredExtendedKeyUsages = ["1.3.6.1.4.1.311.10.3.13"] })
            .Verify(chain.Leaf.Cert, [chain.Ca.Cert]);
        Assert.False(unknown.IsValid);
        // An OID without a name is shown dotted.
        Assert.Contains(unknown.Diagnostics, d => d.Message.Contains("1.3.6.1.4.1.311.10.3.13", StringComparison.Ordinal));
    }

    [Fact]
    public void TimeStampingChainMeetsRfc3161()
    {
        var good = Chain(KeyPurposes.TimeStamping, Eku(true, KeyPurposes.TimeStamping), "TSA");
        var ok = Verify(good, CertificatePurpose.TimeStamping);
        Assert.True(ok.IsValid, ok.Explain());
        Assert.False(Verify(good, CertificatePurpose.CodeSigning).IsValid);
        Assert.False(Verify(good, CertificatePurpose.ServerAuthentication).IsValid);

        // RFC 3161 2.3: critical, and timeStamping only.
        var notCritical = Verify(Chain(KeyPurposes.TimeStamping, Eku(false, KeyPurposes.TimeStamping), "TSA2"), CertificatePurpose.TimeStamping);
        Assert.False(notCritical.IsValid);
        Assert.Equal(VerifyCode.InvalidPurpose, notCritical.Code);
        Assert.Contains(notCritical.Diagnostics, d => d.Rule == "RFC 3161 2.3" && d.Message.Contains("not critical", StringComparison.Ordinal));

        var extra = Verify(Chain(KeyPurposes.TimeStamping, Eku(true, KeyPurposes.TimeStamping, KeyPurposes.CodeSigning), "TSA3"), CertificatePurpose.TimeStamping);
        Assert.False(extra.IsValid);
        Assert.Contains(extra.Diagnostics, d => d.Rule == "RFC 3161 2.3" && d.Message.Contains("timeStamping, codeSigning", StringComparison.Ordinal));

        var none = TestPki.Issue(good.Ca, new CertSpec { Subject = "CN=TSA no EKU", Ekus = null });
        var noEku = TestPki.Verifier(good.Root, new VerificationOptions { Purpose = CertificatePurpose.TimeStamping, Profile = VerificationProfile.Rfc5280 }).Verify(none.Cert, [good.Ca.Cert]);
        Assert.False(noEku.IsValid);
        Assert.Contains(noEku.Diagnostics, d => d.Rule == "RFC 3161 2.3");

        // The same rule applies when timeStamping is asked for as an explicit EKU.
        var explicitEku = TestPki.Verifier(good.Root, new VerificationOptions { Purpose = CertificatePurpose.Any, Profile = VerificationProfile.Rfc5280, RequiredExtendedKeyUsages = [KeyPurposes.TimeStamping] })
            .Verify(none.Cert, [good.Ca.Cert]);
        Assert.Contains(explicitEku.Diagnostics, d => d.Rule == "RFC 3161 2.3");
    }

    [Fact]
    public void PurposeNamesComeFromOneTable()
    {
        Assert.Equal("serverAuth", KeyPurposes.Name(KeyPurposes.ServerAuth));
        Assert.Equal("codeSigning", KeyPurposes.Name(KeyPurposes.CodeSigning));
        Assert.Equal("timeStamping", KeyPurposes.Name(KeyPurposes.TimeStamping));
        Assert.Equal("1.2.3.4", KeyPurposes.Name("1.2.3.4"));
        Assert.Equal(KeyPurposes.Named.Count, KeyPurposes.Named.Select(n => n.Oid).Distinct().Count());
        Assert.Equal(KeyPurposes.Named.Count, KeyPurposes.Named.Select(n => n.Purpose).Distinct().Count());
    }
}
