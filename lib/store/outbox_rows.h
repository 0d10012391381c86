/*
 * outbox_rows.h - events an outbox row holds by reference to the rows they
 * describe, instead of by copy.
 *
 * A ClockEventRecorded event says nothing its clock_event row does not
 * hold: its payload is the row as a ClockEvent record, its aggregate and
 * event id are the row's clock_event_id (the event is the row's creation
 * and happens once), and it occurred when the row was received. So tk.db's
 * outbox keeps, for a run of such events in one transaction, one line
 *
 *   {"@rows":"clock_event","first":F,"last":L,"actor":A}
 *
 * (the rowids F..L of clock_event, in order; members the commit adds, such
 * as "digest", follow "actor" and belong to the last event), and the
 * journal renders the envelopes from the rows when it appends the outbox
 * row. The journal's lines are the same as if the envelopes had been
 * copied; only the outbox row is smaller. clock_event rows are never
 * updated or deleted, so what the journal renders is what was committed.
 *
 * The ClockEvent record itself is written here too, so the record on
 * armms-ingest's output and the payload in the journal are one text.
 *
 * Uses core and store.
 */
#ifndef ARMMS_OUTBOX_ROWS_H
#define ARMMS_OUTBOX_ROWS_H

#include <sqlite3.h>

#include "core/util.h"
#include "store/store.h"

/* A ClockEvent record (clock-event-recorded.schema.json) into p. */
void ce_record(strbuf *p, const char *id, const char *event_id, const char *device,
               const char *guard, const char *utc, const char *local, const char *type,
               const char *det, const char *received_at);

/* The ClockEvent record of the clock_event row st is on, whose columns are
 * those of CE_ROW_COLUMNS from column 0. */
#define CE_ROW_COLUMNS                                                                            \
    "clock_event_id, event_id, device_id, guard_id, ts, ts_offset, type, detachment_id,"          \
    " received_at"
void ce_record_of_row(strbuf *p, sqlite3_stmt *st);

/* Queue ClockEventRecorded for clock_event row rowid, inserted in the open
 * transaction, by reference (extending the transaction's last reference
 * line when rowid follows it). Not audited, like store_emit's device facts. */
int store_emit_clock_event(store_t *s, sqlite3_int64 rowid, armms_err *err);

/* Whether an outbox line is a reference line. */
int outbox_line_is_ref(const char *line, size_t len);

/* One envelope outbox_ref_expand renders: its text (without seq and the
 * chain fields, as store_emit queues it) and where its "actor" value (a
 * JSON string) and "payload" value (the ClockEvent record) lie in it.
 * tail: members follow the payload (those the commit added to the
 * reference line, which belong to its last event). */
typedef struct ce_env {
    const char *s;
    size_t len;
    size_t actor_at, actor_len;
    size_t payload_at, payload_len;
    int tail;
} ce_env;

/* A ClockEventRecorded envelope in env, in two steps: begin writes it up
 * to its payload (actor_kv is ,"actor":A as the reference line holds it),
 * the caller then writes the payload (ce_record), and end closes it with
 * tail (the members that follow the payload, if any) and fills e. */
void ce_envelope_begin(strbuf *env, ce_env *e, const char *id, const char *tenant_id,
                       const char *received_at, const char *actor_kv, size_t actor_kv_len);
void ce_envelope_end(strbuf *env, ce_env *e, const char *tail, size_t tail_len);

/* Render the envelopes of reference line `line` from db, calling each for
 * every one in order; *n is how many. 0, or EXIT_SOFTWARE when the line is
 * malformed or its rows are not all there. */
int outbox_ref_expand(sqlite3 *db, const char *tenant_id, const char *line, size_t len,
                      int (*each)(const ce_env *e, void *ctx), void *ctx, long long *n,
                      armms_err *err);

#endif
