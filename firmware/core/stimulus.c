#include "stimulus.h"

#include "crc.h"

typedef enum { S_SYNC1, S_SYNC2, S_TYPE, S_LEN_LO, S_LEN_HI, S_PAYLOAD, S_CRC_LO, S_CRC_HI } stim_state_t;

static struct {
    stim_handlers_t handlers;
    stim_state_t state;
    bool in_garbage; /* a run of garbage is counted once */
    uint8_t type;
    uint16_t len, got, crc_rx;
    uint32_t frames, bad;
    uint8_t payload[STIM_MAX_PAYLOAD];
    int16_t samples[STIM_AUDIO_MAX_SAMPLES];
} st;

void stim_init(const stim_handlers_t *handlers)
{
    st.handlers = *handlers;
    st.state = S_SYNC1;
    st.in_garbage = false;
    st.frames = 0;
    st.bad = 0;
}

uint32_t stim_frames(void)
{
    return st.frames;
}

uint32_t stim_bad(void)
{
    return st.bad;
}

static void garbage(void)
{
    if (!st.in_garbage) {
        st.bad++;
        st.in_garbage = true;
    }
}

static void reject_frame(void)
{
    st.bad++;
    /* What follows a broken frame up to the next sync is the same fault: count it once. */
    st.in_garbage = true;
    st.state = S_SYNC1;
}

static bool length_ok(uint8_t type, uint16_t len)
{
    if (type == STIM_TYPE_SENSOR) {
        return len == STIM_SENSOR_LEN;
    }
    if (type == STIM_TYPE_STAGED) {
        return len == 0;
    }
    return len >= 2 && (len - 2) % 2 == 0 && (len - 2) / 2 <= STIM_AUDIO_MAX_SAMPLES;
}

static void deliver(void)
{
    const uint8_t *p = st.payload;
    if (st.type == STIM_TYPE_SENSOR) {
        stim_sensor_t r;
        r.temp_centi_c = (int16_t)(uint16_t)(p[0] | (p[1] << 8));
        r.humidity_centi_pct = (uint16_t)(p[2] | (p[3] << 8));
        r.battery_mv = (uint16_t)(p[4] | (p[5] << 8));
        r.rssi_dbm = (int8_t)p[6];
        r.hour = p[7];
        r.flags = p[8];
        if (st.handlers.on_sensor) {
            st.handlers.on_sensor(&r);
        }
    } else if (st.type == STIM_TYPE_STAGED) {
        if (st.handlers.on_staged) {
            st.handlers.on_staged();
        }
    } else {
        size_t n = (size_t)(st.len - 2) / 2;
        for (size_t i = 0; i < n; i++) {
            st.samples[i] = (int16_t)(uint16_t)(p[2 + 2 * i] | (p[3 + 2 * i] << 8));
        }
        if (st.handlers.on_audio) {
            st.handlers.on_audio(p[0], st.samples, n);
        }
    }
}

static void feed_byte(uint8_t b)
{
    switch (st.state) {
    case S_SYNC1:
        if (b == 0xA5) {
            st.state = S_SYNC2;
        } else {
            garbage();
        }
        break;
    case S_SYNC2:
        if (b == 0x5A) {
            st.state = S_TYPE;
            st.in_garbage = false;
        } else if (b != 0xA5) { /* A5 A5 5A still syncs */
            garbage();
            st.state = S_SYNC1;
        } else {
            garbage();
        }
        break;
    case S_TYPE:
        st.type = b;
        if (b != STIM_TYPE_SENSOR && b != STIM_TYPE_AUDIO && b != STIM_TYPE_STAGED) {
            reject_frame();
        } else {
            st.state = S_LEN_LO;
        }
        break;
    case S_LEN_LO:
        st.len = b;
        st.state = S_LEN_HI;
        break;
    case S_LEN_HI:
        st.len = (uint16_t)(st.len | (b << 8));
        st.got = 0;
        if (st.len > STIM_MAX_PAYLOAD || !length_ok(st.type, st.len)) {
            reject_frame();
        } else {
            st.state = st.len ? S_PAYLOAD : S_CRC_LO;
        }
        break;
    case S_PAYLOAD:
        st.payload[st.got++] = b;
        if (st.got == st.len) {
            st.state = S_CRC_LO;
        }
        break;
    case S_CRC_LO:
        st.crc_rx = b;
        st.state = S_CRC_HI;
        break;
    case S_CRC_HI: {
        st.crc_rx = (uint16_t)(st.crc_rx | (b << 8));
        uint8_t header[3] = {st.type, (uint8_t)(st.len & 0xFF), (uint8_t)(st.len >> 8)};
        uint16_t crc = crc16_ccitt_update(0xFFFFu, header, 3);
        crc = crc16_ccitt_update(crc, st.payload, st.len);
        if (crc != st.crc_rx) {
            reject_frame();
        } else {
            st.frames++;
            st.state = S_SYNC1;
            deliver();
        }
        break;
    }
    }
}

void stim_feed(const uint8_t *data, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        feed_byte(data[i]);
    }
}
