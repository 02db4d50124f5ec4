using System.Text.Json;
using System.Text.Json.Nodes;

namespace Certitude.Cli;

/// <summary>Exit codes of every command.</summary>
internal static class Exit
{
    public const int Verified = 0;
    public const int VerificationFailed = 1;
    public const int Usage = 2;
    public const int Network = 3;
    public const int ClientCertificateRefused = 4;
    public const int Internal = 5;
}

/// <summary>A failure the command reports in one line and turns into an exit code. Kind (in the JSON error document):
/// usage (the command line), input (a file), network, tls, client_certificate_refused, internal.</summary>
internal sealed class CliException(int exitCode, string message, string? kind = null) : Exception(message)
{
    public int ExitCode { get; } = exitCode;

    public string Kind { get; } = kind ?? exitCode switch { Exit.Network => "network", Exit.ClientCertificateRefused => "client_certificate_refused", Exit.Internal => "internal", _ => "usage" };

    /// <summary>Further members of the JSON error object (host, port, alert, …).</summary>
    public IReadOnlyList<(string Name, object? Value)> Details { get; init; } = [];
}

/// <summary>Reading the inputs commands take, with errors that name the file and say what to do.</summary>
internal static class Inputs
{
    private const string Expected = "expected PEM CERTIFICATE or PKCS7 blocks, a DER certificate, or a PKCS#7/CMS SignedData";

    public static IReadOnlyList<Certificate> Certificates(string path)
    {
        var data = ReadFile(path, "a certificate file");
        if (data.Length == 0)
        {
            throw new CliException(Exit.Usage, $"'{path}' is empty ({Expected})", "input");
        }
        if (!Pem.LooksLikePem(data) && data[0] != 0x30)
        {
            // Neither PEM text nor a DER SEQUENCE: say so rather than what a DER reader makes of the first bytes.
            throw new CliException(Exit.Usage, $"'{path}' is neither PEM nor DER: it starts with byte 0x{data[0]:x2}, not '-----BEGIN' or a DER SEQUENCE (0x30) ({Expected})", "input");
        }
        if (!Pem.LooksLikePem(data) && !WholeDerElement(data))
        {
            throw new CliException(Exit.Usage, $"'{path}' is not DER: its first element's length is malformed or runs past the end of the file ({data.Length} bytes) ({Expected})", "input");
        }
        try
        {
            var list = Parse(data, path);
            if (list.Count == 0)
            {
                throw new CliException(Exit.Usage, $"'{path}' holds no certificate ({Expected})", "input");
            }
            return list;
        }
        catch (CertificateFormatException e)
        {
            throw new CliException(Exit.Usage, e.Message, "input");
        }
    }

    /// <summary>Whether the data starts with a BER/DER element whose length fits in the data (checked before parsing,
    /// so that a file of random bytes is named as such rather than by what a DER reader makes of its length octets).</summary>
    private static bool WholeDerElement(byte[] data)
    {
        try
        {
            System.Formats.Asn1.AsnDecoder.ReadEncodedValue(data, System.Formats.Asn1.AsnEncodingRules.BER, out _, out _, out _);
            return true;
        }
        catch (System.Formats.Asn1.AsnContentException)
        {
            return false;
        }
    }

    /// <summary>A file's bytes, or a one-line error that says what is wrong with the path: missing, a directory,
    /// unreadable.</summary>
    public static byte[] ReadFile(string path, string expected, string? option = null)
    {
        var what = option is null ? $"'{path}'" : $"{option} '{path}'";
        if (Directory.Exists(path))
        {
            throw new CliException(Exit.Usage, $"{what} is a directory; {expected} is expected here", "input");
        }
        if (!File.Exists(path))
        {
            throw new CliException(Exit.Usage, $"{what} does not exist", "input");
        }
        try
        {
            return BoundedFile.Read(path);
        }
        catch (UnauthorizedAccessException)
        {
            throw new CliException(Exit.Usage, $"cannot read {what}: permission denied", "input");
        }
        catch (Exception e) when (e is IOException or ArgumentException or NotSupportedException)
        {
            throw new CliException(Exit.Usage, $"cannot read {what}: {e.Message}", "input");
        }
    }

    /// <summary>The certificates of a PEM bundle, a DER certificate, or a PKCS#7/CMS container (DER or PEM),
    /// the leaf of a container first.</summary>
    public static IReadOnlyList<Certificate> Parse(byte[] data, string path)
    {
        if (Pem.LooksLikePem(data))
        {
            if (Containers.PemBlocks(System.Text.Encoding.ASCII.GetString(data), path) is { } blocks)
            {
                var all = new List<Certificate>(Certificate.ParseAll(data, path));
                foreach (var b in blocks)
                {
                    all.AddRange(Containers.Certificates(b, path));
                }
                return Containers.LeafFirst(all);
            }
            return Certificate.ParseAll(data, path);
        }
        return Containers.IsSignedData(data) ? Containers.LeafFirst(Containers.Certificates(data, path)) : Certificate.ParseAll(data, path);
    }

    /// <summary>Whether a file holds a PKCS#7/CMS container rather than PEM certificates or one DER certificate.</summary>
    public static bool IsContainer(byte[] data)
        => Pem.LooksLikePem(data)
            ? System.Text.Encoding.ASCII.GetString(data) is var t && (t.Contains("-----BEGIN PKCS7-----", StringComparison.Ordinal) || t.Contains("-----BEGIN CMS-----", StringComparison.Ordinal))
            : Containers.IsSignedData(data);

    /// <summary>A command-line target that names a local file or directory (never to be resolved as a host):
    /// it exists, or contains a path separator, or starts with '.' or '~', or ends with a certificate file extension.</summary>
    public static bool IsLocalPath(string target)
        => File.Exists(target) || Directory.Exists(target)
            || target.Contains('/', StringComparison.Ordinal) || target.Contains('\\', StringComparison.Ordinal)
            || target.StartsWith('.') || target.StartsWith('~')
            || Path.GetExtension(target).ToLowerInvariant() is ".pem" or ".crt" or ".cer" or ".der" or ".p7b" or ".p7c" or ".p7s" or ".crl";

    /// <summary>The certificates of a PKCS#7 file, or null when the file is not one (or cannot be read: the trust
    /// store loader then reports it).</summary>
    private static IReadOnlyList<Certificate>? ReadContainer(string path)
    {
        byte[] data;
        try
        {
            data = BoundedFile.Read(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            return null;
        }
        return IsContainer(data) ? Certificates(path) : null;
    }

    public static List<CertificateRevocationList> Crls(IEnumerable<string> paths)
    {
        var list = new List<CertificateRevocationList>();
        foreach (var p in paths)
        {
            var data = ReadFile(p, "a CRL file", "--crl");
            if (data.Length == 0)
            {
                throw new CliException(Exit.Usage, $"--crl '{p}' is empty (expected a PEM or DER CRL)", "input");
            }
            try
            {
                list.AddRange(CertificateRevocationList.ParseAll(data, p));
            }
            catch (CertificateFormatException e)
            {
                throw new CliException(Exit.Usage, $"cannot use CRL file '{p}': {e.Message}", "input");
            }
        }
        return list;
    }

    /// <summary>--cafile / --capath / --system-store; with none given, the system store.</summary>
    public static TrustStore Trust(string? cafile, string? capath, bool system, bool mozilla = false)
    {
        if (cafile is not null && Directory.Exists(cafile))
        {
            throw new CliException(Exit.Usage, $"--cafile '{cafile}' is a directory; use --capath for an OpenSSL hashed directory, --cafile for a bundle file", "input");
        }
        if (capath is not null && File.Exists(capath))
        {
            throw new CliException(Exit.Usage, $"--capath '{capath}' is a file, not a directory; use --cafile for a bundle file", "input");
        }
        if (cafile is not null && !File.Exists(cafile))
        {
            throw new CliException(Exit.Usage, $"--cafile '{cafile}' does not exist", "input");
        }
        if (capath is not null && !Directory.Exists(capath))
        {
            throw new CliException(Exit.Usage, $"--capath '{capath}' does not exist", "input");
        }
        if (cafile is not null && new FileInfo(cafile).Length == 0)
        {
            throw new CliException(Exit.Usage, $"--cafile '{cafile}' is empty (expected PEM certificates, a DER certificate or a PKCS#7 bag)", "input");
        }
        try
        {
            var parts = new List<TrustStore>();
            if (mozilla)
            {
                // Mozilla's root program embedded in Certitude: for machines without a system store (containers).
                parts.Add(TrustStore.Mozilla());
            }
            if (cafile is not null && ReadContainer(cafile) is { } bag)
            {
                // A PKCS#7 bag of anchors: its certificates, each one an anchor.
                parts.Add(TrustStore.FromCertificates(bag));
                cafile = null;
            }
            if (cafile is not null || capath is not null)
            {
                parts.Add(TrustStore.Load(cafile, capath));
            }
            if (system || parts.Count == 0)
            {
                parts.Add(TrustStore.LoadSystem());
            }
            return parts.Count == 1 ? parts[0] : TrustStore.Combine([.. parts]);
        }
        catch (TrustStoreException e)
        {
            throw new CliException(Exit.Usage, e.Message, "input");
        }
    }

    public static DateTimeOffset? Time(string? text)
    {
        if (text is null)
        {
            return null;
        }
        // openssl's -attime: seconds since 1970-01-01T00:00:00Z.
        if (text.Length is > 0 and <= 12 && text.All(char.IsAsciiDigit) && long.TryParse(text, System.Globalization.CultureInfo.InvariantCulture, out var seconds)
            && seconds <= DateTimeOffset.MaxValue.ToUnixTimeSeconds())
        {
            return DateTimeOffset.FromUnixTimeSeconds(seconds);
        }
        if (DateTimeOffset.TryParse(text, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal, out var t))
        {
            return t;
        }
        throw new CliException(Exit.Usage, $"--at '{text}' is not a time (use ISO 8601, e.g. 2026-01-31T12:00:00Z, or seconds since 1970 as openssl's -attime)");
    }

    /// <summary>A TCP connection, or a network failure (exit 3) naming the host.</summary>
    public static System.Net.Sockets.TcpClient Connect(string host, int port, TimeSpan timeout, CancellationToken token)
    {
        var tcp = new System.Net.Sockets.TcpClient();
        try
        {
            tcp.ConnectAsync(host, port, token).AsTask().GetAwaiter().GetResult();
            return tcp;
        }
        catch (OperationCanceledException)
        {
            tcp.Dispose();
            throw new CliException(Exit.Network, $"cannot connect to {host}:{port}: timed out after {Seconds(timeout)} (check the host, the port and any firewall; --timeout sets the limit)")
            {
                Details = [("host", host), ("port", port), ("cause", "timeout")],
            };
        }
        catch (System.Net.Sockets.SocketException e)
        {
            tcp.Dispose();
            var (cause, text) = SocketCause(e);
            throw new CliException(Exit.Network, $"cannot connect to {host}:{port}: {text}")
            {
                Details = [("host", host), ("port", port), ("cause", cause)],
            };
        }
    }

    /// <summary>"3 s", "0.5 s".</summary>
    public static string Seconds(TimeSpan t) => t.TotalSeconds.ToString("0.###", System.Globalization.CultureInfo.InvariantCulture) + " s";

    /// <summary>A socket error in words, with what to check.</summary>
    public static (string Cause, string Text) SocketCause(System.Net.Sockets.SocketException e) => e.SocketErrorCode switch
    {
        System.Net.Sockets.SocketError.ConnectionRefused => ("connection_refused", "connection refused (nothing listens on that port, or a firewall rejects it)"),
        System.Net.Sockets.SocketError.HostNotFound or System.Net.Sockets.SocketError.NoData => ("host_not_found", "host name not found (DNS has no address for it)"),
        System.Net.Sockets.SocketError.TryAgain => ("dns_failure", "host name lookup failed temporarily (DNS did not answer)"),
        System.Net.Sockets.SocketError.TimedOut => ("timeout", "timed out (no answer from the host)"),
        System.Net.Sockets.SocketError.NetworkUnreachable or System.Net.Sockets.SocketError.HostUnreachable => ("unreachable", "no route to the host (network unreachable)"),
        System.Net.Sockets.SocketError.ConnectionReset => ("connection_reset", "connection reset by the server"),
        _ => ("socket_error", $"{e.Message} ({e.SocketErrorCode})"),
    };

    /// <summary>A server as users type it: <c>host</c>, <c>host:port</c>, <c>[v6]:port</c>, a bare IPv6 address, or a URL
    /// <c>https://host[:port]/path</c> (path, query and user info ignored). A port outside 1..65535 or not a number is a
    /// usage error (exit 2), never a DNS lookup of "host:99999".</summary>
    public static (string Host, int Port) HostPort(string target, int defaultPort = 443)
    {
        var text = target.Trim();
        int scheme = text.IndexOf("://", StringComparison.Ordinal);
        if (scheme > 0)
        {
            var name = text[..scheme].ToLowerInvariant();
            defaultPort = name switch
            {
                "https" or "wss" => 443,
                "ldaps" => 636,
                "smtps" => 465,
                "imaps" => 993,
                "pop3s" => 995,
                "ftps" => 990,
                _ => throw new CliException(Exit.Usage, $"'{target}': {name}:// is not a TLS URL that says its port; give HOST:PORT"),
            };
            text = text[(scheme + 3)..];
            int end = text.IndexOfAny(['/', '?', '#']);
            if (end >= 0)
            {
                text = text[..end];
            }
            if (text.LastIndexOf('@') is var at and >= 0)
            {
                text = text[(at + 1)..];
            }
        }
        if (text.Length == 0)
        {
            throw new CliException(Exit.Usage, $"'{target}' names no host");
        }
        string host;
        string? portText = null;
        if (text.StartsWith('['))
        {
            int close = text.IndexOf(']', StringComparison.Ordinal);
            if (close < 0)
            {
                throw new CliException(Exit.Usage, $"'{target}': an IPv6 address in brackets needs its closing ']'");
            }
            host = text[1..close];
            var rest = text[(close + 1)..];
            if (rest.Length > 0)
            {
                portText = rest.StartsWith(':') ? rest[1..] : throw new CliException(Exit.Usage, $"'{target}': expected ':PORT' after ']'");
            }
        }
        else if (text.Count(c => c == ':') > 1)
        {
            host = text; // a bare IPv6 address: [v6]:port gives a port
        }
        else if (text.IndexOf(':', StringComparison.Ordinal) is var colon and >= 0)
        {
            host = text[..colon];
            portText = text[(colon + 1)..];
        }
        else
        {
            host = text;
        }
        if (host.Length == 0)
        {
            throw new CliException(Exit.Usage, $"'{target}' names no host");
        }
        if (portText is null)
        {
            return (host, defaultPort);
        }
        if (!int.TryParse(portText, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var port) || port is < 1 or > 65535)
        {
            throw new CliException(Exit.Usage, $"'{target}': port '{portText}' is not a number from 1 to 65535");
        }
        return (host, port);
    }
}

/// <summary>The trust options several commands share: --cafile, --capath, --system-store.</summary>
internal sealed class TrustOptions
{
    private readonly System.CommandLine.Option<string?> _cafile = new("--cafile") { Description = "trust anchors: a PEM bundle, DER certificate or PKCS#7 bag (.p7b/.p7c/.p7s)" };
    private readonly System.CommandLine.Option<string?> _capath = new("--capath") { Description = "trust anchors: an OpenSSL hashed directory" };
    private readonly System.CommandLine.Option<bool> _system = new("--system-store") { Description = "also trust the system store (the default when no other trust source is given)" };
    private readonly System.CommandLine.Option<bool> _mozilla = new("--mozilla-roots")
    {
        Description = "trust the roots of Mozilla's root program embedded in Certitude (NSS certdata, with per-purpose trust and distrust-after dates), e.g. in a container without a system store",
    };

    public void AddTo(System.CommandLine.Command command)
    {
        command.Options.Add(_cafile);
        command.Options.Add(_capath);
        command.Options.Add(_system);
        command.Options.Add(_mozilla);
    }

    public TrustStore Load(System.CommandLine.ParseResult p) => Inputs.Trust(p.GetValue(_cafile), p.GetValue(_capath), p.GetValue(_system), p.GetValue(_mozilla));

    /// <summary>Whether trust sources were named (without them the system store is used).</summary>
    public bool Given(System.CommandLine.ParseResult p) => p.GetValue(_cafile) is not null || p.GetValue(_capath) is not null || p.GetValue(_system) || p.GetValue(_mozilla);
}

/// <summary>
/// The verification options of every command that verifies (verify, connect, audit, inspect), defined and
/// bound here once: --purpose (repeatable), --profile, --no-strict, --allow-sha1, --min-rsa-bits, --at and the
/// trust sources.
/// </summary>
internal sealed class VerificationSettings
{
    private readonly System.CommandLine.Option<string[]> _purpose = new("--purpose")
    {
        Description = "what the leaf is verified for, repeatable: " + string.Join("|", KeyPurposes.Named.Select(n => n.ShortName)) + "|<dotted OID> (default: server)",
    };
    private readonly System.CommandLine.Option<string> _profile = new("--profile")
    {
        Description = "auto (webpki for server/client purposes, rfc5280 for the others), webpki or rfc5280",
        DefaultValueFactory = _ => "auto",
    };
    private readonly System.CommandLine.Option<bool> _noStrict = new("--no-strict") { Description = "turn X509Strict off (legacy structures accepted)" };
    private readonly System.CommandLine.Option<bool> _allowSha1 = new("--allow-sha1") { Description = "accept SHA-1 signatures" };
    private readonly System.CommandLine.Option<int?> _minRsa = new("--min-rsa-bits") { Description = "smallest RSA key accepted (default: the profile's, 2048)" };
    private readonly System.CommandLine.Option<string?> _at = new("--at") { Description = "validation time, ISO 8601 (default: now)" };
    private readonly System.CommandLine.Option<bool> _issuance = new("--issuance-rules")
    {
        Description = "enforce the CA/B issuance tier (VerifyFlags.CabfIssuance): rules a CA must follow that protect no client, otherwise warnings (always enforced on paths to a Mozilla root trusted for serverAuth)",
    };

    private readonly System.CommandLine.Option<bool> _cnFallback = new("--cn-fallback")
    {
        Description = "legacy servers only: when the certificate has no DNS or IP subjectAltName, match the host name against the subject CN (off by default, as in browsers and Python 3.7+)",
    };

    private readonly System.CommandLine.Option<string> _rootProgram = new("--root-program")
    {
        Description = "where Mozilla's root-program trust bits and distrust-after dates apply: stores = anchors from --mozilla-roots and the system store "
            + "(SSL_CERT_FILE/SSL_CERT_DIR included), while --cafile/--capath anchors are trusted as given; all = every anchor the program knows, wherever it came from; "
            + "off = none (and no issuance rules keyed to program roots)",
        DefaultValueFactory = _ => "stores",
    };

    public VerificationSettings()
    {
        _profile.AcceptOnlyFromAmong("auto", "webpki", "rfc5280");
        _rootProgram.AcceptOnlyFromAmong("stores", "all", "off");
    }

    /// <summary>--cn-fallback: the deprecated subject-CN host name check for certificates without subjectAltName.</summary>
    public bool CnFallback(System.CommandLine.ParseResult p) => p.GetValue(_cnFallback);

    public TrustOptions Trust { get; } = new();

    public void AddTo(System.CommandLine.Command command)
    {
        command.Options.Add(_purpose);
        command.Options.Add(_profile);
        command.Options.Add(_noStrict);
        command.Options.Add(_allowSha1);
        command.Options.Add(_minRsa);
        command.Options.Add(_at);
        command.Options.Add(_issuance);
        command.Options.Add(_cnFallback);
        command.Options.Add(_rootProgram);
        Trust.AddTo(command);
    }

    public bool Strict(System.CommandLine.ParseResult p) => !p.GetValue(_noStrict);

    public DateTimeOffset? At(System.CommandLine.ParseResult p) => Inputs.Time(p.GetValue(_at));

    /// <summary>The key purpose OIDs asked for; empty for <c>any</c>. Default: serverAuth.</summary>
    public IReadOnlyList<string> Purposes(System.CommandLine.ParseResult p, string fallback = "server")
    {
        var given = p.GetValue(_purpose) is { Length: > 0 } g ? g : [fallback];
        var oids = new List<string>();
        bool any = false;
        foreach (var given1 in given)
        {
            var text = OpenSslPurpose(given1);
            var named = KeyPurposes.Named.FirstOrDefault(n => string.Equals(n.ShortName, text, StringComparison.OrdinalIgnoreCase) || n.Name == text);
            if (named.Oid == KeyPurposes.Any)
            {
                any = true;
            }
            else if (named.Oid is not null)
            {
                oids.Add(named.Oid);
            }
            else if (IsDottedOid(text))
            {
                oids.Add(text);
            }
            else
            {
                throw new CliException(Exit.Usage, $"--purpose '{text}' is neither {string.Join(", ", KeyPurposes.Named.Select(n => n.ShortName))} nor a dotted OID");
            }
        }
        if (any && oids.Count > 0)
        {
            throw new CliException(Exit.Usage, "--purpose any (no extKeyUsage requirement) cannot be combined with other purposes");
        }
        return oids.Distinct(StringComparer.Ordinal).ToArray();
    }

    /// <summary>The options these settings amount to. The profile "auto" is webpki for server and client
    /// authentication and rfc5280 for every other purpose (the CA/B Baseline Requirements describe TLS certificates only).</summary>
    /// <summary>Whether --purpose was given.</summary>
    public bool PurposeGiven(System.CommandLine.ParseResult p) => p.GetValue(_purpose) is { Length: > 0 };

    public VerificationOptions Options(System.CommandLine.ParseResult p, string fallbackPurpose = "server")
    {
        var purposes = Purposes(p, fallbackPurpose);
        bool tls = purposes.Count > 0 && purposes.All(o => o is KeyPurposes.ServerAuth or KeyPurposes.ClientAuth);
        var profile = p.GetValue(_profile) switch
        {
            "webpki" => VerificationProfile.WebPki,
            "rfc5280" => VerificationProfile.Rfc5280,
            _ => tls ? VerificationProfile.WebPki : VerificationProfile.Rfc5280,
        };
        var alg = profile.Algorithms with { AllowSha1 = p.GetValue(_allowSha1) || profile.Algorithms.AllowSha1 };
        if (p.GetValue(_minRsa) is int bits)
        {
            if (bits < 512 || bits > 16384)
            {
                throw new CliException(Exit.Usage, $"--min-rsa-bits {bits} is outside 512..16384");
            }
            alg = alg with { MinRsaBits = bits };
        }
        // One named purpose is asked for by its CertificatePurpose; several, or an OID without a name, as required EKUs.
        var single = purposes.Count == 1 && KeyPurposes.Named.FirstOrDefault(n => n.Oid == purposes[0]) is { Oid: not null } named
            ? named.Purpose : CertificatePurpose.Any;
        var flags = VerifyFlags.Default;
        if (!Strict(p))
        {
            flags &= ~VerifyFlags.X509Strict;
        }
        if (p.GetValue(_issuance))
        {
            flags |= VerifyFlags.CabfIssuance;
        }
        return new VerificationOptions
        {
            Profile = profile.WithAlgorithms(alg),
            Flags = flags,
            Purpose = single,
            RequiredExtendedKeyUsages = single == CertificatePurpose.Any && purposes.Count > 0 ? purposes : null,
            ValidationTime = At(p),
            HostnameChecksCommonName = CnFallback(p),
            RootProgram = p.GetValue(_rootProgram) == "off" ? null : RootProgram.Mozilla,
            RootProgramScope = p.GetValue(_rootProgram) == "all" ? RootProgramScope.AllAnchors : RootProgramScope.ProgramAndSystemAnchors,
        };
    }

    /// <summary>openssl's -purpose names, as Certitude's.</summary>
    private static string OpenSslPurpose(string text) => text switch
    {
        "sslserver" or "nssslserver" => "server",
        "sslclient" => "client",
        "smimesign" or "smimeencrypt" => "email",
        "timestampsign" => "timestamp",
        "ocsphelper" => "ocsp",
        _ => text,
    };

    private static bool IsDottedOid(string s)
    {
        var arcs = s.Split('.');
        return arcs.Length >= 2 && arcs.All(a => a.Length > 0 && a.Length <= 20 && a.All(char.IsAsciiDigit)) && arcs[0] is "0" or "1" or "2";
    }
}

/// <summary>Text and JSON rendering shared by the commands. Colour only on a terminal (and never with NO_COLOR).</summary>
internal static class Render
{
    public static bool Colour { get; } = !Console.IsOutputRedirected && string.IsNullOrEmpty(Environment.GetEnvironmentVariable("NO_COLOR"));

    public static string Green(string s) => Colour ? $"\u001b[32m{s}\u001b[0m" : s;

    public static string Red(string s) => Colour ? $"\u001b[31m{s}\u001b[0m" : s;

    public static string Yellow(string s) => Colour ? $"\u001b[33m{s}\u001b[0m" : s;

    public static JsonObject Cert(Certificate c) => new()
    {
        ["subject"] = c.Subject.ToString(),
        ["issuer"] = c.Issuer.ToString(),
        ["serial"] = c.SerialNumberHex,
        ["not_before"] = c.NotBefore.ToString("o", System.Globalization.CultureInfo.InvariantCulture),
        ["not_after"] = c.NotAfter.ToString("o", System.Globalization.CultureInfo.InvariantCulture),
        ["sha256"] = c.Sha256Fingerprint,
    };

    /// <summary>The stable JSON form of a verification result (documented in docs/CLI.md).</summary>
    public static JsonObject Result(VerificationResult r)
    {
        var path = new JsonArray();
        foreach (var c in r.Path)
        {
            path.Add((JsonNode)Cert(c));
        }
        var diags = new JsonArray();
        foreach (var d in r.Diagnostics)
        {
            diags.Add((JsonNode)new JsonObject
            {
                ["attempt"] = d.Attempt,
                ["certificate"] = d.CertificateIndex,
                ["code"] = (int)d.Code,
                ["message"] = d.Message,
                ["rule"] = d.Rule,
            });
        }
        return new JsonObject
        {
            ["verified"] = r.IsValid,
            ["code"] = (int)r.Code,
            ["code_text"] = r.CodeText,
            ["message"] = r.Message,
            ["failing_certificate"] = r.FailingCertificateIndex,
            ["path"] = path,
            ["diagnostics"] = diags,
            ["warnings"] = Warnings(r),
            ["incomplete_chain"] = IncompleteChain(r.IncompleteChain),
            ["crypto_path"] = r.CryptoPath,
        };
    }

    /// <summary>The incomplete-chain diagnosis (docs/intermediates.md), or null: the certificate lacking its issuer,
    /// the missing issuer, its caIssuers URLs, what fetching did, and whether it repaired the chain.</summary>
    public static JsonObject? IncompleteChain(IncompleteChain? ic)
    {
        if (ic is null)
        {
            return null;
        }
        var urls = new JsonArray();
        foreach (var u in ic.CaIssuersUrls)
        {
            urls.Add((JsonNode?)u);
        }
        var fetches = new JsonArray();
        foreach (var f in ic.Fetches)
        {
            fetches.Add((JsonNode)new JsonObject { ["url"] = f.Url, ["certificates"] = f.Certificates, ["outcome"] = f.Outcome });
        }
        return new JsonObject
        {
            ["certificate"] = ic.CertificateIndex,
            ["subject"] = ic.Certificate.Subject.ToString(),
            ["missing_issuer"] = ic.MissingIssuer.ToString(),
            ["ca_issuers"] = urls,
            ["fetches"] = fetches,
            ["repaired"] = ic.Repaired,
        };
    }

    /// <summary>The issuance-tier rules the verified path breaks (not enforced on it).</summary>
    public static JsonArray Warnings(VerificationResult r)
    {
        var warnings = new JsonArray();
        foreach (var w in r.Warnings)
        {
            warnings.Add((JsonNode)new JsonObject
            {
                ["certificate"] = w.CertificateIndex,
                ["code"] = (int)w.Code,
                ["rule_id"] = w.RuleId,
                ["rule"] = w.Rule,
                ["message"] = w.Message,
            });
        }
        return warnings;
    }

    /// <summary>Indented JSON with dates as plain ISO 8601 ("+00:00", not "\u002B00:00"): the relaxed encoder escapes
    /// only what JSON requires (quotes, backslashes, control characters), as the output is never embedded in HTML.
    /// The tree is written straight to a <see cref="Utf8JsonWriter"/>: no <see cref="JsonSerializerOptions"/>, so nothing
    /// asks for reflection-based type metadata and the native (AOT) build writes exactly what the JIT build writes.
    /// Held by a class of its own so that the encoder's tables are built on the first JSON output only, not by every
    /// command that writes text (a static field of <see cref="Render"/> would be initialised with <see cref="Colour"/>).</summary>
    private static class JsonOutput
    {
        public static readonly JsonWriterOptions WriterOptions = new() { Indented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
    }

    /// <remarks>Elements go into a <see cref="JsonArray"/> as <see cref="JsonNode"/> (<c>arr.Add((JsonNode)x)</c>): the generic
    /// <c>Add&lt;T&gt;</c> that C# otherwise picks for a JsonObject or a string needs run-time code generation, which the
    /// native build has not (IL2026/IL3050, errors in CI).</remarks>
    public static string Json(JsonNode node)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(4096);
        using (var writer = new Utf8JsonWriter(buffer, JsonOutput.WriterOptions))
        {
            node.WriteTo(writer);
        }
        return System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    public static void ResultText(TextWriter o, VerificationResult r, bool explain)
    {
        if (r.Path.Count > 0)
        {
            o.WriteLine(r.IsValid ? "path:" : "closest path:");
            for (int i = 0; i < r.Path.Count; i++)
            {
                o.WriteLine($"  {i} {r.Path[i].Subject}");
            }
        }
        if (r.IsValid)
        {
            o.WriteLine(Green("verified: OK") + (r.Warnings.Count > 0 ? $" ({r.Warnings.Count} issuance-rule warning{(r.Warnings.Count == 1 ? "" : "s")})" : ""));
            foreach (var w in r.Warnings)
            {
                o.WriteLine($"  warning: certificate {w.CertificateIndex}: {w.Message} [{w.Rule}, {w.RuleId}]");
            }
        }
        else
        {
            o.WriteLine(Red($"verification failed: error {(int)r.Code} ({r.CodeText})") + (r.FailingCertificateIndex is int i ? $" at certificate {i}" : ""));
            o.WriteLine($"  {r.Message}");
        }
        if (r.IncompleteChain is { Fetches.Count: > 0 } ic)
        {
            foreach (var f in ic.Fetches)
            {
                o.WriteLine($"  fetch {f}");
            }
        }
        if (explain && r.Diagnostics.Count > 0)
        {
            o.WriteLine("every failed check:");
            foreach (var d in r.Diagnostics)
            {
                o.WriteLine("  " + d);
            }
        }
        if (explain)
        {
            o.WriteLine("signatures: " + r.CryptoPath);
        }
    }
}
