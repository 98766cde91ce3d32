/* The node: boot, the superloop, and the state the console and commands act on. */
#ifndef APP_H
#define APP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dsp.h"
#include "nn.h"
#include "stimulus.h"

typedef struct {
    stim_sensor_t sensor;
    bool has_sensor;
    uint32_t seq;
    uint32_t audio_blocks;
    uint32_t captures; /* since boot; with the boot counter it identifies an inference event */
    uint32_t commands;
    uint8_t flap;
    uint32_t flap_moves; /* set_flap commands run (a repeated delivery is answered, not run) */
    bool has_capture;
    dsp_features_t audio;
    bool has_inference;
    nn_result_t inference;
} node_t;

#define ERROR_FLAG_NO_SENSOR 0x1u /* no sensor frame received since boot */

void app_main(void) __attribute__((noreturn));
void app_init(void); /* everything after hal_init; split out for tests */
void app_poll(void);
uint64_t app_next_deadline(void);

const node_t *app_node(void);
/* Builds telemetry for the build's protocol version, queues it, copies the JSON to out. */
void app_sample(char *out, size_t cap);
/* Runs the network on the current sensor reading and last capture. */
void app_infer(nn_result_t *out);
/* "event" only when p_event reaches the threshold and the last capture's spike ratio is trusted
 * (enough history since boot); otherwise "normal". */
const char *app_label(const nn_result_t *r);
void app_set_flap(uint8_t position);
void app_config_changed(void);
/* Reboots once no ack is waiting in the offline buffer, or after a grace period. */
void app_request_reboot(void);
/* A "[area] ..." line: printed on the console and, when MQTT is up, published to logs. */
void app_log(const char *line);

#endif
