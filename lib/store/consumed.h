/*
 * consumed.h - the inbox of an idempotent consumer: which events it has
 * already acted on, kept in the consumer's OWN store.
 * Uses core and SQLite (any database handle: a module store's s->db, or a
 * consumer's store of its own such as notify.db).
 *
 * The inbox pattern. Events reach a consumer at least once: through its
 * journal cursor (journal.h: the cursor moves only after the consumer has
 * acted), from a broker subscription (a redelivery after a lost ack), or
 * fed again by a person. A consumer that must act exactly once keeps, in
 * the same database as the effect of the event, the ids of the events it
 * has consumed:
 *
 *   BEGIN IMMEDIATE;
 *   consumed_seen(db, "me", event_id, &seen)   -- seen: skip, just COMMIT
 *   ... the effect: the rows the event makes ...
 *   consumed_record(db, "me", event_id, seq)   -- in the same transaction
 *   COMMIT;
 *   then, and only then, move the cursor / ack the broker message.
 *
 * The effect and the record commit together or not at all, so a crash
 * anywhere leaves either both (the redelivered event is seen and skipped)
 * or neither (it is done on redelivery). The cursor or ack after the
 * commit only saves work: losing it costs a redelivery, never a second
 * effect. Dedupe is by event_id (the envelope's ULID, the broker's
 * Nats-Msg-Id), never by seq: seq is kept for the record (and is NULL for
 * an event that came without one), since a tenant restored elsewhere or
 * a stream fed by two hosts need not agree on it.
 *
 * What this cannot cover, and a consumer must say for itself: an effect
 * outside the database (a mail handed to sendmail, an HTTP call). Such a
 * consumer records its intent in the transaction (a row per outgoing
 * message, "sending" before the call and "sent" after it, as armms-notify
 * does) and documents the one window left: the call made, the process
 * dead before "sent" committed.
 *
 * The table, one per consumer database, shared by all consumers of it
 * (consumer names the consumer, e.g. "notify", "pay-broker"):
 *   consumed(consumer, event_id, seq, at) STRICT, key (consumer, event_id)
 * CONSUMED_DDL creates it (IF NOT EXISTS: it goes into a consumer's first
 * migration, or a later one of an existing store).
 *
 * Invariants: a (consumer, event_id) row is written once and never
 * changed or deleted by these calls; consumed_record is called inside a
 * transaction (asserted), the caller's.
 */
#ifndef ARMMS_CONSUMED_H
#define ARMMS_CONSUMED_H

#include <sqlite3.h>

#include "core/util.h"

#define CONSUMED_DDL                                                                              \
    "CREATE TABLE IF NOT EXISTS consumed(consumer TEXT NOT NULL, event_id TEXT NOT NULL,"         \
    " seq INTEGER, at TEXT NOT NULL, PRIMARY KEY (consumer, event_id)) STRICT;"

/* *seen = 1 when consumer has consumed event_id, else 0. 0 or an EXIT_*
 * code (a busy database is EXIT_TEMPFAIL). */
int consumed_seen(sqlite3 *db, const char *consumer, const char *event_id, int *seen,
                  armms_err *err);
/* Record event_id as consumed by consumer, at instant at (ISO-8601 UTC),
 * with its journal seq (0: none, stored NULL), in the open transaction.
 * *fresh (when not NULL) = 1 when this call recorded it, 0 when it was
 * recorded already (the caller then rolls its effect back, or never made
 * one). 0 or an EXIT_* code. */
int consumed_record(sqlite3 *db, const char *consumer, const char *event_id, long long seq,
                    const char *at, int *fresh, armms_err *err);

#endif
