/*
 * timesheet.c - see timesheet.h. The stored `minutes` text of a version is
 * its comparable content: "buckets|worked,regular,ot,nd,nd_ot,late,
 * undertime|days_worked,days_absent,days_incomplete|H", H the SHA-256 of
 * the per-day part of the snapshot (its days and unworked_holidays, as
 * days_json writes them), so a change there seals a new version too. A
 * sealed version stored before H existed compares by its sums alone.
 */
#include "tk/timesheet.h"

#include <stdlib.h>
#include <string.h>

#include "core/daytype.h"
#include "core/ndjson.h"
#include "core/sha.h"
#include "iam/change.h"

enum { NTOT = 7 };
static const char *const tot_names[NTOT] = {"worked", "regular", "ot",       "nd",
                                            "nd_ot",  "late",    "undertime"};

typedef struct ts_sum {
    char det[65], shift[65];
    int by_type[DT_COUNT][B_COUNT];
    int tot[NTOT];
    int days[3]; /* worked, absent, incomplete */
} ts_sum;

typedef struct ts_latest {
    char id[200];
    int version;
    char status[12];
    char *minutes, *record;
    int seen;
} ts_latest;

typedef struct ts_eng {
    sqlite3_stmt *q_dtrs, *q_latest, *ins, *upd, *del, *q_days, *q_on;
    ts_sum *g;
    int ng, capg;
} ts_eng;

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
    "SELECT date, day_type, status, buckets, worked, regular, ot, nd, nd_ot, late, undertime"
    " FROM dtr WHERE guard_id = ?1 AND detachment_id = ?2 AND shift_id = ?3"
    " AND date BETWEEN ?4 AND ?5 ORDER BY date";
/* The guard's standing on a date over all its DTRs: the best status. */
static const char sql_on[] =
    "SELECT status FROM dtr WHERE guard_id = ?1 AND date = ?2"
    " ORDER BY CASE status WHEN 'COMPLETE' THEN 0 WHEN 'INCOMPLETE' THEN 1 ELSE 2 END LIMIT 1";
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
    free(e);
    r->eng = NULL;
}

static int ts_touch_peek(tk_run *r, jv rec, rejection *rj, armms_err *err)
{
    const char *guard = tk_str_peek(rec, "guard_id");
    day_t d;
    if (!guard || tk_date_peek(rec, "date", &d))
        return rejection_set(rj, "MISSING_FIELD", "DTR needs guard_id and date (YYYY-MM-DD)");
    if (!roster_guard(r->ro, guard, err))
        return err->code ? err->code
                         : rejection_set(rj, "UNKNOWN_GUARD", "guard %s does not exist", guard);
    /* A timesheet is a whole period: touching it all lets the DTRs of one
     * period, rest days between them, recompute it once. */
    char period[12], id[400];
    day_t pf, pt;
    period_of_date(d, period);
    period_parse(period, &pf, &pt);
    /* the next period too: its unworked holidays may look back to this DTR
     * for the guard's last scheduled workday */
    char next[12];
    day_t nf, nt;
    period_next(period, next);
    period_parse(next, &nf, &nt);
    tk_touch_add(r, guard, pf, nt);
    const char *det = tk_str_peek(rec, "detachment_id"), *shift = tk_str_peek(rec, "shift_id");
    if (det && shift) {
        snprintf(id, sizeof id, "%s/%s/%s/%s", period, guard, det, shift);
        tk_name(r, id);
    }
    return 0;
}

static const char sql_scope[] =
    "SELECT DISTINCT guard_id FROM dtr WHERE date BETWEEN ?1 AND ?2"
    " UNION SELECT guard_id FROM timesheet WHERE period_id IN (?3, ?4)";

static int ts_scope(tk_run *r, const char *guard, day_t from, day_t to, armms_err *err)
{
    if (guard) {
        tk_touch_add(r, guard, from, to);
        return 0;
    }
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
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        tk_touch_add(r, tk_col(st, 0), from, to);
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? 0 : store_fail(&r->s, rc, "listing guards", err);
}

static void sum_text(strbuf *b, ts_sum *s)
{
    buckets_format(b, s->by_type);
    sb_adds(b, "|");
    for (int k = 0; k < NTOT; k++)
        sb_addf(b, "%s%d", k ? "," : "", s->tot[k]);
    sb_addf(b, "|%d,%d,%d", s->days[0], s->days[1], s->days[2]);
}

static int sum_parse(const char *text, ts_sum *s)
{
    memset(s->by_type, 0, sizeof s->by_type);
    const char *bar = strchr(text, '|');
    if (!bar)
        return -1;
    char *bk = xmalloc((size_t)(bar - text) + 1);
    memcpy(bk, text, (size_t)(bar - text));
    bk[bar - text] = 0;
    int rc = buckets_parse(bk, s->by_type);
    free(bk);
    if (rc)
        return -1;
    int *f = s->tot;
    return sscanf(bar + 1, "%d,%d,%d,%d,%d,%d,%d|%d,%d,%d", &f[0], &f[1], &f[2], &f[3], &f[4],
                  &f[5], &f[6], &s->days[0], &s->days[1], &s->days[2]) == 10
               ? 0
               : -1;
}

static void sum_json(strbuf *b, ts_sum *s)
{
    sb_adds(b, ",\"minutes\":");
    buckets_json(b, s->by_type, 1);
    sb_adds(b, ",\"totals\":{");
    for (int k = 0; k < NTOT; k++)
        sb_addf(b, "%s\"%s\":%d", k ? "," : "", tot_names[k], s->tot[k]);
    sb_addf(b, "},\"days_worked\":%d,\"days_absent\":%d,\"days_incomplete\":%d", s->days[0],
            s->days[1], s->days[2]);
}

/* delta = after - before, day types with a change only */
static void delta_json(strbuf *b, ts_sum *after, ts_sum *before)
{
    ts_sum d;
    memset(&d, 0, sizeof d);
    for (int t = 0; t < DT_COUNT; t++)
        for (int k = 0; k < B_COUNT; k++)
            d.by_type[t][k] = after->by_type[t][k] - before->by_type[t][k];
    for (int k = 0; k < NTOT; k++)
        d.tot[k] = after->tot[k] - before->tot[k];
    for (int k = 0; k < 3; k++)
        d.days[k] = after->days[k] - before->days[k];
    sb_adds(b, "{\"minutes\":");
    buckets_json(b, d.by_type, 0);
    sb_adds(b, ",\"totals\":{");
    for (int k = 0; k < NTOT; k++)
        sb_addf(b, "%s\"%s\":%d", k ? "," : "", tot_names[k], d.tot[k]);
    sb_addf(b, "},\"days_worked\":%d,\"days_absent\":%d,\"days_incomplete\":%d}", d.days[0],
            d.days[1], d.days[2]);
}

static int regular_holiday(day_type t)
{
    return t == DT_REGULAR || t == DT_REGULAR_REST || t == DT_DOUBLE || t == DT_DOUBLE_REST;
}

/* The guard's best DTR status on date d over all its timesheets (COMPLETE,
 * INCOMPLETE, ABSENT), into st; "" when it has no DTR that day. */
static int status_on(tk_run *r, const char *guard, day_t d, char st[12], armms_err *err)
{
    ts_eng *e = r->eng;
    char date[11];
    date_format(d, date);
    sqlite3_stmt *q = e->q_on;
    sqlite3_bind_text(q, 1, guard, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 2, date, -1, SQLITE_STATIC);
    int rc = sqlite3_step(q);
    st[0] = 0;
    if (rc == SQLITE_ROW)
        snprintf(st, 12, "%s", tk_col(q, 0));
    sqlite3_reset(q);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : store_fail(&r->s, rc, "reading DTRs", err);
}

static void status_json(strbuf *b, const char *st)
{
    if (*st)
        sb_add_json_kv(b, "status", st);
    else
        sb_adds(b, ",\"status\":null");
}

/* The per-day part of one timesheet's snapshot: ,"days":[...] (one line per
 * DTR, in date order, as the DTR has it) and ,"unworked_holidays":[...]
 * (the facts payroll needs to price a regular holiday the guard did not
 * work; see armms-timesheet(1)). */
static int days_json(tk_run *r, const ro_guard *g, const char *det, const char *shift, day_t pf,
                     day_t pt, strbuf *b, armms_err *err)
{
    ts_eng *e = r->eng;
    char f[11], t[11];
    date_format(pf, f);
    date_format(pt, t);
    sqlite3_stmt *q = e->q_days;
    const char *v[] = {g->id, det, shift, f, t};
    for (int i = 0; i < 5; i++)
        sqlite3_bind_text(q, i + 1, v[i], -1, SQLITE_STATIC);
    sb_adds(b, ",\"days\":[");
    int rc, n = 0;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        day_buckets by;
        memset(by, 0, sizeof by);
        if (buckets_parse(tk_col(q, 3), by)) {
            err_set(err, EXIT_SOFTWARE, "DTR of %s on %s has damaged buckets", g->id,
                    tk_col(q, 0));
            sqlite3_reset(q);
            return err->code;
        }
        sb_addf(b, "%s{\"date\":\"%s\"", n++ ? "," : "", tk_col(q, 0));
        sb_add_json_kv(b, "day_type", tk_col(q, 1));
        sb_add_json_kv(b, "status", tk_col(q, 2));
        sb_adds(b, ",\"minutes\":");
        buckets_json(b, by, 0);
        sb_adds(b, ",\"totals\":{");
        for (int k = 0; k < NTOT; k++)
            sb_addf(b, "%s\"%s\":%d", k ? "," : "", tot_names[k], sqlite3_column_int(q, 4 + k));
        sb_adds(b, "}}");
    }
    sqlite3_reset(q);
    if (rc != SQLITE_DONE)
        return store_fail(&r->s, rc, "reading DTRs", err);
    /* a regular (or double) holiday of this timesheet's detachment on which
     * its regular assignment holds and the guard has no COMPLETE DTR at all:
     * the facts are the guard's, over every timesheet of it */
    sb_adds(b, "],\"unworked_holidays\":[");
    n = 0;
    int si = roster_shift_index(r->ro, shift);
    for (day_t d = pf; d <= pt; d++) {
        day_type dt = roster_day_type(r->ro, g, det, d);
        int mine = 0;
        for (int i = 0; i < g->na && !mine && regular_holiday(dt); i++) {
            const ro_assignment *a = &g->a[i];
            mine = !a->reliever && a->shift == si && !strcmp(a->detachment_id, det) &&
                   ro_assignment_on(a, d);
        }
        char st[12], date[11];
        if (!mine)
            continue;
        if (status_on(r, g->id, d, st, err))
            return err->code;
        if (!strcmp(st, "COMPLETE"))
            continue;
        date_format(d, date);
        sb_addf(b, "%s{\"date\":\"%s\"", n++ ? "," : "", date);
        sb_add_json_kv(b, "day_type", day_type_names[dt]);
        sb_addf(b, ",\"scheduled\":%s", ro_scheduled(g, d) ? "true" : "false");
        status_json(b, st);
        day_t last = ro_last_scheduled(g, d);
        if (last == d) {
            sb_adds(b, ",\"last_scheduled\":null}");
            continue;
        }
        if (status_on(r, g->id, last, st, err))
            return err->code;
        date_format(last, date);
        sb_addf(b, ",\"last_scheduled\":{\"date\":\"%s\"", date);
        status_json(b, st);
        sb_addf(b, ",\"present\":%s}}", strcmp(st, "COMPLETE") ? "false" : "true");
    }
    sb_addc(b, ']');
    return 0;
}

/* The comparable text of a version: the sums and the digest of days. */
static void content_text(strbuf *b, ts_sum *s, const char *days)
{
    char hex[65];
    sum_text(b, s);
    sha256_hex(days, strlen(days), hex);
    sb_addf(b, "|%s", hex);
}

/* Whether the latest version x holds the content text. */
static int same_content(const ts_latest *x, const char *text)
{
    if (!strcmp(x->minutes, text))
        return 1;
    /* sealed before the digest of days existed: its sums decide */
    int bars = 0;
    for (const char *p = x->minutes; *p; p++)
        bars += *p == '|';
    size_t n = (size_t)(strrchr(text, '|') - text);
    return bars == 2 && strcmp(x->status, "DRAFT") && strlen(x->minutes) == n &&
           !strncmp(x->minutes, text, n);
}

typedef struct ts_key {
    const char *id, *guard, *det, *shift, *position, *period;
    day_t from, to;
} ts_key;

/* The record without checksum (sealed: extra holds its further fields). */
static void record_json(strbuf *b, const ts_key *k, ts_sum *s, int version, const char *status,
                        const char *extra)
{
    char f[11], t[11];
    date_format(k->from, f);
    date_format(k->to, t);
    int sealed = !strcmp(status, "FINALIZED") || !strcmp(status, "ADJUSTED");
    sb_addf(b, "{\"kind\":\"%s\",\"v\":1", sealed ? "TimesheetFinalized" : "Timesheet");
    sb_add_json_kv(b, "timesheet_id", k->id);
    sb_add_json_kv(b, "guard_id", k->guard);
    sb_add_json_kv(b, "detachment_id", k->det);
    sb_add_json_kv(b, "shift_id", k->shift);
    sb_add_json_kv(b, "position_id", k->position);
    sb_addf(b, ",\"period\":{\"id\":\"%s\",\"from\":\"%s\",\"to\":\"%s\"}", k->period, f, t);
    sum_json(b, s);
    sb_addf(b, ",\"version\":%d", version);
    sb_add_json_kv(b, "status", status);
    if (extra)
        sb_adds(b, extra);
    if (!sealed)
        sb_adds(b, ",\"checksum\":null");
    sb_addc(b, '}');
}

/* Seal: canonical JSON with its checksum, malloc'd; *sum gets the checksum. */
static char *seal(const char *json, char *sum)
{
    jv v = jv_parse(json);
    char *canon = json_canonical(jv_copy(v));
    char hex[65];
    sha256_hex(canon, strlen(canon), hex);
    free(canon);
    snprintf(sum, 80, "sha256:%s", hex);
    v = jv_object_set(v, jv_string("checksum"), jv_string(sum));
    return json_canonical(v);
}

static int put_version(tk_run *r, const ts_key *k, int version, const char *status,
                       const char *record, const char *checksum, const char *minutes,
                       armms_err *err)
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

/* A sealed version changed: write the ADJUSTED one and journal the delta. */
static int adjust_sealed(tk_run *r, const ts_key *k, ts_sum *now, ts_latest *l, const char *days,
                         const char *text, armms_err *err)
{
    ts_sum before;
    if (sum_parse(l->minutes, &before))
        return err_set(err, EXIT_SOFTWARE, "timesheet %s version %d: damaged minutes", k->id,
                       l->version);
    jv old = jv_parse(l->record);
    jv oldsum = jv_object_get(old, jv_string("checksum"));
    char old_cs[80] = "";
    if (jv_get_kind(oldsum) == JV_KIND_STRING)
        snprintf(old_cs, sizeof old_cs, "%s", jv_string_value(oldsum));
    jv_free(oldsum);
    char at[32];
    now_iso(at);
    strbuf extra, rec, pl;
    sb_init(&extra);
    sb_init(&rec);
    sb_init(&pl);
    sb_addf(&extra, ",\"adjusts\":{\"version\":%d,\"checksum\":\"%s\"}", l->version, old_cs);
    sb_add_json_kv(&extra, "adjusted_at", at);
    sb_add_json_kv(&extra, "adjusted_by", r->t->actor);
    sb_adds(&extra, ",\"delta\":");
    delta_json(&extra, now, &before);
    sb_adds(&extra, days);
    record_json(&rec, k, now, l->version + 1, "ADJUSTED", extra.s);
    char cs[80];
    char *sealed = seal(rec.s, cs);
    int rc = put_version(r, k, l->version + 1, "ADJUSTED", sealed, cs, text, err);
    if (!rc) {
        sb_addf(&pl, "{\"timesheet_id\":");
        sb_add_json_str(&pl, k->id, strlen(k->id));
        sb_addf(&pl, ",\"version\":%d,\"before\":{\"version\":%d,\"checksum\":\"%s\"",
                l->version + 1, l->version, old_cs);
        sum_json(&pl, &before);
        sb_addf(&pl, "},\"after\":{\"version\":%d,\"checksum\":\"%s\"", l->version + 1, cs);
        sum_json(&pl, now);
        sb_adds(&pl, days);
        sb_adds(&pl, "},\"delta\":");
        delta_json(&pl, now, &before);
        sb_addc(&pl, '}');
        rc = store_emit(&r->s, "TimesheetAdjusted", "timesheet", k->id, pl.s, pl.len, err);
    }
    if (!rc) {
        sb_adds(&r->outbuf, sealed);
        sb_addc(&r->outbuf, '\n');
    }
    free(sealed);
    sb_free(&extra);
    sb_free(&rec);
    sb_free(&pl);
    return rc;
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
    snprintf(s->det, sizeof s->det, "%s", det);
    snprintf(s->shift, sizeof s->shift, "%s", shift);
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
        s->days[st[0] == 'C' ? 0 : st[0] == 'A' ? 1 : 2]++;
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
        snprintf(x->id, sizeof x->id, "%s", tk_col(q, 0));
        x->version = sqlite3_column_int(q, 1);
        snprintf(x->status, sizeof x->status, "%s", tk_col(q, 2));
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
    content_text(text, s, days);
    int changed = !x || !same_content(x, text->s), rc;
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
        return adjust_sealed(r, k, s, x, days, text->s, err);
    if (empty) { /* a draft with nothing under it */
        rc = exec_id(r, e->del, k->id, x->version, NULL, NULL, err);
        record_json(rec, k, s, x->version, "REMOVED", NULL);
    } else {
        record_json(rec, k, s, x ? x->version : 1, "DRAFT", NULL);
        rc = x ? exec_id(r, e->upd, k->id, x->version, rec->s, text->s, err)
               : put_version(r, k, 1, "DRAFT", rec->s, NULL, text->s, err);
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
            snprintf(zero.shift, sizeof zero.shift, "%s", slash + 1);
            s = &zero;
            snprintf(id, sizeof id, "%s", x->id);
        }
        ts_key k = {id, g->id, s->det, s->shift, g->position_id, period, pf, pt};
        sb_reset(&days);
        rc = days_json(r, g, s->det, s->shift, pf, pt, &days, err);
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

const tk_stage timesheet_stage = {"timesheet",   "DTR",    ts_open,     ts_close,
                                  ts_touch_peek, ts_scope, ts_recompute};

/* ---- validation and finalization ---- */

static const char sql_drafts[] =
    "SELECT timesheet_id, version, guard_id, detachment_id, shift_id, record FROM timesheet"
    " WHERE period_id = ?1 AND status = 'DRAFT' AND (?2 IS NULL OR guard_id = ?2)"
    " ORDER BY timesheet_id";
static const char sql_incomplete[] =
    "SELECT date, anomalies FROM dtr WHERE guard_id = ?1 AND date BETWEEN ?2 AND ?3"
    " AND detachment_id = ?4 AND shift_id = ?5 AND status = 'INCOMPLETE' ORDER BY date";
static const char sql_review[] =
    "SELECT time_log_id, work_date, anomalies, coalesce(detachment_id, ''),"
    " coalesce(shift_id, '') FROM time_log WHERE guard_id = ?1 AND ts >= ?2 AND ts < ?3"
    " AND open = 1 AND work_date BETWEEN ?4 AND ?5 ORDER BY ts";
static const char sql_orphans[] =
    "SELECT time_log_id, guard_id, work_date, anomalies FROM time_log"
    " WHERE open = 1 AND work_date BETWEEN ?1 AND ?2 AND (?4 IS NULL OR guard_id = ?4)"
    " AND guard_id NOT IN (SELECT guard_id FROM timesheet WHERE period_id = ?3)"
    " ORDER BY guard_id, ts";

typedef struct blockers {
    sqlite3_stmt *inc, *rev;
    strbuf text; /* for a Reject message */
    strbuf recs; /* Blocker records */
    int n;
} blockers;

static void blocker(blockers *b, const char *ts_id, const char *guard, const char *period,
                    const char *code, const char *date, const char *log_id, const char *codes)
{
    b->n++;
    if (b->text.len < 400)
        sb_addf(&b->text, "%s%s %s%s%s", b->n > 1 ? "; " : "", code, date, *codes ? " " : "",
                codes);
    sb_adds(&b->recs, "{\"kind\":\"Blocker\",\"v\":1,\"timesheet_id\":");
    if (ts_id)
        sb_add_json_str(&b->recs, ts_id, strlen(ts_id));
    else
        sb_adds(&b->recs, "null");
    sb_add_json_kv(&b->recs, "guard_id", guard);
    sb_add_json_kv(&b->recs, "period", period);
    sb_add_json_kv(&b->recs, "code", code);
    sb_add_json_kv(&b->recs, "date", date);
    if (log_id)
        sb_add_json_kv(&b->recs, "time_log_id", log_id);
    sb_adds(&b->recs, ",\"anomalies\":");
    tk_add_codes(&b->recs, codes);
    sb_adds(&b->recs, "}\n");
}

/* Everything that stops one DRAFT from being finalized. */
static int find_blockers(tk_run *r, blockers *b, const char *ts_id, const char *guard,
                         const char *det, const char *shift, const char *period, armms_err *err)
{
    day_t pf, pt;
    period_parse(period, &pf, &pt);
    char f[11], t[11], lo[32], hi[32];
    date_format(pf, f);
    date_format(pt, t);
    iso_format_utc(tz_instant_of(&r->t->tz, pf - 2, 0), lo);
    iso_format_utc(tz_instant_of(&r->t->tz, pt + 3, 0), hi);
    int rc;
    sqlite3_stmt *q = b->inc;
    const char *v[] = {guard, f, t, det, shift};
    for (int i = 0; i < 5; i++)
        sqlite3_bind_text(q, i + 1, v[i], -1, SQLITE_TRANSIENT);
    while ((rc = sqlite3_step(q)) == SQLITE_ROW)
        blocker(b, ts_id, guard, period, "INCOMPLETE_DTR", tk_col(q, 0), NULL, tk_col(q, 1));
    sqlite3_reset(q);
    if (rc != SQLITE_DONE)
        return store_fail(&r->s, rc, "reading DTRs", err);
    q = b->rev;
    const char *w[] = {guard, lo, hi, f, t};
    for (int i = 0; i < 5; i++)
        sqlite3_bind_text(q, i + 1, w[i], -1, SQLITE_TRANSIENT);
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        const char *ld = tk_col(q, 3), *ls = tk_col(q, 4);
        if (*ls && (strcmp(ld, det) || strcmp(ls, shift)))
            continue; /* belongs to another of the guard's timesheets */
        blocker(b, ts_id, guard, period, "NEEDS_REVIEW", tk_col(q, 1), tk_col(q, 0), tk_col(q, 2));
    }
    sqlite3_reset(q);
    return rc == SQLITE_DONE ? 0 : store_fail(&r->s, rc, "reading time logs", err);
}

/* Recompute the period quietly so the drafts reflect the store. */
static int refresh(tk_run *r, const char *period, const char *guard, armms_err *err)
{
    day_t pf, pt;
    if (period_parse(period, &pf, &pt))
        return err_set(err, EXIT_USAGE, "'%s' is not a pay period (YYYY-MM-A|B)", period);
    r->quiet_output = 1;
    int rc = tk_run_select(r, guard, pf, pt, err) || tk_run_flush(r, err);
    r->quiet_output = 0;
    sb_reset(&r->outbuf); /* inside a captured change, flush leaves its records */
    r->n.recomputed = r->n.changed = 0;
    return rc ? err->code : 0;
}

static int each_draft(tk_run *r, const char *period, const char *guard, blockers *b,
                      int (*fn)(tk_run *, sqlite3_stmt *, blockers *, void *, armms_err *),
                      void *ctx, armms_err *err)
{
    sqlite3_stmt *q = NULL;
    if (store_prepare(&r->s, &q, sql_drafts, err) ||
        store_prepare(&r->s, &b->inc, sql_incomplete, err) ||
        store_prepare(&r->s, &b->rev, sql_review, err)) {
        sqlite3_finalize(q);
        return err->code;
    }
    sqlite3_bind_text(q, 1, period, -1, SQLITE_STATIC);
    tk_bind_text(q, 2, guard);
    int rc = 0, src;
    while (!rc && (src = sqlite3_step(q)) == SQLITE_ROW) {
        b->n = 0;
        sb_reset(&b->text);
        rc = find_blockers(r, b, tk_col(q, 0), tk_col(q, 2), tk_col(q, 3), tk_col(q, 4), period,
                           err);
        if (!rc)
            rc = fn(r, q, b, ctx, err);
    }
    if (!rc && src != SQLITE_DONE)
        rc = store_fail(&r->s, src, "reading timesheets", err);
    sqlite3_finalize(q);
    return rc;
}

static int orphans(tk_run *r, const char *period, const char *guard, blockers *b, armms_err *err)
{
    day_t pf, pt;
    period_parse(period, &pf, &pt);
    char f[11], t[11];
    date_format(pf, f);
    date_format(pt, t);
    sqlite3_stmt *q = NULL;
    if (store_prepare(&r->s, &q, sql_orphans, err))
        return err->code;
    sqlite3_bind_text(q, 1, f, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 2, t, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 3, period, -1, SQLITE_STATIC);
    tk_bind_text(q, 4, guard);
    int rc;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW)
        blocker(b, NULL, tk_col(q, 1), period, "NEEDS_REVIEW", tk_col(q, 2), tk_col(q, 0),
                tk_col(q, 3));
    sqlite3_finalize(q);
    return rc == SQLITE_DONE ? 0 : store_fail(&r->s, rc, "reading time logs", err);
}

static int validate_one(tk_run *r, sqlite3_stmt *q, blockers *b, void *ctx, armms_err *err)
{
    ts_counts *n = ctx;
    if (b->n) {
        n->blocked++;
        n->blockers += b->n;
    }
    return 0;
}

int timesheet_validate(tk_run *r, const char *period, const char *guard, ts_counts *n,
                       armms_err *err)
{
    blockers b = {0};
    sb_init(&b.text);
    sb_init(&b.recs);
    memset(n, 0, sizeof *n);
    int rc = refresh(r, period, guard, err);
    if (!rc)
        rc = each_draft(r, period, guard, &b, validate_one, n, err);
    if (!rc) {
        int before = b.n;
        b.n = 0;
        rc = orphans(r, period, guard, &b, err);
        n->blockers += b.n;
        b.n += before;
    }
    sqlite3_finalize(b.inc);
    sqlite3_finalize(b.rev);
    if (!rc && b.recs.len) {
        sb_adds(&r->outbuf, b.recs.s);
        rc = tk_run_write(r, err);
    }
    sb_free(&b.text);
    sb_free(&b.recs);
    return rc;
}

struct fin {
    ts_counts *n;
    const char *override, *period;
};

static int finalize_one(tk_run *r, sqlite3_stmt *q, blockers *b, void *ctx, armms_err *err)
{
    struct fin *fc = ctx;
    const char *id = tk_col(q, 0);
    /* a finalization request is stale once a draft or its blockers change */
    char blocked[32];
    snprintf(blocked, sizeof blocked, "blockers %d", b->n);
    store_note(&r->s, id, tk_col(q, 5), strlen(tk_col(q, 5)));
    store_note(&r->s, id, blocked, strlen(blocked));
    if (b->n && !fc->override) {
        rejection rj;
        rejection_set(&rj, "BLOCKED",
                      "timesheet %s is blocked (%d): %s; fix them with armms-timelog adjust, or "
                      "finalize with --override REASON",
                      id, b->n, b->text.s);
        fc->n->blocked++;
        fc->n->blockers += b->n;
        tk_run_reject(r, &rj, fc->period, 0, id, strlen(id));
        return 0;
    }
    int version = sqlite3_column_int(q, 1);
    jv v = jv_parse(tk_col(q, 5));
    if (!jv_is_valid(v)) {
        jv_free(v);
        return err_set(err, EXIT_SOFTWARE, "timesheet %s: damaged record", id);
    }
    char at[32];
    now_iso(at);
    v = jv_object_set(v, jv_string("kind"), jv_string("TimesheetFinalized"));
    v = jv_object_set(v, jv_string("status"), jv_string("FINALIZED"));
    v = jv_object_set(v, jv_string("finalized_at"), jv_string(at));
    v = jv_object_set(v, jv_string("finalized_by"), jv_string(r->t->actor));
    if (r->s.request_id[0])
        v = jv_object_set(v, jv_string("request_id"), jv_string(r->s.request_id));
    if (b->n)
        v = jv_object_set(v, jv_string("override_reason"), jv_string(fc->override));
    v = jv_object_delete(v, jv_string("checksum"));
    const ro_guard *g = roster_guard(r->ro, tk_col(q, 2), err);
    if (!g) {
        jv_free(v);
        return err->code ? err->code
                         : err_set(err, EXIT_DATAERR, "timesheet %s: guard %s does not exist", id,
                                   tk_col(q, 2));
    }
    day_t pf, pt;
    period_parse(fc->period, &pf, &pt);
    strbuf days;
    sb_init(&days);
    sb_adds(&days, "{\"\":0");
    if (days_json(r, g, tk_col(q, 3), tk_col(q, 4), pf, pt, &days, err)) {
        sb_free(&days);
        jv_free(v);
        return err->code;
    }
    sb_addc(&days, '}');
    jv dj = jv_object_delete(jv_parse(days.s), jv_string(""));
    sb_free(&days);
    v = jv_object_merge(v, dj);
    char *draft = json_canonical(v), cs[80];
    char *sealed = seal(draft, cs);
    free(draft);
    static const char upd[] = "UPDATE timesheet SET status = 'FINALIZED', record = ?3,"
                              " checksum = ?4 WHERE timesheet_id = ?1 AND version = ?2"
                              " AND status = 'DRAFT'";
    sqlite3_stmt *u = NULL;
    int rc = store_prepare(&r->s, &u, upd, err);
    if (!rc) {
        sqlite3_bind_text(u, 1, id, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int(u, 2, version);
        sqlite3_bind_text(u, 3, sealed, -1, SQLITE_STATIC);
        sqlite3_bind_text(u, 4, cs, -1, SQLITE_STATIC);
        int src = sqlite3_step(u);
        if (src != SQLITE_DONE)
            rc = store_fail(&r->s, src, "finalizing a timesheet", err);
        sqlite3_finalize(u);
    }
    if (!rc)
        rc = store_emit(&r->s, "TimesheetFinalized", "timesheet", id, sealed, strlen(sealed), err);
    if (!rc) {
        sb_adds(&r->outbuf, sealed);
        sb_addc(&r->outbuf, '\n');
        fc->n->finalized++;
    }
    free(sealed);
    return rc;
}

int timesheet_finalize(tk_run *r, const char *period, const char *guard, const char *override,
                       ts_counts *n, armms_err *err)
{
    blockers b = {0};
    sb_init(&b.text);
    sb_init(&b.recs);
    memset(n, 0, sizeof *n);
    struct fin fc = {n, override, period};
    int rc = refresh(r, period, guard, err);
    if (!rc)
        rc = store_begin(&r->s, err);
    if (!rc) {
        rc = each_draft(r, period, guard, &b, finalize_one, &fc, err);
        if (!rc)
            rc = store_commit(&r->s, err);
        else
            store_rollback(&r->s);
    }
    sqlite3_finalize(b.inc);
    sqlite3_finalize(b.rev);
    sb_free(&b.text);
    sb_free(&b.recs);
    if (rc) {
        sb_reset(&r->outbuf);
        return rc;
    }
    return tk_run_write(r, err);
}

int timesheet_finalize_change(tk_run *r, struct change *ch, const char *period, const char *guard,
                              const char *override, ts_counts *n, FILE *out, int *made,
                              armms_err *err)
{
    *made = 0;
    if (change_begin(ch, &r->s, err) || timesheet_finalize(r, period, guard, override, n, err))
        return err->code;
    if (!ch->requesting)
        return 0;
    /* the effect is what timesheet_apply reads back */
    char summary[300];
    snprintf(summary, sizeof summary, "finalize %s%s%s: %ld timesheets (%ld blocked%s)", period,
             guard ? " for " : "", guard ? guard : "", n->finalized, n->blocked,
             override ? ", overridden" : "");
    jv e = jv_object();
    e = jv_object_set(e, jv_string("period"), jv_string(period));
    if (guard)
        e = jv_object_set(e, jv_string("guard"), jv_string(guard));
    if (override)
        e = jv_object_set(e, jv_string("override"), jv_string(override));
    return change_submit(ch, e, summary, out, made, err);
}

struct fin_effect {
    const char *period, *guard, *override;
};

static int finalize_fn(tk_run *r, void *ctx, armms_err *err)
{
    struct fin_effect *f = ctx;
    ts_counts n;
    return timesheet_finalize(r, f->period, f->guard, f->override, &n, err);
}

int timesheet_apply(struct change *ch, jv effect, FILE *out, reject_sink *rej, armms_err *err)
{
    struct fin_effect f = {json_str_peek(effect, "period", NULL),
                           json_str_peek(effect, "guard", NULL),
                           json_str_peek(effect, "override", NULL)};
    int rc = f.period
                 ? tk_run_apply(ch, &timesheet_stage, out, rej, finalize_fn, &f, err)
                 : err_set(err, EXIT_SOFTWARE, "change request %s: no period", ch->request_id);
    jv_free(effect); /* f's strings lived in it */
    return rc;
}
