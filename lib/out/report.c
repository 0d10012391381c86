/*
 * report.c - what every report shares (report.h): the stores opened
 * read-only, a query whose one column is a JSON record, and the payroll
 * reports. The timekeeping reports are in report_tk.c.
 */
#include "out/report.h"

#include <string.h>

#include "core/clock.h"
#include "core/suggest.h"
#include "out/report_int.h"
#include "pay/payrun.h"

int report_scope_period(report_scope *sc, armms_err *err)
{
    day_t f, t;
    if (!sc->period || period_parse(sc->period, &f, &t))
        return err_set(err, EXIT_USAGE, "'%s' is not a pay period (YYYY-MM-A|B)",
                       sc->period ? sc->period : "");
    date_format(f, sc->from);
    date_format(t, sc->to);
    return 0;
}

/* 0 when table has a row with id, else EXIT_DATAERR naming the nearest
 * ids (the table is scanned only then). */
static int known(store_t *s, tenant_t *t, const char *table, const char *col, const char *what,
                 const char *id, armms_err *err)
{
    char sql[160];
    snprintf(sql, sizeof sql, "SELECT EXISTS (SELECT 1 FROM %s WHERE %s = ?1)", table, col);
    sqlite3_stmt *q = NULL;
    int rc = sqlite3_prepare_v2(s->db, sql, -1, &q, NULL);
    if (rc != SQLITE_OK)
        return store_fail(s, rc, "reading master data", err);
    sqlite3_bind_text(q, 1, id, -1, SQLITE_STATIC);
    int found = (rc = sqlite3_step(q)) == SQLITE_ROW && sqlite3_column_int(q, 0);
    sqlite3_finalize(q);
    if (rc != SQLITE_ROW)
        return store_fail(s, rc, "reading master data", err);
    if (found)
        return 0;
    suggest_t near;
    suggest_init(&near, id);
    snprintf(sql, sizeof sql, "SELECT %s FROM %s", col, table);
    if (sqlite3_prepare_v2(s->db, sql, -1, &q, NULL) == SQLITE_OK) {
        while (sqlite3_step(q) == SQLITE_ROW)
            suggest_offer(&near, (const char *)sqlite3_column_text(q, 0));
        sqlite3_finalize(q);
    }
    strbuf b = {0};
    if (suggest_names(&near, &b)) {
        err_set(err, EXIT_DATAERR, "tenant %s has no %s %s; did you mean %s?", t->id, what, id,
                b.s);
        sb_free(&b);
        return err->code;
    }
    sb_free(&b);
    return err_set(err, EXIT_DATAERR, "tenant %s has no %s %s", t->id, what, id);
}

int report_scope_check(tenant_t *t, const report_scope *sc, armms_err *err)
{
    if (!(sc->guard && *sc->guard) && !(sc->detachment && *sc->detachment))
        return 0;
    store_t s;
    if (report_open(&s, t, "hr", NULL, err))
        return err->code;
    int rc = 0;
    if (sc->guard && *sc->guard)
        rc = known(&s, t, "guard", "guard_id", "guard", sc->guard, err);
    if (!rc && sc->detachment && *sc->detachment)
        rc = known(&s, t, "detachment", "detachment_id", "detachment", sc->detachment, err);
    store_close(&s);
    return rc;
}

int report_open(store_t *s, tenant_t *t, const char *module, const char *attach, armms_err *err)
{
    if (store_open_ro(s, t, module, err))
        return err->code;
    if (attach && store_attach_ro(s, attach, err)) {
        store_close(s);
        return err->code;
    }
    return 0;
}

static void bind_named(sqlite3_stmt *q, const char *name, const char *v)
{
    int i = sqlite3_bind_parameter_index(q, name);
    if (i > 0 && v && *v)
        sqlite3_bind_text(q, i, v, -1, SQLITE_TRANSIENT);
}

/* A row without a detachment_id field, or at one of dets (report_scope). */
static int row_reached(jv rec, char *const *dets)
{
    if (!jv_object_has(jv_copy(rec), jv_string("detachment_id")))
        return 1;
    jv d = jv_object_get(jv_copy(rec), jv_string("detachment_id"));
    int ok = 0;
    for (char *const *p = dets; jv_get_kind(d) == JV_KIND_STRING && *p && !ok; p++)
        ok = strcmp(*p, jv_string_value(d)) == 0;
    jv_free(d);
    return ok;
}

int report_rows(store_t *s, const char *sql, const report_scope *sc, const char *extra_name,
                const char *extra, report_row_fn fn, void *ctx, jv *out, armms_err *err)
{
    sqlite3_stmt *q = NULL;
    int rc = sqlite3_prepare_v2(s->db, sql, -1, &q, NULL);
    if (rc != SQLITE_OK)
        return store_fail(s, rc, "preparing a report", err);
    if (sc) {
        bind_named(q, ":period", sc->period);
        bind_named(q, ":from", sc->from);
        bind_named(q, ":to", sc->to);
        bind_named(q, ":guard", sc->guard);
        bind_named(q, ":det", sc->detachment);
        bind_named(q, ":date", sc->date);
    }
    if (extra_name)
        bind_named(q, extra_name, extra);
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        const char *text = (const char *)sqlite3_column_text(q, 0);
        jv rec = text ? jv_parse(text) : jv_invalid();
        if (jv_get_kind(rec) != JV_KIND_OBJECT) {
            jv_free(rec);
            sqlite3_finalize(q);
            return err_set(err, EXIT_SOFTWARE, "a report row is not a record");
        }
        if (sc && sc->dets && !row_reached(rec, sc->dets)) {
            jv_free(rec);
            continue;
        }
        if (fn)
            rec = fn(rec, ctx);
        *out = jv_array_append(*out, rec);
    }
    sqlite3_finalize(q);
    if (rc != SQLITE_DONE)
        return store_fail(s, rc, "reading a report", err);
    return 0;
}

/* ---- payroll ---- */

static const char sql_obligations[] =
    "SELECT json_object('kind', 'ObligationBalance', 'v', 1, 'obligation_id', o.obligation_id,"
    " 'guard_id', o.guard_id, 'name', " REPORT_NAME(
        "o.guard_id") ","
                      " 'obligation_kind', o.kind, 'code', o.code, 'label', o.label, 'principal', "
                      "o.principal,"
                      " 'installment', o.installment, 'installments', o.installments, 'status', "
                      "o.status,"
                      " 'applied', (SELECT coalesce(sum(amount), 0) FROM obligation_schedule s"
                      "   WHERE s.obligation_id = o.obligation_id AND s.status = 'APPLIED'),"
                      " 'balance', (SELECT coalesce(sum(amount), 0) FROM obligation_schedule s"
                      "   WHERE s.obligation_id = o.obligation_id AND s.status = 'DUE'),"
                      " 'waived', (SELECT coalesce(sum(amount), 0) FROM obligation_schedule s"
                      "   WHERE s.obligation_id = o.obligation_id AND s.status = 'WAIVED'),"
                      " 'deferred', (SELECT coalesce(sum(amount), 0) FROM obligation_schedule s"
                      "   WHERE s.obligation_id = o.obligation_id AND s.status = 'DEFERRED'),"
                      " 'next_period', (SELECT min(period_id) FROM obligation_schedule s"
                      "   WHERE s.obligation_id = o.obligation_id AND s.status = 'DUE'))"
                      " FROM obligation o"
                      " WHERE (:guard IS NULL AND o.kind != 'statutory' OR o.guard_id = :guard)"
                      " ORDER BY o.guard_id, o.obligation_id";

int report_obligations(tenant_t *t, const report_scope *sc, jv *out, armms_err *err)
{
    store_t s;
    *out = jv_array();
    if (report_open(&s, t, "pay", "hr", err))
        return err->code;
    int rc = report_rows(&s, sql_obligations, sc, NULL, NULL, NULL, NULL, out, err);
    store_close(&s);
    return rc;
}

/* ---- leave ---- */

static const char sql_leave[] =
    "SELECT json_object('kind', 'LeaveBalance', 'v', 1, 'guard_id', g.guard_id,"
    " 'name', g.last_name || ', ' || g.first_name, 'year', CAST(:year AS INTEGER),"
    " 'code', c.code, 'leave', c.name, 'paid', json(CASE c.paid WHEN 1 THEN 'true' ELSE 'false' "
    "END),"
    " 'entitled', c.annual_days, 'taken', coalesce(n.taken, 0),"
    " 'balance', CASE WHEN c.annual_days IS NULL THEN NULL"
    "  ELSE max(c.annual_days - coalesce(n.taken, 0), 0) END,"
    " 'eligible_from', CASE WHEN g.hired_on IS NULL THEN NULL ELSE date(g.hired_on, '+1 year') "
    "END)"
    " FROM guard g CROSS JOIN leave_code c"
    " LEFT JOIN (SELECT l.guard_id, l.code, count(*) AS taken FROM leave l JOIN guard r"
    "  USING (guard_id) WHERE l.status = 'RECORDED'"
    "  AND l.date BETWEEN :year || '-01-01' AND :year || '-12-31'"
    /* a rest day in a range takes nothing from the year (md/kinds.c) */
    "  AND instr(r.rest_days, substr('SUNMONTUEWEDTHUFRISAT',"
    "   1 + 3 * CAST(strftime('%w', l.date) AS INTEGER), 3)) = 0"
    "  GROUP BY l.guard_id, l.code) n"
    "  ON n.guard_id = g.guard_id AND n.code = c.code"
    " WHERE (:guard IS NULL OR g.guard_id = :guard)"
    " AND (c.annual_days IS NOT NULL OR n.taken > 0)"
    " AND (g.separated_on IS NULL OR g.separated_on >= :year || '-01-01')"
    " ORDER BY g.guard_id, c.code";

int report_leave(tenant_t *t, const report_scope *sc, const char *year, jv *out, armms_err *err)
{
    store_t s;
    *out = jv_array();
    if (report_open(&s, t, "hr", NULL, err))
        return err->code;
    int rc = report_rows(&s, sql_leave, sc, ":year", year, NULL, NULL, out, err);
    store_close(&s);
    return rc;
}

/* The sum of a paysheet's deductions of one status. */
#define DEDUCTED(st)                                                                              \
    "(SELECT coalesce(sum(d.value ->> '$.amount'), 0) FROM json_each(p.record, '$.deductions') d" \
    " WHERE d.value ->> '$.status' = '" st "')"

static const char sql_paysheets[] =
    "SELECT json_object('kind', 'PaysheetSummary', 'v', 1, 'paysheet_id', p.paysheet_id,"
    " 'guard_id', p.guard_id, 'name', " REPORT_NAME(
        "p.guard_id") ", 'period', p.period_id,"
                      " 'version', p.version, 'status', p.status, 'stage', p.record ->> '$.stage',"
                      " 'gross', p.gross, 'taxable', p.record ->> '$.taxable',"
                      " 'deducted', " DEDUCTED("APPLIED") ", 'deferred', " DEDUCTED(
                          "DEFERRED") ","
                                      " 'waived', " DEDUCTED(
                                          "WAIVED") ", 'net', p.net,"
                                                    " 'held', (SELECT count(*) FROM paysheet_hold "
                                                    "h WHERE h.paysheet_id = p.paysheet_id"
                                                    "   AND h.status = 'OPEN'))"
                                                    " FROM paysheet p WHERE p.period_id = :period "
                                                    "AND (:guard IS NULL OR p.guard_id = :guard)"
                                                    " ORDER BY p.guard_id";

int report_paysheets(tenant_t *t, const report_scope *sc, jv *out, armms_err *err)
{
    store_t s;
    *out = jv_array();
    if (report_open(&s, t, "pay", "hr", err))
        return err->code;
    int rc = report_rows(&s, sql_paysheets, sc, NULL, NULL, NULL, NULL, out, err);
    store_close(&s);
    return rc;
}

int report_payrun(tenant_t *t, const char *period, jv *out, int *found, armms_err *err)
{
    store_t s;
    *out = jv_null();
    *found = 0;
    if (report_open(&s, t, "pay", NULL, err))
        return err->code;
    int rc = payrun_record(&s, period, out, found, err);
    store_close(&s);
    return rc;
}
