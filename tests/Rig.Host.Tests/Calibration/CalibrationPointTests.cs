using System;
using Rig.Recording.Calibration;
using Xunit;

namespace Rig.Host.Tests.Calibration;

public sealed class CalibrationPointTests
{
    [Fact]
    public void Volume_per_pulse_is_mass_over_density_over_pulses_in_microlitres()
    {
        CalibrationPoint point = CalibrationPoint.Create(20_000, 200, 0.998);

        Assert.Equal(5.0, point.MicrolitresPerPulse, 12);
    }

    [Theory]
    [InlineData(-0.5, "more than 0 g")]
    [InlineData(0.0, "more than 0 g")]
    [InlineData(double.NaN, "must be a number of grams")]
    [InlineData(double.PositiveInfinity, "must be a number of grams")]
    public void A_negative_zero_or_non_numeric_mass_is_refused_with_a_clear_message(double mass, string expected)
    {
        var error = Assert.Throws<CalibrationInputException>(() => CalibrationPoint.Create(20_000, 100, mass));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-3)]
    public void Zero_or_negative_pulses_are_refused_with_a_clear_message(int pulses)
    {
        var error = Assert.Throws<CalibrationInputException>(() => CalibrationPoint.Create(20_000, pulses, 0.5));

        Assert.Contains("number of pulses must be at least 1", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_zero_duration_is_refused_with_a_clear_message()
    {
        var error = Assert.Throws<CalibrationInputException>(() => CalibrationPoint.Create(0, 100, 0.5));

        Assert.Contains("0 µs", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(-1.0)]
    [InlineData(double.NaN)]
    public void A_non_positive_density_is_refused_with_a_clear_message(double density)
    {
        var error = Assert.Throws<CalibrationInputException>(() => CalibrationPoint.Create(20_000, 100, 0.5, density));

        Assert.Contains("density", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_fitter_refuses_a_point_built_around_the_validation()
    {
        CalibrationPoint[] points = [new(10_000, 100, 0.1), new(20_000, 0, 0.3), new(30_000, 100, 0.5)];

        var error = Assert.Throws<CalibrationInputException>(() => CurveFitter.Fit(points));

        Assert.Contains("pulses", error.Message, StringComparison.Ordinal);
    }
}
