using System;
using System.IO;
using System.Linq;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging.Abstractions;
using Rig.Recording.Bridge;
using Rig.Provisioning.Loopback;
using Rig.TestSupport;
using Rig.VirtualRig;
using Rig.VirtualRig.Loopback;
using Xunit;

namespace Rig.Integration.Tests.Loopback;

/// <summary>rig loopback's library end to end against the virtual rig, whose loopback wire has a known latency model.</summary>
public sealed class VirtualLoopbackTests
{
    // The command round trip is the host machine's: a test machine running every suite at once can stall for far
    // more than the 20 ms default, which would say nothing about the code under test.
    private static readonly LoopbackThresholds Patient = new() { RoundTripP99Milliseconds = 5_000 };

    private static Task<LoopbackOutcome> RunAsync(string root, string scenarioName, int pulses, double latency, double jitter, bool connected, CancellationToken ct,
        int seed = 3)
    {
        var scenario = LoopbackScenario.Find(scenarioName);
        var wire = LoopbackFixture.Wire(scenario, latency, jitter, connected);
        var options = LoopbackFixture.Apply(new VirtualRigOptions { RigId = "loop", Seed = seed, Speed = 0 }, wire);
        var connect = VirtualLoopback.Connector(new InMemoryBroker().CreateLinkFactory(), options,
            new BridgeOptions { CommandTimeout = TimeSpan.FromSeconds(20) }, new SessionStartInfo("in-memory", "tests", "loopback"), TimeProvider.System, NullLogger.Instance);
        return LoopbackWorkflow.RunAsync(connect, new LoopbackRunOptions { Scenario = scenario, Pulses = pulses, Seed = 17, Pings = 20, Thresholds = Patient, Target = "virtual: " + wire.Describe() },
            new LoopbackHistory(root), "loop", TimeProvider.System, null, ct);
    }

    [Fact]
    public async Task A_valve_to_lick_wire_of_7_us_plus_minus_2_us_is_reported_as_such_and_passes()
    {
        using var dir = new TempDirectory();
        var outcome = await RunAsync(dir.Path, "valve-to-lick", 1000, 7, 2, connected: true, TestContext.Current.CancellationToken);
        var r = outcome.Report;

        Assert.True(r.Verdict == LoopbackVerdict.Pass, r.ToText());
        Assert.Equal(1000, r.PulsesPlayed);
        Assert.Equal((2000, 0, 0), (r.MatchedEdges, r.MissedEdges, r.ExtraEdges));

        // Uniform in [5, 9] µs, rounded to whole µs: median 7, nothing outside 5-9, and the spread of a uniform of
        // half-width 2 with µs rounding: sqrt(2²/3 + 1/12) = 1.19 µs.
        var d = r.CaptureDelayMicros;
        Assert.Equal(7, d.Median);
        Assert.InRange(d.Mean, 6.8, 7.2);
        Assert.Equal((5.0, 9.0), (d.Min, d.Max));
        Assert.Equal(9, d.P99);
        Assert.InRange(d.StdDev, 1.19 * 0.9, 1.19 * 1.1);

        // The width error is the difference of two independent delays: within ±4 µs, mean about 0.
        Assert.NotNull(r.PulseWidthErrorMicros);
        Assert.Equal(1000, r.PulseWidthErrorMicros!.Count);
        Assert.InRange(r.PulseWidthErrorAbsMaxMicros!.Value, 1, 4);
        Assert.InRange(r.PulseWidthErrorMicros.Mean, -0.3, 0.3);
        Assert.Equal(20, r.RoundTripMilliseconds.Count);

        // The history: report, text, histograms, the session recording, one index line.
        foreach (string file in new[] { "report.json", "report.txt", "capture_delay.png", "pulse_width_error.png", "round_trip.png", "session/session.json", "session/journal.rigj" })
        {
            Assert.True(File.Exists(Path.Combine(outcome.RunFolder, file)), file + " is missing");
        }

        using var json = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(outcome.RunFolder, "report.json")));
        Assert.Equal("pass", json.RootElement.GetProperty("verdict").GetString());
        Assert.Equal(7, json.RootElement.GetProperty("capture_delay_micros").GetProperty("median").GetDouble());
        Assert.Equal("loop", json.RootElement.GetProperty("rig_id").GetString());
        Assert.False(string.IsNullOrEmpty(json.RootElement.GetProperty("firmware_version").GetString()));
        var index = File.ReadAllLines(Path.Combine(dir.Path, "loop", LoopbackHistory.IndexFile));
        Assert.Equal(2, index.Length);
        Assert.Contains(",valve-to-lick,", index[1], StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_slower_wire_fails_the_capture_delay_check_with_its_numbers()
    {
        using var dir = new TempDirectory();
        var r = (await RunAsync(dir.Path, "valve-to-lick", 100, 30, 3, connected: true, TestContext.Current.CancellationToken)).Report;

        Assert.Equal(LoopbackVerdict.Fail, r.Verdict);
        Assert.Equal(30, r.CaptureDelayMicros.Median);
        Assert.Contains("capture delay p99", r.Message, StringComparison.Ordinal);
        Assert.False(r.Checks.Single(c => c.Name == "capture delay p99").Passed);
        Assert.True(r.Checks.Single(c => c.Name == "missed edges").Passed);
    }

    [Fact]
    public async Task A_disconnected_wire_stops_the_train_early_and_names_the_channel()
    {
        using var dir = new TempDirectory();
        var r = (await RunAsync(dir.Path, "valve-to-lick", 1000, 7, 2, connected: false, TestContext.Current.CancellationToken)).Report;

        Assert.Equal(LoopbackVerdict.NoEdges, r.Verdict);
        Assert.True(r.StoppedEarly);
        Assert.Contains("lick channel 0", r.Message, StringComparison.Ordinal);
        Assert.Contains("valve 0", r.Message, StringComparison.Ordinal);
        Assert.Equal(0, r.InputEdges);

        // Stopped after a handful of pulses (in device time), not after the train's 1000.
        Assert.InRange(r.PulsesPlayed, 5, 999);
    }

    [Fact]
    public async Task The_scanner_frame_clock_is_reported_with_its_period_and_the_frames_a_bad_cable_lost()
    {
        using var dir = new TempDirectory();
        var scenario = LoopbackScenario.Find("scanner-frame-clock");
        var rig = new VirtualRigOptions { RigId = "loop", Seed = 5, Speed = 0, Scanner = new() { FrameRateHz = 30, JitterMicros = 2, LoseEveryNthFrame = 100 } };
        var (options, model) = LoopbackFixture.ForScenario(rig, scenario, 0, 0, connected: true);
        var connect = VirtualLoopback.Connector(new InMemoryBroker().CreateLinkFactory(), options,
            new BridgeOptions { CommandTimeout = TimeSpan.FromSeconds(20) }, new SessionStartInfo("in-memory", "tests", "loopback"), TimeProvider.System, NullLogger.Instance);

        var r = (await LoopbackWorkflow.RunAsync(connect, new LoopbackRunOptions { Scenario = scenario, Pings = 5, Thresholds = Patient, ListenTime = TimeSpan.FromSeconds(20), Target = model },
            new LoopbackHistory(dir.Path), "loop", TimeProvider.System, null, TestContext.Current.CancellationToken)).Report;

        // 20 s at 30 Hz is 600 frame times; one in a hundred never arrives.
        Assert.Equal(LoopbackVerdict.Fail, r.Verdict);
        Assert.InRange(r.MissingFrames!.Value, 5, 7);
        Assert.InRange(r.Frames!.Value, 592, 596);
        Assert.InRange(r.FramePeriodMicros!.Median, 33_330, 33_337);
        Assert.InRange(r.FrameRateHz!.Value, 29.99, 30.01);
        Assert.Contains("missing frames", r.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_sync_output_into_the_frame_clock_matches_rising_edges_only()
    {
        using var dir = new TempDirectory();
        var r = (await RunAsync(dir.Path, "sync-to-frame", 200, 3, 1, connected: true, TestContext.Current.CancellationToken)).Report;

        Assert.True(r.Verdict == LoopbackVerdict.Pass, r.ToText());
        Assert.Equal((200, 200, 0, 0), (r.ExpectedEdges, r.MatchedEdges, r.MissedEdges, r.ExtraEdges));
        Assert.Null(r.PulseWidthErrorMicros);
        Assert.Equal(3, r.CaptureDelayMicros.Median);
    }

    private static Task<LoopbackOutcome> RunLegAsync(string root, string scenarioName, int count, double? latency, double? jitter, bool connected, double dropPercent,
        CancellationToken ct, out LoopbackScreen? screen)
    {
        var scenario = LoopbackScenario.Find(scenarioName);
        var sim = LoopbackFixture.ForLeg(new VirtualRigOptions { RigId = "loop", Seed = 11, Speed = 0 }, scenario, latency, jitter, connected, dropPercent);
        screen = sim.Screen;
        var connect = VirtualLoopback.Connector(new InMemoryBroker().CreateLinkFactory(), sim.Options,
            new BridgeOptions { CommandTimeout = TimeSpan.FromSeconds(20) }, new SessionStartInfo("in-memory", "tests", "loopback"), TimeProvider.System, NullLogger.Instance);
        return LoopbackWorkflow.RunAsync(connect, new LoopbackRunOptions { Scenario = scenario, Pulses = count, Seed = 5, Pings = 5, Thresholds = Patient, Target = sim.Description, Screen = sim.Screen },
            new LoopbackHistory(root), "loop", TimeProvider.System, null, ct);
    }

    [Fact]
    public async Task The_renderer_to_photodiode_leg_reports_the_simulated_screens_latency_and_exactly_the_frames_it_dropped()
    {
        using var dir = new TempDirectory();
        var outcome = await RunLegAsync(dir.Path, "renderer-to-photodiode", 600, 30_000, 2_000, connected: true, dropPercent: 2, TestContext.Current.CancellationToken, out var screen);
        var r = outcome.Report;
        var d = r.Display!;

        // Ground truth from the screen: every dropped frame found, the frames after them unobservable, all others seen.
        Assert.Equal(screen!.Dropped, d.DroppedFrameIds);
        Assert.Equal(screen.ShownWithoutFlip.Count, d.Unobservable);
        Assert.Equal(600 - screen.Dropped.Count - screen.ShownWithoutFlip.Count, d.Displayed);
        Assert.True(screen.Dropped.Count > 0, "the 2 % drop model dropped nothing in 600 frames");
        Assert.Equal((0, 0), (d.UnmatchedFlips, d.Pending));

        // 30 ms ± 2 ms uniform, rounded to µs.
        Assert.InRange(r.CaptureDelayMicros.Min, 28_000, 28_500);
        Assert.InRange(r.CaptureDelayMicros.Max, 31_500, 32_000);
        Assert.InRange(r.CaptureDelayMicros.Median, 29_700, 30_300);

        // 2 % drops fail the 1 % budget; the latency check passes.
        Assert.Equal(LoopbackVerdict.Fail, r.Verdict);
        Assert.StartsWith("dropped frames is", r.Message, StringComparison.Ordinal);
        Assert.True(r.Checks.Single(c => c.Name == "display latency p99").Passed);
        Assert.True(File.Exists(Path.Combine(outcome.RunFolder, "capture_delay.png")));
    }

    [Fact]
    public async Task The_tone_to_ttl_leg_reports_the_paths_onset_latency_and_passes_and_a_disconnected_path_stops_after_three_tones()
    {
        using var dir = new TempDirectory();
        var r = (await RunLegAsync(dir.Path, "tone-to-ttl", 12, 20, 5, connected: true, 0, TestContext.Current.CancellationToken, out _)).Report;

        Assert.True(r.Verdict == LoopbackVerdict.Pass, r.ToText());
        Assert.Equal((12, 12, 12, 0), (r.Tone!.TonesCommanded, r.Tone.TonesPlayed, r.Tone.TonesHeard, r.Tone.ExtraEdges));
        // 20 µs ± 5 µs per edge: the onset is one edge's delay.
        Assert.InRange(r.CaptureDelayMicros.Min, 15, 25);
        Assert.InRange(r.CaptureDelayMicros.Max, 15, 25);
        Assert.Equal(2000, r.Tone.MedianFrequencyHz!.Value, 0);
        // The last edge lands up to half a 2 kHz period (250 µs) early, give or take two edges' jitter.
        Assert.InRange(r.Tone.DurationErrorMicros.Min, -260, 10);
        Assert.InRange(r.Tone.DurationErrorMicros.Max, -260, 10);

        using var other = new TempDirectory();
        var cut = (await RunLegAsync(other.Path, "tone-to-ttl", 50, 20, 5, connected: false, 0, TestContext.Current.CancellationToken, out _)).Report;
        Assert.Equal(LoopbackVerdict.NoEdges, cut.Verdict);
        Assert.True(cut.StoppedEarly);
        Assert.Equal(3, cut.Tone!.TonesPlayed);
        Assert.Contains("ttl channel 0", cut.Message, StringComparison.Ordinal);
    }
}
