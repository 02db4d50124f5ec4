using System.Formats.Asn1;

namespace Certitude.Tls;

/// <summary>
/// What a caIssuers URL may serve (RFC 5280 4.2.2.1): "a single DER encoded certificate" or "a collection of
/// certificates in a BER or DER encoded 'certs-only' CMS message" (RFC 5652 5.1: SignedData with no signers and
/// no content). Anything else is refused with the reason. Each certificate is parsed by Certitude's strict parser;
/// what is parsed here is only the envelope.
/// </summary>
internal static class CertsOnlyPkcs7
{
    private const string SignedData = "1.2.840.113549.1.7.2";

    /// <summary>At most this many certificates are taken from one response.</summary>
    public const int MaxCertificates = 16;

    /// <summary>The certificates in a response body and its format ("DER" or "PKCS#7"), or the reason it is refused.</summary>
    public static (Certificate[] Certificates, string? Format, string? Refusal) Read(ReadOnlyMemory<byte> body)
    {
        if (body.IsEmpty)
        {
            return ([], null, "refused: the response is empty");
        }
        if (Pem.LooksLikePem(body.Span))
        {
            return ([], null, "refused: the response is PEM text; RFC 5280 4.2.2.1 allows a DER certificate or a certs-only PKCS#7 only");
        }
        // Certificate ::= SEQUENCE { tbsCertificate SEQUENCE, ... }; ContentInfo ::= SEQUENCE { contentType OID, ... }.
        bool cms;
        try
        {
            var outer = new AsnReader(body, AsnEncodingRules.BER).ReadSequence();
            cms = outer.PeekTag().HasSameClassAndValue(Asn1Tag.ObjectIdentifier);
        }
        catch (AsnContentException e)
        {
            return ([], null, $"refused: neither a DER certificate nor a certs-only PKCS#7 ({e.Message})");
        }
        try
        {
            return cms ? (ReadCms(body), "PKCS#7", null) : ([Certificate.Parse(body)], "DER", null);
        }
        catch (CertificateFormatException e)
        {
            return ([], null, $"refused: a malformed certificate ({e.Message})");
        }
        catch (AsnContentException e)
        {
            return ([], null, $"refused: not a certs-only PKCS#7 ({e.Message})");
        }
        catch (FormatException e)
        {
            return ([], null, $"refused: {e.Message}");
        }
    }

    private static Certificate[] ReadCms(ReadOnlyMemory<byte> body)
    {
        var reader = new AsnReader(body, AsnEncodingRules.BER);
        var contentInfo = reader.ReadSequence();
        reader.ThrowIfNotEmpty();
        var type = contentInfo.ReadObjectIdentifier();
        if (type != SignedData)
        {
            throw new FormatException($"a CMS message of type {type}, not SignedData (RFC 5652 5.1)");
        }
        var explicitContent = contentInfo.ReadSequence(new Asn1Tag(TagClass.ContextSpecific, 0));
        contentInfo.ThrowIfNotEmpty();
        var signedData = explicitContent.ReadSequence();
        explicitContent.ThrowIfNotEmpty();
        _ = signedData.ReadInteger(); // version
        _ = signedData.ReadSetOf(); // digestAlgorithms
        var encap = signedData.ReadSequence();
        _ = encap.ReadObjectIdentifier();
        if (encap.HasData)
        {
            // Certs-only messages carry no content (RFC 8551 3.6); some encoders write an empty eContent, which is no content.
            var explicitContent0 = encap.ReadSequence(new Asn1Tag(TagClass.ContextSpecific, 0));
            encap.ThrowIfNotEmpty();
            if (explicitContent0.ReadOctetString().Length != 0 || explicitContent0.HasData)
            {
                throw new FormatException("a SignedData with content, not certs-only");
            }
        }
        var certificates = new List<Certificate>();
        var certsTag = new Asn1Tag(TagClass.ContextSpecific, 0, isConstructed: true);
        if (signedData.HasData && signedData.PeekTag().HasSameClassAndValue(certsTag))
        {
            var set = signedData.ReadSetOf(skipSortOrderValidation: true, expectedTag: certsTag);
            while (set.HasData)
            {
                var tag = set.PeekTag();
                var encoded = set.ReadEncodedValue();
                // CertificateChoices: only the plain Certificate (a SEQUENCE); attribute and other certificates are skipped.
                if (tag.HasSameClassAndValue(Asn1Tag.Sequence))
                {
                    if (certificates.Count == MaxCertificates)
                    {
                        throw new FormatException($"more than {MaxCertificates} certificates");
                    }
                    certificates.Add(Certificate.Parse(encoded));
                }
            }
        }
        if (signedData.HasData && signedData.PeekTag().HasSameClassAndValue(new Asn1Tag(TagClass.ContextSpecific, 1, isConstructed: true)))
        {
            signedData.ReadEncodedValue(); // crls, unused here
        }
        var signers = signedData.ReadSetOf(skipSortOrderValidation: true);
        signedData.ThrowIfNotEmpty();
        if (signers.HasData)
        {
            throw new FormatException("a signed SignedData, not certs-only (RFC 5280 4.2.2.1)");
        }
        if (certificates.Count == 0)
        {
            throw new FormatException("a certs-only PKCS#7 with no certificate");
        }
        return [.. certificates];
    }
}
