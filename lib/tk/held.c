/*
 * held.c - held punches (see Held punches in ingest.h): holding a punch
 * whose guard or detachment master data does not know yet, releasing the
 * held punches it now knows (ingest_release) and the --held report
 * (ingest_held_report), all over clock_event_held.
 *
 * Invariants: a punch is held only when its one fault is UNKNOWN_GUARD or
 * UNKNOWN_DETACHMENT; its holding key is the idempotency key (a ZKTeco PIN
 * in the guard's place), so a re-fed held punch is a duplicate; a release
 * goes through ing_process like any input record, and its held row is
 * deleted, journaled as ClockEventReleased, in the same transaction.
 */
#include <stdlib.h>
#include <string.h>

#include "core/ulid.h"
#include "tk/ingest_int.h"

/* Master data does not know the punch's guard or detachment (yet). */
int ing_holdable(const rejection *rj)
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
        ing_ev_key(in, ev);
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

static int same(const char *a, const char *b)
{
    return (!a) == (!b) && (!a || !strcmp(a, b));
}

/* Hold a punch that passed every check but master data's (why): ev as
 * ev_check left it (at, off and utype set), guard NULL and pin set for a
 * ZKTeco PIN. 0 when held or a duplicate of a held punch, REJECTED
 * (CONFLICT) when its key already holds another punch, or an EXIT_* code. */
int ing_ev_hold(ingest_t *in, clock_ev *ev, const char *pin, const char *reason,
                const char *source, long line, rejection *rj, armms_err *err)
{
    iso_format_utc(ev->at, ev->utc);
    iso_format_offset(ev->at, ev->off, ev->local);
    if (ev->event_id && ev->guard) {
        /* The device already recorded this event id for a known guard. */
        ing_ev_key(in, ev);
        sqlite3_bind_text(in->dup, 1, in->key.s, (int)in->key.len, SQLITE_STATIC);
        int known = sqlite3_step(in->dup) == SQLITE_ROW;
        sqlite3_reset(in->dup);
        if (known)
            return ing_ev_replay(in, ev, rj);
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

/* The held punch in->releasing went through record_one: unless it is still
 * held, its held row goes, journaled with what became of it. */
int ing_released(ingest_t *in, armms_err *err)
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
        ing_local_of(colz(st, 6), sqlite3_column_int(st, 7), local);
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
            rc = ing_process(in, h[i].rec, h[i].source, h[i].line, jv_string_value(raw),
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
        ing_local_of(colz(st, 6), sqlite3_column_int(st, 7), local);
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
