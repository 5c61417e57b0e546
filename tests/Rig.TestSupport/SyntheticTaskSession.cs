using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Rig.Experiment.Alignment;
using Rig.Recording.Sessions;
using Rig.Experiment.Tasks;

namespace Rig.TestSupport;

/// <summary>What a synthetic session looks like (defaults: a supervised leaf1/circle1 day, Active after cue).</summary>
public sealed record SyntheticSessionOptions
{
    public string Mouse { get; init; } = "VM01";

    public DateOnly Date { get; init; } = new(2026, 11, 2);

    public int Block { get; init; } = 1;

    public string Protocol { get; init; } = "supervised-leaf1-circle1";

    public string ExperimentType { get; init; } = "supervised";

    /// <summary>"Passive", "Active after cue" or "Reward zone".</summary>
    public string RewardMode { get; init; } = BehaviourMetricsCalculator.ActiveAfterCue;

    public double RewardDelayMs { get; init; } = 1000;

    /// <summary>Complete trials; with <see cref="EndMidTrial"/> one more is started and cut off.</summary>
    public int Trials { get; init; } = 30;

    public bool EndMidTrial { get; init; } = true;

    public IReadOnlyList<string> Walls { get; init; } = ["leaf1", "circle1"];

    /// <summary>The rewarded wall; null: nothing is rewarded (unsupervised exposure, no water at all).</summary>
    public string? RewardedWall { get; init; } = "leaf1";

    /// <summary>Chance that the mouse licks before the reward in the rewarded corridor (what learning raises).</summary>
    public double AnticipatoryProbability { get; init; } = 0.6;

    /// <summary>Chance of a lick bout in the texture of an unrewarded corridor.</summary>
    public double UnrewardedLickProbability { get; init; } = 0.2;

    public bool Imaging { get; init; } = true;

    /// <summary>Leaves the host time of the first cue empty, as a session with a gap in its clock map would.</summary>
    public bool DropFirstCueHostTime { get; init; }

    public int Seed { get; init; } = 1;

    /// <summary>session.json's subject (mouse, day, block and the optional facts an NWB export records); null writes none, as older sessions.</summary>
    public SessionSubject? Subject { get; init; }

    public double MicrolitersPerReward { get; init; } = 5;
}

/// <summary>
/// Writes a realistic session folder (session.json, derived/task.json, trials.csv, licks.csv, frame_positions.csv,
/// frames.csv, aligned_events.csv) from a simulated mouse in a run-gated 60 dm corridor: 60 cm/s while running, pauses,
/// a cue uniform in 5-35 dm, lick bouts at ~7 Hz, rewards by the protocol's mode, a 30 Hz scanner. Deterministic per
/// seed. Exports, reports and their checks run on these folders the same way as on a real `rig demo --protocol` session.
/// </summary>
public static class SyntheticTaskSession
{
    public const double CorridorDm = 60, TextureDm = 40, GrayDm = 20;
    public const ulong FramePeriodMicros = 33_333;
    private const ulong DeviceStartMicros = 5_000_000;
    private const long HostMonotonicStartNanos = 1_000_000_000_000;
    private const double VrSpeedDmPerMs = 0.006; // run-gated constant speed, 60 cm/s (PARADIGMS.md)

    // Licks land 300 µs into a millisecond and corridor events on the millisecond, so no lick is ever within a
    // datenum rounding step (~10 µs) of a window edge and recomputed fractions are exact.
    private const ulong LickOffsetMicros = 300;

    /// <summary>Writes the session into a new folder <paramref name="parent"/>/&lt;mouse&gt;-&lt;date&gt;-&lt;block&gt; and returns it.</summary>
    public static string Write(string parent, SyntheticSessionOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        string folder = Path.Combine(parent, $"{options.Mouse}-{options.Date:yyyyMMdd}-{options.Block}");
        var s = Simulate(options);
        var header = new SessionHeader("rig-session/1", $"{options.Mouse}-{options.Date:yyyyMMdd}-{options.Block}", "synthetic", 0xA1B2C3D4,
            "synthetic", new DateTimeOffset(options.Date.ToDateTime(new TimeOnly(9, 0)), TimeSpan.Zero).AddHours(options.Block),
            HostMonotonicStartNanos, new Dictionary<string, int>(), "none", "Rig.TestSupport synthetic session", options.Protocol, null, Subject: options.Subject);
        string derived = SessionFolder.Create(folder, header).DerivedPath;
        Directory.CreateDirectory(derived);

        var metrics = BehaviourMetricsCalculator.Compute(s.Trials, s.Licks, options.RewardMode, options.RewardDelayMs,
            options.MicrolitersPerReward, s.Frames);
        var info = new TaskSessionInfo(options.Protocol, options.ExperimentType, options.Mouse, options.Date, options.Block,
            options.RewardMode, options.RewardDelayMs, CorridorDm, TextureDm, GrayDm, metrics);
        new TaskSessionTables(info, s.Trials, s.Licks, s.Frames).Write(derived);
        WriteAlignment(derived, s);
        return folder;
    }

    private sealed record Simulated(List<TrialRow> Trials, List<LickRow> Licks, List<FramePositionRow> Frames, List<(ulong Micros, string Kind, int Value)> Valve);

    private static Simulated Simulate(SyntheticSessionOptions o)
    {
        var random = new Random(o.Seed);
        var trials = new List<TrialRow>();
        var licks = new List<LickRow>();
        var frames = new List<FramePositionRow>();
        var valve = new List<(ulong, string, int)>();
        ulong firstEdge = DeviceStartMicros + 17_000;
        ulong nextEdge = firstEdge;
        long frame = 0;
        long? Host(ulong device) => HostMonotonicStartNanos + 250_000_000 + (long)((device - DeviceStartMicros) * 1000.0 * (1 + 15e-6));
        double? FrameOf(ulong device) => o.Imaging && device >= firstEdge && device < nextEdge + FramePeriodMicros
            ? (device - firstEdge) / (double)FramePeriodMicros : null;

        int trial = -1;
        double pos = double.NaN;
        string wall = "";
        bool rewarded = false, running = true;
        ulong start = 0;
        ulong? gray = null, cue = null, reward = null;
        double? cuePos = null, rewardPos = null, zoneStart = null;
        double boutAtDm = double.NaN, pauseAtDm = double.NaN, grayBoutAtDm = double.NaN;
        long pauseUntilMs = 0;
        var pendingLicks = new Queue<long>(); // ms
        int completed = 0;
        bool stopping = false;

        void Bout(long atMs, int count)
        {
            long t = Math.Max(atMs, pendingLicks.Count > 0 ? pendingLicks.Last() + 120 : atMs);
            for (int i = 0; i < count; i++)
            {
                pendingLicks.Enqueue(t);
                t += 125 + random.Next(0, 36); // ~7 Hz
            }
        }

        void StartTrial(ulong now)
        {
            trial++;
            pos = trial == 0 ? 0 : Math.Max(0, pos - CorridorDm);
            wall = o.Walls[random.Next(o.Walls.Count)];
            rewarded = o.RewardedWall == wall;
            start = now;
            (gray, cue, reward, rewardPos) = (null, null, null, null);
            bool hasCue = o.RewardMode != BehaviourMetricsCalculator.RewardZone;
            cuePos = hasCue ? 5 + (30 * random.NextDouble()) : null;
            zoneStart = hasCue ? null : 20 + (10 * random.NextDouble());
            double anchor = cuePos ?? zoneStart!.Value;
            bool anticipate = random.NextDouble() < (rewarded ? o.AnticipatoryProbability : o.UnrewardedLickProbability);
            boutAtDm = !anticipate ? double.NaN
                : o.RewardMode == BehaviourMetricsCalculator.Passive ? Math.Max(1, anchor - 6 + (8 * random.NextDouble()))
                : Math.Clamp(anchor - 4 + (10 * random.NextDouble()), 1, 36);
            grayBoutAtDm = random.NextDouble() < 0.3 ? 44 + (12 * random.NextDouble()) : double.NaN;
            pauseAtDm = random.NextDouble() < 0.3 ? 60 * random.NextDouble() : double.NaN;
        }

        void EndTrial(ulong now, bool complete)
        {
            trials.Add(new TrialRow(trial, wall, rewarded, false, start, gray, complete ? now : null, cue, cuePos, reward, rewardPos, zoneStart,
                licks.Count(l => l.Trial == trial), Host(start), gray is { } g ? Host(g) : null, complete ? Host(now) : null,
                cue is { } c ? (o.DropFirstCueHostTime && trial == 0 ? null : Host(c)) : null, reward is { } r ? Host(r) : null,
                cue is { } c2 ? FrameOf(c2) : null));
        }

        // Licks before the first trial happen (a thirsty mouse); they are outside every trial.
        Bout(300, 2);
        for (long ms = 0; ; ms++)
        {
            ulong now = DeviceStartMicros + ((ulong)ms * 1000);
            if (ms == 2000)
            {
                StartTrial(now);
            }

            double speedCm = 0;
            if (trial >= 0 && !stopping)
            {
                if (!double.IsNaN(pauseAtDm) && pos >= pauseAtDm)
                {
                    pauseAtDm = double.NaN;
                    pauseUntilMs = ms + 1000 + random.Next(2000);
                }

                running = ms >= pauseUntilMs;
                if (running)
                {
                    pos += VrSpeedDmPerMs;
                    speedCm = 60 + (20 * random.NextDouble());
                }

                if (cuePos is { } cp && cue is null && pos >= cp)
                {
                    cue = now;
                    cuePos = pos;
                    valve.Add((now, "tone", 1));
                }

                if (o.RewardMode == BehaviourMetricsCalculator.Passive && rewarded && cue is { } c && reward is null
                    && now >= c + (ulong)(o.RewardDelayMs * 1000))
                {
                    reward = now;
                    rewardPos = pos;
                    valve.Add((now, "valve", 1));
                    Bout(ms + 150, 6 + random.Next(5));
                }

                if (!double.IsNaN(boutAtDm) && pos >= boutAtDm)
                {
                    boutAtDm = double.NaN;
                    Bout(ms, 3 + random.Next(5));
                }

                if (!double.IsNaN(grayBoutAtDm) && pos >= grayBoutAtDm)
                {
                    grayBoutAtDm = double.NaN;
                    Bout(ms, 2 + random.Next(3));
                }

                if (gray is null && pos >= TextureDm)
                {
                    gray = now;
                }
            }

            while (pendingLicks.Count > 0 && pendingLicks.Peek() <= ms)
            {
                pendingLicks.Dequeue();
                ulong at = now + LickOffsetMicros;
                bool inTrial = trial >= 0 && !stopping;
                licks.Add(new LickRow(at, Host(at), inTrial ? trial : -1, inTrial ? pos : double.NaN, FrameOf(at)));
                bool armed = inTrial && rewarded && reward is null && gray is null
                    && ((o.RewardMode == BehaviourMetricsCalculator.ActiveAfterCue && cue is not null)
                        || (o.RewardMode == BehaviourMetricsCalculator.RewardZone && pos >= zoneStart));
                if (armed)
                {
                    reward = at + 40; // the device opens the valve on the lick itself
                    rewardPos = pos;
                    valve.Add((reward.Value, "valve", 1));
                    Bout(ms + 150, 6 + random.Next(5));
                }
            }

            while (o.Imaging && nextEdge <= now)
            {
                bool inTrial = trial >= 0 && !stopping;
                frames.Add(new FramePositionRow(frame++, nextEdge, Host(nextEdge), inTrial ? trial : -1, inTrial ? wall : "",
                    inTrial ? pos : double.NaN, speedCm));
                nextEdge += FramePeriodMicros;
            }

            if (trial >= 0 && !stopping && pos >= CorridorDm)
            {
                EndTrial(now, complete: true);
                completed++;
                if (completed == o.Trials && !o.EndMidTrial)
                {
                    stopping = true;
                }
                else
                {
                    StartTrial(now);
                }
            }

            if (!stopping && completed == o.Trials && o.EndMidTrial && pos >= 25)
            {
                EndTrial(now, complete: false);
                stopping = true;
            }

            if (stopping && pendingLicks.Count == 0)
            {
                break;
            }
        }

        return new Simulated(trials, licks, frames, valve);
    }

    // derived/frames.csv and derived/aligned_events.csv as SessionAlignment writes them (one boot).
    private static void WriteAlignment(string derived, Simulated s)
    {
        const uint Boot = 0xA1B2C3D4;
        long Host(ulong device) => HostMonotonicStartNanos + 250_000_000 + (long)((device - DeviceStartMicros) * 1000.0 * (1 + 15e-6));
        var frames = new List<FrameRow>();
        long count = 0;
        for (int i = 0; i < s.Frames.Count; i++)
        {
            var f = s.Frames[i];
            ulong end = i + 1 < s.Frames.Count ? s.Frames[i + 1].DeviceMicros : f.DeviceMicros + FramePeriodMicros;
            int licks = s.Licks.Count(l => l.DeviceMicros >= f.DeviceMicros && l.DeviceMicros < end);
            bool reward = s.Valve.Any(v => v.Kind == "valve" && v.Micros >= f.DeviceMicros && v.Micros < end);
            long movement = (long)Math.Round(f.SpeedCmPerSecond * FramePeriodMicros / 1e6 * 10); // 10 counts per cm
            count += movement;
            frames.Add(new FrameRow(Boot, f.Frame, 0, f.DeviceMicros, f.HostNanos, licks, count, movement, reward));
        }

        var events = s.Licks.Select(l => (l.DeviceMicros, Kind: "lick", Value: 1))
            .Concat(s.Frames.Select(f => (f.DeviceMicros, Kind: "frame", Value: 1)))
            .Concat(s.Valve.Select(v => (v.Micros, v.Kind, v.Value)))
            .OrderBy(e => e.Item1).ToList();
        ulong first = s.Frames.Count > 0 ? s.Frames[0].DeviceMicros : ulong.MaxValue;
        var rows = new List<AlignedEventRow>();
        for (int i = 0; i < events.Count; i++)
        {
            var (micros, kind, value) = events[i];
            long? frame = null;
            double? fraction = null;
            if (micros >= first && s.Frames.Count > 0)
            {
                double f = (micros - first) / (double)FramePeriodMicros;
                frame = (long)Math.Floor(f);
                fraction = Math.Round(f - Math.Floor(f), 4);
            }

            rows.Add(new AlignedEventRow(Boot, (ulong)i, AlignmentTables.KindNamed(kind) ?? throw new InvalidOperationException("no event kind " + kind),
                0, value, micros, Host(micros), 12.0, frame, fraction));
        }

        new AlignmentTables(rows, frames, new AlignmentSummary(derived, rows.Count, frames.Count, 1, 0, 0, rows.Count, rows.Count(r => r.Frame is not null)), [])
            .Write(derived);
    }
}
