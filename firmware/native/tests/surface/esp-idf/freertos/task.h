/* Stand-in declaration for the syntax check in firmware/native/CMakeLists.txt: only the names and signatures the
 * port or the interop stubs use, copied from the ESP-IDF 5.x / nf-interpreter headers. Not the real header. */
#pragma once
typedef void (*TaskFunction_t)(void *);
typedef void *TaskHandle_t;
BaseType_t xTaskCreatePinnedToCore(TaskFunction_t, const char *, uint32_t, void *, unsigned, TaskHandle_t *, int);
void vTaskDelete(TaskHandle_t);
/* FreeRTOS task.h / FreeRTOS.h: the anchor task's period. */
typedef uint32_t TickType_t;
void vTaskDelay(TickType_t);
#define pdMS_TO_TICKS(ms) ((TickType_t)(ms))
