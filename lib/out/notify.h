/*
 * notify.h - notifications: when a payrun closes, each guard of it with an
 * e-mail address gets their payslip PDF by mail, through the host's mail
 * submission program (the sendmail interface). armms-notify is the tool.
 *
 * A consumer of the tenant's journal, like payroll's inbox: it takes the
 * PayrunClosed events (lib/pay/payrun_close.c) through its own consumer
 * cursor journal/cursors/notify, or as event envelopes (journal lines,
 * a broker's messages) on an input. Its state is its own store,
 * tenants/T/notify.db (application_id ARMMS, its own user_version, made on
 * first run, 0600); it reads pay.db and hr.db read-only and writes no
 * other store and no journal event: a notification is an effect outside
 * the agency's books, not a fact of them.
 *
 * notify.db holds
 *  - consumed (store/consumed.h): the PayrunClosed events taken, by
 *    event_id, so a replayed event (a cursor reset, a broker redelivery, a
 *    line fed again) queues nothing twice;
 *  - message: one row per (event, guard with an address), made in the
 *    transaction that records the event consumed, with its status
 *      PENDING   queued, not yet tried
 *      SENDING   being handed to sendmail now (committed before the call)
 *      SENT      sendmail took it (exit 0)
 *      RETRY     it failed; tried again at next_at (backoff doubling from
 *                the first delay) until it has had max_attempts tries
 *      DEAD      the last try failed, or a run died while SENDING it:
 *                the dead-letter list, sent again only by notify_retry;
 *  - skipped: one row per (event, guard without a usable address);
 *  - lease: the run that holds the store (pid, host, since): one delivering
 *    run per tenant at a time, so a SENDING row found by the next holder is
 *    a crashed run's.
 *
 * Invariants (the no-second-mail rule):
 *  1. a message is handed to sendmail only after its SENDING row (attempts
 *     counted) has committed;
 *  2. a SENDING row becomes SENT, RETRY or DEAD only by the run that
 *     marked it; one found by a later run is marked DEAD, never resent,
 *     until a person says so (notify_retry);
 *  3. messages are queued once per (event_id, guard): the consumed row
 *     and the message rows commit together; the cursor moves only after.
 * The one window left: sendmail has taken the message and the run dies
 * before SENT commits. The message is then DEAD ("interrupted") although
 * it went out; a retry of it would send it a second time. Its Message-ID
 * is the same on every try (<armms.EVENT.MESSAGE@from-domain>), so a mail
 * system that drops repeats of a Message-ID drops it.
 *
 * Memory and output: functions never print; records (jv, consumed by the
 * callback) go to the caller, who masks the address (personal data) as
 * the CLI masks every personal field. Error messages carry addresses
 * masked only (core/email.h).
 *
 * Uses out/slip.h (the payslip, as armms-payslip makes it), store and core.
 */
#ifndef ARMMS_OUT_NOTIFY_H
#define ARMMS_OUT_NOTIFY_H

#include <jv.h>

#include "core/reject.h"
#include "core/util.h"
#include "out/slip.h"
#include "store/tenant.h"

#define NOTIFY_CURSOR "notify"   /* journal/cursors/notify */
#define NOTIFY_CONSUMER "notify" /* its rows of notify.db consumed */
#define NOTIFY_SENDMAIL "/usr/sbin/sendmail -t -i"
#define NOTIFY_SUBJECT "Payslip {period} - {agency}"

typedef struct notify_opts {
    const char *from;     /* From: (required, core/email.h shape) */
    const char *subject;  /* template: {period}, {agency}, {guard}, {name} */
    const char *sendmail; /* a /bin/sh command line reading the message */
    const char *dry_dir;  /* write PERIOD-GUARD.eml files here; change nothing */
    int max_attempts;     /* tries before DEAD (>= 1) */
    int backoff_s;        /* the delay after the first failure, doubling */
    slip_paper paper;
} notify_opts;

typedef struct notify_counts {
    long events;      /* events read (journal or input) */
    long closed;      /* PayrunClosed events taken (new) */
    long seen;        /* PayrunClosed events consumed before: nothing queued */
    long rejected;    /* input events refused */
    long queued;      /* messages queued */
    long skipped;     /* guards without a usable address */
    long sent;        /* messages sendmail took (or, dry, files written) */
    long retry;       /* failed tries left for later */
    long dead;        /* messages that went DEAD in this run */
    long interrupted; /* SENDING rows of a crashed run, made DEAD */
} notify_counts;

/* A record for the caller (consumed): NotifyMessage or NotifySkipped
 * (schemas/notify-message.schema.json, notify-skipped.schema.json). */
typedef void (*notify_record_fn)(jv rec, void *ctx);

typedef struct notify notify;

/* Open (making it on first run) notify.db of t, and the payroll stores it
 * reads; with o->dry_dir everything it does is rolled back at the end.
 * take_lease: hold the store for delivery (EXIT_TEMPFAIL naming the
 * holder when a live run holds it); then SENDING rows left by a dead
 * holder are made DEAD (counted interrupted, given to fn). fn gets every
 * record a later call makes. EXIT_CONFIG for a notify.db newer than this
 * build. */
int notify_open(notify **n, tenant_t *t, const notify_opts *o, int take_lease, notify_record_fn fn,
                void *ctx, armms_err *err);
/* Release the lease (and roll a dry run back). */
void notify_close(notify *n);
const notify_counts *notify_counts_of(const notify *n);

/* The events of the journal past the cursor NOTIFY_CURSOR: each
 * PayrunClosed queues its messages; one that cannot be taken (NOT_CLOSED:
 * pay.db does not hold its run closed) is a Reject on rej (source
 * "journal", its seq as line) and is passed. The cursor moves past every
 * event taken or passed once that has committed (not in a dry run). */
int notify_take_journal(notify *n, reject_sink *rej, armms_err *err);
/* One event envelope read from an input (a journal line; seq optional):
 * 0 (a PayrunClosed taken or seen, or another event passed over), REJECTED
 * (PARSE..., BAD_FIELD, WRONG_TENANT, NOT_CLOSED) or an EXIT_* code. */
int notify_take_line(notify *n, const char *line, size_t len, rejection *rj, armms_err *err);
/* Hand every due message (PENDING, or RETRY whose next_at has come) to
 * sendmail, or only message id when id > 0 (due or not). */
int notify_deliver(notify *n, long long id, armms_err *err);
/* Make message id (RETRY or DEAD) due now with its tries counted afresh,
 * its address read again from hr.db (a corrected address is used), then
 * deliver it. EXIT_DATAERR when there is no such message, it is SENT, or
 * the guard has no usable address now. */
int notify_retry(notify *n, long long id, armms_err *err);
/* The messages, as NotifyMessage records to the callback: status one of
 * the statuses, or NULL for all; period NULL for every period. With
 * skipped, the NotifySkipped records too. */
int notify_list(notify *n, const char *status, const char *period, int skipped, armms_err *err);

#endif
