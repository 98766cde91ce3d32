/* hal.h for the STM32F405/F407: USART1/2/3 with RX interrupts into ring buffers and polled
 * TX, SysTick millisecond clock, WFI sleep, a .noinit RAM record for persistence,
 * SYSRESETREQ reset, MAC from the unique ID, stack/heap statistics.
 *
 * Emulator notes (QEMU 7.2 netduinoplus2): RCC, GPIO and the flash interface are not
 * modelled (reads give 0, writes are ignored), so nothing here waits on a ready bit without
 * a bound; SysTick always counts at 168 MHz; the unique-ID area is unmapped (reads fault,
 * which the probe below survives). */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "stm32f4_board.h"
#include "hal.h"
#include "stm32f4_regs.h"

#ifndef HIL_CORE_CLOCK_HZ
#define HIL_CORE_CLOCK_HZ 168000000u
#endif
#ifndef HIL_UART_BAUD
#define HIL_UART_BAUD 115200u
#endif
#ifndef HIL_PERSIST_CAPACITY
#define HIL_PERSIST_CAPACITY 2048u
#endif
/* Ring sizes (powers of two). */
#ifndef HIL_RX_CONSOLE_SIZE
#define HIL_RX_CONSOLE_SIZE 512u
#endif
#ifndef HIL_RX_LINK_SIZE
#define HIL_RX_LINK_SIZE 2048u
#endif
#ifndef HIL_RX_STIMULUS_SIZE
#define HIL_RX_STIMULUS_SIZE 4096u
#endif

#define AHB_HZ ((uint32_t)(HIL_CORE_CLOCK_HZ))
#define APB1_HZ (AHB_HZ / 4u) /* 42 MHz at 168 MHz */
#define APB2_HZ (AHB_HZ / 2u) /* 84 MHz at 168 MHz */

_Static_assert((HIL_RX_CONSOLE_SIZE & (HIL_RX_CONSOLE_SIZE - 1u)) == 0, "ring size must be 2^n");
_Static_assert((HIL_RX_LINK_SIZE & (HIL_RX_LINK_SIZE - 1u)) == 0, "ring size must be 2^n");
_Static_assert((HIL_RX_STIMULUS_SIZE & (HIL_RX_STIMULUS_SIZE - 1u)) == 0, "ring size must be 2^n");
_Static_assert(HIL_CORE_CLOCK_HZ % 1000u == 0, "core clock must be a whole number of kHz");

/* ------------------------------------------------------------------------------------------
 * Clocks and pins
 * ---------------------------------------------------------------------------------------- */

#define READY_SPIN_LIMIT 20000u /* ~6 ms at 16 MHz HSI; PLL lock takes ~0.1 ms */

static void clock_init(void) {
    /* HSI (16 MHz) -> PLL: /M=16 -> 1 MHz, *N -> VCO = 2 * core, /P=2 -> core clock,
     * /Q -> <= 48 MHz. AHB /1, APB1 /4, APB2 /2. No crystal needed. */
    const uint32_t vco_mhz = 2u * (HIL_CORE_CLOCK_HZ / 1000000u);
    const uint32_t pllq = (vco_mhz + 47u) / 48u;
    const uint32_t latency = (HIL_CORE_CLOCK_HZ - 1u) / 30000000u; /* 2.7-3.6 V range */
    /* HSIRDY reads 1 on silicon (HSI is the reset clock); an emulator without an RCC model
     * reads 0, and there waiting for PLLRDY would only waste time. */
    const bool rcc_modelled = (RCC_CR & RCC_CR_HSIRDY) != 0;

    RCC_APB1ENR |= RCC_APB1ENR_PWR;
    FLASH_ACR = FLASH_ACR_PRFTEN | FLASH_ACR_ICEN | FLASH_ACR_DCEN | latency;
    RCC_CFGR = (RCC_CFGR & ~((0xFu << 4) | (0x7u << 10) | (0x7u << 13))) | RCC_CFGR_HPRE_DIV1 |
               RCC_CFGR_PPRE1_DIV4 | RCC_CFGR_PPRE2_DIV2;
    if ((RCC_CR & RCC_CR_PLLON) == 0) {
        RCC_PLLCFGR = 16u | (vco_mhz << 6) | (0u << 16) /* P=2 */ | (pllq << 24); /* src HSI */
        RCC_CR |= RCC_CR_PLLON;
    }
    if (rcc_modelled) {
        for (uint32_t i = 0; i < READY_SPIN_LIMIT && (RCC_CR & RCC_CR_PLLRDY) == 0; i++) {
        }
    }
    /* The switch is deferred by hardware until the PLL is ready; we do not wait for SWS. */
    RCC_CFGR = (RCC_CFGR & ~RCC_CFGR_SW_MASK) | RCC_CFGR_SW_PLL;

    RCC_AHB1ENR |= RCC_AHB1ENR_GPIOA | RCC_AHB1ENR_GPIOB;
    RCC_APB2ENR |= RCC_APB2ENR_USART1 | RCC_APB2ENR_SYSCFG;
    RCC_APB1ENR |= RCC_APB1ENR_USART2 | RCC_APB1ENR_USART3;
    dsb();
}

/* Put one pin into alternate-function mode `af`, high speed, pull-up. */
static void gpio_af(uint32_t base, uint32_t pin, uint32_t af) {
    GPIO_MODER(base) = (GPIO_MODER(base) & ~(3u << (2u * pin))) | (2u << (2u * pin));
    GPIO_OSPEEDR(base) |= 2u << (2u * pin);
    GPIO_PUPDR(base) = (GPIO_PUPDR(base) & ~(3u << (2u * pin))) | (1u << (2u * pin));
    if (pin < 8u) {
        GPIO_AFRL(base) = (GPIO_AFRL(base) & ~(0xFu << (4u * pin))) | (af << (4u * pin));
    } else {
        uint32_t p = pin - 8u;
        GPIO_AFRH(base) = (GPIO_AFRH(base) & ~(0xFu << (4u * p))) | (af << (4u * p));
    }
}

static void pins_init(void) {
    gpio_af(GPIOA_BASE, 9, 7);  /* USART1_TX */
    gpio_af(GPIOA_BASE, 10, 7); /* USART1_RX */
    gpio_af(GPIOA_BASE, 2, 7);  /* USART2_TX */
    gpio_af(GPIOA_BASE, 3, 7);  /* USART2_RX */
    gpio_af(GPIOB_BASE, 10, 7); /* USART3_TX */
    gpio_af(GPIOB_BASE, 11, 7); /* USART3_RX */
}

/* ------------------------------------------------------------------------------------------
 * UARTs
 * ---------------------------------------------------------------------------------------- */

typedef struct {
    uint32_t base;
    uint32_t irq;
    uint32_t pclk;
    uint8_t *buf;
    uint32_t mask;
    volatile uint32_t head;   /* written by the ISR only */
    volatile uint32_t tail;   /* written by the main loop only */
    volatile uint32_t paused; /* ring was full: RX interrupt masked, byte left in DR */
} uart_t;

static uint8_t s_rx_console[HIL_RX_CONSOLE_SIZE];
static uint8_t s_rx_link[HIL_RX_LINK_SIZE];
static uint8_t s_rx_stimulus[HIL_RX_STIMULUS_SIZE];

static uart_t s_uart[HAL_CH_COUNT] = {
    [HAL_CH_CONSOLE] = {USART1_BASE, IRQ_USART1, APB2_HZ, s_rx_console, HIL_RX_CONSOLE_SIZE - 1u, 0, 0, 0},
    [HAL_CH_LINK] = {USART2_BASE, IRQ_USART2, APB1_HZ, s_rx_link, HIL_RX_LINK_SIZE - 1u, 0, 0, 0},
    [HAL_CH_STIMULUS] = {USART3_BASE, IRQ_USART3, APB1_HZ, s_rx_stimulus, HIL_RX_STIMULUS_SIZE - 1u, 0, 0, 0},
};

static bool s_hal_ready;

static void uart_init(uart_t *u) {
    USART_CR1(u->base) = 0;
    USART_CR2(u->base) = 0; /* 1 stop bit */
    USART_CR3(u->base) = 0; /* no flow control, no DMA */
    /* Oversampling by 16: BRR = pclk / baud (mantissa.fraction in 1/16ths), rounded. */
    USART_BRR(u->base) = (u->pclk + HIL_UART_BAUD / 2u) / HIL_UART_BAUD;
    USART_CR1(u->base) = USART_CR1_UE | USART_CR1_TE | USART_CR1_RE | USART_CR1_RXNEIE;
    (void)USART_SR(u->base); /* clear stale RXNE/ORE (silicon) */
    (void)USART_DR(u->base);
    NVIC_IPR8(u->irq) = 0x40;
    NVIC_ICPR(u->irq / 32u) = 1u << (u->irq % 32u);
    NVIC_ISER(u->irq / 32u) = 1u << (u->irq % 32u);
}

/* RX interrupt: move bytes from DR into the ring. When the ring is full, the byte is left
 * in DR and the interrupt masked until hal_read makes room; in QEMU this back-pressures
 * the chardev (nothing is lost), on silicon further bytes overrun. */
static void uart_isr(uart_t *u) {
    uint32_t sr = USART_SR(u->base);
    while (sr & (USART_SR_RXNE | USART_SR_ORE)) {
        uint32_t head = u->head;
        if (head - u->tail > u->mask) {
            USART_CR1(u->base) &= ~USART_CR1_RXNEIE;
            NVIC_ICER(u->irq / 32u) = 1u << (u->irq % 32u);
            NVIC_ICPR(u->irq / 32u) = 1u << (u->irq % 32u);
            u->paused = 1;
            return;
        }
        u->buf[head & u->mask] = (uint8_t)USART_DR(u->base);
        u->head = head + 1u;
        sr = USART_SR(u->base);
    }
}

void USART1_IRQHandler(void) { uart_isr(&s_uart[HAL_CH_CONSOLE]); }
void USART2_IRQHandler(void) { uart_isr(&s_uart[HAL_CH_LINK]); }
void USART3_IRQHandler(void) { uart_isr(&s_uart[HAL_CH_STIMULUS]); }

#define TX_SPIN_LIMIT 2000000u /* >> one character time at 115200 Bd; never hang forever */

static void uart_putc(uint32_t base, uint8_t c) {
    for (uint32_t i = 0; i < TX_SPIN_LIMIT && (USART_SR(base) & USART_SR_TXE) == 0; i++) {
    }
    USART_DR(base) = c;
}

static void uart_flush(uint32_t base) {
    for (uint32_t i = 0; i < TX_SPIN_LIMIT && (USART_SR(base) & USART_SR_TC) == 0; i++) {
    }
}

size_t hal_read(hal_channel_t ch, uint8_t *buf, size_t max) {
    if ((unsigned)ch >= HAL_CH_COUNT || buf == NULL) {
        return 0;
    }
    uart_t *u = &s_uart[ch];
    uint32_t tail = u->tail;
    uint32_t head = u->head;
    size_t n = 0;
    while (n < max && tail != head) {
        buf[n++] = u->buf[tail & u->mask];
        tail++;
    }
    u->tail = tail;
    if (u->paused && n > 0) {
        uint32_t pm = irq_save();
        u->paused = 0;
        USART_CR1(u->base) |= USART_CR1_RXNEIE;
        NVIC_ISER(u->irq / 32u) = 1u << (u->irq % 32u);
        irq_restore(pm);
    }
    return n;
}

void hal_write(hal_channel_t ch, const uint8_t *buf, size_t len) {
    if ((unsigned)ch >= HAL_CH_COUNT || buf == NULL) {
        return;
    }
    uint32_t base = s_uart[ch].base;
    for (size_t i = 0; i < len; i++) {
        uart_putc(base, buf[i]);
    }
}

void board_panic_write(const char *s) {
    if (!s_hal_ready) {
        return;
    }
    while (*s) {
        uart_putc(USART1_BASE, (uint8_t)*s++);
    }
    uart_flush(USART1_BASE);
}

/* ------------------------------------------------------------------------------------------
 * Time and sleep
 * ---------------------------------------------------------------------------------------- */

/* SysTick runs from the core clock (QEMU: always 168 MHz) and interrupts every millisecond
 * while the node works. While it waits (hal_wait_event) the idle is tickless: SysTick is
 * programmed to wrap exactly at the millisecond boundary of the deadline (at most
 * TICKLESS_MAX_MS ahead, its 24-bit limit), so a sleeping node wakes once instead of every
 * millisecond, as a low-power node does, and an emulator skipping idle time (QEMU -icount
 * sleep=off) leaps to the deadline in one step. An RX interrupt ends the sleep early; the
 * milliseconds that passed are counted from the counter and the 1 ms tick resumes in phase.
 * Under QEMU the harness decides at every WFI whether the sleep may happen: it reads s_millis
 * and SysTick (the wrap ends the sleep) and lets the node sleep only within the device time it
 * has granted (README, "QEMU in lockstep with the harness"). s_millis is that view of the
 * node's clock (read from RAM by its symbol): keep its name and type (uint64_t milliseconds),
 * and keep every sleep's end at a SysTick wrap. */
#define CYC_PER_MS ((uint32_t)(HIL_CORE_CLOCK_HZ / 1000u))
#define SYST_MAX_RELOAD 0xFFFFFFu
#define TICKLESS_MAX_MS (SYST_MAX_RELOAD / CYC_PER_MS)
#define SYST_REF_DIV 8u /* SysTick's external clock on the STM32F4: HCLK/8 (QEMU's refclk too) */
#define TICKLESS_MAX_MS_REF ((SYST_MAX_RELOAD - CYC_PER_MS / SYST_REF_DIV) / (CYC_PER_MS / SYST_REF_DIV))

static volatile uint64_t s_millis;

/* Whether SysTick can count the external clock: CLKSOURCE is writable on the STM32F4 and in
 * QEMU, but Renode's NVIC holds it at 1 (processor clock only). Asked once at start-up, so
 * long sleeps fall back to the core clock's 99 ms where the external clock is missing. */
static bool s_has_ref_clock;

/* Set while SysTick runs a shortened period after a tickless sleep ended early. */
static volatile uint32_t s_realign;

void SysTick_Handler(void) {
    s_millis = s_millis + 1u;
    if (s_realign) {
        s_realign = 0;
        SYST_RVR = CYC_PER_MS - 1u;
        SYST_CVR = 0;
    }
}

uint64_t hal_millis(void) {
    uint32_t pm = irq_save();
    uint64_t ms = s_millis;
    irq_restore(pm);
    return ms;
}

/* Cycles from SysTick: whole milliseconds plus the down-counter's progress. A wrap whose
 * interrupt is still pending (masked here) counts as its millisecond. */
uint32_t hal_cycles(void) {
    uint32_t pm = irq_save();
    uint64_t ms = s_millis;
    uint32_t cvr = SYST_CVR & 0xFFFFFFu;
    if (SCB_ICSR & SCB_ICSR_PENDSTSET) {
        ms++;
        cvr = SYST_CVR & 0xFFFFFFu;
    }
    irq_restore(pm);
    return (uint32_t)(ms * CYC_PER_MS) + (CYC_PER_MS - 1u - cvr);
}

uint32_t hal_cycle_hz(void) { return (uint32_t)HIL_CORE_CLOCK_HZ; }

static bool rx_pending(void) {
    for (unsigned i = 0; i < HAL_CH_COUNT; i++) {
        if (s_uart[i].head != s_uart[i].tail) {
            return true;
        }
    }
    return false;
}

/* Called with interrupts masked and nothing pending: sleeps until `ms` (>= 2) millisecond
 * boundaries have passed or an interrupt arrives, then accounts for the milliseconds slept and
 * puts the 1 ms tick back. Reprogramming the counter costs the few cycles between a wrap and
 * the write (the same every time, so device time stays deterministic). */
static void sleep_tickless(uint64_t ms) {
    if (SCB_ICSR & SCB_ICSR_PENDSTSET) {
        return; /* a tick is due: let its handler run first */
    }
    uint32_t to_boundary = (SYST_CVR & SYST_MAX_RELOAD) + 1u; /* cycles to the next tick */
    if (to_boundary > CYC_PER_MS) {
        to_boundary = CYC_PER_MS; /* a realigned period is still under way: start from a whole ms */
    }
    /* Sleeps longer than the core clock's 24 bits allow count the external clock (HCLK/8). */
    bool slow = ms > TICKLESS_MAX_MS && s_has_ref_clock;
    uint32_t div = slow ? SYST_REF_DIV : 1u;
    uint32_t max_ms = slow ? TICKLESS_MAX_MS_REF : TICKLESS_MAX_MS;
    uint32_t n = ms > max_ms ? max_ms : (uint32_t)ms;
    uint32_t first = (to_boundary + div - 1u) / div;      /* counter clocks to the next tick */
    uint32_t span = first + (n - 1u) * (CYC_PER_MS / div); /* counter clocks to the n-th tick */
    if (slow) {
        SYST_CSR = SYST_CSR_TICKINT | SYST_CSR_ENABLE; /* external reference clock */
    }
    SYST_RVR = span - 1u;
    SYST_CVR = 0; /* reloads from RVR at the next clock; clears COUNTFLAG */
    s_realign = 0;
    wfi();
    uint32_t cvr = SYST_CVR & SYST_MAX_RELOAD; /* before CSR: a wrap in between reads as woken by it */
    uint32_t csr = SYST_CSR;                   /* reading clears COUNTFLAG */
    if (slow) {
        SYST_CSR = SYST_CSR_CLKSOURCE | SYST_CSR_TICKINT | SYST_CSR_ENABLE; /* the core clock again */
    }
    SCB_ICSR = SCB_ICSR_PENDSTCLR; /* this wrap is accounted for here, not by the handler */
    if (csr & SYST_CSR_COUNTFLAG) {
        s_millis = s_millis + n; /* woke at the deadline */
        SYST_RVR = CYC_PER_MS - 1u;
        SYST_CVR = 0;
        return;
    }
    /* Woken early by an interrupt, in core cycles. A counter still at 0 has not reloaded since it
     * was written (at 0 after counting down, COUNTFLAG would be set): no time has passed. On the
     * external clock the first tick came up to 7 cycles late; the 1 ms tick resumes from there. */
    uint32_t elapsed = cvr == 0u ? 0u : (span - 1u - cvr) * div;
    uint32_t boundary = first * div;
    uint32_t ticks = elapsed >= boundary ? 1u + (elapsed - boundary) / CYC_PER_MS : 0u;
    s_millis = s_millis + ticks;
    uint32_t to_next = boundary + ticks * CYC_PER_MS - elapsed; /* 1..CYC_PER_MS (+7) */
    if (to_next < 2u) {
        /* A reload value of 0 would stop SysTick for good: count that boundary now. */
        s_millis = s_millis + 1u;
        to_next += CYC_PER_MS;
    }
    SYST_RVR = to_next - 1u;
    SYST_CVR = 0;
    s_realign = to_next != CYC_PER_MS; /* the handler of that wrap restores the 1 ms period */
}

void hal_wait_event(uint64_t deadline_ms) {
    for (;;) {
        /* Masked check-then-sleep: an RX interrupt arriving after the check stays pending
         * and makes WFI return at once, so no wake-up is lost. */
        irq_disable();
        if (rx_pending() || s_millis >= deadline_ms) {
            irq_enable();
            return;
        }
        uint64_t idle_ms = deadline_ms - s_millis;
        if (idle_ms >= 2u) {
            sleep_tickless(idle_ms);
        } else {
            wfi();
        }
        irq_enable(); /* the pending handler (SysTick or RX) runs here */
    }
}

/* ------------------------------------------------------------------------------------------
 * Persistence: a record in .noinit RAM, kept across soft resets (SYSRESETREQ, QEMU
 * system_reset). Cold boot leaves garbage (silicon) or zeros (QEMU): the magic word and the
 * length check make load return false then; the core's own CRC covers the payload.
 * ---------------------------------------------------------------------------------------- */

#define PERSIST_MAGIC 0x48495645u /* "HIVE" */

typedef struct {
    uint32_t magic;
    uint32_t len;
    uint32_t len_inv; /* ~len */
    uint32_t saves;   /* how many times written since the record was created */
    uint8_t data[HIL_PERSIST_CAPACITY];
} persist_record_t;

static persist_record_t s_persist __attribute__((section(".noinit.persist")));

bool hal_persist_load(void *buf, size_t len) {
    const persist_record_t *r = &s_persist;
    if (buf == NULL || r->magic != PERSIST_MAGIC || r->len_inv != ~r->len ||
        r->len > HIL_PERSIST_CAPACITY) {
        return false;
    }
    size_t n = r->len < len ? r->len : len;
    memcpy(buf, r->data, n);
    if (n < len) {
        memset((uint8_t *)buf + n, 0, len - n); /* layout changed: the core's CRC will fail */
    }
    return true;
}

void hal_persist_save(const void *buf, size_t len) {
    persist_record_t *r = &s_persist;
    if (buf == NULL) {
        return;
    }
    if (len > HIL_PERSIST_CAPACITY) {
        len = HIL_PERSIST_CAPACITY; /* truncated: load gives a record whose CRC fails */
    }
    uint32_t saves = (r->magic == PERSIST_MAGIC) ? r->saves + 1u : 1u;
    r->magic = 0; /* invalid while being rewritten */
    memcpy(r->data, buf, len);
    r->len = (uint32_t)len;
    r->len_inv = ~(uint32_t)len;
    r->saves = saves;
    r->magic = PERSIST_MAGIC;
}

/* ------------------------------------------------------------------------------------------
 * Reset, identity
 * ---------------------------------------------------------------------------------------- */

void hal_reboot(void) {
    for (unsigned i = 0; i < HAL_CH_COUNT; i++) {
        uart_flush(s_uart[i].base);
    }
    irq_disable();
    dsb();
    SCB_AIRCR = SCB_AIRCR_VECTKEY | (SCB_AIRCR & (0x7u << 8)) | SCB_AIRCR_SYSRESETREQ;
    dsb();
    for (;;) {
        wfi();
    }
}

const char *hal_board_name(void) { return "stm32f4"; }

volatile uint32_t g_board_probe_active;
volatile uint32_t g_board_probe_faulted;

/* Reads a word that may not be mapped; false if the access faulted. */
static bool probe_read32(uint32_t addr, uint32_t *out) {
    uint32_t v = 0;
    g_board_probe_faulted = 0;
    g_board_probe_active = 1;
    __asm volatile("dsb\n\tldr %0, [%1]\n\tdsb" : "=&l"(v) : "l"(addr) : "memory");
    g_board_probe_active = 0;
    *out = v;
    return g_board_probe_faulted == 0;
}

static uint8_t s_mac[6];

/* A MAC written into RAM by a test bench before boot (QEMU: -device loader), for boards whose
 * unique ID is not readable. Valid when magic is "MAC1" and check is the ones' complement of
 * the MAC bytes' sum. */
typedef struct {
    uint32_t magic;
    uint8_t mac[6];
    uint16_t check;
    uint32_t reserved[1];
} board_identity_t;

#define BOARD_IDENTITY_MAGIC 0x3143414Du /* "MAC1" little-endian */

static volatile board_identity_t s_identity __attribute__((section(".board_identity"), used));

static bool provisioned_mac(uint8_t mac[6]) {
    if (s_identity.magic != BOARD_IDENTITY_MAGIC) {
        return false;
    }
    uint16_t sum = 0;
    for (unsigned i = 0; i < 6; i++) {
        mac[i] = s_identity.mac[i];
        sum = (uint16_t)(sum + mac[i]);
    }
    uint16_t expected = (uint16_t)(0xFFFFu ^ sum);
    return s_identity.check == expected;
}

static void mac_init(void) {
    uint32_t uid[3];
    bool ok = true;
    for (unsigned i = 0; i < 3 && ok; i++) {
        ok = probe_read32(UID_BASE + 4u * i, &uid[i]);
    }
    bool blank = ok && ((uid[0] | uid[1] | uid[2]) == 0 || (uid[0] & uid[1] & uid[2]) == 0xFFFFFFFFu);
    if (!ok || blank) {
        if (provisioned_mac(s_mac)) {
            return;
        }
        static const uint8_t fallback[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x02};
        memcpy(s_mac, fallback, sizeof s_mac);
        return;
    }
    /* FNV-1a 64 over the 12 ID bytes; locally administered unicast prefix 0x02. */
    uint64_t h = 0xcbf29ce484222325ull;
    for (unsigned i = 0; i < 12; i++) {
        h ^= (uid[i / 4] >> (8u * (i % 4))) & 0xFFu;
        h *= 0x100000001b3ull;
    }
    s_mac[0] = 0x02;
    for (unsigned i = 1; i < 6; i++) {
        s_mac[i] = (uint8_t)(h >> (8u * (i - 1)));
    }
}

void hal_mac(uint8_t mac[6]) { memcpy(mac, s_mac, 6); }

/* ------------------------------------------------------------------------------------------
 * Memory statistics and a bounded _sbrk (only linked in if something calls malloc)
 * ---------------------------------------------------------------------------------------- */

static uint8_t *s_brk;
static uint32_t s_heap_peak;

void *_sbrk(ptrdiff_t incr);
void *_sbrk(ptrdiff_t incr) {
    if (s_brk == NULL) {
        s_brk = _heap_start;
    }
    uint8_t *prev = s_brk;
    if ((incr > 0 && (size_t)incr > (size_t)(_heap_end - s_brk)) ||
        (incr < 0 && (size_t)(-incr) > (size_t)(s_brk - _heap_start))) {
        return (void *)-1; /* malloc sees ENOMEM-style failure (errno left alone) */
    }
    s_brk += incr;
    uint32_t used = (uint32_t)(s_brk - _heap_start);
    if (used > s_heap_peak) {
        s_heap_peak = used;
    }
    return prev;
}

/* Weak reference: non-null only if the image links an allocator. */
extern void *malloc(size_t size) __attribute__((weak));

void hal_mem_stats(hal_mem_stats_t *out) {
    if (out == NULL) {
        return;
    }
    const uint32_t *p = _sstack;
    while (p < _estack && *p == BOARD_STACK_PAINT) {
        p++;
    }
    out->stack_size = (uint32_t)((uintptr_t)_estack - (uintptr_t)_sstack);
    out->stack_peak = (uint32_t)((uintptr_t)_estack - (uintptr_t)p);
    if (malloc != NULL) {
        out->heap_size = (uint32_t)(_heap_end - _heap_start);
        out->heap_peak = s_heap_peak;
    } else {
        out->heap_size = 0;
        out->heap_peak = 0;
    }
}

/* ------------------------------------------------------------------------------------------
 * Bring-up
 * ---------------------------------------------------------------------------------------- */

void hal_init(void) {
    irq_disable();
    clock_init();
    pins_init();
    for (unsigned i = 0; i < HAL_CH_COUNT; i++) {
        uart_init(&s_uart[i]);
    }
    s_hal_ready = true;
    mac_init();

    s_millis = 0;
    SCB_SHPR3 = (SCB_SHPR3 & 0x00FFFFFFu) | (0x40u << 24); /* SysTick priority = UARTs' */
    SYST_CSR = 0; /* stopped, external clock selected: does the bit stay clear? */
    s_has_ref_clock = (SYST_CSR & SYST_CSR_CLKSOURCE) == 0u;
    SYST_RVR = CYC_PER_MS - 1u;
    SYST_CVR = 0;
    SYST_CSR = SYST_CSR_CLKSOURCE | SYST_CSR_TICKINT | SYST_CSR_ENABLE;
    irq_enable();
}
