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
 * Uses core.
 */
#ifndef ARMMS_PAY_PERIOD_H
#define ARMMS_PAY_PERIOD_H

#include <jv.h>

/* The 24 semi-monthly periods of year, in order, as period records (an
 * array of {period_id, from, to, pay_date}, the caller's). */
jv pay_year_periods(int year);

#endif
