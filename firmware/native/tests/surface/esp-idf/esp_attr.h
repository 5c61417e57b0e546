/* Stand-in declaration for the syntax check in firmware/native/CMakeLists.txt: only the names and signatures the
 * port or the interop stubs use, copied from the ESP-IDF 5.x / nf-interpreter headers. Not the real header. */
#pragma once
#define IRAM_ATTR __attribute__((section(".iram1")))
#define DRAM_ATTR __attribute__((section(".dram1")))
