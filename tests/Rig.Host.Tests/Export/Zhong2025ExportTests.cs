using System;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading.Tasks;
using Rig.Analysis.Export;
using Rig.Experiment.Tasks;
using Rig.TestSupport;
using Xunit;

namespace Rig.Host.Tests.Export;

public sealed class Zhong2025ExportTests
{
    private static readonly TimeSpan PythonTimeout = TimeSpan.FromMinutes(2);

    [Fact]
    public async Task NumPy_loads_the_export_with_every_field_dtype_and_unit_right_and_recomputes_the_hosts_anticipatory_fraction()
    {
        using var dir = new TempDirectory();
        var folders = ExportCohort.Write(dir.Combine("sessions"));
        string output = dir.Combine("export");
        var result = Zhong2025Export.Write(folders, output);

        var check = await PythonNumPy.RunAsync([RepositoryRoot.Combine("tools", "check_zhong2025.py"), output, .. folders], PythonTimeout);

        Assert.True(check.ExitCode == 0, check.Output);
        Assert.Contains($"zhong2025 check: OK ({folders.Count} sessions, {folders.Count} recomputed", check.Output, StringComparison.Ordinal);
        Assert.Equal(3, result.Files.Count(f => Path.GetFileName(f).StartsWith("Beh_", StringComparison.Ordinal)));
        // The checker printed the host's and its own number for every corridor of every session.
        foreach (var session in result.Sessions)
        {
            Assert.Contains(session.Key + ": anticipatory lick fraction", check.Output, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("isRew as float", "isRew has dtype float64")]
    [InlineData("ft_CorrSpc as float", "ft_CorrSpc has dtype float64")]
    [InlineData("unsorted UniqWalls", "is not np.unique(WallName)")]
    [InlineData("times in seconds", "Trial_start_time is not MATLAB datenum days")]
    [InlineData("another Reward_Mode", "Reward_Mode is 'Active'")]
    [InlineData("a list instead of an array", "LickPos is a list")]
    public async Task The_NumPy_checker_fails_on_each_silent_trap_of_the_analysis_code(string trap, string expected)
    {
        using var dir = new TempDirectory();
        string folder = SyntheticTaskSession.Write(dir.Path, ExportCohort.ActiveDay);
        var session = Zhong2025Export.Build(ExportSession.Load(folder));
        var beh = session.Beh;
        switch (trap)
        {
            case "isRew as float":
                beh.Set("isRew", NpArray.OfDoubles(((NpArray)beh["isRew"]).Data.Select(b => (double)b).ToArray()));
                break;
            case "ft_CorrSpc as float":
                beh.Set("ft_CorrSpc", NpArray.OfDoubles(((NpArray)beh["ft_CorrSpc"]).Data.Select(b => (double)b).ToArray()));
                break;
            case "unsorted UniqWalls":
                beh.Set("UniqWalls", NpArray.OfStrings(["leaf1", "circle1"]));
                break;
            case "times in seconds":
                foreach (string name in new[] { "Trial_start_time", "Gray_space_time", "SoundTime", "RewTime", "Trial_end_time", "LickTime", "ft" })
                {
                    beh.Set(name, NpArray.OfDoubles(((NpArray)beh[name]).AsDoubles().Select(d => (d - 719529) * 86400).ToArray()));
                }

                break;
            case "another Reward_Mode":
                beh.Set("Reward_Mode", "Active");
                break;
            default:
                beh.Set("LickPos", ((NpArray)beh["LickPos"]).AsDoubles().Cast<object>().ToList());
                break;
        }

        string output = dir.Combine("export");
        Directory.CreateDirectory(output);
        var file = new PyDict();
        file.Add(session.Key, beh);
        NpyFile.WriteObject(Path.Combine(output, "Beh_supervised.npy"), file);
        var entry = new PyDict();
        entry.Add("mname", session.Mouse);
        entry.Add("datexp", "2026_11_03");
        entry.Add("blk", "1");
        var info = new PyDict();
        info.Add("supervised", new object[] { entry });
        NpyFile.WriteObject(Path.Combine(output, Zhong2025Export.InfoFileName), info);

        var check = await PythonNumPy.RunAsync([RepositoryRoot.Combine("tools", "check_zhong2025.py"), output], PythonTimeout);

        Assert.Equal(1, check.ExitCode);
        Assert.Contains(expected, check.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void Sessions_are_grouped_by_experiment_type_mouse_major_then_in_day_order()
    {
        using var dir = new TempDirectory();
        var result = Zhong2025Export.Write(ExportCohort.Write(dir.Combine("sessions")), dir.Combine("export"));

        Assert.Equal(
            ["VM02_2026_11_04_2", "VM00_2026_11_03_1", "VM01_2026_11_02_1", "VM01_2026_11_03_1", "VM01_2026_11_10_1", "VM03_2026_11_04_1"],
            result.Sessions.Select(s => s.Key).ToArray());
        Assert.Equal(["behaviour_only", "supervised", "supervised", "supervised", "supervised", "unsupervised"], result.Sessions.Select(s => s.ExperimentType).ToArray());
        Assert.All(result.Files, f => Assert.True(File.Exists(f), f));
        Assert.Contains(result.Files, f => Path.GetFileName(f) == "Beh_supervised.npy");
        Assert.Contains(result.Files, f => Path.GetFileName(f) == Zhong2025Export.InfoFileName);
    }

    [Fact]
    public void The_reward_zone_task_exports_as_Active_after_cue_and_Passive_stays_Passive()
    {
        using var dir = new TempDirectory();
        var zone = Zhong2025Export.Build(ExportSession.Load(SyntheticTaskSession.Write(dir.Path, ExportCohort.RewardZone)));
        var passive = Zhong2025Export.Build(ExportSession.Load(SyntheticTaskSession.Write(dir.Path, ExportCohort.PassiveDay)));

        Assert.Equal("Active after cue", zone.Beh["Reward_Mode"]);
        Assert.Equal("Passive", passive.Beh["Reward_Mode"]);
        Assert.All(((NpArray)zone.Beh["SoundTime"]).AsDoubles(), t => Assert.True(double.IsNaN(t))); // no cue in that task
    }

    [Fact]
    public void A_session_without_any_reward_still_has_full_length_bool_and_NaN_reward_fields()
    {
        using var dir = new TempDirectory();
        var s = Zhong2025Export.Build(ExportSession.Load(SyntheticTaskSession.Write(dir.Path, ExportCohort.Exposure)));

        var isRew = (NpArray)s.Beh["isRew"];
        Assert.Equal("b1", isRew.Descriptor);
        Assert.Equal(s.Counts.Trials, isRew.Length);
        Assert.All(isRew.Data, b => Assert.Equal(0, b));
        Assert.All(((NpArray)s.Beh["RewTime"]).AsDoubles(), t => Assert.True(double.IsNaN(t)));
        Assert.Equal(0, s.Counts.Rewards);
    }

    [Fact]
    public void The_trial_the_session_ended_in_and_licks_outside_trials_are_left_out_and_counted()
    {
        using var dir = new TempDirectory();
        string folder = SyntheticTaskSession.Write(dir.Path, ExportCohort.ActiveDay);
        var tables = TaskSessionTables.Read(Path.Combine(folder, "derived"));
        var s = Zhong2025Export.Build(ExportSession.Load(folder));

        Assert.Equal(ExportCohort.ActiveDay.Trials, s.Counts.Trials);
        Assert.Equal(ExportCohort.ActiveDay.Trials, s.Beh["ntrials"]);
        Assert.Equal(1, s.Counts.IncompleteTrialsLeftOut);
        int outside = tables.Licks.Count(l => l.Trial < 0 || l.Trial >= ExportCohort.ActiveDay.Trials);
        Assert.True(outside >= 2, "the synthetic mouse licks before the first trial");
        Assert.Equal(outside, s.Counts.LicksOutsideTrialsLeftOut);
        Assert.Equal(tables.Licks.Count - outside, ((NpArray)s.Beh["LickTime"]).Length);
    }

    [Fact]
    public void Times_are_MATLAB_datenum_days_of_the_wall_clock_from_the_session_header()
    {
        using var dir = new TempDirectory();
        string folder = SyntheticTaskSession.Write(dir.Path, ExportCohort.ActiveDay);
        var session = ExportSession.Load(folder);
        var first = session.Tables.Trials[0];
        var s = Zhong2025Export.Build(session);

        // 1970-01-01 is datenum 719529; the trial's wall clock is StartedUtc plus its host time since the header's.
        var wallClock = session.Header.StartedUtc.AddTicks((first.StartHostNanos!.Value - session.Header.HostMonotonicStartNanos) / 100);
        double expected = 719529 + (wallClock.ToUnixTimeMilliseconds() / 86_400_000.0);
        Assert.Equal(expected, ((NpArray)s.Beh["Trial_start_time"]).AsDoubles()[0], 1e-9);
        Assert.Equal(719529.0, new DateTimeOffset(1970, 1, 1, 0, 0, 0, TimeSpan.Zero).UtcTicks / (double)TimeSpan.TicksPerDay + ExportSession.DatenumOfDateTimeZero);
    }

    [Fact]
    public void A_time_without_host_time_is_mapped_from_device_time_and_counted()
    {
        using var dir = new TempDirectory();
        string folder = SyntheticTaskSession.Write(dir.Path, ExportCohort.LateDay);
        string reference = SyntheticTaskSession.Write(dir.Combine("with-host-time"), ExportCohort.LateDay with { DropFirstCueHostTime = false });
        var s = Zhong2025Export.Build(ExportSession.Load(folder));
        var r = Zhong2025Export.Build(ExportSession.Load(reference));

        Assert.Equal(1, s.Counts.EstimatedHostTimes);
        double estimated = ((NpArray)s.Beh["SoundTime"]).AsDoubles()[0], real = ((NpArray)r.Beh["SoundTime"]).AsDoubles()[0];
        Assert.True(Math.Abs(estimated - real) * 86_400e6 < 5, $"estimated cue time is {(estimated - real) * 86_400e6:0.0} µs off");
    }

    [Fact]
    public void The_pickle_references_numpy_core_never_numpy_underscore_core()
    {
        using var dir = new TempDirectory();
        var result = Zhong2025Export.Write([SyntheticTaskSession.Write(dir.Path, ExportCohort.ActiveDay)], dir.Combine("export"));

        foreach (string file in result.Files)
        {
            string text = Encoding.Latin1.GetString(File.ReadAllBytes(file));
            Assert.StartsWith("\u0093NUMPY", text, StringComparison.Ordinal);
            Assert.Contains("'descr': '|O'", text, StringComparison.Ordinal);
            Assert.DoesNotContain("numpy._core", text, StringComparison.Ordinal);
        }

        Assert.Contains("numpy.core.multiarray\n_reconstruct", Encoding.Latin1.GetString(File.ReadAllBytes(result.Files[0])), StringComparison.Ordinal);
    }

    [Fact]
    public void An_export_never_writes_over_an_existing_file_and_writes_nothing_then()
    {
        using var dir = new TempDirectory();
        string folder = SyntheticTaskSession.Write(dir.Path, ExportCohort.ActiveDay);
        string output = dir.Combine("export");
        Directory.CreateDirectory(output);
        string earlier = Path.Combine(output, "Beh_supervised.npy");
        File.WriteAllText(earlier, "an earlier export");

        var e = Assert.Throws<ExportOutputExistsException>(() => Zhong2025Export.Write([folder], output));

        Assert.Contains(earlier, e.Message, StringComparison.Ordinal);
        Assert.Equal("an earlier export", File.ReadAllText(earlier));
        Assert.False(File.Exists(Path.Combine(output, Zhong2025Export.InfoFileName)));
    }

    [Fact]
    public void A_folder_without_task_tables_is_refused_with_a_message_saying_so()
    {
        using var dir = new TempDirectory();
        string folder = SyntheticTaskSession.Write(dir.Path, ExportCohort.ActiveDay);
        File.Delete(Path.Combine(folder, "derived", TaskSessionTables.InfoFile));

        var e = Assert.Throws<ExportInputException>(() => Zhong2025Export.Write([folder], dir.Combine("export")));

        Assert.Contains("has no task tables", e.Message, StringComparison.Ordinal);
        Assert.Contains(folder, e.Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(dir.Combine("export")));
    }

    [Fact]
    public void Two_folders_with_the_same_session_key_are_refused()
    {
        using var dir = new TempDirectory();
        string a = SyntheticTaskSession.Write(dir.Combine("a"), ExportCohort.ActiveDay);
        string b = SyntheticTaskSession.Write(dir.Combine("b"), ExportCohort.ActiveDay with { Seed = 99 });

        var e = Assert.Throws<ExportInputException>(() => Zhong2025Export.Write([a, b], dir.Combine("export")));

        Assert.Contains("VM01_2026_11_03_1", e.Message, StringComparison.Ordinal);
    }
}
