/*
 * input.c - see input.h.
 */
#include "core/input.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum { CSV_OPTS = CSV_APPEND_NULL | CSV_EMPTY_IS_NULL };

/* How to convert what people most often have instead of UTF-8. */
#define ICONV_1252 "iconv -f WINDOWS-1252 -t UTF-8"
#define ICONV_16 "iconv -f UTF-16 -t UTF-8"

/* The first BAD_UTF8 of an input says how to convert it; the rest do not. */
static void hint_utf8(input_source *r, rejection *rj)
{
    if (r->hinted || !rj->code || strcmp(rj->code, "BAD_UTF8") != 0)
        return;
    r->hinted = 1;
    size_t n = strlen(rj->msg);
    snprintf(rj->msg + n, sizeof rj->msg - n,
             "; if %s is Windows-1252 text (a spreadsheet's plain CSV), convert it first: %s",
             r->lr.name, ICONV_1252);
}

/* A first line that is not JSON but has commas: a CSV file read as NDJSON. */
static int looks_csv(const char *s, size_t n)
{
    size_t i = 0;
    while (i < n && (s[i] == ' ' || s[i] == '\t'))
        i++;
    return i < n && s[i] != '{' && s[i] != '[' && memchr(s + i, ',', n - i) != NULL;
}

int input_open(input_source *r, int fd, const char *name, input_format fmt, armms_err *err)
{
    memset(r, 0, sizeof *r);
    r->fmt = fmt;
    line_reader_init(&r->lr, fd, name);
    sb_init(&r->raw);
    sb_init(&r->rowraw);
    sb_init(&r->header_text);
    sb_init(&r->rec);
    sb_init(&r->replay);
    sb_init(&r->long_head);
    r->header = jv_null();
    r->row = jv_array();
    r->rows = jv_array();
    r->queue = jv_array();
    if (fmt == INPUT_CSV && csv_init(&r->csv, CSV_OPTS) != 0)
        return err_set(err, EXIT_SOFTWARE, "libcsv: cannot initialise");
    return 0;
}

void input_close(input_source *r)
{
    if (r->fmt == INPUT_CSV)
        csv_free(&r->csv);
    jv_free(r->header);
    jv_free(r->row);
    jv_free(r->rows);
    jv_free(r->queue);
    free(r->header_error);
    sb_free(&r->raw);
    sb_free(&r->peek_copy);
    sb_free(&r->rowraw);
    sb_free(&r->header_text);
    sb_free(&r->rec);
    sb_free(&r->replay);
    sb_free(&r->long_head);
    line_reader_free(&r->lr);
}

jv input_header_peek(input_source *r)
{
    return r->header;
}

const char *input_header_text(const input_source *r)
{
    return r->fmt == INPUT_CSV && r->header_done ? r->header_text.s : NULL;
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

/* libcsv's field callback. A field that cannot be a value is kept as a
 * marker so the row stays aligned; the row is refused when it is read:
 * true for a field that is not UTF-8, false for one over CSV_FIELD_MAX. */
static void csv_field(void *s, size_t n, void *ctx)
{
    input_source *r = ctx;
    if (jv_array_length(jv_copy(r->row)) > 0)
        sb_addc(&r->rowraw, ',');
    if (!s) {
        r->row = jv_array_append(r->row, jv_null());
        return;
    }
    raw_field(&r->rowraw, s, n);
    if (n > CSV_FIELD_MAX) {
        r->row = jv_array_append(r->row, jv_false());
        return;
    }
    if (!utf8_valid(s, n)) {
        r->row = jv_array_append(r->row, jv_true());
        return;
    }
    r->row = jv_array_append(r->row, jv_string_sized(s, (int)n));
}

/* libcsv's row callback: the row joins those of the record being read. */
static void csv_row_end(int c, void *ctx)
{
    (void)c;
    input_source *r = ctx;
    /* jv_string_sized turns bytes that are not UTF-8 into U+FFFD. */
    jv raw = jv_string_sized(r->rowraw.s, (int)r->rowraw.len);
    sb_reset(&r->rowraw);
    r->rows = jv_array_append(r->rows, jv_array_append(jv_array_append(jv_array(), r->row), raw));
    r->row = jv_array();
}

static int row_blank_peek(jv row)
{
    if (jv_array_length(jv_copy(row)) != 1)
        return 0;
    jv f = jv_array_get(jv_copy(row), 0);
    int blank = jv_get_kind(f) == JV_KIND_NULL;
    jv_free(f);
    return blank;
}

/* The first row: the column names (row consumed). */
static void take_header(input_source *r, jv row)
{
    int n = jv_array_length(jv_copy(row));
    r->header_done = 1;
    jv_free(r->header);
    r->header = jv_array();
    for (int i = 0; i < n; i++) {
        jv f = jv_array_get(jv_copy(row), i);
        if (jv_get_kind(f) != JV_KIND_STRING) {
            if (!r->header_error && jv_get_kind(f) == JV_KIND_TRUE)
                r->header_error =
                    xasprintf("header column %d is not valid UTF-8; if %s is Windows-1252 text (a "
                              "spreadsheet's plain CSV), convert it first: %s",
                              i + 1, r->lr.name, ICONV_1252);
            else if (!r->header_error)
                r->header_error = xasprintf("header column %d is empty", i + 1);
            jv_free(f);
            continue;
        }
        for (int k = 0; k < i && !r->header_error; k++) {
            jv h = jv_array_get(jv_copy(r->header), k);
            if (jv_get_kind(h) == JV_KIND_STRING &&
                strcmp(jv_string_value(h), jv_string_value(f)) == 0)
                r->header_error = xasprintf("header names column '%s' twice", jv_string_value(f));
            jv_free(h);
        }
        r->header = jv_array_append(r->header, f);
    }
    jv_free(row);
}

/* Forget the record being read and start libcsv afresh. */
static void record_reset(input_source *r)
{
    csv_free(&r->csv);
    if (csv_init(&r->csv, CSV_OPTS) != 0)
        armms_fatal("libcsv: cannot initialise");
    jv_free(r->row);
    r->row = jv_array();
    jv_free(r->rows);
    r->rows = jv_array();
    sb_reset(&r->rowraw);
    sb_reset(&r->rec);
    r->rec_lines = 0;
}

/* The record being read is not a record: its first line alone is rejected
 * (why), and the lines after it are read again. -1 for the header row. */
static int record_fail(input_source *r, input_item *it, const char *why)
{
    if (!r->header_done) {
        if (!r->header_error)
            r->header_error = xasprintf("the header row %s", why);
        return -1;
    }
    size_t n = r->rec_first;
    if (n > 0 && r->rec.s[n - 1] == '\n')
        n--;
    if (n > 0 && r->rec.s[n - 1] == '\r')
        n--;
    sb_reset(&r->raw);
    sb_add(&r->raw, r->rec.s, n);
    it->line = r->rec_line;
    it->raw = r->raw.s;
    it->raw_len = r->raw.len;
    rejection_set(&it->why, "PARSE", "row %s; reading resumes at the next line", why);
    strbuf again;
    sb_init(&again);
    sb_add(&again, r->rec.s + r->rec_first, r->rec.len - r->rec_first);
    sb_add(&again, r->replay.s + r->replay_pos, r->replay.len - r->replay_pos);
    sb_free(&r->replay);
    r->replay = again;
    r->replay_pos = 0;
    r->replay_line = r->rec_line + 1;
    record_reset(r);
    return INPUT_BAD;
}

/* True when libcsv's strict mode reads s without a complaint: no quote
 * inside an unquoted field and nothing but a separator after a closing
 * quote. A stray quote that swallowed the lines after it seldom passes. */
static int strict_ok(const char *s, size_t n)
{
    struct csv_parser p;
    if (csv_init(&p, CSV_STRICT | CSV_STRICT_FINI) != 0)
        armms_fatal("libcsv: cannot initialise");
    int ok = csv_parse(&p, s, n, NULL, NULL, NULL) == n && csv_fini(&p, NULL, NULL, NULL) == 0;
    csv_free(&p);
    return ok;
}

/* The record is complete and r->rows holds what libcsv made of it: queue
 * its rows, or refuse it (record_fail) when it spans lines and is not one
 * well-formed row. */
static int record_done(input_source *r, input_item *it)
{
    int k = jv_array_length(jv_copy(r->rows));
    if (r->rec_lines > 1 && r->header_done) {
        int ok = k == 1 && r->rec.len <= CSV_RECORD_MAX && strict_ok(r->rec.s, r->rec.len);
        if (ok) {
            jv row = jv_array_get(jv_array_get(jv_copy(r->rows), 0), 0);
            int n = jv_array_length(jv_copy(row));
            ok = n == jv_array_length(jv_copy(r->header));
            for (int i = 0; ok && i < n; i++) {
                jv f = jv_array_get(jv_copy(row), i);
                ok = jv_get_kind(f) == JV_KIND_STRING || jv_get_kind(f) == JV_KIND_NULL;
                jv_free(f);
            }
            jv_free(row);
        }
        if (!ok) {
            char why[160];
            snprintf(why, sizeof why,
                     "opens a quoted field that runs over %d lines and does not close as one "
                     "well-formed row of %d fields within %d bytes",
                     r->rec_lines, jv_array_length(jv_copy(r->header)), CSV_RECORD_MAX);
            return record_fail(r, it, why);
        }
    }
    size_t tn = r->rec.len;
    if (tn > 0 && r->rec.s[tn - 1] == '\n')
        tn--;
    if (tn > 0 && r->rec.s[tn - 1] == '\r')
        tn--;
    for (int i = 0; i < k; i++) {
        jv pair = jv_array_get(jv_copy(r->rows), i);
        jv row = jv_array_get(jv_copy(pair), 0);
        jv raw = jv_array_get(pair, 1);
        if (row_blank_peek(row)) {
            jv_free(row);
            jv_free(raw);
        } else if (!r->header_done) {
            take_header(r, row);
            jv_free(raw);
            sb_reset(&r->header_text);
            if (k == 1)
                sb_add(&r->header_text, r->rec.s, tn);
            else
                sb_adds(&r->header_text, jv_string_value(raw));
        } else {
            jv item = jv_array_append(jv_array_append(jv_array(), jv_number(r->rec_line)), row);
            r->queue = jv_array_append(r->queue, jv_array_append(item, raw));
        }
    }
    jv_free(r->rows);
    r->rows = jv_array();
    sb_reset(&r->rec);
    r->rec_lines = 0;
    return 0;
}

/* The next line as read: first the lines to read again, then a too long
 * line that waited behind them, then the input. */
static int next_line(input_source *r, char **s, size_t *n, long *no)
{
    if (r->replay.len && r->replay_pos == r->replay.len) {
        sb_reset(&r->replay);
        r->replay_pos = 0;
    }
    if (r->replay_pos < r->replay.len) {
        char *p = r->replay.s + r->replay_pos;
        size_t left = r->replay.len - r->replay_pos;
        char *nl = memchr(p, '\n', left);
        size_t len = nl ? (size_t)(nl - p) + 1 : left;
        r->replay_pos += len;
        *s = p;
        *n = len;
        *no = r->replay_line++;
        return LINE_OK;
    }
    if (r->long_pending) {
        r->long_pending = 0;
        *s = r->long_head.s;
        *n = r->long_head.len;
        *no = r->long_line;
        return LINE_TOO_LONG;
    }
    int st = line_next_raw(&r->lr, s, n);
    *no = r->lr.lineno;
    return st;
}

/* Read one record, line by line, into libcsv: INPUT_OK (its rows queued),
 * INPUT_BAD (it filled), INPUT_EOF, or -1 (err filled, or a bad header in
 * r->header_error). */
static int csv_record(input_source *r, input_item *it, armms_err *err)
{
    char why[160];
    for (;;) {
        char *s;
        size_t n;
        long no;
        int st = next_line(r, &s, &n, &no);
        if (st == LINE_IOERR)
            return err_set(err, EXIT_IOERR, "%s: read error: %s", r->lr.name, strerror(r->lr.err)),
                   -1;
        if (st == LINE_EOF)
            return r->rec_lines == 0
                       ? INPUT_EOF
                       : record_fail(r, it,
                                     "opens a quoted field that is not closed by the end "
                                     "of the input");
        if (st == LINE_TOO_LONG) {
            snprintf(why, sizeof why,
                     "opens a quoted field that is not closed before a line longer than %d "
                     "bytes",
                     CSV_RECORD_MAX);
            if (r->rec_lines > 0) {
                r->long_pending = 1;
                r->long_line = no;
                sb_reset(&r->long_head);
                sb_add(&r->long_head, s, n);
                return record_fail(r, it, why);
            }
            if (!r->header_done) {
                r->header_error =
                    xasprintf("the header row is longer than %d bytes", CSV_RECORD_MAX);
                return -1;
            }
            sb_reset(&r->raw);
            sb_add(&r->raw, s, n);
            it->line = no;
            it->raw = r->raw.s;
            it->raw_len = r->raw.len;
            rejection_set(&it->why, "TOO_LONG", "line is longer than %d bytes", CSV_RECORD_MAX);
            return INPUT_BAD;
        }
        if (r->rec_lines == 0) {
            r->rec_line = no;
            r->rec_first = n;
        }
        sb_add(&r->rec, s, n);
        r->rec_lines++;
        csv_parse(&r->csv, s, n, csv_field, csv_row_end, r);
        int last = n == 0 || s[n - 1] != '\n';
        if (r->csv.quoted) { /* inside a quoted field: the record goes on */
            if (last)
                return record_fail(r, it,
                                   "opens a quoted field that is not closed by the end "
                                   "of the input");
            if (r->rec_lines >= CSV_RECORD_LINES || r->rec.len > CSV_RECORD_MAX) {
                snprintf(why, sizeof why,
                         "opens a quoted field that is not closed within %d lines or %d bytes",
                         CSV_RECORD_LINES, CSV_RECORD_MAX);
                return record_fail(r, it, why);
            }
            continue;
        }
        if (last)
            csv_fini(&r->csv, csv_field, csv_row_end, r);
        int rc = record_done(r, it);
        return rc ? rc : INPUT_OK;
    }
}

static int csv_next(input_source *r, jv *out, input_item *it, armms_err *err)
{
    while (r->qpos >= jv_array_length(jv_copy(r->queue))) {
        if (r->qpos) {
            jv_free(r->queue);
            r->queue = jv_array();
            r->qpos = 0;
        }
        if (r->eof)
            return INPUT_EOF;
        int st = csv_record(r, it, err);
        if (r->header_error) {
            err_set(err, EXIT_DATAERR, "%s: %s", r->lr.name, r->header_error);
            return -1;
        }
        if (st < 0 || st == INPUT_BAD)
            return st;
        if (st == INPUT_EOF)
            r->eof = 1;
    }
    jv item = jv_array_get(jv_copy(r->queue), r->qpos++);
    it->line = (long)jv_number_value(jv_array_get(jv_copy(item), 0));
    jv row = jv_array_get(jv_copy(item), 1);
    jv raw = jv_array_get(item, 2);
    sb_reset(&r->raw);
    sb_add(&r->raw, jv_string_value(raw), (size_t)jv_string_length_bytes(jv_copy(raw)));
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
        if (jv_get_kind(f) == JV_KIND_TRUE || jv_get_kind(f) == JV_KIND_FALSE) {
            if (jv_get_kind(f) == JV_KIND_TRUE) {
                rejection_set(&it->why, "BAD_UTF8", "field %d is not valid UTF-8", i + 1);
                hint_utf8(r, &it->why);
            } else
                rejection_set(&it->why, "TOO_LONG", "field %d is longer than %d bytes", i + 1,
                              CSV_FIELD_MAX);
            jv_free(obj);
            jv_free(row);
            return INPUT_BAD;
        }
        obj = jv_object_set(obj, jv_array_get(jv_copy(r->header), i), f);
    }
    jv_free(row);
    *out = obj;
    return INPUT_OK;
}

int input_csv_record(const char *header, size_t hlen, const char *record, size_t rlen, jv *out,
                     rejection *rj)
{
    input_source r;
    armms_err err = {0};
    if (input_open(&r, -1, "<reject>", INPUT_CSV, &err))
        return rejection_set(rj, "PARSE", "%s", err.msg), INPUT_BAD;
    r.lr.eof = 1; /* nothing to read but the text */
    sb_add(&r.replay, header, hlen);
    sb_addc(&r.replay, '\n');
    sb_add(&r.replay, record, rlen);
    sb_addc(&r.replay, '\n');
    r.replay_line = 1;
    input_item it;
    jv v;
    int st = input_next(&r, &v, &it, &err);
    if (st == INPUT_OK) {
        input_item it2;
        jv extra;
        int st2 = input_next(&r, &extra, &it2, &err);
        if (st2 == INPUT_OK)
            jv_free(extra);
        if (st2 != INPUT_EOF) {
            jv_free(v);
            rejection_set(rj, "PARSE", "the input holds more than one CSV record");
            st = INPUT_BAD;
        } else {
            *out = v;
        }
    } else if (st == INPUT_BAD) {
        *rj = it.why;
    } else if (st == INPUT_EOF) {
        rejection_set(rj, "PARSE", "the input holds no CSV record");
        st = INPUT_BAD;
    } else {
        rejection_set(rj, "PARSE", "%s", err.msg);
        st = INPUT_BAD;
    }
    input_close(&r);
    return st;
}

/* An input that starts with a UTF-16 byte-order mark is refused whole:
 * INPUT_BAD once (CSV: -1, as for a bad header), then INPUT_EOF. */
static int utf16_refused(input_source *r, input_item *it, armms_err *err)
{
    if (r->stopped)
        return INPUT_EOF;
    r->stopped = 1;
    if (r->fmt == INPUT_CSV)
        return err_set(err, EXIT_DATAERR, "%s is UTF-16 text, not UTF-8: convert it first: %s",
                       r->lr.name, ICONV_16),
               -1;
    it->line = 1;
    rejection_set(&it->why, "BAD_UTF8",
                  "the input is UTF-16 text, not UTF-8: convert it first: %s; nothing of it "
                  "is read",
                  ICONV_16);
    return INPUT_BAD;
}

int input_next(input_source *r, jv *out, input_item *it, armms_err *err)
{
    memset(it, 0, sizeof *it);
    if (!r->lr.started && r->lr.fd >= 0 && line_reader_start(&r->lr) < 0)
        return err_set(err, EXIT_IOERR, "%s: read error: %s", r->lr.name, strerror(r->lr.err)), -1;
    if (r->lr.utf16)
        return utf16_refused(r, it, err);
    if (r->stopped)
        return INPUT_EOF;
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
            hint_utf8(r, &it->why);
            return INPUT_BAD;
        }
        *out = jv_string_sized(line, (int)len);
        return INPUT_OK;
    }
    int first = !r->first_seen;
    r->first_seen = 1;
    if (r->flat && ndjson_parse_flat(line, len, r->flat, r->flat_max, &r->flat_n) == 0)
        return INPUT_FLAT;
    if (r->peek && r->keep &&
        ndjson_parse_peek(line, len, r->keep, r->peek, r->peek_max, &r->peek_n, &r->peek_copy) ==
            0)
        return INPUT_PEEK;
    jv v = r->keep ? ndjson_parse_fields(line, len, r->keep, &it->why)
                   : ndjson_parse_object(line, len, &it->why);
    if (it->why.code) {
        if (first && strcmp(it->why.code, "NOT_OBJECT") != 0 && looks_csv(line, len)) {
            r->stopped = 1;
            rejection_set(&it->why, "PARSE",
                          "the input looks like CSV, not NDJSON (its first line is not JSON but "
                          "has commas): %s; the rest of %s is not read",
                          r->csv_readable ? "use --format csv" : "this tool reads NDJSON only",
                          r->lr.name);
        }
        hint_utf8(r, &it->why);
        return INPUT_BAD;
    }
    *out = v;
    return INPUT_OK;
}
