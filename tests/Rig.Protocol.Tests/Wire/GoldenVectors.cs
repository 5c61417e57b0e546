using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;

namespace Rig.Protocol.Tests.Wire;

/// <summary>One vector file from tests/vectors: its bytes and what it is expected to be.</summary>
public sealed record GoldenVector(string Name, byte[] Bytes, string Expect, string Message)
{
    public override string ToString() => Name;
}

/// <summary>Loads the hand-written .hex vectors copied beside the test binary.</summary>
public static class GoldenVectors
{
    public static string Folder => Path.Combine(AppContext.BaseDirectory, "vectors");

    public static GoldenVector Load(string relativePath)
    {
        string path = Path.Combine(Folder, relativePath);
        var lines = File.ReadAllLines(path);
        string header = lines.FirstOrDefault(l => l.StartsWith("# expect:", StringComparison.Ordinal))
            ?? throw new InvalidDataException($"{relativePath}: no '# expect:' line");
        var parts = header["# expect:".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length != 2)
        {
            throw new InvalidDataException($"{relativePath}: '# expect:' needs two words, got '{header}'");
        }

        var bytes = new List<byte>();
        foreach (string line in lines)
        {
            int hash = line.IndexOf('#', StringComparison.Ordinal);
            string data = hash >= 0 ? line[..hash] : line;
            foreach (string pair in data.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries))
            {
                bytes.Add(byte.Parse(pair, NumberStyles.HexNumber, CultureInfo.InvariantCulture));
            }
        }

        return new GoldenVector(relativePath.Replace('\\', '/'), [.. bytes], parts[0], parts[1]);
    }

    public static IEnumerable<string> Names(string subfolder) =>
        Directory.GetFiles(Path.Combine(Folder, subfolder), "*.hex")
            .Select(f => Path.GetRelativePath(Folder, f))
            .Order(StringComparer.Ordinal);
}
