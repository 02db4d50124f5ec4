using Certitude.Der;

namespace Certitude.Validation;

/// <summary>
/// RFC 5280 6.1: validation of one path (leaf .. anchor), step by step, as the RFC lays it out:
/// basic certificate processing (6.1.3) of each certificate from the anchor down, preparation for the
/// next certificate (6.1.4) after each intermediate, and the wrap-up (6.1.5) on the leaf. The search
/// (which paths to try) lives in Building/PathSearch (which depends on this, never the other way); this class only says whether one path is
/// valid and why not. Steps 6.1.4 (k) (cA), (n) (keyCertSign) and (o) (unknown critical extensions)
/// are rules of the profile's tables (<see cref="RuleTables"/>), applied by the certificate's role in
/// <see cref="CheckCertificates"/>. Validation is a function of the path (<see cref="CandidatePath"/>: the
/// certificates, their own findings, what the trust store says of the anchor) and the verification's context
/// (<see cref="ValidationContext"/>: options, time, budget, caches): <see cref="Validate"/> returns the outcome and
/// calls nothing back. Revocation (RFC 5280 6.1.3 (a)(3), 6.3) is a stage of its own, run on a path found valid here.
/// </summary>
internal sealed class PathValidator
{
    private readonly VerificationOptions _o;
    private readonly ValidationContext _ctx;
    private readonly Budget _budget;

    // The path being validated and its findings.
    private readonly CandidatePath _candidate;
    private readonly IReadOnlyList<Certificate> _path;
    private readonly int _n;
    private readonly List<(Failure F, int Index)> _failures = [];

    // RFC 5280 6.1.2: the state carried down the path from the anchor.
    private int _maxPathLength;
    private readonly List<(NameConstraintsExt Nc, int Index)> _constraints = [];
    private PolicyProcessor? _policy;

    private PathValidator(CandidatePath path, ValidationContext ctx)
    {
        _candidate = path;
        _path = path.Certificates;
        _n = _path.Count - 1; // index of the anchor
        _ctx = ctx;
        _o = ctx.Options;
        _budget = ctx.Budget;
    }

    /// <summary>The failures of the path, each with the index of its certificate (0 = leaf); empty when it is valid.</summary>
    public List<(Failure F, int Index)> Failures => _failures;

    /// <summary>True when the path is valid (revocation aside: its own stage).</summary>
    public bool IsValid => _failures.Count == 0;

    /// <summary>The issuance-tier findings of a valid path that were not enforced on it (null when none).</summary>
    public VerificationWarning[]? Warnings { get; private set; }

    /// <summary>RFC 5280 6.1.6: the policy sets of the path.</summary>
    public (string[] Authorities, string[] User) Policies => (_policy!.AuthoritiesConstrainedPolicies, _policy.UserConstrainedPolicies);

    /// <summary>Validates <paramref name="path"/> (leaf .. anchor) in full under <paramref name="ctx"/>: the outcome.</summary>
    public static PathValidator Validate(CandidatePath path, ValidationContext ctx)
    {
        var v = new PathValidator(path, ctx);
        v.Run();
        return v;
    }

    private void Run()
    {

        // 6.1.3 (a) for every certificate first: signatures left for now, then each certificate on its own.
        VerifyDeferredSignatures();
        CheckCertificates();
        // What the trust store (OpenSSL trust settings) and the root program say of the anchor, and which tier
        // of rules this path is held to: the one place anchor trust is read.
        if (_candidate.TrustSettings?.Check(_ctx.TrustPurposes, _path[_n]) is { } rejected)
        {
            Fail(rejected, _n);
        }
        bool issuance = _o.Issuance | CheckRootProgram();
        List<(Failure F, int Index)>? warnings = issuance || !_failures.Exists(static x => x.F.IsIssuance) ? null : SetIssuanceFindingsAside();

        Initialize();
        for (int i = _n - 1; i >= 0 && !_budget.IsExhausted; i--)
        {
            CheckNameConstraints(i);
            ProcessPolicies(i);
            if (i == 0)
            {
                break;
            }
            UpdateNameConstraints(i);
            ProcessPathLength(i);
            CheckIssuerPurpose(i, "intermediate");
        }
        WrapUp();

        // (The leaf's purposes and the peer's names were checked once, before the search: LeafChecks. Revocation is
        // looked at by its own stage, on a path found valid here.)
        if (_failures.Count == 0)
        {
            Warnings = warnings?.Select(w => new VerificationWarning(w.Index, w.F.Code, w.F.RuleId ?? "", w.F.Rule, w.F.Message, _path[w.Index])).ToArray();
        }
    }

    /// <summary>Outside the issuance tier, its findings are warnings: they are taken out of the failures.</summary>
    private List<(Failure F, int Index)>? SetIssuanceFindingsAside()
    {
        List<(Failure F, int Index)>? set = null;
        _failures.RemoveAll(x =>
        {
            if (x.F.IsIssuance)
            {
                (set ??= []).Add(x);
                return true;
            }
            return false;
        });
        return set;
    }

    /// <summary>
    /// The anchor is a root of a public root program. Its trust decisions follow where the anchor came from
    /// (<see cref="VerificationOptions.RootProgramScope"/>): for an anchor taken from the program or the system store
    /// (by default; every anchor with <see cref="RootProgramScope.AllAnchors"/>), for each purpose at hand that the
    /// program covers (serverAuth, emailProtection), the program must trust it as an anchor (NSS CKA_TRUST_*) and the
    /// leaf must not be issued after the root's distrust-after date for that purpose, as Firefox enforces; an anchor
    /// the caller supplied is trusted as given (RFC 5280 6.1.1 (d)). Returns true when the program trusts the root for
    /// serverAuth and that is the purpose at hand, wherever the anchor came from: a publicly-trusted TLS path, which
    /// the CA/B issuance rules bind (they only turn warnings into errors).
    /// </summary>
    private bool CheckRootProgram()
    {
        if (_n == 0 || _o.RootProgram is not { } program || _path[_n].RootProgramEntry(program) is not { } entry)
        {
            return false;
        }
        var leaf = _path[0];
        bool decides = _o.RootProgramScope == RootProgramScope.AllAnchors || _candidate.AnchorFromProgramOrSystem;
        bool publicTls = false;
        foreach (var eku in RequiredEkus() ?? [])
        {
            if (entry.ForPurpose(eku) is not { } t)
            {
                continue;
            }
            publicTls |= eku == Oids.ServerAuth && t.Trust == RootProgramTrust.Trusted;
            if (!decides)
            {
                continue;
            }
            if (t.Trust != RootProgramTrust.Trusted)
            {
                Fail(new Failure(t.Trust == RootProgramTrust.Distrusted ? VerifyCode.CertRejected : VerifyCode.CertUntrusted,
                    $"the trust anchor is \"{entry.Label}\" of the {program.Name} root program, which "
                    + (t.Trust == RootProgramTrust.Distrusted ? "explicitly distrusts it" : $"does not trust it for {t.Purpose}"),
                    $"{program.Name} root program trust (NSS CKA_TRUST_*)"), _n);
                continue;
            }
            if (t.DistrustAfter is { } after && leaf.NotBefore > after)
            {
                Fail(new Failure(VerifyCode.RootDistrustedAfter,
                    $"the {program.Name} root program does not trust \"{entry.Label}\" for {t.Purpose} certificates issued after "
                    + $"{after.UtcDateTime:yyyy-MM-dd'T'HH:mm:ss'Z'}; the leaf's notBefore is {leaf.NotBefore.UtcDateTime:yyyy-MM-dd'T'HH:mm:ss'Z'}",
                    $"{program.Name} root program distrust-after (NSS CKA_NSS_{(eku == Oids.ServerAuth ? "SERVER" : "EMAIL")}_DISTRUST_AFTER)"), _n);
            }
        }
        return publicTls;
    }

    private void Fail(Failure f, int index) => _failures.Add((f, index));

    // ---------------------------------------------------------------- 6.1.3 (a)

    /// <summary>RFC 5280 6.1.3 (a)(1), with 6.1.4 (f): signatures whose DSA parameters come from higher up
    /// the path are checked once the path is complete (the others were checked while searching).</summary>
    private void VerifyDeferredSignatures()
    {
        for (int i = 0; i < _n; i++)
        {
            var issuerKey = _path[i + 1].PublicKey;
            if (issuerKey.Algorithm == PublicKeyAlgorithm.Dsa && issuerKey.DsaParameters is null)
            {
                var code = _ctx.CheckSignature(_path[i], issuerKey, _candidate.DsaParameterSource(i + 1));
                if (code != VerifyCode.Ok)
                {
                    Fail(new Failure(code, "signature does not verify with the issuer's key and inherited DSA parameters", "RFC 5280 6.1.4 (f)"), i);
                }
            }
        }
    }

    /// <summary>RFC 5280 6.1.3 (a)(2) and the profile's rules (among them 6.1.4 (k), (n), (o)): each
    /// certificate on its own, for its role (a lone trusted certificate is its own leaf): the findings the path
    /// carries, from the anchor down.</summary>
    private void CheckCertificates()
    {
        for (int i = _n; i >= 0; i--)
        {
            foreach (var f in _candidate.Findings[i])
            {
                Fail(f, i);
            }
        }
    }

    /// <summary>RFC 5280 6.1.3 (a)(2): the validation time lies within notBefore..notAfter, inclusive (for the
    /// trust anchor unless <see cref="VerifyFlags.IgnoreAnchorValidity"/>). Returns <paramref name="structural"/>
    /// itself when the certificate is within its validity.</summary>
    public static Failure[] WithValidity(Certificate c, CertRole role, VerifyFlags flags, DateTimeOffset time, Failure[] structural)
    {
        bool early = time < c.NotBefore, late = time > c.NotAfter;
        if ((!early && !late) || (role == CertRole.Anchor && (flags & VerifyFlags.IgnoreAnchorValidity) != 0))
        {
            return structural;
        }
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
        return list.ToArray();
    }

    /// <summary>The checks of a certificate that depend only on it, its role and the verifier's fixed
    /// options: key and signature algorithms, and the profile's structural rules.</summary>
    public static Failure[] StructuralChecks(Certificate c, CertRole role, VerificationOptions o, Func<bool> isSelfSigned)
    {
        var list = new List<Failure>();
        var algorithms = o.Profile.Algorithms;
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
        var input = new RuleInput(role, o, isSelfSigned);
        bool server = ServerProfile(o);
        foreach (var rule in o.Profile.Rules)
        {
            // Strict rules under X509Strict; rules of the CA/B server certificate profile only for a server purpose;
            // issuance-tier findings are kept and decided per path (Validate).
            if ((rule.Roles & role) == 0 || (rule.Tier == RuleTier.Strict && !o.Strict) || (rule.ServerOnly && !server))
            {
                continue;
            }
            if (rule.Check(c, input) is { } problem)
            {
                list.Add(new Failure(rule.Code, problem, rule.Citation, rule.Tier, rule.Id));
            }
        }
        return list.Count == 0 ? [] : list.ToArray();
    }

    // ---------------------------------------------------------------- 6.1.2

    /// <summary>RFC 5280 6.1.2: the initial state, from the trust anchor and the user's inputs.</summary>
    private void Initialize()
    {
        var anchor = _path[_n];
        // The anchor certificate's own constraints apply unless the caller made it a bare name and key.
        bool anchorConstraints = (_o.Flags & VerifyFlags.IgnoreAnchorConstraints) == 0;
        // 6.1.2 (k): max_path_length, here also bounded by the anchor's own pathLenConstraint.
        _maxPathLength = anchorConstraints ? anchor.BasicConstraints?.PathLen ?? int.MaxValue : int.MaxValue;
        // 6.1.2 (b), (c): permitted and excluded subtrees, from the anchor's constraints when it has any.
        _constraints.Clear();
        if (_n > 0 && anchorConstraints && anchor.NameConstraints is { } anc)
        {
            AddConstraints(anc, _n);
        }
        // 6.1.2 (a), (d) - (f): the valid policy tree and the policy counters, narrowed by the anchor's own
        // policyConstraints and inhibitAnyPolicy (RFC 5937 3).
        _policy = new PolicyProcessor(_o.Policy, _n, _budget, _n > 0 && anchorConstraints ? anchor : null);
        // RFC 5937 3 (anchor constraints), RFC 5280 4.2.1.12: an anchor that restricts its purposes limits the
        // chains it anchors, as an intermediate's extKeyUsage does.
        if (_n > 0 && anchorConstraints)
        {
            CheckIssuerPurpose(_n, "trust anchor");
        }
    }

    // ---------------------------------------------------------------- 6.1.3 (b) - (f)

    /// <summary>RFC 5280 6.1.3 (b), (c): the certificate's names against the permitted and excluded
    /// subtrees (not applied to self-issued intermediates).</summary>
    private void CheckNameConstraints(int i)
    {
        var c = _path[i];
        if (i != 0 && c.IsSelfIssued)
        {
            return;
        }
        foreach (var (nc, at) in _constraints)
        {
            if (NameConstraintsChecker.Check(c, nc, i == 0, _o.HostnameChecksCommonName && i == 0, _budget) is { } f)
            {
                Fail(f with { Message = f.Message + $" (constraint of certificate {at})" }, i);
                break;
            }
        }
    }

    /// <summary>RFC 5280 6.1.3 (d) - (f) and 6.1.4 (a), (b), (h) - (j): the valid policy tree and the
    /// policy counters (see <see cref="PolicyProcessor"/>).</summary>
    private void ProcessPolicies(int i)
    {
        if (_policy!.Process(_path[i], _n - i) is { } pf)
        {
            Fail(pf, i);
        }
        if (_budget.IsExhausted)
        {
            Fail(_budget.Failure, i);
        }
    }

    // ---------------------------------------------------------------- 6.1.4

    /// <summary>RFC 5280 6.1.4 (g): the intermediate's name constraints narrow the subtrees.</summary>
    private void UpdateNameConstraints(int i)
    {
        if (_path[i].NameConstraints is { } cnc)
        {
            AddConstraints(cnc, i);
        }
    }

    private void AddConstraints(NameConstraintsExt nc, int index)
    {
        // RFC 5280 4.2.1.10: a constraint Certitude cannot read makes the path invalid.
        if (NameConstraintsChecker.CheckSyntax(nc, _o.Strict) is { } bad)
        {
            Fail(new Failure(VerifyCode.UnsupportedConstraintSyntax, bad, "RFC 5280 4.2.1.10"), index);
        }
        _constraints.Add((nc, index));
    }

    /// <summary>RFC 5280 6.1.4 (l), (m): max_path_length.</summary>
    private void ProcessPathLength(int i)
    {
        var c = _path[i];
        // 6.1.4 (l): a certificate that is not self-issued uses up one.
        if (!c.IsSelfIssued)
        {
            if (_maxPathLength <= 0)
            {
                Fail(new Failure(VerifyCode.PathLengthExceeded, "a pathLenConstraint above allows no more intermediates", "RFC 5280 6.1.4 (l)"), i);
            }
            _maxPathLength = _maxPathLength == int.MaxValue ? _maxPathLength : _maxPathLength - 1;
        }
        // 6.1.4 (m): a smaller pathLenConstraint takes over.
        if (c.BasicConstraints?.PathLen is int pl && pl < _maxPathLength)
        {
            _maxPathLength = pl;
        }
    }

    /// <summary>RFC 5280 4.2.1.12: an issuer (an intermediate, or the anchor when its constraints apply) that restricts
    /// its purposes must allow this one (anyExtendedKeyUsage or no extKeyUsage: no restriction).</summary>
    private void CheckIssuerPurpose(int i, string what)
    {
        var c = _path[i];
        if (RequiredEkus() is { } ekus && c.ExtendedKeyUsage is { } ceku
            && Array.IndexOf(ceku, Oids.AnyExtendedKeyUsage) < 0 && !ContainsAll(ceku, ekus))
        {
            Fail(new Failure(VerifyCode.InvalidPurpose, $"{what} extKeyUsage does not allow {string.Join(", ", ekus.Select(KeyPurposes.Name))}",
                i == _n ? "RFC 5280 4.2.1.12, RFC 5937 3" : "RFC 5280 4.2.1.12"), i);
        }
    }

    // ---------------------------------------------------------------- 6.1.5

    /// <summary>RFC 5280 6.1.5: wrap-up on the leaf (the policy tree's final intersection, 6.1.5 (a) - (g)). The
    /// purposes the caller asked for depend on the leaf alone and were checked before the search (<see cref="LeafChecks"/>).</summary>
    private void WrapUp()
    {
        var leaf = _path[0];
        if (_n > 0 && _policy!.WrapUp(leaf) is { } wf)
        {
            Fail(wf, 0);
        }
    }

    /// <summary>The purpose at hand includes TLS server authentication, so the rules of the CA/B server certificate
    /// profile apply; a client certificate is judged by RFC 5280 strict, EKU and constraints.</summary>
    public static bool ServerProfile(VerificationOptions o)
        => RequiredEkus(o) is { } r && Array.IndexOf(r, Oids.ServerAuth) >= 0;

    private static readonly string[] ServerAuthOnly = [Oids.ServerAuth];
    private static readonly string[] ClientAuthOnly = [Oids.ClientAuth];

    private string[]? RequiredEkus() => _ctx.RequiredEkus;

    /// <summary>The extended key usages the leaf must allow: the explicit list, or the one the purpose implies.</summary>
    public static string[]? RequiredEkus(VerificationOptions o) => o.RequiredExtendedKeyUsages is { Count: > 0 } r ? r.ToArray() : o.Purpose switch
    {
        CertificatePurpose.ServerAuthentication => ServerAuthOnly,
        CertificatePurpose.ClientAuthentication => ClientAuthOnly,
        CertificatePurpose.Any => null,
        _ => KeyPurposes.Oid(o.Purpose) is { } oid ? [oid] : null,
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
}
