#include "audio_stage.h"

#include "hal.h"

volatile audio_stage_t hil_audio_stage;

void audio_stage_init(void)
{
    hil_audio_stage.posted = 0;
    hil_audio_stage.consumed = 0;
    hil_audio_stage.count = 0;
    hil_audio_stage.flags = 0;
    hil_audio_stage.busy_cycles = 0;
    hil_audio_stage.cycle_hz = hal_cycle_hz();
    hil_audio_stage.magic = AUDIO_STAGE_MAGIC;
}

/* noinline and a visible side effect: the harness's breakpoint needs a real function entry. */
__attribute__((noinline)) void hil_audio_stage_consumed(uint32_t sequence)
{
    hil_audio_stage.consumed = sequence;
}

int audio_stage_poll(audio_stage_sink_t sink)
{
    uint32_t posted = hil_audio_stage.posted;
    if (posted == hil_audio_stage.consumed) {
        return 0;
    }
    uint16_t count = hil_audio_stage.count;
    /* A block with a bad count is dropped but still consumed, so the harness is never stuck
     * (it checks counts before writing). The debugger writes only while the CPU is halted, so
     * the block cannot change under us. */
    if (count > 0 && count <= AUDIO_STAGE_SAMPLES) {
        uint32_t start = hal_cycles();
        sink((uint8_t)hil_audio_stage.flags, (const int16_t *)hil_audio_stage.samples, count);
        hil_audio_stage.busy_cycles += hal_cycles() - start;
    }
    hil_audio_stage_consumed(posted);
    return 1;
}
