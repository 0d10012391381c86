/*
 * shift.h - shift instances: which scheduled shift a punch belongs to.
 *
 * A shift is a local start and end time (HH:MM); an end at or before the
 * start crosses midnight. The instance of date D runs from D at start to D
 * (or D+1) at end, in the tenant zone; D is the instance's date for DTRs.
 *
 * Matching windows are tenant policy: an IN belongs to the instance whose
 * start lies within [-in_before, +in_after] minutes of it; an OUT to the
 * instance whose end lies within [-out_before, +out_after]. Defaults: an IN
 * up to 2 h early or 4 h late, an OUT up to 6 h early or 4 h late. When two
 * instances qualify, the nearer one wins; none is OFF_SHIFT for the caller.
 *
 * Uses core only (clock).
 */
#ifndef ARMMS_SHIFT_H
#define ARMMS_SHIFT_H

#include "core/clock.h"

typedef struct shift_def {
    int start_min, end_min; /* minute of day */
} shift_def;

typedef struct shift_windows {
    int in_before, in_after, out_before, out_after; /* minutes */
} shift_windows;

void shift_windows_default(shift_windows *w);
/* The instance of date d: its start and end instants. */
void shift_instance(const tz_t *tz, const shift_def *s, day_t d, instant_t *start, instant_t *end);
/* The date of the instance a punch (is_in: IN, else OUT) at t belongs to,
 * or 0 with *found = 0 when it falls in no window. */
day_t shift_match(const tz_t *tz, const shift_def *s, const shift_windows *w, instant_t t,
                  int is_in, int *found);

#endif
