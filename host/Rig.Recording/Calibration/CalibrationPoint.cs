using System;
using System.Globalization;

namespace Rig.Recording.Calibration;

/// <summary>
/// One measurement: the valve opened <see cref="Pulses"/> times for <see cref="DurationMicros"/> each, and the water collected
/// weighed <see cref="MassGrams"/>. Build it with <see cref="Create"/> so that impossible values are refused with a clear message.
/// </summary>
public sealed record CalibrationPoint(uint DurationMicros, int Pulses, double MassGrams, double DensityGramsPerMl = CalibrationPoint.WaterDensityGramsPerMl)
{
    /// <summary>Water at about 20 °C.</summary>
    public const double WaterDensityGramsPerMl = 0.998;

    public double MicrolitresPerPulse => MassGrams * 1000 / DensityGramsPerMl / Pulses;

    public static CalibrationPoint Create(uint durationMicros, int pulses, double massGrams, double densityGramsPerMl = WaterDensityGramsPerMl)
    {
        if (durationMicros == 0)
        {
            throw new CalibrationInputException("The valve open duration must be at least 1 µs; 0 µs delivers no water.");
        }

        if (pulses <= 0)
        {
            throw new CalibrationInputException(string.Create(CultureInfo.InvariantCulture, $"The number of pulses must be at least 1, not {pulses}."));
        }

        if (double.IsNaN(massGrams) || double.IsInfinity(massGrams))
        {
            throw new CalibrationInputException(string.Create(CultureInfo.InvariantCulture, $"The collected mass must be a number of grams, not {massGrams}."));
        }

        if (massGrams <= 0)
        {
            throw new CalibrationInputException(
                string.Create(CultureInfo.InvariantCulture, $"The collected mass must be more than 0 g, not {massGrams} g (was the cup tared, or the water spilled?)."));
        }

        if (double.IsNaN(densityGramsPerMl) || double.IsInfinity(densityGramsPerMl) || densityGramsPerMl <= 0)
        {
            throw new CalibrationInputException(string.Create(CultureInfo.InvariantCulture, $"The liquid density must be more than 0 g/mL, not {densityGramsPerMl}."));
        }

        return new CalibrationPoint(durationMicros, pulses, massGrams, densityGramsPerMl);
    }

    /// <summary>Re-checks a point built with the constructor (for example from a file) by the same rules as <see cref="Create"/>.</summary>
    public static CalibrationPoint Validate(CalibrationPoint point)
    {
        ArgumentNullException.ThrowIfNull(point);
        return Create(point.DurationMicros, point.Pulses, point.MassGrams, point.DensityGramsPerMl);
    }
}
