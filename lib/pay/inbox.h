/*
 * inbox.h - payroll's inbox: each sealed timesheet snapshot
 * (TimesheetFinalized, or the `after` of a TimesheetAdjusted) lands once in
 * pay.db `inbox`, keyed by (timesheet_id, version).
 *
 * Payroll is a consumer of timekeeping, never a reader of its store: a
 * snapshot reaches it as a record on an input (stream mode), as an event
 * of the tenant's journal read through payroll's own consumer cursor
 * (select mode), or as that same event delivered by a message broker from
 * the journal of the host timekeeping runs on (select mode with a broker
 * source: inbox_take). Either way:
 *  - the checksum is verified: "sha256:" + the SHA-256 of the canonical
 *    JSON (core/ndjson.h json_canonical: sorted keys, compact) of the
 *    snapshot without its checksum field, as timekeeping sealed it; a
 *    mismatch is a BAD_CHECKSUM rejection;
 *  - the same key with the same checksum is a duplicate and changes
 *    nothing; the same key with another checksum is a CONFLICT rejection
 *    (what payroll priced stays what it was given first);
 *  - the inbox row keeps the checksum in its own column and, as record,
 *    the canonical text the checksum was taken over (the snapshot without
 *    its checksum), so "sha256:" + SHA-256(record) = checksum re-verifies
 *    a row without parsing it;
 *  - the journal cursor moves only after the inbox rows of the events it
 *    passes have committed (a broker's message is acknowledged only after
 *    that commit), so delivery is at least once and landing is idempotent:
 *    an event read or delivered again is a duplicate and changes nothing.
 *
 * Uses core and store.
 */
#ifndef ARMMS_PAY_INBOX_H
#define ARMMS_PAY_INBOX_H

#include <jv.h>

#include "core/reject.h"
#include "pay/paysheet.h"
#include "store/store.h"

/* The consumer cursor payroll reads the journal through. */
#define PAY_CURSOR "pay"

/* What a landed (or duplicate) snapshot touches. */
typedef struct inbox_key {
    char timesheet_id[160];
    char guard[65];
    char period[16];
    int version;
    int landed; /* 1: new in the inbox; 0: a duplicate */
} inbox_key;

/* Land rec (consumed): a TimesheetFinalized record, or a record with an
 * `after` object (a TimesheetAdjusted stream record or journal payload),
 * whose `after` is landed. journal_seq is the event's seq (0: not from the
 * journal). Inside the caller's transaction. 0 with *k filled, REJECTED
 * (BAD_KIND, BAD_FIELD, BAD_CHECKSUM, CONFLICT; DRAFT for a draft
 * Timesheet record, which a caller passes over) or an EXIT_* code. */
int inbox_land(store_t *s, jv rec, long long journal_seq, inbox_key *k, rejection *rj,
               armms_err *err);

/* inbox_land for a record's text (a line as read), parsed by libjq. */
int inbox_land_text(store_t *s, const char *text, size_t len, long long journal_seq, inbox_key *k,
                    rejection *rj, armms_err *err);

/* Called for each snapshot inbox_pull lands or finds a duplicate of. */
typedef void (*inbox_touch_fn)(const inbox_key *k, void *ctx);

/* Take what is new in the tenant's journal through the cursor PAY_CURSOR:
 * every TimesheetFinalized and TimesheetAdjusted event past the cursor
 * lands (a refused one is a Reject with source "journal" and its seq as
 * line), in transactions of a few thousand snapshots; after each commit
 * the cursor moves to the last seq read (what a crashed pull committed
 * stays, and its rerun finds it a duplicate). n->read counts the snapshot
 * events read, n->landed the new ones, n->rejected the Rejects. */
int inbox_pull(store_t *s, reject_sink *rej, inbox_touch_fn touch, void *ctx, pay_counts *n,
               armms_err *err);

/* One event from a source other than the tenant's own journal (a broker
 * subscription): line is the event's envelope as journaled where it was
 * written (the tenant's journal on the timekeeping host), seq its seq
 * there, kept as the inbox row's journal_seq and named with source in a
 * Reject. A TimesheetFinalized or TimesheetAdjusted lands as inbox_pull
 * lands it (counted in n, touch called); another event type passes over.
 * Inside the caller's transaction: what it lands is delivered once the
 * caller commits, and only then may the source be told so. 0 or an
 * EXIT_* code. */
int inbox_take(store_t *s, const char *line, size_t len, long long seq, const char *source,
               reject_sink *rej, inbox_touch_fn touch, void *ctx, pay_counts *n, armms_err *err);

/* Verify a sealed snapshot's checksum (rec looked at): 0 or REJECTED
 * (BAD_CHECKSUM). */
int inbox_checksum_peek(jv rec, rejection *rj);

#endif
