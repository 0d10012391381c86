/*
 * test_money.c - pesos text <-> integer centavos (lib/money.h).
 *
 * An amount is an int64 count of centavos; text has at most two decimals and
 * optional grouping commas in threes. Expected values are by hand.
 */
#include <math.h>
#include <stdint.h>

#include "core/money.h"
#include "t.h"

static void test_parse_accepts(void)
{
    static const struct {
        const char *s;
        money_t c;
        const char *what;
    } ok[] = {
        {"695", 69500, "a whole daily rate of 695 pesos is 69500 centavos"},
        {"695.00", 69500, "695.00 pesos is 69500 centavos"},
        {"695.5", 69550, "695.5 pesos (one decimal) is 69550 centavos, not 69505"},
        {"695.05", 69505, "695.05 pesos is 69505 centavos"},
        {"0.01", 1, "0.01 pesos is one centavo"},
        {".50", 50, "a leading decimal point: .50 pesos is 50 centavos"},
        {"0", 0, "0 pesos is 0 centavos"},
        {"1,250.00", 125000, "1,250.00 with a grouping comma is 125000 centavos"},
        {"1,250,000.75", 125000075, "1,250,000.75 with two grouping commas is 125000075"},
        {"-12.30", -1230, "a deduction of -12.30 pesos is -1230 centavos"},
        {"-0.05", -5, "-0.05 pesos is -5 centavos"},
        {"+5", 500, "+5 pesos is 500 centavos"},
        {"90000000000000", 9000000000000000LL, "90 trillion pesos is the largest amount"},
        {"-90000000000000.99", -9000000000000099LL, "-90 trillion pesos and 99 centavos parses"},
    };
    for (size_t i = 0; i < sizeof ok / sizeof *ok; i++) {
        money_t c = 424242;
        int rc = money_parse(ok[i].s, &c);
        T_EQ_INT(rc, 0, "\"%s\" is valid pesos text", ok[i].s);
        T_EQ_INT(c, ok[i].c, "%s", ok[i].what);
    }
}

static void test_parse_rejects(void)
{
    static const struct {
        const char *s, *why;
    } bad[] = {
        {"695.001", "three decimals"},
        {"abc", "letters"},
        {"", "the empty string"},
        {"1,25.00", "a comma group of two digits"},
        {"12,3456.00", "a comma group of four digits"},
        {"1234,567.00", "four digits before the first grouping comma"},
        {",250.00", "a leading comma"},
        {"1,,250.00", "two commas in a row"},
        {"1,250,", "a trailing comma"},
        {"--1", "a doubled sign"},
        {"-", "a sign alone"},
        {".", "a decimal point alone"},
        {"1.2.3", "two decimal points"},
        {"NaN", "NaN"},
        {"inf", "infinity"},
        {"1e3", "an exponent"},
        {"695.5x", "trailing junk"},
        {"PHP 695", "a currency prefix"},
        {"90000000000001", "more than 90 trillion pesos"},
        {"99999999999999999999999", "an amount that would overflow int64"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        money_t c = 424242;
        T_EQ_INT(money_parse(bad[i].s, &c), -1, "money_parse rejects %s: \"%s\"", bad[i].why,
                 bad[i].s);
    }
}

static void test_format(void)
{
    char buf[24];
    static const struct {
        money_t c;
        const char *s;
    } f[] = {
        {69500, "695.00"},
        {69550, "695.50"},
        {125000, "1250.00"},
        {0, "0.00"},
        {1, "0.01"},
        {-5, "-0.05"},
        {-1230, "-12.30"},
        {-100, "-1.00"},
        {9000000000000000LL, "90000000000000.00"},
        {INT64_MAX, "92233720368547758.07"},
        {INT64_MIN, "-92233720368547758.08"},
    };
    for (size_t i = 0; i < sizeof f / sizeof *f; i++) {
        money_format(f[i].c, buf);
        T_EQ_STR(buf, f[i].s, "%lld centavos is written %s", (long long)f[i].c, f[i].s);
    }
    /* Round trip: what money_format writes, money_parse reads back. */
    static const money_t rt[] = {69550, -5, 0, 125000075, -9000000000000099LL};
    for (size_t i = 0; i < sizeof rt / sizeof *rt; i++) {
        money_t c = 0;
        money_format(rt[i], buf);
        T_OK(money_parse(buf, &c) == 0 && c == rt[i],
             "%lld centavos survives money_format then money_parse (\"%s\")", (long long)rt[i],
             buf);
    }
}

static void test_from_json_number(void)
{
    money_t c = 424242;
    T_EQ_INT(money_from_json_number(69500.0, &c), 0, "the JSON number 69500 is whole centavos");
    T_EQ_INT(c, 69500, "69500.0 gives exactly 69500 centavos");
    T_EQ_INT(money_from_json_number(-1230.0, &c), 0, "a negative whole number is accepted");
    T_EQ_INT(c, -1230, "-1230.0 gives -1230 centavos");
    T_EQ_INT(money_from_json_number(0.0, &c), 0, "zero is accepted");
    T_EQ_INT(c, 0, "0.0 gives 0 centavos");
    T_EQ_INT(money_from_json_number(9007199254740992.0, &c), 0, "2^53 itself is accepted");
    T_EQ_INT(c, 9007199254740992LL, "2^53 gives exactly 9007199254740992 centavos");

    c = 424242;
    T_EQ_INT(money_from_json_number(695.5, &c), -1, "695.5 is not whole centavos and is rejected");
    T_EQ_INT(c, 424242, "a rejected number leaves the amount untouched");
    T_EQ_INT(money_from_json_number(0.01, &c), -1, "0.01 (pesos written as a float) is rejected");
    T_EQ_INT(money_from_json_number(9007199254740994.0, &c), -1, "2^53 + 2 is beyond 2^53");
    T_EQ_INT(money_from_json_number(1e300, &c), -1, "1e300 is rejected");
    T_EQ_INT(money_from_json_number(-1e300, &c), -1, "-1e300 is rejected");
    T_EQ_INT(money_from_json_number(NAN, &c), -1, "NaN is rejected");
    T_EQ_INT(money_from_json_number(INFINITY, &c), -1, "infinity is rejected");
}

/* The one rounding rule: exact, half away from zero, once. */
static void test_scale(void)
{
    /* 2,562 overtime minutes at 740.00 a day, 125%: 74000 x 2562 x 12500 /
     * (480 x 10000) = 493718.75 -> 4,937.19 */
    T_EQ_INT(money_scale(74000, 2562LL * 12500, 480LL * 10000), 493719, "a line rounds once");
    T_EQ_INT(money_scale(1, 1, 2), 1, "an exact half rounds up");
    T_EQ_INT(money_scale(-1, 1, 2), -1, "a negative half rounds away from zero (an adjustment)");
    T_EQ_INT(money_scale(3, 1, 4), 1, "0.75 rounds to 1");
    T_EQ_INT(money_scale(1, 1, 4), 0, "0.25 rounds to 0");
    T_EQ_INT(money_scale(-1, 1, 4), 0, "-0.25 rounds to 0");
    T_EQ_INT(money_scale(0, 123, 7), 0, "nothing is nothing");
    /* 906.396: PhilHealth's 5% of 18,127.92 */
    T_EQ_INT(money_scale(1812792, 500, 10000), 90640, "5%% of 18,127.92 is 906.40");
    /* beyond 64 bits in between: 9e12 centavos x 1e8 / 1e8 */
    T_EQ_INT(money_scale(9000000000000LL, 100000000LL, 100000000LL), 9000000000000LL,
             "a product beyond 2^63 is exact (128-bit intermediate)");
    T_EQ_INT(money_scale(80000, 240LL * 16900 * 1000 / 10000, 480LL * 10000), 6760,
             "ND on rest-day OT: 240 min at 800.00 x 169%% x 10%% = 67.60");
}

int main(void)
{
    test_scale();
    test_parse_accepts();
    test_parse_rejects();
    test_format();
    test_from_json_number();
    return t_done();
}
