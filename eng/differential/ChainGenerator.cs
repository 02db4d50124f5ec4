using System.Formats.Asn1;
using System.Security.Cryptography;

namespace Certitude.Differential;

/// <summary>One generated chain: DER certificates (root first is the trust anchor), the validation time,
/// and what was varied, for reports.</summary>
internal sealed record GeneratedChain(int Seed, byte[] Root, byte[][] Intermediates, byte[] Leaf, DateTimeOffset Time, IReadOnlyList<string> Features);

/// <summary>
/// Random certificate chains for the differential run against OpenSSL (issue 13): root → 0-2 intermediates
/// → leaf, each certificate drawn from the shapes RFC 5280 speaks about: versions 1-3 and unique
/// identifiers, extension sets and criticality, basicConstraints and pathLenConstraint, keyUsage, EKU, name
/// constraints of several forms (dNSName with and without a leading period, iPAddress with host bits set,
/// rfc822Name, minimum/maximum), policies with qualifiers and mappings, unknown critical extensions, validity
/// edges at the second, P-256/P-384/RSA-2048 keys, and DER slips (explicit DEFAULT values).
/// A chain is a pure function of its seed and the key pool (keys only change signatures, not verdicts).
/// With <c>extendedAlgorithms</c> the same seeds draw from other pools (the random choices are the same, so the
/// structures are too): brainpoolP256r1 signing ecdsa-with-SHA224, brainpoolP384r1/P512r1 and P-521 signing with
/// SHA-384/512, RSA-3072 signing sha224WithRSAEncryption and RSA-2048 signing RSASSA-PSS (SHA-256, salt 32).
/// </summary>
internal sealed class ChainGenerator
{
    public static readonly DateTimeOffset Time = new(2026, 6, 1, 12, 0, 0, TimeSpan.Zero);

    private readonly AsymmetricAlgorithm[] _p256, _p384, _rsa;
    private readonly bool _extended;

    public ChainGenerator(int poolSize = 3, bool extendedAlgorithms = false)
    {
        _extended = extendedAlgorithms;
        if (!extendedAlgorithms)
        {
            _p256 = [.. Enumerable.Range(0, poolSize).Select(_ => (AsymmetricAlgorithm)ECDsa.Create(ECCurve.NamedCurves.nistP256))];
            _p384 = [.. Enumerable.Range(0, poolSize).Select(_ => (AsymmetricAlgorithm)ECDsa.Create(ECCurve.NamedCurves.nistP384))];
            _rsa = [.. Enumerable.Range(0, poolSize).Select(_ => (AsymmetricAlgorithm)RSA.Create(2048))];
            return;
        }
        ECCurve[] larger = [ECCurve.NamedCurves.brainpoolP384r1, ECCurve.NamedCurves.nistP521, ECCurve.NamedCurves.brainpoolP512r1];
        _p256 = [.. Enumerable.Range(0, poolSize).Select(_ => (AsymmetricAlgorithm)ECDsa.Create(ECCurve.NamedCurves.brainpoolP256r1))];
        _p384 = [.. Enumerable.Range(0, Math.Max(poolSize, 3)).Select(i => (AsymmetricAlgorithm)ECDsa.Create(larger[i % 3]))];
        _rsa = [.. Enumerable.Range(0, Math.Max(poolSize, 2)).Select(i => (AsymmetricAlgorithm)RSA.Create(i % 2 == 0 ? 3072 : 2048))];
    }

    private const string P1 = "1.3.6.1.4.1.55555.1.1", P2 = "1.3.6.1.4.1.55555.1.2", AnyPolicy = "2.5.29.32.0";

    private sealed class Spec
    {
        public int Version = 3;
        public bool UniqueIds;
        public string Subject = "";
        public string? SubjectEmail;
        public AsymmetricAlgorithm Key = null!;
        public DateTimeOffset NotBefore = Time.AddDays(-30), NotAfter = Time.AddDays(30);
        public List<(string Oid, bool Critical, byte[] Value, bool ExplicitFalse)> Extensions = [];
    }

    public GeneratedChain Make(int seed)
    {
        var rng = new Random(seed);
        var features = new List<string>();
        int depth = Pick(rng, (0, 1), (1, 3), (2, 1));
        var specs = new List<Spec>();

        // Root: a v3 self-signed CA, sometimes with constraints of its own.
        var root = new Spec { Subject = $"Diff Root {seed}", Key = PickKey(rng) };
        AddCa(rng, root, features, "root", isRoot: true);
        specs.Add(root);
        for (int i = 0; i < depth; i++)
        {
            var ica = new Spec { Subject = $"Diff ICA {i} {seed}", Key = PickKey(rng) };
            AddCa(rng, ica, features, $"ica{i}", isRoot: false);
            specs.Add(ica);
        }
        var leaf = new Spec { Key = PickKey(rng) };
        AddLeaf(rng, leaf, features);
        specs.Add(leaf);
        if (_extended)
        {
            for (int i = 0; i < specs.Count; i++)
            {
                string who = i == 0 ? "root" : i == specs.Count - 1 ? "leaf" : $"ica{i - 1}";
                features.Add($"{who}:key={KeyName(specs[i].Key)}");
            }
        }

        // Validity edges (inclusive bounds, compared at the second).
        for (int i = 0; i < specs.Count; i++)
        {
            string who = i == 0 ? "root" : i == specs.Count - 1 ? "leaf" : $"ica{i - 1}";
            switch (rng.Next(40))
            {
                case 0: specs[i].NotAfter = Time.AddSeconds(-1); features.Add($"{who}:expired-1s"); break;
                case 1: specs[i].NotAfter = Time; features.Add($"{who}:notAfter=now"); break;
                case 2: specs[i].NotBefore = Time.AddSeconds(1); features.Add($"{who}:notBefore+1s"); break;
                case 3: specs[i].NotBefore = Time; features.Add($"{who}:notBefore=now"); break;
                default: break;
            }
        }

        // Versions other than 3 (their extensions dropped unless the slip is kept on purpose).
        for (int i = 0; i < specs.Count; i++)
        {
            string who = i == 0 ? "root" : i == specs.Count - 1 ? "leaf" : $"ica{i - 1}";
            int roll = rng.Next(100);
            if (roll < 5)
            {
                specs[i].Version = 1;
                features.Add($"{who}:v1");
                if (rng.Next(4) != 0)
                {
                    specs[i].Extensions.Clear();
                }
                else
                {
                    features.Add($"{who}:v1-with-extensions");
                }
                if (rng.Next(10) == 0)
                {
                    specs[i].UniqueIds = true;
                    features.Add($"{who}:v1-unique-ids");
                }
            }
            else if (roll < 8)
            {
                specs[i].Version = 2;
                features.Add($"{who}:v2");
                specs[i].Extensions.Clear();
                specs[i].UniqueIds = rng.Next(2) == 0;
            }
            else if (roll < 10)
            {
                specs[i].UniqueIds = true;
                features.Add($"{who}:v3-unique-ids");
            }
        }

        // Key identifiers (RFC 5280 4.2.1.1, 4.2.1.2), occasionally left out.
        for (int i = 0; i < specs.Count; i++)
        {
            if (specs[i].Version != 3)
            {
                continue;
            }
            if (i < specs.Count - 1 && rng.Next(30) != 0)
            {
                specs[i].Extensions.Add(("2.5.29.14", false, OctetString(KeyId(specs[i].Key)), false));
            }
            if (i > 0 && rng.Next(30) != 0)
            {
                specs[i].Extensions.Add(("2.5.29.35", false, Aki(KeyId(specs[i - 1].Key)), false));
            }
        }

        var ders = new byte[specs.Count][];
        for (int i = 0; i < specs.Count; i++)
        {
            var issuer = i == 0 ? specs[0] : specs[i - 1];
            ders[i] = Build(specs[i], issuer, rng);
        }
        return new GeneratedChain(seed, ders[0], ders[1..^1], ders[^1], Time, features);
    }

    private static int Pick(Random rng, params (int Value, int Weight)[] choices)
    {
        int total = choices.Sum(c => c.Weight), r = rng.Next(total);
        foreach (var (v, w) in choices)
        {
            if (r < w)
            {
                return v;
            }
            r -= w;
        }
        return choices[^1].Value;
    }

    private AsymmetricAlgorithm PickKey(Random rng) => rng.Next(4) switch
    {
        0 or 1 => _p256[rng.Next(_p256.Length)],
        2 => _p384[rng.Next(_p384.Length)],
        _ => _rsa[rng.Next(_rsa.Length)],
    };

    private static void AddCa(Random rng, Spec s, List<string> f, string who, bool isRoot)
    {
        // basicConstraints
        int bc = isRoot ? rng.Next(20) : rng.Next(100);
        if (bc < 4 && !isRoot)
        {
            f.Add($"{who}:no-basicConstraints");
        }
        else if (bc < 8 && !isRoot)
        {
            s.Extensions.Add(("2.5.29.19", rng.Next(2) == 0, BasicConstraints(false, null, explicitFalse: false), false));
            f.Add($"{who}:cA=false");
        }
        else
        {
            int? pathLen = rng.Next(4) == 0 ? rng.Next(3) : null;
            bool critical = rng.Next(12) != 0;
            s.Extensions.Add(("2.5.29.19", critical, BasicConstraints(true, pathLen, false), false));
            if (pathLen is int p)
            {
                f.Add($"{who}:pathLen={p}");
            }
            if (!critical)
            {
                f.Add($"{who}:bc-not-critical");
            }
        }
        // keyUsage
        int ku = rng.Next(20);
        if (ku == 0)
        {
            f.Add($"{who}:no-keyUsage");
        }
        else if (ku == 1)
        {
            s.Extensions.Add(("2.5.29.15", true, KeyUsage(0x80), false));
            f.Add($"{who}:ku-without-keyCertSign");
        }
        else
        {
            s.Extensions.Add(("2.5.29.15", rng.Next(6) != 0, KeyUsage(0x06), false));
        }
        // extKeyUsage on a CA
        switch (rng.Next(12))
        {
            case 0: s.Extensions.Add(("2.5.29.37", false, Eku("1.3.6.1.5.5.7.3.1"), false)); f.Add($"{who}:eku=serverAuth"); break;
            case 1: s.Extensions.Add(("2.5.29.37", false, Eku("1.3.6.1.5.5.7.3.3"), false)); f.Add($"{who}:eku=codeSigning"); break;
            default: break;
        }
        // nameConstraints
        if (rng.Next(isRoot ? 12 : 4) == 0)
        {
            var (value, desc) = NameConstraints(rng);
            bool critical = rng.Next(8) != 0;
            s.Extensions.Add(("2.5.29.30", critical, value, false));
            f.Add($"{who}:nc[{desc}]{(critical ? "" : "-noncritical")}");
        }
        AddPolicies(rng, s, f, who, ca: true);
        AddOddities(rng, s, f, who);
    }

    private static void AddLeaf(Random rng, Spec s, List<string> f)
    {
        string[] dns = ["www.example.com", "example.com", "a.b.example.com", "host.other.test", "*.example.com"];
        string[] ips = ["10.0.0.5", "192.0.2.1", "::ffff:10.0.0.5", "2001:db8::5"];
        string[] emails = ["alice@example.com", "bob@other.test", "carol@mail.example.com"];
        var names = new List<(int Tag, byte[] Value, string Text)>();
        if (rng.Next(6) != 0)
        {
            int n = 1 + rng.Next(2);
            for (int i = 0; i < n; i++)
            {
                switch (rng.Next(5))
                {
                    case 0 or 1 or 2: var d = dns[rng.Next(dns.Length)]; names.Add((2, System.Text.Encoding.ASCII.GetBytes(d), "DNS:" + d)); break;
                    case 3: var ip = ips[rng.Next(ips.Length)]; names.Add((7, System.Net.IPAddress.Parse(ip).GetAddressBytes(), "IP:" + ip)); break;
                    default: var e = emails[rng.Next(emails.Length)]; names.Add((1, System.Text.Encoding.ASCII.GetBytes(e), "email:" + e)); break;
                }
            }
            s.Extensions.Add(("2.5.29.17", false, GeneralNames(names), false));
            f.Add("leaf:san[" + string.Join(",", names.Select(x => x.Text)) + "]");
            s.Subject = rng.Next(2) == 0 ? "leaf" : names[0].Text[(names[0].Text.IndexOf(':') + 1)..];
        }
        else
        {
            string[] cns = ["www.example.com", "host.other.test", "10.0.0.5", "192.0.2.1", "Alice Example"];
            s.Subject = cns[rng.Next(cns.Length)];
            f.Add($"leaf:no-san cn={s.Subject}");
        }
        if (rng.Next(8) == 0)
        {
            s.SubjectEmail = emails[rng.Next(emails.Length)];
            f.Add($"leaf:subject-email={s.SubjectEmail}");
        }
        switch (rng.Next(20))
        {
            case 0: s.Extensions.Add(("2.5.29.19", true, BasicConstraints(true, null, false), false)); f.Add("leaf:cA=true"); break;
            case 1 or 2: s.Extensions.Add(("2.5.29.19", rng.Next(2) == 0, BasicConstraints(false, null, explicitFalse: true), false)); f.Add("leaf:bc-explicit-false"); break;
            case 3: s.Extensions.Add(("2.5.29.19", false, BasicConstraints(false, 1, false), false)); f.Add("leaf:pathLen-without-cA"); break;
            default: break;
        }
        switch (rng.Next(10))
        {
            case 0: f.Add("leaf:no-keyUsage"); break;
            case 1: s.Extensions.Add(("2.5.29.15", true, KeyUsage(0x04), false)); f.Add("leaf:ku=keyCertSign"); break;
            default: s.Extensions.Add(("2.5.29.15", rng.Next(3) != 0, KeyUsage(0x80), false)); break;
        }
        switch (rng.Next(6))
        {
            case 0: break;
            case 1: s.Extensions.Add(("2.5.29.37", rng.Next(4) == 0, Eku("2.5.29.37.0"), false)); f.Add("leaf:eku=any"); break;
            case 2: s.Extensions.Add(("2.5.29.37", false, Eku("1.3.6.1.5.5.7.3.3"), false)); f.Add("leaf:eku=codeSigning"); break;
            default: s.Extensions.Add(("2.5.29.37", false, Eku("1.3.6.1.5.5.7.3.1"), false)); break;
        }
        if (rng.Next(25) == 0)
        {
            var (value, desc) = NameConstraints(rng);
            s.Extensions.Add(("2.5.29.30", true, value, false));
            f.Add($"leaf:nc[{desc}]");
        }
        AddPolicies(rng, s, f, "leaf", ca: false);
        AddOddities(rng, s, f, "leaf");
    }

    private static void AddPolicies(Random rng, Spec s, List<string> f, string who, bool ca)
    {
        if (rng.Next(4) == 0)
        {
            string[] pool = [P1, P2, AnyPolicy];
            var chosen = pool.Where(_ => rng.Next(2) == 0).ToList();
            if (chosen.Count == 0)
            {
                chosen.Add(P1);
            }
            int qualifier = rng.Next(8); // 0: CPS, 1: user notice, 2: unknown qualifier, 3: malformed CPS
            bool critical = rng.Next(4) == 0;
            s.Extensions.Add(("2.5.29.32", critical, Policies(chosen, qualifier), false));
            f.Add($"{who}:policies[{string.Join(",", chosen.Select(Short))}]{(qualifier < 4 ? "+q" + qualifier : "")}{(critical ? "-critical" : "")}");
        }
        if (ca && rng.Next(12) == 0)
        {
            var (from, to) = rng.Next(3) switch { 0 => (AnyPolicy, P1), 1 => (P1, AnyPolicy), _ => (P1, P2) };
            s.Extensions.Add(("2.5.29.33", true, Mappings(from, to), false));
            f.Add($"{who}:map[{Short(from)}->{Short(to)}]");
        }
        if (ca && rng.Next(20) == 0)
        {
            s.Extensions.Add(("2.5.29.36", true, PolicyConstraints(0), false));
            f.Add($"{who}:requireExplicitPolicy=0");
        }
        if (!ca && rng.Next(40) == 0)
        {
            s.Extensions.Add(("2.5.29.33", true, Mappings(AnyPolicy, P1), false));
            f.Add($"{who}:map[any->p1]");
        }
    }

    private static string Short(string oid) => oid switch { P1 => "p1", P2 => "p2", AnyPolicy => "any", _ => oid };

    private static void AddOddities(Random rng, Spec s, List<string> f, string who)
    {
        if (rng.Next(40) == 0)
        {
            s.Extensions.Add(("1.3.6.1.4.1.55555.9", true, [0x05, 0x00], false));
            f.Add($"{who}:unknown-critical-ext");
        }
        if (rng.Next(40) == 0 && s.Extensions.Count > 0)
        {
            // DER slip: critical FALSE written out (X.690 11.5 omits DEFAULT values).
            int i = rng.Next(s.Extensions.Count);
            var e = s.Extensions[i];
            if (!e.Critical)
            {
                s.Extensions[i] = (e.Oid, false, e.Value, true);
                f.Add($"{who}:explicit-critical-false");
            }
        }
    }

    private static (byte[] Value, string Description) NameConstraints(Random rng)
    {
        var permitted = new List<(int Tag, byte[] Value, string Text, int? Min, int? Max)>();
        var excluded = new List<(int Tag, byte[] Value, string Text, int? Min, int? Max)>();
        int n = 1 + rng.Next(2);
        for (int i = 0; i < n; i++)
        {
            (int, byte[], string) b = rng.Next(9) switch
            {
                0 => (2, "example.com"u8.ToArray(), "DNS:example.com"),
                1 => (2, ".example.com"u8.ToArray(), "DNS:.example.com"),
                2 => (2, "other.test"u8.ToArray(), "DNS:other.test"),
                3 => (7, [10, 0, 0, 0, 255, 0, 0, 0], "IP:10.0.0.0/8"),
                4 => (7, [10, 1, 2, 3, 255, 0, 0, 0], "IP:10.1.2.3/255.0.0.0"),
                5 => (7, [192, 0, 2, 0, 255, 255, 255, 0], "IP:192.0.2.0/24"),
                6 => (1, "example.com"u8.ToArray(), "email:example.com"),
                7 => (1, ".example.com"u8.ToArray(), "email:.example.com"),
                _ => (6, "example.com"u8.ToArray(), "URI:example.com"),
            };
            int? min = null, max = null;
            string extra = "";
            switch (rng.Next(30))
            {
                case 0: min = 0; extra = "+min0"; break;
                case 1: min = 1; extra = "+min1"; break;
                case 2: max = 2; extra = "+max2"; break;
                default: break;
            }
            var entry = (b.Item1, b.Item2, b.Item3 + extra, min, max);
            (rng.Next(2) == 0 ? permitted : excluded).Add(entry);
        }
        var w = new AsnWriter(AsnEncodingRules.DER);
        using (w.PushSequence())
        {
            void Trees(int tag, List<(int Tag, byte[] Value, string Text, int? Min, int? Max)> trees)
            {
                if (trees.Count == 0)
                {
                    return;
                }
                using (w.PushSequence(new Asn1Tag(TagClass.ContextSpecific, tag, true)))
                {
                    foreach (var t in trees)
                    {
                        using (w.PushSequence())
                        {
                            w.WriteOctetString(t.Value, new Asn1Tag(TagClass.ContextSpecific, t.Tag));
                            if (t.Min is int mi)
                            {
                                w.WriteInteger(mi, new Asn1Tag(TagClass.ContextSpecific, 0));
                            }
                            if (t.Max is int ma)
                            {
                                w.WriteInteger(ma, new Asn1Tag(TagClass.ContextSpecific, 1));
                            }
                        }
                    }
                }
            }
            Trees(0, permitted);
            Trees(1, excluded);
        }
        var desc = (permitted.Count > 0 ? "permit " + string.Join(" ", permitted.Select(p => p.Text)) : "")
            + (permitted.Count > 0 && excluded.Count > 0 ? "; " : "")
            + (excluded.Count > 0 ? "exclude " + string.Join(" ", excluded.Select(p => p.Text)) : "");
        return (w.Encode(), desc);
    }

    // ---------------------------------------------------------------- DER

    private static byte[] Encode(Action<AsnWriter> write)
    {
        var w = new AsnWriter(AsnEncodingRules.DER);
        write(w);
        return w.Encode();
    }

    private static byte[] BasicConstraints(bool ca, int? pathLen, bool explicitFalse)
    {
        var inner = Encode(w =>
        {
            using (w.PushSequence())
            {
                if (ca)
                {
                    w.WriteBoolean(true);
                }
                if (pathLen is int p)
                {
                    w.WriteInteger(p);
                }
            }
        });
        if (!explicitFalse)
        {
            return inner;
        }
        // DER slip: cA FALSE written out (DEFAULT FALSE must be omitted).
        return [0x30, 0x03, 0x01, 0x01, 0x00];
    }

    private static byte[] KeyUsage(byte firstOctet) => Encode(w =>
    {
        // Named bits: 0x80 digitalSignature, 0x04 keyCertSign, 0x02 cRLSign.
        int unused = System.Numerics.BitOperations.TrailingZeroCount(firstOctet);
        w.WriteBitString([firstOctet], unused);
    });

    private static byte[] Eku(params string[] oids) => Encode(w =>
    {
        using (w.PushSequence())
        {
            foreach (var o in oids)
            {
                w.WriteObjectIdentifier(o);
            }
        }
    });

    private static byte[] OctetString(byte[] b) => Encode(w => w.WriteOctetString(b));

    private static byte[] Aki(byte[] keyId) => Encode(w =>
    {
        using (w.PushSequence())
        {
            w.WriteOctetString(keyId, new Asn1Tag(TagClass.ContextSpecific, 0));
        }
    });

    private static byte[] KeyId(AsymmetricAlgorithm key)
    {
        var spki = key switch { ECDsa e => e.ExportSubjectPublicKeyInfo(), RSA r => r.ExportSubjectPublicKeyInfo(), _ => throw new NotSupportedException() };
        var r0 = new AsnReader(spki, AsnEncodingRules.DER).ReadSequence();
        r0.ReadEncodedValue();
        var bits = r0.ReadBitString(out _);
        return SHA1.HashData(bits);
    }

    private static byte[] GeneralNames(List<(int Tag, byte[] Value, string Text)> names) => Encode(w =>
    {
        using (w.PushSequence())
        {
            foreach (var (tag, value, _) in names)
            {
                w.WriteOctetString(value, new Asn1Tag(TagClass.ContextSpecific, tag));
            }
        }
    });

    private static byte[] Policies(List<string> oids, int qualifier) => Encode(w =>
    {
        using (w.PushSequence())
        {
            foreach (var o in oids)
            {
                using (w.PushSequence())
                {
                    w.WriteObjectIdentifier(o);
                    if (qualifier < 4)
                    {
                        using (w.PushSequence())
                        using (w.PushSequence())
                        {
                            switch (qualifier)
                            {
                                case 0:
                                    w.WriteObjectIdentifier("1.3.6.1.5.5.7.2.1");
                                    w.WriteCharacterString(UniversalTagNumber.IA5String, "http://cps.example/");
                                    break;
                                case 1:
                                    w.WriteObjectIdentifier("1.3.6.1.5.5.7.2.2");
                                    using (w.PushSequence())
                                    {
                                        w.WriteCharacterString(UniversalTagNumber.UTF8String, "notice");
                                    }
                                    break;
                                case 2:
                                    w.WriteObjectIdentifier("1.3.6.1.4.1.55555.2");
                                    w.WriteCharacterString(UniversalTagNumber.UTF8String, "?");
                                    break;
                                default:
                                    w.WriteObjectIdentifier("1.3.6.1.5.5.7.2.1");
                                    w.WriteInteger(7);
                                    break;
                            }
                        }
                    }
                }
            }
        }
    });

    private static byte[] Mappings(string from, string to) => Encode(w =>
    {
        using (w.PushSequence())
        using (w.PushSequence())
        {
            w.WriteObjectIdentifier(from);
            w.WriteObjectIdentifier(to);
        }
    });

    private static byte[] PolicyConstraints(int requireExplicit) => Encode(w =>
    {
        using (w.PushSequence())
        {
            w.WriteInteger(requireExplicit, new Asn1Tag(TagClass.ContextSpecific, 0));
        }
    });

    private static void WriteName(AsnWriter w, string cn, string? email)
    {
        using (w.PushSequence())
        {
            using (w.PushSetOf())
            using (w.PushSequence())
            {
                w.WriteObjectIdentifier("2.5.4.3");
                w.WriteCharacterString(UniversalTagNumber.UTF8String, cn);
            }
            if (email is not null)
            {
                using (w.PushSetOf())
                using (w.PushSequence())
                {
                    w.WriteObjectIdentifier("1.2.840.113549.1.9.1");
                    w.WriteCharacterString(UniversalTagNumber.IA5String, email);
                }
            }
        }
    }

    private static byte[] Sha224Of(byte[] data)
    {
        var digest = new byte[Certitude.Signatures.Sha224.HashBytes];
        Certitude.Signatures.Sha224.HashData(data, digest);
        return digest;
    }

    private static string KeyName(AsymmetricAlgorithm key) => key switch
    {
        ECDsa e => e.ExportParameters(false).Curve.Oid.FriendlyName ?? "EC",
        _ => $"RSA-{key.KeySize}",
    };

    private static bool IsBrainpool256(ECDsa e) => e.ExportParameters(false).Curve.Oid.Value == "1.3.36.3.3.2.8.1.1.7";

    private static byte[] EcdsaId(string oid) => Encode(w => { using (w.PushSequence()) { w.WriteObjectIdentifier(oid); } });

    private static (byte[] Der, HashAlgorithmName Hash) SignatureAlgorithm(AsymmetricAlgorithm key, bool extended) => key switch
    {
        ECDsa e when extended && IsBrainpool256(e) => (EcdsaId("1.2.840.10045.4.3.1"), Certitude.Signatures.Sha224.Name),
        ECDsa e when e.KeySize > 384 => (EcdsaId("1.2.840.10045.4.3.4"), HashAlgorithmName.SHA512),
        ECDsa e when e.KeySize == 384 => (EcdsaId("1.2.840.10045.4.3.3"), HashAlgorithmName.SHA384),
        ECDsa => (EcdsaId("1.2.840.10045.4.3.2"), HashAlgorithmName.SHA256),
        RSA r when extended && r.KeySize == 3072 => (Encode(w => { using (w.PushSequence()) { w.WriteObjectIdentifier("1.2.840.113549.1.1.14"); w.WriteNull(); } }), Certitude.Signatures.Sha224.Name),
        RSA when extended => (PssSha256Id(), HashAlgorithmName.SHA256),
        _ => (Encode(w => { using (w.PushSequence()) { w.WriteObjectIdentifier("1.2.840.113549.1.1.11"); w.WriteNull(); } }), HashAlgorithmName.SHA256),
    };

    /// <summary>RFC 4055 3.1: RSASSA-PSS with SHA-256, MGF1-SHA-256 and a salt of 32.</summary>
    private static byte[] PssSha256Id() => Encode(w =>
    {
        using (w.PushSequence())
        {
            w.WriteObjectIdentifier("1.2.840.113549.1.1.10");
            using (w.PushSequence())
            {
                using (w.PushSequence(new Asn1Tag(TagClass.ContextSpecific, 0)))
                using (w.PushSequence())
                {
                    w.WriteObjectIdentifier("2.16.840.1.101.3.4.2.1");
                    w.WriteNull();
                }
                using (w.PushSequence(new Asn1Tag(TagClass.ContextSpecific, 1)))
                using (w.PushSequence())
                {
                    w.WriteObjectIdentifier("1.2.840.113549.1.1.8");
                    using (w.PushSequence())
                    {
                        w.WriteObjectIdentifier("2.16.840.1.101.3.4.2.1");
                        w.WriteNull();
                    }
                }
                using (w.PushSequence(new Asn1Tag(TagClass.ContextSpecific, 2)))
                {
                    w.WriteInteger(32);
                }
            }
        }
    });

    /// <summary>RSASSA-PKCS1-v1_5 with SHA-224 (RFC 8017 8.2.1, 9.2), which .NET cannot sign: the encoding, then the
    /// private operation by the Chinese remainder theorem.</summary>
    internal static byte[] SignSha224Pkcs1(RSA rsa, byte[] data)
    {
        var digest = new byte[Certitude.Signatures.Sha224.HashBytes];
        Certitude.Signatures.Sha224.HashData(data, digest);
        var p = rsa.ExportParameters(true);
        int k = p.Modulus!.Length;
        byte[] prefix = [0x30, 0x2d, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x04, 0x05, 0x00, 0x04, 0x1c];
        var em = new byte[k];
        em[1] = 0x01;
        int t = prefix.Length + digest.Length;
        em.AsSpan(2, k - t - 3).Fill(0xFF);
        prefix.CopyTo(em, k - t);
        digest.CopyTo(em, k - digest.Length);
        static System.Numerics.BigInteger U(byte[] b) => new(b, isUnsigned: true, isBigEndian: true);
        var m = U(em);
        var (pp, q) = (U(p.P!), U(p.Q!));
        var m1 = System.Numerics.BigInteger.ModPow(m, U(p.DP!), pp);
        var m2 = System.Numerics.BigInteger.ModPow(m, U(p.DQ!), q);
        var h = (U(p.InverseQ!) * (m1 - m2 + pp)) % pp;
        var sBytes = (m2 + h * q).ToByteArray(isUnsigned: true, isBigEndian: true);
        var sig = new byte[k];
        sBytes.CopyTo(sig, k - sBytes.Length);
        return sig;
    }

    private byte[] Build(Spec s, Spec issuer, Random rng)
    {
        var (sigAlg, hash) = SignatureAlgorithm(issuer.Key, _extended);
        var spki = s.Key switch { ECDsa e => e.ExportSubjectPublicKeyInfo(), RSA r => r.ExportSubjectPublicKeyInfo(), _ => throw new NotSupportedException() };
        var serial = new byte[8];
        rng.NextBytes(serial);
        serial[0] = (byte)((serial[0] & 0x7F) | 0x01);
        var tbs = Encode(w =>
        {
            using (w.PushSequence())
            {
                if (s.Version > 1)
                {
                    using (w.PushSequence(new Asn1Tag(TagClass.ContextSpecific, 0, true)))
                    {
                        w.WriteInteger(s.Version - 1);
                    }
                }
                w.WriteIntegerUnsigned(serial);
                w.WriteEncodedValue(sigAlg);
                WriteName(w, issuer.Subject, issuer == s ? s.SubjectEmail : issuer.SubjectEmail);
                using (w.PushSequence())
                {
                    w.WriteUtcTime(s.NotBefore);
                    w.WriteUtcTime(s.NotAfter);
                }
                WriteName(w, s.Subject, s.SubjectEmail);
                w.WriteEncodedValue(spki);
                if (s.UniqueIds)
                {
                    w.WriteBitString([0x5A], 0, new Asn1Tag(TagClass.ContextSpecific, 1));
                    w.WriteBitString([0xA5], 0, new Asn1Tag(TagClass.ContextSpecific, 2));
                }
                if (s.Extensions.Count > 0)
                {
                    using (w.PushSequence(new Asn1Tag(TagClass.ContextSpecific, 3, true)))
                    using (w.PushSequence())
                    {
                        foreach (var e in s.Extensions)
                        {
                            using (w.PushSequence())
                            {
                                w.WriteObjectIdentifier(e.Oid);
                                if (e.Critical)
                                {
                                    w.WriteBoolean(true);
                                }
                                else if (e.ExplicitFalse)
                                {
                                    w.WriteBoolean(false);
                                }
                                w.WriteOctetString(e.Value);
                            }
                        }
                    }
                }
            }
        });
        byte[] sig = issuer.Key switch
        {
            ECDsa e when hash == Certitude.Signatures.Sha224.Name => e.SignHash(Sha224Of(tbs), DSASignatureFormat.Rfc3279DerSequence),
            ECDsa e => e.SignData(tbs, hash, DSASignatureFormat.Rfc3279DerSequence),
            RSA r when hash == Certitude.Signatures.Sha224.Name => SignSha224Pkcs1(r, tbs),
            RSA r => r.SignData(tbs, hash, _extended ? RSASignaturePadding.Pss : RSASignaturePadding.Pkcs1),
            _ => throw new NotSupportedException(),
        };
        return Encode(w =>
        {
            using (w.PushSequence())
            {
                w.WriteEncodedValue(tbs);
                w.WriteEncodedValue(sigAlg);
                w.WriteBitString(sig);
            }
        });
    }
}
