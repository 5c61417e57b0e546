using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using Rig.Analysis.Export;
using Rig.Experiment.Tasks;
using ScottPlot;

namespace Rig.Analysis.Reports;

/// <summary>The lick raster of one corridor: trial rows sorted by cue position (by reward-zone start without a cue, else in trial order).</summary>
/// <param name="TrialOrder">The trial numbers, row 0 first.</param>
/// <param name="LickX">Lick positions (dm) of every lick of these trials; <paramref name="LickY"/> the row of each.</param>
public sealed record LickRaster(string Wall, bool Rewarded, IReadOnlyList<int> TrialOrder, double[] LickX, double[] LickY, double[] CueX,
    double[] CueY, double[] RewardX, double[] RewardY);

/// <summary>First-lick positions in a rewarded corridor: 40 bins of 1 dm over 0-40 dm.</summary>
/// <param name="BinEdgesDm">41 edges, 0 to 40 dm.</param>
/// <param name="TrialsWithoutLick">Completed trials with no lick at all.</param>
/// <param name="FirstLicksOutside">Trials whose first lick was in the grey space (40 dm or more): not in any bin.</param>
public sealed record FirstLickHistogram(string Wall, double[] BinEdgesDm, int[] Counts, int TrialsWithoutLick, int FirstLicksOutside);

/// <summary>One mouse's learning curves: one point per session, x in days since its first session.</summary>
/// <param name="RewardedAnticipatory">Anticipatory lick fraction over the rewarded corridors (trial-weighted; NaN without one).</param>
/// <param name="Discrimination">Reward-zone lick fraction, rewarded minus unrewarded (BehaviourMetrics.Discrimination).</param>
public sealed record LearningCurves(string Mouse, IReadOnlyList<string> SessionKeys, double[] Day, double[] RewardedAnticipatory,
    double[] UnrewardedAnticipatory, double[] Discrimination);

/// <summary>What a report wrote, and the data of every plot (so tests and analysts can check what was drawn).</summary>
public sealed record ReportResult(IReadOnlyList<string> Files, IReadOnlyList<(string Key, LickRaster Raster)> Rasters,
    IReadOnlyList<(string Key, FirstLickHistogram Histogram)> Histograms, IReadOnlyList<LearningCurves> Learning, IReadOnlyList<string> Notes);

/// <summary>
/// `rig report`: PNG plots of sessions (ScottPlot 5): per session a lick raster by position for every corridor (trials
/// sorted by cue position) and the first-lick position histogram of each rewarded corridor; per mouse the learning
/// curves across its sessions (anticipatory lick fraction and reward-zone discrimination per day, from task.json:
/// the host's one metrics definition, BehaviourMetricsCalculator).
/// </summary>
public static class BehaviourReport
{
    public const int Width = 900;
    public const int Height = 600;
    public const int HistogramBins = 40;
    public const double HistogramEndDm = 40;

    public static ReportResult Write(IEnumerable<string> sessionFolders, string outputFolder, IProgress<string>? progress = null)
    {
        var sessions = ExportSession.LoadAll(sessionFolders, "report", progress);

        var rasters = new List<(string, LickRaster)>();
        var histograms = new List<(string, FirstLickHistogram)>();
        var notes = new List<string>();
        foreach (var s in sessions)
        {
            foreach (string wall in s.Tables.Trials.Select(t => t.Wall).Distinct().Order(StringComparer.Ordinal))
            {
                var raster = Raster(s.Tables, wall);
                rasters.Add((s.Key, raster));
                if (raster.Rewarded)
                {
                    histograms.Add((s.Key, FirstLicks(s.Tables, wall)));
                }
            }

            if (!s.Tables.Trials.Any(t => t.Rewarded))
            {
                notes.Add($"{s.Key}: no rewarded corridor, so no first-lick histogram");
            }
        }

        var learning = sessions.GroupBy(s => s.Info.Mouse).OrderBy(g => g.Key, StringComparer.Ordinal).Select(Learning).ToList();
        outputFolder = Path.GetFullPath(outputFolder);
        var plan = new List<(string Path, Action<string> Draw)>();
        foreach (var (key, r) in rasters)
        {
            plan.Add((Path.Combine(outputFolder, $"{key}_lick_raster_{r.Wall}.png"), p => DrawRaster(key, r, p)));
        }

        foreach (var (key, h) in histograms)
        {
            plan.Add((Path.Combine(outputFolder, $"{key}_first_lick_{h.Wall}.png"), p => DrawHistogram(key, h, p)));
        }

        foreach (var l in learning)
        {
            plan.Add((Path.Combine(outputFolder, $"{l.Mouse}_learning_curves.png"), p => DrawLearning(l, p)));
        }

        foreach (var (path, _) in plan.Where(p => File.Exists(p.Path)))
        {
            throw new ExportOutputExistsException($"'{path}' exists already; reports never write over earlier files: choose another --out");
        }

        foreach (var dup in plan.GroupBy(p => p.Path).Where(g => g.Count() > 1))
        {
            throw new ExportInputException($"two sessions would both write '{dup.Key}': give each session its own key");
        }

        Directory.CreateDirectory(outputFolder);
        foreach (var (path, draw) in plan)
        {
            progress?.Report($"writing {path}");
            draw(path);
        }

        return new ReportResult(plan.Select(p => p.Path).ToList(), rasters, histograms, learning, notes);
    }

    /// <summary>The raster of <paramref name="wall"/>: every trial of that corridor, sorted by cue position (ties and no cue: trial order).</summary>
    public static LickRaster Raster(TaskSessionTables tables, string wall)
    {
        ArgumentNullException.ThrowIfNull(tables);
        var trials = tables.Trials.Where(t => t.Wall == wall)
            .OrderBy(t => t.CuePositionDm ?? t.RewardZoneStartDm ?? double.PositiveInfinity).ThenBy(t => t.Trial).ToList();
        var row = trials.Select((t, i) => (t.Trial, i)).ToDictionary(x => x.Trial, x => (double)x.i);
        var licks = tables.Licks.Where(l => row.ContainsKey(l.Trial) && !double.IsNaN(l.PositionDm)).ToList();
        var cued = trials.Where(t => t.CuePositionDm is not null).ToList();
        var rewarded = trials.Where(t => t.RewardPositionDm is not null).ToList();
        return new LickRaster(wall, trials.Any(t => t.Rewarded), trials.Select(t => t.Trial).ToList(),
            licks.Select(l => l.PositionDm).ToArray(), licks.Select(l => row[l.Trial]).ToArray(),
            cued.Select(t => t.CuePositionDm!.Value).ToArray(), cued.Select(t => row[t.Trial]).ToArray(),
            rewarded.Select(t => t.RewardPositionDm!.Value).ToArray(), rewarded.Select(t => row[t.Trial]).ToArray());
    }

    /// <summary>Where the first lick of each completed trial of <paramref name="wall"/> was, in 1 dm bins over 0-40 dm.</summary>
    public static FirstLickHistogram FirstLicks(TaskSessionTables tables, string wall)
    {
        ArgumentNullException.ThrowIfNull(tables);
        var counts = new int[HistogramBins];
        int none = 0, outside = 0;
        var firstByTrial = tables.Licks.Where(l => l.Trial >= 0).GroupBy(l => l.Trial).ToDictionary(g => g.Key, g => g.MinBy(l => l.DeviceMicros)!);
        foreach (var t in tables.Trials.Where(t => t.Wall == wall && t.EndDeviceMicros is not null))
        {
            if (!firstByTrial.TryGetValue(t.Trial, out var first))
            {
                none++;
                continue;
            }

            double p = first.PositionDm;
            if (p is >= 0 and < HistogramEndDm)
            {
                counts[(int)Math.Floor(p / (HistogramEndDm / HistogramBins))]++;
            }
            else
            {
                outside++;
            }
        }

        var edges = Enumerable.Range(0, HistogramBins + 1).Select(i => i * HistogramEndDm / HistogramBins).ToArray();
        return new FirstLickHistogram(wall, edges, counts, none, outside);
    }

    /// <summary>Learning curves of one mouse from its sessions' task.json metrics, in day order.</summary>
    public static LearningCurves Learning(IEnumerable<ExportSession> sessionsOfOneMouse)
    {
        var ordered = sessionsOfOneMouse.OrderBy(s => s.Info.SessionDate).ThenBy(s => s.Info.Block).ToList();
        var first = ordered[0].Info.SessionDate;
        static double Pooled(IEnumerable<CorridorMetrics> corridors)
        {
            var list = corridors.Where(c => c.CompletedTrials > 0 && !double.IsNaN(c.AnticipatoryLickFraction)).ToList();
            int trials = list.Sum(c => c.CompletedTrials);
            return trials == 0 ? double.NaN : list.Sum(c => c.AnticipatoryLickFraction * c.CompletedTrials) / trials;
        }

        return new LearningCurves(ordered[0].Info.Mouse, ordered.Select(s => s.Key).ToList(),
            ordered.Select(s => (double)(s.Info.SessionDate.DayNumber - first.DayNumber)).ToArray(),
            ordered.Select(s => Pooled(s.Info.Metrics.Corridors.Where(c => c.Rewarded))).ToArray(),
            ordered.Select(s => Pooled(s.Info.Metrics.Corridors.Where(c => !c.Rewarded))).ToArray(),
            ordered.Select(s => s.Info.Metrics.Discrimination).ToArray());
    }

    private static void DrawRaster(string key, LickRaster r, string path)
    {
        using var plot = new Plot();
        plot.Title($"{key}: licks in {r.Wall}{(r.Rewarded ? " (rewarded)" : "")}, trials sorted by cue position");
        plot.XLabel("position in the corridor (dm)");
        plot.YLabel("trial (sorted by cue position)");
        Points(plot, r.LickX, r.LickY, Colors.Black, MarkerShape.VerticalBar, 6, "lick");
        Points(plot, r.CueX, r.CueY, Colors.DodgerBlue, MarkerShape.FilledTriangleUp, 7, "cue");
        Points(plot, r.RewardX, r.RewardY, Colors.OrangeRed, MarkerShape.FilledCircle, 6, "reward");
        var gray = plot.Add.VerticalLine(ReferenceCorridor.TextureDm);
        gray.Color = Colors.Gray;
        gray.LinePattern = LinePattern.Dashed;
        plot.Axes.SetLimits(0, ReferenceCorridor.CorridorDm, -1, Math.Max(1, r.TrialOrder.Count));
        plot.ShowLegend(ScottPlot.Alignment.UpperRight);
        plot.SavePng(path, Width, Height);
    }

    private static void DrawHistogram(string key, FirstLickHistogram h, string path)
    {
        using var plot = new Plot();
        plot.Title($"{key}: first lick in {h.Wall}");
        plot.XLabel(string.Create(CultureInfo.InvariantCulture, $"first-lick position (dm); not shown: {h.TrialsWithoutLick} trial(s) without a lick, {h.FirstLicksOutside} first lick(s) in the grey space"));
        plot.YLabel("trials");
        double width = HistogramEndDm / HistogramBins;
        var bars = plot.Add.Bars(h.BinEdgesDm.Take(HistogramBins).Select(e => e + (width / 2)).ToArray(), h.Counts.Select(c => (double)c).ToArray());
        foreach (var bar in bars.Bars)
        {
            bar.Size = width;
            bar.FillColor = Colors.SteelBlue;
        }

        plot.Axes.SetLimits(0, HistogramEndDm, 0, Math.Max(1, h.Counts.DefaultIfEmpty(0).Max()) * 1.1);
        plot.SavePng(path, Width, Height);
    }

    private static void DrawLearning(LearningCurves l, string path)
    {
        using var plot = new Plot();
        plot.Title($"{l.Mouse}: learning across {l.Day.Length} session(s)");
        plot.XLabel("day since the first session");
        plot.YLabel("fraction of trials / discrimination");
        Line(plot, l.Day, l.RewardedAnticipatory, Colors.Green, "anticipatory licks, rewarded corridor");
        Line(plot, l.Day, l.UnrewardedAnticipatory, Colors.Red, "anticipatory licks, unrewarded corridor");
        Line(plot, l.Day, l.Discrimination, Colors.Black, "reward-zone discrimination (rewarded - unrewarded)");
        plot.Axes.SetLimits(-0.5, Math.Max(1, l.Day.DefaultIfEmpty(0).Max()) + 0.5, -1.05, 1.05);
        plot.ShowLegend(ScottPlot.Alignment.LowerRight);
        plot.SavePng(path, Width, Height);
    }

    private static void Points(Plot plot, double[] xs, double[] ys, Color color, MarkerShape shape, float size, string label)
    {
        if (xs.Length == 0)
        {
            return;
        }

        var marks = plot.Add.ScatterPoints(xs, ys);
        marks.Color = color;
        marks.MarkerShape = shape;
        marks.MarkerSize = size;
        marks.LegendText = label;
    }

    private static void Line(Plot plot, double[] xs, double[] ys, Color color, string label)
    {
        // NaN points (a session without that corridor) are left out of the line rather than breaking it.
        var keep = Enumerable.Range(0, xs.Length).Where(i => !double.IsNaN(ys[i])).ToArray();
        if (keep.Length == 0)
        {
            return;
        }

        var line = plot.Add.Scatter(keep.Select(i => xs[i]).ToArray(), keep.Select(i => ys[i]).ToArray());
        line.Color = color;
        line.LineWidth = 2;
        line.MarkerSize = 7;
        line.LegendText = label;
    }

    // The reference corridor (PARADIGMS.md): 40 dm of texture, then grey to 60 dm.
    private static class ReferenceCorridor
    {
        public const double TextureDm = 40;
        public const double CorridorDm = 60;
    }
}
