#include <math.h>

#include "check.h"
#include "dsp.h"

#define PI 3.14159265358979323846

static void feed_sine(float freq, float amplitude, int n, int phase_start)
{
    int16_t block[500];
    int done = 0;
    while (done < n) {
        int k = n - done < 500 ? n - done : 500;
        for (int i = 0; i < k; i++) {
            double t = (double)(phase_start + done + i) / 16000.0;
            block[i] = (int16_t)lrint(amplitude * 32767.0 * sin(2.0 * PI * freq * t));
        }
        dsp_feed(block, (size_t)k);
        done += k;
    }
}

int main(void)
{
    /* the FFT: an impulse has a flat spectrum, a cosine on bin 8 lands on bins 8 and 504 */
    static float re[DSP_FFT_N], im[DSP_FFT_N];
    re[0] = 1.0f;
    dsp_fft(re, im);
    int flat = 1;
    for (int i = 0; i < DSP_FFT_N; i++) {
        flat = flat && fabsf(re[i] - 1.0f) < 1e-6f && fabsf(im[i]) < 1e-6f;
    }
    CHECK(flat);
    for (int i = 0; i < DSP_FFT_N; i++) {
        re[i] = (float)cos(2.0 * PI * 8.0 * i / DSP_FFT_N);
        im[i] = 0.0f;
    }
    dsp_fft(re, im);
    CHECK_NEAR(re[8], 256.0, 1e-3);
    CHECK_NEAR(re[504], 256.0, 1e-3);
    CHECK_NEAR(re[9], 0.0, 1e-3);

    dsp_init();
    dsp_capture_begin(1.0f);
    feed_sine(250.0f, 0.5f, 16000, 0); /* 1 s: 31 frames */
    dsp_features_t f;
    dsp_capture_end(&f);
    CHECK(f.frames == 31);
    CHECK(f.samples == 16000);
    int best = 0;
    for (int i = 1; i < DSP_BIN_COUNT; i++) {
        if (f.bins[i] > f.bins[best]) {
            best = i;
        }
    }
    CHECK(best + DSP_FIRST_BIN == 8); /* bin 8 = 250 Hz */
    CHECK_NEAR(f.bins[4], 0.5, 0.03);  /* a sine of amplitude A reads about A on its bin */
    CHECK(f.bins[0] < 0.05f && f.bins[15] < 0.05f);
    /* RMS of the filtered sine: A / sqrt(2), the filters pass 250 Hz nearly unchanged */
    CHECK_NEAR(f.rms, 0.5 / sqrt(2.0), 0.01);
    CHECK(f.spike_ratio == 1.0f); /* no history yet */
    CHECK(f.history == 0 && !f.spike_trusted);

    /* twice the amplitude: spike ratio about 2 against the one earlier capture */
    dsp_capture_begin(1.0f);
    feed_sine(250.0f, 0.5f, 16000, 0);
    dsp_features_t g;
    dsp_capture_end(&g);
    CHECK_NEAR(g.spike_ratio, 1.0, 1e-6);
    dsp_capture_begin(2.0f); /* gain doubles the signal */
    feed_sine(250.0f, 0.5f, 16000, 0);
    dsp_capture_end(&g);
    CHECK_NEAR(g.spike_ratio, 2.0, 0.01);
    CHECK(g.history == 2 && !g.spike_trusted); /* two earlier captures: not enough */

    /* DC and 50 Hz are removed by the DC blocker and the 100 Hz high-pass */
    dsp_capture_begin(1.0f);
    int16_t dc[512];
    for (int i = 0; i < 512; i++) {
        dc[i] = 8000;
    }
    for (int i = 0; i < 40; i++) {
        dsp_feed(dc, 512);
    }
    dsp_capture_end(&g);
    CHECK(g.rms < 0.01f);
    dsp_capture_begin(1.0f);
    feed_sine(1000.0f, 0.5f, 8192, 0); /* outside bins 4..19 */
    dsp_capture_end(&g);
    CHECK(g.bins[4] < 0.01f);
    CHECK_NEAR(g.rms, 0.5 / sqrt(2.0), 0.02);

    /* a short capture: RMS is over every sample, bins only over complete frames */
    dsp_capture_begin(1.0f);
    feed_sine(250.0f, 0.5f, 300, 0);
    dsp_capture_end(&g);
    CHECK(g.frames == 0 && g.samples == 300 && g.bins[4] == 0.0f && g.rms > 0.0f);
    CHECK(g.history == 5 && g.spike_trusted);

    /* dsp_init (boot) forgets the history: the ratio is untrusted again */
    dsp_init();
    for (uint32_t i = 0; i < DSP_TRUSTED_HISTORY; i++) {
        dsp_capture_begin(1.0f);
        feed_sine(250.0f, 0.5f, 1024, 0);
        dsp_capture_end(&g);
        CHECK(g.history == i && !g.spike_trusted);
    }
    dsp_capture_begin(1.0f);
    feed_sine(250.0f, 0.5f, 1024, 0);
    dsp_capture_end(&g);
    CHECK(g.history == DSP_TRUSTED_HISTORY && g.spike_trusted);
    return check_report("dsp");
}
