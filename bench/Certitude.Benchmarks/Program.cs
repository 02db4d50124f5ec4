using BenchmarkDotNet.Running;

namespace Certitude.Benchmarks;

public static class Program
{
    /// <summary>dotnet run -c Release --project bench/Certitude.Benchmarks -- --filter '*' [--job short]</summary>
    public static void Main(string[] args)
    {
        // The benchmark processes BenchmarkDotNet starts run elsewhere: a relative corpus path is made absolute first.
        var corpus = Environment.GetEnvironmentVariable("CERTITUDE_CORPUS");
        if (!string.IsNullOrEmpty(corpus))
        {
            Environment.SetEnvironmentVariable("CERTITUDE_CORPUS", Path.GetFullPath(corpus));
        }
        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
    }
}
