/* Fixture for the IRAM check's own tests (CMakeLists.txt): an interrupt-path function reading a `static const`
 * table, which the compiler puts in .rodata (flash) whatever the flags; the check must fail. Never linked. */
#include <stdint.h>

#ifndef RC_ISR_FN
#define RC_ISR_FN
#endif

static const uint32_t fixture_table[8] = {3u, 1u, 4u, 1u, 5u, 9u, 2u, 6u};

RC_ISR_FN uint32_t fixture_isr_table(uint32_t i)
{
    return fixture_table[i & 7u];
}
