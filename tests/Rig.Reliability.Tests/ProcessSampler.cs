using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;

namespace Rig.Reliability.Tests;

/// <summary>One reading of a process from Linux's /proc: resident memory and open file descriptors.</summary>
public readonly record struct ProcessSample(double Progress, long RssBytes, int OpenFds);

/// <summary>Reads another process's resident set (VmRSS) and file descriptor count from /proc, and fits trends to series of them.</summary>
public static class ProcessSampler
{
    /// <summary>The process's reading now, or null once it has exited.</summary>
    public static ProcessSample? Read(int pid, double progress)
    {
        try
        {
            long rss = 0;
            foreach (string line in File.ReadLines($"/proc/{pid}/status"))
            {
                if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                {
                    rss = long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
                }
            }

            return new ProcessSample(progress, rss, Directory.GetFileSystemEntries($"/proc/{pid}/fd").Length);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The process ended between two readings.
            return null;
        }
    }

    /// <summary>Least-squares slope of resident memory over progress, bytes per unit of progress.</summary>
    public static double RssSlope(IReadOnlyList<ProcessSample> samples)
    {
        double mx = samples.Average(s => s.Progress);
        double my = samples.Average(s => (double)s.RssBytes);
        double sxy = samples.Sum(s => (s.Progress - mx) * (s.RssBytes - my));
        double sxx = samples.Sum(s => (s.Progress - mx) * (s.Progress - mx));
        return sxx == 0 ? 0 : sxy / sxx;
    }

    /// <summary>The samples after the first <paramref name="fraction"/> of progress (start-up: JIT, pools, GC heap sizing).</summary>
    public static List<ProcessSample> Steady(IReadOnlyList<ProcessSample> samples, double fraction)
    {
        double end = samples.Max(s => s.Progress);
        return [.. samples.Where(s => s.Progress >= end * fraction)];
    }
}
