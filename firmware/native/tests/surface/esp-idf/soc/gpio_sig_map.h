/* Stand-in declaration for the syntax check in firmware/native/CMakeLists.txt: only the names and signatures the
 * port or the interop stubs use, copied from the ESP-IDF 5.x / nf-interpreter headers. Not the real header. */
#pragma once
#define LEDC_LS_SIG_OUT0_IDX 79
#define SIG_GPIO_OUT_IDX 256
