/*
 * deduct.h - net pay: a guard's gross Paysheet of a period (stage
 * "gross", pay/gross.h) taken on to stage "net" with its additions,
 * statutory contributions, withholding tax, loans and deductions.
 *
 * Per guard and period P (rules of pay/rules.h in force on P's last day):
 *  1. additions: allowances and rewards due in P (schedule rows of P, and
 *     open-ended ACTIVE obligations on their frequency) become lines of
 *     kind allowance/reward with their obligation_id, taxable as the
 *     obligation says; gross is the sum of the lines again;
 *  2. statutory contributions of P's month, in the run policy names
 *     (sss_run, philhealth_run, hdmf_run: "A" or "B"), each an obligation
 *     of kind statutory "SSS/YYYY-MM/GUARD" with one row (seq 1) in P:
 *     amount the employee share, employer_share the employer's (SSS: with
 *     EC). Bases:
 *       SSS        the month's compensation: the earning, adjustment and
 *                  taxable addition lines (basic, OT, ND, holiday and
 *                  premium pay; not non-taxable allowances or
 *                  reimbursements) of P and of the month's earlier half, as
 *                  its paysheet stands (the closed one once its run is
 *                  closed; the latest one otherwise, marked closed:false
 *                  in month_base so the officer sees it);
 *       PhilHealth the monthly equivalent of the basic daily rate: daily x
 *                  days_per_year / 12 (PhilHealth Circular 2018-0001; DOLE
 *                  Advisory 001-10 factors), the daily rate being that of
 *                  the basic lines with the most minutes (ties: the higher
 *                  rate), of P or else of the month's other half;
 *       Pag-IBIG   hdmf_base "monthly_equivalent" (the default: the same
 *                  monthly equivalent) or "actual" (the month's
 *                  compensation so far, as SSS), capped
 *                  by the table (HDMF Circular 460).
 *     No basic line and no compensation in the month: no contribution.
 *     A contribution of the A run is taken in the B run instead when the
 *     guard has no paysheet in the month's first half (catch_up:true), so
 *     no month goes without it.
 *  3. withholding tax (code TAX; RR 11-2018 semi-monthly table): taxable
 *     = the taxable lines - the SSS, PhilHealth and Pag-IBIG employee
 *     shares applied in this run. A minimum wage earner (every basic daily
 *     rate of P at or below the regional minimum of the guard's
 *     detachments' region, the lowest when there are several; TRAIN law,
 *     RR 11-2018) is exempt on the statutory minimum wage
 *     and its holiday, OT and ND pay: taxable is then only the taxable
 *     addition lines, and the contributions (paid out of the exempt pay)
 *     are not taken from them. One centavo above the minimum: all taxable.
 *     Tax is never deferred or waived: it is the government's, withheld on
 *     the pay of the period;
 *  4. obligations due in P (rows of P; open-ended ACTIVE ones on their
 *     frequency) become Deduction items, all ordered by pay_priority_on of
 *     their code (tax first by default);
 *  5. net floor (policy net_floor: "0", an amount "500.00", or "30%" of
 *     gross): while net is below it, the lowest-priority applied item
 *     (the last in the order; tax never) is deferred whole: its row
 *     becomes DEFERRED with a waiver of reason NET_FLOOR, policy carry,
 *     and a DUE row in the next period takes its amount (pay/waiver.h).
 *     Deferring a contribution raises taxable, so tax is computed again
 *     after each deferral.
 * Schedule rows follow the computed paysheet: APPLIED while a computed
 * paysheet applies them, DUE again when a recompute stops applying them;
 * they are final once the run closes (a closed paysheet is never
 * rewritten). A recompute of an unclosed period first takes back its own
 * NET_FLOOR deferrals (while the row they moved to is still DUE), so a
 * rerun on the same data is a no-op: no new rows, no events, no new
 * paysheet version. An officer's waiver (WAIVED) is never taken back here.
 *
 * Deduction items carry code, label, kind, amount (employee share),
 * employer_share (without EC) and ec, base and credit, obligation_id and
 * seq, status APPLIED|WAIVED|DEFERRED and waiver {reason, policy,
 * to_period}. gross - the APPLIED amounts = net.
 *
 * Uses core, store and pay (rules, paysheet, waiver). The store passed in
 * is pay.db with hr attached read-only (store_attach_ro).
 */
#ifndef ARMMS_PAY_DEDUCT_H
#define ARMMS_PAY_DEDUCT_H

#include <jv.h>
#include <stddef.h>
#include <stdio.h>

#include "core/money.h"
#include "core/reject.h"
#include "pay/paysheet.h"
#include "pay/rules.h"
#include "store/store.h"

enum { DEDUCT_BATCH = 2000 };

/* Take period's gross paysheets (guard NULL: every paysheet of the period)
 * to stage net, writing each paysheet to out after its batch committed
 * (the unchanged ones too). A guard's rejection (a missing rule, a locked
 * period) goes to rej and the others go on. */
int pay_deduct(store_t *pay, const pay_rules *rules, const char *period, const char *guard,
               FILE *out, reject_sink *rej, pay_counts *n, armms_err *err);

/* Stream mode: Paysheet records (consumed) name the guards and periods to
 * take to stage net again (from the stored paysheet, not the record's
 * figures); a first half also takes the month's second half along when
 * that has a paysheet and is not closed (its SSS base is the month's).
 * deduct_stream_finish computes them, period by period, each once. */
typedef struct deduct_stream deduct_stream;
deduct_stream *deduct_stream_open(store_t *pay, const pay_rules *rules, FILE *out,
                                  reject_sink *rej, pay_counts *n);
int deduct_stream_record(deduct_stream *ds, jv rec, const char *source, long line, const char *raw,
                         size_t raw_len, armms_err *err);
int deduct_stream_finish(deduct_stream *ds, armms_err *err);
void deduct_stream_close(deduct_stream *ds);

/* ---- the pure arithmetic (deduct_net.c) ---- */

/* The floor a net_floor policy value sets for gross: "0", an amount in
 * pesos ("500.00"), or a share of gross ("30%", "12.5%"; rounded once).
 * 0, or -1 for a value of another form. */
int deduct_floor(const char *policy, money_t gross, money_t *floor);

/* One deduction in priority order (the caller sorts). */
typedef struct net_item {
    money_t amount;
    int statutory;  /* an employee share: lowers taxable while applied */
    int deferrable; /* the floor may defer it */
    int applied;    /* in: 1 to apply; out: 0 when the floor deferred it */
} net_item;

/* The tax for the statutory shares applied (the caller's table). */
typedef money_t (*net_tax_fn)(money_t statutory_applied, void *ctx);

/* Settle the items against gross and floor: apply them, then defer the
 * deferrable applied items from the last one back while net < floor,
 * computing tax again after each. *tax gets the final tax; returns net =
 * gross - tax - the applied amounts. */
money_t deduct_settle(net_item *it, size_t n, money_t gross, money_t floor, net_tax_fn tax,
                      void *ctx, money_t *tax_out);

#endif
