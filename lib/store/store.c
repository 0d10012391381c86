/*
 * store.c - see store.h.
 */
#define _GNU_SOURCE
#include "store/store.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/secure.h"
#include "core/sha.h"
#include "core/ulid.h"
#include "store/digest.h"
#include "store/journal.h"
#include "store/subjournal.h"

void now_iso(char *buf)
{
    /* Called per event: read ARMMS_NOW (tests pin the clock) once, and
     * format only when the second changes. */
    static int init;
    static instant_t fixed, last = -1;
    static char text[24];
    if (!init) {
        const char *e = armms_env("ARMMS_NOW");
        if (!(e && *e && iso_parse(e, &fixed, NULL) == 0))
            fixed = -1;
        init = 1;
    }
    instant_t t = fixed >= 0 ? fixed : (instant_t)time(NULL);
    if (t != last) {
        iso_format_utc(t, text);
        last = t;
    }
    memcpy(buf, text, sizeof text);
}

int store_fail(store_t *s, int rc, const char *what, armms_err *err)
{
    int code = (rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED  ? EXIT_TEMPFAIL
               : (rc & 0xff) == SQLITE_FULL || (rc & 0xff) == SQLITE_IOERR ? EXIT_IOERR
                                                                           : EXIT_SOFTWARE;
    if (code == EXIT_TEMPFAIL)
        return err_set(err, code, "tenant %s: %s.db busy (lock held past --wait) during %s",
                       s->tenant->id, s->module, what);
    return err_set(err, code, "tenant %s: %s.db: %s: %s", s->tenant->id, s->module, what,
                   sqlite3_errmsg(s->db));
}

int store_prepare(store_t *s, sqlite3_stmt **st, const char *sql, armms_err *err)
{
    if (*st)
        return 0;
    int rc = sqlite3_prepare_v3(s->db, sql, -1, SQLITE_PREPARE_PERSISTENT, st, NULL);
    return rc == SQLITE_OK ? 0 : store_fail(s, rc, "prepare", err);
}

static int pragma_int(sqlite3 *db, const char *sql, int *out)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        return -1;
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        *out = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    return rc == SQLITE_ROW ? 0 : -1;
}

static int record_digests(store_t *s, int all, const char *payload, int *recorded, armms_err *err);
static int outbox_write(store_t *s, armms_err *err);

/* After the migrations: the digest triggers made anew for the tables as
 * they now are and every sum recomputed; a store that existed before
 * journals them once, with the digests of the rows it found (before: from
 * digest_rows_json before the migrations ran); a new one records them with
 * its first change. */
static int migrate_digests(store_t *s, int from, int to, const strbuf *before, armms_err *err)
{
    int installed, recorded;
    if (digest_install(s, &installed, err) || !installed)
        return err->code;
    if (from == 0) {
        int rc = sqlite3_exec(
            s->db, "INSERT OR REPLACE INTO store_meta VALUES ('digest_unrecorded', '1')", NULL,
            NULL, NULL);
        return rc == SQLITE_OK ? 0 : store_fail(s, rc, "migration", err);
    }
    strbuf payload;
    sb_init(&payload);
    sb_addf(&payload, "{\"reason\":\"migrated\",\"from\":%d,\"to\":%d", from, to);
    if (before->len) {
        sb_adds(&payload, ",\"before\":");
        sb_add(&payload, before->s, before->len);
    }
    sb_addc(&payload, '}');
    s->in_tx = 1;
    s->emitted = 0;
    sb_reset(&s->pending);
    int rc = record_digests(s, 1, payload.s, &recorded, err) || outbox_write(s, err);
    sb_free(&payload);
    s->in_tx = 0;
    s->emitted = 0;
    sb_reset(&s->pending);
    return rc ? err->code : 0;
}

static int migrate(store_t *s, int from, int to, armms_err *err)
{
    char sql[96];
    int rc = sqlite3_exec(s->db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
    if (rc != SQLITE_OK)
        return store_fail(s, rc, "migration", err);
    strbuf before;
    sb_init(&before);
    if (digest_rows_json(s, &before, err)) {
        sb_free(&before);
        sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
        return err->code;
    }
    for (int k = from; k < to; k++) {
        char *msg = NULL;
        rc = sqlite3_exec(s->db, schema_migration(s->module, k), NULL, NULL, &msg);
        if (rc != SQLITE_OK) {
            err_set(err, EXIT_SOFTWARE, "tenant %s: %s.db: migration %d failed: %s", s->tenant->id,
                    s->module, k + 1, msg ? msg : "?");
            sqlite3_free(msg);
            sb_free(&before);
            sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
            return err->code;
        }
    }
    rc = migrate_digests(s, from, to, &before, err);
    sb_free(&before);
    if (rc) {
        sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
        return err->code;
    }
    snprintf(sql, sizeof sql, "PRAGMA application_id=%d; PRAGMA user_version=%d;", ARMMS_APP_ID,
             to);
    rc = sqlite3_exec(s->db, sql, NULL, NULL, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL);
    if (rc != SQLITE_OK) {
        sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
        return store_fail(s, rc, "migration", err);
    }
    return 0;
}

/*
 * Waiting for a busy store. SQLite's own handler sleeps longer the longer
 * it waits (up to 100 ms a try), so a writer that waits behind another's
 * run of transactions wakes too late for the gap between two of them and
 * waits on while the other begins its next: the stages of a pipe took
 * turns only when the one ahead stopped to write its output. This one
 * tries again every millisecond until the tenant's wait is over.
 */
static _Thread_local struct timespec busy_since;

static int store_busy(void *ctx, int count)
{
    const tenant_t *t = ctx;
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    if (count == 0)
        busy_since = now;
    long long waited =
        (now.tv_sec - busy_since.tv_sec) * 1000LL + (now.tv_nsec - busy_since.tv_nsec) / 1000000;
    if (waited >= t->wait_ms)
        return 0;
    struct timespec ms = {0, 1000000};
    nanosleep(&ms, NULL);
    return 1;
}

/* The tenant's wait, in store_busy's way (none when it is 0). */
static void store_wait(sqlite3 *db, const tenant_t *t)
{
    if (t->wait_ms > 0)
        sqlite3_busy_handler(db, store_busy, (void *)t);
    else
        sqlite3_busy_timeout(db, 0);
}

/* A path as an SQLite URI (escape the characters URIs reserve). */
static char *uri_of(const char *path, const char *query)
{
    strbuf b;
    sb_init(&b);
    sb_adds(&b, "file:");
    for (const char *p = path; *p; p++) {
        if (*p == '%' || *p == '?' || *p == '#')
            sb_addf(&b, "%%%02X", (unsigned char)*p);
        else
            sb_addc(&b, *p);
    }
    if (query)
        sb_addf(&b, "?%s", query);
    return b.s;
}

static int check_version(store_t *s, const char *schema, const char *module, int flags,
                         int *version, armms_err *err)
{
    char sql[96];
    int app = 0, ver = 0, latest = schema_latest(module);
    snprintf(sql, sizeof sql, "PRAGMA %s.application_id", schema);
    if (pragma_int(s->db, sql, &app) != 0)
        return err_set(err, EXIT_CONFIG, "tenant %s: %s.db is not readable: %s", s->tenant->id,
                       module, sqlite3_errmsg(s->db));
    snprintf(sql, sizeof sql, "PRAGMA %s.user_version", schema);
    pragma_int(s->db, sql, &ver);
    int tables = 0;
    if (app == 0) {
        snprintf(sql, sizeof sql, "SELECT count(*) FROM %s.sqlite_master", schema);
        pragma_int(s->db, sql, &tables);
    }
    if ((app != 0 && app != ARMMS_APP_ID) || (app == 0 && tables > 0))
        return err_set(err, EXIT_CONFIG, "tenant %s: %s.db is not an ARMMS store", s->tenant->id,
                       module);
    if (ver > latest)
        return err_set(err, EXIT_CONFIG,
                       "tenant %s: %s.db has schema version %d, newer than this ARMMS (%d); "
                       "upgrade ARMMS",
                       s->tenant->id, module, ver, latest);
    if (ver < latest && !(flags & STORE_MIGRATE))
        return err_set(err, EXIT_CONFIG,
                       "tenant %s: %s.db has schema version %d, older than this ARMMS (%d); "
                       "run armms-init -t %s to migrate",
                       s->tenant->id, module, ver, latest, s->tenant->id);
    *version = ver;
    return 0;
}

/* A statement journal (what a savepoint keeps to roll back to) stays in
 * memory up to this size before SQLite spills it to a temporary file.
 * SQLite's default, 64 KiB, is less than one guard's paysheet and
 * schedule changes, so a period's netting wrote every savepoint's pages
 * to /var/tmp and back: 30 page writes a guard, a third of the run's
 * system time (deduct of 5,000 guards 0.78 s with 4 MiB, 1.04 s with
 * 120 KiB). One savepoint's pages are what one record changes, so
 * memory stays flat; a larger one spills, through the VFS of
 * store/subjournal.h, without which a spill this large fails.
 * sqlite3_config is only possible before SQLite initializes: the first
 * store opened sets it. */
enum { STMT_JOURNAL_SPILL = 4 << 20 };

static void sqlite_configure(void)
{
    static int done;
    if (done++)
        return;
    sqlite3_config(SQLITE_CONFIG_STMTJRNL_SPILL, (int)STMT_JOURNAL_SPILL);
    /* Every allocation SQLite makes took one global mutex to keep its
     * memory statistics, which nothing reads: two threads on two
     * connections (pay and deduct read ahead, core/ahead.h) fought over
     * it at every row. And a connection is only ever used by one thread
     * at a time, so the per-connection mutexes of the serialized mode
     * are not needed either. */
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
    sqlite3_config(SQLITE_CONFIG_MULTITHREAD);
    subjournal_register();
}

int store_open(store_t *s, tenant_t *t, const char *module, int flags, armms_err *err)
{
    sqlite_configure();
    memset(s, 0, sizeof *s);
    s->tenant = t;
    snprintf(s->module, sizeof s->module, "%s", module);
    int latest = schema_latest(module);
    if (latest < 0)
        return err_set(err, EXIT_SOFTWARE, "unknown module %s", module);
    char *name = xasprintf("%s.db", module), *path = tenant_path(t, name);
    free(name);
    if (!(flags & STORE_CREATE) && faccessat(AT_FDCWD, path, F_OK, AT_EACCESS) != 0) {
        err_set(err, EXIT_CONFIG, "tenant %s: %s.db is missing (run armms-init -t %s)", t->id,
                module, t->id);
        free(path);
        return err->code;
    }
    sb_init(&s->pending);
    sb_init(&s->notes);
    sb_init(&s->preview);
    int rc = sqlite3_open_v2(
        path, &s->db,
        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_URI | SQLITE_OPEN_NOMUTEX, NULL);
    if (rc != SQLITE_OK) {
        err_set(err, EXIT_CANTCREAT, "tenant %s: cannot open %s: %s", t->id, path,
                s->db ? sqlite3_errmsg(s->db) : "out of memory");
        free(path);
        sqlite3_close(s->db);
        s->db = NULL;
        return err->code;
    }
    chmod(path, t->secure ? 0660 : 0600);
    free(path);
    store_wait(s->db, t);
    rc = digest_register(s->db, s);
    if (rc == SQLITE_OK)
        rc = sqlite3_exec(s->db,
                          "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
                          " PRAGMA foreign_keys=ON; PRAGMA cache_size=-8192;"
                          /* a row REPLACE deletes runs its digest trigger too,
                           * whatever this SQLite's build defaults to */
                          " PRAGMA recursive_triggers=ON;",
                          NULL, NULL, NULL);
    if (rc != SQLITE_OK) {
        store_fail(s, rc, "open", err);
        store_close(s);
        return err->code;
    }
    int ver;
    if (check_version(s, "main", module, flags, &ver, err) ||
        (ver < latest && migrate(s, ver, latest, err))) {
        store_close(s);
        return err->code;
    }
    s->migrated = ver > 0 && ver < latest;
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->db, "SELECT 1 FROM store_meta WHERE key = 'digest_unrecorded'", -1,
                           &st, NULL) == SQLITE_OK) {
        s->digest_unrecorded = sqlite3_step(st) == SQLITE_ROW;
        sqlite3_finalize(st);
    }
    /* Heal: journal whatever a crashed run committed but did not append. */
    if (journal_flush(t, s->db, module, NULL, err)) {
        store_close(s);
        return err->code;
    }
    return 0;
}

int store_open_ro(store_t *s, tenant_t *t, const char *module, armms_err *err)
{
    sqlite_configure();
    memset(s, 0, sizeof *s);
    s->tenant = t;
    snprintf(s->module, sizeof s->module, "%s", module);
    sb_init(&s->pending);
    sb_init(&s->notes);
    sb_init(&s->preview);
    char *name = xasprintf("%s.db", module), *path = tenant_path(t, name);
    free(name);
    if (faccessat(AT_FDCWD, path, F_OK, AT_EACCESS) != 0) {
        err_set(err, EXIT_CONFIG, "tenant %s: %s.db is missing (run armms-init -t %s)", t->id,
                module, t->id);
        free(path);
        store_close(s);
        return err->code;
    }
    char *uri = uri_of(path, "mode=ro");
    free(path);
    int rc = sqlite3_open_v2(uri, &s->db, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI, NULL);
    free(uri);
    if (rc != SQLITE_OK) {
        err_set(err, EXIT_CONFIG, "tenant %s: cannot open %s.db: %s", t->id, module,
                s->db ? sqlite3_errmsg(s->db) : "out of memory");
        store_close(s);
        return err->code;
    }
    store_wait(s->db, t);
    int ver;
    rc = digest_register(s->db, NULL);
    if (rc != SQLITE_OK) {
        store_fail(s, rc, "open", err);
        store_close(s);
        return err->code;
    }
    if (check_version(s, "main", module, 0, &ver, err)) {
        store_close(s);
        return err->code;
    }
    return 0;
}

void store_close(store_t *s)
{
    sb_free(&s->notes);
    sb_free(&s->preview);
    if (!s->db) {
        sb_free(&s->pending);
        return;
    }
    if (s->in_tx)
        store_rollback(s);
    sqlite3_finalize(s->outbox_ins);
    sqlite3_finalize(s->audit_ins);
    s->audit_ins = NULL;
    sqlite3_stmt *st;
    while ((st = sqlite3_next_stmt(s->db, NULL)))
        sqlite3_finalize(st);
    sqlite3_close(s->db);
    s->db = NULL;
    s->outbox_ins = NULL;
    sb_free(&s->pending);
}

int store_attach_ro(store_t *s, const char *module, armms_err *err)
{
    char *name = xasprintf("%s.db", module), *path = tenant_path(s->tenant, name);
    free(name);
    if (faccessat(AT_FDCWD, path, F_OK, AT_EACCESS) != 0) {
        err_set(err, EXIT_CONFIG, "tenant %s: %s.db is missing (run armms-init -t %s)",
                s->tenant->id, module, s->tenant->id);
        free(path);
        return err->code;
    }
    char *uri = uri_of(path, "mode=ro");
    free(path);
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(s->db, "ATTACH DATABASE ? AS ?", -1, &st, NULL);
    if (rc == SQLITE_OK) {
        sqlite3_bind_text(st, 1, uri, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 2, module, -1, SQLITE_STATIC);
        rc = sqlite3_step(st);
        rc = rc == SQLITE_DONE ? SQLITE_OK : rc;
    }
    sqlite3_finalize(st);
    free(uri);
    if (rc != SQLITE_OK)
        return store_fail(s, rc, "attach", err);
    int ver;
    return check_version(s, module, module, 0, &ver, err);
}

int store_begin(store_t *s, armms_err *err)
{
    if (s->capture && s->in_tx)
        return 0;
    int rc = sqlite3_exec(s->db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
    if (rc != SQLITE_OK)
        return store_fail(s, rc, "begin", err);
    s->in_tx = 1;
    s->emitted = 0;
    sb_reset(&s->pending);
    s->touched.n = s->touched.all = 0;
    s->ref_open = 0;
    return 0;
}

static const char outbox_insert[] = "INSERT INTO outbox(events, body) VALUES (?,?)";

/* The transaction's events as one outbox row. */
static int outbox_write(store_t *s, armms_err *err)
{
    if (store_prepare(s, &s->outbox_ins, outbox_insert, err))
        return err->code;
    sqlite3_bind_int64(s->outbox_ins, 1, s->emitted);
    sqlite3_bind_text(s->outbox_ins, 2, s->pending.s, (int)s->pending.len, SQLITE_STATIC);
    int rc = sqlite3_step(s->outbox_ins);
    sqlite3_reset(s->outbox_ins);
    sqlite3_clear_bindings(s->outbox_ins);
    return rc == SQLITE_DONE ? 0 : store_fail(s, rc, "writing the outbox", err);
}

/* The digests the transaction changed (all: every table), in the envelope
 * of its last event; a StoreDigest event carries them when it emitted none
 * (payload: that event's). *recorded = whether there were any. */
static int record_digests(store_t *s, int all, const char *payload, int *recorded, armms_err *err)
{
    strbuf json;
    sb_init(&json);
    *recorded = 0;
    if (digest_changed_json(s, all, &json, err) ||
        (json.len && !s->emitted &&
         store_emit(s, "StoreDigest", "store", s->module, payload, strlen(payload), err))) {
        sb_free(&json);
        return err->code;
    }
    if (json.len) {
        strbuf *b = &s->pending;
        assert(b->len >= 2 && b->s[b->len - 2] == '}' && b->s[b->len - 1] == '\n');
        b->len -= 2;
        sb_adds(b, ",\"digest\":");
        sb_add(b, json.s, json.len);
        sb_adds(b, "}\n");
        *recorded = 1;
    }
    sb_free(&json);
    return 0;
}

int store_commit(store_t *s, armms_err *err)
{
    if (s->capture)
        return 0;
    /* Only a transaction store_begin opened is committed here, and its
     * queued events are exactly what pending holds. */
    assert(s->in_tx);
    assert((s->emitted == 0) == (s->pending.len == 0));
    s->committed = 0;
    int rc = SQLITE_OK, recorded = 0;
    if ((s->touched.n || s->touched.all) &&
        record_digests(s, 0, "{\"reason\":\"change\"}", &recorded, err)) {
        store_rollback(s);
        return err->code;
    }
    long emitted = s->emitted;
    if (emitted && outbox_write(s, err)) {
        store_rollback(s);
        return err->code;
    }
    rc = sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL);
    if (rc != SQLITE_OK) {
        store_fail(s, rc, "commit", err);
        store_rollback(s);
        return err->code;
    }
    assert(sqlite3_get_autocommit(s->db)); /* COMMIT ended the transaction */
    s->committed = 1;
    s->in_tx = 0;
    s->emitted = 0;
    sb_reset(&s->pending);
    s->touched.n = s->touched.all = 0;
    s->ref_open = 0;
    if (recorded)
        s->digest_unrecorded = 0;
    if (!emitted || s->defer_journal)
        return 0;
    return journal_flush(s->tenant, s->db, s->module, NULL, err);
}

void store_rollback(store_t *s)
{
    if (sqlite3_get_autocommit(s->db) == 0)
        sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
    s->capture = CAPTURE_OFF;
    s->in_tx = 0;
    s->emitted = 0;
    sb_reset(&s->pending);
    s->touched.n = s->touched.all = 0;
    s->ref_open = 0;
}

int store_savepoint(store_t *s, armms_err *err)
{
    int rc = sqlite3_exec(s->db, "SAVEPOINT armms_sp", NULL, NULL, NULL);
    if (rc != SQLITE_OK)
        return store_fail(s, rc, "savepoint", err);
    s->sp_len = s->pending.len;
    s->sp_emitted = s->emitted;
    s->ref_open = 0; /* a rollback to here must not cut a line begun before */
    return 0;
}

void store_rollback_to(store_t *s)
{
    sqlite3_exec(s->db, "ROLLBACK TO armms_sp", NULL, NULL, NULL);
    assert(s->sp_len <= s->pending.len); /* events are only appended after the savepoint */
    s->pending.len = s->sp_len;
    if (s->pending.s)
        s->pending.s[s->pending.len] = 0;
    s->emitted = s->sp_emitted;
    s->ref_open = 0;
}

void store_release(store_t *s)
{
    sqlite3_exec(s->db, "RELEASE armms_sp", NULL, NULL, NULL);
}

/* Events that are not audit rows: device facts (the clock_event table
 * keeps them with their arrival time), rows derived from other rows,
 * which can always be rebuilt, and a store's own digests (store/digest.h:
 * an audit row would change the digest it records). Every other event is
 * a change someone made. */
static const char *const not_audited[] = {"ClockEventRecorded", "TimeLogCreated", "TimeLogUpdated",
                                          "DTRUpdated", "StoreDigest"};

static const char audit_insert[] =
    "INSERT INTO audit(at, actor, event_type, aggregate_type, aggregate_id, request_id, payload,"
    " login, service) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)";

static int audit(store_t *s, const char *at, const char *event_type, const char *aggregate_type,
                 const char *aggregate_id, const char *payload, size_t payload_len, armms_err *err)
{
    if (s->audit_off)
        return 0;
    for (size_t i = 0; i < sizeof not_audited / sizeof *not_audited; i++)
        if (strcmp(event_type, not_audited[i]) == 0)
            return 0;
    if (store_prepare(s, &s->audit_ins, audit_insert, err))
        return err->code;
    sqlite3_stmt *q = s->audit_ins;
    const char *v[] = {at, s->tenant->actor, event_type, aggregate_type, aggregate_id};
    for (int i = 0; i < 5; i++)
        sqlite3_bind_text(q, i + 1, v[i], -1, SQLITE_STATIC);
    if (s->request_id[0])
        sqlite3_bind_text(q, 6, s->request_id, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(q, 6);
    sqlite3_bind_text(q, 7, payload, (int)payload_len, SQLITE_STATIC);
    /* who logged in, where that is known for sure (a multi-user run) */
    if (s->tenant->secure)
        sqlite3_bind_text(q, 8, s->tenant->login, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(q, 8);
    sqlite3_bind_int(q, 9, s->tenant->service);
    int rc = sqlite3_step(q);
    sqlite3_reset(q);
    sqlite3_clear_bindings(q);
    return rc == SQLITE_DONE ? 0 : store_fail(s, rc, "writing the audit trail", err);
}

int store_emit(store_t *s, const char *event_type, const char *aggregate_type,
               const char *aggregate_id, const char *payload, size_t payload_len, armms_err *err)
{
    char id[27], now[24];
    if (!s->in_tx)
        return err_set(err, EXIT_SOFTWARE, "event %s emitted outside a transaction", event_type);
    ulid_new(id);
    now_iso(now);
    strbuf *b = &s->pending;
    s->ref_open = 0;
    sb_adds(b, "{\"event_id\":\"");
    sb_add(b, id, 26);
    sb_addc(b, '"');
    sb_add_json_kv(b, "event_type", event_type);
    sb_adds(b, ",\"version\":1");
    sb_add_json_kv(b, "tenant_id", s->tenant->id);
    sb_add_json_kv(b, "aggregate_type", aggregate_type);
    sb_add_json_kv(b, "aggregate_id", aggregate_id);
    sb_add_json_kv(b, "occurred_at", now);
    sb_add_json_kv(b, "actor", s->tenant->actor);
    sb_adds(b, ",\"payload\":");
    sb_add(b, payload, payload_len);
    sb_adds(b, "}\n");
    s->emitted++;
    if (s->capture == CAPTURE_REQUEST) {
        strbuf *p = &s->preview;
        sb_adds(p, "{\"event_type\":");
        sb_add_json_str(p, event_type, strlen(event_type));
        sb_add_json_kv(p, "aggregate_type", aggregate_type);
        sb_add_json_kv(p, "aggregate_id", aggregate_id);
        sb_adds(p, ",\"payload\":");
        sb_add(p, payload, payload_len);
        sb_adds(p, "}\n");
    }
    return audit(s, now, event_type, aggregate_type, aggregate_id, payload, payload_len, err);
}

void store_note(store_t *s, const char *key, const char *text, size_t len)
{
    if (!s->capture)
        return;
    sb_adds(&s->notes, key);
    sb_addc(&s->notes, '\t');
    sb_add(&s->notes, text, len);
    sb_addc(&s->notes, '\n');
}

int store_capture_begin(store_t *s, int mode, armms_err *err)
{
    if (s->in_tx)
        return err_set(err, EXIT_SOFTWARE, "a change cannot start inside a transaction");
    if (store_begin(s, err))
        return err->code;
    assert(s->in_tx);
    s->capture = mode;
    sb_reset(&s->notes);
    sb_reset(&s->preview);
    return 0;
}

void store_capture_fingerprint(const store_t *s, char *hex)
{
    sha256_hex(s->notes.s ? s->notes.s : "", s->notes.len, hex);
}

void store_capture_rollback(store_t *s)
{
    store_rollback(s);
}

int store_capture_commit(store_t *s, armms_err *err)
{
    s->capture = CAPTURE_OFF;
    s->request_id[0] = 0;
    return store_commit(s, err);
}
