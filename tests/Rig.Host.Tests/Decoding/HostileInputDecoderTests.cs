using System;
using System.Collections.Generic;
using System.Linq;
using Rig.Recording.Decoding;
using Rig.Recording.Journal;
using Rig.Protocol;
using Xunit;

namespace Rig.Host.Tests.Decoding;

/// <summary>
/// Hostile and malformed messages reaching the live decoder after a good stream (issue 8, item 5): each is counted with
/// its reason, and nothing already decoded changes (events, gaps, missing batches, what the sink was given).
/// </summary>
public sealed class HostileInputDecoderTests
{
    private const uint Boot = 0xB007;

    [Fact]
    public void An_oversized_message_is_counted_as_too_large_and_changes_nothing()
    {
        var (decoder, sink, before) = GoodSession();
        var huge = new byte[WireLimits.MaxMessageBytes + 1];
        Batch(5, 12, [Lick(1)]).Payload.Span.CopyTo(huge);

        decoder.Process(Received(TopicKind.Events, huge));

        AssertUnchanged(before, decoder.Summarize(), sink, ("MessageTooLarge", 1));
    }

    [Theory]
    [InlineData(TopicKind.Events)]
    [InlineData(TopicKind.Status)]
    [InlineData(TopicKind.Ack)]
    [InlineData(TopicKind.Sync)]
    public void A_message_of_an_unsupported_version_is_counted_as_such_and_changes_nothing(TopicKind topic)
    {
        var (decoder, sink, before) = GoodSession();
        byte[] message = topic switch
        {
            TopicKind.Events => Batch(3, 9, [Lick(1)]).Payload.ToArray(),
            TopicKind.Status => Status(batchesSent: 9, unacked: 0).Payload.ToArray(),
            TopicKind.Ack => Encode(new Ack { Result = AckResult.Ok, Opcode = CommandOpcode.Ping, CommandId = 1, BootId = Boot }, static (a, w) => a.Write(w)),
            _ => Encode(new SyncReply { CommandId = 1, BootId = Boot }, static (r, w) => r.Write(w)),
        };
        message[1] = 2; // version 2, which this build does not read

        decoder.Process(Received(topic, message));

        AssertUnchanged(before, decoder.Summarize(), sink, ("UnsupportedVersion", 1));
    }

    [Fact]
    public void A_replayed_batch_with_altered_events_is_a_duplicate_and_the_first_copy_stands()
    {
        var (decoder, sink, before) = GoodSession();

        // Batch 1 again, with other events (a forger or a corrupted resend): same numbers, different content.
        decoder.Process(Batch(1, 3, [Lick(1), Lick(1), Lick(1)]));

        var after = decoder.Summarize();
        Assert.Equal(before.DuplicateBatches + 1, after.DuplicateBatches);
        AssertSameEvents(before, after, sink);
        Assert.Empty(after.MalformedMessages);
    }

    [Fact]
    public void Out_of_order_batches_are_all_kept_and_leave_no_gap()
    {
        var sink = new CountingSink();
        var decoder = new SessionDecoder("r1", sink);
        decoder.Process(Status(batchesSent: 0, unacked: 0));
        decoder.Process(Batch(0, 0, [Lick(1)]));
        decoder.Process(Batch(3, 3, [Lick(0)]));
        decoder.Process(Batch(2, 2, [Lick(1)]));
        decoder.Process(Batch(1, 1, [Lick(0)]));

        var counts = decoder.Summarize();
        Assert.Equal(4, counts.EventsTotal);
        Assert.Equal(0, counts.MissingBatches);
        Assert.Empty(counts.Boots.Single().Gaps);
        Assert.Equal(0, counts.DuplicateBatches);
        Assert.Equal(4, sink.Events);
    }

    [Fact]
    public void A_forged_batch_number_far_ahead_is_refused_without_inventing_missing_batches()
    {
        var (decoder, sink, before) = GoodSession();

        decoder.Process(Batch(4_000_000_000, 99, [Lick(1)]));

        var after = decoder.Summarize();
        AssertUnchanged(before, after, sink, (SessionDecoder.BatchSeqJumpReason, 1));
        Assert.Empty(decoder.RecoverableMissingBatches());
    }

    [Fact]
    public void A_flood_of_boot_ids_is_counted_past_the_limit_and_the_real_boot_keeps_its_books()
    {
        var (decoder, sink, before) = GoodSession();
        int forged = SessionDecoder.MaxBootsPerSession + 50;
        for (uint i = 1; i <= forged; i++)
        {
            decoder.Process(Status(batchesSent: 0, unacked: 0, boot: Boot + i));
        }

        var after = decoder.Summarize();
        Assert.Equal(forged - (SessionDecoder.MaxBootsPerSession - 1), after.MalformedMessages[SessionDecoder.TooManyBootsReason]);
        Assert.Equal(SessionDecoder.MaxBootsPerSession, after.Boots.Count);
        var real = after.Boots.Single(b => b.BootId == Boot);
        var realBefore = before.Boots.Single(b => b.BootId == Boot);
        Assert.Equal(realBefore.Events, real.Events);
        Assert.Equal(realBefore.Gaps, real.Gaps);
        Assert.Equal(before.EventsTotal, after.EventsTotal);
        Assert.Equal(before.EventsTotal, sink.Events);
    }

    [Fact]
    public void A_message_on_an_unknown_record_type_or_garbage_on_every_topic_is_counted_by_reason_and_changes_nothing()
    {
        var (decoder, sink, before) = GoodSession();
        decoder.Process(Received(TopicKind.Events, [0x01]));
        decoder.Process(Received(TopicKind.Status, [0x20, 0x01, 0x07]));
        decoder.Process(Received(TopicKind.Ack, []));
        decoder.Process(Received(TopicKind.Sync, [0x99, 0x01]));

        var after = decoder.Summarize();
        Assert.Equal(4, after.MalformedMessages.Values.Sum());
        Assert.Contains("Truncated", after.MalformedMessages.Keys);
        Assert.Contains("UnknownMessageType", after.MalformedMessages.Keys);
        AssertSameEvents(before, after, sink);
        Assert.Equal(before.MissingBatches, after.MissingBatches);
    }

    [Fact]
    public void Forged_event_numbers_near_the_top_of_the_range_saturate_the_summary_instead_of_overflowing_it()
    {
        // Found by the long fuzz run: gaps of ~2^64 events made Summarize throw OverflowException.
        var (decoder, _, before) = GoodSession();
        const ulong Quarter = 1UL << 62;
        for (uint i = 0; i < 4; i++)
        {
            // Three gaps of ~2^62 events: more than long.MaxValue together. Every other batch number, so no batch has a received
            // neighbour to contradict (adjacent ones with such gaps are set aside as inconsistent, SessionIdentityTests).
            decoder.Process(Batch(i * 2, i * Quarter, [Lick(1)], boot: Boot + 1));
        }

        var after = decoder.Summarize();

        Assert.Equal(long.MaxValue, after.UnexplainedMissingEvents);
        Assert.Equal(before.EventsTotal + 4, after.EventsTotal);
        Assert.Equal(before.Boots.Single().Gaps, after.Boots.Single(b => b.BootId == Boot).Gaps);
    }

    /// <summary>Four good batches (events 0-11) after a status, decoded; the counts and the sink as they stand.</summary>
    private static (SessionDecoder Decoder, CountingSink Sink, SessionCounts Before) GoodSession()
    {
        var sink = new CountingSink();
        var decoder = new SessionDecoder("r1", sink);
        decoder.Process(Status(batchesSent: 0, unacked: 0));
        for (uint b = 0; b < 4; b++)
        {
            decoder.Process(Batch(b, b * 3, [Lick(1), Lick(0), Frame(b)]));
        }

        var before = decoder.Summarize();
        Assert.Equal(12, before.EventsTotal);
        Assert.Empty(before.MalformedMessages);
        return (decoder, sink, before);
    }

    private static void AssertUnchanged(SessionCounts before, SessionCounts after, CountingSink sink, (string Reason, long Count) malformed)
    {
        Assert.Equal(new Dictionary<string, long> { [malformed.Reason] = malformed.Count }, after.MalformedMessages);
        AssertSameEvents(before, after, sink);
        Assert.Equal(before.BatchesReceived, after.BatchesReceived);
        Assert.Equal(before.DuplicateBatches, after.DuplicateBatches);
        Assert.Equal(before.MissingBatches, after.MissingBatches);
        Assert.Equal(before.Boots.Count, after.Boots.Count);
    }

    private static void AssertSameEvents(SessionCounts before, SessionCounts after, CountingSink sink)
    {
        Assert.Equal(before.EventsTotal, after.EventsTotal);
        Assert.Equal(before.EventsByKind, after.EventsByKind);
        Assert.Equal(before.Licks, after.Licks);
        Assert.Equal(before.UnexplainedMissingEvents, after.UnexplainedMissingEvents);
        Assert.Equal(before.Boots.Single(b => b.BootId == Boot).Gaps, after.Boots.Single(b => b.BootId == Boot).Gaps);
        Assert.Equal(before.EventsTotal, sink.Events);
    }

    private static EventRecord Lick(long v) => new(EventKind.Lick, 0, v, 1000);

    private static EventRecord Frame(long v) => new(EventKind.Frame, 0, v, 2000);

    private static JournalRecord Batch(uint batchSeq, ulong firstEvent, IReadOnlyList<EventRecord> records, uint boot = Boot)
    {
        var buffer = new byte[1024];
        var w = new EventBatchWriter();
        w.Begin(buffer, 0, buffer.Length, boot, batchSeq, firstEvent, 0, 0, 256);
        foreach (var r in records)
        {
            Assert.True(w.TryAppend(r.Kind, r.Channel, r.Value, r.DeviceMicros));
        }

        return Received(TopicKind.Events, buffer[..w.Finish()]);
    }

    private static JournalRecord Status(uint batchesSent, uint unacked, uint boot = Boot) =>
        Received(TopicKind.Status, Encode(new DeviceStatus { State = DeviceState.Online, BootId = boot, BatchesSent = batchesSent, UnackedBatches = unacked }, static (s, w) => s.Write(w)));

    private static JournalRecord Received(TopicKind topic, byte[] payload) => new(JournalRecordType.Received, topic, 0, payload);

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
