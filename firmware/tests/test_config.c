#include "check.h"
#include "config.h"
#include "fake_hal.h"

static const char *apply(config_t *c, const char *key, const char *value, bool *ok)
{
    static char err[200];
    sb_t sb;
    sb_init(&sb, err, sizeof err);
    *ok = config_apply(c, key, value, &sb);
    return err;
}

static const char *format(const char *key)
{
    static char buf[128];
    sb_t sb;
    sb_init(&sb, buf, sizeof buf);
    CHECK(config_format(config_get(), key, &sb));
    return buf;
}

int main(void)
{
    fake_reset();
    fake_persist_clear();
    CHECK(config_boot() == CONFIG_BOOT_FRESH);
    CHECK(config_get()->boot_count == 1);
    CHECK_STR(config_get()->node_id, "020000000001");
    CHECK(config_boot() == CONFIG_BOOT_LOADED);
    CHECK(config_get()->boot_count == 2);
    CHECK(config_record_valid(config_get()));

    CHECK_STR(format("interval_s"), "interval_s=60");
    CHECK_STR(format("audio_gain"), "audio_gain=1.0");
    CHECK_STR(format("event_threshold"), "event_threshold=0.5");
    CHECK_STR(format("wifi_ssid"), "wifi_ssid=hive-lab");
    CHECK_STR(format("wifi_pass"), "wifi_pass=");
    CHECK_STR(format("mqtt_port"), "mqtt_port=1883");
    CHECK(config_key_count() == 11);

    config_t c = *config_get();
    bool ok;
    CHECK_STR(apply(&c, "interval_s", "abc", &ok), "invalid value for interval_s: 'abc' (1..86400)");
    CHECK(!ok);
    CHECK_STR(apply(&c, "interval_s", "0", &ok), "invalid value for interval_s: '0' (1..86400)");
    CHECK_STR(apply(&c, "interval_s", "86401", &ok), "invalid value for interval_s: '86401' (1..86400)");
    CHECK_STR(apply(&c, "audio_gain", "0.001", &ok), "invalid value for audio_gain: '0.001' (0.01..100)");
    CHECK_STR(apply(&c, "event_threshold", "1.5", &ok), "invalid value for event_threshold: '1.5' (0..1)");
    CHECK_STR(apply(&c, "node_id", "ABCDEF012345", &ok),
              "invalid value for node_id: 'ABCDEF012345' (12 lowercase hex digits)");
    CHECK_STR(apply(&c, "mqtt_port", "65536", &ok), "invalid value for mqtt_port: '65536' (1..65535)");
    CHECK_STR(apply(&c, "wifi_ssid", "a\"b", &ok),
              "invalid value for wifi_ssid: 'a\"b' (1..32 characters, printable, no '\"' '\\' ',')");
    CHECK_STR(apply(&c, "colour", "red", &ok), "unknown key 'colour'");
    CHECK(!ok);
    CHECK_STR(apply(&c, "interval_s", "30", &ok), "");
    CHECK(ok && c.interval_s == 30);
    CHECK_STR(apply(&c, "audio_gain", "2.5", &ok), "");
    CHECK(ok && c.audio_gain == 2.5f);
    CHECK_STR(apply(&c, "wifi_pass", "", &ok), "");
    CHECK(ok);
    CHECK(config_get()->interval_s == 60); /* applying to a copy changes nothing yet */
    config_commit(&c);
    CHECK(config_boot() == CONFIG_BOOT_LOADED);
    CHECK(config_get()->interval_s == 30);
    CHECK(config_get()->boot_count == 3);

    config_reset();
    CHECK(config_get()->interval_s == 60);
    CHECK(config_get()->boot_count == 3); /* the boot counter survives a config reset */

    fake_persist_corrupt();
    CHECK(config_boot() == CONFIG_BOOT_BAD_CRC);
    CHECK(config_get()->boot_count == 1);
    CHECK(config_get()->interval_s == 60);
    return check_report("config");
}
