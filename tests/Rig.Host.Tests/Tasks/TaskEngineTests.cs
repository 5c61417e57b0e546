using System.Collections.Generic;
using System.Linq;
using Rig.Experiment.Tasks;
using Rig.Protocol;
using Rig.TestSupport;
using Xunit;

namespace Rig.Host.Tests.Tasks;

public sealed class TaskEngineTests
{
    // 10 counts per cm and proportional gain 0.1 dm/cm: 100 counts = 1 dm, so positions are easy to hand-make.
    private const double CountsPerCm = 10;

    private sealed class ListJournal : ITaskJournal
    {
        public List<TaskMarker> Markers { get; } = [];

        public void Mark(TaskMarker marker) => Markers.Add(marker);
    }

    private static TaskProtocol Protocol(string name, string mode = "proportional") =>
        ProtocolLoader.Load(RepositoryRoot.Combine("protocols", name + ".json")) is var p
            ? p with { Movement = mode == "proportional" ? new MovementSpec(MovementMode.Proportional, 0.1, 0, 0) : p.Movement }
            : null!;

    private static EventRecord Encoder(ulong micros, double dm) => new(EventKind.Encoder, 0, (long)(dm * 100), micros);

    [Fact]
    public void Corridor_model_runs_through_texture_grey_and_into_the_next_trial()
    {
        var model = new CorridorModel(Protocol("supervised-leaf1-circle1"), CountsPerCm, 3);
        model.Start(1000);
        Assert.Equal(new CorridorStep(-1, -1, -1), model.OnEncoder(500, 0));
        Assert.Equal(new CorridorStep(-1, 0, -1), model.OnEncoder(1000, 0));
        model.OnEncoder(2000, 3900);
        Assert.Equal(39, model.PositionDm, 6);
        Assert.False(model.InGray);
        Assert.Equal(new CorridorStep(-1, -1, 0), model.OnEncoder(3000, 4000));
        Assert.True(model.InGray);
        Assert.Equal(new CorridorStep(0, 1, -1), model.OnEncoder(4000, 6050));
        Assert.Equal(0.5, model.PositionDm, 6);
        Assert.Equal(1, model.Trial);
    }

    [Fact]
    public void Run_gated_corridor_moves_at_60_cm_per_second_only_above_6_cm_per_second()
    {
        var protocol = Protocol("supervised-leaf1-circle1", mode: "run_gated");
        var model = new CorridorModel(protocol, CountsPerCm, 10);
        model.Start(0);
        model.OnEncoder(0, 0);

        // 5 cm/s for a second (50 counts per 100 ms... 0.5 count/ms): below the threshold, the corridor stays.
        long count = 0;
        for (ulong t = 1000; t <= 1_000_000; t += 1000)
        {
            count = (long)(t / 1000 * 0.05);
            model.OnEncoder(t, count);
        }

        Assert.Equal(0, model.PositionDm, 6);

        // 20 cm/s for a second: the corridor moves 6 dm (60 cm/s), whatever the wheel speed above the threshold.
        for (ulong t = 1_001_000; t <= 2_000_000; t += 1000)
        {
            count += 2;
            model.OnEncoder(t, count);
        }

        Assert.InRange(model.PositionDm, 5.3, 6.0 + 1e-9);
    }

    [Fact]
    public void Active_after_cue_plays_the_cue_at_its_position_arms_the_reward_and_disarms_at_the_grey_space()
    {
        var protocol = Protocol("supervised-leaf1-circle1");
        var journal = new ListJournal();
        var engine = new TaskEngine(protocol, CountsPerCm, journal, triggers: TriggerPath.Host);
        var plan = TrialPlan.Create(protocol);
        int rewardedTrial = plan.Select((p, i) => (p, i)).First(x => x.p.Rewarded).i;
        engine.Start(0);
        ulong t = 0;
        double dm = 0;

        // Run to the rewarded trial in 0.5 dm steps.
        while (engine.Trial < rewardedTrial || engine.TrialsStarted == 0)
        {
            engine.OnEvents(1, [Encoder(t += 1000, dm += 0.5)]);
        }

        engine.TakeCommands();
        double cue = plan[rewardedTrial].CueDm!.Value;
        double start = dm;
        while (dm - start < cue - 0.6)
        {
            engine.OnEvents(1, [Encoder(t += 1000, dm += 0.5)]);
        }

        Assert.Empty(engine.TakeCommands());
        engine.OnEvents(1, [Encoder(t += 1000, dm += 0.5)]);
        engine.OnEvents(1, [Encoder(t += 1000, dm += 0.5)]);
        var commands = engine.TakeCommands();
        Assert.Equal([CommandOpcode.PlayTone, CommandOpcode.ArmReward], commands.Select(c => c.Command.Opcode));
        Assert.Equal(4000, commands[0].Command.FrequencyHz);
        Assert.Equal(40_000u, commands[1].Command.DurationMicros);
        Assert.True(commands[1].Command.WindowEndMicros > commands[1].Command.WindowStartMicros);

        while (dm - start < 40)
        {
            engine.OnEvents(1, [Encoder(t += 1000, dm += 0.5)]);
        }

        Assert.Equal([CommandOpcode.Disarm], engine.TakeCommands().Select(c => c.Command.Opcode));
        Assert.Contains(journal.Markers, m => m.Event == TaskMarker.Gray && m.Trial == rewardedTrial);
        Assert.Contains(journal.Markers, m => m.Event == TaskMarker.Cue && m.Trial == rewardedTrial);
    }

    [Fact]
    public void Passive_reward_pulses_the_valve_the_delay_after_the_tone_the_device_played()
    {
        var protocol = Protocol("supervised-passive-day1");
        var engine = new TaskEngine(protocol, CountsPerCm, new ListJournal(), triggers: TriggerPath.Host);
        var plan = TrialPlan.Create(protocol);
        Assert.True(plan[0].Rewarded || plan[1].Rewarded);
        engine.Start(0);
        ulong t = 0;
        double dm = 0;
        while (engine.TrialsStarted == 0 || !plan[engine.Trial].Rewarded)
        {
            engine.OnEvents(1, [Encoder(t += 1000, dm += 0.5)]);
        }

        while (!engine.TakeCommands().Any(c => c.Command.Opcode == CommandOpcode.PlayTone))
        {
            engine.OnEvents(1, [Encoder(t += 1000, dm += 0.5)]);
        }

        // The device played the tone 3 ms later than asked; the reward is timed from the tone, not from the command.
        ulong tone = t + 3000;
        engine.OnEvents(1, [new EventRecord(EventKind.Tone, 0, 4000, tone)]);
        engine.Advance(tone + 999_000);
        Assert.Empty(engine.TakeCommands());
        engine.Advance(tone + 1_000_000);
        var pulse = Assert.Single(engine.TakeCommands());
        Assert.Equal(CommandOpcode.PulseValve, pulse.Command.Opcode);
        engine.Advance(tone + 2_000_000);
        Assert.Empty(engine.TakeCommands());
    }

    [Fact]
    public void Reward_zone_arms_inside_the_zone_only_in_the_rewarded_corridor()
    {
        var protocol = Protocol("reward-zone-behaviour");
        var engine = new TaskEngine(protocol, CountsPerCm, new ListJournal(), triggers: TriggerPath.Host);
        var plan = TrialPlan.Create(protocol);
        engine.Start(0);
        ulong t = 0;
        double dm = 0;
        var armedAt = new List<(int Trial, double Zone)>();
        while (engine.TrialsCompleted < 6)
        {
            engine.OnEvents(1, [Encoder(t += 1000, dm += 0.25)]);
            foreach (var c in engine.TakeCommands().Where(c => c.Command.Opcode == CommandOpcode.ArmReward))
            {
                armedAt.Add((c.Trial, dm % 60));
            }
        }

        var rewardedTrials = Enumerable.Range(0, 6).Where(i => plan[i].Rewarded).ToList();
        Assert.Equal(rewardedTrials, armedAt.Select(a => a.Trial));
        foreach (var (trial, position) in armedAt)
        {
            Assert.InRange(position, plan[trial].ZoneStartDm!.Value, plan[trial].ZoneStartDm!.Value + 0.3);
        }
    }

    [Fact]
    public void Tables_rebuilt_from_markers_and_shuffled_events_equal_the_live_ones()
    {
        var protocol = Protocol("supervised-leaf1-circle1");
        var journal = new ListJournal();
        var engine = new TaskEngine(protocol, CountsPerCm, journal, triggers: TriggerPath.Host);
        engine.Start(0);
        var events = new List<EventRecord>();
        ulong t = 0;
        double dm = 0;
        for (int i = 0; i < 2000; i++)
        {
            var batch = new List<EventRecord> { Encoder(t += 1000, dm += 0.2) };
            if (i % 37 == 0)
            {
                batch.Add(new EventRecord(EventKind.Lick, 0, 1, t - 500));
            }

            events.AddRange(batch);
            engine.OnEvents(1, batch.ToArray());
        }

        engine.Stop(t);
        var live = engine.Tables.Build("m", new System.DateOnly(2025, 1, 1), 1);
        var offline = new TaskTableBuilder();
        foreach (var m in journal.Markers)
        {
            offline.OnMarker(TaskMarker.TryParse(m.ToUtf8())!);
        }

        var shuffled = events.OrderBy(e => e.DeviceMicros * 7919 % 1009).ToArray();
        offline.OnEvents(1, shuffled);
        var rebuilt = offline.Build("m", new System.DateOnly(2025, 1, 1), 1);
        Assert.True(live.Trials.Count >= 6);
        Assert.Empty(TaskTableComparison.Differences(live, rebuilt));
        Assert.Equal(live.Info.Metrics.Corridors.Select(c => c.AnticipatoryLickFraction), rebuilt.Info.Metrics.Corridors.Select(c => c.AnticipatoryLickFraction));
    }
}
