using Rig.Firmware.Valve;
using Xunit;

namespace Rig.Firmware.Tests;

/// <summary>The water budget alone, on device times given as arguments.</summary>
public sealed class WaterBudgetTests
{
    private const uint HardMax = 500_000;

    // 300 ms in any 500 ms, 4 openings; 1 s in any 60 s (1 s buckets); arms up to 120 s.
    private static WaterBudget Tight() => new(500_000, 300_000, 4, 60_000_000, 1_000_000, 120_000_000, HardMax);

    [Fact]
    public void A_pending_arming_counts_in_full_until_it_is_disarmed_and_then_for_a_window_after_its_latest_end()
    {
        var b = Tight();
        Assert.True(b.TryChargeArm(250_000, 100_000_000, 1_000_000, out _));

        // Armed until 100 s: the reward may open at any moment, so 60 ms more (310 ms in all) waits until 10 ms of the
        // arming's latest water (ending 100.25 s) is more than a window old.
        Assert.False(b.TryChargePulse(60_000, 50_000_000, out uint wait));
        Assert.Equal(100_250_000u + 500_000 - 240_000 - 50_000_000, wait);

        // Disarmed at 50 s: it may have opened just before, so its water may flow until 50.25 s.
        b.ReleaseArm(50_000_000);
        Assert.False(b.TryChargePulse(60_000, 50_000_000, out wait));
        Assert.Equal(50_250_000u + 500_000 - 240_000 - 50_000_000, wait);
        Assert.True(b.TryChargePulse(60_000, 50_000_000 + wait, out _));
    }

    [Fact]
    public void An_armed_reward_that_fired_counts_from_its_real_opening()
    {
        var b = Tight();
        Assert.True(b.TryChargeArm(250_000, 100_000_000, 1_000_000, out _));
        b.ArmFired(2_000_000);

        // Its water ended at 2.25 s: by 2.75 s it no longer counts, so a 300 ms pulse fits.
        Assert.False(b.TryChargePulse(300_000, 2_700_000, out _));
        Assert.True(b.TryChargePulse(300_000, 2_750_000, out _));
    }

    [Fact]
    public void An_opening_reported_after_a_new_arming_but_from_before_it_leaves_the_new_arming_charged_in_full()
    {
        var b = Tight();
        Assert.True(b.TryChargeArm(40_000, 100_000_000, 1_000_000, out _));
        // The first arming fired at 1.5 s; before its edge was drained, a second arming replaced it at 2 s.
        Assert.True(b.TryChargeArm(250_000, 100_000_000, 2_000_000, out _));
        b.ArmFired(1_500_000);

        // The second may still open at any moment: 250 ms of it plus 100 ms is over the 300 ms window limit.
        Assert.False(b.TryChargePulse(100_000, 3_000_000, out _));
        Assert.Equal(250_000ul, b.WindowCounted(3_000_000));
    }

    [Fact]
    public void A_pending_arming_whose_window_is_long_over_frees_its_slot_for_a_new_charge()
    {
        // Found by the property test: an arming left pending (nothing expired it) kept its slot, and with every other slot
        // in use the next admitted charge found none.
        var b = Tight();
        Assert.True(b.TryChargeArm(1, 1_001_000, 1_000_000, out _));
        for (ulong t = 0; t < 4; t++)
        {
            Assert.True(b.TryChargePulse(1, 3_000_000 + (t * 10), out _));
        }

        Assert.False(b.TryChargePulse(1, 3_000_040, out _));
    }

    [Fact]
    public void An_arming_whose_window_ends_beyond_the_longest_arm_window_is_refused_for_good()
    {
        var b = Tight();
        Assert.False(b.TryChargeArm(40_000, 1_000_000 + 120_000_001, 1_000_000, out uint detail));
        Assert.Equal(WaterBudget.Never, detail);
        Assert.True(b.TryChargeArm(40_000, 1_000_000 + 120_000_000, 1_000_000, out _));
    }

    [Fact]
    public void More_openings_in_a_window_than_allowed_are_refused_until_the_oldest_no_longer_counts()
    {
        var b = Tight();
        for (ulong t = 0; t < 4; t++)
        {
            Assert.True(b.TryChargePulse(1, 1_000_000 + (t * 10), out _));
        }

        Assert.False(b.TryChargePulse(1, 1_000_040, out uint wait));
        // The first 1 µs pulse ended at 1.000001 s and counts for 500 ms after.
        Assert.Equal(1_000_000u + 1 + 500_000 - 1_000_040, wait);
        Assert.True(b.TryChargePulse(1, 1_000_040 + wait, out _));
    }

    [Fact]
    public void The_session_limit_refuses_with_the_wait_until_the_oldest_charge_leaves_its_look_back()
    {
        var b = Tight();
        ulong t = 10_000_000;
        for (int i = 0; i < 4; i++)
        {
            Assert.True(b.TryChargePulse(250_000, t, out _));
            t += 1_000_000;
        }

        // 1 s used: nothing more fits until the first charge's 1 s bucket (10-11 s) is older than 60 s + 120 s + 500 ms.
        Assert.False(b.TryChargePulse(1_000, t, out uint wait));
        Assert.Equal(11_000_000ul + 60_000_000 + 120_000_000 + HardMax - t, wait);
        Assert.Equal(1_000_000ul, b.SessionCounted(t));
        Assert.True(b.TryChargePulse(1_000, t + wait, out _));
    }

    [Theory]
    [InlineData(20, 1u, 500_000u, false)]       // the train: each pulse beyond the window limit
    [InlineData(100, 1u, 100_000u, false)]      // allowed pulses, near-continuous together
    [InlineData(100, 200_000u, 100_000u, true)] // 100 ms every 300 ms: 200 ms in any window
    [InlineData(2, 1u, 150_000u, true)]         // two pulses back to back: 300 ms in all
    [InlineData(3, 1u, 150_000u, false)]
    [InlineData(5, 1_000u, 1_000u, false)]      // five openings in a window of four
    public void A_valve_train_is_admitted_only_when_its_densest_pattern_fits_the_window(int count, uint minInterval, uint maxWidth, bool admitted)
    {
        var b = Tight();
        Assert.Equal(admitted, b.AdmitsTrain(count, minInterval, maxWidth, 0, 1_000_000, out uint detail));
        Assert.Equal(admitted ? 0u : WaterBudget.Never, detail);
    }
}
