using Rig.Firmware.Publishing;
using Rig.Firmware.Tests.Support;
using Rig.Protocol;
using Xunit;

namespace Rig.Firmware.Tests.Publishing;

/// <summary>
/// How long the device keeps capturing with nobody acknowledging: the budget the status reports (BufferBudget), and a
/// device run with its link down at 1,000 events/s that loses its first event exactly when the budget says it will.
/// </summary>
public sealed class BufferBudgetTests
{
    [Fact]
    public void The_default_buffers_hold_four_seconds_at_a_thousand_events_per_second()
    {
        DeviceConfig config = new();

        // 4,096 ring slots + 32 resend slots x 20 events (a batch closes every 20 ms at 1 event/ms).
        Assert.Equal(20, BufferBudget.EventsPerBatch(config, 1000));
        Assert.Equal(4736UL, BufferBudget.EventsHeld(config, 1000));
        Assert.Equal(4u, BufferBudget.Seconds(config, BufferBudget.DefaultEventsPerSecond));
        Assert.Equal(4, BufferBudget.StatusSeconds(config));
    }

    [Fact]
    public void The_large_buffers_for_psram_hold_at_least_thirty_seconds_at_a_thousand_events_per_second_in_one_mebibyte()
    {
        DeviceConfig config = new();
        config.UseLargeBuffers();

        Assert.True(BufferBudget.Seconds(config, 1000) >= 30, "seconds: " + BufferBudget.Seconds(config, 1000));
        Assert.Equal(34u, BufferBudget.Seconds(config, 1000));
        Assert.Equal(1UL << 20, BufferBudget.MemoryBytes(config));
    }

    [Theory]
    [InlineData(160u * 1024, false, 4)] // a WROOM's managed heap: the default buffers
    [InlineData((1u << 20) + (512u * 1024) - 1, false, 4)] // one byte short of the large buffers and their headroom
    [InlineData((1u << 20) + (512u * 1024), true, 34)]
    [InlineData(3u << 20, true, 34)] // a WROVER's heap in PSRAM
    public void The_buffers_are_chosen_by_the_free_managed_heap_at_boot(uint freeBytes, bool large, int seconds)
    {
        DeviceConfig config = new();

        Assert.Equal(large, config.ChooseBuffers(freeBytes));
        Assert.Equal(seconds, BufferBudget.StatusSeconds(config));
    }

    [Fact]
    public void A_batch_is_limited_by_its_record_count_and_by_its_buffer_at_high_rates()
    {
        DeviceConfig config = new();

        Assert.Equal(47, BufferBudget.EventsPerBatch(config, 100000)); // (1024 - 36) / 21 bytes of the largest record
        config.BatchBufferBytes = 8192;
        Assert.Equal(config.MaxBatchRecords, BufferBudget.EventsPerBatch(config, 100000));
        Assert.Equal(1, BufferBudget.EventsPerBatch(config, 1));
        Assert.Equal(0u, BufferBudget.Seconds(config, 0));
    }

    [Fact]
    public void The_status_reports_the_buffer_seconds_of_the_configuration_in_use()
    {
        DeviceHarness small = new();
        DeviceHarness large = new(c => c.UseLargeBuffers());
        small.Device.Start(0);
        large.Device.Start(0);

        Assert.Equal(4, small.RequestStatus(1000).BufferSeconds);
        Assert.Equal(34, large.RequestStatus(1000).BufferSeconds);
        Assert.Equal(255, BufferBudget.StatusSeconds(new DeviceConfig { EventRingCapacity = 1_000_000 }));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void With_the_link_down_at_a_thousand_events_per_second_the_first_event_is_lost_when_the_budget_says(bool largeBuffers)
    {
        DeviceHarness h = new(c =>
        {
            if (largeBuffers)
            {
                c.UseLargeBuffers();
            }

            // Nothing closes a batch early: the budget assumes no prompt kinds.
            c.PromptKindsMask = DeviceConfig.PromptKindsNone;
        });
        h.Device.Start(0);
        h.Link.IsConnected = false;
        ulong held = BufferBudget.EventsHeld(h.Config, 1000);

        // One encoder change per millisecond: one event per millisecond, the rate the status reports at.
        ulong firstLossMicros = 0;
        ulong t = 0;
        while (firstLossMicros == 0 && t < (held + 2000) * 1000)
        {
            t += 1000;
            h.Encoder.Count++;
            h.Device.Poll(t);
            if (h.Device.GetStatus(t).EventsLost > 0)
            {
                firstLossMicros = t;
            }
        }

        DeviceStatus status = h.Device.GetStatus(t);
        Assert.True(firstLossMicros > 0, "no event was lost in " + t + " µs");
        // Events numbered before the first loss: at least the budget (it is a lower bound), and at most one more event
        // per resend slot (a batch closes at the first loop at or past its age, so it takes the event on the boundary)
        // plus the batch being filled when the store filled.
        ulong slack = (ulong)h.Config.ResendSlots + (ulong)BufferBudget.EventsPerBatch(h.Config, 1000) + 1;
        Assert.InRange(status.EventsCaptured - 1, held, held + slack);
        Assert.True(firstLossMicros / 1_000_000UL >= BufferBudget.Seconds(h.Config, 1000),
            "first loss at " + firstLossMicros + " µs, before the reported " + BufferBudget.Seconds(h.Config, 1000) + " s");
    }
}
