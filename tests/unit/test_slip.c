/*
 * test_slip.c - the cells a payslip shows (lib/out/slip.h): money with
 * grouping, hours as h:mm, multipliers as percentages, a line's dates, an
 * adjustment's label and a waived item's status. Expected values by hand.
 */
#include <stdlib.h>

#include "out/slip.h"
#include "t.h"

static void test_money(void)
{
    char b[32];
    static const struct {
        money_t c;
        const char *want;
    } cases[] = {
        {0, "0.00"},
        {5, "0.05"},
        {69500, "695.00"},
        {125000, "1,250.00"},
        {1465255, "14,652.55"},
        {100000000, "1,000,000.00"},
        {-1230, "-12.30"},
        {-125000, "-1,250.00"},
        {999, "9.99"},
        {INT64_MAX, "92,233,720,368,547,758.07"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        slip_money(cases[i].c, b);
        T_EQ_STR(b, cases[i].want, "%lld centavos show as %s", (long long)cases[i].c,
                 cases[i].want);
    }
}

static void test_hours(void)
{
    char b[16];
    slip_hours(5760, b);
    T_EQ_STR(b, "96:00", "12 days of 480 minutes are 96:00");
    slip_hours(2601, b);
    T_EQ_STR(b, "43:21", "2,601 minutes are 43:21");
    slip_hours(5, b);
    T_EQ_STR(b, "0:05", "five minutes are 0:05");
    slip_hours(-480, b);
    T_EQ_STR(b, "-8:00", "an adjustment taking back a day is -8:00");
}

static void test_percent(void)
{
    char b[16];
    slip_percent(10000, b);
    T_EQ_STR(b, "100%", "10000 basis points are 100%%");
    slip_percent(16900, b);
    T_EQ_STR(b, "169%", "rest-day overtime is 169%%");
    slip_percent(1250, b);
    T_EQ_STR(b, "12.5%", "night differential on overtime is 12.5%%");
    slip_percent(1690, b);
    T_EQ_STR(b, "16.9%", "on a special day it is 16.9%%");
    slip_percent(1, b);
    T_EQ_STR(b, "0.01%", "one basis point is 0.01%%");
}

static void test_dates(void)
{
    char b[16];
    slip_dates("2026-11-02", "2026-11-14", b);
    T_EQ_STR(b, "11/02-11/14", "a line over days shows its first and last");
    slip_dates("2026-11-08", "2026-11-08", b);
    T_EQ_STR(b, "11/08", "a line of one day shows it once");
}

static void test_labels(void)
{
    jv l = jv_parse("{\"label\":\"Rest day\",\"adjusts_period\":\"2026-11-A\"}");
    char *s = slip_line_label(l);
    T_EQ_STR(s, "Rest day (corrects 2026-11-A)", "an adjustment names the period it corrects");
    free(s);
    jv_free(l);
    char st[64];
    jv d = jv_parse("{\"status\":\"WAIVED\",\"waiver\":{\"reason\":\"x\",\"policy\":\"carry\","
                    "\"to_period\":\"2026-11-B\"}}");
    slip_ded_status(d, st);
    T_EQ_STR(st, "WAIVED to 2026-11-B", "a waived item says where it went");
    jv_free(d);
    d = jv_parse("{\"status\":\"APPLIED\"}");
    slip_ded_status(d, st);
    T_EQ_STR(st, "", "an applied item has no status shown");
    jv_free(d);
}

int main(void)
{
    test_money();
    test_hours();
    test_percent();
    test_dates();
    test_labels();
    return t_done();
}
