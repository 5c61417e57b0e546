using System;
using System.Collections;
using System.Collections.Generic;
using System.Diagnostics;
using System.Threading;
using System.Threading.Tasks;

namespace Rig.TestSupport;

/// <summary>What a child `dotnet build` printed and how it ended.</summary>
public sealed record BuildResult(int ExitCode, string Output);

/// <summary>
/// Runs a real `dotnet build` as a child process, for tests that prove a build rule fails when it should. The child
/// leaves no processes behind (no MSBuild node reuse, no compiler server) and does not inherit the parent's MSBuild
/// session from `dotnet test`.
/// </summary>
public static class DotnetBuild
{
    public static Task<BuildResult> RunAsync(string workingDirectory, IEnumerable<string> projectArguments, TimeSpan timeout,
        CancellationToken cancellationToken) =>
        RunVerbAsync("build", workingDirectory, [.. projectArguments, "--disable-build-servers", "-nodeReuse:false", "-p:UseSharedCompilation=false"],
            timeout, cancellationToken);

    /// <summary>Runs `dotnet VERB ARGS...` (pack, tool install, ...) the same way: its own MSBuild session, no telemetry, killed after <paramref name="timeout"/>.</summary>
    public static async Task<BuildResult> RunVerbAsync(string verb, string workingDirectory, IEnumerable<string> arguments, TimeSpan timeout,
        CancellationToken cancellationToken)
    {
        ProcessStartInfo start = new("dotnet")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string argument in verb.Split(' '))
        {
            start.ArgumentList.Add(argument);
        }

        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        // MSBuild variables inherited from `dotnet test` would point the child at the parent's MSBuild session.
        foreach (DictionaryEntry variable in Environment.GetEnvironmentVariables())
        {
            string name = (string)variable.Key;
            if (name.StartsWith("MSBuild", StringComparison.OrdinalIgnoreCase))
            {
                start.Environment.Remove(name);
            }
        }

        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        start.Environment["MSBUILDDISABLENODEREUSE"] = "1";

        using Process process = Process.Start(start) ?? throw new InvalidOperationException("Could not start dotnet");
        using CancellationTokenSource limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(timeout);
        Task<string> stdout = process.StandardOutput.ReadToEndAsync(limit.Token);
        Task<string> stderr = process.StandardError.ReadToEndAsync(limit.Token);
        try
        {
            await process.WaitForExitAsync(limit.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException("dotnet " + verb + " in " + workingDirectory + " did not finish within " + timeout);
        }

        return new BuildResult(process.ExitCode, await stdout + await stderr);
    }
}
