using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;

namespace Rig.Recording.Calibration;

/// <summary>
/// Fits volume-per-pulse curves to calibration points and picks the model that predicts left-out points best
/// (leave-one-out cross-validation), preferring fewer parameters when the difference is within <see cref="ParsimonyTolerance"/>.
/// Fits are weighted least squares on relative error (weight 1/V²): valve and weighing scatter grow with the volume, and what
/// matters for a reward is the error in percent, so a 10 µL point must not drown out a 1 µL one.
/// </summary>
public static class CurveFitter
{
    /// <summary>Fewest distinct durations that pin down a curve and still leave something to cross-validate with.</summary>
    public const int MinimumDistinctDurations = 3;

    /// <summary>
    /// A model with more parameters must beat a simpler one's cross-validated error by more than this fraction to be chosen:
    /// with noisy weighings an extra parameter otherwise wins by chance and extrapolates worse.
    /// </summary>
    public const double ParsimonyTolerance = 0.02;

    // Fitting in ms keeps t² near 1e2..1e4 instead of 1e8..1e10, which keeps the normal equations well conditioned.
    private const double MicrosPerMilli = 1000.0;

    /// <summary>The best model for <paramref name="points"/> by cross-validated RMS error.</summary>
    /// <exception cref="CalibrationInputException">Fewer than three distinct durations, or an invalid point.</exception>
    public static CalibrationFit Fit(IReadOnlyList<CalibrationPoint> points) => Choose(FitAll(points));

    /// <summary>Every model fitted to <paramref name="points"/>, in <see cref="CurveModel"/> order.</summary>
    /// <exception cref="CalibrationInputException">Fewer than three distinct durations, or an invalid point.</exception>
    public static IReadOnlyList<CalibrationFit> FitAll(IReadOnlyList<CalibrationPoint> points)
    {
        ArgumentNullException.ThrowIfNull(points);
        foreach (CalibrationPoint point in points)
        {
            if (point is null)
            {
                throw new CalibrationInputException("A calibration point is missing (null).");
            }

            CalibrationPoint.Validate(point);
        }

        int distinct = points.Select(p => p.DurationMicros).Distinct().Count();
        if (distinct < MinimumDistinctDurations)
        {
            throw new CalibrationInputException(
                string.Create(
                    CultureInfo.InvariantCulture,
                    $"A calibration needs at least {MinimumDistinctDurations} different open times to fit and check a curve; got {distinct} ({points.Count} points). Add durations."));
        }

        double[] x = points.Select(p => p.DurationMicros / MicrosPerMilli).ToArray();
        double[] y = points.Select(p => p.MicrolitresPerPulse).ToArray();
        uint min = points.Min(p => p.DurationMicros);
        uint max = points.Max(p => p.DurationMicros);

        return [Build(CurveModel.Linear, x, y, min, max), Build(CurveModel.MonotoneQuadratic, x, y, min, max), Build(CurveModel.PowerLaw, x, y, min, max)];
    }

    /// <summary>The fit <see cref="Fit"/> would pick from <paramref name="fits"/>.</summary>
    public static CalibrationFit Choose(IReadOnlyList<CalibrationFit> fits)
    {
        ArgumentNullException.ThrowIfNull(fits);
        if (fits.Count == 0)
        {
            throw new CalibrationInputException("There are no fitted curves to choose from.");
        }

        // Fits read back from an old file may lack the relative score; then the score in µL is all there is.
        Func<CalibrationFit, double> score = fits.All(f => !double.IsNaN(f.CrossValidatedRmsFraction))
            ? f => f.CrossValidatedRmsFraction
            : f => f.CrossValidatedRmsMicrolitres;
        double best = fits.Min(score);
        return fits
            .OrderBy(f => CalibrationFit.ParameterCount(f.Model))
            .ThenBy(score)
            .First(f => score(f) <= best * (1 + ParsimonyTolerance));
    }

    private static CalibrationFit Build(CurveModel model, double[] x, double[] y, uint min, uint max)
    {
        double[] p = FitModel(model, x, y) ?? throw new CalibrationInputException($"The {model} curve could not be fitted to these points.");
        double[] residuals = new double[x.Length];
        double sse = 0;
        double mean = y.Average();
        double sst = 0;
        for (int i = 0; i < x.Length; i++)
        {
            residuals[i] = y[i] - Evaluate(model, p, x[i]);
            sse += residuals[i] * residuals[i];
            sst += (y[i] - mean) * (y[i] - mean);
        }

        double rSquared = sst > 0 ? 1 - (sse / sst) : (sse == 0 ? 1 : 0);
        (double rms, double relative) = LeaveOneOutRms(model, x, y);
        return new CalibrationFit(model, ToMicros(model, p), rSquared, rms, residuals, min, max) { CrossValidatedRmsFraction = relative };
    }

    private static (double Microlitres, double Fraction) LeaveOneOutRms(CurveModel model, double[] x, double[] y)
    {
        double sum = 0;
        double sumRelative = 0;
        double[] foldX = new double[x.Length - 1];
        double[] foldY = new double[x.Length - 1];
        for (int i = 0; i < x.Length; i++)
        {
            for (int j = 0, k = 0; j < x.Length; j++)
            {
                if (j != i)
                {
                    foldX[k] = x[j];
                    foldY[k] = y[j];
                    k++;
                }
            }

            // A fold with too few distinct durations cannot fit this model at all: it cannot be validated, so it never wins.
            double[]? p = FitModel(model, foldX, foldY);
            if (p is null)
            {
                return (double.PositiveInfinity, double.PositiveInfinity);
            }

            double error = y[i] - Evaluate(model, p, x[i]);
            sum += error * error;
            sumRelative += error * error / (y[i] * y[i]);
        }

        return (Math.Sqrt(sum / x.Length), Math.Sqrt(sumRelative / x.Length));
    }

    private static double[]? FitModel(CurveModel model, double[] x, double[] y)
    {
        int distinct = x.Distinct().Count();
        return model switch
        {
            CurveModel.Linear => distinct < 2 ? null : FitLine(x, y, RelativeWeights(y)),
            CurveModel.MonotoneQuadratic => distinct < 3 ? null : FitMonotoneQuadratic(x, y),
            CurveModel.PowerLaw => distinct < 2 ? null : FitPowerLaw(x, y),
            _ => null,
        };
    }

    private static double Evaluate(CurveModel model, double[] p, double x) => model switch
    {
        CurveModel.Linear => p[0] + (p[1] * x),
        CurveModel.MonotoneQuadratic => p[0] + (p[1] * x) + (p[2] * x * x),
        CurveModel.PowerLaw => p[0] * Math.Pow(x, p[1]),
        _ => double.NaN,
    };

    private static double[] ToMicros(CurveModel model, double[] p) => model switch
    {
        CurveModel.Linear => [p[0], p[1] / MicrosPerMilli],
        CurveModel.MonotoneQuadratic => [p[0], p[1] / MicrosPerMilli, p[2] / (MicrosPerMilli * MicrosPerMilli)],
        CurveModel.PowerLaw => [p[0] / Math.Pow(MicrosPerMilli, p[1]), p[1]],
        _ => p,
    };

    /// <summary>Weights for least squares on relative error. Volumes are positive: <see cref="CalibrationPoint.Create"/> refuses a mass ≤ 0.</summary>
    private static double[] RelativeWeights(double[] y) => y.Select(v => 1 / (v * v)).ToArray();

    /// <summary>Weighted least squares y = a + b·u.</summary>
    private static double[] FitLine(double[] u, double[] y, double[] w)
    {
        double sw = w.Sum();
        double mu = u.Zip(w, (a, b) => a * b).Sum() / sw;
        double my = y.Zip(w, (a, b) => a * b).Sum() / sw;
        double suu = 0;
        double suy = 0;
        for (int i = 0; i < u.Length; i++)
        {
            suu += w[i] * (u[i] - mu) * (u[i] - mu);
            suy += w[i] * (u[i] - mu) * (y[i] - my);
        }

        double b = suu > 0 ? suy / suu : 0;
        return [my - (b * mu), b];
    }

    /// <summary>
    /// Least squares V = a + b·x + c·x² subject to V' ≥ 0 on [min x, max x]. V' is linear in x, so the constraint is V' ≥ 0 at both ends;
    /// the problem is a convex quadratic programme, and its optimum is the unconstrained fit if that is feasible, else the best of the
    /// fits with one end's slope held at zero, else a constant.
    /// </summary>
    private static double[] FitMonotoneQuadratic(double[] x, double[] y)
    {
        double lo = x.Min();
        double hi = x.Max();
        double[] w = RelativeWeights(y);
        double[] unconstrained = FitQuadratic(x, y, w);
        if (IsNonDecreasing(unconstrained, lo, hi))
        {
            return unconstrained;
        }

        List<double[]> candidates = [[y.Zip(w, (a, b) => a * b).Sum() / w.Sum(), 0, 0]];
        foreach (double end in new[] { lo, hi })
        {
            // V = a' + c·(x − end)² has zero slope at `end`; it rises over the range when c ≥ 0 at the low end or c ≤ 0 at the high end.
            double[] u = x.Select(v => (v - end) * (v - end)).ToArray();
            double[] line = FitLine(u, y, w);
            double c = line[1];
            if ((end == lo && c >= 0) || (end == hi && c <= 0))
            {
                candidates.Add([line[0] + (c * end * end), -2 * c * end, c]);
            }
        }

        return candidates.MinBy(p => SumOfSquares(CurveModel.MonotoneQuadratic, p, x, y, w))!;
    }

    private static bool IsNonDecreasing(double[] p, double lo, double hi)
    {
        // Round-off from the conversion back from centred coordinates must not turn a flat end into a "decreasing" one.
        double tolerance = 1e-12 * (Math.Abs(p[1]) + Math.Abs(2 * p[2] * hi));
        return p[1] + (2 * p[2] * lo) >= -tolerance && p[1] + (2 * p[2] * hi) >= -tolerance;
    }

    /// <summary>Unconstrained weighted quadratic least squares, solved in centred and scaled coordinates z = (x − m)/h.</summary>
    private static double[] FitQuadratic(double[] x, double[] y, double[] w)
    {
        double m = (x.Min() + x.Max()) / 2;
        double h = Math.Max((x.Max() - x.Min()) / 2, 1e-12);
        double[,] ata = new double[3, 3];
        double[] aty = new double[3];
        for (int i = 0; i < x.Length; i++)
        {
            double z = (x[i] - m) / h;
            double[] row = [1, z, z * z];
            for (int r = 0; r < 3; r++)
            {
                aty[r] += w[i] * row[r] * y[i];
                for (int c = 0; c < 3; c++)
                {
                    ata[r, c] += w[i] * row[r] * row[c];
                }
            }
        }

        double[] q = Solve(ata, aty);
        double cc = q[2] / (h * h);
        double bb = (q[1] / h) - (2 * q[2] * m / (h * h));
        double aa = q[0] - (q[1] * m / h) + (q[2] * m * m / (h * h));
        return [aa, bb, cc];
    }

    /// <summary>V = a·xᵇ: a straight line in log–log space as the start, then weighted Levenberg–Marquardt on the volumes themselves.</summary>
    private static double[] FitPowerLaw(double[] x, double[] y)
    {
        double[] lx = x.Select(v => Math.Log(v)).ToArray();
        double[] w = RelativeWeights(y);

        // Log space already measures relative error, so the starting line needs no weights.
        double[] line = FitLine(lx, y.Select(v => Math.Log(v)).ToArray(), Enumerable.Repeat(1.0, x.Length).ToArray());

        // Parameterised as (ln a, b) so that a stays positive and both parameters have similar scales.
        double p0 = line[0];
        double p1 = line[1];
        double lambda = 1e-3;
        double sse = PowerSse(p0, p1, x, y, w);
        for (int iteration = 0; iteration < 200; iteration++)
        {
            double j00 = 0, j01 = 0, j11 = 0, g0 = 0, g1 = 0;
            for (int i = 0; i < x.Length; i++)
            {
                double f = Math.Exp(p0 + (p1 * lx[i]));
                double r = y[i] - f;
                double d0 = f;
                double d1 = f * lx[i];
                j00 += w[i] * d0 * d0;
                j01 += w[i] * d0 * d1;
                j11 += w[i] * d1 * d1;
                g0 += w[i] * d0 * r;
                g1 += w[i] * d1 * r;
            }

            bool improved = false;
            while (lambda < 1e12)
            {
                double a00 = j00 * (1 + lambda);
                double a11 = j11 * (1 + lambda);
                double det = (a00 * a11) - (j01 * j01);
                if (det == 0)
                {
                    lambda *= 10;
                    continue;
                }

                double s0 = ((a11 * g0) - (j01 * g1)) / det;
                double s1 = ((a00 * g1) - (j01 * g0)) / det;
                double next = PowerSse(p0 + s0, p1 + s1, x, y, w);
                if (next < sse)
                {
                    bool converged = Math.Abs(sse - next) <= 1e-15 * Math.Max(sse, 1e-300);
                    p0 += s0;
                    p1 += s1;
                    sse = next;
                    lambda = Math.Max(lambda / 10, 1e-12);
                    improved = !converged;
                    break;
                }

                lambda *= 10;
            }

            if (!improved)
            {
                break;
            }
        }

        return [Math.Exp(p0), p1];
    }

    private static double PowerSse(double lnA, double b, double[] x, double[] y, double[] w)
    {
        double sum = 0;
        for (int i = 0; i < x.Length; i++)
        {
            double r = y[i] - Math.Exp(lnA + (b * Math.Log(x[i])));
            sum += w[i] * r * r;
        }

        return sum;
    }

    private static double SumOfSquares(CurveModel model, double[] p, double[] x, double[] y, double[] w)
    {
        double sum = 0;
        for (int i = 0; i < x.Length; i++)
        {
            double r = y[i] - Evaluate(model, p, x[i]);
            sum += w[i] * r * r;
        }

        return sum;
    }

    /// <summary>Gaussian elimination with partial pivoting for the small normal-equation systems above.</summary>
    private static double[] Solve(double[,] a, double[] b)
    {
        int n = b.Length;
        double[,] m = (double[,])a.Clone();
        double[] v = (double[])b.Clone();
        for (int col = 0; col < n; col++)
        {
            int pivot = col;
            for (int r = col + 1; r < n; r++)
            {
                if (Math.Abs(m[r, col]) > Math.Abs(m[pivot, col]))
                {
                    pivot = r;
                }
            }

            if (Math.Abs(m[pivot, col]) < 1e-300)
            {
                throw new CalibrationInputException("The calibration points do not determine a quadratic curve (too few distinct open times).");
            }

            if (pivot != col)
            {
                for (int c = 0; c < n; c++)
                {
                    (m[col, c], m[pivot, c]) = (m[pivot, c], m[col, c]);
                }

                (v[col], v[pivot]) = (v[pivot], v[col]);
            }

            for (int r = col + 1; r < n; r++)
            {
                double factor = m[r, col] / m[col, col];
                for (int c = col; c < n; c++)
                {
                    m[r, c] -= factor * m[col, c];
                }

                v[r] -= factor * v[col];
            }
        }

        double[] result = new double[n];
        for (int r = n - 1; r >= 0; r--)
        {
            double sum = v[r];
            for (int c = r + 1; c < n; c++)
            {
                sum -= m[r, c] * result[c];
            }

            result[r] = sum / m[r, r];
        }

        return result;
    }
}
