/*
 * ingest_commit.c - batches and "committed is reported" (see ingest.h):
 * the open batch's transaction, its commit (ingest_flush), writing its
 * records out only after that, and the clock_event_unsent list that marks
 * committed batches sent once written (ingest_replay_unsent writes those
 * a crashed run never wrote).
 *
 * Invariants: nothing reaches the output before its batch committed; a
 * batch's unsent row is deleted only inside a later transaction, after
 * its records were written without error; a failed commit is sticky
 * (in->failed) and nothing more lands.
 */
#include <assert.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/handoff.h"
#include "core/secure.h"
#include "core/ulid.h"
#include "store/journal.h"

#include "tk/ingest_int.h"

/* Delete the unsent rows whose records were written, inside the open
 * transaction (they stay listed until it commits). */
static int ack_in_tx(ingest_t *in, armms_err *err)
{
    for (int i = 0; i < in->nacks; i++) {
        sqlite3_bind_int64(in->unsent_del, 1, in->acks[i]);
        int rc = sqlite3_step(in->unsent_del);
        sqlite3_reset(in->unsent_del);
        if (rc != SQLITE_DONE)
            return store_fail(&in->s, rc, "marking clock events sent", err);
    }
    in->acks_tx = in->nacks;
    return 0;
}

static void acks_done(ingest_t *in)
{
    if (in->nacks > in->acks_tx) /* acks is NULL until the first ack */
        memmove(in->acks, in->acks + in->acks_tx,
                sizeof *in->acks * (size_t)(in->nacks - in->acks_tx));
    in->nacks -= in->acks_tx;
    in->acks_tx = 0;
}

static void ack_later(ingest_t *in, sqlite3_int64 row)
{
    if (in->nacks == in->capacks) {
        in->capacks = in->capacks ? 2 * in->capacks : 16;
        in->acks = xrealloc(in->acks, sizeof *in->acks * (size_t)in->capacks);
    }
    in->acks[in->nacks++] = row;
}

/* Mark the written batches sent in a transaction of their own (a failure
 * only means they are written again by a later run). */
void ing_ack_now(ingest_t *in)
{
    armms_err e = {0};
    if (!in->nacks || in->in_tx || store_begin(&in->s, &e))
        return;
    if (ack_in_tx(in, &e)) {
        store_rollback(&in->s);
        in->acks_tx = 0;
    } else if (store_commit(&in->s, &e) == 0) {
        acks_done(in);
    } else {
        in->acks_tx = 0;
    }
}

int ing_ensure_tx(ingest_t *in, armms_err *err)
{
    if (in->failed.code) {
        *err = in->failed;
        return err->code;
    }
    if (in->in_tx)
        return 0;
    if (store_begin(&in->s, err))
        return err->code;
    in->in_tx = 1;
    in->in_batch = 0;
    in->at_tx = in->n;
    in->first = in->last = 0;
    /* what the writer journaled (a failure leaves them to a later prune) */
    if (in->prune_to > in->pruned && journal_prune(in->s.db, in->prune_to) == 0)
        in->pruned = in->prune_to;
    if (ack_in_tx(in, err)) {
        store_rollback(&in->s);
        in->in_tx = 0;
        in->acks_tx = 0;
        return err->code;
    }
    return 0;
}

static const char rows_sql[] =
    "SELECT " CE_ROW_COLUMNS " FROM clock_event WHERE rowid BETWEEN ?1 AND ?2 ORDER BY rowid";

/* The records of clock_event rows first..last, read back from the store
 * once they committed (so a batch's records are never all held in memory),
 * through *st (prepared on db when NULL) and p, to out. */
static int write_rows(sqlite3 *db, sqlite3_stmt **st, strbuf *p, FILE *out, sqlite3_int64 first,
                      sqlite3_int64 last)
{
    if (!*st && sqlite3_prepare_v2(db, rows_sql, -1, st, NULL) != SQLITE_OK)
        return -1;
    sqlite3_bind_int64(*st, 1, first);
    sqlite3_bind_int64(*st, 2, last);
    int rc;
    while ((rc = sqlite3_step(*st)) == SQLITE_ROW) {
        ce_record_of_row(p, *st);
        sb_addc(p, '\n');
        if (p->len >= 1 << 16) {
            fwrite(p->s, 1, p->len, out);
            sb_reset(p);
        }
    }
    sqlite3_reset(*st);
    return rc == SQLITE_DONE ? 0 : -1;
}

/* Write out what committed: what pending holds, then the new clock events
 * first..last (none when first is 0); on success the batch's unsent row
 * (if any) is deleted with the next transaction. A batch whose rows cannot
 * be read back stays unsent: a later run writes it. */
static void report(ingest_t *in, sqlite3_int64 unsent, sqlite3_int64 first, sqlite3_int64 last)
{
    int bad = first && write_rows(in->s.db, &in->rows, &in->pending, in->out, first, last) != 0;
    if (in->pending.len) {
        fwrite(in->pending.s, 1, in->pending.len, in->out);
        sb_reset(&in->pending);
    }
    if (fflush(in->out) == 0 && !ferror(in->out) && !bad && unsent)
        ack_later(in, unsent);
}

/*
 * The writer: a thread that journals each committed batch and then writes
 * its records, while the run checks and stores the next batch. The order
 * of a batch's steps is the one a run on its own keeps (commit, journal
 * append and fsync, then the records, then the unsent row deleted by a
 * later transaction); only the next batch's work overlaps them. One batch
 * is in the writer's hands at most: ingest_flush waits for it before it
 * hands over the next, and before it returns to a caller (the tool's last
 * flush, the idle hook, a replay), so whatever ingest_flush reports
 * committed is journaled and written when it returns. The writer reads
 * through a read-only connection of its own and writes nothing to tk.db:
 * the outbox rows it journaled are pruned by the run's next transaction,
 * and its unsent row is deleted by the run (ack_later) once the writer
 * says its records were written. A failed append is sticky, as a failed
 * commit is: the batch's records are still written (they are recorded),
 * the run stops taking input, and the next run's store_open appends what
 * is left. ARMMS_INGEST_SERIAL=1 keeps it all on one thread.
 */
typedef struct ing_writer {
    handoff h;
    sqlite3_int64 unsent, first, last; /* the batch in its hands */
    int written;                       /* done: its records were written */
    long long mark;                    /* done: tk outbox rows journaled up to */
    armms_err err;                     /* the first append that failed */
    ingest_t *in;
    store_t s; /* its own read-only connection */
    sqlite3_stmt *rows;
    strbuf buf;
} ing_writer;

static void writer_job(void *job)
{
    ing_writer *w = job;
    ingest_t *in = w->in;
    armms_err e = {0};
    long long mark = 0;
    if (!w->err.code && journal_flush_ro(in->t, w->s.db, "tk", &mark, &e))
        w->err = e;
    int bad = w->first && write_rows(w->s.db, &w->rows, &w->buf, in->out, w->first, w->last) != 0;
    if (w->buf.len) {
        fwrite(w->buf.s, 1, w->buf.len, in->out);
        sb_reset(&w->buf);
    }
    w->written = fflush(in->out) == 0 && !ferror(in->out) && !bad;
    w->mark = mark;
}

/* Start the writer, unless ARMMS_INGEST_SERIAL says not to; without a
 * connection or a thread for it the run goes on writing on its own. */
static void writer_start(ingest_t *in)
{
    const char *serial = armms_env("ARMMS_INGEST_SERIAL");
    if (serial && *serial && strcmp(serial, "0") != 0)
        return;
    ing_writer *w = xcalloc(1, sizeof *w);
    w->in = in;
    sb_init(&w->buf);
    armms_err e = {0};
    if (store_open_ro(&w->s, in->t, "tk", &e)) {
        sb_free(&w->buf);
        free(w);
        return;
    }
    /* it reads a batch's rows once, in order: a small cache does */
    sqlite3_exec(w->s.db, "PRAGMA cache_size=-2048", NULL, NULL, NULL);
    if (handoff_start(&w->h, writer_job, w) != 0) {
        store_close(&w->s);
        sb_free(&w->buf);
        free(w);
        return;
    }
    in->writer = w;
    in->s.defer_journal = 1;
}

/* Wait until the writer is done with its batch, and take what it did: an
 * unsent row to delete, outbox rows to prune, or an append that failed
 * (then in->failed, and err, say so). */
static int writer_wait(ingest_t *in, armms_err *err)
{
    ing_writer *w = in->writer;
    if (!w)
        return 0;
    handoff_wait(&w->h);
    if (w->written && w->unsent)
        ack_later(in, w->unsent);
    w->unsent = 0;
    if (w->mark > in->prune_to)
        in->prune_to = w->mark;
    if (w->err.code && !in->failed.code)
        in->failed = w->err;
    if (in->failed.code && !err->code)
        *err = in->failed;
    return in->failed.code ? err->code : 0;
}

static void writer_post(ingest_t *in, sqlite3_int64 unsent, sqlite3_int64 first,
                        sqlite3_int64 last)
{
    ing_writer *w = in->writer;
    w->unsent = unsent;
    w->first = first;
    w->last = last;
    w->written = 0;
    w->mark = 0;
    handoff_post(&w->h);
}

/* Wait for the writer, end its thread, and append what it left (nothing,
 * unless an append failed) and prune the outbox through the run's own
 * connection, as a run on its own does at each commit. */
int ing_writer_stop(ingest_t *in, armms_err *err)
{
    ing_writer *w = in->writer;
    if (!w)
        return 0;
    int rc = writer_wait(in, err);
    handoff_stop(&w->h);
    sqlite3_finalize(w->rows);
    store_close(&w->s);
    sb_free(&w->buf);
    free(w);
    in->writer = NULL;
    in->s.defer_journal = 0;
    if (!rc && !in->in_tx && journal_flush(in->t, in->s.db, "tk", NULL, err)) {
        in->failed = *err;
        rc = err->code;
    }
    return rc;
}

/* Commit the open batch and report it: through the writer when there is
 * one (handed over once the batch before is done), else here. */
static int flush_batch(ingest_t *in, armms_err *err)
{
    if (in->failed.code) {
        *err = in->failed;
        return err->code;
    }
    if (!in->in_tx)
        return 0;
    in->in_tx = 0;
    sqlite3_int64 unsent = 0;
    int bad = 0;
    /* The batch before is journaled and written first (by now the writer
     * is most likely done with it): its unsent row then goes with this
     * transaction, and an append that failed stops the run before this
     * batch lands, as it does on one thread. */
    if (in->writer && (writer_wait(in, err) || ack_in_tx(in, err))) {
        bad = err->code;
        store_rollback(&in->s);
    }
    if (in->first)
        in->unfiled += in->last - in->first + 1;
    if (in->unfiled && !bad && (!in->batch_full || in->unfiled >= INGEST_FILE_EVERY)) {
        /* the clock events by guard (tk_file_guards), once a run rather
         * than every batch: each time is a pass over most of its pages */
        if (tk_file_guards(in->s.db, NULL) != SQLITE_OK) {
            bad =
                store_fail(&in->s, sqlite3_errcode(in->s.db), "filing clock events by guard", err);
            store_rollback(&in->s);
        } else {
            in->unfiled = 0;
        }
    }
    if (in->first && !bad) {
        sqlite3_bind_int64(in->unsent_ins, 1, in->first);
        sqlite3_bind_int64(in->unsent_ins, 2, in->last);
        sqlite3_bind_text(in->unsent_ins, 3, in->owner, -1, SQLITE_STATIC);
        int rc = sqlite3_step(in->unsent_ins);
        sqlite3_reset(in->unsent_ins);
        if (rc != SQLITE_DONE) {
            bad = store_fail(&in->s, rc, "listing clock events to write", err);
            store_rollback(&in->s);
        } else {
            unsent = sqlite3_last_insert_rowid(in->s.db);
        }
    }
    if (bad)
        in->s.committed = 0; /* nothing of this batch was */
    if (bad || store_commit(&in->s, err)) {
        in->failed = *err;
        if (!in->s.committed) {
            /* Rolled back: its events were never recorded, so never
             * report them, and stop here rather than guess. */
            in->n.accepted = in->at_tx.accepted;
            in->n.held = in->at_tx.held;
            in->n.released = in->at_tx.released;
            in->batch_accepted = 0;
            in->acks_tx = 0;
            return err->code;
        }
        /* COMMIT happened and only the journal append after it failed
         * (the next run's store_open journals the outbox): the events are
         * recorded, so report them and count them, then stop. */
    }
    acks_done(in);
    in->batch_accepted = 0;
    if (in->o.progress)
        in->o.progress(&in->n, in->o.progress_ctx);
    if (in->crash_after && ++in->commits >= in->crash_after)
        _exit(EXIT_SOFTWARE); /* test hook: a crash between commit and output */
    /* Only now, with the batch committed, journal and report its events. */
    assert(!in->in_tx);
    if (in->writer) {
        writer_post(in, unsent, in->first, in->last);
    } else {
        report(in, unsent, in->first, in->last);
    }
    return in->failed.code ? err->code : 0;
}

/* File what the run left unfiled in a transaction of its own, when its
 * last commit was a full batch's (a commit that ends a run or a pause
 * files in it). Best effort: rows past the mark are read all the same,
 * and the next run or armms-timelog files them. */
static void file_alone(ingest_t *in)
{
    armms_err e = {0};
    if (!in->unfiled || in->in_tx || store_begin(&in->s, &e))
        return;
    if (tk_file_guards(in->s.db, NULL) != SQLITE_OK)
        store_rollback(&in->s);
    else if (store_commit(&in->s, &e) == 0)
        in->unfiled = 0;
}

int ingest_flush(ingest_t *in, armms_err *err)
{
    int rc = flush_batch(in, err);
    int wrc = writer_wait(in, err);
    if (!rc && !wrc)
        file_alone(in);
    return rc ? rc : wrc;
}

int ing_batch_step(ingest_t *in, armms_err *err)
{
    if (++in->in_batch < in->o.batch)
        return 0;
    /* A run that fills a batch has more to come, most likely: from here
     * on the writer journals and writes while it goes on. */
    if (!in->writer_tried) {
        in->writer_tried = 1;
        writer_start(in);
    }
    in->batch_full = 1;
    int rc = flush_batch(in, err);
    in->batch_full = 0;
    return rc;
}

int tk_file_guards(sqlite3 *db, long long *filed)
{
    int rc = sqlite3_exec(db,
                          "INSERT INTO clock_event_guard(guard_id, ts, ce)"
                          " SELECT guard_id, ts, rowid FROM clock_event c WHERE " TK_SQL_UNFILED
                          " ORDER BY guard_id, ts, rowid",
                          NULL, NULL, NULL);
    long long n = rc == SQLITE_OK ? sqlite3_changes64(db) : 0;
    if (rc == SQLITE_OK && n > 0)
        rc = sqlite3_exec(db,
                          "UPDATE clock_event_filed SET upto ="
                          " (SELECT coalesce(max(rowid), 0) FROM clock_event)",
                          NULL, NULL, NULL);
    if (filed)
        *filed = n;
    return rc;
}

int tk_guards_unfiled(sqlite3 *db)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(db,
                                "SELECT (SELECT coalesce(max(rowid), 0) FROM clock_event) >"
                                " (SELECT upto FROM clock_event_filed)",
                                -1, &st, NULL);
    int v = rc == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int(st, 0) : -1;
    sqlite3_finalize(st);
    return v;
}

static const char unsent_sql[] =
    "SELECT u.rowid, c.clock_event_id, c.event_id, c.device_id, c.guard_id, c.ts, c.ts_offset,"
    " c.type, c.detachment_id, c.received_at, coalesce(u.owner, '') FROM clock_event_unsent u"
    " JOIN clock_event c ON c.rowid BETWEEN u.first_rowid AND u.last_rowid"
    " ORDER BY u.first_rowid, c.rowid";

/*
 * Run ownership. A batch is listed unsent from its commit until its
 * records were written; a run that starts meanwhile must not write a live
 * run's batch again, only a dead one's. Each run holds an flock on its own
 * lock file, ingest-OWNER.lock in the tenant directory, for its lifetime
 * (the kernel drops it when the process dies, however it dies); its
 * unsent rows name OWNER. A file whose lock can be taken belongs to a
 * dead run: it is removed. The taker checks, after locking, that the
 * path still names its file, so a file removed between its open and its
 * lock is never held unseen.
 */
static char *owner_path(const tenant_t *t, const char *owner)
{
    char name[64];
    snprintf(name, sizeof name, "ingest-%s.lock", owner);
    return tenant_path(t, name);
}

int ing_owner_take(ingest_t *in, armms_err *err)
{
    for (int tries = 0; tries < 8; tries++) {
        ulid_new(in->owner);
        free(in->owner_path);
        in->owner_path = owner_path(in->t, in->owner);
        int fd = open(in->owner_path, O_RDWR | O_CREAT | O_CLOEXEC, 0666);
        if (fd < 0)
            return err_set(err, EXIT_CANTCREAT, "%s: %s", in->owner_path, strerror(errno));
        struct stat a, b;
        if (flock(fd, LOCK_EX) == 0 && fstat(fd, &a) == 0 && stat(in->owner_path, &b) == 0 &&
            a.st_ino == b.st_ino && a.st_dev == b.st_dev) {
            in->owner_fd = fd;
            return 0;
        }
        close(fd);
    }
    return err_set(err, EXIT_TEMPFAIL, "%s: cannot hold this run's lock file", in->owner_path);
}

void ing_owner_drop(ingest_t *in)
{
    if (in->owner_fd >= 0) {
        unlink(in->owner_path);
        close(in->owner_fd);
        in->owner_fd = -1;
    }
    free(in->owner_path);
    in->owner_path = NULL;
}

/* Is owner a run that is still alive? A dead one's lock file goes. */
static int owner_alive(ingest_t *in, const char *owner)
{
    if (!*owner || !strcmp(owner, in->owner))
        return !*owner ? 0 : 1;
    char *p = owner_path(in->t, owner);
    int fd = open(p, O_RDWR | O_CLOEXEC), alive = 0;
    if (fd >= 0) {
        if (flock(fd, LOCK_EX | LOCK_NB) == 0)
            unlink(p);
        else
            alive = errno == EWOULDBLOCK;
        close(fd);
    }
    free(p);
    return alive;
}

/* The lock files of dead runs whose batches were all written. */
static void sweep_dead_owners(ingest_t *in)
{
    DIR *d = opendir(in->t->dir);
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir(d))) {
        size_t n = strlen(e->d_name);
        if (n == 7 + 26 + 5 && !strncmp(e->d_name, "ingest-", 7) &&
            !strcmp(e->d_name + n - 5, ".lock")) {
            char owner[27];
            memcpy(owner, e->d_name + 7, 26);
            owner[26] = 0;
            owner_alive(in, owner);
        }
    }
    closedir(d);
}

/* ts (UTC text) at offset off into local. */
void ing_local_of(const char *ts, int off, char *local)
{
    instant_t at = 0;
    iso_parse(ts, &at, NULL);
    iso_format_offset(at, off, local);
}

int ingest_replay_unsent(ingest_t *in, armms_err *err)
{
    sqlite3_stmt *st = NULL;
    if (in->in_tx && ingest_flush(in, err))
        return err->code;
    if (store_prepare(&in->s, &st, unsent_sql, err))
        return err->code;
    sqlite3_int64 *rows = NULL, last = 0;
    int nrows = 0, rc;
    strbuf *p = &in->pending;
    char seen[27] = "", skip = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        sqlite3_int64 u = sqlite3_column_int64(st, 0);
        const char *owner = colz(st, 10);
        if (u != last && strcmp(owner, seen)) {
            snprintf(seen, sizeof seen, "%s", owner);
            skip = (char)owner_alive(in, owner);
        }
        if (skip) { /* a live run writes its own batch */
            last = u;
            continue;
        }
        if (u != last) {
            rows = xrealloc(rows, sizeof *rows * (size_t)(nrows + 1));
            rows[nrows++] = last = u;
        }
        char local[32];
        ing_local_of(colz(st, 5), sqlite3_column_int(st, 6), local);
        ce_record(p, colz(st, 1), colz(st, 2), colz(st, 3), colz(st, 4), colz(st, 5), local,
                  colz(st, 7), colz(st, 8), colz(st, 9));
        sb_addc(p, '\n');
        in->n.replayed++;
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) {
        sb_reset(p);
        free(rows);
        in->n.replayed = 0;
        return store_fail(&in->s, rc, "reading unsent clock events", err);
    }
    report(in, 0, 0, 0);
    if (!ferror(in->out))
        for (int i = 0; i < nrows; i++)
            ack_later(in, rows[i]);
    free(rows);
    sweep_dead_owners(in);
    return 0;
}
