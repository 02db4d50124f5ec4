using Certitude.Validation;

namespace Certitude.Building;

/// <summary>
/// RFC 5280 6.3: the revocation status of one certificate of a path from the CRLs the caller gave.
/// Distribution points (the certificate's, then the default one naming its issuer) are tried in
/// turn; a CRL counts for a distribution point when its issuer and issuingDistributionPoint scope
/// match (direct or indirect CRLs, only-user / only-CA, reasons); it is used when it is current,
/// has no unhandled critical extension, and is signed by a certificate allowed to sign CRLs whose
/// own path validates to the same trust anchor. Delta CRLs are combined with their base. Coverage
/// is tracked by reason code: the status is known only when every reason is covered.
/// </summary>
internal static class Revocation
{
    /// <summary>keyCompromise .. aACompromise (ReasonFlags bits 1 - 8).</summary>
    private const int AllReasons = 0x1FE;

    internal delegate (Certificate? Signer, Failure? Problem) SignerFinder(CertificateRevocationList crl, int index);

    public static Failure? Check(int index, IReadOnlyList<Certificate> path, VerificationOptions o, DateTimeOffset time, SignerFinder findSigner)
    {
        var cert = path[index];
        // 6.3.3: the certificate's distribution points, then CRLs issued by its issuer ("a DP with both
        // reasons and cRLIssuer omitted and a distribution point name of the certificate issuer").
        var dps = new List<DistributionPoint>(cert.CrlDistributionPoints ?? []);
        var defaultName = new GeneralName(GeneralNameKind.DirectoryName, null, null, cert.Issuer, null);
        dps.Add(new DistributionPoint([defaultName], null, null, null));
        int reasonsMask = 0;
        Failure? problem = null;
        foreach (var dp in dps)
        {
            foreach (var crl in o.Crls)
            {
                if (reasonsMask == AllReasons)
                {
                    return null;
                }
                if (crl.IsDelta)
                {
                    continue;
                }
                int? interim = Scope(crl, dp, cert);
                if (interim is not int reasons || (reasons & ~reasonsMask) == 0)
                {
                    continue;
                }
                if (Unusable(crl, o, time) is { } bad)
                {
                    problem ??= bad;
                    continue;
                }
                var (signer, signerProblem) = findSigner(crl, index);
                if (signer is null)
                {
                    problem ??= signerProblem;
                    continue;
                }
                // 6.3.3 (c), (h): a delta CRL for this complete CRL.
                CertificateRevocationList? delta = null;
                Failure? deltaProblem = null;
                foreach (var d in o.Crls)
                {
                    if (!d.IsDelta || !IsDeltaFor(d, crl))
                    {
                        continue;
                    }
                    var dBad = Unusable(d, o, time);
                    var (dSigner, dSignerProblem) = dBad is null ? findSigner(d, index) : (null, null);
                    if (dBad is null && dSigner is not null)
                    {
                        delta = d;
                        break;
                    }
                    deltaProblem ??= dBad ?? dSignerProblem;
                }
                if (delta is null && deltaProblem is not null)
                {
                    // A delta CRL for this scope exists but cannot be used: the current status is unknown.
                    problem ??= deltaProblem;
                    continue;
                }
                // 6.3.3 (i) - (k)
                var entry = delta?.Find(cert.Issuer, cert.SerialNumber.Span) ?? crl.Find(cert.Issuer, cert.SerialNumber.Span);
                if (entry is not null && entry.Reason != RevocationReason.RemoveFromCrl)
                {
                    return new Failure(VerifyCode.CertRevoked,
                        $"revoked on {entry.RevocationDate:u}{(entry.Reason is { } r ? $" (reason: {r})" : "")} by the CRL of \"{Elide.Value(crl.Issuer)}\"", "RFC 5280 6.3.3 (i), (j)");
                }
                reasonsMask |= reasons;
            }
        }
        if (reasonsMask == AllReasons)
        {
            return null;
        }
        return problem ?? new Failure(VerifyCode.UnableToGetCrl,
            reasonsMask == 0 ? $"no CRL in scope for this certificate (issuer \"{Elide.Value(cert.Issuer)}\")" : "the CRLs in scope do not cover every revocation reason",
            "RFC 5280 6.3.3");
    }

    /// <summary>6.3.3 (b), (d): the reasons this CRL covers for this certificate through this DP, or null when out of scope.</summary>
    private static int? Scope(CertificateRevocationList crl, DistributionPoint dp, Certificate cert)
    {
        var idp = crl.IssuingDistributionPoint;
        // (b)(1)
        if (dp.CrlIssuer is { } crlIssuers)
        {
            if (!crlIssuers.Any(n => n.Directory?.Equals(crl.Issuer) == true) || idp?.IndirectCrl != true)
            {
                return null;
            }
        }
        else if (!crl.Issuer.Equals(cert.Issuer))
        {
            return null;
        }
        // (b)(2)
        if (idp is not null)
        {
            if (idp.FullName is not null || idp.RelativeName is not null)
            {
                var idpNames = idp.FullName ?? [Dir(crl.Issuer.AppendRdn(idp.RelativeName!.Value))];
                GeneralName[] dpNames;
                if (dp.FullName is not null || dp.RelativeName is not null)
                {
                    var baseName = dp.CrlIssuer?.FirstOrDefault(n => n.Directory is not null)?.Directory ?? cert.Issuer;
                    dpNames = dp.FullName ?? [Dir(baseName.AppendRdn(dp.RelativeName!.Value))];
                }
                else
                {
                    dpNames = dp.CrlIssuer ?? [];
                }
                if (!idpNames.Any(a => dpNames.Any(b => SameName(a, b))))
                {
                    return null;
                }
            }
            if ((idp.OnlyUserCerts && cert.IsCertificateAuthority) || (idp.OnlyCaCerts && !cert.IsCertificateAuthority) || idp.OnlyAttributeCerts)
            {
                return null;
            }
        }
        // (d)
        return (idp?.OnlySomeReasons ?? AllReasons) & (dp.Reasons ?? AllReasons) & AllReasons;
    }

    /// <summary>RFC 5280 5.2.4 / 6.3.3 (c): same issuer and scope, and built on a base no newer than the complete CRL.</summary>
    private static bool IsDeltaFor(CertificateRevocationList delta, CertificateRevocationList complete)
        => delta.Issuer.Equals(complete.Issuer)
            && SameScope(delta.IssuingDistributionPoint, complete.IssuingDistributionPoint)
            && (delta.AuthorityKeyId is null || complete.AuthorityKeyId is null || delta.AuthorityKeyId.AsSpan().SequenceEqual(complete.AuthorityKeyId))
            && complete.CrlNumber is { } n && delta.DeltaBaseCrlNumber <= n
            && (delta.CrlNumber is null || delta.CrlNumber > n);

    private static bool SameScope(IssuingDistributionPoint? a, IssuingDistributionPoint? b)
        => (a is null && b is null) || (a is not null && b is not null
            && a.OnlyUserCerts == b.OnlyUserCerts && a.OnlyCaCerts == b.OnlyCaCerts && a.IndirectCrl == b.IndirectCrl
            && a.OnlySomeReasons == b.OnlySomeReasons && a.OnlyAttributeCerts == b.OnlyAttributeCerts
            && (a.FullName ?? []).Length == (b.FullName ?? []).Length
            && (a.FullName ?? []).Zip(b.FullName ?? []).All(p => SameName(p.First, p.Second)));

    private static GeneralName Dir(DistinguishedName n) => new(GeneralNameKind.DirectoryName, null, null, n, null);

    private static bool SameName(GeneralName a, GeneralName b) => a.Kind == b.Kind && a.Kind switch
    {
        GeneralNameKind.DirectoryName => a.Directory!.Equals(b.Directory),
        GeneralNameKind.Uri => a.Text == b.Text,
        GeneralNameKind.DnsName or GeneralNameKind.Rfc822Name => string.Equals(a.Text, b.Text, StringComparison.OrdinalIgnoreCase),
        GeneralNameKind.IPAddress => a.Bytes!.AsSpan().SequenceEqual(b.Bytes),
        _ => false,
    };

    /// <summary>6.3.3 (a) and RFC 5280 5.1, 5.2: whether the CRL itself can be used at all.</summary>
    private static Failure? Unusable(CertificateRevocationList crl, VerificationOptions o, DateTimeOffset time)
    {
        if (crl.UnhandledCriticalExtension is { } oid)
        {
            return new Failure(VerifyCode.UnhandledCriticalCrlExtension, $"the CRL of \"{Elide.Value(crl.Issuer)}\" has unhandled critical extension {Elide.Text(oid)}", "RFC 5280 5.2, 5.3");
        }
        if (crl.CrlNumberCritical)
        {
            return new Failure(VerifyCode.UnhandledCriticalCrlExtension, $"the CRL of \"{Elide.Value(crl.Issuer)}\" has a critical cRLNumber (MUST be non-critical)", "RFC 5280 5.2.3");
        }
        if (crl.CrlNumber is null && (o.Strict || crl.IsDelta))
        {
            return new Failure(VerifyCode.UnableToGetCrl, $"the CRL of \"{Elide.Value(crl.Issuer)}\" has no cRLNumber (MUST be included)", "RFC 5280 5.2.3");
        }
        if (!crl.SignatureAlgorithm.RawData.Span.SequenceEqual(crl.TbsSignatureAlgorithmRaw.Span))
        {
            return new Failure(VerifyCode.CrlSignatureFailure, $"the CRL of \"{Elide.Value(crl.Issuer)}\" has a signatureAlgorithm that differs from tbsCertList.signature", "RFC 5280 5.1.1.2");
        }
        if (crl.ThisUpdate > time)
        {
            return new Failure(VerifyCode.CrlNotYetValid, $"the CRL of \"{Elide.Value(crl.Issuer)}\" has thisUpdate {crl.ThisUpdate:u}", "RFC 5280 6.3.3 (a)");
        }
        if (crl.NextUpdate is { } next && next < time)
        {
            return new Failure(VerifyCode.CrlHasExpired, $"the CRL of \"{Elide.Value(crl.Issuer)}\" had nextUpdate {next:u}", "RFC 5280 6.3.3 (a)");
        }
        if (o.Profile.Algorithms.CheckSignature(crl.SignatureAlgorithm) is { } weak)
        {
            return new Failure(VerifyCode.CaMdTooWeak, "CRL " + weak, "algorithm policy");
        }
        return null;
    }
}
