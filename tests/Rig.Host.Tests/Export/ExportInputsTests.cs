using System;
using System.IO;
using System.Linq;
using Rig.Analysis.Export;
using Rig.TestSupport;
using Xunit;

namespace Rig.Host.Tests.Export;

public sealed class ExportInputsTests
{
    [Fact]
    public void A_cohort_folder_yields_its_sessions_in_name_order_and_notes_every_learning_file_and_stray_folder_it_passes_over()
    {
        using var dir = new TempDirectory();
        string cohort = Directory.CreateDirectory(dir.Combine("cohort")).FullName;
        var sessions = ExportCohort.Write(cohort);
        Directory.CreateDirectory(Path.Combine(cohort, "learning"));
        File.WriteAllText(Path.Combine(cohort, "learning", "VM01.learning.json"), "{}");
        File.WriteAllText(Path.Combine(cohort, "notes.txt"), "a note");
        string nested = SyntheticTaskSession.Write(Path.Combine(cohort, "day9"), ExportCohort.ActiveDay with { Mouse = "VM09" });

        var inputs = ExportInputs.Expand([cohort]);

        Assert.Equal(sessions.Append(nested).Order(StringComparer.Ordinal), inputs.Sessions.Order(StringComparer.Ordinal));
        Assert.Contains(inputs.Skipped, s => s.Contains("VM01.learning.json", StringComparison.Ordinal));
        Assert.Contains(inputs.Skipped, s => s.Contains("notes.txt", StringComparison.Ordinal));
    }

    [Fact]
    public void A_glob_that_names_files_passes_them_over_with_a_note_and_a_missing_path_is_an_error()
    {
        using var dir = new TempDirectory();
        string session = SyntheticTaskSession.Write(dir.Path, ExportCohort.ActiveDay);
        string learning = dir.Combine("VM01.learning.json");
        File.WriteAllText(learning, "{}");

        var inputs = ExportInputs.Expand([session, learning, session]);

        Assert.Equal([session], inputs.Sessions);
        Assert.Contains(inputs.Skipped, s => s.StartsWith(learning, StringComparison.Ordinal) && s.Contains("a file", StringComparison.Ordinal));
        Assert.Contains(inputs.Skipped, s => s.Contains("given more than once", StringComparison.Ordinal));
        var e = Assert.Throws<ExportInputException>(() => ExportInputs.Expand([dir.Combine("no-such-folder")]));
        Assert.Contains("no-such-folder", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_folder_with_no_session_below_it_is_an_error_that_says_what_it_holds()
    {
        using var dir = new TempDirectory();
        File.WriteAllText(dir.Combine("m1.learning.json"), "{}");
        var e = Assert.Throws<ExportInputException>(() => ExportInputs.Expand([dir.Path]));
        Assert.Contains("holds no session folder", e.Message, StringComparison.Ordinal);
        Assert.Contains("m1.learning.json", e.Message, StringComparison.Ordinal);
    }
}
