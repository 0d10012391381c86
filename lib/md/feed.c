/*
 * feed.c - one input of master data into an import run: records read by
 * core/input (NDJSON or CSV), the header checked against the kind, bad
 * items rejected, and armms-import's own Reject records fed back as they
 * were first read. Commits every 5,000 records and at the end; on a
 * failure the caller rolls back.
 *
 * Invariant: every item read is counted once, as inserted, updated,
 * unchanged or rejected (md_counts), whichever way it came in.
 */
#include <string.h>

#include "core/input.h"
#include "core/ndjson.h"
#include "md/md_int.h"

/* A Reject record (consumed) fed back: the record it holds is read again
 * as it was first read (CSV under its header row), keeping its first
 * source and line; refused again, it is a Reject again with the same
 * input and origin. */
static int refeed(md_import *mi, jv rec, const char *name, long line, reject_sink *rej,
                  md_counts *n, armms_err *err)
{
    const md_kind *k = mi->k;
    const char *kname = k->name;
    reject_fed f;
    reject_fed_peek(rec, &f);
    const char *text = f.input, *format = f.origin.format, *header = f.origin.header,
               *kind = f.origin.import;
    size_t len = f.input_len;
    long at = f.line ? f.line : line;
    const char *src = f.source ? f.source : name;
    int csv = format && !strcmp(format, "csv");
    reject_origin saved = rej->origin;
    rej->origin = (reject_origin){format, csv ? header : NULL, NULL, NULL, NULL, kind};
    rejection rj = {0};
    jv v = jv_invalid();
    armms_err herr = {0};
    if (reject_fed_whole(&f, &rj)) {
        /* not kept whole: rj says so */
    } else if (!kind || strcmp(kind, kname) != 0)
        rejection_set(&rj, "BAD_FIELD", "this Reject is not from armms-import %s%s%s", kname,
                      kind ? " but from armms-import " : "", kind ? kind : "");
    else if (format && strcmp(format, "csv") && strcmp(format, "ndjson"))
        rejection_set(&rj, "BAD_FIELD", "this Reject names an unknown format '%s'", format);
    else if (csv && !header)
        rejection_set(&rj, "MISSING_FIELD", "this CSV Reject does not hold its header row");
    else if (!csv)
        v = ndjson_parse_object(text, len, &rj);
    else if (input_csv_record(header, strlen(header), text, len, &v, &rj) == INPUT_OK) {
        jv cols = jv_keys(jv_copy(v));
        if (md_check_header_peek(k, cols, &herr)) {
            jv_free(v);
            v = jv_invalid();
            rejection_set(&rj, "UNKNOWN_FIELD", "%s", herr.msg);
        }
        jv_free(cols);
    }
    int rc = 0;
    if (jv_is_valid(v)) {
        rc = md_upsert(mi, v, csv, rej, src, at, text, len, n, err);
    } else {
        reject_emit(rej, &rj, src, at, text, len);
        n->read++;
        n->rejected++;
    }
    rej->origin = saved;
    jv_free(rec);
    return rc;
}

int md_import_fd(md_import *mi, int fd, const char *name, input_format fmt, reject_sink *rej,
                 md_counts *n, armms_err *err)
{
    const md_kind *k = mi->k;
    const char *kname = k->name;
    input_source rs;
    if (input_open(&rs, fd, name, fmt, err))
        return err->code;
    rs.csv_readable = 1;
    /* Every Reject of this input says how it was read, to be fed back. */
    reject_origin own = {fmt == INPUT_CSV ? "csv" : "ndjson", NULL, NULL, NULL, NULL, kname};
    int rc = md_begin(mi, err), st, header_checked = 0;
    long since_commit = 0;
    jv rec;
    input_item it;
    while (!rc && (st = input_next(&rs, &rec, &it, err)) != INPUT_EOF) {
        if (st < 0) {
            rc = err->code;
            break;
        }
        progress_tick(mi->progress, n->read + 1, 0, "records");
        own.header = input_header_text(&rs);
        rej->origin = own;
        if (st == INPUT_OK && fmt == INPUT_NDJSON && reject_is_peek(rec)) {
            rc = refeed(mi, rec, name, it.line, rej, n, err);
            continue;
        }
        if (fmt == INPUT_CSV && !header_checked) {
            header_checked = 1;
            if ((rc = md_check_header_peek(k, input_header_peek(&rs), err))) {
                if (st == INPUT_OK)
                    jv_free(rec);
                break;
            }
        }
        if (st == INPUT_BAD) {
            reject_emit(rej, &it.why, name, it.line, it.raw, it.raw_len);
            n->read++;
            n->rejected++;
            continue;
        }
        rc = md_upsert(mi, rec, fmt == INPUT_CSV, rej, name, it.line, it.raw, it.raw_len, n, err);
        if (!rc && ++since_commit == 5000) {
            since_commit = 0;
            rc = md_commit(mi, err);
            if (!rc)
                rc = md_begin(mi, err);
        }
    }
    if (!rc && fmt == INPUT_CSV && !header_checked &&
        jv_get_kind(input_header_peek(&rs)) == JV_KIND_ARRAY)
        rc = md_check_header_peek(k, input_header_peek(&rs), err);
    if (!rc)
        rc = md_commit(mi, err);
    rej->origin = (reject_origin){0};
    input_close(&rs);
    return rc;
}
