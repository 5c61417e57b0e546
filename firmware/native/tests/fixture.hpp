// A capture core on the host with recording hooks and a punctual "timer" (advance_to).
#pragma once

#include "rig_capture.h"

#include <cstdint>
#include <vector>

namespace rig_test {

struct HookCall {
    char what; // 'v' valve, 'o' output, 't' tone
    uint8_t channel;
    uint32_t value; // level, or tone frequency
    uint64_t at;
};

class CoreFixture {
  public:
    explicit CoreFixture(uint32_t ring_capacity = 256) : storage_(ring_capacity)
    {
        rc_hooks hooks{};
        hooks.ctx = this;
        hooks.set_valve = [](void *ctx, uint8_t ch, uint8_t open, uint64_t now) {
            static_cast<CoreFixture *>(ctx)->calls.push_back({'v', ch, open, now});
        };
        hooks.set_output = [](void *ctx, uint8_t ch, uint8_t level, uint64_t now) {
            static_cast<CoreFixture *>(ctx)->calls.push_back({'o', ch, level, now});
        };
        hooks.set_tone = [](void *ctx, uint16_t hz, uint64_t now) {
            static_cast<CoreFixture *>(ctx)->calls.push_back({'t', 0, hz, now});
        };
        hooks.read_encoder = [](void *ctx, uint64_t) { return static_cast<CoreFixture *>(ctx)->raw; };
        init_rc = rc_init(&core, storage_.data(), ring_capacity, &hooks);
    }

    // Handles every deadline up to t at its own time, as the hardware timer would, then stands at t.
    void advance_to(uint64_t t)
    {
        for (uint64_t due = rc_next_deadline(&core); due <= t; due = rc_next_deadline(&core)) {
            rc_poll(&core, due);
        }
    }

    // An edge as the port delivers it: deadlines before it, the edge, then whatever it made due.
    void edge(int input, uint8_t level, uint64_t t)
    {
        advance_to(t);
        rc_input_edge(&core, input, level, t);
        advance_to(t);
    }

    std::vector<rc_record> drain()
    {
        std::vector<rc_record> out(storage_.size());
        out.resize(rc_drain(&core, out.data(), static_cast<uint32_t>(out.size())));
        return out;
    }

    rc_counters counters() const
    {
        rc_counters c{};
        rc_get_counters(&core, &c);
        return c;
    }

    rc_core core{};
    int init_rc = 0;
    int32_t raw = 0;
    std::vector<HookCall> calls;

  private:
    std::vector<rc_record> storage_;
};

} // namespace rig_test
