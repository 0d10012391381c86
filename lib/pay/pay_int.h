/*
 * pay_int.h - what the payroll modules (inbox, paysheet, gross) share,
 * private to lib/pay.
 *
 * Prepared statements are kept per slot and per connection: a slot is
 * prepared once for the store it is first used on, and prepared again when
 * used on another store (store_close finalizes every statement of its
 * connection, so a cached one is checked to still belong to it).
 *
 * Uses core and store.
 */
#ifndef ARMMS_PAY_INT_H
#define ARMMS_PAY_INT_H

#include <jv.h>
#include <sqlite3.h>

#include "store/store.h"

enum {
    PS_INBOX_GET,
    PS_INBOX_PUT,
    PS_SHEET_GET,
    PS_SHEET_PUT,
    PS_PAYRUN,
    PS_GUARD_SNAPS,
    PS_GUARD_SHEETS,
    PS_SHEET_TEXT,
    PS_GUARD_DAYS,
    PS_GUARD_UNWORKED,
    PS_INBOX_REC,
    PS_RATE,
    PS_SHEET_HELD,
    PS_NSTMT
};

/* The statement of slot on s (reset, bindings cleared). */
int pay_stmt(store_t *s, int slot, const char *sql, sqlite3_stmt **out, armms_err *err);

/* A column as text ("" for NULL). */
const char *pay_col(sqlite3_stmt *st, int i);

/* The integer at key of obj (looked at): 0 with *v set, -1 when absent or
 * not an integer. */
int pay_int_peek(jv obj, const char *key, long long *v);

/* The rows of a guard's snapshots pricing reads: one per day line and day
 * type of its minutes, one per unworked holiday. */
typedef struct snap_day {
    int snap; /* index of its snapshot */
    char date[11], own[24], type[24];
    long long worked, m[4]; /* regular, ot, nd, nd_ot */
} snap_day;
typedef struct snap_uh {
    int snap;
    char date[11], type[24];
    int present; /* last_scheduled.present is true */
} snap_uh;
typedef struct snap_rows {
    snap_day *day;
    int nday, capday;
    snap_uh *uh;
    int nuh, capuh;
} snap_rows;

/* Append the rows of one sealed snapshot's text (snapscan.c): 0, or -1
 * when the text is not what the scanner reads (then nothing is added and
 * the caller reads it the general way). */
int snap_scan(const char *text, int snap, snap_rows *r);

/* The top-level fields of a sealed snapshot's text that landing checks,
 * and where its checksum member lies ([sum_from, sum_to): from its key's
 * quote to the end of its value). */
typedef struct snap_head {
    char kind[32], timesheet_id[160], guard[65], det[65], shift[65], pos[65];
    char period[16], status[16], checksum[80];
    long long version;
    int has_days;
    size_t sum_from, sum_to;
} snap_head;

/* Scan the head of the snapshot text[0, len): 0, or -1 when the text is not
 * one JSON object the scanner reads whole (an escape in a field it reads,
 * no checksum member); the caller then takes the general path. */
int snap_head_scan(const char *text, size_t len, snap_head *h);

/* The span of the value of key in the JSON object at text: 0, or -1. */
int json_member_span(const char *text, const char *key, const char **v, size_t *n);

#endif
