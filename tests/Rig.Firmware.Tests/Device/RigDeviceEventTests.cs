using System.Collections.Generic;
using System.Linq;
using Rig.Firmware.Hardware;
using Rig.Firmware.Tests.Support;
using Rig.Protocol;
using Xunit;

namespace Rig.Firmware.Tests;

/// <summary>Captured edges to published batches, end to end through <see cref="RigDevice"/> with fakes.</summary>
public sealed class RigDeviceEventTests
{
    private const uint Boot = DeviceHarness.Boot;

    [Fact]
    public void Captured_lick_frame_and_encoder_edges_come_out_as_decoded_records_with_consecutive_sequence_numbers()
    {
        // Age-only batching, so everything lands in one batch (lick onsets close theirs at once by default).
        var h = new DeviceHarness(c => c.PromptKindsMask = DeviceConfig.PromptKindsNone);
        h.Device.Start(0);
        h.Device.Poll(0);
        h.Capture.Push(1_000, CaptureLine.Lick, 0, 1);
        h.Capture.Push(2_000, CaptureLine.FrameClock, 3, 1);
        h.Capture.Push(2_500, CaptureLine.FrameClock, 3, 0);
        h.Capture.Push(4_000, CaptureLine.Lick, 0, 0);
        h.Device.Poll(4_500);
        h.Encoder.Count = -12;
        h.Device.Poll(5_500);
        h.Capture.Push(6_000, CaptureLine.FrameClock, 3, 1);
        h.Capture.Push(6_500, CaptureLine.Ttl, 2, 1);
        h.Capture.Push(6_600, CaptureLine.Photodiode, 5, 1);
        h.Capture.Push(6_700, CaptureLine.SyncMonitor, 1, 1);
        h.Capture.Push(6_800, CaptureLine.Ttl, 2, 0);

        h.Device.Flush(7_000);

        var message = Assert.Single(h.Link.On(TopicKind.Events));
        Assert.False(message.Retain);
        var batch = Wire.DecodeBatch(message.Bytes);
        Assert.Equal(Boot, batch.Header.BootId);
        Assert.Equal(0u, batch.BatchSeq);
        Assert.Equal(0, batch.Header.Flags);
        Assert.Equal(0u, batch.Header.LostEventsTotal);
        Assert.Equal(0UL, batch.Header.BaseDeviceMicros);
        // A lick is numbered when its debounce settles (the next edge, or a quiet debounce time later), so its number
        // can come after later events; its time is still the moment of contact.
        Evt[] expected =
        [
            new(0, EventKind.Encoder, 0, 0, 0),
            new(1, EventKind.Frame, 3, 0, 2_000),
            new(2, EventKind.Lick, 0, 1, 1_000),
            new(3, EventKind.Encoder, 0, -12, 5_500),
            new(4, EventKind.Lick, 0, 0, 4_000),
            new(5, EventKind.Frame, 3, 1, 6_000),
            new(6, EventKind.Ttl, 2, 1, 6_500),
            new(7, EventKind.Photodiode, 5, 1, 6_600),
            new(8, EventKind.SyncOut, 1, 1, 6_700),
            new(9, EventKind.Ttl, 2, 0, 6_800),
        ];
        Assert.Equal(expected, batch.Events());
        Assert.Equal(10UL, h.Device.EventsCaptured);
        Assert.Equal(0, h.Device.PendingEvents);
    }

    [Fact]
    public void Valve_and_tone_monitor_edges_carry_the_commanded_duration_and_frequency_on_open_and_zero_on_close()
    {
        var h = new DeviceHarness();
        h.Device.Start(0);
        h.Offer(Cmd.PulseValve(1, 1, 30_000), 1_000);
        h.Offer(Cmd.PlayTone(2, 4_000, 200_000), 1_000);
        h.Device.Poll(1_000);
        h.Capture.Push(1_010, CaptureLine.ValveMonitor, 1, 1);
        h.Capture.Push(1_020, CaptureLine.ToneMonitor, 0, 1);
        h.Capture.Push(31_010, CaptureLine.ValveMonitor, 1, 0);
        h.Capture.Push(201_020, CaptureLine.ToneMonitor, 0, 0);

        h.Device.Flush(201_100);

        var events = Wire.DistinctEvents(h.Link.Batches()).Where(e => e.Kind != EventKind.Encoder).ToList();
        Assert.Equal(
            [
                new Evt(1, EventKind.Valve, 1, 30_000, 1_010),
                new Evt(2, EventKind.Tone, 0, 4_000, 1_020),
                new Evt(3, EventKind.Valve, 1, 0, 31_010),
                new Evt(4, EventKind.Tone, 0, 0, 201_020),
            ],
            events);
    }

    [Fact]
    public void Each_lick_channel_is_debounced_on_its_own()
    {
        var h = new DeviceHarness();
        h.Device.Start(0);
        h.Capture.Push(1_000, CaptureLine.Lick, 0, 1);
        h.Capture.Push(1_200, CaptureLine.Lick, 1, 1);
        h.Capture.Push(1_300, CaptureLine.Lick, 0, 0);
        h.Capture.Push(1_400, CaptureLine.Lick, 1, 0);
        h.Capture.Push(1_450, CaptureLine.Lick, 1, 1);
        h.Capture.Push(1_500, CaptureLine.Lick, 0, 1);
        h.Capture.Push(40_000, CaptureLine.Lick, 1, 0);
        h.Capture.Push(40_000, CaptureLine.Lick, 1, 0);
        h.Capture.Push(41_000, CaptureLine.Lick, 0, 0);

        h.Device.Flush(50_000);

        var licks = Wire.DistinctEvents(h.Link.Batches()).Where(e => e.Kind == EventKind.Lick)
            .OrderBy(e => e.Micros).Select(e => (e.Channel, e.Value, e.Micros));
        Assert.Equal([((byte)0, 1L, 1_000UL), ((byte)1, 1L, 1_200UL), ((byte)1, 0L, 40_000UL), ((byte)0, 0L, 41_000UL)], licks);
    }

    [Fact]
    public void More_edges_than_one_capture_drain_are_all_taken_in_one_loop_iteration()
    {
        var h = new DeviceHarness(c => c.CaptureDrainBatch = 4);
        h.Device.Start(0);
        for (int i = 0; i < 10; i++)
        {
            h.Capture.Push((ulong)(100 + i), CaptureLine.Ttl, 0, (byte)(i % 2));
        }

        h.Device.Poll(1_000);

        Assert.Equal(0, h.Capture.Pending);
        Assert.Equal(11UL, h.Device.EventsCaptured);
    }

    [Fact]
    public void Thousands_of_events_over_many_batches_have_consecutive_event_and_batch_numbers_and_exact_values()
    {
        var h = new DeviceHarness(c => c.MaxBatchRecords = 50);
        h.Device.Start(0);
        var pushed = new List<(long Frame, ulong At)>();
        long frame = 0;
        for (ulong t = 1_000; t <= 2_000_000; t += 1_000)
        {
            for (int k = 0; k < 3; k++)
            {
                ulong at = t - 900 + ((ulong)k * 200);
                h.Frame(at, 2);
                pushed.Add((frame++, at));
            }

            h.Device.Poll(t);
            if (t % 100_000 == 0)
            {
                h.AckThrough(h.Device.NextBatchSeq - 1, t);
            }
        }

        h.Device.Flush(2_000_001);

        var batches = h.Link.Batches();
        Assert.Equal(Enumerable.Range(0, batches.Count).Select(i => (uint)i), batches.Select(b => b.BatchSeq));
        Assert.All(batches, b => Assert.InRange(b.Records.Length, 1, 50));
        var events = batches.SelectMany(b => b.Events()).ToList();
        Assert.Equal(Enumerable.Range(0, events.Count).Select(i => (ulong)i), events.Select(e => e.Seq));
        var frames = events.Where(e => e.Kind == EventKind.Frame).ToList();
        Assert.Equal(pushed.Select(p => (p.Frame, p.At)), frames.Select(e => (e.Value, e.Micros)));
        Assert.All(frames, e => Assert.Equal(2, e.Channel));
        Assert.Equal(h.Device.EventsCaptured, (ulong)events.Count);
        Assert.Equal(0u, h.Device.EventsLost);
    }

    [Fact]
    public void A_batch_closes_when_it_reaches_MaxBatchRecords_and_the_remainder_waits_for_its_age()
    {
        var h = new DeviceHarness(c =>
        {
            c.MaxBatchRecords = 10;
            c.MaxBatchAgeMicros = 20_000;
        });
        h.Device.Start(0);
        for (int i = 0; i < 25; i++)
        {
            h.Capture.Push((ulong)(10 + i), CaptureLine.Ttl, 0, (byte)(i % 2));
        }

        h.Device.Poll(100);

        var batches = h.Link.Batches();
        Assert.Equal([10, 10], batches.Select(b => b.Records.Length));
        Assert.Equal([0UL, 10UL], batches.Select(b => b.FirstEventSeq));
        Assert.Equal(6, 26 - batches.Sum(b => b.Records.Length));

        h.Device.Poll(100 + 19_999);
        Assert.Equal(2, h.Link.Batches().Count);

        h.Device.Poll(100 + 20_000);
        var last = h.Link.Batches()[^1];
        Assert.Equal(2u, last.BatchSeq);
        Assert.Equal(20UL, last.FirstEventSeq);
        Assert.Equal(6, last.Records.Length);
        // The encoder is sampled first in a loop iteration, so the last record is the last edge.
        Assert.Equal(new Evt(0, EventKind.Encoder, 0, 0, 100), h.Link.Batches()[0].Events().First());
        Assert.Equal(new Evt(25, EventKind.Ttl, 0, 0, 34), last.Events().Last());
    }

    [Fact]
    public void A_batch_closes_by_age_counted_from_when_it_was_opened()
    {
        var h = new DeviceHarness(c => c.MaxBatchAgeMicros = 20_000);
        h.Device.Start(0);
        h.Device.Poll(0);
        for (ulong t = 1_000; t < 20_000; t += 1_000)
        {
            h.Capture.Push(t - 10, CaptureLine.Ttl, 0, (byte)((t / 1_000) % 2));
            h.Device.Poll(t);
        }

        Assert.Empty(h.Link.Batches());

        h.Device.Poll(20_000);

        var batch = Assert.Single(h.Link.Batches());
        Assert.Equal(20, batch.Records.Length);
        Assert.Equal(0UL, batch.Header.BaseDeviceMicros);

        // The next event opens the next batch, which has its own age.
        h.Capture.Push(25_000, CaptureLine.Ttl, 0, 0);
        h.Device.Poll(25_500);
        h.Device.Poll(45_499);
        Assert.Single(h.Link.Batches());
        h.Device.Poll(45_500);
        Assert.Equal([1u], h.Link.Batches().Skip(1).Select(b => b.BatchSeq));
    }

    [Fact]
    public void A_lick_onset_closes_its_batch_at_once_by_default_and_an_offset_does_not()
    {
        var h = new DeviceHarness(c => c.MaxBatchAgeMicros = 20_000);
        h.Device.Start(0);
        h.Device.Poll(0);
        h.Capture.Push(1_000, CaptureLine.Ttl, 0, 1);
        h.Device.Poll(1_500);
        Assert.Empty(h.Link.Batches());

        // An onset is an event once it has held for the debounce time (1 ms): from 3,000 µs.
        h.Capture.Push(2_000, CaptureLine.Lick, 0, 1);
        h.Device.Poll(3_500);
        var first = Assert.Single(h.Link.Batches());
        Assert.Equal(EventKind.Lick, first.Events().Last().Kind);

        // The offset (value 0) waits for the batch's age like any other event.
        h.Capture.Push(60_000, CaptureLine.Lick, 0, 0);
        h.Device.Poll(61_500);
        Assert.Single(h.Link.Batches());
        h.Device.Poll(81_500);
        Assert.Equal(2, h.Link.Batches().Count);
    }

    [Fact]
    public void Without_prompt_kinds_a_lick_onset_waits_for_the_batch_age()
    {
        var h = new DeviceHarness(c =>
        {
            c.MaxBatchAgeMicros = 20_000;
            c.PromptKindsMask = DeviceConfig.PromptKindsNone;
        });
        h.Device.Start(0);
        h.Device.Poll(0);
        h.Capture.Push(2_000, CaptureLine.Lick, 0, 1);
        h.Device.Poll(3_500);
        Assert.Empty(h.Link.Batches());
        h.Device.Poll(23_500);
        Assert.Single(h.Link.Batches());
    }

    [Fact]
    public void No_batch_is_made_while_nothing_happens()
    {
        var h = new DeviceHarness();
        h.Device.Start(0);
        h.Device.Poll(0);
        h.Device.Flush(1);
        h.Link.Clear();

        for (ulong t = 1_000; t < 500_000; t += 1_000)
        {
            h.Device.Poll(t);
        }

        Assert.Empty(h.Link.On(TopicKind.Events));
        Assert.Equal(1u, h.Device.NextBatchSeq);
    }

    [Fact]
    public void The_encoder_keep_alive_puts_an_unchanged_count_on_the_record()
    {
        var h = new DeviceHarness(c =>
        {
            c.EncoderSampleIntervalMicros = 1_000;
            c.EncoderKeepAliveMicros = 100_000;
        });
        h.Encoder.Count = 17;
        h.Device.Start(0);
        for (ulong t = 0; t <= 250_000; t += 500)
        {
            h.Device.Poll(t);
        }

        h.Device.Flush(250_001);

        var encoder = Wire.DistinctEvents(h.Link.Batches()).Select(e => (e.Kind, e.Value, e.Micros));
        Assert.Equal([(EventKind.Encoder, 17L, 0UL), (EventKind.Encoder, 17L, 100_000UL), (EventKind.Encoder, 17L, 200_000UL)], encoder);
    }

    [Fact]
    public void A_ring_overflow_while_a_batch_is_open_leaves_a_gap_equal_to_the_increase_of_LostEventsTotal()
    {
        var h = new DeviceHarness(c => c.EventRingCapacity = 8);
        h.Device.Start(0);
        h.Device.Poll(0);
        for (int i = 0; i < 20; i++)
        {
            h.Frame((ulong)(100 + (i * 200)));
        }

        h.Device.Poll(5_000);
        h.Frame(6_000);
        h.Device.Flush(7_000);

        var batches = h.Link.Batches();
        Assert.Equal(2, batches.Count);
        Assert.Equal(0u, batches[0].Header.LostEventsTotal);
        Assert.Equal(9UL, batches[0].EndEventSeq);
        Assert.Equal(12u, batches[1].Header.LostEventsTotal);
        Assert.Equal(21UL, batches[1].FirstEventSeq);
        Assert.Equal(batches[1].FirstEventSeq - batches[0].EndEventSeq, batches[1].Header.LostEventsTotal - batches[0].Header.LostEventsTotal);
        Assert.Equal(12u, h.Device.EventsLost);

        // The frame index keeps counting through the loss: frame 20 (the 21st) follows frame 7.
        Assert.Equal([7L, 20L], batches.Select(b => b.Records[^1].Value));
    }

    /// <summary>
    /// Link refuses every publish, so the store fills (2 slots) and the tiny ring (4) overflows; then the link comes
    /// back and the host acknowledges. Returns every batch published, in order.
    /// </summary>
    private static (DeviceHarness Harness, List<DecodedBatch> Batches) OverflowWhileTheStoreIsFull()
    {
        var h = new DeviceHarness(c =>
        {
            c.EventRingCapacity = 4;
            c.ResendSlots = 2;
            c.MaxBatchRecords = 2;
        });
        h.Link.RefusePublishes = true;
        h.Device.Start(0);
        h.Device.Poll(0);
        for (int i = 0; i < 3; i++)
        {
            h.Frame((ulong)(100 + (i * 200)));
        }

        h.Device.Poll(1_000);
        for (int i = 0; i < 10; i++)
        {
            h.Frame((ulong)(1_100 + (i * 200)));
        }

        h.Device.Poll(4_000);
        Assert.Equal(6u, h.Device.EventsLost);
        Assert.Equal(4, h.Device.PendingEvents);

        h.Link.RefusePublishes = false;
        h.Device.Poll(5_000);
        h.AckThrough(1, 6_000);
        h.Frame(7_000);
        h.Device.Poll(8_000);
        h.AckThrough(h.Device.NextBatchSeq - 1, 9_000);
        h.Device.Flush(10_000);
        return (h, h.Link.Batches());
    }

    [Fact]
    public void A_ring_overflow_behind_a_full_store_loses_only_unbatched_events_and_the_total_gap_equals_the_events_lost()
    {
        var (h, batches) = OverflowWhileTheStoreIsFull();

        Assert.Equal(Enumerable.Range(0, batches.Count).Select(i => (uint)i), batches.Select(b => b.BatchSeq));
        var events = batches.SelectMany(b => b.Events()).ToList();
        ulong gapTotal = 0;
        for (int i = 1; i < batches.Count; i++)
        {
            Assert.True(batches[i].FirstEventSeq >= batches[i - 1].EndEventSeq);
            gapTotal += batches[i].FirstEventSeq - batches[i - 1].EndEventSeq;
        }

        Assert.Equal(6UL, gapTotal);
        Assert.Equal(h.Device.EventsLost, (uint)gapTotal);
        Assert.Equal(h.Device.EventsLost, batches[^1].Header.LostEventsTotal);
        Assert.Equal(h.Device.EventsCaptured - h.Device.EventsLost, (ulong)events.Count);

        // Frames 0..6 were batched or waited in the ring; 7..12 were dropped; 13 came after.
        Assert.Equal([0L, 1L, 2L, 3L, 4L, 5L, 6L, 13L], events.Where(e => e.Kind == EventKind.Frame).Select(e => e.Value));
    }

    [Fact]
    public void A_ring_overflow_behind_a_full_store_gives_batches_whose_event_gap_equals_the_increase_of_LostEventsTotal()
    {
        var (_, batches) = OverflowWhileTheStoreIsFull();

        for (int i = 1; i < batches.Count; i++)
        {
            ulong gap = batches[i].FirstEventSeq - batches[i - 1].EndEventSeq;
            uint lostIncrease = batches[i].Header.LostEventsTotal - batches[i - 1].Header.LostEventsTotal;
            Assert.True(gap == lostIncrease,
                $"batch {batches[i].BatchSeq}: event gap {gap} but LostEventsTotal grew by {lostIncrease}");
        }
    }

    [Fact]
    public void A_full_store_stops_batching_and_events_wait_in_the_ring_instead_of_published_batches_being_lost()
    {
        var h = new DeviceHarness(c =>
        {
            c.ResendSlots = 3;
            c.MaxBatchRecords = 5;
        });
        h.Link.RefusePublishes = true;
        h.Device.Start(0);
        for (int i = 0; i < 40; i++)
        {
            h.Frame((ulong)(10 + (i * 200)));
        }

        h.Device.Poll(10_000);

        Assert.Equal(3u, h.Device.NextBatchSeq);
        Assert.Equal(3, h.Device.UnacknowledgedBatches);
        Assert.Equal(41 - 15, h.Device.PendingEvents);
        Assert.Equal(0u, h.Device.EventsLost);

        // More time passes: still nothing new is batched and nothing is dropped.
        h.Device.Poll(200_000);
        Assert.Equal(3u, h.Device.NextBatchSeq);

        h.Link.RefusePublishes = false;
        h.Device.Poll(210_000);
        Assert.Equal([0u, 1u, 2u], h.Link.Batches().Select(b => b.BatchSeq));
        Assert.Equal(3u, h.Device.NextBatchSeq);

        for (ulong t = 220_000; h.Device.PendingEvents > 0; t += 10_000)
        {
            h.AckThrough(h.Device.NextBatchSeq - 1, t);
            h.Device.Poll(t + 5_000);
            Assert.True(t < 2_000_000, "events never drained");
        }

        h.Device.Flush(3_000_000);
        var events = Wire.DistinctEvents(h.Link.Batches());
        Assert.Equal(Enumerable.Range(0, 41).Select(i => (ulong)i), events.Select(e => e.Seq));
        Assert.Equal(Enumerable.Range(0, 40).Select(i => (long)i), events.Where(e => e.Kind == EventKind.Frame).Select(e => e.Value));
        Assert.Equal(0u, h.Device.EventsLost);
    }

    [Fact]
    public void Batches_made_while_the_link_is_down_are_published_once_it_is_back()
    {
        var h = new DeviceHarness(c => c.MaxBatchAgeMicros = 10_000);
        h.Link.IsConnected = false;
        h.Device.Start(0);
        for (ulong t = 0; t <= 100_000; t += 1_000)
        {
            h.Frame(t);
            h.Device.Poll(t + 500);
        }

        Assert.Empty(h.Link.Published);
        int made = h.Device.UnacknowledgedBatches;
        Assert.True(made > 5);
        Assert.Equal((uint)made + 1, h.Device.NextBatchSeq);

        h.Link.IsConnected = true;
        h.Device.Poll(101_000);

        var batches = h.Link.Batches();
        Assert.Equal(Enumerable.Range(0, made).Select(i => (uint)i), batches.Select(b => b.BatchSeq));
        Assert.All(batches, b => Assert.False(b.Resent));
        Assert.Equal((uint)made, h.Device.BatchesSent);
    }

    [Fact]
    public void After_the_link_comes_back_every_unacknowledged_batch_is_published_again_flagged_resent()
    {
        var h = new DeviceHarness();
        h.Device.Start(0);
        for (int i = 0; i < 4; i++)
        {
            h.Frame((ulong)(i * 1_000));
            h.Device.Flush((ulong)(i * 1_000) + 500);
        }

        Assert.Equal([0u, 1u, 2u, 3u], h.Link.Batches().Select(b => b.BatchSeq));
        var originals = h.Link.Batches();
        h.AckThrough(0, 5_000);

        // The connection drops; what was in flight may be gone. Another batch is made meanwhile.
        h.Link.IsConnected = false;
        h.Frame(6_000);
        h.Device.Flush(6_500);
        h.Link.Clear();

        h.Link.IsConnected = true;
        h.Device.OnLinkConnected();
        h.Device.Poll(7_000);

        var batches = h.Link.Batches();
        Assert.Equal([1u, 2u, 3u, 4u], batches.Select(b => b.BatchSeq));
        Assert.Equal([true, true, true, false], batches.Select(b => b.Resent));
        for (int i = 1; i <= 3; i++)
        {
            Assert.Equal(originals[i].Events(), batches[i - 1].Events());
        }

        Assert.Equal(5u, h.Device.BatchesSent);
        Assert.Equal(3u, h.Device.BatchesResent);

        // The reconnect also republishes the status.
        var status = Assert.Single(h.Link.Statuses());
        Assert.Equal(3u, status.BatchesResent);
        Assert.Equal(4u, status.UnackedBatches);

        h.AckThrough(4, 8_000);
        Assert.Equal(0, h.Device.UnacknowledgedBatches);
        Assert.True(h.Device.IsAcknowledged(4));
    }

    [Fact]
    public void An_acknowledgement_processed_right_after_a_reconnect_frees_the_batches_instead_of_republishing_them()
    {
        var h = new DeviceHarness();
        h.Device.Start(0);
        for (int i = 0; i < 3; i++)
        {
            h.Frame((ulong)(i * 1_000));
            h.Device.Flush((ulong)(i * 1_000) + 500);
        }

        h.Link.Clear();
        h.Device.OnLinkConnected();
        h.Offer(Cmd.AckBatches(1, 2), 5_000);
        h.Device.Poll(5_000);

        Assert.Empty(h.Link.Batches());
        Assert.Equal(0, h.Device.UnacknowledgedBatches);
        Assert.True(h.Device.IsAcknowledged(2));
    }

    [Fact]
    public void Flush_closes_the_open_batch_and_publishes_it()
    {
        var h = new DeviceHarness();
        h.Device.Start(0);
        h.Capture.Push(10, CaptureLine.Ttl, 4, 1);

        h.Device.Flush(20);

        var batch = Assert.Single(h.Link.Batches());
        Assert.Equal([new Evt(0, EventKind.Ttl, 4, 1, 10)], batch.Events());
    }
}
