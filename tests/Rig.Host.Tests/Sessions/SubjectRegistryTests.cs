using System;
using System.IO;
using Rig.Recording.Sessions;
using Rig.TestSupport;
using Xunit;

namespace Rig.Host.Tests.Sessions;

public sealed class SubjectRegistryTests
{
    private static readonly DateOnly Today = new(2026, 12, 7);

    [Fact]
    public void A_mouse_added_and_weighed_completes_its_sessions_subject_and_facts_given_for_the_session_win()
    {
        using var dir = new TempDirectory();
        var registry = new SubjectRegistry(dir.Path);
        registry.Add("VM07", "F", new DateOnly(2026, 8, 1), "C57BL/6J", null, Today);
        registry.Weigh("VM07", Today.AddDays(-1), 22.0, null);
        registry.Weigh("VM07", Today, 21.4, 0.8);

        var subject = registry.Complete(new SessionSubject("VM07", Today, 2, Strain: "Thy1-GCaMP6s"))!;

        Assert.Equal(("F", new DateOnly(2026, 8, 1), "Thy1-GCaMP6s", 21.4, 0.8, 2),
            (subject.Sex, subject.DateOfBirth, subject.Strain, subject.WeightGrams!.Value, subject.WaterOutsideRigMl!.Value, subject.Block));
        Assert.Null(registry.Complete(new SessionSubject("VM07", Today.AddDays(1), 1))!.WeightGrams);
        Assert.Null(registry.Complete(new SessionSubject("VM99", Today, 1)));
        Assert.Equal(2, registry.Find("VM07")!.Weighings.Count);
    }

    [Fact]
    public void An_entry_is_never_written_over_and_implausible_values_are_refused_naming_the_field()
    {
        using var dir = new TempDirectory();
        var registry = new SubjectRegistry(dir.Path);
        registry.Add("VM07", "M", null, null, null, Today);
        string before = File.ReadAllText(dir.Combine("VM07.json"));

        Assert.Contains("already in", Assert.Throws<SubjectRegistryException>(() => registry.Add("VM07", "F", null, null, null, Today)).Message, StringComparison.Ordinal);
        Assert.Contains("weight 210 g", Assert.Throws<SubjectRegistryException>(() => registry.Weigh("VM07", Today, 210, null)).Message, StringComparison.Ordinal);
        Assert.Contains("water outside the rig 25 mL", Assert.Throws<SubjectRegistryException>(() => registry.Weigh("VM07", Today, 21, 25)).Message, StringComparison.Ordinal);
        Assert.Contains("is not in", Assert.Throws<SubjectRegistryException>(() => registry.Weigh("VM08", Today, 21, null)).Message, StringComparison.Ordinal);
        Assert.Contains("sex 'X'", Assert.Throws<SubjectRegistryException>(() => registry.Add("VM09", "X", null, null, null, Today)).Message, StringComparison.Ordinal);
        Assert.Contains("after today", Assert.Throws<SubjectRegistryException>(() => registry.Add("VM10", "F", Today.AddDays(3), null, null, Today)).Message, StringComparison.Ordinal);
        Assert.Contains("must be letters", Assert.Throws<SubjectRegistryException>(() => registry.Add("../x", "F", null, null, null, Today)).Message, StringComparison.Ordinal);
        Assert.Equal(before, File.ReadAllText(dir.Combine("VM07.json")));
    }

    [Fact]
    public void A_damaged_subject_file_is_an_error_that_names_it()
    {
        using var dir = new TempDirectory();
        File.WriteAllText(dir.Combine("VM07.json"), "{ not json");
        var e = Assert.Throws<SubjectRegistryException>(() => new SubjectRegistry(dir.Path).Find("VM07"));
        Assert.Contains(dir.Combine("VM07.json"), e.Message, StringComparison.Ordinal);
    }
}
