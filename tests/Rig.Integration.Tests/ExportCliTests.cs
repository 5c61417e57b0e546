using System;
using System.IO;
using System.Threading.Tasks;
using Rig.TestSupport;
using Xunit;

namespace Rig.Integration.Tests;

/// <summary>`rig export` and `rig report` as users run them, on synthetic task sessions (tests/Rig.TestSupport/SyntheticTaskSession).</summary>
public sealed class ExportCliTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(2);

    [Fact]
    public async Task Export_in_both_formats_and_report_write_their_files_and_exit_0()
    {
        using var dir = new TempDirectory();
        string a = SyntheticTaskSession.Write(dir.Combine("s"), new SyntheticSessionOptions { Date = new(2026, 11, 2), Seed = 3 });
        string b = SyntheticTaskSession.Write(dir.Combine("s"), new SyntheticSessionOptions { Date = new(2026, 11, 3), Seed = 4, AnticipatoryProbability = 0.8 });
        var ct = TestContext.Current.CancellationToken;

        var (code, stdout, stderr) = await RigProcess.RunAsync(["export", b, a, "--format", "zhong2025", "--out", dir.Combine("npy")], Timeout, cancellationToken: ct);
        Assert.True(code == 0, $"exit {code}\n{stderr}\n{stdout}");
        Assert.Contains("VM01_2026_11_02_1 (supervised): 30 trials", stdout, StringComparison.Ordinal);
        Assert.Contains("reading " + a, stderr, StringComparison.Ordinal);
        Assert.True(File.Exists(dir.Combine("npy", "Beh_supervised.npy")));
        Assert.True(File.Exists(dir.Combine("npy", "Imaging_Exp_info.npy")));

        (code, stdout, stderr) = await RigProcess.RunAsync(["export", a, b, "--format", "tables", "--out", dir.Combine("csv")], Timeout, cancellationToken: ct);
        Assert.True(code == 0, $"exit {code}\n{stderr}\n{stdout}");
        Assert.True(File.Exists(dir.Combine("csv", "VM01_2026_11_03_1", "trials.csv")));

        (code, stdout, stderr) = await RigProcess.RunAsync(["report", a, b, "--out", dir.Combine("png")], Timeout, cancellationToken: ct);
        Assert.True(code == 0, $"exit {code}\n{stderr}\n{stdout}");
        Assert.True(File.Exists(dir.Combine("png", "VM01_learning_curves.png")));
        Assert.Equal(7, Directory.GetFiles(dir.Combine("png"), "*.png").Length); // 2 sessions x (2 rasters + 1 histogram) + 1 learning curve
    }

    [Fact]
    public async Task A_recorded_demo_session_exports_to_a_file_numpy_loads_and_its_lick_fractions_match_the_live_ones()
    {
        using var dir = new TempDirectory();
        string session = dir.Combine("session");
        var ct = TestContext.Current.CancellationToken;

        // A real session: the task engine, the learning mouse, the bridge and the journal, faster than real time.
        var (code, stdout, stderr) = await RigProcess.RunAsync(
            ["demo", "--protocol", "supervised-leaf1-circle1", "--minutes", "3", "--speed", "0", "--out", session], Timeout, cancellationToken: ct);
        Assert.True(code == 0, $"demo exit {code}\n{stderr}\n{stdout}");

        (code, stdout, stderr) = await RigProcess.RunAsync(["export", session, "--format", "zhong2025", "--out", dir.Combine("npy")], Timeout, cancellationToken: ct);
        Assert.True(code == 0, $"export exit {code}\n{stderr}\n{stdout}");

        // The checker recomputes each corridor's anticipatory and reward-zone lick fractions from the file alone and
        // compares them with the live numbers in the session's task.json.
        var check = await PythonNumPy.RunAsync([RepositoryRoot.Combine("tools", "check_zhong2025.py"), dir.Combine("npy"), session], Timeout);
        Assert.True(check.ExitCode == 0, $"checker exit {check.ExitCode}\n{check.Output}");
        Assert.Contains("1 recomputed", check.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_session_without_task_tables_exits_18_saying_so_and_an_existing_output_exits_19()
    {
        using var dir = new TempDirectory();
        string a = SyntheticTaskSession.Write(dir.Combine("s"), new SyntheticSessionOptions());
        string bare = dir.Combine("bare");
        Directory.CreateDirectory(bare);
        File.Copy(Path.Combine(a, "session.json"), Path.Combine(bare, "session.json"));
        var ct = TestContext.Current.CancellationToken;

        var (code, _, stderr) = await RigProcess.RunAsync(["export", bare, "--format", "zhong2025", "--out", dir.Combine("npy")], Timeout, cancellationToken: ct);
        Assert.Equal(18, code);
        Assert.Contains("has no task tables", stderr, StringComparison.Ordinal);
        Assert.False(Directory.Exists(dir.Combine("npy")));

        Directory.CreateDirectory(dir.Combine("png"));
        string earlier = dir.Combine("png", "VM01_learning_curves.png");
        File.WriteAllText(earlier, "earlier");
        (code, _, stderr) = await RigProcess.RunAsync(["report", a, "--out", dir.Combine("png")], Timeout, cancellationToken: ct);
        Assert.Equal(19, code);
        Assert.Contains("never write over", stderr, StringComparison.Ordinal);
        Assert.Equal("earlier", File.ReadAllText(earlier));
        Assert.Single(Directory.GetFiles(dir.Combine("png")));

        (code, _, stderr) = await RigProcess.RunAsync(["export", a, "--format", "matlab", "--out", dir.Combine("x")], Timeout, cancellationToken: ct);
        Assert.Equal(2, code);
        Assert.Contains("matlab", stderr, StringComparison.Ordinal);
        Assert.False(Directory.Exists(dir.Combine("x")));
    }
}
