#include "cli.h"

#include <stdbool.h>

#include "app.h"
#include "config.h"
#include "esp_at.h"
#include "fmt.h"
#include "hal.h"
#include "ring.h"
#include "stimulus.h"
#include "telemetry.h"

static struct {
    char line[CLI_LINE_MAX + 1];
    size_t len;
    bool too_long;
    bool last_was_cr;
    bool prompt_shown;
} c;

static void write_text(const char *text, size_t len)
{
    hal_write(HAL_CH_CONSOLE, (const uint8_t *)text, len);
}

void console_line(const char *text)
{
    write_text(text, str_len(text));
    write_text("\r\n", 2);
    c.prompt_shown = false;
}

void console_prompt(void)
{
    write_text("> ", 2);
    c.prompt_shown = true;
}

void console_log(const char *text)
{
    bool prompt_was_shown = c.prompt_shown;
    if (prompt_was_shown) {
        write_text("\r\n", 2);
    }
    console_line(text);
    if (prompt_was_shown) {
        /* the console's last output is a prompt again, as it was before the log line */
        console_prompt();
    }
}

void cli_init(void)
{
    c.len = 0;
    c.too_long = false;
    c.last_was_cr = false;
    c.prompt_shown = false;
}

static void err(const char *reason)
{
    char buf[CLI_LINE_MAX + 64];
    sb_t sb;
    sb_init(&sb, buf, sizeof buf);
    sb_puts(&sb, "ERR ");
    sb_puts(&sb, reason);
    console_line(buf);
}

static void key_value(const char *key, uint64_t value)
{
    char buf[64];
    sb_t sb;
    sb_init(&sb, buf, sizeof buf);
    sb_puts(&sb, key);
    sb_putc(&sb, '=');
    sb_u64(&sb, value);
    console_line(buf);
}

/* Splits off the next space-separated word; returns "" at the end. */
static char *next_word(char **cursor)
{
    char *s = *cursor;
    while (*s == ' ') {
        s++;
    }
    char *word = s;
    while (*s && *s != ' ') {
        s++;
    }
    if (*s) {
        *s++ = '\0';
    }
    *cursor = s;
    return word;
}

static void cmd_help(char *args);
static void cmd_version(char *args);
static void cmd_uptime(char *args);
static void cmd_status(char *args);
static void cmd_config(char *args);
static void cmd_sample(char *args);
static void cmd_infer(char *args);
static void cmd_flap(char *args);
static void cmd_reboot(char *args);

static const struct {
    const char *name;
    void (*run)(char *args);
    const char *help;
} commands[] = {
    {"help", cmd_help, "list commands"},
    {"version", cmd_version, "firmware, protocol, board and build"},
    {"uptime", cmd_uptime, "milliseconds since boot"},
    {"status", cmd_status, "link, counters and memory, one key=value per line"},
    {"config", cmd_config, "config get [KEY] | config set KEY VALUE | config reset"},
    {"sample", cmd_sample, "queue a telemetry message now and print it"},
    {"infer", cmd_infer, "run the bee-event network on the latest features"},
    {"flap", cmd_flap, "flap [0-100]: show or move the ventilation flap"},
    {"reboot", cmd_reboot, "reset the board"},
};
#define COMMAND_COUNT (sizeof commands / sizeof commands[0])

static void cmd_help(char *args)
{
    (void)args;
    for (size_t i = 0; i < COMMAND_COUNT; i++) {
        char buf[128];
        sb_t sb;
        sb_init(&sb, buf, sizeof buf);
        sb_puts(&sb, commands[i].name);
        sb_puts(&sb, " - ");
        sb_puts(&sb, commands[i].help);
        console_line(buf);
    }
}

static void cmd_version(char *args)
{
    (void)args;
    char buf[128];
    sb_t sb;
    sb_init(&sb, buf, sizeof buf);
    sb_puts(&sb, "fw=" FW_VERSION " protocol=");
    sb_u64(&sb, PROTOCOL_VERSION);
    sb_puts(&sb, " board=");
    sb_puts(&sb, hal_board_name());
    sb_puts(&sb, " build=" BUILD_ID);
    console_line(buf);
}

static void cmd_uptime(char *args)
{
    (void)args;
    key_value("uptime_ms", hal_millis());
}

static void cmd_status(char *args)
{
    (void)args;
    hal_mem_stats_t mem;
    hal_mem_stats(&mem);
    const esp_stats_t *net = esp_stats();
    const node_t *n = app_node();
    char buf[64];
    sb_t sb;
    key_value("uptime_ms", hal_millis());
    key_value("boot", config_get()->boot_count);
    sb_init(&sb, buf, sizeof buf);
    sb_puts(&sb, "node=");
    sb_puts(&sb, config_get()->node_id);
    console_line(buf);
    sb_init(&sb, buf, sizeof buf);
    sb_puts(&sb, "link=");
    sb_puts(&sb, esp_link_name());
    console_line(buf);
    key_value("stack_size", mem.stack_size);
    key_value("stack_peak", mem.stack_peak);
    key_value("heap_size", mem.heap_size);
    key_value("heap_peak", mem.heap_peak);
    key_value("tx_ok", net->tx_ok);
    key_value("tx_failed", net->tx_failed);
    key_value("buffered", ring_count());
    key_value("buffer_capacity", RING_CAPACITY);
    key_value("dropped", ring_dropped());
    key_value("reconnects", net->reconnects);
    key_value("stim_frames", stim_frames());
    key_value("stim_bad", stim_bad());
    key_value("audio_blocks", n->audio_blocks);
    key_value("commands", n->commands);
    key_value("flap", n->flap);
    key_value("flap_moves", n->flap_moves);
}

static void print_config_key(const char *key)
{
    char buf[128];
    sb_t sb;
    sb_init(&sb, buf, sizeof buf);
    config_format(config_get(), key, &sb);
    console_line(buf);
}

static void cmd_config(char *args)
{
    char *sub = next_word(&args);
    if (str_eq(sub, "get")) {
        char *key = next_word(&args);
        if (*key == '\0') {
            for (size_t i = 0; i < config_key_count(); i++) {
                print_config_key(config_key_name(i));
            }
            return;
        }
        char buf[128];
        sb_t sb;
        sb_init(&sb, buf, sizeof buf);
        if (!config_format(config_get(), key, &sb)) {
            sb_init(&sb, buf, sizeof buf);
            sb_puts(&sb, "unknown key '");
            sb_puts(&sb, key);
            sb_puts(&sb, "'");
            err(buf);
            return;
        }
        console_line(buf);
    } else if (str_eq(sub, "set")) {
        char *key = next_word(&args);
        while (*args == ' ') {
            args++;
        }
        char *value = args; /* the rest of the line: values may contain spaces */
        size_t n = str_len(value);
        while (n > 0 && value[n - 1] == ' ') {
            value[--n] = '\0';
        }
        if (*key == '\0' || n == 0) {
            err("usage: config set KEY VALUE");
            return;
        }
        if (n >= 2 && value[0] == '"' && value[n - 1] == '"') {
            value[n - 1] = '\0';
            value++;
        }
        config_t updated = *config_get();
        char buf[CLI_LINE_MAX + 64];
        sb_t sb;
        sb_init(&sb, buf, sizeof buf);
        if (!config_apply(&updated, key, value, &sb)) {
            err(buf);
            return;
        }
        config_commit(&updated);
        app_config_changed();
        console_line("OK");
    } else if (str_eq(sub, "reset") && *next_word(&args) == '\0') {
        config_reset();
        app_config_changed();
        console_line("OK");
    } else {
        err("usage: config get [KEY] | config set KEY VALUE | config reset");
    }
}

static void cmd_sample(char *args)
{
    (void)args;
    char buf[RING_MSG_MAX + 1];
    app_sample(buf, sizeof buf);
    console_line(buf);
}

static void cmd_infer(char *args)
{
    (void)args;
    nn_result_t r;
    app_infer(&r);
    const node_t *n = app_node();
    char buf[160];
    sb_t sb;
    sb_init(&sb, buf, sizeof buf);
    sb_puts(&sb, "label=");
    sb_puts(&sb, app_label(&r));
    sb_puts(&sb, " p_event=");
    sb_fixed(&sb, r.p_event, 6);
    sb_puts(&sb, " p_bits=");
    sb_hex32(&sb, nn_float_bits(r.p_event));
    sb_puts(&sb, " features=");
    sb_hex32(&sb, r.features_hash);
    sb_puts(&sb, " frames=");
    sb_u64(&sb, n->has_capture ? n->audio.frames : 0);
    sb_puts(&sb, " rms=");
    sb_fixed(&sb, n->has_capture ? n->audio.rms : 0.0f, 6);
    console_line(buf);
}

static void cmd_flap(char *args)
{
    char *arg = next_word(&args);
    if (*arg != '\0') {
        uint32_t pos;
        if (!parse_u32(arg, &pos) || pos > 100 || *next_word(&args) != '\0') {
            char buf[CLI_LINE_MAX + 64];
            sb_t sb;
            sb_init(&sb, buf, sizeof buf);
            sb_puts(&sb, "invalid flap position '");
            sb_puts(&sb, arg);
            sb_puts(&sb, "' (0..100)");
            err(buf);
            return;
        }
        app_set_flap((uint8_t)pos);
    }
    key_value("flap", app_node()->flap);
}

static void cmd_reboot(char *args)
{
    (void)args;
    console_line("rebooting");
    hal_reboot();
}

static void execute(char *line)
{
    char *cursor = line;
    char *name = next_word(&cursor);
    if (*name == '\0') {
        return;
    }
    for (size_t i = 0; i < COMMAND_COUNT; i++) {
        if (str_eq(name, commands[i].name)) {
            commands[i].run(cursor);
            return;
        }
    }
    char buf[CLI_LINE_MAX + 64];
    sb_t sb;
    sb_init(&sb, buf, sizeof buf);
    sb_puts(&sb, "unknown command '");
    sb_puts(&sb, name);
    sb_puts(&sb, "' (try help)");
    err(buf);
}

static void end_of_line(void)
{
    if (c.too_long) {
        err("line too long");
    } else {
        c.line[c.len] = '\0';
        execute(c.line);
    }
    c.len = 0;
    c.too_long = false;
    console_prompt();
}

void cli_feed(const uint8_t *data, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        uint8_t b = data[i];
        bool was_cr = c.last_was_cr;
        c.last_was_cr = b == '\r';
        if (b == '\n' && was_cr) {
            continue; /* the second half of CRLF */
        }
        if (b == '\r' || b == '\n') {
            end_of_line();
        } else if (c.len < CLI_LINE_MAX) {
            /* control bytes (other than tab) become spaces; they never reach a command */
            c.line[c.len++] = (b < 0x20 || b == 0x7F) ? ' ' : (char)b;
        } else {
            c.too_long = true;
        }
    }
}
