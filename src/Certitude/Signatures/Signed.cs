using System.Formats.Asn1;
using Certitude.Der;

namespace Certitude.Signatures;

/// <summary>X.509's SIGNED{ToBeSigned}: SEQUENCE { toBeSigned, signatureAlgorithm, signatureValue BIT STRING },
/// as certificates (RFC 5280 4.1.1) and CRLs (5.1.1) carry it.</summary>
internal static class Signed
{
    /// <summary>Reads the envelope; returns the signed bytes, the algorithm, the signature, and a reader
    /// positioned inside the toBeSigned SEQUENCE.</summary>
    public static (ReadOnlyMemory<byte> Tbs, SignatureAlgorithm Algorithm, ReadOnlyMemory<byte> Signature, DerReader Fields) Read(ReadOnlyMemory<byte> der, DerGuard.Field at, string tbsName)
    {
        var outer = new DerReader(der);
        var seq = outer.ReadSequence();
        outer.ThrowIfNotEmpty();
        at.Name = tbsName;
        var tbs = seq.ReadEncodedValue();
        at.Name = "signatureAlgorithm";
        var alg = SignatureAlgorithm.Decode(seq.ReadEncodedValue());
        at.Name = "signatureValue";
        var sig = seq.ReadBitStringSlice(out int unused);
        if (unused != 0)
        {
            throw new CertificateFormatException(at.Name, "signature BIT STRING has unused bits");
        }
        seq.ThrowIfNotEmpty();
        at.Name = tbsName;
        var tbsReader = new DerReader(tbs);
        var fields = tbsReader.ReadSequence();
        tbsReader.ThrowIfNotEmpty();
        return (tbs, alg, sig, fields);
    }
}
