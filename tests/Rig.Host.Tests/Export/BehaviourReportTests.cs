using System;
using System.Buffers.Binary;
using System.IO;
using System.Linq;
using Rig.Analysis.Export;
using Rig.Analysis.Reports;
using Rig.Experiment.Tasks;
using Rig.TestSupport;
using Xunit;

namespace Rig.Host.Tests.Export;

public sealed class BehaviourReportTests
{
    private static readonly byte[] PngSignature = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];

    [Fact]
    public void Every_plot_is_a_png_of_the_report_size()
    {
        using var dir = new TempDirectory();
        var folders = ExportCohort.Write(dir.Combine("s"));

        var report = BehaviourReport.Write(folders, dir.Combine("report"));

        // 6 sessions: 13 corridor rasters (one session has 3 walls), 5 sessions with a rewarded corridor, 4 mice.
        Assert.Equal(13, report.Rasters.Count);
        Assert.Equal(5, report.Histograms.Count);
        Assert.Equal(4, report.Learning.Count);
        Assert.Equal(13 + 5 + 4, report.Files.Count);
        Assert.Contains(report.Notes, n => n.StartsWith("VM03_2026_11_04_1: no rewarded corridor", StringComparison.Ordinal));
        foreach (string file in report.Files)
        {
            byte[] png = File.ReadAllBytes(file);
            Assert.Equal(PngSignature, png.AsSpan(0, 8).ToArray());
            Assert.Equal(BehaviourReport.Width, BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(16))); // IHDR width
            Assert.Equal(BehaviourReport.Height, BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(20)));
        }
    }

    [Fact]
    public void The_raster_rows_are_the_corridors_trials_sorted_by_cue_position_with_every_lick_on_its_trials_row()
    {
        using var dir = new TempDirectory();
        var tables = TaskSessionTables.Read(Path.Combine(SyntheticTaskSession.Write(dir.Path, ExportCohort.ActiveDay), "derived"));

        var raster = BehaviourReport.Raster(tables, "leaf1");

        var leaf1 = tables.Trials.Where(t => t.Wall == "leaf1").ToList();
        Assert.Equal(leaf1.Count, raster.TrialOrder.Count);
        var cues = raster.TrialOrder.Select(t => tables.Trials[t].CuePositionDm!.Value).ToArray();
        Assert.Equal(cues.Order().ToArray(), cues);
        Assert.Equal(cues, raster.CueX);
        var licks = tables.Licks.Where(l => leaf1.Any(t => t.Trial == l.Trial)).ToList();
        Assert.Equal(licks.Count, raster.LickX.Length);
        for (int i = 0; i < licks.Count; i++)
        {
            Assert.Equal(licks[i].PositionDm, raster.LickX[i]);
            Assert.Equal(licks[i].Trial, raster.TrialOrder[(int)raster.LickY[i]]);
        }

        Assert.True(raster.Rewarded);
        Assert.Equal(leaf1.Count(t => t.RewardDeviceMicros is not null), raster.RewardX.Length);
    }

    [Fact]
    public void The_first_lick_histogram_has_40_one_dm_bins_and_accounts_for_every_completed_trial()
    {
        using var dir = new TempDirectory();
        var tables = TaskSessionTables.Read(Path.Combine(SyntheticTaskSession.Write(dir.Path, ExportCohort.LateDay), "derived"));

        var h = BehaviourReport.FirstLicks(tables, "leaf1");

        Assert.Equal(41, h.BinEdgesDm.Length);
        Assert.Equal(0, h.BinEdgesDm[0]);
        Assert.Equal(40, h.BinEdgesDm[^1]);
        int completed = tables.Trials.Count(t => t.Wall == "leaf1" && t.EndDeviceMicros is not null);
        Assert.Equal(completed, h.Counts.Sum() + h.TrialsWithoutLick + h.FirstLicksOutside);
        // Recount one bin independently: first licks in [12, 13) dm.
        int expected = tables.Trials.Where(t => t.Wall == "leaf1" && t.EndDeviceMicros is not null)
            .Select(t => tables.Licks.Where(l => l.Trial == t.Trial).OrderBy(l => l.DeviceMicros).FirstOrDefault())
            .Count(l => l is not null && l.PositionDm >= 12 && l.PositionDm < 13);
        Assert.Equal(expected, h.Counts[12]);
        Assert.True(h.Counts.Sum() > 0, "the late-day mouse licks in the corridor");
    }

    [Fact]
    public void The_learning_curve_follows_the_host_metrics_of_each_day_in_day_order()
    {
        using var dir = new TempDirectory();
        var folders = ExportCohort.Write(dir.Combine("s"));

        var report = BehaviourReport.Write(folders, dir.Combine("report"));

        var vm01 = report.Learning.Single(l => l.Mouse == "VM01");
        Assert.Equal(["VM01_2026_11_02_1", "VM01_2026_11_03_1", "VM01_2026_11_10_1"], vm01.SessionKeys.ToArray());
        Assert.Equal([0.0, 1.0, 8.0], vm01.Day);
        for (int i = 0; i < vm01.SessionKeys.Count; i++)
        {
            var metrics = ExportSession.Load(folders.Single(f => ExportSession.Load(f).Key == vm01.SessionKeys[i])).Info.Metrics;
            var leaf1 = metrics.Corridors.Single(c => c.Wall == "leaf1");
            Assert.Equal(leaf1.AnticipatoryLickFraction, vm01.RewardedAnticipatory[i], 12);
            Assert.Equal(metrics.Discrimination, vm01.Discrimination[i], 12);
        }

        // The synthetic mouse was given more anticipatory licking each day; the curve shows it.
        Assert.True(vm01.RewardedAnticipatory[2] > vm01.RewardedAnticipatory[0], string.Join(", ", vm01.RewardedAnticipatory));
    }

    [Fact]
    public void A_report_never_writes_over_an_earlier_plot()
    {
        using var dir = new TempDirectory();
        string folder = SyntheticTaskSession.Write(dir.Path, ExportCohort.ActiveDay);
        BehaviourReport.Write([folder], dir.Combine("report"));

        var e = Assert.Throws<ExportOutputExistsException>(() => BehaviourReport.Write([folder], dir.Combine("report")));

        Assert.Contains("never write over", e.Message, StringComparison.Ordinal);
    }
}
