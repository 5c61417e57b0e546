using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;

namespace Rig.Hardware.Tests;

/// <summary>A pin of a library symbol: its electrical type and the tip's position in library coordinates (y up).</summary>
public sealed record LibPin(string Number, string Name, string Type, double X, double Y);

public sealed record LibSymbol(string Name, bool IsPower, IReadOnlyList<LibPin> Pins);

/// <summary>A placed symbol; <see cref="Properties"/> maps property name to value.</summary>
public sealed record SymbolInstance(string LibId, double X, double Y, int Angle, bool Mirrored, IReadOnlyDictionary<string, string> Properties)
{
    public string? Reference => Properties.GetValueOrDefault("Reference");

    public string? Value => Properties.GetValueOrDefault("Value");
}

public sealed record NetLabel(string Kind, string Text, double X, double Y);

public sealed record Wire(double X1, double Y1, double X2, double Y2);

/// <summary>
/// The parts of a KiCad 6 schematic (.kicad_sch) the hardware checks need. Reading only collects; what is wrong is
/// reported by <see cref="HardwareChecks.CheckSchematic"/>, so a damaged file gives every problem at once.
/// </summary>
public sealed class KicadSchematic
{
    /// <summary>KiCad 6.0's schematic format version; older numbers are KiCad 6 development snapshots.</summary>
    public const int MinimumVersion = 20211123;

    private KicadSchematic(string name)
    {
        Name = name;
    }

    public string Name { get; }

    public string? RootHead { get; private set; }

    public int? Version { get; private set; }

    public string? Generator { get; private set; }

    public Dictionary<string, LibSymbol> LibSymbols { get; } = new(StringComparer.Ordinal);

    public List<SymbolInstance> Symbols { get; } = [];

    public List<NetLabel> Labels { get; } = [];

    public List<Wire> Wires { get; } = [];

    public bool HasLibSymbolsSection { get; private set; }

    public static KicadSchematic Parse(string name, string text)
    {
        SNode root = SExpressionParser.Parse(text);
        KicadSchematic schematic = new(name) { RootHead = root.Head };
        if (root.Child("version") is { } version
            && int.TryParse(version.AtomAt(1), NumberStyles.None, CultureInfo.InvariantCulture, out int number))
        {
            schematic.Version = number;
        }

        schematic.Generator = root.Child("generator")?.AtomAt(1);
        if (root.Child("lib_symbols") is { } libs)
        {
            schematic.HasLibSymbolsSection = true;
            foreach (SNode symbol in libs.Children("symbol"))
            {
                LibSymbol lib = ReadLibSymbol(symbol);
                schematic.LibSymbols[lib.Name] = lib;
            }
        }

        foreach (SNode symbol in root.Children("symbol"))
        {
            schematic.Symbols.Add(ReadInstance(symbol));
        }

        foreach (SNode item in root.Items.Where(i => i.Head is "label" or "global_label" or "hierarchical_label"))
        {
            SNode at = item.Child("at") ?? throw new FormatException($"{item.Head} at offset {item.Offset} has no position");
            schematic.Labels.Add(new NetLabel(item.Head!, item.AtomAt(1) ?? "", at.NumberAt(1), at.NumberAt(2)));
        }

        foreach (SNode wire in root.Children("wire"))
        {
            SNode[] points = wire.Child("pts")?.Children("xy").ToArray() ?? [];
            if (points.Length != 2)
            {
                throw new FormatException($"wire at offset {wire.Offset} does not have two points");
            }

            schematic.Wires.Add(new Wire(points[0].NumberAt(1), points[0].NumberAt(2), points[1].NumberAt(1), points[1].NumberAt(2)));
        }

        return schematic;
    }

    private static LibSymbol ReadLibSymbol(SNode symbol)
    {
        string name = symbol.AtomAt(1) ?? throw new FormatException($"lib symbol at offset {symbol.Offset} has no name");
        List<LibPin> pins = [];
        // Pins live in the unit sub-symbols ("R_1_1"); KiCad never nests deeper.
        foreach (SNode unit in symbol.Children("symbol"))
        {
            foreach (SNode pin in unit.Children("pin"))
            {
                SNode at = pin.Child("at") ?? throw new FormatException($"pin at offset {pin.Offset} has no position");
                pins.Add(new LibPin(pin.Child("number")?.AtomAt(1) ?? "", pin.Child("name")?.AtomAt(1) ?? "", pin.AtomAt(1) ?? "",
                    at.NumberAt(1), at.NumberAt(2)));
            }
        }

        return new LibSymbol(name, symbol.Child("power") is not null, pins);
    }

    private static SymbolInstance ReadInstance(SNode symbol)
    {
        SNode at = symbol.Child("at") ?? throw new FormatException($"symbol at offset {symbol.Offset} has no position");
        Dictionary<string, string> properties = new(StringComparer.Ordinal);
        foreach (SNode property in symbol.Children("property"))
        {
            properties[property.AtomAt(1) ?? ""] = property.AtomAt(2) ?? "";
        }

        int angle = at.Items.Count > 3 ? (int)at.NumberAt(3) : 0;
        return new SymbolInstance(symbol.Child("lib_id")?.AtomAt(1) ?? "", at.NumberAt(1), at.NumberAt(2), angle,
            symbol.Child("mirror") is not null, properties);
    }

    /// <summary>Where a pin's tip lands on the sheet (y down), for an instance rotated by a multiple of 90 degrees.</summary>
    public static (double X, double Y) PinPosition(SymbolInstance instance, LibPin pin)
    {
        int angle = ((instance.Angle % 360) + 360) % 360;
        (double x, double y) = angle switch
        {
            0 => (pin.X, pin.Y),
            90 => (-pin.Y, pin.X),
            180 => (-pin.X, -pin.Y),
            270 => (pin.Y, -pin.X),
            _ => throw new FormatException($"{instance.Reference}: rotation {instance.Angle} is not a multiple of 90"),
        };
        return (instance.X + x, instance.Y - y);
    }
}
