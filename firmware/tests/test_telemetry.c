#include "check.h"
#include "telemetry.h"

static telemetry_t sample(void)
{
    telemetry_t t;
    memset(&t, 0, sizeof t);
    t.node_id = "a1b2c3d4e5f6";
    t.fw = "2.1.0";
    t.boot = 7;
    t.seq = 42;
    t.uptime_ms = 215000;
    t.temp_centi_c = 2350;
    t.humidity_centi_pct = 6120;
    t.battery_mv = 3712;
    t.rssi_dbm = -61;
    t.error_flags = 0;
    return t;
}

static const char *encode(int version, const telemetry_t *t)
{
    static char buf[1024];
    sb_t sb;
    sb_init(&sb, buf, sizeof buf);
    telemetry_encode(&sb, version, t);
    return buf;
}

static const char *fixed(float v, int decimals)
{
    static char buf[64];
    sb_t sb;
    sb_init(&sb, buf, sizeof buf);
    sb_fixed(&sb, v, decimals);
    return buf;
}

int main(void)
{
    telemetry_t t = sample();
    CHECK_STR(encode(1, &t), "{\"node_id\":\"a1b2c3d4e5f6\",\"temp\":23.50,\"humidity\":61.20}");
    CHECK_STR(encode(2, &t),
              "{\"v\":2,\"node_id\":\"a1b2c3d4e5f6\",\"fw\":\"2.1.0\",\"boot\":7,\"seq\":42,\"uptime_ms\":215000,"
              "\"temperature_c\":23.50,\"humidity_pct\":61.20,\"battery_mv\":3712,\"rssi_dbm\":-61,\"error_flags\":0}");
    /* v3 before any capture: the v2 fields only */
    CHECK_STR(encode(3, &t),
              "{\"v\":3,\"node_id\":\"a1b2c3d4e5f6\",\"fw\":\"2.1.0\",\"boot\":7,\"seq\":42,\"uptime_ms\":215000,"
              "\"temperature_c\":23.50,\"humidity_pct\":61.20,\"battery_mv\":3712,\"rssi_dbm\":-61,\"error_flags\":0}");
    t.has_audio = true;
    t.rms = 0.021f;
    t.spike_ratio = 1.8f;
    for (int i = 0; i < AUDIO_BINS; i++) {
        t.bins[i] = (float)i * 0.125f;
    }
    t.model = "bee-mlp-3";
    t.model_version = 2;
    t.label = "normal";
    t.p_event = 0.07f;
    t.temp_centi_c = -5;
    t.error_flags = 1;
    CHECK_STR(encode(3, &t),
              "{\"v\":3,\"node_id\":\"a1b2c3d4e5f6\",\"fw\":\"2.1.0\",\"boot\":7,\"seq\":42,\"uptime_ms\":215000,"
              "\"temperature_c\":-0.05,\"humidity_pct\":61.20,\"battery_mv\":3712,\"rssi_dbm\":-61,\"error_flags\":1,"
              "\"audio\":{\"rms\":0.021000,\"spike_ratio\":1.800000,\"bins\":[0.000000,0.125000,0.250000,0.375000,"
              "0.500000,0.625000,0.750000,0.875000,1.000000,1.125000,1.250000,1.375000,1.500000,1.625000,1.750000,"
              "1.875000]},\"inference\":{\"model\":\"bee-mlp-3\",\"model_version\":2,\"label\":\"normal\",\"p_event\":0.070000}}");
    CHECK_STR(encode(1, &t), "{\"node_id\":\"a1b2c3d4e5f6\",\"temp\":-0.05,\"humidity\":61.20}");

    /* fixed-decimal formatting */
    CHECK_STR(fixed(0.0f, 6), "0.000000");
    CHECK_STR(fixed(-1.5f, 2), "-1.50");
    CHECK_STR(fixed(0.9999996f, 6), "1.000000");
    CHECK_STR(fixed(-0.0000001f, 6), "0.000000");
    CHECK_STR(fixed(123456.5f, 0), "123457");
    CHECK_STR(fixed(2.0f / 3.0f, 6), "0.666667");
    char buf[32];
    sb_t sb;
    sb_init(&sb, buf, sizeof buf);
    sb_float_short(&sb, 1.0f);
    sb_putc(&sb, ' ');
    sb_float_short(&sb, 0.375f);
    sb_putc(&sb, ' ');
    sb_float_short(&sb, 0.01f);
    CHECK_STR(buf, "1.0 0.375 0.01");
    /* the builder never overruns */
    sb_init(&sb, buf, 8);
    sb_puts(&sb, "0123456789");
    CHECK(sb.overflow);
    CHECK_STR(buf, "0123456");
    float f;
    CHECK(parse_float("0.01", &f) && f == 0.01f);
    CHECK(parse_float("-2.5", &f) && f == -2.5f);
    CHECK(!parse_float("1e3", &f));
    CHECK(!parse_float("1.", &f));
    CHECK(!parse_float("", &f));
    uint32_t u;
    CHECK(parse_u32("86400", &u) && u == 86400);
    CHECK(!parse_u32("4294967296", &u));
    CHECK(!parse_u32("12a", &u));
    return check_report("telemetry");
}
