using System;
using System.IO;
using Rig.Provisioning.Calibration;
using Rig.Recording.Calibration;
using Rig.TestSupport;
using Xunit;

namespace Rig.Host.Tests.Calibration;

public sealed class CalibrationPlotTests
{
    private static readonly byte[] PngSignature = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];

    [Fact]
    public void The_plot_of_points_fit_and_history_is_written_as_a_png()
    {
        using var dir = new TempDirectory();
        var store = new CalibrationStore(dir.Path);
        DateTimeOffset start = new(2026, 11, 2, 9, 30, 0, TimeSpan.Zero);
        store.Append(CalibrationStoreTests.Calibration(start, Synthetic.Linear));
        store.Append(new CalibrationRecord(start.AddDays(3), CalibrationKinds.Verification, [CalibrationPoint.Create(30_000, 200, 1.0)], null, null, null, null, 0, "rig-a"));
        CalibrationHistory history = store.Append(CalibrationStoreTests.Calibration(start.AddDays(7), Synthetic.Quadratic, seed: 2));
        var points = Synthetic.Points(ms => 0.9 * Synthetic.Quadratic(ms), relativeNoise: 0.01, seed: 3);
        string path = dir.Combine("valve0.png");

        CalibrationPlot.SavePng(history, CurveFitter.Fit(points), points, path);

        byte[] png = File.ReadAllBytes(path);
        Assert.Equal(PngSignature, png.AsSpan(0, 8).ToArray());
        Assert.True(png.Length > 10_000, $"a {png.Length}-byte PNG is too small to hold the plot");
    }

    [Fact]
    public void An_empty_history_still_plots_without_failing()
    {
        using var dir = new TempDirectory();
        string path = dir.Combine("empty.png");

        CalibrationPlot.SavePng(CalibrationHistory.Empty, null, null, path);

        Assert.Equal(PngSignature, File.ReadAllBytes(path).AsSpan(0, 8).ToArray());
    }
}
