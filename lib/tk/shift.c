/*
 * shift.c - see shift.h.
 */
#include "tk/shift.h"

void shift_windows_default(shift_windows *w)
{
    w->in_before = 120;
    w->in_after = 240;
    w->out_before = 360;
    w->out_after = 240;
}

void shift_instance(const tz_t *tz, const shift_def *s, day_t d, instant_t *start, instant_t *end)
{
    *start = tz_instant_of(tz, d, s->start_min);
    *end = tz_instant_of(tz, s->end_min <= s->start_min ? d + 1 : d, s->end_min);
}

day_t shift_match(const tz_t *tz, const shift_def *s, const shift_windows *w, instant_t t,
                  int is_in, int *found)
{
    day_t local = tz_date_of(tz, t), best = 0;
    instant_t best_dist = -1;
    /* An instance touching t started on the local date, the day before
     * (a night shift's OUT) or, with wide windows, the day after. */
    for (day_t d = local - 1; d <= local + 1; d++) {
        instant_t start, end;
        shift_instance(tz, s, d, &start, &end);
        instant_t anchor = is_in ? start : end;
        instant_t lo = anchor - (instant_t)(is_in ? w->in_before : w->out_before) * 60;
        instant_t hi = anchor + (instant_t)(is_in ? w->in_after : w->out_after) * 60;
        if (t < lo || t > hi)
            continue;
        instant_t dist = t > anchor ? t - anchor : anchor - t;
        if (best_dist < 0 || dist < best_dist) {
            best_dist = dist;
            best = d;
        }
    }
    *found = best_dist >= 0;
    return best;
}
