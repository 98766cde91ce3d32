/* The HAL on Linux: channels over file descriptors, a real or harness-driven clock,
 * config persistence in a file or memfd, reboot by re-executing ourselves. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "hal.h"
#include "native.h"

#define STACK_WINDOW (64u * 1024u)
#define STACK_PAINT 0xA5u

static uint64_t boot_mono_ms; /* real clock */
static uint64_t vnow;         /* virtual clock: ms since the process (not this boot) started */
static uint64_t vboot;
static uintptr_t paint_lo;

/* virtual clock control */
static char ctl_line[128];
static size_t ctl_len;
static bool ctl_overflow;
static bool adv_pending, adv_running;
static bool adv_output; /* written since the last ok */
static uint64_t adv_target, adv_rx[3];

static uint64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void on_signal(int sig)
{
    (void)sig;
    _exit(0);
}

__attribute__((noinline)) static void paint_stack(void)
{
    volatile uint8_t area[STACK_WINDOW];
    for (size_t i = 0; i < STACK_WINDOW; i++) {
        area[i] = STACK_PAINT;
    }
    paint_lo = (uintptr_t)area;
}

void hal_init(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    paint_stack();
    boot_mono_ms = mono_ms();
    vnow = vboot = native_opts.resume_now;
}

uint64_t hal_millis(void)
{
    return native_opts.virtual_clock ? vnow - vboot : mono_ms() - boot_mono_ms;
}

uint32_t hal_cycles(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint32_t)((uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec);
}

uint32_t hal_cycle_hz(void)
{
    return 1000000000u;
}

size_t hal_read(hal_channel_t ch, uint8_t *buf, size_t max)
{
    return (unsigned)ch < HAL_CH_COUNT ? chan_read((int)ch, buf, max) : 0;
}

void hal_write(hal_channel_t ch, const uint8_t *buf, size_t len)
{
    if ((unsigned)ch < HAL_CH_COUNT) {
        chan_write((int)ch, buf, len);
        adv_output = adv_output || len > 0;
    }
}

void native_control_reply(const char *line)
{
    chan_write(NATIVE_CH_CONTROL, (const uint8_t *)line, strlen(line));
}

/* Output is "unreported" from the moment it is written until an ok carries its byte count:
 * output written before the advance request (an eager answer to input the request accounts
 * for) stops time just as output written during the step does. */
static void finish_advance(void)
{
    char line[128];
    snprintf(line, sizeof line, "ok %llu %llu %llu %llu\n", (unsigned long long)vnow,
             (unsigned long long)native_chans[0].tx, (unsigned long long)native_chans[1].tx,
             (unsigned long long)native_chans[2].tx);
    adv_running = false;
    adv_pending = false;
    adv_output = false;
    native_control_reply(line);
}

static bool parse_u64(const char *s, uint64_t *out)
{
    if (*s < '0' || *s > '9') {
        return false;
    }
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (*end != '\0' || errno != 0) {
        return false;
    }
    *out = v;
    return true;
}

static void control_line(char *line)
{
    char *words[6];
    int n = 0;
    for (char *tok = strtok(line, " \t\r"); tok && n < 6; tok = strtok(NULL, " \t\r")) {
        words[n++] = tok;
    }
    char reply[128];
    if (n == 0) {
        return;
    }
    if (strcmp(words[0], "now") == 0 && n == 1) {
        snprintf(reply, sizeof reply, "now %llu\n", (unsigned long long)vnow);
        native_control_reply(reply);
        return;
    }
    if (strcmp(words[0], "advance") != 0) {
        snprintf(reply, sizeof reply, "err unknown command '%.40s' (now|advance)\n", words[0]);
        native_control_reply(reply);
        return;
    }
    uint64_t ms, rx[3];
    if (n != 5 || !parse_u64(words[1], &ms) || !parse_u64(words[2], &rx[0]) || !parse_u64(words[3], &rx[1]) ||
        !parse_u64(words[4], &rx[2])) {
        native_control_reply("err usage: advance <ms> <rx_console> <rx_link> <rx_stimulus>\n");
        return;
    }
    if (!native_opts.virtual_clock) {
        native_control_reply("err clock is real\n");
        return;
    }
    if (adv_pending || adv_running) {
        native_control_reply("err advance already in progress\n");
        return;
    }
    adv_target = vnow + ms;
    memcpy(adv_rx, rx, sizeof adv_rx);
    adv_pending = true;
}

static void poll_control(void)
{
    uint8_t buf[256];
    size_t n;
    while ((n = chan_read(NATIVE_CH_CONTROL, buf, sizeof buf)) > 0) {
        for (size_t i = 0; i < n; i++) {
            if (buf[i] == '\n') {
                ctl_line[ctl_len] = '\0';
                if (ctl_overflow) {
                    native_control_reply("err line too long\n");
                } else {
                    control_line(ctl_line);
                }
                ctl_len = 0;
                ctl_overflow = false;
            } else if (ctl_len + 1 < sizeof ctl_line) {
                ctl_line[ctl_len++] = (char)buf[i];
            } else {
                ctl_overflow = true;
            }
        }
    }
}

/* Fills fds with the open input channels (data channels first, control last). */
static int input_fds(struct pollfd *fds, bool with_control)
{
    int n = 0;
    for (int c = 0; c < NATIVE_CH_COUNT; c++) {
        native_chan_t *ch = &native_chans[c];
        if ((c == NATIVE_CH_CONTROL && !with_control) || ch->rfd < 0 || ch->closed) {
            continue;
        }
        fds[n].fd = ch->rfd;
        fds[n].events = POLLIN;
        fds[n].revents = 0;
        n++;
    }
    return n;
}

static bool data_ready(void)
{
    struct pollfd fds[NATIVE_CH_COUNT];
    int n = input_fds(fds, false);
    return n > 0 && poll(fds, (nfds_t)n, 0) > 0;
}

static void block_until_input(int timeout_ms)
{
    struct pollfd fds[NATIVE_CH_COUNT];
    int n = input_fds(fds, true);
    if (n == 0 && timeout_ms < 0) {
        pause(); /* nothing can ever wake us but a signal */
        return;
    }
    poll(fds, (nfds_t)n, timeout_ms);
}

static bool rx_satisfied(void)
{
    for (int c = 0; c < 3; c++) {
        native_chan_t *ch = &native_chans[c];
        if (ch->rx < adv_rx[c] && ch->rfd >= 0 && !ch->closed) {
            return false;
        }
    }
    return true;
}

static void wait_virtual(uint64_t deadline)
{
    uint64_t deadline_abs = deadline == UINT64_MAX ? UINT64_MAX : deadline + vboot;
    for (;;) {
        poll_control();
        if (data_ready()) {
            return;
        }
        if (adv_pending && rx_satisfied()) {
            /* the harness's input is consumed: time may move (unless output is unreported) */
            adv_pending = false;
            adv_running = true;
        }
        if (deadline_abs <= vnow) {
            return; /* the core still has work in this instant */
        }
        if (adv_running) {
            if (adv_output || vnow >= adv_target) {
                finish_advance();
                continue;
            }
            vnow = deadline_abs < adv_target ? deadline_abs : adv_target;
            return;
        }
        block_until_input(-1);
    }
}

void hal_wait_event(uint64_t deadline_ms)
{
    if (native_opts.virtual_clock) {
        wait_virtual(deadline_ms);
        return;
    }
    poll_control();
    uint64_t now = hal_millis();
    if (deadline_ms <= now || data_ready()) {
        return;
    }
    uint64_t wait = deadline_ms - now;
    block_until_input(deadline_ms == UINT64_MAX ? -1 : (wait > INT_MAX ? INT_MAX : (int)wait));
}

bool hal_persist_load(void *buf, size_t len)
{
    int fd = native_opts.flash_path ? open(native_opts.flash_path, O_RDONLY | O_CLOEXEC) : native_opts.flash_fd;
    if (fd < 0) {
        return false;
    }
    ssize_t n = pread(fd, buf, len, 0);
    if (native_opts.flash_path) {
        close(fd);
    }
    return n == (ssize_t)len;
}

void hal_persist_save(const void *buf, size_t len)
{
    if (native_opts.flash_path) {
        int fd = open(native_opts.flash_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (fd < 0 || write(fd, buf, len) != (ssize_t)len) {
            fprintf(stderr, "hive-node: cannot write flash file %s: %s\n", native_opts.flash_path, strerror(errno));
        }
        if (fd >= 0) {
            close(fd);
        }
    } else if (native_opts.flash_fd >= 0) {
        if (pwrite(native_opts.flash_fd, buf, len, 0) != (ssize_t)len) {
            fprintf(stderr, "hive-node: cannot write the flash memfd\n");
        }
    }
}

void hal_reboot(void)
{
    if (adv_pending || adv_running) {
        finish_advance(); /* the step ends with the reset; the new image continues the clock */
    }
    char specs[NATIVE_CH_COUNT][300], resume[200], mac[18], flash_fd[16];
    char *args[32];
    int n = 0;
    args[n++] = (char *)native_opts.argv0;
    static const char *const flags[NATIVE_CH_COUNT] = {"--console", "--link", "--stimulus", "--control"};
    for (int c = 0; c < NATIVE_CH_COUNT; c++) {
        chan_for_exec(&native_chans[c], specs[c], sizeof specs[c]);
        args[n++] = (char *)flags[c];
        args[n++] = specs[c];
    }
    args[n++] = "--clock";
    args[n++] = native_opts.virtual_clock ? "virtual" : "real";
    snprintf(mac, sizeof mac, "%02x:%02x:%02x:%02x:%02x:%02x", native_opts.mac[0], native_opts.mac[1],
             native_opts.mac[2], native_opts.mac[3], native_opts.mac[4], native_opts.mac[5]);
    args[n++] = "--mac";
    args[n++] = mac;
    if (native_opts.flash_path) {
        args[n++] = "--flash";
        args[n++] = (char *)native_opts.flash_path;
    } else if (native_opts.flash_fd >= 0) {
        fcntl(native_opts.flash_fd, F_SETFD, 0);
        snprintf(flash_fd, sizeof flash_fd, "%d", native_opts.flash_fd);
        args[n++] = "--flash-fd";
        args[n++] = flash_fd;
    }
    snprintf(resume, sizeof resume, "%llu,%llu,%llu,%llu,%llu,%llu,%llu", (unsigned long long)vnow,
             (unsigned long long)native_chans[0].rx, (unsigned long long)native_chans[1].rx,
             (unsigned long long)native_chans[2].rx, (unsigned long long)native_chans[0].tx,
             (unsigned long long)native_chans[1].tx, (unsigned long long)native_chans[2].tx);
    args[n++] = "--resume";
    args[n++] = resume;
    args[n] = NULL;
    execv("/proc/self/exe", args);
    fprintf(stderr, "hive-node: reboot failed: %s\n", strerror(errno));
    _exit(1);
}

const char *hal_board_name(void)
{
    return "native";
}

void hal_mac(uint8_t mac[6])
{
    memcpy(mac, native_opts.mac, 6);
}

void hal_mem_stats(hal_mem_stats_t *out)
{
    const volatile uint8_t *p = (const volatile uint8_t *)paint_lo;
    size_t untouched = 0;
    while (untouched < STACK_WINDOW && p[untouched] == STACK_PAINT) {
        untouched++;
    }
    uintptr_t deepest = paint_lo + untouched;
    out->stack_size = (uint32_t)(native_stack_top - paint_lo);
    out->stack_peak = (uint32_t)(native_stack_top - deepest);
    out->heap_size = 0;
    out->heap_peak = 0;
}
