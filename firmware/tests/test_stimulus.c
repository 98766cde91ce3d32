#include "check.h"
#include "stim_frames.h"
#include "stimulus.h"

static int sensor_calls, audio_calls, staged_calls;
static stim_sensor_t last_sensor;
static uint8_t last_audio_flags;
static int16_t last_samples[510];
static size_t last_count;

static void on_sensor(const stim_sensor_t *r)
{
    sensor_calls++;
    last_sensor = *r;
}

static void on_audio(uint8_t flags, const int16_t *s, size_t n)
{
    audio_calls++;
    last_audio_flags = flags;
    memcpy(last_samples, s, n * sizeof *s);
    last_count = n;
}

static void on_staged(void)
{
    staged_calls++;
}

int main(void)
{
    static const stim_handlers_t h = {on_sensor, on_audio, on_staged};
    uint8_t f[1100];
    stim_init(&h);

    size_t n = stim_sensor_frame(f, -1234, 6120, 3712, -61, 14, 1);
    stim_feed(f, n);
    CHECK(stim_frames() == 1);
    CHECK(stim_bad() == 0);
    CHECK(sensor_calls == 1);
    CHECK(last_sensor.temp_centi_c == -1234);
    CHECK(last_sensor.humidity_centi_pct == 6120);
    CHECK(last_sensor.battery_mv == 3712);
    CHECK(last_sensor.rssi_dbm == -61);
    CHECK(last_sensor.hour == 14);

    CHECK(last_sensor.flags == 1);

    /* byte by byte gives the same result */
    for (size_t i = 0; i < n; i++) {
        stim_feed(&f[i], 1);
    }
    CHECK(stim_frames() == 2);

    /* bad CRC: counted, not delivered */
    f[n - 1] ^= 0x55;
    stim_feed(f, n);
    CHECK(stim_frames() == 2);
    CHECK(stim_bad() == 1);
    CHECK(sensor_calls == 2);

    /* bytes straight after a broken frame belong to the same fault: not counted again */
    n = stim_sensor_frame(f, 2350, 6100, 3700, -50, 3, 0);
    stim_feed((const uint8_t *)"tail", 4);
    stim_feed(f, n);
    CHECK(stim_bad() == 1);
    CHECK(stim_frames() == 3);

    /* a run of garbage between good frames counts once, then the parser resynchronises */
    stim_feed((const uint8_t *)"garbage \xA5 more \x5A", 16);
    stim_feed(f, n);
    CHECK(stim_bad() == 2);
    CHECK(stim_frames() == 4);
    CHECK(last_sensor.temp_centi_c == 2350);

    /* A5 A5 5A still synchronises (the lone A5 is a byte outside frames) */
    uint8_t pre = 0xA5;
    stim_feed(&pre, 1);
    stim_feed(f, n);
    CHECK(stim_frames() == 5);
    CHECK(stim_bad() == 3);

    /* unknown type and impossible lengths are rejected at once */
    uint8_t unknown[] = {0xA5, 0x5A, 0x07, 0x01, 0x00, 0x00, 0x00, 0x00};
    stim_feed(unknown, sizeof unknown);
    CHECK(stim_bad() == 4);
    uint8_t huge[] = {0xA5, 0x5A, 0x02, 0x01, 0x08};
    stim_feed(huge, sizeof huge);
    CHECK(stim_bad() == 5);
    uint8_t wrong_sensor_len[] = {0xA5, 0x5A, 0x01, 0x03, 0x00};
    stim_feed(wrong_sensor_len, sizeof wrong_sensor_len);
    CHECK(stim_bad() == 6);
    stim_feed(f, n); /* and the next good frame still parses */
    CHECK(stim_frames() == 6);

    int16_t samples[510];
    for (int i = 0; i < 510; i++) {
        samples[i] = (int16_t)(i * 64 - 16000);
    }
    n = stim_audio_frame(f, 3, samples, 510);
    stim_feed(f, n);
    CHECK(audio_calls == 1);
    CHECK(last_audio_flags == 3);
    CHECK(last_count == 510);
    CHECK(memcmp(last_samples, samples, sizeof samples) == 0);
    CHECK(stim_frames() == 7);
    stim_init(&h);
    /* "staged audio ready": an empty payload wakes the node; any payload is a bad frame */
    uint8_t none[1] = {0};
    stim_feed(f, stim_frame(f, 0x03, none, 0));
    CHECK(staged_calls == 1);
    CHECK(stim_frames() == 1);
    stim_feed(f, stim_frame(f, 0x03, none, 1));
    CHECK(staged_calls == 1);
    CHECK(stim_bad() == 1);
    return check_report("stimulus");
}
