/* Telemetry payloads v1/v2/v3 (DESIGN.md). The build's PROTOCOL_VERSION picks the default;
 * the encoder takes the version as a parameter so every version stays testable. */
#ifndef TELEMETRY_H
#define TELEMETRY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fmt.h"

#define AUDIO_BINS 16

typedef struct {
    const char *node_id;
    const char *fw;
    uint32_t boot;
    uint32_t seq;
    uint64_t uptime_ms;
    int16_t temp_centi_c;
    uint16_t humidity_centi_pct;
    uint16_t battery_mv;
    int8_t rssi_dbm;
    uint32_t error_flags;
    bool has_audio; /* a capture has been processed: v3 adds audio and inference */
    float rms;
    float spike_ratio;
    float bins[AUDIO_BINS];
    const char *model;
    uint32_t model_version;
    const char *label;
    float p_event;
} telemetry_t;

/* Appends the JSON for protocol version 1, 2 or 3. */
void telemetry_encode(sb_t *out, int version, const telemetry_t *t);

#endif
