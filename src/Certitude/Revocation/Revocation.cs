using Certitude.Validation;

namespace Certitude.Building;

/// <summary>
/// RFC 5280 6.3 for direct CRLs: a CRL from the certificate's issuer, signed by the issuer's key,
/// allowed to sign CRLs, current at the validation time, with no unhandled critical extension,
/// decides whether the certificate is revoked. Delta and indirect CRLs and issuing distribution
/// points are not processed yet: such a CRL is not taken as covering the certificate.
/// </summary>
internal static class Revocation
{
    public static Failure? Check(Certificate cert, Certificate issuer, VerificationOptions o, DateTimeOffset time, Budget budget,
        Func<CertificateRevocationList, Certificate, VerifyCode> verifySignature)
    {
        Failure? problem = null;
        foreach (var crl in o.Crls)
        {
            if (!crl.Issuer.Equals(cert.Issuer) || crl.IsDelta)
            {
                continue;
            }
            var why = Unusable(crl, issuer, o, time, verifySignature);
            if (why is not null)
            {
                problem ??= why;
                continue;
            }
            var entry = crl.Find(cert.SerialNumber.Span);
            if (entry is not null && entry.Reason != RevocationReason.RemoveFromCrl)
            {
                return new Failure(VerifyCode.CertRevoked,
                    $"revoked on {entry.RevocationDate:u}{(entry.Reason is { } r ? $" (reason: {r})" : "")}", "RFC 5280 6.3.3 (i)");
            }
            return null;
        }
        return problem ?? new Failure(VerifyCode.UnableToGetCrl, $"no usable CRL from \"{cert.Issuer}\" covers this certificate", "RFC 5280 6.3.3");
    }

    private static Failure? Unusable(CertificateRevocationList crl, Certificate issuer, VerificationOptions o, DateTimeOffset time,
        Func<CertificateRevocationList, Certificate, VerifyCode> verifySignature)
    {
        if (crl.HasIssuingDistributionPoint)
        {
            return new Failure(VerifyCode.UnableToGetCrl, "the CRL has an issuingDistributionPoint, which Certitude does not process yet", "RFC 5280 5.2.5");
        }
        if (crl.UnhandledCriticalExtension is { } oid)
        {
            return new Failure(VerifyCode.UnhandledCriticalCrlExtension, $"the CRL has unhandled critical extension {oid}", "RFC 5280 5.2");
        }
        if (crl.CrlNumberCritical)
        {
            return new Failure(VerifyCode.UnhandledCriticalCrlExtension, "the CRL's cRLNumber is critical (MUST be non-critical)", "RFC 5280 5.2.3");
        }
        if (crl.CrlNumber is null && o.Strict)
        {
            return new Failure(VerifyCode.UnableToGetCrl, "the CRL has no cRLNumber (MUST be included)", "RFC 5280 5.2.3");
        }
        if (!crl.SignatureAlgorithm.RawData.Span.SequenceEqual(crl.TbsSignatureAlgorithmRaw.Span))
        {
            return new Failure(VerifyCode.CrlSignatureFailure, "the CRL's signatureAlgorithm differs from tbsCertList.signature", "RFC 5280 5.1.1.2");
        }
        if (issuer.KeyUsage is { } ku && (ku & KeyUsageFlags.CrlSign) == 0)
        {
            return new Failure(VerifyCode.KeyUsageNoCrlSign, "the CRL issuer's keyUsage lacks cRLSign", "RFC 5280 6.3.3 (f)");
        }
        if (crl.ThisUpdate > time)
        {
            return new Failure(VerifyCode.CrlNotYetValid, $"the CRL's thisUpdate is {crl.ThisUpdate:u}", "RFC 5280 6.3.3 (a)");
        }
        if (crl.NextUpdate is { } next && next < time)
        {
            return new Failure(VerifyCode.CrlHasExpired, $"the CRL's nextUpdate was {next:u}", "RFC 5280 6.3.3 (a)");
        }
        if (o.Profile.Algorithms.CheckSignature(crl.SignatureAlgorithm) is { } weak)
        {
            return new Failure(VerifyCode.CaMdTooWeak, "CRL " + weak, "algorithm policy");
        }
        var sig = verifySignature(crl, issuer);
        return sig == VerifyCode.Ok ? null : new Failure(VerifyCode.CrlSignatureFailure, "the CRL's signature does not verify with the issuer's key", "RFC 5280 6.3.3 (g)");
    }
}
