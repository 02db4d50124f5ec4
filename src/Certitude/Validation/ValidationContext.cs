using Certitude.Signatures;

namespace Certitude.Validation;

/// <summary>
/// What validating a path depends on besides the path itself: the options, the validation instant, the verification's
/// budget and the verifier's caches (signature outcomes and parsed keys in <see cref="CryptoCache"/>, certificate
/// findings in <see cref="FindingsCache"/>). One per verification; a CRL signer's path is validated with another
/// (<see cref="For"/>) that shares the instant, the budget, the caches and the purposes anchors are asked about.
/// </summary>
internal sealed class ValidationContext
{
    /// <summary>The context of a verification under <paramref name="options"/>; its anchors' trust settings are asked
    /// about its own purposes.</summary>
    public ValidationContext(VerificationOptions options, DateTimeOffset time, Budget budget, CryptoCache crypto, FindingsCache findings)
        : this(options, time, budget, crypto, findings, null, ownPurposes: true)
    {
    }

    private ValidationContext(VerificationOptions options, DateTimeOffset time, Budget budget, CryptoCache crypto, FindingsCache findings, string[]? trustPurposes,
        bool ownPurposes)
    {
        Options = options;
        // RFC 5280 4.1.2.5: validity is to the second; a validation instant is floored to its second.
        Time = new DateTimeOffset(time.UtcTicks - time.UtcTicks % TimeSpan.TicksPerSecond, TimeSpan.Zero);
        Budget = budget;
        Crypto = crypto;
        Findings = findings;
        // The extended key usages a verification requires are worked out here, once.
        RequiredEkus = PathValidator.RequiredEkus(options);
        TrustPurposes = ownPurposes ? RequiredEkus : trustPurposes;
        // The structural checks depend on the certificate, its role, the profile and these switches.
        RuleMode = (options.Strict ? 1 : 0) | (RequiredEkus is { } r && Array.IndexOf(r, Der.Oids.ServerAuth) >= 0 ? 2 : 0)
            | ((options.Flags & VerifyFlags.IgnoreAnchorConstraints) != 0 ? 4 : 0);
    }

    public VerificationOptions Options { get; }

    /// <summary>The validation instant, floored to its second.</summary>
    public DateTimeOffset Time { get; }

    public Budget Budget { get; }

    public CryptoCache Crypto { get; }

    public FindingsCache Findings { get; }

    /// <summary>The purposes an anchor's trust settings are asked about: the verification's own, also when a CRL signer's
    /// path is validated (whose options ask for no purpose), as OpenSSL does.</summary>
    public string[]? TrustPurposes { get; }

    /// <summary>The extended key usages the leaf must allow (<see cref="PathValidator.RequiredEkus(VerificationOptions)"/>).</summary>
    public string[]? RequiredEkus { get; }

    /// <summary>The switches the structural findings depend on besides the profile (strict, server profile, anchor
    /// constraints ignored).</summary>
    public int RuleMode { get; }

    /// <summary>The same verification under other options (a CRL signer's path).</summary>
    public ValidationContext For(VerificationOptions options) => new(options, Time, Budget, Crypto, Findings, TrustPurposes, ownPurposes: false);

    /// <summary>RFC 5280 6.1.3 (a)(1): whether <paramref name="issuerKey"/> (with DSA parameters inherited from
    /// <paramref name="dsaParameterSource"/>, RFC 5280 6.1.4 (f)) verifies the certificate's signature. Outcomes come
    /// from and go to the verifier's one signature-outcome cache; the budget is charged once per distinct check.</summary>
    public VerifyCode CheckSignature(Certificate child, PublicKeyInfo issuerKey, PublicKeyInfo? dsaParameterSource)
        => Check(issuerKey, child.SignatureAlgorithm, child.TbsData.Span, child.TbsDigest, child.ContentDigest, child.Signature.Span, dsaParameterSource);

    /// <summary>Whether <paramref name="key"/> verifies a signed object (a certificate, a CRL: RFC 5280 6.3.3 (g)) given as its
    /// parts, as <see cref="CheckSignature(Certificate, PublicKeyInfo, PublicKeyInfo?)"/> does.</summary>
    public VerifyCode Check(PublicKeyInfo key, SignatureAlgorithm alg, ReadOnlySpan<byte> tbs, byte[] tbsDigest, byte[] contentDigest, ReadOnlySpan<byte> signature,
        PublicKeyInfo? dsaParameterSource)
    {
        if (!Budget.Signature(CryptoCache.SignatureKey(key, dsaParameterSource, contentDigest)))
        {
            return VerifyCode.BudgetExhausted;
        }
        return SignatureVerifier.Verify(Crypto, key, alg, tbs, tbsDigest, contentDigest, signature, dsaParameterSource);
    }

    /// <summary>The checks of one certificate on its own for its role: its validity at the validation time (never
    /// cached) and its structural findings (the profile's rules, the algorithm policy), from the verifier's findings
    /// cache.</summary>
    public Failure[] CertificateFindings(Certificate c, CertRole role)
    {
        var structural = Findings.GetChecks(c, role, Options.Profile, RuleMode) ?? ComputeFindings(c, role);
        return PathValidator.WithValidity(c, role, Options.Flags, Time, structural);
    }

    // Apart, so that a cache hit allocates no closure.
    private Failure[] ComputeFindings(Certificate c, CertRole role)
    {
        var structural = PathValidator.StructuralChecks(c, role, Options, () => c.IsSelfIssued && CheckSignature(c, c.PublicKey, null) == VerifyCode.Ok);
        Findings.StoreChecks(c, role, Options.Profile, RuleMode, structural);
        return structural;
    }
}
