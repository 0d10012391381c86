/*
 * gross_adjust.c - a closed period's late changes as adjustment lines of
 * the next open period, and pricing one guard (see gross.h).
 */
#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/ndjson.h"
#include "core/sha.h"
#include "pay/gross_int.h"

static void key_of(jv l, char *buf, size_t n)
{
    long long r = 0, m = 0;
    pay_int_peek(l, "daily_rate", &r);
    pay_int_peek(l, "multiplier", &m);
    snprintf(buf, n, "%s|%lld|%lld", gx_sfield(l, "code"), r, m);
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
int gx_closed(gx *g, const char *period, int *yes, armms_err *err)
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
int gx_adjust_closed(gx *g, const char *guard, const char *P, const lines *L, armms_err *err)
{
    char Q[16];
    snprintf(Q, sizeof Q, "%s", P);
    int yes = 1, rc = 0;
    for (int i = 0; yes && i < 240; i++) {
        if (period_next(Q, Q))
            return err_set(err, EXIT_SOFTWARE, "no period after %s", Q);
        if ((rc = gx_closed(g, Q, &yes, err)))
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
        gx_line_json(&t, &L->v[i], "adjustment", P);
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
                if (own ? !gx_adjusts_peek(l, NULL) : gx_adjusts_peek(l, P))
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
        gx_source_json(&sl, &g->snaps[i]);
    }
    /* Q's own snapshots and lines, priced again with the new adjustments */
    gx_snaps_clear(g);
    if (!(rc = gx_snaps_load(g, guard, Q, err))) {
        lines QL = {0};
        rejection rj = {0};
        int bad = 0;
        rc = gx_price(g, guard, Q, &QL, &bad, &rj, err);
        if (!rc)
            rc = gx_write_sheet(g, guard, Q, &QL, P, al.s, sl.s, &rj, err);
        if (rc == REJECTED) {
            gx_reject_snap(g, &rj, g->nsnap ? &g->snaps[bad] : NULL);
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
int gx_do_one(gx *g, const char *guard, const char *period, armms_err *err)
{
    int rc = gx_snaps_load(g, guard, period, err), yes, bad = 0;
    if (rc || (rc = gx_closed(g, period, &yes, err)))
        return rc;
    lines L = {0};
    rejection rj = {0};
    rc = gx_price(g, guard, period, &L, &bad, &rj, err);
    if (!rc && yes)
        rc = g->nsnap ? gx_adjust_closed(g, guard, period, &L, err) : 0;
    else if (!rc)
        rc = gx_write_sheet(g, guard, period, &L, NULL, NULL, NULL, &rj, err);
    if (rc == REJECTED) {
        gx_reject_snap(g, &rj, g->nsnap ? &g->snaps[bad] : NULL);
        rc = 0;
    }
    free(L.v);
    return rc;
}
