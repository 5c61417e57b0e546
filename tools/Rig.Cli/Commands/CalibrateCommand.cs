using System;
using System.Collections.Generic;
using System.CommandLine;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Rig.Host.Bridge;
using Rig.Host.Broker;
using Rig.Host.Calibration;
using Rig.Host.Calibration.Run;
using Rig.Host.Link;
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
        command.SetAction((parse, ct) => CalibrateAsync(shared.Read(parse), parse.GetValue(durations), parse.GetValue(pulses), parse.GetValue(note), ct));

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
        verify.SetAction((parse, ct) => VerifyAsync(vShared.Read(parse), parse.GetValue(volume), parse.GetValue(vPulses), parse.GetValue(tolerance), parse.GetValue(vNote), ct));
        command.Subcommands.Add(verify);
        return command;
    }

    /// <summary>`--calibration FILE` for commands that record sessions.</summary>
    public static Option<string?> CalibrationOption() => new("--calibration")
    {
        Description = "Water calibration file to record in session.json and to turn rewards into µL (default: calibrations/<rig>-valve0.calibration.json when it exists)",
    };

    /// <summary>
    /// The calibration a session records: the file given, else the rig's valve 0 file in ./calibrations when there is one.
    /// A given file that cannot be used is an error; an implicit one only a warning. An old curve is warned about.
    /// </summary>
    public static async Task<CalibrationProvenance?> ResolveProvenanceAsync(string? file, string rigId, string command, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(time);
        CalibrationHistory history;
        int valve = 0;
        if (file is not null)
        {
            history = CalibrationProvenance.LoadFile(file, out valve);
        }
        else
        {
            var store = new CalibrationStore("calibrations");
            if (!Rig.Protocol.RigId.IsValid(rigId) || !File.Exists(store.PathFor(rigId, 0)))
            {
                return null;
            }

            try
            {
                history = store.Load(rigId, 0);
            }
            catch (CalibrationFileException e)
            {
                await Console.Error.WriteLineAsync($"rig {command}: warning: not using the calibration: {e.Message}");
                return null;
            }
        }

        var provenance = CalibrationProvenance.From(history, valve);
        if (provenance is null)
        {
            if (file is not null)
            {
                throw new CalibrationInputException($"'{file}' holds no fitted calibration curve");
            }

            return null;
        }

        var age = DriftCheck.CheckAge(history, time.GetUtcNow(), DriftCheck.DefaultMaxAge);
        if (age.Warn)
        {
            await Console.Error.WriteLineAsync($"rig {command}: warning: {age.Message}");
        }

        await Console.Error.WriteLineAsync($"rig {command}: rewards in µL by the calibration of {provenance.Date:yyyy-MM-dd} in {provenance.File}");
        return provenance;
    }

    private sealed record Common(string RigId, string? Broker, int Valve, double IntervalMs, double MinRefillMs, uint HardMaxMicros,
        string? ScalePort, string ScaleCommand, double Density, string Store, bool Force, string? SessionOut, bool Virtual,
        int Seed, double Speed, double Clog, string? Operator, bool Json, bool Verbose);

    private sealed class SharedOptions
    {
        private readonly Option<string> _rig = CommonOptions.Rig(required: false, defaultValue: "demo");
        private readonly Option<string?> _broker = new("--broker") { Description = "Broker URL: mqtt://HOST[:PORT] (required unless --virtual)" };
        private readonly Option<int> _valve = new("--valve") { Description = "Valve channel", DefaultValueFactory = _ => 0 };
        private readonly Option<double> _interval = new("--interval-ms") { Description = "Start of one pulse to the next, ms of device time", DefaultValueFactory = _ => 300 };
        private readonly Option<double> _refill = new("--min-refill-ms") { Description = "Closed time the valve needs after each pulse, ms", DefaultValueFactory = _ => 100 };
        private readonly Option<uint> _hardMax = new("--hard-max-us") { Description = "The firmware's hard maximum open time, µs (DeviceConfig.ValveHardMaxOpenMicros)", DefaultValueFactory = _ => 500_000 };
        private readonly Option<string?> _scalePort = new("--scale-port") { Description = "Serial balance (e.g. /dev/ttyUSB0, set up with stty); default: type the mass in grams" };
        private readonly Option<string> _scaleCommand = new("--scale-command") { Description = "Print command sent to the balance", DefaultValueFactory = _ => "P\r\n" };
        private readonly Option<double> _density = new("--density") { Description = "Water density, g/mL", DefaultValueFactory = _ => CalibrationPoint.WaterDensityGramsPerMl };
        private readonly Option<string> _store = new("--store") { Description = "Calibration folder (one JSON file per rig and valve)", DefaultValueFactory = _ => "calibrations" };
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
            foreach (Option o in new Option[] { _rig, _broker, _valve, _interval, _refill, _hardMax, _scalePort, _scaleCommand, _density, _store, _force, _session, _virtual, _seed, _speed, _clog, _operator, _json, _verbose })
            {
                command.Options.Add(o);
            }
        }

        public Common Read(ParseResult p) => new(p.GetValue(_rig)!, p.GetValue(_broker), p.GetValue(_valve), p.GetValue(_interval), p.GetValue(_refill),
            p.GetValue(_hardMax), p.GetValue(_scalePort), p.GetValue(_scaleCommand)!, p.GetValue(_density), p.GetValue(_store)!, p.GetValue(_force),
            p.GetValue(_session), p.GetValue(_virtual), p.GetValue(_seed), p.GetValue(_speed), p.GetValue(_clog), p.GetValue(_operator), p.GetValue(_json), p.GetValue(_verbose));
    }

    private static CalibrationRunOptions RunOptions(Common a, int pulses)
    {
        if (a.Valve is < 0 or > 255)
        {
            throw new CalibrationRunInputException($"--valve must be 0-255, not {a.Valve}");
        }

        if (!double.IsFinite(a.IntervalMs) || a.IntervalMs <= 0 || !double.IsFinite(a.MinRefillMs) || a.MinRefillMs < 0)
        {
            throw new CalibrationRunInputException("--interval-ms must be more than 0 and --min-refill-ms 0 or more");
        }

        if (!double.IsFinite(a.Clog) || a.Clog <= 0 || a.Clog > 1)
        {
            throw new CalibrationRunInputException(string.Create(C, $"--clog is the fraction of the flow that passes, above 0 and at most 1, not {a.Clog}"));
        }

        if (!a.Virtual && string.IsNullOrEmpty(a.Broker))
        {
            throw new CalibrationRunInputException("--broker is required (or --virtual for the simulated rig)");
        }

        return new CalibrationRunOptions
        {
            Valve = (byte)a.Valve,
            PulsesPerDuration = pulses,
            Interval = TimeSpan.FromMilliseconds(a.IntervalMs),
            MinRefill = TimeSpan.FromMilliseconds(a.MinRefillMs),
            HardMaxMicros = a.HardMaxMicros,
            DensityGramsPerMl = a.Density,
        };
    }

    private static async Task<int> CalibrateAsync(Common a, string? durationsText, int pulses, string? note, CancellationToken ct)
    {
        try
        {
            // Everything that can be refused is refused here, before a broker, a device or a file is touched.
            var options = RunOptions(a, pulses);
            var durations = durationsText is null ? null : DurationPlanner.ParseMilliseconds(durationsText);
            var store = new CalibrationStore(a.Store);
            var plan = CalibrationWorkflow.Plan(store, a.RigId, a.Valve, durations, options);
            await Console.Error.WriteLineAsync(string.Create(C,
                $"rig calibrate: valve {a.Valve} of rig '{a.RigId}': {string.Join(", ", plan.DurationsMicros.Select(d => (d / 1000.0).ToString("0.###", C)))} ms, {pulses} pulses each, every {a.IntervalMs:0} ms (about {Estimate(plan.DurationsMicros.Count * (long)pulses, options.Interval)})"));

            await using var rig = await RigConnection.OpenAsync(a, "calibrate", CalibrationProvenance.From(plan.History, a.Valve), ct);
            var runner = new CalibrationRunner(rig.Recorder, rig.Scale, rig.Wait, options);
            var progress = new ProgressLine();
            var run = await runner.RunAsync(plan.DurationsMicros, new Progress<CalibrationProgress>(p => progress.Report(Describe(p))), ct);
            progress.Done();

            // From here on Ctrl-C no longer applies: the points measured are saved before anything else.
            var outcome = CalibrationWorkflow.Finish(store, plan, run, new CalibrationIdentity(a.RigId, a.Valve, rig.FirmwareVersion, a.Operator, note), a.Density, TimeProvider.System);
            var session = await rig.StopAsync();
            Print(a, plan, outcome, session);
            if (outcome.Drift is { Drifted: true } drift)
            {
                await Console.Error.WriteLineAsync("rig calibrate: warning: " + drift.Message);
            }

            if (!run.Completed)
            {
                await Console.Error.WriteLineAsync($"rig calibrate: the run stopped early: {run.StopMessage}. " +
                    (outcome.Saved is null ? outcome.NotSavedReason : $"The {run.Points.Count} completed duration(s) were saved.") +
                    " Empty the cup before running again.");
                return ExitCodes.CalibrationInterrupted;
            }

            return ExitCodes.Ok;
        }
        catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            // Every failure ends as one clear line and its documented exit code, never a stack trace.
            return await CliErrors.ReportAsync("calibrate", e);
        }
    }

    private static async Task<int> VerifyAsync(Common a, double volume, int pulses, double tolerance, string? note, CancellationToken ct)
    {
        try
        {
            var options = RunOptions(a, pulses);
            if (!double.IsFinite(tolerance) || tolerance <= 0)
            {
                throw new CalibrationRunInputException(string.Create(C, $"--tolerance must be a fraction above 0 (0.05 = 5%), not {tolerance}"));
            }

            var store = new CalibrationStore(a.Store);
            var history = store.Load(a.RigId, a.Valve);
            uint duration = CalibrationWorkflow.VerificationDuration(history, a.RigId, a.Valve, volume, a.Force);
            CalibrationRunner.Validate([duration], options);
            await Console.Error.WriteLineAsync(string.Create(C,
                $"rig calibrate verify: {volume:0.###} µL is {duration / 1000.0:0.###} ms by the curve of {history.Current!.Date:yyyy-MM-dd}; {pulses} pulses every {a.IntervalMs:0} ms"));

            await using var rig = await RigConnection.OpenAsync(a, "verify", CalibrationProvenance.From(history, a.Valve), ct);
            var runner = new CalibrationRunner(rig.Recorder, rig.Scale, rig.Wait, options);
            var progress = new ProgressLine();
            var run = await runner.RunAsync([duration], new Progress<CalibrationProgress>(p => progress.Report(Describe(p))), ct);
            progress.Done();
            var outcome = CalibrationWorkflow.FinishVerification(store, history, run, new CalibrationIdentity(a.RigId, a.Valve, rig.FirmwareVersion, a.Operator, note),
                volume, tolerance, a.Density, TimeProvider.System);
            await rig.StopAsync();
            if (a.Json)
            {
                SummaryPrinter.PrintJson(Console.Out, new
                {
                    rig = a.RigId, valve = a.Valve, target_ul = volume, duration_us = duration, expected_ul = outcome.ExpectedMicrolitres,
                    measured_ul = outcome.MeasuredMicrolitres, relative_error = outcome.RelativeError, tolerance, passed = outcome.Passed,
                    drift = outcome.Drift?.Message, drifted = outcome.Drift?.Drifted, store = history.Path, stop = run.Stop.ToString(), stop_message = run.StopMessage,
                });
            }
            else if (outcome.Passed is { } passed)
            {
                Console.Out.WriteLine(string.Create(C,
                    $"{(passed ? "PASS" : "FAIL")}: {outcome.MeasuredMicrolitres:0.000} µL per pulse measured, {outcome.ExpectedMicrolitres:0.000} µL expected at {duration / 1000.0:0.###} ms ({outcome.RelativeError:+0.0%;-0.0%;0.0%}, tolerance ±{tolerance:0.#%})"));
                Console.Out.WriteLine("stored in " + history.Path);
            }

            if (outcome.Drift is { Drifted: true } drift)
            {
                await Console.Error.WriteLineAsync("rig calibrate verify: warning: " + drift.Message);
            }

            if (outcome.Passed is null)
            {
                await Console.Error.WriteLineAsync($"rig calibrate verify: the run stopped early: {run.StopMessage}; {outcome.NotSavedReason}");
                return ExitCodes.CalibrationInterrupted;
            }

            return outcome.Passed.Value ? ExitCodes.Ok : ExitCodes.VerificationFailed;
        }
        catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            return await CliErrors.ReportAsync("calibrate verify", e);
        }
    }

    private static void Print(Common a, CalibrationPlan plan, CalibrationOutcome o, SessionResult? session)
    {
        var fit = o.Fit;
        if (a.Json)
        {
            SummaryPrinter.PrintJson(Console.Out, new
            {
                rig = a.RigId, valve = a.Valve, store = plan.StorePath, plot = o.PlotPath, session = session?.Folder,
                stop = o.Run.Stop.ToString(), stop_message = o.Run.StopMessage, pulses_sent = o.Run.PulsesSent,
                points = o.Run.Points.Select(p => new { duration_us = p.DurationMicros, p.Pulses, mass_g = p.MassGrams, ul_per_pulse = p.MicrolitresPerPulse }),
                fit = fit is null ? null : new
                {
                    model = fit.Model.ToString(), parameters = fit.Parameters, r_squared = fit.RSquared, cv_rms_ul = fit.CrossValidatedRmsMicrolitres,
                    residuals_ul = fit.ResidualsMicrolitres, min_duration_us = fit.MinDurationMicros, max_duration_us = fit.MaxDurationMicros,
                    min_ul = fit.MinMicrolitres, max_ul = fit.MaxMicrolitres,
                },
                drift = o.Drift?.Message, drifted = o.Drift?.Drifted, not_saved = o.NotSavedReason,
            });
            return;
        }

        var w = Console.Out;
        w.WriteLine($"calibration of rig {a.RigId} valve {a.Valve}");
        w.WriteLine("  duration ms   pulses   mass g     µL/pulse   residual µL");
        for (int i = 0; i < o.Run.Points.Count; i++)
        {
            var p = o.Run.Points[i];
            string residual = fit is not null && i < fit.ResidualsMicrolitres.Count ? fit.ResidualsMicrolitres[i].ToString("+0.000;-0.000", C) : "";
            w.WriteLine(string.Create(C, $"  {p.DurationMs,11:0.###}   {p.Pulses,6}   {p.MassGrams,-8:0.0000}   {p.MicrolitresPerPulse,8:0.000}   {residual}"));
        }

        if (fit is not null)
        {
            w.WriteLine(string.Create(C, $"  model        {fit.Model} ({string.Join(", ", fit.Parameters.Select(x => x.ToString("G6", C)))}; t in µs, V in µL)"));
            w.WriteLine(string.Create(C, $"  R²           {fit.RSquared:0.00000} (cross-validated RMS {fit.CrossValidatedRmsMicrolitres:0.000} µL)"));
            w.WriteLine(string.Create(C, $"  valid range  {fit.MinDurationMicros / 1000.0:0.###}-{fit.MaxDurationMicros / 1000.0:0.###} ms = {fit.MinMicrolitres:0.000}-{fit.MaxMicrolitres:0.000} µL per pulse"));
        }

        if (o.Drift is not null)
        {
            w.WriteLine("  drift        " + o.Drift.Message);
        }

        w.WriteLine("  stored in    " + (o.Saved is null ? "nothing saved: " + o.NotSavedReason : plan.StorePath));
        if (o.PlotPath is not null)
        {
            w.WriteLine("  plot         " + o.PlotPath);
        }

        if (session is not null)
        {
            w.WriteLine("  session      " + session.Folder);
        }
    }

    private static string Describe(CalibrationProgress p) => string.Create(C,
        $"[rig calibrate] {p.DurationMicros / 1000.0:0.###} ms ({p.DurationIndex + 1}/{p.DurationCount}): pulse {p.Pulse}/{p.Pulses} | {Estimate(1, p.Remaining)} remaining");

    private static string Estimate(long pulses, TimeSpan interval)
    {
        var t = interval * pulses;
        return t.TotalHours >= 1 ? t.ToString(@"h\:mm\:ss", C) : t.ToString(@"m\:ss", C);
    }

    /// <summary>The bridge recording the run, the scale and the interval clock, for a real rig or an in-process virtual one.</summary>
    private sealed class RigConnection : IAsyncDisposable
    {
        private readonly List<IAsyncDisposable> _owned = [];
        private Func<Task<SessionResult>>? _stop;
        private IDisposable? _app;

        public required SessionRecorder Recorder { get; init; }

        public required IScale Scale { get; init; }

        public required IIntervalWait Wait { get; init; }

        public string? FirmwareVersion { get; init; }

        public static async Task<RigConnection> OpenAsync(Common a, string what, CalibrationProvenance? current, CancellationToken ct)
        {
            var time = TimeProvider.System;
            // Kept until the connection is disposed: the bridge logs through it for the whole run.
            var app = RigApp.CreateBuilder(a.Verbose).Build();
            var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Rig.Calibrate");
            var bridgeOptions = app.Services.GetRequiredService<BridgeOptions>();
            string folder = Path.GetFullPath(a.SessionOut ?? CommonOptions.DefaultSessionFolder(a.RigId + "-" + what, time));
            var owned = new List<IAsyncDisposable>();
            try
            {
                if (a.Virtual)
                {
                    var broker = await EmbeddedBroker.StartAsync(new EmbeddedBrokerOptions { Port = 0 }, ct);
                    owned.Add(broker);
                    var links = new MqttLinkFactory(broker.Address);
                    var v = await VirtualCalibrationRig.StartAsync(links, new VirtualRigOptions { RigId = a.RigId, Seed = a.Seed, Speed = a.Speed },
                        bridgeOptions, folder, new SessionStartInfo(broker.Address + " (embedded)", CommonOptions.Software, "calibrate", Environment.CommandLine, current),
                        time, logger, ct);
                    owned.Insert(0, v);
                    v.Water.Clog(a.Clog);
                    var scale = a.ScalePort is null ? v.Scale : await OpenSerialScaleAsync(a, owned, time);
                    return new RigConnection { Recorder = v.Recorder, Scale = scale, Wait = v.IntervalWait, FirmwareVersion = ReadFirmware(folder), _stop = () => v.StopAsync(CancellationToken.None) }.Own(owned, app);
                }

                var address = BrokerAddress.Parse(a.Broker!);
                var link = new MqttLinkFactory(address).Create(new LinkOptions { ClientId = "calibrate-" + a.RigId });
                owned.Add(link);
                await link.ConnectAsync(ct);
                var recorder = await SessionRecorder.StartAsync(link, a.RigId, folder,
                    new SessionStartInfo(address.ToString(), CommonOptions.Software, "calibrate", Environment.CommandLine, current), bridgeOptions, time, logger, sink: null, ct);
                owned.Insert(0, recorder);
                var realScale = a.ScalePort is null ? new TerminalScale(Console.In, Console.Error) : await OpenSerialScaleAsync(a, owned, time);
                return new RigConnection { Recorder = recorder, Scale = realScale, Wait = new WallClockIntervalWait(time), FirmwareVersion = ReadFirmware(folder), _stop = () => recorder.StopAsync(CancellationToken.None) }.Own(owned, app);
            }
            catch
            {
                foreach (var o in owned)
                {
                    await o.DisposeAsync();
                }

                app.Dispose();
                throw;
            }
        }

        public async Task<SessionResult?> StopAsync()
        {
            var stop = Interlocked.Exchange(ref _stop, null);
            if (stop is null)
            {
                return null;
            }

            try
            {
                return await stop();
            }
            catch (Exception e) when (e is SessionRecordingException or IOException)
            {
                await Console.Error.WriteLineAsync("rig calibrate: the session recording did not close cleanly: " + e.Message);
                return null;
            }
        }

        public async ValueTask DisposeAsync()
        {
            foreach (var o in _owned)
            {
                await o.DisposeAsync();
            }

            _app?.Dispose();
        }

        private RigConnection Own(List<IAsyncDisposable> owned, IDisposable app)
        {
            _owned.AddRange(owned);
            _app = app;
            return this;
        }

        private static Task<IScale> OpenSerialScaleAsync(Common a, List<IAsyncDisposable> owned, TimeProvider time)
        {
            // A tty opened as a file: the port's speed and framing are set beforehand with stty (docs/cli.md).
            var stream = new FileStream(a.ScalePort!, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite, 1, useAsync: false);
            owned.Add(stream);
            return Task.FromResult<IScale>(new SerialLineScale(stream, a.ScalePort!, time, a.ScaleCommand));
        }

        private static string? ReadFirmware(string folder)
        {
            try
            {
                using var doc = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(folder, SessionRecorder.HeaderFile)));
                return doc.RootElement.TryGetProperty("firmware_version", out var v) ? v.GetString() : null;
            }
            catch (Exception e) when (e is IOException or JsonException)
            {
                return null;
            }
        }
    }
}
