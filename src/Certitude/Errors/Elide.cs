using System.Globalization;
using System.Numerics;

namespace Certitude;

/// <summary>
/// Decoded values as error messages show them: bounded, whatever the input. A value read from a
/// certificate, CRL or file can be as large as the input, and some renderings are not linear (a
/// BigInteger in decimal is quadratic: a 90 KB INTEGER costs seconds), so every message that prints
/// decoded data goes through here: integers beyond 64 bits are shown by size and leading octets,
/// text beyond <see cref="MaxChars"/> characters is cut with the count of what was left out.
/// </summary>
internal static class Elide
{
    public const int MaxChars = 200;

    /// <summary>Text cut to <see cref="MaxChars"/> characters, saying how many were left out.</summary>
    public static string Text(string? s)
        => s is null ? "" : s.Length <= MaxChars ? s
            : string.Concat(s.AsSpan(0, MaxChars), "... (", (s.Length - MaxChars).ToString(CultureInfo.InvariantCulture), " more characters)");

    /// <summary>Any value's rendering, cut as <see cref="Text"/> cuts.</summary>
    public static string Value(object? o) => Text(o?.ToString());

    /// <summary>An integer: in decimal up to 64 bits, otherwise its size and first octets (never a
    /// decimal conversion of an unbounded number).</summary>
    public static string Integer(BigInteger v)
    {
        int octets = v.GetByteCount();
        if (octets <= 8)
        {
            return v.ToString(CultureInfo.InvariantCulture);
        }
        var bytes = v.ToByteArray(isUnsigned: false, isBigEndian: true);
        return $"a {octets}-octet integer 0x{Convert.ToHexString(bytes, 0, Math.Min(8, bytes.Length))}...";
    }
}
