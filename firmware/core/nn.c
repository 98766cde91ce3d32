#include "nn.h"

#include <string.h>

#include "crc.h"
#include "model_weights.h"

#if MODEL_INPUTS != NN_INPUTS || MODEL_OUTPUTS != 2
#error "model_weights.h does not match the network shape nn.c implements"
#endif

uint32_t nn_float_bits(float v)
{
    uint32_t bits;
    memcpy(&bits, &v, sizeof bits);
    return bits;
}

float nn_expf(float x)
{
    if (x > 88.0f) {
        x = 88.0f;
    }
    if (x < -87.0f) {
        return 0.0f;
    }
    /* x = k*ln2 + r with |r| <= ln2/2; exp(r) by a degree-7 Taylor polynomial */
    float kf = x * 1.44269504f;
    int32_t k = (int32_t)(kf < 0.0f ? kf - 0.5f : kf + 0.5f);
    float r = x - (float)k * 0.693145751953125f; /* ln2 split: the high part is exact */
    r = r - (float)k * 1.42860677e-6f;
    float p = 1.0f + r * (1.0f + r * (0.5f + r * (1.0f / 6.0f + r * (1.0f / 24.0f +
              r * (1.0f / 120.0f + r * (1.0f / 720.0f + r * (1.0f / 5040.0f)))))));
    uint32_t bits = (uint32_t)(k + 127) << 23;
    float scale;
    memcpy(&scale, &bits, sizeof scale);
    return p * scale;
}

void nn_features(float out[NN_INPUTS], float temperature_c, float humidity_pct, float hour,
                 const dsp_features_t *audio)
{
    out[0] = temperature_c;
    out[1] = humidity_pct;
    out[2] = hour;
    out[3] = audio ? audio->spike_ratio : 1.0f;
    for (int i = 0; i < DSP_BIN_COUNT; i++) {
        out[4 + i] = audio ? audio->bins[i] : 0.0f;
    }
}

static void dense(const float *in, int n_in, const float *w, const float *b, float *out, int n_out,
                  int relu)
{
    for (int o = 0; o < n_out; o++) {
        float acc = b[o];
        for (int i = 0; i < n_in; i++) {
            acc = acc + w[o * n_in + i] * in[i];
        }
        out[o] = (relu && acc < 0.0f) ? 0.0f : acc;
    }
}

void nn_run(const float in[NN_INPUTS], nn_result_t *out)
{
    float x[NN_INPUTS], h1[MODEL_HIDDEN1], h2[MODEL_HIDDEN2], z[MODEL_OUTPUTS];
    uint32_t hash = FNV1A32_INIT;
    for (int i = 0; i < NN_INPUTS; i++) {
        uint32_t bits = nn_float_bits(in[i]);
        uint8_t le[4] = {(uint8_t)bits, (uint8_t)(bits >> 8), (uint8_t)(bits >> 16), (uint8_t)(bits >> 24)};
        hash = fnv1a32_update(hash, le, 4);
        x[i] = (in[i] - model_input_mean[i]) * model_input_scale[i];
    }
    dense(x, NN_INPUTS, &model_w1[0][0], model_b1, h1, MODEL_HIDDEN1, 1);
    dense(h1, MODEL_HIDDEN1, &model_w2[0][0], model_b2, h2, MODEL_HIDDEN2, 1);
    dense(h2, MODEL_HIDDEN2, &model_w3[0][0], model_b3, z, MODEL_OUTPUTS, 0);
    float m = z[0] > z[1] ? z[0] : z[1];
    float e0 = nn_expf(z[0] - m), e1 = nn_expf(z[1] - m);
    float sum = e0 + e1;
    out->p_normal = e0 / sum;
    out->p_event = e1 / sum;
    out->features_hash = hash;
}

const char *nn_model_name(void)
{
    return MODEL_NAME;
}

uint32_t nn_model_version(void)
{
    return MODEL_VERSION;
}
