using System.Formats.Asn1;
using System.Numerics;
using Certitude.Der;

namespace Certitude;

/// <summary>The keyUsage bits of RFC 5280 4.2.1.3.</summary>
[Flags]
public enum KeyUsageFlags
{
    /// <summary>No bit.</summary>
    None = 0,
    /// <summary>digitalSignature (0)</summary>
    DigitalSignature = 1 << 0,
    /// <summary>nonRepudiation / contentCommitment (1)</summary>
    NonRepudiation = 1 << 1,
    /// <summary>keyEncipherment (2)</summary>
    KeyEncipherment = 1 << 2,
    /// <summary>dataEncipherment (3)</summary>
    DataEncipherment = 1 << 3,
    /// <summary>keyAgreement (4)</summary>
    KeyAgreement = 1 << 4,
    /// <summary>keyCertSign (5)</summary>
    KeyCertSign = 1 << 5,
    /// <summary>cRLSign (6)</summary>
    CrlSign = 1 << 6,
    /// <summary>encipherOnly (7)</summary>
    EncipherOnly = 1 << 7,
    /// <summary>decipherOnly (8)</summary>
    DecipherOnly = 1 << 8,
}

/// <summary>An extension as it appears in the certificate.</summary>
/// <param name="Oid">The extnID.</param>
/// <param name="Critical">The critical flag.</param>
/// <param name="Value">The contents of extnValue (the DER of the extension's own structure).</param>
public sealed record CertificateExtension(string Oid, bool Critical, ReadOnlyMemory<byte> Value);

/// <summary>An extension as parsing keeps it, in an array of structs: the OID (interned), the flag and where
/// the value lies in the certificate or CRL it came from; <see cref="Certificate.Extensions"/> makes the
/// public records on first use. ExplicitNotCritical: critical FALSE was encoded although DER omits DEFAULT
/// values (X.690 11.5).</summary>
internal readonly record struct ExtensionHeader(string Oid, bool Critical, int Offset, int Length, bool ExplicitNotCritical = false)
{
    /// <summary>The extnValue contents, as a slice of <paramref name="container"/> (the DER it was read from).</summary>
    public ReadOnlyMemory<byte> ValueIn(ReadOnlyMemory<byte> container) => container.Slice(Offset, Length);
}

/// <summary>RFC 5280 4.2.1.9. ExplicitCaFalse: cA FALSE was encoded although DER omits DEFAULT values (X.690 11.5).</summary>
internal sealed record BasicConstraintsExt(bool IsCa, int? PathLen, bool ExplicitCaFalse = false);

internal sealed record AuthorityKeyIdExt(ReadOnlyMemory<byte>? KeyId, GeneralName[]? Issuer, byte[]? Serial);

/// <summary>One GeneralSubtree. <paramref name="HasMinMax"/>: a minimum other than 0 or a maximum;
/// <paramref name="ExplicitMinimumZero"/>: "minimum 0" written out, which DER omits (X.690 11.5).</summary>
internal sealed record GeneralSubtree(GeneralName Base, bool HasMinMax, bool ExplicitMinimumZero = false);

/// <summary>RFC 5280 4.2.1.10. A null list means the field was absent.</summary>
internal sealed record NameConstraintsExt(GeneralSubtree[]? Permitted, GeneralSubtree[]? Excluded)
{
    private Dictionary<GeneralNameKind, (GeneralName[] Permitted, GeneralName[] Excluded)>? _byKind;

    /// <summary>The subtrees grouped by name form, built once, so a name meets only constraints of its own form.</summary>
    internal (GeneralName[] Permitted, GeneralName[] Excluded)? ForKind(GeneralNameKind kind)
    {
        var map = _byKind ??= (Permitted ?? []).Select(s => (s.Base, P: true)).Concat((Excluded ?? []).Select(s => (s.Base, P: false)))
            .GroupBy(x => x.Base.Kind)
            .ToDictionary(g => g.Key, g => (g.Where(x => x.P).Select(x => x.Base).ToArray(), g.Where(x => !x.P).Select(x => x.Base).ToArray()));
        return map.TryGetValue(kind, out var v) ? v : null;
    }
}

internal sealed record PolicyInformation(string Oid);

internal sealed record PolicyMapping(string IssuerDomain, string SubjectDomain);

internal sealed record PolicyConstraintsExt(int? RequireExplicitPolicy, int? InhibitPolicyMapping);

internal sealed record AccessDescription(string Method, GeneralName Location);

internal sealed record DistributionPoint(GeneralName[]? FullName, ReadOnlyMemory<byte>? RelativeName, int? Reasons, GeneralName[]? CrlIssuer);

/// <summary>Decoders for the extensions of RFC 5280 4.2. Each reads extnValue strictly and throws
/// <see cref="CertificateFormatException"/> naming the extension.</summary>
internal static class ExtensionDecoder
{
    private static DerReader Open(ReadOnlyMemory<byte> v) => new(v);

    private static readonly BasicConstraintsExt NotCa = new(false, null);
    private static readonly BasicConstraintsExt CaUnbounded = new(true, null);
    private static readonly BasicConstraintsExt CaPathLenZero = new(true, 0);
    private const int MaxSharedPolicies = 4096;
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, PolicyInformation> SharedPolicies = new(StringComparer.Ordinal);

    public static BasicConstraintsExt BasicConstraints(ReadOnlyMemory<byte> v, string f)
    {
        var r = Open(v);
        var seq = r.ReadSequence();
        r.ThrowIfNotEmpty();
        bool ca = false, explicitFalse = false;
        int? pathLen = null;
        if (seq.HasData && seq.PeekTag().HasSameClassAndValue(Asn1Tag.Boolean))
        {
            ca = seq.ReadBoolean();
            // DER (X.690 11.5) omits a DEFAULT value; an explicit cA FALSE is kept as an encoding slip
            // (the "der-default-omitted" rule reports it) rather than a parse error.
            explicitFalse = !ca;
        }
        if (seq.HasData)
        {
            var n = seq.ReadInteger();
            if (n.Sign < 0 || n > int.MaxValue)
            {
                throw new CertificateFormatException(f, "pathLenConstraint out of range (0..MAX)");
            }
            pathLen = (int)n;
        }
        seq.ThrowIfNotEmpty();
        // The common values are shared (the record is immutable).
        return (ca, pathLen) switch
        {
            _ when explicitFalse => new BasicConstraintsExt(ca, pathLen, ExplicitCaFalse: true),
            (false, null) => NotCa,
            (true, null) => CaUnbounded,
            (true, 0) => CaPathLenZero,
            _ => new BasicConstraintsExt(ca, pathLen),
        };
    }

    public static KeyUsageFlags KeyUsage(ReadOnlyMemory<byte> v, string f) => KeyUsage(v, f, out _);

    /// <summary>keyUsage, and whether its BIT STRING keeps trailing zero bits, which DER removes from a named
    /// bit list (X.690 11.2.2; the DER reader cannot know the BIT STRING is one).</summary>
    public static KeyUsageFlags KeyUsage(ReadOnlyMemory<byte> v, string f, out bool notDer)
    {
        var r = Open(v);
        var bits = r.ReadBitStringSlice(out int unused).Span;
        r.ThrowIfNotEmpty();
        notDer = bits.Length > 0 && ((bits[^1] >> unused) & 1) == 0;
        int flags = 0;
        for (int i = 0; i < bits.Length * 8 - unused && i < 9; i++)
        {
            if ((bits[i / 8] & (0x80 >> (i % 8))) != 0)
            {
                flags |= 1 << i;
            }
        }
        if (flags == 0)
        {
            // RFC 5280 4.2.1.3: "at least one of the bits in the keyUsage extension MUST be set to 1".
            throw new CertificateFormatException(f, "keyUsage has no bit set");
        }
        return (KeyUsageFlags)flags;
    }

    public static string[] ExtKeyUsage(ReadOnlyMemory<byte> v, string f)
    {
        var r = Open(v);
        var seq = r.ReadSequence();
        r.ThrowIfNotEmpty();
        var list = new List<string>();
        while (seq.HasData)
        {
            list.Add(seq.ReadObjectIdentifier());
        }
        if (list.Count == 0)
        {
            // RFC 5280 4.2.1.12: ExtKeyUsageSyntax ::= SEQUENCE SIZE (1..MAX) OF KeyPurposeId
            throw new CertificateFormatException(f, "extKeyUsage must list at least one purpose");
        }
        return list.ToArray();
    }

    public static GeneralName[] GeneralNames(ReadOnlyMemory<byte> v, string f)
    {
        var r = Open(v);
        var seq = r.ReadSequence();
        r.ThrowIfNotEmpty();
        return GeneralName.ReadNames(seq, f);
    }

    /// <summary>The GeneralNames of subjectAltName or issuerAltName: names that identify, so never empty and
    /// iPAddress of 4 or 16 octets (RFC 5280 4.2.1.6, 4.2.1.7).</summary>
    public static GeneralName[] PresentedNames(ReadOnlyMemory<byte> v, string f)
    {
        var r = Open(v);
        var seq = r.ReadSequence();
        r.ThrowIfNotEmpty();
        return GeneralName.ReadNames(seq, f, materialize: true, presented: true)!;
    }

    public static AuthorityKeyIdExt AuthorityKeyId(ReadOnlyMemory<byte> v, string f)
    {
        var r = Open(v);
        var seq = r.ReadSequence();
        r.ThrowIfNotEmpty();
        ReadOnlyMemory<byte>? keyId = null;
        GeneralName[]? issuer = null;
        byte[]? serial = null;
        var t0 = new Asn1Tag(TagClass.ContextSpecific, 0);
        var t1 = new Asn1Tag(TagClass.ContextSpecific, 1, true);
        var t2 = new Asn1Tag(TagClass.ContextSpecific, 2);
        if (seq.HasData && seq.PeekTag().HasSameClassAndValue(t0))
        {
            // A slice of the certificate; DER octet strings are primitive.
            keyId = seq.TryReadPrimitiveOctetString(out var kid, t0) ? kid : throw new CertificateFormatException(f, "keyIdentifier must be a primitive OCTET STRING");
        }
        if (seq.HasData && seq.PeekTag().HasSameClassAndValue(t1))
        {
            issuer = GeneralName.ReadNames(seq.ReadSequence(t1), f + ".authorityCertIssuer");
        }
        if (seq.HasData && seq.PeekTag().HasSameClassAndValue(t2))
        {
            serial = seq.ReadIntegerBytes(t2).ToArray();
        }
        seq.ThrowIfNotEmpty();
        if ((issuer is null) != (serial is null))
        {
            // RFC 5280 4.2.1.1 / A.2: authorityCertIssuer and authorityCertSerialNumber go together.
            throw new CertificateFormatException(f, "authorityCertIssuer and authorityCertSerialNumber must both be present or both absent");
        }
        return new AuthorityKeyIdExt(keyId, issuer, serial);
    }

    public static ReadOnlyMemory<byte> SubjectKeyId(ReadOnlyMemory<byte> v, string f)
    {
        var r = Open(v);
        // A slice of the certificate; DER octet strings are primitive.
        if (!r.TryReadPrimitiveOctetString(out var id))
        {
            throw new CertificateFormatException(f, "subjectKeyIdentifier must be a primitive OCTET STRING");
        }
        r.ThrowIfNotEmpty();
        return id;
    }

    public static NameConstraintsExt NameConstraints(ReadOnlyMemory<byte> v, string f)
    {
        var r = Open(v);
        var seq = r.ReadSequence();
        r.ThrowIfNotEmpty();
        GeneralSubtree[]? permitted = null, excluded = null;
        var t0 = new Asn1Tag(TagClass.ContextSpecific, 0, true);
        var t1 = new Asn1Tag(TagClass.ContextSpecific, 1, true);
        if (seq.HasData && seq.PeekTag().HasSameClassAndValue(t0))
        {
            permitted = Subtrees(seq.ReadSequence(t0), f + ".permittedSubtrees");
        }
        if (seq.HasData && seq.PeekTag().HasSameClassAndValue(t1))
        {
            excluded = Subtrees(seq.ReadSequence(t1), f + ".excludedSubtrees");
        }
        seq.ThrowIfNotEmpty();
        if (permitted is null && excluded is null)
        {
            // RFC 5280 4.2.1.10: "Conforming CAs MUST NOT issue certificates where name constraints
            // is an empty sequence"; CA/B BR 7.1.2.5.2 likewise.
            throw new CertificateFormatException(f, "nameConstraints has neither permittedSubtrees nor excludedSubtrees");
        }
        return new NameConstraintsExt(permitted, excluded);
    }

    private static GeneralSubtree[] Subtrees(DerReader seq, string f)
    {
        var list = new List<GeneralSubtree>();
        while (seq.HasData)
        {
            var st = seq.ReadSequence();
            var name = GeneralName.Read(ref st, f);
            bool minMax = false, minZero = false;
            var t0 = new Asn1Tag(TagClass.ContextSpecific, 0);
            var t1 = new Asn1Tag(TagClass.ContextSpecific, 1);
            if (st.HasData && st.PeekTag().HasSameClassAndValue(t0))
            {
                var min = st.ReadInteger(t0);
                // DER omits DEFAULT 0 (X.690 11.5); a written-out 0 is a slip the profile rules judge.
                minZero = min.IsZero;
                minMax |= !minZero;
            }
            if (st.HasData && st.PeekTag().HasSameClassAndValue(t1))
            {
                st.ReadInteger(t1);
                minMax = true;
            }
            st.ThrowIfNotEmpty();
            list.Add(new GeneralSubtree(name, minMax, minZero));
        }
        if (list.Count == 0)
        {
            // GeneralSubtrees ::= SEQUENCE SIZE (1..MAX) OF GeneralSubtree
            throw new CertificateFormatException(f, "subtrees must not be empty (SIZE (1..MAX))");
        }
        return list.ToArray();
    }

    /// <summary>certificatePolicies; <paramref name="uninterpreted"/> tells whether a policy qualifier is one
    /// Certitude cannot interpret (RFC 5280 4.2.1.4: only id-qt-cps and id-qt-unotice, in their syntax), and
    /// <paramref name="malformedQualifier"/> whether a CPS or user-notice qualifier breaks its syntax.</summary>
    public static PolicyInformation[] CertificatePolicies(ReadOnlyMemory<byte> v, string f, out bool uninterpreted, out bool malformedQualifier)
    {
        uninterpreted = false;
        malformedQualifier = false;
        var r = Open(v);
        var seq = r.ReadSequence();
        r.ThrowIfNotEmpty();
        var list = new List<PolicyInformation>(2);
        HashSet<string>? seen = null;
        while (seq.HasData)
        {
            var pi = seq.ReadSequence();
            var oid = pi.ReadObjectIdentifier();
            if (pi.HasData)
            {
                var quals = pi.ReadSequence();
                int n = 0;
                while (quals.HasData)
                {
                    var q = quals.ReadSequence();
                    var qid = q.ReadObjectIdentifier();
                    ReadOnlyMemory<byte>? qv = null;
                    if (q.HasData)
                    {
                        qv = q.ReadEncodedValue();
                    }
                    q.ThrowIfNotEmpty();
                    bool readable = IsInterpretableQualifier(qid, qv);
                    uninterpreted |= !readable;
                    // A qualifier of a kind RFC 5280 defines that does not have its syntax.
                    malformedQualifier |= !readable && qid is Oids.QualifierCps or Oids.QualifierUserNotice;
                    n++;
                }
                if (n == 0)
                {
                    throw new CertificateFormatException(f, "policyQualifiers must not be empty");
                }
            }
            pi.ThrowIfNotEmpty();
            // A handful of policies is compared directly; a hostile number of them goes through a set.
            if (list.Count >= 16 && seen is null)
            {
                seen = new HashSet<string>(list.Select(p => p.Oid), StringComparer.Ordinal);
            }
            if (seen is not null ? !seen.Add(oid) : ContainsPolicy(list, oid))
            {
                // RFC 5280 4.2.1.4: "A certificate policy OID MUST NOT appear more than once".
                throw new CertificateFormatException(f, $"policy {Elide.Text(oid)} appears more than once");
            }
            // Policy records are immutable and shared per OID (bounded).
            list.Add(SharedPolicies.TryGetValue(oid, out var shared) ? shared
                : SharedPolicies.Count < MaxSharedPolicies ? SharedPolicies.GetOrAdd(oid, static o => new PolicyInformation(o)) : new PolicyInformation(oid));
        }
        if (list.Count == 0)
        {
            throw new CertificateFormatException(f, "certificatePolicies must not be empty");
        }
        return list.ToArray();
    }

    /// <summary>RFC 5280 4.2.1.4: "Qualifier ::= CHOICE { cPSuri CPSuri, userNotice UserNotice }", with
    /// CPSuri ::= IA5String and UserNotice ::= SEQUENCE { noticeRef NoticeReference OPTIONAL,
    /// explicitText DisplayText OPTIONAL }. Anything else is a qualifier Certitude cannot interpret.</summary>
    private static bool IsInterpretableQualifier(string id, ReadOnlyMemory<byte>? value)
    {
        if (value is not { } q)
        {
            return false;
        }
        try
        {
            var r = new AsnReader(q, AsnEncodingRules.DER);
            switch (id)
            {
                case Oids.QualifierCps:
                    r.ReadCharacterString(UniversalTagNumber.IA5String);
                    return !r.HasData;
                case Oids.QualifierUserNotice:
                    var notice = r.ReadSequence();
                    if (notice.HasData && notice.PeekTag().HasSameClassAndValue(Asn1Tag.Sequence))
                    {
                        var nr = notice.ReadSequence();
                        ReadDisplayText(nr);
                        var numbers = nr.ReadSequence();
                        while (numbers.HasData)
                        {
                            numbers.ReadInteger();
                        }
                        nr.ThrowIfNotEmpty();
                    }
                    if (notice.HasData)
                    {
                        ReadDisplayText(notice);
                    }
                    notice.ThrowIfNotEmpty();
                    return !r.HasData;
                default:
                    return false;
            }
        }
        catch (AsnContentException)
        {
            return false;
        }
    }

    /// <summary>DisplayText ::= CHOICE { ia5String, visibleString, bmpString, utf8String } (4.2.1.4).</summary>
    private static void ReadDisplayText(AsnReader r)
    {
        var tag = r.PeekTag();
        if (tag.TagClass != TagClass.Universal || (UniversalTagNumber)tag.TagValue is not (UniversalTagNumber.IA5String
            or UniversalTagNumber.VisibleString or UniversalTagNumber.BMPString or UniversalTagNumber.UTF8String))
        {
            throw new AsnContentException("DisplayText");
        }
        r.ReadCharacterString((UniversalTagNumber)tag.TagValue);
    }

    private static bool ContainsPolicy(List<PolicyInformation> list, string oid)
    {
        foreach (var p in list)
        {
            if (p.Oid == oid)
            {
                return true;
            }
        }
        return false;
    }

    public static PolicyMapping[] PolicyMappings(ReadOnlyMemory<byte> v, string f)
    {
        var r = Open(v);
        var seq = r.ReadSequence();
        r.ThrowIfNotEmpty();
        var list = new List<PolicyMapping>();
        while (seq.HasData)
        {
            var m = seq.ReadSequence();
            var a = m.ReadObjectIdentifier();
            var b = m.ReadObjectIdentifier();
            m.ThrowIfNotEmpty();
            list.Add(new PolicyMapping(a, b));
        }
        if (list.Count == 0)
        {
            throw new CertificateFormatException(f, "policyMappings must not be empty");
        }
        return list.ToArray();
    }

    public static PolicyConstraintsExt PolicyConstraints(ReadOnlyMemory<byte> v, string f)
    {
        var r = Open(v);
        var seq = r.ReadSequence();
        r.ThrowIfNotEmpty();
        int? req = null, inh = null;
        var t0 = new Asn1Tag(TagClass.ContextSpecific, 0);
        var t1 = new Asn1Tag(TagClass.ContextSpecific, 1);
        if (seq.HasData && seq.PeekTag().HasSameClassAndValue(t0))
        {
            req = SkipCerts(seq.ReadInteger(t0), f);
        }
        if (seq.HasData && seq.PeekTag().HasSameClassAndValue(t1))
        {
            inh = SkipCerts(seq.ReadInteger(t1), f);
        }
        seq.ThrowIfNotEmpty();
        if (req is null && inh is null)
        {
            // RFC 5280 4.2.1.11: "Conforming CAs MUST NOT issue certificates where policy constraints is an empty sequence".
            throw new CertificateFormatException(f, "policyConstraints is an empty sequence");
        }
        return new PolicyConstraintsExt(req, inh);
    }

    public static int InhibitAnyPolicy(ReadOnlyMemory<byte> v, string f)
    {
        var r = Open(v);
        var n = r.ReadInteger();
        r.ThrowIfNotEmpty();
        return SkipCerts(n, f);
    }

    private static int SkipCerts(BigInteger n, string f)
    {
        if (n.Sign < 0)
        {
            throw new CertificateFormatException(f, "SkipCerts must be non-negative");
        }
        return n > 1000 ? 1000 : (int)n;
    }

    public static AccessDescription[] InfoAccess(ReadOnlyMemory<byte> v, string f) => InfoAccess(v, f, materialize: true)!;

    /// <summary>Authority/SubjectInfoAccess, checked; the objects only when <paramref name="materialize"/> (else null).</summary>
    public static AccessDescription[]? InfoAccess(ReadOnlyMemory<byte> v, string f, bool materialize)
    {
        var r = Open(v);
        var seq = r.ReadSequence();
        r.ThrowIfNotEmpty();
        var list = materialize ? new List<AccessDescription>(2) : null;
        int count = 0;
        while (seq.HasData)
        {
            var ad = seq.ReadSequence();
            var method = ad.ReadObjectIdentifier();
            var loc = GeneralName.ReadCore(ref ad, f, materialize);
            ad.ThrowIfNotEmpty();
            list?.Add(new AccessDescription(method, loc!));
            count++;
        }
        if (count == 0)
        {
            // RFC 5280 4.2.2.1: SEQUENCE SIZE (1..MAX) OF AccessDescription
            throw new CertificateFormatException(f, "must contain one or more AccessDescriptions");
        }
        return list?.ToArray();
    }

    /// <summary>
    /// Extensions ::= SEQUENCE SIZE (1..MAX) OF Extension (RFC 5280 4.1, 5.1): critical FALSE must be
    /// omitted (DER DEFAULT) and no extension may appear twice (RFC 5280 4.2, 5.2).
    /// </summary>
    /// <param name="seq">The Extensions SEQUENCE's contents.</param>
    /// <param name="f">The field name for errors.</param>
    /// <param name="container">The whole DER the reader's memory is a slice of (value offsets are relative to it).</param>
    /// <param name="allowExplicitNotCritical">Keep an explicit critical FALSE as an encoding slip (certificates,
    /// where the "der-default-omitted" rule reports it) instead of failing (CRLs).</param>
    public static ExtensionHeader[] ReadExtensions(DerReader seq, string f, ReadOnlyMemory<byte> container, bool allowExplicitNotCritical = false)
    {
        // Counted first, so the result is one array of the exact size.
        int count = 0;
        for (var counter = seq; counter.HasData; count++)
        {
            counter.ReadEncodedValue();
        }
        if (count == 0)
        {
            throw new CertificateFormatException(f, "extensions must not be empty (SIZE (1..MAX))");
        }
        var result = new ExtensionHeader[count];
        HashSet<string>? seen = null;
        for (int i = 0; i < count; i++)
        {
            var ext = seq.ReadSequence();
            var oid = ext.ReadObjectIdentifier();
            bool critical = false, explicitFalse = false;
            if (ext.PeekTag().HasSameClassAndValue(Asn1Tag.Boolean))
            {
                critical = ext.ReadBoolean();
                explicitFalse = !critical;
                if (explicitFalse && !allowExplicitNotCritical)
                {
                    throw new CertificateFormatException(f + "." + Oids.ExtensionName(oid), "critical FALSE must be omitted (DER DEFAULT)");
                }
            }
            // The value is a slice of the certificate (DER octet strings are primitive), not a copy.
            if (!ext.TryReadPrimitiveOctetString(out var value))
            {
                throw new CertificateFormatException(f + "." + Oids.ExtensionName(oid), "extnValue must be a primitive OCTET STRING");
            }
            ext.ThrowIfNotEmpty();
            // A handful of extensions is compared directly; a hostile number of them goes through a set.
            if (i >= 16 && seen is null)
            {
                seen = new HashSet<string>(StringComparer.Ordinal);
                for (int j = 0; j < i; j++)
                {
                    seen.Add(result[j].Oid);
                }
            }
            if (seen is not null ? !seen.Add(oid) : Contains(result.AsSpan(0, i), oid))
            {
                // "A certificate MUST NOT include more than one instance of a particular extension."
                throw new CertificateFormatException(f, $"duplicate extension {Elide.Text(Oids.ExtensionName(oid))}");
            }
            int offset = value.IsEmpty ? 0 : (int)System.Runtime.CompilerServices.Unsafe.ByteOffset(
                ref System.Runtime.InteropServices.MemoryMarshal.GetReference(container.Span),
                ref System.Runtime.InteropServices.MemoryMarshal.GetReference(value.Span));
            result[i] = new ExtensionHeader(oid, critical, offset, value.Length, explicitFalse);
        }
        seq.ThrowIfNotEmpty();
        return result;
    }

    private static bool Contains(ReadOnlySpan<ExtensionHeader> headers, string oid)
    {
        foreach (var e in headers)
        {
            if (e.Oid == oid)
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>An optional [0] DistributionPointName (RFC 5280 4.2.1.13, 5.2.5): fullName or nameRelativeToCRLIssuer.</summary>
    public static (GeneralName[]? FullName, ReadOnlyMemory<byte>? Relative) ReadDistributionPointName(ref DerReader parent, string f, bool materialize = true)
    {
        var t0 = new Asn1Tag(TagClass.ContextSpecific, 0, true);
        if (!parent.HasData || !parent.PeekTag().HasSameClassAndValue(t0))
        {
            return (null, null);
        }
        var dpn = parent.ReadSequence(t0);
        var tag = dpn.PeekTag();
        (GeneralName[]?, ReadOnlyMemory<byte>?) result;
        if (tag.HasSameClassAndValue(new Asn1Tag(TagClass.ContextSpecific, 0)))
        {
            var names = GeneralName.ReadNames(dpn.ReadSequence(new Asn1Tag(TagClass.ContextSpecific, 0, true)), f + ".fullName", materialize);
            result = (names ?? [], null);
        }
        else if (tag.HasSameClassAndValue(new Asn1Tag(TagClass.ContextSpecific, 1)))
        {
            var rdn = dpn.ReadEncodedValue();
            CheckRelativeName(rdn, f + ".nameRelativeToCRLIssuer");
            result = (null, rdn);
        }
        else
        {
            throw new CertificateFormatException(f, "unknown DistributionPointName choice");
        }
        dpn.ThrowIfNotEmpty();
        return result;
    }

    /// <summary>RFC 5280 4.2.1.13, 5.2.5: nameRelativeToCRLIssuer is a RelativeDistinguishedName ([1] IMPLICIT SET SIZE
    /// (1..MAX) OF AttributeTypeAndValue). It is checked here, when parsed, as the one RDN of a Name, so that
    /// appending it to the CRL issuer's name later (the distribution point's full name) cannot fail.</summary>
    private static void CheckRelativeName(ReadOnlyMemory<byte> rdn, string f)
    {
        try
        {
            var tag = AsnDecoder.ReadEncodedValue(rdn.Span, AsnEncodingRules.DER, out int offset, out int length, out _);
            if (!tag.IsConstructed || length == 0)
            {
                throw new CertificateFormatException(f, "must be a non-empty SET OF AttributeTypeAndValue");
            }
            var w = new AsnWriter(AsnEncodingRules.DER);
            using (w.PushSequence())
            {
                using (w.PushSetOf())
                {
                    var content = new DerReader(rdn.Slice(offset, length));
                    while (content.HasData)
                    {
                        w.WriteEncodedValue(content.ReadEncodedValue().Span);
                    }
                }
            }
            DistinguishedName.Decode(w.Encode(), f);
        }
        catch (Exception e) when (e is AsnContentException or ArgumentException or InvalidOperationException)
        {
            throw new CertificateFormatException(f, "not a valid RelativeDistinguishedName: " + e.Message, e);
        }
    }

    /// <summary>ReasonFlags (RFC 5280 4.2.1.13) as a bit mask: bit i set for named bit i.</summary>
    public static int ReasonFlags(ReadOnlySpan<byte> bits, int unused)
    {
        int flags = 0;
        for (int i = 0; i < bits.Length * 8 - unused && i < 9; i++)
        {
            if ((bits[i / 8] & (0x80 >> (i % 8))) != 0)
            {
                flags |= 1 << i;
            }
        }
        return flags;
    }

    public static DistributionPoint[] DistributionPoints(ReadOnlyMemory<byte> v, string f) => DistributionPoints(v, f, materialize: true)!;

    /// <summary>cRLDistributionPoints / freshestCRL, checked; the objects only when <paramref name="materialize"/> (else null).</summary>
    public static DistributionPoint[]? DistributionPoints(ReadOnlyMemory<byte> v, string f, bool materialize)
    {
        var r = Open(v);
        var seq = r.ReadSequence();
        r.ThrowIfNotEmpty();
        var list = materialize ? new List<DistributionPoint>(1) : null;
        int count = 0;
        while (seq.HasData)
        {
            var dp = seq.ReadSequence();
            var (full, rel) = ReadDistributionPointName(ref dp, f, materialize);
            int? reasons = null;
            GeneralName[]? crlIssuer = null;
            bool hasCrlIssuer = false;
            var t1 = new Asn1Tag(TagClass.ContextSpecific, 1);
            if (dp.HasData && dp.PeekTag().HasSameClassAndValue(t1))
            {
                var bits = dp.ReadBitStringSlice(out int unused, t1);
                reasons = ReasonFlags(bits.Span, unused);
            }
            var t2 = new Asn1Tag(TagClass.ContextSpecific, 2, true);
            if (dp.HasData && dp.PeekTag().HasSameClassAndValue(t2))
            {
                crlIssuer = GeneralName.ReadNames(dp.ReadSequence(t2), f + ".cRLIssuer", materialize);
                hasCrlIssuer = true;
            }
            dp.ThrowIfNotEmpty();
            if (full is null && rel is null && !hasCrlIssuer)
            {
                // RFC 5280 4.2.1.13: either distributionPoint or cRLIssuer MUST be present.
                throw new CertificateFormatException(f, "a DistributionPoint needs distributionPoint or cRLIssuer");
            }
            list?.Add(new DistributionPoint(full, rel, reasons, crlIssuer));
            count++;
        }
        if (count == 0)
        {
            throw new CertificateFormatException(f, "must contain one or more DistributionPoints");
        }
        return list?.ToArray();
    }
}
