/*
 * ahead.h - work done ahead on a second thread: a loop over items 0..n-1
 * whose first part only reads (and so may run on a connection of its own)
 * and whose second part writes in order. The thread runs fn on item i
 * into a slot of a ring; the caller takes slot i, uses it and gives it
 * back, in order. The ring bounds how far ahead the thread gets, so
 * memory is flat in n.
 *
 *   ahead *a = ahead_start(n, sizeof(job), 256, read_one, &reader);
 *   for (i = 0; i < n; i++) { job *j = ahead_take(a, i); ...; ahead_done(a, i); }
 *   ahead_stop(a, drop, fin);
 *
 * fn runs on the thread only; it must not touch what the caller's loop
 * touches (its own SQLite connection, its own caches). Uses nothing of
 * ARMMS but util (for xcalloc); pthreads.
 */
#ifndef ARMMS_CORE_AHEAD_H
#define ARMMS_CORE_AHEAD_H

#include <stddef.h>

typedef struct ahead ahead;
typedef void (*ahead_fn)(void *ctx, int i, void *slot);

/* Start the thread over items 0..n-1 (slots of slot_size bytes, zeroed
 * before first use, ring of them). NULL when no thread can be started:
 * the caller does the work itself. */
ahead *ahead_start(int n, size_t slot_size, int ring, ahead_fn fn, void *ctx);
/* The same on nworkers threads, worker w filling items w, w + nworkers,
 * ... with ctx[w] (its own connection); the caller still takes them in
 * order. ctx stays the caller's. */
ahead *ahead_start_n(int n, size_t slot_size, int ring, ahead_fn fn, void **ctx, int nworkers);
/* Slot i once fn has filled it (waits). */
void *ahead_take(ahead *a, int i);
/* Slot i used: the thread may fill it again. Items are given back in order. */
void ahead_done(ahead *a, int i);
/* Stop the thread (it finishes the item in hand), join it, call drop on
 * each slot filled but never taken and fin (if given) on every slot, and
 * free the ring. */
void ahead_stop(ahead *a, void (*drop)(void *slot), void (*fin)(void *slot));

#endif
