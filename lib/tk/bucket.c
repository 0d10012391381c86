/*
 * bucket.c - see bucket.h. The worked interval is cut at every boundary where a
 * bucket can change (local midnight, the night-differential window, the
 * end of the regular minutes, the break) and each piece is added whole, so
 * a 12-hour shift costs a handful of steps, not 720.
 */
#include "tk/bucket.h"

#include <assert.h>
#include <string.h>

void dtr_policy_default(dtr_policy *p)
{
    memset(p, 0, sizeof *p);
    p->grace_min = 5;
    p->regular_min = 480;  /* Labor Code art. 83: eight hours */
    p->nd_start = 22 * 60; /* art. 86: 10 pm to 6 am */
    p->nd_end = 6 * 60;
}

static int in_nd(const dtr_policy *p, int minute_of_day)
{
    return p->nd_start > p->nd_end ? minute_of_day >= p->nd_start || minute_of_day < p->nd_end
                                   : minute_of_day >= p->nd_start && minute_of_day < p->nd_end;
}

/* Minutes from local minute-of-day m to the next ND or midnight boundary. */
static int to_boundary(const dtr_policy *p, int m)
{
    int cuts[3] = {p->nd_start, p->nd_end, 1440}, best = 1440 - m;
    for (int i = 0; i < 3; i++)
        if (cuts[i] > m && cuts[i] - m < best)
            best = cuts[i] - m;
    return best;
}

int dtr_bucket(const tz_t *tz, instant_t sched_start, instant_t sched_end, int break_min,
               instant_t time_in, instant_t time_out, const dtr_policy *p, day_type_fn dtf,
               void *ctx, dtr_minutes *out)
{
    memset(out, 0, sizeof *out);
    /* Whole minutes only: an IN rounds up, an OUT rounds down. */
    instant_t in = (time_in + 59) / 60 * 60, outt = time_out / 60 * 60;
    if (outt <= in)
        return -1;
    long late = (long)(in - sched_start) / 60;
    if (late > 0 && late <= p->grace_min)
        in = sched_start; /* within grace: credited from shift start */
    else if (late > 0)
        out->late = (int)late;
    if (in < sched_start && !p->credit_early)
        in = sched_start;
    if (outt < sched_end)
        out->undertime = (int)((sched_end - outt) / 60);
    else if (!p->credit_after_end)
        outt = sched_end;
    if (outt <= in)
        return 0;
    /* The unpaid break sits at the middle of the scheduled shift, starting on
     * a whole minute (an odd break or shift length would put it on a half
     * minute, and every cut must be a whole minute for the loop to move). */
    instant_t mid = sched_start + (sched_end - sched_start) / 2;
    instant_t b0 = (mid - (instant_t)break_min * 30) / 60 * 60;
    instant_t b1 = b0 + (instant_t)break_min * 60;
    int done = 0; /* paid minutes so far: decides regular vs overtime */
    for (instant_t t = in; t < outt;) {
        int off = tz_offset_at(tz, t);
        instant_t local = t + (instant_t)off * 60;
        day_t date = (day_t)(local >= 0 ? local / 86400 : -((-local + 86399) / 86400));
        int mod = (int)((local - (instant_t)date * 86400) / 60);
        int len = to_boundary(p, mod);
        if ((outt - t) / 60 < len)
            len = (int)((outt - t) / 60);
        int on_break = break_min > 0 && t >= b0 && t < b1;
        if (break_min > 0 && !on_break && t < b0 && t + (instant_t)len * 60 > b0)
            len = (int)((b0 - t) / 60);
        if (on_break && t + (instant_t)len * 60 > b1)
            len = (int)((b1 - t) / 60);
        if (!on_break) {
            if (done < p->regular_min && done + len > p->regular_min)
                len = p->regular_min - done;
            int ot = done >= p->regular_min, nd = in_nd(p, mod);
            day_type dt = dtf(date, ctx);
            out->by_type[dt][ot ? B_OT : B_REG] += len;
            if (nd)
                out->by_type[dt][ot ? B_ND_OT : B_ND] += len;
            *(ot ? &out->ot : &out->regular) += len;
            if (nd)
                *(ot ? &out->nd_ot : &out->nd) += len;
            out->worked += len;
            done += len;
        }
        t += (instant_t)len * 60;
    }
    assert(out->regular <= p->regular_min);
    assert(out->worked == out->regular + out->ot);
    assert(out->nd <= out->regular && out->nd_ot <= out->ot);
#ifndef NDEBUG
    /* every paid minute sits in exactly one day type's REG or OT bucket */
    int by_reg = 0, by_ot = 0;
    for (int d = 0; d < DT_COUNT; d++) {
        by_reg += out->by_type[d][B_REG];
        by_ot += out->by_type[d][B_OT];
    }
    assert(by_reg == out->regular && by_ot == out->ot);
#endif
    return 0;
}
