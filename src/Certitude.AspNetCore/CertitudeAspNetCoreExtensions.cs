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
    /// counted on the <c>Certitude.Tls</c> meter.
    /// </summary>
    /// <param name="listen">The endpoint.</param>
    /// <param name="context">A <see cref="TlsPurpose.ClientAuthentication"/> context with a certificate.</param>
    /// <returns>The endpoint.</returns>
    /// <exception cref="ArgumentException">The context verifies servers, or has no certificate.</exception>
    public static ListenOptions UseCertitude(this ListenOptions listen, TlsContext context)
    {
        ArgumentNullException.ThrowIfNull(listen);
        ArgumentNullException.ThrowIfNull(context);
        if (context.Certificate is null)
        {
            throw new ArgumentException("the context has no certificate for the server: call LoadCertChain or UseCertificate (or use UseHttps(https => https.UseCertitude(context)) with Kestrel's own certificate)", nameof(context));
        }
        var services = listen.ApplicationServices;
        context.AdoptServices(services.GetService<ILoggerFactory>(), services.GetService<System.Diagnostics.Metrics.IMeterFactory>());
        var logger = services.GetService<ILoggerFactory>()?.CreateLogger(LogCategory);
        return listen.UseHttps(https =>
        {
            https.ServerCertificate = context.Certificate;
            https.ServerCertificateChain = context.CertificateChain;
            https.SslProtocols = context.Protocols;
            https.UseCertitude(context, logger);
        });
    }

    /// <summary>HTTPS with a context registered with <c>AddCertitude</c> (its options' <c>Purpose</c> must be
    /// <c>ClientAuthentication</c> and name a certificate), resolved from the application's services.</summary>
    /// <param name="listen">The endpoint.</param>
    /// <param name="contextName">The context's name; null for the default one.</param>
    /// <returns>The endpoint.</returns>
    public static ListenOptions UseCertitude(this ListenOptions listen, string? contextName = null)
    {
        ArgumentNullException.ThrowIfNull(listen);
        return listen.UseCertitude(listen.ApplicationServices.GetRequiredService<TlsContextProvider>().Get(contextName));
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
    /// <returns>The options.</returns>
    /// <exception cref="ArgumentException">The context verifies servers.</exception>
    public static HttpsConnectionAdapterOptions UseCertitude(this HttpsConnectionAdapterOptions options, TlsContext context, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(context);
        if (context.Purpose != TlsPurpose.ClientAuthentication)
        {
            throw new ArgumentException("Kestrel verifies clients: use a TlsPurpose.ClientAuthentication context", nameof(context));
        }
        logger ??= context.LoggerFactory?.CreateLogger(LogCategory) ?? context.Logger;
        if (options.ServerCertificate is null && options.ServerCertificateSelector is null && context.Certificate is not null)
        {
            options.ServerCertificate = context.Certificate;
            options.ServerCertificateChain = context.CertificateChain;
        }
        if (context.VerifyMode == VerifyMode.None && logger is not null)
        {
            AspNetCoreLog.UnverifiedContext(logger);
        }
        var requested = context.VerifyMode != VerifyMode.None && !context.PostHandshakeAuthentication;
        // Kestrel would pass its own callback to the SslStream's constructor, which forbids setting one in the
        // options; with NoCertificate it passes none, and the per-connection callback below decides.
        options.ClientCertificateMode = ClientCertificateMode.NoCertificate;
        options.CheckCertificateRevocation = false;
        var previous = options.OnAuthenticate;
        options.OnAuthenticate = (connection, ssl) =>
        {
            previous?.Invoke(connection, ssl);
            var feature = new CertitudeConnectionFeature(connection.RemoteEndPoint);
            connection.Features.Set(feature);
            ssl.ClientCertificateRequired = requested;
            ssl.CertificateRevocationCheckMode = X509RevocationMode.NoCheck;
            ssl.CertificateChainPolicy = TlsContext.CheapPolicy();
            if (requested)
            {
                ssl.RemoteCertificateValidationCallback = (_, cert, chain, _) => Verify(context, feature, connection, cert, chain, logger);
            }
        };
        return options;
    }

    private static bool Verify(TlsContext context, CertitudeConnectionFeature feature, ConnectionContext connection, X509Certificate? cert, X509Chain? chain, ILogger? logger)
    {
        var state = feature.Peer;
        var ok = context.VerifyPeer(state, cert, chain, "client");
        if (!ok && logger is not null)
        {
            var remote = connection.RemoteEndPoint?.ToString() ?? "(unknown)";
            if (state.MissingCertificate)
            {
                AspNetCoreLog.ClientCertificateMissing(logger, remote, connection.ConnectionId);
            }
            else if (state.Result is { } r)
            {
                AspNetCoreLog.ClientCertificateRejected(logger, remote, connection.ConnectionId, (int)r.Code, r.CodeText, r.Message, r.FailingCertificate?.Subject.ToString() ?? (r.Path.Count > 0 ? r.Path[0].Subject.ToString() : cert?.Subject ?? "(none)"));
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
    [LoggerMessage(1, LogLevel.Warning, "client certificate from {RemoteAddress} rejected (connection {ConnectionId}): error {Code} {CodeText} ({Reason}); failing certificate: {FailingSubject}", EventName = "ClientCertificateRejected")]
    public static partial void ClientCertificateRejected(ILogger logger, string remoteAddress, string connectionId, int code, string codeText, string reason, string failingSubject);

    [LoggerMessage(2, LogLevel.Warning, "client {RemoteAddress} presented no certificate although the endpoint requires one (connection {ConnectionId})", EventName = "ClientCertificateMissing")]
    public static partial void ClientCertificateMissing(ILogger logger, string remoteAddress, string connectionId);

    [LoggerMessage(3, LogLevel.Warning, "UseCertitude with a context whose VerifyMode is None: client certificates are neither requested nor verified; set VerifyMode to Optional or Required for mTLS", EventName = "UnverifiedContext")]
    public static partial void UnverifiedContext(ILogger logger);

    [LoggerMessage(4, LogLevel.Debug, "client certificate of connection {ConnectionId} authenticated as {Subject}", EventName = "ClientAuthenticated")]
    public static partial void ClientAuthenticated(ILogger logger, string connectionId, string subject);
}
