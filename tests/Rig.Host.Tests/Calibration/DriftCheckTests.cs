using System;
using System.Collections.Generic;
using Rig.Recording.Calibration;
using Xunit;

namespace Rig.Host.Tests.Calibration;

public sealed class DriftCheckTests
{
    private static readonly DateTimeOffset Calibrated = new(2026, 11, 2, 9, 30, 0, TimeSpan.Zero);

    private static CalibrationHistory HistoryWith(Func<double, double> curve) =>
        new([CalibrationStoreTests.Calibration(Calibrated, curve)]);

    private static CalibrationFit Scaled(double factor) =>
        CurveFitter.Fit(Synthetic.Points(ms => factor * Synthetic.Quadratic(ms), relativeNoise: 0.01, seed: 9));

    [Fact]
    public void A_fifteen_percent_drop_at_the_reference_duration_is_flagged_as_drift()
    {
        DriftReport report = DriftCheck.Compare(HistoryWith(Synthetic.Quadratic), Scaled(0.85), 30_000);

        Assert.True(report.HasReference);
        Assert.True(report.Drifted);
        Assert.InRange(report.RelativeChange!.Value, -0.18, -0.12);
        Assert.Contains("DRIFT", report.Message, StringComparison.Ordinal);
        Assert.Contains("clogged", report.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_five_percent_change_is_within_the_default_threshold()
    {
        DriftReport report = DriftCheck.Compare(HistoryWith(Synthetic.Quadratic), Scaled(1.05), 30_000);

        Assert.False(report.Drifted);
        Assert.InRange(report.RelativeChange!.Value, 0.03, 0.07);
        Assert.Contains("within ±10%", report.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_set_threshold_replaces_the_default()
    {
        Assert.True(DriftCheck.Compare(HistoryWith(Synthetic.Quadratic), Scaled(1.05), 30_000, thresholdFraction: 0.03).Drifted);
    }

    [Fact]
    public void A_verification_point_fifteen_percent_low_is_flagged_and_one_five_percent_low_is_not()
    {
        CalibrationHistory history = HistoryWith(Synthetic.Quadratic);
        double expectedUl = history.Current!.Fit!.VolumeAt(30_000);
        CalibrationPoint Measured(double factor) => CalibrationPoint.Create(30_000, 200, expectedUl * factor * 200 * 0.998 / 1000);

        Assert.True(DriftCheck.Compare(history, Measured(0.85)).Drifted);
        Assert.False(DriftCheck.Compare(history, Measured(0.95)).Drifted);
    }

    [Fact]
    public void Without_an_earlier_calibration_nothing_has_drifted()
    {
        DriftReport report = DriftCheck.Compare(CalibrationHistory.Empty, Scaled(1), 30_000);

        Assert.False(report.HasReference);
        Assert.False(report.Drifted);
        Assert.Null(report.RelativeChange);
    }

    [Fact]
    public void A_calibration_fifteen_days_old_warns_when_the_limit_is_fourteen_days()
    {
        AgeReport report = DriftCheck.CheckAge(HistoryWith(Synthetic.Linear), Calibrated.AddDays(15), TimeSpan.FromDays(14));

        Assert.Equal(AgeStatus.TooOld, report.Status);
        Assert.True(report.Warn);
        Assert.Equal(TimeSpan.FromDays(15), report.Age);
        Assert.Contains("15 days old (limit 14 days)", report.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_calibration_thirteen_days_old_is_fine_with_a_fourteen_day_limit()
    {
        AgeReport report = DriftCheck.CheckAge(HistoryWith(Synthetic.Linear), Calibrated.AddDays(13), DriftCheck.DefaultMaxAge);

        Assert.Equal(AgeStatus.Fine, report.Status);
        Assert.False(report.Warn);
    }

    [Fact]
    public void A_valve_never_calibrated_warns_at_session_start()
    {
        var onlyVerification = new CalibrationHistory(new List<CalibrationRecord>
        {
            new(Calibrated, CalibrationKinds.Verification, [CalibrationPoint.Create(30_000, 200, 1.0)], null, null, null, null, 0, "rig-a"),
        });

        AgeReport report = DriftCheck.CheckAge(onlyVerification, Calibrated, DriftCheck.DefaultMaxAge);

        Assert.Equal(AgeStatus.NoCalibration, report.Status);
        Assert.True(report.Warn);
        Assert.Contains("no calibration", report.Message, StringComparison.Ordinal);
    }
}
