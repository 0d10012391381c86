/*
 * report_int.h - what report.c and report_tk.c share (see report.h).
 */
#ifndef ARMMS_OUT_REPORT_INT_H
#define ARMMS_OUT_REPORT_INT_H

#include "out/report.h"
#include "store/store.h"

/* The guard's "Last, First" from hr.db (ATTACHed as hr), as SQL. */
#define REPORT_NAME(col)                                                                          \
    "(SELECT g.last_name || ', ' || g.first_name FROM hr.guard g WHERE g.guard_id = " col ")"

/* Open module read-only, with attach (or NULL) ATTACHed read-only. */
int report_open(store_t *s, tenant_t *t, const char *module, const char *attach, armms_err *err);

/* A record made by a query, looked at or changed (consumed, returned). */
typedef jv (*report_row_fn)(jv rec, void *ctx);
/* Run sql, whose one column is a JSON record, binding :period, :from,
 * :to, :guard, :det and :date from sc (absent or "" values are NULL) and
 * extra under extra_name; append each record, through fn when not NULL,
 * to *out. */
int report_rows(store_t *s, const char *sql, const report_scope *sc, const char *extra_name,
                const char *extra, report_row_fn fn, void *ctx, jv *out, armms_err *err);

#endif
