using System;
using System.Collections.Generic;
using Rig.Recording.Calibration;

namespace Rig.Host.Tests.Calibration;

/// <summary>Calibration points weighed from a known volume-per-pulse curve, optionally with multiplicative Gaussian weighing noise.</summary>
internal static class Synthetic
{
    public static readonly uint[] Durations = [10_000, 15_000, 20_000, 27_000, 35_000, 42_000, 50_000, 60_000];

    public static List<CalibrationPoint> Points(Func<double, double> microlitresAtMillis, double relativeNoise = 0, int seed = 1, int repeats = 2, int pulses = 100)
    {
        var random = new Random(seed);
        var points = new List<CalibrationPoint>();
        for (int r = 0; r < repeats; r++)
        {
            foreach (uint us in Durations)
            {
                double ul = microlitresAtMillis(us / 1000.0) * (1 + (relativeNoise * Gaussian(random)));
                points.Add(CalibrationPoint.Create(us, pulses, ul * pulses * CalibrationPoint.WaterDensityGramsPerMl / 1000));
            }
        }

        return points;
    }

    public static double Linear(double ms) => -1.0 + (0.2 * ms);

    public static double Quadratic(double ms) => 0.5 + (0.05 * ms) + (0.003 * ms * ms);

    public static double Power(double ms) => 0.05 * Math.Pow(ms, 1.5);

    private static double Gaussian(Random random)
    {
        double u1 = 1.0 - random.NextDouble();
        double u2 = random.NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
    }
}
