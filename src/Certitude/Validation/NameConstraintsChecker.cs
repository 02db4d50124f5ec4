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
                // RFC 9598 6 asks CAs for rfc822Name constraints only; an SmtpUTF8Mailbox one is still a mail constraint,
                // which Certitude reads as a mailbox, host or .domain whose domain IDNA turns into A-labels.
                case GeneralNameKind.OtherName when b.IsSmtpUtf8Mailbox && MailSubtree.Of(b) is null:
                    return $"SmtpUTF8Mailbox constraint '{Elide.Text(b.Text)}' is not a mailbox, host or .domain";
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
            // RFC 9598 6: rfc822Name (and SmtpUTF8Mailbox) constraints apply to both forms of mailbox, by domain.
            if (n.Kind == GeneralNameKind.Rfc822Name || n.IsSmtpUtf8Mailbox)
            {
                if (CheckMailbox(n.Text!, n.IsSmtpUtf8Mailbox ? MailForm.SmtpUtf8Mailbox : MailForm.Rfc822Name, nc, budget) is { } mailFailure)
                {
                    return mailFailure;
                }
                // Other otherName constraints (not SmtpUTF8Mailbox) still meet an SmtpUTF8Mailbox as an otherName.
                if (n.Kind == GeneralNameKind.Rfc822Name || !HasOtherNameConstraintsBesidesMail(nc))
                {
                    continue;
                }
            }
            var f = CheckOne(n, nc, budget);
            if (f is not null)
            {
                return f;
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
            if (!hasEmail && MailSubtrees(nc) is not null)
            {
                foreach (var email in cert.Subject.GetAttributes(Oids.EmailAddress))
                {
                    // PKCS #9 (RFC 2985 5.2.1): emailAddress is an IA5String. A value of another type (an OCTET STRING,
                    // a UTF8String) is not a mailbox Certitude can compare with the subtrees: it fails, never passes.
                    if (email.Tag.TagClass != System.Formats.Asn1.TagClass.Universal || email.Tag.IsConstructed
                        || email.Tag.TagValue != (int)System.Formats.Asn1.UniversalTagNumber.IA5String || email.Text is null)
                    {
                        return new Failure(VerifyCode.UnsupportedNameSyntax,
                            $"the subject's emailAddress is {DescribeTag(email.Tag)}, not an IA5String, and cannot be checked against rfc822Name constraints", "RFC 5280 4.2.1.10");
                    }
                    f = CheckMailbox(email.Text, MailForm.SubjectEmailAddress, nc, budget);
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
            // A common name of a type Certitude cannot read as text (GeneralString, an OCTET STRING) may be read as a
            // host name by another parser: under DNS or IP constraints it cannot be shown to lie outside them.
            if ((nc.ForKind(GeneralNameKind.DnsName) is not null || nc.ForKind(GeneralNameKind.IPAddress) is not null)
                && cert.Subject.GetAttributes(Oids.CommonName).Any(a => a.Text is null))
            {
                return new Failure(VerifyCode.UnsupportedNameSyntax,
                    "the subject commonName is no string Certitude can compare and cannot be checked against dNSName and iPAddress constraints", "RFC 5280 4.2.1.10");
            }
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
            // A value Certitude cannot compare (not a string type it decodes) cannot be shown to lie outside the subtree.
            if (kind == GeneralNameKind.DirectoryName && name.Directory!.MayBeWithinSubtree(s.Directory!))
            {
                return new Failure(VerifyCode.UnsupportedNameSyntax,
                    $"{Elide.Value(name)} has an attribute value that is no string Certitude can compare, so it cannot be shown to lie outside excluded subtree {Elide.Value(s)}", Rule);
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

    /// <summary>Where a mailbox came from: the forms differ only in their syntax and in how their domain is read.</summary>
    private enum MailForm
    {
        Rfc822Name,
        SmtpUtf8Mailbox,
        SubjectEmailAddress,
    }

    /// <summary>One mail subtree (an rfc822Name constraint, or an SmtpUTF8Mailbox otherName one) in comparison form:
    /// the local part when it names a mailbox, and the domain in A-labels (".domain" for the hosts under it).</summary>
    private sealed record MailSubtree(GeneralName Base, string? Local, string Domain)
    {
        public static MailSubtree? Of(GeneralName b)
        {
            var text = b.Text!;
            int at = text.LastIndexOf('@');
            string? local = at >= 0 ? text[..at] : null;
            var domain = at >= 0 ? text[(at + 1)..] : text;
            if (b.Kind == GeneralNameKind.Rfc822Name)
            {
                return new MailSubtree(b, local, domain);
            }
            // SmtpUTF8Mailbox: a mailbox, a host or ".domain", the domain turned into A-labels by IDNA.
            if (local is not null && EmailAddresses.SmtpUtf8Malformed(text) is not null)
            {
                return null;
            }
            bool dot = local is null && domain.StartsWith('.');
            return DnsNames.ToALabels(dot ? domain[1..] : domain) is { } ascii && DnsNames.IsValidHostname(ascii)
                ? new MailSubtree(b, local, dot ? "." + ascii : ascii) : null;
        }

        public override string ToString() => Base.ToString();
    }

    private sealed record MailSubtreeSet(MailSubtree[] Permitted, MailSubtree[] Excluded, bool OtherOtherNames);

    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<NameConstraintsExt, MailSubtreeSet> MailCache = new();

    /// <summary>The mail subtrees of the extension (rfc822Name and SmtpUTF8Mailbox), or null when it has none.
    /// A SmtpUTF8Mailbox constraint whose text is no mailbox, host or domain was reported by <see cref="CheckSyntax"/>
    /// (the path fails); here it is kept by its text, which only ever widens an exclusion.</summary>
    private static MailSubtreeSet? MailSubtrees(NameConstraintsExt nc)
    {
        var set = MailCache.GetValue(nc, static nc =>
        {
            var rfc822 = nc.ForKind(GeneralNameKind.Rfc822Name);
            var other = nc.ForKind(GeneralNameKind.OtherName);
            MailSubtree[] Read(GeneralName[]? a, GeneralName[]? b) => (a ?? []).Concat((b ?? []).Where(x => x.IsSmtpUtf8Mailbox))
                .Select(x => MailSubtree.Of(x) ?? new MailSubtree(x, null, x.Text!)).ToArray();
            bool others = other is { } o && o.Permitted.Concat(o.Excluded).Any(x => !x.IsSmtpUtf8Mailbox);
            return new MailSubtreeSet(Read(rfc822?.Permitted, other?.Permitted), Read(rfc822?.Excluded, other?.Excluded), others);
        });
        return set.Permitted.Length + set.Excluded.Length == 0 ? null : set;
    }

    private static bool HasOtherNameConstraintsBesidesMail(NameConstraintsExt nc)
        => nc.ForKind(GeneralNameKind.OtherName) is not null && (MailSubtrees(nc)?.OtherOtherNames ?? true);

    /// <summary>RFC 5280 4.2.1.10 as updated by RFC 9598 6: every mailbox (an rfc822Name, an SmtpUTF8Mailbox whatever
    /// the script of its local part, a subject emailAddress) against every mail subtree (rfc822Name constraints, and
    /// SmtpUTF8Mailbox ones), one namespace. RFC 9598 6 strips the local part of both and compares domains: a host
    /// constraint is that host, ".domain" the hosts under it. Excluded subtrees are applied exactly so: one naming a
    /// mailbox excludes its whole domain. Permitted subtrees are applied more narrowly, which only adds restrictions:
    /// one naming a mailbox permits that mailbox alone (local part octet for octet, as RFC 5280 compares it; no local
    /// part in another script ever equals it), one naming a host or domain permits every mailbox there. A mailbox that
    /// is not one, or whose domain is no valid host name after IDNA, cannot be checked and is an error.</summary>
    private static Failure? CheckMailbox(string mailbox, MailForm form, NameConstraintsExt nc, Budget budget)
    {
        if (MailSubtrees(nc) is not { } set)
        {
            return null;
        }
        string rule = form == MailForm.SmtpUtf8Mailbox ? "RFC 9598 6" : "RFC 5280 4.2.1.10, RFC 9598 6";
        string? domain;
        string what;
        if (form == MailForm.SmtpUtf8Mailbox)
        {
            domain = EmailAddresses.SmtpUtf8Malformed(mailbox) is null ? EmailAddresses.SmtpUtf8Domain(mailbox) : null;
            what = $"SmtpUTF8Mailbox '{Elide.Text(mailbox)}'";
            if (domain is null)
            {
                return new Failure(VerifyCode.UnsupportedNameSyntax, $"{what} is not a mailbox with a valid IDNA domain and cannot be checked against name constraints", rule);
            }
            what += $" (domain {domain})";
        }
        else
        {
            what = form == MailForm.Rfc822Name ? $"email:{Elide.Text(mailbox)}" : $"subject emailAddress '{Elide.Text(mailbox)}'";
            if (!EmailAddresses.IsValidMailbox(mailbox))
            {
                return new Failure(VerifyCode.UnsupportedNameSyntax, $"{(form == MailForm.Rfc822Name ? "rfc822Name" : "subject emailAddress")} '{Elide.Text(mailbox)}' is malformed and cannot be checked against name constraints", rule);
            }
            domain = mailbox[(mailbox.IndexOf('@', StringComparison.Ordinal) + 1)..];
        }
        var local = mailbox.AsSpan(0, mailbox.LastIndexOf('@'));
        if (!budget.Comparisons(set.Excluded.Length))
        {
            return budget.Failure;
        }
        foreach (var s in set.Excluded)
        {
            if (EmailAddresses.DomainWithin(domain, s.Domain))
            {
                var note = s.Local is not null && !local.SequenceEqual(s.Local) ? " (RFC 9598 6: a constraint naming a mailbox excludes its domain)" : "";
                return new Failure(VerifyCode.ExcludedViolation, $"{what} is within excluded subtree {Elide.Value(s)}{note}", rule);
            }
        }
        if (set.Permitted.Length == 0)
        {
            return null;
        }
        if (!budget.Comparisons(set.Permitted.Length))
        {
            return budget.Failure;
        }
        foreach (var s in set.Permitted)
        {
            if (s.Local is not null
                ? local.SequenceEqual(s.Local) && domain.Equals(s.Domain, StringComparison.OrdinalIgnoreCase)
                : EmailAddresses.DomainWithin(domain, s.Domain))
            {
                return null;
            }
        }
        return new Failure(VerifyCode.PermittedViolation, $"{what} is not within any permitted subtree", rule);
    }

    private static string DescribeTag(System.Formats.Asn1.Asn1Tag tag)
        => tag.TagClass == System.Formats.Asn1.TagClass.Universal ? "a " + (System.Formats.Asn1.UniversalTagNumber)tag.TagValue : "a value tagged " + tag;

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

    /// <summary>The host of a URI for URI name constraints (RFC 5280 4.2.1.10), or null with <paramref name="problem"/>
    /// saying why the URI cannot be checked. The URI must be a valid RFC 3986 URI with an authority:
    /// scheme ":" "//" [ userinfo "@" ] host [ ":" port ] path-abempty [ "?" query ] [ "#" fragment ], every character
    /// one RFC 3986 allows there (no backslash, space or other character a URL parser might read differently, e.g. a
    /// backslash that WHATWG parsers take for a path separator) and every '%' followed by two hex digits. The host must be
    /// a domain name: RFC 5280 4.2.1.10 makes a URI without an authority, or whose host is an IP address, fail every
    /// URI constraint. An IP-literal, an IPv4 address and a name whose last label is a number (decimal or 0x hex, which
    /// URL parsers read as an IPv4 address) are IP hosts; a reg-name with percent-encoding or sub-delims is no host name.</summary>
    internal static string? UriHost(string uri, out string problem)
    {
        problem = "";
        // scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) (RFC 3986 3.1)
        int colon = uri.IndexOf(':', StringComparison.Ordinal);
        if (colon <= 0 || !char.IsAsciiLetter(uri[0]))
        {
            problem = "is not an absolute URI (no scheme)";
            return null;
        }
        foreach (char c in uri.AsSpan(0, colon))
        {
            if (!char.IsAsciiLetterOrDigit(c) && c is not ('+' or '-' or '.'))
            {
                problem = "has a scheme with a character RFC 3986 3.1 does not allow";
                return null;
            }
        }
        var rest = uri.AsSpan(colon + 1);
        if (!rest.StartsWith("//", StringComparison.Ordinal))
        {
            problem = "has no authority (scheme://host)";
            return null;
        }
        rest = rest[2..];
        int end = rest.IndexOfAny('/', '?', '#');
        var authority = end < 0 ? rest : rest[..end];
        var tail = end < 0 ? [] : rest[end..];
        // path-abempty, query and fragment: pchar / "/" / "?", one '#' before the fragment (RFC 3986 3.3 - 3.5).
        int hash = tail.IndexOf('#');
        if (!AllowedChars(hash < 0 ? tail : tail[..hash], ":@/?") || (hash >= 0 && !AllowedChars(tail[(hash + 1)..], ":@/?")))
        {
            problem = "has a path, query or fragment with a character RFC 3986 does not allow (or a bad %-escape)";
            return null;
        }
        // userinfo = *( unreserved / pct-encoded / sub-delims / ":" ) (RFC 3986 3.2.1): no '@', no backslash.
        int at = authority.LastIndexOf('@');
        if (at >= 0)
        {
            if (!AllowedChars(authority[..at], ":"))
            {
                problem = "has a userinfo with a character RFC 3986 3.2.1 does not allow (a second '@', a '\\', ...)";
                return null;
            }
            authority = authority[(at + 1)..];
        }
        ReadOnlySpan<char> host, port;
        if (authority.StartsWith("["))
        {
            int close = authority.IndexOf(']');
            if (close < 0)
            {
                problem = "has a malformed IP literal";
                return null;
            }
            host = authority[..(close + 1)];
            port = authority[(close + 1)..];
            if (port.Length > 0 && port[0] != ':')
            {
                problem = "has text after its IP literal";
                return null;
            }
            port = port.Length > 0 ? port[1..] : [];
        }
        else
        {
            int portColon = authority.IndexOf(':');
            host = portColon >= 0 ? authority[..portColon] : authority;
            port = portColon >= 0 ? authority[(portColon + 1)..] : [];
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
        if (host.StartsWith("[") || IpAddresses.TryParseV4(host.ToString(), out _) || EndsInNumber(host))
        {
            problem = "has an IP address as its host, which no URI constraint can match (RFC 5280 4.2.1.10: reject)";
            return null;
        }
        if (host.IsEmpty)
        {
            problem = "has an empty host (RFC 5280 4.2.1.10: no host name, reject)";
            return null;
        }
        if (!AllowedChars(host, "") || !DnsNames.IsValidHostname(host))
        {
            problem = "has no valid host name";
            return null;
        }
        return host.ToString();
    }

    /// <summary>Every character is unreserved, a sub-delim, one of <paramref name="extra"/>, or '%' HEXDIG HEXDIG
    /// (RFC 3986 2.1 - 2.3).</summary>
    private static bool AllowedChars(ReadOnlySpan<char> s, string extra)
    {
        for (int i = 0; i < s.Length; i++)
        {
            char c = s[i];
            if (c == '%')
            {
                if (i + 2 >= s.Length || !char.IsAsciiHexDigit(s[i + 1]) || !char.IsAsciiHexDigit(s[i + 2]))
                {
                    return false;
                }
                i += 2;
                continue;
            }
            bool ok = char.IsAsciiLetterOrDigit(c) || c is '-' or '.' or '_' or '~'
                || c is '!' or '$' or '&' or '\'' or '(' or ')' or '*' or '+' or ',' or ';' or '='
                || extra.Contains(c, StringComparison.Ordinal);
            if (!ok)
            {
                return false;
            }
        }
        return true;
    }

    private static readonly System.Buffers.SearchValues<char> HexDigits = System.Buffers.SearchValues.Create("0123456789abcdefABCDEF");

    /// <summary>The last label (after an optional trailing dot) is a number, decimal or "0x" hex: URL parsers
    /// (WHATWG "ends in a number") read such a host as an IPv4 address, e.g. "0x7f000001" or "1.0x7f".</summary>
    private static bool EndsInNumber(ReadOnlySpan<char> host)
    {
        if (host.EndsWith("."))
        {
            host = host[..^1];
        }
        var last = host[(host.LastIndexOf('.') + 1)..];
        if (last.IsEmpty)
        {
            return false;
        }
        if (last.Length >= 2 && last[0] == '0' && (last[1] is 'x' or 'X'))
        {
            return !last[2..].ContainsAnyExcept(HexDigits);
        }
        return !last.ContainsAnyExceptInRange('0', '9');
    }
}
