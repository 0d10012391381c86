/*
 * stale.h - derived rows a change has left behind, until the stage that
 * owns them recomputes them.
 *
 * A mark (table stale in tk.db) says: the rows of STAGE for GUARD on the
 * dates FROM..TO no longer follow from what is under them. Marks come from
 *  - a stage's recompute that changed rows: it marks the next stage
 *    (timelog -> dtr -> timesheet) on the dates of the rows it changed, so
 *    a correction written to /dev/null (armms-timelog adjust ...) still
 *    reaches the DTR and the timesheet;
 *  - master data changes (assignment, shift, guard, detachment, holiday,
 *    leave, leave_code),
 *    read from the journal by tk_stale_pull: each marks the guards and
 *    dates whose derived rows it alters, clipped to the dates that already
 *    have derived rows (rows not yet computed cannot be stale).
 * A stage clears its own marks for whatever it recomputes, in any mode, in
 * the transaction that recomputes it: piping a correction on clears its
 * marks as it flows. A run without a scope also recomputes the marks of its
 * stage (tk_stale_touch): that is what cron runs. A sealed timesheet that a
 * mark recomputes gets its ADJUSTED version, as any late change does.
 *
 * Invariants: marks of one stage and guard never overlap or touch (a new
 * mark absorbs them); a mark is removed only inside the transaction that
 * recomputed its dates; the journal cursor (stale_source 'md') moves in the
 * transaction that writes the marks it read, so each master data change
 * marks once. The first run of a stage on a tenant starts the cursor at
 * the journal's end: what came before is taken as already computed.
 *
 * Uses store (the journal), core and tk's stage driver.
 */
#ifndef ARMMS_STALE_H
#define ARMMS_STALE_H

#include <sqlite3.h>

#include "core/clock.h"
#include "core/util.h"
#include "store/tenant.h"

typedef struct tk_run tk_run;

/* ---- for the stages ---- */

/* The stage after stage ("dtr" after "timelog"), or NULL. */
const char *tk_stale_next(const char *stage);
/* The command that brings stage current on tenant ("armms-dtr -t acme"). */
void tk_stale_command(const char *stage, const char *tenant, char *buf, size_t n);
/* Inside a recompute: a row of the date d changed (the next stage's mark). */
void tk_stale_note(tk_run *r, day_t d);
/* After one guard's recompute of [d0, d1] (stage.c): clear this stage's
 * marks there and mark the next stage on the noted dates. */
int tk_stale_settle(tk_run *r, const char *guard, day_t d0, day_t d1, armms_err *err);
/* Mark stage for guard on [d0, d1] (inside a transaction). */
int tk_stale_mark(tk_run *r, const char *stage, const char *guard, day_t d0, day_t d1,
                  const char *reason, armms_err *err);
/* Turn the master data changes journaled since the cursor into marks, in
 * a transaction of its own (or the caller's). With no master data change
 * since, the cursor moves past the lines read only when idle_too (a stage
 * run; a read such as --validate then writes nothing). */
int tk_stale_pull(tk_run *r, int idle_too, armms_err *err);
/* A timelog run without a scope (cron's) also touches the guard-days of
 * every clock event recorded since the last such run - events ingested
 * with their output thrown away, or by another host's feed - setting
 * *upto to the last one's rowid (-1 for the other stages);
 * tk_stale_clock_done moves the cursor (stale_source 'clock') there once
 * the recompute has committed, so a crash in between touches them again.
 * The first such run on a tenant takes every recorded event. */
int tk_stale_clock(tk_run *r, long long *upto, armms_err *err);
int tk_stale_clock_done(tk_run *r, long long upto, armms_err *err);
/* Touch every mark of the run's stage (a run without a scope). */
int tk_stale_touch(tk_run *r, armms_err *err);
/* Start the cursor on a tenant's first run (tk_run_open) and note whether
 * the run's stage has marks to clear. */
int tk_stale_open(tk_run *r, armms_err *err);
/* Note again whether the stage has marks (its upstream may have made some
 * since): tk_run_flush calls it before it recomputes. */
int tk_stale_refresh(tk_run *r, armms_err *err);
void tk_stale_close(tk_run *r);

/* ---- for readers (a report over tk.db, opened read-only or not) ---- */

typedef struct tk_stale {
    const char *stage, *guard, *from, *to, *reason, *marked_at;
} tk_stale;
/* Call fn for each mark of db's tk store (main schema) that overlaps the
 * period (NULL: any date), of guard (NULL: any), ordered by guard, stage
 * and date; fn's nonzero return stops the walk and is returned. */
typedef int (*tk_stale_fn)(const tk_stale *m, void *ctx);
int tk_stale_each(sqlite3 *db, const char *period, const char *guard, tk_stale_fn fn, void *ctx,
                  armms_err *err);
/* *n = the marks tk_stale_each would walk. */
int tk_stale_count(sqlite3 *db, const char *period, const char *guard, long *n, armms_err *err);
/* *n = the master data changes journaled that no timekeeping run has yet
 * turned into marks (each may mark nothing): a reader that finds any says
 * its data may be stale, and that the next run without a scope (or
 * armms-timesheet --validate) will tell. Reads the journal; writes nothing. */
int tk_stale_unread(tenant_t *t, sqlite3 *db, long *n, armms_err *err);

#endif
