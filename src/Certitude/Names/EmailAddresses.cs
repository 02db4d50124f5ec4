namespace Certitude.Names;

/// <summary>RFC 5280 4.2.1.6 rfc822Name (an RFC 5321 Mailbox) syntax and 4.2.1.10 constraint matching.</summary>
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
        return DnsNames.IsValidHostname(s.AsSpan(at + 1));
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
