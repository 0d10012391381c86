/*
 * payrun.h - a period's payrun: its lifecycle, its lock, its totals and the
 * holds reviewers put on paysheets.
 *
 * Lifecycle (pay.db payrun, one row per period):
 *   OPEN      opened by the payroll officer; paysheets may be computed;
 *   COMPUTED  pay and deduct ran for the whole period (armms-payrun
 *             compute); any later recompute leaves it COMPUTED, and a
 *             recompute that changes a paysheet of an APPROVED run takes
 *             the run back to COMPUTED;
 *   APPROVED  every paysheet of the period is APPROVED and none is held;
 *   CLOSED    the payrun.close route was approved: the run is locked. Its
 *             paysheets are never rewritten (paysheet.h refuses); later
 *             snapshots for the period become adjustment lines of the next
 *             open period (gross.h).
 * Holds: a reviewer rejects a whole run, one guard's paysheet or one item
 * of it (a line code, a deduction code or an obligation id) through the
 * paysheet.reject route, with a reason. Approval of the request writes an
 * OPEN hold owned by the role that must act (timekeeper for hours lines,
 * payroll officer for everything else) and marks the paysheet REJECTED; the
 * rest of the run goes on. The owner resolves the hold after the fix; the
 * paysheet is then approvable again. A run closes only without open holds.
 *
 * Lock: one payrun command per period at a time (flock on
 * locks/payrun-PERIOD), waiting up to the tenant's wait, then EXIT_TEMPFAIL.
 *
 * Every transition is journaled: PayrunOpened, PayrunComputed,
 * PaysheetApproved, PayrunApproved, PaysheetHeld, PaysheetHoldResolved,
 * PayrunRejected, PayrunClosed.
 *
 * Uses core, store and iam (change requests).
 */
#ifndef ARMMS_PAY_PAYRUN_H
#define ARMMS_PAY_PAYRUN_H

#include <jv.h>
#include <stdio.h>

#include "core/reject.h"
#include "iam/change.h"
#include "store/store.h"

/* Take the period's payrun lock (*fd to release with payrun_unlock). */
int payrun_lock(tenant_t *t, const char *period, int *fd, armms_err *err);
void payrun_unlock(int fd);

/* "" when the period has no payrun, else its status (out >= 16 bytes). */
int payrun_status_of(store_t *s, const char *period, char *out, armms_err *err);

/* Begin a transaction in which the period's paysheets are computed: 0
 * with the transaction open, or EXIT_DATAERR (no transaction) when the
 * period has no payrun (how_to_open says how to open one) or its run is
 * closed. */
int payrun_begin_compute(store_t *s, const char *period, const char *how_to_open, armms_err *err);

/* Open the period's payrun: *created 0 when it was open already. A CLOSED
 * run cannot be opened again (EXIT_DATAERR). */
int payrun_open(store_t *s, const char *period, int *created, armms_err *err);

/* After pay and deduct ran for the whole period: status COMPUTED (from
 * OPEN, or from APPROVED when a paysheet changed), totals stored, and
 * PayrunComputed journaled when the totals changed. */
int payrun_computed(store_t *s, const char *period, armms_err *err);

/* The Payrun record of a period (*found 0 when it has none): status,
 * counts, totals, blockers. Reads the stored paysheets; computes nothing. */
int payrun_record(store_t *s, const char *period, jv *rec, int *found, armms_err *err);

/* Approve the COMPUTED, unheld paysheets of the period (guard: only that
 * one); the run becomes APPROVED when all of its paysheets are. */
int payrun_approve(store_t *s, const char *period, const char *guard, long *approved, long *held,
                   armms_err *err);

/* Reject through ch (route paysheet.reject): guard NULL rejects the whole
 * run, item NULL the guard's whole paysheet. Requesting stores a change
 * request (*made); otherwise the hold is written at once. */
int payrun_reject_change(change_t *ch, store_t *s, const char *period, const char *guard,
                         const char *item, const char *reason, FILE *out, int *made,
                         armms_err *err);
/* The paysheet.reject executor (change.h). */
int payrun_reject_apply(change_t *ch, jv effect, FILE *out, reject_sink *rej, armms_err *err);

/* Resolve an OPEN hold: the actor must hold its owner role (or admin). */
int payrun_resolve(store_t *s, const rbac_t *who, const char *hold_id, const char *note,
                   armms_err *err);

/* Close through ch (route payrun.close): the run must be APPROVED. */
int payrun_close_change(change_t *ch, store_t *s, const char *period, FILE *out, int *made,
                        armms_err *err);
/* The payrun.close executor (change.h). */
int payrun_close_apply(change_t *ch, jv effect, FILE *out, reject_sink *rej, armms_err *err);

/* Hold records (kind "Hold") of a period, open ones unless all; owner
 * NULL, or only the holds owned by the roles listed as ",role,role,". */
int payrun_holds(store_t *s, const char *period, int all, const char *owner, FILE *out,
                 armms_err *err);

#endif
