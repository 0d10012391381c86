/*
 * rules.c - see rules.h. Every rule table of pay.db read once into arrays;
 * lookups walk them without SQL.
 *
 * Invariants:
 *  1. every array is sorted by its key and then by valid_from, and the
 *     versions of one key never overlap (md's effective-dated upsert keeps
 *     that), so the version in force on a date is at most one;
 *  2. a statutory table (the rows of one scheme, or of the semi-monthly
 *     tax, in force on a date) is cut at load into spans of dates over
 *     which the same rows are in force: a lookup finds its span by date and
 *     its bracket by base with two binary searches;
 *  3. a span whose rows are not a table (no bracket from 0.00, fixed
 *     credits that do not rise with the base - a bracket of an older
 *     schedule left open - or a tax that falls) keeps why, and every lookup in it is a BAD_RULE
 *     rejection; a date no span covers is NO_RULE;
 *  4. each share is one money_scale call (core/money.h), so it is rounded
 *     half away from zero once.
 */
#include "pay/rules.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"

/* A date text compared as text: ISO dates sort as dates; "" ends never. */
#define OPEN_END "9999-12-31"

typedef struct dated {
    char from[11], to[11]; /* to: OPEN_END when open */
} dated;

static int in_force(const dated *d, const char *on)
{
    return strcmp(d->from, on) <= 0 && strcmp(on, d->to) <= 0;
}

typedef struct premium_row {
    dated d;
    pay_premium p;
} premium_row;

typedef struct policy_row {
    dated d;
    char key[64], value[64];
} policy_row;

typedef struct wage_row {
    dated d;
    char region[64];
    money_t rate;
} wage_row;

typedef struct priority_row {
    dated d;
    char code[64];
    int rank;
} priority_row;

/* One bracket of a contribution schedule or of the tax table. */
typedef struct bracket {
    dated d;
    money_t base_from;
    money_t credit; /* -1: the base itself */
    int ee_bp, er_bp;
    money_t ec, mpf_above; /* mpf_above -1: no MPF part */
    int halves;
    money_t fixed; /* tax */
    int rate_bp;   /* tax */
    char source[128];
} bracket;

/* Dates over which the same brackets are in force (invariant 2). */
typedef struct span {
    char from[11], to[11];
    int first, n; /* rows of the table's `in` index array */
    char bad[200];
} span;

typedef struct table {
    const char *name; /* "sss", "philhealth", "hdmf", "tax" */
    bracket *row;
    int nrow;
    span *span;
    int nspan;
    int *in; /* per span, the indexes of its rows by base_from */
    int nin;
} table;

enum { T_SSS, T_PHILHEALTH, T_HDMF, T_TAX, T_COUNT };
static const char *const table_names[T_COUNT] = {"sss", "philhealth", "hdmf", "tax"};

struct pay_rules {
    premium_row *premium;
    int npremium;
    policy_row *policy;
    int npolicy;
    wage_row *wage;
    int nwage;
    priority_row *priority;
    int npriority;
    table t[T_COUNT];
};

/* ---- loading ---------------------------------------------------------------- */

static void text_col(sqlite3_stmt *st, int c, char *out, size_t n)
{
    const unsigned char *s = sqlite3_column_text(st, c);
    snprintf(out, n, "%s", s ? (const char *)s : "");
}

static void dated_col(sqlite3_stmt *st, int c, dated *d)
{
    text_col(st, c, d->from, sizeof d->from);
    if (sqlite3_column_type(st, c + 1) == SQLITE_NULL)
        snprintf(d->to, sizeof d->to, "%s", OPEN_END);
    else
        text_col(st, c + 1, d->to, sizeof d->to);
}

/* Run sql and hand each row to fn: 0 or an EXIT_* code. */
typedef void (*row_fn)(pay_rules *r, sqlite3_stmt *st, void *arg);
static int each_row(sqlite3 *db, const char *sql, row_fn fn, pay_rules *r, void *arg,
                    armms_err *err)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        return err_set(err, EXIT_SOFTWARE, "payroll rules: %s", sqlite3_errmsg(db));
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        fn(r, st, arg);
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return err_set(err, (rc & 0xff) == SQLITE_BUSY ? EXIT_TEMPFAIL : EXIT_SOFTWARE,
                       "payroll rules: %s", sqlite3_errmsg(db));
    return 0;
}

#define GROW(arr, n) ((arr) = xrealloc((arr), sizeof *(arr) * (size_t)((n) + 1)), &(arr)[(n)++])

static void premium_of(pay_rules *r, sqlite3_stmt *st, void *arg)
{
    premium_row *p = GROW(r->premium, r->npremium);
    memset(p, 0, sizeof *p);
    text_col(st, 0, p->p.day_type, sizeof p->p.day_type);
    text_col(st, 1, p->p.code, sizeof p->p.code);
    text_col(st, 2, p->p.label, sizeof p->p.label);
    p->p.regular_bp = sqlite3_column_int(st, 3);
    p->p.ot_bp = sqlite3_column_int(st, 4);
    p->p.nd_bp = sqlite3_column_int(st, 5);
    p->p.unworked_bp = sqlite3_column_int(st, 6);
    dated_col(st, 7, &p->d);
    text_col(st, 9, p->p.source, sizeof p->p.source);
}

static void policy_of(pay_rules *r, sqlite3_stmt *st, void *arg)
{
    policy_row *p = GROW(r->policy, r->npolicy);
    text_col(st, 0, p->key, sizeof p->key);
    text_col(st, 1, p->value, sizeof p->value);
    dated_col(st, 2, &p->d);
}

static void wage_of(pay_rules *r, sqlite3_stmt *st, void *arg)
{
    wage_row *w = GROW(r->wage, r->nwage);
    text_col(st, 0, w->region, sizeof w->region);
    w->rate = sqlite3_column_int64(st, 1);
    dated_col(st, 2, &w->d);
}

static void priority_of(pay_rules *r, sqlite3_stmt *st, void *arg)
{
    priority_row *p = GROW(r->priority, r->npriority);
    text_col(st, 0, p->code, sizeof p->code);
    p->rank = sqlite3_column_int(st, 1);
    dated_col(st, 2, &p->d);
}

static void contribution_of(pay_rules *r, sqlite3_stmt *st, void *arg)
{
    const char *scheme = (const char *)sqlite3_column_text(st, 0);
    int t = !strcmp(scheme, "sss") ? T_SSS : !strcmp(scheme, "philhealth") ? T_PHILHEALTH : T_HDMF;
    bracket *b = GROW(r->t[t].row, r->t[t].nrow);
    memset(b, 0, sizeof *b);
    b->base_from = sqlite3_column_int64(st, 1);
    b->credit = sqlite3_column_type(st, 2) == SQLITE_NULL ? -1 : sqlite3_column_int64(st, 2);
    b->ee_bp = sqlite3_column_int(st, 3);
    b->er_bp = sqlite3_column_int(st, 4);
    b->ec = sqlite3_column_int64(st, 5);
    b->mpf_above = sqlite3_column_type(st, 6) == SQLITE_NULL ? -1 : sqlite3_column_int64(st, 6);
    b->halves = !strcmp((const char *)sqlite3_column_text(st, 7), "halves");
    dated_col(st, 8, &b->d);
    text_col(st, 10, b->source, sizeof b->source);
}

static void tax_of(pay_rules *r, sqlite3_stmt *st, void *arg)
{
    bracket *b = GROW(r->t[T_TAX].row, r->t[T_TAX].nrow);
    memset(b, 0, sizeof *b);
    b->credit = b->mpf_above = -1;
    b->base_from = sqlite3_column_int64(st, 0);
    b->fixed = sqlite3_column_int64(st, 1);
    b->rate_bp = sqlite3_column_int(st, 2);
    dated_col(st, 3, &b->d);
    text_col(st, 5, b->source, sizeof b->source);
}

/* The day after a date text (to + 1), into out; OPEN_END stays. */
static void day_after(const char *date, char out[11])
{
    day_t d;
    if (!strcmp(date, OPEN_END) || date_parse(date, &d)) {
        snprintf(out, 11, "%s", OPEN_END);
        return;
    }
    date_format(d + 1, out);
}

static void day_before(const char *date, char out[11])
{
    day_t d;
    if (!strcmp(date, OPEN_END) || date_parse(date, &d)) {
        snprintf(out, 11, "%s", OPEN_END);
        return;
    }
    date_format(d - 1, out);
}

static int date_cmp(const void *a, const void *b)
{
    return strcmp(a, b);
}

/* Why the rows in force over a span are not a table, into bad ("" when
 * they are one). rows are in base_from order. */
static void span_check(const table *t, const int *in, int n, char *bad, size_t len)
{
    bad[0] = 0;
    if (t->row[in[0]].base_from != 0) {
        char a[24];
        money_format(t->row[in[0]].base_from, a);
        snprintf(bad, len, "its first bracket starts at %s, not at 0.00", a);
        return;
    }
    money_t last = -1, last_fixed = 0;
    for (int i = 0; i < n; i++) {
        const bracket *b = &t->row[in[i]];
        if (b->fixed < last_fixed) {
            char a[24];
            money_format(b->base_from, a);
            snprintf(bad, len, "the tax of the bracket from %s falls below the one before it", a);
            return;
        }
        last_fixed = b->fixed;
        if (b->credit < 0)
            continue;
        if (b->credit <= last) {
            char a[24];
            money_format(b->base_from, a);
            snprintf(bad, len,
                     "the credit of the bracket from %s does not rise above the one before it "
                     "(a bracket of an older schedule left without valid_to?)",
                     a);
            return;
        }
        last = b->credit;
    }
}

/* Cut a table into spans (invariant 2): the dates where its set of rows
 * in force changes are every valid_from and every day after a valid_to. */
static void table_build(table *t)
{
    int nb = 0;
    char(*edge)[11] = xmalloc(sizeof *edge * (size_t)(2 * t->nrow + 1));
    for (int i = 0; i < t->nrow; i++) {
        snprintf(edge[nb++], 11, "%s", t->row[i].d.from);
        day_after(t->row[i].d.to, edge[nb]);
        if (strcmp(edge[nb], OPEN_END))
            nb++;
    }
    qsort(edge, (size_t)nb, sizeof *edge, date_cmp);
    int ne = 0;
    for (int i = 0; i < nb; i++)
        if (ne == 0 || strcmp(edge[ne - 1], edge[i]))
            memmove(edge[ne++], edge[i], 11);
    for (int e = 0; e < ne; e++) {
        const char *from = edge[e];
        int first = t->nin;
        for (int i = 0; i < t->nrow; i++) /* rows are in base_from order */
            if (in_force(&t->row[i].d, from)) {
                t->in = xrealloc(t->in, sizeof *t->in * (size_t)(t->nin + 1));
                t->in[t->nin++] = i;
            }
        if (t->nin == first)
            continue; /* a gap: NO_RULE there */
        span *s = GROW(t->span, t->nspan);
        snprintf(s->from, sizeof s->from, "%s", from);
        if (e + 1 < ne)
            day_before(edge[e + 1], s->to);
        else
            snprintf(s->to, sizeof s->to, "%s", OPEN_END);
        s->first = first;
        s->n = t->nin - first;
        span_check(t, t->in + first, s->n, s->bad, sizeof s->bad);
    }
    free(edge);
}

int pay_rules_load(sqlite3 *db, pay_rules **out, armms_err *err)
{
    pay_rules *r = xcalloc(1, sizeof *r);
    *out = r;
    for (int i = 0; i < T_COUNT; i++)
        r->t[i].name = table_names[i];
    int rc = each_row(db,
                      "SELECT day_type, code, label, regular_bp, ot_bp, nd_bp, unworked_bp,"
                      " valid_from, valid_to, source FROM premium ORDER BY day_type, valid_from",
                      premium_of, r, NULL, err);
    if (!rc)
        rc = each_row(db,
                      "SELECT key, value, valid_from, valid_to FROM pay_policy"
                      " ORDER BY key, valid_from",
                      policy_of, r, NULL, err);
    if (!rc)
        rc = each_row(db,
                      "SELECT region, daily_rate, valid_from, valid_to FROM minimum_wage"
                      " ORDER BY region, valid_from",
                      wage_of, r, NULL, err);
    if (!rc)
        rc = each_row(db,
                      "SELECT code, rank, valid_from, valid_to FROM deduction_priority"
                      " ORDER BY code, valid_from",
                      priority_of, r, NULL, err);
    if (!rc)
        rc = each_row(db,
                      "SELECT scheme, base_from, credit, ee_bp, er_bp, ec, mpf_above, split,"
                      " valid_from, valid_to, source FROM contribution"
                      " ORDER BY scheme, base_from, valid_from",
                      contribution_of, r, NULL, err);
    if (!rc)
        rc = each_row(db,
                      "SELECT base_from, fixed, rate_bp, valid_from, valid_to, source FROM tax"
                      " WHERE frequency = 'semi_monthly' ORDER BY base_from, valid_from",
                      tax_of, r, NULL, err);
    if (rc)
        return rc;
    for (int i = 0; i < T_COUNT; i++)
        table_build(&r->t[i]);
    return 0;
}

void pay_rules_free(pay_rules *r)
{
    if (!r)
        return;
    free(r->premium);
    free(r->policy);
    free(r->wage);
    free(r->priority);
    for (int i = 0; i < T_COUNT; i++) {
        free(r->t[i].row);
        free(r->t[i].span);
        free(r->t[i].in);
    }
    free(r);
}

/* ---- lookups ---------------------------------------------------------------- */

int pay_premium_on(const pay_rules *r, const char *day_type, const char *on, pay_premium *p,
                   rejection *rj)
{
    for (int i = 0; i < r->npremium; i++)
        if (!strcmp(r->premium[i].p.day_type, day_type) && in_force(&r->premium[i].d, on)) {
            *p = r->premium[i].p;
            return 0;
        }
    return rejection_set(rj, "NO_RULE", "no premium for day type %s in force on %s", day_type, on);
}

/* The bracket of base in the table in force on `on`. */
static int bracket_on(const table *t, const char *on, money_t base, const bracket **out,
                      rejection *rj)
{
    int lo = 0, hi = t->nspan - 1, found = -1;
    while (lo <= hi) {
        int mid = (lo + hi) / 2;
        if (strcmp(t->span[mid].to, on) < 0)
            lo = mid + 1;
        else if (strcmp(t->span[mid].from, on) > 0)
            hi = mid - 1;
        else {
            found = mid;
            break;
        }
    }
    if (found < 0)
        return rejection_set(rj, "NO_RULE", "no %s table in force on %s", t->name, on);
    const span *s = &t->span[found];
    if (s->bad[0])
        return rejection_set(rj, "BAD_RULE", "the %s table in force on %s is not a table: %s",
                             t->name, on, s->bad);
    if (base < 0) {
        char a[24];
        money_format(base, a);
        return rejection_set(rj, "BAD_BASE", "a %s base of %s is negative", t->name, a);
    }
    const int *in = t->in + s->first;
    lo = 0, hi = s->n - 1; /* the last bracket from at or below base; the first is from 0 */
    while (lo < hi) {
        int mid = (lo + hi + 1) / 2;
        if (t->row[in[mid]].base_from <= base)
            lo = mid;
        else
            hi = mid - 1;
    }
    *out = &t->row[in[lo]];
    return 0;
}

int pay_contrib_on(const pay_rules *r, const char *scheme, const char *on, money_t base,
                   pay_contrib *c, rejection *rj)
{
    int ti = -1;
    for (int i = 0; i < T_TAX; i++)
        if (!strcmp(table_names[i], scheme))
            ti = i;
    if (ti < 0)
        return rejection_set(rj, "NO_RULE", "no contribution scheme '%s' (sss, philhealth, hdmf)",
                             scheme);
    const bracket *b;
    if (bracket_on(&r->t[ti], on, base, &b, rj))
        return REJECTED;
    memset(c, 0, sizeof *c);
    c->base = base;
    c->credit = b->credit >= 0 ? b->credit : base;
    c->credit_mpf = b->mpf_above >= 0 && c->credit > b->mpf_above ? c->credit - b->mpf_above : 0;
    c->credit_ss = c->credit - c->credit_mpf;
    if (b->halves) {
        /* one premium; the employee's half rounded down, the odd centavo
         * to the employer (PhilHealth) */
        money_t premium = money_scale(c->credit, b->ee_bp + b->er_bp, 10000);
        c->ee = premium / 2;
        c->er = premium - c->ee;
    } else {
        /* the regular part and the MPF part are shares of their own, as
         * the remittance reports them; the totals are their sums */
        c->ee_mpf = money_scale(c->credit_mpf, b->ee_bp, 10000);
        c->er_mpf = money_scale(c->credit_mpf, b->er_bp, 10000);
        c->ee = money_scale(c->credit_ss, b->ee_bp, 10000) + c->ee_mpf;
        c->er = money_scale(c->credit_ss, b->er_bp, 10000) + c->er_mpf;
    }
    c->ec = b->ec;
    snprintf(c->source, sizeof c->source, "%s", b->source);
    return 0;
}

int pay_tax_on(const pay_rules *r, const char *on, money_t taxable, money_t *tax, char *source,
               size_t n, rejection *rj)
{
    const bracket *b;
    if (bracket_on(&r->t[T_TAX], on, taxable < 0 ? 0 : taxable, &b, rj))
        return REJECTED;
    /* nothing taxable (deductions above gross) is no tax */
    *tax = taxable <= 0 ? 0 : b->fixed + money_scale(taxable - b->base_from, b->rate_bp, 10000);
    if (source && n)
        snprintf(source, n, "%s", b->source);
    return 0;
}

int pay_min_wage_on(const pay_rules *r, const char *region, const char *on, money_t *rate)
{
    if (!region)
        return 0;
    for (int i = 0; i < r->nwage; i++)
        if (!strcmp(r->wage[i].region, region) && in_force(&r->wage[i].d, on)) {
            *rate = r->wage[i].rate;
            return 1;
        }
    return 0;
}

int pay_policy_on(const pay_rules *r, const char *key, const char *on, const char **val,
                  rejection *rj)
{
    for (int i = 0; i < r->npolicy; i++)
        if (!strcmp(r->policy[i].key, key) && in_force(&r->policy[i].d, on)) {
            *val = r->policy[i].value;
            return 0;
        }
    return rejection_set(rj, "NO_RULE", "no pay policy %s in force on %s", key, on);
}

int pay_priority_on(const pay_rules *r, const char *code, const char *on)
{
    int other = INT_MAX;
    for (int i = 0; i < r->npriority; i++) {
        if (!in_force(&r->priority[i].d, on))
            continue;
        if (!strcmp(r->priority[i].code, code))
            return r->priority[i].rank;
        if (!strcmp(r->priority[i].code, "OTHER"))
            other = r->priority[i].rank;
    }
    return other;
}
