/*
 * outbox_rows.c - ClockEventRecorded events held in tk.db's outbox by
 * reference to their clock_event rows (see outbox_rows.h): queued by
 * store_emit_clock_event, rendered by the journal's append.
 *
 * Invariants: a reference line names a run of consecutive rowids, all
 * inserted by the transaction that queued it; it is extended only while it
 * is the last line of the transaction's events and no savepoint was taken
 * since it began; its rendering is exactly the envelopes store_emit would
 * have queued, with the event id and aggregate id the row's clock_event_id
 * and occurred_at its received_at.
 */
#include "store/outbox_rows.h"

#include <jq.h>
#include <string.h>

#include "core/clock.h"

static const char ref_head[] = "{\"@rows\":\"clock_event\",\"first\":";

void ce_record(strbuf *p, const char *id, const char *event_id, const char *device,
               const char *guard, const char *utc, const char *local, const char *type,
               const char *det, const char *received_at)
{
    sb_adds(p, "{\"kind\":\"ClockEvent\",\"v\":1,\"clock_event_id\":\"");
    sb_add(p, id, 26);
    sb_addc(p, '"');
    if (event_id)
        sb_add_json_lkv(p, ",\"event_id\":", event_id);
    sb_add_json_lkv(p, ",\"device_id\":", device);
    sb_add_json_lkv(p, ",\"guard_id\":", guard);
    sb_add_json_lkv(p, ",\"ts\":", utc);
    sb_add_json_lkv(p, ",\"ts_local\":", local);
    sb_add_json_lkv(p, ",\"type\":", type);
    if (det)
        sb_add_json_lkv(p, ",\"detachment_id\":", det);
    sb_add_json_lkv(p, ",\"received_at\":", received_at);
    sb_addc(p, '}');
}

static const char *col(sqlite3_stmt *st, int i)
{
    return (const char *)sqlite3_column_text(st, i);
}

void ce_record_of_row(strbuf *p, sqlite3_stmt *st)
{
    instant_t at = 0;
    char local[32];
    iso_parse(col(st, 4), &at, NULL);
    iso_format_offset(at, sqlite3_column_int(st, 5), local);
    ce_record(p, col(st, 0), col(st, 1), col(st, 2), col(st, 3), col(st, 4), local, col(st, 6),
              col(st, 7), col(st, 8));
}

void ce_envelope_begin(strbuf *env, ce_env *e, const char *id, const char *tenant_id,
                       const char *received_at, const char *actor_kv, size_t actor_kv_len)
{
    sb_reset(env);
    sb_adds(env, "{\"event_id\":\"");
    sb_add(env, id, 26);
    sb_adds(env, "\",\"event_type\":\"ClockEventRecorded\",\"version\":1");
    sb_add_json_kv(env, "tenant_id", tenant_id);
    sb_adds(env, ",\"aggregate_type\":\"clock_event\",\"aggregate_id\":\"");
    sb_add(env, id, 26);
    sb_addc(env, '"');
    sb_add_json_kv(env, "occurred_at", received_at);
    *e = (ce_env){.actor_at = env->len + 9, .actor_len = actor_kv_len - 9};
    sb_add(env, actor_kv, actor_kv_len); /* ,"actor":A */
    sb_adds(env, ",\"payload\":");
    e->payload_at = env->len;
}

void ce_envelope_end(strbuf *env, ce_env *e, const char *tail, size_t tail_len)
{
    e->payload_len = env->len - e->payload_at;
    sb_add(env, tail, tail_len);
    e->tail = tail_len > 0;
    sb_addc(env, '}');
    e->s = env->s;
    e->len = env->len;
}

/* The fixed part of a reference line, up to and including its actor;
 * *mid (if given) = where last's digits begin. */
static void ref_fixed(strbuf *b, long long first, long long last, const char *actor, size_t *mid)
{
    sb_adds(b, ref_head);
    sb_add_int(b, first);
    sb_adds(b, ",\"last\":");
    if (mid)
        *mid = b->len;
    sb_add_int(b, last);
    sb_add_json_kv(b, "actor", actor);
}

/* v's decimal digits, right-aligned in d[20]: *n of them, from d + 20 - *n. */
static const char *digits(char d[20], long long v, int *n)
{
    char *p = d + 20;
    do {
        *--p = (char)('0' + v % 10);
        v /= 10;
    } while (v > 0);
    *n = (int)(d + 20 - p);
    return p;
}

int store_emit_clock_event(store_t *s, sqlite3_int64 rowid, armms_err *err)
{
    if (!s->in_tx || s->capture)
        return err_set(err, EXIT_SOFTWARE, "a clock event emitted outside a plain transaction");
    strbuf *b = &s->pending;
    char d[20];
    int n = 0;
    const char *dig = rowid > 0 ? digits(d, rowid, &n) : NULL;
    if (s->ref_open && rowid == s->ref_last + 1 && n == s->ref_ndig) {
        /* the next rowid, as many digits: written over the last one */
        memcpy(b->s + s->ref_mid, dig, (size_t)n);
    } else {
        if (s->ref_open && rowid == s->ref_last + 1) {
            b->len = s->ref_off; /* the line is rewritten with its new last */
        } else {
            s->ref_off = b->len;
            s->ref_first = rowid;
        }
        ref_fixed(b, s->ref_first, rowid, s->tenant->actor, &s->ref_mid);
        s->ref_ndig = n;
        sb_adds(b, "}\n");
    }
    s->ref_last = rowid;
    s->ref_open = 1;
    s->emitted++;
    return 0;
}

int outbox_line_is_ref(const char *line, size_t len)
{
    return len > sizeof ref_head - 1 && memcmp(line, ref_head, sizeof ref_head - 1) == 0;
}

static const char rows_sql[] =
    "SELECT " CE_ROW_COLUMNS " FROM clock_event WHERE rowid BETWEEN ?1 AND ?2 ORDER BY rowid";

/* first, last and actor (as store_emit writes it: ,"actor":A) of a
 * reference line, and *tail where its own members end (what follows
 * belongs to its last event). */
static int ref_parse(const char *line, size_t len, long long *first, long long *last,
                     strbuf *fixed, size_t *tail)
{
    jv v = jv_parse_sized(line, (int)len);
    if (jv_get_kind(v) != JV_KIND_OBJECT) {
        jv_free(v);
        return -1;
    }
    jv f = jv_object_get(jv_copy(v), jv_string("first"));
    jv l = jv_object_get(jv_copy(v), jv_string("last"));
    jv a = jv_object_get(jv_copy(v), jv_string("actor"));
    int ok = jv_get_kind(f) == JV_KIND_NUMBER && jv_get_kind(l) == JV_KIND_NUMBER &&
             jv_get_kind(a) == JV_KIND_STRING;
    if (ok) {
        *first = (long long)jv_number_value(f);
        *last = (long long)jv_number_value(l);
        sb_reset(fixed);
        ref_fixed(fixed, *first, *last, jv_string_value(a), NULL);
        ok = *first <= *last && fixed->len < len && memcmp(line, fixed->s, fixed->len) == 0 &&
             (line[fixed->len] == ',' || fixed->len == len - 1) && line[len - 1] == '}';
        *tail = fixed->len;
        sb_reset(fixed);
        if (ok)
            sb_add_json_kv(fixed, "actor", jv_string_value(a));
    }
    jv_free(f);
    jv_free(l);
    jv_free(a);
    jv_free(v);
    return ok ? 0 : -1;
}

int outbox_ref_expand(sqlite3 *db, const char *tenant_id, const char *line, size_t len,
                      int (*each)(const ce_env *e, void *ctx), void *ctx, long long *n,
                      armms_err *err)
{
    long long first, last;
    strbuf actor, env;
    sb_init(&actor);
    sb_init(&env);
    *n = 0;
    size_t tail_at = 0;
    if (ref_parse(line, len, &first, &last, &actor, &tail_at) != 0) {
        sb_free(&actor);
        return err_set(err, EXIT_SOFTWARE, "tk.db outbox: a malformed reference line");
    }
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(db, rows_sql, -1, &st, NULL);
    if (rc == SQLITE_OK) {
        sqlite3_bind_int64(st, 1, first);
        sqlite3_bind_int64(st, 2, last);
    }
    int bad = 0;
    while (!bad && rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        ce_env e;
        ce_envelope_begin(&env, &e, col(st, 0), tenant_id, col(st, 8), actor.s, actor.len);
        ce_record_of_row(&env, st);
        int last_one = ++*n == last - first + 1;
        ce_envelope_end(&env, &e, line + tail_at, last_one ? len - 1 - tail_at : 0);
        bad = each(&e, ctx);
        rc = SQLITE_OK;
    }
    sqlite3_finalize(st);
    sb_free(&actor);
    sb_free(&env);
    if (bad)
        return bad;
    if (rc != SQLITE_DONE && rc != SQLITE_OK)
        return err_set(err, EXIT_SOFTWARE, "tk.db outbox: reading clock events: %s",
                       sqlite3_errmsg(db));
    if (*n != last - first + 1)
        return err_set(err, EXIT_SOFTWARE,
                       "tk.db outbox: clock events %lld..%lld are referenced but %lld of them "
                       "are there",
                       first, last, *n);
    return 0;
}
