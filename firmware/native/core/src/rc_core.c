/* The capture state machine. Semantics (glitch lockout, armed reward, valve maximum, encoder extension,
 * tone, sync schedule) are specified in docs/capture.md and pinned by tests/vectors/capture; the C# model in
 * host/Rig.VirtualRig/Capture/CaptureCoreModel.cs must stay line-for-line equivalent. */
#include "rig_capture.h"

#include <string.h>

enum deadline_kind {
    DUE_NONE = 0,
    DUE_REWARD,
    DUE_VALVE,
    DUE_WINDOW,
    DUE_SETTLE,
    DUE_SYNC,
    DUE_TONE,
    DUE_ENCODER
};

static RC_ISR_FN void emit(rc_core *core, uint64_t t, uint8_t line, uint8_t channel, uint8_t level, int64_t value,
                           uint8_t flags)
{
    rc_record r;
    r.device_us = t;
    r.value = value;
    r.line = line;
    r.channel = channel;
    r.level = level;
    r.flags = flags;
    r.reserved = 0u;
    rc_ring_push(&core->ring, &r);
}

static int find_valve(const rc_core *core, uint8_t channel)
{
    for (int i = 0; i < RC_MAX_VALVES; i++) {
        if (core->valves[i].used && core->valves[i].channel == channel) {
            return i;
        }
    }
    return -1;
}

static int find_output(const rc_core *core, uint8_t channel)
{
    for (int i = 0; i < RC_MAX_OUTPUTS; i++) {
        if (core->outputs[i].used && core->outputs[i].channel == channel) {
            return i;
        }
    }
    return -1;
}

int rc_init(rc_core *core, rc_record *ring_storage, uint32_t ring_capacity, const rc_hooks *hooks)
{
    if (core == NULL || hooks == NULL) {
        return RC_E_INVALID;
    }
    memset(core, 0, sizeof(*core));
    int rc = rc_ring_init(&core->ring, ring_storage, ring_capacity);
    if (rc != RC_OK) {
        return rc;
    }
    core->hooks = *hooks;
    core->encoder.modulus = 65536u;
    return RC_OK;
}

void rc_set_reward_latency(rc_core *core, uint32_t latency_us)
{
    core->reward_latency_us = latency_us;
}

int rc_config_input(rc_core *core, uint8_t line, uint8_t channel, uint32_t glitch_us, uint8_t initial_level)
{
    if (core->started) {
        return RC_E_STATE;
    }
    if (line < RC_LINE_LICK || line > RC_LINE_TTL || channel >= RC_CHANNELS || initial_level > 1u) {
        return RC_E_INVALID;
    }
    int index = rc_input_index(core, line, channel);
    if (index < 0) {
        for (int i = 0; i < RC_MAX_INPUTS; i++) {
            if (!core->inputs[i].used) {
                index = i;
                break;
            }
        }
    }
    if (index < 0) {
        return RC_E_NO_RESOURCES;
    }
    rc_input *in = &core->inputs[index];
    memset(in, 0, sizeof(*in));
    in->used = true;
    in->line = line;
    in->channel = channel;
    in->glitch_us = glitch_us;
    in->reported = initial_level;
    in->raw = initial_level;
    return index;
}

int rc_config_lick(rc_core *core, uint8_t channel, uint32_t debounce_us, uint32_t min_interval_us)
{
    if (core->started) {
        return RC_E_STATE;
    }
    int index = rc_input_index(core, RC_LINE_LICK, channel);
    if (index < 0) {
        return RC_E_NOT_CONFIGURED;
    }
    core->inputs[index].gate.debounce_us = debounce_us;
    core->inputs[index].gate.min_interval_us = min_interval_us;
    return RC_OK;
}

int rc_input_index(const rc_core *core, uint8_t line, uint8_t channel)
{
    for (int i = 0; i < RC_MAX_INPUTS; i++) {
        if (core->inputs[i].used && core->inputs[i].line == line && core->inputs[i].channel == channel) {
            return i;
        }
    }
    return -1;
}

int rc_config_encoder(rc_core *core, uint32_t modulus, uint32_t rate_hz)
{
    if (core->started) {
        return RC_E_STATE;
    }
    if (modulus < 4u || modulus > 65536u || rate_hz > RC_MAX_ENCODER_RATE_HZ) {
        return RC_E_INVALID;
    }
    core->encoder.configured = true;
    core->encoder.modulus = modulus;
    core->encoder.rate_hz = rate_hz;
    if (rate_hz != 0u) {
        core->encoder.period_whole_us = 1000000u / rate_hz;
        core->encoder.period_rem = 1000000u % rate_hz;
    }
    return RC_OK;
}

int rc_config_valve(rc_core *core, uint8_t channel, uint32_t hard_max_us)
{
    if (core->started) {
        return RC_E_STATE;
    }
    if (channel >= RC_CHANNELS || hard_max_us == 0u || hard_max_us > RC_VALVE_CEILING_US) {
        return RC_E_INVALID;
    }
    int index = find_valve(core, channel);
    if (index < 0) {
        for (int i = 0; i < RC_MAX_VALVES; i++) {
            if (!core->valves[i].used) {
                index = i;
                break;
            }
        }
    }
    if (index < 0) {
        return RC_E_NO_RESOURCES;
    }
    rc_valve *v = &core->valves[index];
    memset(v, 0, sizeof(*v));
    v->used = true;
    v->channel = channel;
    v->hard_max_us = hard_max_us;
    return RC_OK;
}

int rc_config_tone(rc_core *core)
{
    if (core->started) {
        return RC_E_STATE;
    }
    core->tone.configured = true;
    return RC_OK;
}

int rc_config_output(rc_core *core, uint8_t channel)
{
    if (core->started) {
        return RC_E_STATE;
    }
    if (channel >= RC_CHANNELS) {
        return RC_E_INVALID;
    }
    if (find_output(core, channel) >= 0) {
        return RC_OK;
    }
    for (int i = 0; i < RC_MAX_OUTPUTS; i++) {
        if (!core->outputs[i].used) {
            core->outputs[i].used = true;
            core->outputs[i].channel = channel;
            core->outputs[i].level = 0u;
            return RC_OK;
        }
    }
    return RC_E_NO_RESOURCES;
}

/* 32-bit arithmetic only: 64-bit division is a libgcc call, not guaranteed in IRAM. */
static RC_ISR_FN uint32_t normalize_raw(int32_t raw, uint32_t modulus)
{
    int32_t m = (int32_t)modulus; /* <= 65536 */
    int32_t r = raw % m;
    if (r < 0) {
        r += m;
    }
    return (uint32_t)r;
}

int rc_start(rc_core *core, uint64_t now_us)
{
    if (core->started) {
        return RC_E_STATE;
    }
    core->started = true;
    if (core->encoder.configured) {
        int32_t raw = core->hooks.read_encoder != NULL ? core->hooks.read_encoder(core->hooks.ctx, now_us) : 0;
        core->encoder.last_raw = normalize_raw(raw, core->encoder.modulus);
        core->encoder.count = 0;
        core->encoder.acc = 0u;
        core->encoder.next_us = now_us;
    }
    return RC_OK;
}

/* ---- inputs ------------------------------------------------------------------------------------------- */

static RC_ISR_FN bool fire_armed_reward(rc_core *core, uint64_t t);

/* LickDetector.Decide on the pending burst: the level it settled at becomes the accepted level, and an onset moves
 * the minimum inter-lick interval on. A burst that fired the reward is an onset whatever level it ended at. */
static RC_ISR_FN void lick_gate_decide(rc_lick_gate *g)
{
    g->pending = false;
    if (g->triggered) {
        g->triggered = false;
        g->accepted = g->raw;
        g->seen_onset = true;
        g->last_onset_us = g->burst_us;
        return;
    }
    if (g->raw == g->accepted) {
        return;
    }
    g->accepted = g->raw;
    if (g->accepted == 1u
        && !(g->seen_onset && g->burst_us - g->last_onset_us < g->min_interval_us)) {
        g->seen_onset = true;
        g->last_onset_us = g->burst_us;
    }
}

/* LickDetector.OnEdge on a lick record at t. True when t starts a burst that LickDetector will stamp as an onset at t
 * once it settles high: the line rises from a settled low, at least min_interval_us after the previous onset. */
static RC_ISR_FN bool lick_gate_edge(rc_lick_gate *g, uint8_t level, uint64_t t)
{
    if (g->pending && t - g->last_edge_us >= g->debounce_us) {
        lick_gate_decide(g);
    }
    if (level == g->raw) {
        return false;
    }
    g->raw = level;
    bool starts = !g->pending;
    g->pending = true;
    g->last_edge_us = t;
    if (!starts) {
        return false;
    }
    g->burst_us = t;
    return level == 1u && g->accepted == 0u && !(g->seen_onset && t - g->last_onset_us < g->min_interval_us);
}

static RC_ISR_FN void accept_edge(rc_core *core, rc_input *in, uint8_t level, uint64_t t, uint8_t flags)
{
    in->reported = level;
    in->has_accepted = true;
    in->last_accepted_us = t;
    if (in->line == RC_LINE_LICK) {
        if (rc_ring_full(&core->ring)) {
            /* The record is lost, so LickDetector never sees it: the replay skips it too, and nothing fires on it. */
            rc_ring_drop(&core->ring);
            return;
        }
        bool onset = lick_gate_edge(&in->gate, level, t);
        bool in_window = core->armed.active && t >= core->armed.start_us && t < core->armed.end_us;
        if (onset && in_window && fire_armed_reward(core, t)) {
            in->gate.triggered = true;
            flags |= RC_FLAG_TRIGGER;
        } else if (!onset && level == 1u && in_window) {
            core->counters.not_onset++;
        }
    }
    emit(core, t, in->line, in->channel, level, 0, flags);
}

RC_ISR_FN void rc_input_edge(rc_core *core, int input_index, uint8_t level, uint64_t edge_us)
{
    if (!core->started || input_index < 0 || input_index >= RC_MAX_INPUTS || !core->inputs[input_index].used) {
        return;
    }
    rc_input *in = &core->inputs[input_index];
    level = level != 0u ? 1u : 0u;
    in->raw = level;
    /* Also catches an edge stamped before the last accepted one (its ISR waited for the lock). */
    if (in->glitch_us != 0u && in->has_accepted && edge_us < in->last_accepted_us + in->glitch_us) {
        core->counters.glitches++;
        in->settle_pending = true;
        return;
    }
    if (level == in->reported) {
        core->counters.same_level++;
        return;
    }
    accept_edge(core, in, level, edge_us, 0u);
}

/* ---- valves and the armed reward ---------------------------------------------------------------------- */

static RC_ISR_FN void open_valve(rc_core *core, int index, uint32_t duration_us, bool reward, uint64_t now)
{
    rc_valve *v = &core->valves[index];
    v->open = true;
    v->open_by_reward = reward;
    v->opened_us = now;
    v->close_us = now + duration_us;
    if (core->hooks.set_valve != NULL) {
        core->hooks.set_valve(core->hooks.ctx, v->channel, 1u, now);
    }
    emit(core, now, RC_LINE_VALVE, v->channel, 1u, (int64_t)duration_us, reward ? RC_FLAG_REWARD : 0u);
}

static RC_ISR_FN void close_valve(rc_core *core, int index, bool forced, uint64_t now)
{
    rc_valve *v = &core->valves[index];
    v->open = false;
    if (core->hooks.set_valve != NULL) {
        core->hooks.set_valve(core->hooks.ctx, v->channel, 0u, now);
    }
    uint8_t flags = (uint8_t)((v->open_by_reward ? RC_FLAG_REWARD : 0u) | (forced ? RC_FLAG_FORCED : 0u));
    emit(core, now, RC_LINE_VALVE, v->channel, 0u, (int64_t)(now - v->opened_us), flags);
}

/* A lick onset inside the armed window: schedules the valve (at once on the device, latency 0). False if the valve is
 * open or already opening (counted). */
static RC_ISR_FN bool fire_armed_reward(rc_core *core, uint64_t t)
{
    int index = core->armed.valve;
    if (core->valves[index].open || (core->reward.active && core->reward.valve == index)) {
        core->counters.licks_while_open++;
        return false;
    }
    core->armed.active = false;
    core->reward.active = true;
    core->reward.valve = (uint8_t)index;
    core->reward.due_us = t + core->reward_latency_us;
    core->reward.duration_us = core->armed.duration_us;
    return true;
}

int rc_pulse_valve(rc_core *core, uint8_t channel, uint32_t duration_us, uint64_t now_us)
{
    if (!core->started) {
        return RC_E_STATE;
    }
    int index = find_valve(core, channel);
    if (index < 0) {
        return RC_E_NOT_CONFIGURED;
    }
    if (duration_us == 0u) {
        return RC_E_INVALID;
    }
    if (duration_us > core->valves[index].hard_max_us) {
        core->counters.over_max++;
        return RC_E_EXCEEDS_MAX;
    }
    if (core->valves[index].open || (core->reward.active && core->reward.valve == index)) {
        core->counters.busy++;
        return RC_E_BUSY;
    }
    open_valve(core, index, duration_us, false, now_us);
    return RC_OK;
}

int rc_close_valve(rc_core *core, uint8_t channel, uint64_t now_us)
{
    int index = find_valve(core, channel);
    if (index < 0) {
        return RC_E_NOT_CONFIGURED;
    }
    if (core->reward.active && core->reward.valve == index) {
        core->reward.active = false;
    }
    if (core->valves[index].open) {
        close_valve(core, index, true, now_us);
    }
    return RC_OK;
}

bool rc_valve_is_open(const rc_core *core, uint8_t channel)
{
    int index = find_valve(core, channel);
    return index >= 0 && core->valves[index].open;
}

int rc_arm_reward(rc_core *core, uint8_t channel, uint64_t window_start_us, uint64_t window_end_us,
                  uint32_t duration_us, uint64_t now_us)
{
    if (!core->started) {
        return RC_E_STATE;
    }
    int index = find_valve(core, channel);
    if (index < 0) {
        return RC_E_NOT_CONFIGURED;
    }
    if (duration_us == 0u || window_end_us <= window_start_us || window_end_us <= now_us) {
        return RC_E_INVALID;
    }
    if (duration_us > core->valves[index].hard_max_us) {
        core->counters.over_max++;
        return RC_E_EXCEEDS_MAX;
    }
    core->armed.active = true;
    core->armed.valve = (uint8_t)index;
    core->armed.start_us = window_start_us;
    core->armed.end_us = window_end_us;
    core->armed.duration_us = duration_us;
    return RC_OK;
}

void rc_disarm(rc_core *core)
{
    core->armed.active = false;
}

bool rc_is_armed(const rc_core *core)
{
    return core->armed.active;
}

/* ---- tone, outputs, sync schedule --------------------------------------------------------------------- */

int rc_play_tone(rc_core *core, uint16_t frequency_hz, uint32_t duration_us, uint64_t now_us)
{
    if (!core->started) {
        return RC_E_STATE;
    }
    if (!core->tone.configured) {
        return RC_E_NOT_CONFIGURED;
    }
    if (frequency_hz == 0u || duration_us == 0u) {
        return RC_E_INVALID;
    }
    core->tone.playing = true;
    core->tone.frequency_hz = frequency_hz;
    core->tone.stop_us = now_us + duration_us;
    if (core->hooks.set_tone != NULL) {
        core->hooks.set_tone(core->hooks.ctx, frequency_hz, now_us);
    }
    emit(core, now_us, RC_LINE_TONE, 0u, 1u, (int64_t)frequency_hz, 0u);
    return RC_OK;
}

static RC_ISR_FN void tone_off(rc_core *core, bool forced, uint64_t now)
{
    core->tone.playing = false;
    if (core->hooks.set_tone != NULL) {
        core->hooks.set_tone(core->hooks.ctx, 0u, now);
    }
    emit(core, now, RC_LINE_TONE, 0u, 0u, 0, forced ? RC_FLAG_FORCED : 0u);
}

int rc_stop_tone(rc_core *core, uint64_t now_us)
{
    if (!core->tone.configured) {
        return RC_E_NOT_CONFIGURED;
    }
    if (core->tone.playing) {
        tone_off(core, true, now_us);
    }
    return RC_OK;
}

static RC_ISR_FN void drive_output(rc_core *core, int index, uint8_t level, uint8_t flags, uint64_t now)
{
    rc_output *o = &core->outputs[index];
    o->level = level;
    if (core->hooks.set_output != NULL) {
        core->hooks.set_output(core->hooks.ctx, o->channel, level, now);
    }
    emit(core, now, RC_LINE_SYNC, o->channel, level, 0, flags);
}

int rc_set_output(rc_core *core, uint8_t channel, uint8_t level, uint64_t now_us)
{
    if (!core->started) {
        return RC_E_STATE;
    }
    int index = find_output(core, channel);
    if (index < 0) {
        return RC_E_NOT_CONFIGURED;
    }
    if (level > 1u) {
        return RC_E_INVALID;
    }
    if (core->sync.playing && core->sync.output == index) {
        return RC_E_BUSY;
    }
    if (core->outputs[index].level != level) {
        drive_output(core, index, level, 0u, now_us);
    }
    return RC_OK;
}

int rc_play_sync(rc_core *core, uint8_t channel, const rc_pulse *pulses, uint16_t count, uint64_t now_us)
{
    if (!core->started) {
        return RC_E_STATE;
    }
    int index = find_output(core, channel);
    if (index < 0) {
        return RC_E_NOT_CONFIGURED;
    }
    if (pulses == NULL || count == 0u || count > RC_MAX_SYNC_PULSES) {
        return RC_E_INVALID;
    }
    for (uint16_t i = 0; i < count; i++) {
        if (pulses[i].width_us == 0u) {
            return RC_E_INVALID;
        }
        /* Each rise comes strictly after the previous fall, so every pulse is two distinct edges. */
        if (i > 0u && (uint64_t)pulses[i].offset_us <=
                          (uint64_t)pulses[i - 1u].offset_us + pulses[i - 1u].width_us) {
            return RC_E_INVALID;
        }
    }
    if (core->sync.playing) {
        return RC_E_BUSY;
    }
    if (core->outputs[index].level != 0u) {
        return RC_E_STATE;
    }
    core->sync.playing = true;
    core->sync.output = (uint8_t)index;
    core->sync.count = count;
    core->sync.next_edge = 0u;
    core->sync.origin_us = now_us;
    memcpy(core->sync.pulses, pulses, count * sizeof(rc_pulse));
    return RC_OK;
}

static RC_ISR_FN uint64_t sync_edge_time(const rc_core *core)
{
    const rc_pulse *p = &core->sync.pulses[core->sync.next_edge / 2u];
    uint64_t rise = core->sync.origin_us + p->offset_us;
    return (core->sync.next_edge % 2u) == 0u ? rise : rise + p->width_us;
}

/* ---- encoder ------------------------------------------------------------------------------------------ */

static RC_ISR_FN int64_t encoder_update(rc_core *core, uint64_t now)
{
    int32_t raw = core->hooks.read_encoder != NULL ? core->hooks.read_encoder(core->hooks.ctx, now) : 0;
    uint32_t m = core->encoder.modulus;
    uint32_t r = normalize_raw(raw, m);
    /* The step since the last read, taken as the shorter way round the counter's period: exact while the
     * wheel moves less than half a period between reads (16383 counts per ms at 1 kHz with PCNT limits). */
    int32_t d = (int32_t)r - (int32_t)core->encoder.last_raw;
    if (d < 0) {
        d += (int32_t)m;
    }
    if ((uint32_t)d >= m - m / 2u) {
        d -= (int32_t)m;
    }
    core->encoder.last_raw = r;
    core->encoder.count += d;
    return core->encoder.count;
}

static RC_ISR_FN void encoder_advance_grid(rc_core *core)
{
    /* next = origin + floor(k * 1e6 / rate) without 64-bit division (not in IRAM on every target). */
    core->encoder.next_us += core->encoder.period_whole_us;
    core->encoder.acc += core->encoder.period_rem;
    if (core->encoder.acc >= core->encoder.rate_hz) {
        core->encoder.acc -= core->encoder.rate_hz;
        core->encoder.next_us += 1u;
    }
}

int64_t rc_encoder_count(rc_core *core, uint64_t now_us)
{
    if (!core->encoder.configured || !core->started) {
        return 0;
    }
    return encoder_update(core, now_us);
}

/* ---- deadlines ---------------------------------------------------------------------------------------- */

/* Ties are broken by kind in enum order, then by table index: a reward that is due opens before anything else
 * at that microsecond, and a window that ends at t has ended for a lockout that settles at t. */
static RC_ISR_FN enum deadline_kind earliest(const rc_core *core, uint64_t *when, int *which)
{
    enum deadline_kind kind = DUE_NONE;
    uint64_t best = RC_NEVER;
    int index = -1;
#define CONSIDER(k, t, i)                                                                                      \
    do {                                                                                                       \
        if ((t) < best) {                                                                                      \
            best = (t);                                                                                        \
            kind = (k);                                                                                        \
            index = (i);                                                                                       \
        }                                                                                                      \
    } while (0)
    if (core->reward.active) {
        CONSIDER(DUE_REWARD, core->reward.due_us, core->reward.valve);
    }
    for (int i = 0; i < RC_MAX_VALVES; i++) {
        if (core->valves[i].used && core->valves[i].open) {
            CONSIDER(DUE_VALVE, core->valves[i].close_us, i);
        }
    }
    if (core->armed.active) {
        CONSIDER(DUE_WINDOW, core->armed.end_us, -1);
    }
    for (int i = 0; i < RC_MAX_INPUTS; i++) {
        if (core->inputs[i].used && core->inputs[i].settle_pending) {
            CONSIDER(DUE_SETTLE, core->inputs[i].last_accepted_us + core->inputs[i].glitch_us, i);
        }
    }
    if (core->sync.playing) {
        CONSIDER(DUE_SYNC, sync_edge_time(core), -1);
    }
    if (core->tone.playing) {
        CONSIDER(DUE_TONE, core->tone.stop_us, -1);
    }
    if (core->started && core->encoder.configured && core->encoder.rate_hz != 0u) {
        CONSIDER(DUE_ENCODER, core->encoder.next_us, -1);
    }
#undef CONSIDER
    *when = best;
    *which = index;
    return kind;
}

RC_ISR_FN uint64_t rc_next_deadline(const rc_core *core)
{
    uint64_t when;
    int which;
    return earliest(core, &when, &which) == DUE_NONE ? RC_NEVER : when;
}

RC_ISR_FN void rc_poll(rc_core *core, uint64_t now_us)
{
    for (;;) {
        uint64_t when;
        int which;
        enum deadline_kind kind = earliest(core, &when, &which);
        if (kind == DUE_NONE || when > now_us) {
            return;
        }
        switch (kind) {
        case DUE_REWARD:
            core->reward.active = false;
            core->counters.rewards++;
            open_valve(core, which, core->reward.duration_us, true, now_us);
            break;
        case DUE_VALVE:
            close_valve(core, which, false, now_us);
            break;
        case DUE_WINDOW:
            core->armed.active = false;
            core->counters.expired++;
            break;
        case DUE_SETTLE: {
            rc_input *in = &core->inputs[which];
            in->settle_pending = false;
            if (in->raw != in->reported) {
                core->counters.settled++;
                accept_edge(core, in, in->raw, now_us, RC_FLAG_SETTLED);
            }
            break;
        }
        case DUE_SYNC: {
            uint8_t level = (core->sync.next_edge % 2u) == 0u ? 1u : 0u;
            drive_output(core, core->sync.output, level, RC_FLAG_SCHEDULED, now_us);
            core->sync.next_edge++;
            if (core->sync.next_edge >= 2u * core->sync.count) {
                core->sync.playing = false;
            }
            break;
        }
        case DUE_TONE:
            tone_off(core, false, now_us);
            break;
        case DUE_ENCODER: {
            int64_t count = encoder_update(core, now_us);
            core->counters.samples++;
            emit(core, now_us, RC_LINE_ENCODER, 0u, 0u, count, 0u);
            encoder_advance_grid(core);
            while (core->encoder.next_us <= now_us) {
                core->counters.samples_missed++;
                encoder_advance_grid(core);
            }
            break;
        }
        case DUE_NONE:
        default:
            return;
        }
    }
}

/* ---- consumer ----------------------------------------------------------------------------------------- */

uint32_t rc_drain(rc_core *core, rc_record *out, uint32_t max)
{
    return rc_ring_pop(&core->ring, out, max);
}

int rc_drain_bytes(rc_core *core, uint8_t *buffer, size_t buffer_len, int max_records)
{
    if (buffer == NULL || max_records < 0 || buffer_len / RC_RECORD_BYTES < (size_t)max_records) {
        return RC_E_INVALID;
    }
    int n = 0;
    rc_record r;
    while (n < max_records && rc_ring_pop(&core->ring, &r, 1u) == 1u) {
        rc_record_encode(&r, buffer + (size_t)n * RC_RECORD_BYTES);
        n++;
    }
    return n;
}

uint32_t rc_overflows(const rc_core *core)
{
    return rc_ring_overflows(&core->ring);
}

void rc_get_counters(const rc_core *core, rc_counters *out)
{
    *out = core->counters;
    out->overflows = rc_ring_overflows(&core->ring);
}

size_t rc_core_size(void)
{
    return sizeof(rc_core);
}
