using System.Formats.Asn1;
using System.Numerics;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Xunit;

namespace Certitude.Tests;

/// <summary>
/// The revocation stage (RFC 5280 6.3) on CRLs made in the test: the verdict does not depend on the order
/// of the CRL list, a CRL for another distribution point does not cover a certificate that names its own,
/// and nothing in a CRL or a cRLDistributionPoints extension makes verification throw.
/// </summary>
public sealed class RevocationTests
{
    private static readonly VerificationOptions LeafCrl = new() { Flags = VerifyFlags.Default | VerifyFlags.CrlCheckLeaf };

    [Fact]
    public void TheNewestCompleteCrlDecidesWhateverTheOrder()
    {
        // Two genuine, current CRLs of one CA: an older one that does not list the leaf and a newer one that
        // does. Before, the first usable CRL in the list decided ("OK" in one order, "revoked" in the other).
        var root = TestPki.Root();
        var leaf = TestPki.Leaf(root);
        var older = Crl.Make(root, number: 1, thisUpdate: TestPki.Now.AddDays(-2));
        var newer = Crl.Make(root, number: 2, thisUpdate: TestPki.Now.AddDays(-1), revoked: [leaf]);
        foreach (var crls in new[] { new[] { older, newer }, [newer, older] })
        {
            var r = TestPki.Verifier(root, LeafCrl with { Crls = crls }).Verify(leaf.Cert);
            Assert.Equal(VerifyCode.CertRevoked, r.Code);
        }
        // And the other way round: a newer CRL that no longer lists the leaf (removed from the CRL after a hold) wins.
        var held = Crl.Make(root, number: 3, thisUpdate: TestPki.Now.AddDays(-3), revoked: [leaf]);
        var released = Crl.Make(root, number: 4, thisUpdate: TestPki.Now.AddHours(-1));
        foreach (var crls in new[] { new[] { held, released }, [released, held] })
        {
            var r = TestPki.Verifier(root, LeafCrl with { Crls = crls }).Verify(leaf.Cert);
            Assert.True(r.IsValid, r.Explain());
        }
    }

    [Fact]
    public void TheNewestDeltaCrlDecidesWhateverTheOrder()
    {
        // A complete CRL, an empty older delta on it and a newer delta that revokes the leaf: revoked in both
        // orders (before, the first usable delta won).
        var root = TestPki.Root();
        var leaf = TestPki.Leaf(root);
        var complete = Crl.Make(root, number: 10, thisUpdate: TestPki.Now.AddDays(-3));
        var emptyDelta = Crl.Make(root, number: 11, thisUpdate: TestPki.Now.AddDays(-2), deltaBase: 10);
        var revokingDelta = Crl.Make(root, number: 12, thisUpdate: TestPki.Now.AddDays(-1), deltaBase: 10, revoked: [leaf]);
        foreach (var crls in new[] { new[] { complete, emptyDelta, revokingDelta }, [revokingDelta, emptyDelta, complete], [complete, revokingDelta, emptyDelta] })
        {
            var r = TestPki.Verifier(root, LeafCrl with { Crls = crls }).Verify(leaf.Cert);
            Assert.Equal(VerifyCode.CertRevoked, r.Code);
            Assert.Contains("delta CRL", r.Message, StringComparison.Ordinal);
        }
        // The delta alone, without its base at hand, says nothing.
        Assert.Equal(VerifyCode.UnableToGetCrl, TestPki.Verifier(root, LeafCrl with { Crls = [revokingDelta] }).Verify(leaf.Cert).Code);
    }

    [Fact]
    public void ACrlForAnotherDistributionPointDoesNotCoverACertificateThatNamesItsOwn()
    {
        // The leaf names its distribution point by URI; the CA's CRL is tied to a distribution point named by the
        // issuer's DN. The issuer-name fallback of RFC 5280 6.3.3 is for CRLs tied to no named distribution point.
        var root = TestPki.Root();
        var leaf = TestPki.Leaf(root, spec: new CertSpec { Extra = [Crl.DistributionPoints(Crl.Uri("http://crl.example/a.crl"))] });
        var byIssuerName = Crl.Make(root, number: 1, thisUpdate: TestPki.Now.AddDays(-1), revoked: [leaf], idp: Crl.Directory(root.Cert.Subject));
        var r = TestPki.Verifier(root, LeafCrl with { Crls = [byIssuerName] }).Verify(leaf.Cert);
        Assert.Equal(VerifyCode.DifferentCrlScope, r.Code);
        Assert.Equal(44, (int)r.Code);

        // A CRL for the leaf's own distribution point, or one tied to none, covers it.
        var own = Crl.Make(root, number: 2, thisUpdate: TestPki.Now.AddDays(-1), revoked: [leaf], idp: Crl.Uri("http://crl.example/a.crl"));
        Assert.Equal(VerifyCode.CertRevoked, TestPki.Verifier(root, LeafCrl with { Crls = [own] }).Verify(leaf.Cert).Code);
        var plain = Crl.Make(root, number: 3, thisUpdate: TestPki.Now.AddDays(-1), revoked: [leaf]);
        Assert.Equal(VerifyCode.CertRevoked, TestPki.Verifier(root, LeafCrl with { Crls = [plain] }).Verify(leaf.Cert).Code);

        // A leaf that names no distribution point is covered through its issuer's name, as before.
        var bare = TestPki.Leaf(root);
        var forBare = Crl.Make(root, number: 4, thisUpdate: TestPki.Now.AddDays(-1), revoked: [bare], idp: Crl.Directory(root.Cert.Subject));
        Assert.Equal(VerifyCode.CertRevoked, TestPki.Verifier(root, LeafCrl with { Crls = [forBare] }).Verify(bare.Cert).Code);
    }

    /// <summary>Malformed nameRelativeToCRLIssuer values: a truncated element, a primitive [1], an empty SET, an
    /// element that is not an AttributeTypeAndValue, and an AttributeTypeAndValue without a value.</summary>
    public static TheoryData<string> MalformedRelativeNames => new() { "A103300306", "8103010203", "A100", "A1030401FF", "A1053003060155" };

    [Theory]
    [MemberData(nameof(MalformedRelativeNames))]
    public void AMalformedRelativeNameInACrlIsAFormatErrorNotAnException(string hex)
    {
        // Before: the CRL parsed, and Verifier.Verify threw AsnContentException from Revocation.Scope (the
        // one cause of all 56 crashes of a 360,000-mutant fuzz run). Now the name is checked when parsed.
        var root = TestPki.Root();
        var leaf = TestPki.Leaf(root, spec: new CertSpec { Extra = [Crl.DistributionPoints(Crl.Uri("http://crl.example/a.crl"))] });
        var der = Crl.MakeDer(root, number: 1, thisUpdate: TestPki.Now.AddDays(-1), revoked: [leaf], idpName: Convert.FromHexString(hex));
        CertificateRevocationList crl;
        try
        {
            crl = CertificateRevocationList.Parse(der);
        }
        catch (CertificateFormatException e)
        {
            Assert.Contains("nameRelativeToCRLIssuer", e.Field, StringComparison.Ordinal);
            return;
        }
        var r = TestPki.Verifier(root, LeafCrl with { Crls = [crl] }).Verify(leaf.Cert);
        Assert.False(r.IsValid);
    }

    [Theory]
    [MemberData(nameof(MalformedRelativeNames))]
    public void AMalformedRelativeNameInACertificateIsAFormatErrorNotAnException(string hex)
    {
        var root = TestPki.Root();
        var crl = Crl.Make(root, number: 1, thisUpdate: TestPki.Now.AddDays(-1), idp: Crl.Uri("http://crl.example/a.crl"));
        Issued leaf;
        try
        {
            leaf = TestPki.Leaf(root, spec: new CertSpec { Extra = [Crl.DistributionPoints(Convert.FromHexString(hex))] });
        }
        catch (CertificateFormatException e)
        {
            Assert.Contains("nameRelativeToCRLIssuer", e.Field, StringComparison.Ordinal);
            return;
        }
        var r = TestPki.Verifier(root, LeafCrl with { Crls = [crl] }).Verify(leaf.Cert);
        Assert.False(r.IsValid);
    }

    [Fact]
    public void AWellFormedRelativeNameStillNamesADistributionPoint()
    {
        // nameRelativeToCRLIssuer CN=crl1 under the issuer's name, in the certificate and in the CRL: in scope.
        var root = TestPki.Root();
        var rdn = Crl.RelativeName("crl1");
        var leaf = TestPki.Leaf(root, spec: new CertSpec { Extra = [Crl.DistributionPoints(rdn)] });
        var crl = Crl.Make(root, number: 1, thisUpdate: TestPki.Now.AddDays(-1), revoked: [leaf], idp: rdn);
        Assert.Equal(VerifyCode.CertRevoked, TestPki.Verifier(root, LeafCrl with { Crls = [crl] }).Verify(leaf.Cert).Code);
        var other = Crl.Make(root, number: 2, thisUpdate: TestPki.Now.AddDays(-1), revoked: [leaf], idp: Crl.RelativeName("crl2"));
        Assert.Equal(VerifyCode.DifferentCrlScope, TestPki.Verifier(root, LeafCrl with { Crls = [other] }).Verify(leaf.Cert).Code);
    }
}

/// <summary>CRLs written field by field (the .NET builder makes neither delta CRLs nor issuingDistributionPoint).</summary>
internal static class Crl
{
    private static readonly Asn1Tag Ctx0 = new(TagClass.ContextSpecific, 0, true);

    /// <summary>A DistributionPointName choice, encoded: fullName [0] with one URI.</summary>
    public static byte[] Uri(string uri)
    {
        var w = new AsnWriter(AsnEncodingRules.DER);
        using (w.PushSequence(Ctx0))
        {
            w.WriteCharacterString(UniversalTagNumber.IA5String, uri, new Asn1Tag(TagClass.ContextSpecific, 6));
        }
        return w.Encode();
    }

    /// <summary>A DistributionPointName choice, encoded: fullName [0] with one directoryName.</summary>
    public static byte[] Directory(DistinguishedName name)
    {
        var w = new AsnWriter(AsnEncodingRules.DER);
        using (w.PushSequence(Ctx0))
        {
            using (w.PushSequence(new Asn1Tag(TagClass.ContextSpecific, 4, true)))
            {
                w.WriteEncodedValue(name.RawData.Span);
            }
        }
        return w.Encode();
    }

    /// <summary>A DistributionPointName choice, encoded: nameRelativeToCRLIssuer [1] CN=<paramref name="cn"/>.</summary>
    public static byte[] RelativeName(string cn)
    {
        var w = new AsnWriter(AsnEncodingRules.DER);
        using (w.PushSetOf(new Asn1Tag(TagClass.ContextSpecific, 1, true)))
        {
            using (w.PushSequence())
            {
                w.WriteObjectIdentifier("2.5.4.3");
                w.WriteCharacterString(UniversalTagNumber.UTF8String, cn);
            }
        }
        return w.Encode();
    }

    /// <summary>cRLDistributionPoints with one distribution point of the given (encoded) name.</summary>
    public static X509Extension DistributionPoints(byte[] dpName)
    {
        var w = new AsnWriter(AsnEncodingRules.DER);
        using (w.PushSequence())
        {
            using (w.PushSequence())
            {
                using (w.PushSequence(Ctx0))
                {
                    w.WriteEncodedValue(dpName);
                }
            }
        }
        return new X509Extension("2.5.29.31", w.Encode(), false);
    }

    public static CertificateRevocationList Make(Issued issuer, int number, DateTimeOffset thisUpdate, Issued[]? revoked = null, int? deltaBase = null, byte[]? idp = null)
        => CertificateRevocationList.Parse(MakeDer(issuer, number, thisUpdate, revoked, deltaBase, idp));

    /// <summary>A v2 CRL signed by <paramref name="issuer"/> (an ECDSA key), valid for a week from
    /// <paramref name="thisUpdate"/>, with cRLNumber, optionally deltaCRLIndicator and an issuingDistributionPoint
    /// whose distributionPoint is <paramref name="idpName"/> (an encoded DistributionPointName choice).</summary>
    public static byte[] MakeDer(Issued issuer, int number, DateTimeOffset thisUpdate, Issued[]? revoked = null, int? deltaBase = null, byte[]? idpName = null)
    {
        var tbs = new AsnWriter(AsnEncodingRules.DER);
        using (tbs.PushSequence())
        {
            tbs.WriteInteger(1);
            AlgorithmId(tbs);
            tbs.WriteEncodedValue(issuer.X509.SubjectName.RawData);
            tbs.WriteUtcTime(thisUpdate);
            tbs.WriteUtcTime(thisUpdate.AddDays(7));
            if (revoked is { Length: > 0 })
            {
                using (tbs.PushSequence())
                {
                    foreach (var c in revoked)
                    {
                        using (tbs.PushSequence())
                        {
                            tbs.WriteIntegerUnsigned(c.Cert.SerialNumber.Span);
                            tbs.WriteUtcTime(thisUpdate.AddHours(-1));
                        }
                    }
                }
            }
            using (tbs.PushSequence(Ctx0))
            {
                using (tbs.PushSequence())
                {
                    Extension(tbs, "2.5.29.20", false, w => w.WriteInteger(new BigInteger(number)));
                    if (deltaBase is int b)
                    {
                        Extension(tbs, "2.5.29.27", true, w => w.WriteInteger(new BigInteger(b)));
                    }
                    if (idpName is not null)
                    {
                        Extension(tbs, "2.5.29.28", true, w =>
                        {
                            using (w.PushSequence())
                            {
                                using (w.PushSequence(Ctx0))
                                {
                                    w.WriteEncodedValue(idpName);
                                }
                            }
                        });
                    }
                }
            }
        }
        var tbsDer = tbs.Encode();
        var signature = ((ECDsa)issuer.Key).SignData(tbsDer, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence);
        var crl = new AsnWriter(AsnEncodingRules.DER);
        using (crl.PushSequence())
        {
            crl.WriteEncodedValue(tbsDer);
            AlgorithmId(crl);
            crl.WriteBitString(signature);
        }
        return crl.Encode();
    }

    private static void AlgorithmId(AsnWriter w)
    {
        using (w.PushSequence())
        {
            w.WriteObjectIdentifier("1.2.840.10045.4.3.2"); // ecdsa-with-SHA256
        }
    }

    private static void Extension(AsnWriter w, string oid, bool critical, Action<AsnWriter> value)
    {
        var v = new AsnWriter(AsnEncodingRules.DER);
        value(v);
        using (w.PushSequence())
        {
            w.WriteObjectIdentifier(oid);
            if (critical)
            {
                w.WriteBoolean(true);
            }
            w.WriteOctetString(v.Encode());
        }
    }
}
