using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging.Abstractions;
using Rig.Recording.Bridge;
using Rig.Recording.Calibration;
using Rig.Provisioning.Calibration.Run;
using Rig.TestSupport;
using Rig.VirtualRig;
using Rig.VirtualRig.Water;
using Xunit;

namespace Rig.Integration.Tests.Calibration;

/// <summary>Calibration runs against the virtual rig, whose valve follows a known nonlinear flow model with a dead time and noise.</summary>
public sealed class VirtualCalibrationTests
{
    // A test machine running every suite at once can stall a process for seconds; the bridge's 2 s acknowledgement
    // timeout is meant for real devices, and here a stall would read as a device that stopped answering (exit 14).
    private static readonly Dictionary<string, string> Patient = new() { ["RIG_Bridge__CommandTimeout"] = "00:00:20" };

    private static readonly CalibrationIdentity Who = new("calib", 0, "sim", "tests", null);

    [Fact]
    public async Task A_full_calibration_on_the_virtual_rig_recovers_the_flow_model_within_three_percent_over_the_range()
    {
        var ct = TestContext.Current.CancellationToken;
        using var dir = new TempDirectory();
        await using var rig = await CalibrationFixture.StartAsync(dir.Combine("session"), ct);
        var wall = Stopwatch.StartNew();
        var run = await rig.Runner().RunAsync(DurationPlanner.DefaultMicros, null, ct);
        wall.Stop();
        Assert.True(run.Completed, run.StopMessage);
        Assert.Equal(DurationPlanner.DefaultMicros.Count * 100, run.PulsesSent);
        Assert.Equal(run.PulsesSent, rig.Water.Pulses);

        var fit = CurveFitter.Fit(run.Points.Select(p => CalibrationPoint.Create(p.DurationMicros, p.Pulses, p.MassGrams, rig.Water.Model.DensityGramsPerMl)).ToList());
        double worst = CalibrationFixture.WorstRelativeError(fit, rig.Water.Model);
        TestContext.Current.SendDiagnosticMessage($"model {fit.Model}, R² {fit.RSquared:0.00000}, worst error {worst * 100:0.00}% over 20-120 ms, {wall.Elapsed.TotalSeconds:0.0} s wall");
        Assert.True(worst < 0.03, $"the fitted {fit.Model} curve is {worst * 100:0.00}% off the model somewhere in 20-120 ms");

        // 600 pulses 300 ms apart are 3 minutes of device time: the intervals passed on the virtual clock, not the wall's.
        Assert.True(rig.Rig.Clock.NowMicros >= 600 * 300_000UL, $"the device clock is only at {rig.Rig.Clock.NowMicros} µs");
        Assert.True(wall.Elapsed < TimeSpan.FromMinutes(1), $"took {wall.Elapsed} of wall time");

        // Every pulse went through the bridge: journaled with its acknowledgement.
        var session = await rig.StopAsync(ct);
        Assert.True(session.Counts.EventsTotal > 0);
    }

    [Fact]
    public async Task Verification_passes_on_the_calibrated_valve_and_a_partly_clogged_valve_is_flagged_as_drift()
    {
        var ct = TestContext.Current.CancellationToken;
        using var dir = new TempDirectory();
        var store = new CalibrationStore(dir.Combine("calibrations"));
        await using var rig = await CalibrationFixture.StartAsync(dir.Combine("session"), ct);
        var options = new CalibrationRunOptions { PulsesPerDuration = 50, DensityGramsPerMl = rig.Water.Model.DensityGramsPerMl };

        var plan = CalibrationWorkflow.Plan(store, "calib", 0, null, options);
        var first = CalibrationWorkflow.Finish(store, plan, await rig.Runner(50).RunAsync(plan.DurationsMicros, null, ct), Who, options.DensityGramsPerMl, TimeProvider.System);
        Assert.NotNull(first.Saved);
        Assert.True(File.Exists(first.PlotPath));
        Assert.False(first.Drift!.Drifted);

        // Verify 5 µL: the curve's duration, weighed, within 5%.
        var history = store.Load("calib", 0);
        uint duration = CalibrationWorkflow.VerificationDuration(history, "calib", 0, 5, force: false);
        var verifyRun = await rig.Runner(200).RunAsync([duration], null, ct);
        var verified = CalibrationWorkflow.FinishVerification(store, history, verifyRun, Who, 5, 0.05, options.DensityGramsPerMl, TimeProvider.System);
        Assert.True(verified.Passed, $"measured {verified.MeasuredMicrolitres} µL for {verified.ExpectedMicrolitres} µL");
        Assert.False(verified.Drift!.Drifted, verified.Drift.Message);

        // The valve clogs: a verification fails and is drift; a recalibration (durations now from the curve) is drift.
        rig.Water.Clog(0.8);
        history = store.Load("calib", 0);
        var clogged = CalibrationWorkflow.FinishVerification(store, history, await rig.Runner(200).RunAsync([duration], null, ct), Who, 5, 0.05, options.DensityGramsPerMl, TimeProvider.System);
        Assert.False(clogged.Passed);
        Assert.True(clogged.Drift!.Drifted, clogged.Drift.Message);

        var plan2 = CalibrationWorkflow.Plan(store, "calib", 0, null, options);
        Assert.NotEqual(DurationPlanner.DefaultMicros, plan2.DurationsMicros);
        var second = CalibrationWorkflow.Finish(store, plan2, await rig.Runner(50).RunAsync(plan2.DurationsMicros, null, ct), Who, options.DensityGramsPerMl, TimeProvider.System);
        Assert.True(second.Drift!.Drifted, second.Drift.Message);
        Assert.True(second.Drift.RelativeChange < -0.15, second.Drift.Message);
        Assert.Equal(4, store.Load("calib", 0).Records.Count);
    }

    [Fact]
    public async Task A_device_that_stops_acknowledging_ends_the_run_at_once_and_the_completed_durations_are_kept()
    {
        var ct = TestContext.Current.CancellationToken;
        using var dir = new TempDirectory();
        await using var rig = await CalibrationFixture.StartAsync(dir.Combine("session"), ct, bridge: new BridgeOptions { CommandTimeout = TimeSpan.FromMilliseconds(500) });
        bool aborted = false;
        var abort = new InlineProgress(p =>
        {
            // The device drops off the broker in the middle of the second duration.
            if (p.DurationIndex == 1 && p.Pulse == 5 && !aborted)
            {
                aborted = true;
                rig.Rig.AbortAsync().GetAwaiter().GetResult();
            }
        });
        var run = await rig.Runner(10).RunAsync(DurationPlanner.DefaultMicros, abort, ct);
        Assert.Equal(CalibrationStop.DeviceLost, run.Stop);
        Assert.Single(run.Points);
        Assert.Equal(20_000u, run.Points[0].DurationMicros);

        // Pulse 6 of the second duration was sent and never acknowledged; nothing followed it.
        Assert.Equal(16, run.PulsesSent);
        Assert.True(rig.Water.Pulses <= 16);
    }

    [Fact]
    public async Task Bad_masses_a_zero_pulse_count_a_duration_above_the_maximum_and_a_corrupt_file_change_nothing_on_disk()
    {
        var ct = TestContext.Current.CancellationToken;
        using var dir = new TempDirectory();
        var store = new CalibrationStore(dir.Combine("calibrations"));
        await using var rig = await CalibrationFixture.StartAsync(dir.Combine("session"), ct);
        var options = new CalibrationRunOptions { PulsesPerDuration = 10, DensityGramsPerMl = rig.Water.Model.DensityGramsPerMl };
        var plan = CalibrationWorkflow.Plan(store, "calib", 0, null, options);
        CalibrationWorkflow.Finish(store, plan, await rig.Runner(10).RunAsync(plan.DurationsMicros, null, ct), Who, options.DensityGramsPerMl, TimeProvider.System);
        string path = store.PathFor("calib", 0);
        byte[] before = File.ReadAllBytes(path);

        // Negative, non-numeric and zero masses are refused with a message and asked for again; then the operator gives up.
        var typed = new StringWriter();
        var terminal = new TerminalScale(new StringReader("-0.2\nabc\n0\n"), typed);
        var runner = new CalibrationRunner(rig.Recorder, terminal, rig.IntervalWait, options);
        var plan2 = CalibrationWorkflow.Plan(store, "calib", 0, [30_000, 50_000, 70_000], options);
        var run = await runner.RunAsync(plan2.DurationsMicros, null, ct);
        Assert.Equal(CalibrationStop.NoMass, run.Stop);
        Assert.Contains("must be more than zero grams, not -0.2", typed.ToString(), StringComparison.Ordinal);
        Assert.Contains("'abc' is not a number of grams", typed.ToString(), StringComparison.Ordinal);
        Assert.Contains("must be more than zero grams, not 0", typed.ToString(), StringComparison.Ordinal);
        var outcome = CalibrationWorkflow.Finish(store, plan2, run, Who, options.DensityGramsPerMl, TimeProvider.System);
        Assert.Null(outcome.Saved);
        Assert.Equal(before, File.ReadAllBytes(path));

        // Zero pulses and a duration above the hard maximum are refused before any pulse is sent.
        long pulsesBefore = rig.Water.Pulses;
        var zero = Assert.Throws<CalibrationRunInputException>(() => CalibrationWorkflow.Plan(store, "calib", 0, null, options with { PulsesPerDuration = 0 }));
        Assert.Contains("at least 1", zero.Message, StringComparison.Ordinal);
        var tooLong = await Assert.ThrowsAsync<CalibrationRunInputException>(() => rig.Runner(10).RunAsync([20_000, 600_000], null, ct));
        Assert.Contains("above the valve's hard maximum of 500 ms", tooLong.Message, StringComparison.Ordinal);
        Assert.Equal(pulsesBefore, rig.Water.Pulses);
        Assert.Equal(before, File.ReadAllBytes(path));

        // A corrupt file is reported and left exactly as it is.
        byte[] corrupt = before[..(before.Length / 2)];
        File.WriteAllBytes(path, corrupt);
        var bad = Assert.Throws<CalibrationFileException>(() => CalibrationWorkflow.Plan(store, "calib", 0, null, options));
        Assert.Contains(path, bad.Message, StringComparison.Ordinal);
        Assert.Equal(corrupt, File.ReadAllBytes(path));
    }

    [Fact]
    public async Task Rig_calibrate_refuses_a_duration_above_the_maximum_and_a_corrupt_file_with_their_exit_codes_and_writes_nothing()
    {
        var ct = TestContext.Current.CancellationToken;
        using var dir = new TempDirectory();
        string store = dir.Combine("calibrations");
        var (code, _, stderr) = await RigProcess.RunAsync(["calibrate", "--virtual", "--rig", "r1", "--store", store, "--durations", "20,600"], TimeSpan.FromMinutes(1), Patient, ct);
        Assert.Equal(12, code);
        Assert.Contains("above the valve's hard maximum", stderr, StringComparison.Ordinal);
        Assert.False(Directory.Exists(store));

        (code, _, stderr) = await RigProcess.RunAsync(["calibrate", "--virtual", "--rig", "r1", "--store", store, "--pulses", "0"], TimeSpan.FromMinutes(1), Patient, ct);
        Assert.Equal(12, code);
        Assert.Contains("at least 1", stderr, StringComparison.Ordinal);

        Directory.CreateDirectory(store);
        string file = Path.Combine(store, "r1-valve0.calibration.json");
        File.WriteAllText(file, "{ \"records\": [ tru");
        byte[] before = File.ReadAllBytes(file);
        (code, _, stderr) = await RigProcess.RunAsync(["calibrate", "--virtual", "--rig", "r1", "--store", store, "--session-out", dir.Combine("s")], TimeSpan.FromMinutes(1), Patient, ct);
        Assert.Equal(13, code);
        Assert.Contains("r1-valve0.calibration.json", stderr, StringComparison.Ordinal);
        Assert.Equal(before, File.ReadAllBytes(file));
        Assert.False(Directory.Exists(dir.Combine("s")), "no session was started");
    }

    [Fact]
    public async Task Rig_calibrate_on_the_virtual_rig_stores_a_curve_and_a_plot_and_verify_prints_pass()
    {
        var ct = TestContext.Current.CancellationToken;
        using var dir = new TempDirectory();
        string store = dir.Combine("calibrations");
        var (code, stdout, stderr) = await RigProcess.RunAsync(["calibrate", "--virtual", "--rig", "r2", "--store", store, "--pulses", "20", "--session-out", dir.Combine("s1"), "--note", "bench"],
            TimeSpan.FromMinutes(3), Patient, ct);
        Assert.True(code == 0, stderr);
        Assert.Contains("valid range", stdout, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(store, "r2-valve0.calibration.json")));
        Assert.True(File.Exists(Path.Combine(store, "r2-valve0.calibration.png")));

        (code, stdout, stderr) = await RigProcess.RunAsync(["calibrate", "verify", "--virtual", "--rig", "r2", "--store", store, "--volume", "5", "--pulses", "50", "--session-out", dir.Combine("s2")],
            TimeSpan.FromMinutes(3), Patient, ct);
        Assert.True(code == 0, stdout + stderr);
        Assert.StartsWith("PASS", stdout, StringComparison.Ordinal);

        (code, stdout, _) = await RigProcess.RunAsync(["calibrate", "verify", "--virtual", "--clog", "0.8", "--rig", "r2", "--store", store, "--volume", "5", "--pulses", "50", "--session-out", dir.Combine("s3")],
            TimeSpan.FromMinutes(3), Patient, ct);
        Assert.Equal(15, code);
        Assert.StartsWith("FAIL", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Ctrl_c_during_rig_calibrate_stops_the_pulses_and_stores_the_completed_durations_with_exit_code_14()
    {
        var ct = TestContext.Current.CancellationToken;
        using var dir = new TempDirectory();
        string store = dir.Combine("calibrations");

        // Real-time pace, so the run is still going when the signal comes.
        await using var rig = RigProcess.Start(["calibrate", "--virtual", "--speed", "1", "--rig", "r3", "--store", store, "--pulses", "10", "--session-out", dir.Combine("s")]);
        await Eventually.WaitUntil(() => rig.Stderr.Contains("(2/6)", StringComparison.Ordinal), TimeSpan.FromMinutes(1), "the second duration to start", ct);
        await rig.InterruptAsync();
        int code = await rig.WaitAsync(TimeSpan.FromMinutes(1), ct);
        Assert.True(code == 14, rig.Stdout + rig.Stderr);
        Assert.Contains("no further pulse was sent", rig.Stderr, StringComparison.Ordinal);
        var history = new CalibrationStore(store).Load("r3", 0);
        var record = Assert.Single(history.Records);
        Assert.NotEmpty(record.Points);
        Assert.True(record.Points.Count < 6);
        Assert.Contains("interrupted", record.Note, StringComparison.Ordinal);
    }

    private sealed class InlineProgress(Action<CalibrationProgress> report) : IProgress<CalibrationProgress>
    {
        public void Report(CalibrationProgress value) => report(value);
    }
}

/// <summary>A virtual calibration rig on the in-memory broker, running as fast as it can.</summary>
internal static class CalibrationFixture
{
    public static Task<VirtualCalibrationRig> StartAsync(string folder, CancellationToken ct, int seed = 7, BridgeOptions? bridge = null) =>
        VirtualCalibrationRig.StartAsync(new InMemoryBroker().CreateLinkFactory(),
            new VirtualRigOptions { RigId = "calib", Seed = seed, Speed = 0 },
            bridge ?? new BridgeOptions(), folder, new SessionStartInfo("in-memory", "tests"), TimeProvider.System, NullLogger.Instance, ct);

    public static CalibrationRunner Runner(this VirtualCalibrationRig rig, int pulses = 100) =>
        new(rig.Recorder, rig.Scale, rig.IntervalWait, new CalibrationRunOptions { PulsesPerDuration = pulses, DensityGramsPerMl = rig.Water.Model.DensityGramsPerMl });

    /// <summary>Largest |fit − model| / model over 20-120 ms in 1 ms steps.</summary>
    public static double WorstRelativeError(CalibrationFit fit, ValveFlowModel model)
    {
        double worst = 0;
        for (uint ms = 20; ms <= 120; ms++)
        {
            double truth = model.VolumeMicrolitres(ms);
            worst = Math.Max(worst, Math.Abs(fit.VolumeAt(ms * 1000) - truth) / truth);
        }

        return worst;
    }
}
