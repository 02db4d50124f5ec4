using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Certitude.Tests;

/// <summary>A certificate made in the test, with its key.</summary>
internal sealed class Issued(X509Certificate2 cert, AsymmetricAlgorithm key)
{
    public X509Certificate2 X509 { get; } = cert;
    public AsymmetricAlgorithm Key { get; } = key;
    public Certificate Cert { get; } = Certificate.Parse(cert.RawData);
    public string Name => X509.Subject;

    public X509SignatureGenerator Generator => Key switch
    {
        ECDsa ec => X509SignatureGenerator.CreateForECDsa(ec),
        RSA rsa => X509SignatureGenerator.CreateForRSA(rsa, RSASignaturePadding.Pkcs1),
        _ => throw new NotSupportedException(),
    };
}

/// <summary>Options for one certificate of the test PKI.</summary>
internal sealed record CertSpec
{
    public string? Subject { get; init; }
    public bool Ca { get; init; }
    public int? PathLength { get; init; }
    public bool BasicConstraints { get; init; } = true;
    public X509KeyUsageFlags? KeyUsage { get; init; }
    public string[]? Dns { get; init; }
    public string[]? Ips { get; init; }
    public string[]? Emails { get; init; }
    public string[]? Ekus { get; init; } = ["1.3.6.1.5.5.7.3.1"];
    public DateTimeOffset NotBefore { get; init; } = TestPki.Now.AddDays(-30);
    public DateTimeOffset NotAfter { get; init; } = TestPki.Now.AddDays(30);
    public AsymmetricAlgorithm? Key { get; init; }
    public HashAlgorithmName Hash { get; init; } = HashAlgorithmName.SHA256;
    public RSASignaturePadding? Padding { get; init; }
    public bool Aki { get; init; } = true;
    public bool Ski { get; init; } = true;
    public List<X509Extension> Extra { get; init; } = [];
}

/// <summary>A small PKI built with CertificateRequest: roots, intermediates and leaves with the
/// extensions a test asks for. Keys are P-256 unless a spec gives one.</summary>
internal static class TestPki
{
    public static readonly DateTimeOffset Now = new(2026, 6, 1, 12, 0, 0, TimeSpan.Zero);

    /// <summary>A spec valid around the real clock, for tests where the platform or a TLS context reads the time.</summary>
    public static CertSpec Live(CertSpec? s = null)
    {
        var today = DateTimeOffset.UtcNow;
        return (s ?? new CertSpec()) with { NotBefore = today.AddDays(-1), NotAfter = today.AddDays(30) };
    }

    private static long _serial = 1000;

    public static Issued Root(string cn = "CN=Test Root", CertSpec? spec = null)
    {
        spec = (spec ?? new CertSpec()) with { Subject = cn, Ca = true, Ekus = spec?.Ekus is { } e && spec.Ca ? e : null };
        var key = spec.Key ?? ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var req = Request(spec, key);
        var serial = NextSerial();
        var generator = key is RSA rsa ? X509SignatureGenerator.CreateForRSA(rsa, spec.Padding ?? RSASignaturePadding.Pkcs1) : X509SignatureGenerator.CreateForECDsa((ECDsa)key);
        var cert = req.Create(new X500DistinguishedName(cn), generator, spec.NotBefore, spec.NotAfter, serial);
        return new Issued(cert, key);
    }

    public static Issued Ca(Issued issuer, string cn, int? pathLength = null, CertSpec? spec = null)
        => Issue(issuer, (spec ?? new CertSpec()) with { Subject = cn, Ca = true, PathLength = pathLength ?? spec?.PathLength, Ekus = spec?.Ekus is { } e && spec.Ca ? e : null });

    /// <summary>A leaf whose SAN holds the given DNS names (default example.com, unless the spec brings its
    /// own SAN) and whose CN is the first of them, as CA/B BR 7.1.4.3 wants.</summary>
    public static Issued Leaf(Issued issuer, string[]? dns = null, CertSpec? spec = null)
    {
        spec ??= new CertSpec();
        bool ownSan = spec.Extra.Any(e => e.Oid?.Value == "2.5.29.17") || spec.Ips is not null || spec.Emails is not null;
        var names = dns ?? spec.Dns ?? (ownSan ? null : ["example.com"]);
        return Issue(issuer, spec with { Dns = names, Subject = spec.Subject ?? "CN=" + (names?.FirstOrDefault() ?? "leaf") });
    }

    public static Issued Issue(Issued issuer, CertSpec spec)
    {
        var key = spec.Key ?? ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var req = Request(spec, key);
        if (spec.Aki)
        {
            var issuerSki = issuer.X509.Extensions.OfType<X509SubjectKeyIdentifierExtension>().FirstOrDefault()
                ?? new X509SubjectKeyIdentifierExtension(issuer.X509.PublicKey, false);
            req.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromSubjectKeyIdentifier(issuerSki));
        }
        var generator = issuer.Key is RSA rsa ? X509SignatureGenerator.CreateForRSA(rsa, spec.Padding ?? RSASignaturePadding.Pkcs1) : issuer.Generator;
        var cert = req.Create(issuer.X509.SubjectName, generator, spec.NotBefore, spec.NotAfter, NextSerial());
        return new Issued(cert, key);
    }

    private static CertificateRequest Request(CertSpec spec, AsymmetricAlgorithm key)
    {
        var name = new X500DistinguishedName(spec.Subject ?? "CN=test");
        var req = key switch
        {
            ECDsa ec => new CertificateRequest(name, ec, spec.Hash),
            RSA rsa => new CertificateRequest(name, rsa, spec.Hash, spec.Padding ?? RSASignaturePadding.Pkcs1),
            _ => throw new NotSupportedException(),
        };
        if (spec.BasicConstraints && (spec.Ca || spec.PathLength is not null))
        {
            req.CertificateExtensions.Add(new X509BasicConstraintsExtension(spec.Ca, spec.PathLength is not null, spec.PathLength ?? 0, true));
        }
        var ku = spec.KeyUsage ?? (spec.Ca ? X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign : X509KeyUsageFlags.DigitalSignature);
        if (ku != X509KeyUsageFlags.None)
        {
            req.CertificateExtensions.Add(new X509KeyUsageExtension(ku, true));
        }
        if (spec.Ekus is { Length: > 0 } ekus)
        {
            var oids = new OidCollection();
            foreach (var e in ekus)
            {
                oids.Add(new Oid(e));
            }
            req.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(oids, false));
        }
        if (spec.Dns is not null || spec.Ips is not null || spec.Emails is not null)
        {
            var san = new SubjectAlternativeNameBuilder();
            foreach (var d in spec.Dns ?? [])
            {
                san.AddDnsName(d);
            }
            foreach (var ip in spec.Ips ?? [])
            {
                san.AddIpAddress(System.Net.IPAddress.Parse(ip));
            }
            foreach (var e in spec.Emails ?? [])
            {
                san.AddEmailAddress(e);
            }
            req.CertificateExtensions.Add(san.Build());
        }
        if (spec.Ski)
        {
            req.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(req.PublicKey, false));
        }
        foreach (var x in spec.Extra)
        {
            req.CertificateExtensions.Add(x);
        }
        return req;
    }

    private static byte[] NextSerial()
    {
        var v = Interlocked.Increment(ref _serial);
        var b = BitConverter.GetBytes(v);
        Array.Reverse(b);
        b[0] = 0x01; // positive, non-zero, 8 octets
        return b;
    }

    /// <summary>A DER nameConstraints extension with dNSName subtrees.</summary>
    public static X509Extension NameConstraints(string[] permittedDns, string[] excludedDns, bool critical = true)
    {
        var w = new AsnWriter(AsnEncodingRules.DER);
        using (w.PushSequence())
        {
            void Subtrees(int tag, string[] names)
            {
                if (names.Length == 0)
                {
                    return;
                }
                using (w.PushSequence(new Asn1Tag(TagClass.ContextSpecific, tag, true)))
                {
                    foreach (var n in names)
                    {
                        using (w.PushSequence())
                        {
                            w.WriteCharacterString(UniversalTagNumber.IA5String, n, new Asn1Tag(TagClass.ContextSpecific, 2));
                        }
                    }
                }
            }
            Subtrees(0, permittedDns);
            Subtrees(1, excludedDns);
        }
        return new X509Extension("2.5.29.30", w.Encode(), critical);
    }

    /// <summary>A certificatePolicies extension listing the given policy OIDs.</summary>
    public static X509Extension Policies(params string[] oids)
    {
        var w = new AsnWriter(AsnEncodingRules.DER);
        using (w.PushSequence())
        {
            foreach (var o in oids)
            {
                using (w.PushSequence())
                {
                    w.WriteObjectIdentifier(o);
                }
            }
        }
        return new X509Extension("2.5.29.32", w.Encode(), false);
    }

    public static Verifier Verifier(Issued root, VerificationOptions? options = null)
        => new(TrustStore.FromCertificates([root.Cert]), (options ?? new VerificationOptions()) with { ValidationTime = options?.ValidationTime ?? Now });
}

/// <summary>Raw extensions the .NET builders would refuse to make.</summary>
internal static class RawExtensions
{
    /// <summary>A subjectAltName with the given dNSName strings, written as they are.</summary>
    public static X509Extension DnsSan(params string[] names)
    {
        var w = new AsnWriter(AsnEncodingRules.DER);
        using (w.PushSequence())
        {
            foreach (var n in names)
            {
                w.WriteCharacterString(UniversalTagNumber.IA5String, n, new Asn1Tag(TagClass.ContextSpecific, 2));
            }
        }
        return new X509Extension("2.5.29.17", w.Encode(), false);
    }
}
