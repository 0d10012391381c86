/*
 * snapscan.c - the fields of a sealed snapshot pricing needs, read straight
 * from its text (see pay_int.h). A small scanner, not a parser: it walks
 * the JSON grammar to skip what it does not need and refuses (-1) anything
 * it does not expect, an escaped string among the fields it reads included,
 * so its caller can take the general path then.
 */
#include <stdlib.h>
#include <string.h>

#include "pay/pay_int.h"

static const char *ws(const char *p)
{
    while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
        p++;
    return p;
}

/* A string at p ('"'): its bytes [*s, *s + *n) when it has no escape
 * (*esc = 0); the text after it, or NULL. */
static const char *str(const char *p, const char **s, size_t *n, int *esc)
{
    if (*p != '"')
        return NULL;
    const char *q = ++p;
    *esc = 0;
    for (; *q && *q != '"'; q++)
        if (*q == '\\') {
            *esc = 1;
            if (!*++q)
                return NULL;
        }
    if (*q != '"')
        return NULL;
    *s = p;
    *n = (size_t)(q - p);
    return q + 1;
}

static const char *skip(const char *p, int depth);

static const char *skip_container(const char *p, char close, int obj, int depth)
{
    p = ws(p + 1);
    if (*p == close)
        return p + 1;
    for (;;) {
        if (obj) {
            const char *s;
            size_t n;
            int e;
            if (!(p = str(p, &s, &n, &e)))
                return NULL;
            p = ws(p);
            if (*p++ != ':')
                return NULL;
        }
        if (!(p = skip(ws(p), depth + 1)))
            return NULL;
        p = ws(p);
        if (*p == ',') {
            p = ws(p + 1);
            continue;
        }
        return *p == close ? p + 1 : NULL;
    }
}

/* Skip one value at p; the text after it, or NULL. */
static const char *skip(const char *p, int depth)
{
    if (depth > 32)
        return NULL;
    p = ws(p);
    const char *s;
    size_t n;
    int e;
    switch (*p) {
    case '"':
        return str(p, &s, &n, &e);
    case '{':
        return skip_container(p, '}', 1, depth);
    case '[':
        return skip_container(p, ']', 0, depth);
    case 't':
        return strncmp(p, "true", 4) ? NULL : p + 4;
    case 'f':
        return strncmp(p, "false", 5) ? NULL : p + 5;
    case 'n':
        return strncmp(p, "null", 4) ? NULL : p + 4;
    default:
        if (*p != '-' && (*p < '0' || *p > '9'))
            return NULL;
        while (*p == '-' || *p == '+' || *p == '.' || *p == 'e' || *p == 'E' ||
               (*p >= '0' && *p <= '9'))
            p++;
        return p;
    }
}

/* Members of the object at p: fn(key, n, value, ctx) for each, which
 * returns the text after the value it read (or skip()s), NULL to fail.
 * The text after the object, or NULL. */
typedef const char *(*member_fn)(const char *k, size_t n, const char *v, void *ctx);

static const char *members(const char *p, member_fn fn, void *ctx)
{
    p = ws(p);
    if (*p != '{')
        return NULL;
    p = ws(p + 1);
    if (*p == '}')
        return p + 1;
    for (;;) {
        const char *k;
        size_t n;
        int e;
        if (!(p = str(p, &k, &n, &e)) || e)
            return NULL;
        p = ws(p);
        if (*p++ != ':')
            return NULL;
        if (!(p = fn(k, n, ws(p), ctx)))
            return NULL;
        p = ws(p);
        if (*p == ',') {
            p = ws(p + 1);
            continue;
        }
        return *p == '}' ? p + 1 : NULL;
    }
}

static int is(const char *k, size_t n, const char *name)
{
    return strlen(name) == n && !memcmp(k, name, n);
}

/* A short string without escapes into buf. */
static const char *str_into(const char *p, char *buf, size_t cap)
{
    const char *s;
    size_t n;
    int e;
    if (!(p = str(p, &s, &n, &e)) || e || n >= cap)
        return NULL;
    memcpy(buf, s, n);
    buf[n] = 0;
    return p;
}

static const char *int_into(const char *p, long long *v)
{
    char *end;
    *v = strtoll(p, &end, 10);
    if (end == p || *end == '.' || *end == 'e' || *end == 'E')
        return NULL;
    return end;
}

typedef struct scan {
    snap_rows *r;
    int snap;
    snap_day day;   /* the day being read */
    char type[24];  /* the minutes' day type being read */
    snap_uh uh;     /* the holiday being read */
    long long *tot; /* where totals.worked goes */
} scan;

static const char *bucket_fn(const char *k, size_t n, const char *v, void *ctx)
{
    snap_day *d = ctx;
    static const char *const names[4] = {"regular", "ot", "nd", "nd_ot"};
    for (int b = 0; b < 4; b++)
        if (is(k, n, names[b]))
            return int_into(v, &d->m[b]);
    return skip(v, 0);
}

static void day_push(snap_rows *r, const snap_day *d)
{
    if (r->nday == r->capday) {
        r->capday = r->capday ? r->capday * 2 : 64;
        r->day = xrealloc(r->day, (size_t)r->capday * sizeof *r->day);
    }
    r->day[r->nday++] = *d;
}

static const char *type_fn(const char *k, size_t n, const char *v, void *ctx)
{
    scan *sc = ctx;
    snap_day d = sc->day;
    if (n >= sizeof d.type)
        return NULL;
    memcpy(d.type, k, n);
    d.type[n] = 0;
    memset(d.m, 0, sizeof d.m);
    const char *p = members(v, bucket_fn, &d);
    if (p)
        day_push(sc->r, &d);
    return p;
}

static const char *totals_fn(const char *k, size_t n, const char *v, void *ctx)
{
    scan *sc = ctx;
    return is(k, n, "worked") ? int_into(v, sc->tot) : skip(v, 0);
}

/* A day line: date, day_type, totals first (sorted keys: date < day_type
 * < minutes < status < totals), so minutes are read after a pre-pass. */
static const char *day_fn(const char *k, size_t n, const char *v, void *ctx)
{
    scan *sc = ctx;
    if (is(k, n, "date"))
        return str_into(v, sc->day.date, sizeof sc->day.date);
    if (is(k, n, "day_type"))
        return str_into(v, sc->day.own, sizeof sc->day.own);
    if (is(k, n, "totals")) {
        sc->tot = &sc->day.worked;
        return members(v, totals_fn, sc);
    }
    return skip(v, 0);
}

static const char *day_minutes_fn(const char *k, size_t n, const char *v, void *ctx)
{
    return is(k, n, "minutes") ? members(v, type_fn, ctx) : skip(v, 0);
}

static const char *present_fn(const char *k, size_t n, const char *v, void *ctx)
{
    scan *sc = ctx;
    if (!is(k, n, "present"))
        return skip(v, 0);
    sc->uh.present = !strncmp(v, "true", 4);
    return skip(v, 0);
}

static const char *uh_fn(const char *k, size_t n, const char *v, void *ctx)
{
    scan *sc = ctx;
    if (is(k, n, "date"))
        return str_into(v, sc->uh.date, sizeof sc->uh.date);
    if (is(k, n, "day_type"))
        return str_into(v, sc->uh.type, sizeof sc->uh.type);
    if (is(k, n, "last_scheduled"))
        return *v == '{' ? members(v, present_fn, sc) : skip(v, 0);
    return skip(v, 0);
}

static const char *array(const char *p, const char *(*each)(const char *v, scan *sc), scan *sc)
{
    p = ws(p);
    if (*p != '[')
        return NULL;
    p = ws(p + 1);
    if (*p == ']')
        return p + 1;
    for (;;) {
        if (!(p = each(p, sc)))
            return NULL;
        p = ws(p);
        if (*p == ',') {
            p = ws(p + 1);
            continue;
        }
        return *p == ']' ? p + 1 : NULL;
    }
}

static const char *one_day(const char *v, scan *sc)
{
    memset(&sc->day, 0, sizeof sc->day);
    sc->day.snap = sc->snap;
    /* two passes over the line: its date, type and worked minutes, then
     * one row per day type of its minutes */
    if (!members(v, day_fn, sc))
        return NULL;
    return members(v, day_minutes_fn, sc);
}

static const char *one_uh(const char *v, scan *sc)
{
    memset(&sc->uh, 0, sizeof sc->uh);
    sc->uh.snap = sc->snap;
    const char *p = members(v, uh_fn, sc);
    if (p) {
        snap_rows *r = sc->r;
        if (r->nuh == r->capuh) {
            r->capuh = r->capuh ? r->capuh * 2 : 8;
            r->uh = xrealloc(r->uh, (size_t)r->capuh * sizeof *r->uh);
        }
        r->uh[r->nuh++] = sc->uh;
    }
    return p;
}

static const char *top_fn(const char *k, size_t n, const char *v, void *ctx)
{
    scan *sc = ctx;
    if (is(k, n, "days"))
        return array(v, one_day, sc);
    if (is(k, n, "unworked_holidays"))
        return *v == '[' ? array(v, one_uh, sc) : skip(v, 0);
    return skip(v, 0);
}

int snap_scan(const char *text, int snap, snap_rows *r)
{
    int nday = r->nday, nuh = r->nuh;
    scan sc = {.r = r, .snap = snap};
    const char *p = members(text, top_fn, &sc);
    if (!p || *ws(p)) {
        r->nday = nday; /* nothing half-read stays */
        r->nuh = nuh;
        return -1;
    }
    return 0;
}

/* --- the head of a snapshot, for landing it --------------------------- */

typedef struct head_scan {
    snap_head *h;
    const char *base;
} head_scan;

static const char *period_fn(const char *k, size_t n, const char *v, void *ctx)
{
    snap_head *h = ctx;
    return is(k, n, "id") ? str_into(v, h->period, sizeof h->period) : skip(v, 0);
}

static const char *head_fn(const char *k, size_t n, const char *v, void *ctx)
{
    head_scan *hs = ctx;
    snap_head *h = hs->h;
    if (is(k, n, "checksum")) {
        /* the member runs from its key's opening quote (k - 1) */
        h->sum_from = (size_t)(k - 1 - hs->base);
        const char *p = str_into(v, h->checksum, sizeof h->checksum);
        if (p)
            h->sum_to = (size_t)(p - hs->base);
        return p;
    }
    if (is(k, n, "kind"))
        return str_into(v, h->kind, sizeof h->kind);
    if (is(k, n, "timesheet_id"))
        return str_into(v, h->timesheet_id, sizeof h->timesheet_id);
    if (is(k, n, "guard_id"))
        return str_into(v, h->guard, sizeof h->guard);
    if (is(k, n, "detachment_id"))
        return str_into(v, h->det, sizeof h->det);
    if (is(k, n, "shift_id"))
        return str_into(v, h->shift, sizeof h->shift);
    if (is(k, n, "position_id"))
        return str_into(v, h->pos, sizeof h->pos);
    if (is(k, n, "status"))
        return *v == '"' ? str_into(v, h->status, sizeof h->status) : skip(v, 0);
    if (is(k, n, "version"))
        return int_into(v, &h->version);
    if (is(k, n, "period"))
        return *v == '{' ? members(v, period_fn, h) : skip(v, 0);
    if (is(k, n, "days")) {
        h->has_days = *v == '[';
        return skip(v, 0);
    }
    return skip(v, 0);
}

int snap_head_scan(const char *text, size_t len, snap_head *h)
{
    memset(h, 0, sizeof *h);
    head_scan hs = {h, text};
    const char *p = members(text, head_fn, &hs);
    if (!p || (size_t)(p - text) != len || !h->sum_to)
        return -1;
    return 0;
}

/* The value of member key of the object at text: its span. */
typedef struct find_ctx {
    const char *key, *v, *end;
} find_ctx;

static const char *find_fn(const char *k, size_t n, const char *v, void *ctx)
{
    find_ctx *f = ctx;
    const char *p = skip(v, 0);
    if (p && is(k, n, f->key)) {
        f->v = v;
        f->end = p;
    }
    return p;
}

int json_member_span(const char *text, const char *key, const char **v, size_t *n)
{
    find_ctx f = {key, NULL, NULL};
    if (!members(text, find_fn, &f) || !f.v)
        return -1;
    *v = f.v;
    *n = (size_t)(f.end - f.v);
    return 0;
}
