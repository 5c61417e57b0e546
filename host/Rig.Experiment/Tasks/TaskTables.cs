using System;
using System.Collections.Generic;
using System.IO;
using System.Text.Json;
using Rig.Recording.Sessions;
using Rig.Recording;

namespace Rig.Experiment.Tasks;

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
/// <param name="RewardMicrolitres">Water delivered in this trial by the valve's calibration curve; null without a reward, and in
/// sessions run `--uncalibrated` (the volume is then unknown).</param>
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
    double? CueFrame,
    double? RewardMicrolitres = null);

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
/// <param name="WaterMicroliters">Water delivered, µL; NaN when rewards were given but their volume is unknown (`--uncalibrated`).</param>
public sealed record BehaviourMetrics(IReadOnlyList<CorridorMetrics> Corridors, double Discrimination, int Rewards, double WaterMicroliters,
    double MeanRunningSpeedCmPerSecond);

/// <summary>What the session ran and for whom; written once per session.</summary>
/// <param name="RewardMode">Exactly "Passive", "Active after cue" or "Reward zone" (the last exports as "Active after cue").</param>
/// <param name="SessionDate">The calendar day the session belongs to (a simulated cohort advances it per day).</param>
/// <param name="Block">The block number of the session key &lt;mouse&gt;_&lt;YYYY_MM_DD&gt;_&lt;block&gt;.</param>
/// <param name="ExperimentType">Groups sessions in one export file (for example "supervised", "unsupervised", "grating").</param>
/// <param name="RewardDose">The µL → ms one reward used (the plan marker's); null in unrewarded sessions and older journals.</param>
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
    BehaviourMetrics Metrics,
    // Left out when null, so the task.json of a session without a dose (unrewarded, or recorded before doses) is unchanged.
    [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    Rig.Recording.Calibration.RewardDose? RewardDose = null,
    // The rig's frame rate setting (session.json) and the rate the frame clock showed (FrameRate), Hz; left out when unknown.
    [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    double? ImagingFrameRateHz = null,
    [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    double? MeasuredFrameRateHz = null);

/// <summary>The task tables of one session.</summary>
public sealed record TaskSessionTables(TaskSessionInfo Info, IReadOnlyList<TrialRow> Trials, IReadOnlyList<LickRow> Licks,
    IReadOnlyList<FramePositionRow> Frames)
{
    public const string InfoFile = "task.json";
    public const string TrialsFile = "trials.csv";
    public const string LicksFile = "licks.csv";
    public const string FramesFile = "frame_positions.csv";

    /// <summary>Cue and reward-zone position errors (derived from the journal; not written to the table files, so null when read back).</summary>
    public PositionErrors? Positions { get; init; }

    public static CsvTable<TrialRow> TrialsTable { get; } = new(TrialsFile,
    [
        new("trial", t => CsvCell.Of(t.Trial)), new("wall", t => t.Wall), new("rewarded", t => CsvCell.Of(t.Rewarded)),
        new("probe", t => CsvCell.Of(t.Probe)), new("start_device_us", t => CsvCell.Of(t.StartDeviceMicros)),
        new("gray_device_us", t => CsvCell.Of(t.GrayDeviceMicros)), new("end_device_us", t => CsvCell.Of(t.EndDeviceMicros)),
        new("cue_device_us", t => CsvCell.Of(t.CueDeviceMicros)), new("cue_position_dm", t => CsvCell.Of(t.CuePositionDm)),
        new("reward_device_us", t => CsvCell.Of(t.RewardDeviceMicros)), new("reward_position_dm", t => CsvCell.Of(t.RewardPositionDm)),
        new("reward_zone_start_dm", t => CsvCell.Of(t.RewardZoneStartDm)), new("licks", t => CsvCell.Of(t.Licks)),
        new("start_host_ns", t => CsvCell.Of(t.StartHostNanos)), new("gray_host_ns", t => CsvCell.Of(t.GrayHostNanos)),
        new("end_host_ns", t => CsvCell.Of(t.EndHostNanos)), new("cue_host_ns", t => CsvCell.Of(t.CueHostNanos)),
        new("reward_host_ns", t => CsvCell.Of(t.RewardHostNanos)), new("cue_frame", t => CsvCell.Of(t.CueFrame)),
        new("reward_ul", t => CsvCell.Of(t.RewardMicrolitres)),
    ], r => new TrialRow(r.Int("trial"), r.Text("wall"), r.Bool("rewarded"), r.Bool("probe"), r.ULong("start_device_us"),
        r.ULongOrNull("gray_device_us"), r.ULongOrNull("end_device_us"), r.ULongOrNull("cue_device_us"), r.DoubleOrNull("cue_position_dm"),
        r.ULongOrNull("reward_device_us"), r.DoubleOrNull("reward_position_dm"), r.DoubleOrNull("reward_zone_start_dm"), r.Int("licks"),
        r.LongOrNull("start_host_ns"), r.LongOrNull("gray_host_ns"), r.LongOrNull("end_host_ns"), r.LongOrNull("cue_host_ns"),
        r.LongOrNull("reward_host_ns"), r.DoubleOrNull("cue_frame"), r.DoubleOrNull("reward_ul")));

    public static CsvTable<LickRow> LicksTable { get; } = new(LicksFile,
    [
        new("device_us", l => CsvCell.Of(l.DeviceMicros)), new("host_ns", l => CsvCell.Of(l.HostNanos)), new("trial", l => CsvCell.Of(l.Trial)),
        new("position_dm", l => CsvCell.Of(l.PositionDm)), new("frame", l => CsvCell.Of(l.Frame)),
    ], r => new LickRow(r.ULong("device_us"), r.LongOrNull("host_ns"), r.Int("trial"), r.Double("position_dm"), r.DoubleOrNull("frame")));

    public static CsvTable<FramePositionRow> FramesTable { get; } = new(FramesFile,
    [
        new("frame", f => CsvCell.Of(f.Frame)), new("device_us", f => CsvCell.Of(f.DeviceMicros)), new("host_ns", f => CsvCell.Of(f.HostNanos)),
        new("trial", f => CsvCell.Of(f.Trial)), new("wall", f => f.Wall), new("position_dm", f => CsvCell.Of(f.PositionDm)),
        new("speed_cm_s", f => CsvCell.Of(f.SpeedCmPerSecond)),
    ], r => new FramePositionRow(r.Long("frame"), r.ULong("device_us"), r.LongOrNull("host_ns"), r.Int("trial"), r.Text("wall"),
        r.Double("position_dm"), r.Double("speed_cm_s")));

    /// <summary>Writes the four files into <paramref name="folder"/> (created if missing); never over existing files.</summary>
    public void Write(string folder)
    {
        Directory.CreateDirectory(folder);
        using (var info = new FileStream(Path.Combine(folder, InfoFile), FileMode.CreateNew))
        {
            JsonSerializer.Serialize(info, Info, RigJson.Files);
        }

        TrialsTable.Write(folder, Trials);
        LicksTable.Write(folder, Licks);
        FramesTable.Write(folder, Frames);
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
            info = JsonSerializer.Deserialize<TaskSessionInfo>(stream, RigJson.Files)
                ?? throw new InvalidDataException($"{infoPath}: empty");
        }

        return new TaskSessionTables(info, TrialsTable.Read(folder), LicksTable.Read(folder), FramesTable.Read(folder));
    }
}

/// <summary>
/// Where the cue played and the reward zone opened against the plan, dm (played or entered position − planned position,
/// the position being the corridor model's at the event): the number the device-triggered path exists for. Each
/// statistic is null without a value. p99 is the nearest-rank 99th percentile.
/// </summary>
/// <param name="TriggerPath">"device" (position triggers on the device) or "host" (the engine decided).</param>
public sealed record PositionErrors(string TriggerPath, int Cues, double? CueMedianDm, double? CueP99Dm, double? CueMaxDm, int ZoneEntries,
    double? ZoneMedianDm, double? ZoneP99Dm, double? ZoneMaxDm)
{
    /// <summary>The raw per-trial errors (not serialized), for benchmarks that pool sessions.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public IReadOnlyList<double> CueErrorsDm { get; init; } = [];

    [System.Text.Json.Serialization.JsonIgnore]
    public IReadOnlyList<double> ZoneErrorsDm { get; init; } = [];

    public static PositionErrors From(string triggerPath, IReadOnlyList<double> cueErrorsDm, IReadOnlyList<double> zoneErrorsDm)
    {
        ArgumentNullException.ThrowIfNull(cueErrorsDm);
        ArgumentNullException.ThrowIfNull(zoneErrorsDm);
        return new PositionErrors(triggerPath, cueErrorsDm.Count, Percentile(cueErrorsDm, 0.5), Percentile(cueErrorsDm, 0.99),
            Percentile(cueErrorsDm, 1), zoneErrorsDm.Count, Percentile(zoneErrorsDm, 0.5), Percentile(zoneErrorsDm, 0.99), Percentile(zoneErrorsDm, 1))
        {
            CueErrorsDm = cueErrorsDm,
            ZoneErrorsDm = zoneErrorsDm,
        };
    }

    /// <summary>Nearest-rank percentile (<paramref name="fraction"/> 0.5: median, 1: max); null for no values.</summary>
    public static double? Percentile(IReadOnlyList<double> values, double fraction)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (values.Count == 0)
        {
            return null;
        }

        var sorted = new List<double>(values);
        sorted.Sort();
        int rank = (int)Math.Ceiling(fraction * sorted.Count);
        return sorted[Math.Clamp(rank - 1, 0, sorted.Count - 1)];
    }
}
