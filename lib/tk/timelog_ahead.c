/*
 * timelog_ahead.c - a long flush's clock events, read ahead on a thread.
 *
 * A period's rebuild reads each guard's punches through clock_event_guard
 * and one rowid lookup a punch into clock_event, which lies in arrival
 * order: a page read from the kernel for almost every punch, a third of
 * armms-timelog's time at 100,000 guards, on the run's own thread while
 * the second processor idles. When a flush recomputes many guards, a
 * thread with a read-only connection of its own reads the clock events of
 * the guards after the one the run recomputes (core/ahead: a ring of
 * them), and the run takes each guard's from the ring instead of reading
 * them.
 *
 * Invariants: the thread runs load_punches' own statement (tl_sql_events)
 * for the same guard and window, so it reads the same rows: clock_event
 * is written by ingest alone (and by the held punches a run releases,
 * committed before its flush), clock_event_guard by ingest and by the
 * run's own filing (tl_prepare), committed before its flush too, and the
 * statement takes the rows past the filing mark itself; an ingest
 * committing during the run is seen or not as it may be by the run's own
 * transactions, its events recomputed again downstream either way. The
 * thread reads the flush's touches (which do not change until the flush
 * ends, tl_ahead_end) and their windows, which the run computes first
 * (the zone code is not thread-safe). The run takes an entry only for the
 * touch it recomputes, and reads on its own whatever the thread could not
 * give (no thread, a short flush, a failed read). ARMMS_TIMELOG_SERIAL=1
 * keeps one thread.
 */
#include <stdlib.h>
#include <string.h>

#include "core/ahead.h"
#include "core/secure.h"
#include "tk/timelog_int.h"

enum { AHEAD_RING = 256 };

typedef struct ahead_punch {
    instant_t ts;
    int is_in;
    size_t id, key, det; /* offsets into the slot's text */
} ahead_punch;

typedef struct tl_slot {
    ahead_punch *p;
    int np, cap;
    strbuf text;
    int failed; /* the read failed: the run reads this guard itself */
} tl_slot;

struct tl_ahead {
    store_t s; /* the thread's connection, kept from flush to flush */
    sqlite3_stmt *q;
    int ring;
    ahead *a;          /* the flush being read ahead (NULL: none) */
    long gen;          /* which flush (tk_run.flush_gen) */
    int base, next;    /* its items are touches base..; the next one to take */
    const tk_touch *t; /* the flush's touches, from base */
    instant_t *win;    /* 2 per item: the window's bounds */
};

static size_t keep(tl_slot *s, const char *v)
{
    size_t at = s->text.len;
    sb_add(&s->text, v, strlen(v) + 1);
    return at;
}

/* On the thread: the clock events of item i into its slot. */
static void read_one(void *ctx, int i, void *slot)
{
    struct tl_ahead *ta = ctx;
    tl_slot *s = slot;
    sqlite3_stmt *q = ta->q;
    char lo[32], hi[32];
    iso_format_utc(ta->win[2 * i], lo);
    iso_format_utc(ta->win[2 * i + 1], hi);
    s->np = 0;
    sb_reset(&s->text);
    sqlite3_bind_text(q, 1, ta->t[i].guard, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 2, lo, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 3, hi, -1, SQLITE_STATIC);
    int rc;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        if (s->np == s->cap) {
            s->cap = s->cap ? 2 * s->cap : 32;
            s->p = xrealloc(s->p, sizeof *s->p * (size_t)s->cap);
        }
        ahead_punch *p = &s->p[s->np++];
        p->id = keep(s, tk_col(q, 0));
        p->key = keep(s, tk_col(q, 1));
        iso_parse(tk_col(q, 2), &p->ts, NULL);
        p->is_in = tk_col(q, 3)[0] == 'I';
        p->det = keep(s, tk_col(q, 4));
    }
    sqlite3_reset(q);
    s->failed = rc != SQLITE_DONE;
}

static void slot_fin(void *slot)
{
    tl_slot *s = slot;
    free(s->p);
    sb_free(&s->text);
}

/* The test hook's ring, 1 to AHEAD_RING guards (anything else: the
 * default), so a mistyped value cannot ask for a ring of any size. */
static int ring_size(void)
{
    const char *e = armms_env("ARMMS_TEST_AHEAD_RING");
    int v = e ? atoi(e) : 0;
    return v > 0 && v <= AHEAD_RING ? v : AHEAD_RING;
}

static struct tl_ahead *reader_open(tk_run *r)
{
    const char *serial = armms_env("ARMMS_TIMELOG_SERIAL");
    if (serial && *serial && strcmp(serial, "0") != 0)
        return NULL;
    struct tl_ahead *ta = xcalloc(1, sizeof *ta);
    armms_err e = {0};
    if (store_open_ro(&ta->s, r->t, "tk", &e)) {
        free(ta);
        return NULL;
    }
    /* the leaves it reads are scattered; the inner pages are what stays */
    sqlite3_exec(ta->s.db, "PRAGMA cache_size=-4096", NULL, NULL, NULL);
    if (sqlite3_prepare_v2(ta->s.db, tl_sql_events, -1, &ta->q, NULL) != SQLITE_OK) {
        tl_ahead_stop(ta);
        return NULL;
    }
    ta->ring = ring_size();
    ta->gen = -1;
    return ta;
}

/* Read touches i.. of the flush ahead: 0, or -1 when no thread starts. */
static int flush_start(tk_run *r, struct tl_ahead *ta, int i)
{
    int n = r->ntouch - i;
    ta->base = ta->next = i;
    ta->t = r->touch + i;
    ta->gen = r->flush_gen;
    ta->win = xrealloc(ta->win, sizeof *ta->win * 2 * (size_t)n);
    day_t d0 = 0, d1 = 0;
    instant_t lo = 0, hi = 0;
    for (int k = 0; k < n; k++) { /* a scope's touches share their dates */
        if (k == 0 || ta->t[k].d0 != d0)
            lo = tz_instant_of(&r->t->tz, (d0 = ta->t[k].d0) - 2, 0);
        if (k == 0 || ta->t[k].d1 != d1)
            hi = tz_instant_of(&r->t->tz, (d1 = ta->t[k].d1) + 3, 0);
        ta->win[2 * k] = lo;
        ta->win[2 * k + 1] = hi;
    }
    ta->a = ahead_start(n, sizeof(tl_slot), ta->ring, read_one, ta);
    return ta->a ? 0 : -1;
}

int tl_ahead_take(tk_run *r, const ro_guard *g, day_t d0, day_t d1)
{
    tl_eng *e = r->eng;
    int i = r->cur;
    if (i < 0 || i >= r->ntouch || e->ahead_off)
        return 0;
    struct tl_ahead *ta = e->ahead;
    if (!ta || ta->gen != r->flush_gen) {
        if (r->ntouch - i < ring_size()) /* not worth a thread */
            return 0;
        if (!ta && !(ta = e->ahead = reader_open(r))) {
            e->ahead_off = 1; /* none: the run reads on its own */
            return 0;
        }
        tl_ahead_end(r);
        if (flush_start(r, ta, i) != 0)
            return 0;
    }
    if (!ta->a || i < ta->next)
        return 0;
    for (; ta->next < i; ta->next++) { /* guards the flush left out */
        ahead_take(ta->a, ta->next - ta->base);
        ahead_done(ta->a, ta->next - ta->base);
    }
    const tl_slot *s = ahead_take(ta->a, i - ta->base);
    int ok = !s->failed && strcmp(ta->t[i - ta->base].guard, g->id) == 0 &&
             ta->t[i - ta->base].d0 == d0 && ta->t[i - ta->base].d1 == d1;
    for (int j = 0; ok && j < s->np; j++) {
        const ahead_punch *q = &s->p[j];
        punch *p = tl_new_punch(e);
        str_copy(p->id, sizeof p->id, s->text.s + q->id);
        str_copy(p->key, sizeof p->key, s->text.s + q->key);
        p->ts = q->ts;
        p->is_in = q->is_in;
        str_copy(p->dev_det, sizeof p->dev_det, s->text.s + q->det);
    }
    ahead_done(ta->a, i - ta->base);
    ta->next = i + 1;
    return ok;
}

void tl_ahead_end(tk_run *r)
{
    tl_eng *e = r->eng;
    struct tl_ahead *ta = e ? e->ahead : NULL;
    if (!ta || !ta->a)
        return;
    ahead_stop(ta->a, NULL, slot_fin);
    ta->a = NULL;
    ta->t = NULL;
}

void tl_ahead_stop(struct tl_ahead *ta)
{
    if (!ta)
        return;
    if (ta->a)
        ahead_stop(ta->a, NULL, slot_fin);
    sqlite3_finalize(ta->q);
    store_close(&ta->s);
    free(ta->win);
    free(ta);
}
