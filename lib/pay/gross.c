/*
 * gross.c - see gross.h.
 */
#include "pay/gross.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/daytype.h"
#include "core/idset.h"
#include "core/ndjson.h"
#include "core/sha.h"
#include "pay/pay_int.h"

/* --- rate cards, read once per run ----------------------------------- */

typedef struct rate_row {
    char key[200]; /* detachment \x1f shift \x1f position */
    char from[11], to[11];
    money_t rate;
} rate_row;

typedef struct rates {
    rate_row *v;
    int n;
    int loaded; /* all cards in v; else each lookup is a query */
    store_t *s; /* for those queries */
} rates;

/* Below this many guards to price, a run looks its cards up one by one
 * (a late snapshot costs the same in any tenant); above it, it reads them
 * all once. */
enum { RATES_LOAD_AT = 64 };

static int rate_cmp(const void *a, const void *b)
{
    const rate_row *x = a, *y = b;
    int c = strcmp(x->key, y->key);
    return c ? c : strcmp(x->from, y->from);
}

static void rate_key(char *buf, size_t n, const char *det, const char *shift, const char *pos)
{
    snprintf(buf, n, "%s\x1f%s\x1f%s", det, shift, pos);
}

static int rates_load(store_t *s, rates *r, armms_err *err)
{
    sqlite3_stmt *st;
    int rc = sqlite3_prepare_v2(s->db,
                                "SELECT detachment_id, shift_id, position_id, daily_rate,"
                                " valid_from, valid_to FROM rate",
                                -1, &st, NULL);
    if (rc != SQLITE_OK)
        return store_fail(s, rc, "read rate cards", err);
    int cap = 0;
    r->v = NULL;
    r->n = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (r->n == cap) {
            cap = cap ? cap * 2 : 256;
            r->v = xrealloc(r->v, (size_t)cap * sizeof *r->v);
        }
        rate_row *x = &r->v[r->n++];
        rate_key(x->key, sizeof x->key, pay_col(st, 0), pay_col(st, 1), pay_col(st, 2));
        x->rate = sqlite3_column_int64(st, 3);
        snprintf(x->from, sizeof x->from, "%s", pay_col(st, 4));
        snprintf(x->to, sizeof x->to, "%s", pay_col(st, 5));
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return store_fail(s, rc, "read rate cards", err);
    if (r->n)
        qsort(r->v, (size_t)r->n, sizeof *r->v, rate_cmp);
    return 0;
}

/* The daily rate of the card in force on date: 0 with *rate, or REJECTED. */
static int rate_on(const rates *r, const char *det, const char *shift, const char *pos,
                   const char *date, money_t *rate, rejection *rj, armms_err *err)
{
    if (!r->loaded) {
        sqlite3_stmt *st;
        int rc = pay_stmt(r->s, PS_RATE,
                          "SELECT daily_rate FROM rate WHERE detachment_id = ?1 AND shift_id = ?2"
                          " AND position_id = ?3 AND valid_from <= ?4"
                          " AND (valid_to IS NULL OR valid_to = '' OR valid_to >= ?4)"
                          " ORDER BY valid_from DESC LIMIT 1",
                          &st, err);
        if (rc)
            return rc;
        sqlite3_bind_text(st, 1, det, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, shift, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, pos, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 4, date, -1, SQLITE_STATIC);
        int step = sqlite3_step(st);
        if (step == SQLITE_ROW)
            *rate = sqlite3_column_int64(st, 0);
        sqlite3_reset(st);
        if (step == SQLITE_ROW)
            return 0;
        if (step != SQLITE_DONE)
            return store_fail(r->s, step, "read rate cards", err);
        return rejection_set(
            rj, "NO_RATE", "no rate card for detachment %s, shift %s, position %s in force on %s",
            det, shift, pos, date);
    }
    char key[200];
    rate_key(key, sizeof key, det, shift, pos);
    int lo = 0, hi = r->n;
    while (lo < hi) { /* first row with key >= ours */
        int mid = (lo + hi) / 2;
        if (strcmp(r->v[mid].key, key) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    const rate_row *best = NULL;
    for (int i = lo; i < r->n && !strcmp(r->v[i].key, key); i++)
        if (strcmp(r->v[i].from, date) <= 0 && (!r->v[i].to[0] || strcmp(date, r->v[i].to) <= 0))
            best = &r->v[i];
    if (!best)
        return rejection_set(
            rj, "NO_RATE", "no rate card for detachment %s, shift %s, position %s in force on %s",
            det, shift, pos, date);
    *rate = best->rate;
    return 0;
}

/* --- lines -------------------------------------------------------------- */

enum { U_BUCKET = B_COUNT }; /* the unworked-holiday "bucket" of a day type */

typedef struct line {
    int rank; /* day type x 8 + bucket: the order lines are listed in */
    char code[24], label[96];
    money_t rate;
    int mult, hpd, basic;
    long long minutes;
    char from[11], to[11];
    money_t amount;
} line;

typedef struct lines {
    line *v;
    int n, cap;
} lines;

static line *line_add(lines *L, int rank, const char *code, const char *label, money_t rate,
                      int mult, int hpd, int basic, const char *date, long long minutes)
{
    line *l = NULL;
    for (int i = 0; i < L->n; i++)
        if (L->v[i].rate == rate && L->v[i].mult == mult && L->v[i].hpd == hpd &&
            !strcmp(L->v[i].code, code)) {
            l = &L->v[i];
            break;
        }
    if (!l) {
        if (L->n == L->cap) {
            L->cap = L->cap ? L->cap * 2 : 16;
            L->v = xrealloc(L->v, (size_t)L->cap * sizeof *L->v);
        }
        l = &L->v[L->n++];
        memset(l, 0, sizeof *l);
        l->rank = rank;
        snprintf(l->code, sizeof l->code, "%s", code);
        snprintf(l->label, sizeof l->label, "%s", label);
        l->rate = rate;
        l->mult = mult;
        l->hpd = hpd;
        l->basic = basic;
        snprintf(l->from, sizeof l->from, "%s", date);
        snprintf(l->to, sizeof l->to, "%s", date);
    }
    l->minutes += minutes;
    if (strcmp(date, l->from) < 0)
        snprintf(l->from, sizeof l->from, "%s", date);
    if (strcmp(date, l->to) > 0)
        snprintf(l->to, sizeof l->to, "%s", date);
    return l;
}

static int line_cmp(const void *a, const void *b)
{
    const line *x = a, *y = b;
    if (x->rank != y->rank)
        return x->rank - y->rank;
    int c = strcmp(x->from, y->from);
    if (c)
        return c;
    if (x->rate != y->rate)
        return x->rate < y->rate ? -1 : 1;
    return x->mult - y->mult;
}

static money_t line_amount(const line *l)
{
    return money_scale(l->rate, l->minutes * l->mult, (int64_t)l->hpd * 60 * 10000);
}

static const char *const bucket_code[B_COUNT + 1] = {"", "_OT", "_ND", "_ND_OT", "_UNWORKED"};
static const char *const ordinary_code[B_COUNT] = {"BASIC", "OT", "ND", "ND_OT"};
static const char *const ordinary_label[B_COUNT] = {"Basic pay", "Overtime", "Night differential",
                                                    "Night differential on overtime"};
static const char *const bucket_label[B_COUNT + 1] = {
    "", ", overtime", ", night differential", ", night differential on overtime", ", not worked"};

static void line_name(const pay_premium *p, int b, char *code, size_t cn, char *label, size_t ln)
{
    if (!p->code[0] && b < B_COUNT) {
        snprintf(code, cn, "%s", ordinary_code[b]);
        snprintf(label, ln, "%s", ordinary_label[b]);
    } else {
        snprintf(code, cn, "%s%s", p->code[0] ? p->code : "ORDINARY", bucket_code[b]);
        snprintf(label, ln, "%s%s", p->label, bucket_label[b]);
    }
}

/* --- one guard's period ---------------------------------------------------- */

typedef struct snap {
    char id[160], checksum[80];
    int version;
    char det[65], shift[65], pos[65];
} snap;

typedef struct gx {
    store_t *s;
    const pay_rules *rules;
    rates rates;
    FILE *out;
    reject_sink *rej;
    pay_counts *n;
    int changed_only;
    strbuf outbuf;
    snap *snaps;
    int nsnap, capsnap;
    snap_rows rows; /* the loaded snapshots' day lines and unworked holidays */
    armms_err *err; /* the run's, for a lookup that fails (not one that refuses) */
} gx;

static void snaps_clear(gx *g)
{
    g->nsnap = 0;
    g->rows.nday = g->rows.nuh = 0;
}

/* The guard's latest inbox version of each of its timesheets of the
 * period, in timesheet id order (the SQL shared by the readers below). */
#define LATEST                                                                                    \
    " i.guard_id = ?1 AND i.period_id = ?2 AND i.version ="                                       \
    " (SELECT max(j.version) FROM inbox j WHERE j.timesheet_id = i.timesheet_id)"

/* Snapshots are read through SQLite's JSON functions: the fields pricing
 * needs, without building the whole snapshot as a jv. */
static int snaps_load(gx *g, const char *guard, const char *period, armms_err *err)
{
    sqlite3_stmt *st;
    snaps_clear(g);
    int rc = pay_stmt(g->s, PS_GUARD_SNAPS,
                      "SELECT i.timesheet_id, i.version, i.checksum, i.record ->> 'detachment_id',"
                      " i.record ->> 'shift_id', i.record ->> 'position_id'"
                      " FROM inbox i WHERE" LATEST " ORDER BY i.timesheet_id",
                      &st, err);
    if (rc)
        return rc;
    sqlite3_bind_text(st, 1, guard, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, period, -1, SQLITE_STATIC);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (g->nsnap == g->capsnap) {
            g->capsnap = g->capsnap ? g->capsnap * 2 : 8;
            g->snaps = xrealloc(g->snaps, (size_t)g->capsnap * sizeof *g->snaps);
        }
        snap *x = &g->snaps[g->nsnap++];
        snprintf(x->id, sizeof x->id, "%s", pay_col(st, 0));
        x->version = sqlite3_column_int(st, 1);
        snprintf(x->checksum, sizeof x->checksum, "%s", pay_col(st, 2));
        snprintf(x->det, sizeof x->det, "%s", pay_col(st, 3));
        snprintf(x->shift, sizeof x->shift, "%s", pay_col(st, 4));
        snprintf(x->pos, sizeof x->pos, "%s", pay_col(st, 5));
    }
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? 0 : store_fail(g->s, rc, "read the inbox", err);
}

/* The snapshot of x with the guard's rows' index, by id (rows come in id order). */
static int snap_of(const gx *g, const char *id, int from)
{
    for (int i = from; i < g->nsnap; i++)
        if (!strcmp(g->snaps[i].id, id))
            return i;
    for (int i = 0; i < from && i < g->nsnap; i++)
        if (!strcmp(g->snaps[i].id, id))
            return i;
    return -1;
}

static const char *sfield(jv o, const char *key)
{
    const char *v = json_str_peek(o, key, &(int){0});
    return v ? v : "";
}

static int hours_per_day(gx *g, const char *date, int *hpd, rejection *rj)
{
    const char *v;
    if (pay_policy_on(g->rules, "hours_per_day", date, &v, rj))
        return REJECTED;
    *hpd = atoi(v);
    if (*hpd < 1 || *hpd > 24)
        return rejection_set(rj, "NO_RULE", "policy hours_per_day '%s' on %s is not 1 to 24", v,
                             date);
    return 0;
}

/* Price the minutes m of day type t on date for snapshot x into L. */
static int price_bucket(gx *g, const snap *x, const char *date, int t, const long long m[B_COUNT],
                        lines *L, rejection *rj)
{
    pay_premium p;
    money_t rate;
    int hpd, rc;
    if ((rc = rate_on(&g->rates, x->det, x->shift, x->pos, date, &rate, rj, g->err)) ||
        (rc = pay_premium_on(g->rules, day_type_names[t], date, &p, rj)) ||
        (rc = hours_per_day(g, date, &hpd, rj)))
        return rc;
    int mult[B_COUNT] = {p.regular_bp, p.ot_bp,
                         (int)(((long long)p.regular_bp * p.nd_bp + 5000) / 10000),
                         (int)(((long long)p.ot_bp * p.nd_bp + 5000) / 10000)};
    for (int k = 0; k < B_COUNT; k++) {
        if (!m[k])
            continue;
        char code[24], label[96];
        line_name(&p, k, code, sizeof code, label, sizeof label);
        line_add(L, t * 8 + k, code, label, rate, mult[k], hpd, k == B_REG, date, m[k]);
    }
    return 0;
}

/* The rows of the guard's snapshots (day lines, unworked holidays) through
 * SQLite's JSON functions. */
static int rows_sql(gx *g, const char *guard, const char *period, armms_err *err)
{
    sqlite3_stmt *st;
    g->rows.nday = g->rows.nuh = 0;
    int rc = pay_stmt(g->s, PS_GUARD_DAYS,
                      "SELECT i.timesheet_id, d.value ->> 'date', d.value ->> 'day_type',"
                      " d.value -> 'totals' ->> 'worked', t.key, t.value ->> 'regular',"
                      " t.value ->> 'ot', t.value ->> 'nd', t.value ->> 'nd_ot'"
                      " FROM inbox i JOIN json_each(i.record, '$.days') d"
                      " JOIN json_each(d.value, '$.minutes') t WHERE" LATEST
                      " ORDER BY i.timesheet_id, d.key, t.key",
                      &st, err);
    if (rc)
        return rc;
    sqlite3_bind_text(st, 1, guard, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, period, -1, SQLITE_STATIC);
    int step, at = 0;
    snap_rows *r = &g->rows;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        if ((at = snap_of(g, pay_col(st, 0), at)) < 0)
            continue;
        if (r->nday == r->capday) {
            r->capday = r->capday ? r->capday * 2 : 64;
            r->day = xrealloc(r->day, (size_t)r->capday * sizeof *r->day);
        }
        snap_day *d = &r->day[r->nday++];
        memset(d, 0, sizeof *d);
        d->snap = at;
        snprintf(d->date, sizeof d->date, "%s", pay_col(st, 1));
        snprintf(d->own, sizeof d->own, "%s", pay_col(st, 2));
        d->worked = sqlite3_column_int64(st, 3);
        snprintf(d->type, sizeof d->type, "%s", pay_col(st, 4));
        for (int k = 0; k < B_COUNT; k++)
            d->m[k] = sqlite3_column_int64(st, 5 + k);
    }
    sqlite3_reset(st);
    if (step != SQLITE_DONE)
        return store_fail(g->s, step, "read the inbox", err);
    if ((rc = pay_stmt(g->s, PS_GUARD_UNWORKED,
                       "SELECT i.timesheet_id, u.value ->> 'date', u.value ->> 'day_type',"
                       " u.value -> 'last_scheduled' ->> 'present'"
                       " FROM inbox i JOIN json_each(i.record, '$.unworked_holidays') u"
                       " WHERE" LATEST " ORDER BY i.timesheet_id, u.key",
                       &st, err)))
        return rc;
    sqlite3_bind_text(st, 1, guard, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, period, -1, SQLITE_STATIC);
    at = 0;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        if ((at = snap_of(g, pay_col(st, 0), at)) < 0)
            continue;
        if (r->nuh == r->capuh) {
            r->capuh = r->capuh ? r->capuh * 2 : 8;
            r->uh = xrealloc(r->uh, (size_t)r->capuh * sizeof *r->uh);
        }
        snap_uh *u = &r->uh[r->nuh++];
        memset(u, 0, sizeof *u);
        u->snap = at;
        snprintf(u->date, sizeof u->date, "%s", pay_col(st, 1));
        snprintf(u->type, sizeof u->type, "%s", pay_col(st, 2));
        u->present =
            sqlite3_column_type(st, 3) == SQLITE_INTEGER && sqlite3_column_int(st, 3) == 1;
    }
    sqlite3_reset(st);
    return step == SQLITE_DONE ? 0 : store_fail(g->s, step, "read the inbox", err);
}

/* Every day line x day type of the guard's snapshots, priced into L; the
 * dates worked into worked (a shift's minutes of another day type than its
 * line's own are its part past midnight: the next date was worked too). */
static int price_days(gx *g, idmap *worked, lines *L, int *bad, rejection *rj)
{
    int rc = 0;
    for (int i = 0; !rc && i < g->rows.nday; i++) {
        const snap_day *d = &g->rows.day[i];
        *bad = d->snap;
        if (d->worked > 0)
            idmap_put(worked, d->date, 1);
        long long m[B_COUNT];
        int any = 0;
        for (int k = 0; k < B_COUNT; k++) {
            m[k] = d->m[k] > 0 ? d->m[k] : 0;
            any |= m[k] > 0;
        }
        int t = day_type_find(d->type, strlen(d->type));
        if (!any || t < 0)
            continue;
        day_t dd;
        if (strcmp(d->type, d->own) && !date_parse(d->date, &dd)) {
            char next[11];
            date_format(dd + 1, next);
            idmap_put(worked, next, 1);
        }
        rc = price_bucket(g, &g->snaps[d->snap], d->date, t, m, L, rj);
    }
    return rc;
}

/* The unworked holidays of the guard's snapshots into L, once per date. */
static int price_unworked(gx *g, const idmap *worked, lines *L, int *bad, rejection *rj)
{
    idmap paid;
    idmap_init(&paid);
    int rc = 0;
    for (int i = 0; !rc && i < g->rows.nuh; i++) {
        const snap_uh *u = &g->rows.uh[i];
        int t = day_type_find(u->type, strlen(u->type));
        if (t < 0 || !u->date[0] || idmap_get(worked, u->date) >= 0 ||
            idmap_get(&paid, u->date) >= 0)
            continue;
        *bad = u->snap;
        const char *policy;
        pay_premium p;
        if ((rc = pay_policy_on(g->rules, "unworked_holiday", u->date, &policy, rj)) ||
            (rc = pay_premium_on(g->rules, day_type_names[t], u->date, &p, rj)))
            break;
        int eligible =
            !strcmp(policy, "always") || (!strcmp(policy, "last_workday") && u->present);
        if (!eligible || p.unworked_bp <= 0)
            continue;
        money_t rate;
        int hpd;
        const snap *x = &g->snaps[u->snap];
        if ((rc = rate_on(&g->rates, x->det, x->shift, x->pos, u->date, &rate, rj, g->err)) ||
            (rc = hours_per_day(g, u->date, &hpd, rj)))
            break;
        char code[24], label[96];
        line_name(&p, U_BUCKET, code, sizeof code, label, sizeof label);
        line_add(L, t * 8 + U_BUCKET, code, label, rate, p.unworked_bp, hpd, 1, u->date,
                 (long long)hpd * 60);
        idmap_put(&paid, u->date, 1);
    }
    idmap_free(&paid);
    return rc;
}

/* Price the guard's snapshots (loaded by snaps_load): 0 with L filled
 * (amounts set, sorted), REJECTED with *bad the snapshot at fault, or an
 * EXIT_* code. */
static int price(gx *g, const char *guard, const char *period, lines *L, int *bad, rejection *rj,
                 armms_err *err)
{
    if (!g->nsnap)
        return 0;
    int rc = rows_sql(g, guard, period, err);
    if (rc)
        return rc;
    idmap worked;
    idmap_init(&worked);
    rc = price_days(g, &worked, L, bad, rj);
    if (!rc)
        rc = price_unworked(g, &worked, L, bad, rj);
    idmap_free(&worked);
    if (rc)
        return rc;
    for (int i = 0; i < L->n; i++)
        L->v[i].amount = line_amount(&L->v[i]);
    if (L->n)
        qsort(L->v, (size_t)L->n, sizeof *L->v, line_cmp);
    return 0;
}

/* --- the record ------------------------------------------------------------ */

static void line_json(strbuf *b, const line *l, const char *kind, const char *adjusts)
{
    sb_adds(b, "{\"code\":");
    sb_add_json_str(b, l->code, strlen(l->code));
    sb_add_json_kv(b, "label", l->label);
    sb_add_json_kv(b, "kind", kind);
    sb_addf(b, ",\"taxable\":true,\"from\":\"%s\",\"to\":\"%s\",\"minutes\":%lld", l->from, l->to,
            l->minutes);
    sb_addf(b, ",\"daily_rate\":%lld,\"multiplier\":%d,\"amount\":%lld", (long long)l->rate,
            l->mult, (long long)l->amount);
    if (adjusts)
        sb_add_json_kv(b, "adjusts_period", adjusts);
    if (l->basic)
        sb_adds(b, ",\"basic\":true");
    sb_addc(b, '}');
}

static void source_json(strbuf *b, const snap *x)
{
    sb_adds(b, "{\"timesheet_id\":");
    sb_add_json_str(b, x->id, strlen(x->id));
    sb_addf(b, ",\"version\":%d", x->version);
    sb_add_json_kv(b, "checksum", x->checksum);
    sb_addc(b, '}');
}

/* The period a timesheet id belongs to (its first segment). */
static int id_in_period(const char *tsid, const char *period)
{
    size_t n = strlen(period);
    return !strncmp(tsid, period, n) && tsid[n] == '/';
}

/* Is jv line l (looked at) an adjustment line for period p? */
static int adjusts_peek(jv l, const char *p)
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

/* The stored paysheet id: *found, and *old parsed only when write_sheet
 * needs what is in it (adjustment lines, other periods' sources, or a stage
 * armms-deduct took it on to); else jv_invalid(). */
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
        if (strstr(t, "\"adjusts_period\"") || !strstr(t, "\"stage\":\"gross\"")) {
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

/* Skip the value after the first occurrence of key (a number or a
 * string without escapes) in a paysheet text: the text before the value's
 * start in *head, the rest after it in *tail. -1 when key is not there. */
static int split_at(const char *t, const char *key, size_t *head, const char **tail)
{
    const char *k = strstr(t, key);
    if (!k)
        return -1;
    const char *v = k + strlen(key);
    if (*v == '"') {
        const char *e = strchr(v + 1, '"');
        if (!e)
            return -1;
        *tail = e + 1;
    } else {
        while (*v == '-' || (*v >= '0' && *v <= '9'))
            v++;
        *tail = v;
    }
    *head = (size_t)(k - t) + strlen(key);
    return 0;
}

/* Are paysheet texts a (as built, version 0, status COMPUTED, computed_at
 * "") and b (as stored) the same but for those three top-level values?
 * Each is the first occurrence of its key: the top-level version and
 * status come before lines and sources, computed_at is last. */
static int same_but_volatile(const char *a, const char *b)
{
    static const char *const keys[] = {"\"version\":", "\"status\":", "\"computed_at\":"};
    for (int i = 0; i < 3; i++) {
        size_t ha, hb;
        const char *ta, *tb;
        if (split_at(a, keys[i], &ha, &ta) || split_at(b, keys[i], &hb, &tb) || ha != hb ||
            memcmp(a, b, ha))
            return 0;
        a = ta;
        b = tb;
    }
    return !strcmp(a, b);
}

/*
 * Write guard's paysheet of period from its own priced lines L and sources
 * (g->snaps), keeping the adjustment lines and foreign sources the stored
 * record carries, except those for period repl, which become repl_lines
 * (a JSON array text of adjustment lines, or NULL) and repl_sources (JSON
 * object texts, comma-separated, or NULL).
 */
static int write_sheet(gx *g, const char *guard, const char *period, const lines *L,
                       const char *repl, const char *repl_lines, const char *repl_sources,
                       rejection *rj, armms_err *err)
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
    strbuf b;
    sb_init(&b);
    sb_adds(&b, "{\"kind\":\"Paysheet\",\"v\":1");
    sb_add_json_kv(&b, "paysheet_id", id);
    sb_add_json_kv(&b, "guard_id", guard);
    sb_addf(&b, ",\"period\":{\"id\":\"%s\",\"from\":\"%s\",\"to\":\"%s\"}", period, from, to);
    sb_adds(&b, ",\"version\":0,\"stage\":\"gross\",\"status\":\"COMPUTED\",\"lines\":[");
    money_t gross = 0, taxable = 0;
    int nl = 0;
    for (int i = 0; i < L->n; i++) {
        if (nl++)
            sb_addc(&b, ',');
        line_json(&b, &L->v[i], "earning", NULL);
        gross += L->v[i].amount;
        taxable += L->v[i].amount;
    }
    /* adjustments kept, then the new ones for repl, in period order */
    jv adj = jv_array();
    if (jv_is_valid(old)) {
        jv ol = jv_object_get(jv_copy(old), jv_string("lines"));
        jv_array_foreach(ol, i, l)
        {
            if (adjusts_peek(l, NULL) && !(repl && adjusts_peek(l, repl)))
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
    for (int i = 0; i < g->nsnap; i++) {
        sb_adds(&src, ns++ ? "," : "");
        source_json(&src, &g->snaps[i]);
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
    /* the same text as stored but for version, status and computed_at is
     * the same pay: written as stored, without a parse and a digest (any
     * difference, down to a byte, takes the full path below) */
    if (found && !jv_is_valid(old) && same_but_volatile(b.s, oldtext.s)) {
        g->n->computed++;
        if (!g->changed_only) {
            sb_add(&g->outbuf, oldtext.s, oldtext.len);
            sb_addc(&g->outbuf, '\n');
        }
        sb_free(&b);
        sb_free(&oldtext);
        return 0;
    }
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
    if (!rc && changed)
        g->n->changed++;
    if (!rc && g->changed_only && !changed) {
        g->outbuf.len = at;
        g->outbuf.s[at] = 0;
    }
    return rc;
}

static void reject_snap(gx *g, const rejection *rj, const snap *x)
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
static void key_of(jv l, char *buf, size_t n)
{
    long long r = 0, m = 0;
    pay_int_peek(l, "daily_rate", &r);
    pay_int_peek(l, "multiplier", &m);
    snprintf(buf, n, "%s|%lld|%lld", sfield(l, "code"), r, m);
}

typedef struct diff {
    char key[64];
    jv proto; /* a line to take code, label, dates, rate, multiplier, basic from */
    long long minutes, amount;
} diff;

static void diff_add(diff **v, int *n, jv l, int sign)
{
    char key[64];
    key_of(l, key, sizeof key);
    long long m = 0, a = 0;
    pay_int_peek(l, "minutes", &m);
    pay_int_peek(l, "amount", &a);
    for (int i = 0; i < *n; i++)
        if (!strcmp((*v)[i].key, key)) {
            (*v)[i].minutes += sign * m;
            (*v)[i].amount += sign * a;
            jv_free(l);
            return;
        }
    *v = xrealloc(*v, (size_t)(*n + 1) * sizeof **v);
    diff *d = &(*v)[(*n)++];
    snprintf(d->key, sizeof d->key, "%s", key);
    d->proto = l;
    d->minutes = sign * m;
    d->amount = sign * a;
}

/* A period's payrun is closed. */
static int closed(gx *g, const char *period, int *yes, armms_err *err)
{
    char st[16];
    int rc = payrun_status(g->s, period, st, err);
    *yes = !rc && !strcmp(st, "CLOSED");
    return rc;
}

/*
 * The guard's snapshots of closed period P changed (or may have): carry
 * the difference between P priced now and what was paid for it (its closed
 * paysheet's own lines and the adjustments for it carried since) into the
 * first later period not closed.
 */
static int adjust_closed(gx *g, const char *guard, const char *P, const lines *L, armms_err *err)
{
    char Q[16];
    snprintf(Q, sizeof Q, "%s", P);
    int yes = 1, rc = 0;
    for (int i = 0; yes && i < 240; i++) {
        if (period_next(Q, Q))
            return err_set(err, EXIT_SOFTWARE, "no period after %s", Q);
        if ((rc = closed(g, Q, &yes, err)))
            return rc;
    }
    if (yes)
        return err_set(err, EXIT_SOFTWARE, "no open period after %s", P);
    diff *dv = NULL;
    int nd = 0;
    /* now: + priced lines */
    for (int i = 0; i < L->n; i++) {
        strbuf t;
        sb_init(&t);
        line_json(&t, &L->v[i], "adjustment", P);
        diff_add(&dv, &nd, jv_parse(t.s), +1);
        sb_free(&t);
    }
    /* paid: - the closed paysheet's own lines, - adjustments for P in every
     * paysheet of the guard but Q's (Q's are what this computes anew) */
    sqlite3_stmt *st;
    if ((rc = pay_stmt(g->s, PS_GUARD_SHEETS,
                       "SELECT period_id, record FROM paysheet WHERE guard_id = ?1", &st, err)))
        goto out;
    sqlite3_bind_text(st, 1, guard, -1, SQLITE_STATIC);
    int step;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        const char *per = pay_col(st, 0);
        if (!strcmp(per, Q))
            continue;
        int own = !strcmp(per, P);
        jv rec = jv_parse(pay_col(st, 1));
        jv ls = jv_object_get(rec, jv_string("lines"));
        if (jv_get_kind(ls) == JV_KIND_ARRAY) {
            jv_array_foreach(ls, i, l)
            {
                if (own ? !adjusts_peek(l, NULL) : adjusts_peek(l, P))
                    diff_add(&dv, &nd, l, -1);
                else
                    jv_free(l);
            }
        }
        jv_free(ls);
    }
    sqlite3_reset(st);
    if (step != SQLITE_DONE) {
        rc = store_fail(g->s, step, "read paysheets", err);
        goto out;
    }
    strbuf al, sl;
    sb_init(&al);
    sb_init(&sl);
    sb_addc(&al, '[');
    int na = 0;
    for (int i = 0; i < nd; i++) {
        if (!dv[i].minutes && !dv[i].amount)
            continue;
        jv l = jv_object();
        static const char *const keys[] = {"code", "label"};
        for (int k = 0; k < 2; k++)
            l = jv_object_set(l, jv_string(keys[k]),
                              jv_object_get(jv_copy(dv[i].proto), jv_string(keys[k])));
        l = jv_object_set(l, jv_string("kind"), jv_string("adjustment"));
        l = jv_object_set(l, jv_string("taxable"), jv_true());
        static const char *const keys2[] = {"from", "to"};
        for (int k = 0; k < 2; k++)
            l = jv_object_set(l, jv_string(keys2[k]),
                              jv_object_get(jv_copy(dv[i].proto), jv_string(keys2[k])));
        l = jv_object_set(l, jv_string("minutes"), jv_number((double)dv[i].minutes));
        l = jv_object_set(l, jv_string("daily_rate"),
                          jv_object_get(jv_copy(dv[i].proto), jv_string("daily_rate")));
        l = jv_object_set(l, jv_string("multiplier"),
                          jv_object_get(jv_copy(dv[i].proto), jv_string("multiplier")));
        l = jv_object_set(l, jv_string("amount"), jv_number((double)dv[i].amount));
        l = jv_object_set(l, jv_string("adjusts_period"), jv_string(P));
        jv basic = jv_object_get(jv_copy(dv[i].proto), jv_string("basic"));
        if (jv_get_kind(basic) == JV_KIND_TRUE)
            l = jv_object_set(l, jv_string("basic"), basic);
        else
            jv_free(basic);
        jv t = jv_dump_string(l, 0);
        sb_adds(&al, na++ ? "," : "");
        sb_adds(&al, jv_string_value(t));
        jv_free(t);
    }
    sb_addc(&al, ']');
    for (int i = 0; i < g->nsnap; i++) {
        if (i)
            sb_addc(&sl, ',');
        source_json(&sl, &g->snaps[i]);
    }
    /* Q's own snapshots and lines, priced again with the new adjustments */
    snaps_clear(g);
    if (!(rc = snaps_load(g, guard, Q, err))) {
        lines QL = {0};
        rejection rj = {0};
        int bad = 0;
        rc = price(g, guard, Q, &QL, &bad, &rj, err);
        if (!rc)
            rc = write_sheet(g, guard, Q, &QL, P, al.s, sl.s, &rj, err);
        if (rc == REJECTED) {
            reject_snap(g, &rj, g->nsnap ? &g->snaps[bad] : NULL);
            rc = 0;
        }
        free(QL.v);
    }
    sb_free(&al);
    sb_free(&sl);
out:
    for (int i = 0; i < nd; i++)
        jv_free(dv[i].proto);
    free(dv);
    return rc;
}

/* Price guard x period and store the paysheet (or the adjustment). */
static int do_one(gx *g, const char *guard, const char *period, armms_err *err)
{
    int rc = snaps_load(g, guard, period, err), yes, bad = 0;
    if (rc || (rc = closed(g, period, &yes, err)))
        return rc;
    lines L = {0};
    rejection rj = {0};
    rc = price(g, guard, period, &L, &bad, &rj, err);
    if (!rc && yes)
        rc = g->nsnap ? adjust_closed(g, guard, period, &L, err) : 0;
    else if (!rc)
        rc = write_sheet(g, guard, period, &L, NULL, NULL, NULL, &rj, err);
    if (rc == REJECTED) {
        reject_snap(g, &rj, g->nsnap ? &g->snaps[bad] : NULL);
        rc = 0;
    }
    free(L.v);
    return rc;
}

/* --- runs ---------------------------------------------------------------------- */

typedef struct touch {
    char guard[65], period[16];
} touch;

struct pay_stream {
    gx g;
    touch *t;
    int nt, capt;
    idmap idx;
    const char *only_guard; /* select: pulled closed periods of this guard only */
    int select;             /* pulled snapshots of open periods wait for their own run */
};

static int gx_open(gx *g, store_t *s, const pay_rules *rules, FILE *out, reject_sink *rej,
                   pay_counts *n, armms_err *err)
{
    memset(g, 0, sizeof *g);
    g->s = s;
    g->rules = rules;
    g->out = out;
    g->rej = rej;
    g->n = n;
    sb_init(&g->outbuf);
    g->rates.s = s;
    return 0;
}

static void gx_close(gx *g)
{
    snaps_clear(g);
    free(g->rows.day);
    free(g->rows.uh);
    free(g->snaps);
    free(g->rates.v);
    sb_free(&g->outbuf);
}

int pay_stream_open(pay_stream **ps, store_t *pay, const pay_rules *rules, FILE *out,
                    reject_sink *rej, pay_counts *n, armms_err *err)
{
    pay_stream *p = xcalloc(1, sizeof *p);
    idmap_init(&p->idx);
    int rc = gx_open(&p->g, pay, rules, out, rej, n, err);
    if (rc) {
        pay_stream_close(p);
        p = NULL;
    }
    *ps = p;
    return rc;
}

void pay_stream_close(pay_stream *ps)
{
    if (!ps)
        return;
    if (ps->g.s && ps->g.s->in_tx)
        store_rollback(ps->g.s);
    gx_close(&ps->g);
    free(ps->t);
    idmap_free(&ps->idx);
    free(ps);
}

void pay_stream_changed_only(pay_stream *ps)
{
    ps->g.changed_only = 1;
}

void pay_stream_touch(pay_stream *ps, const char *guard, const char *period)
{
    char key[100];
    snprintf(key, sizeof key, "%s/%s", period, guard);
    if (idmap_get(&ps->idx, key) >= 0)
        return;
    idmap_put(&ps->idx, key, ps->nt);
    if (ps->nt == ps->capt) {
        ps->capt = ps->capt ? ps->capt * 2 : 64;
        ps->t = xrealloc(ps->t, (size_t)ps->capt * sizeof *ps->t);
    }
    snprintf(ps->t[ps->nt].guard, sizeof ps->t[ps->nt].guard, "%s", guard);
    snprintf(ps->t[ps->nt].period, sizeof ps->t[ps->nt].period, "%s", period);
    ps->nt++;
}

int pay_stream_record(pay_stream *ps, jv rec, const char *source, long line, const char *raw,
                      size_t raw_len, armms_err *err)
{
    store_t *s = ps->g.s;
    ps->g.n->read++;
    if (!s->in_tx) {
        int rc = store_begin(s, err);
        if (rc) {
            jv_free(rec);
            return rc;
        }
    }
    rejection rj = {0};
    inbox_key k;
    jv_free(rec); /* landed from its text: the same outcome, faster */
    int rc = inbox_land_text(s, raw, raw_len, 0, &k, &rj, err);
    if (rc == REJECTED && !strcmp(rj.code, "DRAFT")) {
        ps->g.n->skipped++; /* a draft in the chain's pipe is not payroll's */
        return 0;
    }
    if (rc == REJECTED) {
        reject_emit(ps->g.rej, &rj, source, line, raw, raw_len);
        ps->g.n->rejected++;
        return 0;
    }
    if (rc)
        return rc;
    ps->g.n->landed += k.landed;
    pay_stream_touch(ps, k.guard, k.period);
    /* a long input lands in batches, as the paysheets are written */
    if (ps->g.n->read % PAY_BATCH == 0)
        return store_commit(s, err);
    return 0;
}

static void pulled(const inbox_key *k, void *ctx)
{
    pay_stream *ps = ctx;
    if (ps->select) {
        int yes = 0;
        armms_err e = {0};
        if (ps->only_guard && strcmp(ps->only_guard, k->guard))
            return;
        if (closed(&ps->g, k->period, &yes, &e) || !yes)
            return;
    }
    pay_stream_touch(ps, k->guard, k->period);
}

int pay_stream_pull(pay_stream *ps, armms_err *err)
{
    store_t *s = ps->g.s;
    if (s->in_tx) {
        int rc = store_commit(s, err);
        if (rc)
            return rc;
    }
    return inbox_pull(s, ps->g.rej, pulled, ps, ps->g.n, err);
}

static int write_out(gx *g, armms_err *err)
{
    if (g->outbuf.len && fwrite(g->outbuf.s, 1, g->outbuf.len, g->out) != g->outbuf.len)
        return err_set(err, EXIT_IOERR, "write paysheets: output error");
    sb_reset(&g->outbuf);
    return fflush(g->out) ? err_set(err, EXIT_IOERR, "write paysheets: output error") : 0;
}

static int touch_cmp(const void *a, const void *b)
{
    const touch *x = a, *y = b;
    int c = strcmp(x->period, y->period);
    return c ? c : strcmp(x->guard, y->guard);
}

int pay_stream_finish(pay_stream *ps, armms_err *err)
{
    gx *g = &ps->g;
    store_t *s = g->s;
    int rc = 0;
    g->err = err;
    if (ps->nt >= RATES_LOAD_AT && !g->rates.loaded && !(rc = rates_load(s, &g->rates, err)))
        g->rates.loaded = 1;
    if (rc)
        return rc;
    if (ps->nt)
        qsort(ps->t, (size_t)ps->nt, sizeof *ps->t, touch_cmp);
    for (int i = 0; !rc && i < ps->nt; i++) {
        if (!s->in_tx && (rc = store_begin(s, err)))
            break;
        rc = do_one(g, ps->t[i].guard, ps->t[i].period, err);
        if (!rc && (i + 1) % PAY_BATCH == 0 && !(rc = store_commit(s, err)))
            rc = write_out(g, err);
    }
    if (!rc && s->in_tx)
        rc = store_commit(s, err);
    if (!rc)
        rc = write_out(g, err);
    if (rc && s->in_tx)
        store_rollback(s);
    ps->nt = 0;
    idmap_free(&ps->idx);
    idmap_init(&ps->idx);
    return rc;
}

int pay_stream_scope(pay_stream *ps, const char *period, const char *guard, armms_err *err)
{
    store_t *pay = ps->g.s;
    ps->select = 1;
    ps->only_guard = guard;
    int rc = pay_stream_pull(ps, err);
    sqlite3_stmt *st = NULL;
    if (rc)
        return rc;
    int prc = sqlite3_prepare_v2(pay->db,
                                 "SELECT guard_id FROM inbox WHERE period_id = ?1"
                                 " AND (?2 IS NULL OR guard_id = ?2)"
                                 " UNION SELECT guard_id FROM paysheet WHERE period_id = ?1"
                                 " AND (?2 IS NULL OR guard_id = ?2) ORDER BY 1",
                                 -1, &st, NULL);
    if (prc != SQLITE_OK)
        return store_fail(pay, prc, "list the period's guards", err);
    sqlite3_bind_text(st, 1, period, -1, SQLITE_STATIC);
    if (guard)
        sqlite3_bind_text(st, 2, guard, -1, SQLITE_STATIC);
    while ((prc = sqlite3_step(st)) == SQLITE_ROW)
        pay_stream_touch(ps, pay_col(st, 0), period);
    if (prc != SQLITE_DONE)
        rc = store_fail(pay, prc, "list the period's guards", err);
    sqlite3_finalize(st);
    return rc;
}

int pay_gross(store_t *pay, const pay_rules *rules, const char *period, const char *guard,
              FILE *out, reject_sink *rej, pay_counts *n, armms_err *err)
{
    pay_stream *ps;
    int rc = pay_stream_open(&ps, pay, rules, out, rej, n, err);
    if (!rc)
        rc = pay_stream_scope(ps, period, guard, err);
    if (!rc)
        rc = pay_stream_finish(ps, err);
    pay_stream_close(ps);
    return rc;
}
