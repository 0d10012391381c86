/*
 * stage.h - the one driver under the three timekeeping tools (armms-timelog,
 * armms-dtr, armms-timesheet), so stream and select mode share a code path.
 *
 * A stage recomputes derived rows for one guard over a range of dates from
 * the tenant store. The driver collects what to recompute ("touches": guard
 * x date range) from two places and recomputes each guard once:
 *  - stream: every input record (the upstream stage's output) touches the
 *    guard and dates it names; nothing else is recomputed;
 *  - select: a scope (--period / --from --to, optionally --guard) touches
 *    every guard with data in it.
 * Both may be combined: a select-mode stage in a pipe first drains its
 * input, so it never recomputes before its upstream has finished.
 *
 * Roles limited to detachments (iam/rbac.h): for an actor so limited, a
 * stream record naming another detachment is a NOT_PERMITTED Reject
 * (counted as refused: the tool exits 77 naming the detachment); a select
 * scope's --guard must be on the actor's detachments in the scope's dates
 * (else 77), and without --guard only their detachments' guards are
 * recomputed; output records of another detachment are not written.
 *
 * Invariants: recomputation is a pure function of the store (clock events,
 * adjustments, master data, policy), so the same events in any order or
 * batch split give the same rows. Output records are written only after the
 * transaction that stored them has committed (as armms-ingest does). A
 * touch is a date range d0 <= d1. A touch check refuses a record by the
 * rejection rule (core/reject.h) and only looks at it (the jv rule,
 * core/ndjson.h).
 *
 * Uses core, store, iam (change requests, for tk_run_apply) and tk's roster.
 */
#ifndef ARMMS_STAGE_H
#define ARMMS_STAGE_H

#include <jv.h>
#include <stdio.h>

#include "core/idset.h"
#include "core/ndjson.h"
#include "core/progress.h"
#include "core/reject.h"
#include "iam/rbac.h"
#include "store/store.h"
#include "tk/roster.h"

typedef struct tk_run tk_run;

/* One input record as a touch check sees it: libjq's object (m NULL), or
 * the members ndjson_parse_peek kept of its line (obj not looked at). The
 * tk_*_peek helpers below read either. */
typedef struct tk_rec {
    jv obj;
    const ndjson_member *m;
    int n;
} tk_rec;
/* A record of an object (borrowed: obj stays the caller's). */
static inline tk_rec tk_rec_of(jv obj)
{
    return (tk_rec){obj, NULL, 0};
}

typedef struct tk_stage {
    const char *name;    /* "timelog" */
    const char *in_kind; /* the record kind read in stream mode */
    int (*open)(tk_run *r, armms_err *err);
    void (*close)(tk_run *r);
    /* Touch what one input record names (rec stays the caller's): 0,
     * REJECTED with rj filled, or an EXIT_* code with err filled. */
    int (*touch_peek)(tk_run *r, const tk_rec *rec, rejection *rj, armms_err *err);
    /* Touch every guard with data in [from, to] (guard NULL: all), or,
     * with limit > 0, the first limit of them (in guard id order) whose id
     * sorts after `after` (""); *n: how many guards were touched. */
    int (*scope)(tk_run *r, const char *guard, day_t from, day_t to, const char *after, int limit,
                 long *n, char *last, armms_err *err);
    /* Recompute one guard's rows for dates [d0, d1] inside the open
     * transaction, appending output records to r->outbuf. */
    int (*recompute)(tk_run *r, const ro_guard *g, day_t d0, day_t d1, armms_err *err);
    /* Every field of an input record tk_run_record and touch_peek look
     * at (NULL-terminated): the only ones parsed into the record (and
     * what ndjson_parse_peek keeps of its line). */
    const char *const *in_fields;
    /* tk_run_flush has recomputed its touches, or failed (NULL: nothing
     * to do): whatever reads them ahead (tk_run.cur) lets go of them. */
    void (*flush_end)(tk_run *r);
    /* Before a run lists its scope or a flush recomputes, outside any
     * transaction: bring what the stage reads up to date (timelog files
     * the clock events ingest left unfiled, tk/ingest.h). NULL: nothing. */
    int (*prepare)(tk_run *r, armms_err *err);
} tk_stage;

typedef struct tk_counts {
    long read, rejected, recomputed, changed;
    long released; /* held punches recorded by this run (timelog) */
    long refused;  /* of rejected: at a detachment the actor's roles do not reach */
} tk_counts;

typedef struct tk_touch {
    char guard[65];
    day_t d0, d1;
} tk_touch;

struct tk_run {
    tenant_t *t;
    store_t s;
    roster *ro;
    const tk_stage *stage;
    void *eng; /* the stage's own state */
    FILE *out;
    reject_sink *rej;
    int changed_only;    /* output only records whose stored row changed */
    int scoped;          /* a select scope was given: write every record recomputed */
    long tick_base;      /* guards a chunked scope's earlier chunks recomputed */
    int tick_open;       /* more chunks may follow: the total is not known */
    idmap named;         /* stream: keys of the records the input named */
    int quiet_output;    /* recompute without writing records (finalize) */
    int journal_derived; /* tenant.conf journal_derived: per-row events */
    tk_counts n;
    strbuf outbuf; /* records of the open transaction */
    tk_touch *touch;
    int ntouch, captouch;
    idmap touch_idx;
    /* tk_run_flush: touch[cur] is being recomputed (-1: no flush is), of
     * the flush numbered flush_gen; a stage may read the touches after it
     * ahead (the list does not change until the flush ends) */
    int cur;
    long flush_gen;
    armms_err flush_err; /* a failed flush from the idle hook */
    /* tk/stale.h: the dates of the rows the open recompute changed, */
    day_t *noted;
    int nnoted, capnoted;
    int stale_own;            /* whether the stage has marks to clear */
    const char *stale_reason; /* why the next stage is marked (NULL: the stage's name) */
    struct tk_stale_q *stale_q;
    progress *progress;       /* tk_run_flush ticks once per guard it recomputes (NULL: none) */
    rbac_t own_who;           /* the actor, loaded by tk_run_open */
    const rbac_t *who;        /* whose limits apply: the actor, or an approver (tk_run_apply) */
    char refused_at[256];     /* the detachments refused, "DET2, DET7" */
    struct tk_writer *writer; /* tk_run_async: a thread writing the records */
};

int tk_run_open(tk_run *r, tenant_t *t, const tk_stage *stage, FILE *out, reject_sink *rej,
                armms_err *err);
void tk_run_close(tk_run *r);
/* One input record (looked at): checks kind and v, then the stage's touch. */
int tk_run_record(tk_run *r, const tk_rec *rec, const char *source, long line, const char *raw,
                  size_t raw_len, armms_err *err);
void tk_run_reject(tk_run *r, const rejection *rj, const char *source, long line, const char *raw,
                   size_t raw_len);
void tk_touch_add(tk_run *r, const char *guard, day_t d0, day_t d1);
/* For a stage's scope: touch one named guard (*n = 1, last = its id)... */
int tk_scope_one(tk_run *r, const char *guard, day_t from, day_t to, long *n, char *last);
/* ...or the guards statement st lists (then finalized): *n of them, the
 * last one's id in last (65 bytes). */
int tk_scope_rows(tk_run *r, sqlite3_stmt *st, day_t from, day_t to, long *n, char *last,
                  armms_err *err);
/* Stream mode writes a recomputed record whose stored row did not change
 * only when an input record named it (tk_name) or a scope covers it: a late
 * event flows downstream as the records it changed, not its neighbours. */
void tk_name(tk_run *r, const char *key);
int tk_wanted(const tk_run *r, const char *key);
int tk_run_select(tk_run *r, const char *guard, day_t from, day_t to, armms_err *err);
/* Recompute everything touched, committing every few thousand guards and
 * writing each transaction's records after it commits; r->progress ticks
 * once a guard (done, of the guards touched). Inside a transaction
 * the caller opened, recomputes without committing and leaves the records
 * in r->outbuf for the caller to write after its commit. */
int tk_run_flush(tk_run *r, armms_err *err);
/* Whether a stream holds as many touches as a select run's chunk (8,000;
 * ARMMS_TEST_SCOPE_CHUNK): it flushes then, so a long input without a
 * pause holds one chunk's touches, not the whole input's. */
int tk_run_full(const tk_run *r);
/* Line-reader idle hook: flush before a read that would block, so a
 * trickling feed is processed as it arrives. */
void tk_run_idle(void *ctx);
/* Write r->outbuf to the output (after a commit). */
int tk_run_write(tk_run *r, armms_err *err);
/* When the output is a pipe, let tk_run_write hand each commit's records
 * to a thread that writes them while the run goes on to its next
 * transaction (one transaction's records in flight at most); otherwise
 * nothing changes. tk_run_drain waits until they are all written (an
 * output that failed: EXIT_IOERR) and ends the thread; tk_run_close
 * drains too. */
void tk_run_async(tk_run *r);
int tk_run_drain(tk_run *r, armms_err *err);

/* Apply a change request through a stage's own code (change.h): open a run
 * of stage, run fn(r, ctx) inside the approval's transaction, commit it
 * with the decision, then write the run's records to out. */
struct change;
int tk_run_apply(struct change *ch, const tk_stage *stage, FILE *out, reject_sink *rej,
                 int (*fn)(tk_run *r, void *ctx, armms_err *err), void *ctx, armms_err *err);

/* Whether the limited actor's roles reach guard g on some date of [d0, d1]
 * (an assignment at one of their detachments); always for an unlimited one. */
int tk_reaches(const tk_run *r, const ro_guard *g, day_t d0, day_t d1);
/* Note det as refused (r->refused_at) and fill rj with NOT_PERMITTED,
 * naming it and scope: REJECTED. */
int tk_refuse(tk_run *r, const char *scope, const char *det, rejection *rj);
/* The EXIT_NOPERM a run that refused records ends with (0 when none). */
int tk_run_refusals(const tk_run *r, const char *scope, armms_err *err);

/* Helpers shared by the stages: a record's string member (borrowed) or
 * NULL; 0 when a member is a valid date; 0 when a number (*v its value);
 * 0 when an object (*sub that object, borrowed from rec). */
const char *tk_str_peek(const tk_rec *rec, const char *key);
int tk_date_peek(const tk_rec *rec, const char *key, day_t *d);
int tk_num_peek(const tk_rec *rec, const char *key, double *v);
int tk_obj_peek(const tk_rec *rec, const char *key, tk_rec *sub);
/* Add a JSON array of the comma-separated codes in csv. */
void tk_add_codes(strbuf *b, const char *csv);
/* Bind text, or NULL for an empty string. */
void tk_bind_text(sqlite3_stmt *st, int i, const char *s);
/* The same without a copy, for a row written once a guard-day: s must
 * stay as it is until the statement has stepped, and the caller binds
 * every parameter again before each step. */
void tk_bind_view(sqlite3_stmt *st, int i, const char *s);
const char *tk_col(sqlite3_stmt *st, int i); /* "" for NULL */

#endif
