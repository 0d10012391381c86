/*
 * journal_seal.c - the journal's upkeep (see journal.h): sealing closed
 * segments (gzip), the checkpoint, retention, the head as an anchor, and
 * the consumer cursors.
 *
 * Invariants:
 *  1. The open segment (the one the head names) is never sealed nor
 *     removed; a segment's .gz is complete and durable before its plain
 *     copy is removed, so at every instant one whole copy exists.
 *  2. A cursor and the checkpoint move by an atomic rename of a fsynced
 *     file, so each is always either the old or the new one.
 *  3. A segment is removed only when it is sealed, the checkpoint (written
 *     after a verify) covers its last seq, and every consumer cursor is at
 *     or past it; removal goes oldest first, so what is left is contiguous
 *     and begins right after a point the checkpoint vouches for.
 */
#define _GNU_SOURCE
#include "store/journal.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "store/journal_int.h"

#include <dirent.h>
#include <jv.h>

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

/* Seal every closed segment; under the lock, h the loaded head. */
static int seal_locked(tenant_t *t, const head_t *h, int *sealed, armms_err *err)
{
    *sealed = 0;
    int *segs = NULL, n = 0;
    int rc = jnl_list_segments(t, &segs, &n, err);
    for (int i = 0; !rc && i < n; i++) {
        if (segs[i] >= h->segment)
            continue; /* the open segment stays plain */
        char *plain = seg_path(t, segs[i], 0), *gz = seg_path(t, segs[i], 1);
        char *tmp = xasprintf("%s.tmp", gz);
        if (faccessat(AT_FDCWD, plain, F_OK, AT_EACCESS) == 0) {
            rc = gzip_file(plain, tmp, err);
            if (!rc && rename(tmp, gz) != 0)
                rc = err_set(err, EXIT_IOERR, "cannot rename %s", tmp);
            /* the .gz is durable before the plain copy goes */
            if (!rc && !(rc = jnl_dir_sync(t, err))) {
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
        rc = jnl_dir_sync(t, err);
    return rc;
}

int journal_seal(tenant_t *t, int *sealed, armms_err *err)
{
    *sealed = 0;
    int lfd;
    if (jnl_lock(t, &lfd, err))
        return err->code;
    head_t h;
    int rc = jnl_head_load(t, &h, err);
    if (!rc)
        rc = seal_locked(t, &h, sealed, err);
    close(lfd);
    return rc;
}

int journal_head_get(tenant_t *t, long long *seq, char *hash, armms_err *err)
{
    int lfd;
    if (jnl_lock(t, &lfd, err))
        return err->code;
    head_t h;
    int rc = jnl_head_load(t, &h, err);
    if (!rc) {
        *seq = h.seq;
        memcpy(hash, h.hash, 65);
    }
    close(lfd);
    return rc;
}

/* The last digest the journal recorded of each module's audited tables,
 * up to seq: digests[src][table] = {rows, sum, seq}. */
typedef struct digests_ctx {
    jv d;
    long long upto;
} digests_ctx;

static int digests_cb(const char *line, size_t len, void *vctx)
{
    digests_ctx *c = vctx;
    if (!memmem(line, len, "\"digest\":{", 10))
        return 0;
    jv v = jv_parse_sized(line, (int)len);
    jv seq = jv_object_get(jv_copy(v), jv_string("seq"));
    jv src = jv_object_get(jv_copy(v), jv_string("src"));
    jv dg = jv_object_get(jv_copy(v), jv_string("digest"));
    if (jv_get_kind(seq) == JV_KIND_NUMBER && jv_number_value(seq) <= (double)c->upto &&
        jv_get_kind(src) == JV_KIND_STRING && jv_get_kind(dg) == JV_KIND_OBJECT) {
        jv mod = jv_object_get(jv_copy(c->d), jv_copy(src));
        if (jv_get_kind(mod) != JV_KIND_OBJECT) {
            jv_free(mod);
            mod = jv_object();
        }
        jv_object_foreach(dg, key, val)
        {
            val = jv_object_set(val, jv_string("seq"), jv_copy(seq));
            mod = jv_object_set(mod, key, val);
        }
        c->d = jv_object_set(c->d, jv_copy(src), mod);
    }
    jv_free(seq);
    jv_free(src);
    jv_free(dg);
    jv_free(v);
    return 0;
}

/* Write journal/checkpoint (CHECKPOINT.lock, fsync, rename, fsync dir). */
static int checkpoint_put(tenant_t *t, const journal_checkpoint *ck, const char *digests,
                          armms_err *err)
{
    strbuf b;
    sb_init(&b);
    sb_adds(&b, "{\"tenant_id\":");
    sb_add_json_str(&b, t->id, strlen(t->id));
    sb_addf(&b, ",\"segment\":%d,\"seq\":%lld", ck->segment, ck->seq);
    sb_add_json_kv(&b, "hash", ck->hash);
    sb_add_json_kv(&b, "at", ck->at);
    sb_adds(&b, ",\"marks\":{");
    for (int i = 0; i < NMOD; i++)
        sb_addf(&b, "%s\"%s\":%lld", i ? "," : "", journal_modules[i], ck->mark[i]);
    sb_adds(&b, "},\"digests\":");
    sb_adds(&b, digests);
    sb_adds(&b, "}\n");
    char *p = jpath(t, "checkpoint"), *tmp = jpath(t, "checkpoint.lock");
    FILE *f = fopen(tmp, "w");
    int bad = !f || fwrite(b.s, 1, b.len, f) != b.len || fflush(f) != 0 || fsync(fileno(f)) != 0;
    if (f && fclose(f) != 0)
        bad = 1;
    if (!bad && rename(tmp, p) != 0)
        bad = 1;
    int rc =
        bad ? err_set(err, EXIT_IOERR, "cannot write the journal checkpoint: %s", strerror(errno))
            : jnl_dir_sync(t, err);
    if (bad)
        unlink(tmp);
    free(p);
    free(tmp);
    sb_free(&b);
    return rc;
}

int journal_checkpoint_write(tenant_t *t, const char *at, journal_checkpoint *ck,
                             journal_report *rep, armms_err *err)
{
    memset(ck, 0, sizeof *ck);
    int lfd;
    if (jnl_lock(t, &lfd, err))
        return err->code;
    head_t h;
    int rc = jnl_head_load(t, &h, err);
    if (!rc)
        rc = journal_verify_ex(t, NULL, rep, err);
    if (!rc && !rep->problem[0] && rep->last_seq == 0)
        snprintf(rep->problem, sizeof rep->problem, "the journal holds no events to checkpoint");
    if (!rc && !rep->problem[0]) {
        assert(rep->last_seq == h.seq); /* verify read to the head, under the lock */
        ck->segment = rep->last_segment;
        ck->seq = rep->last_seq;
        memcpy(ck->hash, rep->last_hash, 65);
        snprintf(ck->at, sizeof ck->at, "%s", at);
        /* the head's marks: the lines' own, and those of rows journaled
         * before the first kept segment */
        for (int i = 0; i < NMOD; i++)
            ck->mark[i] = h.mark[i] > rep->mark[i] ? h.mark[i] : rep->mark[i];
        /* the digests: the previous checkpoint's for segments removed,
         * then every record the journal holds */
        char *old = NULL;
        digests_ctx dc = {.upto = ck->seq};
        rc = rep->from_seq ? journal_checkpoint_digests(t, &old, err) : 0;
        dc.d = old ? jv_parse(old) : jv_object();
        free(old);
        if (jv_get_kind(dc.d) != JV_KIND_OBJECT) {
            jv_free(dc.d);
            dc.d = jv_object();
        }
        if (!rc)
            rc = journal_each(t, digests_cb, &dc, err);
        jv text = jv_dump_string(dc.d, JV_PRINT_SORTED);
        if (!rc)
            rc = checkpoint_put(t, ck, jv_string_value(text), err);
        jv_free(text);
    }
    close(lfd);
    return rc;
}

/* The last seq of segment seg (0 when it holds no line). */
typedef struct last_ctx {
    long long seq;
} last_ctx;

static int last_cb(const char *line, size_t len, void *vctx)
{
    envelope e;
    if (jnl_envelope_read(line, len, &e) == 0)
        ((last_ctx *)vctx)->seq = e.seq;
    return 0;
}

/* The lowest consumer cursor: *name its name ("" when there are none). */
static int lowest_cursor(tenant_t *t, long long *low, char *name, size_t nn, armms_err *err)
{
    *low = -1;
    name[0] = 0;
    char *dir = xasprintf("%s/journal/cursors", t->dir);
    DIR *d = opendir(dir);
    free(dir);
    if (!d)
        return errno == ENOENT ? 0
                               : err_set(err, EXIT_IOERR, "cannot read the consumer cursors: %s",
                                         strerror(errno));
    struct dirent *de;
    int rc = 0;
    while (!rc && (de = readdir(d))) {
        if (!journal_consumer_valid(de->d_name))
            continue; /* ".", "..", NAME.lock */
        long long seq;
        if ((rc = journal_cursor_get(t, de->d_name, &seq, err)))
            break;
        if (*low < 0 || seq < *low || (seq == *low && strcmp(de->d_name, name) < 0)) {
            *low = seq;
            snprintf(name, nn, "%s", de->d_name);
        }
    }
    closedir(d);
    return rc;
}

int journal_retain(tenant_t *t, int keep, journal_retention *r, armms_err *err)
{
    memset(r, 0, sizeof *r);
    int lfd;
    if (jnl_lock(t, &lfd, err))
        return err->code;
    head_t h;
    journal_checkpoint ck;
    int have_ck = 0, *segs = NULL, n = 0;
    long long low = -1;
    char cname[72];
    int rc = jnl_head_load(t, &h, err);
    if (!rc)
        rc = seal_locked(t, &h, &r->sealed, err);
    if (!rc)
        rc = journal_checkpoint_read(t, &ck, &have_ck, err);
    if (!rc)
        rc = lowest_cursor(t, &low, cname, sizeof cname, err);
    if (!rc)
        rc = jnl_list_segments(t, &segs, &n, err);
    int closed = 0;
    for (int i = 0; i < n; i++)
        closed += segs[i] < h.segment;
    int removable = closed - keep; /* the oldest closed segments beyond keep */
    for (int i = 0; !rc && i < n && i < removable; i++) {
        last_ctx lc = {0};
        if ((rc = jnl_segment_each(t, segs[i], last_cb, &lc, NULL, err)))
            break;
        if (!have_ck)
            snprintf(r->held_by, sizeof r->held_by,
                     "there is no checkpoint (armms-journal checkpoint)");
        else if (ck.seq < lc.seq)
            snprintf(r->held_by, sizeof r->held_by, "the checkpoint is at seq %lld", ck.seq);
        else if (cname[0] && low < lc.seq)
            snprintf(r->held_by, sizeof r->held_by, "consumer cursor %s is at seq %lld", cname,
                     low);
        if (r->held_by[0]) {
            r->held_segment = segs[i];
            r->held_last = lc.seq;
            break;
        }
        char *gz = seg_path(t, segs[i], 1);
        if (unlink(gz) != 0)
            rc = err_set(err, EXIT_IOERR, "cannot remove %s: %s", gz, strerror(errno));
        free(gz);
        if (!rc && !(rc = jnl_dir_sync(t, err))) {
            if (!r->first_removed)
                r->first_removed = segs[i];
            r->last_removed = segs[i];
            r->removed++;
        }
    }
    free(segs);
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
    if (mkdir(dir, 0777) != 0 && errno != EEXIST) {
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
        rc = jnl_fsync_dir(dir, err);
    if (bad)
        unlink(tmp);
    free(dir);
    free(p);
    free(tmp);
    return rc;
}
