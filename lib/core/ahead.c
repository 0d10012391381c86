/*
 * ahead.c - see ahead.h.
 */
#include "core/ahead.h"

#include <pthread.h>
#include <stdlib.h>

#include "core/util.h"

typedef struct worker {
    struct ahead *a;
    int w;
    pthread_t th;
} worker;

struct ahead {
    pthread_mutex_t mu;
    pthread_cond_t cv;   /* the caller waits on it for an item */
    pthread_cond_t room; /* the workers wait on it for a free slot */
    int n, ring, nw;
    size_t size;
    char *slots;
    int *filled; /* per slot: the item it holds, filled (-1: none) */
    ahead_fn fn;
    void **ctx;  /* per worker */
    int own_ctx; /* ctx is ahead_start's, freed with the run */
    worker *wk;
    int taken, stop; /* items given back, stop asked */
    /* who sleeps, and for what: each side wakes the other only once a
     * good part of the ring is ready, not at every item, so the threads
     * do not hand over one item per context switch */
    int want;    /* the caller sleeps until item want - 1 is filled (0: awake) */
    int room_at; /* a worker sleeps until taken >= room_at (0: awake) */
};

static void *slot_of(ahead *a, int i)
{
    return a->slots + (size_t)(i % a->ring) * a->size;
}

static int min(int x, int y)
{
    return x < y ? x : y;
}

/* Items i .. want - 1 all filled? (lock held) */
static int ready(const ahead *a, int i, int want)
{
    for (int k = i; k < want; k++)
        if (a->filled[k % a->ring] != k)
            return 0;
    return 1;
}

static void *run(void *arg)
{
    worker *me = arg;
    ahead *a = me->a;
    for (int i = me->w; i < a->n; i += a->nw) {
        pthread_mutex_lock(&a->mu);
        if (!a->stop && i - a->taken >= a->ring) {
            int at = i - a->ring + 1 + a->ring / 2; /* half the ring free again */
            while (!a->stop && a->taken < at) {
                if (!a->room_at || at < a->room_at)
                    a->room_at = at;
                pthread_cond_wait(&a->room, &a->mu);
            }
        }
        int stop = a->stop;
        pthread_mutex_unlock(&a->mu);
        if (stop)
            break;
        a->fn(a->ctx[me->w], i, slot_of(a, i));
        pthread_mutex_lock(&a->mu);
        a->filled[i % a->ring] = i;
        if (a->want && i < a->want && ready(a, a->taken, a->want))
            pthread_cond_signal(&a->cv);
        pthread_mutex_unlock(&a->mu);
    }
    return NULL;
}

ahead *ahead_start_n(int n, size_t slot_size, int ring, ahead_fn fn, void **ctx, int nworkers)
{
    ahead *a = xcalloc(1, sizeof *a);
    a->n = n;
    a->nw = nworkers > 0 ? nworkers : 1;
    a->ring = ring > a->nw ? ring : a->nw;
    a->size = slot_size;
    a->slots = xcalloc((size_t)a->ring, slot_size);
    a->filled = xmalloc((size_t)a->ring * sizeof *a->filled);
    for (int k = 0; k < a->ring; k++)
        a->filled[k] = -1;
    a->fn = fn;
    a->ctx = ctx;
    a->wk = xcalloc((size_t)a->nw, sizeof *a->wk);
    pthread_mutex_init(&a->mu, NULL);
    pthread_cond_init(&a->cv, NULL);
    pthread_cond_init(&a->room, NULL);
    int started = 0;
    for (; started < a->nw; started++) {
        a->wk[started].a = a;
        a->wk[started].w = started;
        if (pthread_create(&a->wk[started].th, NULL, run, &a->wk[started]))
            break;
    }
    if (started < a->nw) {
        /* fewer threads than asked: stop those started, and let the
         * caller do the work itself */
        pthread_mutex_lock(&a->mu);
        a->stop = 1;
        pthread_cond_broadcast(&a->room);
        pthread_mutex_unlock(&a->mu);
        for (int k = 0; k < started; k++)
            pthread_join(a->wk[k].th, NULL);
        pthread_mutex_destroy(&a->mu);
        pthread_cond_destroy(&a->cv);
        pthread_cond_destroy(&a->room);
        free(a->wk);
        free(a->filled);
        free(a->slots);
        free(a);
        return NULL;
    }
    return a;
}

ahead *ahead_start(int n, size_t slot_size, int ring, ahead_fn fn, void *ctx)
{
    void **c = xmalloc(sizeof *c); /* the one worker's context */
    c[0] = ctx;
    ahead *a = ahead_start_n(n, slot_size, ring, fn, c, 1);
    if (!a)
        free(c);
    else
        a->own_ctx = 1;
    return a;
}

void *ahead_take(ahead *a, int i)
{
    pthread_mutex_lock(&a->mu);
    if (a->filled[i % a->ring] != i) {
        a->want = min(i + 1 + a->ring / 4, a->n); /* a quarter of the ring ready */
        while (!ready(a, i, a->want))
            pthread_cond_wait(&a->cv, &a->mu);
        a->want = 0;
    }
    pthread_mutex_unlock(&a->mu);
    return slot_of(a, i);
}

void ahead_done(ahead *a, int i)
{
    pthread_mutex_lock(&a->mu);
    a->filled[i % a->ring] = -1;
    a->taken = i + 1;
    if (a->room_at && a->taken >= a->room_at) {
        a->room_at = 0;
        pthread_cond_broadcast(&a->room);
    }
    pthread_mutex_unlock(&a->mu);
}

void ahead_stop(ahead *a, void (*drop)(void *slot), void (*fin)(void *slot))
{
    if (!a)
        return;
    pthread_mutex_lock(&a->mu);
    a->stop = 1;
    pthread_cond_broadcast(&a->room);
    pthread_mutex_unlock(&a->mu);
    for (int k = 0; k < a->nw; k++)
        pthread_join(a->wk[k].th, NULL);
    for (int k = 0; drop && k < a->ring; k++)
        if (a->filled[k] >= 0)
            drop(a->slots + (size_t)k * a->size);
    for (int k = 0; fin && k < a->ring; k++)
        fin(a->slots + (size_t)k * a->size);
    pthread_mutex_destroy(&a->mu);
    pthread_cond_destroy(&a->cv);
    pthread_cond_destroy(&a->room);
    if (a->own_ctx)
        free(a->ctx);
    free(a->wk);
    free(a->filled);
    free(a->slots);
    free(a);
}
