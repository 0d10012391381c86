/*
 * payrun_int.h - what the files of the payrun share (payrun.c: the lock,
 * the lifecycle and approval; payrun_totals.c: the run's counts, totals
 * and record; payrun_hold.c: rejections and their holds; payrun_close.c:
 * the close). Private to them; pay/payrun.h is the API.
 *
 * Uses core, store and iam.
 */
#ifndef ARMMS_PAY_PAYRUN_INT_H
#define ARMMS_PAY_PAYRUN_INT_H

#include <sqlite3.h>

#include "core/money.h"
#include "pay/payrun.h"

/* One-shot statements with up to three text parameters (NULL: unbound). */
int pr_prep(store_t *s, sqlite3_stmt **st, const char *sql, armms_err *err);
void pr_bind(sqlite3_stmt *st, const char *a, const char *b, const char *c);
/* Run a write statement. */
int pr_exec(store_t *s, const char *sql, const char *a, const char *b, const char *c,
            armms_err *err);
/* The first column of the first row as text into out ("" when no row). */
int pr_text(store_t *s, const char *sql, const char *a, const char *b, char *out, size_t n,
            armms_err *err);
/* ... as a number (-1 on error, err filled). */
long pr_long(store_t *s, const char *sql, const char *a, const char *b, armms_err *err);
/* Queue an event whose payload is in payload. */
int pr_emit(store_t *s, const char *type, const char *agg_type, const char *agg,
            const strbuf *payload, armms_err *err);

/* A period's paysheets summed (payrun_totals.c). */
typedef struct totals {
    money_t gross, net, taxable, tax, additions, adjustments, loans, deductions, deferred, waived;
    money_t sss_ee, sss_er, sss_ec, ph_ee, ph_er, hdmf_ee, hdmf_er;
    long paysheets, computed, approved, rejected, paid, held, unpriced, gross_only;
} totals;
int pr_sum_period(store_t *s, const char *period, totals *t, armms_err *err);
/* "counts":{...},"totals":{...} */
void pr_totals_json(strbuf *b, const totals *t);
/* Journal a Payrun event: the period, its status, what a close carried
 * (carried < 0: not said) and, with t, its counts and totals. */
int pr_emit_run(store_t *s, const char *type, const char *period, const char *status,
                const totals *t, long carried, armms_err *err);

/* The change a routed payrun command makes, run the same way when it is
 * requested (captured, then rolled back) and when it is applied;
 * request_id is NULL when it is done at once. */
typedef int (*pr_do_fn)(store_t *s, const void *args, const char *request_id, armms_err *err);
/* Through ch: requesting stores a change request of effect (consumed) with
 * summary (*made); otherwise fn commits on s at once. */
int pr_change(change_t *ch, store_t *s, pr_do_fn fn, const void *args, jv effect,
              const char *summary, FILE *out, int *made, armms_err *err);
/* Apply a request on approval: under the period's lock, fn inside the
 * approval's transaction; then, when show is set, the Payrun record to out. */
int pr_apply(change_t *ch, const char *period, pr_do_fn fn, const void *args, int show, FILE *out,
             armms_err *err);

#endif
