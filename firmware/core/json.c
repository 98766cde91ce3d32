#include "json.h"

#include <string.h>

#include "fmt.h"

#define JSON_MAX_DEPTH 8

typedef struct {
    const char *s;
    size_t len, pos;
    const char *err;
    size_t err_pos;
} parser_t;

static bool fail(parser_t *p, const char *what)
{
    if (p->err == NULL) {
        p->err = what;
        p->err_pos = p->pos;
    }
    return false;
}

static void skip_ws(parser_t *p)
{
    while (p->pos < p->len && (p->s[p->pos] == ' ' || p->s[p->pos] == '\t' || p->s[p->pos] == '\n' ||
                               p->s[p->pos] == '\r')) {
        p->pos++;
    }
}

static int peek(parser_t *p)
{
    return p->pos < p->len ? (unsigned char)p->s[p->pos] : -1;
}

static bool is_hex(int c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static bool parse_string(parser_t *p, json_value_t *v)
{
    p->pos++; /* opening quote */
    v->type = JSON_STRING;
    v->start = p->s + p->pos;
    for (;;) {
        int c = peek(p);
        if (c < 0) {
            return fail(p, "unterminated string");
        }
        if (c == '"') {
            v->len = (size_t)(p->s + p->pos - v->start);
            p->pos++;
            return true;
        }
        if (c < 0x20) {
            return fail(p, "control character in string");
        }
        p->pos++;
        if (c == '\\') {
            c = peek(p);
            if (c == 'u') {
                for (int i = 1; i <= 4; i++) {
                    if (p->pos + (size_t)i >= p->len || !is_hex((unsigned char)p->s[p->pos + (size_t)i])) {
                        return fail(p, "bad \\u escape");
                    }
                }
                p->pos += 5;
            } else if (c >= 0 && strchr("\"\\/bfnrt", c) != NULL) {
                p->pos++;
            } else {
                return fail(p, "bad escape");
            }
        }
    }
}

static bool digits(parser_t *p)
{
    size_t start = p->pos;
    while (peek(p) >= '0' && peek(p) <= '9') {
        p->pos++;
    }
    return p->pos > start;
}

static bool parse_number(parser_t *p, json_value_t *v)
{
    v->type = JSON_NUMBER;
    v->start = p->s + p->pos;
    if (peek(p) == '-') {
        p->pos++;
    }
    if (peek(p) == '0') {
        p->pos++;
    } else if (!digits(p)) {
        return fail(p, "bad number");
    }
    if (peek(p) == '.') {
        p->pos++;
        if (!digits(p)) {
            return fail(p, "bad number");
        }
    }
    if (peek(p) == 'e' || peek(p) == 'E') {
        p->pos++;
        if (peek(p) == '+' || peek(p) == '-') {
            p->pos++;
        }
        if (!digits(p)) {
            return fail(p, "bad number");
        }
    }
    v->len = (size_t)(p->s + p->pos - v->start);
    return true;
}

static bool literal(parser_t *p, const char *word, json_type_t type, json_value_t *v)
{
    size_t n = strlen(word);
    if (p->len - p->pos < n || memcmp(p->s + p->pos, word, n) != 0) {
        return fail(p, "unexpected character");
    }
    v->type = type;
    v->start = p->s + p->pos;
    v->len = n;
    p->pos += n;
    return true;
}

static bool parse_value(parser_t *p, json_value_t *v, int depth);

static bool parse_container(parser_t *p, json_value_t *v, int depth, bool is_object)
{
    char close = is_object ? '}' : ']';
    if (depth >= JSON_MAX_DEPTH) {
        return fail(p, "nested too deep");
    }
    v->type = is_object ? JSON_OBJECT : JSON_ARRAY;
    v->start = p->s + p->pos;
    p->pos++;
    skip_ws(p);
    if (peek(p) == close) {
        p->pos++;
        v->len = (size_t)(p->s + p->pos - v->start);
        return true;
    }
    for (;;) {
        json_value_t item;
        skip_ws(p);
        if (is_object) {
            if (peek(p) != '"') {
                return fail(p, "expected string key");
            }
            if (!parse_string(p, &item)) {
                return false;
            }
            skip_ws(p);
            if (peek(p) != ':') {
                return fail(p, "expected ':'");
            }
            p->pos++;
        }
        if (!parse_value(p, &item, depth + 1)) {
            return false;
        }
        skip_ws(p);
        if (peek(p) == ',') {
            p->pos++;
            continue;
        }
        if (peek(p) == close) {
            p->pos++;
            v->len = (size_t)(p->s + p->pos - v->start);
            return true;
        }
        return fail(p, is_object ? "expected ',' or '}'" : "expected ',' or ']'");
    }
}

static bool parse_value(parser_t *p, json_value_t *v, int depth)
{
    skip_ws(p);
    int c = peek(p);
    switch (c) {
    case -1: return fail(p, "unexpected end");
    case '{': return parse_container(p, v, depth, true);
    case '[': return parse_container(p, v, depth, false);
    case '"': return parse_string(p, v);
    case 't': return literal(p, "true", JSON_TRUE, v);
    case 'f': return literal(p, "false", JSON_FALSE, v);
    case 'n': return literal(p, "null", JSON_NULL, v);
    default:
        if (c == '-' || (c >= '0' && c <= '9')) {
            return parse_number(p, v);
        }
        return fail(p, "unexpected character");
    }
}

bool json_parse(const char *text, size_t len, json_value_t *root, char *err, size_t err_cap)
{
    parser_t p = {text, len, 0, NULL, 0};
    bool ok = parse_value(&p, root, 0);
    if (ok) {
        skip_ws(&p);
        if (p.pos != p.len) {
            ok = fail(&p, "trailing characters");
        }
    }
    if (!ok && err_cap > 0) {
        sb_t sb;
        sb_init(&sb, err, err_cap);
        sb_puts(&sb, p.err);
        sb_puts(&sb, " at ");
        sb_u64(&sb, p.err_pos);
    }
    return ok;
}

bool json_object_next(const json_value_t *obj, size_t *pos, json_value_t *key, json_value_t *value)
{
    if (obj->type != JSON_OBJECT) {
        return false;
    }
    /* The object was validated, so re-parsing its members cannot fail. */
    parser_t p = {obj->start, obj->len, *pos == 0 ? 1 : *pos, NULL, 0};
    skip_ws(&p);
    if (peek(&p) == ',') {
        p.pos++;
        skip_ws(&p);
    }
    if (peek(&p) != '"') {
        return false;
    }
    parse_string(&p, key);
    skip_ws(&p);
    p.pos++; /* ':' */
    parse_value(&p, value, 1);
    *pos = p.pos;
    return true;
}

bool json_key_is(const json_value_t *key, const char *name)
{
    size_t n = strlen(name);
    return key->type == JSON_STRING && key->len == n && memcmp(key->start, name, n) == 0;
}

bool json_object_get(const json_value_t *obj, const char *name, json_value_t *value)
{
    size_t pos = 0;
    json_value_t key;
    while (json_object_next(obj, &pos, &key, value)) {
        if (json_key_is(&key, name)) {
            return true;
        }
    }
    return false;
}

static int hex_value(char c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    return c - 'A' + 10;
}

bool json_string_decode(const json_value_t *v, char *out, size_t cap)
{
    size_t n = 0;
    for (size_t i = 0; i < v->len; i++) {
        char c = v->start[i];
        if (c == '\\') {
            char e = v->start[++i];
            switch (e) {
            case 'n': c = '\n'; break;
            case 't': c = '\t'; break;
            case 'r': c = '\r'; break;
            case 'b': c = '\b'; break;
            case 'f': c = '\f'; break;
            case 'u': {
                int code = 0;
                for (int k = 1; k <= 4; k++) {
                    code = code * 16 + hex_value(v->start[i + (size_t)k]);
                }
                i += 4;
                c = (code > 0 && code < 0x80) ? (char)code : '?';
                break;
            }
            default: c = e; break;
            }
        }
        if (n + 1 >= cap) {
            return false;
        }
        out[n++] = c;
    }
    if (cap == 0) {
        return false;
    }
    out[n] = '\0';
    return true;
}

bool json_scalar_text(const json_value_t *v, char *out, size_t cap)
{
    if (v->type == JSON_STRING) {
        return json_string_decode(v, out, cap);
    }
    if (v->type == JSON_OBJECT || v->type == JSON_ARRAY || v->len >= cap) {
        return false;
    }
    memcpy(out, v->start, v->len);
    out[v->len] = '\0';
    return true;
}
