/*
 * test_render.c - how records look (cli/render.h) and the payroll views
 * over them (cli/view.h): h:mm, pesos, percentages, masking, display
 * widths, each format of a fixed set of records, and a paysheet, a guard's
 * obligations and a run's totals as an officer sees them.
 *
 * Every expected output is written out whole, worked out by hand.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/render.h"
#include "cli/view.h"
#include "t.h"

/* ---- capturing output ---- */

typedef struct cap {
    FILE *f;
    char *buf;
    size_t len;
} cap;

static FILE *cap_open(cap *c)
{
    c->buf = NULL;
    c->len = 0;
    c->f = open_memstream(&c->buf, &c->len);
    return c->f;
}

/* The text written since cap_open (the caller frees it). */
static char *cap_close(cap *c)
{
    fclose(c->f);
    return c->buf;
}

static char *fmt_money(long long c, int grouped)
{
    strbuf b;
    sb_init(&b);
    sb_reset(&b);
    render_money(&b, c, grouped);
    return b.s;
}

#define STR_OF(call, want, ...)                                                                   \
    do {                                                                                          \
        strbuf b_;                                                                                \
        sb_init(&b_);                                                                             \
        sb_reset(&b_);                                                                            \
        call;                                                                                     \
        T_EQ_STR(b_.s, want, __VA_ARGS__);                                                        \
        sb_free(&b_);                                                                             \
    } while (0)

/* ---- the formatters ---- */

static void test_minutes(void)
{
    STR_OF(render_minutes(&b_, 0), "0:00", "no minutes read 0:00");
    STR_OF(render_minutes(&b_, 59), "0:59", "59 minutes read 0:59");
    STR_OF(render_minutes(&b_, 60), "1:00", "60 minutes read 1:00");
    STR_OF(render_minutes(&b_, 61), "1:01", "61 minutes read 1:01");
    STR_OF(render_minutes(&b_, 480), "8:00", "a regular day's 480 minutes read 8:00");
    STR_OF(render_minutes(&b_, 9321), "155:21", "9321 minutes read 155:21, hours past 24");
    STR_OF(render_minutes(&b_, -39), "-0:39", "an adjustment taking back 39 minutes reads -0:39");
    STR_OF(render_minutes(&b_, -60), "-1:00", "taking back an hour reads -1:00");
    STR_OF(render_minutes(&b_, -61), "-1:01", "taking back 61 minutes reads -1:01");
}

static void test_money(void)
{
    static const struct {
        long long c;
        const char *grouped, *plain, *what;
    } cases[] = {
        {0, "0.00", "0.00", "nothing"},
        {5, "0.05", "0.05", "five centavos"},
        {99, "0.99", "0.99", "99 centavos"},
        {69500, "695.00", "695.00", "a daily rate of 695 pesos"},
        {125000, "1,250.00", "1250.00", "1,250 pesos"},
        {100000000, "1,000,000.00", "1000000.00", "a million pesos"},
        {12345678901, "123,456,789.01", "123456789.01", "a run's gross"},
        {-5, "-0.05", "-0.05", "minus five centavos"},
        {-125000, "-1,250.00", "-1250.00", "an adjustment of minus 1,250 pesos"},
        {-99999, "-999.99", "-999.99", "minus 999.99, just under a thousand"},
        {-100000, "-1,000.00", "-1000.00", "minus a thousand pesos"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char *g = fmt_money(cases[i].c, 1), *p = fmt_money(cases[i].c, 0);
        T_EQ_STR(g, cases[i].grouped, "on a terminal %s read %s", cases[i].what, cases[i].grouped);
        T_EQ_STR(p, cases[i].plain, "in CSV %s read %s", cases[i].what, cases[i].plain);
        free(g);
        free(p);
    }
    char *m = fmt_money(-9223372036854775807LL - 1, 0);
    T_EQ_STR(m, "-92233720368547758.08", "the most negative centavo count does not overflow");
    free(m);
}

static void test_bp_int_mask(void)
{
    STR_OF(render_bp(&b_, 10000), "100%", "10000 basis points read 100%%");
    STR_OF(render_bp(&b_, 13000), "130%", "13000 basis points read 130%%");
    STR_OF(render_bp(&b_, 13750), "137.5%", "13750 basis points read 137.5%%");
    STR_OF(render_bp(&b_, 12525), "125.25%", "12525 basis points read 125.25%%");
    STR_OF(render_bp(&b_, 26000), "260%", "a regular holiday's 26000 read 260%%");
    STR_OF(render_bp(&b_, 5), "0.05%", "5 basis points read 0.05%%");
    STR_OF(render_bp(&b_, 0), "0%", "no basis points read 0%%");
    STR_OF(render_bp(&b_, -250), "-2.5%", "minus 250 basis points read -2.5%%");

    STR_OF(render_int(&b_, 1042, 1), "1,042", "1042 paysheets read 1,042 on a terminal");
    STR_OF(render_int(&b_, 1042, 0), "1042", "and 1042 in CSV");
    STR_OF(render_int(&b_, 999, 1), "999", "three digits take no comma");
    STR_OF(render_int(&b_, -1000000, 1), "-1,000,000", "minus a million groups by threes");
    STR_OF(render_int(&b_, 0, 1), "0", "zero reads 0");

    STR_OF(render_mask(&b_, "229008555434"), "****5434",
           "a bank account shows only its last 4 characters");
    STR_OF(render_mask(&b_, "150-138-105-000"), "****-000", "so does a TIN");
    STR_OF(render_mask(&b_, "1234"), "****", "a value of 4 characters shows none of them");
    STR_OF(render_mask(&b_, ""), "****", "an empty value still shows the mask");
    STR_OF(render_mask(&b_, "No. \xc3\xb1\xc3\xb1\xc3\xb1\xc3\xb1"),
           "****\xc3\xb1\xc3\xb1\xc3\xb1\xc3\xb1", "the last 4 are characters, not bytes");
}

static void test_width_and_formats(void)
{
    T_EQ_INT(render_width("Pe\xc3\xb1"
                          "a",
                          5),
             4,
             "\"Pe\xc3\xb1"
             "a\" is 5 bytes but 4 columns");
    T_EQ_INT(render_width("Pen\xcc\x83"
                          "a",
                          6),
             4, "n with a combining tilde takes one column");
    T_EQ_INT(render_width("\xe6\x97\xa5\xe6\x9c\xac", 6), 4, "two CJK characters take 4 columns");
    T_EQ_INT(render_width("01\xe2\x80\x93"
                          "15",
                          7),
             5, "an en dash takes one column");
    T_EQ_INT(render_width("a\xff"
                          "b",
                          3),
             3, "a stray byte counts one column");

    T_EQ_INT(render_format_parse("table"), RENDER_TABLE, "\"table\" names the table format");
    T_EQ_INT(render_format_parse("ndjson"), RENDER_NDJSON, "\"ndjson\" names NDJSON");
    T_EQ_INT(render_format_parse("csv"), RENDER_CSV, "\"csv\" names CSV");
    T_EQ_INT(render_format_parse("json"), -1, "\"json\" is no format");
    T_EQ_INT(render_format_parse("TABLE"), -1, "format names are lowercase");
    T_EQ_INT(render_format_parse(NULL), -1, "no name is no format");
    cap c;
    T_EQ_INT(render_format_default(cap_open(&c)), RENDER_NDJSON,
             "output that is not a terminal defaults to NDJSON");
    free(cap_close(&c));
    T_EQ_INT(render_format_pick("csv"), RENDER_CSV, "a named format is the one picked");
    T_EQ_STR(render_format_name(RENDER_CSV), "csv", "the CSV format's name is csv");
}

/* ---- records in each format ---- */

static const render_col guard_cols[] = {
    {.title = "Guard", .path = "name"},
    {.title = "Period", .path = "period.id"},
    {.title = "Hours", .path = "minutes.regular", .type = RENDER_MINUTES, .flags = RENDER_SUM},
    {.title = "Rate", .path = "multiplier", .type = RENDER_BP},
    {.title = "Amount", .path = "amount", .type = RENDER_MONEY, .flags = RENDER_SUM},
    {0},
};

static jv guard_records(void)
{
    return jv_parse(
        "[{\"name\":\"Pe\xc3\xb1"
        "a, Ni\xc3\xb1"
        "o\",\"period\":{\"id\":\"2026-11-A\"},"
        "\"minutes\":{\"regular\":4800},\"multiplier\":10000,\"amount\":695000},"
        "{\"name\":\"Cruz, Jo\",\"period\":{\"id\":\"2026-11-A\"},\"minutes\":{\"regular\":-39},"
        "\"multiplier\":13750,\"amount\":-7766},"
        "{\"name\":\"Dela Cruz, Juan\",\"period\":{\"id\":\"2026-11-B\"},"
        "\"minutes\":{\"regular\":59},\"multiplier\":12500,\"amount\":123456789}]");
}

static char *render_to_string(render_format fmt, const render_col *cols, jv recs,
                              const render_opts *o, int *rc)
{
    cap c;
    armms_err err = {0};
    *rc = render_records(cap_open(&c), fmt, cols, recs, o, &err);
    return cap_close(&c);
}

static void test_table(void)
{
    int rc;
    render_opts o = {.total_label = "Total"};
    char *s = render_to_string(RENDER_TABLE, guard_cols, guard_records(), &o, &rc);
    T_EQ_INT(rc, 0, "the table renders");
    T_EQ_STR(s,
             "Guard            Period     Hours    Rate        Amount\n"
             "---------------  ---------  -----  ------  ------------\n"
             "Pe\xc3\xb1"
             "a, Ni\xc3\xb1"
             "o       2026-11-A  80:00    100%      6,950.00\n"
             "Cruz, Jo         2026-11-A  -0:39  137.5%        -77.66\n"
             "Dela Cruz, Juan  2026-11-B   0:59    125%  1,234,567.89\n"
             "---------------  ---------  -----  ------  ------------\n"
             "Total                       80:20          1,241,440.23\n",
             "a table aligns by display columns (\xc3\xb1 is one), right-aligns numbers and "
             "sums the hours and amounts in its totals row");
    free(s);

    s = render_to_string(RENDER_TABLE, guard_cols, jv_array(), NULL, &rc);
    T_EQ_STR(s,
             "Guard  Period  Hours  Rate  Amount\n"
             "-----  ------  -----  ----  ------\n",
             "a table without records is its header and rule");
    free(s);
    render_opts e = {.title = "Loans", .empty = "none"};
    s = render_to_string(RENDER_TABLE, guard_cols, jv_array(), &e, &rc);
    T_EQ_STR(s, "Loans\nnone\n", "or its title and what it says when empty");
    free(s);
}

static void test_table_cells(void)
{
    static const render_col cols[] = {
        {.title = "Id", .path = "id", .flags = RENDER_GROUP},
        {.title = "Label", .path = "label", .max_width = 10, .flags = RENDER_GROUP},
        {.title = "Seq", .path = "seq", .type = RENDER_INT},
        {.title = "Amount", .path = "amount", .type = RENDER_MONEY},
        {.title = "Note", .path = "note", .flags = RENDER_OPTIONAL},
        {.title = "Account", .path = "guard.bank_account"},
        {.title = "Raw", .path = "raw", .flags = RENDER_CSV_ONLY},
        {0},
    };
    jv recs = jv_parse("[{\"id\":\"L1\",\"label\":\"Salary loan from the coop\",\"seq\":1,"
                       "\"amount\":50000,\"guard\":{\"bank_account\":\"229008555434\"}},"
                       "{\"id\":\"L1\",\"label\":\"Salary loan from the coop\",\"seq\":2,"
                       "\"amount\":\"n/a\"},"
                       "{\"id\":\"L2\",\"label\":\"Tab\\there\",\"seq\":1,\"amount\":1.5}]");
    int rc;
    char *s = render_to_string(RENDER_TABLE, cols, recs, NULL, &rc);
    T_EQ_STR(s,
             "Id  Label       Seq  Amount  Account\n"
             "--  ----------  ---  ------  --------\n"
             "L1  Salary lo\xe2\x80\xa6    1  500.00  ****5434\n"
             "                  2     n/a\n"
             "L2  Tab?here      1     1.5\n",
             "repeated group cells are blanked, a long label is cut with an ellipsis, a "
             "control character becomes ?, a value of the wrong type shows as it is, an "
             "account is masked and a column with no value at all is left out");
    free(s);
}

static void test_ndjson(void)
{
    int rc;
    char *s = render_to_string(RENDER_NDJSON, guard_cols, guard_records(), NULL, &rc);
    T_EQ_STR(
        s,
        "{\"name\":\"Pe\xc3\xb1"
        "a, Ni\xc3\xb1"
        "o\",\"period\":{\"id\":\"2026-11-A\"},\"minutes\":{\"regular\":4800},"
        "\"multiplier\":10000,\"amount\":695000}\n"
        "{\"name\":\"Cruz, Jo\",\"period\":{\"id\":\"2026-11-A\"},\"minutes\":{\"regular\":-39},"
        "\"multiplier\":13750,\"amount\":-7766}\n"
        "{\"name\":\"Dela Cruz, Juan\",\"period\":{\"id\":\"2026-11-B\"},"
        "\"minutes\":{\"regular\":59},\"multiplier\":12500,\"amount\":123456789}\n",
        "NDJSON is the records as they are, one compact line each, money in centavos");
    free(s);

    jv rec = jv_parse("{\"guard_id\":\"G00001\",\"guards\":[{\"tin\":\"150-138-105-000\","
                      "\"sss_no\":\"33-2360645-0\",\"philhealth_no\":null}],"
                      "\"bank\":{\"bank_account\":229008555434,\"hdmf_no\":\"1210-5079-2025\"}}");
    s = render_to_string(RENDER_NDJSON, guard_cols, jv_array_append(jv_array(), rec), NULL, &rc);
    T_EQ_STR(s,
             "{\"guard_id\":\"G00001\",\"guards\":[{\"tin\":\"****-000\","
             "\"sss_no\":\"****45-0\",\"philhealth_no\":null}],"
             "\"bank\":{\"bank_account\":\"****5434\",\"hdmf_no\":\"****2025\"}}\n",
             "personal numbers are masked wherever they sit in an NDJSON record");
    free(s);
}

static void test_csv(void)
{
    static const render_col cols[] = {
        {.title = "Code", .path = "code"},
        {.title = "Label", .path = "label"},
        {.title = "Hours", .path = "minutes.regular", .type = RENDER_MINUTES},
        {.title = "Rate", .path = "multiplier", .type = RENDER_BP, .name = "rate"},
        {.title = "Amount", .path = "amount", .type = RENDER_MONEY, .flags = RENDER_SUM},
        {.title = "Dates", .path = "dates", .flags = RENDER_TABLE_ONLY},
        {0},
    };
    jv recs = jv_parse("[{\"code\":\"ND\",\"label\":\"Night diff, \\\"special\\\" day\","
                       "\"minutes\":{\"regular\":9321},\"multiplier\":13750,\"amount\":125000,"
                       "\"dates\":\"x\"},"
                       "{\"code\":\" OT\",\"label\":\"two\\nlines\",\"minutes\":{\"regular\":-39},"
                       "\"amount\":-1},"
                       "{\"code\":\"BASIC\",\"label\":\"Pe\xc3\xb1"
                       "a\",\"amount\":0}]");
    int rc;
    render_opts o = {.total_label = "Total"};
    char *s = render_to_string(RENDER_CSV, cols, recs, &o, &rc);
    T_EQ_STR(s,
             "code,label,minutes_regular,rate,amount\n"
             "ND,\"Night diff, \"\"special\"\" day\",155:21,137.5%,1250.00\n"
             "\" OT\",\"two\nlines\",-0:39,,-0.01\n"
             "BASIC,Pe\xc3\xb1"
             "a,,,0.00\n",
             "CSV quotes a label with a comma, a quote, a line break or edge blanks, "
             "writes pesos without grouping and hours as h:mm, and has no totals row");
    free(s);
}

/* ---- the views ---- */

static const char *paysheet_json =
    "{\"kind\":\"Paysheet\",\"v\":1,\"paysheet_id\":\"2026-11-A/G00001\",\"guard_id\":\"G00001\","
    "\"period\":{\"id\":\"2026-11-A\",\"from\":\"2026-11-01\",\"to\":\"2026-11-15\"},"
    "\"version\":2,\"stage\":\"net\","
    "\"lines\":[{\"code\":\"BASIC\",\"label\":\"Regular hours\",\"kind\":\"earning\","
    "\"taxable\":true,\"from\":\"2026-11-01\",\"to\":\"2026-11-15\",\"minutes\":4800,"
    "\"daily_rate\":69500,\"multiplier\":10000,\"amount\":695000,\"basic\":true},"
    "{\"code\":\"RH\",\"label\":\"Regular holiday, worked\",\"kind\":\"earning\","
    "\"taxable\":true,\"from\":\"2026-11-30\",\"to\":\"2026-11-30\",\"minutes\":480,"
    "\"daily_rate\":69500,\"multiplier\":20000,\"amount\":139000}],"
    "\"gross\":834000,"
    "\"deductions\":[{\"code\":\"SSS\",\"label\":\"SSS contribution\",\"kind\":\"statutory\","
    "\"amount\":35000,\"employer_share\":71000,\"status\":\"APPLIED\"},"
    "{\"code\":\"CA\",\"label\":\"Cash advance, \\\"Nov\\\"\",\"kind\":\"loan\",\"amount\":50000,"
    "\"obligation_id\":\"OB1\",\"status\":\"DEFERRED\",\"waiver\":{\"reason\":\"NET_FLOOR\","
    "\"policy\":\"carry\",\"to_period\":\"2026-11-B\"}}],"
    "\"taxable\":799000,\"net\":799000,\"status\":\"COMPUTED\"}";

static char *view_to_string(int which, jv rec, render_format fmt)
{
    cap c;
    armms_err err = {0};
    FILE *f = cap_open(&c);
    int rc = which == 0   ? view_paysheet(rec,
                                          "Pe\xc3\xb1"
                                            "a, Ni\xc3\xb1"
                                            "o",
                                          f, fmt, &err)
             : which == 1 ? view_obligations(rec, "G00001", "Cruz, Jo", f, fmt, &err)
                          : view_run_totals(rec, f, fmt, &err);
    T_EQ_INT(rc, 0, "the view renders as %s", render_format_name(fmt));
    return cap_close(&c);
}

static void test_view_paysheet(void)
{
    char *s = view_to_string(0, jv_parse(paysheet_json), RENDER_TABLE);
    T_EQ_STR(s,
             "Paysheet  2026-11-A/G00001\n"
             "Guard     G00001  Pe\xc3\xb1"
             "a, Ni\xc3\xb1"
             "o\n"
             "Period    2026-11-A  2026-11-01 to 2026-11-15\n"
             "Version   2\n"
             "Status    COMPUTED\n"
             "\n"
             "Earnings\n"
             "Code   Label                    Dates          Hours  Daily rate  Rate    Amount\n"
             "-----  -----------------------  -------------  -----  ----------  ----  --------\n"
             "BASIC  Regular hours            2026-11-01\xe2\x80\x93"
             "15  80:00      695.00  100%  6,950.00\n"
             "RH     Regular holiday, worked  2026-11-30      8:00      695.00  200%  1,390.00\n"
             "-----  -----------------------  -------------  -----  ----------  ----  --------\n"
             "       Gross pay                                                        8,340.00\n"
             "\n"
             "Deductions\n"
             "Code  Label                Status    Amount  Employer share  Waiver     To period\n"
             "----  -------------------  --------  ------  --------------  ---------  ---------\n"
             "SSS   SSS contribution     APPLIED   350.00          710.00\n"
             "CA    Cash advance, \"Nov\"  DEFERRED  500.00                  NET_FLOOR  "
             "2026-11-B\n"
             "----  -------------------  --------  ------  --------------  ---------  ---------\n"
             "      Deductions applied             350.00          710.00\n"
             "\n"
             "Taxable  7,990.00\n"
             "Net pay  7,990.00\n",
             "a paysheet on a terminal: who and when, the lines with hours as h:mm, gross, the "
             "deductions with their status, taxable and net");
    free(s);

    s = view_to_string(0, jv_parse(paysheet_json), RENDER_CSV);
    T_EQ_STR(s,
             "section,paysheet_id,code,label,kind,from,to,adjusts_period,minutes,daily_rate,"
             "multiplier,amount,employer_share,status,obligation_id,waiver_reason,to_period\n"
             "line,2026-11-A/G00001,BASIC,Regular hours,earning,2026-11-01,2026-11-15,,80:00,"
             "695.00,100%,6950.00,,,,,\n"
             "line,2026-11-A/G00001,RH,\"Regular holiday, worked\",earning,2026-11-30,2026-11-30,,"
             "8:00,695.00,200%,1390.00,,,,,\n"
             "deduction,2026-11-A/G00001,SSS,SSS contribution,statutory,,,,,,,350.00,710.00,"
             "APPLIED,,,\n"
             "deduction,2026-11-A/G00001,CA,\"Cash advance, \"\"Nov\"\"\",loan,,,,,,,500.00,,"
             "DEFERRED,OB1,NET_FLOOR,2026-11-B\n"
             "total,2026-11-A/G00001,GROSS,,,,,,,,,8340.00,,,,,\n"
             "total,2026-11-A/G00001,TAXABLE,,,,,,,,,7990.00,,,,,\n"
             "total,2026-11-A/G00001,NET,,,,,,,,,7990.00,,,,,\n",
             "a paysheet in CSV: a row per line and per deduction with its section, then the "
             "record's gross, taxable and net");
    free(s);

    s = view_to_string(0, jv_parse(paysheet_json), RENDER_NDJSON);
    jv back = jv_parse(s), want = jv_parse(paysheet_json);
    T_OK(jv_equal(back, want), "a paysheet in NDJSON is the record itself");
    T_OK(strchr(s, '\n') == s + strlen(s) - 1, "on one line");
    free(s);

    s = view_to_string(0,
                       jv_parse("{\"paysheet_id\":\"2026-11-A/G00002\",\"guard_id\":\"G00002\","
                                "\"stage\":\"gross\",\"status\":\"COMPUTED\",\"lines\":[],"
                                "\"gross\":0,\"deductions\":[],\"taxable\":0,\"net\":0}"),
                       RENDER_TABLE);
    T_EQ_STR(s,
             "Paysheet  2026-11-A/G00002\n"
             "Guard     G00002  Pe\xc3\xb1"
             "a, Ni\xc3\xb1"
             "o\n"
             "Status    COMPUTED (gross only: deductions not yet run)\n"
             "\n"
             "Earnings\n"
             "no lines\n"
             "\n"
             "Deductions\n"
             "none yet (armms-deduct has not run)\n"
             "\n"
             "Taxable  0.00\n"
             "Net pay  0.00\n",
             "a paysheet priced but not yet deducted says so");
    free(s);
}

static const char *obligations_json =
    "[{\"obligation_id\":\"OB-0001\",\"code\":\"CA\",\"label\":\"Cash "
    "advance\",\"obligation_kind\":\"loan\","
    "\"principal\":150000,\"schedule\":["
    "{\"seq\":1,\"period\":\"2026-11-A\",\"amount\":50000,\"status\":\"APPLIED\"},"
    "{\"seq\":2,\"period\":\"2026-11-B\",\"amount\":50000,\"status\":\"DEFERRED\","
    "\"waiver_id\":\"W1\",\"waiver\":{\"reason\":\"NET_FLOOR\"}},"
    "{\"seq\":3,\"period\":\"2026-12-A\",\"amount\":100000,\"status\":\"DUE\"}]},"
    "{\"obligation_id\":\"SSS/2026-11/G00001\",\"code\":\"SSS\",\"label\":\"SSS\","
    "\"obligation_kind\":\"statutory\",\"schedule\":[{\"seq\":1,\"period\":\"2026-11-B\","
    "\"amount\":35000,\"employer_share\":71000,\"status\":\"DUE\"}]},"
    "{\"obligation_id\":\"RICE\",\"code\":\"RICE\",\"label\":\"Rice allowance\","
    "\"obligation_kind\":\"allowance\",\"schedule\":[{\"seq\":1,\"period\":\"2026-11-A\","
    "\"amount\":20000,\"status\":\"APPLIED\"}]}]";

static void test_view_obligations(void)
{
    char *s = view_to_string(1, jv_parse(obligations_json), RENDER_TABLE);
    T_EQ_STR(
        s,
        "Obligations of G00001  Cruz, Jo\n"
        "Obligation          Code  Label               Kind       Principal  #  Period       "
        "Amount  Employer share  Status    Waiver\n"
        "------------------  ----  ------------------  ---------  ---------  -  ---------  "
        "--------  --------------  --------  ---------\n"
        "OB-0001             CA    Cash advance        loan        1,500.00  1  2026-11-A    "
        "500.00                  APPLIED\n"
        "                                                                    2  2026-11-B    "
        "500.00                  DEFERRED  NET_FLOOR\n"
        "                                                                    3  2026-12-A  "
        "1,000.00                  DUE\n"
        "SSS/2026-11/G00001  SSS   SSS                 statutory             1  2026-11-B    "
        "350.00          710.00  DUE\n"
        "RICE                RICE  Rice allowance      allowance             1  2026-11-A    "
        "200.00                  APPLIED\n"
        "------------------  ----  ------------------  ---------  ---------  -  ---------  "
        "--------  --------------  --------  ---------\n"
        "                          Still owed (DUE)                                        "
        "1,350.00          710.00\n"
        "                          Applied                                                   "
        "500.00            0.00\n"
        "                          Still to pay (DUE)                                          "
        "0.00            0.00\n"
        "                          Paid                                                      "
        "200.00            0.00\n",
        "a guard's obligations: each schedule row under its obligation, what is still owed "
        "and what was applied, deductions and allowances apart");
    free(s);

    s = view_to_string(1, jv_parse(obligations_json), RENDER_CSV);
    T_EQ_STR(s,
             "obligation_id,code,label,obligation_kind,principal,seq,period,amount,employer_share,"
             "status,waiver_id,waiver_reason\n"
             "OB-0001,CA,Cash advance,loan,1500.00,1,2026-11-A,500.00,,APPLIED,,\n"
             "OB-0001,CA,Cash advance,loan,1500.00,2,2026-11-B,500.00,,DEFERRED,W1,NET_FLOOR\n"
             "OB-0001,CA,Cash advance,loan,1500.00,3,2026-12-A,1000.00,,DUE,,\n"
             "SSS/2026-11/G00001,SSS,SSS,statutory,,1,2026-11-B,350.00,710.00,DUE,,\n"
             "RICE,RICE,Rice allowance,allowance,,1,2026-11-A,200.00,,APPLIED,,\n",
             "obligations in CSV: one complete row per schedule row");
    free(s);

    s = view_to_string(1, jv_parse(obligations_json), RENDER_NDJSON);
    T_EQ_INT(strlen(s) > 0 && s[strlen(s) - 1] == '\n', 1, "obligations in NDJSON end a line");
    int lines = 0;
    for (char *p = s; *p; p++)
        lines += *p == '\n';
    T_EQ_INT(lines, 3, "one line per obligation, its schedule inside it");
    free(s);

    s = view_to_string(1, jv_array(), RENDER_TABLE);
    T_EQ_STR(s, "Obligations of G00001  Cruz, Jo\nnone\n", "a guard without obligations");
    free(s);
}

static const char *run_json =
    "{\"kind\":\"Payrun\",\"v\":1,\"period\":{\"id\":\"2026-11-A\",\"from\":\"2026-11-01\","
    "\"to\":\"2026-11-15\"},\"status\":\"COMPUTED\",\"counts\":{\"paysheets\":1042,"
    "\"computed\":1040,\"approved\":0,\"rejected\":2,\"held\":2},\"totals\":{\"gross\":712345678,"
    "\"sss\":{\"ee\":1000,\"er\":2000,\"ec\":30},\"philhealth\":{\"ee\":500,\"er\":500},"
    "\"hdmf\":{\"ee\":20000,\"er\":20000},\"tax\":0,\"loans\":150000,\"deductions\":0,"
    "\"additions\":0,\"net\":700000000,\"deferred\":50000},"
    "\"blockers\":[{\"code\":\"HELD\",\"count\":2,\"message\":\"paysheets held\"}]}";

static void test_view_run_totals(void)
{
    char *s = view_to_string(2, jv_parse(run_json), RENDER_TABLE);
    T_EQ_STR(s,
             "Payrun  2026-11-A\n"
             "From    2026-11-01\n"
             "To      2026-11-15\n"
             "Status  COMPUTED\n"
             "\n"
             "Paysheets                    1,042\n"
             "  computed                   1,040\n"
             "  approved                       0\n"
             "  rejected                       2\n"
             "  held                           2\n"
             "\n"
             "Gross pay             7,123,456.78\n"
             "  additions                   0.00\n"
             "SSS, employee                10.00\n"
             "SSS, employer                20.00\n"
             "SSS EC, employer              0.30\n"
             "PhilHealth, employee          5.00\n"
             "PhilHealth, employer          5.00\n"
             "Pag-IBIG, employee          200.00\n"
             "Pag-IBIG, employer          200.00\n"
             "Withholding tax               0.00\n"
             "Loans                     1,500.00\n"
             "Other deductions              0.00\n"
             "Net pay               7,000,000.00\n"
             "Deferred                    500.00\n"
             "\n"
             "Blocker  Count  What\n"
             "-------  -----  --------------\n"
             "HELD         2  paysheets held\n",
             "a run's totals on a terminal: counts and amounts in two columns, then blockers");
    free(s);

    s = view_to_string(2, jv_parse(run_json), RENDER_CSV);
    T_EQ_STR(s,
             "key,value\n"
             "period.id,2026-11-A\nperiod.from,2026-11-01\nperiod.to,2026-11-15\n"
             "status,COMPUTED\n"
             "counts.paysheets,1042\ncounts.computed,1040\ncounts.approved,0\n"
             "counts.rejected,2\ncounts.held,2\n"
             "totals.gross,7123456.78\ntotals.additions,0.00\n"
             "totals.sss.ee,10.00\ntotals.sss.er,20.00\ntotals.sss.ec,0.30\n"
             "totals.philhealth.ee,5.00\ntotals.philhealth.er,5.00\n"
             "totals.hdmf.ee,200.00\ntotals.hdmf.er,200.00\n"
             "totals.tax,0.00\ntotals.loans,1500.00\ntotals.deductions,0.00\n"
             "totals.net,7000000.00\ntotals.deferred,500.00\n"
             "blockers.HELD,2\n",
             "a run's totals in CSV: key,value rows, the key the record's field path");
    free(s);

    s = view_to_string(2, jv_parse(run_json), RENDER_NDJSON);
    jv back = jv_parse(s), want = jv_parse(run_json);
    T_OK(jv_equal(back, want), "a run's totals in NDJSON are the Payrun record itself");
    free(s);

    char *n = view_guard_name("Pe\xc3\xb1"
                              "a",
                              "Ni\xc3\xb1"
                              "o");
    T_EQ_STR(n,
             "Pe\xc3\xb1"
             "a, Ni\xc3\xb1"
             "o",
             "a guard's name reads \"Last, First\"");
    free(n);
    n = view_guard_name("Cruz", "");
    T_EQ_STR(n, "Cruz", "a guard with one name shows it alone");
    free(n);
    T_OK(view_guard_name(NULL, NULL) == NULL, "no name at all is none");
}

static void test_write_error(void)
{
    FILE *f = fopen("/dev/full", "w");
    if (!f) {
        T_OK(1, "# skip: no /dev/full");
        return;
    }
    setvbuf(f, NULL, _IONBF, 0);
    armms_err err = {0};
    int rc = render_records(f, RENDER_CSV, guard_cols, guard_records(), NULL, &err);
    T_EQ_INT(rc, EXIT_IOERR, "a failed write is EXIT_IOERR");
    T_EQ_STR(err.msg, "cannot write the output", "with a message saying so");
    fclose(f);
}

int main(void)
{
    test_minutes();
    test_money();
    test_bp_int_mask();
    test_width_and_formats();
    test_table();
    test_table_cells();
    test_ndjson();
    test_csv();
    test_view_paysheet();
    test_view_obligations();
    test_view_run_totals();
    test_write_error();
    return t_done();
}
