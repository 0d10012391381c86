/*
 * test_stmtjournal.c - a savepoint whose statement journal outgrows the
 * memory the store gives it (store.c, STMT_JOURNAL_SPILL) moves to a
 * temporary file and still rolls back, on a store as store_open leaves it.
 *
 * SQLite's unix VFS writes at most 128 KiB - 1 in one call, and a statement
 * journal moving to its file writes its in-memory chunks, each as large as
 * the spill size, in one call each: a spill of 128 KiB or more failed with
 * "database or disk is full" once one savepoint changed more pages than
 * that. The savepoint below changes about 24 MiB of pages under the store's
 * 8 MiB page cache, so its journal spills whatever the spill size is.
 *
 * Runs in a fresh ARMMS_HOME under /tmp, removed at the end.
 */
#define _GNU_SOURCE
#include <ftw.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#include "store/store.h"
#include "store/tenant.h"
#include "t.h"

static int rm_entry(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
    (void)st;
    (void)type;
    (void)ftw;
    return remove(path);
}

static long long one(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *st;
    long long v = -1;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
        v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return v;
}

int main(void)
{
    char home[] = "/tmp/armms-test-stmtjournal-XXXXXX";
    if (!mkdtemp(home)) {
        perror("mkdtemp");
        return 1;
    }
    setenv("ARMMS_HOME", home, 1);
    setenv("ARMMS_NOW", "2026-11-25T00:00:00Z", 1);

    tenant_t t;
    armms_err err = {0};
    store_t s;
    T_EQ_INT(tenant_resolve(&t, "acme", "ana", &err), 0, "tenant acme resolves (%s)", err.msg);
    T_EQ_INT(tenant_create(&t, NULL, &err), 0, "tenant acme is created (%s)", err.msg);
    T_EQ_INT(store_open(&s, &t, "tk", STORE_CREATE | STORE_MIGRATE, &err), 0,
             "tk.db is created (%s)", err.msg);

    /* 6,000 rows of 4,000 bytes: one page each, about 24 MiB */
    const char *fill = "CREATE TABLE scratch(id INTEGER PRIMARY KEY, v INTEGER, pad BLOB);"
                       "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n"
                       " WHERE i < 6000) INSERT INTO scratch SELECT i, i, zeroblob(4000) FROM n;";
    T_EQ_INT(sqlite3_exec(s.db, fill, NULL, NULL, NULL), SQLITE_OK, "the scratch table is filled");
    long long sum = one(s.db, "SELECT sum(v) FROM scratch");
    T_EQ_INT(sum, 6000LL * 6001 / 2, "and holds its rows");

    T_EQ_INT(store_begin(&s, &err), 0, "a transaction begins (%s)", err.msg);
    T_EQ_INT(sqlite3_exec(s.db, "UPDATE scratch SET v = v + 1 WHERE id = 1", NULL, NULL, NULL),
             SQLITE_OK, "a change before the savepoint");
    T_EQ_INT(store_savepoint(&s, &err), 0, "a savepoint is set (%s)", err.msg);
    int rc = sqlite3_exec(s.db, "UPDATE scratch SET v = -v", NULL, NULL, NULL);
    T_EQ_INT(rc, SQLITE_OK, "one statement changes every page under the savepoint (%s)",
             sqlite3_errmsg(s.db));
    T_EQ_INT(one(s.db, "SELECT sum(v) FROM scratch"), -(sum + 1), "the change is seen inside");
    store_rollback_to(&s);
    T_EQ_INT(one(s.db, "SELECT sum(v) FROM scratch"), sum + 1,
             "rolling back to the savepoint restores every page from the spilled journal");
    store_release(&s);
    T_EQ_INT(store_commit(&s, &err), 0, "the transaction commits (%s)", err.msg);
    T_EQ_INT(one(s.db, "SELECT sum(v) FROM scratch"), sum + 1,
             "what was committed is the change before the savepoint");
    sqlite3_stmt *st;
    char check[64] = "";
    if (sqlite3_prepare_v2(s.db, "PRAGMA integrity_check", -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
        snprintf(check, sizeof check, "%s", (const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    T_EQ_STR(check, "ok", "and the store is whole");

    store_close(&s);
    tenant_free(&t);
    nftw(home, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    return t_done();
}
