using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;

namespace Certitude.Benchmarks;

public static class Program
{
    /// <summary>dotnet run -c Release --project bench/Certitude.Benchmarks -- --filter '*' [--job short | --crypto-paths]</summary>
    public static void Main(string[] args)
    {
        // The benchmark processes BenchmarkDotNet starts run elsewhere: a relative corpus path is made absolute first.
        var corpus = Environment.GetEnvironmentVariable("CERTITUDE_CORPUS");
        if (!string.IsNullOrEmpty(corpus))
        {
            Environment.SetEnvironmentVariable("CERTITUDE_CORPUS", Path.GetFullPath(corpus));
        }
        // --crypto-paths: every benchmark twice, as job "native" (this machine's path: libcrypto on Linux) and as
        // job "portable" (CERTITUDE_CRYPTO=portable: System.Security.Cryptography only, as on Windows and macOS).
        // ShortRun jobs; CERTITUDE_BENCH_CHAINS (comma-separated limbo ids) limits the chains.
        if (args.Contains("--crypto-paths"))
        {
            var config = DefaultConfig.Instance
                .AddJob(Job.ShortRun.WithId("native").WithEnvironmentVariable(new EnvironmentVariable("CERTITUDE_CRYPTO", "native")))
                .AddJob(Job.ShortRun.WithId("portable").WithEnvironmentVariable(new EnvironmentVariable("CERTITUDE_CRYPTO", "portable")));
            BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args.Where(a => a != "--crypto-paths").ToArray(), config);
            return;
        }
        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
    }
}
