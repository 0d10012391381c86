/*
 * journal.c - the journal's write side (see journal.h): find the true end
 * (load the head, read back lines past it, cut a torn tail), take the lock,
 * and append a module's outbox (journal_flush).
 *
 * Invariants: every write happens under jnl_lock; lines are fsynced before
 * the head (and a module's mark) moves past them, and the head moves only
 * to the end of a whole outbox row; a failed flush cuts the segment back to
 * the head's offset; an outbox row is pruned only after it is journaled.
 * Reading back (segments, envelopes) is journal_verify.c's; sealing and
 * cursors are journal_seal.c's; journal_int.h holds what they share.
 */
#define _GNU_SOURCE
#include "store/journal.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/secure.h"
#include "core/sha.h"
#include "store/journal_int.h"
#include "store/outbox_rows.h"

static long long segment_max(void)
{
    const char *e = armms_env("ARMMS_JOURNAL_SEGMENT_BYTES");
    long long v = e ? atoll(e) : 0;
    return v > 0 ? v : 64LL << 20;
}

/* Apply one line to the head. Returns 1 when the line completes its outbox
 * row: only then may the head (and the module's mark) move past it. */
static int head_apply(head_t *h, const envelope *e)
{
    h->seq = e->seq;
    memcpy(h->hash, e->hash, 65);
    if (e->src_i != e->src_n)
        return 0;
    int m = mod_index(e->src);
    if (m >= 0 && e->src_id > h->mark[m])
        h->mark[m] = e->src_id;
    return 1;
}

typedef struct rebuild_ctx {
    head_t *h, done;                 /* done: the head as of the last complete row */
    long long seg_bytes, done_bytes; /* in the segment being read */
    int seg;                         /* the segment being read */
    armms_err *err;
} rebuild_ctx;

static int rebuild_cb(const char *line, size_t len, void *vctx)
{
    rebuild_ctx *c = vctx;
    envelope e;
    if (jnl_envelope_read(line, len, &e) != 0)
        return err_set(c->err, EXIT_SOFTWARE,
                       "journal segment %06d has a damaged line; run armms-journal verify",
                       c->seg);
    c->seg_bytes += (long long)len + 1;
    if (head_apply(c->h, &e)) {
        c->done = *c->h;
        c->done_bytes = c->seg_bytes;
    }
    return 0;
}

/* Make a directory's entries (a rename, a new file) durable. */
int jnl_fsync_dir(const char *dir, armms_err *err)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return err_set(err, EXIT_IOERR, "cannot open %s: %s", dir, strerror(errno));
    int bad = fsync(fd) != 0 && errno != EINVAL;
    int e = errno;
    close(fd);
    return bad ? err_set(err, EXIT_IOERR, "cannot sync %s: %s", dir, strerror(e)) : 0;
}

int jnl_dir_sync(tenant_t *t, armms_err *err)
{
    char *d = jpath(t, "");
    int rc = jnl_fsync_dir(d, err);
    free(d);
    return rc;
}

static int head_write(tenant_t *t, const head_t *h, armms_err *err)
{
    char *p = jpath(t, "head"), *tmp = jpath(t, "head.lock");
    FILE *f = fopen(tmp, "w");
    int rc = 0;
    if (!f) {
        rc = err_set(err, EXIT_IOERR, "cannot write journal head: %s", strerror(errno));
    } else {
        fprintf(f, "v1 seg=%d off=%lld seq=%lld hash=%s", h->segment, h->offset, h->seq, h->hash);
        for (int i = 0; i < NMOD; i++)
            fprintf(f, " %s=%lld:%s", journal_modules[i], h->mark[i],
                    h->store_id[i][0] ? h->store_id[i] : "-");
        fputc('\n', f);
        int bad = fflush(f) != 0 || fsync(fileno(f)) != 0;
        if (fclose(f) != 0 || bad || rename(tmp, p) != 0)
            rc = err_set(err, EXIT_IOERR, "cannot write journal head: %s", strerror(errno));
        else
            rc = jnl_dir_sync(t, err);
    }
    free(p);
    free(tmp);
    return rc;
}

int jnl_head_parse(const char *s, head_t *h)
{
    memset(h, 0, sizeof *h);
    if (sscanf(s, "v1 seg=%d off=%lld seq=%lld hash=%64s", &h->segment, &h->offset, &h->seq,
               h->hash) != 4)
        return -1;
    for (int i = 0; i < NMOD; i++) {
        char key[16];
        snprintf(key, sizeof key, " %s=", journal_modules[i]);
        const char *q = strstr(s, key);
        if (!q)
            return -1;
        char *end;
        h->mark[i] = strtoll(q + strlen(key), &end, 10);
        if (*end == ':' && end[1] != '-')
            sscanf(end + 1, "%32[0-9a-f]", h->store_id[i]);
    }
    return 0;
}

/* No head (first use, or lost): rebuild it from every segment. Only
 * complete outbox rows are trusted; head_heal_tail then cuts the rest (a
 * torn line, or part of a row) so the row is appended again. */
static int head_rebuild(tenant_t *t, head_t *h, armms_err *err)
{
    int *segs, n;
    memset(h, 0, sizeof *h);
    memcpy(h->hash, zero_hash, 65);
    if (jnl_list_segments(t, &segs, &n, err))
        return err->code;
    h->segment = n ? segs[n - 1] : 1;
    /* segments removed by retention: their rows' marks are the checkpoint's */
    journal_checkpoint ck;
    int have_ck = 0;
    if (journal_checkpoint_read(t, &ck, &have_ck, err)) {
        free(segs);
        return err->code;
    }
    for (int i = 0; have_ck && i < NMOD; i++)
        h->mark[i] = ck.mark[i];
    long long torn = 0;
    rebuild_ctx rc_ctx = {h, *h, 0, 0, 0, err};
    for (int i = 0; i < n; i++) {
        torn = 0;
        rc_ctx.seg_bytes = rc_ctx.done_bytes = 0;
        rc_ctx.seg = segs[i];
        int rc = jnl_segment_each(t, segs[i], rebuild_cb, &rc_ctx, &torn, err);
        if (rc) {
            free(segs);
            return rc;
        }
        if ((torn || rc_ctx.done_bytes != rc_ctx.seg_bytes) && i < n - 1) {
            free(segs);
            return err_set(err, EXIT_SOFTWARE, "sealed journal segment %06d is torn", segs[i]);
        }
    }
    free(segs);
    *h = rc_ctx.done;
    h->offset = rc_ctx.done_bytes;
    return 0;
}

/* Read back the n bytes of segment fd past the head's offset: the head
 * moves over every complete outbox row whose lines continue the chain.
 * Whatever follows (a torn line, part of a row, a foreign line) is cut away
 * when may_cut (the last segment on disk); anywhere else it is damage. */
static int head_heal_tail(head_t *h, int fd, size_t n, int may_cut, armms_err *err)
{
    char *buf = xmalloc(n + 1);
    if (pread(fd, buf, n, h->offset) != (ssize_t)n) {
        free(buf);
        return err_set(err, EXIT_IOERR, "cannot read journal tail");
    }
    size_t start = 0, good = 0;
    head_t cur = *h;
    char *nl;
    while ((nl = memchr(buf + start, '\n', n - start))) {
        envelope e;
        /* a short line continues the line before it, which must be in its
         * segment */
        if (jnl_envelope_read(buf + start, (size_t)(nl - buf - start), &e) != 0 ||
            e.seq != cur.seq + 1 ||
            (e.is_short ? h->offset + (long long)start == 0 : strcmp(e.prev, cur.hash) != 0))
            break;
        start = (size_t)(nl - buf) + 1;
        if (head_apply(&cur, &e)) {
            long long off = h->offset;
            *h = cur;
            h->offset = off;
            good = start;
        }
    }
    free(buf);
    if (good < n && !may_cut)
        return err_set(err, EXIT_SOFTWARE,
                       "journal segment %06d has lines after seq %lld that do not continue the "
                       "chain, and newer segments follow it; run armms-journal verify",
                       h->segment, h->seq);
    /* lines of an incomplete row are re-appended */
    if (good < n && (ftruncate(fd, h->offset + (off_t)good) != 0 || fsync(fd) != 0))
        return err_set(err, EXIT_IOERR, "cannot truncate torn journal tail");
    h->offset += (long long)good;
    return 0;
}

/* Reconcile the head with segment seg: read in what lies past its offset
 * (see head_heal_tail). The segment must be plain (only closed segments are
 * sealed) and at least as long as the head records. */
static int head_reconcile(tenant_t *t, head_t *h, int last, armms_err *err)
{
    char *sp = seg_path(t, h->segment, 0);
    struct stat st;
    int rc = 0;
    if (stat(sp, &st) != 0) {
        if (h->offset != 0)
            rc = err_set(err, EXIT_SOFTWARE,
                         "journal segment %06d is missing; run armms-journal verify", h->segment);
    } else if (st.st_size < h->offset) {
        rc = err_set(err, EXIT_SOFTWARE,
                     "journal segment %06d is shorter than its head records (truncated?); "
                     "run armms-journal verify",
                     h->segment);
    } else if (st.st_size > h->offset) {
        int fd = open(sp, O_RDWR | O_CLOEXEC);
        if (fd < 0) {
            rc = err_set(err, EXIT_IOERR, "cannot open journal: %s", strerror(errno));
        } else {
            rc = head_heal_tail(h, fd, (size_t)(st.st_size - h->offset), last, err);
            close(fd);
        }
    }
    free(sp);
    return rc;
}

/* Find the true end of the journal. Called under the lock. The head is only
 * a cache of where the last append ended: the segments decide. Lines
 * appended after the head was last written are read back in, in the
 * segment the head names and in every newer segment (a roll whose head was
 * never written), and a torn or incomplete tail of the newest segment is
 * truncated away, so an append always continues the last good line. */
int jnl_head_load(tenant_t *t, head_t *h, armms_err *err)
{
    char *p = jpath(t, "head");
    FILE *f = fopen(p, "r");
    free(p);
    char line[1024];
    int have = 0;
    if (f) {
        have = fgets(line, sizeof line, f) && jnl_head_parse(line, h) == 0;
        fclose(f);
    }
    if (!have && head_rebuild(t, h, err))
        return err->code;
    int *segs, n;
    if (jnl_list_segments(t, &segs, &n, err))
        return err->code;
    int i = 0, rc = 0;
    while (i < n && segs[i] < h->segment)
        i++;
    if (i == n || segs[i] != h->segment) {
        /* The head's segment is not on disk: fine only for a segment the
         * head names before anything was written to it. */
        if (h->offset != 0 || i < n)
            rc = err_set(err, EXIT_SOFTWARE,
                         "journal segment %06d is missing; run armms-journal verify", h->segment);
        free(segs);
        return rc;
    }
    for (; !rc && i < n; i++) {
        if (segs[i] != h->segment) {
            if (segs[i] != h->segment + 1) {
                rc = err_set(err, EXIT_SOFTWARE,
                             "journal segment %06d is missing; run armms-journal verify",
                             h->segment + 1);
                break;
            }
            h->segment = segs[i];
            h->offset = 0;
        }
        rc = head_reconcile(t, h, i == n - 1, err);
    }
    free(segs);
    return rc;
}

/* Take the journal lock: *lfd is the descriptor holding it (closing it
 * releases the lock). */
int jnl_lock(tenant_t *t, int *lfd, armms_err *err)
{
    char *p = jpath(t, "LOCK");
    int fd = open(p, O_RDWR | O_CREAT | O_CLOEXEC, 0666);
    free(p);
    *lfd = -1;
    if (fd < 0)
        return err_set(err, EXIT_IOERR, "cannot open journal lock: %s", strerror(errno));
    for (int waited = 0;; waited += 10) {
        if (flock(fd, LOCK_EX | LOCK_NB) == 0) {
            *lfd = fd;
            return 0;
        }
        if (errno != EWOULDBLOCK || waited >= t->wait_ms) {
            close(fd);
            return err_set(err, EXIT_TEMPFAIL, "tenant %s: journal busy (lock held past --wait)",
                           t->id);
        }
        struct timespec ts = {0, 10 * 1000000};
        nanosleep(&ts, NULL);
    }
}

static const char select_pending[] =
    "SELECT id, events, body FROM outbox WHERE id > ? ORDER BY id";

/* Encoded lines are written in chunks of this size, so a large backlog
 * does not sit in memory whole. */
#define FLUSH_CHUNK (1u << 20)

/* One flush under way: the head it moves and the lines not yet written.
 * h.offset stays at the last fsynced byte until flush_commit, so a failed
 * flush can always cut back to it. */
typedef struct flush {
    tenant_t *t;
    sqlite3 *db;
    const char *module;
    int mi;            /* module index into h.mark */
    head_t h;          /* the head as the lines encoded so far leave it */
    long long seq0;    /* h.seq before the first line */
    int fd;            /* the open segment, O_APPEND */
    strbuf b;          /* encoded lines not yet written */
    long long written; /* bytes of this flush already in the segment */
    long long last_id; /* the last outbox row encoded */
    long count;        /* lines encoded */
    int short_lines;   /* clock events in short lines (format 2) */
    int ce_before;     /* the last line encoded is a clock event's */
} flush_t;

/* Whose outbox is this? A different file under the same module name
 * (restored, recreated) would have its ids misread against our mark. The
 * first flush from a store records its id in the head. */
static int flush_claim_store(flush_t *f, armms_err *err)
{
    sqlite3_stmt *st = NULL;
    char sid[33] = "";
    if (sqlite3_prepare_v2(f->db, "SELECT value FROM store_meta WHERE key='store_id'", -1, &st,
                           NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
        snprintf(sid, sizeof sid, "%s", (const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    char *mine = f->h.store_id[f->mi];
    if (!sid[0])
        return err_set(err, EXIT_CONFIG, "tenant %s: %s.db has no store id", f->t->id, f->module);
    if (mine[0] && strcmp(mine, sid) != 0)
        return err_set(err, EXIT_CONFIG,
                       "tenant %s: %s.db is not the store this journal was written from "
                       "(store %s, journal expects %s); restore that file or start a new tenant",
                       f->t->id, f->module, sid, mine);
    if (!mine[0]) {
        memcpy(mine, sid, 33);
        return head_write(f->t, &f->h, err);
    }
    return 0;
}

/* The store's view of its outbox: the last id it ever gave a row (rows
 * are pruned only once journaled, and ids are never reused), the rows still
 * held past mark, and the first of those. */
int jnl_outbox_state(sqlite3 *db, long long mark, long long *last_id, long long *held,
                     long long *first_held)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(db,
                                "SELECT (SELECT seq FROM sqlite_sequence WHERE name='outbox'),"
                                " (SELECT count(*) FROM outbox WHERE id > ?1),"
                                " (SELECT min(id) FROM outbox WHERE id > ?1)",
                                -1, &st, NULL);
    if (rc == SQLITE_OK) {
        sqlite3_bind_int64(st, 1, mark);
        rc = sqlite3_step(st) == SQLITE_ROW ? SQLITE_OK : SQLITE_ERROR;
    }
    if (rc == SQLITE_OK) {
        *last_id = sqlite3_column_int64(st, 0);
        *held = sqlite3_column_int64(st, 1);
        *first_held = sqlite3_column_int64(st, 2);
    }
    sqlite3_finalize(st);
    return rc == SQLITE_OK ? 0 : -1;
}

/* Rows the store pruned (so they were journaled once) but the journal does
 * not hold: its last lines were removed, with or without the head. Going on
 * would hide the loss for good, so no writer appends past it. */
static int flush_check_pruned(flush_t *f, armms_err *err)
{
    long long last, held, first;
    long long mark = f->h.mark[f->mi];
    if (jnl_outbox_state(f->db, mark, &last, &held, &first) != 0)
        return err_set(err, EXIT_SOFTWARE, "journal: %s", sqlite3_errmsg(f->db));
    if (last <= mark || held == last - mark)
        return 0;
    return err_set(err, EXIT_SOFTWARE,
                   "tenant %s: the journal lacks %s outbox rows %lld..%lld, which %s.db already "
                   "journaled and pruned (journal lines removed?); run armms-journal verify",
                   f->t->id, f->module, mark + 1, held ? first - 1 : last, f->module);
}

/* Open the segment to append to, starting the next one when the current
 * segment is full. jnl_head_load found the true end, so the segment must be
 * exactly as long as the head says: anything else (a next segment that
 * already has lines) is never appended to blindly. A new segment's name is
 * made durable before lines go into it. */
static int flush_open_segment(flush_t *f, armms_err *err)
{
    if (f->h.offset >= segment_max()) {
        f->h.segment++;
        f->h.offset = 0;
    }
    char *sp = seg_path(f->t, f->h.segment, 0);
    f->fd = open(sp, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0666);
    free(sp);
    if (f->fd < 0)
        return err_set(err, EXIT_IOERR, "cannot open journal segment: %s", strerror(errno));
    struct stat st;
    if (fstat(f->fd, &st) != 0)
        return err_set(err, EXIT_IOERR, "cannot stat journal segment: %s", strerror(errno));
    if (st.st_size != f->h.offset)
        return err_set(err, EXIT_SOFTWARE,
                       "journal segment %06d holds %lld bytes where %lld were expected; run "
                       "armms-journal verify",
                       f->h.segment, (long long)st.st_size, f->h.offset);
    if (f->h.offset == 0 && jnl_dir_sync(f->t, err))
        return err->code;
    return 0;
}

static int flush_write(flush_t *f, armms_err *err)
{
    if (f->b.len && write_all(f->fd, f->b.s, f->b.len) != 0)
        return err_set(err, EXIT_IOERR, "journal write failed: %s", strerror(errno));
    f->written += (long long)f->b.len;
    sb_reset(&f->b);
    return 0;
}

/* Encode one event envelope (ev, without seq and the chain fields) as the
 * next journal line: event k of the nev events of outbox row last_id. */
static void flush_encode(flush_t *f, const char *ev, size_t elen, long long k, long long nev)
{
    strbuf *b = &f->b;
    size_t line_start = b->len;
    f->h.seq++;
    sb_adds(b, "{\"seq\":");
    sb_add_int(b, f->h.seq);
    sb_addc(b, ',');
    sb_add(b, ev + 1, elen - 2);
    sb_adds(b, ",\"src\":\"");
    sb_adds(b, f->module);
    sb_adds(b, "\",\"src_id\":");
    sb_add_int(b, f->last_id);
    sb_adds(b, ",\"src_i\":");
    sb_add_int(b, k);
    sb_adds(b, ",\"src_n\":");
    sb_add_int(b, nev);
    sb_adds(b, ",\"prev\":\"");
    sb_add(b, f->h.hash, 64);
    sb_addc(b, '"');
    sha256_hex(b->s + line_start, b->len - line_start, f->h.hash);
    sb_adds(b, ",\"hash\":\"");
    sb_add(b, f->h.hash, 64);
    sb_adds(b, "\"}\n");
    f->count++;
}

/* The journal line of a clock event rendered from its row: short
 * (journal_line.c) when the line before it is a clock event of this
 * append too (a reader expands a short line from the line before it, whose
 * tenant_id it takes, and a segment must open with a full line), else in
 * full. The full line is rendered and hashed all the same, and its hash is
 * the short line's. ARMMS_JOURNAL_FORMAT=1 writes every line in full, as
 * format 1 did (the tests make older journals with it). */
static void flush_encode_ce(flush_t *f, const ce_env *e, long long k, long long nev)
{
    size_t line_start = f->b.len;
    flush_encode(f, e->s, e->len, k, nev);
    int after_ce = f->ce_before;
    f->ce_before = 1;
    if (!after_ce || !f->short_lines || !jnl_short_ok(e))
        return;
    f->b.len = line_start;
    jnl_short_write(&f->b, f->h.seq, e, f->last_id, k, nev, f->h.hash);
}

/* One envelope a reference line of the outbox renders (outbox_rows.h). */
typedef struct flush_ref {
    flush_t *f;
    long long *k, nev;
    armms_err *err;
} flush_ref;

static int flush_one(const ce_env *e, void *vctx)
{
    flush_ref *c = vctx;
    flush_encode_ce(c->f, e, ++*c->k, c->nev);
    return c->f->b.len >= FLUSH_CHUNK ? flush_write(c->f, c->err) : 0;
}

/* Encode the outbox row st is on: its body's event lines, which must number
 * its `events` column. */
static int flush_row(flush_t *f, sqlite3_stmt *st, armms_err *err)
{
    long long id = sqlite3_column_int64(st, 0);
    assert(id > f->last_id); /* outbox marks only grow: ORDER BY id, id > mark */
    f->last_id = id;
    long long nev = sqlite3_column_int64(st, 1), k = 0;
    const char *body = (const char *)sqlite3_column_text(st, 2);
    size_t blen = (size_t)sqlite3_column_bytes(st, 2);
    for (size_t pos = 0; pos < blen;) {
        const char *ev = body + pos, *nl = memchr(ev, '\n', blen - pos);
        size_t elen = nl ? (size_t)(nl - ev) : blen - pos;
        pos += elen + 1;
        if (elen < 2 || ev[0] != '{' || ev[elen - 1] != '}')
            continue;
        if (outbox_line_is_ref(ev, elen)) {
            long long n;
            flush_ref ctx = {f, &k, nev, err};
            if (outbox_ref_expand(f->db, f->t->id, ev, elen, flush_one, &ctx, &n, err))
                return err->code;
            continue;
        }
        flush_encode(f, ev, elen, ++k, nev);
        f->ce_before = 0;
        if (f->b.len >= FLUSH_CHUNK && flush_write(f, err))
            return err->code;
    }
    if (k != nev)
        return err_set(err, EXIT_SOFTWARE, "%s.db outbox row %lld holds %lld events, not %lld",
                       f->module, f->last_id, k, nev);
    return 0;
}

/* Make the appended lines durable, then (only then) move the head and the
 * module's mark past them. */
static int flush_commit(flush_t *f, armms_err *err)
{
    assert(f->h.seq == f->seq0 + f->count); /* seq is gap-free */
    assert(f->last_id >= f->h.mark[f->mi]);
    f->h.offset += f->written;
    if (fdatasync(f->fd) != 0)
        return err_set(err, EXIT_IOERR, "journal fsync failed: %s", strerror(errno));
    f->h.mark[f->mi] = f->last_id;
    return head_write(f->t, &f->h, err);
}

static int flush_ex(tenant_t *t, sqlite3 *db, const char *module, int prune, long *appended,
                    long long *mark, armms_err *err)
{
    int mi = mod_index(module);
    if (appended)
        *appended = 0;
    if (mi < 0)
        return err_set(err, EXIT_SOFTWARE, "unknown module %s", module);
    int lfd;
    if (jnl_lock(t, &lfd, err))
        return err->code;
    const char *fmt = armms_env("ARMMS_JOURNAL_FORMAT");
    flush_t f = {.t = t,
                 .db = db,
                 .module = module,
                 .mi = mi,
                 .fd = -1,
                 /* a short line says src tk */
                 .short_lines = !(fmt && strcmp(fmt, "1") == 0) && strcmp(module, "tk") == 0};
    sb_init(&f.b);
    sqlite3_stmt *st = NULL;
    int rc =
        jnl_head_load(t, &f.h, err) || flush_claim_store(&f, err) || flush_check_pruned(&f, err)
            ? err->code
            : 0;
    if (rc)
        goto out;
    if (sqlite3_prepare_v2(db, select_pending, -1, &st, NULL) != SQLITE_OK) {
        rc = err_set(err, EXIT_SOFTWARE, "journal: %s", sqlite3_errmsg(db));
        goto out;
    }
    sqlite3_bind_int64(st, 1, f.h.mark[mi]);
    int step = sqlite3_step(st);
    if (step == SQLITE_DONE) {
        /* nothing pending: the common case on open. Rows a crashed run
         * journaled but did not prune are pruned now (read first, so an
         * open with nothing to do writes nothing). */
        sqlite3_finalize(st);
        st = NULL;
        if (sqlite3_prepare_v2(db, "SELECT 1 FROM outbox WHERE id <= ? LIMIT 1", -1, &st, NULL) ==
            SQLITE_OK) {
            sqlite3_bind_int64(st, 1, f.h.mark[mi]);
            int stale = sqlite3_step(st) == SQLITE_ROW;
            sqlite3_finalize(st);
            st = NULL;
            if (stale && prune)
                journal_prune(db, f.h.mark[mi]);
        }
        goto out;
    }
    if ((rc = flush_open_segment(&f, err)))
        goto out;
    f.seq0 = f.h.seq;
    f.last_id = f.h.mark[mi];
    for (; !rc && step == SQLITE_ROW; step = sqlite3_step(st))
        rc = flush_row(&f, st, err);
    if (!rc && step != SQLITE_DONE)
        rc = err_set(err, EXIT_SOFTWARE, "journal: %s", sqlite3_errmsg(db));
    if (!rc)
        rc = flush_write(&f, err);
    if (rc) {
        /* redis habit: never leave a half-written line; the head's offset
         * still marks the last good byte, so cut back to it. */
        if (ftruncate(f.fd, f.h.offset) != 0)
            err_wrap(err, "and the torn tail could not be cut");
        goto out;
    }
    if ((rc = flush_commit(&f, err)))
        goto out;
    sqlite3_finalize(st);
    st = NULL;
    /* Prune what is now safely journaled; a failure here is harmless (the
     * rows are skipped by the mark and pruned next time). */
    if (prune)
        journal_prune(db, f.last_id);
out:
    if (appended)
        *appended = f.count;
    if (mark)
        *mark = f.h.mark[mi];
    sqlite3_finalize(st);
    if (f.fd >= 0)
        close(f.fd);
    sb_free(&f.b);
    close(lfd); /* releases the flock */
    return rc;
}

int journal_prune(sqlite3 *db, long long mark)
{
    char sql[96];
    snprintf(sql, sizeof sql, "DELETE FROM outbox WHERE id <= %lld", mark);
    return sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK ? 0 : -1;
}

int journal_flush(tenant_t *t, sqlite3 *db, const char *module, long *appended, armms_err *err)
{
    return flush_ex(t, db, module, 1, appended, NULL, err);
}

int journal_flush_ro(tenant_t *t, sqlite3 *db, const char *module, long long *mark, armms_err *err)
{
    *mark = 0;
    return flush_ex(t, db, module, 0, NULL, mark, err);
}

int journal_last_seq(tenant_t *t, long long *seq, armms_err *err)
{
    int lfd;
    if (jnl_lock(t, &lfd, err))
        return err->code;
    head_t h;
    int rc = jnl_head_load(t, &h, err);
    *seq = rc ? 0 : h.seq;
    close(lfd);
    return rc;
}
