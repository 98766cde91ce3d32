#include "app.h"

#include <string.h>

#include "audio_stage.h"
#include "cli.h"
#include "commands.h"
#include "config.h"
#include "esp_at.h"
#include "fmt.h"
#include "hal.h"
#include "ring.h"
#include "telemetry.h"

#define REBOOT_GRACE_MS 5000u
#define READ_CHUNK 256
#define READ_ROUNDS 8 /* per channel per loop pass: no channel can starve the others */

static node_t node;
static uint64_t next_sample_at;
static bool reboot_pending;
static uint64_t reboot_at;

const node_t *app_node(void)
{
    return &node;
}

void app_log(const char *line)
{
    console_log(line);
    if (esp_link_state() == LINK_MQTT) {
        ring_push(TOPIC_LOGS, line, str_len(line));
    }
}

const char *app_label(const nn_result_t *r)
{
    bool trusted = node.has_capture && node.audio.spike_trusted;
    return trusted && r->p_event >= config_get()->event_threshold ? "event" : "normal";
}

void app_infer(nn_result_t *out)
{
    float in[NN_INPUTS];
    nn_features(in, (float)node.sensor.temp_centi_c / 100.0f, (float)node.sensor.humidity_centi_pct / 100.0f,
                (float)node.sensor.hour, node.has_capture ? &node.audio : NULL);
    nn_run(in, out);
    node.inference = *out;
    node.has_inference = true;
}

void app_sample(char *out, size_t cap)
{
    const config_t *c = config_get();
    telemetry_t t;
    memset(&t, 0, sizeof t);
    t.node_id = c->node_id;
    t.fw = FW_VERSION;
    t.boot = c->boot_count;
    t.seq = ++node.seq;
    t.uptime_ms = hal_millis();
    t.temp_centi_c = node.sensor.temp_centi_c;
    t.humidity_centi_pct = node.sensor.humidity_centi_pct;
    t.battery_mv = node.sensor.battery_mv;
    t.rssi_dbm = node.sensor.rssi_dbm;
    t.error_flags = node.has_sensor ? 0u : ERROR_FLAG_NO_SENSOR;
    t.has_audio = node.has_capture && node.has_inference;
    if (t.has_audio) {
        t.rms = node.audio.rms;
        t.spike_ratio = node.audio.spike_ratio;
        memcpy(t.bins, node.audio.bins, sizeof t.bins);
        t.model = nn_model_name();
        t.model_version = nn_model_version();
        t.label = app_label(&node.inference);
        t.p_event = node.inference.p_event;
    }
    sb_t sb;
    sb_init(&sb, out, cap);
    telemetry_encode(&sb, PROTOCOL_VERSION, &t);
#ifdef HIL_FAULT_NO_OFFLINE_BUFFER
    /* the injected fault (CMake HIL_FAULT_NO_OFFLINE_BUFFER): a reading taken offline is lost */
    if (esp_link_state() != LINK_MQTT) {
        return;
    }
#endif
    ring_push(TOPIC_TELEMETRY, out, sb.len);
}

void app_set_flap(uint8_t position)
{
    node.flap = position;
    node.flap_moves++;
}

void app_config_changed(void)
{
    next_sample_at = hal_millis() + (uint64_t)config_get()->interval_s * 1000u;
}

void app_request_reboot(void)
{
    reboot_pending = true;
    reboot_at = hal_millis() + REBOOT_GRACE_MS;
}

static void on_sensor(const stim_sensor_t *reading)
{
    node.sensor = *reading;
    node.has_sensor = true;
    if (reading->flags & STIM_SENSOR_PUBLISH_NOW) {
        char buf[RING_MSG_MAX + 1];
        app_sample(buf, sizeof buf);
    }
}

static void publish_event(void)
{
    const config_t *c = config_get();
    char buf[RING_MSG_MAX];
    sb_t sb;
    sb_init(&sb, buf, sizeof buf);
    sb_puts(&sb, "{\"node_id\":\"");
    sb_puts(&sb, c->node_id);
    sb_puts(&sb, "\",\"boot\":");
    sb_u64(&sb, c->boot_count);
    sb_puts(&sb, ",\"uptime_ms\":");
    sb_u64(&sb, hal_millis());
    sb_puts(&sb, ",\"capture\":");
    sb_u64(&sb, node.captures);
    sb_puts(&sb, ",\"model\":\"");
    sb_puts(&sb, nn_model_name());
    sb_puts(&sb, "\",\"model_version\":");
    sb_u64(&sb, nn_model_version());
    sb_puts(&sb, ",\"label\":\"");
    sb_puts(&sb, app_label(&node.inference));
    sb_puts(&sb, "\",\"p_event\":");
    sb_fixed(&sb, node.inference.p_event, 6);
    sb_puts(&sb, ",\"rms\":");
    sb_fixed(&sb, node.audio.rms, 6);
    sb_puts(&sb, ",\"spike_ratio\":");
    sb_fixed(&sb, node.audio.spike_ratio, 6);
    sb_puts(&sb, ",\"spike\":");
    sb_puts(&sb, node.audio.spike_trusted && node.audio.spike_ratio >= c->spike_threshold ? "true" : "false");
    sb_puts(&sb, ",\"spike_trusted\":");
    sb_puts(&sb, node.audio.spike_trusted ? "true" : "false");
    sb_puts(&sb, ",\"history\":");
    sb_u64(&sb, node.audio.history);
    sb_puts(&sb, ",\"frames\":");
    sb_u64(&sb, node.audio.frames);
    sb_putc(&sb, '}');
    ring_push(TOPIC_EVENTS, buf, sb.len);
}

static void on_audio(uint8_t flags, const int16_t *samples, size_t count)
{
    node.audio_blocks++;
    if ((flags & STIM_AUDIO_FIRST) || !dsp_capture_active()) {
        dsp_capture_begin(config_get()->audio_gain);
    }
    dsp_feed(samples, count);
    if (!(flags & STIM_AUDIO_LAST)) {
        return;
    }
    dsp_capture_end(&node.audio);
    node.has_capture = true;
    node.captures++;
    nn_result_t r;
    app_infer(&r);
    publish_event();
    char line[160];
    sb_t sb;
    sb_init(&sb, line, sizeof line);
    sb_puts(&sb, "[audio] capture frames=");
    sb_u64(&sb, node.audio.frames);
    sb_puts(&sb, " rms=");
    sb_fixed(&sb, node.audio.rms, 6);
    sb_puts(&sb, " spike_ratio=");
    sb_fixed(&sb, node.audio.spike_ratio, 6);
    sb_puts(&sb, " trusted=");
    sb_puts(&sb, node.audio.spike_trusted ? "1" : "0");
    sb_puts(&sb, " label=");
    sb_puts(&sb, app_label(&r));
    sb_puts(&sb, " p_event=");
    sb_fixed(&sb, r.p_event, 6);
    app_log(line);
}

static void on_staged(void)
{
    audio_stage_poll(on_audio);
}

static void on_message(const char *topic, const char *data, size_t len)
{
    char expected[64];
    sb_t sb;
    sb_init(&sb, expected, sizeof expected);
    sb_puts(&sb, "devices/");
    sb_puts(&sb, config_get()->node_id);
    sb_puts(&sb, "/commands");
    if (!str_eq(topic, expected)) {
        return;
    }
    node.commands++;
    commands_handle(data, len);
}

void app_init(void)
{
    memset(&node, 0, sizeof node);
    reboot_pending = false;
    config_boot_t boot = config_boot();
    ring_init();
    commands_forget();
    dsp_init();
    cli_init();
    static const stim_handlers_t stim = {on_sensor, on_audio, on_staged};
    stim_init(&stim);
    audio_stage_init();
    static const esp_handlers_t esp = {on_message, console_log};
    if (boot == CONFIG_BOOT_BAD_CRC) {
        console_log("[cfg] defaults restored (bad crc)");
    }
    /* A reset can cut in while a prompt is on screen: the banner must start its own line. */
    console_line("");
    char banner[160];
    sb_t sb;
    sb_init(&sb, banner, sizeof banner);
    sb_puts(&sb, "hive-node ready fw=" FW_VERSION " protocol=");
    sb_u64(&sb, PROTOCOL_VERSION);
    sb_puts(&sb, " board=");
    sb_puts(&sb, hal_board_name());
    sb_puts(&sb, " boot=");
    sb_u64(&sb, config_get()->boot_count);
    sb_puts(&sb, " node=");
    sb_puts(&sb, config_get()->node_id);
    console_line(banner);
    console_prompt();
    esp_init(&esp);
    app_config_changed();
}

static void drain(hal_channel_t ch, void (*sink)(const uint8_t *, size_t), int rounds)
{
    uint8_t buf[READ_CHUNK];
    for (int i = 0; i < rounds; i++) {
        size_t n = hal_read(ch, buf, sizeof buf);
        if (n == 0) {
            return;
        }
        sink(buf, n);
    }
}

void app_poll(void)
{
    drain(HAL_CH_CONSOLE, cli_feed, READ_ROUNDS);
    drain(HAL_CH_LINK, esp_feed, READ_ROUNDS);
    drain(HAL_CH_STIMULUS, stim_feed, READ_ROUNDS);
    /* also without a wake-up frame: a block staged while the node was busy is not left waiting */
    audio_stage_poll(on_audio);
    uint64_t now = hal_millis();
    /* before esp_poll, which would start the next publish only to cut it off */
    if (reboot_pending && (ring_count_topic(TOPIC_ACKS) == 0 || now >= reboot_at)) {
        console_log("[cmd] rebooting");
        hal_reboot();
    }
    esp_poll();
    if (now >= next_sample_at) {
        char buf[RING_MSG_MAX + 1];
        app_sample(buf, sizeof buf);
        next_sample_at = now + (uint64_t)config_get()->interval_s * 1000u;
    }
}

uint64_t app_next_deadline(void)
{
    uint64_t deadline = esp_next_deadline();
    if (next_sample_at < deadline) {
        deadline = next_sample_at;
    }
    if (reboot_pending) {
        /* the ack may leave the buffer at any publish: check again after each one */
        if (ring_count_topic(TOPIC_ACKS) == 0) {
            deadline = 0;
        } else if (reboot_at < deadline) {
            deadline = reboot_at;
        }
    }
    return deadline;
}

void app_main(void)
{
    hal_init();
    app_init();
    for (;;) {
        app_poll();
        hal_wait_event(app_next_deadline());
    }
}

/* Boards without their own main() (no command line to parse) get this one. */
__attribute__((weak)) int main(void)
{
    app_main();
}
