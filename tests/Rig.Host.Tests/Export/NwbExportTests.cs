using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json;
using System.Threading.Tasks;
using Rig.Analysis.Export;
using Rig.Analysis.Export.Nwb;
using Rig.Experiment.Tasks;
using Rig.Recording.Sessions;
using Rig.TestSupport;
using Xunit;

namespace Rig.Host.Tests.Export;

/// <summary>
/// The NWB export checked by the tools analysts trust: hdmf's validator against the NWB core schema 2.6.0
/// (tools/validate_nwb.py), h5py reading every dataset back (tools/dump_nwb.py) and h5dump parsing the file.
/// </summary>
public sealed class NwbExportTests
{
    private static readonly TimeSpan PythonTimeout = TimeSpan.FromMinutes(2);
    private static readonly DateTimeOffset Created = new(2026, 12, 7, 11, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task Sessions_of_every_shipped_protocol_export_to_files_that_validate_against_the_nwb_core_schema_and_h5dump_parses()
    {
        using var dir = new TempDirectory();
        var protocols = ShippedProtocols().ToList();
        Assert.True(protocols.Count >= 8, $"only {protocols.Count} protocols found under protocols/");
        var folders = protocols.Select((p, i) => SyntheticTaskSession.Write(dir.Combine("s"), p with { Block = i + 1 })).ToList();

        var files = NwbExport.Write(folders, dir.Combine("nwb"), Clock());

        Assert.Equal(protocols.Count, files.Count);
        var validation = await Validate(files.Select(f => f.File));
        Assert.True(validation.ExitCode == 0, validation.Output);
        Assert.Equal(files.Count, validation.Output.Split('\n').Count(l => l.EndsWith(": 0 error(s)", StringComparison.Ordinal)));
        foreach (var file in files)
        {
            var (code, output) = H5Dump.Header(file.File);
            Assert.True(code == 0, $"h5dump -H {file.File}: exit {code}\n{output}");
            Assert.Contains("GROUP \"intervals\"", output, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Every_dataset_read_back_with_h5py_matches_the_sessions_trials_licks_rewards_positions_and_frame_times()
    {
        using var dir = new TempDirectory();
        string folder = SyntheticTaskSession.Write(dir.Combine("s"), ExportCohort.ActiveDay);
        var session = ExportSession.Load(folder);
        var file = NwbExport.Write([folder], dir.Combine("nwb"), Clock()).Single();

        var nwb = await Dump(file.File);
        var t = session.Tables;
        double S(long? host, ulong device) => session.SecondsSinceStart(session.HostNanos(host, device));

        // Root: the identifier is the session id, times carry their zone, the type attributes are there.
        Assert.Equal(session.Header.SessionId, nwb.Text("/identifier"));
        Assert.Equal("2.6.0", nwb.Attribute("/", "nwb_version"));
        Assert.Equal("NWBFile", nwb.Attribute("/", "neurodata_type"));
        Assert.True(Guid.TryParse(nwb.Attribute("/", "object_id"), out _));
        Assert.Equal(session.Header.StartedUtc, DateTimeOffset.Parse(nwb.Text("/session_start_time"), System.Globalization.CultureInfo.InvariantCulture));
        Assert.EndsWith("+00:00", nwb.Text("/timestamps_reference_time"), StringComparison.Ordinal);
        Assert.Equal(["2026-12-07T11:00:00.000000+00:00"], nwb.Texts("/file_create_date"));

        // Trials: every row, every column.
        var trials = t.Trials.OrderBy(r => r.Trial).ToList();
        Assert.Equal(trials.Select(r => r.Wall), nwb.Texts("/intervals/trials/wall"));
        Assert.Equal(trials.Select(r => r.Rewarded ? 1.0 : 0.0), nwb.Numbers("/intervals/trials/rewarded"));
        Assert.Equal(trials.Select(r => r.Probe ? 1.0 : 0.0), nwb.Numbers("/intervals/trials/probe"));
        Assert.Equal(trials.Select(r => (double)r.Licks), nwb.Numbers("/intervals/trials/lick_count"));
        Assert.Equal(Enumerable.Range(0, trials.Count).Select(i => (double)i), nwb.Numbers("/intervals/trials/id"));
        Close(trials.Select(r => S(r.StartHostNanos, r.StartDeviceMicros)), nwb.Numbers("/intervals/trials/start_time"));
        Close(trials.Select(r => r.EndDeviceMicros is { } d ? S(r.EndHostNanos, d) : double.NaN), nwb.Numbers("/intervals/trials/stop_time"));
        Close(trials.Select(r => r.CueDeviceMicros is { } d ? S(r.CueHostNanos, d) : double.NaN), nwb.Numbers("/intervals/trials/cue_time"));
        Close(trials.Select(r => r.CuePositionDm / 10 ?? double.NaN), nwb.Numbers("/intervals/trials/cue_position"));

        // Rewards: when and where the water came, in the trials table and as valve openings.
        var rewarded = trials.Where(r => r.RewardDeviceMicros is not null).ToList();
        Assert.NotEmpty(rewarded);
        Close(trials.Select(r => r.RewardDeviceMicros is { } d ? S(r.RewardHostNanos, d) : double.NaN), nwb.Numbers("/intervals/trials/reward_time"));
        Close(trials.Select(r => r.RewardPositionDm / 10 ?? double.NaN), nwb.Numbers("/intervals/trials/reward_position"));
        var valve = nwb.Numbers("/acquisition/valve_openings/timestamps");
        Assert.All(rewarded, r => Assert.Contains(valve, v => Math.Abs(v - S(r.RewardHostNanos, r.RewardDeviceMicros!.Value)) < 1e-6));

        // Licks: one timestamp per onset of the task tables, in order.
        var licks = t.Licks.OrderBy(l => l.DeviceMicros).ToList();
        Close(licks.Select(l => S(l.HostNanos, l.DeviceMicros)), nwb.Numbers("/acquisition/licks/timestamps"));
        Assert.Equal(licks.Count, nwb.Numbers("/processing/timing/licks_time_uncertainty/data").Count);
        Close(licks.Select(l => S(l.HostNanos, l.DeviceMicros)), nwb.Numbers("/processing/timing/licks_time_uncertainty/timestamps"));

        // Imaging frame times: frame index -> seconds, for joining suite2p output.
        var frames = t.Frames.OrderBy(f => f.Frame).ToList();
        Assert.Equal(frames.Select(f => (double)f.Frame), nwb.Numbers("/acquisition/imaging_frame_times/data"));
        Close(frames.Select(f => S(f.HostNanos, f.DeviceMicros)), nwb.Numbers("/acquisition/imaging_frame_times/timestamps"));
        Close(frames.Select(f => f.SpeedCmPerSecond), nwb.Numbers("/processing/behavior/BehavioralTimeSeries/running_speed/data"));
        Close(frames.Select(f => S(f.HostNanos, f.DeviceMicros)), nwb.Numbers("/processing/behavior/BehavioralTimeSeries/running_speed/timestamps"));
        Assert.Equal("0.01", nwb.Attribute("/processing/behavior/BehavioralTimeSeries/running_speed/data", "conversion"));

        // Positions: per corridor, every frame inside a trial of that corridor, in dm with conversion 0.1 to metres.
        foreach (var corridor in frames.Where(f => f.Trial >= 0).GroupBy(f => f.Wall))
        {
            string series = "/processing/behavior/Position/corridor_" + corridor.Key;
            Close(corridor.Select(f => f.PositionDm), nwb.Numbers(series + "/data"));
            Close(corridor.Select(f => S(f.HostNanos, f.DeviceMicros)), nwb.Numbers(series + "/timestamps"));
            Assert.Equal("meters", nwb.Attribute(series + "/data", "unit"));
            Assert.Contains($"corridor '{corridor.Key}'", nwb.Text(series + "/reference_frame"), StringComparison.Ordinal);
        }

        // hdmf's validator does not check the attributes of a TimeSeries' untyped data and timestamps datasets (found by
        // removing `unit`: no error), so every series is checked here.
        var allSeries = nwb.TypedPaths().Where(p => p.Type is "TimeSeries" or "SpatialSeries").Select(p => p.Path).ToList();
        Assert.True(allSeries.Count >= 10, $"only {allSeries.Count} series: {string.Join(", ", allSeries)}");
        foreach (string path in allSeries)
        {
            foreach (string name in new[] { "unit", "conversion", "resolution", "offset" })
            {
                nwb.Attribute(path + "/data", name);
            }

            Assert.Equal("seconds", nwb.Attribute(path + "/timestamps", "unit"));
            Assert.Equal("1", nwb.Attribute(path + "/timestamps", "interval"));
            Assert.Equal(nwb.Numbers(path + "/data").Count, nwb.Numbers(path + "/timestamps").Count);
            var times = nwb.Numbers(path + "/timestamps");
            Assert.True(times.Zip(times.Skip(1)).All(p => p.First <= p.Second), $"{path}: timestamps not in order");
        }

        Assert.Equal(frames.Count(f => f.Trial >= 0), frames.Where(f => f.Trial >= 0).GroupBy(f => f.Wall)
            .Sum(g => nwb.Numbers("/processing/behavior/Position/corridor_" + g.Key + "/data").Count));
    }

    [Fact]
    public async Task The_validator_reports_errors_in_a_file_missing_a_required_dataset()
    {
        using var dir = new TempDirectory();
        string folder = SyntheticTaskSession.Write(dir.Combine("s"), ExportCohort.PassiveDay);
        var file = NwbExport.Write([folder], dir.Combine("nwb"), Clock()).Single();
        var good = await Validate([file.File]);
        Assert.True(good.ExitCode == 0, good.Output);

        var broken = await PythonNwb.RunAsync(["-c",
            "import h5py, sys\nf = h5py.File(sys.argv[1], 'a')\ndel f['session_start_time']\ndel f['intervals/trials/id']\nf.close()", file.File], PythonTimeout);
        Assert.True(broken.ExitCode == 0, broken.Output);
        var bad = await Validate([file.File]);

        Assert.Equal(1, bad.ExitCode);
        Assert.Contains("session_start_time", bad.Output, StringComparison.Ordinal);
        Assert.Contains("ElementIdentifiers (id)", bad.Output, StringComparison.Ordinal);
        Assert.Contains(": 2 error(s)", bad.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Subject_facts_from_session_json_are_written_and_missing_ones_say_unknown_with_a_note()
    {
        using var dir = new TempDirectory();
        var subject = new SessionSubject("VM01", new DateOnly(2026, 11, 3), 1, Sex: "F", DateOfBirth: new DateOnly(2026, 8, 1),
            Experimenter: "A. Zhong", Lab: "Pachitariu", Strain: "C57BL/6J", WeightGrams: 21.4, WaterOutsideRigMl: 0.8);
        string known = SyntheticTaskSession.Write(dir.Combine("s"), ExportCohort.ActiveDay with { Subject = subject });
        string unknown = SyntheticTaskSession.Write(dir.Combine("s"), ExportCohort.PassiveDay);

        var files = NwbExport.Write([known, unknown], dir.Combine("nwb"), Clock());

        var k = await Dump(files[0].File);
        Assert.Equal("F", k.Text("/general/subject/sex"));
        Assert.Equal("Mus musculus", k.Text("/general/subject/species"));
        Assert.Equal("VM01", k.Text("/general/subject/subject_id"));
        Assert.StartsWith("2026-08-01T00:00:00", k.Text("/general/subject/date_of_birth"), StringComparison.Ordinal);
        Assert.Equal(["A. Zhong"], k.Texts("/general/experimenter"));
        Assert.Equal("Pachitariu", k.Text("/general/lab"));
        // The subject registry's strain and the day's weighing (rig subject), where NWB's Subject keeps them.
        Assert.Equal("C57BL/6J", k.Text("/general/subject/strain"));
        Assert.Equal("21.4 g", k.Text("/general/subject/weight"));
        Assert.Contains("0.8 mL", k.Text("/general/subject/description"), StringComparison.Ordinal);
        Assert.DoesNotContain(files[0].Notes, n => n.Contains("unknown", StringComparison.Ordinal));

        var u = await Dump(files[1].File);
        Assert.Equal("U", u.Text("/general/subject/sex"));
        Assert.Equal("unknown", u.Text("/general/subject/age"));
        Assert.Equal(["unknown"], u.Texts("/general/experimenter"));
        Assert.Contains(files[1].Notes, n => n.Contains("no sex", StringComparison.Ordinal));
        Assert.Contains(files[1].Notes, n => n.Contains("no experimenter", StringComparison.Ordinal));
        var validation = await Validate(files.Select(f => f.File));
        Assert.True(validation.ExitCode == 0, validation.Output);
    }

    [Fact]
    public void An_existing_nwb_file_is_never_written_over_and_nothing_else_is_written()
    {
        using var dir = new TempDirectory();
        string a = SyntheticTaskSession.Write(dir.Combine("s"), ExportCohort.ActiveDay);
        string b = SyntheticTaskSession.Write(dir.Combine("s"), ExportCohort.PassiveDay);
        Directory.CreateDirectory(dir.Combine("nwb"));
        string earlier = dir.Combine("nwb", "VM01_2026_11_02_1.nwb");
        File.WriteAllText(earlier, "an earlier file");

        Assert.Throws<ExportOutputExistsException>(() => NwbExport.Write([a, b], dir.Combine("nwb"), Clock()));

        Assert.Equal("an earlier file", File.ReadAllText(earlier));
        Assert.Single(Directory.GetFiles(dir.Combine("nwb")));
    }

    /// <summary>A synthetic session shaped by each protocol in protocols/: its name, experiment type, reward mode and corridors.</summary>
    private static IEnumerable<SyntheticSessionOptions> ShippedProtocols()
    {
        foreach (string path in Directory.GetFiles(RepositoryRoot.Combine("protocols"), "*.json").Where(p => Path.GetFileName(p) != "schema.json").Order(StringComparer.Ordinal))
        {
            using var json = JsonDocument.Parse(File.ReadAllText(path));
            var root = json.RootElement;
            var corridors = root.GetProperty("corridors").EnumerateArray().ToList();
            string mode = root.GetProperty("reward").GetProperty("mode").GetString()!;
            yield return new SyntheticSessionOptions
            {
                Mouse = "P" + root.GetProperty("name").GetString()!.Length.ToString(System.Globalization.CultureInfo.InvariantCulture),
                Protocol = root.GetProperty("name").GetString()!,
                ExperimentType = root.GetProperty("experiment_type").GetString()!,
                RewardMode = mode,
                Walls = corridors.Select(c => c.GetProperty("wall").GetString()!).ToList(),
                RewardedWall = corridors.Where(c => c.GetProperty("rewarded").GetBoolean()).Select(c => c.GetProperty("wall").GetString()).FirstOrDefault(),
                EndMidTrial = mode != BehaviourMetricsCalculator.RewardZone,
                Trials = 12,
                Seed = Path.GetFileName(path).Length,
            };
        }
    }

    // file_create_date comes from the export's clock.
    private static Journal.ManualTimeProvider Clock() => new(start: (Created - DateTimeOffset.UnixEpoch).Ticks);

    private static Task<PythonResult> Validate(IEnumerable<string> files) =>
        PythonNwb.RunAsync([RepositoryRoot.Combine("tools", "validate_nwb.py"), "--schema", NwbSchema.Find(), .. files], PythonTimeout);

    private static async Task<NwbDump> Dump(string file)
    {
        var result = await PythonNwb.RunAsync([RepositoryRoot.Combine("tools", "dump_nwb.py"), file], PythonTimeout);
        Assert.True(result.ExitCode == 0, result.Output);
        return new NwbDump(JsonDocument.Parse(result.StandardOutput));
    }

    // Times went through one double each way; 1 ns is far below the clock map's µs uncertainty.
    private static void Close(IEnumerable<double> expected, List<double> actual)
    {
        var e = expected.ToList();
        Assert.Equal(e.Count, actual.Count);
        for (int i = 0; i < e.Count; i++)
        {
            Assert.True(double.IsNaN(e[i]) ? double.IsNaN(actual[i]) : Math.Abs(e[i] - actual[i]) <= 1e-9 * Math.Max(1, Math.Abs(e[i])),
                $"row {i}: expected {e[i]}, the file has {actual[i]}");
        }
    }

    /// <summary>tools/dump_nwb.py's JSON: datasets by path, attributes by path and name.</summary>
    private sealed class NwbDump(JsonDocument json)
    {
        private readonly JsonElement _datasets = json.RootElement.GetProperty("datasets");
        private readonly JsonElement _attributes = json.RootElement.GetProperty("attributes");

        public string Text(string path) => Dataset(path).GetString()!;

        public List<string> Texts(string path) => [.. Dataset(path).EnumerateArray().Select(e => e.GetString()!)];

        public List<double> Numbers(string path) => [.. Dataset(path).EnumerateArray().Select(e => e.ValueKind == JsonValueKind.Null ? double.NaN : e.GetDouble())];

        /// <summary>Every object with a neurodata_type attribute: its path and type.</summary>
        public IEnumerable<(string Path, string Type)> TypedPaths() => _attributes.EnumerateObject()
            .Where(o => o.Value.TryGetProperty("neurodata_type", out _))
            .Select(o => (o.Name, o.Value.GetProperty("neurodata_type").GetString()!));

        public string Attribute(string path, string name)
        {
            Assert.True(_attributes.TryGetProperty(path, out var attributes), $"no attributes at {path}");
            Assert.True(attributes.TryGetProperty(name, out var value), $"no attribute {name} at {path}");
            return value.ValueKind == JsonValueKind.String ? value.GetString()! : value.GetRawText();
        }

        private JsonElement Dataset(string path)
        {
            Assert.True(_datasets.TryGetProperty(path, out var value), $"the file has no dataset {path}");
            return value;
        }
    }
}
