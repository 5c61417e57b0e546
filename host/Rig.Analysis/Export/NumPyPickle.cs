using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;

namespace Rig.Analysis.Export;

/// <summary>A Python dict whose keys keep the order they were added in (pickled dicts keep insertion order).</summary>
public sealed class PyDict
{
    private readonly List<KeyValuePair<string, object>> _items = [];

    public IReadOnlyList<KeyValuePair<string, object>> Items => _items;

    public object this[string key] => _items.First(i => i.Key == key).Value;

    /// <summary>Replaces the value of an existing key, keeping its place.</summary>
    public void Set(string key, object value)
    {
        int i = _items.FindIndex(x => x.Key == key);
        if (i < 0)
        {
            throw new KeyNotFoundException($"key '{key}' is not in the dict");
        }

        _items[i] = new(key, value);
    }

    /// <summary>Adds a key; values are string, int, long, double, bool, <see cref="NpArray"/>, <see cref="PyDict"/> or a list of those.</summary>
    public void Add(string key, object value)
    {
        if (_items.Any(i => i.Key == key))
        {
            throw new ArgumentException($"key '{key}' is already in the dict", nameof(key));
        }

        _items.Add(new(key, value));
    }
}

/// <summary>
/// A NumPy ndarray as NumPy pickles it: a dtype (its descriptor string and the state its __setstate__ takes), a shape
/// and the raw little-endian element bytes. Only the dtypes the zhong2025 format needs.
/// </summary>
public sealed class NpArray
{
    private NpArray(string descriptor, string byteOrder, int elementSize, int alignment, int flags, long[] shape, byte[] data)
    {
        Descriptor = descriptor;
        ByteOrder = byteOrder;
        ElementSize = elementSize;
        Alignment = alignment;
        Flags = flags;
        Shape = shape;
        Data = data;
    }

    /// <summary>NumPy's dtype string ('f8', 'b1', 'i8', 'U5').</summary>
    public string Descriptor { get; }

    public string ByteOrder { get; }

    /// <summary>dtype state: -1 for fixed-size types, bytes per element for flexible ones (unicode).</summary>
    public int ElementSize { get; }

    public int Alignment { get; }

    public int Flags { get; }

    public IReadOnlyList<long> Shape { get; }

    public byte[] Data { get; }

    public long Length => Shape.Count == 0 ? 1 : Shape[0];

    /// <summary>The values, for tests and reports (only for float64 arrays).</summary>
    public double[] AsDoubles()
    {
        if (Descriptor != "f8")
        {
            throw new InvalidOperationException($"a '{Descriptor}' array is not float64");
        }

        var values = new double[Data.Length / 8];
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = BinaryPrimitives.ReadDoubleLittleEndian(Data.AsSpan(i * 8));
        }

        return values;
    }

    public static NpArray OfDoubles(IReadOnlyList<double> values)
    {
        var data = new byte[values.Count * 8];
        for (int i = 0; i < values.Count; i++)
        {
            BinaryPrimitives.WriteDoubleLittleEndian(data.AsSpan(i * 8), values[i]);
        }

        return new NpArray("f8", "<", -1, -1, 0, [values.Count], data);
    }

    public static NpArray OfLongs(IReadOnlyList<long> values)
    {
        var data = new byte[values.Count * 8];
        for (int i = 0; i < values.Count; i++)
        {
            BinaryPrimitives.WriteInt64LittleEndian(data.AsSpan(i * 8), values[i]);
        }

        return new NpArray("i8", "<", -1, -1, 0, [values.Count], data);
    }

    /// <summary>numpy.bool_: one byte per element, 0 or 1 (never int or float: the analysis code indexes with these masks).</summary>
    public static NpArray OfBools(IReadOnlyList<bool> values) =>
        new("b1", "|", -1, -1, 0, [values.Count], values.Select(v => v ? (byte)1 : (byte)0).ToArray());

    /// <summary>A fixed-width unicode array ('&lt;Un', UCS-4 little-endian, zero padded), n the longest value (at least 1, as NumPy does).</summary>
    public static NpArray OfStrings(IReadOnlyList<string> values)
    {
        int width = Math.Max(1, values.Count == 0 ? 1 : values.Max(v => v.EnumerateRunes().Count()));
        var data = new byte[values.Count * width * 4];
        for (int i = 0; i < values.Count; i++)
        {
            int j = 0;
            foreach (var rune in values[i].EnumerateRunes())
            {
                BinaryPrimitives.WriteInt32LittleEndian(data.AsSpan(((i * width) + j) * 4), rune.Value);
                j++;
            }
        }

        return new NpArray("U" + width.ToString(System.Globalization.CultureInfo.InvariantCulture), "<", width * 4, 4, 8, [values.Count], data);
    }
}

/// <summary>
/// Writes Python pickles (protocol 2) of dicts, lists, str, int, float, bool and NumPy arrays, the way NumPy's own
/// ndarray.__reduce__ does: numpy.core.multiarray._reconstruct(ndarray, (0,), 'b'), then BUILD with
/// (1, shape, numpy.dtype(descr, False, True) built with its state, False, raw bytes). The raw bytes go through
/// _codecs.encode(latin-1 text, 'latin1'), Python 3's protocol-2 form of bytes, which np.load's default
/// encoding='ASCII' cannot break. It names numpy.core (not numpy._core) so NumPy 1.x loads it; NumPy 2.x keeps
/// numpy.core.multiarray._reconstruct importable without a warning for exactly this purpose (numpy/core/multiarray.py).
/// </summary>
public sealed class PickleWriter
{
    private const byte Proto = 0x80, Stop = (byte)'.', Mark = (byte)'(', EmptyDict = (byte)'}', SetItems = (byte)'u',
        EmptyList = (byte)']', Appends = (byte)'e', Tuple = (byte)'t', EmptyTuple = (byte)')', Tuple1 = 0x85, Tuple2 = 0x86,
        Tuple3 = 0x87, BinInt = (byte)'J', Long1 = 0x8a, BinFloat = (byte)'G', BinUnicode = (byte)'X', NewTrue = 0x88,
        NewFalse = 0x89, None = (byte)'N', Global = (byte)'c', Reduce = (byte)'R', Build = (byte)'b';

    private readonly Stream _output;

    public PickleWriter(Stream output)
    {
        _output = output;
    }

    /// <summary>Pickles one object, from the protocol header to STOP.</summary>
    public void WritePickle(object value)
    {
        _output.WriteByte(Proto);
        _output.WriteByte(2);
        Write(value);
        _output.WriteByte(Stop);
    }

    /// <summary>Pickles a 0-d object ndarray holding <paramref name="item"/> (what np.save writes for a dict; .item() returns it).</summary>
    public void WriteObjectScalarArray(object item)
    {
        _output.WriteByte(Proto);
        _output.WriteByte(2);
        WriteReconstruct();
        _output.WriteByte(Mark);
        WriteInt(1);
        _output.WriteByte(EmptyTuple);
        WriteDtype("O8", "|", -1, -1, 63);
        _output.WriteByte(NewFalse);
        _output.WriteByte(EmptyList);
        _output.WriteByte(Mark);
        Write(item);
        _output.WriteByte(Appends);
        _output.WriteByte(Tuple);
        _output.WriteByte(Build);
        _output.WriteByte(Stop);
    }

    private void Write(object value)
    {
        switch (value)
        {
            case string s:
                WriteString(s);
                break;
            case bool b:
                _output.WriteByte(b ? NewTrue : NewFalse);
                break;
            case int i:
                WriteInt(i);
                break;
            case long l:
                WriteLong(l);
                break;
            case double d:
                _output.WriteByte(BinFloat);
                Span<byte> bytes = stackalloc byte[8];
                BinaryPrimitives.WriteDoubleBigEndian(bytes, d);
                _output.Write(bytes);
                break;
            case NpArray a:
                WriteArray(a);
                break;
            case PyDict dict:
                _output.WriteByte(EmptyDict);
                if (dict.Items.Count > 0)
                {
                    _output.WriteByte(Mark);
                    foreach (var (key, item) in dict.Items)
                    {
                        WriteString(key);
                        Write(item);
                    }

                    _output.WriteByte(SetItems);
                }

                break;
            case System.Collections.IEnumerable list:
                _output.WriteByte(EmptyList);
                _output.WriteByte(Mark);
                foreach (object? item in list)
                {
                    Write(item ?? throw new ArgumentException("a list holds null; the export never writes None"));
                }

                _output.WriteByte(Appends);
                break;
            default:
                throw new ArgumentException($"cannot pickle a {value.GetType().Name}", nameof(value));
        }
    }

    private void WriteArray(NpArray a)
    {
        WriteReconstruct();
        _output.WriteByte(Mark);
        WriteInt(1);
        _output.WriteByte(Mark);
        foreach (long dimension in a.Shape)
        {
            WriteLong(dimension);
        }

        _output.WriteByte(Tuple);
        WriteDtype(a.Descriptor, a.ByteOrder, a.ElementSize, a.Alignment, a.Flags);
        _output.WriteByte(NewFalse); // C order
        WriteBytes(a.Data);
        _output.WriteByte(Tuple);
        _output.WriteByte(Build);
    }

    // numpy.core.multiarray._reconstruct(numpy.ndarray, (0,), 'b'): an empty array the BUILD's __setstate__ then fills.
    private void WriteReconstruct()
    {
        WriteGlobal("numpy.core.multiarray", "_reconstruct");
        WriteGlobal("numpy", "ndarray");
        WriteInt(0);
        _output.WriteByte(Tuple1);
        WriteString("b");
        _output.WriteByte(Tuple3);
        _output.WriteByte(Reduce);
    }

    // numpy.dtype(descr, False, True) then __setstate__((3, byteorder, None, None, None, elsize, alignment, flags)).
    private void WriteDtype(string descriptor, string byteOrder, int elementSize, int alignment, int flags)
    {
        WriteGlobal("numpy", "dtype");
        WriteString(descriptor);
        _output.WriteByte(NewFalse);
        _output.WriteByte(NewTrue);
        _output.WriteByte(Tuple3);
        _output.WriteByte(Reduce);
        _output.WriteByte(Mark);
        WriteInt(3);
        WriteString(byteOrder);
        _output.WriteByte(None);
        _output.WriteByte(None);
        _output.WriteByte(None);
        WriteInt(elementSize);
        WriteInt(alignment);
        WriteInt(flags);
        _output.WriteByte(Tuple);
        _output.WriteByte(Build);
    }

    // Protocol 2 has no bytes opcode; Python 3 pickles bytes as _codecs.encode(the bytes read as latin-1, 'latin1').
    private void WriteBytes(byte[] data)
    {
        WriteGlobal("_codecs", "encode");
        WriteString(Encoding.Latin1.GetString(data));
        WriteString("latin1");
        _output.WriteByte(Tuple2);
        _output.WriteByte(Reduce);
    }

    private void WriteGlobal(string module, string name)
    {
        _output.WriteByte(Global);
        _output.Write(Encoding.ASCII.GetBytes(module + "\n" + name + "\n"));
    }

    private void WriteString(string s)
    {
        byte[] utf8 = Encoding.UTF8.GetBytes(s);
        _output.WriteByte(BinUnicode);
        Span<byte> length = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(length, (uint)utf8.Length);
        _output.Write(length);
        _output.Write(utf8);
    }

    private void WriteInt(int value)
    {
        _output.WriteByte(BinInt);
        Span<byte> bytes = stackalloc byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(bytes, value);
        _output.Write(bytes);
    }

    private void WriteLong(long value)
    {
        if (value is >= int.MinValue and <= int.MaxValue)
        {
            WriteInt((int)value);
            return;
        }

        // LONG1: little-endian two's complement, 8 bytes always suffice for a long.
        _output.WriteByte(Long1);
        _output.WriteByte(8);
        Span<byte> bytes = stackalloc byte[8];
        BinaryPrimitives.WriteInt64LittleEndian(bytes, value);
        _output.Write(bytes);
    }
}

/// <summary>The .npy file of one pickled object, as np.save writes an object array (format 1.0, header padded to 64 bytes).</summary>
public static class NpyFile
{
    /// <summary>Writes <paramref name="item"/> as a 0-d object array into a new file; never over an existing one.</summary>
    public static void WriteObject(string path, object item)
    {
        using var output = new FileStream(path, FileMode.CreateNew, FileAccess.Write);
        WriteObject(output, item);
    }

    public static void WriteObject(Stream output, object item)
    {
        const string Dict = "{'descr': '|O', 'fortran_order': False, 'shape': (), }";
        const int Preamble = 10; // magic (6), version (2), header length (2)
        int total = Preamble + Dict.Length + 1;
        int padded = (total + 63) / 64 * 64;
        string header = Dict + new string(' ', padded - total) + "\n";
        output.Write([0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 1, 0]);
        Span<byte> length = stackalloc byte[2];
        BinaryPrimitives.WriteUInt16LittleEndian(length, (ushort)header.Length);
        output.Write(length);
        output.Write(Encoding.ASCII.GetBytes(header));
        new PickleWriter(output).WriteObjectScalarArray(item);
    }
}
