using System;
using Rig.Recording.Calibration;
using Xunit;

namespace Rig.Host.Tests.Calibration;

public sealed class CalibrationFitTests
{
    private static readonly CalibrationFit Fitted = CurveFitter.Fit(Synthetic.Points(Synthetic.Quadratic, relativeNoise: 0.005, seed: 3));

    [Fact]
    public void A_duration_outside_the_calibrated_range_is_refused_with_the_range_in_microseconds_and_microlitres()
    {
        var error = Assert.Throws<OutsideCalibratedRangeException>(() => Fitted.VolumeAt(70_000));

        Assert.Contains("70000 µs", error.Message, StringComparison.Ordinal);
        Assert.Contains("10000–60000 µs", error.Message, StringComparison.Ordinal);
        Assert.Contains("µL", error.Message, StringComparison.Ordinal);
        Assert.Equal(10_000u, error.MinDurationMicros);
        Assert.Equal(60_000u, error.MaxDurationMicros);
        Assert.Equal(Fitted.VolumeAt(10_000), error.MinMicrolitres, 9);
    }

    [Fact]
    public void A_volume_outside_the_calibrated_volumes_is_refused_with_the_range()
    {
        var error = Assert.Throws<OutsideCalibratedRangeException>(() => Fitted.DurationFor(40));

        Assert.Contains("40 µL", error.Message, StringComparison.Ordinal);
        Assert.Contains("10000–60000 µs", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Extrapolation_is_allowed_when_forced()
    {
        double beyond = Fitted.VolumeAt(70_000, allowExtrapolation: true);
        uint longer = Fitted.DurationFor(Fitted.MaxMicrolitres * 1.2, allowExtrapolation: true);
        uint shorter = Fitted.DurationFor(Fitted.MinMicrolitres * 0.9, allowExtrapolation: true);

        Assert.True(beyond > Fitted.VolumeAt(60_000));
        Assert.True(longer > 60_000);
        Assert.True(shorter < 10_000);
    }

    [Fact]
    public void DurationFor_inverts_VolumeAt_to_the_microsecond()
    {
        for (uint us = 10_000; us <= 60_000; us += 1_234)
        {
            Assert.InRange(Fitted.DurationFor(Fitted.VolumeAt(us)), us - 1, us + 1);
        }

        foreach (double ul in new[] { 2.0, 3.3, 5.0, 7.5, 10.0 })
        {
            uint us = Fitted.DurationFor(ul);
            double slope = Fitted.VolumeAt(us + 1) - Fitted.VolumeAt(us);
            Assert.Equal(ul, Fitted.VolumeAt(us), slope);
        }
    }

    [Fact]
    public void A_non_positive_volume_is_refused_with_a_clear_message()
    {
        var error = Assert.Throws<CalibrationInputException>(() => Fitted.DurationFor(-1));

        Assert.Contains("more than 0 µL", error.Message, StringComparison.Ordinal);
    }
}
