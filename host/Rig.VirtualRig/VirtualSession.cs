using System;
using System.Collections.Generic;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;
using Rig.Recording.Bridge;
using Rig.Recording.Decoding;
using Rig.Analysis.Derivation;
using Rig.Recording.Link;
using Rig.Recording.Sessions;
using Rig.Experiment.Tasks;
using Rig.Experiment.Vr;
using Rig.Protocol;
using Rig.VirtualRig.Models;
using Rig.VirtualRig.World;

namespace Rig.VirtualRig;

/// <summary>The outcome of a whole virtual session: what the device did, what the bridge recorded, and what was derived from its journal.</summary>
/// <param name="Derived">The one derivation pass over the journal (its re-decode and the tables written into derived/).</param>
public sealed record VirtualSessionResult(VirtualRigResult Device, SessionResult Session, DerivedSession Derived, Ack Ping, Ack Pulse, Ack Arm)
{
    /// <summary>The journal re-decoded by the derivation pass.</summary>
    public ReplayResult Replay => Derived.Replay;

    /// <summary>The task that ran (with its live tables and metrics), when the session ran a protocol.</summary>
    public LockstepTaskDriver? Task { get; init; }

    /// <summary>How the task started after the priming pulse (null without a task); summary.json section "priming".</summary>
    public TaskStartReport? Priming { get; init; }

    /// <summary>Re-decoding the journal alone gave exactly the live counts.</summary>
    public bool RedecodeMatches =>
        JsonSerializer.Serialize(Replay.Counts) == JsonSerializer.Serialize(Session.Counts);

    /// <summary>Every batch arrived, every event number is accounted for, and the device had everything acknowledged.</summary>
    public bool Complete => Session.Drained && Session.Counts.MissingBatches == 0
        && Session.Counts.UnexplainedMissingEvents == 0 && Device.FullyAcknowledged;
}

/// <summary>A protocol for a virtual session to run, the mouse that learns in it (optional) and a renderer to show it (optional).</summary>
/// <param name="Scene">A renderer's sink (an MQTT sink for a real renderer); the rig's simulated display, when on, is given the scene too.</param>
/// <param name="SceneRate">How often the renderers get a state (the learning mouse gets every one).</param>
/// <param name="Reward">One reward's open time (from the valve's curve, or uncalibrated); null: the protocol's valve_open_ms, no dose recorded.</param>
/// <param name="Triggers">Who decides cue and zone positions: the device (default) or the engine (the baseline).</param>
/// <param name="Stalls">Host stalls to inject into the engine (benchmarks); null: none.</param>
public sealed record VirtualTask(TaskProtocol Protocol, LearningMouse? Mouse = null, IVrSceneSink? Scene = null, SceneRateOptions? SceneRate = null,
    Rig.Recording.Calibration.RewardDose? Reward = null, TriggerPath Triggers = TriggerPath.Device, HostStalls? Stalls = null);

/// <summary>Hands each scene to the learning mouse (every state) and the renderers (at most one state per display frame).</summary>
internal sealed class SceneFanOut : IVrSceneSink, IVrSceneBatchSink
{
    private readonly LearningMouse? _mouse;
    private readonly SceneRateLimiter? _renderers;

    public SceneFanOut(LearningMouse? mouse, IReadOnlyList<IVrSceneSink> renderers, SceneRateOptions rate)
    {
        _mouse = mouse;
        _renderers = renderers.Count switch
        {
            0 => null,
            1 => new SceneRateLimiter(renderers[0], rate),
            _ => new SceneRateLimiter(new SceneTee(renderers), rate),
        };
    }

    public void OnSessionStarted(string sessionId, string protocol)
    {
        _mouse?.OnSessionStarted(sessionId, protocol);
        _renderers?.OnSessionStarted(sessionId, protocol);
    }

    public void OnScene(VrSceneState state)
    {
        _mouse?.OnScene(state);
        _renderers?.OnScene(state);
    }

    public void OnSceneBatchEnd() => _renderers?.OnSceneBatchEnd();

    public void OnSessionStopped(string sessionId)
    {
        _mouse?.OnSessionStopped(sessionId);
        _renderers?.OnSessionStopped(sessionId);
    }

    private sealed class SceneTee(IReadOnlyList<IVrSceneSink> sinks) : IVrSceneSink
    {
        public void OnSessionStarted(string sessionId, string protocol)
        {
            foreach (var sink in sinks)
            {
                sink.OnSessionStarted(sessionId, protocol);
            }
        }

        public void OnScene(VrSceneState state)
        {
            foreach (var sink in sinks)
            {
                sink.OnScene(state);
            }
        }

        public void OnSessionStopped(string sessionId)
        {
            foreach (var sink in sinks)
            {
                sink.OnSessionStopped(sessionId);
            }
        }
    }
}

/// <summary>
/// One session end to end on one machine: a virtual rig and a bridge, each with its own link to the same broker,
/// recording into a new session folder, then the journal re-decoded. `rig demo` and the integration tests run this.
/// </summary>
public static class VirtualSession
{
    public static async Task<VirtualSessionResult> RecordAsync(ILinkFactory deviceLinks, ILinkFactory bridgeLinks,
        VirtualRigOptions rigOptions, BridgeOptions bridgeOptions, string folder, TimeSpan duration, SessionStartInfo info,
        TimeProvider time, ILogger logger, Action<VirtualRigProgress, SessionCounts>? progress, CancellationToken cancellationToken,
        VirtualTask? task = null, Action<LockstepTaskDriver>? taskStarted = null, IEventSink? sink = null)
    {
        if (time is VirtualHostTime host)
        {
            bridgeLinks = host.Inbox.Wrap(bridgeLinks);
        }

        if (rigOptions.Speed == 0 && bridgeOptions.AckInterval > AsFastAsPossibleRound)
        {
            // The bridge's round (acks, resend requests, one clock exchange when due) waits on a wall-clock timer, while
            // virtual time runs about a hundred times faster: at 100 ms a virtual minute had 3-6 clock exchanges, and a
            // one-minute session could end with none usable (no clock map, so no export).
            bridgeOptions = bridgeOptions with { AckInterval = AsFastAsPossibleRound };
        }

        await using var bridgeLink = bridgeLinks.Create(new LinkOptions { ClientId = "bridge-" + rigOptions.RigId });
        await bridgeLink.ConnectAsync(cancellationToken);
        await using var sim = await VirtualRig.ConnectAsync(deviceLinks, rigOptions, cancellationToken);
        if (time is VirtualHostTime virtualHost)
        {
            // The bridge's host clock is the simulation's true timeline (ground truth and journal share it).
            virtualHost.Bind(sim.Clock);
            sim.HoldForHost(virtualHost.Inbox);
        }

        // The device lives in real time while the bridge finds it and exchanges the first commands, so neither waits
        // on a device that is not polling; the session proper then runs at the configured speed.
        SessionRecorder recorder;
        LockstepTaskDriver? driver = null;
        TaskStartReport? priming = null;
        ulong pulseEndMicros = 0;
        long contactsAtPulse = 0;
        Ack ping;
        Ack pulse;
        Ack arm;
        using (var starting = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
        {
            var live = sim.RunUntilCancelledAsync(null, starting.Token, speed: 1);
            try
            {
                recorder = await SessionRecorder.StartAsync(new RecorderSettings(bridgeLink, rigOptions.RigId, folder)
                {
                    Info = info, Options = bridgeOptions, Time = time, Logger = logger, Sink = sink,
                    SummarySections = task is null ? null
                        : () => TaskPositionReport.Merge(TaskPositionReport.SummarySections(Volatile.Read(ref driver)?.Engine), PrimingSection(Volatile.Read(ref priming))),
                }, cancellationToken);
                ping = await recorder.SendCommandAsync(new Command { Opcode = CommandOpcode.Ping }, cancellationToken);

                // One 40 ms water pulse, which the virtual mouse answers with a lick bout: in a task session, the priming,
                // whose bout ends before the task starts (StartAfreshAsync).
                contactsAtPulse = sim.Mouse.Contacts;
                pulse = await recorder.SendCommandAsync(new Command { Opcode = CommandOpcode.PulseValve, DurationMicros = PrimingPulseMicros }, cancellationToken);
                pulseEndMicros = sim.Clock.NowMicros + PrimingPulseMicros;

                // Then an armed reward: the first lick in the next 30 s opens the valve for 40 ms, decided at capture.
                arm = await recorder.SendCommandAsync(new Command
                {
                    Opcode = CommandOpcode.ArmReward,
                    DurationMicros = 40_000,
                    WindowStartMicros = pulse.DeviceMicros,
                    WindowEndMicros = pulse.DeviceMicros + 30_000_000,
                }, cancellationToken);
                if (task is not null)
                {
                    // The start-up check must not leave a reward armed into the task's first trials.
                    await recorder.SendCommandAsync(new Command { Opcode = CommandOpcode.Disarm }, cancellationToken);
                }
            }
            finally
            {
                await starting.CancelAsync();
                await live;
            }
        }

        await using var recording = recorder;
        if (task is not null)
        {
            var renderers = new List<IVrSceneSink>();
            if (task.Scene is not null)
            {
                renderers.Add(task.Scene);
            }

            if (sim.Display?.Renderer is { } simulated)
            {
                renderers.Add(simulated);
            }

            // The start-up above ran in real time; from here the task depends on the seed alone.
            Volatile.Write(ref priming, await sim.StartAfreshAsync(rigOptions.Seed ^ 0x7A5C, cancellationToken, pulseEndMicros, contactsAtPulse));
            var scenes = new SceneFanOut(task.Mouse, renderers, task.SceneRate ?? new SceneRateOptions());
            Volatile.Write(ref driver, new LockstepTaskDriver(recorder, rigOptions.RigId, task.Protocol, rigOptions.EncoderCountsPerCm, scenes, task.Reward,
                task.Triggers, task.Stalls));
            sim.Hook = driver;
            sim.Mouse.Drive = task.Mouse;
            taskStarted?.Invoke(driver);
        }

        var reporter = progress is null ? null : new Progress<VirtualRigProgress>(p => progress(p, recorder.Snapshot()));
        if (sim.Display is { } display && time is not VirtualHostTime)
        {
            // The bridge's clock is the system's: true time and the host clock are related by the run's pace from here,
            // where the paced run starts (a perfect clock exchange; meaningful at speed 1). Simulated frames are stamped
            // with it; an external renderer's frames are placed on the true timeline by their render_ns through it.
            display.UseHostMapping(PacedHostMapping.StartingNow(sim.Clock, time, rigOptions.Speed > 0 ? rigOptions.Speed : 1));
        }

        VirtualRigResult device;
        using (var running = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
        {
            // A recorder that failed records nothing more: the run ends there, and stopping it closes the session with the cause.
            _ = recorder.Failed.ContinueWith(_ => running.Cancel(), running.Token, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            try
            {
                device = await sim.RunAsync(duration, reporter, running.Token);
            }
            catch (OperationCanceledException) when (recorder.Failed.IsCompleted && !cancellationToken.IsCancellationRequested)
            {
                // Throws SessionRecordingException with the cause once the session is closed.
                await recorder.StopAsync(cancellationToken);
                throw new InvalidOperationException("a failed recorder stopped without reporting its failure");
            }
        }

        if (sim.Display is { } shown)
        {
            // The simulated renderer's frame messages reach the broker before the bridge stops listening; the counts
            // are then final. A renderer that cannot publish them in time is reported, not waited for.
            if (!await shown.WaitPublishedAsync(TimeSpan.FromSeconds(30), cancellationToken))
            {
                logger.LogWarning("simulated display: frame messages still unpublished 30 s after the run; counted as not published");
            }

            device = device with { Display = shown.Snapshot() };
        }

        // The device stays alive (in real time) while the bridge closes the session, as a real one would.
        using var idle = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var alive = sim.RunUntilCancelledAsync(null, idle.Token, speed: 1);
        SessionResult session;
        try
        {
            session = await recorder.StopAsync(cancellationToken);
        }
        finally
        {
            await idle.CancelAsync();
            await alive;
        }

        // One pass from the journal alone: the re-decode that is compared with the live counts, and derived/.
        var derived = SessionDerivation.Derive(SessionFolder.Open(session.Folder));
        return new VirtualSessionResult(device, session, derived, ping, pulse, arm) { Task = driver, Priming = priming };
    }

    /// <summary>The start-up's water pulse, µs: in a task session the priming, which the mouse answers with a lick bout.</summary>
    public const uint PrimingPulseMicros = 40_000;

    /// <summary>
    /// The bridge's round (BridgeOptions.AckInterval) in a session at speed 0, wall time: about one virtual second at the
    /// usual hundredfold speed-up, so the clock exchanges (every 0.5 s of the virtual host clock) keep near their pace.
    /// </summary>
    public static readonly TimeSpan AsFastAsPossibleRound = TimeSpan.FromMilliseconds(10);

    /// <summary>The "priming" section of summary.json: the pulse and its bout, over before the task started.</summary>
    private static Dictionary<string, System.Text.Json.JsonElement>? PrimingSection(TaskStartReport? priming) =>
        priming is null ? null : new Dictionary<string, System.Text.Json.JsonElement>
        {
            ["priming"] = JsonSerializer.SerializeToElement(new
            {
                pulse_us = PrimingPulseMicros,
                licks_before_task = priming.PrimingLicks,
                bout_timed_out = priming.BoutTimedOut,
                task_start_device_us = priming.TaskStartDeviceMicros,
                frames_before_task = priming.FramesBeforeStart,
            }),
        };
}
