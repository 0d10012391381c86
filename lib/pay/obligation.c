/*
 * obligation.c - see obligation.h.
 *
 * Invariants: an installment is at least one centavo (md/kinds.c: min 1),
 * so a principal divides into a finite count; the rows of a schedule are
 * numbered 1..count and add up to the principal when there is one.
 */
#include "pay/obligation.h"

#include <assert.h>
#include <stdio.h>

#include "core/clock.h"
#include "core/money.h"

enum { ST_USED, ST_DEL, ST_INS }; /* the slots of stmt this code fills */

static int prepare(store_t *s, sqlite3_stmt **stmt, armms_err *err)
{
    static const char used[] =
        "SELECT count(*) FROM obligation_schedule WHERE obligation_id=? AND status<>'DUE'";
    static const char del[] = "DELETE FROM obligation_schedule WHERE obligation_id=?";
    static const char ins[] = "INSERT INTO obligation_schedule(obligation_id, seq, period_id,"
                              " amount, status) VALUES (?,?,?,?,'DUE')";
    _Static_assert((int)ST_INS < (int)MD_HOOK_STMTS, "md keeps too few statement slots");
    if (store_prepare(s, &stmt[ST_USED], used, err) || store_prepare(s, &stmt[ST_DEL], del, err) ||
        store_prepare(s, &stmt[ST_INS], ins, err))
        return err->code;
    return 0;
}

/* How many rows a schedule has; 0 for an open-ended obligation. */
static long installment_count(const md_rec *r, money_t inst)
{
    int64_t cnt, p;
    if (md_rec_int(r, "installments", &cnt))
        return (long)cnt;
    if (md_rec_int(r, "principal", &p))
        return (long)((p + inst - 1) / inst);
    return 0;
}

/* Refuse to regenerate a schedule payroll has already applied. */
static int none_applied(sqlite3_stmt *used, const char *id, rejection *rj)
{
    sqlite3_bind_text(used, 1, id, -1, SQLITE_STATIC);
    int n = sqlite3_step(used) == SQLITE_ROW ? sqlite3_column_int(used, 0) : 0;
    sqlite3_reset(used);
    if (n)
        return rejection_set(rj, "CONFLICT",
                             "obligation %s already has %d applied installments; change it by a "
                             "waiver or adjustment",
                             id, n);
    return 0;
}

int pay_obligation_schedule(store_t *s, sqlite3_stmt **stmt, const md_rec *r, rejection *rj,
                            armms_err *err)
{
    int rc = prepare(s, stmt, err);
    const char *id = md_rec_text(r, "obligation_id");
    if (!rc)
        rc = none_applied(stmt[ST_USED], id, rj);
    if (!rc) {
        sqlite3_bind_text(stmt[ST_DEL], 1, id, -1, SQLITE_STATIC);
        rc = md_step_write(s, stmt[ST_DEL], rj, err);
    }
    if (rc)
        return rc;
    int64_t inst, principal;
    int ok = md_rec_int(r, "installment", &inst);
    assert(ok && inst > 0);
    (void)ok;
    long count = installment_count(r, inst);
    const char *freq = md_rec_text(r, "frequency");
    char period[10];
    snprintf(period, sizeof period, "%s", md_rec_text(r, "start_period"));
    money_t left = md_rec_int(r, "principal", &principal) ? principal : inst * count;
    for (long i = 0; !rc && i < count; i++) {
        while (freq[0] != 'e' && period[8] != freq[0])
            period_next(period, period);
        money_t amt = i == count - 1 ? left : inst;
        left -= amt;
        sqlite3_stmt *st = stmt[ST_INS];
        sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 2, i + 1);
        sqlite3_bind_text(st, 3, period, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(st, 4, amt);
        rc = md_step_write(s, st, rj, err);
        period_next(period, period);
    }
    assert(rc || left == 0);
    return rc;
}
