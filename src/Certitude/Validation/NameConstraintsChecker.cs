using Certitude.Building;
using Certitude.Der;
using Certitude.Names;

namespace Certitude.Validation;

/// <summary>RFC 5280 4.2.1.10 and 6.1.3 (b)-(c): checks the names of one certificate against the
/// name constraints of the CAs above it. Each constraints extension is checked on its own, which is
/// the same as intersecting permitted subtrees and uniting excluded ones (6.1.4 (g)).</summary>
internal static class NameConstraintsChecker
{
    /// <summary>RFC 5280 4.2.1.10: syntax of every subtree; returns a problem or null. A dNSName constraint
    /// with a leading period is RFC 5280's syntax error under <paramref name="strict"/>, and otherwise read
    /// as OpenSSL, Go, BoringSSL and rustls-webpki read it: the subdomains of the host, not the host.</summary>
    public static string? CheckSyntax(NameConstraintsExt nc, bool strict)
    {
        foreach (var st in (nc.Permitted ?? []).Concat(nc.Excluded ?? []))
        {
            var b = st.Base;
            switch (b.Kind)
            {
                // A DNS constraint is a host name ("any DNS name that can be constructed by simply adding zero
                // or more labels to the left-hand side"); outside strict also ".host"; never a wildcard.
                case GeneralNameKind.DnsName when b.Text!.Length > 0 && !DnsNames.IsValidHostname(!strict && b.Text.StartsWith('.') ? b.Text.AsSpan(1) : b.Text):
                    return $"dNSName constraint '{Elide.Text(b.Text)}' is not a valid domain name";
                case GeneralNameKind.IPAddress when !IpAddresses.IsValidConstraint(b.Bytes!):
                    return $"iPAddress constraint {GeneralName.FormatIp(b.Bytes!)} is not an address and contiguous mask";
                case GeneralNameKind.Rfc822Name when !EmailAddresses.IsValidConstraint(b.Text!):
                    return $"rfc822Name constraint '{Elide.Text(b.Text)}' is not a mailbox, host or .domain";
                case GeneralNameKind.Uri when !(b.Text!.StartsWith('.') ? DnsNames.IsValidHostname(b.Text.AsSpan(1)) : DnsNames.IsValidHostname(b.Text)):
                    return $"URI constraint '{Elide.Text(b.Text)}' is not a host or .domain";
                default:
                    break;
            }
        }
        return null;
    }

    /// <summary>Returns the first violation, or null. <paramref name="leaf"/>: the certificate is the path's
    /// end entity; <paramref name="includeCommonName"/>: common names stand for host names (CN fallback).</summary>
    public static Failure? Check(Certificate cert, NameConstraintsExt nc, bool leaf, bool includeCommonName, Budget budget)
    {
        bool hasDnsOrIp = false, hasEmail = false;
        foreach (var n in cert.SubjectAltNames ?? [])
        {
            hasDnsOrIp |= n.Kind is GeneralNameKind.DnsName or GeneralNameKind.IPAddress;
            hasEmail |= n.Kind == GeneralNameKind.Rfc822Name || n.IsSmtpUtf8Mailbox;
            var f = CheckOne(n, nc, budget);
            if (f is not null)
            {
                return f;
            }
            // RFC 9598 6: rfc822Name constraints apply to an SmtpUTF8Mailbox too, by its domain.
            if (n.IsSmtpUtf8Mailbox && CheckSmtpUtf8Mailbox(n.Text!, nc, budget) is { } sf)
            {
                return sf;
            }
            // An IPv4-mapped IPv6 address (RFC 4291 2.5.5.2) reaches the IPv4 host: IPv4 constraints apply too.
            if (n.Kind == GeneralNameKind.IPAddress && IpAddresses.MappedIPv4(n.Bytes!) is { } v4
                && CheckOne(new GeneralName(GeneralNameKind.IPAddress, null, v4, null, null), nc, budget) is { } mf)
            {
                return mf with { Message = mf.Message + $" (IPv4-mapped {n})" };
            }
        }
        // RFC 5280 4.2.1.10: directoryName constraints apply to a non-empty subject ...
        if (!cert.Subject.IsEmpty)
        {
            var f = CheckOne(new GeneralName(GeneralNameKind.DirectoryName, null, null, cert.Subject, null), nc, budget);
            if (f is not null)
            {
                return f;
            }
            // ... and rfc822Name constraints to emailAddress attributes of the subject when the
            // subjectAltName carries no email address.
            if (!hasEmail)
            {
                foreach (var email in cert.Subject.GetAttributeValues(Oids.EmailAddress))
                {
                    f = CheckOne(new GeneralName(GeneralNameKind.Rfc822Name, email, null, null, null), nc, budget);
                    if (f is not null)
                    {
                        return f;
                    }
                }
            }
        }
        // A leaf without subjectAltName whose common name is a host name or an IP address obeys DNS and IP
        // constraints through it, as OpenSSL rules: a client that falls back to the CN must not escape the
        // constraints. With the CN fallback on, so does a leaf whose subjectAltName has no DNS or IP name.
        if (leaf && (!cert.HasSubjectAltNames || (includeCommonName && !hasDnsOrIp)))
        {
            foreach (var cn in cert.Subject.GetAttributeValues(Oids.CommonName))
            {
                GeneralName? asName = IpAddresses.TryParse(cn, out var ip) ? new GeneralName(GeneralNameKind.IPAddress, null, ip, null, null)
                    : DnsNames.IsValidPresented(cn, out _) && (includeCommonName || cn.Contains('.', StringComparison.Ordinal))
                        ? new GeneralName(GeneralNameKind.DnsName, cn, null, null, null) : null;
                if (asName is not null && CheckOne(asName, nc, budget) is { } f)
                {
                    return f with { Message = f.Message + " (subject commonName)" };
                }
            }
        }
        return null;
    }

    private static Failure? CheckOne(GeneralName name, NameConstraintsExt nc, Budget budget)
    {
        const string Rule = "RFC 5280 4.2.1.10";
        var kind = name.Kind;
        if (nc.ForKind(kind) is not var (permitted, excluded))
        {
            return null;
        }
        if (kind is GeneralNameKind.OtherName or GeneralNameKind.X400Address or GeneralNameKind.EdiPartyName or GeneralNameKind.RegisteredId)
        {
            // "the application MUST either process the constraint or reject the certificate".
            return new Failure(VerifyCode.UnsupportedConstraintType, $"{kind} name '{Elide.Value(name)}' is under a {kind} constraint Certitude does not process", Rule);
        }
        var syntax = kind switch
        {
            GeneralNameKind.DnsName => DnsNames.IsValidPresented(name.Text!, out _) ? null : $"dNSName '{Elide.Text(name.Text)}' is malformed",
            GeneralNameKind.IPAddress => name.Bytes!.Length is 4 or 16 ? null : $"iPAddress of {name.Bytes.Length} octets is malformed",
            GeneralNameKind.Rfc822Name => EmailAddresses.IsValidMailbox(name.Text!) ? null : $"rfc822Name '{Elide.Text(name.Text)}' is malformed",
            GeneralNameKind.Uri => UriHost(name.Text!, out var why) is null ? $"URI '{Elide.Text(name.Text)}' {why}" : null,
            _ => null,
        };
        if (syntax is not null)
        {
            return new Failure(VerifyCode.UnsupportedNameSyntax, syntax + " and cannot be checked against name constraints", Rule);
        }
        if (!budget.Comparisons(excluded.Length))
        {
            return budget.Failure;
        }
        foreach (var s in excluded)
        {
            if (Intersects(name, s))
            {
                return new Failure(VerifyCode.ExcludedViolation, $"{Elide.Value(name)} is within excluded subtree {Elide.Value(s)}", Rule);
            }
        }
        if (permitted.Length == 0)
        {
            return null;
        }
        if (!budget.Comparisons(permitted.Length))
        {
            return budget.Failure;
        }
        foreach (var s in permitted)
        {
            if (Within(name, s))
            {
                return null;
            }
        }
        return new Failure(VerifyCode.PermittedViolation, $"{Elide.Value(name)} is not within any permitted subtree", Rule);
    }

    /// <summary>RFC 9598 6: the mailbox's domain, in A-labels (U-labels converted by IDNA), against the rfc822Name
    /// subtrees. A mailbox that is not one, or whose domain is not a valid IDNA host name, cannot be checked and is
    /// an error. An excluded subtree that names one mailbox excludes its whole domain (RFC 9598 6 strips the local
    /// part); a permitted one permits only that mailbox, whose ASCII local part no SmtpUTF8Mailbox has, so it never
    /// widens to the domain (OpenSSL compares local parts too). An SmtpUTF8Mailbox with an all-ASCII local part
    /// (which RFC 9598 3 forbids) is checked exactly as the rfc822Name it should have been.</summary>
    private static Failure? CheckSmtpUtf8Mailbox(string mailbox, NameConstraintsExt nc, Budget budget)
    {
        const string Rule = "RFC 9598 6";
        if (nc.ForKind(GeneralNameKind.Rfc822Name) is not var (permitted, excluded))
        {
            return null;
        }
        if (EmailAddresses.SmtpUtf8Malformed(mailbox) is not null || EmailAddresses.SmtpUtf8Domain(mailbox) is not { } domain)
        {
            return new Failure(VerifyCode.UnsupportedNameSyntax, $"SmtpUTF8Mailbox '{Elide.Text(mailbox)}' is not a mailbox with a valid IDNA domain and cannot be checked against name constraints", Rule);
        }
        int at = mailbox.LastIndexOf('@');
        bool asciiLocal = !mailbox.AsSpan(0, at).ContainsAnyExceptInRange((char)0, (char)0x7F);
        var asAscii = asciiLocal ? mailbox[..at] + "@" + domain : null;
        if (!budget.Comparisons(excluded.Length))
        {
            return budget.Failure;
        }
        foreach (var s in excluded)
        {
            if (asAscii is not null ? EmailAddresses.IsWithin(asAscii, s.Text!) : EmailAddresses.DomainWithin(domain, s.Text!))
            {
                return new Failure(VerifyCode.ExcludedViolation, $"SmtpUTF8Mailbox '{Elide.Text(mailbox)}' (domain {domain}) is within excluded subtree {Elide.Value(s)}", Rule);
            }
        }
        if (permitted.Length == 0)
        {
            return null;
        }
        if (!budget.Comparisons(permitted.Length))
        {
            return budget.Failure;
        }
        foreach (var s in permitted)
        {
            if (asAscii is not null ? EmailAddresses.IsWithin(asAscii, s.Text!) : !s.Text!.Contains('@', StringComparison.Ordinal) && EmailAddresses.DomainWithin(domain, s.Text))
            {
                return null;
            }
        }
        return new Failure(VerifyCode.PermittedViolation, $"SmtpUTF8Mailbox '{Elide.Text(mailbox)}' (domain {domain}) is not within any permitted subtree", Rule);
    }

    /// <summary>Every name the presented name can stand for lies within the subtree.</summary>
    private static bool Within(GeneralName name, GeneralName subtree) => name.Kind switch
    {
        // A wildcard "*.d" stands for one label under d: it is within the subtree when d is
        // (RFC 9525 6.3 wildcard semantics composed with RFC 5280 4.2.1.10).
        GeneralNameKind.DnsName => DnsWithin(name.Text!, subtree.Text!),
        GeneralNameKind.IPAddress => IpAddresses.IsWithin(name.Bytes!, subtree.Bytes!),
        GeneralNameKind.Rfc822Name => EmailAddresses.IsWithin(name.Text!, subtree.Text!),
        GeneralNameKind.Uri => UriWithin(UriHost(name.Text!, out _)!, subtree.Text!),
        GeneralNameKind.DirectoryName => name.Directory!.IsWithinSubtree(subtree.Directory!),
        _ => false,
    };

    /// <summary>Some name the presented name can stand for lies within the subtree. For a wildcard
    /// "*.d" that is: d within the subtree, or the subtree exactly one label under d (CVE-2025-61727).</summary>
    private static bool Intersects(GeneralName name, GeneralName subtree)
    {
        if (name.Kind == GeneralNameKind.DnsName && name.Text!.StartsWith("*.", StringComparison.Ordinal))
        {
            var d = name.Text.AsSpan(2);
            var c = subtree.Text!.AsSpan();
            if (c.StartsWith('.'))
            {
                // A child of d is a proper subdomain of c[1..] exactly when d is within c[1..].
                return DnsNames.IsWithin(d, c[1..]);
            }
            if (DnsNames.IsWithin(d, c))
            {
                return true;
            }
            return c.Length > d.Length + 1 && DnsNames.IsWithin(c, d) && DnsNames.CountLabels(c) == DnsNames.CountLabels(d) + 1;
        }
        return Within(name, subtree);
    }

    /// <summary>Every name <paramref name="name"/> stands for lies in the dNSName subtree: "host" is host and
    /// its subdomains (RFC 5280 4.2.1.10), ".host" only its subdomains. A wildcard "*.d" stands for one
    /// label under d (RFC 9525 6.3 wildcard semantics composed with RFC 5280 4.2.1.10).</summary>
    private static bool DnsWithin(string name, string constraint)
    {
        bool wildcard = name.StartsWith("*.", StringComparison.Ordinal);
        var n = wildcard ? name.AsSpan(2) : name.AsSpan();
        if (constraint.StartsWith('.'))
        {
            var b = constraint.AsSpan(1);
            return DnsNames.IsWithin(n, b) && (wildcard || n.Length > b.Length);
        }
        return DnsNames.IsWithin(n, constraint);
    }

    private static bool UriWithin(string host, string constraint)
        => constraint.StartsWith('.')
            ? host.Length > constraint.Length && host.EndsWith(constraint, StringComparison.OrdinalIgnoreCase)
            : host.Equals(constraint, StringComparison.OrdinalIgnoreCase);

    /// <summary>The host of a URI's authority (RFC 3986 3.2): authority = [ userinfo "@" ] host [ ":" port ],
    /// host = IP-literal / IPv4address / reg-name, port = *DIGIT. An IP literal is returned with its
    /// brackets (it never lies within a URI constraint, which is a domain name). Null when the URI has no
    /// authority or it is malformed; <paramref name="problem"/> says why.</summary>
    internal static string? UriHost(string uri, out string problem)
    {
        problem = "";
        int scheme = uri.IndexOf("://", StringComparison.Ordinal);
        if (scheme <= 0)
        {
            problem = "has no authority (scheme://host)";
            return null;
        }
        var rest = uri.AsSpan(scheme + 3);
        int end = rest.IndexOfAny('/', '?', '#');
        var authority = end < 0 ? rest : rest[..end];
        // userinfo may not hold "@" itself (RFC 3986 3.2.1).
        int at = authority.IndexOf('@');
        if (at >= 0)
        {
            authority = authority[(at + 1)..];
            if (authority.Contains('@'))
            {
                problem = "has more than one '@' in its authority";
                return null;
            }
        }
        ReadOnlySpan<char> host, port;
        if (authority.StartsWith("["))
        {
            int close = authority.IndexOf(']');
            if (close < 0 || !IpAddresses.TryParse(authority[1..close].ToString(), out var ip) || ip.Length != 16)
            {
                problem = "has a malformed IP literal";
                return null;
            }
            host = authority[..(close + 1)];
            var after = authority[(close + 1)..];
            if (after.Length > 0 && after[0] != ':')
            {
                problem = "has text after its IP literal";
                return null;
            }
            port = after.Length > 0 ? after[1..] : [];
        }
        else
        {
            int colon = authority.IndexOf(':');
            host = colon >= 0 ? authority[..colon] : authority;
            port = colon >= 0 ? authority[(colon + 1)..] : [];
            if (!DnsNames.IsValidHostname(host) && !IpAddresses.TryParseV4(host.ToString(), out _))
            {
                problem = "has no valid host name";
                return null;
            }
        }
        // port = *DIGIT (RFC 3986 3.2.3).
        foreach (var ch in port)
        {
            if (ch is < '0' or > '9')
            {
                problem = "has a port that is not a number";
                return null;
            }
        }
        return host.ToString();
    }
}
