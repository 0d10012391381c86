/*
 * journal.h - the tenant's append-only event journal (the outbox's sink).
 * Uses core and store/tenant.h; it reads a module's outbox through the
 * store's own SQLite connection, so it never needs store.h (which calls it).
 *
 * Layout: tenants/<t>/journal/
 *   NNNNNN.ndjson      the open segment (appended to)
 *   NNNNNN.ndjson.gz   sealed segments (armms-journal seal compresses them)
 *   head               a cache of the tail: segment, byte offset, last seq,
 *                      last hash, and per module the last outbox id journaled
 *   LOCK               flock(2) target serialising every append
 *
 * A line is one event envelope with fields in this fixed order:
 *   seq, event_id, event_type, version, tenant_id, aggregate_type,
 *   aggregate_id, occurred_at, actor, payload, [digest], src, src_id, src_i,
 *   src_n, prev, hash
 * (digest only on the last event of a transaction that changed an audited
 * table: store/digest.h; the journal copies it from the outbox as it is)
 * where src/src_id name the module and outbox row it came from (one row per
 * committed transaction) and src_i/src_n its place in that row, prev is the
 * previous line's hash (64 zeros for seq 1) and hash is the SHA-256 (hex) of
 * the line's bytes before ',"hash":'. So every line ends in exactly
 * ',"hash":"<64 hex>"}' and any edit, reorder or truncation is detectable.
 *
 * Invariants: seq is gap-free from 1 per tenant; an outbox row is appended
 * exactly once (its module's mark in the head moves past it only after the
 * segment is fsynced; lines past the head's offset are re-read on the next
 * append, and a torn last line is truncated away); outbox rows are pruned
 * only after they are journaled.
 *
 * Written in journal.c (find the end, append), journal_verify.c (read back,
 * verify) and journal_seal.c (seal, cursors); journal_int.h is what they
 * share, private to them.
 */
#ifndef ARMMS_JOURNAL_H
#define ARMMS_JOURNAL_H

#include <sqlite3.h>

#include "core/util.h"
#include "store/tenant.h"

/* Append the module's outbox rows that are not yet journaled, then prune
 * them from the outbox. Takes the journal lock (waits up to t->wait_ms). */
int journal_flush(tenant_t *t, sqlite3 *db, const char *module, long *appended, armms_err *err);

/* Call cb for each journal line in seq order (sealed segments included).
 * cb returns nonzero to stop early; that value is returned. */
typedef int (*journal_cb)(const char *line, size_t len, void *ctx);
int journal_each(tenant_t *t, journal_cb cb, void *ctx, armms_err *err);

typedef struct journal_report {
    long long events;   /* lines read and verified */
    long long head_seq; /* what the head says */
    long long bad_seq;  /* first bad line's seq (or position), 0 if none */
    int bad_segment;    /* the segment holding the first bad line, 0 if none */
    long long bad_line; /* its line number in that segment, from 1 */
    long long mark[4];  /* per module (hr, tk, pay, iam): the last outbox row
                           journaled whole, as the lines say */
    char problem[512];  /* empty when the chain verifies */
} journal_report;
/* Walk the whole chain: every line's hash, seq and prev, a torn tail, and
 * the head against the line it names (seq, hash, segment and offset).
 * Returns 0 (see rep->problem for the verdict; it names the segment and
 * line) or an error code when the journal cannot be read at all. */
int journal_verify(tenant_t *t, journal_report *rep, armms_err *err);

/* One store's outbox as verify compares it with the journal. Read it
 * before journal_verify: a row pruned before the read was journaled before
 * it, so the walk that follows must find it. */
typedef struct journal_outbox {
    long long last_id; /* the last id the store ever gave a row (ids are never reused) */
    long long first;   /* the first row still held (last_id + 1 if none) */
    long long rows;    /* rows held */
} journal_outbox;
int journal_outbox_read(sqlite3 *db, journal_outbox *o, armms_err *err);
/* After journal_verify: *pending = rows of the snapshot committed but not
 * (wholly) journaled, which sync appends; [*lost_from, *lost_to] = rows the
 * store pruned, so journaled once, that the journal no longer holds (both 0
 * when none): its last lines were removed. */
void journal_outbox_compare(const journal_report *rep, const char *module, const journal_outbox *o,
                            long long *pending, long long *lost_from, long long *lost_to);

/* The last seq the head records (0 for an empty journal). Takes the lock,
 * so it also heals a torn tail. */
int journal_last_seq(tenant_t *t, long long *seq, armms_err *err);

/* Consumer cursors: journal/cursors/NAME holds the last seq a consumer
 * has been given. Names match [a-z0-9_-]{1,64}. A consumer moves its cursor
 * only after it has delivered, so delivery is at-least-once. */
int journal_consumer_valid(const char *name);
/* *seq = the cursor (0 for a new consumer). */
int journal_cursor_get(tenant_t *t, const char *name, long long *seq, armms_err *err);
/* Move the cursor atomically (write NAME.lock, rename). */
int journal_cursor_set(tenant_t *t, const char *name, long long seq, armms_err *err);

/* gzip every closed segment. *sealed counts the segments compressed. */
int journal_seal(tenant_t *t, int *sealed, armms_err *err);

#endif
