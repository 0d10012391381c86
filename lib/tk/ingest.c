/*
 * ingest.c - see ingest.h.
 */
#include "tk/ingest.h"

#include <assert.h>
#include <jq.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/idset.h"
#include "core/ndjson.h"
#include "core/ulid.h"

struct ingest {
    tenant_t *t;
    store_t s;
    ingest_opts o;
    tz_t zone;
    FILE *out;
    reject_sink *rej;
    jq_state *jq;
    char *jq_error;
    char *map_text; /* the program jq runs (a copy), NULL for none */
    sqlite3_stmt *ins, *dup, *guard, *pin, *det;
    idset known_guards, known_dets; /* ids already found in hr.db */
    strbuf pending;                 /* accepted records of the open batch */
    strbuf payload, key;
    long in_batch, batch_accepted;
    int in_tx;
    armms_err failed; /* sticky: a commit failed; nothing more lands */
    instant_t now;
    char received_at[24];
    ingest_counts n;
};

static const char ins_sql[] =
    "INSERT INTO clock_event(clock_event_id, dedupe_key, device_id, event_id, guard_id, ts,"
    " ts_offset, type, detachment_id, received_at) VALUES (?,?,?,?,?,?,?,?,?,?)"
    " ON CONFLICT(dedupe_key) DO NOTHING";
static const char dup_sql[] =
    "SELECT guard_id, ts, type, detachment_id FROM clock_event WHERE dedupe_key=?";
static const char guard_sql[] = "SELECT 1 FROM hr.guard WHERE guard_id=?";
static const char pin_sql[] = "SELECT guard_id FROM hr.guard WHERE employee_no=?";
static const char det_sql[] = "SELECT 1 FROM hr.detachment WHERE detachment_id=?";

static void jq_err_cb(void *ctx, jv msg)
{
    ingest_t *in = ctx;
    if (!in->jq_error) {
        jv s = jq_format_error(msg);
        in->jq_error = xstrdup(jv_get_kind(s) == JV_KIND_STRING ? jv_string_value(s) : "error");
        jv_free(s);
    } else {
        jv_free(msg);
    }
}

/* The first word of a jq program, past blanks and # comments. */
static size_t first_word(const char *p, const char **w)
{
    for (;;) {
        while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
            p++;
        if (*p != '#')
            break;
        while (*p && *p != '\n')
            p++;
    }
    size_t n = 0;
    while ((p[n] >= 'a' && p[n] <= 'z') || (p[n] >= 'A' && p[n] <= 'Z') || p[n] == '_')
        n++;
    *w = p;
    return n;
}

/* Compile prog into a fresh jq state for in (EXIT_USAGE with jq's message
 * when it does not compile). jq's grammar puts module directives (module,
 * import, include) before anything else, so a program using them starts
 * with one of those words; a --map may not read other files, so they are
 * refused, and jq gets an empty library path besides (libjq 1.6 aborts on
 * an import without one). */
static int map_compile(ingest_t *in, const char *prog, armms_err *err)
{
    if (in->jq)
        jq_teardown(&in->jq);
    free(in->jq_error);
    free(in->map_text);
    in->jq_error = in->map_text = NULL;
    const char *w;
    size_t n = first_word(prog, &w);
    if ((n == 6 && !strncmp(w, "import", 6)) || (n == 7 && !strncmp(w, "include", 7)) ||
        (n == 6 && !strncmp(w, "module", 6)))
        return err_set(err, EXIT_USAGE,
                       "--map may not use %.*s: a map is one program, it reads no modules or "
                       "files",
                       (int)n, w);
    in->jq = jq_init();
    if (!in->jq)
        return err_set(err, EXIT_SOFTWARE, "cannot start jq");
    jq_set_error_cb(in->jq, jq_err_cb, in);
    jq_set_attr(in->jq, jv_string("JQ_LIBRARY_PATH"), jv_array());
    jq_set_attr(in->jq, jv_string("JQ_ORIGIN"), jv_string("/nonexistent"));
    jq_set_attr(in->jq, jv_string("PROGRAM_ORIGIN"), jv_string("/nonexistent"));
    if (!jq_compile(in->jq, prog)) {
        err_set(err, EXIT_USAGE, "--map does not compile: %s",
                in->jq_error ? in->jq_error : "syntax error");
        jq_teardown(&in->jq);
        return err->code;
    }
    in->map_text = xstrdup(prog);
    return 0;
}

int ingest_set_origin(ingest_t *in, const char *device, const char *zone, const char *map,
                      rejection *rj, armms_err *err)
{
    in->o.device = device;
    if (!zone) {
        in->zone = in->t->tz;
    } else if (strcmp(in->zone.name, zone) != 0) {
        tz_t z;
        if (tz_load(&z, zone) != 0)
            return rejection_set(rj, "BAD_FIELD", "unknown time zone '%s'", zone);
        in->zone = z;
    }
    if (!map) {
        if (in->jq)
            jq_teardown(&in->jq);
        free(in->map_text);
        in->map_text = NULL;
        return 0;
    }
    if (in->map_text && strcmp(in->map_text, map) == 0)
        return 0;
    armms_err e = {0};
    if (map_compile(in, map, &e))
        return rejection_set(rj, "MAP_ERROR", "%s", e.msg);
    (void)err;
    return 0;
}

int ingest_open(ingest_t **out, tenant_t *t, const ingest_opts *o, FILE *f, reject_sink *rej,
                armms_err *err)
{
    ingest_t *in = xcalloc(1, sizeof *in);
    *out = in;
    in->t = t;
    in->o = *o;
    in->out = f;
    in->rej = rej;
    sb_init(&in->pending);
    sb_init(&in->payload);
    sb_init(&in->key);
    idset_init(&in->known_guards, 1u << 20);
    idset_init(&in->known_dets, 1u << 16);
    in->zone = t->tz;
    if (o->zone && tz_load(&in->zone, o->zone) != 0)
        return err_set(err, EXIT_USAGE, "unknown time zone '%s'", o->zone);
    if (o->map && map_compile(in, o->map, err))
        return err->code;
    if (store_open(&in->s, t, "tk", 0, err) || store_attach_ro(&in->s, "hr", err))
        return err->code;
    if (store_prepare(&in->s, &in->ins, ins_sql, err) ||
        store_prepare(&in->s, &in->dup, dup_sql, err) ||
        store_prepare(&in->s, &in->guard, guard_sql, err) ||
        store_prepare(&in->s, &in->pin, pin_sql, err) ||
        store_prepare(&in->s, &in->det, det_sql, err))
        return err->code;
    const char *fixed = getenv("ARMMS_NOW");
    if (!(fixed && *fixed && iso_parse(fixed, &in->now, NULL) == 0))
        in->now = (instant_t)time(NULL);
    iso_format_utc(in->now, in->received_at);
    return 0;
}

const ingest_counts *ingest_counts_of(const ingest_t *in)
{
    return &in->n;
}

static void reject_why(ingest_t *in, const rejection *rj, const char *source, long line,
                       const char *raw, size_t raw_len)
{
    reject_emit(in->rej, rj, source, line, raw, raw_len);
    in->n.rejected++;
}

void ingest_reject(ingest_t *in, const rejection *rj, const char *source, long line,
                   const char *raw, size_t raw_len)
{
    in->n.read++;
    reject_why(in, rj, source, line, raw, raw_len);
}

/* Master data only grows during a run (ingest reads hr.db read-only), so a
 * positive answer can be remembered. */
static int exists(sqlite3_stmt *st, idset *known, const char *v)
{
    if (idset_has(known, v))
        return 1;
    sqlite3_bind_text(st, 1, v, -1, SQLITE_STATIC);
    int found = sqlite3_step(st) == SQLITE_ROW;
    sqlite3_reset(st);
    if (found)
        idset_add(known, v);
    return found;
}

/* A short id-like string: 1..max bytes, no control characters. */
static int id_ok(const char *s, size_t max)
{
    size_t n = strlen(s);
    if (n == 0 || n > max)
        return 0;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
            return 0;
    return 1;
}

static const char *const known_fields[] = {"event_id",       "device_id",     "guard_id",   "ts",
                                           "type",           "detachment_id", "kind",       "v",
                                           "clock_event_id", "ts_local",      "received_at"};

/* One ClockEvent as it is checked and stored. The strings are borrowed
 * from the input record (device may be the --device default); the rest is
 * derived from them by ev_check. */
typedef struct clock_ev {
    const char *device, *guard, *ts, *type, *event_id, *det;
    char utype[4];           /* IN or OUT */
    instant_t at;            /* ts as an instant */
    int off;                 /* ts's offset, minutes */
    char utc[24], local[32]; /* ts in UTC, and with its own offset */
} clock_ev;

/* One pass over the object (which keeps ev's strings alive): pick the
 * known fields, refuse others, and check the kinds of the values. */
static int ev_fields_peek(ingest_t *in, jv rec, clock_ev *ev, rejection *rj)
{
    enum { K_EVENT_ID, K_DEVICE, K_GUARD, K_TS, K_TYPE, K_DET, K_KIND, K_V, K_OTHER };
    const char *f[K_OTHER] = {0};
    int bad = 0; /* the last bad value seen: 1 not a string, 2 v not 1 */
    jv_object_foreach(rec, key, val)
    {
        const char *name = jv_string_value(key);
        int i = 0;
        while (i < (int)(sizeof known_fields / sizeof *known_fields) &&
               strcmp(name, known_fields[i]) != 0)
            i++;
        if (i == (int)(sizeof known_fields / sizeof *known_fields)) {
            rejection_set(rj, "UNKNOWN_FIELD", "ClockEvent has no field '%s'", name);
            jv_free(key);
            jv_free(val);
            return REJECTED;
        }
        jv_kind vk = jv_get_kind(val);
        if (i < K_OTHER && i != K_V) {
            if (vk == JV_KIND_STRING)
                f[i] = jv_string_value(val); /* rec keeps it alive */
            else if (vk != JV_KIND_NULL)
                bad = 1;
            if (vk == JV_KIND_STRING &&
                strlen(f[i]) != (size_t)jv_string_length_bytes(jv_copy(val))) {
                /* a NUL inside would cut the value short unseen */
                rejection_set(rj, "BAD_FIELD", "%s contains a control character", name);
                jv_free(key);
                jv_free(val);
                return REJECTED;
            }
        } else if (i == K_V && !(vk == JV_KIND_NUMBER && jv_number_value(val) == 1)) {
            bad = 2;
        }
        jv_free(key);
        jv_free(val);
    }
    if (bad == 2)
        return rejection_set(rj, "BAD_FIELD", "v must be 1");
    if (f[K_KIND] && strcmp(f[K_KIND], "ClockEvent") != 0)
        return rejection_set(rj, "BAD_FIELD", "kind must be ClockEvent");
    if (bad)
        return rejection_set(rj, "BAD_FIELD", "ids, ts and type must be strings");
    ev->device = f[K_DEVICE] ? f[K_DEVICE] : in->o.device;
    ev->guard = f[K_GUARD];
    ev->ts = f[K_TS];
    ev->type = f[K_TYPE];
    ev->event_id = f[K_EVENT_ID];
    ev->det = f[K_DET];
    return 0;
}

/* The values themselves: present, well formed, not in the future, and
 * naming a guard and detachment the master data knows. */
static int ev_check(ingest_t *in, clock_ev *ev, rejection *rj)
{
    static const char *const req[] = {"device_id", "guard_id", "ts", "type"};
    const char *vals[] = {ev->device, ev->guard, ev->ts, ev->type};
    for (int i = 0; i < 4; i++)
        if (!vals[i])
            return rejection_set(rj, "MISSING_FIELD", "%s is required", req[i]);
    if (!id_ok(ev->device, 64) || !id_ok(ev->guard, 64) || (ev->det && !id_ok(ev->det, 64)) ||
        (ev->event_id && !id_ok(ev->event_id, 128)))
        return rejection_set(rj, "BAD_FIELD",
                             "ids must be 1 to 64 characters (event_id 128) without control "
                             "characters");
    if (strcasecmp(ev->type, "IN") && strcasecmp(ev->type, "OUT"))
        return rejection_set(rj, "BAD_FIELD", "type '%s' is not IN or OUT", ev->type);
    snprintf(ev->utype, sizeof ev->utype, "%s", strlen(ev->type) == 2 ? "IN" : "OUT");
    if (iso_parse(ev->ts, &ev->at, &ev->off) != 0)
        return rejection_set(rj, "BAD_TS", "ts '%s' is not an ISO-8601 time with an offset",
                             ev->ts);
    if (ev->at > in->now + in->o.max_future_s)
        return rejection_set(rj, "FUTURE_TS", "ts %s is more than %ld hours ahead of now", ev->ts,
                             in->o.max_future_s / 3600);
    if (!exists(in->guard, &in->known_guards, ev->guard))
        return rejection_set(rj, "UNKNOWN_GUARD", "guard %s does not exist", ev->guard);
    if (ev->det && !exists(in->det, &in->known_dets, ev->det))
        return rejection_set(rj, "UNKNOWN_DETACHMENT", "detachment %s does not exist", ev->det);
    iso_format_utc(ev->at, ev->utc);
    iso_format_offset(ev->at, ev->off, ev->local);
    return 0;
}

/* The idempotency key (ingest.h) into in->key. Fields are joined by US
 * (0x1f), which no id may contain. */
static void ev_key(ingest_t *in, const clock_ev *ev)
{
    strbuf *k = &in->key;
    sb_reset(k);
    sb_adds(k, ev->event_id ? "E\x1f" : "K\x1f");
    sb_adds(k, ev->device);
    sb_addc(k, 0x1f);
    if (ev->event_id) {
        sb_adds(k, ev->event_id);
    } else {
        sb_adds(k, ev->guard);
        sb_addc(k, 0x1f);
        sb_adds(k, ev->utc);
        sb_addc(k, 0x1f);
        sb_adds(k, ev->utype);
    }
}

/* Insert the event under in->key as clock_event_id id; *fresh is 0 when
 * the key was already recorded (nothing inserted). */
static int ev_insert(ingest_t *in, const clock_ev *ev, const char *id, int *fresh, armms_err *err)
{
    sqlite3_stmt *st = in->ins;
    sqlite3_bind_text(st, 1, id, 26, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, in->key.s, (int)in->key.len, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, ev->device, -1, SQLITE_STATIC);
    if (ev->event_id)
        sqlite3_bind_text(st, 4, ev->event_id, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, 4);
    sqlite3_bind_text(st, 5, ev->guard, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 6, ev->utc, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 7, ev->off);
    sqlite3_bind_text(st, 8, ev->utype, -1, SQLITE_STATIC);
    if (ev->det)
        sqlite3_bind_text(st, 9, ev->det, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, 9);
    sqlite3_bind_text(st, 10, in->received_at, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    if (rc != SQLITE_DONE)
        return store_fail(&in->s, rc, "clock event insert", err);
    *fresh = sqlite3_changes(in->s.db) != 0;
    return 0;
}

/* The key is known: a replay (counted as a duplicate), or a different
 * event under its key (CONFLICT). */
static int ev_replay(ingest_t *in, const clock_ev *ev, rejection *rj)
{
    sqlite3_stmt *st = in->dup;
    sqlite3_bind_text(st, 1, in->key.s, (int)in->key.len, SQLITE_STATIC);
    int rc = 0;
    if (sqlite3_step(st) == SQLITE_ROW) {
        const char *g = (const char *)sqlite3_column_text(st, 0);
        const char *t = (const char *)sqlite3_column_text(st, 1);
        const char *ty = (const char *)sqlite3_column_text(st, 2);
        const char *d = (const char *)sqlite3_column_text(st, 3);
        if (strcmp(g, ev->guard) || strcmp(t, ev->utc) || strcmp(ty, ev->utype) ||
            (!d) != (!ev->det) || (d && strcmp(d, ev->det)))
            rc = rejection_set(rj, "CONFLICT",
                               "device %s already recorded this key for %s %s %s at %s%s%s",
                               ev->device, g, ty, d ? d : "-", t, ev->event_id ? " event_id " : "",
                               ev->event_id ? ev->event_id : "");
    }
    sqlite3_reset(st);
    if (!rc)
        in->n.duplicates++;
    return rc;
}

/* Journal a newly recorded event and queue its record for the output. */
static int ev_accept(ingest_t *in, const clock_ev *ev, const char *id, armms_err *err)
{
    strbuf *p = &in->payload;
    sb_reset(p);
    sb_adds(p, "{\"kind\":\"ClockEvent\",\"v\":1,\"clock_event_id\":\"");
    sb_add(p, id, 26);
    sb_addc(p, '"');
    if (ev->event_id)
        sb_add_json_kv(p, "event_id", ev->event_id);
    sb_add_json_kv(p, "device_id", ev->device);
    sb_add_json_kv(p, "guard_id", ev->guard);
    sb_add_json_kv(p, "ts", ev->utc);
    sb_add_json_kv(p, "ts_local", ev->local);
    sb_add_json_kv(p, "type", ev->utype);
    if (ev->det)
        sb_add_json_kv(p, "detachment_id", ev->det);
    sb_add_json_kv(p, "received_at", in->received_at);
    sb_addc(p, '}');
    if (store_emit(&in->s, "ClockEventRecorded", "clock_event", id, p->s, p->len, err))
        return err->code;
    sb_add(&in->pending, p->s, p->len);
    sb_addc(&in->pending, '\n');
    in->n.accepted++;
    in->batch_accepted++;
    return 0;
}

/* Validate and record one ClockEvent object (consumed): 0 when recorded or
 * counted as a duplicate, REJECTED, or an EXIT_* code. */
static int record_one(ingest_t *in, jv rec, rejection *rj, armms_err *err)
{
    clock_ev ev = {0};
    char id[27];
    int fresh = 0;
    int rc = ev_fields_peek(in, rec, &ev, rj);
    if (!rc)
        rc = ev_check(in, &ev, rj);
    if (!rc) {
        ev_key(in, &ev);
        ulid_new(id);
        rc = ev_insert(in, &ev, id, &fresh, err);
    }
    if (!rc)
        rc = fresh ? ev_accept(in, &ev, id, err) : ev_replay(in, &ev, rj);
    jv_free(rec); /* last: ev's strings live in it */
    return rc;
}

static int ensure_tx(ingest_t *in, armms_err *err)
{
    if (in->failed.code) {
        *err = in->failed;
        return err->code;
    }
    if (in->in_tx)
        return 0;
    if (store_begin(&in->s, err))
        return err->code;
    in->in_tx = 1;
    in->in_batch = 0;
    return 0;
}

int ingest_flush(ingest_t *in, armms_err *err)
{
    if (in->failed.code) {
        *err = in->failed;
        return err->code;
    }
    if (!in->in_tx)
        return 0;
    in->in_tx = 0;
    if (store_commit(&in->s, err)) {
        /* Rolled back: its events were never recorded, so never report
         * them, and stop here rather than guess. */
        sb_reset(&in->pending);
        in->n.accepted -= in->batch_accepted;
        in->batch_accepted = 0;
        in->failed = *err;
        return err->code;
    }
    in->batch_accepted = 0;
    if (in->o.progress)
        in->o.progress(&in->n, in->o.progress_ctx);
    /* Only now, with the batch durable, report its events. */
    assert(!in->in_tx);
    if (in->pending.len) {
        fwrite(in->pending.s, 1, in->pending.len, in->out);
        fflush(in->out);
        sb_reset(&in->pending);
    }
    return 0;
}

static int process(ingest_t *in, jv rec, const char *source, long line, const char *raw,
                   size_t raw_len, armms_err *err)
{
    if (ensure_tx(in, err)) {
        jv_free(rec);
        return err->code;
    }
    err->code = 0;
    rejection rj;
    int rc = record_one(in, rec, &rj, err);
    if (rc == REJECTED)
        reject_why(in, &rj, source, line, raw, raw_len);
    else if (rc)
        return rc;
    if (++in->in_batch >= in->o.batch)
        return ingest_flush(in, err);
    return 0;
}

int ingest_record(ingest_t *in, jv rec, const char *source, long line, const char *raw,
                  size_t raw_len, armms_err *err)
{
    in->n.read++;
    if (!in->jq)
        return process(in, rec, source, line, raw, raw_len, err);
    jq_start(in->jq, rec, 0);
    int outputs = 0, rc = 0;
    rejection rj;
    jv r;
    while (!rc && jv_is_valid(r = jq_next(in->jq))) {
        outputs++;
        if (jv_get_kind(r) != JV_KIND_OBJECT) {
            rejection_set(&rj, "MAP_ERROR", "--map produced a %s, not an object",
                          jv_kind_name(jv_get_kind(r)));
            jv_free(r);
            reject_why(in, &rj, source, line, raw, raw_len);
            continue;
        }
        rc = process(in, r, source, line, raw, raw_len, err);
    }
    if (rc)
        return rc;
    if (jv_invalid_has_msg(jv_copy(r))) {
        jv m = jv_invalid_get_msg(r);
        rejection_set(&rj, "MAP_ERROR", "--map failed: %s",
                      jv_get_kind(m) == JV_KIND_STRING ? jv_string_value(m) : "error");
        jv_free(m);
        reject_why(in, &rj, source, line, raw, raw_len);
    } else {
        jv_free(r);
        if (outputs == 0) {
            rejection_set(&rj, "MAP_EMPTY", "--map produced no record");
            reject_why(in, &rj, source, line, raw, raw_len);
        }
    }
    return 0;
}

/* A ZKTeco line's punch, read from its fields. */
typedef struct zk_punch {
    day_t day;
    int minute, sec;
    const char *type, *device; /* device: NULL for push lines without --device */
    char guard[80];
} zk_punch;

/* ZKTeco messages have always been cut at 255 bytes (a long field in a
 * damaged line would otherwise fill the Reject). */
enum { ZK_MSG_MAX = 256 };

/* Split a ZKTeco line and read its punch: 0 or REJECTED. tok holds the
 * fields (pointing into buf); nt their count. */
static int zk_parse(ingest_t *in, char **tok, int nt, int push, zk_punch *p, rejection *rj)
{
    int si = push ? 3 : 4; /* the status column */
    if (nt < si + 1)
        return rejection_set(rj, "BAD_FIELD",
                             "ZKTeco line has %d fields; want PIN, date time,%s status, ...", nt,
                             push ? "" : " device,");
    int hms;
    if (date_parse(tok[1], &p->day) || hms_parse(tok[2], &hms))
        return rejection_set(rj, "BAD_TS", "'%s %s' is not a time (YYYY-MM-DD HH:MM:SS)", tok[1],
                             tok[2]);
    p->minute = hms / 60;
    p->sec = hms % 60;
    const char *st = tok[si];
    if (!strcmp(st, "0") || !strcmp(st, "4"))
        p->type = "IN"; /* check-in, overtime-in */
    else if (!strcmp(st, "1") || !strcmp(st, "5"))
        p->type = "OUT"; /* check-out, overtime-out */
    else if (!strcmp(st, "2") || !strcmp(st, "3"))
        return rejection_set(rj, "UNSUPPORTED_PUNCH",
                             "punch state %s is a break punch; ARMMS records IN and OUT", st);
    else
        return rejection_set(rj, "BAD_FIELD", "unknown punch state '%s'", st);
    p->device = in->o.device ? in->o.device : push ? NULL : tok[3];
    sqlite3_bind_text(in->pin, 1, tok[0], -1, SQLITE_STATIC);
    if (sqlite3_step(in->pin) == SQLITE_ROW)
        snprintf(p->guard, sizeof p->guard, "%s", (const char *)sqlite3_column_text(in->pin, 0));
    sqlite3_reset(in->pin);
    if (!p->guard[0])
        return rejection_set(rj, "UNKNOWN_GUARD", "no guard has employee_no (PIN) %s", tok[0]);
    return 0;
}

int ingest_zk_line(ingest_t *in, const char *line, size_t len, int push, const char *source,
                   long lineno, armms_err *err)
{
    /* PIN, date time, [device,] status, verify, workcode ...; fields are
     * tab-separated, and the date and time are split by a space. */
    char buf[512], *tok[12], *save = NULL;
    int nt = 0;
    if (memchr(line, 0, len)) {
        in->n.read++;
        rejection rj;
        rejection_set(&rj, "BAD_FIELD", "ZKTeco line contains a NUL byte");
        reject_why(in, &rj, source, lineno, line, len);
        return 0;
    }
    snprintf(buf, sizeof buf, "%.*s", (int)(len < sizeof buf ? len : sizeof buf - 1), line);
    for (char *t = strtok_r(buf, " \t", &save); t && nt < 12; t = strtok_r(NULL, " \t", &save))
        tok[nt++] = t;
    in->n.read++;
    zk_punch p = {0};
    rejection rj;
    if (zk_parse(in, tok, nt, push, &p, &rj) == REJECTED) {
        rj.msg[ZK_MSG_MAX - 1] = '\0';
        reject_why(in, &rj, source, lineno, line, len);
        return 0;
    }
    instant_t at = tz_instant_of(&in->zone, p.day, p.minute) + p.sec;
    char ts[32];
    iso_format_offset(at, tz_offset_at(&in->zone, at), ts);
    jv rec = jv_object();
    rec = jv_object_set(rec, jv_string("device_id"), jv_string(p.device));
    rec = jv_object_set(rec, jv_string("guard_id"), jv_string(p.guard));
    rec = jv_object_set(rec, jv_string("ts"), jv_string(ts));
    rec = jv_object_set(rec, jv_string("type"), jv_string(p.type));
    in->n.read--; /* ingest_record counts it */
    return ingest_record(in, rec, source, lineno, line, len, err);
}

int ingest_close(ingest_t *in, armms_err *err)
{
    if (!in)
        return 0;
    int rc = 0;
    if (!err->code)
        rc = ingest_flush(in, err);
    store_close(&in->s);
    if (in->jq)
        jq_teardown(&in->jq);
    free(in->jq_error);
    free(in->map_text);
    sb_free(&in->pending);
    sb_free(&in->payload);
    sb_free(&in->key);
    idset_free(&in->known_guards);
    idset_free(&in->known_dets);
    free(in);
    return rc;
}

void ingest_idle(void *ctx)
{
    ingest_t *in = ctx;
    armms_err e = {0};
    ingest_flush(in, &e); /* a failure is sticky: the next record reports it */
}
