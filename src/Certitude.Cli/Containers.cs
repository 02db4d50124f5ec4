using System.Formats.Asn1;

namespace Certitude.Cli;

/// <summary>
/// The certificates of a PKCS#7 / CMS container: a certificate bag (<c>.p7b</c>/<c>.p7c</c>, a SignedData without
/// signers) or the certificates carried by a CMS SignedData (<c>.p7s</c>), DER or PEM (<c>PKCS7</c>, <c>CMS</c>).
/// Only the <c>certificates</c> field is read; signatures are not checked (nothing here is trusted by being signed).
/// The container is read with BER rules (bags made on Windows use indefinite lengths); each certificate in it is
/// parsed by Certitude's strict DER parser.
/// </summary>
internal static class Containers
{
    // RFC 5652 5.1 id-signedData
    private const string SignedDataOid = "1.2.840.113549.1.7.2";

    /// <summary>PEM labels of PKCS#7 / CMS content (RFC 7468 8 names PKCS7 and CMS).</summary>
    private static readonly string[] PemLabels = ["PKCS7", "CMS"];

    /// <summary>Whether the bytes are a DER/BER ContentInfo of type SignedData.</summary>
    public static bool IsSignedData(ReadOnlySpan<byte> data)
    {
        try
        {
            var reader = new AsnReader(data.ToArray(), AsnEncodingRules.BER);
            var info = reader.ReadSequence();
            return info.ReadObjectIdentifier() == SignedDataOid;
        }
        catch (AsnContentException)
        {
            return false;
        }
    }

    /// <summary>The PKCS#7 blocks of a PEM text, or null when it has none.</summary>
    public static List<byte[]>? PemBlocks(string text, string source)
    {
        if (!PemLabels.Any(l => text.Contains("-----BEGIN " + l + "-----", StringComparison.Ordinal)))
        {
            return null;
        }
        var blocks = new List<byte[]>();
        foreach (var label in PemLabels)
        {
            blocks.AddRange(Pem.ReadBlocks(text, source, label));
        }
        return blocks;
    }

    /// <summary>The certificates of one ContentInfo holding SignedData (RFC 5652 5.1, RFC 2315 9.1).</summary>
    public static List<Certificate> Certificates(byte[] data, string source)
    {
        var list = new List<Certificate>();
        try
        {
            var reader = new AsnReader(data, AsnEncodingRules.BER);
            var info = reader.ReadSequence();
            reader.ThrowIfNotEmpty();
            var type = info.ReadObjectIdentifier();
            if (type != SignedDataOid)
            {
                throw new CliException(Exit.Usage, $"'{source}': PKCS#7 content type {type} is not signedData ({SignedDataOid}), which is what carries certificates");
            }
            var content = info.ReadSequence(new Asn1Tag(TagClass.ContextSpecific, 0));
            var signedData = content.ReadSequence();
            signedData.ReadInteger(); // CMSVersion
            signedData.ReadSetOf(); // digestAlgorithms
            signedData.ReadSequence(); // encapContentInfo
            var certTag = new Asn1Tag(TagClass.ContextSpecific, 0, isConstructed: true);
            if (signedData.HasData && signedData.PeekTag().HasSameClassAndValue(certTag))
            {
                // CertificateChoices (RFC 5652 10.2.2): only the plain Certificate choice (a SEQUENCE) is a certificate;
                // extended and attribute certificates ([0] .. [3]) are skipped.
                var set = signedData.ReadSetOf(skipSortOrderValidation: true, expectedTag: certTag);
                int index = 0;
                while (set.HasData)
                {
                    var tag = set.PeekTag();
                    var encoded = set.ReadEncodedValue();
                    if (tag.HasSameClassAndValue(Asn1Tag.Sequence))
                    {
                        try
                        {
                            list.Add(Certificate.Parse(encoded));
                        }
                        catch (CertificateFormatException e)
                        {
                            throw new CliException(Exit.Usage, $"'{source}': PKCS#7 certificate #{index}: {e.Message}");
                        }
                    }
                    index++;
                }
            }
        }
        catch (AsnContentException e)
        {
            throw new CliException(Exit.Usage, $"'{source}' is not a well-formed PKCS#7/CMS SignedData: {e.Message}");
        }
        return list;
    }

    /// <summary>A container's certificates are a set (DER sorts it): put first the one no other certificate
    /// of the set names as its issuer (the leaf), when there is exactly one such.</summary>
    public static List<Certificate> LeafFirst(List<Certificate> certs)
    {
        var leaves = certs.Where(c => !certs.Any(o => !ReferenceEquals(o, c) && !o.IsSelfIssued && o.Issuer.Equals(c.Subject))).ToList();
        if (leaves.Count != 1 || ReferenceEquals(leaves[0], certs[0]))
        {
            return certs;
        }
        return [leaves[0], .. certs.Where(c => !ReferenceEquals(c, leaves[0]))];
    }
}
