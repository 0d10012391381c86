/*
 * stale.c - see stale.h.
 */
#define _GNU_SOURCE
#include "tk/stale.h"

#include <jv.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "store/journal.h"
#include "tk/stage.h"

enum { NQ = 8 };
struct tk_stale_q {
    sqlite3_stmt *st[NQ];
};
enum { Q_FIND, Q_DEL, Q_INS, Q_RANGE, Q_OWN, Q_CURSOR, Q_SET_CURSOR, Q_TOUCH };

static const char *const sql[NQ] = {
    [Q_FIND] = "SELECT rowid, date_from, date_to, reason, marked_at FROM stale"
               " WHERE stage = ?1 AND guard_id = ?2 AND date_from <= ?4 AND date_to >= ?3",
    [Q_DEL] = "DELETE FROM stale WHERE rowid = ?1",
    [Q_INS] = "INSERT INTO stale(stage, guard_id, date_from, date_to, reason, marked_at)"
              " VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    /* the dates a guard has derived rows on */
    [Q_RANGE] = "SELECT min(d), max(d) FROM (SELECT min(date) d FROM dtr WHERE guard_id = ?1"
                " UNION ALL SELECT max(date) FROM dtr WHERE guard_id = ?1"
                " UNION ALL SELECT min(work_date) FROM time_log WHERE guard_id = ?1"
                " UNION ALL SELECT max(work_date) FROM time_log WHERE guard_id = ?1)",
    [Q_OWN] = "SELECT EXISTS (SELECT 1 FROM stale WHERE stage = ?1)",
    [Q_CURSOR] = "SELECT seq FROM stale_source WHERE source = 'md'",
    [Q_SET_CURSOR] = "INSERT INTO stale_source(source, seq) VALUES ('md', ?1)"
                     " ON CONFLICT (source) DO UPDATE SET seq = excluded.seq",
    [Q_TOUCH] = "SELECT guard_id, date_from, date_to FROM stale WHERE stage = ?1"
                " ORDER BY guard_id, date_from",
};

static const char *const stages[] = {"timelog", "dtr", "timesheet"};

const char *tk_stale_next(const char *stage)
{
    for (int i = 0; i < 2; i++)
        if (strcmp(stage, stages[i]) == 0)
            return stages[i + 1];
    return NULL;
}

void tk_stale_command(const char *stage, const char *tenant, char *buf, size_t n)
{
    size_t len = 0;
    buf[0] = '\0';
    for (int i = 0, on = 0; i < 3; i++) {
        on = on || strcmp(stage, stages[i]) == 0;
        if (on && len < n)
            len += (size_t)snprintf(buf + len, n - len, "%sarmms-%s -t %s", len ? " | " : "",
                                    stages[i], tenant);
    }
}

static int prep(tk_run *r, int i, sqlite3_stmt **st, armms_err *err)
{
    if (!r->stale_q)
        r->stale_q = xcalloc(1, sizeof *r->stale_q);
    if (store_prepare(&r->s, &r->stale_q->st[i], sql[i], err))
        return err->code;
    *st = r->stale_q->st[i];
    return 0;
}

static void bind_day(sqlite3_stmt *st, int i, day_t d)
{
    char buf[11];
    date_format(d, buf);
    sqlite3_bind_text(st, i, buf, -1, SQLITE_TRANSIENT);
}

static day_t col_day(sqlite3_stmt *st, int i)
{
    day_t d = 0;
    date_parse(tk_col(st, i), &d);
    return d;
}

void tk_stale_close(tk_run *r)
{
    if (r->stale_q)
        for (int i = 0; i < NQ; i++)
            sqlite3_finalize(r->stale_q->st[i]);
    free(r->stale_q);
    r->stale_q = NULL;
    free(r->noted);
    r->noted = NULL;
    r->nnoted = r->capnoted = 0;
}

int tk_stale_open(tk_run *r, armms_err *err)
{
    sqlite3_stmt *st = NULL;
    if (prep(r, Q_CURSOR, &st, err))
        return err->code;
    int rc = sqlite3_step(st), has = rc == SQLITE_ROW;
    sqlite3_reset(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return store_fail(&r->s, rc, "reading the stale marks", err);
    if (!has) { /* a tenant's first run: what came before is computed */
        long long seq;
        if (journal_last_seq(r->t, &seq, err) || prep(r, Q_SET_CURSOR, &st, err))
            return err->code;
        sqlite3_bind_int64(st, 1, seq);
        rc = sqlite3_step(st);
        sqlite3_reset(st);
        if (rc != SQLITE_DONE)
            return store_fail(&r->s, rc, "starting the stale marks", err);
    }
    return tk_stale_refresh(r, err);
}

int tk_stale_refresh(tk_run *r, armms_err *err)
{
    sqlite3_stmt *st = NULL;
    if (prep(r, Q_OWN, &st, err))
        return err->code;
    sqlite3_bind_text(st, 1, r->stage->name, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    r->stale_own = rc == SQLITE_ROW && sqlite3_column_int(st, 0);
    sqlite3_reset(st);
    return rc == SQLITE_ROW ? 0 : store_fail(&r->s, rc, "reading the stale marks", err);
}

void tk_stale_note(tk_run *r, day_t d)
{
    if (r->nnoted && r->noted[r->nnoted - 1] == d)
        return;
    if (r->nnoted == r->capnoted) {
        r->capnoted = r->capnoted ? 2 * r->capnoted : 16;
        r->noted = xrealloc(r->noted, sizeof *r->noted * (size_t)r->capnoted);
    }
    r->noted[r->nnoted++] = d;
}

typedef struct mark_row {
    long long id;
    day_t from, to;
    char reason[32], at[32];
} mark_row;

/* The marks of stage and guard overlapping [d0, d1], in *out (freed by the
 * caller). */
static int find(tk_run *r, const char *stage, const char *guard, day_t d0, day_t d1,
                mark_row **out, int *n, armms_err *err)
{
    sqlite3_stmt *st = NULL;
    *out = NULL;
    *n = 0;
    if (prep(r, Q_FIND, &st, err))
        return err->code;
    sqlite3_bind_text(st, 1, stage, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, guard, -1, SQLITE_TRANSIENT);
    bind_day(st, 3, d0);
    bind_day(st, 4, d1);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        *out = xrealloc(*out, sizeof **out * (size_t)(*n + 1));
        mark_row *m = &(*out)[(*n)++];
        m->id = sqlite3_column_int64(st, 0);
        m->from = col_day(st, 1);
        m->to = col_day(st, 2);
        str_copy(m->reason, sizeof m->reason, tk_col(st, 3));
        str_copy(m->at, sizeof m->at, tk_col(st, 4));
    }
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? 0 : store_fail(&r->s, rc, "reading the stale marks", err);
}

static int del(tk_run *r, long long id, armms_err *err)
{
    sqlite3_stmt *st = NULL;
    if (prep(r, Q_DEL, &st, err))
        return err->code;
    sqlite3_bind_int64(st, 1, id);
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? 0 : store_fail(&r->s, rc, "clearing a stale mark", err);
}

static int ins(tk_run *r, const char *stage, const char *guard, day_t d0, day_t d1,
               const char *reason, const char *at, armms_err *err)
{
    sqlite3_stmt *st = NULL;
    if (prep(r, Q_INS, &st, err))
        return err->code;
    char now[32];
    if (!at) {
        now_iso(now);
        at = now;
    }
    sqlite3_bind_text(st, 1, stage, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, guard, -1, SQLITE_TRANSIENT);
    bind_day(st, 3, d0);
    bind_day(st, 4, d1);
    sqlite3_bind_text(st, 5, reason, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 6, at, -1, SQLITE_TRANSIENT);
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? 0 : store_fail(&r->s, rc, "writing a stale mark", err);
}

int tk_stale_mark(tk_run *r, const char *stage, const char *guard, day_t d0, day_t d1,
                  const char *reason, armms_err *err)
{
    mark_row *m;
    int n, rc = find(r, stage, guard, d0 - 1, d1 + 1, &m, &n, err);
    for (int i = 0; i < n && !rc; i++) { /* absorb what it overlaps or touches */
        d0 = m[i].from < d0 ? m[i].from : d0;
        d1 = m[i].to > d1 ? m[i].to : d1;
        rc = del(r, m[i].id, err);
    }
    free(m);
    if (!rc)
        rc = ins(r, stage, guard, d0, d1, reason, NULL, err);
    if (!rc && r->stage && strcmp(stage, r->stage->name) == 0)
        r->stale_own = 1;
    return rc;
}

/* Remove stage's marks of guard on [d0, d1], keeping the parts outside. */
static int clear(tk_run *r, const char *stage, const char *guard, day_t d0, day_t d1,
                 armms_err *err)
{
    mark_row *m;
    int n, rc = find(r, stage, guard, d0, d1, &m, &n, err);
    for (int i = 0; i < n && !rc; i++) {
        rc = del(r, m[i].id, err);
        if (!rc && m[i].from < d0)
            rc = ins(r, stage, guard, m[i].from, d0 - 1, m[i].reason, m[i].at, err);
        if (!rc && m[i].to > d1)
            rc = ins(r, stage, guard, d1 + 1, m[i].to, m[i].reason, m[i].at, err);
    }
    free(m);
    return rc;
}

static int day_cmp(const void *a, const void *b)
{
    day_t x = *(const day_t *)a, y = *(const day_t *)b;
    return x < y ? -1 : x > y;
}

int tk_stale_settle(tk_run *r, const char *guard, day_t d0, day_t d1, armms_err *err)
{
    int rc = r->stale_own ? clear(r, r->stage->name, guard, d0, d1, err) : 0;
    const char *next = tk_stale_next(r->stage->name);
    if (!rc && next && r->nnoted) {
        const char *why = r->stale_reason ? r->stale_reason : r->stage->name;
        qsort(r->noted, (size_t)r->nnoted, sizeof *r->noted, day_cmp);
        for (int i = 0; i < r->nnoted && !rc;) {
            int j = i;
            while (j + 1 < r->nnoted && r->noted[j + 1] <= r->noted[j] + 1)
                j++;
            rc = tk_stale_mark(r, next, guard, r->noted[i], r->noted[j], why, err);
            i = j + 1;
        }
    }
    r->nnoted = 0;
    return rc;
}

int tk_stale_touch(tk_run *r, armms_err *err)
{
    if (tk_stale_refresh(r, err)) /* its upstream may have marked it since it opened */
        return err->code;
    if (!r->stale_own)
        return 0;
    sqlite3_stmt *st = NULL;
    if (prep(r, Q_TOUCH, &st, err))
        return err->code;
    sqlite3_bind_text(st, 1, r->stage->name, -1, SQLITE_STATIC);
    int rc, ts = strcmp(r->stage->name, "timesheet") == 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        day_t d0 = col_day(st, 1), d1 = col_day(st, 2);
        if (ts) { /* whole periods, and the next one, as a DTR record touches */
            char p[12], next[12];
            day_t pf, pt;
            period_of_date(d0, p);
            period_parse(p, &d0, &pt);
            period_of_date(d1, p);
            period_next(p, next);
            period_parse(next, &pf, &d1);
        }
        tk_touch_add(r, tk_col(st, 0), d0, d1);
    }
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? 0 : store_fail(&r->s, rc, "reading the stale marks", err);
}

/* ---- clock events recorded since the last run without a scope ---- */

int tk_stale_clock(tk_run *r, long long *upto, armms_err *err)
{
    *upto = -1;
    if (strcmp(r->stage->name, "timelog"))
        return 0;
    sqlite3_stmt *st = NULL;
    long long from = 0;
    if (store_prepare(&r->s, &st, "SELECT seq FROM stale_source WHERE source = 'clock'", err))
        return err->code;
    if (sqlite3_step(st) == SQLITE_ROW)
        from = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    st = NULL;
    if (store_prepare(
            &r->s, &st,
            "SELECT rowid, guard_id, ts FROM clock_event WHERE rowid > ?1 ORDER BY rowid", err))
        return err->code;
    sqlite3_bind_int64(st, 1, from);
    int rc;
    *upto = from;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        instant_t t;
        *upto = sqlite3_column_int64(st, 0);
        if (iso_parse(tk_col(st, 2), &t, NULL))
            continue;
        day_t l = tz_date_of(&r->t->tz, t);
        tk_touch_add(r, tk_col(st, 1), l - 1, l + 1); /* as a piped ClockEvent touches */
    }
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? 0 : store_fail(&r->s, rc, "reading the new clock events", err);
}

int tk_stale_clock_done(tk_run *r, long long upto, armms_err *err)
{
    if (upto < 0)
        return 0;
    sqlite3_stmt *st = NULL;
    if (store_begin(&r->s, err))
        return err->code;
    int rc = store_prepare(&r->s, &st,
                           "INSERT INTO stale_source(source, seq) VALUES ('clock', ?1)"
                           " ON CONFLICT (source) DO UPDATE SET seq = max(seq, excluded.seq)",
                           err);
    if (!rc) {
        sqlite3_bind_int64(st, 1, upto);
        int step = sqlite3_step(st);
        sqlite3_finalize(st);
        rc = step == SQLITE_DONE ? 0 : store_fail(&r->s, step, "moving the clock cursor", err);
    }
    if (rc) {
        store_rollback(&r->s);
        return rc;
    }
    return store_commit(&r->s, err);
}

/* ---- master data changes from the journal ---- */

enum { OPEN_END = INT32_MAX / 2, OPEN_START = -(INT32_MAX / 2) };

/* Mark each of the stages for guard on [a, b] clipped to the dates the
 * guard has derived rows on. */
static int mark_clipped(tk_run *r, const char *guard, day_t a, day_t b, const char *const *marks,
                        const char *reason, armms_err *err)
{
    if (!guard || !*guard)
        return 0;
    sqlite3_stmt *st = NULL;
    if (prep(r, Q_RANGE, &st, err))
        return err->code;
    sqlite3_bind_text(st, 1, guard, -1, SQLITE_TRANSIENT);
    int rc = sqlite3_step(st);
    day_t lo = 0, hi = -1;
    if (rc == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL) {
        lo = col_day(st, 0);
        hi = col_day(st, 1);
    }
    sqlite3_reset(st);
    if (rc != SQLITE_ROW)
        return store_fail(&r->s, rc, "reading derived dates", err);
    a = a > lo ? a : lo;
    b = b < hi ? b : hi;
    for (int i = 0; marks[i] && a <= b; i++)
        if ((rc = tk_stale_mark(r, marks[i], guard, a, b, reason, err)))
            return rc;
    return 0;
}

static jv field(jv obj, const char *key)
{
    return jv_get_kind(obj) == JV_KIND_OBJECT ? jv_object_get(jv_copy(obj), jv_string(key))
                                              : jv_invalid();
}

/* A field of rec as text, or "" (null, absent, a number as its text). */
static void text_of(jv rec, const char *key, char *buf, size_t n)
{
    jv v = field(rec, key);
    if (jv_get_kind(v) == JV_KIND_STRING)
        str_copy(buf, n, jv_string_value(v));
    else if (jv_get_kind(v) == JV_KIND_NUMBER)
        snprintf(buf, n, "%lld", (long long)jv_number_value(v));
    else if (jv_get_kind(v) == JV_KIND_TRUE || jv_get_kind(v) == JV_KIND_FALSE)
        str_copy(buf, n, jv_get_kind(v) == JV_KIND_TRUE ? "true" : "false");
    else
        buf[0] = '\0';
    jv_free(v);
}

/* Whether any of the fields differs between rec and before (an insert has
 * no before: it differs). */
static int differs(jv rec, jv before, const char *const *fields)
{
    if (jv_get_kind(before) != JV_KIND_OBJECT)
        return 1;
    for (int i = 0; fields[i]; i++) {
        char x[128], y[128];
        text_of(rec, fields[i], x, sizeof x);
        text_of(before, fields[i], y, sizeof y);
        if (strcmp(x, y))
            return 1;
    }
    return 0;
}

/* The dates of an effective-dated record (open ends as such); 0 when it has them. */
static int dates_of(jv rec, day_t *a, day_t *b)
{
    char f[16], t[16];
    text_of(rec, "valid_from", f, sizeof f);
    text_of(rec, "valid_to", t, sizeof t);
    if (date_parse(f, a))
        return -1;
    if (!*t || date_parse(t, b))
        *b = OPEN_END;
    return 0;
}

/* Each guard (column 0) with [column 1, column 2] of a query binding one text. */
static int mark_each(tk_run *r, const char *q, const char *arg, day_t a, day_t b,
                     const char *const *marks, const char *reason, armms_err *err)
{
    sqlite3_stmt *st = NULL;
    if (store_prepare(&r->s, &st, q, err))
        return err->code;
    sqlite3_bind_text(st, 1, arg, -1, SQLITE_TRANSIENT);
    if (a != OPEN_START) {
        bind_day(st, 2, a);
        bind_day(st, 3, b);
    }
    int rc, src;
    typedef struct {
        char g[65];
        day_t a, b;
    } hit;
    hit *h = NULL;
    int n = 0;
    while ((src = sqlite3_step(st)) == SQLITE_ROW) {
        h = xrealloc(h, sizeof *h * (size_t)(n + 1));
        str_copy(h[n].g, sizeof h[n].g, tk_col(st, 0));
        h[n].a = sqlite3_column_type(st, 1) == SQLITE_NULL ? OPEN_START : col_day(st, 1);
        h[n].b = sqlite3_column_type(st, 2) == SQLITE_NULL ? OPEN_END : col_day(st, 2);
        n++;
    }
    sqlite3_finalize(st);
    rc = src == SQLITE_DONE ? 0 : store_fail(&r->s, src, "reading what a change touches", err);
    for (int i = 0; i < n && !rc; i++)
        rc = mark_clipped(r, h[i].g, h[i].a, h[i].b, marks, reason, err);
    free(h);
    return rc;
}

static const char *const mark_tl_dtr[] = {"timelog", "dtr", NULL};
static const char *const mark_dtr[] = {"dtr", NULL};
static const char *const mark_dtr_ts[] = {"dtr", "timesheet", NULL};
static const char *const mark_ts[] = {"timesheet", NULL};

static const char sql_shift_guards[] =
    "SELECT guard_id, valid_from, valid_to FROM hr.assignment WHERE shift_id = ?1";
static const char sql_det_guards[] =
    "SELECT guard_id, min(date), max(date) FROM dtr WHERE detachment_id = ?1 GROUP BY guard_id";
static const char sql_code_guards[] =
    "SELECT guard_id, min(date), max(date) FROM hr.leave WHERE code = ?1 GROUP BY guard_id";
static const char sql_day_guards[] =
    "SELECT DISTINCT guard_id, ?2, ?3 FROM dtr WHERE date BETWEEN ?2 AND ?3 AND ?1 IS NOT NULL";

/* One master data change (its event's payload) as marks. */
static int apply_change(tk_run *r, jv pl, armms_err *err)
{
    char kind[32], g[65], s[65];
    text_of(pl, "kind", kind, sizeof kind);
    jv rec = field(pl, "record"), before = field(pl, "before");
    int rc = 0;
    if (!strcmp(kind, "assignment")) {
        /* the guard's matching and schedule, and the relieved guard's
         * relieved_by, over both versions' dates */
        day_t a, b, a2, b2;
        if (dates_of(rec, &a, &b) == 0) {
            if (dates_of(before, &a2, &b2) == 0) {
                a = a2 < a ? a2 : a;
                b = b2 > b ? b2 : b;
            }
            text_of(rec, "guard_id", g, sizeof g);
            rc = mark_clipped(r, g, a, b, mark_tl_dtr, "assignment", err);
            text_of(rec, "relieves_guard_id", s, sizeof s);
            if (!rc && *s)
                rc = mark_clipped(r, s, a, b, mark_dtr, "assignment", err);
            text_of(before, "relieves_guard_id", g, sizeof g);
            if (!rc && *g && strcmp(g, s))
                rc = mark_clipped(r, g, a, b, mark_dtr, "assignment", err);
        }
    } else if (!strcmp(kind, "shift")) {
        static const char *const f[] = {"start", "end", "break_min", NULL};
        text_of(rec, "shift_id", s, sizeof s);
        if (jv_get_kind(before) == JV_KIND_OBJECT && differs(rec, before, f))
            rc = mark_each(r, sql_shift_guards, s, OPEN_START, 0, mark_tl_dtr, "shift", err);
    } else if (!strcmp(kind, "guard")) {
        /* rest days make day types; position and status the timesheet */
        static const char *const f[] = {"rest_days", "position_id", "status", NULL};
        text_of(rec, "guard_id", g, sizeof g);
        if (jv_get_kind(before) == JV_KIND_OBJECT && differs(rec, before, f))
            rc = mark_clipped(r, g, OPEN_START, OPEN_END, mark_dtr_ts, "guard", err);
    } else if (!strcmp(kind, "detachment")) {
        static const char *const f[] = {"region", NULL};
        text_of(rec, "detachment_id", s, sizeof s);
        if (jv_get_kind(before) == JV_KIND_OBJECT && differs(rec, before, f))
            rc = mark_each(r, sql_det_guards, s, OPEN_START, 0, mark_dtr, "detachment", err);
    } else if (!strcmp(kind, "leave")) {
        /* a leave day makes its DTR LEAVE (or ABSENT again when cancelled) */
        static const char *const f[] = {"code", "status", NULL};
        day_t d;
        text_of(rec, "guard_id", g, sizeof g);
        text_of(rec, "date", s, sizeof s);
        if (date_parse(s, &d) == 0 && differs(rec, before, f))
            rc = mark_clipped(r, g, d, d, mark_dtr, "leave", err);
    } else if (!strcmp(kind, "leave_code")) {
        static const char *const f[] = {"name", "paid", NULL};
        text_of(rec, "code", s, sizeof s);
        if (jv_get_kind(before) == JV_KIND_OBJECT && differs(rec, before, f))
            rc = mark_each(r, sql_code_guards, s, OPEN_START, 0, mark_dtr, "leave_code", err);
    } else if (!strcmp(kind, "holiday")) {
        /* the day and the night shifts that run into it; the timesheets of
         * its period for the unworked holidays */
        static const char *const f[] = {"date", "region", "kind", NULL};
        day_t d, pf, pt;
        char p[12];
        text_of(rec, "date", s, sizeof s);
        if (date_parse(s, &d) == 0 && differs(rec, before, f)) {
            rc = mark_each(r, sql_day_guards, s, d - 1, d, mark_dtr, "holiday", err);
            period_of_date(d, p);
            period_parse(p, &pf, &pt);
            if (!rc)
                rc = mark_each(r, sql_day_guards, s, pf, pt, mark_ts, "holiday", err);
        }
    }
    jv_free(rec);
    jv_free(before);
    return rc;
}

struct pull {
    long long from, last;
    jv list; /* the payloads of the changes that may alter derived rows */
};

/* The seq of a journal line, and whether it is a change of a master data
 * kind that derived rows are read from; 0 when the line is not one. */
static long long md_line(const char *line, size_t len, int *hit)
{
    static const char seq_key[] = "{\"seq\":", at_key[] = "\"aggregate_type\":\"";
    *hit = 0;
    if (len < sizeof seq_key || memcmp(line, seq_key, sizeof seq_key - 1))
        return 0;
    long long seq = strtoll(line + sizeof seq_key - 1, NULL, 10);
    const char *at = memmem(line, len, at_key, sizeof at_key - 1);
    if (!at)
        return seq;
    at += sizeof at_key - 1;
    static const char *const kinds[] = {"assignment", "shift", "guard",     "detachment",
                                        "holiday",    "leave", "leave_code"};
    for (size_t i = 0; i < sizeof kinds / sizeof *kinds && !*hit; i++) {
        size_t n = strlen(kinds[i]);
        *hit = (size_t)(line + len - at) > n && !memcmp(at, kinds[i], n) && at[n] == '"';
    }
    return seq;
}

static int pull_cb(const char *line, size_t len, void *ctx)
{
    struct pull *p = ctx;
    int hit;
    long long seq = md_line(line, len, &hit);
    if (seq <= p->from)
        return 0;
    p->last = seq;
    if (!hit)
        return 0;
    char *z = xmalloc(len + 1); /* jv_parse_sized wants a terminated line */
    memcpy(z, line, len);
    z[len] = '\0';
    jv v = jv_parse_sized(z, (int)len);
    free(z);
    if (jv_get_kind(v) == JV_KIND_OBJECT)
        p->list = jv_array_append(p->list, jv_object_get(v, jv_string("payload")));
    else
        jv_free(v);
    return 0;
}

int tk_stale_pull(tk_run *r, int idle_too, armms_err *err)
{
    sqlite3_stmt *st = NULL;
    if (prep(r, Q_CURSOR, &st, err))
        return err->code;
    struct pull p = {0, 0, jv_array()};
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        p.from = sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
        jv_free(p.list);
        return store_fail(&r->s, rc, "reading the stale marks", err);
    }
    p.last = p.from;
    /* read the journal before taking the write lock */
    rc = journal_each_after(r->t, p.from, pull_cb, &p, err);
    /* nothing of master data since: a read (--validate) leaves the store
     * as it is and reads those lines again next time */
    if (!rc && !idle_too && !jv_array_length(jv_copy(p.list)))
        p.last = p.from;
    int own_tx = !r->s.in_tx;
    if (!rc && p.last > p.from && own_tx)
        rc = store_begin(&r->s, err);
    for (int i = 0; !rc && p.last > p.from && i < jv_array_length(jv_copy(p.list)); i++) {
        jv pl = jv_array_get(jv_copy(p.list), i);
        rc = apply_change(r, pl, err);
        jv_free(pl);
    }
    jv_free(p.list);
    if (!rc && p.last > p.from) {
        if (prep(r, Q_SET_CURSOR, &st, err))
            rc = err->code;
        else {
            sqlite3_bind_int64(st, 1, p.last);
            int src = sqlite3_step(st);
            sqlite3_reset(st);
            if (src != SQLITE_DONE)
                rc = store_fail(&r->s, src, "moving the stale marks' cursor", err);
        }
        if (own_tx)
            rc = rc ? rc : store_commit(&r->s, err);
    }
    if (rc && own_tx && r->s.in_tx)
        store_rollback(&r->s);
    return rc;
}

/* ---- readers ---- */

struct unread {
    long long from;
    long n;
};

static int unread_cb(const char *line, size_t len, void *ctx)
{
    struct unread *u = ctx;
    int hit;
    if (md_line(line, len, &hit) > u->from && hit)
        u->n++;
    return 0;
}

int tk_stale_unread(tenant_t *t, sqlite3 *db, long *n, armms_err *err)
{
    sqlite3_stmt *st;
    struct unread u = {0, 0};
    *n = 0;
    if (sqlite3_prepare_v2(db, sql[Q_CURSOR], -1, &st, NULL) != SQLITE_OK)
        return err_set(err, EXIT_SOFTWARE, "reading the stale marks: %s", sqlite3_errmsg(db));
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        u.from = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return err_set(err, rc == SQLITE_BUSY ? EXIT_TEMPFAIL : EXIT_SOFTWARE,
                       "reading the stale marks: %s", sqlite3_errmsg(db));
    if (rc == SQLITE_DONE) /* no stage has run: nothing derived to be stale */
        return 0;
    if (journal_each(t, unread_cb, &u, err))
        return err->code;
    *n = u.n;
    return 0;
}

static const char sql_each[] =
    "SELECT stage, guard_id, date_from, date_to, reason, marked_at FROM stale"
    " WHERE (?1 IS NULL OR date_to >= ?1) AND (?2 IS NULL OR date_from <= ?2)"
    " AND (?3 IS NULL OR guard_id = ?3)"
    " ORDER BY guard_id, CASE stage WHEN 'timelog' THEN 0 WHEN 'dtr' THEN 1 ELSE 2 END,"
    " date_from";

static int reader(sqlite3 *db, const char *q, const char *period, const char *guard,
                  sqlite3_stmt **st, armms_err *err)
{
    day_t pf, pt;
    if (period && period_parse(period, &pf, &pt))
        return err_set(err, EXIT_USAGE, "'%s' is not a pay period (YYYY-MM-A|B)", period);
    if (sqlite3_prepare_v2(db, q, -1, st, NULL) != SQLITE_OK)
        return err_set(err, EXIT_SOFTWARE, "reading the stale marks: %s", sqlite3_errmsg(db));
    if (period) {
        bind_day(*st, 1, pf);
        bind_day(*st, 2, pt);
    }
    if (guard)
        sqlite3_bind_text(*st, 3, guard, -1, SQLITE_TRANSIENT);
    return 0;
}

int tk_stale_each(sqlite3 *db, const char *period, const char *guard, tk_stale_fn fn, void *ctx,
                  armms_err *err)
{
    sqlite3_stmt *st = NULL;
    if (reader(db, sql_each, period, guard, &st, err))
        return err->code;
    int rc = 0, src;
    while (!rc && (src = sqlite3_step(st)) == SQLITE_ROW) {
        tk_stale m = {tk_col(st, 0), tk_col(st, 1), tk_col(st, 2),
                      tk_col(st, 3), tk_col(st, 4), tk_col(st, 5)};
        rc = fn(&m, ctx);
    }
    if (!rc && src != SQLITE_DONE)
        rc = err_set(err, src == SQLITE_BUSY ? EXIT_TEMPFAIL : EXIT_SOFTWARE,
                     "reading the stale marks: %s", sqlite3_errmsg(db));
    sqlite3_finalize(st);
    return rc;
}

static int count_one(const tk_stale *m, void *ctx)
{
    (void)m;
    ++*(long *)ctx;
    return 0;
}

int tk_stale_count(sqlite3 *db, const char *period, const char *guard, long *n, armms_err *err)
{
    *n = 0;
    return tk_stale_each(db, period, guard, count_one, n, err);
}
