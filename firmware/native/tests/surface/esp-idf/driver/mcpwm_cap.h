/* Stand-in declaration for the syntax check in firmware/native/CMakeLists.txt: only the names and signatures the
 * port uses of ESP-IDF 5.x's MCPWM capture driver. Not the real header. Sources (github.com/espressif/esp-idf):
 * components/driver/mcpwm/include/driver/mcpwm_cap.h (mcpwm_capture_timer_config_t {group_id, clk_src},
 * mcpwm_new_capture_timer, mcpwm_capture_timer_enable/start, mcpwm_capture_timer_get_resolution,
 * mcpwm_capture_channel_config_t {gpio_num, prescale, flags.pos_edge/neg_edge}, mcpwm_new_capture_channel,
 * mcpwm_capture_event_callbacks_t {on_cap}, mcpwm_capture_channel_register_event_callbacks,
 * mcpwm_capture_channel_enable, mcpwm_capture_channel_trigger_soft_catch) and driver/mcpwm_types.h
 * (mcpwm_capture_event_data_t {cap_value, cap_edge}, mcpwm_capture_event_cb_t, MCPWM_CAP_EDGE_POS/NEG). */
#pragma once
#include <stdint.h>
#include <stdbool.h>
typedef int esp_err_t;
typedef struct mcpwm_cap_timer_t *mcpwm_cap_timer_handle_t;
typedef struct mcpwm_cap_channel_t *mcpwm_cap_channel_handle_t;
typedef enum { MCPWM_CAPTURE_CLK_SRC_DEFAULT = 0 } mcpwm_capture_clock_source_t;
typedef enum { MCPWM_CAP_EDGE_POS, MCPWM_CAP_EDGE_NEG } mcpwm_capture_edge_t;
typedef struct { uint32_t cap_value; mcpwm_capture_edge_t cap_edge; } mcpwm_capture_event_data_t;
typedef bool (*mcpwm_capture_event_cb_t)(mcpwm_cap_channel_handle_t, const mcpwm_capture_event_data_t *, void *);
typedef struct { mcpwm_capture_event_cb_t on_cap; } mcpwm_capture_event_callbacks_t;
typedef struct { int group_id; mcpwm_capture_clock_source_t clk_src; } mcpwm_capture_timer_config_t;
typedef struct {
    int gpio_num;
    uint32_t prescale;
    struct { uint32_t pos_edge: 1; uint32_t neg_edge: 1; uint32_t pull_up: 1; uint32_t pull_down: 1; } flags;
} mcpwm_capture_channel_config_t;
esp_err_t mcpwm_new_capture_timer(const mcpwm_capture_timer_config_t *, mcpwm_cap_timer_handle_t *);
esp_err_t mcpwm_capture_timer_enable(mcpwm_cap_timer_handle_t);
esp_err_t mcpwm_capture_timer_start(mcpwm_cap_timer_handle_t);
esp_err_t mcpwm_capture_timer_get_resolution(mcpwm_cap_timer_handle_t, uint32_t *);
esp_err_t mcpwm_new_capture_channel(mcpwm_cap_timer_handle_t, const mcpwm_capture_channel_config_t *, mcpwm_cap_channel_handle_t *);
esp_err_t mcpwm_capture_channel_register_event_callbacks(mcpwm_cap_channel_handle_t, const mcpwm_capture_event_callbacks_t *, void *);
esp_err_t mcpwm_capture_channel_enable(mcpwm_cap_channel_handle_t);
esp_err_t mcpwm_capture_channel_trigger_soft_catch(mcpwm_cap_channel_handle_t);
