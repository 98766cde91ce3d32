/* HappyBees audio features, computed while the capture streams in (a 6 s capture is never
 * stored): DC removal, gain, 100 Hz high-pass, 6 kHz low-pass, 512-point Hann FFT averaged
 * over every complete frame, magnitude bins 4..19 (125..594 Hz), RMS and spike ratio. */
#ifndef DSP_H
#define DSP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DSP_FFT_N 512
#define DSP_FIRST_BIN 4
#define DSP_BIN_COUNT 16
#define DSP_RMS_HISTORY 8
/* Captures of history before the spike ratio means anything: right after a boot the mean RMS
 * is that of one or two captures, which may themselves be the event (HappyBees design notes). */
#define DSP_TRUSTED_HISTORY 3

typedef struct {
    float rms;
    float spike_ratio; /* this RMS / mean RMS of up to 8 earlier captures; 1 without history */
    uint32_t history;  /* earlier captures (since boot, at most DSP_RMS_HISTORY) the ratio compares with */
    bool spike_trusted; /* history >= DSP_TRUSTED_HISTORY */
    float bins[DSP_BIN_COUNT];
    uint32_t frames;
    uint32_t samples;
} dsp_features_t;

void dsp_init(void); /* forgets the RMS history too */
void dsp_capture_begin(float gain);
void dsp_feed(const int16_t *samples, size_t count);
void dsp_capture_end(dsp_features_t *out);
bool dsp_capture_active(void);

/* Exposed for tests: in-place radix-2 complex FFT of DSP_FFT_N points. */
void dsp_fft(float *re, float *im);

#endif
