using System;
using System.Collections.Generic;
using System.CommandLine;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Rig.Analysis.Derivation;
using Rig.Recording.Bridge;
using Rig.Recording.Calibration;
using Rig.Recording.Sessions;
using Rig.Recording.Broker;
using Rig.Recording.Link;
using Rig.Experiment.Tasks;
using Rig.Renderer.Live;
using Rig.VirtualRig;
using Rig.VirtualRig.World;
using Rig.VirtualRig.Models;
using Rig.VirtualRig.Peripherals;
using Rig.VirtualRig.Water;

namespace Rig.Cli.Commands;

/// <summary>The task options of `rig demo` and the metrics it prints.</summary>
internal static class TaskCli
{
    public static Option<string?> ProtocolOption() => new("--protocol")
    {
        Description = "Run a task protocol: the name of a shipped one (protocols/NAME.json) or a path to a protocol file",
    };

    public static Option<string> MouseOption() => new("--mouse")
    {
        Description = "Mouse name (session key and learning state)",
        DefaultValueFactory = _ => "mouse1",
    };

    /// <summary>`--block N`: the session's block number in its key; by default the next free one (<see cref="SessionBlocks"/>).</summary>
    public static Option<int?> BlockOption()
    {
        var option = new Option<int?>("--block")
        {
            Description = "Block number of this session in its key <mouse>_<date>_<block> (default: the next free block of this mouse on this day among the session folders beside this one)",
        };
        option.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int?>() is < 1)
            {
                result.AddError("--block must be 1 or more");
            }
        });
        return option;
    }

    /// <summary>`--date YYYY-MM-DD` of a simulated session: the day it belongs to in its key (default today, local time).</summary>
    public static Option<DateOnly?> DateOption() => new("--date")
    {
        Description = "The day a simulated session belongs to (YYYY-MM-DD; default today): its key and the learning calendar",
    };

    /// <summary>The subject of a new session in <paramref name="folder"/>: the block given or the next free one beside it.</summary>
    public static SessionSubject Subject(string folder, string mouse, DateOnly date, int? block) =>
        new(mouse, date, SessionBlocks.Choose(Path.GetDirectoryName(Path.GetFullPath(folder))!, mouse, date, block));

    /// <summary>
    /// Adds what the subject registry knows about the session's mouse (facts given for the session win) and warns on stderr
    /// when the mouse was not weighed that day; <paramref name="mustBeKnown"/> (a real rig) also warns when it is not in the registry.
    /// </summary>
    public static async Task<SessionSubject> FromRegistryAsync(SessionSubject subject, string? registryFolder, string command, bool mustBeKnown)
    {
        var registry = SubjectCommand.Registry(registryFolder);
        var completed = registry.Complete(subject);
        if (completed is null)
        {
            if (mustBeKnown)
            {
                await Console.Error.WriteLineAsync($"rig {command}: warning: mouse '{subject.Mouse}' is not in the subject registry {registry.Folder}: "
                    + $"session.json records no sex, date of birth, strain or weight from it (rig subject add {subject.Mouse} --sex F|M ...)");
            }

            return subject;
        }

        if (completed.WeightGrams is null)
        {
            await Console.Error.WriteLineAsync($"rig {command}: warning: mouse '{subject.Mouse}' has no weight for {subject.SessionDate:yyyy-MM-dd} in {registry.Folder}: "
                + $"weigh it before the session (rig subject weigh {subject.Mouse} --grams G)");
        }

        return completed;
    }


    public static Option<string?> MouseStateOption() => new("--mouse-state")
    {
        Description = "JSON file holding what the virtual mouse has learned; read before and written after the session (created if missing)",
    };

    public static Option<bool> UncalibratedOption() => new("--uncalibrated")
    {
        Description = "With a rewarding protocol: open the valve for the protocol's valve_open_ms instead of turning volume_ul into time through the valve's calibration curve (µL then unknown; the session records that it is uncalibrated)",
    };

    /// <summary>`--host-triggers`: the baseline path, for firmware without position triggers and for comparison (docs/task.md).</summary>
    public static Option<bool> HostTriggersOption() => new("--host-triggers")
    {
        Description = "Decide cue and reward-zone positions on the host (PlayTone/ArmReward/Disarm when its corridor model passes them) instead of arming position triggers on the device: for firmware without them, or to compare",
    };

    /// <summary>The valve a task rewards on (<see cref="TaskEngine"/>'s default channel).</summary>
    public const int TaskValve = 0;

    /// <summary>
    /// The calibration a protocol session records and the dose of one reward, decided before anything starts. A rewarding
    /// protocol needs the valve's current curve with the protocol's volume inside it (else <see cref="RewardCalibrationException"/>),
    /// unless <paramref name="uncalibrated"/>; an unrewarded one needs none. <paramref name="simulatedValve"/> (the demo's
    /// virtual rig) supplies a curve when no file is given and the rig has none in ./calibrations.
    /// </summary>
    public static async Task<(CalibrationProvenance? Curve, RewardDose? Dose)> ResolveRewardAsync(TaskProtocol protocol, string? file, bool uncalibrated,
        string rigId, string command, TimeProvider time, Func<CalibrationProvenance>? simulatedValve = null)
    {
        var c = CultureInfo.InvariantCulture;
        if (!protocol.GivesWater)
        {
            // Nothing to dose: the curve is recorded as before, for the µL of any pulse.
            return (uncalibrated ? null : await CalibrateCommand.ResolveProvenanceAsync(file, rigId, command, time), null);
        }

        if (uncalibrated)
        {
            var label = RewardDose.Uncalibrated(TaskValve, protocol.Reward.VolumeMicroliters, protocol.Reward.ValveOpenMs);
            await Console.Error.WriteLineAsync($"rig {command}: warning: --uncalibrated: rewards open valve {TaskValve} for the protocol's valve_open_ms; {label.Describe()}");
            return (null, label);
        }

        var curve = await CalibrateCommand.ResolveProvenanceAsync(file, rigId, command, time);
        string lookedFor = Path.GetFullPath(file ?? new CalibrationStore(CalibrationStore.DefaultFolder).PathFor(rigId, TaskValve));
        if (curve is null && file is null && simulatedValve is not null && !File.Exists(lookedFor))
        {
            curve = simulatedValve();
            await Console.Error.WriteLineAsync($"rig {command}: no calibration file for rig '{rigId}' valve {TaskValve} ({lookedFor}): rewards by a calibration of the virtual rig's simulated valve ({curve.SimulatedValve})");
        }

        if (curve is null)
        {
            string why = File.Exists(lookedFor) ? "it holds no usable fitted curve" : "there is no such file";
            throw new RewardCalibrationException(string.Create(c,
                $"rig '{rigId}' valve {TaskValve} has no water calibration, and protocol '{protocol.Name}' rewards {protocol.Reward.VolumeMicroliters} µL: looked for {lookedFor} ({why}). "
                + $"Calibrate the valve first (rig calibrate --rig {rigId} --broker mqtt://HOST, docs/calibration.md), give a calibration file with --calibration FILE, "
                + $"or run with --uncalibrated to open the valve for the protocol's valve_open_ms ({protocol.Reward.ValveOpenMs} ms) and record the session as uncalibrated"));
        }

        if (curve.Valve != TaskValve)
        {
            throw new RewardCalibrationException($"the task rewards on valve {TaskValve}, but {curve.File} is valve {curve.Valve}'s calibration; give rig '{rigId}' valve {TaskValve}'s file");
        }

        var dose = RewardDose.FromCurve(curve.ToFit(), TaskValve, protocol.Reward.VolumeMicroliters);
        await Console.Error.WriteLineAsync($"rig {command}: reward {dose.Describe()}");
        return (curve, dose);
    }

    /// <summary>The summary row of how one reward was dosed.</summary>
    public static (string, string) RewardRow(RewardDose? dose) =>
        ("reward", dose is null ? "none (the protocol gives no water)" : dose.Describe());

    public static async Task<int> RunDemoAsync(DemoCommand.DemoArgs args, string protocolName, string mouseName, string? mouseState,
        DemoCommand.DemoVrArgs? vr, CancellationToken ct)
    {
        using var app = RigApp.CreateBuilder(args.Verbose).Build();
        var time = app.Services.GetRequiredService<TimeProvider>();
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Rig.Demo");
        var bridgeOptions = app.Services.GetRequiredService<BridgeOptions>();
        string folder = Path.GetFullPath(args.Out ?? CommonOptions.DefaultSessionFolder(args.RigId, time));
        try
        {
            // The protocol is checked before anything starts: an invalid one creates no folder and no broker.
            var protocol = ProtocolLoader.LoadNamed(protocolName);
            var world = DemoWorld(args.World);
            if (vr is { Source: DemoFrameSource.Page } && args.Speed != 1)
            {
                // The page draws in real time and stamps its frames on the host clock; a virtual rig racing ahead of it
                // would flip its photodiode for frames of a scene long gone.
                throw new DemoUsageException("--renderer page needs --speed 1 (the page draws in real time)");
            }

            if (args.Speed <= 0 && args.World != "none")
            {
                // The world holds virtual time for the bridge at every message: "as fast as possible" would run at about real time.
                throw new DemoUsageException("--world needs a pace (--speed > 0); at --speed 0 use --world none");
            }

            if (Directory.Exists(folder) || File.Exists(folder))
            {
                throw new SessionFolderExistsException(folder);
            }

            var subject = await FromRegistryAsync(Subject(folder, mouseName, args.Date ?? DateOnly.FromDateTime(time.GetLocalNow().DateTime), args.Block),
                args.Subjects, "demo", mustBeKnown: false);
            var learned = mouseState is null ? new MouseLearningState { Mouse = mouseName } : MouseLearningState.LoadOrNew(mouseState, mouseName);
            // Before anything starts: a rewarding protocol without a usable curve creates no folder and no broker.
            var rigOptions = new VirtualRigOptions
            {
                RigId = args.RigId, Seed = args.Seed, Speed = args.Speed, Mouse = VirtualTaskSession.TaskMouse, World = world,
                Scanner = new ScannerOptions { FrameRateHz = args.FrameRateHz },
            };
            CommonOptions.WithLimits(rigOptions.Device, args.Limits, "rig demo");
            var (calibration, dose) = await ResolveRewardAsync(protocol, args.Calibration, args.Uncalibrated, args.RigId, "demo", time,
                () => SimulatedValveCalibration.For(rigOptions.Flow, TaskValve, time.GetUtcNow()));
            await using var broker = await EmbeddedBroker.StartAsync(new EmbeddedBrokerOptions { Port = 0, WebSocketPort = vr is null ? null : 0 }, ct);
            var links = new MqttLinkFactory(broker.Address);
            var hostTime = VirtualHostTime.ForSpeed(args.Speed, time);
            // The web console (docs/console.md) and the renderer page share one web host; the console is fed below (Watch).
            await using var hub = new ConsoleHub(time);
            var feed = hub.Attach(args.RigId);
            var web = ConsoleCli.Resolve(args.ConsoleBind, args.ConsoleLogin, args.WebPort, hub, Path.GetDirectoryName(folder));
            await using var renderer = vr is null ? null
                : await DemoRenderer.StartAsync(links, broker.WebSocketUrl!, args.RigId, protocol, web, vr.Source, hostTime, logger, ct);
            var (consoleOnly, consoleMoved) = renderer is null ? await ConsoleCli.StartWebAsync(web, ct) : (null, renderer.PortMoved);
            await using var consoleServer = consoleOnly;
            await Console.Error.WriteLineAsync("[rig demo] " + ConsoleCli.Describe(renderer?.Server ?? consoleOnly!, consoleMoved, args.WebPort));
            if (renderer is not null)
            {
                await Console.Error.WriteLineAsync($"[rig demo] renderer: {renderer.PageUrl} " + (vr!.Source == DemoFrameSource.Page
                    ? "(open it in a browser: its frames are the session's)"
                    : $"(a viewer; the frames of record are the simulated display's{(args.Speed == 1 ? "" : $"; the session runs at {args.Speed.ToString(CultureInfo.InvariantCulture)}x, --speed 1 to watch in real time")})"));
            }

            var display = vr is null ? new VirtualDisplayOptions()
                : new VirtualDisplayOptions { Enabled = true, Source = vr.Source == DemoFrameSource.Page ? SimulatedFrameSource.External : SimulatedFrameSource.Simulated };
            var progress = new ProgressLine();
            string uncalibratedNote = dose is { Calibrated: false } ? " | UNCALIBRATED rewards" : "";
            var outcome = await VirtualTaskSession.RunAsync(links,
                rigOptions with { Display = display },
                bridgeOptions, folder, TimeSpan.FromMinutes(args.Minutes),
                new SessionStartInfo(broker.Address + " (embedded)", CommonOptions.Software, CommandLine: Environment.CommandLine, Calibration: calibration,
                    Subject: subject, ImagingFrameRateHz: args.FrameRateHz),
                hostTime, logger, new TaskSessionSettings(protocol, mouseName, subject.SessionDate, subject.Block, learned, new LearningOptions(), renderer?.Scene, dose,
                    args.HostTriggers ? TriggerPath.Host : TriggerPath.Device,
                    Watch: (counts, tables) => feed.Post(new RigLiveUpdate(time.GetUtcNow(), counts, tables) { Session = folder, Protocol = protocol.Name })),
                (p, recorded, metrics) => progress.Report("[rig demo] " + ProgressLine.Describe(p, recorded) + (metrics is null ? "" : " | " + Brief(metrics)) + uncalibratedNote),
                ct);
            progress.Done();
            // The console's last word on the session: the counts of summary.json and the tables rebuilt from the journal.
            feed.Post(new RigLiveUpdate(time.GetUtcNow(), outcome.Recording.Session.Counts, outcome.Tables) { Session = folder, Protocol = protocol.Name, Ended = true });
            if (mouseState is not null)
            {
                outcome.Learned.Save(mouseState);
            }

            var result = outcome.Recording;
            var session = result.Session;
            var tables = outcome.Tables;
            var c = CultureInfo.InvariantCulture;
            if (args.Json)
            {
                SummaryPrinter.PrintJson(Console.Out, new
                {
                    session = session.Folder,
                    rig = args.RigId,
                    protocol = protocol.Name,
                    world = args.World,
                    protocol_sha256 = protocol.Sha256,
                    reward = dose,
                    uncalibrated = dose is { Calibrated: false },
                    complete = result.Complete,
                    redecode_matches = result.RedecodeMatches,
                    task_table_matches_live = outcome.LiveDifferences.Count == 0,
                    task_table_differences = outcome.LiveDifferences,
                    trials = tables.Trials.Count,
                    licks = tables.Licks.Count,
                    metrics = tables.Info.Metrics,
                    priming = result.Priming,
                    imaging_frame_rate = SessionDerivation.FrameRateOf(result.Derived.Folder.Header, result.Derived.Alignment),
                    task_positions = tables.Positions,
                    licks_by_corridor = LicksByCorridor(tables),
                    vr = session.Counts.Vr,
                    simulated_display = result.Device.Display is { } d
                        ? new { d.Source, d.RefreshHz, d.Rendered, d.Shown, d.Repeated, d.Dropped, d.Flips, d.MessagesPublished, d.MessagesDropped, d.ScenesLost, summary = d.Describe() }
                        : null,
                    renderer_url = renderer?.PageUrl.ToString(),
                    console_url = (renderer?.Server ?? consoleOnly)?.ConsoleUrl?.ToString(),
                    vr_scene = renderer?.Scene.Counts(),
                    commands_delivered = result.Task?.CommandsDelivered,
                    derived = outcome.Aligned,
                    virtual_seconds = result.Device.VirtualSeconds,
                    wall_seconds = result.Device.WallSeconds,
                    recorded = session.Counts,
                });
            }
            else
            {
                var rows = new List<(string, string)>
                {
                    ("rig", $"{args.RigId} (virtual, boot {result.Device.BootId:x8}, seed {args.Seed})"),
                    ("network", args.World == "none" ? "direct to the embedded broker (no simulated world)" : $"simulated world '{args.World}'"),
                    ("protocol", $"{protocol.Name} ({protocol.ExperimentType}, {protocol.Reward.Mode}; sha256 {protocol.Sha256[..12]})"),
                    ("mouse", $"{mouseName} (session {outcome.Learned.Sessions} of its learning state)"),
                    RewardRow(dose),
                    ("duration", $"{result.Device.VirtualSeconds.ToString("0.#", c)} s virtual in {result.Device.WallSeconds.ToString("0.0", c)} s wall"),
                    ("complete", result.Complete ? "yes: every event sequence number exactly once" : "NO"),
                    ("re-decoded from journal", result.RedecodeMatches ? "same counts" : "DIFFERENT counts"),
                    ("task table from journal", outcome.LiveDifferences.Count == 0 ? "same as live" : "DIFFERENT: " + string.Join("; ", outcome.LiveDifferences)),
                    ("task commands", $"{result.Task?.CommandsDelivered ?? 0} delivered, every one journaled with its acknowledgement"),
                    ("task tables", result.Derived.WrittenTo + $": {tables.Trials.Count} trials, {tables.Licks.Count} licks, {tables.Frames.Count} frames"),
                };
                if (result.Priming is { } primed)
                {
                    rows.Add(("priming", $"{VirtualSession.PrimingPulseMicros / 1000} ms water pulse before the task; {primed.PrimingLicks} licks, "
                        + (primed.BoutTimedOut ? "the mouse stopped after 10 s" : "its bout over")
                        + $" before the task started at device {(primed.TaskStartDeviceMicros / 1e6).ToString("0.000", c)} s, after {primed.FramesBeforeStart} imaging frame(s)"));
                }

                rows.Add(("imaging frame rate", SessionDerivation.FrameRateOf(result.Derived.Folder.Header, result.Derived.Alignment).Describe()));
                rows.AddRange(MetricRows(tables.Info.Metrics));
                rows.Add(("cue/zone positions", TaskPositionReport.Describe(tables.Positions)));
                rows.Add(("licks by corridor", string.Join(", ", LicksByCorridor(tables).Select(x => $"{x.Key} {x.Value.ToString(c)}"))));
                if (result.Device.Display is { } shown)
                {
                    rows.Add(("display", shown.Describe()));
                }

                if (renderer is not null)
                {
                    var sent = renderer.Scene.Counts();
                    rows.Add(("renderer page", $"{renderer.PageUrl}: scene {sent.Published.ToString(c)} sent, {sent.Dropped.ToString(c)} dropped, {sent.PublishFailures.ToString(c)} failed"));
                }
                else
                {
                    rows.Add(("VR", "off (--no-vr)"));
                }

                SummaryPrinter.PrintCounts(Console.Out, $"session {session.Folder}", session.Counts, rows, args.Speed);
            }

            if (!result.RedecodeMatches)
            {
                await Console.Error.WriteLineAsync("rig demo: re-decoding the journal gave different counts than the live session");
                return ExitCodes.Failure;
            }

            if (outcome.LiveDifferences.Count > 0)
            {
                await Console.Error.WriteLineAsync("rig demo: the task table rebuilt from the journal differs from the live one: " + outcome.LiveDifferences[0]);
                return ExitCodes.TaskReplayMismatch;
            }

            return result.Complete ? ExitCodes.Ok : ExitCodes.SessionIncomplete;
        }
        catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            return await CliErrors.ReportAsync("demo", e);
        }
    }

    private static VirtualWorld? DemoWorld(string name)
    {
        if (name == "none")
        {
            return null;
        }

        try
        {
            return VirtualWorld.Shipped(name);
        }
        catch (FileNotFoundException e)
        {
            throw new DemoUsageException("--world: " + e.Message);
        }
    }

    /// <summary>Licks per corridor (wall id), from the task tables: every lick belongs to the trial it fell in.</summary>
    public static SortedDictionary<string, int> LicksByCorridor(TaskSessionTables tables)
    {
        var wallOf = tables.Trials.ToDictionary(t => t.Trial, t => t.Wall);
        var counts = new SortedDictionary<string, int>(StringComparer.Ordinal);
        foreach (var lick in tables.Licks)
        {
            string key = wallOf.TryGetValue(lick.Trial, out var wall) ? wall : "outside trials";
            counts[key] = counts.GetValueOrDefault(key) + 1;
        }

        return counts;
    }

    /// <summary>The live metrics on one line (progress display).</summary>
    public static string Brief(BehaviourMetrics m)
    {
        var c = CultureInfo.InvariantCulture;
        return string.Join(", ", m.Corridors.Select(x => $"{x.Wall} {x.Trials}t antic {F(x.AnticipatoryLickFraction)}"))
            + $", rewards {m.Rewards.ToString(c)}" + (double.IsNaN(m.WaterMicroliters) ? "" : $" ({m.WaterMicroliters.ToString("0.0", c)} µL)");
    }

    public static IEnumerable<(string, string)> MetricRows(BehaviourMetrics m)
    {
        var c = CultureInfo.InvariantCulture;
        foreach (var x in m.Corridors)
        {
            yield return ($"corridor {x.Wall}{(x.Rewarded ? " (rewarded)" : "")}",
                $"{x.Trials} trials ({x.CompletedTrials} complete), anticipatory licks {F(x.AnticipatoryLickFraction)}, reward-zone licks {F(x.RewardZoneLickFraction)}, {x.Rewards} rewards");
        }

        yield return ("discrimination", $"{F(m.Discrimination)} (reward-zone lick fraction, rewarded minus unrewarded)");
        yield return ("water", double.IsNaN(m.WaterMicroliters)
            ? $"{m.Rewards} rewards, µL unknown (UNCALIBRATED: the protocol's valve_open_ms)"
            : $"{m.Rewards} rewards, {m.WaterMicroliters.ToString("0.0", c)} µL");
        yield return ("running speed", double.IsNaN(m.MeanRunningSpeedCmPerSecond) ? "n/a" : $"{m.MeanRunningSpeedCmPerSecond.ToString("0.0", c)} cm/s (mean over imaging frames)");
    }

    public static string F(double value) => double.IsNaN(value) ? "n/a" : value.ToString("0.00", CultureInfo.InvariantCulture);
}
