/*
 * view.h - the payroll views: a paysheet, a guard's obligations with their
 * schedules, a payrun's totals. Each shows records already read from the
 * store, as they are: a view never recomputes pay (the sums it shows are
 * of the rows it shows), so it needs only a read scope.
 *
 * Formats (cli/render.h): a table on a terminal, NDJSON otherwise, CSV on
 * request. In NDJSON a view writes its records unchanged but for the masked
 * personal fields; in CSV, data rows only; the table adds headings, the
 * guard's name ("Last, First"), hours as h:mm and money with thousands
 * separators.
 *
 * Record shapes:
 *  - view_paysheet: a Paysheet (schemas/paysheet, DESIGN.md section 4):
 *    paysheet_id, guard_id, period{id,from,to}, version, stage, status,
 *    lines[{code,label,kind,from,to,minutes?,daily_rate?,multiplier?,
 *    amount,obligation_id?,adjusts_period?}], gross, deductions[{code,label,
 *    kind,amount,employer_share?,status,obligation_id?,waiver?{reason,
 *    policy,to_period?}}], taxable, net. CSV: one row per line (section
 *    "line"), per deduction ("deduction") and the record's gross, taxable
 *    and net ("total", codes GROSS, TAXABLE, NET).
 *  - view_obligations: an array of Obligation records as armms-deduct
 *    obligations writes them (pay/waiver.h): {obligation_id, guard_id?,
 *    code, label, obligation_kind, principal?, installment?,
 *    installments?, status?, schedule:[{seq, period, amount,
 *    employer_share?, status (DUE|APPLIED|WAIVED|DEFERRED), waiver_id?,
 *    waiver?{reason,policy,to_period?}}]}, in the
 *    order to show. NDJSON: each obligation as given; CSV and the table:
 *    one row per schedule row (an obligation without one: a row of its
 *    own). The table sums what is still owed (DUE) and what was applied,
 *    deductions and additions (allowance, reward) apart.
 *  - view_run_totals: a Payrun (pay/payrun.h payrun_record): period{id,from,
 *    to}, status, counts{paysheets,computed,approved,rejected,paid?,held,
 *    ...}, totals{gross,additions?,sss{ee,er,ec},philhealth{ee,er},hdmf{ee,
 *    er},tax,loans,deductions,net,deferred,...}, blockers?[{code,count,
 *    message}]. Fields it lacks are left out. CSV: key,value rows, the key
 *    the field's path ("totals.sss.ee").
 *
 * Each returns 0, or EXIT_IOERR with err set when out failed. The record
 * arguments are consumed (the jv rule).
 *
 * Uses cli/render.h and core.
 */
#ifndef ARMMS_CLI_VIEW_H
#define ARMMS_CLI_VIEW_H

#include <jv.h>
#include <stdio.h>

#include "cli/render.h"
#include "core/util.h"

/* guard_name: as view_guard_name makes it, from hr.db; NULL shows none. */
int view_paysheet(jv paysheet, const char *guard_name, FILE *out, render_format fmt,
                  armms_err *err);
int view_obligations(jv obligations, const char *guard_id, const char *guard_name, FILE *out,
                     render_format fmt, armms_err *err);
int view_run_totals(jv payrun, FILE *out, render_format fmt, armms_err *err);

/* "Last, First" (malloc'd), or the one name given; NULL when neither. */
char *view_guard_name(const char *last, const char *first);
/* The name of guard as view_guard_name makes it, read from hr.db attached
 * to db as "hr" (NULL when there is no such guard). */
#include <sqlite3.h>
char *view_guard_lookup(sqlite3 *db, const char *guard);
/* The NDJSON lines of text (len bytes) as an array of records. */
jv view_records_of(const char *text, size_t len);

#endif
