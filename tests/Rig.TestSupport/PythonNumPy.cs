using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Threading.Tasks;

namespace Rig.TestSupport;

/// <summary>What a Python run printed and how it ended.</summary>
public sealed record PythonResult(int ExitCode, string Output);

/// <summary>
/// A REAL Python 3 with NumPy (Debian's python3-numpy, installed by scripts/install-deps.sh). RIG_PYTHON names one
/// explicitly; otherwise the first of python3 on PATH and /usr/bin/python3 that imports numpy (a pyenv python3 on PATH
/// may not see the Debian package).
/// </summary>
public static class PythonNumPy
{
    private static readonly Lazy<string?> Found = new(Search);

    /// <summary>The interpreter, or an exception saying how to install one (a missing NumPy fails, never skips, the check).</summary>
    public static string Find() => Found.Value ?? throw new InvalidOperationException(
        "no Python 3 with NumPy found (tried RIG_PYTHON, python3, /usr/bin/python3): run ./scripts/install-deps.sh (apt-get install python3-numpy)");

    public static async Task<PythonResult> RunAsync(IEnumerable<string> arguments, TimeSpan timeout)
    {
        var start = new ProcessStartInfo(Find()) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("could not start " + start.FileName);
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        using var limit = new System.Threading.CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(limit.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{start.FileName} did not finish within {timeout}");
        }

        return new PythonResult(process.ExitCode, await stdout + await stderr);
    }

    private static string? Search()
    {
        var candidates = new List<string>();
        if (Environment.GetEnvironmentVariable("RIG_PYTHON") is { Length: > 0 } explicitPython)
        {
            candidates.Add(explicitPython);
        }

        candidates.Add("python3");
        candidates.Add("/usr/bin/python3");
        foreach (string candidate in candidates)
        {
            try
            {
                var start = new ProcessStartInfo(candidate, ["-c", "import numpy"]) { RedirectStandardError = true, RedirectStandardOutput = true };
                using var process = Process.Start(start);
                if (process is null)
                {
                    continue;
                }

                process.StandardOutput.ReadToEnd();
                process.StandardError.ReadToEnd();
                process.WaitForExit();
                if (process.ExitCode == 0)
                {
                    return candidate;
                }
            }
            catch (System.ComponentModel.Win32Exception)
            {
                // Not installed under this name; try the next.
            }
        }

        return null;
    }
}
