using System.Runtime.InteropServices;
using Certitude.Der;
using Certitude.Names;
using Certitude.Validation;

namespace Certitude.Building;

/// <summary>What runs on a path that path validation found valid before it is accepted (revocation, when asked for):
/// null to accept it, else the failure and the index of its certificate.</summary>
internal delegate (Failure F, int Index)? PathStage(CandidatePath path);

/// <summary>
/// One verification: a depth-first search over candidate issuers (trusted first, then ordered by
/// AKI/SKI match), with loop detection by subject and key, a depth limit and a budget. Each path
/// that reaches an anchor is validated in full (RFC 5280 6.1, <see cref="PathValidator.Validate"/>, a function of the
/// path and the context), then passed to the stage that follows (revocation); a failure only rejects that path and the
/// search backtracks. The most specific failure over all paths is reported.
/// </summary>
internal sealed class PathSearch
{
    private const int HardMaxPathLength = 32;

    private readonly ValidationContext _ctx;
    private readonly VerificationOptions _o;
    private readonly TrustStore _trust;
    private readonly IssuerPool _pool;
    private readonly PeerIdentity[] _peers;
    private readonly Budget _budget;
    private readonly PathStage? _afterValidation;
    private List<VerificationDiagnostic>? _diagnostics;
    private readonly List<Certificate> _path = [];
    // The own findings of each certificate of _path for its role there (what CandidatePath carries).
    private readonly List<Failure[]> _findings = [];
    // Candidate issuers of every level of the current path, as a stack (see Extend).
    private readonly List<(Certificate Cert, bool Trusted, int Key)> _candidates = new(4);
    private (VerifyCode Code, string Message, int? Index, Certificate? Cert, Certificate[] Path)? _best;
    private int _attempt;

    /// <param name="ctx">The verification's options, time, budget and caches.</param>
    /// <param name="trust">The trust anchors.</param>
    /// <param name="pool">The untrusted candidate issuers.</param>
    /// <param name="peers">The names the leaf must match.</param>
    /// <param name="afterValidation">What a valid path must also pass (revocation), or null.</param>
    public PathSearch(ValidationContext ctx, TrustStore trust, IssuerPool pool, PeerIdentity[] peers, PathStage? afterValidation)
    {
        _ctx = ctx;
        _o = ctx.Options;
        _trust = trust;
        _pool = pool;
        _peers = peers;
        _budget = ctx.Budget;
        _afterValidation = afterValidation;
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
        _findings.Add(CertChecks(leaf, CertRole.Leaf));
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
        foreach (var f in _findings[0])
        {
            if (!f.IsIssuance || _o.Issuance)
            {
                (failures ??= []).Add((f, 0));
            }
        }
        foreach (var f in LeafChecks.Check(leaf, _ctx, _peers, failures is not null) ?? [])
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
                // is checked once the path is complete (PathValidator).
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
                Push(cand, own);
                if (TryComplete())
                {
                    return true;
                }
                Pop();
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
            Push(cand, own);
            if (Extend(count))
            {
                return true;
            }
            Pop();
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

    private void Push(Certificate c, Failure[] findings)
    {
        _path.Add(c);
        _findings.Add(findings);
    }

    private void Pop()
    {
        _path.RemoveAt(_path.Count - 1);
        _findings.RemoveAt(_findings.Count - 1);
    }

    /// <summary>RFC 5280 6.1.3 (a)(1): whether <paramref name="issuer"/>'s key verifies <paramref name="child"/>, through the
    /// verifier's signature-outcome cache (a DSA key without parameters takes them from higher up the current path,
    /// RFC 5280 6.1.4 (f)).</summary>
    private VerifyCode CheckSignature(Certificate child, Certificate issuer)
    {
        var key = issuer.PublicKey;
        PublicKeyInfo? source = null;
        if (key.Algorithm == PublicKeyAlgorithm.Dsa && key.DsaParameters is null)
        {
            source = new CandidatePath(_path, _findings, null, false).DsaParameterSource(_path.IndexOf(issuer));
        }
        return _ctx.CheckSignature(child, key, source);
    }

    /// <summary>The findings that fail a certificate wherever it stands: all but the issuance tier's, which decide only
    /// once the path's anchor is known (unless the issuance tier applies everywhere).</summary>
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

    /// <summary>The checks of one certificate on its own for its role: its validity at the validation time, and its
    /// structure and algorithms from the verifier's findings cache.</summary>
    private Failure[] CertChecks(Certificate c, CertRole role) => _ctx.CertificateFindings(c, role);

    /// <summary>Validates the current path (leaf .. anchor) in full (RFC 5280 6.1), then runs the stage after validation
    /// (revocation) on it; records failures; true when valid.</summary>
    private bool TryComplete()
    {
        var anchor = _path[^1];
        // What the trust store says of the anchor travels with the path: its trust settings, and (only where a root
        // program knows the anchor and decides by where it came from) whether it came from the program or the system.
        bool fromProgramOrSystem = _path.Count > 1 && _o.RootProgramScope != RootProgramScope.AllAnchors && _o.RootProgram is { } program
            && anchor.RootProgramEntry(program) is not null && _trust.RootProgramApplies(anchor);
        var candidate = new CandidatePath(_path, _findings, _trust.TrustSettings(anchor), fromProgramOrSystem);
        var outcome = PathValidator.Validate(candidate, _ctx);
        if (!outcome.IsValid)
        {
            RecordAttempt(outcome.Failures);
            return false;
        }
        if (_afterValidation?.Invoke(candidate) is { } late)
        {
            RecordAttempt([late]);
            return false;
        }
        _policies = outcome.Policies;
        _warnings = outcome.Warnings;
        return true;
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
