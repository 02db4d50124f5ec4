namespace Certitude;

/// <summary>
/// Reads a set of untrusted intermediates a caller supplies (for <see cref="VerificationOptions.Intermediates"/>):
/// a PEM bundle (or one DER certificate), a directory of such files, and/or PEM text. Bounded like the trust
/// store's readers; a malformed certificate is an error naming its file.
/// </summary>
internal static class IntermediateSet
{
    /// <summary>Most files read from one directory.</summary>
    public const int MaxFiles = 10_000;

    /// <summary>Most certificates in one set.</summary>
    public const int MaxCertificates = 100_000;

    public static List<Certificate> Load(string? file, string? directory, string? pem)
    {
        var result = new List<Certificate>();
        if (file is not null)
        {
            result.AddRange(ReadFile(file));
        }
        if (directory is not null)
        {
            string[] files;
            try
            {
                files = Directory.GetFiles(directory);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
            {
                throw new TrustStoreException($"cannot read the intermediates directory '{directory}': {e.Message}", e);
            }
            if (files.Length > MaxFiles)
            {
                throw new TrustStoreException($"the intermediates directory '{directory}' holds more than {MaxFiles} files");
            }
            Array.Sort(files, StringComparer.Ordinal);
            foreach (var f in files)
            {
                // Certificate files only: PEM bundles and DER certificates by their usual names, and openssl rehash links.
                var name = Path.GetFileName(f);
                if (name.EndsWith(".pem", StringComparison.OrdinalIgnoreCase) || name.EndsWith(".crt", StringComparison.OrdinalIgnoreCase)
                    || name.EndsWith(".cer", StringComparison.OrdinalIgnoreCase) || name.EndsWith(".der", StringComparison.OrdinalIgnoreCase)
                    || IsHashName(name))
                {
                    result.AddRange(ReadFile(f));
                }
            }
        }
        if (pem is not null)
        {
            try
            {
                result.AddRange(Certificate.ParseAll(System.Text.Encoding.UTF8.GetBytes(pem), "intermediates PEM data"));
            }
            catch (CertificateFormatException e)
            {
                throw new TrustStoreException($"cannot load intermediates: {e.Message}", e);
            }
        }
        if (result.Count > MaxCertificates)
        {
            throw new TrustStoreException($"more than {MaxCertificates} intermediates");
        }
        return result;
    }

    private static readonly System.Buffers.SearchValues<char> Hex = System.Buffers.SearchValues.Create("0123456789abcdef");

    /// <summary>An <c>openssl rehash</c> link name: eight lower-case hex digits, a dot, a number.</summary>
    private static bool IsHashName(string name)
        => name.Length >= 10 && name[8] == '.' && !name.AsSpan(0, 8).ContainsAnyExcept(Hex) && int.TryParse(name.AsSpan(9), out _);

    private static IReadOnlyList<Certificate> ReadFile(string path)
    {
        try
        {
            var certs = Certificate.ParseAll(BoundedFile.Read(path), path);
            return certs.Count > 0 ? certs : throw new TrustStoreException($"'{path}' holds no certificate");
        }
        catch (CertificateFormatException e)
        {
            throw new TrustStoreException($"cannot load intermediates from '{path}': {e.Message}", e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
        {
            throw new TrustStoreException($"cannot read intermediates file '{path}': {e.Message}", e);
        }
    }
}
