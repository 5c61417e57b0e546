using System;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging.Abstractions;
using Rig.Recording.Bridge;
using Rig.Analysis.Derivation;
using Rig.Recording.Sessions;
using Rig.Experiment.Tasks;
using Rig.TestSupport;
using Rig.VirtualRig;
using Rig.VirtualRig.Models;
using Xunit;

namespace Rig.Integration.Tests.Tasks;

public sealed class TaskSessionTests
{
    public static TheoryData<string> ShippedProtocols() =>
    [
        "supervised-leaf1-circle1", "supervised-passive-day1", "unsupervised-exposure", "grating-control", "probe-test",
        "fine-discrimination-leaf1-leaf2", "reward-zone-behaviour", "pretraining-unrewarded",
    ];

    internal static Task<TaskSessionOutcome> RunAsync(string protocolName, TempDirectory dir, double minutes, int seed = 3) =>
        RunAsync(ProtocolLoader.Load(RepositoryRoot.Combine("protocols", protocolName + ".json")), dir, minutes, seed);

    private static async Task<TaskSessionOutcome> RunAsync(TaskProtocol protocol, TempDirectory dir, double minutes, int seed = 3,
        HostStalls? stalls = null)
    {
        var links = new InMemoryBroker().CreateLinkFactory();
        return await VirtualTaskSession.RunAsync(links,
            new VirtualRigOptions { RigId = "task", Seed = seed, Speed = 0, Mouse = VirtualTaskSession.TaskMouse }, new BridgeOptions(),
            dir.Combine("session"), TimeSpan.FromMinutes(minutes), new SessionStartInfo("inmemory", "tests"), TimeProvider.System,
            NullLogger.Instance, new TaskSessionSettings(protocol, "m1", new DateOnly(2025, 1, 6), 1, new MouseLearningState { Mouse = "m1" },
                new LearningOptions(), Stalls: stalls), null, TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task The_priming_pulses_lick_bout_ends_before_the_task_starts_after_the_first_frame_and_nothing_of_it_lands_in_a_trial()
    {
        using var dir = new TempDirectory();
        var outcome = await RunAsync("supervised-leaf1-circle1", dir, 1);
        var priming = outcome.Recording.Priming;
        Assert.NotNull(priming);
        // The mouse answered the 40 ms pulse with licks (so there was a bout to keep out), and it ended by itself.
        Assert.True(priming.PrimingLicks >= 2, $"{priming.PrimingLicks} priming licks");
        Assert.False(priming.BoutTimedOut);
        Assert.True(priming.FramesBeforeStart >= 1);

        var derived = outcome.Recording.Derived;
        var licks = derived.Alignment.Events.Where(e => e.Kind == Rig.Protocol.EventKind.Lick && e.Value == 1).ToList();
        var beforeTask = licks.Where(l => l.DeviceMicros < priming.TaskStartDeviceMicros).ToList();
        Assert.True(beforeTask.Count >= 2, $"{beforeTask.Count} recorded lick onsets before the task");
        // No trial starts before the task, so none holds a priming lick; and imaging had started.
        Assert.True(outcome.Tables.Trials[0].StartDeviceMicros >= priming.TaskStartDeviceMicros);
        Assert.All(outcome.Tables.Licks, l => Assert.True(l.DeviceMicros >= priming.TaskStartDeviceMicros, $"lick at {l.DeviceMicros} µs"));
        Assert.True(derived.Alignment.Frames[0].DeviceMicros <= outcome.Tables.Trials[0].StartDeviceMicros);

        using var summary = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(outcome.Recording.Session.Folder, "summary.json")));
        var section = summary.RootElement.GetProperty("sections").GetProperty("priming");
        Assert.Equal(priming.PrimingLicks, section.GetProperty("licks_before_task").GetInt64());
        Assert.Equal(40_000, section.GetProperty("pulse_us").GetInt32());
    }

    [Fact]
    public async Task A_task_session_is_the_same_for_a_seed_however_long_the_real_time_start_up_took()
    {
        // The start-up exchange (ping, test pulse, arm, disarm) runs in real time; a loaded host makes it take longer in
        // simulated time. Here every command of the second run waits 250 ms before it is published.
        var protocol = ProtocolLoader.Load(RepositoryRoot.Combine("protocols", "supervised-leaf1-circle1.json"));
        using var dir = new TempDirectory();
        var slow = new SlowPublishLinkFactory(new InMemoryBroker().CreateLinkFactory(), topic => topic.EndsWith("/cmd", StringComparison.Ordinal),
            TimeSpan.FromMilliseconds(250));
        Task<TaskSessionOutcome> Run(Rig.Recording.Link.ILinkFactory links, string name) =>
            VirtualTaskSession.RunAsync(links, new VirtualRigOptions { RigId = "task", Seed = 3, Speed = 0, Mouse = VirtualTaskSession.TaskMouse },
                new BridgeOptions(), dir.Combine(name), TimeSpan.FromMinutes(1.5), new SessionStartInfo("inmemory", "tests"), TimeProvider.System,
                NullLogger.Instance, new TaskSessionSettings(protocol, "m1", new DateOnly(2025, 1, 6), 1, new MouseLearningState { Mouse = "m1" },
                    new LearningOptions()), null, TestContext.Current.CancellationToken);
        var quick = await Run(new InMemoryBroker().CreateLinkFactory(), "quick");
        var delayed = await Run(slow, "delayed");

        Assert.True(slow.Delayed >= 4, $"{slow.Delayed} commands delayed");
        ulong quickStart = quick.Tables.Trials[0].StartDeviceMicros, delayedStart = delayed.Tables.Trials[0].StartDeviceMicros;
        // The ping and the priming pulse were each held 250 ms: the pulse came at least half a second later in device time.
        Assert.True(delayed.Recording.Pulse.DeviceMicros >= quick.Recording.Pulse.DeviceMicros + 500_000,
            $"the delayed pulse at {delayed.Recording.Pulse.DeviceMicros} µs, the quick one at {quick.Recording.Pulse.DeviceMicros} µs");
        Assert.True(quick.Tables.Trials.Count >= 3 && quick.Tables.Licks.Count >= 3, $"{quick.Tables.Trials.Count} trials, {quick.Tables.Licks.Count} licks");

        // Every trial and lick is the same, in device time from the first trial's start.
        static long? Rel(ulong? micros, ulong start) => micros is null ? null : (long)(micros.Value - start);
        Assert.Equal(quick.Tables.Trials.Count, delayed.Tables.Trials.Count);
        foreach (var (a, b) in quick.Tables.Trials.Zip(delayed.Tables.Trials))
        {
            Assert.Equal((a.Wall, a.Rewarded, a.Probe, a.Licks), (b.Wall, b.Rewarded, b.Probe, b.Licks));
            Assert.Equal(
                new[] { Rel(a.StartDeviceMicros, quickStart), Rel(a.GrayDeviceMicros, quickStart), Rel(a.EndDeviceMicros, quickStart),
                    Rel(a.CueDeviceMicros, quickStart), Rel(a.RewardDeviceMicros, quickStart) },
                new[] { Rel(b.StartDeviceMicros, delayedStart), Rel(b.GrayDeviceMicros, delayedStart), Rel(b.EndDeviceMicros, delayedStart),
                    Rel(b.CueDeviceMicros, delayedStart), Rel(b.RewardDeviceMicros, delayedStart) });
            Assert.Equal(a.CuePositionDm ?? -1, b.CuePositionDm ?? -1, 9);
            Assert.Equal(a.RewardPositionDm ?? -1, b.RewardPositionDm ?? -1, 9);
        }

        var quickLicks = quick.Tables.Licks.Where(l => l.DeviceMicros >= quickStart).ToList();
        var delayedLicks = delayed.Tables.Licks.Where(l => l.DeviceMicros >= delayedStart).ToList();
        Assert.Equal(quickLicks.Select(l => (Rel(l.DeviceMicros, quickStart), l.Trial)), delayedLicks.Select(l => (Rel(l.DeviceMicros, delayedStart), l.Trial)));
    }

    /// <summary>One encoder sample's travel at the run-gated corridor's full speed: 60 cm/s × 1 ms, dm.</summary>
    private const double SampleTravelDm = 0.006;

    [Fact]
    public async Task With_the_host_stalled_a_second_in_every_ten_every_cue_and_zone_of_a_virtual_session_is_within_one_sample_of_its_plan()
    {
        // The cue-position benchmark in small (bench/Rig.Bench cue-position): the reward-zone task with the supervised cue.
        var zone = ProtocolLoader.Load(RepositoryRoot.Combine("protocols", "reward-zone-behaviour.json"));
        var protocol = zone with { Cue = ProtocolLoader.Load(RepositoryRoot.Combine("protocols", "supervised-leaf1-circle1.json")).Cue };
        using var dir = new TempDirectory();
        var outcome = await RunAsync(protocol, dir, 2, stalls: new HostStalls(10_000_000, 1_000_000, 10_000_000));
        Assert.True(outcome.Recording.Complete);
        Assert.Empty(outcome.LiveDifferences);
        Assert.True(outcome.Recording.Task!.HostStallHeldBatches > 0, "no batch waited for a stall");
        var p = outcome.Tables.Positions!;
        Assert.Equal("device", p.TriggerPath);
        Assert.True(p.Cues >= 5 && p.ZoneEntries >= 1, $"{p.Cues} cues, {p.ZoneEntries} zones");
        Assert.All(p.CueErrorsDm.Concat(p.ZoneErrorsDm), e => Assert.InRange(e, 0, SampleTravelDm + 1e-6));

        // summary.json reports the same numbers.
        using var summary = System.Text.Json.JsonDocument.Parse(File.ReadAllBytes(Path.Combine(outcome.Recording.Session.Folder, "summary.json")));
        var section = summary.RootElement.GetProperty("sections").GetProperty(TaskPositionReport.Section);
        Assert.Equal(p.Cues, section.GetProperty("cues").GetInt32());
        Assert.Equal(p.CueMaxDm!.Value, section.GetProperty("cue_max_dm").GetDouble(), 12);
    }

    [Theory]
    [MemberData(nameof(ShippedProtocols))]
    public async Task Each_shipped_protocol_runs_a_session_whose_task_table_rebuilt_from_the_journal_equals_the_live_one(string name)
    {
        using var dir = new TempDirectory();
        var outcome = await RunAsync(name, dir, 1.5);
        Assert.True(outcome.Recording.Complete);
        Assert.Empty(outcome.LiveDifferences);
        var tables = outcome.Tables;
        Assert.True(tables.Trials.Count >= 3, $"{tables.Trials.Count} trials");
        Assert.Equal(name, tables.Info.Protocol);

        // The tables are in derived/ and read back the same.
        var read = TaskSessionTables.Read(Path.Combine(outcome.Recording.Session.Folder, "derived"));
        Assert.Equal(tables.Trials.Count, read.Trials.Count);
        Assert.Equal(tables.Licks.Count, read.Licks.Count);

        var protocol = ProtocolLoader.Load(RepositoryRoot.Combine("protocols", name + ".json"));
        Assert.All(tables.Trials, t => Assert.Contains(t.Wall, protocol.Corridors.Select(c => c.Wall).Concat(protocol.Probes)));
        foreach (var t in tables.Trials.Where(t => t.EndDeviceMicros is not null))
        {
            Assert.True(t.StartDeviceMicros < t.GrayDeviceMicros && t.GrayDeviceMicros < t.EndDeviceMicros);
            if (protocol.Cue is not null)
            {
                // The device played the cue at its planned position (position triggers: within one sample's travel).
                Assert.NotNull(t.CuePositionDm);
                Assert.InRange(t.CuePositionDm!.Value, protocol.Cue.PositionDm.Min, protocol.Cue.PositionDm.Max + SampleTravelDm);
            }
            else
            {
                Assert.Null(t.CueDeviceMicros);
            }

            if (!t.Rewarded)
            {
                Assert.Null(t.RewardDeviceMicros);
            }
        }

        if (!protocol.GivesWater)
        {
            Assert.Equal(0, tables.Info.Metrics.Rewards);
        }

        if (tables.Positions is { Cues: > 0 } positions)
        {
            Assert.InRange(positions.CueMaxDm!.Value, 0, SampleTravelDm + 1e-6);
        }

        if (protocol.Reward.Mode == BehaviourMetricsCalculator.Passive)
        {
            // Passive: every completed rewarded trial gets water, the delay after the cue the device played.
            foreach (var t in tables.Trials.Where(t => t.Rewarded && t.EndDeviceMicros is not null))
            {
                Assert.NotNull(t.RewardDeviceMicros);
                Assert.InRange((long)(t.RewardDeviceMicros!.Value - t.CueDeviceMicros!.Value), 1_000_000, 1_030_000);
            }
        }

        // Every task command was journaled and acknowledged by the device.
        Assert.True(outcome.Recording.Session.Counts.AckResults.Sum(r => r.Value) >= outcome.Recording.Task!.CommandsDelivered);
    }

    [Fact]
    public async Task Rebuilding_the_task_table_offline_twice_gives_the_same_files()
    {
        using var dir = new TempDirectory();
        var outcome = await RunAsync("reward-zone-behaviour", dir, 1);
        var again = SessionDerivation.Compute(SessionFolder.Open(outcome.Recording.Session.Folder), new SessionSubject("m1", new DateOnly(2025, 1, 6), 1)).Task!;
        again.Write(dir.Combine("again"));
        foreach (string file in new[] { TaskSessionTables.TrialsFile, TaskSessionTables.LicksFile, TaskSessionTables.FramesFile })
        {
            Assert.Equal(File.ReadAllText(Path.Combine(outcome.Recording.Session.Folder, "derived", file)), File.ReadAllText(dir.Combine("again", file)));
        }
    }

    [Fact]
    public async Task A_simulated_cohort_learns_in_supervised_training_and_not_in_unsupervised_exposure()
    {
        using var dir = new TempDirectory();
        var links = new InMemoryBroker().CreateLinkFactory();
        var days = await VirtualCohort.RunAsync(links, dir.Path, new CohortOptions
        {
            Days = 3,
            MinutesPerSession = 4,
            Seed = 2,
            Groups = [new("supervised", null, "supervised-leaf1-circle1", "supervised-passive-day1"), new("unsupervised", null, "unsupervised-exposure")],
        }, name => ProtocolLoader.Load(RepositoryRoot.Combine("protocols", name + ".json")), TimeProvider.System, NullLogger.Instance, null,
            TestContext.Current.CancellationToken);

        var supervised = days.Where(d => d.Group == "supervised").ToList();
        var unsupervised = days.Where(d => d.Group == "unsupervised").ToList();
        Assert.Equal(3, supervised.Count);
        Assert.True(supervised[^1].RewardedAnticipatory >= 0.8, $"supervised last day {supervised[^1].RewardedAnticipatory}");
        Assert.True(supervised[^1].Discrimination >= 0.5, $"supervised discrimination {supervised[^1].Discrimination}");
        Assert.All(unsupervised, d => Assert.Equal(0, d.Rewards));
        Assert.True(unsupervised[^1].Discrimination < 0.3, $"unsupervised discrimination {unsupervised[^1].Discrimination}");
        Assert.True(unsupervised[^1].RewardedAnticipatory < supervised[^1].RewardedAnticipatory - 0.3);

        // The learning state persisted per mouse.
        var state = LearningState(dir, "supervised", 2);
        Assert.Equal(3, state.Sessions);
        Assert.True(state.Association["leaf1"] > 0.2);
        var exposed = LearningState(dir, "unsupervised", 2);
        Assert.False(exposed.Association.ContainsKey("leaf1"));
        Assert.True(exposed.Familiarity["leaf1"] > 0.2);
    }

    [Fact]
    public async Task Unrewarded_pretraining_on_the_same_textures_makes_the_reward_zone_task_learned_faster()
    {
        using var dir = new TempDirectory();
        var links = new InMemoryBroker().CreateLinkFactory();
        var days = await VirtualCohort.RunAsync(links, dir.Path, new CohortOptions
        {
            // Three training days: with two, a pretrained mouse whose first reward-zone days earned nothing (seen about one run
            // in four: its zone licks are spontaneous until the first reward) left nothing to compare.
            Days = 3,
            PretrainingDays = 3,
            MinutesPerSession = 5, // about 25 trials a day: with fewer, one session's draws can outweigh the effect
            Seed = 3,
            Groups = [new("naive", null, "reward-zone-behaviour"), new("pretrained", "pretraining-unrewarded", "reward-zone-behaviour")],
        }, name => ProtocolLoader.Load(RepositoryRoot.Combine("protocols", name + ".json")), TimeProvider.System, NullLogger.Instance, null,
            TestContext.Current.CancellationToken);

        var naive = days.Where(d => d.Group == "naive").ToList();
        var pretrained = days.Where(d => d.Group == "pretrained").ToList();
        Assert.Equal(3, naive.Count);
        Assert.Equal(6, pretrained.Count);
        Assert.All(pretrained.Take(3), d => Assert.True(d.Pretraining && d.Rewards == 0));

        // Same task, same number of training days: the pretrained mouse learns more from each reward (its familiarity with
        // the textures multiplies the association step). Behaviour is not compared here: in the reward-zone task a naive
        // mouse's spontaneous licks in the zone earn water too, and the anticipation measure (a lick anywhere before the
        // grey space) saturates within a day or two, so two short sessions decide it mostly by chance; the multi-day
        // cohort (`rig cohort`, docs/task.md) shows the behavioural curves.
        var trained = pretrained.Skip(3).ToList();
        int naiveRewards = naive.Sum(d => d.Rewards), trainedRewards = trained.Sum(d => d.Rewards);
        Assert.True(naiveRewards > 0 && trainedRewards > 0, $"rewards pretrained {trainedRewards}, naive {naiveRewards}: nothing to learn from");
        var naiveState = LearningState(dir, "naive", 3);
        var trainedState = LearningState(dir, "pretrained", 3);

        // Association after n rewards of step s is 1 - (1 - s)^n, so the mean step per reward is recovered from the state.
        static double StepPerReward(double association, int rewards) => 1 - Math.Pow(1 - association, 1.0 / rewards);
        double naiveStep = StepPerReward(naiveState.Association["leaf1"], naiveRewards);
        double trainedStep = StepPerReward(trainedState.Association["leaf1"], trainedRewards);
        Assert.True(trainedStep > 1.25 * naiveStep, $"association per reward: pretrained {trainedStep:0.000}, naive {naiveStep:0.000}");
    }

    /// <summary>The learning state a cohort kept for the first mouse of <paramref name="group"/>, in its learning folder.</summary>
    private static MouseLearningState LearningState(TempDirectory dir, string group, int seed)
    {
        string mouse = VirtualCohort.MouseName(group, seed, 0);
        string path = dir.Combine(VirtualCohort.LearningFolder, mouse + ".learning.json");
        Assert.True(File.Exists(path), path + " is missing");
        return MouseLearningState.LoadOrNew(path, mouse);
    }
}
