namespace Certitude.Names;

/// <summary>RFC 5280 4.2.1.6 rfc822Name (an RFC 5321 Mailbox) syntax and 4.2.1.10 constraint matching, as updated
/// by RFC 9549 (domains in A-labels) and RFC 9598 (SmtpUTF8Mailbox, internationalised addresses).</summary>
internal static class EmailAddresses
{
    /// <summary>local-part "@" domain, exactly one unquoted '@', a non-empty local part of printable
    /// ASCII and a valid host name.</summary>
    public static bool IsValidMailbox(string s)
    {
        int at = s.IndexOf('@', StringComparison.Ordinal);
        if (at <= 0 || at != s.LastIndexOf('@') || at == s.Length - 1)
        {
            return false;
        }
        foreach (char c in s.AsSpan(0, at))
        {
            if (c <= ' ' || c >= 0x7F || c is '(' or ')' or '<' or '>' or ',' or ';' or ':' or '\\' or '"' or '[' or ']')
            {
                return false;
            }
        }
        // RFC 9549 4.1: the domain is in A-label form, so an "xn--" label must be a real A-label.
        return DnsNames.IsValidHostname(s.AsSpan(at + 1)) && DnsNames.HasValidALabels(s.AsSpan(at + 1));
    }

    /// <summary>Why an SmtpUTF8Mailbox value is not a mailbox at all, or null: exactly one '@' between a non-empty
    /// local part without controls, spaces or RFC 5322 specials and a domain that IDNA turns into a host name
    /// (<see cref="SmtpUtf8Domain"/>). Such a name can never be matched or checked.</summary>
    public static string? SmtpUtf8Malformed(string s)
    {
        int at = s.IndexOf('@', StringComparison.Ordinal);
        if (at <= 0 || at != s.LastIndexOf('@') || at == s.Length - 1)
        {
            return "is not local-part@domain with one '@'";
        }
        foreach (char c in s.AsSpan(0, at))
        {
            if (c <= ' ' || c == 0x7F || char.IsControl(c) || char.IsWhiteSpace(c) || c is '(' or ')' or '<' or '>' or ',' or ';' or ':' or '\\' or '"' or '[' or ']')
            {
                return "has a local part with a control character, space or special";
            }
        }
        return SmtpUtf8Domain(s) is null ? "has a domain that is not a valid host name" : null;
    }

    /// <summary>How a well-formed SmtpUTF8Mailbox breaks the encoding rules of RFC 9598 3, or null: a byte order mark
    /// (MUST NOT), an all-ASCII local part (an rfc822Name MUST be used instead), labels with non-ASCII characters
    /// (MUST be stored as A-labels), upper-case domain labels (SHALL be lower case). These are the issuing CA's
    /// duties: Certitude compares the domain after IDNA and applies rfc822Name constraints to the mailbox whatever
    /// its form, so a relying party loses nothing.</summary>
    public static string? SmtpUtf8FormProblem(string s)
    {
        if (s.StartsWith('\uFEFF'))
        {
            return "begins with a byte order mark";
        }
        int at = s.LastIndexOf('@');
        if (at <= 0)
        {
            return null;
        }
        if (!s.AsSpan(0, at).ContainsAnyExceptInRange((char)0, (char)0x7F))
        {
            return "has an all-ASCII local part (it MUST be an rfc822Name)";
        }
        var domain = s.AsSpan(at + 1);
        if (domain.ContainsAnyExceptInRange((char)0, (char)0x7F))
        {
            return "has a domain with non-ASCII labels (they MUST be stored as A-labels)";
        }
        return domain.ContainsAnyInRange('A', 'Z') ? "has a domain with upper-case letters (its labels SHALL be lower case)" : null;
    }

    /// <summary>The domain of an SmtpUTF8Mailbox in A-label form, for comparison (RFC 9598 5, 6): U-labels are
    /// converted by IDNA, and only a domain whose U-labels are exactly IDNA's is accepted. Null when the mailbox has
    /// no usable domain.</summary>
    public static string? SmtpUtf8Domain(string mailbox)
    {
        int at = mailbox.LastIndexOf('@');
        return at <= 0 || at == mailbox.Length - 1 ? null : DnsNames.ToALabels(mailbox[(at + 1)..]);
    }

    /// <summary>RFC 9598 6: an rfc822Name constraint applies to an SmtpUTF8Mailbox by its domain alone (the local
    /// part is stripped from both): the host itself, or ".domain" for the hosts under it. <paramref name="asciiDomain"/>
    /// is in A-labels, as rfc822Name constraints are. (The caller never lets a permitted constraint naming one mailbox
    /// widen to its domain.)</summary>
    public static bool DomainWithin(string asciiDomain, string constraint)
    {
        int at = constraint.LastIndexOf('@');
        var c = at >= 0 ? constraint.AsSpan(at + 1) : constraint.AsSpan();
        if (c.StartsWith('.'))
        {
            return asciiDomain.Length > c.Length - 1 && asciiDomain.AsSpan().EndsWith(c, StringComparison.OrdinalIgnoreCase);
        }
        return asciiDomain.AsSpan().Equals(c, StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>The comparison form of a reference email address: the local part as given, the domain in
    /// A-labels (IDNA, as for host names), or null with a reason. An all-ASCII address must be a valid mailbox;
    /// an internationalised one (RFC 6531) needs a local part without controls, spaces or specials.</summary>
    public static string? NormalizeReference(string address, out string reason)
    {
        reason = "";
        int at = address.LastIndexOf('@');
        if (at <= 0 || at == address.Length - 1 || address.IndexOf('@', StringComparison.Ordinal) != at)
        {
            reason = $"'{Elide.Text(address)}' is not a valid email address";
            return null;
        }
        if (!DnsNames.TryNormalizeReference(address[(at + 1)..], out var domain, out var why))
        {
            reason = $"'{Elide.Text(address)}' has an invalid domain: {why}";
            return null;
        }
        var normalized = address[..at] + "@" + domain;
        bool ascii = !address.AsSpan(0, at).ContainsAnyExceptInRange((char)0, (char)0x7F);
        if (ascii ? !IsValidMailbox(normalized) : SmtpUtf8Malformed(normalized) is not null)
        {
            reason = $"'{Elide.Text(address)}' is not a valid email address";
            return null;
        }
        return normalized;
    }

    /// <summary>Whether a presented SmtpUTF8Mailbox names the reference address (RFC 9598 5): the local part
    /// octet for octet, the domain in A-labels without regard to ASCII case.</summary>
    public static bool MatchesSmtpUtf8(string presented, string reference)
    {
        int at = presented.LastIndexOf('@');
        int rat = reference.LastIndexOf('@');
        if (at <= 0 || rat <= 0 || !presented.AsSpan(0, at).SequenceEqual(reference.AsSpan(0, rat)) || SmtpUtf8Domain(presented) is not { } domain)
        {
            return false;
        }
        return domain.AsSpan().Equals(reference.AsSpan(rat + 1), StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>A constraint is a mailbox, a host, or ".domain" for every host under it.</summary>
    public static bool IsValidConstraint(string c)
    {
        if (c.Contains('@', StringComparison.Ordinal))
        {
            return IsValidMailbox(c);
        }
        var host = c.StartsWith('.') ? c.AsSpan(1) : c.AsSpan();
        return DnsNames.IsValidHostname(host);
    }

    public static bool IsWithin(string mailbox, string constraint)
    {
        int at = mailbox.IndexOf('@', StringComparison.Ordinal);
        var host = mailbox.AsSpan(at + 1);
        if (constraint.Contains('@', StringComparison.Ordinal))
        {
            int cat = constraint.IndexOf('@', StringComparison.Ordinal);
            // The local part is case-sensitive (RFC 5321 2.4), the host is not.
            return mailbox.AsSpan(0, at).SequenceEqual(constraint.AsSpan(0, cat))
                && host.Equals(constraint.AsSpan(cat + 1), StringComparison.OrdinalIgnoreCase);
        }
        if (constraint.StartsWith('.'))
        {
            return host.Length > constraint.Length - 1 && host.EndsWith(constraint, StringComparison.OrdinalIgnoreCase);
        }
        return host.Equals(constraint, StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>Exact match of a reference address against a presented one (host case-insensitive).</summary>
    public static bool Matches(string presented, string reference)
        => IsValidMailbox(presented) && IsWithin(reference, presented);
}
