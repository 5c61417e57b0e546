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
using Rig.Recording.Bridge;
using Rig.Recording.Sessions;
using Rig.Recording.Broker;
using Rig.Recording.Link;
using Rig.Experiment.Tasks;
using Rig.VirtualRig;
using Rig.VirtualRig.World;
using Rig.VirtualRig.Models;

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

    public static Option<string?> MouseStateOption() => new("--mouse-state")
    {
        Description = "JSON file holding what the virtual mouse has learned; read before and written after the session (created if missing)",
    };

    public static async Task<int> RunDemoAsync(DemoCommand.DemoArgs args, string protocolName, string mouseName, string? mouseState, CancellationToken ct)
    {
        using var app = RigApp.CreateBuilder(args.Verbose).Build();
        var time = app.Services.GetRequiredService<TimeProvider>();
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Rig.Demo");
        var bridgeOptions = app.Services.GetRequiredService<BridgeOptions>();
        string folder = Path.GetFullPath(args.Out ?? CommonOptions.DefaultSessionFolder(args.RigId, time));
        try
        {
            // The protocol is checked before anything starts: an invalid one creates no folder and no broker.
            var protocol = ProtocolLoader.Load(ProtocolLoader.Resolve(protocolName));
            if (Directory.Exists(folder) || File.Exists(folder))
            {
                throw new SessionFolderExistsException(folder);
            }

            var learned = mouseState is null ? new MouseLearningState { Mouse = mouseName } : MouseLearningState.LoadOrNew(mouseState, mouseName);
            var calibration = await CalibrateCommand.ResolveProvenanceAsync(args.Calibration, args.RigId, "demo", time);
            await using var broker = await EmbeddedBroker.StartAsync(new EmbeddedBrokerOptions { Port = 0 }, ct);
            var links = new MqttLinkFactory(broker.Address);
            var progress = new ProgressLine();
            var outcome = await VirtualTaskSession.RunAsync(links,
                new VirtualRigOptions { RigId = args.RigId, Seed = args.Seed, Speed = args.Speed, Mouse = VirtualTaskSession.TaskMouse },
                bridgeOptions, folder, TimeSpan.FromMinutes(args.Minutes),
                new SessionStartInfo(broker.Address + " (embedded)", CommonOptions.Software, CommandLine: Environment.CommandLine, Calibration: calibration),
                VirtualHostTime.ForSpeed(args.Speed, time), logger, new TaskSessionSettings(protocol, mouseName, DateOnly.FromDateTime(time.GetLocalNow().DateTime), 1, learned, new LearningOptions()),
                (p, recorded, metrics) => progress.Report("[rig demo] " + ProgressLine.Describe(p, recorded) + (metrics is null ? "" : " | " + Brief(metrics))),
                ct);
            progress.Done();
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
                    protocol_sha256 = protocol.Sha256,
                    complete = result.Complete,
                    redecode_matches = result.RedecodeMatches,
                    task_table_matches_live = outcome.LiveDifferences.Count == 0,
                    task_table_differences = outcome.LiveDifferences,
                    trials = tables.Trials.Count,
                    licks = tables.Licks.Count,
                    metrics = tables.Info.Metrics,
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
                    ("protocol", $"{protocol.Name} ({protocol.ExperimentType}, {protocol.Reward.Mode}; sha256 {protocol.Sha256[..12]})"),
                    ("mouse", $"{mouseName} (session {outcome.Learned.Sessions} of its learning state)"),
                    ("duration", $"{result.Device.VirtualSeconds.ToString("0.#", c)} s virtual in {result.Device.WallSeconds.ToString("0.0", c)} s wall"),
                    ("complete", result.Complete ? "yes: every event sequence number exactly once" : "NO"),
                    ("re-decoded from journal", result.RedecodeMatches ? "same counts" : "DIFFERENT counts"),
                    ("task table from journal", outcome.LiveDifferences.Count == 0 ? "same as live" : "DIFFERENT: " + string.Join("; ", outcome.LiveDifferences)),
                    ("task commands", $"{result.Task?.CommandsDelivered ?? 0} delivered, every one journaled with its acknowledgement"),
                    ("task tables", result.Derived.WrittenTo + $": {tables.Trials.Count} trials, {tables.Licks.Count} licks, {tables.Frames.Count} frames"),
                };
                rows.AddRange(MetricRows(tables.Info.Metrics));
                SummaryPrinter.PrintCounts(Console.Out, $"session {session.Folder}", session.Counts, rows);
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

    /// <summary>The live metrics on one line (progress display).</summary>
    public static string Brief(BehaviourMetrics m)
    {
        var c = CultureInfo.InvariantCulture;
        return string.Join(", ", m.Corridors.Select(x => $"{x.Wall} {x.Trials}t antic {F(x.AnticipatoryLickFraction)}"))
            + $", rewards {m.Rewards.ToString(c)}";
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
        yield return ("water", $"{m.Rewards} rewards, {m.WaterMicroliters.ToString("0.0", c)} µL");
        yield return ("running speed", double.IsNaN(m.MeanRunningSpeedCmPerSecond) ? "n/a" : $"{m.MeanRunningSpeedCmPerSecond.ToString("0.0", c)} cm/s (mean over imaging frames)");
    }

    public static string F(double value) => double.IsNaN(value) ? "n/a" : value.ToString("0.00", CultureInfo.InvariantCulture);
}
