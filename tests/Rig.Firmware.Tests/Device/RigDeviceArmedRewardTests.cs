using System.Linq;
using Rig.Firmware.Hardware;
using Rig.Firmware.Tests.Support;
using Rig.Protocol;
using Xunit;

namespace Rig.Firmware.Tests;

public sealed class RigDeviceArmedRewardTests
{
    private static Command Arm(uint id, ulong start, ulong end, uint duration, byte channel = 0) => new()
    {
        Opcode = CommandOpcode.ArmReward,
        CommandId = id,
        Channel = channel,
        DurationMicros = duration,
        WindowStartMicros = start,
        WindowEndMicros = end,
    };

    [Fact]
    public void Arming_a_reward_reaches_the_valve_hardware_and_is_acknowledged()
    {
        var h = new DeviceHarness();
        h.Device.Start(0);
        var ack = h.ExecuteForAck(Arm(1, 10_000, 500_000, 40_000), 1_000);
        Assert.Equal(AckResult.Ok, ack.Result);
        Assert.Equal([((byte)0, 10_000ul, 500_000ul, 40_000u)], h.Valve.Arms);
    }

    [Theory]
    [InlineData(0u, 10_000ul, 500_000ul)]
    [InlineData(600_000u, 10_000ul, 500_000ul)]
    [InlineData(40_000u, 500_000ul, 500_000ul)]
    [InlineData(40_000u, 0ul, 900ul)]
    public void An_arming_with_a_bad_duration_or_window_is_refused_and_never_reaches_the_valve(uint duration, ulong start, ulong end)
    {
        var h = new DeviceHarness();
        h.Device.Start(0);
        var ack = h.ExecuteForAck(Arm(2, start, end, duration), 1_000);
        Assert.Equal(AckResult.OutOfRange, ack.Result);
        Assert.Empty(h.Valve.Arms);
    }

    [Fact]
    public void An_armed_reward_that_fires_is_watched_like_a_commanded_pulse_and_not_force_closed()
    {
        var h = new DeviceHarness();
        h.Device.Start(0);
        Assert.Equal(AckResult.Ok, h.ExecuteForAck(Arm(3, 10_000, 500_000, 40_000), 1_000).Result);
        h.Valve.ForceCloses.Clear(); // Start closed every valve.

        // The capture layer opened the valve on a lick at 20 ms and recorded the edge.
        h.Valve.SetOpen(0, true);
        h.Capture.Push(20_005, CaptureLine.ValveMonitor, 0, 1);
        h.Device.Poll(21_000);
        Assert.Empty(h.Valve.ForceCloses);
        Assert.Equal(0u, h.Device.ValveFaults);

        // Still open after its 40 ms plus the grace period: forced shut and counted.
        h.Device.Poll(20_005 + 40_000 + h.Config.ValveSafetyGraceMicros + 1);
        Assert.Equal([(byte)0], h.Valve.ForceCloses);
        Assert.Equal(1u, h.Device.ValveFaults);

        h.Device.Flush(200_000);
        var valve = Wire.DistinctEvents(h.Link.Batches()).Where(e => e.Kind == EventKind.Valve).ToList();
        Assert.Equal(40_000, valve.First().Value);
    }

    [Fact]
    public void A_valve_that_opens_without_a_command_or_an_arming_is_forced_shut_at_once()
    {
        var h = new DeviceHarness();
        h.Device.Start(0);
        h.Valve.ForceCloses.Clear(); // Start closed every valve.
        h.Valve.SetOpen(0, true);
        h.Capture.Push(20_000, CaptureLine.ValveMonitor, 0, 1);
        h.Device.Poll(20_100);
        Assert.Equal([(byte)0], h.Valve.ForceCloses);
        Assert.Equal(1u, h.Device.ValveFaults);
    }

    [Fact]
    public void Disarm_reaches_the_valve_hardware()
    {
        var h = new DeviceHarness();
        h.Device.Start(0);
        h.ExecuteForAck(Arm(4, 10_000, 500_000, 40_000), 1_000);
        var ack = h.ExecuteForAck(new Command { Opcode = CommandOpcode.Disarm, CommandId = 5 }, 2_000);
        Assert.Equal(AckResult.Ok, ack.Result);
        Assert.Equal(1, h.Valve.Disarms);
    }

    [Fact]
    public void Capture_layer_encoder_samples_are_reported_on_change_and_otherwise_only_as_keep_alives()
    {
        var h = new DeviceHarness(c =>
        {
            c.EncoderSampleIntervalMicros = 0;
            c.EncoderKeepAliveMicros = 100_000;
        });
        h.Device.Start(0);
        for (ulong t = 1_000; t <= 250_000; t += 1_000)
        {
            long count = t < 50_000 ? (long)t / 1_000 : 49; // moves for 49 ms, then stands still
            h.Capture.Push(new CaptureRecord(t, CaptureLine.EncoderSample, 0, 0, count));
        }

        h.Device.Flush(260_000);
        var times = Wire.DistinctEvents(h.Link.Batches()).Where(e => e.Kind == EventKind.Encoder).Select(e => e.Micros).ToList();
        Assert.Equal(49 + 2, times.Count); // every change, then keep-alives at 149 ms and 249 ms
        Assert.Equal([149_000ul, 249_000ul], times.Skip(49));
    }

    [Fact]
    public void Encoder_samples_taken_by_the_capture_layer_become_encoder_events_with_their_count()
    {
        var h = new DeviceHarness(c => c.EncoderSampleIntervalMicros = 0);
        h.Device.Start(0);
        h.Capture.Push(new CaptureRecord(1_000, CaptureLine.EncoderSample, 0, 0, 123_456_789_012));
        h.Device.Flush(2_000);
        var e = Assert.Single(Wire.DistinctEvents(h.Link.Batches()));
        Assert.Equal((EventKind.Encoder, 123_456_789_012L, 1_000ul), (e.Kind, e.Value, e.Micros));
    }
}
