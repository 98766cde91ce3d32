#include "commands.h"

#include <stdbool.h>
#include <string.h>

#include "app.h"
#include "config.h"
#include "fmt.h"
#include "json.h"
#include "ring.h"

#define ID_MAX 64
#define TYPE_MAX 32
#define DETAIL_MAX 200
#define RECENT_MAX 4

/* The last commands answered, with their answers: the backend sends a command again when the node
 * comes back online before its ack arrived (at-least-once), and a repeat must not run twice. */
static struct {
    char id[ID_MAX];
    char type[TYPE_MAX];
    char detail[DETAIL_MAX];
    bool done;
} recent[RECENT_MAX];
static unsigned recent_next;

static void remember(const char *id, bool done, const char *type, const char *detail)
{
    if (!*id) {
        return; /* no id, nothing a repeat could be matched by */
    }
    str_copy(recent[recent_next].id, sizeof recent[recent_next].id, id);
    str_copy(recent[recent_next].type, sizeof recent[recent_next].type, type);
    str_copy(recent[recent_next].detail, sizeof recent[recent_next].detail, detail);
    recent[recent_next].done = done;
    recent_next = (recent_next + 1u) % RECENT_MAX;
}

static int find_recent(const char *id)
{
    for (int i = 0; *id && i < RECENT_MAX; i++) {
        if (str_eq(recent[i].id, id)) {
            return i;
        }
    }
    return -1;
}

static void ack(const char *id, bool done, const char *type, const char *detail, bool repeat)
{
    char buf[RING_MSG_MAX];
    sb_t sb;
    sb_init(&sb, buf, sizeof buf);
    sb_puts(&sb, "{\"id\":");
    sb_json_str(&sb, id, str_len(id));
    sb_puts(&sb, ",\"status\":");
    sb_puts(&sb, done ? "\"done\"" : "\"failed\"");
    sb_puts(&sb, ",\"detail\":");
    sb_json_str(&sb, detail, str_len(detail));
    sb_putc(&sb, '}');
    ring_push(TOPIC_ACKS, buf, sb.len);

    char line[RING_MSG_MAX];
    sb_init(&sb, line, sizeof line);
    sb_puts(&sb, "[cmd] ");
    sb_puts(&sb, *id ? id : "-");
    sb_putc(&sb, ' ');
    sb_puts(&sb, *type ? type : "-");
    if (repeat) {
        sb_puts(&sb, " repeated, answered again:");
    }
    sb_puts(&sb, done ? " done " : " failed ");
    sb_puts(&sb, detail);
    app_log(line);
}

static bool set_flap(const json_value_t *params, sb_t *detail)
{
    json_value_t v;
    char text[16];
    uint32_t pos;
    if (!json_object_get(params, "position", &v) || v.type != JSON_NUMBER ||
        !json_scalar_text(&v, text, sizeof text) || !parse_u32(text, &pos) || pos > 100) {
        sb_puts(detail, "position must be an integer 0..100");
        return false;
    }
    app_set_flap((uint8_t)pos);
    sb_puts(detail, "flap=");
    sb_u64(detail, pos);
    return true;
}

static bool run_inference(sb_t *detail)
{
    nn_result_t r;
    app_infer(&r);
    sb_puts(detail, "label=");
    sb_puts(detail, app_label(&r));
    sb_puts(detail, " p_event=");
    sb_fixed(detail, r.p_event, 6);
    return true;
}

static bool set_config(const json_value_t *params, sb_t *detail)
{
    config_t updated = *config_get();
    size_t pos = 0, applied = 0;
    json_value_t key, value;
    while (json_object_next(params, &pos, &key, &value)) {
        char k[32], v[80];
        if (!json_string_decode(&key, k, sizeof k)) {
            sb_puts(detail, "unknown key");
            return false;
        }
        if (!json_scalar_text(&value, v, sizeof v) || value.type == JSON_NULL) {
            sb_puts(detail, "invalid value for ");
            sb_puts(detail, k);
            return false;
        }
        if (!config_apply(&updated, k, v, detail)) {
            return false;
        }
        if (applied++) {
            sb_putc(detail, ' ');
        }
        config_format(&updated, k, detail);
    }
    if (applied == 0) {
        sb_puts(detail, "no keys in params");
        return false;
    }
    config_commit(&updated);
    app_config_changed();
    return true;
}

void commands_forget(void)
{
    memset(recent, 0, sizeof recent);
    recent_next = 0;
}

void commands_handle(const char *data, size_t len)
{
    char err[64], id[ID_MAX] = "", type[TYPE_MAX] = "", detail_buf[DETAIL_MAX];
    sb_t detail;
    sb_init(&detail, detail_buf, sizeof detail_buf);
    json_value_t root, v, params = {JSON_OBJECT, "{}", 2};
    bool done = false;

    if (!json_parse(data, len, &root, err, sizeof err)) {
        sb_puts(&detail, "malformed JSON: ");
        sb_puts(&detail, err);
    } else if (root.type != JSON_OBJECT) {
        sb_puts(&detail, "command must be a JSON object");
    } else if (json_object_get(&root, "id", &v) &&
               (v.type == JSON_OBJECT || v.type == JSON_ARRAY || !json_scalar_text(&v, id, sizeof id))) {
        sb_puts(&detail, "id must be a string or number");
    } else if (!json_object_get(&root, "id", &v)) {
        sb_puts(&detail, "missing id");
    } else if (find_recent(id) >= 0) {
        int r = find_recent(id);
        ack(id, recent[r].done, recent[r].type, recent[r].detail, true);
        return;
    } else if (!json_object_get(&root, "type", &v)) {
        sb_puts(&detail, "missing type");
    } else if (v.type != JSON_STRING || !json_string_decode(&v, type, sizeof type)) {
        sb_puts(&detail, "type must be a short string");
    } else if (json_object_get(&root, "params", &params) && params.type != JSON_OBJECT) {
        sb_puts(&detail, "params must be an object");
    } else if (str_eq(type, "set_flap")) {
        done = set_flap(&params, &detail);
    } else if (str_eq(type, "run_inference")) {
        done = run_inference(&detail);
    } else if (str_eq(type, "set_config")) {
        done = set_config(&params, &detail);
    } else if (str_eq(type, "reboot")) {
        sb_puts(&detail, "rebooting");
        done = true;
        app_request_reboot();
    } else {
        sb_puts(&detail, "unknown type '");
        sb_puts(&detail, type);
        sb_puts(&detail, "'");
    }
    remember(id, done, type, detail_buf);
    ack(id, done, type, detail_buf, false);
}
