using System.Runtime.InteropServices;

namespace Certitude.Signatures;

/// <summary>
/// The platform's OpenSSL libcrypto, called directly (function pointers, no marshalling):
/// <list type="bullet">
/// <item>Ed25519 and Ed448, which the .NET base library lacks;</item>
/// <item>the RSA public operation and ECDSA verification on keys built straight from their
/// numbers, because importing a key through .NET (or through OpenSSL 3's decoders) costs 90–160 µs
/// on Linux, several times the verification itself. Certitude does the RSA encodings
/// (EMSA-PKCS1-v1_5, EMSA-PSS) itself, so the native part is only modular exponentiation and the
/// ECDSA equation.</item>
/// </list>
/// It is loaded on Linux only, by absolute path from the system library directories (see
/// <see cref="SystemDirectories"/>), and not at all when the portable path is chosen (<see cref="CryptoPath"/>).
/// Where it is not loaded (Windows, macOS, portable), EdDSA is reported as
/// <see cref="VerifyCode.AlgorithmNotAvailable"/> and RSA/ECDSA go through System.Security.Cryptography.
/// </summary>
internal static unsafe partial class LibCrypto
{
    public const int NidEd25519 = 1087;
    public const int NidEd448 = 1088;
    private const int RsaNoPadding = 3;

    private sealed class Api
    {
        public delegate* unmanaged<int, IntPtr, byte*, nuint, IntPtr> NewRawPublicKey;
        public delegate* unmanaged<IntPtr, void> FreeKey;
        public delegate* unmanaged<IntPtr> NewMdCtx;
        public delegate* unmanaged<IntPtr, void> FreeMdCtx;
        public delegate* unmanaged<IntPtr, IntPtr, IntPtr, IntPtr, IntPtr, int> DigestVerifyInit;
        public delegate* unmanaged<IntPtr, byte*, nuint, byte*, nuint, int> DigestVerify;
        public delegate* unmanaged<void> ClearErrors;
        public delegate* unmanaged<nuint> VersionNum;
        public delegate* unmanaged<int, IntPtr> VersionText;

        // Key-level RSA and EC functions (present in OpenSSL 1.1 and 3.x). Null when a build lacks them.
        public delegate* unmanaged<IntPtr> RsaNew;
        public delegate* unmanaged<IntPtr, void> RsaFree;
        public delegate* unmanaged<byte*, int, IntPtr, IntPtr> BnBin2Bn;
        public delegate* unmanaged<IntPtr, void> BnFree;
        public delegate* unmanaged<IntPtr, IntPtr, IntPtr, IntPtr, int> RsaSet0Key;
        public delegate* unmanaged<int, byte*, byte*, IntPtr, int, int> RsaPublicDecrypt;
        public delegate* unmanaged<int, IntPtr> EcKeyNewByCurveName;
        public delegate* unmanaged<IntPtr, void> EcKeyFree;
        public delegate* unmanaged<IntPtr, byte*, nuint, IntPtr, int> EcKeyOct2Key;
        public delegate* unmanaged<int, byte*, int, byte*, int, IntPtr, int> EcdsaVerify;

        // A key on a curve group built once per curve (see CreateEcKey; the group from EcGroupNewByCurveName, below,
        // set here as well so that keys do not depend on the point functions). Null when a build lacks them.
        public delegate* unmanaged<IntPtr> EcKeyNew;
        public delegate* unmanaged<IntPtr, IntPtr, int> EcKeySetGroup;

        public bool HasKeyFunctions => RsaNew != null && EcdsaVerify != null;

        // Point arithmetic for verification against fixed-base tables (see FixedBase). Null when absent.
        public delegate* unmanaged<IntPtr> BnCtxNew;
        public delegate* unmanaged<IntPtr, void> BnCtxFree;
        public delegate* unmanaged<IntPtr, void> BnCtxStart;
        public delegate* unmanaged<IntPtr, IntPtr> BnCtxGet;
        public delegate* unmanaged<IntPtr, void> BnCtxEnd;
        public delegate* unmanaged<IntPtr, IntPtr, IntPtr, IntPtr, IntPtr> BnModInverse;
        public delegate* unmanaged<IntPtr, IntPtr, IntPtr, IntPtr, IntPtr, int> BnModMul;
        public delegate* unmanaged<IntPtr, IntPtr, IntPtr, IntPtr, int> BnNnmod;
        public delegate* unmanaged<IntPtr, IntPtr, int> BnCmp;
        public delegate* unmanaged<IntPtr, int> BnIsZero;
        public delegate* unmanaged<int, IntPtr> EcGroupNewByCurveName;
        public delegate* unmanaged<IntPtr, IntPtr> EcGroupDup;
        public delegate* unmanaged<IntPtr, void> EcGroupFree;
        public delegate* unmanaged<IntPtr, IntPtr, IntPtr, IntPtr, int> EcGroupSetGenerator;
        public delegate* unmanaged<IntPtr, IntPtr> EcGroupGet0Order;
        public delegate* unmanaged<IntPtr, IntPtr> EcGroupGet0Cofactor;
        public delegate* unmanaged<IntPtr, IntPtr> EcGroupGet0Generator;
        public delegate* unmanaged<IntPtr, IntPtr, int> EcGroupPrecomputeMult;
        public delegate* unmanaged<IntPtr, IntPtr> EcGroupMethodOf;
        public delegate* unmanaged<IntPtr> EcGfpMontMethod;
        public delegate* unmanaged<IntPtr, IntPtr> EcKeyGet0PublicKey;
        public delegate* unmanaged<IntPtr, IntPtr> EcPointNew;
        public delegate* unmanaged<IntPtr, void> EcPointFree;
        public delegate* unmanaged<IntPtr, IntPtr, IntPtr, nuint, IntPtr*, IntPtr*, IntPtr, int> EcPointsMul;
        public delegate* unmanaged<IntPtr, IntPtr, IntPtr, IntPtr, IntPtr, int> EcPointAdd;
        public delegate* unmanaged<IntPtr, IntPtr, int> EcPointIsAtInfinity;
        public delegate* unmanaged<IntPtr, IntPtr, IntPtr, IntPtr, IntPtr, int> EcPointGetAffineCoordinates;

        public bool HasPointFunctions => EcPointGetAffineCoordinates != null;
    }

    private static readonly Lazy<Api?> Loaded = new(Load);

    /// <summary>The OpenSSL sonames Certitude uses, newest first.</summary>
    private static readonly string[] SoNames = ["libcrypto.so.3", "libcrypto.so.1.1"];

    /// <summary>The system library directories searched for libcrypto on Linux, for this process's
    /// architecture: the multiarch directories (Debian, Ubuntu), then lib64 (Fedora, RHEL, SUSE) for 64-bit
    /// processes, then /usr/lib and /lib (Alpine, Arch). Never the working directory, LD_LIBRARY_PATH or
    /// the application's directory: a library planted there must not decide any verdict.</summary>
    internal static string[] SystemDirectories(Architecture architecture)
    {
        var triplet = architecture switch
        {
            Architecture.X64 => "x86_64-linux-gnu",
            Architecture.Arm64 => "aarch64-linux-gnu",
            Architecture.Arm => "arm-linux-gnueabihf",
            Architecture.X86 => "i386-linux-gnu",
            Architecture.S390x => "s390x-linux-gnu",
            Architecture.Ppc64le => "powerpc64le-linux-gnu",
            Architecture.RiscV64 => "riscv64-linux-gnu",
            Architecture.LoongArch64 => "loongarch64-linux-gnu",
            _ => null,
        };
        var dirs = new List<string>();
        if (triplet is not null)
        {
            dirs.Add("/usr/lib/" + triplet);
            dirs.Add("/lib/" + triplet);
        }
        if (architecture is not (Architecture.X86 or Architecture.Arm or Architecture.Armv6 or Architecture.Wasm))
        {
            dirs.Add("/usr/lib64");
            dirs.Add("/lib64");
        }
        dirs.Add("/usr/lib");
        dirs.Add("/lib");
        return [.. dirs];
    }

    /// <summary>The absolute paths tried, in order: on Linux each soname in each system directory; elsewhere
    /// none (Windows and macOS use System.Security.Cryptography, so no library search can be hijacked).</summary>
    internal static IEnumerable<string> Candidates(bool linux, Architecture architecture)
    {
        if (!linux)
        {
            yield break;
        }
        foreach (var name in SoNames)
        {
            foreach (var dir in SystemDirectories(architecture))
            {
                yield return dir + "/" + name;
            }
        }
    }

    /// <summary>Whether a candidate may be loaded: it exists and neither it (after symbolic links) nor its
    /// directory can be written by anyone but its owner.</summary>
    private static bool Acceptable(string path)
    {
        try
        {
            var file = new FileInfo(path);
            if (!file.Exists)
            {
                return false;
            }
            var target = file.ResolveLinkTarget(returnFinalTarget: true) as FileInfo ?? file;
            const UnixFileMode writableByOthers = UnixFileMode.GroupWrite | UnixFileMode.OtherWrite;
            return (target.UnixFileMode & writableByOthers) == 0
                && target.Directory is { } dir && (dir.UnixFileMode & writableByOthers) == 0;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>The absolute path libcrypto was loaded from, or null when it was not loaded.</summary>
    internal static string? LoadedFrom { get; private set; }

    private static Api? Load()
    {
        // Chosen once per process: with the portable path chosen, libcrypto is never loaded.
        if (CryptoPath.Chosen.Portable)
        {
            return null;
        }
        foreach (var path in Candidates(OperatingSystem.IsLinux(), RuntimeInformation.ProcessArchitecture))
        {
            // An absolute path: the loader opens exactly this file, with no search.
            if (!Acceptable(path) || !NativeLibrary.TryLoad(path, out var h))
            {
                continue;
            }
            try
            {
                var api = new Api
                {
                    NewRawPublicKey = (delegate* unmanaged<int, IntPtr, byte*, nuint, IntPtr>)NativeLibrary.GetExport(h, "EVP_PKEY_new_raw_public_key"),
                    FreeKey = (delegate* unmanaged<IntPtr, void>)NativeLibrary.GetExport(h, "EVP_PKEY_free"),
                    NewMdCtx = (delegate* unmanaged<IntPtr>)NativeLibrary.GetExport(h, "EVP_MD_CTX_new"),
                    FreeMdCtx = (delegate* unmanaged<IntPtr, void>)NativeLibrary.GetExport(h, "EVP_MD_CTX_free"),
                    DigestVerifyInit = (delegate* unmanaged<IntPtr, IntPtr, IntPtr, IntPtr, IntPtr, int>)NativeLibrary.GetExport(h, "EVP_DigestVerifyInit"),
                    DigestVerify = (delegate* unmanaged<IntPtr, byte*, nuint, byte*, nuint, int>)NativeLibrary.GetExport(h, "EVP_DigestVerify"),
                    ClearErrors = (delegate* unmanaged<void>)NativeLibrary.GetExport(h, "ERR_clear_error"),
                };
                IntPtr F(string export) => NativeLibrary.TryGetExport(h, export, out var p) ? p : IntPtr.Zero;
                var version = F("OpenSSL_version_num");
                if (version != IntPtr.Zero)
                {
                    api.VersionNum = (delegate* unmanaged<nuint>)version;
                }
                var rsaNew = F("RSA_new");
                var rsaFree = F("RSA_free");
                var bin2bn = F("BN_bin2bn");
                var bnFree = F("BN_free");
                var set0 = F("RSA_set0_key");
                var pubDecrypt = F("RSA_public_decrypt");
                var ecNew = F("EC_KEY_new_by_curve_name");
                var ecFree = F("EC_KEY_free");
                var oct2key = F("EC_KEY_oct2key");
                var ecdsaVerify = F("ECDSA_verify");
                if (rsaNew != 0 && rsaFree != 0 && bin2bn != 0 && bnFree != 0 && set0 != 0 && pubDecrypt != 0
                    && ecNew != 0 && ecFree != 0 && oct2key != 0 && ecdsaVerify != 0)
                {
                    api.RsaNew = (delegate* unmanaged<IntPtr>)rsaNew;
                    api.RsaFree = (delegate* unmanaged<IntPtr, void>)rsaFree;
                    api.BnBin2Bn = (delegate* unmanaged<byte*, int, IntPtr, IntPtr>)bin2bn;
                    api.BnFree = (delegate* unmanaged<IntPtr, void>)bnFree;
                    api.RsaSet0Key = (delegate* unmanaged<IntPtr, IntPtr, IntPtr, IntPtr, int>)set0;
                    api.RsaPublicDecrypt = (delegate* unmanaged<int, byte*, byte*, IntPtr, int, int>)pubDecrypt;
                    api.EcKeyNewByCurveName = (delegate* unmanaged<int, IntPtr>)ecNew;
                    api.EcKeyFree = (delegate* unmanaged<IntPtr, void>)ecFree;
                    api.EcKeyOct2Key = (delegate* unmanaged<IntPtr, byte*, nuint, IntPtr, int>)oct2key;
                    api.EcdsaVerify = (delegate* unmanaged<int, byte*, int, byte*, int, IntPtr, int>)ecdsaVerify;
                    var ecKeyNew = F("EC_KEY_new");
                    var setGroup = F("EC_KEY_set_group");
                    var groupByName = F("EC_GROUP_new_by_curve_name");
                    if (ecKeyNew != 0 && setGroup != 0 && groupByName != 0)
                    {
                        api.EcKeyNew = (delegate* unmanaged<IntPtr>)ecKeyNew;
                        api.EcKeySetGroup = (delegate* unmanaged<IntPtr, IntPtr, int>)setGroup;
                        api.EcGroupNewByCurveName = (delegate* unmanaged<int, IntPtr>)groupByName;
                    }
                }
                var versionText = F("OpenSSL_version");
                if (versionText != IntPtr.Zero)
                {
                    api.VersionText = (delegate* unmanaged<int, IntPtr>)versionText;
                }
                LoadPointFunctions(api, F);
                LoadedFrom = path;
                return api;
            }
            catch (EntryPointNotFoundException)
            {
                NativeLibrary.Free(h);
            }
        }
        return null;
    }

    /// <summary>Fills the point-arithmetic entries only when every one of them is exported.</summary>
    private static void LoadPointFunctions(Api api, Func<string, IntPtr> f)
    {
        string[] names =
        [
            "BN_CTX_new", "BN_CTX_free", "BN_CTX_start", "BN_CTX_get", "BN_CTX_end", "BN_mod_inverse",
            "BN_mod_mul", "BN_nnmod", "BN_cmp", "BN_is_zero", "EC_GROUP_new_by_curve_name", "EC_GROUP_dup",
            "EC_GROUP_free", "EC_GROUP_set_generator", "EC_GROUP_get0_order", "EC_GROUP_get0_cofactor",
            "EC_GROUP_get0_generator", "EC_GROUP_precompute_mult", "EC_GROUP_method_of", "EC_GFp_mont_method",
            "EC_KEY_get0_public_key", "EC_POINT_new", "EC_POINT_free", "EC_POINTs_mul", "EC_POINT_add",
            "EC_POINT_is_at_infinity", "EC_POINT_get_affine_coordinates",
        ];
        if (!api.HasKeyFunctions)
        {
            return;
        }
        var p = new IntPtr[names.Length];
        for (int i = 0; i < names.Length; i++)
        {
            p[i] = f(names[i]);
            if (p[i] == IntPtr.Zero)
            {
                return;
            }
        }
        int k = 0;
        api.BnCtxNew = (delegate* unmanaged<IntPtr>)p[k++];
        api.BnCtxFree = (delegate* unmanaged<IntPtr, void>)p[k++];
        api.BnCtxStart = (delegate* unmanaged<IntPtr, void>)p[k++];
        api.BnCtxGet = (delegate* unmanaged<IntPtr, IntPtr>)p[k++];
        api.BnCtxEnd = (delegate* unmanaged<IntPtr, void>)p[k++];
        api.BnModInverse = (delegate* unmanaged<IntPtr, IntPtr, IntPtr, IntPtr, IntPtr>)p[k++];
        api.BnModMul = (delegate* unmanaged<IntPtr, IntPtr, IntPtr, IntPtr, IntPtr, int>)p[k++];
        api.BnNnmod = (delegate* unmanaged<IntPtr, IntPtr, IntPtr, IntPtr, int>)p[k++];
        api.BnCmp = (delegate* unmanaged<IntPtr, IntPtr, int>)p[k++];
        api.BnIsZero = (delegate* unmanaged<IntPtr, int>)p[k++];
        api.EcGroupNewByCurveName = (delegate* unmanaged<int, IntPtr>)p[k++];
        api.EcGroupDup = (delegate* unmanaged<IntPtr, IntPtr>)p[k++];
        api.EcGroupFree = (delegate* unmanaged<IntPtr, void>)p[k++];
        api.EcGroupSetGenerator = (delegate* unmanaged<IntPtr, IntPtr, IntPtr, IntPtr, int>)p[k++];
        api.EcGroupGet0Order = (delegate* unmanaged<IntPtr, IntPtr>)p[k++];
        api.EcGroupGet0Cofactor = (delegate* unmanaged<IntPtr, IntPtr>)p[k++];
        api.EcGroupGet0Generator = (delegate* unmanaged<IntPtr, IntPtr>)p[k++];
        api.EcGroupPrecomputeMult = (delegate* unmanaged<IntPtr, IntPtr, int>)p[k++];
        api.EcGroupMethodOf = (delegate* unmanaged<IntPtr, IntPtr>)p[k++];
        api.EcGfpMontMethod = (delegate* unmanaged<IntPtr>)p[k++];
        api.EcKeyGet0PublicKey = (delegate* unmanaged<IntPtr, IntPtr>)p[k++];
        api.EcPointNew = (delegate* unmanaged<IntPtr, IntPtr>)p[k++];
        api.EcPointFree = (delegate* unmanaged<IntPtr, void>)p[k++];
        api.EcPointsMul = (delegate* unmanaged<IntPtr, IntPtr, IntPtr, nuint, IntPtr*, IntPtr*, IntPtr, int>)p[k++];
        api.EcPointAdd = (delegate* unmanaged<IntPtr, IntPtr, IntPtr, IntPtr, IntPtr, int>)p[k++];
        api.EcPointIsAtInfinity = (delegate* unmanaged<IntPtr, IntPtr, int>)p[k++];
        api.EcPointGetAffineCoordinates = (delegate* unmanaged<IntPtr, IntPtr, IntPtr, IntPtr, IntPtr, int>)p[k++];
    }

    public static bool IsAvailable => Loaded.Value is not null;

    /// <summary>OpenSSL_version(OPENSSL_VERSION), e.g. "OpenSSL 3.0.19 1 Jul 2025", or the version number in hex.</summary>
    internal static string VersionText => Loaded.Value is { VersionText: not null } api && Marshal.PtrToStringUTF8(api.VersionText(0)) is { Length: > 0 } text
        ? text
        : "0x" + VersionNumber.ToString("x", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>OpenSSL_version_num() (0x30000000 for 3.0.0), or 0 when unknown.</summary>
    internal static ulong VersionNumber => Loaded.Value is { VersionNum: not null } api ? api.VersionNum() : 0;

    /// <summary>Whether ECDSA keys on this curve (an OpenSSL NID) that keep verifying get a fixed-base table.</summary>
    internal static bool FixedBaseAppliesTo(int curveNid) => Loaded.Value is { } api && FixedBase.AppliesTo(api, curveNid);

    /// <summary>Whether this key has its fixed-base table (tests).</summary>
    internal static bool HasFixedBaseTable(NativeKey key) => key.Table != IntPtr.Zero;

    /// <summary>True when RSA and ECDSA can be verified on natively built keys.</summary>
    public static bool HasKeyFunctions => Loaded.Value?.HasKeyFunctions == true;

    /// <summary>An RSA or EC_KEY handle. Freed by its finalizer or Dispose; the handle's reference count
    /// keeps it alive while a verification on another thread still uses it.</summary>
    internal sealed class NativeKey : SafeHandle
    {
        private readonly bool _rsa;
        private int _uses;
        private IntPtr _table;

        internal NativeKey(IntPtr handle, bool rsa) : base(IntPtr.Zero, ownsHandle: true)
        {
            SetHandle(handle);
            _rsa = rsa;
        }

        /// <summary>For RSA, the modulus length in bytes (k of RFC 8017).</summary>
        internal int ModulusBytes { get; init; }

        /// <summary>For EC, the curve's OpenSSL NID.</summary>
        internal int CurveNid { get; init; }

        /// <summary>The EC_GROUP whose generator is this key's point, with precomputed multiples (see
        /// <see cref="FixedBase"/>), once built; zero before.</summary>
        internal IntPtr Table => Volatile.Read(ref _table);

        /// <summary>Counts one verification; true exactly once, on the use that should build the table.</summary>
        internal bool CountUse() => Interlocked.Increment(ref _uses) == FixedBase.TableAfterUses;

        /// <summary>Keeps <paramref name="table"/> unless one is already kept; false when the caller must free it.</summary>
        internal bool Keep(IntPtr table) => Interlocked.CompareExchange(ref _table, table, IntPtr.Zero) == IntPtr.Zero;

        public override bool IsInvalid => handle == IntPtr.Zero;

        protected override bool ReleaseHandle()
        {
            var api = Loaded.Value!;
            if (_table != IntPtr.Zero)
            {
                FixedBase.Free(api, _table);
            }
            if (_rsa)
            {
                api.RsaFree(handle);
            }
            else
            {
                api.EcKeyFree(handle);
            }
            return true;
        }
    }

    /// <summary>An RSA public key from its modulus and exponent (unsigned big-endian), or null.</summary>
    public static NativeKey? CreateRsaKey(ReadOnlySpan<byte> modulus, ReadOnlySpan<byte> exponent, int modulusBits)
    {
        var api = Loaded.Value;
        if (api is null || !api.HasKeyFunctions)
        {
            return null;
        }
        var rsa = api.RsaNew();
        if (rsa == IntPtr.Zero)
        {
            return null;
        }
        IntPtr n, e;
        fixed (byte* pn = modulus)
        fixed (byte* pe = exponent)
        {
            n = api.BnBin2Bn(pn, modulus.Length, IntPtr.Zero);
            e = api.BnBin2Bn(pe, exponent.Length, IntPtr.Zero);
        }
        if (n == IntPtr.Zero || e == IntPtr.Zero || api.RsaSet0Key(rsa, n, e, IntPtr.Zero) != 1)
        {
            // RSA_set0_key takes ownership only on success.
            if (n != IntPtr.Zero)
            {
                api.BnFree(n);
            }
            if (e != IntPtr.Zero)
            {
                api.BnFree(e);
            }
            api.RsaFree(rsa);
            api.ClearErrors();
            return null;
        }
        return new NativeKey(rsa, rsa: true) { ModulusBytes = (modulusBits + 7) / 8 };
    }

    /// <summary>RFC 8017 5.2.2 RSAVP1: m = s^e mod n into <paramref name="output"/> (k bytes). False when
    /// the signature is not an integer below n or the operation fails.</summary>
    public static bool RsaPublic(NativeKey key, ReadOnlySpan<byte> signature, Span<byte> output)
    {
        var api = Loaded.Value!;
        if (signature.Length != key.ModulusBytes || output.Length != key.ModulusBytes)
        {
            return false;
        }
        bool added = false;
        try
        {
            key.DangerousAddRef(ref added);
            fixed (byte* s = signature)
            fixed (byte* o = output)
            {
                // OpenSSL rejects s >= n itself (RFC 8017 5.2.2 step 1).
                return api.RsaPublicDecrypt(signature.Length, s, o, key.DangerousGetHandle(), RsaNoPadding) == key.ModulusBytes;
            }
        }
        finally
        {
            if (added)
            {
                key.DangerousRelease();
            }
            api.ClearErrors();
        }
    }

    /// <summary>An EC public key on a named curve from its uncompressed point (SEC 1 2.3.4), or null
    /// when the point is not on the curve.</summary>
    public static NativeKey? CreateEcKey(int curveNid, ReadOnlySpan<byte> point)
    {
        var api = Loaded.Value;
        if (api is null || !api.HasKeyFunctions)
        {
            return null;
        }
        var ec = NewEcKey(api, curveNid);
        if (ec == IntPtr.Zero)
        {
            api.ClearErrors();
            return null;
        }
        int ok;
        fixed (byte* p = point)
        {
            ok = api.EcKeyOct2Key(ec, p, (nuint)point.Length, IntPtr.Zero);
        }
        if (ok != 1)
        {
            api.EcKeyFree(ec);
            api.ClearErrors();
            return null;
        }
        return new NativeKey(ec, rsa: false) { CurveNid = curveNid };
    }

    // The named curve groups, built once per process and kept for its life (six at most, read-only once
    // built). Building a group from the curve's name costs about 9 us on the development machine, as much as
    // the rest of an EC key's import several times over; a key that copies a kept group is the same key.
    private static readonly Dictionary<int, IntPtr> s_curveGroups = [];
    private static readonly Lock s_curveGroupsGate = new();

    /// <summary>An EC_KEY on the named curve: EC_KEY_new and EC_KEY_set_group (which copies the group)
    /// on the process's kept group, or EC_KEY_new_by_curve_name where the build lacks those functions.</summary>
    private static IntPtr NewEcKey(Api api, int curveNid)
    {
        if (api.EcKeyNew == null)
        {
            return api.EcKeyNewByCurveName(curveNid);
        }
        IntPtr group;
        lock (s_curveGroupsGate)
        {
            if (!s_curveGroups.TryGetValue(curveNid, out group))
            {
                group = api.EcGroupNewByCurveName(curveNid);
                if (group == IntPtr.Zero)
                {
                    return IntPtr.Zero;
                }
                s_curveGroups.Add(curveNid, group);
            }
        }
        var ec = api.EcKeyNew();
        if (ec != IntPtr.Zero && api.EcKeySetGroup(ec, group) != 1)
        {
            api.EcKeyFree(ec);
            return IntPtr.Zero;
        }
        return ec;
    }

    /// <summary>ECDSA verification (SEC 1 4.1.4) of a DER Ecdsa-Sig-Value (<paramref name="derSignature"/>,
    /// already checked to be strict DER, and the same r and s as <paramref name="fixedSignature"/>, r||s in
    /// field-sized halves) over a message digest. A key that keeps verifying gets a fixed-base table
    /// (<see cref="FixedBase"/>); the verdict is the same either way.</summary>
    public static bool EcdsaVerify(NativeKey key, ReadOnlySpan<byte> digest, ReadOnlySpan<byte> derSignature, ReadOnlySpan<byte> fixedSignature)
    {
        var api = Loaded.Value!;
        bool added = false;
        try
        {
            key.DangerousAddRef(ref added);
            if (api.HasPointFunctions)
            {
                var table = key.Table;
                if (table == IntPtr.Zero && key.CountUse())
                {
                    table = FixedBase.Build(api, key);
                }
                if (table != IntPtr.Zero && FixedBase.Verify(api, table, key.CurveNid, digest, fixedSignature) is { } verdict)
                {
                    return verdict;
                }
            }
            fixed (byte* d = digest)
            fixed (byte* s = derSignature)
            {
                return api.EcdsaVerify(0, d, digest.Length, s, derSignature.Length, key.DangerousGetHandle()) == 1;
            }
        }
        finally
        {
            if (added)
            {
                key.DangerousRelease();
            }
            api.ClearErrors();
        }
    }

    public static VerifyCode VerifyEdDsa(int nid, ReadOnlySpan<byte> publicKey, ReadOnlySpan<byte> data, ReadOnlySpan<byte> sig)
    {
        var api = Loaded.Value;
        if (api is null)
        {
            // System.Security.Cryptography has no EdDSA: typed, never a signature failure or a success.
            return VerifyCode.AlgorithmNotAvailable;
        }
        if (sig.Length != (nid == NidEd25519 ? 64 : 114))
        {
            return VerifyCode.CertSignatureFailure;
        }
        IntPtr key = IntPtr.Zero, ctx = IntPtr.Zero;
        try
        {
            fixed (byte* pk = publicKey)
            {
                key = api.NewRawPublicKey(nid, IntPtr.Zero, pk, (nuint)publicKey.Length);
            }
            if (key == IntPtr.Zero)
            {
                return VerifyCode.UnableToDecodeIssuerPublicKey;
            }
            ctx = api.NewMdCtx();
            if (ctx == IntPtr.Zero || api.DigestVerifyInit(ctx, IntPtr.Zero, IntPtr.Zero, IntPtr.Zero, key) != 1)
            {
                return VerifyCode.CertSignatureFailure;
            }
            byte dummy = 0;
            fixed (byte* s = sig)
            fixed (byte* d = data)
            {
                byte* dp = d == null ? &dummy : d;
                return api.DigestVerify(ctx, s, (nuint)sig.Length, dp, (nuint)data.Length) == 1 ? VerifyCode.Ok : VerifyCode.CertSignatureFailure;
            }
        }
        finally
        {
            if (ctx != IntPtr.Zero)
            {
                api.FreeMdCtx(ctx);
            }
            if (key != IntPtr.Zero)
            {
                api.FreeKey(key);
            }
            // A failed verification leaves entries on this thread's OpenSSL error queue; other users of
            // libcrypto on the thread (.NET's own crypto among them) must not see them.
            api.ClearErrors();
        }
    }
}
