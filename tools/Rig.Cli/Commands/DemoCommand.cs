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
using Rig.Renderer.Live;
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
        protocol.Description = "The task protocol: a shipped one's name (protocols/NAME.json) or a protocol file; 'none' records the plain device check without a task";
        protocol.DefaultValueFactory = _ => ReferenceProtocol;
        var noVr = new Option<bool>("--no-vr") { Description = "No renderer page and no simulated display (the task still runs)" };
        var rendererPort = new Option<int>("--renderer-port")
        {
            Description = "Port of the rig's web pages: the console at / and the renderer at /vr/ (a free one is taken if it is in use; 0: always a free one)",
            DefaultValueFactory = _ => Rig.Renderer.RendererOptions.DefaultPort,
        };
        var frameSource = new Option<DemoFrameSource>("--renderer")
        {
            Description = "Who draws the frames of record: 'simulated' (the virtual rig's simulated display; the page is a viewer) or 'page' (a browser on the printed URL; needs --speed 1)",
            DefaultValueFactory = _ => DemoFrameSource.Simulated,
        };
        var world = new Option<string>("--world")
        {
            Description = "The virtual network and crystal of a task demo: a shipped world scenario (quiet-lan, busy-wifi, ...), a scenario file, or 'none' (the rig talks to the broker directly); default quiet-lan, or none at --speed 0",
        };
        var mouse = TaskCli.MouseOption();
        var mouseState = TaskCli.MouseStateOption();
        var block = TaskCli.BlockOption();
        var frameRate = CommonOptions.FrameRateHz(virtualScanner: true);
        var subjects = SubjectCommand.FolderOption();
        var date = TaskCli.DateOption();
        var uncalibrated = TaskCli.UncalibratedOption();
        var hostTriggers = TaskCli.HostTriggersOption();
        var consoleBind = ConsoleCli.BindOption();
        var consoleLogin = ConsoleCli.LoginOption();
        var limits = CommonOptions.VirtualLimits();
        var command = new Command("demo", "Record a session from a virtual rig through the embedded broker, then re-decode it from the journal")
        {
            minutes, speed, seed, rig, output, json, verbose, calibration, uncalibrated, protocol, mouse, mouseState, noVr, rendererPort, frameSource, world,
            hostTriggers, block, date, frameRate, subjects, consoleBind, consoleLogin, limits,
        };
        command.Validators.Add(CommonOptions.CrossCheck(result =>
        {
            if (result.GetValue(uncalibrated) && result.GetValue(calibration) is not null)
            {
                result.AddError("--uncalibrated and --calibration contradict each other: give one");
            }
        }));
        command.SetAction((parse, ct) =>
        {
            var args = new DemoArgs(parse.GetValue(minutes), parse.GetValue(speed), parse.GetValue(seed), parse.GetValue(rig)!,
                parse.GetValue(output), parse.GetValue(json), parse.GetValue(verbose), parse.GetValue(calibration));
            string name = parse.GetValue(protocol) ?? ReferenceProtocol;
            args = args with
            {
                World = parse.GetValue(world) ?? DefaultWorld(args.Speed), Uncalibrated = parse.GetValue(uncalibrated), HostTriggers = parse.GetValue(hostTriggers),
                Block = parse.GetValue(block), Date = parse.GetValue(date), FrameRateHz = parse.GetValue(frameRate) ?? 30, Subjects = parse.GetValue(subjects),
                WebPort = parse.GetValue(rendererPort), ConsoleBind = parse.GetValue(consoleBind)!, ConsoleLogin = parse.GetValue(consoleLogin),
                Limits = parse.GetValue(limits),
            };
            var vr = parse.GetValue(noVr) ? null : new DemoVrArgs(parse.GetValue(frameSource));
            if (vr is not null && !FrameTimesHold(args))
            {
                // Frame times are stamped on the host clock; without a paced clock map they would match flips to the
                // wrong frames (negative motion-to-photon was seen at --speed 0 --world none), so there is no VR rather than a wrong one.
                Console.Error.WriteLine("[rig demo] no VR: frame times need the simulated world or real time (--world quiet-lan at --speed > 0, or --speed 1)");
                vr = null;
            }

            return name == NoProtocol
                ? RunAsync(args, ct)
                : TaskCli.RunDemoAsync(args, name, parse.GetValue(mouse)!, parse.GetValue(mouseState), vr, ct);
        });
        return command;
    }

    /// <summary>The reference experiment (../shared/PARADIGMS.md): what `rig demo` runs with no options.</summary>
    public const string ReferenceProtocol = "supervised-leaf1-circle1";

    /// <summary>`--protocol none`: the plain device check (ping, a water pulse, an armed reward) without a task.</summary>
    public const string NoProtocol = "none";

    /// <summary>
    /// quiet-lan, except as fast as possible (--speed 0): the world holds virtual time for the bridge at every message,
    /// which paces a session at about real time (a 30 s session took 30 s), defeating the point of --speed 0.
    /// </summary>
    internal static string DefaultWorld(double speed) => speed > 0 ? "quiet-lan" : "none";

    /// <summary>Frame messages and photodiode flips can be matched: a simulated world keeps the clock map, or the session runs in real time.</summary>
    internal static bool FrameTimesHold(DemoArgs args) => args.Speed == 1 || (args.World != "none" && args.Speed > 0);

    /// <summary>The VR side of a task demo: where the page is served and who draws the frames of record.</summary>
    internal sealed record DemoVrArgs(DemoFrameSource Source);

    internal sealed record DemoArgs(double Minutes, double Speed, int Seed, string RigId, string? Out, bool Json, bool Verbose, string? Calibration)
    {
        /// <summary>
        /// The world scenario of a task demo, or "none". Default quiet-lan: the simulated network holds virtual time while the
        /// bridge stamps a clock exchange, so the clock map is as good at 60x as on a wired rig; without a world, each
        /// exchange's wall-clock round trip is multiplied by the speed (27 ms residual seen at 60x) and photodiode flips
        /// cannot be matched to frames.
        /// </summary>
        public string World { get; init; } = "none";

        /// <summary>`--uncalibrated`: rewards open the valve for the protocol's valve_open_ms (no curve needed; recorded as such).</summary>
        public bool Uncalibrated { get; init; }

        /// <summary>`--host-triggers`: the engine decides cue and zone positions (the baseline), not the device.</summary>
        public bool HostTriggers { get; init; }

        /// <summary>`--block`: the session's block, or null for the next free one of the mouse on that day.</summary>
        public int? Block { get; init; }

        /// <summary>`--date`: the day the simulated session belongs to, or null for today.</summary>
        public DateOnly? Date { get; init; }

        /// <summary>`--subjects`: the subject registry folder, or null for the default.</summary>
        public string? Subjects { get; init; }

        /// <summary>`--frame-rate-hz`: the virtual scanner's rate, recorded as the rig's setting.</summary>
        public double FrameRateHz { get; init; } = 30;
        /// <summary>`--renderer-port`: the one port of the web console (/) and the renderer page (/vr/).</summary>
        public int WebPort { get; init; } = Rig.Renderer.RendererOptions.DefaultPort;

        /// <summary>`--console-bind`: where the web pages listen (loopback unless told).</summary>
        public string ConsoleBind { get; init; } = "127.0.0.1";

        /// <summary>`--console-login`: the console's password file; required on a network address.</summary>
        public string? ConsoleLogin { get; init; }

        /// <summary>`--limits`: the device safety limits file the virtual device runs with, or null for the firmware's defaults.</summary>
        public string? Limits { get; init; }
    }

    /// <summary>Valve openings and their water, for the summary table.</summary>
    internal static string SummaryRewards(Rig.Recording.Decoding.SessionCounts counts)
    {
        var r = counts.Rewards;
        if (r is null || r.Count == 0)
        {
            return "none";
        }

        var c = CultureInfo.InvariantCulture;
        if (r.Uncalibrated == true)
        {
            return $"{r.Count.ToString(c)} valve openings, UNCALIBRATED (--uncalibrated: the protocol's valve_open_ms; µL unknown)";
        }

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
            var rigOptions = new VirtualRigOptions { RigId = args.RigId, Seed = args.Seed, Speed = args.Speed };
            CommonOptions.WithLimits(rigOptions.Device, args.Limits, "rig demo");
            await using var broker = await EmbeddedBroker.StartAsync(new EmbeddedBrokerOptions { Port = 0 }, ct);
            var links = new MqttLinkFactory(broker.Address);
            // The web console (docs/console.md), fed with the counts the progress line takes anyway.
            await using var hub = new ConsoleHub(time);
            var feed = hub.Attach(args.RigId);
            var (web, webMoved) = await ConsoleCli.StartWebAsync(ConsoleCli.Resolve(args.ConsoleBind, args.ConsoleLogin, args.WebPort, hub, Path.GetDirectoryName(folder)), ct);
            await using var webServer = web;
            await Console.Error.WriteLineAsync("[rig demo] " + ConsoleCli.Describe(web, webMoved, args.WebPort));
            var progress = new ProgressLine();
            var result = await VirtualSession.RecordAsync(links, links,
                rigOptions,
                bridgeOptions, folder, TimeSpan.FromMinutes(args.Minutes),
                new SessionStartInfo(broker.Address + " (embedded)", CommonOptions.Software, CommandLine: Environment.CommandLine, Calibration: calibration),
                VirtualHostTime.ForSpeed(args.Speed, time), logger, (p, recorded) =>
                {
                    progress.Report("[rig demo] " + ProgressLine.Describe(p, recorded));
                    feed.Post(new RigLiveUpdate(time.GetUtcNow(), recorded, null) { Session = folder });
                }, ct);
            progress.Done();
            if (result.Ping.Result != AckResult.Ok || result.Pulse.Result != AckResult.Ok || result.Arm.Result != AckResult.Ok)
            {
                logger.LogWarning("device refused a demo command: ping {Ping}, pulse {Pulse}, arm {Arm}", result.Ping.Result, result.Pulse.Result, result.Arm.Result);
            }

            var simResult = result.Device;
            var session = result.Session;
            feed.Post(new RigLiveUpdate(time.GetUtcNow(), session.Counts, null) { Session = folder, Ended = true });
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
                }, args.Speed);
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
