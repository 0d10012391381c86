/*
 * ingest.h - recording clock events: validate, normalise, deduplicate and
 * append to the immutable clock_event table, journaling ClockEventRecorded
 * in the same transaction.
 *
 * Idempotency key (the design contract): (device_id, event_id), or without
 * an event_id (device_id, guard_id, ts, type), with ts compared as a UTC
 * instant. A replay of a recorded event is a duplicate (counted, not
 * output); the same key with different content is a CONFLICT Reject.
 *
 * Durability: accepted events are buffered and written to the caller's
 * output only after the batch holding them has committed, so nothing is
 * ever reported accepted that a crash could lose; a rerun after a crash
 * lands exactly the events that were not committed.
 *
 * Uses core and store; reads hr.db read-only to check guards and
 * detachments.
 */
#ifndef ARMMS_INGEST_H
#define ARMMS_INGEST_H

#include <jv.h>
#include <stdio.h>

#include "core/clock.h"
#include "core/reject.h"
#include "store/store.h"

typedef struct ingest_counts {
    long read, accepted, duplicates, rejected;
} ingest_counts;

typedef struct ingest_opts {
    const char *device; /* --device: default / override device id */
    const char *zone;   /* --tz: zone of device wall clocks (zk formats) */
    long max_future_s;  /* ts further ahead of now than this is FUTURE_TS */
    long batch;         /* records per transaction */
    const char *map;    /* --map jq program, or NULL */
    /* Called after each committed batch (the tool shows progress on a
     * terminal); NULL for none. */
    void (*progress)(const struct ingest_counts *n, void *ctx);
    void *progress_ctx;
} ingest_opts;

typedef struct ingest ingest_t;

/* Compile the map (EXIT_USAGE with jq's message if it does not compile),
 * open tk.db, attach hr.db read-only. out receives accepted records. */
int ingest_open(ingest_t **in, tenant_t *t, const ingest_opts *o, FILE *out, reject_sink *rej,
                armms_err *err);
/* One input record (an object; consumed). Runs the map first, if any. */
int ingest_record(ingest_t *in, jv rec, const char *source, long line, const char *raw,
                  size_t raw_len, armms_err *err);
/* One ZKTeco attendance log line: push = the push protocol's ATTLOG layout
 * (no device column). */
int ingest_zk_line(ingest_t *in, const char *line, size_t len, int push, const char *source,
                   long lineno, armms_err *err);
/* Read the records that follow as they were first read (a Reject fed
 * back): with device as the --device, zone the zk device clock's (NULL:
 * the tenant's) and map the --map (NULL: none). 0, or REJECTED when the
 * zone is unknown or the map does not compile (the map is then none). */
int ingest_set_origin(ingest_t *in, const char *device, const char *zone, const char *map,
                      rejection *rj, armms_err *err);
/* Report an input item that could not be read as a record. */
void ingest_reject(ingest_t *in, const rejection *rj, const char *source, long line,
                   const char *raw, size_t raw_len);
/* Commit the open batch and write its accepted records. */
int ingest_flush(ingest_t *in, armms_err *err);
/* A line_reader idle hook: commit and report before blocking on input. */
void ingest_idle(void *in);
const ingest_counts *ingest_counts_of(const ingest_t *in);
/* Flush, then free. */
int ingest_close(ingest_t *in, armms_err *err);

#endif
