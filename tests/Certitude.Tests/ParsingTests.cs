using System.Text;
using Xunit;

namespace Certitude.Tests;

public sealed class ParsingTests
{
    [Fact]
    public void TruncatedDerNamesTheField()
    {
        var der = TestPki.Leaf(TestPki.Root()).X509.RawData;
        var e = Assert.Throws<CertificateFormatException>(() => Certificate.Parse(der.AsSpan(0, der.Length - 10)));
        Assert.False(string.IsNullOrEmpty(e.Field));
        Assert.StartsWith("malformed certificate", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void BrokenBundleEntryNamesFileAndIndex()
    {
        var good = TestPki.Root().X509.ExportCertificatePem();
        var bundle = good + "\n-----BEGIN CERTIFICATE-----\nMIIBAAAA\n-----END CERTIFICATE-----\n";
        var e = Assert.Throws<CertificateFormatException>(() => Certificate.ParseAll(Encoding.ASCII.GetBytes(bundle), "bundle.pem"));
        Assert.Equal("bundle.pem", e.Source);
        Assert.Equal(1, e.Index);
        Assert.Contains("bundle.pem", e.Message, StringComparison.Ordinal);
        Assert.Contains("#1", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void BundleWithManyCertificatesParses()
    {
        var a = TestPki.Root("CN=A").X509.ExportCertificatePem();
        var b = TestPki.Root("CN=B").X509.ExportCertificatePem();
        var list = Certificate.ParseAll(Encoding.ASCII.GetBytes(a + "\n# comment\n" + b), "two.pem");
        Assert.Equal(2, list.Count);
        Assert.Equal("CN=B", list[1].Subject.ToString());
    }

    [Fact]
    public void DistinguishedNamesCompareCaseAndSpaceInsensitively()
    {
        // RFC 5280 7.1: "CN=Test  Root" and "cn=test root" chain.
        var a = DistinguishedName.Decode(new System.Security.Cryptography.X509Certificates.X500DistinguishedName("CN=Test  Root, O=Org").RawData, "a");
        var b = DistinguishedName.Decode(new System.Security.Cryptography.X509Certificates.X500DistinguishedName("CN=test root, O=ORG").RawData, "b");
        Assert.Equal(a, b);
        Assert.Equal(a.GetHashCode(), b.GetHashCode());
        var c = DistinguishedName.Decode(new System.Security.Cryptography.X509Certificates.X500DistinguishedName("CN=test root, O=Other").RawData, "c");
        Assert.NotEqual(a, c);
    }

    [Theory]
    [InlineData("CN=Test  Root, O=Org")]
    [InlineData("CN=\u00dcn\u00efcode  Name, O=Stra\u00dfe")]
    [InlineData("CN=\ufb01le, OU=  lead and trail  ")]
    [InlineData("CN=a + OU=b, O=Multi Valued")]
    [InlineData("")]
    public void NameKeyWrittenFromBytesEqualsTheKeyOfTheDecodedAttributes(string name)
    {
        // The key is written in one pass over the DER; the attributes are decoded later. Both must agree.
        var der = new System.Security.Cryptography.X509Certificates.X500DistinguishedName(name).RawData;
        // Attribute values read from the bytes (before anything is decoded) equal those of the decoded attributes.
        var cnFromBytes = DistinguishedName.Decode(der, "n").GetAttributeValues("2.5.4.3").ToArray();
        var dn = DistinguishedName.Decode(der, "n");
        Assert.Equal(dn.Rdns.SelectMany(r => r).Where(a => a.Oid == "2.5.4.3").Select(a => a.Text), cnFromBytes);
        var fromAttributes = string.Concat(dn.Rdns.Select(rdn => "/" + string.Join("+", rdn.Select(a => a.Normalized).Order(StringComparer.Ordinal))));
        Assert.Equal(fromAttributes, dn.NormalizedKey);
        Assert.Equal(name.Length == 0, dn.IsEmpty);
    }

    [Fact]
    public void AValueContainingSeparatorsIsNotAnotherName()
    {
        // RFC 5280 7.1 compares RDN by RDN: one OU "b+2.5.4.3=a" is not the two-valued RDN OU=b + CN=a, and
        // one CN "a/2.5.4.3=b" is not the two RDNs CN=a, CN=b.
        var multi = DistinguishedName.Decode(new System.Security.Cryptography.X509Certificates.X500DistinguishedName("CN=a + OU=b").RawData, "m");
        var single = new System.Security.Cryptography.X509Certificates.X500DistinguishedNameBuilder();
        single.AddOrganizationalUnitName("b+2.5.4.3=a");
        Assert.NotEqual(multi, DistinguishedName.Decode(single.Build().RawData, "s"));
        var two = new System.Security.Cryptography.X509Certificates.X500DistinguishedNameBuilder();
        two.AddCommonName("a");
        two.AddCommonName("b");
        var slash = new System.Security.Cryptography.X509Certificates.X500DistinguishedNameBuilder();
        slash.AddCommonName("a/2.5.4.3=b");
        Assert.NotEqual(DistinguishedName.Decode(two.Build().RawData, "t"), DistinguishedName.Decode(slash.Build().RawData, "u"));
    }

    [Fact]
    public void CompatibilityFormsOfANameChain()
    {
        // NFKC (RFC 4518 2.2): the ligature U+FB01 is "fi".
        var a = DistinguishedName.Decode(new System.Security.Cryptography.X509Certificates.X500DistinguishedName("CN=\ufb01le").RawData, "a");
        var b = DistinguishedName.Decode(new System.Security.Cryptography.X509Certificates.X500DistinguishedName("CN=FILE").RawData, "b");
        Assert.Equal(a, b);
    }

    private static System.Security.Cryptography.X509Certificates.X509Extension InfoAccess(byte[] uri)
    {
        var w = new System.Formats.Asn1.AsnWriter(System.Formats.Asn1.AsnEncodingRules.DER);
        using (w.PushSequence())
        {
            using (w.PushSequence())
            {
                w.WriteObjectIdentifier("1.3.6.1.5.5.7.48.2");
                w.WriteOctetString(uri, new System.Formats.Asn1.Asn1Tag(System.Formats.Asn1.TagClass.ContextSpecific, 6));
            }
        }
        return new System.Security.Cryptography.X509Certificates.X509Extension("1.3.6.1.5.5.7.1.1", w.Encode(), false);
    }

    private static System.Security.Cryptography.X509Certificates.X509Extension DistributionPoints(byte[] uri)
    {
        var w = new System.Formats.Asn1.AsnWriter(System.Formats.Asn1.AsnEncodingRules.DER);
        using (w.PushSequence())
        {
            using (w.PushSequence())
            {
                using (w.PushSequence(new System.Formats.Asn1.Asn1Tag(System.Formats.Asn1.TagClass.ContextSpecific, 0, true)))
                {
                    using (w.PushSequence(new System.Formats.Asn1.Asn1Tag(System.Formats.Asn1.TagClass.ContextSpecific, 0, true)))
                    {
                        w.WriteOctetString(uri, new System.Formats.Asn1.Asn1Tag(System.Formats.Asn1.TagClass.ContextSpecific, 6));
                    }
                }
            }
        }
        return new System.Security.Cryptography.X509Certificates.X509Extension("2.5.29.31", w.Encode(), false);
    }

    [Fact]
    public void AccessAndDistributionPointsAreCheckedAtParseAndDecodedOnUse()
    {
        var root = TestPki.Root();
        var good = TestPki.Leaf(root, spec: new CertSpec { Extra = [InfoAccess("http://ca.test/ca.der"u8.ToArray()), DistributionPoints("http://ca.test/ca.crl"u8.ToArray())] });
        var cert = Certificate.Parse(good.X509.RawData);
        Assert.Equal("http://ca.test/ca.der", Assert.Single(cert.AuthorityInfoAccess!).Location.Text);
        var plain = TestPki.Leaf(root).Cert;
        Assert.Null(plain.AuthorityInfoAccess);
        Assert.Null(plain.CrlDistributionPoints);
        Assert.Null(plain.FreshestCrl);
        Assert.Null(plain.SubjectInfoAccess);
        Assert.Equal("http://ca.test/ca.crl", Assert.Single(Assert.Single(cert.CrlDistributionPoints!).FullName!).Text);

        // A non-IA5 octet in either URI makes the certificate malformed at Parse (TestPki parses what it
        // issues with Certificate.Parse), naming the extension.
        byte[] bad = [.. "http://ca.test/"u8, 0xC3, 0xA9];
        var e1 = Assert.Throws<CertificateFormatException>(() => TestPki.Leaf(root, spec: new CertSpec { Extra = [InfoAccess(bad)] }));
        Assert.Contains("authorityInfoAccess", e1.Field, StringComparison.Ordinal);
        var e2 = Assert.Throws<CertificateFormatException>(() => TestPki.Leaf(root, spec: new CertSpec { Extra = [DistributionPoints(bad)] }));
        Assert.Contains("cRLDistributionPoints", e2.Field, StringComparison.Ordinal);
    }

    [Fact]
    public void DuplicateExtensionsAreMalformed()
    {
        // .NET refuses to build such a certificate; limbo ships one.
        using var suite = Corpus.Load("limbo.json");
        var pem = suite.RootElement.GetProperty("testcases").EnumerateArray()
            .Single(t => t.GetProperty("id").GetString() == "rfc5280::duplicate-extensions").GetProperty("peer_certificate").GetString()!;
        var e = Assert.Throws<CertificateFormatException>(() => Certificate.ParsePem(pem, "dup.pem"));
        Assert.Contains("duplicate extension", e.Message, StringComparison.Ordinal);
        Assert.Equal("dup.pem", e.Source);
    }

    [Fact]
    public void PublicSuffixListIsEmbeddedWithItsVersion()
    {
        Assert.Contains("publicsuffix", Names.PublicSuffixList.Version, StringComparison.Ordinal);
        Assert.True(Names.PublicSuffixList.IsPublicSuffix("co.uk"));
        Assert.True(Names.PublicSuffixList.IsPublicSuffix("s3.amazonaws.com"));
        Assert.False(Names.PublicSuffixList.IsPublicSuffix("example.co.uk"));
        Assert.True(Names.PublicSuffixList.IsPublicSuffix("unknowntld"));
    }
}
