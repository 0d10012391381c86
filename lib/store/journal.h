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
 *   checkpoint         a verified point of the chain (journal_checkpoint):
 *                      verify may start from it, and segments before it may
 *                      be removed (journal_retain)
 *   cursors/NAME       each consumer's last seq delivered
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
 * That is the line every reader is given. On disk a clock event that
 * follows another of the same append is a short line (format 2,
 * journal_line.c) holding only what the full line does not repeat, and
 * its hash, which is the full line's; the readers expand it from the line
 * before it in its segment (a segment opens with a full line).
 *
 * Invariants: seq is gap-free from 1 per tenant (the first segments may be
 * gone, removed by journal_retain only behind a checkpoint and every
 * consumer cursor, so what is left begins right after a point the
 * checkpoint vouches for); an outbox row is appended
 * exactly once (its module's mark in the head moves past it only after the
 * segment is fsynced; lines past the head's offset are re-read on the next
 * append, and a torn last line is truncated away); outbox rows are pruned
 * only after they are journaled.
 *
 * Written in journal.c (find the end, append), journal_verify.c (read back,
 * verify), journal_anchor.c (anchors, the checkpoint file) and
 * journal_seal.c (seal, retention, checkpoint, cursors); journal_int.h is
 * what they share, private to them.
 */
#ifndef ARMMS_JOURNAL_H
#define ARMMS_JOURNAL_H

#include <sqlite3.h>

#include "core/util.h"
#include "store/tenant.h"

/* Append the module's outbox rows that are not yet journaled, then prune
 * them from the outbox. Takes the journal lock (waits up to t->wait_ms). */
int journal_flush(tenant_t *t, sqlite3 *db, const char *module, long *appended, armms_err *err);
/* journal_flush through a connection that must not write (a read-only one,
 * on a thread beside the store's writer): the rows are appended and the
 * head moved, but not pruned from the outbox; *mark = the module's last
 * outbox row journaled, which the writer may then prune (DELETE FROM
 * outbox WHERE id <= mark) in a transaction of its own. */
int journal_flush_ro(tenant_t *t, sqlite3 *db, const char *module, long long *mark,
                     armms_err *err);
/* Prune the outbox rows journaled up to mark (a module's mark), in db's
 * open transaction if any: 0, or -1 (harmless: the journal passes over
 * journaled rows by its mark, and a later prune takes them). */
int journal_prune(sqlite3 *db, long long mark);

/* Call cb for each journal line, in full, in seq order (sealed segments
 * included). cb returns nonzero to stop early; that value is returned. */
typedef int (*journal_cb)(const char *line, size_t len, void *ctx);
int journal_each(tenant_t *t, journal_cb cb, void *ctx, armms_err *err);
/* journal_each of the lines after seq after, read from the segment
 * holding seq after + 1 on, so a consumer's run reads what is new, not the
 * years before. */
int journal_each_after(tenant_t *t, long long after, journal_cb cb, void *ctx, armms_err *err);
/* The seq a journal line opens with ({"seq":N,...), read without parsing
 * the line, so a consumer passes over what is behind its cursor cheaply;
 * 0 for a line that does not open so. */
long long journal_line_seq(const char *line, size_t len);

typedef struct journal_report {
    long long events;   /* lines read and verified */
    long long head_seq; /* what the head says */
    long long bad_seq;  /* first bad line's seq (or position), 0 if none */
    int bad_segment;    /* the segment holding the first bad line, 0 if none */
    long long bad_line; /* its line number in that segment, from 1 */
    long long mark[4];  /* per module (hr, tk, pay, iam): the last outbox row
                           journaled whole, as the lines say */
    char problem[512];  /* empty when the chain verifies */
    /* where the walk began and ended */
    long long from_seq;       /* the seq trusted without reading it: 0 from seq 1,
                                 else the checkpoint's seq or the line before the
                                 first kept one */
    long long checkpoint_seq; /* the checkpoint checked against the lines, 0 if none */
    long long last_seq;       /* the last line verified, its hash and segment */
    char last_hash[65];
    int last_segment;
    int first_segment; /* the first segment read */
    long long anchors; /* anchors checked */
} journal_report;

/* A point of the chain someone kept elsewhere: the line at seq had hash.
 * seq 0: the line with that hash, wherever it is (found_seq says where). */
typedef struct journal_anchor {
    long long seq;
    char hash[65];
    char tenant[65];  /* empty when the anchor does not say */
    char source[160]; /* where it came from, for the verdict */
    long long found_seq;
} journal_anchor;

typedef struct journal_verify_opts {
    int from_checkpoint;     /* start at the checkpoint, not at seq 1 */
    journal_anchor *anchors; /* each checked against its line */
    size_t nanchors;
} journal_verify_opts;
/* Walk the whole chain: every line's hash, seq and prev, a torn tail, and
 * the head against the line it names (seq, hash, segment and offset).
 * Returns 0 (see rep->problem for the verdict; it names the segment and
 * line) or an error code when the journal cannot be read at all. */
int journal_verify(tenant_t *t, journal_report *rep, armms_err *err);
/* journal_verify with options (o may be NULL). The walk begins at seq 1,
 * unless o->from_checkpoint or the first segments are gone (removed by
 * journal_retain): then it begins at the checkpoint (journal/checkpoint),
 * and the first line kept must chain to it: its prev is the checkpoint's
 * hash, or the checkpoint's line, further on, has the checkpoint's hash.
 * Segments gone with no checkpoint, a missing segment in between, a torn
 * or damaged gzip, a sealed segment cut short, a gap or a reorder are each
 * a problem naming the segment and line. Each anchor is then checked: its
 * line must hash to its hash; a seq past the journal's end, or a hash no
 * line has, is a problem naming that seq (the tail was rewritten or
 * removed after the anchor was taken). */
int journal_verify_ex(tenant_t *t, const journal_verify_opts *o, journal_report *rep,
                      armms_err *err);

/* Anchors from text. journal_anchor_parse: "sha256:HEX", 64 hex digits, or
 * "SEQ:HASH" (HASH either form); -1 when it is none of these.
 * journal_anchors_ndjson: every NDJSON line of text holding a numeric
 * "seq" and a 64-hex "hash" (journal head's output, a checkpoint, a payrun
 * archive's JournalHead record, a broker's anchor message), appended to
 * *a (*n of them, xrealloc'd); other lines are passed over. Returns the
 * number added, or -1 when a line that looks like an anchor is damaged
 * (err holds EXIT_DATAERR naming source:line). */
int journal_anchor_parse(const char *s, journal_anchor *a);
int journal_anchors_ndjson(const char *text, size_t len, const char *source, journal_anchor **a,
                           size_t *n, armms_err *err);

/* The head as an anchor: *seq and hash (64 hex + NUL) of the last line.
 * Takes the lock, so it also heals a torn tail. */
int journal_head_get(tenant_t *t, long long *seq, char *hash, armms_err *err);

/* journal/checkpoint: one NDJSON line {"tenant_id","segment","seq","hash",
 * "at","marks":{"hr":N,"tk":N,"pay":N,"iam":N},"digests":{...}}: the line
 * at seq (in segment) has hash, and the chain up to it verified when it
 * was written; marks are each module's last outbox row journaled by then
 * (the head's, so a journal whose first segments are gone still knows
 * them); digests, per module and audited table, the last digest the
 * journal recorded up to seq, {"rows":N,"sum":HEX,"seq":S} (so verify
 * --stores still has them: store/digest.h). */
typedef struct journal_checkpoint {
    int segment;
    long long seq;
    char hash[65];
    char at[32];
    long long mark[4];
} journal_checkpoint;
/* *have = 0 when there is none; a damaged one is EXIT_SOFTWARE. */
int journal_checkpoint_read(tenant_t *t, journal_checkpoint *ck, int *have, armms_err *err);
/* The checkpoint's "digests" object as JSON text (*json malloc'd, the
 * caller's), NULL when there is no checkpoint or it has none. */
int journal_checkpoint_digests(tenant_t *t, char **json, armms_err *err);
/* Verify the chain (from the last checkpoint when the first segments are
 * gone) under the lock and write a checkpoint at its last line, dated at.
 * When the chain is broken nothing is written and rep->problem says why. */
int journal_checkpoint_write(tenant_t *t, const char *at, journal_checkpoint *ck,
                             journal_report *rep, armms_err *err);

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

/* Retention: seal, then remove the oldest sealed segments, keeping the
 * newest keep sealed ones (and the open one, always). A segment goes only
 * when its last seq is covered by the checkpoint and every consumer cursor
 * in journal/cursors/ is at or past it, so no event a consumer (the
 * publisher's publish cursor, payroll's pay cursor...) has not taken is
 * ever dropped; removal stops at the first segment that must stay, and
 * held_by says what holds it ("consumer cursor publish is at seq 120",
 * "the checkpoint is at seq 90", "" when nothing but keep). Segments are
 * removed oldest first, so a crash leaves a contiguous journal. */
typedef struct journal_retention {
    int sealed, removed;
    int first_removed, last_removed; /* segment numbers, 0 when none */
    int held_segment;                /* the first segment kept for a reason */
    long long held_last;             /* its last seq */
    char held_by[128];
} journal_retention;
int journal_retain(tenant_t *t, int keep, journal_retention *r, armms_err *err);

#endif
