/*
 * input.c - see input.h.
 */
#include "core/input.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int input_open(input_source *r, int fd, const char *name, input_format fmt, armms_err *err)
{
    memset(r, 0, sizeof *r);
    r->fmt = fmt;
    line_reader_init(&r->lr, fd, name);
    sb_init(&r->raw);
    sb_init(&r->rowraw);
    r->header = jv_null();
    r->row = jv_array();
    r->queue = jv_array();
    if (fmt == INPUT_CSV && csv_init(&r->csv, CSV_APPEND_NULL | CSV_EMPTY_IS_NULL) != 0)
        return err_set(err, EXIT_SOFTWARE, "libcsv: cannot initialise");
    return 0;
}

void input_close(input_source *r)
{
    if (r->fmt == INPUT_CSV)
        csv_free(&r->csv);
    jv_free(r->header);
    jv_free(r->row);
    jv_free(r->queue);
    free(r->header_error);
    sb_free(&r->raw);
    sb_free(&r->rowraw);
    line_reader_free(&r->lr);
}

jv input_header_peek(input_source *r)
{
    return r->header;
}

/* Append a field to a row's text as CSV, quoting only when needed. */
static void raw_field(strbuf *b, const char *s, size_t n)
{
    int quote = n && (s[0] == ' ' || s[n - 1] == ' ');
    for (size_t i = 0; i < n && !quote; i++)
        quote = s[i] == ',' || s[i] == '"' || s[i] == '\n' || s[i] == '\r';
    if (!quote) {
        sb_add(b, s, n);
        return;
    }
    sb_addc(b, '"');
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '"')
            sb_addc(b, '"');
        sb_addc(b, s[i]);
    }
    sb_addc(b, '"');
}

static void csv_field(void *s, size_t n, void *ctx)
{
    input_source *r = ctx;
    if (jv_array_length(jv_copy(r->row)) > 0)
        sb_addc(&r->rowraw, ',');
    if (s)
        raw_field(&r->rowraw, s, n);
    if (!s) {
        r->row = jv_array_append(r->row, jv_null());
        return;
    }
    if (!utf8_valid(s, n)) {
        /* Keep the row aligned; the row is rejected when it is assembled. */
        r->row = jv_array_append(r->row, jv_true()); /* marks a non-UTF-8 field */
        return;
    }
    r->row = jv_array_append(r->row, jv_string_sized(s, (int)n));
}

static void csv_row_end(int c, void *ctx)
{
    input_source *r = ctx;
    jv row = r->row;
    /* jv_string_sized turns bytes that are not UTF-8 into U+FFFD. */
    jv raw = jv_string_sized(r->rowraw.s, (int)r->rowraw.len);
    sb_reset(&r->rowraw);
    r->row = jv_array();
    r->rowno++;
    int n = jv_array_length(jv_copy(row));
    if (n == 1) { /* a blank line */
        jv f = jv_array_get(jv_copy(row), 0);
        int blank = jv_get_kind(f) == JV_KIND_NULL;
        jv_free(f);
        if (blank) {
            jv_free(row);
            jv_free(raw);
            return;
        }
    }
    if (!r->header_done) {
        r->header_done = 1;
        jv_free(r->header);
        r->header = jv_array();
        for (int i = 0; i < n; i++) {
            jv f = jv_array_get(jv_copy(row), i);
            if (jv_get_kind(f) != JV_KIND_STRING) {
                jv_free(f);
                if (!r->header_error)
                    r->header_error = xasprintf("header column %d is empty or not UTF-8", i + 1);
                continue;
            }
            for (int k = 0; k < i && !r->header_error; k++) {
                jv h = jv_array_get(jv_copy(r->header), k);
                if (jv_get_kind(h) == JV_KIND_STRING &&
                    strcmp(jv_string_value(h), jv_string_value(f)) == 0)
                    r->header_error =
                        xasprintf("header names column '%s' twice", jv_string_value(f));
                jv_free(h);
            }
            r->header = jv_array_append(r->header, f);
        }
        jv_free(row);
        jv_free(raw);
        return;
    }
    jv item = jv_array_append(jv_array_append(jv_array(), jv_number(r->rowno)), row);
    r->queue = jv_array_append(r->queue, jv_array_append(item, raw));
}

static int csv_next(input_source *r, jv *out, input_item *it, armms_err *err)
{
    char buf[1 << 16];
    while (r->qpos >= jv_array_length(jv_copy(r->queue))) {
        if (r->eof)
            return INPUT_EOF;
        jv_free(r->queue);
        r->queue = jv_array();
        r->qpos = 0;
        if (r->lr.idle) {
            struct pollfd p = {r->lr.fd, POLLIN, 0};
            if (poll(&p, 1, r->lr.idle_ms) == 0)
                r->lr.idle(r->lr.idle_ctx);
        }
        ssize_t n = read(r->lr.fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return err_set(err, EXIT_IOERR, "%s: read error: %s", r->lr.name, strerror(errno)), -1;
        if (n == 0) {
            csv_fini(&r->csv, csv_field, csv_row_end, r);
            r->eof = 1;
        } else {
            csv_parse(&r->csv, buf, (size_t)n, csv_field, csv_row_end, r);
        }
        if (r->header_error) {
            err_set(err, EXIT_DATAERR, "%s: %s", r->lr.name, r->header_error);
            return -1;
        }
    }
    jv item = jv_array_get(jv_copy(r->queue), r->qpos++);
    it->line = (long)jv_number_value(jv_array_get(jv_copy(item), 0));
    jv row = jv_array_get(jv_copy(item), 1);
    jv raw = jv_array_get(item, 2);
    sb_reset(&r->raw);
    sb_adds(&r->raw, jv_string_value(raw));
    jv_free(raw);
    it->raw = r->raw.s;
    it->raw_len = r->raw.len;
    int n = jv_array_length(jv_copy(row)), nh = jv_array_length(jv_copy(r->header));
    if (n != nh) {
        rejection_set(&it->why, "BAD_FIELD", "row has %d fields, the header has %d", n, nh);
        jv_free(row);
        return INPUT_BAD;
    }
    jv obj = jv_object();
    for (int i = 0; i < n; i++) {
        jv f = jv_array_get(jv_copy(row), i);
        if (jv_get_kind(f) == JV_KIND_TRUE) {
            jv_free(obj);
            jv_free(row);
            rejection_set(&it->why, "BAD_UTF8", "field %d is not valid UTF-8", i + 1);
            return INPUT_BAD;
        }
        obj = jv_object_set(obj, jv_array_get(jv_copy(r->header), i), f);
    }
    jv_free(row);
    *out = obj;
    return INPUT_OK;
}

int input_next(input_source *r, jv *out, input_item *it, armms_err *err)
{
    memset(it, 0, sizeof *it);
    if (r->fmt == INPUT_CSV)
        return csv_next(r, out, it, err);
    char *line;
    size_t len;
    int st = line_next(&r->lr, &line, &len);
    it->line = r->lr.lineno;
    if (st == LINE_EOF)
        return INPUT_EOF;
    if (st == LINE_IOERR)
        return err_set(err, EXIT_IOERR, "%s: read error: %s", r->lr.name, strerror(r->lr.err)), -1;
    it->raw = line;
    it->raw_len = len;
    if (st == LINE_TOO_LONG) {
        rejection_set(&it->why, "TOO_LONG", "line is longer than %d bytes", NDJSON_MAX_LINE);
        return INPUT_BAD;
    }
    if (r->fmt == INPUT_LINES) {
        if (!utf8_valid(line, len)) {
            rejection_set(&it->why, "BAD_UTF8", "line is not valid UTF-8");
            return INPUT_BAD;
        }
        *out = jv_string_sized(line, (int)len);
        return INPUT_OK;
    }
    jv v = ndjson_parse_object(line, len, &it->why);
    if (it->why.code)
        return INPUT_BAD;
    *out = v;
    return INPUT_OK;
}
