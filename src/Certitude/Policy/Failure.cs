namespace Certitude;

/// <summary>A failed check, before it is placed in a candidate path. <paramref name="Tier"/> and
/// <paramref name="RuleId"/> are set for profile rules; an <see cref="RuleTier.Issuance"/> failure is an error
/// only where the issuance tier applies, and a warning elsewhere.</summary>
internal readonly record struct Failure(VerifyCode Code, string Message, string Rule, RuleTier Tier = RuleTier.Always, string? RuleId = null)
{
    public bool IsIssuance => Tier == RuleTier.Issuance;
}
