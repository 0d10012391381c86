/*
 * test_clock.c - instants, civil dates, wall-clock times, zones and pay
 * periods (lib/clock.h).
 *
 * Every expected value here was worked out by hand from the calendar, not by
 * asking the code under test: 1970-01-01 is day 0, 2000-01-01 is day 10957
 * (30 years, 7 of them leap), 2026-01-01 is day 20454 (26 more years, 7 of
 * them leap) and its midnight UTC is instant 1767225600.
 */
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "t.h"

#define D2026_01_01 20454             /* day number of 2026-01-01 */
#define T2026_01_01 1767225600LL      /* 2026-01-01T00:00:00Z */
#define T2024_02_29 (19782LL * 86400) /* 2024-02-29T00:00:00Z = 1709164800 */

static void test_iso_parse_accepts(void)
{
    instant_t t = 0;
    int off = 12345;

    T_EQ_INT(iso_parse("2026-01-01T00:00:00Z", &t, &off), 0, "a UTC instant with Z parses");
    T_EQ_INT(t, T2026_01_01, "2026-01-01T00:00:00Z is 1767225600 seconds after the epoch");
    T_EQ_INT(off, 0, "Z means an offset of 0 minutes");

    T_EQ_INT(iso_parse("2026-01-02T06:00:00+08:00", &t, &off), 0,
             "a Manila wall time with +08:00 parses");
    T_EQ_INT(t, T2026_01_01 + 22 * 3600, "06:00 on Jan 2 in Manila is 2026-01-01T22:00:00Z");
    T_EQ_INT(off, 480, "+08:00 is an offset of 480 minutes");

    T_EQ_INT(iso_parse("2026-01-02T06:00:00+0800", &t, &off), 0, "an offset written +0800 parses");
    T_EQ_INT(t, T2026_01_01 + 22 * 3600, "+0800 means the same instant as +08:00");
    T_EQ_INT(off, 480, "+0800 is an offset of 480 minutes");

    T_EQ_INT(iso_parse("2026-01-02T06:00:00+08", &t, &off), 0, "an offset written +08 parses");
    T_EQ_INT(t, T2026_01_01 + 22 * 3600, "+08 means the same instant as +08:00");
    T_EQ_INT(off, 480, "+08 is an offset of 480 minutes");

    T_EQ_INT(iso_parse("2026-01-01T19:00:00-05:00", &t, &off), 0, "a negative offset parses");
    T_EQ_INT(t, T2026_01_01 + 86400, "19:00 at -05:00 on Jan 1 is 2026-01-02T00:00:00Z");
    T_EQ_INT(off, -300, "-05:00 is an offset of -300 minutes");

    T_EQ_INT(iso_parse("2026-01-01T20:30:00-03:30", &t, &off), 0,
             "a negative half-hour offset parses");
    T_EQ_INT(t, T2026_01_01 + 86400, "20:30 at -03:30 on Jan 1 is 2026-01-02T00:00:00Z");
    T_EQ_INT(off, -210, "-03:30 is an offset of -210 minutes");

    T_EQ_INT(iso_parse("2026-01-01T00:00:00.999Z", &t, &off), 0, "fractional seconds parse");
    T_EQ_INT(t, T2026_01_01, "fractional seconds are dropped, not rounded up");

    T_EQ_INT(iso_parse("2026-01-01T08:00:00.123456+08:00", &t, NULL), 0,
             "microseconds before an offset parse (and offset_min may be NULL)");
    T_EQ_INT(t, T2026_01_01, "08:00:00.123456+08:00 on Jan 1 is midnight UTC");

    T_EQ_INT(iso_parse("2026-01-01 08:00:00+08:00", &t, &off), 0, "a space may stand for T");
    T_EQ_INT(t, T2026_01_01, "2026-01-01 08:00:00+08:00 is 2026-01-01T00:00:00Z");

    T_EQ_INT(iso_parse("2026-01-01T08:00+08:00", &t, &off), 0, "seconds may be left out");
    T_EQ_INT(t, T2026_01_01, "2026-01-01T08:00+08:00 is 2026-01-01T00:00:00Z");

    T_EQ_INT(iso_parse("2024-02-29T00:00:00Z", &t, &off), 0,
             "Feb 29 2024 exists (2024 is a leap year)");
    T_EQ_INT(t, T2024_02_29, "2024-02-29T00:00:00Z is 1709164800");

    T_EQ_INT(iso_parse("2026-01-01T23:59:59Z", &t, &off), 0, "the last second of a day parses");
    T_EQ_INT(t, T2026_01_01 + 86399, "2026-01-01T23:59:59Z is 86399 s after midnight");
}

static void test_iso_parse_rejects(void)
{
    static const struct {
        const char *s, *why;
    } bad[] = {
        {"2026-01-01T00:00:00", "an instant without an offset"},
        {"2026-13-01T00:00:00Z", "month 13"},
        {"2026-00-01T00:00:00Z", "month 00"},
        {"2026-02-30T00:00:00Z", "Feb 30"},
        {"2025-02-29T00:00:00Z", "Feb 29 2025 (2025 is not a leap year)"},
        {"2026-01-01T24:00:00Z", "hour 24"},
        {"2026-01-01T23:60:00Z", "minute 60"},
        {"2026-01-01T23:59:60Z", "second 60 (no leap seconds)"},
        {"2026-01-01T00:00:00Zjunk", "trailing junk after Z"},
        {"2026-01-01T00:00:00+08:00x", "trailing junk after the offset"},
        {"2026-01-01T00:00:00+08:", "an offset ending in a bare colon"},
        {"2026-01-01T00:00:00+8", "a one-digit offset hour"},
        {"2026-01-01T00:00:00.Z", "a decimal point without digits"},
        {"2026-01-01X00:00:00Z", "a separator other than T or space"},
        {"2026-1-01T00:00:00Z", "a one-digit month"},
        {"", "the empty string"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        instant_t t = 42;
        T_EQ_INT(iso_parse(bad[i].s, &t, NULL), -1, "iso_parse rejects %s: \"%s\"", bad[i].why,
                 bad[i].s);
    }
}

static void test_iso_format(void)
{
    char buf[32];
    instant_t t;
    int off;

    iso_format_utc(T2026_01_01, buf);
    T_EQ_STR(buf, "2026-01-01T00:00:00Z", "1767225600 formats as 2026-01-01T00:00:00Z");
    iso_format_utc(0, buf);
    T_EQ_STR(buf, "1970-01-01T00:00:00Z", "instant 0 is the epoch");
    iso_format_utc(-1, buf);
    T_EQ_STR(buf, "1969-12-31T23:59:59Z", "instant -1 is the last second of 1969");
    iso_format_utc(T2024_02_29 + 13 * 3600 + 5 * 60 + 9, buf);
    T_EQ_STR(buf, "2024-02-29T13:05:09Z", "a leap-day afternoon formats with zero padding");

    iso_format_offset(T2026_01_01, 480, buf);
    T_EQ_STR(buf, "2026-01-01T08:00:00+08:00", "midnight UTC Jan 1 is 08:00+08:00 in Manila");
    iso_format_offset(T2026_01_01, -210, buf);
    T_EQ_STR(buf, "2025-12-31T20:30:00-03:30", "midnight UTC Jan 1 is 20:30-03:30 on Dec 31");
    iso_format_offset(T2026_01_01, 0, buf);
    T_EQ_STR(buf, "2026-01-01T00:00:00+00:00", "offset 0 formats as +00:00");

    /* Round trips: text -> instant -> text gives the same text back. */
    static const struct {
        const char *s;
        int off;
    } rt[] = {
        {"2026-01-02T05:58:00+08:00", 480},
        {"2025-12-31T23:59:59-05:00", -300},
        {"2026-07-01T12:34:56+05:45", 345},
        {"1999-12-31T23:59:59+00:00", 0},
    };
    for (size_t i = 0; i < sizeof rt / sizeof *rt; i++) {
        T_EQ_INT(iso_parse(rt[i].s, &t, &off), 0, "%s parses", rt[i].s);
        T_EQ_INT(off, rt[i].off, "%s carries offset %d minutes", rt[i].s, rt[i].off);
        iso_format_offset(t, off, buf);
        T_EQ_STR(buf, rt[i].s, "%s survives parse then iso_format_offset unchanged", rt[i].s);
    }
    T_EQ_INT(iso_parse("2026-01-02T05:58:00+08:00", &t, NULL), 0, "a Manila OUT punch parses");
    iso_format_utc(t, buf);
    T_EQ_STR(buf, "2026-01-01T21:58:00Z", "05:58 on Jan 2 in Manila is stored as 21:58Z Jan 1");
    T_EQ_INT(iso_parse(buf, &t, &off), 0, "the stored UTC text parses back");
    T_EQ_INT(t, T2026_01_01 + 21 * 3600 + 58 * 60, "and gives the same instant");
}

static void test_civil_days(void)
{
    int y, m, d;

    T_EQ_INT(days_from_civil(1970, 1, 1), 0, "1970-01-01 is day 0");
    T_EQ_INT(days_from_civil(1969, 12, 31), -1, "1969-12-31 is day -1");
    T_EQ_INT(days_from_civil(2000, 1, 1), 10957, "2000-01-01 is day 10957");
    T_EQ_INT(days_from_civil(2000, 3, 1), 11017,
             "2000-03-01 is day 11017 (Jan 31 + Feb 29 after 2000-01-01)");
    T_EQ_INT(days_from_civil(2026, 1, 1), D2026_01_01, "2026-01-01 is day 20454");
    T_EQ_INT(days_from_civil(2026, 11, 25), 20782, "2026-11-25 is day 20782");
    T_EQ_INT(days_from_civil(1900, 1, 1), -25567, "1900-01-01 is day -25567");
    T_EQ_INT(days_from_civil(2100, 12, 31), 47846, "2100-12-31 is day 47846");

    civil_from_days(20782, &y, &m, &d);
    T_OK(y == 2026 && m == 11 && d == 25, "day 20782 is 2026-11-25 (got %04d-%02d-%02d)", y, m, d);
    civil_from_days(11016, &y, &m, &d);
    T_OK(y == 2000 && m == 2 && d == 29, "day 11016 is 2000-02-29 (got %04d-%02d-%02d)", y, m, d);
    civil_from_days(-1, &y, &m, &d);
    T_OK(y == 1969 && m == 12 && d == 31, "day -1 is 1969-12-31 (got %04d-%02d-%02d)", y, m, d);

    /* Walk every day of 1900..2100: consecutive dates get consecutive day
     * numbers, civil_from_days inverts days_from_civil, weekdays cycle. */
    int bad_next = 0, bad_back = 0, bad_wd = 0, days = 0;
    day_t prev = days_from_civil(1900, 1, 1) - 1;
    int prev_wd = weekday(prev);
    for (int yy = 1900; yy <= 2100; yy++)
        for (int mm = 1; mm <= 12; mm++)
            for (int dd = 1; dd <= days_in_month(yy, mm); dd++) {
                day_t z = days_from_civil(yy, mm, dd);
                bad_next += z != prev + 1;
                civil_from_days(z, &y, &m, &d);
                bad_back += y != yy || m != mm || d != dd;
                int wd = weekday(z);
                bad_wd += wd != (prev_wd + 1) % 7;
                prev = z;
                prev_wd = wd;
                days++;
            }
    T_EQ_INT(days, 73414, "1900-01-01..2100-12-31 holds 201*365 + 49 leap days = 73414 days");
    T_EQ_INT(bad_next, 0, "every day 1900..2100 is numbered one more than the day before");
    T_EQ_INT(bad_back, 0, "civil_from_days inverts days_from_civil for every day 1900..2100");
    T_EQ_INT(bad_wd, 0, "the weekday advances by one each day 1900..2100");
}

static void test_calendar_rules(void)
{
    T_EQ_INT(weekday(0), 3, "1970-01-01 was a Thursday (3)");
    T_EQ_INT(weekday(-1), 2, "1969-12-31 was a Wednesday (2)");
    T_EQ_INT(weekday(20782), 2, "2026-11-25 is a Wednesday (2)");
    T_EQ_INT(weekday(D2026_01_01), 3, "2026-01-01 is a Thursday (3)");
    T_EQ_INT(weekday(D2026_01_01 + 3), 6, "2026-01-04 is a Sunday (6)");
    T_EQ_INT(weekday(D2026_01_01 + 4), 0, "2026-01-05 is a Monday (0)");

    T_EQ_INT(is_leap_year(1900), 0, "1900 is not a leap year (divisible by 100, not 400)");
    T_EQ_INT(is_leap_year(2000), 1, "2000 is a leap year (divisible by 400)");
    T_EQ_INT(is_leap_year(2024), 1, "2024 is a leap year");
    T_EQ_INT(is_leap_year(2026), 0, "2026 is not a leap year");
    T_EQ_INT(is_leap_year(2100), 0, "2100 is not a leap year");

    T_EQ_INT(days_in_month(2024, 2), 29, "February 2024 has 29 days");
    T_EQ_INT(days_in_month(2026, 2), 28, "February 2026 has 28 days");
    T_EQ_INT(days_in_month(1900, 2), 28, "February 1900 has 28 days");
    T_EQ_INT(days_in_month(2000, 2), 29, "February 2000 has 29 days");
    T_EQ_INT(days_in_month(2026, 1), 31, "January has 31 days");
    T_EQ_INT(days_in_month(2026, 4), 30, "April has 30 days");
    T_EQ_INT(days_in_month(2026, 9), 30, "September has 30 days");
    T_EQ_INT(days_in_month(2026, 12), 31, "December has 31 days");
}

static void test_date_parse(void)
{
    day_t d = 0;
    char buf[16];

    T_EQ_INT(date_parse("2026-11-25", &d), 0, "2026-11-25 parses");
    T_EQ_INT(d, 20782, "2026-11-25 is day 20782");
    T_EQ_INT(date_parse("2024-02-29", &d), 0, "2024-02-29 parses (leap year)");
    T_EQ_INT(d, 19782, "2024-02-29 is day 19782");
    date_format(20782, buf);
    T_EQ_STR(buf, "2026-11-25", "day 20782 formats as 2026-11-25");
    date_format(0, buf);
    T_EQ_STR(buf, "1970-01-01", "day 0 formats as 1970-01-01");
    date_format(D2026_01_01 - 1, buf);
    T_EQ_STR(buf, "2025-12-31", "the day before 2026-01-01 formats as 2025-12-31");
    date_format(10957 + 31 + 28, buf);
    T_EQ_STR(buf, "2000-02-29", "day 11016 formats as 2000-02-29 (a leap century)");
    /* every day date_parse takes, 1900-01-01 (day -25567: 70 years, 17 of
     * them leap) to 9999-12-31 (day 2932896), formats as ten characters
     * that parse back to it */
    long bad_days = 0;
    for (day_t x = -25567; x <= 2932896; x++) {
        day_t back = 0;
        date_format(x, buf);
        if (strlen(buf) != 10 || date_parse(buf, &back) != 0 || back != x)
            bad_days++;
    }
    T_EQ_INT(bad_days, 0, "every day from 1900 to 9999 formats and parses back");
    date_format(-719162, buf);
    T_EQ_STR(buf, "0001-01-01", "day -719162 formats as 0001-01-01");
    date_format(2932896, buf);
    T_EQ_STR(buf, "9999-12-31", "day 2932896 formats as 9999-12-31");

    static const char *const bad[] = {
        "2026-02-29",
        "2026-02-30",
        "2026-04-31",
        "2026-13-01",
        "2026-00-10",
        "2026-01-00",
        "2026-1-05",
        "2026-01-5",
        "2026/01/05",
        "20260105",
        "2026-01-05 ",
        " 2026-01-05",
        "2026-01-05T00:00:00Z",
        "2026-0a-05",
        "",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        T_EQ_INT(date_parse(bad[i], &d), -1, "date_parse rejects \"%s\"", bad[i]);
}

static void test_hhmm_weekday(void)
{
    int min = -1;

    T_EQ_INT(hhmm_parse("06:00", &min, 0), 0, "06:00 parses");
    T_EQ_INT(min, 360, "06:00 is minute 360 of the day");
    T_EQ_INT(hhmm_parse("18:00", &min, 0), 0, "18:00 parses");
    T_EQ_INT(min, 1080, "18:00 is minute 1080 of the day");
    T_EQ_INT(hhmm_parse("00:00", &min, 0), 0, "00:00 parses");
    T_EQ_INT(min, 0, "00:00 is minute 0");
    T_EQ_INT(hhmm_parse("23:59", &min, 0), 0, "23:59 parses");
    T_EQ_INT(min, 1439, "23:59 is minute 1439");
    T_EQ_INT(hhmm_parse("24:00", &min, 0), -1, "24:00 is rejected when not allowed");
    T_EQ_INT(hhmm_parse("24:00", &min, 1), 0, "24:00 parses as a shift end when allowed");
    T_EQ_INT(min, 1440, "24:00 is minute 1440");
    T_EQ_INT(hhmm_parse("24:01", &min, 1), -1, "24:01 is rejected even when 24:00 is allowed");
    T_EQ_INT(hhmm_parse("25:00", &min, 1), -1, "25:00 is rejected");
    T_EQ_INT(hhmm_parse("12:60", &min, 1), -1, "12:60 is rejected");
    T_EQ_INT(hhmm_parse("6:00", &min, 1), -1, "6:00 is rejected (hours need two digits)");
    T_EQ_INT(hhmm_parse("06:00:00", &min, 1), -1, "06:00:00 is rejected (no seconds)");
    T_EQ_INT(hhmm_parse("0600", &min, 1), -1, "0600 is rejected (a colon is required)");
    T_EQ_INT(hhmm_parse("", &min, 1), -1, "the empty string is rejected");

    T_EQ_INT(weekday_parse("MON"), 0, "MON is weekday 0");
    T_EQ_INT(weekday_parse("wed"), 2, "wed (lower case) is weekday 2");
    T_EQ_INT(weekday_parse("Sun"), 6, "Sun (mixed case) is weekday 6");
    T_EQ_INT(weekday_parse("SAT"), 5, "SAT is weekday 5");
    T_EQ_INT(weekday_parse("MONDAY"), -1, "MONDAY is not a three-letter weekday name");
    T_EQ_INT(weekday_parse("XYZ"), -1, "XYZ is not a weekday");
    T_EQ_INT(weekday_parse(""), -1, "the empty string is not a weekday");
    T_EQ_STR(weekday_names[2], "WED", "weekday 2 is written WED");
}

static void test_zones(void)
{
    tz_t manila, utc, ny, z;
    char buf[16];

    T_EQ_INT(tz_load(&manila, "Asia/Manila"), 0, "Asia/Manila is a known zone");
    T_EQ_STR(manila.name, "Asia/Manila", "the loaded zone keeps its name");
    T_EQ_INT(tz_load(&utc, "UTC"), 0, "UTC is a known zone");
    T_EQ_INT(tz_load(&z, "Nowhere/Atlantis"), -1, "Nowhere/Atlantis is not a zone");
    T_EQ_INT(tz_load(&z, "../etc/passwd"), -1, "../etc/passwd is refused");
    T_EQ_INT(tz_load(&z, "Asia/../../../etc/passwd"), -1,
             "a path climbing out of tzdata is refused");
    T_EQ_INT(tz_load(&z, ""), -1, "the empty zone name is refused");
    T_EQ_INT(tz_load(&z, "Asia"), -1, "Asia (a tzdata directory, not a zone) is refused");

    T_EQ_INT(tz_offset_at(&manila, T2026_01_01), 480, "Manila is UTC+08:00 (480 min) in 2026");
    T_EQ_INT(tz_offset_at(&manila, T2026_01_01 + 180 * 86400), 480,
             "Manila keeps +08:00 in July (no DST)");
    T_EQ_INT(tz_offset_at(&utc, T2026_01_01), 0, "UTC has offset 0");

    /* Midnight in Manila is 16:00Z the day before. */
    T_EQ_INT(tz_date_of(&manila, T2026_01_01 - 8 * 3600 - 1), D2026_01_01 - 1,
             "2025-12-31T15:59:59Z is still 2025-12-31 in Manila (23:59:59 local)");
    T_EQ_INT(tz_date_of(&manila, T2026_01_01 - 8 * 3600), D2026_01_01,
             "2025-12-31T16:00:00Z is already 2026-01-01 in Manila (00:00 local)");
    T_EQ_INT(tz_date_of(&manila, T2026_01_01 + 16 * 3600 - 1), D2026_01_01,
             "2026-01-01T15:59:59Z is business date 2026-01-01 in Manila");
    T_EQ_INT(tz_date_of(&manila, T2026_01_01 + 16 * 3600), D2026_01_01 + 1,
             "2026-01-01T16:00:00Z is business date 2026-01-02 in Manila");
    T_EQ_INT(tz_date_of(&manila, T2026_01_01 + 21 * 3600 + 58 * 60), D2026_01_01 + 1,
             "night shift OUT at 05:58 on Jan 2 is business date 2026-01-02 in Manila");
    T_EQ_INT(tz_date_of(&utc, T2026_01_01 + 21 * 3600 + 58 * 60), D2026_01_01,
             "the same instant is still 2026-01-01 in UTC");
    date_format(tz_date_of(&manila, T2026_01_01 - 8 * 3600), buf);
    T_EQ_STR(buf, "2026-01-01", "New Year begins in Manila at 2025-12-31T16:00:00Z");

    T_EQ_INT(tz_instant_of(&manila, D2026_01_01 + 1, 6 * 60), T2026_01_01 + 22 * 3600,
             "06:00 on 2026-01-02 in Manila is 2026-01-01T22:00:00Z");
    T_EQ_INT(tz_instant_of(&manila, D2026_01_01, 0), T2026_01_01 - 8 * 3600,
             "00:00 on 2026-01-01 in Manila is 2025-12-31T16:00:00Z");
    T_EQ_INT(tz_instant_of(&manila, D2026_01_01, 1440), T2026_01_01 + 16 * 3600,
             "24:00 on 2026-01-01 in Manila is 00:00 Jan 2 local, 16:00Z Jan 1");
    T_EQ_INT(tz_instant_of(&utc, D2026_01_01, 18 * 60), T2026_01_01 + 18 * 3600,
             "18:00 on 2026-01-01 in UTC is 2026-01-01T18:00:00Z");

    /* A zone with DST: New York springs forward on Sun 2026-03-08 (02:00
     * EST -> 03:00 EDT) and falls back on Sun 2026-11-01 (02:00 EDT -> 01:00
     * EST). */
    T_EQ_INT(tz_load(&ny, "America/New_York"), 0, "America/New_York is a known zone");
    day_t mar8 = D2026_01_01 + 31 + 28 + 7, nov1 = D2026_01_01 + 304, jul1 = D2026_01_01 + 181;
    T_EQ_INT(tz_offset_at(&ny, T2026_01_01), -300, "New York is -05:00 in January");
    T_EQ_INT(tz_offset_at(&ny, (instant_t)jul1 * 86400), -240, "New York is -04:00 in July");
    T_EQ_INT(tz_instant_of(&ny, jul1, 12 * 60), (instant_t)jul1 * 86400 + 16 * 3600,
             "noon on 2026-07-01 in New York is 16:00Z");
    T_EQ_INT(tz_instant_of(&ny, mar8, 2 * 60 + 30), (instant_t)mar8 * 86400 + 7 * 3600 + 1800,
             "02:30 on 2026-03-08 in New York (skipped) resolves at the earlier offset: 07:30Z");
    T_EQ_INT(tz_instant_of(&ny, nov1, 60 + 30), (instant_t)nov1 * 86400 + 5 * 3600 + 1800,
             "01:30 on 2026-11-01 in New York (twice) resolves at the earlier offset: 05:30Z");
    T_EQ_INT(tz_date_of(&ny, T2026_01_01 + 4 * 3600 + 59 * 60), D2026_01_01 - 1,
             "2026-01-01T04:59Z is still 2025-12-31 in New York");
    /* Switching back to Manila after using New York gives Manila again. */
    T_EQ_INT(tz_offset_at(&manila, T2026_01_01), 480, "Manila is still +08:00 after New York");
}

static void test_periods(void)
{
    day_t from = 0, to = 0;
    char buf[16];

    T_EQ_INT(period_parse("2026-01-A", &from, &to), 0, "2026-01-A is a pay period");
    T_EQ_INT(from, D2026_01_01, "2026-01-A starts on 2026-01-01");
    T_EQ_INT(to, D2026_01_01 + 14, "2026-01-A ends on 2026-01-15");
    T_EQ_INT(period_parse("2026-01-B", &from, &to), 0, "2026-01-B is a pay period");
    T_EQ_INT(from, D2026_01_01 + 15, "2026-01-B starts on 2026-01-16");
    T_EQ_INT(to, D2026_01_01 + 30, "2026-01-B ends on 2026-01-31");
    T_EQ_INT(period_parse("2024-02-B", &from, &to), 0, "2024-02-B is a pay period");
    T_EQ_INT(from, 19769, "2024-02-B starts on 2024-02-16");
    T_EQ_INT(to, 19782, "2024-02-B ends on 2024-02-29 (leap year)");
    T_EQ_INT(period_parse("2026-02-B", &from, &to), 0, "2026-02-B is a pay period");
    T_EQ_INT(from, D2026_01_01 + 31 + 15, "2026-02-B starts on 2026-02-16");
    T_EQ_INT(to, D2026_01_01 + 31 + 27, "2026-02-B ends on 2026-02-28");
    T_EQ_INT(period_parse("2026-04-B", &from, &to), 0, "2026-04-B is a pay period");
    T_EQ_INT(to - from + 1, 15, "2026-04-B runs 15 days (16th..30th)");
    T_EQ_INT(period_parse("2026-12-B", &from, &to), 0, "2026-12-B is a pay period");
    T_EQ_INT(from, D2026_01_01 + 334 + 15, "2026-12-B starts on 2026-12-16");
    T_EQ_INT(to, D2026_01_01 + 364, "2026-12-B ends on 2026-12-31");

    static const char *const bad[] = {"2026-13-A",  "2026-00-A", "2026-01-C",
                                      "26-01-A",    "2026-1-A",  "2026-01-",
                                      "2026-01-AB", "2026_01_A", ""};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        T_EQ_INT(period_parse(bad[i], &from, &to), -1, "\"%s\" is not a pay period id", bad[i]);

    period_of_date(D2026_01_01 + 14, buf);
    T_EQ_STR(buf, "2026-01-A", "2026-01-15 falls in period 2026-01-A");
    period_of_date(D2026_01_01 + 15, buf);
    T_EQ_STR(buf, "2026-01-B", "2026-01-16 falls in period 2026-01-B");
    period_of_date(D2026_01_01, buf);
    T_EQ_STR(buf, "2026-01-A", "2026-01-01 falls in period 2026-01-A");
    period_of_date(19782, buf);
    T_EQ_STR(buf, "2024-02-B", "2024-02-29 falls in period 2024-02-B");
    period_of_date(D2026_01_01 + 364, buf);
    T_EQ_STR(buf, "2026-12-B", "2026-12-31 falls in period 2026-12-B");

    T_EQ_INT(period_next("2026-01-A", buf), 0, "2026-01-A has a next period");
    T_EQ_STR(buf, "2026-01-B", "after 2026-01-A comes 2026-01-B");
    T_EQ_INT(period_next("2026-01-B", buf), 0, "2026-01-B has a next period");
    T_EQ_STR(buf, "2026-02-A", "after 2026-01-B comes 2026-02-A (across the month end)");
    T_EQ_INT(period_next("2024-02-B", buf), 0, "2024-02-B has a next period");
    T_EQ_STR(buf, "2024-03-A", "after 2024-02-B comes 2024-03-A (past Feb 29)");
    T_EQ_INT(period_next("2026-12-B", buf), 0, "2026-12-B has a next period");
    T_EQ_STR(buf, "2027-01-A", "after 2026-12-B comes 2027-01-A (across the year end)");
    T_EQ_INT(period_next("2026-01-C", buf), -1, "a bad period id has no next period");
}

static void test_strict_fields(void)
{
    int sec = -1;
    instant_t t;
    T_EQ_INT(hms_parse("09:05:07", &sec), 0, "09:05:07 is a time of day");
    T_EQ_INT(sec, 9 * 3600 + 5 * 60 + 7, "of 32707 seconds");
    T_EQ_INT(hms_parse("23:59:59", &sec), 0, "23:59:59 is the last second of a day");
    T_EQ_INT(hms_parse("-1:-1:-1", &sec), -1, "-1:-1:-1 is no time");
    T_EQ_INT(hms_parse("+9:+9:+9", &sec), -1, "+9:+9:+9 is no time");
    T_EQ_INT(hms_parse(" 9:05:00", &sec), -1, "a leading space is no digit");
    T_EQ_INT(hms_parse("9:05:00", &sec), -1, "one digit for the hour is refused");
    T_EQ_INT(hms_parse("24:00:00", &sec), -1, "24:00:00 is refused");
    T_EQ_INT(hms_parse("09:05:60", &sec), -1, "a 60th second is refused");
    T_EQ_INT(iso_parse("2026-01-01T00:00:00-12:00", &t, NULL), 0, "-12:00 is the lowest offset");
    T_EQ_INT(iso_parse("2026-01-01T00:00:00-12:01", &t, NULL), -1, "-12:01 is refused");
    T_EQ_INT(iso_parse("2026-01-01T00:00:00-14:00", &t, NULL), -1, "-14:00 is refused");
    T_EQ_INT(iso_parse("2026-01-01T00:00:00+14:00", &t, NULL), 0, "+14:00 is the highest offset");
    T_EQ_INT(iso_parse("2026-01-01T00:00:00+14:01", &t, NULL), -1, "+14:01 is refused");
}

int main(void)
{
    test_iso_parse_accepts();
    test_iso_parse_rejects();
    test_iso_format();
    test_civil_days();
    test_calendar_rules();
    test_date_parse();
    test_hhmm_weekday();
    test_zones();
    test_periods();
    test_strict_fields();
    return t_done();
}
