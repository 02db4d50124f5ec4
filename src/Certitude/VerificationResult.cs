using System.Collections.Frozen;
using System.Text;

namespace Certitude;

/// <summary>One failed check on one candidate path.</summary>
/// <param name="Attempt">Which candidate path (1-based, in the order tried).</param>
/// <param name="CertificateIndex">The certificate at fault: 0 is the leaf.</param>
/// <param name="Code">The code.</param>
/// <param name="Message">What failed.</param>
/// <param name="Rule">The rule it enforces (e.g. "RFC 5280 4.2.1.9").</param>
/// <param name="Certificate">The certificate at fault.</param>
public sealed record VerificationDiagnostic(int Attempt, int CertificateIndex, VerifyCode Code, string Message, string Rule, Certificate? Certificate)
{
    /// <inheritdoc/>
    public override string ToString()
        => $"path #{Attempt}, certificate {CertificateIndex}{(Certificate is null ? "" : $" ({Elide.Value(Certificate.Subject)})")}: {Message} [{Rule}] ({(int)Code}: {VerifyCodes.Describe(Code)})";
}

/// <summary>A rule that the verified path breaks but that was not enforced here: an issuance-tier rule
/// (a CA's duty that protects no relying party, <see cref="RuleTier.Issuance"/>) outside
/// <see cref="VerifyFlags.CabfIssuance"/> and publicly-trusted roots.</summary>
/// <param name="CertificateIndex">The certificate in <see cref="VerificationResult.Path"/> (0 is the leaf).</param>
/// <param name="Code">The code the rule reports when it is enforced.</param>
/// <param name="RuleId">The rule's id in the profile table (e.g. "leaf-cn-in-san").</param>
/// <param name="Rule">The text it enforces (e.g. "CA/B BR 7.1.4.3").</param>
/// <param name="Message">What is wrong.</param>
/// <param name="Certificate">The certificate.</param>
public sealed record VerificationWarning(int CertificateIndex, VerifyCode Code, string RuleId, string Rule, string Message, Certificate? Certificate)
{
    /// <inheritdoc/>
    public override string ToString()
        => $"certificate {CertificateIndex}{(Certificate is null ? "" : $" ({Elide.Value(Certificate.Subject)})")}: {Message} [{Rule}, {RuleId}]";
}

/// <summary>
/// The outcome of a verification. On success, <see cref="Path"/> is the chain from the leaf to the
/// trust anchor. On failure, <see cref="Code"/> is the most specific error over every candidate
/// path, <see cref="FailingCertificateIndex"/> the certificate at fault (0 = leaf) and
/// <see cref="Diagnostics"/> every failed check on every candidate path.
/// </summary>
public sealed class VerificationResult
{
    internal VerificationResult(VerifyCode code, string message, int? index, Certificate? failing, IReadOnlyList<Certificate> path, IReadOnlyList<VerificationDiagnostic> diagnostics,
        string[]? authoritiesConstrainedPolicies = null, string[]? userConstrainedPolicies = null, IReadOnlyList<VerificationWarning>? warnings = null)
    {
        Warnings = warnings ?? [];
        _authoritiesConstrained = authoritiesConstrainedPolicies ?? [];
        _userConstrained = userConstrainedPolicies ?? [];
        Code = code;
        Message = message;
        FailingCertificateIndex = index;
        FailingCertificate = failing;
        Path = path;
        Diagnostics = diagnostics;
    }

    internal static VerificationResult Failed(VerifyCode code, string message) => new(code, message, 0, null, [], []);

    /// <summary>A copy of this result with another message, warnings and incomplete-chain diagnosis (the result
    /// itself never changes once returned).</summary>
    internal VerificationResult With(string message, IncompleteChain? incomplete, IReadOnlyList<VerificationWarning>? warnings = null)
        => new(Code, message, FailingCertificateIndex, FailingCertificate, Path, Diagnostics, _authoritiesConstrained, _userConstrained, warnings ?? Warnings)
        {
            IncompleteChain = incomplete,
            _cryptoPath = _cryptoPath,
        };

    /// <summary>A failure because an issuer is missing, with the diagnosis of <see cref="IncompleteChain"/> when the
    /// certificate lacking its issuer says where the issuer is published; any other result unchanged.</summary>
    internal VerificationResult WithIncompleteChainDiagnosis(CertificatePurpose purpose)
        => Certitude.IncompleteChain.Diagnose(this, purpose) is { } ic ? With($"{Message}: {ic.Sentence()}", ic) : this;

    /// <summary>True when a valid path was found and every requested check passed.</summary>
    public bool IsValid => Code == VerifyCode.Ok;

    /// <summary>The code (OpenSSL's number where one exists).</summary>
    public VerifyCode Code { get; }

    /// <summary>The code's standard text, e.g. "certificate has expired".</summary>
    public string CodeText => VerifyCodes.Describe(Code);

    /// <summary>A human message naming the certificate and what is wrong.</summary>
    public string Message { get; }

    /// <summary>The index of the certificate at fault in the candidate path (0 = leaf), if any.</summary>
    public int? FailingCertificateIndex { get; }

    /// <summary>The certificate at fault, if any.</summary>
    public Certificate? FailingCertificate { get; }

    /// <summary>The verified path, leaf first, anchor last (the closest candidate path on failure, possibly empty).</summary>
    public IReadOnlyList<Certificate> Path { get; }

    /// <summary>Every failed check on every candidate path.</summary>
    public IReadOnlyList<VerificationDiagnostic> Diagnostics { get; }

    /// <summary>Rules of the issuance tier that the verified path breaks, not enforced here (empty on failure and when none),
    /// and, for a chain completed with an intermediate fetched from a caIssuers URL, the warning
    /// "completed with an intermediate fetched from http://…" (rule id <c>aia-fetched</c>).</summary>
    public IReadOnlyList<VerificationWarning> Warnings { get; }

    /// <summary>Set when verification failed because an issuer is missing (codes 20 and 2) and the certificate lacking
    /// it carries a caIssuers URL (RFC 5280 4.2.2.1): the certificate, the missing issuer's name, where it is
    /// published and, when the caller fetched it, what the fetch did (<see cref="Certitude.IncompleteChain.Fetches"/>).
    /// Also set on a result the TLS layer repaired by fetching (<see cref="Certitude.IncompleteChain.Repaired"/>).
    /// Null otherwise.</summary>
    public IncompleteChain? IncompleteChain { get; private init; }

    /// <summary>What verified the signatures: "native: libcrypto OpenSSL … (its path)" (Linux) or
    /// "portable: System.Security.Cryptography (why)" (Windows, macOS, <c>CERTITUDE_CRYPTO=portable</c>,
    /// the AppContext switch <c>Certitude.Crypto.Portable</c>, or no libcrypto). Both give the same verdicts;
    /// only the portable path lacks Ed25519/Ed448 (<see cref="VerifyCode.AlgorithmNotAvailable"/>).</summary>
    public string CryptoPath
    {
        get => _cryptoPath ?? Signatures.CryptoPath.Description;
        internal set => _cryptoPath = value;
    }

    private string? _cryptoPath;

    /// <summary>RFC 5280 6.1.6: the authorities-constrained policy set of the verified path (policy OIDs;
    /// "2.5.29.32.0" is anyPolicy). Empty when no policy is valid for the path, or on failure.</summary>
    public IReadOnlySet<string> AuthoritiesConstrainedPolicies => _authoritiesConstrainedSet ??= _authoritiesConstrained.ToFrozenSet(StringComparer.Ordinal);

    /// <summary>RFC 5280 6.1.6: the user-constrained policy set (the valid policy tree's leaf policies after
    /// the caller's initial policy set was applied). Empty when none, or on failure.</summary>
    public IReadOnlySet<string> UserConstrainedPolicies => _userConstrainedSet ??= _userConstrained.ToFrozenSet(StringComparer.Ordinal);

    // The policy sets are built as sets only when asked for: most callers never look.
    private readonly string[] _authoritiesConstrained;
    private readonly string[] _userConstrained;
    private FrozenSet<string>? _authoritiesConstrainedSet;
    private FrozenSet<string>? _userConstrainedSet;

    /// <summary>A multi-line explanation: the verdict, then every diagnostic.</summary>
    public string Explain()
    {
        var sb = new StringBuilder();
        sb.AppendLine(ToString());
        foreach (var d in Diagnostics)
        {
            sb.Append("  ").AppendLine(d.ToString());
        }
        foreach (var w in Warnings)
        {
            sb.Append("  warning: ").AppendLine(w.ToString());
        }
        if (IncompleteChain is { } ic)
        {
            sb.Append("  incomplete chain: certificate ").Append(ic.CertificateIndex).Append(" (").Append(Elide.Value(ic.Certificate.Subject))
                .Append("): ").AppendLine(ic.Sentence());
            foreach (var f in ic.Fetches)
            {
                sb.Append("  fetch: ").AppendLine(f.ToString());
            }
        }
        sb.Append("  signatures: ").AppendLine(CryptoPath);
        return sb.ToString();
    }

    /// <inheritdoc/>
    public override string ToString() => IsValid ? "OK" : $"error {(int)Code} ({CodeText}): {Message}";
}
