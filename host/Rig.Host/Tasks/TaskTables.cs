using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Rig.Host.Tasks;

// The contract between the task engine (which rebuilds these tables from a session's journal, live and offline) and
// everything downstream of it (exports, reports, metrics checks). Times are on the device clock of one boot; host
// times come from the clock map and are null where the session has none. Frames are 0-based imaging frames with the
// fraction within the frame (FrameTimeline.Locate), null outside acquisition.

/// <summary>One corridor traversal. Times in device µs; positions in dm within the corridor (0 to the corridor length).</summary>
/// <param name="Rewarded">The protocol rewards this corridor (whether or not water was delivered: see <see cref="RewardDeviceMicros"/>).</param>
/// <param name="Probe">A probe corridor interleaved by the sequence rule.</param>
/// <param name="GrayDeviceMicros">Entry into the grey space; null if the session ended before it.</param>
/// <param name="EndDeviceMicros">End of the trial (end of the grey space); null if the session ended before it.</param>
/// <param name="CueDeviceMicros">When the device played the cue (its tone event), null without a cue.</param>
/// <param name="RewardDeviceMicros">When the valve opened for this trial's reward, null if no water was delivered.</param>
/// <param name="RewardZoneStartDm">Start of the reward zone for reward-zone protocols, else null.</param>
/// <param name="Licks">Lick onsets in this trial.</param>
public sealed record TrialRow(
    int Trial,
    string Wall,
    bool Rewarded,
    bool Probe,
    ulong StartDeviceMicros,
    ulong? GrayDeviceMicros,
    ulong? EndDeviceMicros,
    ulong? CueDeviceMicros,
    double? CuePositionDm,
    ulong? RewardDeviceMicros,
    double? RewardPositionDm,
    double? RewardZoneStartDm,
    int Licks,
    long? StartHostNanos,
    long? GrayHostNanos,
    long? EndHostNanos,
    long? CueHostNanos,
    long? RewardHostNanos,
    double? CueFrame);

/// <summary>One lick onset; <paramref name="Trial"/> is -1 outside trials (then <paramref name="PositionDm"/> is NaN).</summary>
public sealed record LickRow(ulong DeviceMicros, long? HostNanos, int Trial, double PositionDm, double? Frame);

/// <summary>VR state latched at one imaging frame's edge; <paramref name="Trial"/> is -1 and <paramref name="Wall"/> empty outside trials.</summary>
/// <param name="PositionDm">Position within the corridor at the edge (NaN outside trials).</param>
/// <param name="SpeedCmPerSecond">Running speed from the wheel at the edge.</param>
public sealed record FramePositionRow(long Frame, ulong DeviceMicros, long? HostNanos, int Trial, string Wall, double PositionDm, double SpeedCmPerSecond);

/// <summary>Live behaviour metrics of one corridor (../shared/PARADIGMS.md, "What the analysts compute").</summary>
/// <param name="AnticipatoryLickFraction">Trials with at least one lick between entry and the reward window (Passive: cue + reward delay; Active after cue and reward zone: entry to grey space), over completed trials; NaN with none.</param>
/// <param name="RewardZoneLickFraction">Trials with a lick inside 20-40 dm, over completed trials; NaN with none.</param>
public sealed record CorridorMetrics(string Wall, bool Rewarded, int Trials, int CompletedTrials, double AnticipatoryLickFraction,
    double RewardZoneLickFraction, int Rewards);

/// <summary>Session-level behaviour metrics.</summary>
/// <param name="Discrimination">Reward-zone lick fraction of the rewarded corridors minus that of the unrewarded ones; NaN unless both exist.</param>
public sealed record BehaviourMetrics(IReadOnlyList<CorridorMetrics> Corridors, double Discrimination, int Rewards, double WaterMicroliters,
    double MeanRunningSpeedCmPerSecond);

/// <summary>What the session ran and for whom; written once per session.</summary>
/// <param name="RewardMode">Exactly "Passive", "Active after cue" or "Reward zone" (the last exports as "Active after cue").</param>
/// <param name="SessionDate">The calendar day the session belongs to (a simulated cohort advances it per day).</param>
/// <param name="Block">The block number of the session key &lt;mouse&gt;_&lt;YYYY_MM_DD&gt;_&lt;block&gt;.</param>
/// <param name="ExperimentType">Groups sessions in one export file (for example "supervised", "unsupervised", "grating").</param>
public sealed record TaskSessionInfo(
    string Protocol,
    string ExperimentType,
    string Mouse,
    DateOnly SessionDate,
    int Block,
    string RewardMode,
    double RewardDelayMs,
    double CorridorLengthDm,
    double TextureLengthDm,
    double GrayLengthDm,
    BehaviourMetrics Metrics);

/// <summary>The task tables of one session.</summary>
public sealed record TaskSessionTables(TaskSessionInfo Info, IReadOnlyList<TrialRow> Trials, IReadOnlyList<LickRow> Licks,
    IReadOnlyList<FramePositionRow> Frames)
{
    public const string InfoFile = "task.json";
    public const string TrialsFile = "trials.csv";
    public const string LicksFile = "licks.csv";
    public const string FramesFile = "frame_positions.csv";

    private const string TrialsHeader = "trial,wall,rewarded,probe,start_device_us,gray_device_us,end_device_us,cue_device_us,cue_position_dm,reward_device_us,reward_position_dm,reward_zone_start_dm,licks,start_host_ns,gray_host_ns,end_host_ns,cue_host_ns,reward_host_ns,cue_frame";
    private const string LicksHeader = "device_us,host_ns,trial,position_dm,frame";
    private const string FramesHeader = "frame,device_us,host_ns,trial,wall,position_dm,speed_cm_s";

    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    /// <summary>Writes the four files into <paramref name="folder"/> (created if missing); never over existing files.</summary>
    public void Write(string folder)
    {
        Directory.CreateDirectory(folder);
        using (var info = new FileStream(Path.Combine(folder, InfoFile), FileMode.CreateNew))
        {
            JsonSerializer.Serialize(info, Info, Json);
        }

        var c = CultureInfo.InvariantCulture;
        WriteCsv(Path.Combine(folder, TrialsFile), TrialsHeader, Trials, t => string.Join(',',
            t.Trial.ToString(c), Text(t.Wall), t.Rewarded ? "1" : "0", t.Probe ? "1" : "0", t.StartDeviceMicros.ToString(c),
            N(t.GrayDeviceMicros), N(t.EndDeviceMicros), N(t.CueDeviceMicros), N(t.CuePositionDm), N(t.RewardDeviceMicros),
            N(t.RewardPositionDm), N(t.RewardZoneStartDm), t.Licks.ToString(c), N(t.StartHostNanos), N(t.GrayHostNanos),
            N(t.EndHostNanos), N(t.CueHostNanos), N(t.RewardHostNanos), N(t.CueFrame)));
        WriteCsv(Path.Combine(folder, LicksFile), LicksHeader, Licks, l => string.Join(',',
            l.DeviceMicros.ToString(c), N(l.HostNanos), l.Trial.ToString(c), D(l.PositionDm), N(l.Frame)));
        WriteCsv(Path.Combine(folder, FramesFile), FramesHeader, Frames, f => string.Join(',',
            f.Frame.ToString(c), f.DeviceMicros.ToString(c), N(f.HostNanos), f.Trial.ToString(c), Text(f.Wall), D(f.PositionDm),
            D(f.SpeedCmPerSecond)));
    }

    /// <summary>Reads the tables <see cref="Write"/> wrote; a malformed file names the file, line and column.</summary>
    public static TaskSessionTables Read(string folder)
    {
        string infoPath = Path.Combine(folder, InfoFile);
        if (!File.Exists(infoPath))
        {
            throw new FileNotFoundException($"'{folder}' has no task tables: {InfoFile} is missing (was the session run with a protocol?)", infoPath);
        }

        TaskSessionInfo info;
        using (var stream = File.OpenRead(infoPath))
        {
            info = JsonSerializer.Deserialize<TaskSessionInfo>(stream, Json)
                ?? throw new InvalidDataException($"{infoPath}: empty");
        }

        var trials = ReadCsv(Path.Combine(folder, TrialsFile), TrialsHeader, f => new TrialRow(
            f.Int(0), f.Text(1), f.Bool(2), f.Bool(3), f.ULong(4), f.ULongOrNull(5), f.ULongOrNull(6), f.ULongOrNull(7),
            f.DoubleOrNull(8), f.ULongOrNull(9), f.DoubleOrNull(10), f.DoubleOrNull(11), f.Int(12), f.LongOrNull(13),
            f.LongOrNull(14), f.LongOrNull(15), f.LongOrNull(16), f.LongOrNull(17), f.DoubleOrNull(18)));
        var licks = ReadCsv(Path.Combine(folder, LicksFile), LicksHeader, f => new LickRow(
            f.ULong(0), f.LongOrNull(1), f.Int(2), f.Double(3), f.DoubleOrNull(4)));
        var frames = ReadCsv(Path.Combine(folder, FramesFile), FramesHeader, f => new FramePositionRow(
            f.Long(0), f.ULong(1), f.LongOrNull(2), f.Int(3), f.Text(4), f.Double(5), f.Double(6)));
        return new TaskSessionTables(info, trials, licks, frames);
    }

    private static void WriteCsv<T>(string path, string header, IReadOnlyList<T> rows, Func<T, string> line)
    {
        using var output = new StreamWriter(new FileStream(path, FileMode.CreateNew), new UTF8Encoding(false));
        output.WriteLine(header);
        foreach (var row in rows)
        {
            output.WriteLine(line(row));
        }
    }

    private static List<T> ReadCsv<T>(string path, string header, Func<Fields, T> parse)
    {
        using var input = new StreamReader(path, Encoding.UTF8);
        string? first = input.ReadLine();
        if (first != header)
        {
            throw new InvalidDataException($"{path}:1: expected the header '{header}', found '{first}'");
        }

        var rows = new List<T>();
        int lineNumber = 1;
        int columns = header.Split(',').Length;
        while (input.ReadLine() is { } line)
        {
            lineNumber++;
            var cells = line.Split(',');
            if (cells.Length != columns)
            {
                throw new InvalidDataException($"{path}:{lineNumber}: {cells.Length} columns, expected {columns}");
            }

            rows.Add(parse(new Fields(path, lineNumber, header.Split(','), cells)));
        }

        return rows;
    }

    // Wall names are plain identifiers (protocol validation rejects commas and quotes), so no CSV quoting is needed.
    private static string Text(string value) => value;

    private static string D(double value) => double.IsNaN(value) ? "" : value.ToString("R", CultureInfo.InvariantCulture);

    private static string N(double? value) => value is { } v ? D(v) : "";

    private static string N(ulong? value) => value?.ToString(CultureInfo.InvariantCulture) ?? "";

    private static string N(long? value) => value?.ToString(CultureInfo.InvariantCulture) ?? "";

    private readonly record struct Fields(string Path, int Line, string[] Names, string[] Cells)
    {
        public string Text(int i) => Cells[i];

        public bool Bool(int i) => Cells[i] switch
        {
            "1" => true,
            "0" => false,
            _ => throw Bad(i, "0 or 1"),
        };

        public int Int(int i) => int.TryParse(Cells[i], NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) ? v : throw Bad(i, "an integer");

        public long Long(int i) => long.TryParse(Cells[i], NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) ? v : throw Bad(i, "an integer");

        public ulong ULong(int i) => ulong.TryParse(Cells[i], NumberStyles.None, CultureInfo.InvariantCulture, out var v) ? v : throw Bad(i, "a non-negative integer");

        public double Double(int i) => Cells[i].Length == 0 ? double.NaN
            : double.TryParse(Cells[i], NumberStyles.Float, CultureInfo.InvariantCulture, out var v) ? v : throw Bad(i, "a number");

        public long? LongOrNull(int i) => Cells[i].Length == 0 ? null : Long(i);

        public ulong? ULongOrNull(int i) => Cells[i].Length == 0 ? null : ULong(i);

        public double? DoubleOrNull(int i) => Cells[i].Length == 0 ? null : Double(i);

        private InvalidDataException Bad(int i, string expected) =>
            new($"{Path}:{Line}: column '{Names[i]}' is '{Cells[i]}', expected {expected}");
    }
}
