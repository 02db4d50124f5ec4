namespace Certitude.Validation;

/// <summary>A failed check, before it is placed in a candidate path.</summary>
internal readonly record struct Failure(VerifyCode Code, string Message, string Rule);
