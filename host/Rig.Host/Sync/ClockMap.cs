using System;
using System.Collections.Generic;

namespace Rig.Host.Sync;

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
}

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
    private bool _sorted = true;

    public ClockMap(uint bootId, ClockMapOptions? options = null)
    {
        BootId = bootId;
        _options = options ?? new ClockMapOptions();
        _windowMicros = _options.Window.TotalMilliseconds * 1000;
        _sliceMicros = _windowMicros / 8;
    }

    public uint BootId { get; }

    public int Count => _exchanges.Count;

    /// <summary>Device time of the newest exchange, µs (0 before the first).</summary>
    public double NewestDeviceMicros { get; private set; }

    /// <summary>Exchanges refused as implausible (negative network time, replies before requests).</summary>
    public int Rejected { get; private set; }

    public void Add(SyncExchange exchange)
    {
        if (!exchange.IsPlausible)
        {
            Rejected++;
            return;
        }

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
        long slice = Slice(deviceMicros);
        if (_fits.TryGetValue(slice, out var cached))
        {
            return cached;
        }

        EnsureSorted();
        double centre = (slice + 0.5) * _sliceMicros;
        var window = Select(centre - (_windowMicros / 2), centre + (_windowMicros / 2));
        var fit = ClockFit.Fit(window, _options.KeepFraction, _options.MinimumExchanges);
        _fits[slice] = fit;
        return fit;
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

    private List<SyncExchange> Select(double from, double to)
    {
        var result = new List<SyncExchange>();
        int i = LowerBound(from);
        while (i < _exchanges.Count && _exchanges[i].DeviceMidMicros <= to)
        {
            result.Add(_exchanges[i++]);
        }

        // Near the ends of the data the window holds too few: widen it to the nearest exchanges.
        if (result.Count < _options.MinimumExchanges * 4 && _exchanges.Count > result.Count)
        {
            int want = Math.Min(_exchanges.Count, _options.MinimumExchanges * 4);
            int start = Math.Clamp(LowerBound((from + to) / 2) - (want / 2), 0, _exchanges.Count - want);
            result = _exchanges.GetRange(start, want);
        }

        return result;
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
