/*
 * test_canonical.c - json_canonical (core/ndjson.h) writes exactly what
 * libjq's sorted compact dump writes (the bytes a snapshot's checksum is
 * taken over, `jq -cS`), fast paths and fallbacks alike; and a random
 * property over generated values.
 */
#include <jv.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>

#include "core/ndjson.h"
#include "t.h"

static void same(const char *json, const char *what)
{
    jv v = jv_parse(json);
    jv want = jv_dump_string(jv_copy(v), JV_PRINT_SORTED);
    char *got = json_canonical(v);
    T_EQ_STR(got, jv_string_value(want), "%s", what);
    free(got);
    jv_free(want);
}

static void gen(strbuf *b, int depth)
{
    static const char *const strs[] = {"a",       "b",       "ab",     "",        "ä",
                                       "\\u00e9", "\\n",     "q\\\"t", "\\u007f", "\\u2028",
                                       "z",       "\\u0001", "é",      "A",       "aa"};
    int k = rand() % (depth > 3 ? 4 : 7);
    switch (k) {
    case 0:
        sb_addf(b, "%d", rand() % 2000 - 1000);
        break;
    case 1:
        sb_addf(b, "\"%s\"", strs[rand() % 15]);
        break;
    case 2:
        sb_adds(b, rand() % 2 ? "true" : "null");
        break;
    case 3:
        sb_addf(b, "%d.%d", rand() % 100, rand() % 1000);
        break;
    case 4:
    case 5: {
        int n = rand() % 5;
        sb_addc(b, '{');
        for (int i = 0; i < n; i++) {
            sb_addf(b, "%s\"%s%d\":", i ? "," : "", strs[rand() % 15], i);
            gen(b, depth + 1);
        }
        sb_addc(b, '}');
        break;
    }
    default: {
        int n = rand() % 4;
        sb_addc(b, '[');
        for (int i = 0; i < n; i++) {
            if (i)
                sb_addc(b, ',');
            gen(b, depth + 1);
        }
        sb_addc(b, ']');
    }
    }
}

int main(void)
{
    same("{\"b\":1,\"a\":[3,2,{\"d\":null,\"c\":true}],\"aa\":false}", "keys sorted, nested");
    same("{\"kind\":\"TimesheetFinalized\",\"minutes\":{\"ordinary\":{\"regular\":480,\"ot\":240}}"
         "}",
         "a snapshot's shape");
    same("[0,-0,1e17,1e16,9999999999999999,-12,0.5,1.25e-7,123456789012345678]",
         "numbers: -0, large, fractions as libjq prints them");
    same("[\"plain\",\"quo\\\"te\",\"back\\\\slash\",\"tab\\t\",\"\\u0001\",\"\\u007f\",\"é\","
         "\"\\u2028\",\"\\ud83d\\ude00\"]",
         "strings: escapes, DEL, non-ASCII, a surrogate pair");
    same("{\"é\":1,\"e\":2,\"z\":3,\"E\":4,\"\":5,\"ab\":6,\"a\":7}",
         "keys in code point order, the empty key first");
    same("{}", "an empty object");
    same("[]", "an empty array");
    srand(20261202);
    int bad = 0;
    for (int i = 0; i < 2000; i++) {
        strbuf b;
        sb_init(&b);
        gen(&b, 0);
        jv v = jv_parse(b.s);
        jv want = jv_dump_string(jv_copy(v), JV_PRINT_SORTED);
        char *got = json_canonical(v);
        if (strcmp(got, jv_string_value(want))) {
            if (!bad++)
                printf("# %s\n#   got  %s\n#   want %s\n", b.s, got, jv_string_value(want));
        }
        free(got);
        jv_free(want);
        sb_free(&b);
    }
    T_EQ_INT(bad, 0, "2000 random values: json_canonical is libjq's sorted dump");
    bad = 0;
    for (int i = 0; i < 2000; i++) {
        strbuf b;
        sb_init(&b);
        gen(&b, 0);
        jv v = jv_parse(b.s);
        if (i % 2 && jv_get_kind(v) == JV_KIND_OBJECT) /* set and deleted keys */
            v = jv_object_delete(jv_object_set(v, jv_string("zz"), jv_number(1)), jv_string("a"));
        jv want = jv_dump_string(jv_copy(v), 0);
        char *got = json_compact(v);
        if (strcmp(got, jv_string_value(want))) {
            if (!bad++)
                printf("# %s\n#   got  %s\n#   want %s\n", b.s, got, jv_string_value(want));
        }
        free(got);
        jv_free(want);
        sb_free(&b);
    }
    T_EQ_INT(bad, 0, "2000 random values: json_compact is libjq's dump, keys in insertion order");
    /* sb_add_int writes what "%lld" writes: the canonical writers' numbers */
    static const long long edges[] = {
        0, 1, -1, 9, 10, -10, 99999, 100000, LLONG_MAX, LLONG_MIN, LLONG_MIN + 1, 151726316542LL};
    bad = 0;
    for (size_t i = 0; i < sizeof edges / sizeof *edges + 2000; i++) {
        long long v = i < sizeof edges / sizeof *edges
                          ? edges[i]
                          : ((long long)rand() << 31 ^ rand()) * (rand() % 2 ? 1 : -1);
        char want[32];
        snprintf(want, sizeof want, "%lld", v);
        strbuf b;
        sb_init(&b);
        sb_adds(&b, "x");
        sb_add_int(&b, v);
        if (strcmp(b.s + 1, want) || b.len != strlen(want) + 1) {
            if (!bad++)
                printf("# %lld: got %s\n", v, b.s + 1);
        }
        sb_free(&b);
    }
    T_EQ_INT(bad, 0, "sb_add_int is %%lld for the edges and 2000 random integers");
    /* str_copy is snprintf(dst, n, "%s", src): cut to fit, always ended */
    static const char *const srcs[] = {"", "a", "abcdefg", "abcdefgh", "abcdefghi", "é€x"};
    bad = 0;
    for (size_t i = 0; i < sizeof srcs / sizeof *srcs; i++)
        for (size_t n = 1; n <= 10; n++) {
            char want[16], got[16];
            memset(got, 'Z', sizeof got);
            snprintf(want, n, "%s", srcs[i]);
            str_copy(got, n, srcs[i]);
            if (strcmp(got, want) || got[n] != 'Z')
                bad++;
        }
    char z[4];
    str_copy(z, sizeof z, NULL);
    T_EQ_INT(bad + (z[0] != 0), 0, "str_copy cuts and ends like snprintf %%s; NULL is empty");
    return t_done();
}
