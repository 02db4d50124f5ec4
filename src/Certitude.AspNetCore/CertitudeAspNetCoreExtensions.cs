using Certitude.Tls;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.DependencyInjection;

namespace Certitude.AspNetCore;

/// <summary>Kestrel and HttpClient integration.</summary>
public static class CertitudeAspNetCoreExtensions
{
    /// <summary>
    /// Kestrel mTLS with Certitude deciding trust: client certificates are requested per the context's
    /// <see cref="TlsContext.VerifyMode"/> (Optional or Required) and verified for client authentication
    /// against the context's trust store; the platform's own chain building is made a cheap no-op.
    /// The verified identity is available to the app through <see cref="GetCertitudePeer"/>.
    /// </summary>
    public static HttpsConnectionAdapterOptions UseCertitude(this HttpsConnectionAdapterOptions options, TlsContext context)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(context);
        if (context.Purpose != TlsPurpose.ClientAuthentication)
        {
            throw new ArgumentException("Kestrel verifies clients: use a TlsPurpose.ClientAuthentication context", nameof(context));
        }
        options.ClientCertificateMode = context.VerifyMode switch
        {
            VerifyMode.Required => ClientCertificateMode.RequireCertificate,
            VerifyMode.Optional => ClientCertificateMode.AllowCertificate,
            _ => ClientCertificateMode.NoCertificate,
        };
        options.CheckCertificateRevocation = false;
        var previous = options.OnAuthenticate;
        options.OnAuthenticate = (connection, ssl) =>
        {
            previous?.Invoke(connection, ssl);
            // Kestrel owns the validation callback; the platform's chain building is made a cheap no-op here
            // and Certitude decides in ClientCertificateValidation.
            ssl.CertificateChainPolicy = TlsContext.CheapPolicy();
        };
        options.ClientCertificateValidation = (cert, chain, _) =>
        {
            var state = new PeerVerification();
            var ok = context.VerifyPeer(state, cert, chain, "client");
            if (ok)
            {
                Verified.Remember(cert.RawData, state);
            }
            return ok;
        };
        return options;
    }

    /// <summary>Verified client certificates and what Certitude decided, by the certificate's SHA-256; bounded.</summary>
    private static class Verified
    {
        private const int Max = 10_000;
        private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, PeerVerification> Map = new(StringComparer.Ordinal);

        public static void Remember(byte[] der, PeerVerification state)
        {
            if (Map.Count >= Max)
            {
                Map.Clear();
            }
            Map[Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(der))] = state;
        }

        public static PeerVerification? Find(byte[] der)
            => Map.TryGetValue(Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(der)), out var s) ? s : null;
    }

    /// <summary>What Certitude decided about the client certificate of this request's connection, or null
    /// when there is none or it was not verified through <see cref="UseCertitude(HttpsConnectionAdapterOptions, TlsContext)"/>.</summary>
    public static PeerVerification? GetCertitudePeer(this HttpContext httpContext)
    {
        ArgumentNullException.ThrowIfNull(httpContext);
        var cert = httpContext.Connection.ClientCertificate;
        return cert is null ? null : Verified.Find(cert.RawData);
    }

    /// <summary>Registers the context's verifying handler as the primary handler of a named or typed HttpClient.</summary>
    public static IHttpClientBuilder UseCertitude(this IHttpClientBuilder builder, TlsContext context)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(context);
        return builder.ConfigurePrimaryHttpMessageHandler(context.CreateHttpMessageHandler);
    }
}
