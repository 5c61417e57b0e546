using System.Linq;
using Rig.Firmware.Hardware;
using Rig.Firmware.Tests.Support;
using Rig.Protocol;
using Xunit;

namespace Rig.Firmware.Tests;

public sealed class RigDeviceStatusTests
{
    private const uint Boot = DeviceHarness.Boot;

    [Fact]
    public void A_status_is_published_retained_every_StatusIntervalMicros()
    {
        var h = new DeviceHarness(c => c.StatusIntervalMicros = 1_000_000);
        h.Device.Start(0);

        for (ulong t = 0; t <= 3_500_000; t += 1_000)
        {
            h.Device.Poll(t);
        }

        var messages = h.Link.On(TopicKind.Status).ToList();
        Assert.All(messages, m => Assert.True(m.Retain));
        Assert.Equal([0UL, 1_000_000UL, 2_000_000UL, 3_000_000UL], h.Link.Statuses().Select(s => s.UptimeMicros));
        Assert.All(h.Link.Statuses(), s => Assert.Equal(DeviceState.Online, s.State));
    }

    [Fact]
    public void A_late_loop_publishes_the_status_once_and_the_next_one_an_interval_later()
    {
        var h = new DeviceHarness(c => c.StatusIntervalMicros = 1_000_000);
        h.Device.Start(0);

        h.Device.Poll(2_500_000);
        h.Device.Poll(2_500_001);
        h.Device.Poll(3_499_999);
        h.Device.Poll(3_500_000);

        Assert.Equal([0UL, 2_500_000UL, 3_500_000UL], h.Link.Statuses().Select(s => s.UptimeMicros));
    }

    [Fact]
    public void RequestStatus_publishes_a_retained_status_at_once_with_counters_that_match_the_device()
    {
        var h = new DeviceHarness(c =>
        {
            c.CommandInboxSlots = 2;
            c.FirmwareMajor = 2;
            c.FirmwareMinor = 7;
            c.FirmwarePatch = 3;
        });
        h.Capture.Overflows = 3;
        h.Device.Start(0);

        h.Execute(Cmd.Ping(1), 1_000);
        h.Execute(Cmd.PulseValve(2, 0, uint.MaxValue), 2_000);
        h.Execute(Cmd.Ping(3, targetBoot: 42), 3_000);
        h.Offer([0x10, 0x01, 0x7F, 0x00, 4, 0, 0, 0, 0, 0, 0, 0], 4_000);
        h.Offer(Cmd.Ping(5), 4_000);
        Assert.False(h.Device.OfferCommand(Cmd.Encode(Cmd.Ping(6)), 0, Command.HeaderSize, 4_000));
        h.Device.Poll(4_000);
        for (int i = 0; i < 5; i++)
        {
            h.Frame((ulong)(5_000 + (i * 100)));
        }

        h.Device.Flush(6_000);
        h.Valve.SetOpen(1, true);
        h.Device.Poll(7_000);
        h.Link.Clear();

        h.Execute(Cmd.RequestStatus(9), 8_000);

        var ack = Assert.Single(h.Link.Acks());
        Assert.Equal(AckResult.Ok, ack.Result);
        Assert.Equal(CommandOpcode.RequestStatus, ack.Opcode);
        var message = Assert.Single(h.Link.On(TopicKind.Status));
        Assert.True(message.Retain);
        var s = Wire.DecodeStatus(message.Bytes);
        Assert.Equal(DeviceState.Online, s.State);
        Assert.Equal(Boot, s.BootId);
        Assert.Equal("2.7.3", s.FirmwareVersion);
        Assert.Equal(8_000UL, s.UptimeMicros);
        Assert.Equal(6UL, s.EventsCaptured);
        Assert.Equal(0u, s.EventsLost);
        Assert.Equal(1u, s.BatchesSent);
        Assert.Equal(0u, s.BatchesResent);
        Assert.Equal(1u, s.UnackedBatches);
        Assert.Equal(3u, s.CommandsExecuted);
        Assert.Equal(2u, s.CommandsRejected);
        Assert.Equal(1u, s.ValveFaults);
        Assert.Equal(1u, s.MalformedCommands);
        Assert.Equal(1u, s.CommandsDropped);
        Assert.Equal(3u, s.CaptureOverflows);

        Assert.Equal(h.Device.EventsCaptured, s.EventsCaptured);
        Assert.Equal(h.Device.EventsLost, s.EventsLost);
        Assert.Equal(h.Device.BatchesSent, s.BatchesSent);
        Assert.Equal(h.Device.BatchesResent, s.BatchesResent);
        Assert.Equal((uint)h.Device.UnacknowledgedBatches, s.UnackedBatches);
        Assert.Equal(h.Device.ValveFaults, s.ValveFaults);
        var fromGet = h.Device.GetStatus(8_000);
        Assert.Equal(fromGet.CommandsExecuted, s.CommandsExecuted);
        Assert.Equal(fromGet.CommandsRejected, s.CommandsRejected);
        Assert.Equal(fromGet.MalformedCommands, s.MalformedCommands);
        Assert.Equal(fromGet.CommandsDropped, s.CommandsDropped);
    }

    [Fact]
    public void The_status_counts_events_lost_to_a_full_ring()
    {
        var h = new DeviceHarness(c => c.EventRingCapacity = 4);
        h.Device.Start(0);
        for (int i = 0; i < 10; i++)
        {
            h.Capture.Push((ulong)(10 + i), CaptureLine.Ttl, 0, 1);
        }

        var s = h.RequestStatus(1_000);

        Assert.Equal(11UL, s.EventsCaptured);
        Assert.Equal(7u, s.EventsLost);
    }

    [Fact]
    public void A_status_the_link_refuses_after_a_reconnect_is_retried_at_the_next_loop_iteration()
    {
        var h = new DeviceHarness();
        h.Device.Start(0);
        h.Link.Clear();
        h.Device.OnLinkConnected();
        h.Link.RefusePublishes = true;
        h.Device.Poll(1_000);
        Assert.Empty(h.Link.Statuses());

        h.Link.RefusePublishes = false;
        h.Device.Poll(2_000);

        Assert.Equal([2_000UL], h.Link.Statuses().Select(s => s.UptimeMicros));
    }

    [Fact]
    public void WriteOfflineStatus_writes_an_offline_status_with_the_boot_id_for_the_last_will()
    {
        var h = new DeviceHarness(c =>
        {
            c.FirmwareMajor = 1;
            c.FirmwareMinor = 4;
            c.FirmwarePatch = 2;
        });
        byte[] buffer = new byte[128];

        int length = h.Device.WriteOfflineStatus(buffer);

        Assert.Equal(DeviceStatus.Size, length);
        var s = Wire.DecodeStatus(buffer[..length]);
        Assert.Equal(DeviceState.Offline, s.State);
        Assert.Equal(Boot, s.BootId);
        Assert.Equal("1.4.2", s.FirmwareVersion);
        Assert.Empty(h.Link.Published);
    }

    [Fact]
    public void The_status_counts_only_published_batches_as_unacknowledged_so_sent_minus_unacked_is_the_oldest_held()
    {
        var h = new DeviceHarness();
        h.Device.Start(0);
        h.Capture.Push(1_000, CaptureLine.Ttl, 0, 1);
        h.Device.Flush(2_000);
        h.Link.RefusePublishes = true;
        h.Capture.Push(3_000, CaptureLine.Ttl, 0, 0);
        h.Device.Flush(4_000);

        var s = h.Device.GetStatus(5_000);
        Assert.Equal(2, h.Device.UnacknowledgedBatches);
        Assert.Equal(1u, s.BatchesSent);
        Assert.Equal(1u, s.UnackedBatches);
        Assert.Equal(0u, s.BatchesSent - s.UnackedBatches);
    }
}
