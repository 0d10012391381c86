/*
 * dtrrun.h - daily time records: one per guard x shift instance (dated by
 * its start) x detachment, from the VALID time logs and the roster.
 *
 * Pairing policy: a DTR takes its shift instance's one counted IN and one
 * counted OUT (timelog.h: the first IN and the last OUT); its minutes come
 * from dtr_bucket (dtr.h) against the scheduled start and end.
 *  - IN and OUT: COMPLETE.
 *  - IN without OUT: INCOMPLETE, MISSING_OUT; OUT without IN: INCOMPLETE,
 *    MISSING_IN; OUT not after IN: INCOMPLETE, OUT_BEFORE_IN. Nothing is
 *    guessed: an incomplete DTR carries no worked minutes (late is kept).
 *  - A scheduled instance with no punch: ABSENT. Scheduled means: a
 *    regular assignment on a date that is not the guard's rest day (for an
 *    ACTIVE guard), or a reliever assignment on any of its dates. An absent
 *    guard covered by a reliever carries relieved_by.
 *  - An instance that is neither scheduled nor punched has no DTR; a DTR
 *    that stops existing (its punch voided or moved) is written once with
 *    status REMOVED so the timesheet stage recomputes.
 * day_type is the type of the DTR's date; minutes are bucketed per minute
 * by the type of the date they fall on (by_day_type).
 */
#ifndef ARMMS_DTRRUN_H
#define ARMMS_DTRRUN_H

#include "tkrun.h"

extern const tk_stage dtr_stage;

/* The stored bucket text of a DTR or timesheet: "type:reg,ot,nd,nd_ot"
 * items separated by spaces, day types in dtr.h order, zero types left out.
 * buckets_parse adds into by_type; -1 on a malformed text. */
void buckets_format(strbuf *b, int by_type[DT_COUNT][B_COUNT]);
int buckets_parse(const char *s, int by_type[DT_COUNT][B_COUNT]);
/* {"ordinary":{"regular":..,"ot":..,"nd":..,"nd_ot":..},...}; all types
 * when all is set, else the nonzero ones. */
void buckets_json(strbuf *b, int by_type[DT_COUNT][B_COUNT], int all);

#endif
