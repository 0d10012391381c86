/*
 * notify_deliver.c - see notify.h: delivering the queued messages (a
 * message claimed SENDING before the mail program runs, its outcome after,
 * retries with backoff, dead letters), retrying one, and listing them.
 */
#define _GNU_SOURCE
#include "out/notify.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/email.h"
#include "core/ndjson.h"
#include "core/secure.h"
#include "out/notify_int.h"
#include "store/store.h"

static int render_pdf(notify *n, const char *guard, char **pdf, size_t *len, char **name,
                      rejection *rj, armms_err *err)
{
    out_slip sl;
    *pdf = NULL;
    *len = 0;
    *name = NULL;
    int rc = slip_load(&n->run, guard, &sl, rj, err);
    if (!rc) {
        *name = xstrdup(sl.name ? sl.name : guard);
        slip_pdf *doc = NULL;
        FILE *f = open_memstream(pdf, len);
        if (!f)
            armms_fatal("out of memory");
        rc = slip_pdf_open(&doc, n->o.paper, n->run.stamp, err);
        if (!rc)
            rc = slip_pdf_add(doc, &sl, err);
        if (!rc)
            rc = slip_pdf_write(doc, f, err);
        slip_pdf_free(doc);
        if (fclose(f) != 0 && !rc)
            rc = err_set(err, EXIT_SOFTWARE, "cannot keep the payslip PDF in memory");
    }
    slip_free(&sl);
    return rc;
}

/* Record the outcome of a try: SENT, or RETRY with its next time, or DEAD. */
static int record_outcome(notify *n, long long id, int ok, int attempts, int permanent,
                          const char *why, armms_err *err)
{
    char next[32] = "";
    const char *status = ok                                           ? "SENT"
                         : permanent || attempts >= n->o.max_attempts ? "DEAD"
                                                                      : "RETRY";
    if (!strcmp(status, "RETRY")) {
        instant_t t = 0;
        iso_parse(n->now, &t, NULL);
        long long d = n->o.backoff_s;
        for (int i = 1; i < attempts && d < 86400; i++)
            d *= 2;
        if (d > 86400)
            d = 86400;
        iso_format_utc(t + (instant_t)d, next);
    }
    sqlite3_stmt *st;
    int rc = nf_tx_begin(n, err);
    if (!rc && !(rc = nf_prep(n, &st,
                              "UPDATE message SET status = ?2, next_at = ?3, last_error = ?4,"
                              " sent_at = CASE WHEN ?2 = 'SENT' THEN ?5 END WHERE message_id = ?1",
                              err))) {
        sqlite3_bind_int64(st, 1, id);
        sqlite3_bind_text(st, 2, status, -1, SQLITE_STATIC);
        if (next[0])
            sqlite3_bind_text(st, 3, next, -1, SQLITE_STATIC);
        if (!ok)
            sqlite3_bind_text(st, 4, why, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 5, n->now, -1, SQLITE_STATIC);
        rc = nf_step_done(n, st, "record a try", err);
    }
    if (!(rc = nf_tx_end(n, rc, err))) {
        if (ok)
            n->c.sent++;
        else if (!strcmp(status, "DEAD"))
            n->c.dead++;
        else
            n->c.retry++;
    }
    return rc;
}

/* Mark message id SENDING (a try counted) in its own committed
 * transaction: *claimed = 0 when it is no longer PENDING or RETRY. */
static int claim(notify *n, long long id, int *claimed, armms_err *err)
{
    sqlite3_stmt *st;
    *claimed = 0;
    int rc = nf_tx_begin(n, err);
    if (!rc && !(rc = nf_prep(n, &st,
                              "UPDATE message SET status = 'SENDING', attempts = attempts + 1,"
                              " tried_at = ?2 WHERE message_id = ?1"
                              " AND status IN ('PENDING', 'RETRY')",
                              err))) {
        sqlite3_bind_int64(st, 1, id);
        sqlite3_bind_text(st, 2, n->now, -1, SQLITE_STATIC);
        if (!(rc = nf_step_done(n, st, "mark a message as being sent", err)))
            *claimed = sqlite3_changes(n->db) == 1;
    }
    return nf_tx_end(n, rc, err);
}

/* Give a claimed try back (nothing was handed over): PENDING or RETRY
 * again, as it was, its try uncounted. */
static int unclaim(notify *n, long long id, armms_err *err)
{
    sqlite3_stmt *st;
    int rc = nf_tx_begin(n, err);
    if (!rc && !(rc = nf_prep(n, &st,
                              "UPDATE message SET attempts = attempts - 1, status = CASE WHEN"
                              " next_at IS NULL THEN 'PENDING' ELSE 'RETRY' END"
                              " WHERE message_id = ?1 AND status = 'SENDING'",
                              err))) {
        sqlite3_bind_int64(st, 1, id);
        rc = nf_step_done(n, st, "give a try back", err);
    }
    return nf_tx_end(n, rc, err);
}

static int write_dry(notify *n, const char *period, const char *guard, const strbuf *msg,
                     char **path, armms_err *err)
{
    *path = xasprintf("%s/%s-%s.eml", n->o.dry_dir, period, guard);
    FILE *f = caller_fopen(*path, "wb");
    if (!f)
        return err_set(err, EXIT_CANTCREAT, "cannot create %s: %s", *path, strerror(errno));
    int bad = fwrite(msg->s, 1, msg->len, f) != msg->len;
    bad |= fclose(f) != 0;
    return bad ? err_set(err, EXIT_IOERR, "cannot write %s: %s", *path, strerror(errno)) : 0;
}

static int deliver_one(notify *n, long long id, armms_err *err)
{
    sqlite3_stmt *st;
    if (nf_prep(n, &st,
                "SELECT event_id, period_id, guard_id, email, status, attempts FROM message"
                " WHERE message_id = ?1",
                err))
        return err->code;
    sqlite3_bind_int64(st, 1, id);
    if (sqlite3_step(st) != SQLITE_ROW) {
        sqlite3_finalize(st);
        return 0;
    }
    char *event_id = xstrdup(nf_col(st, 0)), *period = xstrdup(nf_col(st, 1));
    char *guard = xstrdup(nf_col(st, 2)), *mail = xstrdup(nf_col(st, 3));
    int due = !strcmp(nf_col(st, 4), "PENDING") || !strcmp(nf_col(st, 4), "RETRY");
    int attempts = sqlite3_column_int(st, 5);
    sqlite3_finalize(st);
    int rc = 0;
    char *pdf = NULL, *name = NULL, *path = NULL;
    size_t pdf_len = 0;
    strbuf msg, diag;
    sb_init(&msg);
    sb_init(&diag);
    rejection rj = {0};
    if (!due)
        goto done;
    if (!(rc = nf_load_run(n, period, err)))
        rc = render_pdf(n, guard, &pdf, &pdf_len, &name, &rj, err);
    if (rc == REJECTED) {
        /* the closed run has no payslip of this guard (now): it never will */
        char why[300];
        snprintf(why, sizeof why, "no payslip: %s", rj.msg);
        rc = record_outcome(n, id, 0, attempts + 1, 1, why, err);
        if (!rc)
            nf_emit_message(n, id);
        goto done;
    }
    if (rc)
        goto done;
    notify_mail m = {id,        event_id,     period, guard, mail,   name, n->run.agency,
                     n->o.from, n->o.subject, n->now, pdf,   pdf_len};
    notify_mail_build(&msg, &m);
    if (n->dry) {
        if (!(rc = write_dry(n, period, guard, &msg, &path, err))) {
            n->c.sent++;
            nf_emit_message_extra(n, id, "dry_run", path);
        }
        goto done;
    }
    int claimed;
    if ((rc = claim(n, id, &claimed, err)) || !claimed)
        goto done;
    int status;
    rc = notify_mail_submit(n->o.sendmail, msg.s, msg.len, &status, &diag, err);
    char why[600] = "";
    if (!rc && (status == 126 || status == 127)) {
        /* the shell found no mail program to run: the host's set-up, not
         * this message; nothing was handed over, so the try is given back
         * and the run stops before it fails every other message too */
        rc = unclaim(n, id, err);
        if (!rc)
            rc = err_set(err, EXIT_UNAVAILABLE,
                         "the mail program cannot be run (%s): install one that provides"
                         " /usr/sbin/sendmail (Debian msmtp-mta) or set ARMMS_SENDMAIL",
                         diag.len ? diag.s : "exit 127");
        goto done;
    }
    if (rc) {
        /* it could not even be started: a try that failed */
        snprintf(why, sizeof why, "%s", err->msg);
        memset(err, 0, sizeof *err);
        rc = 0;
        status = -1;
    } else if (status) {
        snprintf(why, sizeof why, "the mail program exited %d%s%s", status, diag.len ? ": " : "",
                 diag.len ? diag.s : "");
    }
    rc = record_outcome(n, id, status == 0, attempts + 1, 0, why, err);
    if (!rc)
        nf_emit_message(n, id);
done:
    free(event_id);
    free(period);
    free(guard);
    free(mail);
    free(pdf);
    free(name);
    free(path);
    sb_free(&msg);
    sb_free(&diag);
    return rc;
}

int notify_deliver(notify *n, long long id, armms_err *err)
{
    sqlite3_stmt *st;
    if (nf_prep(n, &st,
                id > 0 ? "SELECT message_id FROM message WHERE message_id = ?2"
                       : "SELECT message_id FROM message WHERE status = 'PENDING'"
                         " OR (status = 'RETRY' AND next_at <= ?1) ORDER BY message_id",
                err))
        return err->code;
    sqlite3_bind_text(st, 1, n->now, -1, SQLITE_STATIC);
    if (id > 0)
        sqlite3_bind_int64(st, 2, id);
    long long *ids = NULL;
    size_t nid = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        ids = xrealloc(ids, (nid + 1) * sizeof *ids);
        ids[nid++] = sqlite3_column_int64(st, 0);
    }
    sqlite3_finalize(st);
    int rc = 0;
    for (size_t i = 0; !rc && i < nid; i++)
        rc = deliver_one(n, ids[i], err);
    free(ids);
    return rc;
}

int notify_retry(notify *n, long long id, armms_err *err)
{
    sqlite3_stmt *st;
    if (nf_prep(n, &st, "SELECT status, guard_id, sent_at FROM message WHERE message_id = ?1",
                err))
        return err->code;
    sqlite3_bind_int64(st, 1, id);
    if (sqlite3_step(st) != SQLITE_ROW) {
        sqlite3_finalize(st);
        return err_set(err, EXIT_DATAERR, "no message %lld (armms-notify list shows them)", id);
    }
    char status[16], guard[128], sent[32];
    snprintf(status, sizeof status, "%s", nf_col(st, 0));
    snprintf(guard, sizeof guard, "%s", nf_col(st, 1));
    snprintf(sent, sizeof sent, "%s", nf_col(st, 2));
    sqlite3_finalize(st);
    if (!strcmp(status, "SENT"))
        return err_set(err, EXIT_DATAERR, "message %lld was sent at %s: it is not sent again", id,
                       sent);
    char *mail = NULL;
    int rc = nf_guard_email(n, guard, &mail, err);
    if (!rc && (!mail || !email_valid(mail, NULL)))
        rc = err_set(err, EXIT_DATAERR,
                     "guard %s has no usable e-mail address now (armms-import guard sets it)",
                     guard);
    if (!rc && !(rc = nf_tx_begin(n, err))) {
        if (!(rc = nf_prep(n, &st,
                           "UPDATE message SET status = 'RETRY', attempts = 0, next_at = ?2,"
                           " email = ?3 WHERE message_id = ?1",
                           err))) {
            sqlite3_bind_int64(st, 1, id);
            sqlite3_bind_text(st, 2, n->now, -1, SQLITE_STATIC);
            sqlite3_bind_text(st, 3, mail, -1, SQLITE_STATIC);
            rc = nf_step_done(n, st, "retry a message", err);
        }
        rc = nf_tx_end(n, rc, err);
    }
    free(mail);
    return rc ? rc : notify_deliver(n, id, err);
}

int notify_list(notify *n, const char *status, const char *period, int skipped, armms_err *err)
{
    sqlite3_stmt *st;
    if (nf_prep(n, &st,
                "SELECT " MESSAGE_COLS " FROM message WHERE (?1 IS NULL OR status = ?1)"
                " AND (?2 IS NULL OR period_id = ?2) ORDER BY message_id",
                err))
        return err->code;
    if (status)
        sqlite3_bind_text(st, 1, status, -1, SQLITE_STATIC);
    if (period)
        sqlite3_bind_text(st, 2, period, -1, SQLITE_STATIC);
    while (sqlite3_step(st) == SQLITE_ROW)
        if (n->fn)
            n->fn(nf_message_record(st), n->ctx);
    sqlite3_finalize(st);
    if (!skipped)
        return 0;
    if (nf_prep(n, &st,
                "SELECT event_id, period_id, guard_id, reason FROM skipped"
                " WHERE (?1 IS NULL OR period_id = ?1) ORDER BY period_id, guard_id",
                err))
        return err->code;
    if (period)
        sqlite3_bind_text(st, 1, period, -1, SQLITE_STATIC);
    while (sqlite3_step(st) == SQLITE_ROW)
        nf_emit_skipped(n, nf_col(st, 0), nf_col(st, 1), nf_col(st, 2), nf_col(st, 3));
    sqlite3_finalize(st);
    return 0;
}
