using Certitude.Der;
using Certitude.Names;

namespace Certitude.Validation;

/// <summary>
/// The checks that depend only on the leaf and the options, made once before any path is searched (the first stage
/// of a verification: leaf checks, search, path validation, revocation, verdict). With the leaf's own findings
/// (validity, the profile's leaf rules, the algorithm policy on its key and signature, from the findings cache),
/// these are the purposes the caller asked for and the peer's names. A leaf that fails one is reported with that
/// reason whatever issuers the pool holds, and no path is searched.
/// </summary>
internal static class LeafChecks
{
    /// <summary>The failures (null when none) of the leaf's purposes, then (only when the leaf has no other failure: a name mismatch
    /// says less than a leaf that is wrong in itself) of the peer's names. <paramref name="own"/> is whether the leaf's
    /// own findings (validity, profile rules, algorithms) already failed it.</summary>
    public static List<Failure>? Check(Certificate leaf, ValidationContext ctx, PeerIdentity[] peers, bool own)
    {
        var o = ctx.Options;
        // Allocated on the first failure only: a verification that passes allocates nothing here.
        List<Failure>? failures = null;
        Purpose(leaf, o, ctx.RequiredEkus, ref failures);
        if (!own && failures is null)
        {
            PeerNames(leaf, o, peers, ref failures);
        }
        return failures;
    }

    /// <summary>RFC 5280 4.2.1.12, 4.2.1.3 and the purposes' own rules: the leaf allows what the caller asked for.</summary>
    private static void Purpose(Certificate leaf, VerificationOptions o, string[]? required, ref List<Failure>? failures)
    {
        // RFC 5280 4.2.1.12: when the leaf restricts its purposes, the requested one must be among them.
        if (required is { } ekus && leaf.ExtendedKeyUsage is { } eku)
        {
            bool any = o.Profile.AllowAnyExtendedKeyUsage && Array.IndexOf(eku, Oids.AnyExtendedKeyUsage) >= 0;
            foreach (var want in ekus)
            {
                if (!any && Array.IndexOf(eku, want) < 0)
                {
                    (failures ??= []).Add(new Failure(VerifyCode.InvalidPurpose, $"extKeyUsage does not include {KeyPurposes.Name(want)}", "RFC 5280 4.2.1.12"));
                }
            }
        }
        // Requirements that come with a purpose (KeyPurposes.LeafRules, e.g. RFC 3161 2.3 for timeStamping).
        if (required is { } wanted)
        {
            foreach (var (oid, citation, code, check) in KeyPurposes.LeafRules)
            {
                if (Array.IndexOf(wanted, oid) >= 0 && check(leaf) is { } problem)
                {
                    (failures ??= []).Add(new Failure(code, problem, citation));
                }
            }
        }
        // RFC 5280 4.2.1.3: requested keyUsage bits.
        if (o.RequiredKeyUsage != KeyUsageFlags.None && leaf.KeyUsage is { } ku && (ku & o.RequiredKeyUsage) != o.RequiredKeyUsage)
        {
            (failures ??= []).Add(new Failure((o.RequiredKeyUsage & KeyUsageFlags.DigitalSignature) != 0 && (ku & KeyUsageFlags.DigitalSignature) == 0
                ? VerifyCode.KeyUsageNoDigitalSignature : VerifyCode.InvalidPurpose,
                $"keyUsage {ku} lacks {o.RequiredKeyUsage & ~ku}", "RFC 5280 4.2.1.3"));
        }
    }

    // ---------------------------------------------------------------- the peer's identity

    /// <summary>RFC 6125 / RFC 9525 6.3: reference identities against the leaf's subjectAltName, read from
    /// its octets (nothing is decoded into objects for a match).</summary>
    private static void PeerNames(Certificate leaf, VerificationOptions o, PeerIdentity[] peers, ref List<Failure>? failures)
    {
        var san = leaf.SubjectAltNamesRaw.Span;
        foreach (var p in peers)
        {
            bool ok = false;
            var names = new RawGeneralNames(san);
            switch (p.Kind)
            {
                case PeerIdentityKind.Dns:
                    bool hasDnsOrIp = false;
                    while (names.Next(out var kind, out var value))
                    {
                        hasDnsOrIp |= kind is GeneralNameKind.DnsName or GeneralNameKind.IPAddress;
                        if (kind == GeneralNameKind.DnsName && DnsNames.Matches(value, p.Normalized!))
                        {
                            ok = true;
                            break;
                        }
                    }
                    if (!ok && !hasDnsOrIp && o.HostnameChecksCommonName)
                    {
                        ok = leaf.Subject.GetAttributeValues(Oids.CommonName).Any(cn => DnsNames.Matches(cn, p.Normalized!));
                    }
                    if (!ok)
                    {
                        // RFC 9525 6.3: the CN is checked only when asked for (HostnameChecksCommonName); say so when it was the only name.
                        var why = hasDnsOrIp ? "" : !leaf.HasSubjectAltNames
                            ? (o.HostnameChecksCommonName ? ": no subjectAltName, and no subject CN matches" : ": no subjectAltName; the CN is not checked (CN fallback is off)")
                            : (o.HostnameChecksCommonName ? ": no DNS or IP subjectAltName, and no subject CN matches" : ": no DNS or IP subjectAltName; the CN is not checked (CN fallback is off)");
                        (failures ??= []).Add(new Failure(VerifyCode.HostnameMismatch, $"certificate is not valid for '{p.Value}'{why}", "RFC 9525 6.3"));
                    }
                    break;
                case PeerIdentityKind.IPAddress:
                    while (!ok && names.Next(out var kind, out var value))
                    {
                        ok = kind == GeneralNameKind.IPAddress && value.SequenceEqual(p.Address);
                    }
                    if (!ok)
                    {
                        (failures ??= []).Add(new Failure(VerifyCode.IpAddressMismatch, $"certificate is not valid for IP address {p.Value}", "RFC 9525 6.3"));
                    }
                    break;
                case PeerIdentityKind.Email:
                    while (!ok && names.Next(out var kind, out var value))
                    {
                        ok = kind switch
                        {
                            GeneralNameKind.Rfc822Name => EmailAddresses.Matches(System.Text.Encoding.ASCII.GetString(value), p.Normalized!),
                            // RFC 9598 5: an SmtpUTF8Mailbox, local part exact, domain in A-labels.
                            GeneralNameKind.OtherName => RawGeneralNames.SmtpUtf8Mailbox(value) is { } mailbox && EmailAddresses.MatchesSmtpUtf8(mailbox, p.Normalized!),
                            _ => false,
                        };
                    }
                    if (!ok)
                    {
                        (failures ??= []).Add(new Failure(VerifyCode.EmailMismatch, $"certificate is not valid for email address {p.Value}", "RFC 9598 5"));
                    }
                    break;
            }
        }
    }
}
