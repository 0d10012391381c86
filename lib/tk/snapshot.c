/*
 * snapshot.c - what a timesheet version states (see timesheet.h): its
 * record, the per-day part of the snapshot (day lines and unworked-holiday
 * facts), the comparable content, sealing with a checksum, ADJUSTED
 * versions with their delta, and finalization (direct, through a change
 * request, or applied from one).
 *
 * Invariants:
 *  - The stored `minutes` text of a version is its comparable content:
 *    "buckets|worked,regular,ot,nd,nd_ot,late,undertime|days_worked,
 *    days_absent,days_incomplete[,days_leave]|H" (days_leave only when
 *    there is some, so a draft whose only change is a day of leave is
 *    written again and its sealed record counts it), H the SHA-256 of the per-day part of
 *    the snapshot (its days and unworked_holidays, as ts_days_json writes
 *    them), so a change there seals a new version too. A draft carries no
 *    day lines, so its H is that of the empty text and a draft is
 *    recomputed by its sums alone; finalizing stores the sealed version's
 *    own H. A sealed version stored before H existed compares by its sums
 *    alone.
 *  - A sealed record is canonical JSON whose checksum is "sha256:" +
 *    SHA-256 of the canonical JSON without the checksum field.
 *  - Finalization seals only a DRAFT, and only one without blockers unless
 *    an override reason is given (recorded as override_reason).
 */
#include <stdlib.h>
#include <string.h>

#include "core/daytype.h"
#include "core/ndjson.h"
#include "core/sha.h"
#include "iam/change.h"
#include "tk/stale.h"
#include "tk/timesheet.h"
#include "tk/timesheet_int.h"

static const char *const tot_names[NTOT] = {"worked", "regular", "ot",       "nd",
                                            "nd_ot",  "late",    "undertime"};

static void sum_text(strbuf *b, ts_sum *s)
{
    buckets_format(b, s->by_type);
    sb_adds(b, "|");
    for (int k = 0; k < NTOT; k++)
        sb_addf(b, "%s%d", k ? "," : "", s->tot[k]);
    sb_addf(b, "|%d,%d,%d", s->days[0], s->days[1], s->days[2]);
    /* leave days only when there are some, so a text written before leave
     * existed, or of a timesheet without any, is what it was */
    if (s->days[3])
        sb_addf(b, ",%d", s->days[3]);
}

static int sum_parse(const char *text, ts_sum *s)
{
    memset(s->by_type, 0, sizeof s->by_type);
    s->days[3] = 0; /* in the text only when there are some */
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
    int *f = s->tot, end = 0;
    if (sscanf(bar + 1, "%d,%d,%d,%d,%d,%d,%d|%d,%d,%d%n", &f[0], &f[1], &f[2], &f[3], &f[4],
               &f[5], &f[6], &s->days[0], &s->days[1], &s->days[2], &end) != 10)
        return -1;
    if (bar[1 + end] == ',' && sscanf(bar + 2 + end, "%d", &s->days[3]) != 1)
        return -1;
    return 0;
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
    if (s->days[3]) /* only when there is leave: records without it stay as they were */
        sb_addf(b, ",\"days_leave\":%d", s->days[3]);
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

/* The leave of a DTR row (columns c, c+1, c+2: code, name, paid) as
 * ,"leave":{...}, or nothing when the row is not LEAVE. */
static void leave_json(strbuf *b, sqlite3_stmt *q, int c)
{
    if (sqlite3_column_type(q, c) == SQLITE_NULL)
        return;
    sb_adds(b, ",\"leave\":{\"code\":");
    sb_add_json_str(b, tk_col(q, c), strlen(tk_col(q, c)));
    sb_add_json_kv(b, "name", tk_col(q, c + 1));
    sb_addf(b, ",\"paid\":%s}", sqlite3_column_int(q, c + 2) ? "true" : "false");
}

/* The guard's best DTR status on date d over all its timesheets (COMPLETE,
 * INCOMPLETE, LEAVE, ABSENT), into st, and its leave as leave_json writes
 * it into lv (when lv is not NULL); "" when it has no DTR that day. */
static int status_on(tk_run *r, const char *guard, day_t d, char st[12], strbuf *lv,
                     armms_err *err)
{
    ts_eng *e = r->eng;
    char date[11];
    date_format(d, date);
    sqlite3_stmt *q = e->q_on;
    sqlite3_bind_text(q, 1, guard, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 2, date, -1, SQLITE_STATIC);
    int rc = sqlite3_step(q);
    st[0] = 0;
    if (rc == SQLITE_ROW) {
        snprintf(st, 12, "%s", tk_col(q, 0));
        if (lv)
            leave_json(lv, q, 1);
    }
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
int ts_days_json(tk_run *r, const ro_guard *g, const char *det, const char *shift, day_t pf,
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
        sb_addc(b, '}');
        leave_json(b, q, 11);
        sb_addc(b, '}');
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
        if (status_on(r, g->id, d, st, NULL, err))
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
        strbuf lv;
        sb_init(&lv);
        if (status_on(r, g->id, last, st, &lv, err)) {
            sb_free(&lv);
            return err->code;
        }
        date_format(last, date);
        sb_addf(b, ",\"last_scheduled\":{\"date\":\"%s\"", date);
        status_json(b, st);
        /* present: worked; on leave, the leave says whether it was paid */
        sb_addf(b, ",\"present\":%s", strcmp(st, "COMPLETE") ? "false" : "true");
        if (lv.len)
            sb_add(b, lv.s, lv.len);
        sb_adds(b, "}}");
        sb_free(&lv);
    }
    sb_addc(b, ']');
    return 0;
}

/* The comparable text of a version: the sums and the digest of days. */
void ts_content_text(strbuf *b, ts_sum *s, const char *days)
{
    char hex[65];
    sum_text(b, s);
    sha256_hex(days, strlen(days), hex);
    sb_addf(b, "|%s", hex);
}

/* Whether the latest version x holds the content text. */
int ts_same_content(const ts_latest *x, const char *text)
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

/* The record without checksum (sealed: extra holds its further fields). */
void ts_record_json(strbuf *b, const ts_key *k, ts_sum *s, int version, const char *status,
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

/* A sealed version changed: write the ADJUSTED one and journal the delta. */
int ts_adjust_sealed(tk_run *r, const ts_key *k, ts_sum *now, ts_latest *l, const char *days,
                     const char *text, armms_err *err)
{
    ts_sum before;
    if (sum_parse(l->minutes, &before))
        return err_set(err, EXIT_SOFTWARE, "timesheet %s version %d: damaged minutes", k->id,
                       l->version);
    jv old = jv_parse(l->record);
    /* the sums' text has no leave days (texts sealed before them compare
     * equal): the sealed record says how many, absent when none */
    jv leave = jv_object_get(jv_copy(old), jv_string("days_leave"));
    before.days[3] = jv_get_kind(leave) == JV_KIND_NUMBER ? (int)jv_number_value(leave) : 0;
    jv_free(leave);
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
    ts_record_json(&rec, k, now, l->version + 1, "ADJUSTED", extra.s);
    char cs[80];
    char *sealed = seal(rec.s, cs);
    int rc = ts_put_version(r, k, l->version + 1, "ADJUSTED", sealed, cs, text, err);
    if (!rc) {
        sb_addf(&pl, "{\"timesheet_id\":");
        sb_add_json_str(&pl, k->id, strlen(k->id));
        sb_addf(&pl, ",\"version\":%d,\"before\":{\"version\":%d,\"checksum\":\"%s\"",
                l->version + 1, l->version, old_cs);
        sum_json(&pl, &before);
        /* after: the sealed record itself, so a consumer of the journal
         * (payroll) can verify its checksum and land it without tk.db */
        sb_adds(&pl, "},\"after\":");
        sb_adds(&pl, sealed);
        sb_adds(&pl, ",\"delta\":");
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
                      "timesheet %s is blocked (%d): %s; fix each as armms-timesheet --validate "
                      "says, or finalize with --override REASON",
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
    if (ts_days_json(r, g, tk_col(q, 3), tk_col(q, 4), pf, pt, &days, err)) {
        sb_free(&days);
        jv_free(v);
        return err->code;
    }
    /* The sealed version's content text: the draft's sums and the digest
     * of the day lines it now carries (ts_content_text). */
    const char *dm = tk_col(q, 6);
    int bars = 0;
    for (const char *p = dm; *p; p++)
        bars += *p == '|';
    /* "buckets|totals|days|H"; a draft made before the digest existed has no |H */
    size_t keep = bars == 3 ? (size_t)(strrchr(dm, '|') - dm) : strlen(dm);
    char hex[65];
    sha256_hex(days.s + 5, strlen(days.s + 5), hex); /* after the "{\"\":0" prefix */
    char *content = xasprintf("%.*s|%s", (int)keep, dm, hex);
    sb_addc(&days, '}');
    jv dj = jv_object_delete(jv_parse(days.s), jv_string(""));
    sb_free(&days);
    v = jv_object_merge(v, dj);
    char *draft = json_canonical(v), cs[80];
    char *sealed = seal(draft, cs);
    free(draft);
    static const char upd[] = "UPDATE timesheet SET status = 'FINALIZED', record = ?3,"
                              " checksum = ?4, minutes = ?5 WHERE timesheet_id = ?1"
                              " AND version = ?2 AND status = 'DRAFT'";
    sqlite3_stmt *u = NULL;
    int rc = store_prepare(&r->s, &u, upd, err);
    if (!rc) {
        sqlite3_bind_text(u, 1, id, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int(u, 2, version);
        sqlite3_bind_text(u, 3, sealed, -1, SQLITE_STATIC);
        sqlite3_bind_text(u, 4, cs, -1, SQLITE_STATIC);
        sqlite3_bind_text(u, 5, content, -1, SQLITE_STATIC);
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
    free(content);
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
    int rc = tk_stale_pull(r, 0, err) || ts_refresh(r, period, guard, err) ? err->code : 0;
    if (!rc)
        rc = store_begin(&r->s, err);
    if (!rc) {
        rc = ts_each_draft(r, period, guard, &b, finalize_one, &fc, err);
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
