/*
 * final.h - final pay of a separated guard (DOLE Labor Advisory 06-2020:
 * within 30 days of separation), a run of its own: period
 * "FINAL-YYYY-MM-DD" (pay/period.h) holding one paysheet
 * "FINAL-YYYY-MM-DD/GUARD" per guard separated that day (hr.guard status
 * SEPARATED, separated_on the date), approved and closed like any run.
 *
 * What the final paysheet holds:
 *  - the last salary is NOT repeated: it is the guard's paysheet of the
 *    last regular period, priced by the normal engine from the timesheets
 *    up to the separation date and paid in that period's run; the final
 *    paysheet names it (final.last_salary) so nothing is paid twice;
 *  - the pro-rated 13th-month pay: the basic pay of the year on the
 *    guard's regular paysheets (COMPUTED ones too: the last period may not
 *    be approved yet) / 12, less what was paid as 13th-month pay in the
 *    year; the exempt and taxable parts as in pay/thirteenth.h;
 *  - the cash value of unused service incentive leave (Labor Code art.
 *    95): days x the basic daily rate of the last regular paysheet (line
 *    SIL_CASH). The days are hr.guard sil_days when the tenant records
 *    them (an override); else, once the guard has served a year by the
 *    separation (hired_on; not pro-rated: art. 95 and its IRR, Book III,
 *    Rule V), hr.leave_code SIL's annual_days less the SIL days on the day
 *    lines of the year's latest sealed snapshots in the inbox;
 *  - the cash bond refunded (Labor Code art. 114): every APPLIED
 *    installment of the guard's deductions whose code is the pay policy
 *    cash_bond_code (line CASH_BOND_REFUND per obligation);
 *  - loans settled: the guard's loan installments still DUE in periods
 *    after the last regular paysheet are taken, in deduction priority and
 *    schedule order, whole, while the net stays at or above the net floor
 *    (pay policy net_floor); a taken installment moves to the final period
 *    as APPLIED; the rest are left DUE where they were and listed as still
 *    owed (final.owed); one taken by an earlier computation that no
 *    longer fits goes back to DUE in the first half-month after the
 *    separation (its first period is not kept).
 * No tax is withheld here (see thirteenth.h); deductions are the loans.
 * Computing again with nothing changed stores nothing.
 *
 * Uses core, store and pay.
 */
#ifndef ARMMS_PAY_FINAL_H
#define ARMMS_PAY_FINAL_H

#include <stdio.h>

#include "pay/paysheet.h"
#include "pay/rules.h"

/* Settling installments against the net (pure; tests/unit/test_thirteenth.c).
 * items are in the order they are taken (priority, then loan, then
 * schedule), a loan's installments next to each other: each is taken
 * whole while net - amount stays >= floor; once one of a loan is not,
 * the later ones of that loan are not either. Returns the net left. */
typedef struct final_item {
    int loan;       /* which loan (equal for the installments of one) */
    money_t amount; /* the installment */
    int taken;      /* out */
} final_item;
money_t final_settle(final_item *it, size_t n, money_t net, money_t floor);

/* Compute the final paysheets of period (FINAL-YYYY-MM-DD; guard NULL:
 * every guard separated that day and every guard with a paysheet in it),
 * each stored paysheet written to out as NDJSON. A guard not separated on
 * the date is EXIT_DATAERR. Needs hr attached. */
int pay_final(store_t *s, const pay_rules *r, const char *period, const char *guard, FILE *out,
              reject_sink *rej, pay_counts *n, armms_err *err);

#endif
