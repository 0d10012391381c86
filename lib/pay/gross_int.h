/*
 * gross_int.h - what the files of gross pay share, private to them:
 * gross_price.c (rate cards, lines, pricing one guard's period),
 * gross_sheet.c (the Paysheet record and its store), gross_adjust.c (a
 * closed period's late changes as adjustment lines, and one guard's run),
 * gross.c (the stream and select runs). pay/gross.h is the API.
 *
 * Uses core, store and pay.
 */
#ifndef ARMMS_PAY_GROSS_INT_H
#define ARMMS_PAY_GROSS_INT_H

#include "core/daytype.h"
#include "core/idset.h"
#include "pay/gross.h"
#include "pay/pay_int.h"

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

enum { RATES_LOAD_AT = 64 };

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
    int leave;      /* one of them has a paid leave day (read by gx_price) */
    armms_err *err; /* the run's, for a lookup that fails (not one that refuses) */
} gx;

/* The guard's latest inbox version of each of its timesheets of the
 * period, in timesheet id order (the SQL shared by the readers below). */
#define LATEST                                                                                    \
    " i.guard_id = ?1 AND i.period_id = ?2 AND i.version ="                                       \
    " (SELECT max(j.version) FROM inbox j WHERE j.timesheet_id = i.timesheet_id)"

/* Shared between the files; each is described where it is defined. */
int gx_rates_load(store_t *s, rates *r, armms_err *err);
void gx_snaps_clear(gx *g);
int gx_snaps_load(gx *g, const char *guard, const char *period, armms_err *err);
const char *gx_sfield(jv o, const char *key);
int gx_price(gx *g, const char *guard, const char *period, lines *L, int *bad, rejection *rj,
             armms_err *err);
void gx_line_json(strbuf *b, const line *l, const char *kind, const char *adjusts);
void gx_source_json(strbuf *b, const snap *x);
int gx_adjusts_peek(jv l, const char *p);
int gx_write_sheet(gx *g, const char *guard, const char *period, const lines *L, const char *repl,
                   const char *repl_lines, const char *repl_sources, rejection *rj,
                   armms_err *err);
void gx_reject_snap(gx *g, const rejection *rj, const snap *x);
int gx_closed(gx *g, const char *period, int *yes, armms_err *err);
int gx_adjust_closed(gx *g, const char *guard, const char *P, const lines *L, armms_err *err);
int gx_do_one(gx *g, const char *guard, const char *period, armms_err *err);

#endif
