/*
 * bank_field.h - a profile's field, private to the bank writer
 * (bank_profile.c parses it, bank.c writes it). See bank.h for the
 * profile's format.
 *
 * Uses core.
 */
#ifndef ARMMS_OUT_BANK_FIELD_H
#define ARMMS_OUT_BANK_FIELD_H

/* What a field holds; the BV_MONEY_* are amounts, the BV_INT_* integers,
 * the BV_DATE_* dates, the rest text. */
typedef enum bank_value {
    BV_CONST,
    BV_PARAM,
    BV_PERIOD,
    BV_ACCOUNT,
    BV_NAME,
    BV_LAST_NAME,
    BV_FIRST_NAME,
    BV_EMPLOYEE_NO,
    BV_GUARD_ID,
    BV_BANK_CODE,
    BV_MONEY_NET,
    BV_MONEY_TOTAL,
    BV_MONEY_MAX,
    BV_INT_SEQ,
    BV_INT_HASH,
    BV_INT_COUNT,
    BV_INT_ACCOUNT_TOTAL,
    BV_INT_HASH_TOTAL,
    BV_DATE_PAY,
    BV_DATE_FROM,
    BV_DATE_TO,
} bank_value;

#define BV_IS_MONEY(v) ((v) >= BV_MONEY_NET && (v) <= BV_MONEY_MAX)
#define BV_IS_INT(v) ((v) >= BV_INT_SEQ && (v) <= BV_INT_HASH_TOTAL)
#define BV_IS_DATE(v) ((v) >= BV_DATE_PAY && (v) <= BV_DATE_TO)
/* Values only a detail record has: one guard's. */
#define BV_IS_DETAIL(v)                                                                           \
    (((v) >= BV_ACCOUNT && (v) <= BV_MONEY_NET) || (v) == BV_INT_SEQ || (v) == BV_INT_HASH)

enum { BANK_OVERFLOW_ERROR, BANK_OVERFLOW_TRUNCATE, BANK_OVERFLOW_KEEP_RIGHT };

struct bank_field {
    char *title;
    bank_value value;
    char *text; /* BV_CONST: the constant; BV_PARAM: the parameter's name */
    int width;  /* 0: as it is */
    int right;
    char pad;
    int decimals, implied;
    char *date; /* pattern of YYYY, YY, MM, DD */
    int overflow;
};

#endif
