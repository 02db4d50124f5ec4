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

    /// <summary>What ran out first (null while within budget).</summary>
    public string? Exhausted { get; private set; }

    public bool IsExhausted => Exhausted is not null;

    /// <summary>The failure that reports the exhausted budget.</summary>
    public Failure Failure => new(VerifyCode.BudgetExhausted, "path building budget exhausted: " + (Exhausted ?? "?"), "RFC 4158 (bounded path building)");

    /// <summary>One more signature check; false when over the limit.</summary>
    public bool Signature() => Within(++_signatures <= limits.MaxSignatureChecks, $"more than {limits.MaxSignatureChecks} signature checks");

    /// <summary>One more candidate issuer; false when over the limit.</summary>
    public bool Candidate() => Within(++_candidates <= limits.MaxCandidates, $"more than {limits.MaxCandidates} candidate issuers");

    /// <summary><paramref name="n"/> more name-constraint comparisons; false when over the limit.</summary>
    public bool Comparisons(int n)
    {
        _comparisons += n;
        return Within(_comparisons <= limits.MaxNameConstraintComparisons && _comparisons >= 0, $"more than {limits.MaxNameConstraintComparisons} name-constraint comparisons");
    }

    /// <summary>One more policy tree node; false when over the limit.</summary>
    public bool PolicyNode() => Within(++_policyNodes <= limits.MaxPolicyNodes, $"more than {limits.MaxPolicyNodes} certificate policy tree nodes");

    private bool Within(bool ok, string what)
    {
        if (!ok)
        {
            Exhausted ??= what;
        }
        return ok && Exhausted is null;
    }
}
