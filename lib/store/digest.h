/*
 * digest.h - the running digest of each store's audited tables, so a row
 * changed behind the tools' back is visible (armms-journal verify --stores).
 * Uses core/setdigest.h, store/store.h and store/journal.h.
 *
 * Which tables are audited is data: the rows of the store's table
 *   store_digest(tbl, rows, sum)
 * that a migration inserts (lib/store/schema.c: the master data, rules and
 * users whose changes are events, each store's audit trail and change
 * requests; never the derived or device rows, time_log, dtr, timesheet,
 * clock_event, which would slow intake). For each, `rows` is its row count
 * and `sum` the set digest (core/setdigest.h) of its rows, each row encoded
 * as its column values in table order: a type byte, then for an integer
 * its 8 bytes big-endian, for a real the 8 bytes of its IEEE 754 double,
 * for text and blobs an 8-byte length and the bytes ('N' null, 'I', 'R',
 * 'T', 'B').
 *
 * Invariants:
 *  - Three triggers per table, armms_digest_<tbl>_i, _u and _d, made by
 *    digest_install from the table's columns after every migration, keep
 *    rows and sum equal to the rows in the transaction that changes them.
 *    They call the SQL function armms_digest_add, which only the tools
 *    register (digest_register): a plain sqlite3 shell cannot write an
 *    audited table while its triggers stand.
 *  - Each committed transaction that changed a digest carries the new
 *    digests of the tables it changed in the envelope of its last event, as
 *    "digest":{"TABLE":{"rows":N,"sum":"HEX"},...} (after "payload"); one
 *    that emitted no event carries them on a StoreDigest event of its own
 *    (aggregate store/MODULE), as a migration of an existing store does
 *    for every table. The journal's hash chain then vouches for them.
 *  - A new store (created, not migrated) records every table with its
 *    first change (store_meta digest_unrecorded); until then it holds only
 *    what its migrations seeded.
 */
#ifndef ARMMS_DIGEST_H
#define ARMMS_DIGEST_H

#include <sqlite3.h>

#include "core/util.h"
#include "store/store.h"

/* Register armms_digest_add (the triggers' function) and armms_digest_of
 * (the aggregate that recomputes a table's sum) on db. s, when given,
 * learns which tables a transaction touched and their sums before it.
 * Returns an SQLite code. */
int digest_register(sqlite3 *db, store_t *s);
/* The same without a store (digest_sql.c): user, when not NULL, is given
 * to digest_touch(user, table, sum before) at each change. */
int digest_sql_register(sqlite3 *db, void *user);
void digest_touch(void *user, const char *tbl, const unsigned char *before);

/* After a migration: (re)make the triggers of every table store_digest
 * lists and recompute its rows and sum. A store with no store_digest table
 * (older than the digests) is left alone. *installed = whether it has one. */
int digest_install(store_t *s, int *installed, armms_err *err);

/* Before a migration: the digests of every listed table recomputed from
 * its rows, as a JSON object (empty when the store has no digests yet). A
 * migration records them (StoreDigest payload "before"), so verify can tell
 * whether the rows it started from are the ones the journal recorded. */
int digest_rows_json(store_t *s, strbuf *json, armms_err *err);

/* The digests to record with the open transaction: as a JSON object of the
 * tables it changed (all tables when all is set, or the store has not yet
 * recorded them), empty when none changed. */
int digest_changed_json(store_t *s, int all, strbuf *json, armms_err *err);

/* Recompute every store's digests and compare each with what its store
 * keeps and with the last the journal recorded. Appends one line per table
 * that differs to problems ("iam.db: table user_role: ..."); *tables =
 * tables compared. Run after journal_verify found the chain intact. */
int digest_verify(tenant_t *t, strbuf *problems, long *tables, armms_err *err);

#endif
