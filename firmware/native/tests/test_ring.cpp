#include "rig_capture.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cstdint>
#include <thread>
#include <vector>

namespace {

rc_record numbered(uint64_t n)
{
    rc_record r{};
    r.device_us = n;
    r.value = static_cast<int64_t>(n) * 3;
    r.line = RC_LINE_LICK;
    r.channel = static_cast<uint8_t>(n % 16);
    r.level = static_cast<uint8_t>(n % 2);
    return r;
}

TEST(Ring, RefusesACapacityThatIsNotAPowerOfTwo)
{
    std::vector<rc_record> storage(12);
    rc_ring ring;
    EXPECT_EQ(RC_E_INVALID, rc_ring_init(&ring, storage.data(), 12));
    EXPECT_EQ(RC_E_INVALID, rc_ring_init(&ring, storage.data(), 0));
    EXPECT_EQ(RC_E_INVALID, rc_ring_init(&ring, storage.data(), 1));
    EXPECT_EQ(RC_E_INVALID, rc_ring_init(&ring, nullptr, 8));
    EXPECT_EQ(RC_OK, rc_ring_init(&ring, storage.data(), 8));
}

TEST(Ring, KeepsOrderAcrossManyLapsOfWrapAround)
{
    std::vector<rc_record> storage(8);
    rc_ring ring;
    ASSERT_EQ(RC_OK, rc_ring_init(&ring, storage.data(), 8));
    uint64_t written = 0;
    uint64_t read = 0;
    rc_record out[8];
    // Uneven batches so the read and write positions cross the end of the storage at every offset.
    for (int round = 0; round < 1000; round++) {
        int batch = 1 + round % 7;
        for (int i = 0; i < batch; i++) {
            rc_record r = numbered(written);
            ASSERT_TRUE(rc_ring_push(&ring, &r));
            written++;
        }
        uint32_t n = rc_ring_pop(&ring, out, static_cast<uint32_t>(1 + round % 5));
        for (uint32_t i = 0; i < n; i++) {
            ASSERT_EQ(read, out[i].device_us);
            ASSERT_EQ(static_cast<int64_t>(read) * 3, out[i].value);
            read++;
        }
        while ((n = rc_ring_pop(&ring, out, 8)) > 0) {
            for (uint32_t i = 0; i < n; i++) {
                ASSERT_EQ(read++, out[i].device_us);
            }
        }
    }
    EXPECT_EQ(written, read);
    EXPECT_EQ(0u, rc_ring_overflows(&ring));
}

TEST(Ring, CountsEveryDroppedRecordExactlyAndFlagsTheNextOneWritten)
{
    std::vector<rc_record> storage(4);
    rc_ring ring;
    ASSERT_EQ(RC_OK, rc_ring_init(&ring, storage.data(), 4));
    int accepted = 0;
    for (uint64_t i = 0; i < 10; i++) {
        rc_record r = numbered(i);
        accepted += rc_ring_push(&ring, &r) ? 1 : 0;
    }
    EXPECT_EQ(4, accepted);
    EXPECT_EQ(6u, rc_ring_overflows(&ring));
    EXPECT_EQ(4u, rc_ring_count(&ring));

    rc_record out[8];
    ASSERT_EQ(4u, rc_ring_pop(&ring, out, 8));
    for (uint64_t i = 0; i < 4; i++) {
        EXPECT_EQ(i, out[i].device_us);
        EXPECT_EQ(0, out[i].flags & RC_FLAG_GAP);
    }

    rc_record after = numbered(100);
    rc_record next = numbered(101);
    ASSERT_TRUE(rc_ring_push(&ring, &after));
    ASSERT_TRUE(rc_ring_push(&ring, &next));
    ASSERT_EQ(2u, rc_ring_pop(&ring, out, 8));
    EXPECT_EQ(RC_FLAG_GAP, out[0].flags & RC_FLAG_GAP) << "the first record after a loss says so";
    EXPECT_EQ(0, out[1].flags & RC_FLAG_GAP);
    EXPECT_EQ(6u, rc_ring_overflows(&ring)) << "the count is cumulative, never reset by a drain";
}

TEST(Ring, FillLevelStaysRightWhenTheFreeRunningIndicesWrapAt2To32)
{
    std::vector<rc_record> storage(8);
    rc_ring ring;
    ASSERT_EQ(RC_OK, rc_ring_init(&ring, storage.data(), 8));
    atomic_store(&ring.head, UINT32_MAX - 2u);
    atomic_store(&ring.tail, UINT32_MAX - 2u);
    rc_record out[8];
    for (uint64_t i = 0; i < 8; i++) {
        rc_record r = numbered(i);
        ASSERT_TRUE(rc_ring_push(&ring, &r));
    }
    rc_record extra = numbered(99);
    EXPECT_FALSE(rc_ring_push(&ring, &extra));
    EXPECT_EQ(8u, rc_ring_count(&ring));
    ASSERT_EQ(8u, rc_ring_pop(&ring, out, 8));
    for (uint64_t i = 0; i < 8; i++) {
        EXPECT_EQ(i, out[i].device_us);
    }
    EXPECT_EQ(1u, rc_ring_overflows(&ring));
}

TEST(Ring, AProducerThreadAndAConsumerThreadLoseNothingUncounted)
{
    std::vector<rc_record> storage(64);
    rc_ring ring;
    ASSERT_EQ(RC_OK, rc_ring_init(&ring, storage.data(), 64));
    constexpr uint64_t total = 200000;
    std::atomic<bool> done{false};
    uint64_t received = 0;
    uint64_t last = 0;
    bool ordered = true;
    bool gap_marked_every_loss = true;
    std::thread consumer([&] {
        rc_record out[16];
        uint64_t expected_next = 0;
        for (;;) {
            bool finished = done.load(std::memory_order_acquire);
            uint32_t n = rc_ring_pop(&ring, out, 16);
            for (uint32_t i = 0; i < n; i++) {
                if (received > 0 && out[i].device_us <= last) ordered = false;
                bool skipped = out[i].device_us != expected_next;
                if (skipped && (out[i].flags & RC_FLAG_GAP) == 0) gap_marked_every_loss = false;
                expected_next = out[i].device_us + 1;
                last = out[i].device_us;
                received++;
            }
            if (n == 0 && finished) break;
        }
    });
    for (uint64_t i = 0; i < total; i++) {
        rc_record r = numbered(i);
        rc_ring_push(&ring, &r);
    }
    done.store(true, std::memory_order_release);
    consumer.join();
    EXPECT_TRUE(ordered);
    EXPECT_TRUE(gap_marked_every_loss);
    EXPECT_EQ(total, received + rc_ring_overflows(&ring));
}

TEST(Record, EncodesTheDocumented24ByteLittleEndianLayout)
{
    rc_record r{};
    r.device_us = 0x0102030405060708ull;
    r.value = -2;
    r.line = RC_LINE_ENCODER;
    r.channel = 3;
    r.level = 1;
    r.flags = RC_FLAG_GAP | RC_FLAG_REWARD;
    r.reserved = 0xFFFFFFFFu;
    uint8_t bytes[RC_RECORD_BYTES];
    rc_record_encode(&r, bytes);
    const uint8_t expected[RC_RECORD_BYTES] = {0x08, 0x07, 0x06, 0x05, 0x04, 0x03, 0x02, 0x01, 0xFE, 0xFF, 0xFF, 0xFF,
                                               0xFF, 0xFF, 0xFF, 0xFF, 8,    3,    1,    0x05, 0,    0,    0,    0};
    for (int i = 0; i < RC_RECORD_BYTES; i++) {
        EXPECT_EQ(expected[i], bytes[i]) << "byte " << i;
    }
    rc_record back{};
    rc_record_decode(bytes, &back);
    EXPECT_EQ(r.device_us, back.device_us);
    EXPECT_EQ(r.value, back.value);
    EXPECT_EQ(r.flags, back.flags);
    EXPECT_EQ(0u, back.reserved);
    static_assert(sizeof(rc_record) == RC_RECORD_BYTES, "the in-memory record is the wire record");
}

TEST(Record, TheCoreStructHasTheSameSizeInCAndInCpp)
{
    // The header declares the ring's indices as std::atomic in C++ and _Atomic in C; callers in either language share one struct.
    EXPECT_EQ(rc_core_size(), sizeof(rc_core));
}

TEST(Record, DrainIntoBytesRefusesABufferShorterThanItsRecordCount)
{
    std::vector<rc_record> storage(8);
    rc_core core;
    rc_hooks hooks{};
    ASSERT_EQ(RC_OK, rc_init(&core, storage.data(), 8, &hooks));
    std::vector<uint8_t> buffer(RC_RECORD_BYTES * 2 - 1);
    EXPECT_EQ(RC_E_INVALID, rc_drain_bytes(&core, buffer.data(), buffer.size(), 2));
    EXPECT_EQ(RC_E_INVALID, rc_drain_bytes(&core, nullptr, 0, 1));
    EXPECT_EQ(0, rc_drain_bytes(&core, buffer.data(), buffer.size(), 1));
}

} // namespace
