/*
 * masterdata.h - master data kinds and their import, driven by one table.
 *
 * Each kind (guard, detachment, position, shift, assignment, rate, holiday,
 * period, obligation, user, role, route, leave_code, leave, ...) is a row
 * of a table in kinds.c naming its module store, table, fields (type,
 * required, reference), natural key and whether it is effective-dated. One code path validates,
 * checks references and upserts every kind; no tool switches over kinds.
 * Rows a layer above derives from a record (an obligation's installment
 * schedule, pay/obligation.h) are written by code that layer registers
 * (md_register), so md never includes it.
 *
 * Upsert rules:
 *  - plain kinds: insert, update (the event carries before and after), or
 *    leave unchanged (no event) by natural key;
 *  - effective-dated kinds (assignment, rate) keep history per key: the same
 *    valid_from updates that version; a later valid_from closes an open or
 *    overlapping latest version the day before; a version that would overlap
 *    any other is an OVERLAP Reject, never a silent overlap.
 *  - a kind with a range field (leave: "to") reads a record with it as one
 *    record per date from its "date" to it, each upserted or rejected alone
 *    under the record's line; the counts are of dates.
 * Money is integer centavos in NDJSON and pesos ("695.00") in CSV.
 *
 * Uses core, store and iam.
 */
#ifndef ARMMS_MASTERDATA_H
#define ARMMS_MASTERDATA_H

#include <jv.h>

#include <stdint.h>
#include <stdio.h>

#include "core/input.h"
#include "core/progress.h"
#include "core/reject.h"
#include "store/store.h"

typedef struct md_kind md_kind;

/* The kind called name, or NULL. */
const md_kind *md_kind_find(const char *name);
/* "guard detachment ..." for usage text. */
const char *md_kind_names(void);
const char *md_kind_module(const md_kind *k);
/* The action (and scope) that changes a kind: "<kind>.update". */
const char *md_kind_action(const md_kind *k);

typedef struct md_counts {
    long read, inserted, updated, unchanged, rejected;
    long refused; /* of rejected: at a detachment the actor's roles do not reach */
} md_counts;

typedef struct md_import md_import; /* per-run state: prepared statements */

/* Open the kind's module store (and attach what its references need). */
int md_import_open(md_import **mi, const md_kind *k, tenant_t *t, armms_err *err);
void md_import_close(md_import *mi);
/* Only add records whose key is new; existing ones count as unchanged
 * (period --generate must not undo a tenant's pay dates or closures).
 * Effective-dated kinds: a version is added unless one of its key starts
 * the same day or it would reach into a later one (both count as
 * unchanged); added, it closes an open earlier version the day before, as
 * any later version does (the shipped rules armms-init loads). */
void md_insert_only(md_import *mi, int on);
/* Tick p once for every record md_import_fd reads (done: the run's
 * records read so far, of a total not known); NULL: none. */
void md_import_progress(md_import *mi, progress *p);
/* The actor whose limits apply (rbac.h; kept, not copied): a record of a
 * kind with a detachment_id, or a version of it the record would change
 * or close, at a detachment the actor's roles do not reach is a Reject
 * NOT_PERMITTED naming it, counted as refused too. NULL: no limit. */
struct rbac;
void md_import_limit(md_import *mi, const struct rbac *who);
/* The detachments refused so far ("DET2, DET7"), "" when none. */
const char *md_refused(const md_import *mi);
int md_begin(md_import *mi, armms_err *err);
int md_commit(md_import *mi, armms_err *err);
/* Check a CSV header against the kind's fields; EXIT_DATAERR on a column
 * the kind does not have. */
int md_check_header_peek(const md_kind *k, jv header, armms_err *err);
/* Validate and upsert one record (consumed). from_csv: money in pesos and
 * numbers as text. A bad record is written to rej and counted; the return
 * is nonzero only for a failure that must stop the run (err filled). */
int md_upsert(md_import *mi, jv rec, int from_csv, reject_sink *rej, const char *source, long line,
              const char *raw, size_t raw_len, md_counts *n, armms_err *err);
/* Read every record of fd (name in Rejects) as fmt into the run: bad items
 * are Rejects, a CSV header with a column the kind lacks refuses the file
 * (EXIT_DATAERR), and Reject records of this kind read back (NDJSON
 * "kind":"Reject") are re-tried as they were first read. Commits every
 * 5,000 records and at the end; on a failure the caller rolls back. */
int md_import_fd(md_import *mi, int fd, const char *name, input_format fmt, reject_sink *rej,
                 md_counts *n, armms_err *err);
/* The store an import writes (for change.h). */
store_t *md_store(md_import *mi);
/* Requesting: the accepted records of this run as a change effect. */
jv md_effect(md_import *mi);
/* Apply a change request's effect (change.h executor). */
struct change;
int md_apply(struct change *ch, jv effect, FILE *out, reject_sink *rej, armms_err *err);

/* ---- for the layers above: rows derived from a record ---- */

typedef struct md_rec md_rec; /* one parsed record, fields in normal form */

/* A text field's normal form (ids, dates, enums, lists), or NULL when
 * absent. field must be one of the record's kind. */
const char *md_rec_text(const md_rec *r, const char *field);
/* A money (centavos), int or bool field: 1 with *v set, 0 when absent. */
int md_rec_int(const md_rec *r, const char *field, int64_t *v);

enum { MD_HOOK_STMTS = 4 };
/* Called inside the record's savepoint once its row is written, before its
 * event: 0, REJECTED with rj filled (the record is undone and rejected), or
 * an EXIT_* code with err filled. stmt holds MD_HOOK_STMTS statement slots
 * kept for the run: fill them with store_prepare; the store finalizes them. */
typedef int (*md_written_fn)(store_t *s, sqlite3_stmt **stmt, const md_rec *r, rejection *rj,
                             armms_err *err);
typedef struct md_hook {
    const char *kind;
    md_written_fn fn;
} md_hook;
/* Hand md the code that writes derived rows, one entry per kind, ending
 * with {NULL, NULL}; the table is kept, not copied. Call it before
 * md_import_open: opening a kind that needs its hook without one fails
 * with EXIT_SOFTWARE. */
void md_register(const md_hook *table);
/* Step a write statement and reset it: 0; a constraint failure is a
 * CONFLICT rejection; anything else fails the run (store_fail). */
int md_step_write(store_t *s, sqlite3_stmt *st, rejection *rj, armms_err *err);

#endif
