using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Rig.Experiment.Tasks;
using Rig.TestSupport;
using Xunit;

namespace Rig.Host.Tests.Tasks;

public sealed class TaskTablesTests
{
    private static TrialRow Trial(int index, string wall, bool rewarded, ulong start, ulong? cue = null, ulong? reward = null, bool complete = true) =>
        new(index, wall, rewarded, Probe: false, start, complete ? start + 4_000_000 : null, complete ? start + 6_000_000 : null,
            cue, cue is null ? null : 12.5, reward, reward is null ? null : 31.0, null, 0,
            null, null, null, null, null, cue is null ? null : 42.25);

    private static LickRow Lick(ulong at, int trial, double position) => new(at, (long)at * 1000, trial, position, 3.5);

    private static TaskSessionTables Sample(BehaviourMetrics metrics) => new(
        new TaskSessionInfo("supervised", "supervised", "m01", new DateOnly(2026, 11, 24), 1, BehaviourMetricsCalculator.Passive,
            1000, 60, 40, 20, metrics),
        [Trial(0, "leaf1", true, 1_000_000, cue: 2_000_000, reward: 3_000_000), Trial(1, "circle1", false, 7_000_000, complete: false)],
        [Lick(1_500_000, 0, 7.25), Lick(900_000, -1, double.NaN)],
        [new FramePositionRow(0, 1_000_000, 5, 0, "leaf1", 0.0, 12.5), new FramePositionRow(1, 1_033_333, null, -1, "", double.NaN, 0)]);

    [Fact]
    public void Tables_written_to_a_folder_read_back_field_for_field()
    {
        using var dir = new TempDirectory();
        var shape = Sample(BehaviourMetricsCalculator.Compute([], [], BehaviourMetricsCalculator.Passive, 1000, 5.0));
        var metrics = BehaviourMetricsCalculator.Compute(shape.Trials, shape.Licks, BehaviourMetricsCalculator.Passive, 1000, 5.0);
        var tables = Sample(metrics);
        tables.Write(dir.Path);

        var read = TaskSessionTables.Read(dir.Path);
        Assert.Equal(tables.Trials, read.Trials);
        Assert.Equal(tables.Frames[0], read.Frames[0]);
        Assert.Equal(-1, read.Frames[1].Trial);
        Assert.True(double.IsNaN(read.Frames[1].PositionDm));
        Assert.Equal(tables.Licks[0], read.Licks[0]);
        Assert.True(double.IsNaN(read.Licks[1].PositionDm));
        Assert.Equal(tables.Info.Mouse, read.Info.Mouse);
        Assert.Equal(tables.Info.SessionDate, read.Info.SessionDate);
        Assert.Equal(metrics.Rewards, read.Info.Metrics.Rewards);
        Assert.Equal(metrics.Corridors, read.Info.Metrics.Corridors, (a, b) => a.Wall == b.Wall && a.Trials == b.Trials
            && a.CompletedTrials == b.CompletedTrials && a.AnticipatoryLickFraction.Equals(b.AnticipatoryLickFraction));
    }

    [Fact]
    public void Tables_are_never_written_over_an_earlier_set()
    {
        using var dir = new TempDirectory();
        var tables = Sample(BehaviourMetricsCalculator.Compute([], [], BehaviourMetricsCalculator.Passive, 1000, 5.0));
        tables.Write(dir.Path);
        string before = File.ReadAllText(dir.Combine(TaskSessionTables.TrialsFile));

        Assert.Throws<IOException>(() => tables.Write(dir.Path));
        Assert.Equal(before, File.ReadAllText(dir.Combine(TaskSessionTables.TrialsFile)));
    }

    [Fact]
    public void A_malformed_cell_is_reported_with_its_file_line_and_column()
    {
        using var dir = new TempDirectory();
        Sample(BehaviourMetricsCalculator.Compute([], [], BehaviourMetricsCalculator.Passive, 1000, 5.0)).Write(dir.Path);
        string path = dir.Combine(TaskSessionTables.LicksFile);
        var lines = File.ReadAllLines(path);
        lines[2] = lines[2].Replace("-1", "minus one", StringComparison.Ordinal);
        File.WriteAllLines(path, lines);

        var error = Assert.Throws<InvalidDataException>(() => TaskSessionTables.Read(dir.Path));
        Assert.Contains("licks.csv:3", error.Message, StringComparison.Ordinal);
        Assert.Contains("'trial'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_folder_without_task_tables_says_the_session_had_no_protocol()
    {
        using var dir = new TempDirectory();
        var error = Assert.Throws<FileNotFoundException>(() => TaskSessionTables.Read(dir.Path));
        Assert.Contains("task.json", error.Message, StringComparison.Ordinal);
    }
}

public sealed class BehaviourMetricsCalculatorTests
{
    private static TrialRow Trial(int index, string wall, bool rewarded, ulong start, ulong? cue, ulong? reward, bool complete = true) =>
        new(index, wall, rewarded, false, start, complete ? start + 4_000_000 : null, complete ? start + 6_000_000 : null,
            cue, null, reward, null, null, 0, null, null, null, null, null, null);

    [Fact]
    public void Passive_anticipation_ends_at_cue_plus_delay_so_a_lick_after_it_does_not_count()
    {
        // Cue at +1 s, delay 1000 ms: the window is [start, start + 2 s).
        var trials = new List<TrialRow> { Trial(0, "leaf1", true, 0, 1_000_000, 2_000_000), Trial(1, "leaf1", true, 10_000_000, 11_000_000, 12_000_000) };
        var licks = new List<LickRow>
        {
            new(1_999_999, null, 0, 10, null), // inside trial 0's window
            new(12_000_000, null, 1, 25, null), // trial 1: exactly at the window's end, so not anticipatory
        };

        var m = BehaviourMetricsCalculator.Compute(trials, licks, BehaviourMetricsCalculator.Passive, 1000, 4.0);
        var leaf = Assert.Single(m.Corridors);
        Assert.Equal(0.5, leaf.AnticipatoryLickFraction);
        Assert.Equal(0.5, leaf.RewardZoneLickFraction); // trial 1's lick at 25 dm is in 20-40 dm
        Assert.Equal(2, m.Rewards);
        Assert.Equal(8.0, m.WaterMicroliters);
    }

    [Fact]
    public void Active_anticipation_runs_to_the_grey_space_and_discrimination_is_rewarded_minus_unrewarded()
    {
        var trials = new List<TrialRow>
        {
            Trial(0, "leaf1", true, 0, 1_000_000, null),
            Trial(1, "circle1", false, 10_000_000, 11_000_000, null),
            Trial(2, "circle1", false, 20_000_000, 21_000_000, null),
            Trial(3, "circle1", false, 30_000_000, null, null, complete: false),
        };
        var licks = new List<LickRow>
        {
            new(3_900_000, null, 0, 30, null), // before grey (start + 4 s): anticipatory, and in the zone
            new(15_000_000, null, 1, 45, null), // trial 1 in the grey space: neither
            new(31_000_000, null, 3, 25, null), // incomplete trial: not counted
        };

        var m = BehaviourMetricsCalculator.Compute(trials, licks, BehaviourMetricsCalculator.ActiveAfterCue, 0, 4.0);
        Assert.Equal(["circle1", "leaf1"], m.Corridors.Select(c => c.Wall));
        Assert.Equal(1.0, m.Corridors[1].AnticipatoryLickFraction);
        Assert.Equal(0.0, m.Corridors[0].AnticipatoryLickFraction);
        Assert.Equal(3, m.Corridors[0].Trials);
        Assert.Equal(2, m.Corridors[0].CompletedTrials);
        Assert.Equal(1.0, m.Discrimination);
        Assert.True(double.IsNaN(m.MeanRunningSpeedCmPerSecond));
    }

    [Fact]
    public void An_unknown_reward_mode_is_refused_by_name()
    {
        var error = Assert.Throws<ArgumentException>(() => BehaviourMetricsCalculator.Compute([], [], "Active", 0, 1));
        Assert.Contains("'Active'", error.Message, StringComparison.Ordinal);
    }
}
