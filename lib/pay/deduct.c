/*
 * deduct.c - see deduct.h.
 *
 * Invariants (asserted where cheap):
 *  1. the stored paysheet's lines sum to its gross, and gross - the
 *     APPLIED deduction amounts = net;
 *  2. every schedule row of the guard's obligations in the period is an
 *     item of the paysheet (a line or a deduction) and its status is the
 *     item's: APPLIED, DEFERRED (the net floor), WAIVED (an officer), or
 *     DUE again when a stopped obligation is no longer taken;
 *  3. a rerun on unchanged data writes nothing: a NET_FLOOR deferral the
 *     same computation would make again is left as it is.
 */
#include "pay/deduct.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/ndjson.h"
#include "pay/waiver.h"

/* ---- small jv helpers (looked at) ---- */

static long long jint_peek(jv o, const char *key, long long dflt)
{
    if (jv_get_kind(o) != JV_KIND_OBJECT)
        return dflt;
    jv v = jv_object_get(jv_copy(o), jv_string(key));
    long long r = jv_get_kind(v) == JV_KIND_NUMBER ? (long long)jv_number_value(v) : dflt;
    jv_free(v);
    return r;
}

static int jtrue_peek(jv o, const char *key)
{
    jv v = jv_object_get(jv_copy(o), jv_string(key));
    int r = jv_get_kind(v) == JV_KIND_TRUE;
    jv_free(v);
    return r;
}

static const char *jstr_peek(jv o, const char *key)
{
    const char *s = json_str_peek(o, key, NULL);
    return s ? s : "";
}

static jv jnum(long long v)
{
    return jv_number((double)v);
}

/* ---- statements ---- */

enum {
    Q_ITEMS,
    Q_WAIVER,
    Q_MOVED,
    Q_OB_INS,
    Q_ROW_INS,
    Q_ROW_SET,
    Q_ROW_STATUS,
    Q_ROW_DEL,
    Q_WAIVER_DEL,
    Q_REGION,
    Q_MAXSEQ,
    Q_SHEETS,
    Q_N
};

static const char *const q_sql[Q_N] = {
    [Q_ITEMS] =
        "SELECT o.obligation_id, o.kind, o.code, o.label, o.installment,"
        " o.installments IS NULL AND o.principal IS NULL, o.frequency, o.taxable, o.status,"
        " o.start_period, s.seq, s.amount, s.employer_share, s.status,"
        " coalesce(s.waiver_id, ''), coalesce(s.moved_from, 0),"
        " (SELECT count(*) FROM obligation_schedule x WHERE x.obligation_id = o.obligation_id"
        "  AND +x.period_id = ?2 AND x.moved_from IS NULL)"
        " FROM obligation o LEFT JOIN obligation_schedule s"
        " ON s.obligation_id = o.obligation_id AND +s.period_id = ?2"
        " WHERE o.guard_id = ?1 ORDER BY o.obligation_id, s.seq",
    [Q_WAIVER] = "SELECT reason, policy, coalesce(to_period, ''), period_id FROM waiver"
                 " WHERE waiver_id = ?1",
    [Q_MOVED] = "SELECT seq, status, period_id FROM obligation_schedule WHERE obligation_id = ?1"
                " AND waiver_id = ?2 AND moved_from IS NOT NULL ORDER BY seq",
    [Q_OB_INS] = "INSERT INTO obligation(obligation_id, guard_id, kind, code, label, principal,"
                 " installment, installments, start_period, frequency, taxable, status)"
                 " VALUES (?1, ?2, 'statutory', ?3, ?4, NULL, ?5, 1, ?6, ?7, 0, 'ACTIVE')"
                 " ON CONFLICT(obligation_id) DO UPDATE SET installment = excluded.installment",
    [Q_ROW_INS] = "INSERT INTO obligation_schedule(obligation_id, seq, period_id, amount,"
                  " employer_share, status) VALUES (?1, ?2, ?3, ?4, ?5, 'DUE')",
    [Q_ROW_SET] = "UPDATE obligation_schedule SET amount = ?3, employer_share = ?4"
                  " WHERE obligation_id = ?1 AND seq = ?2",
    [Q_ROW_STATUS] = "UPDATE obligation_schedule SET status = ?3,"
                     " waiver_id = CASE WHEN ?3 IN ('DUE', 'APPLIED') THEN NULL ELSE waiver_id END"
                     " WHERE obligation_id = ?1 AND seq = ?2",
    [Q_ROW_DEL] = "DELETE FROM obligation_schedule WHERE obligation_id = ?1 AND seq = ?2",
    [Q_WAIVER_DEL] = "DELETE FROM waiver WHERE waiver_id = ?1",
    [Q_REGION] = "SELECT DISTINCT coalesce(d.region, '') FROM json_each(?1) j"
                 " LEFT JOIN hr.detachment d ON d.detachment_id = j.value",
    [Q_MAXSEQ] = "SELECT coalesce(max(seq), 0) FROM obligation_schedule WHERE obligation_id = ?1",
    [Q_SHEETS] = "SELECT guard_id FROM paysheet WHERE period_id = ?1"
                 " AND (?2 IS NULL OR guard_id = ?2) ORDER BY guard_id",
};

typedef struct dctx {
    store_t *s;
    const pay_rules *rules;
    sqlite3_stmt *st[Q_N];
} dctx;

static int stmt(dctx *c, int q, sqlite3_stmt **out, armms_err *err)
{
    *out = NULL;
    if (!c->st[q] && store_prepare(c->s, &c->st[q], q_sql[q], err))
        return err->code;
    sqlite3_reset(c->st[q]);
    sqlite3_clear_bindings(c->st[q]);
    *out = c->st[q];
    return 0;
}

static void dctx_free(dctx *c)
{
    for (int i = 0; i < Q_N; i++)
        sqlite3_finalize(c->st[i]);
}

static void bt(sqlite3_stmt *st, int i, const char *s)
{
    if (s)
        sqlite3_bind_text(st, i, s, -1, SQLITE_TRANSIENT);
    else
        sqlite3_bind_null(st, i);
}

static const char *col(sqlite3_stmt *st, int i)
{
    const char *s = (const char *)sqlite3_column_text(st, i);
    return s ? s : "";
}

static int done(dctx *c, sqlite3_stmt *st, const char *what, armms_err *err)
{
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? 0 : store_fail(c->s, rc, what, err);
}

/* ---- the items of one paysheet ---- */

enum { K_ADD, K_STAT, K_OTHER }; /* a line, a contribution, any other deduction */

typedef struct item {
    char obligation_id[96], kind[16], code[40], label[128];
    int cls;
    int taxable;
    long seq; /* 0: an open-ended obligation's installment with no row */
    money_t amount, er, ec;
    money_t stored_amount, stored_er; /* the row as stored (seq > 0) */
    int row_status;                   /* SR_* as stored */
    long moved_from;                  /* the row's moved_from (0: its own installment) */
    int fixed;                        /* WAIVED, or DEFERRED for good: not taken, not touched */
    int stopped;                      /* a row of a STOPPED obligation: taken back to DUE */
    char waiver_id[40], reason[64], policy[16], to_period[12];
    int undoable;   /* this period's own NET_FLOOR deferral, its moved row still DUE */
    int month_stat; /* this month's contribution, computed in this run */
    int rank;
    int applied; /* the outcome */
    jv detail;   /* extra fields of a contribution (base, credit, ...) or jv_null */
} item;

typedef struct items {
    item *v;
    size_t n, cap;
} items;

static item *item_new(items *a)
{
    if (a->n == a->cap) {
        a->cap = a->cap ? 2 * a->cap : 16;
        a->v = xrealloc(a->v, a->cap * sizeof *a->v);
    }
    item *it = &a->v[a->n++];
    memset(it, 0, sizeof *it);
    it->detail = jv_null();
    return it;
}

static void items_free(items *a)
{
    for (size_t i = 0; i < a->n; i++)
        jv_free(a->v[i].detail);
    free(a->v);
    memset(a, 0, sizeof *a);
}

static int status_of(const char *s)
{
    for (int i = 0; sched_status_names[i]; i++)
        if (strcmp(sched_status_names[i], s) == 0)
            return i;
    return SR_DUE;
}

/* A waived or deferred row: its waiver, and whether it is this period's
 * own NET_FLOOR deferral that a recompute may take back. */
static int read_waiver(dctx *c, item *it, const char *period, armms_err *err)
{
    sqlite3_stmt *st;
    if (stmt(c, Q_WAIVER, &st, err))
        return err->code;
    bt(st, 1, it->waiver_id);
    int own = 0;
    if (sqlite3_step(st) == SQLITE_ROW) {
        snprintf(it->reason, sizeof it->reason, "%s", col(st, 0));
        snprintf(it->policy, sizeof it->policy, "%s", col(st, 1));
        snprintf(it->to_period, sizeof it->to_period, "%s", col(st, 2));
        own = strcmp(col(st, 0), "NET_FLOOR") == 0 && strcmp(col(st, 3), period) == 0 &&
              it->row_status == SR_DEFERRED;
    }
    sqlite3_reset(st);
    if (!own)
        return 0;
    if (stmt(c, Q_MOVED, &st, err))
        return err->code;
    bt(st, 1, it->obligation_id);
    bt(st, 2, it->waiver_id);
    int rows = 0, due = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        rows++;
        due += strcmp(col(st, 1), "DUE") == 0;
        if (!it->to_period[0])
            snprintf(it->to_period, sizeof it->to_period, "%s", col(st, 2));
    }
    sqlite3_reset(st);
    it->undoable = rows > 0 && rows == due;
    return 0;
}

/* Does the open-ended obligation take an installment in period? */
static int takes(const char *freq, const char *start, const char *period)
{
    if (strcmp(start, period) > 0)
        return 0;
    return freq[0] == 'e' || freq[0] == period[8];
}

static int load_items(dctx *c, const char *guard, const char *period, items *a, armms_err *err)
{
    sqlite3_stmt *st;
    if (stmt(c, Q_ITEMS, &st, err))
        return err->code;
    bt(st, 1, guard);
    bt(st, 2, period);
    char last[96] = "";
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *id = col(st, 0), *kind = col(st, 1), *ostatus = col(st, 8);
        int open = sqlite3_column_int(st, 5), first = strcmp(id, last) != 0;
        int has_row = sqlite3_column_type(st, 10) != SQLITE_NULL;
        snprintf(last, sizeof last, "%s", id);
        int active = strcmp(ostatus, "ACTIVE") == 0;
        if (!has_row && !(open && active && takes(col(st, 6), col(st, 9), period)))
            continue;
        item *it = item_new(a);
        snprintf(it->obligation_id, sizeof it->obligation_id, "%s", id);
        snprintf(it->kind, sizeof it->kind, "%s", kind);
        snprintf(it->code, sizeof it->code, "%s", col(st, 2));
        snprintf(it->label, sizeof it->label, "%s", col(st, 3));
        it->cls = strcmp(kind, "allowance") == 0 || strcmp(kind, "reward") == 0 ? K_ADD
                  : strcmp(kind, "statutory") == 0                              ? K_STAT
                                                                                : K_OTHER;
        it->taxable = sqlite3_column_int(st, 7);
        it->stopped = !active;
        if (!has_row) {
            it->amount = sqlite3_column_int64(st, 4);
            continue;
        }
        it->seq = sqlite3_column_int64(st, 10);
        it->amount = it->stored_amount = sqlite3_column_int64(st, 11);
        it->er = it->stored_er = sqlite3_column_int64(st, 12);
        it->row_status = status_of(col(st, 13));
        snprintf(it->waiver_id, sizeof it->waiver_id, "%s", col(st, 14));
        it->moved_from = sqlite3_column_int64(st, 15);
        /* an open-ended obligation with a row of its own in the period:
         * that row is its installment (first row only counts once) */
        (void)first;
    }
    sqlite3_reset(st);
    if (rc != SQLITE_DONE)
        return store_fail(c->s, rc, "obligations", err);
    for (size_t i = 0; i < a->n; i++) {
        item *it = &a->v[i];
        if (it->row_status == SR_WAIVED || it->row_status == SR_DEFERRED) {
            if (read_waiver(c, it, period, err))
                return err->code;
            it->fixed = !it->undoable;
        }
    }
    return 0;
}

/* ---- bases ---- */

/* Compensation for SSS (and Pag-IBIG on "compensation"): basic, OT, ND,
 * holiday and premium pay and their adjustments, and taxable additions;
 * not non-taxable allowances or reimbursements. */
static money_t compensation_peek(jv lines)
{
    money_t sum = 0;
    jv_array_foreach(lines, i, l)
    {
        const char *kind = jstr_peek(l, "kind");
        if (strcmp(kind, "earning") == 0 || strcmp(kind, "adjustment") == 0 ||
            jtrue_peek(l, "taxable"))
            sum += jint_peek(l, "amount", 0);
        jv_free(l);
    }
    return sum;
}

/* The basic daily rate with the most minutes (ties: the higher rate); 0
 * without basic lines. */
static money_t main_rate_peek(jv lines)
{
    struct {
        money_t rate;
        long long min;
    } r[32];
    int n = 0;
    jv_array_foreach(lines, i, l)
    {
        if (jtrue_peek(l, "basic") && jint_peek(l, "daily_rate", 0) > 0) {
            money_t rate = jint_peek(l, "daily_rate", 0);
            int k;
            for (k = 0; k < n && r[k].rate != rate; k++)
                ;
            if (k == n && n < 32)
                r[n].rate = rate, r[n].min = 0, n++;
            if (k < n)
                r[k].min += jint_peek(l, "minutes", 0);
        }
        jv_free(l);
    }
    money_t best = 0;
    long long bmin = -1;
    for (int k = 0; k < n; k++)
        if (r[k].min > bmin || (r[k].min == bmin && r[k].rate > best))
            best = r[k].rate, bmin = r[k].min;
    return best;
}

/* ---- one guard ---- */

typedef struct period_t {
    char id[12], from[12], to[12], month[8], half;
    char other[12]; /* the month's other half */
    int other_earlier;
} period_t;

static void period_fill(period_t *p, const char *id)
{
    memset(p, 0, sizeof *p);
    snprintf(p->id, sizeof p->id, "%s", id);
    day_t f, t;
    if (period_parse(id, &f, &t) == 0) {
        date_format(f, p->from);
        date_format(t, p->to);
    }
    memcpy(p->month, id, 7);
    p->half = id[8];
    snprintf(p->other, sizeof p->other, "%.7s-%c", id, p->half == 'A' ? 'B' : 'A');
    p->other_earlier = p->half == 'B';
}

typedef struct tax_ctx {
    const pay_rules *rules;
    const char *on;
    money_t base;
    int subtract; /* the contributions lower taxable (not for a minimum wage earner) */
    money_t taxable;
} tax_ctx;

static money_t tax_for(money_t stat, void *vctx)
{
    tax_ctx *t = vctx;
    money_t taxable = t->base - (t->subtract ? stat : 0);
    if (taxable < 0)
        taxable = 0;
    t->taxable = taxable;
    money_t tax = 0;
    char src[128];
    rejection rj = {0};
    if (pay_tax_on(t->rules, t->on, taxable, &tax, src, sizeof src, &rj) != 0)
        tax = 0; /* checked once before settling */
    return tax;
}

static const struct scheme {
    const char *scheme, *code, *policy, *label;
} schemes[] = {
    {"sss", "SSS", "sss_run", "SSS contribution"},
    {"philhealth", "PHILHEALTH", "philhealth_run", "PhilHealth premium"},
    {"hdmf", "HDMF", "hdmf_run", "Pag-IBIG contribution"},
};

/* The monthly equivalent of a daily rate: daily x days_per_year / 12. */
static int monthly_equivalent(const pay_rules *r, const char *on, money_t daily, money_t *out,
                              rejection *rj)
{
    const char *v;
    if (pay_policy_on(r, "days_per_year", on, &v, rj))
        return REJECTED;
    money_t dpy; /* in hundredths: 313 -> 31300, 393.5 -> 39350 */
    if (money_parse(v, &dpy) != 0 || dpy <= 0)
        return rejection_set(rj, "NO_RULE", "policy days_per_year '%s' is not a number", v);
    *out = money_scale(daily, dpy, 1200);
    return 0;
}

/* This month's contributions taken in this run: computed into items
 * (existing rows updated in place, missing ones added). */
static int contributions_peek(dctx *c, const period_t *p, const char *guard, jv lines, jv other,
                              int other_found, int other_closed, long long other_version, items *a,
                              rejection *rj)
{
    const char *on = p->to;
    money_t comp_here = compensation_peek(lines);
    money_t comp_other = other_found && p->other_earlier ? compensation_peek(other) : 0;
    money_t rate = main_rate_peek(lines);
    if (!rate && other_found)
        rate = main_rate_peek(other);
    for (size_t k = 0; k < sizeof schemes / sizeof *schemes; k++) {
        const struct scheme *sc = &schemes[k];
        const char *run;
        if (pay_policy_on(c->rules, sc->policy, on, &run, rj))
            return REJECTED;
        /* A contribution of the 1st-15th run is taken in the 16th-end run
         * when the guard had no paysheet in the first half (started, or
         * came back, mid-month), so the month is not left without it. */
        int catch_up = run[0] == 'A' && p->half == 'B' && !other_found;
        if (run[0] != p->half && !catch_up)
            continue;
        money_t base = 0;
        jv detail = jv_object();
        int by_comp = strcmp(sc->scheme, "sss") == 0;
        if (strcmp(sc->scheme, "hdmf") == 0) {
            const char *hb;
            if (pay_policy_on(c->rules, "hdmf_base", on, &hb, rj)) {
                jv_free(detail);
                return REJECTED;
            }
            by_comp = strcmp(hb, "actual") == 0 || strcmp(hb, "compensation") == 0;
        }
        if (by_comp) {
            base = comp_here + comp_other;
            jv mb = jv_array();
            if (other_found && p->other_earlier)
                mb = jv_array_append(
                    mb,
                    jv_object_set(
                        jv_object_set(jv_object_set(jv_object_set(jv_object(), jv_string("period"),
                                                                  jv_string(p->other)),
                                                    jv_string("amount"), jnum(comp_other)),
                                      jv_string("version"), jnum(other_version)),
                        jv_string("closed"), jv_bool(other_closed)));
            mb = jv_array_append(mb, jv_object_set(jv_object_set(jv_object(), jv_string("period"),
                                                                 jv_string(p->id)),
                                                   jv_string("amount"), jnum(comp_here)));
            detail = jv_object_set(detail, jv_string("month_base"), mb);
        } else if (rate) {
            if (monthly_equivalent(c->rules, on, rate, &base, rj)) {
                jv_free(detail);
                return REJECTED;
            }
            detail = jv_object_set(detail, jv_string("daily_rate"), jnum(rate));
        }
        if (base <= 0) {
            jv_free(detail);
            continue;
        }
        pay_contrib ct;
        if (pay_contrib_on(c->rules, sc->scheme, on, base, &ct, rj)) {
            jv_free(detail);
            return REJECTED;
        }
        char id[96];
        snprintf(id, sizeof id, "%s/%s/%s", sc->code, p->month, guard);
        item *it = NULL;
        for (size_t i = 0; i < a->n; i++)
            if (strcmp(a->v[i].obligation_id, id) == 0 && a->v[i].seq && !a->v[i].moved_from)
                it = &a->v[i];
        if (!it) {
            it = item_new(a);
            snprintf(it->obligation_id, sizeof it->obligation_id, "%s", id);
            snprintf(it->kind, sizeof it->kind, "statutory");
            it->cls = K_STAT;
            it->row_status = -1; /* no row yet */
        }
        snprintf(it->code, sizeof it->code, "%s", sc->code);
        snprintf(it->label, sizeof it->label, "%s %s", sc->label, p->month);
        detail = jv_object_set(detail, jv_string("base"), jnum(ct.base));
        detail = jv_object_set(detail, jv_string("credit"), jnum(ct.credit));
        if (strcmp(sc->scheme, "sss") == 0) {
            detail = jv_object_set(detail, jv_string("credit_ss"), jnum(ct.credit_ss));
            detail = jv_object_set(detail, jv_string("credit_mpf"), jnum(ct.credit_mpf));
            detail = jv_object_set(detail, jv_string("ee_mpf"), jnum(ct.ee_mpf));
            detail = jv_object_set(detail, jv_string("er_mpf"), jnum(ct.er_mpf));
        }
        detail = jv_object_set(detail, jv_string("source"), jv_string(ct.source));
        if (catch_up)
            detail = jv_object_set(detail, jv_string("catch_up"), jv_true());
        jv_free(it->detail);
        it->detail = detail;
        if (it->fixed) {
            /* waived or deferred for good: the figures it moved stand; the
             * employer's share owed is told apart from EC when it is this
             * computation's */
            if (it->stored_er == ct.er + ct.ec)
                it->er = ct.er, it->ec = ct.ec;
            continue;
        }
        it->month_stat = 1;
        it->amount = ct.ee;
        it->er = ct.er;
        it->ec = ct.ec;
    }
    return 0;
}

/* The regions of the guard's detachments (from the snapshot ids
 * PERIOD/GUARD/DETACHMENT/SHIFT of sources); the lowest minimum wage in
 * force among them, 0 when one of them has none. */
static int minimum_wage_peek(dctx *c, jv sources, const char *on, money_t *min, armms_err *err)
{
    jv dets = jv_array();
    if (jv_get_kind(sources) == JV_KIND_ARRAY)
        jv_array_foreach(sources, i, src)
        {
            const char *tid = jstr_peek(src, "timesheet_id");
            const char *a = strchr(tid, '/'), *b = a ? strchr(a + 1, '/') : NULL;
            const char *e = b ? strchr(b + 1, '/') : NULL;
            if (b && e)
                dets = jv_array_append(dets, jv_string_sized(b + 1, (int)(e - b - 1)));
            jv_free(src);
        }
    char *js = json_canonical(dets); /* consumes dets */
    sqlite3_stmt *st;
    *min = 0;
    if (stmt(c, Q_REGION, &st, err)) {
        free(js);
        return err->code;
    }
    bt(st, 1, js);
    free(js);
    int n = 0, none = 0;
    money_t low = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        money_t m;
        n++;
        if (!pay_min_wage_on(c->rules, col(st, 0), on, &m))
            none = 1;
        else if (!low || m < low)
            low = m;
    }
    sqlite3_reset(st);
    *min = n && !none ? low : 0;
    return 0;
}

static int mwe_peek(jv lines, money_t min)
{
    int basic = 0;
    if (!min)
        return 0;
    int ok = 1;
    jv_array_foreach(lines, i, l)
    {
        if (jtrue_peek(l, "basic") && jint_peek(l, "daily_rate", 0) > 0) {
            basic = 1;
            if (jint_peek(l, "daily_rate", 0) > min)
                ok = 0;
        }
        jv_free(l);
    }
    return basic && ok;
}

static int by_rank(const void *x, const void *y)
{
    const item *a = x, *b = y;
    if (a->rank != b->rank)
        return a->rank < b->rank ? -1 : 1;
    int k = strcmp(a->obligation_id, b->obligation_id);
    return k ? k : (a->seq > b->seq) - (a->seq < b->seq);
}

static jv deduction_json(const item *it)
{
    jv d = jv_object();
    d = jv_object_set(d, jv_string("code"), jv_string(it->code));
    d = jv_object_set(d, jv_string("label"), jv_string(it->label));
    d = jv_object_set(d, jv_string("kind"),
                      jv_string(it->cls == K_STAT               ? "statutory"
                                : strcmp(it->kind, "loan") == 0 ? "loan"
                                                                : "deduction"));
    d = jv_object_set(d, jv_string("amount"), jnum(it->amount));
    if (it->cls == K_STAT) {
        d = jv_object_set(d, jv_string("employer_share"), jnum(it->er));
        if (strcmp(it->code, "SSS") == 0 && (it->ec || it->month_stat))
            d = jv_object_set(d, jv_string("ec"), jnum(it->ec));
    }
    if (jv_get_kind(it->detail) == JV_KIND_OBJECT)
        jv_object_foreach(it->detail, k, v) d = jv_object_set(d, k, v);
    d = jv_object_set(d, jv_string("obligation_id"), jv_string(it->obligation_id));
    if (it->seq)
        d = jv_object_set(d, jv_string("seq"), jnum(it->seq));
    const char *status = it->applied                   ? "APPLIED"
                         : it->row_status == SR_WAIVED ? "WAIVED"
                                                       : "DEFERRED";
    d = jv_object_set(d, jv_string("status"), jv_string(status));
    if (!it->applied) {
        jv w = jv_object_set(jv_object(), jv_string("reason"),
                             jv_string(it->reason[0] ? it->reason : "NET_FLOOR"));
        w = jv_object_set(w, jv_string("policy"), jv_string(it->policy[0] ? it->policy : "carry"));
        if (it->to_period[0])
            w = jv_object_set(w, jv_string("to_period"), jv_string(it->to_period));
        if (it->waiver_id[0])
            w = jv_object_set(w, jv_string("waiver_id"), jv_string(it->waiver_id));
        d = jv_object_set(d, jv_string("waiver"), w);
    }
    return d;
}

static int set_status(dctx *c, const item *it, int status, armms_err *err)
{
    sqlite3_stmt *st;
    if (stmt(c, Q_ROW_STATUS, &st, err))
        return err->code;
    bt(st, 1, it->obligation_id);
    sqlite3_bind_int64(st, 2, it->seq);
    bt(st, 3, sched_status_names[status]);
    return done(c, st, "obligation_schedule", err);
}

static long max_seq(dctx *c, const char *id, armms_err *err)
{
    sqlite3_stmt *st;
    if (stmt(c, Q_MAXSEQ, &st, err))
        return -1;
    bt(st, 1, id);
    long m = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    sqlite3_reset(st);
    return m;
}

static int insert_row(dctx *c, const char *id, long seq, const char *period, money_t amt,
                      money_t er, armms_err *err)
{
    sqlite3_stmt *st;
    if (stmt(c, Q_ROW_INS, &st, err))
        return err->code;
    bt(st, 1, id);
    sqlite3_bind_int64(st, 2, seq);
    bt(st, 3, period);
    sqlite3_bind_int64(st, 4, amt);
    sqlite3_bind_int64(st, 5, er);
    return done(c, st, "obligation_schedule", err);
}

/* Take back this period's own NET_FLOOR deferral of it: its moved rows go,
 * its waiver goes, the row is DUE again. Journaled. */
static int undo_deferral(dctx *c, item *it, const char *period, armms_err *err)
{
    sqlite3_stmt *st;
    if (stmt(c, Q_MOVED, &st, err))
        return err->code;
    bt(st, 1, it->obligation_id);
    bt(st, 2, it->waiver_id);
    long seqs[64];
    int n = 0;
    while (sqlite3_step(st) == SQLITE_ROW && n < 64)
        seqs[n++] = sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    for (int i = 0; i < n; i++) {
        if (stmt(c, Q_ROW_DEL, &st, err))
            return err->code;
        bt(st, 1, it->obligation_id);
        sqlite3_bind_int64(st, 2, seqs[i]);
        if (done(c, st, "obligation_schedule", err))
            return err->code;
    }
    if (stmt(c, Q_WAIVER_DEL, &st, err))
        return err->code;
    bt(st, 1, it->waiver_id);
    if (done(c, st, "waiver", err) || set_status(c, it, SR_DUE, err))
        return err->code;
    strbuf p;
    sb_init(&p);
    sb_adds(&p, "{\"waiver_id\":");
    sb_add_json_str(&p, it->waiver_id, strlen(it->waiver_id));
    sb_add_json_kv(&p, "obligation_id", it->obligation_id);
    sb_add_json_kv(&p, "period", period);
    sb_addf(&p, ",\"seq\":%ld,\"amount\":%lld,\"reason\":\"NET_FLOOR\"}", it->seq,
            (long long)it->stored_amount);
    int rc = store_emit(c->s, "ObligationDeferralUndone", "Obligation", it->obligation_id, p.s,
                        p.len, err);
    sb_free(&p);
    it->row_status = SR_DUE;
    it->waiver_id[0] = it->reason[0] = it->policy[0] = it->to_period[0] = 0;
    it->undoable = 0;
    return rc;
}

/* This month's contribution row: made or brought to the figures computed. */
static int assess(dctx *c, item *it, const char *guard, const period_t *p, armms_err *err)
{
    sqlite3_stmt *st;
    money_t owed_er = it->er + it->ec; /* the row keeps what the agency owes, EC included */
    if (it->row_status == -1) {
        if (stmt(c, Q_OB_INS, &st, err))
            return err->code;
        bt(st, 1, it->obligation_id);
        bt(st, 2, guard);
        bt(st, 3, it->code);
        bt(st, 4, it->label);
        sqlite3_bind_int64(st, 5, it->amount > 0 ? it->amount : 1);
        bt(st, 6, p->id);
        char half[2] = {p->half, 0};
        bt(st, 7, half);
        if (done(c, st, "obligation", err))
            return err->code;
        long seq = max_seq(c, it->obligation_id, err);
        if (seq < 0)
            return err->code;
        /* seq 1, unless the month's contribution already has rows (a
         * policy that changed its run): then the next one */
        if (insert_row(c, it->obligation_id, seq + 1, p->id, it->amount, owed_er, err))
            return err->code;
        it->seq = seq + 1;
        it->row_status = SR_DUE;
    } else if (it->stored_amount == it->amount && it->stored_er == owed_er) {
        return 0;
    } else {
        if (stmt(c, Q_ROW_SET, &st, err))
            return err->code;
        bt(st, 1, it->obligation_id);
        sqlite3_bind_int64(st, 2, it->seq);
        sqlite3_bind_int64(st, 3, it->amount);
        sqlite3_bind_int64(st, 4, owed_er);
        if (done(c, st, "obligation_schedule", err))
            return err->code;
    }
    it->stored_amount = it->amount;
    it->stored_er = owed_er;
    strbuf b;
    sb_init(&b);
    sb_adds(&b, "{\"obligation_id\":");
    sb_add_json_str(&b, it->obligation_id, strlen(it->obligation_id));
    sb_add_json_kv(&b, "guard_id", guard);
    sb_add_json_kv(&b, "period", p->id);
    sb_addf(&b, ",\"seq\":%ld,\"employee_share\":%lld,\"employer_share\":%lld,\"ec\":%lld}",
            it->seq, (long long)it->amount, (long long)it->er, (long long)it->ec);
    int rc =
        store_emit(c->s, "ContributionAssessed", "Obligation", it->obligation_id, b.s, b.len, err);
    sb_free(&b);
    return rc;
}

/* Write what the settled items mean for the schedule. */
static int write_items(dctx *c, items *a, const char *guard, const period_t *p, rejection *rj,
                       armms_err *err)
{
    for (size_t i = 0; i < a->n; i++) {
        item *it = &a->v[i];
        if (it->fixed)
            continue;
        int same_deferral = !it->applied && it->undoable && it->stored_amount == it->amount &&
                            (!it->month_stat || it->stored_er == it->er + it->ec);
        if (same_deferral)
            continue; /* what this computation would do again */
        if (it->undoable && undo_deferral(c, it, p->id, err))
            return err->code;
        if (it->month_stat && assess(c, it, guard, p, err))
            return err->code;
        if (it->stopped) {
            if (it->seq && it->row_status == SR_APPLIED && set_status(c, it, SR_DUE, err))
                return err->code;
            continue;
        }
        if (it->applied) {
            if (it->seq && it->row_status != SR_APPLIED && set_status(c, it, SR_APPLIED, err))
                return err->code;
            it->row_status = SR_APPLIED;
            continue;
        }
        /* the net floor defers it */
        if (!it->seq) { /* an open-ended installment gets its row first */
            long m = max_seq(c, it->obligation_id, err);
            if (m < 0 || insert_row(c, it->obligation_id, m + 1, p->id, it->amount, 0, err))
                return err->code;
            it->seq = m + 1;
        }
        if (it->row_status == SR_APPLIED && set_status(c, it, SR_DUE, err))
            return err->code;
        waive_req w = {.obligation_id = it->obligation_id,
                       .period = p->id,
                       .reason = "NET_FLOOR",
                       .policy = WAIVE_CARRY,
                       .seq = it->seq};
        jv rec;
        int rc = pay_waive_in_tx(c->s, &w, NULL, &rec, rj, err);
        if (rc)
            return rc;
        snprintf(it->waiver_id, sizeof it->waiver_id, "%s", jstr_peek(rec, "waiver_id"));
        snprintf(it->to_period, sizeof it->to_period, "%s", jstr_peek(rec, "to_period"));
        snprintf(it->reason, sizeof it->reason, "NET_FLOOR");
        snprintf(it->policy, sizeof it->policy, "carry");
        it->row_status = SR_DEFERRED;
        jv_free(rec);
    }
    return 0;
}

/* Take one guard's paysheet of p to stage net. REJECTED with rj for a
 * rule missing or a locked period; *line gets the stored record. */
static int deduct_one(dctx *c, const period_t *p, const char *guard, strbuf *line, int *changed,
                      rejection *rj, armms_err *err)
{
    char id[128];
    snprintf(id, sizeof id, "%s/%s", p->id, guard);
    jv rec, other = jv_invalid();
    int found, ofound = 0, rc;
    if ((rc = paysheet_load(c->s, id, &rec, &found, err)))
        return rc;
    if (!found)
        return rejection_set(rj, "NOT_FOUND", "no paysheet %s: run armms-pay for %s first", id,
                             p->id);
    char oid[128], ostatus[16] = "";
    snprintf(oid, sizeof oid, "%s/%s", p->other, guard);
    if (p->other_earlier) {
        if ((rc = paysheet_load(c->s, oid, &other, &ofound, err)) ||
            (ofound && (rc = payrun_status(c->s, p->other, ostatus, err)))) {
            jv_free(rec);
            jv_free(other);
            return rc;
        }
    }
    /* the earnings: every line not made from an obligation */
    jv lines = jv_array();
    jv stored = jv_object_get(jv_copy(rec), jv_string("lines"));
    if (jv_get_kind(stored) == JV_KIND_ARRAY)
        jv_array_foreach(stored, i, l)
        {
            if (json_has_peek(l, "obligation_id"))
                jv_free(l);
            else
                lines = jv_array_append(lines, l);
        }
    jv_free(stored);
    jv olines = ofound ? jv_object_get(jv_copy(other), jv_string("lines")) : jv_array();
    items a = {0};
    rc = load_items(c, guard, p->id, &a, err);
    if (!rc)
        rc = contributions_peek(c, p, guard, lines, olines, ofound, strcmp(ostatus, "CLOSED") == 0,
                                ofound ? jint_peek(other, "version", 0) : 0, &a, rj);
    jv_free(olines);
    jv_free(other);
    money_t min = 0;
    {
        jv srcs = jv_object_get(jv_copy(rec), jv_string("sources"));
        if (!rc)
            rc = minimum_wage_peek(c, srcs, p->to, &min, err);
        jv_free(srcs);
    }
    int mwe = !rc && mwe_peek(lines, min);

    /* additions become lines */
    money_t gross = 0, taxable_all = 0, taxable_add = 0;
    for (size_t i = 0; !rc && i < a.n; i++) {
        item *it = &a.v[i];
        if (it->cls != K_ADD || it->stopped)
            continue;
        it->applied = 1;
        jv l = jv_object();
        l = jv_object_set(l, jv_string("code"), jv_string(it->code));
        l = jv_object_set(l, jv_string("label"), jv_string(it->label));
        l = jv_object_set(l, jv_string("kind"), jv_string(it->kind));
        l = jv_object_set(l, jv_string("taxable"), jv_bool(it->taxable));
        l = jv_object_set(l, jv_string("from"), jv_string(p->from));
        l = jv_object_set(l, jv_string("to"), jv_string(p->to));
        l = jv_object_set(l, jv_string("amount"), jnum(it->amount));
        l = jv_object_set(l, jv_string("obligation_id"), jv_string(it->obligation_id));
        if (it->seq)
            l = jv_object_set(l, jv_string("seq"), jnum(it->seq));
        lines = jv_array_append(lines, l);
        if (it->taxable)
            taxable_add += it->amount;
    }
    jv_array_foreach(lines, i, l)
    {
        gross += jint_peek(l, "amount", 0);
        if (jtrue_peek(l, "taxable"))
            taxable_all += jint_peek(l, "amount", 0);
        jv_free(l);
    }

    /* deductions in priority order, and the floor */
    tax_ctx tc = {c->rules, p->to, mwe ? taxable_add : taxable_all, !mwe, 0};
    money_t tax = 0, floor = 0, net = gross;
    char tax_src[128] = "";
    const char *fp = NULL;
    if (!rc) {
        money_t probe;
        if (pay_tax_on(c->rules, p->to, 0, &probe, tax_src, sizeof tax_src, rj) ||
            pay_policy_on(c->rules, "net_floor", p->to, &fp, rj))
            rc = REJECTED;
        else if (deduct_floor(fp, gross, &floor) != 0)
            rc = rejection_set(rj, "NO_RULE",
                               "policy net_floor '%s' is not 0, an amount or a "
                               "share like 30%%",
                               fp);
    }
    net_item *ni = NULL;
    item **ord = NULL;
    size_t nd = 0;
    if (!rc) {
        for (size_t i = 0; i < a.n; i++)
            a.v[i].rank = pay_priority_on(c->rules, a.v[i].code, p->to);
        qsort(a.v, a.n, sizeof *a.v, by_rank);
        ni = xcalloc(a.n + 1, sizeof *ni);
        ord = xcalloc(a.n + 1, sizeof *ord);
        for (size_t i = 0; i < a.n; i++) {
            item *it = &a.v[i];
            if (it->cls == K_ADD)
                continue;
            ord[nd] = it;
            ni[nd].amount = it->amount;
            ni[nd].statutory = it->cls == K_STAT &&
                               (!strcmp(it->code, "SSS") || !strcmp(it->code, "PHILHEALTH") ||
                                !strcmp(it->code, "HDMF"));
            ni[nd].applied = !it->fixed && !it->stopped;
            ni[nd].deferrable = ni[nd].applied;
            nd++;
        }
        net = deduct_settle(ni, nd, gross, floor, tax_for, &tc, &tax);
        for (size_t i = 0; i < nd; i++)
            ord[i]->applied = ni[i].applied;
        rc = write_items(c, &a, guard, p, rj, err);
    }
    if (!rc) {
        jv ds = jv_array();
        int tax_rank = pay_priority_on(c->rules, "TAX", p->to);
        int tax_done = 0;
        money_t applied = 0;
        for (size_t i = 0; i <= nd; i++) {
            if (!tax_done && (i == nd || ord[i]->rank > tax_rank)) {
                jv t = jv_object();
                t = jv_object_set(t, jv_string("code"), jv_string("TAX"));
                t = jv_object_set(t, jv_string("label"), jv_string("Withholding tax"));
                t = jv_object_set(t, jv_string("kind"), jv_string("tax"));
                t = jv_object_set(t, jv_string("amount"), jnum(tax));
                t = jv_object_set(t, jv_string("base"), jnum(tc.taxable));
                t = jv_object_set(t, jv_string("mwe"), jv_bool(mwe));
                if (min)
                    t = jv_object_set(t, jv_string("minimum_wage"), jnum(min));
                t = jv_object_set(t, jv_string("source"), jv_string(tax_src));
                t = jv_object_set(t, jv_string("status"), jv_string("APPLIED"));
                ds = jv_array_append(ds, t);
                tax_done = 1;
                applied += tax;
            }
            if (i == nd)
                break;
            if (ord[i]->stopped)
                continue;
            ds = jv_array_append(ds, deduction_json(ord[i]));
            if (ord[i]->applied)
                applied += ord[i]->amount;
        }
        assert(gross - applied == net);
        rec = jv_object_set(rec, jv_string("stage"), jv_string("net"));
        rec = jv_object_set(rec, jv_string("lines"), lines);
        lines = jv_invalid();
        rec = jv_object_set(rec, jv_string("gross"), jnum(gross));
        rec = jv_object_set(rec, jv_string("deductions"), ds);
        rec = jv_object_set(rec, jv_string("taxable"), jnum(tc.taxable));
        rec = jv_object_set(rec, jv_string("net"), jnum(net));
        rc = paysheet_store(c->s, rec, changed, line, rj, err);
        rec = jv_invalid();
    }
    free(ni);
    free(ord);
    items_free(&a);
    jv_free(lines);
    jv_free(rec);
    return rc;
}

/* ---- runs ---- */

typedef struct run {
    dctx c;
    FILE *out;
    reject_sink *rej;
    pay_counts *n;
    strbuf pending; /* the records of the open batch */
    long in_batch;
} run;

static int flush(run *r, armms_err *err)
{
    if (r->in_batch && store_commit(r->c.s, err))
        return err->code;
    if (r->pending.len && r->out)
        fwrite(r->pending.s, 1, r->pending.len, r->out);
    sb_reset(&r->pending);
    r->in_batch = 0;
    return 0;
}

static int one(run *r, const period_t *p, const char *guard, const char *source, long lineno,
               const char *raw, size_t raw_len, armms_err *err)
{
    if (!r->in_batch && store_begin(r->c.s, err))
        return err->code;
    r->in_batch++;
    if (store_savepoint(r->c.s, err))
        return err->code;
    rejection rj = {0};
    strbuf line;
    sb_init(&line);
    int changed = 0, rc = deduct_one(&r->c, p, guard, &line, &changed, &rj, err);
    if (rc == REJECTED) {
        store_rollback_to(r->c.s);
        store_release(r->c.s);
        char in[160];
        if (!raw) {
            snprintf(in, sizeof in, "{\"paysheet_id\":\"%s/%s\"}", p->id, guard);
            raw = in;
            raw_len = strlen(in);
        }
        reject_emit(r->rej, &rj, source, lineno, raw, raw_len);
        r->n->rejected++;
        rc = 0;
    } else if (rc) {
        sb_free(&line);
        return rc;
    } else {
        store_release(r->c.s);
        r->n->computed++;
        r->n->changed += changed;
        sb_add(&r->pending, line.s, line.len);
    }
    sb_free(&line);
    if (r->in_batch >= DEDUCT_BATCH)
        return flush(r, err);
    return 0;
}

static int period_open(run *r, const char *period, period_t *p, armms_err *err)
{
    day_t f, t;
    if (period_parse(period, &f, &t) != 0)
        return err_set(err, EXIT_USAGE, "bad period '%s' (YYYY-MM-A|B)", period);
    period_fill(p, period);
    char st[16];
    if (payrun_status(r->c.s, period, st, err))
        return err->code;
    if (strcmp(st, "CLOSED") == 0)
        return err_set(err, EXIT_DATAERR, "the payrun of %s is closed: its paysheets are final",
                       period);
    return 0;
}

/* hr read-only, for the detachments' regions, unless the caller attached it. */
static int hr_attached(store_t *s, armms_err *err)
{
    sqlite3_stmt *st = NULL;
    if (store_prepare(s, &st, "SELECT 1 FROM pragma_database_list WHERE name = 'hr'", err))
        return err->code;
    int there = sqlite3_step(st) == SQLITE_ROW;
    sqlite3_finalize(st);
    return there ? 0 : store_attach_ro(s, "hr", err);
}

int pay_deduct(store_t *pay, const pay_rules *rules, const char *period, const char *guard,
               FILE *out, reject_sink *rej, pay_counts *n, armms_err *err)
{
    if (hr_attached(pay, err))
        return err->code;
    run r = {{pay, rules, {0}}, out, rej, n, {0}, 0};
    sb_init(&r.pending);
    period_t p;
    int rc = period_open(&r, period, &p, err);
    char **guards = NULL;
    size_t ng = 0, cap = 0;
    sqlite3_stmt *st;
    if (!rc && !(rc = stmt(&r.c, Q_SHEETS, &st, err))) {
        bt(st, 1, period);
        bt(st, 2, guard);
        while (sqlite3_step(st) == SQLITE_ROW) {
            if (ng == cap)
                guards = xrealloc(guards, (cap = cap ? 2 * cap : 64) * sizeof *guards);
            guards[ng++] = xstrdup(col(st, 0));
        }
        sqlite3_reset(st);
    }
    if (!rc && guard && ng == 0) {
        rejection rj;
        rejection_set(&rj, "NOT_FOUND", "no paysheet %s/%s: run armms-pay for %s first", period,
                      guard, period);
        char in[160];
        snprintf(in, sizeof in, "{\"paysheet_id\":\"%s/%s\"}", period, guard);
        reject_emit(rej, &rj, NULL, 0, in, strlen(in));
        n->rejected++;
    }
    for (size_t i = 0; !rc && i < ng; i++)
        rc = one(&r, &p, guards[i], NULL, 0, NULL, 0, err);
    if (!rc)
        rc = flush(&r, err);
    else if (r.in_batch)
        store_rollback(pay);
    for (size_t i = 0; i < ng; i++)
        free(guards[i]);
    free(guards);
    sb_free(&r.pending);
    dctx_free(&r.c);
    return rc;
}

/* ---- stream ---- */

/* A guard and period to take to net; implied: the 16th-end run of a
 * month whose first half came in (its SSS base changed), taken only when
 * it has a paysheet and is not closed. */
typedef struct touch {
    char period[12], guard[64];
    char *raw;
    size_t raw_len;
    char source[256];
    long line;
    int implied;
    size_t order;
} touch;

static touch *touch_add(deduct_stream *ds, const char *period, const char *guard);

struct deduct_stream {
    run r;
    touch *t;
    size_t n, cap;
};

deduct_stream *deduct_stream_open(store_t *pay, const pay_rules *rules, FILE *out,
                                  reject_sink *rej, pay_counts *n)
{
    deduct_stream *ds = xcalloc(1, sizeof *ds);
    armms_err e = {0};
    hr_attached(pay, &e); /* a failure shows as a missing table on the first guard */
    ds->r.c.s = pay;
    ds->r.c.rules = rules;
    ds->r.out = out;
    ds->r.rej = rej;
    ds->r.n = n;
    sb_init(&ds->r.pending);
    return ds;
}

int deduct_stream_record(deduct_stream *ds, jv rec, const char *source, long line, const char *raw,
                         size_t raw_len, armms_err *err)
{
    ds->r.n->read++;
    const char *kind = json_str_peek(rec, "kind", NULL);
    const char *guard = json_str_peek(rec, "guard_id", NULL);
    jv per = jv_object_get(jv_copy(rec), jv_string("period"));
    const char *period = jv_get_kind(per) == JV_KIND_OBJECT   ? json_str_peek(per, "id", NULL)
                         : jv_get_kind(per) == JV_KIND_STRING ? jv_string_value(per)
                                                              : NULL;
    day_t f, t;
    rejection rj = {0};
    if (!kind || strcmp(kind, "Paysheet") != 0)
        rejection_set(&rj, "BAD_KIND", "armms-deduct reads Paysheet records, not %s",
                      kind ? kind : "a record without kind");
    else if (!guard || !period || period_parse(period, &f, &t) != 0)
        rejection_set(&rj, "MISSING_FIELD", "a Paysheet needs guard_id and period.id");
    if (rj.code) {
        reject_emit(ds->r.rej, &rj, source, line, raw, raw_len);
        ds->r.n->rejected++;
    } else {
        touch *tc = touch_add(ds, period, guard);
        snprintf(tc->source, sizeof tc->source, "%s", source ? source : "");
        tc->line = line;
        tc->raw = xmalloc(raw_len + 1);
        memcpy(tc->raw, raw, raw_len);
        tc->raw_len = raw_len;
        if (period[8] == 'A') {
            char b[12];
            snprintf(b, sizeof b, "%.7s-B", period);
            touch_add(ds, b, guard)->implied = 1;
        }
    }
    jv_free(per);
    jv_free(rec);
    return 0;
}

static touch *touch_add(deduct_stream *ds, const char *period, const char *guard)
{
    if (ds->n == ds->cap)
        ds->t = xrealloc(ds->t, (ds->cap = ds->cap ? 2 * ds->cap : 64) * sizeof *ds->t);
    touch *tc = &ds->t[ds->n];
    memset(tc, 0, sizeof *tc);
    snprintf(tc->period, sizeof tc->period, "%s", period);
    snprintf(tc->guard, sizeof tc->guard, "%s", guard);
    tc->order = ds->n++;
    return tc;
}

/* Period, guard; the records named before what they imply, in input order. */
static int by_period(const void *x, const void *y)
{
    const touch *a = x, *b = y;
    int k = strcmp(a->period, b->period);
    if (!k)
        k = strcmp(a->guard, b->guard);
    if (!k)
        k = a->implied - b->implied;
    return k ? k : (a->order > b->order) - (a->order < b->order);
}

/* An implied touch is taken when its paysheet exists in an open period. */
static int implied_wanted(run *r, const touch *tc, int *want, armms_err *err)
{
    char id[128], st[16];
    jv rec;
    int found;
    *want = 0;
    snprintf(id, sizeof id, "%s/%s", tc->period, tc->guard);
    if (paysheet_load(r->c.s, id, &rec, &found, err))
        return err->code;
    jv_free(rec);
    if (found && payrun_status(r->c.s, tc->period, st, err))
        return err->code;
    *want = found && strcmp(st, "CLOSED") != 0;
    return 0;
}

int deduct_stream_finish(deduct_stream *ds, armms_err *err)
{
    qsort(ds->t, ds->n, sizeof *ds->t, by_period);
    int rc = 0;
    period_t p;
    memset(&p, 0, sizeof p);
    for (size_t i = 0; !rc && i < ds->n; i++) {
        touch *tc = &ds->t[i];
        if (i && !strcmp(tc->period, ds->t[i - 1].period) &&
            !strcmp(tc->guard, ds->t[i - 1].guard))
            continue; /* named twice */
        if (tc->implied) {
            int want;
            if ((rc = implied_wanted(&ds->r, tc, &want, err)))
                break;
            if (!want)
                continue;
        }
        if (strcmp(p.id, tc->period) != 0) {
            if ((rc = flush(&ds->r, err)))
                break;
            armms_err perr = {0};
            if (period_open(&ds->r, tc->period, &p, &perr)) {
                rejection rj;
                rejection_set(&rj, "LOCKED", "%s", perr.msg);
                for (; i < ds->n && !strcmp(ds->t[i].period, tc->period); i++) {
                    if (ds->t[i].implied || (i && !strcmp(ds->t[i].period, ds->t[i - 1].period) &&
                                             !strcmp(ds->t[i].guard, ds->t[i - 1].guard)))
                        continue;
                    reject_emit(ds->r.rej, &rj, ds->t[i].source, ds->t[i].line, ds->t[i].raw,
                                ds->t[i].raw_len);
                    ds->r.n->rejected++;
                }
                i--;
                p.id[0] = 0;
                continue;
            }
        }
        rc = one(&ds->r, &p, tc->guard, tc->source, tc->line, tc->raw, tc->raw_len, err);
    }
    if (!rc)
        rc = flush(&ds->r, err);
    else if (ds->r.in_batch)
        store_rollback(ds->r.c.s);
    return rc;
}

void deduct_stream_close(deduct_stream *ds)
{
    if (!ds)
        return;
    for (size_t i = 0; i < ds->n; i++)
        free(ds->t[i].raw);
    free(ds->t);
    sb_free(&ds->r.pending);
    dctx_free(&ds->r.c);
    free(ds);
}
