/*
 * notify.c - see notify.h: notify.db and its lease, the records printed,
 * the events taken from the journal or an input and the messages queued;
 * their delivery is notify_deliver.c's, their MIME text and the sendmail
 * call notify_mail.c's.
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
#include "store/consumed.h"
#include "store/journal.h"
#include "store/store.h"

/* notify.db's own schema: migration[k] takes user_version k to k+1. Never
 * edit a released one; add the next. */
static const char *const migrations[] = {
    "CREATE TABLE notify_meta(key TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT;"
    "INSERT INTO notify_meta VALUES ('store_id', lower(hex(randomblob(16))));" CONSUMED_DDL
    "CREATE TABLE message(message_id INTEGER PRIMARY KEY AUTOINCREMENT,"
    " event_id TEXT NOT NULL, seq INTEGER, period_id TEXT NOT NULL, guard_id TEXT NOT NULL,"
    " email TEXT NOT NULL, status TEXT NOT NULL"
    " CHECK (status IN ('PENDING','SENDING','SENT','RETRY','DEAD')),"
    " attempts INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0), next_at TEXT,"
    " last_error TEXT, queued_at TEXT NOT NULL, tried_at TEXT, sent_at TEXT,"
    " UNIQUE (event_id, guard_id)) STRICT;"
    "CREATE INDEX message_due ON message(status, next_at);"
    "CREATE INDEX message_period ON message(period_id, guard_id);"
    "CREATE TABLE skipped(event_id TEXT NOT NULL, period_id TEXT NOT NULL,"
    " guard_id TEXT NOT NULL, reason TEXT NOT NULL CHECK (reason IN ('NO_EMAIL','BAD_EMAIL')),"
    " at TEXT NOT NULL, PRIMARY KEY (event_id, guard_id)) STRICT;"
    "CREATE TABLE lease(one INTEGER PRIMARY KEY CHECK (one = 1), pid INTEGER NOT NULL,"
    " host TEXT NOT NULL, since TEXT NOT NULL) STRICT;",
};
#define NOTIFY_VERSION ((int)(sizeof migrations / sizeof *migrations))

/* A lease another host holds is taken over after this long: that host's
 * run is presumed dead (a tenant is processed on one host at a time). */
#define LEASE_FOREIGN_S (24 * 3600)

/* ---- SQL helpers ---- */

int nf_db_fail(notify *n, int rc, const char *what, armms_err *err)
{
    int code =
        (rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED ? EXIT_TEMPFAIL : EXIT_SOFTWARE;
    return err_set(err, code, "tenant %s: notify.db: cannot %s: %s", n->t->id, what,
                   sqlite3_errmsg(n->db));
}

static int exec(notify *n, const char *sql, const char *what, armms_err *err)
{
    int rc = sqlite3_exec(n->db, sql, NULL, NULL, NULL);
    return rc == SQLITE_OK ? 0 : nf_db_fail(n, rc, what, err);
}

/* A write: its own transaction, or in a dry run a savepoint of the run's
 * one transaction, which notify_close rolls back. */
int nf_tx_begin(notify *n, armms_err *err)
{
    return exec(n, n->dry ? "SAVEPOINT w" : "BEGIN IMMEDIATE", "start a transaction", err);
}
int nf_tx_commit(notify *n, armms_err *err)
{
    return exec(n, n->dry ? "RELEASE w" : "COMMIT", "commit", err);
}
void nf_tx_rollback(notify *n)
{
    sqlite3_exec(n->db, n->dry ? "ROLLBACK TO w; RELEASE w" : "ROLLBACK", NULL, NULL, NULL);
}

int nf_tx_end(notify *n, int rc, armms_err *err)
{
    if (rc) {
        nf_tx_rollback(n);
        return rc;
    }
    return nf_tx_commit(n, err);
}

int nf_step_done(notify *n, sqlite3_stmt *st, const char *what, armms_err *err)
{
    int s = sqlite3_step(st);
    sqlite3_finalize(st);
    return s == SQLITE_DONE ? 0 : nf_db_fail(n, s, what, err);
}

int nf_prep(notify *n, sqlite3_stmt **st, const char *sql, armms_err *err)
{
    int rc = sqlite3_prepare_v2(n->db, sql, -1, st, NULL);
    return rc == SQLITE_OK ? 0 : nf_db_fail(n, rc, "read", err);
}

const char *nf_col(sqlite3_stmt *st, int i)
{
    const unsigned char *s = sqlite3_column_text(st, i);
    return s ? (const char *)s : "";
}

/* ---- the store and its lease ---- */

static int migrate(notify *n, int from, armms_err *err)
{
    if (exec(n, "BEGIN IMMEDIATE", "migrate", err))
        return err->code;
    for (int k = from; k < NOTIFY_VERSION; k++)
        if (sqlite3_exec(n->db, migrations[k], NULL, NULL, NULL) != SQLITE_OK) {
            err_set(err, EXIT_SOFTWARE, "tenant %s: notify.db: migration %d failed: %s", n->t->id,
                    k + 1, sqlite3_errmsg(n->db));
            sqlite3_exec(n->db, "ROLLBACK", NULL, NULL, NULL);
            return err->code;
        }
    char sql[96];
    snprintf(sql, sizeof sql, "PRAGMA application_id=%d; PRAGMA user_version=%d;", ARMMS_APP_ID,
             NOTIFY_VERSION);
    if (exec(n, sql, "migrate", err) || exec(n, "COMMIT", "migrate", err)) {
        sqlite3_exec(n->db, "ROLLBACK", NULL, NULL, NULL);
        return err->code;
    }
    return 0;
}

static int pragma_int(notify *n, const char *sql, int *v)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(n->db, sql, -1, &st, NULL) != SQLITE_OK)
        return -1;
    int rc = sqlite3_step(st);
    *v = rc == SQLITE_ROW ? sqlite3_column_int(st, 0) : 0;
    sqlite3_finalize(st);
    return rc == SQLITE_ROW ? 0 : -1;
}

static int open_db(notify *n, armms_err *err)
{
    char *path = tenant_path(n->t, "notify.db");
    int exists = access(path, F_OK) == 0;
    /* a dry run never makes the file: a first dry run works in memory */
    const char *name = n->dry && !exists ? ":memory:" : path;
    int rc = sqlite3_open_v2(name, &n->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);
    free(path);
    if (rc != SQLITE_OK)
        return err_set(err, EXIT_CANTCREAT, "tenant %s: cannot open notify.db: %s", n->t->id,
                       n->db ? sqlite3_errmsg(n->db) : "out of memory");
    sqlite3_busy_timeout(n->db, n->t->wait_ms);
    int app = 0, ver = 0;
    if (pragma_int(n, "PRAGMA application_id", &app) || pragma_int(n, "PRAGMA user_version", &ver))
        return nf_db_fail(n, sqlite3_errcode(n->db), "read its version", err);
    if ((app && app != ARMMS_APP_ID) || ver > NOTIFY_VERSION)
        return err_set(err, EXIT_CONFIG,
                       "tenant %s: notify.db is %s (version %d; this armms-notify knows %d)",
                       n->t->id, app && app != ARMMS_APP_ID ? "not an ARMMS store" : "newer", ver,
                       NOTIFY_VERSION);
    if (ver < NOTIFY_VERSION && migrate(n, ver, err))
        return err->code;
    return 0;
}

/* Take the lease, waiting up to the tenant's wait for a live holder; then
 * a SENDING row is a dead holder's (invariant 2). */
static int take_lease(notify *n, armms_err *err)
{
    long waited = 0;
    pid_t me = getpid();
    for (;;) {
        if (exec(n, "BEGIN IMMEDIATE", "take the lease", err))
            return err->code;
        sqlite3_stmt *st;
        if (nf_prep(n, &st, "SELECT pid, host, since FROM lease", err)) {
            sqlite3_exec(n->db, "ROLLBACK", NULL, NULL, NULL);
            return err->code;
        }
        int held = 0;
        char who[400] = "";
        if (sqlite3_step(st) == SQLITE_ROW) {
            pid_t pid = (pid_t)sqlite3_column_int64(st, 0);
            const char *host = nf_col(st, 1), *since = nf_col(st, 2);
            instant_t at = 0, now = 0;
            iso_parse(since, &at, NULL);
            iso_parse(n->now, &now, NULL);
            if (!strcmp(host, n->host))
                held = pid != me && (kill(pid, 0) == 0 || errno == EPERM);
            else
                held = now - at < LEASE_FOREIGN_S;
            snprintf(who, sizeof who, "process %ld on %s since %s", (long)pid, host, since);
        }
        sqlite3_finalize(st);
        if (!held)
            break;
        sqlite3_exec(n->db, "ROLLBACK", NULL, NULL, NULL);
        if (waited >= n->t->wait_ms)
            return err_set(err, EXIT_TEMPFAIL,
                           "tenant %s: another armms-notify is delivering (%s)", n->t->id, who);
        usleep(200 * 1000);
        waited += 200;
    }
    sqlite3_stmt *st;
    int rc = nf_prep(n, &st, "INSERT OR REPLACE INTO lease VALUES (1, ?1, ?2, ?3)", err);
    if (!rc) {
        sqlite3_bind_int64(st, 1, me);
        sqlite3_bind_text(st, 2, n->host, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, n->now, -1, SQLITE_STATIC);
        rc = nf_step_done(n, st, "take the lease", err);
    }
    /* a dead run's SENDING rows: never resent by themselves (notify.h) */
    long long *ids = NULL;
    size_t nid = 0;
    if (!rc && !(rc = nf_prep(n, &st,
                              "SELECT message_id FROM message WHERE status = 'SENDING'"
                              " ORDER BY 1",
                              err))) {
        while (sqlite3_step(st) == SQLITE_ROW) {
            ids = xrealloc(ids, (nid + 1) * sizeof *ids);
            ids[nid++] = sqlite3_column_int64(st, 0);
        }
        sqlite3_finalize(st);
    }
    if (!rc && nid &&
        !(rc =
              nf_prep(n, &st,
                      "UPDATE message SET status = 'DEAD', last_error = 'interrupted: the run that"
                      " was handing it to sendmail at ' || coalesce(tried_at, '?') || ' ended"
                      " before it learned the outcome; it may have been delivered (see the mail"
                      " log) - armms-notify retry sends it again'"
                      " WHERE status = 'SENDING'",
                      err)))
        rc = nf_step_done(n, st, "mark interrupted messages", err);
    if (!rc)
        rc = exec(n, "COMMIT", "take the lease", err);
    else
        sqlite3_exec(n->db, "ROLLBACK", NULL, NULL, NULL);
    if (!rc) {
        n->lease = 1;
        n->c.interrupted += (long)nid;
        for (size_t i = 0; i < nid; i++)
            nf_emit_message(n, ids[i]);
    }
    free(ids);
    return rc;
}

int notify_open(notify **np, tenant_t *t, const notify_opts *o, int take, notify_record_fn fn,
                void *ctx, armms_err *err)
{
    notify *n = xcalloc(1, sizeof *n);
    *np = n;
    n->t = t;
    n->o = *o;
    n->dry = o->dry_dir != NULL;
    n->fn = fn;
    n->ctx = ctx;
    now_iso(n->now);
    if (gethostname(n->host, sizeof n->host - 1) != 0)
        snprintf(n->host, sizeof n->host, "localhost");
    int rc = store_open_ro(&n->pay, t, "pay", err);
    if (!rc) {
        n->pay_open = 1;
        rc = store_attach_ro(&n->pay, "hr", err);
    }
    if (!rc)
        rc = open_db(n, err);
    if (!rc && n->dry)
        rc = exec(n, "BEGIN IMMEDIATE", "start the dry run", err);
    else if (!rc && take)
        rc = take_lease(n, err);
    return rc;
}

void notify_close(notify *n)
{
    if (!n)
        return;
    if (n->db && n->dry)
        sqlite3_exec(n->db, "ROLLBACK", NULL, NULL, NULL);
    else if (n->db && n->lease) {
        sqlite3_stmt *st;
        if (sqlite3_prepare_v2(n->db, "DELETE FROM lease WHERE pid = ?1 AND host = ?2", -1, &st,
                               NULL) == SQLITE_OK) {
            sqlite3_bind_int64(st, 1, getpid());
            sqlite3_bind_text(st, 2, n->host, -1, SQLITE_STATIC);
            sqlite3_step(st);
            sqlite3_finalize(st);
        }
    }
    if (n->db)
        sqlite3_close(n->db);
    if (n->pay_open)
        store_close(&n->pay);
    free(n);
}

const notify_counts *notify_counts_of(const notify *n)
{
    return &n->c;
}

/* ---- records ---- */

static jv text_or_null(sqlite3_stmt *st, int i)
{
    return sqlite3_column_type(st, i) == SQLITE_NULL ? jv_null() : jv_string(nf_col(st, i));
}

jv nf_message_record(sqlite3_stmt *st)
{
    jv r = jv_object();
    r = jv_object_set(r, jv_string("kind"), jv_string("NotifyMessage"));
    r = jv_object_set(r, jv_string("v"), jv_number(1));
    r = jv_object_set(r, jv_string("message_id"), jv_number((double)sqlite3_column_int64(st, 0)));
    r = jv_object_set(r, jv_string("event_id"), jv_string(nf_col(st, 1)));
    r = jv_object_set(r, jv_string("seq"),
                      sqlite3_column_type(st, 2) == SQLITE_NULL
                          ? jv_null()
                          : jv_number((double)sqlite3_column_int64(st, 2)));
    r = jv_object_set(r, jv_string("period"), jv_string(nf_col(st, 3)));
    r = jv_object_set(r, jv_string("guard_id"), jv_string(nf_col(st, 4)));
    r = jv_object_set(r, jv_string("email"), jv_string(nf_col(st, 5)));
    r = jv_object_set(r, jv_string("status"), jv_string(nf_col(st, 6)));
    r = jv_object_set(r, jv_string("attempts"), jv_number(sqlite3_column_int(st, 7)));
    r = jv_object_set(r, jv_string("next_at"), text_or_null(st, 8));
    r = jv_object_set(r, jv_string("last_error"), text_or_null(st, 9));
    r = jv_object_set(r, jv_string("queued_at"), jv_string(nf_col(st, 10)));
    r = jv_object_set(r, jv_string("tried_at"), text_or_null(st, 11));
    r = jv_object_set(r, jv_string("sent_at"), text_or_null(st, 12));
    return r;
}

void nf_emit_message_extra(notify *n, long long id, const char *key, const char *val)
{
    sqlite3_stmt *st;
    armms_err e = {0};
    if (!n->fn ||
        nf_prep(n, &st, "SELECT " MESSAGE_COLS " FROM message WHERE message_id = ?1", &e))
        return;
    sqlite3_bind_int64(st, 1, id);
    if (sqlite3_step(st) == SQLITE_ROW) {
        jv r = nf_message_record(st);
        if (key)
            r = jv_object_set(r, jv_string(key), jv_string(val));
        n->fn(r, n->ctx);
    }
    sqlite3_finalize(st);
}

void nf_emit_message(notify *n, long long id)
{
    nf_emit_message_extra(n, id, NULL, NULL);
}

void nf_emit_skipped(notify *n, const char *event_id, const char *period, const char *guard,
                     const char *reason)
{
    if (!n->fn)
        return;
    jv r = jv_object();
    r = jv_object_set(r, jv_string("kind"), jv_string("NotifySkipped"));
    r = jv_object_set(r, jv_string("v"), jv_number(1));
    r = jv_object_set(r, jv_string("event_id"), jv_string(event_id));
    r = jv_object_set(r, jv_string("period"), jv_string(period));
    r = jv_object_set(r, jv_string("guard_id"), jv_string(guard));
    r = jv_object_set(r, jv_string("reason"), jv_string(reason));
    n->fn(r, n->ctx);
}

/* ---- the payrun and its guards ---- */

int nf_load_run(notify *n, const char *period, armms_err *err)
{
    if (n->run_ok && !strcmp(n->run_period, period))
        return 0;
    n->run_ok = 0;
    int rc = slip_run_open(&n->run, &n->pay, n->t, period, err);
    if (rc)
        return rc;
    snprintf(n->run_period, sizeof n->run_period, "%s", period);
    n->run_ok = 1;
    return 0;
}

/* The guard's address in hr.db: 0 with *mail (malloc'd, NULL when none). */
int nf_guard_email(notify *n, const char *guard, char **mail, armms_err *err)
{
    sqlite3_stmt *st;
    *mail = NULL;
    int rc = sqlite3_prepare_v2(n->pay.db, "SELECT email FROM hr.guard WHERE guard_id = ?1", -1,
                                &st, NULL);
    if (rc != SQLITE_OK)
        return store_fail(&n->pay, rc, "read the guards' e-mail addresses", err);
    sqlite3_bind_text(st, 1, guard, -1, SQLITE_STATIC);
    if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) == SQLITE_TEXT &&
        sqlite3_column_bytes(st, 0) > 0)
        *mail = xstrdup((const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    return 0;
}

/* ---- events ---- */

/* Queue the messages of a PayrunClosed event (ev looked at). */
static int take_event(notify *n, jv ev, long long seq, rejection *rj, armms_err *err)
{
    int bad = 0;
    const char *event_id = json_str_peek(ev, "event_id", &bad);
    const char *tenant = json_str_peek(ev, "tenant_id", &bad);
    if (!event_id || !*event_id || strlen(event_id) > 64)
        return rejection_set(rj, "BAD_FIELD", "event_id: missing, or not a string of 1 to 64");
    if (tenant && strcmp(tenant, n->t->id))
        return rejection_set(rj, "WRONG_TENANT", "an event of tenant %.64s, not %s", tenant,
                             n->t->id);
    jv pl = jv_object_get(jv_copy(ev), jv_string("payload"));
    char period[16] = "";
    const char *p = jv_get_kind(pl) == JV_KIND_OBJECT ? json_str_peek(pl, "period", &bad) : NULL;
    if (p && strlen(p) < sizeof period)
        snprintf(period, sizeof period, "%s", p);
    jv_free(pl);
    if (!period[0])
        return rejection_set(rj, "BAD_FIELD", "payload.period: missing or not a period id");
    int seen;
    if (consumed_seen(n->db, NOTIFY_CONSUMER, event_id, &seen, err))
        return err->code;
    if (seen) {
        n->c.seen++;
        return 0;
    }
    armms_err e2 = {0};
    int rc = nf_load_run(n, period, &e2);
    if (rc == EXIT_DATAERR || (!rc && strcmp(n->run.status, "CLOSED")))
        return rejection_set(rj, "NOT_CLOSED", "the payrun of %s is %s in pay.db", period,
                             rc ? "missing or not approved" : n->run.status);
    if (rc) {
        *err = e2;
        return rc;
    }
    char **guards = NULL;
    size_t ng = 0;
    if ((rc = slip_run_guards(&n->run, &guards, &ng, err)))
        return rc;
    sqlite3_stmt *ins = NULL, *skip = NULL;
    char **skipped = xcalloc(ng + 1, sizeof *skipped);
    if (!(rc = nf_tx_begin(n, err)) &&
        !(rc = nf_prep(n, &ins,
                       "INSERT OR IGNORE INTO message(event_id, seq, period_id, guard_id, email,"
                       " status, queued_at) VALUES (?1, ?2, ?3, ?4, ?5, 'PENDING', ?6)",
                       err)))
        rc = nf_prep(n, &skip, "INSERT OR IGNORE INTO skipped VALUES (?1, ?2, ?3, ?4, ?5)", err);
    long queued = 0, nskip = 0;
    for (size_t i = 0; !rc && i < ng; i++) {
        char *mail = NULL;
        if ((rc = nf_guard_email(n, guards[i], &mail, err)))
            break;
        const char *reason = !mail ? "NO_EMAIL" : !email_valid(mail, NULL) ? "BAD_EMAIL" : NULL;
        sqlite3_stmt *st = reason ? skip : ins;
        sqlite3_bind_text(st, 1, event_id, -1, SQLITE_STATIC);
        if (reason) {
            sqlite3_bind_text(st, 2, period, -1, SQLITE_STATIC);
            sqlite3_bind_text(st, 3, guards[i], -1, SQLITE_STATIC);
            sqlite3_bind_text(st, 4, reason, -1, SQLITE_STATIC);
            sqlite3_bind_text(st, 5, n->now, -1, SQLITE_STATIC);
            skipped[i] = (char *)reason;
        } else {
            if (seq > 0)
                sqlite3_bind_int64(st, 2, seq);
            else
                sqlite3_bind_null(st, 2);
            sqlite3_bind_text(st, 3, period, -1, SQLITE_STATIC);
            sqlite3_bind_text(st, 4, guards[i], -1, SQLITE_STATIC);
            sqlite3_bind_text(st, 5, mail, -1, SQLITE_STATIC);
            sqlite3_bind_text(st, 6, n->now, -1, SQLITE_STATIC);
        }
        int s = sqlite3_step(st);
        sqlite3_reset(st);
        free(mail);
        if (s != SQLITE_DONE)
            rc = nf_db_fail(n, s, "queue a message", err);
        else if (reason)
            nskip++;
        else
            queued++;
    }
    sqlite3_finalize(ins);
    sqlite3_finalize(skip);
    if (!rc)
        rc = consumed_record(n->db, NOTIFY_CONSUMER, event_id, seq, n->now, NULL, err);
    if (!(rc = nf_tx_end(n, rc, err))) {
        n->c.closed++;
        n->c.queued += queued;
        n->c.skipped += nskip;
        for (size_t i = 0; i < ng; i++)
            if (skipped[i])
                nf_emit_skipped(n, event_id, period, guards[i], skipped[i]);
    }
    for (size_t i = 0; i < ng; i++)
        free(guards[i]);
    free(guards);
    free(skipped);
    return rc;
}

/* An event envelope's type is a fixed field early in the line. */
static int is_payrun_closed(const char *line, size_t len)
{
    const char *end = line + (len < 240 ? len : 240);
    const char *ty = memmem(line, (size_t)(end - line), "\"event_type\":\"", 14);
    return ty && !strncmp(ty + 14, "PayrunClosed\"", 13);
}

typedef struct pull {
    notify *n;
    reject_sink *rej;
    long long from, done; /* the cursor; the last seq wholly taken */
    armms_err *err;
} pull;

static int pull_cb(const char *line, size_t len, void *vctx)
{
    pull *p = vctx;
    long long seq = journal_line_seq(line, len);
    if (seq <= p->from)
        return 0;
    p->n->c.events++;
    if (is_payrun_closed(line, len)) {
        rejection rj = {0};
        jv ev = ndjson_parse_object(line, len, &rj);
        int rc = jv_is_valid(ev) ? take_event(p->n, ev, seq, &rj, p->err) : REJECTED;
        jv_free(ev);
        if (rc == REJECTED) {
            /* a close this store cannot act on (pay.db does not hold the
             * run closed): told, and passed, as payroll's inbox passes a
             * refused snapshot; it never blocks the events after it */
            reject_emit(p->rej, &rj, "journal", seq, line, len);
            p->n->c.rejected++;
        } else if (rc) {
            return rc;
        }
    }
    p->done = seq;
    return 0;
}

int notify_take_journal(notify *n, reject_sink *rej, armms_err *err)
{
    pull p = {n, rej, 0, 0, err};
    int rc = journal_cursor_get(n->t, NOTIFY_CURSOR, &p.from, err);
    if (rc)
        return rc;
    p.done = p.from;
    rc = journal_each_after(n->t, p.from, pull_cb, &p, err);
    /* every event up to done has committed (or was passed over): the
     * cursor may pass them, even when a later one failed */
    if (!n->dry && p.done > p.from) {
        armms_err e2 = {0};
        if (journal_cursor_set(n->t, NOTIFY_CURSOR, p.done, &e2) && !rc) {
            *err = e2;
            rc = e2.code;
        }
    }
    return rc;
}

int notify_take_line(notify *n, const char *line, size_t len, rejection *rj, armms_err *err)
{
    n->c.events++;
    jv ev = ndjson_parse_object(line, len, rj);
    if (!jv_is_valid(ev)) {
        jv_free(ev);
        n->c.rejected++;
        return REJECTED;
    }
    int bad = 0, rc = 0;
    const char *type = json_str_peek(ev, "event_type", &bad);
    if (!type || bad)
        rc = rejection_set(rj, "BAD_FIELD",
                           "event_type: missing (an event envelope, as the"
                           " journal and the broker carry it, is expected)");
    else if (!strcmp(type, "PayrunClosed")) {
        jv s = jv_object_get(jv_copy(ev), jv_string("seq"));
        long long seq = jv_get_kind(s) == JV_KIND_NUMBER ? (long long)jv_number_value(s) : 0;
        jv_free(s);
        rc = take_event(n, ev, seq, rj, err);
    }
    jv_free(ev);
    if (rc == REJECTED)
        n->c.rejected++;
    return rc;
}
