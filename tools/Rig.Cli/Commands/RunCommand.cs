using System;
using System.Collections.Generic;
using System.CommandLine;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Rig.Recording.Bridge;
using Rig.Analysis.Derivation;
using Rig.Recording.Sessions;
using Rig.Experiment.Tasks;
using Rig.Renderer.Live;
using Rig.Experiment.Vr;
using Rig.Recording.Link;

namespace Rig.Cli.Commands;

/// <summary>`rig run`: the bridge alone, recording a real or separately running virtual rig from a broker.</summary>
internal static class RunCommand
{
    public static Command Create()
    {
        var rig = CommonOptions.Rig(required: true);
        var broker = CommonOptions.Broker(required: true);
        var output = new Option<string>("--out") { Description = "Session folder to create; never overwritten" };
        var resume = new Option<string>("--resume") { Description = "Continue a session folder whose bridge was killed: appends a journal segment (instead of --out)" };
        var minutes = CommonOptions.Positive(new Option<double>("--minutes")
        {
            Description = "Stop after this many minutes (default: until Ctrl-C)",
            DefaultValueFactory = _ => 0,
        }, allowZero: true);
        var json = CommonOptions.Json();
        var verbose = new Option<bool>("--verbose") { Description = "Log the bridge's activity to stderr" };
        var calibration = CalibrateCommand.CalibrationOption();
        var protocol = TaskCli.ProtocolOption();
        var mouse = TaskCli.MouseOption();
        var block = TaskCli.BlockOption();
        var frameRate = CommonOptions.FrameRateHz(virtualScanner: false);
        var subject = new SubjectOptions();
        var subjects = SubjectCommand.FolderOption();
        var uncalibrated = TaskCli.UncalibratedOption();
        var hostTriggers = TaskCli.HostTriggersOption();
        var countsPerCm = CommonOptions.Positive(new Option<double>("--counts-per-cm")
        {
            Description = "Wheel encoder counts per cm of wheel surface (default: 4096 counts per revolution on a 20 cm wheel)",
            DefaultValueFactory = _ => 4096 / (Math.PI * 20),
        });
        var vr = new Option<bool>("--vr") { Description = "With --protocol: publish the scene for a renderer under vr/v1/<rig>/ (docs/vr.md)" };
        var gimbl = new Option<bool>("--gimbl") { Description = "With --protocol: also drive a lab's Unity/Gimbl VR: Gimbl/Session/ForceStart and ForceStop, movement on <treadmill>/Data (docs/vr.md)" };
        var gimblTreadmill = new Option<string>("--gimbl-treadmill")
        {
            Description = "With --gimbl: the linear treadmill's MQTT name in the Gimbl project",
            DefaultValueFactory = _ => "LinearTreadmill",
        };
        var gimblUnitsPerCm = CommonOptions.Positive(new Option<double>("--gimbl-units-per-cm")
        {
            Description = "With --gimbl: Unity units per cm of wheel travel (Gimbl adds movement x gain to the position; 0.01 when 1 unit = 1 m)",
            DefaultValueFactory = _ => 0.01,
        });
        var credentials = SecurityOptions.Credentials();
        var caFile = SecurityOptions.CaFile();
        var insecure = SecurityOptions.Insecure();
        var preflight = new Option<string?>("--preflight") { Description = "Run a short loopback first (default scenario valve-to-lick; docs/loopback.md) and refuse to start when it fails", Arity = ArgumentArity.ZeroOrOne };
        var skipPreflight = new Option<bool>("--skip-preflight-failure") { Description = "Start even when the preflight fails (the failure is recorded in the session)" };
        var consoleBind = ConsoleCli.BindOption();
        var consoleLogin = ConsoleCli.LoginOption();
        var consolePort = ConsoleCli.PortOption();
        var command = new Command("run", "Record a session from a rig on a broker (bridge only), optionally running a task protocol")
        {
            rig, broker, output, resume, minutes, json, verbose, calibration, uncalibrated, protocol, mouse, block, frameRate, subjects, countsPerCm, preflight, skipPreflight, credentials, caFile, insecure, vr, gimbl, gimblTreadmill, gimblUnitsPerCm, hostTriggers,
            consoleBind, consoleLogin, consolePort,
        };
        subject.AddTo(command);
        command.Validators.Add(CommonOptions.CrossCheck(result =>
        {
            if ((result.GetValue(vr) || result.GetValue(gimbl)) && result.GetValue(protocol) is null)
            {
                result.AddError("--vr and --gimbl publish the task's scene: give a --protocol too");
            }

            if (result.GetValue(uncalibrated) && result.GetValue(calibration) is not null)
            {
                result.AddError("--uncalibrated and --calibration contradict each other: give one");
            }

            if ((result.GetValue(output) is null) == (result.GetValue(resume) is null))
            {
                result.AddError("give exactly one of --out (a new session) and --resume (a session to continue)");
            }
        }));
        command.SetAction((parse, ct) => RunAsync(new RunArgs(parse.GetValue(rig)!, parse.GetValue(broker)!,
            parse.GetValue(output) ?? parse.GetValue(resume)!, parse.GetValue(resume) is not null)
        {
            Minutes = parse.GetValue(minutes),
            Json = parse.GetValue(json),
            Verbose = parse.GetValue(verbose),
            CalibrationFile = parse.GetValue(calibration),
            Uncalibrated = parse.GetValue(uncalibrated),
            HostTriggers = parse.GetValue(hostTriggers),
            Protocol = parse.GetValue(protocol),
            Mouse = parse.GetValue(mouse)!,
            Block = parse.GetValue(block),
            FrameRateHz = parse.GetValue(frameRate),
            Subject = subject.Read(parse),
            Subjects = parse.GetValue(subjects),
            CountsPerCm = parse.GetValue(countsPerCm),
            PreflightScenario = parse.GetResult(preflight) is null ? null : parse.GetValue(preflight) ?? "valve-to-lick",
            SkipPreflightFailure = parse.GetValue(skipPreflight),
            CredentialsFile = parse.GetValue(credentials),
            CaFile = parse.GetValue(caFile),
            Insecure = parse.GetValue(insecure),
            PublishScene = parse.GetValue(vr) || parse.GetValue(gimbl),
            Gimbl = parse.GetValue(gimbl),
            GimblTreadmill = parse.GetValue(gimblTreadmill)!,
            GimblUnitsPerCm = parse.GetValue(gimblUnitsPerCm),
            ConsoleBind = parse.GetValue(consoleBind)!,
            ConsoleLogin = parse.GetValue(consoleLogin),
            ConsolePort = parse.GetValue(consolePort),
        }, ct));
        return command;
    }

    /// <summary>The options of one `rig run`, bound once from the command line.</summary>
    /// <param name="Folder">The session folder to create, or with <paramref name="Resume"/> to continue.</param>
    internal sealed record RunArgs(string RigId, string Broker, string Folder, bool Resume)
    {
        public double Minutes { get; init; }

        public bool Json { get; init; }

        public bool Verbose { get; init; }

        public string? CalibrationFile { get; init; }

        /// <summary>`--uncalibrated`: a rewarding protocol opens the valve for its valve_open_ms, recorded as uncalibrated.</summary>
        public bool Uncalibrated { get; init; }

        /// <summary>`--host-triggers`: the engine decides cue and zone positions (the baseline; firmware without position triggers).</summary>
        public bool HostTriggers { get; init; }

        public string? Protocol { get; init; }

        public string Mouse { get; init; } = "mouse1";

        /// <summary>The optional subject facts (sex, date of birth or age, species, experimenter, lab) for session.json.</summary>
        public SubjectFacts Subject { get; init; } = new(null, null, null, null, null, null);

        public double CountsPerCm { get; init; }

        public string? PreflightScenario { get; init; }

        public bool SkipPreflightFailure { get; init; }

        public string? CredentialsFile { get; init; }

        public string? CaFile { get; init; }

        /// <summary>`--insecure`: record from a broker on the network without a login (warned at start, recorded in session.json).</summary>
        public bool Insecure { get; init; }

        public bool PublishScene { get; init; }

        public bool Gimbl { get; init; }

        /// <summary>`--block`: the session's block, or null for the next free one of the mouse today.</summary>
        public int? Block { get; init; }

        /// <summary>`--subjects`: the subject registry folder, or null for the default.</summary>
        public string? Subjects { get; init; }

        /// <summary>`--frame-rate-hz`: the rig's imaging frame rate setting, or null when not given.</summary>
        public double? FrameRateHz { get; init; }

        public string GimblTreadmill { get; init; } = "LinearTreadmill";

        public double GimblUnitsPerCm { get; init; } = 0.01;

        /// <summary>`--console-bind`, `--console-login`, `--console-port`: the web console (docs/console.md).</summary>
        public string ConsoleBind { get; init; } = "127.0.0.1";

        public string? ConsoleLogin { get; init; }

        public int ConsolePort { get; init; } = Rig.Renderer.RendererOptions.DefaultPort;
    }

    /// <summary>
    /// The live task tables are rebuilt for the console at most this often, and only after a trial ends: the rebuild holds the
    /// engine's lock, which the recorder's thread takes for every event batch (docs/console.md, "Never slows the recorder"). Our choice.
    /// </summary>
    private static readonly TimeSpan ConsoleTablesInterval = TimeSpan.FromSeconds(5);

    private static async Task<int> RunAsync(RunArgs args, CancellationToken ct)
    {
        var (rigId, resume, minutes, json, verbose, mouse, countsPerCm, publishScene, gimbl) =
            (args.RigId, args.Resume, args.Minutes, args.Json, args.Verbose, args.Mouse, args.CountsPerCm, args.PublishScene, args.Gimbl);
        try
        {
            // The protocol is checked before anything starts: an invalid one records nothing.
            var protocol = args.Protocol is null ? null : ProtocolLoader.LoadNamed(args.Protocol);
            var address = BrokerAddress.Parse(args.Broker);
            var login = SecurityOptions.Resolve(args.CredentialsFile, args.CaFile);
            bool insecure = SecurityOptions.CheckAnonymousClient("run", address, login, args.Insecure);
            string folder = Path.GetFullPath(args.Folder);
            if (!resume && (Directory.Exists(folder) || File.Exists(folder)))
            {
                throw new SessionFolderExistsException(folder);
            }

            // The block is chosen (or a taken one refused) before anything starts. A resumed session keeps its header, subject included.
            var today = DateOnly.FromDateTime(TimeProvider.System.GetLocalNow().DateTime);
            var subject = resume ? new SessionSubject(mouse, today, args.Block ?? 1)
                : await TaskCli.FromRegistryAsync(args.Subject.ApplyTo(TaskCli.Subject(folder, mouse, today, args.Block)), args.Subjects, "run", mustBeKnown: true);

            // A rewarding protocol refuses to start here, before the preflight and the folder, without a usable curve.
            var (calibration, dose) = protocol is null
                ? (await CalibrateCommand.ResolveProvenanceAsync(args.CalibrationFile, rigId, "run", TimeProvider.System), null)
                : await TaskCli.ResolveRewardAsync(protocol, args.CalibrationFile, args.Uncalibrated, rigId, "run", TimeProvider.System);
            // The web console (docs/console.md): a separate consumer, fed once a second from the progress loop below.
            var consoleOptions = ConsoleCli.Resolve(args.ConsoleBind, args.ConsoleLogin, args.ConsolePort, null, Path.GetDirectoryName(folder));
            var preflight = args.PreflightScenario is null ? default
                : await LoopbackCommand.PreflightAsync(rigId, address, args.PreflightScenario, args.SkipPreflightFailure, login, ct);
            if (preflight.Refuse is { } refused)
            {
                return refused;
            }

            // One logging setup: the task and the scene need loggers before the host is built, so the host takes this factory.
            using var loggers = RigApp.CreateLoggers(verbose);
            var builder = RigApp.CreateBuilder(verbose, loggers);
            // The scene goes out on its own connection, so a slow renderer never delays the bridge's acknowledgements.
            await using var vrLink = publishScene ? new MqttLinkFactory(address, login).Create(new LinkOptions { ClientId = "vr-" + rigId + "-" + Environment.ProcessId }) : null;
            if (vrLink is not null)
            {
                await vrLink.ConnectAsync(ct);
            }

            // Gimbl confirms a start on its own topic; the watch reads every message of its link, so it gets a link of its own.
            await using var gimblLink = publishScene && gimbl ? new MqttLinkFactory(address, login).Create(new LinkOptions { ClientId = "gimbl-watch-" + rigId + "-" + Environment.ProcessId }) : null;
            if (gimblLink is not null)
            {
                await gimblLink.ConnectAsync(ct);
            }

            await using var gimblWatch = gimblLink is null ? null : new GimblSessionWatch(gimblLink, TimeProvider.System);
            if (gimblWatch is not null)
            {
                await gimblWatch.StartAsync(ct);
            }

            await using var scene = vrLink is null ? null : new MqttVrSceneSink(vrLink, new VrSinkOptions
            {
                RigId = rigId, Gimbl = gimbl, GimblTreadmill = args.GimblTreadmill, GimblUnitsPerCm = args.GimblUnitsPerCm, EncoderCountsPerCm = countsPerCm,
            }, loggers.CreateLogger("Rig.Vr"));
            var task = protocol is null ? null : new LiveTaskDriver(protocol, countsPerCm, loggers.CreateLogger("Rig.Task"), scene, reward: dose,
                triggers: args.HostTriggers ? TriggerPath.Host : TriggerPath.Device);
            builder.Services.AddSingleton(new BridgeRunSettings(rigId, folder, new MqttLinkFactory(address, login),
                new SessionStartInfo(address.ToString(), CommonOptions.Software, protocol is null ? null : $"{protocol.Name} (sha256 {protocol.Sha256})",
                    CommandLine: Environment.CommandLine, Calibration: calibration, RewardDoses: dose is null ? null : [dose],
                    Subject: subject, Insecure: insecure, ImagingFrameRateHz: args.FrameRateHz), task, resume)
            {
                SummarySections = scene is null && task is null ? null : () => TaskPositionReport.Merge(
                    scene is null ? null : VrSinkReport.SummarySections(scene.Counts(), gimblWatch?.State), task?.SummarySections()),
            });
            builder.Services.AddSingleton<BridgeRunState>();
            builder.Services.AddHostedService<BridgeService>();
            await using var hub = new ConsoleHub(TimeProvider.System);
            var feed = hub.Attach(rigId);
            var (web, webMoved) = await ConsoleCli.StartWebAsync(consoleOptions with { Console = consoleOptions.Console! with { Hub = hub } }, ct);
            await using var webServer = web;
            await Console.Error.WriteLineAsync("rig run: " + ConsoleCli.Describe(web, webMoved, args.ConsolePort));
            using var app = builder.Build();
            var state = app.Services.GetRequiredService<BridgeRunState>();
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
            var run = app.RunAsync(stop.Token);
            await state.Started;
            if (state.Failure is null)
            {
                if (preflight.Outcome is not null)
                {
                    LoopbackCommand.RecordPreflight(folder, preflight.Outcome, args.SkipPreflightFailure);
                }

                await Console.Error.WriteLineAsync($"rig run: recording rig '{rigId}' from {address} into {folder}; Ctrl-C ends the session");
                if (minutes > 0)
                {
                    stop.CancelAfter(TimeSpan.FromMinutes(minutes));
                }

                var progress = new ProgressLine();
                var live = new ConsoleTables(task, mouse, ConsoleTablesInterval);
                while (!run.IsCompleted)
                {
                    await Task.WhenAny(run, Task.Delay(1000, CancellationToken.None));
                    if (state.Recorder is { } r && state.Result is null && state.Failure is null && !run.IsCompleted)
                    {
                        var s = r.Snapshot();
                        feed.Post(new RigLiveUpdate(TimeProvider.System.GetUtcNow(), s, live.Latest()) { Session = folder, Protocol = protocol?.Name });
                        progress.Report($"[rig run] events {s.EventsTotal:N0}, licks {s.Licks:N0}, batches {s.BatchesReceived:N0}, missing batches {s.MissingBatches}, resend requests {s.ResendRequests}" + ProgressLine.BadInput(s)
                            + (task is null ? "" : $" | trials {task.TrialsCompleted}")
                            + (dose is { Calibrated: false } ? " | UNCALIBRATED rewards" : "")
                            + (scene is null ? "" : " | " + VrSinkReport.Progress(scene.Counts(), gimblWatch?.State)));
                    }
                }

                progress.Done();
            }

            await run;
            if (state.Failure is not null)
            {
                feed.Post(new RigLiveUpdate(TimeProvider.System.GetUtcNow(), state.Recorder?.Snapshot(), null, state.Failure.Message) { Ended = true });
                throw state.Failure;
            }

            var result = state.Result ?? throw new InvalidOperationException("the bridge stopped without a session result");
            var extra = new List<(string, string)> { ("rig", rigId), ("broker", address.ToString()), ("rewards", DemoCommand.SummaryRewards(result.Counts)) };
            if (scene is not null)
            {
                await scene.FlushAndStopAsync(TimeSpan.FromSeconds(2));
                extra.Add(("vr scene", VrSinkReport.Describe(scene.Counts())));
                if (gimblWatch is not null)
                {
                    extra.Add(("gimbl", gimblWatch.State.Describe()));
                }
            }
            IReadOnlyList<string> differences = [];
            // Derived tables from the journal alone (every segment of a resumed session), in one pass, into derived/.
            var derived = SessionDerivation.Derive(SessionFolder.Open(result.Folder));
            extra.Add(("derived tables", $"{derived.WrittenTo}: {derived.Alignment.Summary.Events:N0} events, {derived.Alignment.Summary.Frames:N0} frames"));
            var tables = derived.Task;
            var frameRate = SessionDerivation.FrameRateOf(derived.Folder.Header, derived.Alignment);
            extra.Add(("imaging frame rate", frameRate.Describe()));
            if (frameRate.Agrees == false)
            {
                await Console.Error.WriteLineAsync("rig run: warning: imaging frame rate " + frameRate.Describe());
            }
            if (task is not null && protocol is not null && tables is not null)
            {
                // A resumed run's live engine saw only this run's part of the session; the rebuilt table covers all of it.
                differences = resume ? [] : TaskTableComparison.Differences(task.BuildLive(tables.Info.Mouse, tables.Info.SessionDate, tables.Info.Block), tables);
                extra.Add(("protocol", $"{protocol.Name} ({protocol.Reward.Mode})"));
                extra.Add(TaskCli.RewardRow(dose));
                extra.Add(("task commands", $"{task.CommandsSent} sent and acknowledged, {task.CommandsRefused} refused, {task.CommandsTimedOut} timed out"));
                extra.Add(("task table from journal", resume ? $"rebuilt from all {derived.Replay.JournalSegments} journal segments (the live engine saw only this run)"
                    : differences.Count == 0 ? "same as live" : "DIFFERENT: " + string.Join("; ", differences)));
                extra.Add(("task tables", $"{derived.WrittenTo}: {tables.Trials.Count} trials, {tables.Licks.Count} licks"));
                extra.AddRange(TaskCli.MetricRows(tables.Info.Metrics));
            }

            feed.Post(new RigLiveUpdate(TimeProvider.System.GetUtcNow(), result.Counts, tables) { Session = folder, Protocol = protocol?.Name, Ended = true });
            if (json)
            {
                SummaryPrinter.PrintJson(Console.Out, new { session = result.Folder, rig = rigId, broker = address.ToString(), drained = result.Drained, imaging_frame_rate = frameRate, recorded = result.Counts, journal = new { records = result.JournalRecords, bytes = result.JournalBytes },
                    task = tables is null || task is null ? null : new { protocol = tables.Info.Protocol, reward = dose, uncalibrated = dose is { Calibrated: false }, trials = tables.Trials.Count, licks = tables.Licks.Count, metrics = tables.Info.Metrics, task_table_matches_live = differences.Count == 0, commands_sent = task.CommandsSent, commands_refused = task.CommandsRefused, commands_timed_out = task.CommandsTimedOut } });
            }
            else
            {
                SummaryPrinter.PrintCounts(Console.Out, $"session {result.Folder}", result.Counts, extra);
            }

            if (differences.Count > 0)
            {
                await Console.Error.WriteLineAsync("rig run: the task table rebuilt from the journal differs from the live one: " + differences[0]);
                return ExitCodes.TaskReplayMismatch;
            }

            // Events the device dropped (its buffer outlasted) are counted and their ranges known, but the session still lacks
            // them: it is marked incomplete too, and every range is named.
            bool complete = result.Drained && result.Counts.MissingBatches == 0 && result.Counts.UnexplainedMissingEvents == 0
                && result.Counts.DeviceLostEvents == 0;
            SummaryPrinter.PrintLosses(Console.Error, "run", result.Counts);
            return complete ? ExitCodes.Ok : ExitCodes.SessionIncomplete;
        }
        catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            // Every failure ends as one clear line and its documented exit code, never a stack trace.
            return await CliErrors.ReportAsync("run", e);
        }
    }
}
