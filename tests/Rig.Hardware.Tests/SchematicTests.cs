using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Xunit;

namespace Rig.Hardware.Tests;

/// <summary>Every .kicad_sch under hardware/schematics is a KiCad 6 schematic that opens without external libraries.</summary>
public sealed class SchematicTests
{
    private const string Controller = "rig_controller.kicad_sch";

    [Fact]
    public void The_controller_and_the_loopback_fixture_sheets_exist()
    {
        string[] names = HardwareFiles.SchematicPaths().Select(Path.GetFileName).ToArray()!;

        Assert.Contains(Controller, names);
        Assert.Contains("loopback_fixture.kicad_sch", names);
    }

    [Fact]
    public void Every_schematic_parses_and_passes_the_structural_checks()
    {
        List<string> problems = [];
        foreach (KicadSchematic schematic in HardwareFiles.Schematics())
        {
            problems.AddRange(HardwareChecks.CheckSchematic(schematic));
            Assert.NotEmpty(schematic.Symbols);
        }

        problems.AddRange(HardwareChecks.CheckUniqueReferences(HardwareFiles.Schematics()));
        Assert.True(problems.Count == 0, string.Join(Environment.NewLine, problems));
    }

    [Fact]
    public void The_controller_sheet_has_the_required_circuits()
    {
        KicadSchematic sheet = Load(Controller);
        string[] values = sheet.Symbols.Select(s => s.Value ?? "").ToArray();

        foreach (string part in new[] { "ESP32-DevKitC-V4", "AO3400A", "SS14", "1A", "TLV7011", "AT42QT1010", "74LVC2G17", "74LVC1G17", "6N137", "74HCT1G125", "PAM8302A", "BPW34" })
        {
            Assert.Contains(part, values);
        }

        Assert.All(sheet.Symbols.Where(s => !s.Reference!.StartsWith('#')), s => Assert.False(string.IsNullOrEmpty(s.Properties.GetValueOrDefault("Rating")), s.Reference + " has no Rating"));
    }

    [Fact]
    public void The_controller_sheet_notes_cite_the_ESP32_limits_a_builder_must_respect()
    {
        string notes = string.Join("\n", SExpressionParser.Parse(Text(Controller)).Children("text").Select(t => t.AtomAt(1)));

        foreach (string limit in new[] { "absolute maximum VDD+0.3 V (3.6 V)", "about 40 mA", "20 mA", "Strapping pins GPIO 0, 2, 5, 12, 15", "GPIO 34-39 are input-only" })
        {
            Assert.Contains(limit, notes, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void A_symbol_whose_lib_id_is_not_embedded_is_reported()
    {
        string damaged = ReplaceFirst(Text(Controller), "(symbol (lib_id \"rig:R\")", "(symbol (lib_id \"rig:R_Missing\")");

        Assert.Contains(Problems(damaged), p => p.Contains("uses lib_id \"rig:R_Missing\", which lib_symbols does not define", StringComparison.Ordinal));
    }

    [Fact]
    public void An_old_version_is_reported()
    {
        string damaged = Text(Controller).Replace("(version 20211123)", "(version 20200310)", StringComparison.Ordinal);

        Assert.Contains("rig_controller.kicad_sch: version 20200310 is older than 20211123 (KiCad 6.0)", Problems(damaged));
    }

    [Fact]
    public void A_file_that_is_not_a_kicad_schematic_is_reported()
    {
        string damaged = "(kicad_pcb" + Text(Controller)["(kicad_sch".Length..];

        Assert.Contains("rig_controller.kicad_sch: the top-level form is (kicad_pcb ...), not (kicad_sch ...)", Problems(damaged));
    }

    [Fact]
    public void A_symbol_without_a_value_is_reported()
    {
        string damaged = Text(Controller).Replace("(property \"Value\" \"AO3400A\"", "(property \"Value_\" \"AO3400A\"", StringComparison.Ordinal);

        Assert.Contains("rig_controller.kicad_sch: Q1 has no Value property", Problems(damaged));
    }

    [Fact]
    public void A_symbol_without_a_reference_is_reported()
    {
        string damaged = Text(Controller).Replace("(property \"Reference\" \"Q1\"", "(property \"Ref\" \"Q1\"", StringComparison.Ordinal);

        Assert.Contains(Problems(damaged), p => p.EndsWith("has no Reference property", StringComparison.Ordinal));
    }

    [Fact]
    public void A_reference_used_twice_is_reported()
    {
        string damaged = Text(Controller).Replace("(property \"Reference\" \"R4\"", "(property \"Reference\" \"R3\"", StringComparison.Ordinal);

        List<string> problems = HardwareChecks.CheckUniqueReferences([KicadSchematic.Parse(Controller, damaged)]);

        Assert.Equal(["reference R3 is used twice (rig_controller.kicad_sch, rig_controller.kicad_sch)"], problems);
    }

    [Fact]
    public void Unbalanced_parentheses_make_the_file_unreadable()
    {
        string text = Text(Controller);
        string damaged = text[..text.LastIndexOf(')')];

        Assert.Throws<FormatException>(() => KicadSchematic.Parse(Controller, damaged));
    }

    internal static string ReplaceFirst(string text, string find, string replacement)
    {
        int at = text.IndexOf(find, StringComparison.Ordinal);
        Assert.True(at >= 0, "the damage needs " + find);
        return text[..at] + replacement + text[(at + find.Length)..];
    }

    internal static string Text(string name) => File.ReadAllText(Path.Combine(HardwareFiles.SchematicFolder, name));

    internal static KicadSchematic Load(string name) => KicadSchematic.Parse(name, Text(name));

    private static List<string> Problems(string text) => HardwareChecks.CheckSchematic(KicadSchematic.Parse(Controller, text));
}
