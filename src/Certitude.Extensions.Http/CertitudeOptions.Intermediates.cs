using Certitude.Tls;

namespace Certitude.Extensions.Http;

/// <summary>The settings for incomplete chains (docs/intermediates.md).</summary>
public sealed partial class CertitudeOptions
{
    /// <summary>Fetch a missing intermediate from the caIssuers URL of a server's certificate when the server sent an
    /// incomplete chain (<see cref="TlsContext.IntermediateFetcher"/>). Off by default: fetching tells the CA which site
    /// is visited. <c>ServerAuthentication</c> contexts only.</summary>
    public bool FetchIntermediates { get; set; }

    /// <summary>The bounds on fetching (<see cref="IntermediateFetchOptions"/>: fetches and time per verification,
    /// response size, redirects, cache); null for the defaults.</summary>
    public IntermediateFetchOptions? FetchLimits { get; set; }

    /// <summary>A PEM bundle of untrusted intermediates that every verification may use (<see cref="TlsContext.LoadIntermediates"/>).</summary>
    public string? IntermediatesFile { get; set; }

    /// <summary>A directory of untrusted intermediate certificate files (<see cref="TlsContext.LoadIntermediates"/>).</summary>
    public string? IntermediatesPath { get; set; }

    private void ApplyIntermediates(TlsContext context)
    {
        if (IntermediatesFile is not null || IntermediatesPath is not null)
        {
            context.LoadIntermediates(IntermediatesFile, IntermediatesPath);
        }
        if (FetchIntermediates)
        {
            if (Purpose != TlsPurpose.ServerAuthentication)
            {
                throw new ArgumentException("FetchIntermediates is for ServerAuthentication contexts; a server verifying clients supplies intermediates with IntermediatesFile or IntermediatesPath");
            }
            // With the default handler; a container's provider gives it its IHttpClientFactory client instead (AdoptHttpClient).
            context.IntermediateFetcher = new IntermediateFetcher(FetchLimits);
        }
    }
}
