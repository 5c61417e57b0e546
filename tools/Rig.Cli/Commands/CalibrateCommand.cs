using System;
using System.CommandLine;
using System.Globalization;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Rig.Recording.Bridge;
using Rig.Recording.Calibration;
using Rig.Provisioning.Calibration.Run;
using Rig.Recording.Link;
using Rig.VirtualRig;
using Rig.VirtualRig.Water;
using Command = System.CommandLine.Command;

namespace Rig.Cli.Commands;

/// <summary>
/// `rig calibrate`: delivers pulses of several open times, weighs the water, fits a volume curve and appends it to
/// the valve's calibration file; `rig calibrate verify` checks one volume against the curve. `--virtual` runs either
/// against an in-process embedded broker and virtual rig, whose simulated scale weighs the water.
/// </summary>
internal static class CalibrateCommand
{
    private static readonly CultureInfo C = CultureInfo.InvariantCulture;

    public static Command Create()
    {
        var shared = new SharedOptions();
        var durations = new Option<string?>("--durations") { Description = "Open times in ms, e.g. 20,40,80 (default: from the current curve for 2-10 µL, else 20-120 ms)" };
        var pulses = new Option<int>("--pulses") { Description = "Pulses per duration", DefaultValueFactory = _ => 100 };
        var note = new Option<string?>("--note") { Description = "Operator note stored with the calibration" };
        var command = new Command("calibrate", "Calibrate a water valve: pulses per open time, weigh, fit µL per pulse, store the curve and a PNG")
        {
            durations, pulses, note,
        };
        shared.AddTo(command);
        command.SetAction((parse, ct) => RunAsync("calibrate", shared.Read(parse) with { Durations = parse.GetValue(durations), Pulses = parse.GetValue(pulses), Note = parse.GetValue(note) }, verify: false, shared.Json(parse), shared.Verbose(parse), ct));

        var vShared = new SharedOptions();
        var volume = new Option<double>("--volume") { Description = "Volume per pulse to verify, µL", Required = true };
        var vPulses = new Option<int>("--pulses") { Description = "Pulses to deliver and weigh together", DefaultValueFactory = _ => 200 };
        var tolerance = new Option<double>("--tolerance") { Description = "Largest accepted relative error (0.05 = 5%)", DefaultValueFactory = _ => 0.05 };
        var vNote = new Option<string?>("--note") { Description = "Operator note stored with the verification" };
        var verify = new Command("verify", "Deliver a volume by the current curve, weigh it and print PASS or FAIL; the result is stored")
        {
            volume, vPulses, tolerance, vNote,
        };
        vShared.AddTo(verify);
        verify.SetAction((parse, ct) => RunAsync("calibrate verify", vShared.Read(parse) with { Volume = parse.GetValue(volume), Pulses = parse.GetValue(vPulses), Tolerance = parse.GetValue(tolerance), Note = parse.GetValue(vNote) }, verify: true, vShared.Json(parse), vShared.Verbose(parse), ct));
        command.Subcommands.Add(verify);
        return command;
    }

    /// <summary>`--calibration FILE` for commands that record sessions.</summary>
    public static Option<string?> CalibrationOption() => new("--calibration")
    {
        Description = "Water calibration file to record in session.json and to turn rewards into µL (default: calibrations/<rig>-valve0.calibration.json when it exists)",
    };

    /// <summary>The calibration a session records (<see cref="CalibrationProvenance.ResolveAsync"/>); messages go to stderr.</summary>
    public static Task<CalibrationProvenance?> ResolveProvenanceAsync(string? file, string rigId, string command, TimeProvider time) =>
        CalibrationProvenance.ResolveAsync(file, rigId, command, Console.Error, time);

    private sealed class SharedOptions
    {
        private readonly Option<string> _rig = CommonOptions.Rig(required: false, defaultValue: "demo");
        private readonly Option<string?> _broker = new("--broker") { Description = "Broker URL: mqtt://HOST[:PORT] (required unless --virtual)" };
        private readonly Option<int> _valve = new("--valve") { Description = "Valve channel", DefaultValueFactory = _ => 0 };
        private readonly Option<double> _interval = new("--interval-ms") { Description = "Start of one pulse to the next, ms of device time", DefaultValueFactory = _ => 300 };
        private readonly Option<double> _refill = new("--min-refill-ms") { Description = "Closed time the valve needs after each pulse, ms", DefaultValueFactory = _ => 100 };
        private readonly Option<uint> _hardMax = new("--hard-max-us") { Description = "The firmware's hard maximum open time, µs (DeviceConfig.ValveHardMaxOpenMicros)", DefaultValueFactory = _ => 500_000 };
        private readonly Option<string?> _scalePort = new("--scale-port") { Description = "Serial balance, e.g. /dev/ttyUSB0 or COM3; default: type the mass in grams" };
        private readonly Option<int> _scaleBaud = new("--scale-baud") { Description = "Speed of the balance's serial port, baud", DefaultValueFactory = _ => 9600 };
        private readonly Option<string> _scaleFraming = new("--scale-framing") { Description = "Data bits, parity (N E O M S) and stop bits of the balance's serial port, e.g. 8N1 or 7E1", DefaultValueFactory = _ => "8N1" };
        private readonly Option<string> _scaleCommand = new("--scale-command") { Description = "Print command sent to the balance", DefaultValueFactory = _ => "P\r\n" };
        private readonly Option<double> _density = new("--density") { Description = "Water density, g/mL", DefaultValueFactory = _ => CalibrationPoint.WaterDensityGramsPerMl };
        private readonly Option<string> _store = new("--store") { Description = "Calibration folder (one JSON file per rig and valve)", DefaultValueFactory = _ => CalibrationStore.DefaultFolder };
        private readonly Option<bool> _force = new("--force") { Description = "Allow volumes outside the calibrated range (extrapolation)" };
        private readonly Option<string?> _session = new("--session-out") { Description = "Session folder recording the pulses (default: sessions/<rig>-calibrate-<time>)" };
        private readonly Option<bool> _virtual = new("--virtual") { Description = "Use an in-process embedded broker and virtual rig with a simulated scale (no hardware)" };
        private readonly Option<int> _seed = CommonOptions.Seed();
        private readonly Option<double> _speed = CommonOptions.Speed(0);
        private readonly Option<double> _clog = new("--clog") { Description = "--virtual: fraction of the flow a partly clogged valve passes (1 = clean)", DefaultValueFactory = _ => 1 };
        private readonly Option<string?> _operator = new("--operator") { Description = "Who ran it (stored)" };
        private readonly Option<bool> _json = CommonOptions.Json();
        private readonly Option<bool> _verbose = new("--verbose") { Description = "Log the bridge's activity to stderr" };

        public void AddTo(Command command)
        {
            foreach (Option o in new Option[] { _rig, _broker, _valve, _interval, _refill, _hardMax, _scalePort, _scaleBaud, _scaleFraming, _scaleCommand, _density, _store, _force, _session, _virtual, _seed, _speed, _clog, _operator, _json, _verbose })
            {
                command.Options.Add(o);
            }
        }

        public CalibrationJob Read(ParseResult p) => new()
        {
            RigId = p.GetValue(_rig)!,
            Broker = p.GetValue(_broker),
            Valve = p.GetValue(_valve),
            IntervalMs = p.GetValue(_interval),
            MinRefillMs = p.GetValue(_refill),
            HardMaxMicros = p.GetValue(_hardMax),
            ScalePort = p.GetValue(_scalePort),
            ScaleSettings = ScaleSettings(p),
            Density = p.GetValue(_density),
            Store = p.GetValue(_store)!,
            Force = p.GetValue(_force),
            SessionOut = p.GetValue(_session),
            Virtual = p.GetValue(_virtual),
            StartVirtualRig = StartVirtualRigAsync,
            Seed = p.GetValue(_seed),
            Speed = p.GetValue(_speed),
            Clog = p.GetValue(_clog),
            Operator = p.GetValue(_operator),
            Software = CommonOptions.Software,
            CommandLine = Environment.CommandLine,
        };

        public bool Json(ParseResult p) => p.GetValue(_json);

        public bool Verbose(ParseResult p) => p.GetValue(_verbose);

        /// <summary>The framing is read when the run starts, so a bad one is reported like every other bad input (exit code 12).</summary>
        private SerialScaleSettings ScaleSettings(ParseResult p) => new()
        {
            BaudRate = p.GetValue(_scaleBaud),
            Command = p.GetValue(_scaleCommand)!,
            FramingText = p.GetValue(_scaleFraming)!,
        };
    }

    private static async Task<ICalibrationRig> StartVirtualRigAsync(CalibrationJob job, ILinkFactory links, BridgeOptions bridgeOptions, string folder,
        SessionStartInfo info, TimeProvider time, ILogger logger, CancellationToken ct)
    {
        var rig = await VirtualCalibrationRig.StartAsync(links, new VirtualRigOptions { RigId = job.RigId, Seed = job.Seed, Speed = job.Speed }, bridgeOptions, folder, info, time, logger, ct);
        rig.Water.Clog(job.Clog);
        return rig;
    }

    /// <summary>Runs the calibration or the verification and maps how it ended to the documented exit codes.</summary>
    private static async Task<int> RunAsync(string command, CalibrationJob job, bool verify, bool json, bool verbose, CancellationToken ct)
    {
        try
        {
            // Kept until the run ends: the bridge logs through it for the whole run.
            using var app = RigApp.CreateBuilder(verbose).Build();
            var runner = new CalibrationJobRunner(job, app.Services.GetRequiredService<BridgeOptions>(),
                app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Rig.Calibrate"), TimeProvider.System, Console.In, Console.Error);
            var progress = new ProgressView();
            var result = verify ? await runner.VerifyAsync(progress, ct) : await runner.CalibrateAsync(progress, ct);
            if (json)
            {
                SummaryPrinter.PrintJson(Console.Out, result.Summary);
            }
            else
            {
                await Console.Out.WriteAsync(result.Text);
            }

            return result.Status switch
            {
                CalibrationJobStatus.Interrupted => ExitCodes.CalibrationInterrupted,
                CalibrationJobStatus.VerificationFailed => ExitCodes.VerificationFailed,
                _ => ExitCodes.Ok,
            };
        }
        catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            // Every failure ends as one clear line and its documented exit code, never a stack trace.
            return await CliErrors.ReportAsync(command, e);
        }
    }

    /// <summary>The run's progress as one line on stderr.</summary>
    private sealed class ProgressView : ICalibrationRunProgress
    {
        private readonly ProgressLine _line = new();

        public void Report(CalibrationProgress value) => _line.Report(CalibrationJobRunner.Describe(value));

        public void RunEnded() => _line.Done();
    }
}
