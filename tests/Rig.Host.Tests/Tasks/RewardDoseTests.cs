using System;
using System.Collections.Generic;
using System.Linq;
using Rig.Experiment.Tasks;
using Rig.Protocol;
using Rig.Recording.Calibration;
using Rig.TestSupport;
using Xunit;

namespace Rig.Host.Tests.Tasks;

/// <summary>A protocol's volume_ul becomes the valve time through the valve's calibration curve; the session records which.</summary>
public sealed class RewardDoseTests
{
    // 10 counts per cm and proportional gain 0.1 dm/cm: 100 counts = 1 dm.
    private const double CountsPerCm = 10;

    // V = -1 + 0.0002·t µL per pulse over 10–60 ms: 1 µL at 10 ms, 11 µL at 60 ms, 3 µL at exactly 20 ms.
    private static readonly CalibrationFit Curve = new(CurveModel.Linear, [-1.0, 0.0002], 1, 0, [], 10_000, 60_000);

    private sealed class ListJournal : ITaskJournal
    {
        public List<TaskMarker> Markers { get; } = [];

        public void Mark(TaskMarker marker) => Markers.Add(marker);
    }

    [Fact]
    public void A_volume_becomes_the_open_time_the_valves_curve_gives_for_it()
    {
        var dose = RewardDose.FromCurve(Curve, 0, 3.0);
        Assert.Equal(20_000u, dose.ValveOpenMicros);
        Assert.True(dose.Calibrated);
        Assert.Equal(3.0, dose.VolumeMicrolitres);

        // A curved model too: the time whose volume by the curve is the one asked for, to the µs.
        var quadratic = new CalibrationFit(CurveModel.MonotoneQuadratic, [-0.5, 0.0001, 1e-9], 1, 0, [], 10_000, 100_000);
        var dosed = RewardDose.FromCurve(quadratic, 0, 5.0);
        Assert.InRange(quadratic.Evaluate(dosed.ValveOpenMicros), 5.0 - 0.001, 5.0 + 0.001);
    }

    [Theory]
    [InlineData(12.0)]
    [InlineData(0.5)]
    public void A_volume_outside_the_calibrated_range_is_refused_naming_the_volume_and_the_range(double microlitres)
    {
        var e = Assert.Throws<RewardCalibrationException>(() => RewardDose.FromCurve(Curve, 0, microlitres));
        Assert.Contains($"{microlitres.ToString(System.Globalization.CultureInfo.InvariantCulture)} µL", e.Message, StringComparison.Ordinal);
        Assert.Contains("1–11 µL", e.Message, StringComparison.Ordinal);
        Assert.Contains("10000–60000 µs", e.Message, StringComparison.Ordinal);
        Assert.Contains("valve 0", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_uncalibrated_dose_is_the_protocols_valve_time_and_says_it_is_uncalibrated()
    {
        var dose = RewardDose.Uncalibrated(0, 2.5, 40);
        Assert.Equal(40_000u, dose.ValveOpenMicros);
        Assert.False(dose.Calibrated);
        Assert.Contains("UNCALIBRATED", dose.Describe(), StringComparison.Ordinal);
    }

    [Fact]
    public void The_engine_arms_rewards_for_the_dosed_time_and_the_tables_give_the_microlitres_of_each_reward()
    {
        var protocol = Protocol();
        var dose = RewardDose.FromCurve(Curve, 0, protocol.Reward.VolumeMicroliters);
        Assert.NotEqual((uint)(protocol.Reward.ValveOpenMs * 1000), dose.ValveOpenMicros);
        var (journal, arms, tables) = RunToTheFirstReward(protocol, dose);

        Assert.All(arms, a => Assert.Equal(dose.ValveOpenMicros, a.DurationMicros));
        Assert.Equal(dose, journal.Markers.Single(m => m.Event == TaskMarker.Plan).Reward);
        var rewarded = Assert.Single(tables.Trials, t => t.RewardDeviceMicros is not null);
        Assert.Equal(protocol.Reward.VolumeMicroliters, rewarded.RewardMicrolitres);
        Assert.All(tables.Trials.Where(t => t.RewardDeviceMicros is null), t => Assert.Null(t.RewardMicrolitres));
        Assert.Equal(protocol.Reward.VolumeMicroliters, tables.Info.Metrics.WaterMicroliters);
        Assert.Equal(dose, tables.Info.RewardDose);
    }

    [Fact]
    public void Uncalibrated_rewards_use_the_protocols_time_and_their_microlitres_are_unknown_in_the_tables()
    {
        var protocol = Protocol();
        var dose = RewardDose.Uncalibrated(0, protocol.Reward.VolumeMicroliters, protocol.Reward.ValveOpenMs);
        var (_, arms, tables) = RunToTheFirstReward(protocol, dose);

        Assert.All(arms, a => Assert.Equal(40_000u, a.DurationMicros));
        Assert.Null(Assert.Single(tables.Trials, t => t.RewardDeviceMicros is not null).RewardMicrolitres);
        Assert.Equal(1, tables.Info.Metrics.Rewards);
        Assert.True(double.IsNaN(tables.Info.Metrics.WaterMicroliters));
        Assert.False(tables.Info.RewardDose!.Calibrated);
    }

    private static TaskProtocol Protocol() =>
        ProtocolLoader.Load(RepositoryRoot.Combine("protocols", "supervised-leaf1-circle1.json")) with
        {
            Movement = new MovementSpec(MovementMode.Proportional, 0.1, 0, 0),
        };

    /// <summary>Runs the corridor until the device has opened the valve once for an armed reward, and builds the live tables.</summary>
    private static (ListJournal Journal, List<Command> Arms, TaskSessionTables Tables) RunToTheFirstReward(TaskProtocol protocol, RewardDose dose)
    {
        var journal = new ListJournal();
        var engine = new TaskEngine(protocol, CountsPerCm, journal, reward: dose, triggers: TriggerPath.Host);
        engine.Start(0);
        var arms = new List<Command>();
        ulong t = 0;
        double dm = 0;
        bool delivered = false;
        while (engine.TrialsCompleted < 4)
        {
            engine.OnEvents(1, [new EventRecord(EventKind.Encoder, 0, (long)((dm += 0.5) * 100), t += 1000)]);
            foreach (var c in engine.TakeCommands().Where(c => c.Command.Opcode == CommandOpcode.ArmReward))
            {
                arms.Add(c.Command);
                if (!delivered)
                {
                    // The device opened the valve at the first lick of the armed window.
                    delivered = true;
                    engine.OnEvents(1, [new EventRecord(EventKind.Valve, 0, c.Command.DurationMicros, t += 1000)]);
                }
            }
        }

        engine.Stop(t);
        Assert.True(delivered, "no reward was armed in four trials");
        return (journal, arms, engine.Tables.Build("m1", new DateOnly(2026, 12, 6), 1));
    }
}
