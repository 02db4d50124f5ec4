using Certitude.Der;
using System.Collections.Concurrent;
using System.Formats.Asn1;
using System.Numerics;

namespace Certitude.Der;

/// <summary>
/// A strict DER reader over memory, as a struct: the reading methods of <see cref="AsnReader"/> that
/// Certitude uses, each delegating the decoding and its checks to <see cref="AsnDecoder"/>, but without
/// an object per nested structure, and with content returned as slices of the input where the caller
/// keeps it. OBJECT IDENTIFIERs are interned by their content octets (bounded), so a known OID costs no
/// string. Readers that a callee advances are passed by <c>ref</c>.
/// </summary>
internal struct DerReader
{
    private const AsnEncodingRules Der = AsnEncodingRules.DER;
    private const int MaxInternedOids = 4096;
    private static readonly ConcurrentDictionary<byte[], string> InternedOids = new(ByteSequenceComparer.Instance);

    private readonly ReadOnlyMemory<byte> _data;
    private int _position;

    public DerReader(ReadOnlyMemory<byte> data)
    {
        _data = data;
        _position = 0;
    }

    private readonly ReadOnlySpan<byte> Rest => _data.Span[_position..];

    public readonly bool HasData => _position < _data.Length;

    public readonly Asn1Tag PeekTag() => Asn1Tag.Decode(Rest, out _);

    public void ThrowIfNotEmpty()
    {
        if (HasData)
        {
            throw new AsnContentException("unexpected data after the last expected value");
        }
    }

    /// <summary>The whole next TLV, as a slice.</summary>
    public ReadOnlyMemory<byte> ReadEncodedValue()
    {
        AsnDecoder.ReadEncodedValue(Rest, Der, out _, out _, out int consumed);
        var value = _data.Slice(_position, consumed);
        _position += consumed;
        return value;
    }

    public DerReader ReadSequence(Asn1Tag? tag = null)
    {
        AsnDecoder.ReadSequence(Rest, Der, out int offset, out int length, out int consumed, tag);
        var inner = new DerReader(_data.Slice(_position + offset, length));
        _position += consumed;
        return inner;
    }

    /// <summary>A SET OF, its DER sort order checked (X.690 11.6).</summary>
    public DerReader ReadSetOf(Asn1Tag? tag = null)
    {
        AsnDecoder.ReadSetOf(Rest, Der, out int offset, out int length, out int consumed, skipSortOrderValidation: false, tag);
        var inner = new DerReader(_data.Slice(_position + offset, length));
        _position += consumed;
        return inner;
    }

    public string ReadObjectIdentifier(Asn1Tag? tag = null)
    {
        var expected = tag ?? Asn1Tag.ObjectIdentifier;
        var rest = Rest;
        var actual = Asn1Tag.Decode(rest, out _);
        if (actual.HasSameClassAndValue(expected) && !actual.IsConstructed)
        {
            AsnDecoder.ReadEncodedValue(rest, Der, out int offset, out int length, out int consumed);
            var lookup = InternedOids.GetAlternateLookup<ReadOnlySpan<byte>>();
            if (lookup.TryGetValue(rest.Slice(offset, length), out var known))
            {
                _position += consumed;
                return known;
            }
        }
        // First sight (or a wrong tag): the decoder checks and converts; a valid OID is remembered.
        var oid = AsnDecoder.ReadObjectIdentifier(rest, Der, out int used, expected);
        AsnDecoder.ReadEncodedValue(rest, Der, out int contentOffset, out int contentLength, out _);
        if (InternedOids.Count < MaxInternedOids)
        {
            oid = InternedOids.GetOrAdd(rest.Slice(contentOffset, contentLength).ToArray(), oid);
        }
        _position += used;
        return oid;
    }

    public bool ReadBoolean(Asn1Tag? tag = null)
    {
        var value = AsnDecoder.ReadBoolean(Rest, Der, out int consumed, tag);
        _position += consumed;
        return value;
    }

    public BigInteger ReadInteger(Asn1Tag? tag = null)
    {
        var value = AsnDecoder.ReadInteger(Rest, Der, out int consumed, tag);
        _position += consumed;
        return value;
    }

    /// <summary>The INTEGER's content octets (checked minimal), as a slice.</summary>
    public ReadOnlyMemory<byte> ReadIntegerBytes(Asn1Tag? tag = null)
    {
        var content = AsnDecoder.ReadIntegerBytes(Rest, Der, out int consumed, tag);
        // The content octets end the TLV.
        var value = _data.Slice(_position + consumed - content.Length, content.Length);
        _position += consumed;
        return value;
    }

    public byte[] ReadBitString(out int unusedBitCount, Asn1Tag? tag = null)
    {
        var value = AsnDecoder.ReadBitString(Rest, Der, out unusedBitCount, out int consumed, tag);
        _position += consumed;
        return value;
    }

    /// <summary>A BIT STRING's octets as a slice (DER bit strings are primitive; the unused bits are checked zero).</summary>
    public ReadOnlyMemory<byte> ReadBitStringSlice(out int unusedBitCount, Asn1Tag? tag = null)
    {
        if (!AsnDecoder.TryReadPrimitiveBitString(Rest, Der, out unusedBitCount, out var content, out int consumed, tag))
        {
            throw new AsnContentException("a DER BIT STRING must be primitive");
        }
        var value = _data.Slice(_position + consumed - content.Length, content.Length);
        _position += consumed;
        return value;
    }

    public byte[] ReadOctetString(Asn1Tag? tag = null)
    {
        var value = AsnDecoder.ReadOctetString(Rest, Der, out int consumed, tag);
        _position += consumed;
        return value;
    }

    /// <summary>A primitive OCTET STRING's octets as a slice; false (nothing read) for a constructed one.</summary>
    public bool TryReadPrimitiveOctetString(out ReadOnlyMemory<byte> value, Asn1Tag? tag = null)
    {
        if (!AsnDecoder.TryReadPrimitiveOctetString(Rest, Der, out var content, out int consumed, tag))
        {
            value = default;
            return false;
        }
        value = _data.Slice(_position + consumed - content.Length, content.Length);
        _position += consumed;
        return true;
    }

    public string ReadCharacterString(UniversalTagNumber encodingType, Asn1Tag? tag = null)
    {
        var value = AsnDecoder.ReadCharacterString(Rest, Der, encodingType, out int consumed, tag);
        _position += consumed;
        return value;
    }

    public TEnum ReadEnumeratedValue<TEnum>(Asn1Tag? tag = null) where TEnum : Enum
    {
        var value = AsnDecoder.ReadEnumeratedValue<TEnum>(Rest, Der, out int consumed, tag);
        _position += consumed;
        return value;
    }

    public void ReadNull(Asn1Tag? tag = null)
    {
        AsnDecoder.ReadNull(Rest, Der, out int consumed, tag);
        _position += consumed;
    }
}
