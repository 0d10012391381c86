/*
 * armms_digest.c - a loadable extension for the sqlite3 shell that gives it
 * the store digests' function (armms_digest_add, lib/store/digest_sql.c),
 * so a test can change a store's rows behind the tools' back as someone
 * with write access to its file and a copy of ARMMS's source could: the
 * digest triggers then run, and only the journal tells the change from one
 * the tools made. Loaded by tests/test_helper.bash's q:
 *   sqlite3 -cmd '.load tests/sqlext/armms_digest.so' STORE SQL
 * Built by `make check` (or `make tests/sqlext/armms_digest.so`); never
 * installed.
 */
#include <sqlite3.h>

#include "store/digest.h"

/* The shell has no store: nothing learns what a transaction touched. */
void digest_touch(void *user, const char *tbl, const unsigned char *before)
{
    (void)user;
    (void)tbl;
    (void)before;
}

int sqlite3_extension_init(sqlite3 *db, char **err, const void *api);
int sqlite3_extension_init(sqlite3 *db, char **err, const void *api)
{
    (void)err;
    (void)api;
    return digest_sql_register(db, NULL);
}
