/*
 * progress.h - how far a long run has got, told to whoever asked, at most
 * every so many milliseconds. Header only; it prints nothing.
 *
 * A loop over many items (guards, paysheets, records) takes a `progress *`
 * from above (NULL: nobody asked) and calls progress_tick(p, done, total,
 * unit) once per item: total 0 when it is not known, unit what it counts,
 * plural ("guards"), a static string. The callback the caller set gets them
 * at most once every p->every_ms milliseconds of the monotonic clock, and
 * the first time only when every_ms has passed since progress_start, so a
 * short run never calls it; every_ms 0 calls it on every tick (the tests).
 * Each loop's header says what it counts.
 *
 * Invariant: a NULL p, or one without a callback, costs a comparison a
 * tick: the clock is read only for a caller that asked.
 *
 * Uses nothing of ARMMS.
 */
#ifndef ARMMS_PROGRESS_H
#define ARMMS_PROGRESS_H

#include <time.h>

typedef void (*progress_fn)(void *ctx, long done, long total, const char *unit);

typedef struct progress {
    progress_fn show; /* NULL: nobody asked */
    void *ctx;
    long every_ms;
    long long next_ms; /* the monotonic instant before which nothing is shown */
} progress;

static inline long long progress_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Ask for show(ctx, done, total, unit) at most every every_ms milliseconds,
 * counted from now. */
static inline void progress_start(progress *p, progress_fn show, void *ctx, long every_ms)
{
    p->show = show;
    p->ctx = ctx;
    p->every_ms = every_ms < 0 ? 0 : every_ms;
    p->next_ms = progress_now_ms() + p->every_ms;
}

/* 1 when the time has come to show p again (and it is counted as shown),
 * for a caller that shows its own figures; 0 for a NULL p. */
static inline int progress_due(progress *p)
{
    if (!p)
        return 0;
    long long now = progress_now_ms();
    if (now < p->next_ms)
        return 0;
    p->next_ms = now + p->every_ms;
    return 1;
}

static inline void progress_tick(progress *p, long done, long total, const char *unit)
{
    if (p && p->show && progress_due(p))
        p->show(p->ctx, done, total, unit);
}

#endif
