using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text.Json;
using System.Threading.Tasks;
using Rig.TestSupport;
using Xunit;

namespace Rig.Integration.Tests;

/// <summary>The analyst's workflow with the real `rig`: sessions named as the lab names them, a cohort of several mice per
/// group, exported one file per named group and loaded by NumPy (docs/export.md, docs/task.md).</summary>
public sealed class AnalystWorkflowTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(6);

    [Fact]
    public async Task A_scripted_cohort_of_two_groups_of_three_mice_over_five_days_exports_one_file_per_group_that_numpy_loads_with_the_papers_keys()
    {
        var ct = TestContext.Current.CancellationToken;
        using var dir = new TempDirectory();
        string cohort = dir.Combine("cohort");
        // Three virtual minutes a session: at --speed 0 a cohort session gets only 4-7 clock exchanges a virtual minute, and a
        // one-minute session was seen (1 in 60) to end with none usable, which leaves it no wall-clock times to export.
        var (code, stdout, stderr) = await RigProcess.RunAsync(["cohort", "--groups", "supervised", "unsupervised", "--mice", "3", "--days", "5",
            "--minutes", "3", "--seed", "4", "--start-date", "2026-03-02", "--out", cohort], Timeout, cancellationToken: ct);
        Assert.True(code == 0, $"cohort exit {code}\n{stderr}\n{stdout}");
        Assert.Equal(30, Directory.GetDirectories(cohort).Count(d => File.Exists(Path.Combine(d, "session.json"))));
        Assert.Equal(6, Directory.GetFiles(Path.Combine(cohort, "learning"), "*.learning.json").Length);

        string[] trained = [.. Enumerable.Range(1, 3).Select(i => $"supervised-s4-m{i}")];
        string[] exposed = [.. Enumerable.Range(1, 3).Select(i => $"unsupervised-s4-m{i}")];
        string export = dir.Combine("export");
        (code, stdout, stderr) = await RigProcess.RunAsync(["export", cohort, "--format", "zhong2025", "--out", export,
            "--group", "trained=" + string.Join(',', trained), "--group", "exposed=" + string.Join(',', exposed)], Timeout, cancellationToken: ct);
        Assert.True(code == 0, $"export exit {code}\n{stderr}\n{stdout}");
        Assert.Contains("passed over", stderr, StringComparison.Ordinal);
        Assert.Contains("supervised-s4-m1.learning.json", stderr, StringComparison.Ordinal);

        // NumPy loads one file per group, each with the 15 sessions of its three mice under the paper's keys, and the
        // info file lists them by group; the checker then holds every field, dtype and unit rule.
        string script = dir.Combine("load.py");
        await File.WriteAllTextAsync(script, """
            import re, sys
            import numpy as np
            key = re.compile(r"^(.+)_(\d{4}_\d{2}_\d{2})_(\d+)$")
            info = np.load(sys.argv[1] + "/Imaging_Exp_info.npy", allow_pickle=True).item()
            for group in ("trained", "exposed"):
                beh = np.load(sys.argv[1] + "/Beh_" + group + ".npy", allow_pickle=True).item()
                mice = sorted({key.match(k).group(1) for k in beh})
                days = sorted({key.match(k).group(2) for k in beh})
                assert len(beh) == 15, (group, len(beh))
                assert [(e["mname"] + "_" + e["datexp"] + "_" + e["blk"]) for e in info[group]] == list(beh), group
                print(group, len(beh), ",".join(mice), days[0], days[-1])
            """, ct);
        var loaded = await PythonNumPy.RunAsync([script, export], Timeout);
        Assert.True(loaded.ExitCode == 0, loaded.Output);
        Assert.Contains("trained 15 supervised-s4-m1,supervised-s4-m2,supervised-s4-m3 2026_03_02 2026_03_06", loaded.Output, StringComparison.Ordinal);
        Assert.Contains("exposed 15 unsupervised-s4-m1,unsupervised-s4-m2,unsupervised-s4-m3 2026_03_02 2026_03_06", loaded.Output, StringComparison.Ordinal);
        var check = await PythonNumPy.RunAsync([RepositoryRoot.Combine("tools", "check_zhong2025.py"), export], Timeout);
        Assert.True(check.ExitCode == 0, check.Output);
        Assert.Contains("OK (30 sessions", check.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Two_demo_sessions_of_one_mouse_on_one_day_take_blocks_one_and_two_export_together_and_a_taken_block_is_refused()
    {
        var ct = TestContext.Current.CancellationToken;
        using var dir = new TempDirectory();
        string[] common = ["demo", "--protocol", "supervised-leaf1-circle1", "--minutes", "1", "--speed", "0", "--no-vr", "--mouse", "VM07", "--date", "2026-05-04"];
        foreach (string name in new[] { "morning", "afternoon" })
        {
            var (code, stdout, stderr) = await RigProcess.RunAsync([.. common, "--out", dir.Combine(name)], Timeout, cancellationToken: ct);
            Assert.True(code == 0, $"demo exit {code}\n{stderr}\n{stdout}");
        }

        Assert.Equal(1, Block(dir.Combine("morning")));
        Assert.Equal(2, Block(dir.Combine("afternoon")));

        var refused = await RigProcess.RunAsync([.. common, "--block", "1", "--out", dir.Combine("evening")], Timeout, cancellationToken: ct);
        Assert.Equal(2, refused.ExitCode);
        Assert.Contains("already has block 1 on 2026-05-04", refused.Stderr, StringComparison.Ordinal);
        Assert.False(Directory.Exists(dir.Combine("evening")));

        var export = await RigProcess.RunAsync(["export", dir.Path, "--format", "zhong2025", "--out", dir.Combine("export")], Timeout, cancellationToken: ct);
        Assert.True(export.ExitCode == 0, $"export exit {export.ExitCode}\n{export.Stderr}\n{export.Stdout}");
        Assert.Contains("VM07_2026_05_04_1 (supervised)", export.Stdout, StringComparison.Ordinal);
        Assert.Contains("VM07_2026_05_04_2 (supervised)", export.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_frame_rate_setting_drives_the_virtual_scanner_and_is_recorded_in_the_session_its_tables_and_the_export()
    {
        var ct = TestContext.Current.CancellationToken;
        using var dir = new TempDirectory();
        string session = dir.Combine("mesoscope");
        var (code, stdout, stderr) = await RigProcess.RunAsync(["demo", "--protocol", "supervised-leaf1-circle1", "--minutes", "1", "--speed", "0", "--no-vr",
            "--frame-rate-hz", "3", "--json", "--out", session], Timeout, cancellationToken: ct);
        Assert.True(code == 0, $"demo exit {code}\n{stderr}\n{stdout}");
        using (var summary = JsonDocument.Parse(stdout))
        {
            var rate = summary.RootElement.GetProperty("imaging_frame_rate");
            Assert.Equal(3, rate.GetProperty("setting_hz").GetDouble());
            Assert.Equal(3, rate.GetProperty("measured_hz").GetDouble(), 2);
            Assert.True(rate.GetProperty("agrees").GetBoolean());
        }

        using (var header = JsonDocument.Parse(File.ReadAllText(Path.Combine(session, "session.json"))))
        {
            Assert.Equal(3, header.RootElement.GetProperty("imaging_frame_rate_hz").GetDouble());
        }

        using (var task = JsonDocument.Parse(File.ReadAllText(Path.Combine(session, "derived", "task.json"))))
        {
            Assert.Equal(3, task.RootElement.GetProperty("measured_frame_rate_hz").GetDouble(), 2);
        }

        var export = await RigProcess.RunAsync(["export", session, "--format", "zhong2025", "--out", dir.Combine("export")], Timeout, cancellationToken: ct);
        Assert.True(export.ExitCode == 0, export.Stderr);
        string script = dir.Combine("rate.py");
        await File.WriteAllTextAsync(script, """
            import sys
            import numpy as np
            beh = np.load(sys.argv[1] + "/Beh_supervised.npy", allow_pickle=True).item()
            print("rates", sorted({b["Frame_Rate_Hz"] for b in beh.values()}), "frames", [len(b["ft_trInd"]) for b in beh.values()])
            """, ct);
        var loaded = await PythonNumPy.RunAsync([script, dir.Combine("export")], Timeout);
        Assert.True(loaded.ExitCode == 0, loaded.Output);
        // 3 Hz for the minute of the task (from 0.5 s after boot) is about 180 frames, not 30 Hz's 1,800.
        Assert.Contains("rates [3.0] frames [", loaded.Output, StringComparison.Ordinal);
        int frames = int.Parse(loaded.Output.Split("frames [")[1].Split(']')[0], System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(frames, 170, 200);
    }

    [Fact]
    public async Task A_mouse_in_the_subject_registry_has_its_facts_and_the_days_weight_recorded_in_its_session_and_a_day_without_a_weight_is_warned_about()
    {
        var ct = TestContext.Current.CancellationToken;
        using var dir = new TempDirectory();
        string registry = dir.Combine("subjects");
        var add = await RigProcess.RunAsync(["subject", "add", "VM07", "--sex", "F", "--date-of-birth", "2026-08-01", "--strain", "C57BL/6J", "--subjects", registry],
            Timeout, cancellationToken: ct);
        Assert.True(add.ExitCode == 0, add.Stderr);
        var weigh = await RigProcess.RunAsync(["subject", "weigh", "VM07", "--grams", "21.4", "--water-ml", "0.8", "--date", "2026-05-04", "--subjects", registry],
            Timeout, cancellationToken: ct);
        Assert.True(weigh.ExitCode == 0, weigh.Stderr);
        var refused = await RigProcess.RunAsync(["subject", "weigh", "VM07", "--grams", "214", "--subjects", registry], Timeout, cancellationToken: ct);
        Assert.Equal(28, refused.ExitCode);

        string[] demo = ["demo", "--protocol", "supervised-leaf1-circle1", "--minutes", "0.5", "--speed", "0", "--no-vr", "--mouse", "VM07", "--subjects", registry];
        var weighed = await RigProcess.RunAsync([.. demo, "--date", "2026-05-04", "--out", dir.Combine("weighed")], Timeout, cancellationToken: ct);
        Assert.True(weighed.ExitCode == 0, weighed.Stderr);
        Assert.DoesNotContain("warning", weighed.Stderr, StringComparison.Ordinal);
        using (var header = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir.Combine("weighed"), "session.json"))))
        {
            var subject = header.RootElement.GetProperty("subject");
            Assert.Equal("F", subject.GetProperty("sex").GetString());
            Assert.Equal("2026-08-01", subject.GetProperty("date_of_birth").GetString());
            Assert.Equal("C57BL/6J", subject.GetProperty("strain").GetString());
            Assert.Equal(21.4, subject.GetProperty("weight_grams").GetDouble());
            Assert.Equal(0.8, subject.GetProperty("water_outside_rig_ml").GetDouble());
        }

        var unweighed = await RigProcess.RunAsync([.. demo, "--date", "2026-05-05", "--out", dir.Combine("unweighed")], Timeout, cancellationToken: ct);
        Assert.True(unweighed.ExitCode == 0, unweighed.Stderr);
        Assert.Contains("warning: mouse 'VM07' has no weight for 2026-05-05", unweighed.Stderr, StringComparison.Ordinal);
        using var second = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir.Combine("unweighed"), "session.json")));
        Assert.False(second.RootElement.GetProperty("subject").TryGetProperty("weight_grams", out _));
    }

    [Fact]
    public async Task The_export_checker_names_what_to_install_when_its_python_has_no_numpy()
    {
        // -S leaves out site and dist-packages, where NumPy lives; RIG_CHECK_REEXEC stops the search for another python3.
        var start = new ProcessStartInfo(PythonNumPy.Find()) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string a in new[] { "-S", RepositoryRoot.Combine("tools", "check_zhong2025.py"), "." })
        {
            start.ArgumentList.Add(a);
        }

        start.Environment["RIG_CHECK_REEXEC"] = "1";
        using var process = Process.Start(start)!;
        string stderr = await process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        await process.WaitForExitAsync(TestContext.Current.CancellationToken);
        Assert.Equal(2, process.ExitCode);
        Assert.Contains("NumPy is not installed", stderr, StringComparison.Ordinal);
        Assert.Contains("apt-get install python3-numpy", stderr, StringComparison.Ordinal);
    }

    private static int Block(string session)
    {
        using var header = JsonDocument.Parse(File.ReadAllText(Path.Combine(session, "session.json")));
        return header.RootElement.GetProperty("subject").GetProperty("block").GetInt32();
    }
}
