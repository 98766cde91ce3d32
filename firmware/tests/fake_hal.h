/* A scripted HAL for unit tests: in-memory channels, a settable clock, RAM persistence. */
#ifndef FAKE_HAL_H
#define FAKE_HAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hal.h"

void fake_reset(void); /* clears channels, time 0, keeps persistence */
void fake_persist_clear(void);
void fake_persist_corrupt(void);
void fake_set_time(uint64_t ms);
void fake_advance(uint64_t ms);
void fake_rx(hal_channel_t ch, const void *data, size_t len);
void fake_rx_str(hal_channel_t ch, const char *text);
const char *fake_tx(hal_channel_t ch); /* everything written since the last clear */
void fake_tx_clear(hal_channel_t ch);
int fake_reboots(void);

#endif
