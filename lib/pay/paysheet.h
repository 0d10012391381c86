/*
 * paysheet.h - a guard's Paysheet for one period, as pay.db keeps it: one
 * row per paysheet_id ("2026-11-A/G00001") holding the whole record.
 *
 * The record (DESIGN.md section 4, schemas/paysheet.schema.json):
 *   {kind:"Paysheet", v:1, paysheet_id, guard_id, period{id,from,to},
 *    version, stage:"gross"|"net", lines[...], gross, deductions[...],
 *    taxable, net, sources[{timesheet_id,version,checksum}], status,
 *    computed_at}
 *
 * Invariants:
 *  - the digest is the SHA-256 of the canonical JSON (core/ndjson.h,
 *    json_canonical) of the record without its volatile fields version,
 *    status and computed_at; version goes up by one only when the digest
 *    changes, so storing the same pay again is a no-op (no new version, no
 *    journal event);
 *  - a stored change sets status COMPUTED and computed_at, and emits one
 *    PaysheetComputed event (aggregate Paysheet / paysheet_id) in the open
 *    transaction;
 *  - a paysheet of a period whose payrun is CLOSED is never rewritten:
 *    paysheet_store refuses it as REJECTED (code LOCKED). A late change to
 *    such a period is carried as adjustment lines into the next open one
 *    (pay/gross.h).
 * Every function here runs inside the caller's transaction (store_begin).
 *
 * Uses core and store.
 */
#ifndef ARMMS_PAY_PAYSHEET_H
#define ARMMS_PAY_PAYSHEET_H

#include <jv.h>

#include "core/progress.h"
#include "core/reject.h"
#include "core/util.h"
#include "store/store.h"

/* What a pay stage (gross, deduct) did in one run. */
typedef struct pay_counts {
    long read;     /* input records (stream) or snapshots taken from the journal */
    long landed;   /* snapshots new in the inbox */
    long rejected; /* Rejects written */
    long skipped;  /* input records passed over (draft Timesheets) */
    long computed; /* paysheets computed */
    long changed;  /* paysheets whose stored record changed (a new version) */
    /* In, not a count: where the run says how far it is, ticking once a
     * paysheet it prices or nets (done, of the paysheets to do); NULL: nowhere. */
    progress *progress;
} pay_counts;

/* Load paysheet id: *found = 1 and *rec the stored record (the caller's),
 * or *found = 0 and *rec jv_invalid(). 0 or an EXIT_* code. */
int paysheet_load(store_t *s, const char *id, jv *rec, int *found, armms_err *err);
/* The stored row of paysheet id, not parsed: *text its record and *facts
 * what netting reads of it (pay/pay_int.h; NULL when the row has none),
 * both malloc'd, and *version; or *found = 0 and both NULL. */
int paysheet_load_row(store_t *s, const char *id, char **text, char **facts, int *version,
                      int *found, armms_err *err);

/* Store rec (consumed; a Paysheet record with paysheet_id, guard_id,
 * period.id, gross and net set; version, status and computed_at are set
 * here). *changed = 1 when the digest differs from the stored row (new
 * version, status COMPUTED, journal event), 0 when it is the same pay.
 * line_out (may be NULL) gets the record as stored, one compact NDJSON
 * line with its newline, changed or not. Returns 0, REJECTED (LOCKED, with
 * rj filled) when the period's payrun is CLOSED, or an EXIT_* code. */
int paysheet_store(store_t *s, jv rec, int *changed, strbuf *line_out, rejection *rj,
                   armms_err *err);

/* The same for a record its builder wrote as text (no jv): canon, its
 * canonical text without version, status and computed_at (what the digest
 * is taken of; the stored record is canon with the three appended), with
 * the row's figures beside it: facts (what netting reads of it, packed:
 * pay/pay_int.h; NULL for none), stage "gross" or "net", gross and net. */
int paysheet_store_canon(store_t *s, const char *canon, const char *facts, const char *id,
                         const char *guard, const char *period, const char *stage, long long gross,
                         long long net, int *changed, strbuf *line_out, rejection *rj,
                         armms_err *err);

/* Is stored paysheet text the record whose canonical text (without the
 * volatile fields) is canon? 1 or 0. */
int paysheet_canon_same(const char *canon, const char *text);

/* The status of period's payrun row ("OPEN", "COMPUTED", "APPROVED",
 * "CLOSED"), or "" when the period has no payrun row. */
int payrun_status(store_t *s, const char *period, char out[16], armms_err *err);

#endif
