using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text.RegularExpressions;

namespace Rig.Hardware.Tests;

/// <summary>
/// The consistency rules between the schematics, the pin map and the BOM. Each check returns every problem it finds
/// as one line of text; an empty list means the files agree.
/// </summary>
public static partial class HardwareChecks
{
    /// <summary>ESP32 datasheet, "Strapping Pins": sampled at reset to pick boot mode, flash voltage, timing.</summary>
    public static readonly int[] StrappingPins = [0, 2, 5, 12, 15];

    /// <summary>Connected to the module's SPI flash on WROOM/WROVER.</summary>
    public static readonly int[] FlashPins = [6, 7, 8, 9, 10, 11];

    /// <summary>No output driver and no pulls.</summary>
    public static readonly int[] InputOnlyPins = [34, 35, 36, 37, 38, 39];

    [GeneratedRegex(@"^IO(\d+)(_|$)", RegexOptions.CultureInvariant)]
    private static partial Regex GpioPinName();

    public static List<string> CheckSchematic(KicadSchematic schematic)
    {
        List<string> problems = [];
        string name = schematic.Name;
        if (schematic.RootHead != "kicad_sch")
        {
            problems.Add($"{name}: the top-level form is ({schematic.RootHead} ...), not (kicad_sch ...)");
        }

        if (schematic.Version is not { } version)
        {
            problems.Add($"{name}: no (version ...)");
        }
        else if (version < KicadSchematic.MinimumVersion)
        {
            problems.Add($"{name}: version {version} is older than {KicadSchematic.MinimumVersion} (KiCad 6.0)");
        }

        if (string.IsNullOrEmpty(schematic.Generator))
        {
            problems.Add($"{name}: no (generator ...)");
        }

        if (!schematic.HasLibSymbolsSection)
        {
            problems.Add($"{name}: no (lib_symbols ...): the file would need external libraries to open");
        }

        foreach (SymbolInstance symbol in schematic.Symbols)
        {
            string at = symbol.Reference ?? $"symbol at ({symbol.X}, {symbol.Y})";
            if (!schematic.LibSymbols.ContainsKey(symbol.LibId))
            {
                problems.Add($"{name}: {at} uses lib_id \"{symbol.LibId}\", which lib_symbols does not define");
            }

            if (string.IsNullOrEmpty(symbol.Reference))
            {
                problems.Add($"{name}: {at} has no Reference property");
            }

            if (string.IsNullOrEmpty(symbol.Value))
            {
                problems.Add($"{name}: {at} has no Value property");
            }
        }

        return problems;
    }

    /// <summary>Part references are unique across all sheets (one BOM); power symbols' #PWR references only within a sheet.</summary>
    public static List<string> CheckUniqueReferences(IEnumerable<KicadSchematic> schematics)
    {
        List<string> problems = [];
        Dictionary<string, string> seen = new(StringComparer.Ordinal);
        foreach (KicadSchematic schematic in schematics)
        {
            HashSet<string> powerSeen = new(StringComparer.Ordinal);
            foreach (SymbolInstance symbol in schematic.Symbols)
            {
                string? reference = symbol.Reference;
                if (string.IsNullOrEmpty(reference))
                {
                    continue;
                }

                if (IsPower(schematic, symbol))
                {
                    if (!powerSeen.Add(reference))
                    {
                        problems.Add($"{schematic.Name}: reference {reference} is used twice");
                    }
                }
                else if (!seen.TryAdd(reference, schematic.Name))
                {
                    problems.Add($"reference {reference} is used twice ({seen[reference]}, {schematic.Name})");
                }
            }
        }

        return problems;
    }

    public static List<string> CheckPinMap(IReadOnlyList<PinMapEntry> pins)
    {
        List<string> problems = [];
        foreach (PinMapEntry pin in pins)
        {
            string at = $"GPIO {pin.Gpio} ({pin.Function} {pin.Channel})";
            if (StrappingPins.Contains(pin.Gpio))
            {
                problems.Add($"{at}: strapping pin");
            }

            if (FlashPins.Contains(pin.Gpio))
            {
                problems.Add($"{at}: flash pin");
            }

            if (InputOnlyPins.Contains(pin.Gpio) && pin.Direction != "input")
            {
                problems.Add($"{at}: input-only pin with direction {pin.Direction}");
            }

            if (string.IsNullOrWhiteSpace(pin.Net))
            {
                problems.Add($"{at}: no net");
            }
        }

        foreach (IGrouping<int, PinMapEntry> shared in pins.GroupBy(p => p.Gpio).Where(g => g.Count() > 1))
        {
            problems.Add($"GPIO {shared.Key} is used {shared.Count()} times: "
                         + string.Join(", ", shared.Select(p => $"{p.Function} {p.Channel}")));
        }

        foreach (IGrouping<string, PinMapEntry> shared in pins.GroupBy(p => p.Net, StringComparer.Ordinal).Where(g => g.Count() > 1))
        {
            problems.Add($"net {shared.Key} is given to {shared.Count()} GPIOs");
        }

        return problems;
    }

    /// <summary>
    /// Every pin-map net has a label, and each ESP32 GPIO pin in the schematic is wired (through its wires and labels)
    /// to exactly the net the pin map gives it; a GPIO wired in the schematic but missing from the pin map is an error too.
    /// </summary>
    public static List<string> CheckPinMapAgainstSchematics(IReadOnlyList<PinMapEntry> pins, IReadOnlyList<KicadSchematic> schematics)
    {
        List<string> problems = [];
        HashSet<string> labels = schematics.SelectMany(s => s.Labels).Select(l => l.Text).ToHashSet(StringComparer.Ordinal);
        foreach (PinMapEntry pin in pins.Where(p => !labels.Contains(p.Net)))
        {
            problems.Add($"pin-map net {pin.Net} (GPIO {pin.Gpio}, {pin.Function} {pin.Channel}) has no net label in the schematics");
        }

        Dictionary<int, HashSet<string>> wired = [];
        foreach (KicadSchematic schematic in schematics)
        {
            foreach ((int gpio, HashSet<string> nets) in NetsAtGpios(schematic))
            {
                if (!wired.TryAdd(gpio, nets))
                {
                    wired[gpio].UnionWith(nets);
                }
            }
        }

        if (wired.Count == 0)
        {
            problems.Add("no ESP32 symbol with GPIO pins (pins named IO<n>) is wired in the schematics");
            return problems;
        }

        foreach (PinMapEntry pin in pins)
        {
            HashSet<string> nets = wired.GetValueOrDefault(pin.Gpio) ?? [];
            if (!nets.SetEquals([pin.Net]))
            {
                string actual = nets.Count == 0 ? "no net" : "net " + string.Join(" + ", nets.Order(StringComparer.Ordinal));
                problems.Add($"GPIO {pin.Gpio} ({pin.Function} {pin.Channel}) is on {actual} in the schematic, but the pin map says {pin.Net}");
            }
        }

        HashSet<int> mapped = pins.Select(p => p.Gpio).ToHashSet();
        foreach ((int gpio, HashSet<string> nets) in wired.Where(w => !mapped.Contains(w.Key) && w.Value.Count > 0).OrderBy(w => w.Key))
        {
            problems.Add($"the schematic wires GPIO {gpio} (net {string.Join(" + ", nets.Order(StringComparer.Ordinal))}), which the pin map does not list");
        }

        return problems;
    }

    /// <summary>For each pin named IO&lt;n&gt; of any symbol on the sheet: the label and power-symbol names it reaches.</summary>
    public static Dictionary<int, HashSet<string>> NetsAtGpios(KicadSchematic schematic)
    {
        Connectivity points = new();
        foreach (Wire wire in schematic.Wires)
        {
            points.Join(Connectivity.Key(wire.X1, wire.Y1), Connectivity.Key(wire.X2, wire.Y2));
        }

        Dictionary<long, HashSet<string>> names = [];
        void Name(double x, double y, string net)
        {
            long root = points.Find(Connectivity.Key(x, y));
            if (!names.TryGetValue(root, out HashSet<string>? set))
            {
                names[root] = set = new HashSet<string>(StringComparer.Ordinal);
            }

            set.Add(net);
        }

        foreach (NetLabel label in schematic.Labels)
        {
            Name(label.X, label.Y, label.Text);
        }

        List<(int Gpio, long Point)> gpioPins = [];
        foreach (SymbolInstance symbol in schematic.Symbols)
        {
            if (!schematic.LibSymbols.TryGetValue(symbol.LibId, out LibSymbol? lib))
            {
                continue;
            }

            foreach (LibPin pin in lib.Pins)
            {
                (double x, double y) = KicadSchematic.PinPosition(symbol, pin);
                // A power symbol names its net through its hidden power_in pin; PWR_FLAG's power_out pin names nothing.
                if (lib.IsPower && pin.Type == "power_in" && symbol.Value is { } power)
                {
                    Name(x, y, power);
                }

                Match match = GpioPinName().Match(pin.Name);
                if (!lib.IsPower && match.Success)
                {
                    gpioPins.Add((int.Parse(match.Groups[1].ValueSpan, NumberStyles.None, CultureInfo.InvariantCulture), Connectivity.Key(x, y)));
                }
            }
        }

        Dictionary<int, HashSet<string>> result = [];
        foreach ((int gpio, long point) in gpioPins)
        {
            HashSet<string> nets = names.GetValueOrDefault(points.Find(point)) ?? [];
            if (!result.TryAdd(gpio, new HashSet<string>(nets, StringComparer.Ordinal)))
            {
                result[gpio].UnionWith(nets);
            }
        }

        return result;
    }

    public static List<string> CheckBom(IReadOnlyList<BomRow> rows, IReadOnlyList<KicadSchematic> schematics)
    {
        List<string> problems = [];
        Dictionary<string, BomRow> bom = new(StringComparer.Ordinal);
        foreach (BomRow row in rows)
        {
            if (HardwareFiles.ParseQuantity(row.Quantity) != row.References.Count)
            {
                problems.Add($"bom.csv line {row.Line}: quantity {row.Quantity} but {row.References.Count} references");
            }

            if (string.IsNullOrWhiteSpace(row.Value) || string.IsNullOrWhiteSpace(row.Footprint) || string.IsNullOrWhiteSpace(row.ManufacturerPart))
            {
                problems.Add($"bom.csv line {row.Line}: value, footprint and manufacturer_part are required");
            }

            foreach (string reference in row.References)
            {
                if (!bom.TryAdd(reference, row))
                {
                    problems.Add($"{reference} is listed twice in bom.csv (lines {bom[reference].Line} and {row.Line})");
                }
            }
        }

        Dictionary<string, SymbolInstance> parts = new(StringComparer.Ordinal);
        foreach (KicadSchematic schematic in schematics)
        {
            foreach (SymbolInstance symbol in schematic.Symbols.Where(s => !IsPower(schematic, s) && !string.IsNullOrEmpty(s.Reference)))
            {
                parts.TryAdd(symbol.Reference!, symbol);
            }
        }

        foreach ((string reference, SymbolInstance symbol) in parts.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            if (!bom.TryGetValue(reference, out BomRow? row))
            {
                problems.Add($"{reference} is in the schematic but not in bom.csv");
            }
            else if (row.Value != symbol.Value)
            {
                problems.Add($"{reference}: value \"{symbol.Value}\" in the schematic, \"{row.Value}\" in bom.csv");
            }
        }

        foreach (string reference in bom.Keys.Where(r => !parts.ContainsKey(r)).Order(StringComparer.Ordinal))
        {
            problems.Add($"{reference} is in bom.csv but not in the schematic");
        }

        return problems;
    }

    private static bool IsPower(KicadSchematic schematic, SymbolInstance symbol) =>
        (schematic.LibSymbols.TryGetValue(symbol.LibId, out LibSymbol? lib) && lib.IsPower)
        || (symbol.Reference?.StartsWith('#') ?? false);

    /// <summary>Union-find over sheet points, in units of 0.01 mm so rounding in the file cannot split a node.</summary>
    private sealed class Connectivity
    {
        private readonly Dictionary<long, long> parent = [];

        public static long Key(double x, double y) =>
            (long)Math.Round(x * 100) * 10_000_000L + (long)Math.Round(y * 100);

        public long Find(long point)
        {
            while (parent.TryGetValue(point, out long up) && up != point)
            {
                long grand = parent.GetValueOrDefault(up, up);
                parent[point] = grand;
                point = grand;
            }

            return point;
        }

        public void Join(long a, long b)
        {
            long rootA = Find(a);
            long rootB = Find(b);
            if (rootA != rootB)
            {
                parent[rootA] = rootB;
            }
        }
    }
}
