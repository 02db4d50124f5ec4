using System.Net;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Certitude.Tls;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Certitude.AspNetCore;

/// <summary>What Certitude decided about the client certificate of one connection (a connection feature).</summary>
public sealed class CertitudeConnectionFeature
{
    internal CertitudeConnectionFeature(EndPoint? remote) => RemoteEndPoint = remote;

    /// <summary>What was decided; <see cref="PeerVerification.Certificate"/> is null until a certificate verified.</summary>
    public PeerVerification Peer { get; } = new();

    /// <summary>The client's address.</summary>
    public EndPoint? RemoteEndPoint { get; }

    /// <summary>Where a client that failed verification is refused on this endpoint.</summary>
    public CertitudeRejection Rejection { get; internal init; }
}

/// <summary>Where a client whose certificate fails verification is refused.</summary>
public enum CertitudeRejection
{
    /// <summary>In the TLS handshake (the default): the connection is closed and the client sees a handshake failure;
    /// nothing reaches the application.</summary>
    AtHandshake,
    /// <summary>Kestrel accepts the TLS connection and the Certitude authentication handler decides: a request from
    /// a rejected (or, with <see cref="VerifyMode.Required"/>, certificate-less) client fails authentication and is
    /// answered with HTTP 403 and a problem-details body naming the reason. Needs <c>AddAuthentication().AddCertitude()</c>
    /// and an authorization requirement on the endpoints.</summary>
    InHandler,
}

/// <summary>Kestrel integration: client certificates (mTLS) verified by Certitude, per connection.</summary>
public static class CertitudeAspNetCoreExtensions
{
    /// <summary>The log category of the adapter.</summary>
    public const string LogCategory = "Certitude.AspNetCore";

    /// <summary>
    /// HTTPS on this endpoint with the context's own certificate (<see cref="TlsContext.LoadCertChain"/> or
    /// <see cref="TlsContext.UseCertificate"/>), protocols and cipher suites, and client certificates asked for and
    /// verified by the context per its <see cref="TlsContext.VerifyMode"/>. Rejections and missing certificates
    /// are logged (category <c>Certitude.AspNetCore</c>, from the application's <see cref="ILoggerFactory"/>) and
    /// counted on the <c>Certitude.Tls</c> meter. When the context reloads (<see cref="TlsContext.Reload"/>), new
    /// connections use its new certificate and trust anchors.
    /// </summary>
    /// <param name="listen">The endpoint.</param>
    /// <param name="context">A <see cref="TlsPurpose.ClientAuthentication"/> context with a certificate.</param>
    /// <param name="rejection">Where a client that fails verification is refused: in the handshake (the default) or by
    /// the authentication handler with HTTP 403 and a problem-details body naming the reason.</param>
    /// <returns>The endpoint.</returns>
    /// <exception cref="ArgumentException">The context verifies servers, or has no certificate.</exception>
    public static ListenOptions UseCertitude(this ListenOptions listen, TlsContext context, CertitudeRejection rejection = CertitudeRejection.AtHandshake)
    {
        ArgumentNullException.ThrowIfNull(context);
        return listen.UseCertitude(() => context, rejection);
    }

    /// <summary>HTTPS with a context registered with <c>AddCertitude</c> (its options' <c>Purpose</c> must be
    /// <c>ClientAuthentication</c> and name a certificate), resolved from the application's services. Each new
    /// connection uses the context's current material and settings: a change of the options or of the files they
    /// name (trust anchors, CRLs, the server's certificate and key) takes effect without a restart.</summary>
    /// <param name="listen">The endpoint.</param>
    /// <param name="contextName">The context's name; null for the default one.</param>
    /// <param name="rejection">Where a client that fails verification is refused (see <see cref="CertitudeRejection"/>).</param>
    /// <returns>The endpoint.</returns>
    public static ListenOptions UseCertitude(this ListenOptions listen, string? contextName = null, CertitudeRejection rejection = CertitudeRejection.AtHandshake)
    {
        ArgumentNullException.ThrowIfNull(listen);
        var provider = listen.ApplicationServices.GetRequiredService<TlsContextProvider>();
        return listen.UseCertitude(() => provider.Get(contextName), rejection);
    }

    private static ListenOptions UseCertitude(this ListenOptions listen, Func<TlsContext> current, CertitudeRejection rejection)
    {
        ArgumentNullException.ThrowIfNull(listen);
        var context = current();
        if (context.Certificate is null)
        {
            throw new ArgumentException("the context has no certificate for the server: call LoadCertChain or UseCertificate (or use UseHttps(https => https.UseCertitude(context)) with Kestrel's own certificate)", nameof(listen));
        }
        var services = listen.ApplicationServices;
        context.AdoptServices(services.GetService<ILoggerFactory>(), services.GetService<System.Diagnostics.Metrics.IMeterFactory>());
        var logger = services.GetService<ILoggerFactory>()?.CreateLogger(LogCategory);
        return listen.UseHttps(https =>
        {
            https.ServerCertificate = context.Certificate;
            https.ServerCertificateChain = context.CertificateChain;
            https.SslProtocols = context.Protocols;
            https.UseCertitude(current, logger, ownCertificate: true, rejection);
        });
    }

    /// <summary>
    /// Kestrel mTLS with Certitude deciding trust, with Kestrel's own server certificate: client certificates are
    /// requested per the context's <see cref="TlsContext.VerifyMode"/> (Optional or Required) and verified for
    /// client authentication against the context's trust store; the platform's own chain building is made a cheap
    /// no-op. Certitude installs its own per-connection validation callback, so Kestrel's
    /// <see cref="HttpsConnectionAdapterOptions.ClientCertificateMode"/> reads <c>NoCertificate</c> and
    /// <see cref="HttpsConnectionAdapterOptions.ClientCertificateValidation"/> is not called. The verdict belongs to
    /// the connection: <see cref="GetCertitudePeer"/>.
    /// </summary>
    /// <param name="options">Kestrel's HTTPS options.</param>
    /// <param name="context">A <see cref="TlsPurpose.ClientAuthentication"/> context.</param>
    /// <param name="logger">Where rejections are logged; default: the context's <see cref="TlsContext.LoggerFactory"/>
    /// in the <c>Certitude.AspNetCore</c> category, if any.</param>
    /// <param name="rejection">Where a client that fails verification is refused (see <see cref="CertitudeRejection"/>).</param>
    /// <returns>The options.</returns>
    /// <exception cref="ArgumentException">The context verifies servers.</exception>
    public static HttpsConnectionAdapterOptions UseCertitude(this HttpsConnectionAdapterOptions options, TlsContext context, ILogger? logger = null, CertitudeRejection rejection = CertitudeRejection.AtHandshake)
    {
        ArgumentNullException.ThrowIfNull(context);
        return options.UseCertitude(() => context, logger, ownCertificate: false, rejection);
    }

    private static HttpsConnectionAdapterOptions UseCertitude(this HttpsConnectionAdapterOptions options, Func<TlsContext> current, ILogger? logger, bool ownCertificate, CertitudeRejection rejection)
    {
        ArgumentNullException.ThrowIfNull(options);
        var context = current();
        if (context.Purpose != TlsPurpose.ClientAuthentication)
        {
            throw new ArgumentException("Kestrel verifies clients: use a TlsPurpose.ClientAuthentication context", nameof(options));
        }
        logger ??= context.LoggerFactory?.CreateLogger(LogCategory) ?? context.Logger;
        if (options.ServerCertificate is null && options.ServerCertificateSelector is null && context.Certificate is not null)
        {
            options.ServerCertificate = context.Certificate;
            options.ServerCertificateChain = context.CertificateChain;
            ownCertificate = true;
        }
        if (context.VerifyMode == VerifyMode.None && logger is not null)
        {
            AspNetCoreLog.UnverifiedContext(logger);
        }
        // Kestrel would pass its own callback to the SslStream's constructor, which forbids setting one in the
        // options; with NoCertificate it passes none, and the per-connection callback below decides.
        options.ClientCertificateMode = ClientCertificateMode.NoCertificate;
        options.CheckCertificateRevocation = false;
        var previous = options.OnAuthenticate;
        options.OnAuthenticate = (connection, ssl) =>
        {
            previous?.Invoke(connection, ssl);
            // The context of this connection: after a change of options or files, the new one.
            var ctx = current();
            var feature = new CertitudeConnectionFeature(connection.RemoteEndPoint) { Rejection = rejection };
            connection.Features.Set(feature);
            var requested = ctx.VerifyMode != VerifyMode.None && !ctx.PostHandshakeAuthentication;
            ssl.ClientCertificateRequired = requested;
            ssl.CertificateRevocationCheckMode = X509RevocationMode.NoCheck;
            ssl.CertificateChainPolicy = TlsContext.CheapPolicy();
            if (ownCertificate && ctx.OwnCertificateContext is { } own)
            {
                ssl.ServerCertificateContext = own; // the context's current certificate (it may have been reloaded)
            }
            if (requested)
            {
                ssl.RemoteCertificateValidationCallback = (sender, cert, chain, _) =>
                {
                    var ok = Verify(ctx, feature, connection, sender as SslStream, cert, chain, logger);
                    // In the handler-decides mode the connection stands; the authentication handler answers 403 with the reason.
                    return ok || rejection == CertitudeRejection.InHandler;
                };
            }
        };
        return options;
    }

    private static bool Verify(TlsContext context, CertitudeConnectionFeature feature, ConnectionContext connection, SslStream? stream, X509Certificate? cert, X509Chain? chain, ILogger? logger)
    {
        var state = feature.Peer;
        var ok = context.VerifyPeer(state, cert, chain, "client", stream);
        if (logger is not null)
        {
            var remote = connection.RemoteEndPoint?.ToString() ?? "(unknown)";
            if (state.MissingCertificate)
            {
                AspNetCoreLog.ClientCertificateMissing(logger, remote, connection.ConnectionId, context.WeakenedLabel);
            }
            else if (!ok && state.Result is { } r)
            {
                AspNetCoreLog.ClientCertificateRejected(logger, remote, connection.ConnectionId, (int)r.Code, r.CodeText, r.Message, r.FailingCertificate?.Subject.ToString() ?? (r.Path.Count > 0 ? r.Path[0].Subject.ToString() : cert?.Subject ?? "(none)"), context.WeakenedLabel);
            }
            else if (ok && state.Certificate is { } leaf && logger.IsEnabled(LogLevel.Debug))
            {
                AspNetCoreLog.ClientAuthenticated(logger, remote, connection.ConnectionId, leaf.Subject.ToString(), context.WeakenedLabel);
            }
        }
        return ok;
    }

    /// <summary>What Certitude decided about the client certificate of this request's connection, or null when the
    /// endpoint does not use <c>UseCertitude</c>. Each connection has its own verdict, so endpoints with different
    /// contexts never read each other's.</summary>
    /// <param name="httpContext">The request.</param>
    /// <returns>The connection's verification, or null.</returns>
    public static PeerVerification? GetCertitudePeer(this HttpContext httpContext)
    {
        ArgumentNullException.ThrowIfNull(httpContext);
        return httpContext.Features.Get<CertitudeConnectionFeature>()?.Peer;
    }
}

/// <summary>The named events of the <c>Certitude.AspNetCore</c> log category.</summary>
internal static partial class AspNetCoreLog
{
    [LoggerMessage(1, LogLevel.Warning, "client certificate from {RemoteAddress} rejected (connection {ConnectionId}): error {Code} {CodeText} ({Reason}); failing certificate: {FailingSubject}; weakened: {Weakened}", EventName = "ClientCertificateRejected")]
    public static partial void ClientCertificateRejected(ILogger logger, string remoteAddress, string connectionId, int code, string codeText, string reason, string failingSubject, string weakened);

    [LoggerMessage(2, LogLevel.Warning, "client {RemoteAddress} presented no certificate although the endpoint requires one (connection {ConnectionId}); weakened: {Weakened}", EventName = "ClientCertificateMissing")]
    public static partial void ClientCertificateMissing(ILogger logger, string remoteAddress, string connectionId, string weakened);

    [LoggerMessage(3, LogLevel.Warning, "UseCertitude with a context whose VerifyMode is None: client certificates are neither requested nor verified; set VerifyMode to Optional or Required for mTLS", EventName = "UnverifiedContext")]
    public static partial void UnverifiedContext(ILogger logger);

    [LoggerMessage(4, LogLevel.Debug, "client certificate from {RemoteAddress} (connection {ConnectionId}) verified as {Subject}; weakened: {Weakened}", EventName = "ClientAuthenticated")]
    public static partial void ClientAuthenticated(ILogger logger, string remoteAddress, string connectionId, string subject, string weakened);
}
