using System;
using System.CommandLine;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Rig.Recording.Bridge;
using Rig.Recording.Broker;
using Rig.Recording.Decoding;
using Rig.Recording.Link;
using Rig.Provisioning.Loopback;
using Rig.VirtualRig;
using Rig.VirtualRig.Loopback;
using Command = System.CommandLine.Command;

namespace Rig.Cli.Commands;

/// <summary>
/// `rig loopback`: pulses an output wired back into an input, scheduled on the device, and reports the capture
/// delay, missed and extra edges, pulse-width error and command round trip against thresholds (docs/loopback.md).
/// `--virtual` runs it against an in-process embedded broker and a virtual rig with a simulated fixture wire.
/// </summary>
internal static class LoopbackCommand
{
    /// <summary>The pulses of a preflight (`rig run --preflight`): a few seconds of valve-to-lick.</summary>
    public const int PreflightPulses = 20;

    /// <summary>Where each rig's loopback history is kept, relative to the working folder.</summary>
    public const string DefaultHistory = "loopback";

    public static Command Create()
    {
        var rig = CommonOptions.Rig(required: false, defaultValue: "demo");
        var broker = new Option<string?>("--broker") { Description = "Broker URL: mqtt://HOST[:PORT] (required unless --virtual)" };
        var scenario = new Option<string>("--scenario")
        {
            Description = "Wiring: " + string.Join(", ", LoopbackScenario.Known.Select(s => s.Name)),
            DefaultValueFactory = _ => "valve-to-lick",
        };
        var pulses = new Option<int?>("--pulses") { Description = "Pulses in the train (1-65535; default 1000); tones for tone-to-ttl (default 50), frames for renderer-to-photodiode (default 600)" };
        var seed = new Option<uint>("--seed") { Description = "Seed of the device's random intervals and widths (not 0)", DefaultValueFactory = _ => 1 };
        var seconds = CommonOptions.Positive(new Option<double>("--seconds") { Description = "scanner-frame-clock: how long to listen, s of device time", DefaultValueFactory = _ => 30 });
        var pings = new Option<int>("--pings") { Description = "Pings for the command round trip", DefaultValueFactory = _ => 100 };
        var thresholds = new Option<string?>("--thresholds") { Description = "PASS/FAIL thresholds file (JSON; docs/loopback.md); default: <history>/thresholds.json when it exists, else the built-in limits" };
        var history = new Option<string>("--history") { Description = "History folder: one subfolder per rig, one per run, and history.csv", DefaultValueFactory = _ => DefaultHistory };
        var isVirtual = new Option<bool>("--virtual") { Description = "Use an in-process embedded broker and a virtual rig with the fixture's wire simulated (no hardware)" };
        var latency = new Option<double?>("--latency-us") { Description = "--virtual: the wire's mean delay, µs (default 7; tone-to-ttl 20 per edge; renderer-to-photodiode the display latency, 25000)" };
        var jitter = new Option<double?>("--jitter-us") { Description = "--virtual: the wire's jitter, ± µs, uniform (default 2; tone-to-ttl 5; renderer-to-photodiode 2000)" };
        var dropPercent = new Option<double>("--drop-percent") { Description = "--virtual renderer-to-photodiode: frames the simulated screen drops, %", DefaultValueFactory = _ => 0.5 };
        var disconnect = new Option<bool>("--disconnect") { Description = "--virtual: leave the wire disconnected (nothing comes back)" };
        var simSeed = CommonOptions.Seed();
        // 20x: a 1000-pulse train (about 100 s of device time) takes about 5 s; as fast as possible (0) floods the
        // link with batches and the pings queue behind them, which measures the flood, not the round trip.
        var speed = CommonOptions.Speed(20);
        var json = CommonOptions.Json();
        var verbose = new Option<bool>("--verbose") { Description = "Log the bridge's activity to stderr" };
        var command = new Command("loopback", "Measure the rig's timing with an output wired back into an input: capture delay, missed and extra edges, pulse width, round trip; PASS or FAIL")
        {
            rig, broker, scenario, pulses, seed, seconds, pings, thresholds, history, isVirtual, latency, jitter, dropPercent, disconnect, simSeed, speed, json, verbose,
        };
        command.SetAction((p, ct) => RunAsync(new Args(p.GetValue(rig)!, p.GetValue(broker), p.GetValue(scenario)!, p.GetValue(pulses), p.GetValue(seed), p.GetValue(seconds), p.GetValue(pings),
            p.GetValue(thresholds), p.GetValue(history)!, p.GetValue(isVirtual), p.GetValue(latency), p.GetValue(jitter), p.GetValue(dropPercent), p.GetValue(disconnect), p.GetValue(simSeed),
            p.GetValue(speed), p.GetValue(json), p.GetValue(verbose)), ct));
        return command;
    }

    private sealed record Args(string RigId, string? Broker, string Scenario, int? Pulses, uint Seed, double Seconds, int Pings, string? Thresholds, string History,
        bool Virtual, double? LatencyMicros, double? JitterMicros, double DropPercent, bool Disconnect, int SimSeed, double Speed, bool Json, bool Verbose);

    private static async Task<int> RunAsync(Args a, CancellationToken ct)
    {
        try
        {
            var options = Options(a.Scenario, a.Pulses ?? LoopbackScenario.Find(a.Scenario).DefaultCount, a.Seed, a.Pings, a.Thresholds ?? DefaultThresholdsFile(a.History))
                with { ListenTime = TimeSpan.FromSeconds(a.Seconds) };
            options.Validate();
            if (!a.Virtual && string.IsNullOrEmpty(a.Broker))
            {
                throw new LoopbackInputException("--broker is required (or --virtual for the simulated rig)");
            }

            if (a.LatencyMicros is { } l && (!double.IsFinite(l) || l < 0) || a.JitterMicros is { } j && (!double.IsFinite(j) || j < 0))
            {
                throw new LoopbackInputException("--latency-us and --jitter-us must be 0 or more");
            }

            if (!double.IsFinite(a.DropPercent) || a.DropPercent is < 0 or > 100)
            {
                throw new LoopbackInputException($"--drop-percent must be 0 to 100, not {a.DropPercent}");
            }

            using var app = RigApp.CreateBuilder(a.Verbose).Build();
            var bridge = app.Services.GetRequiredService<BridgeOptions>();
            var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Rig.Loopback");
            LoopbackOutcome outcome;
            if (a.Virtual)
            {
                await using var broker = await EmbeddedBroker.StartAsync(new EmbeddedBrokerOptions { Port = 0 }, ct);
                var sim = LoopbackFixture.ForLeg(new VirtualRigOptions { RigId = a.RigId, Seed = a.SimSeed, Speed = a.Speed }, options.Scenario,
                    a.LatencyMicros, a.JitterMicros, connected: !a.Disconnect, a.DropPercent);
                var connect = VirtualLoopback.Connector(new MqttLinkFactory(broker.Address), sim.Options, bridge,
                    new SessionStartInfo(broker.Address + " (embedded)", CommonOptions.Software, "loopback", Environment.CommandLine), TimeProvider.System, logger);
                string model = options.Scenario.Leg is LoopbackLeg.PulseTrain or LoopbackLeg.FrameClock ? sim.Description : sim.Description + " (simulated)";
                outcome = await RunWithProgressAsync(connect, options with { Target = "virtual rig, " + model, Screen = sim.Screen }, a.History, a.RigId, ct);
            }
            else
            {
                var address = BrokerAddress.Parse(a.Broker!);
                outcome = await RunOnBrokerAsync(address, a.RigId, options, a.History, bridge, logger, ct, SecurityOptions.Resolve(null, null));
            }

            Print(outcome, a.Json);
            return ExitCode(outcome.Report);
        }
        catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            // Every failure ends as one clear line and its documented exit code, never a stack trace.
            return await CliErrors.ReportAsync("loopback", e);
        }
    }

    /// <summary>The lab's thresholds file in the history folder, if there is one.</summary>
    public static string? DefaultThresholdsFile(string history)
    {
        string path = Path.Combine(history, "thresholds.json");
        return File.Exists(path) ? path : null;
    }

    /// <summary>
    /// `rig run --preflight`: a short valve-to-lick loopback (20 pulses, a few seconds) before the session. Returns
    /// the outcome, and the exit code to stop with when it failed and is not overridden (else null).
    /// </summary>
    public static async Task<(LoopbackOutcome Outcome, int? Refuse)> PreflightAsync(string rigId, BrokerAddress address, string scenario, bool overrideFailure,
        BrokerLogin? login, CancellationToken ct)
    {
        var options = Options(scenario, PreflightPulses, 1, 20, DefaultThresholdsFile(DefaultHistory)) with { Target = "hardware (preflight)" };
        using var app = RigApp.CreateBuilder(verbose: false).Build();
        var outcome = await RunOnBrokerAsync(address, rigId, options, DefaultHistory, app.Services.GetRequiredService<BridgeOptions>(),
            app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Rig.Preflight"), ct, login);
        var report = outcome.Report;
        await Console.Error.WriteLineAsync($"rig run: preflight {report.Settings.Scenario}: {(report.Passed ? "PASS" : "FAIL")}: {report.Message} (report: {outcome.RunFolder})");
        if (report.Passed)
        {
            return (outcome, null);
        }

        if (overrideFailure)
        {
            await Console.Error.WriteLineAsync("rig run: warning: starting anyway (--skip-preflight-failure); the failed preflight is recorded in the session");
            return (outcome, null);
        }

        await Console.Error.WriteLineAsync("rig run: not starting the session; fix the rig or pass --skip-preflight-failure to record anyway");
        return (outcome, ExitCode(report));
    }

    /// <summary>Writes the preflight's result into the session folder (preflight.json).</summary>
    public static void RecordPreflight(string sessionFolder, LoopbackOutcome outcome, bool overridden)
    {
        ArgumentNullException.ThrowIfNull(outcome);
        var r = outcome.Report;
        var record = new
        {
            verdict = r.Verdict,
            passed = r.Passed,
            overridden = overridden && !r.Passed,
            message = r.Message,
            scenario = r.Settings.Scenario,
            pulses = r.Settings.Pulses,
            date_utc = r.DateUtc,
            firmware_version = r.FirmwareVersion,
            boot_id = r.BootId,
            matched_edges = r.MatchedEdges,
            missed_edges = r.MissedEdges,
            extra_edges = r.ExtraEdges,
            capture_delay_micros = r.CaptureDelayMicros,
            pulse_width_error_abs_max_micros = r.PulseWidthErrorAbsMaxMicros,
            round_trip_milliseconds = r.RoundTripMilliseconds,
            checks = r.Checks,
            report_folder = outcome.RunFolder,
        };
        using var stream = new FileStream(Path.Combine(sessionFolder, "preflight.json"), FileMode.CreateNew, FileAccess.Write);
        System.Text.Json.JsonSerializer.Serialize(stream, record, LoopbackHistory.Json);
    }

    /// <summary>Validated run options (nothing is sent before this succeeds).</summary>
    public static LoopbackRunOptions Options(string scenario, int pulses, uint seed, int pings, string? thresholdsFile)
    {
        var options = new LoopbackRunOptions
        {
            Scenario = LoopbackScenario.Find(scenario),
            Pulses = pulses,
            Seed = seed,
            Pings = pings,
            Thresholds = thresholdsFile is null ? LoopbackThresholds.Default : LoopbackThresholds.Load(thresholdsFile),
        };
        options.Validate();
        return options;
    }

    /// <summary>A loopback against a rig on a broker: its own MQTT client, recorded into the rig's history.</summary>
    public static Task<LoopbackOutcome> RunOnBrokerAsync(BrokerAddress address, string rigId, LoopbackRunOptions options, string history,
        BridgeOptions bridge, ILogger logger, CancellationToken ct, BrokerLogin? login = null)
    {
        ArgumentNullException.ThrowIfNull(address);
        async Task<LoopbackConnection> Connect(string folder, IEventSink sink, CancellationToken token)
        {
            var link = new MqttLinkFactory(address, login).Create(new LinkOptions { ClientId = "loopback-" + rigId });
            try
            {
                await link.ConnectAsync(token);
                var recorder = await SessionRecorder.StartAsync(new RecorderSettings(link, rigId, folder)
                {
                    Info = new SessionStartInfo(address.ToString(), CommonOptions.Software, "loopback", Environment.CommandLine),
                    Options = bridge, Logger = logger, Sink = sink,
                }, token);
                return new LoopbackConnection(recorder, new Owned(recorder, link));
            }
            catch
            {
                await link.DisposeAsync();
                throw;
            }
        }

        return RunWithProgressAsync(Connect, options, history, rigId, ct);
    }

    private static async Task<LoopbackOutcome> RunWithProgressAsync(Func<string, IEventSink, CancellationToken, Task<LoopbackConnection>> connect,
        LoopbackRunOptions options, string history, string rigId, CancellationToken ct)
    {
        var progress = new ProgressLine();
        var outcome = await LoopbackWorkflow.RunAsync(connect, options, new LoopbackHistory(history), rigId, TimeProvider.System,
            new InlineProgress(m => progress.Report("[rig loopback] " + m)), ct);
        progress.Done();
        return outcome;
    }

    /// <summary>20 for FAIL, 21 when nothing came back; 0 for PASS.</summary>
    public static int ExitCode(LoopbackReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        return report.Verdict switch
        {
            LoopbackVerdict.Pass => ExitCodes.Ok,
            LoopbackVerdict.NoEdges => ExitCodes.LoopbackNoEdges,
            _ => ExitCodes.LoopbackFailed,
        };
    }

    private static void Print(LoopbackOutcome outcome, bool json)
    {
        if (json)
        {
            SummaryPrinter.PrintJson(Console.Out, new
            {
                folder = outcome.RunFolder,
                verdict = outcome.Report.Verdict.ToString().ToLowerInvariant(),
                message = outcome.Report.Message,
                report = Path.Combine(outcome.RunFolder, LoopbackHistory.ReportJson),
                files = outcome.Files,
            });
            return;
        }

        Console.Out.Write(outcome.Report.ToText());
        Console.Out.WriteLine("  saved in      " + outcome.RunFolder);
        foreach (string f in outcome.Files.Where(f => f.EndsWith(".png", StringComparison.Ordinal)))
        {
            Console.Out.WriteLine("  histogram     " + f);
        }
    }

    private sealed class Owned(SessionRecorder recorder, IRigLink link) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await recorder.DisposeAsync();
            await link.DisposeAsync();
        }
    }

    private sealed class InlineProgress(Action<string> report) : IProgress<string>
    {
        public void Report(string value) => report(value);
    }
}
