using Certitude.Signatures;

namespace Certitude.Validation;

/// <summary>
/// Counters for one verification (RFC 4158 path building is bounded by these). Using one up is a result, not an
/// exception: the counter that ran out answers false, <see cref="IsExhausted"/> turns true, and every stage stops
/// at its next check and reports <see cref="Failure"/> (<see cref="VerifyCode.BudgetExhausted"/>).
/// </summary>
internal sealed class Budget(VerificationBudget limits)
{
    private int _signatures;
    private int _candidates;
    private int _comparisons;
    private int _policyNodes;
    private Counter _exhausted;

    private enum Counter
    {
        None,
        Signatures,
        Candidates,
        Comparisons,
        PolicyNodes,
    }

    /// <summary>What ran out first (null while within budget). The text is made only when asked for: the
    /// counters are touched on every step of every verification and must not allocate.</summary>
    public string? Exhausted => _exhausted switch
    {
        Counter.None => null,
        Counter.Signatures => $"more than {limits.MaxSignatureChecks} signature checks",
        Counter.Candidates => $"more than {limits.MaxCandidates} candidate issuers",
        Counter.Comparisons => $"more than {limits.MaxNameConstraintComparisons} name-constraint comparisons",
        _ => $"more than {limits.MaxPolicyNodes} certificate policy tree nodes",
    };

    public bool IsExhausted => _exhausted != Counter.None;

    /// <summary>The failure that reports the exhausted budget.</summary>
    public Failure Failure => new(VerifyCode.BudgetExhausted, "path building budget exhausted: " + (Exhausted ?? "?"), "RFC 4158 (bounded path building)");

    // The signature checks charged so far, told apart by 128 bits of their identity (the first word of the key's digest
    // and of the signed object's, CryptoCache.SignatureId): a check repeated within one verification (the same pair on
    // another path, copies of one issuer, a CRL looked at for two distribution points) is charged once, whether or not
    // the verifier's cache holds its outcome, so a warm cache never changes a verdict. The first four are held inline
    // (an ordinary path makes two or three checks), more in a set.
    private Charged _charged;
    private HashSet<(ulong, ulong)>? _chargedMany;
    private int _chargedCount;

    [System.Runtime.CompilerServices.InlineArray(4)]
    private struct Charged
    {
        private (ulong, ulong) _first;
    }

    /// <summary>One more signature check, unless this one was charged already; false when over the limit.</summary>
    public bool Signature(CryptoCache.SignatureId id)
    {
        var print = id.Fingerprint;
        if (_chargedMany is not null ? _chargedMany.Contains(print) : ((ReadOnlySpan<(ulong, ulong)>)_charged)[.._chargedCount].Contains(print))
        {
            return true;
        }
        if (!Within(++_signatures <= limits.MaxSignatureChecks, Counter.Signatures))
        {
            return false;
        }
        if (_chargedMany is not null)
        {
            _chargedMany.Add(print);
        }
        else if (_chargedCount < 4)
        {
            _charged[_chargedCount++] = print;
        }
        else
        {
            _chargedMany = [.. (ReadOnlySpan<(ulong, ulong)>)_charged, print];
        }
        return true;
    }

    /// <summary>One more candidate issuer; false when over the limit.</summary>
    public bool Candidate() => Within(++_candidates <= limits.MaxCandidates, Counter.Candidates);

    /// <summary><paramref name="n"/> more name-constraint comparisons; false when over the limit.</summary>
    public bool Comparisons(int n)
    {
        _comparisons += n;
        return Within(_comparisons <= limits.MaxNameConstraintComparisons && _comparisons >= 0, Counter.Comparisons);
    }

    /// <summary>One more policy tree node; false when over the limit.</summary>
    public bool PolicyNode() => Within(++_policyNodes <= limits.MaxPolicyNodes, Counter.PolicyNodes);

    private bool Within(bool ok, Counter which)
    {
        if (!ok && _exhausted == Counter.None)
        {
            _exhausted = which;
        }
        return ok && _exhausted == Counter.None;
    }
}
