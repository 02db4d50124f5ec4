using System.Net.Security;
using System.Reflection;
using System.Runtime.InteropServices;
using Certitude.Signatures;

namespace Certitude.Tls;

/// <summary>
/// Whether the platform resumed the TLS session of an <see cref="SslStream"/>: on Linux (OpenSSL), OpenSSL's
/// <c>SSL_session_reused</c> for the stream's SSL object, read through the .NET runtime's own OpenSSL shim. A resumed
/// session authenticates with the original handshake's identity (RFC 8446 2.2, RFC 5246 7.3) and OpenSSL gives the
/// server the client's leaf alone. Elsewhere, or when the runtime's internals cannot be read, the answer is "not
/// resumed": a leaf sent alone is then verified as sent, never completed from an earlier connection.
/// </summary>
internal static unsafe class SessionResumption
{
    // SslStream's native context (on Linux a SafeHandle over OpenSSL's SSL*). The literal name lets the trimmer keep the field.
    private static readonly FieldInfo? ContextField = typeof(SslStream).GetField("_securityContext", BindingFlags.NonPublic | BindingFlags.Instance);
    private static readonly delegate* unmanaged<IntPtr, int> SessionReused = Load();

    private static delegate* unmanaged<IntPtr, int> Load()
    {
        if (!OperatingSystem.IsLinux())
        {
            return null;
        }
        try
        {
            // The runtime's shim (framework-dependent apps), else libssl itself (Native AOT links the shim statically).
            var shim = Path.Combine(RuntimeEnvironment.GetRuntimeDirectory(), "libSystem.Security.Cryptography.Native.OpenSsl.so");
            if (NativeLibrary.TryLoad(shim, out var h) && NativeLibrary.TryGetExport(h, "CryptoNative_SslSessionReused", out var f))
            {
                return (delegate* unmanaged<IntPtr, int>)f;
            }
            string? maps = null;
            try
            {
                maps = File.ReadAllText("/proc/self/maps");
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
            }
            if (LibSslExport(maps) is var g && g != IntPtr.Zero)
            {
                return (delegate* unmanaged<IntPtr, int>)g;
            }
        }
        catch (Exception)
        {
            // Whatever goes wrong here (this runs in the type's initializer, where an exception would break every
            // verification that asks), the answer is "cannot tell": a leaf sent alone is verified as sent.
        }
        return null;
    }

    /// <summary>libssl's <c>SSL_session_reused</c> from the first of <see cref="LibSslCandidates"/> that loads and has it
    /// (the path Native AOT takes), or zero.</summary>
    /// <param name="maps">The process's memory map, or null.</param>
    /// <returns>The function's address, or zero.</returns>
    internal static IntPtr LibSslExport(string? maps)
    {
        foreach (var path in LibSslCandidates(maps, RuntimeInformation.ProcessArchitecture))
        {
            // An absolute path: the loader opens exactly this file (or returns the copy already loaded), no search.
            if (File.Exists(path) && NativeLibrary.TryLoad(path, out var ssl) && NativeLibrary.TryGetExport(ssl, "SSL_session_reused", out var g))
            {
                return g;
            }
        }
        return IntPtr.Zero;
    }

    /// <summary>
    /// Where libssl is taken from, as absolute paths only (never a library search by name, which the working
    /// directory, <c>LD_LIBRARY_PATH</c> or the application's directory could answer): first the libssl this process
    /// has already mapped (<paramref name="maps"/>, the text of <c>/proc/self/maps</c>): the one the runtime's
    /// SslStream uses, so the SSL object is asked by the library that made it; then each soname in the system library
    /// directories the core's libcrypto loading uses (<see cref="LibCrypto.SystemDirectories"/>).
    /// </summary>
    /// <param name="maps">The process's memory map, or null when it cannot be read.</param>
    /// <param name="architecture">The process's architecture.</param>
    /// <returns>The absolute paths to try, in order.</returns>
    internal static IEnumerable<string> LibSslCandidates(string? maps, Architecture architecture)
    {
        // The OpenSSL sonames of libssl, newest first. (A local, not a static field: Load runs from this class's static
        // initializer, before fields declared after it are set; Native AOT, where the runtime's shim is linked in
        // statically, always reaches this fallback.)
        string[] sslSoNames = ["libssl.so.3", "libssl.so.1.1"];
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var line in (maps ?? "").Split('\n'))
        {
            // "address perms offset dev inode path": the path is what follows the fifth field, when absolute.
            var slash = line.IndexOf(" /", StringComparison.Ordinal);
            if (slash < 0)
            {
                continue;
            }
            var path = line[(slash + 1)..].Trim();
            if (sslSoNames.Contains(Path.GetFileName(path), StringComparer.Ordinal) && seen.Add(path))
            {
                yield return path;
            }
        }
        foreach (var name in sslSoNames)
        {
            foreach (var dir in LibCrypto.SystemDirectories(architecture))
            {
                var path = dir + "/" + name;
                if (seen.Add(path))
                {
                    yield return path;
                }
            }
        }
    }

    /// <summary>True when the platform reports the stream's session as resumed; false when it does not or cannot tell.</summary>
    public static bool IsResumed(SslStream? stream)
    {
        if (stream is null || SessionReused == null || ContextField is null)
        {
            return false;
        }
        try
        {
            if (ContextField.GetValue(stream) is not SafeHandle handle || handle.IsInvalid || handle.IsClosed)
            {
                return false;
            }
            bool added = false;
            try
            {
                handle.DangerousAddRef(ref added);
                return SessionReused(handle.DangerousGetHandle()) == 1;
            }
            finally
            {
                if (added)
                {
                    handle.DangerousRelease();
                }
            }
        }
        catch (Exception e) when (e is ObjectDisposedException or InvalidOperationException or ArgumentException or FieldAccessException)
        {
            return false;
        }
    }
}
