/*
 * gross.h - gross pay: one Paysheet (stage "gross") per guard per period,
 * priced from the guard's latest inbox snapshots of the period (every
 * timesheet of it: several detachments, relief stints; the latest version
 * of each timesheet_id).
 *
 * Pricing (Labor Code arts. 86, 87, 93, 94 and their IRR; the premium and
 * pay_policy rules of pay/rules.h, in force on each date):
 *  - each day line of a snapshot (its date is the shift's start date) and
 *    each day-type bucket of it is priced at the daily rate of the
 *    snapshot's rate card (pay.db rate, detachment x shift x position) in
 *    force on that date; a day with minutes and no card is a NO_RATE
 *    rejection naming the card and date, and the guard's paysheet is not
 *    written (never a zero line);
 *  - regular minutes at regular_bp, overtime at ot_bp, night differential
 *    at regular_bp x nd_bp / 10000 (the ND premium on the hour's rate),
 *    ND on overtime at ot_bp x nd_bp / 10000. Codes: BASIC, OT, ND, ND_OT
 *    on the ordinary day, else the premium's prefix with "", "_OT", "_ND",
 *    "_ND_OT";
 *  - lines group by (code, daily rate, multiplier): from/to are the first
 *    and last dates, minutes are summed, and the amount is rounded once:
 *    money_scale(daily_rate, minutes x multiplier, hours_per_day x 60 x
 *    10000). A rate change mid-period therefore splits a line;
 *  - an unworked holiday of a snapshot (unworked_holidays) is paid at
 *    unworked_bp of its day type when policy unworked_holiday is "always",
 *    or "last_workday" and the guard was present on the last scheduled
 *    workday before it (worked it, or on paid leave that day:
 *    last_scheduled.leave.paid); once per guard and date, at the rate of the card of
 *    the first timesheet (by id) listing it, never on a date the guard
 *    worked (a shift that ran into it past midnight counts: its minutes
 *    there are paid at the holiday's rate). Code PREFIX_UNWORKED, minutes
 *    hours_per_day x 60 per day;
 *  - a day line on paid leave (leave.paid) is a day's pay: code
 *    LEAVE_<code>, label "Paid leave: <name>", hours_per_day x 60 minutes
 *    at 10000, once per guard and date, never on a date worked or an
 *    unworked holiday listed (paid as the holiday); unpaid leave no line;
 *  - basic:true marks basic pay, the base of PhilHealth and the 13th month:
 *    the regular-minutes lines of every day type, unworked holiday pay and
 *    paid leave (OT, ND and ND-OT lines are never basic). A premium day's regular line
 *    is basic in whole: the rate and multiplier on it let a reader take the
 *    100% part out when a base needs it;
 *  - every earning line is taxable; gross = the sum of the lines, taxable
 *    = the sum of the taxable ones, net = gross, deductions [] (armms-deduct
 *    takes the row on to stage "net"); sources list every snapshot priced.
 * The same snapshots in any order give byte-identical paysheets.
 *
 * A CLOSED period is locked. When a guard's snapshots of a closed period
 * change, the period is priced again and compared, line by line (code,
 * daily rate, multiplier), with the closed paysheet's own lines and with
 * the adjustments for it already carried elsewhere; the difference lands
 * as kind "adjustment" lines with adjusts_period in the guard's paysheet of
 * the first later period whose payrun is not CLOSED (made if need be),
 * and the snapshots priced join that paysheet's sources. Adjustment lines
 * stay with a paysheet when its own period is priced again; carrying the
 * same difference twice is impossible, so a rerun is a no-op.
 *
 * Output records are written only after the transaction that stored them
 * committed; commits come every PAY_BATCH paysheets.
 *
 * Uses core, store and pay (rules, inbox, paysheet).
 */
#ifndef ARMMS_PAY_GROSS_H
#define ARMMS_PAY_GROSS_H

#include <stdio.h>

#include "core/reject.h"
#include "pay/inbox.h"
#include "pay/paysheet.h"
#include "pay/rules.h"
#include "store/store.h"

enum { PAY_BATCH = 2000 };

/* Price period for guard (NULL: every guard with snapshots of it), writing
 * each paysheet computed to out (the unchanged ones too). */
int pay_gross(store_t *pay, const pay_rules *rules, const char *period, const char *guard,
              FILE *out, reject_sink *rej, pay_counts *n, armms_err *err);

/* A stream run: snapshots from an input land in the inbox, and at the end
 * only the guards and periods they touched are priced again. */
typedef struct pay_stream pay_stream;
int pay_stream_open(pay_stream **ps, store_t *pay, const pay_rules *rules, FILE *out,
                    reject_sink *rej, pay_counts *n, armms_err *err);
/* Write only paysheets whose stored record changed (--changed). */
void pay_stream_changed_only(pay_stream *ps);
/* One input record (consumed); raw is its text, for a Reject. 0 (landed,
 * duplicate, a draft Timesheet passed over, or rejected and reported) or
 * an EXIT_* code. */
int pay_stream_record(pay_stream *ps, jv rec, const char *source, long line, const char *raw,
                      size_t raw_len, armms_err *err);
/* Mark guard x period to be priced (select mode adds these). */
void pay_stream_touch(pay_stream *ps, const char *guard, const char *period);
/* Select mode: take what is new from the journal (inbox_pull) and touch
 * every guard of period with snapshots or a paysheet (guard NULL: all);
 * of what the journal brings for other periods, only the snapshots of
 * CLOSED periods are priced now (as adjustments into the open run): the
 * others wait for their own period's run. */
int pay_stream_scope(pay_stream *ps, const char *period, const char *guard, armms_err *err);
/* Take what is new from the journal (inbox_pull), touching what it lands;
 * or, when a source is set, from that source. */
int pay_stream_pull(pay_stream *ps, armms_err *err);
/* A source of snapshot events in place of the tenant's journal (a broker
 * subscription, set up by the tool): pay_stream_pull (so select mode)
 * calls fn instead of inbox_pull. fn hands each event it receives to
 * pay_stream_event, calls pay_stream_commit after each batch and only then
 * tells its source the batch was taken; it returns 0 or an EXIT_* code (an
 * open transaction is then rolled back). */
typedef int (*pay_source_fn)(pay_stream *ps, void *ctx, armms_err *err);
void pay_stream_source(pay_stream *ps, pay_source_fn fn, void *ctx);
/* One event of the source (inbox_take: line the envelope as journaled
 * where it was written, seq its seq there, source named in a Reject),
 * landed inside the run's transaction, begun here when none is open. */
int pay_stream_event(pay_stream *ps, const char *line, size_t len, long long seq,
                     const char *source, armms_err *err);
/* Commit what the events landed (nothing when no transaction is open). */
int pay_stream_commit(pay_stream *ps, armms_err *err);
/* Price everything touched, committing in batches, then write. */
int pay_stream_finish(pay_stream *ps, armms_err *err);
void pay_stream_close(pay_stream *ps);

#endif
