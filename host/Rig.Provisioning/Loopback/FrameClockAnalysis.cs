using System;
using System.Collections.Generic;
using System.Linq;

namespace Rig.Provisioning.Loopback;

/// <summary>Frame periods of a frame clock and the frames missing from it.</summary>
public sealed record FrameClockResult(int Frames, IReadOnlyList<long> PeriodsMicros, DistributionStats Periods, int MissingFrames, double? RateHz);

/// <summary>
/// The scanner's frame clock as the rig captured it: the period between consecutive rising edges, and missing
/// frames. The nominal period is the median period; a period more than 1.5 times it holds
/// round(period / median) − 1 missing frames (a scanner's period varies by microseconds, a lost frame adds a
/// whole period).
/// </summary>
public static class FrameClockAnalysis
{
    public const double MissingFactor = 1.5;

    public static FrameClockResult Analyze(IReadOnlyList<ulong> risesMicros)
    {
        ArgumentNullException.ThrowIfNull(risesMicros);
        var rises = risesMicros.OrderBy(x => x).ToList();
        var periods = new List<long>(Math.Max(0, rises.Count - 1));
        for (int i = 1; i < rises.Count; i++)
        {
            periods.Add((long)(rises[i] - rises[i - 1]));
        }

        var stats = DistributionStats.Of(periods);
        int missing = 0;
        if (periods.Count > 0 && stats.Median > 0)
        {
            foreach (long p in periods)
            {
                if (p > MissingFactor * stats.Median)
                {
                    missing += (int)Math.Round(p / stats.Median) - 1;
                }
            }
        }

        double? rate = periods.Count > 0 && stats.Median > 0 ? 1e6 / stats.Median : null;
        return new FrameClockResult(rises.Count, periods, stats, missing, rate);
    }
}
