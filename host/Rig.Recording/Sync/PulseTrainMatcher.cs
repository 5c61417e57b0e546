using System;
using System.Collections.Generic;
using System.Linq;

namespace Rig.Recording.Sync;

/// <summary>Two recordings of one sync pulse train, paired pulse by pulse, and the line through the pairs.</summary>
/// <param name="Pairs">Index in train A and index in train B of each pulse both recorded.</param>
/// <param name="Slope">B units per A unit.</param>
/// <param name="Intercept">B time at A time 0.</param>
/// <param name="ResidualRms">Scatter of the pairs about the line, in B units.</param>
/// <param name="ResidualMax">Largest distance of a pair from the line, in B units.</param>
public sealed record PulseMatch(IReadOnlyList<(int A, int B)> Pairs, double Slope, double Intercept, double ResidualRms, double ResidualMax,
    int UnmatchedA, int UnmatchedB)
{
    public double ToB(double a) => Intercept + (Slope * a);

    public double ToA(double b) => (b - Intercept) / Slope;
}

/// <summary>
/// Pairs the pulses of a sync train recorded by two systems on their own clocks (the device's capture of its own
/// sync output, and the imaging system's or another acquisition's record of the same line). The pulses come at random
/// intervals, so a run of consecutive intervals is a fingerprint that occurs once: each run of <c>chunk</c> intervals in
/// B is looked up among A's intervals (scaled by the nominal rate), and a pairing is kept only where the whole run
/// agrees. Pulses missing on either side break only the runs that contain them. A straight-line fit through the pairs,
/// refitted once without outliers, gives the map and its residuals.
/// </summary>
public static class PulseTrainMatcher
{
    /// <param name="timesA">Pulse times on clock A, ascending.</param>
    /// <param name="timesB">Pulse times on clock B, ascending.</param>
    /// <param name="nominalBPerA">Expected B units per A unit (e.g. 1000 for device µs to host ns).</param>
    /// <param name="chunk">Consecutive intervals that must agree for a pairing.</param>
    /// <param name="tolerance">Allowed relative difference of each interval (covers crystal error and capture jitter).</param>
    /// <returns>The match, or null when fewer than three pulses pair up.</returns>
    public static PulseMatch? Match(IReadOnlyList<double> timesA, IReadOnlyList<double> timesB, double nominalBPerA,
        int chunk = 5, double tolerance = 0.01)
    {
        if (timesA.Count < chunk + 1 || timesB.Count < chunk + 1)
        {
            return null;
        }

        double[] intervalsA = Intervals(timesA, nominalBPerA);
        double[] intervalsB = Intervals(timesB, 1);
        var pairs = new SortedDictionary<int, int>();
        for (int j = 0; j + chunk <= intervalsB.Length; j++)
        {
            int found = -1;
            int hits = 0;
            for (int i = 0; i + chunk <= intervalsA.Length; i++)
            {
                if (RunAgrees(intervalsA, i, intervalsB, j, chunk, tolerance))
                {
                    found = i;
                    hits++;
                }
            }

            // A run that fits in two places is no fingerprint: skip it rather than guess.
            if (hits != 1)
            {
                continue;
            }

            for (int k = 0; k <= chunk; k++)
            {
                pairs.TryAdd(j + k, found + k);
            }
        }

        var list = pairs.Select(p => (A: p.Value, B: p.Key)).ToList();
        if (list.Count < 3)
        {
            return null;
        }

        var (slope, intercept, rms) = FitLine(list, timesA, timesB);
        var inliers = list.Where(p => Math.Abs(timesB[p.B] - (intercept + (slope * timesA[p.A]))) <= Math.Max(3 * rms, 1e-9)).ToList();
        if (inliers.Count >= 3 && inliers.Count < list.Count)
        {
            list = inliers;
            (slope, intercept, rms) = FitLine(list, timesA, timesB);
        }

        double max = list.Max(p => Math.Abs(timesB[p.B] - (intercept + (slope * timesA[p.A]))));
        return new PulseMatch(list, slope, intercept, rms, max, timesA.Count - list.Select(p => p.A).Distinct().Count(),
            timesB.Count - list.Count);
    }

    /// <summary>
    /// Random intervals for a sync train, deterministic for a seed: uniform between <paramref name="minMicros"/> and
    /// <paramref name="maxMicros"/> (pyControl's Rsync uses 100-1900 ms between 10 ms pulses).
    /// </summary>
    public static IReadOnlyList<ulong> Schedule(int pulses, int seed, ulong startMicros, ulong minMicros = 100_000, ulong maxMicros = 1_900_000)
    {
        var random = new Random(seed);
        var times = new ulong[pulses];
        ulong t = startMicros;
        for (int i = 0; i < pulses; i++)
        {
            times[i] = t;
            t += minMicros + (ulong)(random.NextDouble() * (maxMicros - minMicros));
        }

        return times;
    }

    private static double[] Intervals(IReadOnlyList<double> times, double scale)
    {
        var intervals = new double[times.Count - 1];
        for (int i = 1; i < times.Count; i++)
        {
            intervals[i - 1] = (times[i] - times[i - 1]) * scale;
        }

        return intervals;
    }

    private static bool RunAgrees(double[] a, int i, double[] b, int j, int chunk, double tolerance)
    {
        for (int k = 0; k < chunk; k++)
        {
            if (Math.Abs(a[i + k] - b[j + k]) > tolerance * b[j + k])
            {
                return false;
            }
        }

        return true;
    }

    private static (double Slope, double Intercept, double Rms) FitLine(List<(int A, int B)> pairs, IReadOnlyList<double> a, IReadOnlyList<double> b)
    {
        // Centred on the first pair so large absolute times (ns since host start) keep their precision.
        double x0 = a[pairs[0].A];
        double y0 = b[pairs[0].B];
        double mx = pairs.Average(p => a[p.A] - x0);
        double my = pairs.Average(p => b[p.B] - y0);
        double sxx = 0, sxy = 0;
        foreach (var p in pairs)
        {
            double dx = a[p.A] - x0 - mx;
            sxx += dx * dx;
            sxy += dx * (b[p.B] - y0 - my);
        }

        double slope = sxy / sxx;
        double intercept = y0 + my - (slope * (x0 + mx));
        double ss = pairs.Sum(p => Math.Pow(b[p.B] - (intercept + (slope * a[p.A])), 2));
        return (slope, intercept, Math.Sqrt(ss / Math.Max(1, pairs.Count - 2)));
    }
}
