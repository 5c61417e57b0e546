using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using Rig.Experiment.Alignment;
using Rig.Protocol;
using Rig.Recording.Decoding;
using Rig.Recording.Journal;
using Rig.Recording.Sync;
using Xunit;

namespace Rig.Host.Tests.Decoding;

/// <summary>The live alignment inside the decoder against the whole-session derivation, on journals with known faults.</summary>
public sealed class LiveAlignmentTests
{
    private static readonly CultureInfo C = CultureInfo.InvariantCulture;

    [Fact]
    public void A_journal_with_late_batches_a_scanner_stop_a_missed_edge_and_a_reboot_is_settled_live_exactly_as_the_derivation_aligns_it()
    {
        var journal = new SyntheticJournal(seed: 4);
        journal.Boot(0xA1, hostStartNanos: 1_000_000_000, seconds: 150, driftPpm: 20);
        journal.Boot(0xB2, hostStartNanos: 155_000_000_000, seconds: 90, driftPpm: -12);
        var records = journal.Records();

        var sink = new Collector();
        var decoder = new SessionDecoder("rig-synthetic", sink);
        long maxHeld = 0;
        foreach (var record in records)
        {
            decoder.Process(record);
            maxHeld = Math.Max(maxHeld, decoder.Alignment.Summarize().WaitingForBatches);
        }

        var rows = sink.Alignment.Build(decoder).Events.ToList();
        Assert.Equal(journal.Events, rows.Count);
        Assert.Equal(rows.Count, sink.Settled.Count);
        foreach (var row in rows)
        {
            var e = sink.Settled[(row.BootId, row.Seq)];
            var expected = (row.HostNanos, row.HostUncertaintyMicros, row.Frame, row.FrameFraction);
            var got = (Whole(e.HostNanos), Rounded(e.HostUncertaintyMicros, "0.0"), e.Frame, Rounded(e.FrameFraction, "0.0000"));
            Assert.True(expected == got, $"boot {row.BootId:x} event {row.Seq}: derived {expected}, live {got}");
        }

        // The faults were there: batches held for a late one, a second acquisition, an inferred edge, two boots.
        Assert.True(maxHeld > 0, "no batch ever waited for a late one");
        var timeline = new FrameTimeline(decoder.Alignment.FramesOf(0xA1)!);
        Assert.Equal(2, timeline.Acquisitions.Count);
        Assert.Equal(1, timeline.InferredEdges);
        Assert.Equal(2, rows.Select(r => r.BootId).Distinct().Count());

        // Live means live: most events settled well before the stop marker, and every one got its frame within a second of
        // journal time of its batch (the frame edge after it, or the stream passing a scanner stop).
        long stop = records[^1].HostNanos;
        Assert.InRange(sink.Settled.Values.Count(e => e.AlignedNanos < stop) / (double)rows.Count, 0.4, 1.0);
        var placed = sink.Provisional.Values.Concat(sink.Settled.Values.Where(e => !sink.Provisional.ContainsKey((e.BootId, e.Seq)))).ToList();
        Assert.True(placed.Count(e => e.AlignedNanos - e.ReceivedNanos < 3_000_000_000) > rows.Count * 0.95, "frames decided late");
    }

    [Fact]
    public void A_host_time_the_clock_map_calls_final_is_the_one_it_maps_after_every_later_exchange()
    {
        var map = new ClockMap(1);
        var random = new Random(3);
        var finals = new Dictionary<ulong, MappedTime>();
        for (int i = 0; i < 1200; i++)
        {
            ulong device = (ulong)(i * 500_000);
            long send = 7_000_000_000 + (long)(device * 1000.02) - 2_000_000 - random.Next(0, 3_000_000);
            map.Add(new SyncExchange(send, device, device + 100, send + 4_100_000 + random.Next(0, 6_000_000)));
            for (ulong t = 0; t < device; t += 7_000_000)
            {
                if (!finals.ContainsKey(t) && map.IsFinalAt(t))
                {
                    finals[t] = map.ToHost(t)!.Value;
                }
            }
        }

        Assert.True(finals.Count > 50);
        Assert.All(finals, f => Assert.Equal(f.Value, map.ToHost(f.Key)!.Value));

        // The last minute is not final: exchanges still to come would change its fits.
        Assert.False(map.IsFinalAt(map.NewestDeviceMicros - 30_000_000));
    }

    [Fact]
    public void An_exchange_more_than_a_second_older_than_the_newest_is_refused_as_late()
    {
        var map = new ClockMap(1);
        map.Add(new SyncExchange(0, 10_000_000, 10_000_100, 2_000_000));
        map.Add(new SyncExchange(0, 8_000_000, 8_000_100, 2_000_000));
        Assert.Equal((1, 1), (map.Count, map.Rejected));
    }

    [Fact]
    public void Frames_numbered_live_as_the_stream_passes_are_the_frames_numbered_from_every_edge_at_once()
    {
        const double period = 1e6 / 30;
        var edges = new List<ulong>();
        for (int i = 0; i < 900; i++)
        {
            if (i is 40 or 500)
            {
                continue; // missed edges
            }

            edges.Add((ulong)(500_000 + (i * period) + (i >= 300 ? 20_000_000 : 0)));
            if (i == 700)
            {
                edges.Add(edges[^1] + 4_000); // an extra edge
            }
        }

        var live = new FrameNumbering();
        var decidedAt = new List<(ulong Time, FramePosition? Position)>();
        ulong probe = 0;
        foreach (ulong edge in edges)
        {
            live.AddEdge(edge);
            live.Advance(edge > 1_000_000 ? edge - 1_000_000 : 0);
            for (; probe < live.DecidedBeforeMicros && probe < edges[^1]; probe += 4_321)
            {
                decidedAt.Add((probe, live.Locate(probe)));
            }
        }

        live.Advance(edges[^1] + 2_000_000);
        var whole = FrameTimeline.Build(edges);
        Assert.Equal(2, whole.Acquisitions.Count);
        Assert.Equal((2, 1), (whole.InferredEdges, whole.DroppedEdges));
        Assert.Equal(900, whole.Frames);
        Assert.True(decidedAt.Count > 5_000);
        Assert.All(decidedAt, d => Assert.Equal(whole.Locate(d.Time), d.Position));
    }

    [Fact]
    public void A_stray_edge_on_an_idle_frame_clock_line_ends_its_own_acquisition_once_the_stream_is_five_seconds_past_it()
    {
        var frames = new FrameNumbering();
        frames.AddEdge(2_000_000);
        frames.Advance(6_000_000);
        Assert.Equal(2_000_000UL, frames.DecidedBeforeMicros);
        frames.Advance(7_000_000);
        Assert.Equal(7_000_000UL, frames.DecidedBeforeMicros);
        Assert.Null(frames.Locate(2_500_000));
        Assert.Equal(1, frames.Frames);
    }

    private static long? Whole(double? nanos) => nanos is { } n ? long.Parse(n.ToString("0", C), NumberStyles.Integer, C) : null;

    private static double? Rounded(double? value, string format) => value is { } v ? double.Parse(v.ToString(format, C), NumberStyles.Float, C) : null;

    private sealed class Collector : IEventSink, IAlignedEventSink
    {
        public SessionAlignment Alignment { get; } = new();

        public Dictionary<(uint, ulong), AlignedEvent> Provisional { get; } = [];

        public Dictionary<(uint, ulong), AlignedEvent> Settled { get; } = [];

        public void OnEvents(uint bootId, ulong firstEventSeq, ReadOnlySpan<EventRecord> records, long hostNanos) =>
            Alignment.OnEvents(bootId, firstEventSeq, records, hostNanos);

        public void OnAligned(in AlignedEvent aligned)
        {
            var books = aligned.Settled ? Settled : Provisional;
            Assert.True(books.TryAdd((aligned.BootId, aligned.Seq), aligned));
        }
    }

    /// <summary>
    /// A journal as a bridge would write it, in host time order: per boot a status, 30 Hz frame edges (one missed, a 10 s scanner
    /// stop at 60 s), a 100 Hz wheel, batches every 20 ms arriving 3-8 ms after they close (every 37th 1.5 s late, as a resend
    /// would), clock exchanges at 2 Hz with 1.5-6 ms legs on a drifting crystal, and the session_stop marker.
    /// </summary>
    private sealed class SyntheticJournal(int seed)
    {
        private readonly Random _random = new(seed);
        private readonly List<JournalRecord> _records = [];

        public long Events { get; private set; }

        public void Boot(uint boot, long hostStartNanos, int seconds, double driftPpm)
        {
            double rate = 1000 * (1 + (driftPpm * 1e-6));
            long Host(double deviceMicros) => hostStartNanos + (long)(deviceMicros * rate);
            _records.Add(Received(TopicKind.Status, hostStartNanos, Encode(new DeviceStatus { State = DeviceState.Online, BootId = boot }, static (s, w) => s.Write(w))));
            var all = new List<EventRecord>();
            const double period = 1e6 / 30;
            for (int i = 0; ; i++)
            {
                double t = 1_000_000 + (i * period) + (i >= 1770 ? 10_000_000 : 0);
                if (t >= seconds * 1e6)
                {
                    break;
                }

                if (i != 600)
                {
                    all.Add(new EventRecord(EventKind.Frame, 0, i, (ulong)t));
                }
            }

            for (ulong t = 5_000; t < (ulong)seconds * 1_000_000; t += 10_000)
            {
                all.Add(new EventRecord(EventKind.Encoder, 0, (long)(t / 1000), t));
            }

            all.Sort((a, b) => a.DeviceMicros.CompareTo(b.DeviceMicros));
            uint batch = 0;
            ulong seq = 0;
            for (int start = 0; start < all.Count; batch++)
            {
                ulong end = ((all[start].DeviceMicros / 20_000) + 1) * 20_000;
                int stop = start;
                while (stop < all.Count && all[stop].DeviceMicros < end)
                {
                    stop++;
                }

                long arrival = Host(end) + _random.Next(3_000_000, 8_000_000) + (batch % 37 == 5 ? 1_500_000_000 : 0);
                _records.Add(Batch(boot, batch, seq, all.GetRange(start, stop - start), arrival));
                seq += (ulong)(stop - start);
                start = stop;
            }

            Events += all.Count;
            for (ulong t = 500_000; t < (ulong)seconds * 1_000_000; t += 500_000)
            {
                long send = Host(t) - _random.Next(1_500_000, 6_000_000);
                var reply = new SyncReply { BootId = boot, HostTime = (ulong)send, DeviceReceiveMicros = t, DeviceReplyMicros = t + 80 };
                long received = Host(t + 80) + _random.Next(1_500_000, 6_000_000);
                _records.Add(Received(TopicKind.Sync, received, Encode(reply, static (s, w) => s.Write(w))));
            }
        }

        public List<JournalRecord> Records()
        {
            var list = _records.OrderBy(r => r.HostNanos).ToList();
            list.Add(new JournalRecord(JournalRecordType.Marker, TopicKind.Unknown, list[^1].HostNanos + 1, "{\"marker\":\"session_stop\"}"u8.ToArray()));
            return list;
        }

        private static JournalRecord Batch(uint boot, uint batchSeq, ulong firstEvent, List<EventRecord> records, long hostNanos)
        {
            var buffer = new byte[4096];
            var w = new EventBatchWriter();
            w.Begin(buffer, 0, buffer.Length, boot, batchSeq, firstEvent, 0, 0, 256);
            foreach (var r in records)
            {
                Assert.True(w.TryAppend(r.Kind, r.Channel, r.Value, r.DeviceMicros));
            }

            return Received(TopicKind.Events, hostNanos, buffer[..w.Finish()]);
        }

        private static JournalRecord Received(TopicKind topic, long hostNanos, byte[] payload) => new(JournalRecordType.Received, topic, hostNanos, payload);

        private static byte[] Encode<T>(T message, Action<T, ByteWriter> write)
        {
            var buffer = new byte[256];
            var w = new ByteWriter(buffer, 0, buffer.Length);
            write(message, w);
            return buffer[..w.Position];
        }
    }
}
