/*
 * ahead.c - see ahead.h.
 */
#include "core/ahead.h"

#include <pthread.h>
#include <stdlib.h>

#include "core/util.h"

struct ahead {
    pthread_t th;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int n, ring;
    size_t size;
    char *slots;
    ahead_fn fn;
    void *ctx;
    int made, taken, stop; /* items filled, items given back, stop asked */
    /* who sleeps, and for what: each side wakes the other only once a
     * good part of the ring is ready, not at every item, so the threads
     * do not hand over one item per context switch */
    int want; /* the caller sleeps until made >= want (0: awake) */
    int room; /* the thread sleeps until taken >= room (0: awake) */
};

static void *slot_of(ahead *a, int i)
{
    return a->slots + (size_t)(i % a->ring) * a->size;
}

static int min(int x, int y)
{
    return x < y ? x : y;
}

static void *run(void *arg)
{
    ahead *a = arg;
    for (int i = 0; i < a->n; i++) {
        pthread_mutex_lock(&a->mu);
        if (!a->stop && i - a->taken >= a->ring) {
            a->room = i - a->ring + 1 + a->ring / 2; /* half the ring free again */
            while (!a->stop && a->taken < a->room)
                pthread_cond_wait(&a->cv, &a->mu);
            a->room = 0;
        }
        int stop = a->stop;
        pthread_mutex_unlock(&a->mu);
        if (stop)
            break;
        a->fn(a->ctx, i, slot_of(a, i));
        pthread_mutex_lock(&a->mu);
        a->made = i + 1;
        if (a->want && a->made >= a->want)
            pthread_cond_broadcast(&a->cv);
        pthread_mutex_unlock(&a->mu);
    }
    return NULL;
}

ahead *ahead_start(int n, size_t slot_size, int ring, ahead_fn fn, void *ctx)
{
    ahead *a = xcalloc(1, sizeof *a);
    a->n = n;
    a->ring = ring > 0 ? ring : 1;
    a->size = slot_size;
    a->slots = xcalloc((size_t)a->ring, slot_size);
    a->fn = fn;
    a->ctx = ctx;
    pthread_mutex_init(&a->mu, NULL);
    pthread_cond_init(&a->cv, NULL);
    if (pthread_create(&a->th, NULL, run, a)) {
        pthread_mutex_destroy(&a->mu);
        pthread_cond_destroy(&a->cv);
        free(a->slots);
        free(a);
        return NULL;
    }
    return a;
}

void *ahead_take(ahead *a, int i)
{
    pthread_mutex_lock(&a->mu);
    if (a->made <= i) {
        a->want = min(i + 1 + a->ring / 4, a->n); /* a quarter of the ring ready */
        while (a->made < a->want)
            pthread_cond_wait(&a->cv, &a->mu);
        a->want = 0;
    }
    pthread_mutex_unlock(&a->mu);
    return slot_of(a, i);
}

void ahead_done(ahead *a, int i)
{
    pthread_mutex_lock(&a->mu);
    a->taken = i + 1;
    if (a->room && a->taken >= a->room)
        pthread_cond_broadcast(&a->cv);
    pthread_mutex_unlock(&a->mu);
}

void ahead_stop(ahead *a, void (*drop)(void *slot), void (*fin)(void *slot))
{
    if (!a)
        return;
    pthread_mutex_lock(&a->mu);
    a->stop = 1;
    pthread_cond_broadcast(&a->cv);
    pthread_mutex_unlock(&a->mu);
    pthread_join(a->th, NULL);
    for (int i = a->taken; drop && i < a->made; i++)
        drop(slot_of(a, i));
    for (int i = 0; fin && i < a->ring; i++)
        fin(a->slots + (size_t)i * a->size);
    pthread_mutex_destroy(&a->mu);
    pthread_cond_destroy(&a->cv);
    free(a->slots);
    free(a);
}
