/* Register definitions for the parts of the STM32F405/F407 and the Cortex-M4 core this
 * board uses, written from the reference manual (RM0090) and the ARMv7-M ARM.
 * Only what the board needs: RCC, FLASH interface, GPIO, USART, SCB, SysTick, NVIC. */
#ifndef STM32F4_REGS_H
#define STM32F4_REGS_H

#include <stdint.h>

#define REG32(addr) (*(volatile uint32_t *)(uintptr_t)(addr))

/* ---- Cortex-M4 system control space ---- */
#define SCS_BASE 0xE000E000u

#define SYST_CSR REG32(SCS_BASE + 0x010u) /* SysTick control and status */
#define SYST_RVR REG32(SCS_BASE + 0x014u) /* reload value */
#define SYST_CVR REG32(SCS_BASE + 0x018u) /* current value */
#define SYST_CSR_ENABLE (1u << 0)
#define SYST_CSR_TICKINT (1u << 1)
#define SYST_CSR_CLKSOURCE (1u << 2) /* 1 = processor clock */
#define SYST_CSR_COUNTFLAG (1u << 16) /* wrapped since last read (cleared by reading CSR) */

#define NVIC_ISER(n) REG32(SCS_BASE + 0x100u + 4u * (n))
#define NVIC_ICER(n) REG32(SCS_BASE + 0x180u + 4u * (n))
#define NVIC_ICPR(n) REG32(SCS_BASE + 0x280u + 4u * (n))
#define NVIC_IPR8(irq) (*(volatile uint8_t *)(uintptr_t)(SCS_BASE + 0x400u + (irq)))

#define SCB_ICSR REG32(SCS_BASE + 0xD04u)
#define SCB_ICSR_PENDSTSET (1u << 26) /* SysTick exception pending */
#define SCB_ICSR_PENDSTCLR (1u << 25) /* clears a pending SysTick exception */
#define SCB_VTOR REG32(SCS_BASE + 0xD08u)
#define SCB_AIRCR REG32(SCS_BASE + 0xD0Cu)
#define SCB_CCR REG32(SCS_BASE + 0xD14u)
#define SCB_SHPR3 REG32(SCS_BASE + 0xD20u)
#define SCB_SHCSR REG32(SCS_BASE + 0xD24u)
#define SCB_CFSR REG32(SCS_BASE + 0xD28u)
#define SCB_HFSR REG32(SCS_BASE + 0xD2Cu)
#define SCB_BFAR REG32(SCS_BASE + 0xD38u)
#define SCB_CPACR REG32(SCS_BASE + 0xD88u)
#define SCB_AIRCR_VECTKEY (0x05FAu << 16)
#define SCB_AIRCR_SYSRESETREQ (1u << 2)

/* ---- RCC (0x4002 3800) ---- */
#define RCC_BASE 0x40023800u
#define RCC_CR REG32(RCC_BASE + 0x00u)
#define RCC_PLLCFGR REG32(RCC_BASE + 0x04u)
#define RCC_CFGR REG32(RCC_BASE + 0x08u)
#define RCC_AHB1ENR REG32(RCC_BASE + 0x30u)
#define RCC_APB1ENR REG32(RCC_BASE + 0x40u)
#define RCC_APB2ENR REG32(RCC_BASE + 0x44u)

#define RCC_CR_HSION (1u << 0)
#define RCC_CR_HSIRDY (1u << 1)
#define RCC_CR_PLLON (1u << 24)
#define RCC_CR_PLLRDY (1u << 25)
#define RCC_PLLCFGR_SRC_HSE (1u << 22) /* 0 = HSI */
#define RCC_CFGR_SW_MASK 0x3u
#define RCC_CFGR_SW_PLL 0x2u
#define RCC_CFGR_SWS_MASK (0x3u << 2)
#define RCC_CFGR_SWS_PLL (0x2u << 2)
#define RCC_CFGR_HPRE_DIV1 (0x0u << 4)
#define RCC_CFGR_PPRE1_DIV4 (0x5u << 10)
#define RCC_CFGR_PPRE2_DIV2 (0x4u << 13)

#define RCC_AHB1ENR_GPIOA (1u << 0)
#define RCC_AHB1ENR_GPIOB (1u << 1)
#define RCC_APB1ENR_USART2 (1u << 17)
#define RCC_APB1ENR_USART3 (1u << 18)
#define RCC_APB1ENR_PWR (1u << 28)
#define RCC_APB2ENR_USART1 (1u << 4)
#define RCC_APB2ENR_SYSCFG (1u << 14)

/* ---- Flash interface (0x4002 3C00) ---- */
#define FLASH_ACR REG32(0x40023C00u)
#define FLASH_ACR_LATENCY_5WS 5u
#define FLASH_ACR_PRFTEN (1u << 8)
#define FLASH_ACR_ICEN (1u << 9)
#define FLASH_ACR_DCEN (1u << 10)

/* ---- GPIO ---- */
#define GPIOA_BASE 0x40020000u
#define GPIOB_BASE 0x40020400u
#define GPIO_MODER(base) REG32((base) + 0x00u)
#define GPIO_OSPEEDR(base) REG32((base) + 0x08u)
#define GPIO_PUPDR(base) REG32((base) + 0x0Cu)
#define GPIO_AFRL(base) REG32((base) + 0x20u)
#define GPIO_AFRH(base) REG32((base) + 0x24u)

/* ---- USART ---- */
#define USART1_BASE 0x40011000u /* APB2 */
#define USART2_BASE 0x40004400u /* APB1 */
#define USART3_BASE 0x40004800u /* APB1 */
#define USART_SR(base) REG32((base) + 0x00u)
#define USART_DR(base) REG32((base) + 0x04u)
#define USART_BRR(base) REG32((base) + 0x08u)
#define USART_CR1(base) REG32((base) + 0x0Cu)
#define USART_CR2(base) REG32((base) + 0x10u)
#define USART_CR3(base) REG32((base) + 0x14u)

#define USART_SR_ORE (1u << 3)
#define USART_SR_RXNE (1u << 5)
#define USART_SR_TC (1u << 6)
#define USART_SR_TXE (1u << 7)
#define USART_CR1_RE (1u << 2)
#define USART_CR1_TE (1u << 3)
#define USART_CR1_RXNEIE (1u << 5)
#define USART_CR1_UE (1u << 13)

#define IRQ_USART1 37
#define IRQ_USART2 38
#define IRQ_USART3 39
#define STM32F4_IRQ_COUNT 82

/* 96-bit unique device ID (not mapped in QEMU's netduinoplus2: reading it bus-faults). */
#define UID_BASE 0x1FFF7A10u

/* ---- Core intrinsics ---- */
static inline uint32_t irq_save(void) {
    uint32_t primask;
    __asm volatile("mrs %0, primask\n\tcpsid i" : "=r"(primask)::"memory");
    return primask;
}
static inline void irq_restore(uint32_t primask) {
    __asm volatile("msr primask, %0" ::"r"(primask) : "memory");
}
static inline void irq_disable(void) { __asm volatile("cpsid i" ::: "memory"); }
static inline void irq_enable(void) { __asm volatile("cpsie i" ::: "memory"); }
static inline void dsb(void) { __asm volatile("dsb" ::: "memory"); }
static inline void isb(void) { __asm volatile("isb" ::: "memory"); }
static inline void wfi(void) { __asm volatile("wfi" ::: "memory"); }

#endif
