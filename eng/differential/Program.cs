using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Certitude;
using Certitude.Differential;

// The differential run against OpenSSL (issue 13): generates random chains, verifies each with Certitude
// (RFC 5280 profile, no purpose, strict off and on) and with `openssl verify` (without and with
// -x509_strict) on the same files, and reports every disagreement with the chain's features.
//
//   dotnet run --project eng/differential -c Release -- [--count 2000] [--first 1] [--out DIR] [--jobs 2] [--algorithms extended]
//
// --algorithms extended: the same structures on Brainpool, P-521, RSA-3072 keys and SHA-224 / RSA-PSS signatures.
//
// Writes DIR/report.json (every chain's verdicts) and DIR/summary.md (figures and disagreements by cause),
// and keeps the PEM files of disagreeing chains under DIR/chains/SEED/.

int count = 2000, first = 1, jobs = 2;
bool extended = false;
string outDir = Path.Combine(Path.GetTempPath(), "certitude-differential");
for (int i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--count": count = int.Parse(args[++i], System.Globalization.CultureInfo.InvariantCulture); break;
        case "--first": first = int.Parse(args[++i], System.Globalization.CultureInfo.InvariantCulture); break;
        case "--out": outDir = args[++i]; break;
        case "--jobs": jobs = int.Parse(args[++i], System.Globalization.CultureInfo.InvariantCulture); break;
        case "--algorithms": extended = args[++i] switch { "extended" => true, "default" => false, _ => throw new ArgumentException("--algorithms default|extended") }; break;
        default: Console.Error.WriteLine($"unknown argument {args[i]}"); return 2;
    }
}
Directory.CreateDirectory(outDir);
var generator = new ChainGenerator(extendedAlgorithms: extended);
var rows = new Row[count];
var clock = Stopwatch.StartNew();
Parallel.For(0, count, new ParallelOptions { MaxDegreeOfParallelism = jobs }, k =>
{
    int seed = first + k;
    GeneratedChain chain;
    lock (generator)
    {
        chain = generator.Make(seed);
    }
    var dir = Path.Combine(outDir, "chains", seed.ToString(System.Globalization.CultureInfo.InvariantCulture));
    Directory.CreateDirectory(dir);
    File.WriteAllText(Path.Combine(dir, "root.pem"), Pem(chain.Root));
    File.WriteAllText(Path.Combine(dir, "untrusted.pem"), string.Concat(chain.Intermediates.Select(Pem)));
    File.WriteAllText(Path.Combine(dir, "leaf.pem"), Pem(chain.Leaf));
    var ossl = OpenSsl(dir, chain, strict: false);
    var osslStrict = OpenSsl(dir, chain, strict: true);
    var cert = Verify(chain, strict: false);
    var certStrict = Verify(chain, strict: true);
    rows[k] = new Row(seed, chain.Features, ossl, osslStrict, cert, certStrict);
    if (ossl.Ok == cert.Ok && osslStrict.Ok == certStrict.Ok)
    {
        Directory.Delete(dir, recursive: true);
    }
});

var disagreements = rows.Where(r => r.OpenSsl.Ok != r.Certitude.Ok || r.OpenSslStrict.Ok != r.CertitudeStrict.Ok).ToList();
File.WriteAllText(Path.Combine(outDir, "report.json"), JsonSerializer.Serialize(rows, new JsonSerializerOptions { WriteIndented = true }));
var sb = new StringBuilder();
sb.AppendLine($"chains: {count} (seeds {first}..{first + count - 1}), {clock.Elapsed.TotalSeconds:F0} s");
sb.AppendLine($"non-strict: {rows.Count(r => r.OpenSsl.Ok == r.Certitude.Ok)} agree, {rows.Count(r => r.OpenSsl.Ok != r.Certitude.Ok)} disagree; " +
    $"both accept {rows.Count(r => r.OpenSsl.Ok && r.Certitude.Ok)}, both reject {rows.Count(r => !r.OpenSsl.Ok && !r.Certitude.Ok)}");
sb.AppendLine($"strict:     {rows.Count(r => r.OpenSslStrict.Ok == r.CertitudeStrict.Ok)} agree, {rows.Count(r => r.OpenSslStrict.Ok != r.CertitudeStrict.Ok)} disagree; " +
    $"both accept {rows.Count(r => r.OpenSslStrict.Ok && r.CertitudeStrict.Ok)}, both reject {rows.Count(r => !r.OpenSslStrict.Ok && !r.CertitudeStrict.Ok)}");
sb.AppendLine();
sb.AppendLine("disagreements by cause (mode, OpenSSL verdict, Certitude verdict):");
foreach (var g in disagreements.SelectMany(Causes).GroupBy(c => c.Cause).OrderByDescending(g => g.Count()))
{
    sb.AppendLine($"  {g.Count(),5}  {g.Key}   seeds {string.Join(",", g.Select(x => x.Seed).Take(8))}");
}
sb.AppendLine();
foreach (var r in disagreements)
{
    sb.AppendLine($"seed {r.Seed}: openssl {r.OpenSsl.Text} / strict {r.OpenSslStrict.Text}; certitude {r.Certitude.Text} / strict {r.CertitudeStrict.Text}");
    sb.AppendLine($"    {string.Join(" ", r.Features)}");
}
File.WriteAllText(Path.Combine(outDir, "summary.md"), sb.ToString());
Console.Write(sb.ToString().Split("\n\n")[0] + "\n\n" + sb.ToString().Split("\n\n")[1] + "\n");
Console.WriteLine($"report: {outDir}");
return 0;

static IEnumerable<(string Cause, int Seed)> Causes(Row r)
{
    if (r.OpenSsl.Ok != r.Certitude.Ok)
    {
        yield return ($"non-strict: openssl {r.OpenSsl.Short} / certitude {r.Certitude.Short}", r.Seed);
    }
    if (r.OpenSslStrict.Ok != r.CertitudeStrict.Ok)
    {
        yield return ($"strict: openssl {r.OpenSslStrict.Short} / certitude {r.CertitudeStrict.Short}", r.Seed);
    }
}

static string Pem(byte[] der) => "-----BEGIN CERTIFICATE-----\n" + Convert.ToBase64String(der, Base64FormattingOptions.InsertLineBreaks).Replace("\r", "", StringComparison.Ordinal) + "\n-----END CERTIFICATE-----\n";

static Verdict OpenSsl(string dir, GeneratedChain chain, bool strict)
{
    var psi = new ProcessStartInfo("openssl") { RedirectStandardOutput = true, RedirectStandardError = true };
    foreach (var a in new[] { "verify", "-no-CApath", "-no-CAstore", "-CAfile", Path.Combine(dir, "root.pem") })
    {
        psi.ArgumentList.Add(a);
    }
    if (chain.Intermediates.Length > 0)
    {
        psi.ArgumentList.Add("-untrusted");
        psi.ArgumentList.Add(Path.Combine(dir, "untrusted.pem"));
    }
    // RFC 5280 6.1 processes policies on every path; `openssl verify` does so only when asked.
    psi.ArgumentList.Add("-policy_check");
    psi.ArgumentList.Add("-attime");
    psi.ArgumentList.Add(chain.Time.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture));
    if (strict)
    {
        psi.ArgumentList.Add("-x509_strict");
    }
    psi.ArgumentList.Add(Path.Combine(dir, "leaf.pem"));
    using var p = Process.Start(psi)!;
    var output = p.StandardOutput.ReadToEnd() + p.StandardError.ReadToEnd();
    p.WaitForExit();
    if (p.ExitCode == 0)
    {
        return new Verdict(true, "OK", "OK");
    }
    // "error 24 at 1 depth lookup: invalid CA certificate"
    var line = output.Split('\n').FirstOrDefault(l => l.StartsWith("error ", StringComparison.Ordinal)) ?? output.Split('\n').FirstOrDefault(l => l.Length > 0) ?? "error";
    var parts = line.Split(' ');
    string code = parts.Length > 1 ? parts[1] : "?";
    string text = line.Contains(": ", StringComparison.Ordinal) ? line[(line.IndexOf(": ", StringComparison.Ordinal) + 2)..] : line;
    return new Verdict(false, line.Trim(), $"{code} ({text.Trim()})");
}

static Verdict Verify(GeneratedChain chain, bool strict)
{
    try
    {
        var options = new VerificationOptions
        {
            Profile = VerificationProfile.Rfc5280,
            Flags = strict ? VerifyFlags.Default : VerifyFlags.Default & ~VerifyFlags.X509Strict,
            Purpose = CertificatePurpose.Any,
            ValidationTime = chain.Time,
        };
        var verifier = new Verifier(TrustStore.FromCertificates([Certificate.Parse(chain.Root)]), options);
        var r = verifier.Verify(Certificate.Parse(chain.Leaf), chain.Intermediates.Select(d => Certificate.Parse(d)).ToList(), (PeerIdentity?)null);
        return r.IsValid ? new Verdict(true, "OK", "OK") : new Verdict(false, r.ToString(), $"{(int)r.Code} ({r.CodeText})");
    }
    catch (CertificateFormatException e)
    {
        return new Verdict(false, e.Message, "malformed");
    }
}

internal sealed record Verdict(bool Ok, string Text, string Short);

internal sealed record Row(int Seed, IReadOnlyList<string> Features, Verdict OpenSsl, Verdict OpenSslStrict, Verdict Certitude, Verdict CertitudeStrict);
