using Certitude.Validation;

namespace Certitude.Building;

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

    /// <summary>One more signature check; false when over the limit.</summary>
    public bool Signature() => Within(++_signatures <= limits.MaxSignatureChecks, Counter.Signatures);

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
