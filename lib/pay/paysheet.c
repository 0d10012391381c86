/*
 * paysheet.c - see paysheet.h; and the statement cache of pay_int.h.
 */
#include "pay/paysheet.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "core/ndjson.h"
#include "core/sha.h"
#include "pay/pay_int.h"

/* One per thread: gross pay prices on a thread of its own, through a
 * connection of its own (gross.c). */
static _Thread_local struct {
    sqlite3 *db;
    sqlite3_stmt *st[PS_NSTMT];
} cache;

/* Still a statement of db (store_close finalizes them all)? */
static int live(sqlite3 *db, sqlite3_stmt *st)
{
    for (sqlite3_stmt *p = sqlite3_next_stmt(db, NULL); p; p = sqlite3_next_stmt(db, p))
        if (p == st)
            return 1;
    return 0;
}

int pay_stmt(store_t *s, int slot, const char *sql, sqlite3_stmt **out, armms_err *err)
{
    if (cache.db != s->db) {
        memset(&cache, 0, sizeof cache);
        cache.db = s->db;
    }
    sqlite3_stmt **st = &cache.st[slot];
    if (*st && (!live(s->db, *st) || strcmp(sqlite3_sql(*st), sql)))
        *st = NULL;
    int rc = store_prepare(s, st, sql, err);
    if (rc)
        return rc;
    sqlite3_reset(*st);
    sqlite3_clear_bindings(*st);
    *out = *st;
    return 0;
}

const char *pay_col(sqlite3_stmt *st, int i)
{
    const unsigned char *t = sqlite3_column_text(st, i);
    return t ? (const char *)t : "";
}

int pay_int_peek(jv obj, const char *key, long long *v)
{
    jv x = jv_object_get(jv_copy(obj), jv_string(key));
    int rc = -1;
    if (jv_get_kind(x) == JV_KIND_NUMBER) {
        double d = jv_number_value(x);
        if (d == (double)(long long)d && d > -9e15 && d < 9e15) {
            *v = (long long)d;
            rc = 0;
        }
    }
    jv_free(x);
    return rc;
}

int payrun_status(store_t *s, const char *period, char out[16], armms_err *err)
{
    sqlite3_stmt *st;
    out[0] = 0;
    int rc = pay_stmt(s, PS_PAYRUN, "SELECT status FROM payrun WHERE period_id = ?1", &st, err);
    if (rc)
        return rc;
    sqlite3_bind_text(st, 1, period, -1, SQLITE_STATIC);
    int step = sqlite3_step(st);
    if (step == SQLITE_ROW)
        snprintf(out, 16, "%s", pay_col(st, 0));
    sqlite3_reset(st);
    return step == SQLITE_ROW || step == SQLITE_DONE ? 0 : store_fail(s, step, "read payrun", err);
}

int paysheet_load_row(store_t *s, const char *id, char **text, char **facts, int *version,
                      int *found, armms_err *err)
{
    sqlite3_stmt *st;
    *found = 0;
    *text = *facts = NULL;
    *version = 0;
    int rc =
        pay_stmt(s, PS_SHEET_ROW,
                 "SELECT record, facts, version FROM paysheet WHERE paysheet_id = ?1", &st, err);
    if (rc)
        return rc;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    int step = sqlite3_step(st);
    if (step == SQLITE_ROW) {
        *found = 1;
        *text = xstrdup(pay_col(st, 0));
        if (sqlite3_column_type(st, 1) == SQLITE_TEXT)
            *facts = xstrdup(pay_col(st, 1));
        *version = sqlite3_column_int(st, 2);
    }
    sqlite3_reset(st);
    return step == SQLITE_ROW || step == SQLITE_DONE ? 0
                                                     : store_fail(s, step, "read paysheet", err);
}

int paysheet_load(store_t *s, const char *id, jv *rec, int *found, armms_err *err)
{
    sqlite3_stmt *st;
    *found = 0;
    *rec = jv_invalid();
    int rc = pay_stmt(
        s, PS_SHEET_GET,
        "SELECT version, digest, record, gross_digest FROM paysheet WHERE paysheet_id = ?1", &st,
        err);
    if (rc)
        return rc;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    int step = sqlite3_step(st);
    if (step == SQLITE_ROW) {
        *rec = jv_parse(pay_col(st, 2));
        if (jv_get_kind(*rec) != JV_KIND_OBJECT) {
            jv_free(*rec);
            *rec = jv_invalid();
            sqlite3_reset(st);
            return err_set(err, EXIT_SOFTWARE, "paysheet %s: stored record is not JSON", id);
        }
        *found = 1;
    }
    sqlite3_reset(st);
    return step == SQLITE_ROW || step == SQLITE_DONE ? 0
                                                     : store_fail(s, step, "read paysheet", err);
}

static const char *const volatile_keys[] = {"version", "status", "computed_at", NULL};

/* The canonical JSON of a record without its volatile fields (malloc'd),
 * and its digest. */
static char *digest_of(jv rec, char *hex)
{
    char *canon = json_canonical_without(rec, volatile_keys);
    sha256_hex(canon, strlen(canon), hex);
    return canon;
}

static int str_field(jv rec, const char *key, char *buf, size_t n)
{
    const char *v = json_str_peek(rec, key, &(int){0});
    if (!v || strlen(v) >= n)
        return -1;
    memcpy(buf, v, strlen(v) + 1);
    return 0;
}

/* What a stored paysheet row is, whichever way its record came. */
typedef struct sheet_meta {
    const char *id, *guard, *period, *stage;
    long long gross, net;
    int has_net, is_gross;
    const char *hex;   /* the digest */
    const char *facts; /* what netting reads (pay_int.h), or NULL */
} sheet_meta;

/* Store the row of m: canon, the canonical text of the record without
 * version, status and computed_at, with those three appended (keys sorted
 * but for them, so a stored record's text is one function of its pay). */
static int put(store_t *s, const sheet_meta *m, const char *canon, int *changed, strbuf *line_out,
               rejection *rj, armms_err *err)
{
    char stat[16];
    *changed = 0;
    int rc = payrun_status(s, m->period, stat, err);
    if (rc)
        goto fail;
    if (!strcmp(stat, "CLOSED")) {
        rc = rejection_set(rj, "LOCKED",
                           "paysheet %s: the payrun of %s is closed; a change to it is an "
                           "adjustment in the next open period",
                           m->id, m->period);
        goto fail;
    }
    sqlite3_stmt *st;
    if ((rc = pay_stmt(
             s, PS_SHEET_GET,
             "SELECT version, digest, record, gross_digest FROM paysheet WHERE paysheet_id = ?1",
             &st, err)))
        goto fail;
    sqlite3_bind_text(st, 1, m->id, -1, SQLITE_STATIC);
    /* A gross record is compared with the gross the stored row was taken
     * to net from: pay then deduct over an unchanged period is a no-op,
     * not a flip between the two stages. */
    char gross_hex[65] = "";
    int step = sqlite3_step(st), version = 0, had = step == SQLITE_ROW;
    if (step == SQLITE_ROW) {
        version = sqlite3_column_int(st, 0);
        snprintf(gross_hex, sizeof gross_hex, "%s", pay_col(st, 3));
        if (!strcmp(pay_col(st, m->is_gross && gross_hex[0] ? 3 : 1), m->hex)) {
            if (line_out) {
                sb_adds(line_out, pay_col(st, 2));
                sb_addc(line_out, '\n');
            }
            sqlite3_reset(st);
            return 0;
        }
    }
    sqlite3_reset(st);
    if (step != SQLITE_ROW && step != SQLITE_DONE) {
        rc = store_fail(s, step, "read paysheet", err);
        goto fail;
    }
    /* a paysheet a rejection holds (pay/payrun.h) stays REJECTED when it
     * is computed again, until the hold's owner resolves it */
    sqlite3_stmt *hq;
    if ((rc = pay_stmt(s, PS_SHEET_HELD,
                       "SELECT count(*) FROM paysheet_hold WHERE status = 'OPEN'"
                       " AND (paysheet_id = ?1 OR paysheet_id = ?2)",
                       &hq, err)))
        goto fail;
    sqlite3_bind_text(hq, 1, m->id, -1, SQLITE_STATIC);
    sqlite3_bind_text(hq, 2, m->period, -1, SQLITE_STATIC);
    int held = sqlite3_step(hq) == SQLITE_ROW && sqlite3_column_int(hq, 0) > 0;
    sqlite3_reset(hq);
    const char *status = held ? "REJECTED" : "COMPUTED";
    char now[32];
    now_iso(now);
    char *t;
    {
        size_t n = strlen(canon);
        assert(n >= 2 && canon[n - 1] == '}');
        strbuf tb;
        sb_init(&tb);
        sb_add(&tb, canon, n - 1);
        sb_addf(&tb, "%s\"version\":%d,\"status\":", n > 2 ? "," : "", version + 1);
        sb_add_canon_str(&tb, status, strlen(status));
        sb_adds(&tb, ",\"computed_at\":");
        sb_add_canon_str(&tb, now, strlen(now));
        sb_addc(&tb, '}');
        t = tb.s;
    }
    /* a row there is updated in place (its id, guard and period, which the
     * indexes hold, stay), a new one inserted */
    if ((rc = had ? pay_stmt(s, PS_SHEET_SET,
                             "UPDATE paysheet SET version = ?4, status = ?10, gross = ?5,"
                             " net = ?6, record = ?7, digest = ?8, computed_at = ?9,"
                             " gross_digest = ?11, facts = ?12"
                             " WHERE paysheet_id = ?1 AND guard_id = ?2 AND period_id = ?3",
                             &st, err)
                  : pay_stmt(s, PS_SHEET_PUT,
                             "INSERT INTO paysheet(paysheet_id, guard_id, period_id, version,"
                             " status, gross, net, record, digest, computed_at, gross_digest,"
                             " facts) VALUES (?1, ?2, ?3, ?4, ?10, ?5, ?6, ?7, ?8, ?9, ?11, ?12)",
                             &st, err)))
        goto out;
    sqlite3_bind_text(st, 1, m->id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, m->guard, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, m->period, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 4, version + 1);
    sqlite3_bind_int64(st, 5, m->gross);
    if (m->has_net)
        sqlite3_bind_int64(st, 6, m->net);
    sqlite3_bind_text(st, 7, t, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 8, m->hex, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 9, now, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 10, status, -1, SQLITE_STATIC);
    if (m->is_gross)
        sqlite3_bind_text(st, 11, m->hex, -1, SQLITE_STATIC);
    else if (gross_hex[0])
        sqlite3_bind_text(st, 11, gross_hex, -1, SQLITE_STATIC);
    if (m->facts)
        sqlite3_bind_text(st, 12, m->facts, -1, SQLITE_STATIC);
    step = sqlite3_step(st);
    int rows = sqlite3_changes(s->db);
    sqlite3_reset(st);
    if (step != SQLITE_DONE) {
        rc = store_fail(s, step, "write paysheet", err);
        goto out;
    }
    if (rows != 1) {
        rc =
            err_set(err, EXIT_SOFTWARE, "paysheet %s: the row read is not the row written", m->id);
        goto out;
    }
    /* The event names the new version and its figures; the record itself
     * is the row (a payrun's worth of whole records would double the
     * journal for nothing a consumer cannot read from pay.db). */
    strbuf pl;
    sb_init(&pl);
    sb_adds(&pl, "{\"paysheet_id\":");
    sb_add_json_str(&pl, m->id, strlen(m->id));
    sb_add_json_kv(&pl, "guard_id", m->guard);
    sb_add_json_kv(&pl, "period_id", m->period);
    sb_addf(&pl, ",\"version\":%d", version + 1);
    sb_add_json_kv(&pl, "stage", m->stage);
    sb_addf(&pl, ",\"gross\":%lld", m->gross);
    if (m->has_net)
        sb_addf(&pl, ",\"net\":%lld", m->net);
    sb_add_json_kv(&pl, "digest", m->hex);
    sb_addc(&pl, '}');
    rc = store_emit(s, "PaysheetComputed", "Paysheet", m->id, pl.s, pl.len, err);
    sb_free(&pl);
    if (!rc) {
        *changed = 1;
        if (line_out) {
            sb_adds(line_out, t);
            sb_addc(line_out, '\n');
        }
    }
out:
    free(t);
fail:
    return rc;
}

int paysheet_store(store_t *s, jv rec, int *changed, strbuf *line_out, rejection *rj,
                   armms_err *err)
{
    char id[96], guard[65], period[24] = "", hex[65], stage[16] = "gross";
    sheet_meta m = {.id = id, .guard = guard, .period = period, .stage = stage, .hex = hex};
    *changed = 0;
    jv per = jv_object_get(jv_copy(rec), jv_string("period"));
    if (jv_get_kind(per) == JV_KIND_OBJECT)
        str_field(per, "id", period, sizeof period);
    jv_free(per);
    if (str_field(rec, "paysheet_id", id, sizeof id) ||
        str_field(rec, "guard_id", guard, sizeof guard) || !*period ||
        pay_int_peek(rec, "gross", &m.gross)) {
        jv_free(rec);
        return err_set(err, EXIT_SOFTWARE, "a paysheet record without id, guard, period or gross");
    }
    m.has_net = !pay_int_peek(rec, "net", &m.net);
    jv st = jv_object_get(jv_copy(rec), jv_string("stage"));
    m.is_gross = jv_get_kind(st) != JV_KIND_STRING || !strcmp(jv_string_value(st), "gross");
    if (jv_get_kind(st) == JV_KIND_STRING)
        snprintf(stage, sizeof stage, "%s", jv_string_value(st));
    jv_free(st);
    char *canon = digest_of(rec, hex);
    jv_free(rec);
    int rc = put(s, &m, canon, changed, line_out, rj, err);
    free(canon);
    return rc;
}

int paysheet_store_canon(store_t *s, const char *canon, const char *facts, const char *id,
                         const char *guard, const char *period, const char *stage, long long gross,
                         long long net, int *changed, strbuf *line_out, rejection *rj,
                         armms_err *err)
{
    char hex[65];
    sha256_hex(canon, strlen(canon), hex);
    sheet_meta m = {.id = id,
                    .guard = guard,
                    .period = period,
                    .stage = stage,
                    .gross = gross,
                    .net = net,
                    .has_net = 1,
                    .is_gross = !strcmp(stage, "gross"),
                    .hex = hex,
                    .facts = facts};
    return put(s, &m, canon, changed, line_out, rj, err);
}

int paysheet_canon_same(const char *canon, const char *text)
{
    size_t n = strlen(canon);
    const char *v = NULL;
    for (const char *k = strstr(text, ",\"version\":"); k; k = strstr(k + 1, ",\"version\":"))
        v = k;
    return n >= 2 && v && (size_t)(v - text) == n - 1 && !memcmp(canon, text, n - 1) &&
           strncmp(v, ",\"version\":", 11) == 0 && strstr(v, ",\"status\":") &&
           strstr(v, ",\"computed_at\":");
}

/* A text field of facts: tabs and newlines as spaces. */
static void facts_text(strbuf *b, const char *t)
{
    for (; *t; t++)
        sb_addc(b, *t == '\t' || *t == '\n' ? ' ' : *t);
}

void pay_facts_line(strbuf *b, const char *kind, int taxable, int basic, long long amount,
                    long long rate, long long minutes)
{
    sb_adds(b, "L\t");
    facts_text(b, kind);
    sb_adds(b, taxable ? "\t1\t" : "\t0\t");
    sb_adds(b, basic ? "1\t" : "0\t");
    sb_add_int(b, amount);
    sb_addc(b, '\t');
    sb_add_int(b, rate);
    sb_addc(b, '\t');
    sb_add_int(b, minutes);
    sb_addc(b, '\n');
}

void pay_facts_source(strbuf *b, const char *timesheet_id)
{
    sb_adds(b, "S\t");
    facts_text(b, timesheet_id);
    sb_addc(b, '\n');
}
