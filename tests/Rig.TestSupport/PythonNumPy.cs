using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Threading.Tasks;

namespace Rig.TestSupport;

/// <summary>What a Python run printed and how it ended.</summary>
/// <param name="Output">stdout then stderr.</param>
/// <param name="StandardOutput">stdout alone (for scripts that print JSON).</param>
public sealed record PythonResult(int ExitCode, string Output, string StandardOutput = "");

/// <summary>
/// A REAL Python 3 with NumPy (Debian's python3-numpy, installed by scripts/install-deps.sh). RIG_PYTHON names one
/// explicitly; otherwise the first of python3 on PATH and /usr/bin/python3 that imports numpy (a pyenv python3 on PATH
/// may not see the Debian package).
/// </summary>
public static class PythonNumPy
{
    private static readonly PythonInterpreter Interpreter = new("numpy", "python3-numpy");

    /// <summary>The interpreter, or an exception saying how to install one (a missing NumPy fails, never skips, the check).</summary>
    public static string Find() => Interpreter.Find();

    public static Task<PythonResult> RunAsync(IEnumerable<string> arguments, TimeSpan timeout) => Interpreter.RunAsync(arguments, timeout);
}

/// <summary>
/// A REAL Python 3 with h5py and hdmf (Debian's python3-h5py and python3-hdmf), for the NWB export's validator and
/// read-back; found as <see cref="PythonNumPy"/> is.
/// </summary>
public static class PythonNwb
{
    private static readonly PythonInterpreter Interpreter = new("h5py, hdmf", "python3-h5py python3-hdmf");

    public static string Find() => Interpreter.Find();

    public static Task<PythonResult> RunAsync(IEnumerable<string> arguments, TimeSpan timeout) => Interpreter.RunAsync(arguments, timeout);
}

/// <summary>The first of RIG_PYTHON, python3 and /usr/bin/python3 that imports <paramref name="modules"/>.</summary>
/// <param name="modules">What the interpreter must import, as an import statement's list ("h5py, hdmf").</param>
/// <param name="packages">The Debian packages that provide them, for the error message.</param>
internal sealed class PythonInterpreter(string modules, string packages)
{
    private readonly Lazy<string?> _found = new(() => Search(modules));

    public string Find() => _found.Value ?? throw new InvalidOperationException(
        $"no Python 3 that imports {modules} found (tried RIG_PYTHON, python3, /usr/bin/python3): run ./scripts/install-deps.sh (apt-get install {packages})");

    public async Task<PythonResult> RunAsync(IEnumerable<string> arguments, TimeSpan timeout)
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

        string output = await stdout;
        return new PythonResult(process.ExitCode, output + await stderr, output);
    }

    private static string? Search(string modules)
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
                var start = new ProcessStartInfo(candidate, ["-c", "import " + modules]) { RedirectStandardError = true, RedirectStandardOutput = true };
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
