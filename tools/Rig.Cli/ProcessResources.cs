using System;
using System.Globalization;
using System.IO;

namespace Rig.Cli;

/// <summary>What this process holds, from Linux's /proc (null elsewhere): for the many-rig and long-run figures.</summary>
internal sealed record ProcessResources(long? PeakRssBytes, long? RssBytes, int? OpenFileDescriptors)
{
    public static ProcessResources Now()
    {
        if (!OperatingSystem.IsLinux())
        {
            return new ProcessResources(null, null, null);
        }

        long? peak = null;
        long? rss = null;
        foreach (string line in File.ReadLines("/proc/self/status"))
        {
            // "VmHWM:    123456 kB": the resident set's high-water mark; VmRSS: the resident set now.
            if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
            {
                peak = Kilobytes(line);
            }
            else if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                rss = Kilobytes(line);
            }
        }

        return new ProcessResources(peak, rss, Directory.GetFileSystemEntries("/proc/self/fd").Length);
    }

    private static long Kilobytes(string line)
    {
        string[] parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return long.Parse(parts[1], CultureInfo.InvariantCulture) * 1024;
    }
}
