#include <math.h>

#include "check.h"
#include "model_reference.h"
#include "nn.h"

int main(void)
{
    /* exp with + - * / only: close to libm everywhere the softmax uses it */
    double worst = 0.0;
    for (float x = -80.0f; x <= 80.0f; x += 0.37f) {
        double rel = fabs((double)nn_expf(x) - exp((double)x)) / exp((double)x);
        worst = rel > worst ? rel : worst;
    }
    CHECK(worst < 2e-6);
    CHECK(nn_expf(0.0f) == 1.0f);
    CHECK(nn_expf(-200.0f) == 0.0f);

    dsp_features_t audio;
    memset(&audio, 0, sizeof audio);
    audio.spike_ratio = 1.0f;
    for (int i = 0; i < DSP_BIN_COUNT; i++) {
        audio.bins[i] = 0.125f * (float)i;
    }
    float in[NN_INPUTS];
    nn_features(in, 34.5f, 61.2f, 14.0f, &audio);
    CHECK(in[0] == 34.5f && in[3] == 1.0f && in[4] == 0.0f && in[19] == 1.875f);
    nn_result_t a, b;
    nn_run(in, &a);
    CHECK_NEAR(a.p_event + a.p_normal, 1.0, 1e-6);
    CHECK(a.p_event >= 0.0f && a.p_event <= 1.0f);
    nn_run(in, &b);
    CHECK(nn_float_bits(a.p_event) == nn_float_bits(b.p_event)); /* deterministic */
    CHECK(a.features_hash == b.features_hash);
    in[7] = in[7] + 0.5f;
    nn_run(in, &b);
    CHECK(a.features_hash != b.features_hash);
    CHECK_NEAR(b.p_event + b.p_normal, 1.0, 1e-6);

    /* whatever model is shipped: nn.c gives, bit for bit, what the C# reference network gave for the
     * held-out inputs `hil train` wrote next to the weights, and the model does its job on them */
    CHECK(nn_model_version() == MODEL_REFERENCE_VERSION && strcmp(nn_model_name(), MODEL_REFERENCE_NAME) == 0);
    CHECK(MODEL_REFERENCE_CASES >= 8);
    int correct = 0, events = 0;
    for (int c = 0; c < MODEL_REFERENCE_CASES; c++) {
        const model_reference_t *ref = &model_reference[c];
        nn_run(ref->inputs, &b);
        CHECK(nn_float_bits(b.p_event) == ref->p_event_bits);
        CHECK(b.features_hash == ref->features_hash);
        correct += (b.p_event >= 0.5f) == (ref->is_event != 0);
        events += ref->is_event != 0;
    }
    CHECK(events > 0 && events < MODEL_REFERENCE_CASES); /* both labels are exercised */
    CHECK(correct * 10 >= MODEL_REFERENCE_CASES * 9);    /* a trained model, not placeholder weights */

    /* extreme inputs must not give NaN or leave [0, 1] */
    for (int i = 0; i < NN_INPUTS; i++) {
        in[i] = 1e6f;
    }
    nn_run(in, &b);
    CHECK(b.p_event >= 0.0f && b.p_event <= 1.0f && b.p_event == b.p_event);
    CHECK_NEAR(b.p_event + b.p_normal, 1.0, 1e-6);
    /* the fingerprint is FNV-1a over little-endian float32 bytes: 1.0f is 00 00 80 3f */
    float one[NN_INPUTS] = {1.0f};
    nn_run(one, &b);
    uint32_t h = 0x811C9DC5u;
    for (int i = 0; i < NN_INPUTS; i++) {
        uint8_t bytes[4] = {0, 0, i == 0 ? 0x80 : 0, i == 0 ? 0x3f : 0};
        for (int k = 0; k < 4; k++) {
            h = (h ^ bytes[k]) * 0x01000193u;
        }
    }
    CHECK(b.features_hash == h);
    return check_report("nn");
}
