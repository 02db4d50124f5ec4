using System.Runtime.InteropServices;

namespace Certitude.Signatures;

/// <summary>
/// Which code verifies signatures in this process, chosen once at first use:
/// <list type="bullet">
/// <item><b>native</b> (Linux with OpenSSL's libcrypto in a system library directory): RSA and ECDSA on
/// keys built directly in libcrypto, Ed25519/Ed448 through libcrypto, the rest through
/// System.Security.Cryptography;</item>
/// <item><b>portable</b> (Windows, macOS, a Linux without libcrypto, or when asked for with
/// <c>CERTITUDE_CRYPTO=portable</c> or the AppContext switch <c>Certitude.Crypto.Portable</c>):
/// System.Security.Cryptography only; libcrypto is never loaded, and Ed25519/Ed448 are reported as
/// <see cref="VerifyCode.AlgorithmNotAvailable"/>.</item>
/// </list>
/// Both give the same verdict on every input the portable path can verify (the conformance and
/// differential tests run on both).
/// </summary>
internal static class CryptoPath
{
    /// <summary>The environment variable: <c>portable</c>, or <c>native</c> (the default: native where libcrypto loads).</summary>
    internal const string EnvironmentVariable = "CERTITUDE_CRYPTO";

    /// <summary>The AppContext switch (runtimeconfig.json or <c>AppContext.SetSwitch</c> before first use).</summary>
    internal const string AppContextSwitch = "Certitude.Crypto.Portable";

    /// <summary>The process's choice, read once.</summary>
    internal static readonly Choice Chosen = Choose(
        Environment.GetEnvironmentVariable(EnvironmentVariable),
        AppContext.TryGetSwitch(AppContextSwitch, out bool on) ? on : null);

    /// <summary>Whether portable was asked for, and the text saying why (or what was not understood).</summary>
    internal readonly record struct Choice(bool Portable, string Reason);

    /// <summary>Reads the two settings: portable when either asks for it. Any other value of the variable
    /// keeps the default and is named in the description, so a typo is visible in <c>certitude --version</c>.</summary>
    internal static Choice Choose(string? environment, bool? appContextSwitch)
    {
        if (appContextSwitch == true)
        {
            return new(true, $"AppContext switch {AppContextSwitch}");
        }
        var value = environment?.Trim();
        if (string.Equals(value, "portable", StringComparison.OrdinalIgnoreCase))
        {
            return new(true, $"{EnvironmentVariable}=portable");
        }
        if (string.IsNullOrEmpty(value) || string.Equals(value, "native", StringComparison.OrdinalIgnoreCase))
        {
            return new(false, "");
        }
        // Printed in a description: at most 32 characters of the value.
        var shown = value.Length > 32 ? value[..32] + "…" : value;
        return new(false, $"{EnvironmentVariable}=\"{shown}\" ignored (portable or native)");
    }

    /// <summary>True when this process verifies through libcrypto (native chosen and libcrypto loaded).</summary>
    internal static bool Native => !Chosen.Portable && LibCrypto.IsAvailable;

    private static string? _native;
    private static string? _portable;

    /// <summary>What verifies signatures in this process, e.g. "native: libcrypto OpenSSL 3.0.19 1 Jul 2025
    /// (/usr/lib/x86_64-linux-gnu/libcrypto.so.3)" or "portable: System.Security.Cryptography (CERTITUDE_CRYPTO=portable)".</summary>
    internal static string Description => Native
        ? _native ??= $"native: libcrypto {LibCrypto.VersionText} ({LibCrypto.LoadedFrom}){Suffix("; ")}"
        : _portable ??= $"portable: System.Security.Cryptography{PortableReason()}";

    /// <summary>The description for a verifier made portable in a native process (the tests' hook).</summary>
    internal const string ForcedPortable = "portable: System.Security.Cryptography (chosen for this verifier)";

    private static string Suffix(string separator) => Chosen.Reason.Length == 0 ? "" : separator + Chosen.Reason;

    private static string PortableReason()
    {
        if (Chosen.Portable)
        {
            return $" ({Chosen.Reason})";
        }
        if (!OperatingSystem.IsLinux())
        {
            return $" ({RuntimeInformation.OSDescription}: libcrypto is loaded on Linux only){Suffix("; ")}";
        }
        return $" (no usable libcrypto in {string.Join(", ", LibCrypto.SystemDirectories(RuntimeInformation.ProcessArchitecture))}){Suffix("; ")}";
    }
}
