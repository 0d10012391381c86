/*
 * timesheet.c - the timesheet stage (see timesheet.h): which timesheets a
 * DTR touches, the scope of a run, and the recompute that brings each
 * timesheet of a touched period to the sum of its DTRs - a DRAFT written,
 * updated in place or removed, a sealed version handed to snapshot.c for
 * its ADJUSTED successor. Validation is in blockers.c, the record, the
 * sealed snapshot and finalization in snapshot.c; what they share is
 * timesheet_int.h.
 *
 * Invariants:
 *  - a DTR touches its guard's whole period and the next one (whose
 *    unworked holidays may look back to it);
 *  - only a DRAFT is updated or deleted (the statements say so); a sealed
 *    version is only ever followed by a new one.
 */
#include "tk/timesheet.h"

#include <stdlib.h>
#include <string.h>

#include "core/daytype.h"
#include "tk/timesheet_int.h"

static const char sql_dtrs[] =
    "SELECT detachment_id, shift_id, status, buckets, worked, regular, ot, nd, nd_ot, late,"
    " undertime FROM dtr WHERE guard_id = ?1 AND date BETWEEN ?2 AND ?3"
    " ORDER BY detachment_id, shift_id";
static const char sql_latest[] =
    "SELECT timesheet_id, version, status, minutes, record FROM timesheet t"
    " WHERE guard_id = ?1 AND period_id = ?2"
    " AND version = (SELECT max(version) FROM timesheet WHERE timesheet_id = t.timesheet_id)"
    " ORDER BY timesheet_id";
static const char sql_days[] =
    "SELECT date, day_type, status, buckets, worked, regular, ot, nd, nd_ot, late, undertime,"
    " leave_code, leave_name, leave_paid FROM dtr WHERE guard_id = ?1 AND detachment_id = ?2 AND "
    "shift_id = ?3"
    " AND date BETWEEN ?4 AND ?5 ORDER BY date";
/* The guard's standing on a date over all its DTRs: the best status. */
static const char sql_on[] =
    "SELECT status, leave_code, leave_name, leave_paid FROM dtr WHERE guard_id = ?1 AND date = ?2"
    " ORDER BY CASE status WHEN 'COMPLETE' THEN 0 WHEN 'INCOMPLETE' THEN 1 WHEN 'LEAVE' THEN 2"
    " ELSE 3 END LIMIT 1";
static const char sql_ins[] =
    "INSERT INTO timesheet(timesheet_id, version, guard_id, detachment_id, shift_id, period_id,"
    " status, record, checksum, minutes) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)";
static const char sql_upd[] =
    "UPDATE timesheet SET record = ?3, minutes = ?4 WHERE timesheet_id = ?1 AND version = ?2"
    " AND status = 'DRAFT'";
static const char sql_del[] =
    "DELETE FROM timesheet WHERE timesheet_id = ?1 AND version = ?2 AND status = 'DRAFT'";

static int ts_open(tk_run *r, armms_err *err)
{
    ts_eng *e = xcalloc(1, sizeof *e);
    e->pf = 1; /* no period yet */
    sb_init(&e->name);
    r->eng = e;
    if (store_prepare(&r->s, &e->q_dtrs, sql_dtrs, err) ||
        store_prepare(&r->s, &e->q_latest, sql_latest, err) ||
        store_prepare(&r->s, &e->ins, sql_ins, err) ||
        store_prepare(&r->s, &e->upd, sql_upd, err) ||
        store_prepare(&r->s, &e->del, sql_del, err) ||
        store_prepare(&r->s, &e->q_days, sql_days, err) ||
        store_prepare(&r->s, &e->q_on, sql_on, err))
        return err->code;
    return 0;
}

static void ts_close(tk_run *r)
{
    ts_eng *e = r->eng;
    sqlite3_finalize(e->q_dtrs);
    sqlite3_finalize(e->q_latest);
    sqlite3_finalize(e->ins);
    sqlite3_finalize(e->upd);
    sqlite3_finalize(e->del);
    sqlite3_finalize(e->q_days);
    sqlite3_finalize(e->q_on);
    free(e->g);
    sb_free(&e->name);
    free(e);
    r->eng = NULL;
}

static int ts_touch_peek(tk_run *r, const tk_rec *rec, rejection *rj, armms_err *err)
{
    const char *guard = tk_str_peek(rec, "guard_id");
    day_t d;
    if (!guard || tk_date_peek(rec, "date", &d))
        return rejection_set(rj, "MISSING_FIELD", "DTR needs guard_id and date (YYYY-MM-DD)");
    if (!roster_known(r->ro, guard, err))
        return err->code ? err->code
                         : rejection_set(rj, "UNKNOWN_GUARD", "guard %s does not exist", guard);
    /* A timesheet is a whole period: touching it all lets the DTRs of one
     * period, rest days between them, recompute it once. */
    ts_eng *e = r->eng;
    if (e->pf > e->pt || d < e->pf || d > e->pt) {
        period_of_date(d, e->period);
        period_parse(e->period, &e->pf, &e->pt);
        /* the next period too: its unworked holidays may look back to
         * this DTR for the guard's last scheduled workday */
        char next[12];
        day_t nf;
        period_next(e->period, next);
        period_parse(next, &nf, &e->nt);
    }
    tk_touch_add(r, guard, e->pf, e->nt);
    const char *det = tk_str_peek(rec, "detachment_id"), *shift = tk_str_peek(rec, "shift_id");
    if (det && shift) {
        strbuf *id = &e->name;
        sb_reset(id);
        sb_adds(id, e->period);
        sb_addc(id, '/');
        sb_adds(id, guard);
        sb_addc(id, '/');
        sb_adds(id, det);
        sb_addc(id, '/');
        sb_adds(id, shift);
        tk_name(r, id->s);
    }
    return 0;
}

static const char sql_scope[] =
    "SELECT DISTINCT guard_id FROM dtr WHERE date BETWEEN ?1 AND ?2 AND guard_id > ?5"
    " UNION SELECT guard_id FROM timesheet WHERE period_id IN (?3, ?4) AND guard_id > ?5"
    " ORDER BY 1 LIMIT ?6";

static int ts_scope(tk_run *r, const char *guard, day_t from, day_t to, const char *after,
                    int limit, long *n, char *last, armms_err *err)
{
    if (guard)
        return tk_scope_one(r, guard, from, to, n, last);
    char f[11], t[11], pf[12], pt[12];
    date_format(from, f);
    date_format(to, t);
    period_of_date(from, pf);
    period_of_date(to, pt);
    sqlite3_stmt *st = NULL;
    if (store_prepare(&r->s, &st, sql_scope, err))
        return err->code;
    const char *v[] = {f, t, pf, pt};
    for (int i = 0; i < 4; i++)
        sqlite3_bind_text(st, i + 1, v[i], -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, after, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 6, limit > 0 ? limit : -1);
    return tk_scope_rows(r, st, from, to, n, last, err);
}

int ts_put_version(tk_run *r, const ts_key *k, int version, const char *status, const char *record,
                   const char *checksum, const char *minutes, armms_err *err)
{
    ts_eng *e = r->eng;
    sqlite3_stmt *q = e->ins;
    sqlite3_bind_text(q, 1, k->id, -1, SQLITE_STATIC);
    sqlite3_bind_int(q, 2, version);
    const char *v[] = {k->guard, k->det, k->shift, k->period, status, record, checksum, minutes};
    for (int i = 0; i < 8; i++)
        tk_bind_text(q, i + 3, v[i]);
    int rc = sqlite3_step(q);
    sqlite3_reset(q);
    return rc == SQLITE_DONE ? 0 : store_fail(&r->s, rc, "writing a timesheet", err);
}

static int exec_id(tk_run *r, sqlite3_stmt *q, const char *id, int version, const char *a,
                   const char *b, armms_err *err)
{
    sqlite3_bind_text(q, 1, id, -1, SQLITE_STATIC);
    sqlite3_bind_int(q, 2, version);
    if (a) {
        sqlite3_bind_text(q, 3, a, -1, SQLITE_STATIC);
        sqlite3_bind_text(q, 4, b, -1, SQLITE_STATIC);
    }
    int rc = sqlite3_step(q);
    sqlite3_reset(q);
    return rc == SQLITE_DONE ? 0 : store_fail(&r->s, rc, "writing a timesheet", err);
}

static ts_sum *group_of(ts_eng *e, const char *det, const char *shift)
{
    for (int i = 0; i < e->ng; i++)
        if (!strcmp(e->g[i].det, det) && !strcmp(e->g[i].shift, shift))
            return &e->g[i];
    if (e->ng == e->capg) {
        e->capg = e->capg ? 2 * e->capg : 8;
        e->g = xrealloc(e->g, sizeof *e->g * (size_t)e->capg);
    }
    ts_sum *s = &e->g[e->ng++];
    memset(s, 0, sizeof *s);
    str_copy(s->det, sizeof s->det, det);
    str_copy(s->shift, sizeof s->shift, shift);
    return s;
}

/* Sum the guard's DTRs of dates f..t, one group per detachment and shift. */
static int sum_dtrs(tk_run *r, const ro_guard *g, const char *period, const char *f, const char *t,
                    armms_err *err)
{
    ts_eng *e = r->eng;
    e->ng = 0;
    int rc;
    sqlite3_stmt *q = e->q_dtrs;
    sqlite3_bind_text(q, 1, g->id, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 2, f, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 3, t, -1, SQLITE_STATIC);
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        ts_sum *s = group_of(e, tk_col(q, 0), tk_col(q, 1));
        const char *st = tk_col(q, 2);
        s->days[st[0] == 'C' ? 0 : st[0] == 'A' ? 1 : st[0] == 'L' ? 3 : 2]++;
        if (buckets_parse(tk_col(q, 3), s->by_type)) {
            sqlite3_reset(q);
            return err_set(err, EXIT_SOFTWARE, "DTR of %s in %s has damaged buckets", g->id,
                           period);
        }
        for (int k = 0; k < NTOT; k++)
            s->tot[k] += sqlite3_column_int(q, 4 + k);
    }
    sqlite3_reset(q);
    return rc == SQLITE_DONE ? 0 : store_fail(&r->s, rc, "reading DTRs", err);
}

typedef struct latest_set {
    ts_latest *v;
    int n;
} latest_set;

static void latest_free(latest_set *l)
{
    for (int i = 0; i < l->n; i++) {
        free(l->v[i].minutes);
        free(l->v[i].record);
    }
    free(l->v);
}

/* The latest version of each of the guard's timesheets of the period. */
static int load_latest(tk_run *r, const ro_guard *g, const char *period, latest_set *l,
                       armms_err *err)
{
    ts_eng *e = r->eng;
    int rc;
    sqlite3_stmt *q = e->q_latest;
    sqlite3_bind_text(q, 1, g->id, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 2, period, -1, SQLITE_STATIC);
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        l->v = xrealloc(l->v, sizeof *l->v * (size_t)(l->n + 1));
        ts_latest *x = &l->v[l->n++];
        str_copy(x->id, sizeof x->id, tk_col(q, 0));
        x->version = sqlite3_column_int(q, 1);
        str_copy(x->status, sizeof x->status, tk_col(q, 2));
        x->minutes = xstrdup(tk_col(q, 3));
        x->record = xstrdup(tk_col(q, 4));
        x->seen = 0;
    }
    sqlite3_reset(q);
    return rc == SQLITE_DONE ? 0 : store_fail(&r->s, rc, "reading timesheets", err);
}

/* Bring one timesheet (latest version x, or NULL for a new one) to the sum
 * s: a DRAFT is written, updated or (empty: no DTR left) removed; a sealed
 * version gets an ADJUSTED successor. text and rec are scratch. */
static int put_sum(tk_run *r, const ts_key *k, ts_sum *s, ts_latest *x, int empty,
                   const char *days, strbuf *text, strbuf *rec, armms_err *err)
{
    ts_eng *e = r->eng;
    sb_reset(text);
    ts_content_text(text, s, days);
    int changed = !x || !ts_same_content(x, text->s), rc;
    r->n.recomputed++;
    if (!changed) {
        if (tk_wanted(r, k->id)) {
            sb_adds(&r->outbuf, x->record);
            sb_addc(&r->outbuf, '\n');
        }
        return 0;
    }
    r->n.changed++;
    sb_reset(rec);
    if (x && strcmp(x->status, "DRAFT") != 0)
        return ts_adjust_sealed(r, k, s, x, days, text->s, err);
    if (empty) { /* a draft with nothing under it */
        rc = exec_id(r, e->del, k->id, x->version, NULL, NULL, err);
        ts_record_json(rec, k, s, x->version, "REMOVED", NULL);
    } else {
        ts_record_json(rec, k, s, x ? x->version : 1, "DRAFT", NULL);
        rc = x ? exec_id(r, e->upd, k->id, x->version, rec->s, text->s, err)
               : ts_put_version(r, k, 1, "DRAFT", rec->s, NULL, text->s, err);
    }
    sb_adds(&r->outbuf, rec->s);
    sb_addc(&r->outbuf, '\n');
    return rc;
}

static int recompute_period(tk_run *r, const ro_guard *g, const char *period, day_t pf, day_t pt,
                            armms_err *err)
{
    ts_eng *e = r->eng;
    char f[11], t[11];
    date_format(pf, f);
    date_format(pt, t);
    if (sum_dtrs(r, g, period, f, t, err))
        return err->code;
    latest_set l = {0};
    int rc = load_latest(r, g, period, &l, err);
    strbuf text, rec, days;
    sb_init(&text);
    sb_init(&rec);
    sb_init(&days);
    ts_sum zero;
    for (int i = 0; i < e->ng + l.n && !rc; i++) {
        ts_sum *s;
        ts_latest *x = NULL;
        char id[200];
        if (i < e->ng) {
            s = &e->g[i];
            snprintf(id, sizeof id, "%s/%s/%s/%s", period, g->id, s->det, s->shift);
            for (int k = 0; k < l.n; k++)
                if (!strcmp(l.v[k].id, id))
                    x = &l.v[k];
            if (x)
                x->seen = 1;
        } else {
            x = &l.v[i - e->ng];
            if (x->seen)
                continue;
            /* no DTR left: the id names its detachment and shift */
            memset(&zero, 0, sizeof zero);
            const char *p = x->id + strlen(period) + 1 + strlen(g->id) + 1;
            const char *slash = strrchr(p, '/');
            snprintf(zero.det, sizeof zero.det, "%.*s", (int)(slash - p), p);
            str_copy(zero.shift, sizeof zero.shift, slash + 1);
            s = &zero;
            str_copy(id, sizeof id, x->id);
        }
        ts_key k = {id, g->id, s->det, s->shift, g->position_id, period, pf, pt};
        sb_reset(&days);
        /* Only a sealed version compares its day lines: a draft carries
         * none (finalizing computes them), so a draft costs its sums alone. */
        if (x && strcmp(x->status, "DRAFT") != 0)
            rc = ts_days_json(r, g, s->det, s->shift, pf, pt, &days, err);
        if (!rc)
            rc = put_sum(r, &k, s, x, s == &zero, days.s, &text, &rec, err);
    }
    sb_free(&days);
    sb_free(&text);
    sb_free(&rec);
    latest_free(&l);
    return rc;
}

static int ts_recompute(tk_run *r, const ro_guard *g, day_t d0, day_t d1, armms_err *err)
{
    char period[12];
    period_of_date(d0, period);
    for (;;) {
        day_t pf, pt;
        period_parse(period, &pf, &pt);
        if (pf > d1)
            return 0;
        if (recompute_period(r, g, period, pf, pt, err))
            return err->code;
        char next[12];
        period_next(period, next);
        memcpy(period, next, sizeof period);
    }
}

static const char *const ts_fields[] = {"kind", "v",        "guard_id", "detachment_id",
                                        "date", "shift_id", NULL};

const tk_stage timesheet_stage = {"timesheet", "DTR",        ts_open,   ts_close, ts_touch_peek,
                                  ts_scope,    ts_recompute, ts_fields, NULL,     NULL};
