/*
 * timesheet.h - timesheets: one per guard x detachment x shift x pay period,
 * the sum of its DTRs' minutes by day type, and the sealed snapshots
 * payroll consumes.
 *
 * Lifecycle and invariants:
 *  - A DRAFT (version 1) follows its DTRs: recomputed in place, removed
 *    (written once with status REMOVED) when it has no DTR left.
 *  - Finalization seals a DRAFT as FINALIZED: the record is stored as
 *    canonical JSON (sorted keys, compact) and carries checksum
 *    "sha256:" + SHA-256 of that JSON without the checksum field
 *    (`jq -cS 'del(.checksum)'` reproduces the bytes). TimesheetFinalized
 *    is journaled with the record.
 *  - A sealed version is never updated. When its DTRs change, the next
 *    version is written as ADJUSTED (sealed the same way) with `adjusts`
 *    (the version and checksum it replaces) and `delta` (after - before),
 *    and TimesheetAdjusted is journaled with before, after and delta.
 *  - Finalization refuses a timesheet with blockers (INCOMPLETE DTRs, time
 *    logs that need review) unless an override reason is given, which the
 *    snapshot records.
 *
 * Uses core, store, iam (change requests for routed finalizations) and tk's
 * stage and roster.
 *
 * Implemented by timesheet.c (the stage), snapshot.c (records, sealing,
 * adjustments, finalization) and blockers.c (validation), which share
 * timesheet_int.h.
 */
#ifndef ARMMS_TIMESHEET_H
#define ARMMS_TIMESHEET_H

#include "tk/stage.h"

extern const tk_stage timesheet_stage;

typedef struct ts_counts {
    long finalized, blocked, blockers;
} ts_counts;

/* Recompute the period (optionally one guard) and finalize its DRAFTs;
 * override: NULL, or the reason to finalize despite blockers. Blocked
 * timesheets are reported as BLOCKED Rejects. */
int timesheet_finalize(tk_run *r, const char *period, const char *guard, const char *override,
                       ts_counts *n, armms_err *err);
/* Recompute the period and write a Blocker record for each thing that
 * stops a DRAFT from being finalized. */
int timesheet_validate(tk_run *r, const char *period, const char *guard, ts_counts *n,
                       armms_err *err);

/* Finalize through ch (change.h): when its route needs approval, make a
 * change request of the finalization (the ChangeRequest goes to out; *made
 * says whether one was made) instead of sealing; otherwise finalize. */
struct change;
int timesheet_finalize_change(tk_run *r, struct change *ch, const char *period, const char *guard,
                              const char *override, ts_counts *n, FILE *out, int *made,
                              armms_err *err);
/* Apply a finalization request's effect {period, guard, override}
 * (change.h executor); the sealed records go to out. */
int timesheet_apply(struct change *ch, jv effect, FILE *out, reject_sink *rej, armms_err *err);

#endif
