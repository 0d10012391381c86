/*
 * period.h - the pay periods of a year.
 *
 * Wages are paid at least once every two weeks or twice a month, at
 * intervals of at most sixteen days (Labor Code art. 103); ARMMS pays
 * twice a month: period A runs from the 1st to the 15th, period B from the
 * 16th to the month's last day (core/clock.h, period_parse). Pay day is,
 * by default, five days after the period ends; a tenant's own period
 * records override it, and generating a year never replaces them
 * (md_insert_only).
 *
 * Two kinds of run pay no period of work and have periods of their own:
 *  - "YYYY-13M": the 13th-month pay of calendar year YYYY (PD 851), from
 *    1 January to 31 December, due (pay_date) 24 December;
 *  - "FINAL-YYYY-MM-DD": the final pay of the guards separated on that
 *    date (DOLE Labor Advisory 06-2020), from 1 January of its year to the
 *    date, due 30 days after it.
 * Their paysheets are PERIOD/GUARD like any other, so whatever reads the
 * paysheets of a period reads them unchanged.
 *
 * Uses core.
 */
#ifndef ARMMS_PAY_PERIOD_H
#define ARMMS_PAY_PERIOD_H

#include <jv.h>

#include "core/clock.h"

/* The 24 semi-monthly periods of year, in order, as period records (an
 * array of {period_id, from, to, pay_date}, the caller's). */
jv pay_year_periods(int year);

enum { PAY_PERIOD_REGULAR, PAY_PERIOD_THIRTEENTH, PAY_PERIOD_FINAL };

/* What kind of period id is: PAY_PERIOD_* with *from and *to its dates
 * and *due its pay date, or -1 when it is no period id. */
int pay_period_kind(const char *id, day_t *from, day_t *to, day_t *due);

#endif
