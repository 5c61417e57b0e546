using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using Rig.Recording.Decoding;
using Rig.Protocol;
using Rig.Recording.Sessions;
using Rig.Recording.Sync;

namespace Rig.Experiment.Alignment;

/// <summary>What the alignment tables hold.</summary>
/// <param name="Folder">Where they were written (empty while they are only in memory).</param>
/// <param name="Vr">The session's VR frames, or null when it recorded none (and no photodiode edge).</param>
public sealed record AlignmentSummary(string Folder, long Events, long Frames, int Acquisitions, int InferredFrameEdges, int DroppedFrameEdges,
    long EventsWithHostTime, long EventsInFrames, VrFrameSummary? Vr = null);

/// <summary>One device event with its host time (and uncertainty) and its imaging frame (and the fraction within it).</summary>
/// <param name="HostNanos">Host monotonic ns through the boot's clock map, whole ns; null where the boot has no map.</param>
/// <param name="HostUncertaintyMicros">The clock map's uncertainty there, to 0.1 µs.</param>
/// <param name="FrameFraction">Position within the frame, 0 at its edge, to 4 decimals.</param>
/// <param name="VrFrame">The VR frame on screen at the event (<see cref="VrScreenTimeline"/>); null before the first or without a photodiode.</param>
/// <param name="VrFrameUncertaintyMicros">How far from the event the screen may have changed unseen, µs (<see cref="VrScreenTimeline"/>).</param>
public sealed record AlignedEventRow(uint BootId, ulong Seq, EventKind Kind, byte Channel, long Value, ulong DeviceMicros, long? HostNanos,
    double? HostUncertaintyMicros, long? Frame, double? FrameFraction, long? VrFrame = null, double? VrFrameUncertaintyMicros = null);

/// <summary>One imaging frame with the behaviour latched in it: lick onsets and a valve opening from its edge to the next, the wheel count at its edge and the movement since the previous edge.</summary>
/// <param name="EncoderCount">The latest wheel sample at or before the edge; null before the first sample.</param>
/// <param name="VrFrame">The VR frame on screen at the edge (as <see cref="AlignedEventRow.VrFrame"/>).</param>
public sealed record FrameRow(uint BootId, long Frame, int Acquisition, ulong DeviceMicros, long? HostNanos, int Licks, long? EncoderCount,
    long MovementCounts, bool Reward, long? VrFrame = null);

/// <summary>The alignment tables of a session.</summary>
/// <param name="Events">Every event, in boot order then device time. From <see cref="SessionAlignment.Build"/> the rows are made as
/// they are enumerated (a session holds about 1,000 events a second; materialized rows would double the derivation's memory),
/// the same rows each time.</param>
/// <param name="VrFrames">Every rendered VR frame (vr_frames.csv), in arrival order.</param>
public sealed record AlignmentTables(IEnumerable<AlignedEventRow> Events, IReadOnlyList<FrameRow> Frames, AlignmentSummary Summary,
    IReadOnlyList<VrFrameRow> VrFrames)
{
    public const string VrFramesFile = VrFrameCollector.FileName;

    public const string EventsFile = "aligned_events.csv";
    public const string FramesFile = "frames.csv";

    private static readonly CultureInfo C = CultureInfo.InvariantCulture;

    // Built once: reading a table names a kind per row.
    private static readonly Dictionary<string, EventKind> KindsByName = Enumerable.Range(1, EventKinds.Count)
        .ToDictionary(k => EventKinds.Name((EventKind)k), k => (EventKind)k, StringComparer.Ordinal);

    public static CsvTable<AlignedEventRow> EventsTable { get; } = new(EventsFile,
    [
        new("boot_id", e => CsvCell.Of(e.BootId)), new("seq", e => CsvCell.Of(e.Seq)), new("kind", e => EventKinds.Name(e.Kind)),
        new("channel", e => CsvCell.Of(e.Channel)), new("value", e => CsvCell.Of(e.Value)), new("device_us", e => CsvCell.Of(e.DeviceMicros)),
        new("host_ns", e => CsvCell.Of(e.HostNanos)), new("host_uncertainty_us", e => e.HostUncertaintyMicros?.ToString("0.0", C) ?? ""),
        new("frame", e => CsvCell.Of(e.Frame)), new("frame_fraction", e => e.FrameFraction?.ToString("0.0000", C) ?? ""),
        new("vr_frame", e => CsvCell.Of(e.VrFrame)), new("vr_frame_uncertainty_us", e => e.VrFrameUncertaintyMicros?.ToString("0.0", C) ?? ""),
    ], r => new AlignedEventRow(r.UInt("boot_id"), r.ULong("seq"), KindNamed(r, "kind"), checked((byte)r.Int("channel")), r.Long("value"),
        r.ULong("device_us"), r.LongOrNull("host_ns"), r.DoubleOrNull("host_uncertainty_us"), r.LongOrNull("frame"), r.DoubleOrNull("frame_fraction"),
        r.LongOrNull("vr_frame"), r.DoubleOrNull("vr_frame_uncertainty_us")));

    public static CsvTable<FrameRow> FramesTable { get; } = new(FramesFile,
    [
        new("boot_id", f => CsvCell.Of(f.BootId)), new("frame", f => CsvCell.Of(f.Frame)), new("acquisition", f => CsvCell.Of(f.Acquisition)),
        new("device_us", f => CsvCell.Of(f.DeviceMicros)), new("host_ns", f => CsvCell.Of(f.HostNanos)), new("licks", f => CsvCell.Of(f.Licks)),
        new("encoder_count", f => CsvCell.Of(f.EncoderCount)), new("movement_counts", f => CsvCell.Of(f.MovementCounts)),
        new("reward", f => CsvCell.Of(f.Reward)), new("vr_frame", f => CsvCell.Of(f.VrFrame)),
    ], r => new FrameRow(r.UInt("boot_id"), r.Long("frame"), r.Int("acquisition"), r.ULong("device_us"), r.LongOrNull("host_ns"), r.Int("licks"),
        r.LongOrNull("encoder_count"), r.Long("movement_counts"), r.Bool("reward"), r.LongOrNull("vr_frame")));

    /// <summary>Writes the three tables into <paramref name="folder"/>; existing files are never overwritten.</summary>
    public void Write(string folder)
    {
        Counted(folder);
    }

    /// <summary>The event kind a table names (<see cref="EventKinds.Name"/>), or null for a name no kind has.</summary>
    public static EventKind? KindNamed(string name) => KindsByName.TryGetValue(name, out var kind) ? kind : null;

    /// <summary>
    /// Writes both tables into <paramref name="folder"/> and returns them with the summary counted from the rows as they were
    /// written (events, with a host time, in an imaging frame), so the rows are made once.
    /// </summary>
    internal AlignmentTables Counted(string folder)
    {
        long events = 0, withHost = 0, inFrames = 0;
        EventsTable.Write(folder, Events.Select(e =>
        {
            events++;
            withHost += e.HostNanos is null ? 0 : 1;
            inFrames += e.Frame is null ? 0 : 1;
            return e;
        }));
        FramesTable.Write(folder, Frames);
        VrFrameCollector.Table.Write(folder, VrFrames);
        return this with { Summary = Summary with { Folder = folder, Events = events, EventsWithHostTime = withHost, EventsInFrames = inFrames } };
    }

    private static EventKind KindNamed(CsvRow row, string column) =>
        KindNamed(row.Text(column)) ?? throw row.Bad(column, "an event kind (lick, encoder, frame, valve, ttl, photodiode, tone, sync_out)");
}

/// <summary>
/// Builds the alignment tables from the events of the replay pass: every event with its host time and imaging frame, and
/// one row per imaging frame with the behaviour latched in it. Frames and events share the device clock, so frame
/// assignment needs no clock map; the frames are the ones the decoder's live alignment numbered, and host times come from
/// the boot's clock map, read once the pass is over: the values the live alignment settles on (docs/sync.md).
/// </summary>
public sealed class SessionAlignment : IEventSink, IVrFrameSink
{
    private static readonly CultureInfo C = CultureInfo.InvariantCulture;
    private readonly Dictionary<uint, List<(ulong Seq, EventRecord Record)>> _byBoot = [];
    private readonly VrFrameCollector _vr = new();

    public void OnVrFrame(VrFrameOutcome frame) => _vr.OnVrFrame(frame);

    public void OnEvents(uint bootId, ulong firstEventSeq, ReadOnlySpan<EventRecord> records, long hostNanos)
    {
        if (!_byBoot.TryGetValue(bootId, out var list))
        {
            list = [];
            _byBoot[bootId] = list;
        }

        for (int i = 0; i < records.Length; i++)
        {
            list.Add((firstEventSeq + (ulong)i, records[i]));
        }
    }

    /// <summary>The tables in memory, once the pass is over; <paramref name="decoder"/> is the pass's decoder (for the clock maps).</summary>
    public AlignmentTables Build(SessionDecoder decoder)
    {
        var tables = Prepare(decoder);
        long withHost = 0, inFrames = 0;
        foreach (var e in tables.Events)
        {
            withHost += e.HostNanos is null ? 0 : 1;
            inFrames += e.Frame is null ? 0 : 1;
        }

        return tables with { Summary = tables.Summary with { EventsWithHostTime = withHost, EventsInFrames = inFrames } };
    }

    /// <summary>Writes the tables into <paramref name="folder"/> once the pass is over, counting the summary as the rows are written.</summary>
    public AlignmentTables Write(SessionDecoder decoder, string folder) => Prepare(decoder).Counted(folder);

    // Sorts each boot's events and builds its frame timeline and frame rows; the event rows are made when enumerated.
    private AlignmentTables Prepare(SessionDecoder decoder)
    {
        ArgumentNullException.ThrowIfNull(decoder);
        decoder.FinishAlignment();
        var (vrRows, screen, vrSummary) = _vr.Build(decoder);
        var boots = new List<(uint Boot, List<(ulong Seq, EventRecord Record)> Events, ClockMap? Clock, FrameTimeline Timeline)>();
        var frames = new List<FrameRow>();
        long events = 0;
        int acquisitions = 0, inferred = 0, dropped = 0;
        foreach (var (boot, list) in _byBoot)
        {
            list.Sort((a, b) => a.Record.DeviceMicros.CompareTo(b.Record.DeviceMicros));
            var clock = decoder.ClockOf(boot);
            // The frames as the live alignment numbered them, edge by edge in the device's order: the same numbers live and here.
            var numbering = decoder.Alignment.FramesOf(boot);
            var timeline = numbering is null ? FrameTimeline.Build([]) : new FrameTimeline(numbering);
            acquisitions += timeline.Acquisitions.Count;
            inferred += timeline.InferredEdges;
            dropped += timeline.DroppedEdges;
            events += list.Count;
            boots.Add((boot, list, clock, timeline));
            AddFrames(frames, boot, list, timeline, clock, screen);
        }

        return new AlignmentTables(Rows(boots, screen), frames, new AlignmentSummary("", events, frames.Count, acquisitions, inferred, dropped, 0, 0, vrSummary),
            vrRows);
    }

    private static IEnumerable<AlignedEventRow> Rows(List<(uint Boot, List<(ulong Seq, EventRecord Record)> Events, ClockMap? Clock, FrameTimeline Timeline)> boots,
        VrScreenTimeline screen)
    {
        foreach (var (boot, list, clock, timeline) in boots)
        {
            foreach (var (seq, r) in list)
            {
                var host = clock?.ToHost(r.DeviceMicros);
                var frame = timeline.Locate(r.DeviceMicros);
                var vr = screen.At(boot, r.DeviceMicros);
                yield return new AlignedEventRow(boot, seq, r.Kind, r.Channel, r.Value, r.DeviceMicros, WholeNanos(host?.HostNanos),
                    Rounded(host?.UncertaintyMicros, "0.0"), frame?.Frame, Rounded(frame?.Fraction, "0.0000"), vr?.Frame, Rounded(vr?.UncertaintyMicros, "0.0"));
            }
        }
    }

    // One row per frame: what happened from its edge to the next (licks: onsets; reward: a valve opening), the wheel
    // count at its edge (the latest sample at or before it) and the movement since the previous frame's edge.
    private static void AddFrames(List<FrameRow> output, uint boot, List<(ulong Seq, EventRecord Record)> events, FrameTimeline timeline, ClockMap? clock,
        VrScreenTimeline screen)
    {
        var all = timeline.AllFrames().ToList();
        int e = 0;
        long encoder = 0;
        bool haveEncoder = false;
        long previousCount = 0;
        for (int i = 0; i < all.Count; i++)
        {
            var (frame, acquisition, edge) = all[i];
            // The last frame of an acquisition spans one period, exactly as FrameTimeline.Locate places events in it, so
            // the licks latched here are the licks the events table puts in this frame.
            double period = timeline.Acquisitions[acquisition].PeriodMicros;
            ulong end = i + 1 < all.Count && all[i + 1].Acquisition == acquisition ? all[i + 1].EdgeMicros
                : double.IsNaN(period) ? edge : (ulong)Math.Ceiling(edge + period);
            while (e < events.Count && events[e].Record.DeviceMicros <= edge)
            {
                if (events[e].Record.Kind == EventKind.Encoder)
                {
                    encoder = events[e].Record.Value;
                    haveEncoder = true;
                }

                e++;
            }

            int licks = 0;
            bool reward = false;
            for (int k = e; k < events.Count && events[k].Record.DeviceMicros < end; k++)
            {
                var r = events[k].Record;
                licks += r.Kind == EventKind.Lick && r.Value == 1 ? 1 : 0;
                reward |= r.Kind == EventKind.Valve && r.Value > 0;
            }

            long movement = i == 0 || all[i - 1].Acquisition != acquisition ? 0 : encoder - previousCount;
            previousCount = encoder;
            output.Add(new FrameRow(boot, frame, acquisition, edge, WholeNanos(clock?.ToHost(edge)?.HostNanos), licks, haveEncoder ? encoder : null,
                movement, reward, screen.At(boot, edge)?.Frame));
        }
    }

    // The tables have always printed host ns with the "0" format and the uncertainty and fraction to fixed decimals; rows
    // hold exactly the printed values, so a row read back from the file equals the row that was written.
    private static long? WholeNanos(double? nanos) => nanos is { } n ? long.Parse(n.ToString("0", C), NumberStyles.Integer, C) : null;

    private static double? Rounded(double? value, string format) => value is { } v ? double.Parse(v.ToString(format, C), NumberStyles.Float, C) : null;
}
