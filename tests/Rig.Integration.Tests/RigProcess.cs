using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace Rig.Integration.Tests;

/// <summary>Runs the real `rig` command as a child process and captures what it prints.</summary>
public sealed class RigProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _stdout = new();
    private readonly StringBuilder _stderr = new();

    private RigProcess(Process process)
    {
        _process = process;
    }

    public static string CliPath
    {
        get
        {
            string? path = typeof(RigProcess).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
                .FirstOrDefault(a => a.Key == "RigCliPath")?.Value;
            if (path is null || !File.Exists(path))
            {
                throw new FileNotFoundException($"rig.dll not found at '{path}': build tools/Rig.Cli first");
            }

            return Path.GetFullPath(path);
        }
    }

    public string Stdout
    {
        get
        {
            lock (_stdout)
            {
                return _stdout.ToString();
            }
        }
    }

    public string Stderr
    {
        get
        {
            lock (_stderr)
            {
                return _stderr.ToString();
            }
        }
    }

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    public static RigProcess Start(IEnumerable<string> args, IDictionary<string, string>? environment = null, string? workingDirectory = null)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = workingDirectory ?? "",
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(CliPath);
        foreach (string a in args)
        {
            info.ArgumentList.Add(a);
        }

        foreach (var (k, v) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[k] = v;
        }

        var process = new Process { StartInfo = info };
        var rig = new RigProcess(process);
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) { lock (rig._stdout) { rig._stdout.AppendLine(e.Data); } } };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { lock (rig._stderr) { rig._stderr.AppendLine(e.Data); } } };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return rig;
    }

    /// <summary>Runs to completion; fails the test with both outputs if it takes longer than <paramref name="timeout"/>.</summary>
    public static async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(IEnumerable<string> args, TimeSpan timeout,
        IDictionary<string, string>? environment = null, CancellationToken cancellationToken = default)
    {
        await using var rig = Start(args, environment);
        int code = await rig.WaitAsync(timeout, cancellationToken);
        return (code, rig.Stdout, rig.Stderr);
    }

    /// <summary>As <see cref="RunAsync"/>, in <paramref name="workingDirectory"/> (for commands that write relative to it).</summary>
    public static async Task<(int ExitCode, string Stdout, string Stderr)> RunInAsync(string workingDirectory, IEnumerable<string> args, TimeSpan timeout,
        CancellationToken cancellationToken)
    {
        await using var rig = Start(args, null, workingDirectory);
        int code = await rig.WaitAsync(timeout, cancellationToken);
        return (code, rig.Stdout, rig.Stderr);
    }

    public async Task<int> WaitAsync(TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(timeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"rig did not exit within {timeout.TotalSeconds} s\nstdout:\n{Stdout}\nstderr:\n{Stderr}");
        }

        // WaitForExitAsync returns before the asynchronous output readers have drained; this overload waits for them.
        _process.WaitForExit();
        return _process.ExitCode;
    }

    /// <summary>Sends SIGINT, as Ctrl-C would.</summary>
    public async Task InterruptAsync()
    {
        using var kill = Process.Start("kill", ["-INT", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        await kill.WaitForExitAsync();
    }

    public ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
        }

        _process.Dispose();
        return ValueTask.CompletedTask;
    }
}
