using System;
using System.Buffers;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json;
using Rig.Experiment.Tasks;
using Rig.Recording.Decoding;

namespace Rig.Renderer.Live;

/// <summary>The JSON the console's pages draw (docs/console.md, "What the pages read"). Missing or not-a-number values are null.</summary>
public static class ConsoleJson
{
    /// <summary>How much running speed the live page plots: the last two minutes of imaging frames. Our choice.</summary>
    public const double SpeedWindowSeconds = 120;

    /// <summary>At most this many speed points per redraw (a 30 Hz scanner gives 3,600 in the window). Our choice.</summary>
    public const int MaxSpeedPoints = 600;

    public static byte[] Fleet(IReadOnlyList<RigBoard> boards, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(boards);
        return Write(w =>
        {
            w.WriteStartObject();
            w.WriteString("now", now);
            w.WriteStartArray("rigs");
            foreach (var board in boards)
            {
                w.WriteStartObject();
                WriteRigFields(w, board.View(), now);
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteEndObject();
        });
    }

    public static byte[] Rig(RigBoard board, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(board);
        var view = board.View();
        return Write(w =>
        {
            w.WriteStartObject();
            w.WriteString("now", now);
            WriteRigFields(w, view, now);
            var counts = view.Counts;
            Number(w, "licks", counts?.Licks);
            Number(w, "rewards", counts?.Rewards?.Count ?? (counts is null ? null : 0));
            Number(w, "water_ul", counts?.Rewards?.TotalMicrolitres);
            Number(w, "frames", counts?.Alignment?.Frames);
            Number(w, "events", counts?.EventsTotal);
            if (counts is not null)
            {
                WriteSync(w, counts);
                WriteRecorder(w, counts);
                WriteVr(w, counts.Vr);
            }

            if (view.Latest?.Task is { } task)
            {
                w.WritePropertyName("task");
                WriteTask(w, task);
            }

            w.WriteEndObject();
        });
    }

    /// <summary>A recorded session's task tables for the sessions page: the same charts as the live page.</summary>
    public static byte[] Task(TaskSessionTables tables) => Write(w => WriteTask(w, tables));

    private static void WriteRigFields(Utf8JsonWriter w, RigBoardView view, DateTimeOffset now)
    {
        var counts = view.Counts;
        var latest = view.Latest;
        w.WriteString("rig", view.RigId);
        w.WriteString("state", view.State(now));
        w.WriteString("since", view.Since(now));
        Number(w, "since_seconds", (now - view.Since(now)).TotalSeconds);
        Number(w, "last_update_seconds", latest is null ? null : (now - latest.At).TotalSeconds);
        Number(w, "silent_seconds", (now - view.LastHeard).TotalSeconds);
        w.WriteString("firmware", counts?.LastStatus?.FirmwareVersion ?? (counts is { Boots.Count: > 0 } ? counts.Boots[^1].FirmwareVersion : null));
        w.WriteString("session", latest?.Session is { } folder ? Path.GetFileName(Path.TrimEndingDirectorySeparator(folder)) : null);
        w.WriteString("protocol", latest?.Protocol);
        Number(w, "trials", latest?.Task?.Trials.Count);
        Number(w, "events_per_second", view.EventsPerSecond);
        Number(w, "lost_batches", counts?.UnavailableBatches);
        Number(w, "missing_batches", counts?.MissingBatches);
        Number(w, "buffer_fill_seconds", BufferFillSeconds(counts));
        Number(w, "clock_residual_us", counts is { Boots.Count: > 0 } ? counts.Boots[^1].Clock.ResidualRmsMicros : null);
        Number(w, "frame_rate_hz", view.FramesPerSecond);
        Number(w, "vr_frames_dropped", counts?.Vr?.Dropped);
        w.WriteString("last_error", view.LastError);
        Number(w, "console_updates", view.UpdatesPosted);
        Number(w, "console_dropped", view.UpdatesDropped);
    }

    /// <summary>
    /// Seconds of events the device holds unacknowledged: its last status's unacknowledged batches times the session's mean
    /// seconds per batch. An estimate (batches close on size or age), shown to spot a rig whose buffer is filling.
    /// </summary>
    internal static double? BufferFillSeconds(SessionCounts? counts) =>
        counts is { LastStatus: { } status, BatchesReceived: > 0, HostSpanSeconds: > 0 }
            ? status.UnackedBatches * (counts.HostSpanSeconds / counts.BatchesReceived)
            : null;

    private static void WriteSync(Utf8JsonWriter w, SessionCounts counts)
    {
        var clock = counts.Boots.Count > 0 ? counts.Boots[^1].Clock : null;
        w.WriteStartObject("sync");
        Number(w, "exchanges", clock?.Exchanges);
        Number(w, "rejected", clock?.RejectedExchanges);
        Number(w, "residual_us", clock?.ResidualRmsMicros);
        Number(w, "rate_error_ppm", clock?.RateErrorPpm);
        Number(w, "aligned", counts.Alignment?.Aligned);
        Number(w, "settled", counts.Alignment?.Settled);
        Number(w, "late_frame_edges", counts.Alignment?.LateFrameEdges);
        w.WriteEndObject();
    }

    private static void WriteRecorder(Utf8JsonWriter w, SessionCounts counts)
    {
        w.WriteStartObject("recorder");
        Number(w, "batches_received", counts.BatchesReceived);
        Number(w, "duplicate_batches", counts.DuplicateBatches);
        Number(w, "resend_requests", counts.ResendRequests);
        Number(w, "resent_batches", counts.ResentBatches);
        Number(w, "unexplained_missing_events", counts.UnexplainedMissingEvents);
        Number(w, "device_lost_events", counts.DeviceLostEvents);
        Number(w, "commands_sent", counts.CommandsSent);
        Number(w, "commands_unacknowledged", counts.CommandsUnacknowledged);
        Counts(w, "malformed", counts.MalformedMessages);
        Counts(w, "suspicious", counts.SuspiciousMessages);
        w.WriteEndObject();
    }

    private static void WriteVr(Utf8JsonWriter w, VrFrameCounts? vr)
    {
        if (vr is null)
        {
            return;
        }

        w.WriteStartObject("vr");
        Number(w, "received", vr.FramesReceived);
        Number(w, "displayed", vr.Displayed);
        Number(w, "dropped", vr.Dropped);
        Number(w, "repeated", vr.Repeated);
        Number(w, "unexplained", vr.Unexplained);
        Number(w, "motion_to_photon_median_us", vr.MotionToPhotonMedianMicros);
        w.WriteEndObject();
    }

    private static void WriteTask(Utf8JsonWriter w, TaskSessionTables tables)
    {
        var metrics = tables.Info.Metrics;
        w.WriteStartObject();
        w.WriteString("protocol", tables.Info.Protocol);
        w.WriteString("reward_mode", tables.Info.RewardMode);
        Number(w, "corridor_length_dm", tables.Info.CorridorLengthDm);
        Number(w, "trials", tables.Trials.Count);
        Number(w, "licks", tables.Licks.Count);
        Number(w, "rewards", metrics.Rewards);
        Number(w, "water_ul", metrics.WaterMicroliters);
        Number(w, "mean_speed_cm_s", metrics.MeanRunningSpeedCmPerSecond);
        Number(w, "discrimination", metrics.Discrimination);
        Number(w, "anticipatory_difference", AnticipatoryDifference(metrics));
        w.WriteStartArray("corridors");
        var trialsByWall = tables.Trials.GroupBy(t => t.Wall).ToDictionary(g => g.Key, g => g.ToList(), StringComparer.Ordinal);
        foreach (var corridor in metrics.Corridors)
        {
            var trials = trialsByWall.GetValueOrDefault(corridor.Wall) ?? [];
            w.WriteStartObject();
            w.WriteString("wall", corridor.Wall);
            w.WriteBoolean("rewarded", corridor.Rewarded);
            Number(w, "trials", corridor.Trials);
            Number(w, "completed", corridor.CompletedTrials);
            Number(w, "anticipatory", corridor.AnticipatoryLickFraction);
            Number(w, "reward_zone", corridor.RewardZoneLickFraction);
            Number(w, "rewards", corridor.Rewards);
            // Outcomes by wall: a reward given, a completed trial without one, a trial still running.
            Number(w, "outcome_rewarded", trials.Count(t => t.RewardDeviceMicros is not null));
            Number(w, "outcome_unrewarded", trials.Count(t => t.RewardDeviceMicros is null && t.EndDeviceMicros is not null));
            Number(w, "outcome_running", trials.Count(t => t.EndDeviceMicros is null));
            WriteRaster(w, tables, trials);
            WriteFirstLicks(w, tables, trials);
            w.WriteEndObject();
        }

        w.WriteEndArray();
        WriteSpeed(w, tables.Frames);
        w.WriteEndObject();
    }

    /// <summary>
    /// Licks by position, one row per trial, rows sorted by the trial's cue position (then trial number), as the reference
    /// analysis draws the raster (../shared/PARADIGMS.md): <c>x</c> positions dm, <c>y</c> row; <c>cue</c> per row.
    /// </summary>
    private static void WriteRaster(Utf8JsonWriter w, TaskSessionTables tables, List<TrialRow> trials)
    {
        var rows = trials.OrderBy(t => t.CuePositionDm ?? double.MaxValue).ThenBy(t => t.Trial).ToList();
        var rowOf = new Dictionary<int, int>(rows.Count);
        for (int i = 0; i < rows.Count; i++)
        {
            rowOf[rows[i].Trial] = i;
        }

        w.WriteStartObject("raster");
        w.WriteStartArray("x");
        var ys = new List<int>();
        foreach (var lick in tables.Licks)
        {
            if (lick.Trial >= 0 && !double.IsNaN(lick.PositionDm) && rowOf.TryGetValue(lick.Trial, out int row))
            {
                w.WriteNumberValue(Math.Round(lick.PositionDm, 2));
                ys.Add(row);
            }
        }

        w.WriteEndArray();
        w.WriteStartArray("y");
        ys.ForEach(w.WriteNumberValue);
        w.WriteEndArray();
        w.WriteStartArray("cue");
        foreach (var t in rows)
        {
            NumberValue(w, t.CuePositionDm);
        }

        w.WriteEndArray();
        w.WriteStartArray("zone");
        foreach (var t in rows)
        {
            NumberValue(w, t.RewardZoneStartDm);
        }

        w.WriteEndArray();
        w.WriteEndObject();
    }

    /// <summary>Bins of the first-lick histogram: 1 dm each over 0-40 dm, the textured stretch, as `rig report` draws it.</summary>
    public const int FirstLickBins = 40;

    /// <summary>Where each trial's first lick fell: counts per 1 dm bin over 0-40 dm (later first licks are not binned).</summary>
    private static void WriteFirstLicks(Utf8JsonWriter w, TaskSessionTables tables, List<TrialRow> trials)
    {
        var inCorridor = trials.Select(t => t.Trial).ToHashSet();
        var first = new Dictionary<int, double>();
        foreach (var lick in tables.Licks)
        {
            if (inCorridor.Contains(lick.Trial) && !double.IsNaN(lick.PositionDm) && !first.ContainsKey(lick.Trial))
            {
                first[lick.Trial] = lick.PositionDm;
            }
        }

        var bins = new int[FirstLickBins];
        foreach (double position in first.Values)
        {
            if (position >= 0 && position < FirstLickBins)
            {
                bins[(int)position]++;
            }
        }

        w.WriteStartArray("first_lick");
        Array.ForEach(bins, w.WriteNumberValue);
        w.WriteEndArray();
    }

    private static void WriteSpeed(Utf8JsonWriter w, IReadOnlyList<FramePositionRow> frames)
    {
        w.WriteStartObject("speed");
        w.WriteStartArray("t");
        var values = new List<double>();
        if (frames.Count > 0)
        {
            ulong last = frames[^1].DeviceMicros;
            ulong windowMicros = (ulong)(SpeedWindowSeconds * 1e6);
            int first = frames.Count - 1;
            while (first > 0 && last - frames[first - 1].DeviceMicros <= windowMicros)
            {
                first--;
            }

            int step = Math.Max(1, (frames.Count - first + MaxSpeedPoints - 1) / MaxSpeedPoints);
            for (int i = first; i < frames.Count; i += step)
            {
                w.WriteNumberValue(Math.Round(-((last - frames[i].DeviceMicros) / 1e6), 3));
                values.Add(frames[i].SpeedCmPerSecond);
            }
        }

        w.WriteEndArray();
        w.WriteStartArray("v");
        values.ForEach(v => NumberValue(w, Math.Round(v, 2)));
        w.WriteEndArray();
        w.WriteEndObject();
    }

    /// <summary>Mean anticipatory-lick fraction of the rewarded corridors minus that of the unrewarded ones; NaN unless both exist.</summary>
    public static double AnticipatoryDifference(BehaviourMetrics metrics)
    {
        ArgumentNullException.ThrowIfNull(metrics);
        var rewarded = metrics.Corridors.Where(c => c.Rewarded && !double.IsNaN(c.AnticipatoryLickFraction)).Select(c => c.AnticipatoryLickFraction).ToList();
        var unrewarded = metrics.Corridors.Where(c => !c.Rewarded && !double.IsNaN(c.AnticipatoryLickFraction)).Select(c => c.AnticipatoryLickFraction).ToList();
        return rewarded.Count == 0 || unrewarded.Count == 0 ? double.NaN : rewarded.Average() - unrewarded.Average();
    }

    private static void Counts(Utf8JsonWriter w, string name, IReadOnlyDictionary<string, long> counts)
    {
        w.WriteStartObject(name);
        foreach (var (reason, count) in counts)
        {
            w.WriteNumber(reason, count);
        }

        w.WriteEndObject();
    }

    private static void Number(Utf8JsonWriter w, string name, double? value)
    {
        w.WritePropertyName(name);
        NumberValue(w, value);
    }

    private static void Number(Utf8JsonWriter w, string name, long? value)
    {
        if (value is { } v)
        {
            w.WriteNumber(name, v);
        }
        else
        {
            w.WriteNull(name);
        }
    }

    private static void NumberValue(Utf8JsonWriter w, double? value)
    {
        if (value is { } v && double.IsFinite(v))
        {
            w.WriteNumberValue(v);
        }
        else
        {
            w.WriteNullValue();
        }
    }

    private static byte[] Write(Action<Utf8JsonWriter> write)
    {
        var buffer = new ArrayBufferWriter<byte>(4096);
        using (var w = new Utf8JsonWriter(buffer))
        {
            write(w);
        }

        return buffer.WrittenSpan.ToArray();
    }
}
