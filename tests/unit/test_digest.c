/*
 * test_digest.c - the set digest of core/setdigest.h and the SQL functions
 * of store/digest.h that keep it per table.
 *
 * The digest is the sum mod 2^256 of the SHA-256 of each element, so adding
 * and removing commute and a digest kept one change at a time equals the
 * digest recomputed from the rows. Expected SHA-256 values are the
 * published FIPS 180-2 vectors.
 */
#include <sqlite3.h>
#include <string.h>

#include "core/setdigest.h"
#include "store/digest.h"
#include "t.h"

/* The SQL functions call this with a store; the unit test has none. */
static int touches;
void digest_touch(void *user, const char *tbl, const unsigned char *before)
{
    (void)user;
    (void)tbl;
    (void)before;
    touches++;
}

static const char sha_abc[] = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
static const char sha_empty[] = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

static void hex(const unsigned char *acc, char *out)
{
    setdigest_hex(acc, out);
}

static void test_arithmetic(void)
{
    unsigned char acc[SETDIGEST_LEN] = {0}, h[SETDIGEST_LEN];
    char x[65];
    hex(acc, x);
    T_EQ_STR(x, "0000000000000000000000000000000000000000000000000000000000000000",
             "the empty multiset is 32 zero bytes");
    setdigest_update(acc, 1, "abc", 3);
    hex(acc, x);
    T_EQ_STR(x, sha_abc, "{abc} is SHA-256(abc)");
    setdigest_update(acc, 1, "", 0);
    setdigest_update(acc, -1, "abc", 3);
    hex(acc, x);
    T_EQ_STR(x, sha_empty, "{abc, ''} less abc is SHA-256('')");
    setdigest_update(acc, -1, "", 0);
    hex(acc, x);
    T_EQ_STR(x, "0000000000000000000000000000000000000000000000000000000000000000",
             "removing every element gives the empty multiset again");

    /* the carry runs through every byte: (2^256 - 1) + 1 = 0 */
    memset(acc, 0xff, sizeof acc);
    memset(h, 0, sizeof h);
    h[SETDIGEST_LEN - 1] = 1;
    setdigest_add(acc, h);
    hex(acc, x);
    T_EQ_STR(x, "0000000000000000000000000000000000000000000000000000000000000000",
             "adding 1 to 2^256 - 1 wraps to 0 (mod 2^256)");
    setdigest_sub(acc, h);
    hex(acc, x);
    T_EQ_STR(x, "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
             "0 - 1 borrows through every byte to 2^256 - 1");
    /* 0x00..00ff + 0x00..0001 carries into the next byte */
    memset(acc, 0, sizeof acc);
    acc[SETDIGEST_LEN - 1] = 0xff;
    setdigest_add(acc, h);
    T_EQ_INT(acc[SETDIGEST_LEN - 2] * 256 + acc[SETDIGEST_LEN - 1], 256, "0xff + 1 is 0x100");

    /* order does not matter, and the same element twice is not once */
    unsigned char a[SETDIGEST_LEN] = {0}, b[SETDIGEST_LEN] = {0}, c[SETDIGEST_LEN] = {0};
    const char *e[] = {"guard G1", "guard G2", "guard G3"};
    for (int i = 0; i < 3; i++)
        setdigest_update(a, 1, e[i], strlen(e[i]));
    for (int i = 2; i >= 0; i--)
        setdigest_update(b, 1, e[i], strlen(e[i]));
    T_OK(memcmp(a, b, sizeof a) == 0, "adding in any order gives the same digest");
    setdigest_update(c, 1, e[0], strlen(e[0]));
    setdigest_update(c, 1, e[0], strlen(e[0]));
    setdigest_update(b, -1, e[1], strlen(e[1]));
    setdigest_update(b, -1, e[2], strlen(e[2]));
    T_OK(memcmp(c, b, sizeof c) != 0, "a row twice is a multiset of two, not the row once");

    unsigned char back[SETDIGEST_LEN];
    hex(a, x);
    T_EQ_INT(setdigest_parse(x, back), 0, "the hex form parses back");
    T_OK(memcmp(a, back, sizeof a) == 0, "to the same digest");
    T_EQ_INT(setdigest_parse("abc", back), -1, "three hex digits are no digest");
    x[10] = 'g';
    T_EQ_INT(setdigest_parse(x, back), -1, "a g is no hex digit");
}

static int exec(sqlite3 *db, const char *sql)
{
    return sqlite3_exec(db, sql, NULL, NULL, NULL);
}

/* kept: the sum the statements below keep; fresh: recomputed from rows */
static void sums(sqlite3 *db, char *kept, char *fresh)
{
    sqlite3_stmt *st;
    kept[0] = fresh[0] = 0;
    if (sqlite3_prepare_v2(db,
                           "SELECT (SELECT lower(hex(sum)) FROM d),"
                           " (SELECT lower(hex(armms_digest_of(a, b, c))) FROM t)",
                           -1, &st, NULL) != SQLITE_OK)
        return;
    if (sqlite3_step(st) == SQLITE_ROW) {
        snprintf(kept, 65, "%s", (const char *)sqlite3_column_text(st, 0));
        snprintf(fresh, 65, "%s", (const char *)sqlite3_column_text(st, 1));
    }
    sqlite3_finalize(st);
}

static void test_sql(void)
{
    sqlite3 *db;
    char kept[65], fresh[65];
    T_EQ_INT(sqlite3_open(":memory:", &db), SQLITE_OK, "an in-memory database opens");
    T_EQ_INT(digest_sql_register(db, &touches), SQLITE_OK, "the digest functions register");
    T_EQ_INT(exec(db, "CREATE TABLE t(a, b, c);"
                      "CREATE TABLE d(sum BLOB NOT NULL DEFAULT (zeroblob(32)));"
                      "INSERT INTO d DEFAULT VALUES;"
                      "CREATE TRIGGER ti AFTER INSERT ON t BEGIN UPDATE d SET sum ="
                      " armms_digest_add(sum, 't', 1, NEW.a, NEW.b, NEW.c); END;"
                      "CREATE TRIGGER tu AFTER UPDATE ON t BEGIN UPDATE d SET sum ="
                      " armms_digest_add(armms_digest_add(sum, 't', -1, OLD.a, OLD.b, OLD.c),"
                      " 't', 1, NEW.a, NEW.b, NEW.c); END;"
                      "CREATE TRIGGER td AFTER DELETE ON t BEGIN UPDATE d SET sum ="
                      " armms_digest_add(sum, 't', -1, OLD.a, OLD.b, OLD.c); END;"),
             SQLITE_OK, "a table with digest triggers is made");
    sums(db, kept, fresh);
    T_EQ_STR(fresh, "0000000000000000000000000000000000000000000000000000000000000000",
             "no rows: armms_digest_of is 32 zero bytes");
    T_EQ_INT(exec(db, "INSERT INTO t VALUES (1, 'G1', NULL), (2, 'G2', x'00ff'), (3, 2.5, '')"),
             SQLITE_OK, "rows of every type are inserted");
    T_OK(touches > 0, "the triggers tell the store what they touched");
    sums(db, kept, fresh);
    T_EQ_STR(kept, fresh, "after inserts the kept sum is the sum recomputed from the rows");
    T_EQ_INT(exec(db, "UPDATE t SET b = 'G9' WHERE a = 1; DELETE FROM t WHERE a = 2"), SQLITE_OK,
             "a row is updated and another deleted");
    sums(db, kept, fresh);
    T_EQ_STR(kept, fresh, "after an update and a delete the kept sum still equals the rows'");
    char before[65];
    snprintf(before, sizeof before, "%s", fresh);
    T_EQ_INT(exec(db, "UPDATE t SET b = b"), SQLITE_OK, "an update that changes nothing");
    sums(db, kept, fresh);
    T_EQ_STR(kept, before, "leaves the sum as it was");
    /* a row REPLACE deletes is removed from the sum (store_open turns
     * recursive triggers on, which REPLACE's delete triggers need) */
    T_EQ_INT(exec(db, "CREATE UNIQUE INDEX t_a ON t(a); PRAGMA recursive_triggers = ON;"
                      "INSERT OR REPLACE INTO t VALUES (1, 'G5', NULL)"),
             SQLITE_OK, "a row is replaced");
    sums(db, kept, fresh);
    T_EQ_STR(kept, fresh, "after a REPLACE the kept sum still equals the rows'");
    T_EQ_INT(exec(db, "DROP INDEX t_a"), SQLITE_OK, "the unique index is dropped");
    /* the encoding tells types and column boundaries apart */
    T_EQ_INT(exec(db, "DELETE FROM t; INSERT INTO t VALUES (1, NULL, NULL)"), SQLITE_OK,
             "one row (1, NULL, NULL)");
    sums(db, kept, before);
    T_EQ_INT(exec(db, "DELETE FROM t; INSERT INTO t VALUES ('1', NULL, NULL)"), SQLITE_OK,
             "one row ('1', NULL, NULL)");
    sums(db, kept, fresh);
    T_OK(strcmp(before, fresh) != 0, "the integer 1 and the text '1' digest differently");
    T_EQ_INT(exec(db, "DELETE FROM t; INSERT INTO t VALUES ('ab', 'c', NULL)"), SQLITE_OK,
             "one row ('ab', 'c', NULL)");
    sums(db, kept, before);
    T_EQ_INT(exec(db, "DELETE FROM t; INSERT INTO t VALUES ('a', 'bc', NULL)"), SQLITE_OK,
             "one row ('a', 'bc', NULL)");
    sums(db, kept, fresh);
    T_OK(strcmp(before, fresh) != 0, "moving a byte across a column boundary changes the digest");
    sqlite3_close(db);

    /* without the function, as in the plain sqlite3 shell, the write fails */
    T_EQ_INT(sqlite3_open(":memory:", &db), SQLITE_OK, "a second database opens");
    exec(db, "CREATE TABLE t(a); CREATE TABLE d(sum BLOB);"
             "CREATE TRIGGER ti AFTER INSERT ON t BEGIN UPDATE d SET sum ="
             " armms_digest_add(sum, 't', 1, NEW.a); END;");
    T_OK(exec(db, "INSERT INTO t VALUES (1)") != SQLITE_OK,
         "a connection without armms_digest_add cannot write a table with digest triggers");
    sqlite3_close(db);
}

int main(void)
{
    test_arithmetic();
    test_sql();
    return t_done();
}
