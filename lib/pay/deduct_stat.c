/*
 * deduct_stat.c - contributions: bases, shares and their schedule rows;
 * the minimum wage test; the tax of a settlement (see deduct.h).
 */
#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/ndjson.h"
#include "pay/deduct_int.h"
#include "pay/waiver.h"

/* ---- bases ---- */

/* Compensation for SSS (and Pag-IBIG on "compensation"): basic, OT, ND,
 * holiday and premium pay and their adjustments, and taxable additions;
 * not non-taxable allowances or reimbursements. */
static money_t compensation_peek(const dlines *lines)
{
    money_t sum = 0;
    for (size_t i = 0; i < lines->n; i++) {
        const dline *l = &lines->v[i];
        if (strcmp(l->kind, "earning") == 0 || strcmp(l->kind, "adjustment") == 0 || l->taxable)
            sum += l->amount;
    }
    return sum;
}

/* The basic daily rate with the most minutes (ties: the higher rate); 0
 * without basic lines. */
static money_t main_rate_peek(const dlines *lines)
{
    struct {
        money_t rate;
        long long min;
    } r[32];
    int n = 0;
    for (size_t i = 0; i < lines->n; i++) {
        const dline *l = &lines->v[i];
        if (l->basic && l->rate > 0) {
            int k;
            for (k = 0; k < n && r[k].rate != l->rate; k++)
                ;
            if (k == n && n < 32)
                r[n].rate = l->rate, r[n].min = 0, n++;
            if (k < n)
                r[k].min += l->minutes;
        }
    }
    money_t best = 0;
    long long bmin = -1;
    for (int k = 0; k < n; k++)
        if (r[k].min > bmin || (r[k].min == bmin && r[k].rate > best))
            best = r[k].rate, bmin = r[k].min;
    return best;
}

dline *dx_dline_new(dlines *a)
{
    if (a->n == a->cap)
        a->v = xrealloc(a->v, (a->cap = a->cap ? 2 * a->cap : 16) * sizeof *a->v);
    dline *l = &a->v[a->n++];
    memset(l, 0, sizeof *l);
    return l;
}

void dx_dlines_free(dlines *a)
{
    free(a->v);
    memset(a, 0, sizeof *a);
}

/* The lines of a parsed paysheet (jv, looked at) as netting reads them. */
void dx_dlines_of(jv lines, dlines *a)
{
    if (jv_get_kind(lines) != JV_KIND_ARRAY)
        return;
    jv_array_foreach(lines, i, x)
    {
        dline *l = dx_dline_new(a);
        snprintf(l->kind, sizeof l->kind, "%s", dx_jstr_peek(x, "kind"));
        l->taxable = dx_jtrue_peek(x, "taxable");
        l->basic = dx_jtrue_peek(x, "basic");
        l->amount = dx_jint_peek(x, "amount", 0);
        l->rate = dx_jint_peek(x, "daily_rate", 0);
        l->minutes = dx_jint_peek(x, "minutes", 0);
        jv_free(x);
    }
}

/* ---- one guard ---- */

void dx_period_fill(period_t *p, const char *id)
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

money_t dx_tax_for(money_t stat, void *vctx)
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
int dx_contributions_peek(dctx *c, const period_t *p, const char *guard, const dlines *lines,
                          const dlines *other, int other_found, int other_closed,
                          long long other_version, items *a, rejection *rj)
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
                                                    jv_string("amount"), dx_jnum(comp_other)),
                                      jv_string("version"), dx_jnum(other_version)),
                        jv_string("closed"), jv_bool(other_closed)));
            mb = jv_array_append(mb, jv_object_set(jv_object_set(jv_object(), jv_string("period"),
                                                                 jv_string(p->id)),
                                                   jv_string("amount"), dx_jnum(comp_here)));
            detail = jv_object_set(detail, jv_string("month_base"), mb);
        } else if (rate) {
            if (monthly_equivalent(c->rules, on, rate, &base, rj)) {
                jv_free(detail);
                return REJECTED;
            }
            detail = jv_object_set(detail, jv_string("daily_rate"), dx_jnum(rate));
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
            it = dx_item_new(a);
            snprintf(it->obligation_id, sizeof it->obligation_id, "%s", id);
            snprintf(it->kind, sizeof it->kind, "statutory");
            it->cls = K_STAT;
            it->row_status = -1; /* no row yet */
        }
        snprintf(it->code, sizeof it->code, "%s", sc->code);
        snprintf(it->label, sizeof it->label, "%s %s", sc->label, p->month);
        detail = jv_object_set(detail, jv_string("base"), dx_jnum(ct.base));
        detail = jv_object_set(detail, jv_string("credit"), dx_jnum(ct.credit));
        if (strcmp(sc->scheme, "sss") == 0) {
            detail = jv_object_set(detail, jv_string("credit_ss"), dx_jnum(ct.credit_ss));
            detail = jv_object_set(detail, jv_string("credit_mpf"), dx_jnum(ct.credit_mpf));
            detail = jv_object_set(detail, jv_string("ee_mpf"), dx_jnum(ct.ee_mpf));
            detail = jv_object_set(detail, jv_string("er_mpf"), dx_jnum(ct.er_mpf));
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
int dx_minimum_wage_peek(dctx *c, jv sources, const char *on, money_t *min, armms_err *err)
{
    jv dets = jv_array();
    if (jv_get_kind(sources) == JV_KIND_ARRAY)
        jv_array_foreach(sources, i, src)
        {
            const char *tid = dx_jstr_peek(src, "timesheet_id");
            const char *a = strchr(tid, '/'), *b = a ? strchr(a + 1, '/') : NULL;
            const char *e = b ? strchr(b + 1, '/') : NULL;
            if (b && e)
                dets = jv_array_append(dets, jv_string_sized(b + 1, (int)(e - b - 1)));
            jv_free(src);
        }
    char *js = json_canonical(dets); /* consumes dets */
    sqlite3_stmt *st;
    *min = 0;
    if (dx_stmt(c, Q_REGION, &st, err)) {
        free(js);
        return err->code;
    }
    dx_bt(st, 1, js);
    free(js);
    int n = 0, none = 0;
    money_t low = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        money_t m;
        n++;
        if (!pay_min_wage_on(c->rules, pay_col(st, 0), on, &m))
            none = 1;
        else if (!low || m < low)
            low = m;
    }
    sqlite3_reset(st);
    *min = n && !none ? low : 0;
    return 0;
}

int dx_mwe_peek(const dlines *lines, money_t min)
{
    int basic = 0;
    if (!min)
        return 0;
    int ok = 1;
    for (size_t i = 0; i < lines->n; i++) {
        const dline *l = &lines->v[i];
        if (l->basic && l->rate > 0) {
            basic = 1;
            if (l->rate > min)
                ok = 0;
        }
    }
    return basic && ok;
}
