using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using Rig.Recording.Calibration;
using ScottPlot;

namespace Rig.Provisioning.Calibration;

/// <summary>A PNG of the measured points, the fitted curve over its calibrated range, and earlier curves for comparison.</summary>
public static class CalibrationPlot
{
    /// <summary>Earlier curves beyond this many would make the legend unreadable; the most recent ones are shown.</summary>
    public const int MaxHistoryCurves = 6;

    private const int Width = 900;
    private const int Height = 600;
    private const int CurveSamples = 100;

    /// <summary>
    /// Draws <paramref name="candidate"/> (or, when null, the history's current curve) with <paramref name="points"/> (or, when null and
    /// no candidate is given, the current calibration's points), plus every earlier calibration curve in a lighter colour.
    /// </summary>
    public static void SavePng(CalibrationHistory history, CalibrationFit? candidate, IReadOnlyList<CalibrationPoint>? points, string path)
    {
        ArgumentNullException.ThrowIfNull(history);
        ArgumentException.ThrowIfNullOrWhiteSpace(path);

        CalibrationRecord? current = history.Current;
        CalibrationFit? main = candidate ?? current?.Fit;
        points ??= candidate is null ? current?.Points : null;

        using var plot = new Plot();
        plot.Title(history.Path is null ? "Valve calibration" : System.IO.Path.GetFileName(history.Path));
        plot.XLabel("valve open time (ms)");
        plot.YLabel("volume per pulse (µL)");

        List<CalibrationRecord> earlier = history.Records
            .Where(r => r.Kind == CalibrationKinds.Calibration && r.Fit is not null && (candidate is not null || !ReferenceEquals(r, current)))
            .TakeLast(MaxHistoryCurves)
            .ToList();
        for (int i = 0; i < earlier.Count; i++)
        {
            // Older curves fade further, so the trend of the drift reads left to right in time.
            double fade = 0.45 + (0.45 * (earlier.Count - 1 - i) / Math.Max(1, earlier.Count));
            AddCurve(plot, earlier[i].Fit!, Colors.SteelBlue.Lighten(fade), 1.5f, string.Create(CultureInfo.InvariantCulture, $"earlier: {earlier[i].Date:yyyy-MM-dd} {earlier[i].Fit!.Model}"));
        }

        foreach (CalibrationRecord verification in history.Records.Where(r => r.Kind == CalibrationKinds.Verification && r.Points.Count > 0).TakeLast(MaxHistoryCurves))
        {
            var marks = plot.Add.ScatterPoints(
                verification.Points.Select(p => p.DurationMicros / 1000.0).ToArray(),
                verification.Points.Select(p => p.MicrolitresPerPulse).ToArray());
            marks.Color = Colors.Gray;
            marks.MarkerShape = MarkerShape.OpenDiamond;
            marks.MarkerSize = 8;
            marks.LegendText = "verification " + verification.Date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        }

        if (main is not null)
        {
            string label = string.Create(CultureInfo.InvariantCulture, $"{(candidate is null ? "current" : "new")}: {main.Model} (R² {main.RSquared:0.0000}, CV RMS {main.CrossValidatedRmsMicrolitres:0.###} µL)");
            AddCurve(plot, main, Colors.OrangeRed, 2.5f, label);
        }

        if (points is { Count: > 0 })
        {
            var measured = plot.Add.ScatterPoints(points.Select(p => p.DurationMicros / 1000.0).ToArray(), points.Select(p => p.MicrolitresPerPulse).ToArray());
            measured.Color = Colors.Black;
            measured.MarkerShape = MarkerShape.FilledCircle;
            measured.MarkerSize = 7;
            measured.LegendText = "measured";
        }

        plot.ShowLegend(ScottPlot.Alignment.UpperLeft);
        plot.SavePng(path, Width, Height);
    }

    private static void AddCurve(Plot plot, CalibrationFit fit, Color color, float width, string label)
    {
        double[] xs = new double[CurveSamples];
        double[] ys = new double[CurveSamples];
        double span = fit.MaxDurationMicros - (double)fit.MinDurationMicros;
        for (int i = 0; i < CurveSamples; i++)
        {
            double t = fit.MinDurationMicros + (span * i / (CurveSamples - 1));
            xs[i] = t / 1000.0;
            ys[i] = fit.Evaluate(t);
        }

        var line = plot.Add.ScatterLine(xs, ys);
        line.Color = color;
        line.LineWidth = width;
        line.LegendText = label;
    }
}
