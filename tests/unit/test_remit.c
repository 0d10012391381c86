/*
 * test_remit.c - the personal numbers' shapes, the BIR split of one
 * paysheet, the formula guard of a CSV cell and the R3 record widths
 * (lib/out/remit.h). Figures by hand.
 */
#include <stdlib.h>
#include <string.h>

#include "out/remit.h"
#include "t.h"

static void test_numbers(void)
{
    char d[16];
    T_OK(remit_sss_no("34-1234567-8", d) == NULL, "an SSS number NN-NNNNNNN-N has the shape");
    T_EQ_STR(d, "3412345678", "its digits are kept without dashes");
    T_OK(remit_sss_no("3412345678", d) == NULL, "10 digits without dashes have the shape");
    T_OK(remit_sss_no("34 1234567 8", d) == NULL, "blanks between the groups are dropped");
    T_EQ_STR(remit_sss_no("12-345", d), "not 10 digits", "5 digits are not an SSS number");
    T_EQ_STR(remit_sss_no("34-1234567-89", d), "not 10 digits", "11 digits are not one either");
    T_EQ_STR(remit_sss_no("34-123456X-8", d), "not digits", "a letter is not a digit");
    T_EQ_STR(remit_sss_no("", d), "missing", "an empty SSS number is missing");
    T_EQ_STR(remit_sss_no(NULL, d), "missing", "no SSS number is missing");
    T_EQ_STR(remit_sss_no("--", d), "missing", "dashes alone are missing");
    /* no check digit is tested: SSS publishes no rule (armms-remit(1)) */
    T_OK(remit_sss_no("34-1234567-0", d) == NULL && remit_sss_no("34-1234567-9", d) == NULL,
         "any last digit passes: only the format is checked");
    T_OK(remit_philhealth_no("01-234567890-1", d) == NULL, "a PhilHealth PIN is 12 digits");
    T_EQ_STR(remit_philhealth_no("01-23456789-1", d), "not 12 digits", "11 digits are no PIN");
    T_OK(remit_hdmf_no("1210-1234-5678", d) == NULL, "a Pag-IBIG MID is 12 digits");
    T_EQ_STR(d, "121012345678", "the MID's digits");
    T_OK(remit_tin("123-456-789", d) == NULL, "a TIN of 9 digits");
    T_OK(remit_tin("123-456-789-000", d) == NULL, "a TIN with a 3-digit branch code");
    T_OK(remit_tin("123-456-789-00000", d) == NULL, "a TIN with a 5-digit branch code");
    T_OK(remit_tin("123-456-78", d) != NULL, "8 digits are no TIN");
    T_OK(remit_tin("123-456-789-0", d) != NULL, "a 1-digit branch code is no TIN");
}

static void test_bir_split(void)
{
    remit_bir b = {0};
    /* a non-MWE: 15,600 of pay and a 300.00 rice allowance (not taxable);
     * SSS 500.00 and Pag-IBIG 200.00 taken; taxable = 15,600 - 700 */
    remit_bir_add(&b, jv_parse("{\"gross\":1590000,\"taxable\":1490000,\"lines\":["
                               "{\"code\":\"BASIC\",\"kind\":\"earning\",\"taxable\":true,"
                               "\"basic\":true,\"multiplier\":10000,\"amount\":960000},"
                               "{\"code\":\"OT\",\"kind\":\"earning\",\"taxable\":true,"
                               "\"multiplier\":12500,\"amount\":600000},"
                               "{\"code\":\"RICE\",\"kind\":\"allowance\",\"taxable\":false,"
                               "\"amount\":30000}],\"deductions\":["
                               "{\"code\":\"TAX\",\"kind\":\"tax\",\"amount\":72345,"
                               "\"mwe\":false,\"status\":\"APPLIED\"},"
                               "{\"code\":\"SSS\",\"kind\":\"statutory\",\"amount\":50000,"
                               "\"status\":\"APPLIED\"},"
                               "{\"code\":\"HDMF\",\"kind\":\"statutory\",\"amount\":20000,"
                               "\"status\":\"APPLIED\"},"
                               "{\"code\":\"PHILHEALTH\",\"kind\":\"statutory\",\"amount\":9999,"
                               "\"status\":\"DEFERRED\"}]}"));
    T_EQ_INT(b.gross, 1590000, "gross is the paysheet's");
    T_EQ_INT(b.de_minimis, 30000, "a non-taxable allowance is de minimis");
    T_EQ_INT(b.contributions, 70000, "applied employee shares only (the deferred one is not)");
    T_EQ_INT(b.nontaxable, 100000, "non-taxable = gross - taxable");
    T_EQ_INT(b.other_nontaxable, 0, "nothing left over");
    T_EQ_INT(b.tax, 72345, "tax is the applied TAX deduction");
    /* an MWE: 645.00 x 12 days SMW 7,740.00, OT 4,837.50, a special day at
     * 130% 838.50; taxable only a 100.00 taxable reward; contributions are
     * not subtracted again */
    remit_bir m = {0};
    remit_bir_add(&m, jv_parse("{\"gross\":1351600,\"taxable\":10000,\"lines\":["
                               "{\"code\":\"BASIC\",\"kind\":\"earning\",\"taxable\":true,"
                               "\"basic\":true,\"multiplier\":10000,\"amount\":774000},"
                               "{\"code\":\"OT\",\"kind\":\"earning\",\"taxable\":true,"
                               "\"multiplier\":12500,\"amount\":483750},"
                               "{\"code\":\"SH\",\"kind\":\"earning\",\"taxable\":true,"
                               "\"basic\":true,\"multiplier\":13000,\"amount\":83850},"
                               "{\"code\":\"AWARD\",\"kind\":\"reward\",\"taxable\":true,"
                               "\"amount\":10000}],\"deductions\":["
                               "{\"code\":\"TAX\",\"kind\":\"tax\",\"amount\":0,"
                               "\"mwe\":true,\"status\":\"APPLIED\"},"
                               "{\"code\":\"HDMF\",\"kind\":\"statutory\",\"amount\":20000,"
                               "\"status\":\"APPLIED\"}]}"));
    T_EQ_INT(m.mwe_smw, 774000, "an MWE's statutory minimum wage is exempt");
    T_EQ_INT(m.mwe_premium, 567600, "and the OT and special-day pay on it (483,750 + 83,850)");
    T_EQ_INT(m.contributions, 0, "an MWE's shares come out of exempt pay: not counted again");
    T_EQ_INT(m.nontaxable, 1341600, "non-taxable = gross - taxable");
    T_EQ_INT(m.other_nontaxable, 0, "the split accounts for all of it");
    T_EQ_INT(m.mwe_paysheets, 1, "one MWE paysheet");
}

static void test_csv_cell(void)
{
    const char *in[] = {"=SUM(A1)", "+63", "-5", "@x", "\tx", "\rx", "Santos", "dela Cruz"};
    const char *out[] = {"'=SUM(A1)", "'+63", "'-5", "'@x", "'\tx", "'\rx", "Santos", "dela Cruz"};
    for (size_t i = 0; i < sizeof in / sizeof *in; i++) {
        strbuf b;
        sb_init(&b);
        remit_csv_cell(&b, in[i]);
        T_EQ_STR(b.s, out[i], "cell %zu: a formula start gets an apostrophe, a name does not", i);
        sb_free(&b);
    }
}

static void test_r3_widths(void)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    jv recs = jv_parse("[{\"id_ok\":true,\"applicable_month\":\"2026-12\",\"last_name\":"
                       "\"Peña-Villanueva y Montemayor\",\"first_name\":\"Mª José\","
                       "\"middle_initial\":\"\",\"sss_no\":\"3412345678\",\"ss_ee\":100000,"
                       "\"ss_er\":200000,\"mpf_ee\":0,\"mpf_er\":0,\"ec\":3000},"
                       "{\"id_ok\":false,\"applicable_month\":\"2026-12\",\"ss_ee\":1}]");
    remit_employer emp = {"Ñiño Security Services Corporation of the Philippines", "03-9123456-7"};
    remit_written w;
    armms_err err = {0};
    T_EQ_INT(remit_write_r3(f, recs, "2026-12", &emp, &w, &err), 0, "the R3 file is written");
    fclose(f);
    T_EQ_INT(w.records, 1, "one detail record");
    T_EQ_INT(w.listed, 1, "the bad number is listed, not written");
    T_EQ_INT(w.ss[2], 300000, "December is the quarter's third month: slot 3 holds SS 3,000.00");
    char *l1 = buf, *l2 = strstr(l1, "\r\n") + 2, *l3 = strstr(l2, "\r\n") + 2;
    T_EQ_INT(l2 - l1, 48 + 2, "the header is 48 columns and CR LF");
    T_EQ_INT(l3 - l2, 110 + 2, "a detail is 110 columns and CR LF, whatever the names' length");
    T_EQ_INT(strlen(l3), 98 + 2, "the trailer is 98 columns and CR LF");
    T_OK(!strncmp(l1, "00Nino Security Services Corpora12202603", 40),
         "the employer name is cut to 30 ASCII columns, Ñ as N");
    T_OK(!strncmp(l2 + 2, "Pena-VillanuevaM", 16), "a surname is cut at 15 columns, ñ as n");
    T_OK(!strncmp(l2 + 17, "M? Jose", 7), "a character outside Latin-1 letters becomes '?'");
    T_OK(!strncmp(l2 + 59, " 3000.00", 8), "the SS amount is in December's slot");
    jv_free(recs);
    free(buf);
    /* an employer number that is not 10 digits is refused */
    f = open_memstream(&buf, &len);
    emp.sss_no = "03-91234";
    recs = jv_array();
    T_EQ_INT(remit_write_r3(f, recs, "2026-12", &emp, &w, &err), EXIT_DATAERR,
             "an employer number of 7 digits is refused");
    fclose(f);
    free(buf);
    jv_free(recs);
}

int main(void)
{
    test_numbers();
    test_bir_split();
    test_csv_cell();
    test_r3_widths();
    /* the R3 slot of a month in its quarter */
    T_EQ_INT(remit_r3_slot("2026-11", "2026-10"), 0,
             "October is the 1st month of the 4th quarter");
    T_EQ_INT(remit_r3_slot("2026-11", "2026-12"), 2, "December is its 3rd");
    T_EQ_INT(remit_r3_slot("2026-11", "2026-09"), -1, "September is of another quarter");
    T_EQ_INT(remit_r3_slot("2026-01", "2025-12"), -1, "December of the year before too");
    T_EQ_INT(remit_r3_slot("2026-03", "2026-01"), 0, "January in March's file: the 1st");
    T_EQ_INT(remit_r3_slot("2026-03", ""), -1, "no month: no slot");
    return t_done();
}
