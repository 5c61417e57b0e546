using System;
using System.IO;
using System.Linq;
using System.Text.Json;
using System.Threading.Tasks;
using Rig.Analysis.Export;
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

    [Fact]
    public async Task A_demo_session_with_the_simulated_display_exports_every_shown_vr_frame_at_its_photodiode_flip_and_names_the_renderer()
    {
        using var dir = new TempDirectory();
        var ct = TestContext.Current.CancellationToken;
        string session = dir.Combine("session");
        var (code, stdout, stderr) = await RigProcess.RunAsync(["demo", "--protocol", "supervised-leaf1-circle1", "--minutes", "1", "--out", session], Timeout, cancellationToken: ct);
        Assert.True(code == 0, $"demo exit {code}\n{stderr}\n{stdout}");

        (code, stdout, stderr) = await RigProcess.RunAsync(["export", session, "--format", "nwb", "--out", dir.Combine("nwb"), "--json"], Timeout, cancellationToken: ct);
        Assert.True(code == 0, $"export exit {code}\n{stderr}\n{stdout}");
        using var summary = JsonDocument.Parse(stdout);
        string file = summary.RootElement.GetProperty("sessions")[0].GetProperty("file").GetString()!;

        var loaded = ExportSession.Load(session);
        var shown = loaded.ReadVrFrames()!.Where(f => f.FlipDeviceMicros is not null).ToList();
        Assert.True(shown.Count > 1000, $"only {shown.Count} VR frames shown in a minute");
        var dump = await PythonNwb.RunAsync([RepositoryRoot.Combine("tools", "dump_nwb.py"), file], Timeout);
        Assert.True(dump.ExitCode == 0, dump.Output);
        using var nwb = JsonDocument.Parse(dump.StandardOutput);
        var datasets = nwb.RootElement.GetProperty("datasets");
        Assert.Equal(shown.Select(f => f.Frame), datasets.GetProperty("/acquisition/vr_frames/data").EnumerateArray().Select(e => e.GetInt64()));
        var times = datasets.GetProperty("/acquisition/vr_frames/timestamps").EnumerateArray().Select(e => e.GetDouble()).ToList();
        for (int i = 0; i < shown.Count; i++)
        {
            double expected = loaded.SecondsSinceStart(loaded.HostNanos(shown[i].FlipHostNanos, shown[i].FlipDeviceMicros!.Value));
            Assert.True(Math.Abs(expected - times[i]) < 1e-9, $"VR frame {shown[i].Frame}: flip at {expected} s, the file says {times[i]} s");
        }

        Assert.True(nwb.RootElement.GetProperty("attributes").TryGetProperty("/general/devices/vr_renderer", out _), "no vr_renderer device");
        var validation = await PythonNwb.RunAsync([RepositoryRoot.Combine("tools", "validate_nwb.py"), "--schema", NwbSchema.Find(), file], Timeout);
        Assert.True(validation.ExitCode == 0, validation.Output);
    }

    [Fact]
    public async Task Rig_run_refuses_a_sex_code_or_date_of_birth_nwb_cannot_hold_with_exit_2_before_connecting()
    {
        using var dir = new TempDirectory();
        var ct = TestContext.Current.CancellationToken;
        var (code, _, stderr) = await RigProcess.RunAsync(
            ["run", "--rig", "r1", "--broker", "mqtt://localhost:1", "--out", dir.Combine("s"), "--sex", "female"], Timeout, cancellationToken: ct);
        Assert.Equal(2, code);
        Assert.Contains("Argument 'female' not recognized", stderr, StringComparison.Ordinal);

        (code, _, stderr) = await RigProcess.RunAsync(
            ["run", "--rig", "r1", "--broker", "mqtt://localhost:1", "--out", dir.Combine("s"), "--date-of-birth", "01/10/2025"], Timeout, cancellationToken: ct);
        Assert.Equal(2, code);
        Assert.Contains("--date-of-birth '01/10/2025' is not a date YYYY-MM-DD", stderr, StringComparison.Ordinal);
        Assert.False(Directory.Exists(dir.Combine("s")));
    }
}
