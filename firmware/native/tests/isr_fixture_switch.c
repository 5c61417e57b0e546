/* Fixture for the IRAM check's own tests (CMakeLists.txt): a dense switch in an interrupt-path function. Without
 * -fno-jump-tables / -fno-tree-switch-conversion the compiler makes it a table in .rodata and the check must fail;
 * with them it must pass. Never linked into anything. */
#include <stdint.h>

#ifndef RC_ISR_FN
#define RC_ISR_FN
#endif

RC_ISR_FN uint32_t fixture_isr_switch(uint32_t kind, uint32_t a, uint32_t b)
{
    switch (kind) {
    case 0: return a + b;
    case 1: return a - b;
    case 2: return a ^ b;
    case 3: return a | b;
    case 4: return a & b;
    case 5: return a << (b & 7u);
    case 6: return a >> (b & 7u);
    case 7: return a * b;
    case 8: return ~a;
    case 9: return a + 17u;
    default: return 0u;
    }
}
