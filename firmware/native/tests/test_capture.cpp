// The mapping of hardware-latched capture counts to the esp_timer timeline (core/src/rc_capture.c).
#include "fixture.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <random>

using rig_test::CoreFixture;

namespace {

// The true time of a count, in µs as a double, from an anchor midpoint (before + after) / 2.
double true_time_us(uint32_t ticks_per_us, uint32_t anchor_ticks, uint64_t before, uint64_t after, uint32_t ticks)
{
    double mid = (static_cast<double>(before) + static_cast<double>(after)) / 2.0;
    int32_t delta = static_cast<int32_t>(ticks - anchor_ticks);
    return mid + static_cast<double>(delta) / static_cast<double>(ticks_per_us);
}

} // namespace

TEST(CaptureMapping, MatchesTheTrueTimeRoundedHalfUpForRandomAnchorsOffsetsAndWraps)
{
    // 20,000 random anchors (any 32-bit count, so many wrap) and edges up to 10 s either side, at 80 ticks/µs
    // (the ESP32) and at other resolutions: the mapped time is the true time rounded half up, exactly.
    std::mt19937_64 random(20);
    for (uint32_t tpu : {80u, 1u, 3u, 99u, 100u}) {
        CoreFixture f;
        ASSERT_EQ(RC_OK, rc_config_capture(&f.core, tpu));
        for (int i = 0; i < 4000; i++) {
            uint32_t anchor_ticks = static_cast<uint32_t>(random());
            uint64_t before = 20000000u + random() % 1000000000u;
            uint64_t after = before + random() % 4u;
            rc_capture_anchor(&f.core, 1, anchor_ticks, before, after);
            int64_t max_offset = static_cast<int64_t>(tpu) * 9000000;
            int64_t offset = static_cast<int64_t>(random() % static_cast<uint64_t>(2 * max_offset)) - max_offset;
            uint32_t ticks = anchor_ticks + static_cast<uint32_t>(offset);
            double truth = true_time_us(tpu, anchor_ticks, before, after, ticks);
            uint64_t entry = static_cast<uint64_t>(std::ceil(truth)) + 5u;
            int how = -1;
            uint64_t mapped = rc_capture_time_us(&f.core, 1, ticks, entry, &how);
            ASSERT_EQ(0, how) << "tpu " << tpu << " anchor " << anchor_ticks << " offset " << offset;
            ASSERT_EQ(static_cast<uint64_t>(std::floor(truth + 0.5)), mapped)
                << "tpu " << tpu << " anchor " << anchor_ticks << " @" << before << ".." << after << " ticks " << ticks;
        }
    }
}

TEST(CaptureMapping, ABackwardsBracketIsIgnoredAndEachUnitKeepsItsOwnAnchor)
{
    CoreFixture f;
    ASSERT_EQ(RC_OK, rc_config_capture(&f.core, 80));
    rc_capture_anchor(&f.core, 0, 8000, 100, 100);
    rc_capture_anchor(&f.core, 0, 999999, 300, 200);
    rc_capture_anchor(&f.core, RC_CAPTURE_UNITS, 999999, 200, 300); // no such unit
    int how = -1;
    EXPECT_EQ(110u, rc_capture_time_us(&f.core, 0, 8800, 500, &how));
    EXPECT_EQ(0, how);
    EXPECT_EQ(0u, f.core.capture.anchor[0].half_width_us); // a zero-width bracket has no uncertainty
    // Each unit has its own anchor: unit 1 has none yet.
    EXPECT_EQ(500u, rc_capture_time_us(&f.core, 1, 8800, 500, &how));
    EXPECT_EQ(2, how);
    EXPECT_EQ(500u, rc_capture_time_us(&f.core, RC_CAPTURE_UNITS, 8800, 500, &how));
    EXPECT_EQ(2, how);
}

TEST(CaptureMapping, WithoutConfigurationEveryEdgeTakesItsInterruptTimeAndIsCounted)
{
    CoreFixture f;
    int idx = rc_config_input(&f.core, RC_LINE_LICK, 0, 0, 0);
    ASSERT_GE(idx, 0);
    ASSERT_EQ(RC_OK, rc_start(&f.core, 0));
    rc_capture_anchor(&f.core, 0, 100, 10, 10); // ignored: no resolution configured
    rc_capture_edge(&f.core, 0, idx, 1, 123456, 700);
    rc_counters c{};
    rc_get_counters(&f.core, &c);
    EXPECT_EQ(1u, c.capture_unanchored);
    rc_record r{};
    ASSERT_EQ(1u, rc_drain(&f.core, &r, 1));
    EXPECT_EQ(700u, r.device_us);
}

TEST(CaptureMapping, ALatchedLickKeepsItsOwnTimeAndTheArmedRewardOpensInItsInterrupt)
{
    // As the port runs it: the capture interrupt enters at 2003 for a lick latched at 2000 (count 160,000 after an
    // anchor at 0 µs); rc_capture_edge, then rc_poll at the interrupt's time opens the armed valve there.
    CoreFixture f;
    int lick = rc_config_input(&f.core, RC_LINE_LICK, 0, 0, 0);
    ASSERT_GE(lick, 0);
    ASSERT_EQ(RC_OK, rc_config_valve(&f.core, 1, 100000));
    ASSERT_EQ(RC_OK, rc_config_capture(&f.core, 80));
    ASSERT_EQ(RC_OK, rc_start(&f.core, 0));
    rc_capture_anchor(&f.core, 0, 0, 0, 0);
    ASSERT_EQ(RC_OK, rc_arm_reward(&f.core, 1, 1000, 5000, 30000, 0));

    rc_capture_edge(&f.core, 0, lick, 1, 160000, 2003);
    rc_poll(&f.core, 2003);

    auto r = f.drain();
    ASSERT_EQ(2u, r.size());
    EXPECT_EQ(2000u, r[0].device_us);
    EXPECT_EQ(RC_LINE_LICK, r[0].line);
    EXPECT_EQ(2003u, r[1].device_us) << "the valve record is when the pin was driven";
    EXPECT_EQ(RC_LINE_VALVE, r[1].line);
    EXPECT_EQ(RC_FLAG_REWARD, r[1].flags);
    ASSERT_EQ(1u, f.calls.size());
    EXPECT_EQ(2003u, f.calls[0].at);
    EXPECT_EQ(1u, f.counters().rewards);
}
