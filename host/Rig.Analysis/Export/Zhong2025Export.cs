using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Rig.Recording.Sessions;
using Rig.Experiment.Tasks;

namespace Rig.Analysis.Export;

/// <summary>What went into one session's beh dict, and what was left out (never silently: these counts are reported).</summary>
/// <param name="IncompleteTrialsLeftOut">Trials the session ended in before their end (at most the last one): not in ntrials, their frames are outside trials.</param>
/// <param name="LicksOutsideTrialsLeftOut">Licks before the first trial, after the last complete one, or in a left-out trial.</param>
/// <param name="FramesFilled">Frame numbers missing from frame_positions.csv, written as outside any trial with NaN time.</param>
/// <param name="PositionsClamped">Frame positions at (or, by rounding, just under) the corridor length, written as the largest value below it so floor(ft_PosCum/60) == ft_trInd holds.</param>
/// <param name="EstimatedHostTimes">Times without a host time, mapped from device time by the session's other rows.</param>
public sealed record Zhong2025SessionCounts(int Trials, int IncompleteTrialsLeftOut, int Licks, int LicksOutsideTrialsLeftOut, long Frames,
    long FramesFilled, int PositionsClamped, int EstimatedHostTimes, int Rewards);

/// <summary>One exported session.</summary>
public sealed record Zhong2025Session(string Key, string ExperimentType, string Mouse, DateOnly Date, int Block, string Folder,
    PyDict Beh, Zhong2025SessionCounts Counts)
{
    /// <summary>The file it went into (Beh_&lt;Group&gt;.npy): its experiment type unless the export was grouped otherwise.</summary>
    public string Group { get; init; } = ExperimentType;
}

/// <summary>What an export wrote.</summary>
public sealed record Zhong2025Result(IReadOnlyList<string> Files, IReadOnlyList<Zhong2025Session> Sessions);

/// <summary>
/// The zhong2025 export (../shared/PARADIGMS.md; docs/export.md): one Beh_&lt;experiment type&gt;.npy per experiment type holding
/// a pickled dict {session_key: beh}, plus Imaging_Exp_info.npy {exp_type: [{'mname','datexp','blk'}]}, written from C#.
/// Times are MATLAB datenum days (UTC), positions dm within the corridor, frames 0-based imaging frames.
/// </summary>
public static class Zhong2025Export
{
    public const string InfoFileName = "Imaging_Exp_info.npy";
    public const string PassiveMode = "Passive";
    public const string ActiveAfterCueMode = "Active after cue";

    /// <summary>The analysis code's stimulus ids (stim_id); any other wall is NaN.</summary>
    public static readonly IReadOnlyDictionary<string, double> StimulusIds = new Dictionary<string, double>(StringComparer.Ordinal)
    {
        ["circle1"] = 0, ["circle2"] = 1, ["leaf1"] = 2, ["leaf2"] = 3, ["leaf3"] = 4, ["leaf1_swap1"] = 5, ["leaf1_swap2"] = 6,
    };

    public static string BehFileName(string experimentType) => $"Beh_{experimentType}.npy";

    /// <summary>The zhong2025 Reward_Mode of a task reward mode: the reward-zone task exports as 'Active after cue' (its window ends at the grey space too).</summary>
    public static string RewardModeOf(string taskRewardMode) => taskRewardMode switch
    {
        BehaviourMetricsCalculator.Passive => PassiveMode,
        BehaviourMetricsCalculator.ActiveAfterCue or BehaviourMetricsCalculator.RewardZone => ActiveAfterCueMode,
        _ => throw new ExportInputException(
            $"reward mode '{taskRewardMode}' has no zhong2025 Reward_Mode (expected '{BehaviourMetricsCalculator.Passive}', '{BehaviourMetricsCalculator.ActiveAfterCue}' or '{BehaviourMetricsCalculator.RewardZone}')"),
    };

    /// <summary>
    /// Exports <paramref name="sessionFolders"/> into <paramref name="outputFolder"/> (created if missing), one Beh file per
    /// group of <paramref name="grouping"/> (default: per experiment type); writes nothing if any file exists.
    /// </summary>
    public static Zhong2025Result Write(IEnumerable<string> sessionFolders, string outputFolder, IProgress<string>? progress = null,
        ExportGrouping? grouping = null)
    {
        ArgumentNullException.ThrowIfNull(sessionFolders);
        grouping ??= ExportGrouping.ByExperimentType;
        var sessions = new List<Zhong2025Session>();
        foreach (string folder in sessionFolders)
        {
            progress?.Report($"reading {folder}");
            var built = Build(ExportSession.Load(folder));
            var session = built with { Group = grouping.GroupOf(built.Mouse, built.ExperimentType) };
            progress?.Report($"{session.Key}: {session.Counts.Trials} trials, {session.Counts.Licks} licks, {session.Counts.Frames} frames");
            sessions.Add(session);
        }

        if (sessions.Count == 0)
        {
            throw new ExportInputException("no session to export");
        }

        foreach (var clash in sessions.GroupBy(s => (s.Group, s.Key)).Where(g => g.Count() > 1))
        {
            throw new ExportInputException(
                $"session key '{clash.Key.Key}' (group {clash.Key.Group}) comes from more than one folder: {string.Join(", ", clash.Select(s => s.Folder))}; give each session its own block number (rig demo/run --block)");
        }

        // Mouse-major, then day, then block: the order the analysis code iterates in.
        var ordered = sessions.OrderBy(s => s.Group, StringComparer.Ordinal).ThenBy(s => s.Mouse, StringComparer.Ordinal)
            .ThenBy(s => s.Date).ThenBy(s => s.Block).ToList();
        var byType = ordered.GroupBy(s => s.Group).ToList();
        outputFolder = Path.GetFullPath(outputFolder);
        var files = byType.Select(g => Path.Combine(outputFolder, BehFileName(g.Key))).Append(Path.Combine(outputFolder, InfoFileName)).ToList();
        foreach (string file in files.Where(File.Exists))
        {
            throw new ExportOutputExistsException($"'{file}' exists already; exports never write over earlier files: choose another --out");
        }

        Directory.CreateDirectory(outputFolder);
        var info = new PyDict();
        foreach (var group in byType)
        {
            var beh = new PyDict();
            var list = new List<object>();
            foreach (var s in group)
            {
                beh.Add(s.Key, s.Beh);
                var entry = new PyDict();
                entry.Add("mname", s.Mouse);
                entry.Add("datexp", s.Date.ToString("yyyy_MM_dd", System.Globalization.CultureInfo.InvariantCulture));
                entry.Add("blk", s.Block.ToString(System.Globalization.CultureInfo.InvariantCulture));
                list.Add(entry);
            }

            string path = Path.Combine(outputFolder, BehFileName(group.Key));
            progress?.Report($"writing {path} ({group.Count()} sessions)");
            NpyFile.WriteObject(path, beh);
            info.Add(group.Key, list);
        }

        NpyFile.WriteObject(Path.Combine(outputFolder, InfoFileName), info);
        return new Zhong2025Result(files, ordered);
    }

    /// <summary>Builds the beh dict of one session (every field of PARADIGMS.md, in its dtype and unit).</summary>
    public static Zhong2025Session Build(ExportSession session)
    {
        ArgumentNullException.ThrowIfNull(session);
        var info = session.Info;
        string where = Path.Combine(session.Folder, SessionFolder.DerivedFolderName);
        if (info.ExperimentType.Length == 0 || info.ExperimentType.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '_' or '-')))
        {
            throw new ExportInputException($"{where}/{TaskSessionTables.InfoFile}: experiment_type '{info.ExperimentType}' must be letters, digits, _ or - (it names the file Beh_<type>.npy)");
        }

        if (info.Mouse.Length == 0 || info.Mouse.Contains('/', StringComparison.Ordinal))
        {
            throw new ExportInputException($"{where}/{TaskSessionTables.InfoFile}: mouse '{info.Mouse}' cannot name a session key");
        }

        string rewardMode = RewardModeOf(info.RewardMode);
        double corridor = info.CorridorLengthDm, texture = info.TextureLengthDm;

        // Trials: numbered 0.. in order; only the last may be incomplete (the session ended in it), and it is left out.
        var all = session.Tables.Trials.OrderBy(t => t.Trial).ToList();
        for (int i = 0; i < all.Count; i++)
        {
            if (all[i].Trial != i)
            {
                throw new ExportInputException($"{where}/{TaskSessionTables.TrialsFile}: trial numbers must run 0, 1, 2, ... but row {i + 1} is trial {all[i].Trial}");
            }

            if (all[i].EndDeviceMicros is null && i != all.Count - 1)
            {
                throw new ExportInputException($"{where}/{TaskSessionTables.TrialsFile}: trial {i} has no end but later trials do");
            }
        }

        var trials = all.Where(t => t.EndDeviceMicros is not null).ToList();
        int n = trials.Count;
        if (n == 0)
        {
            throw new ExportInputException($"{where}/{TaskSessionTables.TrialsFile}: no complete trial, nothing to export");
        }

        // Frames, indexed by frame number; gaps filled (counted), duplicates refused.
        var frameRows = session.Tables.Frames.OrderBy(f => f.Frame).ToList();
        long frameCount = frameRows.Count == 0 ? 0 : frameRows[^1].Frame + 1;
        if (frameRows.Count > 0 && frameRows[0].Frame < 0)
        {
            throw new ExportInputException($"{where}/{TaskSessionTables.FramesFile}: negative frame number {frameRows[0].Frame}");
        }

        var byFrame = new FramePositionRow?[frameCount];
        foreach (var f in frameRows)
        {
            if (byFrame[f.Frame] is not null)
            {
                throw new ExportInputException($"{where}/{TaskSessionTables.FramesFile}: frame {f.Frame} appears twice");
            }

            byFrame[f.Frame] = f;
        }

        var locator = new FrameLocator(frameRows);
        double Day(long? host, ulong device) => session.Datenum(session.HostNanos(host, device));
        double DayOrNaN(long? host, ulong? device) => device is { } d ? Day(host, d) : double.NaN;
        double Nan(double? value) => value ?? double.NaN;

        var walls = trials.Select(t => t.Wall).ToArray();
        var uniq = walls.Distinct().OrderBy(w => w, StringComparer.Ordinal).ToArray(); // == np.unique: sorted by code point
        var beh = new PyDict();
        beh.Add("ntrials", n);
        beh.Add("Corridor_Length", corridor);
        beh.Add("Reward_Mode", rewardMode);
        beh.Add("Reward_Delay_ms", info.RewardDelayMs);
        beh.Add("UniqWalls", NpArray.OfStrings(uniq));
        beh.Add("stim_id", NpArray.OfDoubles(uniq.Select(w => StimulusIds.TryGetValue(w, out double id) ? id : double.NaN).ToArray()));
        beh.Add("WallName", NpArray.OfStrings(walls));
        var stim = new PyDict();
        foreach (string wall in uniq)
        {
            stim.Add(wall, NpArray.OfBools(walls.Select(w => w == wall).ToArray()));
        }

        beh.Add("StimTrial", stim);
        beh.Add("isRew", NpArray.OfBools(trials.Select(t => t.RewardDeviceMicros is not null).ToArray()));
        beh.Add("WallType", NpArray.OfLongs(walls.Select(w => (long)Array.IndexOf(uniq, w)).ToArray()));
        beh.Add("Trial_start_time", NpArray.OfDoubles(trials.Select(t => Day(t.StartHostNanos, t.StartDeviceMicros)).ToArray()));
        beh.Add("Gray_space_time", NpArray.OfDoubles(trials.Select(t => DayOrNaN(t.GrayHostNanos, t.GrayDeviceMicros)).ToArray()));
        beh.Add("SoundTime", NpArray.OfDoubles(trials.Select(t => DayOrNaN(t.CueHostNanos, t.CueDeviceMicros)).ToArray()));
        beh.Add("RewTime", NpArray.OfDoubles(trials.Select(t => DayOrNaN(t.RewardHostNanos, t.RewardDeviceMicros)).ToArray()));
        beh.Add("SoundPos", NpArray.OfDoubles(trials.Select(t => t.CueDeviceMicros is null ? double.NaN : Nan(t.CuePositionDm)).ToArray()));
        beh.Add("RewPos", NpArray.OfDoubles(trials.Select(t => t.RewardDeviceMicros is null ? double.NaN : Nan(t.RewardPositionDm)).ToArray()));
        beh.Add("SoundDelPos", NpArray.OfDoubles(trials.Select(t => SoundDelayPosition(t, info.RewardDelayMs, frameRows)).ToArray()));
        beh.Add("SoundFr", NpArray.OfDoubles(trials.Select(t => t.CueDeviceMicros is null ? double.NaN : Nan(t.CueFrame)).ToArray()));

        // Licks inside the exported trials, time-sorted.
        var licks = session.Tables.Licks.Where(l => l.Trial >= 0 && l.Trial < n).OrderBy(l => l.DeviceMicros).ToList();
        int licksLeftOut = session.Tables.Licks.Count - licks.Count;
        beh.Add("LickTime", NpArray.OfDoubles(licks.Select(l => Day(l.HostNanos, l.DeviceMicros)).ToArray()));
        beh.Add("LickPos", NpArray.OfDoubles(licks.Select(l => l.PositionDm).ToArray()));
        beh.Add("LickTrind", NpArray.OfLongs(licks.Select(l => (long)l.Trial).ToArray()));
        beh.Add("LickFr", NpArray.OfDoubles(licks.Select(l => Nan(l.Frame)).ToArray()));

        // Per imaging frame.
        var ft = new double[frameCount];
        var trInd = new double[frameCount];
        var pos = new double[frameCount];
        var posCum = new double[frameCount];
        var move = new double[frameCount];
        var corr = new bool[frameCount];
        var gray = new bool[frameCount];
        var wallId = new string[frameCount];
        var speed = new double[frameCount];
        long filled = 0;
        int clamped = 0;
        for (long i = 0; i < frameCount; i++)
        {
            var f = byFrame[i];
            if (f is null)
            {
                filled++;
                (ft[i], trInd[i], pos[i], posCum[i], speed[i], wallId[i]) = (double.NaN, double.NaN, double.NaN, double.NaN, double.NaN, "");
            }
            else
            {
                ft[i] = Day(f.HostNanos, f.DeviceMicros);
                speed[i] = f.SpeedCmPerSecond;
                bool inTrial = f.Trial >= 0 && f.Trial < n && !double.IsNaN(f.PositionDm);
                if (inTrial)
                {
                    // The file must hold floor(ft_PosCum / L) == ft_trInd in floating point, and ft_Pos, ft_CorrSpc and
                    // ft_GraySpc must agree with ft_PosCum - L * ft_trInd, so the position is taken back from the sum.
                    double cum = (corridor * f.Trial) + Math.Max(0, f.PositionDm);
                    if (Math.Floor(cum / corridor) > f.Trial)
                    {
                        clamped++;
                        cum = corridor * (f.Trial + 1);
                        while (Math.Floor(cum / corridor) > f.Trial)
                        {
                            cum = Math.BitDecrement(cum);
                        }
                    }

                    double p = cum - (corridor * f.Trial);
                    trInd[i] = f.Trial;
                    pos[i] = p;
                    posCum[i] = cum;
                    corr[i] = p < texture;
                    gray[i] = p >= texture && p < corridor;
                    wallId[i] = walls[f.Trial];
                }
                else
                {
                    (trInd[i], pos[i], posCum[i], wallId[i]) = (double.NaN, double.NaN, double.NaN, "");
                }
            }

            move[i] = i > 0 && double.IsFinite(posCum[i]) && double.IsFinite(posCum[i - 1]) ? posCum[i] - posCum[i - 1] : 0;
        }

        beh.Add("ft_trInd", NpArray.OfDoubles(trInd));
        beh.Add("ft_PosCum", NpArray.OfDoubles(posCum));
        beh.Add("ft_move", NpArray.OfDoubles(move));
        beh.Add("ft_CorrSpc", NpArray.OfBools(corr));
        beh.Add("ft_GraySpc", NpArray.OfBools(gray));
        beh.Add("ft_WallID", NpArray.OfStrings(wallId));

        // Parity extras.
        beh.Add("ft", NpArray.OfDoubles(ft));
        beh.Add("ft_Pos", NpArray.OfDoubles(pos));
        beh.Add("ft_RunSpeed", NpArray.OfDoubles(speed));
        beh.Add("StartFr", NpArray.OfDoubles(trials.Select(t => locator.Locate(t.StartDeviceMicros)).ToArray()));
        beh.Add("GrayFr", NpArray.OfDoubles(trials.Select(t => locator.Locate(t.GrayDeviceMicros)).ToArray()));
        beh.Add("EndFr", NpArray.OfDoubles(trials.Select(t => locator.Locate(t.EndDeviceMicros)).ToArray()));
        beh.Add("RewardFr", NpArray.OfDoubles(trials.Select(t => locator.Locate(t.RewardDeviceMicros)).ToArray()));
        beh.Add("Trial_end_time", NpArray.OfDoubles(trials.Select(t => DayOrNaN(t.EndHostNanos, t.EndDeviceMicros)).ToArray()));
        beh.Add("Texture_Length", texture);
        beh.Add("Gray_Space_length", info.GrayLengthDm);
        // The rate frame windows are read with: the rig's setting, else the frame clock's (NaN for a session that recorded neither).
        beh.Add("Frame_Rate_Hz", info.ImagingFrameRateHz ?? info.MeasuredFrameRateHz ?? double.NaN);

        var counts = new Zhong2025SessionCounts(n, all.Count - n, licks.Count, licksLeftOut, frameCount, filled, clamped,
            session.EstimatedHostTimes, trials.Count(t => t.RewardDeviceMicros is not null));
        return new Zhong2025Session(session.Key, info.ExperimentType, info.Mouse, info.SessionDate, info.Block, session.Folder, beh, counts);
    }

    /// <summary>
    /// SoundDelPos: where the mouse was when the reward delay after the cue ran out (cue + Reward_Delay_ms), interpolated
    /// between the trial's frames; NaN without a cue, without frames around that time, or when that time is past the trial.
    /// </summary>
    private static double SoundDelayPosition(TrialRow trial, double rewardDelayMs, List<FramePositionRow> frames)
    {
        if (trial.CueDeviceMicros is not { } cue)
        {
            return double.NaN;
        }

        double at = cue + (rewardDelayMs * 1000.0);
        FramePositionRow? before = null;
        foreach (var f in frames)
        {
            if (f.Trial != trial.Trial || double.IsNaN(f.PositionDm))
            {
                continue;
            }

            if (f.DeviceMicros <= at)
            {
                before = f;
            }
            else
            {
                if (before is null)
                {
                    return double.NaN;
                }

                double fraction = (at - before.DeviceMicros) / (f.DeviceMicros - (double)before.DeviceMicros);
                return before.PositionDm + (fraction * (f.PositionDm - before.PositionDm));
            }
        }

        return double.NaN;
    }

    /// <summary>Device time to a fractional 0-based frame (frame + fraction within it), from the frame edges of frame_positions.csv.</summary>
    internal sealed class FrameLocator
    {
        // A gap this many periods long is a stop between acquisitions (FrameTimelineOptions.RestartGapPeriods).
        private const double RestartGapPeriods = 5;
        private readonly ulong[] _edges;
        private readonly long[] _frames;
        private readonly double _period;

        public FrameLocator(List<FramePositionRow> frames)
        {
            _edges = frames.Select(f => f.DeviceMicros).ToArray();
            _frames = frames.Select(f => f.Frame).ToArray();
            var gaps = new List<double>();
            for (int i = 1; i < _edges.Length; i++)
            {
                if (_frames[i] == _frames[i - 1] + 1 && _edges[i] > _edges[i - 1])
                {
                    gaps.Add(_edges[i] - (double)_edges[i - 1]);
                }
            }

            gaps.Sort();
            _period = gaps.Count == 0 ? double.NaN : gaps[gaps.Count / 2];
        }

        public double Locate(ulong? deviceMicros)
        {
            if (deviceMicros is not { } t || _edges.Length == 0)
            {
                return double.NaN;
            }

            int i = Array.BinarySearch(_edges, t);
            i = i >= 0 ? i : ~i - 1;
            if (i < 0)
            {
                return double.NaN;
            }

            double since = t - (double)_edges[i];
            bool next = i + 1 < _edges.Length && _frames[i + 1] == _frames[i] + 1
                && _edges[i + 1] - (double)_edges[i] < RestartGapPeriods * _period;
            if (next)
            {
                return _frames[i] + (since / (_edges[i + 1] - (double)_edges[i]));
            }

            // The last frame of an acquisition spans one period.
            return since < _period ? _frames[i] + (since / _period) : double.NaN;
        }
    }
}
