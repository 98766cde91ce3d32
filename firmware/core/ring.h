/* Offline buffer of MQTT messages: every publish waits here until the modem confirms it. */
#ifndef RING_H
#define RING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RING_CAPACITY 16
#define RING_MSG_MAX 640

typedef enum { TOPIC_TELEMETRY, TOPIC_EVENTS, TOPIC_ACKS, TOPIC_LOGS, TOPIC_STATUS } topic_t;

typedef struct {
    uint32_t id; /* increases per pushed message; tells an in-flight message apart */
    uint8_t topic;
    uint16_t len;
    char data[RING_MSG_MAX];
} ring_msg_t;

void ring_init(void);
/* Queues a copy (truncated to RING_MSG_MAX); when full, the oldest is dropped and counted. */
void ring_push(topic_t topic, const char *data, size_t len);
const ring_msg_t *ring_front(void); /* NULL when empty */
void ring_pop_id(uint32_t id);      /* pops the front only if it is still message id */
size_t ring_count(void);
size_t ring_count_topic(topic_t topic);
uint32_t ring_dropped(void);
const char *topic_suffix(topic_t topic);

#endif
