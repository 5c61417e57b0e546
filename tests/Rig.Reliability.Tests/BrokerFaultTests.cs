using System;
using System.Globalization;
using System.Threading.Tasks;
using Rig.TestSupport;
using Xunit;

namespace Rig.Reliability.Tests;

/// <summary>
/// Issue 8 item 1: a real Mosquitto killed and restarted mid-session, and the network between every client and the broker
/// silent for 30 s; `rig sim` and `rig run` are separate processes. Within the device buffer every event number arrives
/// exactly once; beyond it the loss is counted, named by range, and the session is marked incomplete (exit 7).
/// </summary>
public sealed class BrokerFaultTests
{
    [Fact]
    public async Task A_session_survives_mosquitto_being_killed_and_restarted_with_every_event_exactly_once()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var mosquitto = await MosquittoBroker.StartAsync(ct);
        using var dir = new TempDirectory();
        string folder = dir.Combine("s");
        string url = mosquitto.Address.ToString();
        await using var sim = await Sessions.StartSimAsync(url, "restart-rig", ["--speed", "2", "--minutes", "0.5", "--json"], ct);
        await using var run = await Sessions.StartBridgeAsync(url, "restart-rig", folder, resume: false, ct);
        await Sessions.WaitForJournalGrowthAsync(folder, 20_000, "the bridge to record before the broker dies", ct);

        await mosquitto.KillAsync();
        await Eventually.WaitUntil(() => run.Stderr.Contains("link error", StringComparison.Ordinal), TimeSpan.FromSeconds(30),
            "the bridge to notice the broker is gone", ct);
        await mosquitto.RestartAsync(ct);
        await Sessions.WaitForJournalGrowthAsync(folder, 20_000, "recording to continue after the restart", ct);

        var device = await Sessions.FinishSimAsync(sim, ct);
        var (code, summary) = await Sessions.StopBridgeAsync(run, ct);
        string context = $"{run.Stderr}\n{summary}\n{device}";
        Assert.True(code == 0, context);
        Assert.True(device.GetProperty("publish_failures").GetInt64() > 0 || device.GetProperty("batches_resent").GetInt64() > 0,
            "the broker's death cost the device nothing in flight: the fault was not exercised\n" + context);
        Sessions.AssertEveryEventExactlyOnce(summary.GetProperty("recorded"), context);
        Sessions.AssertHoldsTheRun(summary.GetProperty("recorded"), device, context);
        Sessions.AssertEveryEventExactlyOnce((await Sessions.DecodeAsync(folder, ct)).GetProperty("decoded"), context);
    }

    [Fact]
    public async Task A_30_second_network_blackhole_is_buffered_by_the_device_and_every_event_arrives_exactly_once()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var mosquitto = await MosquittoBroker.StartAsync(ct);
        await using var proxy = new BlackholeProxy(mosquitto.Port);
        using var dir = new TempDirectory();
        string folder = dir.Combine("s");

        // Free-running at real time: the device captures through the partition as hardware would, into the simulator's
        // default buffer (2048 batches, 65,536 events: docs/reliability.md sizes it in seconds).
        await using var sim = await Sessions.StartSimAsync(proxy.Url, "partition-rig",
            ["--speed", "1", "--minutes", "1", "--free-running", "--json"], ct);
        await using var run = await Sessions.StartBridgeAsync(proxy.Url, "partition-rig", folder, resume: false, ct);
        await Sessions.WaitForJournalGrowthAsync(folder, 20_000, "the bridge to record before the partition", ct);

        int connectionsBefore = proxy.Connections;
        await proxy.BlackholeAsync(TimeSpan.FromSeconds(30), ct);
        await Sessions.WaitForJournalGrowthAsync(folder, 50_000, "recording to continue after the partition", ct);

        var device = await Sessions.FinishSimAsync(sim, ct);
        var (code, summary) = await Sessions.StopBridgeAsync(run, ct);
        string context = $"{run.Stderr}\n{summary}\n{device}";
        Assert.True(code == 0, context);
        Assert.True(proxy.Connections > connectionsBefore, "no client reconnected: the 30 s silence went unnoticed\n" + context);
        Assert.True(device.GetProperty("batches_resent").GetInt64() > 0, "nothing was resent: the partition was not exercised\n" + context);
        Assert.Equal(0, device.GetProperty("events_lost").GetInt64());
        Sessions.AssertEveryEventExactlyOnce(summary.GetProperty("recorded"), context);
        LongRuns.Report(System.FormattableString.Invariant(
            $"30 s silence: {proxy.Connections - connectionsBefore} reconnections, {device.GetProperty("batches_resent").GetInt64()} batches resent, {summary.GetProperty("recorded").GetProperty("events_total").GetInt64()} events, rate {device.GetProperty("events_at_end").GetInt64() / device.GetProperty("virtual_seconds").GetDouble():0} events/s"));
        Sessions.AssertHoldsTheRun(summary.GetProperty("recorded"), device, context);
    }

    [Fact]
    public async Task A_blackhole_longer_than_the_device_buffer_is_counted_with_exact_ranges_and_marks_the_session_incomplete()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var mosquitto = await MosquittoBroker.StartAsync(ct);
        await using var proxy = new BlackholeProxy(mosquitto.Port);
        using var dir = new TempDirectory();
        string folder = dir.Combine("s");

        // 4 batches and 512 events of buffer hold well under a second at the virtual rig's rate; the partition lasts 8 s.
        await using var sim = await Sessions.StartSimAsync(proxy.Url, "overflow-rig",
            ["--speed", "1", "--minutes", "0.5", "--free-running", "--resend-slots", "4", "--ring-events", "512", "--json"], ct);
        await using var run = await Sessions.StartBridgeAsync(proxy.Url, "overflow-rig", folder, resume: false, ct);
        await Sessions.WaitForJournalGrowthAsync(folder, 5_000, "the bridge to record before the partition", ct);
        await proxy.BlackholeAsync(TimeSpan.FromSeconds(8), ct);

        var device = await Sessions.FinishSimAsync(sim, ct);
        var (code, summary) = await Sessions.StopBridgeAsync(run, ct);
        string context = $"{run.Stderr}\n{summary}\n{device}";
        var recorded = summary.GetProperty("recorded");
        long lostOnDevice = device.GetProperty("events_lost").GetInt64();
        Assert.True(lostOnDevice > 0, "the device buffer did not overflow: the test does not test the limit\n" + context);
        Assert.True(code == 7, "a lossy session must be marked incomplete (exit 7)\n" + context);

        // Every lost event is accounted for: the ranges the bridge names add up to exactly what the device dropped, and
        // nothing else is missing.
        Assert.Equal(lostOnDevice, recorded.GetProperty("device_lost_events").GetInt64());
        Assert.Equal(0, recorded.GetProperty("unexplained_missing_events").GetInt64());
        Assert.Equal(0, recorded.GetProperty("missing_batches").GetInt64());
        long named = 0;
        foreach (var boot in recorded.GetProperty("boots").EnumerateArray())
        {
            foreach (var gap in boot.GetProperty("gaps").EnumerateArray())
            {
                Assert.True(gap.GetProperty("explained_by_device").GetBoolean(), context);
                long first = gap.GetProperty("first_event_seq").GetInt64();
                long count = gap.GetProperty("count").GetInt64();
                named += count;
                string line = string.Create(CultureInfo.InvariantCulture, $"events {first}..{first + count - 1} ({count}) lost");
                Assert.Contains(line, run.Stderr, StringComparison.Ordinal);
            }
        }

        Assert.Equal(lostOnDevice, named);
        LongRuns.Report(System.FormattableString.Invariant(
            $"8 s silence, 4 batches + 512 events of buffer: {lostOnDevice} events dropped and counted in {recorded.GetProperty("boots")[0].GetProperty("gaps").GetArrayLength()} range(s), exit {code}"));
        Assert.True(recorded.GetProperty("events_total").GetInt64() + lostOnDevice >= device.GetProperty("events_at_end").GetInt64(), context);
    }
}
