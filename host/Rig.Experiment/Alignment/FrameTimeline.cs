using System;
using System.Collections.Generic;
using System.Linq;

namespace Rig.Experiment.Alignment;

/// <summary>How frame-clock edges are cleaned up. Tolerances are fractions of the frame period.</summary>
public sealed record FrameTimelineOptions
{
    /// <summary>An edge sooner than (1 - this) periods after the previous one is extra (a glitch) and dropped.</summary>
    public double ExtraEdgeTolerance { get; init; } = 0.5;

    /// <summary>A gap of this many periods or more ends an acquisition; the next edge starts a new one.</summary>
    public double RestartGapPeriods { get; init; } = 5;

    /// <summary>Edges an acquisition needs before its period can be trusted.</summary>
    public int MinimumEdges { get; init; } = 3;
}

/// <summary>One continuous acquisition: frames first to first + count - 1 of the session, at a steady period.</summary>
/// <param name="CapturedEdges">Edges the device captured and kept, to compare with the microscope's own frame count.</param>
public sealed record FrameAcquisition(long FirstFrame, long Frames, double PeriodMicros, ulong StartMicros, ulong EndMicros,
    int CapturedEdges, int InferredEdges, int DroppedEdges);

/// <summary>Where a device time falls among the imaging frames.</summary>
/// <param name="Frame">0-based frame of the session (counted across acquisitions).</param>
/// <param name="Fraction">Position within the frame, 0 at its edge, towards 1 at the next.</param>
public readonly record struct FramePosition(long Frame, double Fraction, int Acquisition);

/// <summary>
/// Imaging frames on the device clock, built from the frame-clock rising edges the device captured. The scanner's
/// period is steady within an acquisition, so a gap of about n periods is n-1 missed edges (filled in), an edge far
/// sooner than a period is an extra one (dropped), and a long gap is the end of an acquisition. Since events and
/// frame edges share the device clock, assigning an event to a frame needs no clock map at all.
/// </summary>
public sealed class FrameTimeline
{
    private readonly List<FrameAcquisition> _acquisitions;
    private readonly List<ulong[]> _edges;

    private FrameTimeline(List<FrameAcquisition> acquisitions, List<ulong[]> edges)
    {
        _acquisitions = acquisitions;
        _edges = edges;
    }

    public IReadOnlyList<FrameAcquisition> Acquisitions => _acquisitions;

    /// <summary>Frames in the session, inferred ones included.</summary>
    public long Frames => _acquisitions.Sum(a => a.Frames);

    public int InferredEdges => _acquisitions.Sum(a => a.InferredEdges);

    public int DroppedEdges => _acquisitions.Sum(a => a.DroppedEdges);

    /// <summary>Builds the timeline from rising-edge times (device µs, any order).</summary>
    public static FrameTimeline Build(IEnumerable<ulong> edgeMicros, FrameTimelineOptions? options = null)
    {
        options ??= new FrameTimelineOptions();
        var sorted = edgeMicros.Order().ToArray();
        var acquisitions = new List<FrameAcquisition>();
        var edges = new List<ulong[]>();
        long firstFrame = 0;
        foreach (var segment in SplitAtStops(sorted, options))
        {
            if (segment.Length < options.MinimumEdges)
            {
                // Too few edges to know a period: kept as frames as they are, nothing inferred.
                acquisitions.Add(new FrameAcquisition(firstFrame, segment.Length, double.NaN, segment[0], segment[^1], segment.Length, 0, 0));
                edges.Add(segment);
                firstFrame += segment.Length;
                continue;
            }

            double period = MedianDiff(segment);
            var kept = new List<ulong> { segment[0] };
            int inferred = 0;
            int dropped = 0;
            for (int i = 1; i < segment.Length; i++)
            {
                double d = segment[i] - kept[^1];
                if (d < (1 - options.ExtraEdgeTolerance) * period)
                {
                    dropped++;
                    continue;
                }

                long n = (long)Math.Round(d / period);
                for (long k = 1; k < n; k++)
                {
                    kept.Add(kept[^1] + (ulong)Math.Round(d / n));
                    inferred++;
                }

                kept.Add(segment[i]);
            }

            acquisitions.Add(new FrameAcquisition(firstFrame, kept.Count, period, kept[0], kept[^1], segment.Length - dropped, inferred, dropped));
            edges.Add([.. kept]);
            firstFrame += kept.Count;
        }

        return new FrameTimeline(acquisitions, edges);
    }

    /// <summary>Every frame of the session in order: its number, its acquisition, and its edge (inferred edges included).</summary>
    public IEnumerable<(long Frame, int Acquisition, ulong EdgeMicros)> AllFrames()
    {
        for (int a = 0; a < _acquisitions.Count; a++)
        {
            for (int i = 0; i < _edges[a].Length; i++)
            {
                yield return (_acquisitions[a].FirstFrame + i, a, _edges[a][i]);
            }
        }
    }

    /// <summary>
    /// The frame a device time falls in, or null before the first edge of an acquisition or after the last frame
    /// of one (scanner stopped). The last frame of an acquisition ends one period after its edge.
    /// </summary>
    public FramePosition? Locate(ulong deviceMicros)
    {
        for (int a = 0; a < _acquisitions.Count; a++)
        {
            var acq = _acquisitions[a];
            var e = _edges[a];
            double period = double.IsNaN(acq.PeriodMicros) ? 0 : acq.PeriodMicros;
            if (deviceMicros < e[0] || deviceMicros >= e[^1] + period)
            {
                continue;
            }

            int i = Array.BinarySearch(e, deviceMicros);
            if (i < 0)
            {
                i = ~i - 1;
            }

            double length = i + 1 < e.Length ? e[i + 1] - e[i] : period;
            double fraction = length > 0 ? (deviceMicros - e[i]) / length : 0;
            return new FramePosition(acq.FirstFrame + i, fraction, a);
        }

        return null;
    }

    private static IEnumerable<ulong[]> SplitAtStops(ulong[] sorted, FrameTimelineOptions options)
    {
        if (sorted.Length == 0)
        {
            yield break;
        }

        // The typical period over everything decides what gap is a stop.
        double typical = sorted.Length >= 2 ? MedianDiff(sorted) : double.PositiveInfinity;
        int start = 0;
        for (int i = 1; i < sorted.Length; i++)
        {
            if (sorted[i] - sorted[i - 1] >= options.RestartGapPeriods * typical)
            {
                yield return sorted[start..i];
                start = i;
            }
        }

        yield return sorted[start..];
    }

    private static double MedianDiff(ulong[] edges)
    {
        var diffs = new double[edges.Length - 1];
        for (int i = 1; i < edges.Length; i++)
        {
            diffs[i - 1] = edges[i] - edges[i - 1];
        }

        Array.Sort(diffs);
        return diffs[diffs.Length / 2];
    }
}
