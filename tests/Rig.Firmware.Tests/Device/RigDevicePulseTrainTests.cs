using System.Linq;
using Rig.Firmware.Tests.Support;
using Rig.Protocol;
using Xunit;

namespace Rig.Firmware.Tests;

public sealed class RigDevicePulseTrainTests
{
    private static Command Train(uint id, byte output, byte channel, ushort count, uint seed = 7,
        uint minInterval = 1_000, uint maxInterval = 3_000, uint minWidth = 500, uint maxWidth = 900) => new()
    {
        Opcode = CommandOpcode.PulseTrain,
        CommandId = id,
        Output = output,
        Channel = channel,
        PulseCount = count,
        Seed = seed,
        MinIntervalMicros = minInterval,
        MaxIntervalMicros = maxInterval,
        MinWidthMicros = minWidth,
        MaxWidthMicros = maxWidth,
    };

    [Fact]
    public void A_sync_output_train_plays_every_pulse_within_its_ranges_and_the_ack_gives_its_planned_length()
    {
        var h = new DeviceHarness();
        h.Device.Start(0);
        var ack = h.ExecuteForAck(Train(1, PulseTrainOutput.SyncOutput, 2, 20), 1_000);
        Assert.Equal(AckResult.Ok, ack.Result);
        Assert.InRange(ack.Detail, 20u * (1_000 + 500), 20u * (3_000 + 900));

        // A 10 µs main loop, so every edge lands within 10 µs of its plan.
        ulong t = 1_000;
        var rises = new System.Collections.Generic.List<ulong>();
        var falls = new System.Collections.Generic.List<ulong>();
        while (h.Device.Train.IsActive && t < 1_000_000)
        {
            t += 10;
            int before = h.Outputs.Writes.Count;
            h.Device.Poll(t);
            foreach (var w in h.Outputs.Writes.Skip(before))
            {
                Assert.Equal(2, w.Channel);
                (w.Level == 1 ? rises : falls).Add(t);
            }
        }

        Assert.False(h.Device.Train.IsActive);
        Assert.Equal(20, rises.Count);
        Assert.Equal(20, falls.Count);
        for (int i = 0; i < 20; i++)
        {
            Assert.InRange(falls[i] - rises[i], 500ul, 910ul);
            ulong gap = rises[i] - (i == 0 ? 1_000 : falls[i - 1]);
            Assert.InRange(gap, 1_000ul, 3_010ul);
        }

        // The planned length is what the train took, give or take the loop's 10 µs per edge.
        Assert.InRange(falls[^1] - 1_000, ack.Detail, ack.Detail + 40 * 10);
    }

    [Fact]
    public void A_valve_train_starts_hardware_timed_pulses_of_the_drawn_widths()
    {
        var h = new DeviceHarness();
        h.Device.Start(0);
        Assert.Equal(AckResult.Ok, h.ExecuteForAck(Train(2, PulseTrainOutput.Valve, 1, 5, minWidth: 2_000, maxWidth: 4_000), 0).Result);
        for (ulong t = 0; t < 100_000; t += 100)
        {
            h.Device.Poll(t);
            if (h.Valve.IsOpen(1) && h.Valve.Pulses.Count > 0)
            {
                // The hardware timer closes it once the pulse has run (the fake leaves that to the test).
                h.Valve.SetOpen(1, false);
            }
        }

        Assert.Equal(5, h.Valve.Pulses.Count);
        Assert.All(h.Valve.Pulses, p => Assert.InRange(p.DurationMicros, 2_000u, 4_000u));
        Assert.Equal(1, h.Valve.Pulses.Select(p => p.Channel).Distinct().Single());
        Assert.Equal(0u, h.Device.Train.PulsesRefused);
    }

    [Fact]
    public void The_same_seed_draws_the_same_train_and_another_seed_a_different_one()
    {
        uint Length(uint seed)
        {
            var h = new DeviceHarness();
            h.Device.Start(0);
            return h.ExecuteForAck(Train(3, PulseTrainOutput.SyncOutput, 0, 50, seed), 0).Detail;
        }

        Assert.Equal(Length(11), Length(11));
        Assert.NotEqual(Length(11), Length(12));
    }

    [Theory]
    [InlineData(PulseTrainOutput.Valve, 4, 900u, 0u)]           // no valve 4
    [InlineData(PulseTrainOutput.Valve, 0, 600_000u, 0u)]       // wider than the valve's hard maximum
    [InlineData(PulseTrainOutput.SyncOutput, 9, 900u, 0u)]      // no output 9
    [InlineData(3, 0, 900u, 0u)]                                // undefined output kind
    [InlineData(PulseTrainOutput.SyncOutput, 0, 900u, 1u)]      // seed 0 (xorshift would stay at 0)
    public void A_train_it_cannot_play_is_refused_out_of_range_and_touches_no_output(byte output, byte channel, uint maxWidth, uint zeroSeed)
    {
        var h = new DeviceHarness();
        h.Device.Start(0);
        var ack = h.ExecuteForAck(Train(4, output, channel, 3, seed: zeroSeed == 1 ? 0u : 5u, maxWidth: maxWidth), 0);
        Assert.Equal(AckResult.OutOfRange, ack.Result);
        for (ulong t = 0; t < 50_000; t += 100)
        {
            h.Device.Poll(t);
        }

        Assert.Empty(h.Outputs.Writes);
        Assert.Empty(h.Valve.Pulses);
    }

    [Fact]
    public void A_second_train_is_busy_and_a_count_of_zero_stops_the_train_with_its_output_low()
    {
        var h = new DeviceHarness();
        h.Device.Start(0);
        Assert.Equal(AckResult.Ok, h.ExecuteForAck(Train(5, PulseTrainOutput.SyncOutput, 0, 100), 0).Result);
        Assert.Equal(AckResult.Busy, h.ExecuteForAck(Train(6, PulseTrainOutput.SyncOutput, 0, 5), 10).Result);
        ulong t = 10;
        while (h.Outputs.Writes.Count == 0)
        {
            t += 10;
            h.Device.Poll(t);
        }

        Assert.Equal((byte)1, h.Outputs.Writes[^1].Level);
        var stop = h.ExecuteForAck(Train(7, PulseTrainOutput.SyncOutput, 0, 0), t + 10);
        Assert.Equal(AckResult.Ok, stop.Result);
        Assert.Equal(100u, stop.Detail);
        Assert.Equal((byte)0, h.Outputs.Writes[^1].Level);
        Assert.False(h.Device.Train.IsActive);
    }
}
