/*
 * consumed.c - see consumed.h.
 */
#include "store/consumed.h"

#include <assert.h>

static int fail(sqlite3 *db, int rc, const char *what, armms_err *err)
{
    int code =
        (rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED ? EXIT_TEMPFAIL : EXIT_SOFTWARE;
    return err_set(err, code, "cannot %s the consumed events: %s", what, sqlite3_errmsg(db));
}

int consumed_seen(sqlite3 *db, const char *consumer, const char *event_id, int *seen,
                  armms_err *err)
{
    static const char sql[] = "SELECT 1 FROM consumed WHERE consumer = ?1 AND event_id = ?2";
    sqlite3_stmt *st;
    int rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
    if (rc != SQLITE_OK)
        return fail(db, rc, "read", err);
    sqlite3_bind_text(st, 1, consumer, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, event_id, -1, SQLITE_STATIC);
    rc = sqlite3_step(st);
    *seen = rc == SQLITE_ROW;
    sqlite3_finalize(st);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : fail(db, rc, "read", err);
}

int consumed_record(sqlite3 *db, const char *consumer, const char *event_id, long long seq,
                    const char *at, int *fresh, armms_err *err)
{
    static const char sql[] = "INSERT OR IGNORE INTO consumed(consumer, event_id, seq, at)"
                              " VALUES (?1, ?2, ?3, ?4)";
    assert(!sqlite3_get_autocommit(db)); /* the caller's transaction holds the effect */
    sqlite3_stmt *st;
    int rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
    if (rc != SQLITE_OK)
        return fail(db, rc, "record", err);
    sqlite3_bind_text(st, 1, consumer, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, event_id, -1, SQLITE_STATIC);
    if (seq > 0)
        sqlite3_bind_int64(st, 3, seq);
    sqlite3_bind_text(st, 4, at, -1, SQLITE_STATIC);
    rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return fail(db, rc, "record", err);
    if (fresh)
        *fresh = sqlite3_changes(db) == 1;
    return 0;
}
