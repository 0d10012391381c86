/*
 * test_shift.c - which shift instance a punch belongs to (Asia/Manila).
 */
#include <stdio.h>

#include "t.h"
#include "tk/shift.h"

static tz_t manila;
static const shift_def day_shift = {6 * 60, 18 * 60}, night = {18 * 60, 6 * 60};

static instant_t at(const char *local)
{
    char buf[40];
    instant_t t;
    snprintf(buf, sizeof buf, "%s+08:00", local);
    iso_parse(buf, &t, NULL);
    return t;
}

static const char *match(const shift_def *s, const char *local, int is_in)
{
    static char buf[11];
    shift_windows w;
    shift_windows_default(&w);
    int found;
    day_t d = shift_match(&manila, s, &w, at(local), is_in, &found);
    if (!found)
        return "OFF_SHIFT";
    date_format(d, buf);
    return buf;
}

int main(void)
{
    tz_load(&manila, "Asia/Manila");
    instant_t s, e;
    day_t d;
    date_parse("2026-01-01", &d);
    shift_instance(&manila, &night, d, &s, &e);
    T_EQ_INT(e - s, 12 * 3600, "the NIGHT instance of 1 Jan runs 12 hours");
    T_EQ_INT(s, at("2026-01-01T18:00"), "it starts 1 Jan 18:00 Manila time");
    T_EQ_INT(e, at("2026-01-02T06:00"), "it ends 2 Jan 06:00");

    T_EQ_STR(match(&night, "2026-01-02T05:58", 0), "2026-01-01",
             "an OUT at 05:58 on 2 Jan closes the NIGHT shift that started 1 Jan");
    T_EQ_STR(match(&night, "2026-01-01T17:40", 1), "2026-01-01",
             "an IN at 17:40 opens the NIGHT shift of the same date");
    T_EQ_STR(match(&night, "2026-01-01T21:30", 1), "2026-01-01",
             "an IN 3.5 hours late still opens the NIGHT shift of 1 Jan");
    T_EQ_STR(match(&night, "2026-01-02T00:30", 1), "OFF_SHIFT",
             "an IN 6.5 hours late is outside the default 4-hour window");
    T_EQ_STR(match(&day_shift, "2026-01-02T05:45", 1), "2026-01-02",
             "a DAY IN at 05:45 belongs to that day's shift");
    T_EQ_STR(match(&day_shift, "2026-01-02T18:20", 0), "2026-01-02",
             "a DAY OUT at 18:20 closes that day's shift");
    T_EQ_STR(match(&day_shift, "2026-01-02T23:00", 1), "OFF_SHIFT",
             "a DAY IN at 23:00 fits no instance");
    T_EQ_STR(match(&day_shift, "2026-01-02T12:30", 0), "2026-01-02",
             "leaving at 12:30 is an early OUT of that day's shift (undertime)");
    T_EQ_STR(match(&night, "2026-03-01T06:10", 0), "2026-02-28",
             "the NIGHT OUT on 1 Mar 2026 closes the shift of 28 Feb (no 29th)");
    T_EQ_STR(match(&night, "2028-03-01T06:10", 0), "2028-02-29",
             "in 2028 it closes the shift of 29 Feb");
    T_EQ_STR(match(&night, "2027-01-01T05:55", 0), "2026-12-31",
             "the New Year's night OUT belongs to the 31 Dec shift");
    return t_done();
}
