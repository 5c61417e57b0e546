using System;
using System.Collections.Generic;

namespace Rig.Recording.Sync;

/// <summary>Settings of a clock map. Defaults suit Wi-Fi with 2 Hz exchanges.</summary>
public sealed record ClockMapOptions
{
    /// <summary>
    /// Span of exchanges one fit uses, centred on the time mapped (trailing for the newest times). Long enough for
    /// many fast exchanges, short enough to follow crystal drift that changes with temperature over tens of minutes.
    /// </summary>
    public TimeSpan Window { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>Fraction of the window's exchanges, those with the shortest network time, that the fit uses.</summary>
    public double KeepFraction { get; init; } = 0.25;

    /// <summary>Fewest exchanges a fit needs.</summary>
    public int MinimumExchanges { get; init; } = 4;

    /// <summary>
    /// A jump of the host-device offset beyond this, seen in two exchanges in a row, is a clock discontinuity (the host
    /// slept: its monotonic clock stops while the device's runs on). Far above any network delay.
    /// </summary>
    public TimeSpan JumpThreshold { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>
    /// An exchange whose device time lies further than this before the newest one is refused as late (counted in
    /// <see cref="ClockMap.Rejected"/>). Replies come in the order the device made them, so none is in practice; refusing
    /// them is what lets <see cref="ClockMap.IsFinalAt"/> promise that a fit it called final never changes.
    /// </summary>
    public TimeSpan LateExchangeLimit { get; init; } = TimeSpan.FromSeconds(1);
}

/// <summary>A break in the host-device relation: fits never cross it.</summary>
/// <param name="DeviceMicros">Device time of the first exchange after the break.</param>
/// <param name="JumpNanos">How far host time moved against device time (negative: the host clock lost time, e.g. slept).</param>
public readonly record struct ClockDiscontinuity(double DeviceMicros, double JumpNanos);

/// <summary>A host time mapped from a device time, with its standard uncertainty.</summary>
public readonly record struct MappedTime(double HostNanos, double UncertaintyMicros);

/// <summary>
/// Device time to host time for one boot of one device, from its clock exchanges. Each mapped time uses a fit
/// over the exchanges within a window around it, so slow drift changes are followed; fits are cached per slice of
/// the window and redone when exchanges arrive nearby. Pure: no clock is read here.
/// </summary>
public sealed class ClockMap
{
    private readonly ClockMapOptions _options;
    private readonly List<SyncExchange> _exchanges = [];
    private readonly Dictionary<long, ClockFit?> _fits = [];
    private readonly double _windowMicros;
    private readonly double _sliceMicros;
    private readonly double _lateMicros;
    private readonly List<ClockDiscontinuity> _breaks = [];
    private readonly HashSet<long> _finalSlices = [];
    private SyncExchange? _jumpCandidate;
    private bool _sorted = true;

    public ClockMap(uint bootId, ClockMapOptions? options = null)
    {
        BootId = bootId;
        _options = options ?? new ClockMapOptions();
        _windowMicros = _options.Window.TotalMilliseconds * 1000;
        _sliceMicros = _windowMicros / 8;
        _lateMicros = _options.LateExchangeLimit.TotalMilliseconds * 1000;
    }

    public uint BootId { get; }

    public int Count => _exchanges.Count;

    /// <summary>The plausible exchanges added so far, in device time order.</summary>
    public IReadOnlyList<SyncExchange> Exchanges
    {
        get
        {
            EnsureSorted();
            return _exchanges;
        }
    }

    /// <summary>Device time of the newest exchange, µs (0 before the first).</summary>
    public double NewestDeviceMicros { get; private set; }

    /// <summary>Exchanges refused as implausible (negative network time, replies before requests) or late (<see cref="ClockMapOptions.LateExchangeLimit"/>).</summary>
    public int Rejected { get; private set; }

    /// <summary>Host clock discontinuities found so far (a host that slept), in device time order.</summary>
    public IReadOnlyList<ClockDiscontinuity> Discontinuities => _breaks;

    public void Add(SyncExchange exchange)
    {
        if (!exchange.IsPlausible || (_exchanges.Count > 0 && exchange.DeviceMidMicros < NewestDeviceMicros - _lateMicros))
        {
            Rejected++;
            return;
        }

        CheckForJump(exchange);

        if (_exchanges.Count > 0 && exchange.DeviceMidMicros < _exchanges[^1].DeviceMidMicros)
        {
            _sorted = false;
        }

        _exchanges.Add(exchange);
        NewestDeviceMicros = Math.Max(NewestDeviceMicros, exchange.DeviceMidMicros);

        // Only fits whose window reaches this exchange change.
        long slice = Slice(exchange.DeviceMidMicros);
        long reach = (long)Math.Ceiling(_windowMicros / _sliceMicros);
        for (long s = slice - reach; s <= slice + reach; s++)
        {
            _fits.Remove(s);
        }
    }

    /// <summary>The fit used for device times near <paramref name="deviceMicros"/>, or null before enough exchanges.</summary>
    public ClockFit? FitAt(double deviceMicros)
    {
        // A slice that contains a break is fitted per side; those fits are not cached by slice.
        var w = WindowAt(deviceMicros);
        if (!w.Split && _fits.TryGetValue(w.Slice, out var cached))
        {
            return cached;
        }

        EnsureSorted();
        var window = Select(w.From, w.To, w.SegmentStart, w.SegmentEnd);
        var fit = ClockFit.Fit(window, _options.KeepFraction, _options.MinimumExchanges);
        if (!w.Split)
        {
            _fits[w.Slice] = fit;
        }

        return fit;
    }

    /// <summary>
    /// Whether the fit at <paramref name="deviceMicros"/> is final: no exchange still to come can change it, so the host time
    /// mapped there now is the one a pass over the whole session maps. True when the newest exchange lies more than
    /// <see cref="ClockMapOptions.LateExchangeLimit"/> past the fit's window (later exchanges are then all beyond the window,
    /// and so is any break they reveal) and the window holds enough exchanges not to be widened towards the newer data.
    /// </summary>
    public bool IsFinalAt(double deviceMicros)
    {
        if (_exchanges.Count == 0)
        {
            return false;
        }

        // A whole slice once final stays final (a later break lies beyond its window, so it never becomes split).
        if (_finalSlices.Contains(Slice(deviceMicros)))
        {
            return true;
        }

        var w = WindowAt(deviceMicros);
        if (w.To >= NewestDeviceMicros - _lateMicros)
        {
            return false;
        }

        EnsureSorted();
        bool final = UpperBound(w.To) - LowerBound(w.From) >= _options.MinimumExchanges * 4;
        if (final && !w.Split)
        {
            _finalSlices.Add(w.Slice);
        }

        return final;
    }

    // The slice of a device time, whether a break splits it, and the span of exchanges its fit selects from.
    private (long Slice, bool Split, double From, double To, double SegmentStart, double SegmentEnd) WindowAt(double deviceMicros)
    {
        var (segmentStart, segmentEnd) = Segment(deviceMicros);
        long slice = Slice(deviceMicros);
        bool split = segmentStart > slice * _sliceMicros || segmentEnd < (slice + 1) * _sliceMicros;
        double centre = split ? deviceMicros : (slice + 0.5) * _sliceMicros;
        return (slice, split, Math.Max(segmentStart, centre - (_windowMicros / 2)), Math.Min(segmentEnd, centre + (_windowMicros / 2)),
            segmentStart, segmentEnd);
    }

    /// <summary>Maps a device time to host time with its uncertainty; null before enough exchanges.</summary>
    public MappedTime? ToHost(ulong deviceMicros)
    {
        var fit = FitAt(deviceMicros);
        return fit is null ? null : new MappedTime(fit.ToHostNanos(deviceMicros), fit.UncertaintyMicros(deviceMicros));
    }

    /// <summary>Maps a host time to device time (to arm a window on the device); null before enough exchanges.</summary>
    public double? ToDeviceMicros(long hostNanos)
    {
        if (_exchanges.Count == 0)
        {
            return null;
        }

        // Two steps: a first guess from the newest fit, then the fit around that guess.
        var newest = FitAt(_exchanges[^1].DeviceMidMicros);
        if (newest is null)
        {
            return null;
        }

        double guess = newest.ToDeviceMicros(hostNanos);
        var fit = FitAt(Math.Max(0, guess));
        return (fit ?? newest).ToDeviceMicros(hostNanos);
    }

    private List<SyncExchange> Select(double from, double to, double segmentStart, double segmentEnd)
    {
        var result = new List<SyncExchange>();
        int i = LowerBound(from);
        while (i < _exchanges.Count && _exchanges[i].DeviceMidMicros <= to)
        {
            result.Add(_exchanges[i++]);
        }

        // Near the ends of the data the window holds too few: widen it to the nearest exchanges of the same segment.
        int first = LowerBound(segmentStart);
        int end = LowerBound(segmentEnd);
        int available = end - first;
        if (result.Count < _options.MinimumExchanges * 4 && available > result.Count)
        {
            int want = Math.Min(available, _options.MinimumExchanges * 4);
            int start = Math.Clamp(LowerBound((from + to) / 2) - (want / 2), first, end - want);
            result = _exchanges.GetRange(start, want);
        }

        return result;
    }

    // The device-time span between the breaks around a time: [start, end).
    private (double Start, double End) Segment(double deviceMicros)
    {
        double start = double.NegativeInfinity;
        double end = double.PositiveInfinity;
        foreach (var b in _breaks)
        {
            if (b.DeviceMicros <= deviceMicros)
            {
                start = b.DeviceMicros;
            }
            else
            {
                end = b.DeviceMicros;
                break;
            }
        }

        return (start, end);
    }

    private void CheckForJump(SyncExchange exchange)
    {
        var fit = _exchanges.Count >= _options.MinimumExchanges ? FitAt(_exchanges[^1].DeviceMidMicros) : null;
        if (fit is null)
        {
            return;
        }

        double residual = exchange.HostMidNanos - fit.ToHostNanos(exchange.DeviceMidMicros);
        double threshold = (_options.JumpThreshold.TotalMilliseconds * 1e6) + exchange.RoundTripNanos;
        if (Math.Abs(residual) <= threshold)
        {
            _jumpCandidate = null;
            return;
        }

        // One far exchange may be a straggler whose legs were very unequal; two in a row agreeing is a jump.
        if (_jumpCandidate is { } candidate)
        {
            double previous = candidate.HostMidNanos - fit.ToHostNanos(candidate.DeviceMidMicros);
            if (Math.Abs(previous - residual) < threshold)
            {
                _breaks.Add(new ClockDiscontinuity(candidate.DeviceMidMicros, previous));
                _breaks.Sort((a, b) => a.DeviceMicros.CompareTo(b.DeviceMicros));
                _fits.Clear();
                _jumpCandidate = null;
                return;
            }
        }

        _jumpCandidate = exchange;
    }

    private int LowerBound(double micros)
    {
        int lo = 0;
        int hi = _exchanges.Count;
        while (lo < hi)
        {
            int mid = (lo + hi) / 2;
            if (_exchanges[mid].DeviceMidMicros < micros)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid;
            }
        }

        return lo;
    }

    // Index of the first exchange after micros.
    private int UpperBound(double micros)
    {
        int lo = 0;
        int hi = _exchanges.Count;
        while (lo < hi)
        {
            int mid = (lo + hi) / 2;
            if (_exchanges[mid].DeviceMidMicros <= micros)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid;
            }
        }

        return lo;
    }

    private void EnsureSorted()
    {
        if (!_sorted)
        {
            _exchanges.Sort((a, b) => a.DeviceMidMicros.CompareTo(b.DeviceMidMicros));
            _sorted = true;
        }
    }

    private long Slice(double deviceMicros) => (long)Math.Floor(deviceMicros / _sliceMicros);
}
