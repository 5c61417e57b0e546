using System;
using System.Collections.Generic;
using System.CommandLine;
using System.Globalization;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Rig.Recording.Bridge;
using Rig.Recording.Sessions;
using Rig.Recording.Broker;
using Rig.Recording.Link;
using Rig.Protocol;
using Command = System.CommandLine.Command;
using Rig.VirtualRig;
using Rig.VirtualRig.World;

namespace Rig.Cli.Commands;

/// <summary>`rig demo`: the embedded broker, a virtual rig and the bridge in one process, recording one session.</summary>
internal static class DemoCommand
{
    public static Command Create()
    {
        var minutes = CommonOptions.Positive(new Option<double>("--minutes")
        {
            Description = "Session length in virtual minutes",
            DefaultValueFactory = _ => 1,
        });
        var speed = CommonOptions.Speed(60);
        var seed = CommonOptions.Seed();
        var rig = CommonOptions.Rig(required: false, defaultValue: "demo");
        var output = new Option<string?>("--out") { Description = "Session folder to create (default: sessions/<rig>-<time>); never overwritten" };
        var json = CommonOptions.Json();
        var verbose = new Option<bool>("--verbose") { Description = "Log the bridge's activity to stderr" };
        var calibration = CalibrateCommand.CalibrationOption();
        var protocol = TaskCli.ProtocolOption();
        var mouse = TaskCli.MouseOption();
        var mouseState = TaskCli.MouseStateOption();
        var command = new Command("demo", "Record a session from a virtual rig through the embedded broker, then re-decode it from the journal")
        {
            minutes, speed, seed, rig, output, json, verbose, calibration, protocol, mouse, mouseState,
        };
        command.SetAction((parse, ct) =>
        {
            var args = new DemoArgs(parse.GetValue(minutes), parse.GetValue(speed), parse.GetValue(seed), parse.GetValue(rig)!,
                parse.GetValue(output), parse.GetValue(json), parse.GetValue(verbose), parse.GetValue(calibration));
            return parse.GetValue(protocol) is { } name
                ? TaskCli.RunDemoAsync(args, name, parse.GetValue(mouse)!, parse.GetValue(mouseState), ct)
                : RunAsync(args, ct);
        });
        return command;
    }

    internal sealed record DemoArgs(double Minutes, double Speed, int Seed, string RigId, string? Out, bool Json, bool Verbose, string? Calibration);

    /// <summary>Valve openings and their water, for the summary table.</summary>
    internal static string SummaryRewards(Rig.Recording.Decoding.SessionCounts counts)
    {
        var r = counts.Rewards;
        if (r is null || r.Count == 0)
        {
            return "none";
        }

        var c = CultureInfo.InvariantCulture;
        return r.TotalMicrolitres is { } total
            ? $"{r.Count.ToString(c)} valve openings, {total.ToString("0.0", c)} µL by the calibration curve"
            : $"{r.Count.ToString(c)} valve openings (no calibration: µL unknown)";
    }

    private static async Task<int> RunAsync(DemoArgs args, CancellationToken ct)
    {
        using var app = RigApp.CreateBuilder(args.Verbose).Build();
        var time = app.Services.GetRequiredService<TimeProvider>();
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Rig.Demo");
        var bridgeOptions = app.Services.GetRequiredService<BridgeOptions>();
        string folder = Path.GetFullPath(args.Out ?? CommonOptions.DefaultSessionFolder(args.RigId, time));
        try
        {
            if (Directory.Exists(folder) || File.Exists(folder))
            {
                throw new SessionFolderExistsException(folder);
            }

            var calibration = await CalibrateCommand.ResolveProvenanceAsync(args.Calibration, args.RigId, "demo", time);
            await using var broker = await EmbeddedBroker.StartAsync(new EmbeddedBrokerOptions { Port = 0 }, ct);
            var links = new MqttLinkFactory(broker.Address);
            var progress = new ProgressLine();
            var result = await VirtualSession.RecordAsync(links, links,
                new VirtualRigOptions { RigId = args.RigId, Seed = args.Seed, Speed = args.Speed },
                bridgeOptions, folder, TimeSpan.FromMinutes(args.Minutes),
                new SessionStartInfo(broker.Address + " (embedded)", CommonOptions.Software, CommandLine: Environment.CommandLine, Calibration: calibration),
                VirtualHostTime.ForSpeed(args.Speed, time), logger, (p, recorded) => progress.Report("[rig demo] " + ProgressLine.Describe(p, recorded)), ct);
            progress.Done();
            if (result.Ping.Result != AckResult.Ok || result.Pulse.Result != AckResult.Ok || result.Arm.Result != AckResult.Ok)
            {
                logger.LogWarning("device refused a demo command: ping {Ping}, pulse {Pulse}, arm {Arm}", result.Ping.Result, result.Pulse.Result, result.Arm.Result);
            }

            var simResult = result.Device;
            var session = result.Session;
            var replay = result.Replay;
            bool same = result.RedecodeMatches;
            bool complete = result.Complete;

            // Derived tables, rebuilt from the journal alone (VirtualSession derived them): every event on the host and
            // imaging timelines, and the behaviour latched per imaging frame.
            var aligned = result.Derived.Alignment.Summary;
            var c = CultureInfo.InvariantCulture;
            if (args.Json)
            {
                SummaryPrinter.PrintJson(Console.Out, new
                {
                    session = session.Folder,
                    rig = args.RigId,
                    broker = broker.Address.ToString(),
                    complete,
                    redecode_matches = same,
                    derived = aligned,
                    virtual_seconds = simResult.VirtualSeconds,
                    wall_seconds = simResult.WallSeconds,
                    device = simResult,
                    recorded = session.Counts,
                    redecoded = new { events_total = replay.Counts.EventsTotal, events_by_kind = replay.Counts.EventsByKind, replay.JournalRecords, replay.TornTailBytes },
                    journal = new { records = session.JournalRecords, bytes = session.JournalBytes },
                    broker_dropped_messages = broker.DroppedMessages,
                });
            }
            else
            {
                SummaryPrinter.PrintCounts(Console.Out, $"session {session.Folder}", session.Counts, new List<(string, string)>
                {
                    ("rig", $"{args.RigId} (virtual, boot {simResult.BootId:x8}, seed {args.Seed})"),
                    ("duration", $"{simResult.VirtualSeconds.ToString("0.#", c)} s virtual in {simResult.WallSeconds.ToString("0.0", c)} s wall"),
                    ("device events numbered", simResult.EventsCaptured.ToString("N0", c)),
                    ("journal", $"{session.JournalRecords.ToString("N0", c)} records, {session.JournalBytes.ToString("N0", c)} bytes"),
                    ("complete", complete ? "yes: every event sequence number exactly once" : "NO"),
                    ("re-decoded from journal", same ? "same counts" : "DIFFERENT counts"),
                    ("derived tables", $"{aligned.Folder}: {aligned.Events:N0} events ({aligned.EventsInFrames:N0} in imaging frames, {aligned.EventsWithHostTime:N0} with host time), {aligned.Frames:N0} frames"),
                    ("rewards", SummaryRewards(session.Counts)),
                });
            }

            if (!same)
            {
                await Console.Error.WriteLineAsync("rig demo: re-decoding the journal gave different counts than the live session");
                return ExitCodes.Failure;
            }

            return complete ? ExitCodes.Ok : ExitCodes.SessionIncomplete;
        }
        catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            // Every failure ends as one clear line and its documented exit code, never a stack trace.
            return await CliErrors.ReportAsync("demo", e);
        }
    }
}
