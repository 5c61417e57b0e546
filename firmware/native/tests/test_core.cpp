#include "fixture.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <vector>

using rig_test::CoreFixture;

namespace {

void expect_record(const rc_record &r, uint64_t t, uint8_t line, uint8_t channel, uint8_t level, int64_t value,
                   uint8_t flags)
{
    EXPECT_EQ(t, r.device_us);
    EXPECT_EQ(line, r.line);
    EXPECT_EQ(channel, r.channel);
    EXPECT_EQ(level, r.level);
    EXPECT_EQ(value, r.value);
    EXPECT_EQ(flags, r.flags);
}

// ---- configuration ------------------------------------------------------------------------------------

TEST(Configuration, IsClosedOnceStarted)
{
    CoreFixture f;
    ASSERT_EQ(RC_OK, f.init_rc);
    ASSERT_EQ(RC_OK, rc_start(&f.core, 0));
    EXPECT_EQ(RC_E_STATE, rc_start(&f.core, 1));
    EXPECT_EQ(RC_E_STATE, rc_config_input(&f.core, RC_LINE_LICK, 0, 0, 0));
    EXPECT_EQ(RC_E_STATE, rc_config_valve(&f.core, 0, 1000));
    EXPECT_EQ(RC_E_STATE, rc_config_encoder(&f.core, 65536, 1000));
    EXPECT_EQ(RC_E_STATE, rc_config_tone(&f.core));
    EXPECT_EQ(RC_E_STATE, rc_config_output(&f.core, 0));
}

TEST(Configuration, RefusesOutOfRangeValuesAndFullTables)
{
    CoreFixture f;
    EXPECT_EQ(RC_E_INVALID, rc_config_input(&f.core, RC_LINE_VALVE, 0, 0, 0)) << "only lick, frame, photodiode, TTL";
    EXPECT_EQ(RC_E_INVALID, rc_config_input(&f.core, RC_LINE_LICK, 16, 0, 0));
    EXPECT_EQ(RC_E_INVALID, rc_config_valve(&f.core, 0, 0));
    EXPECT_EQ(RC_E_INVALID, rc_config_valve(&f.core, 0, RC_VALVE_CEILING_US + 1));
    EXPECT_EQ(RC_E_INVALID, rc_config_encoder(&f.core, 65537, 1000));
    for (uint8_t ch = 0; ch < RC_MAX_VALVES; ch++) {
        EXPECT_EQ(RC_OK, rc_config_valve(&f.core, ch, 1000));
    }
    EXPECT_EQ(RC_E_NO_RESOURCES, rc_config_valve(&f.core, RC_MAX_VALVES, 1000));
    EXPECT_EQ(RC_OK, rc_config_valve(&f.core, 0, 2000)) << "reconfiguring a channel takes no new slot";
    EXPECT_EQ(RC_E_STATE, rc_pulse_valve(&f.core, 0, 10, 0)) << "nothing moves before start";
}

// ---- glitch filter ------------------------------------------------------------------------------------

TEST(GlitchFilter, DropsAndCountsEdgesWithinTheLockoutAndAcceptsOneExactlyAtItsEnd)
{
    CoreFixture f;
    int lick = rc_config_input(&f.core, RC_LINE_LICK, 0, 100, 0);
    ASSERT_GE(lick, 0);
    rc_start(&f.core, 0);
    f.edge(lick, 1, 1000);
    f.edge(lick, 0, 1098); // within 100 us: dropped
    f.edge(lick, 1, 1099); // dropped; the pin is back at the recorded level
    f.advance_to(5000);
    f.edge(lick, 0, 5000);
    f.edge(lick, 1, 5100); // exactly 100 us later: accepted
    auto r = f.drain();
    ASSERT_EQ(3u, r.size());
    expect_record(r[0], 1000, RC_LINE_LICK, 0, 1, 0, 0);
    expect_record(r[1], 5000, RC_LINE_LICK, 0, 0, 0, 0);
    expect_record(r[2], 5100, RC_LINE_LICK, 0, 1, 0, 0);
    EXPECT_EQ(2u, f.counters().glitches);
    EXPECT_EQ(0u, f.counters().settled) << "the pin ended where the record stands: nothing to restore";
}

TEST(GlitchFilter, RestoresThePinLevelAtTheEndOfTheLockoutWhenTheLastEdgeWasDropped)
{
    CoreFixture f;
    int ttl = rc_config_input(&f.core, RC_LINE_TTL, 2, 50, 0);
    rc_start(&f.core, 0);
    f.edge(ttl, 1, 200); // a 10 us spike: its rise is accepted, its fall falls in the lockout
    f.edge(ttl, 0, 210);
    f.advance_to(1000);
    auto r = f.drain();
    ASSERT_EQ(2u, r.size());
    expect_record(r[0], 200, RC_LINE_TTL, 2, 1, 0, 0);
    expect_record(r[1], 250, RC_LINE_TTL, 2, 0, 0, RC_FLAG_SETTLED);
    EXPECT_EQ(1u, f.counters().glitches);
    EXPECT_EQ(1u, f.counters().settled);
}

TEST(GlitchFilter, DropsAnEdgeThatDoesNotChangeTheRecordedLevel)
{
    CoreFixture f;
    int frame = rc_config_input(&f.core, RC_LINE_FRAME_CLOCK, 0, 0, 0);
    rc_start(&f.core, 0);
    f.edge(frame, 0, 10);
    f.edge(frame, 1, 20);
    f.edge(frame, 1, 30);
    auto r = f.drain();
    ASSERT_EQ(1u, r.size());
    expect_record(r[0], 20, RC_LINE_FRAME_CLOCK, 0, 1, 0, 0);
    EXPECT_EQ(2u, f.counters().same_level);
    EXPECT_EQ(0u, f.counters().glitches) << "a zero filter never locks out";
}

TEST(GlitchFilter, KeepsEachChannelsLockoutSeparate)
{
    CoreFixture f;
    int a = rc_config_input(&f.core, RC_LINE_PHOTODIODE, 0, 1000, 0);
    int b = rc_config_input(&f.core, RC_LINE_PHOTODIODE, 1, 1000, 0);
    rc_start(&f.core, 0);
    f.edge(a, 1, 100);
    f.edge(b, 1, 150);
    auto r = f.drain();
    ASSERT_EQ(2u, r.size());
    EXPECT_EQ(0u, r[0].channel);
    EXPECT_EQ(1u, r[1].channel);
}

TEST(GlitchFilter, TreatsAnEdgeStampedBeforeTheLastAcceptedOneAsInsideTheLockout)
{
    CoreFixture f;
    int lick = rc_config_input(&f.core, RC_LINE_LICK, 0, 100, 0);
    rc_start(&f.core, 0);
    rc_input_edge(&f.core, lick, 1, 500);
    rc_input_edge(&f.core, lick, 0, 490); // its ISR waited for the lock
    EXPECT_EQ(1u, f.counters().glitches);
}

// ---- armed reward -------------------------------------------------------------------------------------

struct RewardFixture : CoreFixture {
    explicit RewardFixture(uint32_t latency = 0)
    {
        lick = rc_config_input(&core, RC_LINE_LICK, 0, 0, 0);
        rc_config_valve(&core, 1, 100000);
        rc_set_reward_latency(&core, latency);
        rc_start(&core, 0);
    }
    void lick_at(uint64_t t)
    {
        edge(lick, 1, t);
        edge(lick, 0, t + 20000);
    }
    int lick = -1;
};

TEST(ArmedReward, ALickInsideTheWindowOpensTheValveFromTheLickPathAndRecordsBothEdges)
{
    RewardFixture f;
    ASSERT_EQ(RC_OK, rc_arm_reward(&f.core, 1, 1000, 5000, 30000, 0));
    f.lick_at(2000);
    f.advance_to(100000);
    auto r = f.drain();
    ASSERT_EQ(4u, r.size());
    expect_record(r[0], 2000, RC_LINE_LICK, 0, 1, 0, RC_FLAG_TRIGGER);
    expect_record(r[1], 2000, RC_LINE_VALVE, 1, 1, 30000, RC_FLAG_REWARD);
    expect_record(r[2], 22000, RC_LINE_LICK, 0, 0, 0, 0);
    expect_record(r[3], 32000, RC_LINE_VALVE, 1, 0, 30000, RC_FLAG_REWARD);
    ASSERT_EQ(2u, f.calls.size());
    EXPECT_EQ('v', f.calls[0].what);
    EXPECT_EQ(1u, f.calls[0].value);
    EXPECT_EQ(2000u, f.calls[0].at);
    EXPECT_EQ(0u, f.calls[1].value);
    EXPECT_EQ(32000u, f.calls[1].at);
    EXPECT_EQ(1u, f.counters().rewards);
    EXPECT_FALSE(rc_is_armed(&f.core)) << "a reward fires once";
}

TEST(ArmedReward, OpensAfterTheConfiguredLatencyWhenOneIsModelled)
{
    RewardFixture f(5);
    rc_arm_reward(&f.core, 1, 0, 5000, 1000, 0);
    f.lick_at(2000);
    auto r = f.drain();
    ASSERT_GE(r.size(), 2u);
    expect_record(r[1], 2005, RC_LINE_VALVE, 1, 1, 1000, RC_FLAG_REWARD);
}

TEST(ArmedReward, ALickBeforeTheWindowDoesNothingAndTheRewardStaysArmed)
{
    RewardFixture f;
    rc_arm_reward(&f.core, 1, 3000, 5000, 1000, 0);
    f.edge(f.lick, 1, 2999);
    EXPECT_TRUE(rc_is_armed(&f.core));
    EXPECT_FALSE(rc_valve_is_open(&f.core, 1));
    EXPECT_EQ(0u, f.counters().rewards);
}

TEST(ArmedReward, ALickAtExactlyTheWindowStartFires)
{
    RewardFixture f;
    rc_arm_reward(&f.core, 1, 3000, 5000, 1000, 0);
    f.edge(f.lick, 1, 3000);
    EXPECT_TRUE(rc_valve_is_open(&f.core, 1));
}

TEST(ArmedReward, ALickAtExactlyTheWindowEndDoesNotFireBecauseTheWindowIsHalfOpen)
{
    RewardFixture f;
    rc_arm_reward(&f.core, 1, 3000, 5000, 1000, 0);
    f.edge(f.lick, 1, 5000);
    EXPECT_FALSE(rc_valve_is_open(&f.core, 1));
    EXPECT_EQ(1u, f.counters().expired);
    EXPECT_FALSE(rc_is_armed(&f.core));
}

TEST(ArmedReward, DisarmsItselfAtTheWindowEndWithoutALick)
{
    RewardFixture f;
    rc_arm_reward(&f.core, 1, 0, 5000, 1000, 0);
    f.advance_to(4999);
    EXPECT_TRUE(rc_is_armed(&f.core));
    f.advance_to(5000);
    EXPECT_FALSE(rc_is_armed(&f.core));
    EXPECT_EQ(1u, f.counters().expired);
    f.lick_at(6000);
    EXPECT_EQ(0u, f.counters().rewards);
}

TEST(ArmedReward, ADoubleLickOpensTheValveOnce)
{
    RewardFixture f;
    rc_arm_reward(&f.core, 1, 0, 100000, 1000, 0);
    f.edge(f.lick, 1, 100);
    f.edge(f.lick, 0, 200);
    f.edge(f.lick, 1, 300);
    f.advance_to(10000);
    EXPECT_EQ(1u, f.counters().rewards);
    int opens = 0;
    for (const auto &c : f.calls) opens += (c.what == 'v' && c.value == 1) ? 1 : 0;
    EXPECT_EQ(1, opens);
}

TEST(ArmedReward, DisarmBeforeTheLickWinsTheRace)
{
    RewardFixture f;
    rc_arm_reward(&f.core, 1, 0, 100000, 1000, 0);
    f.advance_to(500);
    rc_disarm(&f.core);
    f.edge(f.lick, 1, 500);
    EXPECT_FALSE(rc_valve_is_open(&f.core, 1));
    EXPECT_EQ(0u, f.counters().rewards);
}

TEST(ArmedReward, DisarmAfterTheLickDoesNotTakeBackARewardAlreadyDecided)
{
    RewardFixture f(5);
    rc_arm_reward(&f.core, 1, 0, 100000, 1000, 0);
    f.edge(f.lick, 1, 500);
    f.advance_to(502);
    rc_disarm(&f.core); // between the decision and the valve opening
    f.advance_to(505);
    EXPECT_TRUE(rc_valve_is_open(&f.core, 1));
    EXPECT_EQ(1u, f.counters().rewards);
}

TEST(ArmedReward, CloseValveCancelsARewardThatIsOpeningTheValve)
{
    RewardFixture f(5);
    rc_arm_reward(&f.core, 1, 0, 100000, 1000, 0);
    f.edge(f.lick, 1, 500);
    f.advance_to(502);
    rc_close_valve(&f.core, 1, 502);
    f.advance_to(10000);
    EXPECT_EQ(0u, f.counters().rewards);
    for (const auto &c : f.calls) EXPECT_NE('v', c.what);
}

TEST(ArmedReward, ALickWhileTheValveIsOpenDoesNothingAndTheNextLickAfterItClosesFires)
{
    RewardFixture f;
    ASSERT_EQ(RC_OK, rc_pulse_valve(&f.core, 1, 1000, 0));
    rc_arm_reward(&f.core, 1, 0, 100000, 2000, 0);
    f.edge(f.lick, 1, 500); // valve open from the manual pulse
    EXPECT_EQ(1u, f.counters().licks_while_open);
    EXPECT_TRUE(rc_is_armed(&f.core));
    f.edge(f.lick, 0, 600);
    f.advance_to(1000);
    EXPECT_FALSE(rc_valve_is_open(&f.core, 1));
    f.edge(f.lick, 1, 1500);
    EXPECT_TRUE(rc_valve_is_open(&f.core, 1));
    EXPECT_EQ(1u, f.counters().rewards);
}

TEST(ArmedReward, ANewArmingReplacesTheOldOne)
{
    RewardFixture f;
    rc_arm_reward(&f.core, 1, 0, 1000, 500, 0);
    rc_arm_reward(&f.core, 1, 2000, 3000, 700, 0);
    f.edge(f.lick, 1, 500);
    EXPECT_FALSE(rc_valve_is_open(&f.core, 1));
    f.edge(f.lick, 0, 600);
    f.edge(f.lick, 1, 2500);
    EXPECT_TRUE(rc_valve_is_open(&f.core, 1));
    EXPECT_EQ(0u, f.counters().expired);
}

TEST(ArmedReward, RefusesAnEmptyOrPastWindowAndAnUnknownValve)
{
    RewardFixture f;
    f.advance_to(1000);
    EXPECT_EQ(RC_E_INVALID, rc_arm_reward(&f.core, 1, 500, 500, 100, 1000));
    EXPECT_EQ(RC_E_INVALID, rc_arm_reward(&f.core, 1, 0, 1000, 100, 1000));
    EXPECT_EQ(RC_E_INVALID, rc_arm_reward(&f.core, 1, 0, 2000, 0, 1000));
    EXPECT_EQ(RC_E_NOT_CONFIGURED, rc_arm_reward(&f.core, 7, 0, 2000, 100, 1000));
    EXPECT_FALSE(rc_is_armed(&f.core));
}

// ---- valve hard maximum -------------------------------------------------------------------------------

TEST(ValveMaximum, APulseLongerThanTheMaximumIsRefusedCountedAndNeverOpensTheValve)
{
    CoreFixture f;
    rc_config_valve(&f.core, 0, 50000);
    rc_start(&f.core, 0);
    EXPECT_EQ(RC_E_EXCEEDS_MAX, rc_pulse_valve(&f.core, 0, 50001, 0));
    EXPECT_EQ(RC_E_EXCEEDS_MAX, rc_pulse_valve(&f.core, 0, UINT32_MAX, 0));
    EXPECT_EQ(RC_E_EXCEEDS_MAX, rc_arm_reward(&f.core, 0, 0, 1000, 50001, 0));
    EXPECT_FALSE(rc_valve_is_open(&f.core, 0));
    EXPECT_TRUE(f.calls.empty());
    EXPECT_EQ(3u, f.counters().over_max);
    EXPECT_TRUE(f.drain().empty());
}

TEST(ValveMaximum, APulseOfExactlyTheMaximumClosesExactlyOnTime)
{
    CoreFixture f;
    rc_config_valve(&f.core, 0, 50000);
    rc_start(&f.core, 0);
    ASSERT_EQ(RC_OK, rc_pulse_valve(&f.core, 0, 50000, 100));
    EXPECT_EQ(50100u, rc_next_deadline(&f.core));
    f.advance_to(50099);
    EXPECT_TRUE(rc_valve_is_open(&f.core, 0));
    f.advance_to(50100);
    EXPECT_FALSE(rc_valve_is_open(&f.core, 0));
    auto r = f.drain();
    ASSERT_EQ(2u, r.size());
    expect_record(r[0], 100, RC_LINE_VALVE, 0, 1, 50000, 0);
    expect_record(r[1], 50100, RC_LINE_VALVE, 0, 0, 50000, 0);
}

TEST(ValveMaximum, APulseWhileOpenIsRefusedAsBusyInsteadOfExtendingTheOpening)
{
    CoreFixture f;
    rc_config_valve(&f.core, 0, 50000);
    rc_start(&f.core, 0);
    ASSERT_EQ(RC_OK, rc_pulse_valve(&f.core, 0, 40000, 0));
    EXPECT_EQ(RC_E_BUSY, rc_pulse_valve(&f.core, 0, 40000, 30000));
    f.advance_to(40000);
    EXPECT_FALSE(rc_valve_is_open(&f.core, 0));
    EXPECT_EQ(1u, f.counters().busy);
}

TEST(ValveMaximum, NoSequenceOfCallsKeepsAValveOpenLongerThanItsMaximum)
{
    // Random pulses, armings, licks, closes and disarms; every opening the hooks see is measured.
    std::mt19937_64 random(20240601);
    for (int run = 0; run < 50; run++) {
        CoreFixture f(4096);
        const uint32_t max = 20000;
        int lick = rc_config_input(&f.core, RC_LINE_LICK, 0, static_cast<uint32_t>(random() % 300), 0);
        rc_config_valve(&f.core, 0, max);
        rc_config_valve(&f.core, 3, max / 2);
        rc_set_reward_latency(&f.core, static_cast<uint32_t>(random() % 10));
        rc_start(&f.core, 0);
        uint64_t t = 0;
        uint8_t level = 0;
        for (int step = 0; step < 400; step++) {
            t += random() % 15000;
            f.advance_to(t);
            uint8_t ch = (random() % 2) == 0 ? 0 : 3;
            switch (random() % 6) {
            case 0:
                rc_pulse_valve(&f.core, ch, static_cast<uint32_t>(random() % (3 * max)), t);
                break;
            case 1:
                rc_arm_reward(&f.core, ch, t, t + random() % 50000 + 1, static_cast<uint32_t>(random() % (3 * max)), t);
                break;
            case 2:
            case 3:
                level ^= 1u;
                f.edge(lick, level, t);
                break;
            case 4:
                rc_close_valve(&f.core, ch, t);
                break;
            default:
                rc_disarm(&f.core);
                break;
            }
            f.drain();
        }
        f.advance_to(t + 10 * max);
        uint64_t opened[16] = {};
        bool open[16] = {};
        for (const auto &c : f.calls) {
            if (c.what != 'v') continue;
            if (c.value == 1) {
                ASSERT_FALSE(open[c.channel]) << "opened twice without closing";
                open[c.channel] = true;
                opened[c.channel] = c.at;
            } else {
                ASSERT_TRUE(open[c.channel]);
                open[c.channel] = false;
                uint32_t limit = c.channel == 0 ? max : max / 2;
                ASSERT_LE(c.at - opened[c.channel], limit) << "run " << run;
            }
        }
        EXPECT_FALSE(open[0]);
        EXPECT_FALSE(open[3]);
    }
}

// ---- encoder ------------------------------------------------------------------------------------------

TEST(Encoder, ExtendsA16BitCounterForwardAcrossItsWrap)
{
    CoreFixture f;
    rc_config_encoder(&f.core, 65536, 0);
    f.raw = 32000;
    rc_start(&f.core, 0);
    int64_t expected = 0;
    // 30000 counts per read for 10 reads: wraps the int16 range four times.
    for (int i = 1; i <= 10; i++) {
        expected += 30000;
        f.raw = static_cast<int16_t>(static_cast<uint16_t>(32000 + expected));
        EXPECT_EQ(expected, rc_encoder_count(&f.core, static_cast<uint64_t>(i)));
    }
}

TEST(Encoder, ExtendsA16BitCounterBackwardAcrossItsWrap)
{
    CoreFixture f;
    rc_config_encoder(&f.core, 65536, 0);
    f.raw = -32000;
    rc_start(&f.core, 0);
    int64_t expected = 0;
    for (int i = 1; i <= 10; i++) {
        expected -= 31000;
        f.raw = static_cast<int16_t>(static_cast<uint16_t>(-32000 + expected));
        EXPECT_EQ(expected, rc_encoder_count(&f.core, static_cast<uint64_t>(i)));
    }
    EXPECT_LT(expected, -65536 * 4);
}

TEST(Encoder, ExtendsAPcntUnitThatResetsToZeroAtItsLimitsInBothDirections)
{
    // ESP-IDF pulse_cnt with limits +-32767: reaching either limit resets the hardware counter to 0.
    const int32_t limit = 32767;
    CoreFixture f;
    rc_config_encoder(&f.core, static_cast<uint32_t>(limit), 0);
    rc_start(&f.core, 0);
    int64_t truth = 0;
    int32_t hw = 0;
    std::mt19937 random(7);
    for (int i = 1; i <= 2000; i++) {
        // Steps under half the period (16383) between reads, drifting up then down.
        int32_t step = static_cast<int32_t>(random() % 26000) - (i < 1000 ? 10000 : 16000);
        for (int32_t k = 0; k < (step < 0 ? -step : step); k++) {
            hw += step < 0 ? -1 : 1;
            if (hw == limit || hw == -limit) hw = 0;
        }
        truth += step;
        f.raw = hw;
        ASSERT_EQ(truth, rc_encoder_count(&f.core, static_cast<uint64_t>(i))) << "read " << i;
    }
}

TEST(Encoder, RecordsSamplesOnAnExactGridAtTheConfiguredRate)
{
    CoreFixture f;
    rc_config_encoder(&f.core, 65536, 3); // 333333.3 us: the grid must not drift
    rc_start(&f.core, 10);
    f.raw = 5;
    f.advance_to(1000010);
    auto r = f.drain();
    ASSERT_EQ(4u, r.size());
    expect_record(r[0], 10, RC_LINE_ENCODER, 0, 0, 5, 0);
    EXPECT_EQ(333343u, r[1].device_us);
    EXPECT_EQ(666676u, r[2].device_us);
    EXPECT_EQ(1000010u, r[3].device_us);
    EXPECT_EQ(4u, f.counters().samples);
}

TEST(Encoder, SkipsAndCountsSampleTimesALateTimerMissed)
{
    CoreFixture f;
    rc_config_encoder(&f.core, 65536, 1000);
    rc_start(&f.core, 0);
    rc_poll(&f.core, 0);
    rc_poll(&f.core, 3500); // the timer ran 2.5 ms late
    auto r = f.drain();
    ASSERT_EQ(2u, r.size());
    EXPECT_EQ(3500u, r[1].device_us);
    EXPECT_EQ(2u, f.counters().samples_missed);
    EXPECT_EQ(4000u, rc_next_deadline(&f.core));
}

// ---- tone and sync ------------------------------------------------------------------------------------

TEST(Tone, RecordsStartWithItsFrequencyAndStopOnTimeOrWhenStopped)
{
    CoreFixture f;
    rc_config_tone(&f.core);
    rc_start(&f.core, 0);
    ASSERT_EQ(RC_OK, rc_play_tone(&f.core, 4000, 100000, 1000));
    f.advance_to(200000);
    ASSERT_EQ(RC_OK, rc_play_tone(&f.core, 8000, 100000, 200000));
    f.advance_to(250000);
    rc_stop_tone(&f.core, 250000);
    rc_stop_tone(&f.core, 260000); // already silent: nothing
    auto r = f.drain();
    ASSERT_EQ(4u, r.size());
    expect_record(r[0], 1000, RC_LINE_TONE, 0, 1, 4000, 0);
    expect_record(r[1], 101000, RC_LINE_TONE, 0, 0, 0, 0);
    expect_record(r[2], 200000, RC_LINE_TONE, 0, 1, 8000, 0);
    expect_record(r[3], 250000, RC_LINE_TONE, 0, 0, 0, RC_FLAG_FORCED);
    ASSERT_EQ(4u, f.calls.size());
    EXPECT_EQ(4000u, f.calls[0].value);
    EXPECT_EQ(0u, f.calls[1].value);
}

TEST(Sync, PlaysAScheduleAndRecordsEveryEdgeAtItsTime)
{
    CoreFixture f;
    rc_config_output(&f.core, 1);
    rc_start(&f.core, 0);
    rc_pulse pulses[] = {{0, 100}, {300, 50}, {1000, 200}};
    ASSERT_EQ(RC_OK, rc_play_sync(&f.core, 1, pulses, 3, 5000));
    EXPECT_EQ(RC_E_BUSY, rc_set_output(&f.core, 1, 1, 5000));
    f.advance_to(10000);
    auto r = f.drain();
    ASSERT_EQ(6u, r.size());
    const uint64_t times[] = {5000, 5100, 5300, 5350, 6000, 6200};
    for (size_t i = 0; i < 6; i++) {
        expect_record(r[i], times[i], RC_LINE_SYNC, 1, static_cast<uint8_t>(i % 2 == 0 ? 1 : 0), 0, RC_FLAG_SCHEDULED);
    }
    EXPECT_EQ(RC_OK, rc_set_output(&f.core, 1, 1, 10000)) << "the output is free again";
}

TEST(Sync, RefusesOverlappingOrEmptyPulses)
{
    CoreFixture f;
    rc_config_output(&f.core, 0);
    rc_start(&f.core, 0);
    rc_pulse touching[] = {{0, 100}, {100, 10}};
    rc_pulse zero[] = {{0, 0}};
    EXPECT_EQ(RC_E_INVALID, rc_play_sync(&f.core, 0, touching, 2, 0));
    EXPECT_EQ(RC_E_INVALID, rc_play_sync(&f.core, 0, zero, 1, 0));
    EXPECT_EQ(RC_E_INVALID, rc_play_sync(&f.core, 0, touching, 0, 0));
    EXPECT_EQ(RC_E_NOT_CONFIGURED, rc_play_sync(&f.core, 2, zero, 1, 0));
}

TEST(Outputs, RecordOnlyChangesOfLevel)
{
    CoreFixture f;
    rc_config_output(&f.core, 0);
    rc_start(&f.core, 0);
    rc_set_output(&f.core, 0, 1, 10);
    rc_set_output(&f.core, 0, 1, 20);
    rc_set_output(&f.core, 0, 0, 30);
    EXPECT_EQ(RC_E_INVALID, rc_set_output(&f.core, 0, 2, 40));
    auto r = f.drain();
    ASSERT_EQ(2u, r.size());
    expect_record(r[0], 10, RC_LINE_SYNC, 0, 1, 0, 0);
    expect_record(r[1], 30, RC_LINE_SYNC, 0, 0, 0, 0);
}

} // namespace
