/* Stand-in declaration for the syntax check in firmware/native/CMakeLists.txt: only the names and signatures the
 * port or the interop stubs use, copied from the ESP-IDF 5.x / nf-interpreter headers. Not the real header. */
#pragma once
#include <stdint.h>
typedef struct { int owner; } portMUX_TYPE;
#define portMUX_INITIALIZER_UNLOCKED {0}
void vPortEnterCritical(portMUX_TYPE *); void vPortExitCritical(portMUX_TYPE *);
#define portENTER_CRITICAL(m) vPortEnterCritical(m)
#define portEXIT_CRITICAL(m) vPortExitCritical(m)
#define portENTER_CRITICAL_ISR(m) vPortEnterCritical(m)
#define portEXIT_CRITICAL_ISR(m) vPortExitCritical(m)
#define configMAX_PRIORITIES 25
#define portMAX_DELAY 0xffffffffu
#define pdPASS 1
typedef int BaseType_t;
