using Certitude.Names;

namespace Certitude;

/// <summary>The kind of identity a peer is expected to have.</summary>
public enum PeerIdentityKind
{
    /// <summary>A DNS host name.</summary>
    Dns,
    /// <summary>An IPv4 or IPv6 address.</summary>
    IPAddress,
    /// <summary>An email address (rfc822Name).</summary>
    Email,
}

/// <summary>
/// A reference identity (RFC 6125 / RFC 9525): the name the peer's certificate must match.
/// Creating one never throws: an invalid name (a bad IDN, "127.1", an underscore) is kept with
/// the reason and makes verification fail with <see cref="VerifyCode.InvalidPeerName"/>.
/// </summary>
public sealed class PeerIdentity
{
    private PeerIdentity(PeerIdentityKind kind, string value, string? normalized, byte[]? address, string? error)
    {
        Kind = kind;
        Value = value;
        Normalized = normalized;
        Address = address;
        Error = error;
    }

    /// <summary>The kind of name.</summary>
    public PeerIdentityKind Kind { get; }

    /// <summary>The name as given.</summary>
    public string Value { get; }

    /// <summary>The canonical form: the A-label host name, the address text, or the mailbox.</summary>
    public string? Normalized { get; }

    internal byte[]? Address { get; }

    /// <summary>The host name to send as SNI (RFC 6066 3): the A-label form of a valid DNS name; null for IP
    /// literals, which SNI never carries, and for anything else.</summary>
    public string? ServerName => Kind == PeerIdentityKind.Dns ? Normalized : null;

    /// <summary>What to give SslStream as TargetHost: <see cref="ServerName"/>, "" for an IP literal (no SNI
    /// is sent), or the name as given when it is not a valid host name.</summary>
    internal string SslTargetHost => ServerName ?? (Kind == PeerIdentityKind.IPAddress ? "" : Value);

    /// <summary>Why the name is invalid, or null.</summary>
    public string? Error { get; }

    /// <summary>True when the name is syntactically valid.</summary>
    public bool IsValid => Error is null;

    /// <summary>A host name; Unicode is converted to A-labels (IDNA / UTS 46).</summary>
    public static PeerIdentity Dns(string hostName)
        => DnsNames.TryNormalizeReference(hostName, out var ascii, out var reason)
            ? new PeerIdentity(PeerIdentityKind.Dns, hostName, ascii, null, null)
            : new PeerIdentity(PeerIdentityKind.Dns, hostName, null, null, reason);

    /// <summary>An IP address literal, parsed strictly (no "127.1", no octal, no zone id).</summary>
    public static PeerIdentity IPAddress(string address)
        => IpAddresses.TryParse(address, out var bytes)
            ? new PeerIdentity(PeerIdentityKind.IPAddress, address, IpAddresses.Canonical(bytes), bytes, null)
            : new PeerIdentity(PeerIdentityKind.IPAddress, address, null, null, $"'{address}' is not a valid IP address literal");

    /// <summary>An email address; an internationalised one (RFC 6531) too. Its domain is compared in A-labels
    /// (Unicode converted with IDNA), its local part exactly; it matches an rfc822Name or an RFC 9598
    /// SmtpUTF8Mailbox.</summary>
    public static PeerIdentity Email(string address)
        => EmailAddresses.NormalizeReference(address, out var reason) is { } normalized
            ? new PeerIdentity(PeerIdentityKind.Email, address, normalized, null, null)
            : new PeerIdentity(PeerIdentityKind.Email, address, null, null, reason);

    /// <summary>A host name or IP literal, whichever the text is (what a TLS client has).</summary>
    public static PeerIdentity Host(string host)
        => host.Contains(':', StringComparison.Ordinal) || IpAddresses.TryParseV4(host, out _) ? IPAddress(host) : Dns(host);

    /// <inheritdoc/>
    public override string ToString() => $"{Kind}:{Value}";
}
