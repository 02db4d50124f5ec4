using System.Diagnostics;
using Xunit;

namespace Certitude.Tests;

/// <summary>Runs a program for a test (openssl, the certitude executable, dotnet): arguments passed one by one (no
/// shell quoting), standard output and error read together so neither pipe can fill and stall the child, an optional
/// file fed to standard input, and a guard against a hang (not a timing assertion).</summary>
internal static class ProcessRunner
{
    public const int NoTimeout = Timeout.Infinite;

    /// <param name="environment">Variables to set, or (with a null value) to remove.</param>
    public static (int Exit, string Stdout, string Stderr) Run(string file, IEnumerable<string> args, string? workingDirectory = null,
        IEnumerable<KeyValuePair<string, string?>>? environment = null, string? stdinFile = null, int timeoutMs = NoTimeout)
    {
        var argList = args.ToList();
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = stdinFile is not null };
        if (workingDirectory is not null)
        {
            psi.WorkingDirectory = workingDirectory;
        }
        foreach (var a in argList)
        {
            psi.ArgumentList.Add(a);
        }
        foreach (var (name, value) in environment ?? [])
        {
            if (value is null)
            {
                psi.Environment.Remove(name);
            }
            else
            {
                psi.Environment[name] = value;
            }
        }
        using var p = Process.Start(psi) ?? throw new InvalidOperationException(file + " did not start");
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (stdinFile is not null)
        {
            using (var input = File.OpenRead(stdinFile))
            {
                input.CopyTo(p.StandardInput.BaseStream);
            }
            p.StandardInput.Close();
        }
        Assert.True(p.WaitForExit(timeoutMs), $"{file} {string.Join(' ', argList)} did not finish");
        return (p.ExitCode, stdout.Result, stderr.Result);
    }

    /// <summary>/usr/bin/openssl with these arguments.</summary>
    public static (int Exit, string Stdout, string Stderr) OpenSsl(IEnumerable<string> args, string? workingDirectory = null)
    {
        Assert.True(File.Exists("/usr/bin/openssl"), "the openssl command is required for this test");
        return Run("/usr/bin/openssl", args, workingDirectory);
    }

    /// <summary>The built certitude executable, run as a user runs it (<see cref="CliPath"/>).</summary>
    public static (int Exit, string Stdout, string Stderr) Certitude(IEnumerable<string> args, IEnumerable<KeyValuePair<string, string?>>? environment = null,
        string? stdinFile = null, int timeoutMs = 120_000)
        => Run("dotnet", [CliPath.Certitude, .. args], environment: environment, stdinFile: stdinFile, timeoutMs: timeoutMs);
}
