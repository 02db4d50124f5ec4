using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using System.Security.Cryptography;

namespace Certitude.Signatures;

/// <summary>
/// Per-verifier caches, bounded and thread-safe: imported public keys by SPKI (pooled, because
/// .NET does not promise that one key object may verify on several threads at once), and the
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

    public static object SignatureKey(ReadOnlySpan<byte> spki, ReadOnlySpan<byte> parameters, ReadOnlySpan<byte> algorithm, ReadOnlySpan<byte> signature, ReadOnlySpan<byte> data)
    {
        using var h = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        Span<byte> len = stackalloc byte[4];
        foreach (var part in new[] { spki.ToArray(), parameters.ToArray(), algorithm.ToArray(), signature.ToArray() })
        {
            System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(len, part.Length);
            h.AppendData(len);
            h.AppendData(part);
        }
        h.AppendData(data);
        Span<byte> d = stackalloc byte[32];
        h.GetHashAndReset(d);
        return MemoryMarshal.Read<Digest>(d);
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
