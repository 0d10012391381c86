/*
 * obligation.h - an obligation's installment schedule: which pay period
 * deducts (or, for an allowance or reward, pays) how much.
 *
 * Deductions from wages are limited to those the law allows (Labor Code
 * art. 113); an obligation record (md kind "obligation") is that
 * authority, and its schedule is what payroll applies, one installment per
 * pay period (pay/period.h):
 *  - a known number of installments, or a principal divided into
 *    installments, gives that many rows; the last one takes the remainder,
 *    so the rows add up to the principal;
 *  - frequency "A" or "B" puts every installment in that half of the
 *    month, "each" in every period, starting at start_period;
 *  - neither count nor principal: open-ended, applied every period while
 *    the obligation is ACTIVE, so no rows;
 *  - a schedule is regenerated whole when its obligation changes, and only
 *    while none of its rows has been applied: an applied installment is
 *    payroll history, changed by a waiver or adjustment, never rewritten.
 *
 * Uses core, store and md (registered with md_register by cli/actions.c).
 */
#ifndef ARMMS_PAY_OBLIGATION_H
#define ARMMS_PAY_OBLIGATION_H

#include "md/masterdata.h"

/* md_written_fn for kind "obligation": write r's schedule in s. */
int pay_obligation_schedule(store_t *s, sqlite3_stmt **stmt, const md_rec *r, rejection *rj,
                            armms_err *err);

#endif
