/* Internal interface between the STM32F4 board's startup code and its HAL implementation. */
#ifndef STM32F4_BOARD_H
#define STM32F4_BOARD_H

#include <stddef.h>
#include <stdint.h>

#define BOARD_STACK_PAINT 0xC5A5C5A5u

/* Linker symbols (stm32f405.ld). */
extern uint32_t _sidata[], _sdata[], _edata[], _sbss[], _ebss[];
extern uint32_t _sstack[], _estack[];
extern uint8_t _heap_start[], _heap_end[];
extern uint32_t __noinit_start[], __noinit_end[];

/* Fault-tolerant probing of possibly unmapped addresses (the HardFault handler skips a
 * faulting load while g_board_probe_active is set and sets g_board_probe_faulted). */
extern volatile uint32_t g_board_probe_active;
extern volatile uint32_t g_board_probe_faulted;

/* Polled, interrupt-free output on the console UART for fault reports. */
void board_panic_write(const char *s);

#endif
