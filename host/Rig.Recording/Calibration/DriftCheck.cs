using System;
using System.Globalization;

namespace Rig.Recording.Calibration;

/// <summary>How a new calibration or verification compares with the current curve at one reference open time.</summary>
/// <param name="HasReference">False when there is no current curve to compare with; then nothing can have drifted.</param>
/// <param name="CurrentMicrolitres">Volume per pulse at the reference time by the current curve.</param>
/// <param name="CandidateMicrolitres">Volume per pulse at the reference time by the new curve or measurement.</param>
/// <param name="RelativeChange">(candidate − current) / current; negative when the valve now delivers less (clogging).</param>
/// <param name="Extrapolated">The reference time lies outside one of the curves' calibrated ranges, so the comparison is less certain.</param>
public sealed record DriftReport(
    bool HasReference,
    bool Drifted,
    uint ReferenceDurationMicros,
    double ThresholdFraction,
    double? CurrentMicrolitres,
    double CandidateMicrolitres,
    double? RelativeChange,
    DateTimeOffset? CurrentDate,
    bool Extrapolated,
    string Message);

public enum AgeStatus
{
    /// <summary>The valve has never been calibrated (or no calibration has a curve).</summary>
    NoCalibration,

    /// <summary>The current curve is older than the allowed age.</summary>
    TooOld,

    /// <summary>The current curve is recent enough.</summary>
    Fine,
}

/// <param name="Age">How old the current curve is; null when there is none.</param>
public sealed record AgeReport(AgeStatus Status, DateTimeOffset? CalibratedAt, TimeSpan? Age, TimeSpan MaxAge, string Message)
{
    /// <summary>Whether the operator should be warned at session start.</summary>
    public bool Warn => Status != AgeStatus.Fine;
}

/// <summary>Drift and age checks against a valve's calibration history.</summary>
public static class DriftCheck
{
    public const double DefaultThresholdFraction = 0.10;

    public static readonly TimeSpan DefaultMaxAge = TimeSpan.FromDays(14);

    /// <summary>Compares a new curve with the current one at <paramref name="referenceDurationMicros"/>.</summary>
    public static DriftReport Compare(CalibrationHistory history, CalibrationFit candidate, uint referenceDurationMicros, double thresholdFraction = DefaultThresholdFraction)
    {
        ArgumentNullException.ThrowIfNull(candidate);
        bool outside = referenceDurationMicros < candidate.MinDurationMicros || referenceDurationMicros > candidate.MaxDurationMicros;
        return CompareVolume(history, candidate.VolumeAt(referenceDurationMicros, allowExtrapolation: true), referenceDurationMicros, thresholdFraction, outside, "new calibration");
    }

    /// <summary>Compares one measured point (typically a verification) with what the current curve predicts at its open time.</summary>
    public static DriftReport Compare(CalibrationHistory history, CalibrationPoint measured, double thresholdFraction = DefaultThresholdFraction)
    {
        ArgumentNullException.ThrowIfNull(measured);
        CalibrationPoint.Validate(measured);
        return CompareVolume(history, measured.MicrolitresPerPulse, measured.DurationMicros, thresholdFraction, false, "measurement");
    }

    /// <summary>Whether the current curve is missing or older than <paramref name="maxAge"/> at <paramref name="now"/>.</summary>
    public static AgeReport CheckAge(CalibrationHistory history, DateTimeOffset now, TimeSpan maxAge)
    {
        ArgumentNullException.ThrowIfNull(history);
        if (maxAge <= TimeSpan.Zero)
        {
            throw new CalibrationInputException($"The maximum calibration age must be positive, not {maxAge}.");
        }

        CalibrationRecord? current = history.Current;
        if (current is null)
        {
            return new AgeReport(AgeStatus.NoCalibration, null, null, maxAge, "This valve has no calibration: reward volumes in µL cannot be trusted. Run `rig calibrate`.");
        }

        TimeSpan age = now - current.Date;
        string when = current.Date.ToString("yyyy-MM-dd HH:mm zzz", CultureInfo.InvariantCulture);
        return age > maxAge
            ? new AgeReport(
                AgeStatus.TooOld,
                current.Date,
                age,
                maxAge,
                string.Create(CultureInfo.InvariantCulture, $"The valve calibration from {when} is {age.TotalDays:0.#} days old (limit {maxAge.TotalDays:0.#} days); recalibrate or verify it."))
            : new AgeReport(
                AgeStatus.Fine,
                current.Date,
                age,
                maxAge,
                string.Create(CultureInfo.InvariantCulture, $"The valve calibration from {when} is {age.TotalDays:0.#} days old (limit {maxAge.TotalDays:0.#} days)."));
    }

    private static DriftReport CompareVolume(CalibrationHistory history, double candidateUl, uint referenceUs, double threshold, bool extrapolated, string what)
    {
        ArgumentNullException.ThrowIfNull(history);
        if (!double.IsFinite(threshold) || threshold <= 0)
        {
            throw new CalibrationInputException(string.Create(CultureInfo.InvariantCulture, $"The drift threshold must be a positive fraction (0.10 = 10%), not {threshold}."));
        }

        if (referenceUs == 0)
        {
            throw new CalibrationInputException("The drift reference open time must be at least 1 µs.");
        }

        CalibrationRecord? current = history.Current;
        if (current?.Fit is not CalibrationFit fit)
        {
            return new DriftReport(false, false, referenceUs, threshold, null, candidateUl, null, null, extrapolated, "No earlier calibration to compare with; nothing to check for drift.");
        }

        extrapolated |= referenceUs < fit.MinDurationMicros || referenceUs > fit.MaxDurationMicros;
        double currentUl = fit.VolumeAt(referenceUs, allowExtrapolation: true);
        double change = (candidateUl - currentUl) / currentUl;
        bool drifted = !double.IsFinite(change) || Math.Abs(change) > threshold;
        string date = current.Date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        string message = string.Create(
            CultureInfo.InvariantCulture,
            $"At {referenceUs} µs the {what} gives {candidateUl:0.###} µL per pulse; the current curve ({date}) gives {currentUl:0.###} µL: {change:+0.0%;-0.0%;0.0%} ")
            + (drifted
                ? string.Create(CultureInfo.InvariantCulture, $"— DRIFT beyond ±{threshold:0.#%}{(change < 0 ? " (less water: check for a clogged or kinked line)" : string.Empty)}.")
                : string.Create(CultureInfo.InvariantCulture, $"— within ±{threshold:0.#%}."))
            + (extrapolated ? " The reference time is outside a calibrated range, so this compares extrapolated volumes." : string.Empty);
        return new DriftReport(true, drifted, referenceUs, threshold, currentUl, candidateUl, change, current.Date, extrapolated, message);
    }
}
