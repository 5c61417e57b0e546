using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;

namespace Rig.Provisioning.Loopback;

/// <summary>The outcome of a loopback run.</summary>
public enum LoopbackVerdict
{
    Pass,
    Fail,

    /// <summary>The output pulsed but nothing came back on the input: a disconnected wire (or the wrong one).</summary>
    NoEdges,
}

/// <summary>One PASS/FAIL check: the measured value, its limit, and whether it is within it.</summary>
public sealed record LoopbackCheck(string Name, double? Value, double Limit, string Unit, bool Passed);

/// <summary>What was asked of the device.</summary>
public sealed record LoopbackSettings(string Scenario, string Wiring, string Output, string Input, int Pulses, uint Seed,
    uint MinIntervalMicros, uint MaxIntervalMicros, uint MinWidthMicros, uint MaxWidthMicros, int Pings);

/// <summary>
/// A loopback report (report.json): who, when, what was asked, the counts, the distributions (median, p99, max)
/// with the raw values, each check against its threshold, and the verdict.
/// </summary>
public sealed record LoopbackReport
{
    public string Format { get; init; } = "rig-loopback/1";

    public required string RigId { get; init; }

    public required string FirmwareVersion { get; init; }

    public required uint BootId { get; init; }

    public required DateTimeOffset DateUtc { get; init; }

    /// <summary>Where the run happened: "hardware", or the virtual rig with its wire model.</summary>
    public required string Target { get; init; }

    public required LoopbackSettings Settings { get; init; }

    /// <summary>Device time the pulse train started (the PulseTrain acknowledgement), µs, and its planned length.</summary>
    public required ulong TrainStartDeviceMicros { get; init; }

    public required uint TrainPlannedMicros { get; init; }

    /// <summary>True when the train was stopped before its end (no edges came back, or the run timed out).</summary>
    public required bool StoppedEarly { get; init; }

    public required int PulsesPlayed { get; init; }

    public required int OutputEdges { get; init; }

    public required int InputEdges { get; init; }

    /// <summary>Output edges an echo was expected for (rising only for a frame clock).</summary>
    public required int ExpectedEdges { get; init; }

    public required int MatchedEdges { get; init; }

    public required int MissedEdges { get; init; }

    public required int ExtraEdges { get; init; }

    public required DistributionStats CaptureDelayMicros { get; init; }

    /// <summary>Captured width minus output width per pulse, µs (signed); null for an input that reports rising edges only.</summary>
    public required DistributionStats? PulseWidthErrorMicros { get; init; }

    public required double? PulseWidthErrorAbsMaxMicros { get; init; }

    public required DistributionStats RoundTripMilliseconds { get; init; }

    public required LoopbackThresholds Thresholds { get; init; }

    public required IReadOnlyList<LoopbackCheck> Checks { get; init; }

    public required LoopbackVerdict Verdict { get; init; }

    /// <summary>One line saying why (the first failed check, or what did not come back).</summary>
    public required string Message { get; init; }

    public required IReadOnlyList<long> CaptureDelaysMicros { get; init; }

    public required IReadOnlyList<long> PulseWidthErrorsMicros { get; init; }

    public required IReadOnlyList<double> RoundTripsMilliseconds { get; init; }

    /// <summary>The first missed output edges and extra input edges (at most 100 each), for a look at where it went wrong.</summary>
    public required IReadOnlyList<Edge> MissedExamples { get; init; }

    public required IReadOnlyList<Edge> ExtraExamples { get; init; }

    /// <summary>Passive frame-clock scenario: frames seen, their periods, frames missing and the rate; null otherwise.</summary>
    public int? Frames { get; init; }

    public DistributionStats? FramePeriodMicros { get; init; }

    public int? MissingFrames { get; init; }

    public double? FrameRateHz { get; init; }

    public IReadOnlyList<long> FramePeriodsMicros { get; init; } = [];

    /// <summary>renderer-to-photodiode: frames and display latency (its latencies are <see cref="CaptureDelaysMicros"/>); null otherwise.</summary>
    public DisplayLegReport? Display { get; init; }

    /// <summary>tone-to-ttl: tones, onset latency (its latencies are <see cref="CaptureDelaysMicros"/>) and duration error; null otherwise.</summary>
    public ToneLegReport? Tone { get; init; }

    /// <summary>The limit drawn on the delay histogram, µs: the leg's own (display latency, tone onset), else the capture delay's.</summary>
    public double? DelayLimitMicros { get; init; }

    public bool Passed => Verdict == LoopbackVerdict.Pass;

    /// <summary>The text summary printed and saved as report.txt.</summary>
    public string ToText()
    {
        var c = CultureInfo.InvariantCulture;
        var s = new StringBuilder();
        string verdict = Verdict switch { LoopbackVerdict.Pass => "PASS", LoopbackVerdict.Fail => "FAIL", _ => "FAIL (no edges came back)" };
        s.AppendLine(c, $"loopback {Settings.Scenario} on rig {RigId}: {verdict}");
        s.AppendLine(c, $"  {Message}");
        s.AppendLine(c, $"  date          {DateUtc:yyyy-MM-dd HH:mm:ss} UTC, firmware {FirmwareVersion}, boot {BootId:x8}, {Target}");
        s.AppendLine(c, $"  wiring        {Settings.Output} -> {Settings.Input}: {Settings.Wiring}");
        if (Display is not null || Tone is not null)
        {
            LoopbackLegEvaluator.AppendText(this, s, c);
            AppendChecks(s, c);
            return s.ToString();
        }

        if (FramePeriodMicros is not null)
        {
            s.AppendLine(c, $"  frame clock   {Frames} frames in {TrainPlannedMicros / 1e6:0.#} s{(StoppedEarly ? " (stopped early)" : "")}, {FrameRateHz:0.###} Hz, {MissingFrames} missing");
            s.AppendLine(c, $"  frame period  {Describe(FramePeriodMicros, "µs")}");
            s.AppendLine(c, $"  round trip    {Describe(RoundTripMilliseconds, "ms")} ({Settings.Pings} pings over MQTT)");
            AppendChecks(s, c);
            return s.ToString();
        }

        s.AppendLine(c, $"  train         {Settings.Pulses} pulses (seed {Settings.Seed}), intervals {Settings.MinIntervalMicros / 1000.0:0.###}-{Settings.MaxIntervalMicros / 1000.0:0.###} ms, widths {Settings.MinWidthMicros / 1000.0:0.###}-{Settings.MaxWidthMicros / 1000.0:0.###} ms, planned {TrainPlannedMicros / 1e6:0.0} s{(StoppedEarly ? ", stopped early" : "")}");
        s.AppendLine(c, $"  edges         {PulsesPlayed} pulses played, {OutputEdges} output edges, {InputEdges} input edges; {MatchedEdges} of {ExpectedEdges} matched, {MissedEdges} missed, {ExtraEdges} extra");
        s.AppendLine(c, $"  capture delay {Describe(CaptureDelayMicros, "µs")}");
        s.AppendLine(c, $"  width error   {(PulseWidthErrorMicros is null ? "n/a (the input reports rising edges only)" : Describe(PulseWidthErrorMicros, "µs") + string.Create(c, $", largest |error| {PulseWidthErrorAbsMaxMicros:0.#} µs"))}");
        s.AppendLine(c, $"  round trip    {Describe(RoundTripMilliseconds, "ms")} ({Settings.Pings} pings over MQTT)");
        AppendChecks(s, c);
        return s.ToString();
    }

    private void AppendChecks(StringBuilder s, CultureInfo c)
    {
        foreach (var check in Checks)
        {
            string value = check.Value is { } v ? v.ToString("0.###", c) : "n/a";
            s.AppendLine(c, $"  {(check.Passed ? "ok  " : "FAIL")} {check.Name}: {value} {check.Unit} (limit {check.Limit.ToString("0.###", c)} {check.Unit})");
        }
    }

    private static string Describe(DistributionStats d, string unit) => d.Count == 0
        ? "no values"
        : string.Create(CultureInfo.InvariantCulture,
            $"median {d.Median:0.###} {unit}, p99 {d.P99:0.###} {unit}, max {d.Max:0.###} {unit}, min {d.Min:0.###} {unit}, mean {d.Mean:0.###} ± {d.StdDev:0.###} {unit} (n = {d.Count})");
}

/// <summary>Turns matched edges and round trips into a report with checks and a verdict.</summary>
public static class LoopbackEvaluator
{
    public const int MaxExamples = 100;

    public static LoopbackReport Evaluate(LoopbackRunData run, LoopbackThresholds thresholds)
    {
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(thresholds);
        var scenario = run.Scenario;
        var match = EdgeMatcher.Match(run.OutputEdges, run.InputEdges, thresholds.MatchWindowMicros, scenario.InputEdges);
        var delays = match.DelaysMicros;
        var delayStats = DistributionStats.Of(delays);
        bool widths = scenario.InputEdges == InputEdges.Both;
        var widthStats = widths ? DistributionStats.Of(match.PulseWidthErrorsMicros) : null;
        double? widthAbsMax = widths && match.PulseWidthErrorsMicros.Count > 0 ? match.PulseWidthErrorsMicros.Max(e => Math.Abs((double)e)) : null;
        var rtt = DistributionStats.Of(run.RoundTripsMilliseconds);
        int pulsesPlayed = run.OutputEdges.Count(e => e.Level != 0);
        int expected = match.Pairs.Count + match.Missed.Count;

        var checks = new List<LoopbackCheck>
        {
            new("pulses played", pulsesPlayed, run.PulsesRequested, "pulses", pulsesPlayed == run.PulsesRequested),
            new("missed edges", match.Missed.Count, thresholds.MaxMissedEdges, "edges", match.Missed.Count <= thresholds.MaxMissedEdges),
            new("extra edges", match.Extra.Count, thresholds.MaxExtraEdges, "edges", match.Extra.Count <= thresholds.MaxExtraEdges),
            new("capture delay p99", Nullable(delayStats.P99), thresholds.CaptureDelayP99Micros, "µs", delayStats.Count > 0 && delayStats.P99 <= thresholds.CaptureDelayP99Micros),
        };
        if (widths)
        {
            checks.Add(new("pulse width error |max|", widthAbsMax, thresholds.PulseWidthErrorMaxMicros, "µs", widthAbsMax is { } w && w <= thresholds.PulseWidthErrorMaxMicros));
        }

        checks.Add(new("command round trip p99", Nullable(rtt.P99), thresholds.RoundTripP99Milliseconds, "ms", rtt.Count > 0 && rtt.P99 <= thresholds.RoundTripP99Milliseconds));

        LoopbackVerdict verdict;
        string message;
        if (run.OutputEdges.Count > 0 && run.InputEdges.Count == 0)
        {
            verdict = LoopbackVerdict.NoEdges;
            message = $"no edges came back on {scenario.InputName} while {scenario.OutputName} pulsed {pulsesPlayed} times: is the wire from {scenario.OutputName} to {scenario.InputName} disconnected? ({scenario.Wiring})";
        }
        else if (run.OutputEdges.Count == 0)
        {
            verdict = LoopbackVerdict.Fail;
            message = $"{scenario.OutputName} recorded no edges: the device did not play the train";
        }
        else if (run.Problem is not null)
        {
            verdict = LoopbackVerdict.Fail;
            message = run.Problem;
        }
        else if (checks.Any(x => !x.Passed))
        {
            verdict = LoopbackVerdict.Fail;
            message = FailedChecksMessage(checks);
        }
        else
        {
            verdict = LoopbackVerdict.Pass;
            message = string.Create(CultureInfo.InvariantCulture,
                $"every check passed: {match.Pairs.Count} edges back from {scenario.OutputName} on {scenario.InputName}, capture delay median {delayStats.Median:0.#} µs, p99 {delayStats.P99:0.#} µs");
        }

        return new LoopbackReport
        {
            RigId = run.RigId,
            FirmwareVersion = run.FirmwareVersion,
            BootId = run.BootId,
            DateUtc = run.DateUtc,
            Target = run.Target,
            Settings = run.Settings,
            TrainStartDeviceMicros = run.TrainStartDeviceMicros,
            TrainPlannedMicros = run.TrainPlannedMicros,
            StoppedEarly = run.StoppedEarly,
            PulsesPlayed = pulsesPlayed,
            OutputEdges = run.OutputEdges.Count,
            InputEdges = run.InputEdges.Count,
            ExpectedEdges = expected,
            MatchedEdges = match.Pairs.Count,
            MissedEdges = match.Missed.Count,
            ExtraEdges = match.Extra.Count,
            CaptureDelayMicros = delayStats,
            PulseWidthErrorMicros = widthStats,
            PulseWidthErrorAbsMaxMicros = widthAbsMax,
            RoundTripMilliseconds = rtt,
            Thresholds = thresholds,
            Checks = checks,
            Verdict = verdict,
            Message = message,
            CaptureDelaysMicros = delays,
            PulseWidthErrorsMicros = match.PulseWidthErrorsMicros,
            RoundTripsMilliseconds = run.RoundTripsMilliseconds,
            MissedExamples = match.Missed.Take(MaxExamples).ToList(),
            ExtraExamples = match.Extra.Take(MaxExamples).ToList(),
        };
    }

    /// <summary>The passive frame-clock scenario: frame periods and missing frames while the microscope acquires.</summary>
    public static LoopbackReport EvaluateFrameClock(LoopbackRunData run, LoopbackThresholds thresholds)
    {
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(thresholds);
        var scenario = run.Scenario;
        var frames = FrameClockAnalysis.Analyze(run.InputEdges.Where(e => e.Level != 0).Select(e => e.DeviceMicros).ToList());
        var rtt = DistributionStats.Of(run.RoundTripsMilliseconds);
        var checks = new List<LoopbackCheck>
        {
            new("missing frames", frames.MissingFrames, thresholds.MaxMissingFrames, "frames", frames.Frames > 1 && frames.MissingFrames <= thresholds.MaxMissingFrames),
            new("command round trip p99", Nullable(rtt.P99), thresholds.RoundTripP99Milliseconds, "ms", rtt.Count > 0 && rtt.P99 <= thresholds.RoundTripP99Milliseconds),
        };
        LoopbackVerdict verdict;
        string message;
        if (frames.Frames == 0)
        {
            verdict = LoopbackVerdict.NoEdges;
            message = $"no frames on {scenario.InputName} in {run.TrainPlannedMicros / 1e6:0.#} s: is the microscope acquiring, and its frame clock on carrier J5? ({scenario.Wiring})";
        }
        else if (run.Problem is not null)
        {
            verdict = LoopbackVerdict.Fail;
            message = run.Problem;
        }
        else if (checks.Any(x => !x.Passed))
        {
            verdict = LoopbackVerdict.Fail;
            message = FailedChecksMessage(checks);
        }
        else
        {
            verdict = LoopbackVerdict.Pass;
            message = string.Create(CultureInfo.InvariantCulture, $"{frames.Frames} frames at {frames.RateHz:0.###} Hz, none missing; period p99 {frames.Periods.P99:0} µs, max {frames.Periods.Max:0} µs");
        }

        return WithoutPulses(run, thresholds, checks, verdict, message, rtt, DistributionStats.Of(Array.Empty<double>()), [], outputEdges: 0) with
        {
            Frames = frames.Frames,
            FramePeriodMicros = frames.Periods,
            MissingFrames = frames.MissingFrames,
            FrameRateHz = frames.RateHz,
            FramePeriodsMicros = frames.PeriodsMicros,
        };
    }

    /// <summary>
    /// A report of a leg that plays no pulse train (frame clock, renderer frames, cue tones): the pulse fields empty, the
    /// capture delay being the leg's own latency. Callers add their leg's fields with <c>with</c>.
    /// </summary>
    internal static LoopbackReport WithoutPulses(LoopbackRunData run, LoopbackThresholds thresholds, IReadOnlyList<LoopbackCheck> checks,
        LoopbackVerdict verdict, string message, DistributionStats rtt, DistributionStats delay, IReadOnlyList<long> delays, int outputEdges) => new()
    {
        RigId = run.RigId,
        FirmwareVersion = run.FirmwareVersion,
        BootId = run.BootId,
        DateUtc = run.DateUtc,
        Target = run.Target,
        Settings = run.Settings,
        TrainStartDeviceMicros = run.TrainStartDeviceMicros,
        TrainPlannedMicros = run.TrainPlannedMicros,
        StoppedEarly = run.StoppedEarly,
        PulsesPlayed = 0,
        OutputEdges = outputEdges,
        InputEdges = run.InputEdges.Count,
        ExpectedEdges = 0,
        MatchedEdges = 0,
        MissedEdges = 0,
        ExtraEdges = 0,
        CaptureDelayMicros = delay,
        PulseWidthErrorMicros = null,
        PulseWidthErrorAbsMaxMicros = null,
        RoundTripMilliseconds = rtt,
        Thresholds = thresholds,
        Checks = checks,
        Verdict = verdict,
        Message = message,
        CaptureDelaysMicros = delays,
        PulseWidthErrorsMicros = [],
        RoundTripsMilliseconds = run.RoundTripsMilliseconds,
        MissedExamples = [],
        ExtraExamples = [],
    };

    private static double? Nullable(double value) => double.IsNaN(value) ? null : value;

    // The first failed check with its value and limit, and how many failed in all.
    private static string FailedChecksMessage(List<LoopbackCheck> checks)
    {
        var failed = checks.First(x => !x.Passed);
        return string.Create(CultureInfo.InvariantCulture,
            $"{failed.Name} is {(failed.Value is { } v ? v.ToString("0.###", CultureInfo.InvariantCulture) : "n/a")} {failed.Unit}, over the limit of {failed.Limit:0.###} {failed.Unit} ({checks.Count(x => !x.Passed)} check(s) failed)");
    }
}

/// <summary>What a run collected, before evaluation.</summary>
public sealed record LoopbackRunData
{
    public required LoopbackScenario Scenario { get; init; }

    public required LoopbackSettings Settings { get; init; }

    public required string RigId { get; init; }

    public required string FirmwareVersion { get; init; }

    public required uint BootId { get; init; }

    public required DateTimeOffset DateUtc { get; init; }

    public required string Target { get; init; }

    public required int PulsesRequested { get; init; }

    public required ulong TrainStartDeviceMicros { get; init; }

    public required uint TrainPlannedMicros { get; init; }

    public required bool StoppedEarly { get; init; }

    public required IReadOnlyList<Edge> OutputEdges { get; init; }

    public required IReadOnlyList<Edge> InputEdges { get; init; }

    public required IReadOnlyList<double> RoundTripsMilliseconds { get; init; }

    /// <summary>Something that went wrong besides the measurements (a reboot, a timeout), or null.</summary>
    public string? Problem { get; init; }
}
