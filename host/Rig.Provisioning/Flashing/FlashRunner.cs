using System;
using System.Collections.Generic;
using System.ComponentModel;
using System.Diagnostics;
using System.Threading;
using System.Threading.Tasks;

namespace Rig.Provisioning.Flashing;

/// <summary>How one nanoff run ended: its exit code and the last lines it printed (stdout and stderr interleaved).</summary>
public sealed record NanoffRun(int ExitCode, IReadOnlyList<string> LastLines);

/// <summary>Runs nanoff. The seam the runner's tests replace; <see cref="NanoffProcess"/> is the real one.</summary>
public interface INanoffProcess
{
    /// <summary>Runs to the end; <paramref name="onOutputLine"/> sees every line as it comes. Cancelling kills the process.</summary>
    Task<NanoffRun> RunAsync(string program, IReadOnlyList<string> arguments, Action<string> onOutputLine, CancellationToken cancellationToken);
}

/// <summary>Starts nanoff as a child process with an argument list (no shell), stdin closed so it can never wait on the keyboard.</summary>
public sealed class NanoffProcess(int keepLines = 20) : INanoffProcess
{
    public async Task<NanoffRun> RunAsync(string program, IReadOnlyList<string> arguments, Action<string> onOutputLine, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        ArgumentNullException.ThrowIfNull(onOutputLine);
        var info = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (string argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        var last = new Queue<string>();
        void Line(string? text)
        {
            if (text is null)
            {
                return;
            }

            lock (last)
            {
                last.Enqueue(text);
                while (last.Count > keepLines)
                {
                    last.Dequeue();
                }

                onOutputLine(text);
            }
        }

        using var process = new Process { StartInfo = info };
        process.OutputDataReceived += (_, e) => Line(e.Data);
        process.ErrorDataReceived += (_, e) => Line(e.Data);
        process.Start();
        process.StandardInput.Close();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            await process.WaitForExitAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        // WaitForExitAsync can return before the asynchronous readers have drained; this overload waits for them.
        process.WaitForExit();
        lock (last)
        {
            return new NanoffRun(process.ExitCode, [.. last]);
        }
    }
}

/// <summary>
/// How one step ended. <see cref="ExitCode"/> is null when nanoff never ran to an exit code (it could not be started, or the
/// run was cancelled); <see cref="Problem"/> then says why.
/// </summary>
public sealed record FlashStepResult(FlashStep Step, int? ExitCode, TimeSpan Duration, IReadOnlyList<string> LastLines, string? Problem = null)
{
    public bool Succeeded => ExitCode == 0;
}

/// <summary>The steps that ran; <see cref="Failed"/> is the one that stopped the sequence, if any.</summary>
public sealed record FlashOutcome(IReadOnlyList<FlashStepResult> Results, FlashStepResult? Failed)
{
    public bool Succeeded => Failed is null;
}

/// <summary>What the runner reports while it works.</summary>
public interface IFlashProgress
{
    void StepStarting(int number, int count, FlashStep flashStep);

    void Output(FlashStep flashStep, string line);

    void StepFinished(int number, int count, FlashStepResult result);
}

/// <summary>Runs steps in order and stops at the first that does not exit 0; later steps never start.</summary>
public static class FlashRunner
{
    public static async Task<FlashOutcome> RunAsync(INanoffProcess nanoff, string program, IReadOnlyList<FlashStep> steps,
        IFlashProgress progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(nanoff);
        ArgumentNullException.ThrowIfNull(steps);
        ArgumentNullException.ThrowIfNull(progress);
        var results = new List<FlashStepResult>();
        for (int i = 0; i < steps.Count; i++)
        {
            var step = steps[i];
            progress.StepStarting(i + 1, steps.Count, step);
            var watch = Stopwatch.StartNew();
            FlashStepResult result;
            try
            {
                var run = await nanoff.RunAsync(program, step.Arguments, line => progress.Output(step, line), cancellationToken);
                result = new FlashStepResult(step, run.ExitCode, watch.Elapsed, run.LastLines);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                result = new FlashStepResult(step, null, watch.Elapsed, [], "cancelled (nanoff was stopped; the device may be half-written: run the step again)");
            }
            catch (Exception e) when (e is Win32Exception or InvalidOperationException)
            {
                result = new FlashStepResult(step, null, watch.Elapsed, [], $"nanoff could not be started: {e.Message}");
            }

            results.Add(result);
            progress.StepFinished(i + 1, steps.Count, result);
            if (!result.Succeeded)
            {
                return new FlashOutcome(results, result);
            }
        }

        return new FlashOutcome(results, null);
    }
}
