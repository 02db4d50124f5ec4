using System.Runtime.InteropServices;
using Certitude.Der;
using Certitude.Names;
using Certitude.Signatures;
using Certitude.Validation;

namespace Certitude.Building;

/// <summary>
/// One verification: a depth-first search over candidate issuers (trusted first, then ordered by
/// AKI/SKI match), with loop detection by subject and key, a depth limit and a budget. Each path
/// that reaches an anchor is validated in full (RFC 5280 6.1, <see cref="PathValidator"/>); a failure only rejects that path
/// and the search backtracks. The most specific failure over all paths is reported.
/// </summary>
internal sealed class PathSearch : IPathServices
{
    private const int HardMaxPathLength = 32;

    private readonly VerificationOptions _o;
    private readonly TrustStore _trust;
    private readonly IssuerPool _pool;
    private readonly PeerIdentity[] _peers;
    private readonly DateTimeOffset _time;
    private readonly Budget _budget;
    // A three-certificate path stores two signature outcomes and three certificates' checks.
    private readonly PairMemo<VerifyCode> _signatures = new(2);
    private readonly PairMemo<Failure[]> _certChecks = new(4);
    private List<VerificationDiagnostic>? _diagnostics;
    private readonly List<Certificate> _path = [];
    // Candidate issuers of every level of the current path, as a stack (see Extend).
    private readonly List<(Certificate Cert, bool Trusted, int Key)> _candidates = new(4);
    private (VerifyCode Code, string Message, int? Index, Certificate? Cert, Certificate[] Path)? _best;
    private int _attempt;

    private readonly int _depth;
    // Created on first use: most verifications defer no DSA signature and check no CRL.
    private HashSet<(Certificate Child, Certificate Issuer)>? _deferredDsa;
    private Dictionary<(CertificateRevocationList, Certificate), VerifyCode>? _crlSignatures;

    private readonly CryptoCache? _cache;
    // The purposes an anchor's trust settings are asked about: the verification's own, also in the
    // nested searches for CRL signers (whose options ask for no purpose), as OpenSSL does.
    private readonly string[]? _trustPurposes;
    private PathValidator? _validator;

    public PathSearch(VerificationOptions options, TrustStore trust, IEnumerable<Certificate> intermediates, PeerIdentity[] peers, DateTimeOffset time, CryptoCache? cache = null)
        : this(options, trust, new IssuerPool(intermediates), peers, time, new Budget(options.Budget), 0, cache, PathValidator.RequiredEkus(options))
    {
    }

    private PathSearch(VerificationOptions options, TrustStore trust, IssuerPool pool, PeerIdentity[] peers, DateTimeOffset time, Budget budget, int depth, CryptoCache? cache,
        string[]? trustPurposes)
    {
        _trustPurposes = trustPurposes;
        _cache = cache;
        _o = options;
        _trust = trust;
        _pool = pool;
        _peers = peers;
        // RFC 5280 4.1.2.5: validity is to the second; a validation instant is floored to its second.
        _time = new DateTimeOffset(time.UtcTicks - time.UtcTicks % TimeSpan.TicksPerSecond, TimeSpan.Zero);
        _budget = budget;
        _depth = depth;
    }

    private bool PartialChain => (_o.Flags & VerifyFlags.PartialChain) != 0;

    public VerificationResult Run(Certificate leaf)
    {
        foreach (var p in _peers)
        {
            if (!p.IsValid)
            {
                return new VerificationResult(VerifyCode.InvalidPeerName, p.Error!, null, null, [], []);
            }
        }
        _path.Add(leaf);
        // Stage 1: what depends only on the leaf and the options, once, before any path is searched.
        if (!LeafPasses(leaf))
        {
            var leafBest = _best!.Value;
            return new VerificationResult(leafBest.Code, leafBest.Message, leafBest.Index, leafBest.Cert, leafBest.Path, Diagnostics);
        }
        // A trusted leaf is its own anchor (partial chain, or a trusted self-issued certificate).
        if (_trust.Contains(leaf) && (PartialChain || leaf.IsSelfIssued) && TryComplete())
        {
            return Success();
        }
        if (!_budget.IsExhausted && Extend(0))
        {
            return Success();
        }
        if (_budget.IsExhausted)
        {
            // The search stopped before it could say whether a valid path exists.
            return new VerificationResult(VerifyCode.BudgetExhausted, _budget.Failure.Message, null, null, [], Diagnostics);
        }
        var best = _best ?? (VerifyCode.UnableToGetIssuerCertLocally, "no path to a trust anchor", 0, leaf, [leaf]);
        return new VerificationResult(best.Code, best.Message, best.Index, best.Cert, best.Path, Diagnostics);
    }

    /// <summary>The leaf stage: its validity, the profile's leaf rules and the algorithm policy (its memoised findings;
    /// issuance-tier ones are decided per path, by the path's anchor), its purposes and the peer's names. Records the
    /// failures as one attempt; true when there are none.</summary>
    private bool LeafPasses(Certificate leaf)
    {
        // RFC 5280 6.1.1 (d): a self-signed leaf that is not an anchor, with no other certificate of its subject to
        // issue it, can never be on a valid path: that is its reason (18, as OpenSSL reports it), before its own checks.
        if (leaf.IsSelfIssued && !_trust.Contains(leaf) && !OtherIssuerExists(leaf) && CheckSignature(leaf, leaf) == VerifyCode.Ok)
        {
            Record(VerifyCode.DepthZeroSelfSignedCert, 0, "the certificate is self-signed and not trusted", "RFC 5280 6.1.1 (d)");
            return false;
        }
        List<(Failure F, int Index)>? failures = null;
        foreach (var f in CertChecks(leaf, CertRole.Leaf))
        {
            if (!f.IsIssuance || _o.Issuance)
            {
                (failures ??= []).Add((f, 0));
            }
        }
        foreach (var f in LeafChecks.Check(leaf, _o, _peers, failures is not null) ?? [])
        {
            (failures ??= []).Add((f, 0));
        }
        if (failures is null)
        {
            return true;
        }
        RecordAttempt(failures);
        return false;
    }

    /// <summary>The algorithm policy's refusal of a candidate's key, among its findings (StructuralChecks).</summary>
    private static Failure? KeyRefused(Failure[] findings)
    {
        foreach (var f in findings)
        {
            if (f.Code is VerifyCode.CaKeyTooSmall or VerifyCode.EeKeyTooSmall && !f.IsIssuance)
            {
                return f;
            }
        }
        return null;
    }

    /// <summary>A trusted or supplied certificate other than <paramref name="c"/> has its issuer's name.</summary>
    private bool OtherIssuerExists(Certificate c)
    {
        var named = _trust.FindBySubject(c.Issuer);
        for (int i = 0; i < named.Count; i++)
        {
            if (!named[i].Equals(c))
            {
                return true;
            }
        }
        foreach (var p in _pool.Near(c.Issuer))
        {
            if (p.Subject.Equals(c.Issuer) && !p.Equals(c))
            {
                return true;
            }
        }
        return false;
    }

    private (string[] Authorities, string[] User)? _policies;

    private VerificationWarning[]? _warnings;

    private VerificationResult Success()
        => new(VerifyCode.Ok, "ok", null, null, _path.ToArray(), Diagnostics, _policies?.Authorities, _policies?.User, _warnings);

    private IReadOnlyList<VerificationDiagnostic> Diagnostics => (IReadOnlyList<VerificationDiagnostic>?)_diagnostics ?? [];

    /// <summary>Tries to extend the path above its last certificate. True when a valid path was completed.</summary>
    private bool Extend(int intermediates)
    {
        var cur = _path[^1];
        // A candidate already on the path (same subject and key) would make a loop (RFC 4158 5.2).
        int first = _candidates.Count;
        Candidates(cur);
        int end = _candidates.Count;
        if (end == first)
        {
            if (cur.IsSelfIssued)
            {
                Record(_path.Count == 1 ? VerifyCode.DepthZeroSelfSignedCert : VerifyCode.SelfSignedCertInChain, _path.Count - 1,
                    "the path ends in a self-signed certificate that is not trusted", "RFC 5280 6.1.1 (d)");
            }
            else if (_looped)
            {
                // RFC 4158 5.2: every certificate of that subject is already on the path.
                Record(VerifyCode.PathLoop, _path.Count - 1,
                    $"every certificate with subject \"{Elide.Value(cur.Issuer)}\" is already on the path (a loop)", "RFC 4158 5.2");
            }
            else
            {
                Record(VerifyCode.UnableToGetIssuerCertLocally, _path.Count - 1,
                    $"no trusted or supplied certificate has subject \"{Elide.Value(cur.Issuer)}\"", "RFC 5280 6.1.1 (d)");
            }
            return false;
        }
        // This level's candidates are _candidates[first..end); deeper levels push theirs above and
        // remove them before returning, so the range stays put while it is walked.
        for (int k = first; k < end; k++)
        {
            var (cand, trusted, _) = _candidates[k];
            if (!_budget.Candidate())
            {
                break;
            }
            // The candidate's own findings for its role (memoised per verifier; among them the algorithm policy on its
            // key, checked there once) before any signature arithmetic with its key: a key the policy refuses fails
            // every path through the candidate anyway (CA/B BR 6.1.5, RFC 8017 3.1).
            var own = CertChecks(cand, trusted ? CertRole.Anchor : CertRole.Intermediate);
            if (KeyRefused(own) is { } keyProblem)
            {
                _path.Add(cand);
                RecordAttempt([(keyProblem, _path.Count - 1)]);
                _path.RemoveAt(_path.Count - 1);
                continue;
            }
            VerifyCode sig;
            if (cand.PublicKey.Algorithm == PublicKeyAlgorithm.Dsa && cand.PublicKey.DsaParameters is null)
            {
                // RFC 5280 6.1.4 (f): the key's parameters come from higher up the path; the signature
                // is checked once the path is complete.
                (_deferredDsa ??= []).Add((cur, cand));
                sig = VerifyCode.Ok;
            }
            else
            {
                sig = CheckSignature(cur, cand);
            }
            if (sig != VerifyCode.Ok)
            {
                Record(sig, _path.Count - 1, $"signature does not verify with the key of candidate issuer \"{Elide.Value(cand.Subject)}\" ({VerifyCodes.Describe(sig)})",
                    "RFC 5280 6.1.3 (a)(1)");
                continue;
            }
            if (trusted)
            {
                _path.Add(cand);
                if (TryComplete())
                {
                    return true;
                }
                _path.RemoveAt(_path.Count - 1);
                continue;
            }
            int count = intermediates + (cand.IsSelfIssued ? 0 : 1);
            if (count > _o.MaxIntermediates || _path.Count >= HardMaxPathLength)
            {
                Record(VerifyCode.CertChainTooLong, _path.Count, $"the path would hold more than {_o.MaxIntermediates} intermediates", "maximum depth");
                continue;
            }
            // Prune early: an intermediate that fails its own checks cannot be on any valid path.
            // Issuance-tier findings decide only once the anchor is known (unless CabfIssuance enforces them everywhere).
            if (own.Length > 0 && Blocking(own) is { Count: > 0 } blocking)
            {
                _path.Add(cand);
                RecordAttempt(blocking.Select(f => (f, _path.Count - 1)).ToList());
                _path.RemoveAt(_path.Count - 1);
                continue;
            }
            _path.Add(cand);
            if (Extend(count))
            {
                return true;
            }
            _path.RemoveAt(_path.Count - 1);
            if (_budget.IsExhausted)
            {
                break;
            }
        }
        _candidates.RemoveRange(first, end - first);
        // RFC 5280 6.1.1 (d): no candidate issued this self-signed certificate into a valid path, and it is not an
        // anchor itself: the path ends in an untrusted self-signed certificate (more telling than a same-named
        // certificate whose key did not verify it).
        if (!_budget.IsExhausted && cur.IsSelfIssued && CheckSignature(cur, cur) == VerifyCode.Ok)
        {
            Record(_path.Count == 1 ? VerifyCode.DepthZeroSelfSignedCert : VerifyCode.SelfSignedCertInChain, _path.Count - 1,
                "the path ends in a self-signed certificate that is not trusted", "RFC 5280 6.1.1 (d)");
        }
        return false;
    }

    /// <summary>The possible issuers of <paramref name="cur"/>: trusted ones first (with TrustedFirst), and
    /// within each group those whose subjectKeyIdentifier matches the child's authorityKeyIdentifier first
    /// (RFC 4158 3.5), without certificates already on the path (same subject and key would make a loop,
    /// RFC 4158 5.2).</summary>
    private void Candidates(Certificate cur)
    {
        int first = _candidates.Count;
        _looped = false;
        var akid = cur.AuthorityKeyId?.KeyId;
        bool trustedFirst = (_o.Flags & VerifyFlags.TrustedFirst) != 0;
        int n = 0;
        // Sort key: the group (trusted first with TrustedFirst; SKI matching AKI, unknown, differing),
        // then the order found, so the sort below is stable.
        int Key(Certificate c, bool trusted)
        {
            int keyOrder = akid is null || c.SubjectKeyId is null ? 1 : akid.Value.Span.SequenceEqual(c.SubjectKeyId.Value.Span) ? 0 : 2;
            return (((trusted == trustedFirst ? 0 : 3) + keyOrder) << 24) | n++;
        }
        var named = _trust.FindBySubject(cur.Issuer);
        for (int i = 0; i < named.Count; i++)
        {
            var t = named[i];
            bool anchor = PartialChain || t.IsSelfIssued;
            if (!OnPath(t))
            {
                _candidates.Add((t, anchor, Key(t, anchor)));
            }
            else
            {
                _looped = true;
            }
        }
        foreach (var c in _pool.Near(cur.Issuer))
        {
            if (c.Subject.Equals(cur.Issuer) && !_trust.Contains(c))
            {
                if (!OnPath(c))
                {
                    _candidates.Add((c, false, Key(c, false)));
                }
                else
                {
                    _looped = true;
                }
            }
        }
        CollectionsMarshal.AsSpan(_candidates)[first..].Sort(static (a, b) => a.Key.CompareTo(b.Key));
    }

    // Set by Candidates: a certificate of the issuer's subject was left out because it is already on the path.
    private bool _looped;

    private bool OnPath(Certificate c)
    {
        foreach (var p in _path)
        {
            if (p.SameIdentity(c))
            {
                return true;
            }
        }
        return false;
    }

    private VerifyCode CheckSignature(Certificate child, Certificate issuer)
    {
        // RFC 5280 6.1.4 (f): a DSA key without parameters takes them from higher up the path, so one
        // (child, issuer) pair can verify on one path and not on another: such outcomes are kept per
        // parameter source.
        var source = DsaParameterSource(issuer);
        bool inherits = source is not null && issuer.PublicKey.Algorithm == PublicKeyAlgorithm.Dsa && issuer.PublicKey.DsaParameters is null;
        VerifyCode known;
        if (inherits ? _inheritedSignatures?.TryGetValue((child, issuer, source!), out known) == true : _signatures.TryGetValue(child, issuer, 0, out known))
        {
            return known;
        }
        if (!_budget.Signature())
        {
            return VerifyCode.BudgetExhausted;
        }
        var code = SignatureVerifier.Verify(_cache, issuer.PublicKey, child.SignatureAlgorithm, child.TbsData.Span, child.TbsDigest, child.ContentDigest, child.Signature.Span, source);
        if (code is not (VerifyCode.UnableToDecodeIssuerPublicKey or VerifyCode.BudgetExhausted))
        {
            if (inherits)
            {
                (_inheritedSignatures ??= [])[(child, issuer, source!)] = code;
            }
            else
            {
                _signatures.Set(child, issuer, 0, code);
            }
        }
        return code;
    }

    private Dictionary<(Certificate Child, Certificate Issuer, PublicKeyInfo Source), VerifyCode>? _inheritedSignatures;

    /// <summary>
    /// RFC 5280 6.3.3 (f), (g): a certificate of the CRL's issuer whose key verifies the CRL, that may
    /// sign CRLs (cRLSign when keyUsage is present), and whose own path validates to the same trust
    /// anchor (with the same revocation checks). Certificates above the one being checked on the
    /// current path qualify at once; others are validated by a nested search sharing this budget.
    /// </summary>
    private (Certificate? Signer, Failure? Problem) FindCrlSigner(CertificateRevocationList crl, int index)
    {
        var anchor = _path[^1];
        var candidates = new List<Certificate>();
        void Add(Certificate c)
        {
            if (c.Subject.Equals(crl.Issuer) && !candidates.Contains(c))
            {
                candidates.Add(c);
            }
        }
        for (int j = index + 1; j < _path.Count; j++)
        {
            Add(_path[j]);
        }
        foreach (var t in _trust.FindBySubject(crl.Issuer))
        {
            Add(t);
        }
        foreach (var c in _pool.Near(crl.Issuer))
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
            _crlSignatures ??= [];
            if (!_crlSignatures.TryGetValue((crl, c), out var sig))
            {
                if (!_budget.Signature())
                {
                    return (null, _budget.Failure);
                }
                int at = _path.IndexOf(c);
                var source = at >= 0 ? DsaParameterSource(c) : null;
                sig = SignatureVerifier.Verify(_cache, c.PublicKey, crl.SignatureAlgorithm, crl.TbsData.Span, crl.TbsDigest, crl.ContentDigest, crl.Signature.Span, source);
                _crlSignatures[(crl, c)] = sig;
            }
            if (sig != VerifyCode.Ok)
            {
                problem ??= new Failure(VerifyCode.CrlSignatureFailure, $"the CRL's signature does not verify with the key of \"{Elide.Value(c.Subject)}\"", "RFC 5280 6.3.3 (g)");
                continue;
            }
            int onPath = _path.IndexOf(c);
            // Above the certificate on the path being validated: its path is this one. Inside the
            // nested validation of a CRL issuer, that issuer may also sign the (indirect) CRL that
            // covers itself; its path is being validated by this very search.
            if (onPath > index || (onPath == index && _depth > 0))
            {
                return (c, null);
            }
            if (_depth >= 3)
            {
                problem ??= new Failure(VerifyCode.CrlPathValidationError, "CRL issuer paths nest too deeply", "RFC 5280 6.3.3 (f)");
                continue;
            }
            // The signer is validated as an end entity of the RFC 5280 profile with no purpose: the
            // subscriber rules of the web PKI do not describe CRL signing certificates.
            var signerOptions = _o with
            {
                Profile = VerificationProfile.Rfc5280.WithAlgorithms(_o.Profile.Algorithms),
                Purpose = CertificatePurpose.Any,
                RequiredExtendedKeyUsages = null,
                RequiredKeyUsage = KeyUsageFlags.None,
            };
            var nested = new PathSearch(signerOptions, _trust, _pool, [], _time, _budget, _depth + 1, _cache, _trustPurposes);
            var r = nested.Run(c);
            if (r.IsValid && r.Path[^1].Equals(anchor))
            {
                return (c, null);
            }
            problem ??= new Failure(VerifyCode.CrlPathValidationError,
                r.IsValid ? $"the CRL issuer \"{Elide.Value(c.Subject)}\" chains to another trust anchor" : $"the CRL issuer \"{Elide.Value(c.Subject)}\" does not validate: {Elide.Value(r)}", "RFC 5280 6.3.3 (f)");
        }
        return (null, problem ?? new Failure(VerifyCode.UnableToGetCrlIssuer, $"no certificate of the CRL issuer \"{Elide.Value(crl.Issuer)}\" was found", "RFC 5280 6.3.3 (f)"));
    }

    /// <summary>RFC 5280 6.1.4 (f): a DSA key without parameters takes its issuer's.</summary>
    private PublicKeyInfo? DsaParameterSource(Certificate issuer)
    {
        int i = _path.IndexOf(issuer);
        if (i < 0)
        {
            return null;
        }
        for (int j = i + 1; j < _path.Count; j++)
        {
            if (_path[j].PublicKey.DsaParameters is not null)
            {
                return _path[j].PublicKey;
            }
        }
        return null;
    }

    /// <summary>The checks of one certificate on its own, for its role (memoised): its validity at the
    /// validation time, and its structure and algorithms, which depend only on the certificate, the role and
    /// the verifier's fixed options and so are kept by the verifier across verifications.</summary>
    private List<Failure>? Blocking(Failure[] findings)
    {
        List<Failure>? blocking = null;
        foreach (var f in findings)
        {
            if (!f.IsIssuance || _o.Issuance)
            {
                (blocking ??= []).Add(f);
            }
        }
        return blocking;
    }

    // The structural checks depend on the certificate, its role, the profile and these switches.
    private int RuleMode => (_o.Strict ? 1 : 0) | (PathValidator.ServerProfile(_o) ? 2 : 0) | ((_o.Flags & VerifyFlags.IgnoreAnchorConstraints) != 0 ? 4 : 0);

    private Failure[] CertChecks(Certificate c, CertRole role)
    {
        if (_certChecks.TryGetValue(c, null, (int)role, out var known))
        {
            return known;
        }
        var structural = _cache?.GetChecks(c, role, _o.Profile, RuleMode);
        if (structural is null)
        {
            structural = StructuralChecks(c, role);
            _cache?.StoreChecks(c, role, _o.Profile, RuleMode, structural);
        }
        var result = PathValidator.WithValidity(c, role, _o.Flags, _time, structural);
        _certChecks.Set(c, null, (int)role, result);
        return result;
    }

    /// <summary>The findings computed (a cache miss). Apart from <see cref="CertChecks"/> so that the lambda's
    /// closure is allocated only here, not on every memoised lookup.</summary>
    private Failure[] StructuralChecks(Certificate c, CertRole role)
        => PathValidator.StructuralChecks(c, role, _o, () => c.IsSelfIssued && CheckSignature(c, c) == VerifyCode.Ok);

    Failure[] IPathServices.CertificateChecks(Certificate c, CertRole role) => CertChecks(c, role);

    bool IPathServices.IsDeferred(Certificate child, Certificate issuer) => _deferredDsa is not null && _deferredDsa.Contains((child, issuer));

    VerifyCode IPathServices.CheckSignature(Certificate child, Certificate issuer) => CheckSignature(child, issuer);

    (Certificate? Signer, Failure? Problem) IPathServices.FindCrlSigner(CertificateRevocationList crl, int index) => FindCrlSigner(crl, index);

    Failure? IPathServices.AnchorTrustSettings(Certificate anchor)
        => _trust.TrustSettings(anchor) is { } settings ? settings.Check(_trustPurposes, anchor) : null;

    bool IPathServices.AnchorFromProgramOrSystem(Certificate anchor) => _trust.RootProgramApplies(anchor);

    /// <summary>Validates the current path (leaf .. anchor) in full (RFC 5280 6.1); records failures; true when valid.</summary>
    private bool TryComplete()
    {
        _validator ??= new PathValidator(_o, _time, _budget, this);
        if (_validator.Validate(_path))
        {
            _policies = _validator.Policies;
            _warnings = _validator.Warnings;
            return true;
        }
        RecordAttempt(_validator.Failures);
        return false;
    }

    private void Record(VerifyCode code, int index, string message, string rule)
        => RecordAttempt([(new Failure(code, message, rule), index)]);

    private void RecordAttempt(List<(Failure F, int Index)> failures)
    {
        _attempt++;
        var path = _path.ToArray();
        foreach (var (f, i) in failures)
        {
            var cert = i < path.Length ? path[i] : null;
            (_diagnostics ??= []).Add(new VerificationDiagnostic(_attempt, i, f.Code, f.Message, f.Rule, cert));
        }
        var first = failures[0];
        foreach (var x in failures)
        {
            if (VerifyCodes.Rank(x.F.Code) > VerifyCodes.Rank(first.F.Code))
            {
                first = x;
            }
        }
        if (_best is null || VerifyCodes.Rank(first.F.Code) > VerifyCodes.Rank(_best.Value.Code))
        {
            var cert = first.Index < path.Length ? path[first.Index] : null;
            var who = cert is null ? "" : $"certificate {first.Index} (subject \"{Elide.Value(cert.Subject)}\"): ";
            _best = (first.F.Code, who + first.F.Message, first.Index, cert, path);
        }
    }
}
