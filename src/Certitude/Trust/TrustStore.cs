using System.Collections.Concurrent;
using System.Globalization;
using System.Text;

namespace Certitude;

/// <summary>How a trust store treats bad entries (a broken PEM block, a non-certificate, a duplicate).</summary>
public sealed record TrustStoreLoadOptions
{
    /// <summary>Skip bad entries instead of failing; what was skipped is listed in <see cref="TrustStore.Skipped"/>.</summary>
    public bool SkipInvalidEntries { get; init; }

    /// <summary>Fail on any bad entry (the default).</summary>
    public static TrustStoreLoadOptions Strict { get; } = new();
}

/// <summary>A trust store could not be loaded, or none was found. The message says which file or
/// entry is at fault, or how to point Certitude at a store.</summary>
public sealed class TrustStoreException : CertitudeException
{
    /// <summary>Creates the exception.</summary>
    public TrustStoreException(string message, Exception? inner = null) : base(message, inner) { }
}

/// <summary>
/// A set of trust anchors. Immutable and thread-safe. A trust anchor is a certificate the caller
/// trusts: its name and key are trusted; which profile checks apply to the certificate itself is
/// decided by the verification flags (X509Strict checks it). Built from PEM bundles (OpenSSL's
/// <c>cafile</c>), hashed directories (<c>capath</c>: files named <c>&lt;subject hash&gt;.&lt;n&gt;</c>
/// as <c>openssl rehash</c> makes them, looked up by hash, never read whole), in-memory PEM or DER
/// (<c>cadata</c>), and the system store.
/// </summary>
public sealed class TrustStore
{
    private readonly Dictionary<DistinguishedName, Certificate[]> _bySubject;
    private readonly HashedDirectory[] _directories;
    private readonly ConcurrentQueue<string> _skipped;
    // Per-anchor trust settings (null when no anchor held in memory has any).
    private readonly Dictionary<Certificate, AnchorTrust>? _settings;
    // Where anchors came from (RootProgramApplies): the in-memory anchors and the directories taken from the root
    // program or the system store, not from the caller. Null when none.
    private readonly HashSet<Certificate>? _systemAnchors;
    private readonly HashSet<HashedDirectory>? _systemDirectories;

    private TrustStore(IEnumerable<Certificate> certs, IEnumerable<HashedDirectory> directories, IEnumerable<string> skipped, string description,
        IEnumerable<KeyValuePair<Certificate, AnchorTrust>>? settings = null,
        IEnumerable<Certificate>? systemAnchors = null, IEnumerable<HashedDirectory>? systemDirectories = null)
    {
        var unique = new List<Certificate>();
        var fingerprints = new HashSet<string>(StringComparer.Ordinal);
        foreach (var c in certs)
        {
            if (fingerprints.Add(c.Sha256Fingerprint))
            {
                unique.Add(c);
            }
        }
        Certificates = unique;
        // Keyed by the name itself (RFC 5280 7.1 comparison; hashed without building its key string).
        _bySubject = unique.GroupBy(c => c.Subject).ToDictionary(g => g.Key, g => g.ToArray());
        _directories = directories.ToArray();
        _skipped = new ConcurrentQueue<string>(skipped);
        Description = description;
        if (settings is not null)
        {
            var merged = new Dictionary<Certificate, AnchorTrust>();
            AddSettings(merged, settings);
            _settings = merged.Count == 0 ? null : merged;
        }
        if (systemAnchors is not null)
        {
            _systemAnchors = [.. systemAnchors];
            _systemAnchors = _systemAnchors.Count == 0 ? null : _systemAnchors;
        }
        if (systemDirectories is not null)
        {
            _systemDirectories = [.. systemDirectories];
            _systemDirectories = _systemDirectories.Count == 0 ? null : _systemDirectories;
        }
    }

    /// <summary>This store with every anchor marked as taken from the root program or the system store.</summary>
    internal TrustStore AsProgramOrSystem()
        => new(Certificates, _directories, _skipped, Description, _settings, Certificates, _directories);

    /// <summary>
    /// Whether a root program's trust decisions apply to this anchor by default (<see cref="RootProgramScope.ProgramAndSystemAnchors"/>):
    /// it was taken from the program (<see cref="Mozilla"/>) or the system store (<see cref="LoadSystem(TrustStoreLoadOptions?)"/>,
    /// SSL_CERT_FILE and SSL_CERT_DIR included) and from no source the caller supplied. An anchor the caller supplied is
    /// trusted as given (RFC 5280 6.1.1 (d)), also when the system store holds it too.
    /// </summary>
    internal bool RootProgramApplies(Certificate anchor)
    {
        bool system = false, supplied = false;
        if (_bySubject.TryGetValue(anchor.Subject, out var held) && Array.IndexOf(held, anchor) >= 0)
        {
            bool fromSystem = _systemAnchors?.Contains(anchor) == true;
            system |= fromSystem;
            supplied |= !fromSystem;
        }
        foreach (var d in _directories)
        {
            if (Array.IndexOf(d.Find(anchor.Subject, _skipped), anchor) >= 0)
            {
                bool fromSystem = _systemDirectories?.Contains(d) == true;
                system |= fromSystem;
                supplied |= !fromSystem;
            }
        }
        return system && !supplied;
    }

    /// <summary>Adds trust settings; one certificate met twice keeps every restriction of both.</summary>
    private static void AddSettings(Dictionary<Certificate, AnchorTrust> into, IEnumerable<KeyValuePair<Certificate, AnchorTrust>> settings)
    {
        foreach (var (cert, trust) in settings)
        {
            into[cert] = AnchorTrust.Merge(into.GetValueOrDefault(cert), trust)!;
        }
    }

    /// <summary>A store of anchors some of which carry trust settings (trusted and rejected purposes), for
    /// sources other than OpenSSL's TRUSTED CERTIFICATE (e.g. per-purpose trust bits of curated data).</summary>
    internal static TrustStore FromAnchors(IEnumerable<Certificate> certificates, IEnumerable<KeyValuePair<Certificate, AnchorTrust>> settings, string description)
        => new(certificates, [], [], description, settings);

    /// <summary>
    /// The trust settings of an anchor of this store (null: none, trusted for every purpose). When the same
    /// certificate is held in several places (a bundle and a hashed directory), every restriction applies.
    /// </summary>
    internal AnchorTrust? TrustSettings(Certificate anchor)
    {
        var found = _settings is not null && _settings.TryGetValue(anchor, out var s) ? s : null;
        foreach (var d in _directories)
        {
            found = AnchorTrust.Merge(found, d.TrustSettings(anchor, _skipped));
        }
        return found;
    }

    /// <summary>The anchors held in memory (hashed directories are read on demand and not listed here).</summary>
    public IReadOnlyList<Certificate> Certificates { get; }

    /// <summary>How many anchors are held in memory.</summary>
    public int Count => Certificates.Count;

    /// <summary>Where the anchors came from, e.g. "file /etc/ssl/certs/ca-certificates.crt".</summary>
    public string Description { get; }

    /// <summary>Entries skipped because they were bad (only when <see cref="TrustStoreLoadOptions.SkipInvalidEntries"/>
    /// was set, or for unreadable files met while looking up a hashed directory), each naming the file and entry.</summary>
    public IReadOnlyList<string> Skipped => _skipped.ToArray();

    /// <summary>An empty store (nothing verifies against it).</summary>
    public static TrustStore Empty { get; } = new([], [], [], "empty");

    /// <summary>A store of the given certificates (duplicates are kept once).</summary>
    public static TrustStore FromCertificates(IEnumerable<Certificate> certificates) => new(certificates, [], [], "certificates");

    internal static TrustStore FromCertificates(IEnumerable<Certificate> certificates, string description) => new(certificates, [], [], description);

    /// <summary>The roots of Mozilla's root program that it trusts for some purpose (embedded NSS data), for
    /// machines without a system store such as containers. Verification applies each root's per-purpose trust
    /// and distrust-after dates (see <see cref="RootProgram"/>).</summary>
    public static TrustStore Mozilla() => RootProgram.Mozilla.ToTrustStore();

    /// <summary>Every anchor the store holds in memory came from the given root program (<see cref="RootProgram.ToTrustStore"/>).</summary>
    internal static TrustStore FromProgram(IEnumerable<Certificate> certificates, string description)
        => new TrustStore(certificates, [], [], description).AsProgramOrSystem();

    /// <summary>A store of the given .NET certificates (their DER is parsed strictly; duplicates are kept once).</summary>
    /// <exception cref="CertificateFormatException">A certificate is malformed (the message gives its position).</exception>
    public static TrustStore FromCertificates(IEnumerable<System.Security.Cryptography.X509Certificates.X509Certificate2> certificates)
    {
        ArgumentNullException.ThrowIfNull(certificates);
        var parsed = new List<Certificate>();
        foreach (var c in certificates)
        {
            try
            {
                parsed.Add(Certificate.Parse(c.RawDataMemory.ToArray().AsMemory()));
            }
            catch (CertificateFormatException e)
            {
                throw e.WithLocation("X509Certificate2 " + c.Subject, parsed.Count);
            }
        }
        return new(parsed, [], [], "certificates");
    }

    /// <summary>PEM (one or many CERTIFICATE blocks) or DER data, as OpenSSL's <c>cadata</c>.</summary>
    public static TrustStore FromData(ReadOnlySpan<byte> data, string source = "cadata", TrustStoreLoadOptions? options = null)
    {
        var skipped = new List<string>();
        var settings = new Dictionary<Certificate, AnchorTrust>();
        var certs = ReadBundle(data, source, options ?? TrustStoreLoadOptions.Strict, skipped, settings);
        return new TrustStore(certs, [], skipped, source, settings);
    }

    /// <summary>A PEM bundle or DER file, as OpenSSL's <c>cafile</c>.</summary>
    public static TrustStore FromFile(string path, TrustStoreLoadOptions? options = null)
    {
        byte[] data;
        try
        {
            data = BoundedFile.Read(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            throw new TrustStoreException($"cannot read trust store file '{path}': {e.Message}", e);
        }
        var skipped = new List<string>();
        var settings = new Dictionary<Certificate, AnchorTrust>();
        var certs = ReadBundle(data, path, options ?? TrustStoreLoadOptions.Strict, skipped, settings);
        if (certs.Count == 0)
        {
            throw new TrustStoreException($"trust store file '{path}' holds no certificate");
        }
        return new TrustStore(certs, [], skipped, "file " + path, settings);
    }

    /// <summary>An OpenSSL hashed directory (<c>capath</c>), as made by <c>openssl rehash</c> or
    /// <c>certitude rehash</c>. Certificates are looked up by subject hash when needed.</summary>
    public static TrustStore FromDirectory(string path)
    {
        if (!Directory.Exists(path))
        {
            throw new TrustStoreException($"trust store directory '{path}' does not exist");
        }
        return FromDirectory(path, HashedDirectory.DefaultCapacity, HashedDirectory.DefaultLifetime);
    }

    /// <summary>A hashed directory whose lookups are cached for <paramref name="capacity"/> subject hashes and
    /// <paramref name="lifetime"/> each (tests).</summary>
    internal static TrustStore FromDirectory(string path, int capacity, TimeSpan lifetime)
    {
        if (!Directory.Exists(path))
        {
            throw new TrustStoreException($"trust store directory '{path}' does not exist");
        }
        return new TrustStore([], [new HashedDirectory(path, capacity, lifetime)], [], "directory " + path);
    }

    /// <summary>The subject hashes the hashed directories' lookup caches hold now (tests).</summary>
    internal int DirectoryCacheCount => _directories.Sum(d => d.CachedCount);

    /// <summary>The union of several stores.</summary>
    public static TrustStore Combine(params TrustStore[] stores)
    {
        // An anchor some store took from the caller stays the caller's (RootProgramApplies).
        var supplied = stores.SelectMany(s => s.Certificates.Where(c => s._systemAnchors?.Contains(c) != true)).ToHashSet();
        return new(stores.SelectMany(s => s.Certificates), stores.SelectMany(s => s._directories), stores.SelectMany(s => s.Skipped),
            string.Join(" + ", stores.Select(s => s.Description)),
            stores.SelectMany(s => (IEnumerable<KeyValuePair<Certificate, AnchorTrust>>?)s._settings ?? []),
            stores.SelectMany(s => (IEnumerable<Certificate>?)s._systemAnchors ?? []).Where(c => !supplied.Contains(c)),
            stores.SelectMany(s => (IEnumerable<HashedDirectory>?)s._systemDirectories ?? []));
    }

    /// <summary>OpenSSL's <c>load_verify_locations(cafile, capath, cadata)</c>: any of the three; at least one.</summary>
    public static TrustStore Load(string? cafile = null, string? capath = null, string? cadata = null, TrustStoreLoadOptions? options = null)
    {
        var parts = new List<TrustStore>();
        if (cafile is not null)
        {
            parts.Add(FromFile(cafile, options));
        }
        if (capath is not null)
        {
            parts.Add(FromDirectory(capath));
        }
        if (cadata is not null)
        {
            parts.Add(FromData(Encoding.UTF8.GetBytes(cadata), "cadata", options));
        }
        if (parts.Count == 0)
        {
            throw new ArgumentException("give at least one of cafile, capath and cadata");
        }
        return parts.Count == 1 ? parts[0] : Combine([.. parts]);
    }

    /// <summary>The bundle files the system store is looked for in, in order, after SSL_CERT_FILE.</summary>
    public static IReadOnlyList<string> KnownBundleFiles { get; } =
    [
        "/etc/ssl/certs/ca-certificates.crt",                 // Debian, Ubuntu, Gentoo, Arch
        "/etc/pki/tls/certs/ca-bundle.crt",                   // Fedora, RHEL, CentOS
        "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem",  // RHEL 7+
        "/etc/ssl/ca-bundle.pem",                             // openSUSE
        "/etc/ssl/cert.pem",                                  // Alpine, macOS, BSDs
        "/usr/local/etc/openssl/cert.pem",                    // macOS Homebrew
    ];

    /// <summary>The hashed directories the system store is looked for in, after SSL_CERT_DIR.</summary>
    public static IReadOnlyList<string> KnownDirectories { get; } =
    [
        "/etc/ssl/certs",
        "/etc/pki/tls/certs",
        "/system/etc/security/cacerts",                       // Android
    ];

    /// <summary>
    /// The system trust store, found as OpenSSL and Python find it: <c>SSL_CERT_FILE</c> and
    /// <c>SSL_CERT_DIR</c> (a colon-separated list) first; then the distributions' known bundle files
    /// and directories; on Windows and macOS the platform's root store. Finding none is an error
    /// (<see cref="TrustStoreException"/>) whose message says how to fix it; it never yields an empty store.
    /// </summary>
    public static TrustStore LoadSystem(TrustStoreLoadOptions? options = null)
        => LoadSystem(Environment.GetEnvironmentVariable, KnownBundleFiles, KnownDirectories, options);

    /// <summary>The system store; its anchors are the system's, so a root program's trust decisions apply to them
    /// (a stale distribution bundle is the risk they guard against; see <see cref="RootProgramScope"/>).</summary>
    internal static TrustStore LoadSystem(Func<string, string?> env, IReadOnlyList<string> bundles, IReadOnlyList<string> directories, TrustStoreLoadOptions? options)
        => FindSystem(env, bundles, directories, options).AsProgramOrSystem();

    private static TrustStore FindSystem(Func<string, string?> env, IReadOnlyList<string> bundles, IReadOnlyList<string> directories, TrustStoreLoadOptions? options)
    {
        var parts = new List<TrustStore>();
        var certFile = env("SSL_CERT_FILE");
        var certDir = env("SSL_CERT_DIR");
        if (!string.IsNullOrEmpty(certFile))
        {
            // An explicit setting that points nowhere is an error, not a reason to look elsewhere.
            parts.Add(FromFile(certFile, options));
        }
        if (!string.IsNullOrEmpty(certDir))
        {
            foreach (var dir in certDir.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
            {
                parts.Add(FromDirectory(dir));
            }
        }
        if (parts.Count > 0)
        {
            return parts.Count == 1 ? parts[0] : Combine([.. parts]);
        }
        foreach (var f in bundles)
        {
            if (File.Exists(f))
            {
                return FromFile(f, options ?? new TrustStoreLoadOptions { SkipInvalidEntries = true });
            }
        }
        foreach (var d in directories)
        {
            if (Directory.Exists(d) && Directory.EnumerateFiles(d, "????????.?").Any())
            {
                return FromDirectory(d);
            }
        }
        if (OperatingSystem.IsWindows() || OperatingSystem.IsMacOS())
        {
            using var store = new System.Security.Cryptography.X509Certificates.X509Store(
                System.Security.Cryptography.X509Certificates.StoreName.Root, System.Security.Cryptography.X509Certificates.StoreLocation.LocalMachine);
            store.Open(System.Security.Cryptography.X509Certificates.OpenFlags.ReadOnly);
            var skipped = new List<string>();
            var certs = new List<Certificate>();
            foreach (var c in store.Certificates)
            {
                try
                {
                    certs.Add(Certificate.Parse(c.RawData));
                }
                catch (CertificateFormatException e)
                {
                    skipped.Add($"system root store: {Elide.Text(c.Subject)}: {e.Message}");
                }
            }
            if (certs.Count > 0)
            {
                return new TrustStore(certs, [], skipped, "system root store");
            }
        }
        throw new TrustStoreException(
            "no system trust store was found: set SSL_CERT_FILE to a PEM bundle or SSL_CERT_DIR to a hashed certificate directory, " +
            "use Mozilla's root program embedded in Certitude (TrustStore.Mozilla(), certitude --mozilla-roots), " +
            "or install the CA certificates package (Debian/Ubuntu: ca-certificates; Fedora/RHEL: ca-certificates; Alpine: ca-certificates). " +
            $"Looked in: {string.Join(", ", bundles.Concat(directories))}.");
    }

    internal IReadOnlyList<Certificate> FindBySubject(DistinguishedName subject)
    {
        var inMemory = _bySubject.TryGetValue(subject, out var list) ? list : [];
        if (_directories.Length == 0)
        {
            return inMemory;
        }
        var all = new List<Certificate>(inMemory);
        foreach (var d in _directories)
        {
            foreach (var c in d.Find(subject, _skipped))
            {
                if (!all.Contains(c))
                {
                    all.Add(c);
                }
            }
        }
        return all;
    }

    /// <summary>True when this exact certificate (same DER) is an anchor.</summary>
    public bool Contains(Certificate certificate)
    {
        // By subject, then byte for byte: no digest of a certificate that is only being looked up.
        var named = FindBySubject(certificate.Subject);
        for (int i = 0; i < named.Count; i++)
        {
            if (named[i].Equals(certificate))
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>Reads every entry of a PEM bundle (or one DER certificate). The trust settings of
    /// <c>TRUSTED CERTIFICATE</c> entries go to <paramref name="settings"/>.</summary>
    internal static List<Certificate> ReadBundle(ReadOnlySpan<byte> data, string source, TrustStoreLoadOptions options, List<string> skipped,
        Dictionary<Certificate, AnchorTrust>? settings = null)
    {
        var result = new List<Certificate>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        void Bad(string problem)
        {
            if (!options.SkipInvalidEntries)
            {
                throw new TrustStoreException($"{source}: {problem}");
            }
            skipped.Add($"{source}: {problem}");
        }
        if (!Pem.LooksLikePem(data))
        {
            try
            {
                result.Add(Certificate.Parse(data));
            }
            catch (CertificateFormatException e)
            {
                Bad("not a PEM bundle and not a DER certificate: " + e.Problem);
            }
            return result;
        }
        int index = 0;
        foreach (var block in Pem.ReadAll(Encoding.ASCII.GetString(data)))
        {
            var where = $"entry #{index} (line {block.Line})";
            index++;
            if (block.Error is not null)
            {
                Bad($"{where}: {block.Error}");
                continue;
            }
            if (block.Label is not ("CERTIFICATE" or "TRUSTED CERTIFICATE"))
            {
                Bad($"{where}: a {Elide.Text(block.Label)} block is not a certificate");
                continue;
            }
            Certificate cert;
            AnchorTrust? trust = null;
            try
            {
                if (block.Label == "TRUSTED CERTIFICATE")
                {
                    // OpenSSL's TRUSTED CERTIFICATE is the certificate followed by its trust settings
                    // (X509_CERT_AUX); an entry whose settings cannot be read is not trusted at all.
                    int length = FirstElementLength(block.Data);
                    cert = Certificate.Parse(block.Data.AsMemory(0, length));
                    trust = AnchorTrust.ParseAux(block.Data.AsMemory(length));
                }
                else
                {
                    cert = Certificate.Parse(block.Data);
                }
            }
            catch (CertificateFormatException e)
            {
                Bad($"{where}: {e.Field}: {e.Problem}");
                continue;
            }
            if (trust is not null && settings is not null)
            {
                // Even a duplicate's restrictions apply.
                settings[cert] = AnchorTrust.Merge(settings.GetValueOrDefault(cert), trust)!;
            }
            if (!seen.Add(cert.Sha256Fingerprint))
            {
                Bad($"{where}: duplicate of an earlier entry ({Elide.Value(cert.Subject)})");
                continue;
            }
            result.Add(cert);
        }
        return result;
    }

    private static int FirstElementLength(byte[] data)
    {
        try
        {
            System.Formats.Asn1.AsnDecoder.ReadEncodedValue(data, System.Formats.Asn1.AsnEncodingRules.DER, out _, out _, out int consumed);
            return consumed;
        }
        catch (System.Formats.Asn1.AsnContentException e)
        {
            throw new CertificateFormatException("certificate", "not DER: " + e.Message, e);
        }
    }

    /// <summary>
    /// An OpenSSL hashed directory: &lt;8 hex digits of the subject hash&gt;.&lt;n&gt;, read on demand. What a lookup
    /// read is kept in a bounded least-recently-used cache (<see cref="Capacity"/> subject hashes, found or not), and
    /// each entry for at most <see cref="Lifetime"/>: a peer that presents certificates with ever new issuer names
    /// cannot grow it, and a file added to or removed from the directory takes effect within that time (an anchor
    /// whose file is removed stops being trusted once its entry expires, without a restart).
    /// </summary>
    internal sealed class HashedDirectory(string path, int capacity = HashedDirectory.DefaultCapacity, TimeSpan? lifetime = null)
    {
        internal const int DefaultCapacity = 4096;
        internal static readonly TimeSpan DefaultLifetime = TimeSpan.FromMinutes(1);
        // Unreadable files reported in Skipped, at most (entries are read again when they expire).
        private const int MaxSkipped = 1024;

        private sealed class Entry(uint hash, Certificate[] certs, Dictionary<Certificate, AnchorTrust>? settings, long expires)
        {
            public readonly uint Hash = hash;
            public readonly Certificate[] Certs = certs;
            public readonly Dictionary<Certificate, AnchorTrust>? Settings = settings;
            public readonly long Expires = expires;
        }

        private readonly Lock _lock = new();
        private readonly Dictionary<uint, LinkedListNode<Entry>> _map = [];
        private readonly LinkedList<Entry> _recency = new();
        private readonly long _lifetimeMs = (long)(lifetime ?? DefaultLifetime).TotalMilliseconds;

        public int Capacity { get; } = capacity;

        public TimeSpan Lifetime => TimeSpan.FromMilliseconds(_lifetimeMs);

        /// <summary>How many subject hashes are cached now (never more than <see cref="Capacity"/>).</summary>
        public int CachedCount
        {
            get
            {
                lock (_lock)
                {
                    return _map.Count;
                }
            }
        }

        public Certificate[] Find(DistinguishedName subject, ConcurrentQueue<string> skipped)
        {
            var found = Lookup(subject.OpenSslHash(), skipped).Certs;
            return found.Length == 0 ? found : found.Where(c => c.Subject.Equals(subject)).ToArray();
        }

        public AnchorTrust? TrustSettings(Certificate anchor, ConcurrentQueue<string> skipped)
        {
            var settings = Lookup(anchor.Subject.OpenSslHash(), skipped).Settings;
            return settings is not null && settings.TryGetValue(anchor, out var s) ? s : null;
        }

        private Entry Lookup(uint hash, ConcurrentQueue<string> skipped)
        {
            long now = Environment.TickCount64;
            lock (_lock)
            {
                if (_map.TryGetValue(hash, out var node))
                {
                    if (node.Value.Expires > now)
                    {
                        _recency.Remove(node);
                        _recency.AddFirst(node);
                        return node.Value;
                    }
                    _recency.Remove(node);
                    _map.Remove(hash);
                }
            }
            // Read outside the lock (file system access); two threads may read the same hash at once.
            var (certs, settings) = Read(hash, skipped);
            var entry = new Entry(hash, certs, settings, now + _lifetimeMs);
            lock (_lock)
            {
                if (_map.TryGetValue(hash, out var raced))
                {
                    _recency.Remove(raced);
                    _map.Remove(hash);
                }
                if (Capacity <= 0)
                {
                    return entry;
                }
                while (_map.Count >= Capacity && _recency.Last is { } oldest)
                {
                    _recency.RemoveLast();
                    _map.Remove(oldest.Value.Hash);
                }
                _map[hash] = _recency.AddFirst(entry);
            }
            return entry;
        }

        private (Certificate[], Dictionary<Certificate, AnchorTrust>?) Read(uint hash, ConcurrentQueue<string> skipped)
        {
            var list = new List<Certificate>();
            var settings = new Dictionary<Certificate, AnchorTrust>();
            for (int n = 0; n < 1000; n++)
            {
                var file = Path.Combine(path, hash.ToString("x8", CultureInfo.InvariantCulture) + "." + n.ToString(CultureInfo.InvariantCulture));
                if (!File.Exists(file))
                {
                    break;
                }
                try
                {
                    var local = new List<string>();
                    list.AddRange(ReadBundle(BoundedFile.Read(file), file, new TrustStoreLoadOptions { SkipInvalidEntries = true }, local, settings));
                    foreach (var s in local)
                    {
                        Report(skipped, s);
                    }
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    Report(skipped, $"{file}: {e.Message}");
                }
            }
            return (list.Count == 0 ? [] : list.ToArray(), settings.Count == 0 ? null : settings);
        }

        private static void Report(ConcurrentQueue<string> skipped, string what)
        {
            if (skipped.Count < MaxSkipped)
            {
                skipped.Enqueue(what);
            }
        }
    }
}
