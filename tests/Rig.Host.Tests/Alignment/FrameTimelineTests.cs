using System;
using System.Collections.Generic;
using System.Linq;
using Rig.Experiment.Alignment;
using Xunit;

namespace Rig.Host.Tests.Alignment;

public sealed class FrameTimelineTests
{
    private const double Period = 1e6 / 30;

    private static List<ulong> Edges(int frames, ulong start = 500_000, int seed = 1, double jitter = 2)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, frames).Select(i => (ulong)(start + (i * Period) + ((random.NextDouble() - 0.5) * 2 * jitter))).ToList();
    }

    [Fact]
    public void A_steady_30_Hz_frame_clock_numbers_every_frame_and_places_events_within_them()
    {
        var edges = Edges(300);
        var t = FrameTimeline.Build(edges);
        var acq = Assert.Single(t.Acquisitions);
        Assert.Equal(300, t.Frames);
        Assert.InRange(acq.PeriodMicros, Period - 1, Period + 1);
        Assert.Equal(0, t.InferredEdges + t.DroppedEdges);

        var p = t.Locate(edges[10] + 10_000)!.Value;
        Assert.Equal(10, p.Frame);
        Assert.InRange(p.Fraction, 0.29, 0.31);
        Assert.Equal(0, t.Locate(edges[0])!.Value.Frame);
        Assert.Equal(299, t.Locate(edges[299] + 33_000)!.Value.Frame);
    }

    [Fact]
    public void Events_before_the_first_frame_or_after_the_scanner_stopped_belong_to_no_frame()
    {
        var edges = Edges(100);
        var t = FrameTimeline.Build(edges);
        Assert.Null(t.Locate(edges[0] - 1));
        Assert.Null(t.Locate(edges[^1] + 40_000));
    }

    [Fact]
    public void A_missed_edge_is_filled_in_so_later_frames_keep_their_numbers()
    {
        var edges = Edges(200);
        ulong event150 = edges[150] + 5_000;
        edges.RemoveAt(100);
        var t = FrameTimeline.Build(edges);
        Assert.Equal(200, t.Frames);
        Assert.Equal(1, t.InferredEdges);
        Assert.Equal(150, t.Locate(event150)!.Value.Frame);
        Assert.Equal(199, t.Acquisitions[0].CapturedEdges);
    }

    [Fact]
    public void An_extra_edge_is_dropped_and_counted()
    {
        var edges = Edges(200);
        ulong event150 = edges[150] + 5_000;
        edges.Insert(51, edges[50] + 3_000);
        var t = FrameTimeline.Build(edges);
        Assert.Equal(200, t.Frames);
        Assert.Equal(1, t.DroppedEdges);
        Assert.Equal(150, t.Locate(event150)!.Value.Frame);
    }

    [Fact]
    public void An_acquisition_stop_and_restart_starts_a_second_acquisition_whose_frames_follow_on()
    {
        var first = Edges(120);
        var second = Edges(90, start: first[^1] + 10_000_000, seed: 2);
        var t = FrameTimeline.Build(first.Concat(second));
        Assert.Equal(2, t.Acquisitions.Count);
        Assert.Equal((120L, 90L), (t.Acquisitions[0].Frames, t.Acquisitions[1].Frames));
        Assert.Equal(120, t.Acquisitions[1].FirstFrame);
        Assert.Null(t.Locate(first[^1] + 5_000_000));
        var p = t.Locate(second[5] + 1_000)!.Value;
        Assert.Equal((125L, 1), (p.Frame, p.Acquisition));
    }

    [Fact]
    public void Events_within_a_millisecond_of_a_frame_edge_are_assigned_to_the_right_frame()
    {
        var edges = Edges(3000, jitter: 5);
        var t = FrameTimeline.Build(edges);
        var random = new Random(9);
        for (int k = 0; k < 5000; k++)
        {
            int frame = random.Next(1, 2999);
            long offset = random.Next(-1000, 1000);
            ulong time = (ulong)((long)edges[frame] + offset);
            long expected = offset >= 0 ? frame : frame - 1;
            Assert.Equal(expected, t.Locate(time)!.Value.Frame);
        }
    }
}
