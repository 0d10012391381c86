/*
 * journal_seal.c - the journal's upkeep (see journal.h): sealing closed
 * segments (gzip) and the consumer cursors.
 *
 * Invariants: the open segment (the one the head names) is never sealed; a
 * segment's .gz is complete and durable before its plain copy is removed,
 * so at every instant one whole copy exists; a cursor moves by an atomic
 * rename of a fsynced file, so it is always either the old or the new seq.
 */
#define _GNU_SOURCE
#include "store/journal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "store/journal_int.h"

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
    if (jnl_lock(t, &lfd, err))
        return err->code;
    head_t h;
    int rc = jnl_head_load(t, &h, err);
    int *segs = NULL, n = 0;
    if (!rc)
        rc = jnl_list_segments(t, &segs, &n, err);
    for (int i = 0; !rc && i < n; i++) {
        if (segs[i] >= h.segment)
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
