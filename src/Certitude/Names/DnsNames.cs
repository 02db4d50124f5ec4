using System.Globalization;

namespace Certitude.Names;

/// <summary>DNS name syntax (RFC 1034 3.5 as amended by RFC 1123 2.1) and IDNA conversion (UTS 46).</summary>
internal static class DnsNames
{
    private static readonly IdnMapping Idn = new() { AllowUnassigned = false, UseStd3AsciiRules = true };

    /// <summary>Whether this process's IDNA is UTS 46 with its mapping and validity tables (ICU, or Windows' own). With
    /// globalization invariant mode (DOTNET_SYSTEM_GLOBALIZATION_INVARIANT, common in containers and AOT builds)
    /// <see cref="IdnMapping"/> only applies Punycode, so it would accept fullwidth, soft-hyphen or decomposed
    /// lookalikes of a domain as labels of their own: received U-labels and "xn--" labels in mail domains are
    /// then refused, not judged.</summary>
    internal static bool IdnaValidates => IdnaProbe.Validates;

    /// <summary>Probed on first need only (a mail domain with a non-ASCII or "xn--" label), not when host names
    /// are first checked.</summary>
    private static class IdnaProbe
    {
        public static readonly bool Validates = Probe();

        private static bool Probe()
        {
            try
            {
                // UTS 46 maps U+FF21 FULLWIDTH LATIN CAPITAL LETTER A to "a"; Punycode alone would encode it.
                return Idn.GetAscii("\uFF21") == "a";
            }
            catch (ArgumentException)
            {
                return false;
            }
        }
    }

    /// <summary>An LDH label: 1..63 letters, digits and hyphens, not starting or ending with a hyphen.</summary>
    public static bool IsLdhLabel(ReadOnlySpan<char> label)
    {
        if (label.Length is 0 or > 63 || label[0] == '-' || label[^1] == '-')
        {
            return false;
        }
        foreach (char c in label)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c == '-'))
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>A host name in preferred name syntax, at most 253 characters, whose last label is not all digits
    /// (so that an IPv4 literal is never taken for a DNS name).</summary>
    public static bool IsValidHostname(ReadOnlySpan<char> name)
    {
        if (name.Length is 0 or > 253)
        {
            return false;
        }
        int start = 0;
        ReadOnlySpan<char> last = default;
        while (true)
        {
            int dot = name[start..].IndexOf('.');
            var label = dot < 0 ? name[start..] : name.Slice(start, dot);
            if (!IsLdhLabel(label))
            {
                return false;
            }
            last = label;
            if (dot < 0)
            {
                break;
            }
            start += dot + 1;
        }
        foreach (char c in last)
        {
            if (!char.IsAsciiDigit(c))
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>A presented DNS-ID (subjectAltName dNSName): a host name, optionally with "*." as its
    /// whole left-most label (RFC 6125 6.4.3, CA/B BR 7.1.2.7.12 / "Wildcard Domain Name").</summary>
    public static bool IsValidPresented(ReadOnlySpan<char> name, out bool wildcard)
    {
        wildcard = name.StartsWith("*.", StringComparison.Ordinal);
        return IsValidHostname(wildcard ? name[2..] : name);
    }

    /// <summary>
    /// Turns a reference host name into its canonical A-label form: lower case, one trailing dot
    /// removed, Unicode labels converted with IDNA (UTS 46, STD3 rules). Returns false with a reason
    /// for anything that is not a valid host name.
    /// </summary>
    public static bool TryNormalizeReference(string input, out string ascii, out string reason)
    {
        ascii = "";
        var s = input.EndsWith('.') ? input[..^1] : input;
        if (s.Length == 0)
        {
            reason = "empty host name";
            return false;
        }
        bool allAscii = true;
        foreach (char c in s)
        {
            if (c > 0x7F)
            {
                allAscii = false;
                break;
            }
        }
        if (!allAscii)
        {
            try
            {
                s = Idn.GetAscii(s);
            }
            catch (ArgumentException)
            {
                reason = $"'{Elide.Text(input)}' is not a valid internationalised domain name (UTS 46)";
                return false;
            }
        }
        s = s.ToLowerInvariant();
        if (!IsValidHostname(s))
        {
            reason = $"'{Elide.Text(input)}' is not a valid host name (RFC 1123 letters, digits and hyphens)";
            return false;
        }
        foreach (var label in s.Split('.'))
        {
            if (label.StartsWith("xn--", StringComparison.Ordinal))
            {
                try
                {
                    Idn.GetUnicode(label);
                }
                catch (ArgumentException)
                {
                    reason = $"'{Elide.Text(input)}' has an invalid A-label '{Elide.Text(label)}'";
                    return false;
                }
            }
        }
        reason = "";
        ascii = s;
        return true;
    }

    /// <summary>
    /// RFC 6125 6.4 / RFC 9525 6.3: does a presented DNS-ID match a normalised reference name?
    /// Labels compare case-insensitively; a wildcard is only the whole left-most label, matches
    /// exactly one label, and never stands over a public suffix (CA/B BR 3.2.2.6).
    /// </summary>
    public static bool Matches(ReadOnlySpan<char> presented, string reference)
    {
        // The cheap comparison first: most of a certificate's names are not the one asked for, and
        // only a name that would match needs its syntax checked.
        bool wildcard = presented.StartsWith("*.", StringComparison.Ordinal);
        if (!wildcard)
        {
            return presented.Equals(reference, StringComparison.OrdinalIgnoreCase) && IsValidHostname(presented);
        }
        var baseDomain = presented[2..];
        int dot = reference.IndexOf('.', StringComparison.Ordinal);
        if (dot <= 0 || !reference.AsSpan(dot + 1).Equals(baseDomain, StringComparison.OrdinalIgnoreCase) || !IsValidHostname(baseDomain))
        {
            return false;
        }
        return !PublicSuffixList.IsPublicSuffix(baseDomain.ToString().ToLowerInvariant());
    }

    /// <summary><see cref="Matches(ReadOnlySpan{char}, string)"/> for a dNSName's IA5String octets.</summary>
    public static bool Matches(ReadOnlySpan<byte> presentedIa5, string reference)
    {
        // Only a name of the reference's length, or a wildcard, can match: others are not widened.
        if (presentedIa5.Length != reference.Length && !presentedIa5.StartsWith("*."u8))
        {
            return false;
        }
        Span<char> text = presentedIa5.Length <= 256 ? stackalloc char[presentedIa5.Length] : new char[presentedIa5.Length];
        Widen(presentedIa5, text);
        return Matches(text, reference);
    }

    /// <summary>IsValidPresented for a dNSName's IA5String octets.</summary>
    public static bool IsValidPresented(ReadOnlySpan<byte> presentedIa5)
    {
        Span<char> text = presentedIa5.Length <= 256 ? stackalloc char[presentedIa5.Length] : new char[presentedIa5.Length];
        Widen(presentedIa5, text);
        return IsValidPresented(text, out _);
    }

    /// <summary>IA5String octets (below 0x80, checked when the certificate was parsed) as characters.</summary>
    private static void Widen(ReadOnlySpan<byte> ia5, Span<char> text)
    {
        for (int i = 0; i < ia5.Length; i++)
        {
            text[i] = (char)ia5[i];
        }
    }

    /// <summary>RFC 5280 4.2.1.10: name is the constraint or a subdomain of it (label-wise).</summary>
    public static bool IsWithin(ReadOnlySpan<char> name, ReadOnlySpan<char> constraint)
    {
        if (constraint.Length == 0)
        {
            return true;
        }
        if (name.Length == constraint.Length)
        {
            return name.Equals(constraint, StringComparison.OrdinalIgnoreCase);
        }
        return name.Length > constraint.Length
            && name[^constraint.Length..].Equals(constraint, StringComparison.OrdinalIgnoreCase)
            && name[^(constraint.Length + 1)] == '.';
    }

    public static int CountLabels(ReadOnlySpan<char> s) => s.Length == 0 ? 0 : s.Count('.') + 1;

    /// <summary>Whether every "xn--" label of a host name in preferred syntax is a valid A-label: it decodes to
    /// Unicode that encodes back to the same label (RFC 5890 2.3.2.1; RFC 9549 requires A-labels, not strings
    /// that merely start with "xn--").</summary>
    public static bool HasValidALabels(ReadOnlySpan<char> host)
    {
        foreach (var range in host.Split('.'))
        {
            var label = host[range];
            if (label.Length > 4 && label[..4].Equals("xn--", StringComparison.OrdinalIgnoreCase) && !IsALabel(label.ToString().ToLowerInvariant()))
            {
                return false;
            }
        }
        return true;
    }

    private static bool IsALabel(string label)
    {
        if (!IdnaValidates)
        {
            // Punycode alone accepts the encoding of any string (a soft hyphen, fullwidth letters, U+212A): without
            // UTS 46's tables an A-label cannot be judged, so a received one is refused.
            return false;
        }
        try
        {
            var unicode = Idn.GetUnicode(label);
            return !unicode.Equals(label, StringComparison.Ordinal) && Idn.GetAscii(unicode) == label;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    /// <summary>
    /// The A-label form (lower case) of a domain received in a certificate, where labels are NR-LDH labels,
    /// A-labels or U-labels (RFC 9598 3, RFC 5890 2.3.2): a U-label must be exactly what its A-label decodes
    /// to, so nothing a mapping step would change (upper case, compatibility characters such as U+212A KELVIN
    /// SIGN) is accepted, and no trailing dot. Null when the domain is not such a name.
    /// </summary>
    public static string? ToALabels(string domain)
    {
        if (domain.Length is 0 or > 1024)
        {
            return null;
        }
        var labels = domain.Split('.');
        for (int i = 0; i < labels.Length; i++)
        {
            var label = labels[i];
            if (label.Length == 0)
            {
                return null;
            }
            if (label.AsSpan().ContainsAnyExceptInRange((char)0, (char)0x7F))
            {
                if (!IdnaValidates)
                {
                    return null;
                }
                string ascii;
                try
                {
                    ascii = Idn.GetAscii(label);
                }
                catch (ArgumentException)
                {
                    return null;
                }
                if (!ascii.StartsWith("xn--", StringComparison.Ordinal) || !IsALabel(ascii) || Idn.GetUnicode(ascii) != label)
                {
                    return null;
                }
                labels[i] = ascii;
            }
            else
            {
                labels[i] = label.ToLowerInvariant();
            }
        }
        var joined = string.Join('.', labels);
        return IsValidHostname(joined) && HasValidALabels(joined) ? joined : null;
    }
}
