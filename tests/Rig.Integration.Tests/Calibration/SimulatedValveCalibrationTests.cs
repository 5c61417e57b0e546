using System;
using Rig.Recording.Calibration;
using Rig.VirtualRig.Water;
using Xunit;

namespace Rig.Integration.Tests.Calibration;

/// <summary>The demo's calibration of its simulated valve: a fit of the valve's own flow model, labelled as such.</summary>
public sealed class SimulatedValveCalibrationTests
{
    [Theory]
    [InlineData(1.5)]
    [InlineData(2.5)]
    [InlineData(5.0)]
    [InlineData(9.0)]
    public void The_simulated_valves_curve_gives_open_times_at_which_the_simulated_valve_delivers_the_volume_within_3_percent(double microlitres)
    {
        var model = new ValveFlowModel();
        var curve = SimulatedValveCalibration.For(model, 0, new DateTimeOffset(2026, 12, 6, 0, 0, 0, TimeSpan.Zero));
        var dose = RewardDose.FromCurve(curve.ToFit(), 0, microlitres);
        Assert.InRange(model.VolumeMicrolitres(dose.ValveOpenMicros / 1000.0), microlitres * 0.97, microlitres * 1.03);
    }

    [Fact]
    public void The_simulated_valves_calibration_says_it_was_fitted_to_a_model_and_not_weighed_and_names_no_file()
    {
        var curve = SimulatedValveCalibration.For(new ValveFlowModel(), 0, DateTimeOffset.UnixEpoch);
        Assert.Contains("not weighed", curve.SimulatedValve, StringComparison.Ordinal);
        Assert.Contains("dead time 3 ms", curve.SimulatedValve, StringComparison.Ordinal);
        Assert.StartsWith("(none", curve.File, StringComparison.Ordinal);
        Assert.Equal(64, curve.Sha256.Length);
    }
}
