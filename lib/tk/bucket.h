/*
 * bucket.h - the minutes of one worked shift instance, bucketed the way
 * Philippine premium pay needs them. Hours only, no money.
 *
 * Rules (Labor Code arts. 83, 86, 87 and 93 to 94; DOLE D.O. 150-16):
 *  - The first 8 hours worked (480 minutes, net of the unpaid break) are
 *    regular; the rest of the shift is overtime. Which minutes are regular is
 *    decided by the shift, not by the calendar.
 *  - Night-shift differential covers minutes worked between 22:00 and 06:00
 *    local time, split into nd (regular minutes) and nd_ot (overtime ones).
 *  - Each minute takes the day type of the local calendar date it falls on:
 *    a NIGHT shift from 24 Dec 18:00 earns special-day minutes until
 *    midnight and regular-holiday minutes after it.
 *  - Day types are core vocabulary (core/daytype.h).
 *
 * Policy (tenant data): grace minutes for lateness (an IN within grace is
 * not late and is credited from shift start), whether minutes before shift
 * start count (default no) and whether minutes after shift end count as
 * overtime (default no: overtime beyond the schedule needs approval).
 * The unpaid break is taken at the middle of the scheduled shift.
 *
 * Invariants of a bucketed instance (asserted): worked = regular + ot,
 * regular is at most the policy's regular minutes, nd and nd_ot lie inside
 * regular and ot, and by_type splits regular and ot exactly.
 *
 * Uses core only (clock, day types).
 */
#ifndef ARMMS_BUCKET_H
#define ARMMS_BUCKET_H

#include "core/clock.h"
#include "core/daytype.h"

typedef struct dtr_policy {
    int grace_min;        /* lateness within this is forgiven */
    int credit_early;     /* count minutes worked before shift start */
    int credit_after_end; /* count minutes after shift end as overtime */
    int regular_min;      /* regular minutes per shift (480) */
    int nd_start, nd_end; /* minute of day: 22:00 = 1320, 06:00 = 360 */
} dtr_policy;

void dtr_policy_default(dtr_policy *p);

/* Day type of a local date, supplied by the caller (holiday calendar and
 * the guard's rest days). */
typedef day_type (*day_type_fn)(day_t date, void *ctx);

typedef struct dtr_minutes {
    int worked, regular, ot, nd, nd_ot, late, undertime;
    day_buckets by_type;
} dtr_minutes;

/* Bucket a shift instance [sched_start, sched_end) worked from time_in to
 * time_out (instants, seconds; only whole minutes count) with an unpaid
 * break of break_min. 0, or -1 when time_out is not after time_in. */
int dtr_bucket(const tz_t *tz, instant_t sched_start, instant_t sched_end, int break_min,
               instant_t time_in, instant_t time_out, const dtr_policy *p, day_type_fn dtf,
               void *ctx, dtr_minutes *out);

#endif
