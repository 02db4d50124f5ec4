namespace Certitude;

/// <summary>
/// What a caller did to complete an incomplete chain from one caIssuers URL (RFC 5280 4.2.2.1): fetched it,
/// refused it, or gave up on it. The engine never fetches anything; the TLS layer and the CLI do, on request,
/// and record each attempt here.
/// </summary>
/// <param name="Url">The caIssuers URL, as the certificate carries it.</param>
/// <param name="Certificates">How many certificates the response held (0 when nothing usable came back).</param>
/// <param name="Outcome">What happened, e.g. "fetched 1 certificate (DER)", "refused: the response is over 65536 bytes",
/// "HTTP 404", "the fetched certificate did not complete the chain".</param>
public sealed record IssuerFetch(string Url, int Certificates, string Outcome)
{
    /// <inheritdoc/>
    public override string ToString() => $"{Elide.Text(Url)}: {Outcome}";
}

/// <summary>
/// A diagnosis of an incomplete chain: verification failed because no trusted or supplied certificate issues
/// <see cref="Certificate"/> (codes 20 and 2), and that certificate names where its issuer is published in its
/// Authority Information Access extension (id-ad-caIssuers, RFC 5280 4.2.2.1). The usual cause is a server that
/// sends its leaf without the intermediate. Set on <see cref="VerificationResult.IncompleteChain"/>; immutable.
/// </summary>
public sealed class IncompleteChain
{
    /// <summary>id-ad-caIssuers (RFC 5280 4.2.2.1).</summary>
    internal const string CaIssuersOid = "1.3.6.1.5.5.7.48.2";

    internal IncompleteChain(int index, Certificate certificate, IReadOnlyList<string> caIssuers, CertificatePurpose purpose,
        IReadOnlyList<IssuerFetch>? fetches = null, bool repaired = false)
    {
        CertificateIndex = index;
        Certificate = certificate;
        CaIssuersUrls = caIssuers;
        Purpose = purpose;
        Fetches = fetches ?? [];
        Repaired = repaired;
    }

    /// <summary>The index in <see cref="VerificationResult.Path"/> of the certificate whose issuer is missing (0 is the leaf).</summary>
    public int CertificateIndex { get; }

    /// <summary>The certificate whose issuer is missing.</summary>
    public Certificate Certificate { get; }

    /// <summary>The name of the missing issuer (the certificate's issuer field).</summary>
    public DistinguishedName MissingIssuer => Certificate.Issuer;

    /// <summary>The certificate's caIssuers URIs, in its order (at least one).</summary>
    public IReadOnlyList<string> CaIssuersUrls { get; }

    /// <summary>What was done to fetch the issuer, in order; empty when nothing was fetched (the default: fetching is opt-in).</summary>
    public IReadOnlyList<IssuerFetch> Fetches { get; }

    /// <summary>True when fetched certificates completed the chain (the result is then valid and carries a warning
    /// naming the URL, as the server is still misconfigured).</summary>
    public bool Repaired { get; }

    internal CertificatePurpose Purpose { get; }

    internal IncompleteChain With(IReadOnlyList<IssuerFetch> fetches, bool repaired)
        => new(CertificateIndex, Certificate, CaIssuersUrls, Purpose, fetches, repaired);

    /// <summary>The diagnosis of a failed result, or null when it failed otherwise or the certificate lacking its
    /// issuer carries no caIssuers URI. Reads only the result (no I/O).</summary>
    internal static IncompleteChain? Diagnose(VerificationResult r, CertificatePurpose purpose)
    {
        if (r.Code is not (VerifyCode.UnableToGetIssuerCertLocally or VerifyCode.UnableToGetIssuerCert))
        {
            return null;
        }
        var cert = r.FailingCertificate ?? (r.Path.Count > 0 ? r.Path[^1] : null);
        if (cert is null || cert.IsSelfIssued)
        {
            return null;
        }
        int index = r.FailingCertificateIndex ?? r.Path.Count - 1;
        var urls = CaIssuers(cert);
        return urls.Count == 0 ? null : new IncompleteChain(index, cert, urls, purpose);
    }

    /// <summary>The caIssuers URIs of a certificate's Authority Information Access extension (RFC 5280 4.2.2.1).</summary>
    internal static IReadOnlyList<string> CaIssuers(Certificate cert)
    {
        AccessDescription[]? aia;
        try
        {
            aia = cert.AuthorityInfoAccess;
        }
        catch (CertificateFormatException)
        {
            return [];
        }
        if (aia is null)
        {
            return [];
        }
        List<string>? urls = null;
        foreach (var ad in aia)
        {
            if (ad.Method == CaIssuersOid && ad.Location.Kind == GeneralNameKind.Uri && ad.Location.Text is { Length: > 0 } uri)
            {
                (urls ??= []).Add(uri);
            }
        }
        return urls is null ? [] : urls.ToArray();
    }

    /// <summary>The sentence a failure's message gains: who sent the incomplete chain, which issuer is missing,
    /// where it is published and what to do.</summary>
    internal string Sentence()
    {
        var issuer = Elide.Value(MissingIssuer);
        var where = string.Join(" or ", CaIssuersUrls.Take(3).Select(Elide.Text));
        return Purpose switch
        {
            CertificatePurpose.ServerAuthentication =>
                $"the server sent an incomplete chain: the issuer \"{issuer}\" is published at {where}; ask the server's operator to send it, " +
                "or enable fetching of missing intermediates (TlsContext.IntermediateFetcher, --fetch-intermediates), " +
                "or supply it (TlsContext.LoadIntermediates, --intermediates)",
            CertificatePurpose.ClientAuthentication =>
                $"the client sent an incomplete chain: the issuer \"{issuer}\" is published at {where}; ask the client's operator to send it, " +
                "or supply it (TlsContext.LoadIntermediates, --intermediates)",
            _ =>
                $"the chain is incomplete: the issuer \"{issuer}\" is published at {where}; supply it with the chain " +
                "(--untrusted, --intermediates) or enable fetching of missing intermediates (--fetch-intermediates)",
        };
    }

    /// <inheritdoc/>
    public override string ToString()
    {
        var s = Sentence();
        foreach (var f in Fetches)
        {
            s += $"; fetch {f}";
        }
        return Repaired ? "repaired: " + s : s;
    }
}
