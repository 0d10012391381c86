/*
 * payrun_close.c - closing a run (route payrun.close): what nobody was
 * paid is carried to the next period, then the run and its period lock.
 */
#include "pay/payrun_int.h"

#include <stdlib.h>
#include <string.h>

#include "core/ndjson.h"
#include "pay/waiver.h"

/* ---- close (payrun.close) ---- */

/* Deductions of the period still DUE when its run closes were taken from
 * nobody's pay (the guard had no paysheet, or it did not apply them): each
 * is carried to the next period as a NOT_PAID deferral, so closing never
 * leaves an amount owed in a period that can no longer take it. */
static int carry_unpaid(store_t *s, const char *period, long *carried, armms_err *err)
{
    sqlite3_stmt *st;
    *carried = 0;
    if (pr_prep(s, &st,
                "SELECT DISTINCT s.obligation_id FROM obligation_schedule s"
                " JOIN obligation o USING (obligation_id)"
                " WHERE s.period_id = ?1 AND s.status = 'DUE'"
                " AND o.kind IN ('loan', 'deduction', 'statutory') ORDER BY 1",
                err))
        return err->code;
    pr_bind(st, period, NULL, NULL);
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
    if (payrun_status_of(s, period, st, err) || pr_sum_period(s, period, &t, err))
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
    if (pr_exec(s,
                "UPDATE payrun SET status = 'CLOSED', closed_by = ?2, closed_at = ?3"
                " WHERE period_id = ?1",
                period, s->tenant->actor, now, err))
        return err->code;
    if (request_id && pr_exec(s, "UPDATE payrun SET request_id = ?2 WHERE period_id = ?1", period,
                              request_id, NULL, err))
        return err->code;
    if (pr_exec(s, "UPDATE period SET status = 'CLOSED' WHERE period_id = ?1", period, NULL, NULL,
                err))
        return err->code;
    return pr_emit_run(s, "PayrunClosed", period, "CLOSED", &t, carried, err);
}

static int close_fn(store_t *s, const void *args, const char *request_id, armms_err *err)
{
    return do_close(s, args, request_id, err);
}

int payrun_close_change(change_t *ch, store_t *s, const char *period, FILE *out, int *made,
                        armms_err *err)
{
    char summary[200];
    snprintf(summary, sizeof summary, "close the payrun of %s", period);
    jv e = jv_object_set(jv_object(), jv_string("period"), jv_string(period));
    return pr_change(ch, s, close_fn, period, e, summary, out, made, err);
}

int payrun_close_apply(change_t *ch, jv effect, FILE *out, reject_sink *rej, armms_err *err)
{
    int rc = pr_apply(ch, json_str_peek(effect, "period", NULL), close_fn,
                      json_str_peek(effect, "period", NULL), 1, out, err);
    jv_free(effect);
    return rc;
}
