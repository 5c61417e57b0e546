using System;
using System.Buffers.Binary;
using System.IO;
using System.IO.Compression;

namespace Rig.Renderer.Tests;

/// <summary>Brightness statistics of a rectangle (grey level 0-255 per pixel: the mean of R, G and B).</summary>
public readonly record struct RegionStats(double Mean, double StdDev, double Min, double Max);

/// <summary>
/// A decoded screenshot. Reads the PNGs Chromium writes: 8-bit RGB or RGBA, not interlaced (enough for screenshots; any
/// other kind is refused by name rather than misread).
/// </summary>
public sealed class Png
{
    private readonly byte[] _rgba;

    private Png(int width, int height, byte[] rgba)
    {
        Width = width;
        Height = height;
        _rgba = rgba;
    }

    public int Width { get; }

    public int Height { get; }

    public static Png Decode(byte[] file)
    {
        ArgumentNullException.ThrowIfNull(file);
        ReadOnlySpan<byte> signature = [137, 80, 78, 71, 13, 10, 26, 10];
        if (file.Length < 8 || !file.AsSpan(0, 8).SequenceEqual(signature))
        {
            throw new InvalidDataException("not a PNG file");
        }

        int width = 0, height = 0, channels = 0;
        using var idat = new MemoryStream();
        for (int at = 8; at + 8 <= file.Length;)
        {
            int length = BinaryPrimitives.ReadInt32BigEndian(file.AsSpan(at));
            var type = System.Text.Encoding.ASCII.GetString(file, at + 4, 4);
            var data = file.AsSpan(at + 8, length);
            if (type == "IHDR")
            {
                width = BinaryPrimitives.ReadInt32BigEndian(data);
                height = BinaryPrimitives.ReadInt32BigEndian(data[4..]);
                byte depth = data[8], colour = data[9], interlace = data[12];
                channels = colour switch { 2 => 3, 6 => 4, _ => 0 };
                if (depth != 8 || channels == 0 || interlace != 0)
                {
                    throw new InvalidDataException($"PNG of bit depth {depth}, colour type {colour}, interlace {interlace}: only 8-bit RGB/RGBA, not interlaced, is read");
                }
            }
            else if (type == "IDAT")
            {
                idat.Write(data);
            }
            else if (type == "IEND")
            {
                break;
            }

            at += 12 + length;
        }

        idat.Position = 0;
        using var z = new ZLibStream(idat, CompressionMode.Decompress);
        int stride = width * channels;
        var raw = new byte[(stride + 1) * height];
        z.ReadExactly(raw);
        var rgba = new byte[width * height * 4];
        var previous = new byte[stride];
        var line = new byte[stride];
        for (int y = 0; y < height; y++)
        {
            int filter = raw[y * (stride + 1)];
            raw.AsSpan(y * (stride + 1) + 1, stride).CopyTo(line);
            for (int i = 0; i < stride; i++)
            {
                int a = i >= channels ? line[i - channels] : 0;
                int b = previous[i];
                int c = i >= channels ? previous[i - channels] : 0;
                line[i] = (byte)(line[i] + filter switch
                {
                    0 => 0,
                    1 => a,
                    2 => b,
                    3 => (a + b) / 2,
                    4 => Paeth(a, b, c),
                    _ => throw new InvalidDataException($"PNG filter {filter} on row {y}"),
                });
            }

            for (int x = 0; x < width; x++)
            {
                int o = (y * width + x) * 4;
                rgba[o] = line[x * channels];
                rgba[o + 1] = line[x * channels + 1];
                rgba[o + 2] = line[x * channels + 2];
                rgba[o + 3] = channels == 4 ? line[x * channels + 3] : (byte)255;
            }

            (previous, line) = (line, previous);
        }

        return new Png(width, height, rgba);
    }

    /// <summary>Statistics of the grey levels in the rectangle at (x, y) of size w × h (top-left origin).</summary>
    public RegionStats Mean(int x, int y, int w, int h)
    {
        if (x < 0 || y < 0 || w <= 0 || h <= 0 || x + w > Width || y + h > Height)
        {
            throw new ArgumentOutOfRangeException(nameof(x), $"region {x},{y} {w}x{h} is outside the {Width}x{Height} image");
        }

        double sum = 0, sumSq = 0, min = double.MaxValue, max = double.MinValue;
        for (int j = y; j < y + h; j++)
        {
            for (int i = x; i < x + w; i++)
            {
                int o = (j * Width + i) * 4;
                double v = (_rgba[o] + _rgba[o + 1] + _rgba[o + 2]) / 3.0;
                sum += v;
                sumSq += v * v;
                min = Math.Min(min, v);
                max = Math.Max(max, v);
            }
        }

        double n = w * h;
        double mean = sum / n;
        return new RegionStats(mean, Math.Sqrt(Math.Max(0, sumSq / n - mean * mean)), min, max);
    }

    private static int Paeth(int a, int b, int c)
    {
        int p = a + b - c;
        int pa = Math.Abs(p - a), pb = Math.Abs(p - b), pc = Math.Abs(p - c);
        return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
    }
}
