namespace Certitude.Building;

/// <summary>Thrown inside one verification when its budget is used up; never escapes the verifier.</summary>
internal sealed class BudgetExhaustedException(string what) : Exception("path building budget exhausted: " + what)
{
    public string What { get; } = what;
}

/// <summary>Counters for one verification (RFC 4158 path building is bounded by these).</summary>
internal sealed class Budget(VerificationBudget limits)
{
    private int _signatures;
    private int _candidates;
    private int _comparisons;
    private int _policyNodes;

    public void Signature()
    {
        if (++_signatures > limits.MaxSignatureChecks)
        {
            throw new BudgetExhaustedException($"more than {limits.MaxSignatureChecks} signature checks");
        }
    }

    public void Candidate()
    {
        if (++_candidates > limits.MaxCandidates)
        {
            throw new BudgetExhaustedException($"more than {limits.MaxCandidates} candidate issuers");
        }
    }

    public void Comparisons(int n)
    {
        _comparisons += n;
        if (_comparisons > limits.MaxNameConstraintComparisons || _comparisons < 0)
        {
            throw new BudgetExhaustedException($"more than {limits.MaxNameConstraintComparisons} name-constraint comparisons");
        }
    }

    public void PolicyNode()
    {
        if (++_policyNodes > limits.MaxPolicyNodes)
        {
            throw new BudgetExhaustedException($"more than {limits.MaxPolicyNodes} certificate policy tree nodes");
        }
    }
}
