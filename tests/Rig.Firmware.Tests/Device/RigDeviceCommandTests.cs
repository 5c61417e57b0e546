using System;
using System.Linq;
using Rig.Firmware.Tests.Support;
using Rig.Protocol;
using Xunit;

namespace Rig.Firmware.Tests;

/// <summary>Commands in, acknowledgements and effects out, through <see cref="RigDevice"/> with fakes.</summary>
public sealed class RigDeviceCommandTests
{
    private const uint Boot = DeviceHarness.Boot;

    private static DeviceHarness Started(Action<DeviceConfig>? configure = null)
    {
        var h = DeviceHarness.Started(configure);
        h.Link.Clear();
        return h;
    }

    [Fact]
    public void Start_closes_every_valve_silences_the_tone_and_publishes_the_online_status_retained()
    {
        var h = new DeviceHarness();
        h.Valve.SetOpen(0, true);
        h.Valve.SetOpen(3, true);

        h.Device.Start(1_234);

        Assert.Equal([(byte)0, (byte)1, (byte)2, (byte)3], h.Valve.ForceCloses);
        Assert.All(Enumerable.Range(0, 4), ch => Assert.False(h.Valve.IsOpen((byte)ch)));
        Assert.Equal(1, h.Tone.Silences);
        var message = Assert.Single(h.Link.Published);
        Assert.Equal(TopicKind.Status, message.Topic);
        Assert.True(message.Retain);
        var status = Wire.DecodeStatus(message.Bytes);
        Assert.Equal(DeviceState.Online, status.State);
        Assert.Equal(Boot, status.BootId);
        Assert.Equal(1_234UL, status.UptimeMicros);
        Assert.Equal(0u, status.ValveFaults);
        Assert.Equal(0u, h.Device.ValveFaults);
    }

    [Fact]
    public void The_first_poll_starts_the_device_if_Start_was_not_called()
    {
        var h = new DeviceHarness();
        h.Valve.SetOpen(2, true);

        h.Device.Poll(0);

        Assert.Contains((byte)2, h.Valve.ForceCloses);
        Assert.False(h.Valve.IsOpen(2));
        Assert.Equal(0u, h.Device.ValveFaults);
        Assert.Single(h.Link.Statuses());
    }

    [Fact]
    public void A_ping_is_acknowledged_with_the_command_id_the_boot_id_and_the_device_time()
    {
        var h = Started();

        h.Offer(Cmd.Ping(77), 9_000);
        h.Device.Poll(10_000);

        var message = Assert.Single(h.Link.On(TopicKind.Ack));
        Assert.False(message.Retain);
        var ack = Wire.DecodeAck(message.Bytes);
        Assert.Equal(AckResult.Ok, ack.Result);
        Assert.Equal(CommandOpcode.Ping, ack.Opcode);
        Assert.Equal(77u, ack.CommandId);
        Assert.Equal(Boot, ack.BootId);
        Assert.Equal(10_000UL, ack.DeviceMicros);
        Assert.Equal(0u, ack.Detail);
    }

    [Fact]
    public void Commands_waiting_in_the_inbox_are_executed_in_order_in_one_loop_iteration()
    {
        var h = Started();
        for (uint id = 1; id <= 5; id++)
        {
            h.Offer(Cmd.Ping(id), id);
        }

        h.Device.Poll(100);

        Assert.Equal([1u, 2u, 3u, 4u, 5u], h.Link.Acks().Select(a => a.CommandId));
    }

    [Fact]
    public void A_valve_pulse_within_the_hard_maximum_is_acknowledged_ok_with_its_duration_and_starts_the_valve()
    {
        var h = Started();

        var ack = h.ExecuteForAck(Cmd.PulseValve(5, 1, 40_000), 2_000);

        Assert.Equal(AckResult.Ok, ack.Result);
        Assert.Equal(CommandOpcode.PulseValve, ack.Opcode);
        Assert.Equal(5u, ack.CommandId);
        Assert.Equal(40_000u, ack.Detail);
        Assert.Equal(2_000UL, ack.DeviceMicros);
        Assert.Equal([((byte)1, 40_000u)], h.Valve.Pulses);
    }

    [Fact]
    public void A_valve_pulse_of_exactly_the_hard_maximum_is_allowed()
    {
        // The water budget's window must allow it too (the default's 300 ms does not): this is the hard maximum's test.
        var h = Started(c => c.WaterWindowMaxOpenMicros = c.ValveHardMaxOpenMicros);

        var ack = h.ExecuteForAck(Cmd.PulseValve(5, 0, h.Config.ValveHardMaxOpenMicros), 2_000);

        Assert.Equal(AckResult.Ok, ack.Result);
        Assert.Single(h.Valve.Pulses);
    }

    [Fact]
    public void A_valve_pulse_beyond_the_hard_maximum_is_refused_out_of_range_with_the_maximum_and_the_valve_untouched()
    {
        var h = Started();

        var ack = h.ExecuteForAck(Cmd.PulseValve(6, 0, h.Config.ValveHardMaxOpenMicros + 1), 2_000);

        Assert.Equal(AckResult.OutOfRange, ack.Result);
        Assert.Equal(h.Config.ValveHardMaxOpenMicros, ack.Detail);
        Assert.Empty(h.Valve.Pulses);
        Assert.Empty(h.Valve.ForceCloses);
    }

    [Fact]
    public void A_zero_length_valve_pulse_is_refused_out_of_range()
    {
        var h = Started();

        var ack = h.ExecuteForAck(Cmd.PulseValve(7, 0, 0), 2_000);

        Assert.Equal(AckResult.OutOfRange, ack.Result);
        Assert.Equal(h.Config.ValveHardMaxOpenMicros, ack.Detail);
        Assert.Empty(h.Valve.Pulses);
    }

    [Fact]
    public void A_valve_pulse_on_a_channel_the_hardware_does_not_have_is_refused_with_the_channel_count()
    {
        var h = Started();

        var ack = h.ExecuteForAck(Cmd.PulseValve(8, 4, 10_000), 2_000);

        Assert.Equal(AckResult.OutOfRange, ack.Result);
        Assert.Equal(4u, ack.Detail);
        Assert.Empty(h.Valve.Pulses);
    }

    [Fact]
    public void A_valve_pulse_while_the_valve_is_open_is_busy_with_the_time_left()
    {
        var h = Started();
        h.ExecuteForAck(Cmd.PulseValve(1, 0, 50_000), 1_000);

        var ack = h.ExecuteForAck(Cmd.PulseValve(2, 0, 10_000), 21_000);

        Assert.Equal(AckResult.Busy, ack.Result);
        Assert.Equal(30_000u, ack.Detail);
        Assert.Single(h.Valve.Pulses);
    }

    [Fact]
    public void The_safety_check_forces_shut_a_valve_still_open_past_its_duration_plus_grace_and_counts_a_fault()
    {
        var h = Started();
        h.ExecuteForAck(Cmd.PulseValve(1, 2, 10_000), 1_000);
        ulong deadline = 1_000 + 10_000 + h.Config.ValveSafetyGraceMicros;

        h.Device.Poll(deadline);
        Assert.Empty(h.Valve.ForceCloses);
        Assert.Equal(0u, h.Device.ValveFaults);

        h.Device.Poll(deadline + 1);

        Assert.Equal([(byte)2], h.Valve.ForceCloses);
        Assert.False(h.Valve.IsOpen(2));
        Assert.Equal(1u, h.Device.ValveFaults);
        Assert.Equal(1u, h.RequestStatus(deadline + 2).ValveFaults);
    }

    [Fact]
    public void A_valve_the_hardware_closes_in_time_is_not_a_fault()
    {
        var h = Started();
        h.ExecuteForAck(Cmd.PulseValve(1, 0, 10_000), 1_000);
        h.Device.Poll(6_000);
        h.Valve.SetOpen(0, false);

        h.Device.Poll(11_000);
        h.Device.Poll(1_000_000);

        Assert.Empty(h.Valve.ForceCloses);
        Assert.Equal(0u, h.Device.ValveFaults);
    }

    [Fact]
    public void A_valve_open_without_a_command_is_forced_shut_at_the_next_loop_iteration()
    {
        var h = Started();
        h.Valve.SetOpen(3, true);

        h.Device.Poll(500);

        Assert.Equal([(byte)3], h.Valve.ForceCloses);
        Assert.Equal(1u, h.Device.ValveFaults);
    }

    [Fact]
    public void A_command_for_another_boot_is_refused_wrong_boot_and_nothing_is_executed()
    {
        var h = Started();

        var ack = h.ExecuteForAck(Cmd.PulseValve(9, 0, 10_000, targetBoot: Boot + 1), 3_000);

        Assert.Equal(AckResult.WrongBoot, ack.Result);
        Assert.Equal(CommandOpcode.PulseValve, ack.Opcode);
        Assert.Equal(9u, ack.CommandId);
        Assert.Equal(Boot, ack.Detail);
        Assert.Empty(h.Valve.Pulses);
        var status = h.RequestStatus(4_000);
        Assert.Equal(1u, status.CommandsRejected);
        Assert.Equal(1u, status.CommandsExecuted);
    }

    [Fact]
    public void A_command_for_another_boot_gets_no_sync_reply_and_frees_no_batch()
    {
        var h = Started();
        h.Device.Poll(0);
        h.Device.Flush(1);

        h.Execute(new Command { Opcode = CommandOpcode.AckBatches, Flags = CommandFlags.NoAck, CommandId = 1, TargetBootId = 1, BatchSeq = 0 }, 2_000);
        h.Execute(new Command { Opcode = CommandOpcode.SyncRequest, CommandId = 2, TargetBootId = 1, HostTime = 5 }, 3_000);

        Assert.Equal(1, h.Device.UnacknowledgedBatches);
        Assert.Empty(h.Link.SyncReplies());
        // The AckBatches carried NoAck, so only the sync request is answered (WrongBoot, not a sync reply).
        var ack = Assert.Single(h.Link.Acks());
        Assert.Equal((AckResult.WrongBoot, CommandOpcode.SyncRequest), (ack.Result, ack.Opcode));
    }

    [Fact]
    public void A_command_for_this_boot_or_for_any_boot_is_executed()
    {
        var h = Started();

        Assert.Equal(AckResult.Ok, h.ExecuteForAck(Cmd.PulseValve(1, 0, 10_000, targetBoot: Boot), 1_000).Result);
        Assert.Equal(AckResult.Ok, h.ExecuteForAck(Cmd.PulseValve(2, 1, 10_000, targetBoot: 0), 1_000).Result);
        Assert.Equal(2, h.Valve.Pulses.Count);
    }

    [Fact]
    public void An_unknown_opcode_with_a_readable_id_is_answered_unknown_opcode_and_counted_as_malformed()
    {
        var h = Started();
        byte[] message = [0x10, 0x01, 0x7F, 0x00, 0x44, 0x33, 0x22, 0x11, 0, 0, 0, 0];

        h.Offer(message, 1_000);
        h.Device.Poll(1_000);

        var ack = Assert.Single(h.Link.Acks());
        Assert.Equal(AckResult.UnknownOpcode, ack.Result);
        Assert.Equal((CommandOpcode)0x7F, ack.Opcode);
        Assert.Equal(0x11223344u, ack.CommandId);
        Assert.Equal((uint)ProtocolError.InvalidField, ack.Detail);
        var status = h.RequestStatus(2_000);
        Assert.Equal(1u, status.MalformedCommands);
        Assert.Equal(0u, status.CommandsRejected);
    }

    public static TheoryData<string, ProtocolError> BadPayloads() => new()
    {
        { "truncated payload", ProtocolError.Truncated },
        { "reserved payload byte set", ProtocolError.ReservedNotZero },
        { "undefined flag bit", ProtocolError.ReservedNotZero },
        { "trailing byte", ProtocolError.TrailingBytes },
        { "unsupported version", ProtocolError.UnsupportedVersion },
    };

    [Theory]
    [MemberData(nameof(BadPayloads))]
    public void A_malformed_command_with_a_readable_id_is_answered_bad_payload_counted_and_not_executed(string defect, ProtocolError error)
    {
        var h = Started();
        byte[] message = Cmd.Encode(Cmd.PulseValve(0xC0FFEE, 1, 10_000));
        switch (defect)
        {
            case "truncated payload":
                message = message[..^2];
                break;
            case "reserved payload byte set":
                message[Command.HeaderSize + 1] = 1;
                break;
            case "undefined flag bit":
                message[3] = 0x80;
                break;
            case "trailing byte":
                message = [.. message, 0];
                break;
            case "unsupported version":
                message[1] = 2;
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(defect));
        }

        h.Offer(message, 1_000);
        h.Device.Poll(1_000);

        var ack = Assert.Single(h.Link.Acks());
        Assert.Equal(AckResult.BadPayload, ack.Result);
        Assert.Equal(CommandOpcode.PulseValve, ack.Opcode);
        Assert.Equal(0xC0FFEEu, ack.CommandId);
        Assert.Equal((uint)error, ack.Detail);
        Assert.Empty(h.Valve.Pulses);
        Assert.Equal(1u, h.RequestStatus(2_000).MalformedCommands);
    }

    [Fact]
    public void A_malformed_command_whose_id_cannot_be_read_is_counted_but_not_answered()
    {
        var h = Started();
        byte[] shortMessage = [0x10, 0x01, 0x01, 0x00, 0x01, 0x02, 0x03];
        byte[] notACommand = Cmd.Encode(Cmd.Ping(3));
        notACommand[0] = (byte)MessageType.Ack;

        h.Offer(shortMessage, 1_000);
        h.Offer(notACommand, 1_000);
        h.Offer([], 1_000);
        h.Device.Poll(1_000);

        Assert.Empty(h.Link.Acks());
        Assert.Equal(3u, h.RequestStatus(2_000).MalformedCommands);
    }

    [Fact]
    public void AckBatches_with_NoAck_frees_the_batches_and_sends_no_acknowledgement()
    {
        var h = Started();
        for (int i = 0; i < 3; i++)
        {
            h.Frame((ulong)(i * 1_000));
            h.Device.Flush((ulong)(i * 1_000) + 500);
        }

        Assert.Equal(3, h.Device.UnacknowledgedBatches);

        h.Execute(Cmd.AckBatches(40, 1), 5_000);

        Assert.Empty(h.Link.Acks());
        Assert.Equal(1, h.Device.UnacknowledgedBatches);
        Assert.True(h.Device.IsAcknowledged(1));
        Assert.False(h.Device.IsAcknowledged(2));
        Assert.Equal(1u, h.RequestStatus(6_000).UnackedBatches);
    }

    [Fact]
    public void AckBatches_without_NoAck_is_acknowledged_ok()
    {
        var h = Started();
        h.Frame(0);
        h.Device.Flush(500);

        var ack = h.ExecuteForAck(Cmd.AckBatches(41, 0, noAck: false), 1_000);

        Assert.Equal(AckResult.Ok, ack.Result);
        Assert.Equal(CommandOpcode.AckBatches, ack.Opcode);
        Assert.True(h.Device.IsAcknowledged(0));
    }

    [Fact]
    public void ResendBatches_for_held_batches_republishes_them_flagged_resent_before_acknowledging_ok()
    {
        var h = Started();
        for (int i = 0; i < 3; i++)
        {
            h.Frame((ulong)(i * 1_000));
            h.Device.Flush((ulong)(i * 1_000) + 500);
        }

        h.Link.Clear();

        h.Execute(Cmd.ResendBatches(50, 1, 2), 5_000);

        Assert.Equal([TopicKind.Events, TopicKind.Events, TopicKind.Ack], h.Link.Published.Select(m => m.Topic));
        var batches = h.Link.Batches();
        Assert.Equal([1u, 2u], batches.Select(b => b.BatchSeq));
        Assert.All(batches, b => Assert.True(b.Resent));
        var ack = Assert.Single(h.Link.Acks());
        Assert.Equal(AckResult.Ok, ack.Result);
        Assert.Equal(0u, ack.Detail);
        Assert.Equal(2u, h.Device.BatchesResent);
    }

    [Fact]
    public void ResendBatches_for_a_freed_range_is_answered_unavailable_with_the_oldest_batch_still_held()
    {
        var h = Started();
        for (int i = 0; i < 4; i++)
        {
            h.Frame((ulong)(i * 1_000));
            h.Device.Flush((ulong)(i * 1_000) + 500);
        }

        h.AckThrough(1, 4_500);
        h.Link.Clear();

        var ack = h.ExecuteForAck(Cmd.ResendBatches(51, 0, 4), 5_000);

        Assert.Equal(AckResult.Unavailable, ack.Result);
        Assert.Equal(2u, ack.Detail);
        Assert.Equal([2u, 3u], h.Link.Batches().Select(b => b.BatchSeq));
        Assert.Equal(1u, h.RequestStatus(6_000).CommandsRejected);
    }

    [Fact]
    public void ResendBatches_past_the_newest_batch_is_answered_unavailable_naming_the_oldest_batch_held_so_nothing_is_given_up()
    {
        var h = Started();
        h.Frame(0);
        h.Device.Flush(500);

        var ack = h.ExecuteForAck(Cmd.ResendBatches(52, 0, 3), 5_000);

        // Batches 1 and 2 do not exist yet; batch 0 is held, so nothing asked for lies below the oldest held.
        Assert.Equal(AckResult.Unavailable, ack.Result);
        Assert.Equal(0u, ack.Detail);
    }

    [Fact]
    public void A_sync_request_is_answered_on_the_sync_topic_with_the_host_time_the_inbox_receive_time_and_the_processing_time()
    {
        var h = Started();
        const ulong hostTime = 0x0123_4567_89AB_CDEF;

        h.Offer(Cmd.SyncRequest(60, hostTime), 12_345);

        // The reply time is read from the clock when the reply is made, not taken from the loop's start.
        h.Clock.NowMicros = 13_007;
        h.Device.Poll(13_000);

        var message = Assert.Single(h.Link.On(TopicKind.Sync));
        Assert.False(message.Retain);
        var reply = Wire.DecodeSyncReply(message.Bytes);
        Assert.Equal(60u, reply.CommandId);
        Assert.Equal(Boot, reply.BootId);
        Assert.Equal(hostTime, reply.HostTime);
        Assert.Equal(12_345UL, reply.DeviceReceiveMicros);
        Assert.Equal(13_007UL, reply.DeviceReplyMicros);
        Assert.Empty(h.Link.Acks());

        // Counted as executed (the sync request and the status request itself).
        Assert.Equal(2u, h.RequestStatus(14_000).CommandsExecuted);
    }

    [Fact]
    public void SetOutput_drives_the_output_and_refuses_a_bad_channel_or_level()
    {
        var h = Started();

        Assert.Equal(AckResult.Ok, h.ExecuteForAck(Cmd.SetOutput(1, 2, 1), 100).Result);
        var badChannel = h.ExecuteForAck(Cmd.SetOutput(2, 4, 1), 200);
        var badLevel = h.ExecuteForAck(Cmd.SetOutput(3, 0, 2), 300);

        Assert.Equal([((byte)2, (byte)1)], h.Outputs.Writes);
        Assert.Equal(AckResult.OutOfRange, badChannel.Result);
        Assert.Equal(4u, badChannel.Detail);
        Assert.Equal(AckResult.OutOfRange, badLevel.Result);
    }

    [Fact]
    public void PlayTone_plays_and_refuses_a_zero_frequency_or_a_duration_beyond_the_maximum()
    {
        var h = Started();

        Assert.Equal(AckResult.Ok, h.ExecuteForAck(Cmd.PlayTone(1, 6_000, 250_000), 100).Result);
        var zero = h.ExecuteForAck(Cmd.PlayTone(2, 0, 250_000), 200);
        var tooLong = h.ExecuteForAck(Cmd.PlayTone(3, 6_000, h.Config.ToneMaxMicros + 1), 300);
        var noTime = h.ExecuteForAck(Cmd.PlayTone(4, 6_000, 0), 400);

        Assert.Equal([((ushort)6_000, 250_000u)], h.Tone.Plays);
        Assert.All([zero, tooLong, noTime], a => Assert.Equal(AckResult.OutOfRange, a.Result));
        Assert.Equal(h.Config.ToneMaxMicros, tooLong.Detail);
    }

    [Fact]
    public void A_full_command_inbox_refuses_the_command_and_the_status_counts_it_as_dropped()
    {
        var h = Started(c => c.CommandInboxSlots = 2);

        Assert.True(h.Device.OfferCommand(Cmd.Encode(Cmd.Ping(1)), 0, Command.HeaderSize, 10));
        Assert.True(h.Device.OfferCommand(Cmd.Encode(Cmd.Ping(2)), 0, Command.HeaderSize, 10));
        Assert.False(h.Device.OfferCommand(Cmd.Encode(Cmd.Ping(3)), 0, Command.HeaderSize, 10));
        byte[] oversized = new byte[h.Config.CommandMaxBytes + 1];
        Assert.False(h.Device.OfferCommand(oversized, 0, oversized.Length, 10));
        h.Device.Poll(100);

        Assert.Equal([1u, 2u], h.Link.Acks().Select(a => a.CommandId));
        Assert.Equal(2u, h.RequestStatus(200).CommandsDropped);
    }

    [Fact]
    public void Replies_the_link_refuses_are_counted_and_the_command_still_takes_effect()
    {
        var h = Started();
        h.Link.IsConnected = false;

        h.Execute(Cmd.PulseValve(1, 0, 10_000), 1_000);
        h.Execute(Cmd.SyncRequest(2, 5), 1_000);

        Assert.Single(h.Valve.Pulses);
        Assert.Empty(h.Link.Published);
        Assert.Equal(2u, h.Device.RepliesDropped);
    }
}
