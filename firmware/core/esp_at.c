#include "esp_at.h"

#include <string.h>

#include "config.h"
#include "fmt.h"
#include "hal.h"
#include "ring.h"

typedef enum { ST_START, ST_BACKOFF, ST_CONNECT, ST_READY, ST_PUB_PROMPT, ST_PUB_RESULT } esp_state_t;

enum {
    STEP_AT, STEP_ATE0, STEP_CWMODE, STEP_CLEAN, STEP_CWJAP, STEP_USERCFG, STEP_CONNCFG, STEP_CONN, STEP_SUB,
    STEP_ONLINE, STEP_COUNT
};

#define SUBRECV_PREFIX "+MQTTSUBRECV:"

static struct {
    esp_handlers_t handlers;
    esp_state_t state;
    int step;
    uint64_t deadline;
    uint32_t backoff_ms;
    link_state_t link;
    esp_stats_t stats;
    char line[256];
    size_t line_len;
    bool line_overflow;
    /* +MQTTSUBRECV payload being received as raw bytes */
    uint32_t raw_remaining;
    bool raw_keep;
    char topic[128];
    char payload[ESP_SUB_PAYLOAD_MAX];
    size_t payload_len;
    /* the message being published (a copy: the ring may drop its slot meanwhile) */
    uint32_t inflight_id;
    uint16_t inflight_len;
    char inflight[RING_MSG_MAX];
} e;

static void log_net(const char *a, const char *b)
{
    char buf[160];
    sb_t sb;
    sb_init(&sb, buf, sizeof buf);
    sb_puts(&sb, "[net] ");
    sb_puts(&sb, a);
    sb_puts(&sb, b);
    if (e.handlers.log) {
        e.handlers.log(buf);
    }
}

static void send_line(const char *text, size_t len)
{
    hal_write(HAL_CH_LINK, (const uint8_t *)text, len);
    hal_write(HAL_CH_LINK, (const uint8_t *)"\r\n", 2);
}

static void topic(sb_t *sb, const char *suffix)
{
    sb_puts(sb, "devices/");
    sb_puts(sb, config_get()->node_id);
    sb_putc(sb, '/');
    sb_puts(sb, suffix);
}

static void quoted(sb_t *sb, const char *text)
{
    sb_putc(sb, '"');
    sb_puts(sb, text);
    sb_putc(sb, '"');
}

static uint32_t build_step(int step, sb_t *cmd)
{
    const config_t *c = config_get();
    switch (step) {
    case STEP_AT: sb_puts(cmd, "AT"); break;
    case STEP_ATE0: sb_puts(cmd, "ATE0"); break;
    case STEP_CWMODE: sb_puts(cmd, "AT+CWMODE=1"); break;
    /* The modem keeps its MQTT session across a reset of this MCU: close it before reconnecting. */
    case STEP_CLEAN: sb_puts(cmd, "AT+MQTTCLEAN=0"); break;
    case STEP_CWJAP:
        sb_puts(cmd, "AT+CWJAP=");
        quoted(cmd, c->wifi_ssid);
        sb_putc(cmd, ',');
        quoted(cmd, c->wifi_pass);
        return ESP_CWJAP_TIMEOUT_MS;
    case STEP_USERCFG:
        sb_puts(cmd, "AT+MQTTUSERCFG=0,1,");
        quoted(cmd, c->node_id);
        sb_putc(cmd, ',');
        quoted(cmd, c->mqtt_user);
        sb_putc(cmd, ',');
        quoted(cmd, c->mqtt_pass);
        sb_puts(cmd, ",0,0,\"\"");
        break;
    case STEP_CONNCFG:
        sb_puts(cmd, "AT+MQTTCONNCFG=0,60,0,\"");
        topic(cmd, "status");
        sb_puts(cmd, "\",\"offline\",1,1");
        break;
    case STEP_CONN:
        sb_puts(cmd, "AT+MQTTCONN=0,");
        quoted(cmd, c->mqtt_host);
        sb_putc(cmd, ',');
        sb_u64(cmd, c->mqtt_port);
        sb_puts(cmd, ",1");
        return ESP_MQTTCONN_TIMEOUT_MS;
    case STEP_SUB:
        sb_puts(cmd, "AT+MQTTSUB=0,\"");
        topic(cmd, "commands");
        sb_puts(cmd, "\",1");
        break;
    default:
        sb_puts(cmd, "AT+MQTTPUB=0,\"");
        topic(cmd, "status");
        sb_puts(cmd, "\",\"online\",1,1");
        break;
    }
    return ESP_TIMEOUT_MS;
}

static void send_step(void)
{
    char buf[320];
    sb_t cmd;
    sb_init(&cmd, buf, sizeof buf);
    uint32_t timeout = build_step(e.step, &cmd);
    send_line(buf, cmd.len);
    e.state = ST_CONNECT;
    e.deadline = hal_millis() + timeout;
}

static void fail(const char *what)
{
    char secs[32];
    sb_t sb;
    sb_init(&sb, secs, sizeof secs);
    sb_puts(&sb, ", retry in ");
    sb_u64(&sb, e.backoff_ms / 1000u);
    sb_putc(&sb, 's');
    char msg[96];
    sb_t m;
    sb_init(&m, msg, sizeof msg);
    sb_puts(&m, "link down: ");
    sb_puts(&m, what);
    sb_puts(&m, secs);
    log_net(msg, "");
    e.link = LINK_DOWN;
    e.stats.reconnects++;
    e.state = ST_BACKOFF;
    e.deadline = hal_millis() + e.backoff_ms;
    e.backoff_ms = e.backoff_ms * 2u > ESP_BACKOFF_MAX_MS ? ESP_BACKOFF_MAX_MS : e.backoff_ms * 2u;
}

static void step_ok(void)
{
    if (e.step == STEP_CWJAP) {
        e.link = LINK_WIFI;
        log_net("wifi connected", "");
    } else if (e.step == STEP_CONN) {
        e.link = LINK_MQTT;
        log_net("mqtt connected", "");
    }
    if (++e.step == STEP_COUNT) {
        e.state = ST_READY;
        e.backoff_ms = ESP_BACKOFF_MIN_MS;
    } else {
        send_step();
    }
}

static void start_publish(void)
{
    const ring_msg_t *m = ring_front();
    e.inflight_id = m->id;
    e.inflight_len = m->len;
    memcpy(e.inflight, m->data, m->len);
    char buf[200];
    sb_t cmd;
    sb_init(&cmd, buf, sizeof buf);
    sb_puts(&cmd, "AT+MQTTPUBRAW=0,\"");
    topic(&cmd, topic_suffix((topic_t)m->topic));
    sb_puts(&cmd, "\",");
    sb_u64(&cmd, m->len);
    sb_puts(&cmd, ",1,0");
    send_line(buf, cmd.len);
    e.state = ST_PUB_PROMPT;
    e.deadline = hal_millis() + ESP_TIMEOUT_MS;
}

static bool is_error_line(const char *l)
{
    return str_eq(l, "ERROR") || str_eq(l, "FAIL") || str_eq(l, "SEND FAIL");
}

static void handle_line(const char *l)
{
    while (*l == ' ') { /* some modems print "> " before the payload echo */
        l++;
    }
    bool in_exchange = e.state == ST_CONNECT || e.state == ST_PUB_PROMPT || e.state == ST_PUB_RESULT;
    if (str_eq(l, "OK")) {
        if (e.state == ST_CONNECT) {
            step_ok();
        }
        return; /* an OK after MQTTPUBRAW precedes the '>' prompt */
    }
    if (is_error_line(l)) {
        if (e.state == ST_CONNECT && e.step == STEP_CLEAN) {
            step_ok(); /* nothing to close: some firmware versions answer ERROR */
            return;
        }
        if (in_exchange) {
            fail(e.state == ST_CONNECT ? "AT error" : "publish error");
        }
        return;
    }
    if (str_eq(l, "+MQTTPUB:OK")) {
        if (e.state == ST_PUB_RESULT) {
            ring_pop_id(e.inflight_id);
            e.stats.tx_ok++;
            e.state = ST_READY;
        }
        return;
    }
    if (str_eq(l, "+MQTTPUB:FAIL")) {
        if (e.state == ST_PUB_RESULT) {
            e.stats.tx_failed++;
            fail("publish failed");
        }
        return;
    }
    if (str_eq(l, "WIFI DISCONNECT")) {
        /* a modem says this during AT+CWJAP too when it was already joined */
        bool joined = e.state == ST_READY || e.state == ST_PUB_PROMPT || e.state == ST_PUB_RESULT ||
                      (e.state == ST_CONNECT && e.step > STEP_CWJAP);
        if (joined) {
            fail("wifi disconnected");
        }
        return;
    }
    if (str_starts(l, "+MQTTDISCONNECTED:")) {
        if (e.link == LINK_MQTT && !(e.state == ST_CONNECT && e.step <= STEP_CONN)) {
            fail("mqtt disconnected");
        }
        return;
    }
    if (str_starts(l, "WIFI ") || str_starts(l, "+MQTTCONNECTED:") || str_starts(l, "AT") ||
        str_starts(l, "busy ") || str_starts(l, "+CWJAP:") || str_eq(l, "ready") || str_starts(l, "+MQTT")) {
        return; /* informational, or the echo of our own command before ATE0 */
    }
    e.stats.garbage_lines++;
}

/* "+MQTTSUBRECV:0,"topic",len," complete? Then the payload follows as len raw bytes. */
static bool subrecv_header(void)
{
    const char *s = e.line + (sizeof SUBRECV_PREFIX - 1);
    const char *end = e.line + e.line_len;
    while (s < end && *s >= '0' && *s <= '9') {
        s++;
    }
    if (s >= end || *s++ != ',' || s >= end || *s++ != '"') {
        return false;
    }
    const char *t = s;
    while (s < end && *s != '"') {
        s++;
    }
    if (s >= end) {
        return false;
    }
    size_t topic_len = (size_t)(s - t);
    s++;
    if (s >= end || *s++ != ',') {
        return false;
    }
    uint32_t len = 0;
    int digits = 0;
    while (s < end && *s >= '0' && *s <= '9' && digits < 6) {
        len = len * 10u + (uint32_t)(*s++ - '0');
        digits++;
    }
    if (digits == 0 || s + 1 != end || *s != ',') {
        return false;
    }
    if (topic_len >= sizeof e.topic) {
        topic_len = sizeof e.topic - 1;
    }
    memcpy(e.topic, t, topic_len);
    e.topic[topic_len] = '\0';
    e.raw_remaining = len;
    e.raw_keep = len <= ESP_SUB_PAYLOAD_MAX;
    e.payload_len = 0;
    if (!e.raw_keep) {
        e.stats.oversized++;
    }
    return true;
}

static void deliver_subrecv(void)
{
    if (e.raw_keep && e.handlers.on_message) {
        e.handlers.on_message(e.topic, e.payload, e.payload_len);
    }
}

static void feed_byte(uint8_t b)
{
    if (e.raw_remaining > 0) {
        if (e.raw_keep) {
            e.payload[e.payload_len++] = (char)b;
        }
        if (--e.raw_remaining == 0) {
            deliver_subrecv();
        }
        return;
    }
    if (b == '\r' || b == '\n') {
        if (e.line_len > 0 && !e.line_overflow) {
            e.line[e.line_len] = '\0';
            handle_line(e.line);
        } else if (e.line_overflow) {
            e.stats.garbage_lines++;
        }
        e.line_len = 0;
        e.line_overflow = false;
        return;
    }
    if (b == '>' && e.line_len == 0 && e.state == ST_PUB_PROMPT) {
        hal_write(HAL_CH_LINK, (const uint8_t *)e.inflight, e.inflight_len);
        e.state = ST_PUB_RESULT;
        e.deadline = hal_millis() + ESP_TIMEOUT_MS;
        return;
    }
    if (e.line_len + 1 >= sizeof e.line) {
        e.line_overflow = true;
        return;
    }
    e.line[e.line_len++] = (char)b;
    if (b == ',' && e.line_len > sizeof SUBRECV_PREFIX &&
        memcmp(e.line, SUBRECV_PREFIX, sizeof SUBRECV_PREFIX - 1) == 0 && subrecv_header()) {
        e.line_len = 0;
        if (e.raw_remaining == 0) {
            deliver_subrecv();
        }
    }
}

void esp_init(const esp_handlers_t *handlers)
{
    memset(&e, 0, sizeof e);
    e.handlers = *handlers;
    e.state = ST_START;
    e.backoff_ms = ESP_BACKOFF_MIN_MS;
    e.link = LINK_DOWN;
}

void esp_feed(const uint8_t *data, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        feed_byte(data[i]);
    }
}

void esp_poll(void)
{
    uint64_t now = hal_millis();
    switch (e.state) {
    case ST_START:
        e.step = STEP_AT;
        send_step();
        break;
    case ST_BACKOFF:
        if (now >= e.deadline) {
            e.step = STEP_AT;
            send_step();
        }
        break;
    case ST_CONNECT:
    case ST_PUB_PROMPT:
    case ST_PUB_RESULT:
        if (now >= e.deadline) {
            fail(e.state == ST_CONNECT ? "AT timeout" : "publish timeout");
        }
        break;
    case ST_READY:
        if (ring_front() != NULL) {
            start_publish();
        }
        break;
    }
}

uint64_t esp_next_deadline(void)
{
    switch (e.state) {
    case ST_START: return 0;
    case ST_READY: return ring_front() != NULL ? 0 : UINT64_MAX;
    default: return e.deadline;
    }
}

link_state_t esp_link_state(void)
{
    return e.link;
}

const char *esp_link_name(void)
{
    static const char *const names[] = {"down", "wifi", "mqtt"};
    return names[e.link];
}

const esp_stats_t *esp_stats(void)
{
    return &e.stats;
}
