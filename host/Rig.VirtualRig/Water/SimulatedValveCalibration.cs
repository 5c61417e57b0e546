using System;
using System.Globalization;
using System.Linq;
using System.Security.Cryptography;
using System.Text;
using Rig.Provisioning.Calibration.Run;
using Rig.Recording.Calibration;

namespace Rig.VirtualRig.Water;

/// <summary>
/// A calibration of a virtual rig's simulated valve without weighing anything: the valve's known flow model
/// (<see cref="ValveFlowModel"/>), noise-free, at the open times `rig calibrate` uses by default, fitted by the same
/// <see cref="CurveFitter"/> as a weighed calibration. `rig demo` uses it on a machine with no calibration file so that the
/// reference protocol runs calibrated; its provenance says what it is (<see cref="CalibrationProvenance.SimulatedValve"/>),
/// never a file or a measurement.
/// </summary>
public static class SimulatedValveCalibration
{
    /// <summary>Pulses per open time in the synthetic points (only their ratio to the mass matters).</summary>
    private const int PulsesPerPoint = 100;

    /// <summary>The fitted curve of <paramref name="model"/> on <paramref name="valve"/>, dated <paramref name="date"/>.</summary>
    public static CalibrationProvenance For(ValveFlowModel model, int valve, DateTimeOffset date)
    {
        ArgumentNullException.ThrowIfNull(model);
        var c = CultureInfo.InvariantCulture;
        var durations = DurationPlanner.DefaultMicros;
        var points = durations
            .Select(us => CalibrationPoint.Create(us, PulsesPerPoint,
                model.VolumeMicrolitres(us / 1000.0) * PulsesPerPoint * model.DensityGramsPerMl / 1000.0, model.DensityGramsPerMl))
            .ToList();
        var fit = CurveFitter.Fit(points);
        string description = string.Create(c,
            $"fitted to the simulated valve's flow model, not weighed: dead time {model.DeadTimeMs} ms, saturated flow {model.SaturatedFlowMicrolitresPerMs} µL/ms, "
            + $"rise {model.RiseMs} ms, noise-free at {string.Join(",", durations.Select(us => (us / 1000).ToString(c)))} ms");
        string sha = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(description)));
        return new CalibrationProvenance("(none: simulated valve model)", sha, date, valve, fit.Model.ToString(), fit.Parameters,
            fit.MinDurationMicros, fit.MaxDurationMicros, fit.RSquared)
        {
            SimulatedValve = description,
        };
    }
}
