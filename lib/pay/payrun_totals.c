/*
 * payrun_totals.c - a period's counts, totals and blockers, summed from its
 * stored paysheets with SQLite's JSON functions, and the Payrun record.
 */
#include "pay/payrun_int.h"

#include <string.h>

static void add_deduction(totals *t, const char *code, const char *kind, const char *status,
                          money_t amount, money_t er, money_t ec)
{
    if (strcmp(status, "DEFERRED") == 0) {
        t->deferred += amount;
        return;
    }
    if (strcmp(status, "WAIVED") == 0) {
        t->waived += amount;
        return;
    }
    if (strcmp(kind, "tax") == 0)
        t->tax += amount;
    else if (strcmp(kind, "loan") == 0)
        t->loans += amount;
    else if (strcmp(kind, "statutory") == 0) {
        if (strcmp(code, "SSS") == 0)
            t->sss_ee += amount, t->sss_er += er, t->sss_ec += ec;
        else if (strcmp(code, "PHILHEALTH") == 0)
            t->ph_ee += amount, t->ph_er += er;
        else if (strcmp(code, "HDMF") == 0)
            t->hdmf_ee += amount, t->hdmf_er += er;
        else
            t->deductions += amount;
    } else
        t->deductions += amount;
}

int pr_sum_period(store_t *s, const char *period, totals *t, armms_err *err)
{
    memset(t, 0, sizeof *t);
    sqlite3_stmt *st;
    if (pr_prep(s, &st,
                "SELECT count(*), coalesce(sum(gross), 0), coalesce(sum(coalesce(net, gross)), 0),"
                " coalesce(sum(record ->> '$.taxable'), 0),"
                " sum(status = 'COMPUTED'), sum(status = 'APPROVED'), sum(status = 'REJECTED'),"
                " sum(status = 'PAID'), sum(record ->> '$.stage' = 'gross')"
                " FROM paysheet WHERE period_id = ?1",
                err))
        return err->code;
    pr_bind(st, period, NULL, NULL);
    if (sqlite3_step(st) == SQLITE_ROW) {
        t->paysheets = sqlite3_column_int64(st, 0);
        t->gross = sqlite3_column_int64(st, 1);
        t->net = sqlite3_column_int64(st, 2);
        t->taxable = sqlite3_column_int64(st, 3);
        t->computed = sqlite3_column_int64(st, 4);
        t->approved = sqlite3_column_int64(st, 5);
        t->rejected = sqlite3_column_int64(st, 6);
        t->paid = sqlite3_column_int64(st, 7);
        t->gross_only = sqlite3_column_int64(st, 8);
    }
    sqlite3_finalize(st);
    if (pr_prep(s, &st,
                "SELECT d.value ->> 'code', d.value ->> 'kind', d.value ->> 'status',"
                " sum(d.value ->> 'amount'), sum(coalesce(d.value ->> 'employer_share', 0)),"
                " sum(coalesce(d.value ->> 'ec', 0))"
                " FROM paysheet p, json_each(p.record, '$.deductions') d"
                " WHERE p.period_id = ?1 GROUP BY 1, 2, 3",
                err))
        return err->code;
    pr_bind(st, period, NULL, NULL);
    while (sqlite3_step(st) == SQLITE_ROW) {
        const char *code = (const char *)sqlite3_column_text(st, 0);
        const char *kind = (const char *)sqlite3_column_text(st, 1);
        const char *status = (const char *)sqlite3_column_text(st, 2);
        add_deduction(t, code ? code : "", kind ? kind : "", status ? status : "APPLIED",
                      sqlite3_column_int64(st, 3), sqlite3_column_int64(st, 4),
                      sqlite3_column_int64(st, 5));
    }
    sqlite3_finalize(st);
    if (pr_prep(s, &st,
                "SELECT l.value ->> 'kind', sum(l.value ->> 'amount')"
                " FROM paysheet p, json_each(p.record, '$.lines') l"
                " WHERE p.period_id = ?1 AND l.value ->> 'kind' <> 'earning' GROUP BY 1",
                err))
        return err->code;
    pr_bind(st, period, NULL, NULL);
    while (sqlite3_step(st) == SQLITE_ROW) {
        const char *kind = (const char *)sqlite3_column_text(st, 0);
        if (kind && strcmp(kind, "adjustment") == 0)
            t->adjustments += sqlite3_column_int64(st, 1);
        else
            t->additions += sqlite3_column_int64(st, 1);
    }
    sqlite3_finalize(st);
    t->held = pr_long(s,
                      "SELECT count(*) FROM paysheet p WHERE period_id = ?1 AND EXISTS ("
                      "SELECT 1 FROM paysheet_hold h WHERE h.status = 'OPEN'"
                      " AND (h.paysheet_id = p.paysheet_id OR h.paysheet_id = p.period_id))",
                      period, NULL, err);
    /* guards whose snapshots payroll holds but who have no paysheet: a
     * rate card is missing, or pay has not run since they arrived */
    t->unpriced = pr_long(s,
                          "SELECT count(DISTINCT guard_id) FROM inbox i WHERE period_id = ?1"
                          " AND NOT EXISTS (SELECT 1 FROM paysheet p"
                          "  WHERE p.paysheet_id = i.period_id || '/' || i.guard_id)",
                          period, NULL, err);
    return t->held < 0 || t->unpriced < 0 ? err->code : 0;
}

void pr_totals_json(strbuf *b, const totals *t)
{
    sb_addf(b,
            "\"counts\":{\"paysheets\":%ld,\"computed\":%ld,\"approved\":%ld,\"rejected\":%ld,"
            "\"paid\":%ld,\"held\":%ld,\"unpriced\":%ld,\"gross_only\":%ld},",
            t->paysheets, t->computed, t->approved, t->rejected, t->paid, t->held, t->unpriced,
            t->gross_only);
    sb_addf(b,
            "\"totals\":{\"gross\":%lld,\"additions\":%lld,\"adjustments\":%lld,"
            "\"taxable\":%lld,\"sss\":{\"ee\":%lld,\"er\":%lld,\"ec\":%lld},"
            "\"philhealth\":{\"ee\":%lld,\"er\":%lld},\"hdmf\":{\"ee\":%lld,\"er\":%lld},"
            "\"employee_contributions\":%lld,\"employer_contributions\":%lld,"
            "\"tax\":%lld,\"loans\":%lld,\"deductions\":%lld,\"net\":%lld,"
            "\"deferred\":%lld,\"waived\":%lld}",
            (long long)t->gross, (long long)t->additions, (long long)t->adjustments,
            (long long)t->taxable, (long long)t->sss_ee, (long long)t->sss_er,
            (long long)t->sss_ec, (long long)t->ph_ee, (long long)t->ph_er, (long long)t->hdmf_ee,
            (long long)t->hdmf_er, (long long)(t->sss_ee + t->ph_ee + t->hdmf_ee),
            (long long)(t->sss_er + t->sss_ec + t->ph_er + t->hdmf_er), (long long)t->tax,
            (long long)t->loans, (long long)t->deductions, (long long)t->net,
            (long long)t->deferred, (long long)t->waived);
}

int payrun_record(store_t *s, const char *period, jv *rec, int *found, armms_err *err)
{
    char st[16];
    totals t;
    *found = 0;
    *rec = jv_null();
    if (payrun_status_of(s, period, st, err))
        return err->code;
    if (!st[0])
        return 0;
    if (pr_sum_period(s, period, &t, err))
        return err->code;
    sqlite3_stmt *q;
    if (pr_prep(s, &q,
                "SELECT p.from_date, p.to_date, r.opened_by, r.opened_at, r.computed_at,"
                " r.approved_by, r.approved_at, r.closed_by, r.closed_at, r.request_id"
                " FROM payrun r JOIN period p USING (period_id) WHERE r.period_id = ?1",
                err))
        return err->code;
    pr_bind(q, period, NULL, NULL);
    strbuf b;
    sb_init(&b);
    sb_adds(&b, "{\"kind\":\"Payrun\",\"v\":1,");
    if (sqlite3_step(q) == SQLITE_ROW) {
        static const char *const names[] = {"opened_by",   "opened_at",   "computed_at",
                                            "approved_by", "approved_at", "closed_by",
                                            "closed_at",   "request_id"};
        sb_addf(&b, "\"period\":{\"id\":\"%s\",\"from\":\"%s\",\"to\":\"%s\"},\"status\":\"%s\"",
                period, sqlite3_column_text(q, 0), sqlite3_column_text(q, 1), st);
        for (int i = 0; i < 8; i++) {
            const char *v = (const char *)sqlite3_column_text(q, i + 2);
            if (v)
                sb_add_json_kv(&b, names[i], v);
        }
    }
    sqlite3_finalize(q);
    sb_addc(&b, ',');
    pr_totals_json(&b, &t);
    /* what stands between the run and its close */
    sb_adds(&b, ",\"blockers\":[");
    int nb = 0;
    if (t.unpriced)
        sb_addf(&b,
                "%s{\"code\":\"UNPRICED\",\"count\":%ld,\"message\":\"guards with snapshots"
                " but no paysheet (a missing rate card, or pay has not run)\"}",
                nb++ ? "," : "", t.unpriced);
    if (t.gross_only)
        sb_addf(&b,
                "%s{\"code\":\"NOT_DEDUCTED\",\"count\":%ld,\"message\":\"paysheets with"
                " gross only (armms-deduct has not run)\"}",
                nb++ ? "," : "", t.gross_only);
    if (t.held)
        sb_addf(&b,
                "%s{\"code\":\"HELD\",\"count\":%ld,\"message\":\"paysheets held by a"
                " rejection until its owner resolves it\"}",
                nb++ ? "," : "", t.held);
    if (t.computed && strcmp(st, "CLOSED") != 0)
        sb_addf(&b,
                "%s{\"code\":\"UNAPPROVED\",\"count\":%ld,\"message\":\"paysheets not yet"
                " approved\"}",
                nb++ ? "," : "", t.computed);
    sb_adds(&b, "]}");
    *rec = jv_parse_sized(b.s, (int)b.len);
    if (!jv_is_valid(*rec)) {
        jv_free(*rec);
        *rec = jv_null();
        err_set(err, EXIT_SOFTWARE, "payrun %s: bad record %s", period, b.s);
        sb_free(&b);
        return err->code;
    }
    sb_free(&b);
    *found = 1;
    return 0;
}
