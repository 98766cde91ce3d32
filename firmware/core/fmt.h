/* Bounded string building and strict number parsing: the core has no printf, and its
 * float formatting must give the same text on every board. */
#ifndef FMT_H
#define FMT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct {
    char *buf;
    size_t cap;
    size_t len;
    bool overflow;
} sb_t;

void sb_init(sb_t *sb, char *buf, size_t cap);
void sb_putc(sb_t *sb, char c);
void sb_puts(sb_t *sb, const char *s);
void sb_putn(sb_t *sb, const char *s, size_t n);
void sb_u64(sb_t *sb, uint64_t v);
void sb_i64(sb_t *sb, int64_t v);
void sb_hex32(sb_t *sb, uint32_t v);       /* 0x + 8 lowercase digits */
void sb_centi(sb_t *sb, int32_t centi);     /* 2350 -> 23.50 */
void sb_fixed(sb_t *sb, float v, int decimals); /* 0..6 decimals, round half away from 0 */
void sb_float_short(sb_t *sb, float v);     /* 6 decimals, trailing zeros trimmed: 1.0, 0.375 */
void sb_json_str(sb_t *sb, const char *s, size_t n); /* quoted, escaped */

bool parse_u32(const char *s, uint32_t *out);   /* whole string, decimal digits only */
bool parse_i32(const char *s, int32_t *out);
bool parse_float(const char *s, float *out);    /* [-]digits[.digits] */
bool str_eq(const char *a, const char *b);
bool str_starts(const char *s, const char *prefix);
size_t str_len(const char *s);
void str_copy(char *dst, size_t cap, const char *src);

#endif
