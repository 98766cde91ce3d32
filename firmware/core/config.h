/* The persisted config record: one struct with a CRC-32, the boot counter included. */
#ifndef CONFIG_H
#define CONFIG_H

#include <stdbool.h>
#include <stdint.h>

#include "fmt.h"

typedef struct {
    uint32_t magic;
    uint32_t layout;
    uint32_t boot_count;
    uint32_t interval_s;
    float audio_gain;
    float event_threshold;
    float spike_threshold;
    uint32_t mqtt_port;
    char node_id[16];
    char wifi_ssid[33];
    char wifi_pass[65];
    char mqtt_host[65];
    char mqtt_user[33];
    char mqtt_pass[65];
    uint8_t reserved[3]; /* no hidden padding: the CRC covers raw bytes */
    uint32_t crc; /* CRC-32 of every byte before this field */
} config_t;

typedef enum { CONFIG_BOOT_LOADED, CONFIG_BOOT_FRESH, CONFIG_BOOT_BAD_CRC } config_boot_t;

/* Loads the record (defaults when absent or corrupt), counts this boot, saves. */
config_boot_t config_boot(void);
const config_t *config_get(void);
void config_defaults(config_t *c); /* boot_count 0, node id from the MAC */
bool config_record_valid(const config_t *c);

size_t config_key_count(void);
const char *config_key_name(size_t index);
/* Appends "key=value"; false for an unknown key. */
bool config_format(const config_t *c, const char *key, sb_t *out);
/* Validates and applies to c (no persistence); on failure appends the reason to err. */
bool config_apply(config_t *c, const char *key, const char *value, sb_t *err);
/* Makes c the current config and persists it. */
void config_commit(const config_t *c);
void config_reset(void);

#endif
