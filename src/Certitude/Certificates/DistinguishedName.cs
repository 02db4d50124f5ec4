using System.Formats.Asn1;
using System.Globalization;
using System.Text;
using Certitude.Der;

namespace Certitude;

/// <summary>One attribute of a relative distinguished name.</summary>
internal readonly record struct NameAttribute(string Oid, Asn1Tag Tag, string? Text, string Normalized, ReadOnlyMemory<byte> RawValue);

/// <summary>
/// An X.501 distinguished name (RFC 5280 4.1.2.4), kept as its DER bytes plus a normalised key used
/// for issuer/subject chaining and directoryName constraints (RFC 5280 7.1: case-insensitive,
/// whitespace-folded comparison of string attributes).
/// </summary>
public sealed class DistinguishedName : IEquatable<DistinguishedName>
{
    private NameAttribute[][]? _rdns;
    private string? _key;
    private readonly int _keyHash;

    private DistinguishedName(ReadOnlyMemory<byte> raw, string? key, int keyHash, NameAttribute[][]? rdns)
    {
        RawData = raw;
        _key = key;
        _keyHash = keyHash;
        _rdns = rdns;
    }

    /// <summary>The attributes, decoded on first use from bytes <see cref="Decode"/> already validated.</summary>
    private NameAttribute[][] Attributes => _rdns ??= ReadAttributes(RawData, "Name");

    /// <summary>"/rdn/rdn..." with each RDN's normalised attributes sorted and joined by '+'.</summary>
    private static string BuildKey(NameAttribute[][] rdns)
    {
        int length = 0;
        foreach (var rdn in rdns)
        {
            length += rdn.Length;
            foreach (var a in rdn)
            {
                length += a.Normalized.Length;
            }
        }
        return string.Create(length, rdns, static (span, rdns) =>
        {
            int pos = 0;
            foreach (var rdn in rdns)
            {
                span[pos++] = '/';
                var parts = rdn;
                if (rdn.Length > 1)
                {
                    parts = (NameAttribute[])rdn.Clone();
                    Array.Sort(parts, static (x, y) => string.CompareOrdinal(x.Normalized, y.Normalized));
                }
                for (int i = 0; i < parts.Length; i++)
                {
                    if (i > 0)
                    {
                        span[pos++] = '+';
                    }
                    parts[i].Normalized.CopyTo(span[pos..]);
                    pos += parts[i].Normalized.Length;
                }
            }
        });
    }

    /// <summary>The DER encoding of the Name.</summary>
    public ReadOnlyMemory<byte> RawData { get; }

    /// <summary>True when the name has no relative distinguished names.</summary>
    public bool IsEmpty => RawData.Length == 2; // an empty DER SEQUENCE: 30 00

    /// <summary>The comparison key (built on first use; equality and hashing use its hash, computed at decoding,
    /// so a name that is only compared with names it differs from never builds the string).</summary>
    internal string NormalizedKey => _key ??= KeyOf(RawData);

    internal IReadOnlyList<NameAttribute[]> Rdns => Attributes;

    /// <summary>The last commonName (2.5.4.3) value, the most specific one, or null when the name has none.</summary>
    public string? CommonName => GetAttributeValues(NameAttributeOids.CommonName).LastOrDefault();

    /// <summary>The text values of every attribute of the given type, in order (e.g. <see cref="NameAttributeOids.CommonName"/>).</summary>
    public IEnumerable<string> GetAttributeValues(string oid)
    {
        if (_rdns is null)
        {
            // Read from the (validated) bytes: only the wanted values become strings.
            return TextsFromBytes(RawData, oid);
        }
        var list = new List<string>(1);
        foreach (var rdn in _rdns)
        {
            foreach (var a in rdn)
            {
                if (a.Oid == oid && a.Text is not null)
                {
                    list.Add(a.Text);
                }
            }
        }
        return list;
    }

    private static List<string> TextsFromBytes(ReadOnlyMemory<byte> raw, string oid)
    {
        var list = new List<string>(1);
        var seq = new DerReader(raw).ReadSequence();
        while (seq.HasData)
        {
            var set = seq.ReadSetOf();
            while (set.HasData)
            {
                var (type, tag, valueRaw) = ReadAttribute(ref set);
                if (type == oid && DecodeString(tag, valueRaw, "Name") is { } text)
                {
                    list.Add(text);
                }
            }
        }
        return list;
    }

    /// <summary>RFC 5280 4.2.1.10: the constraint's RDN sequence is a prefix of this name.</summary>
    internal bool IsWithinSubtree(DistinguishedName constraint)
    {
        if (constraint.Attributes.Length > Attributes.Length)
        {
            return false;
        }
        for (int i = 0; i < constraint.Attributes.Length; i++)
        {
            if (!RdnEquals(constraint.Attributes[i], Attributes[i]))
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>RFC 5280 4.2.1.10, failing closed: the constraint could be a prefix of this name were every attribute
    /// value Certitude cannot compare (a type that is no string type it decodes, e.g. GeneralString, or any value
    /// that is not a string) equal to the constraint's value of the same type at that place. Such a name cannot be
    /// shown to lie outside an excluded subtree.</summary>
    internal bool MayBeWithinSubtree(DistinguishedName constraint)
    {
        if (constraint.Attributes.Length > Attributes.Length)
        {
            return false;
        }
        for (int i = 0; i < constraint.Attributes.Length; i++)
        {
            if (!RdnEquals(constraint.Attributes[i], Attributes[i], uncomparableMatches: true))
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>True when some attribute value of the name is of a type Certitude cannot compare (see
    /// <see cref="MayBeWithinSubtree"/>).</summary>
    internal bool HasUncomparableValue
    {
        get
        {
            foreach (var rdn in Attributes)
            {
                foreach (var a in rdn)
                {
                    if (a.Text is null)
                    {
                        return true;
                    }
                }
            }
            return false;
        }
    }

    /// <summary>Every attribute of the given type with its encoding tag (e.g. to see that an emailAddress is an IA5String).</summary>
    internal IEnumerable<NameAttribute> GetAttributes(string oid)
    {
        foreach (var rdn in Attributes)
        {
            foreach (var a in rdn)
            {
                if (a.Oid == oid)
                {
                    yield return a;
                }
            }
        }
    }

    private static bool RdnEquals(NameAttribute[] a, NameAttribute[] b, bool uncomparableMatches = false)
    {
        if (a.Length != b.Length)
        {
            return false;
        }
        // RFC 5280 7.1: a SET of attributes matches when every attribute has a match.
        foreach (var x in a)
        {
            bool found = false;
            foreach (var y in b)
            {
                if (x.Normalized == y.Normalized || (uncomparableMatches && (x.Text is null || y.Text is null) && x.Oid == y.Oid))
                {
                    found = true;
                    break;
                }
            }
            if (!found)
            {
                return false;
            }
        }
        return true;
    }

    /// <inheritdoc/>
    public bool Equals(DistinguishedName? other)
        => other is not null && (ReferenceEquals(this, other) || (_keyHash == other._keyHash
            // Identical DER is the same name (the usual case: an issuer field copied from the CA's subject);
            // otherwise the RFC 5280 7.1 comparison keys decide.
            && (RawData.Span.SequenceEqual(other.RawData.Span) || NormalizedKey == other.NormalizedKey)));

    /// <inheritdoc/>
    public override bool Equals(object? obj) => Equals(obj as DistinguishedName);

    /// <inheritdoc/>
    public override int GetHashCode() => _keyHash;

    /// <summary>An RFC 4514-style rendering, most significant RDN last (e.g. <c>CN=example, O=Org, C=US</c>).</summary>
    public override string ToString()
    {
        var sb = new StringBuilder();
        for (int i = Attributes.Length - 1; i >= 0; i--)
        {
            if (sb.Length > 0)
            {
                sb.Append(", ");
            }
            sb.AppendJoin('+', Attributes[i].Select(a => ShortName(a.Oid) + "=" + (a.Text ?? "#")));
        }
        return sb.ToString();
    }

    private static string ShortName(string oid) => oid switch
    {
        "2.5.4.3" => "CN",
        "2.5.4.6" => "C",
        "2.5.4.7" => "L",
        "2.5.4.8" => "ST",
        "2.5.4.10" => "O",
        "2.5.4.11" => "OU",
        "2.5.4.5" => "serialNumber",
        "0.9.2342.19200300.100.1.25" => "DC",
        "1.2.840.113549.1.9.1" => "emailAddress",
        _ => oid,
    };

    /// <summary>This name with one more RDN (an encoded [1]-tagged or SET RelativeDistinguishedName) appended,
    /// as RFC 5280 4.2.1.13 builds a name from nameRelativeToCRLIssuer.</summary>
    internal DistinguishedName AppendRdn(ReadOnlyMemory<byte> rdn)
    {
        var w = new AsnWriter(AsnEncodingRules.DER);
        using (w.PushSequence())
        {
            var seq = new DerReader(RawData).ReadSequence();
            while (seq.HasData)
            {
                w.WriteEncodedValue(seq.ReadEncodedValue().Span);
            }
            AsnDecoder.ReadEncodedValue(rdn.Span, AsnEncodingRules.DER, out int offset, out int length, out _);
            var content = new DerReader(rdn.Slice(offset, length));
            using (w.PushSetOf())
            {
                while (content.HasData)
                {
                    w.WriteEncodedValue(content.ReadEncodedValue().Span);
                }
            }
        }
        return Decode(w.Encode(), "nameRelativeToCRLIssuer");
    }

    /// <summary>
    /// OpenSSL's subject hash (X509_NAME_hash_ex), used to name files in hashed certificate
    /// directories: SHA-1 over the canonical encoding of the name (each RDN as a DER SET; string
    /// values as UTF8String, ASCII-lower-cased, leading and trailing white space removed and inner
    /// runs folded to one space; other values unchanged), first four bytes read little-endian.
    /// </summary>
    public uint OpenSslHash()
    {
        var w = new AsnWriter(AsnEncodingRules.DER);
        foreach (var rdn in Attributes)
        {
            using (w.PushSetOf())
            {
                foreach (var a in rdn)
                {
                    using (w.PushSequence())
                    {
                        w.WriteObjectIdentifier(a.Oid);
                        if (a.Text is not null && IsCanonicalisedType(a.Tag))
                        {
                            w.WriteCharacterString(UniversalTagNumber.UTF8String, Encoding.UTF8.GetString(CanonicalBytes(Encoding.UTF8.GetBytes(a.Text))));
                        }
                        else
                        {
                            w.WriteEncodedValue(a.RawValue.Span);
                        }
                    }
                }
            }
        }
        var canon = w.Encode();
        // The canonical form concatenates the RDN SETs: the outer SEQUENCE header is not hashed.
        var digest = System.Security.Cryptography.SHA1.HashData(canon);
        return System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(digest);
    }

    private static bool IsCanonicalisedType(Asn1Tag tag)
        => tag.TagClass == TagClass.Universal && (UniversalTagNumber)tag.TagValue is UniversalTagNumber.UTF8String
            or UniversalTagNumber.BMPString or UniversalTagNumber.UniversalString or UniversalTagNumber.PrintableString
            or UniversalTagNumber.T61String or UniversalTagNumber.IA5String or UniversalTagNumber.VisibleString;

    private static byte[] CanonicalBytes(byte[] utf8)
    {
        static bool Space(byte b) => b is (byte)' ' or (byte)'\t' or (byte)'\n' or 0x0B or 0x0C or (byte)'\r';
        int start = 0, end = utf8.Length;
        while (start < end && Space(utf8[start]))
        {
            start++;
        }
        while (end > start && Space(utf8[end - 1]))
        {
            end--;
        }
        var output = new List<byte>(end - start);
        for (int i = start; i < end;)
        {
            byte b = utf8[i];
            if (b >= 0x80)
            {
                output.Add(b);
                i++;
            }
            else if (Space(b))
            {
                output.Add((byte)' ');
                while (i < end && Space(utf8[i]))
                {
                    i++;
                }
            }
            else
            {
                output.Add(b is >= (byte)'A' and <= (byte)'Z' ? (byte)(b + 32) : b);
                i++;
            }
        }
        return output.ToArray();
    }

    internal static DistinguishedName Read(ref DerReader reader, string field)
    {
        var raw = reader.ReadEncodedValue();
        return Decode(raw, field);
    }

    /// <summary>Decodes and validates a Name. The usual shape (one attribute per RDN) is checked and its
    /// normalised key written in one pass over the bytes, without an object per attribute; the attributes
    /// are decoded when first asked for. A multi-valued RDN takes the general path.</summary>
    internal static DistinguishedName Decode(ReadOnlyMemory<byte> raw, string field)
    {
        var key = new CharWriter(stackalloc char[256]);
        try
        {
            if (!TryWriteKey(raw, field, ref key))
            {
                var rdns = ReadAttributes(raw, field);
                var built = BuildKey(rdns);
                return new DistinguishedName(raw, built, string.GetHashCode(built.AsSpan()), rdns);
            }
            return new DistinguishedName(raw, null, string.GetHashCode(key.Written), null);
        }
        finally
        {
            key.Dispose();
        }
    }

    /// <summary>The key of a name <see cref="Decode"/> accepted.</summary>
    private static string KeyOf(ReadOnlyMemory<byte> raw)
    {
        var key = new CharWriter(stackalloc char[256]);
        try
        {
            return TryWriteKey(raw, "Name", ref key) ? key.ToString() : BuildKey(ReadAttributes(raw, "Name"));
        }
        finally
        {
            key.Dispose();
        }
    }

    /// <summary>Checks the Name and writes its key when every RDN has one attribute; false (key incomplete)
    /// at the first multi-valued RDN, which the general path handles.</summary>
    private static bool TryWriteKey(ReadOnlyMemory<byte> raw, string field, ref CharWriter key)
    {
        var outer = new DerReader(raw);
        var seq = outer.ReadSequence();
        outer.ThrowIfNotEmpty();
        while (seq.HasData)
        {
            var set = seq.ReadSetOf();
            if (!set.HasData)
            {
                // RFC 5280 4.1.2.4: RelativeDistinguishedName ::= SET SIZE (1..MAX)
                throw new CertificateFormatException(field, "empty relative distinguished name");
            }
            var (oid, tag, valueRaw) = ReadAttribute(ref set);
            if (set.HasData)
            {
                return false;
            }
            key.Append('/');
            AppendNormalized(ref key, oid, tag, valueRaw, field);
        }
        return true;
    }

    private static (string Oid, Asn1Tag Tag, ReadOnlyMemory<byte> Value) ReadAttribute(ref DerReader set)
    {
        var atv = set.ReadSequence();
        var oid = atv.ReadObjectIdentifier();
        var tag = atv.PeekTag();
        var valueRaw = atv.ReadEncodedValue();
        atv.ThrowIfNotEmpty();
        return (oid, tag, valueRaw);
    }

    /// <summary>Every attribute as objects (the general decoder; also the lazy one for validated names).</summary>
    private static NameAttribute[][] ReadAttributes(ReadOnlyMemory<byte> raw, string field)
    {
        var outer = new DerReader(raw);
        var seq = outer.ReadSequence();
        outer.ThrowIfNotEmpty();
        var rdns = new List<NameAttribute[]>();
        while (seq.HasData)
        {
            var set = seq.ReadSetOf();
            var attrs = new List<NameAttribute>(1);
            while (set.HasData)
            {
                var (oid, tag, valueRaw) = ReadAttribute(ref set);
                attrs.Add(new NameAttribute(oid, tag, DecodeString(tag, valueRaw, field), NormalizedForm(oid, tag, valueRaw, field), valueRaw));
            }
            if (attrs.Count == 0)
            {
                // RFC 5280 4.1.2.4: RelativeDistinguishedName ::= SET SIZE (1..MAX)
                throw new CertificateFormatException(field, "empty relative distinguished name");
            }
            rdns.Add(attrs.ToArray());
        }
        return rdns.ToArray();
    }

    /// <summary>The attribute's part of a name key, as <see cref="AppendNormalized"/> writes it.</summary>
    private static string NormalizedForm(string oid, Asn1Tag tag, ReadOnlyMemory<byte> valueRaw, string field)
    {
        var w = new CharWriter(stackalloc char[256]);
        try
        {
            AppendNormalized(ref w, oid, tag, valueRaw, field);
            return w.ToString();
        }
        finally
        {
            w.Dispose();
        }
    }

    /// <summary>Writes this attribute's part of the key ("oid=length:normal text" or "oid#HEX"), which is also
    /// what <see cref="NameAttribute.Normalized"/> holds. The length makes the key unambiguous: no value
    /// containing '+' or '/' can make one name's key equal another's (e.g. a single OU "b+2.5.4.3=a" and the
    /// two-valued RDN OU=b + CN=a).</summary>
    private static void AppendNormalized(ref CharWriter key, string oid, Asn1Tag tag, ReadOnlyMemory<byte> valueRaw, string field)
    {
        var value = valueRaw.Span;
        var text = new CharWriter(stackalloc char[256]);
        try
        {
            key.Append(oid);
            if (!DecodeText(tag, value, ref text, field))
            {
                key.Append('#');
                key.AppendHex(value);
            }
            else
            {
                var normal = new CharWriter(stackalloc char[256]);
                try
                {
                    NormalizeInto(text.Written, ref normal);
                    key.Append('=');
                    Span<char> digits = stackalloc char[11];
                    normal.Written.Length.TryFormat(digits, out int n, default, CultureInfo.InvariantCulture);
                    key.Append(digits[..n]);
                    key.Append(':');
                    key.Append(normal.Written);
                }
                finally
                {
                    normal.Dispose();
                }
            }
        }
        finally
        {
            text.Dispose();
        }
    }

    /// <summary>Appends the attribute's text to <paramref name="text"/>; false (nothing written) when the
    /// value is not a string type. The one decoder of attribute text, for keys and attribute objects alike.</summary>
    private static bool DecodeText(Asn1Tag tag, ReadOnlySpan<byte> encoded, ref CharWriter text, string field)
    {
        if (tag.TagClass != TagClass.Universal || tag.IsConstructed)
        {
            return false;
        }
        AsnDecoder.ReadEncodedValue(encoded, AsnEncodingRules.DER, out int offset, out int length, out _);
        var content = encoded.Slice(offset, length);
        var kind = (UniversalTagNumber)tag.TagValue;
        switch (kind)
        {
            case UniversalTagNumber.UniversalString:
                {
                    // A DirectoryString choice (RFC 5280 4.1.2.4) the base library does not decode: UCS-4 (ISO/IEC
                    // 10646), four octets per character, big-endian. At most two UTF-16 units per four octets.
                    if (!TryDecodeUniversalString(content, text.Reserve(content.Length / 2), out int written))
                    {
                        throw new CertificateFormatException(field, "attribute value is not a valid UniversalString (UCS-4 code points, no surrogates)");
                    }
                    text.Advance(written);
                    return true;
                }
            case UniversalTagNumber.UTF8String:
            case UniversalTagNumber.BMPString:
                try
                {
                    // No string type decodes to more characters than it has octets.
                    if (!AsnDecoder.TryReadCharacterString(encoded, text.Reserve(content.Length), AsnEncodingRules.DER, kind, out _, out int written))
                    {
                        // Cannot happen (no encoding yields more characters than octets); keep the general path.
                        var s = AsnDecoder.ReadCharacterString(encoded, AsnEncodingRules.DER, kind, out _);
                        throw new InvalidOperationException($"decoded {s.Length} characters from {content.Length} octets");
                    }
                    text.Advance(written);
                    return true;
                }
                catch (AsnContentException e)
                {
                    throw new CertificateFormatException(field, $"attribute value is not a valid {kind}", e);
                }
            case UniversalTagNumber.PrintableString:
            case UniversalTagNumber.IA5String:
            case UniversalTagNumber.VisibleString:
            case UniversalTagNumber.NumericString:
            case UniversalTagNumber.T61String:
                // Legacy CAs put characters outside the PrintableString repertoire (e.g. '*', '@') into
                // names; the bytes are kept as Latin-1 text so such names still chain.
                {
                    var destination = text.Reserve(content.Length);
                    for (int i = 0; i < content.Length; i++)
                    {
                        destination[i] = (char)content[i];
                    }
                    text.Advance(content.Length);
                    return true;
                }
            default:
                return false;
        }
    }

    /// <summary>UniversalString contents (X.680 41: UCS-4, big-endian) as UTF-16; false when the length is not a
    /// multiple of four or a value is a surrogate or above U+10FFFF (no character). <paramref name="destination"/>
    /// holds at least half as many chars as <paramref name="content"/> has octets.</summary>
    internal static bool TryDecodeUniversalString(ReadOnlySpan<byte> content, Span<char> destination, out int written)
    {
        written = 0;
        if (content.Length % 4 != 0)
        {
            return false;
        }
        for (int i = 0; i < content.Length; i += 4)
        {
            uint cp = System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(content.Slice(i, 4));
            if (!Rune.TryCreate(cp, out var rune))
            {
                return false;
            }
            written += rune.EncodeToUtf16(destination[written..]);
        }
        return true;
    }

    /// <summary>The attribute's text, or null when the value is not a string type (read by
    /// <see cref="DecodeText"/>, so that the key and the attribute objects see the same text).</summary>
    private static string? DecodeString(Asn1Tag tag, ReadOnlyMemory<byte> raw, string field)
    {
        var text = new CharWriter(stackalloc char[256]);
        try
        {
            return DecodeText(tag, raw.Span, ref text, field) ? text.ToString() : null;
        }
        finally
        {
            text.Dispose();
        }
    }

    /// <summary>RFC 4518 (simplified as RFC 5280 7.1 allows). Writes the normal form of <paramref name="s"/>: NFKC (the identity on ASCII, so skipped
    /// there), white space trimmed and inner runs folded to one space, lower case (invariant).</summary>
    private static void NormalizeInto(scoped ReadOnlySpan<char> s, ref CharWriter w)
    {
        if (IsNormalized(s))
        {
            w.Append(s);
            return;
        }
        if (s.ContainsAnyExceptInRange('\0', (char)0x7F))
        {
            s = new string(s).Normalize(NormalizationForm.FormKC);
        }
        bool pendingSpace = false, any = false;
        foreach (var ch in s)
        {
            if (char.IsWhiteSpace(ch))
            {
                pendingSpace = any;
                continue;
            }
            if (pendingSpace)
            {
                w.Append(' ');
                pendingSpace = false;
            }
            w.Append(char.ToLowerInvariant(ch));
            any = true;
        }
    }

    /// <summary>ASCII with no upper case, no white space but single inner spaces: already in normal form.</summary>
    private static bool IsNormalized(ReadOnlySpan<char> s)
    {
        if (s.Length > 0 && (s[0] == ' ' || s[^1] == ' '))
        {
            return false;
        }
        char previous = '\0';
        foreach (char ch in s)
        {
            if (ch > 0x7F || ch is >= 'A' and <= 'Z' || (ch != ' ' && char.IsWhiteSpace(ch)) || (ch == ' ' && previous == ' '))
            {
                return false;
            }
            previous = ch;
        }
        return true;
    }

    internal static string Hex(ReadOnlySpan<byte> b) => Convert.ToHexString(b).ToLower(CultureInfo.InvariantCulture);
}

/// <summary>Object identifiers of common distinguished-name attributes (RFC 5280 4.1.2.4, X.520, RFC 4519),
/// for <see cref="DistinguishedName.GetAttributeValues(string)"/>.</summary>
public static class NameAttributeOids
{
    /// <summary>commonName (CN)</summary>
    public const string CommonName = "2.5.4.3";
    /// <summary>serialNumber</summary>
    public const string SerialNumber = "2.5.4.5";
    /// <summary>countryName (C)</summary>
    public const string Country = "2.5.4.6";
    /// <summary>localityName (L)</summary>
    public const string Locality = "2.5.4.7";
    /// <summary>stateOrProvinceName (ST)</summary>
    public const string StateOrProvince = "2.5.4.8";
    /// <summary>organizationName (O)</summary>
    public const string Organization = "2.5.4.10";
    /// <summary>organizationalUnitName (OU)</summary>
    public const string OrganizationalUnit = "2.5.4.11";
    /// <summary>emailAddress (PKCS #9; deprecated in favour of rfc822Name SANs, RFC 5280 4.1.2.6)</summary>
    public const string EmailAddress = "1.2.840.113549.1.9.1";
    /// <summary>domainComponent (DC, RFC 4519)</summary>
    public const string DomainComponent = "0.9.2342.19200300.100.1.25";
    /// <summary>userId (UID, RFC 4519)</summary>
    public const string UserId = "0.9.2342.19200300.100.1.1";
}
