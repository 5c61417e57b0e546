using System;
using System.Collections.Generic;
using Rig.Recording.Calibration;

namespace Rig.Provisioning.Calibration.Run;

/// <summary>Chooses the open durations of a calibration run.</summary>
public static class DurationPlanner
{
    /// <summary>Durations when there is no curve yet: a spread that covers 2-10 µL on typical solenoid valves.</summary>
    public static readonly IReadOnlyList<uint> DefaultMicros = [20_000, 40_000, 60_000, 80_000, 100_000, 120_000];

    /// <summary>
    /// Durations for <paramref name="count"/> volumes evenly spread over [<paramref name="minMicrolitres"/>,
    /// <paramref name="maxMicrolitres"/>], from the current curve (volume to duration, µs). A curve that cannot answer
    /// (outside its range, or none) gives the default spread: a new calibration must not depend on the old one.
    /// </summary>
    public static IReadOnlyList<uint> Propose(Func<double, double>? durationMicrosFor, double minMicrolitres = 2, double maxMicrolitres = 10, int count = 6)
    {
        if (durationMicrosFor is null || count < 2 || !(minMicrolitres > 0) || !(maxMicrolitres > minMicrolitres))
        {
            return DefaultMicros;
        }

        var result = new List<uint>();
        try
        {
            for (int i = 0; i < count; i++)
            {
                double volume = minMicrolitres + (maxMicrolitres - minMicrolitres) * i / (count - 1);
                double micros = durationMicrosFor(volume);
                if (!double.IsFinite(micros) || micros <= 0)
                {
                    return DefaultMicros;
                }

                // Whole 0.1 ms steps keep the stored points readable.
                uint rounded = (uint)(Math.Round(micros / 100) * 100);
                if (result.Count == 0 || rounded > result[^1])
                {
                    result.Add(rounded);
                }
            }
        }
        catch (Exception e) when (e is CalibrationInputException or OutsideCalibratedRangeException or ArithmeticException)
        {
            return DefaultMicros;
        }

        return result.Count >= 2 ? result : DefaultMicros;
    }

    /// <summary>Parses "20,40,80" (ms, decimals allowed) to µs; throws <see cref="CalibrationRunInputException"/> naming a bad entry.</summary>
    public static IReadOnlyList<uint> ParseMilliseconds(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var result = new List<uint>();
        foreach (string part in text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            if (!double.TryParse(part, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out double ms)
                || !double.IsFinite(ms) || ms <= 0 || ms > uint.MaxValue / 1000.0)
            {
                throw new CalibrationRunInputException($"'{part}' is not a duration in ms above 0 (e.g. --durations 20,40,80)");
            }

            result.Add((uint)Math.Round(ms * 1000));
        }

        if (result.Count == 0)
        {
            throw new CalibrationRunInputException("--durations lists no duration (e.g. --durations 20,40,80)");
        }

        return result;
    }
}
