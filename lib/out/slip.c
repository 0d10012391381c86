/*
 * slip.c - gathers a guard's payslip from the approved run (out/slip.h
 * says what comes from where), and the cell formats both writers share.
 * Reads only; every statement here is a SELECT.
 */
#include <stdlib.h>
#include <string.h>

#include "out/sheets.h"
#include "out/slip.h"
#include "pay/payrun.h"

static int prep(const slip_run *r, sqlite3_stmt **st, const char *sql, armms_err *err)
{
    return store_prepare(r->s, st, sql, err);
}

static void copy_col(sqlite3_stmt *st, int i, char *buf, size_t n)
{
    const unsigned char *v = sqlite3_column_text(st, i);
    snprintf(buf, n, "%s", v ? (const char *)v : "");
}

static char *dup_col(sqlite3_stmt *st, int i)
{
    const unsigned char *v = sqlite3_column_text(st, i);
    return xstrdup(v ? (const char *)v : "");
}

static const char run_sql[] =
    "SELECT r.status, coalesce(r.approved_at, r.closed_at, ''), coalesce(p.from_date, ''),"
    " coalesce(p.to_date, ''), coalesce(p.pay_date, '')"
    " FROM payrun r LEFT JOIN period p ON p.period_id = r.period_id WHERE r.period_id = ?1";

int slip_run_open(slip_run *r, store_t *s, const tenant_t *t, const char *period, armms_err *err)
{
    memset(r, 0, sizeof *r);
    r->s = s;
    snprintf(r->period, sizeof r->period, "%s", period);
    snprintf(r->agency, sizeof r->agency, "%s", t->id);
    for (int i = 0; i < t->nconf; i++)
        if (!strcmp(t->conf[i].key, "agency_name") && t->conf[i].val[0])
            snprintf(r->agency, sizeof r->agency, "%s", t->conf[i].val);
    sqlite3_stmt *st = NULL;
    if (prep(r, &st, run_sql, err))
        return err->code;
    sqlite3_bind_text(st, 1, period, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        copy_col(st, 0, r->status, sizeof r->status);
        copy_col(st, 1, r->stamp, sizeof r->stamp);
        copy_col(st, 2, r->from, sizeof r->from);
        copy_col(st, 3, r->to, sizeof r->to);
        copy_col(st, 4, r->pay_date, sizeof r->pay_date);
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return store_fail(s, rc, "reading the payrun", err);
    if (rc == SQLITE_DONE)
        return err_set(err, EXIT_DATAERR, "no payrun for %s: payslips come from an approved run",
                       period);
    if (strcmp(r->status, "APPROVED") && strcmp(r->status, "CLOSED"))
        return err_set(err, EXIT_DATAERR,
                       "the payrun of %s is %s: payslips come from an approved run only"
                       " (armms-payrun approve %s)",
                       period, r->status, period);
    if (!r->stamp[0]) /* an approved run always has approved_at; keep the file dated anyway */
        snprintf(r->stamp, sizeof r->stamp, "%sT00:00:00Z", r->to);
    return 0;
}

int slip_run_guards(const slip_run *r, char ***ids, size_t *n, armms_err *err)
{
    sqlite3_stmt *st = NULL;
    *ids = NULL;
    *n = 0;
    if (prep(r, &st,
             "SELECT guard_id FROM paysheet WHERE period_id = ?1"
             " AND" OUT_SHEET_APPROVED("") " ORDER BY guard_id",
             err))
        return err->code;
    sqlite3_bind_text(st, 1, r->period, -1, SQLITE_STATIC);
    size_t cap = 0;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (*n == cap)
            *ids = xrealloc(*ids, (cap = cap ? 2 * cap : 64) * sizeof **ids);
        (*ids)[(*n)++] = dup_col(st, 0);
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return store_fail(r->s, rc, "listing the approved paysheets", err);
    return 0;
}

/* ---- the parts of one slip ------------------------------------------- */

static int load_paysheet(const slip_run *r, out_slip *sl, rejection *rj, armms_err *err)
{
    sqlite3_stmt *st = NULL;
    if (prep(r, &st,
             "SELECT record FROM paysheet WHERE period_id = ?1 AND guard_id = ?2"
             " AND" OUT_SHEET_APPROVED(""),
             err))
        return err->code;
    sqlite3_bind_text(st, 1, r->period, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, sl->guard_id, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        const char *text = (const char *)sqlite3_column_text(st, 0);
        sl->paysheet = jv_parse(text ? text : "");
    }
    sqlite3_finalize(st);
    if (rc == SQLITE_DONE)
        return rejection_set(rj, "NO_PAYSHEET", "%s has no approved paysheet in %s", sl->guard_id,
                             r->period);
    if (rc != SQLITE_ROW)
        return store_fail(r->s, rc, "reading a paysheet", err);
    if (jv_get_kind(sl->paysheet) != JV_KIND_OBJECT)
        return err_set(err, EXIT_SOFTWARE, "paysheet %s/%s: the stored record is not JSON",
                       r->period, sl->guard_id);
    return 0;
}

static const char guard_sql[] =
    "SELECT g.employee_no, g.last_name, g.first_name, coalesce(p.name, g.position_id)"
    " FROM hr.guard g LEFT JOIN hr.position p ON p.position_id = g.position_id"
    " WHERE g.guard_id = ?1";

static int load_guard(const slip_run *r, out_slip *sl, rejection *rj, armms_err *err)
{
    sqlite3_stmt *st = NULL;
    if (prep(r, &st, guard_sql, err))
        return err->code;
    sqlite3_bind_text(st, 1, sl->guard_id, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        const char *last = (const char *)sqlite3_column_text(st, 1);
        const char *first = (const char *)sqlite3_column_text(st, 2);
        sl->employee_no = dup_col(st, 0);
        sl->name = xasprintf("%s, %s", last ? last : "", first ? first : "");
        sl->position = dup_col(st, 3);
    }
    sqlite3_finalize(st);
    if (rc == SQLITE_DONE)
        return rejection_set(rj, "NO_GUARD", "guard %s of paysheet %s/%s is not in hr.db",
                             sl->guard_id, r->period, sl->guard_id);
    if (rc != SQLITE_ROW)
        return store_fail(r->s, rc, "reading a guard", err);
    return 0;
}

/* The detachment of a snapshot: timesheet ids are PERIOD/GUARD/DET/SHIFT. */
static int detachment_of(const char *timesheet_id, char *out, size_t n)
{
    const char *p = timesheet_id;
    for (int i = 0; i < 2 && p; i++)
        if ((p = strchr(p, '/')))
            p++;
    const char *end = p ? strchr(p, '/') : NULL;
    if (!p || !end || end == p || (size_t)(end - p) >= n)
        return -1;
    memcpy(out, p, end - p);
    out[end - p] = 0;
    return 0;
}

static void add_name(strbuf *b, sqlite3_stmt *name, const char *det)
{
    sqlite3_reset(name);
    sqlite3_bind_text(name, 1, det, -1, SQLITE_TRANSIENT);
    const char *shown = det;
    if (sqlite3_step(name) == SQLITE_ROW && sqlite3_column_text(name, 0))
        shown = (const char *)sqlite3_column_text(name, 0);
    if (b->len)
        sb_adds(b, ", ");
    sb_adds(b, shown);
}

/* The detachments of the snapshots priced, in the record's order, once
 * each; without any, the assignments valid in the period. */
static int load_detachments(const slip_run *r, out_slip *sl, armms_err *err)
{
    sqlite3_stmt *name = NULL, *asg = NULL;
    if (prep(r, &name, "SELECT name FROM hr.detachment WHERE detachment_id = ?1", err) ||
        prep(r, &asg,
             "SELECT detachment_id FROM hr.assignment WHERE guard_id = ?1 AND valid_from <= ?3"
             " AND (valid_to IS NULL OR valid_to >= ?2) GROUP BY detachment_id"
             " ORDER BY min(valid_from), detachment_id",
             err)) {
        sqlite3_finalize(name);
        return err->code;
    }
    strbuf b, seen;
    sb_init(&b);
    sb_init(&seen);
    sb_addc(&seen, '\n');
    jv src = jv_object_get(jv_copy(sl->paysheet), jv_string("sources"));
    int n = jv_get_kind(src) == JV_KIND_ARRAY ? jv_array_length(jv_copy(src)) : 0;
    for (int i = 0; i < n; i++) {
        jv one = jv_array_get(jv_copy(src), i);
        char det[128], key[132];
        if (!detachment_of(slip_str(one, "timesheet_id"), det, sizeof det)) {
            snprintf(key, sizeof key, "\n%s\n", det);
            if (!strstr(seen.s, key)) {
                sb_addf(&seen, "%s\n", det);
                add_name(&b, name, det);
            }
        }
        jv_free(one);
    }
    jv_free(src);
    int rc = SQLITE_DONE;
    if (!b.len) {
        sqlite3_bind_text(asg, 1, sl->guard_id, -1, SQLITE_STATIC);
        sqlite3_bind_text(asg, 2, r->from, -1, SQLITE_STATIC);
        sqlite3_bind_text(asg, 3, r->to, -1, SQLITE_STATIC);
        while ((rc = sqlite3_step(asg)) == SQLITE_ROW)
            add_name(&b, name, (const char *)sqlite3_column_text(asg, 0));
    }
    sqlite3_finalize(name);
    sqlite3_finalize(asg);
    sb_free(&seen);
    sl->detachments = b.s ? b.s : xstrdup("");
    if (rc != SQLITE_DONE)
        return store_fail(r->s, rc, "reading the detachments", err);
    return 0;
}

/* Loan balances after the period (slip.h): DUE rows, and APPLIED rows of a
 * later period; WAIVED and DEFERRED rows moved their amount elsewhere. */
static const char loan_sql[] =
    "SELECT o.obligation_id, o.code, o.label,"
    " (SELECT coalesce(sum(x.amount), 0) FROM obligation_schedule x"
    "   WHERE x.obligation_id = o.obligation_id"
    "   AND (x.status = 'DUE' OR (x.status = 'APPLIED' AND x.period_id > ?2)))"
    " FROM obligation o WHERE o.guard_id = ?1 AND o.kind = 'loan' AND o.start_period <= ?2"
    " AND EXISTS (SELECT 1 FROM obligation_schedule y WHERE y.obligation_id = o.obligation_id)"
    " ORDER BY o.obligation_id";

static int load_loans(const slip_run *r, out_slip *sl, armms_err *err)
{
    sqlite3_stmt *st = NULL;
    if (prep(r, &st, loan_sql, err))
        return err->code;
    sqlite3_bind_text(st, 1, sl->guard_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, r->period, -1, SQLITE_STATIC);
    size_t cap = 0;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (sl->nloans == cap)
            sl->loans = xrealloc(sl->loans, (cap = cap ? 2 * cap : 4) * sizeof *sl->loans);
        slip_loan *l = &sl->loans[sl->nloans++];
        l->obligation_id = dup_col(st, 0);
        l->code = dup_col(st, 1);
        l->label = dup_col(st, 2);
        l->balance_c = sqlite3_column_int64(st, 3);
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return store_fail(r->s, rc, "reading the loans", err);
    return 0;
}

/* Year to date (slip.h): sums over the guard's approved paysheets of the
 * year up to and including this period. */
static const char ytd_sql[] =
    "WITH ps AS (SELECT p.gross, p.record FROM paysheet p JOIN payrun r"
    "   ON r.period_id = p.period_id AND" OUT_RUN_APPROVED(
        "r.") "   WHERE p.guard_id = ?1 AND" OUT_SHEET_APPROVED("p.") "   AND p.period_id >= ?2 "
                                                                      "AND p.period_id <= ?3),"
                                                                      " d AS (SELECT "
                                                                      "json_extract(e.value, "
                                                                      "'$.kind') AS kind,"
                                                                      "   json_extract(e.value, "
                                                                      "'$.code') AS code, "
                                                                      "json_extract(e.value, "
                                                                      "'$.amount') AS amount"
                                                                      "   FROM ps, "
                                                                      "json_each(ps.record, "
                                                                      "'$.deductions') e"
                                                                      "   WHERE "
                                                                      "json_extract(e.value, "
                                                                      "'$.status') = 'APPLIED')"
                                                                      " SELECT (SELECT count(*) "
                                                                      "FROM ps), (SELECT "
                                                                      "coalesce(sum(gross), 0) "
                                                                      "FROM ps),"
                                                                      " (SELECT "
                                                                      "coalesce(sum(amount), 0) "
                                                                      "FROM d WHERE kind = 'tax'),"
                                                                      " (SELECT "
                                                                      "coalesce(sum(amount), 0) "
                                                                      "FROM d WHERE kind = "
                                                                      "'statutory' AND code = "
                                                                      "'SSS'),"
                                                                      " (SELECT "
                                                                      "coalesce(sum(amount), 0) "
                                                                      "FROM d WHERE kind = "
                                                                      "'statutory' AND code = "
                                                                      "'PHILHEALTH'),"
                                                                      " (SELECT "
                                                                      "coalesce(sum(amount), 0) "
                                                                      "FROM d WHERE kind = "
                                                                      "'statutory' AND code = "
                                                                      "'HDMF')";

static int load_ytd(const slip_run *r, out_slip *sl, armms_err *err)
{
    char first[16];
    snprintf(first, sizeof first, "%.4s-01-A", r->period);
    sl->ytd.year = atoi(r->period);
    sqlite3_stmt *st = NULL;
    if (prep(r, &st, ytd_sql, err))
        return err->code;
    sqlite3_bind_text(st, 1, sl->guard_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, first, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, r->period, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        sl->ytd.paysheets = sqlite3_column_int64(st, 0);
        sl->ytd.gross_c = sqlite3_column_int64(st, 1);
        sl->ytd.tax_c = sqlite3_column_int64(st, 2);
        sl->ytd.sss_c = sqlite3_column_int64(st, 3);
        sl->ytd.philhealth_c = sqlite3_column_int64(st, 4);
        sl->ytd.hdmf_c = sqlite3_column_int64(st, 5);
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_ROW)
        return store_fail(r->s, rc, "summing the year to date", err);
    return 0;
}

int slip_load(const slip_run *r, const char *guard, out_slip *sl, rejection *rj, armms_err *err)
{
    memset(sl, 0, sizeof *sl);
    sl->run = r;
    sl->guard_id = xstrdup(guard);
    sl->paysheet = jv_null();
    int rc = load_paysheet(r, sl, rj, err);
    if (!rc)
        rc = load_guard(r, sl, rj, err);
    if (!rc)
        rc = load_detachments(r, sl, err);
    if (!rc)
        rc = load_loans(r, sl, err);
    if (!rc)
        rc = load_ytd(r, sl, err);
    return rc;
}

void slip_free(out_slip *sl)
{
    free(sl->guard_id);
    free(sl->employee_no);
    free(sl->name);
    free(sl->position);
    free(sl->detachments);
    jv_free(sl->paysheet);
    for (size_t i = 0; i < sl->nloans; i++) {
        free(sl->loans[i].obligation_id);
        free(sl->loans[i].code);
        free(sl->loans[i].label);
    }
    free(sl->loans);
    memset(sl, 0, sizeof *sl);
    sl->paysheet = jv_null();
}

/* ---- cells ------------------------------------------------------------ */

void slip_money(money_t c, char buf[32])
{
    /* money_t is at most 19 digits: group the pesos by threes */
    unsigned long long a = c < 0 ? -(unsigned long long)c : (unsigned long long)c;
    char digits[24];
    int n = snprintf(digits, sizeof digits, "%llu", a / 100), o = 0;
    if (c < 0)
        buf[o++] = '-';
    for (int i = 0; i < n; i++) {
        if (i && (n - i) % 3 == 0)
            buf[o++] = ',';
        buf[o++] = digits[i];
    }
    snprintf(buf + o, 32 - o, ".%02llu", a % 100);
}

void slip_hours(long min, char buf[16])
{
    long a = min < 0 ? -min : min;
    snprintf(buf, 16, "%s%ld:%02ld", min < 0 ? "-" : "", a / 60, a % 60);
}

void slip_percent(long bp, char buf[16])
{
    if (bp % 100 == 0)
        snprintf(buf, 16, "%ld%%", bp / 100);
    else if (bp % 10 == 0)
        snprintf(buf, 16, "%ld.%ld%%", bp / 100, (bp % 100) / 10);
    else
        snprintf(buf, 16, "%ld.%02ld%%", bp / 100, bp % 100);
}

void slip_dates(const char *from, const char *to, char buf[16])
{
    /* "YYYY-MM-DD" -> "MM/DD"; one date when the line covers one day */
    if (strlen(from) < 10 || strlen(to) < 10) {
        snprintf(buf, 16, "%s", from);
        return;
    }
    if (!strcmp(from, to))
        snprintf(buf, 16, "%.2s/%.2s", from + 5, from + 8);
    else
        snprintf(buf, 16, "%.2s/%.2s-%.2s/%.2s", from + 5, from + 8, to + 5, to + 8);
}

money_t slip_int(jv obj, const char *key, int *present)
{
    jv v = jv_object_get(jv_copy(obj), jv_string(key));
    money_t out = 0;
    int have = jv_get_kind(v) == JV_KIND_NUMBER;
    if (have)
        out = (money_t)jv_number_value(v);
    jv_free(v);
    if (present)
        *present = have;
    return out;
}

const char *slip_str(jv obj, const char *key)
{
    if (jv_get_kind(obj) != JV_KIND_OBJECT)
        return "";
    jv v = jv_object_get(jv_copy(obj), jv_string(key));
    const char *s = jv_get_kind(v) == JV_KIND_STRING ? jv_string_value(v) : "";
    jv_free(v); /* obj still holds the string */
    return s;
}

void slip_earning_cells(jv l, slip_earning *e)
{
    int has_min, has_rate, has_mult;
    memset(e, 0, sizeof *e);
    e->label = slip_line_label(l);
    long min = slip_int(l, "minutes", &has_min);
    money_t dr = slip_int(l, "daily_rate", &has_rate);
    long bp = slip_int(l, "multiplier", &has_mult);
    slip_dates(slip_str(l, "from"), slip_str(l, "to"), e->dates);
    if (has_min)
        slip_hours(min, e->hours);
    if (has_rate)
        slip_money(dr, e->rate);
    if (has_mult)
        slip_percent(bp, e->mult);
    slip_money(slip_int(l, "amount", NULL), e->amount);
}

char *slip_line_label(jv line)
{
    const char *label = slip_str(line, "label"), *adj = slip_str(line, "adjusts_period");
    if (adj[0])
        return xasprintf("%s (corrects %s)", label, adj);
    return xstrdup(label);
}

void slip_ded_status(jv ded, char buf[64])
{
    const char *st = slip_str(ded, "status");
    buf[0] = 0;
    if (!st[0] || !strcmp(st, "APPLIED"))
        return;
    jv w = jv_object_get(jv_copy(ded), jv_string("waiver"));
    const char *to = slip_str(w, "to_period");
    if (to[0])
        snprintf(buf, 64, "%s to %s", st, to);
    else
        snprintf(buf, 64, "%s", st);
    jv_free(w);
}
