/*
 * test_consumed.c - the inbox of an idempotent consumer (lib/store/
 * consumed.h): an event is recorded once per consumer, in the caller's
 * transaction, and a rolled-back effect takes its record with it.
 */
#include <sqlite3.h>

#include "store/consumed.h"
#include "t.h"

int main(void)
{
    sqlite3 *db;
    armms_err err = {0};
    int seen = -1, fresh = -1;
    T_EQ_INT(sqlite3_open(":memory:", &db), SQLITE_OK, "an in-memory store opens");
    T_EQ_INT(sqlite3_exec(db, CONSUMED_DDL CONSUMED_DDL, NULL, NULL, NULL), SQLITE_OK,
             "the table is made, and making it again changes nothing");
    T_EQ_INT(consumed_seen(db, "notify", "01EVENT", &seen, &err), 0, "asking works");
    T_EQ_INT(seen, 0, "a new event is not seen");

    /* the effect rolled back: the record goes with it */
    sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
    T_EQ_INT(consumed_record(db, "notify", "01EVENT", 7, "2026-11-21T00:00:00Z", &fresh, &err), 0,
             "recording works in a transaction");
    T_EQ_INT(fresh, 1, "the first record is fresh");
    sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
    consumed_seen(db, "notify", "01EVENT", &seen, &err);
    T_EQ_INT(seen, 0, "a rolled-back transaction leaves the event unseen, to be done again");

    /* committed: seen, and recorded once */
    sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
    consumed_record(db, "notify", "01EVENT", 7, "2026-11-21T00:00:00Z", &fresh, &err);
    sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
    consumed_seen(db, "notify", "01EVENT", &seen, &err);
    T_EQ_INT(seen, 1, "a committed event is seen");
    sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
    T_EQ_INT(consumed_record(db, "notify", "01EVENT", 0, "2026-11-22T00:00:00Z", &fresh, &err), 0,
             "recording it again is no error");
    T_EQ_INT(fresh, 0, "recording it again is not fresh (the caller's effect is a duplicate)");
    sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);

    /* consumers are apart; seq 0 is stored NULL */
    consumed_seen(db, "pay-broker", "01EVENT", &seen, &err);
    T_EQ_INT(seen, 0, "another consumer has not seen it");
    sqlite3_stmt *st;
    sqlite3_prepare_v2(db, "SELECT count(*), max(seq), max(at) FROM consumed", -1, &st, NULL);
    sqlite3_step(st);
    T_EQ_INT(sqlite3_column_int(st, 0), 1, "one row for the event");
    T_EQ_INT(sqlite3_column_int(st, 1), 7, "the seq and time of the first record stay");
    T_EQ_STR((const char *)sqlite3_column_text(st, 2), "2026-11-21T00:00:00Z",
             "the first record's time stays");
    sqlite3_finalize(st);
    sqlite3_close(db);
    return t_done();
}
