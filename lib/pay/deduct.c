/*
 * deduct.c - see deduct.h: the period and stream runs of net pay. The
 * items are read in deduct_items.c, contributions and tax are in
 * deduct_stat.c, one guard is taken to net in deduct_one.c.
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
#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/ndjson.h"
#include "pay/deduct_int.h"
#include "pay/waiver.h"

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
    int changed = 0, rc = dx_deduct_one(&r->c, p, guard, &line, &changed, &rj, err);
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
    dx_period_fill(p, period);
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
    /* the period's guards a batch at a time, in id order (a list of them
     * all would grow with the tenant) */
    long total = 0, done = 0;
    sqlite3_stmt *st;
    if (!rc && !(rc = dx_stmt(&r.c, Q_SHEETS_N, &st, err))) {
        dx_bt(st, 1, period);
        dx_bt(st, 2, guard);
        total = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
        sqlite3_reset(st);
    }
    if (!rc && guard && total == 0) {
        rejection rj;
        rejection_set(&rj, "NOT_FOUND", "no paysheet %s/%s: run armms-pay for %s first", period,
                      guard, period);
        char in[160];
        snprintf(in, sizeof in, "{\"paysheet_id\":\"%s/%s\"}", period, guard);
        reject_emit(rej, &rj, NULL, 0, in, strlen(in));
        n->rejected++;
    }
    char *guards[DEDUCT_BATCH], *last = xstrdup("");
    while (!rc && done < total) {
        size_t ng = 0;
        if ((rc = dx_stmt(&r.c, Q_SHEETS, &st, err)))
            break;
        dx_bt(st, 1, period);
        dx_bt(st, 2, guard);
        dx_bt(st, 3, last);
        sqlite3_bind_int(st, 4, DEDUCT_BATCH);
        while (ng < DEDUCT_BATCH && sqlite3_step(st) == SQLITE_ROW)
            guards[ng++] = xstrdup(pay_col(st, 0));
        sqlite3_reset(st);
        if (!ng)
            break;
        for (size_t i = 0; !rc && i < ng; i++) {
            rc = one(&r, &p, guards[i], NULL, 0, NULL, 0, err);
            progress_tick(n->progress, ++done, total, "paysheets");
        }
        free(last);
        last = guards[ng - 1]; /* the next batch starts after it */
        for (size_t i = 0; i + 1 < ng; i++)
            free(guards[i]);
    }
    free(last);
    if (!rc)
        rc = flush(&r, err);
    else if (r.in_batch)
        store_rollback(pay);
    sb_free(&r.pending);
    dx_dctx_free(&r.c);
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
        progress_tick(ds->r.n->progress, (long)i + 1, (long)ds->n, "paysheets");
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
    dx_dctx_free(&ds->r.c);
    free(ds);
}
