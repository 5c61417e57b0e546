using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Rig.Provisioning.Loopback;
using Rig.TestSupport;
using Xunit;

namespace Rig.Host.Tests.Loopback;

public sealed class LoopbackEvaluatorTests
{
    private static LoopbackRunData Run(IReadOnlyList<Edge> outputs, IReadOnlyList<Edge> inputs, int pulses, double roundTripMs = 5)
    {
        var scenario = LoopbackScenario.Find("valve-to-lick");
        return new LoopbackRunData
        {
            Scenario = scenario,
            Settings = new LoopbackSettings(scenario.Name, scenario.Wiring, scenario.OutputName, scenario.InputName, pulses, 1, 1, 2, 3, 4, 3),
            RigId = "r1",
            FirmwareVersion = "0.1.0",
            BootId = 1,
            DateUtc = new DateTimeOffset(2026, 11, 24, 12, 0, 0, TimeSpan.Zero),
            Target = "unit test",
            PulsesRequested = pulses,
            TrainStartDeviceMicros = 0,
            TrainPlannedMicros = 100_000,
            StoppedEarly = false,
            OutputEdges = outputs,
            InputEdges = inputs,
            RoundTripsMilliseconds = [roundTripMs, roundTripMs, roundTripMs],
        };
    }

    private static (List<Edge> Out, List<Edge> In) Train(int pulses, Func<int, long> delay)
    {
        var outs = new List<Edge>();
        var ins = new List<Edge>();
        for (int i = 0; i < pulses; i++)
        {
            ulong rise = 10_000 + ((ulong)i * 10_000);
            outs.Add(new Edge(rise, 1));
            outs.Add(new Edge(rise + 3_000, 0));
            ins.Add(new Edge((ulong)((long)rise + delay(2 * i)), 1));
            ins.Add(new Edge((ulong)((long)rise + 3_000 + delay((2 * i) + 1)), 0));
        }

        return (outs, ins);
    }

    [Fact]
    public void Delays_within_every_threshold_pass()
    {
        var (o, i) = Train(100, k => 5 + (k % 3));
        var r = LoopbackEvaluator.Evaluate(Run(o, i, 100), LoopbackThresholds.Default);

        Assert.Equal(LoopbackVerdict.Pass, r.Verdict);
        Assert.All(r.Checks, c => Assert.True(c.Passed, c.Name));
    }

    [Fact]
    public void A_single_missed_edge_fails_with_the_default_thresholds()
    {
        var (o, i) = Train(100, _ => 7);
        i.RemoveAt(40);
        var r = LoopbackEvaluator.Evaluate(Run(o, i, 100), LoopbackThresholds.Default);

        Assert.Equal(LoopbackVerdict.Fail, r.Verdict);
        Assert.Equal(1, r.MissedEdges);
        Assert.Contains("missed edges", r.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_width_error_over_the_limit_fails_even_when_the_p99_delay_passes()
    {
        // Falls are 6 µs later than rises on one pulse only: its width is 6 µs long.
        var (o, i) = Train(100, k => k == 51 ? 9 : 3);
        var r = LoopbackEvaluator.Evaluate(Run(o, i, 100), LoopbackThresholds.Default);

        Assert.Equal(LoopbackVerdict.Fail, r.Verdict);
        Assert.Equal(6, r.PulseWidthErrorAbsMaxMicros);
        Assert.False(r.Checks.Single(c => c.Name == "pulse width error |max|").Passed);
        Assert.True(r.Checks.Single(c => c.Name == "capture delay p99").Passed);
    }

    [Fact]
    public void A_slow_round_trip_fails_its_check()
    {
        var (o, i) = Train(10, _ => 7);
        var r = LoopbackEvaluator.Evaluate(Run(o, i, 10, roundTripMs: 25), LoopbackThresholds.Default);

        Assert.Equal(LoopbackVerdict.Fail, r.Verdict);
        Assert.Contains("command round trip p99", r.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Output_edges_with_no_input_at_all_is_no_edges_naming_both_ends_of_the_wire()
    {
        var (o, _) = Train(5, _ => 7);
        var r = LoopbackEvaluator.Evaluate(Run(o, [], 1000), LoopbackThresholds.Default);

        Assert.Equal(LoopbackVerdict.NoEdges, r.Verdict);
        Assert.Contains("lick channel 0", r.Message, StringComparison.Ordinal);
        Assert.Contains("valve 0", r.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_thresholds_file_overrides_what_it_names_and_keeps_the_defaults_for_the_rest()
    {
        using var dir = new TempDirectory();
        string path = dir.Combine("thresholds.json");
        File.WriteAllText(path, "{\n  \"capture_delay_p99_micros\": 50,\n  \"max_missed_edges\": 2\n}\n");

        var t = LoopbackThresholds.Load(path);

        Assert.Equal((50.0, 2, 5.0, 20.0), (t.CaptureDelayP99Micros, t.MaxMissedEdges, t.PulseWidthErrorMaxMicros, t.RoundTripP99Milliseconds));
    }

    [Fact]
    public void A_thresholds_file_with_an_unknown_field_is_refused_naming_the_file_line_and_field()
    {
        using var dir = new TempDirectory();
        string path = dir.Combine("thresholds.json");
        File.WriteAllText(path, "{\n  \"capture_delay_p99_micros\": 50,\n  \"capture_delay_p98\": 2\n}\n");

        var e = Assert.Throws<LoopbackInputException>(() => LoopbackThresholds.Load(path));

        Assert.Contains(path, e.Message, StringComparison.Ordinal);
        Assert.Contains("line 3", e.Message, StringComparison.Ordinal);
        Assert.Contains("capture_delay_p98", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_negative_threshold_is_refused_naming_its_field()
    {
        using var dir = new TempDirectory();
        string path = dir.Combine("thresholds.json");
        File.WriteAllText(path, "{ \"pulse_width_error_max_micros\": -1 }");

        var e = Assert.Throws<LoopbackInputException>(() => LoopbackThresholds.Load(path));

        Assert.Contains("pulse_width_error_max_micros", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_history_keeps_every_run_and_one_index_line_each()
    {
        using var dir = new TempDirectory();
        var history = new LoopbackHistory(dir.Path);
        var (o, i) = Train(20, k => 4 + (k % 5));
        var report = LoopbackEvaluator.Evaluate(Run(o, i, 20), LoopbackThresholds.Default);
        string first = history.RunFolder("r1", "valve-to-lick", report.DateUtc);
        string second = history.RunFolder("r1", "valve-to-lick", report.DateUtc.AddMinutes(1));

        history.Save(report, first);
        history.Save(report with { DateUtc = report.DateUtc.AddMinutes(1) }, second);

        Assert.Equal(3, File.ReadAllLines(Path.Combine(dir.Path, "r1", LoopbackHistory.IndexFile)).Length);
        Assert.True(File.Exists(Path.Combine(first, "capture_delay.png")));
        Assert.Throws<IOException>(() => history.Save(report, first));
    }
}
