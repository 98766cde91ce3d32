#include "check.h"
#include "config.h"
#include "esp_at.h"
#include "fake_hal.h"
#include "ring.h"

static char got_topic[128], got_data[600];
static size_t got_len;
static int messages;
static char last_log[200];

static void on_message(const char *topic, const char *data, size_t len)
{
    messages++;
    strcpy(got_topic, topic);
    memcpy(got_data, data, len);
    got_data[len] = '\0';
    got_len = len;
}

static void on_log(const char *line)
{
    strcpy(last_log, line);
}

static void modem(const char *text)
{
    fake_rx_str(HAL_CH_LINK, text);
    uint8_t buf[256];
    size_t n;
    while ((n = hal_read(HAL_CH_LINK, buf, sizeof buf)) > 0) {
        esp_feed(buf, n);
    }
    esp_poll();
}

/* The node's next line on the link must be exactly `line` (CRLF added here). */
static void expect_sent(const char *line)
{
    char want[400];
    snprintf(want, sizeof want, "%s\r\n", line);
    CHECK_STR(fake_tx(HAL_CH_LINK), want);
    fake_tx_clear(HAL_CH_LINK);
}

static void connect_fully(bool idle_after)
{
    esp_poll();
    expect_sent("AT");
    modem("AT\r\r\nOK\r\n"); /* echo before ATE0 */
    expect_sent("ATE0");
    modem("OK\r\n");
    expect_sent("AT+CWMODE=1");
    modem("OK\r\n");
    expect_sent("AT+MQTTCLEAN=0");
    modem("\r\nERROR\r\n"); /* no session to close: tolerated */
    expect_sent("AT+CWJAP=\"hive-lab\",\"\"");
    CHECK(esp_link_state() == LINK_DOWN);
    modem("WIFI DISCONNECT\r\nWIFI CONNECTED\r\nWIFI GOT IP\r\n\r\nOK\r\n");
    CHECK(esp_link_state() == LINK_WIFI);
    expect_sent("AT+MQTTUSERCFG=0,1,\"020000000001\",\"\",\"\",0,0,\"\"");
    modem("OK\r\n");
    expect_sent("AT+MQTTCONNCFG=0,60,0,\"devices/020000000001/status\",\"offline\",1,1");
    modem("OK\r\n");
    expect_sent("AT+MQTTCONN=0,\"broker.local\",1883,1");
    modem("+MQTTCONNECTED:0,1,\"broker.local\",\"1883\",\"\",1\r\nOK\r\n");
    CHECK(esp_link_state() == LINK_MQTT);
    expect_sent("AT+MQTTSUB=0,\"devices/020000000001/commands\",1");
    modem("OK\r\n");
    expect_sent("AT+MQTTPUB=0,\"devices/020000000001/status\",\"online\",1,1");
    modem("OK\r\n");
    if (idle_after) {
        CHECK_STR(fake_tx(HAL_CH_LINK), "");
        CHECK(esp_next_deadline() == UINT64_MAX);
    }
}

int main(void)
{
    static const esp_handlers_t h = {on_message, on_log};
    fake_reset();
    fake_persist_clear();
    config_boot();
    ring_init();
    esp_init(&h);
    connect_fully(true);
    CHECK(esp_stats()->reconnects == 0);

    /* publish with the '>' prompt */
    ring_push(TOPIC_TELEMETRY, "{\"a\":1}", 7);
    esp_poll();
    expect_sent("AT+MQTTPUBRAW=0,\"devices/020000000001/telemetry\",7,1,0");
    modem("OK\r\n\r\n>");
    CHECK_STR(fake_tx(HAL_CH_LINK), "{\"a\":1}");
    fake_tx_clear(HAL_CH_LINK);
    CHECK(ring_count() == 1); /* until confirmed */
    modem("\r\n+MQTTPUB:OK\r\n");
    CHECK(ring_count() == 0);
    CHECK(esp_stats()->tx_ok == 1);

    /* a command arrives; the payload may hold commas, quotes and even CRLF */
    const char *cmd = "{\"id\":\"c1\",\"type\":\"x\",\r\n\"params\":{}}";
    char urc[256];
    snprintf(urc, sizeof urc, "+MQTTSUBRECV:0,\"devices/020000000001/commands\",%zu,%s\r\n", strlen(cmd), cmd);
    modem(urc);
    CHECK(messages == 1);
    CHECK_STR(got_topic, "devices/020000000001/commands");
    CHECK_STR(got_data, cmd);
    CHECK(esp_stats()->garbage_lines == 0);

    /* garbage from the modem is counted and ignored */
    modem("\x01\x02zz\xff\r\nnonsense line\r\n");
    CHECK(esp_stats()->garbage_lines == 2);
    CHECK(esp_link_state() == LINK_MQTT);

    /* broker loss: reconnect after 1 s backoff; messages queue meanwhile */
    modem("+MQTTDISCONNECTED:0\r\n");
    CHECK(esp_link_state() == LINK_DOWN);
    CHECK(esp_stats()->reconnects == 1);
    CHECK_CONTAINS(last_log, "[net] link down: mqtt disconnected");
    ring_push(TOPIC_TELEMETRY, "one", 3);
    ring_push(TOPIC_EVENTS, "two", 3);
    CHECK(esp_next_deadline() == hal_millis() + 1000);
    fake_advance(999);
    esp_poll();
    CHECK_STR(fake_tx(HAL_CH_LINK), "");
    fake_advance(1);

    esp_poll();
    expect_sent("AT");

    /* silent modem: each exchange times out, backoff doubles 2 s, 4 s, ... up to 60 s */
    uint32_t expected_backoff[] = {2000, 4000, 8000, 16000, 32000, 60000, 60000};
    for (int i = 0; i < 7; i++) {
        fake_advance(4999);
        esp_poll();
        CHECK(esp_link_state() == LINK_DOWN);
        CHECK(esp_stats()->reconnects == 1u + (uint32_t)i);
        fake_advance(1);
        esp_poll();
        CHECK(esp_stats()->reconnects == 2u + (uint32_t)i);
        CHECK(esp_next_deadline() == hal_millis() + expected_backoff[i]);
        fake_advance(expected_backoff[i]);
        esp_poll();
        expect_sent("AT");
    }
    CHECK_CONTAINS(last_log, "AT timeout");

    /* ERROR restarts too */
    modem("ERROR\r\n");
    CHECK(esp_stats()->reconnects == 9);
    fake_advance(60000);
    CHECK(ring_count() == 2);
    fake_tx_clear(HAL_CH_LINK);
    /* a modem that comes back: full sequence, then the buffer replays in order */
    connect_fully(false);
    CHECK(esp_stats()->reconnects == 9);
    expect_sent("AT+MQTTPUBRAW=0,\"devices/020000000001/telemetry\",3,1,0");
    modem(">");
    CHECK_STR(fake_tx(HAL_CH_LINK), "one");
    fake_tx_clear(HAL_CH_LINK);
    modem("+MQTTPUB:OK\r\n");
    expect_sent("AT+MQTTPUBRAW=0,\"devices/020000000001/events\",3,1,0");
    modem("OK\r\n\r\n> ");
    fake_tx_clear(HAL_CH_LINK);
    modem("+MQTTPUB:FAIL\r\n"); /* kept, counted, and the link restarts */
    CHECK(esp_stats()->tx_failed == 1);
    CHECK(ring_count() == 1);
    CHECK(esp_link_state() == LINK_DOWN);

    /* the offline buffer drops the oldest when full */
    ring_init();
    for (int i = 0; i < RING_CAPACITY + 3; i++) {
        char m[8];
        snprintf(m, sizeof m, "m%d", i);
        ring_push(TOPIC_LOGS, m, strlen(m));
    }
    CHECK(ring_count() == RING_CAPACITY);
    CHECK(ring_dropped() == 3);
    CHECK(memcmp(ring_front()->data, "m3", 2) == 0);

    return check_report("esp_at");
}
