/*
 * test_progress.c - the rate of a progress callback (lib/core/progress.h):
 * nobody asked costs nothing, every_ms 0 shows every tick, and otherwise
 * nothing is shown before every_ms has passed, then at most once per
 * every_ms.
 */
#include <time.h>

#include "core/progress.h"
#include "t.h"

static long shown, last_done, last_total;
static const char *last_unit;

static void show(void *ctx, long done, long total, const char *unit)
{
    (*(long *)ctx)++;
    shown++;
    last_done = done;
    last_total = total;
    last_unit = unit;
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

int main(void)
{
    long calls = 0;
    progress_tick(NULL, 1, 2, "guards");
    progress p = {0};
    progress_tick(&p, 1, 2, "guards");
    T_EQ_INT(shown, 0, "a NULL progress, or one without a callback, shows nothing");

    progress_start(&p, show, &calls, 0);
    for (long i = 1; i <= 5; i++)
        progress_tick(&p, i, 5, "guards");
    T_EQ_INT(shown, 5, "every_ms 0 shows every tick");
    T_EQ_INT(calls, 5, "the callback gets the caller's ctx");
    T_EQ_INT(last_done, 5, "with done");
    T_EQ_INT(last_total, 5, "and total");
    T_EQ_STR(last_unit, "guards", "and what the loop counts");

    shown = 0;
    progress_start(&p, show, &calls, 60000);
    for (long i = 1; i <= 1000; i++)
        progress_tick(&p, i, 0, "records");
    T_EQ_INT(shown, 0, "a run shorter than every_ms shows nothing");
    T_EQ_INT(progress_due(&p), 0, "and is not due");

    /* 20 ms to wait first; the waits after it made long, so a slow machine
     * cannot let a second one pass during the loop */
    shown = 0;
    progress_start(&p, show, &calls, 20);
    p.every_ms = 600000;
    sleep_ms(30);
    for (long i = 1; i <= 1000; i++)
        progress_tick(&p, i, 1000, "paysheets");
    T_EQ_INT(shown, 1, "once every_ms has passed, one tick shows, and the next wait begins");
    T_EQ_INT(last_done, 1, "the first tick after the wait is the one shown");
    progress_start(&p, show, &calls, 20);
    p.every_ms = 600000;
    sleep_ms(30);
    T_EQ_INT(progress_due(&p), 1, "due after it");
    T_EQ_INT(progress_due(&p), 0, "and counted as shown");
    T_EQ_INT(progress_due(NULL), 0, "a NULL progress is never due");
    return t_done();
}
