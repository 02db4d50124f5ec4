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

    /// <summary>A SHA-256 value as four words.</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal readonly record struct Digest(ulong A, ulong B, ulong C, ulong D)
    {
        public static Digest Of(ReadOnlySpan<byte> sha256) => MemoryMarshal.Read<Digest>(sha256);
    }

    /// <summary>What a signature outcome depends on: the key (with inherited DSA parameters, if any) and the
    /// signed object (algorithm, signature value and signed bytes), each as a digest its owner computes once.</summary>
    internal readonly struct SignatureId(Digest key, Digest content) : IEquatable<SignatureId>
    {
        private readonly Digest _key = key;
        private readonly Digest _content = content;

        public bool Equals(SignatureId other) => _key == other._key && _content == other._content;

        public override bool Equals(object? obj) => obj is SignatureId other && Equals(other);

        public override int GetHashCode() => (int)(_key.A ^ (_key.A >> 32) ^ _content.A ^ (_content.A >> 32));

        /// <summary>128 bits of the identity (the first word of each digest): what a verification's budget tells checks apart by.</summary>
        public (ulong, ulong) Fingerprint => (_key.A, _content.A);
    }

    /// <summary>A cache for a verifier on this process's crypto path, or (<paramref name="portable"/>, the tests'
    /// hook for running one process's suites on both paths) on the portable path.</summary>
    internal CryptoCache(bool portable = false)
    {
        Native = !portable && CryptoPath.Native;
        CryptoPathDescription = portable && CryptoPath.Native ? CryptoPath.ForcedPortable : CryptoPath.Description;
    }

    /// <summary>Whether signatures are verified through libcrypto (see <see cref="CryptoPath"/>). Keys and
    /// outcomes held here were made on this path only.</summary>
    internal bool Native { get; }

    /// <summary>What verifies signatures for this cache's verifier (<see cref="CryptoPath.Description"/>).</summary>
    internal string CryptoPathDescription { get; }

    private readonly ConcurrentDictionary<Digest, ConcurrentBag<AsymmetricAlgorithm>> _keys = new();
    private readonly ConcurrentDictionary<SignatureId, VerifyCode> _signatures = new();
    private readonly ConcurrentDictionary<Digest, LibCrypto.NativeKey?> _native = new();
    /// <summary>The key built in libcrypto for this SPKI (null when it cannot be built natively), created once.
    /// Handles dropped from the cache are freed by their finalizers, never under a concurrent user.</summary>
    public LibCrypto.NativeKey? NativeKey(PublicKeyInfo key, Func<PublicKeyInfo, LibCrypto.NativeKey?> create)
    {
        var id = key.Digest;
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

    public AsymmetricAlgorithm Rent(PublicKeyInfo key, Func<AsymmetricAlgorithm> import, out Digest token)
    {
        var id = key.Digest;
        token = id;
        if (_keys.TryGetValue(id, out var bag) && bag.TryTake(out var pooled))
        {
            return pooled;
        }
        return import();
    }

    public void Return(Digest token, AsymmetricAlgorithm key)
    {
        var id = token;
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

    /// <summary>The identity of one signature check. The key part is the SPKI's digest (memoised on the key),
    /// or, with inherited DSA parameters, a digest over both; the content part is memoised by the
    /// certificate or CRL (<see cref="ContentDigest"/>).</summary>
    public static SignatureId SignatureKey(PublicKeyInfo key, PublicKeyInfo? dsaParameterSource, byte[] contentDigest)
    {
        var keyPart = key.Digest;
        if (dsaParameterSource?.DsaParameters is { } inherited)
        {
            keyPart = HashParts(key.RawData.Span, inherited.Span, default, default);
        }
        return new SignatureId(keyPart, Digest.Of(contentDigest));
    }

    /// <summary>SHA-256 over the length-prefixed signature algorithm and signature value, then the digest of
    /// the signed bytes: what a signed object contributes to its <see cref="SignatureId"/>.</summary>
    public static byte[] ContentDigest(ReadOnlySpan<byte> algorithm, ReadOnlySpan<byte> signature, ReadOnlySpan<byte> dataDigest)
    {
        var d = HashParts(algorithm, signature, dataDigest, default);
        var bytes = new byte[32];
        MemoryMarshal.Write(bytes, in d);
        return bytes;
    }

    private static Digest HashParts(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b, ReadOnlySpan<byte> c, ReadOnlySpan<byte> d)
    {
        int total = 16 + a.Length + b.Length + c.Length + d.Length;
        byte[]? rented = null;
        Span<byte> buffer = total <= 2048 ? stackalloc byte[2048] : (rented = System.Buffers.ArrayPool<byte>.Shared.Rent(total));
        try
        {
            int pos = 0;
            Put(buffer, ref pos, a);
            Put(buffer, ref pos, b);
            Put(buffer, ref pos, c);
            Put(buffer, ref pos, d);
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

    public void ForgetSignature(SignatureId key) => _signatures.TryRemove(key, out _);

    public bool TryGetSignature(SignatureId key, out VerifyCode code) => _signatures.TryGetValue(key, out code);

    public void StoreSignature(SignatureId key, VerifyCode code)
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
        _signatures[key] = code;
    }

    internal static Digest Hash(ReadOnlySpan<byte> data)
    {
        Span<byte> d = stackalloc byte[32];
        SHA256.HashData(data, d);
        return MemoryMarshal.Read<Digest>(d);
    }
}
