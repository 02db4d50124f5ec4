using System.Security.Authentication;

namespace Certitude.Tls;

/// <summary>What Certitude decided about a TLS peer, and who the peer is.</summary>
public sealed class PeerVerification
{
    internal void Set(VerificationResult? result, bool accepted, string host, bool missing = false, VerificationResult? strictFailure = null, bool resumed = false)
    {
        Resumed = resumed;
        Result = result;
        Accepted = accepted;
        Host = host;
        MissingCertificate = missing;
        StrictFailure = strictFailure;
    }

    internal bool PostHandshakeRequested { get; set; }

    /// <summary>The platform reported a resumed TLS session and the peer's leaf came alone: it was verified again, in
    /// full, with the intermediates of the session's original verification (see the docs on resumption).</summary>
    public bool Resumed { get; private set; }

    /// <summary>The verification result, or null when the peer sent no certificate or verification was off.</summary>
    public VerificationResult? Result { get; private set; }

    /// <summary>Whether the peer was accepted.</summary>
    public bool Accepted { get; private set; }

    /// <summary>The name the peer was checked against ("client" for clients).</summary>
    public string Host { get; private set; } = "";

    /// <summary>The peer sent no certificate although one was required.</summary>
    public bool MissingCertificate { get; private set; }

    /// <summary>In Warn mode, the strict failure that was accepted.</summary>
    public VerificationResult? StrictFailure { get; private set; }

    /// <summary>The verified leaf certificate, if any.</summary>
    public Certificate? Certificate => Result is { IsValid: true, Path.Count: > 0 } r ? r.Path[0] : null;

    /// <summary>The subject's commonName (CN) of the verified peer, if any.</summary>
    public string? CommonName => Certificate?.Subject.CommonName;

    /// <summary>URIs of the verified peer (subjectAltName uniformResourceIdentifier), e.g. SPIFFE IDs.</summary>
    public IReadOnlyList<string> Uris => Names(GeneralNameKind.Uri);

    /// <summary>DNS names of the verified peer (subjectAltName).</summary>
    public IReadOnlyList<string> DnsNames => Names(GeneralNameKind.DnsName);

    /// <summary>Email addresses of the verified peer (subjectAltName rfc822Name).</summary>
    public IReadOnlyList<string> EmailAddresses => Names(GeneralNameKind.Rfc822Name);

    /// <summary>IP addresses of the verified peer (subjectAltName iPAddress).</summary>
    public IReadOnlyList<System.Net.IPAddress> IPAddresses
        => Certificate?.SubjectAlternativeNames.Where(n => n.Kind == GeneralNameKind.IPAddress && n.Bytes!.Length is 4 or 16)
            .Select(n => new System.Net.IPAddress(n.Bytes!)).ToArray() ?? [];

    private string[] Names(GeneralNameKind kind)
        => Certificate?.SubjectAlternativeNames.Where(n => n.Kind == kind).Select(n => n.Text!).ToArray() ?? [];
}

/// <summary>
/// The peer's certificate did not verify (Python's <c>SSLCertVerificationError</c>). On .NET 10 for
/// Linux the rejection happens after the TLS handshake completed at the protocol level, so the peer
/// receives no TLS alert; the connection is closed.
/// </summary>
public sealed class CertificateVerificationException : AuthenticationException
{
    internal CertificateVerificationException(PeerVerification state, Exception? inner)
        : base("[CERTIFICATE_VERIFY_FAILED] " + Describe(state), inner)
    {
        Result = state.Result;
        VerifyCode = state.MissingCertificate ? VerifyCode.UnableToGetIssuerCert : state.Result?.Code ?? VerifyCode.Unspecified;
        VerifyMessage = Describe(state);
    }

    /// <summary>The code (OpenSSL's number where one exists).</summary>
    public VerifyCode VerifyCode { get; }

    /// <summary>E.g. "certificate verify failed: Hostname mismatch, certificate is not valid for 'x'".</summary>
    public string VerifyMessage { get; }

    /// <summary>The full result: path, failing certificate, diagnostics.</summary>
    public VerificationResult? Result { get; }

    private static string Describe(PeerVerification s)
    {
        if (s.MissingCertificate)
        {
            return "certificate verify failed: the peer did not present a certificate";
        }
        var r = s.Result;
        if (r is null)
        {
            return "certificate verify failed";
        }
        return r.Code switch
        {
            VerifyCode.HostnameMismatch => $"certificate verify failed: Hostname mismatch, certificate is not valid for '{s.Host}'",
            VerifyCode.IpAddressMismatch => $"certificate verify failed: IP address mismatch, certificate is not valid for '{s.Host}'",
            _ => $"certificate verify failed: {r.CodeText} ({r.Message})",
        };
    }
}
