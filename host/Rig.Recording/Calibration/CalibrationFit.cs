using System;
using System.Collections.Generic;
using System.Globalization;

namespace Rig.Recording.Calibration;

/// <summary>The curve shapes a valve calibration can be fitted with. Parameters always take the open time in µs and give µL per pulse.</summary>
public enum CurveModel
{
    /// <summary>V = a + b·t. A negative a is the valve's opening dead time.</summary>
    Linear,

    /// <summary>V = a + b·t + c·t², constrained never to decrease over the measured durations.</summary>
    MonotoneQuadratic,

    /// <summary>V = a·tᵇ.</summary>
    PowerLaw,
}

/// <summary>
/// A fitted volume-per-pulse curve and how good it is. <see cref="Parameters"/> are in model order (a, b[, c]) for t in µs and V in µL
/// per pulse. <see cref="ResidualsMicrolitres"/> are measured minus fitted, in the order of the points that were fitted.
/// </summary>
public sealed record CalibrationFit(
    CurveModel Model,
    IReadOnlyList<double> Parameters,
    double RSquared,
    double CrossValidatedRmsMicrolitres,
    IReadOnlyList<double> ResidualsMicrolitres,
    uint MinDurationMicros,
    uint MaxDurationMicros)
{
    /// <summary>
    /// Leave-one-out RMS prediction error relative to each left-out volume (0.02 = 2%): what <see cref="CurveFitter"/> chooses by.
    /// NaN when unknown (a fit stored by a build that did not record it); infinite when the model could not be cross-validated.
    /// </summary>
    public double CrossValidatedRmsFraction { get; init; } = double.NaN;

    /// <summary>How many parameters each model has; a fit read from a file with any other count is refused.</summary>
    public static int ParameterCount(CurveModel model) => model switch
    {
        CurveModel.Linear => 2,
        CurveModel.MonotoneQuadratic => 3,
        CurveModel.PowerLaw => 2,
        _ => throw new ArgumentOutOfRangeException(nameof(model), model, "Unknown curve model."),
    };

    /// <summary>Volume per pulse at the curve's shortest calibrated duration.</summary>
    public double MinMicrolitres => Evaluate(MinDurationMicros);

    /// <summary>Volume per pulse at the curve's longest calibrated duration.</summary>
    public double MaxMicrolitres => Evaluate(MaxDurationMicros);

    /// <summary>Volume per pulse, in µL, for one opening of <paramref name="durationMicros"/>.</summary>
    /// <exception cref="OutsideCalibratedRangeException">The duration was not calibrated and extrapolation was not forced.</exception>
    public double VolumeAt(uint durationMicros, bool allowExtrapolation = false)
    {
        if (!allowExtrapolation && (durationMicros < MinDurationMicros || durationMicros > MaxDurationMicros))
        {
            throw OutsideCalibratedRangeException.For(
                string.Create(CultureInfo.InvariantCulture, $"An open time of {durationMicros} µs"),
                MinDurationMicros,
                MaxDurationMicros,
                MinMicrolitres,
                MaxMicrolitres);
        }

        return Evaluate(durationMicros);
    }

    /// <summary>The open time, in whole µs, that delivers <paramref name="microlitres"/> per pulse.</summary>
    /// <exception cref="OutsideCalibratedRangeException">The volume lies outside the calibrated volumes and extrapolation was not forced.</exception>
    /// <exception cref="CalibrationInputException">The volume is not a positive number, or the curve cannot deliver it.</exception>
    public uint DurationFor(double microlitres, bool allowExtrapolation = false)
    {
        if (double.IsNaN(microlitres) || double.IsInfinity(microlitres) || microlitres <= 0)
        {
            throw new CalibrationInputException(string.Create(CultureInfo.InvariantCulture, $"A reward volume must be more than 0 µL, not {microlitres}."));
        }

        double low = MinMicrolitres;
        double high = MaxMicrolitres;
        if (!(high > low))
        {
            throw new CalibrationInputException(
                $"This {Model} curve does not rise over {MinDurationMicros}–{MaxDurationMicros} µs, so it cannot turn a volume into an open time; recalibrate.");
        }

        if (microlitres >= low && microlitres <= high)
        {
            return ToMicros(Bisect(microlitres, MinDurationMicros, MaxDurationMicros), MinDurationMicros, MaxDurationMicros);
        }

        if (!allowExtrapolation)
        {
            throw OutsideCalibratedRangeException.For(
                string.Create(CultureInfo.InvariantCulture, $"A volume of {microlitres} µL per pulse"),
                MinDurationMicros,
                MaxDurationMicros,
                low,
                high);
        }

        if (microlitres < low)
        {
            if (Evaluate(0) > microlitres)
            {
                throw new CalibrationInputException(
                    string.Create(CultureInfo.InvariantCulture, $"{microlitres} µL per pulse is less than this curve delivers even at the shortest opening."));
            }

            return ToMicros(Bisect(microlitres, 0, MinDurationMicros), 1, MinDurationMicros);
        }

        double upper = MaxDurationMicros;
        while (Evaluate(upper) < microlitres)
        {
            // The curve is only trusted to rise inside its range; beyond it, give up rather than search forever.
            if (upper > uint.MaxValue / 2.0 || Evaluate(upper * 2) <= Evaluate(upper))
            {
                throw new CalibrationInputException(
                    string.Create(CultureInfo.InvariantCulture, $"{microlitres} µL per pulse is more than this curve can deliver at any open time."));
            }

            upper *= 2;
        }

        return ToMicros(Bisect(microlitres, MaxDurationMicros, upper), MaxDurationMicros, uint.MaxValue);
    }

    /// <summary>The curve itself, without the range check.</summary>
    public double Evaluate(double durationMicros)
    {
        if (Parameters.Count != ParameterCount(Model))
        {
            throw new InvalidOperationException($"A {Model} curve needs {ParameterCount(Model)} parameters, not {Parameters.Count}.");
        }

        return Model switch
        {
            CurveModel.Linear => Parameters[0] + (Parameters[1] * durationMicros),
            CurveModel.MonotoneQuadratic => Parameters[0] + (Parameters[1] * durationMicros) + (Parameters[2] * durationMicros * durationMicros),
            CurveModel.PowerLaw => Parameters[0] * Math.Pow(durationMicros, Parameters[1]),
            _ => throw new InvalidOperationException($"Unknown curve model {Model}."),
        };
    }

    private double Bisect(double target, double low, double high)
    {
        for (int i = 0; i < 200 && high - low > 1e-6; i++)
        {
            double mid = (low + high) / 2;
            if (Evaluate(mid) < target)
            {
                low = mid;
            }
            else
            {
                high = mid;
            }
        }

        return (low + high) / 2;
    }

    private static uint ToMicros(double micros, uint min, uint max) => (uint)Math.Clamp(Math.Round(micros), min, max);
}
