/* Stand-in declaration for the syntax check in firmware/native/CMakeLists.txt: only the names and signatures the
 * port or the interop stubs use, copied from the ESP-IDF 5.x / nf-interpreter headers. Not the real header. */
#pragma once
#include "soc/gpio_struct.h"
static inline int gpio_ll_get_level(gpio_dev_t *hw, uint32_t gpio_num) { (void)hw; (void)gpio_num; return 0; }
static inline void gpio_ll_set_level(gpio_dev_t *hw, uint32_t gpio_num, uint32_t level) { (void)hw; (void)gpio_num; (void)level; }
