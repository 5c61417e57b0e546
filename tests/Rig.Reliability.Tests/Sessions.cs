using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using Rig.Integration.Tests;
using Rig.TestSupport;
using Xunit;

namespace Rig.Reliability.Tests;

/// <summary>Starting `rig sim` and `rig run` as real processes, and checking what a session folder holds.</summary>
internal static class Sessions
{
    public static readonly TimeSpan ProcessTimeout = TimeSpan.FromMinutes(5);

    /// <summary>Starts `rig sim` and waits until it has connected.</summary>
    public static async Task<RigProcess> StartSimAsync(string url, string rig, IEnumerable<string> extra, CancellationToken ct)
    {
        var sim = RigProcess.Start(["sim", "--rig", rig, "--broker", url, .. extra]);
        await Eventually.WaitUntil(() => sim.Stderr.Contains("connected to", StringComparison.Ordinal) || sim.HasExited,
            TimeSpan.FromSeconds(60), $"virtual rig {rig} to connect", ct);
        Assert.False(sim.HasExited, sim.Stderr);
        return sim;
    }

    /// <summary>Starts `rig run --verbose` and waits until it records (its journal exists).</summary>
    public static async Task<RigProcess> StartBridgeAsync(string url, string rig, string folder, bool resume, CancellationToken ct,
        IEnumerable<string>? extra = null, IDictionary<string, string>? environment = null)
    {
        var run = RigProcess.Start(["run", "--rig", rig, "--broker", url, resume ? "--resume" : "--out", folder, "--verbose", "--json", .. extra ?? []], environment);
        await Eventually.WaitUntil(() => run.Stderr.Contains("recording rig", StringComparison.Ordinal) || run.HasExited,
            TimeSpan.FromSeconds(60), $"the bridge to start recording {rig}", ct);
        Assert.False(run.HasExited, run.Stderr);
        return run;
    }

    /// <summary>Bytes in the session's journal segments so far.</summary>
    public static long JournalBytes(string folder) => Directory.Exists(folder)
        ? Directory.GetFiles(folder, "journal*.rigj").Sum(f => new FileInfo(f).Length)
        : 0;

    /// <summary>Waits until the journal has grown by at least <paramref name="bytes"/> from now.</summary>
    public static Task WaitForJournalGrowthAsync(string folder, long bytes, string what, CancellationToken ct)
    {
        long start = JournalBytes(folder);
        return Eventually.WaitUntil(() => JournalBytes(folder) >= start + bytes, TimeSpan.FromSeconds(120), what, ct);
    }

    /// <summary>Waits for a self-ending `rig sim --minutes` and returns its JSON result.</summary>
    public static async Task<JsonElement> FinishSimAsync(RigProcess sim, CancellationToken ct)
    {
        int code = await sim.WaitAsync(ProcessTimeout, ct);
        Assert.True(code == 0, $"rig sim exit {code}: the bridge did not acknowledge everything\n{sim.Stderr}\n{sim.Stdout}");
        return JsonDocument.Parse(sim.Stdout).RootElement.Clone();
    }

    /// <summary>Ends a `rig run` with Ctrl-C and returns its exit code and JSON summary.</summary>
    public static async Task<(int Code, JsonElement Summary)> StopBridgeAsync(RigProcess run, CancellationToken ct)
    {
        await run.InterruptAsync();
        int code = await run.WaitAsync(ProcessTimeout, ct);
        string stdout = run.Stdout;
        Assert.True(stdout.TrimStart().StartsWith('{'), $"rig run exit {code} printed no summary\n{run.Stderr}\n{stdout}");
        return (code, JsonDocument.Parse(stdout).RootElement.Clone());
    }

    /// <summary>Re-decodes the folder with `rig decode --json` (the journal alone, every segment).</summary>
    public static async Task<JsonElement> DecodeAsync(string folder, CancellationToken ct)
    {
        var (code, stdout, stderr) = await RigProcess.RunAsync(["decode", folder, "--json"], ProcessTimeout, cancellationToken: ct);
        Assert.True(code is 0 or 7, $"rig decode exit {code}\n{stderr}");
        return JsonDocument.Parse(stdout).RootElement.Clone();
    }

    /// <summary>
    /// Every event number of every boot exactly once: no batch missing, no event-number gap, and for each boot the events
    /// recorded (duplicates are counted separately, never twice) equal the span of numbers from the first to the last.
    /// </summary>
    public static void AssertEveryEventExactlyOnce(JsonElement counts, string context)
    {
        Assert.True(counts.GetProperty("missing_batches").GetInt64() == 0, context);
        Assert.True(counts.GetProperty("unexplained_missing_events").GetInt64() == 0, context);
        Assert.True(counts.GetProperty("device_lost_events").GetInt64() == 0, context);
        foreach (var boot in counts.GetProperty("boots").EnumerateArray())
        {
            if (boot.GetProperty("first_event_seq").ValueKind == JsonValueKind.Null)
            {
                continue;
            }

            long first = boot.GetProperty("first_event_seq").GetInt64();
            long end = boot.GetProperty("end_event_seq").GetInt64();
            Assert.True(boot.GetProperty("events").GetInt64() == end - first, $"boot events {boot}\n{context}");
            Assert.Equal(0, boot.GetProperty("gaps").GetArrayLength());
        }

        Assert.True(counts.GetProperty("events_total").GetInt64() > 0, context);
    }

    /// <summary>
    /// The recording holds the device's whole run: its last boot's numbers start at 0 and reach at least every event the
    /// device numbered before the run ended (`events_at_end`); with <see cref="AssertEveryEventExactlyOnce"/> that is every
    /// event the device captured, each once.
    /// </summary>
    public static void AssertHoldsTheRun(JsonElement counts, JsonElement device, string context)
    {
        var boot = counts.GetProperty("boots").EnumerateArray().Last();
        Assert.True(boot.GetProperty("first_event_seq").GetInt64() == 0, context);
        long atEnd = device.GetProperty("events_at_end").GetInt64();
        Assert.True(atEnd > 0, context);
        Assert.True(boot.GetProperty("end_event_seq").GetInt64() >= atEnd, $"recorded up to {boot.GetProperty("end_event_seq")}, the device numbered {atEnd}\n{context}");
    }
}
