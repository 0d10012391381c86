/*
 * archive_verify.c - see archive.h: checking a payrun archive against its
 * MANIFEST and pay.db (the paysheet versions paid, every file's SHA-256,
 * the archive's hash journaled). Building and listing are in archive.c.
 */
#include "out/archive.h"

#include <archive.h>
#include <archive_entry.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "core/ndjson.h"
#include "core/sha.h"
#include "out/archive_int.h"
#include "out/sheets.h"
#include "pay/payrun.h"
#include "store/journal.h"

static void finding(strbuf *f, out_verdict *v, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void finding(strbuf *f, out_verdict *v, const char *fmt, ...)
{
    va_list ap;
    char line[1024];
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    sb_adds(f, line);
    sb_addc(f, '\n');
    v->mismatches++;
}

typedef struct man_file {
    const char *path; /* inside the manifest's jv, which outlives it */
    long long size;
    const char *sha256;
    int seen;
} man_file;

typedef struct manifest {
    jv lines; /* array of the parsed lines */
    man_file *files;
    size_t nfiles;
    const char *period;
} manifest;

static void manifest_free(manifest *m)
{
    jv_free(m->lines);
    free(m->files);
}

/* Parse the MANIFEST's bytes; a finding for anything unexpected. */
static int manifest_parse(const char *text, size_t n, manifest *m, strbuf *f, out_verdict *v)
{
    memset(m, 0, sizeof *m);
    m->lines = jv_array();
    size_t pos = 0;
    long lineno = 0;
    while (pos < n) {
        const char *nl = memchr(text + pos, '\n', n - pos);
        size_t len = nl ? (size_t)(nl - (text + pos)) : n - pos;
        char *line = xmalloc(len + 1);
        memcpy(line, text + pos, len);
        line[len] = 0;
        pos += len + 1;
        lineno++;
        rejection rj = {0};
        jv o = ndjson_parse_object(line, len, &rj);
        free(line);
        if (!jv_is_valid(o)) {
            jv_free(o);
            finding(f, v, "MANIFEST line %ld is not a record", lineno);
            return -1;
        }
        m->lines = jv_array_append(m->lines, o);
    }
    int nl = jv_array_length(jv_copy(m->lines));
    if (nl == 0) {
        finding(f, v, "MANIFEST is empty");
        return -1;
    }
    jv head = jv_array_get(jv_copy(m->lines), 0);
    int bad = 0;
    const char *kind = json_str_peek(head, "kind", &bad);
    m->period = json_str_peek(head, "period", &bad);
    jv_free(head); /* the array keeps the strings alive */
    if (!kind || strcmp(kind, "PayrunArchiveManifest") || !m->period) {
        finding(f, v, "MANIFEST does not begin with a PayrunArchiveManifest record");
        return -1;
    }
    m->files = xcalloc((size_t)nl, sizeof *m->files);
    for (int i = 1; i < nl; i++) {
        jv o = jv_array_get(jv_copy(m->lines), i);
        const char *k = json_str_peek(o, "kind", &bad);
        if (k && !strcmp(k, "ArchiveFile")) {
            man_file *mf = &m->files[m->nfiles];
            mf->path = json_str_peek(o, "path", &bad);
            mf->sha256 = json_str_peek(o, "sha256", &bad);
            jv sz = jv_object_get(jv_copy(o), jv_string("size"));
            mf->size = jv_get_kind(sz) == JV_KIND_NUMBER ? (long long)jv_number_value(sz) : -1;
            jv_free(sz);
            if (mf->path && mf->sha256)
                m->nfiles++;
            else
                finding(f, v, "MANIFEST line %d: an ArchiveFile without path or sha256", i + 1);
        }
        jv_free(o);
    }
    return 0;
}

static man_file *manifest_find(manifest *m, const char *rel)
{
    for (size_t i = 0; i < m->nfiles; i++)
        if (!strcmp(m->files[i].path, rel))
            return &m->files[i];
    return NULL;
}

/* The journaled archive of period with that sha256 (or manifest sha256
 * when by_manifest): its seq, file and time; 0 when none. */
static long journaled(store_t *s, const char *period, const char *hex, int by_manifest,
                      out_verdict *v, armms_err *err)
{
    sqlite3_stmt *st = NULL;
    const char *sql = by_manifest ? "SELECT seq, file_name, archived_at FROM payrun_archive"
                                    " WHERE period_id = ?1 AND manifest_sha256 = ?2 ORDER BY seq"
                                  : "SELECT seq, file_name, archived_at FROM payrun_archive"
                                    " WHERE period_id = ?1 AND sha256 = ?2";
    if (store_prepare(s, &st, sql, err))
        return -1;
    sqlite3_bind_text(st, 1, period, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, hex, -1, SQLITE_STATIC);
    long seq = 0;
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        seq = sqlite3_column_int64(st, 0);
        if (!by_manifest) {
            snprintf(v->file, sizeof v->file, "%s", (const char *)sqlite3_column_text(st, 1));
            snprintf(v->archived_at, sizeof v->archived_at, "%s",
                     (const char *)sqlite3_column_text(st, 2));
        }
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
        store_fail(s, rc, "payrun_archive", err);
        return -1;
    }
    return seq;
}

typedef struct sheet {
    char *id, *digest;
    long long version;
} sheet;

static int sheet_cmp(const void *a, const void *b)
{
    return strcmp(((const sheet *)a)->id, ((const sheet *)b)->id);
}

static void sheets_free(sheet *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(v[i].id);
        free(v[i].digest);
    }
    free(v);
}

/* The paysheets the manifest names against pay.db's approved ones now. */
static int check_paysheets(store_t *s, manifest *m, strbuf *f, out_verdict *v, armms_err *err)
{
    int nl = jv_array_length(jv_copy(m->lines)), bad = 0;
    sheet *had = xcalloc((size_t)nl, sizeof *had);
    size_t nh = 0;
    for (int i = 1; i < nl; i++) {
        jv o = jv_array_get(jv_copy(m->lines), i);
        const char *k = json_str_peek(o, "kind", &bad);
        if (k && !strcmp(k, "ArchivedPaysheet")) {
            const char *id = json_str_peek(o, "paysheet_id", &bad);
            const char *dg = json_str_peek(o, "digest", &bad);
            jv ver = jv_object_get(jv_copy(o), jv_string("version"));
            had[nh].id = xstrdup(id ? id : "?");
            had[nh].digest = xstrdup(dg ? dg : "?");
            had[nh++].version =
                jv_get_kind(ver) == JV_KIND_NUMBER ? (long long)jv_number_value(ver) : -1;
            jv_free(ver);
        }
        jv_free(o);
    }
    v->paysheets = (long)nh;
    sheet *cur = NULL;
    size_t nc = 0, cap = 0;
    sqlite3_stmt *st = NULL;
    if (store_prepare(s, &st, ARCHIVE_PAYSHEETS_SQL, err)) {
        sheets_free(had, nh);
        return err->code;
    }
    sqlite3_bind_text(st, 1, m->period, -1, SQLITE_STATIC);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (nc == cap) {
            cap = cap ? 2 * cap : 64;
            cur = xrealloc(cur, cap * sizeof *cur);
        }
        cur[nc].id = xstrdup((const char *)sqlite3_column_text(st, 0));
        cur[nc].version = sqlite3_column_int64(st, 1);
        cur[nc++].digest = xstrdup((const char *)sqlite3_column_text(st, 3));
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) {
        sheets_free(had, nh);
        sheets_free(cur, nc);
        return store_fail(s, rc, "paysheet", err);
    }
    qsort(had, nh, sizeof *had, sheet_cmp);
    size_t i = 0, j = 0;
    while (i < nh || j < nc) {
        int c = i == nh ? 1 : j == nc ? -1 : strcmp(had[i].id, cur[j].id);
        if (c < 0)
            finding(f, v, "paysheet %s: named by the archive, not an approved paysheet now",
                    had[i++].id);
        else if (c > 0)
            finding(f, v, "paysheet %s: approved (version %lld) but not in the archive", cur[j].id,
                    cur[j].version);
        else {
            if (had[i].version != cur[j].version || strcmp(had[i].digest, cur[j].digest))
                finding(f, v,
                        "paysheet %s: the archive names version %lld, pay.db holds version %lld"
                        "%s",
                        had[i].id, had[i].version, cur[j].version,
                        had[i].version == cur[j].version ? " with another digest" : "");
            i++, j++;
        }
    }
    sheets_free(had, nh);
    sheets_free(cur, nc);
    return 0;
}

/* The data of the current entry into b. */
static int read_entry(struct archive *r, strbuf *b)
{
    sb_reset(b);
    for (;;) {
        sb_grow(b, 65536);
        la_ssize_t k = archive_read_data(r, b->s + b->len, b->cap - b->len - 1);
        if (k < 0)
            return -1;
        if (k == 0)
            return 0;
        b->len += (size_t)k;
        b->s[b->len] = 0;
    }
}

static const char *entry_name(struct archive_entry *e)
{
    const char *p = archive_entry_pathname_utf8(e);
    if (!p)
        p = archive_entry_pathname(e);
    return p ? p : "?";
}

static struct archive *reader_open(const void *bytes, size_t n)
{
    struct archive *r = archive_read_new();
    if (!r)
        armms_fatal("out of memory");
    archive_read_support_filter_gzip(r);
    archive_read_support_format_tar(r);
    if (archive_read_open_memory(r, bytes, n) != ARCHIVE_OK) {
        archive_read_free(r);
        return NULL;
    }
    return r;
}

/* A MANIFEST one level down ("PERIOD/MANIFEST"). */
static int is_manifest(const char *name)
{
    const char *slash = strchr(name, '/');
    return slash && slash != name && !strcmp(slash + 1, MANIFEST_NAME);
}

/* Find and parse the manifest (pass 1); 1 when it was read. Directory
 * entries (a repacking tar adds them) are passed over; the manifest must
 * be the first of the others. */
static int find_manifest(const void *bytes, size_t n, const char *period, manifest *m, strbuf *f,
                         out_verdict *v)
{
    struct archive *r = reader_open(bytes, n);
    if (!r) {
        finding(f, v, "not a gzip'd tar archive");
        return 0;
    }
    strbuf data;
    sb_init(&data);
    struct archive_entry *e;
    long others = 0;
    int rc, have = 0;
    while (!have && (rc = archive_read_next_header(r, &e)) == ARCHIVE_OK) {
        const char *name = entry_name(e);
        if (archive_entry_filetype(e) == AE_IFDIR)
            continue;
        if (archive_entry_filetype(e) != AE_IFREG || !is_manifest(name)) {
            others++;
            continue;
        }
        if (read_entry(r, &data) != 0) {
            finding(f, v, "%s: cannot be read: %s", name, archive_error_string(r));
            break;
        }
        if (others)
            finding(f, v, "%s is not the first entry", name);
        if (manifest_parse(data.s, data.len, m, f, v) != 0)
            break;
        have = 1;
        sha256_hex(data.s, data.len, v->manifest_sha256);
        if (period && strcmp(period, m->period))
            finding(f, v, "the manifest is of %s, not %s", m->period, period);
        size_t pl = strcspn(name, "/");
        if (strlen(m->period) != pl || strncmp(name, m->period, pl))
            finding(f, v, "%s: the manifest's period is %s", name, m->period);
    }
    if (!have && v->mismatches == 0)
        finding(f, v,
                rc == ARCHIVE_EOF ? "no PERIOD/" MANIFEST_NAME ": not a payrun archive"
                                  : "the archive is damaged: %s",
                archive_error_string(r) ? archive_error_string(r) : "unreadable");
    sb_free(&data);
    archive_read_free(r);
    return have;
}

int out_archive_manifest(const void *bytes, size_t n, strbuf *manifest, armms_err *err)
{
    struct archive *r = reader_open(bytes, n);
    if (!r)
        return err_set(err, EXIT_DATAERR, "not a gzip'd tar archive");
    struct archive_entry *e;
    int rc, have = 0;
    while (!have && (rc = archive_read_next_header(r, &e)) == ARCHIVE_OK)
        if (archive_entry_filetype(e) == AE_IFREG && is_manifest(entry_name(e)))
            have = read_entry(r, manifest) == 0;
    if (!have)
        err_set(err, EXIT_DATAERR, "no PERIOD/" MANIFEST_NAME ": not a payrun archive (%s)",
                archive_error_string(r) ? archive_error_string(r) : "none found");
    archive_read_free(r);
    return have ? 0 : err->code;
}

/* Every other entry against the manifest (pass 2). */
static void check_entries(const void *bytes, size_t n, manifest *m, strbuf *f, out_verdict *v)
{
    struct archive *r = reader_open(bytes, n);
    if (!r)
        return;
    strbuf data;
    sb_init(&data);
    struct archive_entry *e;
    char *prefix = xasprintf("%s/", m->period);
    size_t pl = strlen(prefix);
    int rc, manifests = 0;
    while ((rc = archive_read_next_header(r, &e)) == ARCHIVE_OK) {
        const char *name = entry_name(e);
        int type = archive_entry_filetype(e);
        if (strncmp(name, prefix, pl) && strcmp(name, m->period)) {
            finding(f, v, "%s: outside %s", name, prefix);
            continue;
        }
        if (type == AE_IFDIR)
            continue;
        if (type != AE_IFREG) {
            finding(f, v, "%s: not a regular file", name);
            continue;
        }
        if (read_entry(r, &data) != 0) {
            finding(f, v, "%s: cannot be read: %s", name, archive_error_string(r));
            break;
        }
        const char *rel = name + pl;
        if (!strcmp(rel, MANIFEST_NAME) && !manifests++)
            continue;
        man_file *mf = manifest_find(m, rel);
        char hex[65];
        sha256_hex(data.s, data.len, hex);
        v->files++;
        if (!mf)
            finding(f, v, "%s: not in the manifest", rel);
        else if (mf->seen++)
            finding(f, v, "%s: twice in the archive", rel);
        else if (mf->size != (long long)data.len || strcmp(mf->sha256, hex))
            finding(f, v,
                    "%s: edited: %zu bytes, sha256 %.12s..., the manifest has %lld, %.12s...", rel,
                    data.len, hex, mf->size, mf->sha256);
    }
    if (rc != ARCHIVE_EOF && rc != ARCHIVE_OK)
        finding(f, v, "the archive is damaged: %s",
                archive_error_string(r) ? archive_error_string(r) : "unreadable");
    for (size_t i = 0; i < m->nfiles; i++)
        if (!m->files[i].seen)
            finding(f, v, "%s: in the manifest, missing from the archive", m->files[i].path);
    free(prefix);
    sb_free(&data);
    archive_read_free(r);
}

int out_archive_verify(store_t *s, const void *bytes, size_t n, const char *period,
                       strbuf *findings, out_verdict *v, armms_err *err)
{
    memset(v, 0, sizeof *v);
    manifest m = {.lines = jv_null()};
    char hex[65];
    sha256_hex(bytes, n, hex);
    snprintf(v->sha256, sizeof v->sha256, "%s", hex);
    int have = find_manifest(bytes, n, period, &m, findings, v);
    if (have)
        check_entries(bytes, n, &m, findings, v);
    const char *p = period ? period : have ? m.period : NULL;
    int rc = 0;
    if (!p) {
        finding(findings, v, "unknown archive: no manifest names its period (give PERIOD)");
        goto done;
    }
    snprintf(v->period, sizeof v->period, "%s", p);
    sqlite3_stmt *st = NULL;
    if ((rc = store_prepare(s, &st, "SELECT count(*) FROM payrun_archive WHERE period_id = ?1",
                            err)))
        goto done;
    sqlite3_bind_text(st, 1, p, -1, SQLITE_STATIC);
    if (sqlite3_step(st) == SQLITE_ROW)
        v->journaled = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    v->seq = journaled(s, p, hex, 0, v, err);
    if (v->seq < 0) {
        rc = err->code;
        goto done;
    }
    if (v->seq == 0) {
        long mseq = have ? journaled(s, p, v->manifest_sha256, 1, v, err) : 0;
        if (mseq < 0) {
            rc = err->code;
            goto done;
        }
        if (mseq > 0)
            finding(findings, v,
                    "sha256 %s is no journaled archive of %s: its manifest is archive %ld's,"
                    " so it was repacked or edited",
                    hex, p, mseq);
        else
            finding(findings, v, "sha256 %s is no journaled archive of %s (%ld journaled)", hex, p,
                    v->journaled);
    }
    if (have && !strcmp(m.period, p))
        rc = check_paysheets(s, &m, findings, v, err);
done:
    manifest_free(&m);
    return rc;
}
