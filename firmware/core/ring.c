#include "ring.h"

#include <string.h>

static ring_msg_t slots[RING_CAPACITY];
static size_t head, count;
static uint32_t next_id = 1, dropped;

void ring_init(void)
{
    head = 0;
    count = 0;
    dropped = 0;
}

void ring_push(topic_t topic, const char *data, size_t len)
{
    if (count == RING_CAPACITY) {
        head = (head + 1) % RING_CAPACITY;
        count--;
        dropped++;
    }
    ring_msg_t *m = &slots[(head + count) % RING_CAPACITY];
    if (len > RING_MSG_MAX) {
        len = RING_MSG_MAX;
    }
    m->id = next_id++;
    m->topic = (uint8_t)topic;
    m->len = (uint16_t)len;
    memcpy(m->data, data, len);
    count++;
}

const ring_msg_t *ring_front(void)
{
    return count ? &slots[head] : NULL;
}

void ring_pop_id(uint32_t id)
{
    if (count && slots[head].id == id) {
        head = (head + 1) % RING_CAPACITY;
        count--;
    }
}

size_t ring_count(void)
{
    return count;
}

size_t ring_count_topic(topic_t topic)
{
    size_t n = 0;
    for (size_t i = 0; i < count; i++) {
        n += slots[(head + i) % RING_CAPACITY].topic == (uint8_t)topic;
    }
    return n;
}

uint32_t ring_dropped(void)
{
    return dropped;
}

const char *topic_suffix(topic_t topic)
{
    switch (topic) {
    case TOPIC_TELEMETRY: return "telemetry";
    case TOPIC_EVENTS: return "events";
    case TOPIC_ACKS: return "acks";
    case TOPIC_LOGS: return "logs";
    case TOPIC_STATUS: return "status";
    }
    return "logs";
}
