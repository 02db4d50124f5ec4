using System.Security.Claims;
using System.Text.Encodings.Web;
using Certitude.Tls;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Certitude.AspNetCore;

/// <summary>Names of the Certitude authentication scheme and of its claims beyond <see cref="ClaimTypes"/>.</summary>
public static class CertitudeAuthenticationDefaults
{
    /// <summary>The default scheme name.</summary>
    public const string AuthenticationScheme = "Certitude";

    /// <summary>The claim type holding the issuer's distinguished name (every claim's <see cref="Claim.Issuer"/> is it too).</summary>
    public const string IssuerClaimType = "urn:certitude:issuer";

    /// <summary>The claim type holding a URI subjectAltName (e.g. a SPIFFE ID).</summary>
    public const string UriClaimType = ClaimTypes.Uri;
}

/// <summary>Options of the Certitude authentication handler.</summary>
public sealed class CertitudeAuthenticationOptions : AuthenticationSchemeOptions
{
    /// <summary>Also accept a client accepted in <see cref="Strictness.Warn"/> mode that passed only without
    /// X509Strict (default true: the TLS layer already accepted it and logged why).</summary>
    public bool AcceptStrictOnlyFailures { get; set; } = true;
}

/// <summary>
/// Turns the client certificate Certitude verified on this connection (<see cref="CertitudeAspNetCoreExtensions.GetCertitudePeer"/>)
/// into a <see cref="ClaimsPrincipal"/>: <see cref="ClaimTypes.Name"/> (the subject's CN, else the whole subject),
/// <see cref="ClaimTypes.NameIdentifier"/> and <see cref="ClaimTypes.X500DistinguishedName"/> (the subject),
/// <see cref="ClaimTypes.Email"/>, <see cref="ClaimTypes.Dns"/> and <see cref="ClaimTypes.Uri"/> (subjectAltName),
/// <see cref="ClaimTypes.Thumbprint"/> (SHA-256, hex), <see cref="ClaimTypes.SerialNumber"/> and the issuer. No
/// certificate on the connection is "no result" (so <c>[Authorize]</c> challenges with 403); a certificate that did
/// not verify never reaches this handler, because the handshake failed.
/// </summary>
internal sealed class CertitudeAuthenticationHandler(IOptionsMonitor<CertitudeAuthenticationOptions> options, ILoggerFactory logger, UrlEncoder encoder)
    : AuthenticationHandler<CertitudeAuthenticationOptions>(options, logger, encoder)
{
    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var peer = Context.GetCertitudePeer();
        if (peer?.Certificate is not { } leaf)
        {
            return Task.FromResult(AuthenticateResult.NoResult());
        }
        if (!peer.Accepted || (peer.StrictFailure is not null && !Options.AcceptStrictOnlyFailures))
        {
            return Task.FromResult(AuthenticateResult.Fail($"client certificate not accepted: {peer.StrictFailure?.Message ?? peer.Result?.Message}"));
        }
        var principal = new ClaimsPrincipal(new ClaimsIdentity(CertitudeClaims.From(peer, leaf), Scheme.Name, ClaimTypes.Name, ClaimTypes.Role));
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(principal, Scheme.Name)));
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        // A client certificate cannot be asked for after the handshake over HTTP/2: forbidden, not a login prompt.
        Response.StatusCode = StatusCodes403;
        return Task.CompletedTask;
    }

    private const int StatusCodes403 = 403;
}

/// <summary>The claims of a verified peer.</summary>
public static class CertitudeClaims
{
    /// <summary>The claims of the verified leaf of <paramref name="peer"/> (empty when none verified).</summary>
    /// <param name="peer">What Certitude decided about the peer.</param>
    /// <returns>The claims, each issued by the certificate's issuer.</returns>
    public static IReadOnlyList<Claim> From(PeerVerification peer)
    {
        ArgumentNullException.ThrowIfNull(peer);
        return peer.Certificate is { } leaf ? From(peer, leaf) : [];
    }

    internal static List<Claim> From(PeerVerification peer, Certificate leaf)
    {
        var issuer = leaf.Issuer.ToString();
        var subject = leaf.Subject.ToString();
        var claims = new List<Claim>();
        void Add(string type, string value) => claims.Add(new Claim(type, value, ClaimValueTypes.String, issuer));
        Add(ClaimTypes.Name, leaf.Subject.CommonName ?? subject);
        Add(ClaimTypes.NameIdentifier, subject);
        Add(ClaimTypes.X500DistinguishedName, subject);
        foreach (var e in peer.EmailAddresses)
        {
            Add(ClaimTypes.Email, e);
        }
        foreach (var d in peer.DnsNames)
        {
            Add(ClaimTypes.Dns, d);
        }
        foreach (var u in peer.Uris)
        {
            Add(ClaimTypes.Uri, u);
        }
        Add(ClaimTypes.Thumbprint, leaf.Sha256Fingerprint);
        Add(ClaimTypes.SerialNumber, leaf.SerialNumberHex);
        Add(CertitudeAuthenticationDefaults.IssuerClaimType, issuer);
        return claims;
    }
}

/// <summary>Registers the Certitude authentication handler.</summary>
public static class CertitudeAuthenticationExtensions
{
    /// <summary>Adds the Certitude scheme: the connection's verified client certificate becomes the user, so
    /// <c>[Authorize]</c> and policies work (Kestrel endpoints with <c>UseCertitude</c>).</summary>
    /// <param name="builder">The authentication builder.</param>
    /// <param name="configure">Optional settings.</param>
    /// <returns>The builder.</returns>
    public static AuthenticationBuilder AddCertitude(this AuthenticationBuilder builder, Action<CertitudeAuthenticationOptions>? configure = null)
        => builder.AddCertitude(CertitudeAuthenticationDefaults.AuthenticationScheme, configure);

    /// <summary>Adds the Certitude scheme under another name.</summary>
    /// <param name="builder">The authentication builder.</param>
    /// <param name="authenticationScheme">The scheme name.</param>
    /// <param name="configure">Optional settings.</param>
    /// <returns>The builder.</returns>
    public static AuthenticationBuilder AddCertitude(this AuthenticationBuilder builder, string authenticationScheme, Action<CertitudeAuthenticationOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.AddScheme<CertitudeAuthenticationOptions, CertitudeAuthenticationHandler>(authenticationScheme, configure);
    }
}
