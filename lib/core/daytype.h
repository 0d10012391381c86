/*
 * daytype.h - the vocabulary of premium pay: day types and the minute
 * buckets worked on them. Timekeeping fills the buckets; payroll prices
 * them. Uses core/util.h only.
 *
 * Day types (Labor Code arts. 93 and 94; Proclamations on national holidays;
 * DOLE labour advisories on double holidays): a regular holiday outranks a
 * special non-working day, two regular holidays on one date make a double
 * holiday, and each combines with the guard's rest day. A special working
 * day is an ordinary day. The order of day_type is fixed: stored bucket
 * texts and the snapshots payroll reads list day types in this order.
 *
 * Buckets (Labor Code arts. 83, 86 and 87): regular minutes (the first eight
 * hours of a shift), overtime minutes, and the night-differential minutes
 * (22:00 to 06:00) among each: nd of the regular minutes, nd_ot of the
 * overtime ones.
 */
#ifndef ARMMS_DAYTYPE_H
#define ARMMS_DAYTYPE_H

#include "core/util.h"

typedef enum {
    DT_ORDINARY,
    DT_REST,
    DT_SPECIAL,
    DT_SPECIAL_REST,
    DT_REGULAR,
    DT_REGULAR_REST,
    DT_DOUBLE,
    DT_DOUBLE_REST,
    DT_COUNT
} day_type;

/* "ordinary", "rest", "special", "special_rest", "regular_holiday", ... */
extern const char *const day_type_names[DT_COUNT];

/* The day type of a date with `regular` regular holidays (0, 1, 2), a
 * special non-working day or not, on the guard's rest day or not. */
day_type day_type_of(int regular, int special, int rest);
/* The day type called name (n bytes), or -1. */
int day_type_find(const char *name, size_t n);

enum { B_REG, B_OT, B_ND, B_ND_OT, B_COUNT };

/* "regular", "ot", "nd", "nd_ot" */
extern const char *const bucket_names[B_COUNT];

/* Minutes by day type x bucket. */
typedef int day_buckets[DT_COUNT][B_COUNT];

/* The stored bucket text of a DTR or timesheet: "type:reg,ot,nd,nd_ot"
 * items separated by spaces, day types in day_type order, zero types left
 * out. buckets_parse adds into by_type; -1 on a malformed text. */
void buckets_format(strbuf *b, day_buckets by_type);
int buckets_parse(const char *s, day_buckets by_type);
/* {"ordinary":{"regular":..,"ot":..,"nd":..,"nd_ot":..},...}; all types
 * when all is set, else the nonzero ones. */
void buckets_json(strbuf *b, day_buckets by_type, int all);

#endif
