using System.Formats.Asn1;
using System.Text.Json;
using Certitude.Der;

namespace Certitude.Cli;

/// <summary>
/// The decoded value of each extension of a certificate, for <c>inspect</c>: the same fields as text (one line per
/// extension, close to <c>openssl x509 -text</c>) and as JSON (written with <see cref="Utf8JsonWriter"/>). The values
/// come from Certitude's own parse of the certificate; an extension Certitude does not decode is shown as hex.
/// </summary>
internal static class ExtensionValues
{
    /// <summary>One field of an extension's value: a string, bool, int, or a list of strings.</summary>
    internal readonly record struct Field(string Key, object? Value);

    private const string Ocsp = "1.3.6.1.5.5.7.48.1";
    private const string CaIssuers = "1.3.6.1.5.5.7.48.2";
    private const string TimeStampingAccess = "1.3.6.1.5.5.7.48.3";
    private const string CaRepository = "1.3.6.1.5.5.7.48.5";

    /// <summary>The fields of one extension's value; an extension that cannot be decoded gets an "error" field.</summary>
    public static IReadOnlyList<Field> Decode(Certificate c, CertificateExtension e)
    {
        try
        {
            return e.Oid switch
            {
                // RFC 5280 4.2.1.9
                Oids.BasicConstraints => c.BasicConstraints is { } bc
                    ? [new("ca", bc.IsCa), .. bc.PathLen is int n ? new[] { new Field("path_len", n) } : []]
                    : [],
                // RFC 5280 4.2.1.3
                Oids.KeyUsage => [new("usages", KeyUsageNames(c.KeyUsage ?? KeyUsageFlags.None))],
                // RFC 5280 4.2.1.12
                Oids.ExtKeyUsage => [new("purposes", (c.ExtendedKeyUsage ?? []).Select(KeyPurposes.Name).ToArray())],
                // RFC 5280 4.2.1.6, 4.2.1.7
                Oids.SubjectAltName => [new("names", c.SubjectAlternativeNames.Select(n => n.ToString()).ToArray())],
                Oids.IssuerAltName => [new("names", (c.IssuerAltNames ?? []).Select(n => n.ToString()).ToArray())],
                // RFC 5280 4.2.1.1, 4.2.1.2
                Oids.AuthorityKeyIdentifier => c.AuthorityKeyId is { } aki
                    ? [
                        .. aki.KeyId is { } id ? new[] { new Field("key_id", Hex(id.Span)) } : [],
                        .. aki.Issuer is { } issuer ? new[] { new Field("issuer", issuer.Select(n => n.ToString()).ToArray()) } : [],
                        .. aki.Serial is { } serial ? new[] { new Field("serial", Convert.ToHexString(serial)) } : [],
                    ]
                    : [],
                Oids.SubjectKeyIdentifier => c.SubjectKeyId is { } ski ? [new("key_id", Hex(ski.Span))] : [],
                // RFC 5280 4.2.1.13, 4.2.1.15
                Oids.CrlDistributionPoints => DistributionPoints(c.CrlDistributionPoints),
                Oids.FreshestCrl => DistributionPoints(c.FreshestCrl),
                // RFC 5280 4.2.2.1, 4.2.2.2
                Oids.AuthorityInfoAccess => Access(c.AuthorityInfoAccess),
                Oids.SubjectInfoAccess => Access(c.SubjectInfoAccess),
                // RFC 5280 4.2.1.4
                Oids.CertificatePolicies => [new("policies", (c.Policies ?? []).Select(p => PolicyName(p.Oid)).ToArray())],
                // RFC 5280 4.2.1.5
                Oids.PolicyMappings => [new("mappings", (c.PolicyMappings ?? []).Select(m => $"{PolicyName(m.IssuerDomain)} = {PolicyName(m.SubjectDomain)}").ToArray())],
                // RFC 5280 4.2.1.11
                Oids.PolicyConstraints => c.PolicyConstraints is { } pc
                    ? [
                        .. pc.RequireExplicitPolicy is int r ? new[] { new Field("require_explicit_policy", r) } : [],
                        .. pc.InhibitPolicyMapping is int m ? new[] { new Field("inhibit_policy_mapping", m) } : [],
                    ]
                    : [],
                // RFC 5280 4.2.1.10
                Oids.NameConstraints => c.NameConstraints is { } nc
                    ? [
                        .. nc.Permitted is { } p ? new[] { new Field("permitted", p.Select(s => s.Base.ToString()).ToArray()) } : [],
                        .. nc.Excluded is { } x ? new[] { new Field("excluded", x.Select(s => s.Base.ToString()).ToArray()) } : [],
                    ]
                    : [],
                // RFC 5280 4.2.1.14
                Oids.InhibitAnyPolicy => c.InhibitAnyPolicy is int skip ? [new("skip_certs", skip)] : [],
                // RFC 6962 3.3
                Oids.SctList => [new("sct_count", SctCount(e.Value.Span))],
                _ => [new("der", Elided(e.Value.Span))],
            };
        }
        catch (Exception ex) when (ex is CertificateFormatException or AsnContentException or ArgumentException or InvalidOperationException)
        {
            return [new("error", Cli.OneLine(ex.Message))];
        }
    }

    /// <summary>The value as one line of text: "cA TRUE, pathLen 0", "DNS:a, DNS:b", "OCSP URI:…; caIssuers URI:…".</summary>
    public static string Text(string oid, IReadOnlyList<Field> fields)
    {
        if (fields.Count == 1 && fields[0].Value is string[] only && oid is not Oids.NameConstraints)
        {
            return only.Length == 0 ? "(empty)" : string.Join(", ", only);
        }
        return string.Join("; ", fields.Select(f => f.Value switch
        {
            string[] list => $"{f.Key}: {(list.Length == 0 ? "(none)" : string.Join(", ", list))}",
            bool b => $"{f.Key} {(b ? "TRUE" : "FALSE")}",
            _ => $"{f.Key} {f.Value}",
        }));
    }

    /// <summary>The value as a JSON object, one member per field.</summary>
    public static void Write(Utf8JsonWriter w, IReadOnlyList<Field> fields)
    {
        w.WriteStartObject();
        foreach (var f in fields)
        {
            switch (f.Value)
            {
                case null:
                    w.WriteNull(f.Key);
                    break;
                case bool b:
                    w.WriteBoolean(f.Key, b);
                    break;
                case int i:
                    w.WriteNumber(f.Key, i);
                    break;
                case string[] list:
                    w.WriteStartArray(f.Key);
                    foreach (var s in list)
                    {
                        w.WriteStringValue(s);
                    }
                    w.WriteEndArray();
                    break;
                default:
                    w.WriteString(f.Key, f.Value.ToString());
                    break;
            }
        }
        w.WriteEndObject();
    }

    /// <summary>Every extension of the certificate as a JSON array: { oid, name, critical, value: {…} }.</summary>
    public static string Json(Certificate c)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartArray();
            foreach (var e in c.Extensions)
            {
                w.WriteStartObject();
                w.WriteString("oid", e.Oid);
                w.WriteString("name", Oids.ExtensionName(e.Oid));
                w.WriteBoolean("critical", e.Critical);
                w.WritePropertyName("value");
                Write(w, Decode(c, e));
                w.WriteEndObject();
            }
            w.WriteEndArray();
        }
        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static readonly (KeyUsageFlags Flag, string Name)[] UsageNames =
    [
        (KeyUsageFlags.DigitalSignature, "digitalSignature"), (KeyUsageFlags.NonRepudiation, "nonRepudiation"),
        (KeyUsageFlags.KeyEncipherment, "keyEncipherment"), (KeyUsageFlags.DataEncipherment, "dataEncipherment"),
        (KeyUsageFlags.KeyAgreement, "keyAgreement"), (KeyUsageFlags.KeyCertSign, "keyCertSign"), (KeyUsageFlags.CrlSign, "cRLSign"),
        (KeyUsageFlags.EncipherOnly, "encipherOnly"), (KeyUsageFlags.DecipherOnly, "decipherOnly"),
    ];

    private static string[] KeyUsageNames(KeyUsageFlags flags) => UsageNames.Where(u => flags.HasFlag(u.Flag)).Select(u => u.Name).ToArray();

    private static readonly (int Bit, string Name)[] ReasonNames =
    [
        (1, "keyCompromise"), (2, "cACompromise"), (3, "affiliationChanged"), (4, "superseded"), (5, "cessationOfOperation"),
        (6, "certificateHold"), (7, "privilegeWithdrawn"), (8, "aACompromise"),
    ];

    private static Field[] DistributionPoints(DistributionPoint[]? points)
    {
        var list = new List<string>();
        foreach (var p in points ?? [])
        {
            var parts = new List<string>();
            if (p.FullName is { } full)
            {
                parts.AddRange(full.Select(n => n.ToString()));
            }
            if (p.RelativeName is not null)
            {
                parts.Add("(a name relative to the issuer)");
            }
            if (p.Reasons is int reasons)
            {
                // ReasonFlags bit n is (1 << n) in Certitude's decoding (RFC 5280 4.2.1.13).
                parts.Add("reasons " + string.Join("|", ReasonNames.Where(r => (reasons & (1 << r.Bit)) != 0).Select(r => r.Name)));
            }
            if (p.CrlIssuer is { } issuer)
            {
                parts.Add("cRLIssuer " + string.Join(", ", issuer.Select(n => n.ToString())));
            }
            list.Add(string.Join(" ", parts));
        }
        return [new("points", list.ToArray())];
    }

    private static Field[] Access(AccessDescription[]? access)
    {
        var groups = (access ?? []).GroupBy(a => a.Method switch
        {
            Ocsp => "ocsp",
            CaIssuers => "ca_issuers",
            TimeStampingAccess => "time_stamping",
            CaRepository => "ca_repository",
            var other => other,
        });
        return groups.Select(g => new Field(g.Key, g.Select(a => a.Location.ToString()).ToArray())).ToArray();
    }

    private static string PolicyName(string oid) => oid switch
    {
        Oids.AnyPolicy => "anyPolicy",
        "2.23.140.1.1" => "2.23.140.1.1 (CA/B extended validation)",
        "2.23.140.1.2.1" => "2.23.140.1.2.1 (CA/B domain validated)",
        "2.23.140.1.2.2" => "2.23.140.1.2.2 (CA/B organization validated)",
        "2.23.140.1.2.3" => "2.23.140.1.2.3 (CA/B individual validated)",
        _ => oid,
    };

    /// <summary>Key identifiers as openssl shows them: AB:CD:…</summary>
    private static string Hex(ReadOnlySpan<byte> b) => string.Join(':', Convert.ToHexString(b).Chunk(2).Select(p => new string(p)));

    /// <summary>An undecoded value as hex, cut at 64 bytes (no unbounded output from hostile input).</summary>
    private static string Elided(ReadOnlySpan<byte> b) => b.Length <= 64 ? Convert.ToHexString(b) : Convert.ToHexString(b[..64]) + $"… ({b.Length} bytes)";

    /// <summary>The number of SignedCertificateTimestamps in an RFC 6962 3.3 SCT list (an OCTET STRING holding a
    /// TLS-encoded list: a 2-byte total length, then each SCT with a 2-byte length).</summary>
    private static int SctCount(ReadOnlySpan<byte> value)
    {
        var list = AsnDecoder.ReadOctetString(value, AsnEncodingRules.DER, out int consumed);
        if (consumed != value.Length || list.Length < 2 || (list[0] << 8 | list[1]) != list.Length - 2)
        {
            throw new ArgumentException("the SCT list's length does not match its contents");
        }
        int count = 0;
        for (int i = 2; i < list.Length;)
        {
            if (i + 2 > list.Length)
            {
                throw new ArgumentException("an SCT's length is cut off");
            }
            int len = list[i] << 8 | list[i + 1];
            i += 2 + len;
            if (len == 0 || i > list.Length)
            {
                throw new ArgumentException("an SCT runs past the list");
            }
            count++;
        }
        return count;
    }
}
