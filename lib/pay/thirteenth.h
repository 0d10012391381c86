/*
 * thirteenth.h - 13th-month pay (PD 851 and its IRR) as a run of its own:
 * period "YYYY-13M" (pay/period.h), one paysheet "YYYY-13M/GUARD" per
 * guard with basic pay in the year, through the payrun lifecycle of
 * pay/payrun.h (open, compute, approve, close), so whatever reads the
 * paysheets of a period (payslips, bank files) reads it unchanged.
 *
 * The figure: 1/12 of the basic pay earned in the calendar year, rounded
 * once to the centavo, less the 13th-month pay already paid in the year
 * (a final pay's pro-rated part, pay/final.h). Basic pay is the amount of
 * every line marked "basic" (regular-minutes pay and, unless the pay
 * policy thirteenth_unworked_holiday is "exclude", unworked regular-holiday
 * pay; adjustment lines included, counted in the year of the paysheet that
 * carries them) on the guard's APPROVED or PAID paysheets of the year's
 * regular periods. A guard hired or separated mid-year earned less basic
 * pay, so the pro-rating is in the figure itself.
 *
 * Tax (RA 10963 s. 32(B)(7)(e), RR 11-2018): 13th-month pay and other
 * benefits are exempt together up to the annual ceiling (pay policy
 * benefit_exempt_ceiling, effective-dated). "Other benefits" are the
 * non-taxable bonus and reward lines already paid in the year, and the
 * 13th-month pay already paid; the room left under the ceiling is the
 * exempt part (line THIRTEENTH, taxable false), the rest the taxable part
 * (line THIRTEENTH_TAXABLE, taxable true). No tax is withheld in the run:
 * the taxable part is reported as the paysheet's taxable for the year-end
 * annualization.
 *
 * Uses core, store and pay.
 */
#ifndef ARMMS_PAY_THIRTEENTH_H
#define ARMMS_PAY_THIRTEENTH_H

#include <stdio.h>

#include "core/money.h"
#include "pay/paysheet.h"
#include "pay/rules.h"

/* The arithmetic (pure; tests/unit/test_thirteenth.c). */
typedef struct thirteenth_calc {
    money_t basic;   /* in: basic pay earned in the year */
    money_t paid;    /* in: 13th-month pay already paid in the year */
    money_t other;   /* in: other non-taxable benefits paid in the year */
    money_t ceiling; /* in: the annual exemption */
    money_t due;     /* out: basic / 12 rounded, less paid; never below 0 */
    money_t exempt;  /* out: the part of due under the ceiling */
    money_t taxable; /* out: due - exempt */
} thirteenth_calc;
void thirteenth_figure(thirteenth_calc *c);

/* What a guard's paysheets of a year hold, for the 13th-month figure:
 * basic (by the policy), other non-taxable benefits, and the 13th-month
 * pay already paid on the year's 13M and FINAL runs other than skip. */
typedef struct thirteenth_base {
    money_t basic, other, paid;
    long paysheets; /* regular paysheets read */
} thirteenth_base;
/* any_status (final pay): basic from COMPUTED paysheets too (the last
 * period may not be approved yet), and paid only from CLOSED runs; else
 * (the 13M run) basic from APPROVED and PAID paysheets, paid from every
 * final pay of the year whatever its status. So the two never wait on
 * each other: a final pay computed while the 13M run is open pays the
 * whole pro-rated figure, and the 13M run then subtracts it. */
int thirteenth_base_of(store_t *s, const char *guard, int year, int exclude_unworked,
                       int any_status, const char *skip, thirteenth_base *b, armms_err *err);

/* The lines of a 13th-month amount (appended to lines): THIRTEENTH for the
 * exempt part, THIRTEENTH_TAXABLE for the rest; none for a zero part. */
jv thirteenth_lines(jv lines, const thirteenth_calc *c, const char *from, const char *to);
/* The policy and ceiling in force on a date. */
int thirteenth_policy(const pay_rules *r, const char *on, int *exclude_unworked, money_t *ceiling,
                      rejection *rj);

/* Define the period row of a 13M or FINAL period (kind, dates, pay date)
 * when it has none; a regular id is left alone. In the caller's
 * transaction. */
int pay_special_period(store_t *s, const char *period, armms_err *err);

/* Compute the 13th-month paysheets of period (YYYY-13M; guard NULL: every
 * guard), each stored paysheet written to out as NDJSON. The run must be
 * OPEN, COMPUTED or APPROVED. */
int pay_thirteenth(store_t *s, const pay_rules *r, const char *period, const char *guard,
                   FILE *out, reject_sink *rej, pay_counts *n, armms_err *err);

/* A run past its pay date and not closed: 1 with msg filled (due dates of
 * 13M and FINAL runs: PD 851 IRR, DOLE Labor Advisory 06-2020), else 0. */
int pay_run_overdue(store_t *s, const char *period, char *msg, size_t n, armms_err *err);

#endif
