/* The whole core through its channels: console commands, stimulus, MQTT commands and acks. */
#include "app.h"
#include "audio_stage.h"
#include "check.h"
#include "config.h"
#include "esp_at.h"
#include "fake_hal.h"
#include "ring.h"
#include "stim_frames.h"

static void pump(void)
{
    for (int i = 0; i < 20; i++) {
        app_poll();
    }
}

static const char *console(const char *line)
{
    fake_tx_clear(HAL_CH_CONSOLE);
    fake_rx_str(HAL_CH_CONSOLE, line);
    pump();
    return fake_tx(HAL_CH_CONSOLE);
}

static void modem(const char *text)
{
    fake_rx_str(HAL_CH_LINK, text);
    pump();
}

int main(void)
{
    fake_reset();
    fake_persist_clear();
    app_init();
    CHECK_STR(fake_tx(HAL_CH_CONSOLE), "\r\nhive-node ready fw=" FW_VERSION " protocol=3 board=fake boot=1 node=020000000001\r\n> ");

    CHECK_STR(console("uptime\r\n"), "uptime_ms=0\r\n> ");
    CHECK_STR(console("version\n"), "fw=" FW_VERSION " protocol=3 board=fake build=" BUILD_ID "\r\n> ");
    CHECK_STR(console("foo bar\r"), "ERR unknown command 'foo' (try help)\r\n> ");
    CHECK_STR(console("\r\n"), "> ");
    CHECK_STR(console("flap 40\r\n"), "flap=40\r\n> ");
    CHECK_STR(console("flap\r\n"), "flap=40\r\n> ");
    CHECK_STR(console("flap 101\r\n"), "ERR invalid flap position '101' (0..100)\r\n> ");
    CHECK_STR(console("config set interval_s abc\r\n"), "ERR invalid value for interval_s: 'abc' (1..86400)\r\n> ");
    CHECK_STR(console("config set interval_s\r\n"), "ERR usage: config set KEY VALUE\r\n> ");
    CHECK_STR(console("config set wifi_ssid my lab\r\n"), "OK\r\n> ");
    CHECK_STR(console("config get wifi_ssid\r\n"), "wifi_ssid=my lab\r\n> ");
    CHECK_STR(console("config get nope\r\n"), "ERR unknown key 'nope'\r\n> ");
    CHECK_STR(console("config reset\r\n"), "OK\r\n> ");
    CHECK_STR(console("config get wifi_ssid\r\n"), "wifi_ssid=hive-lab\r\n> ");
    const char *all = console("config get\r\n");
    CHECK_CONTAINS(all, "node_id=020000000001\r\ninterval_s=60\r\naudio_gain=1.0\r\n");
    CHECK_CONTAINS(all, "mqtt_pass=\r\n> ");
    const char *help = console("help\r\n");
    CHECK_CONTAINS(help, "help - ");
    CHECK_CONTAINS(help, "reboot - ");

    char longline[300];
    memset(longline, 'x', 299);
    longline[298] = '\n';
    longline[299] = '\0';
    CHECK_STR(console(longline), "ERR line too long\r\n> ");
    CHECK_STR(console("uptime\n"), "uptime_ms=0\r\n> "); /* and the console is fine after it */

    /* the modem is silent: after the AT timeout the console still answers */
    fake_advance(5000);
    const char *out = console("uptime\r\n");
    CHECK_STR(out, "uptime_ms=5000\r\n> \r\n[net] link down: AT timeout, retry in 1s\r\n> ");
    out = console("status\r\n");
    CHECK_CONTAINS(out, "uptime_ms=5000\r\nboot=1\r\nnode=020000000001\r\nlink=down\r\nstack_size=4096\r\n"
                        "stack_peak=1234\r\nheap_size=0\r\nheap_peak=0\r\ntx_ok=0\r\ntx_failed=0\r\nbuffered=0\r\n"
                        "buffer_capacity=16\r\ndropped=0\r\nreconnects=1\r\nstim_frames=0\r\nstim_bad=0\r\n"
                        "audio_blocks=0\r\ncommands=0\r\nflap=40\r\nflap_moves=1\r\n> ");
    /* an asynchronous line while the prompt is shown ends the prompt's line first */
    fake_tx_clear(HAL_CH_CONSOLE);
    fake_advance(1000);
    pump(); /* AT again */
    fake_advance(5000);
    pump();
    CHECK_STR(fake_tx(HAL_CH_CONSOLE), "\r\n[net] link down: AT timeout, retry in 2s\r\n> ");

    /* sensor frame with "publish now" queues telemetry */
    uint8_t f[1100];
    size_t n = stim_sensor_frame(f, 3450, 6120, 3712, -61, 14, 1);
    fake_rx(HAL_CH_STIMULUS, f, n);
    pump();
    CHECK(ring_count() == 1);
    CHECK_CONTAINS(ring_front()->data, "\"seq\":1,\"uptime_ms\":11000,\"temperature_c\":34.50,\"humidity_pct\":61.20,"
                                       "\"battery_mv\":3712,\"rssi_dbm\":-61,\"error_flags\":0}");
    out = console("sample\r\n");
    CHECK_CONTAINS(out, "{\"v\":3,\"node_id\":\"020000000001\",\"fw\":\"" FW_VERSION "\",\"boot\":1,\"seq\":2,");
    CHECK(ring_count() == 2);

    /* an audio capture of 3 blocks: features, inference, an event; telemetry gains audio */
    int16_t samples[510];
    for (int b = 0; b < 3; b++) {
        for (int i = 0; i < 510; i++) {
            samples[i] = (int16_t)((i % 64) * 200 - 6400);
        }
        n = stim_audio_frame(f, (uint8_t)(b == 0 ? 1 : b == 2 ? 2 : 0), samples, 510);
        fake_rx(HAL_CH_STIMULUS, f, n);
    }
    fake_tx_clear(HAL_CH_CONSOLE);
    pump();
    CHECK_CONTAINS(fake_tx(HAL_CH_CONSOLE), "[audio] capture frames=2 rms=");
    /* the first capture after a boot has no history: whatever the network says, no event */
    CHECK_CONTAINS(fake_tx(HAL_CH_CONSOLE), " spike_ratio=1.000000 trusted=0 label=normal ");
    CHECK(app_node()->audio_blocks == 3);
    CHECK(ring_count() == 3); /* + the event */
    out = console("sample\r\n");
    CHECK_CONTAINS(out, "\"audio\":{\"rms\":");
    CHECK_CONTAINS(out, "\"inference\":{\"model\":\"bee-mlp-3\",\"model_version\":");
    out = console("infer\r\n");
    CHECK_CONTAINS(out, " frames=2 rms=");
    CHECK_CONTAINS(out, " p_bits=0x");
    CHECK_CONTAINS(out, " features=0x");

    char framed_infer[256];
    snprintf(framed_infer, sizeof framed_infer, "%s", out);

    /* connect, then an MQTT command is executed and acknowledged on devices/<id>/acks */
    fake_advance(2000);
    pump();
    const char *replies[] = {"OK", "OK", "OK", "OK", "WIFI CONNECTED\r\nWIFI GOT IP\r\nOK", "OK", "OK",
                             "+MQTTCONNECTED:0,1,\"broker.local\",\"1883\",\"\",1\r\nOK", "OK", "OK"};
    for (size_t i = 0; i < sizeof replies / sizeof replies[0]; i++) {
        char r[128];
        snprintf(r, sizeof r, "%s\r\n", replies[i]);
        modem(r);
    }
    CHECK_STR(esp_link_name(), "mqtt");
    /* replay: the four buffered messages go out in order, one exchange at a time */
    CHECK(ring_count() == 4);
    for (int i = 0; i < 4; i++) {
        fake_tx_clear(HAL_CH_LINK);
        modem("OK\r\n\r\n>");
        modem("+MQTTPUB:OK\r\n");
    }
    CHECK(esp_stats()->tx_ok == 4);
    CHECK(ring_count() == 0);

    fake_tx_clear(HAL_CH_LINK);
    const char *cmd = "{\"id\":\"c1\",\"type\":\"set_flap\",\"params\":{\"position\":70}}";
    char urc[300];
    snprintf(urc, sizeof urc, "+MQTTSUBRECV:0,\"devices/020000000001/commands\",%zu,%s\r\n", strlen(cmd), cmd);
    modem(urc);
    CHECK(app_node()->flap == 70);
    CHECK(app_node()->commands == 1);
    const char *ack = "{\"id\":\"c1\",\"status\":\"done\",\"detail\":\"flap=70\"}";
    char want[200];
    snprintf(want, sizeof want, "AT+MQTTPUBRAW=0,\"devices/020000000001/acks\",%zu,1,0\r\n", strlen(ack));
    CHECK_STR(fake_tx(HAL_CH_LINK), want);
    fake_tx_clear(HAL_CH_LINK);
    modem("OK\r\n\r\n>");
    CHECK_STR(fake_tx(HAL_CH_LINK), ack);
    modem("+MQTTPUB:OK\r\n");
    /* the command's log line follows on devices/<id>/logs */
    fake_tx_clear(HAL_CH_LINK);
    modem("OK\r\n\r\n>");
    CHECK_STR(fake_tx(HAL_CH_LINK), "[cmd] c1 set_flap done flap=70");
    modem("+MQTTPUB:OK\r\n");

    /* the backend sends c1 again (the node came back online before its ack arrived): the flap,
     * moved by hand meanwhile, is not moved again, and the first answer goes out again */
    app_set_flap(10);
    fake_tx_clear(HAL_CH_LINK);
    unsigned moves = app_node()->flap_moves;
    modem(urc);
    CHECK(app_node()->flap == 10);
    CHECK(app_node()->commands == 2);
    CHECK(app_node()->flap_moves == moves); /* answered again, not run again */
    CHECK_STR(fake_tx(HAL_CH_LINK), want);
    fake_tx_clear(HAL_CH_LINK);
    modem("OK\r\n\r\n>");
    CHECK_STR(fake_tx(HAL_CH_LINK), ack);
    modem("+MQTTPUB:OK\r\n");
    fake_tx_clear(HAL_CH_LINK);
    modem("OK\r\n\r\n>");
    CHECK_STR(fake_tx(HAL_CH_LINK), "[cmd] c1 set_flap repeated, answered again: done flap=70");
    modem("+MQTTPUB:OK\r\n");

    struct {
        const char *cmd, *ack;
    } cases[] = {
        {"{\"id\":\"c2\",\"type\":\"set_config\",\"params\":{\"interval_s\":30,\"wifi_ssid\":\"barn\"}}",
         "{\"id\":\"c2\",\"status\":\"done\",\"detail\":\"interval_s=30 wifi_ssid=barn\"}"},
        {"{\"id\":\"c3\",\"type\":\"set_config\",\"params\":{\"interval_s\":\"abc\"}}",
         "{\"id\":\"c3\",\"status\":\"failed\",\"detail\":\"invalid value for interval_s: 'abc' (1..86400)\"}"},
        {"{\"id\":\"c4\",\"type\":\"set_flap\",\"params\":{\"position\":140}}",
         "{\"id\":\"c4\",\"status\":\"failed\",\"detail\":\"position must be an integer 0..100\"}"},
        {"{\"id\":\"c5\",\"type\":\"dance\"}", "{\"id\":\"c5\",\"status\":\"failed\",\"detail\":\"unknown type 'dance'\"}"},
        {"{\"id\":\"c6\",\"type\":", "{\"id\":\"\",\"status\":\"failed\",\"detail\":\"malformed JSON: unexpected end at 18\"}"},
        {"{\"type\":\"reboot\"}", "{\"id\":\"\",\"status\":\"failed\",\"detail\":\"missing id\"}"},
        {"{\"id\":\"c7\",\"type\":\"run_inference\"}", "{\"id\":\"c7\",\"status\":\"done\",\"detail\":\"label="},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        snprintf(urc, sizeof urc, "+MQTTSUBRECV:0,\"devices/020000000001/commands\",%zu,%s\r\n", strlen(cases[i].cmd),
                 cases[i].cmd);
        fake_tx_clear(HAL_CH_LINK);
        modem(urc);
        fake_tx_clear(HAL_CH_LINK);
        modem("OK\r\n\r\n>");
        CHECK_CONTAINS(fake_tx(HAL_CH_LINK), cases[i].ack);
        modem("+MQTTPUB:OK\r\n");
        modem("OK\r\n\r\n>"); /* its log line */
        modem("+MQTTPUB:OK\r\n");
    }
    CHECK(config_get()->interval_s == 30);
    CHECK_STR(config_get()->wifi_ssid, "barn");
    CHECK(app_node()->commands == 9);
    CHECK(ring_count() == 0);
    /* the clip staged in RAM in one block (as the GDB fast path writes it): same features */
    CHECK(hil_audio_stage.magic == AUDIO_STAGE_MAGIC);
    for (int i = 0; i < 3 * 510; i++) {
        hil_audio_stage.samples[i] = (int16_t)((i % 510 % 64) * 200 - 6400);
    }
    hil_audio_stage.count = 3 * 510;
    hil_audio_stage.flags = STIM_AUDIO_FIRST | STIM_AUDIO_LAST;
    hil_audio_stage.posted = 7;
    fake_tx_clear(HAL_CH_CONSOLE);
    pump();
    CHECK_CONTAINS(fake_tx(HAL_CH_CONSOLE), "[audio] capture frames=2 rms=");
    CHECK(hil_audio_stage.consumed == 7);
    CHECK(app_node()->audio_blocks == 4);
    CHECK_STR(console("infer\r\n"), framed_infer);
    hil_audio_stage.count = AUDIO_STAGE_SAMPLES + 1; /* a broken block is consumed, not fed */
    hil_audio_stage.posted = 8;
    pump();
    CHECK(hil_audio_stage.consumed == 8);
    CHECK(app_node()->audio_blocks == 4);
    return check_report("app");
}
