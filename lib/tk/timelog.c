/*
 * timelog.c - see timelog.h. One guard's time logs over a date range are
 * rebuilt from every punch that could belong to a shift instance of those
 * dates (a window two days wider on each side), so each pairing group is
 * complete; only time logs whose work date lies in the range are written.
 */
#include "tk/timelog.h"

#include <stdlib.h>
#include <string.h>

#include "core/ndjson.h"
#include "tk/ingest.h"
#include "tk/stale.h"
#include "tk/timelog_int.h"

enum { ST_VALID, ST_INVALID, ST_DUPLICATE };
static const char *const status_names[] = {"VALID", "INVALID", "DUPLICATE"};

/* Codes that need a timekeeper before the timesheet can be finalized. */
static const char *const review_codes[] = {"NO_ASSIGNMENT", "OFF_SHIFT", "WRONG_DETACHMENT",
                                           "OUT_WITHOUT_IN"};

/* A guard's clock events: those filed by guard, and any past the mark
 * (tk/ingest.h: none once the run has filed them, unless an ingest
 * commits meanwhile or the run is a captured change). */
const char tl_sql_events[] =
    "SELECT c.clock_event_id, c.dedupe_key, g.ts, c.type, coalesce(c.detachment_id, '')"
    " FROM clock_event_guard g CROSS JOIN clock_event c ON c.rowid = g.ce"
    " WHERE g.guard_id = ?1 AND g.ts >= ?2 AND g.ts < ?3"
    " UNION ALL SELECT c.clock_event_id, c.dedupe_key, c.ts, c.type,"
    " coalesce(c.detachment_id, '') FROM clock_event c WHERE " TK_SQL_UNFILED
    " AND c.guard_id = ?1 AND c.ts >= ?2 AND c.ts < ?3";
static const char sql_adds[] =
    "SELECT adjustment_id, ts, type, coalesce(detachment_id, ''), coalesce(shift_id, ''),"
    " coalesce(shift_date, '') FROM time_log_adjustment"
    " WHERE guard_id = ?1 AND action = 'add' AND ts >= ?2 AND ts < ?3";
static const char sql_over[] =
    "SELECT adjustment_id, action, target_id, coalesce(detachment_id, ''),"
    " coalesce(shift_id, ''), coalesce(shift_date, '') FROM time_log_adjustment"
    " WHERE guard_id = ?1 AND action <> 'add' AND ts >= ?2 AND ts < ?3"
    " ORDER BY created_at, adjustment_id";
#define ROW_COLS                                                                                  \
    "time_log_id, source, ts, type, coalesce(detachment_id, ''), coalesce(shift_id, ''),"         \
    " coalesce(shift_date, ''), work_date, status, anomalies, coalesce(device_detachment_id, "    \
    "''),"                                                                                        \
    " coalesce(relieves_guard_id, ''), coalesce(adjustment_id, ''), open"
static const char sql_rows[] =
    "SELECT " ROW_COLS " FROM time_log WHERE guard_id = ?1 AND ts >= ?2 AND ts < ?3";
static const char sql_log[] = "SELECT " ROW_COLS ", guard_id FROM time_log WHERE time_log_id = ?1";
static const char sql_up[] =
    "INSERT INTO time_log(time_log_id, source, guard_id, ts, type, detachment_id, shift_id,"
    " shift_date, work_date, status, anomalies, open, device_detachment_id, relieves_guard_id,"
    " adjustment_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)"
    " ON CONFLICT (guard_id, ts, time_log_id) DO UPDATE SET detachment_id = ?6, shift_id = ?7,"
    " shift_date = ?8, work_date = ?9, status = ?10, anomalies = ?11, open = ?12,"
    " device_detachment_id = ?13, relieves_guard_id = ?14, adjustment_id = ?15";
static const char sql_known[] = "SELECT guard_id, ts FROM clock_event WHERE clock_event_id = ?1";
static const char sql_ins_adj[] =
    "INSERT INTO time_log_adjustment(adjustment_id, action, target_id, guard_id, ts, type,"
    " detachment_id, shift_id, shift_date, reason, actor, created_at)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)";

static int tl_open(tk_run *r, armms_err *err)
{
    tl_eng *e = xcalloc(1, sizeof *e);
    r->eng = e;
    if (store_prepare(&r->s, &e->q_events, tl_sql_events, err) ||
        store_prepare(&r->s, &e->q_adds, sql_adds, err) ||
        store_prepare(&r->s, &e->q_over, sql_over, err) ||
        store_prepare(&r->s, &e->q_rows, sql_rows, err) ||
        store_prepare(&r->s, &e->q_log, sql_log, err) ||
        store_prepare(&r->s, &e->up, sql_up, err) ||
        store_prepare(&r->s, &e->q_known, sql_known, err) ||
        store_prepare(&r->s, &e->ins_adj, sql_ins_adj, err))
        return err->code;
    return 0;
}

/* File the clock events ingest left unfiled (tk/ingest.h), in a
 * transaction of their own, committed before the run reads: its
 * read-ahead thread (timelog_ahead.c) reads through a connection of its
 * own. A captured change reads the rows past the mark as they are. */
static int tl_prepare(tk_run *r, armms_err *err)
{
    if (r->s.in_tx || r->s.capture)
        return 0;
    int u = tk_guards_unfiled(r->s.db);
    if (u <= 0)
        return u < 0 ? store_fail(&r->s, sqlite3_errcode(r->s.db), "reading the filing mark", err)
                     : 0;
    if (store_begin(&r->s, err))
        return err->code;
    if (tk_file_guards(r->s.db, NULL) != SQLITE_OK) {
        int rc = store_fail(&r->s, sqlite3_errcode(r->s.db), "filing clock events by guard", err);
        store_rollback(&r->s);
        return rc;
    }
    return store_commit(&r->s, err) ? err->code : 0;
}

static void tl_close(tk_run *r)
{
    tl_eng *e = r->eng;
    sqlite3_stmt *all[] = {e->q_events, e->q_adds, e->q_over,  e->q_rows,
                           e->q_log,    e->up,     e->q_known, e->ins_adj};
    for (size_t i = 0; i < sizeof all / sizeof *all; i++)
        sqlite3_finalize(all[i]);
    tl_ahead_stop(e->ahead);
    free(e->p);
    free(e->rows);
    free(e);
    r->eng = NULL;
}

/* The instants bounding every punch of instances dated [d0, d1]. */
static void window(const tk_run *r, day_t d0, day_t d1, char *lo, char *hi)
{
    iso_format_utc(tz_instant_of(&r->t->tz, d0 - 2, 0), lo);
    iso_format_utc(tz_instant_of(&r->t->tz, d1 + 3, 0), hi);
}

static int tl_touch_peek(tk_run *r, const tk_rec *rec, rejection *rj, armms_err *err)
{
    tl_eng *e = r->eng;
    const char *id = tk_str_peek(rec, "clock_event_id");
    if (!id)
        return rejection_set(rj, "NOT_RECORDED",
                             "ClockEvent has no clock_event_id: pipe events through armms-ingest "
                             "first");
    sqlite3_bind_text(e->q_known, 1, id, -1, SQLITE_TRANSIENT);
    int rc = sqlite3_step(e->q_known);
    if (rc != SQLITE_ROW) {
        sqlite3_reset(e->q_known);
        if (rc != SQLITE_DONE)
            return store_fail(&r->s, rc, "looking up a clock event", err);
        return rejection_set(rj, "NOT_RECORDED", "clock event %s is not recorded in tenant %s", id,
                             r->t->id);
    }
    char guard[65];
    instant_t t;
    str_copy(guard, sizeof guard, tk_col(e->q_known, 0));
    iso_parse(tk_col(e->q_known, 1), &t, NULL);
    sqlite3_reset(e->q_known);
    day_t l = tz_date_of(&r->t->tz, t);
    tk_touch_add(r, guard, l - 1, l + 1);
    tk_name(r, id);
    return 0;
}

static const char sql_scope_ev[] =
    "SELECT DISTINCT guard_id FROM clock_event_guard WHERE ts >= ?1 AND ts < ?2 AND guard_id > ?5"
    " UNION SELECT DISTINCT c.guard_id FROM clock_event c WHERE " TK_SQL_UNFILED
    " AND c.ts >= ?1 AND c.ts < ?2 AND c.guard_id > ?5"
    " UNION SELECT DISTINCT guard_id FROM time_log_adjustment WHERE ts >= ?1 AND ts < ?2"
    " AND guard_id > ?5"
    " UNION SELECT DISTINCT guard_id FROM time_log WHERE work_date BETWEEN ?3 AND ?4"
    " AND guard_id > ?5 ORDER BY 1 LIMIT ?6";

static int tl_scope(tk_run *r, const char *guard, day_t from, day_t to, const char *after,
                    int limit, long *n, char *last, armms_err *err)
{
    if (guard)
        return tk_scope_one(r, guard, from, to, n, last);
    char lo[32], hi[32], f[11], t[11];
    iso_format_utc(tz_instant_of(&r->t->tz, from - 1, 0), lo);
    iso_format_utc(tz_instant_of(&r->t->tz, to + 2, 0), hi);
    date_format(from, f);
    date_format(to, t);
    sqlite3_stmt *st = NULL;
    if (store_prepare(&r->s, &st, sql_scope_ev, err))
        return err->code;
    sqlite3_bind_text(st, 1, lo, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, hi, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, f, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, t, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, after, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 6, limit > 0 ? limit : -1);
    return tk_scope_rows(r, st, from, to, n, last, err);
}

punch *tl_new_punch(tl_eng *e)
{
    if (e->np == e->cap) {
        e->cap = e->cap ? 2 * e->cap : 64;
        e->p = xrealloc(e->p, sizeof *e->p * (size_t)e->cap);
    }
    punch *p = &e->p[e->np++];
    memset(p, 0, sizeof *p);
    p->shift = -1;
    return p;
}

static void add_code(char *buf, size_t n, const char *code)
{
    size_t len = strlen(buf);
    snprintf(buf + len, n - len, "%s%s", len ? "," : "", code);
}

/* Place one punch on a shift instance (see timelog.h), from itself alone. */
static void classify(tk_run *r, const ro_guard *g, punch *p)
{
    const tz_t *tz = &r->t->tz;
    const tk_policy *pol = roster_policy(r->ro);
    day_t local = tz_date_of(tz, p->ts);
    p->work_date = local;
    p->status = ST_VALID;
    if (p->forced) {
        p->shift = p->f_shift;
        p->date = p->work_date = p->f_date;
        str_copy(p->det, sizeof p->det, p->f_det);
        for (int i = 0; i < g->na; i++)
            if (g->a[i].reliever && g->a[i].shift == p->shift &&
                ro_assignment_on(&g->a[i], p->date) && strcmp(g->a[i].detachment_id, p->det) == 0)
                str_copy(p->relieves, sizeof p->relieves, g->a[i].relieves);
    } else {
        const ro_assignment *best = NULL;
        day_t best_date = 0;
        instant_t best_dist = 0;
        int best_here = 0, near = 0;
        for (int i = 0; i < g->na; i++) {
            const ro_assignment *a = &g->a[i];
            if (ro_assignment_on(a, local - 1) || ro_assignment_on(a, local) ||
                ro_assignment_on(a, local + 1))
                near = 1;
            const ro_shift *s = roster_shift(r->ro, a->shift);
            int found;
            day_t d = shift_match(tz, &s->def, &pol->win, p->ts, p->is_in, &found);
            if (!found || !ro_assignment_on(a, d))
                continue;
            instant_t st, en;
            shift_instance(tz, &s->def, d, &st, &en);
            instant_t anchor = p->is_in ? st : en;
            instant_t dist = p->ts > anchor ? p->ts - anchor : anchor - p->ts;
            int here = !p->dev_det[0] || strcmp(p->dev_det, a->detachment_id) == 0;
            if (!best || here > best_here ||
                (here == best_here &&
                 (dist < best_dist || (dist == best_dist && strcmp(a->id, best->id) < 0)))) {
                best = a;
                best_date = d;
                best_dist = dist;
                best_here = here;
            }
        }
        if (!best) {
            p->status = ST_INVALID;
            add_code(p->anomalies, sizeof p->anomalies, near ? "OFF_SHIFT" : "NO_ASSIGNMENT");
            str_copy(p->det, sizeof p->det, p->dev_det);
        } else {
            p->shift = best->shift;
            p->date = p->work_date = best_date;
            str_copy(p->det, sizeof p->det, best->detachment_id);
            str_copy(p->relieves, sizeof p->relieves, best->relieves);
            if (!best_here) {
                p->status = ST_INVALID;
                add_code(p->anomalies, sizeof p->anomalies, "WRONG_DETACHMENT");
            }
        }
    }
    if (p->voided) {
        p->status = ST_INVALID;
        snprintf(p->anomalies, sizeof p->anomalies, "VOIDED");
    }
}

/* Order for pairing: instance, then type, then time, then key. */
static int pair_cmp(const void *a, const void *b)
{
    const punch *x = *(punch *const *)a, *y = *(punch *const *)b;
    if (x->date != y->date)
        return x->date < y->date ? -1 : 1;
    if (x->shift != y->shift)
        return x->shift < y->shift ? -1 : 1;
    int c = strcmp(x->det, y->det);
    if (c)
        return c;
    if (x->is_in != y->is_in)
        return x->is_in ? -1 : 1;
    if (x->ts != y->ts)
        return x->ts < y->ts ? -1 : 1;
    return strcmp(x->key, y->key);
}

static int same_instance(const punch *x, const punch *y)
{
    return x->date == y->date && x->shift == y->shift && strcmp(x->det, y->det) == 0;
}

/* The pairing policy over one guard's VALID punches (see timelog.h). */
static void pair(tl_eng *e)
{
    punch **v = xmalloc(sizeof *v * (size_t)(e->np ? e->np : 1));
    int n = 0;
    for (int i = 0; i < e->np; i++)
        if (e->p[i].status == ST_VALID && e->p[i].shift >= 0)
            v[n++] = &e->p[i];
    qsort(v, (size_t)n, sizeof *v, pair_cmp);
    for (int i = 0; i < n;) {
        int j = i;
        while (j < n && same_instance(v[i], v[j]))
            j++;
        int nin = 0, nout = 0;
        for (int k = i; k < j; k++)
            *(v[k]->is_in ? &nin : &nout) += 1;
        /* INs come first, in time order: the first IN counts */
        for (int k = i + 1; k < i + nin; k++) {
            v[k]->status = ST_DUPLICATE;
            add_code(v[k]->anomalies, sizeof v[k]->anomalies, "DUPLICATE_PUNCH");
        }
        /* then OUTs in time order: the last OUT counts */
        for (int k = i + nin; k < j - 1; k++) {
            v[k]->status = ST_DUPLICATE;
            add_code(v[k]->anomalies, sizeof v[k]->anomalies, "DUPLICATE_PUNCH");
        }
        if (nout && !nin)
            add_code(v[j - 1]->anomalies, sizeof v[j - 1]->anomalies, "OUT_WITHOUT_IN");
        i = j;
    }
    free(v);
}

static int needs_review(const punch *p)
{
    if (p->adj[0] || p->voided)
        return 0;
    for (size_t i = 0; i < sizeof review_codes / sizeof *review_codes; i++) {
        const char *s = strstr(p->anomalies, review_codes[i]);
        if (s)
            return 1;
    }
    return 0;
}

static void to_row(tk_run *r, const punch *p, tl_row *w)
{
    memset(w, 0, sizeof *w);
    str_copy(w->id, sizeof w->id, p->id);
    str_copy(w->source, sizeof w->source, p->source_adj ? "adjustment" : "device");
    iso_format_utc(p->ts, w->ts);
    str_copy(w->type, sizeof w->type, p->is_in ? "IN" : "OUT");
    str_copy(w->det, sizeof w->det, p->det);
    if (p->shift >= 0) {
        str_copy(w->shift, sizeof w->shift, roster_shift(r->ro, p->shift)->id);
        date_format(p->date, w->shift_date);
    }
    date_format(p->work_date, w->work_date);
    str_copy(w->status, sizeof w->status, status_names[p->status]);
    str_copy(w->anomalies, sizeof w->anomalies, p->anomalies);
    if (p->dev_det[0] && strcmp(p->dev_det, p->det) != 0)
        str_copy(w->dev_det, sizeof w->dev_det, p->dev_det);
    str_copy(w->relieves, sizeof w->relieves, p->relieves);
    str_copy(w->adj, sizeof w->adj, p->adj);
    w->open = needs_review(p);
}

void tl_read_row(sqlite3_stmt *st, tl_row *w)
{
    memset(w, 0, sizeof *w);
    char *f[] = {w->id,      w->source,     w->ts,        w->type,   w->det,
                 w->shift,   w->shift_date, w->work_date, w->status, w->anomalies,
                 w->dev_det, w->relieves,   w->adj};
    size_t sz[] = {sizeof w->id,         sizeof w->source,    sizeof w->ts,
                   sizeof w->type,       sizeof w->det,       sizeof w->shift,
                   sizeof w->shift_date, sizeof w->work_date, sizeof w->status,
                   sizeof w->anomalies,  sizeof w->dev_det,   sizeof w->relieves,
                   sizeof w->adj};
    for (int i = 0; i < 13; i++)
        str_copy(f[i], sz[i], tk_col(st, i));
    w->open = sqlite3_column_int(st, 13);
}

static int row_same(const tl_row *a, const tl_row *b)
{
    return !strcmp(a->det, b->det) && !strcmp(a->shift, b->shift) &&
           !strcmp(a->shift_date, b->shift_date) && !strcmp(a->work_date, b->work_date) &&
           !strcmp(a->status, b->status) && !strcmp(a->anomalies, b->anomalies) &&
           !strcmp(a->dev_det, b->dev_det) && !strcmp(a->relieves, b->relieves) &&
           !strcmp(a->adj, b->adj) && a->open == b->open;
}

/* ,"key": and v, or null for an empty v (key_colon as written). */
static void kv_or_null(strbuf *b, const char *key_colon, const char *v)
{
    sb_add_json_lkv(b, key_colon, *v ? v : NULL);
}

/* The TimeLog record of a row; `was` (or NULL) is its previous placement. */
void tl_row_json(tk_run *r, strbuf *b, const char *guard, const tl_row *w, const tl_row *was)
{
    char local[32];
    instant_t t;
    int off;
    iso_parse(w->ts, &t, NULL);
    off = tz_offset_at(&r->t->tz, t);
    iso_format_offset(t, off, local);
    sb_adds(b, "{\"kind\":\"TimeLog\",\"v\":1");
    sb_add_json_lkv(b, ",\"time_log_id\":", w->id);
    sb_add_json_lkv(b, ",\"source\":", w->source);
    sb_add_json_lkv(b, ",\"guard_id\":", guard);
    sb_add_json_lkv(b, ",\"ts\":", w->ts);
    sb_add_json_lkv(b, ",\"ts_local\":", local);
    sb_add_json_lkv(b, ",\"type\":", w->type);
    kv_or_null(b, ",\"detachment_id\":", w->det);
    kv_or_null(b, ",\"shift_id\":", w->shift);
    kv_or_null(b, ",\"shift_date\":", w->shift_date);
    sb_add_json_lkv(b, ",\"work_date\":", w->work_date);
    sb_add_json_lkv(b, ",\"status\":", w->status);
    sb_adds(b, ",\"anomalies\":");
    tk_add_codes(b, w->anomalies);
    sb_adds(b, w->open ? ",\"needs_review\":true" : ",\"needs_review\":false");
    if (w->dev_det[0])
        sb_add_json_lkv(b, ",\"device_detachment_id\":", w->dev_det);
    if (w->relieves[0])
        sb_add_json_lkv(b, ",\"relieves_guard_id\":", w->relieves);
    if (w->adj[0])
        sb_add_json_lkv(b, ",\"adjustment_id\":", w->adj);
    if (was && (strcmp(was->shift, w->shift) || strcmp(was->shift_date, w->shift_date) ||
                strcmp(was->det, w->det) || strcmp(was->work_date, w->work_date))) {
        sb_adds(b, ",\"was\":{\"work_date\":");
        sb_add_json_str(b, was->work_date, strlen(was->work_date));
        kv_or_null(b, ",\"shift_id\":", was->shift);
        kv_or_null(b, ",\"shift_date\":", was->shift_date);
        kv_or_null(b, ",\"detachment_id\":", was->det);
        sb_addc(b, '}');
    }
    sb_adds(b, "}\n");
}

static int time_cmp(const void *a, const void *b)
{
    const punch *x = a, *y = b;
    if (x->ts != y->ts)
        return x->ts < y->ts ? -1 : 1;
    return strcmp(x->key, y->key);
}

static int row_cmp(const void *a, const void *b)
{
    return strcmp(((const tl_row *)a)->id, ((const tl_row *)b)->id);
}

/* A guard's clock events in [lo, hi), read ahead when a thread has. */
static int load_events(tk_run *r, const ro_guard *g, day_t d0, day_t d1, const char *lo,
                       const char *hi, armms_err *err)
{
    tl_eng *e = r->eng;
    if (tl_ahead_take(r, g, d0, d1))
        return 0;
    int rc;
    sqlite3_stmt *q = e->q_events;
    sqlite3_bind_text(q, 1, g->id, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 2, lo, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 3, hi, -1, SQLITE_STATIC);
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        punch *p = tl_new_punch(e);
        str_copy(p->id, sizeof p->id, tk_col(q, 0));
        str_copy(p->key, sizeof p->key, tk_col(q, 1));
        iso_parse(tk_col(q, 2), &p->ts, NULL);
        p->is_in = tk_col(q, 3)[0] == 'I';
        str_copy(p->dev_det, sizeof p->dev_det, tk_col(q, 4));
    }
    sqlite3_reset(q);
    return rc == SQLITE_DONE ? 0 : store_fail(&r->s, rc, "reading clock events", err);
}

static int load_punches(tk_run *r, const ro_guard *g, day_t d0, day_t d1, const char *lo,
                        const char *hi, armms_err *err)
{
    tl_eng *e = r->eng;
    int rc;
    e->np = 0;
    if (load_events(r, g, d0, d1, lo, hi, err))
        return err->code;
    sqlite3_stmt *q = e->q_adds;
    sqlite3_bind_text(q, 1, g->id, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 2, lo, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 3, hi, -1, SQLITE_STATIC);
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        punch *p = tl_new_punch(e);
        p->source_adj = 1;
        str_copy(p->id, sizeof p->id, tk_col(q, 0));
        str_copy(p->key, sizeof p->key, tk_col(q, 0));
        str_copy(p->adj, sizeof p->adj, tk_col(q, 0));
        iso_parse(tk_col(q, 1), &p->ts, NULL);
        p->is_in = tk_col(q, 2)[0] == 'I';
        str_copy(p->dev_det, sizeof p->dev_det, tk_col(q, 3));
        if (*tk_col(q, 4) && date_parse(tk_col(q, 5), &p->f_date) == 0) {
            p->f_shift = roster_shift_index(r->ro, tk_col(q, 4));
            p->forced = p->f_shift >= 0;
            str_copy(p->f_det, sizeof p->f_det, tk_col(q, 3));
        }
    }
    sqlite3_reset(q);
    if (rc != SQLITE_DONE)
        return store_fail(&r->s, rc, "reading time log adjustments", err);
    q = e->q_over;
    sqlite3_bind_text(q, 1, g->id, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 2, lo, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 3, hi, -1, SQLITE_STATIC);
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        const char *target = tk_col(q, 2);
        for (int i = 0; i < e->np; i++) {
            punch *p = &e->p[i];
            if (strcmp(p->id, target) != 0)
                continue;
            str_copy(p->adj, sizeof p->adj, tk_col(q, 0));
            p->voided = strcmp(tk_col(q, 1), "void") == 0;
            if (!p->voided && date_parse(tk_col(q, 5), &p->f_date) == 0) {
                p->f_shift = roster_shift_index(r->ro, tk_col(q, 4));
                p->forced = p->f_shift >= 0;
                str_copy(p->f_det, sizeof p->f_det, tk_col(q, 3));
            } else {
                p->forced = 0;
            }
        }
    }
    sqlite3_reset(q);
    if (rc != SQLITE_DONE)
        return store_fail(&r->s, rc, "reading time log adjustments", err);
    return 0;
}

/* The DTR dates a changed row is read on: the next stage's marks. */
static void note_dates(tk_run *r, const tl_row *w)
{
    day_t d;
    if (date_parse(w->work_date, &d) == 0)
        tk_stale_note(r, d);
    if (*w->shift_date && date_parse(w->shift_date, &d) == 0)
        tk_stale_note(r, d);
}

static int tl_recompute(tk_run *r, const ro_guard *g, day_t d0, day_t d1, armms_err *err)
{
    tl_eng *e = r->eng;
    char lo[32], hi[32];
    window(r, d0, d1, lo, hi);
    if (load_punches(r, g, d0, d1, lo, hi, err))
        return err->code;
    for (int i = 0; i < e->np; i++)
        classify(r, g, &e->p[i]);
    pair(e);

    /* the stored rows of the same window, by id */
    int rc;
    e->nrows = 0;
    sqlite3_bind_text(e->q_rows, 1, g->id, -1, SQLITE_STATIC);
    sqlite3_bind_text(e->q_rows, 2, lo, -1, SQLITE_STATIC);
    sqlite3_bind_text(e->q_rows, 3, hi, -1, SQLITE_STATIC);
    while ((rc = sqlite3_step(e->q_rows)) == SQLITE_ROW) {
        if (e->nrows == e->caprows) {
            e->caprows = e->caprows ? 2 * e->caprows : 64;
            e->rows = xrealloc(e->rows, sizeof *e->rows * (size_t)e->caprows);
        }
        tl_read_row(e->q_rows, &e->rows[e->nrows++]);
    }
    sqlite3_reset(e->q_rows);
    if (rc != SQLITE_DONE)
        return store_fail(&r->s, rc, "reading time logs", err);
    if (e->nrows) /* qsort and bsearch want a non-null array, even an empty one */
        qsort(e->rows, (size_t)e->nrows, sizeof *e->rows, row_cmp);

    if (e->np)
        qsort(e->p, (size_t)e->np, sizeof *e->p, time_cmp);
    for (int i = 0; i < e->np; i++) {
        const punch *p = &e->p[i];
        if (p->work_date < d0 || p->work_date > d1)
            continue;
        tl_row w;
        to_row(r, p, &w);
        const tl_row *old =
            e->nrows ? bsearch(&w, e->rows, (size_t)e->nrows, sizeof *e->rows, row_cmp) : NULL;
        int changed = !old || !row_same(old, &w);
        r->n.recomputed++;
        if (changed) {
            r->n.changed++;
            note_dates(r, &w);
            if (old)
                note_dates(r, old);
            sqlite3_stmt *u = e->up;
            const char *v[] = {w.id,    w.source,     g->id,       w.ts,     w.type,     w.det,
                               w.shift, w.shift_date, w.work_date, w.status, w.anomalies};
            for (int k = 0; k < 11; k++)
                tk_bind_view(u, k + 1, v[k]);
            sqlite3_bind_text(u, 11, w.anomalies, -1, SQLITE_STATIC); /* never NULL */
            sqlite3_bind_int(u, 12, w.open);
            tk_bind_view(u, 13, w.dev_det);
            tk_bind_view(u, 14, w.relieves);
            tk_bind_view(u, 15, w.adj);
            rc = sqlite3_step(u);
            sqlite3_reset(u);
            if (rc != SQLITE_DONE)
                return store_fail(&r->s, rc, "writing a time log", err);
            if (r->journal_derived) {
                strbuf pl;
                sb_init(&pl);
                tl_row_json(r, &pl, g->id, &w, old);
                pl.len--; /* no newline in a payload */
                rc = store_emit(&r->s, old ? "TimeLogUpdated" : "TimeLogCreated", "time_log", w.id,
                                pl.s, pl.len, err);
                sb_free(&pl);
                if (rc)
                    return rc;
            }
        }
        if (changed || tk_wanted(r, w.id))
            tl_row_json(r, &r->outbuf, g->id, &w, old);
    }
    return 0;
}

static const char *const tl_fields[] = {"kind",           "v", "guard_id", "detachment_id",
                                        "clock_event_id", NULL};

const tk_stage timelog_stage = {"timelog", "ClockEvent", tl_open,   tl_close,     tl_touch_peek,
                                tl_scope,  tl_recompute, tl_fields, tl_ahead_end, tl_prepare};
