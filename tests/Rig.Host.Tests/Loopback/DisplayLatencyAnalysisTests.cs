using System;
using System.Collections.Generic;
using System.Linq;
using Rig.Provisioning.Loopback;
using Xunit;

namespace Rig.Host.Tests.Loopback;

public sealed class DisplayLatencyAnalysisTests
{
    private const ulong Start = 1_000_000;
    private const double PeriodMicros = 1e6 / 60;

    private static List<LoopbackFrame> Frames(int count) =>
        Enumerable.Range(0, count).Select(k => new LoopbackFrame(k, Start + (ulong)Math.Round(k * PeriodMicros))).ToList();

    // The flips a screen makes: shown frames in order, a flip whenever the colour changes, at render + latency(frame).
    private static List<Edge> Flips(List<LoopbackFrame> frames, HashSet<long> dropped, Func<long, ulong> latency)
    {
        var flips = new List<Edge>();
        byte shown = 0;
        foreach (var f in frames.Where(f => !dropped.Contains(f.FrameId)))
        {
            if (f.PatchLevel != shown)
            {
                shown = f.PatchLevel;
                flips.Add(new Edge(f.RenderDeviceMicros + latency(f.FrameId), shown));
            }
        }

        return flips;
    }

    [Fact]
    public void Every_frame_shown_at_25_ms_gives_25_ms_for_each_and_nothing_dropped()
    {
        var frames = Frames(10);
        var r = DisplayLatencyAnalysis.Analyze(frames, Flips(frames, new HashSet<long>(), _ => 25_000), ulong.MaxValue);

        Assert.Equal(Enumerable.Range(0, 10).Select(k => (long)k), r.Displayed.Select(d => d.FrameId));
        Assert.All(r.Displayed, d => Assert.Equal(25_000, d.LatencyMicros));
        Assert.Equal((25_000.0, 25_000.0, 10), (r.LatencyMicros.Median, r.LatencyMicros.P99, r.LatencyMicros.Count));
        Assert.Empty(r.Dropped);
        Assert.Empty(r.Unobservable);
        Assert.Equal((0, 0, 0.0), (r.UnmatchedFlips, r.Pending, r.DroppedPercent));
    }

    [Fact]
    public void A_dropped_frame_is_counted_and_the_next_one_unobservable_even_with_a_latency_above_two_frames()
    {
        // 40 ms is 2.4 refreshes: when frame 4 is dropped, the flip of frame 6 comes after frames 4, 6 and 8 were all
        // drawn, and only the latency of the frames before tells that it is frame 6's.
        var frames = Frames(12);
        var r = DisplayLatencyAnalysis.Analyze(frames, Flips(frames, new HashSet<long> { 4 }, _ => 40_000), ulong.MaxValue);

        Assert.Equal([4L], r.Dropped);
        Assert.Equal([5L], r.Unobservable);
        Assert.Equal(new long[] { 0, 1, 2, 3, 6, 7, 8, 9, 10, 11 }, r.Displayed.Select(d => d.FrameId));
        Assert.All(r.Displayed, d => Assert.Equal(40_000, d.LatencyMicros));
        Assert.Equal(100.0 / 12, r.DroppedPercent, 9);
    }

    [Fact]
    public void Latencies_that_vary_give_the_exact_median_and_nearest_rank_p99()
    {
        // 100 frames at 20.0 to 20.9 ms (ten of each): median (20.4 + 20.5) / 2 ms, p99 the 99th value, 20.9 ms.
        var frames = Frames(100);
        var r = DisplayLatencyAnalysis.Analyze(frames, Flips(frames, new HashSet<long>(), id => 20_000 + (ulong)(id % 10 * 100)), ulong.MaxValue);

        Assert.Equal(100, r.Displayed.Count);
        Assert.Equal((20_450.0, 20_900.0, 20_000.0, 20_900.0), (r.LatencyMicros.Median, r.LatencyMicros.P99, r.LatencyMicros.Min, r.LatencyMicros.Max));
    }

    [Fact]
    public void A_flip_to_the_level_already_shown_and_a_flip_with_no_frame_before_it_are_unexplained()
    {
        var frames = Frames(4);
        var flips = Flips(frames, new HashSet<long>(), _ => 25_000);
        flips.Add(new Edge(Start - 5_000, 1)); // before any frame: nothing can explain it
        flips.Add(new Edge(flips[0].DeviceMicros + 1_000, 1)); // white again while white
        var r = DisplayLatencyAnalysis.Analyze(frames, flips, ulong.MaxValue);

        Assert.Equal(2, r.UnmatchedFlips);
        Assert.Equal(4, r.Displayed.Count);
        Assert.Equal(6, r.Flips);
    }

    [Fact]
    public void Frames_whose_flip_could_still_come_are_pending_and_older_ones_without_a_flip_dropped()
    {
        // Frames 0-9 drawn; flips only for 0-5; watched until 30 ms after frame 9, with a 50 ms window: frames 6 and 7
        // are older than the window (6 would have flipped: dropped; 7 then shows the colour already shown: unobservable), 8 and 9 pending.
        var frames = Frames(10);
        var flips = Flips(frames.Take(6).ToList(), new HashSet<long>(), _ => 25_000);
        ulong until = frames[9].RenderDeviceMicros + 30_000;
        var r = DisplayLatencyAnalysis.Analyze(frames, flips, until, new DisplayLatencyOptions { MaxLatencyMicros = 50_000 });

        Assert.Equal(6, r.Displayed.Count);
        Assert.Equal([6L], r.Dropped);
        Assert.Equal([7L], r.Unobservable);
        Assert.Equal(2, r.Pending);
    }

    [Fact]
    public void A_frame_id_given_twice_is_refused_naming_it()
    {
        var e = Assert.Throws<ArgumentException>(() => DisplayLatencyAnalysis.Analyze([new LoopbackFrame(3, 1), new LoopbackFrame(3, 2)], [], 10));
        Assert.Contains("frame id 3 appears twice", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_display_leg_passes_within_its_budget_and_fails_naming_the_latency_or_the_dropped_frames()
    {
        var frames = Frames(200);
        var fast = DisplayLatencyAnalysis.Analyze(frames, Flips(frames, new HashSet<long>(), _ => 25_000), ulong.MaxValue);
        var slow = DisplayLatencyAnalysis.Analyze(frames, Flips(frames, new HashSet<long>(), _ => 60_000), ulong.MaxValue);
        var dropping = DisplayLatencyAnalysis.Analyze(frames, Flips(frames, new HashSet<long> { 10, 50, 90, 130 }, _ => 25_000), ulong.MaxValue);

        var pass = LoopbackLegEvaluator.EvaluateDisplay(Run("renderer-to-photodiode"), fast, 60, LoopbackThresholds.Default);
        Assert.True(pass.Verdict == LoopbackVerdict.Pass, pass.ToText());
        Assert.Equal(25_000, pass.CaptureDelayMicros.Median);
        Assert.Equal(200, pass.Display!.Displayed);

        var late = LoopbackLegEvaluator.EvaluateDisplay(Run("renderer-to-photodiode"), slow, 60, LoopbackThresholds.Default);
        Assert.Equal(LoopbackVerdict.Fail, late.Verdict);
        Assert.StartsWith("display latency p99 is 60 ms, over the limit of 50 ms", late.Message, StringComparison.Ordinal);

        // 4 dropped of 200 settled is 2 %, over the 1 % budget.
        var dropped = LoopbackLegEvaluator.EvaluateDisplay(Run("renderer-to-photodiode"), dropping, 60, LoopbackThresholds.Default);
        Assert.Equal(LoopbackVerdict.Fail, dropped.Verdict);
        Assert.StartsWith("dropped frames is 2 %, over the limit of 1 %", dropped.Message, StringComparison.Ordinal);
        Assert.Equal([10L, 50, 90, 130], dropped.Display!.DroppedFrameIds);
    }

    [Fact]
    public void No_flip_at_all_while_frames_were_drawn_is_reported_as_no_edges_naming_the_photodiode()
    {
        var r = DisplayLatencyAnalysis.Analyze(Frames(100), [], ulong.MaxValue);
        var report = LoopbackLegEvaluator.EvaluateDisplay(Run("renderer-to-photodiode"), r, 60, LoopbackThresholds.Default);

        Assert.Equal(LoopbackVerdict.NoEdges, report.Verdict);
        Assert.Contains("no photodiode flips on photodiode channel 0", report.Message, StringComparison.Ordinal);
    }

    internal static LoopbackRunData Run(string scenarioName, IReadOnlyList<Edge>? inputs = null, int requested = 0)
    {
        var s = LoopbackScenario.Find(scenarioName);
        return new LoopbackRunData
        {
            Scenario = s,
            Settings = new LoopbackSettings(s.Name, s.Wiring, s.OutputName, s.InputName, requested, 1, 0, 0, 0, 0, 3),
            RigId = "r",
            FirmwareVersion = "t",
            BootId = 1,
            DateUtc = DateTimeOffset.UnixEpoch,
            Target = "test",
            PulsesRequested = requested,
            TrainStartDeviceMicros = 0,
            TrainPlannedMicros = 0,
            StoppedEarly = false,
            OutputEdges = [],
            InputEdges = inputs ?? [],
            RoundTripsMilliseconds = [1.0, 2.0, 3.0],
        };
    }
}
