/*
 * timelog.h - time logs: each clock event (and each punch a timekeeper
 * adds) matched to the guard's assignment and shift instance, with a status
 * and anomaly codes. Clock events are never changed; time logs are derived
 * from them and from timekeeper adjustments, and can always be rebuilt.
 *
 * Matching (per punch, independent of any other punch):
 *  - candidates are the guard's assignments (regular, or reliever covering
 *    another guard) whose shift has an instance whose IN (or OUT) window
 *    holds the punch and which is valid on that instance's date; a
 *    candidate at the punch's detachment wins, then the nearest shift start
 *    (or end), then the assignment id;
 *  - none valid near the punch's date: NO_ASSIGNMENT (INVALID); valid but no
 *    window holds it: OFF_SHIFT (INVALID); matched at another detachment
 *    than the device's: WRONG_DETACHMENT (INVALID; the instance is kept).
 * Pairing policy (per guard x shift instance x detachment, over the punches
 * still VALID): the first IN and the last OUT count; other INs and OUTs are
 * DUPLICATE with DUPLICATE_PUNCH (double taps). An OUT with no IN keeps
 * VALID with OUT_WITHOUT_IN (the DTR is INCOMPLETE). Ties in time break on
 * the event's idempotency key, so arrival order never matters.
 *
 * Adjustments (timekeeper, reason required, journaled as TimeLogAdjusted
 * with before and after): add a punch (optionally placed on a given shift
 * instance), void a time log (INVALID, VOIDED), or move one to another
 * shift instance (within a day of the punch). The latest adjustment of a
 * time log wins. Anomalies a timekeeper must resolve before finalization
 * (NO_ASSIGNMENT, OFF_SHIFT, WRONG_DETACHMENT, OUT_WITHOUT_IN) set
 * needs_review; an adjusted time log never needs review.
 *
 * Uses core, store, iam (change requests for routed adjustments) and tk's
 * stage, roster and shift.
 */
#ifndef ARMMS_TIMELOG_H
#define ARMMS_TIMELOG_H

#include "tk/stage.h"

extern const tk_stage timelog_stage;

typedef struct tl_adjust {
    const char *action;                    /* add, void, move */
    const char *target;                    /* void, move: a time_log_id */
    const char *guard, *ts, *type;         /* add */
    const char *shift, *date, *detachment; /* add (optional), move */
    const char *reason;
} tl_adjust;

/* Record one adjustment, recompute what it touches and journal it; the
 * recomputed time logs go to the run's output. EXIT_DATAERR (message in
 * err) when the adjustment is not possible. */
int timelog_adjust(tk_run *r, const tl_adjust *a, armms_err *err);

/* Adjust through ch (change.h): when its route needs approval, make a
 * change request of the adjustment (the ChangeRequest goes to out; *made
 * says whether one was made) instead of recording it. */
struct change;
int timelog_adjust_change(tk_run *r, struct change *ch, const tl_adjust *a, FILE *out, int *made,
                          armms_err *err);
/* An adjustment as a change request's effect, and back (strings borrowed
 * from effect). */
jv tl_adjust_effect(const tl_adjust *a);
tl_adjust tl_adjust_of_peek(jv effect);
/* Record the held punches master data can now place (tk/ingest.h,
 * ingest_release), through armms-ingest's own code, and touch them as if
 * they had come in on standard input. */
int timelog_release_held(tk_run *r, armms_err *err);

/* Apply a routed adjustment (change.h executor). */
int timelog_apply(struct change *ch, jv effect, FILE *out, reject_sink *rej, armms_err *err);

#endif
