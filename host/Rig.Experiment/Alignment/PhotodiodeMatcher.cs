using System;
using System.Collections.Generic;
using System.Linq;

namespace Rig.Experiment.Alignment;

/// <summary>A frame the VR engine says it rendered: its id and the host time it was handed to the display, ns.</summary>
public readonly record struct RenderedFrame(long FrameId, double HostRenderNanos);

/// <summary>A displayed frame: which rendered frame the photodiode saw and when, on the host timeline.</summary>
public readonly record struct DisplayedFrame(long FrameId, double HostDisplayNanos, double LatencyMicros);

/// <summary>What matching found: every displayed frame, the frames that never showed, and the display latency.</summary>
/// <param name="Dropped">Rendered frames that cannot have been shown: showing them would have flipped the patch.</param>
/// <param name="Unobservable">Rendered frames with no flip that the photodiode could not have seen either way: the patch
/// already showed their colour (a frame after a dropped one). Reported apart so drops are not over-counted.</param>
/// <param name="UnmatchedFlips">Flips no rendered frame could explain (noise on the photodiode line, or frames the engine did not report).</param>
public sealed record PhotodiodeMatch(IReadOnlyList<DisplayedFrame> Displayed, IReadOnlyList<long> Dropped, IReadOnlyList<long> Unobservable, int UnmatchedFlips,
    double MedianLatencyMicros, double P99LatencyMicros);

/// <summary>
/// Matches photodiode flips (a patch in the corner of the VR screen that turns white on even frame ids and black on
/// odd ones) to the frames the VR engine reports rendering. A flip to white can only be an even frame and a flip to
/// black an odd one; among those, it is the frame whose render time plus the display latency is nearest. The latency is
/// estimated first as the median over all flips of the gap to the latest rendered frame of the right parity. A frame
/// that never shows (a dropped frame) leaves no flip; a frame shown for two refreshes delays the next flip by one.
/// </summary>
public static class PhotodiodeMatcher
{
    /// <param name="frames">Rendered frames, in any order.</param>
    /// <param name="flipsHostNanos">Photodiode edges already mapped to host time (device µs through the clock map), with the new level.</param>
    /// <param name="framePeriodNanos">The display's refresh period (16.7 ms at 60 Hz).</param>
    public static PhotodiodeMatch Match(IReadOnlyList<RenderedFrame> frames, IReadOnlyList<(double HostNanos, byte Level)> flipsHostNanos,
        double framePeriodNanos)
    {
        var sorted = frames.OrderBy(f => f.HostRenderNanos).ToArray();
        var even = sorted.Where(f => f.FrameId % 2 == 0).ToArray();
        var odd = sorted.Where(f => f.FrameId % 2 != 0).ToArray();

        // Latency estimate: flip time minus the latest rendered frame of the matching parity before it.
        var gaps = new List<double>();
        foreach (var (t, level) in flipsHostNanos)
        {
            var candidates = level != 0 ? even : odd;
            int i = LastAtOrBefore(candidates, t);
            if (i >= 0)
            {
                gaps.Add(t - candidates[i].HostRenderNanos);
            }
        }

        if (gaps.Count == 0)
        {
            return new PhotodiodeMatch([], sorted.Select(f => f.FrameId).ToList(), [], flipsHostNanos.Count, double.NaN, double.NaN);
        }

        gaps.Sort();
        double latency = gaps[gaps.Count / 2];

        var displayed = new List<DisplayedFrame>();
        var used = new HashSet<long>();
        int unmatched = 0;
        foreach (var (t, level) in flipsHostNanos.OrderBy(f => f.HostNanos))
        {
            var candidates = level != 0 ? even : odd;
            int best = Nearest(candidates, t - latency);
            if (best < 0 || Math.Abs(t - latency - candidates[best].HostRenderNanos) > framePeriodNanos || !used.Add(candidates[best].FrameId))
            {
                unmatched++;
                continue;
            }

            displayed.Add(new DisplayedFrame(candidates[best].FrameId, t, (t - candidates[best].HostRenderNanos) / 1000));
        }

        // Frames without a flip, within the span the photodiode watched: dropped if showing them would have flipped the
        // patch (the last frame shown before them had the other colour), unobservable otherwise.
        var shownIds = displayed.Select(d => d.FrameId).Order().ToArray();
        var dropped = new List<long>();
        var unobservable = new List<long>();
        foreach (var f in sorted)
        {
            if (used.Contains(f.FrameId) || shownIds.Length == 0 || f.FrameId < shownIds[0] || f.FrameId > shownIds[^1])
            {
                continue;
            }

            int before = Array.BinarySearch(shownIds, f.FrameId);
            long lastShown = shownIds[(~before) - 1];
            (lastShown % 2 == f.FrameId % 2 ? unobservable : dropped).Add(f.FrameId);
        }

        var latencies = displayed.Select(d => d.LatencyMicros).Order().ToArray();
        return new PhotodiodeMatch(displayed, dropped, unobservable, unmatched, latencies[latencies.Length / 2],
            latencies[(int)Math.Min(latencies.Length - 1, latencies.Length * 0.99)]);
    }

    private static int LastAtOrBefore(RenderedFrame[] frames, double t)
    {
        int lo = 0, hi = frames.Length - 1, found = -1;
        while (lo <= hi)
        {
            int mid = (lo + hi) / 2;
            if (frames[mid].HostRenderNanos <= t)
            {
                found = mid;
                lo = mid + 1;
            }
            else
            {
                hi = mid - 1;
            }
        }

        return found;
    }

    private static int Nearest(RenderedFrame[] frames, double t)
    {
        int i = LastAtOrBefore(frames, t);
        if (i < 0)
        {
            return frames.Length > 0 ? 0 : -1;
        }

        if (i + 1 < frames.Length && frames[i + 1].HostRenderNanos - t < t - frames[i].HostRenderNanos)
        {
            return i + 1;
        }

        return i;
    }
}
