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
 * Committed is reported: each committed batch is also recorded, in its own
 * transaction, as "unsent" (clock_event_unsent, a rowid range), and marked
 * sent (the row deleted, inside the next transaction) only once its records
 * were written to the output without error. A batch whose COMMIT succeeded
 * but whose journal append failed (journal busy) is still written and
 * counted. ingest_replay_unsent writes the batches a crashed (or failed)
 * run committed but never wrote, so every committed event reaches the
 * output at least once (a run overlapping another may repeat some of its
 * events; consumers are idempotent by clock_event_id).
 *
 * Held punches: a punch whose only fault is that master data does not know
 * its guard (UNKNOWN_GUARD, also a ZKTeco PIN that is no guard's
 * employee_no) or its detachment (UNKNOWN_DETACHMENT) is not a Reject: it
 * is stored in clock_event_held with the reason, journaled as
 * ClockEventHeld and counted as held. Its key is the idempotency key above
 * (with the PIN in the guard's place for a ZKTeco punch), so a re-fed held
 * punch is a duplicate. ingest_release records, in arrival order, every
 * held punch whose guard and detachment master data now knows, through the
 * same checks and key as any input record (ClockEventRecorded, and
 * ClockEventReleased for the held row, in the same transaction).
 *
 * Uses core and store; reads hr.db read-only to check guards and
 * detachments. Implemented by ingest.c (the record path), ingest_commit.c
 * (batches and the unsent list), held.c and zk.c, which share the private
 * ingest_int.h.
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
    long held;     /* punches newly held (UNKNOWN_GUARD, UNKNOWN_DETACHMENT) */
    long released; /* held punches recorded as clock events in this run */
    long replayed; /* events an earlier run committed but never wrote out */
    long mapped;   /* objects the --map program made of the input records */
    long refused;  /* of rejected: at a detachment the actor's roles do not reach */
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
/* The formats of an input, and their names ("ndjson", "csv", "zk",
 * "zk-push"): the ZKTeco USB attendance log and the push protocol's ATTLOG. */
enum { INGEST_NDJSON, INGEST_CSV, INGEST_ZK, INGEST_ZK_PUSH, INGEST_NFORMATS };
extern const char *const ingest_format_names[INGEST_NFORMATS];
/* Read every record of fd (named name in Rejects) as format fmt: bad items
 * are Rejects naming how the input was read, NDJSON Reject records of
 * armms-ingest are fed back as they were first read (what ingest_open was
 * given, --device, --tz and --map, wins over what they recorded), and the
 * rest go through ingest_record or ingest_zk_line. Commits as the run
 * goes; the caller flushes the last batch. */
int ingest_fd(ingest_t *in, int fd, const char *name, int fmt, armms_err *err);
/* Report an input item that could not be read as a record. */
void ingest_reject(ingest_t *in, const rejection *rj, const char *source, long line,
                   const char *raw, size_t raw_len);
/* Commit the open batch and write its accepted records. */
int ingest_flush(ingest_t *in, armms_err *err);
/* Write the clock events of every committed batch no run has written to
 * the output yet (see Committed is reported above). Call before any input. */
int ingest_replay_unsent(ingest_t *in, armms_err *err);
/* Record every held punch that master data can now place, in the order
 * they were held; their records go to the output like any accepted event. */
int ingest_release(ingest_t *in, armms_err *err);
/* Write one HeldPunch record per punch still held, in the order held, to
 * out; *n counts them. */
int ingest_held_report(ingest_t *in, FILE *out, long *n, armms_err *err);
/* A line_reader idle hook: commit and report before blocking on input. */
void ingest_idle(void *in);
const ingest_counts *ingest_counts_of(const ingest_t *in);
/* From now on, the actor's limits apply (rbac.h; who is kept, not copied):
 * an event that does not name one of their detachments is a NOT_PERMITTED
 * Reject, counted as refused too. A device feed's account is unlimited,
 * and held punches released by master data are the devices' facts: set it
 * after ingest_release. */
struct rbac;
void ingest_limit(ingest_t *in, const struct rbac *who);
/* The detachments refused so far ("DET2, DET7"; "" when none). */
const char *ingest_refused(const ingest_t *in);
/* Flush, then free. */
int ingest_close(ingest_t *in, armms_err *err);

/* clock_event_guard, the clock events in (guard_id, ts) order, is filed
 * up to clock_event_filed.upto (schema.c, migration 16): tk_file_guards
 * files the rows past it in db's open transaction, in one sorted INSERT,
 * and moves the mark to the last row. Ingest calls it once a run (at its
 * end, at each pause, and every INGEST_FILE_EVERY rows), armms-timelog
 * before it reads; a reader also takes the rows past the mark from
 * clock_event (TK_SQL_UNFILED), so what a crash or a run under way left
 * unfiled is never missed. *filed: rows filed (may be NULL). */
#define INGEST_FILE_EVERY 1000000
int tk_file_guards(sqlite3 *db, long long *filed);
/* Whether rows past the mark wait to be filed: 1, 0, or -1 on an error. */
int tk_guards_unfiled(sqlite3 *db);
/* The condition on clock_event (as c) of the rows past the mark. */
#define TK_SQL_UNFILED "c.rowid > (SELECT upto FROM clock_event_filed)"

#endif
