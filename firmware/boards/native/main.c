/* hive-node's command line. The core's app_main() takes over once the channels are open. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "app.h"
#include "native.h"

native_chan_t native_chans[NATIVE_CH_COUNT] = {
    {.name = "console", .spec = "stdio"},
    {.name = "link", .spec = "none"},
    {.name = "stimulus", .spec = "none"},
    {.name = "control", .spec = "none"},
};
native_opts_t native_opts = {.flash_fd = -1, .mac = {0x02, 0, 0, 0, 0, 0x01}};
uintptr_t native_stack_top;

static const char usage[] =
    "usage: hive-node [--console SPEC] [--link SPEC] [--stimulus SPEC] [--control SPEC]\n"
    "                 [--clock real|virtual] [--flash PATH] [--mac XX:XX:XX:XX:XX:XX] [--help]\n"
    "SPEC: tcp:HOST:PORT | listen:HOST:PORT | pty | path:/dev/xxx | stdio (console only) | none | fd:N\n"
    "defaults: --console stdio, other channels none, --clock real, --mac 02:00:00:00:00:01\n"
    "--flash PATH: file emulating the config flash page (without it config survives reboot only)\n"
    "--clock virtual: time moves only on 'advance' lines on the control channel (see firmware/README.md)\n";

void native_fatal(int status, const char *a, const char *b, const char *c)
{
    fprintf(stderr, "hive-node: %s%s%s\n", a, b, c);
    exit(status);
}

static bool parse_mac(const char *s, uint8_t mac[6])
{
    unsigned v[6];
    char tail;
    if (strlen(s) != 17 || sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &tail) != 6) {
        return false;
    }
    for (int i = 0; i < 6; i++) {
        if (s[3 * i] == '+' || s[3 * i] == '-' || s[3 * i] == ' ') {
            return false;
        }
        mac[i] = (uint8_t)v[i];
    }
    return true;
}

/* --resume NOW,RX0,RX1,RX2,TX0,TX1,TX2: virtual time and byte counters across reboot. */
static bool parse_resume(const char *s)
{
    unsigned long long v[7];
    char tail;
    if (sscanf(s, "%llu,%llu,%llu,%llu,%llu,%llu,%llu%c", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &tail) != 7) {
        return false;
    }
    native_opts.resume_now = v[0];
    for (int i = 0; i < 3; i++) {
        native_chans[i].rx = v[1 + i];
        native_chans[i].tx = v[4 + i];
    }
    return true;
}

static void bad_flag(const char *what, const char *flag, const char *detail)
{
    fprintf(stderr, "hive-node: %s '%s'%s (try --help)\n", what, flag, detail);
    exit(2);
}

static void parse_args(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        char *arg = argv[i];
        if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
            fputs(usage, stdout);
            exit(0);
        }
        if (strncmp(arg, "--", 2) != 0) {
            bad_flag("unexpected argument", arg, "");
        }
        char name[32];
        const char *value;
        char *eq = strchr(arg, '=');
        if (eq != NULL) {
            size_t n = (size_t)(eq - arg);
            if (n >= sizeof name) {
                bad_flag("unknown flag", arg, "");
            }
            memcpy(name, arg, n);
            name[n] = '\0';
            value = eq + 1;
        } else {
            snprintf(name, sizeof name, "%s", arg);
            value = NULL;
        }
        static const char *const known[] = {"--console", "--link", "--stimulus", "--control", "--clock",
                                            "--flash", "--mac", "--resume", "--flash-fd"};
        bool ok = false;
        for (size_t k = 0; k < sizeof known / sizeof known[0]; k++) {
            ok = ok || strcmp(name, known[k]) == 0;
        }
        if (!ok) {
            bad_flag("unknown flag", name, "");
        }
        if (value == NULL) {
            if (i + 1 >= argc) {
                bad_flag("missing value for", name, "");
            }
            value = argv[++i];
        }
        bool handled = false;
        for (int c = 0; c < NATIVE_CH_COUNT; c++) {
            char flag[32];
            snprintf(flag, sizeof flag, "--%s", native_chans[c].name);
            if (strcmp(name, flag) == 0) {
                if (!chan_spec_valid(value, c == 0) || strlen(value) >= sizeof native_chans[c].spec) {
                    fprintf(stderr,
                            "hive-node: bad %s spec '%s' (tcp:HOST:PORT|listen:HOST:PORT|pty|path:FILE|%snone|fd:N)\n",
                            name, value, c == 0 ? "stdio|" : "");
                    exit(2);
                }
                snprintf(native_chans[c].spec, sizeof native_chans[c].spec, "%s", value);
                handled = true;
            }
        }
        if (handled) {
            continue;
        }
        if (strcmp(name, "--clock") == 0) {
            if (strcmp(value, "real") == 0) {
                native_opts.virtual_clock = false;
            } else if (strcmp(value, "virtual") == 0) {
                native_opts.virtual_clock = true;
            } else {
                bad_flag("bad --clock value", value, " (real|virtual)");
            }
        } else if (strcmp(name, "--flash") == 0) {
            if (*value == '\0') {
                bad_flag("bad --flash path", value, "");
            }
            native_opts.flash_path = value;
        } else if (strcmp(name, "--mac") == 0) {
            if (!parse_mac(value, native_opts.mac)) {
                bad_flag("bad --mac value", value, " (XX:XX:XX:XX:XX:XX)");
            }
        } else if (strcmp(name, "--resume") == 0) {
            if (!parse_resume(value)) {
                bad_flag("bad --resume value", value, "");
            }
        } else { /* --flash-fd */
            char *end;
            errno = 0;
            long fd = strtol(value, &end, 10);
            if (*value == '\0' || *end != '\0' || fd < 0 || errno != 0) {
                bad_flag("bad --flash-fd value", value, "");
            }
            native_opts.flash_fd = (int)fd;
        }
    }
}

int main(int argc, char **argv)
{
    int top_marker;
    native_stack_top = (uintptr_t)&top_marker;
    native_opts.argv0 = argv[0];
    parse_args(argc, argv);
    if (native_opts.flash_path == NULL && native_opts.flash_fd < 0) {
        native_opts.flash_fd = memfd_create("hive-node-flash", MFD_CLOEXEC);
    }
    /* All listeners first: the harness may connect to them in any order. */
    for (int c = 0; c < NATIVE_CH_COUNT; c++) {
        chan_prepare(&native_chans[c]);
    }
    for (int c = 0; c < NATIVE_CH_COUNT; c++) {
        chan_accept(&native_chans[c]);
    }
    app_main();
}
