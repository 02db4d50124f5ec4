using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using System.Security.Cryptography;

namespace Certitude.Signatures;

/// <summary>
/// Per-verifier caches, bounded and thread-safe: public keys by SPKI, built in libcrypto (shared, since
/// OpenSSL verifies on one key from several threads) or imported into .NET (pooled, because .NET does
/// not promise that one key object may verify on several threads at once), and the
/// outcomes of signature checks keyed by a SHA-256 over everything the outcome depends on (the
/// issuer's SPKI, the inherited DSA parameters, the signature algorithm, the signature and the
/// signed bytes). A cached outcome is therefore only ever reused for the very same inputs.
/// </summary>
internal sealed class CryptoCache
{
    private const int MaxKeys = 1024;
    private const int MaxPooledPerKey = 4;
    private const int MaxSignatures = 16_384;

    [StructLayout(LayoutKind.Sequential)]
    private readonly record struct Digest(ulong A, ulong B, ulong C, ulong D);

    private readonly ConcurrentDictionary<Digest, ConcurrentBag<AsymmetricAlgorithm>> _keys = new();
    private readonly ConcurrentDictionary<Digest, VerifyCode> _signatures = new();
    private readonly ConcurrentDictionary<Digest, LibCrypto.NativeKey?> _native = new();
    private readonly ConcurrentDictionary<(string Fingerprint, CertRole Role, VerificationProfile Profile, bool Strict), Validation.Failure[]> _checks = new();
    private const int MaxChecks = 16_384;

    /// <summary>The structural findings for a certificate in a role under a profile and strictness, if known.
    /// The profile instance is part of the key: nested CRL-signer searches run under other options.</summary>
    internal Validation.Failure[]? GetChecks(Certificate c, CertRole role, VerificationProfile profile, bool strict)
        => _checks.TryGetValue((c.Sha256Fingerprint, role, profile, strict), out var f) ? f : null;

    internal void StoreChecks(Certificate c, CertRole role, VerificationProfile profile, bool strict, Validation.Failure[] findings)
    {
        if (_checks.Count >= MaxChecks)
        {
            _checks.Clear();
        }
        _checks[(c.Sha256Fingerprint, role, profile, strict)] = findings;
    }

    /// <summary>The key built in libcrypto for this SPKI (null when it cannot be built natively), created once.
    /// Handles dropped from the cache are freed by their finalizers, never under a concurrent user.</summary>
    public LibCrypto.NativeKey? NativeKey(ReadOnlySpan<byte> spki, PublicKeyInfo key, Func<PublicKeyInfo, LibCrypto.NativeKey?> create)
    {
        var id = Hash(spki);
        if (_native.TryGetValue(id, out var known))
        {
            return known;
        }
        var created = create(key);
        if (_native.Count >= MaxKeys)
        {
            _native.Clear();
        }
        return _native.GetOrAdd(id, created);
    }

    public AsymmetricAlgorithm Rent(ReadOnlySpan<byte> spki, Func<AsymmetricAlgorithm> import, out object token)
    {
        var id = Hash(spki);
        token = id;
        if (_keys.TryGetValue(id, out var bag) && bag.TryTake(out var key))
        {
            return key;
        }
        return import();
    }

    public void Return(object token, AsymmetricAlgorithm key)
    {
        var id = (Digest)token;
        if (_keys.Count >= MaxKeys && !_keys.ContainsKey(id))
        {
            key.Dispose();
            return;
        }
        var bag = _keys.GetOrAdd(id, _ => []);
        if (bag.Count < MaxPooledPerKey)
        {
            bag.Add(key);
        }
        else
        {
            key.Dispose();
        }
    }

    /// <summary>SHA-256 over length-prefixed SPKI, inherited parameters, algorithm and signature, then the
    /// signed bytes' digest: one allocation-free hash over a stack buffer.</summary>
    public static object SignatureKey(ReadOnlySpan<byte> spki, ReadOnlySpan<byte> parameters, ReadOnlySpan<byte> algorithm, ReadOnlySpan<byte> signature, ReadOnlySpan<byte> dataDigest)
    {
        int total = 16 + spki.Length + parameters.Length + algorithm.Length + signature.Length + dataDigest.Length;
        byte[]? rented = null;
        Span<byte> buffer = total <= 4096 ? stackalloc byte[4096] : (rented = System.Buffers.ArrayPool<byte>.Shared.Rent(total));
        try
        {
            int pos = 0;
            Put(buffer, ref pos, spki);
            Put(buffer, ref pos, parameters);
            Put(buffer, ref pos, algorithm);
            Put(buffer, ref pos, signature);
            dataDigest.CopyTo(buffer[pos..]);
            pos += dataDigest.Length;
            return Hash(buffer[..pos]);
        }
        finally
        {
            if (rented is not null)
            {
                System.Buffers.ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    private static void Put(Span<byte> buffer, ref int pos, ReadOnlySpan<byte> part)
    {
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(buffer[pos..], part.Length);
        pos += 4;
        part.CopyTo(buffer[pos..]);
        pos += part.Length;
    }

    public void ForgetSignature(object key) => _signatures.TryRemove((Digest)key, out _);

    public bool TryGetSignature(object key, out VerifyCode code) => _signatures.TryGetValue((Digest)key, out code);

    public void StoreSignature(object key, VerifyCode code)
    {
        // Only definite outcomes are kept; anything else is recomputed.
        if (code is not (VerifyCode.Ok or VerifyCode.CertSignatureFailure))
        {
            return;
        }
        if (_signatures.Count >= MaxSignatures)
        {
            _signatures.Clear();
        }
        _signatures[(Digest)key] = code;
    }

    private static Digest Hash(ReadOnlySpan<byte> data)
    {
        Span<byte> d = stackalloc byte[32];
        SHA256.HashData(data, d);
        return MemoryMarshal.Read<Digest>(d);
    }
}
