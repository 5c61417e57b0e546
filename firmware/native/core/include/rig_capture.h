/*
 * Rig native capture core: portable C11, no ESP-IDF headers.
 *
 * Every function takes the current device time (µs, esp_timer on the ESP32) as an argument, so the whole
 * state machine runs on a Linux host under test; the ESP-IDF port (port/esp32) only reads the clock, the pins
 * and the PCNT counter, calls these functions and applies the hooks. Semantics: docs/capture.md.
 *
 * Concurrency: the record ring is single-producer/single-consumer and lock-free (C11 atomics): the consumer is
 * rc_drain, rc_drain_bytes and rc_overflows (the managed drain), everything else is the producer side. The port calls every
 * producer-side function inside one critical section, so the ISRs, the timer and the managed commands are
 * one producer at a time; the consumer never takes that lock.
 */
#ifndef RIG_CAPTURE_H
#define RIG_CAPTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
#include <atomic>
#define RC_ATOMIC_U32 std::atomic<uint32_t>
extern "C" {
#else
#include <stdatomic.h>
#define RC_ATOMIC_U32 _Atomic uint32_t
#endif

/* The port defines RC_ISR_FN to place functions reachable from an interrupt in IRAM. */
#ifndef RC_ISR_FN
#define RC_ISR_FN
#endif

#define RC_CHANNELS 16
#define RC_MAX_INPUTS 16
#define RC_MAX_VALVES 4
#define RC_MAX_OUTPUTS 4
#define RC_MAX_SYNC_PULSES 64
#define RC_CAPTURE_UNITS 2 /* capture timers (MCPWM groups on the ESP32), each with its own anchor */
#define RC_RECORD_BYTES 24
/* No configuration may set a valve's hard maximum above this (10 s): a typo cannot flood the rig. */
#define RC_VALVE_CEILING_US 10000000u
#define RC_MAX_ENCODER_RATE_HZ 100000u
#define RC_NEVER UINT64_MAX

/* CaptureLine numbers (firmware/Rig.Firmware.Core/Hardware/Interfaces.cs). */
enum rc_line {
    RC_LINE_LICK = 1,
    RC_LINE_FRAME_CLOCK = 2,
    RC_LINE_PHOTODIODE = 3,
    RC_LINE_TTL = 4,
    RC_LINE_VALVE = 5,
    RC_LINE_TONE = 6,
    RC_LINE_SYNC = 7,
    RC_LINE_ENCODER = 8
};

/* Return codes, shared with NativeCapture.cs. */
enum rc_status {
    RC_OK = 0,
    RC_E_INVALID = -1,
    RC_E_NOT_CONFIGURED = -2,
    RC_E_EXCEEDS_MAX = -3,
    RC_E_BUSY = -4,
    RC_E_STATE = -5,
    RC_E_HARDWARE = -6,
    RC_E_NO_RESOURCES = -7
};

/* Record flags. */
#define RC_FLAG_REWARD 0x01u    /* valve edge of an armed reward */
#define RC_FLAG_FORCED 0x02u    /* ended early by a call (CloseValve, StopTone) */
#define RC_FLAG_GAP 0x04u       /* records were dropped (ring full) just before this one */
#define RC_FLAG_SETTLED 0x08u   /* level restored at the end of a glitch lockout */
#define RC_FLAG_SCHEDULED 0x10u /* edge of a sync schedule */
#define RC_FLAG_TRIGGER 0x20u   /* the lick edge that fired the armed reward: LickDetector records its contact as an onset */

typedef struct rc_record {
    uint64_t device_us;
    int64_t value;
    uint8_t line;
    uint8_t channel;
    uint8_t level;
    uint8_t flags;
    uint32_t reserved;
} rc_record;

/* ---- ring -------------------------------------------------------------------------------------------- */

typedef struct rc_ring {
    rc_record *slots;
    uint32_t mask;
    RC_ATOMIC_U32 head;      /* next slot the producer writes; free-running */
    RC_ATOMIC_U32 tail;      /* next slot the consumer reads; free-running */
    RC_ATOMIC_U32 overflows; /* records dropped because the ring was full */
    bool gap;                /* producer-only: the next record written carries RC_FLAG_GAP */
} rc_ring;

/* capacity must be a power of two, 2..2^30; storage holds capacity records. */
int rc_ring_init(rc_ring *ring, rc_record *storage, uint32_t capacity);
/* Producer. Full ring: the record is dropped, counted, and the next record written carries RC_FLAG_GAP. */
RC_ISR_FN bool rc_ring_push(rc_ring *ring, const rc_record *record);
/* Producer: true if the ring has no room. Only the consumer frees room, so false means the next push succeeds. */
RC_ISR_FN bool rc_ring_full(const rc_ring *ring);
/* Producer: a record the caller will not write because rc_ring_full said so, counted as rc_ring_push counts one. */
RC_ISR_FN void rc_ring_drop(rc_ring *ring);
/* Consumer: moves up to max records, oldest first. */
uint32_t rc_ring_pop(rc_ring *ring, rc_record *out, uint32_t max);
uint32_t rc_ring_count(const rc_ring *ring);
uint32_t rc_ring_overflows(const rc_ring *ring);

/* Writes the 24-byte little-endian wire form (NativeCapture.RecordBytes). */
void rc_record_encode(const rc_record *record, uint8_t out[RC_RECORD_BYTES]);
void rc_record_decode(const uint8_t in[RC_RECORD_BYTES], rc_record *record);

/* ---- hooks: what the port does to the hardware -------------------------------------------------------- */

typedef struct rc_hooks {
    void *ctx;
    void (*set_valve)(void *ctx, uint8_t channel, uint8_t open, uint64_t now_us);
    void (*set_output)(void *ctx, uint8_t channel, uint8_t level, uint64_t now_us);
    /* frequency_hz 0: silence. */
    void (*set_tone)(void *ctx, uint16_t frequency_hz, uint64_t now_us);
    /* The PCNT counter as the hardware holds it (any value congruent to the count modulo the encoder modulus). */
    int32_t (*read_encoder)(void *ctx, uint64_t now_us);
} rc_hooks;

/* ---- core --------------------------------------------------------------------------------------------- */

typedef struct rc_counters {
    uint32_t overflows;        /* records dropped, ring full */
    uint32_t glitches;         /* edges dropped inside a glitch lockout */
    uint32_t same_level;       /* edges dropped because they did not change the recorded level */
    uint32_t settled;          /* records written at the end of a lockout to restore the pin's level */
    uint32_t over_max;         /* valve pulses or armings refused for exceeding the hard maximum */
    uint32_t busy;             /* valve pulses refused because the valve was open or opening */
    uint32_t rewards;          /* armed rewards that opened the valve */
    uint32_t expired;          /* armings that reached their window end without a lick */
    uint32_t licks_while_open; /* rising lick edges that start an onset, inside an armed window while the valve was open or opening */
    uint32_t not_onset;        /* rising lick edges inside an armed window that start no lick onset (a bounce inside a
                                * contact, or too soon after the previous onset): they do not fire the reward */
    uint32_t samples;          /* encoder samples recorded */
    uint32_t samples_missed;   /* encoder sample times skipped because the timer ran late */
    uint32_t capture_clamped;  /* hardware-latched edges whose mapped time fell after their interrupt: stamped at the interrupt */
    uint32_t capture_unanchored; /* hardware-latched edges with no usable anchor (none yet, or too old): stamped at the interrupt */
} rc_counters;

/* LickDetector's rules (firmware/Rig.Firmware.Core/Capture/LickDetector.cs) replayed on the lick records this core
 * writes, so the reward fires only on an edge the record will show as a lick onset (docs/capture.md, "Which lick
 * fires the reward"). Edges closer than debounce_us form a burst stamped at its first edge; a burst is decided when
 * the next edge comes after the line was quiet for debounce_us. debounce_us 0 and min_interval_us 0 (not
 * configured): every rising record is a candidate onset. */
typedef struct rc_lick_gate {
    uint32_t debounce_us;
    uint32_t min_interval_us;
    bool pending;      /* a burst waits to be decided */
    bool triggered;    /* the pending burst's first edge fired the reward */
    bool seen_onset;
    uint8_t raw;       /* level of the last lick record */
    uint8_t accepted;  /* level the last decided burst left */
    uint64_t burst_us; /* first edge of the pending burst */
    uint64_t last_edge_us;
    uint64_t last_onset_us;
} rc_lick_gate;

typedef struct rc_input {
    bool used;
    uint8_t line;
    uint8_t channel;
    uint8_t reported; /* level of the last record */
    uint8_t raw;      /* level of the last edge seen, accepted or not */
    bool has_accepted;
    bool settle_pending;
    uint32_t glitch_us;
    uint64_t last_accepted_us;
    rc_lick_gate gate; /* lick inputs only */
} rc_input;

typedef struct rc_valve {
    bool used;
    bool open;
    bool open_by_reward;
    uint8_t channel;
    uint32_t hard_max_us;
    uint64_t opened_us;
    uint64_t close_us;
} rc_valve;

typedef struct rc_output {
    bool used;
    uint8_t channel;
    uint8_t level;
} rc_output;

typedef struct rc_pulse {
    uint32_t offset_us; /* rise, from the time the schedule was started */
    uint32_t width_us;
} rc_pulse;

typedef struct rc_core {
    rc_ring ring;
    rc_hooks hooks;
    bool started;
    uint32_t reward_latency_us;

    rc_input inputs[RC_MAX_INPUTS];
    rc_valve valves[RC_MAX_VALVES];
    rc_output outputs[RC_MAX_OUTPUTS];

    struct {
        bool active;
        uint8_t valve; /* index into valves */
        uint64_t start_us;
        uint64_t end_us;
        uint32_t duration_us;
    } armed;

    struct {
        bool active;
        uint8_t valve;
        uint64_t due_us;
        uint32_t duration_us;
    } reward;

    struct {
        bool configured;
        bool playing;
        uint16_t frequency_hz;
        uint64_t stop_us;
    } tone;

    struct {
        bool configured;
        uint32_t modulus;
        uint32_t rate_hz;
        uint32_t period_whole_us;
        uint32_t period_rem;
        uint32_t acc;
        uint32_t last_raw;
        int64_t count;
        uint64_t next_us;
    } encoder;

    struct {
        bool playing;
        uint8_t output; /* index into outputs */
        uint16_t count;
        uint16_t next_edge; /* edge 2k: rise of pulse k; 2k+1: its fall */
        uint64_t origin_us;
        rc_pulse pulses[RC_MAX_SYNC_PULSES];
    } sync;

    /* Hardware capture (MCPWM on the ESP32): the latched timer count of an edge, mapped to the esp_timer timeline
     * through an anchor, a capture count taken between two esp_timer readings (docs/capture.md, "Hardware capture").
     * One anchor per capture unit: each MCPWM group has its own capture timer. */
    struct {
        uint32_t ticks_per_us; /* capture timer resolution; 0: not configured */
        struct {
            bool anchored;
            bool half;          /* the anchor's midpoint is half a microsecond past us */
            uint32_t ticks;
            uint64_t us;        /* whole microseconds of the anchor's midpoint */
            uint32_t half_width_us; /* half the bracket: the anchor's uncertainty, whole µs rounded up */
        } anchor[RC_CAPTURE_UNITS];
    } capture;

    rc_counters counters;
} rc_core;

/* Configuration, before rc_start. The ring storage is the caller's (static on the device). */
int rc_init(rc_core *core, rc_record *ring_storage, uint32_t ring_capacity, const rc_hooks *hooks);
/* Lick-to-valve latency of an armed reward: 0 on the device (the ISR opens the valve at once); the simulator models one. */
void rc_set_reward_latency(rc_core *core, uint32_t latency_us);
/* Returns the input's index (>= 0, the port's ISR argument) or a negative rc_status. */
int rc_config_input(rc_core *core, uint8_t line, uint8_t channel, uint32_t glitch_us, uint8_t initial_level);
/* After rc_config_input of lick channel `channel`: the firmware LickDetector's debounce and minimum inter-lick interval
 * (DeviceConfig.LickDebounceMicros, MinInterLickMicros), so an armed reward fires only on an edge that starts a lick
 * onset. Every lick input the firmware reads needs it (NativeSetup configures lick 0); rc_config_input of that input
 * again resets the rules to none. RC_E_NOT_CONFIGURED if that lick input is not configured. */
int rc_config_lick(rc_core *core, uint8_t channel, uint32_t debounce_us, uint32_t min_interval_us);
/* modulus: the raw counter's period (65536 for a wrapping 16-bit counter, 32767 for ESP-IDF PCNT limits +-32767). rate_hz 0: no sample records. */
int rc_config_encoder(rc_core *core, uint32_t modulus, uint32_t rate_hz);
int rc_config_valve(rc_core *core, uint8_t channel, uint32_t hard_max_us);
int rc_config_tone(rc_core *core);
int rc_config_output(rc_core *core, uint8_t channel);
int rc_start(rc_core *core, uint64_t now_us);

/* Producer side: call inside the port's critical section. */
RC_ISR_FN void rc_input_edge(rc_core *core, int input_index, uint8_t level, uint64_t edge_us);

/* ---- hardware capture: timer counts latched by a peripheral (MCPWM capture on the ESP32) --------------- */

/* Highest capture resolution accepted, ticks per µs: twice a tick difference within an anchor's age stays in 31 bits. */
#define RC_CAPTURE_MAX_TICKS_PER_US 100u
/* An anchor older than this is not used, µs: 2 x 10 s x 100 ticks/µs stays inside a signed 32-bit number, and a
 * 32-bit count at 80 MHz wraps every 53.7 s. The port refreshes its anchors every second. */
#define RC_ANCHOR_MAX_AGE_US 10000000u

/* ticks_per_us: the capture timer's resolution (80 on the ESP32: MCPWM capture runs from the 80 MHz APB clock). */
int rc_config_capture(rc_core *core, uint32_t ticks_per_us);
/* A capture count of unit `unit` taken between two esp_timer readings (a software-triggered capture inside the
 * critical section): that unit's anchor. A bracket that runs backwards, or an unknown unit, is ignored. */
RC_ISR_FN void rc_capture_anchor(rc_core *core, uint8_t unit, uint32_t ticks, uint64_t before_us, uint64_t after_us);
/* The esp_timer time of a latched count, rounded to the nearest µs, never after entry_us (the capture interrupt's own
 * esp_timer reading, which the edge precedes). *how: 0 mapped, 1 clamped to entry_us, 2 no usable anchor (entry_us). */
RC_ISR_FN uint64_t rc_capture_time_us(const rc_core *core, uint8_t unit, uint32_t ticks, uint64_t entry_us, int *how);
/* An edge latched by capture unit `unit` at `ticks`, its interrupt entered at entry_us: rc_input_edge at the mapped time. */
RC_ISR_FN void rc_capture_edge(rc_core *core, uint8_t unit, int input_index, uint8_t level, uint32_t ticks, uint64_t entry_us);
int rc_input_index(const rc_core *core, uint8_t line, uint8_t channel);
/* Earliest time something is due (valve close, reward opening, window end, lockout end, sync edge, tone stop, encoder sample); RC_NEVER if none. */
RC_ISR_FN uint64_t rc_next_deadline(const rc_core *core);
/* Handles everything due at or before now_us, earliest first, each stamped now_us (when the hardware acts). */
RC_ISR_FN void rc_poll(rc_core *core, uint64_t now_us);

int rc_pulse_valve(rc_core *core, uint8_t channel, uint32_t duration_us, uint64_t now_us);
int rc_close_valve(rc_core *core, uint8_t channel, uint64_t now_us);
bool rc_valve_is_open(const rc_core *core, uint8_t channel);
int rc_arm_reward(rc_core *core, uint8_t channel, uint64_t window_start_us, uint64_t window_end_us,
                  uint32_t duration_us, uint64_t now_us);
void rc_disarm(rc_core *core);
bool rc_is_armed(const rc_core *core);
int rc_play_tone(rc_core *core, uint16_t frequency_hz, uint32_t duration_us, uint64_t now_us);
int rc_stop_tone(rc_core *core, uint64_t now_us);
int rc_set_output(rc_core *core, uint8_t channel, uint8_t level, uint64_t now_us);
int rc_play_sync(rc_core *core, uint8_t channel, const rc_pulse *pulses, uint16_t count, uint64_t now_us);
/* Reads the counter through the hook and returns the extended count (no record). */
int64_t rc_encoder_count(rc_core *core, uint64_t now_us);

/* Consumer side: no lock needed. */
uint32_t rc_drain(rc_core *core, rc_record *out, uint32_t max);
/* Writes up to max_records wire records into buffer; RC_E_INVALID if buffer_len < max_records * 24. */
int rc_drain_bytes(rc_core *core, uint8_t *buffer, size_t buffer_len, int max_records);
uint32_t rc_overflows(const rc_core *core);
void rc_get_counters(const rc_core *core, rc_counters *out);

/* sizeof(rc_core) as the C compiler lays it out: C++ callers check their view of the struct against it. */
size_t rc_core_size(void);

#ifdef __cplusplus
}
#endif

#endif /* RIG_CAPTURE_H */
