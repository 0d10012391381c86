/*
 * fuzz_ndjson.c - the NDJSON reader: input_open/input_next with
 * INPUT_NDJSON over the input (the line reader and ndjson_parse_object
 * behind it), every record written back and re-read, every bad line
 * written as a Reject.
 *
 * Properties (a failure aborts): each item is an object or a rejection
 * with a code; line numbers only grow; the canonical form of a record
 * parses back to the same canonical form; a run ends. And each line of the
 * input through ndjson_parse_fields (yajl) is what ndjson_parse_object
 * (libjq) makes of it: the same refusal and message, or the same values
 * of the fields asked for; keeping every field, the same record; and a
 * line ndjson_parse_flat takes holds what libjq reads in it, as do the
 * kept members of a line ndjson_parse_peek takes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/input.h"
#include "core/ndjson.h"
#include "fuzz.h"

static FILE *devnull;
static reject_sink rej;

int fuzz_setup(void)
{
    devnull = fopen("/dev/null", "w");
    return !devnull || reject_open(&rej, "/dev/null");
}

void fuzz_teardown(void)
{
    reject_close(&rej);
    fclose(devnull);
}

static void check_record(jv obj)
{
    if (jv_get_kind(obj) != JV_KIND_OBJECT)
        fuzz_fail("input_next returned a %s, not an object", jv_kind_name(jv_get_kind(obj)));
    int bad = 0;
    (void)json_str_peek(obj, "guard_id", &bad);
    (void)json_has_peek(obj, "ts");
    char *canon = json_canonical(jv_copy(obj));
    rejection rj = {0};
    jv again = ndjson_parse_object(canon, strlen(canon), &rj);
    if (rj.code)
        fuzz_fail("the canonical form %s does not parse back: %s %s", canon, rj.code, rj.msg);
    char *canon2 = json_canonical(again);
    if (strcmp(canon, canon2) != 0)
        fuzz_fail("canonical form changed on a round trip: %s then %s", canon, canon2);
    free(canon);
    free(canon2);
    ndjson_write(devnull, obj);
}

/* Asked for: fields the timekeeping stages read, and some of any kind. */
static const char *const keep[] = {"kind", "v",  "guard_id", "work_date", "was",
                                   "a",    "ts", "n",        "",          NULL};

/* A line ndjson_parse_flat takes is an object libjq reads to the same
 * members in the same order: a string's bytes, a number's value, the
 * kind of the rest. full: libjq's object (looked at). */
static void check_flat(const char *line, size_t len, jv full, const char *refused)
{
    ndjson_member m[16];
    int n;
    if (ndjson_parse_flat(line, len, m, 16, &n) != 0)
        return;
    if (refused)
        fuzz_fail("ndjson_parse_flat takes a line libjq refuses (%s): %.*s", refused, (int)len,
                  line);
    if (jv_object_length(jv_copy(full)) != n)
        fuzz_fail("ndjson_parse_flat finds %d members, libjq %d: %.*s", n,
                  jv_object_length(jv_copy(full)), (int)len, line);
    int i = 0;
    jv_object_foreach(full, key, val)
    {
        const ndjson_member *e = &m[i++];
        jv_kind k = jv_get_kind(val);
        int same = (size_t)jv_string_length_bytes(jv_copy(key)) == e->klen &&
                   memcmp(jv_string_value(key), e->key, e->klen) == 0 && (int)k == e->kind;
        if (same && k == JV_KIND_STRING)
            same = (size_t)jv_string_length_bytes(jv_copy(val)) == e->vlen &&
                   memcmp(jv_string_value(val), e->val, e->vlen) == 0;
        if (same && k == JV_KIND_NUMBER) {
            char num[64];
            memcpy(num, e->val, e->vlen);
            num[e->vlen] = 0;
            double a = strtod(num, NULL), b = jv_number_value(val);
            same = a == b || (a != a && b != b);
        }
        jv_free(key);
        jv_free(val);
        if (!same)
            fuzz_fail("member %d differs between ndjson_parse_flat and libjq: %.*s", i, (int)len,
                      line);
    }
}

/* A member's kind and value as libjq has them: a string's bytes, a
 * number's value, the kind of the rest. */
static int same_member(const ndjson_member *e, jv val)
{
    jv_kind k = jv_get_kind(val);
    if ((int)k != e->kind)
        return 0;
    if (k == JV_KIND_STRING)
        return (size_t)jv_string_length_bytes(jv_copy(val)) == e->vlen &&
               memcmp(jv_string_value(val), e->val, e->vlen) == 0 && e->val[e->vlen] == 0;
    if (k == JV_KIND_NUMBER) {
        double a = strtod(e->val, NULL), b = jv_number_value(val);
        return a == b || (a != a && b != b);
    }
    return 1;
}

/* A line ndjson_parse_peek takes is one libjq reads, and holds, under
 * each kept key, what libjq has there (a kept object member by member,
 * the containers inside it by their kind); a kept key it does not have,
 * libjq does not have either. */
static void check_peek(const char *line, size_t len, jv full, const char *refused)
{
    ndjson_member m[24];
    strbuf copy;
    sb_init(&copy);
    int n;
    if (ndjson_parse_peek(line, len, keep, m, 24, &n, &copy) != 0) {
        sb_free(&copy);
        return;
    }
    if (refused)
        fuzz_fail("ndjson_parse_peek takes a line libjq refuses (%s): %.*s", refused, (int)len,
                  line);
    int found = 0;
    for (int i = 0; i < n; i += m[i].kind == JV_KIND_OBJECT ? 1 + (int)m[i].vlen : 1) {
        found++;
        jv val = jv_object_get(jv_copy(full), jv_string(m[i].key));
        if (!same_member(&m[i], val))
            fuzz_fail("kept member '%s' differs between ndjson_parse_peek and libjq: %.*s",
                      m[i].key, (int)len, line);
        if (m[i].kind == JV_KIND_OBJECT) {
            if (jv_object_length(jv_copy(val)) != (int)m[i].vlen)
                fuzz_fail("kept object '%s' has %d members in libjq, %d in ndjson_parse_peek",
                          m[i].key, jv_object_length(jv_copy(val)), (int)m[i].vlen);
            for (int j = i + 1; j <= i + (int)m[i].vlen; j++) {
                jv in = jv_object_get(jv_copy(val), jv_string(m[j].key));
                if (!same_member(&m[j], in))
                    fuzz_fail("member '%s' of '%s' differs between ndjson_parse_peek and libjq",
                              m[j].key, m[i].key);
                jv_free(in);
            }
        }
        jv_free(val);
    }
    int kept_in_full = 0;
    for (const char *const *k = keep; *k; k++)
        kept_in_full += jv_object_has(jv_copy(full), jv_string(*k));
    if (kept_in_full != found)
        fuzz_fail("libjq has %d kept keys, ndjson_parse_peek %d: %.*s", kept_in_full, found,
                  (int)len, line);
    sb_free(&copy);
}

static void check_fields(const char *line, size_t len)
{
    rejection full_rj = {0}, fast_rj = {0};
    jv full = ndjson_parse_object(line, len, &full_rj);
    jv fast = ndjson_parse_fields(line, len, keep, &fast_rj);
    if (!full_rj.code != !fast_rj.code ||
        (full_rj.code && (strcmp(full_rj.code, fast_rj.code) || strcmp(full_rj.msg, fast_rj.msg))))
        fuzz_fail("ndjson_parse_fields says %s (%s), ndjson_parse_object %s (%s): %.*s",
                  fast_rj.code ? fast_rj.code : "ok", fast_rj.msg,
                  full_rj.code ? full_rj.code : "ok", full_rj.msg, (int)len, line);
    if (!full_rj.code) {
        for (const char *const *k = keep; *k; k++) {
            int has = jv_object_has(jv_copy(full), jv_string(*k));
            if (has != jv_object_has(jv_copy(fast), jv_string(*k)))
                fuzz_fail("field '%s' is in one parse and not the other: %.*s", *k, (int)len,
                          line);
            if (!has)
                continue;
            /* by their text: NaN (libjq reads nan) is not equal to itself */
            jv a = jv_dump_string(jv_object_get(jv_copy(full), jv_string(*k)), 0);
            jv b = jv_dump_string(jv_object_get(jv_copy(fast), jv_string(*k)), 0);
            if (strcmp(jv_string_value(a), jv_string_value(b)) != 0)
                fuzz_fail("field '%s' is %s in one parse, %s in the other: %.*s", *k,
                          jv_string_value(a), jv_string_value(b), (int)len, line);
            jv_free(a);
            jv_free(b);
        }
    }
    jv_free(fast);
    /* keeping every field (ingest's way), the whole record is libjq's,
     * compared by its text (key order included) */
    rejection all_rj = {0};
    jv all = ndjson_parse_fields(line, len, ndjson_keep_all, &all_rj);
    if (!full_rj.code != !all_rj.code ||
        (full_rj.code && (strcmp(full_rj.code, all_rj.code) || strcmp(full_rj.msg, all_rj.msg))))
        fuzz_fail("keeping all fields, ndjson_parse_fields says %s, ndjson_parse_object %s: %.*s",
                  all_rj.code ? all_rj.code : "ok", full_rj.code ? full_rj.code : "ok", (int)len,
                  line);
    if (!full_rj.code) {
        jv a = jv_dump_string(jv_copy(full), 0), b = jv_dump_string(jv_copy(all), 0);
        if (strcmp(jv_string_value(a), jv_string_value(b)) != 0)
            fuzz_fail("keeping all fields, the record is %s in one parse, %s in the other",
                      jv_string_value(a), jv_string_value(b));
        jv_free(a);
        jv_free(b);
    }
    jv_free(all);
    check_flat(line, len, full, full_rj.code);
    check_peek(line, len, full, full_rj.code);
    jv_free(full);
}

void fuzz_one(const uint8_t *data, size_t len)
{
    for (size_t at = 0; at < len;) {
        const char *p = (const char *)data + at, *nl = memchr(p, '\n', len - at);
        size_t n = nl ? (size_t)(nl - p) : len - at;
        if (n < NDJSON_MAX_LINE)
            check_fields(p, n);
        at += n + 1;
    }

    input_source in;
    armms_err err = {0};
    if (input_open(&in, fuzz_fd(data, len), "fuzz", INPUT_NDJSON, &err))
        fuzz_fail("input_open: %s", err.msg);
    long last = 0, items = 0;
    int st;
    jv rec;
    input_item it;
    while ((st = input_next(&in, &rec, &it, &err)) != INPUT_EOF) {
        if (st < 0)
            break; /* an I/O error: nothing more to read */
        if (++items > (long)len + 1)
            fuzz_fail("more items (%ld) than bytes (%zu): the reader does not advance", items,
                      len);
        if (it.line <= last)
            fuzz_fail("line %ld came after line %ld", it.line, last);
        last = it.line;
        if (st == INPUT_BAD) {
            /* UTF-16 text is refused whole, as one Reject with no text
             * (its input is null): the first item, and the last */
            int whole =
                it.why.code && !strcmp(it.why.code, "BAD_UTF8") && items == 1 &&
                (len >= 2 && (((unsigned char)data[0] == 0xfe && (unsigned char)data[1] == 0xff) ||
                              ((unsigned char)data[0] == 0xff && (unsigned char)data[1] == 0xfe)));
            if (!it.why.code || (!it.raw && !whole))
                fuzz_fail("line %ld is bad without a code or its text", it.line);
            if (whole && input_next(&in, &rec, &it, &err) != INPUT_EOF)
                fuzz_fail("UTF-16 input went on after its refusal");
            if (whole)
                break;
            reject_emit(&rej, &it.why, "fuzz", it.line, it.raw, it.raw_len);
            continue;
        }
        if (st != INPUT_OK)
            fuzz_fail("input_next returned %d", st);
        check_record(rec);
    }
    input_close(&in);
}
