using System;
using System.Diagnostics;
using System.IO;
using System.Threading.Tasks;
using Rig.TestSupport;
using Xunit;

namespace Rig.Hardware.Tests;

/// <summary>The checked-in schematics and BOM are exactly what hardware/schematics/generate.py writes now.</summary>
public sealed class GeneratorTests
{
    [Fact]
    public async Task The_checked_in_schematics_and_bom_are_what_the_generator_writes()
    {
        string output = Path.Combine(Path.GetTempPath(), "rig-hardware-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(output);
        try
        {
            ProcessStartInfo start = new("python3")
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            start.ArgumentList.Add(RepositoryRoot.Combine("hardware", "schematics", "generate.py"));
            start.ArgumentList.Add("--out");
            start.ArgumentList.Add(output);
            // A missing python3 fails here on purpose: a skipped check would let hand edits of generated files through.
            using Process process = Process.Start(start) ?? throw new InvalidOperationException("could not start python3");
            Task<string> stdout = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
            Task<string> stderr = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
            await process.WaitForExitAsync(TestContext.Current.CancellationToken);
            Assert.True(process.ExitCode == 0, "generate.py failed: " + await stdout + await stderr);

            string[] generated = [.. HardwareFiles.SchematicPaths()];
            Assert.NotEmpty(generated);
            foreach (string path in generated)
            {
                AssertSame(path, Path.Combine(output, "schematics", Path.GetFileName(path)));
            }

            Assert.Equal(generated.Length, Directory.GetFiles(Path.Combine(output, "schematics"), "*.kicad_sch").Length);
            AssertSame(RepositoryRoot.Combine("hardware", "bom.csv"), Path.Combine(output, "bom.csv"));
        }
        finally
        {
            Directory.Delete(output, recursive: true);
        }
    }

    private static void AssertSame(string checkedIn, string generated)
    {
        Assert.True(File.Exists(generated), "generate.py no longer writes " + Path.GetFileName(checkedIn));
        Assert.True(File.ReadAllText(checkedIn) == File.ReadAllText(generated),
            Path.GetFileName(checkedIn) + " differs from generate.py's output: run python3 hardware/schematics/generate.py");
    }
}
