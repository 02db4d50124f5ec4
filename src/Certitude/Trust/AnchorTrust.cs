using System.Formats.Asn1;
using Certitude.Der;

namespace Certitude;

/// <summary>
/// Per-anchor trust settings: the purposes (extended key usage OIDs) a trust anchor is trusted for and
/// those it is rejected for, as OpenSSL keeps them in a <c>TRUSTED CERTIFICATE</c>'s <c>X509_CERT_AUX</c>
/// (<c>openssl x509 -addtrust/-addreject -trustout</c>). Any source may set them (PEM bundles, hashed
/// directories, curated data such as Mozilla's per-purpose trust bits); the path search consults them in
/// one place, when an anchor ends a candidate path. <see cref="Trusted"/> null means "no restriction".
/// </summary>
internal sealed record AnchorTrust(string[]? Trusted, string[] Rejected)
{
    private static readonly Asn1Tag RejectTag = new(TagClass.ContextSpecific, 0, true);
    private static readonly Asn1Tag OtherTag = new(TagClass.ContextSpecific, 1, true);

    /// <summary>Both settings of one certificate met in two places: every restriction applies (rejections
    /// are united; when both restrict the trusted purposes, those either allows are kept).</summary>
    public static AnchorTrust? Merge(AnchorTrust? a, AnchorTrust? b)
    {
        if (a is null || b is null || a == b)
        {
            return a ?? b;
        }
        string[]? trusted = a.Trusted is null ? b.Trusted : b.Trusted is null ? a.Trusted : [.. a.Trusted.Union(b.Trusted, StringComparer.Ordinal)];
        return new AnchorTrust(trusted, [.. a.Rejected.Union(b.Rejected, StringComparer.Ordinal)]);
    }

    /// <summary>
    /// Whether the anchor may end a path for the purposes at hand (null: no particular purpose), as
    /// OpenSSL's <c>X509_check_trust</c> decides: a rejected purpose (or a rejected anyExtendedKeyUsage)
    /// fails; with a list of trusted purposes, the purpose (or anyExtendedKeyUsage) must be on it. With
    /// no particular purpose only anyExtendedKeyUsage itself counts. OpenSSL 3 reports both failures as
    /// X509_V_ERR_CERT_REJECTED (28), and so does Certitude.
    /// </summary>
    public Failure? Check(string[]? purposes, Certificate anchor)
    {
        bool anyCounts = purposes is not null;
        foreach (var purpose in purposes ?? [Oids.AnyExtendedKeyUsage])
        {
            if (Has(Rejected, purpose, anyCounts))
            {
                return new Failure(VerifyCode.CertRejected,
                    $"trust anchor \"{Elide.Value(anchor.Subject)}\" is rejected for {PurposeName(purpose)} by its trust settings", Rule);
            }
            if (Trusted is not null && !Has(Trusted, purpose, anyCounts))
            {
                var list = Trusted.Length == 0 ? "no purpose" : string.Join(", ", Trusted.Select(PurposeName));
                return new Failure(VerifyCode.CertRejected,
                    $"trust anchor \"{Elide.Value(anchor.Subject)}\" is trusted only for {list}, not for {PurposeName(purpose)}", Rule);
            }
        }
        return null;
    }

    private const string Rule = "trust anchor settings (OpenSSL X509_CERT_AUX)";

    private static bool Has(string[] list, string purpose, bool anyCounts)
        => Array.IndexOf(list, purpose) >= 0 || (anyCounts && Array.IndexOf(list, Oids.AnyExtendedKeyUsage) >= 0);

    internal static string PurposeName(string oid) => oid switch
    {
        Oids.AnyExtendedKeyUsage => "anyExtendedKeyUsage",
        Oids.ServerAuth => "serverAuth",
        Oids.ClientAuth => "clientAuth",
        "1.3.6.1.5.5.7.3.3" => "codeSigning",
        "1.3.6.1.5.5.7.3.4" => "emailProtection",
        "1.3.6.1.5.5.7.3.8" => "timeStamping",
        "1.3.6.1.5.5.7.3.9" => "OCSPSigning",
        _ => Elide.Text(oid),
    };

    /// <summary>
    /// Reads the auxiliary trust that follows the certificate in an OpenSSL <c>TRUSTED CERTIFICATE</c>:
    /// <code>
    /// X509_CERT_AUX ::= SEQUENCE {
    ///     trust       SEQUENCE OF OBJECT IDENTIFIER OPTIONAL,
    ///     reject  [0] IMPLICIT SEQUENCE OF OBJECT IDENTIFIER OPTIONAL,
    ///     alias       UTF8String OPTIONAL,
    ///     keyid       OCTET STRING OPTIONAL,
    ///     other   [1] IMPLICIT SEQUENCE OF AlgorithmIdentifier OPTIONAL }
    /// </code>
    /// Strict DER, nothing after it. Null when there is no trust or reject list.
    /// </summary>
    public static AnchorTrust? ParseAux(ReadOnlyMemory<byte> aux)
    {
        if (aux.IsEmpty)
        {
            return null;
        }
        try
        {
            var outer = new AsnReader(aux, AsnEncodingRules.DER);
            var seq = outer.ReadSequence();
            if (outer.HasData)
            {
                throw new CertificateFormatException("trust settings", "data after the trust settings");
            }
            string[]? trusted = null;
            string[] rejected = [];
            if (seq.HasData && seq.PeekTag().HasSameClassAndValue(Asn1Tag.Sequence))
            {
                trusted = ReadOids(seq.ReadSequence());
            }
            if (seq.HasData && seq.PeekTag().HasSameClassAndValue(RejectTag))
            {
                rejected = ReadOids(seq.ReadSequence(RejectTag));
            }
            if (seq.HasData && seq.PeekTag().HasSameClassAndValue(new Asn1Tag(UniversalTagNumber.UTF8String)))
            {
                seq.ReadCharacterString(UniversalTagNumber.UTF8String);
            }
            if (seq.HasData && seq.PeekTag().HasSameClassAndValue(Asn1Tag.PrimitiveOctetString))
            {
                seq.ReadOctetString();
            }
            if (seq.HasData && seq.PeekTag().HasSameClassAndValue(OtherTag))
            {
                seq.ReadSequence(OtherTag);
            }
            if (seq.HasData)
            {
                throw new CertificateFormatException("trust settings", "unexpected field " + seq.PeekTag());
            }
            return trusted is null && rejected.Length == 0 ? null : new AnchorTrust(trusted, rejected);
        }
        catch (AsnContentException e)
        {
            throw new CertificateFormatException("trust settings", "not a DER X509_CERT_AUX: " + e.Message, e);
        }
    }

    private static string[] ReadOids(AsnReader list)
    {
        // A set, so a list of many OIDs costs linear time.
        var oids = new HashSet<string>(StringComparer.Ordinal);
        while (list.HasData)
        {
            oids.Add(list.ReadObjectIdentifier());
        }
        return [.. oids];
    }
}
