using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;

namespace Rig.Protocol.Tests.Layout;

/// <summary>
/// The project's file-length rule: a product source file (.cs under shared/, firmware/, host/, tools/ or bench/) has at
/// most <see cref="MaxLines"/> lines unless a line starting <see cref="Marker"/> within its first
/// <see cref="MarkerWithinLines"/> lines says why it is long. Long files hide more than one job; the marker makes keeping
/// one a decision someone wrote down (for example a file kept line for line beside the C source it mirrors).
/// </summary>
public static class SourceFileLength
{
    public const int MaxLines = 500;

    public const int MarkerWithinLines = 30;

    public const string Marker = "// Long:";

    /// <summary>The product folders; tests/ and docs/ are not held to the rule.</summary>
    public static readonly string[] ProductFolders = ["shared", "firmware", "host", "tools", "bench"];

    /// <summary>
    /// Not product code: a stand-in declaration of the nanoFramework API the device project compiles against, as long as
    /// the API it copies.
    /// </summary>
    public static readonly string[] ExcludedFolders = ["firmware/Rig.Firmware.Esp32/ApiReference"];

    /// <summary>
    /// Files over the limit without the marker, as paths relative to <paramref name="root"/> with '/' separators, sorted,
    /// each with its line count.
    /// </summary>
    public static IReadOnlyList<(string Path, int Lines)> Offenders(string root)
    {
        var offenders = new List<(string Path, int Lines)>();
        foreach (string folder in ProductFolders)
        {
            string top = Path.Combine(root, folder);
            if (!Directory.Exists(top))
            {
                continue;
            }

            foreach (string file in Directory.EnumerateFiles(top, "*.cs", SearchOption.AllDirectories))
            {
                string relative = Path.GetRelativePath(root, file).Replace(Path.DirectorySeparatorChar, '/');
                if (IsSkipped(relative))
                {
                    continue;
                }

                string[] lines = File.ReadAllLines(file);
                if (lines.Length > MaxLines && !HasMarker(lines))
                {
                    offenders.Add((relative, lines.Length));
                }
            }
        }

        offenders.Sort((a, b) => string.CompareOrdinal(a.Path, b.Path));
        return offenders;
    }

    /// <summary>True when one of the first <see cref="MarkerWithinLines"/> lines starts (after indentation) with the marker.</summary>
    public static bool HasMarker(IReadOnlyList<string> lines) =>
        lines.Take(MarkerWithinLines).Any(l => l.TrimStart().StartsWith(Marker, StringComparison.Ordinal));

    // Build output holds generated and copied sources that nobody edits.
    private static bool IsSkipped(string relative) =>
        relative.Split('/').Any(part => part is "obj" or "bin")
        || ExcludedFolders.Any(f => relative.StartsWith(f + "/", StringComparison.Ordinal));
}
