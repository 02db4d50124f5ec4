using System.Net;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Encodings.Web;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
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
    /// <summary>Options with no-op events.</summary>
    public CertitudeAuthenticationOptions() => Events = new CertitudeAuthenticationEvents();

    /// <summary>Also accept a client accepted in <see cref="Strictness.Warn"/> mode that passed only without
    /// X509Strict (default true: the TLS layer already accepted it and logged why).</summary>
    public bool AcceptStrictOnlyFailures { get; set; } = true;

    /// <summary>What happens around authentication: map the certificate to claims and roles or fail it
    /// (<see cref="CertitudeAuthenticationEvents.OnCertificateValidated"/>), observe failures, shape challenges.</summary>
    public new CertitudeAuthenticationEvents Events
    {
        get => (CertitudeAuthenticationEvents)base.Events!;
        set => base.Events = value;
    }

    /// <summary>Opt-in: the request header a TLS-terminating reverse proxy puts the client's certificate in (e.g.
    /// <c>X-Client-Cert</c>; URL-encoded PEM as nginx's <c>$ssl_client_escaped_cert</c>, PEM, or base64 DER, the
    /// leaf first and then any intermediates). Null (the default) ignores such headers. The header is taken only from
    /// <see cref="KnownProxies"/> and <see cref="KnownNetworks"/>; the forwarded chain is verified exactly like a
    /// direct one, with the context named by <see cref="ForwardedCertificateContext"/>.</summary>
    public string? ForwardedCertificateHeader { get; set; }

    /// <summary>Addresses of the proxies whose <see cref="ForwardedCertificateHeader"/> is believed.</summary>
    public IList<IPAddress> KnownProxies { get; } = [];

    /// <summary>Networks of the proxies whose <see cref="ForwardedCertificateHeader"/> is believed.</summary>
    public IList<IPNetwork> KnownNetworks { get; } = [];

    /// <summary>The <c>AddCertitude</c> context (a <see cref="TlsPurpose.ClientAuthentication"/> one) that verifies
    /// forwarded certificates; null for the default one.</summary>
    public string? ForwardedCertificateContext { get; set; }

    /// <inheritdoc />
    public override void Validate()
    {
        base.Validate();
        if (ForwardedCertificateHeader is not null && KnownProxies.Count == 0 && KnownNetworks.Count == 0)
        {
            throw new InvalidOperationException($"{nameof(ForwardedCertificateHeader)} is set but no proxy is trusted: add {nameof(KnownProxies)} or {nameof(KnownNetworks)}");
        }
    }
}

/// <summary>The events of the Certitude authentication handler (as ASP.NET Core's certificate handler has them).</summary>
public class CertitudeAuthenticationEvents
{
    /// <summary>After the certificate verified and its claims were made: add claims or roles
    /// (<c>context.Principal</c>), or <c>context.Fail(...)</c> it.</summary>
    public Func<CertitudeCertificateValidatedContext, Task> OnCertificateValidated { get; set; } = _ => Task.CompletedTask;

    /// <summary>When authentication fails: the certificate did not verify (in <see cref="CertitudeRejection.InHandler"/>
    /// mode or for a forwarded certificate), was missing, or an event failed it.</summary>
    public Func<CertitudeAuthenticationFailedContext, Task> OnAuthenticationFailed { get; set; } = _ => Task.CompletedTask;

    /// <summary>Before the challenge response (default: 403 with a problem-details body naming the reason); call
    /// <c>HandleResponse()</c> to write your own.</summary>
    public Func<CertitudeChallengeContext, Task> OnChallenge { get; set; } = _ => Task.CompletedTask;

    /// <summary>Before the forbidden response (403); call <c>HandleResponse()</c> to write your own.</summary>
    public Func<CertitudeChallengeContext, Task> OnForbidden { get; set; } = _ => Task.CompletedTask;

    /// <summary>Invokes <see cref="OnCertificateValidated"/>.</summary>
    /// <param name="context">The context.</param>
    /// <returns>The event's task.</returns>
    public virtual Task CertificateValidated(CertitudeCertificateValidatedContext context) => OnCertificateValidated(context);

    /// <summary>Invokes <see cref="OnAuthenticationFailed"/>.</summary>
    /// <param name="context">The context.</param>
    /// <returns>The event's task.</returns>
    public virtual Task AuthenticationFailed(CertitudeAuthenticationFailedContext context) => OnAuthenticationFailed(context);

    /// <summary>Invokes <see cref="OnChallenge"/>.</summary>
    /// <param name="context">The context.</param>
    /// <returns>The event's task.</returns>
    public virtual Task Challenge(CertitudeChallengeContext context) => OnChallenge(context);

    /// <summary>Invokes <see cref="OnForbidden"/>.</summary>
    /// <param name="context">The context.</param>
    /// <returns>The event's task.</returns>
    public virtual Task Forbidden(CertitudeChallengeContext context) => OnForbidden(context);
}

/// <summary>The verified client, its claims, and the verdict of <see cref="CertitudeAuthenticationEvents.OnCertificateValidated"/>.</summary>
public sealed class CertitudeCertificateValidatedContext(HttpContext context, AuthenticationScheme scheme, CertitudeAuthenticationOptions options, PeerVerification peer, bool forwarded)
    : ResultContext<CertitudeAuthenticationOptions>(context, scheme, options)
{
    /// <summary>What Certitude decided about the client.</summary>
    public PeerVerification Peer { get; } = peer;

    /// <summary>The certificate came in the proxy's header, not on this connection.</summary>
    public bool Forwarded { get; } = forwarded;
}

/// <summary>Why authentication failed.</summary>
public sealed class CertitudeAuthenticationFailedContext(HttpContext context, AuthenticationScheme scheme, CertitudeAuthenticationOptions options, string reason, PeerVerification? peer)
    : ResultContext<CertitudeAuthenticationOptions>(context, scheme, options)
{
    /// <summary>The reason (e.g. the verify code's text and message).</summary>
    public string Reason { get; } = reason;

    /// <summary>What Certitude decided about the client, when a certificate was seen.</summary>
    public PeerVerification? Peer { get; } = peer;
}

/// <summary>A challenge or forbidden response about to be written.</summary>
public sealed class CertitudeChallengeContext(HttpContext context, AuthenticationScheme scheme, CertitudeAuthenticationOptions options, AuthenticationProperties? properties, string? reason)
    : PropertiesContext<CertitudeAuthenticationOptions>(context, scheme, options, properties)
{
    /// <summary>Why authentication failed, if it did.</summary>
    public string? Reason { get; } = reason;

    /// <summary>Whether the event wrote the response itself.</summary>
    public bool Handled { get; private set; }

    /// <summary>Skips the default response.</summary>
    public void HandleResponse() => Handled = true;
}

/// <summary>
/// Turns the client certificate Certitude verified on this connection (<see cref="CertitudeAspNetCoreExtensions.GetCertitudePeer"/>)
/// or, opt-in, one a trusted proxy forwarded, into a <see cref="ClaimsPrincipal"/>: <see cref="ClaimTypes.Name"/> (the
/// subject's CN, else the whole subject), <see cref="ClaimTypes.NameIdentifier"/> and <see cref="ClaimTypes.X500DistinguishedName"/>
/// (the subject), <see cref="ClaimTypes.Email"/>, <see cref="ClaimTypes.Dns"/> and <see cref="ClaimTypes.Uri"/> (subjectAltName),
/// <see cref="ClaimTypes.Thumbprint"/> (SHA-256, hex), <see cref="ClaimTypes.SerialNumber"/> and the issuer. No certificate
/// is "no result"; a certificate that did not verify (in <see cref="CertitudeRejection.InHandler"/> mode, or forwarded)
/// fails with its reason, and the challenge answers 403 with a problem-details body naming it.
/// </summary>
internal sealed class CertitudeAuthenticationHandler(IOptionsMonitor<CertitudeAuthenticationOptions> options, ILoggerFactory logger, UrlEncoder encoder)
    : AuthenticationHandler<CertitudeAuthenticationOptions>(options, logger, encoder)
{
    private new CertitudeAuthenticationEvents Events => (CertitudeAuthenticationEvents)base.Events!;

    private string? _forwardedError;

    protected override Task<object> CreateEventsAsync() => Task.FromResult<object>(new CertitudeAuthenticationEvents());

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var (peer, forwarded) = Peer();
        if (peer is null)
        {
            return AuthenticateResult.NoResult();
        }
        string? failure = _forwardedError;
        if (failure is null && peer.MissingCertificate)
        {
            failure = "the client presented no certificate although the endpoint requires one";
        }
        else if (failure is null && !peer.Accepted && peer.Result is { } r)
        {
            failure = $"client certificate rejected: error {(int)r.Code} {r.CodeText} ({r.Message})";
        }
        else if (failure is null && peer.StrictFailure is { } strict && !Options.AcceptStrictOnlyFailures)
        {
            failure = $"client certificate passes only without X509Strict: error {(int)strict.Code} {strict.CodeText} ({strict.Message})";
        }
        if (failure is not null)
        {
            return await Failed(failure, peer);
        }
        if (peer.Certificate is not { } leaf)
        {
            return AuthenticateResult.NoResult();
        }
        var principal = new ClaimsPrincipal(new ClaimsIdentity(CertitudeClaims.From(peer, leaf), Scheme.Name, ClaimTypes.Name, ClaimTypes.Role));
        var validated = new CertitudeCertificateValidatedContext(Context, Scheme, Options, peer, forwarded) { Principal = principal };
        await Events.CertificateValidated(validated);
        if (validated.Result is { } result)
        {
            if (result.Succeeded)
            {
                return result;
            }
            return await Failed(result.Failure?.Message ?? "rejected by OnCertificateValidated", peer);
        }
        validated.Success();
        return validated.Result!;
    }

    private async Task<AuthenticateResult> Failed(string reason, PeerVerification? peer)
    {
        var failed = new CertitudeAuthenticationFailedContext(Context, Scheme, Options, reason, peer);
        await Events.AuthenticationFailed(failed);
        return failed.Result ?? AuthenticateResult.Fail(reason);
    }

    /// <summary>The forwarded certificate from a trusted proxy, verified; else this connection's verdict.</summary>
    private (PeerVerification? Peer, bool Forwarded) Peer()
    {
        if (Options.ForwardedCertificateHeader is { } header && Request.Headers.TryGetValue(header, out var values) && values.Count > 0 && !string.IsNullOrEmpty(values[0]))
        {
            var remote = Context.Connection.RemoteIpAddress;
            if (remote is not null && IsTrustedProxy(remote))
            {
                return (Forwarded(values[0]!), true);
            }
            AuthLog.ForwardedCertificateIgnored(Logger, remote?.ToString() ?? "(unknown)", header);
        }
        return (Context.GetCertitudePeer(), false);
    }

    private bool IsTrustedProxy(IPAddress remote)
    {
        if (remote.IsIPv4MappedToIPv6)
        {
            remote = remote.MapToIPv4();
        }
        return Options.KnownProxies.Any(p => p.Equals(remote)) || Options.KnownNetworks.Any(n => n.Contains(remote));
    }

    /// <summary>Verifies a forwarded chain with the configured context, exactly as a handshake's chain is verified.</summary>
    private PeerVerification Forwarded(string value)
    {
        var state = new PeerVerification();
        X509Certificate2Collection certs;
        try
        {
            certs = ParseForwarded(value);
        }
        catch (Exception e) when (e is CryptographicException or FormatException or ArgumentException)
        {
            _forwardedError = $"the forwarded client certificate cannot be read: {e.Message}";
            return state;
        }
        if (certs.Count == 0)
        {
            state.Set(null, false, "forwarded client", missing: true);
            return state;
        }
        var context = Context.RequestServices.GetRequiredService<TlsContextProvider>().Get(Options.ForwardedCertificateContext);
        using var chain = new X509Chain();
        for (int i = 1; i < certs.Count; i++)
        {
            chain.ChainPolicy.ExtraStore.Add(certs[i]);
        }
        context.VerifyPeer(state, certs[0], chain, "forwarded client");
        return state;
    }

    private static X509Certificate2Collection ParseForwarded(string value)
    {
        var text = value.Contains('%', StringComparison.Ordinal) ? Uri.UnescapeDataString(value) : value;
        var certs = new X509Certificate2Collection();
        if (text.Contains("-----BEGIN", StringComparison.Ordinal))
        {
            certs.ImportFromPem(text.Replace('\t', '\n')); // some proxies write the PEM's line breaks as tabs
        }
        else
        {
            certs.Add(X509CertificateLoader.LoadCertificate(Convert.FromBase64String(text.Trim())));
        }
        return certs;
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        // A client certificate cannot be asked for after the handshake over HTTP/2: forbidden, not a login prompt.
        var outcome = await HandleAuthenticateOnceSafeAsync();
        var reason = outcome.Failure?.Message;
        var challenge = new CertitudeChallengeContext(Context, Scheme, Options, properties, reason);
        await Events.Challenge(challenge);
        if (!challenge.Handled)
        {
            await WriteForbidden(reason);
        }
    }

    protected override async Task HandleForbiddenAsync(AuthenticationProperties properties)
    {
        var outcome = await HandleAuthenticateOnceSafeAsync();
        var forbidden = new CertitudeChallengeContext(Context, Scheme, Options, properties, outcome.Failure?.Message);
        await Events.Forbidden(forbidden);
        if (!forbidden.Handled)
        {
            await WriteForbidden(outcome.Failure?.Message);
        }
    }

    /// <summary>403 with an RFC 9457 problem-details body naming the reason, when there is one.</summary>
    private async Task WriteForbidden(string? reason)
    {
        Response.StatusCode = StatusCodes.Status403Forbidden;
        if (reason is null || Response.HasStarted)
        {
            return;
        }
        Response.ContentType = "application/problem+json";
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("type", "https://tools.ietf.org/html/rfc9110#section-15.5.4");
            json.WriteString("title", "Client certificate not accepted");
            json.WriteNumber("status", StatusCodes.Status403Forbidden);
            json.WriteString("detail", reason);
            json.WriteEndObject();
        }
        await Response.Body.WriteAsync(buffer.ToArray());
    }
}

/// <summary>The named events of the handler (category: the handler's).</summary>
internal static partial class AuthLog
{
    [LoggerMessage(10, LogLevel.Warning, "a client certificate header '{Header}' from {RemoteAddress}, which is not a known proxy, was ignored", EventName = "ForwardedCertificateIgnored")]
    public static partial void ForwardedCertificateIgnored(ILogger logger, string remoteAddress, string header);
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
