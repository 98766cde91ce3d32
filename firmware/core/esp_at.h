/* Non-blocking ESP-AT client on the link channel: every exchange is one step of a state
 * machine with a deadline, so a silent or babbling modem never stalls the node. */
#ifndef ESP_AT_H
#define ESP_AT_H

#include <stddef.h>
#include <stdint.h>

#define ESP_TIMEOUT_MS 5000u
#define ESP_CWJAP_TIMEOUT_MS 20000u
#define ESP_MQTTCONN_TIMEOUT_MS 10000u
#define ESP_BACKOFF_MIN_MS 1000u
#define ESP_BACKOFF_MAX_MS 60000u
#define ESP_SUB_PAYLOAD_MAX 512

typedef enum { LINK_DOWN, LINK_WIFI, LINK_MQTT } link_state_t;

typedef struct {
    /* +MQTTSUBRECV: a message on a subscribed topic */
    void (*on_message)(const char *topic, const char *data, size_t len);
    /* an asynchronous "[net] ..." line for the console */
    void (*log)(const char *line);
} esp_handlers_t;

typedef struct {
    uint32_t tx_ok, tx_failed, reconnects, garbage_lines, oversized;
} esp_stats_t;

void esp_init(const esp_handlers_t *handlers); /* starts connecting at once */
void esp_feed(const uint8_t *data, size_t len);
void esp_poll(void);
uint64_t esp_next_deadline(void); /* UINT64_MAX when only input can make progress */
link_state_t esp_link_state(void);
const char *esp_link_name(void);
const esp_stats_t *esp_stats(void);

#endif
