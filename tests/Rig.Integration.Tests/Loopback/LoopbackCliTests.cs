using System;
using System.IO;
using System.Linq;
using System.Text.Json;
using System.Threading.Tasks;
using Rig.TestSupport;
using Xunit;

namespace Rig.Integration.Tests.Loopback;

/// <summary>`rig loopback` and `rig run --preflight` as users run them: real processes, real files, exit codes 20 and 21.</summary>
public sealed class LoopbackCliTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(120);

    /// <summary>
    /// A lab thresholds file in the history folder, with a patient round trip: a test machine running every suite
    /// at once stalls processes for far more than the 20 ms default, which says nothing about the code.
    /// </summary>
    private static void PatientThresholds(TempDirectory dir)
    {
        Directory.CreateDirectory(dir.Combine("loopback"));
        File.WriteAllText(dir.Combine("loopback", "thresholds.json"), "{ \"round_trip_p99_milliseconds\": 5000 }");
    }

    [Fact]
    public async Task Loopback_on_the_virtual_rig_prints_pass_and_writes_the_report_json_and_histograms()
    {
        var ct = TestContext.Current.CancellationToken;
        using var dir = new TempDirectory();
        PatientThresholds(dir);

        var (code, stdout, stderr) = await RigProcess.RunInAsync(dir.Path, ["loopback", "--rig", "cli1", "--scenario", "valve-to-lick", "--pulses", "200", "--pings", "20", "--virtual"], Timeout, ct);

        Assert.True(code == 0, $"exit {code}\n{stderr}\n{stdout}");
        Assert.Contains("loopback valve-to-lick on rig cli1: PASS", stdout, StringComparison.Ordinal);
        Assert.Contains("capture delay median 7 µs", stdout, StringComparison.Ordinal);
        string run = Directory.GetDirectories(dir.Combine("loopback", "cli1")).Single();
        foreach (string file in new[] { "report.json", "report.txt", "capture_delay.png", "pulse_width_error.png", "round_trip.png" })
        {
            Assert.True(File.Exists(Path.Combine(run, file)), file);
        }

        using var json = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(run, "report.json")));
        Assert.Equal(400, json.RootElement.GetProperty("matched_edges").GetInt32());
    }

    [Fact]
    public async Task A_disconnected_wire_exits_21_within_seconds_naming_the_channel()
    {
        var ct = TestContext.Current.CancellationToken;
        using var dir = new TempDirectory();
        PatientThresholds(dir);

        var (code, stdout, stderr) = await RigProcess.RunInAsync(dir.Path, ["loopback", "--rig", "cli2", "--pulses", "1000", "--pings", "5", "--virtual", "--disconnect"], Timeout, ct);

        Assert.True(code == 21, $"exit {code}\n{stderr}\n{stdout}");
        Assert.Contains("no edges came back on lick channel 0", stdout, StringComparison.Ordinal);
        Assert.Contains("stopped early", stdout, StringComparison.Ordinal);
        Assert.Matches(@"valve 0 pulsed [0-9]{1,3} times", stdout);
    }

    [Fact]
    public async Task A_thresholds_file_the_run_cannot_use_exits_2_before_anything_runs()
    {
        using var dir = new TempDirectory();
        File.WriteAllText(dir.Combine("t.json"), "{ \"capture_delay\": 3 }");

        var (code, _, stderr) = await RigProcess.RunInAsync(dir.Path, ["loopback", "--virtual", "--thresholds", dir.Combine("t.json")], Timeout, TestContext.Current.CancellationToken);

        Assert.Equal(2, code);
        Assert.Contains("capture_delay", stderr, StringComparison.Ordinal);
        Assert.False(Directory.Exists(dir.Combine("loopback")));
    }

    [Fact]
    public async Task A_preflight_that_passes_starts_the_session_and_records_its_result_in_it()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var mosquitto = await MosquittoBroker.StartAsync(ct);
        using var dir = new TempDirectory();
        PatientThresholds(dir);
        string url = mosquitto.Address.ToString();
        await using var sim = RigProcess.Start(["sim", "--rig", "pre1", "--broker", url, "--speed", "5", "--loopback", "valve-to-lick"]);
        await Eventually.WaitUntil(() => sim.Stderr.Contains("connected to", StringComparison.Ordinal) || sim.HasExited, TimeSpan.FromSeconds(30), "the virtual rig to connect", ct);

        var run = await RigProcess.RunInAsync(dir.Path, ["run", "--rig", "pre1", "--broker", url, "--out", dir.Combine("s"), "--minutes", "0.05", "--preflight"], Timeout, ct);

        Assert.True(run.ExitCode == 0, $"exit {run.ExitCode}\n{run.Stderr}\n{run.Stdout}");
        Assert.Contains("preflight valve-to-lick: PASS", run.Stderr, StringComparison.Ordinal);
        using var json = JsonDocument.Parse(File.ReadAllBytes(dir.Combine("s", "preflight.json")));
        Assert.True(json.RootElement.GetProperty("passed").GetBoolean());
        Assert.Equal(40, json.RootElement.GetProperty("matched_edges").GetInt32());
        Assert.True(Directory.Exists(json.RootElement.GetProperty("report_folder").GetString()));
        await sim.InterruptAsync();
        await sim.WaitAsync(TimeSpan.FromSeconds(30), ct);
    }

    [Fact]
    public async Task A_failing_preflight_refuses_to_start_unless_overridden_and_the_override_is_recorded()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var mosquitto = await MosquittoBroker.StartAsync(ct);
        using var dir = new TempDirectory();
        PatientThresholds(dir);
        string url = mosquitto.Address.ToString();
        await using var sim = RigProcess.Start(["sim", "--rig", "pre2", "--broker", url, "--speed", "5", "--loopback", "none:valve-to-lick"]);
        await Eventually.WaitUntil(() => sim.Stderr.Contains("connected to", StringComparison.Ordinal) || sim.HasExited, TimeSpan.FromSeconds(30), "the virtual rig to connect", ct);

        var refused = await RigProcess.RunInAsync(dir.Path, ["run", "--rig", "pre2", "--broker", url, "--out", dir.Combine("s"), "--minutes", "0.05", "--preflight"], Timeout, ct);
        Assert.True(refused.ExitCode == 21, $"exit {refused.ExitCode}\n{refused.Stderr}");
        Assert.Contains("lick channel 0", refused.Stderr, StringComparison.Ordinal);
        Assert.False(Directory.Exists(dir.Combine("s")));

        var forced = await RigProcess.RunInAsync(dir.Path, ["run", "--rig", "pre2", "--broker", url, "--out", dir.Combine("s"), "--minutes", "0.05", "--preflight", "--skip-preflight-failure"], Timeout, ct);
        Assert.True(forced.ExitCode == 0, $"exit {forced.ExitCode}\n{forced.Stderr}");
        using var json = JsonDocument.Parse(File.ReadAllBytes(dir.Combine("s", "preflight.json")));
        Assert.False(json.RootElement.GetProperty("passed").GetBoolean());
        Assert.True(json.RootElement.GetProperty("overridden").GetBoolean());
        Assert.Equal("no_edges", json.RootElement.GetProperty("verdict").GetString());
        await sim.InterruptAsync();
        await sim.WaitAsync(TimeSpan.FromSeconds(30), ct);
    }
}
