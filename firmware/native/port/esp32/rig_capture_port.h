/*
 * ESP-IDF 5.x port of the Rig capture core: the functions the nanoFramework interop stubs call.
 * UNTESTED ON HARDWARE and not compiled on the CI machines (they have no ESP-IDF): written against the documented
 * ESP-IDF 5.x APIs. What the host tests cover and what is left for a bench: docs/capture.md.
 * Every function returns an rc_status (0 ok, negative error) unless it says otherwise.
 */
#ifndef RIG_CAPTURE_PORT_H
#define RIG_CAPTURE_PORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rig_capture.h"

#ifdef __cplusplus
extern "C" {
#endif

int rcp_configure_input(uint8_t line, uint8_t channel, int gpio, uint32_t glitch_filter_us);
/* After rcp_configure_input of lick channel `channel`: the firmware lick detector's rules (rc_config_lick). */
int rcp_configure_lick(uint8_t channel, uint32_t debounce_us, uint32_t min_interval_us);
int rcp_configure_encoder(int gpio_a, int gpio_b, uint32_t sample_rate_hz);
int rcp_configure_valve(uint8_t channel, int gpio, uint32_t hard_max_us);
int rcp_configure_tone(int gpio);
int rcp_configure_output(uint8_t channel, int gpio);
int rcp_start(void);
/* Consumer side: up to max_records 24-byte records into buffer; the count, or RC_E_INVALID. */
int rcp_drain(uint8_t *buffer, size_t buffer_len, int max_records);
uint32_t rcp_overflows(void);
uint64_t rcp_now_us(void);
int64_t rcp_encoder_count(void);
int rcp_pulse_valve(uint8_t channel, uint32_t duration_us);
void rcp_close_valve(uint8_t channel);
bool rcp_is_valve_open(uint8_t channel);
int rcp_arm_reward(uint8_t channel, uint64_t window_start_us, uint64_t window_end_us, uint32_t duration_us);
void rcp_disarm(void);
int rcp_play_tone(uint16_t frequency_hz, uint32_t duration_us);
void rcp_stop_tone(void);
int rcp_set_output(uint8_t channel, uint8_t level);
/* Sync/barcode schedule: not reachable from NativeCapture.cs yet (its surface is fixed); see docs/capture.md. */
int rcp_play_sync(uint8_t channel, const rc_pulse *pulses, uint16_t count);

#ifdef __cplusplus
}
#endif

#endif /* RIG_CAPTURE_PORT_H */
