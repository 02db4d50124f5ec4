using System.Globalization;

namespace Certitude;

/// <summary>What a root program says of a root for one purpose (NSS's <c>CK_TRUST</c> values).</summary>
public enum RootProgramTrust
{
    /// <summary>A trust anchor for the purpose (<c>CKT_NSS_TRUSTED_DELEGATOR</c>).</summary>
    Trusted,
    /// <summary>Known, but not an anchor for the purpose (<c>CKT_NSS_MUST_VERIFY_TRUST</c>).</summary>
    NotAnchor,
    /// <summary>Explicitly distrusted (<c>CKT_NSS_NOT_TRUSTED</c>).</summary>
    Distrusted,
}

/// <summary>One root of a root program, with its per-purpose trust and distrust-after dates.</summary>
/// <param name="Program">The program's name ("mozilla").</param>
/// <param name="Label">The program's label for the root.</param>
/// <param name="Sha256">SHA-256 of the certificate, upper-case hex.</param>
/// <param name="ServerAuthentication">Trust for TLS server authentication (serverAuth).</param>
/// <param name="EmailProtection">Trust for S/MIME (emailProtection).</param>
/// <param name="ServerDistrustAfter">Server certificates whose notBefore is later are not trusted (<c>CKA_NSS_SERVER_DISTRUST_AFTER</c>).</param>
/// <param name="EmailDistrustAfter">Email certificates whose notBefore is later are not trusted (<c>CKA_NSS_EMAIL_DISTRUST_AFTER</c>).</param>
public sealed record RootProgramEntry(
    string Program,
    string Label,
    string Sha256,
    RootProgramTrust ServerAuthentication,
    RootProgramTrust EmailProtection,
    DateTimeOffset? ServerDistrustAfter,
    DateTimeOffset? EmailDistrustAfter)
{
    internal string SpkiSha256 { get; init; } = "";
    internal string CertificateBase64 { get; init; } = "";
    private Certificate? _certificate;

    /// <summary>The root's certificate, parsed on first use.</summary>
    internal Certificate Certificate
        => _certificate ??= Certitude.Certificate.Parse(Convert.FromBase64String(CertificateBase64).AsMemory());

    /// <summary>The trust for one extended key usage: serverAuth and emailProtection are the program's
    /// purposes; any other purpose is outside its remit (null).</summary>
    internal (RootProgramTrust Trust, DateTimeOffset? DistrustAfter, string Purpose)? ForPurpose(string eku) => eku switch
    {
        KeyPurposes.ServerAuth => (ServerAuthentication, ServerDistrustAfter, "serverAuth"),
        KeyPurposes.EmailProtection => (EmailProtection, EmailDistrustAfter, "emailProtection"),
        _ => null,
    };
}

/// <summary>
/// A public root program as data: which roots it holds, for which purposes it trusts them, and after
/// which date it stops trusting new certificates under them. <see cref="Mozilla"/> is Mozilla's program
/// (NSS <c>certdata.txt</c>, embedded and loaded on first use). Verification recognises a program's root
/// (by certificate digest, or by key and subject for a re-issued root); it enforces the program's per-purpose
/// trust and distrust-after dates on anchors taken from the program or the system store
/// (<see cref="VerificationOptions.RootProgramScope"/>), and the CA/B issuance rules on paths to a root the
/// program trusts for serverAuth, wherever that anchor came from.
/// Immutable and thread-safe.
/// </summary>
public sealed class RootProgram
{
    private sealed class Index
    {
        public readonly List<RootProgramEntry> Entries;
        public readonly Dictionary<string, RootProgramEntry> ByCertificate = new(StringComparer.Ordinal);
        public readonly Dictionary<string, RootProgramEntry?> BySpki = new(StringComparer.Ordinal);

        public Index(List<RootProgramEntry> entries)
        {
            Entries = entries;
            foreach (var e in entries)
            {
                ByCertificate[e.Sha256] = e;
                // A key held by two roots of the program is not used for recognition by key alone.
                BySpki[e.SpkiSha256] = BySpki.ContainsKey(e.SpkiSha256) ? null : e;
            }
        }
    }

    // Loaded on first use: options that merely name the program cost nothing.
    private readonly Lazy<Index> _index;
    // The digests the program knows its roots by (certificate, key), read without building its entries: a lookup that
    // finds neither digest of a certificate among them (any private root) answers null without loading the program, so
    // one verification under a private root, the common command-line case, does not parse the whole program.
    private readonly Lazy<Digests> _digests;
    private TrustStore? _store;

    private sealed record Digests(HashSet<string> Certificates, HashSet<string> Keys);

    private RootProgram(string name, Func<List<RootProgramEntry>> load, Func<Digests>? digests = null)
    {
        Name = name;
        _index = new Lazy<Index>(() => new Index(load()));
        _digests = new Lazy<Digests>(digests ?? (() => new Digests(
            _index.Value.ByCertificate.Keys.ToHashSet(StringComparer.Ordinal), _index.Value.BySpki.Keys.ToHashSet(StringComparer.Ordinal))));
    }

    /// <summary>Mozilla's root program, as of the NSS <c>certdata.txt</c> this build embeds (eng/update-mozilla-roots.py).
    /// Its data is read from the assembly on first use.</summary>
    public static RootProgram Mozilla { get; } = new("mozilla", () => ParseEntries("mozilla", EmbeddedMozillaData()), () => EmbeddedMozillaDigests());

    /// <summary>The digest sets of the embedded program, read in place where the resource is mapped memory (no copy of
    /// its 260 KiB on a command-line verification that needs only the two sets).</summary>
    private static Digests EmbeddedMozillaDigests()
    {
        using var s = typeof(RootProgram).Assembly.GetManifestResourceStream("Certitude.mozilla_roots.txt")
            ?? throw new InvalidOperationException("the embedded Mozilla root program data is missing");
        if (s is UnmanagedMemoryStream mapped && mapped.Length - mapped.Position <= int.MaxValue)
        {
            unsafe
            {
                byte* start;
                try
                {
                    start = mapped.PositionPointer;
                }
                catch (NotSupportedException)
                {
                    // A stream over a SafeBuffer has no raw pointer: it is read below like any other stream.
                    start = null;
                }
                if (start != null)
                {
                    return DigestsOf(new ReadOnlySpan<byte>(start, (int)(mapped.Length - mapped.Position)));
                }
            }
        }
        var data = new byte[s.Length];
        s.ReadExactly(data);
        return DigestsOf(data);
    }

    /// <summary>The first two fields of every entry line of the compact form (see <see cref="ParseEntries"/>), as it splits them.</summary>
    private static Digests DigestsOf(ReadOnlySpan<byte> text)
    {
        var certificates = new HashSet<string>(StringComparer.Ordinal);
        var keys = new HashSet<string>(StringComparer.Ordinal);
        while (!text.IsEmpty)
        {
            int end = text.IndexOf((byte)'\n');
            var line = end < 0 ? text : text[..end];
            text = end < 0 ? [] : text[(end + 1)..];
            line = line.TrimEnd((byte)'\r');
            if (line.IsEmpty || line[0] == (byte)'#')
            {
                continue;
            }
            int first = line.IndexOf((byte)' ');
            if (first < 0)
            {
                continue;
            }
            certificates.Add(System.Text.Encoding.ASCII.GetString(line[..first]));
            var rest = line[(first + 1)..];
            int second = rest.IndexOf((byte)' ');
            keys.Add(System.Text.Encoding.ASCII.GetString(second < 0 ? rest : rest[..second]));
        }
        return new Digests(certificates, keys);
    }

    /// <summary>The compact form of Mozilla's program embedded in this assembly.</summary>
    internal static string EmbeddedMozillaData()
    {
        using var s = typeof(RootProgram).Assembly.GetManifestResourceStream("Certitude.mozilla_roots.txt")
            ?? throw new InvalidOperationException("the embedded Mozilla root program data is missing");
        using var reader = new StreamReader(s);
        return reader.ReadToEnd();
    }

    /// <summary>The program's name.</summary>
    public string Name { get; }

    /// <summary>Every root the program lists (trusted for some purpose or not).</summary>
    public IReadOnlyList<RootProgramEntry> Entries => _index.Value.Entries;

    /// <summary>The program's entry for a certificate: the same certificate, or a certificate with the same
    /// subject and key as one of its roots (a re-issued or cross-signed form of that root). Null when none.</summary>
    public RootProgramEntry? Find(Certificate certificate)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        return certificate.RootProgramEntry(this);
    }

    /// <summary>Uncached lookup (see <see cref="Certificate.RootProgramEntry"/>, which memoises it per certificate).</summary>
    internal RootProgramEntry? Lookup(Certificate c)
    {
        var spki = Convert.ToHexString(c.PublicKey.DigestBytes);
        var digests = _digests.Value;
        if (!digests.Certificates.Contains(c.Sha256Fingerprint) && !digests.Keys.Contains(spki))
        {
            return null;
        }
        var index = _index.Value;
        if (index.ByCertificate.TryGetValue(c.Sha256Fingerprint, out var e))
        {
            return e;
        }
        if (index.BySpki.TryGetValue(spki, out var byKey) && byKey is not null
            && byKey.Certificate.Subject.Equals(c.Subject))
        {
            return byKey;
        }
        return null;
    }

    /// <summary>The program's roots that it trusts for at least one purpose, as a trust store (for machines
    /// without a system store). Verification then applies each root's per-purpose trust and distrust-after dates
    /// (these anchors come from the program, <see cref="RootProgramScope.ProgramAndSystemAnchors"/>).</summary>
    public TrustStore ToTrustStore()
        => _store ??= TrustStore.FromProgram(
            Entries.Where(e => e.ServerAuthentication == RootProgramTrust.Trusted || e.EmailProtection == RootProgramTrust.Trusted)
                .Select(e => e.Certificate),
            $"{Name} root program ({Entries.Count} roots)");

    /// <summary>Reads the compact form written by eng/update-mozilla-roots.py (one root a line; '#' comments).</summary>
    internal static RootProgram Parse(string name, string text)
    {
        var entries = ParseEntries(name, text);
        return new RootProgram(name, () => entries);
    }

    private static List<RootProgramEntry> ParseEntries(string name, string text)
    {
        var entries = new List<RootProgramEntry>();
        int lineNo = 0;
        foreach (var raw in text.Split('\n'))
        {
            lineNo++;
            var line = raw.TrimEnd('\r');
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }
            var f = line.Split(' ', 8);
            if (f.Length != 8)
            {
                throw new FormatException($"root program data line {lineNo}: expected 8 fields");
            }
            entries.Add(new RootProgramEntry(name, f[7], f[0], TrustOf(f[2], lineNo), TrustOf(f[3], lineNo), DateOf(f[4], lineNo), DateOf(f[5], lineNo))
            {
                SpkiSha256 = f[1],
                CertificateBase64 = f[6],
            });
        }
        return entries;
    }

    private static RootProgramTrust TrustOf(string s, int line) => s switch
    {
        "T" => RootProgramTrust.Trusted,
        "V" => RootProgramTrust.NotAnchor,
        "N" => RootProgramTrust.Distrusted,
        _ => throw new FormatException($"root program data line {line}: bad trust '{s}'"),
    };

    private static DateTimeOffset? DateOf(string s, int line)
        => s == "-" ? null
            : DateTimeOffset.TryParseExact(s, "yyyyMMddHHmmss'Z'", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var d) ? d
            : throw new FormatException($"root program data line {line}: bad date '{s}'");
}
