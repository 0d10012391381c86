/*
 * deduct_int.h - what the files of net pay share, private to them:
 * deduct_items.c (statements, a paysheet's items from its obligations),
 * deduct_stat.c (contribution bases and shares, the minimum wage test, the
 * tax of a settlement), deduct_one.c (one guard's paysheet to net: the
 * items' order, statuses, deferrals and the record), deduct.c (the period
 * and stream runs). pay/deduct.h is the API; the invariants are in
 * deduct.c.
 *
 * Uses core, store and pay.
 */
#ifndef ARMMS_PAY_DEDUCT_INT_H
#define ARMMS_PAY_DEDUCT_INT_H

#include <jv.h>

#include "pay/deduct.h"
#include "pay/pay_int.h"
#include "pay/rules.h"

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
    Q_SHEETS_N,
    Q_N
};

typedef struct dctx {
    store_t *s;
    const pay_rules *rules;
    sqlite3_stmt *st[Q_N];
} dctx;

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

/* A line of a paysheet as netting reads it: what the sums and the
 * contribution bases take of it (the facts of pay/pay_int.h). */
typedef struct dline {
    char kind[24];
    int taxable, basic;
    money_t amount, rate;
    long long minutes;
} dline;

typedef struct dlines {
    dline *v;
    size_t n, cap;
} dlines;

/* What one guard's netting reads before it writes (deduct_one.c). */
typedef struct dx_pre {
    jv rec;           /* the paysheet, or jv_invalid() when read from its facts */
    jv lines;         /* its earnings (lines not from obligations) as parsed, or
                         jv_invalid() when read from its facts */
    dlines earn;      /* the same earnings, as netting reads them */
    jv sources;       /* its sources */
    char *gross_text; /* the stored text when it is a gross record as stored
                         (canonical): the net record is written into it */
    int rc, mwe;
    money_t min;
    rejection rj;
    items a;
} dx_pre;

typedef struct period_t {
    char id[12], from[12], to[12], month[8], half;
    char other[12]; /* the month's other half */
    int other_earlier;
} period_t;

typedef struct tax_ctx {
    const pay_rules *rules;
    const char *on;
    money_t base;
    int subtract; /* the contributions lower taxable (not for a minimum wage earner) */
    money_t taxable;
} tax_ctx;

/* Shared between the files; each is described where it is defined. */
long long dx_jint_peek(jv o, const char *key, long long dflt);
int dx_jtrue_peek(jv o, const char *key);
const char *dx_jstr_peek(jv o, const char *key);
jv dx_jnum(long long v);
int dx_stmt(dctx *c, int q, sqlite3_stmt **out, armms_err *err);
void dx_dctx_free(dctx *c);
void dx_bt(sqlite3_stmt *st, int i, const char *s);
int dx_done(dctx *c, sqlite3_stmt *st, const char *what, armms_err *err);
item *dx_item_new(items *a);
void dx_items_free(items *a);
int dx_load_items(dctx *c, const char *guard, const char *period, items *a, armms_err *err);
void dx_period_fill(period_t *p, const char *id);
money_t dx_tax_for(money_t stat, void *vctx);
int dx_contributions_peek(dctx *c, const period_t *p, const char *guard, const dlines *lines,
                          const dlines *other, int other_found, int other_closed,
                          long long other_version, items *a, rejection *rj);
int dx_minimum_wage_peek(dctx *c, jv sources, const char *on, money_t *min, armms_err *err);
int dx_mwe_peek(const dlines *lines, money_t min);
dline *dx_dline_new(dlines *a);
void dx_dlines_free(dlines *a);
void dx_dlines_of(jv lines, dlines *a);
int dx_read_one(dctx *c, const period_t *p, const char *guard, dx_pre *pre, armms_err *err);
int dx_net_one(dctx *c, const period_t *p, const char *guard, dx_pre *pre, strbuf *line,
               int *changed, rejection *rj, armms_err *err);
void dx_pre_free(dx_pre *pre);
int dx_deduct_one(dctx *c, const period_t *p, const char *guard, strbuf *line, int *changed,
                  rejection *rj, armms_err *err);

#endif
