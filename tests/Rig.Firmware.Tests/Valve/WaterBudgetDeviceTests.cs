using Rig.Firmware.Hardware;
using Rig.Firmware.Tests.Support;
using Rig.Protocol;
using Xunit;

namespace Rig.Firmware.Tests;

/// <summary>
/// Issue 19 part 3: the valve obeyed anyone on an open broker. Each defect the issue reported, sent through the whole
/// device with its shipped defaults, and the real uses the defaults must still allow (a task session, the shipped
/// calibration, the loopback train).
/// </summary>
public sealed class WaterBudgetDeviceTests
{
    private const byte Valve = 0;

    private static Command Pulse(uint id, uint durationMicros) =>
        new() { Opcode = CommandOpcode.PulseValve, CommandId = id, Channel = Valve, DurationMicros = durationMicros };

    private static Command Arm(uint id, ulong start, ulong end, uint durationMicros) => new()
    {
        Opcode = CommandOpcode.ArmReward,
        CommandId = id,
        Channel = Valve,
        DurationMicros = durationMicros,
        WindowStartMicros = start,
        WindowEndMicros = end,
    };

    private static Command ValveTrain(uint id, ushort count, uint minInterval, uint maxInterval, uint minWidth, uint maxWidth) => new()
    {
        Opcode = CommandOpcode.PulseTrain,
        CommandId = id,
        Output = PulseTrainOutput.Valve,
        Channel = Valve,
        PulseCount = count,
        Seed = 7,
        MinIntervalMicros = minInterval,
        MaxIntervalMicros = maxInterval,
        MinWidthMicros = minWidth,
        MaxWidthMicros = maxWidth,
    };

    [Fact]
    public void A_single_500_ms_pulse_is_refused_with_the_water_budget_code_and_never_reaches_the_valve()
    {
        var h = DeviceHarness.Started();

        var ack = h.ExecuteForAck(Pulse(1, 500_000), 1_000_000);

        Assert.Equal(AckResult.WaterBudget, ack.Result);
        // The pulse alone is over the window limit: no wait makes it fit.
        Assert.Equal(uint.MaxValue, ack.Detail);
        Assert.Empty(h.Valve.Pulses);
    }

    [Fact]
    public void A_train_of_twenty_500_ms_pulses_with_1_us_gaps_is_refused_with_the_water_budget_code_and_opens_nothing()
    {
        var h = DeviceHarness.Started();

        var ack = h.ExecuteForAck(ValveTrain(2, 20, 1, 1, 500_000, 500_000), 1_000_000);

        Assert.Equal(AckResult.WaterBudget, ack.Result);
        Assert.Equal(uint.MaxValue, ack.Detail);
        Assert.False(h.Device.Train.IsActive);
        // The 10 s the train would have taken, in 1 ms loop iterations: nothing opens.
        for (ulong t = 1_000_000; t <= 11_000_000; t += 1_000)
        {
            h.Device.Poll(t);
        }

        Assert.Empty(h.Valve.Pulses);
    }

    [Fact]
    public void A_train_whose_pulses_are_each_allowed_but_too_dense_together_is_refused_with_the_water_budget_code()
    {
        var h = DeviceHarness.Started();

        // 100 ms open, 1 µs closed: every pulse is a normal reward, the train is near-continuous water.
        var ack = h.ExecuteForAck(ValveTrain(3, 100, 1, 1, 100_000, 100_000), 1_000_000);

        Assert.Equal(AckResult.WaterBudget, ack.Result);
        Assert.False(h.Device.Train.IsActive);
    }

    [Fact]
    public void An_arm_whose_window_ends_at_2_to_the_63_us_is_refused_with_the_water_budget_code_and_never_reaches_the_valve()
    {
        var h = DeviceHarness.Started();

        var ack = h.ExecuteForAck(Arm(4, 1_000_000, 1ul << 63, 40_000), 1_000_000);

        Assert.Equal(AckResult.WaterBudget, ack.Result);
        Assert.Equal(uint.MaxValue, ack.Detail);
        Assert.Empty(h.Valve.Arms);
    }

    [Fact]
    public void Pulses_back_to_back_are_refused_with_the_wait_until_the_window_allows_them_again()
    {
        var h = DeviceHarness.Started();
        ulong t = 1_000_000;
        int accepted = 0;
        Ack refusal = default;
        // 100 ms pulses, each started as soon as the last one closed: the window fills and the device says how long to wait.
        for (uint id = 10; id < 20; id++)
        {
            var ack = h.ExecuteForAck(Pulse(id, 100_000), t);
            if (ack.Result != AckResult.Ok)
            {
                refusal = ack;
                break;
            }

            accepted++;
            t += 100_000;
            h.Valve.SetOpen(Valve, false); // The hardware timer closed it.
        }

        Assert.Equal(AckResult.WaterBudget, refusal.Result);
        Assert.InRange(accepted, 1, 9);
        Assert.InRange(refusal.Detail, 1u, 1_000_000u);

        // After the wait it names, the same pulse is accepted.
        Assert.Equal(AckResult.Ok, h.ExecuteForAck(Pulse(30, 100_000), t + refusal.Detail).Result);
    }

    /// <summary>
    /// One continuous morning with the shipped defaults: <c>rig calibrate</c> (20-120 ms, 100 pulses each, a pulse every
    /// 300 ms), <c>rig calibrate verify</c> (200 pulses of 120 ms), then a task session of 500 trials, each arming a 60 ms
    /// reward with the task engine's 120 s window; half are licked for, half disarmed, and every tenth trial also gets a
    /// 60 ms free pulse. Every command must be accepted.
    /// </summary>
    [Fact]
    public void The_shipped_calibration_its_verification_and_a_500_trial_session_in_the_same_hour_are_all_accepted()
    {
        var h = DeviceHarness.Started();
        ulong t = 1_000_000;
        uint id = 100;

        void PulseAndClose(uint duration, ulong intervalMicros)
        {
            var ack = h.ExecuteForAck(Pulse(id++, duration), t);
            Assert.True(ack.Result == AckResult.Ok, $"pulse {id} of {duration} µs at {t} µs: {ack.Result} (detail {ack.Detail})");
            h.Valve.SetOpen(Valve, false);
            t += intervalMicros;
        }

        foreach (uint d in new uint[] { 20_000, 40_000, 60_000, 80_000, 100_000, 120_000 })
        {
            for (int p = 0; p < 100; p++)
            {
                PulseAndClose(d, 300_000);
            }

            t += 30_000_000; // Weighing.
        }

        for (int p = 0; p < 200; p++)
        {
            PulseAndClose(120_000, 300_000);
        }

        for (int trial = 0; trial < 500; trial++)
        {
            ulong start = t;
            var arm = h.ExecuteForAck(Arm(id++, start, start + 120_000_000, 60_000), start);
            Assert.True(arm.Result == AckResult.Ok, $"arm of trial {trial}: {arm.Result} (detail {arm.Detail})");
            if (trial % 2 == 0)
            {
                // The lick 1 s in: the capture layer opens the valve and records both edges.
                ulong lick = start + 1_000_000;
                h.Valve.SetOpen(Valve, true);
                h.Capture.Push(lick, CaptureLine.ValveMonitor, Valve, 1);
                h.Device.Poll(lick + 100);
                h.Valve.SetOpen(Valve, false);
                h.Capture.Push(lick + 60_000, CaptureLine.ValveMonitor, Valve, 0);
                h.Device.Poll(lick + 60_100);
            }
            else
            {
                h.Execute(new Command { Opcode = CommandOpcode.Disarm, CommandId = id++ }, start + 1_500_000);
            }

            if (trial % 10 == 0)
            {
                t = start + 2_000_000;
                PulseAndClose(60_000, 0);
            }

            t = start + 5_000_000;
        }

        Assert.Equal(0u, h.Device.ValveFaults);
        Assert.DoesNotContain(h.Link.Acks(), a => a.Result != AckResult.Ok);
    }

    [Fact]
    public void The_loopback_valve_train_with_its_default_1000_pulses_is_accepted()
    {
        var h = DeviceHarness.Started();

        // valve-to-lick: intervals 60-120 ms, widths 2-20 ms (LoopbackScenario).
        var ack = h.ExecuteForAck(ValveTrain(5, 1000, 60_000, 120_000, 2_000, 20_000), 1_000_000);

        Assert.Equal(AckResult.Ok, ack.Result);
        Assert.True(h.Device.Train.IsActive);
    }

    [Fact]
    public void The_demo_pulse_and_armed_reward_are_accepted()
    {
        var h = DeviceHarness.Started();

        Assert.Equal(AckResult.Ok, h.ExecuteForAck(Pulse(6, 40_000), 1_000_000).Result);
        Assert.Equal(AckResult.Ok, h.ExecuteForAck(Arm(7, 1_000_000, 31_000_000, 40_000), 1_001_000).Result);
        Assert.Single(h.Valve.Arms);
        Assert.Single(h.Link.Acks(), a => a.Opcode == CommandOpcode.PulseValve);
    }
}
