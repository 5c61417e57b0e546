using System;
using System.IO;
using System.Linq;
using Rig.Analysis.Export;
using Rig.TestSupport;
using Xunit;

namespace Rig.Host.Tests.Export;

public sealed class ExportGroupingTests
{
    [Fact]
    public void Mouse_lists_put_each_group_into_its_own_file_whatever_the_experiment_types()
    {
        using var dir = new TempDirectory();
        var sessions = ExportCohort.Write(dir.Combine("sessions"));
        var grouping = ExportGrouping.ByMice([ExportGrouping.ParseMouseList("early=VM00,VM01"), ExportGrouping.ParseMouseList("late=VM02, VM03")]);

        var result = Zhong2025Export.Write(sessions, dir.Combine("export"), grouping: grouping);

        Assert.Equal(["Beh_early.npy", "Beh_late.npy", Zhong2025Export.InfoFileName], result.Files.Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.All(result.Sessions, s => Assert.Equal(s.Mouse is "VM00" or "VM01" ? "early" : "late", s.Group));
        // VM02's reward-zone and VM03's exposure sessions share one file although their experiment types differ.
        Assert.Equal(["behaviour_only", "unsupervised"], result.Sessions.Where(s => s.Group == "late").Select(s => s.ExperimentType).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void One_name_puts_every_session_into_one_file()
    {
        using var dir = new TempDirectory();
        var sessions = ExportCohort.Write(dir.Combine("sessions"));
        var result = Zhong2025Export.Write(sessions, dir.Combine("export"), grouping: ExportGrouping.Named("cohortA"));
        Assert.Equal(["Beh_cohortA.npy", Zhong2025Export.InfoFileName], result.Files.Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.Equal(sessions.Count, result.Sessions.Count);
    }

    [Fact]
    public void A_mouse_in_no_list_is_refused_before_anything_is_written_and_a_mouse_in_two_lists_at_once()
    {
        using var dir = new TempDirectory();
        var sessions = ExportCohort.Write(dir.Combine("sessions"));
        var e = Assert.Throws<ExportInputException>(() =>
            Zhong2025Export.Write(sessions, dir.Combine("export"), grouping: ExportGrouping.ByMice([ExportGrouping.ParseMouseList("a=VM01")])));
        Assert.Contains("is in no --group", e.Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(dir.Combine("export")));

        var twice = Assert.Throws<ExportInputException>(() =>
            ExportGrouping.ByMice([ExportGrouping.ParseMouseList("a=VM01"), ExportGrouping.ParseMouseList("b=VM01")]));
        Assert.Contains("'VM01' is listed in groups 'a' and 'b'", twice.Message, StringComparison.Ordinal);
        Assert.Throws<ExportInputException>(() => ExportGrouping.Named("bad/name"));
        Assert.Throws<ExportInputException>(() => ExportGrouping.ParseMouseList("no-equals-sign"));
    }

    [Fact]
    public void Two_sessions_of_one_mouse_on_one_day_with_their_own_blocks_export_together()
    {
        using var dir = new TempDirectory();
        string first = SyntheticTaskSession.Write(dir.Path, ExportCohort.ActiveDay);
        string second = SyntheticTaskSession.Write(dir.Path, ExportCohort.ActiveDay with { Block = 2, Seed = 77 });

        var result = Zhong2025Export.Write([first, second], dir.Combine("export"));

        Assert.Equal(["VM01_2026_11_03_1", "VM01_2026_11_03_2"], result.Sessions.Select(s => s.Key));
    }
}
