using System;
using System.Globalization;
using System.IO;
using System.Linq;
using Rig.Analysis.Export;
using Rig.Experiment.Tasks;
using Rig.TestSupport;
using Xunit;

namespace Rig.Host.Tests.Export;

public sealed class TablesExportTests
{
    [Fact]
    public void Each_session_gets_trials_licks_frames_and_events_tables_with_a_header_and_every_row()
    {
        using var dir = new TempDirectory();
        string a = SyntheticTaskSession.Write(dir.Combine("s"), ExportCohort.ActiveDay);
        string b = SyntheticTaskSession.Write(dir.Combine("s"), ExportCohort.PassiveDay);
        var tables = TaskSessionTables.Read(Path.Combine(a, "derived"));

        var written = TablesExport.Write([a, b], dir.Combine("tables"));

        Assert.Equal(["VM01_2026_11_03_1", "VM01_2026_11_02_1"], written.Select(w => w.Key).ToArray());
        var first = written[0];
        Assert.Empty(first.Notes);
        string[] trials = File.ReadAllLines(Path.Combine(first.Folder, TablesExport.TrialsFile));
        string[] licks = File.ReadAllLines(Path.Combine(first.Folder, TablesExport.LicksFile));
        string[] frames = File.ReadAllLines(Path.Combine(first.Folder, TablesExport.FramesFile));
        string[] events = File.ReadAllLines(Path.Combine(first.Folder, TablesExport.EventsFile));
        Assert.Equal(tables.Trials.Count + 1, trials.Length);
        Assert.Equal(tables.Licks.Count + 1, licks.Length);
        Assert.Equal(tables.Frames.Count + 1, frames.Length);
        Assert.Equal(File.ReadAllLines(Path.Combine(a, "derived", "aligned_events.csv")).Length, events.Length);
        Assert.True(File.Exists(Path.Combine(first.Folder, TaskSessionTables.InfoFile)));

        // Every row has as many cells as the header, and the per-frame behaviour of frames.csv is joined in.
        foreach (var file in new[] { trials, licks, frames, events })
        {
            int columns = file[0].Split(',').Length;
            Assert.All(file, line => Assert.Equal(columns, line.Split(',').Length));
        }

        var header = frames[0].Split(',');
        int licksColumn = Array.IndexOf(header, "licks");
        Assert.Equal(tables.Licks.Count(l => l.Frame is not null), frames.Skip(1).Sum(l => int.Parse(l.Split(',')[licksColumn], CultureInfo.InvariantCulture)));

        // time_s is the host time since the session started.
        var trialHeader = trials[0].Split(',');
        var row = trials[1].Split(',');
        var session = ExportSession.Load(a);
        double expected = (tables.Trials[0].StartHostNanos!.Value - session.Header.HostMonotonicStartNanos) / 1e9;
        Assert.Equal(expected, double.Parse(row[Array.IndexOf(trialHeader, "start_s")], CultureInfo.InvariantCulture), 6);
        Assert.Equal("False", trials[^1].Split(',')[Array.IndexOf(trialHeader, "complete")]);
    }

    [Fact]
    public void A_session_folder_exported_before_is_never_written_over()
    {
        using var dir = new TempDirectory();
        string a = SyntheticTaskSession.Write(dir.Combine("s"), ExportCohort.ActiveDay);
        TablesExport.Write([a], dir.Combine("tables"));
        string trials = dir.Combine("tables", "VM01_2026_11_03_1", TablesExport.TrialsFile);
        File.AppendAllText(trials, "a note an analyst added\n");

        Assert.Throws<ExportOutputExistsException>(() => TablesExport.Write([a], dir.Combine("tables")));

        Assert.EndsWith("a note an analyst added\n", File.ReadAllText(trials), StringComparison.Ordinal);
    }

    [Fact]
    public void A_session_without_derived_alignment_tables_is_exported_with_a_note_saying_what_is_missing()
    {
        using var dir = new TempDirectory();
        string a = SyntheticTaskSession.Write(dir.Combine("s"), ExportCohort.ActiveDay);
        File.Delete(Path.Combine(a, "derived", "aligned_events.csv"));

        var written = TablesExport.Write([a], dir.Combine("tables"));

        Assert.Contains(written[0].Notes, n => n.Contains("aligned_events.csv", StringComparison.Ordinal));
        Assert.False(File.Exists(Path.Combine(written[0].Folder, TablesExport.EventsFile)));
    }
}
