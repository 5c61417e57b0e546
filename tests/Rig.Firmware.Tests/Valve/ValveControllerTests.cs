using Rig.Firmware.Tests.Fakes;
using Rig.Firmware.Valve;
using Rig.Protocol;
using Xunit;

namespace Rig.Firmware.Tests;

public sealed class ValveControllerTests
{
    private const uint HardMax = 500_000;
    private const uint Grace = 5_000;

    [Fact]
    public void A_pulse_within_the_hard_maximum_starts_on_the_hardware()
    {
        var valve = new FakeValve();
        var c = new ValveController(valve, HardMax, Grace);

        Assert.Equal(AckResult.Ok, c.TryPulse(2, 40_000, 1_000, out _));

        Assert.Equal([((byte)2, 40_000u)], valve.Pulses);
        Assert.Equal(40_000u, c.LastCommandedMicros(2));
    }

    [Theory]
    [InlineData(0u)]
    [InlineData(HardMax + 1)]
    [InlineData(uint.MaxValue)]
    public void A_zero_or_too_long_pulse_is_refused_with_the_hard_maximum_and_the_valve_untouched(uint duration)
    {
        var valve = new FakeValve();
        var c = new ValveController(valve, HardMax, Grace);

        Assert.Equal(AckResult.OutOfRange, c.TryPulse(0, duration, 1_000, out uint detail));

        Assert.Equal(HardMax, detail);
        Assert.Empty(valve.Pulses);
        Assert.Empty(valve.ForceCloses);
    }

    [Fact]
    public void A_pulse_of_exactly_the_hard_maximum_is_allowed()
    {
        var valve = new FakeValve();
        // A water budget whose window allows a hard-maximum pulse (the default's 300 ms does not): this is the hard maximum's test.
        var budget = new WaterBudget(1_000_000, HardMax, 32, 3_600_000_000, 120_000_000, 120_000_000, HardMax);
        var c = new ValveController(valve, HardMax, Grace, budget);

        Assert.Equal(AckResult.Ok, c.TryPulse(0, HardMax, 0, out _));
    }

    [Fact]
    public void A_pulse_on_a_channel_that_does_not_exist_is_refused_with_the_channel_count()
    {
        var valve = new FakeValve(channelCount: 2);
        var c = new ValveController(valve, HardMax, Grace);

        Assert.Equal(AckResult.OutOfRange, c.TryPulse(2, 10_000, 0, out uint detail));
        Assert.Equal(2u, detail);
        Assert.Empty(valve.Pulses);
        Assert.Equal(0u, c.LastCommandedMicros(9));
    }

    [Fact]
    public void A_pulse_while_the_valve_is_open_is_busy_with_the_time_left()
    {
        var valve = new FakeValve();
        var c = new ValveController(valve, HardMax, Grace);
        c.TryPulse(1, 50_000, 1_000, out _);

        Assert.Equal(AckResult.Busy, c.TryPulse(1, 10_000, 21_000, out uint detail));
        Assert.Equal(30_000u, detail);

        Assert.Equal(AckResult.Busy, c.TryPulse(1, 10_000, 60_000, out detail));
        Assert.Equal(0u, detail);
        Assert.Single(valve.Pulses);

        // Another channel is independent.
        Assert.Equal(AckResult.Ok, c.TryPulse(0, 10_000, 21_000, out _));
    }

    [Fact]
    public void Once_the_hardware_closed_the_valve_a_new_pulse_starts_and_no_fault_is_counted()
    {
        var valve = new FakeValve();
        var c = new ValveController(valve, HardMax, Grace);
        c.TryPulse(0, 10_000, 0, out _);
        c.Check(5_000);
        valve.SetOpen(0, false);
        c.Check(10_000);

        Assert.Equal(AckResult.Ok, c.TryPulse(0, 10_000, 12_000, out _));
        c.Check(13_000);

        Assert.Equal(0u, c.Faults);
        Assert.Empty(valve.ForceCloses);
    }

    [Fact]
    public void A_valve_still_open_past_its_time_plus_grace_is_forced_shut_and_counted()
    {
        var valve = new FakeValve();
        var c = new ValveController(valve, HardMax, Grace);
        c.TryPulse(3, 10_000, 1_000, out _);

        c.Check(1_000 + 10_000 + Grace);
        Assert.Empty(valve.ForceCloses);
        Assert.True(valve.IsOpen(3));

        c.Check(1_000 + 10_000 + Grace + 1);
        Assert.Equal([(byte)3], valve.ForceCloses);
        Assert.False(valve.IsOpen(3));
        Assert.Equal(1u, c.Faults);

        c.Check(100_000);
        Assert.Equal(1u, c.Faults);
    }

    [Fact]
    public void A_valve_open_without_a_command_is_forced_shut_and_counted_at_once()
    {
        var valve = new FakeValve();
        var c = new ValveController(valve, HardMax, Grace);
        valve.SetOpen(1, true);

        c.Check(10);

        Assert.Equal([(byte)1], valve.ForceCloses);
        Assert.Equal(1u, c.Faults);
    }

    [Fact]
    public void A_valve_reopening_by_itself_after_a_commanded_pulse_ended_is_a_fault()
    {
        var valve = new FakeValve();
        var c = new ValveController(valve, HardMax, Grace);
        c.TryPulse(0, 10_000, 0, out _);
        valve.SetOpen(0, false);
        c.Check(11_000);

        valve.SetOpen(0, true);
        c.Check(12_000);

        Assert.Equal(1u, c.Faults);
        Assert.Equal([(byte)0], valve.ForceCloses);
    }

    [Fact]
    public void CloseAll_forces_every_channel_shut_without_counting_faults()
    {
        var valve = new FakeValve(channelCount: 3);
        var c = new ValveController(valve, HardMax, Grace);
        valve.SetOpen(0, true);
        valve.SetOpen(2, true);

        c.CloseAll();

        Assert.Equal([(byte)0, (byte)1, (byte)2], valve.ForceCloses);
        Assert.False(valve.IsOpen(0));
        Assert.False(valve.IsOpen(2));
        Assert.Equal(0u, c.Faults);
    }
}
