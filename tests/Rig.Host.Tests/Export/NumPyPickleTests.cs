using System;
using System.IO;
using System.Threading.Tasks;
using Rig.Analysis.Export;
using Rig.TestSupport;
using Xunit;

namespace Rig.Host.Tests.Export;

public sealed class NumPyPickleTests
{
    [Fact]
    public async Task NumPy_reads_back_every_value_type_the_writer_supports_exactly()
    {
        using var dir = new TempDirectory();
        var nested = new PyDict();
        nested.Add("leaf1", NpArray.OfBools([true, false, true]));
        var dict = new PyDict();
        dict.Add("f8", NpArray.OfDoubles([1.5, double.NaN, -0.0, 739_000.123_456_789]));
        dict.Add("i8", NpArray.OfLongs([1, -2, 1L << 40]));
        dict.Add("b1", NpArray.OfBools([true, false]));
        dict.Add("U", NpArray.OfStrings(["leaf1", "größe", "\U0001D11E", ""]));
        dict.Add("empty", NpArray.OfDoubles([]));
        dict.Add("empty_U", NpArray.OfStrings([]));
        dict.Add("int", 5);
        dict.Add("big", 1L << 40);
        dict.Add("float", 2.5);
        dict.Add("str", "Active after cue");
        dict.Add("bool", true);
        dict.Add("list", new object[] { 1, "a" });
        dict.Add("dict", nested);
        string path = dir.Combine("values.npy");
        NpyFile.WriteObject(path, dict);

        const string Script = """
            import sys, numpy as np
            d = np.load(sys.argv[1], allow_pickle=True).item()
            print(list(d.keys()))
            for k in ("f8", "i8", "b1", "U", "empty", "empty_U"):
                print(k, d[k].dtype.str, d[k].shape, repr(d[k].tolist()))
            print(repr(d["int"]), repr(d["big"]), repr(d["float"]), repr(d["str"]), repr(d["bool"]), repr(d["list"]))
            print(type(d["dict"]).__name__, d["dict"]["leaf1"].dtype, d["dict"]["leaf1"].tolist())
            print(np.signbit(d["f8"][2]), d["f8"][3] == 739000.123456789)
            """;
        var result = await PythonNumPy.RunAsync(["-c", Script, path], TimeSpan.FromMinutes(1));

        Assert.True(result.ExitCode == 0, result.Output);
        string[] expected =
        [
            "['f8', 'i8', 'b1', 'U', 'empty', 'empty_U', 'int', 'big', 'float', 'str', 'bool', 'list', 'dict']",
            "f8 <f8 (4,) [1.5, nan, -0.0, 739000.123456789]",
            "i8 <i8 (3,) [1, -2, 1099511627776]",
            "b1 |b1 (2,) [True, False]",
            "U <U5 (4,) ['leaf1', 'größe', '\U0001D11E', '']",
            "empty <f8 (0,) []",
            "empty_U <U1 (0,) []",
            "5 1099511627776 2.5 'Active after cue' True [1, 'a']",
            "dict bool [True, False, True]",
            "True True",
        ];
        Assert.Equal(expected, result.Output.TrimEnd().Split('\n'));
    }

    [Fact]
    public void The_npy_header_is_padded_to_64_bytes_and_ends_in_a_newline()
    {
        using var stream = new MemoryStream();
        NpyFile.WriteObject(stream, new PyDict());
        byte[] bytes = stream.ToArray();

        int headerLength = bytes[8] | (bytes[9] << 8);
        Assert.Equal(0, (10 + headerLength) % 64);
        Assert.Equal((byte)'\n', bytes[10 + headerLength - 1]);
        Assert.Equal(0x80, bytes[10 + headerLength]); // the pickle's PROTO opcode
        Assert.Equal(2, bytes[10 + headerLength + 1]);
        Assert.Equal((byte)'.', bytes[^1]);
    }
}
