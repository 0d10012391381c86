/*
 * remit.h - the government files of a month or a year, read from the
 * approved runs: SSS (R3 contribution collection list), Pag-IBIG member
 * contributions and short-term loan payments, PhilHealth premiums, and
 * BIR's monthly withholding summary (1601-C), alphalist (1604-C) and
 * each employee's 2316 figures.
 *
 * Invariants:
 *  1. Only approved pay is read: pay.db paysheet rows APPROVED or PAID of
 *     a period whose payrun is APPROVED or CLOSED. Nothing is recomputed:
 *     contributions are the paysheets' APPLIED deductions of kind
 *     statutory (codes SSS, PHILHEALTH, HDMF; amount the employee share,
 *     employer_share, ec, ee_mpf, er_mpf as armms-deduct stored them),
 *     tax the APPLIED deduction of kind tax, loans the APPLIED deductions
 *     of kind loan. A contribution belongs to the month its obligation
 *     names ("SSS/2026-11/G1"), which is the month it is remitted for
 *     even when a deferral took it in a later period.
 *  2. Money is integer centavos; sums are of stored amounts only.
 *  3. Deterministic: rows sorted by last name, first name and guard id;
 *     dates come from the payrun rows, never the clock.
 *  4. Nothing here prints: the writers take the FILE the tool hands in.
 *
 * Uses pay (payrun status), md (hr.db guard, attached as "hr"), store and
 * core. The store is pay.db with hr attached read-only.
 */
#ifndef ARMMS_OUT_REMIT_H
#define ARMMS_OUT_REMIT_H

#include <jv.h>
#include <stdio.h>

#include "core/money.h"
#include "core/util.h"
#include "store/store.h"

/* The periods a file covers and whether each is approved. */
#define REMIT_MAX_PERIODS 64 /* 24 half-months, the 13th month, final pays */
typedef struct remit_scope {
    char what[8]; /* "2026-11" or "2026" */
    int year_scope;
    size_t n;
    struct {
        char period[24];
        char status[16]; /* payrun status, "" without a payrun */
        int approved;    /* APPROVED or CLOSED */
    } p[REMIT_MAX_PERIODS];
    int complete;      /* every period it needs is approved */
    char missing[400]; /* "2026-11-B (COMPUTED)" ... when not complete */
} remit_scope;

/* A month (YYYY-MM): its two halves, both needed. A year (YYYY): every
 * period of the year that has a payrun; one not yet approved makes it
 * incomplete. Either also takes the runs that pay no period of work paid
 * in it and having a payrun: the year's 13th month (a month: December
 * only) and the final pays dated in it. 0, or EXIT_USAGE for a bad month/year, or a store error.
 */
int remit_scope_month(store_t *s, const char *month, remit_scope *sc, armms_err *err);
int remit_scope_year(store_t *s, const char *year, remit_scope *sc, armms_err *err);

/* One contribution of one guard for one applicable month (sums of the
 * APPLIED rows of the approved paysheets in scope). */
typedef struct remit_contrib {
    char code[16]; /* SSS, PHILHEALTH, HDMF */
    char month[8]; /* applicable month, from the obligation id */
    money_t ee, er, ec, ee_mpf, er_mpf, base, credit, credit_ss, credit_mpf;
} remit_contrib;

typedef struct remit_loan {
    char obligation_id[64], code[32], label[96];
    money_t amount;
} remit_loan;

/* The BIR figures of a guard over the scope, from the stored lines and
 * deductions (see remit_bir_add for how each paysheet splits). */
typedef struct remit_bir {
    money_t gross, mwe_smw, mwe_premium, benefits, de_minimis, contributions, other_nontaxable,
        nontaxable, taxable, tax;
    int paysheets, mwe_paysheets;
} remit_bir;

#define REMIT_MAX_CONTRIB 16
#define REMIT_MAX_LOANS 8
typedef struct remit_person {
    char *guard_id, *employee_no, *last_name, *first_name, *sss_no, *philhealth_no, *hdmf_no, *tin;
    remit_contrib c[REMIT_MAX_CONTRIB];
    size_t nc;
    remit_loan l[REMIT_MAX_LOANS];
    size_t nl;
    remit_bir bir;
    long not_applied;      /* statutory rows deferred or waived in these paysheets */
    money_t not_applied_c; /* their employee shares */
} remit_person;

typedef struct remit_set {
    remit_person *v;
    size_t n, cap;
} remit_set;

/* The approved paysheets of sc's approved periods (guard: one guard's
 * only), person by person in sort order. */
int remit_load(store_t *s, const remit_scope *sc, const char *guard, remit_set *set,
               armms_err *err);
void remit_set_free(remit_set *set);

/* How one paysheet (consumed) adds to b: gross; for a minimum wage earner
 * (its TAX deduction says mwe) the statutory minimum wage (BASIC lines and
 * basic lines at 100%) and the holiday, OT and ND pay (the other exempt
 * earnings) are exempt; non-taxable bonus lines are 13th-month pay and
 * other benefits, other non-taxable lines de minimis; the employee shares
 * of the applied contributions of a non-MWE; what is left of gross -
 * taxable is "other non-taxable" (0 unless taxable was floored at 0).
 * taxable and tax are the paysheet's own. Pure: for the unit tests. */
void remit_bir_add(remit_bir *b, jv paysheet);

/* ---- the records the tool shows and the files hold ---- */

/* Records (arrays, the caller's) of the set: kind SssContribution,
 * HdmfContribution, HdmfLoanPayment, PhilhealthContribution, Bir1601c (one),
 * Bir2316 (one per guard). A contribution record is one applicable month
 * of one guard: every contribution the scope's paysheets applied, a
 * deferral from an earlier month among them (its applicable_month says
 * so); month is the file's month. Each carries the personal numbers in full and
 * id_ok / id_problem for the number the agency keys on. */
jv remit_sss_records(const remit_set *set, const char *month);
jv remit_hdmf_records(const remit_set *set, const char *month);
jv remit_hdmf_loan_records(const remit_set *set, const char *month);
jv remit_philhealth_records(const remit_set *set, const char *month);
jv remit_1601c_record(const remit_set *set, const remit_scope *sc);
jv remit_2316_records(const remit_set *set, const remit_scope *sc);

/* ---- personal numbers (format checks; see remit_id.c) ---- */

/* Each copies the digits of in (dashes and blanks dropped) into out and
 * returns NULL when the number has the agency's shape, else why not. SSS:
 * 10 digits; PhilHealth PIN: 12; Pag-IBIG MID: 12; TIN: 9, or 9 with a
 * 3- to 5-digit branch code. No check digit is tested: none of these
 * agencies publishes its check-digit rule (armms-remit(1)). */
const char *remit_sss_no(const char *in, char out[16]);
const char *remit_philhealth_no(const char *in, char out[16]);
const char *remit_hdmf_no(const char *in, char out[16]);
const char *remit_tin(const char *in, char out[16]);

/* ---- files ---- */

typedef struct remit_employer {
    const char *name;   /* registered employer name */
    const char *sss_no; /* employer SSS number, 10 digits */
} remit_employer;

/* What a file writer wrote. */
typedef struct remit_written {
    long records, listed; /* detail records; records left out (bad number) */
    money_t ss[3], ec[3], mpf[3];
} remit_written;

/* The slot (0, 1, 2) of applicable month am ("YYYY-MM") in the quarter
 * of the R3 file of month ("YYYY-MM"), or -1 when am is of another
 * quarter and has no slot in that file. */
int remit_r3_slot(const char *month, const char *am);

/* The R3 text file of the SSS records (remit_sss_records; looked at) of month:
 * header 00, one detail 20 per record with a valid SSS number, trailer 99
 * (layout in armms-remit(1)). 0, EXIT_IOERR, or EXIT_DATAERR for an
 * employer number that is not 10 digits. */
int remit_write_r3(FILE *f, jv records, const char *month, const remit_employer *emp,
                   remit_written *w, armms_err *err);

/* A CSV column: header, field of the record, type. */
typedef enum { RC_TEXT, RC_MONEY, RC_INT, RC_BOOL } remit_csv_type;
typedef struct remit_csv_col {
    const char *header, *field;
    remit_csv_type type;
} remit_csv_col;
/* records (looked at) as CSV under cols (ended by a NULL header), with a
 * header line; text cells beginning = + - @ TAB or CR get a leading '
 * (formula injection); fields quoted by libcsv when they need it; money
 * in pesos "1250.00". 0 or EXIT_IOERR. */
int remit_write_csv(FILE *f, const remit_csv_col *cols, jv records, armms_err *err);
/* The CSV text of one cell, as remit_write_csv writes it. */
void remit_csv_cell(strbuf *b, const char *text);

#endif
