/*
 * archive.c - see archive.h: the payrun archive, built in memory with
 * libarchive, journaled in pay.db and listed; archive_verify.c checks an
 * archive against both.
 */
#define _GNU_SOURCE
#include "out/archive.h"

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/ndjson.h"
#include "core/secure.h"
#include "core/sha.h"
#include "out/archive_int.h"
#include "out/sheets.h"
#include "pay/payrun.h"
#include "store/journal.h"

#define ENTRY_UNAME "root"

/* ---- the files under the directory ---- */

typedef struct arc_file {
    char *rel; /* path below the directory, '/'-separated */
    int exec;  /* the owner may execute it: mode 0755 */
} arc_file;

typedef struct arc_files {
    arc_file *v;
    size_t n, cap;
} arc_files;

static void files_free(arc_files *f)
{
    for (size_t i = 0; i < f->n; i++)
        free(f->v[i].rel);
    free(f->v);
    memset(f, 0, sizeof *f);
}

static int file_cmp(const void *a, const void *b)
{
    return strcmp(((const arc_file *)a)->rel, ((const arc_file *)b)->rel);
}

static const char *kind_of(mode_t m)
{
    return S_ISLNK(m)    ? "a symbolic link"
           : S_ISCHR(m)  ? "a character device"
           : S_ISBLK(m)  ? "a block device"
           : S_ISFIFO(m) ? "a FIFO"
           : S_ISSOCK(m) ? "a socket"
                         : "not a regular file";
}

/* Every regular file below root/rel (rel "" for root itself). */
static int walk(const char *root, const char *rel, arc_files *out, armms_err *err)
{
    char *path = rel[0] ? xasprintf("%s/%s", root, rel) : xstrdup(root);
    DIR *d = caller_opendir(path);
    if (!d) {
        int e = errno;
        err_set(err, e == ENOENT || e == ENOTDIR ? EXIT_NOINPUT : EXIT_IOERR,
                "cannot read the directory %s: %s", path, strerror(e));
        free(path);
        return err->code;
    }
    int rc = 0;
    struct dirent *de;
    while (!rc && (errno = 0, de = readdir(d))) {
        if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
            continue;
        char *r = rel[0] ? xasprintf("%s/%s", rel, de->d_name) : xstrdup(de->d_name);
        struct stat st;
        if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0)
            rc = err_set(err, EXIT_IOERR, "cannot stat %s/%s: %s", root, r, strerror(errno));
        else if (!utf8_valid(r, strlen(r)))
            rc = err_set(err, EXIT_DATAERR, "%s/%s: the name is not UTF-8; rename it first", root,
                         r);
        else if (S_ISDIR(st.st_mode))
            rc = walk(root, r, out, err);
        else if (!S_ISREG(st.st_mode))
            rc = err_set(err, EXIT_DATAERR,
                         "%s/%s is %s: the archive takes regular files only (copy the file in, or "
                         "move it out)",
                         root, r, kind_of(st.st_mode));
        else if (!rel[0] && !strcmp(r, MANIFEST_NAME))
            rc = err_set(err, EXIT_DATAERR,
                         "%s/%s: the archive writes its own MANIFEST; rename that file", root, r);
        else {
            if (out->n == out->cap) {
                out->cap = out->cap ? 2 * out->cap : 64;
                out->v = xrealloc(out->v, out->cap * sizeof *out->v);
            }
            out->v[out->n].rel = r;
            out->v[out->n++].exec = (st.st_mode & S_IXUSR) != 0;
            r = NULL;
        }
        free(r);
    }
    if (!rc && errno)
        rc = err_set(err, EXIT_IOERR, "cannot read the directory %s: %s", path, strerror(errno));
    closedir(d);
    free(path);
    return rc;
}

/* The whole of root/rel into b. */
static int slurp(const char *root, const char *rel, strbuf *b, armms_err *err)
{
    char *path = xasprintf("%s/%s", root, rel);
    int fd = caller_open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW, 0);
    sb_reset(b);
    if (fd < 0) {
        err_set(err, EXIT_IOERR, "cannot open %s: %s", path, strerror(errno));
        free(path);
        return err->code;
    }
    for (;;) {
        sb_grow(b, 65536);
        ssize_t got = read(fd, b->s + b->len, b->cap - b->len - 1);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0) {
            err_set(err, EXIT_IOERR, "cannot read %s: %s", path, strerror(errno));
            break;
        }
        if (got == 0)
            break;
        b->len += (size_t)got;
        b->s[b->len] = 0;
    }
    close(fd);
    free(path);
    return err->code;
}

/* ---- pay.db ---- */

/* The fixed time of every entry: approved_at, else closed_at; and the
 * status, which must be APPROVED or CLOSED. */
static int payrun_time(store_t *s, const char *period, char *at, instant_t *t, armms_err *err)
{
    sqlite3_stmt *st = NULL;
    if (store_prepare(s, &st,
                      "SELECT status, coalesce(approved_at, closed_at) FROM payrun"
                      " WHERE period_id = ?1",
                      err))
        return err->code;
    sqlite3_bind_text(st, 1, period, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    char status[16] = "";
    at[0] = 0;
    if (rc == SQLITE_ROW) {
        snprintf(status, sizeof status, "%s", (const char *)sqlite3_column_text(st, 0));
        if (sqlite3_column_text(st, 1))
            snprintf(at, 32, "%s", (const char *)sqlite3_column_text(st, 1));
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return store_fail(s, rc, "payrun", err);
    if (strcmp(status, "APPROVED") && strcmp(status, "CLOSED"))
        return err_set(err, EXIT_DATAERR,
                       "the payrun of %s is %s: only an approved or closed run is archived",
                       period, status[0] ? status : "not open");
    if (!at[0] || iso_parse(at, t, NULL) != 0)
        return err_set(err, EXIT_SOFTWARE, "the payrun of %s has no approval time", period);
    return 0;
}

/* The ArchivedPaysheet lines of the period into b; their count. */
static int paysheet_lines(store_t *s, const char *period, strbuf *b, long *n, armms_err *err)
{
    sqlite3_stmt *st = NULL;
    *n = 0;
    if (store_prepare(s, &st, ARCHIVE_PAYSHEETS_SQL, err))
        return err->code;
    sqlite3_bind_text(st, 1, period, -1, SQLITE_STATIC);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        sb_adds(b, "{\"kind\":\"ArchivedPaysheet\"");
        sb_add_json_kv(b, "paysheet_id", (const char *)sqlite3_column_text(st, 0));
        sb_addf(b, ",\"version\":%lld", (long long)sqlite3_column_int64(st, 1));
        sb_add_json_kv(b, "status", (const char *)sqlite3_column_text(st, 2));
        sb_add_json_kv(b, "digest", (const char *)sqlite3_column_text(st, 3));
        sb_adds(b, "}\n");
        (*n)++;
    }
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? 0 : store_fail(s, rc, "paysheet", err);
}

/* ---- writing ---- */

static la_ssize_t to_strbuf(struct archive *a, void *ctx, const void *buf, size_t n)
{
    sb_add(ctx, buf, n);
    return (la_ssize_t)n;
}

static int la_fail(struct archive *w, const char *what, armms_err *err)
{
    const char *m = archive_error_string(w);
    return err_set(err, EXIT_SOFTWARE, "libarchive: %s: %s", what, m ? m : "failed");
}

static int put_entry(struct archive *w, struct archive_entry *e, const char *path, int exec,
                     instant_t t, const strbuf *data, armms_err *err)
{
    archive_entry_clear(e);
    archive_entry_copy_pathname(e, path); /* UTF-8 already (walk); stored as is */
    archive_entry_set_filetype(e, AE_IFREG);
    archive_entry_set_perm(e, exec ? 0755 : 0644);
    archive_entry_set_size(e, (la_int64_t)data->len);
    archive_entry_set_uid(e, 0);
    archive_entry_set_gid(e, 0);
    archive_entry_set_uname(e, ENTRY_UNAME);
    archive_entry_set_gname(e, ENTRY_UNAME);
    archive_entry_set_mtime(e, (time_t)t, 0);
    int rc = archive_write_header(w, e);
    if (rc == ARCHIVE_FAILED) /* this entry only: a name ustar cannot hold */
        return err_set(err, EXIT_DATAERR,
                       "%s: %s (ustar holds 100 bytes of name, with directories 255)", path,
                       archive_error_string(w));
    if (rc != ARCHIVE_OK)
        return la_fail(w, path, err);
    size_t off = 0;
    while (off < data->len) {
        la_ssize_t k = archive_write_data(w, data->s + off, data->len - off);
        if (k <= 0)
            return la_fail(w, path, err);
        off += (size_t)k;
    }
    return archive_write_finish_entry(w) == ARCHIVE_OK ? 0 : la_fail(w, path, err);
}

/* The journal line of period's last PayrunApproved event (*seq 0 when the
 * journal no longer holds it). */
typedef struct approval_ctx {
    const char *period;
    long long seq;
    char hash[65];
} approval_ctx;

static int approval_cb(const char *line, size_t len, void *vctx)
{
    approval_ctx *c = vctx;
    if (!memmem(line, len, "\"event_type\":\"PayrunApproved\"", 29))
        return 0;
    jv v = jv_parse_sized(line, (int)len);
    int bad = 0;
    const char *agg =
        jv_get_kind(v) == JV_KIND_OBJECT ? json_str_peek(v, "aggregate_id", &bad) : 0;
    const char *hash = agg ? json_str_peek(v, "hash", &bad) : 0;
    jv seq = jv_get_kind(v) == JV_KIND_OBJECT ? jv_object_get(jv_copy(v), jv_string("seq"))
                                              : jv_invalid();
    if (agg && hash && !strcmp(agg, c->period) && strlen(hash) == 64 &&
        jv_get_kind(seq) == JV_KIND_NUMBER) {
        c->seq = (long long)jv_number_value(seq);
        memcpy(c->hash, hash, 65);
    }
    jv_free(seq);
    jv_free(v);
    return 0;
}

int out_archive_build(store_t *s, const char *period, const char *dir, out_archive *a,
                      armms_err *err)
{
    memset(a, 0, sizeof *a);
    sb_init(&a->bytes);
    snprintf(a->period, sizeof a->period, "%s", period);
    char at[32];
    instant_t t;
    if (payrun_time(s, period, at, &t, err))
        return err->code;
    arc_files fl = {0};
    if (walk(dir, "", &fl, err)) {
        files_free(&fl);
        return err->code;
    }
    if (fl.n == 0) {
        files_free(&fl);
        return err_set(err, EXIT_DATAERR, "%s holds no files to archive", dir);
    }
    qsort(fl.v, fl.n, sizeof *fl.v, file_cmp);

    /* the manifest: each file hashed now, and again as it is packed */
    strbuf man, sheets, data;
    sb_init(&man);
    sb_init(&sheets);
    sb_init(&data);
    char(*hex)[65] = xcalloc(fl.n, sizeof *hex);
    int rc = paysheet_lines(s, period, &sheets, &a->paysheets, err);
    strbuf body;
    sb_init(&body);
    for (size_t i = 0; !rc && i < fl.n; i++) {
        if ((rc = slurp(dir, fl.v[i].rel, &data, err)))
            break;
        sha256_hex(data.s, data.len, hex[i]);
        sb_adds(&body, "{\"kind\":\"ArchiveFile\"");
        sb_add_json_kv(&body, "path", fl.v[i].rel);
        sb_addf(&body, ",\"size\":%zu", data.len);
        sb_add_json_kv(&body, "sha256", hex[i]);
        sb_adds(&body, "}\n");
    }
    a->files = (long)fl.n;
    sb_adds(&man, "{\"kind\":\"PayrunArchiveManifest\",\"v\":1");
    sb_add_json_kv(&man, "period", period);
    sb_add_json_kv(&man, "approved_at", at);
    sb_addf(&man, ",\"files\":%ld,\"paysheets\":%ld}\n", a->files, a->paysheets);
    approval_ctx ap = {.period = period};
    if (!rc)
        rc = journal_each(s->tenant, approval_cb, &ap, err);
    if (!rc && ap.seq) {
        sb_adds(&man, "{\"kind\":\"JournalHead\"");
        sb_add_json_kv(&man, "tenant_id", s->tenant->id);
        sb_addf(&man, ",\"seq\":%lld", ap.seq);
        sb_add_json_kv(&man, "hash", ap.hash);
        sb_adds(&man, "}\n");
    }
    sb_add(&man, body.s, body.len);
    sb_add(&man, sheets.s, sheets.len);
    sb_free(&body);
    sha256_hex(man.s, man.len, a->manifest_sha256);

    struct archive *w = archive_write_new();
    struct archive_entry *e = archive_entry_new();
    if (!w || !e)
        armms_fatal("out of memory");
    if (!rc && (archive_write_set_format_ustar(w) != ARCHIVE_OK ||
                archive_write_add_filter_gzip(w) != ARCHIVE_OK ||
                /* no time stamp in the gzip header: invariant 1 */
                archive_write_set_filter_option(w, "gzip", "timestamp", NULL) != ARCHIVE_OK ||
                archive_write_set_bytes_in_last_block(w, 1) != ARCHIVE_OK ||
                archive_write_open(w, &a->bytes, NULL, to_strbuf, NULL) != ARCHIVE_OK))
        rc = la_fail(w, "gzip'd tar", err);
    char *name = xasprintf("%s/%s", period, MANIFEST_NAME);
    if (!rc)
        rc = put_entry(w, e, name, 0, t, &man, err);
    free(name);
    for (size_t i = 0; !rc && i < fl.n; i++) {
        char again[65];
        if ((rc = slurp(dir, fl.v[i].rel, &data, err)))
            break;
        sha256_hex(data.s, data.len, again);
        if (strcmp(again, hex[i])) {
            rc = err_set(err, EXIT_TEMPFAIL,
                         "%s/%s changed while it was archived; run again once it is written", dir,
                         fl.v[i].rel);
            break;
        }
        name = xasprintf("%s/%s", period, fl.v[i].rel);
        rc = put_entry(w, e, name, fl.v[i].exec, t, &data, err);
        free(name);
    }
    if (!rc && archive_write_close(w) != ARCHIVE_OK)
        rc = la_fail(w, "gzip'd tar", err);
    archive_entry_free(e);
    archive_write_free(w);
    free(hex);
    sb_free(&man);
    sb_free(&sheets);
    sb_free(&data);
    files_free(&fl);
    if (!rc) {
        a->size = a->bytes.len;
        sha256_hex(a->bytes.s, a->bytes.len, a->sha256);
    }
    return rc;
}

void out_archive_free(out_archive *a)
{
    sb_free(&a->bytes);
}

/* ---- the journal ---- */

int out_archive_journal(store_t *s, const out_archive *a, const char *file_name, int *created,
                        long *seq, armms_err *err)
{
    sqlite3_stmt *st = NULL;
    *created = 0;
    *seq = 0;
    if (store_begin(s, err))
        return err->code;
    if (store_prepare(s, &st,
                      "SELECT seq, (SELECT coalesce(max(seq), 0) FROM payrun_archive"
                      " WHERE period_id = ?1) FROM (SELECT 1) LEFT JOIN payrun_archive"
                      " ON period_id = ?1 AND sha256 = ?2",
                      err))
        goto fail;
    sqlite3_bind_text(st, 1, a->period, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, a->sha256, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    if (rc != SQLITE_ROW) {
        store_fail(s, rc, "payrun_archive", err);
        goto fail;
    }
    int known = sqlite3_column_type(st, 0) != SQLITE_NULL;
    *seq = known ? sqlite3_column_int64(st, 0) : sqlite3_column_int64(st, 1) + 1;
    sqlite3_finalize(st);
    st = NULL;
    if (known) { /* invariant 4: the same archive is recorded once */
        store_rollback(s);
        return 0;
    }
    char now[32];
    now_iso(now);
    if (store_prepare(s, &st,
                      "INSERT INTO payrun_archive(period_id, seq, sha256, file_name, size,"
                      " manifest_sha256, files, paysheets, archived_by, archived_at)"
                      " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
                      err))
        goto fail;
    sqlite3_bind_text(st, 1, a->period, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, *seq);
    sqlite3_bind_text(st, 3, a->sha256, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, file_name, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 5, (sqlite3_int64)a->size);
    sqlite3_bind_text(st, 6, a->manifest_sha256, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 7, a->files);
    sqlite3_bind_int64(st, 8, a->paysheets);
    sqlite3_bind_text(st, 9, s->tenant->actor, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 10, now, -1, SQLITE_STATIC);
    rc = sqlite3_step(st);
    sqlite3_finalize(st);
    st = NULL;
    if (rc != SQLITE_DONE) {
        store_fail(s, rc, "payrun_archive", err);
        goto fail;
    }
    strbuf p;
    sb_init(&p);
    sb_adds(&p, "{\"period\":");
    sb_add_json_str(&p, a->period, strlen(a->period));
    sb_addf(&p, ",\"seq\":%ld", *seq);
    sb_add_json_kv(&p, "file", file_name);
    sb_add_json_kv(&p, "sha256", a->sha256);
    sb_addf(&p, ",\"size\":%zu", a->size);
    sb_add_json_kv(&p, "manifest_sha256", a->manifest_sha256);
    sb_addf(&p, ",\"files\":%ld,\"paysheets\":%ld}", a->files, a->paysheets);
    rc = store_emit(s, "PayrunArchived", "Payrun", a->period, p.s, p.len, err);
    sb_free(&p);
    if (rc)
        goto fail;
    if (store_commit(s, err))
        return err->code;
    *created = 1;
    return 0;
fail:
    sqlite3_finalize(st);
    store_rollback(s);
    return err->code;
}

static const char list_sql[] =
    "SELECT period_id, seq, file_name, sha256, size, manifest_sha256, files, paysheets,"
    " archived_by, archived_at FROM payrun_archive WHERE period_id = ?1 ORDER BY seq";

static jv row_record(sqlite3_stmt *st)
{
    jv r = jv_object();
    r = jv_object_set(r, jv_string("kind"), jv_string("PayrunArchive"));
    r = jv_object_set(r, jv_string("v"), jv_number(1));
    static const char *const keys[] = {
        "period",          "seq",   "file",      "sha256",      "size",
        "manifest_sha256", "files", "paysheets", "archived_by", "archived_at"};
    for (int i = 0; i < 10; i++) {
        jv v = sqlite3_column_type(st, i) == SQLITE_INTEGER
                   ? jv_number((double)sqlite3_column_int64(st, i))
                   : jv_string((const char *)sqlite3_column_text(st, i));
        r = jv_object_set(r, jv_string(keys[i]), v);
    }
    return r;
}

int out_archive_list(store_t *s, const char *period, jv *records, armms_err *err)
{
    sqlite3_stmt *st = NULL;
    *records = jv_array();
    if (store_prepare(s, &st, list_sql, err))
        return err->code;
    sqlite3_bind_text(st, 1, period, -1, SQLITE_STATIC);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        *records = jv_array_append(*records, row_record(st));
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? 0 : store_fail(s, rc, "payrun_archive", err);
}
