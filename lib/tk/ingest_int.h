/*
 * ingest_int.h - the private state of clock-event intake, shared by the
 * files that implement ingest.h: the record path (ingest.c), committing
 * batches and reporting what committed (ingest_commit.c), one input fed
 * in, own Rejects included (ingest_feed.c), held punches (held.c) and
 * ZKTeco lines (zk.c). Only lib/tk/ingest*.c, lib/tk/held.c
 * and lib/tk/zk.c include it; everything else uses ingest.h.
 *
 * Invariants: the functions declared here are internal (the ing_ prefix)
 * and keep the contracts of ingest.h; the open batch's transaction is
 * begun only by ing_ensure_tx and committed only by ingest_flush.
 *
 * Uses core and store, like ingest.h.
 */
#ifndef ARMMS_INGEST_INT_H
#define ARMMS_INGEST_INT_H

#include <jq.h>

#include "core/idset.h"
#include "core/ndjson.h"
#include "store/outbox_rows.h"
#include "tk/ingest.h"

struct ingest {
    tenant_t *t;
    store_t s;
    ingest_opts o;
    ingest_opts given; /* o as ingest_open was given it: o follows a fed-back Reject */
    int refed;         /* a Reject was fed back: the run's own origin is due */
    tz_t zone;
    FILE *out;
    reject_sink *rej;
    jq_state *jq;
    char *jq_error;
    char *map_text; /* the program jq runs (a copy), NULL for none */
    sqlite3_stmt *ins, *dup, *guard, *pin, *det;
    sqlite3_stmt *rows; /* a committed batch's clock events, read back to write */
    sqlite3_stmt *held_ins, *held_dup, *held_del, *unsent_ins, *unsent_del;
    idset known_guards, known_dets; /* ids already found in hr.db */
    strbuf pending;                 /* records being written out (ingest_commit.c) */
    strbuf payload, key;
    strbuf flat_vals; /* a flat line's values, NUL-terminated (ev_fields_flat) */
    long in_batch, batch_accepted;
    int in_tx;
    armms_err failed;          /* sticky: a commit failed; nothing more lands */
    ingest_counts at_tx;       /* the counts when the open batch began */
    sqlite3_int64 first, last; /* rowids of the batch's new clock events */
    long long unfiled;         /* rows this run inserted and has not filed by guard */
    int batch_full;            /* the batch committing is a full one (more to come) */
    char owner[27];            /* this run's id: its unsent rows and lock file */
    int owner_fd;              /* the lock file, held (flock) while the run lives */
    char *owner_path;
    sqlite3_int64 *acks;         /* unsent rows written out: delete them */
    int nacks, capacks, acks_tx; /* acks_tx: how many the open batch deletes */
    const char *releasing;       /* held_id of the punch being released */
    int outcome;                 /* what record_one did with it (OUT_*) */
    char outcome_id[27];         /* OUT_RECORDED: its clock_event_id */
    const char *outcome_code;    /* OUT_REJECTED: the Reject code */
    const struct rbac *who;      /* ingest_limit's actor, or NULL */
    char refused_at[256];        /* the detachments refused, "DET2, DET7" */
    long commits, crash_after;   /* ARMMS_TEST_CRASH_AFTER_COMMIT */
    struct ing_writer *writer;   /* the thread journaling and writing batches (ingest_commit.c) */
    int writer_tried;
    long long prune_to, pruned; /* outbox rows the writer journaled, and those pruned */
    instant_t now;
    char received_at[24];
    ingest_counts n;
};

/* What record_one did with a record (read while releasing a held punch). */
enum { OUT_NONE, OUT_RECORDED, OUT_DUPLICATE, OUT_HELD, OUT_REJECTED };

/* One ClockEvent as it is checked and stored. The strings are borrowed
 * from the input record (device may be the --device default); the rest is
 * derived from them by ev_check. */
typedef struct clock_ev {
    const char *device, *guard, *ts, *type, *event_id, *det;
    char utype[4];           /* IN or OUT */
    instant_t at;            /* ts as an instant */
    int off;                 /* ts's offset, minutes */
    char utc[24], local[32]; /* ts in UTC (ev_check), and with its own offset (held) */
} clock_ev;

static inline const char *colz(sqlite3_stmt *st, int i)
{
    return (const char *)sqlite3_column_text(st, i);
}

/* ingest.c: the record path. */
/* Emit a Reject and count it. */
void ing_reject_why(ingest_t *in, const rejection *rj, const char *source, long line,
                    const char *raw, size_t raw_len);
/* A short id-like string: 1..max bytes, no control characters. */
int ing_id_ok(const char *s, size_t max);
/* The idempotency key (ingest.h) into in->key. */
void ing_ev_key(ingest_t *in, const clock_ev *ev);
/* The key in in->key is known: a duplicate (0) or REJECTED (CONFLICT). */
int ing_ev_replay(ingest_t *in, const clock_ev *ev, rejection *rj);
/* One object (consumed) through the checks, inside the open batch. */
int ing_process(ingest_t *in, jv rec, const char *source, long line, const char *raw,
                size_t raw_len, armms_err *err);
/* ingest_record for a flat NDJSON line without --map (core/ndjson.h): its
 * members checked as ingest_record checks the object libjq would make. */
int ing_record_flat(ingest_t *in, const ndjson_member *m, int n, const char *source, long line,
                    const char *raw, size_t raw_len, armms_err *err);

/* ingest_commit.c: batches, and reporting what committed. */
/* Begin the open batch's transaction unless it is open (or a commit failed). */
int ing_ensure_tx(ingest_t *in, armms_err *err);
/* Count a record into the open batch; flush it when full. */
int ing_batch_step(ingest_t *in, armms_err *err);
/* End the writer thread (if any), once it has written what it holds. */
int ing_writer_stop(ingest_t *in, armms_err *err);
/* Mark the written batches sent in a transaction of their own. */
void ing_ack_now(ingest_t *in);
/* Take this run's lock file (ingest-OWNER.lock in the tenant directory),
 * held until ing_owner_drop: 0 or an EXIT_* code. */
int ing_owner_take(ingest_t *in, armms_err *err);
void ing_owner_drop(ingest_t *in);
/* ts (UTC text) at offset off into local. */
void ing_local_of(const char *ts, int off, char *local);

/* held.c: held punches. */
/* Master data does not know the punch's guard or detachment (yet). */
int ing_holdable(const rejection *rj);
/* Hold a punch that passed every check but master data's. */
int ing_ev_hold(ingest_t *in, clock_ev *ev, const char *pin, const char *reason,
                const char *source, long line, rejection *rj, armms_err *err);
/* After a held punch went through ing_process: drop its held row. */
int ing_released(ingest_t *in, armms_err *err);

#endif
