/*
 * dtr.c - see dtr.h. A guard's DTRs for a date range are rebuilt from
 * the time logs of a window two days wider on each side (every punch of an
 * instance of those dates lies in it) and the guard's assignments.
 */
#include "tk/dtr.h"

#include <stdlib.h>
#include <string.h>

#include "tk/stale.h"

typedef struct inst {
    day_t date;
    int shift;
    char det[65];
    instant_t in, out;
    int has_in, has_out, scheduled;
    char relieves[65], relieved_by[65];
    /* recorded leave (hr.leave) of an unpunched scheduled instance */
    char leave[20], leave_name[64];
    int leave_paid;
} inst;

typedef struct dtr_eng {
    sqlite3_stmt *q_logs, *q_rows, *up, *del, *q_leave;
    inst *x;
    int nx, capx;
    strbuf sig, old;
} dtr_eng;

static const char sql_logs[] =
    "SELECT ts, type, detachment_id, shift_id, shift_date, coalesce(relieves_guard_id, '')"
    " FROM time_log WHERE guard_id = ?1 AND ts >= ?2 AND ts < ?3 AND status = 'VALID'"
    " AND shift_id IS NOT NULL";
static const char sql_rows[] =
    "SELECT date, shift_id, detachment_id, coalesce(time_in, ''), coalesce(time_out, ''),"
    " day_type, status, anomalies, worked, regular, ot, nd, nd_ot, late, undertime, buckets,"
    " coalesce(relieves_guard_id, ''), coalesce(relieved_by, ''), coalesce(leave_code, ''),"
    " coalesce(leave_name, ''), coalesce(leave_paid, 0) FROM dtr"
    " WHERE guard_id = ?1 AND date BETWEEN ?2 AND ?3";
static const char sql_up[] =
    "INSERT OR REPLACE INTO dtr(guard_id, date, shift_id, detachment_id, time_in, time_out,"
    " day_type, status, anomalies, worked, regular, ot, nd, nd_ot, late, undertime, buckets,"
    " relieves_guard_id, relieved_by, leave_code, leave_name, leave_paid) VALUES (?1, ?2, ?3,"
    " ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22)";
/* The guard's recorded leave days of a date range, with what the code says. */
static const char sql_leave[] =
    "SELECT l.date, l.code, c.name, c.paid FROM hr.leave l JOIN hr.leave_code c USING (code)"
    " WHERE l.guard_id = ?1 AND l.date BETWEEN ?2 AND ?3 AND l.status = 'RECORDED'";
static const char sql_del[] =
    "DELETE FROM dtr WHERE guard_id = ?1 AND date = ?2 AND shift_id = ?3 AND detachment_id = ?4";

static int dtr_open(tk_run *r, armms_err *err)
{
    dtr_eng *e = xcalloc(1, sizeof *e);
    r->eng = e;
    sb_init(&e->sig);
    sb_init(&e->old);
    if (store_prepare(&r->s, &e->q_logs, sql_logs, err) ||
        store_prepare(&r->s, &e->q_rows, sql_rows, err) ||
        store_prepare(&r->s, &e->up, sql_up, err) || store_prepare(&r->s, &e->del, sql_del, err) ||
        store_prepare(&r->s, &e->q_leave, sql_leave, err))
        return err->code;
    return 0;
}

static void dtr_close(tk_run *r)
{
    dtr_eng *e = r->eng;
    sqlite3_finalize(e->q_logs);
    sqlite3_finalize(e->q_rows);
    sqlite3_finalize(e->up);
    sqlite3_finalize(e->del);
    sqlite3_finalize(e->q_leave);
    sb_free(&e->sig);
    sb_free(&e->old);
    free(e->x);
    free(e);
    r->eng = NULL;
}

static int dtr_touch_peek(tk_run *r, const tk_rec *rec, rejection *rj, armms_err *err)
{
    const char *guard = tk_str_peek(rec, "guard_id");
    day_t d, lo, hi;
    if (!guard || tk_date_peek(rec, "work_date", &d))
        return rejection_set(rj, "MISSING_FIELD",
                             "TimeLog needs guard_id and work_date (YYYY-MM-DD)");
    lo = hi = d;
    if (tk_date_peek(rec, "shift_date", &d) == 0) {
        lo = d < lo ? d : lo;
        hi = d > hi ? d : hi;
    }
    tk_rec was;
    if (tk_obj_peek(rec, "was", &was) == 0) {
        const char *keys[] = {"work_date", "shift_date"};
        for (int i = 0; i < 2; i++)
            if (tk_date_peek(&was, keys[i], &d) == 0) {
                lo = d < lo ? d : lo;
                hi = d > hi ? d : hi;
            }
    }
    if (!roster_known(r->ro, guard, err))
        return err->code ? err->code
                         : rejection_set(rj, "UNKNOWN_GUARD", "guard %s does not exist", guard);
    tk_touch_add(r, guard, lo, hi);
    return 0;
}

static const char sql_scope[] =
    "SELECT guard_id FROM hr.assignment WHERE valid_from <= ?2"
    " AND (valid_to IS NULL OR valid_to >= ?1) AND guard_id > ?3"
    " UNION SELECT guard_id FROM time_log WHERE work_date BETWEEN ?1 AND ?2 AND guard_id > ?3"
    " UNION SELECT guard_id FROM dtr WHERE date BETWEEN ?1 AND ?2 AND guard_id > ?3"
    " ORDER BY 1 LIMIT ?4";

static int dtr_scope(tk_run *r, const char *guard, day_t from, day_t to, const char *after,
                     int limit, long *n, char *last, armms_err *err)
{
    if (guard)
        return tk_scope_one(r, guard, from, to, n, last);
    char f[11], t[11];
    date_format(from, f);
    date_format(to, t);
    sqlite3_stmt *st = NULL;
    if (store_prepare(&r->s, &st, sql_scope, err))
        return err->code;
    sqlite3_bind_text(st, 1, f, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, t, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, after, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 4, limit > 0 ? limit : -1);
    return tk_scope_rows(r, st, from, to, n, last, err);
}

static inst *find_inst(dtr_eng *e, day_t d, int shift, const char *det)
{
    for (int i = 0; i < e->nx; i++)
        if (e->x[i].date == d && e->x[i].shift == shift && strcmp(e->x[i].det, det) == 0)
            return &e->x[i];
    if (e->nx == e->capx) {
        e->capx = e->capx ? 2 * e->capx : 32;
        e->x = xrealloc(e->x, sizeof *e->x * (size_t)e->capx);
    }
    inst *x = &e->x[e->nx++];
    memset(x, 0, sizeof *x);
    x->date = d;
    x->shift = shift;
    str_copy(x->det, sizeof x->det, det);
    return x;
}

static int inst_cmp(const void *a, const void *b)
{
    const inst *x = a, *y = b;
    if (x->date != y->date)
        return x->date < y->date ? -1 : 1;
    if (x->shift != y->shift)
        return x->shift < y->shift ? -1 : 1;
    return strcmp(x->det, y->det);
}

struct dt_ctx {
    roster *ro;
    const ro_guard *g;
    const char *det;
};

static day_type dt_of(day_t d, void *ctx)
{
    struct dt_ctx *c = ctx;
    return roster_day_type(c->ro, c->g, c->det, d);
}

/* The computed DTR as stored fields. */
typedef struct dtr_row {
    char time_in[24], time_out[24], anomalies[64];
    const char *status;
    day_type dt;
    dtr_minutes m;
} dtr_row;

static void compute(tk_run *r, const ro_guard *g, const inst *x, dtr_row *w)
{
    const ro_shift *s = roster_shift(r->ro, x->shift);
    const dtr_policy *pol = &roster_policy(r->ro)->dtr;
    instant_t start, end;
    shift_instance(&r->t->tz, &s->def, x->date, &start, &end);
    memset(w, 0, sizeof *w);
    w->dt = roster_day_type(r->ro, g, x->det, x->date);
    if (x->has_in)
        iso_format_utc(x->in, w->time_in);
    if (x->has_out)
        iso_format_utc(x->out, w->time_out);
    if (!x->has_in && !x->has_out) {
        w->status = x->leave[0] ? "LEAVE" : "ABSENT";
        return;
    }
    if (x->has_in) {
        long late = (long)(((x->in + 59) / 60 * 60 - start) / 60);
        if (late > pol->grace_min)
            w->m.late = (int)late;
    }
    if (!x->has_in || !x->has_out) {
        w->status = "INCOMPLETE";
        snprintf(w->anomalies, sizeof w->anomalies, "%s",
                 x->has_in ? "MISSING_OUT" : "MISSING_IN");
        return;
    }
    struct dt_ctx c = {r->ro, g, x->det};
    if (dtr_bucket(&r->t->tz, start, end, s->break_min, x->in, x->out, pol, dt_of, &c, &w->m)) {
        memset(&w->m, 0, sizeof w->m);
        w->status = "INCOMPLETE";
        snprintf(w->anomalies, sizeof w->anomalies, "OUT_BEFORE_IN");
        return;
    }
    w->status = "COMPLETE";
}

/* One line comparing equal exactly when the stored rows would. */
static void signature(strbuf *b, const dtr_row *w, const inst *x)
{
    const dtr_minutes *m = &w->m;
    const char *text[] = {w->time_in, w->time_out, day_type_names[w->dt], w->status, w->anomalies};
    for (int i = 0; i < 5; i++) {
        sb_adds(b, text[i]);
        sb_addc(b, '|');
    }
    const int num[] = {m->worked, m->regular, m->ot, m->nd, m->nd_ot, m->late, m->undertime};
    for (int i = 0; i < 7; i++) {
        sb_add_int(b, num[i]);
        sb_addc(b, '|');
    }
    buckets_format(b, (int(*)[B_COUNT])m->by_type);
    sb_addc(b, '|');
    sb_adds(b, x->relieves);
    sb_addc(b, '|');
    sb_adds(b, x->relieved_by);
    if (!strcmp(w->status, "LEAVE"))
        sb_addf(b, "|L:%s:%s:%d", x->leave, x->leave_name, x->leave_paid);
}

static void dtr_json(tk_run *r, strbuf *b, const char *guard, const inst *x, const dtr_row *w)
{
    char date[11], t[32];
    date_format(x->date, date);
    sb_adds(b, "{\"kind\":\"DTR\",\"v\":1");
    sb_add_json_lkv(b, ",\"guard_id\":", guard);
    sb_add_json_lkv(b, ",\"date\":", date);
    sb_add_json_lkv(b, ",\"shift_id\":", roster_shift(r->ro, x->shift)->id);
    sb_add_json_lkv(b, ",\"detachment_id\":", x->det);
    const char *ts[2] = {w ? w->time_in : "", w ? w->time_out : ""};
    const char *names[2] = {",\"time_in\":", ",\"time_out\":"};
    for (int i = 0; i < 2; i++) {
        if (*ts[i]) {
            instant_t at;
            iso_parse(ts[i], &at, NULL);
            iso_format_offset(at, tz_offset_at(&r->t->tz, at), t);
            sb_add_json_lkv(b, names[i], t);
        } else {
            sb_add_json_lkv(b, names[i], NULL);
        }
    }
    if (!w) {
        sb_adds(b, ",\"status\":\"REMOVED\"}\n");
        return;
    }
    const dtr_minutes *m = &w->m;
    sb_add_json_lkv(b, ",\"day_type\":", day_type_names[w->dt]);
    sb_add_json_lkv(b, ",\"status\":", w->status);
    sb_adds(b, ",\"anomalies\":");
    tk_add_codes(b, w->anomalies);
    static const char *const mkeys[] = {",\"minutes\":{\"worked\":",
                                        ",\"regular\":",
                                        ",\"ot\":",
                                        ",\"nd\":",
                                        ",\"nd_ot\":",
                                        ",\"late\":",
                                        ",\"undertime\":"};
    const int mval[] = {m->worked, m->regular, m->ot, m->nd, m->nd_ot, m->late, m->undertime};
    for (int i = 0; i < 7; i++) {
        sb_adds(b, mkeys[i]);
        sb_add_int(b, mval[i]);
    }
    sb_adds(b, "},\"by_day_type\":");
    buckets_json(b, (int(*)[B_COUNT])m->by_type, 0);
    if (x->relieves[0])
        sb_add_json_lkv(b, ",\"relieves_guard_id\":", x->relieves);
    if (x->relieved_by[0])
        sb_add_json_lkv(b, ",\"relieved_by\":", x->relieved_by);
    if (!strcmp(w->status, "LEAVE")) {
        sb_adds(b, ",\"leave\":{\"code\":");
        sb_add_json_str(b, x->leave, strlen(x->leave));
        sb_add_json_lkv(b, ",\"name\":", x->leave_name);
        sb_adds(b, x->leave_paid ? ",\"paid\":true}" : ",\"paid\":false}");
    }
    sb_adds(b, "}\n");
}

/* A DTR row as stored, with the signature of its fields. */
typedef struct stored {
    char date[11], shift[65], det[65];
    char *sig;
    int seen;
} stored;

typedef struct stored_set {
    stored *v;
    int n;
} stored_set;

static void stored_free(stored_set *o)
{
    for (int i = 0; i < o->n; i++)
        free(o->v[i].sig);
    free(o->v);
    o->v = NULL;
    o->n = 0;
}

/* The instances of dates [d0, d1] the guard punched for: the first IN and
 * the last OUT of each, from the VALID time logs of the window lo..hi. */
static int insts_punched(tk_run *r, const ro_guard *g, day_t d0, day_t d1, const char *lo,
                         const char *hi, armms_err *err)
{
    dtr_eng *e = r->eng;
    int rc;
    sqlite3_stmt *q = e->q_logs;
    sqlite3_bind_text(q, 1, g->id, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 2, lo, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 3, hi, -1, SQLITE_STATIC);
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        day_t d;
        int si = roster_shift_index(r->ro, tk_col(q, 3));
        if (si < 0 || date_parse(tk_col(q, 4), &d) || d < d0 || d > d1)
            continue;
        instant_t at;
        iso_parse(tk_col(q, 0), &at, NULL);
        inst *x = find_inst(e, d, si, tk_col(q, 2));
        if (tk_col(q, 1)[0] == 'I') {
            if (!x->has_in || at < x->in)
                x->in = at;
            x->has_in = 1;
        } else {
            if (!x->has_out || at > x->out)
                x->out = at;
            x->has_out = 1;
        }
        if (*tk_col(q, 5))
            str_copy(x->relieves, sizeof x->relieves, tk_col(q, 5));
    }
    sqlite3_reset(q);
    return rc == SQLITE_DONE ? 0 : store_fail(&r->s, rc, "reading time logs", err);
}

/* The instances the guard is scheduled for (dtr.h), and who relieves an
 * unpunched one. */
static void insts_scheduled(dtr_eng *e, const ro_guard *g, day_t d0, day_t d1)
{
    for (day_t d = d0; d <= d1; d++)
        for (int i = 0; i < g->na; i++) {
            const ro_assignment *a = &g->a[i];
            if (!ro_schedules(g, a, d))
                continue;
            inst *x = find_inst(e, d, a->shift, a->detachment_id);
            x->scheduled = 1;
            str_copy(x->relieves, sizeof x->relieves, a->relieves);
        }
    for (int i = 0; i < e->nx; i++) {
        inst *x = &e->x[i];
        if (x->has_in || x->has_out)
            continue;
        for (int k = 0; k < g->ncover; k++)
            if (x->date >= g->cover[k].from && x->date <= g->cover[k].to)
                str_copy(x->relieved_by, sizeof x->relieved_by, g->cover[k].by);
    }
}

/* Recorded leave onto the scheduled instances the guard did not punch: a
 * leave day the guard is not scheduled (a rest day) makes no DTR. */
static int insts_leave(tk_run *r, const ro_guard *g, const char *f, const char *t, armms_err *err)
{
    dtr_eng *e = r->eng;
    sqlite3_stmt *q = e->q_leave;
    sqlite3_bind_text(q, 1, g->id, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 2, f, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 3, t, -1, SQLITE_STATIC);
    int rc;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        day_t d;
        if (date_parse(tk_col(q, 0), &d))
            continue;
        for (int i = 0; i < e->nx; i++) {
            inst *x = &e->x[i];
            if (x->date != d || !x->scheduled || x->has_in || x->has_out)
                continue;
            str_copy(x->leave, sizeof x->leave, tk_col(q, 1));
            str_copy(x->leave_name, sizeof x->leave_name, tk_col(q, 2));
            x->leave_paid = sqlite3_column_int(q, 3);
        }
    }
    sqlite3_reset(q);
    return rc == SQLITE_DONE ? 0 : store_fail(&r->s, rc, "reading leave", err);
}

/* The stored DTRs of dates f..t, with their signatures. */
static int load_stored(tk_run *r, const ro_guard *g, const char *f, const char *t, stored_set *old,
                       armms_err *err)
{
    dtr_eng *e = r->eng;
    int rc;
    sqlite3_stmt *q = e->q_rows;
    sqlite3_bind_text(q, 1, g->id, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 2, f, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 3, t, -1, SQLITE_STATIC);
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        old->v = xrealloc(old->v, sizeof *old->v * (size_t)(old->n + 1));
        stored *o = &old->v[old->n++];
        str_copy(o->date, sizeof o->date, tk_col(q, 0));
        str_copy(o->shift, sizeof o->shift, tk_col(q, 1));
        str_copy(o->det, sizeof o->det, tk_col(q, 2));
        sb_reset(&e->old);
        for (int k = 3; k < 8; k++) {
            sb_adds(&e->old, tk_col(q, k));
            sb_addc(&e->old, '|');
        }
        for (int k = 8; k < 15; k++) {
            sb_add_int(&e->old, sqlite3_column_int(q, k));
            sb_addc(&e->old, '|');
        }
        for (int k = 15; k < 18; k++) {
            if (k > 15)
                sb_addc(&e->old, '|');
            sb_adds(&e->old, tk_col(q, k));
        }
        if (*tk_col(q, 18))
            sb_addf(&e->old, "|L:%s:%s:%d", tk_col(q, 18), tk_col(q, 19),
                    sqlite3_column_int(q, 20));
        o->sig = xstrdup(e->old.s);
        o->seen = 0;
    }
    sqlite3_reset(q);
    return rc == SQLITE_DONE ? 0 : store_fail(&r->s, rc, "reading DTRs", err);
}

static int upsert(tk_run *r, const ro_guard *g, const inst *x, const dtr_row *w, const char *date,
                  const char *shift, armms_err *err)
{
    dtr_eng *e = r->eng;
    sqlite3_stmt *u = e->up;
    const char *v[] = {
        g->id, date, shift, x->det, w->time_in, w->time_out, day_type_names[w->dt], w->status};
    for (int k = 0; k < 8; k++)
        tk_bind_view(u, k + 1, v[k]);
    sqlite3_bind_text(u, 9, w->anomalies, -1, SQLITE_STATIC);
    int mv[] = {w->m.worked, w->m.regular, w->m.ot,       w->m.nd,
                w->m.nd_ot,  w->m.late,    w->m.undertime};
    for (int k = 0; k < 7; k++)
        sqlite3_bind_int(u, 10 + k, mv[k]);
    sb_reset(&e->old);
    buckets_format(&e->old, (int(*)[B_COUNT])w->m.by_type);
    sqlite3_bind_text(u, 17, e->old.len ? e->old.s : "", -1, SQLITE_STATIC);
    tk_bind_view(u, 18, x->relieves);
    tk_bind_view(u, 19, x->relieved_by);
    int leave = !strcmp(w->status, "LEAVE");
    tk_bind_view(u, 20, leave ? x->leave : "");
    tk_bind_view(u, 21, leave ? x->leave_name : "");
    if (leave)
        sqlite3_bind_int(u, 22, x->leave_paid);
    else
        sqlite3_bind_null(u, 22);
    int src = sqlite3_step(u);
    sqlite3_reset(u);
    return src == SQLITE_DONE ? 0 : store_fail(&r->s, src, "writing a DTR", err);
}

/* Compute one instance's DTR; store it when it differs from the stored
 * row, and output it when it changed or is wanted. */
static int put_inst(tk_run *r, const ro_guard *g, const inst *x, stored_set *old, armms_err *err)
{
    dtr_eng *e = r->eng;
    dtr_row w;
    compute(r, g, x, &w);
    char date[11];
    date_format(x->date, date);
    const char *shift = roster_shift(r->ro, x->shift)->id;
    sb_reset(&e->sig);
    signature(&e->sig, &w, x);
    stored *o = NULL;
    for (int k = 0; k < old->n; k++)
        if (!strcmp(old->v[k].date, date) && !strcmp(old->v[k].shift, shift) &&
            !strcmp(old->v[k].det, x->det))
            o = &old->v[k];
    if (o)
        o->seen = 1;
    int changed = !o || strcmp(o->sig, e->sig.s) != 0, rc = 0;
    r->n.recomputed++;
    if (changed) {
        r->n.changed++;
        tk_stale_note(r, x->date);
        rc = upsert(r, g, x, &w, date, shift, err);
    }
    if (!rc && (changed || !r->changed_only)) {
        size_t at = r->outbuf.len;
        dtr_json(r, &r->outbuf, g->id, x, &w);
        if (changed && r->journal_derived) {
            char agg[160];
            snprintf(agg, sizeof agg, "%s/%s/%s/%s", g->id, date, shift, x->det);
            rc = store_emit(&r->s, "DTRUpdated", "dtr", agg, r->outbuf.s + at,
                            r->outbuf.len - at - 1, err);
        }
    }
    return rc;
}

/* A stored DTR no instance produced: neither scheduled nor punched any
 * more. Delete it and output it once as REMOVED. */
static int remove_stored(tk_run *r, const ro_guard *g, const stored *o, armms_err *err)
{
    dtr_eng *e = r->eng;
    sqlite3_stmt *dl = e->del;
    const char *v[] = {g->id, o->date, o->shift, o->det};
    for (int i = 0; i < 4; i++)
        sqlite3_bind_text(dl, i + 1, v[i], -1, SQLITE_TRANSIENT);
    int src = sqlite3_step(dl);
    sqlite3_reset(dl);
    if (src != SQLITE_DONE)
        return store_fail(&r->s, src, "removing a DTR", err);
    r->n.recomputed++;
    r->n.changed++;
    inst x = {0};
    date_parse(o->date, &x.date);
    tk_stale_note(r, x.date);
    x.shift = roster_shift_index(r->ro, o->shift);
    str_copy(x.det, sizeof x.det, o->det);
    if (x.shift < 0) { /* a shift since deleted from master data */
        sb_adds(&r->outbuf, "{\"kind\":\"DTR\",\"v\":1");
        sb_add_json_kv(&r->outbuf, "guard_id", g->id);
        sb_add_json_kv(&r->outbuf, "date", o->date);
        sb_add_json_kv(&r->outbuf, "shift_id", o->shift);
        sb_add_json_kv(&r->outbuf, "detachment_id", o->det);
        sb_adds(&r->outbuf, ",\"status\":\"REMOVED\"}\n");
    } else {
        dtr_json(r, &r->outbuf, g->id, &x, NULL);
    }
    return 0;
}

static int dtr_recompute(tk_run *r, const ro_guard *g, day_t d0, day_t d1, armms_err *err)
{
    dtr_eng *e = r->eng;
    char lo[32], hi[32], f[11], t[11];
    iso_format_utc(tz_instant_of(&r->t->tz, d0 - 2, 0), lo);
    iso_format_utc(tz_instant_of(&r->t->tz, d1 + 3, 0), hi);
    date_format(d0, f);
    date_format(d1, t);
    e->nx = 0;
    if (insts_punched(r, g, d0, d1, lo, hi, err))
        return err->code;
    insts_scheduled(e, g, d0, d1);
    if (insts_leave(r, g, f, t, err))
        return err->code;
    if (e->nx) /* qsort wants a non-null array, even an empty one */
        qsort(e->x, (size_t)e->nx, sizeof *e->x, inst_cmp);
    stored_set old = {0};
    int rc = load_stored(r, g, f, t, &old, err);
    for (int i = 0; i < e->nx && !rc; i++)
        rc = put_inst(r, g, &e->x[i], &old, err);
    for (int k = 0; k < old.n && !rc; k++)
        if (!old.v[k].seen)
            rc = remove_stored(r, g, &old.v[k], err);
    stored_free(&old);
    return rc;
}

static const char *const dtr_fields[] = {"kind",      "v",          "guard_id", "detachment_id",
                                         "work_date", "shift_date", "was",      NULL};

const tk_stage dtr_stage = {"dtr",     "TimeLog",     dtr_open,   dtr_close, dtr_touch_peek,
                            dtr_scope, dtr_recompute, dtr_fields, NULL,      NULL};
