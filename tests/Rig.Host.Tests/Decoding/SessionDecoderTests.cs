using System;
using System.Collections.Generic;
using System.Linq;
using Rig.Recording.Decoding;
using Rig.Recording.Journal;
using Rig.Protocol;
using Xunit;

namespace Rig.Host.Tests.Decoding;

public sealed class SessionDecoderTests
{
    private const uint Boot = 0xB007;

    [Fact]
    public void Consecutive_batches_are_counted_by_kind_with_no_gaps()
    {
        var d = new SessionDecoder("r1");
        d.Process(Status(batchesSent: 0, unacked: 0));
        d.Process(Batch(0, 0, [Lick(1), Lick(0), Frame(0)]));
        d.Process(Batch(1, 3, [Encoder(5), Encoder(9)]));
        var c = d.Summarize();
        Assert.Equal(5, c.EventsTotal);
        Assert.Equal(1, c.Licks);
        Assert.Equal(2, c.EventsByKind["lick"]);
        Assert.Equal(2, c.EventsByKind["encoder"]);
        Assert.Equal(0, c.MissingBatches);
        Assert.Empty(c.Boots.Single().Gaps);
        Assert.Equal(1u, d.ContiguousBatchThrough(Boot));
    }

    [Fact]
    public void A_duplicate_batch_is_counted_once_and_its_events_are_not_passed_on_again()
    {
        var sink = new CountingSink();
        var d = new SessionDecoder("r1", sink);
        d.Process(Batch(0, 0, [Lick(1)]));
        d.Process(Batch(0, 0, [Lick(1)], resent: true));
        var c = d.Summarize();
        Assert.Equal(1, c.EventsTotal);
        Assert.Equal(1, c.DuplicateBatches);
        Assert.Equal(1, c.ResentBatches);
        Assert.Equal(1, sink.Events);
    }

    [Fact]
    public void A_missing_batch_is_reported_as_not_received_until_it_arrives()
    {
        var d = new SessionDecoder("r1");
        d.Process(Status(0, 0));
        d.Process(Batch(0, 0, [Lick(1)]));
        d.Process(Batch(2, 3, [Lick(0)]));
        var c = d.Summarize();
        Assert.Equal(1, c.MissingBatches);
        var gap = Assert.Single(c.Boots.Single().Gaps);
        Assert.False(gap.ExplainedByDevice);
        Assert.Equal((1ul, 2ul), (gap.FirstEventSeq, gap.Count));
        Assert.Equal(2, c.UnexplainedMissingEvents);
        Assert.Equal([(Boot, new SeqRange(1, 1))], d.RecoverableMissingBatches());
        Assert.Equal(0u, d.ContiguousBatchThrough(Boot));

        d.Process(Batch(1, 1, [Frame(0), Frame(1)], resent: true));
        c = d.Summarize();
        Assert.Equal(0, c.MissingBatches);
        Assert.Equal(0, c.UnexplainedMissingEvents);
        Assert.Equal(2u, d.ContiguousBatchThrough(Boot));
    }

    [Fact]
    public void An_event_gap_the_device_counted_as_dropped_is_explained_with_its_exact_range()
    {
        var d = new SessionDecoder("r1");
        d.Process(Batch(0, 0, [Lick(1), Lick(0)], lostBefore: 0));
        d.Process(Batch(1, 7, [Lick(1)], lostBefore: 5));
        var c = d.Summarize();
        var gap = Assert.Single(c.Boots.Single().Gaps);
        Assert.True(gap.ExplainedByDevice, gap.Reason);
        Assert.Equal((2ul, 5ul), (gap.FirstEventSeq, gap.Count));
        Assert.Equal(5, c.DeviceLostEvents);
        Assert.Equal(0, c.UnexplainedMissingEvents);
        Assert.Equal(0, c.MissingBatches);
    }

    [Fact]
    public void An_event_gap_larger_than_the_device_counted_is_not_explained()
    {
        // Batches 0 and 2 (batch 1 not received): the hole between them is more than the loss counter grew, so some of it
        // never arrived.
        var d = new SessionDecoder("r1");
        d.Process(Batch(0, 0, [Lick(1)], lostBefore: 0));
        d.Process(Batch(2, 10, [Lick(1)], lostBefore: 3));
        var gap = Assert.Single(d.Summarize().Boots.Single().Gaps);
        Assert.False(gap.ExplainedByDevice);
        Assert.Contains("batches 1..1 missing", gap.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void A_batch_whose_event_numbers_do_not_continue_its_neighbour_is_set_aside_as_inconsistent()
    {
        // A real device's consecutive batches run on exactly (a hole only as large as its loss counter grew): a batch that
        // does not is not the device's, and would otherwise report events lost that never existed.
        var d = new SessionDecoder("r1");
        d.Process(Batch(0, 0, [Lick(1)], lostBefore: 0));
        d.Process(Batch(1, 10, [Lick(1)], lostBefore: 3));
        var c = d.Summarize();
        Assert.Empty(c.Boots.Single().Gaps);
        Assert.Equal(1, c.EventsTotal);
        Assert.Equal(1, c.SuspiciousMessages[SessionDecoder.InconsistentBatchReason]);
    }

    [Fact]
    public void A_lost_first_batch_is_noticed_from_the_floor_the_first_status_gives_and_is_not_acknowledged()
    {
        var d = new SessionDecoder("r1");
        d.Process(Status(batchesSent: 10, unacked: 2));
        d.Process(Batch(9, 40, [Lick(1)]));
        Assert.Equal([(Boot, new SeqRange(8, 1))], d.MissingBatches());
        Assert.Equal(7u, d.ContiguousBatchThrough(Boot));
    }

    [Fact]
    public void Batches_the_status_says_were_sent_beyond_the_last_received_are_missing()
    {
        var d = new SessionDecoder("r1");
        d.Process(Status(0, 0));
        d.Process(Batch(0, 0, [Lick(1)]));
        d.Process(Status(batchesSent: 4, unacked: 4));
        Assert.Equal([(Boot, new SeqRange(1, 3))], d.MissingBatches());
    }

    [Fact]
    public void A_batch_the_device_no_longer_holds_stays_missing_but_is_not_asked_for_again()
    {
        var d = new SessionDecoder("r1");
        d.Process(Status(0, 0));
        d.Process(Batch(0, 0, [Lick(1)]));
        d.Process(Batch(2, 2, [Lick(1)]));
        d.Process(Sent(new Command { Opcode = CommandOpcode.ResendBatches, CommandId = 77, TargetBootId = Boot, BatchSeq = 1, BatchCount = 1 }));
        d.Process(Received(TopicKind.Ack, Encode(new Ack { Result = AckResult.Unavailable, Opcode = CommandOpcode.ResendBatches, CommandId = 77, BootId = Boot, Detail = 2 }, static (a, w) => a.Write(w))));
        var c = d.Summarize();
        Assert.Equal(1, c.MissingBatches);
        Assert.Equal(1, c.UnavailableBatches);
        Assert.Empty(d.RecoverableMissingBatches());
    }

    [Fact]
    public void A_water_budget_refusal_is_decoded_and_counted_by_its_name()
    {
        var d = new SessionDecoder("r1");
        d.Process(Status(0, 0));
        d.Process(Sent(new Command { Opcode = CommandOpcode.PulseValve, CommandId = 78, TargetBootId = Boot, DurationMicros = 500_000 }));
        d.Process(Received(TopicKind.Ack, Encode(new Ack { Result = AckResult.WaterBudget, Opcode = CommandOpcode.PulseValve, CommandId = 78, BootId = Boot, Detail = uint.MaxValue }, static (a, w) => a.Write(w))));
        var c = d.Summarize();
        Assert.Equal(1, c.AckResults["WaterBudget"]);
        Assert.Empty(c.MalformedMessages);
    }

    [Theory]
    [InlineData(TopicKind.Events, new byte[] { })]
    [InlineData(TopicKind.Events, new byte[] { 0x01, 0x01, 0x00 })]
    [InlineData(TopicKind.Events, new byte[] { 0x7F, 0x01, 0x00, 0x00 })]
    [InlineData(TopicKind.Status, new byte[] { 0x20, 0x01, 0x09 })]
    [InlineData(TopicKind.Ack, new byte[] { 0x11 })]
    [InlineData(TopicKind.Sync, new byte[] { 0x30, 0x02 })]
    public void A_malformed_message_is_counted_with_its_reason_and_decoding_goes_on(TopicKind topic, byte[] payload)
    {
        var d = new SessionDecoder("r1");
        d.Process(Received(topic, payload));
        d.Process(Batch(0, 0, [Lick(1)]));
        var c = d.Summarize();
        Assert.Equal(1, c.MalformedMessages.Values.Sum());
        Assert.Single(c.MalformedExamples);
        Assert.Equal(1, c.EventsTotal);
    }

    [Fact]
    public void The_text_form_of_the_offline_will_counts_as_an_offline_status_and_not_as_malformed()
    {
        var d = new SessionDecoder("r1");
        d.Process(Received(TopicKind.Status, System.Text.Encoding.ASCII.GetBytes(DeviceStatus.OfflineWillText(Boot))));
        var c = d.Summarize();
        Assert.Equal(1, c.OfflineStatuses);
        Assert.Empty(c.MalformedMessages);
        Assert.Equal([Boot], c.Boots.Select(b => b.BootId));
    }

    [Fact]
    public void A_message_larger_than_the_limit_is_refused_before_it_is_decoded()
    {
        var d = new SessionDecoder("r1");
        d.Process(Received(TopicKind.Events, new byte[WireLimits.MaxMessageBytes + 1]));
        Assert.Equal(1, d.Summarize().MalformedMessages["MessageTooLarge"]);
    }

    [Fact]
    public void Random_bytes_on_every_topic_never_throw_and_are_all_counted()
    {
        var random = new Random(7);
        var d = new SessionDecoder("r1");
        int n = 0;
        foreach (var topic in new[] { TopicKind.Events, TopicKind.Status, TopicKind.Ack, TopicKind.Sync })
        {
            for (int i = 0; i < 2000; i++)
            {
                var bytes = new byte[random.Next(0, 200)];
                random.NextBytes(bytes);
                d.Process(Received(topic, bytes));
                n++;
            }
        }

        var c = d.Summarize();
        Assert.Equal(n, c.MalformedMessages.Values.Sum() + c.BatchesReceived + c.StatusMessages + c.SyncReplies + c.AckResults.Values.Sum());
    }

    [Fact]
    public void A_new_boot_id_starts_a_new_stream_and_both_are_reported()
    {
        var d = new SessionDecoder("r1");
        d.Process(Batch(0, 0, [Lick(1)]));
        d.Process(Batch(0, 0, [Lick(1), Lick(0)], boot: Boot + 1));
        var c = d.Summarize();
        Assert.Equal([Boot, Boot + 1], c.Boots.Select(b => b.BootId));
        Assert.Equal(3, c.EventsTotal);
        Assert.Equal(Boot + 1, d.CurrentBootId);
    }

    [Fact]
    public void Command_round_trips_are_measured_from_the_sent_and_received_journal_times()
    {
        var d = new SessionDecoder("r1");
        d.Process(Status(0, 0));
        d.Process(Sent(new Command { Opcode = CommandOpcode.Ping, CommandId = 5 }, hostNanos: 1_000_000));
        d.Process(Received(TopicKind.Ack, Encode(new Ack { Result = AckResult.Ok, Opcode = CommandOpcode.Ping, CommandId = 5, BootId = Boot }, static (a, w) => a.Write(w)), hostNanos: 4_000_000));
        var c = d.Summarize();
        Assert.Equal(3.0, c.AckRoundTripMedianMs);
        Assert.Equal(0, c.CommandsUnacknowledged);
    }

    [Fact]
    public void A_long_session_reports_the_same_gaps_after_its_settled_batches_are_folded_away()
    {
        // 20,000 batches of 2 events: the decoder folds its per-batch bookkeeping every 4,096 batches. A counted device drop
        // early on and a batch lost late must still be reported exactly, and the late batch still found once it arrives.
        var d = new SessionDecoder("r1");
        d.Process(Status(0, 0));
        ulong firstEvent = 0;
        uint lost = 0;
        for (uint b = 0; b < 20_000; b++)
        {
            if (b == 100)
            {
                firstEvent += 3;
                lost += 3;
            }

            if (b != 15_000)
            {
                d.Process(Batch(b, firstEvent, [Lick(1), Lick(0)], lostBefore: lost));
            }

            firstEvent += 2;
        }

        var c = d.Summarize();
        Assert.Equal(1, c.MissingBatches);
        var gaps = c.Boots.Single().Gaps;
        Assert.Equal(2, gaps.Count);
        Assert.True(gaps[0].ExplainedByDevice);
        Assert.Equal((200ul, 3ul), (gaps[0].FirstEventSeq, gaps[0].Count));
        Assert.False(gaps[1].ExplainedByDevice);
        Assert.Equal((30_003ul, 2ul), (gaps[1].FirstEventSeq, gaps[1].Count));
        Assert.Contains("batches 15000..15000 missing", gaps[1].Reason, StringComparison.Ordinal);

        d.Process(Batch(15_000, 30_003, [Lick(1), Lick(0)], lostBefore: lost, resent: true));
        c = d.Summarize();
        Assert.Equal(0, c.MissingBatches);
        Assert.Equal(0, c.UnexplainedMissingEvents);
        Assert.Equal(3, c.DeviceLostEvents);
        Assert.True(Assert.Single(c.Boots.Single().Gaps).ExplainedByDevice);
    }

    [Fact]
    public void A_device_reboot_starts_a_new_clock_map_that_maps_the_new_boot_from_its_own_exchanges_only()
    {
        // Boot 1 runs 10 ppm fast from device 5 s; after a reboot at host 60 s, boot 2's clock restarts near 0.3 s and
        // runs 10 ppm slow. Each exchange has 2 ms legs both ways (host ns; device µs).
        var d = new SessionDecoder("r1");
        const uint second = 0xB008;
        for (int i = 0; i < 200; i++)
        {
            long send = 1_000_000_000L + (i * 500_000_000L);
            bool rebooted = send >= 60_000_000_000L;
            double deviceAt = rebooted
                ? 300_000 + ((send + 2_000_000 - 61_000_000_000.0) / 1000 * (1 - 10e-6))
                : 5_000_000 + ((send + 2_000_000) / 1000.0 * (1 + 10e-6));
            if (send is >= 60_000_000_000L and < 61_000_000_000L)
            {
                continue; // down while it boots
            }

            var reply = new SyncReply
            {
                CommandId = (uint)i,
                BootId = rebooted ? second : Boot,
                HostTime = (ulong)send,
                DeviceReceiveMicros = (ulong)deviceAt,
                DeviceReplyMicros = (ulong)deviceAt + 100,
            };
            d.Process(Received(TopicKind.Sync, Encode(reply, static (r, w) => r.Write(w)), send + 4_100_000));
        }

        var first = d.ClockOf(Boot)!;
        var next = d.ClockOf(second)!;
        Assert.Equal(118, first.Count);
        Assert.Equal(80, next.Count);
        Assert.Empty(first.Discontinuities);
        Assert.Empty(next.Discontinuities);

        // Boot 2's device 1.29999 s was host 62 s (1 s after its start, 10 ppm slow); boot 1's map would put it near -3.7 s.
        double hostOfBoot2 = next.ToHost(300_000 + 1_000_000 - 10)!.Value.HostNanos;
        Assert.InRange(hostOfBoot2, 62_000_000_000 - 5_000, 62_000_000_000 + 5_000);
        Assert.InRange(next.FitAt(1_000_000)!.RateErrorPpm, 10 - 0.5, 10 + 0.5);
        Assert.InRange(first.FitAt(30_000_000)!.RateErrorPpm, -10 - 0.5, -10 + 0.5);
        Assert.Equal(2, d.Summarize().Boots.Count);
    }

    private static EventRecord Lick(long v) => new(EventKind.Lick, 0, v, 1000);

    private static EventRecord Frame(long v) => new(EventKind.Frame, 0, v, 2000);

    private static EventRecord Encoder(long v) => new(EventKind.Encoder, 0, v, 3000);

    private static JournalRecord Batch(uint batchSeq, ulong firstEvent, IReadOnlyList<EventRecord> records, uint lostBefore = 0, bool resent = false, uint boot = Boot)
    {
        var buffer = new byte[1024];
        var w = new EventBatchWriter();
        w.Begin(buffer, 0, buffer.Length, boot, batchSeq, firstEvent, 0, lostBefore, 256);
        foreach (var r in records)
        {
            Assert.True(w.TryAppend(r.Kind, r.Channel, r.Value, r.DeviceMicros));
        }

        int n = w.Finish();
        if (resent)
        {
            buffer[EventBatchHeader.FlagsOffset] |= (byte)EventBatchFlags.Resent;
        }

        return Received(TopicKind.Events, buffer[..n]);
    }

    private static JournalRecord Status(uint batchesSent, uint unacked) =>
        Received(TopicKind.Status, Encode(new DeviceStatus { State = DeviceState.Online, BootId = Boot, BatchesSent = batchesSent, UnackedBatches = unacked }, static (s, w) => s.Write(w)));

    private static JournalRecord Sent(Command c, long hostNanos = 0) =>
        new(JournalRecordType.Sent, TopicKind.Command, hostNanos, Encode(c, static (x, w) => x.Write(w)));

    private static JournalRecord Received(TopicKind topic, byte[] payload, long hostNanos = 0) =>
        new(JournalRecordType.Received, topic, hostNanos, payload);

    private static byte[] Encode<T>(T message, Action<T, ByteWriter> write)
    {
        var buffer = new byte[256];
        var w = new ByteWriter(buffer, 0, buffer.Length);
        write(message, w);
        return buffer[..w.Position];
    }

    private sealed class CountingSink : IEventSink
    {
        public int Events { get; private set; }

        public void OnEvents(uint bootId, ulong firstEventSeq, ReadOnlySpan<EventRecord> records, long hostNanos) => Events += records.Length;
    }
}
