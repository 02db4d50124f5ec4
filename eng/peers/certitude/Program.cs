// Certitude (and X509Chain) on the peer chains (eng/peers/make_chains.py), measured as the Go, pyca and OpenSSL
// peers are: per chain, cold: the PEM of the leaf, the intermediate and the root parsed, a fresh trust store and
// verifier, one verification for the host name at the validation time (TLS server).
//
//   dotnet run -c Release --project eng/peers/certitude -- /tmp/peers/chains.json 5 [x509chain]   (in-process, us per chain)
//   dotnet run -c Release --project eng/peers/certitude -- /tmp/peers/chains.json 0                (whole process: one pass)
using System.Diagnostics;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using Certitude;

var suite = args[0];
int passes = int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture);
bool x509 = args.Length > 2 && args[2] == "x509chain";
using var doc = JsonDocument.Parse(File.ReadAllBytes(suite));
var chains = new List<(byte[] Leaf, byte[] Inters, byte[] Roots, string Host, DateTimeOffset At)>();
foreach (var t in doc.RootElement.GetProperty("testcases").EnumerateArray())
{
    chains.Add((Encoding.ASCII.GetBytes(t.GetProperty("peer_certificate").GetString()!),
        Encoding.ASCII.GetBytes(string.Concat(t.GetProperty("untrusted_intermediates").EnumerateArray().Select(e => e.GetString()))),
        Encoding.ASCII.GetBytes(string.Concat(t.GetProperty("trusted_certs").EnumerateArray().Select(e => e.GetString()))),
        t.GetProperty("expected_peer_name").GetProperty("value").GetString()!,
        DateTimeOffset.Parse(t.GetProperty("validation_time").GetString()!, System.Globalization.CultureInfo.InvariantCulture)));
}

static bool Certitude((byte[] Leaf, byte[] Inters, byte[] Roots, string Host, DateTimeOffset At) c)
{
    var store = TrustStore.FromCertificates(Certificate.ParseAll(c.Roots));
    var verifier = new Verifier(store, new VerificationOptions { ValidationTime = c.At });
    return verifier.Verify(Certificate.ParseAll(c.Leaf)[0], Certificate.ParseAll(c.Inters), PeerIdentity.Dns(c.Host)).IsValid;
}

static bool X509((byte[] Leaf, byte[] Inters, byte[] Roots, string Host, DateTimeOffset At) c)
{
    var roots = new X509Certificate2Collection();
    roots.ImportFromPem(Encoding.ASCII.GetString(c.Roots));
    var inters = new X509Certificate2Collection();
    inters.ImportFromPem(Encoding.ASCII.GetString(c.Inters));
    using var leaf = X509Certificate2.CreateFromPem(Encoding.ASCII.GetString(c.Leaf));
    using var chain = new X509Chain();
    chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
    chain.ChainPolicy.CustomTrustStore.AddRange(roots);
    chain.ChainPolicy.ExtraStore.AddRange(inters);
    chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
    chain.ChainPolicy.DisableCertificateDownloads = true;
    chain.ChainPolicy.VerificationTime = c.At.UtcDateTime;
    chain.ChainPolicy.ApplicationPolicy.Add(new System.Security.Cryptography.Oid("1.3.6.1.5.5.7.3.1"));
    // The host name is matched as SslStream does, after the chain.
    bool ok = chain.Build(leaf) && leaf.MatchesHostname(c.Host);
    foreach (var x in roots.Concat(inters))
    {
        x.Dispose();
    }
    return ok;
}

Func<(byte[], byte[], byte[], string, DateTimeOffset), bool> verify = x509 ? X509 : Certitude;
int Pass() => chains.Count(c => verify(c));
string name = x509 ? "X509Chain" : "Certitude";
if (passes == 0)
{
    Console.WriteLine($"{name}: {Pass()} of {chains.Count} verified");
    return 0;
}
// Warm-up lets tiered compilation reach its optimised code, as in the steady state of a long-lived process:
// passes for at least three seconds (and at least three passes). The runtime promotes hot methods in the
// background after a delay and with profile-guided instrumentation in between, so a fixed small number of passes
// over 300 chains (about 0.1 s each) times code that is still being compiled (the JIT's thread then shows as
// CPU time above the wall time).
var warm = Stopwatch.StartNew();
for (int w = 0; w < 3 || warm.Elapsed < TimeSpan.FromSeconds(3); w++)
{
    if (Pass() is var ok && ok != chains.Count)
    {
        Console.Error.WriteLine($"{name}: only {ok} of {chains.Count} verified");
        return 1;
    }
}
// Wall time per pass, and the process's CPU time (user+system, every thread: the garbage collector's too).
var per = new List<double>();
var cpu = new List<double>();
using var self = Process.GetCurrentProcess();
for (int p = 0; p < passes; p++)
{
    self.Refresh();
    var c0 = self.TotalProcessorTime;
    var sw = Stopwatch.StartNew();
    Pass();
    per.Add(sw.Elapsed.TotalMicroseconds / chains.Count);
    self.Refresh();
    cpu.Add((self.TotalProcessorTime - c0).TotalMicroseconds / chains.Count);
}
per.Sort();
cpu.Sort();
Console.WriteLine($"{name}: {chains.Count} chains, cold, median of {passes} passes: {per[passes / 2]:F1} us per chain wall (min {per[0]:F1}, max {per[^1]:F1}), {cpu[passes / 2]:F1} us CPU");
return 0;
