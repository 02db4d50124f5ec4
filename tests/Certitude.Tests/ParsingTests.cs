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
