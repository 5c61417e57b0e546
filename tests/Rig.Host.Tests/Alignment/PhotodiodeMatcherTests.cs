using System;
using System.Collections.Generic;
using Rig.Experiment.Alignment;
using Xunit;

namespace Rig.Host.Tests.Alignment;

public sealed class PhotodiodeMatcherTests
{
    private const double Period = 1e9 / 60;
    private const double Latency = 25e6; // 25 ms from render to light, typical of a monitor plus a compositor

    /// <summary>A 60 Hz display: frame k rendered at k periods (± 1 ms jitter), shown at its vsync after the latency.</summary>
    private static (List<RenderedFrame> Frames, List<(double, byte)> Flips) Display(int frames, HashSet<long> dropped, HashSet<long> shownTwice, int seed = 1)
    {
        var random = new Random(seed);
        var rendered = new List<RenderedFrame>();
        var flips = new List<(double, byte)>();
        double slot = 0; // display refreshes consumed so far
        byte level = 0;
        for (long k = 0; k < frames; k++)
        {
            rendered.Add(new RenderedFrame(k, (k * Period) + ((random.NextDouble() - 0.5) * 2e6)));
            if (dropped.Contains(k))
            {
                continue;
            }

            byte patch = (byte)(k % 2 == 0 ? 1 : 0);
            double shown = Math.Max(slot, k) * Period + Latency + ((random.NextDouble() - 0.5) * 200e3);
            if (patch != level)
            {
                flips.Add((shown, patch));
                level = patch;
            }

            slot = Math.Max(slot, k) + (shownTwice.Contains(k) ? 2 : 1);
        }

        return (rendered, flips);
    }

    [Fact]
    public void Every_frame_of_a_clean_display_is_matched_with_its_latency()
    {
        var (frames, flips) = Display(600, new HashSet<long>(), new HashSet<long>());
        var m = PhotodiodeMatcher.Match(frames, flips, Period);
        Assert.Equal(600, m.Displayed.Count);
        Assert.Empty(m.Dropped);
        Assert.Empty(m.Unobservable);
        Assert.Equal(0, m.UnmatchedFlips);
        Assert.InRange(m.MedianLatencyMicros, 24_000, 26_000);
        Assert.All(m.Displayed, d => Assert.InRange(d.LatencyMicros, 23_500, 26_500));
    }

    [Fact]
    public void A_dropped_frame_is_reported_and_its_neighbours_keep_their_ids()
    {
        // Dropping frame 301 leaves 300 and 302 both white: the patch does not flip until 303.
        var (frames, flips) = Display(600, new HashSet<long> { 301 }, new HashSet<long>());
        var m = PhotodiodeMatcher.Match(frames, flips, Period);
        Assert.Equal([301L], m.Dropped);

        // 302 is white like 300 before it: whether or not it was shown, the patch could not tell.
        Assert.Equal([302L], m.Unobservable);
        Assert.Contains(m.Displayed, d => d.FrameId == 300);
        Assert.Contains(m.Displayed, d => d.FrameId == 303);
        Assert.DoesNotContain(m.Displayed, d => d.FrameId == 301);
    }

    [Fact]
    public void Photodiode_noise_that_no_frame_explains_is_counted_not_matched()
    {
        var (frames, flips) = Display(300, new HashSet<long>(), new HashSet<long>());
        flips.Add((frames[^1].HostRenderNanos + 10e9, 1)); // long after the last frame
        var m = PhotodiodeMatcher.Match(frames, flips, Period);
        Assert.Equal(1, m.UnmatchedFlips);
        Assert.Equal(300, m.Displayed.Count);
    }
}
