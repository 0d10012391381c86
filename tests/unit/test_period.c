/*
 * test_period.c - the semi-monthly pay periods of a year (lib/pay/period.h).
 *
 * Twice a month (Labor Code art. 103): A is the 1st to the 15th, B the 16th
 * to the month's last day, pay day five days after the end. Expected
 * values are by hand.
 */
#include <jv.h>

#include "pay/period.h"
#include "t.h"

static const char *field(jv ps, int i, const char *key, char *buf, size_t n)
{
    jv v = jv_object_get(jv_array_get(jv_copy(ps), i), jv_string(key));
    snprintf(buf, n, "%s", jv_get_kind(v) == JV_KIND_STRING ? jv_string_value(v) : "?");
    jv_free(v);
    return buf;
}

static void check(jv ps, int i, const char *id, const char *from, const char *to, const char *pay)
{
    char b[32];
    T_EQ_STR(field(ps, i, "period_id", b, sizeof b), id, "period %d is %s", i + 1, id);
    T_EQ_STR(field(ps, i, "from", b, sizeof b), from, "%s starts %s", id, from);
    T_EQ_STR(field(ps, i, "to", b, sizeof b), to, "%s ends %s", id, to);
    T_EQ_STR(field(ps, i, "pay_date", b, sizeof b), pay, "%s is paid %s", id, pay);
}

int main(void)
{
    jv ps = pay_year_periods(2024);
    T_EQ_INT(jv_array_length(jv_copy(ps)), 24, "a year has 24 semi-monthly periods");
    check(ps, 0, "2024-01-A", "2024-01-01", "2024-01-15", "2024-01-20");
    check(ps, 1, "2024-01-B", "2024-01-16", "2024-01-31", "2024-02-05");
    check(ps, 3, "2024-02-B", "2024-02-16", "2024-02-29", "2024-03-05"); /* leap year */
    check(ps, 23, "2024-12-B", "2024-12-16", "2024-12-31", "2025-01-05");
    jv_free(ps);
    ps = pay_year_periods(2026);
    check(ps, 3, "2026-02-B", "2026-02-16", "2026-02-28", "2026-03-05");
    jv_free(ps);
    return t_done();
}
