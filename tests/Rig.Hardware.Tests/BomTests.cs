using System;
using System.Collections.Generic;
using Xunit;

namespace Rig.Hardware.Tests;

/// <summary>hardware/bom.csv lists exactly the schematics' parts, with the same values.</summary>
public sealed class BomTests
{
    [Fact]
    public void The_bom_lists_every_schematic_part_with_its_value()
    {
        List<string> problems = HardwareChecks.CheckBom(HardwareFiles.ParseBom(HardwareFiles.BomText()), HardwareFiles.Schematics());

        Assert.True(problems.Count == 0, string.Join(Environment.NewLine, problems));
    }

    [Fact]
    public void A_part_missing_from_the_bom_is_reported()
    {
        string damaged = HardwareFiles.BomText().Replace("\nQ1,", "\nQ99,", StringComparison.Ordinal);

        List<string> problems = Problems(damaged);

        Assert.Contains("Q1 is in the schematic but not in bom.csv", problems);
        Assert.Contains("Q99 is in bom.csv but not in the schematic", problems);
    }

    [Fact]
    public void A_value_that_differs_from_the_schematic_is_reported()
    {
        string damaged = HardwareFiles.BomText().Replace("\nQ1,AO3400A,", "\nQ1,IRLZ44N,", StringComparison.Ordinal);

        Assert.Contains("Q1: value \"AO3400A\" in the schematic, \"IRLZ44N\" in bom.csv", Problems(damaged));
    }

    [Fact]
    public void A_quantity_that_does_not_count_the_references_is_reported()
    {
        string text = HardwareFiles.BomText();
        int line = text.IndexOf("\nQ1,", StringComparison.Ordinal);
        int end = text.IndexOf('\n', line + 1);
        string row = text[(line + 1)..end];
        string damaged = text[..(line + 1)] + row.Replace(",1,", ",2,", StringComparison.Ordinal) + text[end..];

        Assert.Contains(Problems(damaged), p => p.EndsWith(": quantity 2 but 1 references", StringComparison.Ordinal));
    }

    [Fact]
    public void A_part_listed_twice_is_reported()
    {
        string damaged = HardwareFiles.BomText().Replace("\nQ1,", "\nQ1 Q1,", StringComparison.Ordinal);

        Assert.Contains(Problems(damaged), p => p.StartsWith("Q1 is listed twice in bom.csv", StringComparison.Ordinal));
    }

    [Fact]
    public void A_bom_with_another_header_is_refused()
    {
        string damaged = "ref,value\n" + HardwareFiles.BomText();

        Assert.Throws<FormatException>(() => HardwareFiles.ParseBom(damaged));
    }

    private static List<string> Problems(string bom) => HardwareChecks.CheckBom(HardwareFiles.ParseBom(bom), HardwareFiles.Schematics());
}
