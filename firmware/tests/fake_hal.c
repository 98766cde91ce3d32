#include "fake_hal.h"

#include <stdlib.h>
#include <string.h>

#define FAKE_BUF 65536

static struct {
    uint8_t rx[FAKE_BUF];
    size_t rx_len, rx_pos;
    char tx[FAKE_BUF];
    size_t tx_len;
} chans[HAL_CH_COUNT];

static uint64_t now_ms;
static uint8_t persist[1024];
static size_t persist_len;
static int reboots;

void fake_reset(void)
{
    memset(chans, 0, sizeof chans);
    now_ms = 0;
}

void fake_persist_clear(void)
{
    persist_len = 0;
}

void fake_persist_corrupt(void)
{
    persist[20] ^= 0xFF;
}

void fake_set_time(uint64_t ms)
{
    now_ms = ms;
}

void fake_advance(uint64_t ms)
{
    now_ms += ms;
}

void fake_rx(hal_channel_t ch, const void *data, size_t len)
{
    memcpy(chans[ch].rx + chans[ch].rx_len, data, len);
    chans[ch].rx_len += len;
}

void fake_rx_str(hal_channel_t ch, const char *text)
{
    fake_rx(ch, text, strlen(text));
}

const char *fake_tx(hal_channel_t ch)
{
    chans[ch].tx[chans[ch].tx_len] = '\0';
    return chans[ch].tx;
}

void fake_tx_clear(hal_channel_t ch)
{
    chans[ch].tx_len = 0;
}

int fake_reboots(void)
{
    return reboots;
}

void hal_init(void) {}

uint64_t hal_millis(void)
{
    return now_ms;
}

uint32_t hal_cycles(void)
{
    return (uint32_t)(now_ms * 1000u);
}

uint32_t hal_cycle_hz(void)
{
    return 1000000u;
}

size_t hal_read(hal_channel_t ch, uint8_t *buf, size_t max)
{
    size_t n = chans[ch].rx_len - chans[ch].rx_pos;
    if (n > max) {
        n = max;
    }
    memcpy(buf, chans[ch].rx + chans[ch].rx_pos, n);
    chans[ch].rx_pos += n;
    return n;
}

void hal_write(hal_channel_t ch, const uint8_t *buf, size_t len)
{
    if (chans[ch].tx_len + len >= FAKE_BUF) {
        abort(); /* a test wrote far more than any test should */
    }
    memcpy(chans[ch].tx + chans[ch].tx_len, buf, len);
    chans[ch].tx_len += len;
}

void hal_wait_event(uint64_t deadline_ms)
{
    (void)deadline_ms;
}

bool hal_persist_load(void *buf, size_t len)
{
    if (persist_len != len) {
        return false;
    }
    memcpy(buf, persist, len);
    return true;
}

void hal_persist_save(const void *buf, size_t len)
{
    memcpy(persist, buf, len);
    persist_len = len;
}

void hal_reboot(void)
{
    reboots++;
    abort(); /* tests never expect a reset through this path */
}

const char *hal_board_name(void)
{
    return "fake";
}

void hal_mac(uint8_t mac[6])
{
    static const uint8_t fixed[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x01};
    memcpy(mac, fixed, 6);
}

void hal_mem_stats(hal_mem_stats_t *out)
{
    out->stack_size = 4096;
    out->stack_peak = 1234;
    out->heap_size = 0;
    out->heap_peak = 0;
}
