using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Xunit;

namespace Certitude.Tests;

/// <summary>
/// Issue 21: the reasons the engine reports. The most specific reason for the most promising path wins
/// (<see cref="VerifyCodes"/> Rank), codes are produced where they belong, and checks that depend only on the
/// leaf and the options are made once, before any path is searched.
/// </summary>
public sealed class EngineShapeTests
{
    private static readonly PeerIdentity Example = PeerIdentity.Dns("example.com");

    /// <summary>A self-signed end-entity certificate for example.com.</summary>
    private static Certificate SelfSignedLeaf(string subject)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var req = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddDnsName("example.com");
        req.CertificateExtensions.Add(san.Build());
        req.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        req.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        using var cert = req.CreateSelfSigned(TestPki.Now.AddDays(-1), TestPki.Now.AddDays(30));
        return Certificate.Parse(cert.RawData);
    }

    [Fact]
    public void ASelfSignedLeafIsReportedAsSelfSignedNotAsAnUnrelatedStoreCertificatesAlgorithm()
    {
        // Before: a store certificate that shares the leaf's subject (an RSA root) was tried as its issuer, and
        // its "signature algorithm and issuer public key algorithm mismatch" (77) outranked everything; OpenSSL
        // reports 18 (self-signed certificate).
        var storeCert = TestPki.Root("CN=Shared Subject", new CertSpec { Key = RSA.Create(2048) });
        var leaf = SelfSignedLeaf("CN=Shared Subject");
        var r = TestPki.Verifier(storeCert).Verify(leaf, null, Example);
        Assert.Equal(VerifyCode.DepthZeroSelfSignedCert, r.Code);
        Assert.Equal(18, (int)r.Code);
        // The attempt with the store certificate is still among the diagnostics.
        Assert.Contains(r.Diagnostics, d => d.Code == VerifyCode.SignatureAlgorithmMismatch);
        // Alone, as before.
        Assert.Equal(VerifyCode.DepthZeroSelfSignedCert, TestPki.Verifier(TestPki.Root("CN=Unrelated")).Verify(leaf, null, Example).Code);
    }

    [Fact]
    public void TwoCertificatesThatIssuedEachOtherAreALoop()
    {
        // A is issued by B and B by A, and neither is trusted: before, "no trusted or supplied certificate has subject
        // CN=A" (20) although one was supplied; it is a path loop (55).
        var b0 = TestPki.Root("CN=Loop B");
        var a = TestPki.Ca(b0, "CN=Loop A");
        var b = TestPki.Ca(a, "CN=Loop B", spec: new CertSpec { Key = b0.Key });
        var leaf = TestPki.Leaf(a);
        var r = TestPki.Verifier(TestPki.Root("CN=Unrelated Root")).Verify(leaf.Cert, [a.Cert, b.Cert], Example);
        Assert.Equal(VerifyCode.PathLoop, r.Code);
    }

    [Fact]
    public void RankIsAnOrderOfStages()
    {
        // The documented order: no issuer < not the issuer < untrusted self-signed end < too long < a rule broken on a
        // complete path < peer name < validity < revocation status unknown < revoked < budget.
        VerifyCode[] order =
        [
            VerifyCode.UnableToGetIssuerCertLocally, VerifyCode.SignatureAlgorithmMismatch, VerifyCode.DepthZeroSelfSignedCert,
            VerifyCode.CertChainTooLong, VerifyCode.InvalidCa, VerifyCode.HostnameMismatch, VerifyCode.CertHasExpired,
            VerifyCode.UnableToGetCrl, VerifyCode.CertRevoked, VerifyCode.BudgetExhausted,
        ];
        for (int i = 1; i < order.Length; i++)
        {
            Assert.True(VerifyCodes.Rank(order[i - 1]) < VerifyCodes.Rank(order[i]), $"{order[i - 1]} should rank below {order[i]}");
        }
    }

    [Theory]
    [InlineData(60)]
    [InlineData(200)]
    public void ALeafWithManyCrossSignedIssuerCopiesAndAWrongNameIsAHostnameMismatch(int copies)
    {
        // The leaf's issuer exists as many cross-signed copies (same subject and key, each under its own trusted root).
        // Before, the leaf was re-checked on every candidate path and the search ran out of budget (1001) before it
        // could say the name is wrong; the leaf is checked once now, before any path is searched.
        var icaKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var roots = Enumerable.Range(0, copies).Select(i => TestPki.Root($"CN=Cross Root {i}")).ToList();
        var copiesOfIca = roots.Select(r => TestPki.Ca(r, "CN=Cross ICA", spec: new CertSpec { Key = icaKey }).Cert).ToList();
        var leaf = TestPki.Leaf(TestPki.Ca(roots[0], "CN=Cross ICA", spec: new CertSpec { Key = icaKey }));
        var verifier = new Verifier(TrustStore.FromCertificates(roots.Select(r => r.Cert)), new VerificationOptions { ValidationTime = TestPki.Now });
        var r = verifier.Verify(leaf.Cert, copiesOfIca, PeerIdentity.Dns("wrong.example"));
        Assert.Equal(VerifyCode.HostnameMismatch, r.Code);
        Assert.Equal(62, (int)r.Code);
        // The right name verifies through the first copy.
        Assert.True(verifier.Verify(leaf.Cert, copiesOfIca, Example).IsValid);
    }

    [Fact]
    public void ThePeerNameIsCheckedOnceWhateverTheNumberOfPaths()
    {
        // Three copies of the issuer: before, the name check ran (and was reported) on each of the three paths.
        var icaKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var roots = Enumerable.Range(0, 3).Select(i => TestPki.Root($"CN=Three Root {i}")).ToList();
        var copiesOfIca = roots.Select(r => TestPki.Ca(r, "CN=Three ICA", spec: new CertSpec { Key = icaKey }).Cert).ToList();
        var leaf = TestPki.Leaf(TestPki.Ca(roots[0], "CN=Three ICA", spec: new CertSpec { Key = icaKey }));
        var r = new Verifier(TrustStore.FromCertificates(roots.Select(x => x.Cert)), new VerificationOptions { ValidationTime = TestPki.Now })
            .Verify(leaf.Cert, copiesOfIca, PeerIdentity.Dns("wrong.example"));
        Assert.Equal(VerifyCode.HostnameMismatch, r.Code);
        Assert.Single(r.Diagnostics, d => d.Code == VerifyCode.HostnameMismatch);
    }

    [Fact]
    public void ALeafThatFailsItsOwnChecksIsReportedWithItsOwnReasonWhateverThePool()
    {
        // An expired leaf with no issuer at hand: its own reason (10), not "unable to get local issuer" (20).
        var root = TestPki.Root("CN=Leaf First Root");
        var ica = TestPki.Ca(root, "CN=Leaf First ICA");
        var expired = TestPki.Leaf(ica, spec: new CertSpec { NotBefore = TestPki.Now.AddDays(-10), NotAfter = TestPki.Now.AddDays(-1) });
        Assert.Equal(VerifyCode.CertHasExpired, TestPki.Verifier(root).Verify(expired.Cert, null, Example).Code);
        // A leaf without serverAuth, for a TLS server: the purpose (26), whatever the pool.
        var clientOnly = TestPki.Leaf(ica, spec: new CertSpec { Ekus = ["1.3.6.1.5.5.7.3.2"] });
        Assert.Equal(VerifyCode.InvalidPurpose, TestPki.Verifier(root).Verify(clientOnly.Cert, null, Example).Code);
        Assert.Equal(VerifyCode.InvalidPurpose, TestPki.Verifier(root).Verify(clientOnly.Cert, [ica.Cert], Example).Code);
    }

    [Fact]
    public void OneSignatureCheckIsChargedOnceWhateverTheNumberOfCopiesThatAskForIt()
    {
        // The leaf's issuer exists as 150 copies (same subject and key), 149 of them issued by roots nobody has; the last
        // one chains to a trusted root. Each copy asks for the same check (the leaf's signature under the same key).
        // Before, the search's memo counted it once per copy object, so the 101st copy ran out of the signature budget
        // (100) and the verification was 1001; the budget counts distinct checks (key and signed object) now, so the
        // path through the last copy is found, and a warm verifier and a cold one agree.
        var icaKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var trusted = TestPki.Root("CN=Copies Trusted Root");
        var deadEnds = Enumerable.Range(0, 149)
            .Select(i => TestPki.Ca(TestPki.Root($"CN=Copies Missing Root {i}"), "CN=Copies ICA", spec: new CertSpec { Key = icaKey }).Cert);
        var good = TestPki.Ca(trusted, "CN=Copies ICA", spec: new CertSpec { Key = icaKey });
        var pool = deadEnds.Append(good.Cert).ToList();
        var leaf = TestPki.Leaf(good);
        var verifier = TestPki.Verifier(trusted);
        var cold = verifier.Verify(leaf.Cert, pool, Example);
        Assert.True(cold.IsValid, cold.ToString());
        Assert.Same(good.Cert, cold.Path[1]);
        var warm = verifier.Verify(leaf.Cert, pool, Example);
        Assert.True(warm.IsValid);
        // The budget still bounds distinct checks: with room for one signature, the second distinct check (the copy's
        // own signature under the trusted root) is one too many.
        var tight = new Verifier(TrustStore.FromCertificates([trusted.Cert]),
            new VerificationOptions { ValidationTime = TestPki.Now, Budget = new VerificationBudget { MaxSignatureChecks = 1 } });
        Assert.Equal(VerifyCode.BudgetExhausted, tight.Verify(leaf.Cert, pool, Example).Code);
    }

    [Fact]
    public void EngineFoldersDependOneWay()
    {
        // Building -> Validation -> Signatures: path validation takes the path and its context and calls nothing back
        // (before, PathValidator took an IPathServices implemented by the search and a Budget from Building), and the
        // signature cache stores no findings (before, CryptoCache held Validation's Failure[]). Checked over the
        // declared shapes of every type (fields, properties, method and constructor signatures, nested and
        // compiler-generated types).
        var types = typeof(Verifier).Assembly.GetTypes();
        Assert.Empty(Mentions(types, "Certitude.Validation", "Certitude.Building"));
        Assert.Empty(Mentions(types, "Certitude.Signatures", "Certitude.Building"));
        Assert.Empty(Mentions(types, "Certitude.Signatures", "Certitude.Validation"));
    }

    /// <summary>"Type -> mentioned type" for every type of namespace <paramref name="from"/> whose declared members mention a
    /// type of namespace <paramref name="to"/>.</summary>
    private static List<string> Mentions(Type[] types, string from, string to)
    {
        const System.Reflection.BindingFlags All = System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.NonPublic
            | System.Reflection.BindingFlags.Instance | System.Reflection.BindingFlags.Static | System.Reflection.BindingFlags.DeclaredOnly;
        static IEnumerable<Type> Parts(Type t)
        {
            yield return t;
            if (t.HasElementType)
            {
                foreach (var p in Parts(t.GetElementType()!))
                {
                    yield return p;
                }
            }
            if (t.IsGenericType)
            {
                foreach (var p in t.GetGenericArguments().SelectMany(Parts))
                {
                    yield return p;
                }
            }
        }
        var found = new List<string>();
        foreach (var t in types.Where(t => t.Namespace == from))
        {
            var mentioned = new List<Type>();
            mentioned.AddRange(t.GetFields(All).Select(f => f.FieldType));
            mentioned.AddRange(t.GetProperties(All).Select(p => p.PropertyType));
            foreach (var m in t.GetMethods(All).Cast<System.Reflection.MethodBase>().Concat(t.GetConstructors(All)))
            {
                mentioned.AddRange(m.GetParameters().Select(p => p.ParameterType));
                if (m is System.Reflection.MethodInfo mi)
                {
                    mentioned.Add(mi.ReturnType);
                }
            }
            foreach (var m in mentioned.SelectMany(Parts).Distinct())
            {
                if (m.Namespace == to)
                {
                    found.Add($"{t.FullName} -> {m.FullName}");
                }
            }
        }
        return found;
    }

    [Fact]
    public void FindingsAreCachedByTheProfilesValue()
    {
        // A nested CRL-signer search validates the signer under VerificationProfile.Rfc5280.WithAlgorithms(..), a new
        // profile object each time. Findings were keyed by the profile's reference, so those searches never hit the
        // cache; they are keyed by the profile's value (rule table and algorithm policy) now.
        var cache = new Certitude.Validation.FindingsCache();
        var cert = TestPki.Root("CN=Findings Root").Cert;
        var policy = AlgorithmPolicy.Rfc5280 with { AllowSha1 = true };
        var stored = new[] { new Failure(VerifyCode.ProfileViolation, "x", "test") };
        cache.StoreChecks(cert, CertRole.Leaf, VerificationProfile.Rfc5280.WithAlgorithms(policy), 0, stored);
        Assert.Same(stored, cache.GetChecks(cert, CertRole.Leaf, VerificationProfile.Rfc5280.WithAlgorithms(policy), 0));
        Assert.Same(stored, cache.GetChecks(cert, CertRole.Leaf, VerificationProfile.Rfc5280.WithAlgorithms(AlgorithmPolicy.Rfc5280 with { AllowSha1 = true }), 0));
        // Another value is another key.
        Assert.Null(cache.GetChecks(cert, CertRole.Leaf, VerificationProfile.Rfc5280.WithAlgorithms(AlgorithmPolicy.Rfc5280), 0));
        Assert.Null(cache.GetChecks(cert, CertRole.Leaf, VerificationProfile.WebPki.WithAlgorithms(policy), 0));
        Assert.Equal(1, cache.Count);
    }
}
