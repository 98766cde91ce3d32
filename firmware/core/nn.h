/* The bee-event network: dense 20 -> 64 -> 32 -> 2, ReLU, softmax (core/model_weights.h). */
#ifndef NN_H
#define NN_H

#include <stdint.h>

#include "dsp.h"

#define NN_INPUTS 20

typedef struct {
    float p_event;
    float p_normal;
    uint32_t features_hash; /* FNV-1a 32 over the 20 inputs as little-endian float32 */
} nn_result_t;

/* inputs: temperature_c, humidity_pct, hour, spike_ratio, bins 4..19 (before normalisation) */
void nn_features(float out[NN_INPUTS], float temperature_c, float humidity_pct, float hour,
                 const dsp_features_t *audio);
void nn_run(const float in[NN_INPUTS], nn_result_t *out);
const char *nn_model_name(void);
uint32_t nn_model_version(void); /* MODEL_VERSION: bumped by every `hil train` that ships */
uint32_t nn_float_bits(float v);
/* exp(x) with + - * / only, so host and ARM agree bit for bit. */
float nn_expf(float x);

#endif
