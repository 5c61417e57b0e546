using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Json;
using Rig.TestSupport;

namespace Rig.Hardware.Tests;

public sealed record PinMapEntry(int Gpio, string Function, int Channel, string Direction, string Net);

public sealed record BomRow(int Line, IReadOnlyList<string> References, string Value, string Footprint, string ManufacturerPart,
    string Quantity, string Note);

/// <summary>Reads the files under hardware/ the way the checks need them.</summary>
public static class HardwareFiles
{
    public const string BomHeader = "reference,value,footprint,manufacturer_part,quantity,note";

    public static string SchematicFolder => RepositoryRoot.Combine("hardware", "schematics");

    public static IReadOnlyList<string> SchematicPaths() =>
        Directory.GetFiles(SchematicFolder, "*.kicad_sch").Order(StringComparer.Ordinal).ToArray();

    public static IReadOnlyList<KicadSchematic> Schematics() =>
        SchematicPaths().Select(path => KicadSchematic.Parse(Path.GetFileName(path), File.ReadAllText(path))).ToArray();

    public static string PinMapText() => File.ReadAllText(RepositoryRoot.Combine("hardware", "pinmap.json"));

    public static string BomText() => File.ReadAllText(RepositoryRoot.Combine("hardware", "bom.csv"));

    public static IReadOnlyList<PinMapEntry> ParsePinMap(string json)
    {
        using JsonDocument document = JsonDocument.Parse(json);
        List<PinMapEntry> pins = [];
        foreach (JsonElement entry in document.RootElement.GetProperty("pins").EnumerateArray())
        {
            pins.Add(new PinMapEntry(
                entry.GetProperty("gpio").GetInt32(),
                entry.GetProperty("function").GetString() ?? "",
                entry.GetProperty("channel").GetInt32(),
                entry.GetProperty("direction").GetString() ?? "",
                entry.TryGetProperty("net", out JsonElement net) ? net.GetString() ?? "" : ""));
        }

        return pins;
    }

    /// <summary>RFC 4180 CSV with the BOM's fixed header; the reference field lists a row's references separated by spaces.</summary>
    public static IReadOnlyList<BomRow> ParseBom(string text)
    {
        List<List<string>> records = ReadCsv(text);
        if (records.Count == 0 || string.Join(',', records[0]) != BomHeader)
        {
            throw new FormatException("bom.csv must start with the header " + BomHeader);
        }

        List<BomRow> rows = [];
        for (int i = 1; i < records.Count; i++)
        {
            List<string> fields = records[i];
            if (fields.Count != 6)
            {
                throw new FormatException($"bom.csv line {i + 1}: {fields.Count} fields, expected 6");
            }

            rows.Add(new BomRow(i + 1, fields[0].Split(' ', StringSplitOptions.RemoveEmptyEntries), fields[1], fields[2], fields[3],
                fields[4], fields[5]));
        }

        return rows;
    }

    private static List<List<string>> ReadCsv(string text)
    {
        List<List<string>> records = [];
        List<string> fields = [];
        StringBuilder field = new();
        bool quoted = false;
        bool any = false;
        for (int i = 0; i < text.Length; i++)
        {
            char ch = text[i];
            if (quoted)
            {
                if (ch == '"' && i + 1 < text.Length && text[i + 1] == '"')
                {
                    field.Append('"');
                    i++;
                }
                else if (ch == '"')
                {
                    quoted = false;
                }
                else
                {
                    field.Append(ch);
                }

                continue;
            }

            switch (ch)
            {
                case '"':
                    quoted = true;
                    any = true;
                    break;
                case ',':
                    fields.Add(field.ToString());
                    field.Clear();
                    any = true;
                    break;
                case '\n':
                    fields.Add(field.ToString());
                    field.Clear();
                    records.Add(fields);
                    fields = [];
                    any = false;
                    break;
                case '\r':
                    break;
                default:
                    field.Append(ch);
                    any = true;
                    break;
            }
        }

        if (quoted)
        {
            throw new FormatException("bom.csv ends inside a quoted field");
        }

        if (any)
        {
            fields.Add(field.ToString());
            records.Add(fields);
        }

        return records;
    }

    public static int ParseQuantity(string text) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int quantity) ? quantity : -1;
}
