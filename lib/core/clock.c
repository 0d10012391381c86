/*
 * clock.c - see clock.h. Civil-date arithmetic follows the well-known
 * days-from-civil algorithm (era of 400 years); zone conversion asks libc
 * with TZ set to the tenant's zone, since one process serves one tenant.
 */
#define _GNU_SOURCE
#include "core/clock.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/secure.h"

const char *const weekday_names[7] = {"MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN"};

day_t days_from_civil(int y, int m, int d)
{
    y -= m <= 2;
    int era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (unsigned)((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1);
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return (day_t)(era * 146097 + (int)doe - 719468);
}

void civil_from_days(day_t z, int *y, int *m, int *d)
{
    int zz = z + 719468;
    int era = (zz >= 0 ? zz : zz - 146096) / 146097;
    unsigned doe = (unsigned)(zz - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int yy = (int)yoe + era * 400;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = yy + (*m <= 2);
}

int is_leap_year(int y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

int days_in_month(int y, int m)
{
    static const int dm[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && is_leap_year(y) ? 29 : dm[m - 1];
}

int weekday(day_t z)
{
    /* 1970-01-01 was a Thursday (3). */
    int w = (int)((z % 7 + 7 + 3) % 7);
    return w;
}

static int digits(const char *s, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (!isdigit((unsigned char)s[i]))
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return 0;
}

int date_parse(const char *s, day_t *d)
{
    int y, m, dd;
    if (strlen(s) != 10 || s[4] != '-' || s[7] != '-' || digits(s, 4, &y) ||
        digits(s + 5, 2, &m) || digits(s + 8, 2, &dd))
        return -1;
    if (y < 1900 || m < 1 || m > 12 || dd < 1 || dd > days_in_month(y, m))
        return -1;
    *d = days_from_civil(y, m, dd);
    return 0;
}

int hhmm_parse(const char *s, int *min, int allow_24)
{
    int h, m;
    if (strlen(s) != 5 || s[2] != ':' || digits(s, 2, &h) || digits(s + 3, 2, &m))
        return -1;
    if (m > 59 || h > 24 || (h == 24 && (!allow_24 || m != 0)))
        return -1;
    *min = h * 60 + m;
    return 0;
}

int hms_parse(const char *s, int *sec)
{
    int h, m, x;
    if (strlen(s) != 8 || s[2] != ':' || s[5] != ':' || digits(s, 2, &h) || digits(s + 3, 2, &m) ||
        digits(s + 6, 2, &x))
        return -1;
    if (h > 23 || m > 59 || x > 59)
        return -1;
    *sec = h * 3600 + m * 60 + x;
    return 0;
}

int weekday_parse(const char *s)
{
    for (int i = 0; i < 7; i++)
        if (strcasecmp(s, weekday_names[i]) == 0)
            return i;
    return -1;
}

int iso_parse(const char *s, instant_t *t, int *offset_min)
{
    int y, mo, d, h, mi, sec = 0;
    size_t n = strlen(s);
    if (n < 17 || s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != 't' && s[10] != ' ') ||
        s[13] != ':')
        return -1;
    if (digits(s, 4, &y) || digits(s + 5, 2, &mo) || digits(s + 8, 2, &d) ||
        digits(s + 11, 2, &h) || digits(s + 14, 2, &mi))
        return -1;
    const char *p = s + 16;
    if (*p == ':') {
        if (digits(p + 1, 2, &sec))
            return -1;
        p += 3;
        if (*p == '.' || *p == ',') {
            p++;
            if (!isdigit((unsigned char)*p))
                return -1;
            while (isdigit((unsigned char)*p))
                p++;
        }
    }
    if (y < 1900 || mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo) || h > 23 || mi > 59 ||
        sec > 59)
        return -1;
    int off;
    if ((*p == 'Z' || *p == 'z') && p[1] == 0) {
        off = 0;
    } else if (*p == '+' || *p == '-') {
        int oh, om = 0;
        int sign = *p == '-' ? -1 : 1;
        p++;
        if (digits(p, 2, &oh))
            return -1;
        p += 2;
        if (*p == ':' && !p[1])
            return -1; /* "+08:" */
        if (*p == ':')
            p++;
        if (*p) {
            if (digits(p, 2, &om) || p[2] != 0)
                return -1;
        }
        off = sign * (oh * 60 + om);
        if (om > 59 || off < -12 * 60 || off > 14 * 60) /* real offsets: -12:00..+14:00 */
            return -1;
    } else {
        return -1;
    }
    *t = (instant_t)days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec -
         (instant_t)off * 60;
    if (offset_min)
        *offset_min = off;
    return 0;
}

static char *put2(char *p, int v)
{
    p[0] = (char)('0' + v / 10 % 10);
    p[1] = (char)('0' + v % 10);
    return p + 2;
}

/* Hot in every timekeeping record (a time log has two dates), so no
 * printf where the year has four digits. */
void date_format(day_t d, char *buf)
{
    int y, m, dd;
    civil_from_days(d, &y, &m, &dd);
    y %= 10000;
    if (y < 0) { /* as printf writes it: "-005-01-01", cut at ten */
        char tmp[48];
        snprintf(tmp, sizeof tmp, "%04d-%02d-%02d", y, m, dd);
        memcpy(buf, tmp, 11);
        buf[10] = 0;
        return;
    }
    char *p = put2(buf, y / 100);
    p = put2(p, y % 100);
    *p++ = '-';
    p = put2(p, m);
    *p++ = '-';
    p = put2(p, dd);
    *p = 0;
}

/* "YYYY-MM-DDTHH:MM:SS" + tail; hot in ingest, so no printf. */
static void fmt_fields(instant_t t, char *buf, size_t n, const char *tail)
{
    instant_t days = t >= 0 ? t / 86400 : -((-t + 86399) / 86400);
    int secs = (int)(t - days * 86400);
    int y, m, d;
    char tmp[40], *p = tmp;
    civil_from_days((day_t)days, &y, &m, &d);
    y = ((y % 10000) + 10000) % 10000;
    p = put2(p, y / 100);
    p = put2(p, y % 100);
    *p++ = '-';
    p = put2(p, m);
    *p++ = '-';
    p = put2(p, d);
    *p++ = 'T';
    p = put2(p, secs / 3600);
    *p++ = ':';
    p = put2(p, secs / 60 % 60);
    *p++ = ':';
    p = put2(p, secs % 60);
    size_t tl = strlen(tail);
    memcpy(p, tail, tl + 1);
    size_t len = (size_t)(p - tmp) + tl;
    if (len >= n)
        len = n - 1;
    memcpy(buf, tmp, len);
    buf[len] = 0;
}

void iso_format_utc(instant_t t, char *buf)
{
    fmt_fields(t, buf, 21, "Z");
}

void iso_format_offset(instant_t t, int off, char *buf)
{
    char tail[8], *p = tail;
    int a = off < 0 ? -off : off;
    *p++ = off < 0 ? '-' : '+';
    p = put2(p, a / 60 % 100);
    *p++ = ':';
    p = put2(p, a % 60);
    *p = 0;
    fmt_fields(t + (instant_t)off * 60, buf, 26, tail);
}

/* One process serves one tenant, so the zone is set once in TZ. */
static void tz_apply(const tz_t *tz)
{
    static char current[64] = "";
    if (strcmp(current, tz->name) != 0) {
        setenv("TZ", tz->name, 1);
        tzset();
        snprintf(current, sizeof current, "%s", tz->name);
    }
}

int tz_load(tz_t *tz, const char *name)
{
    if (!name || !*name || strlen(name) >= sizeof tz->name || strstr(name, ".."))
        return -1;
    if (strcmp(name, "UTC") != 0) {
        char path[256];
        const char *dir = armms_env("TZDIR");
        snprintf(path, sizeof path, "%s/%s", dir && *dir ? dir : "/usr/share/zoneinfo", name);
        /* A zone is a TZif file; a directory ("Asia") or zone.tab is not. */
        FILE *f = fopen(path, "rb");
        char magic[4] = {0};
        int ok = f && fread(magic, 1, 4, f) == 4 && memcmp(magic, "TZif", 4) == 0;
        if (f)
            fclose(f);
        if (!ok)
            return -1;
    }
    snprintf(tz->name, sizeof tz->name, "%s", name);
    return 0;
}

static int offset_now(instant_t t)
{
    time_t tt = (time_t)t;
    struct tm tm;
    localtime_r(&tt, &tm);
    return (int)(tm.tm_gmtoff / 60);
}

/* glibc re-parses the zone's POSIX rule string on every localtime_r past
 * the last transition in the file, so offsets are remembered per hour. An
 * hour is cached only when its first and last second agree, so an hour
 * holding a transition is always asked afresh. */
enum { TZ_MEMO = 4096 };
static struct {
    int64_t hour;
    int off;
} tz_memo[TZ_MEMO];
static char tz_memo_zone[64];

int tz_offset_at(const tz_t *tz, instant_t t)
{
    tz_apply(tz);
    if (strcmp(tz_memo_zone, tz->name) != 0) {
        for (int i = 0; i < TZ_MEMO; i++)
            tz_memo[i].hour = INT64_MIN;
        snprintf(tz_memo_zone, sizeof tz_memo_zone, "%s", tz->name);
    }
    int64_t h = t >= 0 ? t / 3600 : -((-t + 3599) / 3600);
    size_t slot = (size_t)((uint64_t)h % TZ_MEMO);
    if (tz_memo[slot].hour == h)
        return tz_memo[slot].off;
    int off = offset_now(t);
    if (offset_now(h * 3600) == off && offset_now(h * 3600 + 3599) == off) {
        tz_memo[slot].hour = h;
        tz_memo[slot].off = off;
    }
    return off;
}

day_t tz_date_of(const tz_t *tz, instant_t t)
{
    instant_t local = t + (instant_t)tz_offset_at(tz, t) * 60;
    return (day_t)(local >= 0 ? local / 86400 : -((-local + 86399) / 86400));
}

instant_t tz_instant_of(const tz_t *tz, day_t d, int minute)
{
    instant_t wall = (instant_t)d * 86400 + (instant_t)minute * 60;
    /* Try the offsets in force around that wall time; take the earliest fit. */
    int o1 = tz_offset_at(tz, wall - 86400), o2 = tz_offset_at(tz, wall + 86400);
    instant_t c1 = wall - (instant_t)o1 * 60, c2 = wall - (instant_t)o2 * 60;
    int f1 = tz_offset_at(tz, c1) == o1, f2 = tz_offset_at(tz, c2) == o2;
    if (f1 && f2)
        return c1 < c2 ? c1 : c2;
    if (f1)
        return c1;
    if (f2)
        return c2;
    return c1; /* skipped wall time: the earlier offset */
}

int period_parse(const char *id, day_t *from, day_t *to)
{
    int y, m;
    if (strlen(id) != 9 || id[4] != '-' || id[7] != '-' || digits(id, 4, &y) ||
        digits(id + 5, 2, &m) || m < 1 || m > 12 || y < 1900)
        return -1;
    if (id[8] == 'A') {
        *from = days_from_civil(y, m, 1);
        *to = days_from_civil(y, m, 15);
    } else if (id[8] == 'B') {
        *from = days_from_civil(y, m, 16);
        *to = days_from_civil(y, m, days_in_month(y, m));
    } else {
        return -1;
    }
    return 0;
}

void period_of_date(day_t d, char *buf)
{
    int y, m, dd;
    char tmp[48];
    civil_from_days(d, &y, &m, &dd);
    snprintf(tmp, sizeof tmp, "%04d-%02d-%c", y % 10000, m, dd <= 15 ? 'A' : 'B');
    memcpy(buf, tmp, 10);
    buf[9] = 0;
}

int period_next(const char *id, char *buf)
{
    day_t f, t;
    if (period_parse(id, &f, &t))
        return -1;
    period_of_date(t + 1, buf);
    return 0;
}
