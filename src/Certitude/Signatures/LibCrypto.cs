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
/// Where libcrypto cannot be loaded (Windows, macOS without OpenSSL), EdDSA is reported as an
/// unsupported algorithm and RSA/ECDSA go through System.Security.Cryptography.
/// </summary>
internal static unsafe class LibCrypto
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

        public bool HasKeyFunctions => RsaNew != null && EcdsaVerify != null;
    }

    private static readonly Lazy<Api?> Loaded = new(Load);

    private static Api? Load()
    {
        foreach (var name in new[] { "libcrypto.so.3", "libcrypto.so.1.1", "libcrypto.3.dylib", "libcrypto-3-x64.dll", "libcrypto" })
        {
            if (!NativeLibrary.TryLoad(name, out var h))
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
                }
                return api;
            }
            catch (EntryPointNotFoundException)
            {
                NativeLibrary.Free(h);
            }
        }
        return null;
    }

    public static bool IsAvailable => Loaded.Value is not null;

    /// <summary>True when RSA and ECDSA can be verified on natively built keys.</summary>
    public static bool HasKeyFunctions => Loaded.Value?.HasKeyFunctions == true;

    /// <summary>An RSA or EC_KEY handle. Freed by its finalizer or Dispose; the handle's reference count
    /// keeps it alive while a verification on another thread still uses it.</summary>
    internal sealed class NativeKey : SafeHandle
    {
        private readonly bool _rsa;

        internal NativeKey(IntPtr handle, bool rsa) : base(IntPtr.Zero, ownsHandle: true)
        {
            SetHandle(handle);
            _rsa = rsa;
        }

        /// <summary>For RSA, the modulus length in bytes (k of RFC 8017).</summary>
        internal int ModulusBytes { get; init; }

        public override bool IsInvalid => handle == IntPtr.Zero;

        protected override bool ReleaseHandle()
        {
            var api = Loaded.Value!;
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
        var ec = api.EcKeyNewByCurveName(curveNid);
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
        return new NativeKey(ec, rsa: false);
    }

    /// <summary>ECDSA verification (SEC 1 4.1.4) of a DER Ecdsa-Sig-Value over a message digest.</summary>
    public static bool EcdsaVerify(NativeKey key, ReadOnlySpan<byte> digest, ReadOnlySpan<byte> derSignature)
    {
        var api = Loaded.Value!;
        bool added = false;
        try
        {
            key.DangerousAddRef(ref added);
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
            return VerifyCode.UnsupportedSignatureAlgorithm;
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
