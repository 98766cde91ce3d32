#include "telemetry.h"

static void key(sb_t *out, const char *name)
{
    sb_putc(out, '"');
    sb_puts(out, name);
    sb_puts(out, "\":");
}

static void key_str(sb_t *out, const char *name, const char *value)
{
    key(out, name);
    sb_json_str(out, value, str_len(value));
}

static void encode_v1(sb_t *out, const telemetry_t *t)
{
    sb_putc(out, '{');
    key_str(out, "node_id", t->node_id);
    sb_putc(out, ',');
    key(out, "temp");
    sb_centi(out, t->temp_centi_c);
    sb_putc(out, ',');
    key(out, "humidity");
    sb_centi(out, t->humidity_centi_pct);
    sb_putc(out, '}');
}

static void encode_v2_fields(sb_t *out, int version, const telemetry_t *t)
{
    key(out, "v");
    sb_u64(out, (uint64_t)version);
    sb_putc(out, ',');
    key_str(out, "node_id", t->node_id);
    sb_putc(out, ',');
    key_str(out, "fw", t->fw);
    sb_putc(out, ',');
    key(out, "boot");
    sb_u64(out, t->boot);
    sb_putc(out, ',');
    key(out, "seq");
    sb_u64(out, t->seq);
    sb_putc(out, ',');
    key(out, "uptime_ms");
    sb_u64(out, t->uptime_ms);
    sb_putc(out, ',');
    key(out, "temperature_c");
    sb_centi(out, t->temp_centi_c);
    sb_putc(out, ',');
    key(out, "humidity_pct");
    sb_centi(out, t->humidity_centi_pct);
    sb_putc(out, ',');
    key(out, "battery_mv");
    sb_u64(out, t->battery_mv);
    sb_putc(out, ',');
    key(out, "rssi_dbm");
    sb_i64(out, t->rssi_dbm);
    sb_putc(out, ',');
    key(out, "error_flags");
    sb_u64(out, t->error_flags);
}

static void encode_v3_fields(sb_t *out, const telemetry_t *t)
{
    sb_putc(out, ',');
    key(out, "audio");
    sb_putc(out, '{');
    key(out, "rms");
    sb_fixed(out, t->rms, 6);
    sb_putc(out, ',');
    key(out, "spike_ratio");
    sb_fixed(out, t->spike_ratio, 6);
    sb_putc(out, ',');
    key(out, "bins");
    sb_putc(out, '[');
    for (int i = 0; i < AUDIO_BINS; i++) {
        if (i) {
            sb_putc(out, ',');
        }
        sb_fixed(out, t->bins[i], 6);
    }
    sb_puts(out, "]},");
    key(out, "inference");
    sb_putc(out, '{');
    key_str(out, "model", t->model);
    sb_putc(out, ',');
    key(out, "model_version");
    sb_u64(out, t->model_version);
    sb_putc(out, ',');
    key_str(out, "label", t->label);
    sb_putc(out, ',');
    key(out, "p_event");
    sb_fixed(out, t->p_event, 6);
    sb_putc(out, '}');
}

void telemetry_encode(sb_t *out, int version, const telemetry_t *t)
{
    if (version <= 1) {
        encode_v1(out, t);
        return;
    }
    sb_putc(out, '{');
    encode_v2_fields(out, version, t);
    if (version >= 3 && t->has_audio) {
        encode_v3_fields(out, t);
    }
    sb_putc(out, '}');
}
