/*
 * store.h - a tenant's module stores (hr.db, tk.db, pay.db, iam.db).
 * Uses core, store/tenant.h and store/journal.h.
 *
 * Invariants kept here:
 *  - A tool writes only its own module's file; other modules are ATTACHed
 *    read-only (store_attach_ro).
 *  - Every table is STRICT; money is integer centavos, durations integer
 *    minutes, instants UTC text.
 *  - PRAGMA application_id is ARMMS_APP_ID; user_version is the schema
 *    version. Only armms-init migrates (STORE_MIGRATE); other tools refuse a
 *    store older or newer than themselves with EXIT_CONFIG.
 *  - A domain change and its events commit in one transaction: store_emit()
 *    queues an event, store_commit() writes the transaction's events as one
 *    outbox row inside the transaction, commits, and then appends the new
 *    outbox rows to the journal once the commit is durable.
 *    Opening a store first journals anything a crashed run left behind.
 *  - The audited tables keep a running digest that triggers maintain and
 *    each commit that changes it records in the journal (store/digest.h).
 *  - Writes start with BEGIN IMMEDIATE (a read-then-write BEGIN fails at once
 *    under concurrency); a lock held past the tenant's wait is EXIT_TEMPFAIL.
 */
#ifndef ARMMS_STORE_H
#define ARMMS_STORE_H

#include <sqlite3.h>

#include "core/util.h"
#include "store/tenant.h"

#define ARMMS_APP_ID 0x41524D4D /* "ARMM" */

enum { STORE_CREATE = 1, STORE_MIGRATE = 2 };

/* Capture modes (see change.h). REQUEST: the change runs in one
 * transaction that is rolled back, keeping what it would emit (preview) and
 * the before-state it read (notes); APPLY: the change runs in one
 * transaction committed only when its notes still match the request's. In
 * both, store_begin and store_commit inside the change are no-ops. */
enum { CAPTURE_OFF = 0, CAPTURE_REQUEST, CAPTURE_APPLY };

#define STORE_TOUCH_MAX 24

typedef struct store {
    sqlite3 *db;
    char module[8]; /* "hr", "tk", "pay", "iam" */
    tenant_t *tenant;
    sqlite3_stmt *outbox_ins;
    int in_tx;
    long emitted;   /* events queued in the open transaction */
    strbuf pending; /* their envelopes, one NDJSON line each */
    size_t sp_len;  /* pending length at the open savepoint */
    long sp_emitted;
    int capture;         /* CAPTURE_* */
    strbuf notes;        /* capture: the before-state the change read */
    strbuf preview;      /* CAPTURE_REQUEST: {event_type, aggregate_*, payload} lines */
    char request_id[40]; /* CAPTURE_APPLY: named in the audit rows */
    int audit_off;       /* device facts (clock events) are not audit rows */
    int committed;       /* the last store_commit's COMMIT took effect */
    int defer_journal;   /* store_commit leaves the journal append to the caller
                            (armms-ingest's writer thread, tk/ingest.h) */
    sqlite3_stmt *audit_ins;
    int migrated; /* store_open with STORE_MIGRATE moved its schema forward */
    /* The audited tables the open transaction changed, with their sums
     * before it (store/digest.h); all: record every table at commit. */
    struct {
        int n, all;
        char tbl[STORE_TOUCH_MAX][40];
        unsigned char before[STORE_TOUCH_MAX][32];
    } touched;
    int digest_unrecorded; /* a new store: its first change records every table */
    /* The reference line pending ends with (store/outbox_rows.h), while it
     * may still be extended: where it starts and the rowids it names. */
    int ref_open;
    size_t ref_off, ref_mid; /* ref_mid: where its last's ref_ndig digits are */
    int ref_ndig;
    sqlite3_int64 ref_first, ref_last;
} store_t;

/* The schema version this build knows for a module; -1 if no such module. */
int schema_latest(const char *module);
/* Migration k takes a store from version k to k+1 (k >= 0). */
const char *schema_migration(const char *module, int k);

int store_open(store_t *s, tenant_t *t, const char *module, int flags, armms_err *err);
void store_close(store_t *s);
/* Open a module's file read-only (no migration, no healing): for readers
 * of another module's data, such as the RBAC check of every tool. */
int store_open_ro(store_t *s, tenant_t *t, const char *module, armms_err *err);
/* ATTACH another module's file read-only under its module name. */
int store_attach_ro(store_t *s, const char *module, armms_err *err);
int store_begin(store_t *s, armms_err *err);
/* Commit, then journal the transaction's events (unless s->defer_journal:
 * then the caller appends them, with journal_flush or journal_flush_ro).
 * On failure, s->committed tells whether the COMMIT took effect (only the
 * journal append after it failed: the next run's store_open journals the
 * outbox) or nothing was recorded. */
int store_commit(store_t *s, armms_err *err);
void store_rollback(store_t *s);
/* A single-level savepoint covering both the SQL and the queued events. */
int store_savepoint(store_t *s, armms_err *err);
void store_rollback_to(store_t *s);
void store_release(store_t *s);
/* Queue one event for the outbox of the open transaction. payload is JSON. */
int store_emit(store_t *s, const char *event_type, const char *aggregate_type,
               const char *aggregate_id, const char *payload, size_t payload_len, armms_err *err);
/* Record part of the before-state a change depends on (capture only): a
 * request goes stale when what it read is no longer what it would read. */
void store_note(store_t *s, const char *key, const char *text, size_t len);
/* Start a captured change: BEGIN IMMEDIATE in the given mode. */
int store_capture_begin(store_t *s, int mode, armms_err *err);
/* sha256 (hex, 65 bytes) of the notes so far. */
void store_capture_fingerprint(const store_t *s, char *hex);
/* End a captured change: roll it back (notes and preview stay readable)... */
void store_capture_rollback(store_t *s);
/* ...or commit it for real, journaling its events. */
int store_capture_commit(store_t *s, armms_err *err);
/* Prepare once; die-free: EXIT_SOFTWARE with the SQLite message on error. */
int store_prepare(store_t *s, sqlite3_stmt **st, const char *sql, armms_err *err);
/* Map the last SQLite error on s to an armms_err (BUSY -> EXIT_TEMPFAIL). */
int store_fail(store_t *s, int rc, const char *what, armms_err *err);
/* Current UTC instant as ISO text (>= 21 bytes). */
void now_iso(char *buf);

#endif
