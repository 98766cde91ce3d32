#include "check.h"
#include "json.h"

static bool parse(const char *text, json_value_t *root, char *err)
{
    return json_parse(text, strlen(text), root, err, 64);
}

int main(void)
{
    json_value_t root, v;
    char err[64], text[64];
    const char *cmd = " {\"id\":\"c1\",\"type\":\"set_flap\",\"params\":{\"position\":40,\"x\":[1,{\"y\":null}]}} ";
    CHECK(parse(cmd, &root, err));
    CHECK(root.type == JSON_OBJECT);
    CHECK(json_object_get(&root, "id", &v) && v.type == JSON_STRING);
    CHECK(json_string_decode(&v, text, sizeof text));
    CHECK_STR(text, "c1");
    CHECK(json_object_get(&root, "type", &v) && json_scalar_text(&v, text, sizeof text));
    CHECK_STR(text, "set_flap");
    json_value_t params;
    CHECK(json_object_get(&root, "params", &params) && params.type == JSON_OBJECT);
    CHECK(json_object_get(&params, "position", &v) && v.type == JSON_NUMBER);
    CHECK(json_scalar_text(&v, text, sizeof text));
    CHECK_STR(text, "40");
    CHECK(json_object_get(&params, "x", &v) && v.type == JSON_ARRAY);
    CHECK(!json_object_get(&params, "missing", &v));
    CHECK(!json_object_get(&params, "y", &v)); /* only direct members */

    size_t pos = 0, members = 0;
    json_value_t key;
    while (json_object_next(&params, &pos, &key, &v)) {
        members++;
    }
    CHECK(members == 2);

    CHECK(parse("{\"s\":\"a\\\"b\\\\c\\u0041\\n\"}", &root, err));
    CHECK(json_object_get(&root, "s", &v) && json_string_decode(&v, text, sizeof text));
    CHECK_STR(text, "a\"b\\cA\n");
    CHECK(parse("[]", &root, err) && root.type == JSON_ARRAY);
    CHECK(parse("-0.5e+3", &root, err) && root.type == JSON_NUMBER);

    CHECK(!parse("{\"id\" \"c1\"}", &root, err));
    CHECK_STR(err, "expected ':' at 6");
    CHECK(!parse("{\"id\":\"c1\",}", &root, err));
    CHECK_STR(err, "expected string key at 11");
    CHECK(!parse("{\"id\":\"c1\"", &root, err));
    CHECK_STR(err, "expected ',' or '}' at 10");
    CHECK(!parse("{\"id\":\"c1}", &root, err));
    CHECK_STR(err, "unterminated string at 10");
    CHECK(!parse("{} x", &root, err));
    CHECK_STR(err, "trailing characters at 3");
    CHECK(!parse("", &root, err));
    CHECK_STR(err, "unexpected end at 0");
    CHECK(!parse("{\"a\":01}", &root, err));
    CHECK(!parse("{\"a\":tru}", &root, err));
    CHECK(!parse("[[[[[[[[[[1]]]]]]]]]]", &root, err));
    CHECK_STR(err, "nested too deep at 8");
    CHECK(!parse("{\"a\":\"\\x\"}", &root, err));
    CHECK_STR(err, "bad escape at 7");
    return check_report("json");
}
