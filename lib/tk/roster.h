/*
 * roster.h - who is scheduled where and when, and what kind of day it is:
 * the master data the timekeeping tools read (hr.db and pay.db, attached
 * read-only) and the tenant's timekeeping policy (tenant.conf).
 *
 * Shifts, detachments and holidays are loaded whole when the roster opens
 * (they are small). Guards, with their assignments and the reliever
 * assignments covering them, are loaded on first use, so a late event in a
 * tenant of 100,000 guards reads one guard, not all of them.
 *
 * Memory rule: everything returned points into the roster and lives until
 * roster_forget or roster_close. A run over many guards forgets the guards
 * it loaded at each commit (stage.h), so its memory holds one
 * transaction's guards, not the tenant's.
 *
 * Uses core, store (the tenant and its attached databases) and tk's shift
 * and bucket.
 */
#ifndef ARMMS_ROSTER_H
#define ARMMS_ROSTER_H

#include <sqlite3.h>

#include "core/idset.h"
#include "store/tenant.h"
#include "tk/bucket.h"
#include "tk/shift.h"

enum { RO_OPEN_END = 0x7fffffff }; /* valid_to of an open assignment */

typedef struct ro_shift {
    char id[65];
    shift_def def;
    int break_min;
} ro_shift;

typedef struct ro_assignment {
    char id[65], detachment_id[65], relieves[65];
    int shift;      /* index into roster.shifts */
    day_t from, to; /* valid dates, inclusive; to may be RO_OPEN_END */
    int reliever;
} ro_assignment;

typedef struct ro_cover { /* another guard relieves this one */
    char by[65];
    day_t from, to;
    int shift;
    char detachment_id[65];
} ro_cover;

typedef struct ro_guard {
    char id[65], position_id[65];
    int rest_mask; /* bit k: weekday k (0 = Monday) is a rest day */
    int active;    /* status ACTIVE */
    ro_assignment *a;
    int na;
    ro_cover *cover;
    int ncover;
} ro_guard;

typedef struct tk_policy {
    dtr_policy dtr;
    shift_windows win;
} tk_policy;

typedef struct roster roster;

/* db must have hr and pay attached. Reads the policy from the tenant. */
int roster_open(roster **r, sqlite3 *db, const tenant_t *t, armms_err *err);
void roster_close(roster *r);
/* Forget the guards loaded so far (their pointers die); the next
 * roster_guard of one reads it again. Shifts, detachments and holidays
 * stay. */
void roster_forget(roster *r);
const tk_policy *roster_policy(const roster *r);
const tz_t *roster_tz(const roster *r);
int roster_nshifts(const roster *r);
const ro_shift *roster_shift(const roster *r, int i);
/* Index of a shift id, or -1. */
int roster_shift_index(const roster *r, const char *id);
int roster_has_detachment(const roster *r, const char *id);
/* The guard, or NULL when unknown (err unset) or on a store error (err set). */
const ro_guard *roster_guard(roster *r, const char *guard_id, armms_err *err);
/* Whether the guard exists (0 with err set: a store error), without
 * loading its assignments: a stream's record checks its guard so, and the
 * guard is loaded once, when it is recomputed. */
int roster_known(roster *r, const char *guard_id, armms_err *err);
int ro_assignment_on(const ro_assignment *a, day_t d);
int ro_rest_day(const ro_guard *g, day_t d);
/* Whether assignment a schedules g on d (dtr.h): a regular assignment on a
 * date that is not the guard's rest day, for an ACTIVE guard; a reliever
 * assignment on any of its dates. */
int ro_schedules(const ro_guard *g, const ro_assignment *a, day_t d);
/* Whether any of g's assignments schedules it on d. */
int ro_scheduled(const ro_guard *g, day_t d);
/* The last date before d on which g is scheduled, or d itself when none. */
day_t ro_last_scheduled(const ro_guard *g, day_t d);
/* The day type of local date d for guard g working at a detachment (its
 * region selects regional holidays). */
day_type roster_day_type(const roster *r, const ro_guard *g, const char *detachment_id, day_t d);

#endif
