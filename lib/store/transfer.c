/*
 * transfer.c - see transfer.h.
 */
#define _GNU_SOURCE
#include "store/transfer.h"

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jv.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/ndjson.h"
#include "core/secure.h"
#include "core/sha.h"
#include "store/journal.h"
#include "store/journal_int.h"
#include "store/store.h"

static const char *const stores[] = {"hr", "tk", "pay", "iam"};

/* ---- the names an archive may hold ---- */

static int all_digits(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return 0;
    return n > 0;
}

/* 1 when name is a file of a tenant's export (manifest.json aside). */
static int name_ok(const char *name)
{
    static const char *const fixed[] = {
        "hr.db",     "tk.db",       "pay.db",       "iam.db",
        "notify.db", "tenant.conf", "journal/head", "journal/checkpoint"};
    for (size_t i = 0; i < sizeof fixed / sizeof *fixed; i++)
        if (!strcmp(name, fixed[i]))
            return 1;
    if (!strncmp(name, "journal/cursors/", 16))
        return journal_consumer_valid(name + 16);
    if (!strncmp(name, "journal/", 8)) {
        const char *s = name + 8, *dot = strchr(s, '.');
        return dot && dot - s == 6 && all_digits(s, 6) &&
               (!strcmp(dot, ".ndjson") || !strcmp(dot, ".ndjson.gz"));
    }
    return 0;
}

/* ---- export ---- */

typedef struct item {
    char *name, *path; /* in the archive; on disk */
} item;

typedef struct items {
    item *v;
    int n, cap;
} items;

static void items_add(items *l, const char *name, char *path)
{
    if (l->n == l->cap) {
        l->cap = l->cap ? 2 * l->cap : 32;
        l->v = xrealloc(l->v, (size_t)l->cap * sizeof *l->v);
    }
    l->v[l->n].name = xstrdup(name);
    l->v[l->n++].path = path;
}

static void items_free(items *l)
{
    for (int i = 0; i < l->n; i++) {
        free(l->v[i].name);
        free(l->v[i].path);
    }
    free(l->v);
}

static int name_cmp(const void *a, const void *b)
{
    return strcmp(((const item *)a)->name, ((const item *)b)->name);
}

/* SQLite's online backup of module's store to path: one consistent copy,
 * read while other tools write. */
static int backup(tenant_t *t, const char *module, const char *path, armms_err *err)
{
    char *src = xasprintf("%s/%s.db", t->dir, module);
    sqlite3 *from = NULL, *to = NULL;
    int rc = sqlite3_open_v2(src, &from, SQLITE_OPEN_READONLY, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_open_v2(path, &to, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);
    if (rc == SQLITE_OK) {
        sqlite3_busy_timeout(from, t->wait_ms);
        sqlite3_backup *b = sqlite3_backup_init(to, "main", from, "main");
        if (!b) {
            rc = sqlite3_errcode(to);
        } else {
            do
                rc = sqlite3_backup_step(b, -1);
            while (rc == SQLITE_BUSY || rc == SQLITE_LOCKED);
            rc = sqlite3_backup_finish(b) == SQLITE_OK && rc == SQLITE_DONE ? SQLITE_OK : rc;
        }
    }
    if (rc != SQLITE_OK)
        err_set(err, rc == SQLITE_BUSY ? EXIT_TEMPFAIL : EXIT_IOERR,
                "tenant %s: cannot copy %s.db: %s", t->id, module,
                to     ? sqlite3_errmsg(to)
                : from ? sqlite3_errmsg(from)
                       : "cannot open it");
    sqlite3_close(from);
    sqlite3_close(to);
    free(src);
    return rc == SQLITE_OK ? 0 : err->code;
}

/* The journal's files (segments, head, cursors) as items. */
static int journal_items(tenant_t *t, items *l, armms_err *err)
{
    char *dir = xasprintf("%s/journal", t->dir);
    DIR *d = opendir(dir);
    if (!d) {
        err_set(err, EXIT_IOERR, "tenant %s: cannot read %s: %s", t->id, dir, strerror(errno));
        free(dir);
        return err->code;
    }
    struct dirent *de;
    while ((de = readdir(d))) {
        char name[300];
        snprintf(name, sizeof name, "journal/%s", de->d_name);
        if (name_ok(name))
            items_add(l, name, xasprintf("%s/%s", dir, de->d_name));
    }
    closedir(d);
    char *cur = xasprintf("%s/cursors", dir);
    if ((d = opendir(cur))) {
        while ((de = readdir(d))) {
            char name[300];
            snprintf(name, sizeof name, "journal/cursors/%s", de->d_name);
            if (name_ok(name))
                items_add(l, name, xasprintf("%s/%s", cur, de->d_name));
        }
        closedir(d);
    }
    free(cur);
    free(dir);
    return 0;
}

static int la_fail(struct archive *a, const char *what, armms_err *err)
{
    return err_set(err, EXIT_IOERR, "%s: %s", what,
                   archive_error_string(a) ? archive_error_string(a) : "libarchive failed");
}

/* Write one file into w, its SHA-256 into hex and size into *size. */
static int put_file(struct archive *w, const item *it, char *hex, long long *size, armms_err *err)
{
    int fd = open(it->path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0) {
        err_set(err, EXIT_IOERR, "cannot read %s: %s", it->path, strerror(errno));
        if (fd >= 0)
            close(fd);
        return err->code;
    }
    struct archive_entry *e = archive_entry_new();
    archive_entry_set_pathname(e, it->name);
    archive_entry_set_filetype(e, AE_IFREG);
    archive_entry_set_perm(e, 0600);
    archive_entry_set_size(e, st.st_size);
    archive_entry_set_mtime(e, st.st_mtime, 0);
    int rc = archive_write_header(w, e) == ARCHIVE_OK ? 0 : la_fail(w, it->name, err);
    archive_entry_free(e);
    sha256_stream *h = sha256_begin();
    char buf[1 << 16];
    ssize_t k;
    *size = 0;
    while (!rc && (k = read(fd, buf, sizeof buf)) > 0) {
        sha256_add(h, buf, (size_t)k);
        *size += k;
        if (archive_write_data(w, buf, (size_t)k) != k)
            rc = la_fail(w, it->name, err);
    }
    sha256_end(h, hex);
    close(fd);
    if (!rc && *size != st.st_size)
        rc = err_set(err, EXIT_IOERR, "%s changed while it was copied", it->path);
    return rc;
}

static int put_manifest(struct archive *w, tenant_t *t, jv files, armms_err *err)
{
    char now[32];
    time_t s = time(NULL);
    strftime(now, sizeof now, "%Y-%m-%dT%H:%M:%SZ", gmtime(&s));
    jv m = jv_object();
    m = jv_object_set(m, jv_string("kind"), jv_string("TenantExport"));
    m = jv_object_set(m, jv_string("v"), jv_number(1));
    m = jv_object_set(m, jv_string("tenant"), jv_string(t->id));
    m = jv_object_set(m, jv_string("exported_at"), jv_string(now));
    m = jv_object_set(m, jv_string("exported_by"), jv_string(t->actor));
    m = jv_object_set(m, jv_string("files"), files);
    jv text = jv_dump_string(m, 0);
    const char *txt = jv_string_value(text);
    size_t n = strlen(txt);
    struct archive_entry *e = archive_entry_new();
    archive_entry_set_pathname(e, "manifest.json");
    archive_entry_set_filetype(e, AE_IFREG);
    archive_entry_set_perm(e, 0600);
    archive_entry_set_size(e, (la_int64_t)n + 1);
    archive_entry_set_mtime(e, s, 0);
    int rc = archive_write_header(w, e) == ARCHIVE_OK &&
                     archive_write_data(w, txt, n) == (la_ssize_t)n &&
                     archive_write_data(w, "\n", 1) == 1
                 ? 0
                 : la_fail(w, "manifest.json", err);
    archive_entry_free(e);
    jv_free(text);
    return rc;
}

int tenant_export(tenant_t *t, const char *path, long *files, armms_err *err)
{
    *files = 0;
    char *tmpdir = xasprintf("%s/tenants/.export-%s-XXXXXX", t->home, t->id);
    if (!mkdtemp(tmpdir)) {
        err_set(err, EXIT_CANTCREAT, "cannot make %s: %s", tmpdir, strerror(errno));
        free(tmpdir);
        return err->code;
    }
    char *tmp = xasprintf("%s.tmp-%ld", path, (long)getpid());
    items l = {0};
    int lfd = -1, rc = jnl_lock(t, &lfd, err);
    /* under the lock: the stores (notify.db, armms-notify's own, when the
     * tenant has one), then the journal as it stands */
    char *notify = tenant_path(t, "notify.db");
    int copies = 4 + (access(notify, F_OK) == 0);
    free(notify);
    for (int i = 0; !rc && i < copies; i++) {
        const char *module = i < 4 ? stores[i] : "notify";
        char name[16];
        snprintf(name, sizeof name, "%s.db", module);
        char *p = xasprintf("%s/%s", tmpdir, name);
        rc = backup(t, module, p, err);
        items_add(&l, name, p);
    }
    if (!rc)
        items_add(&l, "tenant.conf", tenant_path(t, "tenant.conf"));
    if (!rc)
        rc = journal_items(t, &l, err);
    if (!rc && l.n > copies + 1)
        qsort(l.v + copies + 1, (size_t)(l.n - copies - 1), sizeof *l.v, name_cmp);
    struct archive *w = archive_write_new();
    int fd = -1;
    if (!rc && (fd = caller_open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600)) < 0)
        rc = err_set(err, EXIT_CANTCREAT, "cannot create %s: %s", tmp, strerror(errno));
    if (!rc && (archive_write_set_format_pax_restricted(w) != ARCHIVE_OK ||
                archive_write_add_filter_gzip(w) != ARCHIVE_OK ||
                archive_write_open_fd(w, fd) != ARCHIVE_OK))
        rc = la_fail(w, path, err);
    jv list = jv_array();
    for (int i = 0; !rc && i < l.n; i++) {
        char hex[65];
        long long size;
        if (!(rc = put_file(w, &l.v[i], hex, &size, err))) {
            jv f = jv_object();
            f = jv_object_set(f, jv_string("path"), jv_string(l.v[i].name));
            f = jv_object_set(f, jv_string("size"), jv_number((double)size));
            f = jv_object_set(f, jv_string("sha256"), jv_string(hex));
            list = jv_array_append(list, f);
            ++*files;
        }
    }
    if (lfd >= 0)
        close(lfd); /* every file is read: appends may go on */
    if (!rc)
        rc = put_manifest(w, t, jv_copy(list), err);
    jv_free(list);
    if (!rc && archive_write_close(w) != ARCHIVE_OK)
        rc = la_fail(w, path, err);
    archive_write_free(w);
    if (fd >= 0 && !rc && fsync(fd) != 0)
        rc = err_set(err, EXIT_IOERR, "cannot write %s: %s", tmp, strerror(errno));
    if (fd >= 0)
        close(fd);
    if (!rc && caller_rename(tmp, path) != 0)
        rc = err_set(err, EXIT_CANTCREAT, "cannot write %s: %s", path, strerror(errno));
    if (rc && fd >= 0)
        caller_unlink(tmp);
    for (int i = 0; i < copies && i < l.n; i++)
        unlink(l.v[i].path);
    rmdir(tmpdir);
    items_free(&l);
    free(tmp);
    free(tmpdir);
    return rc;
}

/* ---- restore ---- */

typedef struct got {
    char name[300], sha[65];
    long long size;
} got;

static int bad(armms_err *err, const char *path, const char *why)
{
    return err_set(err, EXIT_DATAERR, "%s is not a tenant export ARMMS can restore: %s", path,
                   why);
}

/* Remove what a refused restore wrote under dir. */
static void remove_tree(const char *dir)
{
    DIR *d = opendir(dir);
    if (d) {
        struct dirent *de;
        while ((de = readdir(d))) {
            if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
                continue;
            char *p = xasprintf("%s/%s", dir, de->d_name);
            struct stat st;
            if (lstat(p, &st) == 0 && S_ISDIR(st.st_mode))
                remove_tree(p);
            else
                unlink(p);
            free(p);
        }
        closedir(d);
    }
    rmdir(dir);
}

/* One entry's data into dir/name, its SHA-256 and size into g. */
static int take(struct archive *r, const char *arc, const char *dir, const char *name, got *g,
                armms_err *err)
{
    char *p = xasprintf("%s/%s", dir, name);
    if (!strncmp(name, "journal/", 8)) {
        char *j = xasprintf("%s/journal", dir), *c = xasprintf("%s/journal/cursors", dir);
        mkdir(j, 0777);
        if (!strncmp(name, "journal/cursors/", 16))
            mkdir(c, 0777);
        free(j);
        free(c);
    }
    int fd = open(p, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666), rc = 0;
    if (fd < 0)
        rc = err_set(err, EXIT_CANTCREAT, "cannot write %s: %s", p, strerror(errno));
    sha256_stream *h = sha256_begin();
    char buf[1 << 16];
    la_ssize_t k;
    g->size = 0;
    while (!rc && (k = archive_read_data(r, buf, sizeof buf)) > 0) {
        sha256_add(h, buf, (size_t)k);
        g->size += k;
        if (write(fd, buf, (size_t)k) != k)
            rc = err_set(err, EXIT_IOERR, "cannot write %s: %s", p, strerror(errno));
    }
    if (!rc && k < 0) {
        char why[400];
        snprintf(why, sizeof why, "%.200s is cut short or damaged (%.150s)", name,
                 archive_error_string(r) ? archive_error_string(r) : "libarchive");
        rc = bad(err, arc, why);
    }
    sha256_end(h, g->sha);
    if (fd >= 0 && !rc && fsync(fd) != 0)
        rc = err_set(err, EXIT_IOERR, "cannot write %s: %s", p, strerror(errno));
    if (fd >= 0)
        close(fd);
    free(p);
    return rc;
}

/* The manifest against what the archive held: every file it names there,
 * with its size and SHA-256, and nothing else. */
static int check_manifest(const char *path, const char *text, const got *g, int n, char *id,
                          armms_err *err)
{
    jv m = jv_parse(text);
    int rc = 0;
    const char *kind = jv_get_kind(m) == JV_KIND_OBJECT ? json_str_peek(m, "kind", &(int){0}) : 0;
    const char *tid = kind ? json_str_peek(m, "tenant", &(int){0}) : NULL;
    jv files = kind ? jv_object_get(jv_copy(m), jv_string("files")) : jv_invalid();
    if (!kind || strcmp(kind, "TenantExport") || !tid || !tenant_id_valid(tid) ||
        jv_get_kind(files) != JV_KIND_ARRAY) {
        rc = bad(err, path, "its manifest.json is not a TenantExport");
    } else if (jv_array_length(jv_copy(files)) != n) {
        rc = bad(err, path, "its files are not the ones its manifest names");
    } else {
        snprintf(id, 64, "%s", tid);
        jv_array_foreach(files, i, f)
        {
            const char *fp =
                jv_get_kind(f) == JV_KIND_OBJECT ? json_str_peek(f, "path", &(int){0}) : NULL;
            const char *fs = fp ? json_str_peek(f, "sha256", &(int){0}) : NULL;
            jv sz = fp ? jv_object_get(jv_copy(f), jv_string("size")) : jv_invalid();
            int found = 0;
            for (int j = 0; !rc && fp && fs && j < n; j++)
                if (!strcmp(g[j].name, fp)) {
                    found = 1;
                    if (strcmp(g[j].sha, fs) || jv_get_kind(sz) != JV_KIND_NUMBER ||
                        (long long)jv_number_value(sz) != g[j].size) {
                        char why[400];
                        snprintf(why, sizeof why, "%s is not what its manifest says (SHA-256)",
                                 fp);
                        rc = bad(err, path, why);
                    }
                }
            if (!rc && !found) {
                char why[400];
                snprintf(why, sizeof why, "%s, named in its manifest, is missing",
                         fp ? fp : "a file");
                rc = bad(err, path, why);
            }
            jv_free(sz);
            jv_free(f);
            if (rc)
                break;
        }
    }
    jv_free(files);
    jv_free(m);
    return rc;
}

int tenant_restore(const char *path, const char *only_id, char *id, long *files, armms_err *err)
{
    *files = 0;
    id[0] = 0;
    char *home = armms_home();
    char *tenants = xasprintf("%s/tenants", home);
    mkdir(home, 0777);
    mkdir(tenants, 0777);
    char *tmpdir = xasprintf("%s/.restore-XXXXXX", tenants);
    if (!mkdtemp(tmpdir)) {
        err_set(err, EXIT_CANTCREAT, "cannot make %s: %s", tmpdir, strerror(errno));
        free(tmpdir);
        free(tenants);
        free(home);
        return err->code;
    }
    chmod(tmpdir, secure_on() ? 02770 : 0700);
    int fd = caller_open(path, O_RDONLY | O_CLOEXEC, 0), rc = 0;
    if (fd < 0)
        rc = err_set(err, EXIT_NOINPUT, "cannot open %s: %s", path, strerror(errno));
    struct archive *r = archive_read_new();
    archive_read_support_filter_gzip(r);
    archive_read_support_format_tar(r);
    if (!rc && archive_read_open_fd(r, fd, 1 << 16) != ARCHIVE_OK)
        rc = bad(err, path, archive_error_string(r) ? archive_error_string(r) : "not a .tar.gz");
    got *g = NULL;
    int n = 0, cap = 0;
    strbuf manifest = {0};
    struct archive_entry *e;
    int step;
    while (!rc && (step = archive_read_next_header(r, &e)) == ARCHIVE_OK) {
        const char *name = archive_entry_pathname(e);
        /* a tar made by hand has the journal's directories as entries */
        if (name && archive_entry_filetype(e) == AE_IFDIR &&
            (!strcmp(name, "journal/") || !strcmp(name, "journal") ||
             !strcmp(name, "journal/cursors/") || !strcmp(name, "journal/cursors")))
            continue;
        if (!name || archive_entry_filetype(e) != AE_IFREG) {
            rc = bad(err, path, "it holds something that is not a regular file");
            break;
        }
        if (!strcmp(name, "manifest.json")) {
            if (manifest.len) {
                rc = bad(err, path, "it holds manifest.json twice");
                break;
            }
            char buf[4096];
            la_ssize_t k;
            while ((k = archive_read_data(r, buf, sizeof buf)) > 0 && manifest.len < (1 << 24))
                sb_add(&manifest, buf, (size_t)k);
            if (k < 0)
                rc = bad(err, path, "its manifest.json is cut short or damaged");
            if (!manifest.len)
                sb_addc(&manifest, ' ');
            continue;
        }
        if (!name_ok(name)) {
            char why[400];
            snprintf(why, sizeof why, "it holds %.300s, which no tenant has", name);
            rc = bad(err, path, why);
            break;
        }
        for (int j = 0; j < n; j++)
            if (!strcmp(g[j].name, name)) {
                rc = bad(err, path, "it holds a file twice");
                break;
            }
        if (rc)
            break;
        if (n == cap) {
            cap = cap ? 2 * cap : 32;
            g = xrealloc(g, (size_t)cap * sizeof *g);
        }
        snprintf(g[n].name, sizeof g[n].name, "%s", name);
        rc = take(r, path, tmpdir, name, &g[n], err);
        n++;
    }
    if (!rc && step != ARCHIVE_EOF)
        rc = bad(err, path, archive_error_string(r) ? archive_error_string(r) : "it is cut short");
    archive_read_free(r);
    if (fd >= 0)
        close(fd);
    if (!rc && !manifest.len)
        rc = bad(err, path, "it has no manifest.json");
    if (!rc)
        rc = check_manifest(path, manifest.s, g, n, id, err);
    for (int i = 0; !rc && i < 4; i++) {
        char want[16];
        snprintf(want, sizeof want, "%s.db", stores[i]);
        int have = 0;
        for (int j = 0; j < n; j++)
            have |= !strcmp(g[j].name, want);
        if (!have) {
            char why[64];
            snprintf(why, sizeof why, "it has no %s", want);
            rc = bad(err, path, why);
        }
    }
    if (!rc && only_id && strcmp(only_id, id))
        rc = err_set(err, EXIT_USAGE, "%s is tenant %s, not %s", path, id, only_id);
    char *dest = rc ? NULL : xasprintf("%s/%s", tenants, id);
    struct stat st;
    if (!rc && lstat(dest, &st) == 0)
        rc = err_set(err, EXIT_CANTCREAT,
                     "tenant %s already exists at %s: a restore never writes over one", id, dest);
    if (!rc) {
        /* the chain, verified where it lies before it becomes the tenant */
        tenant_t tt = {0};
        snprintf(tt.id, sizeof tt.id, "%s", id);
        tt.home = home;
        tt.dir = tmpdir;
        journal_report rep;
        if (!(rc = journal_verify(&tt, &rep, err)) && rep.problem[0]) {
            char why[600];
            snprintf(why, sizeof why, "its journal does not verify: %s", rep.problem);
            rc = bad(err, path, why);
        }
    }
    if (!rc && rename(tmpdir, dest) != 0)
        rc = err_set(err, EXIT_CANTCREAT, "cannot make %s: %s", dest, strerror(errno));
    if (!rc)
        *files = n;
    if (rc)
        remove_tree(tmpdir);
    else
        chmod(dest, secure_on() ? 02770 : 0700);
    sb_free(&manifest);
    free(g);
    free(dest);
    free(tmpdir);
    free(tenants);
    free(home);
    return rc;
}
