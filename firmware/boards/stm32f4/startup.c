/* STM32F405/F407 start-up: vector table, reset handler, fault handlers. */
#include <stdbool.h>
#include <stdint.h>

#include "stm32f4_board.h"
#include "stm32f4_regs.h"

extern int main(void);

void Reset_Handler(void) __attribute__((naked, noreturn));
void board_reset_c(void) __attribute__((noreturn, used));
void Default_Handler(void);
void HardFault_Handler(void) __attribute__((naked));
void board_hardfault_c(uint32_t *frame, uint32_t exc_return) __attribute__((used));

#define WEAK_DEFAULT __attribute__((weak, alias("Default_Handler")))
void NMI_Handler(void) WEAK_DEFAULT;
void MemManage_Handler(void) WEAK_DEFAULT;
void BusFault_Handler(void) WEAK_DEFAULT;
void UsageFault_Handler(void) WEAK_DEFAULT;
void SVC_Handler(void) WEAK_DEFAULT;
void DebugMon_Handler(void) WEAK_DEFAULT;
void PendSV_Handler(void) WEAK_DEFAULT;
void SysTick_Handler(void) WEAK_DEFAULT;
void USART1_IRQHandler(void) WEAK_DEFAULT;
void USART2_IRQHandler(void) WEAK_DEFAULT;
void USART3_IRQHandler(void) WEAK_DEFAULT;

typedef void (*vector_t)(void);

/* 16 system exceptions (entry 0 = initial stack pointer) + 82 peripheral interrupts. */
__attribute__((section(".isr_vector"), used)) const vector_t g_vectors[16 + STM32F4_IRQ_COUNT] = {
    [0] = (vector_t)(uintptr_t)_estack,
    [1] = Reset_Handler,
    [2] = NMI_Handler,
    [3] = HardFault_Handler,
    [4] = MemManage_Handler,
    [5] = BusFault_Handler,
    [6] = UsageFault_Handler,
    [7] = Default_Handler,
    [8] = Default_Handler,
    [9] = Default_Handler,
    [10] = Default_Handler,
    [11] = SVC_Handler,
    [12] = DebugMon_Handler,
    [13] = Default_Handler,
    [14] = PendSV_Handler,
    [15] = SysTick_Handler,
    [16 ... 16 + IRQ_USART1 - 1] = Default_Handler,
    [16 + IRQ_USART1] = USART1_IRQHandler,
    [16 + IRQ_USART2] = USART2_IRQHandler,
    [16 + IRQ_USART3] = USART3_IRQHandler,
    [16 + IRQ_USART3 + 1 ... 16 + STM32F4_IRQ_COUNT - 1] = Default_Handler,
};

/* First instructions after reset: grant full access to CP10/CP11 (the FPU) before any
 * compiled code can touch a floating-point register, then (re)load the stack pointer. */
void Reset_Handler(void) {
    __asm volatile(
        "ldr r0, =0xE000ED88\n\t" /* SCB->CPACR */
        "ldr r1, [r0]\n\t"
        "orr r1, r1, #(0xF << 20)\n\t"
        "str r1, [r0]\n\t"
        "dsb\n\t"
        "isb\n\t"
        "ldr r0, =_estack\n\t"
        "mov sp, r0\n\t"
        "b board_reset_c\n\t"
        ".ltorg\n\t");
}

typedef void (*init_fn_t)(void);
extern init_fn_t __init_array_start[], __init_array_end[];

void board_reset_c(void) {
    /* Volatile pointers keep the compiler from turning these loops into library calls. */
    volatile uint32_t *src = _sidata;
    volatile uint32_t *dst = _sdata;
    while (dst < _edata) {
        *dst++ = *src++;
    }
    for (dst = _sbss; dst < _ebss;) {
        *dst++ = 0;
    }
    /* .noinit is deliberately left alone: it holds the retained config record. */

    /* Paint the unused part of the stack (everything below our own frame, with a margin)
     * so hal_mem_stats can find the high-water mark. */
    uint32_t sp;
    __asm volatile("mov %0, sp" : "=r"(sp));
    for (dst = _sstack; (uintptr_t)dst < sp - 64u;) {
        *dst++ = BOARD_STACK_PAINT;
    }

    SCB_VTOR = (uint32_t)(uintptr_t)g_vectors;
    dsb();
    isb();

    for (init_fn_t *fn = __init_array_start; fn < __init_array_end; fn++) {
        (*fn)();
    }

    (void)main();
    irq_disable();
    for (;;) {
        wfi();
    }
}

/* ---- fault reporting ---- */

static void put_hex(char *out, uint32_t v) {
    static const char digits[] = "0123456789abcdef";
    out[0] = '0';
    out[1] = 'x';
    for (int i = 0; i < 8; i++) {
        out[2 + i] = digits[(v >> (28 - 4 * i)) & 0xFu];
    }
    out[10] = '\0';
}

static void report(const char *what, uint32_t a_val, const char *b, uint32_t b_val) {
    char hex[11];
    board_panic_write("\r\n[fault] ");
    board_panic_write(what);
    put_hex(hex, a_val);
    board_panic_write(hex);
    board_panic_write(b);
    put_hex(hex, b_val);
    board_panic_write(hex);
}

static void __attribute__((noreturn)) halt(void) {
    board_panic_write("\r\n");
    irq_disable();
    for (;;) {
        wfi();
    }
}

/* Unhandled interrupt or exception: report which one and stop. */
void Default_Handler(void) {
    uint32_t ipsr;
    __asm volatile("mrs %0, ipsr" : "=r"(ipsr));
    report("unhandled exception=", ipsr & 0x1FFu, " icsr=", SCB_ICSR);
    halt();
}

void HardFault_Handler(void) {
    __asm volatile(
        "tst lr, #4\n\t"
        "ite eq\n\t"
        "mrseq r0, msp\n\t"
        "mrsne r0, psp\n\t"
        "mov r1, lr\n\t"
        "b board_hardfault_c\n\t");
}

void board_hardfault_c(uint32_t *frame, uint32_t exc_return) {
    uint32_t cfsr = SCB_CFSR;
    uint32_t hfsr = SCB_HFSR;
    if (g_board_probe_active) {
        /* A probed load faulted: skip the instruction (16- or 32-bit Thumb) and resume. */
        uint16_t first = *(const volatile uint16_t *)(uintptr_t)frame[6];
        bool wide = (first & 0xF800u) == 0xE800u || (first & 0xF000u) == 0xF000u;
        frame[6] += wide ? 4u : 2u;
        g_board_probe_faulted = 1;
        SCB_CFSR = cfsr; /* write-one-to-clear */
        SCB_HFSR = hfsr;
        return;
    }
    report("hardfault pc=", frame[6], " lr=", frame[5]);
    report("cfsr=", cfsr, " hfsr=", hfsr);
    report("bfar=", SCB_BFAR, " exc_return=", exc_return);
    halt();
}
