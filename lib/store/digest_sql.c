/*
 * digest_sql.c - the SQL functions of the store digests (store/digest.h):
 * the row encoding, armms_digest_add and armms_digest_of. Apart from the
 * rest of digest.c so that the tests' sqlite3 shell extension
 * (tests/sqlext) builds from the same code: it needs only SQLite and
 * core/setdigest.
 */
#include <stdint.h>
#include <string.h>

#include "core/setdigest.h"
#include "store/digest.h"

/* One value in the row encoding digest.h describes. */
static void put_len(strbuf *b, char tag, uint64_t x)
{
    char be[9];
    be[0] = tag;
    for (int i = 0; i < 8; i++)
        be[8 - i] = (char)(x >> (8 * i) & 0xff);
    sb_add(b, be, 9);
}

static void encode_row(strbuf *b, int argc, sqlite3_value **argv)
{
    for (int i = 0; i < argc; i++) {
        sqlite3_value *v = argv[i];
        switch (sqlite3_value_type(v)) {
        case SQLITE_INTEGER:
            put_len(b, 'I', (uint64_t)sqlite3_value_int64(v));
            break;
        case SQLITE_FLOAT: {
            double d = sqlite3_value_double(v);
            uint64_t x;
            memcpy(&x, &d, sizeof x);
            put_len(b, 'R', x);
            break;
        }
        case SQLITE_TEXT: {
            const unsigned char *t = sqlite3_value_text(v);
            int n = sqlite3_value_bytes(v);
            put_len(b, 'T', (uint64_t)n);
            sb_add(b, (const char *)t, (size_t)n);
            break;
        }
        case SQLITE_BLOB: {
            const void *p = sqlite3_value_blob(v);
            int n = sqlite3_value_bytes(v);
            put_len(b, 'B', (uint64_t)n);
            if (n)
                sb_add(b, p, (size_t)n);
            break;
        }
        default:
            sb_addc(b, 'N');
        }
    }
}

/* armms_digest_add(sum, table, sign, v1, ..., vn): sum with the row
 * v1..vn added (sign 1) or removed (sign -1). */
static void fn_add(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    if (argc < 4) {
        sqlite3_result_error(ctx, "armms_digest_add(sum, table, sign, value...)", -1);
        return;
    }
    unsigned char acc[SETDIGEST_LEN] = {0};
    if (sqlite3_value_type(argv[0]) == SQLITE_BLOB &&
        sqlite3_value_bytes(argv[0]) == SETDIGEST_LEN)
        memcpy(acc, sqlite3_value_blob(argv[0]), SETDIGEST_LEN);
    void *user = sqlite3_user_data(ctx);
    if (user)
        digest_touch(user, (const char *)sqlite3_value_text(argv[1]), acc);
    strbuf b;
    sb_init(&b);
    encode_row(&b, argc - 3, argv + 3);
    setdigest_update(acc, sqlite3_value_int(argv[2]) < 0 ? -1 : 1, b.s, b.len);
    sb_free(&b);
    sqlite3_result_blob(ctx, acc, SETDIGEST_LEN, SQLITE_TRANSIENT);
}

/* armms_digest_of(v1, ..., vn): the sum of a table's rows, afresh. */
static void fn_of_step(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    unsigned char *acc = sqlite3_aggregate_context(ctx, SETDIGEST_LEN);
    if (!acc) {
        sqlite3_result_error_nomem(ctx);
        return;
    }
    strbuf b;
    sb_init(&b);
    encode_row(&b, argc, argv);
    setdigest_update(acc, 1, b.s, b.len);
    sb_free(&b);
}

static void fn_of_final(sqlite3_context *ctx)
{
    static const unsigned char zero[SETDIGEST_LEN];
    unsigned char *acc = sqlite3_aggregate_context(ctx, 0);
    sqlite3_result_blob(ctx, acc ? acc : zero, SETDIGEST_LEN, SQLITE_TRANSIENT);
}

int digest_sql_register(sqlite3 *db, void *user)
{
    int rc = sqlite3_create_function_v2(db, "armms_digest_add", -1, SQLITE_UTF8 | SQLITE_INNOCUOUS,
                                        user, fn_add, NULL, NULL, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_create_function_v2(db, "armms_digest_of", -1,
                                        SQLITE_UTF8 | SQLITE_INNOCUOUS | SQLITE_DETERMINISTIC,
                                        NULL, NULL, fn_of_step, fn_of_final, NULL);
    return rc;
}
