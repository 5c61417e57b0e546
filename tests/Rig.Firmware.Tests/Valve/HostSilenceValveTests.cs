using System;
using System.Linq;
using Rig.Firmware.Tests.Support;
using Rig.Protocol;
using Xunit;

namespace Rig.Firmware.Tests;

/// <summary>
/// Valve safety when the host falls silent (issue 8, item 4): with no valid command for
/// <see cref="DeviceConfig.HostSilenceCloseMicros"/> while water could still flow, the device shuts the valve, cancels
/// any arming, counts it in the status and publishes the status at once.
/// </summary>
public sealed class HostSilenceValveTests
{
    private const ulong Silence = 2_000_000;

    private static Command Arm(uint id, ulong start, ulong end, uint duration) => new()
    {
        Opcode = CommandOpcode.ArmReward,
        CommandId = id,
        DurationMicros = duration,
        WindowStartMicros = start,
        WindowEndMicros = end,
    };

    [Fact]
    public void The_default_host_silence_time_is_two_seconds()
    {
        Assert.Equal(2_000_000u, new DeviceConfig().HostSilenceCloseMicros);
    }

    [Fact]
    public void An_armed_window_is_cancelled_and_every_valve_shut_when_the_host_is_silent_for_the_set_time()
    {
        var h = DeviceHarness.Started();
        Assert.Equal(AckResult.Ok, h.ExecuteForAck(Arm(1, 10_000, 60_000_000, 40_000), 1_000).Result);

        h.Device.Poll(1_000 + Silence - 1);
        Assert.Equal(0, h.Valve.Disarms);
        Assert.Empty(h.Valve.ForceCloses);
        int statusesBefore = h.Link.Statuses().Count;

        h.Device.Poll(1_000 + Silence);
        Assert.Equal(1, h.Valve.Disarms);
        Assert.Equal([0, 1, 2, 3], h.Valve.ForceCloses.Select(c => (int)c));
        Assert.Equal(1u, h.Device.HostSilenceValveCloses);
        Assert.Equal(0u, h.Device.ValveFaults);

        // The host hears about it in the same loop iteration, not at the next heartbeat.
        Assert.Equal(statusesBefore + 1, h.Link.Statuses().Count);
        Assert.Equal((ushort)1, h.LastStatus.HostSilenceValveCloses);
    }

    [Fact]
    public void Acknowledgement_batches_alone_keep_an_armed_window_alive()
    {
        var h = DeviceHarness.Started();
        h.ExecuteForAck(Arm(1, 10_000, 60_000_000, 40_000), 1_000);

        // The bridge's 100 ms acknowledgements (NoAck commands) for 10 s: twenty times longer than the silence time.
        for (ulong t = 100_000; t <= 10_000_000; t += 100_000)
        {
            h.AckThrough(0, t);
        }

        Assert.Equal(0, h.Valve.Disarms);
        Assert.Equal(0u, h.Device.HostSilenceValveCloses);

        h.Device.Poll(10_000_000 + Silence);
        Assert.Equal(1, h.Valve.Disarms);
        Assert.Equal(1u, h.Device.HostSilenceValveCloses);
    }

    [Fact]
    public void A_long_calibration_pulse_is_shut_after_the_silence_time_and_not_counted_as_a_fault()
    {
        // A site allowing 5 s pulses (e.g. flushing a line): the hard maximum and the water budget's window raised at flash
        // would let water run 5 s without a host.
        var h = new DeviceHarness(c =>
        {
            c.ValveHardMaxOpenMicros = 5_000_000;
            c.WaterWindowMicros = 10_000_000;
            c.WaterWindowMaxOpenMicros = 5_000_000;
        });
        h.Device.Start(0);
        h.Valve.ForceCloses.Clear();
        Assert.Equal(AckResult.Ok, h.ExecuteForAck(Cmd.PulseValve(1, 2, 5_000_000), 1_000).Result);

        h.Device.Poll(1_000 + Silence - 1);
        Assert.Empty(h.Valve.ForceCloses);

        h.Device.Poll(1_000 + Silence);
        Assert.Contains((byte)2, h.Valve.ForceCloses);
        Assert.False(h.Valve.IsOpen(2));
        Assert.Equal(1u, h.Device.HostSilenceValveCloses);
        Assert.Equal(0u, h.Device.ValveFaults);
    }

    [Fact]
    public void A_silent_host_with_an_idle_valve_changes_nothing_and_is_not_counted()
    {
        var h = DeviceHarness.Started();
        h.Device.Poll(Silence * 10);

        Assert.Empty(h.Valve.ForceCloses);
        Assert.Equal(0, h.Valve.Disarms);
        Assert.Equal(0u, h.Device.HostSilenceValveCloses);
    }

    [Fact]
    public void A_window_that_already_ended_is_not_reported_as_cut_short_by_silence()
    {
        var h = DeviceHarness.Started();
        h.ExecuteForAck(Arm(1, 10_000, 500_000, 40_000), 1_000);

        h.Device.Poll(1_000 + Silence);

        Assert.Equal(0u, h.Device.HostSilenceValveCloses);
    }

    [Fact]
    public void Malformed_commands_are_not_host_activity()
    {
        var h = DeviceHarness.Started();
        h.ExecuteForAck(Arm(1, 10_000, 60_000_000, 40_000), 1_000);

        // Garbage on the command topic every 100 ms (a broken or hostile publisher) must not hold the window open.
        byte[] garbage = Cmd.Encode(Cmd.Ping(9));
        garbage[1] = 0x7F; // unsupported version
        for (ulong t = 100_000; t < Silence; t += 100_000)
        {
            h.Offer(garbage, t);
            h.Device.Poll(t);
        }

        h.Device.Poll(1_000 + Silence);
        Assert.Equal(1u, h.Device.HostSilenceValveCloses);
        Assert.True(h.LastStatus.MalformedCommands > 0);
    }

    [Fact]
    public void Each_silence_that_interrupts_something_is_counted_once()
    {
        var h = DeviceHarness.Started();
        h.ExecuteForAck(Arm(1, 10_000, 60_000_000, 40_000), 1_000);
        h.Device.Poll(1_000 + Silence);
        h.Device.Poll(1_000 + (3 * Silence));
        Assert.Equal(1u, h.Device.HostSilenceValveCloses);

        // The host comes back and arms again; a second silence is a second count.
        h.ExecuteForAck(Arm(2, 10_000_000, 60_000_000, 40_000), 9_000_000);
        h.Device.Poll(9_000_000 + Silence);
        Assert.Equal(2u, h.Device.HostSilenceValveCloses);
        Assert.Equal((ushort)2, h.LastStatus.HostSilenceValveCloses);
    }

    [Theory]
    [InlineData(0u)]
    [InlineData(DeviceConfig.ValveCeilingMicros + 1)]
    [InlineData(uint.MaxValue)]
    public void A_hard_maximum_of_zero_or_above_the_ceiling_is_refused_at_construction(uint hardMax)
    {
        var e = Assert.Throws<ArgumentException>(() => new DeviceHarness(c => c.ValveHardMaxOpenMicros = hardMax));
        Assert.Contains("ValveHardMaxOpenMicros", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_host_silence_time_of_zero_is_refused_at_construction()
    {
        var e = Assert.Throws<ArgumentException>(() => new DeviceHarness(c => c.HostSilenceCloseMicros = 0));
        Assert.Contains("HostSilenceCloseMicros", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void No_sequence_of_commands_opens_or_arms_a_valve_beyond_the_hard_maximum()
    {
        // Property over 20,000 random commands: every opcode (known and not), every channel, durations spread over the
        // whole u32 range with extra weight near the limit, random flags and boot targets, the clock moving randomly.
        var h = DeviceHarness.Started();
        var random = new Random(8);
        uint hardMax = h.Config.ValveHardMaxOpenMicros;
        ulong now = 1_000;
        for (uint id = 0; id < 20_000; id++)
        {
            uint duration = random.Next(4) switch
            {
                0 => (uint)random.NextInt64(0, uint.MaxValue + 1L),
                1 => hardMax - 2 + (uint)random.Next(5),
                2 => (uint)random.Next(0, (int)hardMax),
                _ => 0,
            };
            ulong start = now + (ulong)random.Next(0, 1_000_000);
            var command = new Command
            {
                Opcode = (CommandOpcode)random.Next(0, 12),
                CommandId = id,
                Channel = (byte)random.Next(0, 6),
                DurationMicros = duration,
                WindowStartMicros = start,
                WindowEndMicros = start + (ulong)random.Next(0, 5_000_000),
                BatchSeq = (uint)random.Next(),
                BatchCount = (ushort)random.Next(0, 3),
                FrequencyHz = (ushort)random.Next(0, 20_000),
                Level = (byte)random.Next(0, 2),
            };
            byte[] bytes;
            try
            {
                bytes = Cmd.Encode(command);
            }
            catch (ProtocolException)
            {
                continue; // An opcode the writer does not know: what a hostile host could send is covered by the fuzz tests.
            }

            h.Offer(bytes, now);
            h.Device.Poll(now);
            now += (ulong)random.Next(0, 300_000);
            if (random.Next(10) == 0)
            {
                h.Valve.SetOpen((byte)random.Next(0, 4), false); // the hardware timer fired
            }
        }

        Assert.NotEmpty(h.Valve.Pulses);
        Assert.NotEmpty(h.Valve.Arms);
        Assert.All(h.Valve.Pulses, p => Assert.InRange(p.DurationMicros, 1u, hardMax));
        Assert.All(h.Valve.Arms, a => Assert.InRange(a.DurationMicros, 1u, hardMax));
    }
}
