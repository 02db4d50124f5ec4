using System.Formats.Asn1;
using System.Net;
using Certitude.Der;

namespace Certitude;

/// <summary>The GeneralName choices of RFC 5280 4.2.1.6.</summary>
public enum GeneralNameKind
{
    /// <summary>otherName [0]</summary>
    OtherName = 0,
    /// <summary>rfc822Name [1]</summary>
    Rfc822Name = 1,
    /// <summary>dNSName [2]</summary>
    DnsName = 2,
    /// <summary>x400Address [3]</summary>
    X400Address = 3,
    /// <summary>directoryName [4]</summary>
    DirectoryName = 4,
    /// <summary>ediPartyName [5]</summary>
    EdiPartyName = 5,
    /// <summary>uniformResourceIdentifier [6]</summary>
    Uri = 6,
    /// <summary>iPAddress [7]</summary>
    IPAddress = 7,
    /// <summary>registeredID [8]</summary>
    RegisteredId = 8,
}

/// <summary>A decoded GeneralName.</summary>
public sealed class GeneralName
{
    internal GeneralName(GeneralNameKind kind, string? text, byte[]? bytes, DistinguishedName? directory, string? oid)
    {
        Kind = kind;
        Text = text;
        Bytes = bytes;
        Directory = directory;
        Oid = oid;
    }

    /// <summary>Which choice this is.</summary>
    public GeneralNameKind Kind { get; }

    /// <summary>The IA5String value of an rfc822Name, dNSName or URI; the UTF8String mailbox of an RFC 9598
    /// SmtpUTF8Mailbox otherName.</summary>
    public string? Text { get; }

    /// <summary>True for an otherName of type id-on-SmtpUTF8Mailbox (RFC 9598 3): an internationalised email
    /// address, in <see cref="Text"/>.</summary>
    public bool IsSmtpUtf8Mailbox => Kind == GeneralNameKind.OtherName && Oid == Der.Oids.SmtpUtf8Mailbox;

    /// <summary>The octets of an iPAddress (4 or 16 for an address; 8 or 32 for a constraint).</summary>
    public byte[]? Bytes { get; }

    /// <summary>The Name of a directoryName.</summary>
    public DistinguishedName? Directory { get; }

    /// <summary>The type-id of an otherName, or the OID of a registeredID.</summary>
    public string? Oid { get; }

    /// <inheritdoc/>
    public override string ToString() => Kind switch
    {
        GeneralNameKind.DnsName => "DNS:" + Text,
        GeneralNameKind.Rfc822Name => "email:" + Text,
        GeneralNameKind.Uri => "URI:" + Text,
        GeneralNameKind.IPAddress => "IP:" + FormatIp(Bytes!),
        GeneralNameKind.DirectoryName => "DirName:" + Directory,
        GeneralNameKind.OtherName when IsSmtpUtf8Mailbox => "SmtpUTF8Mailbox:" + Text,
        GeneralNameKind.OtherName => "othername:" + Oid,
        GeneralNameKind.RegisteredId => "RID:" + Oid,
        _ => Kind.ToString(),
    };

    internal static string FormatIp(byte[] b) => b.Length switch
    {
        4 or 16 => new IPAddress(b).ToString(),
        8 => new IPAddress(b.AsSpan(0, 4)) + "/" + new IPAddress(b.AsSpan(4, 4)),
        32 => new IPAddress(b.AsSpan(0, 16)) + "/" + new IPAddress(b.AsSpan(16, 16)),
        _ => "<" + DistinguishedName.Hex(b) + ">",
    };

    internal static GeneralName Read(ref DerReader reader, string field) => ReadCore(ref reader, field, materialize: true)!;

    /// <summary>Reads one GeneralName with every check; builds the object only when <paramref name="materialize"/>
    /// (validation alone returns null), so parsing can validate what it decodes later. <paramref name="presented"/>:
    /// the name identifies the subject (subjectAltName, issuerAltName), so an empty rfc822Name, dNSName or URI and an
    /// iPAddress of other than 4 or 16 octets are malformed (RFC 5280 4.2.1.6); in a name constraint an empty
    /// name is a subtree and an iPAddress holds an address and a mask.</summary>
    internal static GeneralName? ReadCore(ref DerReader reader, string field, bool materialize, bool presented = false)
    {
        var tag = reader.PeekTag();
        if (tag.TagClass != TagClass.ContextSpecific || tag.TagValue > 8)
        {
            throw new CertificateFormatException(field, $"unexpected GeneralName tag {tag}");
        }
        var kind = (GeneralNameKind)tag.TagValue;
        switch (kind)
        {
            case GeneralNameKind.OtherName:
                {
                    // OtherName ::= SEQUENCE { type-id OBJECT IDENTIFIER, value [0] EXPLICIT ANY DEFINED BY type-id }
                    var seq = reader.ReadSequence(new Asn1Tag(TagClass.ContextSpecific, 0));
                    var typeId = seq.ReadObjectIdentifier();
                    var value = seq.ReadSequence(new Asn1Tag(TagClass.ContextSpecific, 0, true));
                    string? mailbox = null;
                    if (typeId == Oids.SmtpUtf8Mailbox)
                    {
                        // RFC 9598 3: SmtpUTF8Mailbox ::= UTF8String (SIZE (1..MAX)).
                        if (!value.HasData || !value.PeekTag().HasSameClassAndValue(new Asn1Tag(UniversalTagNumber.UTF8String)))
                        {
                            throw new CertificateFormatException(field, "SmtpUTF8Mailbox is not a UTF8String (RFC 9598 3)");
                        }
                        try
                        {
                            mailbox = value.ReadCharacterString(UniversalTagNumber.UTF8String);
                        }
                        catch (AsnContentException)
                        {
                            throw new CertificateFormatException(field, "SmtpUTF8Mailbox is not valid UTF-8 (RFC 9598 3)");
                        }
                        if (mailbox.Length == 0)
                        {
                            throw new CertificateFormatException(field, "SmtpUTF8Mailbox is empty (RFC 9598 3: SIZE (1..MAX))");
                        }
                    }
                    else
                    {
                        value.ReadEncodedValue();
                    }
                    value.ThrowIfNotEmpty();
                    seq.ThrowIfNotEmpty();
                    return materialize ? new GeneralName(kind, mailbox, null, null, typeId) : null;
                }
            case GeneralNameKind.Rfc822Name:
            case GeneralNameKind.DnsName:
            case GeneralNameKind.Uri:
                {
                    // RFC 5280 4.2.1.6: these are IA5String (primitive in DER); a non-ASCII byte is malformed.
                    if (!reader.TryReadPrimitiveOctetString(out var text, new Asn1Tag(TagClass.ContextSpecific, tag.TagValue))
                        || text.Span.IndexOfAnyInRange((byte)0x80, (byte)0xFF) >= 0)
                    {
                        throw new CertificateFormatException(field, $"{kind} is not a valid IA5String");
                    }
                    if (presented && text.IsEmpty)
                    {
                        // RFC 5280 4.2.1.6: a subject's rfc822Name is a Mailbox, its dNSName a domain name (" " and so
                        // the empty name MUST NOT be used), its URI an absolute URI: never empty.
                        throw new CertificateFormatException(field, $"{kind} is empty");
                    }
                    return materialize ? new GeneralName(kind, System.Text.Encoding.ASCII.GetString(text.Span), null, null, null) : null;
                }
            case GeneralNameKind.DirectoryName:
                {
                    var explicitSeq = reader.ReadSequence(new Asn1Tag(TagClass.ContextSpecific, 4, true));
                    var name = DistinguishedName.Read(ref explicitSeq, field + ".directoryName");
                    explicitSeq.ThrowIfNotEmpty();
                    return materialize ? new GeneralName(kind, null, null, name, null) : null;
                }
            case GeneralNameKind.IPAddress:
                {
                    if (!reader.TryReadPrimitiveOctetString(out var bytes, new Asn1Tag(TagClass.ContextSpecific, 7)))
                    {
                        throw new CertificateFormatException(field, "iPAddress must be a primitive OCTET STRING");
                    }
                    if (presented && bytes.Length is not (4 or 16))
                    {
                        // RFC 5280 4.2.1.6: "exactly four octets" (IPv4) or "sixteen octets" (IPv6).
                        throw new CertificateFormatException(field, $"iPAddress has {bytes.Length} octets, not 4 or 16");
                    }
                    return materialize ? new GeneralName(kind, null, bytes.ToArray(), null, null) : null;
                }
            case GeneralNameKind.RegisteredId:
                {
                    var oid = reader.ReadObjectIdentifier(new Asn1Tag(TagClass.ContextSpecific, 8));
                    return materialize ? new GeneralName(kind, null, null, null, oid) : null;
                }
            case GeneralNameKind.X400Address:
                {
                    // ORAddress ::= SEQUENCE { built-in-standard-attributes SEQUENCE, built-in-domain-defined-attributes
                    // SEQUENCE OPTIONAL, extension-attributes SET OPTIONAL } (RFC 5280 appendix A.1), tagged [3] implicitly.
                    var or = reader.ReadSequence(new Asn1Tag(TagClass.ContextSpecific, 3, true));
                    or.ReadSequence();
                    if (or.HasData && or.PeekTag().HasSameClassAndValue(Asn1Tag.Sequence))
                    {
                        or.ReadSequence();
                    }
                    if (or.HasData)
                    {
                        or.ReadSetOf();
                    }
                    or.ThrowIfNotEmpty();
                    return materialize ? new GeneralName(kind, null, null, null, null) : null;
                }
            case GeneralNameKind.EdiPartyName:
                {
                    // EDIPartyName ::= SEQUENCE { nameAssigner [0] DirectoryString OPTIONAL, partyName [1] DirectoryString }
                    // (RFC 5280 4.2.1.6); DirectoryString is a CHOICE, so its tags are explicit.
                    var edi = reader.ReadSequence(new Asn1Tag(TagClass.ContextSpecific, 5, true));
                    if (edi.HasData && edi.PeekTag().HasSameClassAndValue(new Asn1Tag(TagClass.ContextSpecific, 0, true)))
                    {
                        ReadDirectoryString(edi.ReadSequence(new Asn1Tag(TagClass.ContextSpecific, 0, true)), field + ".nameAssigner");
                    }
                    if (!edi.HasData)
                    {
                        throw new CertificateFormatException(field, "ediPartyName has no partyName");
                    }
                    ReadDirectoryString(edi.ReadSequence(new Asn1Tag(TagClass.ContextSpecific, 1, true)), field + ".partyName");
                    edi.ThrowIfNotEmpty();
                    return materialize ? new GeneralName(kind, null, null, null, null) : null;
                }
            default:
                throw new CertificateFormatException(field, $"unexpected GeneralName tag {tag}");
        }
    }

    /// <summary>DirectoryString ::= CHOICE { teletexString, printableString, universalString, utf8String, bmpString }
    /// (RFC 5280 4.1.2.4), the only content of its explicit tag.</summary>
    private static void ReadDirectoryString(DerReader r, string field)
    {
        var t = r.HasData ? r.PeekTag() : default;
        if (t.TagClass != TagClass.Universal || (UniversalTagNumber)t.TagValue is not (UniversalTagNumber.T61String or UniversalTagNumber.PrintableString
            or UniversalTagNumber.UniversalString or UniversalTagNumber.UTF8String or UniversalTagNumber.BMPString))
        {
            throw new CertificateFormatException(field, "is not a DirectoryString");
        }
        if ((UniversalTagNumber)t.TagValue == UniversalTagNumber.UniversalString)
        {
            // UCS-4, which the base library does not decode (X.680 41).
            var encoded = r.ReadEncodedValue().Span;
            AsnDecoder.ReadEncodedValue(encoded, AsnEncodingRules.DER, out int offset, out int length, out _);
            if (t.IsConstructed || !DistinguishedName.TryDecodeUniversalString(encoded.Slice(offset, length), new char[length / 2], out _))
            {
                throw new CertificateFormatException(field, "is not a valid DirectoryString");
            }
            r.ThrowIfNotEmpty();
            return;
        }
        try
        {
            r.ReadCharacterString((UniversalTagNumber)t.TagValue);
        }
        catch (AsnContentException)
        {
            // T61String is not decoded by the base library: its octets only need to be a primitive string.
            if ((UniversalTagNumber)t.TagValue != UniversalTagNumber.T61String || !r.TryReadPrimitiveOctetString(out _, new Asn1Tag(UniversalTagNumber.T61String)))
            {
                throw new CertificateFormatException(field, "is not a valid DirectoryString");
            }
        }
        r.ThrowIfNotEmpty();
    }

    /// <summary>GeneralNames ::= SEQUENCE SIZE (1..MAX) OF GeneralName.</summary>
    internal static GeneralName[] ReadNames(DerReader seq, string field) => ReadNames(seq, field, materialize: true)!;

    /// <summary>GeneralNames, checked; the objects only when <paramref name="materialize"/> (else null).
    /// <paramref name="presented"/>: see <see cref="ReadCore"/>.</summary>
    internal static GeneralName[]? ReadNames(DerReader seq, string field, bool materialize, bool presented = false)
    {
        var list = materialize ? new List<GeneralName>() : null;
        int count = 0;
        while (seq.HasData)
        {
            var name = ReadCore(ref seq, field, materialize, presented);
            list?.Add(name!);
            count++;
        }
        if (count == 0)
        {
            throw new CertificateFormatException(field, "GeneralNames must not be empty (SIZE (1..MAX))");
        }
        return list?.ToArray();
    }

    /// <summary>True when a GeneralNames value (an extension's octets) is well-formed DER holding only
    /// rfc822Name, dNSName, URI (IA5String) and iPAddress entries: the common subjectAltName, which is then
    /// read straight from its bytes and decoded into objects only when asked for. Anything else (other
    /// choices, or anything malformed) returns false and goes through <see cref="ReadNames(DerReader, string)"/>, which
    /// decodes it or throws the typed error.</summary>
    internal static bool IsSimple(ReadOnlySpan<byte> value)
    {
        try
        {
            AsnDecoder.ReadSequence(value, AsnEncodingRules.DER, out int offset, out int length, out int consumed);
            if (consumed != value.Length || length == 0)
            {
                return false;
            }
            var rest = value.Slice(offset, length);
            while (!rest.IsEmpty)
            {
                var tag = Asn1Tag.Decode(rest, out _);
                if (tag.TagClass != TagClass.ContextSpecific || tag.IsConstructed
                    || tag.TagValue is not ((int)GeneralNameKind.Rfc822Name or (int)GeneralNameKind.DnsName or (int)GeneralNameKind.Uri or (int)GeneralNameKind.IPAddress))
                {
                    return false;
                }
                if (!AsnDecoder.TryReadPrimitiveOctetString(rest, AsnEncodingRules.DER, out var content, out int used, tag))
                {
                    return false;
                }
                // Empty names and iPAddresses of other lengths are errors ReadNames reports.
                if (content.IsEmpty || (tag.TagValue == (int)GeneralNameKind.IPAddress && content.Length is not (4 or 16)))
                {
                    return false;
                }
                // RFC 5280 4.2.1.6: IA5String, so every octet is below 0x80.
                if (tag.TagValue != (int)GeneralNameKind.IPAddress && content.IndexOfAnyInRange((byte)0x80, (byte)0xFF) >= 0)
                {
                    return false;
                }
                rest = rest[used..];
            }
            return true;
        }
        catch (AsnContentException)
        {
            return false;
        }
    }
}

/// <summary>Reads the entries of a GeneralNames value that parsing already validated, without allocating:
/// each entry's choice and content octets (the IA5String text or the iPAddress octets for the primitive
/// choices; the constructed choices are returned with their contents and are skipped by callers).</summary>
internal ref struct RawGeneralNames
{
    private ReadOnlySpan<byte> _rest;

    public RawGeneralNames(ReadOnlySpan<byte> value)
    {
        if (value.IsEmpty)
        {
            _rest = default;
            return;
        }
        AsnDecoder.ReadSequence(value, AsnEncodingRules.DER, out int offset, out int length, out _);
        _rest = value.Slice(offset, length);
    }

    public bool Next(out GeneralNameKind kind, out ReadOnlySpan<byte> content)
    {
        if (_rest.IsEmpty)
        {
            kind = default;
            content = default;
            return false;
        }
        var tag = Asn1Tag.Decode(_rest, out _);
        AsnDecoder.ReadEncodedValue(_rest, AsnEncodingRules.DER, out int offset, out int length, out int consumed);
        kind = (GeneralNameKind)tag.TagValue;
        content = _rest.Slice(offset, length);
        _rest = _rest[consumed..];
        return true;
    }

    /// <summary>The mailbox of an otherName's content octets when it is an SmtpUTF8Mailbox (RFC 9598 3), else null.
    /// The certificate's parse already checked the encoding.</summary>
    public static string? SmtpUtf8Mailbox(ReadOnlySpan<byte> otherName)
    {
        try
        {
            var oid = AsnDecoder.ReadObjectIdentifier(otherName, AsnEncodingRules.DER, out int used);
            if (oid != Oids.SmtpUtf8Mailbox)
            {
                return null;
            }
            AsnDecoder.ReadSequence(otherName[used..], AsnEncodingRules.DER, out int offset, out int length, out _, new Asn1Tag(TagClass.ContextSpecific, 0, true));
            return AsnDecoder.ReadCharacterString(otherName.Slice(used + offset, length), AsnEncodingRules.DER, UniversalTagNumber.UTF8String, out _);
        }
        catch (AsnContentException)
        {
            return null;
        }
    }

    /// <summary>True when the IA5String octets equal the (ASCII) text exactly.</summary>
    public static bool TextEquals(ReadOnlySpan<byte> ia5, string text)
    {
        if (ia5.Length != text.Length)
        {
            return false;
        }
        for (int i = 0; i < ia5.Length; i++)
        {
            if (ia5[i] != text[i])
            {
                return false;
            }
        }
        return true;
    }
}
