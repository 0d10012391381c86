/*
 * upsert.c - one record into its kind's table: references checked, then
 * inserted, updated or left unchanged by natural key (effective-dated
 * kinds by version), with the events that say so, all inside a savepoint
 * of its own.
 *
 * Invariants (masterdata.h states the upsert rules):
 *  - a rejected record leaves nothing behind: its savepoint is rolled back,
 *    its counts restored, and it is written once, by reject_emit;
 *  - versions of a key never overlap: a new one may close the open latest
 *    one, never cut a middle one;
 *  - every write emits its event in the same transaction, with what it
 *    found noted for a change request's fingerprint.
 */
#include "md/md_int.h"

#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/ulid.h"
#include "iam/rbac.h"

/* ---- events --------------------------------------------------------------- */

static const char *event_of(const md_rec *r)
{
    return r->k->event_for ? r->k->event_for(r) : r->k->event;
}

/* The event of a write of r (op "insert" or "update"), with the record it
 * replaces and the version it closes by its dates, if any. */
static int emit(md_import *mi, const md_rec *r, const char *op, const md_rec *before,
                const char *closed_id, const char *closed_to, armms_err *err)
{
    const md_kind *k = mi->k;
    assert(!closed_id || k->id_column);
    strbuf b, agg;
    sb_init(&b);
    sb_init(&agg);
    sb_addf(&b, "{\"kind\":\"%s\",\"op\":\"%s\",\"record\":", k->name, op);
    payload_rec(&b, r);
    if (before) {
        sb_adds(&b, ",\"before\":");
        payload_rec(&b, before);
    }
    /* What the change depends on: the record, what it replaces, and the
     * version it closes by its dates (its id may be new in this change). */
    size_t note_len = b.len;
    if (closed_id)
        sb_addf(&b, ",\"closes\":{\"%s\":\"%s\",\"valid_to\":\"%s\"}", k->id_column, closed_id,
                closed_to);
    sb_addc(&b, '}');
    aggregate_id(&agg, r);
    /* what this change found and does: a request is stale once it differs */
    store_note(&mi->s, agg.s, b.s, note_len);
    if (closed_id)
        store_note(&mi->s, agg.s, closed_to, strlen(closed_to));
    int rc = store_emit(&mi->s, event_of(r), k->aggregate_type, agg.s, b.s, b.len, err);
    sb_free(&b);
    sb_free(&agg);
    return rc;
}

/* The event of a version closed by a later one (record: as closed; before:
 * as it was; closed_by: the later version's start). */
static int emit_close(md_import *mi, const md_rec *r, const char *before, const char *by_from,
                      armms_err *err)
{
    const md_kind *k = mi->k;
    strbuf b, agg;
    sb_init(&b);
    sb_init(&agg);
    sb_addf(&b, "{\"kind\":\"%s\",\"op\":\"close\",\"record\":", k->name);
    payload_rec(&b, r);
    sb_addf(&b, ",\"before\":%s,\"closed_by\":{\"valid_from\":\"%s\"}}", before, by_from);
    aggregate_id(&agg, r);
    store_note(&mi->s, agg.s, b.s, b.len);
    int rc = store_emit(&mi->s, event_of(r), k->aggregate_type, agg.s, b.s, b.len, err);
    sb_free(&b);
    sb_free(&agg);
    return rc;
}

/* ---- writes --------------------------------------------------------------- */

/* Write r with st (its fields bound 1..nf, and id as nf+1 when given), let
 * the kind's hook write what derives from it, and emit its event. */
static int write_rec(md_import *mi, sqlite3_stmt *st, const md_rec *r, const char *id,
                     const char *op, const md_rec *before, const char *closed_id,
                     const char *closed_to, rejection *rj, armms_err *err)
{
    const md_kind *k = mi->k;
    for (int i = 0; i < k->nf; i++)
        bind_val(st, i + 1, &k->f[i], &r->v[i]);
    if (id)
        sqlite3_bind_text(st, k->nf + 1, id, -1, SQLITE_TRANSIENT);
    int rc = md_step_write(&mi->s, st, rj, err);
    if (!rc && mi->written)
        rc = mi->written(&mi->s, mi->hook_stmt, r, rj, err);
    if (!rc)
        rc = emit(mi, r, op, before, closed_id, closed_to, err);
    return rc;
}

/* Bind r's key fields to the select. */
static void bind_key(md_import *mi, const md_rec *r)
{
    const md_kind *k = mi->k;
    for (int i = 0; i < k->nf; i++)
        if (k->f[i].flags & MD_KEY)
            bind_val(mi->sel, i + 1, &k->f[i], &r->v[i]);
}

static int upsert_plain(md_import *mi, const md_rec *r, md_counts *cnt, rejection *rj,
                        armms_err *err)
{
    md_rec old;
    bind_key(mi, r);
    int found = sqlite3_step(mi->sel) == SQLITE_ROW;
    if (found)
        rec_from_row(mi->k, mi->sel, 1, &old);
    sqlite3_reset(mi->sel);
    sqlite3_clear_bindings(mi->sel);
    if (found && (mi->insert_only || rec_equal(r, &old))) {
        cnt->unchanged++;
        rec_free(&old);
        return 0;
    }
    int rc = write_rec(mi, found ? mi->upd : mi->ins, r, NULL, found ? "update" : "insert",
                       found ? &old : NULL, NULL, NULL, rj, err);
    if (!rc)
        *(found ? &cnt->updated : &cnt->inserted) += 1;
    if (found)
        rec_free(&old);
    return rc;
}

/* ---- roles limited to detachments ------------------------------------------ */

/* r (a record, or a stored version the upsert would change) is at a
 * detachment the actor's roles reach, or the actor is not limited: else
 * NOT_PERMITTED, naming the detachment, noted in mi->refused. */
static int limit_check(md_import *mi, const md_rec *r, rejection *rj)
{
    int i = md_fidx(mi->k, "detachment_id");
    if (!mi->who || i < 0 || rbac_at(mi->who, r->v[i].s))
        return 0;
    const char *det = r->v[i].s;
    rbac_note(mi->refused, sizeof mi->refused, det);
    strbuf b;
    sb_init(&b);
    rbac_dets(mi->who, &b);
    rejection_set(rj, "NOT_PERMITTED", "user '%s' may %s only at %s: not at %s", mi->who->user,
                  md_kind_action(mi->k), b.s, det);
    sb_free(&b);
    return REJECTED;
}

/* ---- effective-dated versions ---------------------------------------------- */

typedef struct version {
    char *id;
    md_rec r;
} version;

/* Every stored version of r's key, oldest first, and where r falls among
 * them: the version with its valid_from (same), the last before it (prev)
 * and the first after it (next), each -1 when there is none. */
typedef struct versions {
    version *v;
    int n;
    int fi, ti; /* the indexes of valid_from and valid_to */
    int same, prev, next;
} versions;

static void versions_load(md_import *mi, const md_rec *r, versions *vs)
{
    const md_kind *k = mi->k;
    memset(vs, 0, sizeof *vs);
    vs->fi = md_fidx(k, "valid_from");
    vs->ti = md_fidx(k, "valid_to");
    assert(vs->fi >= 0 && vs->ti >= 0);
    bind_key(mi, r);
    while (sqlite3_step(mi->sel) == SQLITE_ROW) {
        vs->v = xrealloc(vs->v, sizeof *vs->v * (size_t)(vs->n + 1));
        vs->v[vs->n].id = xstrdup((const char *)sqlite3_column_text(mi->sel, 0));
        rec_from_row(k, mi->sel, 1, &vs->v[vs->n].r);
        vs->n++;
    }
    sqlite3_reset(mi->sel);
    sqlite3_clear_bindings(mi->sel);
    const char *from = r->v[vs->fi].s;
    vs->same = vs->prev = vs->next = -1;
    for (int i = 0; i < vs->n; i++) {
        int c = strcmp(vs->v[i].r.v[vs->fi].s, from);
        if (c == 0)
            vs->same = i;
        else if (c < 0)
            vs->prev = i;
        else if (vs->next < 0)
            vs->next = i;
    }
    if (vs->same >= 0) {
        vs->prev = vs->same > 0 ? vs->same - 1 : -1;
        vs->next = vs->same + 1 < vs->n ? vs->same + 1 : -1;
    }
}

static void versions_free(versions *vs)
{
    for (int i = 0; i < vs->n; i++) {
        free(vs->v[i].id);
        rec_free(&vs->v[i].r);
    }
    free(vs->v);
}

/* The day before date, as a date. */
static void day_before(const char *date, char out[11])
{
    day_t d;
    int bad = date_parse(date, &d);
    assert(!bad); /* stored and parsed dates are valid */
    (void)bad;
    date_format(d - 1, out);
}

/* An open-ended version that a later one closed: the import that closed it
 * said the same thing, so r (open-ended, for that version) reads as closed
 * there. */
static void read_as_closed(md_rec *r, const versions *vs)
{
    if (vs->same < 0 || vs->next < 0 || !r->v[vs->ti].null)
        return;
    const md_val *sto = &vs->v[vs->same].r.v[vs->ti];
    if (sto->null)
        return;
    char buf[11];
    day_before(vs->v[vs->next].r.v[vs->fi].s, buf);
    if (strcmp(buf, sto->s) == 0) {
        r->v[vs->ti].null = 0;
        r->v[vs->ti].s = xstrdup(buf);
    }
}

/* r may not reach into the version after it. */
static int overlaps_next(const md_rec *r, const versions *vs, rejection *rj)
{
    if (vs->next < 0)
        return 0;
    const md_val *to = &r->v[vs->ti];
    const char *nfrom = vs->v[vs->next].r.v[vs->fi].s;
    if (to->null || strcmp(to->s, nfrom) >= 0)
        return rejection_set(rj, "OVERLAP",
                             "overlaps the version from %s; give a valid_to before it", nfrom);
    return 0;
}

/* r has the valid_from of a stored version: update that version. */
static int update_same(md_import *mi, const md_rec *r, version *same, md_counts *cnt,
                       rejection *rj, armms_err *err)
{
    if (rec_equal(r, &same->r)) {
        cnt->unchanged++;
        return 0;
    }
    if (limit_check(mi, &same->r, rj))
        return REJECTED;
    int rc = write_rec(mi, mi->upd, r, same->id, "update", &same->r, NULL, NULL, rj, err);
    if (!rc)
        cnt->updated++;
    return rc;
}

/* A new version closes the open (or overlapping) latest one the day before
 * it starts: the closed version changes too, and says so in an event of
 * its own ("op":"close"), so its history shows its end. *closed says
 * whether it did, closed_to the end it gave. */
static int close_prev(md_import *mi, const char *from, versions *vs, int *closed,
                      char closed_to[11], rejection *rj, armms_err *err)
{
    const md_kind *k = mi->k;
    *closed = 0;
    if (vs->prev < 0)
        return 0;
    version *p = &vs->v[vs->prev];
    md_val *pto = &p->r.v[vs->ti];
    if (!pto->null && strcmp(pto->s, from) < 0)
        return 0;      /* it ends before the new one starts */
    if (vs->next >= 0) /* a middle version may not be cut silently */
        return rejection_set(rj, "OVERLAP", "overlaps the version from %s to %s", p->r.v[vs->fi].s,
                             pto->null ? "open end" : pto->s);
    if (limit_check(mi, &p->r, rj)) /* it ends another detachment's version */
        return REJECTED;
    strbuf was;
    sb_init(&was);
    payload_rec(&was, &p->r);
    day_before(from, closed_to);
    free(pto->s);
    pto->s = xstrdup(closed_to);
    pto->null = 0;
    for (int i = 0; i < k->nf; i++)
        bind_val(mi->upd, i + 1, &k->f[i], &p->r.v[i]);
    sqlite3_bind_text(mi->upd, k->nf + 1, p->id, -1, SQLITE_STATIC);
    int rc = md_step_write(&mi->s, mi->upd, rj, err);
    if (!rc)
        rc = emit_close(mi, &p->r, was.s, from, err);
    sb_free(&was);
    *closed = !rc;
    return rc;
}

static int upsert_dated(md_import *mi, md_rec *r, md_counts *cnt, rejection *rj, armms_err *err)
{
    versions vs;
    versions_load(mi, r, &vs);
    read_as_closed(r, &vs);
    int rc = overlaps_next(r, &vs, rj);
    /* insert-only: the versions there are kept; a version that starts the
     * same day or reaches into a later one leaves them as they are */
    if (mi->insert_only && (vs.same >= 0 || rc)) {
        cnt->unchanged++;
        versions_free(&vs);
        return 0;
    }
    if (!rc && vs.same >= 0) {
        rc = update_same(mi, r, &vs.v[vs.same], cnt, rj, err);
        versions_free(&vs);
        return rc;
    }
    int closed = 0;
    char closed_to[11] = "";
    if (!rc)
        rc = close_prev(mi, r->v[vs.fi].s, &vs, &closed, closed_to, rj, err);
    if (!rc) {
        char id[27];
        ulid_new(id);
        rc = write_rec(mi, mi->ins, r, id, "insert", NULL, closed ? vs.v[vs.prev].id : NULL,
                       closed_to, rj, err);
    }
    if (!rc)
        cnt->inserted++;
    versions_free(&vs);
    return rc;
}

/* ---- references ----------------------------------------------------------- */

/* Each item of a list field must exist where the field refers ("*", every
 * scope, needs no row). */
static int list_refs(sqlite3_stmt *st, const md_field *f, const char *list, rejection *rj)
{
    const char *sep = f->type == FT_NAMES ? ";" : ",";
    for (const char *p = list; *p;) {
        size_t len = strcspn(p, sep);
        /* "*" grants every scope; it is not a role */
        if (!(len == 1 && *p == '*' && strstr(f->ref, ".scope."))) {
            sqlite3_bind_text(st, 1, p, (int)len, SQLITE_STATIC);
            int found = sqlite3_step(st) == SQLITE_ROW;
            sqlite3_reset(st);
            if (!found)
                return rejection_set(rj, "BAD_FIELD", "%s: unknown %.*s '%.*s'", f->name,
                                     (int)strlen(f->name) - 1, f->name, (int)len, p);
        }
        p += len + (p[len] == *sep);
    }
    return 0;
}

/* Every value that refers to another table names a row there. */
static int check_refs(md_import *mi, const md_rec *r, rejection *rj)
{
    const md_kind *k = mi->k;
    for (int i = 0; i < k->nf; i++) {
        sqlite3_stmt *st = mi->ref[i];
        if (!st || r->v[i].null)
            continue;
        if (k->f[i].type == FT_LIST || k->f[i].type == FT_NAMES) {
            if (list_refs(st, &k->f[i], r->v[i].s, rj))
                return REJECTED;
            continue;
        }
        sqlite3_bind_text(st, 1, r->v[i].s, -1, SQLITE_STATIC);
        int found = sqlite3_step(st) == SQLITE_ROW;
        sqlite3_reset(st);
        if (!found)
            return rejection_set(rj, "UNKNOWN_REF", "%s '%s' does not exist", k->f[i].name,
                                 r->v[i].s);
    }
    return 0;
}

/* ---- one record ------------------------------------------------------------ */

/* The upsert and the kind's table-wide invariant, in a savepoint of the
 * record's own: a record rejected half-way leaves nothing, counts included. */
static int upsert_in_savepoint(md_import *mi, md_rec *r, md_counts *cnt, rejection *rj,
                               armms_err *err)
{
    const md_kind *k = mi->k;
    int rc = store_savepoint(&mi->s, err);
    if (rc)
        return rc;
    md_counts was = *cnt;
    rc = k->id_column ? upsert_dated(mi, r, cnt, rj, err) : upsert_plain(mi, r, cnt, rj, err);
    if (!rc && k->after && (rc = k->after(&mi->s, r, rj)))
        *cnt = was;
    if (rc)
        store_rollback_to(&mi->s);
    store_release(&mi->s);
    return rc;
}

/* Requesting: keep the accepted record, normalised, for the effect. */
static void capture_accepted(md_import *mi, const md_rec *r)
{
    if (mi->s.capture != CAPTURE_REQUEST)
        return;
    if (mi->naccepted++)
        sb_addc(&mi->accepted, ',');
    replay_rec(&mi->accepted, r);
}

static int upsert_one(md_import *mi, jv obj, int from_csv, reject_sink *rej, const char *source,
                      long line, const char *raw, size_t raw_len, md_counts *cnt, armms_err *err);

/* The longest range one record may stand for. */
enum { MD_RANGE_DAYS = 366 };

/* A record of a kind with range_to, with that field: one record per date
 * of "date".."to" (consumed). 0 with a copy of obj for each date, its
 * "date" set and range_to left out, in *each (obj itself when it has no
 * range_to), or REJECTED with rj filled. */
static int range_split(const md_kind *k, jv obj, jv *each, rejection *rj)
{
    *each = jv_array();
    jv to = jv_object_get(jv_copy(obj), jv_string(k->range_to));
    jv from = jv_object_get(jv_copy(obj), jv_string("date"));
    obj = jv_object_delete(obj, jv_string(k->range_to));
    int absent = jv_get_kind(to) == JV_KIND_INVALID || jv_get_kind(to) == JV_KIND_NULL ||
                 (jv_get_kind(to) == JV_KIND_STRING && !*jv_string_value(to));
    int rc = 0;
    day_t a, b;
    if (absent) {
        *each = jv_array_append(*each, jv_copy(obj));
    } else if (jv_get_kind(to) != JV_KIND_STRING || date_parse(jv_string_value(to), &b)) {
        rc = rejection_set(rj, "BAD_FIELD", "%s must be a date (YYYY-MM-DD)", k->range_to);
    } else if (jv_get_kind(from) != JV_KIND_STRING || date_parse(jv_string_value(from), &a)) {
        rc =
            rejection_set(rj, jv_get_kind(from) == JV_KIND_INVALID ? "MISSING_FIELD" : "BAD_FIELD",
                          "date must be a date (YYYY-MM-DD)");
    } else if (b < a) {
        rc = rejection_set(rj, "BAD_RANGE", "%s %s is before date %s", k->range_to,
                           jv_string_value(to), jv_string_value(from));
    } else if (b - a >= MD_RANGE_DAYS) {
        rc = rejection_set(rj, "BAD_RANGE", "date %s to %s is more than %d days",
                           jv_string_value(from), jv_string_value(to), MD_RANGE_DAYS);
    } else {
        for (day_t d = a; d <= b; d++) {
            char ds[11];
            date_format(d, ds);
            *each = jv_array_append(*each,
                                    jv_object_set(jv_copy(obj), jv_string("date"), jv_string(ds)));
        }
    }
    jv_free(to);
    jv_free(from);
    jv_free(obj);
    return rc;
}

int md_upsert(md_import *mi, jv obj, int from_csv, reject_sink *rej, const char *source, long line,
              const char *raw, size_t raw_len, md_counts *cnt, armms_err *err)
{
    const md_kind *k = mi->k;
    if (!k->range_to || jv_get_kind(obj) != JV_KIND_OBJECT)
        return upsert_one(mi, obj, from_csv, rej, source, line, raw, raw_len, cnt, err);
    jv each;
    rejection rj = {0};
    if (range_split(k, obj, &each, &rj)) {
        jv_free(each);
        cnt->read++;
        reject_emit(rej, &rj, source, line, raw, raw_len);
        cnt->rejected++;
        return 0;
    }
    /* each date is a record read, landing or refused alone: the counts
     * are of dates */
    int rc = 0, n = jv_array_length(jv_copy(each));
    for (int i = 0; !rc && i < n; i++)
        rc = upsert_one(mi, jv_array_get(jv_copy(each), i), from_csv, rej, source, line, raw,
                        raw_len, cnt, err);
    jv_free(each);
    return rc;
}

static int upsert_one(md_import *mi, jv obj, int from_csv, reject_sink *rej, const char *source,
                      long line, const char *raw, size_t raw_len, md_counts *cnt, armms_err *err)
{
    md_rec r;
    rejection rj = {0};
    cnt->read++;
    int rc = md_rec_parse(mi->k, obj, from_csv, &r, &rj);
    if (!rc)
        rc = limit_check(mi, &r, &rj);
    if (!rc)
        rc = check_refs(mi, &r, &rj);
    if (!rc)
        rc = upsert_in_savepoint(mi, &r, cnt, &rj, err);
    assert(rc != REJECTED || rj.code);
    if (rc == REJECTED) {
        reject_emit(rej, &rj, source, line, raw, raw_len);
        cnt->rejected++;
        cnt->refused += strcmp(rj.code, "NOT_PERMITTED") == 0;
        rc = 0;
    } else if (!rc) {
        capture_accepted(mi, &r);
    }
    rec_free(&r);
    return rc;
}
