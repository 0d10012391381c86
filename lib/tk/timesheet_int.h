/*
 * timesheet_int.h - what the files of the timesheet stage share and nobody
 * else sees: the sums of one timesheet (ts_sum), the latest stored version
 * (ts_latest), the stage's engine with its prepared statements (ts_eng),
 * the key of one timesheet (ts_key) and the blockers of a draft. Included
 * by timesheet.c (the stage: touch, scope, recompute of drafts),
 * snapshot.c (the record, the sealed snapshot, adjustments, finalization)
 * and blockers.c (validation). timesheet.h stays the public API.
 *
 * Invariants:
 *  - a ts_sum holds one detachment x shift of one guard's period: minutes
 *    by day type and bucket, NTOT totals in the order of tot_names
 *    (snapshot.c) and days worked, absent, incomplete;
 *  - r->eng of a timesheet run is a ts_eng, its statements prepared by
 *    timesheet.c's open and finalized by its close;
 *  - a timesheet id is "period/guard/detachment/shift".
 *
 * Uses core, store, iam and tk's stage and roster, as timesheet.h says.
 */
#ifndef ARMMS_TIMESHEET_INT_H
#define ARMMS_TIMESHEET_INT_H

#include "core/daytype.h"
#include "tk/timesheet.h"

enum { NTOT = 7 };

typedef struct ts_sum {
    char det[65], shift[65];
    int by_type[DT_COUNT][B_COUNT];
    int tot[NTOT];
    /* worked, absent, incomplete, leave; the content text (snapshot.c)
     * holds the first three, so versions sealed before leave existed
     * compare equal: a day that turns from ABSENT to LEAVE changes
     * days_absent anyway */
    int days[4];
} ts_sum;

typedef struct ts_latest {
    char id[200];
    int version;
    char status[12];
    char *minutes, *record;
    int seen;
} ts_latest;

typedef struct ts_eng {
    sqlite3_stmt *q_dtrs, *q_latest, *ins, *upd, *del, *q_days, *q_on;
    ts_sum *g;
    int ng, capg;
    /* the period a stream's last DTR fell in (pf <= pt: one was), and the
     * one after it: a guard's DTRs come a period at a time */
    char period[12];
    day_t pf, pt, nt;
    strbuf name; /* a DTR's timesheet id, for tk_name */
} ts_eng;

typedef struct ts_key {
    const char *id, *guard, *det, *shift, *position, *period;
    day_t from, to;
} ts_key;

typedef struct blockers {
    sqlite3_stmt *inc, *rev;
    strbuf text; /* for a Reject message */
    strbuf recs; /* Blocker records */
    int n;
} blockers;

/* ---- timesheet.c ---- */

/* Insert a version of k (checksum NULL for a draft). */
int ts_put_version(tk_run *r, const ts_key *k, int version, const char *status, const char *record,
                   const char *checksum, const char *minutes, armms_err *err);

/* ---- snapshot.c ---- */

/* The per-day part of one timesheet's snapshot, appended to b:
 * ,"days":[...] and ,"unworked_holidays":[...]. */
int ts_days_json(tk_run *r, const ro_guard *g, const char *det, const char *shift, day_t pf,
                 day_t pt, strbuf *b, armms_err *err);
/* The comparable text of a version: the sums and the digest of days. */
void ts_content_text(strbuf *b, ts_sum *s, const char *days);
/* Whether the latest version x holds the content text. */
int ts_same_content(const ts_latest *x, const char *text);
/* The record without checksum (sealed: extra holds its further fields). */
void ts_record_json(strbuf *b, const ts_key *k, ts_sum *s, int version, const char *status,
                    const char *extra);
/* A sealed version changed: write the ADJUSTED one and journal the delta. */
int ts_adjust_sealed(tk_run *r, const ts_key *k, ts_sum *now, ts_latest *l, const char *days,
                     const char *text, armms_err *err);

/* ---- blockers.c ---- */

/* Recompute the period quietly so the drafts reflect the store. */
int ts_refresh(tk_run *r, const char *period, const char *guard, armms_err *err);
/* Call fn for each DRAFT of the period (optionally one guard), with b
 * holding its blockers; b's statements are prepared here and finalized by
 * the caller. r->progress ticks once a timesheet. */
int ts_each_draft(tk_run *r, const char *period, const char *guard, blockers *b,
                  int (*fn)(tk_run *, sqlite3_stmt *, blockers *, void *, armms_err *), void *ctx,
                  armms_err *err);

#endif
