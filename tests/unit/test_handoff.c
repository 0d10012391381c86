/*
 * test_handoff.c - core/handoff: each job handed over runs once, on the
 * thread, and what it leaves is seen after the wait; a stop waits for the
 * job in hand; a run may overlap the caller's own work.
 */
#include <pthread.h>
#include <semaphore.h>
#include <string.h>
#include <time.h>

#include "core/handoff.h"
#include "t.h"

typedef struct job {
    int in, out, runs;
    pthread_t on;
    int hold;     /* wait for the caller's go (up to 5 s) before working */
    int released; /* the go came */
    sem_t go;
} job;

static void run(void *p)
{
    job *j = p;
    if (j->hold) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_sec += 5;
        j->released = sem_timedwait(&j->go, &ts) == 0;
    }
    j->out = j->in * 2;
    j->runs++;
    j->on = pthread_self();
}

int main(void)
{
    handoff h;
    job j;
    memset(&j, 0, sizeof j);
    T_EQ_INT(handoff_start(&h, run, &j), 0, "the thread starts");
    handoff_wait(&h);
    T_EQ_INT(j.runs, 0, "a wait with nothing handed over returns at once and runs nothing");

    int right = 0;
    for (int i = 1; i <= 1000; i++) {
        j.in = i;
        handoff_post(&h);
        handoff_wait(&h);
        right += j.out == 2 * i && j.runs == i;
    }
    T_EQ_INT(right, 1000, "each of 1000 jobs ran once and its result is seen after the wait");
    T_OK(!pthread_equal(j.on, pthread_self()), "the jobs ran on the thread, not the caller's");

    /* the job waits for a go only the caller can give once handoff_post
     * has returned; a stop then waits for the job in hand */
    sem_init(&j.go, 0, 0);
    j.hold = 1;
    j.in = 21;
    handoff_post(&h);
    sem_post(&j.go);
    handoff_stop(&h);
    sem_destroy(&j.go);
    T_OK(j.released, "handoff_post returns before the job is done (the job got the caller's go)");
    T_EQ_INT(j.out, 42, "handoff_stop waits for the job in hand");
    T_EQ_INT(j.runs, 1001, "and it ran once");
    return t_done();
}
