using System.Linq;
using Rig.Firmware.Publishing;
using Rig.Firmware.Tests.Fakes;
using Rig.Firmware.Tests.Support;
using Rig.Protocol;
using Xunit;

namespace Rig.Firmware.Tests;

public sealed class BatchStoreTests
{
    private const uint Boot = 0xB0071D01;

    private static BatchStore NewStore(int slots = 8) => new(slots, 512);

    /// <summary>Opens a batch, fills it with <paramref name="records"/> TTL records and leaves it open.</summary>
    private static uint OpenWith(BatchStore store, EventBatchWriter writer, int records = 3)
    {
        byte[] buffer = store.Open(out uint seq);
        writer.Begin(buffer, 0, buffer.Length, Boot, seq, (ulong)seq * 100, 1_000 + seq, 0, 256);
        for (int i = 0; i < records; i++)
        {
            Assert.True(writer.TryAppend(EventKind.Ttl, 1, (seq + i) % 2, 1_000 + seq + (ulong)i));
        }

        return seq;
    }

    private static void CloseOpen(BatchStore store, EventBatchWriter writer)
    {
        int count = writer.RecordCount;
        store.Close(writer.Finish(), (ushort)count);
    }

    private static uint AddClosed(BatchStore store, int records = 3)
    {
        var writer = new EventBatchWriter();
        uint seq = OpenWith(store, writer, records);
        CloseOpen(store, writer);
        return seq;
    }

    private static uint[] PublishedSeqs(FakeDeviceLink link) => link.Batches().Select(b => b.BatchSeq).ToArray();

    [Fact]
    public void Batches_are_numbered_from_zero_and_published_oldest_first_once_closed()
    {
        var store = NewStore();
        var link = new FakeDeviceLink();
        var writer = new EventBatchWriter();

        Assert.Equal(0u, AddClosed(store));
        Assert.Equal(1u, OpenWith(store, writer));
        Assert.Equal(1, store.PublishPending(link));
        Assert.Equal([0u], PublishedSeqs(link));

        CloseOpen(store, writer);
        Assert.Equal(2u, AddClosed(store, records: 5));
        Assert.Equal(2, store.PublishPending(link));

        Assert.Equal([0u, 1u, 2u], PublishedSeqs(link));
        var batches = link.Batches();
        Assert.All(batches, b => Assert.False(b.Resent));
        Assert.All(link.Published, m => Assert.False(m.Retain));
        Assert.Equal([3, 3, 5], batches.Select(b => b.Records.Length));
        Assert.Equal(3u, store.BatchesSent);
        Assert.Equal(0u, store.BatchesResent);
        Assert.Equal(3u, store.NextBatchSeq);
    }

    [Fact]
    public void Publishing_again_sends_nothing_new()
    {
        var store = NewStore();
        var link = new FakeDeviceLink();
        AddClosed(store);
        store.PublishPending(link);

        Assert.Equal(0, store.PublishPending(link));
        Assert.Single(link.Published);
    }

    [Fact]
    public void An_open_batch_is_held_but_neither_published_nor_counted_as_unacknowledged()
    {
        var store = NewStore();
        var link = new FakeDeviceLink();
        AddClosed(store);
        OpenWith(store, new EventBatchWriter());

        store.PublishPending(link);

        Assert.Equal(2, store.Count);
        Assert.Equal(1, store.Unacknowledged);
        Assert.Equal([0u], PublishedSeqs(link));
    }

    [Fact]
    public void Publishing_stops_at_the_first_refusal_and_resumes_in_order()
    {
        var store = NewStore();
        var link = new FakeDeviceLink { AcceptBudget = 1 };
        AddClosed(store);
        AddClosed(store);
        AddClosed(store);

        Assert.Equal(1, store.PublishPending(link));
        Assert.Equal(1, link.Refused);
        Assert.Equal(0, store.PublishPending(link));

        link.AcceptBudget = null;
        Assert.Equal(2, store.PublishPending(link));
        Assert.Equal([0u, 1u, 2u], PublishedSeqs(link));
        Assert.Equal(3u, store.BatchesSent);
    }

    [Fact]
    public void A_cumulative_acknowledgement_frees_every_batch_up_to_and_including_it()
    {
        var store = NewStore(slots: 4);
        var link = new FakeDeviceLink();
        for (int i = 0; i < 4; i++)
        {
            AddClosed(store);
        }

        store.PublishPending(link);
        Assert.True(store.IsFull);

        store.Acknowledge(2);

        Assert.Equal(1, store.Count);
        Assert.Equal(1, store.Unacknowledged);
        Assert.False(store.IsFull);
        Assert.True(store.IsAcknowledged(0));
        Assert.True(store.IsAcknowledged(2));
        Assert.False(store.IsAcknowledged(3));
    }

    [Fact]
    public void Freed_slots_are_reused_and_the_batches_still_held_are_intact()
    {
        var store = NewStore(slots: 2);
        var link = new FakeDeviceLink();
        AddClosed(store, records: 2);
        AddClosed(store, records: 4);
        store.PublishPending(link);
        byte[] batch1 = link.Published[1].Bytes;
        Assert.True(store.IsFull);

        store.Acknowledge(0);
        Assert.False(store.IsFull);
        Assert.Equal(2u, AddClosed(store, records: 6));
        Assert.True(store.IsFull);
        store.PublishPending(link);

        Assert.True(store.MarkForResend(1, 1, out _));
        link.Clear();
        store.PublishPending(link);
        var resent = Assert.Single(link.Published);
        Assert.Equal(batch1.Skip(4), resent.Bytes.Skip(4));
        Assert.Equal(4, Wire.DecodeBatch(resent.Bytes).Records.Length);
    }

    [Fact]
    public void An_acknowledgement_older_than_the_oldest_held_batch_changes_nothing()
    {
        var store = NewStore();
        var link = new FakeDeviceLink();
        for (int i = 0; i < 4; i++)
        {
            AddClosed(store);
        }

        store.PublishPending(link);
        store.Acknowledge(1);

        store.Acknowledge(0);
        store.Acknowledge(1);

        Assert.Equal(2, store.Count);
        Assert.False(store.IsAcknowledged(2));
    }

    [Fact]
    public void An_acknowledgement_never_frees_a_batch_that_was_not_yet_published_nor_the_open_one()
    {
        var store = NewStore();
        var link = new FakeDeviceLink();
        AddClosed(store);
        store.PublishPending(link);
        AddClosed(store);
        OpenWith(store, new EventBatchWriter());

        store.Acknowledge(10);

        Assert.Equal(2, store.Count);
        Assert.True(store.IsAcknowledged(0));
        Assert.False(store.IsAcknowledged(1));
        Assert.False(store.IsAcknowledged(2));
    }

    [Fact]
    public void MarkForResend_sets_the_resent_bit_in_the_stored_header_and_republishes_the_same_batch()
    {
        var store = NewStore();
        var link = new FakeDeviceLink();
        for (int i = 0; i < 3; i++)
        {
            AddClosed(store, records: i + 1);
        }

        store.PublishPending(link);
        var original = link.Batches();
        link.Clear();

        Assert.True(store.MarkForResend(1, 2, out _));
        Assert.Equal(2, store.PublishPending(link));

        var resent = link.Batches();
        Assert.Equal([1u, 2u], resent.Select(b => b.BatchSeq));
        Assert.All(resent, b => Assert.True(b.Resent));
        Assert.Equal(EventBatchFlags.Resent, resent[0].Header.Flags);
        Assert.Equal(original[1].Events(), resent[0].Events());
        Assert.Equal(original[2].Events(), resent[1].Events());
        Assert.Equal(original[1].Header.FirstEventSeq, resent[0].Header.FirstEventSeq);
        Assert.Equal(3u, store.BatchesSent);
        Assert.Equal(2u, store.BatchesResent);
        Assert.Equal(3, store.Unacknowledged);
    }

    [Fact]
    public void A_resend_of_a_partly_freed_range_names_the_first_missing_batch_and_still_resends_the_rest()
    {
        var store = NewStore();
        var link = new FakeDeviceLink();
        for (int i = 0; i < 4; i++)
        {
            AddClosed(store);
        }

        store.PublishPending(link);
        store.Acknowledge(1);
        link.Clear();

        Assert.False(store.MarkForResend(0, 4, out uint firstMissing));
        Assert.Equal(0u, firstMissing);

        store.PublishPending(link);
        Assert.Equal([2u, 3u], PublishedSeqs(link));
        Assert.All(link.Batches(), b => Assert.True(b.Resent));
    }

    [Fact]
    public void A_resend_past_the_newest_batch_names_the_first_one_not_yet_made()
    {
        var store = NewStore();
        var link = new FakeDeviceLink();
        AddClosed(store);
        AddClosed(store);
        store.PublishPending(link);

        Assert.False(store.MarkForResend(1, 3, out uint firstMissing));
        Assert.Equal(2u, firstMissing);
    }

    [Fact]
    public void A_resend_from_an_empty_store_names_the_first_batch_asked_for()
    {
        var store = NewStore();
        var link = new FakeDeviceLink();
        AddClosed(store);
        AddClosed(store);
        store.PublishPending(link);
        store.Acknowledge(1);

        Assert.False(store.MarkForResend(0, 2, out uint firstMissing));
        Assert.Equal(0u, firstMissing);
        Assert.False(store.MarkForResend(2, 1, out firstMissing));
        Assert.Equal(2u, firstMissing);
    }

    [Fact]
    public void A_resend_of_a_batch_not_yet_published_sends_it_once_and_unflagged()
    {
        var store = NewStore();
        var link = new FakeDeviceLink();
        AddClosed(store);

        Assert.True(store.MarkForResend(0, 1, out _));
        store.PublishPending(link);

        var batch = Assert.Single(link.Batches());
        Assert.False(batch.Resent);
        Assert.Equal(1u, store.BatchesSent);
        Assert.Equal(0u, store.BatchesResent);
    }

    [Fact]
    public void MarkAllSentForResend_republishes_every_unacknowledged_sent_batch_flagged_and_leaves_the_rest_alone()
    {
        var store = NewStore();
        var link = new FakeDeviceLink();
        var writer = new EventBatchWriter();
        AddClosed(store);
        AddClosed(store);
        AddClosed(store);
        store.PublishPending(link);
        store.Acknowledge(0);
        link.IsConnected = false;
        AddClosed(store);
        OpenWith(store, writer);
        link.IsConnected = true;
        link.Clear();

        store.MarkAllSentForResend();
        store.PublishPending(link);

        var batches = link.Batches();
        Assert.Equal([1u, 2u, 3u], batches.Select(b => b.BatchSeq));
        Assert.Equal([true, true, false], batches.Select(b => b.Resent));
        Assert.Equal(4u, store.BatchesSent);
        Assert.Equal(2u, store.BatchesResent);

        // The open batch is still open and closes normally.
        CloseOpen(store, writer);
        link.Clear();
        store.PublishPending(link);
        Assert.Equal([4u], PublishedSeqs(link));
    }

    [Fact]
    public void IsAcknowledged_is_false_before_any_batch_and_for_batches_not_yet_made()
    {
        var store = NewStore();
        var link = new FakeDeviceLink();

        Assert.False(store.IsAcknowledged(0));

        AddClosed(store);
        AddClosed(store);
        store.PublishPending(link);
        store.Acknowledge(1);

        Assert.Equal(0, store.Count);
        Assert.True(store.IsAcknowledged(0));
        Assert.True(store.IsAcknowledged(1));
        Assert.False(store.IsAcknowledged(2));
        Assert.False(store.IsAcknowledged(1_000));
    }

    [Fact]
    public void A_store_asked_for_fewer_than_two_slots_gets_two()
    {
        var store = new BatchStore(0, 512);

        AddClosed(store);
        Assert.False(store.IsFull);
        AddClosed(store);
        Assert.True(store.IsFull);
    }

    [Fact]
    public void An_acknowledgement_frees_batches_that_are_waiting_to_be_resent()
    {
        var store = NewStore();
        var link = new FakeDeviceLink();
        AddClosed(store);
        AddClosed(store);
        AddClosed(store);
        store.PublishPending(link);

        store.MarkAllSentForResend();
        store.Acknowledge(2);

        Assert.Equal(0, store.Count);
        Assert.True(store.IsAcknowledged(2));
        link.Clear();
        Assert.Equal(0, store.PublishPending(link));
    }
}
