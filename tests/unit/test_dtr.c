/*
 * test_dtr.c - DTR minute buckets against cases worked out by hand from
 * the Labor Code (arts. 83, 86, 87, 93, 94) and DOLE D.O. 150-16
 * (Asia/Manila, +08:00, no DST).
 */
#include <stdio.h>

#include "t.h"
#include "tk/bucket.h"

/* A holiday calendar and one rest weekday, as the caller supplies them. */
typedef struct cal {
    const char *regular[4], *special[4];
    int rest; /* 0 = MON .. 6 = SUN */
} cal;

static int listed(const char *const *l, day_t d)
{
    int n = 0;
    for (int i = 0; i < 4 && l[i]; i++) {
        day_t x;
        date_parse(l[i], &x);
        n += x == d;
    }
    return n;
}

static day_type cal_type(day_t d, void *ctx)
{
    cal *c = ctx;
    return day_type_of(listed(c->regular, d), listed(c->special, d) > 0, weekday(d) == c->rest);
}

static tz_t manila;

static instant_t at(const char *local)
{
    char buf[40];
    instant_t t;
    snprintf(buf, sizeof buf, "%s+08:00", local);
    iso_parse(buf, &t, NULL);
    return t;
}

static dtr_minutes run(cal *c, const char *s0, const char *s1, int brk, const char *in,
                       const char *out, const dtr_policy *p)
{
    dtr_minutes m;
    dtr_policy def;
    dtr_policy_default(&def);
    dtr_bucket(&manila, at(s0), at(s1), brk, at(in), at(out), p ? p : &def, cal_type, c, &m);
    return m;
}

int main(void)
{
    tz_load(&manila, "Asia/Manila");
    cal plain = {{0}, {0}, 6}; /* rest day Sunday, no holidays */

    /* 2026-11-03 is a Tuesday. */
    dtr_minutes m = run(&plain, "2026-11-03T06:00", "2026-11-03T18:00", 0, "2026-11-03T05:50",
                        "2026-11-03T18:05", NULL);
    T_EQ_INT(m.worked, 720, "day shift 06:00-18:00 worked in full is 720 minutes");
    T_EQ_INT(m.regular, 480, "its first 8 hours are regular");
    T_EQ_INT(m.ot, 240, "its last 4 hours are overtime");
    T_EQ_INT(m.nd + m.nd_ot, 0, "a day shift earns no night differential");
    T_EQ_INT(m.late + m.undertime, 0, "an IN 10 minutes early is neither late nor credited");
    T_EQ_INT(m.by_type[DT_ORDINARY][B_REG], 480, "all of it on an ordinary day");

    m = run(&plain, "2026-11-03T06:00", "2026-11-03T18:00", 0, "2026-11-03T06:04",
            "2026-11-03T18:00", NULL);
    T_EQ_INT(m.late, 0, "an IN at 06:04 is within the 5-minute grace");
    T_EQ_INT(m.worked, 720, "and is credited from 06:00");

    m = run(&plain, "2026-11-03T06:00", "2026-11-03T18:00", 0, "2026-11-03T06:20",
            "2026-11-03T18:00", NULL);
    T_EQ_INT(m.late, 20, "an IN at 06:20 is 20 minutes late");
    T_EQ_INT(m.worked, 700, "and 700 minutes are worked");
    T_EQ_INT(m.regular, 480, "the first 480 worked minutes (06:20-14:20) are regular");
    T_EQ_INT(m.ot, 220, "the remaining 220 are overtime");

    m = run(&plain, "2026-11-03T06:00", "2026-11-03T18:00", 0, "2026-11-03T06:00",
            "2026-11-03T17:30", NULL);
    T_EQ_INT(m.undertime, 30, "leaving at 17:30 is 30 minutes of undertime");
    T_EQ_INT(m.ot, 210, "and 210 overtime minutes");

    m = run(&plain, "2026-11-03T18:00", "2026-11-04T06:00", 0, "2026-11-03T17:55",
            "2026-11-04T06:02", NULL);
    T_EQ_INT(m.worked, 720, "night shift 18:00-06:00 is 720 minutes across midnight");
    T_EQ_INT(m.regular, 480, "18:00-02:00 is regular");
    T_EQ_INT(m.nd, 240, "22:00-02:00 is 4 hours of regular night differential");
    T_EQ_INT(m.nd_ot, 240, "02:00-06:00 is 4 hours of night differential on overtime");
    T_EQ_INT(m.nd + m.nd_ot, 480, "night differential 22:00-06:00 is 8 hours in all");

    /* 2026: Dec 24 special non-working, Dec 25 regular holiday (a Friday). */
    cal xmas = {{"2026-12-25"}, {"2026-12-24"}, 6};
    m = run(&xmas, "2026-12-24T18:00", "2026-12-25T06:00", 0, "2026-12-24T17:50",
            "2026-12-25T06:00", NULL);
    T_EQ_INT(m.by_type[DT_SPECIAL][B_REG], 360, "24 Dec 18:00-24:00 is 6 hours on a special day");
    T_EQ_INT(m.by_type[DT_SPECIAL][B_ND], 120, "22:00-24:00 of it is night differential");
    T_EQ_INT(m.by_type[DT_REGULAR][B_REG], 120,
             "25 Dec 00:00-02:00 is regular time on the holiday");
    T_EQ_INT(
        m.by_type[DT_REGULAR][B_OT], 240,
        "25 Dec 02:00-06:00 is overtime on the holiday (the shift decides OT, the date the rate)");
    T_EQ_INT(m.by_type[DT_REGULAR][B_ND], 120, "00:00-02:00 on the holiday is night differential");
    T_EQ_INT(m.by_type[DT_REGULAR][B_ND_OT], 240, "02:00-06:00 on the holiday is ND on overtime");
    T_EQ_INT(m.by_type[DT_REGULAR][B_REG] + m.by_type[DT_REGULAR][B_OT], 360,
             "the 6 hours after midnight are regular-holiday hours");

    /* 2026-11-08 is a Sunday, the guard's rest day. */
    m = run(&plain, "2026-11-08T06:00", "2026-11-08T18:00", 0, "2026-11-08T06:00",
            "2026-11-08T18:00", NULL);
    T_EQ_INT(m.by_type[DT_REST][B_REG], 480,
             "work on the rest day: 8 regular hours at rest-day rate");
    T_EQ_INT(m.by_type[DT_REST][B_OT], 240, "and 4 overtime hours at rest-day rate");

    /* 2026-11-30 (a Monday) is Bonifacio Day; this guard rests on Mondays. */
    cal bonifacio = {{"2026-11-30"}, {0}, 0};
    m = run(&bonifacio, "2026-11-30T06:00", "2026-11-30T18:00", 0, "2026-11-30T06:00",
            "2026-11-30T18:00", NULL);
    T_EQ_INT(m.by_type[DT_REGULAR_REST][B_REG], 480,
             "a regular holiday on the rest day is its own day type");

    cal allsouls = {{0}, {"2026-11-02"}, 6};
    m = run(&allsouls, "2026-11-02T06:00", "2026-11-02T18:00", 0, "2026-11-02T06:00",
            "2026-11-02T18:00", NULL);
    T_EQ_INT(m.by_type[DT_SPECIAL][B_REG], 480,
             "2 Nov 2026 is a special day: 8 special regular hours");
    T_EQ_INT(m.by_type[DT_SPECIAL][B_OT], 240, "and 4 special overtime hours");

    cal dbl = {{"2026-04-09", "2026-04-09"}, {0}, 6};
    m = run(&dbl, "2026-04-09T06:00", "2026-04-09T18:00", 0, "2026-04-09T06:00",
            "2026-04-09T18:00", NULL);
    T_EQ_INT(m.by_type[DT_DOUBLE][B_REG], 480,
             "two regular holidays on one date make a double holiday");

    /* Leap year: the night of 28 Feb 2028 ends on the 29th; 2026's on 1 Mar. */
    cal leap = {{0}, {"2028-02-29"}, 6};
    m = run(&leap, "2028-02-28T18:00", "2028-02-29T06:00", 0, "2028-02-28T18:00",
            "2028-02-29T06:00", NULL);
    T_EQ_INT(m.by_type[DT_SPECIAL][B_REG] + m.by_type[DT_SPECIAL][B_OT], 360,
             "after midnight on 28 Feb 2028 the minutes fall on 29 Feb");
    cal march = {{0}, {"2026-03-01"}, 5};
    m = run(&march, "2026-02-28T18:00", "2026-03-01T06:00", 0, "2026-02-28T18:00",
            "2026-03-01T06:00", NULL);
    T_EQ_INT(m.by_type[DT_SPECIAL][B_REG] + m.by_type[DT_SPECIAL][B_OT], 360,
             "after midnight on 28 Feb 2026 the minutes fall on 1 Mar");
    T_EQ_INT(m.by_type[DT_REST][B_REG], 360, "and before it on the Saturday rest day");

    m = run(&plain, "2026-11-03T08:00", "2026-11-03T17:00", 60, "2026-11-03T08:00",
            "2026-11-03T17:00", NULL);
    T_EQ_INT(m.worked, 480, "08:00-17:00 with a 60-minute unpaid break is 480 paid minutes");
    T_EQ_INT(m.ot, 0, "and no overtime");

    /* A 45-minute break on 06:00-18:00 would start at 11:37:30: it starts
     * at 11:37 and ends at 12:22, so 720 - 45 = 675 minutes are paid. */
    m = run(&plain, "2026-11-03T06:00", "2026-11-03T18:00", 45, "2026-11-03T06:00",
            "2026-11-03T18:00", NULL);
    T_EQ_INT(m.worked, 675, "a 45-minute break leaves 675 paid minutes of a 12-hour shift");
    T_EQ_INT(m.regular, 480, "480 of them regular");
    T_EQ_INT(m.ot, 195, "and 195 overtime");
    m = run(&plain, "2026-11-03T06:00", "2026-11-03T17:59", 30, "2026-11-03T06:00",
            "2026-11-03T17:59", NULL);
    T_EQ_INT(m.worked, 689, "a shift of 719 minutes with a 30-minute break pays 689");

    dtr_policy early;
    dtr_policy_default(&early);
    early.credit_early = 1;
    m = run(&plain, "2026-11-03T06:00", "2026-11-03T18:00", 0, "2026-11-03T05:00",
            "2026-11-03T18:00", &early);
    T_EQ_INT(m.worked, 780, "with early credit as policy, an IN at 05:00 counts 780 minutes");
    T_EQ_INT(m.ot, 300, "of which 300 are overtime");

    dtr_minutes bad;
    dtr_policy def;
    dtr_policy_default(&def);
    T_EQ_INT(dtr_bucket(&manila, at("2026-11-03T06:00"), at("2026-11-03T18:00"), 0,
                        at("2026-11-03T18:00"), at("2026-11-03T06:00"), &def, cal_type, &plain,
                        &bad),
             -1, "an OUT before the IN is refused");

    T_EQ_INT(day_type_of(0, 0, 0), DT_ORDINARY, "no holiday, not resting: ordinary");
    T_EQ_INT(day_type_of(1, 1, 0), DT_REGULAR, "a regular holiday outranks a special day");
    T_EQ_INT(day_type_of(2, 0, 1), DT_DOUBLE_REST, "a double holiday on the rest day");
    T_EQ_STR(day_type_names[DT_SPECIAL_REST], "special_rest", "day types have contract names");
    return t_done();
}
