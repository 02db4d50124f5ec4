using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Text;
using Certitude.Der;
using Certitude.Signatures;

namespace Certitude;

/// <summary>
/// An X.509 certificate, parsed once from strict DER (RFC 5280 4.1). The type is immutable and
/// thread-safe. Every extension Certitude knows is decoded at parse time (a malformed one makes
/// the certificate malformed); unknown extensions are kept with their criticality.
/// </summary>
public sealed class Certificate : IEquatable<Certificate>
{
    private Certificate() { }

    /// <summary>The DER encoding of the certificate.</summary>
    public ReadOnlyMemory<byte> RawData { get; private init; }

    internal ReadOnlyMemory<byte> TbsData { get; private init; }

    private byte[]? _tbsDigest;

    /// <summary>SHA-256 of the signed bytes, computed once (signature-cache key material).</summary>
    internal byte[] TbsDigest => _tbsDigest ??= SHA256.HashData(TbsData.Span);

    private byte[]? _contentDigest;

    /// <summary>The signed object's part of a signature-cache key, computed once.</summary>
    internal byte[] ContentDigest => _contentDigest ??= Signatures.CryptoCache.ContentDigest(SignatureAlgorithm.RawData.Span, Signature.Span, TbsDigest);

    /// <summary>The version: 1, 2 or 3.</summary>
    public int Version { get; private init; }

    /// <summary>The serialNumber INTEGER contents (two's complement, big-endian).</summary>
    public ReadOnlyMemory<byte> SerialNumber { get; private init; }

    /// <summary>The serial number as a hexadecimal string.</summary>
    public string SerialNumberHex => Convert.ToHexString(SerialNumber.Span);

    /// <summary>The issuer name.</summary>
    public DistinguishedName Issuer { get; private init; } = null!;

    /// <summary>The subject name.</summary>
    public DistinguishedName Subject { get; private init; } = null!;

    /// <summary>notBefore, to the second.</summary>
    public DateTimeOffset NotBefore { get; private init; }

    /// <summary>notAfter, to the second (inclusive, RFC 5280 4.1.2.5).</summary>
    public DateTimeOffset NotAfter { get; private init; }

    internal bool ValidityHasFractionalSeconds { get; private init; }

    /// <summary>The TBS carries issuerUniqueID or subjectUniqueID (RFC 5280 4.1.2.8).</summary>
    internal bool HasUniqueIdentifiers { get; private init; }

    /// <summary>certificatePolicies carries a qualifier other than a well-formed CPS pointer or user notice (RFC 5280 4.2.1.4).</summary>
    internal bool HasUninterpretedPolicyQualifier { get; private init; }

    /// <summary>certificatePolicies carries an id-qt-cps or id-qt-unotice qualifier that breaks its syntax (RFC 5280 4.2.1.4).</summary>
    internal bool HasMalformedPolicyQualifier { get; private init; }

    /// <summary>The subject public key.</summary>
    public PublicKeyInfo PublicKey { get; private init; } = null!;

    internal SignatureAlgorithm SignatureAlgorithm { get; private init; } = null!;

    internal ReadOnlyMemory<byte> TbsSignatureAlgorithmRaw { get; private init; }

    internal ReadOnlyMemory<byte> Signature { get; private init; }

    /// <summary>The name of the signature algorithm, e.g. "ECDSA with SHA256".</summary>
    public string SignatureAlgorithmName => SignatureAlgorithm.Name;

    private ExtensionHeader[] _extensionHeaders = [];
    private CertificateExtension[]? _extensions;

    /// <summary>Every extension, in certificate order.</summary>
    public IReadOnlyList<CertificateExtension> Extensions
        => _extensions ??= Array.ConvertAll(_extensionHeaders, h => new CertificateExtension(h.Oid, h.Critical, h.ValueIn(RawData)));

    /// <summary>The extensions as parsing keeps them (no object per extension).</summary>
    internal ReadOnlySpan<ExtensionHeader> ExtensionHeaders => _extensionHeaders;

    internal BasicConstraintsExt? BasicConstraints { get; private init; }
    internal KeyUsageFlags? KeyUsage { get; private init; }
    internal string[]? ExtendedKeyUsage { get; private init; }
    private GeneralName[]? _subjectAltNames;

    /// <summary>The subjectAltName extension's octets (GeneralNames), or empty when absent.</summary>
    internal ReadOnlyMemory<byte> SubjectAltNamesRaw { get; private init; }

    internal bool HasSubjectAltNames => !SubjectAltNamesRaw.IsEmpty;

    /// <summary>The decoded subjectAltName entries (decoded on first use when parsing only validated them).</summary>
    internal GeneralName[]? SubjectAltNames
    {
        get => _subjectAltNames ??= HasSubjectAltNames ? ExtensionDecoder.PresentedNames(SubjectAltNamesRaw, "tbsCertificate.extensions.subjectAltName") : null;
        private init => _subjectAltNames = value;
    }
    internal GeneralName[]? IssuerAltNames { get; private init; }
    internal AuthorityKeyIdExt? AuthorityKeyId { get; private init; }
    internal ReadOnlyMemory<byte>? SubjectKeyId { get; private init; }
    internal NameConstraintsExt? NameConstraints { get; private init; }
    internal PolicyInformation[]? Policies { get; private init; }
    internal PolicyMapping[]? PolicyMappings { get; private init; }
    internal PolicyConstraintsExt? PolicyConstraints { get; private init; }
    internal int? InhibitAnyPolicy { get; private init; }

    /// <summary>DEFAULT values encoded explicitly (X.690 11.5), accepted at parse and reported by the
    /// issuance-tier rule "der-default-omitted".</summary>
    internal EncodingSlips EncodingSlips { get; private init; }

    /// <summary>Encodings RFC 5280 forbids that a lenient parser reads without complaint (strict-tier rules).</summary>
    internal StrictEncodingProblems StrictEncoding { get; private init; }

    private sealed record ProgramMemo(RootProgram Program, RootProgramEntry? Entry);
    private ProgramMemo? _rootProgram;

    /// <summary>This certificate's entry in a root program, looked up once per certificate and program.</summary>
    internal RootProgramEntry? RootProgramEntry(RootProgram program)
    {
        var memo = _rootProgram;
        if (memo is null || !ReferenceEquals(memo.Program, program))
        {
            _rootProgram = memo = new ProgramMemo(program, program.Lookup(this));
        }
        return memo.Entry;
    }

    // Parsing validates these four in full; the objects (mostly URIs, which verification without
    // revocation never reads) are built from the extension's octets on first use.
    private AccessDescription[]? _aia, _sia;
    private DistributionPoint[]? _crldp, _freshest;

    internal AccessDescription[]? AuthorityInfoAccess => _aia ??= ValueOf(Oids.AuthorityInfoAccess) is { } v ? ExtensionDecoder.InfoAccess(v, ExtensionField(Oids.AuthorityInfoAccess)) : null;
    internal AccessDescription[]? SubjectInfoAccess => _sia ??= ValueOf(Oids.SubjectInfoAccess) is { } v ? ExtensionDecoder.InfoAccess(v, ExtensionField(Oids.SubjectInfoAccess)) : null;
    internal DistributionPoint[]? CrlDistributionPoints => _crldp ??= ValueOf(Oids.CrlDistributionPoints) is { } v ? ExtensionDecoder.DistributionPoints(v, ExtensionField(Oids.CrlDistributionPoints)) : null;
    internal DistributionPoint[]? FreshestCrl => _freshest ??= ValueOf(Oids.FreshestCrl) is { } v ? ExtensionDecoder.DistributionPoints(v, ExtensionField(Oids.FreshestCrl)) : null;

    /// <summary>The extnValue contents of the extension with this OID, or null when absent.</summary>
    private ReadOnlyMemory<byte>? ValueOf(string oid) => FindExtension(oid) is { } h ? h.ValueIn(RawData) : (ReadOnlyMemory<byte>?)null;

    /// <summary>The subjectAltName entries (empty when the extension is absent).</summary>
    public IReadOnlyList<GeneralName> SubjectAlternativeNames => SubjectAltNames ?? [];

    /// <summary>True when basicConstraints asserts cA.</summary>
    public bool IsCertificateAuthority => BasicConstraints?.IsCa == true;

    /// <summary>Issuer and subject are the same name (RFC 5280 6.1: "self-issued").</summary>
    public bool IsSelfIssued => Issuer.Equals(Subject);

    private string? _identityKey;

    /// <summary>Subject and public key together (built on first use, for hashing).</summary>
    internal string IdentityKey => _identityKey ??= Subject.NormalizedKey + "|" + Convert.ToBase64String(PublicKey.DigestBytes);

    /// <summary>Same subject and same public key: the identity used for loop detection in path building
    /// (RFC 4158 5.2: a subject and key already on the path would make a loop).</summary>
    internal bool SameIdentity(Certificate other)
        => ReferenceEquals(this, other) || (Subject.Equals(other.Subject) && PublicKey.RawData.Span.SequenceEqual(other.PublicKey.RawData.Span));

    private string? _fingerprint;

    /// <summary>SHA-256 of the DER, hexadecimal (computed once).</summary>
    public string Sha256Fingerprint => _fingerprint ??= Convert.ToHexString(SHA256.HashData(RawData.Span));

    internal ExtensionHeader? FindExtension(string oid)
    {
        foreach (var e in _extensionHeaders)
        {
            if (e.Oid == oid)
            {
                return e;
            }
        }
        return null;
    }

    /// <inheritdoc/>
    public bool Equals(Certificate? other) => other is not null && (ReferenceEquals(this, other) || RawData.Span.SequenceEqual(other.RawData.Span));

    /// <inheritdoc/>
    public override bool Equals(object? obj) => Equals(obj as Certificate);

    /// <inheritdoc/>
    public override int GetHashCode() => IdentityKey.GetHashCode(StringComparison.Ordinal);

    /// <summary>A one-line description: subject, issuer and serial.</summary>
    public override string ToString() => $"subject=\"{Elide.Value(Subject)}\" issuer=\"{Elide.Value(Issuer)}\" serial={Elide.Text(SerialNumberHex)}";

    /// <summary>Parses one DER certificate. Throws <see cref="CertificateFormatException"/> for any malformed input.</summary>
    public static Certificate Parse(ReadOnlySpan<byte> der) => Parse(der.ToArray().AsMemory());

    /// <summary>Parses one DER certificate without copying. The memory must not change afterwards.</summary>
    public static Certificate Parse(ReadOnlyMemory<byte> der) => DerGuard.Parse(der, "certificate", ParseCore);

    /// <summary>Parses every certificate of a PEM or DER input (a bundle may hold many PEM blocks).</summary>
    /// <param name="data">PEM text (as bytes) or one DER certificate.</param>
    /// <param name="source">A name for the input used in error messages, e.g. a file path.</param>
    public static IReadOnlyList<Certificate> ParseAll(ReadOnlySpan<byte> data, string? source = null)
    {
        if (Pem.LooksLikePem(data))
        {
            var text = Encoding.ASCII.GetString(data);
            var blocks = Pem.ReadCertificates(text, source);
            var list = new List<Certificate>(blocks.Count);
            for (int i = 0; i < blocks.Count; i++)
            {
                try
                {
                    list.Add(Parse(blocks[i].AsMemory()));
                }
                catch (CertificateFormatException e)
                {
                    throw e.WithLocation(source, i);
                }
            }
            return list;
        }
        try
        {
            return [Parse(data)];
        }
        catch (CertificateFormatException e)
        {
            throw e.WithLocation(source, 0);
        }
    }

    /// <summary>Parses a single PEM-encoded certificate.</summary>
    public static Certificate ParsePem(string pem, string? source = null)
    {
        var blocks = Pem.ReadCertificates(pem, source);
        if (blocks.Count != 1)
        {
            throw new CertificateFormatException("PEM", $"expected exactly one CERTIFICATE block, found {blocks.Count}", null, source);
        }
        try
        {
            return Parse(blocks[0].AsMemory());
        }
        catch (CertificateFormatException e)
        {
            throw e.WithLocation(source, 0);
        }
    }

    private static Certificate ParseCore(ReadOnlyMemory<byte> der, DerGuard.Field at)
    {
        ref string field = ref at.Name;
        var (tbsRaw, sigAlg, sig, tbs) = Signed.Read(der, at, "tbsCertificate");

        field = "tbsCertificate.version";
        int version = 1;
        bool explicitV1 = false;
        var t0 = new Asn1Tag(TagClass.ContextSpecific, 0, true);
        if (tbs.PeekTag().HasSameClassAndValue(t0))
        {
            var vs = tbs.ReadSequence(t0);
            var v = vs.ReadInteger();
            vs.ThrowIfNotEmpty();
            // X.690 11.5: DER omits DEFAULT v1; an explicit v1 is kept as an encoding slip (see EncodingSlips).
            explicitV1 = v == 0;
            if (v < 0 || v > 2)
            {
                throw new CertificateFormatException(field, $"unknown version {Elide.Integer(v)}");
            }
            version = (int)v + 1;
        }

        field = "tbsCertificate.serialNumber";
        var serial = tbs.ReadIntegerBytes();

        field = "tbsCertificate.signature";
        var tbsSigAlg = tbs.ReadEncodedValue();

        field = "tbsCertificate.issuer";
        var issuer = DistinguishedName.Read(ref tbs, field);

        field = "tbsCertificate.validity";
        var validity = tbs.ReadSequence();
        field = "tbsCertificate.validity.notBefore";
        var (notBefore, fracA, generalizedA) = ReadTimeForm(ref validity, field);
        field = "tbsCertificate.validity.notAfter";
        var (notAfter, fracB, generalizedB) = ReadTimeForm(ref validity, field);
        validity.ThrowIfNotEmpty();

        field = "tbsCertificate.subject";
        var subject = DistinguishedName.Read(ref tbs, field);

        field = "tbsCertificate.subjectPublicKeyInfo";
        var spkiRaw = tbs.ReadEncodedValue();
        var spki = PublicKeyInfo.Decode(spkiRaw, field);

        field = "tbsCertificate.issuerUniqueID";
        var t1 = new Asn1Tag(TagClass.ContextSpecific, 1);
        var t2 = new Asn1Tag(TagClass.ContextSpecific, 2);
        bool uniqueIds = false;
        if (tbs.HasData && tbs.PeekTag().HasSameClassAndValue(t1))
        {
            tbs.ReadBitString(out _, t1);
            uniqueIds = true;
        }
        field = "tbsCertificate.subjectUniqueID";
        if (tbs.HasData && tbs.PeekTag().HasSameClassAndValue(t2))
        {
            tbs.ReadBitString(out _, t2);
            uniqueIds = true;
        }

        ExtensionHeader[] exts = [];
        field = "tbsCertificate.extensions";
        var t3 = new Asn1Tag(TagClass.ContextSpecific, 3, true);
        if (tbs.HasData && tbs.PeekTag().HasSameClassAndValue(t3))
        {
            var wrap = tbs.ReadSequence(t3);
            exts = ExtensionDecoder.ReadExtensions(wrap.ReadSequence(), field, der, allowExplicitNotCritical: true);
            wrap.ThrowIfNotEmpty();
        }
        field = "tbsCertificate";
        tbs.ThrowIfNotEmpty();

        BasicConstraintsExt? bc = null;
        KeyUsageFlags? ku = null;
        string[]? eku = null;
        GeneralName[]? san = null, ian = null;
        ReadOnlyMemory<byte> sanRaw = default;
        AuthorityKeyIdExt? aki = null;
        ReadOnlyMemory<byte>? ski = null;
        NameConstraintsExt? nc = null;
        PolicyInformation[]? pols = null;
        PolicyMapping[]? maps = null;
        PolicyConstraintsExt? pc = null;
        int? inhibit = null;
        var slips = explicitV1 ? EncodingSlips.ExplicitVersion1 : EncodingSlips.None;
        bool uninterpretedQualifier = false, malformedQualifier = false, keyUsageNotDer = false;
        foreach (var e in exts)
        {
            if (e.ExplicitNotCritical)
            {
                slips |= EncodingSlips.ExplicitNotCritical;
            }
            field = ExtensionField(e.Oid);
            var v = e.ValueIn(der);
            switch (e.Oid)
            {
                case Oids.BasicConstraints: bc = ExtensionDecoder.BasicConstraints(v, field); break;
                case Oids.KeyUsage: ku = ExtensionDecoder.KeyUsage(v, field, out keyUsageNotDer); break;
                case Oids.ExtKeyUsage: eku = ExtensionDecoder.ExtKeyUsage(v, field); break;
                case Oids.SubjectAltName:
                    sanRaw = v;
                    // The common form is validated here and decoded on first use; any other is decoded now.
                    san = GeneralName.IsSimple(v.Span) ? null : ExtensionDecoder.PresentedNames(v, field);
                    break;
                case Oids.IssuerAltName: ian = ExtensionDecoder.PresentedNames(v, field); break;
                case Oids.AuthorityKeyIdentifier: aki = ExtensionDecoder.AuthorityKeyId(v, field); break;
                case Oids.SubjectKeyIdentifier: ski = ExtensionDecoder.SubjectKeyId(v, field); break;
                case Oids.NameConstraints: nc = ExtensionDecoder.NameConstraints(v, field); break;
                case Oids.CertificatePolicies: pols = ExtensionDecoder.CertificatePolicies(v, field, out uninterpretedQualifier, out malformedQualifier); break;
                case Oids.PolicyMappings: maps = ExtensionDecoder.PolicyMappings(v, field); break;
                case Oids.PolicyConstraints: pc = ExtensionDecoder.PolicyConstraints(v, field); break;
                case Oids.InhibitAnyPolicy: inhibit = ExtensionDecoder.InhibitAnyPolicy(v, field); break;
                case Oids.AuthorityInfoAccess:
                case Oids.SubjectInfoAccess: ExtensionDecoder.InfoAccess(v, field, materialize: false); break;
                case Oids.CrlDistributionPoints:
                case Oids.FreshestCrl: ExtensionDecoder.DistributionPoints(v, field, materialize: false); break;
                default: break;
            }
        }

        return new Certificate
        {
            RawData = der,
            TbsData = tbsRaw,
            Version = version,
            SerialNumber = serial,
            TbsSignatureAlgorithmRaw = tbsSigAlg,
            SignatureAlgorithm = sigAlg,
            Signature = sig,
            Issuer = issuer,
            Subject = subject,
            NotBefore = notBefore,
            NotAfter = notAfter,
            ValidityHasFractionalSeconds = fracA || fracB,
            // RFC 5280 4.1.2.5: dates through 2049 MUST be UTCTime.
            StrictEncoding = (generalizedA && notBefore.Year < 2050 ? StrictEncodingProblems.GeneralizedTimeNotBefore : 0)
                | (generalizedB && notAfter.Year < 2050 ? StrictEncodingProblems.GeneralizedTimeNotAfter : 0)
                | (keyUsageNotDer ? StrictEncodingProblems.KeyUsageNotDer : 0),
            HasUniqueIdentifiers = uniqueIds,
            HasUninterpretedPolicyQualifier = uninterpretedQualifier,
            HasMalformedPolicyQualifier = malformedQualifier,
            PublicKey = spki,
            _extensionHeaders = exts,
            BasicConstraints = bc,
            KeyUsage = ku,
            ExtendedKeyUsage = eku,
            SubjectAltNames = san,
            SubjectAltNamesRaw = sanRaw,
            IssuerAltNames = ian,
            AuthorityKeyId = aki,
            SubjectKeyId = ski,
            NameConstraints = nc,
            Policies = pols,
            PolicyMappings = maps,
            PolicyConstraints = pc,
            InhibitAnyPolicy = inhibit,
            EncodingSlips = slips | (bc?.ExplicitCaFalse == true ? EncodingSlips.ExplicitCaFalse : EncodingSlips.None)
                | (nc is not null && (nc.Permitted ?? []).Concat(nc.Excluded ?? []).Any(st => st.ExplicitMinimumZero) ? EncodingSlips.ExplicitMinimumZero : EncodingSlips.None),
        };
    }

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, string> ExtensionFields = new(StringComparer.Ordinal);

    /// <summary>"tbsCertificate.extensions.&lt;name&gt;" for error messages, built once per known extension.</summary>
    private static string ExtensionField(string oid)
    {
        var name = Oids.ExtensionName(oid);
        if (name == oid)
        {
            return "tbsCertificate.extensions." + oid;
        }
        return ExtensionFields.GetOrAdd(oid, static (_, n) => "tbsCertificate.extensions." + n, name);
    }

    /// <summary>RFC 5280 4.1.2.5: UTCTime YYMMDDHHMMSSZ or GeneralizedTime YYYYMMDDHHMMSSZ.</summary>
    internal static (DateTimeOffset Time, bool Fraction) ReadTime(ref DerReader r, string field)
    {
        var (time, fraction, _) = ReadTimeForm(ref r, field);
        return (time, fraction);
    }

    /// <summary>A Time (RFC 5280 4.1.2.5), and whether it was written as GeneralizedTime.</summary>
    internal static (DateTimeOffset Time, bool Fraction, bool Generalized) ReadTimeForm(ref DerReader r, string field)
    {
        var tag = r.PeekTag();
        bool utc;
        if (tag.HasSameClassAndValue(Asn1Tag.UtcTime))
        {
            utc = true;
        }
        else if (tag.HasSameClassAndValue(Asn1Tag.GeneralizedTime))
        {
            utc = false;
        }
        else
        {
            throw new CertificateFormatException(field, "time must be UTCTime or GeneralizedTime");
        }
        if (tag.IsConstructed)
        {
            throw new CertificateFormatException(field, "time must be primitive");
        }
        var encoded = r.ReadEncodedValue().Span;
        AsnDecoder.ReadEncodedValue(encoded, AsnEncodingRules.DER, out int offset, out int length, out _);
        var (time, fraction) = ParseTimeText(encoded.Slice(offset, length), utc, field);
        return (time, fraction, !utc);
    }

    internal static (DateTimeOffset Time, bool Fraction) ParseTimeText(ReadOnlySpan<byte> s, bool utc, string field)
    {
        int n = s.Length;
        if (n == 0 || s[n - 1] != (byte)'Z')
        {
            throw new CertificateFormatException(field, "time must end in Z (UTC)");
        }
        int pos = 0;
        int Digits(ReadOnlySpan<byte> span, int count)
        {
            if (pos + count > span.Length - 1)
            {
                throw new CertificateFormatException(field, "time is too short");
            }
            int v = 0;
            for (int i = 0; i < count; i++)
            {
                byte c = span[pos + i];
                if (c < '0' || c > '9')
                {
                    throw new CertificateFormatException(field, "time has a non-digit");
                }
                v = v * 10 + (c - '0');
            }
            pos += count;
            return v;
        }
        int year;
        if (utc)
        {
            if (n != 13)
            {
                throw new CertificateFormatException(field, "UTCTime must be YYMMDDHHMMSSZ");
            }
            int yy = Digits(s, 2);
            year = yy >= 50 ? 1900 + yy : 2000 + yy; // RFC 5280 4.1.2.5.1
        }
        else
        {
            year = Digits(s, 4);
        }
        int month = Digits(s, 2), day = Digits(s, 2), hour = Digits(s, 2), minute = Digits(s, 2), second = Digits(s, 2);
        bool fraction = false;
        if (pos < n - 1)
        {
            // GeneralizedTime with fractional seconds: RFC 5280 4.1.2.5.2 says MUST NOT; DER
            // (X.690 11.7) forbids a trailing zero and an empty fraction.
            if (utc || s[pos] != (byte)'.' || n - 1 - pos < 2 || s[n - 2] == (byte)'0')
            {
                throw new CertificateFormatException(field, "malformed time");
            }
            for (int i = pos + 1; i < n - 1; i++)
            {
                if (s[i] < '0' || s[i] > '9')
                {
                    throw new CertificateFormatException(field, "malformed fractional seconds");
                }
            }
            fraction = true;
        }
        if (month < 1 || month > 12 || day < 1 || day > DateTime.DaysInMonth(Math.Max(year, 1), month) || hour > 23 || minute > 59 || second > 59 || year < 1)
        {
            throw new CertificateFormatException(field, "time is out of range");
        }
        return (new DateTimeOffset(year, month, day, hour, minute, second, TimeSpan.Zero), fraction);
    }
}

/// <summary>Encodings that are not what RFC 5280 (or DER) requires but that parse: the strict rules
/// <c>keyusage-der</c> and <c>utctime-before-2050</c> report them.</summary>
[Flags]
internal enum StrictEncodingProblems
{
    None = 0,
    /// <summary>keyUsage's BIT STRING keeps trailing zero bits (X.690 11.2.2: a named bit list drops them).</summary>
    KeyUsageNotDer = 1,
    /// <summary>notBefore before 2050 written as GeneralizedTime (RFC 5280 4.1.2.5).</summary>
    GeneralizedTimeNotBefore = 2,
    /// <summary>notAfter before 2050 written as GeneralizedTime (RFC 5280 4.1.2.5).</summary>
    GeneralizedTimeNotAfter = 4,
}

/// <summary>Values DER requires to be omitted (X.690 11.5: DEFAULT) that a certificate encodes explicitly.</summary>
[Flags]
internal enum EncodingSlips
{
    None = 0,
    /// <summary>version v1 (0) written out.</summary>
    ExplicitVersion1 = 1,
    /// <summary>An extension's critical FALSE written out.</summary>
    ExplicitNotCritical = 2,
    /// <summary>basicConstraints cA FALSE written out.</summary>
    ExplicitCaFalse = 4,
    /// <summary>A name-constraint GeneralSubtree's minimum 0 written out (RFC 5280 4.2.1.10).</summary>
    ExplicitMinimumZero = 8,
}

internal static class EncodingSlipText
{
    public static string Describe(EncodingSlips s)
    {
        var parts = new List<string>(3);
        if ((s & EncodingSlips.ExplicitVersion1) != 0)
        {
            parts.Add("version v1 is encoded");
        }
        if ((s & EncodingSlips.ExplicitNotCritical) != 0)
        {
            parts.Add("an extension encodes critical FALSE");
        }
        if ((s & EncodingSlips.ExplicitCaFalse) != 0)
        {
            parts.Add("basicConstraints encodes cA FALSE");
        }
        if ((s & EncodingSlips.ExplicitMinimumZero) != 0)
        {
            parts.Add("a name-constraint subtree encodes minimum 0");
        }
        return string.Join(", ", parts);
    }
}
