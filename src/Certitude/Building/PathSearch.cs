using System.Runtime.InteropServices;
using Certitude.Der;
using Certitude.Names;
using Certitude.Signatures;
using Certitude.Validation;

namespace Certitude.Building;

/// <summary>
/// One verification: a depth-first search over candidate issuers (trusted first, then ordered by
/// AKI/SKI match), with loop detection by subject and key, a depth limit and a budget. Each path
/// that reaches an anchor is validated in full (RFC 5280 6.1); a failure only rejects that path
/// and the search backtracks. The most specific failure over all paths is reported.
/// </summary>
internal sealed class PathSearch
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

    public PathSearch(VerificationOptions options, TrustStore trust, IEnumerable<Certificate> intermediates, PeerIdentity[] peers, DateTimeOffset time, CryptoCache? cache = null)
        : this(options, trust, new IssuerPool(intermediates), peers, time, new Budget(options.Budget), 0, cache)
    {
    }

    private PathSearch(VerificationOptions options, TrustStore trust, IssuerPool pool, PeerIdentity[] peers, DateTimeOffset time, Budget budget, int depth, CryptoCache? cache)
    {
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
        try
        {
            _path.Add(leaf);
            // A trusted leaf is its own anchor (partial chain, or a trusted self-issued certificate).
            if (_trust.Contains(leaf) && (PartialChain || leaf.IsSelfIssued) && TryComplete())
            {
                return Success();
            }
            if (Extend(0))
            {
                return Success();
            }
        }
        catch (BudgetExhaustedException e)
        {
            return new VerificationResult(VerifyCode.BudgetExhausted, e.Message, null, null, [], Diagnostics);
        }
        var best = _best ?? (VerifyCode.UnableToGetIssuerCertLocally, "no path to a trust anchor", 0, leaf, [leaf]);
        return new VerificationResult(best.Code, best.Message, best.Index, best.Cert, best.Path, Diagnostics);
    }

    private (string[] Authorities, string[] User)? _policies;

    private VerificationResult Success()
        => new(VerifyCode.Ok, "ok", null, null, _path.ToArray(), Diagnostics, _policies?.Authorities, _policies?.User);

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
            else
            {
                Record(VerifyCode.UnableToGetIssuerCertLocally, _path.Count - 1,
                    $"no trusted or supplied certificate has subject \"{cur.Issuer}\"", "RFC 5280 6.1.1 (d)");
            }
            return false;
        }
        // This level's candidates are _candidates[first..end); deeper levels push theirs above and
        // remove them before returning, so the range stays put while it is walked.
        for (int k = first; k < end; k++)
        {
            var (cand, trusted, _) = _candidates[k];
            _budget.Candidate();
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
                Record(sig, _path.Count - 1, $"signature does not verify with the key of candidate issuer \"{cand.Subject}\" ({VerifyCodes.Describe(sig)})",
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
            var own = CertChecks(cand, CertRole.Intermediate);
            if (own.Length > 0)
            {
                _path.Add(cand);
                RecordAttempt(own.Select(f => (f, _path.Count - 1)).ToList());
                _path.RemoveAt(_path.Count - 1);
                continue;
            }
            _path.Add(cand);
            if (Extend(count))
            {
                return true;
            }
            _path.RemoveAt(_path.Count - 1);
        }
        _candidates.RemoveRange(first, end - first);
        return false;
    }

    /// <summary>The possible issuers of <paramref name="cur"/>: trusted ones first (with TrustedFirst), and
    /// within each group those whose subjectKeyIdentifier matches the child's authorityKeyIdentifier first
    /// (RFC 4158 3.5), without certificates already on the path (same subject and key would make a loop,
    /// RFC 4158 5.2).</summary>
    private void Candidates(Certificate cur)
    {
        int first = _candidates.Count;
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
        }
        foreach (var c in _pool.Near(cur.Issuer))
        {
            if (c.Subject.Equals(cur.Issuer) && !OnPath(c) && !_trust.Contains(c))
            {
                _candidates.Add((c, false, Key(c, false)));
            }
        }
        CollectionsMarshal.AsSpan(_candidates)[first..].Sort(static (a, b) => a.Key.CompareTo(b.Key));
    }

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
        if (_signatures.TryGetValue(child, issuer, 0, out var known))
        {
            return known;
        }
        _budget.Signature();
        var code = SignatureVerifier.Verify(_cache, issuer.PublicKey, child.SignatureAlgorithm, child.TbsData.Span, child.TbsDigest, child.ContentDigest, child.Signature.Span, DsaParameterSource(issuer));
        if (code != VerifyCode.UnableToDecodeIssuerPublicKey)
        {
            _signatures.Set(child, issuer, 0, code);
        }
        return code;
    }

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
                problem ??= new Failure(VerifyCode.KeyUsageNoCrlSign, $"the CRL issuer \"{c.Subject}\" lacks cRLSign in keyUsage", "RFC 5280 6.3.3 (f)");
                continue;
            }
            _crlSignatures ??= [];
            if (!_crlSignatures.TryGetValue((crl, c), out var sig))
            {
                _budget.Signature();
                int at = _path.IndexOf(c);
                var source = at >= 0 ? DsaParameterSource(c) : null;
                sig = SignatureVerifier.Verify(_cache, c.PublicKey, crl.SignatureAlgorithm, crl.TbsData.Span, crl.TbsDigest, crl.ContentDigest, crl.Signature.Span, source);
                _crlSignatures[(crl, c)] = sig;
            }
            if (sig != VerifyCode.Ok)
            {
                problem ??= new Failure(VerifyCode.CrlSignatureFailure, $"the CRL's signature does not verify with the key of \"{c.Subject}\"", "RFC 5280 6.3.3 (g)");
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
            var nested = new PathSearch(signerOptions, _trust, _pool, [], _time, _budget, _depth + 1, _cache);
            var r = nested.Run(c);
            if (r.IsValid && r.Path[^1].Equals(anchor))
            {
                return (c, null);
            }
            problem ??= new Failure(VerifyCode.CrlPathValidationError,
                r.IsValid ? $"the CRL issuer \"{c.Subject}\" chains to another trust anchor" : $"the CRL issuer \"{c.Subject}\" does not validate: {r}", "RFC 5280 6.3.3 (f)");
        }
        return (null, problem ?? new Failure(VerifyCode.UnableToGetCrlIssuer, $"no certificate of the CRL issuer \"{crl.Issuer}\" was found", "RFC 5280 6.3.3 (f)"));
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
    private Failure[] CertChecks(Certificate c, CertRole role)
    {
        if (_certChecks.TryGetValue(c, null, (int)role, out var known))
        {
            return known;
        }
        var structural = _cache?.GetChecks(c, role, _o.Profile, _o.Strict);
        if (structural is null)
        {
            structural = StructuralChecks(c, role);
            _cache?.StoreChecks(c, role, _o.Profile, _o.Strict, structural);
        }
        Failure[] result;
        // RFC 5280 6.1.3 (a)(2): the validation time lies within notBefore..notAfter, inclusive.
        bool early = _time < c.NotBefore, late = _time > c.NotAfter;
        if (!early && !late)
        {
            result = structural;
        }
        else
        {
            var list = new List<Failure>(structural.Length + 2);
            if (early)
            {
                list.Add(new Failure(VerifyCode.CertNotYetValid, $"not valid before {c.NotBefore:u}", "RFC 5280 4.1.2.5"));
            }
            if (late)
            {
                list.Add(new Failure(VerifyCode.CertHasExpired, $"expired at {c.NotAfter:u}", "RFC 5280 4.1.2.5"));
            }
            list.AddRange(structural);
            result = list.ToArray();
        }
        _certChecks.Set(c, null, (int)role, result);
        return result;
    }

    private Failure[] StructuralChecks(Certificate c, CertRole role)
    {
        var list = new List<Failure>();
        var algorithms = _o.Profile.Algorithms;
        if (algorithms.CheckKey(c.PublicKey) is { } keyProblem)
        {
            list.Add(new Failure(role == CertRole.Leaf && !c.IsCertificateAuthority ? VerifyCode.EeKeyTooSmall : VerifyCode.CaKeyTooSmall,
                keyProblem, "algorithm policy (CA/B BR 6.1.5, 7.1.3.1)"));
        }
        // The anchor's own signature is not relied on (RFC 5280 6.1.1 (d): an anchor is a name and a key).
        if (role != CertRole.Anchor && algorithms.CheckSignature(c.SignatureAlgorithm) is { } sigProblem)
        {
            list.Add(new Failure(VerifyCode.CaMdTooWeak, sigProblem, "algorithm policy (CA/B BR 7.1.3.2)"));
        }
        var input = new RuleInput(role, _o, () => c.IsSelfIssued && CheckSignature(c, c) == VerifyCode.Ok);
        foreach (var rule in _o.Profile.Rules)
        {
            if ((rule.Roles & role) == 0 || (rule.StrictOnly && !_o.Strict))
            {
                continue;
            }
            if (rule.Check(c, input) is { } problem)
            {
                list.Add(new Failure(rule.Code, problem, rule.Citation));
            }
        }
        return list.Count == 0 ? [] : list.ToArray();
    }

    /// <summary>Validates the current path (leaf .. anchor) in full; records failures; true when valid.</summary>
    private bool TryComplete()
    {
        var failures = new List<(Failure F, int Index)>();
        int n = _path.Count - 1; // index of the anchor
        var anchor = _path[n];
        for (int i = 0; i < n; i++)
        {
            if (_deferredDsa is not null && _deferredDsa.Contains((_path[i], _path[i + 1])))
            {
                var code = CheckSignature(_path[i], _path[i + 1]);
                if (code != VerifyCode.Ok)
                {
                    failures.Add((new Failure(code, "signature does not verify with the issuer's key and inherited DSA parameters", "RFC 5280 6.1.4 (f)"), i));
                }
            }
        }

        // Each certificate on its own (structure, validity, algorithms).
        if (n == 0)
        {
            foreach (var f in CertChecks(anchor, CertRole.Leaf))
            {
                failures.Add((f, 0));
            }
        }
        else
        {
            foreach (var f in CertChecks(anchor, CertRole.Anchor))
            {
                failures.Add((f, n));
            }
            for (int i = n - 1; i >= 0; i--)
            {
                foreach (var f in CertChecks(_path[i], i == 0 ? CertRole.Leaf : CertRole.Intermediate))
                {
                    failures.Add((f, i));
                }
            }
        }

        // RFC 5280 6.1.2 - 6.1.4: the state carried down the path from the anchor.
        int maxPathLength = anchor.BasicConstraints?.PathLen ?? int.MaxValue;
        var constraints = new List<(NameConstraintsExt Nc, int Index)>();
        if (n > 0 && anchor.NameConstraints is { } anc)
        {
            AddConstraints(anc, n, constraints, failures);
        }
        var policy = new PolicyProcessor(_o.Policy, n, _budget);
        bool includeCn = _o.HostnameChecksCommonName;
        for (int i = n - 1; i >= 0; i--)
        {
            var c = _path[i];
            // 6.1.3 (b), (c): name constraints, not applied to self-issued intermediates.
            if (i == 0 || !c.IsSelfIssued)
            {
                foreach (var (nc, at) in constraints)
                {
                    if (NameConstraintsChecker.Check(c, nc, includeCn && i == 0, _budget) is { } f)
                    {
                        failures.Add((f with { Message = f.Message + $" (constraint of certificate {at})" }, i));
                        break;
                    }
                }
            }
            // 6.1.3 (d) - (f), 6.1.4 (a), (b), (h) - (j)
            if (policy.Process(c, n - i) is { } pf)
            {
                failures.Add((pf, i));
            }
            if (i == 0)
            {
                break;
            }
            // 6.1.4 (g)
            if (c.NameConstraints is { } cnc)
            {
                AddConstraints(cnc, i, constraints, failures);
            }
            // 6.1.4 (l), (m)
            if (!c.IsSelfIssued)
            {
                if (maxPathLength <= 0)
                {
                    failures.Add((new Failure(VerifyCode.PathLengthExceeded, "a pathLenConstraint above allows no more intermediates", "RFC 5280 6.1.4 (l)"), i));
                }
                maxPathLength = maxPathLength == int.MaxValue ? maxPathLength : maxPathLength - 1;
            }
            if (c.BasicConstraints?.PathLen is int pl && pl < maxPathLength)
            {
                maxPathLength = pl;
            }
            // RFC 5280 4.2.1.12: an intermediate that restricts its purposes must allow this one.
            if (RequiredEkus() is { } ekus && c.ExtendedKeyUsage is { } ceku
                && Array.IndexOf(ceku, Oids.AnyExtendedKeyUsage) < 0 && !ContainsAll(ceku, ekus))
            {
                failures.Add((new Failure(VerifyCode.InvalidPurpose, $"intermediate extKeyUsage does not allow {string.Join(", ", ekus.Select(KeyPurposes.Name))}", "RFC 5280 4.2.1.12"), i));
            }
        }

        // 6.1.5: wrap-up on the leaf.
        var leaf = _path[0];
        if (n > 0 && policy.WrapUp(leaf) is { } wf)
        {
            failures.Add((wf, 0));
        }
        if (LeafPurpose(leaf) is { } purposeFailures)
        {
            foreach (var f in purposeFailures)
            {
                failures.Add((f, 0));
            }
        }
        // RFC 5280 6.1.3 (a)(3): revocation status, when asked for.
        if (failures.Count == 0 && (_o.Flags & (VerifyFlags.CrlCheckLeaf | VerifyFlags.CrlCheckChain)) != 0)
        {
            int last = (_o.Flags & VerifyFlags.CrlCheckChain) != 0 ? n - 1 : Math.Min(0, n - 1);
            // A CRL may be examined for several distribution points of one certificate: its signer (and
            // that signer's own path) is looked for once per certificate of this candidate path.
            var signers = new Dictionary<(CertificateRevocationList, int), (Certificate?, Failure?)>();
            (Certificate?, Failure?) Signer(CertificateRevocationList crl, int index)
                => signers.TryGetValue((crl, index), out var known) ? known : signers[(crl, index)] = FindCrlSigner(crl, index);
            for (int i = 0; i <= last; i++)
            {
                if (Revocation.Check(i, _path, _o, _time, Signer) is { } rf)
                {
                    failures.Add((rf, i));
                    break;
                }
            }
        }
        if (failures.Count == 0)
        {
            if (PeerNames(leaf) is { } nameFailures)
            {
                foreach (var f in nameFailures)
                {
                    failures.Add((f, 0));
                }
            }
        }
        if (failures.Count == 0)
        {
            _policies = (policy.AuthoritiesConstrainedPolicies, policy.UserConstrainedPolicies);
            return true;
        }
        RecordAttempt(failures);
        return false;
    }

    private static void AddConstraints(NameConstraintsExt nc, int index, List<(NameConstraintsExt, int)> constraints, List<(Failure, int)> failures)
    {
        if (NameConstraintsChecker.CheckSyntax(nc) is { } bad)
        {
            failures.Add((new Failure(VerifyCode.UnsupportedConstraintSyntax, bad, "RFC 5280 4.2.1.10"), index));
        }
        constraints.Add((nc, index));
    }

    private static readonly string[] ServerAuthOnly = [Oids.ServerAuth];
    private static readonly string[] ClientAuthOnly = [Oids.ClientAuth];
    private string[]? _requiredEkus;

    private string[]? RequiredEkus() => _o.RequiredExtendedKeyUsages is { Count: > 0 } r ? _requiredEkus ??= r.ToArray() : _o.Purpose switch
    {
        CertificatePurpose.ServerAuthentication => ServerAuthOnly,
        CertificatePurpose.ClientAuthentication => ClientAuthOnly,
        CertificatePurpose.Any => null,
        _ => _requiredEkus ??= KeyPurposes.Oid(_o.Purpose) is { } oid ? [oid] : null,
    };

    private static bool ContainsAll(string[] have, string[] wanted)
    {
        foreach (var w in wanted)
        {
            if (Array.IndexOf(have, w) < 0)
            {
                return false;
            }
        }
        return true;
    }

    private List<Failure>? LeafPurpose(Certificate leaf)
    {
        List<Failure>? failures = null;
        // RFC 5280 4.2.1.12: when the leaf restricts its purposes, the requested one must be among them.
        if (RequiredEkus() is { } ekus && leaf.ExtendedKeyUsage is { } eku)
        {
            bool any = _o.Profile.AllowAnyExtendedKeyUsage && Array.IndexOf(eku, Oids.AnyExtendedKeyUsage) >= 0;
            foreach (var want in ekus)
            {
                if (!any && Array.IndexOf(eku, want) < 0)
                {
                    (failures ??= []).Add(new Failure(VerifyCode.InvalidPurpose, $"extKeyUsage does not include {KeyPurposes.Name(want)}", "RFC 5280 4.2.1.12"));
                }
            }
        }
        // Requirements that come with a purpose (KeyPurposes.LeafRules, e.g. RFC 3161 2.3 for timeStamping).
        if (RequiredEkus() is { } wanted)
        {
            foreach (var (oid, citation, check) in KeyPurposes.LeafRules)
            {
                if (Array.IndexOf(wanted, oid) >= 0 && check(leaf) is { } problem)
                {
                    (failures ??= []).Add(new Failure(VerifyCode.InvalidPurpose, problem, citation));
                }
            }
        }
        // RFC 5280 4.2.1.3: requested keyUsage bits.
        if (_o.RequiredKeyUsage != KeyUsageFlags.None && leaf.KeyUsage is { } ku && (ku & _o.RequiredKeyUsage) != _o.RequiredKeyUsage)
        {
            (failures ??= []).Add(new Failure((_o.RequiredKeyUsage & KeyUsageFlags.DigitalSignature) != 0 && (ku & KeyUsageFlags.DigitalSignature) == 0
                ? VerifyCode.KeyUsageNoDigitalSignature : VerifyCode.InvalidPurpose,
                $"keyUsage {ku} lacks {_o.RequiredKeyUsage & ~ku}", "RFC 5280 4.2.1.3"));
        }
        return failures;
    }

    /// <summary>RFC 6125 / RFC 9525 6.3: reference identities against the leaf's subjectAltName, read from
    /// its octets (nothing is decoded into objects for a match).</summary>
    private List<Failure>? PeerNames(Certificate leaf)
    {
        List<Failure>? failures = null;
        var san = leaf.SubjectAltNamesRaw.Span;
        foreach (var p in _peers)
        {
            bool ok = false;
            var names = new RawGeneralNames(san);
            switch (p.Kind)
            {
                case PeerIdentityKind.Dns:
                    bool hasDnsOrIp = false;
                    while (names.Next(out var kind, out var value))
                    {
                        hasDnsOrIp |= kind is GeneralNameKind.DnsName or GeneralNameKind.IPAddress;
                        if (kind == GeneralNameKind.DnsName && DnsNames.Matches(value, p.Normalized!))
                        {
                            ok = true;
                            break;
                        }
                    }
                    if (!ok && !hasDnsOrIp && _o.HostnameChecksCommonName)
                    {
                        ok = leaf.Subject.GetAttributeValues(Oids.CommonName).Any(cn => DnsNames.Matches(cn, p.Normalized!));
                    }
                    if (!ok)
                    {
                        (failures ??= []).Add(new Failure(VerifyCode.HostnameMismatch, $"certificate is not valid for '{p.Value}'", "RFC 9525 6.3"));
                    }
                    break;
                case PeerIdentityKind.IPAddress:
                    while (!ok && names.Next(out var kind, out var value))
                    {
                        ok = kind == GeneralNameKind.IPAddress && value.SequenceEqual(p.Address);
                    }
                    if (!ok)
                    {
                        (failures ??= []).Add(new Failure(VerifyCode.IpAddressMismatch, $"certificate is not valid for IP address {p.Value}", "RFC 9525 6.3"));
                    }
                    break;
                case PeerIdentityKind.Email:
                    while (!ok && names.Next(out var kind, out var value))
                    {
                        ok = kind == GeneralNameKind.Rfc822Name && EmailAddresses.Matches(System.Text.Encoding.ASCII.GetString(value), p.Normalized!);
                    }
                    if (!ok)
                    {
                        (failures ??= []).Add(new Failure(VerifyCode.EmailMismatch, $"certificate is not valid for email address {p.Value}", "RFC 8398"));
                    }
                    break;
            }
        }
        return failures;
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
            var who = cert is null ? "" : $"certificate {first.Index} (subject \"{cert.Subject}\"): ";
            _best = (first.F.Code, who + first.F.Message, first.Index, cert, path);
        }
    }
}
