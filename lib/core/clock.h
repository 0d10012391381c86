/*
 * clock.h - instants, calendar dates, wall-clock times and pay periods.
 *
 * Invariants: an instant is int64 seconds since the Unix epoch, UTC; it is
 * stored as "YYYY-MM-DDTHH:MM:SSZ". A business date is a civil date in the
 * tenant's zone (default Asia/Manila), held as a day number (days since
 * 1970-01-01) and written "YYYY-MM-DD". No struct tm arithmetic happens
 * without an explicit zone: zone conversion goes through tz_* only.
 * Leap seconds are not represented (":60" is rejected).
 *
 * Uses core/util.h and the system's zoneinfo (tzdata).
 */
#ifndef ARMMS_CLOCK_H
#define ARMMS_CLOCK_H

#include <stdint.h>

typedef int64_t instant_t; /* seconds since epoch, UTC */
typedef int32_t day_t;     /* days since 1970-01-01 */

/* Parse ISO-8601 "YYYY-MM-DDTHH:MM[:SS[.frac]](Z|+HH:MM|+HHMM|+HH)".
 * A space may stand for T. The offset is mandatory. Fractions are dropped.
 * Returns 0 and fills *t (and *offset_min if not NULL), or -1. */
int iso_parse(const char *s, instant_t *t, int *offset_min);
/* "YYYY-MM-DDTHH:MM:SSZ" into buf (>= 21 bytes). */
void iso_format_utc(instant_t t, char *buf);
/* "YYYY-MM-DDTHH:MM:SS+08:00" into buf (>= 26 bytes). */
void iso_format_offset(instant_t t, int offset_min, char *buf);

/* Civil date <-> day number (proleptic Gregorian). */
day_t days_from_civil(int y, int m, int d);
void civil_from_days(day_t z, int *y, int *m, int *d);
int is_leap_year(int y);
int days_in_month(int y, int m);
/* 0 = Monday ... 6 = Sunday (ISO). */
int weekday(day_t z);
/* Parse strict "YYYY-MM-DD"; 0 or -1. */
int date_parse(const char *s, day_t *d);
void date_format(day_t d, char *buf); /* >= 11 bytes */
/* Parse "HH:MM" (00:00..23:59, and 24:00 when allow_24) into minutes. */
int hhmm_parse(const char *s, int *min, int allow_24);
/* Parse "HH:MM:SS" (two digits each, 00:00:00..23:59:59) into seconds. */
int hms_parse(const char *s, int *sec);
/* Parse a three-letter weekday name (MON..SUN, any case); -1 if unknown. */
int weekday_parse(const char *s);
extern const char *const weekday_names[7];

/* A tenant zone. Zone rules come from the system's tzdata. */
typedef struct tz {
    char name[64];
} tz_t;
/* 0, or -1 when the zone is unknown to tzdata. */
int tz_load(tz_t *tz, const char *name);
/* UTC offset in minutes in force at instant t. */
int tz_offset_at(const tz_t *tz, instant_t t);
/* Business date of instant t in the zone. */
day_t tz_date_of(const tz_t *tz, instant_t t);
/* The instant of a local wall-clock time (day, minute-of-day) in the zone.
 * Ambiguous or skipped times (DST) resolve to the earlier offset. */
instant_t tz_instant_of(const tz_t *tz, day_t d, int minute);

/* Pay periods "YYYY-MM-A" (1st-15th) and "YYYY-MM-B" (16th-last day). */
int period_parse(const char *id, day_t *from, day_t *to);
void period_of_date(day_t d, char *buf); /* >= 10 bytes */
/* The period after id, into buf (>= 10 bytes). 0 or -1. */
int period_next(const char *id, char *buf);

#endif
