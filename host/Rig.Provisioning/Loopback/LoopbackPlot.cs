using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using ScottPlot;

namespace Rig.Provisioning.Loopback;

/// <summary>PNG histograms of a loopback report's distributions, with the threshold drawn as a red line.</summary>
public static class LoopbackPlot
{
    private const int Width = 900;
    private const int Height = 500;
    private const int MaxBins = 60;

    /// <summary>Draws one histogram; returns false (writing nothing) when there are no values.</summary>
    public static bool SaveHistogram(IReadOnlyList<double> values, string title, string xLabel, double? limit, string path)
    {
        ArgumentNullException.ThrowIfNull(values);
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        if (values.Count == 0)
        {
            return false;
        }

        double min = values.Min();
        double max = values.Max();

        // Whole-µs data gets one bin per value where that fits, so the bars show the quantized distribution as it is.
        bool integral = values.All(v => v == Math.Floor(v));
        double span = Math.Max(max - min, 1e-9);
        double binWidth = integral && span + 1 <= MaxBins ? 1 : span / (MaxBins - 1);
        double first = integral && binWidth == 1 ? min : min - (binWidth / 2);
        int bins = (int)Math.Floor((max - first) / binWidth) + 1;
        var counts = new double[bins];
        foreach (double v in values)
        {
            counts[Math.Clamp((int)Math.Floor(((v - first) / binWidth) + (integral && binWidth == 1 ? 0.5 : 0)), 0, bins - 1)]++;
        }

        double[] centres = Enumerable.Range(0, bins).Select(i => first + (i * binWidth) + (integral && binWidth == 1 ? 0 : binWidth / 2)).ToArray();

        using var plot = new Plot();
        plot.Title(title);
        plot.XLabel(xLabel);
        plot.YLabel("count");
        var bars = plot.Add.Bars(centres, counts);
        foreach (var bar in bars.Bars)
        {
            bar.Size = binWidth * 0.9;
            bar.FillColor = Colors.SteelBlue;
        }

        bars.LegendText = string.Create(CultureInfo.InvariantCulture, $"n = {values.Count}");
        if (limit is { } l)
        {
            var line = plot.Add.VerticalLine(l);
            line.Color = Colors.Red;
            line.LineWidth = 2;
            line.LegendText = string.Create(CultureInfo.InvariantCulture, $"limit {l:0.###}");
        }

        plot.Axes.Margins(bottom: 0);
        plot.ShowLegend(ScottPlot.Alignment.UpperRight);
        plot.SavePng(path, Width, Height);
        return true;
    }
}
