/*
 * journal.c - see journal.h.
 */
#define _GNU_SOURCE
#include "store/journal.h"

#include <assert.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jv.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "core/sha.h"

static const char *const journal_modules[] = {"hr", "tk", "pay", "iam"};
#define NMOD (int)(sizeof journal_modules / sizeof *journal_modules)
static const char zero_hash[] = "0000000000000000000000000000000000000000000000000000000000000000";

typedef struct head {
    int segment;
    long long offset, seq;
    char hash[65];
    long long mark[NMOD];
    char store_id[NMOD][33]; /* which store file each mark belongs to */
} head_t;

static long long segment_max(void)
{
    const char *e = getenv("ARMMS_JOURNAL_SEGMENT_BYTES");
    long long v = e ? atoll(e) : 0;
    return v > 0 ? v : 64LL << 20;
}

static int mod_index(const char *m)
{
    for (int i = 0; i < NMOD; i++)
        if (strcmp(journal_modules[i], m) == 0)
            return i;
    return -1;
}

static char *jpath(tenant_t *t, const char *name)
{
    return xasprintf("%s/journal/%s", t->dir, name);
}

static char *seg_path(tenant_t *t, int seg, int gz)
{
    return xasprintf("%s/journal/%06d.ndjson%s", t->dir, seg, gz ? ".gz" : "");
}

/* Segment numbers present, sorted. */
static int list_segments(tenant_t *t, int **out, int *n, armms_err *err)
{
    char *dir = jpath(t, "");
    DIR *d = opendir(dir);
    *out = NULL;
    *n = 0;
    if (!d) {
        int e = errno;
        free(dir);
        if (e == ENOENT)
            return 0;
        return err_set(err, EXIT_IOERR, "cannot read journal directory: %s", strerror(e));
    }
    free(dir);
    int cap = 0;
    struct dirent *de;
    while ((de = readdir(d))) {
        char *end;
        long v = strtol(de->d_name, &end, 10);
        if (end == de->d_name || v <= 0 ||
            (strcmp(end, ".ndjson") != 0 && strcmp(end, ".ndjson.gz") != 0))
            continue;
        int dup = 0;
        for (int i = 0; i < *n; i++)
            dup |= (*out)[i] == v;
        if (dup)
            continue;
        if (*n == cap)
            *out = xrealloc(*out, sizeof **out * (size_t)(cap = cap ? cap * 2 : 16));
        (*out)[(*n)++] = (int)v;
    }
    closedir(d);
    for (int i = 1; i < *n; i++) /* insertion sort; segments are few */
        for (int j = i; j > 0 && (*out)[j - 1] > (*out)[j]; j--) {
            int x = (*out)[j];
            (*out)[j] = (*out)[j - 1];
            (*out)[j - 1] = x;
        }
    return 0;
}

/* Read every line of one segment (plain or gz) and call cb. */
static int segment_each(tenant_t *t, int seg, journal_cb cb, void *ctx, long long *torn,
                        armms_err *err)
{
    char *p = seg_path(t, seg, 0);
    if (access(p, F_OK) != 0) {
        free(p);
        p = seg_path(t, seg, 1);
    }
    gzFile gz = gzopen(p, "rb");
    if (!gz) {
        err_set(err, EXIT_IOERR, "cannot open journal segment %s", p);
        free(p);
        return err->code;
    }
    free(p);
    gzbuffer(gz, 1 << 17);
    strbuf b;
    sb_init(&b);
    char chunk[1 << 16];
    int rc = 0, n;
    size_t start = 0;
    while (!rc && (n = gzread(gz, chunk, sizeof chunk)) > 0) {
        sb_add(&b, chunk, (size_t)n);
        char *nl;
        while (!rc && (nl = memchr(b.s + start, '\n', b.len - start))) {
            *nl = 0;
            rc = cb(b.s + start, (size_t)(nl - (b.s + start)), ctx);
            start = (size_t)(nl - b.s) + 1;
        }
        if (start > (1 << 20)) {
            memmove(b.s, b.s + start, b.len - start);
            b.len -= start;
            start = 0;
        }
    }
    if (n < 0)
        rc = err_set(err, EXIT_IOERR, "cannot read journal segment %06d", seg);
    if (torn)
        *torn = (long long)(b.len - start);
    gzclose(gz);
    sb_free(&b);
    return rc;
}

/* Fields of one envelope needed to continue the chain. */
typedef struct envelope {
    long long seq, src_id, src_i, src_n;
    char src[8];
    char hash[65], prev[65];
} envelope;

static int envelope_read(const char *line, size_t len, envelope *e)
{
    static const char tag[] = ",\"hash\":\"";
    if (len < 75 + 10 || memcmp(line + len - 75, tag, sizeof tag - 1) != 0 ||
        memcmp(line + len - 2, "\"}", 2) != 0)
        return -1;
    memcpy(e->hash, line + len - 66, 64);
    e->hash[64] = 0;
    jv v = jv_parse_sized(line, (int)len);
    if (jv_get_kind(v) != JV_KIND_OBJECT) {
        jv_free(v);
        return -1;
    }
    jv seq = jv_object_get(jv_copy(v), jv_string("seq"));
    jv src = jv_object_get(jv_copy(v), jv_string("src"));
    jv sid = jv_object_get(jv_copy(v), jv_string("src_id"));
    jv si = jv_object_get(jv_copy(v), jv_string("src_i"));
    jv sn = jv_object_get(jv_copy(v), jv_string("src_n"));
    jv prev = jv_object_get(jv_copy(v), jv_string("prev"));
    int ok = jv_get_kind(seq) == JV_KIND_NUMBER && jv_get_kind(src) == JV_KIND_STRING &&
             jv_get_kind(sid) == JV_KIND_NUMBER && jv_get_kind(si) == JV_KIND_NUMBER &&
             jv_get_kind(sn) == JV_KIND_NUMBER && jv_get_kind(prev) == JV_KIND_STRING &&
             jv_string_length_bytes(jv_copy(prev)) == 64;
    if (ok) {
        e->seq = (long long)jv_number_value(seq);
        e->src_id = (long long)jv_number_value(sid);
        e->src_i = (long long)jv_number_value(si);
        e->src_n = (long long)jv_number_value(sn);
        snprintf(e->src, sizeof e->src, "%s", jv_string_value(src));
        memcpy(e->prev, jv_string_value(prev), 65);
    }
    jv_free(seq);
    jv_free(src);
    jv_free(sid);
    jv_free(si);
    jv_free(sn);
    jv_free(prev);
    jv_free(v);
    return ok ? 0 : -1;
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
    if (envelope_read(line, len, &e) != 0)
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
static int fsync_dir(const char *dir, armms_err *err)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return err_set(err, EXIT_IOERR, "cannot open %s: %s", dir, strerror(errno));
    int bad = fsync(fd) != 0 && errno != EINVAL;
    int e = errno;
    close(fd);
    return bad ? err_set(err, EXIT_IOERR, "cannot sync %s: %s", dir, strerror(e)) : 0;
}

static int journal_dir_sync(tenant_t *t, armms_err *err)
{
    char *d = jpath(t, "");
    int rc = fsync_dir(d, err);
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
            rc = journal_dir_sync(t, err);
    }
    free(p);
    free(tmp);
    return rc;
}

static int head_parse(const char *s, head_t *h)
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
    if (list_segments(t, &segs, &n, err))
        return err->code;
    h->segment = n ? segs[n - 1] : 1;
    long long torn = 0;
    rebuild_ctx rc_ctx = {h, *h, 0, 0, 0, err};
    for (int i = 0; i < n; i++) {
        torn = 0;
        rc_ctx.seg_bytes = rc_ctx.done_bytes = 0;
        rc_ctx.seg = segs[i];
        int rc = segment_each(t, segs[i], rebuild_cb, &rc_ctx, &torn, err);
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
        if (envelope_read(buf + start, (size_t)(nl - buf - start), &e) != 0 ||
            e.seq != cur.seq + 1 || strcmp(e.prev, cur.hash) != 0)
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
static int head_load(tenant_t *t, head_t *h, armms_err *err)
{
    char *p = jpath(t, "head");
    FILE *f = fopen(p, "r");
    free(p);
    char line[1024];
    int have = 0;
    if (f) {
        have = fgets(line, sizeof line, f) && head_parse(line, h) == 0;
        fclose(f);
    }
    if (!have && head_rebuild(t, h, err))
        return err->code;
    int *segs, n;
    if (list_segments(t, &segs, &n, err))
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
static int lock_journal(tenant_t *t, int *lfd, armms_err *err)
{
    char *p = jpath(t, "LOCK");
    int fd = open(p, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
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
#define FLUSH_CHUNK (4u << 20)

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
static int outbox_state(sqlite3 *db, long long mark, long long *last_id, long long *held,
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
    if (outbox_state(f->db, mark, &last, &held, &first) != 0)
        return err_set(err, EXIT_SOFTWARE, "journal: %s", sqlite3_errmsg(f->db));
    if (last <= mark || held == last - mark)
        return 0;
    return err_set(err, EXIT_SOFTWARE,
                   "tenant %s: the journal lacks %s outbox rows %lld..%lld, which %s.db already "
                   "journaled and pruned (journal lines removed?); run armms-journal verify",
                   f->t->id, f->module, mark + 1, held ? first - 1 : last, f->module);
}

/* Open the segment to append to, starting the next one when the current
 * segment is full. head_load found the true end, so the segment must be
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
    f->fd = open(sp, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
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
    if (f->h.offset == 0 && journal_dir_sync(f->t, err))
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
    char num[24], tail[96];
    f->h.seq++;
    snprintf(num, sizeof num, "%lld", f->h.seq);
    sb_adds(b, "{\"seq\":");
    sb_adds(b, num);
    sb_addc(b, ',');
    sb_add(b, ev + 1, elen - 2);
    snprintf(tail, sizeof tail, ",\"src\":\"%s\",\"src_id\":%lld,\"src_i\":%lld,\"src_n\":%lld",
             f->module, f->last_id, k, nev);
    sb_adds(b, tail);
    sb_adds(b, ",\"prev\":\"");
    sb_add(b, f->h.hash, 64);
    sb_addc(b, '"');
    sha256_hex(b->s + line_start, b->len - line_start, f->h.hash);
    sb_adds(b, ",\"hash\":\"");
    sb_add(b, f->h.hash, 64);
    sb_adds(b, "\"}\n");
    f->count++;
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
        flush_encode(f, ev, elen, ++k, nev);
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

int journal_flush(tenant_t *t, sqlite3 *db, const char *module, long *appended, armms_err *err)
{
    int mi = mod_index(module);
    if (appended)
        *appended = 0;
    if (mi < 0)
        return err_set(err, EXIT_SOFTWARE, "unknown module %s", module);
    int lfd;
    if (lock_journal(t, &lfd, err))
        return err->code;
    flush_t f = {.t = t, .db = db, .module = module, .mi = mi, .fd = -1};
    sb_init(&f.b);
    sqlite3_stmt *st = NULL;
    int rc = head_load(t, &f.h, err) || flush_claim_store(&f, err) || flush_check_pruned(&f, err)
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
            if (stale) {
                char sql[96];
                snprintf(sql, sizeof sql, "DELETE FROM outbox WHERE id <= %lld", f.h.mark[mi]);
                sqlite3_exec(db, sql, NULL, NULL, NULL);
            }
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
    char sql[96];
    snprintf(sql, sizeof sql, "DELETE FROM outbox WHERE id <= %lld", f.last_id);
    sqlite3_exec(db, sql, NULL, NULL, NULL);
out:
    if (appended)
        *appended = f.count;
    sqlite3_finalize(st);
    if (f.fd >= 0)
        close(f.fd);
    sb_free(&f.b);
    close(lfd); /* releases the flock */
    return rc;
}

typedef struct each_ctx {
    journal_cb cb;
    void *ctx;
} each_ctx;

int journal_each(tenant_t *t, journal_cb cb, void *ctx, armms_err *err)
{
    int *segs, n, rc = 0;
    if (list_segments(t, &segs, &n, err))
        return err->code;
    for (int i = 0; !rc && i < n; i++)
        rc = segment_each(t, segs[i], cb, ctx, NULL, err);
    free(segs);
    return rc;
}

/* verify_cb's verdict that the chain breaks here (rep->problem says how):
 * below every sysexits code, so it is never mistaken for a read error. */
enum { CHAIN_BROKEN = 1 };

typedef struct verify_ctx {
    tenant_t *t;
    journal_report *rep;
    char prev[65];
    long long seq;
    int seg;             /* the segment being read */
    long long line, off; /* lines and bytes of it read so far */
    long long want;      /* the head's seq (-1 without a head) */
    char want_hash[65];  /* the hash of the line at seq want */
    int want_seg;        /* where that line ends */
    long long want_off;
} verify_ctx;

static int verify_cb(const char *line, size_t len, void *vctx)
{
    verify_ctx *c = vctx;
    envelope e;
    long long at = c->seq + 1;
    c->line++;
    c->off += (long long)len + 1;
    char *pr = c->rep->problem;
    size_t np = sizeof c->rep->problem;
    if (envelope_read(line, len, &e) != 0) {
        snprintf(pr, np,
                 "segment %06d line %lld: the line after seq %lld is not a journal envelope",
                 c->seg, c->line, c->seq);
    } else {
        char h[65];
        sha256_hex(line, len - 75, h);
        if (strcmp(h, e.hash) != 0) {
            snprintf(pr, np,
                     "segment %06d line %lld: seq %lld: hash does not match its content (edited)",
                     c->seg, c->line, e.seq);
        } else if (e.seq != at) {
            snprintf(pr, np,
                     "segment %06d line %lld: seq %lld found where %lld was expected (gap, "
                     "reorder or deletion)",
                     c->seg, c->line, e.seq, at);
        } else if (strcmp(e.prev, c->prev) != 0) {
            snprintf(pr, np,
                     "segment %06d line %lld: seq %lld: prev does not match the hash of seq %lld "
                     "(chain broken)",
                     c->seg, c->line, e.seq, c->seq);
        } else {
            memcpy(c->prev, e.hash, 65);
            c->seq = e.seq;
            c->rep->events++;
            int m = mod_index(e.src);
            if (e.src_i == e.src_n && m >= 0 && e.src_id > c->rep->mark[m])
                c->rep->mark[m] = e.src_id;
            if (e.seq == c->want) {
                memcpy(c->want_hash, e.hash, 65);
                c->want_seg = c->seg;
                c->want_off = c->off;
            }
            return 0;
        }
    }
    c->rep->bad_seq = at;
    c->rep->bad_segment = c->seg;
    c->rep->bad_line = c->line;
    return CHAIN_BROKEN;
}

/* The head against the line it names. */
static void verify_head(verify_ctx *c, const head_t *h)
{
    journal_report *rep = c->rep;
    char *pr = rep->problem;
    size_t np = sizeof rep->problem;
    rep->head_seq = h->seq;
    if (h->seq > c->seq) {
        snprintf(pr, np,
                 "journal ends at seq %lld (segment %06d line %lld) but its head records seq %lld "
                 "(truncated)",
                 c->seq, c->seg, c->line, h->seq);
        rep->bad_seq = c->seq + 1;
        rep->bad_segment = c->seg;
        rep->bad_line = c->line + 1;
    } else if (h->seq == 0) {
        if (strcmp(h->hash, zero_hash) != 0)
            snprintf(pr, np, "the head records no events but a hash that is not 64 zeros");
    } else if (strcmp(h->hash, c->want_hash) != 0) {
        snprintf(pr, np,
                 "the head records seq %lld with hash %.12s..., but that line (segment %06d) "
                 "hashes to %.12s... (head or line replaced)",
                 h->seq, h->hash, c->want_seg, c->want_hash);
        rep->bad_seq = h->seq;
    } else if ((h->segment != c->want_seg || h->offset != c->want_off) &&
               !(h->segment == c->want_seg + 1 && h->offset == 0)) {
        /* (a head may name the next segment before anything is in it) */
        snprintf(pr, np,
                 "the head places seq %lld at segment %06d byte %lld, but it ends at segment "
                 "%06d byte %lld",
                 h->seq, h->segment, h->offset, c->want_seg, c->want_off);
        rep->bad_seq = h->seq;
    }
}

int journal_verify(tenant_t *t, journal_report *rep, armms_err *err)
{
    memset(rep, 0, sizeof *rep);
    verify_ctx c = {.t = t, .rep = rep, .want = -1};
    memcpy(c.prev, zero_hash, 65);
    head_t h;
    int have = 0;
    char *p = jpath(t, "head");
    FILE *f = fopen(p, "r");
    free(p);
    if (f) {
        char line[1024];
        have = fgets(line, sizeof line, f) && head_parse(line, &h) == 0;
        fclose(f);
    }
    if (have)
        c.want = h.seq;
    int *segs, n, rc = 0;
    if (list_segments(t, &segs, &n, err))
        return err->code;
    for (int i = 0; !rc && i < n; i++) {
        long long torn = 0;
        c.seg = segs[i];
        c.line = c.off = 0;
        rc = segment_each(t, segs[i], verify_cb, &c, &torn, err);
        if (rc && rc != CHAIN_BROKEN)
            break; /* I/O error */
        if (!rc && torn) {
            snprintf(rep->problem, sizeof rep->problem,
                     "segment %06d line %lld: ends in a torn line after seq %lld", segs[i],
                     c.line + 1, c.seq);
            rep->bad_seq = c.seq + 1;
            rep->bad_segment = segs[i];
            rep->bad_line = c.line + 1;
            rc = CHAIN_BROKEN;
        }
    }
    free(segs);
    if (rc && rc != CHAIN_BROKEN)
        return rc;
    if (!rep->problem[0] && have)
        verify_head(&c, &h);
    return 0;
}

int journal_outbox_read(sqlite3 *db, journal_outbox *o, armms_err *err)
{
    long long held, first;
    if (outbox_state(db, 0, &o->last_id, &held, &first) != 0)
        return err_set(err, EXIT_SOFTWARE, "journal: %s", sqlite3_errmsg(db));
    o->rows = held;
    o->first = held ? first : o->last_id + 1;
    return 0;
}

void journal_outbox_compare(const journal_report *rep, const char *module, const journal_outbox *o,
                            long long *pending, long long *lost_from, long long *lost_to)
{
    int m = mod_index(module);
    long long j = m >= 0 ? rep->mark[m] : 0;
    *lost_from = *lost_to = 0;
    /* held rows form the range [first, last_id]: pruning cuts a prefix */
    *pending = o->last_id > j ? o->last_id - (j >= o->first ? j : o->first - 1) : 0;
    if (*pending > o->rows)
        *pending = o->rows;
    if (j < o->first - 1) {
        *lost_from = j + 1;
        *lost_to = o->first - 1;
    }
}

static int gzip_file(const char *src, const char *dst, armms_err *err)
{
    int in = open(src, O_RDONLY | O_CLOEXEC);
    if (in < 0)
        return err_set(err, EXIT_IOERR, "cannot open %s: %s", src, strerror(errno));
    gzFile gz = gzopen(dst, "wb6");
    if (!gz) {
        close(in);
        return err_set(err, EXIT_IOERR, "cannot create %s", dst);
    }
    char buf[1 << 16];
    ssize_t n;
    int rc = 0;
    while ((n = read(in, buf, sizeof buf)) > 0)
        if (gzwrite(gz, buf, (unsigned)n) != n) {
            rc = err_set(err, EXIT_IOERR, "cannot compress %s", src);
            break;
        }
    if (n < 0)
        rc = err_set(err, EXIT_IOERR, "cannot read %s", src);
    if (gzclose(gz) != Z_OK && !rc)
        rc = err_set(err, EXIT_IOERR, "cannot finish %s", dst);
    close(in);
    if (!rc) {
        int fd = open(dst, O_RDONLY | O_CLOEXEC);
        if (fd >= 0) {
            fsync(fd);
            close(fd);
        }
    }
    return rc;
}

int journal_seal(tenant_t *t, int *sealed, armms_err *err)
{
    *sealed = 0;
    int lfd;
    if (lock_journal(t, &lfd, err))
        return err->code;
    head_t h;
    int rc = head_load(t, &h, err);
    int *segs = NULL, n = 0;
    if (!rc)
        rc = list_segments(t, &segs, &n, err);
    for (int i = 0; !rc && i < n; i++) {
        if (segs[i] >= h.segment)
            continue; /* the open segment stays plain */
        char *plain = seg_path(t, segs[i], 0), *gz = seg_path(t, segs[i], 1);
        char *tmp = xasprintf("%s.tmp", gz);
        if (access(plain, F_OK) == 0) {
            rc = gzip_file(plain, tmp, err);
            if (!rc && rename(tmp, gz) != 0)
                rc = err_set(err, EXIT_IOERR, "cannot rename %s", tmp);
            /* the .gz is durable before the plain copy goes */
            if (!rc && !(rc = journal_dir_sync(t, err))) {
                unlink(plain);
                (*sealed)++;
            }
        }
        free(plain);
        free(gz);
        free(tmp);
    }
    free(segs);
    if (!rc && *sealed)
        rc = journal_dir_sync(t, err);
    close(lfd);
    return rc;
}

int journal_last_seq(tenant_t *t, long long *seq, armms_err *err)
{
    int lfd;
    if (lock_journal(t, &lfd, err))
        return err->code;
    head_t h;
    int rc = head_load(t, &h, err);
    *seq = rc ? 0 : h.seq;
    close(lfd);
    return rc;
}

int journal_consumer_valid(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 64)
        return 0;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '-' || *s == '_'))
            return 0;
    return 1;
}

int journal_cursor_get(tenant_t *t, const char *name, long long *seq, armms_err *err)
{
    *seq = 0;
    if (!journal_consumer_valid(name))
        return err_set(err, EXIT_USAGE, "invalid consumer name '%s'", name);
    char *p = xasprintf("%s/journal/cursors/%s", t->dir, name);
    FILE *f = fopen(p, "r");
    free(p);
    if (!f)
        return errno == ENOENT
                   ? 0
                   : err_set(err, EXIT_IOERR, "cannot read cursor %s: %s", name, strerror(errno));
    int ok = fscanf(f, "%lld", seq) == 1 && *seq >= 0;
    fclose(f);
    if (!ok)
        return err_set(err, EXIT_SOFTWARE, "tenant %s: cursor %s is damaged", t->id, name);
    return 0;
}

int journal_cursor_set(tenant_t *t, const char *name, long long seq, armms_err *err)
{
    if (!journal_consumer_valid(name))
        return err_set(err, EXIT_USAGE, "invalid consumer name '%s'", name);
    char *dir = xasprintf("%s/journal/cursors", t->dir);
    if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
        err_set(err, EXIT_CANTCREAT, "cannot create %s: %s", dir, strerror(errno));
        free(dir);
        return err->code;
    }
    char *p = xasprintf("%s/%s", dir, name), *tmp = xasprintf("%s.lock", p);
    FILE *f = fopen(tmp, "w");
    int bad = !f || fprintf(f, "%lld\n", seq) < 0 || fflush(f) != 0 || fsync(fileno(f)) != 0;
    if (f && fclose(f) != 0)
        bad = 1;
    if (!bad && rename(tmp, p) != 0)
        bad = 1;
    int rc =
        bad ? err_set(err, EXIT_IOERR, "cannot move cursor %s: %s", name, strerror(errno)) : 0;
    if (!rc)
        rc = fsync_dir(dir, err);
    if (bad)
        unlink(tmp);
    free(dir);
    free(p);
    free(tmp);
    return rc;
}
