using System;
using System.Collections.Generic;
using System.Runtime.InteropServices;

namespace Rig.Recording.Sync;

/// <summary>How frame-clock edges are cleaned up. Tolerances are fractions of the frame period.</summary>
public sealed record FrameTimelineOptions
{
    /// <summary>An edge sooner than (1 - this) periods after the previous one is extra (a glitch) and dropped.</summary>
    public double ExtraEdgeTolerance { get; init; } = 0.5;

    /// <summary>A gap of this many periods or more ends an acquisition; the next edge starts a new one.</summary>
    public double RestartGapPeriods { get; init; } = 5;

    /// <summary>Edges an acquisition needs before its period can be trusted.</summary>
    public int MinimumEdges { get; init; } = 3;

    /// <summary>
    /// Intervals an acquisition's period is the median of: its first ones. Its first edges wait for them (about half a
    /// second at 30 Hz) before any is numbered, so a missed or extra edge among them is found like any later one.
    /// </summary>
    public int PeriodIntervals { get; init; } = 16;

    /// <summary>
    /// The period assumed for a lone first edge (no interval yet, no earlier acquisition), µs: a gap of
    /// <see cref="RestartGapPeriods"/> of these after it ends it. No imaging frame clock is slower than 1 Hz; without it, a
    /// stray edge on an idle line would keep every later event waiting for its frame until the session ends.
    /// </summary>
    public double LongestPeriodMicros { get; init; } = 1_000_000;
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
/// Numbers the imaging frames of one boot as frame-clock rising edges arrive, in device order, so that a frame once numbered
/// never changes: live in the bridge, and the same numbers from the journal afterwards. Each decision looks back, plus a
/// bounded look ahead: an acquisition's period is the median of its first <see cref="FrameTimelineOptions.PeriodIntervals"/>
/// intervals (its first edges wait for them); then each edge is decided when it arrives: sooner than half a period after the
/// last kept edge it is extra (dropped), about n periods after it n-1 edges were missed (filled in), and a gap of
/// <see cref="FrameTimelineOptions.RestartGapPeriods"/> periods or more ends the acquisition. An acquisition also ends when
/// the device's stream has passed that gap with no edge (<see cref="Advance"/>): the same decision the next edge would bring.
/// </summary>
public sealed class FrameNumbering
{
    private readonly FrameTimelineOptions _options;
    private readonly List<Acquisition> _acquisitions = [];
    private readonly List<ulong> _pending = [];
    private ulong? _lastRaw;
    private ulong _horizon;
    private double _previousPeriod = double.NaN;
    private long _nextFrame;
    private bool _finished;

    public FrameNumbering(FrameTimelineOptions? options = null)
    {
        _options = options ?? new FrameTimelineOptions();
    }

    /// <summary>Edges refused because they came before an edge already taken, or before the horizon: counted, never numbered.</summary>
    public int LateEdges { get; private set; }

    /// <summary>Frames numbered so far, inferred ones included.</summary>
    public long Frames => _nextFrame;

    /// <summary>
    /// Device µs before which every time's frame is decided (<see cref="Locate"/> final); <see cref="ulong.MaxValue"/> once finished.
    /// </summary>
    public ulong DecidedBeforeMicros
    {
        get
        {
            if (_finished)
            {
                return ulong.MaxValue;
            }

            if (_pending.Count > 0)
            {
                return _pending[0];
            }

            return _acquisitions.Count > 0 && !_acquisitions[^1].Closed ? _acquisitions[^1].Edges[^1] : _horizon;
        }
    }

    /// <summary>The acquisitions numbered so far (the last may still be running).</summary>
    public IReadOnlyList<FrameAcquisition> Acquisitions
    {
        get
        {
            var list = new List<FrameAcquisition>(_acquisitions.Count);
            foreach (var a in _acquisitions)
            {
                list.Add(a.ToRecord());
            }

            return list;
        }
    }

    /// <summary>A rising edge, device µs, in device order.</summary>
    public void AddEdge(ulong edgeMicros)
    {
        if (_finished || (_lastRaw is { } last && edgeMicros <= last) || edgeMicros < _horizon)
        {
            LateEdges++;
            return;
        }

        if (Running() is { } acq)
        {
            if (edgeMicros - _lastRaw!.Value >= _options.RestartGapPeriods * acq.Period)
            {
                acq.Closed = true;
                _pending.Add(edgeMicros);
            }
            else
            {
                Decide(acq, edgeMicros);
            }
        }
        else if (_pending.Count > 0 && PendingStopPeriod() is { } period && edgeMicros - _lastRaw!.Value >= _options.RestartGapPeriods * period)
        {
            Resolve(close: true);
            _pending.Add(edgeMicros);
        }
        else
        {
            _pending.Add(edgeMicros);
            if (_pending.Count > _options.PeriodIntervals)
            {
                Resolve(close: false);
            }
        }

        _lastRaw = edgeMicros;
    }

    /// <summary>
    /// No edge still to come lies before <paramref name="horizonMicros"/> (the device's stream has passed it): an acquisition
    /// whose stop gap lies before it has ended.
    /// </summary>
    public void Advance(ulong horizonMicros)
    {
        if (_finished || horizonMicros <= _horizon)
        {
            return;
        }

        _horizon = horizonMicros;
        if (_lastRaw is not { } last)
        {
            return;
        }

        if (Running() is { } acq)
        {
            if (horizonMicros - (double)last >= _options.RestartGapPeriods * acq.Period)
            {
                acq.Closed = true;
            }
        }
        else if (_pending.Count > 0 && PendingStopPeriod() is { } period && horizonMicros - (double)last >= _options.RestartGapPeriods * period)
        {
            Resolve(close: true);
        }
    }

    /// <summary>No more edges: the edges still waiting are numbered and the last acquisition ends.</summary>
    public void Finish()
    {
        if (_finished)
        {
            return;
        }

        if (_pending.Count > 0)
        {
            Resolve(close: true);
        }

        if (Running() is { } acq)
        {
            acq.Closed = true;
        }

        _finished = true;
    }

    /// <summary>
    /// The frame a device time falls in, or null before the first edge of an acquisition or after the last frame of one
    /// (scanner stopped; the last frame of an acquisition ends one period after its edge). Final for times before
    /// <see cref="DecidedBeforeMicros"/>.
    /// </summary>
    public FramePosition? Locate(ulong deviceMicros)
    {
        for (int a = _acquisitions.Count - 1; a >= 0; a--)
        {
            var acq = _acquisitions[a];
            var e = CollectionsMarshal.AsSpan(acq.Edges);
            if (deviceMicros < e[0])
            {
                continue;
            }

            double period = double.IsNaN(acq.Period) ? 0 : acq.Period;
            if (deviceMicros >= e[^1] + period)
            {
                return null;
            }

            int i = e.BinarySearch(deviceMicros);
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

    /// <summary>Every frame numbered so far in order: its number, its acquisition, and its edge (inferred edges included).</summary>
    public IEnumerable<(long Frame, int Acquisition, ulong EdgeMicros)> AllFrames()
    {
        for (int a = 0; a < _acquisitions.Count; a++)
        {
            var acq = _acquisitions[a];
            for (int i = 0; i < acq.Edges.Count; i++)
            {
                yield return (acq.FirstFrame + i, a, acq.Edges[i]);
            }
        }
    }

    private Acquisition? Running() => _acquisitions.Count > 0 && !_acquisitions[^1].Closed && _pending.Count == 0 ? _acquisitions[^1] : null;

    // The period a gap after the waiting edges is judged by: theirs so far, else the previous acquisition's, else the longest.
    private double? PendingStopPeriod()
    {
        if (_pending.Count >= 2)
        {
            return MedianInterval(_pending, _pending.Count - 1);
        }

        return double.IsNaN(_previousPeriod) ? _options.LongestPeriodMicros : _previousPeriod;
    }

    // Numbers the waiting edges: their period from their first intervals, then each edge in turn. A stop among them ends an
    // acquisition there and leaves the rest waiting for their own period (or numbers them too when closing).
    private void Resolve(bool close)
    {
        while (_pending.Count > 0)
        {
            if (_pending.Count < _options.MinimumEdges)
            {
                // Too few edges to know a period: kept as frames as they are, nothing inferred.
                var few = Open(double.NaN, _pending[0]);
                for (int i = 1; i < _pending.Count; i++)
                {
                    few.Edges.Add(_pending[i]);
                    few.Captured++;
                    _nextFrame++;
                }

                few.Closed = true;
                _pending.Clear();
                return;
            }

            double period = MedianInterval(_pending, Math.Min(_options.PeriodIntervals, _pending.Count - 1));
            int stop = -1;
            for (int i = 1; i < _pending.Count; i++)
            {
                if (_pending[i] - _pending[i - 1] >= _options.RestartGapPeriods * period)
                {
                    stop = i;
                    break;
                }
            }

            int end = stop < 0 ? _pending.Count : stop;
            if (end < _options.MinimumEdges)
            {
                // A short burst before a stop: its own acquisition, as it is.
                var few = Open(double.NaN, _pending[0]);
                for (int i = 1; i < end; i++)
                {
                    few.Edges.Add(_pending[i]);
                    few.Captured++;
                    _nextFrame++;
                }

                few.Closed = true;
                _pending.RemoveRange(0, end);
                if (!close && _pending.Count <= _options.PeriodIntervals)
                {
                    return;
                }

                continue;
            }

            var acq = Open(period, _pending[0]);
            _previousPeriod = period;
            for (int i = 1; i < end; i++)
            {
                Decide(acq, _pending[i]);
            }

            if (stop >= 0)
            {
                acq.Closed = true;
                _pending.RemoveRange(0, end);
                if (!close && _pending.Count <= _options.PeriodIntervals)
                {
                    return;
                }

                continue;
            }

            acq.Closed = close;
            _pending.Clear();
        }
    }

    private Acquisition Open(double period, ulong firstEdge)
    {
        var acq = new Acquisition(_nextFrame, period);
        acq.Edges.Add(firstEdge);
        acq.Captured = 1;
        _nextFrame++;
        _acquisitions.Add(acq);
        return acq;
    }

    private void Decide(Acquisition acq, ulong edge)
    {
        acq.Captured++;
        double d = edge - acq.Edges[^1];
        if (d < (1 - _options.ExtraEdgeTolerance) * acq.Period)
        {
            acq.Dropped++;
            return;
        }

        long n = (long)Math.Round(d / acq.Period);
        for (long k = 1; k < n; k++)
        {
            acq.Edges.Add(acq.Edges[^1] + (ulong)Math.Round(d / n));
            acq.Inferred++;
            _nextFrame++;
        }

        acq.Edges.Add(edge);
        _nextFrame++;
    }

    private static double MedianInterval(List<ulong> edges, int intervals)
    {
        var diffs = new double[intervals];
        for (int i = 1; i <= intervals; i++)
        {
            diffs[i - 1] = edges[i] - edges[i - 1];
        }

        Array.Sort(diffs);
        return diffs[diffs.Length / 2];
    }

    private sealed class Acquisition(long firstFrame, double period)
    {
        public long FirstFrame { get; } = firstFrame;

        public double Period { get; } = period;

        public List<ulong> Edges { get; } = [];

        public int Captured { get; set; }

        public int Inferred { get; set; }

        public int Dropped { get; set; }

        public bool Closed { get; set; }

        public FrameAcquisition ToRecord() => new(FirstFrame, Edges.Count, Period, Edges[0], Edges[^1], Captured - Dropped, Inferred, Dropped);
    }
}
