/*
 * sheets.c - the approved paysheets of a period (sheets.h).
 */
#include <string.h>

#include "core/clock.h"
#include "out/sheets.h"

static void copy_col(char *dst, size_t n, sqlite3_stmt *st, int col)
{
    const unsigned char *v = sqlite3_column_text(st, col);
    snprintf(dst, n, "%s", v ? (const char *)v : "");
}

/* "2026-12-02T18:14:11Z" as seconds since the epoch, -1 when it is not one. */
static int64_t utc_epoch(const char *iso)
{
    instant_t t;
    return iso_parse(iso, &t, NULL) ? -1 : t;
}

static const char period_sql[] =
    "SELECT r.status, r.approved_at, pp.from_date, pp.to_date, coalesce(pp.pay_date, pp.to_date)"
    " FROM payrun r LEFT JOIN period pp ON pp.period_id = r.period_id WHERE r.period_id = ?1";

int out_period_open(store_t *s, const char *period, out_period *p, armms_err *err)
{
    sqlite3_stmt *st;
    memset(p, 0, sizeof *p);
    snprintf(p->id, sizeof p->id, "%s", period);
    if (sqlite3_prepare_v2(s->db, period_sql, -1, &st, NULL))
        return err_set(err, EXIT_SOFTWARE, "payrun of %s: %s", period, sqlite3_errmsg(s->db));
    sqlite3_bind_text(st, 1, period, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        copy_col(p->status, sizeof p->status, st, 0);
        copy_col(p->approved_at, sizeof p->approved_at, st, 1);
        copy_col(p->from, sizeof p->from, st, 2);
        copy_col(p->to, sizeof p->to, st, 3);
        copy_col(p->pay_date, sizeof p->pay_date, st, 4);
    }
    sqlite3_finalize(st);
    if (rc == SQLITE_DONE)
        return err_set(err, EXIT_DATAERR, "no payrun for %s: nothing of it may leave", period);
    if (rc != SQLITE_ROW)
        return err_set(err, EXIT_SOFTWARE, "payrun of %s: %s", period, sqlite3_errmsg(s->db));
    if (strcmp(p->status, "APPROVED") && strcmp(p->status, "CLOSED"))
        return err_set(err, EXIT_DATAERR,
                       "the payrun of %s is %s: nothing of it leaves before it is approved",
                       period, p->status);
    p->approved_epoch = utc_epoch(p->approved_at);
    if (p->approved_epoch < 0)
        return err_set(err, EXIT_DATAERR, "the payrun of %s has no approval instant ('%s')",
                       period, p->approved_at);
    return 0;
}

static const char sheets_sql[] =
    "SELECT p.guard_id, coalesce(g.employee_no,''), coalesce(g.last_name,''),"
    " coalesce(g.first_name,''), coalesce(g.position_id,''), coalesce(g.bank_code,''),"
    " coalesce(g.bank_account,''), p.status, p.gross, coalesce(p.net, p.gross),"
    " g.guard_id IS NOT NULL"
    " FROM paysheet p LEFT JOIN hr.guard g ON g.guard_id = p.guard_id"
    " WHERE" OUT_SHEETS_WHERE " ORDER BY p.guard_id";

int out_sheets_each(store_t *s, const out_period *p, out_sheet_fn fn, void *ctx, armms_err *err)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->db, sheets_sql, -1, &st, NULL))
        return err_set(err, EXIT_SOFTWARE, "paysheets of %s: %s", p->id, sqlite3_errmsg(s->db));
    sqlite3_bind_text(st, 1, p->id, -1, SQLITE_STATIC);
    int rc = 0, step;
    while (!rc && (step = sqlite3_step(st)) == SQLITE_ROW) {
        out_sheet sh = {
            .guard_id = (const char *)sqlite3_column_text(st, 0),
            .employee_no = (const char *)sqlite3_column_text(st, 1),
            .last_name = (const char *)sqlite3_column_text(st, 2),
            .first_name = (const char *)sqlite3_column_text(st, 3),
            .position_id = (const char *)sqlite3_column_text(st, 4),
            .bank_code = (const char *)sqlite3_column_text(st, 5),
            .bank_account = (const char *)sqlite3_column_text(st, 6),
            .status = (const char *)sqlite3_column_text(st, 7),
            .gross_c = sqlite3_column_int64(st, 8),
            .net_c = sqlite3_column_int64(st, 9),
            .known = sqlite3_column_int(st, 10),
        };
        rc = fn(&sh, ctx, err);
    }
    if (!rc && step != SQLITE_DONE)
        rc = err_set(err, EXIT_SOFTWARE, "paysheets of %s: %s", p->id, sqlite3_errmsg(s->db));
    sqlite3_finalize(st);
    return rc;
}
