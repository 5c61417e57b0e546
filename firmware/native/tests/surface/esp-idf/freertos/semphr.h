/* Stand-in declaration for the syntax check in firmware/native/CMakeLists.txt: only the names and signatures the
 * port or the interop stubs use, copied from the ESP-IDF 5.x / nf-interpreter headers. Not the real header. */
#pragma once
typedef void *SemaphoreHandle_t;
SemaphoreHandle_t xSemaphoreCreateBinary(void);
int xSemaphoreGive(SemaphoreHandle_t); int xSemaphoreTake(SemaphoreHandle_t, unsigned); void vSemaphoreDelete(SemaphoreHandle_t);
