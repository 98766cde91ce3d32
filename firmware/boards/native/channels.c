/* Native channel specs: tcp:, listen:, pty, path:, stdio, none, fd:N. */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "native.h"

#define CONNECT_RETRY_MS 5000

static bool split_host_port(const char *rest, char *host, size_t cap, char *port, size_t pcap)
{
    const char *colon = strrchr(rest, ':');
    if (colon == NULL || colon == rest || colon[1] == '\0') {
        return false;
    }
    size_t hl = (size_t)(colon - rest);
    if (hl >= cap || strlen(colon + 1) >= pcap) {
        return false;
    }
    memcpy(host, rest, hl);
    host[hl] = '\0';
    strcpy(port, colon + 1);
    for (const char *p = port; *p; p++) {
        if (*p < '0' || *p > '9') {
            return false;
        }
    }
    return atoi(port) > 0 && atoi(port) < 65536;
}

bool chan_spec_valid(const char *spec, bool console)
{
    char host[256], port[16];
    if (strncmp(spec, "tcp:", 4) == 0) {
        return split_host_port(spec + 4, host, sizeof host, port, sizeof port);
    }
    if (strncmp(spec, "listen:", 7) == 0) {
        return split_host_port(spec + 7, host, sizeof host, port, sizeof port);
    }
    if (strncmp(spec, "path:", 5) == 0) {
        return spec[5] != '\0';
    }
    if (strncmp(spec, "fd:", 3) == 0) {
        const char *p = spec + 3;
        if (*p == '\0') {
            return false;
        }
        for (; *p; p++) {
            if (*p < '0' || *p > '9') {
                return false;
            }
        }
        return true;
    }
    if (strcmp(spec, "stdio") == 0) {
        return console;
    }
    return strcmp(spec, "pty") == 0 || strcmp(spec, "none") == 0;
}

static void set_raw(int fd)
{
    struct termios t;
    if (tcgetattr(fd, &t) == 0) {
        cfmakeraw(&t);
        tcsetattr(fd, TCSANOW, &t);
    }
}

static void set_nodelay(int fd)
{
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

static void hold_pty_slave(native_chan_t *ch, int master)
{
    const char *name = ptsname(master);
    if (name == NULL) {
        return;
    }
    ch->hold_fd = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (ch->hold_fd >= 0) {
        set_raw(ch->hold_fd);
    }
}

static struct addrinfo *resolve(const native_chan_t *ch, const char *rest, bool passive)
{
    char host[256], port[16];
    split_host_port(rest, host, sizeof host, port, sizeof port);
    struct addrinfo hints = {0}, *res = NULL;
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = passive ? AI_PASSIVE : 0;
    int rc = getaddrinfo(host, port, &hints, &res);
    if (rc != 0) {
        native_fatal(1, ch->name, ": cannot resolve ", rest);
    }
    return res;
}

static uint64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static int connect_retry(const native_chan_t *ch, const char *rest)
{
    uint64_t give_up = mono_ms() + CONNECT_RETRY_MS;
    for (;;) {
        struct addrinfo *res = resolve(ch, rest, false);
        for (struct addrinfo *a = res; a; a = a->ai_next) {
            int fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
            if (fd < 0) {
                continue;
            }
            if (connect(fd, a->ai_addr, a->ai_addrlen) == 0) {
                freeaddrinfo(res);
                return fd;
            }
            close(fd);
        }
        freeaddrinfo(res);
        if (mono_ms() >= give_up) {
            char why[128];
            snprintf(why, sizeof why, "%s (%s)", rest, strerror(errno));
            native_fatal(1, ch->name, ": cannot connect to ", why);
        }
        struct timespec pause = {0, 100 * 1000 * 1000};
        nanosleep(&pause, NULL);
    }
}

static int listen_on(const native_chan_t *ch, const char *rest)
{
    struct addrinfo *res = resolve(ch, rest, true);
    for (struct addrinfo *a = res; a; a = a->ai_next) {
        int fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
        if (fd < 0) {
            continue;
        }
        int one = 1;
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        if (bind(fd, a->ai_addr, a->ai_addrlen) == 0 && listen(fd, 1) == 0) {
            freeaddrinfo(res);
            fprintf(stderr, "hive-node: %s listening on %s\n", ch->name, rest);
            return fd;
        }
        close(fd);
    }
    freeaddrinfo(res);
    char why[128];
    snprintf(why, sizeof why, "%s (%s)", rest, strerror(errno));
    native_fatal(1, ch->name, ": cannot listen on ", why);
    return -1;
}

void chan_prepare(native_chan_t *ch)
{
    const char *spec = ch->spec;
    ch->rfd = ch->wfd = ch->listen_fd = ch->hold_fd = -1;
    if (strcmp(spec, "none") == 0) {
        return;
    }
    if (strcmp(spec, "stdio") == 0) {
        ch->rfd = 0;
        ch->wfd = 1;
    } else if (strncmp(spec, "fd:", 3) == 0) {
        int fd = atoi(spec + 3);
        if (fcntl(fd, F_GETFD) < 0) {
            native_fatal(1, ch->name, ": no such descriptor ", spec);
        }
        fcntl(fd, F_SETFD, FD_CLOEXEC);
        ch->rfd = ch->wfd = fd;
        if (ptsname(fd) != NULL) { /* a pty master passed through reboot */
            hold_pty_slave(ch, fd);
        }
    } else if (strncmp(spec, "tcp:", 4) == 0) {
        ch->rfd = ch->wfd = connect_retry(ch, spec + 4);
        set_nodelay(ch->rfd);
    } else if (strncmp(spec, "listen:", 7) == 0) {
        ch->listen_fd = listen_on(ch, spec + 7);
    } else if (strncmp(spec, "path:", 5) == 0) {
        int fd = open(spec + 5, O_RDWR | O_NOCTTY | O_CLOEXEC);
        if (fd < 0) {
            native_fatal(1, ch->name, ": cannot open ", spec + 5);
        }
        if (isatty(fd)) {
            set_raw(fd);
        }
        ch->rfd = ch->wfd = fd;
    } else { /* pty */
        int fd = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
        if (fd < 0 || grantpt(fd) != 0 || unlockpt(fd) != 0) {
            native_fatal(1, ch->name, ": cannot open a pty", "");
        }
        hold_pty_slave(ch, fd);
        ch->rfd = ch->wfd = fd;
        fprintf(stderr, "hive-node: %s pty %s\n", ch->name, ptsname(fd));
    }
}

void chan_accept(native_chan_t *ch)
{
    if (ch->listen_fd < 0) {
        return;
    }
    int fd;
    do {
        fd = accept4(ch->listen_fd, NULL, NULL, SOCK_CLOEXEC);
    } while (fd < 0 && errno == EINTR);
    if (fd < 0) {
        native_fatal(1, ch->name, ": accept failed", "");
    }
    close(ch->listen_fd);
    ch->listen_fd = -1;
    set_nodelay(fd);
    ch->rfd = ch->wfd = fd;
}

/* The harness closing the console or control connection is the power switch. */
static void closed(int index)
{
    native_chan_t *ch = &native_chans[index];
    if (index == 0 || index == NATIVE_CH_CONTROL) {
        _exit(0);
    }
    ch->closed = true;
}

size_t chan_read(int index, uint8_t *buf, size_t max)
{
    native_chan_t *ch = &native_chans[index];
    if (ch->rfd < 0 || ch->closed || max == 0) {
        return 0;
    }
    struct pollfd p = {ch->rfd, POLLIN, 0};
    if (poll(&p, 1, 0) <= 0 || !(p.revents & (POLLIN | POLLHUP | POLLERR))) {
        return 0;
    }
    ssize_t n = read(ch->rfd, buf, max);
    if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR && errno != EIO)) {
        closed(index);
        return 0;
    }
    if (n < 0) {
        return 0;
    }
    ch->rx += (uint64_t)n;
    return (size_t)n;
}

void chan_write(int index, const uint8_t *buf, size_t len)
{
    native_chan_t *ch = &native_chans[index];
    if (ch->wfd < 0 || ch->closed) {
        return;
    }
    while (len > 0) {
        ssize_t n = write(ch->wfd, buf, len);
        if (n < 0 && (errno == EINTR || errno == EAGAIN)) {
            struct pollfd p = {ch->wfd, POLLOUT, 0};
            poll(&p, 1, 100);
            continue;
        }
        if (n <= 0) {
            closed(index);
            return;
        }
        ch->tx += (uint64_t)n;
        buf += n;
        len -= (size_t)n;
    }
}

void chan_for_exec(const native_chan_t *ch, char *out, size_t cap)
{
    if (ch->rfd < 0 || ch->closed) {
        snprintf(out, cap, "none");
    } else if (ch->rfd == 0 && ch->wfd == 1) {
        snprintf(out, cap, "stdio");
    } else {
        fcntl(ch->rfd, F_SETFD, 0); /* keep it open across exec */
        snprintf(out, cap, "fd:%d", ch->rfd);
    }
}
