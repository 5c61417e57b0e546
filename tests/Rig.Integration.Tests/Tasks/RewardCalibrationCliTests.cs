using System;
using System.IO;
using System.Linq;
using System.Text.Json;
using System.Threading.Tasks;
using Rig.TestSupport;
using Rig.VirtualRig.Water;
using Xunit;

namespace Rig.Integration.Tests.Tasks;

/// <summary>
/// Rewards in µL as users meet them: a rewarding protocol session needs the valve's calibration curve (or says
/// --uncalibrated), and whichever it used is in session.json, summary.json, the summary and the tables.
/// </summary>
public sealed class RewardCalibrationCliTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(120);

    [Fact]
    public async Task Run_with_a_rewarding_protocol_and_no_calibration_refuses_to_start_with_exit_26_naming_rig_valve_file_and_fix_and_creates_no_folder()
    {
        var ct = TestContext.Current.CancellationToken;
        using var dir = new TempDirectory();
        string folder = dir.Combine("s");

        // Port 1: nothing listens, so getting past the calibration check would show as "broker unreachable" (4), not 26.
        var (code, stdout, stderr) = await RigProcess.RunInAsync(dir.Path,
            ["run", "--rig", "nocal", "--broker", "mqtt://127.0.0.1:1", "--out", folder, "--protocol", "supervised-leaf1-circle1"], Timeout, ct);
        Assert.True(code == 26, $"exit {code}\n{stderr}\n{stdout}");
        Assert.Contains("rig 'nocal' valve 0 has no water calibration", stderr, StringComparison.Ordinal);
        Assert.Contains(Path.Combine("calibrations", "nocal-valve0.calibration.json"), stderr, StringComparison.Ordinal);
        Assert.Contains("rig calibrate", stderr, StringComparison.Ordinal);
        Assert.Contains("--uncalibrated", stderr, StringComparison.Ordinal);
        Assert.False(Directory.Exists(folder));

        // --uncalibrated passes the check (and then finds no broker); an unrewarded protocol needs no curve at all.
        (code, _, stderr) = await RigProcess.RunInAsync(dir.Path,
            ["run", "--rig", "nocal", "--broker", "mqtt://127.0.0.1:1", "--out", folder, "--protocol", "supervised-leaf1-circle1", "--uncalibrated"], Timeout, ct);
        Assert.True(code == 4, $"exit {code}\n{stderr}");
        Assert.Contains("UNCALIBRATED", stderr, StringComparison.Ordinal);
        (code, _, stderr) = await RigProcess.RunInAsync(dir.Path,
            ["run", "--rig", "nocal", "--broker", "mqtt://127.0.0.1:1", "--out", folder, "--protocol", "unsupervised-exposure"], Timeout, ct);
        Assert.True(code == 4, $"exit {code}\n{stderr}");
        Assert.False(Directory.Exists(folder));
    }

    [Fact]
    public async Task Demo_with_a_volume_outside_the_valves_calibrated_range_exits_26_naming_the_volume_and_range_and_creates_no_folder()
    {
        var ct = TestContext.Current.CancellationToken;
        using var dir = new TempDirectory();
        string text = File.ReadAllText(RepositoryRoot.Combine("protocols", "supervised-leaf1-circle1.json"))
            .Replace("\"volume_ul\": 2.5", "\"volume_ul\": 50", StringComparison.Ordinal);
        string protocol = dir.Combine("big.json");
        File.WriteAllText(protocol, text);
        string folder = dir.Combine("s");
        var (code, stdout, stderr) = await RigProcess.RunInAsync(dir.Path, ["demo", "--protocol", protocol, "--speed", "0", "--out", folder], Timeout, ct);
        Assert.True(code == 26, $"exit {code}\n{stderr}\n{stdout}");
        Assert.Contains("a reward of 50 µL is outside valve 0's calibrated range", stderr, StringComparison.Ordinal);
        Assert.Contains(" µs open)", stderr, StringComparison.Ordinal);
        Assert.False(Directory.Exists(folder));
    }

    [Fact]
    public async Task Demo_uncalibrated_runs_on_the_protocols_valve_time_and_records_that_it_is_uncalibrated_everywhere()
    {
        var ct = TestContext.Current.CancellationToken;
        using var dir = new TempDirectory();
        string folder = dir.Combine("s");
        var (code, stdout, stderr) = await RigProcess.RunInAsync(dir.Path,
            ["demo", "--protocol", "supervised-passive-day1", "--minutes", "1.5", "--speed", "0", "--json", "--uncalibrated", "--out", folder], Timeout, ct);
        Assert.True(code == 0, $"exit {code}\n{stderr}\n{stdout}");
        Assert.Contains("UNCALIBRATED", stderr, StringComparison.Ordinal);

        using var json = JsonDocument.Parse(stdout);
        Assert.True(json.RootElement.GetProperty("uncalibrated").GetBoolean());
        var metrics = json.RootElement.GetProperty("metrics");
        Assert.True(metrics.GetProperty("rewards").GetInt32() >= 1, stdout);
        Assert.Equal("NaN", metrics.GetProperty("water_microliters").GetString());

        using var header = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(folder, "session.json")));
        var dose = Assert.Single(header.RootElement.GetProperty("reward_doses").EnumerateArray());
        Assert.False(dose.GetProperty("calibrated").GetBoolean());
        Assert.Equal(40_000u, dose.GetProperty("valve_open_us").GetUInt32());
        Assert.Equal(JsonValueKind.Null, header.RootElement.GetProperty("calibration").ValueKind);

        using var summary = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(folder, "summary.json")));
        var rewards = summary.RootElement.GetProperty("counts").GetProperty("rewards");
        Assert.True(rewards.GetProperty("uncalibrated").GetBoolean());
        Assert.Equal(JsonValueKind.Null, rewards.GetProperty("total_microlitres").ValueKind);
        Assert.All(rewards.GetProperty("by_duration").EnumerateArray(), d => Assert.Equal(40_000u, d.GetProperty("duration_micros").GetUInt32()));

        var (header_, rows) = Trials(folder);
        int column = Array.IndexOf(header_, "reward_ul");
        int rewardAt = Array.IndexOf(header_, "reward_device_us");
        Assert.True(column >= 0);
        Assert.Contains(rows, r => r[rewardAt] != "");
        Assert.All(rows, r => Assert.Equal("", r[column]));
    }

    [Fact]
    public async Task Demo_on_a_fresh_machine_rewards_by_a_calibration_of_the_simulated_valve_and_records_the_curve_and_the_microlitres()
    {
        var ct = TestContext.Current.CancellationToken;
        using var dir = new TempDirectory();
        string folder = dir.Combine("s");
        var (code, stdout, stderr) = await RigProcess.RunInAsync(dir.Path,
            ["demo", "--protocol", "supervised-passive-day1", "--minutes", "1.5", "--speed", "0", "--json", "--out", folder], Timeout, ct);
        Assert.True(code == 0, $"exit {code}\n{stderr}\n{stdout}");
        Assert.Contains("simulated valve", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("UNCALIBRATED", stderr, StringComparison.Ordinal);

        using var header = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(folder, "session.json")));
        var calibration = header.RootElement.GetProperty("calibration");
        Assert.Contains("not weighed", calibration.GetProperty("simulated_valve").GetString(), StringComparison.Ordinal);
        var dose = Assert.Single(header.RootElement.GetProperty("reward_doses").EnumerateArray());
        Assert.True(dose.GetProperty("calibrated").GetBoolean());
        Assert.Equal(2.5, dose.GetProperty("volume_ul").GetDouble());
        uint micros = dose.GetProperty("valve_open_us").GetUInt32();

        // The simulated valve really gives about 2.5 µL at that time (its model, not the fit): the curve is a calibration of it.
        Assert.InRange(new ValveFlowModel().VolumeMicrolitres(micros / 1000.0), 2.5 * 0.97, 2.5 * 1.03);

        using var summary = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(folder, "summary.json")));
        var rewards = summary.RootElement.GetProperty("counts").GetProperty("rewards");
        Assert.False(rewards.GetProperty("uncalibrated").GetBoolean());
        Assert.True(rewards.GetProperty("total_microlitres").GetDouble() > 0);

        // The task's rewards, at the dosed time, are 2.5 µL each by the curve (the virtual session's own device check pulses at 40 ms).
        var dosed = Assert.Single(rewards.GetProperty("by_duration").EnumerateArray(), d => d.GetProperty("duration_micros").GetUInt32() == micros);
        Assert.True(dosed.GetProperty("count").GetInt64() >= 1);
        Assert.Equal(2.5, dosed.GetProperty("microlitres_each").GetDouble(), 0.005);

        using var json = JsonDocument.Parse(stdout);
        Assert.False(json.RootElement.GetProperty("uncalibrated").GetBoolean());
        var metrics = json.RootElement.GetProperty("metrics");
        Assert.Equal(2.5 * metrics.GetProperty("rewards").GetInt32(), metrics.GetProperty("water_microliters").GetDouble(), 6);
        var (names, rows) = Trials(folder);
        int column = Array.IndexOf(names, "reward_ul");
        int rewardAt = Array.IndexOf(names, "reward_device_us");
        Assert.All(rows, r => Assert.Equal(r[rewardAt] == "" ? "" : "2.5", r[column]));
    }

    private static (string[] Header, string[][] Rows) Trials(string folder)
    {
        var lines = File.ReadAllLines(Path.Combine(folder, "derived", "trials.csv"));
        return (lines[0].Split(','), lines.Skip(1).Select(l => l.Split(',')).ToArray());
    }
}
