/*
 * sheets.h - the approved paysheets of a period, with the guard behind
 * each: what every output of lib/out reads, and all it reads of pay.
 *
 * A period's paysheets leave the agency only when its payrun is APPROVED
 * or CLOSED, and then only those APPROVED or PAID (a REJECTED one is on
 * hold; a COMPUTED one was never approved). out_period_open refuses any
 * other run with EXIT_DATAERR. The amounts are the stored ones (the
 * paysheet row's gross and net): nothing here recomputes pay.
 *
 * The store is pay.db with hr.db attached read-only as "hr" (store.h);
 * a paysheet whose guard is missing from hr.db still comes, with empty
 * master data, so a writer lists it instead of losing it.
 *
 * Uses store and core.
 */
#ifndef ARMMS_OUT_SHEETS_H
#define ARMMS_OUT_SHEETS_H

#include <stdint.h>

#include "store/store.h"

/* The payrun behind a period's outputs. */
typedef struct out_period {
    char id[16];
    char from[11], to[11];  /* the period's dates */
    char pay_date[11];      /* period.pay_date, else the period's last day */
    char status[16];        /* APPROVED or CLOSED */
    char approved_at[32];   /* UTC instant: the date every output carries */
    int64_t approved_epoch; /* approved_at as seconds since the epoch */
} out_period;

/* Check period's payrun may leave (APPROVED or CLOSED) and fill p. */
int out_period_open(store_t *s, const char *period, out_period *p, armms_err *err);

/* One approved paysheet with its guard's master data (each text "" when
 * absent). Lent to the callback: valid during the call only. */
typedef struct out_sheet {
    const char *guard_id, *employee_no, *last_name, *first_name, *position_id;
    const char *bank_code, *bank_account, *status;
    int64_t gross_c, net_c;
    int known; /* the guard is in hr.db */
} out_sheet;

/* Call fn for each approved paysheet of p, by guard_id; stops at fn's
 * first nonzero return and returns it. */
typedef int (*out_sheet_fn)(const out_sheet *sh, void *ctx, armms_err *err);
int out_sheets_each(store_t *s, const out_period *p, out_sheet_fn fn, void *ctx, armms_err *err);

/* What "approved" means for every output, as SQL conditions on a
 * paysheet row and on its payrun row (alias: "p." or "" before status):
 * a paysheet APPROVED or PAID, of a payrun APPROVED or CLOSED. */
#define OUT_SHEET_APPROVED(alias) " " alias "status IN ('APPROVED','PAID')"
#define OUT_RUN_APPROVED(alias) " " alias "status IN ('APPROVED','CLOSED')"

/* The where clause of the approved paysheets (alias p) of period ?1, for
 * modules that read more of the same rows with SQL. */
#define OUT_SHEETS_WHERE                                                                          \
    " p.period_id = ?1 AND" OUT_SHEET_APPROVED(                                                   \
        "p.") " AND EXISTS (SELECT 1 FROM payrun r"                                               \
              " WHERE r.period_id = p.period_id AND" OUT_RUN_APPROVED("r.") ")"

#endif
