/* Internals shared by the native board's files (never seen by the core). */
#ifndef NATIVE_H
#define NATIVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define NATIVE_CH_CONTROL 3
#define NATIVE_CH_COUNT 4

typedef struct {
    const char *name; /* console, link, stimulus, control */
    char spec[256];
    int rfd, wfd;     /* -1 for none; stdio reads 0 and writes 1 */
    int listen_fd;    /* listen: until a client is accepted */
    int hold_fd;      /* pty: our own slave descriptor keeps the master from seeing hang-ups */
    bool closed;      /* end of file or write error */
    uint64_t rx, tx;  /* bytes read / written since the process started (kept across reboot) */
} native_chan_t;

typedef struct {
    bool virtual_clock;
    const char *flash_path;
    int flash_fd; /* memfd when no --flash: config survives reboot, not exit */
    uint8_t mac[6];
    uint64_t resume_now; /* virtual time at this boot */
    const char *argv0;
} native_opts_t;

extern native_chan_t native_chans[NATIVE_CH_COUNT];
extern native_opts_t native_opts;
extern uintptr_t native_stack_top;

/* channels.c */
void chan_prepare(native_chan_t *ch); /* parse-checked spec: listen/connect/open; exits on failure */
void chan_accept(native_chan_t *ch);
size_t chan_read(int index, uint8_t *buf, size_t max);
void chan_write(int index, const uint8_t *buf, size_t len);
bool chan_spec_valid(const char *spec, bool console);
void chan_for_exec(const native_chan_t *ch, char *out, size_t cap); /* spec for the new image */

/* hal_native.c */
void native_control_reply(const char *line);

/* main.c */
void native_fatal(int status, const char *a, const char *b, const char *c);

#endif
