namespace Certitude.Validation;

/// <summary>
/// A complete path to validate, as data: the certificates (leaf .. anchor), each one's own findings for its role on
/// this path (<see cref="ValidationContext.CertificateFindings"/>: 0 the leaf, the last the anchor, intermediates
/// between; a lone certificate is its own leaf), and what the trust store says of the anchor: its trust settings
/// (OpenSSL X509_CERT_AUX, null when none) and whether it came from the root program or the system store rather
/// than only from the caller (<see cref="TrustStore.RootProgramApplies"/>; false when no root program knows it).
/// </summary>
internal readonly record struct CandidatePath(
    IReadOnlyList<Certificate> Certificates, IReadOnlyList<Failure[]> Findings, AnchorTrust? TrustSettings, bool AnchorFromProgramOrSystem)
{
    /// <summary>RFC 5280 6.1.4 (f): the key whose DSA parameters the key of certificate <paramref name="index"/> takes when it
    /// has none: the nearest certificate above it with parameters (null when none, or not DSA).</summary>
    public PublicKeyInfo? DsaParameterSource(int index)
    {
        if (index < 0 || Certificates[index].PublicKey.Algorithm != PublicKeyAlgorithm.Dsa || Certificates[index].PublicKey.DsaParameters is not null)
        {
            return null;
        }
        for (int j = index + 1; j < Certificates.Count; j++)
        {
            if (Certificates[j].PublicKey.DsaParameters is not null)
            {
                return Certificates[j].PublicKey;
            }
        }
        return null;
    }
}
