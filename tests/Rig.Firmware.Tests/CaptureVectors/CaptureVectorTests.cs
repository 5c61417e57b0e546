using System;
using System.IO;
using System.Linq;
using Xunit;

namespace Rig.Firmware.Tests.CaptureVectors;

/// <summary>
/// The shared capture vectors against the C# model of the native capture core. The CTest suite
/// (firmware/native/tests/test_vectors.cpp) runs the same files against the C core, so the virtual rig's capture
/// and the device's cannot drift apart without one of the two suites failing.
/// </summary>
public sealed class CaptureVectorTests
{
    private static string Folder => Path.Combine(AppContext.BaseDirectory, "vectors", "capture");

    public static TheoryData<string> Files
    {
        get
        {
            var data = new TheoryData<string>();
            foreach (string path in Directory.GetFiles(Folder, "*.txt").Order(StringComparer.Ordinal))
            {
                data.Add(Path.GetFileName(path));
            }

            return data;
        }
    }

    [Theory]
    [MemberData(nameof(Files))]
    public void Each_shared_vector_gives_exactly_its_record_stream_and_counters_in_the_CSharp_model(string file)
    {
        string problems = CaptureVectorRunner.Run(Path.Combine(Folder, file));

        Assert.True(problems.Length == 0, problems);
    }

    [Fact]
    public void The_shared_vectors_are_copied_beside_the_tests()
    {
        Assert.True(Files.Count >= 20, "found " + Files.Count + " vectors in " + Folder);
    }
}
