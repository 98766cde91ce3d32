/* hil-lockstep: a QEMU TCG plugin that keeps an emulated node in lockstep with the harness.
 *
 * Under -icount shift=0,sleep=off QEMU skips idle device time at once: while the firmware
 * sleeps (WFI) waiting for the modem's answer, its timeout can expire in a few host
 * milliseconds, before a busy harness has even read the command. This plugin stops the vCPU
 * right before every WFI/WFE and tells the harness how many bytes the firmware has written to
 * each watched UART data register so far; the harness answers "go" once it has received those
 * bytes and its device models (the modem) have answered them. While the vCPU waits here it
 * executes nothing and is not idle, so QEMU's virtual clock stands still. A slow harness thus
 * makes the run slower, never different.
 *
 * Arguments (-plugin hil-lockstep.so,socket=PATH,uart=0x40011004,uart=...): the harness's unix
 * socket, and the data register address of each UART in the harness's channel order.
 *
 * Input has the same race the other way: QEMU hands the UART one received byte at a time from
 * its main loop, and a node that sleeps before the next byte is handed over may skip a tick
 * first. So the plugin also counts loads from each data register (bytes the node has read), and
 * the harness, which knows how many it sent, lets the node sleep only once the next byte is in
 * the UART (its RXNE flag, read through QMP): the sleep then ends at once.
 *
 * Device time is granted by the harness, too: at every sleep the harness reads the node's clock
 * (its uptime counter and SysTick, through QMP) and lets the sleep happen only if it ends within
 * the device time the harness has granted (a scenario's "1 minute passes"); otherwise the vCPU
 * waits here until the harness grants more or sends input. So every sleep is reported.
 *
 * A reset the node asks for itself (a store to the SCB's AIRCR, SYSRESETREQ) is not gated: QEMU
 * is about to stop the vCPU for the reset and would wait for it forever. Such a store followed by
 * a sleep with no other store between them is taken as that reset (a priority-group write at
 * start-up is followed by other stores and is gated as usual).
 *
 * Reading the node's clock costs QMP round trips, so the plugin also counts the instructions
 * begun (an inline add per block, an upper bound: a block left early still counts whole); with
 * icount shift=0 that bounds the device time spent working, and the harness skips the reads
 * while even the longest sleeps since its last read would end within the grant.
 *
 * The harness can also tell the plugin which coming sleeps need no report at all ("go N I" below):
 * those it would let go anyway, computed from the same bound; UART traffic ends that at once.
 *
 * Protocol (text lines): plugin "hello 5 N" once; then per reported sleep "wfi W1 .. WN R1 .. RN
 * I S" (bytes written to and read from each UART, instructions begun, and sleeps begun, this one
 * included, since QEMU started), harness "go" or "go N I". If the harness goes away,
 * the plugin stops gating (QEMU is being shut down). Only the documented plugin API (version 1,
 * QEMU 7.2) is used; its declarations are written out below since Debian ships no qemu-plugin.h. */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

/* ---- QEMU plugin API, version 1 (the subset used here) ---------------------------------- */
typedef uint64_t qemu_plugin_id_t;
typedef uint32_t qemu_plugin_meminfo_t;
struct qemu_plugin_tb;
struct qemu_plugin_insn;
typedef struct {
    const char *target_name;
    struct {
        int min;
        int cur;
    } version;
    bool system_emulation;
    union {
        struct {
            int smp_vcpus;
            int max_vcpus;
        } system;
    };
} qemu_info_t;
enum qemu_plugin_cb_flags { QEMU_PLUGIN_CB_NO_REGS, QEMU_PLUGIN_CB_R_REGS, QEMU_PLUGIN_CB_RW_REGS };
enum qemu_plugin_mem_rw { QEMU_PLUGIN_MEM_R = 1, QEMU_PLUGIN_MEM_W, QEMU_PLUGIN_MEM_RW };
enum qemu_plugin_op { QEMU_PLUGIN_INLINE_ADD_U64 };
typedef void (*qemu_plugin_vcpu_tb_trans_cb_t)(qemu_plugin_id_t id, struct qemu_plugin_tb *tb);
typedef void (*qemu_plugin_vcpu_udata_cb_t)(unsigned int vcpu_index, void *userdata);
typedef void (*qemu_plugin_vcpu_mem_cb_t)(unsigned int vcpu_index, qemu_plugin_meminfo_t info,
                                          uint64_t vaddr, void *userdata);
typedef void (*qemu_plugin_udata_cb_t)(qemu_plugin_id_t id, void *userdata);
void qemu_plugin_register_vcpu_tb_trans_cb(qemu_plugin_id_t id, qemu_plugin_vcpu_tb_trans_cb_t cb);
size_t qemu_plugin_tb_n_insns(const struct qemu_plugin_tb *tb);
void qemu_plugin_register_vcpu_tb_exec_inline(struct qemu_plugin_tb *tb, enum qemu_plugin_op op,
                                              void *ptr, uint64_t imm);
struct qemu_plugin_insn *qemu_plugin_tb_get_insn(const struct qemu_plugin_tb *tb, size_t idx);
const void *qemu_plugin_insn_data(const struct qemu_plugin_insn *insn);
size_t qemu_plugin_insn_size(const struct qemu_plugin_insn *insn);
void qemu_plugin_register_vcpu_insn_exec_cb(struct qemu_plugin_insn *insn,
                                            qemu_plugin_vcpu_udata_cb_t cb,
                                            enum qemu_plugin_cb_flags flags, void *userdata);
void qemu_plugin_register_vcpu_mem_cb(struct qemu_plugin_insn *insn, qemu_plugin_vcpu_mem_cb_t cb,
                                      enum qemu_plugin_cb_flags flags, enum qemu_plugin_mem_rw rw,
                                      void *userdata);
bool qemu_plugin_mem_is_store(qemu_plugin_meminfo_t info);
void qemu_plugin_register_atexit_cb(qemu_plugin_id_t id, qemu_plugin_udata_cb_t cb, void *userdata);
void qemu_plugin_outs(const char *string);

__attribute__((visibility("default"))) int qemu_plugin_version = 1;

/* ---- state --------------------------------------------------------------------------------- */
#define MAX_UARTS 8
static uint64_t s_uart_dr[MAX_UARTS];
static uint64_t s_written[MAX_UARTS];  /* stores to each data register: bytes sent */
static uint64_t s_read[MAX_UARTS];     /* loads from it: bytes received */
#define SCB_AIRCR 0xE000ED0Cull
static bool s_reset_requested; /* AIRCR stored, and no other store since */
static uint64_t s_insns;        /* instructions begun (whole blocks): under icount, 1 ns each */
static uint64_t s_sleeps;       /* sleeps begun */
static bool s_traffic;          /* a UART byte written or read since the last report */
static uint64_t s_unreported_sleeps; /* what the harness's last answer allows (see read_go) */
static uint64_t s_unreported_until;
static int s_uart_count;
static int s_fd = -1;

static void say(const char *text) {
    char line[256];
    snprintf(line, sizeof line, "hil-lockstep: %s\n", text);
    qemu_plugin_outs(line);
}

static bool send_all(const char *text, size_t len) {
    while (len > 0) {
        ssize_t n = send(s_fd, text, len, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            return false;
        }
        text += n;
        len -= (size_t)n;
    }
    return true;
}

/* Reads the harness's answer: "go", or "go N I" (the next N sleeps may begin unreported while
 * fewer than I instructions have begun and no UART byte is written or read). False when the
 * harness has gone. */
static bool read_go(void) {
    char line[64];
    size_t used = 0;
    for (;;) {
        char c;
        ssize_t n = recv(s_fd, &c, 1, 0);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            return false;
        }
        if (c == '\n') {
            line[used] = '\0';
            unsigned long long sleeps = 0, insns = 0;
            if (strcmp(line, "go") == 0) {
                s_unreported_sleeps = 0;
                return true;
            }
            if (sscanf(line, "go %llu %llu", &sleeps, &insns) == 2) {
                s_unreported_sleeps = sleeps;
                s_unreported_until = insns;
                return true;
            }
            return false;
        }
        if (used + 1 < sizeof line) {
            line[used++] = c;
        }
    }
}

static void stop_gating(const char *why) {
    if (s_fd >= 0) {
        close(s_fd);
        s_fd = -1;
        say(why);
    }
}

/* ---- callbacks ------------------------------------------------------------------------------ */
static void before_sleep(unsigned int vcpu_index, void *userdata) {
    (void)vcpu_index;
    (void)userdata;
    if (s_fd < 0) {
        return;
    }
    s_sleeps++;
    if (s_reset_requested) {
        return; /* QEMU stops this vCPU for the reset right after the sleep begins */
    }
    if (s_unreported_sleeps > 0 && !s_traffic && s_insns < s_unreported_until) {
        s_unreported_sleeps--; /* surely within the harness's grant, nothing to answer */
        return;
    }
    s_traffic = false;
    char line[32 + (2 * MAX_UARTS + 2) * 21];
    int used = snprintf(line, sizeof line, "wfi");
    for (int i = 0; i < s_uart_count; i++) {
        used += snprintf(line + used, sizeof line - (size_t)used, " %llu",
                         (unsigned long long)s_written[i]);
    }
    for (int i = 0; i < s_uart_count; i++) {
        used += snprintf(line + used, sizeof line - (size_t)used, " %llu",
                         (unsigned long long)s_read[i]);
    }
    used += snprintf(line + used, sizeof line - (size_t)used, " %llu %llu",
                     (unsigned long long)s_insns, (unsigned long long)s_sleeps);
    line[used++] = '\n';
    if (!send_all(line, (size_t)used) || !read_go()) {
        stop_gating("the harness closed the lockstep socket; the node now runs freely");
        return;
    }
}

static void after_access(unsigned int vcpu_index, qemu_plugin_meminfo_t info, uint64_t vaddr,
                         void *userdata) {
    (void)vcpu_index;
    (void)userdata;
    bool store = qemu_plugin_mem_is_store(info);
    if (store) {
        s_reset_requested = vaddr == SCB_AIRCR;
    }
    for (int i = 0; i < s_uart_count; i++) {
        if (vaddr == s_uart_dr[i]) {
            s_traffic = true;
            if (store) {
                s_written[i]++;
            } else {
                s_read[i]++;
            }
            return;
        }
    }
}

/* WFI and WFE, in their 16-bit Thumb and 32-bit Thumb-2 encodings (ARMv7-M executes only Thumb). */
static bool is_sleep(const struct qemu_plugin_insn *insn) {
    const uint8_t *b = qemu_plugin_insn_data(insn);
    size_t size = qemu_plugin_insn_size(insn);
    if (size == 2) {
        uint16_t h = (uint16_t)(b[0] | (b[1] << 8));
        return h == 0xBF30 || h == 0xBF20;
    }
    if (size == 4) {
        uint16_t h1 = (uint16_t)(b[0] | (b[1] << 8));
        uint16_t h2 = (uint16_t)(b[2] | (b[3] << 8));
        return h1 == 0xF3AF && (h2 == 0x8003 || h2 == 0x8002);
    }
    return false;
}

static void on_translate(qemu_plugin_id_t id, struct qemu_plugin_tb *tb) {
    (void)id;
    size_t n = qemu_plugin_tb_n_insns(tb);
    qemu_plugin_register_vcpu_tb_exec_inline(tb, QEMU_PLUGIN_INLINE_ADD_U64, &s_insns, n);
    for (size_t i = 0; i < n; i++) {
        struct qemu_plugin_insn *insn = qemu_plugin_tb_get_insn(tb, i);
        if (is_sleep(insn)) {
            qemu_plugin_register_vcpu_insn_exec_cb(insn, before_sleep, QEMU_PLUGIN_CB_NO_REGS, NULL);
        }
        qemu_plugin_register_vcpu_mem_cb(insn, after_access, QEMU_PLUGIN_CB_NO_REGS,
                                         QEMU_PLUGIN_MEM_RW, NULL);
    }
}

static void on_qemu_exit(qemu_plugin_id_t id, void *userdata) {
    (void)id;
    (void)userdata;
    if (s_fd >= 0) {
        close(s_fd);
        s_fd = -1;
    }
}

/* ---- install -------------------------------------------------------------------------------- */
static bool connect_to(const char *path) {
    struct sockaddr_un address = {.sun_family = AF_UNIX};
    if (strlen(path) >= sizeof address.sun_path) {
        return false;
    }
    strcpy(address.sun_path, path);
    s_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (s_fd < 0) {
        return false;
    }
    if (connect(s_fd, (struct sockaddr *)&address, sizeof address) != 0) {
        close(s_fd);
        s_fd = -1;
        return false;
    }
    return true;
}

__attribute__((visibility("default"))) int qemu_plugin_install(qemu_plugin_id_t id,
                                                               const qemu_info_t *info, int argc,
                                                               char **argv) {
    (void)info;
    const char *socket_path = NULL;
    for (int i = 0; i < argc; i++) {
        if (strncmp(argv[i], "socket=", 7) == 0) {
            socket_path = argv[i] + 7;
        } else if (strncmp(argv[i], "uart=", 5) == 0 && s_uart_count < MAX_UARTS) {
            char *end = NULL;
            s_uart_dr[s_uart_count++] = strtoull(argv[i] + 5, &end, 0);
            if (end == NULL || *end != '\0') {
                say("bad uart= address (expected a number such as 0x40011004)");
                return -1;
            }
        } else {
            say("unknown argument (expected socket=PATH and uart=ADDRESS ...)");
            return -1;
        }
    }
    if (socket_path == NULL) {
        say("no socket=PATH given");
        return -1;
    }
    if (!connect_to(socket_path)) {
        say("cannot connect to the harness's lockstep socket");
        return -1;
    }
    char hello[32];
    int len = snprintf(hello, sizeof hello, "hello 5 %d\n", s_uart_count);
    if (!send_all(hello, (size_t)len)) {
        say("cannot greet the harness");
        return -1;
    }
    qemu_plugin_register_vcpu_tb_trans_cb(id, on_translate);
    qemu_plugin_register_atexit_cb(id, on_qemu_exit, NULL);
    return 0;
}
