using System;
using System.Collections.Generic;
using System.Linq;
using Rig.Recording.Calibration;
using Xunit;

namespace Rig.Host.Tests.Calibration;

public sealed class CurveFitterTests
{
    private static CalibrationFit FitOf(CurveModel model, IReadOnlyList<CalibrationPoint> points) => CurveFitter.FitAll(points).Single(f => f.Model == model);

    [Fact]
    public void The_linear_model_recovers_intercept_and_slope_from_exact_points()
    {
        CalibrationFit fit = FitOf(CurveModel.Linear, Synthetic.Points(Synthetic.Linear));

        Assert.Equal(-1.0, fit.Parameters[0], 9);
        Assert.Equal(0.0002, fit.Parameters[1], 12);
        Assert.Equal(1.0, fit.RSquared, 9);
        Assert.All(fit.ResidualsMicrolitres, r => Assert.True(Math.Abs(r) < 1e-9));
    }

    [Fact]
    public void The_monotone_quadratic_model_recovers_all_three_coefficients_from_exact_points()
    {
        CalibrationFit fit = FitOf(CurveModel.MonotoneQuadratic, Synthetic.Points(Synthetic.Quadratic));

        Assert.Equal(0.5, fit.Parameters[0], 7);
        Assert.Equal(5e-5, fit.Parameters[1], 11);
        Assert.Equal(3e-9, fit.Parameters[2], 15);
    }

    [Fact]
    public void The_power_law_model_recovers_coefficient_and_exponent_from_exact_points()
    {
        CalibrationFit fit = FitOf(CurveModel.PowerLaw, Synthetic.Points(Synthetic.Power));

        Assert.Equal(0.05 / Math.Pow(1000, 1.5), fit.Parameters[0], 1e-12);
        Assert.Equal(1.5, fit.Parameters[1], 6);
    }

    [Fact]
    public void The_power_law_refinement_recovers_the_exponent_from_noisy_points_within_two_percent()
    {
        CalibrationFit fit = FitOf(CurveModel.PowerLaw, Synthetic.Points(Synthetic.Power, relativeNoise: 0.01, seed: 7));

        Assert.InRange(fit.Parameters[1], 1.47, 1.53);
    }

    [Theory]
    [InlineData(CurveModel.Linear, 1)]
    [InlineData(CurveModel.Linear, 2)]
    [InlineData(CurveModel.Linear, 3)]
    [InlineData(CurveModel.MonotoneQuadratic, 1)]
    [InlineData(CurveModel.MonotoneQuadratic, 2)]
    [InlineData(CurveModel.MonotoneQuadratic, 3)]
    [InlineData(CurveModel.PowerLaw, 1)]
    [InlineData(CurveModel.PowerLaw, 2)]
    [InlineData(CurveModel.PowerLaw, 3)]
    public void The_chooser_picks_the_model_the_noisy_points_were_generated_from(CurveModel truth, int seed)
    {
        Func<double, double> curve = truth switch
        {
            CurveModel.Linear => Synthetic.Linear,
            CurveModel.MonotoneQuadratic => Synthetic.Quadratic,
            _ => Synthetic.Power,
        };

        CalibrationFit chosen = CurveFitter.Fit(Synthetic.Points(curve, relativeNoise: 0.01, seed: seed));

        Assert.Equal(truth, chosen.Model);
    }

    [Fact]
    public void The_chosen_curve_recovers_a_nonlinear_valve_within_three_percent_over_the_range()
    {
        // A valve with an opening dead time of 4 ms and slightly super-linear flow: none of the models has exactly this shape.
        static double Valve(double ms) => 0.12 * Math.Pow(ms - 4, 1.1);
        CalibrationFit fit = CurveFitter.Fit(Synthetic.Points(Valve, relativeNoise: 0.01, seed: 5));

        for (uint us = 10_000; us <= 60_000; us += 1_000)
        {
            double expected = Valve(us / 1000.0);
            Assert.InRange(fit.VolumeAt(us), expected * 0.97, expected * 1.03);
        }
    }

    [Fact]
    public void The_monotone_quadratic_never_decreases_over_the_range_even_when_the_points_bend_down()
    {
        // Saturating points: an unconstrained parabola through them turns down before the longest duration.
        static double Saturating(double ms) => 12 - (0.003 * (70 - ms) * (70 - ms)) + (ms > 55 ? -1.5 : 0);
        CalibrationFit fit = FitOf(CurveModel.MonotoneQuadratic, Synthetic.Points(Saturating, relativeNoise: 0.01));

        double previous = double.NegativeInfinity;
        for (uint us = fit.MinDurationMicros; us <= fit.MaxDurationMicros; us += 50)
        {
            double v = fit.VolumeAt(us);
            Assert.True(v >= previous - 1e-12, $"the curve decreases at {us} µs");
            previous = v;
        }

        // The points fall at the long end, so the constraint must be holding the slope there at zero rather than letting it go negative.
        Assert.InRange(fit.VolumeAt(60_000) - fit.VolumeAt(59_000), -1e-9, 0.01);
    }

    [Fact]
    public void Every_fit_reports_the_measured_range_residuals_per_point_and_a_finite_cross_validated_error()
    {
        List<CalibrationPoint> points = Synthetic.Points(Synthetic.Quadratic, relativeNoise: 0.01);

        foreach (CalibrationFit fit in CurveFitter.FitAll(points))
        {
            Assert.Equal(10_000u, fit.MinDurationMicros);
            Assert.Equal(60_000u, fit.MaxDurationMicros);
            Assert.Equal(points.Count, fit.ResidualsMicrolitres.Count);
            Assert.True(double.IsFinite(fit.CrossValidatedRmsMicrolitres) && fit.CrossValidatedRmsMicrolitres > 0);
            Assert.InRange(fit.RSquared, 0.9, 1.0);
        }
    }

    [Fact]
    public void Repeated_points_at_three_durations_are_enough_to_fit()
    {
        var points = new List<CalibrationPoint>();
        foreach (uint us in new uint[] { 10_000, 30_000, 50_000 })
        {
            points.Add(CalibrationPoint.Create(us, 100, Synthetic.Linear(us / 1000.0) * 0.1 * 0.998 * 1.01));
            points.Add(CalibrationPoint.Create(us, 100, Synthetic.Linear(us / 1000.0) * 0.1 * 0.998 * 0.99));
        }

        CalibrationFit fit = CurveFitter.Fit(points);

        Assert.Equal(3, CurveFitter.FitAll(points).Count);
        Assert.Equal(5.0, fit.VolumeAt(30_000), 1);
    }

    [Fact]
    public void Fewer_than_three_distinct_durations_are_refused_with_a_clear_message()
    {
        CalibrationPoint[] points =
        [
            CalibrationPoint.Create(10_000, 100, 0.1),
            CalibrationPoint.Create(10_000, 100, 0.11),
            CalibrationPoint.Create(20_000, 100, 0.3),
        ];

        var error = Assert.Throws<CalibrationInputException>(() => CurveFitter.Fit(points));

        Assert.Contains("at least 3 different open times", error.Message, StringComparison.Ordinal);
        Assert.Contains("got 2", error.Message, StringComparison.Ordinal);
    }
}
