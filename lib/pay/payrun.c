/*
 * payrun.c - see payrun.h.
 */
#include "pay/payrun.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#include "core/money.h"
#include "core/ndjson.h"
#include "core/ulid.h"
#include "pay/waiver.h"

int payrun_lock(tenant_t *t, const char *period, int *fd, armms_err *err)
{
    char name[64];
    snprintf(name, sizeof name, "payrun-%s.lock", period);
    char *p = tenant_path(t, name);
    int f = open(p, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    free(p);
    *fd = -1;
    if (f < 0)
        return err_set(err, EXIT_IOERR, "cannot open the payrun lock of %s: %s", period,
                       strerror(errno));
    for (int waited = 0;; waited += 10) {
        if (flock(f, LOCK_EX | LOCK_NB) == 0) {
            *fd = f;
            return 0;
        }
        if (errno != EWOULDBLOCK || waited >= t->wait_ms) {
            close(f);
            return err_set(
                err, EXIT_TEMPFAIL,
                "tenant %s: the payrun of %s is busy (another run holds it past --wait)", t->id,
                period);
        }
        struct timespec ts = {0, 10 * 1000000};
        nanosleep(&ts, NULL);
    }
}

void payrun_unlock(int fd)
{
    if (fd >= 0)
        close(fd); /* releases the flock */
}

/* One-shot statement: prepare, bind text parameters, hand back. */
static int prep(store_t *s, sqlite3_stmt **st, const char *sql, armms_err *err)
{
    *st = NULL;
    if (sqlite3_prepare_v2(s->db, sql, -1, st, NULL) != SQLITE_OK)
        return store_fail(s, sqlite3_errcode(s->db), "payrun", err);
    return 0;
}

static void bind_texts(sqlite3_stmt *st, const char *a, const char *b, const char *c)
{
    const char *v[3] = {a, b, c};
    for (int i = 0; i < 3; i++)
        if (v[i])
            sqlite3_bind_text(st, i + 1, v[i], -1, SQLITE_TRANSIENT);
}

/* Run a write statement with up to three text parameters. */
static int exec3(store_t *s, const char *sql, const char *a, const char *b, const char *c,
                 armms_err *err)
{
    sqlite3_stmt *st;
    if (prep(s, &st, sql, err))
        return err->code;
    bind_texts(st, a, b, c);
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? 0 : store_fail(s, rc, "payrun", err);
}

/* The first column of the first row as text into out ("" when no row). */
static int query_text(store_t *s, const char *sql, const char *a, const char *b, char *out,
                      size_t n, armms_err *err)
{
    sqlite3_stmt *st;
    if (prep(s, &st, sql, err))
        return err->code;
    bind_texts(st, a, b, NULL);
    int rc = sqlite3_step(st);
    out[0] = 0;
    if (rc == SQLITE_ROW && sqlite3_column_text(st, 0))
        snprintf(out, n, "%s", (const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : store_fail(s, rc, "payrun", err);
}

static long query_long(store_t *s, const char *sql, const char *a, const char *b, armms_err *err)
{
    char buf[32];
    if (query_text(s, sql, a, b, buf, sizeof buf, err))
        return -1;
    return atol(buf);
}

int payrun_status_of(store_t *s, const char *period, char *out, armms_err *err)
{
    return query_text(s, "SELECT status FROM payrun WHERE period_id = ?1", period, NULL, out, 16,
                      err);
}

static int emit(store_t *s, const char *type, const char *agg_type, const char *agg,
                const strbuf *payload, armms_err *err)
{
    return store_emit(s, type, agg_type, agg, payload->s, payload->len, err);
}

/* ---- totals ---- */

typedef struct totals {
    money_t gross, net, taxable, tax, additions, adjustments, loans, deductions, deferred, waived;
    money_t sss_ee, sss_er, sss_ec, ph_ee, ph_er, hdmf_ee, hdmf_er;
    long paysheets, computed, approved, rejected, paid, held, unpriced, gross_only;
} totals;

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

static int sum_period(store_t *s, const char *period, totals *t, armms_err *err)
{
    memset(t, 0, sizeof *t);
    sqlite3_stmt *st;
    if (prep(s, &st,
             "SELECT count(*), coalesce(sum(gross), 0), coalesce(sum(coalesce(net, gross)), 0),"
             " coalesce(sum(record ->> '$.taxable'), 0),"
             " sum(status = 'COMPUTED'), sum(status = 'APPROVED'), sum(status = 'REJECTED'),"
             " sum(status = 'PAID'), sum(record ->> '$.stage' = 'gross')"
             " FROM paysheet WHERE period_id = ?1",
             err))
        return err->code;
    bind_texts(st, period, NULL, NULL);
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
    if (prep(s, &st,
             "SELECT d.value ->> 'code', d.value ->> 'kind', d.value ->> 'status',"
             " sum(d.value ->> 'amount'), sum(coalesce(d.value ->> 'employer_share', 0)),"
             " sum(coalesce(d.value ->> 'ec', 0))"
             " FROM paysheet p, json_each(p.record, '$.deductions') d"
             " WHERE p.period_id = ?1 GROUP BY 1, 2, 3",
             err))
        return err->code;
    bind_texts(st, period, NULL, NULL);
    while (sqlite3_step(st) == SQLITE_ROW) {
        const char *code = (const char *)sqlite3_column_text(st, 0);
        const char *kind = (const char *)sqlite3_column_text(st, 1);
        const char *status = (const char *)sqlite3_column_text(st, 2);
        add_deduction(t, code ? code : "", kind ? kind : "", status ? status : "APPLIED",
                      sqlite3_column_int64(st, 3), sqlite3_column_int64(st, 4),
                      sqlite3_column_int64(st, 5));
    }
    sqlite3_finalize(st);
    if (prep(s, &st,
             "SELECT l.value ->> 'kind', sum(l.value ->> 'amount')"
             " FROM paysheet p, json_each(p.record, '$.lines') l"
             " WHERE p.period_id = ?1 AND l.value ->> 'kind' <> 'earning' GROUP BY 1",
             err))
        return err->code;
    bind_texts(st, period, NULL, NULL);
    while (sqlite3_step(st) == SQLITE_ROW) {
        const char *kind = (const char *)sqlite3_column_text(st, 0);
        if (kind && strcmp(kind, "adjustment") == 0)
            t->adjustments += sqlite3_column_int64(st, 1);
        else
            t->additions += sqlite3_column_int64(st, 1);
    }
    sqlite3_finalize(st);
    t->held = query_long(s,
                         "SELECT count(*) FROM paysheet p WHERE period_id = ?1 AND EXISTS ("
                         "SELECT 1 FROM paysheet_hold h WHERE h.status = 'OPEN'"
                         " AND (h.paysheet_id = p.paysheet_id OR h.paysheet_id = p.period_id))",
                         period, NULL, err);
    /* guards whose snapshots payroll holds but who have no paysheet: a
     * rate card is missing, or pay has not run since they arrived */
    t->unpriced = query_long(s,
                             "SELECT count(DISTINCT guard_id) FROM inbox i WHERE period_id = ?1"
                             " AND NOT EXISTS (SELECT 1 FROM paysheet p"
                             "  WHERE p.paysheet_id = i.period_id || '/' || i.guard_id)",
                             period, NULL, err);
    return t->held < 0 || t->unpriced < 0 ? err->code : 0;
}

static void totals_json(strbuf *b, const totals *t)
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

/* Journal a Payrun event: the period, its status, what a close carried
 * (carried < 0: not said) and, with t, its counts and totals. */
static int emit_run(store_t *s, const char *type, const char *period, const char *status,
                    const totals *t, long carried, armms_err *err)
{
    strbuf p;
    sb_init(&p);
    sb_addf(&p, "{\"period\":\"%s\",\"status\":\"%s\"", period, status);
    if (carried >= 0)
        sb_addf(&p, ",\"carried\":%ld", carried);
    if (t) {
        sb_addc(&p, ',');
        totals_json(&p, t);
    }
    sb_addc(&p, '}');
    int rc = emit(s, type, "Payrun", period, &p, err);
    sb_free(&p);
    return rc;
}

int payrun_open(store_t *s, const char *period, int *created, armms_err *err)
{
    char st[16], now[32];
    *created = 0;
    if (store_begin(s, err) || payrun_status_of(s, period, st, err))
        goto fail;
    if (strcmp(st, "CLOSED") == 0) {
        err_set(err, EXIT_DATAERR, "the payrun of %s is closed; it cannot be opened again",
                period);
        goto fail;
    }
    if (!st[0]) {
        long known =
            query_long(s, "SELECT count(*) FROM period WHERE period_id = ?1", period, NULL, err);
        if (known < 0)
            goto fail;
        if (known == 0) {
            err_set(err, EXIT_DATAERR,
                    "no pay period %s (armms-import period --generate YEAR defines them)", period);
            goto fail;
        }
        now_iso(now);
        if (exec3(s,
                  "INSERT INTO payrun(period_id, status, opened_by, opened_at)"
                  " VALUES (?1, 'OPEN', ?2, ?3)",
                  period, s->tenant->actor, now, err))
            goto fail;
        if (emit_run(s, "PayrunOpened", period, "OPEN", NULL, -1, err))
            goto fail;
        *created = 1;
    }
    return store_commit(s, err);
fail:
    store_rollback(s);
    return err->code;
}

int payrun_computed(store_t *s, const char *period, armms_err *err)
{
    char st[16], old[4096] = "";
    totals t;
    if (store_begin(s, err) || payrun_status_of(s, period, st, err))
        goto fail;
    if (!st[0] || strcmp(st, "CLOSED") == 0) {
        err_set(err, EXIT_DATAERR, "the payrun of %s is %s", period,
                st[0] ? "closed" : "not open (armms-payrun open)");
        goto fail;
    }
    if (sum_period(s, period, &t, err) ||
        query_text(s, "SELECT totals FROM payrun WHERE period_id = ?1", period, NULL, old,
                   sizeof old, err))
        goto fail;
    strbuf b;
    sb_init(&b);
    sb_addc(&b, '{');
    totals_json(&b, &t);
    sb_addc(&b, '}');
    /* approved and nothing new to approve stays APPROVED */
    const char *next = strcmp(st, "APPROVED") == 0 && t.computed == 0 && t.rejected == 0
                           ? "APPROVED"
                           : "COMPUTED";
    int changed = strcmp(old, b.s) != 0 || strcmp(st, next) != 0;
    char now[32];
    now_iso(now);
    int rc = 0;
    if (changed) {
        rc = exec3(s,
                   "UPDATE payrun SET status = ?2, computed_at = ?3, totals = ?4,"
                   " approved_by = CASE WHEN ?2 = 'APPROVED' THEN approved_by END,"
                   " approved_at = CASE WHEN ?2 = 'APPROVED' THEN approved_at END"
                   " WHERE period_id = ?1",
                   period, next, now, err);
        if (!rc) {
            sqlite3_stmt *u;
            rc = prep(s, &u, "UPDATE payrun SET totals = ?2 WHERE period_id = ?1", err);
            if (!rc) {
                sqlite3_bind_text(u, 1, period, -1, SQLITE_STATIC);
                sqlite3_bind_text(u, 2, b.s, (int)b.len, SQLITE_STATIC);
                int r2 = sqlite3_step(u);
                sqlite3_finalize(u);
                rc = r2 == SQLITE_DONE ? 0 : store_fail(s, r2, "payrun", err);
            }
        }
        if (!rc)
            rc = emit_run(s, "PayrunComputed", period, next, &t, -1, err);
    }
    sb_free(&b);
    if (rc)
        goto fail;
    return store_commit(s, err);
fail:
    store_rollback(s);
    return err->code;
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
    if (sum_period(s, period, &t, err))
        return err->code;
    sqlite3_stmt *q;
    if (prep(s, &q,
             "SELECT p.from_date, p.to_date, r.opened_by, r.opened_at, r.computed_at,"
             " r.approved_by, r.approved_at, r.closed_by, r.closed_at, r.request_id"
             " FROM payrun r JOIN period p USING (period_id) WHERE r.period_id = ?1",
             err))
        return err->code;
    bind_texts(q, period, NULL, NULL);
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
    totals_json(&b, &t);
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

/* ---- approval ---- */

static const char unheld[] =
    " AND NOT EXISTS (SELECT 1 FROM paysheet_hold h WHERE h.status = 'OPEN'"
    " AND (h.paysheet_id = p.paysheet_id OR h.paysheet_id = p.period_id))";

int payrun_approve(store_t *s, const char *period, const char *guard, long *approved, long *held,
                   armms_err *err)
{
    char st[16], now[32];
    *approved = *held = 0;
    if (store_begin(s, err) || payrun_status_of(s, period, st, err))
        goto fail;
    if (strcmp(st, "COMPUTED") != 0 && strcmp(st, "APPROVED") != 0) {
        err_set(err, EXIT_DATAERR, "the payrun of %s is %s: only a computed run is approved",
                period, st[0] ? st : "not open");
        goto fail;
    }
    totals t;
    if (sum_period(s, period, &t, err))
        goto fail;
    if (t.gross_only) {
        err_set(err, EXIT_DATAERR,
                "%ld paysheets of %s have gross only: compute the run (armms-payrun compute)"
                " before approving it",
                t.gross_only, period);
        goto fail;
    }
    strbuf q;
    sb_init(&q);
    sb_adds(&q, "SELECT paysheet_id, version, net FROM paysheet p"
                " WHERE period_id = ?1 AND status = 'COMPUTED'");
    if (guard)
        sb_adds(&q, " AND guard_id = ?2");
    sb_adds(&q, unheld);
    sqlite3_stmt *sel, *upd;
    int rc = prep(s, &sel, q.s, err);
    sb_free(&q);
    if (rc)
        goto fail;
    if (prep(s, &upd, "UPDATE paysheet SET status = 'APPROVED' WHERE paysheet_id = ?1", err)) {
        sqlite3_finalize(sel);
        goto fail;
    }
    bind_texts(sel, period, guard, NULL);
    strbuf p;
    sb_init(&p);
    while (!rc && (rc = sqlite3_step(sel)) == SQLITE_ROW) {
        const char *id = (const char *)sqlite3_column_text(sel, 0);
        sqlite3_bind_text(upd, 1, id, -1, SQLITE_TRANSIENT);
        rc = sqlite3_step(upd);
        sqlite3_reset(upd);
        if (rc != SQLITE_DONE) {
            rc = store_fail(s, rc, "payrun", err);
            break;
        }
        sb_reset(&p);
        sb_adds(&p, "{\"paysheet_id\":");
        sb_add_json_str(&p, id, strlen(id));
        sb_addf(&p, ",\"version\":%lld,\"net\":%lld,\"status\":\"APPROVED\"}",
                (long long)sqlite3_column_int64(sel, 1), (long long)sqlite3_column_int64(sel, 2));
        rc = emit(s, "PaysheetApproved", "Paysheet", id, &p, err);
        (*approved)++;
    }
    if (rc == SQLITE_DONE)
        rc = 0;
    else if (rc && !err->code)
        rc = store_fail(s, rc, "payrun", err);
    sqlite3_finalize(sel);
    sqlite3_finalize(upd);
    if (!rc && sum_period(s, period, &t, err))
        rc = err->code;
    *held = t.held;
    if (!rc && strcmp(st, "APPROVED") != 0 && t.paysheets > 0 && t.approved == t.paysheets) {
        now_iso(now);
        rc = exec3(s,
                   "UPDATE payrun SET status = 'APPROVED', approved_by = ?2, approved_at = ?3"
                   " WHERE period_id = ?1",
                   period, s->tenant->actor, now, err);
        if (!rc)
            rc = emit_run(s, "PayrunApproved", period, "APPROVED", &t, -1, err);
    }
    sb_free(&p);
    if (rc)
        goto fail;
    return store_commit(s, err);
fail:
    store_rollback(s);
    return err->code;
}

/* ---- holds (paysheet.reject) ---- */

/* Who must act on an item: hours come from timekeeping, everything else
 * (allowances, adjustments, deductions, the whole paysheet) is payroll's. */
static int item_owner(store_t *s, const char *paysheet_id, const char *item, const char **owner,
                      armms_err *err)
{
    *owner = "payroll_officer";
    if (!item)
        return 0;
    char kind[32];
    if (query_text(s,
                   "SELECT l.value ->> 'kind' FROM paysheet p, json_each(p.record, '$.lines') l"
                   " WHERE p.paysheet_id = ?1 AND l.value ->> 'code' = ?2",
                   paysheet_id, item, kind, sizeof kind, err))
        return err->code;
    if (kind[0]) {
        if (strcmp(kind, "earning") == 0)
            *owner = "timekeeper";
        return 0;
    }
    long n = query_long(s,
                        "SELECT count(*) FROM paysheet p, json_each(p.record, '$.deductions') d"
                        " WHERE p.paysheet_id = ?1 AND (d.value ->> 'code' = ?2"
                        " OR d.value ->> 'obligation_id' = ?2)",
                        paysheet_id, item, err);
    if (n < 0)
        return err->code;
    if (n == 0)
        return err_set(err, EXIT_DATAERR, "paysheet %s has no line or deduction %s", paysheet_id,
                       item);
    return 0;
}

/* Write the hold (the change itself, run the same way when requesting and
 * when applying). */
static int do_reject(store_t *s, const char *period, const char *guard, const char *item,
                     const char *reason, const char *request_id, armms_err *err)
{
    char st[16], ps[128], hold[32], now[32];
    if (payrun_status_of(s, period, st, err))
        return err->code;
    if (strcmp(st, "COMPUTED") != 0 && strcmp(st, "APPROVED") != 0)
        return err_set(err, EXIT_DATAERR,
                       "the payrun of %s is %s: only a computed run is reviewed", period,
                       st[0] ? st : "not open");
    const char *owner = "payroll_officer";
    if (guard) {
        snprintf(ps, sizeof ps, "%s/%s", period, guard);
        long n =
            query_long(s, "SELECT count(*) FROM paysheet WHERE paysheet_id = ?1", ps, NULL, err);
        if (n < 0)
            return err->code;
        if (n == 0)
            return err_set(err, EXIT_DATAERR, "no paysheet %s", ps);
        if (item_owner(s, ps, item, &owner, err))
            return err->code;
    } else {
        snprintf(ps, sizeof ps, "%s", period);
    }
    ulid_new(hold);
    now_iso(now);
    sqlite3_stmt *ins;
    if (prep(
            s, &ins,
            "INSERT INTO paysheet_hold(hold_id, paysheet_id, item, owner_role, reason,"
            " request_id, status, created_by, created_at) VALUES (?1,?2,?3,?4,?5,?6,'OPEN',?7,?8)",
            err))
        return err->code;
    const char *v[8] = {hold, ps, item, owner, reason, request_id, s->tenant->actor, now};
    for (int i = 0; i < 8; i++)
        if (v[i] && *v[i])
            sqlite3_bind_text(ins, i + 1, v[i], -1, SQLITE_TRANSIENT);
    int rc = sqlite3_step(ins);
    sqlite3_finalize(ins);
    if (rc != SQLITE_DONE)
        return store_fail(s, rc, "payrun", err);
    if (guard)
        rc = exec3(s, "UPDATE paysheet SET status = 'REJECTED' WHERE paysheet_id = ?1", ps, NULL,
                   NULL, err);
    else
        rc = exec3(s, "UPDATE paysheet SET status = 'REJECTED' WHERE period_id = ?1;", period,
                   NULL, NULL, err);
    if (!rc && strcmp(st, "APPROVED") == 0)
        rc = exec3(s,
                   "UPDATE payrun SET status = 'COMPUTED', approved_by = NULL, approved_at = NULL"
                   " WHERE period_id = ?1",
                   period, NULL, NULL, err);
    if (rc)
        return err->code;
    strbuf p;
    sb_init(&p);
    sb_addf(&p, "{\"hold_id\":\"%s\"", hold);
    sb_add_json_kv(&p, "paysheet_id", ps);
    if (item)
        sb_add_json_kv(&p, "item", item);
    sb_add_json_kv(&p, "owner_role", owner);
    sb_add_json_kv(&p, "reason", reason);
    sb_addc(&p, '}');
    rc = emit(s, guard ? "PaysheetHeld" : "PayrunRejected", guard ? "Paysheet" : "Payrun", ps, &p,
              err);
    sb_free(&p);
    return rc;
}

int payrun_reject_change(change_t *ch, store_t *s, const char *period, const char *guard,
                         const char *item, const char *reason, FILE *out, int *made,
                         armms_err *err)
{
    *made = 0;
    if (ch->requesting) {
        if (change_begin(ch, s, err))
            return err->code;
    } else if (store_begin(s, err))
        return err->code;
    if (do_reject(s, period, guard, item, reason, NULL, err)) {
        store_rollback(s);
        return err->code;
    }
    if (!ch->requesting)
        return store_commit(s, err);
    char summary[300];
    if (!guard)
        snprintf(summary, sizeof summary, "reject the payrun of %s: %s", period, reason);
    else if (!item)
        snprintf(summary, sizeof summary, "reject the paysheet %s/%s: %s", period, guard, reason);
    else
        snprintf(summary, sizeof summary, "reject item %s of the paysheet %s/%s: %s", item, period,
                 guard, reason);
    jv e = jv_object_set(jv_object(), jv_string("period"), jv_string(period));
    if (guard)
        e = jv_object_set(e, jv_string("guard"), jv_string(guard));
    if (item)
        e = jv_object_set(e, jv_string("item"), jv_string(item));
    e = jv_object_set(e, jv_string("reason"), jv_string(reason));
    return change_submit(ch, e, summary, out, made, err);
}

int payrun_reject_apply(change_t *ch, jv effect, FILE *out, reject_sink *rej, armms_err *err)
{
    const char *period = json_str_peek(effect, "period", NULL);
    const char *guard = json_str_peek(effect, "guard", NULL);
    const char *item = json_str_peek(effect, "item", NULL);
    const char *reason = json_str_peek(effect, "reason", NULL);
    store_t s;
    int rc;
    if (!period || !reason)
        rc = err_set(err, EXIT_SOFTWARE, "change request %s: no period or reason", ch->request_id);
    else if (!(rc = store_open(&s, ch->t, "pay", 0, err))) {
        rc = change_apply_begin(ch, &s, err);
        if (!rc) {
            rc = do_reject(&s, period, guard, item, reason, ch->request_id, err);
            if (rc)
                store_rollback(&s);
            else
                rc = change_apply_end(ch, err);
        }
        store_close(&s);
    }
    jv_free(effect);
    return rc;
}

int payrun_resolve(store_t *s, const rbac_t *who, const char *hold_id, const char *note,
                   armms_err *err)
{
    char owner[64], ps[128], status[16], now[32];
    if (store_begin(s, err))
        return err->code;
    if (query_text(s, "SELECT owner_role FROM paysheet_hold WHERE hold_id = ?1", hold_id, NULL,
                   owner, sizeof owner, err) ||
        query_text(s, "SELECT paysheet_id FROM paysheet_hold WHERE hold_id = ?1", hold_id, NULL,
                   ps, sizeof ps, err) ||
        query_text(s, "SELECT status FROM paysheet_hold WHERE hold_id = ?1", hold_id, NULL, status,
                   sizeof status, err))
        goto fail;
    if (!owner[0]) {
        err_set(err, EXIT_DATAERR, "no hold %s", hold_id);
        goto fail;
    }
    if (strcmp(status, "OPEN") != 0) {
        err_set(err, EXIT_DATAERR, "hold %s is resolved already", hold_id);
        goto fail;
    }
    if (!rbac_has_role(who, owner) && !rbac_has_role(who, "admin")) {
        err_set(err, EXIT_NOPERM, "user %s of tenant %s may not resolve hold %s: it is the %s's",
                who->user, who->tenant, hold_id, owner);
        goto fail;
    }
    now_iso(now);
    if (exec3(s,
              "UPDATE paysheet_hold SET status = 'RESOLVED', resolved_by = ?2, resolved_at = ?3"
              " WHERE hold_id = ?1",
              hold_id, s->tenant->actor, now, err))
        goto fail;
    /* the paysheet (or every paysheet of a rejected run) is approvable
     * again once no other hold keeps it */
    if (exec3(
            s,
            "UPDATE paysheet SET status = 'COMPUTED' WHERE status = 'REJECTED'"
            " AND (paysheet_id = ?1 OR period_id = ?1)"
            " AND NOT EXISTS (SELECT 1 FROM paysheet_hold h WHERE h.status = 'OPEN'"
            "  AND (h.paysheet_id = paysheet.paysheet_id OR h.paysheet_id = paysheet.period_id))",
            ps, NULL, NULL, err))
        goto fail;
    strbuf p;
    sb_init(&p);
    sb_adds(&p, "{\"hold_id\":");
    sb_add_json_str(&p, hold_id, strlen(hold_id));
    sb_add_json_kv(&p, "paysheet_id", ps);
    if (note)
        sb_add_json_kv(&p, "note", note);
    sb_addc(&p, '}');
    int rc = emit(s, "PaysheetHoldResolved", "Paysheet", ps, &p, err);
    sb_free(&p);
    if (rc)
        goto fail;
    return store_commit(s, err);
fail:
    store_rollback(s);
    return err->code;
}

int payrun_holds(store_t *s, const char *period, int all, const char *owner, FILE *out,
                 armms_err *err)
{
    sqlite3_stmt *st;
    if (prep(s, &st,
             "SELECT json_object('kind', 'Hold', 'v', 1, 'hold_id', hold_id, 'paysheet_id',"
             " paysheet_id, 'item', item, 'owner_role', owner_role, 'reason', reason,"
             " 'status', status, 'request_id', request_id, 'created_by', created_by,"
             " 'created_at', created_at, 'resolved_by', resolved_by, 'resolved_at', resolved_at)"
             " FROM paysheet_hold WHERE (paysheet_id = ?1 OR paysheet_id LIKE ?1 || '/%')"
             " AND (?2 OR status = 'OPEN') AND (?3 IS NULL OR instr(?3, ',' || owner_role || ','))"
             " ORDER BY created_at, hold_id",
             err))
        return err->code;
    sqlite3_bind_text(st, 1, period, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 2, all);
    if (owner)
        sqlite3_bind_text(st, 3, owner, -1, SQLITE_STATIC);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        ndjson_write(out, jv_parse((const char *)sqlite3_column_text(st, 0)));
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? 0 : store_fail(s, rc, "payrun", err);
}

/* ---- close (payrun.close) ---- */

/* Deductions of the period still DUE when its run closes were taken from
 * nobody's pay (the guard had no paysheet, or it did not apply them): each
 * is carried to the next period as a NOT_PAID deferral, so closing never
 * leaves an amount owed in a period that can no longer take it. */
static int carry_unpaid(store_t *s, const char *period, long *carried, armms_err *err)
{
    sqlite3_stmt *st;
    *carried = 0;
    if (prep(s, &st,
             "SELECT DISTINCT s.obligation_id FROM obligation_schedule s"
             " JOIN obligation o USING (obligation_id)"
             " WHERE s.period_id = ?1 AND s.status = 'DUE'"
             " AND o.kind IN ('loan', 'deduction', 'statutory') ORDER BY 1",
             err))
        return err->code;
    bind_texts(st, period, NULL, NULL);
    char **ids = NULL;
    size_t n = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        ids = xrealloc(ids, (n + 1) * sizeof *ids);
        ids[n++] = xstrdup((const char *)sqlite3_column_text(st, 0));
    }
    sqlite3_finalize(st);
    int rc = 0;
    for (size_t i = 0; i < n; i++) {
        if (!rc) {
            waive_req w = {.obligation_id = ids[i],
                           .period = period,
                           .reason = "NOT_PAID",
                           .policy = WAIVE_CARRY};
            rejection rj = {0};
            rc = pay_waive_in_tx(s, &w, NULL, NULL, &rj, err);
            if (rc == REJECTED)
                rc = err_set(err, EXIT_DATAERR, "cannot carry %s of %s forward: %s", ids[i],
                             period, rj.msg);
            else if (!rc)
                (*carried)++;
        }
        free(ids[i]);
    }
    free(ids);
    return rc;
}

static int do_close(store_t *s, const char *period, const char *request_id, armms_err *err)
{
    char st[16], now[32];
    totals t;
    if (payrun_status_of(s, period, st, err) || sum_period(s, period, &t, err))
        return err->code;
    if (strcmp(st, "APPROVED") != 0)
        return err_set(err, EXIT_DATAERR,
                       "the payrun of %s is %s: only an approved run closes (%ld of %ld"
                       " paysheets approved, %ld held)",
                       period, st[0] ? st : "not open", t.approved, t.paysheets, t.held);
    if (t.held)
        return err_set(err, EXIT_DATAERR, "the payrun of %s has %ld held paysheets", period,
                       t.held);
    long carried = 0;
    if (carry_unpaid(s, period, &carried, err))
        return err->code;
    now_iso(now);
    if (exec3(s,
              "UPDATE payrun SET status = 'CLOSED', closed_by = ?2, closed_at = ?3"
              " WHERE period_id = ?1",
              period, s->tenant->actor, now, err))
        return err->code;
    if (request_id && exec3(s, "UPDATE payrun SET request_id = ?2 WHERE period_id = ?1", period,
                            request_id, NULL, err))
        return err->code;
    if (exec3(s, "UPDATE period SET status = 'CLOSED' WHERE period_id = ?1", period, NULL, NULL,
              err))
        return err->code;
    return emit_run(s, "PayrunClosed", period, "CLOSED", &t, carried, err);
}

int payrun_close_change(change_t *ch, store_t *s, const char *period, FILE *out, int *made,
                        armms_err *err)
{
    *made = 0;
    if (ch->requesting) {
        if (change_begin(ch, s, err))
            return err->code;
    } else if (store_begin(s, err))
        return err->code;
    if (do_close(s, period, NULL, err)) {
        store_rollback(s);
        return err->code;
    }
    if (!ch->requesting)
        return store_commit(s, err);
    char summary[200];
    snprintf(summary, sizeof summary, "close the payrun of %s", period);
    jv e = jv_object_set(jv_object(), jv_string("period"), jv_string(period));
    return change_submit(ch, e, summary, out, made, err);
}

int payrun_close_apply(change_t *ch, jv effect, FILE *out, reject_sink *rej, armms_err *err)
{
    const char *period = json_str_peek(effect, "period", NULL);
    store_t s;
    int rc, fd = -1;
    if (!period)
        rc = err_set(err, EXIT_SOFTWARE, "change request %s: no period", ch->request_id);
    else if (!(rc = payrun_lock(ch->t, period, &fd, err)) &&
             !(rc = store_open(&s, ch->t, "pay", 0, err))) {
        rc = change_apply_begin(ch, &s, err);
        if (!rc) {
            rc = do_close(&s, period, ch->request_id, err);
            if (rc)
                store_rollback(&s);
            else
                rc = change_apply_end(ch, err);
        }
        if (!rc) {
            jv rec;
            int found;
            if (!payrun_record(&s, period, &rec, &found, err) && found)
                ndjson_write(out, rec);
        }
        store_close(&s);
    }
    payrun_unlock(fd);
    jv_free(effect);
    return rc;
}
