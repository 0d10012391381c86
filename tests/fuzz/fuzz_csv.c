/*
 * fuzz_csv.c - the CSV reader: input_open/input_next with INPUT_CSV over
 * the input (libcsv behind it), every row written as a record or a Reject.
 *
 * Properties (a failure aborts): each item is an object whose keys are
 * header columns and whose values are strings or null, or a rejection
 * with a code and the row's text; row numbers only grow; a run ends.
 */
#include <stdio.h>
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

static int in_header(jv header, jv key)
{
    int n = jv_array_length(jv_copy(header)), found = 0;
    for (int i = 0; i < n && !found; i++) {
        jv h = jv_array_get(jv_copy(header), i);
        found = jv_equal(h, jv_copy(key));
    }
    jv_free(key);
    return found;
}

static void check_record(jv obj, jv header)
{
    if (jv_get_kind(obj) != JV_KIND_OBJECT)
        fuzz_fail("input_next returned a %s, not an object", jv_kind_name(jv_get_kind(obj)));
    if (jv_get_kind(header) != JV_KIND_ARRAY)
        fuzz_fail("a record came without a header");
    jv keys = jv_keys(jv_copy(obj));
    int n = jv_array_length(jv_copy(keys));
    for (int i = 0; i < n; i++) {
        jv k = jv_array_get(jv_copy(keys), i);
        jv v = jv_object_get(jv_copy(obj), jv_copy(k));
        jv_kind vk = jv_get_kind(v);
        jv_free(v);
        if (vk != JV_KIND_STRING && vk != JV_KIND_NULL)
            fuzz_fail("column %s holds a %s", jv_string_value(k), jv_kind_name(vk));
        if (!in_header(header, k))
            fuzz_fail("a record has a column the header does not name");
    }
    jv_free(keys);
    ndjson_write(devnull, obj);
}

void fuzz_one(const uint8_t *data, size_t len)
{
    input_source in;
    armms_err err = {0};
    if (input_open(&in, fuzz_fd(data, len), "fuzz.csv", INPUT_CSV, &err))
        fuzz_fail("input_open: %s", err.msg);
    long last = 1, items = 0; /* the header is row 1 */
    int st;
    jv rec;
    input_item it;
    while ((st = input_next(&in, &rec, &it, &err)) != INPUT_EOF) {
        if (st < 0)
            break; /* a broken header: the file is refused */
        if (++items > (long)len + 1)
            fuzz_fail("more rows (%ld) than bytes (%zu): the reader does not advance", items, len);
        if (it.line <= last)
            fuzz_fail("row %ld came after row %ld", it.line, last);
        last = it.line;
        if (!it.raw)
            fuzz_fail("row %ld came without its text", it.line);
        if (st == INPUT_BAD) {
            if (!it.why.code)
                fuzz_fail("row %ld is bad without a code", it.line);
            reject_emit(&rej, &it.why, "fuzz.csv", it.line, it.raw, it.raw_len);
            continue;
        }
        if (st != INPUT_OK)
            fuzz_fail("input_next returned %d", st);
        check_record(rec, input_header_peek(&in));
    }
    input_close(&in);
}
