/*
 * gross.c - see gross.h: the stream and select runs of gross pay. Pricing
 * is in gross_price.c, the record in gross_sheet.c, adjustments in
 * gross_adjust.c.
 */
#include <assert.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/ahead.h"
#include "core/clock.h"
#include "core/ndjson.h"
#include "core/secure.h"
#include "core/sha.h"
#include "pay/gross_int.h"

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
    pay_source_fn source;   /* NULL: select mode pulls from the tenant's journal */
    void *source_ctx;
    /* select: the period's guards, priced after the touched ones a chunk
     * at a time (SCOPE_CHUNK, in guard order) from the inbox and the
     * paysheets, never listed all at once */
    char scope[16];
    const char *scope_guard;
};

/* Guards a chunk of a scoped period: a multiple of PAY_BATCH, so commits
 * keep their rhythm. */
enum { SCOPE_CHUNK = 4 * PAY_BATCH };

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
    gx_snaps_clear(g);
    free(g->rows.day);
    free(g->rows.uh);
    free(g->rows.lv);
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
        if (gx_closed(&ps->g, k->period, &yes, &e) || !yes)
            return;
    }
    pay_stream_touch(ps, k->guard, k->period);
}

void pay_stream_source(pay_stream *ps, pay_source_fn fn, void *ctx)
{
    ps->source = fn;
    ps->source_ctx = ctx;
}

int pay_stream_pull(pay_stream *ps, armms_err *err)
{
    store_t *s = ps->g.s;
    if (s->in_tx) {
        int rc = store_commit(s, err);
        if (rc)
            return rc;
    }
    if (ps->source) {
        int rc = ps->source(ps, ps->source_ctx, err);
        if (rc && s->in_tx)
            store_rollback(s);
        return rc;
    }
    return inbox_pull(s, ps->g.rej, pulled, ps, ps->g.n, err);
}

int pay_stream_event(pay_stream *ps, const char *line, size_t len, long long seq,
                     const char *source, armms_err *err)
{
    store_t *s = ps->g.s;
    int rc = s->in_tx ? 0 : store_begin(s, err);
    if (!rc)
        rc = inbox_take(s, line, len, seq, source, ps->g.rej, pulled, ps, ps->g.n, err);
    return rc;
}

int pay_stream_commit(pay_stream *ps, armms_err *err)
{
    return ps->g.s->in_tx ? store_commit(ps->g.s, err) : 0;
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

/*
 * A long run prices on threads of their own. Pricing only reads (the
 * inbox, the rate cards loaded in memory, the rules), so pricers, one a
 * processor, each with a read-only connection of its own, price the
 * guards after guard i (guard k on pricer k mod n) while this thread
 * stores guard i; pricing costs about twice what storing does, so on two
 * cores both stay busy. Guards are stored in the same order as they would
 * be alone, from the same priced lines, so the records, events and counts
 * are the same byte for byte. The pricers read only what is committed:
 * the inbox rows of this run are committed before they start.
 */
enum { PAR_AT = 512, PAR_RING = 256, PAR_MAX = 4 };

/* How many pricing threads: one a processor (pricing costs about twice
 * what storing does), at most PAR_MAX. */
static int pricers(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1 : n > PAR_MAX ? PAR_MAX : (int)n;
}

typedef struct pjob {
    lines L;
    snap *snaps;
    int nsnap, capsnap;
    int rc, bad;
    rejection rj;
    armms_err err;
} pjob;

/* The pricing thread's own: a read-only connection and a gx on it. */
typedef struct pricer {
    store_t s;
    gx g;
    const touch *t;
} pricer;

static void price_ahead(void *ctx, int i, void *slot)
{
    pricer *p = ctx;
    pjob *j = slot;
    memset(&j->L, 0, sizeof j->L);
    memset(&j->rj, 0, sizeof j->rj);
    memset(&j->err, 0, sizeof j->err);
    j->bad = 0;
    p->g.err = &j->err;
    j->rc = gx_snaps_load(&p->g, p->t[i].guard, p->t[i].period, &j->err);
    if (!j->rc)
        j->rc = gx_price(&p->g, p->t[i].guard, p->t[i].period, &j->L, &j->bad, &j->rj, &j->err);
    if (j->capsnap < p->g.nsnap) {
        j->capsnap = p->g.nsnap;
        j->snaps = xrealloc(j->snaps, (size_t)j->capsnap * sizeof *j->snaps);
    }
    j->nsnap = p->g.nsnap;
    if (j->nsnap)
        memcpy(j->snaps, p->g.snaps, (size_t)j->nsnap * sizeof *j->snaps);
}

static void pjob_drop(void *slot)
{
    pjob *j = slot;
    free(j->L.v);
    j->L.v = NULL;
}

static void pjob_fin(void *slot)
{
    free(((pjob *)slot)->snaps);
}

static int pricer_open(pricer *p, const gx *g, const touch *t, armms_err *err)
{
    memset(p, 0, sizeof *p);
    int rc = store_open_ro(&p->s, g->s->tenant, "pay", err);
    if (rc)
        return rc;
    p->g.s = &p->s;
    p->g.rules = g->rules;
    p->g.rates = g->rates; /* loaded: shared, only read */
    p->g.rates.s = &p->s;
    p->t = t;
    return 0;
}

static void pricer_close(pricer *p)
{
    free(p->g.rows.day);
    free(p->g.rows.uh);
    free(p->g.rows.lv);
    free(p->g.snaps);
    store_close(&p->s);
}

/* Store guard x period from its priced job (what gx_do_one does after
 * pricing). The job's lines are freed. */
static int store_priced(gx *g, const touch *t, pjob *j, armms_err *err)
{
    int rc = j->rc, yes = 0;
    if (rc && rc != REJECTED) {
        free(j->L.v);
        *err = j->err;
        return rc;
    }
    /* the job's snapshots become this thread's, as snaps_load would leave them */
    gx_snaps_clear(g);
    if (g->capsnap < j->nsnap) {
        g->capsnap = j->nsnap;
        g->snaps = xrealloc(g->snaps, (size_t)g->capsnap * sizeof *g->snaps);
    }
    g->nsnap = j->nsnap;
    if (j->nsnap)
        memcpy(g->snaps, j->snaps, (size_t)j->nsnap * sizeof *g->snaps);
    int crc = gx_closed(g, t->period, &yes, err);
    if (crc) {
        free(j->L.v);
        return crc;
    }
    if (!rc && yes)
        rc = g->nsnap ? gx_adjust_closed(g, t->guard, t->period, &j->L, err) : 0;
    else if (!rc)
        rc = gx_write_sheet(g, t->guard, t->period, &j->L, NULL, NULL, NULL, &j->rj, err);
    if (rc == REJECTED) {
        gx_reject_snap(g, &j->rj, g->nsnap ? &g->snaps[j->bad] : NULL);
        rc = 0;
    }
    free(j->L.v);
    j->L.v = NULL;
    return rc;
}

/* Price and store ps->t[0 .. nt), in order, on the pricers when there are
 * enough of them (np open, ctx theirs); *done counts the paysheets of the
 * whole run, total its size. */
static int price_list(pay_stream *ps, pricer *pr, void **ctx, int np, long *done, long total,
                      armms_err *err)
{
    gx *g = &ps->g;
    store_t *s = g->s;
    int rc = 0;
    ahead *a = NULL;
    if (np && ps->nt >= PAR_AT) {
        /* the pricers see committed rows only */
        if (s->in_tx && (rc = store_commit(s, err)))
            return rc;
        for (int k = 0; k < np; k++)
            pr[k].t = ps->t;
        a = ahead_start_n(ps->nt, sizeof(pjob), PAR_RING, price_ahead, ctx, np);
    }
    for (int i = 0; !rc && i < ps->nt; i++) {
        if (!s->in_tx && (rc = store_begin(s, err)))
            break;
        if (a) {
            rc = store_priced(g, &ps->t[i], ahead_take(a, i), err);
            ahead_done(a, i);
        } else {
            rc = gx_do_one(g, ps->t[i].guard, ps->t[i].period, err);
        }
        ++*done;
        if (!rc && *done % PAY_BATCH == 0 && !(rc = store_commit(s, err)))
            rc = write_out(g, err);
        progress_tick(g->n->progress, *done, total, "paysheets");
    }
    ahead_stop(a, pjob_drop, pjob_fin);
    return rc;
}

/* The scoped period's guards after after (in id order), at most
 * SCOPE_CHUNK of them, into ps->t (those touched already left out); the
 * last one read in after, and *read how many were read (0: no more). */
static int scope_chunk(pay_stream *ps, char *after, size_t after_size, int *read, armms_err *err)
{
    store_t *pay = ps->g.s;
    sqlite3_stmt *st;
    int rc = pay_stmt(pay, PS_SCOPE,
                      "SELECT guard_id FROM inbox WHERE period_id = ?1"
                      " AND (?2 IS NULL OR guard_id = ?2) AND guard_id > ?3"
                      " UNION SELECT guard_id FROM paysheet WHERE period_id = ?1"
                      " AND (?2 IS NULL OR guard_id = ?2) AND guard_id > ?3"
                      " ORDER BY 1 LIMIT ?4",
                      &st, err);
    if (rc)
        return rc;
    sqlite3_bind_text(st, 1, ps->scope, -1, SQLITE_STATIC);
    if (ps->scope_guard)
        sqlite3_bind_text(st, 2, ps->scope_guard, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, after, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int(st, 4, SCOPE_CHUNK);
    ps->nt = 0;
    *read = 0;
    int step;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        const char *guard = pay_col(st, 0);
        ++*read;
        char key[100];
        snprintf(after, after_size, "%s", guard);
        snprintf(key, sizeof key, "%s/%s", ps->scope, guard);
        if (idmap_get(&ps->idx, key) >= 0)
            continue; /* priced with the touched ones */
        touch *t = &ps->t[ps->nt++];
        snprintf(t->guard, sizeof t->guard, "%s", guard);
        snprintf(t->period, sizeof t->period, "%s", ps->scope);
    }
    sqlite3_reset(st);
    return step == SQLITE_DONE ? 0 : store_fail(pay, step, "list the period's guards", err);
}

/* How many guards the scoped period has (for the progress and the choice
 * of threads). */
static long scope_count(pay_stream *ps, armms_err *err, int *rc)
{
    store_t *pay = ps->g.s;
    sqlite3_stmt *st;
    long n = 0;
    if ((*rc = pay_stmt(pay, PS_SCOPE_N,
                        "SELECT count(*) FROM (SELECT guard_id FROM inbox WHERE period_id = ?1"
                        " AND (?2 IS NULL OR guard_id = ?2)"
                        " UNION SELECT guard_id FROM paysheet WHERE period_id = ?1"
                        " AND (?2 IS NULL OR guard_id = ?2))",
                        &st, err)))
        return 0;
    sqlite3_bind_text(st, 1, ps->scope, -1, SQLITE_STATIC);
    if (ps->scope_guard)
        sqlite3_bind_text(st, 2, ps->scope_guard, -1, SQLITE_STATIC);
    int step = sqlite3_step(st);
    if (step == SQLITE_ROW)
        n = sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    if (step != SQLITE_ROW)
        *rc = store_fail(pay, step, "count the period's guards", err);
    return n;
}

int pay_stream_finish(pay_stream *ps, armms_err *err)
{
    gx *g = &ps->g;
    store_t *s = g->s;
    int rc = 0;
    g->err = err;
    long total = ps->nt, done = 0;
    if (ps->scope[0])
        total += scope_count(ps, err, &rc);
    if (!rc && total >= RATES_LOAD_AT && !g->rates.loaded &&
        !(rc = gx_rates_load(s, &g->rates, err)))
        g->rates.loaded = 1;
    if (rc)
        return rc;
    if (ps->nt)
        qsort(ps->t, (size_t)ps->nt, sizeof *ps->t, touch_cmp);
    pricer pr[PAR_MAX];
    void *ctx[PAR_MAX];
    int np = 0;
    if (total >= PAR_AT && g->rates.loaded && !armms_env("ARMMS_PAY_SERIAL")) {
        int want = pricers();
        for (; !rc && np < want; np++)
            if (!(rc = pricer_open(&pr[np], g, ps->t, err)))
                ctx[np] = &pr[np];
        if (rc) {
            while (np-- > 0)
                pricer_close(&pr[np]);
            return rc;
        }
    }
    rc = price_list(ps, pr, ctx, np, &done, total, err);
    if (!rc && ps->scope[0]) {
        if (ps->capt < SCOPE_CHUNK) {
            ps->capt = SCOPE_CHUNK;
            ps->t = xrealloc(ps->t, (size_t)ps->capt * sizeof *ps->t);
        }
        char after[96] = "";
        int read = 0;
        do {
            if (!(rc = scope_chunk(ps, after, sizeof after, &read, err)))
                rc = price_list(ps, pr, ctx, np, &done, total, err);
        } while (!rc && read > 0);
    }
    while (np > 0)
        pricer_close(&pr[--np]);
    if (!rc && s->in_tx)
        rc = store_commit(s, err);
    if (!rc)
        rc = write_out(g, err);
    if (rc && s->in_tx)
        store_rollback(s);
    ps->nt = 0;
    ps->scope[0] = 0;
    idmap_free(&ps->idx);
    idmap_init(&ps->idx);
    return rc;
}

int pay_stream_scope(pay_stream *ps, const char *period, const char *guard, armms_err *err)
{
    ps->select = 1;
    ps->only_guard = guard;
    int rc = pay_stream_pull(ps, err);
    if (rc)
        return rc;
    /* the period's guards are priced by pay_stream_finish, a chunk at a
     * time after the touched ones, never listed all at once */
    snprintf(ps->scope, sizeof ps->scope, "%s", period);
    ps->scope_guard = guard;
    return 0;
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
