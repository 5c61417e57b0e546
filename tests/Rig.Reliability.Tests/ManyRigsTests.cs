using System;
using System.Globalization;
using System.Linq;
using System.Text.Json;
using System.Threading.Tasks;
using Rig.Integration.Tests;
using Rig.TestSupport;
using Xunit;

namespace Rig.Reliability.Tests;

/// <summary>
/// Issue 8 item 7: 20 virtual rigs (`rig fleet sim`, one process, one broker connection each) at 2,000 events/s or more
/// each, through one Mosquitto into one bridge process (`rig fleet run`): every rig's session complete, every event once;
/// the bridge's peak RSS and p99 receive-to-journal latency are reported. CI runs 20 s; RIG_LONG_RUNS=1 runs 10 minutes.
/// </summary>
public sealed class ManyRigsTests
{
    private const int Rigs = 20;

    /// <summary>Frame clock at 2 kHz: every rig makes at least 2,000 events/s before the mouse adds its own.</summary>
    private const string FrameHz = "2000";

    [Fact]
    public Task Twenty_rigs_at_2000_events_per_second_for_20_seconds_through_one_bridge_lose_nothing() => RunAsync(TimeSpan.FromSeconds(20));

    [Fact]
    [Trait("Category", "LongRun")]
    public Task Twenty_rigs_at_2000_events_per_second_for_10_minutes_through_one_bridge_lose_nothing()
    {
        LongRuns.SkipUnlessEnabled();
        return RunAsync(TimeSpan.FromMinutes(10));
    }

    private static async Task RunAsync(TimeSpan length)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var mosquitto = await MosquittoBroker.StartAsync(ct);
        using var dir = new TempDirectory();
        string url = mosquitto.Address.ToString();
        string rigs = string.Join(',', Enumerable.Range(1, Rigs).Select(i => "fleet-" + i.ToString(CultureInfo.InvariantCulture)));
        string minutes = length.TotalMinutes.ToString("0.#####", CultureInfo.InvariantCulture);

        await using var sims = RigProcess.Start(["fleet", "sim", "--rigs", rigs, "--broker", url, "--minutes", minutes, "--frame-hz", FrameHz, "--json"]);
        await Eventually.WaitUntil(() => sims.Stderr.Contains("virtual rigs connected", StringComparison.Ordinal) || sims.HasExited,
            TimeSpan.FromSeconds(60), "every virtual rig to connect", ct);
        Assert.False(sims.HasExited, sims.Stderr);
        await using var bridge = RigProcess.Start(["fleet", "run", "--rigs", rigs, "--broker", url, "--out", dir.Combine("fleet"), "--json"]);
        await Eventually.WaitUntil(() => bridge.Stderr.Contains("recording 20 rigs", StringComparison.Ordinal) || bridge.HasExited,
            TimeSpan.FromSeconds(60), "the bridge to find every rig", ct);
        Assert.False(bridge.HasExited, bridge.Stderr);

        int simCode = await sims.WaitAsync(length + Sessions.ProcessTimeout, ct);
        Assert.True(simCode == 0, $"rig fleet sim exit {simCode}: not every batch was acknowledged\n{sims.Stderr}\n{sims.Stdout}");
        await bridge.InterruptAsync();
        int code = await bridge.WaitAsync(Sessions.ProcessTimeout, ct);
        string context = $"{bridge.Stderr}\n{bridge.Stdout}\n{sims.Stdout}";
        Assert.True(code == 0, context);

        using var simJson = JsonDocument.Parse(sims.Stdout);
        using var runJson = JsonDocument.Parse(bridge.Stdout);
        var run = runJson.RootElement;
        Assert.Equal(Rigs, run.GetProperty("complete_rigs").GetInt32());
        Assert.Equal(0, run.GetProperty("missing_batches").GetInt64());
        Assert.Equal(0, run.GetProperty("unexplained_missing_events").GetInt64());
        Assert.Equal(0, run.GetProperty("device_lost_events").GetInt64());
        var sessions = run.GetProperty("sessions").EnumerateArray().ToDictionary(s => s.GetProperty("rig").GetString()!);
        foreach (var rig in simJson.RootElement.GetProperty("rigs").EnumerateArray())
        {
            string id = rig.GetProperty("rig").GetString()!;
            Assert.True(rig.GetProperty("events_per_second").GetDouble() >= 2000, $"{id} ran below 2,000 events/s\n{context}");
            Assert.Equal(0, rig.GetProperty("result").GetProperty("events_lost").GetInt64());
            Assert.True(sessions[id].GetProperty("events").GetInt64() >= rig.GetProperty("result").GetProperty("events_at_end").GetInt64(), context);
        }

        var latency = run.GetProperty("receive_to_journal");
        var process = run.GetProperty("process");
        LongRuns.Report(string.Create(CultureInfo.InvariantCulture,
            $"{Rigs} rigs x {length.TotalSeconds:0} s: {run.GetProperty("events").GetInt64():N0} events, bridge peak RSS {process.GetProperty("peak_rss_bytes").GetInt64() / 1048576.0:0.0} MiB, " +
            $"receive-to-journal p50 {latency.GetProperty("p50_ms").GetDouble():0.###} ms p99 {latency.GetProperty("p99_ms").GetDouble():0.###} ms max {latency.GetProperty("max_ms").GetDouble():0.###} ms"));
    }
}
