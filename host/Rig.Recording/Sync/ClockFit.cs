using System;
using System.Collections.Generic;
using System.Linq;

namespace Rig.Recording.Sync;

/// <summary>
/// A fitted linear map from device time to host time, host_ns = OffsetNanos + RateNanosPerMicro * (device_µs - OriginMicros),
/// with what is needed to state the uncertainty of any mapped time.
/// </summary>
public sealed record ClockFit(
    double OriginMicros,
    double OffsetNanos,
    double RateNanosPerMicro,
    double ResidualRmsNanos,
    int Exchanges,
    double WeightedMeanMicros,
    double EffectiveSxx,
    double FirstMicros,
    double LastMicros)
{
    /// <summary>Host ns per device µs above the nominal 1000, in ppm: positive when the device's crystal runs slow against the host.</summary>
    public double RateErrorPpm => (RateNanosPerMicro - 1000.0) / 1000.0 * 1e6;

    /// <summary>Host time of a device time, ns.</summary>
    public double ToHostNanos(double deviceMicros) => OffsetNanos + (RateNanosPerMicro * (deviceMicros - OriginMicros));

    /// <summary>Device time of a host time, µs (the inverse map, for arming windows on the device).</summary>
    public double ToDeviceMicros(double hostNanos) => OriginMicros + ((hostNanos - OffsetNanos) / RateNanosPerMicro);

    /// <summary>
    /// Standard error of the mapped host time at <paramref name="deviceMicros"/>, µs: the residual scatter over the
    /// effective number of exchanges, growing with the distance from the fitted data (extrapolation costs).
    /// </summary>
    public double UncertaintyMicros(double deviceMicros)
    {
        if (Exchanges < 2 || EffectiveSxx <= 0)
        {
            return double.PositiveInfinity;
        }

        double d = deviceMicros - WeightedMeanMicros;
        double variance = ResidualRmsNanos * ResidualRmsNanos * ((1.0 / Exchanges) + (d * d / EffectiveSxx));
        return Math.Sqrt(variance) / 1000.0;
    }

    /// <summary>
    /// Fits host time against device time through the exchanges with the shortest network time: Wi-Fi delays are
    /// asymmetric and heavy-tailed, and only the fastest exchanges have their two legs nearly equal. Among those,
    /// each is weighted by 1/(round trip)² and the line is fitted by weighted least squares, then refitted once
    /// without exchanges further than 3 residual RMS from it.
    /// </summary>
    /// <param name="keepFraction">Fraction of the exchanges (lowest round trips) kept for the fit.</param>
    public static ClockFit? Fit(IReadOnlyList<SyncExchange> exchanges, double keepFraction = 0.25, int minimum = 4)
    {
        var usable = exchanges.Where(x => x.IsPlausible).ToList();
        if (usable.Count < minimum)
        {
            return null;
        }

        int keep = Math.Max(minimum, (int)Math.Ceiling(usable.Count * keepFraction));
        var chosen = usable.OrderBy(x => x.RoundTripNanos).Take(keep).ToList();
        var fit = Solve(chosen);
        if (fit is null || fit.ResidualRmsNanos == 0)
        {
            return fit;
        }

        double limit = 3 * fit.ResidualRmsNanos;
        var inliers = chosen.Where(x => Math.Abs(x.HostMidNanos - fit.ToHostNanos(x.DeviceMidMicros)) <= limit).ToList();
        return inliers.Count >= minimum && inliers.Count < chosen.Count ? Solve(inliers) ?? fit : fit;
    }

    private static ClockFit? Solve(List<SyncExchange> xs)
    {
        // Centred sums keep the arithmetic exact enough for sessions of days (device µs ~ 1e11, host ns ~ 1e14).
        double origin = xs[0].DeviceMidMicros;
        double hostOrigin = xs[0].HostMidNanos;
        double sw = 0, sx = 0, sy = 0;
        var w = new double[xs.Count];
        for (int i = 0; i < xs.Count; i++)
        {
            double rtt = Math.Max(1000.0, xs[i].RoundTripNanos); // floor 1 µs so one lucky exchange cannot dominate
            w[i] = 1.0 / (rtt * rtt);
            sw += w[i];
            sx += w[i] * (xs[i].DeviceMidMicros - origin);
            sy += w[i] * (xs[i].HostMidNanos - hostOrigin);
        }

        double mx = sx / sw;
        double my = sy / sw;
        double sxx = 0, sxy = 0;
        for (int i = 0; i < xs.Count; i++)
        {
            double dx = xs[i].DeviceMidMicros - origin - mx;
            double dy = xs[i].HostMidNanos - hostOrigin - my;
            sxx += w[i] * dx * dx;
            sxy += w[i] * dx * dy;
        }

        // All exchanges at one device time: the rate cannot be seen; assume the nominal 1000 ns per µs.
        double rate = sxx > 0 ? sxy / sxx : 1000.0;
        double offset = hostOrigin + my - (rate * mx);
        double ss = 0;
        for (int i = 0; i < xs.Count; i++)
        {
            double r = xs[i].HostMidNanos - (offset + (rate * (xs[i].DeviceMidMicros - origin)));
            ss += w[i] * r * r;
        }

        double rms = xs.Count > 2 ? Math.Sqrt(ss / sw * xs.Count / (xs.Count - 2)) : 0;
        // The weighted spread, scaled to the number of exchanges, stands in for the unweighted Sxx in the usual
        // standard error of a regression prediction.
        return new ClockFit(origin, offset, rate, rms, xs.Count, origin + mx, sxx / sw * xs.Count,
            xs.Min(x => x.DeviceMidMicros), xs.Max(x => x.DeviceMidMicros));
    }
}
