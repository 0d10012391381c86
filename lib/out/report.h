/*
 * report.h - the read-only reports: what the stores hold, as records, for
 * the people who look at it every day (armms-report). Timekeeping from
 * tk.db, payroll from pay.db, master data from hr.db, change requests from
 * the store of each change.
 *
 * Invariants:
 *  1. Read only. Every store is opened with store_open_ro (SQLite
 *     mode=ro, SQLITE_OPEN_READONLY) and others ATTACHed mode=ro, so no
 *     report can write a row, the journal or the audit trail; no outbox is
 *     healed, nothing is recomputed.
 *  2. Stored figures only. A report shows the rows and the snapshot JSON as
 *     they are; its sums are of the rows it returns (SQLite's JSON
 *     functions read the snapshots). Money is integer centavos, durations
 *     integer minutes.
 *  3. Each report is an array of records of one kind (Exception, DTRReport,
 *     TimesheetReport, DetachmentSummary, RosterEntry, ObligationBalance,
 *     PaysheetSummary, LeaveBalance), each with kind and v, in a fixed order, so the
 *     same store gives the same output.
 *  4. Names of guards come from hr.db as "Last, First" in field name;
 *     personal numbers (bank account, TIN, SSS, PhilHealth, Pag-IBIG) are
 *     never selected.
 *
 * Memory: the jv rule (core/ndjson.h); *out is the caller's.
 *
 * Uses pay (payrun records), store and core; reads tk.db through SQL only.
 */
#ifndef ARMMS_OUT_REPORT_H
#define ARMMS_OUT_REPORT_H

#include <jv.h>

#include "core/util.h"
#include "store/tenant.h"

typedef struct report_scope {
    const char *period;     /* YYYY-MM-A|B, or NULL */
    char from[11], to[11];  /* the dates covered ("" when none) */
    const char *guard;      /* one guard, or NULL */
    const char *detachment; /* one detachment, or NULL */
    const char *date;       /* roster: the date */
    /* an actor limited to detachments (iam/rbac.h): a row naming a
     * detachment_id not among these (or none) is left out; rows of a
     * report that names no detachment are kept. NULL: every row. */
    char *const *dets;
} report_scope;

/* Fill from/to of sc from its period (EXIT_USAGE when it is not one). */
int report_scope_period(report_scope *sc, armms_err *err);
/* EXIT_DATAERR when sc names a guard or a detachment the tenant does not
 * have (the message names the nearest ids), so a typo is not shown as an
 * empty report. */
int report_scope_check(tenant_t *t, const report_scope *sc, armms_err *err);

/* Exceptions of the dates: time logs with an anomaly nobody has adjusted
 * yet, INCOMPLETE and ABSENT DTRs and late arrivals, each with the command
 * that fixes it (field fix). By date, guard, code. */
int report_exceptions(tenant_t *t, const report_scope *sc, jv *out, armms_err *err);
/* The DTRs of the dates, by guard, date, shift; in and out also as local
 * HH:MM in the tenant's zone (fields in, out). */
int report_dtr(tenant_t *t, const report_scope *sc, jv *out, armms_err *err);
/* The latest version of each timesheet of the period, by guard,
 * detachment, shift: minutes by day type, totals, days. */
int report_timesheets(tenant_t *t, const report_scope *sc, jv *out, armms_err *err);
/* One record per detachment with timesheets in the period: heads, days
 * worked, absent and incomplete, minutes worked (regular + overtime) by
 * day type, the totals, and the reliefs (DTRs of relievers). */
int report_detachments(tenant_t *t, const report_scope *sc, jv *out, armms_err *err);
/* The posts of sc->date: each assignment valid that day, its guard's rest
 * day, the reliever relieving him, the DTR's status when there is one and
 * whether the post is open (the guard rests or is absent and nobody
 * relieves him). By detachment, shift, kind, guard. */
int report_roster(tenant_t *t, const report_scope *sc, jv *out, armms_err *err);
/* Anomaly counts of the period's dates: [{code, count}], by count. */
int report_anomaly_counts(tenant_t *t, const report_scope *sc, jv *out, armms_err *err);

/* Obligations (one guard, or all) with what was applied, what is still
 * due (the balance), waived and deferred, and the next period due. */
int report_obligations(tenant_t *t, const report_scope *sc, jv *out, armms_err *err);
/* One summary per paysheet of the period: gross, deductions applied,
 * deferred, net, status. */
int report_paysheets(tenant_t *t, const report_scope *sc, jv *out, armms_err *err);
/* Leave of a year (hr.db: the days recorded, not cancelled): one
 * LeaveBalance per guard and leave code that has yearly days or days
 * taken - the code's name, whether it is paid, the yearly days (entitled,
 * null for a code without a cap), the days taken, the balance (entitled
 * less taken, never below 0; null without a cap) and, from hired_on, the
 * date the guard's first year of service ends (eligible_from: SIL is due
 * after a year, Labor Code art. 95). Guards separated before the year are
 * left out. By guard, code. year is "YYYY". */
int report_leave(tenant_t *t, const report_scope *sc, const char *year, jv *out, armms_err *err);
/* The Payrun record of the period (pay/payrun.h payrun_record); *found 0
 * when it has none. */
int report_payrun(tenant_t *t, const char *period, jv *out, int *found, armms_err *err);

#endif
