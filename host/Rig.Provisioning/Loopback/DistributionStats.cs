using System;
using System.Collections.Generic;
using System.Linq;

namespace Rig.Provisioning.Loopback;

/// <summary>
/// Summary of a sample: count, min, median, p99, max, mean and standard deviation. Percentiles are nearest-rank
/// (the smallest value with at least p % of the sample at or below it), so p99 is always a measured value; the
/// median of an even count is the mean of the two middle values. An empty sample has count 0 and NaN elsewhere.
/// </summary>
public sealed record DistributionStats(int Count, double Min, double Median, double P99, double Max, double Mean, double StdDev)
{
    public static DistributionStats Of(IEnumerable<double> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        double[] v = values.ToArray();
        if (v.Any(x => !double.IsFinite(x)))
        {
            throw new ArgumentException("a sample value is not finite", nameof(values));
        }

        if (v.Length == 0)
        {
            return new DistributionStats(0, double.NaN, double.NaN, double.NaN, double.NaN, double.NaN, double.NaN);
        }

        Array.Sort(v);
        int n = v.Length;
        double median = n % 2 == 1 ? v[n / 2] : (v[(n / 2) - 1] + v[n / 2]) / 2;
        double mean = v.Average();
        double sd = n > 1 ? Math.Sqrt(v.Sum(x => (x - mean) * (x - mean)) / (n - 1)) : 0;
        return new DistributionStats(n, v[0], median, Percentile(v, 99), v[^1], mean, sd);
    }

    public static DistributionStats Of(IEnumerable<long> values) => Of(values.Select(x => (double)x));

    /// <summary>Nearest-rank percentile of sorted values.</summary>
    public static double Percentile(IReadOnlyList<double> sorted, double percent)
    {
        ArgumentNullException.ThrowIfNull(sorted);
        if (sorted.Count == 0 || percent is <= 0 or > 100)
        {
            throw new ArgumentOutOfRangeException(nameof(percent), "needs a sample and a percent in (0, 100]");
        }

        int rank = (int)Math.Ceiling(percent / 100 * sorted.Count);
        return sorted[Math.Clamp(rank, 1, sorted.Count) - 1];
    }
}
