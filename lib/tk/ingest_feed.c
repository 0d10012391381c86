/*
 * ingest_feed.c - one input into an ingest run: NDJSON, CSV or ZKTeco lines read
 * by core/input, bad items rejected, and armms-ingest's own Reject records
 * fed back the way they were first read.
 *
 * Invariants: every Reject written while reading an input names how that
 * input was read (format, CSV header, device, zone, map), so it can be fed
 * back; a fed-back record is read under its recorded origin, except where
 * the run was told otherwise (--device, --tz, --map given at open win), and
 * the run's own origin is restored before its next own record.
 */
#include <string.h>

#include "core/input.h"
#include "core/ndjson.h"
#include "tk/ingest.h"
#include "tk/ingest_int.h"

const char *const ingest_format_names[INGEST_NFORMATS] = {"ndjson", "csv", "zk", "zk-push"};

/* The run's own way of reading its records, after a Reject was fed back. */
static int own_origin(ingest_t *in, armms_err *err)
{
    if (!in->refed)
        return 0;
    in->refed = 0;
    rejection rj;
    int rc = ingest_set_origin(in, in->given.device, in->given.zone, in->given.map, &rj, err);
    return rc == REJECTED ? err_set(err, EXIT_SOFTWARE, "%s", rj.msg) : rc;
}

/* A Reject record (consumed) fed back: the record it holds is read again
 * the way the Reject says it was first read, and keeps its first source
 * and line. What this run was told (--device, --tz, --map) wins over what
 * the Reject recorded. Refused again, it is a Reject again, with the same
 * input and origin, so it can be fed back once more. */
static int refeed(ingest_t *in, jv rec, const char *name, long line, armms_err *err)
{
    const ingest_opts *o = &in->given;
    reject_fed f;
    reject_fed_peek(rec, &f);
    const char *text = f.input, *format = f.origin.format, *header = f.origin.header,
               *kind = f.origin.import;
    size_t len = f.input_len;
    const char *device = o->device ? o->device : f.origin.device;
    const char *zone = o->zone ? o->zone : f.origin.zone;
    const char *map = o->map ? o->map : f.origin.map;
    long at = f.line ? f.line : line;
    const char *src = f.source ? f.source : name;
    int fi = -1;
    for (int i = 0; i < 4; i++)
        if (!strcmp(format ? format : "ndjson", ingest_format_names[i]))
            fi = i;
    int zk = fi == INGEST_ZK || fi == INGEST_ZK_PUSH;
    reject_origin saved = in->rej->origin;
    in->rej->origin = (reject_origin){
        format, fi == INGEST_CSV ? header : NULL, device, zk ? zone : NULL, map, kind};
    in->refed = 1;
    rejection rj;
    int rc = 0, bad = 1;
    if (reject_fed_whole(&f, &rj)) {
        /* not kept whole: rj says so */
    } else if (kind)
        rejection_set(&rj, "BAD_FIELD",
                      "this Reject is from armms-import %s; feed it back to armms-import", kind);
    else if (fi < 0)
        rejection_set(&rj, "BAD_FIELD", "this Reject names an unknown format '%s'", format);
    else if (fi == INGEST_CSV && !header)
        rejection_set(&rj, "MISSING_FIELD", "this CSV Reject does not hold its header row");
    else if (fi == INGEST_ZK_PUSH && !device)
        rejection_set(&rj, "MISSING_FIELD", "this zk-push Reject names no device (give --device)");
    else if ((rc = ingest_set_origin(in, device, zk ? zone : NULL, map, &rj, err)) == 0)
        bad = 0;
    if (rc && rc != REJECTED) {
        bad = 0;
    } else if (bad) {
        ingest_reject(in, &rj, src, at, text, len);
        rc = 0;
    } else if (zk) {
        rc = ingest_zk_line(in, text, len, fi == INGEST_ZK_PUSH, src, at, err);
    } else {
        jv v;
        int st = INPUT_OK;
        if (fi == INGEST_CSV)
            st = input_csv_record(header, strlen(header), text, len, &v, &rj);
        else if (!jv_is_valid(v = ndjson_parse_object(text, len, &rj)))
            st = INPUT_BAD;
        if (st == INPUT_OK)
            rc = ingest_record(in, v, src, at, text, len, err);
        else
            ingest_reject(in, &rj, src, at, text, len);
    }
    in->rej->origin = saved;
    jv_free(rec);
    return rc;
}

/* Whether a flat line is a Reject record (its "kind"), to be fed back. */
static int flat_is_reject(const ndjson_member *m, int n)
{
    for (int i = 0; i < n; i++)
        if (m[i].klen == 4 && !memcmp(m[i].key, "kind", 4))
            return m[i].kind == JV_KIND_STRING && m[i].vlen == 6 && !memcmp(m[i].val, "Reject", 6);
    return 0;
}

int ingest_fd(ingest_t *in, int fd, const char *name, int fmt, armms_err *err)
{
    input_source rs;
    input_format rf = fmt == INGEST_CSV      ? INPUT_CSV
                      : fmt == INGEST_NDJSON ? INPUT_NDJSON
                                             : INPUT_LINES;
    if (input_open(&rs, fd, name, rf, err))
        return err->code;
    rs.csv_readable = 1;
    rs.keep = ndjson_keep_all; /* a ClockEvent is checked field by field */
    ndjson_member flat[16];    /* a ClockEvent has 11 fields at most */
    if (rf == INPUT_NDJSON) {
        rs.flat = flat;
        rs.flat_max = (int)(sizeof flat / sizeof *flat);
    }
    rs.lr.idle = ingest_idle;
    rs.lr.idle_ctx = in;
    /* Every Reject of this input says how it was read, to be fed back. */
    int zk = fmt == INGEST_ZK || fmt == INGEST_ZK_PUSH;
    const char *zone = in->given.zone ? in->given.zone : in->t->tz.name;
    reject_origin own = {ingest_format_names[fmt], NULL,          in->given.device,
                         zk ? zone : NULL,         in->given.map, NULL};
    int rc = 0, st;
    jv rec;
    input_item it;
    while (!rc && (st = input_next(&rs, &rec, &it, err)) != INPUT_EOF) {
        own.header = input_header_text(&rs);
        in->rej->origin = own;
        if (st == INPUT_FLAT && (in->jq || flat_is_reject(flat, rs.flat_n)))
            /* a map reads the record as jq has it; a Reject is fed back */
            st = jv_is_valid(rec = ndjson_parse_object(it.raw, it.raw_len, &it.why)) ? INPUT_OK
                                                                                     : INPUT_BAD;
        if (st < 0) {
            rc = err->code;
        } else if (st == INPUT_OK && rf == INPUT_NDJSON && reject_is_peek(rec)) {
            rc = refeed(in, rec, name, it.line, err);
        } else if ((rc = own_origin(in, err)) != 0) {
            if (st == INPUT_OK)
                jv_free(rec);
        } else if (st == INPUT_BAD) {
            ingest_reject(in, &it.why, name, it.line, it.raw, it.raw_len);
        } else if (st == INPUT_FLAT) {
            rc = ing_record_flat(in, flat, rs.flat_n, name, it.line, it.raw, it.raw_len, err);
        } else if (rf == INPUT_LINES) {
            rc = ingest_zk_line(in, it.raw, it.raw_len, fmt == INGEST_ZK_PUSH, name, it.line, err);
            jv_free(rec);
        } else {
            rc = ingest_record(in, rec, name, it.line, it.raw, it.raw_len, err);
        }
    }
    if (!rc)
        rc = own_origin(in, err);
    in->rej->origin = (reject_origin){0};
    input_close(&rs);
    return rc;
}
