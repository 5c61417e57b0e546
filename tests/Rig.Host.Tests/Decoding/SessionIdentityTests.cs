using System;
using System.Collections.Generic;
using System.Linq;
using Rig.Protocol;
using Rig.Recording.Decoding;
using Rig.Recording.Journal;
using Xunit;

namespace Rig.Host.Tests.Decoding;

/// <summary>
/// Issue 19 part 2, one identity per session: messages that do not fit the device identity the journal established, or
/// that are implausible, are counted as suspicious and never displace or invent real data (docs/security.md).
/// Each journal here starts as a recorder's does: the status request sent, the Online status, the request's ack.
/// </summary>
public sealed class SessionIdentityTests
{
    private const uint Boot = 0xB007;
    private const uint Other = 0xF0F0;
    private const long Ms = 1_000_000;

    [Fact]
    public void A_status_claiming_far_more_batches_than_the_elapsed_time_allows_invents_no_missing_batches()
    {
        var d = Opened();
        ulong next = Batches(d, 0, 10, 0, startNanos: 10 * Ms);
        d.Process(Status(Boot, batchesSent: 10_010, unacked: 10_000, hostNanos: 300 * Ms));

        var c = d.Summarize();
        Assert.Equal(0, c.MissingBatches);
        Assert.Empty(d.MissingBatches());
        Assert.Equal(1, c.SuspiciousMessages.GetValueOrDefault("implausible_batches_sent"));
        Assert.Equal(0u, c.LastStatus!.BatchesSent);
        Assert.Equal((long)next, c.EventsTotal);
    }

    [Fact]
    public void A_forged_batch_carrying_the_next_number_does_not_displace_the_real_one()
    {
        var d = Opened();
        ulong next = Batches(d, 0, 5, 0, startNanos: 10 * Ms);

        // Forged: the next batch number, events numbered 812 past the real stream, no loss counted by the device.
        d.Process(Batch(5, next + 812, [Lick(1), Lick(0)], hostNanos: 200 * Ms));
        d.Process(Batch(5, next, [Lick(1), Lick(0), Lick(1)], hostNanos: 201 * Ms));
        d.Process(Batch(6, next + 3, [Lick(0)], hostNanos: 220 * Ms));

        var c = d.Summarize();
        Assert.Equal((long)next + 4, c.EventsTotal);
        Assert.Equal(0, c.UnexplainedMissingEvents);
        Assert.Equal(0, c.MissingBatches);
        Assert.Equal(0, c.DuplicateBatches);
        Assert.Empty(c.Boots.Single().Gaps);
        Assert.Equal(1, c.SuspiciousMessages.GetValueOrDefault("inconsistent_batch"));
        Assert.Equal(6u, d.ContiguousBatchThrough(Boot));
    }

    [Fact]
    public void Another_batch_under_a_number_already_received_is_a_collision_and_the_kept_one_stands_while_a_resend_is_a_duplicate()
    {
        var d = Opened();
        ulong next = Batches(d, 0, 3, 0, startNanos: 10 * Ms);
        d.Process(Batch(1, 1, [Lick(1)], hostNanos: 100 * Ms)); // the same batch again: a redelivery
        d.Process(Batch(1, 1, [Lick(1), Lick(0)], hostNanos: 110 * Ms)); // other contents under number 1

        var c = d.Summarize();
        Assert.Equal((long)next, c.EventsTotal);
        Assert.Equal(1, c.DuplicateBatches);
        Assert.Equal(1, c.SuspiciousMessages.GetValueOrDefault("batch_collision"));
        Assert.Empty(c.Boots.Single().Gaps);
    }

    [Fact]
    public void A_forged_batch_filling_a_hole_is_judged_against_the_batch_after_it_and_the_real_one_still_fills_it()
    {
        var d = Opened();
        d.Process(Batch(0, 0, [Lick(1)], hostNanos: 10 * Ms));
        d.Process(Batch(2, 3, [Lick(1)], hostNanos: 50 * Ms)); // batch 1 (events 1-2) is late
        d.Process(Batch(1, 1, [Lick(1)], hostNanos: 60 * Ms)); // forged: one event, leaves event 2 unexplained before batch 2
        d.Process(Batch(1, 1, [Lick(1), Lick(0)], hostNanos: 70 * Ms));

        var c = d.Summarize();
        Assert.Equal(4, c.EventsTotal);
        Assert.Equal(0, c.MissingBatches);
        Assert.Empty(c.Boots.Single().Gaps);
        Assert.Equal(1, c.SuspiciousMessages.GetValueOrDefault("inconsistent_batch"));
    }

    [Fact]
    public void At_the_start_the_session_is_the_boot_that_answered_and_its_batches_before_the_answer_are_kept()
    {
        // A stale retained Online status (no device behind it) comes first; the device's own status and first batches
        // arrive before its ack of the status request.
        var d = new SessionDecoder("r1");
        d.Process(Sent(new Command { Opcode = CommandOpcode.RequestStatus, CommandId = 1 }, 0));
        d.Process(Status(Other, 0, 0, 1 * Ms));
        d.Process(Status(Boot, 0, 0, 2 * Ms));
        d.Process(Batch(0, 0, [Lick(1)], hostNanos: 3 * Ms));
        d.Process(Batch(1, 1, [Lick(0)], hostNanos: 4 * Ms));
        Assert.Null(d.CurrentBootId);
        d.Process(Ack(1, Boot, CommandOpcode.RequestStatus, 5 * Ms));

        var c = d.Summarize();
        Assert.Equal([Boot], c.Boots.Select(b => b.BootId));
        Assert.Equal(Boot, d.CurrentBootId);
        Assert.Equal(2, c.EventsTotal);
        Assert.Equal(0, c.MissingBatches);
        Assert.Equal(1, c.SuspiciousMessages.GetValueOrDefault("unconfirmed_boot"));
        Assert.Equal(1u, d.ContiguousBatchThrough(Boot));
    }

    [Fact]
    public void A_batch_from_a_boot_no_round_trip_confirmed_is_quarantined_without_a_reboot_or_its_events()
    {
        var d = Opened();
        ulong next = Batches(d, 0, 3, 0, startNanos: 10 * Ms);
        d.Process(Batch(0, 0, [Lick(1), Lick(0), Lick(1), Lick(0)], boot: Other, hostNanos: 100 * Ms));
        d.Process(Batch(3, next, [Lick(1)], hostNanos: 120 * Ms));
        d.Process(Batch(1, 4, [Lick(1)], boot: Other, hostNanos: 130 * Ms));

        var c = d.Summarize();
        Assert.Equal([Boot], c.Boots.Select(b => b.BootId));
        Assert.Equal([Boot], d.BootIds);
        Assert.Equal(Boot, d.CurrentBootId);
        Assert.Equal((long)next + 1, c.EventsTotal);
        Assert.Equal(4, c.BatchesReceived);
        Assert.Equal(2, c.SuspiciousMessages.GetValueOrDefault("unconfirmed_boot"));
        Assert.Equal(0, c.MissingBatches);
    }

    [Fact]
    public void A_reboot_confirmed_by_a_round_trip_admits_the_new_boots_batches_that_arrived_before_the_confirmation()
    {
        var d = Opened();
        ulong next = Batches(d, 0, 3, 0, startNanos: 10 * Ms);

        // The device restarts: its new boot's Online status and first batches arrive before it answers the bridge's ping.
        d.Process(Status(Other, batchesSent: 0, unacked: 0, hostNanos: 500 * Ms));
        d.Process(Batch(0, 0, [Lick(1), Lick(0)], boot: Other, hostNanos: 510 * Ms));
        d.Process(Sent(new Command { Opcode = CommandOpcode.Ping, CommandId = 42 }, 515 * Ms));
        d.Process(Batch(1, 2, [Lick(1)], boot: Other, hostNanos: 520 * Ms));
        Assert.Equal(Boot, d.CurrentBootId);
        d.Process(Ack(42, Other, CommandOpcode.Ping, 525 * Ms));
        d.Process(Batch(2, 3, [Lick(0)], boot: Other, hostNanos: 540 * Ms));

        var c = d.Summarize();
        Assert.Equal([Boot, Other], c.Boots.Select(b => b.BootId));
        Assert.Equal(Other, d.CurrentBootId);
        Assert.Equal((long)next + 4, c.EventsTotal);
        Assert.Equal(4, c.Boots[1].Events);
        Assert.Empty(c.SuspiciousMessages);
        Assert.Equal(2u, d.ContiguousBatchThrough(Other));
    }

    [Fact]
    public void An_ack_for_a_command_the_bridge_never_sent_is_counted_as_suspicious_and_matches_nothing()
    {
        var d = Opened();
        Batches(d, 0, 1, 0, startNanos: 10 * Ms);
        d.Process(Batch(2, 5, [Lick(1)], hostNanos: 20 * Ms));
        d.Process(Sent(new Command { Opcode = CommandOpcode.PulseValve, CommandId = 7, TargetBootId = Boot }, 30 * Ms));

        // Never sent: 8 and 9. An Unavailable answer must not write off the missing batch 1 either.
        d.Process(Ack(8, Boot, CommandOpcode.PulseValve, 31 * Ms));
        d.Process(Received(TopicKind.Ack, Encode(new Ack { Result = AckResult.Unavailable, Opcode = CommandOpcode.ResendBatches, CommandId = 9, BootId = Boot, Detail = 2 }, static (a, w) => a.Write(w)), 32 * Ms));
        d.Process(Ack(7, Boot, CommandOpcode.PulseValve, 33 * Ms));

        var c = d.Summarize();
        Assert.Equal(2, c.SuspiciousMessages.GetValueOrDefault("ack_for_unsent_command"));
        Assert.Equal(2, c.AckResults.Values.Sum()); // the opening status request's ack and command 7's
        Assert.Equal(0, c.UnavailableBatches);
        Assert.Equal(1, c.MissingBatches);
        Assert.Equal(0, c.CommandsUnacknowledged);
    }

    /// <summary>A journal opened as the recorder opens one: status request sent, Online status, its ack (boot <see cref="Boot"/>).</summary>
    private static SessionDecoder Opened()
    {
        var d = new SessionDecoder("r1");
        d.Process(Sent(new Command { Opcode = CommandOpcode.RequestStatus, CommandId = 1 }, 0));
        d.Process(Status(Boot, 0, 0, 1 * Ms));
        d.Process(Ack(1, Boot, CommandOpcode.RequestStatus, 2 * Ms));
        return d;
    }

    /// <summary>Feeds <paramref name="count"/> consistent batches of one lick each from <paramref name="first"/>, 20 ms apart; returns the next event number.</summary>
    private static ulong Batches(SessionDecoder d, uint first, uint count, ulong firstEvent, long startNanos)
    {
        for (uint b = first; b < first + count; b++)
        {
            d.Process(Batch(b, firstEvent++, [Lick(1)], hostNanos: startNanos + ((b - first) * 20 * Ms)));
        }

        return firstEvent;
    }

    private static EventRecord Lick(long v) => new(EventKind.Lick, 0, v, 1000);

    private static JournalRecord Batch(uint batchSeq, ulong firstEvent, IReadOnlyList<EventRecord> records, uint lostBefore = 0, uint boot = Boot, long hostNanos = 0)
    {
        var buffer = new byte[1024];
        var w = new EventBatchWriter();
        w.Begin(buffer, 0, buffer.Length, boot, batchSeq, firstEvent, 0, lostBefore, 256);
        foreach (var r in records)
        {
            Assert.True(w.TryAppend(r.Kind, r.Channel, r.Value, r.DeviceMicros));
        }

        return Received(TopicKind.Events, buffer[..w.Finish()], hostNanos);
    }

    private static JournalRecord Status(uint boot, uint batchesSent, uint unacked, long hostNanos) =>
        Received(TopicKind.Status, Encode(new DeviceStatus { State = DeviceState.Online, BootId = boot, BatchesSent = batchesSent, UnackedBatches = unacked }, static (s, w) => s.Write(w)), hostNanos);

    private static JournalRecord Ack(uint commandId, uint boot, CommandOpcode opcode, long hostNanos) =>
        Received(TopicKind.Ack, Encode(new Ack { Result = AckResult.Ok, Opcode = opcode, CommandId = commandId, BootId = boot }, static (a, w) => a.Write(w)), hostNanos);

    private static JournalRecord Sent(Command c, long hostNanos) =>
        new(JournalRecordType.Sent, TopicKind.Command, hostNanos, Encode(c, static (x, w) => x.Write(w)));

    private static JournalRecord Received(TopicKind topic, byte[] payload, long hostNanos) =>
        new(JournalRecordType.Received, topic, hostNanos, payload);

    private static byte[] Encode<T>(T message, Action<T, ByteWriter> write)
    {
        var buffer = new byte[256];
        var w = new ByteWriter(buffer, 0, buffer.Length);
        write(message, w);
        return buffer[..w.Position];
    }
}
