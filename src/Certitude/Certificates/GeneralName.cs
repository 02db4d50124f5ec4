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

    /// <summary>The IA5String value of an rfc822Name, dNSName or URI.</summary>
    public string? Text { get; }

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
    /// (validation alone returns null), so parsing can validate what it decodes later.</summary>
    internal static GeneralName? ReadCore(ref DerReader reader, string field, bool materialize)
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
                    var seq = reader.ReadSequence(new Asn1Tag(TagClass.ContextSpecific, 0));
                    var typeId = seq.ReadObjectIdentifier();
                    var value = seq.ReadSequence(new Asn1Tag(TagClass.ContextSpecific, 0, true));
                    value.ReadEncodedValue();
                    value.ThrowIfNotEmpty();
                    seq.ThrowIfNotEmpty();
                    return materialize ? new GeneralName(kind, null, null, null, typeId) : null;
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
                    return materialize ? new GeneralName(kind, null, bytes.ToArray(), null, null) : null;
                }
            case GeneralNameKind.RegisteredId:
                {
                    var oid = reader.ReadObjectIdentifier(new Asn1Tag(TagClass.ContextSpecific, 8));
                    return materialize ? new GeneralName(kind, null, null, null, oid) : null;
                }
            default:
                if (!tag.IsConstructed)
                {
                    throw new CertificateFormatException(field, $"{kind} must be constructed");
                }
                reader.ReadEncodedValue();
                return materialize ? new GeneralName(kind, null, null, null, null) : null;
        }
    }

    /// <summary>GeneralNames ::= SEQUENCE SIZE (1..MAX) OF GeneralName.</summary>
    internal static GeneralName[] ReadNames(DerReader seq, string field) => ReadNames(seq, field, materialize: true)!;

    /// <summary>GeneralNames, checked; the objects only when <paramref name="materialize"/> (else null).</summary>
    internal static GeneralName[]? ReadNames(DerReader seq, string field, bool materialize)
    {
        var list = materialize ? new List<GeneralName>() : null;
        int count = 0;
        while (seq.HasData)
        {
            var name = ReadCore(ref seq, field, materialize);
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
