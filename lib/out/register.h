/*
 * register.h - the payroll register of a period: one row per guard with
 * an approved paysheet (out/sheets.h), by guard_id, and one column per
 * earning code and per deduction code the period's paysheets hold.
 *
 * Columns, in this order:
 *   guard_id, employee_no, last_name, first_name, position_id, bank_code;
 *   the earning line codes (BASIC first, then in the order the paysheets
 *   list them), their sum GROSS;
 *   the deduction codes, employee share applied (SSS, PHILHEALTH, HDMF and
 *   TAX always, then the others in paysheet order), their sum DEDUCTIONS;
 *   NET;
 *   the employer shares: SSS_ER, SSS_EC, PHILHEALTH_ER, HDMF_ER (and
 *   CODE_ER for any other deduction that carries one).
 * Only APPLIED deductions count: a WAIVED or DEFERRED item took nothing
 * this period and shows as 0 (its payslip says where it went).
 *
 * Invariants (each is the stored record's, never recomputed pay):
 *  1. GROSS and NET are the paysheet row's gross and net; the earning
 *     columns sum to GROSS and GROSS - DEDUCTIONS = NET, because the
 *     paysheet keeps those sums (schemas/paysheet);
 *  2. the totals are the sums of the rows, so the register's net total
 *     is what the bank files and the cash payouts must add up to;
 *  3. the same payrun gives the same bytes: rows by guard_id, columns in
 *     a fixed order, the XLSX's created date the payrun's approval.
 * Formats: CSV (libcsv), figures in pesos with 2 decimals, data rows only
 * (no TOTAL row: a program adds the rows up itself, as every ARMMS CSV);
 * XLSX (libxlsxwriter), figures as numbers formatted #,##0.00, a bold
 * title row and a TOTAL row under the rows. Text cells pass through
 * out_cell_text (no formula).
 *
 * Memory: an out_register is the caller's to free with out_register_free.
 *
 * Uses out (sheets, cell), store and core; libcsv, libxlsxwriter.
 */
#ifndef ARMMS_OUT_REGISTER_H
#define ARMMS_OUT_REGISTER_H

#include <stdint.h>
#include <stdio.h>

#include "out/sheets.h"

enum { REG_EARNING, REG_GROSS, REG_DEDUCTION, REG_DEDUCTIONS, REG_NET, REG_EMPLOYER };

typedef struct reg_col {
    char *code; /* the column's title: a code, or GROSS, DEDUCTIONS, NET */
    int kind;   /* REG_* */
} reg_col;

typedef struct reg_row {
    char *guard_id, *employee_no, *last_name, *first_name, *position_id, *bank_code;
    int64_t *v; /* one amount per column, centavos */
} reg_row;

typedef struct out_register {
    out_period period;
    reg_col *cols;
    int ncols;
    reg_row *rows;
    long nrows;
    int64_t *totals; /* per column */
    int col_gross, col_net;
} out_register;

/* The register of period p (checked with out_period_open). */
int out_register_build(store_t *s, const out_period *p, out_register **out, armms_err *err);
void out_register_free(out_register *r);

/* Write r as CSV to out: 0, or EXIT_IOERR. */
int out_register_csv(const out_register *r, FILE *out, armms_err *err);
/* Write r as XLSX to path (as path.tmp, then renamed). */
int out_register_xlsx(const out_register *r, const char *path, armms_err *err);

#endif
