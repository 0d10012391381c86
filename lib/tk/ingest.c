/*
 * ingest.c - see ingest.h.
 */
#include "tk/ingest.h"

#include <assert.h>
#include <jq.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

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
    sqlite3_stmt *held_ins, *held_dup, *held_del, *unsent_ins, *unsent_del;
    idset known_guards, known_dets; /* ids already found in hr.db */
    strbuf pending;                 /* accepted records of the open batch */
    strbuf payload, key;
    long in_batch, batch_accepted;
    int in_tx;
    armms_err failed;            /* sticky: a commit failed; nothing more lands */
    ingest_counts at_tx;         /* the counts when the open batch began */
    sqlite3_int64 first, last;   /* rowids of the batch's new clock events */
    sqlite3_int64 *acks;         /* unsent rows written out: delete them */
    int nacks, capacks, acks_tx; /* acks_tx: how many the open batch deletes */
    const char *releasing;       /* held_id of the punch being released */
    int outcome;                 /* what record_one did with it (OUT_*) */
    char outcome_id[27];         /* OUT_RECORDED: its clock_event_id */
    const char *outcome_code;    /* OUT_REJECTED: the Reject code */
    long commits, crash_after;   /* ARMMS_TEST_CRASH_AFTER_COMMIT */
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
static const char held_ins_sql[] =
    "INSERT INTO clock_event_held(held_id, dedupe_key, reason, device_id, event_id, guard_id, pin,"
    " ts, ts_offset, type, detachment_id, source, line, held_at)"
    " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?) ON CONFLICT(dedupe_key) DO NOTHING";
static const char held_dup_sql[] =
    "SELECT guard_id, pin, ts, type, detachment_id FROM clock_event_held WHERE dedupe_key=?";
static const char held_del_sql[] = "DELETE FROM clock_event_held WHERE held_id=?";
static const char unsent_ins_sql[] =
    "INSERT INTO clock_event_unsent(first_rowid, last_rowid) VALUES (?,?)";
static const char unsent_del_sql[] = "DELETE FROM clock_event_unsent WHERE rowid=?";

/* What record_one did with a record (read while releasing a held punch). */
enum { OUT_NONE, OUT_RECORDED, OUT_DUPLICATE, OUT_HELD, OUT_REJECTED };

/* The statements of holding and of reporting what committed; a device
 * fact is no audit row (store.h). */
static int prepare_more(ingest_t *in, armms_err *err)
{
    in->s.audit_off = 1;
    const char *e = getenv("ARMMS_TEST_CRASH_AFTER_COMMIT");
    in->crash_after = e && *e ? atol(e) : 0;
    return store_prepare(&in->s, &in->held_ins, held_ins_sql, err) ||
                   store_prepare(&in->s, &in->held_dup, held_dup_sql, err) ||
                   store_prepare(&in->s, &in->held_del, held_del_sql, err) ||
                   store_prepare(&in->s, &in->unsent_ins, unsent_ins_sql, err) ||
                   store_prepare(&in->s, &in->unsent_del, unsent_del_sql, err)
               ? err->code
               : 0;
}

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
        store_prepare(&in->s, &in->det, det_sql, err) || prepare_more(in, err))
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
    if (*fresh) {
        sqlite3_int64 row = sqlite3_last_insert_rowid(in->s.db);
        if (!in->first || row < in->first)
            in->first = row;
        if (row > in->last)
            in->last = row;
    }
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
    if (!rc && !in->releasing)
        in->n.duplicates++;
    in->outcome = rc ? OUT_NONE : OUT_DUPLICATE;
    return rc;
}

/* A ClockEvent record (clock-event-recorded.schema.json) into p. */
static void ce_record(strbuf *p, const char *id, const char *event_id, const char *device,
                      const char *guard, const char *utc, const char *local, const char *type,
                      const char *det, const char *received_at)
{
    sb_adds(p, "{\"kind\":\"ClockEvent\",\"v\":1,\"clock_event_id\":\"");
    sb_add(p, id, 26);
    sb_addc(p, '"');
    if (event_id)
        sb_add_json_kv(p, "event_id", event_id);
    sb_add_json_kv(p, "device_id", device);
    sb_add_json_kv(p, "guard_id", guard);
    sb_add_json_kv(p, "ts", utc);
    sb_add_json_kv(p, "ts_local", local);
    sb_add_json_kv(p, "type", type);
    if (det)
        sb_add_json_kv(p, "detachment_id", det);
    sb_add_json_kv(p, "received_at", received_at);
    sb_addc(p, '}');
}

/* Journal a newly recorded event and queue its record for the output. */
static int ev_accept(ingest_t *in, const clock_ev *ev, const char *id, armms_err *err)
{
    strbuf *p = &in->payload;
    sb_reset(p);
    ce_record(p, id, ev->event_id, ev->device, ev->guard, ev->utc, ev->local, ev->utype, ev->det,
              in->received_at);
    if (store_emit(&in->s, "ClockEventRecorded", "clock_event", id, p->s, p->len, err))
        return err->code;
    sb_add(&in->pending, p->s, p->len);
    sb_addc(&in->pending, '\n');
    if (in->releasing)
        in->n.released++;
    else
        in->n.accepted++;
    in->batch_accepted++;
    in->outcome = OUT_RECORDED;
    memcpy(in->outcome_id, id, 27);
    return 0;
}

/* Master data does not know the punch's guard or detachment (yet). */
static int holdable(const rejection *rj)
{
    return rj->code &&
           (!strcmp(rj->code, "UNKNOWN_GUARD") || !strcmp(rj->code, "UNKNOWN_DETACHMENT"));
}

/* A HeldPunch record (held-punch.schema.json) into p; reason is what it
 * waits for, releasable (-1: leave out) whether master data now has it. */
static void held_record(strbuf *p, const char *held_id, const char *reason, const char *device,
                        const char *event_id, const char *guard, const char *pin, const char *utc,
                        const char *local, const char *type, const char *det, const char *source,
                        long line, const char *held_at, int releasable)
{
    sb_adds(p, "{\"kind\":\"HeldPunch\",\"v\":1");
    sb_add_json_kv(p, "held_id", held_id);
    sb_add_json_kv(p, "reason", reason);
    sb_add_json_kv(p, "device_id", device);
    if (event_id)
        sb_add_json_kv(p, "event_id", event_id);
    if (guard)
        sb_add_json_kv(p, "guard_id", guard);
    if (pin)
        sb_add_json_kv(p, "pin", pin);
    sb_add_json_kv(p, "ts", utc);
    sb_add_json_kv(p, "ts_local", local);
    sb_add_json_kv(p, "type", type);
    if (det)
        sb_add_json_kv(p, "detachment_id", det);
    sb_add_json_kv(p, "source", source);
    sb_addf(p, ",\"line\":%ld", line);
    sb_add_json_kv(p, "held_at", held_at);
    if (releasable >= 0)
        sb_adds(p, releasable ? ",\"releasable\":true" : ",\"releasable\":false");
    sb_addc(p, '}');
}

/* The holding key: the idempotency key, with a ZKTeco PIN in the guard's
 * place (its own prefix, so no guard id can collide with it). */
static void held_key(ingest_t *in, const clock_ev *ev, const char *pin)
{
    if (!pin) {
        ev_key(in, ev);
        return;
    }
    strbuf *k = &in->key;
    sb_reset(k);
    sb_adds(k, "P\x1f");
    sb_adds(k, ev->device);
    sb_addc(k, 0x1f);
    sb_adds(k, pin);
    sb_addc(k, 0x1f);
    sb_adds(k, ev->utc);
    sb_addc(k, 0x1f);
    sb_adds(k, ev->utype);
}

static const char *colz(sqlite3_stmt *st, int i)
{
    return (const char *)sqlite3_column_text(st, i);
}

static int same(const char *a, const char *b)
{
    return (!a) == (!b) && (!a || !strcmp(a, b));
}

/* Hold a punch that passed every check but master data's (why): ev as
 * ev_check left it (at, off and utype set), guard NULL and pin set for a
 * ZKTeco PIN. 0 when held or a duplicate of a held punch, REJECTED
 * (CONFLICT) when its key already holds another punch, or an EXIT_* code. */
static int ev_hold(ingest_t *in, clock_ev *ev, const char *pin, const char *reason,
                   const char *source, long line, rejection *rj, armms_err *err)
{
    iso_format_utc(ev->at, ev->utc);
    iso_format_offset(ev->at, ev->off, ev->local);
    if (ev->event_id && ev->guard) {
        /* The device already recorded this event id for a known guard. */
        ev_key(in, ev);
        sqlite3_bind_text(in->dup, 1, in->key.s, (int)in->key.len, SQLITE_STATIC);
        int known = sqlite3_step(in->dup) == SQLITE_ROW;
        sqlite3_reset(in->dup);
        if (known)
            return ev_replay(in, ev, rj);
    }
    held_key(in, ev, pin);
    char id[27], now[24];
    ulid_new(id);
    now_iso(now);
    sqlite3_stmt *st = in->held_ins;
    const char *v[] = {id,   in->key.s, reason, ev->device, ev->event_id, ev->guard,
                       pin,  ev->utc,   NULL,   ev->utype,  ev->det,      source ? source : "-",
                       NULL, now};
    for (int i = 0; i < 14; i++)
        if (i == 1)
            sqlite3_bind_text(st, 2, in->key.s, (int)in->key.len, SQLITE_STATIC);
        else if (i == 8)
            sqlite3_bind_int(st, 9, ev->off);
        else if (i == 12)
            sqlite3_bind_int64(st, 13, line);
        else if (v[i])
            sqlite3_bind_text(st, i + 1, v[i], -1, SQLITE_STATIC);
        else
            sqlite3_bind_null(st, i + 1);
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    if (rc != SQLITE_DONE)
        return store_fail(&in->s, rc, "holding a punch", err);
    in->outcome = OUT_HELD;
    if (sqlite3_changes(in->s.db) == 0) {
        st = in->held_dup;
        sqlite3_bind_text(st, 1, in->key.s, (int)in->key.len, SQLITE_STATIC);
        rc = 0;
        if (sqlite3_step(st) == SQLITE_ROW &&
            !(same(colz(st, 0), ev->guard) && same(colz(st, 1), pin) &&
              same(colz(st, 2), ev->utc) && same(colz(st, 3), ev->utype) &&
              same(colz(st, 4), ev->det)))
            rc = rejection_set(rj, "CONFLICT",
                               "device %s already has a held punch under this key for %s %s %s "
                               "at %s",
                               ev->device, colz(st, 0) ? colz(st, 0) : "PIN",
                               colz(st, 1) ? colz(st, 1) : "", colz(st, 3), colz(st, 2));
        sqlite3_reset(st);
        if (rc)
            in->outcome = OUT_NONE;
        else if (!in->releasing)
            in->n.duplicates++;
        return rc;
    }
    strbuf *p = &in->payload;
    sb_reset(p);
    held_record(p, id, reason, ev->device, ev->event_id, ev->guard, pin, ev->utc, ev->local,
                ev->utype, ev->det, source, line, now, -1);
    if (store_emit(&in->s, "ClockEventHeld", "clock_event_held", id, p->s, p->len, err))
        return err->code;
    in->n.held++;
    return 0;
}

/* Validate and record one ClockEvent object (consumed): 0 when recorded or
 * counted as a duplicate, REJECTED, or an EXIT_* code. */
static int record_one(ingest_t *in, jv rec, const char *source, long line, rejection *rj,
                      armms_err *err)
{
    clock_ev ev = {0};
    char id[27];
    int fresh = 0;
    in->outcome = OUT_NONE;
    int rc = ev_fields_peek(in, rec, &ev, rj);
    if (!rc)
        rc = ev_check(in, &ev, rj);
    if (rc == REJECTED && holdable(rj)) {
        rc = ev_hold(in, &ev, NULL, rj->code, source, line, rj, err);
        jv_free(rec);
        return rc;
    }
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

/* Delete the unsent rows whose records were written, inside the open
 * transaction (they stay listed until it commits). */
static int ack_in_tx(ingest_t *in, armms_err *err)
{
    for (int i = 0; i < in->nacks; i++) {
        sqlite3_bind_int64(in->unsent_del, 1, in->acks[i]);
        int rc = sqlite3_step(in->unsent_del);
        sqlite3_reset(in->unsent_del);
        if (rc != SQLITE_DONE)
            return store_fail(&in->s, rc, "marking clock events sent", err);
    }
    in->acks_tx = in->nacks;
    return 0;
}

static void acks_done(ingest_t *in)
{
    if (in->nacks > in->acks_tx) /* acks is NULL until the first ack */
        memmove(in->acks, in->acks + in->acks_tx,
                sizeof *in->acks * (size_t)(in->nacks - in->acks_tx));
    in->nacks -= in->acks_tx;
    in->acks_tx = 0;
}

static void ack_later(ingest_t *in, sqlite3_int64 row)
{
    if (in->nacks == in->capacks) {
        in->capacks = in->capacks ? 2 * in->capacks : 16;
        in->acks = xrealloc(in->acks, sizeof *in->acks * (size_t)in->capacks);
    }
    in->acks[in->nacks++] = row;
}

/* Mark the written batches sent in a transaction of their own (a failure
 * only means they are written again by a later run). */
static void ack_now(ingest_t *in)
{
    armms_err e = {0};
    if (!in->nacks || in->in_tx || store_begin(&in->s, &e))
        return;
    if (ack_in_tx(in, &e)) {
        store_rollback(&in->s);
        in->acks_tx = 0;
    } else if (store_commit(&in->s, &e) == 0) {
        acks_done(in);
    } else {
        in->acks_tx = 0;
    }
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
    in->at_tx = in->n;
    in->first = in->last = 0;
    if (ack_in_tx(in, err)) {
        store_rollback(&in->s);
        in->in_tx = 0;
        in->acks_tx = 0;
        return err->code;
    }
    return 0;
}

/* Write out what committed; on success the batch's unsent row (if any) is
 * deleted with the next transaction. */
static void report(ingest_t *in, sqlite3_int64 unsent)
{
    if (in->pending.len) {
        fwrite(in->pending.s, 1, in->pending.len, in->out);
        sb_reset(&in->pending);
    }
    if (fflush(in->out) == 0 && !ferror(in->out) && unsent)
        ack_later(in, unsent);
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
    sqlite3_int64 unsent = 0;
    int bad = 0;
    if (in->first) {
        sqlite3_bind_int64(in->unsent_ins, 1, in->first);
        sqlite3_bind_int64(in->unsent_ins, 2, in->last);
        int rc = sqlite3_step(in->unsent_ins);
        sqlite3_reset(in->unsent_ins);
        if (rc != SQLITE_DONE) {
            bad = store_fail(&in->s, rc, "listing clock events to write", err);
            store_rollback(&in->s);
        } else {
            unsent = sqlite3_last_insert_rowid(in->s.db);
        }
    }
    if (bad || store_commit(&in->s, err)) {
        in->failed = *err;
        if (!in->s.committed) {
            /* Rolled back: its events were never recorded, so never
             * report them, and stop here rather than guess. */
            sb_reset(&in->pending);
            in->n.accepted = in->at_tx.accepted;
            in->n.held = in->at_tx.held;
            in->n.released = in->at_tx.released;
            in->batch_accepted = 0;
            in->acks_tx = 0;
            return err->code;
        }
        /* COMMIT happened and only the journal append after it failed
         * (the next run's store_open journals the outbox): the events are
         * recorded, so report them and count them, then stop. */
    }
    acks_done(in);
    in->batch_accepted = 0;
    if (in->o.progress)
        in->o.progress(&in->n, in->o.progress_ctx);
    if (in->crash_after && ++in->commits >= in->crash_after)
        _exit(EXIT_SOFTWARE); /* test hook: a crash between commit and output */
    /* Only now, with the batch durable, report its events. */
    assert(!in->in_tx);
    report(in, unsent);
    return in->failed.code ? err->code : 0;
}

static int batch_step(ingest_t *in, armms_err *err)
{
    if (++in->in_batch >= in->o.batch)
        return ingest_flush(in, err);
    return 0;
}

/* The held punch in->releasing went through record_one: unless it is still
 * held, its held row goes, journaled with what became of it. */
static int released(ingest_t *in, armms_err *err)
{
    if (in->outcome == OUT_HELD || in->outcome == OUT_NONE)
        return 0;
    sqlite3_bind_text(in->held_del, 1, in->releasing, -1, SQLITE_STATIC);
    int rc = sqlite3_step(in->held_del);
    sqlite3_reset(in->held_del);
    if (rc != SQLITE_DONE)
        return store_fail(&in->s, rc, "releasing a held punch", err);
    if (sqlite3_changes(in->s.db) == 0)
        return 0; /* an overlapping run (ingest | timelog) released it first */
    strbuf *p = &in->payload;
    sb_reset(p);
    sb_adds(p, "{\"kind\":\"HeldPunchReleased\",\"v\":1");
    sb_add_json_kv(p, "held_id", in->releasing);
    sb_add_json_kv(p, "outcome",
                   in->outcome == OUT_RECORDED    ? "recorded"
                   : in->outcome == OUT_DUPLICATE ? "duplicate"
                                                  : "rejected");
    if (in->outcome == OUT_RECORDED)
        sb_add_json_kv(p, "clock_event_id", in->outcome_id);
    if (in->outcome == OUT_REJECTED)
        sb_add_json_kv(p, "code", in->outcome_code);
    sb_addc(p, '}');
    return store_emit(&in->s, "ClockEventReleased", "clock_event_held", in->releasing, p->s,
                      p->len, err)
               ? err->code
               : 0;
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
    int rc = record_one(in, rec, source, line, &rj, err);
    if (rc == REJECTED) {
        reject_why(in, &rj, source, line, raw, raw_len);
        in->outcome = OUT_REJECTED;
        in->outcome_code = rj.code;
    } else if (rc) {
        return rc;
    }
    if (in->releasing && (rc = released(in, err)))
        return rc;
    return batch_step(in, err);
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

/* Hold a ZKTeco punch whose PIN is no guard's employee_no (yet): 0 when
 * held (or a duplicate of a held punch), REJECTED with rj filled (the
 * original UNKNOWN_GUARD when the PIN or device is no id), or an EXIT_*
 * code. */
static int zk_hold(ingest_t *in, const char *pin, const zk_punch *p, const char *source,
                   long lineno, rejection *rj, armms_err *err)
{
    if (!p->device || !id_ok(p->device, 64) || !id_ok(pin, 64))
        return REJECTED; /* rj keeps UNKNOWN_GUARD */
    clock_ev ev = {.device = p->device, .type = p->type};
    ev.at = tz_instant_of(&in->zone, p->day, p->minute) + p->sec;
    ev.off = tz_offset_at(&in->zone, ev.at);
    if (ev.at > in->now + in->o.max_future_s)
        return REJECTED;
    snprintf(ev.utype, sizeof ev.utype, "%s", p->type);
    if (ensure_tx(in, err))
        return err->code;
    int rc = ev_hold(in, &ev, pin, "UNKNOWN_GUARD", source, lineno, rj, err);
    if (rc)
        return rc;
    return batch_step(in, err);
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
        if (holdable(&rj)) {
            int rc = zk_hold(in, tok[0], &p, source, lineno, &rj, err);
            if (rc != REJECTED)
                return rc;
        }
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

static const char unsent_sql[] =
    "SELECT u.rowid, c.clock_event_id, c.event_id, c.device_id, c.guard_id, c.ts, c.ts_offset,"
    " c.type, c.detachment_id, c.received_at FROM clock_event_unsent u"
    " JOIN clock_event c ON c.rowid BETWEEN u.first_rowid AND u.last_rowid"
    " ORDER BY u.first_rowid, c.rowid";

/* ts (UTC text) at offset off into local. */
static void local_of(const char *ts, int off, char *local)
{
    instant_t at = 0;
    iso_parse(ts, &at, NULL);
    iso_format_offset(at, off, local);
}

int ingest_replay_unsent(ingest_t *in, armms_err *err)
{
    sqlite3_stmt *st = NULL;
    if (in->in_tx && ingest_flush(in, err))
        return err->code;
    if (store_prepare(&in->s, &st, unsent_sql, err))
        return err->code;
    sqlite3_int64 *rows = NULL, last = 0;
    int nrows = 0, rc;
    strbuf *p = &in->pending;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        sqlite3_int64 u = sqlite3_column_int64(st, 0);
        if (u != last) {
            rows = xrealloc(rows, sizeof *rows * (size_t)(nrows + 1));
            rows[nrows++] = last = u;
        }
        char local[32];
        local_of(colz(st, 5), sqlite3_column_int(st, 6), local);
        ce_record(p, colz(st, 1), colz(st, 2), colz(st, 3), colz(st, 4), colz(st, 5), local,
                  colz(st, 7), colz(st, 8), colz(st, 9));
        sb_addc(p, '\n');
        in->n.replayed++;
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) {
        sb_reset(p);
        free(rows);
        in->n.replayed = 0;
        return store_fail(&in->s, rc, "reading unsent clock events", err);
    }
    report(in, 0);
    if (!ferror(in->out))
        for (int i = 0; i < nrows; i++)
            ack_later(in, rows[i]);
    free(rows);
    return 0;
}

/* Every held punch with what master data now says: 13 the guard it
 * resolves to (NULL: none yet), 14 whether its detachment is known. */
static const char held_sql[] =
    "SELECT h.held_id, h.reason, h.device_id, h.event_id, h.guard_id, h.pin, h.ts, h.ts_offset,"
    " h.type, h.detachment_id, h.source, h.line, h.held_at,"
    " CASE WHEN h.guard_id IS NOT NULL"
    "  THEN (SELECT g.guard_id FROM hr.guard g WHERE g.guard_id = h.guard_id)"
    "  ELSE (SELECT g.guard_id FROM hr.guard g WHERE g.employee_no = h.pin) END,"
    " h.detachment_id IS NULL OR EXISTS (SELECT 1 FROM hr.detachment d"
    "  WHERE d.detachment_id = h.detachment_id)"
    " FROM clock_event_held h ORDER BY h.rowid";

typedef struct held_one {
    char held_id[27];
    char *source;
    long line;
    jv rec;
} held_one;

int ingest_release(ingest_t *in, armms_err *err)
{
    sqlite3_stmt *st = NULL;
    if (store_prepare(&in->s, &st, held_sql, err))
        return err->code;
    held_one *h = NULL;
    int n = 0, rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (sqlite3_column_type(st, 13) == SQLITE_NULL || !sqlite3_column_int(st, 14))
            continue; /* still waiting */
        char local[32];
        local_of(colz(st, 6), sqlite3_column_int(st, 7), local);
        jv r = jv_object();
        if (colz(st, 3))
            r = jv_object_set(r, jv_string("event_id"), jv_string(colz(st, 3)));
        r = jv_object_set(r, jv_string("device_id"), jv_string(colz(st, 2)));
        r = jv_object_set(r, jv_string("guard_id"), jv_string(colz(st, 13)));
        r = jv_object_set(r, jv_string("ts"), jv_string(local));
        r = jv_object_set(r, jv_string("type"), jv_string(colz(st, 8)));
        if (colz(st, 9))
            r = jv_object_set(r, jv_string("detachment_id"), jv_string(colz(st, 9)));
        h = xrealloc(h, sizeof *h * (size_t)(n + 1));
        snprintf(h[n].held_id, sizeof h[n].held_id, "%s", colz(st, 0));
        h[n].source = xstrdup(colz(st, 10));
        h[n].line = (long)sqlite3_column_int64(st, 11);
        h[n].rec = r;
        n++;
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        rc = store_fail(&in->s, rc, "reading held punches", err);
    else
        rc = 0;
    for (int i = 0; i < n; i++) {
        if (!rc) {
            /* Through the path of any input record: same checks, same key. */
            jv raw = jv_dump_string(jv_copy(h[i].rec), 0);
            in->releasing = h[i].held_id;
            rc = process(in, h[i].rec, h[i].source, h[i].line, jv_string_value(raw),
                         (size_t)jv_string_length_bytes(jv_copy(raw)), err);
            in->releasing = NULL;
            jv_free(raw);
        } else {
            jv_free(h[i].rec);
        }
        free(h[i].source);
    }
    free(h);
    return rc;
}

int ingest_held_report(ingest_t *in, FILE *out, long *count, armms_err *err)
{
    sqlite3_stmt *st = NULL;
    *count = 0;
    if (store_prepare(&in->s, &st, held_sql, err))
        return err->code;
    strbuf b;
    sb_init(&b);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        int guard_ok = sqlite3_column_type(st, 13) != SQLITE_NULL,
            det_ok = sqlite3_column_int(st, 14);
        const char *reason = !guard_ok ? "UNKNOWN_GUARD"
                             : !det_ok ? "UNKNOWN_DETACHMENT"
                                       : colz(st, 1);
        char local[32];
        local_of(colz(st, 6), sqlite3_column_int(st, 7), local);
        sb_reset(&b);
        held_record(&b, colz(st, 0), reason, colz(st, 2), colz(st, 3), colz(st, 4), colz(st, 5),
                    colz(st, 6), local, colz(st, 8), colz(st, 9), colz(st, 10),
                    (long)sqlite3_column_int64(st, 11), colz(st, 12), guard_ok && det_ok);
        sb_addc(&b, '\n');
        fwrite(b.s, 1, b.len, out);
        (*count)++;
    }
    sqlite3_finalize(st);
    sb_free(&b);
    if (rc != SQLITE_DONE)
        return store_fail(&in->s, rc, "reading held punches", err);
    return fflush(out) ? err_set(err, EXIT_IOERR, "cannot write the held punches") : 0;
}

int ingest_close(ingest_t *in, armms_err *err)
{
    if (!in)
        return 0;
    int rc = 0;
    if (!err->code)
        rc = ingest_flush(in, err);
    ack_now(in); /* the last batches written: one small transaction */
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
    free(in->acks);
    free(in);
    return rc;
}

void ingest_idle(void *ctx)
{
    ingest_t *in = ctx;
    armms_err e = {0};
    ingest_flush(in, &e); /* a failure is sticky: the next record reports it */
    /* About to wait for input: mark what was written sent now, so an
     * overlapping run does not write it again. */
    if (!e.code && !in->failed.code)
        ack_now(in);
}
