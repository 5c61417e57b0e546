using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using Rig.Recording.Calibration;

namespace Rig.Provisioning.Calibration.Run;

/// <summary>Who and what a stored record is about.</summary>
public sealed record CalibrationIdentity(string RigId, int Valve, string? FirmwareVersion, string? Operator, string? Note);

/// <summary>What was decided before any pulse: the valve's history as loaded and the durations to run.</summary>
public sealed record CalibrationPlan(CalibrationHistory History, IReadOnlyList<uint> DurationsMicros, string StorePath);

/// <summary>A calibration run and what came of it. <see cref="Saved"/> is null when nothing was written (and <see cref="NotSavedReason"/> says why).</summary>
public sealed record CalibrationOutcome(CalibrationRunResult Run, CalibrationFit? Fit, DriftReport? Drift, CalibrationHistory? Saved, string? PlotPath, string? NotSavedReason);

/// <summary>A verification and what came of it.</summary>
public sealed record VerificationOutcome(CalibrationRunResult Run, uint DurationMicros, double TargetMicrolitres, double ExpectedMicrolitres,
    double? MeasuredMicrolitres, double Tolerance, bool? Passed, DriftReport? Drift, CalibrationHistory? Saved, string? NotSavedReason)
{
    /// <summary>(measured − expected) / expected.</summary>
    public double? RelativeError => MeasuredMicrolitres is { } m ? (m - ExpectedMicrolitres) / ExpectedMicrolitres : null;
}

/// <summary>
/// The steps of `rig calibrate` around a run: everything that can be refused is checked before the first pulse
/// (a corrupt store file, bad durations, zero pulses), and the store is written once, at the end, only with valid
/// measured points; a failure before then leaves the file byte for byte as it was.
/// </summary>
public static class CalibrationWorkflow
{
    /// <summary>Loads the history (a corrupt file throws <see cref="CalibrationFileException"/>) and chooses and checks the durations.</summary>
    public static CalibrationPlan Plan(CalibrationStore store, string rigId, int valve, IReadOnlyList<uint>? durationsMicros,
        CalibrationRunOptions options, double minMicrolitres = 2, double maxMicrolitres = 10)
    {
        ArgumentNullException.ThrowIfNull(store);
        var history = store.Load(rigId, valve);
        var fit = history.Current?.Fit;
        var durations = durationsMicros ?? DurationPlanner.Propose(
            fit is null ? null : v => fit.DurationFor(v, allowExtrapolation: true), minMicrolitres, maxMicrolitres);
        CalibrationRunner.Validate(durations, options);
        return new CalibrationPlan(history, durations, store.PathFor(rigId, valve));
    }

    /// <summary>
    /// Fits the measured points, compares with the current curve, appends the record and draws the PNG next to the file.
    /// A run cut short keeps its points: with three or more durations they are fitted as usual (the note says the run
    /// was interrupted); with fewer they are stored without a curve, so the current curve stays in use.
    /// </summary>
    public static CalibrationOutcome Finish(CalibrationStore store, CalibrationPlan plan, CalibrationRunResult run, CalibrationIdentity who,
        double densityGramsPerMl, TimeProvider time, double driftThreshold = DriftCheck.DefaultThresholdFraction)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(who);
        ArgumentNullException.ThrowIfNull(time);
        if (run.Points.Count == 0)
        {
            return new CalibrationOutcome(run, null, null, null, null, "no duration was completed and weighed; nothing was saved");
        }

        var points = run.Points.Select(p => CalibrationPoint.Create(p.DurationMicros, p.Pulses, p.MassGrams, densityGramsPerMl)).ToList();
        string? note = run.Completed ? who.Note : Join(who.Note, "interrupted: " + run.StopMessage);
        CalibrationFit? fit = null;
        DriftReport? drift = null;
        if (points.Select(p => p.DurationMicros).Distinct().Count() >= CurveFitter.MinimumDistinctDurations)
        {
            fit = CurveFitter.Fit(points);
            uint reference = ReferenceDuration(plan.History, fit);
            drift = DriftCheck.Compare(plan.History, fit, reference, driftThreshold);
        }
        else
        {
            note = Join(note, string.Create(CultureInfo.InvariantCulture, $"only {points.Count} duration(s) measured: stored without a curve"));
        }

        var record = new CalibrationRecord(time.GetUtcNow(), CalibrationKinds.Calibration, points, fit, who.Operator, note, who.FirmwareVersion, who.Valve, who.RigId);
        var saved = store.Append(record);
        string? plot = null;
        if (fit is not null)
        {
            plot = PlotPath(plan.StorePath);
            // The history before this run: the new curve is drawn as the candidate, not again as an earlier one.
            CalibrationPlot.SavePng(plan.History, fit, points, plot);
        }

        return new CalibrationOutcome(run, fit, drift, saved, plot, null);
    }

    /// <summary>The open time that delivers <paramref name="microlitres"/> by the current curve; refuses outside its range unless forced.</summary>
    public static uint VerificationDuration(CalibrationHistory history, string rigId, int valve, double microlitres, bool force)
    {
        ArgumentNullException.ThrowIfNull(history);
        var fit = history.Current?.Fit
            ?? throw new CalibrationInputException($"rig {rigId} valve {valve} has no calibration to verify; run `rig calibrate` first");
        return fit.DurationFor(microlitres, allowExtrapolation: force);
    }

    /// <summary>Compares the weighed water with the current curve, and appends a verification record (a pass or a fail alike).</summary>
    public static VerificationOutcome FinishVerification(CalibrationStore store, CalibrationHistory history, CalibrationRunResult run, CalibrationIdentity who,
        double targetMicrolitres, double tolerance, double densityGramsPerMl, TimeProvider time, double driftThreshold = DriftCheck.DefaultThresholdFraction)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(history);
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(who);
        ArgumentNullException.ThrowIfNull(time);
        var fit = history.Current?.Fit ?? throw new CalibrationInputException($"rig {who.RigId} valve {who.Valve} has no calibration to verify");
        uint duration = run.Points.Count > 0 ? run.Points[0].DurationMicros : fit.DurationFor(targetMicrolitres, allowExtrapolation: true);
        double expected = fit.VolumeAt(duration, allowExtrapolation: true);
        if (run.Points.Count == 0)
        {
            return new VerificationOutcome(run, duration, targetMicrolitres, expected, null, tolerance, null, null, null,
                "the verification did not complete; nothing was saved");
        }

        var p = run.Points[0];
        var point = CalibrationPoint.Create(p.DurationMicros, p.Pulses, p.MassGrams, densityGramsPerMl);
        double measured = point.MicrolitresPerPulse;
        bool passed = Math.Abs(measured - expected) / expected <= tolerance;
        var drift = DriftCheck.Compare(history, point, driftThreshold);
        string note = Join(who.Note, string.Create(CultureInfo.InvariantCulture,
            $"verify {targetMicrolitres:0.###} µL: {(passed ? "PASS" : "FAIL")} ({(measured - expected) / expected:+0.0%;-0.0%;0.0%}, tolerance ±{tolerance:0.#%})"))!;
        var record = new CalibrationRecord(time.GetUtcNow(), CalibrationKinds.Verification, [point], null, who.Operator, note, who.FirmwareVersion, who.Valve, who.RigId);
        var saved = store.Append(record);
        return new VerificationOutcome(run, duration, targetMicrolitres, expected, measured, tolerance, passed, drift, saved, null);
    }

    /// <summary>Where the PNG goes: next to the store file, same name.</summary>
    public static string PlotPath(string storePath)
    {
        ArgumentNullException.ThrowIfNull(storePath);
        const string suffix = ".json";
        string stem = storePath.EndsWith(suffix, StringComparison.Ordinal) ? storePath[..^suffix.Length] : storePath;
        return stem + ".png";
    }

    // The middle of the current curve's range, where both curves are best determined; the new one's when there is none.
    private static uint ReferenceDuration(CalibrationHistory history, CalibrationFit candidate)
    {
        var basis = history.Current?.Fit ?? candidate;
        return (uint)((basis.MinDurationMicros + (ulong)basis.MaxDurationMicros) / 2);
    }

    private static string? Join(string? a, string? b) =>
        string.IsNullOrEmpty(a) ? b : string.IsNullOrEmpty(b) ? a : a + "; " + b;
}
