using System.Formats.Asn1;
using System.Numerics;
using System.Security.Cryptography;
using System.Text;
using Certitude.Der;
using Certitude.Signatures;

namespace Certitude;

/// <summary>RFC 5280 5.3.1 reason codes.</summary>
public enum RevocationReason
{
    /// <summary>unspecified (0)</summary>
    Unspecified = 0,
    /// <summary>keyCompromise (1)</summary>
    KeyCompromise = 1,
    /// <summary>cACompromise (2)</summary>
    CaCompromise = 2,
    /// <summary>affiliationChanged (3)</summary>
    AffiliationChanged = 3,
    /// <summary>superseded (4)</summary>
    Superseded = 4,
    /// <summary>cessationOfOperation (5)</summary>
    CessationOfOperation = 5,
    /// <summary>certificateHold (6)</summary>
    CertificateHold = 6,
    /// <summary>removeFromCRL (8)</summary>
    RemoveFromCrl = 8,
    /// <summary>privilegeWithdrawn (9)</summary>
    PrivilegeWithdrawn = 9,
    /// <summary>aACompromise (10)</summary>
    AaCompromise = 10,
}

/// <summary>RFC 5280 5.2.5 issuingDistributionPoint.</summary>
internal sealed record IssuingDistributionPoint(
    GeneralName[]? FullName, ReadOnlyMemory<byte>? RelativeName, bool OnlyUserCerts, bool OnlyCaCerts,
    int? OnlySomeReasons, bool IndirectCrl, bool OnlyAttributeCerts);

/// <summary>One revoked certificate of a CRL.</summary>
/// <param name="SerialNumberHex">The serial number (hexadecimal of the INTEGER contents).</param>
/// <param name="RevocationDate">When it was revoked.</param>
/// <param name="Reason">The reason code, if the entry has one.</param>
/// <param name="CertificateIssuer">The issuer of the revoked certificate (the CRL issuer unless an indirect CRL names another, RFC 5280 5.3.3).</param>
public sealed record RevokedCertificate(string SerialNumberHex, DateTimeOffset RevocationDate, RevocationReason? Reason, DistinguishedName CertificateIssuer);

/// <summary>
/// A certificate revocation list (RFC 5280 5), parsed from strict DER. Revoked serial numbers are
/// held in a hash table, so a lookup never scans the list. Immutable and thread-safe.
/// </summary>
public sealed class CertificateRevocationList
{
    // Entries keyed by serial (hexadecimal) and the index of their certificate issuer among the distinct
    // issuers of this CRL (the CRL issuer, and those certificateIssuer entry extensions name, RFC 5280
    // 5.3.3): no entry holds a copy of an issuer's name, so memory stays linear in the CRL's size.
    private readonly Dictionary<(string Serial, int Issuer), RevokedCertificate> _revoked;
    private readonly Dictionary<DistinguishedName, int> _issuers;

    private CertificateRevocationList(Dictionary<(string, int), RevokedCertificate> revoked, Dictionary<DistinguishedName, int> issuers)
    {
        _revoked = revoked;
        _issuers = issuers;
    }

    /// <summary>The DER encoding.</summary>
    public ReadOnlyMemory<byte> RawData { get; private init; }
    internal ReadOnlyMemory<byte> TbsData { get; private init; }

    private byte[]? _tbsDigest;

    /// <summary>SHA-256 of the signed bytes, computed once (signature-cache key material).</summary>
    internal byte[] TbsDigest => _tbsDigest ??= SHA256.HashData(TbsData.Span);

    private byte[]? _contentDigest;

    /// <summary>The signed object's part of a signature-cache key, computed once.</summary>
    internal byte[] ContentDigest => _contentDigest ??= Signatures.CryptoCache.ContentDigest(SignatureAlgorithm.RawData.Span, Signature.Span, TbsDigest);
    internal SignatureAlgorithm SignatureAlgorithm { get; private init; } = null!;
    internal ReadOnlyMemory<byte> TbsSignatureAlgorithmRaw { get; private init; }
    internal ReadOnlyMemory<byte> Signature { get; private init; }

    /// <summary>1 or 2.</summary>
    public int Version { get; private init; }

    /// <summary>The CRL issuer.</summary>
    public DistinguishedName Issuer { get; private init; } = null!;

    /// <summary>thisUpdate.</summary>
    public DateTimeOffset ThisUpdate { get; private init; }

    /// <summary>nextUpdate, if present.</summary>
    public DateTimeOffset? NextUpdate { get; private init; }

    /// <summary>The CRL number (RFC 5280 5.2.3), if present.</summary>
    public BigInteger? CrlNumber { get; private init; }

    /// <summary>Every CRL extension.</summary>
    public IReadOnlyList<CertificateExtension> Extensions { get; private init; } = [];

    /// <summary>The number of revoked entries.</summary>
    public int Count => _revoked.Count;

    /// <summary>The base CRL number of a delta CRL (RFC 5280 5.2.4), or null for a complete CRL.</summary>
    public BigInteger? DeltaBaseCrlNumber { get; private init; }

    internal bool IsDelta => DeltaBaseCrlNumber is not null;
    internal IssuingDistributionPoint? IssuingDistributionPoint { get; private init; }
    internal byte[]? AuthorityKeyId { get; private init; }

    /// <summary>A critical entry extension that is not understood: the CRL must not be used (RFC 5280 5.3).</summary>
    internal string? UnhandledCriticalEntryExtension { get; private init; }

    /// <summary>Looks up a certificate by issuer and serial number (hash lookup; the list is not scanned).</summary>
    public RevokedCertificate? Find(DistinguishedName certificateIssuer, ReadOnlySpan<byte> serialNumber)
        => _issuers.TryGetValue(certificateIssuer, out int issuer) && _revoked.TryGetValue((Convert.ToHexString(serialNumber), issuer), out var e) ? e : null;

    private static readonly HashSet<string> UnderstoodCrlExtensions = new(StringComparer.Ordinal)
    {
        Oids.AuthorityKeyIdentifier, "2.5.29.20" /* cRLNumber */, "2.5.29.27" /* deltaCRLIndicator */,
        "2.5.29.28" /* issuingDistributionPoint */, Oids.IssuerAltName, Oids.AuthorityInfoAccess, Oids.FreshestCrl,
    };

    /// <summary>RFC 5280 5.2: a critical CRL extension Certitude does not process (the CRL is then unusable).</summary>
    internal string? UnhandledCriticalExtension => UnhandledCriticalEntryExtension ?? Extensions.FirstOrDefault(e => e.Critical && !UnderstoodCrlExtensions.Contains(e.Oid))?.Oid;

    internal bool CrlNumberCritical => Extensions.Any(e => e.Oid == "2.5.29.20" && e.Critical);

    /// <summary>Parses every CRL of a PEM ("X509 CRL" blocks) or DER input.</summary>
    public static IReadOnlyList<CertificateRevocationList> ParseAll(ReadOnlySpan<byte> data, string? source = null)
    {
        if (Pem.LooksLikePem(data))
        {
            var blocks = Pem.ReadBlocks(Encoding.ASCII.GetString(data), source, "X509 CRL");
            var list = new List<CertificateRevocationList>();
            for (int i = 0; i < blocks.Count; i++)
            {
                try
                {
                    list.Add(Parse(blocks[i]));
                }
                catch (CertificateFormatException e)
                {
                    throw e.WithLocation(source, i);
                }
            }
            return list;
        }
        return [Parse(data.ToArray())];
    }

    /// <summary>Parses one DER CRL; throws <see cref="CertificateFormatException"/> for anything malformed.</summary>
    public static CertificateRevocationList Parse(ReadOnlyMemory<byte> der) => DerGuard.Parse(der, "certificateList", ParseCore);

    private static CertificateRevocationList ParseCore(ReadOnlyMemory<byte> der, DerGuard.Field at)
    {
        ref string field = ref at.Name;
        var (tbsRaw, sigAlg, sig, tbs) = Signed.Read(der, at, "tbsCertList");
        int version = 1;
        if (tbs.PeekTag().HasSameClassAndValue(Asn1Tag.Integer))
        {
            field = "tbsCertList.version";
            var v = tbs.ReadInteger();
            if (v != 1)
            {
                // RFC 5280 5.1.2.1: when present, version MUST be v2.
                throw new CertificateFormatException(field, $"version must be v2 when present, not {Elide.Integer(v)}");
            }
            version = 2;
        }
        field = "tbsCertList.signature";
        var tbsSig = tbs.ReadEncodedValue();
        field = "tbsCertList.issuer";
        var issuer = DistinguishedName.Read(ref tbs, field);
        field = "tbsCertList.thisUpdate";
        var (thisUpdate, _) = Certificate.ReadTime(ref tbs, field);
        DateTimeOffset? nextUpdate = null;
        if (tbs.HasData && (tbs.PeekTag().HasSameClassAndValue(Asn1Tag.UtcTime) || tbs.PeekTag().HasSameClassAndValue(Asn1Tag.GeneralizedTime)))
        {
            field = "tbsCertList.nextUpdate";
            nextUpdate = Certificate.ReadTime(ref tbs, field).Time;
        }
        var revoked = new Dictionary<(string, int), RevokedCertificate>();
        // DistinguishedName equality is RFC 5280 7.1 comparison (hash first, then bytes).
        var issuers = new Dictionary<DistinguishedName, int> { [issuer] = 0 };
        var issuerList = new List<DistinguishedName> { issuer };
        string? badEntryExtension = null;
        var entryIssuer = issuer;
        int entryIssuerIndex = 0;
        if (tbs.HasData && tbs.PeekTag().HasSameClassAndValue(Asn1Tag.Sequence))
        {
            field = "tbsCertList.revokedCertificates";
            var list = tbs.ReadSequence();
            int i = 0;
            while (list.HasData)
            {
                field = $"tbsCertList.revokedCertificates[{i}]";
                var entry = list.ReadSequence();
                var serial = entry.ReadIntegerBytes();
                var (date, _) = Certificate.ReadTime(ref entry, field + ".revocationDate");
                RevocationReason? reason = null;
                if (entry.HasData)
                {
                    if (version != 2)
                    {
                        throw new CertificateFormatException(field, "entry extensions require a v2 CRL");
                    }
                    foreach (var header in ExtensionDecoder.ReadExtensions(entry.ReadSequence(), field + ".crlEntryExtensions", der))
                    {
                        var (oid, critical, value) = (header.Oid, header.Critical, header.ValueIn(der));
                        switch (oid)
                        {
                            case "2.5.29.21": // reasonCode, RFC 5280 5.3.1
                                {
                                    var r = new DerReader(value);
                                    var code = (int)r.ReadEnumeratedValue<RevocationReasonRaw>();
                                    r.ThrowIfNotEmpty();
                                    if (code is < 0 or 7 or > 10)
                                    {
                                        throw new CertificateFormatException(field + ".reasonCode", $"unknown reason code {code}");
                                    }
                                    reason = (RevocationReason)code;
                                    break;
                                }
                            case "2.5.29.29": // certificateIssuer, RFC 5280 5.3.3: applies to this and following entries
                                {
                                    var names = ExtensionDecoder.GeneralNames(value, field + ".certificateIssuer");
                                    entryIssuer = names.FirstOrDefault(n => n.Kind == GeneralNameKind.DirectoryName)?.Directory
                                        ?? throw new CertificateFormatException(field + ".certificateIssuer", "no directoryName");
                                    if (!issuers.TryGetValue(entryIssuer, out entryIssuerIndex))
                                    {
                                        entryIssuerIndex = issuers.Count;
                                        issuers.Add(entryIssuer, entryIssuerIndex);
                                        issuerList.Add(entryIssuer);
                                    }
                                    // One object per distinct issuer: the entries share it.
                                    entryIssuer = issuerList[entryIssuerIndex];
                                    break;
                                }
                            case "2.5.29.24": // invalidityDate, RFC 5280 5.3.2
                                break;
                            default:
                                if (critical)
                                {
                                    badEntryExtension ??= oid;
                                }
                                break;
                        }
                    }
                }
                entry.ThrowIfNotEmpty();
                var hex = Convert.ToHexString(serial.Span);
                revoked[(hex, entryIssuerIndex)] = new RevokedCertificate(hex, date, reason, entryIssuer);
                i++;
            }
        }
        ExtensionHeader[] extensions = [];
        byte[]? aki = null;
        BigInteger? number = null;
        BigInteger? baseNumber = null;
        IssuingDistributionPoint? idp = null;
        var t0 = new Asn1Tag(TagClass.ContextSpecific, 0, true);
        if (tbs.HasData && tbs.PeekTag().HasSameClassAndValue(t0))
        {
            field = "tbsCertList.crlExtensions";
            if (version != 2)
            {
                throw new CertificateFormatException(field, "extensions require a v2 CRL");
            }
            var wrap = tbs.ReadSequence(t0);
            extensions = ExtensionDecoder.ReadExtensions(wrap.ReadSequence(), field, der);
            wrap.ThrowIfNotEmpty();
            foreach (var header in extensions)
            {
                var (oid, value) = (header.Oid, header.ValueIn(der));
                if (oid == "2.5.29.20")
                {
                    var r = new DerReader(value);
                    var n = r.ReadInteger();
                    r.ThrowIfNotEmpty();
                    if (n.Sign < 0 || n.GetByteCount() > 20)
                    {
                        // RFC 5280 5.2.3: 0..MAX, at most 20 octets.
                        throw new CertificateFormatException(field + ".cRLNumber", "CRL number out of range");
                    }
                    number = n;
                }
                else if (oid == Oids.AuthorityKeyIdentifier)
                {
                    aki = ExtensionDecoder.AuthorityKeyId(value, field + ".authorityKeyIdentifier").KeyId?.ToArray();
                }
                else if (oid == "2.5.29.27")
                {
                    var r = new DerReader(value);
                    baseNumber = r.ReadInteger();
                    r.ThrowIfNotEmpty();
                    if (baseNumber.Value.Sign < 0)
                    {
                        throw new CertificateFormatException(field + ".deltaCRLIndicator", "BaseCRLNumber must be non-negative");
                    }
                }
                else if (oid == "2.5.29.28")
                {
                    idp = DecodeIdp(value, field + ".issuingDistributionPoint");
                }
            }
        }
        tbs.ThrowIfNotEmpty();
        return new CertificateRevocationList(revoked, issuers)
        {
            RawData = der,
            TbsData = tbsRaw,
            SignatureAlgorithm = sigAlg,
            TbsSignatureAlgorithmRaw = tbsSig,
            Signature = sig,
            Version = version,
            Issuer = issuer,
            ThisUpdate = thisUpdate,
            NextUpdate = nextUpdate,
            CrlNumber = number,
            DeltaBaseCrlNumber = baseNumber,
            IssuingDistributionPoint = idp,
            Extensions = Array.ConvertAll(extensions, h => new CertificateExtension(h.Oid, h.Critical, h.ValueIn(der))),
            AuthorityKeyId = aki,
            UnhandledCriticalEntryExtension = badEntryExtension,
        };
    }

    /// <summary>RFC 5280 5.2.5.</summary>
    private static IssuingDistributionPoint DecodeIdp(ReadOnlyMemory<byte> v, string f)
    {
        var r = new DerReader(v);
        var s = r.ReadSequence();
        r.ThrowIfNotEmpty();
        var (full, rel) = ExtensionDecoder.ReadDistributionPointName(ref s, f);
        bool Flag(int tagNo)
        {
            var t = new Asn1Tag(TagClass.ContextSpecific, tagNo);
            if (s.HasData && s.PeekTag().HasSameClassAndValue(t))
            {
                if (!s.ReadBoolean(t))
                {
                    throw new CertificateFormatException(f, "a FALSE flag must be omitted (DER DEFAULT)");
                }
                return true;
            }
            return false;
        }
        bool user = Flag(1), ca = Flag(2);
        int? reasons = null;
        var t3 = new Asn1Tag(TagClass.ContextSpecific, 3);
        if (s.HasData && s.PeekTag().HasSameClassAndValue(t3))
        {
            reasons = ExtensionDecoder.ReasonFlags(s.ReadBitString(out int unused, t3), unused);
        }
        bool indirect = Flag(4), attr = Flag(5);
        s.ThrowIfNotEmpty();
        if ((user ? 1 : 0) + (ca ? 1 : 0) + (attr ? 1 : 0) > 1)
        {
            // RFC 5280 5.2.5: at most one of the three only-contains flags.
            throw new CertificateFormatException(f, "more than one onlyContains flag is set");
        }
        return new IssuingDistributionPoint(full, rel, user, ca, reasons, indirect, attr);
    }

    private enum RevocationReasonRaw
    {
        Unspecified = 0, KeyCompromise = 1, CaCompromise = 2, AffiliationChanged = 3, Superseded = 4,
        CessationOfOperation = 5, CertificateHold = 6, RemoveFromCrl = 8, PrivilegeWithdrawn = 9, AaCompromise = 10,
    }
}
