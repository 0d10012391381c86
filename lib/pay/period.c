/*
 * period.c - see period.h.
 *
 * Invariant: the records are exactly those period_parse reads back, so an
 * import of them passes the period kind's own check (check_period).
 */
#include "pay/period.h"

#include <assert.h>
#include <stdio.h>
#include <string.h>

#include "core/clock.h"

enum { PAY_DAY_AFTER_END = 5 }; /* the default; tenant data may override */

jv pay_year_periods(int year)
{
    jv out = jv_array();
    for (int m = 1; m <= 12; m++)
        for (int half = 0; half < 2; half++) {
            char id[16], f[11], t[11], p[11];
            snprintf(id, sizeof id, "%04d-%02d-%c", year, m, half ? 'B' : 'A');
            day_t a, b;
            int bad = period_parse(id, &a, &b);
            assert(!bad);
            (void)bad;
            date_format(a, f);
            date_format(b, t);
            date_format(b + PAY_DAY_AFTER_END, p);
            jv rec = jv_object();
            rec = jv_object_set(rec, jv_string("period_id"), jv_string(id));
            rec = jv_object_set(rec, jv_string("from"), jv_string(f));
            rec = jv_object_set(rec, jv_string("to"), jv_string(t));
            rec = jv_object_set(rec, jv_string("pay_date"), jv_string(p));
            out = jv_array_append(out, rec);
        }
    return out;
}

enum { FINAL_PAY_DAYS = 30 }; /* DOLE Labor Advisory 06-2020 */

int pay_period_kind(const char *id, day_t *from, day_t *to, day_t *due)
{
    int y;
    char tail;
    if (!id)
        return -1;
    if (period_parse(id, from, to) == 0) {
        *due = *to + PAY_DAY_AFTER_END;
        return PAY_PERIOD_REGULAR;
    }
    if (strlen(id) == 8 && sscanf(id, "%4d-13%c", &y, &tail) == 2 && tail == 'M' &&
        strspn(id, "0123456789") == 4 && y >= 1970 && y <= 9999) {
        *from = days_from_civil(y, 1, 1);
        *to = days_from_civil(y, 12, 31);
        *due = days_from_civil(y, 12, 24); /* PD 851 IRR: not later than 24 December */
        return PAY_PERIOD_THIRTEENTH;
    }
    if (strncmp(id, "FINAL-", 6) == 0 && strlen(id) == 16 && date_parse(id + 6, to) == 0) {
        int m, d;
        civil_from_days(*to, &y, &m, &d);
        *from = days_from_civil(y, 1, 1);
        *due = *to + FINAL_PAY_DAYS;
        return PAY_PERIOD_FINAL;
    }
    return -1;
}
