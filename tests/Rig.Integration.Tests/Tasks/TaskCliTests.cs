using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json;
using System.Threading.Tasks;
using Rig.Recording.Calibration;
using Rig.Recording.Link;
using Rig.TestSupport;
using Xunit;

namespace Rig.Integration.Tests.Tasks;

/// <summary>`rig demo --protocol` and `rig run --protocol` as users run them: real processes, real files, exit codes.</summary>
public sealed class TaskCliTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(120);

    [Fact]
    public async Task Demo_with_an_invalid_protocol_exits_16_naming_file_line_and_field_and_creates_nothing()
    {
        using var dir = new TempDirectory();
        string text = File.ReadAllText(RepositoryRoot.Combine("protocols", "reward-zone-behaviour.json"))
            .Replace("\"max_trials\": 500", "\"max_trials\": 0", StringComparison.Ordinal);
        string file = dir.Combine("bad.json");
        File.WriteAllText(file, text);
        int line = text[..text.IndexOf("\"max_trials\": 0", StringComparison.Ordinal)].Split('\n').Length;
        string folder = dir.Combine("session");
        var (code, _, stderr) = await RigProcess.RunAsync(["demo", "--protocol", file, "--speed", "0", "--out", folder], Timeout,
            cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal(16, code);
        Assert.Contains($"{file}:{line}: limits.max_trials", stderr, StringComparison.Ordinal);
        Assert.False(Directory.Exists(folder));
    }

    [Fact]
    public async Task Demo_with_a_shipped_protocol_prints_its_metrics_and_writes_the_task_tables()
    {
        using var dir = new TempDirectory();
        string folder = dir.Combine("session");
        var (code, stdout, stderr) = await RigProcess.RunAsync(
            ["demo", "--protocol", "supervised-passive-day1", "--minutes", "1.5", "--speed", "0", "--json", "--out", folder,
                "--mouse-state", dir.Combine("mouse.json")], Timeout, cancellationToken: TestContext.Current.CancellationToken);
        Assert.True(code == 0, $"exit {code}\n{stderr}\n{stdout}");
        using var json = JsonDocument.Parse(stdout);
        var root = json.RootElement;
        Assert.True(root.GetProperty("task_table_matches_live").GetBoolean());
        Assert.True(root.GetProperty("trials").GetInt32() >= 3);
        var metrics = root.GetProperty("metrics");
        Assert.True(metrics.GetProperty("rewards").GetInt32() >= 1);
        Assert.Equal(2.5 * metrics.GetProperty("rewards").GetInt32(), metrics.GetProperty("water_microliters").GetDouble(), 6);
        foreach (string file in new[] { "task.json", "trials.csv", "licks.csv", "frame_positions.csv", "frames.csv" })
        {
            Assert.True(File.Exists(Path.Combine(folder, "derived", file)), file);
        }

        Assert.True(File.Exists(dir.Combine("mouse.json")));
    }

    [Fact]
    public async Task Demo_json_of_a_protocol_without_water_writes_undefined_metrics_as_NaN()
    {
        using var dir = new TempDirectory();
        var (code, stdout, stderr) = await RigProcess.RunAsync(
            ["demo", "--protocol", "grating-control", "--minutes", "1", "--speed", "0", "--json", "--out", dir.Combine("s")], Timeout,
            cancellationToken: TestContext.Current.CancellationToken);
        Assert.True(code == 0, $"exit {code}\n{stderr}\n{stdout}");
        using var json = JsonDocument.Parse(stdout);
        var metrics = json.RootElement.GetProperty("metrics");
        Assert.Equal("NaN", metrics.GetProperty("discrimination").GetString());
        Assert.Equal(0, metrics.GetProperty("rewards").GetInt32());
    }

    [Fact]
    public async Task Run_with_a_protocol_drives_a_virtual_rig_in_another_process_through_mosquitto_and_the_journal_gives_the_live_table()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var mosquitto = await MosquittoBroker.StartAsync(ct);
        using var dir = new TempDirectory();

        // A short corridor at a high gain, so a quarter of a real-time minute holds several trials.
        string text = File.ReadAllText(RepositoryRoot.Combine("protocols", "supervised-leaf1-circle1.json"))
            .Replace("\"movement\": { \"mode\": \"run_gated\", \"speed_cm_per_s\": 60, \"threshold_cm_per_s\": 6 }",
                "\"movement\": { \"mode\": \"proportional\", \"gain_dm_per_cm\": 1 }", StringComparison.Ordinal);
        Assert.Contains("proportional", text, StringComparison.Ordinal);
        string protocol = dir.Combine("fast.json");
        File.WriteAllText(protocol, text);
        string url = mosquitto.Address.ToString();

        // The rig's valve calibration (1.6–6.4 µL per pulse over 20–80 ms): a rewarding protocol does not start without one.
        var store = new CalibrationStore(dir.Combine("calibrations"));
        var points = new uint[] { 20_000, 40_000, 60_000, 80_000 }.Select(d => CalibrationPoint.Create(d, 100, d / 1e6 * 8)).ToList();
        var history = store.Append(new CalibrationRecord(DateTimeOffset.UtcNow, CalibrationKinds.Calibration, points, CurveFitter.Fit(points), "t", null, "sim", 0, "task-rig"));
        uint dosedMicros = history.Current!.Fit!.DurationFor(2.5);
        await using var sim = RigProcess.Start(["sim", "--rig", "task-rig", "--broker", url, "--speed", "1"]);
        await Eventually.WaitUntil(() => sim.Stderr.Contains("connected to", StringComparison.Ordinal) || sim.HasExited,
            TimeSpan.FromSeconds(30), "the virtual rig to connect", ct);
        Assert.False(sim.HasExited, sim.Stderr);

        // A renderer's view: the scene the task engine publishes (docs/vr.md).
        await using var renderer = new MqttLinkFactory(mosquitto.Address).Create(new LinkOptions { ClientId = "renderer" });
        await renderer.ConnectAsync(ct);
        await renderer.SubscribeAsync("vr/v1/task-rig/#", ct);

        var run = await RigProcess.RunAsync(
            ["run", "--rig", "task-rig", "--broker", url, "--out", dir.Combine("s"), "--minutes", "0.3", "--json", "--protocol", protocol, "--vr",
                "--calibration", store.PathFor("task-rig", 0), "--sex", "F", "--date-of-birth", "2026-08-01", "--experimenter", "A. Zhong", "--lab", "Pachitariu"],
            Timeout, cancellationToken: ct);
        Assert.True(run.ExitCode == 0, $"exit {run.ExitCode}\n{run.Stderr}\n{run.Stdout}");
        using var json = JsonDocument.Parse(run.Stdout);
        var task = json.RootElement.GetProperty("task");
        Assert.True(task.GetProperty("task_table_matches_live").GetBoolean());
        Assert.True(task.GetProperty("trials").GetInt32() >= 2, run.Stdout);
        Assert.True(task.GetProperty("commands_sent").GetInt64() >= 1, run.Stdout);
        Assert.Equal(0, task.GetProperty("commands_refused").GetInt64());
        Assert.Equal(0, task.GetProperty("commands_timed_out").GetInt64());
        Assert.True(File.Exists(Path.Combine(dir.Combine("s"), "derived", "trials.csv")));
        var reward = task.GetProperty("reward");
        Assert.True(reward.GetProperty("calibrated").GetBoolean());
        Assert.Equal(dosedMicros, reward.GetProperty("valve_open_us").GetUInt32());
        using (var header = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(dir.Combine("s"), "session.json"))))
        {
            Assert.Equal(dosedMicros, Assert.Single(header.RootElement.GetProperty("reward_doses").EnumerateArray()).GetProperty("valve_open_us").GetUInt32());
            // The subject facts an NWB export records, as given.
            var subject = header.RootElement.GetProperty("subject");
            Assert.Equal(("F", "2026-08-01", "A. Zhong", "Pachitariu"), (subject.GetProperty("sex").GetString(), subject.GetProperty("date_of_birth").GetString(),
                subject.GetProperty("experimenter").GetString(), subject.GetProperty("lab").GetString()));
            Assert.False(subject.TryGetProperty("age", out _));
        }

        // The renderer saw the session start, and scenes from more than one trial with a wall and a position each.
        var scenes = new List<JsonElement>();
        bool started = false;
        while (renderer.Messages.TryRead(out var message))
        {
            using var doc = JsonDocument.Parse(message.Payload);
            started |= message.Topic == "vr/v1/task-rig/session" && doc.RootElement.GetProperty("event").GetString() == "start";
            if (message.Topic == "vr/v1/task-rig/scene")
            {
                scenes.Add(doc.RootElement.Clone());
            }
        }

        Assert.True(started, "no session start on vr/v1/task-rig/session");
        Assert.True(scenes.Count > 100, $"only {scenes.Count} scene messages");
        Assert.True(scenes.Select(e => e.GetProperty("trial").GetInt32()).Distinct().Count() >= 2, "scenes from fewer than two trials");

        // The publisher's counts are in summary.json: at least every scene the renderer saw was published, none refused.
        using var summary = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(dir.Combine("s"), "summary.json")));
        var sink = summary.RootElement.GetProperty("sections").GetProperty("vr_sink");
        Assert.True(sink.GetProperty("published").GetInt64() >= scenes.Count, sink.ToString());
        Assert.Equal(0, sink.GetProperty("failed").GetInt64());
        Assert.Equal(JsonValueKind.Null, sink.GetProperty("first_failure").ValueKind);

        // The bridge's session ended before the rig was stopped: what it sent since was never acknowledged, and it says so.
        await sim.InterruptAsync();
        Assert.Equal(7, await sim.WaitAsync(TimeSpan.FromSeconds(30), ct));
        Assert.Contains("no bridge acknowledged", sim.Stderr, StringComparison.Ordinal);
    }
}
