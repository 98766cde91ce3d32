#include "dsp.h"

#include <math.h>

#include "dsp_tables.h"

#define DC_POLE 0.995f

typedef struct {
    float z1, z2;
} biquad_state_t;

static struct {
    bool active;
    float gain;
    float dc_x1, dc_y1;
    biquad_state_t hp, lp;
    float lp1_x1, lp1_y1;
    uint32_t fill;
    float re[DSP_FFT_N];
    float im[DSP_FFT_N];
    float mag_sum[DSP_BIN_COUNT];
    float sumsq_total, sumsq_block;
    uint32_t block_fill;
    uint32_t frames, samples;
    float history[DSP_RMS_HISTORY];
    uint32_t history_count, history_next;
} d;

/* cos(2*pi*k/N) for any k, from the quarter-wave table (exact symmetry, no libm). */
static float cos_k(uint32_t k)
{
    k %= DSP_FFT_N;
    if (k <= DSP_FFT_N / 4) {
        return dsp_cos_quarter[k];
    }
    if (k <= DSP_FFT_N / 2) {
        return -dsp_cos_quarter[DSP_FFT_N / 2 - k];
    }
    if (k <= 3 * DSP_FFT_N / 4) {
        return -dsp_cos_quarter[k - DSP_FFT_N / 2];
    }
    return dsp_cos_quarter[DSP_FFT_N - k];
}

static float sin_k(uint32_t k)
{
    return cos_k(k + 3 * DSP_FFT_N / 4); /* sin(x) = cos(x - pi/2) */
}

void dsp_fft(float *re, float *im)
{
    const uint32_t n = DSP_FFT_N;
    for (uint32_t i = 1, j = 0; i < n; i++) {
        uint32_t bit = n >> 1;
        for (; j & bit; bit >>= 1) {
            j ^= bit;
        }
        j ^= bit;
        if (i < j) {
            float t = re[i];
            re[i] = re[j];
            re[j] = t;
            t = im[i];
            im[i] = im[j];
            im[j] = t;
        }
    }
    for (uint32_t len = 2; len <= n; len <<= 1) {
        uint32_t stride = n / len;
        for (uint32_t start = 0; start < n; start += len) {
            for (uint32_t k = 0; k < len / 2; k++) {
                float wr = cos_k(k * stride);
                float wi = -sin_k(k * stride);
                uint32_t a = start + k, b = a + len / 2;
                float tr = re[b] * wr - im[b] * wi;
                float ti = re[b] * wi + im[b] * wr;
                re[b] = re[a] - tr;
                im[b] = im[a] - ti;
                re[a] = re[a] + tr;
                im[a] = im[a] + ti;
            }
        }
    }
}

void dsp_init(void)
{
    d.active = false;
    d.history_count = 0;
    d.history_next = 0;
}

bool dsp_capture_active(void)
{
    return d.active;
}

void dsp_capture_begin(float gain)
{
    d.active = true;
    d.gain = gain;
    d.dc_x1 = d.dc_y1 = 0.0f;
    d.hp.z1 = d.hp.z2 = d.lp.z1 = d.lp.z2 = 0.0f;
    d.lp1_x1 = d.lp1_y1 = 0.0f;
    d.fill = 0;
    d.sumsq_total = d.sumsq_block = 0.0f;
    d.block_fill = 0;
    d.frames = d.samples = 0;
    for (int i = 0; i < DSP_BIN_COUNT; i++) {
        d.mag_sum[i] = 0.0f;
    }
}

static float biquad(biquad_state_t *s, float x, float b0, float b1, float b2, float a1, float a2)
{
    float y = b0 * x + s->z1;
    s->z1 = b1 * x - a1 * y + s->z2;
    s->z2 = b2 * x - a2 * y;
    return y;
}

static void process_frame(void)
{
    for (uint32_t i = 0; i < DSP_FFT_N; i++) {
        float w = 0.5f - 0.5f * cos_k(i); /* periodic Hann; its sum is N/2 */
        d.re[i] = d.re[i] * w;
        d.im[i] = 0.0f;
    }
    dsp_fft(d.re, d.im);
    for (int b = 0; b < DSP_BIN_COUNT; b++) {
        float r = d.re[DSP_FIRST_BIN + b], i = d.im[DSP_FIRST_BIN + b];
        /* 2 / sum(window) = 1/128: a sine of amplitude A on a bin reads A */
        d.mag_sum[b] = d.mag_sum[b] + sqrtf(r * r + i * i) * 0.0078125f;
    }
    d.frames++;
}

void dsp_feed(const int16_t *samples, size_t count)
{
    if (!d.active) {
        dsp_capture_begin(d.gain > 0.0f ? d.gain : 1.0f);
    }
    for (size_t n = 0; n < count; n++) {
        float x = (float)samples[n] * (1.0f / 32768.0f);
        float y = x - d.dc_x1 + DC_POLE * d.dc_y1;
        d.dc_x1 = x;
        d.dc_y1 = y;
        y = y * d.gain;
        y = biquad(&d.hp, y, DSP_HP_B0, DSP_HP_B1, DSP_HP_B2, DSP_HP_A1, DSP_HP_A2);
        y = biquad(&d.lp, y, DSP_LP_B0, DSP_LP_B1, DSP_LP_B2, DSP_LP_A1, DSP_LP_A2);
        float z = DSP_LP1_B0 * y + DSP_LP1_B1 * d.lp1_x1 - DSP_LP1_A1 * d.lp1_y1;
        d.lp1_x1 = y;
        d.lp1_y1 = z;

        /* partial sums per 512 samples keep float accumulation error small */
        d.sumsq_block = d.sumsq_block + z * z;
        if (++d.block_fill == DSP_FFT_N) {
            d.sumsq_total = d.sumsq_total + d.sumsq_block;
            d.sumsq_block = 0.0f;
            d.block_fill = 0;
        }
        d.samples++;
        d.re[d.fill++] = z;
        if (d.fill == DSP_FFT_N) {
            process_frame();
            d.fill = 0;
        }
    }
}

void dsp_capture_end(dsp_features_t *out)
{
    float total = d.sumsq_total + d.sumsq_block;
    out->frames = d.frames;
    out->samples = d.samples;
    out->rms = d.samples ? sqrtf(total / (float)d.samples) : 0.0f;
    for (int b = 0; b < DSP_BIN_COUNT; b++) {
        out->bins[b] = d.frames ? d.mag_sum[b] / (float)d.frames : 0.0f;
    }
    float mean = 0.0f;
    for (uint32_t i = 0; i < d.history_count; i++) {
        mean = mean + d.history[i];
    }
    out->spike_ratio = 1.0f;
    out->history = d.history_count;
    out->spike_trusted = d.history_count >= DSP_TRUSTED_HISTORY;
    if (d.history_count > 0) {
        mean = mean / (float)d.history_count;
        if (mean > 0.0f) {
            out->spike_ratio = out->rms / mean;
        }
    }
    d.history[d.history_next] = out->rms;
    d.history_next = (d.history_next + 1) % DSP_RMS_HISTORY;
    if (d.history_count < DSP_RMS_HISTORY) {
        d.history_count++;
    }
    d.active = false;
}
