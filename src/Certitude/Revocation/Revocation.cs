namespace Certitude;

/// <summary>
/// RFC 5280 6.3: the revocation status of one certificate of a path from the CRLs the caller gave.
/// Distribution points (the certificate's, then the default one naming its issuer) are tried in
/// turn; a CRL counts for a distribution point when its issuer and issuingDistributionPoint scope
/// match (direct or indirect CRLs, only-user / only-CA, reasons); it is used when it is well formed
/// (checked before its scope), current, and signed by a certificate allowed to sign CRLs whose own
/// path validates to the same trust anchor. Delta CRLs are combined with their base. Coverage is
/// tracked by reason code: the status is known only when every reason is covered.
/// <para>
/// The verdict does not depend on the order of the CRL list. Among the CRLs in scope for one
/// distribution point the newest usable complete CRL is used (highest cRLNumber, then latest thisUpdate,
/// then one that lists the certificate: a tie never hides a revocation), and with it the newest usable
/// delta CRL whose base it is (RFC 5280 5.2.4, 6.3.3 (c)); older CRLs of the same scope add nothing.
/// </para>
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
        // reasons and cRLIssuer omitted and a distribution point name of the certificate issuer"). When the
        // certificate names distribution points of its own, that default stands only for CRLs that are not
        // tied to a named distribution point: a CRL whose issuingDistributionPoint names another one has a
        // different scope.
        var own = cert.CrlDistributionPoints ?? [];
        bool namesOwn = Array.Exists(own, d => d.FullName is not null || d.RelativeName is not null);
        var dps = new List<(DistributionPoint Dp, bool Fallback)>(own.Length + 1);
        foreach (var d in own)
        {
            dps.Add((d, false));
        }
        dps.Add((new DistributionPoint([Dir(cert.Issuer)], null, null, null), namesOwn));
        int reasonsMask = 0;
        Failure? problem = null;
        bool otherScope = false;
        var inScope = new List<(CertificateRevocationList Crl, int Reasons, bool Lists)>();
        foreach (var (dp, fallback) in dps)
        {
            inScope.Clear();
            foreach (var crl in o.Crls)
            {
                if (crl.IsDelta)
                {
                    continue;
                }
                // RFC 5280 5.2, 5.3: the CRL's own structure before anything is read from its names.
                var malformed = Malformed(crl);
                switch (Scope(crl, dp, cert, fallback))
                {
                    case int reasons:
                        if (malformed is not null)
                        {
                            problem ??= malformed;
                        }
                        else
                        {
                            inScope.Add((crl, reasons, crl.Find(cert.Issuer, cert.SerialNumber.Span) is not null));
                        }
                        break;
                    case null when crl.Issuer.Equals(cert.Issuer):
                        otherScope = true;
                        break;
                }
            }
            // Newest first, and on a tie the one that lists the certificate (see the class remarks).
            inScope.Sort(static (a, b) => Newer(b.Crl, a.Crl) switch { 0 => b.Lists.CompareTo(a.Lists), int c => c });
            foreach (var (crl, reasons, _) in inScope)
            {
                if (reasonsMask == AllReasons)
                {
                    return null;
                }
                if ((reasons & ~reasonsMask) == 0)
                {
                    continue;
                }
                if (Stale(crl, o, time) is { } bad)
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
                // 6.3.3 (c), (h): the newest usable delta CRL for this complete CRL.
                CertificateRevocationList? delta = null;
                Failure? deltaProblem = null;
                foreach (var d in DeltasFor(crl, o.Crls))
                {
                    var dBad = Malformed(d) ?? Stale(d, o, time);
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
                        $"revoked on {entry.RevocationDate:u}{(entry.Reason is { } r ? $" (reason: {r})" : "")} by the {(delta is not null && delta.Find(cert.Issuer, cert.SerialNumber.Span) is not null ? "delta " : "")}CRL of \"{Elide.Value(crl.Issuer)}\"",
                        "RFC 5280 6.3.3 (i), (j)");
                }
                reasonsMask |= reasons;
            }
            if (reasonsMask == AllReasons)
            {
                return null;
            }
        }
        if (problem is null && reasonsMask == 0 && otherScope)
        {
            return new Failure(VerifyCode.DifferentCrlScope,
                $"the CRLs of \"{Elide.Value(cert.Issuer)}\" are for other distribution points than the certificate's", "RFC 5280 6.3.3 (b)");
        }
        return problem ?? new Failure(VerifyCode.UnableToGetCrl,
            reasonsMask == 0 ? $"no CRL in scope for this certificate (issuer \"{Elide.Value(cert.Issuer)}\")" : "the CRLs in scope do not cover every revocation reason",
            "RFC 5280 6.3.3");
    }

    /// <summary>Positive when <paramref name="a"/> is newer than <paramref name="b"/>: cRLNumber (RFC 5280 5.2.3, monotonically
    /// increasing), then thisUpdate.</summary>
    private static int Newer(CertificateRevocationList a, CertificateRevocationList b)
    {
        int byNumber = (a.CrlNumber, b.CrlNumber) switch
        {
            ({ } x, { } y) => x.CompareTo(y),
            _ => 0,
        };
        return byNumber != 0 ? byNumber : a.ThisUpdate.CompareTo(b.ThisUpdate);
    }

    /// <summary>The delta CRLs whose base is <paramref name="complete"/>, newest first.</summary>
    private static List<CertificateRevocationList> DeltasFor(CertificateRevocationList complete, IReadOnlyList<CertificateRevocationList> crls)
    {
        var list = new List<CertificateRevocationList>();
        foreach (var d in crls)
        {
            if (d.IsDelta && IsDeltaFor(d, complete))
            {
                list.Add(d);
            }
        }
        list.Sort(static (a, b) => Newer(b, a));
        return list;
    }

    /// <summary>6.3.3 (b), (d): the reasons this CRL covers for this certificate through this DP, or null when out of scope.</summary>
    private static int? Scope(CertificateRevocationList crl, DistributionPoint dp, Certificate cert, bool fallback)
    {
        var idp = crl.IssuingDistributionPoint;
        // The default distribution point of a certificate that names its own covers only CRLs not tied to a
        // named distribution point.
        if (fallback && idp is not null && (idp.FullName is not null || idp.RelativeName is not null))
        {
            return null;
        }
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
                var idpNames = idp.FullName ?? Relative(crl.Issuer, idp.RelativeName!.Value);
                GeneralName[] dpNames;
                if (dp.FullName is not null || dp.RelativeName is not null)
                {
                    var baseName = dp.CrlIssuer?.FirstOrDefault(n => n.Directory is not null)?.Directory ?? cert.Issuer;
                    dpNames = dp.FullName ?? Relative(baseName, dp.RelativeName!.Value);
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

    /// <summary>RFC 5280 4.2.1.13: the full name of a nameRelativeToCRLIssuer. The RDN was checked when its CRL or
    /// certificate was parsed; a name that still cannot be formed (too long, say) matches nothing.</summary>
    private static GeneralName[] Relative(DistinguishedName issuer, ReadOnlyMemory<byte> rdn)
    {
        try
        {
            return [Dir(issuer.AppendRdn(rdn))];
        }
        catch (Exception e) when (e is CertificateFormatException or System.Formats.Asn1.AsnContentException)
        {
            return [];
        }
    }

    private static bool SameName(GeneralName a, GeneralName b) => a.Kind == b.Kind && a.Kind switch
    {
        GeneralNameKind.DirectoryName => a.Directory!.Equals(b.Directory),
        GeneralNameKind.Uri => a.Text == b.Text,
        GeneralNameKind.DnsName or GeneralNameKind.Rfc822Name => string.Equals(a.Text, b.Text, StringComparison.OrdinalIgnoreCase),
        GeneralNameKind.IPAddress => a.Bytes!.AsSpan().SequenceEqual(b.Bytes),
        _ => false,
    };

    /// <summary>RFC 5280 5.1, 5.2: whether the CRL's structure lets it be used at all (read before its scope).</summary>
    private static Failure? Malformed(CertificateRevocationList crl)
    {
        if (crl.UnhandledCriticalExtension is { } oid)
        {
            return new Failure(VerifyCode.UnhandledCriticalCrlExtension, $"the CRL of \"{Elide.Value(crl.Issuer)}\" has unhandled critical extension {Elide.Text(oid)}", "RFC 5280 5.2, 5.3");
        }
        if (crl.CrlNumberCritical)
        {
            return new Failure(VerifyCode.UnhandledCriticalCrlExtension, $"the CRL of \"{Elide.Value(crl.Issuer)}\" has a critical cRLNumber (MUST be non-critical)", "RFC 5280 5.2.3");
        }
        if (!crl.SignatureAlgorithm.RawData.Span.SequenceEqual(crl.TbsSignatureAlgorithmRaw.Span))
        {
            return new Failure(VerifyCode.CrlSignatureFailure, $"the CRL of \"{Elide.Value(crl.Issuer)}\" has a signatureAlgorithm that differs from tbsCertList.signature", "RFC 5280 5.1.1.2");
        }
        return null;
    }

    /// <summary>6.3.3 (a) and the options: whether the CRL can be used under these options at this time.</summary>
    private static Failure? Stale(CertificateRevocationList crl, VerificationOptions o, DateTimeOffset time)
    {
        if (crl.CrlNumber is null && (o.Strict || crl.IsDelta))
        {
            return new Failure(VerifyCode.UnableToGetCrl, $"the CRL of \"{Elide.Value(crl.Issuer)}\" has no cRLNumber (MUST be included)", "RFC 5280 5.2.3");
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
