/* Single-producer/single-consumer record ring. Indices run freely and are masked on use, so head - tail is
 * the fill level even across the 2^32 wrap; capacity <= 2^30 keeps that difference unambiguous. */
#include "rig_capture.h"

#include <string.h>

int rc_ring_init(rc_ring *ring, rc_record *storage, uint32_t capacity)
{
    if (ring == NULL || storage == NULL || capacity < 2u || capacity > (1u << 30) ||
        (capacity & (capacity - 1u)) != 0u) {
        return RC_E_INVALID;
    }
    ring->slots = storage;
    ring->mask = capacity - 1u;
    atomic_init(&ring->head, 0u);
    atomic_init(&ring->tail, 0u);
    atomic_init(&ring->overflows, 0u);
    ring->gap = false;
    return RC_OK;
}

RC_ISR_FN bool rc_ring_push(rc_ring *ring, const rc_record *record)
{
    uint32_t head = atomic_load_explicit(&ring->head, memory_order_relaxed);
    /* Acquire pairs with the consumer's release of tail: the slot we overwrite has been read. */
    uint32_t tail = atomic_load_explicit(&ring->tail, memory_order_acquire);
    if (head - tail > ring->mask) {
        atomic_fetch_add_explicit(&ring->overflows, 1u, memory_order_relaxed);
        ring->gap = true;
        return false;
    }
    rc_record *slot = &ring->slots[head & ring->mask];
    *slot = *record;
    slot->reserved = 0u;
    if (ring->gap) {
        slot->flags = (uint8_t)(slot->flags | RC_FLAG_GAP);
        ring->gap = false;
    }
    /* Release publishes the slot's contents before the consumer can see the new head. */
    atomic_store_explicit(&ring->head, head + 1u, memory_order_release);
    return true;
}

RC_ISR_FN bool rc_ring_full(const rc_ring *ring)
{
    uint32_t head = atomic_load_explicit(&((rc_ring *)ring)->head, memory_order_relaxed);
    uint32_t tail = atomic_load_explicit(&((rc_ring *)ring)->tail, memory_order_acquire);
    return head - tail > ring->mask;
}

RC_ISR_FN void rc_ring_drop(rc_ring *ring)
{
    atomic_fetch_add_explicit(&ring->overflows, 1u, memory_order_relaxed);
    ring->gap = true;
}

uint32_t rc_ring_pop(rc_ring *ring, rc_record *out, uint32_t max)
{
    uint32_t tail = atomic_load_explicit(&ring->tail, memory_order_relaxed);
    uint32_t head = atomic_load_explicit(&ring->head, memory_order_acquire);
    uint32_t available = head - tail;
    uint32_t n = available < max ? available : max;
    for (uint32_t i = 0; i < n; i++) {
        out[i] = ring->slots[(tail + i) & ring->mask];
    }
    atomic_store_explicit(&ring->tail, tail + n, memory_order_release);
    return n;
}

uint32_t rc_ring_count(const rc_ring *ring)
{
    uint32_t head = atomic_load_explicit(&((rc_ring *)ring)->head, memory_order_acquire);
    uint32_t tail = atomic_load_explicit(&((rc_ring *)ring)->tail, memory_order_acquire);
    return head - tail;
}

uint32_t rc_ring_overflows(const rc_ring *ring)
{
    return atomic_load_explicit(&((rc_ring *)ring)->overflows, memory_order_relaxed);
}

static void put_u64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++) {
        p[i] = (uint8_t)(v >> (8 * i));
    }
}

static uint64_t get_u64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++) {
        v |= (uint64_t)p[i] << (8 * i);
    }
    return v;
}

void rc_record_encode(const rc_record *record, uint8_t out[RC_RECORD_BYTES])
{
    put_u64(out, record->device_us);
    put_u64(out + 8, (uint64_t)record->value);
    out[16] = record->line;
    out[17] = record->channel;
    out[18] = record->level;
    out[19] = record->flags;
    memset(out + 20, 0, 4);
}

void rc_record_decode(const uint8_t in[RC_RECORD_BYTES], rc_record *record)
{
    record->device_us = get_u64(in);
    record->value = (int64_t)get_u64(in + 8);
    record->line = in[16];
    record->channel = in[17];
    record->level = in[18];
    record->flags = in[19];
    record->reserved = 0u;
}
