using System;
using System.Globalization;
using System.Text.Json.Serialization;

namespace Rig.Recording.Calibration;

/// <summary>
/// How one reward of a protocol session is delivered on one valve: the volume the protocol asks for and the valve open
/// time used for it. Recorded in session.json (`reward_doses`) and in the task's plan marker, so the session says which
/// µL → ms it used without the protocol file or the calibration file.
/// </summary>
/// <param name="Valve">The valve channel.</param>
/// <param name="VolumeMicrolitres">The protocol's `volume_ul`: what one reward is.</param>
/// <param name="ValveOpenMicros">The open time the session commands for one reward.</param>
/// <param name="Calibrated">True when <paramref name="ValveOpenMicros"/> came from the valve's calibration curve; false
/// with `--uncalibrated`, when it is the protocol's `valve_open_ms` and the volume is only the protocol's nominal figure.</param>
public sealed record RewardDose(
    [property: JsonPropertyName("valve")] int Valve,
    [property: JsonPropertyName("volume_ul")] double VolumeMicrolitres,
    [property: JsonPropertyName("valve_open_us")] uint ValveOpenMicros,
    [property: JsonPropertyName("calibrated")] bool Calibrated)
{
    /// <summary>The open time that delivers <paramref name="volumeMicrolitres"/> by <paramref name="curve"/> (its inverse).</summary>
    /// <exception cref="RewardCalibrationException">The volume is outside the curve's calibrated volumes, or the curve cannot be inverted.</exception>
    public static RewardDose FromCurve(CalibrationFit curve, int valve, double volumeMicrolitres)
    {
        ArgumentNullException.ThrowIfNull(curve);
        var c = CultureInfo.InvariantCulture;
        try
        {
            // Never extrapolated: a session's reward must lie where the valve was actually measured.
            return new RewardDose(valve, volumeMicrolitres, curve.DurationFor(volumeMicrolitres), Calibrated: true);
        }
        catch (OutsideCalibratedRangeException e)
        {
            throw new RewardCalibrationException(string.Create(c,
                $"a reward of {volumeMicrolitres} µL is outside valve {valve}'s calibrated range {curve.MinMicrolitres:0.###}–{curve.MaxMicrolitres:0.###} µL "
                + $"({curve.MinDurationMicros}–{curve.MaxDurationMicros} µs open); recalibrate over open times that cover it (rig calibrate --durations ...) or change the protocol's volume_ul"), e);
        }
        catch (CalibrationInputException e)
        {
            throw new RewardCalibrationException($"valve {valve}'s calibration curve cannot give the open time for {volumeMicrolitres.ToString(c)} µL: {e.Message}", e);
        }
    }

    /// <summary>`--uncalibrated`: the protocol's own open time; the volume is a label, not a dose.</summary>
    public static RewardDose Uncalibrated(int valve, double volumeMicrolitres, double valveOpenMs) =>
        new(valve, volumeMicrolitres, (uint)Math.Round(valveOpenMs * 1000), Calibrated: false);

    /// <summary>One line for people: "2.5 µL → 38.2 ms (valve 0, by its calibration curve)".</summary>
    public string Describe()
    {
        var c = CultureInfo.InvariantCulture;
        return Calibrated
            ? string.Create(c, $"{VolumeMicrolitres:0.###} µL → {ValveOpenMicros / 1000.0:0.###} ms (valve {Valve}, by its calibration curve)")
            : string.Create(c, $"UNCALIBRATED: {ValveOpenMicros / 1000.0:0.###} ms (the protocol's valve_open_ms; valve {Valve}); its {VolumeMicrolitres:0.###} µL is nominal, not measured");
    }
}

/// <summary>
/// A rewarded protocol session cannot start: the valve has no usable calibration curve, or the protocol's volume lies
/// outside it. The message names the rig, valve and file, and how to fix it (`rig` exit code 26).
/// </summary>
public sealed class RewardCalibrationException : Exception
{
    public RewardCalibrationException()
    {
    }

    public RewardCalibrationException(string message)
        : base(message)
    {
    }

    public RewardCalibrationException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
