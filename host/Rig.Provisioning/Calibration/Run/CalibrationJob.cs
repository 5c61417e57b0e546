using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;
using Rig.Recording.Bridge;
using Rig.Recording.Broker;
using Rig.Recording.Calibration;
using Rig.Recording.Journal;
using Rig.Recording.Link;
using Rig.Recording.Sessions;

namespace Rig.Provisioning.Calibration.Run;

/// <summary>A virtual rig and the bridge recording it, ready for pulses: what <c>--virtual</c> runs against.</summary>
public interface ICalibrationRig : IAsyncDisposable
{
    SessionRecorder Recorder { get; }

    /// <summary>The rig's simulated scale.</summary>
    IScale Scale { get; }

    IIntervalWait IntervalWait { get; }

    Task<SessionResult> StopAsync(CancellationToken cancellationToken);
}

/// <summary>Shows the run's progress, one report per pulse; <see cref="RunEnded"/> comes once the pulses are done, before the results are printed.</summary>
public interface ICalibrationRunProgress : IProgress<CalibrationProgress>
{
    void RunEnded();
}

/// <summary>
/// Starts a virtual rig for <paramref name="job"/> on <paramref name="links"/>, recording into <paramref name="folder"/>.
/// The virtual rig lives in Rig.VirtualRig, which builds on this library, so the caller supplies it.
/// </summary>
public delegate Task<ICalibrationRig> VirtualCalibrationRigStarter(CalibrationJob job, ILinkFactory links, BridgeOptions bridgeOptions,
    string folder, SessionStartInfo info, TimeProvider time, ILogger logger, CancellationToken cancellationToken);

/// <summary>Everything `rig calibrate` and `rig calibrate verify` were given; one record configures a <see cref="CalibrationJobRunner"/>.</summary>
public sealed record CalibrationJob
{
    public required string RigId { get; init; }

    /// <summary>Required unless <see cref="Virtual"/>.</summary>
    public string? Broker { get; init; }

    public int Valve { get; init; }

    public double IntervalMs { get; init; } = 300;

    public double MinRefillMs { get; init; } = 100;

    public uint HardMaxMicros { get; init; } = 500_000;

    /// <summary>Serial balance; null: the operator types the mass (or, with <see cref="Virtual"/>, the simulated scale weighs).</summary>
    public string? ScalePort { get; init; }

    public SerialScaleSettings ScaleSettings { get; init; } = new();

    public double Density { get; init; } = CalibrationPoint.WaterDensityGramsPerMl;

    /// <summary>Calibration folder.</summary>
    public string Store { get; init; } = CalibrationStore.DefaultFolder;

    /// <summary>Allow volumes outside the calibrated range.</summary>
    public bool Force { get; init; }

    /// <summary>Session folder; null: a new folder under ./sessions.</summary>
    public string? SessionOut { get; init; }

    public bool Virtual { get; init; }

    /// <summary>With <see cref="Virtual"/>: starts the virtual rig.</summary>
    public VirtualCalibrationRigStarter? StartVirtualRig { get; init; }

    public int Seed { get; init; } = 1;

    public double Speed { get; init; }

    /// <summary>With <see cref="Virtual"/>: the fraction of the flow a partly clogged valve passes (1 = clean).</summary>
    public double Clog { get; init; } = 1;

    public string? Operator { get; init; }

    public string? Note { get; init; }

    /// <summary>Pulses per duration (calibrate) or in all (verify).</summary>
    public int Pulses { get; init; } = 100;

    /// <summary>Calibrate: open times in ms as typed (e.g. "20,40,80"); null: planned from the current curve.</summary>
    public string? Durations { get; init; }

    /// <summary>Verify: µL per pulse to deliver.</summary>
    public double Volume { get; init; }

    /// <summary>Verify: largest accepted relative error.</summary>
    public double Tolerance { get; init; } = 0.05;

    /// <summary>Recorded in session.json as the software that wrote it.</summary>
    public required string Software { get; init; }

    /// <summary>Recorded in session.json.</summary>
    public string? CommandLine { get; init; }
}

/// <summary>How a calibration or verification ended.</summary>
public enum CalibrationJobStatus
{
    /// <summary>Every duration was measured (calibrate), or the volume was within the tolerance (verify).</summary>
    Completed,

    /// <summary>The run stopped early; completed durations were kept.</summary>
    Interrupted,

    /// <summary>Verify: the weighed volume is outside the tolerance.</summary>
    VerificationFailed,
}

/// <summary>The end of a run: <see cref="Text"/> for people (stdout), <see cref="Summary"/> for <c>--json</c> (snake_case names).</summary>
public sealed record CalibrationJobResult(CalibrationJobStatus Status, string Text, object Summary);

/// <summary>
/// `rig calibrate` and `rig calibrate verify`: checks every input before a broker, a device or a file is touched, then
/// connects (a broker and the rig, or an embedded broker and a virtual rig), records the pulses as a session, weighs the
/// water, and stores the curve or the verification. Messages and progress go to <c>log</c> (stderr); a typed-in mass is read from <c>input</c>.
/// </summary>
public sealed class CalibrationJobRunner
{
    private static readonly CultureInfo C = CultureInfo.InvariantCulture;

    private readonly CalibrationJob job;
    private readonly BridgeOptions bridgeOptions;
    private readonly ILogger logger;
    private readonly TimeProvider time;
    private readonly TextReader input;
    private readonly TextWriter log;

    public CalibrationJobRunner(CalibrationJob job, BridgeOptions bridgeOptions, ILogger logger, TimeProvider time, TextReader input, TextWriter log)
    {
        this.job = job ?? throw new ArgumentNullException(nameof(job));
        this.bridgeOptions = bridgeOptions ?? throw new ArgumentNullException(nameof(bridgeOptions));
        this.logger = logger ?? throw new ArgumentNullException(nameof(logger));
        this.time = time ?? throw new ArgumentNullException(nameof(time));
        this.input = input ?? throw new ArgumentNullException(nameof(input));
        this.log = log ?? throw new ArgumentNullException(nameof(log));
    }

    /// <summary>Calibrates: pulses per open time, weigh, fit, store the curve and its plot.</summary>
    public async Task<CalibrationJobResult> CalibrateAsync(ICalibrationRunProgress progress, CancellationToken cancellationToken)
    {
        // Everything that can be refused is refused here, before a broker, a device or a file is touched.
        var options = RunOptions();
        var durations = job.Durations is null ? null : DurationPlanner.ParseMilliseconds(job.Durations);
        var store = new CalibrationStore(job.Store);
        var plan = CalibrationWorkflow.Plan(store, job.RigId, job.Valve, durations, options);
        await log.WriteLineAsync(string.Create(C,
            $"rig calibrate: valve {job.Valve} of rig '{job.RigId}': {string.Join(", ", plan.DurationsMicros.Select(d => (d / 1000.0).ToString("0.###", C)))} ms, {job.Pulses} pulses each, every {job.IntervalMs:0} ms (about {Estimate(plan.DurationsMicros.Count * (long)job.Pulses, options.Interval)})"));

        await using var rig = await CalibrationConnection.OpenAsync(this, "calibrate", CalibrationProvenance.From(plan.History, job.Valve), cancellationToken);
        var runner = new CalibrationRunner(rig.Recorder, rig.Scale, rig.Wait, options);
        ArgumentNullException.ThrowIfNull(progress);
        var run = await runner.RunAsync(plan.DurationsMicros, progress, cancellationToken);
        progress.RunEnded();

        // From here on Ctrl-C no longer applies: the points measured are saved before anything else.
        var outcome = CalibrationWorkflow.Finish(store, plan, run, new CalibrationIdentity(job.RigId, job.Valve, rig.FirmwareVersion, job.Operator, job.Note), job.Density, time);
        var session = await rig.StopAsync();
        var result = Report(plan, outcome, session);
        if (outcome.Drift is { Drifted: true } drift)
        {
            await log.WriteLineAsync("rig calibrate: warning: " + drift.Message);
        }

        if (!run.Completed)
        {
            await log.WriteLineAsync($"rig calibrate: the run stopped early: {run.StopMessage}. " +
                (outcome.Saved is null ? outcome.NotSavedReason : $"The {run.Points.Count} completed duration(s) were saved.") +
                " Empty the cup before running again.");
            return result with { Status = CalibrationJobStatus.Interrupted };
        }

        return result;
    }

    /// <summary>Verifies: delivers <see cref="CalibrationJob.Volume"/> by the current curve, weighs it, stores PASS or FAIL.</summary>
    public async Task<CalibrationJobResult> VerifyAsync(ICalibrationRunProgress progress, CancellationToken cancellationToken)
    {
        var options = RunOptions();
        double volume = job.Volume;
        double tolerance = job.Tolerance;
        if (!double.IsFinite(tolerance) || tolerance <= 0)
        {
            throw new CalibrationRunInputException(string.Create(C, $"--tolerance must be a fraction above 0 (0.05 = 5%), not {tolerance}"));
        }

        var store = new CalibrationStore(job.Store);
        var history = store.Load(job.RigId, job.Valve);
        uint duration = CalibrationWorkflow.VerificationDuration(history, job.RigId, job.Valve, volume, job.Force);
        CalibrationRunner.Validate([duration], options);
        await log.WriteLineAsync(string.Create(C,
            $"rig calibrate verify: {volume:0.###} µL is {duration / 1000.0:0.###} ms by the curve of {history.Current!.Date:yyyy-MM-dd}; {job.Pulses} pulses every {job.IntervalMs:0} ms"));

        await using var rig = await CalibrationConnection.OpenAsync(this, "verify", CalibrationProvenance.From(history, job.Valve), cancellationToken);
        var runner = new CalibrationRunner(rig.Recorder, rig.Scale, rig.Wait, options);
        ArgumentNullException.ThrowIfNull(progress);
        var run = await runner.RunAsync([duration], progress, cancellationToken);
        progress.RunEnded();
        var outcome = CalibrationWorkflow.FinishVerification(store, history, run, new CalibrationIdentity(job.RigId, job.Valve, rig.FirmwareVersion, job.Operator, job.Note),
            volume, tolerance, job.Density, time);
        await rig.StopAsync();
        var summary = new
        {
            rig = job.RigId, valve = job.Valve, target_ul = volume, duration_us = duration, expected_ul = outcome.ExpectedMicrolitres,
            measured_ul = outcome.MeasuredMicrolitres, relative_error = outcome.RelativeError, tolerance, passed = outcome.Passed,
            drift = outcome.Drift?.Message, drifted = outcome.Drift?.Drifted, store = history.Path, stop = run.Stop.ToString(), stop_message = run.StopMessage,
        };
        string text = "";
        if (outcome.Passed is { } passed)
        {
            text = string.Create(C,
                $"{(passed ? "PASS" : "FAIL")}: {outcome.MeasuredMicrolitres:0.000} µL per pulse measured, {outcome.ExpectedMicrolitres:0.000} µL expected at {duration / 1000.0:0.###} ms ({outcome.RelativeError:+0.0%;-0.0%;0.0%}, tolerance ±{tolerance:0.#%})")
                + Environment.NewLine + "stored in " + history.Path + Environment.NewLine;
        }

        if (outcome.Drift is { Drifted: true } drift)
        {
            await log.WriteLineAsync("rig calibrate verify: warning: " + drift.Message);
        }

        if (outcome.Passed is null)
        {
            await log.WriteLineAsync($"rig calibrate verify: the run stopped early: {run.StopMessage}; {outcome.NotSavedReason}");
            return new CalibrationJobResult(CalibrationJobStatus.Interrupted, text, summary);
        }

        return new CalibrationJobResult(outcome.Passed.Value ? CalibrationJobStatus.Completed : CalibrationJobStatus.VerificationFailed, text, summary);
    }

    /// <summary>The progress line of one pulse, e.g. "[rig calibrate] 40 ms (2/5): pulse 17/100 | 2:31 remaining".</summary>
    public static string Describe(CalibrationProgress p)
    {
        return string.Create(C,
            $"[rig calibrate] {p.DurationMicros / 1000.0:0.###} ms ({p.DurationIndex + 1}/{p.DurationCount}): pulse {p.Pulse}/{p.Pulses} | {Estimate(1, p.Remaining)} remaining");
    }

    private static string Estimate(long pulses, TimeSpan interval)
    {
        var t = interval * pulses;
        return t.TotalHours >= 1 ? t.ToString(@"h\:mm\:ss", C) : t.ToString(@"m\:ss", C);
    }

    private CalibrationRunOptions RunOptions()
    {
        if (job.Valve is < 0 or > 255)
        {
            throw new CalibrationRunInputException($"--valve must be 0-255, not {job.Valve}");
        }

        if (!double.IsFinite(job.IntervalMs) || job.IntervalMs <= 0 || !double.IsFinite(job.MinRefillMs) || job.MinRefillMs < 0)
        {
            throw new CalibrationRunInputException("--interval-ms must be more than 0 and --min-refill-ms 0 or more");
        }

        if (!double.IsFinite(job.Clog) || job.Clog <= 0 || job.Clog > 1)
        {
            throw new CalibrationRunInputException(string.Create(C, $"--clog is the fraction of the flow that passes, above 0 and at most 1, not {job.Clog}"));
        }

        if (!job.Virtual && string.IsNullOrEmpty(job.Broker))
        {
            throw new CalibrationRunInputException("--broker is required (or --virtual for the simulated rig)");
        }

        if (job.ScalePort is not null)
        {
            job.ScaleSettings.Validate();
        }

        if (job.Virtual && job.StartVirtualRig is null)
        {
            throw new CalibrationRunInputException("--virtual needs the virtual rig, which this program does not provide");
        }

        return new CalibrationRunOptions
        {
            Valve = (byte)job.Valve,
            PulsesPerDuration = job.Pulses,
            Interval = TimeSpan.FromMilliseconds(job.IntervalMs),
            MinRefill = TimeSpan.FromMilliseconds(job.MinRefillMs),
            HardMaxMicros = job.HardMaxMicros,
            DensityGramsPerMl = job.Density,
        };
    }

    private CalibrationJobResult Report(CalibrationPlan plan, CalibrationOutcome o, SessionResult? session)
    {
        var fit = o.Fit;
        var summary = new
        {
            rig = job.RigId, valve = job.Valve, store = plan.StorePath, plot = o.PlotPath, session = session?.Folder,
            stop = o.Run.Stop.ToString(), stop_message = o.Run.StopMessage, pulses_sent = o.Run.PulsesSent,
            points = o.Run.Points.Select(p => new { duration_us = p.DurationMicros, p.Pulses, mass_g = p.MassGrams, ul_per_pulse = p.MicrolitresPerPulse }),
            fit = fit is null ? null : new
            {
                model = fit.Model.ToString(), parameters = fit.Parameters, r_squared = fit.RSquared, cv_rms_ul = fit.CrossValidatedRmsMicrolitres,
                residuals_ul = fit.ResidualsMicrolitres, min_duration_us = fit.MinDurationMicros, max_duration_us = fit.MaxDurationMicros,
                min_ul = fit.MinMicrolitres, max_ul = fit.MaxMicrolitres,
            },
            drift = o.Drift?.Message, drifted = o.Drift?.Drifted, not_saved = o.NotSavedReason,
        };

        var w = new StringBuilder();
        w.AppendLine(C, $"calibration of rig {job.RigId} valve {job.Valve}");
        w.AppendLine("  duration ms   pulses   mass g     µL/pulse   residual µL");
        for (int i = 0; i < o.Run.Points.Count; i++)
        {
            var p = o.Run.Points[i];
            string residual = fit is not null && i < fit.ResidualsMicrolitres.Count ? fit.ResidualsMicrolitres[i].ToString("+0.000;-0.000", C) : "";
            w.AppendLine(C, $"  {p.DurationMs,11:0.###}   {p.Pulses,6}   {p.MassGrams,-8:0.0000}   {p.MicrolitresPerPulse,8:0.000}   {residual}");
        }

        if (fit is not null)
        {
            w.AppendLine(C, $"  model        {fit.Model} ({string.Join(", ", fit.Parameters.Select(x => x.ToString("G6", C)))}; t in µs, V in µL)");
            w.AppendLine(C, $"  R²           {fit.RSquared:0.00000} (cross-validated RMS {fit.CrossValidatedRmsMicrolitres:0.000} µL)");
            w.AppendLine(C, $"  valid range  {fit.MinDurationMicros / 1000.0:0.###}-{fit.MaxDurationMicros / 1000.0:0.###} ms = {fit.MinMicrolitres:0.000}-{fit.MaxMicrolitres:0.000} µL per pulse");
        }

        if (o.Drift is not null)
        {
            w.AppendLine("  drift        " + o.Drift.Message);
        }

        w.AppendLine("  stored in    " + (o.Saved is null ? "nothing saved: " + o.NotSavedReason : plan.StorePath));
        if (o.PlotPath is not null)
        {
            w.AppendLine("  plot         " + o.PlotPath);
        }

        if (session is not null)
        {
            w.AppendLine("  session      " + session.Folder);
        }

        return new CalibrationJobResult(CalibrationJobStatus.Completed, w.ToString(), summary);
    }

    /// <summary>The bridge recording the run, the scale and the interval clock, for a real rig or an in-process virtual one.</summary>
    private sealed class CalibrationConnection : IAsyncDisposable
    {
        private readonly List<IAsyncDisposable> _owned = [];
        private readonly List<IDisposable> _ownedSync = [];
        private Func<Task<SessionResult>>? _stop;
        private TextWriter _log = TextWriter.Null;

        public required SessionRecorder Recorder { get; init; }

        public required IScale Scale { get; init; }

        public required IIntervalWait Wait { get; init; }

        public string? FirmwareVersion { get; init; }

        public static async Task<CalibrationConnection> OpenAsync(CalibrationJobRunner runner, string what, CalibrationProvenance? current, CancellationToken ct)
        {
            var a = runner.job;
            var time = runner.time;
            var logger = runner.logger;
            var bridgeOptions = runner.bridgeOptions;
            string folder = Path.GetFullPath(a.SessionOut ?? Path.Combine("sessions", $"{a.RigId}-{what}-{time.GetLocalNow():yyyyMMdd-HHmmss}"));
            var owned = new List<IAsyncDisposable>();
            var ownedSync = new List<IDisposable>();
            try
            {
                // The balance first: a wrong port is reported before a broker is started or a session folder is created.
                SerialLineScale? serialScale = a.ScalePort is null ? null : OpenSerialScale(a, ownedSync, time);
                if (a.Virtual)
                {
                    var broker = await EmbeddedBroker.StartAsync(new EmbeddedBrokerOptions { Port = 0 }, ct);
                    owned.Add(broker);
                    var links = new MqttLinkFactory(broker.Address);
                    var v = await a.StartVirtualRig!.Invoke(a, links, bridgeOptions, folder,
                        new SessionStartInfo(broker.Address + " (embedded)", a.Software, "calibrate", a.CommandLine, current), time, logger, ct);
                    owned.Insert(0, v);
                    IScale scale = serialScale is null ? v.Scale : serialScale;
                    return new CalibrationConnection { Recorder = v.Recorder, Scale = scale, Wait = v.IntervalWait, FirmwareVersion = ReadFirmware(folder), _stop = () => v.StopAsync(CancellationToken.None) }.Own(owned, ownedSync, runner.log);
                }

                var address = BrokerAddress.Parse(a.Broker!);
                var link = new MqttLinkFactory(address).Create(new LinkOptions { ClientId = "calibrate-" + a.RigId });
                owned.Add(link);
                await link.ConnectAsync(ct);
                var recorder = await SessionRecorder.StartAsync(new RecorderSettings(link, a.RigId, folder)
                {
                    Info = new SessionStartInfo(address.ToString(), a.Software, "calibrate", a.CommandLine, current),
                    Options = bridgeOptions, Time = time, Logger = logger,
                }, ct);
                owned.Insert(0, recorder);
                IScale realScale = serialScale is null ? new TerminalScale(runner.input, runner.log) : serialScale;
                return new CalibrationConnection { Recorder = recorder, Scale = realScale, Wait = new WallClockIntervalWait(time), FirmwareVersion = ReadFirmware(folder), _stop = () => recorder.StopAsync(CancellationToken.None) }.Own(owned, ownedSync, runner.log);
            }
            catch
            {
                foreach (var o in owned)
                {
                    await o.DisposeAsync();
                }

                foreach (var o in ownedSync)
                {
                    o.Dispose();
                }

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
                await _log.WriteLineAsync("rig calibrate: the session recording did not close cleanly: " + e.Message);
                return null;
            }
        }

        public async ValueTask DisposeAsync()
        {
            foreach (var o in _owned)
            {
                await o.DisposeAsync();
            }

            foreach (var o in _ownedSync)
            {
                o.Dispose();
            }
        }

        private CalibrationConnection Own(List<IAsyncDisposable> owned, List<IDisposable> ownedSync, TextWriter log)
        {
            _owned.AddRange(owned);
            _ownedSync.AddRange(ownedSync);
            _log = log;
            return this;
        }

        private static SerialLineScale OpenSerialScale(CalibrationJob a, List<IDisposable> owned, TimeProvider time)
        {
            var scale = SerialLineScale.Open(a.ScalePort!, a.ScaleSettings, time);
            owned.Add(scale);
            return scale;
        }

        private static string? ReadFirmware(string folder)
        {
            try
            {
                return SessionFolder.Open(folder).Header.FirmwareVersion;
            }
            catch (Exception e) when (e is IOException or JournalFormatException)
            {
                return null;
            }
        }
    }
}
