using System.CommandLine;
using Certitude.Tls;

namespace Certitude.Cli;

/// <summary>The options for incomplete chains shared by <c>connect</c> and <c>verify</c> (docs/intermediates.md):
/// <c>--intermediates PATH</c> (a PEM bundle or a directory of untrusted intermediates, used offline) and
/// <c>--fetch-intermediates</c> (fetch a missing issuer from its caIssuers URL, bounded; off by default).</summary>
internal sealed class IntermediateSettings
{
    private readonly Option<string[]> _intermediates = new("--intermediates")
    {
        Description = "untrusted intermediates for every verification: a PEM bundle or a directory of certificate files, repeatable (offline; see docs/intermediates.md)",
    };

    private readonly Option<bool> _fetch = new("--fetch-intermediates")
    {
        Description = "when the chain lacks an issuer, fetch it from the certificate's caIssuers http: URL (tells the CA which site you visit; bounded, see docs/intermediates.md)",
    };

    public void AddTo(Command cmd)
    {
        cmd.Options.Add(_intermediates);
        cmd.Options.Add(_fetch);
    }

    /// <summary>The supplied intermediates (every file or directory given).</summary>
    public IReadOnlyList<Certificate> Intermediates(ParseResult p)
    {
        var all = new List<Certificate>();
        foreach (var path in p.GetValue(_intermediates) ?? [])
        {
            try
            {
                all.AddRange(Directory.Exists(path) ? IntermediateSet.Load(null, path, null) : IntermediateSet.Load(path, null, null));
            }
            catch (TrustStoreException e)
            {
                throw new CliException(Exit.Usage, e.Message);
            }
        }
        return all;
    }

    /// <summary>A fetcher with the default bounds when <c>--fetch-intermediates</c> is given.</summary>
    public IntermediateFetcher? Fetcher(ParseResult p) => p.GetValue(_fetch) ? new IntermediateFetcher() : null;

    /// <summary>Gives a TLS context the supplied intermediates and, when asked, the fetcher.</summary>
    public void Apply(ParseResult p, TlsContext ctx)
    {
        foreach (var path in p.GetValue(_intermediates) ?? [])
        {
            try
            {
                if (Directory.Exists(path))
                {
                    ctx.LoadIntermediates(directory: path);
                }
                else
                {
                    ctx.LoadIntermediates(file: path);
                }
            }
            catch (TrustStoreException e)
            {
                throw new CliException(Exit.Usage, e.Message);
            }
        }
        if (Fetcher(p) is { } fetcher)
        {
            ctx.IntermediateFetcher = fetcher;
        }
    }
}
