using BenchmarkDotNet.Running;

namespace Certitude.Benchmarks;

public static class Program
{
    /// <summary>dotnet run -c Release --project bench/Certitude.Benchmarks -- --filter '*' [--job short]</summary>
    public static void Main(string[] args) => BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
}
