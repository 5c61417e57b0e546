using System;
using System.IO;
using System.Linq;
using Rig.TestSupport;
using Xunit;

namespace Rig.Protocol.Tests.Layout;

public sealed class SourceFileLengthTests
{
    [Fact]
    public void No_product_source_file_is_over_500_lines_unless_a_Long_comment_near_its_top_says_why()
    {
        string root = RepositoryRoot.Find();

        var offenders = SourceFileLength.Offenders(root).ToArray();

        Assert.True(
            offenders.Length == 0,
            offenders.Length + " product source file(s) over " + SourceFileLength.MaxLines + " lines. Split each into parts with "
                + "one job each, or, where a split would genuinely hurt, put a line starting '" + SourceFileLength.Marker
                + "' within its first " + SourceFileLength.MarkerWithinLines + " lines saying why:" + Environment.NewLine
                + string.Join(Environment.NewLine, offenders.Select(o => "  " + o.Path + " (" + o.Lines + " lines)")));
    }

    [Fact]
    public void The_scan_names_long_product_files_without_the_marker_and_skips_build_output_tests_and_the_api_reference()
    {
        using TempDirectory temp = new();
        string longText = string.Concat(Enumerable.Repeat("// line" + Environment.NewLine, SourceFileLength.MaxLines + 1));
        string exactlyAtLimit = string.Concat(Enumerable.Repeat("// line" + Environment.NewLine, SourceFileLength.MaxLines));
        Write(temp.Combine("host", "App", "TooLong.cs"), longText);
        Write(temp.Combine("bench", "AtLimit.cs"), exactlyAtLimit);
        Write(temp.Combine("shared", "Wire", "Explained.cs"), "using System;" + Environment.NewLine + "    // Long: mirrors a C file." + Environment.NewLine + longText);
        Write(temp.Combine("tools", "Cli", "MarkerTooLate.cs"), longText + "// Long: too far down to count." + Environment.NewLine);
        Write(temp.Combine("firmware", "Device", "obj", "Debug", "Generated.cs"), longText);
        Write(temp.Combine("host", "App", "bin", "Copied.cs"), longText);
        Write(temp.Combine("firmware", "Rig.Firmware.Esp32", "ApiReference", "CoreLibrary.cs"), longText);
        Write(temp.Combine("tests", "Huge.Tests", "HugeTests.cs"), longText);

        var offenders = SourceFileLength.Offenders(temp.Path);

        Assert.Equal(
            [("host/App/TooLong.cs", SourceFileLength.MaxLines + 1), ("tools/Cli/MarkerTooLate.cs", SourceFileLength.MaxLines + 2)],
            offenders.ToArray());
    }

    private static void Write(string path, string text)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
    }
}
