#include "config.h"

#include <stddef.h>
#include <string.h>

#include "crc.h"
#include "hal.h"

#define CONFIG_MAGIC 0x45564948u /* "HIVE" */
#define CONFIG_LAYOUT 1u

typedef enum { KEY_U32, KEY_FLOAT, KEY_TEXT, KEY_NODE_ID } key_kind_t;

typedef struct {
    const char *name;
    key_kind_t kind;
    size_t offset;
    size_t text_cap; /* KEY_TEXT: buffer size */
    uint32_t text_min;
    float lo, hi;
    const char *range; /* shown in the error message */
} key_def_t;

#define OFS(field) offsetof(config_t, field)
#define CAP(field) sizeof(((config_t *)0)->field)

static const key_def_t keys[] = {
    {"node_id", KEY_NODE_ID, OFS(node_id), CAP(node_id), 12, 0, 0, "12 lowercase hex digits"},
    {"interval_s", KEY_U32, OFS(interval_s), 0, 0, 1.0f, 86400.0f, "1..86400"},
    {"audio_gain", KEY_FLOAT, OFS(audio_gain), 0, 0, 0.01f, 100.0f, "0.01..100"},
    {"event_threshold", KEY_FLOAT, OFS(event_threshold), 0, 0, 0.0f, 1.0f, "0..1"},
    {"spike_threshold", KEY_FLOAT, OFS(spike_threshold), 0, 0, 0.1f, 100.0f, "0.1..100"},
    {"wifi_ssid", KEY_TEXT, OFS(wifi_ssid), CAP(wifi_ssid), 1, 0, 0, "1..32 characters"},
    {"wifi_pass", KEY_TEXT, OFS(wifi_pass), CAP(wifi_pass), 0, 0, 0, "0..64 characters"},
    {"mqtt_host", KEY_TEXT, OFS(mqtt_host), CAP(mqtt_host), 1, 0, 0, "1..64 characters"},
    {"mqtt_port", KEY_U32, OFS(mqtt_port), 0, 0, 1.0f, 65535.0f, "1..65535"},
    {"mqtt_user", KEY_TEXT, OFS(mqtt_user), CAP(mqtt_user), 0, 0, 0, "0..32 characters"},
    {"mqtt_pass", KEY_TEXT, OFS(mqtt_pass), CAP(mqtt_pass), 0, 0, 0, "0..64 characters"},
};
#define KEY_COUNT (sizeof keys / sizeof keys[0])

static config_t current;

static uint32_t record_crc(const config_t *c)
{
    return crc32_ieee((const uint8_t *)c, offsetof(config_t, crc));
}

static void mac_node_id(char out[13])
{
    static const char digits[] = "0123456789abcdef";
    uint8_t mac[6];
    hal_mac(mac);
    for (int i = 0; i < 6; i++) {
        out[2 * i] = digits[mac[i] >> 4];
        out[2 * i + 1] = digits[mac[i] & 0xF];
    }
    out[12] = '\0';
}

void config_defaults(config_t *c)
{
    memset(c, 0, sizeof *c); /* padding included: the CRC covers raw bytes */
    c->magic = CONFIG_MAGIC;
    c->layout = CONFIG_LAYOUT;
    c->interval_s = 60;
    c->audio_gain = 1.0f;
    c->event_threshold = 0.5f;
    c->spike_threshold = 2.0f;
    c->mqtt_port = 1883;
    mac_node_id(c->node_id);
    str_copy(c->wifi_ssid, sizeof c->wifi_ssid, "hive-lab");
    str_copy(c->mqtt_host, sizeof c->mqtt_host, "broker.local");
}

bool config_record_valid(const config_t *c)
{
    return c->magic == CONFIG_MAGIC && c->layout == CONFIG_LAYOUT && c->crc == record_crc(c);
}

static void save(void)
{
    current.crc = record_crc(&current);
    hal_persist_save(&current, sizeof current);
}

config_boot_t config_boot(void)
{
    config_boot_t result = CONFIG_BOOT_LOADED;
    if (!hal_persist_load(&current, sizeof current)) {
        config_defaults(&current);
        result = CONFIG_BOOT_FRESH;
    } else if (!config_record_valid(&current)) {
        config_defaults(&current);
        result = CONFIG_BOOT_BAD_CRC;
    }
    current.boot_count++;
    save();
    return result;
}

const config_t *config_get(void)
{
    return &current;
}

size_t config_key_count(void)
{
    return KEY_COUNT;
}

const char *config_key_name(size_t index)
{
    return index < KEY_COUNT ? keys[index].name : NULL;
}

static const key_def_t *find_key(const char *name)
{
    for (size_t i = 0; i < KEY_COUNT; i++) {
        if (str_eq(keys[i].name, name)) {
            return &keys[i];
        }
    }
    return NULL;
}

bool config_format(const config_t *c, const char *key, sb_t *out)
{
    const key_def_t *k = find_key(key);
    if (k == NULL) {
        return false;
    }
    const uint8_t *base = (const uint8_t *)c + k->offset;
    sb_puts(out, k->name);
    sb_putc(out, '=');
    switch (k->kind) {
    case KEY_U32: {
        uint32_t v;
        memcpy(&v, base, sizeof v);
        sb_u64(out, v);
        break;
    }
    case KEY_FLOAT: {
        float v;
        memcpy(&v, base, sizeof v);
        sb_float_short(out, v);
        break;
    }
    case KEY_TEXT:
    case KEY_NODE_ID:
        sb_puts(out, (const char *)base);
        break;
    }
    return true;
}

static bool text_acceptable(const char *value)
{
    /* The text goes into quoted AT command arguments, where these need escaping. */
    for (const char *p = value; *p; p++) {
        unsigned char c = (unsigned char)*p;
        if (c < 0x20 || c > 0x7E || c == '"' || c == '\\' || c == ',') {
            return false;
        }
    }
    return true;
}

static bool node_id_acceptable(const char *value)
{
    if (str_len(value) != 12) {
        return false;
    }
    for (const char *p = value; *p; p++) {
        if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f'))) {
            return false;
        }
    }
    return true;
}

bool config_apply(config_t *c, const char *key, const char *value, sb_t *err)
{
    const key_def_t *k = find_key(key);
    if (k == NULL) {
        sb_puts(err, "unknown key '");
        sb_puts(err, key);
        sb_puts(err, "'");
        return false;
    }
    uint8_t *base = (uint8_t *)c + k->offset;
    bool ok = false;
    switch (k->kind) {
    case KEY_U32: {
        uint32_t v;
        ok = parse_u32(value, &v) && (float)v >= k->lo && (float)v <= k->hi;
        if (ok) {
            memcpy(base, &v, sizeof v);
        }
        break;
    }
    case KEY_FLOAT: {
        float v;
        ok = parse_float(value, &v) && v >= k->lo && v <= k->hi;
        if (ok) {
            memcpy(base, &v, sizeof v);
        }
        break;
    }
    case KEY_TEXT: {
        size_t n = str_len(value);
        ok = n >= k->text_min && n < k->text_cap && text_acceptable(value);
        if (ok) {
            memset(base, 0, k->text_cap);
            memcpy(base, value, n);
        }
        break;
    }
    case KEY_NODE_ID:
        ok = node_id_acceptable(value);
        if (ok) {
            memset(base, 0, k->text_cap);
            memcpy(base, value, 12);
        }
        break;
    }
    if (!ok) {
        sb_puts(err, "invalid value for ");
        sb_puts(err, k->name);
        sb_puts(err, ": '");
        sb_puts(err, value);
        sb_puts(err, "' (");
        sb_puts(err, k->range);
        if (k->kind == KEY_TEXT) {
            sb_puts(err, ", printable, no '\"' '\\' ','");
        }
        sb_puts(err, ")");
    }
    return ok;
}

void config_commit(const config_t *c)
{
    if (c != &current) {
        memcpy(&current, c, sizeof current);
    }
    save();
}

void config_reset(void)
{
    uint32_t boot = current.boot_count;
    config_defaults(&current);
    current.boot_count = boot;
    save();
}
