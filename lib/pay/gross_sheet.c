/*
 * gross_sheet.c - a guard's gross Paysheet record and its store (see
 * gross.h).
 */
#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/ndjson.h"
#include "core/sha.h"
#include "pay/gross_int.h"

/* --- the record ------------------------------------------------------------ */

/* ,"key":"value" - strings written as the canonical writer writes them,
 * so a record built here is the text json_compact would give of it. */
static void ckv(strbuf *b, const char *key, const char *value)
{
    sb_addc(b, ',');
    sb_add_canon_str(b, key, strlen(key));
    sb_addc(b, ':');
    sb_add_canon_str(b, value, strlen(value));
}

void gx_line_json(strbuf *b, const line *l, const char *kind, const char *adjusts)
{
    sb_adds(b, "{\"code\":");
    sb_add_canon_str(b, l->code, strlen(l->code));
    ckv(b, "label", l->label);
    ckv(b, "kind", kind);
    sb_addf(b, ",\"taxable\":true,\"from\":\"%s\",\"to\":\"%s\",\"minutes\":%lld", l->from, l->to,
            l->minutes);
    sb_addf(b, ",\"daily_rate\":%lld,\"multiplier\":%d,\"amount\":%lld", (long long)l->rate,
            l->mult, (long long)l->amount);
    if (adjusts)
        ckv(b, "adjusts_period", adjusts);
    if (l->basic)
        sb_adds(b, ",\"basic\":true");
    sb_addc(b, '}');
}

/* The same earning line, keys sorted: its canonical text. */
static void line_canon(strbuf *b, const line *l)
{
    sb_adds(b, "{\"amount\":");
    sb_add_int(b, (long long)l->amount);
    if (l->basic)
        sb_adds(b, ",\"basic\":true");
    ckv(b, "code", l->code);
    sb_adds(b, ",\"daily_rate\":");
    sb_add_int(b, (long long)l->rate);
    sb_adds(b, ",\"from\":\"");
    sb_adds(b, l->from);
    sb_adds(b, "\",\"kind\":\"earning\"");
    ckv(b, "label", l->label);
    sb_adds(b, ",\"minutes\":");
    sb_add_int(b, l->minutes);
    sb_adds(b, ",\"multiplier\":");
    sb_add_int(b, l->mult);
    sb_adds(b, ",\"taxable\":true,\"to\":\"");
    sb_adds(b, l->to);
    sb_adds(b, "\"}");
}

void gx_source_json(strbuf *b, const snap *x)
{
    sb_adds(b, "{\"timesheet_id\":");
    sb_add_canon_str(b, x->id, strlen(x->id));
    sb_addf(b, ",\"version\":%d", x->version);
    ckv(b, "checksum", x->checksum);
    sb_addc(b, '}');
}

static void source_canon(strbuf *b, const snap *x)
{
    sb_adds(b, "{\"checksum\":");
    sb_add_canon_str(b, x->checksum, strlen(x->checksum));
    ckv(b, "timesheet_id", x->id);
    sb_adds(b, ",\"version\":");
    sb_add_int(b, x->version);
    sb_addc(b, '}');
}

/* The canonical text of the record gx_write_sheet builds when it has only
 * the guard's own lines L and sources: what its digest is taken of (keys
 * sorted, without version, status and computed_at). */
static void sheet_canon(strbuf *c, const gx *g, const char *id, const char *guard,
                        const char *period, const char *from, const char *to, const lines *L,
                        money_t gross)
{
    sb_adds(c, "{\"deductions\":[],\"gross\":");
    sb_add_int(c, (long long)gross);
    ckv(c, "guard_id", guard);
    sb_adds(c, ",\"kind\":\"Paysheet\",\"lines\":[");
    for (int i = 0; i < L->n; i++) {
        if (i)
            sb_addc(c, ',');
        line_canon(c, &L->v[i]);
    }
    sb_adds(c, "],\"net\":");
    sb_add_int(c, (long long)gross);
    ckv(c, "paysheet_id", id);
    sb_adds(c, ",\"period\":{\"from\":");
    sb_add_canon_str(c, from, strlen(from));
    ckv(c, "id", period);
    ckv(c, "to", to);
    sb_adds(c, "},\"sources\":[");
    for (int i = 0; i < g->nsnap; i++) {
        if (i)
            sb_addc(c, ',');
        source_canon(c, &g->snaps[i]);
    }
    sb_adds(c, "],\"stage\":\"gross\",\"taxable\":");
    sb_add_int(c, (long long)gross);
    sb_adds(c, ",\"v\":1}");
}

/* The period a timesheet id belongs to (its first segment). */
static int id_in_period(const char *tsid, const char *period)
{
    size_t n = strlen(period);
    return !strncmp(tsid, period, n) && tsid[n] == '/';
}

/* Is jv line l (looked at) an adjustment line for period p? */
int gx_adjusts_peek(jv l, const char *p)
{
    const char *a = json_str_peek(l, "adjusts_period", &(int){0});
    return a && (!p || !strcmp(a, p));
}

/* The gross part of a record (looked at) as canonical text, malloc'd: what
 * armms-pay decides; the rest is armms-deduct's. */
static char *gross_part(jv rec)
{
    jv o = jv_object();
    static const char *const keys[] = {"paysheet_id", "guard_id", "period", "lines",
                                       "gross",       "taxable",  "sources"};
    for (size_t i = 0; i < sizeof keys / sizeof *keys; i++)
        o = jv_object_set(o, jv_string(keys[i]), jv_object_get(jv_copy(rec), jv_string(keys[i])));
    return json_canonical(o);
}

/* Does paysheet text t (of paysheet id "PERIOD/GUARD") name a source
 * timesheet of another period? Ids lead with their period. */
static int foreign_source(const char *t, const char *id)
{
    static const char key[] = "\"timesheet_id\":\"";
    size_t n = strcspn(id, "/") + 1; /* "PERIOD/" */
    for (const char *k = strstr(t, key); k; k = strstr(k + 1, key))
        if (strncmp(k + sizeof key - 1, id, n))
            return 1;
    return 0;
}

/* The stored paysheet id: *found, and *old parsed only when write_sheet
 * needs what is in it (adjustment lines, other periods' sources); else
 * jv_invalid(). A row armms-deduct took on to stage net without those is
 * not parsed: the gross built again is stored as text, and put compares
 * its digest with the gross_digest the row was netted from. */
static int load_old(gx *g, const char *id, jv *old, int *found, strbuf *text, armms_err *err)
{
    sqlite3_stmt *st;
    *old = jv_invalid();
    *found = 0;
    sb_reset(text);
    int rc = pay_stmt(g->s, PS_SHEET_TEXT, "SELECT record FROM paysheet WHERE paysheet_id = ?1",
                      &st, err);
    if (rc)
        return rc;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    int step = sqlite3_step(st);
    if (step == SQLITE_ROW) {
        const char *t = pay_col(st, 0);
        *found = 1;
        sb_adds(text, t);
        if (strstr(t, "\"adjusts_period\"") || foreign_source(t, id)) {
            *old = jv_parse(t);
            if (jv_get_kind(*old) != JV_KIND_OBJECT)
                rc = err_set(err, EXIT_SOFTWARE, "paysheet %s: stored record is not JSON", id);
        }
    }
    sqlite3_reset(st);
    if (!rc && step != SQLITE_ROW && step != SQLITE_DONE)
        rc = store_fail(g->s, step, "read paysheet", err);
    return rc;
}

/* After a paysheet store whose record went to g->outbuf from at: counted
 * when it changed, and taken back out when only changed ones are written. */
static int stored(gx *g, int rc, int changed, size_t at)
{
    if (!rc && changed)
        g->n->changed++;
    if (!rc && g->changed_only && !changed) {
        g->outbuf.len = at;
        g->outbuf.s[at] = 0;
    }
    return rc;
}

/* gx_write_sheet of a record of the guard's own lines and sources only (no
 * adjustment lines, no other period's sources): built, digested and stored
 * as its canonical text, with its facts, and no jv. The same text as
 * stored but for version, status and computed_at is the same pay, written
 * as stored without a digest (any difference, down to a byte, goes to
 * paysheet_store_canon, which compares digests). */
static int own_sheet(gx *g, const char *id, const char *guard, const char *period,
                     const char *from, const char *to, const lines *L, int found,
                     const strbuf *oldtext, rejection *rj, armms_err *err)
{
    money_t gross = 0;
    for (int i = 0; i < L->n; i++)
        gross += L->v[i].amount; /* lines sum to gross, all taxable */
    strbuf c;
    sb_init(&c);
    sheet_canon(&c, g, id, guard, period, from, to, L, gross);
    if (found && paysheet_canon_same(c.s, oldtext->s)) {
        g->n->computed++;
        if (!g->changed_only) {
            sb_add(&g->outbuf, oldtext->s, oldtext->len);
            sb_addc(&g->outbuf, '\n');
        }
        sb_free(&c);
        return 0;
    }
    if (!found && L->n == 0) { /* no pay and none before: no paysheet */
        sb_free(&c);
        return 0;
    }
    g->n->computed++;
    int changed;
    size_t at = g->outbuf.len;
    strbuf f;
    sb_init(&f);
    for (int i = 0; i < L->n; i++)
        pay_facts_line(&f, "earning", 1, L->v[i].basic, L->v[i].amount, L->v[i].rate,
                       L->v[i].minutes);
    for (int i = 0; i < g->nsnap; i++)
        pay_facts_source(&f, g->snaps[i].id);
    int rc = paysheet_store_canon(g->s, c.s, f.s, id, guard, period, "gross", gross, gross,
                                  &changed, &g->outbuf, rj, err);
    sb_free(&f);
    sb_free(&c);
    return stored(g, rc, changed, at);
}

/*
 * Write guard's paysheet of period from its own priced lines L and sources
 * (g->snaps), keeping the adjustment lines and foreign sources the stored
 * record carries, except those for period repl, which become repl_lines
 * (a JSON array text of adjustment lines, or NULL) and repl_sources (JSON
 * object texts, comma-separated, or NULL).
 */
int gx_write_sheet(gx *g, const char *guard, const char *period, const lines *L, const char *repl,
                   const char *repl_lines, const char *repl_sources, rejection *rj, armms_err *err)
{
    char id[96], from[11], to[11];
    day_t d0, d1;
    snprintf(id, sizeof id, "%s/%s", period, guard);
    if (period_parse(period, &d0, &d1))
        return err_set(err, EXIT_SOFTWARE, "period '%s' is not a pay period", period);
    date_format(d0, from);
    date_format(d1, to);
    jv old;
    strbuf oldtext;
    sb_init(&oldtext);
    int found, rc = load_old(g, id, &old, &found, &oldtext, err);
    if (rc)
        return rc;
    if (!jv_is_valid(old) && !repl_lines && !(repl_sources && *repl_sources)) {
        rc = own_sheet(g, id, guard, period, from, to, L, found, &oldtext, rj, err);
        sb_free(&oldtext);
        return rc;
    }
    strbuf b;
    sb_init(&b);
    sb_adds(&b, "{\"kind\":\"Paysheet\",\"v\":1");
    ckv(&b, "paysheet_id", id);
    ckv(&b, "guard_id", guard);
    sb_addf(&b, ",\"period\":{\"id\":\"%s\",\"from\":\"%s\",\"to\":\"%s\"}", period, from, to);
    sb_adds(&b, ",\"version\":0,\"stage\":\"gross\",\"status\":\"COMPUTED\",\"lines\":[");
    money_t gross = 0, taxable = 0;
    int nl = 0;
    for (int i = 0; i < L->n; i++) {
        if (nl++)
            sb_addc(&b, ',');
        gx_line_json(&b, &L->v[i], "earning", NULL);
        gross += L->v[i].amount;
        taxable += L->v[i].amount;
    }
    /* adjustments kept, then the new ones for repl, in period order */
    jv adj = jv_array();
    if (jv_is_valid(old)) {
        jv ol = jv_object_get(jv_copy(old), jv_string("lines"));
        jv_array_foreach(ol, i, l)
        {
            if (gx_adjusts_peek(l, NULL) && !(repl && gx_adjusts_peek(l, repl)))
                adj = jv_array_append(adj, l);
            else
                jv_free(l);
        }
        jv_free(ol);
    }
    if (repl_lines) {
        jv nl2 = jv_parse(repl_lines);
        jv_array_foreach(nl2, i, l) adj = jv_array_append(adj, l);
        jv_free(nl2);
    }
    /* by adjusts_period, each period's lines in their own order */
    jv keyed = jv_array();
    jv_array_foreach(adj, i, l)
    {
        jv k = jv_array_append(
            jv_array_append(jv_array(), jv_object_get(jv_copy(l), jv_string("adjusts_period"))),
            jv_number(i));
        keyed = jv_array_append(keyed, jv_array_append(jv_array_append(jv_array(), k), l));
    }
    jv sorted = jv_array();
    {
        jv ks = jv_array();
        jv_array_foreach(keyed, i, pr) ks = jv_array_append(ks, jv_array_get(pr, 0));
        jv order = jv_sort(jv_copy(keyed), ks);
        jv_array_foreach(order, i, pr) sorted = jv_array_append(sorted, jv_array_get(pr, 1));
        jv_free(order);
    }
    jv_free(keyed);
    jv_free(adj);
    jv_array_foreach(sorted, i, l)
    {
        long long a = 0;
        pay_int_peek(l, "amount", &a);
        jv txb = jv_object_get(jv_copy(l), jv_string("taxable"));
        gross += a;
        if (jv_get_kind(txb) == JV_KIND_TRUE)
            taxable += a;
        jv_free(txb);
        if (nl++)
            sb_addc(&b, ',');
        jv t = jv_dump_string(l, 0);
        sb_adds(&b, jv_string_value(t));
        jv_free(t);
    }
    jv_free(sorted);
    sb_addf(&b, "],\"gross\":%lld,\"deductions\":[],\"taxable\":%lld,\"net\":%lld,\"sources\":[",
            (long long)gross, (long long)taxable, (long long)gross);
    /* sources: foreign ones kept (sorted by id), then own */
    strbuf src;
    sb_init(&src);
    sb_addc(&src, '[');
    int ns = 0;
    if (jv_is_valid(old)) {
        jv os = jv_object_get(jv_copy(old), jv_string("sources"));
        jv_array_foreach(os, i, x)
        {
            const char *tsid = json_str_peek(x, "timesheet_id", &(int){0});
            if (tsid && !id_in_period(tsid, period) && !(repl && id_in_period(tsid, repl))) {
                jv t = jv_dump_string(jv_copy(x), 0);
                sb_adds(&src, ns++ ? "," : "");
                sb_adds(&src, jv_string_value(t));
                jv_free(t);
            }
            jv_free(x);
        }
        jv_free(os);
    }
    if (repl_sources && *repl_sources) {
        sb_adds(&src, ns++ ? "," : "");
        sb_adds(&src, repl_sources);
    }
    /* (a record of the guard's own lines and sources only is own_sheet's) */
    for (int i = 0; i < g->nsnap; i++) {
        sb_adds(&src, ns++ ? "," : "");
        gx_source_json(&src, &g->snaps[i]);
    }
    /* sorted by timesheet id (ids lead with their period) */
    sb_addc(&src, ']');
    jv arr = jv_parse_sized(src.s, (int)src.len);
    assert(jv_get_kind(arr) == JV_KIND_ARRAY);
    jv ks = jv_array();
    jv_array_foreach(arr, i, x) ks =
        jv_array_append(ks, jv_object_get(x, jv_string("timesheet_id")));
    arr = jv_sort(arr, ks);
    jv_array_foreach(arr, i, x)
    {
        jv t = jv_dump_string(x, 0);
        sb_adds(&b, i ? "," : "");
        sb_adds(&b, jv_string_value(t));
        jv_free(t);
    }
    jv_free(arr);
    sb_free(&src);
    sb_adds(&b, "],\"computed_at\":\"\"}");
    sb_free(&oldtext);
    jv rec = jv_parse_sized(b.s, (int)b.len);
    sb_free(&b);
    assert(jv_get_kind(rec) == JV_KIND_OBJECT);
    {
        /* lines sum to gross: the one total a paysheet must never lose */
        long long sum = 0, gv = -1;
        jv ls = jv_object_get(jv_copy(rec), jv_string("lines"));
        jv_array_foreach(ls, i, l)
        {
            long long a = 0;
            pay_int_peek(l, "amount", &a);
            sum += a;
            jv_free(l);
        }
        jv_free(ls);
        pay_int_peek(rec, "gross", &gv);
        assert(sum == gv);
    }
    int nothing = !found && L->n == 0 && nl == 0;
    if (nothing) { /* no pay and none before: no paysheet */
        jv_free(rec);
        return 0;
    }
    g->n->computed++;
    /* a row armms-deduct took on is left alone while its gross part holds */
    const char *ostage = jv_is_valid(old) ? json_str_peek(old, "stage", &(int){0}) : NULL;
    if (ostage && strcmp(ostage, "gross")) {
        char *a = gross_part(old), *c = gross_part(rec);
        int same = !strcmp(a, c);
        free(a);
        free(c);
        if (same) {
            if (!g->changed_only) {
                jv t = jv_dump_string(old, 0);
                sb_adds(&g->outbuf, jv_string_value(t));
                sb_addc(&g->outbuf, '\n');
                jv_free(t);
            } else {
                jv_free(old);
            }
            jv_free(rec);
            return 0;
        }
    }
    jv_free(old);
    int changed;
    size_t at = g->outbuf.len;
    rc = paysheet_store(g->s, rec, &changed, &g->outbuf, rj, err);
    return stored(g, rc, changed, at);
}

void gx_reject_snap(gx *g, const rejection *rj, const snap *x)
{
    /* the snapshot as it was given, checksum and all, so it can be fed back */
    char *canon = NULL;
    sqlite3_stmt *st;
    armms_err e = {0};
    if (x &&
        !pay_stmt(g->s, PS_INBOX_REC,
                  "SELECT record FROM inbox WHERE timesheet_id = ?1 AND version = ?2", &st, &e)) {
        sqlite3_bind_text(st, 1, x->id, -1, SQLITE_STATIC);
        sqlite3_bind_int(st, 2, x->version);
        if (sqlite3_step(st) == SQLITE_ROW) {
            jv rec = jv_parse(pay_col(st, 0));
            if (jv_get_kind(rec) == JV_KIND_OBJECT)
                canon = json_canonical(
                    jv_object_set(rec, jv_string("checksum"), jv_string(x->checksum)));
            else
                jv_free(rec);
        }
        sqlite3_reset(st);
    }
    reject_emit(g->rej, rj, "inbox", 0, canon ? canon : "", canon ? strlen(canon) : 0);
    free(canon);
    g->n->rejected++;
}

/* Line key of a jv line (looked at). */
