using System;
using System.Collections.Generic;
using System.Linq;

namespace Rig.Provisioning.Loopback;

/// <summary>A frame the renderer drew: its id (0, 1, 2, … per renderer run) and when it was handed to the display, device µs.</summary>
public readonly record struct LoopbackFrame(long FrameId, ulong RenderDeviceMicros)
{
    /// <summary>The patch level this frame shows: white (1) on even ids, black (0) on odd ones (docs/vr.md).</summary>
    public byte PatchLevel => FrameId % 2 == 0 ? (byte)1 : (byte)0;
}

/// <summary>One displayed frame: which frame a photodiode flip showed, and its display latency (flip − render), µs.</summary>
public readonly record struct DisplayedLoopbackFrame(long FrameId, ulong FlipDeviceMicros, long LatencyMicros);

/// <summary>What <see cref="DisplayLatencyAnalysis"/> found.</summary>
/// <param name="Dropped">Frames that cannot have been shown: showing them would have flipped the patch.</param>
/// <param name="Unobservable">Frames without a flip whose colour the patch already showed (the frame after a dropped one): shown or not, the photodiode cannot tell.</param>
/// <param name="UnmatchedFlips">Flips no frame explains (no frame of that colour within the latency window, or a flip to the level already shown).</param>
/// <param name="Pending">Frames drawn too close to the end of the observation to say (their flip could still come).</param>
public sealed record DisplayLatencyResult(int Frames, int Flips, IReadOnlyList<DisplayedLoopbackFrame> Displayed, IReadOnlyList<long> Dropped,
    IReadOnlyList<long> Unobservable, int UnmatchedFlips, int Pending, DistributionStats LatencyMicros)
{
    /// <summary>Dropped frames as a percentage of the frames settled (displayed, dropped or unobservable); NaN when none settled.</summary>
    public double DroppedPercent
    {
        get
        {
            int settled = Displayed.Count + Dropped.Count + Unobservable.Count;
            return settled == 0 ? double.NaN : 100.0 * Dropped.Count / settled;
        }
    }
}

/// <summary>Settings of <see cref="DisplayLatencyAnalysis"/>.</summary>
public sealed record DisplayLatencyOptions
{
    /// <summary>A flip later than this after a frame's render time is not that frame's, µs (12 frames at 60 Hz).</summary>
    public ulong MaxLatencyMicros { get; init; } = 200_000;

    /// <summary>The patch level before the first frame: 0, black (the page clears to black before it draws).</summary>
    public byte InitialLevel { get; init; }

    /// <summary>Latencies of the last this many displayed frames give the expected latency for the next flip.</summary>
    public int EstimateWindow { get; init; } = 32;
}

/// <summary>
/// The renderer-to-photodiode loopback leg's analysis: frames the renderer drew (id, render time) and the photodiode's
/// flips (device µs, new level) give each displayed frame's display latency, the dropped frames and the frames the
/// photodiode cannot see. Frames are walked in id order from the start, when the patch shows
/// <see cref="DisplayLatencyOptions.InitialLevel"/>: each flip is a later frame of its colour. The first flip is the
/// earliest such frame; later ones are the frame of their colour whose latency is nearest the median latency of the
/// last <see cref="DisplayLatencyOptions.EstimateWindow"/> displayed frames (a dropped frame shows as a flip two frames on
/// at the usual latency, not one frame late by two periods). Frames passed over between two displayed frames are dropped
/// when showing them would have flipped the patch, unobservable when the patch already showed their colour.
/// Limitation: parity alone cannot tell frame k from k + 2; if the very first frame of the run is dropped, the first flip
/// (frame 2) is read as frame 0 and every latency as two periods longer.
/// </summary>
public static class DisplayLatencyAnalysis
{
    /// <param name="frames">Frames drawn, any order (sorted by id here).</param>
    /// <param name="flips">Photodiode edges with their new level, any order.</param>
    /// <param name="observedUntilMicros">Device time the photodiode was watched until: frames within the latency window of it are pending.</param>
    public static DisplayLatencyResult Analyze(IReadOnlyList<LoopbackFrame> frames, IReadOnlyList<Edge> flips, ulong observedUntilMicros,
        DisplayLatencyOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(frames);
        ArgumentNullException.ThrowIfNull(flips);
        options ??= new DisplayLatencyOptions();
        if (options.EstimateWindow < 1 || options.InitialLevel > 1)
        {
            throw new ArgumentException("EstimateWindow must be at least 1 and InitialLevel 0 or 1", nameof(options));
        }

        var sorted = frames.OrderBy(f => f.FrameId).ToArray();
        for (int i = 1; i < sorted.Length; i++)
        {
            if (sorted[i].FrameId == sorted[i - 1].FrameId)
            {
                throw new ArgumentException($"frame id {sorted[i].FrameId} appears twice", nameof(frames));
            }
        }

        var displayed = new List<DisplayedLoopbackFrame>();
        var dropped = new List<long>();
        var unobservable = new List<long>();
        var recent = new Queue<long>();
        int unmatched = 0;
        int last = -1;
        byte shown = options.InitialLevel;
        foreach (var flip in flips.OrderBy(f => f.DeviceMicros))
        {
            if (flip.Level == shown)
            {
                unmatched++;
                continue;
            }

            int chosen = -1;
            double estimate = recent.Count == 0 ? double.NaN : Median(recent);
            for (int i = last + 1; i < sorted.Length && sorted[i].RenderDeviceMicros <= flip.DeviceMicros; i++)
            {
                var f = sorted[i];
                if (f.PatchLevel != flip.Level || flip.DeviceMicros - f.RenderDeviceMicros > options.MaxLatencyMicros)
                {
                    continue;
                }

                if (chosen < 0)
                {
                    chosen = i;
                    if (double.IsNaN(estimate))
                    {
                        break;
                    }
                }
                else if (Math.Abs(Latency(flip, f) - estimate) < Math.Abs(Latency(flip, sorted[chosen]) - estimate))
                {
                    chosen = i;
                }
            }

            if (chosen < 0)
            {
                unmatched++;
                continue;
            }

            PassOver(sorted, last + 1, chosen, shown, dropped, unobservable);
            long latency = Latency(flip, sorted[chosen]);
            displayed.Add(new DisplayedLoopbackFrame(sorted[chosen].FrameId, flip.DeviceMicros, latency));
            recent.Enqueue(latency);
            if (recent.Count > options.EstimateWindow)
            {
                recent.Dequeue();
            }

            last = chosen;
            shown = flip.Level;
        }

        // Frames after the last displayed one: settled once their flip could no longer come, pending otherwise.
        int settledEnd = last + 1;
        while (settledEnd < sorted.Length && sorted[settledEnd].RenderDeviceMicros + options.MaxLatencyMicros <= observedUntilMicros)
        {
            settledEnd++;
        }

        PassOver(sorted, last + 1, settledEnd, shown, dropped, unobservable);
        return new DisplayLatencyResult(sorted.Length, flips.Count, displayed, dropped, unobservable, unmatched, sorted.Length - settledEnd,
            DistributionStats.Of(displayed.Select(d => d.LatencyMicros)));
    }

    private static long Latency(Edge flip, LoopbackFrame frame) => (long)(flip.DeviceMicros - frame.RenderDeviceMicros);

    // Frames [from, to) were never shown while the patch showed `shown`: those of the other colour would have flipped it.
    private static void PassOver(LoopbackFrame[] frames, int from, int to, byte shown, List<long> dropped, List<long> unobservable)
    {
        for (int i = from; i < to; i++)
        {
            (frames[i].PatchLevel != shown ? dropped : unobservable).Add(frames[i].FrameId);
        }
    }

    private static double Median(Queue<long> values)
    {
        var v = values.Order().ToArray();
        return v.Length % 2 == 1 ? v[v.Length / 2] : (v[(v.Length / 2) - 1] + v[v.Length / 2]) / 2.0;
    }
}
