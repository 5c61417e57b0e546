using System.Collections.Generic;
using Rig.Firmware.Events;
using Rig.Protocol;
using Xunit;

namespace Rig.Firmware.Tests;

public sealed class EventRingTests
{
    private static List<(ulong Seq, EventRecord Record)> DrainAll(EventRing ring)
    {
        var all = new List<(ulong, EventRecord)>();
        while (ring.Count > 0)
        {
            ring.PeekOldest(out EventRecord record, out ulong seq, out _);
            all.Add((seq, record));
            ring.RemoveOldest();
        }

        return all;
    }

    [Fact]
    public void Events_are_numbered_consecutively_from_zero_and_come_out_oldest_first()
    {
        var ring = new EventRing(8);

        Assert.True(ring.Push(EventKind.Lick, 1, 1, 100));
        Assert.True(ring.Push(EventKind.Frame, 2, 0, 200));
        Assert.True(ring.Push(EventKind.Encoder, 0, -40, 300));

        Assert.Equal(3, ring.Count);
        Assert.Equal(3UL, ring.NextSeq);
        var all = DrainAll(ring);
        Assert.Equal([0UL, 1UL, 2UL], all.ConvertAll(e => e.Seq));
        Assert.Equal(new EventRecord(EventKind.Lick, 1, 1, 100), all[0].Record);
        Assert.Equal(new EventRecord(EventKind.Frame, 2, 0, 200), all[1].Record);
        Assert.Equal(new EventRecord(EventKind.Encoder, 0, -40, 300), all[2].Record);
    }

    [Fact]
    public void Peeking_does_not_remove()
    {
        var ring = new EventRing(4);
        ring.Push(EventKind.Ttl, 3, 1, 50);

        ring.PeekOldest(out _, out ulong first, out _);
        ring.PeekOldest(out EventRecord record, out ulong second, out _);

        Assert.Equal(0UL, first);
        Assert.Equal(0UL, second);
        Assert.Equal(1, ring.Count);
        Assert.Equal(50UL, record.DeviceMicros);
    }

    [Fact]
    public void When_full_a_push_is_dropped_and_counted_and_its_sequence_number_is_consumed()
    {
        var ring = new EventRing(3);
        for (int i = 0; i < 5; i++)
        {
            bool kept = ring.Push(EventKind.Ttl, 0, i, (ulong)i);
            Assert.Equal(i < 3, kept);
        }

        Assert.Equal(3, ring.Count);
        Assert.Equal(2u, ring.Lost);
        Assert.Equal(5UL, ring.NextSeq);

        ring.RemoveOldest();
        Assert.True(ring.Push(EventKind.Ttl, 0, 5, 5));

        var all = DrainAll(ring);
        Assert.Equal([1UL, 2UL, 5UL], all.ConvertAll(e => e.Seq));

        // The gap (3, 4) is exactly the number counted as lost.
        Assert.Equal(ring.Lost, (uint)(all[2].Seq - all[1].Seq - 1));
        Assert.Equal([1L, 2L, 5L], all.ConvertAll(e => e.Record.Value));
    }

    [Fact]
    public void Order_and_numbering_survive_many_wraps_of_the_storage()
    {
        var ring = new EventRing(5);
        ulong expectedSeq = 0;
        for (int round = 0; round < 1_000; round++)
        {
            int n = (round % 5) + 1;
            for (int i = 0; i < n; i++)
            {
                Assert.True(ring.Push(EventKind.Encoder, 0, round, (ulong)round));
            }

            foreach (var (seq, record) in DrainAll(ring))
            {
                Assert.Equal(expectedSeq++, seq);
                Assert.Equal(round, record.Value);
            }
        }

        Assert.Equal(0u, ring.Lost);
        Assert.Equal(expectedSeq, ring.NextSeq);
    }

    [Fact]
    public void Removing_from_an_empty_ring_does_nothing()
    {
        var ring = new EventRing(2);

        ring.RemoveOldest();
        Assert.Equal(0, ring.Count);
        Assert.True(ring.Push(EventKind.Lick, 0, 1, 1));
        Assert.Equal(1, ring.Count);
    }

    [Fact]
    public void A_capacity_below_one_is_raised_to_one()
    {
        var ring = new EventRing(0);

        Assert.Equal(1, ring.Capacity);
        Assert.True(ring.Push(EventKind.Lick, 0, 1, 1));
        Assert.False(ring.Push(EventKind.Lick, 0, 0, 2));
        Assert.Equal(1u, ring.Lost);
    }

    [Fact]
    public void Each_event_carries_the_number_of_drops_numbered_before_it()
    {
        var ring = new EventRing(2);
        ring.Push(EventKind.Ttl, 0, 1, 10);   // seq 0
        ring.Push(EventKind.Ttl, 0, 0, 20);   // seq 1
        ring.Push(EventKind.Ttl, 0, 1, 30);   // seq 2: dropped
        ring.Push(EventKind.Ttl, 0, 0, 40);   // seq 3: dropped
        ring.RemoveOldest();
        ring.Push(EventKind.Ttl, 0, 1, 50);   // seq 4, two drops before it
        ring.PeekOldest(out _, out ulong seq, out uint lostBefore);
        Assert.Equal((1ul, 0u), (seq, lostBefore));
        ring.RemoveOldest();
        ring.PeekOldest(out _, out seq, out lostBefore);
        Assert.Equal((4ul, 2u), (seq, lostBefore));
    }
}
