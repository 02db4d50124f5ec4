using System.Diagnostics;
using System.Reflection;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Certitude.Cli;

/// <summary>Settings of <c>certitude speed</c>.</summary>
internal sealed record SpeedSettings(double Seconds, string Mode, bool CompareX509Chain, bool Json, bool ComparePortable = false);

/// <summary>One engine's figures.</summary>
internal sealed record EngineFigures(long Validations, double MicrosecondsPerValidation, double BytesPerValidation);

/// <summary>
/// The <c>openssl speed</c> of verification: verifies the chains of a limbo-format suite (by default
/// the built-in online:: chains) for a time, in one mode — cold (a new verifier, every certificate
/// parsed), warm (a long-lived verifier that has seen the intermediates and root; the leaf parsed
/// and its signature checked each time) or hot (the same chain again) — and reports microseconds
/// and managed bytes per validation, optionally beside X509Chain in interleaved slices. The suite's
/// DER arrays are never modified, so certificates are parsed from them without a copy
/// (<see cref="Certificate.Parse(ReadOnlyMemory{byte})"/>); parsing from a span adds one copy of the DER.
/// </summary>
internal static class Speed
{
    internal sealed class Chain
    {
        public required string Id { get; init; }
        public required byte[] Leaf { get; init; }
        public required byte[][] Intermediates { get; init; }
        public required byte[][] Roots { get; init; }
        public required DateTimeOffset Time { get; init; }
        public required PeerIdentity Peer { get; init; }
    }

    public static List<Chain> Load(JsonDocument suite)
    {
        var list = new List<Chain>();
        foreach (var t in suite.RootElement.GetProperty("testcases").EnumerateArray())
        {
            if (t.GetProperty("expected_result").GetString() != "SUCCESS" || t.GetProperty("crls").GetArrayLength() > 0)
            {
                continue;
            }
            var time = t.GetProperty("validation_time").ValueKind == JsonValueKind.String
                ? DateTimeOffset.Parse(t.GetProperty("validation_time").GetString()!, System.Globalization.CultureInfo.InvariantCulture) : DateTimeOffset.UtcNow;
            var pn = t.GetProperty("expected_peer_name");
            list.Add(new Chain
            {
                Id = t.GetProperty("id").GetString()!,
                Leaf = Der(t.GetProperty("peer_certificate").GetString()!),
                Intermediates = t.GetProperty("untrusted_intermediates").EnumerateArray().Select(e => Der(e.GetString()!)).ToArray(),
                Roots = t.GetProperty("trusted_certs").EnumerateArray().Select(e => Der(e.GetString()!)).ToArray(),
                Time = time,
                Peer = pn.ValueKind == JsonValueKind.Object && pn.GetProperty("kind").GetString() == "DNS" ? PeerIdentity.Dns(pn.GetProperty("value").GetString()!) : PeerIdentity.Dns("invalid.invalid"),
            });
        }
        return list;
    }

    public static JsonDocument BuiltIn()
    {
        using var s = Assembly.GetExecutingAssembly().GetManifestResourceStream("Certitude.Cli.online-chains.json")
            ?? throw new InvalidOperationException("built-in chains missing");
        return JsonDocument.Parse(s);
    }

    private static byte[] Der(string pem)
        => Convert.FromBase64String(string.Concat(pem.Split('\n').Where(l => !l.StartsWith("-----", StringComparison.Ordinal)).Select(l => l.Trim())));

    /// <summary>An engine prepared for a mode: one call verifies the next chain.</summary>
    private interface IEngine
    {
        bool VerifyNext();
    }

    private sealed class CertitudeEngine : IEngine
    {
        private readonly List<Chain> _chains;
        private readonly string _mode;
        private readonly (Verifier V, Certificate Leaf, Certificate[] Intermediates, Certificate Issuer)[] _prepared;
        private readonly bool _portable;
        private int _next;

        /// <summary><paramref name="portable"/>: verifiers on the portable crypto path (System.Security.Cryptography only).</summary>
        public CertitudeEngine(List<Chain> chains, string mode, bool portable = false)
        {
            _chains = chains;
            _mode = mode;
            _portable = portable;
            _prepared = chains.Select(c =>
            {
                var v = new Verifier(TrustStore.FromCertificates(c.Roots.Select(d => Certificate.Parse(d))), new VerificationOptions { ValidationTime = c.Time, Purpose = CertificatePurpose.ServerAuthentication }, portable);
                var leaf = Certificate.Parse(c.Leaf.AsMemory());
                var inter = c.Intermediates.Select(d => Certificate.Parse(d)).ToArray();
                var r = v.Verify(leaf, inter, c.Peer);
                if (!r.IsValid)
                {
                    throw new InvalidOperationException($"{c.Id} does not verify: {r}");
                }
                return (v, leaf, inter, r.Path[1]);
            }).ToArray();
        }

        public bool VerifyNext()
        {
            int i = _next++ % _chains.Count;
            var c = _chains[i];
            var (v, hotLeaf, inter, issuer) = _prepared[i];
            switch (_mode)
            {
                case "cold":
                    {
                        var leaf = Certificate.Parse(c.Leaf.AsMemory());
                        var intermediates = new Certificate[c.Intermediates.Length];
                        for (int k = 0; k < intermediates.Length; k++)
                        {
                            intermediates[k] = Certificate.Parse(c.Intermediates[k].AsMemory());
                        }
                        var roots = new Certificate[c.Roots.Length];
                        for (int k = 0; k < roots.Length; k++)
                        {
                            roots[k] = Certificate.Parse(c.Roots[k].AsMemory());
                        }
                        return new Verifier(TrustStore.FromCertificates(roots), v.Options, _portable).Verify(leaf, intermediates, c.Peer).IsValid;
                    }
                case "warm":
                    {
                        var leaf = Certificate.Parse(c.Leaf.AsMemory());
                        v.ForgetSignature(leaf, issuer);
                        return v.Verify(leaf, inter, c.Peer).IsValid;
                    }
                default:
                    return v.Verify(hotLeaf, inter, c.Peer).IsValid;
            }
        }
    }

    private sealed class X509ChainEngine : IEngine
    {
        private readonly List<Chain> _chains;
        private readonly string _mode;
        private readonly (X509Certificate2 Leaf, X509Certificate2[] Intermediates, X509Certificate2[] Roots)[] _prepared;
        private int _next;

        public X509ChainEngine(List<Chain> chains, string mode)
        {
            _chains = chains;
            _mode = mode;
            _prepared = chains.Select(c => (X509CertificateLoader.LoadCertificate(c.Leaf),
                c.Intermediates.Select(d => X509CertificateLoader.LoadCertificate(d)).ToArray(),
                c.Roots.Select(d => X509CertificateLoader.LoadCertificate(d)).ToArray())).ToArray();
        }

        public bool VerifyNext()
        {
            int i = _next++ % _chains.Count;
            var c = _chains[i];
            var (leaf, inter, roots) = _prepared[i];
            var owned = new List<X509Certificate2>();
            if (_mode == "cold")
            {
                inter = c.Intermediates.Select(d => X509CertificateLoader.LoadCertificate(d)).ToArray();
                roots = c.Roots.Select(d => X509CertificateLoader.LoadCertificate(d)).ToArray();
                owned.AddRange(inter);
                owned.AddRange(roots);
            }
            if (_mode is "cold" or "warm")
            {
                leaf = X509CertificateLoader.LoadCertificate(c.Leaf);
                owned.Add(leaf);
            }
            try
            {
                using var chain = new X509Chain();
                chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                chain.ChainPolicy.CustomTrustStore.AddRange(roots);
                chain.ChainPolicy.ExtraStore.AddRange(inter);
                chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                chain.ChainPolicy.DisableCertificateDownloads = true;
                chain.ChainPolicy.VerificationTime = c.Time.UtcDateTime;
                return chain.Build(leaf);
            }
            finally
            {
                foreach (var o in owned)
                {
                    o.Dispose();
                }
            }
        }
    }

    public static Dictionary<string, EngineFigures> Run(List<Chain> chains, SpeedSettings s, TextWriter? progress)
    {
        var engines = new Dictionary<string, IEngine> { ["certitude"] = new CertitudeEngine(chains, s.Mode) };
        if (s.CompareX509Chain)
        {
            engines["x509chain"] = new X509ChainEngine(chains, s.Mode);
        }
        if (s.ComparePortable)
        {
            engines["portable"] = new CertitudeEngine(chains, s.Mode, portable: true);
        }
        // Warm-up: one round of every chain on every engine (JIT, caches as the mode defines them).
        foreach (var e in engines.Values)
        {
            for (int i = 0; i < chains.Count; i++)
            {
                if (!e.VerifyNext())
                {
                    throw new InvalidOperationException("a chain failed to verify during warm-up");
                }
            }
        }
        var ticks = engines.Keys.ToDictionary(k => k, _ => 0L);
        var counts = engines.Keys.ToDictionary(k => k, _ => 0L);
        var bytes = engines.Keys.ToDictionary(k => k, _ => 0L);
        var slice = TimeSpan.FromMilliseconds(50);
        var budget = TimeSpan.FromSeconds(s.Seconds);
        var total = Stopwatch.StartNew();
        while (ticks.Values.Min() < budget.Ticks * Stopwatch.Frequency / TimeSpan.TicksPerSecond)
        {
            foreach (var (name, engine) in engines)
            {
                long alloc0 = GC.GetAllocatedBytesForCurrentThread();
                var sw = Stopwatch.StartNew();
                long n = 0;
                while (sw.Elapsed < slice)
                {
                    engine.VerifyNext();
                    n++;
                }
                ticks[name] += sw.ElapsedTicks;
                counts[name] += n;
                bytes[name] += GC.GetAllocatedBytesForCurrentThread() - alloc0;
            }
            progress?.Write($"\r{total.Elapsed.TotalSeconds:F1} s ...");
        }
        progress?.Write("\r");
        return engines.Keys.ToDictionary(k => k, k => new EngineFigures(counts[k],
            ticks[k] * 1_000_000.0 / Stopwatch.Frequency / counts[k], (double)bytes[k] / counts[k]));
    }

    public static string ToJson(string mode, Dictionary<string, EngineFigures> figures)
    {
        var engines = new JsonObject();
        foreach (var (name, f) in figures)
        {
            engines[name] = new JsonObject
            {
                ["validations"] = f.Validations,
                ["us_per_validation"] = Math.Round(f.MicrosecondsPerValidation, 3),
                ["bytes_per_validation"] = Math.Round(f.BytesPerValidation, 1),
            };
        }
        var root = new JsonObject { ["mode"] = mode, ["validations"] = figures.Values.Sum(f => f.Validations), ["engines"] = engines };
        return Render.Json(root);
    }

    public static string ToText(string mode, int chains, Dictionary<string, EngineFigures> figures)
    {
        var sb = new System.Text.StringBuilder();
        sb.AppendLine($"mode {mode}, {chains} chains, {Environment.ProcessorCount} cores, {System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription}");
        sb.AppendLine($"{"engine",-12} {"validations",12} {"us/validation",14} {"bytes/validation",17}");
        foreach (var (name, f) in figures)
        {
            sb.AppendLine($"{name,-12} {f.Validations,12} {f.MicrosecondsPerValidation,14:F1} {f.BytesPerValidation,17:F0}");
        }
        if (figures.TryGetValue("x509chain", out var x) && figures.TryGetValue("certitude", out var c))
        {
            sb.AppendLine($"certitude is {x.MicrosecondsPerValidation / c.MicrosecondsPerValidation:F1}x the speed of X509Chain");
        }
        if (figures.TryGetValue("portable", out var p) && figures.TryGetValue("certitude", out var n))
        {
            sb.AppendLine($"the portable crypto path takes {p.MicrosecondsPerValidation / n.MicrosecondsPerValidation:F2}x the time of this process's ({Signatures.CryptoPath.Description})");
        }
        return sb.ToString();
    }
}
