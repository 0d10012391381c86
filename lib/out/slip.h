/*
 * slip.h - a guard's payslip: the figures gathered from one approved
 * paysheet and the master data behind it, and the two ways of writing them
 * (plain text, slip_text.c; a PDF page made with libharu, slip_pdf.c).
 *
 * What a payslip shows, and where each figure comes from (nothing is
 * recomputed; every sum shown is a sum of the rows shown):
 *  - the agency: tenant.conf agency_name (default: the tenant id);
 *  - the period, its dates and pay date: pay.db period;
 *  - the guard: hr.db guard (employee_no, last and first name) and the
 *    name of its position; the detachments: those of the timesheet
 *    snapshots the paysheet priced (sources[].timesheet_id is
 *    PERIOD/GUARD/DETACHMENT/SHIFT), else the guard's assignments valid in
 *    the period;
 *  - earnings and deductions: the stored Paysheet record as it is (lines,
 *    deductions with their employer shares, status and waiver, gross, net);
 *  - loan balances after this period: per loan obligation started by this
 *    period, the schedule rows still owed - DUE ones, and APPLIED ones of a
 *    later period (a payslip printed again later shows the same balance).
 *    WAIVED and DEFERRED rows are left out: a waiver moves an installment
 *    to a new row, it never forgives it, so the sum owed is conserved;
 *  - year to date: the guard's APPROVED or PAID paysheets of runs APPROVED
 *    or CLOSED, from the year's first period up to and including this one
 *    (by period id): gross, withholding tax, and the APPLIED employee
 *    shares of SSS, PhilHealth and Pag-IBIG.
 *
 * Invariants:
 *  1. only a period whose payrun is APPROVED or CLOSED gives payslips
 *     (slip_run_open refuses any other with EXIT_DATAERR);
 *  2. only paysheets stored APPROVED or PAID are read;
 *  3. the same stored run gives the same bytes: every date written comes
 *     from the payrun row (approved_at, else closed_at), rows keep the
 *     record's order, guards and loans are sorted by id.
 *
 * Personal numbers (bank account, TIN, SSS, PhilHealth, HDMF) are not on
 * the payslip at all, so nothing here needs masking.
 *
 * The agency name is a tenant setting, not a pay rule: tenant.conf
 * agency_name=... (a line of at most 95 bytes), else the tenant id.
 *
 * Memory: an out_slip owns its strings and its paysheet jv; slip_free
 * releases them. Functions never print; the writers write to the FILE the
 * caller hands in.
 *
 * Uses pay (payrun status), store and core.
 */
#ifndef ARMMS_OUT_SLIP_H
#define ARMMS_OUT_SLIP_H

#include <jv.h>
#include <stdio.h>

#include "core/money.h"
#include "core/reject.h"
#include "core/util.h"
#include "store/store.h"
#include "store/tenant.h"

/* The fonts the PDF uses (Debian fonts-dejavu-core): Latin coverage, so
 * names such as Peñafiel or Ibáñez print as written. */
#define SLIP_FONT "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
#define SLIP_FONT_BOLD "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"

/* One period's approved payrun, as the payslips read it. s is pay.db with
 * hr.db attached as "hr" (the caller's). */
typedef struct slip_run {
    store_t *s;
    char period[16], status[16];
    char from[16], to[16], pay_date[16];
    char stamp[32]; /* approved_at (else closed_at): the date of every file */
    char agency[128];
} slip_run;

typedef struct slip_loan {
    char *obligation_id, *code, *label;
    money_t balance_c;
} slip_loan;

typedef struct slip_ytd {
    int year;
    long paysheets; /* how many paysheets the sums cover */
    money_t gross_c, tax_c, sss_c, philhealth_c, hdmf_c;
} slip_ytd;

typedef struct out_slip {
    const slip_run *run;
    char *guard_id, *employee_no, *name, *position, *detachments;
    jv paysheet; /* the stored record */
    slip_loan *loans;
    size_t nloans;
    slip_ytd ytd;
} out_slip;

/* Read period's payrun: EXIT_DATAERR when it has none or it is neither
 * APPROVED nor CLOSED (the message says which and what to do). */
int slip_run_open(slip_run *r, store_t *s, const tenant_t *t, const char *period, armms_err *err);
/* The guards with an approved paysheet in the run, sorted (malloc'd array
 * of malloc'd strings, *n set). */
int slip_run_guards(const slip_run *r, char ***ids, size_t *n, armms_err *err);
/* Gather guard's payslip into *sl: 0, REJECTED (with rj filled) when the
 * guard has no approved paysheet in the run (NO_PAYSHEET) or is not in
 * hr.db (NO_GUARD), or an EXIT_* code. slip_free it in every case. */
int slip_load(const slip_run *r, const char *guard, out_slip *sl, rejection *rj, armms_err *err);
void slip_free(out_slip *sl);

/* Plain text, at most 80 columns a line (a caller writing several puts a
 * form feed between them). 0 or EXIT_IOERR. */
int slip_text(FILE *out, const out_slip *sl, armms_err *err);

/* A PDF of one or more payslips, a page (or more) each. */
typedef enum { SLIP_A4, SLIP_LETTER } slip_paper;
typedef struct slip_pdf slip_pdf;
/* stamp: the ISO-8601 UTC instant written as the creation and change
 * date. EXIT_UNAVAILABLE when a font cannot be loaded. */
int slip_pdf_open(slip_pdf **p, slip_paper paper, const char *stamp, armms_err *err);
int slip_pdf_add(slip_pdf *p, const out_slip *sl, armms_err *err);
/* Write the document to out: 0 or EXIT_IOERR. */
int slip_pdf_write(slip_pdf *p, FILE *out, armms_err *err);
void slip_pdf_free(slip_pdf *p);

/* The cells both writers show, formatted once. */
void slip_money(money_t c, char buf[32]);                        /* "1,250.00", "-12.30" */
void slip_hours(long min, char buf[16]);                         /* "96:00", "-8:00" */
void slip_percent(long bp, char buf[16]);                        /* 13000 "130%", 1250 "12.5%" */
void slip_dates(const char *from, const char *to, char buf[16]); /* "11/02-11/14" */
/* A line's label as shown: an adjustment names the period it corrects. */
char *slip_line_label(jv line_peek);
/* An earning line's cells as both writers show them: its label (malloc'd,
 * the caller frees it), dates, hours, daily rate and multiplier ("" when
 * the line has none: an allowance) and amount. */
typedef struct slip_earning {
    char *label;
    char dates[16], hours[16], rate[32], mult[16], amount[32];
} slip_earning;
void slip_earning_cells(jv line_peek, slip_earning *e);
/* A deduction's status as shown: "" when APPLIED, else "WAIVED to
 * 2026-11-B" / "DEFERRED to ..." (the period the amount moved to). */
void slip_ded_status(jv ded_peek, char buf[64]);
/* Integer field of a record, 0 when absent; string field, "" when absent. */
money_t slip_int(jv obj_peek, const char *key, int *present);
const char *slip_str(jv obj_peek, const char *key);

#endif
