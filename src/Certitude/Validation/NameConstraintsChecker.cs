using Certitude.Building;
using Certitude.Der;
using Certitude.Names;

namespace Certitude.Validation;

/// <summary>RFC 5280 4.2.1.10 and 6.1.3 (b)-(c): checks the names of one certificate against the
/// name constraints of the CAs above it. Each constraints extension is checked on its own, which is
/// the same as intersecting permitted subtrees and uniting excluded ones (6.1.4 (g)).</summary>
internal static class NameConstraintsChecker
{
    /// <summary>RFC 5280 4.2.1.10: syntax of every subtree; returns a problem or null.</summary>
    public static string? CheckSyntax(NameConstraintsExt nc)
    {
        foreach (var st in (nc.Permitted ?? []).Concat(nc.Excluded ?? []))
        {
            var b = st.Base;
            switch (b.Kind)
            {
                // A DNS constraint is a host name; a leading period or a wildcard is not allowed (only URIs take ".host").
                case GeneralNameKind.DnsName when b.Text!.Length > 0 && !DnsNames.IsValidHostname(b.Text):
                    return $"dNSName constraint '{Elide.Text(b.Text)}' is not a valid domain name";
                case GeneralNameKind.IPAddress when !IpAddresses.IsValidConstraint(b.Bytes!):
                    return $"iPAddress constraint {GeneralName.FormatIp(b.Bytes!)} is not an address and CIDR mask";
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

    /// <summary>Returns the first violation, or null.</summary>
    public static Failure? Check(Certificate cert, NameConstraintsExt nc, bool includeCommonName, Budget budget)
    {
        // RFC 5280 4.2.1.10: directoryName constraints apply to a non-empty subject ...
        if (!cert.Subject.IsEmpty)
        {
            var f = CheckOne(new GeneralName(GeneralNameKind.DirectoryName, null, null, cert.Subject, null), nc, budget);
            if (f is not null)
            {
                return f;
            }
            // ... and rfc822Name constraints to emailAddress attributes of the subject.
            foreach (var email in cert.Subject.GetAttributeValues(Oids.EmailAddress))
            {
                f = CheckOne(new GeneralName(GeneralNameKind.Rfc822Name, email, null, null, null), nc, budget);
                if (f is not null)
                {
                    return f;
                }
            }
        }
        bool hasDnsOrIp = false;
        foreach (var n in cert.SubjectAltNames ?? [])
        {
            hasDnsOrIp |= n.Kind is GeneralNameKind.DnsName or GeneralNameKind.IPAddress;
            var f = CheckOne(n, nc, budget);
            if (f is not null)
            {
                return f;
            }
        }
        // When common names may stand for host names, they must obey DNS constraints too.
        if (includeCommonName && !hasDnsOrIp)
        {
            foreach (var cn in cert.Subject.GetAttributeValues(Oids.CommonName))
            {
                if (DnsNames.IsValidPresented(cn, out _))
                {
                    var f = CheckOne(new GeneralName(GeneralNameKind.DnsName, cn, null, null, null), nc, budget);
                    if (f is not null)
                    {
                        return f;
                    }
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
            GeneralNameKind.Uri => UriHost(name.Text!) is null ? $"URI '{Elide.Text(name.Text)}' has no host name" : null,
            _ => null,
        };
        if (syntax is not null)
        {
            return new Failure(VerifyCode.UnsupportedNameSyntax, syntax + " and cannot be checked against name constraints", Rule);
        }
        budget.Comparisons(excluded.Length);
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
        budget.Comparisons(permitted.Length);
        foreach (var s in permitted)
        {
            if (Within(name, s))
            {
                return null;
            }
        }
        return new Failure(VerifyCode.PermittedViolation, $"{Elide.Value(name)} is not within any permitted subtree", Rule);
    }

    /// <summary>Every name the presented name can stand for lies within the subtree.</summary>
    private static bool Within(GeneralName name, GeneralName subtree) => name.Kind switch
    {
        // A wildcard "*.d" stands for one label under d: it is within the subtree when d is
        // (RFC 9525 6.3 wildcard semantics composed with RFC 5280 4.2.1.10).
        GeneralNameKind.DnsName => DnsNames.IsWithin(WildcardBase(name.Text!), subtree.Text!),
        GeneralNameKind.IPAddress => IpAddresses.IsWithin(name.Bytes!, subtree.Bytes!),
        GeneralNameKind.Rfc822Name => EmailAddresses.IsWithin(name.Text!, subtree.Text!),
        GeneralNameKind.Uri => UriWithin(UriHost(name.Text!)!, subtree.Text!),
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
            if (DnsNames.IsWithin(d, c))
            {
                return true;
            }
            return c.Length > d.Length + 1 && DnsNames.IsWithin(c, d) && DnsNames.CountLabels(c) == DnsNames.CountLabels(d) + 1;
        }
        return Within(name, subtree);
    }

    private static string WildcardBase(string dns) => dns.StartsWith("*.", StringComparison.Ordinal) ? dns[2..] : dns;

    private static bool UriWithin(string host, string constraint)
        => constraint.StartsWith('.')
            ? host.Length > constraint.Length && host.EndsWith(constraint, StringComparison.OrdinalIgnoreCase)
            : host.Equals(constraint, StringComparison.OrdinalIgnoreCase);

    /// <summary>The host of a URI's authority (RFC 3986 3.2.2), or null when there is none.</summary>
    internal static string? UriHost(string uri)
    {
        int scheme = uri.IndexOf("://", StringComparison.Ordinal);
        if (scheme <= 0)
        {
            return null;
        }
        var rest = uri.AsSpan(scheme + 3);
        int end = rest.IndexOfAny('/', '?', '#');
        var authority = end < 0 ? rest : rest[..end];
        int at = authority.LastIndexOf('@');
        if (at >= 0)
        {
            authority = authority[(at + 1)..];
        }
        if (authority.StartsWith("["))
        {
            return null;
        }
        int colon = authority.IndexOf(':');
        var host = colon >= 0 ? authority[..colon] : authority;
        return DnsNames.IsValidHostname(host) ? host.ToString() : null;
    }
}
