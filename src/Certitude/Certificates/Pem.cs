using System.Buffers;

namespace Certitude;

/// <summary>RFC 7468 PEM reading (strict base64, explicit labels).</summary>
internal static class Pem
{
    private const string Begin = "-----BEGIN ";
    private const string Dashes = "-----";

    /// <summary>
    /// PEM or DER, decided by the first bytes: input that is one whole DER SEQUENCE is DER, whatever text
    /// it carries inside (a certificate may hold PEM text in an extension and must not be read as the
    /// certificate embedded there); otherwise PEM when it has a BEGIN line (RFC 7468 2 allows text before it).
    /// </summary>
    public static bool LooksLikePem(ReadOnlySpan<byte> data)
    {
        if (IsDerSequence(data))
        {
            return false;
        }
        var needle = "-----BEGIN "u8;
        return data.IndexOf(needle) >= 0;
    }

    private static bool IsDerSequence(ReadOnlySpan<byte> data)
    {
        if (data.Length < 2 || data[0] != 0x30)
        {
            return false;
        }
        try
        {
            System.Formats.Asn1.AsnDecoder.ReadEncodedValue(data, System.Formats.Asn1.AsnEncodingRules.DER, out _, out _, out int consumed);
            return consumed == data.Length;
        }
        catch (System.Formats.Asn1.AsnContentException)
        {
            return false;
        }
    }

    /// <summary>Characters examined to number lines (tests: reading stays linear in the input).</summary>
    [ThreadStatic]
    internal static long LineCountWork;

    /// <summary>Every CERTIFICATE block; other labels (keys, parameters) are skipped.</summary>
    public static List<byte[]> ReadCertificates(string text, string? source)
        => ReadBlocks(text, source, "CERTIFICATE");

    /// <summary>One PEM block, or what was wrong with it.</summary>
    internal sealed record Block(string Label, byte[] Data, int Line, string? Error);

    /// <summary>Every block of a PEM text, in order, each with its label and line; a block that cannot be
    /// decoded is returned with its error (the caller decides whether that is fatal).</summary>
    public static IEnumerable<Block> ReadAll(string text)
    {
        int pos = 0;
        // Lines are counted from where the previous block's count stopped, never from the start again,
        // so reading is linear in the input (many small blocks would otherwise cost quadratic time).
        int counted = 0, line = 1;
        while (true)
        {
            int b = text.IndexOf(Begin, pos, StringComparison.Ordinal);
            if (b < 0)
            {
                yield break;
            }
            line += text.AsSpan(counted, b - counted).Count('\n');
            LineCountWork += b - counted;
            counted = b;
            int labelEnd = text.IndexOf(Dashes, b + Begin.Length, StringComparison.Ordinal);
            if (labelEnd < 0)
            {
                yield return new Block("", [], line, "unterminated BEGIN line");
                yield break;
            }
            string label = text[(b + Begin.Length)..labelEnd];
            string endLine = "-----END " + label + Dashes;
            int bodyStart = labelEnd + Dashes.Length;
            int e = text.IndexOf(endLine, bodyStart, StringComparison.Ordinal);
            if (e < 0)
            {
                yield return new Block(label, [], line, $"{Elide.Text(label)} block has no matching END line");
                yield break;
            }
            var data = Decode(text.AsSpan(bodyStart, e - bodyStart));
            yield return data is not null
                ? new Block(label, data, line, null)
                : new Block(label, [], line, $"{Elide.Text(label)} block is not valid base64");
            pos = e + endLine.Length;
        }
    }

    /// <summary>A block's body decoded as strict base64 once whitespace is removed (RFC 7468 3), or null
    /// when it is not valid base64. One pass over the body and one array for the result.</summary>
    private static byte[]? Decode(ReadOnlySpan<char> body)
    {
        char[]? rented = null;
        Span<char> chars = body.Length <= 2048 ? stackalloc char[2048] : (rented = ArrayPool<char>.Shared.Rent(body.Length));
        try
        {
            int n = 0;
            foreach (char c in body)
            {
                if (!char.IsWhiteSpace(c))
                {
                    chars[n++] = c;
                }
            }
            var buffer = new byte[n / 4 * 3];
            if (!Convert.TryFromBase64Chars(chars[..n], buffer, out int written))
            {
                return null;
            }
            return written == buffer.Length ? buffer : buffer[..written];
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<char>.Shared.Return(rented);
            }
        }
    }

    /// <summary>The blocks with the wanted label; a malformed block of any label is an error naming it.</summary>
    public static List<byte[]> ReadBlocks(string text, string? source, string wanted)
    {
        var result = new List<byte[]>();
        int index = 0;
        foreach (var block in ReadAll(text))
        {
            if (block.Error is not null)
            {
                throw new CertificateFormatException("PEM", $"block #{index} (line {block.Line}): {block.Error}", null, source, block.Label == wanted ? result.Count : null);
            }
            if (block.Label == wanted)
            {
                result.Add(block.Data);
            }
            index++;
        }
        return result;
    }
}
