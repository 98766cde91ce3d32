/* A small validating JSON reader, enough for command messages. Values are spans into the
 * original text; nothing is allocated. */
#ifndef JSON_H
#define JSON_H

#include <stdbool.h>
#include <stddef.h>

typedef enum { JSON_STRING, JSON_NUMBER, JSON_TRUE, JSON_FALSE, JSON_NULL, JSON_OBJECT, JSON_ARRAY } json_type_t;

typedef struct {
    json_type_t type;
    const char *start; /* strings: after the opening quote; others: first character */
    size_t len;        /* strings: raw length between the quotes, escapes undecoded */
} json_value_t;

/* Checks that text is exactly one JSON value (whitespace around allowed). On failure,
 * writes a reason like "expected ':' at 12" into err. */
bool json_parse(const char *text, size_t len, json_value_t *root, char *err, size_t err_cap);
/* Iterates the members of a validated object: *pos starts at 0. */
bool json_object_next(const json_value_t *obj, size_t *pos, json_value_t *key, json_value_t *value);
bool json_object_get(const json_value_t *obj, const char *name, json_value_t *value);
bool json_key_is(const json_value_t *key, const char *name);
/* Decodes a string value (\uXXXX outside ASCII becomes '?'); false when it does not fit. */
bool json_string_decode(const json_value_t *v, char *out, size_t cap);
/* Copies any scalar as text (strings decoded); false for objects, arrays, or overflow. */
bool json_scalar_text(const json_value_t *v, char *out, size_t cap);

#endif
