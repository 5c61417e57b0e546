using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;
using Rig.Experiment.Alignment;
using Rig.Recording.Bridge;
using Rig.Recording.Calibration;
using Rig.Recording.Decoding;
using Rig.Recording.Link;
using Rig.Recording.Sessions;
using Rig.Experiment.Tasks;
using Rig.Experiment.Vr;
using Rig.VirtualRig.Models;

namespace Rig.VirtualRig;

/// <summary>A virtual session that ran a protocol: the recording, its derived tables and the task tables rebuilt from the journal.</summary>
/// <param name="LiveDifferences">How the live engine's table differed from the one rebuilt from the journal (empty: the same).</param>
public sealed record TaskSessionOutcome(VirtualSessionResult Recording, AlignmentSummary Aligned, TaskSessionTables Tables,
    IReadOnlyList<string> LiveDifferences, MouseLearningState Learned, int MouseRewards);

/// <summary>What a task session needs beyond a plain virtual session.</summary>
/// <param name="Reward">One reward's open time (from the valve's curve, or uncalibrated), recorded in session.json and the plan
/// marker; null: the protocol's valve_open_ms and no dose recorded (the cohort and tests that do not dose).</param>
/// <param name="Triggers">Who decides cue and zone positions: the device (default) or the engine (the baseline).</param>
/// <param name="Stalls">Host stalls to inject into the engine (the cue-position benchmark); null: none.</param>
/// <param name="Watch">Called at each progress report (every 0.25 s wall) with the recorder's counts and the live task tables
/// (rebuilt at trial ends; null before the first), off the recorder's thread: the web console's feed. Null: none.</param>
public sealed record TaskSessionSettings(TaskProtocol Protocol, string Mouse, DateOnly SessionDate, int Block, MouseLearningState Learned,
    LearningOptions Learning, IVrSceneSink? Renderer = null, RewardDose? Reward = null, TriggerPath Triggers = TriggerPath.Device,
    HostStalls? Stalls = null, Action<SessionCounts, TaskSessionTables?>? Watch = null);

/// <summary>
/// Runs a protocol on a virtual rig end to end (`rig demo --protocol`, `rig cohort`, the integration tests): records the
/// session with the engine in lockstep and a mouse that learns, writes derived/ (alignment, then the task tables
/// rebuilt from the journal alone) and checks the rebuilt table against the live one.
/// </summary>
public static class VirtualTaskSession
{
    /// <summary>A mouse used to the rig licks rarely on its own (one bout every ~30 s), so anticipation stands out.</summary>
    public static MouseOptions TaskMouse { get; } = new() { LickBoutsPerSecond = 0.03 };

    public static async Task<TaskSessionOutcome> RunAsync(ILinkFactory links, VirtualRigOptions rigOptions, BridgeOptions bridgeOptions,
        string folder, TimeSpan duration, SessionStartInfo info, TimeProvider time, ILogger logger, TaskSessionSettings task,
        Action<VirtualRigProgress, SessionCounts, BehaviourMetrics?>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(task);
        var protocol = task.Protocol;
        var limit = TimeSpan.FromMinutes(protocol.MaxMinutes);
        var mouse = new LearningMouse(task.Learned, task.Learning);
        LockstepTaskDriver? driver = null;
        var result = await VirtualSession.RecordAsync(links, links, rigOptions, bridgeOptions, folder, duration < limit ? duration : limit,
            info with
            {
                TaskProtocol = $"{protocol.Name} (sha256 {protocol.Sha256})",
                // The facts a caller gave for this mouse (the subject registry's) are kept; mouse, day and block are the task's.
                Subject = info.Subject is { } given && given.Mouse == task.Mouse
                    ? given with { SessionDate = task.SessionDate, Block = task.Block }
                    : new SessionSubject(task.Mouse, task.SessionDate, task.Block),
                RewardDoses = task.Reward is null ? info.RewardDoses : [task.Reward],
            }, time, logger,
            progress is null && task.Watch is null ? null : (p, counts) =>
            {
                var live = Volatile.Read(ref driver);
                progress?.Invoke(p, counts, live?.LiveMetrics);
                task.Watch?.Invoke(counts, live?.LiveTables);
            },
            cancellationToken, new VirtualTask(protocol, mouse, task.Renderer, Reward: task.Reward, Triggers: task.Triggers, Stalls: task.Stalls), d => Volatile.Write(ref driver, d));

        var derived = result.Derived;
        var aligned = derived.Alignment.Summary;
        var tables = derived.Task ?? throw new InvalidOperationException($"{result.Session.Folder}: the journal holds no task plan");
        var live = result.Task!.Engine.Tables.Build(task.Mouse, task.SessionDate, task.Block);
        return new TaskSessionOutcome(result, aligned, tables, TaskTableComparison.Differences(live, tables), mouse.State, mouse.Rewards);
    }
}
