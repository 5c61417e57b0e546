using System;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using Rig.TestSupport;
using Xunit;

namespace Rig.Integration.Tests;

/// <summary>`rig export --format nwb` on real sessions of the virtual rig (the firmware logic, the bridge, the journal, the task engine), one per shipped protocol.</summary>
public sealed class NwbExportCliTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(3);

    [Fact]
    public async Task A_demo_session_of_every_shipped_protocol_exports_to_an_nwb_file_that_validates_and_h5dump_parses()
    {
        using var dir = new TempDirectory();
        var ct = TestContext.Current.CancellationToken;
        string[] protocols = [.. Directory.GetFiles(RepositoryRoot.Combine("protocols"), "*.json")
            .Select(Path.GetFileNameWithoutExtension).Where(n => n != "schema").Order(StringComparer.Ordinal)!];
        Assert.True(protocols.Length >= 8, $"only {protocols.Length} protocols found under protocols/");

        var sessions = new string[protocols.Length];
        for (int i = 0; i < protocols.Length; i++)
        {
            // One minute of session, faster than real time; each its own mouse so the session keys differ.
            sessions[i] = dir.Combine("sessions", protocols[i]);
            var (demo, demoOut, demoErr) = await RigProcess.RunAsync(
                ["demo", "--protocol", protocols[i], "--mouse", "m" + i.ToString(System.Globalization.CultureInfo.InvariantCulture), "--minutes", "1", "--speed", "0", "--out", sessions[i]],
                Timeout, cancellationToken: ct);
            Assert.True(demo == 0, $"demo {protocols[i]} exit {demo}\n{demoErr}\n{demoOut}");
        }

        var (code, stdout, stderr) = await RigProcess.RunAsync(["export", .. sessions, "--format", "nwb", "--out", dir.Combine("nwb")], Timeout, cancellationToken: ct);
        Assert.True(code == 0, $"export exit {code}\n{stderr}\n{stdout}");
        string[] files = Directory.GetFiles(dir.Combine("nwb"), "*.nwb");
        Assert.Equal(protocols.Length, files.Length);
        Assert.Contains("note: session.json names no experimenter or lab", stdout, StringComparison.Ordinal);

        var validation = await PythonNwb.RunAsync([RepositoryRoot.Combine("tools", "validate_nwb.py"), "--schema", NwbSchema.Find(), .. files], Timeout);
        Assert.True(validation.ExitCode == 0, validation.Output);
        Assert.Equal(files.Length, validation.Output.Split('\n').Count(l => l.EndsWith(": 0 error(s)", StringComparison.Ordinal)));
        foreach (string file in files)
        {
            var (h5dump, output) = H5Dump.Header(file);
            Assert.True(h5dump == 0, $"h5dump -H {file}: exit {h5dump}\n{output}");
        }

        // A second export into the same folder writes nothing over (exit 19).
        (code, _, stderr) = await RigProcess.RunAsync(["export", sessions[0], "--format", "nwb", "--out", dir.Combine("nwb")], Timeout, cancellationToken: ct);
        Assert.Equal(19, code);
        Assert.Contains("exists already", stderr, StringComparison.Ordinal);
    }
}
