using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using Rig.Protocol;
using Rig.Recording.Decoding;
using Rig.Recording.Journal;
using Rig.Recording.Sessions;

namespace Rig.TestSupport;

/// <summary>What the synthetic VR session draws and shows. Times in host ns unless named otherwise.</summary>
public sealed record SyntheticVrOptions
{
    public int Frames { get; init; } = 600;

    /// <summary>Renderer and display period (60 Hz).</summary>
    public long PeriodNanos { get; init; } = 16_666_667;

    /// <summary>Render (submit) to the photodiode seeing the frame, when the display keeps up: under two periods.</summary>
    public long DisplayLatencyNanos { get; init; } = 24_000_000;

    /// <summary>The encoder sample a scene was computed from, before the frame drawing it was submitted, µs.</summary>
    public long SceneAgeMicros { get; init; } = 5_000;

    /// <summary>Frames submitted but replaced before a refresh showed them.</summary>
    public IReadOnlySet<long> Dropped { get; init; } = new HashSet<long> { 100, 101, 250, 401, 402, 403 };

    /// <summary>Frames left on screen one refresh longer (the next frame was rendered a period late).</summary>
    public IReadOnlySet<long> Repeated { get; init; } = new HashSet<long> { 150, 300, 301 };

    /// <summary>Frame messages delivered twice (a QoS 1 redelivery).</summary>
    public IReadOnlySet<long> Redelivered { get; init; } = new HashSet<long> { 50 };

    /// <summary>Lick events, one per this many µs, placed between flips.</summary>
    public long LickEveryMicros { get; init; } = 37_000;

    /// <summary>The photodiode sees the frames before this one only (its line goes dead after); null: all of them.</summary>
    public long? PhotodiodeUntilFrame { get; init; }

    /// <summary>Imaging frame-clock edges one per this many µs (0: no imaging).</summary>
    public long ImagingPeriodMicros { get; init; }

    /// <summary>Consecutive frames drawing one scene state (the renderer draws the newest state at each refresh; a state can outlive one).</summary>
    public int FramesPerScene { get; init; } = 1;

    /// <summary>Event batches (by number) that arrive <see cref="LateBatchNanos"/> late: lost on a lossy link and resent, after later batches.</summary>
    public IReadOnlySet<uint> LateBatches { get; init; } = new HashSet<uint>();

    /// <summary>How late a batch of <see cref="LateBatches"/> arrives: 400 ms is the bridge's 300 ms gap grace plus the resend's trip.</summary>
    public long LateBatchNanos { get; init; } = 400_000_000;

}

/// <summary>One frame's ground truth.</summary>
/// <param name="ShownDeviceMicros">When the display started showing it (null when never shown), device µs.</param>
/// <param name="FlipDeviceMicros">The photodiode edge it caused (null when the patch already had its colour, or never shown).</param>
public sealed record SyntheticVrFrame(long Frame, long RenderNanos, long SceneMicros, ulong? ShownDeviceMicros, ulong? FlipDeviceMicros);

/// <summary>
/// A VR session as journal records, with ground truth: a renderer at 60 Hz, a display that drops and repeats given frames,
/// the photodiode edges it makes, encoder samples, licks, clock exchanges (symmetric 1.5 ms legs, no drift: host ns =
/// 5 s + device µs × 1000) and the recorder's start and stop markers. <see cref="WriteFolder"/> writes it as a session folder.
/// </summary>
public sealed class SyntheticVrSession
{
    public const uint Boot = 0x5EED_0001;
    public const string RigId = "vr1";
    private const long HostOffsetNanos = 5_000_000_000;

    private SyntheticVrSession(IReadOnlyList<JournalRecord> records, IReadOnlyList<SyntheticVrFrame> frames, IReadOnlyList<ulong> licks)
    {
        Records = records;
        Frames = frames;
        LickMicros = licks;
    }

    /// <summary>The journal, in host-time order.</summary>
    public IReadOnlyList<JournalRecord> Records { get; }

    public IReadOnlyList<SyntheticVrFrame> Frames { get; }

    public IReadOnlyList<ulong> LickMicros { get; }

    public static long HostOf(ulong deviceMicros) => HostOffsetNanos + (long)deviceMicros * 1000;

    public static ulong DeviceOf(long hostNanos) => (ulong)((hostNanos - HostOffsetNanos) / 1000);

    /// <summary>The frame ground truth puts on screen at a device time (null before the first).</summary>
    public long? OnScreen(ulong deviceMicros) =>
        Frames.Where(f => f.ShownDeviceMicros <= deviceMicros).OrderBy(f => f.ShownDeviceMicros).LastOrDefault()?.Frame;

    public static SyntheticVrSession Create(SyntheticVrOptions? options = null)
    {
        var o = options ?? new SyntheticVrOptions();
        var records = new List<(long Host, int Order, JournalRecord Record)>();
        int order = 0;
        void Add(JournalRecord r) => records.Add((r.HostNanos, order++, r));

        long start = HostOffsetNanos + 1_000_000_000;
        Add(new JournalRecord(JournalRecordType.Marker, TopicKind.Unknown, start - 500_000_000, Encoding.UTF8.GetBytes("{\"marker\":\"session_start\"}")));
        Add(Received(TopicKind.Status, start - 400_000_000, Encode(new DeviceStatus { State = DeviceState.Online, BootId = Boot }, static (s, w) => s.Write(w))));

        // The renderer and the display: frame k is submitted at start + k periods (+ a period for each repeat before it), and
        // shown DisplayLatency later unless dropped; the patch flips when the shown frame's parity changes.
        var frames = new List<SyntheticVrFrame>();
        long late = 0;
        int? shownParity = null;
        var flips = new List<(ulong Micros, long Level)>();
        for (long k = 0; k < o.Frames; k++)
        {
            long render = start + k * o.PeriodNanos + late + (k % 7) * 150_000;
            long scene = k % o.FramesPerScene == 0 ? (long)DeviceOf(render) - o.SceneAgeMicros : frames[^1].SceneMicros;
            ulong? shown = null, flip = null;
            if (!o.Dropped.Contains(k))
            {
                shown = DeviceOf(render + o.DisplayLatencyNanos);
                if (shownParity != (int)(k & 1))
                {
                    shownParity = (int)(k & 1);
                    if (k < (o.PhotodiodeUntilFrame ?? long.MaxValue))
                    {
                        flip = shown;
                        flips.Add((shown.Value, k % 2 == 0 ? 1 : 0));
                    }
                }
            }

            frames.Add(new SyntheticVrFrame(k, render, scene, shown, flip));
            if (o.Repeated.Contains(k))
            {
                late += o.PeriodNanos;
            }

            string json = $"{{\"frame\":{k},\"render_ns\":{render},\"t_us\":{scene},\"pos_dm\":{k % 40}.5,\"wall\":\"leaf1\",\"trial\":{k / 100},\"patch\":{(k % 2 == 0 ? 1 : 0)}}}";
            Add(Received(TopicKind.VrFrame, render + 2_000_000, Encoding.UTF8.GetBytes(json)));
            if (o.Redelivered.Contains(k))
            {
                Add(Received(TopicKind.VrFrame, render + 40_000_000, Encoding.UTF8.GetBytes(json)));
            }
        }

        ulong end = DeviceOf(frames[^1].RenderNanos) + 200_000;
        ulong first = DeviceOf(start) - 300_000;

        // Licks away from flips (2 ms or more) so ground truth names one frame for each.
        var licks = new List<ulong>();
        var flipTimes = flips.Select(f => f.Micros).ToArray();
        for (ulong t = first; t < end; t += (ulong)o.LickEveryMicros)
        {
            int i = Array.BinarySearch(flipTimes, t);
            int next = i >= 0 ? i : ~i;
            bool clear = i < 0 && (next == flipTimes.Length || flipTimes[next] - t > 2_000) && (next == 0 || t - flipTimes[next - 1] > 2_000);
            if (clear)
            {
                licks.Add(t);
            }
        }

        // Device events in 20 ms batches, each arriving 3 ms after it closes.
        var events = new List<EventRecord>();
        for (ulong t = first; t < end; t += 10_000)
        {
            events.Add(new EventRecord(EventKind.Encoder, 0, (long)(t / 1000), t));
        }

        if (o.ImagingPeriodMicros > 0)
        {
            for (ulong t = first + 1_234; t < end; t += (ulong)o.ImagingPeriodMicros)
            {
                events.Add(new EventRecord(EventKind.Frame, 0, 1, t));
            }
        }

        events.AddRange(flips.Select(f => new EventRecord(EventKind.Photodiode, 0, f.Level, f.Micros)));
        events.AddRange(licks.Select(t => new EventRecord(EventKind.Lick, 0, 1, t)));
        events.Sort((a, b) => a.DeviceMicros.CompareTo(b.DeviceMicros));
        uint batch = 0;
        ulong seq = 0;
        int e = 0;
        for (ulong close = first + 20_000; e < events.Count; close += 20_000)
        {
            var inBatch = new List<EventRecord>();
            while (e < events.Count && events[e].DeviceMicros < close && inBatch.Count < 64)
            {
                inBatch.Add(events[e++]);
            }

            if (inBatch.Count > 0)
            {
                bool resent = o.LateBatches.Contains(batch);
                Add(Received(TopicKind.Events, HostOf(close) + 3_000_000 + (resent ? o.LateBatchNanos : 0), EncodeBatch(batch++, seq, inBatch)));
                seq += (ulong)inBatch.Count;
            }
        }

        // Clock exchanges every 100 ms with equal 1.5 ms legs.
        uint id = 1;
        for (long host = start - 300_000_000; host < HostOf(end); host += 100_000_000)
        {
            ulong device = DeviceOf(host + 1_500_000);
            var reply = new SyncReply { CommandId = id++, BootId = Boot, HostTime = (ulong)host, DeviceReceiveMicros = device, DeviceReplyMicros = device + 100 };
            Add(Received(TopicKind.Sync, host + 3_100_000, Encode(reply, static (r, w) => r.Write(w))));
        }

        Add(new JournalRecord(JournalRecordType.Marker, TopicKind.Unknown, HostOf(end) + 500_000_000, Encoding.UTF8.GetBytes("{\"marker\":\"session_stop\"}")));
        var ordered = records.OrderBy(r => r.Host).ThenBy(r => r.Order).Select(r => r.Record).ToList();
        return new SyntheticVrSession(ordered, frames, licks);
    }

    /// <summary>Writes the session as a folder (session.json, journal.rigj, summary.json from the decoder's counts).</summary>
    public SessionFolder WriteFolder(string path)
    {
        var folder = SessionFolder.Create(path, new SessionHeader("rig-session/1", "synthetic-vr", RigId, Boot, "synthetic",
            new DateTimeOffset(2026, 12, 6, 12, 0, 0, TimeSpan.Zero), 0, new Dictionary<string, int> { ["event_batch"] = FormatVersion.EventBatch },
            "none", "tests/Rig.TestSupport/SyntheticVrSession.cs", null, null));
        var decoder = new SessionDecoder(RigId);
        using (var journal = JournalWriter.Create(folder.SegmentPath(1), TimeProvider.System))
        {
            foreach (var r in Records)
            {
                journal.Append(r.Type, r.Topic, r.HostNanos, r.Payload.Span);
                decoder.Process(r);
            }
        }

        folder.WriteSummary(new SessionSummaryFile(decoder.Summarize(), Records.Count, 0, true));
        return folder;
    }

    private static JournalRecord Received(TopicKind topic, long hostNanos, byte[] payload) => new(JournalRecordType.Received, topic, hostNanos, payload);

    private static byte[] EncodeBatch(uint batchSeq, ulong firstEvent, List<EventRecord> records)
    {
        var buffer = new byte[4096];
        var w = new EventBatchWriter();
        w.Begin(buffer, 0, buffer.Length, Boot, batchSeq, firstEvent, 0, 0, 256);
        foreach (var r in records)
        {
            if (!w.TryAppend(r.Kind, r.Channel, r.Value, r.DeviceMicros))
            {
                throw new InvalidOperationException("batch full");
            }
        }

        return buffer[..w.Finish()];
    }

    private static byte[] Encode<T>(T message, Action<T, ByteWriter> write)
    {
        var buffer = new byte[256];
        var w = new ByteWriter(buffer, 0, buffer.Length);
        write(message, w);
        return buffer[..w.Position];
    }
}
