/*
 * blockers.c - validation of a period's timesheets (see timesheet.h): what
 * stops each DRAFT from being finalized - its INCOMPLETE DTRs and the open
 * time logs that need review - and the open time logs of guards with no
 * timesheet in the period, each as a Blocker record; and the walk over a
 * period's drafts that finalization (snapshot.c) shares.
 *
 * Invariants:
 *  - validation and finalization first recompute the period quietly
 *    (ts_refresh), so they judge the drafts as the store has them;
 *  - an open time log with a shift blocks only the guard's timesheet of
 *    its detachment and shift; one without a shift blocks each of them;
 *  - the only output of validation is Blocker records (its recompute
 *    prints nothing; the drafts it refreshes are stored as usual).
 */
#include <stdlib.h>
#include <string.h>

#include "tk/stale.h"
#include "tk/timesheet.h"
#include "tk/timesheet_int.h"

static const char sql_drafts[] =
    "SELECT timesheet_id, version, guard_id, detachment_id, shift_id, record, minutes"
    " FROM timesheet"
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
    "SELECT time_log_id, guard_id, work_date, anomalies, coalesce(detachment_id, ''),"
    " coalesce(shift_id, '') FROM time_log WHERE open = 1 AND work_date BETWEEN ?1 AND ?2 AND (?4 "
    "IS NULL OR guard_id = ?4)"
    " AND guard_id NOT IN (SELECT guard_id FROM timesheet WHERE period_id = ?3)"
    " ORDER BY guard_id, ts";

/* The command that clears a blocker, in fix (the timekeeper fills in
 * what only they know: the time, the reason). det and shift: where the
 * time log or DTR sits, "" when unknown. */
static void fix_for(strbuf *fix, const char *tenant, const char *code, const char *codes,
                    const char *guard, const char *date, const char *log_id, const char *det,
                    const char *shift)
{
    char where[200] = "";
    if (*shift)
        snprintf(where, sizeof where, " --shift %s --date %s", shift, date);
    char at[80] = "";
    if (*det)
        snprintf(at, sizeof at, " --detachment %s", det);
    sb_reset(fix);
    sb_addf(fix, "armms-timelog -t %s adjust ", tenant);
    if (!strcmp(code, "INCOMPLETE_DTR") && strstr(codes, "MISSING_OUT"))
        sb_addf(fix, "add --guard %s --type OUT --ts TIME%s%s --reason TEXT", guard, where, at);
    else if (!strcmp(code, "INCOMPLETE_DTR") && strstr(codes, "MISSING_IN"))
        sb_addf(fix, "add --guard %s --type IN --ts TIME%s%s --reason TEXT", guard, where, at);
    else if (!strcmp(code, "INCOMPLETE_DTR")) /* OUT_BEFORE_IN: a punch of the wrong type */
        sb_addf(fix, "void TIME_LOG_ID --reason TEXT (the wrong punch of %s %s), then add", guard,
                date);
    else if (strstr(codes, "WRONG_DETACHMENT")) /* punched at another post's device */
        sb_addf(fix, "move %s%s%s --reason TEXT", log_id ? log_id : "TIME_LOG_ID",
                *where ? where : " --shift S --date D", at);
    else if (strstr(codes, "OUT_WITHOUT_IN"))
        sb_addf(fix, "add --guard %s --type IN --ts TIME%s%s --reason TEXT", guard, where, at);
    else if (strstr(codes, "DUPLICATE_PUNCH"))
        sb_addf(fix, "void %s --reason TEXT", log_id ? log_id : "TIME_LOG_ID");
    else if (strstr(codes, "OFF_SHIFT"))
        sb_addf(fix, "move %s --shift S --date D --reason TEXT (or void it)",
                log_id ? log_id : "TIME_LOG_ID");
    else if (strstr(codes, "NO_ASSIGNMENT")) {
        sb_reset(fix);
        sb_addf(fix,
                "armms-import -t %s assignment (the guard's post on %s), or armms-timelog -t %s "
                "adjust void %s --reason TEXT",
                tenant, date, tenant, log_id ? log_id : "TIME_LOG_ID");
    } else
        sb_addf(fix, "move or void %s --reason TEXT", log_id ? log_id : "TIME_LOG_ID");
}

/* The adjust action of a fix, for the one-line Reject message. */
static void fix_short(strbuf *text, const char *fix)
{
    const char *a = strstr(fix, " adjust ");
    if (a) {
        a += 8;
        sb_addf(text, " (adjust %.*s)", (int)strcspn(a, " "), a);
    } else if (!strncmp(fix, "armms-import", 12)) {
        sb_adds(text, " (import an assignment)");
    } else {
        sb_addf(text, " (%.*s)", (int)strcspn(fix, " "), fix);
    }
}

static const char sql_drafted[] =
    "SELECT 1 FROM timesheet WHERE guard_id = ?1 AND period_id = ?2 AND status = 'DRAFT'";

static void blocker_fix(blockers *b, const char *ts_id, const char *guard, const char *period,
                        const char *code, const char *date, const char *log_id, const char *codes,
                        const char *fix, const char *extra)
{
    b->n++;
    if (b->text.len < 400) {
        sb_addf(&b->text, "%s%s %s%s%s", b->n > 1 ? "; " : "", code, date, *codes ? " " : "",
                codes);
        fix_short(&b->text, fix);
    }
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
    if (extra)
        sb_adds(&b->recs, extra);
    sb_add_json_kv(&b->recs, "fix", fix);
    sb_adds(&b->recs, "}\n");
}

static void blocker(tk_run *r, blockers *b, const char *ts_id, const char *guard,
                    const char *period, const char *code, const char *date, const char *log_id,
                    const char *codes, const char *det, const char *shift)
{
    strbuf fix;
    sb_init(&fix);
    fix_for(&fix, r->t->id, code, codes, guard, date, log_id, det, shift);
    blocker_fix(b, ts_id, guard, period, code, date, log_id, codes, fix.s, NULL);
    sb_free(&fix);
}

/* A mark of tk/stale.h as a Blocker: the rows under the timesheet are not
 * what the store now says, until the stage named recomputes them. */
struct stale_ctx {
    tk_run *r;
    blockers *b;
    const char *ts_id, *period;
    int timesheets;        /* 0: a draft's own blockers leave the timesheet's marks out */
    sqlite3_stmt *drafted; /* set: only guards without a draft in the period */
    armms_err *err;
};

static int stale_blocker(const tk_stale *m, void *ctx)
{
    struct stale_ctx *c = ctx;
    if (!c->timesheets && !strcmp(m->stage, "timesheet"))
        return 0;
    if (c->drafted) {
        sqlite3_bind_text(c->drafted, 1, m->guard, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(c->drafted, 2, c->period, -1, SQLITE_STATIC);
        int rc = sqlite3_step(c->drafted);
        sqlite3_reset(c->drafted);
        if (rc == SQLITE_ROW)
            return 0; /* one of its drafts says so */
        if (rc != SQLITE_DONE)
            return store_fail(&c->r->s, rc, "reading timesheets", c->err);
    }
    char fix[400];
    tk_stale_command(m->stage, c->r->t->id, fix, sizeof fix);
    strbuf extra;
    sb_init(&extra);
    sb_add_json_kv(&extra, "stage", m->stage);
    sb_add_json_kv(&extra, "to", m->to);
    sb_add_json_kv(&extra, "reason", m->reason);
    blocker_fix(c->b, c->ts_id, m->guard, c->period, "STALE", m->from, NULL, "", fix, extra.s);
    sb_free(&extra);
    return 0;
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
        blocker(r, b, ts_id, guard, period, "INCOMPLETE_DTR", tk_col(q, 0), NULL, tk_col(q, 1),
                det, shift);
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
        blocker(r, b, ts_id, guard, period, "NEEDS_REVIEW", tk_col(q, 1), tk_col(q, 0),
                tk_col(q, 2), ld, ls);
    }
    sqlite3_reset(q);
    if (rc != SQLITE_DONE)
        return store_fail(&r->s, rc, "reading time logs", err);
    struct stale_ctx c = {r, b, ts_id, period, 0, NULL, err};
    return tk_stale_each(r->s.db, period, guard, stale_blocker, &c, err);
}

/* Recompute the period quietly so the drafts reflect the store. */
int ts_refresh(tk_run *r, const char *period, const char *guard, armms_err *err)
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

int ts_each_draft(tk_run *r, const char *period, const char *guard, blockers *b,
                  int (*fn)(tk_run *, sqlite3_stmt *, blockers *, void *, armms_err *), void *ctx,
                  armms_err *err)
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
    long done = 0;
    while (!rc && (src = sqlite3_step(q)) == SQLITE_ROW) {
        if (!rbac_at(r->who, tk_col(q, 3)))
            continue; /* another detachment's, for an actor limited to theirs */
        b->n = 0;
        sb_reset(&b->text);
        rc = find_blockers(r, b, tk_col(q, 0), tk_col(q, 2), tk_col(q, 3), tk_col(q, 4), period,
                           err);
        if (!rc)
            rc = fn(r, q, b, ctx, err);
        progress_tick(r->progress, ++done, 0, "timesheets");
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
        blocker(r, b, NULL, tk_col(q, 1), period, "NEEDS_REVIEW", tk_col(q, 2), tk_col(q, 0),
                tk_col(q, 3), tk_col(q, 4), tk_col(q, 5));
    sqlite3_finalize(q);
    if (rc != SQLITE_DONE)
        return store_fail(&r->s, rc, "reading time logs", err);
    /* marks of guards with no draft here: a sealed timesheet's late
     * change, or DTRs with no timesheet yet */
    struct stale_ctx c = {r, b, NULL, period, 1, NULL, err};
    if (store_prepare(&r->s, &c.drafted, sql_drafted, err))
        return err->code;
    rc = tk_stale_each(r->s.db, period, guard, stale_blocker, &c, err);
    sqlite3_finalize(c.drafted);
    return rc;
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
    int rc = tk_stale_pull(r, 0, err) || ts_refresh(r, period, guard, err) ? err->code : 0;
    if (!rc)
        rc = ts_each_draft(r, period, guard, &b, validate_one, n, err);
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
