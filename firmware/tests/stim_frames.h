/* Builds stimulus frames the way the harness does. */
#ifndef STIM_FRAMES_H
#define STIM_FRAMES_H

#include <stdint.h>
#include <string.h>

#include "crc.h"

static inline size_t stim_frame(uint8_t *out, uint8_t type, const uint8_t *payload, uint16_t len)
{
    out[0] = 0xA5;
    out[1] = 0x5A;
    out[2] = type;
    out[3] = (uint8_t)(len & 0xFF);
    out[4] = (uint8_t)(len >> 8);
    memcpy(out + 5, payload, len);
    uint16_t crc = crc16_ccitt(out + 2, (size_t)len + 3);
    out[5 + len] = (uint8_t)(crc & 0xFF);
    out[6 + len] = (uint8_t)(crc >> 8);
    return (size_t)len + 7;
}

static inline size_t stim_sensor_frame(uint8_t *out, int16_t temp_centi, uint16_t hum_centi, uint16_t mv,
                                       int8_t rssi, uint8_t hour, uint8_t flags)
{
    uint8_t p[9] = {(uint8_t)temp_centi, (uint8_t)((uint16_t)temp_centi >> 8), (uint8_t)hum_centi,
                    (uint8_t)(hum_centi >> 8), (uint8_t)mv, (uint8_t)(mv >> 8), (uint8_t)rssi, hour, flags};
    return stim_frame(out, 0x01, p, 9);
}

static inline size_t stim_audio_frame(uint8_t *out, uint8_t flags, const int16_t *samples, size_t n)
{
    uint8_t p[2 + 2 * 510];
    p[0] = flags;
    p[1] = 0;
    for (size_t i = 0; i < n; i++) {
        p[2 + 2 * i] = (uint8_t)((uint16_t)samples[i] & 0xFF);
        p[3 + 2 * i] = (uint8_t)((uint16_t)samples[i] >> 8);
    }
    return stim_frame(out, 0x02, p, (uint16_t)(2 + 2 * n));
}

#endif
