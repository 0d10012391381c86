/*
 * publish.h - the journal delivered, at least once, to NATS JetStream or
 * to a command (armms-journal publish).
 * Uses core, store (the journal and its cursors) and bus.h.
 *
 * What goes out (armms-journal(1) documents it; the names are fixed):
 *  - each journal line after the publisher's cursor, in seq order, as one
 *    message on armms.<tenant>.<event_type> with the headers
 *    Nats-Msg-Id = event_id (the stream's duplicate window drops a
 *    replay), Armms-Seq = seq and Armms-Hash = hash; the data is the line,
 *    byte for byte as journaled;
 *  - after each batch, the chain head the batch ended at on
 *    armms.<tenant>.anchor: {"tenant_id","seq","hash","at"} with the
 *    message id anchor-<tenant>-<seq> (the duplicate window is the
 *    stream's, over every tenant, so the id names the tenant);
 *  - with exec set, each batch's lines (NDJSON) on the standard input of
 *    `sh -c exec` instead, and no anchor.
 *
 * Invariants:
 *  1. the cursor (journal/cursors/<cursor>) moves only forward over what
 *     was delivered: to the last seq of the run of acknowledged events
 *     that follows it with no gap (an unacknowledged event stops it, even
 *     when later ones were acknowledged), and for a batch on NATS only
 *     once the batch's anchor is acknowledged too; with exec, to the
 *     batch's end once the command exited 0, else not at all;
 *  2. nothing past the journal's head (journal_last_seq) is published;
 *  3. one publisher per cursor at a time (journal/<cursor>.lock, flock);
 *  4. no message body reaches an error message or a note.
 * So a crash, a kill -9 or an outage at any point loses nothing: the next
 * run sends again from the cursor, and the broker drops what it already
 * holds by the message id (within the duplicate window; a consumer's
 * inbox drops the rest).
 */
#ifndef ARMMS_PUBLISH_H
#define ARMMS_PUBLISH_H

#include <signal.h>

#include "bus/bus.h"
#include "core/util.h"
#include "store/tenant.h"

typedef struct publish_opts {
    const char *cursor;          /* "publish" or "publish-NAME" (a consumer name) */
    const char *exec;            /* a command for `sh -c`, instead of NATS; or NULL */
    bus_opts bus;                /* the broker (unused with exec) */
    int batch;                   /* events per batch (default 256) */
    int max_pending;             /* async publishes in flight at most (default 256) */
    int follow;                  /* 0: deliver what is there and return; 1: a service */
    int poll_ms;                 /* follow: how often the journal head is read (1000) */
    int backoff_max_ms;          /* follow: the longest wait between tries while the
                                    broker or the command fails (30000) */
    volatile sig_atomic_t *stop; /* follow ends once *stop is set; or NULL */
    /* follow: told (no body, no password) when an outage begins or ends */
    void (*note)(void *ctx, const char *msg);
    void *note_ctx;
    long long kill_at; /* test hook: SIGKILL itself while publishing this seq (0: never) */
} publish_opts;

void publish_opts_init(publish_opts *o);

typedef struct publish_report {
    long long published;  /* events delivered by this run (acknowledged or taken) */
    long long duplicates; /* of them, acknowledged as duplicates (already held) */
    long long batches;    /* batches delivered whole */
    long long anchors;    /* anchors acknowledged */
    long long cursor;     /* where the cursor is now */
    long long head;       /* the journal's last seq, as last read */
    long long outages;    /* follow: times the broker or command failed */
} publish_report;

/* Deliver (see above). Returns 0, or a sysexits code with err filled:
 * 69 the broker unreachable or not acknowledging, or the command failing
 * (without follow; err names the URL and where the cursor stays), 75 the
 * cursor held by another publisher past t->wait_ms, 70 a journal line
 * that cannot be published (a damaged journal), 74 the cursor unwritable,
 * 77 and 78 as bus.h says. r is filled either way. */
int publish_run(tenant_t *t, const publish_opts *o, publish_report *r, armms_err *err);

#endif
