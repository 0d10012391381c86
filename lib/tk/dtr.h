/*
 * dtr.h - daily time records: one per guard x shift instance (dated by
 * its start) x detachment, from the VALID time logs and the roster.
 *
 * Pairing policy: a DTR takes its shift instance's one counted IN and one
 * counted OUT (timelog.h: the first IN and the last OUT); its minutes come
 * from dtr_bucket (bucket.h) against the scheduled start and end.
 *  - IN and OUT: COMPLETE.
 *  - IN without OUT: INCOMPLETE, MISSING_OUT; OUT without IN: INCOMPLETE,
 *    MISSING_IN; OUT not after IN: INCOMPLETE, OUT_BEFORE_IN. Nothing is
 *    guessed: an incomplete DTR carries no worked minutes (late is kept).
 *  - A scheduled instance with no punch: ABSENT. Scheduled means: a
 *    regular assignment on a date that is not the guard's rest day (for an
 *    ACTIVE guard), or a reliever assignment on any of its dates. An absent
 *    guard covered by a reliever carries relieved_by. A scheduled
 *    instance with no punch on a day of recorded leave (hr.leave, not
 *    CANCELLED) is LEAVE instead, with the code, its name and paid from
 *    hr.leave_code as they are when it is computed; leave on a rest day
 *    makes no DTR, and punches on a leave day win.
 *  - An instance that is neither scheduled nor punched has no DTR; a DTR
 *    that stops existing (its punch voided or moved) is written once with
 *    status REMOVED so the timesheet stage recomputes.
 * day_type is the type of the DTR's date; minutes are bucketed per minute
 * by the type of the date they fall on (by_day_type).
 *
 * Uses core, store and tk's stage, roster, shift and bucket.
 */
#ifndef ARMMS_DTR_H
#define ARMMS_DTR_H

#include "tk/stage.h"

extern const tk_stage dtr_stage;

#endif
