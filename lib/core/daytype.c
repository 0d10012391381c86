/*
 * daytype.c - see daytype.h.
 */
#include "core/daytype.h"

#include <stdlib.h>
#include <string.h>

const char *const day_type_names[DT_COUNT] = {"ordinary",        "rest",
                                              "special",         "special_rest",
                                              "regular_holiday", "regular_holiday_rest",
                                              "double_holiday",  "double_holiday_rest"};

const char *const bucket_names[B_COUNT] = {"regular", "ot", "nd", "nd_ot"};

day_type day_type_of(int regular, int special, int rest)
{
    day_type t = regular >= 2   ? DT_DOUBLE
                 : regular == 1 ? DT_REGULAR
                 : special      ? DT_SPECIAL
                                : DT_ORDINARY;
    return rest ? (day_type)(t + 1) : t;
}

int day_type_find(const char *name, size_t n)
{
    for (int k = 0; k < DT_COUNT; k++)
        if (strlen(day_type_names[k]) == n && strncmp(name, day_type_names[k], n) == 0)
            return k;
    return -1;
}

void buckets_format(strbuf *b, day_buckets by_type)
{
    int first = 1;
    for (int t = 0; t < DT_COUNT; t++) {
        int *v = by_type[t];
        if (!v[0] && !v[1] && !v[2] && !v[3])
            continue;
        if (!first)
            sb_addc(b, ' ');
        sb_adds(b, day_type_names[t]);
        for (int k = 0; k < 4; k++) {
            sb_addc(b, k ? ',' : ':');
            sb_add_int(b, v[k]);
        }
        first = 0;
    }
}

int buckets_parse(const char *s, day_buckets by_type)
{
    while (*s) {
        size_t n = strcspn(s, ":");
        int t = day_type_find(s, n);
        if (t < 0 || s[n] != ':')
            return -1;
        s += n + 1;
        for (int k = 0; k < B_COUNT; k++) {
            char *end;
            long v = strtol(s, &end, 10);
            if (end == s || (k < B_COUNT - 1 ? *end != ',' : (*end && *end != ' ')))
                return -1;
            by_type[t][k] += (int)v;
            s = *end ? end + 1 : end;
        }
    }
    return 0;
}

void buckets_json(strbuf *b, day_buckets by_type, int all)
{
    int first = 1;
    sb_addc(b, '{');
    for (int t = 0; t < DT_COUNT; t++) {
        int *v = by_type[t];
        if (!all && !v[0] && !v[1] && !v[2] && !v[3])
            continue;
        sb_adds(b, first ? "\"" : ",\"");
        sb_adds(b, day_type_names[t]);
        sb_adds(b, "\":{");
        for (int k = 0; k < B_COUNT; k++) {
            sb_adds(b, k ? ",\"" : "\"");
            sb_adds(b, bucket_names[k]);
            sb_adds(b, "\":");
            sb_add_int(b, v[k]);
        }
        sb_addc(b, '}');
        first = 0;
    }
    sb_addc(b, '}');
}
