/*
 * test_rules.c - the payroll rules (pay/rules.h) as ARMMS ships them
 * (pay/shipped.h), checked against figures worked out by hand from the
 * circulars: each SSS schedule (2023-2024 and 2025) at, one centavo below
 * and above its bracket edges, its floor and ceiling, the EC edge at MSC
 * 15,000 and the MPF split from compensation 20,250; PhilHealth's floor,
 * ceiling and odd centavo; Pag-IBIG's 1,500 edge and its fund salary cap
 * before and after HDMF Circular 460; every edge of the semi-monthly tax
 * table and one centavo either side; premiums, policy, minimum wages and
 * priorities; and tables that are not tables (BAD_RULE) or not there
 * (NO_RULE).
 *
 * The shipped rules are loaded into a tenant in a fresh ARMMS_HOME under
 * /tmp, removed at the end; the broken tables live in an in-memory pay.db.
 */
#define _GNU_SOURCE
#include <ftw.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#include "cli/actions.h"
#include "pay/rules.h"
#include "pay/shipped.h"
#include "store/store.h"
#include "store/tenant.h"
#include "t.h"

static const pay_rules *R;

static int rm_entry(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
    return remove(path);
}

/* One contribution against its expected shares (centavos). */
static void contrib(const char *scheme, const char *on, money_t base, money_t credit, money_t mpf,
                    money_t ee, money_t er, money_t ee_mpf, money_t er_mpf, money_t ec)
{
    pay_contrib c;
    rejection rj = {0};
    int rc = pay_contrib_on(R, scheme, on, base, &c, &rj);
    T_EQ_INT(rc, 0, "%s on %s for %lld: in force (%s)", scheme, on, (long long)base,
             rj.code ? rj.msg : "ok");
    if (rc)
        return;
    int ok = c.base == base && c.credit == credit && c.credit_mpf == mpf &&
             c.credit_ss == credit - mpf && c.ee == ee && c.er == er && c.ee_mpf == ee_mpf &&
             c.er_mpf == er_mpf && c.ec == ec && c.source[0];
    T_OK(ok, "%s on %s for %lld: credit %lld (mpf %lld), ee %lld, er %lld, ec %lld", scheme, on,
         (long long)base, (long long)credit, (long long)mpf, (long long)ee, (long long)er,
         (long long)ec);
    if (!ok)
        printf("#   got credit %lld ss %lld mpf %lld ee %lld er %lld ee_mpf %lld er_mpf %lld "
               "ec %lld source '%s'\n",
               (long long)c.credit, (long long)c.credit_ss, (long long)c.credit_mpf,
               (long long)c.ee, (long long)c.er, (long long)c.ee_mpf, (long long)c.er_mpf,
               (long long)c.ec, c.source);
}

/* SSS without an MPF part; with one (credit above 20,000). */
static void sss(const char *on, money_t base, money_t msc, int ee_bp, int er_bp, money_t ec)
{
    money_t mpf = msc > 2000000 ? msc - 2000000 : 0, ss = msc - mpf;
    money_t ee_mpf = mpf * ee_bp / 10000, er_mpf = mpf * er_bp / 10000;
    /* every MSC is a multiple of 500.00: the shares are exact */
    contrib("sss", on, base, msc, mpf, ss * ee_bp / 10000 + ee_mpf, ss * er_bp / 10000 + er_mpf,
            ee_mpf, er_mpf, ec);
}

static void tax(const char *on, money_t taxable, money_t want)
{
    money_t got = -1;
    char src[128] = "";
    rejection rj = {0};
    int rc = pay_tax_on(R, on, taxable, &got, src, sizeof src, &rj);
    T_OK(rc == 0 && got == want && src[0], "tax on %lld centavos on %s is %lld",
         (long long)taxable, on, (long long)want);
    if (rc || got != want)
        printf("#   got %lld (%s)\n", (long long)got, rj.code ? rj.msg : "");
}

static void no_rule(const char *scheme, const char *on, money_t base, const char *code)
{
    pay_contrib c;
    money_t t;
    rejection rj = {0};
    int rc = strcmp(scheme, "tax") ? pay_contrib_on(R, scheme, on, base, &c, &rj)
                                   : pay_tax_on(R, on, base, &t, NULL, 0, &rj);
    T_OK(rc == REJECTED && rj.code && !strcmp(rj.code, code), "%s on %s: %s (%s)", scheme, on,
         code, rj.code ? rj.msg : "no rejection");
}

static void shipped_sss(void)
{
    const char *y24 = "2024-06-30", *y25 = "2025-01-01";
    /* 2023-2024 (SSS Circular 2022-033): 4.5% + 9.5%, MSC 4,000-30,000 */
    sss(y24, 0, 400000, 450, 950, 1000);
    sss(y24, 424999, 400000, 450, 950, 1000);
    sss(y24, 425000, 450000, 450, 950, 1000);
    sss(y24, 425001, 450000, 450, 950, 1000);
    contrib("sss", y24, 425000, 450000, 0, 20250, 42750, 0, 0, 1000);
    sss(y24, 1474999, 1450000, 450, 950, 1000);
    sss(y24, 1475000, 1500000, 450, 950, 3000);
    sss(y24, 2024999, 2000000, 450, 950, 3000);
    sss(y24, 2025000, 2050000, 450, 950, 3000);
    contrib("sss", y24, 2025000, 2050000, 50000, 92250, 194750, 2250, 4750, 3000);
    sss(y24, 2974999, 2950000, 450, 950, 3000);
    sss(y24, 2975000, 3000000, 450, 950, 3000);
    contrib("sss", y24, 10000000, 3000000, 1000000, 135000, 285000, 45000, 95000, 3000);
    sss("2024-12-31", 2000000, 2000000, 450, 950, 3000);
    /* 2025 (SSS Circular 2024-006): 5% + 10%, MSC 5,000-35,000 */
    sss(y25, 0, 500000, 500, 1000, 1000);
    sss(y25, 524999, 500000, 500, 1000, 1000);
    contrib("sss", y25, 524999, 500000, 0, 25000, 50000, 0, 0, 1000);
    sss(y25, 525000, 550000, 500, 1000, 1000);
    sss(y25, 525001, 550000, 500, 1000, 1000);
    sss(y25, 1474999, 1450000, 500, 1000, 1000);
    sss(y25, 1475000, 1500000, 500, 1000, 3000);
    contrib("sss", y25, 1475000, 1500000, 0, 75000, 150000, 0, 0, 3000);
    sss(y25, 1475001, 1500000, 500, 1000, 3000);
    sss(y25, 2024999, 2000000, 500, 1000, 3000);
    sss(y25, 2025000, 2050000, 500, 1000, 3000);
    contrib("sss", y25, 2025000, 2050000, 50000, 102500, 205000, 2500, 5000, 3000);
    sss(y25, 2025001, 2050000, 500, 1000, 3000);
    sss(y25, 3474999, 3450000, 500, 1000, 3000);
    contrib("sss", y25, 3475000, 3500000, 1500000, 175000, 350000, 75000, 150000, 3000);
    sss(y25, 3475001, 3500000, 500, 1000, 3000);
    sss("2026-11-30", 1812792, 1800000, 500, 1000, 3000);
    no_rule("sss", "2022-12-31", 2000000, "NO_RULE");
    no_rule("sss", y25, -1, "BAD_BASE");
}

static void shipped_philhealth_hdmf(void)
{
    const char *on = "2024-03-01";
    /* PhilHealth Circular 2020-0005: 5%, floor 10,000, ceiling 100,000 */
    contrib("philhealth", on, 0, 1000000, 0, 25000, 25000, 0, 0, 0);
    contrib("philhealth", on, 999999, 1000000, 0, 25000, 25000, 0, 0, 0);
    contrib("philhealth", on, 1000000, 1000000, 0, 25000, 25000, 0, 0, 0);
    contrib("philhealth", on, 1000001, 1000001, 0, 25000, 25000, 0, 0, 0);
    /* 10,000.20 x 5% = 500.01: the odd centavo is the employer's */
    contrib("philhealth", on, 1000020, 1000020, 0, 25000, 25001, 0, 0, 0);
    /* 18,127.92 x 5% = 906.396 -> 906.40, halves 453.20 */
    contrib("philhealth", on, 1812792, 1812792, 0, 45320, 45320, 0, 0, 0);
    /* 18,128.12 x 5% = 906.406 -> 906.41: 453.20 + 453.21 */
    contrib("philhealth", on, 1812812, 1812812, 0, 45320, 45321, 0, 0, 0);
    contrib("philhealth", on, 9999999, 9999999, 0, 250000, 250000, 0, 0, 0);
    contrib("philhealth", on, 10000000, 10000000, 0, 250000, 250000, 0, 0, 0);
    contrib("philhealth", on, 10000001, 10000000, 0, 250000, 250000, 0, 0, 0);
    no_rule("philhealth", "2023-12-31", 1000000, "NO_RULE");

    /* HDMF Circular 460: 1% (2% over 1,500) and 2%, fund salary 10,000 */
    on = "2024-02-01";
    contrib("hdmf", on, 149999, 149999, 0, 1500, 3000, 0, 0, 0);
    contrib("hdmf", on, 150000, 150000, 0, 1500, 3000, 0, 0, 0);
    contrib("hdmf", on, 150001, 150001, 0, 3000, 3000, 0, 0, 0);
    contrib("hdmf", on, 999999, 999999, 0, 20000, 20000, 0, 0, 0);
    contrib("hdmf", on, 1000000, 1000000, 0, 20000, 20000, 0, 0, 0);
    contrib("hdmf", on, 1000001, 1000000, 0, 20000, 20000, 0, 0, 0);
    contrib("hdmf", "2026-11-01", 1812792, 1000000, 0, 20000, 20000, 0, 0, 0);
    /* before it: the fund salary capped at 5,000 */
    contrib("hdmf", "2024-01-31", 1000000, 500000, 0, 10000, 10000, 0, 0, 0);
    contrib("hdmf", "2024-01-31", 150000, 150000, 0, 1500, 3000, 0, 0, 0);
    no_rule("hdmf", "2009-12-31", 1000000, "NO_RULE");
    no_rule("pagibig", on, 1000000, "NO_RULE");
}

static void shipped_tax(void)
{
    const char *on = "2026-11-30";
    /* RR 11-2018 semi-monthly: brackets from 10,417, 16,667, 33,333,
     * 83,333 and 333,333 (the amounts "over" which each rate applies) */
    tax(on, 0, 0);
    tax(on, -5000, 0);
    tax(on, 1041699, 0);
    tax(on, 1041700, 0);
    tax(on, 1041701, 0);     /* 15% of 0.01 = 0.0015 */
    tax(on, 1041710, 2);     /* 15% of 0.10 = 0.015 -> 0.02 */
    tax(on, 1666699, 93750); /* 15% of 6,249.99 = 937.4985 */
    tax(on, 1666700, 93750);
    tax(on, 1666701, 93750);
    tax(on, 2000000, 160410); /* 937.50 + 20% of 3,333 */
    tax(on, 3333299, 427070); /* 937.50 + 20% of 16,665.99 = 4,270.698 */
    tax(on, 3333300, 427070);
    tax(on, 3333301, 427070);
    tax(on, 8333299, 1677070); /* 4,270.70 + 25% of 49,999.99 */
    tax(on, 8333300, 1677070);
    tax(on, 8333301, 1677070);
    tax(on, 33333299, 9177070); /* 16,770.70 + 30% of 249,999.99 */
    tax(on, 33333300, 9177070);
    tax(on, 33333301, 9177070);
    tax(on, 40000000, 11510415); /* 91,770.70 + 35% of 66,667 */
    tax("2023-01-01", 2000000, 160410);
    no_rule("tax", "2022-12-31", 2000000, "NO_RULE");
}

static void shipped_rest(void)
{
    pay_premium p;
    rejection rj = {0};
    T_EQ_INT(pay_premium_on(R, "regular_holiday", "2026-01-01", &p, &rj), 0,
             "a regular holiday has a premium");
    T_OK(!strcmp(p.code, "RH") && p.regular_bp == 20000 && p.ot_bp == 26000 && p.nd_bp == 1000 &&
             p.unworked_bp == 10000 && p.source[0],
         "regular holiday: RH, 200%%, OT 260%%, ND +10%%, unworked 100%%");
    T_EQ_INT(pay_premium_on(R, "ordinary", "2026-01-02", &p, &rj), 0, "an ordinary day too");
    T_OK(!strcmp(p.code, "") && p.regular_bp == 10000 && p.ot_bp == 12500 && !p.unworked_bp,
         "ordinary: no prefix, 100%%, OT 125%%, nothing unworked");
    T_EQ_INT(pay_premium_on(R, "double_holiday_rest", "2026-04-09", &p, &rj), 0,
             "a double holiday on a rest day too");
    T_OK(!strcmp(p.code, "DHRD") && p.regular_bp == 39000 && p.ot_bp == 50700 &&
             p.unworked_bp == 20000,
         "double holiday on a rest day: DHRD, 390%%, OT 507%%, unworked 200%%");
    T_EQ_INT(pay_premium_on(R, "regular_holiday_rest", "2026-01-01", &p, &rj), 0,
             "a regular holiday on a rest day");
    T_EQ_INT(p.unworked_bp, 10000, "still pays 100%% unworked");
    T_EQ_INT(pay_premium_on(R, "holiday", "2026-01-01", &p, &rj), REJECTED,
             "an unknown day type has no premium");
    T_EQ_STR(rj.code, "NO_RULE", "NO_RULE");

    const char *v = NULL;
    T_OK(pay_policy_on(R, "net_floor", "2026-11-30", &v, &rj) == 0 && !strcmp(v, "0"),
         "the net floor defaults to 0");
    T_OK(pay_policy_on(R, "days_per_year", "2026-11-30", &v, &rj) == 0 && !strcmp(v, "313"),
         "days per year default to 313");
    T_OK(pay_policy_on(R, "hdmf_run", "2026-11-30", &v, &rj) == 0 && !strcmp(v, "A"),
         "Pag-IBIG in the A run");
    T_OK(pay_policy_on(R, "sss_run", "2026-11-30", &v, &rj) == 0 && !strcmp(v, "B"),
         "SSS in the B run");
    T_EQ_INT(pay_policy_on(R, "no_such_key", "2026-11-30", &v, &rj), REJECTED,
             "an unknown policy key is NO_RULE");

    money_t w = 0;
    T_OK(pay_min_wage_on(R, "NCR", "2025-07-17", &w) == 1 && w == 64500,
         "NCR minimum on 17 July 2025: 645.00 (NCR-25)");
    T_OK(pay_min_wage_on(R, "NCR", "2025-07-18", &w) == 1 && w == 69500,
         "NCR minimum from 18 July 2025: 695.00 (NCR-26)");
    T_EQ_INT(pay_min_wage_on(R, "NCR", "2024-07-16", &w), 0, "none before NCR-25");
    T_EQ_INT(pay_min_wage_on(R, "IV-A", "2026-11-30", &w), 0, "none shipped for IV-A");

    T_EQ_INT(pay_priority_on(R, "TAX", "2026-11-30"), 10, "tax is taken first");
    T_EQ_INT(pay_priority_on(R, "HDMF_LOAN", "2026-11-30"), 60, "Pag-IBIG loans sixth");
    T_EQ_INT(pay_priority_on(R, "OTHER", "2026-11-30"), 110, "other deductions last");
    T_EQ_INT(pay_priority_on(R, "UNION_DUES", "2026-11-30"), 110,
             "a code without a row ranks as OTHER");
}

/* Rules a tenant got wrong, in an in-memory pay.db. */
static void broken_tables(void)
{
    sqlite3 *db = NULL;
    sqlite3_open(":memory:", &db);
    int bad = 0;
    for (int k = 0; k < schema_latest("pay"); k++)
        bad |= sqlite3_exec(db, schema_migration("pay", k), NULL, NULL, NULL);
    bad |= sqlite3_exec(
        db,
        "INSERT INTO contribution(contribution_id, scheme, base_from, credit, ee_bp, er_bp,"
        " valid_from, valid_to, source) VALUES"
        " ('a', 'sss', 0, 500000, 500, 1000, '2025-01-01', '2025-06-30', 'x'),"
        " ('b', 'sss', 525000, 550000, 500, 1000, '2025-01-01', NULL, 'x'),"
        " ('c', 'sss', 0, 600000, 500, 1000, '2025-08-01', NULL, 'x'),"
        " ('d', 'hdmf', 100, 100000, 200, 200, '2025-01-01', NULL, 'x');"
        "INSERT INTO tax(tax_id, frequency, base_from, fixed, rate_bp, valid_from, source)"
        " VALUES ('t', 'monthly', 0, 0, 0, '2025-01-01', 'x');",
        NULL, NULL, NULL);
    T_EQ_INT(bad, 0, "an in-memory pay.db takes broken tables");
    pay_rules *r = NULL;
    armms_err err = {0};
    T_EQ_INT(pay_rules_load(db, &r, &err), 0, "and loads (%s)", err.msg);
    const pay_rules *shipped = R;
    R = r;
    contrib("sss", "2025-03-01", 600000, 550000, 0, 27500, 55000, 0, 0, 0);
    /* July: bracket b alone, no bracket from 0.00 */
    no_rule("sss", "2025-07-15", 600000, "BAD_RULE");
    /* from August: c's credit 6,000 from 0.00, then b's 5,500: b was left open */
    no_rule("sss", "2025-08-01", 100, "BAD_RULE");
    no_rule("hdmf", "2025-08-01", 100000, "BAD_RULE");
    no_rule("philhealth", "2025-08-01", 100000, "NO_RULE");
    no_rule("tax", "2025-08-01", 100000, "NO_RULE"); /* a monthly table is not semi-monthly */
    R = shipped;
    pay_rules_free(r);
    sqlite3_close(db);
}

int main(void)
{
    char home[] = "/tmp/armms-test-rules-XXXXXX";
    if (!mkdtemp(home)) {
        perror("mkdtemp");
        return 1;
    }
    setenv("ARMMS_HOME", home, 1);
    setenv("ARMMS_NOW", "2026-11-25T00:00:00Z", 1);
    cli_actions_register();

    tenant_t t;
    armms_err err = {0};
    T_EQ_INT(tenant_resolve(&t, "rules", "ana", &err) || tenant_create(&t, NULL, &err), 0,
             "tenant rules is created (%s)", err.msg);
    static const char *const modules[] = {"hr", "pay", "iam"};
    for (int i = 0; i < 3; i++) {
        store_t s;
        T_EQ_INT(store_open(&s, &t, modules[i], STORE_CREATE | STORE_MIGRATE, &err), 0,
                 "%s.db is created (%s)", modules[i], err.msg);
        store_close(&s);
    }
    reject_sink rej;
    md_counts n = {0};
    T_EQ_INT(reject_open(&rej, "/dev/null"), 0, "a reject sink opens");
    T_EQ_INT(pay_shipped_load(&t, &rej, &n, &err), 0, "the shipped rules load (%s)", err.msg);
    T_EQ_INT(n.rejected, 0, "none of them is rejected");
    /* ... + 6 leave codes (data/leave_code.csv, hr.db) */
    T_EQ_INT(n.inserted, 123 + 6 + 8 + 2 + 13 + 11 + 6, "every shipped row lands");
    md_counts again = {0};
    T_EQ_INT(pay_shipped_load(&t, &rej, &again, &err), 0, "loading them again is no error");
    T_OK(again.inserted == 0 && again.updated == 0 && again.unchanged == n.inserted,
         "and changes nothing");
    reject_close(&rej);

    char *path = tenant_path(&t, "pay.db");
    sqlite3 *db = NULL;
    pay_rules *r = NULL;
    T_EQ_INT(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK, "pay.db opens");
    T_EQ_INT(pay_rules_load(db, &r, &err), 0, "the rules load into memory (%s)", err.msg);
    free(path);
    R = r;
    shipped_sss();
    shipped_philhealth_hdmf();
    shipped_tax();
    shipped_rest();
    broken_tables();
    pay_rules_free(r);
    sqlite3_close(db);

    tenant_free(&t);
    if (!getenv("KEEP_HOME"))
        nftw(home, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    return t_done();
}
