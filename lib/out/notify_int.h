/*
 * notify_int.h - what notify.c (the store, its records, events),
 * notify_deliver.c (delivery, retry, listing) and notify_mail.c (the MIME
 * message, the sendmail call) share; private to them.
 */
#ifndef ARMMS_OUT_NOTIFY_INT_H
#define ARMMS_OUT_NOTIFY_INT_H

#include <stddef.h>

#include <jv.h>
#include <sqlite3.h>

#include "core/util.h"
#include "out/notify.h"
#include "out/slip.h"
#include "store/store.h"

struct notify {
    tenant_t *t;
    notify_opts o;
    sqlite3 *db;
    store_t pay; /* pay.db read-only, hr.db attached as "hr" */
    int pay_open, lease, dry;
    notify_record_fn fn;
    void *ctx;
    notify_counts c;
    char now[32], host[256];
    slip_run run; /* the run of run_period, when run_ok */
    char run_period[16];
    int run_ok;
};

#define MESSAGE_COLS                                                                              \
    "message_id, event_id, seq, period_id, guard_id, email, status, attempts, next_at,"           \
    " last_error, queued_at, tried_at, sent_at"

/* notify.c's SQL helpers on n->db, the records it prints, the payrun and
 * the guards' addresses, for notify_deliver.c. */
int nf_db_fail(notify *n, int rc, const char *what, armms_err *err);
int nf_tx_begin(notify *n, armms_err *err);
int nf_tx_commit(notify *n, armms_err *err);
void nf_tx_rollback(notify *n);
/* End the transaction nf_tx_begin opened: committed when rc is 0, else
 * rolled back; returns rc, or the commit's failure. */
int nf_tx_end(notify *n, int rc, armms_err *err);
/* Step st (a write) to its end and finalize it: 0, or nf_db_fail naming
 * what it was to do. */
int nf_step_done(notify *n, sqlite3_stmt *st, const char *what, armms_err *err);
int nf_prep(notify *n, sqlite3_stmt **st, const char *sql, armms_err *err);
const char *nf_col(sqlite3_stmt *st, int i);
jv nf_message_record(sqlite3_stmt *st);
void nf_emit_message_extra(notify *n, long long id, const char *key, const char *val);
void nf_emit_message(notify *n, long long id);
void nf_emit_skipped(notify *n, const char *event_id, const char *period, const char *guard,
                     const char *reason);
int nf_load_run(notify *n, const char *period, armms_err *err);
int nf_guard_email(notify *n, const char *guard, char **mail, armms_err *err);

/* One message as it is written. */
typedef struct notify_mail {
    long long id;
    const char *event_id, *period, *guard, *email, *name, *agency;
    const char *from, *subject_tmpl, *date; /* date: ISO-8601 UTC instant */
    const char *pdf;                        /* the payslip PDF */
    size_t pdf_len;
} notify_mail;

/* The whole message (RFC 5322 with MIME, LF line ends as the sendmail
 * interface takes them): multipart/mixed, a short text part and the PDF
 * base64-encoded by OpenSSL's EVP encoder. */
void notify_mail_build(strbuf *out, const notify_mail *m);
/* Run cmd by /bin/sh with the message on its standard input, the process
 * without any group privilege of a multi-user installation. *status: its
 * exit status (0 taken; 128 + N killed by signal N); diag: the end of what
 * it wrote on stderr, every address in it masked. 0, or an EXIT_* code
 * when it could not be run at all. */
int notify_mail_submit(const char *cmd, const char *msg, size_t len, int *status, strbuf *diag,
                       armms_err *err);

#endif
