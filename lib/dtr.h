/*
 * dtr.h - the minutes of one worked shift instance, bucketed the way
 * Philippine premium pay needs them. Hours only, no money.
 *
 * Rules (../shared/ph-payroll-rules.md s.1, DOLE D.O. 150-16):
 *  - The first 8 hours worked (480 minutes, net of the unpaid break) are
 *    regular; the rest of the shift is overtime. Which minutes are regular is
 *    decided by the shift, not by the calendar.
 *  - Night-shift differential covers minutes worked between 22:00 and 06:00
 *    local time, split into nd (regular minutes) and nd_ot (overtime ones).
 *  - Each minute takes the day type of the local calendar date it falls on:
 *    a NIGHT shift from 24 Dec 18:00 earns special-day minutes until
 *    midnight and regular-holiday minutes after it.
 *  - Day types: a regular holiday (two on one date: double) outranks a
 *    special day; either combines with the guard's rest day. A special
 *    working day is an ordinary day.
 *
 * Policy (tenant data): grace minutes for lateness (an IN within grace is
 * not late and is credited from shift start), whether minutes before shift
 * start count (default no) and whether minutes after shift end count as
 * overtime (default no: overtime beyond the schedule needs approval).
 * The unpaid break is taken at the middle of the scheduled shift.
 */
#ifndef ARMMS_DTR_H
#define ARMMS_DTR_H

#include "clock.h"

typedef enum {
    DT_ORDINARY,
    DT_REST,
    DT_SPECIAL,
    DT_SPECIAL_REST,
    DT_REGULAR,
    DT_REGULAR_REST,
    DT_DOUBLE,
    DT_DOUBLE_REST,
    DT_COUNT
} day_type;

extern const char *const day_type_names[DT_COUNT];

/* The day type of a date with `regular` regular holidays (0, 1, 2), a
 * special non-working day or not, on the guard's rest day or not. */
day_type day_type_of(int regular, int special, int rest);

enum { B_REG, B_OT, B_ND, B_ND_OT, B_COUNT };

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
    int by_type[DT_COUNT][B_COUNT];
} dtr_minutes;

/* Bucket a shift instance [sched_start, sched_end) worked from time_in to
 * time_out (instants, seconds; only whole minutes count) with an unpaid
 * break of break_min. 0, or -1 when time_out is not after time_in. */
int dtr_bucket(const tz_t *tz, instant_t sched_start, instant_t sched_end, int break_min,
               instant_t time_in, instant_t time_out, const dtr_policy *p, day_type_fn dtf,
               void *ctx, dtr_minutes *out);

#endif
