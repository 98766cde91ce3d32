/* The bulk-audio staging buffer: an emulator's debugger (QEMU's GDB server) writes audio
 * blocks straight into RAM here, far faster than an emulated UART carries stimulus frames.
 * The harness finds `hil_audio_stage` and `hil_audio_stage_consumed` in the ELF's symbol
 * table; the protocol is in firmware/README.md ("Staged audio"). */
#ifndef AUDIO_STAGE_H
#define AUDIO_STAGE_H

#include <stddef.h>
#include <stdint.h>

#define AUDIO_STAGE_MAGIC 0x31475453u /* "STG1" */
#define AUDIO_STAGE_SAMPLES 4096

typedef struct {
    uint32_t magic;    /* set at boot: the harness checks it found the right symbol */
    uint32_t posted;   /* written by the harness: sequence number of the block in samples[] */
    uint32_t consumed; /* written by the node: sequence number of the last block it fed to the DSP */
    uint16_t flags;    /* STIM_AUDIO_FIRST / STIM_AUDIO_LAST, as in a stimulus audio frame */
    uint16_t count;    /* samples in this block, 1..AUDIO_STAGE_SAMPLES */
    uint32_t busy_cycles; /* hal_cycles() spent feeding blocks to the DSP and network, summed (wraps) */
    uint32_t cycle_hz;    /* hal_cycle_hz(), set at boot */
    int16_t samples[AUDIO_STAGE_SAMPLES];
} audio_stage_t;

extern volatile audio_stage_t hil_audio_stage;

typedef void (*audio_stage_sink_t)(uint8_t flags, const int16_t *samples, size_t count);

void audio_stage_init(void);
/* Feeds a newly posted block to sink (at most one per call); returns 1 if it did, else 0. */
int audio_stage_poll(audio_stage_sink_t sink);
/* Called after each block is consumed; the harness puts a breakpoint on it. */
void hil_audio_stage_consumed(uint32_t sequence);

#endif
