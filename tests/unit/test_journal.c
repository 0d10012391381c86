/*
 * test_journal.c - the tenant journal as the store drives it (journal.h,
 * store.h): events emitted in a transaction land in the journal once, in
 * order, hash-chained; a crashed run's outbox is healed on the next open; a
 * torn tail is cut; edits and truncation are caught by journal_verify; and a
 * store this build does not own is refused.
 *
 * Runs in a fresh ARMMS_HOME under /tmp, removed at the end. Line hashes are
 * recomputed here with libcrypto directly, not with lib/sha.c.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <ftw.h>
#include <jv.h>
#include <openssl/evp.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store/journal.h"
#include "store/store.h"
#include "store/tenant.h"
#include "t.h"

static const char zeros[] = "0000000000000000000000000000000000000000000000000000000000000000";

/* The journal's lines, split; owns its buffer. */
typedef struct lines {
    char *buf;
    size_t size;
    int n;
    char *line[64];
    size_t len[64];
    int ends_in_newline;
} lines;

static char *slurp(const char *path, size_t *size)
{
    int fd = open(path, O_RDONLY);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0) {
        if (fd >= 0)
            close(fd);
        *size = 0;
        return NULL;
    }
    char *b = xmalloc((size_t)st.st_size + 1);
    ssize_t got = read(fd, b, (size_t)st.st_size);
    close(fd);
    *size = got > 0 ? (size_t)got : 0;
    b[*size] = 0;
    return b;
}

static void spill(const char *path, const char *bytes, size_t n)
{
    int fd = open(path, O_WRONLY | O_TRUNC | O_CREAT, 0600);
    if (fd >= 0) {
        (void)!write_all(fd, bytes, n);
        close(fd);
    }
}

static void read_lines(const char *path, lines *l)
{
    memset(l, 0, sizeof *l);
    l->buf = slurp(path, &l->size);
    if (!l->buf)
        return;
    l->ends_in_newline = l->size > 0 && l->buf[l->size - 1] == '\n';
    char *p = l->buf, *end = l->buf + l->size;
    while (p < end && l->n < 64) {
        char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
        l->line[l->n] = p;
        l->len[l->n] = n;
        l->n++;
        if (!nl)
            break;
        *nl = 0;
        p = nl + 1;
    }
}

static void free_lines(lines *l)
{
    free(l->buf);
}

static void sha256_of(const char *p, size_t n, char hex[65])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned mdn = 0;
    EVP_Digest(p, n, md, &mdn, EVP_sha256(), NULL);
    for (unsigned i = 0; i < mdn; i++)
        snprintf(hex + 2 * i, 3, "%02x", md[i]);
    hex[2 * mdn] = 0;
}

/* Field of a journal line as text ("" when absent); numbers as integers. */
static const char *field(const char *line, const char *key, char *out, size_t cap)
{
    jv v = jv_parse(line);
    jv f = jv_object_get(jv_copy(v), jv_string(key));
    out[0] = 0;
    if (jv_get_kind(f) == JV_KIND_STRING) {
        snprintf(out, cap, "%s", jv_string_value(f));
    } else if (jv_get_kind(f) == JV_KIND_NUMBER) {
        snprintf(out, cap, "%lld", (long long)jv_number_value(f));
    } else if (jv_get_kind(f) == JV_KIND_OBJECT) {
        jv s = jv_dump_string(jv_copy(f), JV_PRINT_SORTED);
        snprintf(out, cap, "%s", jv_string_value(s));
        jv_free(s);
    }
    jv_free(f);
    jv_free(v);
    return out;
}

static long long num(const char *line, const char *key)
{
    char b[64];
    return atoll(field(line, key, b, sizeof b));
}

/* The envelope's keys appear in the order journal.h fixes. */
static int fields_in_order(const char *line)
{
    static const char *const keys[] = {
        "{\"seq\":",       ",\"event_id\":",       ",\"event_type\":",   ",\"version\":",
        ",\"tenant_id\":", ",\"aggregate_type\":", ",\"aggregate_id\":", ",\"occurred_at\":",
        ",\"actor\":",     ",\"payload\":",        ",\"src\":",          ",\"src_id\":",
        ",\"src_i\":",     ",\"src_n\":",          ",\"prev\":",         ",\"hash\":",
    };
    const char *p = line;
    if (strncmp(line, keys[0], strlen(keys[0])) != 0)
        return 0;
    for (size_t i = 1; i < sizeof keys / sizeof *keys; i++) {
        const char *q = strstr(p, keys[i]);
        if (!q)
            return 0;
        p = q + strlen(keys[i]);
    }
    return 1;
}

/* Every line: hash = sha256(bytes before ,"hash":), prev = previous hash. */
static int chain_ok(const lines *l, int *bad_at)
{
    char prev[65], h[65], got[80];
    memcpy(prev, zeros, 65);
    for (int i = 0; i < l->n; i++) {
        const char *tag = strstr(l->line[i], ",\"hash\":\"");
        *bad_at = i + 1;
        if (!tag)
            return 0;
        sha256_of(l->line[i], (size_t)(tag - l->line[i]), h);
        if (strcmp(field(l->line[i], "hash", got, sizeof got), h) != 0 ||
            strcmp(field(l->line[i], "prev", got, sizeof got), prev) != 0 ||
            num(l->line[i], "seq") != i + 1)
            return 0;
        memcpy(prev, h, 65);
    }
    *bad_at = 0;
    return 1;
}

static long long count_rows(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *st;
    long long n = -1;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
        n = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return n;
}

static int emit3(store_t *s, armms_err *err)
{
    static const char *const names[] = {"Alpha", "Bravo", "Charlie"};
    if (store_begin(s, err))
        return err->code;
    for (int i = 0; i < 3; i++) {
        char id[16], payload[64];
        snprintf(id, sizeof id, "G-00%d", i + 1);
        snprintf(payload, sizeof payload, "{\"name\":\"%s\"}", names[i]);
        if (store_emit(s, "guard.hired", "guard", id, payload, strlen(payload), err)) {
            store_rollback(s);
            return err->code;
        }
    }
    return store_commit(s, err);
}

static void test_emit_and_verify(tenant_t *t, const char *seg)
{
    store_t s;
    armms_err err = {0};
    lines l;
    char buf[128];

    T_EQ_INT(store_open(&s, t, "hr", STORE_CREATE | STORE_MIGRATE, &err), 0,
             "armms-init creates and migrates hr.db (%s)", err.msg);
    T_EQ_INT(access(seg, F_OK), -1, "a freshly created store has journaled nothing yet");

    T_EQ_INT(emit3(&s, &err), 0, "three guards hired in one transaction commit (%s)", err.msg);
    read_lines(seg, &l);
    T_EQ_INT(l.n, 3, "the journal segment 000001.ndjson holds 3 lines");
    T_OK(l.ends_in_newline, "every journal line ends in a newline");
    for (int i = 0; i < l.n && i < 3; i++) {
        T_EQ_INT(num(l.line[i], "seq"), i + 1, "line %d has seq %d", i + 1, i + 1);
        T_OK(fields_in_order(l.line[i]), "line %d has the envelope fields in the fixed order",
             i + 1);
        T_EQ_INT(l.len[i] > 77 && memcmp(l.line[i] + l.len[i] - 2, "\"}", 2) == 0 &&
                     memcmp(l.line[i] + l.len[i] - 75, ",\"hash\":\"", 9) == 0,
                 1, "line %d ends in ,\"hash\":\"<64 hex>\"}", i + 1);
        T_EQ_INT(num(l.line[i], "src_id"), 1,
                 "line %d came from hr outbox row 1 (the transaction)", i + 1);
        T_EQ_INT(num(l.line[i], "src_i"), i + 1, "line %d is event %d of that row", i + 1, i + 1);
        T_EQ_INT(num(l.line[i], "src_n"), 3, "line %d says the row holds 3 events", i + 1);
    }
    if (l.n >= 3) {
        T_EQ_STR(field(l.line[0], "prev", buf, sizeof buf), zeros,
                 "the first line's prev is 64 zeros");
        int bad_at;
        T_OK(chain_ok(&l, &bad_at),
             "each line's hash is sha256 of its bytes before ,\"hash\": and the next line's prev "
             "(first bad line: %d)",
             bad_at);
        T_EQ_STR(field(l.line[0], "event_type", buf, sizeof buf), "guard.hired",
                 "the event type is journaled");
        T_EQ_STR(field(l.line[0], "tenant_id", buf, sizeof buf), "unit",
                 "the tenant id is journaled");
        T_EQ_STR(field(l.line[0], "src", buf, sizeof buf), "hr", "the source module is hr");
        T_EQ_STR(field(l.line[1], "aggregate_type", buf, sizeof buf), "guard",
                 "the aggregate type is journaled");
        T_EQ_STR(field(l.line[1], "aggregate_id", buf, sizeof buf), "G-002",
                 "the second event is about guard G-002");
        T_EQ_STR(field(l.line[2], "payload", buf, sizeof buf), "{\"name\":\"Charlie\"}",
                 "the third event's payload is journaled as given");
        T_OK(strstr(l.line[2], ",\"payload\":{\"name\":\"Charlie\"},\"") != NULL,
             "the payload is embedded verbatim, not as an escaped string");
        /* the transaction wrote audit rows: its last event carries the new
         * digests of the tables it changed (store/digest.h), the store's
         * first change every table of it */
        T_OK(strstr(l.line[2], "},\"digest\":{\"assignment\":{\"rows\":0,") != NULL &&
                 strstr(l.line[2], "\"audit\":{\"rows\":3,\"sum\":\"") != NULL &&
                 strstr(l.line[1], "\"digest\"") == NULL,
             "the last event of the transaction, only, carries the digests after its payload");
        T_EQ_STR(field(l.line[0], "occurred_at", buf, sizeof buf), "2026-01-01T22:00:00Z",
                 "occurred_at is the (pinned) clock in UTC");
        T_EQ_STR(field(l.line[0], "actor", buf, sizeof buf), "unit-tester",
                 "the actor is ARMMS_USER");
        T_EQ_INT(strlen(field(l.line[0], "event_id", buf, sizeof buf)), 26,
                 "the event id is a 26-character ULID");
        T_EQ_INT(num(l.line[0], "version"), 1, "the event version is 1");
    }
    free_lines(&l);

    journal_report rep;
    T_EQ_INT(journal_verify(t, &rep, &err), 0, "journal_verify reads the journal");
    T_EQ_STR(rep.problem, "", "journal_verify finds no problem in a fresh journal");
    T_EQ_INT(rep.events, 3, "journal_verify counts 3 events");
    T_EQ_INT(rep.head_seq, 3, "the head records seq 3");
    T_EQ_INT(rep.bad_seq, 0, "no bad seq is reported");
    T_EQ_INT(count_rows(s.db, "SELECT count(*) FROM outbox"), 0,
             "the outbox is empty once its rows are journaled (pruned)");
    store_close(&s);

    size_t before, after;
    free(slurp(seg, &before));
    T_EQ_INT(store_open(&s, t, "hr", 0, &err), 0, "a tool reopens hr.db (%s)", err.msg);
    free(slurp(seg, &after));
    T_EQ_INT(after, before, "a second store_open journals nothing new");
    store_close(&s);
}

static void test_crash_healing(tenant_t *t, const char *seg)
{
    store_t s;
    armms_err err = {0};
    lines l;
    char buf[128];

    T_EQ_INT(store_open(&s, t, "hr", 0, &err), 0, "hr.db opens (%s)", err.msg);
    /* A run that committed but crashed before journal_flush. */
    int rc = sqlite3_exec(s.db,
                          "INSERT INTO outbox(events, body) VALUES(1,"
                          "'{\"event_id\":\"01KDX0000000000000000CRASH\",\"event_type\":"
                          "\"guard.updated\",\"version\":1,\"tenant_id\":\"unit\","
                          "\"aggregate_type\":\"guard\",\"aggregate_id\":\"G-002\","
                          "\"occurred_at\":\"2026-01-01T23:00:00Z\",\"actor\":"
                          "\"payroll-officer\",\"payload\":{\"rank\":\"SG\"}}\n')",
                          NULL, NULL, NULL);
    T_EQ_INT(rc, SQLITE_OK, "an outbox row is left behind by a crashed run");
    T_EQ_INT(count_rows(s.db, "SELECT count(*) FROM outbox"), 1, "the outbox holds that one row");
    store_close(&s);
    read_lines(seg, &l);
    T_EQ_INT(l.n, 3, "the crashed run's event is not in the journal yet");
    free_lines(&l);

    T_EQ_INT(store_open(&s, t, "hr", 0, &err), 0, "reopening hr.db heals the outbox (%s)",
             err.msg);
    read_lines(seg, &l);
    T_EQ_INT(l.n, 4, "after reopening, the journal has 4 lines");
    if (l.n >= 4) {
        T_EQ_INT(num(l.line[3], "seq"), 4, "the healed event is seq 4");
        T_EQ_INT(num(l.line[3], "src_id"), 2, "it came from hr outbox row 2 (ids never reused)");
        T_EQ_STR(field(l.line[3], "event_id", buf, sizeof buf), "01KDX0000000000000000CRASH",
                 "it keeps the crashed run's event id");
        T_EQ_STR(field(l.line[3], "actor", buf, sizeof buf), "payroll-officer",
                 "it keeps the crashed run's actor");
        T_EQ_STR(field(l.line[3], "payload", buf, sizeof buf), "{\"rank\":\"SG\"}",
                 "it keeps the crashed run's payload");
        int bad_at;
        T_OK(chain_ok(&l, &bad_at), "the healed event continues the hash chain (bad: %d)", bad_at);
    }
    free_lines(&l);
    T_EQ_INT(count_rows(s.db, "SELECT count(*) FROM outbox"), 0,
             "the healed row is pruned from the outbox");
    store_close(&s);

    size_t before, after;
    free(slurp(seg, &before));
    T_EQ_INT(store_open(&s, t, "hr", 0, &err), 0, "hr.db opens again (%s)", err.msg);
    free(slurp(seg, &after));
    T_EQ_INT(after, before, "the healed event is journaled exactly once");
    store_close(&s);
}

static void test_torn_tail(tenant_t *t, const char *seg)
{
    store_t s;
    armms_err err = {0};
    lines l;
    char buf[128];
    size_t clean;

    free(slurp(seg, &clean));
    int fd = open(seg, O_WRONLY | O_APPEND);
    static const char torn[] = "{\"seq\":5,\"ev";
    T_EQ_INT(fd >= 0 && write_all(fd, torn, sizeof torn - 1) == 0, 1,
             "a crash leaves a torn line at the end of the segment");
    if (fd >= 0)
        close(fd);

    journal_report rep;
    journal_verify(t, &rep, &err);
    T_OK(strstr(rep.problem, "torn") != NULL, "journal_verify reports the torn tail (%s)",
         rep.problem);

    T_EQ_INT(store_open(&s, t, "hr", 0, &err), 0, "hr.db opens over a torn journal (%s)", err.msg);
    T_EQ_INT(store_begin(&s, &err), 0, "a new transaction begins");
    T_EQ_INT(
        store_emit(&s, "guard.separated", "guard", "G-003", "{\"reason\":\"resigned\"}", 21, &err),
        0, "one more event is emitted");
    T_EQ_INT(store_commit(&s, &err), 0, "and committed (%s)", err.msg);
    store_close(&s);

    read_lines(seg, &l);
    T_EQ_INT(l.n, 5, "the journal now has 5 lines");
    T_OK(l.ends_in_newline, "the segment ends in a newline");
    T_OK(strstr(l.buf ? l.buf : "", "{\"seq\":5,\"ev{") == NULL &&
             (l.n < 5 || strncmp(l.line[4], "{\"seq\":5,\"event_id\":", 20) == 0),
         "the torn bytes are gone, not glued to the new line");
    if (l.n >= 5) {
        T_EQ_INT(num(l.line[4], "seq"), 5, "seq 5 is the new event");
        T_EQ_STR(field(l.line[4], "event_type", buf, sizeof buf), "guard.separated",
                 "seq 5 is the guard.separated event");
        int bad_at;
        T_OK(chain_ok(&l, &bad_at), "the chain is intact after the torn tail (bad: %d)", bad_at);
    }
    free_lines(&l);
    T_EQ_INT(journal_verify(t, &rep, &err), 0, "journal_verify reads the healed journal");
    T_EQ_STR(rep.problem, "", "journal_verify finds no problem after the torn tail is cut");
    T_EQ_INT(rep.events, 5, "journal_verify counts 5 events");
    T_EQ_INT(rep.head_seq, 5, "the head records seq 5");
}

static void test_tamper_and_truncation(tenant_t *t, const char *seg)
{
    armms_err err = {0};
    journal_report rep;
    size_t n;
    char *orig = slurp(seg, &n);
    if (!orig) {
        T_OK(0, "the journal segment can be read");
        return;
    }
    char *copy = xmalloc(n + 1);
    memcpy(copy, orig, n + 1);

    /* Edit one byte inside line 2's payload: "Bravo" -> "Cravo". */
    char *l2 = strchr(copy, '\n') + 1;
    char *b = strstr(l2, "\"name\":\"Bravo\"");
    T_OK(b && b < strchr(l2, '\n'), "line 2 carries the payload {\"name\":\"Bravo\"}");
    if (b)
        b[8] = 'C';
    spill(seg, copy, n);
    T_EQ_INT(journal_verify(t, &rep, &err), 0, "journal_verify reads the edited journal");
    T_OK(rep.problem[0] != 0, "journal_verify reports a problem after a payload byte is edited");
    T_OK(strstr(rep.problem, "seq 2") != NULL, "the problem names seq 2 (%s)", rep.problem);
    T_EQ_INT(rep.bad_seq, 2, "the first bad seq is 2");
    T_EQ_INT(rep.events, 1, "only the one event before the edit verifies");

    /* Put the original back: it verifies again. */
    spill(seg, orig, n);
    journal_verify(t, &rep, &err);
    T_EQ_STR(rep.problem, "", "the unedited journal verifies again");

    /* Remove the last line. */
    char *last = orig + n - 1; /* the final newline */
    while (last > orig && last[-1] != '\n')
        last--;
    spill(seg, orig, (size_t)(last - orig));
    T_EQ_INT(journal_verify(t, &rep, &err), 0, "journal_verify reads the truncated journal");
    T_OK(strstr(rep.problem, "truncated") != NULL,
         "journal_verify reports truncation when the last line is removed (%s)", rep.problem);
    T_EQ_INT(rep.events, 4, "the 4 remaining events verify");
    T_EQ_INT(rep.head_seq, 5, "the head still records seq 5");
    T_EQ_INT(rep.bad_seq, 5, "seq 5 is reported missing");

    store_t s;
    err.code = 0;
    T_OK(store_open(&s, t, "hr", 0, &err) != 0,
         "hr.db refuses to open over a truncated journal rather than append after a gap (%s)",
         err.msg);
    store_close(&s);

    spill(seg, orig, n);
    journal_verify(t, &rep, &err);
    T_EQ_STR(rep.problem, "", "the restored journal verifies again");
    free(copy);
    free(orig);
}

static int raw_exec(const char *path, const char *sql)
{
    sqlite3 *db = NULL;
    int rc = sqlite3_open(path, &db);
    if (rc == SQLITE_OK)
        rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
    sqlite3_close(db);
    return rc;
}

static void test_foreign_stores(void)
{
    tenant_t t;
    store_t s;
    armms_err err = {0};
    char sql[128];

    T_EQ_INT(tenant_resolve(&t, "schema", NULL, &err), 0, "tenant schema resolves");
    T_EQ_INT(tenant_create(&t, NULL, &err), 0, "tenant schema is created");

    /* A store written by a newer ARMMS. */
    T_EQ_INT(store_open(&s, &t, "hr", STORE_CREATE | STORE_MIGRATE, &err), 0,
             "hr.db is created (%s)", err.msg);
    store_close(&s);
    char *hr = tenant_path(&t, "hr.db");
    snprintf(sql, sizeof sql, "PRAGMA user_version=%d", schema_latest("hr") + 1);
    T_EQ_INT(raw_exec(hr, sql), SQLITE_OK, "hr.db is stamped one schema version ahead");
    err.code = 0;
    T_EQ_INT(store_open(&s, &t, "hr", 0, &err), EXIT_CONFIG,
             "a store newer than this build is refused with EXIT_CONFIG (78)");
    T_OK(strstr(err.msg, "newer") != NULL, "the message says the store is newer (%s)", err.msg);
    err.code = 0;
    T_EQ_INT(store_open(&s, &t, "hr", STORE_CREATE | STORE_MIGRATE, &err), EXIT_CONFIG,
             "armms-init (migrate) also refuses a newer store with EXIT_CONFIG");
    free(hr);

    /* A store older than this build, opened by a tool that may not migrate. */
    char *tk = tenant_path(&t, "tk.db");
    snprintf(sql, sizeof sql, "PRAGMA application_id=%d", ARMMS_APP_ID);
    T_EQ_INT(raw_exec(tk, sql), SQLITE_OK, "an empty tk.db at schema version 0 exists");
    err.code = 0;
    T_EQ_INT(store_open(&s, &t, "tk", 0, &err), EXIT_CONFIG,
             "a tool refuses a store older than itself with EXIT_CONFIG");
    T_OK(strstr(err.msg, "armms-init") != NULL, "the message says to run armms-init (%s)",
         err.msg);
    free(tk);
    err.code = 0;
    T_EQ_INT(store_open(&s, &t, "pay", 0, &err), EXIT_CONFIG,
             "a missing pay.db is EXIT_CONFIG without STORE_CREATE");
    char *pay = tenant_path(&t, "pay.db");
    T_EQ_INT(access(pay, F_OK), -1, "and no pay.db is created");
    free(pay);

    /* Some other application's SQLite file. */
    char *iam = tenant_path(&t, "iam.db");
    T_EQ_INT(raw_exec(iam, "PRAGMA application_id=1234; CREATE TABLE recipes(name TEXT)"),
             SQLITE_OK, "iam.db is another application's file (application_id 1234)");
    err.code = 0;
    T_EQ_INT(store_open(&s, &t, "iam", STORE_CREATE | STORE_MIGRATE, &err), EXIT_CONFIG,
             "a file with application_id 1234 is refused with EXIT_CONFIG");
    T_OK(strstr(err.msg, "not an ARMMS store") != NULL, "the message says so (%s)", err.msg);
    free(iam);
    tenant_free(&t);

    T_EQ_INT(tenant_resolve(&t, "foreign", NULL, &err), 0, "tenant foreign resolves");
    T_EQ_INT(tenant_create(&t, NULL, &err), 0, "tenant foreign is created");
    hr = tenant_path(&t, "hr.db");
    T_EQ_INT(raw_exec(hr, "CREATE TABLE recipes(name TEXT); INSERT INTO recipes VALUES('adobo')"),
             SQLITE_OK, "hr.db is another application's file (application_id 0, a recipes table)");
    err.code = 0;
    T_EQ_INT(store_open(&s, &t, "hr", 0, &err), EXIT_CONFIG,
             "a tool refuses a foreign file with application_id 0 with EXIT_CONFIG");
    err.code = 0;
    int rc = store_open(&s, &t, "hr", STORE_CREATE | STORE_MIGRATE, &err);
    T_EQ_INT(rc, EXIT_CONFIG,
             "armms-init refuses a foreign file with application_id 0 and tables of its own");
    if (rc == 0)
        store_close(&s);
    T_EQ_INT(raw_exec(hr, "SELECT * FROM outbox"), SQLITE_ERROR,
             "the foreign file is left without ARMMS tables");
    free(hr);
    tenant_free(&t);
}

/* The lock and the rebuild fail with the code and message of the error
 * rule: busy is EXIT_TEMPFAIL, a damaged line met while rebuilding a lost
 * head is EXIT_SOFTWARE naming the segment. */
static void test_lock_and_damage(tenant_t *t)
{
    armms_err err = {0};
    long long seq = -1;
    char *lock = xasprintf("%s/journal/LOCK", t->dir);
    char *seg = xasprintf("%s/journal/000001.ndjson", t->dir);
    char *head = xasprintf("%s/journal/head", t->dir);

    int fd = open(lock, O_RDWR | O_CREAT, 0600);
    T_OK(fd >= 0 && flock(fd, LOCK_EX) == 0, "another run holds the journal lock");
    int was = t->wait_ms;
    t->wait_ms = 0;
    T_EQ_INT(journal_last_seq(t, &seq, &err), EXIT_TEMPFAIL, "a held lock is EXIT_TEMPFAIL");
    T_EQ_STR(err.msg, "tenant damage: journal busy (lock held past --wait)",
             "and the message names the tenant");
    t->wait_ms = was;
    if (fd >= 0)
        close(fd);
    err = (armms_err){0};
    T_EQ_INT(journal_last_seq(t, &seq, &err), 0, "released, the lock is taken (%s)", err.msg);
    T_EQ_INT(seq, 0, "an empty journal is at seq 0");

    static const char damaged[] = "not an envelope\n";
    spill(seg, damaged, sizeof damaged - 1);
    unlink(head);
    err = (armms_err){0};
    T_EQ_INT(journal_last_seq(t, &seq, &err), EXIT_SOFTWARE,
             "rebuilding a lost head over a damaged line is EXIT_SOFTWARE");
    T_EQ_STR(err.msg, "journal segment 000001 has a damaged line; run armms-journal verify",
             "and the message names the segment");
    free(lock);
    free(seg);
    free(head);
}

static int rm_entry(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
    return remove(path);
}

int main(void)
{
    char home[] = "/tmp/armms-test-journal-XXXXXX";
    if (!mkdtemp(home)) {
        perror("mkdtemp");
        return 1;
    }
    setenv("ARMMS_HOME", home, 1);
    setenv("ARMMS_USER", "unit-tester", 1);
    setenv("ARMMS_NOW", "2026-01-02T06:00:00+08:00", 1);
    unsetenv("ARMMS_JOURNAL_SEGMENT_BYTES");

    tenant_t t;
    armms_err err = {0};
    T_EQ_INT(tenant_resolve(&t, "unit", NULL, &err), 0, "tenant unit resolves (%s)", err.msg);
    T_EQ_INT(tenant_create(&t, NULL, &err), 0, "tenant unit is created (%s)", err.msg);
    char *seg = xasprintf("%s/tenants/unit/journal/000001.ndjson", home);

    test_emit_and_verify(&t, seg);
    test_crash_healing(&t, seg);
    test_torn_tail(&t, seg);
    test_tamper_and_truncation(&t, seg);
    tenant_free(&t);
    test_foreign_stores();

    tenant_t d;
    T_EQ_INT(tenant_resolve(&d, "damage", NULL, &err), 0, "tenant damage resolves (%s)", err.msg);
    T_EQ_INT(tenant_create(&d, NULL, &err), 0, "tenant damage is created (%s)", err.msg);
    test_lock_and_damage(&d);
    tenant_free(&d);

    free(seg);
    if (!getenv("KEEP_HOME"))
        nftw(home, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    else
        printf("# home kept at %s\n", home);
    return t_done();
}
