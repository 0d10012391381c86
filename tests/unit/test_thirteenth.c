/*
 * test_thirteenth.c - the 13th-month arithmetic (pay/thirteenth.h), the
 * settling of loans on a final pay (pay/final.h) and the special period
 * ids (pay/period.h).
 *
 * 13th-month pay is the year's basic pay / 12 rounded once (half away from
 * zero) less what was paid already; it is exempt together with other
 * benefits up to the annual ceiling (RA 10963; 90,000.00 from 2018).
 * Expected values are by hand, in centavos.
 */
#include "pay/final.h"
#include "pay/period.h"
#include "pay/thirteenth.h"
#include "t.h"

static thirteenth_calc calc(money_t basic, money_t paid, money_t other, money_t ceiling)
{
    thirteenth_calc c = {.basic = basic, .paid = paid, .other = other, .ceiling = ceiling};
    thirteenth_figure(&c);
    return c;
}

static void test_figure(void)
{
    thirteenth_calc c = calc(3120000, 0, 0, 9000000);
    T_EQ_INT(c.due, 260000, "31,200.00 basic (hired in October) is 2,600.00");
    T_EQ_INT(c.exempt, 260000, "... all of it exempt");
    T_EQ_INT(c.taxable, 0, "... nothing taxable");
    c = calc(1040000, 0, 0, 9000000);
    T_EQ_INT(c.due, 86667, "10,400.00 / 12 = 866.666... rounds up to 866.67");
    c = calc(1000006, 0, 0, 9000000);
    T_EQ_INT(c.due, 83334, "10,000.06 / 12 = 833.3383... rounds to 833.34");
    c = calc(1000005, 0, 0, 9000000);
    T_EQ_INT(c.due, 83334, "10,000.05 / 12 = 833.3375 rounds up to 833.34");
    c = calc(1000001, 0, 0, 9000000);
    T_EQ_INT(c.due, 83333, "10,000.01 / 12 = 833.3342 rounds down to 833.33");
    c = calc(1040000, 86667, 0, 9000000);
    T_EQ_INT(c.due, 0, "paid in full on a final pay: nothing more is due");
    c = calc(1120000, 86667, 0, 9000000);
    T_EQ_INT(c.due, 6666, "11,200.00 / 12 = 933.33 less 866.67 paid = 66.66");
    c = calc(0, 0, 0, 9000000);
    T_EQ_INT(c.due, 0, "no basic pay, no 13th month");
    c = calc(-50000, 0, 0, 9000000);
    T_EQ_INT(c.due, 0, "a year of negative adjustments pays nothing, not a negative amount");
    c = calc(1040000, 90000, 0, 9000000);
    T_EQ_INT(c.due, 0, "more paid than the whole year's figure: never below zero");
}

static void test_ceiling(void)
{
    thirteenth_calc c = calc(12000000, 0, 8000000, 9000000);
    T_EQ_INT(c.due, 1000000, "120,000.00 basic is 10,000.00");
    T_EQ_INT(c.taxable, 0, "10,000.00 + 80,000.00 other benefits = 90,000.00: all exempt");
    c = calc(12000000, 0, 8000001, 9000000);
    T_EQ_INT(c.exempt, 999999, "one centavo over the ceiling: 9,999.99 exempt");
    T_EQ_INT(c.taxable, 1, "... and 0.01 taxable");
    c = calc(12000000, 0, 7999999, 9000000);
    T_EQ_INT(c.taxable, 0, "one centavo under the ceiling: nothing taxable");
    c = calc(12000000, 0, 9500000, 9000000);
    T_EQ_INT(c.exempt, 0, "other benefits above the ceiling already: no room left");
    T_EQ_INT(c.taxable, 1000000, "... the whole 13th month is taxable");
    c = calc(120000000, 0, 0, 9000000);
    T_EQ_INT(c.due, 10000000, "1,200,000.00 basic is 100,000.00");
    T_EQ_INT(c.exempt, 9000000, "... 90,000.00 exempt");
    T_EQ_INT(c.taxable, 1000000, "... 10,000.00 taxable");
    c = calc(120000000, 5000000, 0, 9000000);
    T_EQ_INT(c.due, 5000000, "50,000.00 paid on a final pay: 50,000.00 left");
    T_EQ_INT(c.exempt, 4000000, "... the first 50,000.00 used the room: 40,000.00 exempt");
    T_EQ_INT(c.taxable, 1000000, "... 10,000.00 taxable");
    c = calc(12000000, 0, 0, 8200000);
    T_EQ_INT(c.taxable, 0, "an older ceiling (82,000.00, RA 10653) is just another figure");
}

static void test_periods(void)
{
    day_t a, b, due;
    char f[11], t[11], d[11];
    T_EQ_INT(pay_period_kind("2026-13M", &a, &b, &due), PAY_PERIOD_THIRTEENTH, "2026-13M");
    date_format(a, f);
    date_format(b, t);
    date_format(due, d);
    T_EQ_STR(f, "2026-01-01", "the 13th month runs from 1 January");
    T_EQ_STR(t, "2026-12-31", "... to 31 December");
    T_EQ_STR(d, "2026-12-24", "... and is due by 24 December (PD 851 IRR)");
    T_EQ_INT(pay_period_kind("FINAL-2026-11-15", &a, &b, &due), PAY_PERIOD_FINAL,
             "FINAL-2026-11-15");
    date_format(a, f);
    date_format(b, t);
    date_format(due, d);
    T_EQ_STR(f, "2026-01-01", "a final pay's year starts 1 January");
    T_EQ_STR(t, "2026-11-15", "... ends on the separation date");
    T_EQ_STR(d, "2026-12-15", "... and is due 30 days later (Labor Advisory 06-2020)");
    T_EQ_INT(pay_period_kind("2026-11-A", &a, &b, &due), PAY_PERIOD_REGULAR, "a half-month");
    T_EQ_INT(pay_period_kind("2026-13A", &a, &b, &due), -1, "2026-13A is no period");
    T_EQ_INT(pay_period_kind("2026-13-A", &a, &b, &due), -1, "2026-13-A is no period");
    T_EQ_INT(pay_period_kind("26-13M", &a, &b, &due), -1, "a two-digit year is no period");
    T_EQ_INT(pay_period_kind("2026-13MX", &a, &b, &due), -1, "trailing text is no period");
    T_EQ_INT(pay_period_kind("FINAL-2026-02-30", &a, &b, &due), -1, "no 30 February");
    T_EQ_INT(pay_period_kind("FINAL-2026-11-1", &a, &b, &due), -1, "a short date");
    T_EQ_INT(pay_period_kind(NULL, &a, &b, &due), -1, "no id at all");
}

static void test_settle(void)
{
    /* 3,566.67 before loans, floor 2,000.00, four installments of 500.00 */
    final_item a[] = {{0, 50000, 0}, {0, 50000, 0}, {0, 50000, 0}, {0, 50000, 0}};
    T_EQ_INT(final_settle(a, 4, 356667, 200000), 206667, "three of 500.00 fit: 2,066.67 left");
    T_EQ_INT(a[2].taken + 2 * a[3].taken, 1, "the third is taken, the fourth owed");
    /* one loan's big installment does not fit: its later ones stay owed
     * (schedule order), another loan's smaller one is still taken */
    final_item b[] = {{0, 100000, 0}, {0, 10000, 0}, {2, 20000, 0}};
    T_EQ_INT(final_settle(b, 3, 150000, 100000), 130000,
             "1,000.00 would break the floor; 200.00 of the next loan fits");
    T_EQ_INT(b[0].taken * 4 + b[1].taken * 2 + b[2].taken, 1,
             "the first loan's 100.00 after its 1,000.00 is owed too");
    final_item c[] = {{0, 50000, 0}};
    T_EQ_INT(final_settle(c, 1, 250000, 200000), 200000, "a net exactly at the floor is allowed");
    T_EQ_INT(c[0].taken, 1, "... so the installment is taken");
    final_item d[] = {{0, 50001, 0}};
    T_EQ_INT(final_settle(d, 1, 250000, 200000), 250000, "one centavo under the floor is not");
    T_EQ_INT(final_settle(NULL, 0, 123, 0), 123, "no loans: the net as it was");
}

int main(void)
{
    test_figure();
    test_ceiling();
    test_settle();
    test_periods();
    return t_done();
}
