#include "fmt.h"

#include <string.h>

void sb_init(sb_t *sb, char *buf, size_t cap)
{
    sb->buf = buf;
    sb->cap = cap;
    sb->len = 0;
    sb->overflow = false;
    if (cap > 0) {
        buf[0] = '\0';
    }
}

void sb_putc(sb_t *sb, char c)
{
    if (sb->len + 1 < sb->cap) {
        sb->buf[sb->len++] = c;
        sb->buf[sb->len] = '\0';
    } else {
        sb->overflow = true;
    }
}

void sb_putn(sb_t *sb, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        sb_putc(sb, s[i]);
    }
}

void sb_puts(sb_t *sb, const char *s)
{
    while (*s) {
        sb_putc(sb, *s++);
    }
}

void sb_u64(sb_t *sb, uint64_t v)
{
    char tmp[21];
    int n = 0;
    do {
        tmp[n++] = (char)('0' + v % 10u);
        v /= 10u;
    } while (v != 0);
    while (n > 0) {
        sb_putc(sb, tmp[--n]);
    }
}

void sb_i64(sb_t *sb, int64_t v)
{
    if (v < 0) {
        sb_putc(sb, '-');
        sb_u64(sb, (uint64_t)0 - (uint64_t)v);
    } else {
        sb_u64(sb, (uint64_t)v);
    }
}

void sb_hex32(sb_t *sb, uint32_t v)
{
    static const char digits[] = "0123456789abcdef";
    sb_puts(sb, "0x");
    for (int shift = 28; shift >= 0; shift -= 4) {
        sb_putc(sb, digits[(v >> shift) & 0xFu]);
    }
}

static void put_padded(sb_t *sb, uint32_t v, int width)
{
    char tmp[10];
    for (int i = width - 1; i >= 0; i--) {
        tmp[i] = (char)('0' + v % 10u);
        v /= 10u;
    }
    sb_putn(sb, tmp, (size_t)width);
}

void sb_centi(sb_t *sb, int32_t centi)
{
    int64_t v = centi;
    if (v < 0) {
        sb_putc(sb, '-');
        v = -v;
    }
    sb_u64(sb, (uint64_t)(v / 100));
    sb_putc(sb, '.');
    put_padded(sb, (uint32_t)(v % 100), 2);
}

static const float pow10f_table[7] = {1.0f, 10.0f, 100.0f, 1000.0f, 10000.0f, 100000.0f, 1000000.0f};

void sb_fixed(sb_t *sb, float v, int decimals)
{
    if (decimals < 0) {
        decimals = 0;
    }
    if (decimals > 6) {
        decimals = 6;
    }
    if (v != v) { /* NaN has no JSON spelling */
        v = 0.0f;
    }
    if (v > 1e12f) {
        v = 1e12f;
    }
    if (v < -1e12f) {
        v = -1e12f;
    }
    bool negative = v < 0.0f;
    if (negative) {
        v = -v;
    }
    /* Split first: v - trunc(v) is exact in float, so the fraction keeps its digits. */
    uint64_t ip = (uint64_t)v;
    float frac = v - (float)ip;
    uint32_t scale = (uint32_t)pow10f_table[decimals];
    uint32_t fp = (uint32_t)(frac * pow10f_table[decimals] + 0.5f);
    if (fp >= scale) {
        fp -= scale;
        ip += 1;
    }
    if (negative && (ip != 0 || fp != 0)) {
        sb_putc(sb, '-');
    }
    sb_u64(sb, ip);
    if (decimals > 0) {
        sb_putc(sb, '.');
        put_padded(sb, fp, decimals);
    }
}

void sb_float_short(sb_t *sb, float v)
{
    char tmp[32];
    sb_t t;
    sb_init(&t, tmp, sizeof tmp);
    sb_fixed(&t, v, 6);
    size_t n = t.len;
    while (n > 0 && tmp[n - 1] == '0' && tmp[n - 2] != '.') {
        n--;
    }
    sb_putn(sb, tmp, n);
}

void sb_json_str(sb_t *sb, const char *s, size_t n)
{
    static const char digits[] = "0123456789abcdef";
    sb_putc(sb, '"');
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\') {
            sb_putc(sb, '\\');
            sb_putc(sb, (char)c);
        } else if (c == '\n') {
            sb_puts(sb, "\\n");
        } else if (c == '\r') {
            sb_puts(sb, "\\r");
        } else if (c == '\t') {
            sb_puts(sb, "\\t");
        } else if (c < 0x20) {
            sb_puts(sb, "\\u00");
            sb_putc(sb, digits[c >> 4]);
            sb_putc(sb, digits[c & 0xF]);
        } else {
            sb_putc(sb, (char)c);
        }
    }
    sb_putc(sb, '"');
}

bool parse_u32(const char *s, uint32_t *out)
{
    uint64_t v = 0;
    if (*s == '\0') {
        return false;
    }
    for (; *s; s++) {
        if (*s < '0' || *s > '9') {
            return false;
        }
        v = v * 10u + (uint64_t)(*s - '0');
        if (v > 0xFFFFFFFFu) {
            return false;
        }
    }
    *out = (uint32_t)v;
    return true;
}

bool parse_i32(const char *s, int32_t *out)
{
    bool negative = *s == '-';
    uint32_t v;
    if (!parse_u32(negative ? s + 1 : s, &v) || v > 0x7FFFFFFFu) {
        return false;
    }
    *out = negative ? -(int32_t)v : (int32_t)v;
    return true;
}

bool parse_float(const char *s, float *out)
{
    bool negative = false;
    if (*s == '-') {
        negative = true;
        s++;
    }
    uint32_t ip = 0, fp = 0, fscale = 1;
    int int_digits = 0, frac_digits = 0;
    for (; *s >= '0' && *s <= '9'; s++) {
        if (++int_digits > 9) {
            return false;
        }
        ip = ip * 10u + (uint32_t)(*s - '0');
    }
    if (*s == '.') {
        s++;
        for (; *s >= '0' && *s <= '9'; s++) {
            if (frac_digits < 9) { /* further digits are below float precision */
                fp = fp * 10u + (uint32_t)(*s - '0');
                fscale *= 10u;
            }
            frac_digits++;
        }
        if (frac_digits == 0) {
            return false;
        }
    }
    if (*s != '\0' || int_digits == 0) {
        return false;
    }
    float v = (float)ip + (float)fp / (float)fscale;
    *out = negative ? -v : v;
    return true;
}

bool str_eq(const char *a, const char *b)
{
    return strcmp(a, b) == 0;
}

bool str_starts(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

size_t str_len(const char *s)
{
    return strlen(s);
}

void str_copy(char *dst, size_t cap, const char *src)
{
    size_t n = strlen(src);
    if (n >= cap) {
        n = cap - 1;
    }
    memcpy(dst, src, n);
    dst[n] = '\0';
}
