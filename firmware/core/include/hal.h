/* The whole hardware abstraction the portable core may use. Each board implements it
 * (boards/native, boards/stm32f4); nothing in core/ touches registers or the host C library
 * beyond <string.h>, <stdint.h>, <stddef.h>, <stdbool.h> and sqrtf. */
#ifndef HAL_H
#define HAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum {
    HAL_CH_CONSOLE = 0,  /* USART1: CLI */
    HAL_CH_LINK = 1,     /* USART2: ESP-AT Wi-Fi modem */
    HAL_CH_STIMULUS = 2, /* USART3: framed sensor readings and audio (input only) */
    HAL_CH_COUNT = 3
} hal_channel_t;

typedef struct {
    uint32_t stack_size; /* bytes reserved for the main stack */
    uint32_t stack_peak; /* high-water mark of main stack use, bytes */
    uint32_t heap_size;  /* bytes available to the allocator (0 if none) */
    uint32_t heap_peak;  /* high-water mark of heap use, bytes */
} hal_mem_stats_t;

/* Board bring-up: clocks, UARTs, tick. Called once, first thing in main. */
void hal_init(void);

/* Milliseconds since this boot (virtual time on the native board in --clock virtual). */
uint64_t hal_millis(void);

/* Non-blocking: copies up to max received bytes, returns how many (0 if none). */
size_t hal_read(hal_channel_t ch, uint8_t *buf, size_t max);

/* Writes all len bytes (blocks until they are queued for transmission). */
void hal_write(hal_channel_t ch, const uint8_t *buf, size_t len);

/* Sleeps until input may be available on a channel or hal_millis() >= deadline_ms,
 * whichever comes first. May return early (spurious wake-ups are fine). */
void hal_wait_event(uint64_t deadline_ms);

/* Retained storage for the config record (flash page or retained RAM).
 * load returns false when nothing was stored; the core checks its own CRC. */
bool hal_persist_load(void *buf, size_t len);
void hal_persist_save(const void *buf, size_t len);

/* Soft reset of the whole board; does not return. */
void hal_reboot(void) __attribute__((noreturn));

/* "native" or "stm32f4". */
const char *hal_board_name(void);

/* The 6-byte MAC the node id is derived from. */
void hal_mac(uint8_t mac[6]);

void hal_mem_stats(hal_mem_stats_t *out);

/* A free-running cycle counter (wraps at 2^32) for measuring work, counting hal_cycle_hz() per
 * second: the core clock on stm32f4 (from SysTick), nanoseconds on native. */
uint32_t hal_cycles(void);
uint32_t hal_cycle_hz(void);

#endif
