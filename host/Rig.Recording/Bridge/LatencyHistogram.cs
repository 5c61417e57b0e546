using System;

namespace Rig.Recording.Bridge;

/// <summary>Percentiles of a latency distribution, in milliseconds.</summary>
public sealed record LatencySummary(long Count, double P50Ms, double P99Ms, double MaxMs);

/// <summary>
/// Latencies in fixed logarithmic buckets (each 5% wider than the last, from 1 µs to about 17 minutes): constant memory
/// however long a session runs, and a percentile within 5% of the true value. Not thread-safe; the recorder calls it
/// under its own lock.
/// </summary>
public sealed class LatencyHistogram
{
    private const double Growth = 1.05;
    private const double FirstBucketNanos = 1_000;
    private const int Buckets = 600;
    private static readonly double LogGrowth = Math.Log(Growth);
    private readonly long[] _counts = new long[Buckets];
    private long _count;
    private long _maxNanos;

    public long Count => _count;

    public void Add(long nanos)
    {
        if (nanos < 0)
        {
            nanos = 0;
        }

        int bucket = nanos <= FirstBucketNanos ? 0 : Math.Min(Buckets - 1, (int)(Math.Log(nanos / FirstBucketNanos) / LogGrowth) + 1);
        _counts[bucket]++;
        _count++;
        _maxNanos = Math.Max(_maxNanos, nanos);
    }

    /// <summary>The upper edge of the bucket holding the <paramref name="quantile"/> (0..1) of the values, ms; null when empty.</summary>
    public double? Percentile(double quantile)
    {
        if (_count == 0)
        {
            return null;
        }

        long rank = Math.Max(1, (long)Math.Ceiling(quantile * _count));
        long seen = 0;
        for (int i = 0; i < Buckets; i++)
        {
            seen += _counts[i];
            if (seen >= rank)
            {
                double upperNanos = FirstBucketNanos * Math.Pow(Growth, i);
                return Math.Min(upperNanos, _maxNanos) / 1e6;
            }
        }

        return _maxNanos / 1e6;
    }

    /// <summary>Adds every value <paramref name="other"/> holds (several recorders' latencies as one distribution).</summary>
    public void Add(LatencyHistogram other)
    {
        ArgumentNullException.ThrowIfNull(other);
        for (int i = 0; i < Buckets; i++)
        {
            _counts[i] += other._counts[i];
        }

        _count += other._count;
        _maxNanos = Math.Max(_maxNanos, other._maxNanos);
    }

    public LatencySummary? Summarize() => _count == 0
        ? null
        : new LatencySummary(_count, Percentile(0.5)!.Value, Percentile(0.99)!.Value, _maxNanos / 1e6);
}
