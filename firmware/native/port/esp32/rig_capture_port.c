/*
 * ESP-IDF 5.x glue for the Rig capture core (firmware/native/core). UNTESTED ON HARDWARE; not compiled on the
 * CI machines (no ESP-IDF there). Kept thin on purpose: every decision is in the core, which the host tests
 * cover; this file only reads the clock and the pins, drives pins, and fires the core's deadlines.
 *
 *   edges    MCPWM capture channels (2 groups x 2 edge channels: lick, frame clock, photodiode, TTL): the hardware
 *            latches the capture timer (80 MHz APB clock) on both edges, so an edge's time does not depend on when
 *            its interrupt runs. The capture interrupt (IRAM, allocated by the MCPWM driver, not through nanoCLR's
 *            shared GPIO ISR service) maps the count to esp_timer microseconds (rc_capture_edge, through the unit's
 *            anchor), then rc_poll so an armed reward opens the valve inside the same interrupt.
 *   anchors  the third channel of each group is software-triggered once a second between two esp_timer readings,
 *            inside the spinlock (a task pinned to the capture core); its interrupt hands the count to
 *            rc_capture_anchor. Mapping and error budget: docs/capture.md, "Hardware capture".
 *   timers   one gptimer at 1 MHz whose alarm is re-armed to rc_next_deadline() after every core call:
 *            valve closes, reward openings, window ends, lockout ends, sync edges, tone stops, encoder samples.
 *   encoder  PCNT quadrature (pulse_cnt driver), limits +-32767: the counter runs modulo 32767 and the core
 *            extends it to 64 bits (rc_config_encoder modulus 32767).
 *   tone     LEDC at 50 % duty; on/off by routing the pin to the LEDC signal or back to a low GPIO through the
 *            GPIO matrix (ROM calls, safe inside the critical section).
 *   cores    configuration that allocates interrupts runs in a short task pinned to the core Wi-Fi does not use.
 *
 * Required sdkconfig (docs/firmware.md): CONFIG_GPTIMER_ISR_IRAM_SAFE=y, CONFIG_GPTIMER_CTRL_FUNC_IN_IRAM=y,
 * CONFIG_PCNT_CTRL_FUNC_IN_IRAM=y, CONFIG_MCPWM_ISR_IRAM_SAFE=y. Pins are read and written with the inline hal gpio_ll functions, which are
 * IRAM-safe where gpio_get_level/gpio_set_level are not.
 * The core is compiled with RC_ISR_FN placing its interrupt-path functions in IRAM (FindINTEROP-*.cmake).
 */
#include "rig_capture_port.h"

#include "rig_capture.h"

#include <string.h>

#include "driver/gpio.h"
#include "driver/gptimer.h"
#include "driver/ledc.h"
#include "driver/mcpwm_cap.h"
#include "driver/pulse_cnt.h"
#include "esp_attr.h"
#include "esp_rom_gpio.h"
#include "esp_timer.h"
#include "freertos/FreeRTOS.h"
#include "freertos/semphr.h"
#include "freertos/task.h"
#include "hal/gpio_ll.h"
#include "soc/gpio_sig_map.h"
#include "soc/gpio_struct.h"

#ifndef RCP_RING_CAPACITY
/* 512 records x 24 bytes = 12 KiB of DRAM: 0.5 s of 1 kHz encoder samples plus edges between drains. */
#define RCP_RING_CAPACITY 512
#endif

#if defined(CONFIG_ESP_WIFI_TASK_PINNED_TO_CORE_1)
#define RCP_CORE 0
#else
#define RCP_CORE 1 /* Wi-Fi runs on core 0 by default (CONFIG_ESP_WIFI_TASK_PINNED_TO_CORE_0) */
#endif

#define RCP_PCNT_LIMIT 32767
#define RCP_TONE_MODE LEDC_LOW_SPEED_MODE
/* The last LEDC timer and channel, away from those nanoFramework's PWM driver hands out first. */
#define RCP_TONE_TIMER LEDC_TIMER_3
#define RCP_TONE_CHANNEL LEDC_CHANNEL_7
#define RCP_MIN_ALARM_DELAY_US 5u
/* MCPWM: 2 groups (capture units), 3 capture channels each; 2 take edges, the third takes the anchors. */
#define RCP_EDGE_CHANNELS_PER_UNIT 2
#define RCP_MAX_CAPTURE_INPUTS (RC_CAPTURE_UNITS * RCP_EDGE_CHANNELS_PER_UNIT)
/* Anchors are renewed this often, ms: well inside RC_ANCHOR_MAX_AGE_US (10 s) and the 53.7 s wrap of the count. */
#define RCP_ANCHOR_PERIOD_MS 1000

typedef struct {
    int gpio;
    int index;
    uint8_t unit; /* MCPWM group */
    mcpwm_cap_channel_handle_t channel;
} rcp_pin;

static rc_core s_core;
static DRAM_ATTR rc_record s_ring[RCP_RING_CAPACITY];
static portMUX_TYPE s_lock = portMUX_INITIALIZER_UNLOCKED;
static bool s_initialized;
static bool s_started;

static DRAM_ATTR rcp_pin s_inputs[RCP_MAX_CAPTURE_INPUTS];
static int s_input_count;
static DRAM_ATTR int s_valve_gpio[RC_CHANNELS];
static DRAM_ATTR int s_output_gpio[RC_CHANNELS];
static DRAM_ATTR int s_tone_gpio = -1;
static int s_encoder_gpio[2] = {-1, -1};

static gptimer_handle_t s_timer;
static mcpwm_cap_timer_handle_t s_cap_timer[RC_CAPTURE_UNITS];
static mcpwm_cap_channel_handle_t s_anchor_channel[RC_CAPTURE_UNITS];
/* The bracket of a software capture in flight, written under s_lock before its interrupt can run. */
static DRAM_ATTR uint64_t s_anchor_before[RC_CAPTURE_UNITS];
static DRAM_ATTR uint64_t s_anchor_after[RC_CAPTURE_UNITS];
static DRAM_ATTR bool s_anchor_pending[RC_CAPTURE_UNITS];
static pcnt_unit_handle_t s_pcnt;
/* gptimer_set_alarm_action may run with the cache off: its config must live in RAM, not rodata. */
static DRAM_ATTR gptimer_alarm_config_t s_alarm;
static DRAM_ATTR uint64_t s_alarm_due = RC_NEVER;

/* ---- hooks (called by the core inside the critical section) ----------------------------------------- */

static void IRAM_ATTR hook_valve(void *ctx, uint8_t channel, uint8_t open, uint64_t now_us)
{
    (void)ctx;
    (void)now_us;
    if (s_valve_gpio[channel] >= 0) {
        gpio_ll_set_level(&GPIO, (uint32_t)s_valve_gpio[channel], open);
    }
}

static void IRAM_ATTR hook_output(void *ctx, uint8_t channel, uint8_t level, uint64_t now_us)
{
    (void)ctx;
    (void)now_us;
    if (s_output_gpio[channel] >= 0) {
        gpio_ll_set_level(&GPIO, (uint32_t)s_output_gpio[channel], level);
    }
}

static void IRAM_ATTR hook_tone(void *ctx, uint16_t frequency_hz, uint64_t now_us)
{
    (void)ctx;
    (void)now_us;
    if (s_tone_gpio < 0) {
        return;
    }
    /* The frequency was set by rcp_play_tone before the critical section; here only the pin is switched. */
    if (frequency_hz != 0) {
        esp_rom_gpio_connect_out_signal((uint32_t)s_tone_gpio, LEDC_LS_SIG_OUT0_IDX + RCP_TONE_CHANNEL, false, false);
    } else {
        gpio_ll_set_level(&GPIO, (uint32_t)s_tone_gpio, 0);
        esp_rom_gpio_connect_out_signal((uint32_t)s_tone_gpio, SIG_GPIO_OUT_IDX, false, false);
    }
}

static int32_t IRAM_ATTR hook_encoder(void *ctx, uint64_t now_us)
{
    (void)ctx;
    (void)now_us;
    int value = 0;
    if (s_pcnt != NULL) {
        pcnt_unit_get_count(s_pcnt, &value); /* IRAM with CONFIG_PCNT_CTRL_FUNC_IN_IRAM */
    }
    return value;
}

static const rc_hooks s_hooks = {
    .ctx = NULL,
    .set_valve = hook_valve,
    .set_output = hook_output,
    .set_tone = hook_tone,
    .read_encoder = hook_encoder,
};

/* ---- deadlines -------------------------------------------------------------------------------------- */

static inline uint64_t IRAM_ATTR now_us(void)
{
    return (uint64_t)esp_timer_get_time();
}

/* Call with s_lock held. One alarm serves every deadline of the core. */
static void IRAM_ATTR rearm_locked(void)
{
    uint64_t due = rc_next_deadline(&s_core);
    if (due == s_alarm_due || due == RC_NEVER || s_timer == NULL) {
        /* Nothing due: a stale alarm that still fires only polls and finds nothing. */
        return;
    }
    uint64_t now = now_us();
    uint64_t delay = due > now ? due - now : 0;
    if (delay < RCP_MIN_ALARM_DELAY_US) {
        delay = RCP_MIN_ALARM_DELAY_US; /* never set an alarm in the past of the counter */
    }
    uint64_t count = 0;
    gptimer_get_raw_count(s_timer, &count);
    s_alarm.alarm_count = count + delay;
    s_alarm.reload_count = 0;
    s_alarm.flags.auto_reload_on_alarm = false;
    gptimer_set_alarm_action(s_timer, &s_alarm);
    s_alarm_due = due;
}

static bool IRAM_ATTR on_alarm(gptimer_handle_t timer, const gptimer_alarm_event_data_t *edata, void *user_ctx)
{
    (void)timer;
    (void)edata;
    (void)user_ctx;
    portENTER_CRITICAL_ISR(&s_lock);
    s_alarm_due = RC_NEVER;
    rc_poll(&s_core, now_us());
    rearm_locked();
    portEXIT_CRITICAL_ISR(&s_lock);
    return false;
}

static bool IRAM_ATTR on_capture(mcpwm_cap_channel_handle_t channel, const mcpwm_capture_event_data_t *edata, void *arg)
{
    /* The interrupt's own time first: the mapped edge time may not be later than this (rc_capture_time_us). */
    uint64_t entry = now_us();
    (void)channel;
    const rcp_pin *pin = (const rcp_pin *)arg;
    uint8_t level = edata->cap_edge == MCPWM_CAP_EDGE_POS ? 1u : 0u;
    portENTER_CRITICAL_ISR(&s_lock);
    rc_capture_edge(&s_core, pin->unit, pin->index, level, edata->cap_value, entry);
    rc_poll(&s_core, now_us()); /* an armed reward opens here, inside this interrupt */
    rearm_locked();
    portEXIT_CRITICAL_ISR(&s_lock);
    return false;
}

static bool IRAM_ATTR on_anchor(mcpwm_cap_channel_handle_t channel, const mcpwm_capture_event_data_t *edata, void *arg)
{
    (void)channel;
    uint8_t unit = (uint8_t)(uintptr_t)arg;
    portENTER_CRITICAL_ISR(&s_lock);
    if (s_anchor_pending[unit]) {
        rc_capture_anchor(&s_core, unit, edata->cap_value, s_anchor_before[unit], s_anchor_after[unit]);
        s_anchor_pending[unit] = false;
    }
    portEXIT_CRITICAL_ISR(&s_lock);
    return false;
}

/* Task context, pinned to the capture core. The software catch is bracketed by two esp_timer readings with this
 * core's interrupts off (the spinlock), so the bracket is a few hundred ns wide; its interrupt runs after the lock. */
static void take_anchor(uint8_t unit)
{
    portENTER_CRITICAL(&s_lock);
    s_anchor_before[unit] = now_us();
    esp_err_t err = mcpwm_capture_channel_trigger_soft_catch(s_anchor_channel[unit]);
    s_anchor_after[unit] = now_us();
    s_anchor_pending[unit] = err == ESP_OK;
    portEXIT_CRITICAL(&s_lock);
}

static void anchor_task(void *arg)
{
    (void)arg;
    while (true) {
        for (uint8_t u = 0; u < RC_CAPTURE_UNITS; u++) {
            if (s_anchor_channel[u] != NULL) {
                take_anchor(u);
            }
        }
        vTaskDelay(pdMS_TO_TICKS(RCP_ANCHOR_PERIOD_MS));
    }
}

/* ---- configuration ---------------------------------------------------------------------------------- */

static int ensure_initialized(void)
{
    if (s_initialized) {
        return RC_OK;
    }
    for (int i = 0; i < RC_CHANNELS; i++) {
        s_valve_gpio[i] = -1;
        s_output_gpio[i] = -1;
    }
    int rc = rc_init(&s_core, s_ring, RCP_RING_CAPACITY, &s_hooks);
    if (rc != RC_OK) {
        return rc;
    }
    s_initialized = true;
    return RC_OK;
}

static bool valid_gpio(int gpio, bool output)
{
    return output ? GPIO_IS_VALID_OUTPUT_GPIO(gpio) : GPIO_IS_VALID_GPIO(gpio);
}

int rcp_configure_input(uint8_t line, uint8_t channel, int gpio, uint32_t glitch_filter_us)
{
    int rc = ensure_initialized();
    if (rc != RC_OK) return rc;
    if (s_started) return RC_E_STATE;
    if (!valid_gpio(gpio, false)) return RC_E_INVALID;
    if (s_input_count >= RCP_MAX_CAPTURE_INPUTS) return RC_E_NO_RESOURCES;
    /* No GPIO interrupt: the MCPWM capture channel (made in start_hardware) takes the pin's edges. */
    gpio_config_t cfg = {
        .pin_bit_mask = 1ULL << gpio,
        .mode = GPIO_MODE_INPUT,
        .pull_up_en = GPIO_PULLUP_DISABLE,
        .pull_down_en = GPIO_PULLDOWN_DISABLE,
        .intr_type = GPIO_INTR_DISABLE,
    };
    if (gpio_config(&cfg) != ESP_OK) return RC_E_HARDWARE;
    int index = rc_config_input(&s_core, line, channel, glitch_filter_us, (uint8_t)gpio_get_level((gpio_num_t)gpio));
    if (index < 0) return index;
    s_inputs[s_input_count].gpio = gpio;
    s_inputs[s_input_count].index = index;
    s_inputs[s_input_count].unit = (uint8_t)(s_input_count / RCP_EDGE_CHANNELS_PER_UNIT);
    s_inputs[s_input_count].channel = NULL;
    s_input_count++;
    return RC_OK;
}

int rcp_configure_encoder(int gpio_a, int gpio_b, uint32_t sample_rate_hz)
{
    int rc = ensure_initialized();
    if (rc != RC_OK) return rc;
    if (s_started) return RC_E_STATE;
    if (!valid_gpio(gpio_a, false) || !valid_gpio(gpio_b, false) || gpio_a == gpio_b) return RC_E_INVALID;
    rc = rc_config_encoder(&s_core, RCP_PCNT_LIMIT, sample_rate_hz);
    if (rc != RC_OK) return rc;
    s_encoder_gpio[0] = gpio_a;
    s_encoder_gpio[1] = gpio_b;
    return RC_OK;
}

int rcp_configure_valve(uint8_t channel, int gpio, uint32_t hard_max_us)
{
    int rc = ensure_initialized();
    if (rc != RC_OK) return rc;
    if (s_started) return RC_E_STATE;
    if (!valid_gpio(gpio, true)) return RC_E_INVALID;
    rc = rc_config_valve(&s_core, channel, hard_max_us);
    if (rc != RC_OK) return rc;
    /* Shut before anything else can happen: level low first, then output. */
    gpio_set_level((gpio_num_t)gpio, 0);
    gpio_config_t cfg = {.pin_bit_mask = 1ULL << gpio, .mode = GPIO_MODE_OUTPUT, .intr_type = GPIO_INTR_DISABLE};
    if (gpio_config(&cfg) != ESP_OK) return RC_E_HARDWARE;
    gpio_set_level((gpio_num_t)gpio, 0);
    s_valve_gpio[channel] = gpio;
    return RC_OK;
}

int rcp_configure_output(uint8_t channel, int gpio)
{
    int rc = ensure_initialized();
    if (rc != RC_OK) return rc;
    if (s_started) return RC_E_STATE;
    if (!valid_gpio(gpio, true)) return RC_E_INVALID;
    rc = rc_config_output(&s_core, channel);
    if (rc != RC_OK) return rc;
    gpio_config_t cfg = {.pin_bit_mask = 1ULL << gpio, .mode = GPIO_MODE_OUTPUT, .intr_type = GPIO_INTR_DISABLE};
    if (gpio_config(&cfg) != ESP_OK) return RC_E_HARDWARE;
    gpio_set_level((gpio_num_t)gpio, 0);
    s_output_gpio[channel] = gpio;
    return RC_OK;
}

int rcp_configure_lick(uint8_t channel, uint32_t debounce_us, uint32_t min_interval_us)
{
    int rc = ensure_initialized();
    if (rc != RC_OK) return rc;
    if (s_started) return RC_E_STATE;
    return rc_config_lick(&s_core, channel, debounce_us, min_interval_us);
}

int rcp_configure_tone(int gpio)
{
    int rc = ensure_initialized();
    if (rc != RC_OK) return rc;
    if (s_started) return RC_E_STATE;
    if (!valid_gpio(gpio, true)) return RC_E_INVALID;
    ledc_timer_config_t timer = {
        .speed_mode = RCP_TONE_MODE,
        .duty_resolution = LEDC_TIMER_10_BIT,
        .timer_num = RCP_TONE_TIMER,
        .freq_hz = 4000,
        .clk_cfg = LEDC_AUTO_CLK,
    };
    if (ledc_timer_config(&timer) != ESP_OK) return RC_E_HARDWARE;
    ledc_channel_config_t channel = {
        .gpio_num = gpio,
        .speed_mode = RCP_TONE_MODE,
        .channel = RCP_TONE_CHANNEL,
        .intr_type = LEDC_INTR_DISABLE,
        .timer_sel = RCP_TONE_TIMER,
        .duty = 512, /* 50 % of 10 bits */
        .hpoint = 0,
    };
    if (ledc_channel_config(&channel) != ESP_OK) return RC_E_HARDWARE;
    s_tone_gpio = gpio;
    hook_tone(NULL, 0, 0); /* silent until PlayTone */
    return rc_config_tone(&s_core);
}

/* Interrupts are allocated on the core of the caller: this runs in a task pinned to RCP_CORE. */
typedef struct {
    SemaphoreHandle_t done;
    int result;
} start_request;

/* The capture units: one MCPWM capture timer per group in use, its edge channels and its anchor channel. Runs on
 * the capture core (start_task), so the MCPWM driver allocates the interrupts there, none through nanoCLR's GPIO
 * service: disposing a managed GpioController cannot remove them. */
static int start_capture(void)
{
    uint8_t units = (uint8_t)((s_input_count + RCP_EDGE_CHANNELS_PER_UNIT - 1) / RCP_EDGE_CHANNELS_PER_UNIT);
    for (uint8_t u = 0; u < units; u++) {
        mcpwm_capture_timer_config_t timer = {.group_id = u, .clk_src = MCPWM_CAPTURE_CLK_SRC_DEFAULT};
        if (mcpwm_new_capture_timer(&timer, &s_cap_timer[u]) != ESP_OK) return RC_E_HARDWARE;
        uint32_t hz = 0;
        if (mcpwm_capture_timer_get_resolution(s_cap_timer[u], &hz) != ESP_OK || hz % 1000000u != 0u) return RC_E_HARDWARE;
        /* 80 on the ESP32 (APB clock); the core refuses 0 or above 100 ticks per µs. */
        if (rc_config_capture(&s_core, hz / 1000000u) != RC_OK) return RC_E_HARDWARE;
        /* The anchor channel has no pin: it only latches on software catches. */
        mcpwm_capture_channel_config_t anchor = {.gpio_num = -1, .prescale = 1};
        if (mcpwm_new_capture_channel(s_cap_timer[u], &anchor, &s_anchor_channel[u]) != ESP_OK) return RC_E_HARDWARE;
        mcpwm_capture_event_callbacks_t anchor_cbs = {.on_cap = on_anchor};
        if (mcpwm_capture_channel_register_event_callbacks(s_anchor_channel[u], &anchor_cbs, (void *)(uintptr_t)u) != ESP_OK ||
            mcpwm_capture_channel_enable(s_anchor_channel[u]) != ESP_OK) {
            return RC_E_HARDWARE;
        }
    }
    for (int i = 0; i < s_input_count; i++) {
        rcp_pin *pin = &s_inputs[i];
        mcpwm_capture_channel_config_t cfg = {.gpio_num = pin->gpio, .prescale = 1};
        cfg.flags.pos_edge = 1;
        cfg.flags.neg_edge = 1;
        if (mcpwm_new_capture_channel(s_cap_timer[pin->unit], &cfg, &pin->channel) != ESP_OK) return RC_E_HARDWARE;
        mcpwm_capture_event_callbacks_t cbs = {.on_cap = on_capture};
        if (mcpwm_capture_channel_register_event_callbacks(pin->channel, &cbs, pin) != ESP_OK ||
            mcpwm_capture_channel_enable(pin->channel) != ESP_OK) {
            return RC_E_HARDWARE;
        }
    }
    for (uint8_t u = 0; u < units; u++) {
        if (mcpwm_capture_timer_enable(s_cap_timer[u]) != ESP_OK || mcpwm_capture_timer_start(s_cap_timer[u]) != ESP_OK) {
            return RC_E_HARDWARE;
        }
        take_anchor(u); /* anchored before the first edge can arrive */
    }
    if (units > 0 &&
        xTaskCreatePinnedToCore(anchor_task, "rig_anchor", 2048, NULL, configMAX_PRIORITIES - 3, NULL, RCP_CORE) != pdPASS) {
        return RC_E_NO_RESOURCES;
    }
    return RC_OK;
}

static int start_hardware(void)
{
    if (s_encoder_gpio[0] >= 0) {
        pcnt_unit_config_t unit = {.low_limit = -RCP_PCNT_LIMIT, .high_limit = RCP_PCNT_LIMIT};
        if (pcnt_new_unit(&unit, &s_pcnt) != ESP_OK) return RC_E_HARDWARE;
        pcnt_glitch_filter_config_t filter = {.max_glitch_ns = 1000};
        if (pcnt_unit_set_glitch_filter(s_pcnt, &filter) != ESP_OK) return RC_E_HARDWARE;
        pcnt_chan_config_t a = {.edge_gpio_num = s_encoder_gpio[0], .level_gpio_num = s_encoder_gpio[1]};
        pcnt_chan_config_t b = {.edge_gpio_num = s_encoder_gpio[1], .level_gpio_num = s_encoder_gpio[0]};
        pcnt_channel_handle_t chan_a = NULL;
        pcnt_channel_handle_t chan_b = NULL;
        if (pcnt_new_channel(s_pcnt, &a, &chan_a) != ESP_OK || pcnt_new_channel(s_pcnt, &b, &chan_b) != ESP_OK) {
            return RC_E_HARDWARE;
        }
        /* Full quadrature (x4), as the ESP-IDF rotary encoder example decodes it. */
        pcnt_channel_set_edge_action(chan_a, PCNT_CHANNEL_EDGE_ACTION_DECREASE, PCNT_CHANNEL_EDGE_ACTION_INCREASE);
        pcnt_channel_set_level_action(chan_a, PCNT_CHANNEL_LEVEL_ACTION_KEEP, PCNT_CHANNEL_LEVEL_ACTION_INVERSE);
        pcnt_channel_set_edge_action(chan_b, PCNT_CHANNEL_EDGE_ACTION_INCREASE, PCNT_CHANNEL_EDGE_ACTION_DECREASE);
        pcnt_channel_set_level_action(chan_b, PCNT_CHANNEL_LEVEL_ACTION_KEEP, PCNT_CHANNEL_LEVEL_ACTION_INVERSE);
        if (pcnt_unit_enable(s_pcnt) != ESP_OK || pcnt_unit_clear_count(s_pcnt) != ESP_OK ||
            pcnt_unit_start(s_pcnt) != ESP_OK) {
            return RC_E_HARDWARE;
        }
    }

    gptimer_config_t timer = {
        .clk_src = GPTIMER_CLK_SRC_DEFAULT,
        .direction = GPTIMER_COUNT_UP,
        .resolution_hz = 1000000,
    };
    if (gptimer_new_timer(&timer, &s_timer) != ESP_OK) return RC_E_HARDWARE;
    gptimer_event_callbacks_t callbacks = {.on_alarm = on_alarm};
    if (gptimer_register_event_callbacks(s_timer, &callbacks, NULL) != ESP_OK) return RC_E_HARDWARE;
    if (gptimer_enable(s_timer) != ESP_OK || gptimer_start(s_timer) != ESP_OK) return RC_E_HARDWARE;

    int rc = start_capture();
    if (rc != RC_OK) return rc;

    portENTER_CRITICAL(&s_lock);
    rc = rc_start(&s_core, now_us());
    rc_poll(&s_core, now_us());
    rearm_locked();
    portEXIT_CRITICAL(&s_lock);
    return rc;
}

static void start_task(void *arg)
{
    start_request *request = (start_request *)arg;
    request->result = start_hardware();
    xSemaphoreGive(request->done);
    vTaskDelete(NULL);
}

int rcp_start(void)
{
    int rc = ensure_initialized();
    if (rc != RC_OK) return rc;
    if (s_started) return RC_E_STATE;
    start_request request = {.done = xSemaphoreCreateBinary(), .result = RC_E_HARDWARE};
    if (request.done == NULL) return RC_E_NO_RESOURCES;
    if (xTaskCreatePinnedToCore(start_task, "rig_capture", 4096, &request, configMAX_PRIORITIES - 2, NULL, RCP_CORE) !=
        pdPASS) {
        vSemaphoreDelete(request.done);
        return RC_E_NO_RESOURCES;
    }
    xSemaphoreTake(request.done, portMAX_DELAY);
    vSemaphoreDelete(request.done);
    if (request.result == RC_OK) {
        s_started = true;
    }
    return request.result;
}

/* ---- runtime ---------------------------------------------------------------------------------------- */

int rcp_drain(uint8_t *buffer, size_t buffer_len, int max_records)
{
    if (!s_initialized) return 0;
    return rc_drain_bytes(&s_core, buffer, buffer_len, max_records); /* the consumer never takes s_lock */
}

uint32_t rcp_overflows(void)
{
    return s_initialized ? rc_overflows(&s_core) : 0u;
}

uint64_t rcp_now_us(void)
{
    return now_us();
}

int64_t rcp_encoder_count(void)
{
    if (!s_started) return 0;
    portENTER_CRITICAL(&s_lock);
    int64_t count = rc_encoder_count(&s_core, now_us());
    portEXIT_CRITICAL(&s_lock);
    return count;
}

/* A command: the core call, anything it made due now, and the alarm moved to the new earliest deadline. */
#define RCP_COMMAND(expr)                                                                                      \
    do {                                                                                                       \
        if (!s_started) return RC_E_STATE;                                                                     \
        portENTER_CRITICAL(&s_lock);                                                                           \
        uint64_t now = now_us();                                                                               \
        int result = (expr);                                                                                   \
        rc_poll(&s_core, now);                                                                                 \
        rearm_locked();                                                                                        \
        portEXIT_CRITICAL(&s_lock);                                                                            \
        return result;                                                                                         \
    } while (0)

int rcp_pulse_valve(uint8_t channel, uint32_t duration_us)
{
    RCP_COMMAND(rc_pulse_valve(&s_core, channel, duration_us, now));
}

static int close_valve(uint8_t channel)
{
    RCP_COMMAND(rc_close_valve(&s_core, channel, now));
}

void rcp_close_valve(uint8_t channel)
{
    (void)close_valve(channel);
}

bool rcp_is_valve_open(uint8_t channel)
{
    if (!s_started) return false;
    portENTER_CRITICAL(&s_lock);
    bool open = rc_valve_is_open(&s_core, channel);
    portEXIT_CRITICAL(&s_lock);
    return open;
}

int rcp_arm_reward(uint8_t channel, uint64_t window_start_us, uint64_t window_end_us, uint32_t duration_us)
{
    RCP_COMMAND(rc_arm_reward(&s_core, channel, window_start_us, window_end_us, duration_us, now));
}

static int disarm(void)
{
    RCP_COMMAND((rc_disarm(&s_core), RC_OK));
}

void rcp_disarm(void)
{
    (void)disarm();
}

int rcp_play_tone(uint16_t frequency_hz, uint32_t duration_us)
{
    if (s_tone_gpio < 0) return RC_E_NOT_CONFIGURED;
    if (frequency_hz == 0 || duration_us == 0) return RC_E_INVALID;
    /* ledc_set_freq takes its own lock and may not run in the critical section or from flash-less context. */
    if (ledc_set_freq(RCP_TONE_MODE, RCP_TONE_TIMER, frequency_hz) != ESP_OK) return RC_E_HARDWARE;
    RCP_COMMAND(rc_play_tone(&s_core, frequency_hz, duration_us, now));
}

static int stop_tone(void)
{
    RCP_COMMAND(rc_stop_tone(&s_core, now));
}

void rcp_stop_tone(void)
{
    (void)stop_tone();
}

int rcp_set_output(uint8_t channel, uint8_t level)
{
    RCP_COMMAND(rc_set_output(&s_core, channel, level, now));
}

int rcp_play_sync(uint8_t channel, const rc_pulse *pulses, uint16_t count)
{
    RCP_COMMAND(rc_play_sync(&s_core, channel, pulses, count, now));
}
