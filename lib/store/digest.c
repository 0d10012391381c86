/*
 * digest.c - see digest.h.
 */
#define _GNU_SOURCE
#include "store/digest.h"

#include <jv.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/setdigest.h"
#include "store/journal.h"

#define DIGEST_TABLES 64 /* audited tables of one store, at most */

/* The first time a transaction changes a table's sum, remember the sum it
 * had: only a table whose sum then differs at commit is recorded. */
void digest_touch(void *user, const char *tbl, const unsigned char *before)
{
    store_t *s = user;
    if (!tbl || s->touched.all)
        return;
    for (int i = 0; i < s->touched.n; i++)
        if (strcmp(s->touched.tbl[i], tbl) == 0)
            return;
    if (s->touched.n == STORE_TOUCH_MAX || strlen(tbl) >= sizeof s->touched.tbl[0]) {
        s->touched.all = 1;
        return;
    }
    snprintf(s->touched.tbl[s->touched.n], sizeof s->touched.tbl[0], "%s", tbl);
    memcpy(s->touched.before[s->touched.n], before, SETDIGEST_LEN);
    s->touched.n++;
}

int digest_register(sqlite3 *db, store_t *s)
{
    return digest_sql_register(db, s);
}

/* An audited table's name is an SQL identifier needing no quotes. */
static int name_ok(const char *t)
{
    size_t n = strlen(t);
    if (n == 0 || n >= 40 || !(t[0] == '_' || (t[0] >= 'a' && t[0] <= 'z')))
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!(t[i] == '_' || (t[i] >= 'a' && t[i] <= 'z') || (t[i] >= '0' && t[i] <= '9')))
            return 0;
    return 1;
}

static int table_exists(sqlite3 *db, const char *tbl)
{
    sqlite3_stmt *st;
    int found = 0;
    if (sqlite3_prepare_v2(db,
                           "SELECT 1 FROM main.sqlite_master WHERE type = 'table' AND name = ?",
                           -1, &st, NULL) != SQLITE_OK)
        return 0;
    sqlite3_bind_text(st, 1, tbl, -1, SQLITE_STATIC);
    found = sqlite3_step(st) == SQLITE_ROW;
    sqlite3_finalize(st);
    return found;
}

/* The table's columns in order, as `PREFIX"name", ...`. */
static int columns(sqlite3 *db, const char *tbl, const char *prefix, strbuf *out)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, "SELECT name FROM pragma_table_info(?1, 'main') ORDER BY cid", -1,
                           &st, NULL) != SQLITE_OK)
        return -1;
    sqlite3_bind_text(st, 1, tbl, -1, SQLITE_STATIC);
    int n = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        const char *c = (const char *)sqlite3_column_text(st, 0);
        sb_adds(out, n++ ? ", " : "");
        sb_adds(out, prefix);
        sb_addc(out, '"');
        for (; c && *c; c++) {
            if (*c == '"')
                sb_addc(out, '"');
            sb_addc(out, *c);
        }
        sb_addc(out, '"');
    }
    sqlite3_finalize(st);
    return n ? 0 : -1;
}

static const char trigger_kind[3] = {'i', 'u', 'd'};

/* The CREATE TRIGGER text of kind k (0 insert, 1 update, 2 delete). */
static int trigger_sql(sqlite3 *db, const char *tbl, int k, strbuf *sql)
{
    strbuf nw, old;
    sb_init(&nw);
    sb_init(&old);
    int rc = columns(db, tbl, "NEW.", &nw) || columns(db, tbl, "OLD.", &old) ? -1 : 0;
    if (rc == 0) {
        sb_addf(sql,
                "CREATE TRIGGER armms_digest_%s_%c AFTER %s ON \"%s\" BEGIN UPDATE store_digest",
                tbl, trigger_kind[k],
                k == 0   ? "INSERT"
                : k == 1 ? "UPDATE"
                         : "DELETE",
                tbl);
        if (k == 0)
            sb_addf(sql, " SET rows = rows + 1, sum = armms_digest_add(sum, '%s', 1, %s)", tbl,
                    nw.s);
        else if (k == 2)
            sb_addf(sql, " SET rows = rows - 1, sum = armms_digest_add(sum, '%s', -1, %s)", tbl,
                    old.s);
        else
            sb_addf(
                sql,
                " SET sum = armms_digest_add(armms_digest_add(sum, '%s', -1, %s), '%s', 1, %s)",
                tbl, old.s, tbl, nw.s);
        sb_addf(sql, " WHERE tbl = '%s'; END", tbl);
    }
    sb_free(&nw);
    sb_free(&old);
    return rc;
}

/* A table's row count and sum, recomputed from its rows. */
static int recompute(sqlite3 *db, const char *tbl, long long *rows, unsigned char *sum)
{
    strbuf cols, sql;
    sb_init(&cols);
    sb_init(&sql);
    int rc = -1;
    if (columns(db, tbl, "", &cols) == 0) {
        sb_addf(&sql, "SELECT count(*), armms_digest_of(%s) FROM \"%s\"", cols.s, tbl);
        sqlite3_stmt *st;
        if (sqlite3_prepare_v2(db, sql.s, -1, &st, NULL) == SQLITE_OK) {
            if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_bytes(st, 1) == SETDIGEST_LEN) {
                *rows = sqlite3_column_int64(st, 0);
                memcpy(sum, sqlite3_column_blob(st, 1), SETDIGEST_LEN);
                rc = 0;
            }
            sqlite3_finalize(st);
        }
    }
    sb_free(&cols);
    sb_free(&sql);
    return rc;
}

/* The table names store_digest lists, in name order. */
static int listed(sqlite3 *db, char (*names)[40], int *n)
{
    sqlite3_stmt *st;
    *n = 0;
    if (sqlite3_prepare_v2(db, "SELECT tbl FROM store_digest ORDER BY tbl", -1, &st, NULL) !=
        SQLITE_OK)
        return -1;
    int rc = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        const char *t = (const char *)sqlite3_column_text(st, 0);
        if (!t || !name_ok(t) || *n == DIGEST_TABLES) {
            rc = -2;
            break;
        }
        snprintf(names[(*n)++], 40, "%s", t);
    }
    sqlite3_finalize(st);
    return rc;
}

int digest_install(store_t *s, int *installed, armms_err *err)
{
    char names[DIGEST_TABLES][40];
    int n;
    *installed = 0;
    if (!table_exists(s->db, "store_digest"))
        return 0;
    *installed = 1;
    int rc = listed(s->db, names, &n);
    if (rc)
        return rc == -1 ? store_fail(s, SQLITE_ERROR, "reading store_digest", err)
                        : err_set(err, EXIT_SOFTWARE,
                                  "tenant %s: %s.db: store_digest names a table that is no name",
                                  s->tenant->id, s->module);
    for (int i = 0; i < n; i++) {
        if (!table_exists(s->db, names[i]))
            return err_set(err, EXIT_SOFTWARE,
                           "tenant %s: %s.db: store_digest names table %s, which it lacks",
                           s->tenant->id, s->module, names[i]);
        for (int k = 0; k < 3; k++) {
            strbuf sql;
            sb_init(&sql);
            sb_addf(&sql, "DROP TRIGGER IF EXISTS armms_digest_%s_%c;", names[i], trigger_kind[k]);
            rc = trigger_sql(s->db, names[i], k, &sql)
                     ? SQLITE_ERROR
                     : sqlite3_exec(s->db, sql.s, NULL, NULL, NULL);
            sb_free(&sql);
            if (rc != SQLITE_OK)
                return store_fail(s, rc, "making the digest triggers", err);
        }
        long long rows;
        unsigned char sum[SETDIGEST_LEN];
        if (recompute(s->db, names[i], &rows, sum))
            return store_fail(s, SQLITE_ERROR, "computing a table's digest", err);
        sqlite3_stmt *st;
        rc = sqlite3_prepare_v2(s->db, "UPDATE store_digest SET rows = ?, sum = ? WHERE tbl = ?",
                                -1, &st, NULL);
        if (rc == SQLITE_OK) {
            sqlite3_bind_int64(st, 1, rows);
            sqlite3_bind_blob(st, 2, sum, SETDIGEST_LEN, SQLITE_STATIC);
            sqlite3_bind_text(st, 3, names[i], -1, SQLITE_STATIC);
            rc = sqlite3_step(st) == SQLITE_DONE ? SQLITE_OK : SQLITE_ERROR;
            sqlite3_finalize(st);
        }
        if (rc != SQLITE_OK)
            return store_fail(s, rc, "recording a table's digest", err);
    }
    return 0;
}

static void add_entry(strbuf *json, const char *tbl, long long rows, const unsigned char *sum)
{
    char hex[2 * SETDIGEST_LEN + 1];
    setdigest_hex(sum, hex);
    sb_adds(json, json->len ? "," : "{");
    sb_addf(json, "\"%s\":{\"rows\":%lld,\"sum\":\"%s\"}", tbl, rows, hex);
}

int digest_rows_json(store_t *s, strbuf *json, armms_err *err)
{
    char names[DIGEST_TABLES][40];
    int n;
    sb_reset(json);
    if (!table_exists(s->db, "store_digest"))
        return 0;
    if (listed(s->db, names, &n))
        return store_fail(s, SQLITE_ERROR, "reading store_digest", err);
    for (int i = 0; i < n; i++) {
        long long rows;
        unsigned char sum[SETDIGEST_LEN];
        if (table_exists(s->db, names[i]) && recompute(s->db, names[i], &rows, sum) == 0)
            add_entry(json, names[i], rows, sum);
    }
    if (json->len)
        sb_addc(json, '}');
    return 0;
}

int digest_changed_json(store_t *s, int all, strbuf *json, armms_err *err)
{
    sb_reset(json);
    all = all || s->touched.all || s->digest_unrecorded;
    sqlite3_stmt *st;
    int rc = sqlite3_prepare_v2(s->db, "SELECT tbl, rows, sum FROM store_digest ORDER BY tbl", -1,
                                &st, NULL);
    if (rc != SQLITE_OK)
        return store_fail(s, rc, "reading store_digest", err);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *tbl = (const char *)sqlite3_column_text(st, 0);
        const unsigned char *sum = sqlite3_column_blob(st, 2);
        if (!tbl || !name_ok(tbl) || sqlite3_column_bytes(st, 2) != SETDIGEST_LEN)
            continue; /* verify names it */
        int keep = all;
        for (int i = 0; !keep && i < s->touched.n; i++)
            keep = strcmp(s->touched.tbl[i], tbl) == 0 &&
                   memcmp(s->touched.before[i], sum, SETDIGEST_LEN) != 0;
        if (keep)
            add_entry(json, tbl, sqlite3_column_int64(st, 1), sum);
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return store_fail(s, rc, "reading store_digest", err);
    if (json->len)
        sb_addc(json, '}');
    if (json->len && s->digest_unrecorded) {
        rc = sqlite3_exec(s->db, "DELETE FROM store_meta WHERE key = 'digest_unrecorded'", NULL,
                          NULL, NULL);
        if (rc != SQLITE_OK)
            return store_fail(s, rc, "recording the digests", err);
    }
    return 0;
}

/* --- verify -------------------------------------------------------------- */

typedef struct dtab {
    char tbl[40];
    int kept, recorded, exists, triggers;
    long long rows, rec_rows, now_rows, rec_seq;
    /* a migration found rows other than the journal had recorded */
    long long gap_seq, gap_rec_rows, gap_rows;
    unsigned char sum[SETDIGEST_LEN], rec_sum[SETDIGEST_LEN], now_sum[SETDIGEST_LEN];
} dtab;

/* One store: its tables as kept, recomputed and recorded; the records its
 * outbox holds (newer than any the journal has) are applied last. */
typedef struct dstore {
    dtab t[DIGEST_TABLES];
    int n;
    long long last_id; /* the last outbox row of the snapshot */
    jv outbox;         /* the envelopes of its outbox rows that carry digests */
} dstore;

static const char *const digest_modules[] = {"hr", "tk", "pay", "iam"};
#define NDMOD 4

static dtab *find(dstore *d, const char *tbl)
{
    for (int i = 0; i < d->n; i++)
        if (strcmp(d->t[i].tbl, tbl) == 0)
            return &d->t[i];
    if (!name_ok(tbl) || d->n == DIGEST_TABLES)
        return NULL;
    dtab *t = &d->t[d->n++];
    memset(t, 0, sizeof *t);
    snprintf(t->tbl, sizeof t->tbl, "%s", tbl);
    return t;
}

/* Apply one envelope's "digest" object (consumed) as recorded at seq (0:
 * an outbox row not yet journaled). */
static void apply_record(dstore *d, jv dg, long long seq)
{
    if (jv_get_kind(dg) != JV_KIND_OBJECT) {
        jv_free(dg);
        return;
    }
    jv_object_foreach(dg, key, val)
    {
        dtab *t = find(d, jv_string_value(key));
        jv rows = jv_object_get(jv_copy(val), jv_string("rows"));
        jv sum = jv_object_get(val, jv_string("sum"));
        if (t && jv_get_kind(rows) == JV_KIND_NUMBER && jv_get_kind(sum) == JV_KIND_STRING &&
            setdigest_parse(jv_string_value(sum), t->rec_sum) == 0) {
            t->recorded = 1;
            t->rec_rows = (long long)jv_number_value(rows);
            t->rec_seq = seq;
        }
        jv_free(rows);
        jv_free(sum);
        jv_free(key);
    }
    jv_free(dg);
}

/* A migration's StoreDigest: the rows it found ("before") must be the ones
 * the journal last recorded; then it records every table the store has,
 * and what was recorded before it no longer counts. */
static void apply_migration(dstore *d, jv before, long long seq)
{
    if (jv_get_kind(before) == JV_KIND_OBJECT) {
        jv_object_foreach(before, key, val)
        {
            dtab *t = find(d, jv_string_value(key));
            jv rows = jv_object_get(jv_copy(val), jv_string("rows"));
            jv sum = jv_object_get(val, jv_string("sum"));
            unsigned char found[SETDIGEST_LEN];
            if (t && t->recorded && jv_get_kind(rows) == JV_KIND_NUMBER &&
                jv_get_kind(sum) == JV_KIND_STRING &&
                setdigest_parse(jv_string_value(sum), found) == 0 &&
                ((long long)jv_number_value(rows) != t->rec_rows ||
                 memcmp(found, t->rec_sum, SETDIGEST_LEN) != 0)) {
                t->gap_seq = seq;
                t->gap_rec_rows = t->rec_rows;
                t->gap_rows = (long long)jv_number_value(rows);
            }
            jv_free(rows);
            jv_free(sum);
            jv_free(key);
        }
    }
    jv_free(before);
    for (int i = 0; i < d->n; i++)
        d->t[i].recorded = 0;
}

/* One envelope (consumed) that carries a digest, at seq (0: outbox). */
static void apply_envelope(dstore *d, jv env, long long seq)
{
    jv type = jv_object_get(jv_copy(env), jv_string("event_type"));
    jv reason = jv_getpath(jv_copy(env), JV_ARRAY(jv_string("payload"), jv_string("reason")));
    if (jv_get_kind(type) == JV_KIND_STRING && strcmp(jv_string_value(type), "StoreDigest") == 0 &&
        jv_get_kind(reason) == JV_KIND_STRING && strcmp(jv_string_value(reason), "migrated") == 0)
        apply_migration(
            d, jv_getpath(jv_copy(env), JV_ARRAY(jv_string("payload"), jv_string("before"))), seq);
    jv_free(type);
    jv_free(reason);
    apply_record(d, jv_object_get(env, jv_string("digest")), seq);
}

/* Whether the three triggers of x stand as digest_install made them. */
static int triggers_ok(sqlite3 *db, const dtab *x)
{
    int ok = 1;
    for (int k = 0; k < 3 && ok; k++) {
        strbuf want;
        sb_init(&want);
        sqlite3_stmt *q;
        ok = 0;
        if (trigger_sql(db, x->tbl, k, &want) == 0 &&
            sqlite3_prepare_v2(db,
                               "SELECT sql FROM sqlite_master WHERE type = 'trigger'"
                               " AND name = ?1 AND tbl_name = ?2",
                               -1, &q, NULL) == SQLITE_OK) {
            char name[64];
            snprintf(name, sizeof name, "armms_digest_%s_%c", x->tbl, trigger_kind[k]);
            sqlite3_bind_text(q, 1, name, -1, SQLITE_STATIC);
            sqlite3_bind_text(q, 2, x->tbl, -1, SQLITE_STATIC);
            ok = sqlite3_step(q) == SQLITE_ROW && sqlite3_column_text(q, 0) &&
                 strcmp((const char *)sqlite3_column_text(q, 0), want.s) == 0;
            sqlite3_finalize(q);
        }
        sb_free(&want);
    }
    return ok;
}

/* The records of the outbox rows the snapshot holds, in id order. */
static int outbox_records(sqlite3 *db, dstore *d)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, "SELECT body FROM outbox ORDER BY id", -1, &st, NULL) != SQLITE_OK)
        return -1;
    while (sqlite3_step(st) == SQLITE_ROW) {
        const char *body = (const char *)sqlite3_column_text(st, 0);
        size_t blen = (size_t)sqlite3_column_bytes(st, 0);
        for (size_t pos = 0; body && pos < blen;) {
            const char *ev = body + pos, *nl = memchr(ev, '\n', blen - pos);
            size_t elen = nl ? (size_t)(nl - ev) : blen - pos;
            pos += elen + 1;
            if (!memmem(ev, elen, "\"digest\":{", 10))
                continue;
            jv v = jv_parse_sized(ev, (int)elen);
            if (jv_get_kind(v) == JV_KIND_OBJECT)
                d->outbox = jv_array_append(d->outbox, v);
            else
                jv_free(v);
        }
    }
    sqlite3_finalize(st);
    return 0;
}

/* What one store keeps, recomputed, and what its outbox holds, in one read
 * transaction. */
static int snapshot(tenant_t *t, const char *module, dstore *d, armms_err *err)
{
    store_t s;
    if (store_open_ro(&s, t, module, err))
        return err->code;
    journal_outbox o;
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_exec(s.db, "BEGIN", NULL, NULL, NULL);
    if (rc == SQLITE_OK && journal_outbox_read(s.db, &o, err) == 0) {
        d->last_id = o.last_id;
        rc = sqlite3_prepare_v2(s.db, "SELECT tbl, rows, sum FROM store_digest", -1, &st, NULL);
        while (rc == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW) {
            const char *name = (const char *)sqlite3_column_text(st, 0);
            dtab *x = name ? find(d, name) : NULL;
            if (!x)
                continue;
            x->kept = 1;
            x->rows = sqlite3_column_int64(st, 1);
            if (sqlite3_column_bytes(st, 2) == SETDIGEST_LEN)
                memcpy(x->sum, sqlite3_column_blob(st, 2), SETDIGEST_LEN);
            else
                memset(x->sum, 0xff, SETDIGEST_LEN); /* a sum no rows have */
        }
        sqlite3_finalize(st);
        for (int i = 0; rc == SQLITE_OK && i < d->n; i++) {
            dtab *x = &d->t[i];
            x->exists = table_exists(s.db, x->tbl);
            if (x->exists && recompute(s.db, x->tbl, &x->now_rows, x->now_sum))
                rc = SQLITE_ERROR;
            x->triggers = x->exists && triggers_ok(s.db, x);
        }
        if (rc == SQLITE_OK && outbox_records(s.db, d))
            rc = SQLITE_ERROR;
        if (rc != SQLITE_OK)
            store_fail(&s, rc, "computing the digests", err);
    } else if (rc != SQLITE_OK)
        store_fail(&s, rc, "reading", err);
    sqlite3_exec(s.db, "COMMIT", NULL, NULL, NULL);
    store_close(&s);
    return err->code;
}

static int walk_cb(const char *line, size_t len, void *vctx)
{
    dstore *d = vctx;
    if (!memmem(line, len, "\"digest\":{", 10))
        return 0;
    jv v = jv_parse_sized(line, (int)len);
    if (jv_get_kind(v) != JV_KIND_OBJECT) {
        jv_free(v);
        return 0;
    }
    jv src = jv_object_get(jv_copy(v), jv_string("src"));
    jv src_id = jv_object_get(jv_copy(v), jv_string("src_id"));
    jv seq = jv_object_get(jv_copy(v), jv_string("seq"));
    int mi = -1;
    for (int i = 0; jv_get_kind(src) == JV_KIND_STRING && i < NDMOD; i++)
        if (strcmp(jv_string_value(src), digest_modules[i]) == 0)
            mi = i;
    /* Only what the snapshot's rows had committed: a later change is not in
     * the rows that were read. */
    if (mi >= 0 && jv_get_kind(src_id) == JV_KIND_NUMBER && jv_get_kind(seq) == JV_KIND_NUMBER &&
        (long long)jv_number_value(src_id) <= d[mi].last_id)
        apply_envelope(&d[mi], jv_copy(v), (long long)jv_number_value(seq));
    jv_free(src);
    jv_free(src_id);
    jv_free(seq);
    jv_free(v);
    return 0;
}

static void hex16(const unsigned char *sum, char *out)
{
    char hex[2 * SETDIGEST_LEN + 1];
    setdigest_hex(sum, hex);
    memcpy(out, hex, 16);
    out[16] = 0;
}

/* "N rows", or "1 row", as the arguments of "%lld row%s". */
#define ROWS(n) (n), (n) == 1 ? "" : "s"

/* The verdict on one table: empty when intact. */
static void judge(const dtab *x, strbuf *line)
{
    static const unsigned char zero[SETDIGEST_LEN];
    char a[17], b[17];
    const unsigned char *rec = x->recorded ? x->rec_sum : zero;
    long long rec_rows = x->recorded ? x->rec_rows : 0;
    if (x->gap_seq) {
        sb_addf(line,
                "rows changed without an event before the migration at seq %lld (it found "
                "%lld row%s, not the %lld row%s the journal had recorded)",
                x->gap_seq, ROWS(x->gap_rows), ROWS(x->gap_rec_rows));
        size_t at = line->len;
        sb_adds(line, "; since: ");
        dtab y = *x;
        y.gap_seq = 0;
        strbuf rest;
        sb_init(&rest);
        judge(&y, &rest);
        if (rest.len) {
            sb_add(line, rest.s, rest.len);
        } else {
            line->len = at;
            line->s[at] = 0;
        }
        sb_free(&rest);
        return;
    }
    if (!x->kept)
        sb_addf(line,
                "rows changed without an event (its digest was removed from store_digest; "
                "the journal recorded %lld row%s)",
                ROWS(x->rec_rows));
    else if (!x->exists)
        sb_addf(line, "the table is missing");
    else if (x->now_rows != x->rows || memcmp(x->now_sum, x->sum, SETDIGEST_LEN) != 0) {
        hex16(x->now_sum, a);
        hex16(x->sum, b);
        sb_addf(line,
                "rows changed without an event (%lld row%s, digest %s...; the store's running "
                "digest counts %lld row%s, %s...)",
                ROWS(x->now_rows), a, ROWS(x->rows), b);
    } else if (rec_rows != x->rows || memcmp(rec, x->sum, SETDIGEST_LEN) != 0) {
        hex16(x->sum, a);
        hex16(rec, b);
        sb_addf(line, "rows changed without an event (%lld row%s, digest %s...; ", ROWS(x->rows),
                a);
        if (!x->recorded)
            sb_addf(line, "the journal recorded none)");
        else if (x->rec_seq)
            sb_addf(line, "the journal recorded %lld row%s, %s... at seq %lld)", ROWS(rec_rows), b,
                    x->rec_seq);
        else
            sb_addf(line, "its outbox recorded %lld row%s, %s...)", ROWS(rec_rows), b);
    }
    if (x->kept && x->exists && !x->triggers)
        sb_adds(line, line->len ? "; its digest triggers were dropped or altered"
                                : "its digest triggers were dropped or altered, so a change "
                                  "behind the tools' back is no longer refused");
}

/* Segments removed by retention took their digest records with them; the
 * checkpoint kept the last of each table (journal.h), recorded before any
 * line still in the journal, which the walk then applies in order. */
static int seed_from_checkpoint(tenant_t *t, dstore *d, armms_err *err)
{
    char *json;
    if (journal_checkpoint_digests(t, &json, err))
        return err->code;
    if (!json)
        return 0;
    jv all = jv_parse(json);
    free(json);
    for (int i = 0; i < NDMOD && jv_get_kind(all) == JV_KIND_OBJECT; i++) {
        jv mod = jv_object_get(jv_copy(all), jv_string(digest_modules[i]));
        if (jv_get_kind(mod) == JV_KIND_OBJECT) {
            jv_object_foreach(mod, key, val)
            {
                jv seq = jv_object_get(jv_copy(val), jv_string("seq"));
                long long at =
                    jv_get_kind(seq) == JV_KIND_NUMBER ? (long long)jv_number_value(seq) : 0;
                jv_free(seq);
                apply_record(&d[i], jv_object_set(jv_object(), key, val), at);
            }
        }
        jv_free(mod);
    }
    jv_free(all);
    return 0;
}

int digest_verify(tenant_t *t, strbuf *problems, long *tables, armms_err *err)
{
    dstore *d = xcalloc(NDMOD, sizeof *d);
    *tables = 0;
    for (int i = 0; i < NDMOD; i++)
        d[i].outbox = jv_array();
    int rc = 0;
    for (int i = 0; i < NDMOD && !rc; i++)
        rc = snapshot(t, digest_modules[i], &d[i], err);
    if (!rc)
        rc = seed_from_checkpoint(t, d, err);
    if (!rc)
        rc = journal_each(t, walk_cb, d, err);
    strbuf line;
    sb_init(&line);
    for (int i = 0; i < NDMOD; i++) {
        jv_array_foreach(d[i].outbox, k, env) apply_envelope(&d[i], env, 0);
        jv_free(d[i].outbox);
        for (int k = 0; !rc && k < d[i].n; k++) {
            sb_reset(&line);
            judge(&d[i].t[k], &line);
            (*tables)++;
            if (line.len)
                sb_addf(problems, "%s%s.db: table %s: %s", problems->len ? "\n" : "",
                        digest_modules[i], d[i].t[k].tbl, line.s);
        }
    }
    sb_free(&line);
    free(d);
    return rc;
}
