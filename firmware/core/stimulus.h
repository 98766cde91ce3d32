/* Stimulus frames: 0xA5 0x5A | type | len u16 LE | payload | crc16 LE (CRC-16/CCITT-FALSE
 * over type, len and payload). */
#ifndef STIMULUS_H
#define STIMULUS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define STIM_TYPE_SENSOR 0x01
#define STIM_TYPE_AUDIO 0x02
#define STIM_TYPE_STAGED 0x03 /* empty payload: a block waits in the audio staging buffer */
#define STIM_MAX_PAYLOAD 1024
#define STIM_SENSOR_LEN 9
#define STIM_AUDIO_MAX_SAMPLES 510

#define STIM_SENSOR_PUBLISH_NOW 0x01
#define STIM_AUDIO_FIRST 0x01
#define STIM_AUDIO_LAST 0x02

typedef struct {
    int16_t temp_centi_c;
    uint16_t humidity_centi_pct;
    uint16_t battery_mv;
    int8_t rssi_dbm;
    uint8_t hour;
    uint8_t flags;
} stim_sensor_t;

typedef struct {
    void (*on_sensor)(const stim_sensor_t *reading);
    /* samples are little-endian i16 in the frame; decoded into this array */
    void (*on_audio)(uint8_t flags, const int16_t *samples, size_t count);
    void (*on_staged)(void);
} stim_handlers_t;

void stim_init(const stim_handlers_t *handlers);
void stim_feed(const uint8_t *data, size_t len);
uint32_t stim_frames(void);
uint32_t stim_bad(void);

#endif
