using Certitude.Der;
using System.Formats.Asn1;
using System.Numerics;
using System.Runtime.InteropServices;
using System.Security.Cryptography;

namespace Certitude.Signatures;

/// <summary>
/// Verifies a signature with the issuer's public key, on the path <see cref="CryptoPath"/> chose:
/// natively, RSA and ECDSA on keys built in libcrypto (Certitude doing the encodings) and Ed25519/Ed448
/// through libcrypto; portably (and for keys the native path does not cover), RSA PKCS#1 v1.5, RSA-PSS
/// with the standard parameters, ECDSA and DSA through System.Security.Cryptography, RSA-PSS with other
/// salt or MGF1 parameters by EMSA-PSS-VERIFY (RFC 8017 9.1.2) over the RSA public operation, and
/// EdDSA as <see cref="VerifyCode.AlgorithmNotAvailable"/>.
/// </summary>
internal static class SignatureVerifier
{
    /// <summary>Verifies through the verifier's cache: a known outcome for the same inputs is reused,
    /// and keys are kept. <c>dataDigest</c> is the SHA-256 of <c>data</c> and <c>contentDigest</c> the
    /// <see cref="CryptoCache.ContentDigest"/>, both computed once by the certificate or CRL that owns the bytes.</summary>
    public static VerifyCode Verify(CryptoCache? cache, PublicKeyInfo key, SignatureAlgorithm alg, ReadOnlySpan<byte> data, ReadOnlySpan<byte> dataDigest, byte[] contentDigest, ReadOnlySpan<byte> signature, PublicKeyInfo? dsaParameterSource = null)
    {
        if (cache is null)
        {
            return Verify(key, alg, data, signature, dsaParameterSource);
        }
        var id = CryptoCache.SignatureKey(key, dsaParameterSource, contentDigest);
        if (cache.TryGetSignature(id, out var known))
        {
            return known;
        }
        var code = VerifyCore(cache, key, alg, data, dataDigest, signature, dsaParameterSource, cache.Native);
        cache.StoreSignature(id, code);
        return code;
    }

    public static VerifyCode Verify(PublicKeyInfo key, SignatureAlgorithm alg, ReadOnlySpan<byte> data, ReadOnlySpan<byte> signature, PublicKeyInfo? dsaParameterSource = null)
        => VerifyCore(null, key, alg, data, default, signature, dsaParameterSource, CryptoPath.Native);

    /// <summary>The same check on the native path (where this process has it) or the portable one (tests compare the two).</summary>
    internal static VerifyCode Verify(PublicKeyInfo key, SignatureAlgorithm alg, ReadOnlySpan<byte> data, ReadOnlySpan<byte> signature, bool native)
        => VerifyCore(null, key, alg, data, default, signature, null, native && CryptoPath.Native);

    /// <summary>The check with the verifier's key cache but no outcome cache (tests: keys that keep verifying).</summary>
    internal static VerifyCode VerifyWithKeyCache(CryptoCache cache, PublicKeyInfo key, SignatureAlgorithm alg, ReadOnlySpan<byte> data, ReadOnlySpan<byte> signature)
        => VerifyCore(cache, key, alg, data, default, signature, null, cache.Native);

    /// <summary><paramref name="native"/>: the native path is chosen and libcrypto loaded (<see cref="CryptoPath"/>).
    /// RSA and ECDSA keys libcrypto cannot build natively still go through System.Security.Cryptography.</summary>
    private static VerifyCode VerifyCore(CryptoCache? cache, PublicKeyInfo key, SignatureAlgorithm alg, ReadOnlySpan<byte> data, ReadOnlySpan<byte> dataDigest, ReadOnlySpan<byte> signature, PublicKeyInfo? dsaParameterSource, bool native)
    {
        // The key's own limits before any arithmetic, on every path: no RSA modulus above 16,384 bits (so
        // no key makes one check cost seconds), and a restricted id-RSASSA-PSS key verifies only signatures
        // with its hash and MGF1 hash and at least its salt length (RFC 4055 3.3).
        if (key.Algorithm is PublicKeyAlgorithm.Rsa or PublicKeyAlgorithm.RsaPss && key.KeySizeBits > PublicKeyInfo.MaxRsaBits)
        {
            return VerifyCode.UnableToDecodeIssuerPublicKey;
        }
        if (key.PssRestriction is { } pss && alg.Scheme == SignatureScheme.RsaPss
            && (alg.Hash != pss.Hash || alg.MgfHash != pss.MgfHash || alg.SaltLength < pss.SaltLength))
        {
            return VerifyCode.SignatureAlgorithmMismatch;
        }
        try
        {
            return alg.Scheme switch
            {
                SignatureScheme.RsaPkcs1 when key.Algorithm == PublicKeyAlgorithm.Rsa => Rsa(cache, key, alg, data, dataDigest, signature, native),
                SignatureScheme.RsaPss when key.Algorithm is PublicKeyAlgorithm.Rsa or PublicKeyAlgorithm.RsaPss => Pss(cache, key, alg, data, signature, native),
                SignatureScheme.Ecdsa when key.Algorithm == PublicKeyAlgorithm.EC => Ecdsa(cache, key, alg, data, dataDigest, signature, native),
                SignatureScheme.Dsa when key.Algorithm == PublicKeyAlgorithm.Dsa => Dsa(key, data, signature, alg.Hash, dsaParameterSource),
                // RFC 8410: the base library has no EdDSA; on the portable path it is not available.
                SignatureScheme.Ed25519 when key.Algorithm == PublicKeyAlgorithm.Ed25519 => native ? LibCrypto.VerifyEdDsa(LibCrypto.NidEd25519, key.KeyBytes.Span, data, signature) : VerifyCode.AlgorithmNotAvailable,
                SignatureScheme.Ed448 when key.Algorithm == PublicKeyAlgorithm.Ed448 => native ? LibCrypto.VerifyEdDsa(LibCrypto.NidEd448, key.KeyBytes.Span, data, signature) : VerifyCode.AlgorithmNotAvailable,
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
            // A key or curve this platform's System.Security.Cryptography lacks (Brainpool on macOS, DSA where
            // the platform has none): typed as not available here, not as a bad signature.
            return VerifyCode.AlgorithmNotAvailable;
        }
    }

    /// <summary>The issuer key built in libcrypto, from the verifier's cache when there is one; null when
    /// the key cannot be built natively (the caller then uses System.Security.Cryptography).</summary>
    private static LibCrypto.NativeKey? NativeKeyFor(CryptoCache? cache, PublicKeyInfo key)
    {
        static LibCrypto.NativeKey? Create(PublicKeyInfo key)
        {
            if (key.Algorithm is PublicKeyAlgorithm.Rsa or PublicKeyAlgorithm.RsaPss)
            {
                return LibCrypto.CreateRsaKey(key.RsaModulus.Span, key.RsaExponent.Span, key.KeySizeBits);
            }
            int nid = key.CurveOid switch
            {
                Oids.P256 => 415,
                Oids.P384 => 715,
                Oids.P521 => 716,
                Oids.BrainpoolP256r1 => 927,
                Oids.BrainpoolP384r1 => 931,
                Oids.BrainpoolP512r1 => 933,
                _ => 0,
            };
            // RFC 5480 2.2: the uncompressed form is the one every implementation supports; other
            // encodings take the System.Security.Cryptography path so that the verdict does not depend on it.
            int field = (key.KeySizeBits + 7) / 8;
            return nid != 0 && key.KeyBytes.Length == 2 * field + 1 && key.KeyBytes.Span[0] == 4 ? LibCrypto.CreateEcKey(nid, key.KeyBytes.Span) : null;
        }
        return cache is null ? Create(key) : cache.NativeKey(key, Create);
    }

    // RFC 8017 9.2 note 1: the DER DigestInfo prefixes for the hash functions Certitude accepts.
    private static ReadOnlySpan<byte> DigestInfoSha224 => [0x30, 0x2d, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x04, 0x05, 0x00, 0x04, 0x1c];
    private static ReadOnlySpan<byte> DigestInfoSha1 => [0x30, 0x21, 0x30, 0x09, 0x06, 0x05, 0x2b, 0x0e, 0x03, 0x02, 0x1a, 0x05, 0x00, 0x04, 0x14];
    private static ReadOnlySpan<byte> DigestInfoSha256 => [0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20];
    private static ReadOnlySpan<byte> DigestInfoSha384 => [0x30, 0x41, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x02, 0x05, 0x00, 0x04, 0x30];
    private static ReadOnlySpan<byte> DigestInfoSha512 => [0x30, 0x51, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x03, 0x05, 0x00, 0x04, 0x40];

    private static ReadOnlySpan<byte> DigestInfoPrefix(HashAlgorithmName h)
        => h == HashAlgorithmName.SHA256 ? DigestInfoSha256
        : h == HashAlgorithmName.SHA384 ? DigestInfoSha384
        : h == HashAlgorithmName.SHA512 ? DigestInfoSha512
        : h == HashAlgorithmName.SHA1 ? DigestInfoSha1
        : h == Sha224.Name ? DigestInfoSha224 : default;

    /// <summary>Whether System.Security.Cryptography computes this hash itself (it has no SHA-224).</summary>
    private static bool PlatformHashes(HashAlgorithmName h) => h != Sha224.Name;

    /// <summary>The message digest, reusing the SHA-256 the owner of the bytes already computed.</summary>
    private static int Digest(HashAlgorithmName h, ReadOnlySpan<byte> data, ReadOnlySpan<byte> sha256, Span<byte> output)
    {
        if (h == HashAlgorithmName.SHA256 && sha256.Length == 32)
        {
            sha256.CopyTo(output);
            return 32;
        }
        return HashInto(h, data, output);
    }

    private static VerifyCode Rsa(CryptoCache? cache, PublicKeyInfo key, SignatureAlgorithm alg, ReadOnlySpan<byte> data, ReadOnlySpan<byte> dataDigest, ReadOnlySpan<byte> sig, bool native)
    {
        var prefix = DigestInfoPrefix(alg.Hash);
        if (native && !prefix.IsEmpty && NativeKeyFor(cache, key) is { } nk)
        {
            return RsaPkcs1Native(nk, prefix, alg.Hash, data, dataDigest, sig) ? VerifyCode.Ok : VerifyCode.CertSignatureFailure;
        }
        if (!PlatformHashes(alg.Hash))
        {
            // RFC 8017 8.2.2 over the public operation in managed code, then the same encode-and-compare.
            return RsaPublicManaged(key, sig) is { } em && Pkcs1EncodingMatches(em, prefix, alg.Hash, data, dataDigest) ? VerifyCode.Ok : VerifyCode.CertSignatureFailure;
        }
        return RsaManaged(cache, key, data, sig, alg.Hash, RSASignaturePadding.Pkcs1);
    }

    /// <summary>RFC 8017 8.2.2: RSAVP1, then EMSA-PKCS1-v1_5 encoding of the digest compared with the
    /// whole recovered block (encode-and-compare, so no alternative encoding is accepted).</summary>
    private static bool RsaPkcs1Native(LibCrypto.NativeKey key, ReadOnlySpan<byte> prefix, HashAlgorithmName hash, ReadOnlySpan<byte> data, ReadOnlySpan<byte> dataDigest, ReadOnlySpan<byte> sig)
    {
        int k = key.ModulusBytes;
        if (k > 2048)
        {
            // Keys above 16384 bits are refused.
            return false;
        }
        Span<byte> em = stackalloc byte[k];
        return LibCrypto.RsaPublic(key, sig, em) && Pkcs1EncodingMatches(em, prefix, hash, data, dataDigest);
    }

    /// <summary>RFC 8017 9.2: whether the k-byte block <paramref name="em"/> is exactly EMSA-PKCS1-v1_5 of the digest.</summary>
    private static bool Pkcs1EncodingMatches(ReadOnlySpan<byte> em, ReadOnlySpan<byte> prefix, HashAlgorithmName hash, ReadOnlySpan<byte> data, ReadOnlySpan<byte> dataDigest)
    {
        int k = em.Length;
        Span<byte> digest = stackalloc byte[64];
        int hLen = Digest(hash, data, dataDigest, digest);
        int tLen = prefix.Length + hLen;
        if (k < tLen + 11 || k > 2048)
        {
            // RFC 8017 9.2 step 3: "intended encoded message length too short".
            return false;
        }
        Span<byte> expected = stackalloc byte[k];
        expected[0] = 0x00;
        expected[1] = 0x01;
        expected[2..(k - tLen - 1)].Fill(0xFF);
        expected[k - tLen - 1] = 0x00;
        prefix.CopyTo(expected[(k - tLen)..]);
        digest[..hLen].CopyTo(expected[(k - hLen)..]);
        return em.SequenceEqual(expected);
    }

    private static VerifyCode RsaManaged(CryptoCache? cache, PublicKeyInfo key, ReadOnlySpan<byte> data, ReadOnlySpan<byte> sig, HashAlgorithmName hash, RSASignaturePadding padding)
    {
        static AsymmetricAlgorithm Import(PublicKeyInfo key)
        {
            var rsa = System.Security.Cryptography.RSA.Create();
            rsa.ImportParameters(new RSAParameters { Modulus = key.RsaModulus.ToArray(), Exponent = key.RsaExponent.ToArray() });
            return rsa;
        }
        if (cache is null)
        {
            using var own = (RSA)Import(key);
            return own.VerifyData(data, sig, hash, padding) ? VerifyCode.Ok : VerifyCode.CertSignatureFailure;
        }
        var rented = (RSA)cache.Rent(key, () => Import(key), out var token);
        try
        {
            return rented.VerifyData(data, sig, hash, padding) ? VerifyCode.Ok : VerifyCode.CertSignatureFailure;
        }
        finally
        {
            cache.Return(token, rented);
        }
    }

    private static VerifyCode Ecdsa(CryptoCache? cache, PublicKeyInfo key, SignatureAlgorithm alg, ReadOnlySpan<byte> data, ReadOnlySpan<byte> dataDigest, ReadOnlySpan<byte> sig, bool native)
    {
        if (native && NativeKeyFor(cache, key) is { } nk)
        {
            // RFC 3279 2.2.3 / RFC 5480: the signature must be strict DER before libcrypto sees it.
            int field = (key.KeySizeBits + 7) / 8;
            // Native keys are on P-256, P-384 or P-521: a field of at most 66 bytes.
            Span<byte> fixedSig = stackalloc byte[2 * 66];
            if (field > 66 || !StrictDerToFixed(sig, field, fixedSig = fixedSig[..(2 * field)]))
            {
                return VerifyCode.CertSignatureFailure;
            }
            Span<byte> digest = stackalloc byte[64];
            int hLen = Digest(alg.Hash, data, dataDigest, digest);
            return LibCrypto.EcdsaVerify(nk, digest[..hLen], sig, fixedSig) ? VerifyCode.Ok : VerifyCode.CertSignatureFailure;
        }
        return EcdsaManaged(cache, key, data, sig, alg.Hash);
    }

    private static VerifyCode EcdsaManaged(CryptoCache? cache, PublicKeyInfo key, ReadOnlySpan<byte> data, ReadOnlySpan<byte> sig, HashAlgorithmName hash)
    {
        static AsymmetricAlgorithm Import(PublicKeyInfo key)
        {
            var ec = ECDsa.Create();
            try
            {
                ec.ImportSubjectPublicKeyInfo(key.RawData.Span, out _);
            }
            catch (CryptographicException) when (key.CurveOid is not (Oids.P256 or Oids.P384 or Oids.P521) && IsApplePlatform())
            {
                // Apple's Security framework has the NIST curves only, and reports others as an unknown key
                // format: that is "not available here", not a bad signature.
                ec.Dispose();
                throw new PlatformNotSupportedException("this platform's System.Security.Cryptography has no curve " + PublicKeyInfo.CurveName(key.CurveOid));
            }
            return ec;
        }
        if (cache is null)
        {
            using var own = (ECDsa)Import(key);
            return EcVerify(own, data, sig, hash);
        }
        var rented = (ECDsa)cache.Rent(key, () => Import(key), out var token);
        try
        {
            return EcVerify(rented, data, sig, hash);
        }
        finally
        {
            cache.Return(token, rented);
        }
    }

    private static bool IsApplePlatform() => OperatingSystem.IsMacOS() || OperatingSystem.IsIOS() || OperatingSystem.IsTvOS() || OperatingSystem.IsMacCatalyst();

    private static VerifyCode EcVerify(ECDsa ec, ReadOnlySpan<byte> data, ReadOnlySpan<byte> sig, HashAlgorithmName hash)
    {
        var fixedSig = StrictDerToFixed(sig, (ec.KeySize + 7) / 8);
        // SEC 1 4.1.4: ECDSA signs the digest (its leftmost bits), whatever hash made it; Certitude hashes, so
        // SHA-224, which .NET lacks, takes the same path.
        Span<byte> digest = stackalloc byte[64];
        return fixedSig is not null && ec.VerifyHash(digest[..HashInto(hash, data, digest)], fixedSig, DSASignatureFormat.IeeeP1363FixedFieldConcatenation)
            ? VerifyCode.Ok : VerifyCode.CertSignatureFailure;
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
            var pr = new DerReader(inherited).ReadSequence();
            var p = pr.ReadIntegerBytes().ToArray();
            var q = pr.ReadIntegerBytes().ToArray();
            var g = pr.ReadIntegerBytes().ToArray();
            var y = new DerReader(key.KeyBytes).ReadIntegerBytes().ToArray();
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
        // FIPS 186-4 4.7: DSA verifies the digest (its leftmost bits), whatever hash made it.
        Span<byte> digest = stackalloc byte[64];
        return fixedSig is not null && dsa.VerifySignature(digest[..HashInto(hash, data, digest)], fixedSig, DSASignatureFormat.IeeeP1363FixedFieldConcatenation)
            ? VerifyCode.Ok : VerifyCode.CertSignatureFailure;
    }

    /// <summary>RFC 3279 2.2.2/2.2.3: Dss-Sig-Value / ECDSA-Sig-Value ::= SEQUENCE { r INTEGER, s INTEGER },
    /// read as strict DER (so no alternative encoding of one signature verifies) and turned into r||s.</summary>
    private static byte[]? StrictDerToFixed(ReadOnlySpan<byte> der, int fieldBytes)
    {
        var result = new byte[2 * fieldBytes];
        return StrictDerToFixed(der, fieldBytes, result) ? result : null;
    }

    /// <summary>As above, into <paramref name="result"/> (2 × <paramref name="fieldBytes"/> bytes).</summary>
    private static bool StrictDerToFixed(ReadOnlySpan<byte> der, int fieldBytes, Span<byte> result)
    {
        try
        {
            AsnDecoder.ReadSequence(der, AsnEncodingRules.DER, out int offset, out int length, out int consumed);
            if (consumed != der.Length)
            {
                return false;
            }
            var inner = der.Slice(offset, length);
            var r = AsnDecoder.ReadIntegerBytes(inner, AsnEncodingRules.DER, out int used);
            var s = AsnDecoder.ReadIntegerBytes(inner[used..], AsnEncodingRules.DER, out int used2);
            if (used + used2 != inner.Length || r.IsEmpty || s.IsEmpty || (r[0] & 0x80) != 0 || (s[0] & 0x80) != 0)
            {
                return false;
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
                return false;
            }
            result.Clear();
            r.CopyTo(result[(fieldBytes - r.Length)..]);
            s.CopyTo(result[(2 * fieldBytes - s.Length)..]);
            return true;
        }
        catch (AsnContentException)
        {
            return false;
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

    private static VerifyCode Pss(CryptoCache? cache, PublicKeyInfo key, SignatureAlgorithm alg, ReadOnlySpan<byte> data, ReadOnlySpan<byte> sig, bool native)
    {
        if (native && NativeKeyFor(cache, key) is { } nk)
        {
            var m = new byte[nk.ModulusBytes];
            return LibCrypto.RsaPublic(nk, sig, m) && EmsaPssVerify(m, key.KeySizeBits, alg, data) ? VerifyCode.Ok : VerifyCode.CertSignatureFailure;
        }
        if (alg.MgfHash == alg.Hash && alg.SaltLength == alg.HashBytes && PlatformHashes(alg.Hash))
        {
            return RsaManaged(cache, key, data, sig, alg.Hash, RSASignaturePadding.Pss);
        }
        return RsaPublicManaged(key, sig) is { } em && EmsaPssVerify(em, key.KeySizeBits, alg, data) ? VerifyCode.Ok : VerifyCode.CertSignatureFailure;
    }

    /// <summary>RFC 8017 5.2.2 RSAVP1 with BigInteger (the portable fallback): s^e mod n as k bytes.</summary>
    private static byte[]? RsaPublicManaged(PublicKeyInfo key, ReadOnlySpan<byte> sig)
    {
        var n = new BigInteger(key.RsaModulus.Span, isUnsigned: true, isBigEndian: true);
        var e = new BigInteger(key.RsaExponent.Span, isUnsigned: true, isBigEndian: true);
        int k = key.RsaModulus!.Length;
        if (sig.Length != k)
        {
            return null;
        }
        var s = new BigInteger(sig, isUnsigned: true, isBigEndian: true);
        if (s >= n)
        {
            return null;
        }
        var mBytes = BigInteger.ModPow(s, e, n).ToByteArray(isUnsigned: true, isBigEndian: true);
        var m = new byte[k];
        mBytes.CopyTo(m, k - mBytes.Length);
        return m;
    }

    /// <summary>RFC 8017 8.1.2 step 2c-3 and 9.1.2 (EMSA-PSS-VERIFY) for any salt length and MGF1 hash,
    /// on the k-byte output m of RSAVP1.</summary>
    private static bool EmsaPssVerify(byte[] m, int modBits, SignatureAlgorithm alg, ReadOnlySpan<byte> message)
    {
        int emBits = modBits - 1;
        int emLen = (emBits + 7) / 8;
        // I2OSP(m, emLen): when emLen is one byte shorter than k, the leading byte must be zero.
        for (int i = 0; i < m.Length - emLen; i++)
        {
            if (m[i] != 0)
            {
                return false;
            }
        }
        var em = m.AsSpan(m.Length - emLen).ToArray();
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
        Span<byte> buffer = stackalloc byte[64];
        return buffer[..HashInto(h, data, buffer)].ToArray();
    }

    /// <summary>The hash functions signature algorithms here name (SHA-1, SHA-224, SHA-256, SHA-384, SHA-512).</summary>
    private static int HashInto(HashAlgorithmName h, ReadOnlySpan<byte> data, Span<byte> output)
        => h == HashAlgorithmName.SHA256 ? SHA256.HashData(data, output)
        : h == Sha224.Name ? Sha224.HashData(data, output)
        : h == HashAlgorithmName.SHA384 ? SHA384.HashData(data, output)
        : h == HashAlgorithmName.SHA512 ? SHA512.HashData(data, output)
        : h == HashAlgorithmName.SHA1 ? SHA1.HashData(data, output)
        : throw new CryptographicException("unsupported hash " + h.Name);
}
