using System.CommandLine;
using System.Globalization;

namespace Certitude.Cli;

/// <summary><c>certitude rehash DIR</c>: the &lt;hash&gt;.&lt;n&gt; (certificates) and &lt;hash&gt;.r&lt;n&gt; (CRLs) links of an
/// OpenSSL hashed directory, as <c>openssl rehash</c> makes them from the same files: files named *.pem, *.crt, *.cer or
/// *.crl (any case), in byte order of their names, each holding exactly one PEM certificate or CRL; a DER file is
/// skipped with a note, because OpenSSL reads a hashed directory's entries as PEM only.</summary>
internal static class RehashCommand
{
    private static readonly string[] Extensions = [".pem", ".crt", ".cer", ".crl"];

    public static Command Build()
    {
        var dir = new Argument<string>("DIR") { Description = "the directory of PEM certificate and CRL files (*.pem, *.crt, *.cer, *.crl)" };
        var cmd = new Command("rehash", "Create the <subject hash>.<n> and <issuer hash>.r<n> links of an OpenSSL hashed directory, as openssl rehash does (PEM files only; DER files are skipped with a note).") { dir };
        cmd.SetAction(p => Cli.Run(() =>
        {
            var made = Rehash(p.GetValue(dir)!, Console.Error);
            Console.Out.WriteLine($"{made.Count} link(s) written");
            return Exit.Verified;
        }));
        return cmd;
    }

    /// <summary>Removes old links (every entry named like one), then links every file that holds exactly one PEM certificate or CRL. Returns the link names.</summary>
    public static List<string> Rehash(string directory, TextWriter warnings)
    {
        if (!Directory.Exists(directory))
        {
            throw new CliException(Exit.Usage, $"'{directory}' is not a directory");
        }
        foreach (var old in Directory.EnumerateFiles(directory))
        {
            var name = Path.GetFileName(old);
            // As openssl rehash: every entry with a hash name is replaced, a link or a copy of one.
            if (IsHashName(name))
            {
                File.Delete(old);
            }
        }
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var next = new Dictionary<(uint, bool), int>();
        var made = new List<string>();
        foreach (var file in Directory.EnumerateFiles(directory).Order(StringComparer.Ordinal))
        {
            var name = Path.GetFileName(file);
            if (IsHashName(name) || !Extensions.Contains(Path.GetExtension(name).ToLowerInvariant()))
            {
                continue;
            }
            uint hash;
            bool crl;
            try
            {
                var data = BoundedFile.Read(file);
                if (!Pem.LooksLikePem(data))
                {
                    warnings.WriteLine($"warning: skipping {name}: not PEM (DER, or not a certificate); OpenSSL reads hashed directories as PEM only");
                    continue;
                }
                var text = System.Text.Encoding.ASCII.GetString(data);
                var certs = Pem.ReadBlocks(text, file, "CERTIFICATE");
                // OpenSSL trust settings (openssl x509 -trustout): the certificate followed by its X509_CERT_AUX.
                var trusted = Pem.ReadBlocks(text, file, "TRUSTED CERTIFICATE");
                var crls = Pem.ReadBlocks(text, file, "X509 CRL");
                if (certs.Count + trusted.Count + crls.Count != 1)
                {
                    warnings.WriteLine($"warning: skipping {name}: it does not contain exactly one certificate or CRL");
                    continue;
                }
                crl = crls.Count == 1;
                var der = crl ? crls[0] : certs.Count == 1 ? certs[0] : trusted[0];
                var issuerOrSubject = crl ? CertificateRevocationList.Parse(der).Issuer
                    : certs.Count == 1 ? Certificate.Parse(der.AsMemory()).Subject
                    : TrustStore.ReadBundle(data, file, TrustStoreLoadOptions.Strict, [])[0].Subject;
                if (!seen.Add((crl ? "crl:" : "cert:") + Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(der))))
                {
                    warnings.WriteLine($"warning: skipping duplicate {(crl ? "CRL" : "certificate")} in {name}");
                    continue;
                }
                hash = issuerOrSubject.OpenSslHash();
            }
            catch (CertificateFormatException e)
            {
                warnings.WriteLine($"warning: skipping {name}: {e.Problem}");
                continue;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                warnings.WriteLine($"warning: skipping {name}: {e.Message}");
                continue;
            }
            int n = next.GetValueOrDefault((hash, crl));
            next[(hash, crl)] = n + 1;
            var link = hash.ToString("x8", CultureInfo.InvariantCulture) + (crl ? ".r" : ".") + n.ToString(CultureInfo.InvariantCulture);
            File.CreateSymbolicLink(Path.Combine(directory, link), name);
            made.Add(link);
        }
        return made;
    }

    /// <summary>&lt;8 hex digits&gt;.&lt;n&gt; or &lt;8 hex digits&gt;.r&lt;n&gt;.</summary>
    internal static bool IsHashName(string name)
        => name.Length >= 10 && name[8] == '.' && name[..8].All(Uri.IsHexDigit)
            && (name[9] == 'r' ? name.Length > 10 && name[10..].All(char.IsAsciiDigit) : name[9..].All(char.IsAsciiDigit));
}
