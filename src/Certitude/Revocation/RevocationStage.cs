using Certitude.Building;
using Certitude.Validation;

namespace Certitude;

/// <summary>
/// RFC 5280 6.1.3 (a)(3), 6.3: revocation as a stage of its own, run on a path that path validation found valid (the
/// leaf, or with <see cref="VerifyFlags.CrlCheckChain"/> every certificate below the anchor). A CRL's status rules are
/// in <see cref="Revocation"/>; this stage resolves each CRL's signer (RFC 5280 6.3.3 (f), (g)): a certificate of the
/// CRL's issuer whose key verifies the CRL, that may sign CRLs, and whose own path validates to the same trust anchor.
/// Certificates above the one being checked on the path qualify at once; for any other, a path is found by a search
/// (<see cref="PathSearch"/>) over the same trust store and pool, each of its paths validated by the same function
/// (<see cref="PathValidator.Validate"/>) with the same budget and caches, and revocation checked on it by this stage
/// one level deeper.
/// </summary>
internal sealed class RevocationStage(ValidationContext ctx, TrustStore trust, IssuerPool pool, int depth)
{
    /// <summary>CRL signers' paths nest at most this deep (a signer whose CRL's signer needs a path, ...).</summary>
    private const int MaxDepth = 3;

    /// <summary>The stage's verdict on a valid path: null when every certificate asked about is known not revoked, else
    /// the failure and the index of its certificate.</summary>
    public (Failure F, int Index)? Check(CandidatePath path)
    {
        var certs = path.Certificates;
        int n = certs.Count - 1;
        int last = (ctx.Options.Flags & VerifyFlags.CrlCheckChain) != 0 ? n - 1 : Math.Min(0, n - 1);
        // A CRL may be examined for several distribution points of one certificate: its signer (and that signer's own
        // path) is looked for once per certificate of this path.
        Dictionary<(CertificateRevocationList, int), (Certificate?, Failure?)>? signers = null;
        (Certificate?, Failure?) Signer(CertificateRevocationList crl, int index)
        {
            signers ??= [];
            return signers.TryGetValue((crl, index), out var known) ? known : signers[(crl, index)] = FindSigner(path, crl, index);
        }
        for (int i = 0; i <= last; i++)
        {
            if (Revocation.Check(i, certs, ctx.Options, ctx.Time, Signer) is { } rf)
            {
                return (rf, i);
            }
        }
        return null;
    }

    /// <summary>RFC 5280 6.3.3 (f), (g): the signer of <paramref name="crl"/> for certificate <paramref name="index"/> of
    /// <paramref name="path"/>, or the reason none qualifies.</summary>
    private (Certificate? Signer, Failure? Problem) FindSigner(CandidatePath path, CertificateRevocationList crl, int index)
    {
        var certs = path.Certificates;
        var anchor = certs[^1];
        var candidates = new List<Certificate>();
        void Add(Certificate c)
        {
            if (c.Subject.Equals(crl.Issuer) && !candidates.Contains(c))
            {
                candidates.Add(c);
            }
        }
        for (int j = index + 1; j < certs.Count; j++)
        {
            Add(certs[j]);
        }
        foreach (var t in trust.FindBySubject(crl.Issuer))
        {
            Add(t);
        }
        foreach (var c in pool.Near(crl.Issuer))
        {
            Add(c);
        }
        Failure? problem = null;
        foreach (var c in candidates)
        {
            if (c.KeyUsage is { } ku && (ku & KeyUsageFlags.CrlSign) == 0)
            {
                problem ??= new Failure(VerifyCode.KeyUsageNoCrlSign, $"the CRL issuer \"{Elide.Value(c.Subject)}\" lacks cRLSign in keyUsage", "RFC 5280 6.3.3 (f)");
                continue;
            }
            int onPath = IndexOf(certs, c);
            // RFC 5280 6.1.4 (f): a signer on the path takes DSA parameters from above it.
            var sig = ctx.Check(c.PublicKey, crl.SignatureAlgorithm, crl.TbsData.Span, crl.TbsDigest, crl.ContentDigest, crl.Signature.Span,
                onPath >= 0 ? path.DsaParameterSource(onPath) : null);
            if (sig == VerifyCode.BudgetExhausted)
            {
                return (null, ctx.Budget.Failure);
            }
            if (sig != VerifyCode.Ok)
            {
                problem ??= new Failure(VerifyCode.CrlSignatureFailure, $"the CRL's signature does not verify with the key of \"{Elide.Value(c.Subject)}\"", "RFC 5280 6.3.3 (g)");
                continue;
            }
            // Above the certificate on the path being validated: its path is this one. Inside the nested validation of a
            // CRL issuer, that issuer may also sign the (indirect) CRL that covers itself; its path is the one at hand.
            if (onPath > index || (onPath == index && depth > 0))
            {
                return (c, null);
            }
            if (depth >= MaxDepth)
            {
                problem ??= new Failure(VerifyCode.CrlPathValidationError, "CRL issuer paths nest too deeply", "RFC 5280 6.3.3 (f)");
                continue;
            }
            // The signer is validated as an end entity of the RFC 5280 profile with no purpose: the subscriber rules of
            // the web PKI do not describe CRL signing certificates.
            var o = ctx.Options;
            var signerCtx = ctx.For(o with
            {
                Profile = VerificationProfile.Rfc5280.WithAlgorithms(o.Profile.Algorithms),
                Purpose = CertificatePurpose.Any,
                RequiredExtendedKeyUsages = null,
                RequiredKeyUsage = KeyUsageFlags.None,
            });
            var r = new PathSearch(signerCtx, trust, pool, [], new RevocationStage(signerCtx, trust, pool, depth + 1).Check).Run(c);
            if (r.IsValid && r.Path[^1].Equals(anchor))
            {
                return (c, null);
            }
            problem ??= new Failure(VerifyCode.CrlPathValidationError,
                r.IsValid ? $"the CRL issuer \"{Elide.Value(c.Subject)}\" chains to another trust anchor" : $"the CRL issuer \"{Elide.Value(c.Subject)}\" does not validate: {Elide.Value(r)}", "RFC 5280 6.3.3 (f)");
        }
        return (null, problem ?? new Failure(VerifyCode.UnableToGetCrlIssuer, $"no certificate of the CRL issuer \"{Elide.Value(crl.Issuer)}\" was found", "RFC 5280 6.3.3 (f)"));
    }

    private static int IndexOf(IReadOnlyList<Certificate> certs, Certificate c)
    {
        for (int i = 0; i < certs.Count; i++)
        {
            if (certs[i].Equals(c))
            {
                return i;
            }
        }
        return -1;
    }
}
