/*
 * rules.h - the effective-dated rules payroll prices and deducts by: day-type
 * premiums, statutory contribution schedules, the withholding tax table,
 * regional minimum wages, pay policy and the deduction priority, as a
 * tenant's pay.db holds them.
 *
 * Every rule is data (md kinds; the defaults shipped in data/ are loaded by
 * armms-init, a tenant imports its own with armms-import), each row citing
 * its source. No code here knows a year: a new circular is a new row with a
 * later valid_from. A lookup names the date the rule must be in force on;
 * none in force is a NO_RULE rejection naming the table and the date, never
 * a zero. A statutory table in force on a date whose rows are not a table
 * (its first bracket not from 0.00, or fixed credits that do not rise: a
 * bracket of an older schedule left without its valid_to) is a BAD_RULE
 * rejection saying so; a negative contribution base is BAD_BASE.
 *
 * Brackets (pay.db contribution and tax, migration 4): the bracket of a
 * base is the row with the greatest base_from at or below it among the
 * rows of the scheme in force on the date, so a bracket printed
 * "5,250 - 5,749.99" is the row from 5250.00 and one centavo below it is
 * in the bracket before.
 *
 * pay_rules_load reads every rule once into memory, so a payrun for
 * 100,000 guards does its lookups without SQL.
 *
 * Arithmetic: integer centavos, basis points (10000 = 100%), the one
 * rounding rule of core/money.h (money_scale) once per share or line.
 *
 * Uses core and store.
 */
#ifndef ARMMS_PAY_RULES_H
#define ARMMS_PAY_RULES_H

#include <sqlite3.h>
#include <stddef.h>

#include "core/money.h"
#include "core/reject.h"
#include "core/util.h"

typedef struct pay_rules pay_rules;

/* Read every rule table of db (pay.db) into *out (the caller frees it). */
int pay_rules_load(sqlite3 *db, pay_rules **out, armms_err *err);
void pay_rules_free(pay_rules *r);

/* Premium pay of one day type (Labor Code arts. 87, 93, 94; its IRR). */
typedef struct pay_premium {
    char day_type[24];            /* day_type_names[] */
    char code[16];                /* line code prefix ("" for the ordinary day) */
    char label[64];               /* "Regular holiday" */
    int regular_bp, ot_bp, nd_bp; /* first 8 h, OT hour, ND as bp of the hour's rate */
    int unworked_bp;              /* pay for the day when not worked (0: none) */
    char source[128];
} pay_premium;
int pay_premium_on(const pay_rules *r, const char *day_type, const char *on, pay_premium *p,
                   rejection *rj);

/* A contribution for a base in centavos: scheme "sss" (base: the month's
 * compensation), "philhealth" (the monthly basic salary), "hdmf" (the
 * month's compensation). Shares: SSS and Pag-IBIG each share its own rate
 * of the credit (SSS: of the regular part and of the MPF part, each
 * rounded once, ee and er their sums); PhilHealth one premium at the total
 * rate, the employee's half rounded down, the odd centavo the
 * employer's. */
typedef struct pay_contrib {
    money_t base;           /* as given */
    money_t credit;         /* SSS monthly salary credit, PhilHealth base after floor and
                               ceiling, Pag-IBIG fund salary after the cap */
    money_t credit_ss;      /* SSS: the regular social security part of the credit */
    money_t credit_mpf;     /* SSS: the Mandatory Provident Fund part (0 when none) */
    money_t ee, er;         /* employee and employer shares (EC not included) */
    money_t ee_mpf, er_mpf; /* SSS: the MPF parts of ee and er */
    money_t ec;             /* SSS Employees' Compensation, employer only */
    char source[128];       /* the circular */
} pay_contrib;
int pay_contrib_on(const pay_rules *r, const char *scheme, const char *on, money_t base,
                   pay_contrib *c, rejection *rj);

/* Withholding tax on a half-month's taxable compensation (the semi-monthly
 * table of RR 11-2018 and its successors): fixed + rate of the excess over
 * the bracket's base_from, the excess rounded once; nothing taxable (zero
 * or less) is no tax. source (n bytes) gets the table's source. */
int pay_tax_on(const pay_rules *r, const char *on, money_t taxable, money_t *tax, char *source,
               size_t n, rejection *rj);

/* The daily minimum wage of a region in force on a date: 1 with *rate set,
 * 0 when the tenant has none for that region (nobody there is a minimum
 * wage earner by this test). */
int pay_min_wage_on(const pay_rules *r, const char *region, const char *on, money_t *rate);

/* A pay policy value ("net_floor", "days_per_year", ...), borrowed from r:
 * 0, or REJECTED (NO_RULE) when the key has no value in force on the date. */
int pay_policy_on(const pay_rules *r, const char *key, const char *on, const char **val,
                  rejection *rj);

/* The rank of a deduction code (lower is taken first, deferred last); a
 * code without a row of its own takes the rank of "OTHER", and INT_MAX
 * when there is no OTHER either. */
int pay_priority_on(const pay_rules *r, const char *code, const char *on);

#endif
