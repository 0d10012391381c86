/*
 * handoff.h - one job at a time handed to a thread of its own, while the
 * caller goes on with the next: a commit's records written out while the
 * next transaction is computed (tk/stage.c), a committed batch journaled
 * and written while the next is stored (tk/ingest_commit.c).
 *
 *   handoff h;
 *   if (handoff_start(&h, run, job) == 0) {
 *       ... fill job ...; handoff_post(&h);      run(job) on the thread
 *       ... the caller's own work ...
 *       handoff_wait(&h); ... read what run left in job ...
 *       handoff_stop(&h);
 *   }
 *
 * Invariants: at most one job is in the thread's hands; the caller fills
 * the job only while the thread is idle (before handoff_post, after
 * handoff_wait), and the mutex orders both ways: run sees what the caller
 * wrote before handoff_post, and the caller sees what run wrote once
 * handoff_wait returns. run must not touch what the caller touches
 * meanwhile. Uses nothing of ARMMS; pthreads.
 */
#ifndef ARMMS_CORE_HANDOFF_H
#define ARMMS_CORE_HANDOFF_H

#include <pthread.h>

typedef struct handoff {
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int busy, stop;
    void (*run)(void *job);
    void *job;
} handoff;

/* Start the thread: 0, or -1 when none can be started (then there is
 * nothing to stop, and the caller does the work itself). */
int handoff_start(handoff *h, void (*run)(void *job), void *job);
/* Hand the job over (the thread must be idle: after a handoff_wait). */
void handoff_post(handoff *h);
/* Wait until the thread is idle (at once when it is). */
void handoff_wait(handoff *h);
/* Wait, then end the thread. */
void handoff_stop(handoff *h);

#endif
