namespace Certitude.Signatures;

internal static unsafe partial class LibCrypto
{
    /// <summary>
    /// ECDSA verification against fixed-base tables, for curves whose libcrypto implementation is the
    /// generic Montgomery one (P-384 in OpenSSL before 3.2; any curve on builds without the specialised
    /// code). <c>ECDSA_verify</c> there computes u1·G + u2·Q in one interleaved pass whose 384 doublings
    /// dominate (about 1 ms per P-384 check on the development machine). An issuer key that keeps
    /// verifying (an intermediate signing many leaves) instead gets an EC_GROUP whose generator is its
    /// point Q, with libcrypto's precomputed multiples; u1·G (on a shared group with G's multiples) and
    /// u2·Q then each need about 8 doublings, and the check takes about a third of the time. The
    /// equation is SEC 1 4.1.4's, with libcrypto doing all arithmetic; a table costs about two plain
    /// verifications and 140 KB of native memory, so it is built on a key's third use and at most
    /// <see cref="MaxTables"/> exist at once. Any failure inside falls back to <c>ECDSA_verify</c>.
    /// </summary>
    private static class FixedBase
    {
        /// <summary>A table is built on this use of a key.</summary>
        internal const int TableAfterUses = 3;

        private const int MaxTables = 32;
        private static int s_tables;
        private static readonly Lock Gate = new();

        // Per curve: the shared group with G's multiples precomputed; -1 when the curve's implementation is
        // not the generic one (its own code is already fast); zero before first use.
        private static IntPtr s_p256, s_p384, s_p521;

        internal static bool AppliesTo(Api api, int curveNid) => api.HasPointFunctions && BaseGroup(api, curveNid) != IntPtr.Zero;

        /// <summary>Builds the key's table and keeps it on the key; zero when the curve does not take one, the
        /// process already holds <see cref="MaxTables"/>, or libcrypto fails.</summary>
        internal static IntPtr Build(Api api, NativeKey key)
        {
            var baseGroup = BaseGroup(api, key.CurveNid);
            if (baseGroup == IntPtr.Zero)
            {
                return IntPtr.Zero;
            }
            if (Interlocked.Increment(ref s_tables) > MaxTables)
            {
                Interlocked.Decrement(ref s_tables);
                return IntPtr.Zero;
            }
            var table = api.EcGroupDup(baseGroup);
            var point = api.EcKeyGet0PublicKey(key.DangerousGetHandle());
            if (table == IntPtr.Zero || point == IntPtr.Zero
                || api.EcGroupSetGenerator(table, point, api.EcGroupGet0Order(baseGroup), api.EcGroupGet0Cofactor(baseGroup)) != 1
                || api.EcGroupPrecomputeMult(table, IntPtr.Zero) != 1)
            {
                if (table != IntPtr.Zero)
                {
                    api.EcGroupFree(table);
                }
                Interlocked.Decrement(ref s_tables);
                api.ClearErrors();
                return IntPtr.Zero;
            }
            if (!key.Keep(table))
            {
                Free(api, table);
                return key.Table;
            }
            return table;
        }

        internal static void Free(Api api, IntPtr table)
        {
            api.EcGroupFree(table);
            Interlocked.Decrement(ref s_tables);
        }

        /// <summary>SEC 1 4.1.4 with Q's table: true or false, or null when libcrypto failed (the caller then
        /// uses ECDSA_verify). <paramref name="fixedSignature"/> is r||s, each half the field's size.</summary>
        internal static bool? Verify(Api api, IntPtr table, int curveNid, ReadOnlySpan<byte> digest, ReadOnlySpan<byte> fixedSignature)
        {
            var baseGroup = BaseGroup(api, curveNid);
            int half = fixedSignature.Length / 2;
            var ctx = baseGroup == IntPtr.Zero ? IntPtr.Zero : api.BnCtxNew();
            if (ctx == IntPtr.Zero)
            {
                return null;
            }
            IntPtr r1 = IntPtr.Zero, r2 = IntPtr.Zero;
            api.BnCtxStart(ctx);
            try
            {
                IntPtr r = api.BnCtxGet(ctx), s = api.BnCtxGet(ctx), e = api.BnCtxGet(ctx), w = api.BnCtxGet(ctx);
                IntPtr u1 = api.BnCtxGet(ctx), u2 = api.BnCtxGet(ctx), x = api.BnCtxGet(ctx), zero = api.BnCtxGet(ctx);
                if (zero == IntPtr.Zero)
                {
                    return null;
                }
                var n = api.EcGroupGet0Order(baseGroup);
                // The digest's leftmost bits, as many as n has (SEC 1 4.1.4 step 3): n is 256 or 384 bits, or
                // 521 and longer than every digest, so whole bytes.
                var d = digest.Length > half ? digest[..half] : digest;
                fixed (byte* pr = fixedSignature)
                fixed (byte* pd = d)
                {
                    if (api.BnBin2Bn(pr, half, r) == IntPtr.Zero || api.BnBin2Bn(pr + half, half, s) == IntPtr.Zero
                        || api.BnBin2Bn(pd, d.Length, e) == IntPtr.Zero)
                    {
                        return null;
                    }
                }
                // Step 1: r and s in [1, n-1].
                if (api.BnIsZero(r) == 1 || api.BnIsZero(s) == 1 || api.BnCmp(r, n) >= 0 || api.BnCmp(s, n) >= 0)
                {
                    return false;
                }
                // Step 4: u1 = e·s⁻¹ mod n, u2 = r·s⁻¹ mod n.
                if (api.BnModInverse(w, s, n, ctx) == IntPtr.Zero
                    || api.BnModMul(u1, e, w, n, ctx) != 1 || api.BnModMul(u2, r, w, n, ctx) != 1)
                {
                    return null;
                }
                // Step 5: R = u1·G + u2·Q, each product on the group whose generator has the table. The one
                // extra point is multiplied by zero: the call then takes the table-driven path.
                r1 = api.EcPointNew(baseGroup);
                r2 = api.EcPointNew(table);
                if (r1 == IntPtr.Zero || r2 == IntPtr.Zero)
                {
                    return null;
                }
                IntPtr g = api.EcGroupGet0Generator(baseGroup), q = api.EcGroupGet0Generator(table);
                if (api.EcPointsMul(baseGroup, r1, u1, 1, &g, &zero, ctx) != 1
                    || api.EcPointsMul(table, r2, u2, 1, &q, &zero, ctx) != 1
                    || api.EcPointAdd(baseGroup, r1, r1, r2, ctx) != 1)
                {
                    return null;
                }
                if (api.EcPointIsAtInfinity(baseGroup, r1) == 1)
                {
                    return false;
                }
                // Steps 6-8: v = x(R) mod n must equal r.
                if (api.EcPointGetAffineCoordinates(baseGroup, r1, x, IntPtr.Zero, ctx) != 1 || api.BnNnmod(x, x, n, ctx) != 1)
                {
                    return null;
                }
                return api.BnCmp(x, r) == 0;
            }
            finally
            {
                if (r1 != IntPtr.Zero)
                {
                    api.EcPointFree(r1);
                }
                if (r2 != IntPtr.Zero)
                {
                    api.EcPointFree(r2);
                }
                api.BnCtxEnd(ctx);
                api.BnCtxFree(ctx);
                api.ClearErrors();
            }
        }

        private const int NidP256 = 415;
        private const int NidP384 = 715;
        private const int NidP521 = 716;

        private static IntPtr BaseGroup(Api api, int curveNid)
        {
            ref IntPtr slot = ref s_p384;
            if (curveNid == NidP256)
            {
                slot = ref s_p256;
            }
            else if (curveNid == NidP521)
            {
                slot = ref s_p521;
            }
            else if (curveNid != NidP384)
            {
                return IntPtr.Zero;
            }
            var known = Volatile.Read(ref slot);
            if (known == IntPtr.Zero)
            {
                lock (Gate)
                {
                    known = slot;
                    if (known == IntPtr.Zero)
                    {
                        known = NewBaseGroup(api, curveNid);
                        Volatile.Write(ref slot, known);
                    }
                }
            }
            return known == -1 ? IntPtr.Zero : known;
        }

        /// <summary>The curve's group with G's multiples, kept for the process; -1 when the curve's
        /// implementation is not the generic Montgomery one or libcrypto fails.</summary>
        private static IntPtr NewBaseGroup(Api api, int curveNid)
        {
            var group = api.EcGroupNewByCurveName(curveNid);
            if (group == IntPtr.Zero)
            {
                api.ClearErrors();
                return -1;
            }
            if (api.EcGroupMethodOf(group) != api.EcGfpMontMethod() || api.EcGroupPrecomputeMult(group, IntPtr.Zero) != 1)
            {
                api.EcGroupFree(group);
                api.ClearErrors();
                return -1;
            }
            return group;
        }
    }
}
