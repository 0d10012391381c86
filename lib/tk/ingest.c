/*
 * ingest.c - the record path of clock-event intake (see ingest.h): open
 * and close, the --map and origin of the records, and one record's way
 * through the field checks, the idempotency key and the insert into
 * clock_event with its ClockEventRecorded journal entry.
 *
 * Invariants: a record is checked in full before anything is stored; a
 * recorded event is only written to the output after its batch committed,
 * read back from its row (ingest_commit.c); a punch master data cannot place yet
 * goes to held.c instead of being rejected. Private state: ingest_int.h.
 */
#include "tk/ingest.h"

#include <jq.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/idset.h"
#include "core/ndjson.h"
#include "core/secure.h"
#include "core/ulid.h"
#include "iam/rbac.h"
#include "tk/ingest_int.h"

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
    "INSERT INTO clock_event_unsent(first_rowid, last_rowid, owner) VALUES (?,?,?)";
static const char unsent_del_sql[] = "DELETE FROM clock_event_unsent WHERE rowid=?";

/* The statements of holding and of reporting what committed; a device
 * fact is no audit row (store.h). */
static int prepare_more(ingest_t *in, armms_err *err)
{
    in->s.audit_off = 1;
    const char *e = armms_env("ARMMS_TEST_CRASH_AFTER_COMMIT");
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
    in->given = *o;
    in->out = f;
    in->rej = rej;
    sb_init(&in->pending);
    sb_init(&in->payload);
    sb_init(&in->flat_vals);
    sb_init(&in->key);
    idset_init(&in->known_guards, 1u << 20);
    idset_init(&in->known_dets, 1u << 16);
    in->zone = t->tz;
    if (o->zone && tz_load(&in->zone, o->zone) != 0)
        return err_set(err, EXIT_USAGE, "unknown time zone '%s'", o->zone);
    if (o->map && map_compile(in, o->map, err))
        return err->code;
    in->owner_fd = -1;
    if (store_open(&in->s, t, "tk", 0, err) || store_attach_ro(&in->s, "hr", err) ||
        ing_owner_take(in, err))
        return err->code;
    /* A batch inserts into clock_event's indexes at one place per device
     * it holds, and a run files its events by guard (clock_event_guard,
     * tk_file_guards) in one sorted pass, once a run: a page cache that
     * holds those pages through a batch writes each once instead of
     * spilling and reading it back (ingest of a million events: 18.8 s
     * with 8 MiB, 14.9 s with 24 MiB, when guards were an index). With the
     * writer thread (ingest_commit.c, ~5 MiB of buffers and cache) and the
     * default batch of 200,000 events, the filing pass sorting in up to as
     * much memory as the page cache, 14 MiB keeps the run under 50 MiB and
     * was 0.88x the time of 18 MiB and 100,000-event batches (fewer
     * commits, each rewriting the index pages its events touch); fixed,
     * so memory stays flat in the input. */
    sqlite3_exec(in->s.db, "PRAGMA main.cache_size=-14336", NULL, NULL, NULL);
    if (store_prepare(&in->s, &in->ins, ins_sql, err) ||
        store_prepare(&in->s, &in->dup, dup_sql, err) ||
        store_prepare(&in->s, &in->guard, guard_sql, err) ||
        store_prepare(&in->s, &in->pin, pin_sql, err) ||
        store_prepare(&in->s, &in->det, det_sql, err) || prepare_more(in, err))
        return err->code;
    const char *fixed = armms_env("ARMMS_NOW");
    if (!(fixed && *fixed && iso_parse(fixed, &in->now, NULL) == 0))
        in->now = (instant_t)time(NULL);
    iso_format_utc(in->now, in->received_at);
    return 0;
}

void ingest_limit(ingest_t *in, const struct rbac *who)
{
    in->who = who;
}

const char *ingest_refused(const ingest_t *in)
{
    return in->refused_at;
}

/* A limited actor's event at det (NULL: none named): NOT_PERMITTED. */
static int refuse_at(ingest_t *in, const char *det, rejection *rj)
{
    const char *name = det ? det : "no detachment";
    rbac_note(in->refused_at, sizeof in->refused_at, name);
    strbuf at;
    sb_init(&at);
    rbac_dets(in->who, &at);
    if (det)
        rejection_set(rj, "NOT_PERMITTED", "user '%s' may clock.ingest only at %s: not at %s",
                      in->who->user, at.s, det);
    else
        rejection_set(rj, "NOT_PERMITTED",
                      "user '%s' may clock.ingest only at %s: the event names no detachment",
                      in->who->user, at.s);
    sb_free(&at);
    return REJECTED;
}

const ingest_counts *ingest_counts_of(const ingest_t *in)
{
    return &in->n;
}

void ing_reject_why(ingest_t *in, const rejection *rj, const char *source, long line,
                    const char *raw, size_t raw_len)
{
    reject_emit(in->rej, rj, source, line, raw, raw_len);
    in->n.rejected++;
    in->n.refused += strcmp(rj->code, "NOT_PERMITTED") == 0;
}

void ingest_reject(ingest_t *in, const rejection *rj, const char *source, long line,
                   const char *raw, size_t raw_len)
{
    in->n.read++;
    ing_reject_why(in, rj, source, line, raw, raw_len);
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
int ing_id_ok(const char *s, size_t max)
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

/* The known fields by index (known_fields' first K_OTHER). */
enum { K_EVENT_ID, K_DEVICE, K_GUARD, K_TS, K_TYPE, K_DET, K_KIND, K_V, K_OTHER };

/* After the pass over a record's fields: the values f (NULL: absent or
 * null) and the last bad kind seen (1 not a string, 2 v not 1). */
static int ev_fields_done(ingest_t *in, const char *const *f, int bad, clock_ev *ev, rejection *rj)
{
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

/* One pass over the object (which keeps ev's strings alive): pick the
 * known fields, refuse others, and check the kinds of the values. */
static int ev_fields_peek(ingest_t *in, jv rec, clock_ev *ev, rejection *rj)
{
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
    return ev_fields_done(in, f, bad, ev, rj);
}

/* ev_fields_peek for a flat line (core/ndjson.h): the same checks, in the
 * same order, on the members as slices of the line; their values are
 * copied, NUL-terminated, into in->flat_vals, where ev's strings point. */
static int ev_fields_flat(ingest_t *in, const ndjson_member *m, int n, clock_ev *ev, rejection *rj)
{
    long at[K_OTHER];
    int bad = 0;
    strbuf *b = &in->flat_vals;
    sb_reset(b);
    for (int k = 0; k < K_OTHER; k++)
        at[k] = -1;
    for (int j = 0; j < n; j++) {
        int i = 0;
        while (i < (int)(sizeof known_fields / sizeof *known_fields) &&
               !(strlen(known_fields[i]) == m[j].klen &&
                 memcmp(known_fields[i], m[j].key, m[j].klen) == 0))
            i++;
        if (i == (int)(sizeof known_fields / sizeof *known_fields))
            return rejection_set(rj, "UNKNOWN_FIELD", "ClockEvent has no field '%.*s'",
                                 (int)m[j].klen, m[j].key);
        if (i < K_OTHER && i != K_V) {
            if (m[j].kind == JV_KIND_STRING) {
                at[i] = (long)b->len; /* a string of a flat line holds no NUL */
                sb_add(b, m[j].val, m[j].vlen);
                sb_addc(b, 0);
            } else if (m[j].kind != JV_KIND_NULL) {
                bad = 1;
            }
        } else if (i == K_V) {
            char num[64];
            int one = 0;
            if (m[j].kind == JV_KIND_NUMBER) {
                memcpy(num, m[j].val, m[j].vlen); /* under 64 bytes (ndjson_parse_flat) */
                num[m[j].vlen] = 0;
                one = strtod(num, NULL) == 1;
            }
            if (!one)
                bad = 2;
        }
    }
    const char *f[K_OTHER];
    for (int k = 0; k < K_OTHER; k++)
        f[k] = at[k] < 0 ? NULL : b->s + at[k];
    return ev_fields_done(in, f, bad, ev, rj);
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
    if (!ing_id_ok(ev->device, 64) || !ing_id_ok(ev->guard, 64) ||
        (ev->det && !ing_id_ok(ev->det, 64)) || (ev->event_id && !ing_id_ok(ev->event_id, 128)))
        return rejection_set(rj, "BAD_FIELD",
                             "ids must be 1 to 64 characters (event_id 128) without control "
                             "characters");
    if (strcasecmp(ev->type, "IN") && strcasecmp(ev->type, "OUT"))
        return rejection_set(rj, "BAD_FIELD", "type '%s' is not IN or OUT", ev->type);
    str_copy(ev->utype, sizeof ev->utype, strlen(ev->type) == 2 ? "IN" : "OUT");
    if (iso_parse(ev->ts, &ev->at, &ev->off) != 0)
        return rejection_set(rj, "BAD_TS", "ts '%s' is not an ISO-8601 time with an offset",
                             ev->ts);
    if (ev->at > in->now + in->o.max_future_s)
        return rejection_set(rj, "FUTURE_TS", "ts %s is more than %ld hours ahead of now", ev->ts,
                             in->o.max_future_s / 3600);
    if (in->who && !rbac_at(in->who, ev->det))
        return refuse_at(in, ev->det, rj);
    if (!exists(in->guard, &in->known_guards, ev->guard))
        return rejection_set(rj, "UNKNOWN_GUARD", "guard %s does not exist", ev->guard);
    if (ev->det && !exists(in->det, &in->known_dets, ev->det))
        return rejection_set(rj, "UNKNOWN_DETACHMENT", "detachment %s does not exist", ev->det);
    iso_format_utc(ev->at, ev->utc); /* ev->local only when held (held.c) */
    return 0;
}

/* The idempotency key (ingest.h) into in->key. Fields are joined by US
 * (0x1f), which no id may contain. */
void ing_ev_key(ingest_t *in, const clock_ev *ev)
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
int ing_ev_replay(ingest_t *in, const clock_ev *ev, rejection *rj)
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

/* Journal a newly recorded event and queue its record for the output. */
static int ev_accept(ingest_t *in, const clock_ev *ev, const char *id, armms_err *err)
{
    /* the outbox refers to the row (store/outbox_rows.h), and the record
     * on the output is read back from it once the batch committed */
    if (store_emit_clock_event(&in->s, sqlite3_last_insert_rowid(in->s.db), err))
        return err->code;
    if (in->releasing)
        in->n.released++;
    else
        in->n.accepted++;
    in->batch_accepted++;
    in->outcome = OUT_RECORDED;
    memcpy(in->outcome_id, id, 27);
    return 0;
}

/* Validate and record one ClockEvent, its fields looked at (rc: what
 * looking at them gave): 0 when recorded or counted as a duplicate,
 * REJECTED, or an EXIT_* code. */
static int record_ev(ingest_t *in, clock_ev *ev, int rc, const char *source, long line,
                     rejection *rj, armms_err *err)
{
    char id[27];
    int fresh = 0;
    if (!rc)
        rc = ev_check(in, ev, rj);
    if (rc == REJECTED && ing_holdable(rj))
        return ing_ev_hold(in, ev, NULL, rj->code, source, line, rj, err);
    if (!rc) {
        ing_ev_key(in, ev);
        ulid_new(id);
        rc = ev_insert(in, ev, id, &fresh, err);
    }
    if (!rc)
        rc = fresh ? ev_accept(in, ev, id, err) : ing_ev_replay(in, ev, rj);
    return rc;
}

/* One ClockEvent object (consumed), or a flat line's members when m is
 * not NULL (rec is then not looked at). */
static int record_one(ingest_t *in, jv rec, const ndjson_member *m, int n, const char *source,
                      long line, rejection *rj, armms_err *err)
{
    clock_ev ev = {0};
    in->outcome = OUT_NONE;
    if (m)
        return record_ev(in, &ev, ev_fields_flat(in, m, n, &ev, rj), source, line, rj, err);
    int rc = record_ev(in, &ev, ev_fields_peek(in, rec, &ev, rj), source, line, rj, err);
    jv_free(rec); /* last: ev's strings live in it */
    return rc;
}

static int process(ingest_t *in, jv rec, const ndjson_member *m, int n, const char *source,
                   long line, const char *raw, size_t raw_len, armms_err *err)
{
    if (ing_ensure_tx(in, err)) {
        if (!m)
            jv_free(rec);
        return err->code;
    }
    err->code = 0;
    rejection rj;
    int rc = record_one(in, rec, m, n, source, line, &rj, err);
    if (rc == REJECTED) {
        ing_reject_why(in, &rj, source, line, raw, raw_len);
        in->outcome = OUT_REJECTED;
        in->outcome_code = rj.code;
    } else if (rc) {
        return rc;
    }
    if (in->releasing && (rc = ing_released(in, err)))
        return rc;
    return ing_batch_step(in, err);
}

int ing_process(ingest_t *in, jv rec, const char *source, long line, const char *raw,
                size_t raw_len, armms_err *err)
{
    return process(in, rec, NULL, 0, source, line, raw, raw_len, err);
}

int ing_record_flat(ingest_t *in, const ndjson_member *m, int n, const char *source, long line,
                    const char *raw, size_t raw_len, armms_err *err)
{
    in->n.read++;
    return process(in, jv_null(), m, n, source, line, raw, raw_len, err);
}

int ingest_record(ingest_t *in, jv rec, const char *source, long line, const char *raw,
                  size_t raw_len, armms_err *err)
{
    in->n.read++;
    if (!in->jq)
        return ing_process(in, rec, source, line, raw, raw_len, err);
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
            ing_reject_why(in, &rj, source, line, raw, raw_len);
            continue;
        }
        in->n.mapped++;
        rc = ing_process(in, r, source, line, raw, raw_len, err);
    }
    if (rc)
        return rc;
    if (jv_invalid_has_msg(jv_copy(r))) {
        jv m = jv_invalid_get_msg(r);
        rejection_set(&rj, "MAP_ERROR", "--map failed: %s",
                      jv_get_kind(m) == JV_KIND_STRING ? jv_string_value(m) : "error");
        jv_free(m);
        ing_reject_why(in, &rj, source, line, raw, raw_len);
    } else {
        jv_free(r);
        if (outputs == 0) {
            rejection_set(&rj, "MAP_EMPTY", "--map produced no record");
            ing_reject_why(in, &rj, source, line, raw, raw_len);
        }
    }
    return 0;
}

int ingest_close(ingest_t *in, armms_err *err)
{
    if (!in)
        return 0;
    int rc = 0;
    if (!err->code)
        rc = ingest_flush(in, err);
    int wrc = ing_writer_stop(in, err);
    if (!rc)
        rc = wrc;
    ing_ack_now(in); /* the last batches written: one small transaction */
    store_close(&in->s);
    ing_owner_drop(in);
    if (in->jq)
        jq_teardown(&in->jq);
    free(in->jq_error);
    free(in->map_text);
    sb_free(&in->pending);
    sb_free(&in->payload);
    sb_free(&in->flat_vals);
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
        ing_ack_now(in);
}
