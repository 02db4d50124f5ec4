using System.Net;
using System.Net.Sockets;

namespace Certitude.Names;

/// <summary>Strict IP address text (RFC 3986 3.2.2 IPv4 dotted decimal; RFC 4291 IPv6) and RFC 5952 rendering.</summary>
internal static class IpAddresses
{
    /// <summary>Parses an IP literal strictly: no "127.1", no octal or hex, no leading zeros, no zone id.</summary>
    public static bool TryParse(string s, out byte[] bytes)
    {
        bytes = [];
        if (s.Contains(':', StringComparison.Ordinal))
        {
            if (s.Contains('%', StringComparison.Ordinal) || s.Contains('[', StringComparison.Ordinal) || s.Contains('/', StringComparison.Ordinal))
            {
                return false;
            }
            if (!IPAddress.TryParse(s, out var a) || a.AddressFamily != AddressFamily.InterNetworkV6)
            {
                return false;
            }
            // An embedded IPv4 tail must itself be strict dotted decimal.
            int lastColon = s.LastIndexOf(':');
            var tail = s[(lastColon + 1)..];
            if (tail.Contains('.', StringComparison.Ordinal) && !TryParseV4(tail, out _))
            {
                return false;
            }
            bytes = a.GetAddressBytes();
            return true;
        }
        return TryParseV4(s, out bytes);
    }

    public static bool TryParseV4(string s, out byte[] bytes)
    {
        bytes = [];
        var parts = s.Split('.');
        if (parts.Length != 4)
        {
            return false;
        }
        var b = new byte[4];
        for (int i = 0; i < 4; i++)
        {
            var p = parts[i];
            if (p.Length is 0 or > 3 || (p.Length > 1 && p[0] == '0'))
            {
                return false;
            }
            int v = 0;
            foreach (char c in p)
            {
                if (!char.IsAsciiDigit(c))
                {
                    return false;
                }
                v = v * 10 + (c - '0');
            }
            if (v > 255)
            {
                return false;
            }
            b[i] = (byte)v;
        }
        bytes = b;
        return true;
    }

    /// <summary>The canonical text: dotted decimal for IPv4, RFC 5952 for IPv6.</summary>
    public static string Canonical(byte[] b) => new IPAddress(b).ToString();

    /// <summary>RFC 5280 4.2.1.10: an iPAddress constraint is address and mask, 8 or 32 octets, with a
    /// contiguous (CIDR) mask.</summary>
    public static bool IsValidConstraint(byte[] c)
    {
        if (c.Length is not (8 or 32))
        {
            return false;
        }
        int half = c.Length / 2;
        bool zeroSeen = false;
        for (int i = half; i < c.Length; i++)
        {
            for (int bit = 7; bit >= 0; bit--)
            {
                bool one = (c[i] & (1 << bit)) != 0;
                if (one && zeroSeen)
                {
                    return false;
                }
                if (!one)
                {
                    zeroSeen = true;
                }
            }
        }
        // Address bits outside the mask are ignored: the mask is applied to both sides when comparing
        // (IsWithin), as OpenSSL, Go and BoringSSL do.
        return true;
    }

    /// <summary>The IPv4 address of an IPv4-mapped IPv6 address ::ffff:a.b.c.d (RFC 4291 2.5.5.2), or null.</summary>
    public static byte[]? MappedIPv4(byte[] address)
    {
        if (address.Length != 16 || address.AsSpan(0, 10).IndexOfAnyExcept((byte)0) >= 0 || address[10] != 0xFF || address[11] != 0xFF)
        {
            return null;
        }
        return address[12..];
    }

    public static bool IsWithin(byte[] address, byte[] constraint)
    {
        int half = constraint.Length / 2;
        if (address.Length != half)
        {
            return false;
        }
        for (int i = 0; i < half; i++)
        {
            if ((address[i] & constraint[half + i]) != (constraint[i] & constraint[half + i]))
            {
                return false;
            }
        }
        return true;
    }
}
