/*
 * handoff.c - see handoff.h.
 */
#include "core/handoff.h"

static void *handoff_main(void *arg)
{
    handoff *h = arg;
    pthread_mutex_lock(&h->mu);
    for (;;) {
        while (!h->busy && !h->stop)
            pthread_cond_wait(&h->cv, &h->mu);
        if (!h->busy)
            break;
        pthread_mutex_unlock(&h->mu);
        h->run(h->job);
        pthread_mutex_lock(&h->mu);
        h->busy = 0;
        pthread_cond_broadcast(&h->cv);
    }
    pthread_mutex_unlock(&h->mu);
    return NULL;
}

int handoff_start(handoff *h, void (*run)(void *job), void *job)
{
    h->busy = h->stop = 0;
    h->run = run;
    h->job = job;
    pthread_mutex_init(&h->mu, NULL);
    pthread_cond_init(&h->cv, NULL);
    if (pthread_create(&h->thread, NULL, handoff_main, h) != 0) {
        pthread_cond_destroy(&h->cv);
        pthread_mutex_destroy(&h->mu);
        return -1;
    }
    return 0;
}

void handoff_post(handoff *h)
{
    pthread_mutex_lock(&h->mu);
    h->busy = 1;
    pthread_cond_broadcast(&h->cv);
    pthread_mutex_unlock(&h->mu);
}

void handoff_wait(handoff *h)
{
    pthread_mutex_lock(&h->mu);
    while (h->busy)
        pthread_cond_wait(&h->cv, &h->mu);
    pthread_mutex_unlock(&h->mu);
}

void handoff_stop(handoff *h)
{
    pthread_mutex_lock(&h->mu);
    while (h->busy)
        pthread_cond_wait(&h->cv, &h->mu);
    h->stop = 1;
    pthread_cond_broadcast(&h->cv);
    pthread_mutex_unlock(&h->mu);
    pthread_join(h->thread, NULL);
    pthread_cond_destroy(&h->cv);
    pthread_mutex_destroy(&h->mu);
}
