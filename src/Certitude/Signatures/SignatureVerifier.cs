using System.Formats.Asn1;
using System.Numerics;
using System.Runtime.InteropServices;
using System.Security.Cryptography;

namespace Certitude.Signatures;

/// <summary>
/// Verifies a signature with the issuer's public key. RSA PKCS#1 v1.5, RSA-PSS with the
/// standard parameters, ECDSA and DSA use System.Security.Cryptography; RSA-PSS with other salt
/// or MGF1 parameters is checked by EMSA-PSS-VERIFY (RFC 8017 9.1.2) over the RSA public
/// operation; Ed25519/Ed448, which the base library lacks, go to the platform's libcrypto.
/// </summary>
internal static class SignatureVerifier
{
    /// <summary>Verifies through the verifier's cache: a known outcome for the same inputs is reused,
    /// and imported keys are pooled. <c>dataDigest</c> is the SHA-256 of <c>data</c>, computed once by
    /// the certificate or CRL that owns the bytes.</summary>
    public static VerifyCode Verify(CryptoCache? cache, PublicKeyInfo key, SignatureAlgorithm alg, ReadOnlySpan<byte> data, ReadOnlySpan<byte> dataDigest, ReadOnlySpan<byte> signature, PublicKeyInfo? dsaParameterSource = null)
    {
        if (cache is null)
        {
            return Verify(key, alg, data, signature, dsaParameterSource);
        }
        var id = CryptoCache.SignatureKey(key.RawData.Span, dsaParameterSource is null ? default : dsaParameterSource.RawData.Span, alg.RawData.Span, signature, dataDigest);
        if (cache.TryGetSignature(id, out var known))
        {
            return known;
        }
        var code = VerifyCore(cache, key, alg, data, signature, dsaParameterSource);
        cache.StoreSignature(id, code);
        return code;
    }

    public static VerifyCode Verify(PublicKeyInfo key, SignatureAlgorithm alg, ReadOnlySpan<byte> data, ReadOnlySpan<byte> signature, PublicKeyInfo? dsaParameterSource = null)
        => VerifyCore(null, key, alg, data, signature, dsaParameterSource);

    private static VerifyCode VerifyCore(CryptoCache? cache, PublicKeyInfo key, SignatureAlgorithm alg, ReadOnlySpan<byte> data, ReadOnlySpan<byte> signature, PublicKeyInfo? dsaParameterSource)
    {
        try
        {
            return alg.Scheme switch
            {
                SignatureScheme.RsaPkcs1 when key.Algorithm == PublicKeyAlgorithm.Rsa => Rsa(cache, key, data, signature, alg.Hash, RSASignaturePadding.Pkcs1),
                SignatureScheme.RsaPss when key.Algorithm is PublicKeyAlgorithm.Rsa or PublicKeyAlgorithm.RsaPss => Pss(cache, key, alg, data, signature),
                SignatureScheme.Ecdsa when key.Algorithm == PublicKeyAlgorithm.EC => Ecdsa(cache, key, data, signature, alg.Hash),
                SignatureScheme.Dsa when key.Algorithm == PublicKeyAlgorithm.Dsa => Dsa(key, data, signature, alg.Hash, dsaParameterSource),
                SignatureScheme.Ed25519 when key.Algorithm == PublicKeyAlgorithm.Ed25519 => LibCrypto.VerifyEdDsa(LibCrypto.NidEd25519, key.KeyBytes, data, signature),
                SignatureScheme.Ed448 when key.Algorithm == PublicKeyAlgorithm.Ed448 => LibCrypto.VerifyEdDsa(LibCrypto.NidEd448, key.KeyBytes, data, signature),
                SignatureScheme.Unknown => VerifyCode.UnsupportedSignatureAlgorithm,
                _ => VerifyCode.SignatureAlgorithmMismatch,
            };
        }
        catch (CryptographicException)
        {
            return VerifyCode.CertSignatureFailure;
        }
        catch (PlatformNotSupportedException)
        {
            return VerifyCode.UnsupportedSignatureAlgorithm;
        }
    }

    private static VerifyCode Rsa(CryptoCache? cache, PublicKeyInfo key, ReadOnlySpan<byte> data, ReadOnlySpan<byte> sig, HashAlgorithmName hash, RSASignaturePadding padding)
    {
        static AsymmetricAlgorithm Import(PublicKeyInfo key)
        {
            var rsa = System.Security.Cryptography.RSA.Create();
            rsa.ImportParameters(new RSAParameters { Modulus = key.RsaModulus, Exponent = key.RsaExponent });
            return rsa;
        }
        if (cache is null)
        {
            using var own = (RSA)Import(key);
            return own.VerifyData(data, sig, hash, padding) ? VerifyCode.Ok : VerifyCode.CertSignatureFailure;
        }
        var rented = (RSA)cache.Rent(key.RawData.Span, () => Import(key), out var token);
        try
        {
            return rented.VerifyData(data, sig, hash, padding) ? VerifyCode.Ok : VerifyCode.CertSignatureFailure;
        }
        finally
        {
            cache.Return(token, rented);
        }
    }

    private static VerifyCode Ecdsa(CryptoCache? cache, PublicKeyInfo key, ReadOnlySpan<byte> data, ReadOnlySpan<byte> sig, HashAlgorithmName hash)
    {
        static AsymmetricAlgorithm Import(PublicKeyInfo key)
        {
            var ec = ECDsa.Create();
            ec.ImportSubjectPublicKeyInfo(key.RawData.Span, out _);
            return ec;
        }
        if (cache is null)
        {
            using var own = (ECDsa)Import(key);
            return EcVerify(own, data, sig, hash);
        }
        var rented = (ECDsa)cache.Rent(key.RawData.Span, () => Import(key), out var token);
        try
        {
            return EcVerify(rented, data, sig, hash);
        }
        finally
        {
            cache.Return(token, rented);
        }
    }

    private static VerifyCode EcVerify(ECDsa ec, ReadOnlySpan<byte> data, ReadOnlySpan<byte> sig, HashAlgorithmName hash)
    {
        var fixedSig = StrictDerToFixed(sig, (ec.KeySize + 7) / 8);
        return fixedSig is not null && ec.VerifyData(data, fixedSig, hash, DSASignatureFormat.IeeeP1363FixedFieldConcatenation) ? VerifyCode.Ok : VerifyCode.CertSignatureFailure;
    }

    private static VerifyCode Dsa(PublicKeyInfo key, ReadOnlySpan<byte> data, ReadOnlySpan<byte> sig, HashAlgorithmName hash, PublicKeyInfo? parameterSource)
    {
        using var dsa = System.Security.Cryptography.DSA.Create();
        if (key.DsaParameters is null)
        {
            // RFC 3279 2.3.2 / RFC 5280 6.1.4 (f): parameters inherited from the issuer's key.
            if (parameterSource?.DsaParameters is not { } inherited)
            {
                return VerifyCode.UnableToDecodeIssuerPublicKey;
            }
            var pr = new System.Formats.Asn1.AsnReader(inherited, System.Formats.Asn1.AsnEncodingRules.DER).ReadSequence();
            var p = pr.ReadIntegerBytes().ToArray();
            var q = pr.ReadIntegerBytes().ToArray();
            var g = pr.ReadIntegerBytes().ToArray();
            var y = new System.Formats.Asn1.AsnReader(key.KeyBytes, System.Formats.Asn1.AsnEncodingRules.DER).ReadIntegerBytes().ToArray();
            static byte[] T(byte[] b) => b.Length > 1 && b[0] == 0 ? b[1..] : b;
            p = T(p);
            int len = p.Length;
            dsa.ImportParameters(new DSAParameters { P = p, Q = T(q), G = Pad(T(g), len), Y = Pad(T(y), len) });
        }
        else
        {
            dsa.ImportSubjectPublicKeyInfo(key.RawData.Span, out _);
        }
        var fixedSig = StrictDerToFixed(sig, dsa.ExportParameters(false).Q!.Length);
        return fixedSig is not null && dsa.VerifyData(data, fixedSig, hash, DSASignatureFormat.IeeeP1363FixedFieldConcatenation) ? VerifyCode.Ok : VerifyCode.CertSignatureFailure;
    }

    /// <summary>RFC 3279 2.2.2/2.2.3: Dss-Sig-Value / ECDSA-Sig-Value ::= SEQUENCE { r INTEGER, s INTEGER },
    /// read as strict DER (so no alternative encoding of one signature verifies) and turned into r||s.</summary>
    private static byte[]? StrictDerToFixed(ReadOnlySpan<byte> der, int fieldBytes)
    {
        try
        {
            AsnDecoder.ReadSequence(der, AsnEncodingRules.DER, out int offset, out int length, out int consumed);
            if (consumed != der.Length)
            {
                return null;
            }
            var inner = der.Slice(offset, length);
            var r = AsnDecoder.ReadIntegerBytes(inner, AsnEncodingRules.DER, out int used);
            var s = AsnDecoder.ReadIntegerBytes(inner[used..], AsnEncodingRules.DER, out int used2);
            if (used + used2 != inner.Length || r.IsEmpty || s.IsEmpty || (r[0] & 0x80) != 0 || (s[0] & 0x80) != 0)
            {
                return null;
            }
            if (r.Length > 1 && r[0] == 0)
            {
                r = r[1..];
            }
            if (s.Length > 1 && s[0] == 0)
            {
                s = s[1..];
            }
            if (r.Length > fieldBytes || s.Length > fieldBytes)
            {
                return null;
            }
            var result = new byte[2 * fieldBytes];
            r.CopyTo(result.AsSpan(fieldBytes - r.Length));
            s.CopyTo(result.AsSpan(2 * fieldBytes - s.Length));
            return result;
        }
        catch (AsnContentException)
        {
            return null;
        }
    }

    private static byte[] Pad(byte[] b, int len)
    {
        if (b.Length >= len)
        {
            return b;
        }
        var r = new byte[len];
        b.CopyTo(r, len - b.Length);
        return r;
    }

    private static VerifyCode Pss(CryptoCache? cache, PublicKeyInfo key, SignatureAlgorithm alg, ReadOnlySpan<byte> data, ReadOnlySpan<byte> sig)
    {
        if (alg.MgfHash == alg.Hash && alg.SaltLength == alg.HashBytes)
        {
            return Rsa(cache, key, data, sig, alg.Hash, RSASignaturePadding.Pss);
        }
        return EmsaPssVerify(key, alg, data, sig) ? VerifyCode.Ok : VerifyCode.CertSignatureFailure;
    }

    /// <summary>RFC 8017 8.1.2 and 9.1.2 for arbitrary salt length and MGF1 hash.</summary>
    private static bool EmsaPssVerify(PublicKeyInfo key, SignatureAlgorithm alg, ReadOnlySpan<byte> message, ReadOnlySpan<byte> sig)
    {
        var n = new BigInteger(key.RsaModulus, isUnsigned: true, isBigEndian: true);
        var e = new BigInteger(key.RsaExponent, isUnsigned: true, isBigEndian: true);
        int k = key.RsaModulus!.Length;
        if (sig.Length != k)
        {
            return false;
        }
        var s = new BigInteger(sig, isUnsigned: true, isBigEndian: true);
        if (s >= n)
        {
            return false;
        }
        var m = BigInteger.ModPow(s, e, n);
        int modBits = key.KeySizeBits;
        int emBits = modBits - 1;
        int emLen = (emBits + 7) / 8;
        var mBytes = m.ToByteArray(isUnsigned: true, isBigEndian: true);
        if (mBytes.Length > emLen)
        {
            return false;
        }
        var em = new byte[emLen];
        mBytes.CopyTo(em, emLen - mBytes.Length);
        int hLen = alg.HashBytes, sLen = alg.SaltLength;
        var mHash = Hash(alg.Hash, message);
        if (emLen < hLen + sLen + 2 || em[^1] != 0xBC)
        {
            return false;
        }
        int dbLen = emLen - hLen - 1;
        var maskedDb = em.AsSpan(0, dbLen);
        var h = em.AsSpan(dbLen, hLen);
        int zeroBits = 8 * emLen - emBits;
        if ((maskedDb[0] & (0xFF << (8 - zeroBits)) & 0xFF) != 0)
        {
            return false;
        }
        var db = Mgf1(alg.MgfHash, h, dbLen);
        for (int i = 0; i < dbLen; i++)
        {
            db[i] ^= maskedDb[i];
        }
        db[0] &= (byte)(0xFF >> zeroBits);
        int psLen = emLen - hLen - sLen - 2;
        for (int i = 0; i < psLen; i++)
        {
            if (db[i] != 0)
            {
                return false;
            }
        }
        if (db[psLen] != 0x01)
        {
            return false;
        }
        var mPrime = new byte[8 + hLen + sLen];
        mHash.CopyTo(mPrime, 8);
        db.AsSpan(dbLen - sLen).CopyTo(mPrime.AsSpan(8 + hLen));
        var hPrime = Hash(alg.Hash, mPrime);
        return CryptographicOperations.FixedTimeEquals(hPrime, h);
    }

    private static byte[] Mgf1(HashAlgorithmName hash, ReadOnlySpan<byte> seed, int len)
    {
        var output = new byte[len];
        var buf = new byte[seed.Length + 4];
        seed.CopyTo(buf);
        int pos = 0;
        for (uint counter = 0; pos < len; counter++)
        {
            buf[^4] = (byte)(counter >> 24);
            buf[^3] = (byte)(counter >> 16);
            buf[^2] = (byte)(counter >> 8);
            buf[^1] = (byte)counter;
            var block = Hash(hash, buf);
            int take = Math.Min(block.Length, len - pos);
            block.AsSpan(0, take).CopyTo(output.AsSpan(pos));
            pos += take;
        }
        return output;
    }

    private static byte[] Hash(HashAlgorithmName h, ReadOnlySpan<byte> data)
    {
        if (h == HashAlgorithmName.SHA1)
        {
            return SHA1.HashData(data);
        }
        if (h == HashAlgorithmName.SHA256)
        {
            return SHA256.HashData(data);
        }
        if (h == HashAlgorithmName.SHA384)
        {
            return SHA384.HashData(data);
        }
        if (h == HashAlgorithmName.SHA512)
        {
            return SHA512.HashData(data);
        }
        throw new CryptographicException("unsupported hash " + h.Name);
    }
}

/// <summary>Ed25519 and Ed448 verification through the platform's OpenSSL libcrypto (the .NET base
/// library has no EdDSA). Where libcrypto cannot be loaded, EdDSA signatures are reported as an
/// unsupported algorithm, never as valid.</summary>
internal static unsafe class LibCrypto
{
    public const int NidEd25519 = 1087;
    public const int NidEd448 = 1088;

    private sealed class Api
    {
        public delegate* unmanaged<int, IntPtr, byte*, nuint, IntPtr> NewRawPublicKey;
        public delegate* unmanaged<IntPtr, void> FreeKey;
        public delegate* unmanaged<IntPtr> NewMdCtx;
        public delegate* unmanaged<IntPtr, void> FreeMdCtx;
        public delegate* unmanaged<IntPtr, IntPtr, IntPtr, IntPtr, IntPtr, int> DigestVerifyInit;
        public delegate* unmanaged<IntPtr, byte*, nuint, byte*, nuint, int> DigestVerify;
        public delegate* unmanaged<void> ClearErrors;
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
                return new Api
                {
                    NewRawPublicKey = (delegate* unmanaged<int, IntPtr, byte*, nuint, IntPtr>)NativeLibrary.GetExport(h, "EVP_PKEY_new_raw_public_key"),
                    FreeKey = (delegate* unmanaged<IntPtr, void>)NativeLibrary.GetExport(h, "EVP_PKEY_free"),
                    NewMdCtx = (delegate* unmanaged<IntPtr>)NativeLibrary.GetExport(h, "EVP_MD_CTX_new"),
                    FreeMdCtx = (delegate* unmanaged<IntPtr, void>)NativeLibrary.GetExport(h, "EVP_MD_CTX_free"),
                    DigestVerifyInit = (delegate* unmanaged<IntPtr, IntPtr, IntPtr, IntPtr, IntPtr, int>)NativeLibrary.GetExport(h, "EVP_DigestVerifyInit"),
                    DigestVerify = (delegate* unmanaged<IntPtr, byte*, nuint, byte*, nuint, int>)NativeLibrary.GetExport(h, "EVP_DigestVerify"),
                    ClearErrors = (delegate* unmanaged<void>)NativeLibrary.GetExport(h, "ERR_clear_error"),
                };
            }
            catch (EntryPointNotFoundException)
            {
                NativeLibrary.Free(h);
            }
        }
        return null;
    }

    public static bool IsAvailable => Loaded.Value is not null;

    public static VerifyCode VerifyEdDsa(int nid, byte[] publicKey, ReadOnlySpan<byte> data, ReadOnlySpan<byte> sig)
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
