/*
 * money.h - pesos and centavos.
 *
 * Invariant: money is an int64 count of centavos everywhere; no floating
 * point touches an amount. Text is pesos with at most two decimals
 * ("695", "695.5", "695.00", "-12.30", "1,250.00" with grouping commas).
 *
 * Uses nothing of ARMMS.
 */
#ifndef ARMMS_MONEY_H
#define ARMMS_MONEY_H

#include <stdint.h>

typedef int64_t money_t; /* centavos */

/* Parse pesos text; 0, or -1 on anything else (three decimals, junk,
 * overflow past +-90 trillion pesos). */
int money_parse(const char *s, money_t *c);
/* "1250.00" (no grouping) into buf (>= 24 bytes). */
void money_format(money_t c, char *buf);
/* Exact integer value of a JSON number that must be whole centavos:
 * 0, or -1 when d is not an integer or is beyond 2^53. */
int money_from_json_number(double d, money_t *c);

/* The one rounding rule of payroll: amount x num / den in exact integer
 * arithmetic (128-bit intermediate), rounded half away from zero to the
 * centavo, once. den > 0. A line's pay is money_scale(daily_rate,
 * minutes x multiplier_bp, 480 x 10000); a share is money_scale(base,
 * rate_bp, 10000). */
money_t money_scale(money_t amount, int64_t num, int64_t den);
#endif
