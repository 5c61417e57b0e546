/*
 * Hardware capture timestamps: an edge's count latched by the capture peripheral (MCPWM capture on the ESP32,
 * counting the 80 MHz APB clock), mapped to the esp_timer microsecond timeline the rest of the core uses.
 *
 * The mapping is an offset: the capture timer and esp_timer both count cycles of the same crystal-derived clock on
 * the ESP32, so their rates agree by construction; an anchor (a capture count taken in software between two esp_timer
 * readings) fixes the offset, and the port renews it every second. Derivation and error budget: docs/capture.md,
 * "Hardware capture". Interrupt path: 32-bit arithmetic only (one hardware division by the resolution), no tables.
 */
#include "rig_capture.h"

int rc_config_capture(rc_core *core, uint32_t ticks_per_us)
{
    if (core == NULL || ticks_per_us == 0u || ticks_per_us > RC_CAPTURE_MAX_TICKS_PER_US) {
        return RC_E_INVALID;
    }
    core->capture.ticks_per_us = ticks_per_us;
    for (int u = 0; u < RC_CAPTURE_UNITS; u++) {
        core->capture.anchor[u].anchored = false;
    }
    return RC_OK;
}

RC_ISR_FN void rc_capture_anchor(rc_core *core, uint8_t unit, uint32_t ticks, uint64_t before_us, uint64_t after_us)
{
    if (core->capture.ticks_per_us == 0u || unit >= RC_CAPTURE_UNITS || after_us < before_us) {
        return;
    }
    uint64_t width = after_us - before_us;
    /* The latch happened somewhere in [before, after]: take the midpoint, to half a microsecond. */
    uint64_t twice_mid = before_us + after_us;
    core->capture.anchor[unit].ticks = ticks;
    core->capture.anchor[unit].us = twice_mid >> 1;
    core->capture.anchor[unit].half = (twice_mid & 1u) != 0u;
    core->capture.anchor[unit].half_width_us = width > 0xFFFFFFFEu ? 0x7FFFFFFFu : (uint32_t)((width + 1u) >> 1);
    core->capture.anchor[unit].anchored = true;
}

/* Floor division for a signed dividend and a positive divisor (C's / truncates toward zero). */
static RC_ISR_FN int32_t floor_div(int32_t x, int32_t d)
{
    int32_t q = x / d;
    if ((x % d) != 0 && x < 0) {
        q -= 1;
    }
    return q;
}

RC_ISR_FN uint64_t rc_capture_time_us(const rc_core *core, uint8_t unit, uint32_t ticks, uint64_t entry_us, int *how)
{
    const uint32_t tpu = core->capture.ticks_per_us;
    if (tpu == 0u || unit >= RC_CAPTURE_UNITS || !core->capture.anchor[unit].anchored ||
        (entry_us > core->capture.anchor[unit].us && entry_us - core->capture.anchor[unit].us > RC_ANCHOR_MAX_AGE_US)) {
        *how = 2;
        return entry_us;
    }
    /* Signed: an edge latched just before the anchor was taken (its interrupt waited for the lock) maps backwards.
     * In half-tick units, so a midpoint half a microsecond past anchor_us is exact at any resolution; within
     * RC_ANCHOR_MAX_AGE_US, 2 x 10 s x 100 ticks/µs + 100 < 2^31. Rounded half up: floor((2d + tpu) / (2 tpu)). */
    int32_t twice_delta = 2 * (int32_t)(ticks - core->capture.anchor[unit].ticks) + (core->capture.anchor[unit].half ? (int32_t)tpu : 0);
    int32_t offset_us = floor_div(twice_delta + (int32_t)tpu, 2 * (int32_t)tpu);
    uint64_t anchor_us = core->capture.anchor[unit].us;
    uint64_t mapped = offset_us >= 0 ? anchor_us + (uint64_t)offset_us : anchor_us - (uint64_t)(-(int64_t)offset_us);
    if (mapped > entry_us) {
        *how = 1;
        return entry_us;
    }
    *how = 0;
    return mapped;
}

RC_ISR_FN void rc_capture_edge(rc_core *core, uint8_t unit, int input_index, uint8_t level, uint32_t ticks, uint64_t entry_us)
{
    int how = 0;
    uint64_t t = rc_capture_time_us(core, unit, ticks, entry_us, &how);
    if (how == 1) {
        core->counters.capture_clamped++;
    } else if (how == 2) {
        core->counters.capture_unanchored++;
    }
    rc_input_edge(core, input_index, level, t);
}
