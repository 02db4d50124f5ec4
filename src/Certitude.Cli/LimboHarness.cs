using System.Text.Json;
using System.Text.Json.Nodes;

namespace Certitude.Cli;

/// <summary>Settings of a limbo run, from the command line.</summary>
internal sealed record LimboSettings
{
    public string Profile { get; init; } = "auto";
    public bool Strict { get; init; } = true;
    /// <summary>The issuance tier (VerifyFlags.CabfIssuance): "auto" turns it on for webpki:: cases, which model
    /// publicly-trusted certificates, and for rfc5280:: cases, which count what RFC 5280 section 4 asks of a conforming
    /// CA (AKI and SKI presence, extension criticality, a positive serial) as failures while Certitude's default makes
    /// those duties warnings; "on" for every case; "off" for none (the library's default flags).</summary>
    public string Issuance { get; init; } = "auto";
    public bool AllowSha1 { get; init; }
    public int? MinRsaBits { get; init; }
    public string HarnessName { get; init; } = "certitude";
    public TextWriter? Timings { get; init; }

    /// <summary>Verify on the portable crypto path even in a process on the native one (the tests compare both).</summary>
    public bool Portable { get; init; }
}

/// <summary>The outcome of one testcase.</summary>
internal sealed record LimboOutcome(string Id, string Actual, string Context, bool Threw);

/// <summary>
/// Runs x509-limbo-format testcases through Certitude. Every field of a testcase is honoured or
/// the case is SKIPPED with the reason; a case that throws is reported with the error as context.
/// </summary>
internal static class LimboHarness
{
    public static List<LimboOutcome> Run(JsonDocument suite, LimboSettings settings)
    {
        var results = new List<LimboOutcome>();
        foreach (var tc in suite.RootElement.GetProperty("testcases").EnumerateArray())
        {
            results.Add(RunOne(tc, settings));
        }
        return results;
    }

    /// <summary>One testcase (the tests run each case as a row of its own).</summary>
    public static LimboOutcome RunOne(JsonElement tc, LimboSettings settings)
    {
        string id = tc.TryGetProperty("id", out var idp) ? idp.GetString() ?? "?" : "?";
        try
        {
            return RunCase(id, tc, settings);
        }
        catch (Exception e)
        {
            return new LimboOutcome(id, "FAILURE", "harness error: " + e.GetType().Name + ": " + e.Message, true);
        }
    }

    /// <summary>One line: passed (actual result as expected), failed and skipped, in total and by id namespace
    /// (the part before the first "::").</summary>
    public static string Summary(JsonDocument suite, IReadOnlyList<LimboOutcome> outcomes)
    {
        var expected = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var tc in suite.RootElement.GetProperty("testcases").EnumerateArray())
        {
            if (tc.TryGetProperty("id", out var id) && id.GetString() is { } key)
            {
                expected[key] = tc.TryGetProperty("expected_result", out var e) ? e.GetString() : null;
            }
        }
        string Kind(LimboOutcome o) => o.Actual == "SKIPPED" ? "skipped" : expected.GetValueOrDefault(o.Id) == o.Actual ? "passed" : "failed";
        string Counts(IEnumerable<LimboOutcome> group)
        {
            var kinds = group.Select(Kind).ToList();
            return $"{kinds.Count(k => k == "passed")} passed, {kinds.Count(k => k == "failed")} failed, {kinds.Count(k => k == "skipped")} skipped";
        }
        var byNamespace = outcomes.GroupBy(o => o.Id.Contains("::", StringComparison.Ordinal) ? o.Id[..o.Id.IndexOf("::", StringComparison.Ordinal)] : "(none)")
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => $"{g.Key} {Counts(g)}");
        return $"limbo: {outcomes.Count} cases: {Counts(outcomes)} ({string.Join("; ", byNamespace)})";
    }

    public static string ToJson(IEnumerable<LimboOutcome> outcomes, string harness)
    {
        var arr = new JsonArray();
        foreach (var o in outcomes)
        {
            arr.Add((JsonNode)new JsonObject { ["id"] = o.Id, ["actual_result"] = o.Actual, ["context"] = o.Context });
        }
        var root = new JsonObject { ["version"] = 1, ["harness"] = harness, ["results"] = arr };
        return Render.Json(root);
    }

    /// <summary>The namespaces whose expected results include a CA's duties (--issuance-rules auto): webpki:: (the CA/B
    /// profile of publicly-trusted certificates) and rfc5280:: (RFC 5280 section 4, "conforming CAs MUST").</summary>
    private static bool IssuanceNamespace(string id)
        => id.StartsWith("webpki::", StringComparison.Ordinal) || id.StartsWith("rfc5280::", StringComparison.Ordinal);

    private static LimboOutcome RunCase(string id, JsonElement tc, LimboSettings s)
    {
        var profile = s.Profile switch
        {
            "webpki" => VerificationProfile.WebPki,
            "rfc5280" => VerificationProfile.Rfc5280,
            _ => id.StartsWith("rfc5280::", StringComparison.Ordinal) || id.StartsWith("pkits::", StringComparison.Ordinal)
                ? VerificationProfile.Rfc5280 : VerificationProfile.WebPki,
        };
        var alg = profile.Algorithms with { AllowSha1 = s.AllowSha1 || profile.Algorithms.AllowSha1 };
        if (s.MinRsaBits is int bits)
        {
            alg = alg with { MinRsaBits = bits };
        }
        // signature_algorithms: an allow-list in limbo's names; empty means no restriction.
        if (tc.TryGetProperty("signature_algorithms", out var sa) && sa.ValueKind == JsonValueKind.Array && sa.GetArrayLength() > 0)
        {
            var allowed = new HashSet<string>(StringComparer.Ordinal);
            foreach (var a in sa.EnumerateArray())
            {
                if (SignatureAlgorithmOid(a.GetString()) is not { } oid)
                {
                    return new LimboOutcome(id, "SKIPPED", $"signature_algorithms names an algorithm this harness does not know: {a.GetString()}", false);
                }
                allowed.Add(oid);
            }
            alg = alg with { SignatureAlgorithms = allowed };
        }
        profile = profile.WithAlgorithms(alg);

        var notes = new List<string>();
        var trusted = ParseList(tc, "trusted_certs", notes);
        var untrusted = ParseList(tc, "untrusted_intermediates", notes);
        Certificate leaf;
        try
        {
            leaf = Certificate.ParsePem(tc.GetProperty("peer_certificate").GetString() ?? "", "peer_certificate");
        }
        catch (CertificateFormatException e)
        {
            return new LimboOutcome(id, "FAILURE", e.Message, false);
        }

        bool client = tc.TryGetProperty("validation_kind", out var vk) && vk.GetString() == "CLIENT";
        var options = new VerificationOptions
        {
            Profile = profile,
            Flags = (s.Strict ? VerifyFlags.Default : VerifyFlags.Default & ~VerifyFlags.X509Strict)
                | (s.Issuance == "on" || (s.Issuance == "auto" && IssuanceNamespace(id)) ? VerifyFlags.CabfIssuance : VerifyFlags.None),
            Purpose = client ? CertificatePurpose.ClientAuthentication : CertificatePurpose.ServerAuthentication,
        };
        // extended_key_usage: limbo's schema reads an empty list as no EKU constraint, which is what the RFC 5280
        // profile does; the web-PKI profile keeps the purpose of the validation kind (CA/B BR 7.1.2.7.10).
        bool ekuGiven = tc.TryGetProperty("extended_key_usage", out var eku) && eku.ValueKind == JsonValueKind.Array && eku.GetArrayLength() > 0;
        if (!ekuGiven && profile.Name == VerificationProfile.Rfc5280.Name)
        {
            options = options with { Purpose = CertificatePurpose.Any };
        }
        if (tc.TryGetProperty("validation_time", out var vt) && vt.ValueKind == JsonValueKind.String)
        {
            options = options with { ValidationTime = DateTimeOffset.Parse(vt.GetString()!, System.Globalization.CultureInfo.InvariantCulture) };
        }
        if (tc.TryGetProperty("max_chain_depth", out var md) && md.ValueKind == JsonValueKind.Number)
        {
            options = options with { MaxIntermediates = md.GetInt32() };
        }
        if (tc.TryGetProperty("key_usage", out var ku) && ku.ValueKind == JsonValueKind.Array && ku.GetArrayLength() > 0)
        {
            var flags = KeyUsageFlags.None;
            foreach (var k in ku.EnumerateArray())
            {
                flags |= KeyUsageName(k.GetString());
            }
            options = options with { RequiredKeyUsage = flags };
        }
        if (ekuGiven)
        {
            options = options with { RequiredExtendedKeyUsages = eku.EnumerateArray().Select(e => EkuOid(e.GetString())).ToArray() };
        }
        var peers = new List<PeerIdentity>();
        if (!client && tc.TryGetProperty("expected_peer_name", out var pn) && pn.ValueKind == JsonValueKind.Object)
        {
            peers.Add(Peer(pn));
        }
        if (client && tc.TryGetProperty("expected_peer_names", out var pns) && pns.ValueKind == JsonValueKind.Array)
        {
            foreach (var p in pns.EnumerateArray())
            {
                peers.Add(Peer(p));
            }
        }
        if (tc.TryGetProperty("crls", out var crls) && crls.ValueKind == JsonValueKind.Array && crls.GetArrayLength() > 0)
        {
            // Limbo and PKITS convention: with CRLs given, revocation is checked for the whole chain,
            // and a certificate no usable CRL covers fails.
            var list = new List<CertificateRevocationList>();
            int i = 0;
            foreach (var c in crls.EnumerateArray())
            {
                try
                {
                    list.AddRange(CertificateRevocationList.ParseAll(System.Text.Encoding.ASCII.GetBytes(c.GetString() ?? ""), $"crls[{i}]"));
                }
                catch (CertificateFormatException ex)
                {
                    notes.Add("ignored " + ex.Message);
                }
                i++;
            }
            options = options with { Crls = list, Flags = options.Flags | VerifyFlags.CrlCheckChain };
        }

        var verifier = new Verifier(TrustStore.FromCertificates(trusted), options, s.Portable);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var result = verifier.Verify(leaf, untrusted, peers);
        s.Timings?.WriteLine($"{clock.Elapsed.TotalMilliseconds,9:F3} ms  {id}");
        var context = result.IsValid ? "verified: " + string.Join(" -> ", result.Path.Select(c => c.Subject.ToString()))
            : result + (result.Diagnostics.Count > 1 ? " | " + string.Join(" | ", result.Diagnostics.Take(12)) : "");
        if (notes.Count > 0)
        {
            context += " (" + string.Join("; ", notes) + ")";
        }
        return new LimboOutcome(id, result.IsValid ? "SUCCESS" : "FAILURE", context, false);
    }

    private static PeerIdentity Peer(JsonElement p)
    {
        var kind = p.GetProperty("kind").GetString();
        var value = p.GetProperty("value").GetString() ?? "";
        return kind switch
        {
            "DNS" => PeerIdentity.Dns(value),
            "IP" => PeerIdentity.IPAddress(value),
            "RFC822" => PeerIdentity.Email(value),
            _ => throw new NotSupportedException($"peer name kind {kind}"),
        };
    }

    private static List<Certificate> ParseList(JsonElement tc, string field, List<string> notes)
    {
        var list = new List<Certificate>();
        if (!tc.TryGetProperty(field, out var arr) || arr.ValueKind != JsonValueKind.Array)
        {
            return list;
        }
        int i = 0;
        foreach (var e in arr.EnumerateArray())
        {
            try
            {
                list.Add(Certificate.ParsePem(e.GetString() ?? "", $"{field}[{i}]"));
            }
            catch (CertificateFormatException ex)
            {
                // A malformed certificate cannot be part of any path; it is left out and said so.
                notes.Add("ignored " + ex.Message);
            }
            i++;
        }
        return list;
    }

    private static KeyUsageFlags KeyUsageName(string? n) => n switch
    {
        "digitalSignature" => KeyUsageFlags.DigitalSignature,
        "contentCommitment" or "nonRepudiation" => KeyUsageFlags.NonRepudiation,
        "keyEncipherment" => KeyUsageFlags.KeyEncipherment,
        "dataEncipherment" => KeyUsageFlags.DataEncipherment,
        "keyAgreement" => KeyUsageFlags.KeyAgreement,
        "keyCertSign" => KeyUsageFlags.KeyCertSign,
        "cRLSign" => KeyUsageFlags.CrlSign,
        "encipherOnly" => KeyUsageFlags.EncipherOnly,
        "decipherOnly" => KeyUsageFlags.DecipherOnly,
        _ => throw new NotSupportedException($"key usage {n}"),
    };

    /// <summary>limbo's SignatureAlgorithm names (RSA PKCS#1 v1.5, RSASSA-PSS, ECDSA, DSA, EdDSA).</summary>
    private static string? SignatureAlgorithmOid(string? n) => n switch
    {
        "RSA_WITH_MD5" => "1.2.840.113549.1.1.4",
        "RSA_WITH_SHA1" => "1.2.840.113549.1.1.5",
        "RSA_WITH_SHA224" => "1.2.840.113549.1.1.14",
        "RSA_WITH_SHA256" => "1.2.840.113549.1.1.11",
        "RSA_WITH_SHA384" => "1.2.840.113549.1.1.12",
        "RSA_WITH_SHA512" => "1.2.840.113549.1.1.13",
        "RSA_WITH_SHA3_224" => "2.16.840.1.101.3.4.3.13",
        "RSA_WITH_SHA3_256" => "2.16.840.1.101.3.4.3.14",
        "RSA_WITH_SHA3_384" => "2.16.840.1.101.3.4.3.15",
        "RSA_WITH_SHA3_512" => "2.16.840.1.101.3.4.3.16",
        "RSASSA_PSS" => "1.2.840.113549.1.1.10",
        "ECDSA_WITH_SHA1" => "1.2.840.10045.4.1",
        "ECDSA_WITH_SHA224" => "1.2.840.10045.4.3.1",
        "ECDSA_WITH_SHA256" => "1.2.840.10045.4.3.2",
        "ECDSA_WITH_SHA384" => "1.2.840.10045.4.3.3",
        "ECDSA_WITH_SHA512" => "1.2.840.10045.4.3.4",
        "ECDSA_WITH_SHA3_224" => "2.16.840.1.101.3.4.3.9",
        "ECDSA_WITH_SHA3_256" => "2.16.840.1.101.3.4.3.10",
        "ECDSA_WITH_SHA3_384" => "2.16.840.1.101.3.4.3.11",
        "ECDSA_WITH_SHA3_512" => "2.16.840.1.101.3.4.3.12",
        "DSA_WITH_SHA1" => "1.2.840.10040.4.3",
        "DSA_WITH_SHA224" => "2.16.840.1.101.3.4.3.1",
        "DSA_WITH_SHA256" => "2.16.840.1.101.3.4.3.2",
        "DSA_WITH_SHA384" => "2.16.840.1.101.3.4.3.3",
        "DSA_WITH_SHA512" => "2.16.840.1.101.3.4.3.4",
        "ED25519" => "1.3.101.112",
        "ED448" => "1.3.101.113",
        _ => null,
    };

    private static string EkuOid(string? n) => n switch
    {
        "serverAuth" => KeyPurposes.ServerAuth,
        "clientAuth" => KeyPurposes.ClientAuth,
        "codeSigning" => KeyPurposes.CodeSigning,
        "emailProtection" => KeyPurposes.EmailProtection,
        "timeStamping" => KeyPurposes.TimeStamping,
        "OCSPSigning" => KeyPurposes.OcspSigning,
        "anyExtendedKeyUsage" => KeyPurposes.Any,
        _ => throw new NotSupportedException($"extended key usage {n}"),
    };
}
