using System;
using System.Collections.Generic;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;

namespace Rig.Recording.Sessions;

/// <summary>One column of a <see cref="CsvTable{T}"/>: its header name and how a row prints in it.</summary>
public sealed record CsvColumn<T>(string Name, Func<T, string> Format);

/// <summary>
/// The one schema of a CSV table Rig writes: its file name, its columns (header names and how each row prints) and how a row
/// is read back. Writing and reading go through the same column list, so the header, the order and the cell format cannot
/// drift apart. Files are UTF-8 without a byte-order mark, one header line, comma-separated, no quoting (no cell holds a
/// comma: wall names and event kinds are plain identifiers), and are never written over an existing file.
/// </summary>
public sealed class CsvTable<T>
{
    private readonly IReadOnlyList<CsvColumn<T>> _columns;
    private readonly Func<CsvRow, T> _read;
    private readonly Dictionary<string, int> _index;

    public CsvTable(string fileName, IReadOnlyList<CsvColumn<T>> columns, Func<CsvRow, T> read)
    {
        FileName = fileName;
        _columns = columns;
        _read = read;
        _index = columns.Select((c, i) => (c.Name, i)).ToDictionary(p => p.Name, p => p.i, StringComparer.Ordinal);
        Header = string.Join(',', columns.Select(c => c.Name));
    }

    public string FileName { get; }

    /// <summary>The header line.</summary>
    public string Header { get; }

    public IEnumerable<string> ColumnNames => _columns.Select(c => c.Name);

    /// <summary>Prints one row, cell by cell, without the line end.</summary>
    public void WriteRow(TextWriter output, T row)
    {
        ArgumentNullException.ThrowIfNull(output);
        for (int i = 0; i < _columns.Count; i++)
        {
            if (i > 0)
            {
                output.Write(',');
            }

            output.Write(_columns[i].Format(row));
        }
    }

    /// <summary>Writes <see cref="FileName"/> into <paramref name="folder"/>; an existing file is never overwritten.</summary>
    public void Write(string folder, IEnumerable<T> rows)
    {
        using var output = new StreamWriter(new FileStream(Path.Combine(folder, FileName), FileMode.CreateNew), new UTF8Encoding(false));
        output.WriteLine(Header);
        foreach (var row in rows)
        {
            // Cell by cell into the writer's buffer: a joined line per row would be two more allocations per event.
            WriteRow(output, row);
            output.WriteLine();
        }
    }

    /// <summary>Reads <see cref="FileName"/> from <paramref name="folder"/>; a malformed file is refused naming the file, the line and the column.</summary>
    public List<T> Read(string folder) => [.. Enumerate(folder)];

    /// <summary>
    /// As <see cref="Read"/>, a row at a time as the file is read (an events table holds about 1,000 rows a second of
    /// session); the header is checked before the first row.
    /// </summary>
    public IEnumerable<T> Enumerate(string folder)
    {
        string path = Path.Combine(folder, FileName);
        var input = new StreamReader(path, Encoding.UTF8);
        string? first = input.ReadLine();
        int present = ColumnsIn(first);
        if (present < 0)
        {
            input.Dispose();
            throw new InvalidDataException($"{path}:1: expected the header '{Header}', found '{first}'");
        }

        return Rows(path, input, present);
    }

    /// <summary>
    /// How many of the columns a file with header <paramref name="header"/> holds: all of them, or the leading ones of a table
    /// written before later columns were added (columns are only ever added at the end, so a session derived by an earlier
    /// version still reads; its missing cells read as empty). −1 when the header is not this table's.
    /// </summary>
    private int ColumnsIn(string? header)
    {
        if (header == Header)
        {
            return _columns.Count;
        }

        if (header is null || header.Length == 0 || !Header.StartsWith(header + ",", StringComparison.Ordinal))
        {
            return -1;
        }

        return header.Split(',').Length;
    }

    private IEnumerable<T> Rows(string path, StreamReader input, int present)
    {
        using (input)
        {
            int lineNumber = 1;
            while (input.ReadLine() is { } line)
            {
                lineNumber++;
                var cells = line.Split(',');
                if (cells.Length != present)
                {
                    throw new InvalidDataException($"{path}:{lineNumber}: {cells.Length} columns, expected {present}");
                }

                if (present < _columns.Count)
                {
                    Array.Resize(ref cells, _columns.Count);
                    Array.Fill(cells, "", present, _columns.Count - present);
                }

                yield return _read(new CsvRow(path, lineNumber, _index, cells));
            }
        }
    }
}

/// <summary>One line of a CSV file being read, with typed access to its cells by column name; a bad cell names file, line and column.</summary>
[SuppressMessage("Naming", "CA1720:Identifier contains type name", Justification = "Each reader is named after the type of cell it reads, as Utf8JsonReader's are.")]
public readonly struct CsvRow
{
    private readonly string _path;
    private readonly int _line;
    private readonly Dictionary<string, int> _index;
    private readonly string[] _cells;

    internal CsvRow(string path, int line, Dictionary<string, int> index, string[] cells)
    {
        _path = path;
        _line = line;
        _index = index;
        _cells = cells;
    }

    public string Text(string column) => _cells[_index[column]];

    public bool Bool(string column) => Text(column) switch
    {
        "1" => true,
        "0" => false,
        _ => throw Bad(column, "0 or 1"),
    };

    public int Int(string column) => int.TryParse(Text(column), NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) ? v : throw Bad(column, "an integer");

    public long Long(string column) => long.TryParse(Text(column), NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) ? v : throw Bad(column, "an integer");

    public ulong ULong(string column) => ulong.TryParse(Text(column), NumberStyles.None, CultureInfo.InvariantCulture, out var v) ? v : throw Bad(column, "a non-negative integer");

    public uint UInt(string column) => uint.TryParse(Text(column), NumberStyles.None, CultureInfo.InvariantCulture, out var v) ? v : throw Bad(column, "a non-negative 32-bit integer");

    /// <summary>An empty cell is NaN.</summary>
    public double Double(string column) => Text(column).Length == 0 ? double.NaN
        : double.TryParse(Text(column), NumberStyles.Float, CultureInfo.InvariantCulture, out var v) ? v : throw Bad(column, "a number");

    public long? LongOrNull(string column) => Text(column).Length == 0 ? null : Long(column);

    public ulong? ULongOrNull(string column) => Text(column).Length == 0 ? null : ULong(column);

    public double? DoubleOrNull(string column) => Text(column).Length == 0 ? null : Double(column);

    public InvalidDataException Bad(string column, string expected) =>
        new($"{_path}:{_line}: column '{column}' is '{Text(column)}', expected {expected}");
}

/// <summary>How cells print: invariant culture, empty for a missing value.</summary>
public static class CsvCell
{
    private static readonly CultureInfo C = CultureInfo.InvariantCulture;

    public static string Of(int value) => value.ToString(C);

    public static string Of(long value) => value.ToString(C);

    public static string Of(ulong value) => value.ToString(C);

    public static string Of(uint value) => value.ToString(C);

    public static string Of(bool value) => value ? "1" : "0";

    /// <summary>Round-trip form; NaN is an empty cell.</summary>
    public static string Of(double value) => double.IsNaN(value) ? "" : value.ToString("R", C);

    public static string Of(double? value) => value is { } v ? Of(v) : "";

    public static string Of(long? value) => value?.ToString(C) ?? "";

    public static string Of(ulong? value) => value?.ToString(C) ?? "";
}
