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
    PS_INBOX_REC,
    PS_RATE,
    PS_SHEET_HELD,
    PS_INBOX_PICK,
    PS_INBOX_FAST,
    PS_GUARD_LEAVE,
    PS_SNAPLINES,
    PS_SHEET_ROW,
    PS_SHEET_SET,
    PS_SCOPE,
    PS_SCOPE_N,
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
    int present;    /* last_scheduled.present is true */
    int leave_paid; /* last_scheduled.leave.paid is true: on paid leave */
} snap_uh;
/* One paid leave day line (days[].leave.paid true). */
typedef struct snap_leave {
    int snap;
    char date[11], code[20], name[64];
} snap_leave;
/*
 * What netting reads of a paysheet, packed beside its record (the facts
 * column of paysheet) by the builder that wrote the record as text: gross
 * pay (gross_sheet.c) and net pay (deduct_one.c). Text, a line per item
 * ended by a newline, fields split by a tab (a tab or newline in kind
 * becomes a space):
 *
 *   L <kind> <taxable> <basic> <amount> <daily rate> <minutes>
 *       a line of the record (lines[i]); taxable and basic 0 or 1
 *   S <timesheet id>
 *       a source (sources[i])
 *
 * The lines in any order (netting only sums them and takes their
 * largest). A row without facts (NULL: a record built through libjq, or
 * stored before they existed) is read from its record.
 */
void pay_facts_line(strbuf *b, const char *kind, int taxable, int basic, long long amount,
                    long long rate, long long minutes);
void pay_facts_source(strbuf *b, const char *timesheet_id);

/*
 * A sealed timesheet's day lines, packed once for pricing (snaplines.c).
 * The inbox keeps each snapshot's text (record) and beside it what pricing
 * reads: the detachment, shift and position, and lines, taken out when the
 * snapshot lands, so that pricing a period (again) reads columns instead
 * of parsing the snapshot's JSON once per kind of row. They are derived
 * from the record; a row without them (NULL: landed before they existed)
 * is read from its record at pricing.
 *
 * lines is text, a line per row ended by a newline, fields split by a
 * tab (a tab or newline in a text field becomes a space; a missing number
 * is 0), in document order (the reader sorts them by their keys):
 *
 *   D <day index> <date> <day type> <worked> <type> <regular> <ot> <nd> <nd_ot>
 *       a day line (days[i]) and one member of its minutes (minutes.<type>)
 *   U <index> <date> <day type> <present> <leave paid>
 *       an unworked holiday (unworked_holidays[i]); the last two 0 or 1
 *   L <day index>
 *       a day on paid leave (days[i].leave.paid): its code and name are
 *       read from the record, for the few snapshots that have one
 *
 * snaplines_sql is the statement to prepare on any connection (only JSON
 * functions, no table); snaplines_pack runs it over the snapshot json and
 * writes lines into out: 0, or the SQLite error code.
 */
extern const char snaplines_sql[];
int snaplines_pack(sqlite3_stmt *st, const char *json, size_t len, strbuf *out);

typedef struct snap_rows {
    snap_day *day;
    int nday, capday;
    snap_uh *uh;
    int nuh, capuh;
    snap_leave *lv;
    int nlv, caplv;
} snap_rows;

#endif
