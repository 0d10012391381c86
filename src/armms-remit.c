/*
 * armms-remit - the government files of a month or a year from the
 * approved runs: SSS R3, Pag-IBIG contributions and loans, PhilHealth
 * premiums, BIR 1601-C, the 1604-C alphalist and 2316 figures. What the
 * files hold is read and laid out by lib/out/remit*.c; this is options,
 * one table of verbs, where the output goes and the summary.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/render.h"
#include "core/secure.h"
#include "iam/rbac.h"
#include "out/remit.h"

typedef struct remit_cli {
    cli_t c;
    const char *operand, *output, *guard, *format, *employer_sss, *employer_name;
    int partial;
    const cli_verb *verb;
    tenant_t t;
    store_t s;
    remit_scope sc;
    remit_set set;
    char summary[600];
    int code;
    armms_err err;
} remit_cli;

/* ---- columns: the table/CSV on stdout and the agency CSV files ---- */

#define PERSON_COLS                                                                               \
    {"Guard", "guard_id", RENDER_TEXT, 0, 0, 0, NULL},                                            \
        {"Emp. no", "employee_no", RENDER_TEXT, 0, 0, 0, NULL},                                   \
        {"Last name", "last_name", RENDER_TEXT, 0, 24, 0, NULL},                                  \
    {                                                                                             \
        "First name", "first_name", RENDER_TEXT, 0, 24, 0, NULL                                   \
    }

static const render_col sss_cols[] = {
    PERSON_COLS,
    {"SSS no", "sss_no", RENDER_MASKED, 0, 0, 0, NULL},
    {"OK", "id_ok", RENDER_TEXT, 0, 0, 0, NULL},
    {"Month", "applicable_month", RENDER_TEXT, 0, 0, 0, NULL},
    {"MSC", "credit", RENDER_MONEY, 0, 0, 0, NULL},
    {"SS EE", "ss_ee", RENDER_MONEY, 0, 0, RENDER_SUM, NULL},
    {"SS ER", "ss_er", RENDER_MONEY, 0, 0, RENDER_SUM, NULL},
    {"MPF EE", "mpf_ee", RENDER_MONEY, 0, 0, RENDER_SUM, NULL},
    {"MPF ER", "mpf_er", RENDER_MONEY, 0, 0, RENDER_SUM, NULL},
    {"EC", "ec", RENDER_MONEY, 0, 0, RENDER_SUM, NULL},
    {"Total", "total", RENDER_MONEY, 0, 0, RENDER_SUM, NULL},
    {0},
};

static const render_col hdmf_cols[] = {
    PERSON_COLS,
    {"MID no", "hdmf_no", RENDER_MASKED, 0, 0, 0, NULL},
    {"OK", "id_ok", RENDER_TEXT, 0, 0, 0, NULL},
    {"Month", "applicable_month", RENDER_TEXT, 0, 0, 0, NULL},
    {"EE", "ee", RENDER_MONEY, 0, 0, RENDER_SUM, NULL},
    {"ER", "er", RENDER_MONEY, 0, 0, RENDER_SUM, NULL},
    {"Total", "total", RENDER_MONEY, 0, 0, RENDER_SUM, NULL},
    {0},
};

static const render_col loan_cols[] = {
    PERSON_COLS,
    {"MID no", "hdmf_no", RENDER_MASKED, 0, 0, 0, NULL},
    {"OK", "id_ok", RENDER_TEXT, 0, 0, 0, NULL},
    {"Loan", "obligation_id", RENDER_TEXT, 0, 0, 0, NULL},
    {"Code", "code", RENDER_TEXT, 0, 0, 0, NULL},
    {"Amount", "amount", RENDER_MONEY, 0, 0, RENDER_SUM, NULL},
    {0},
};

static const render_col ph_cols[] = {
    PERSON_COLS,
    {"PIN", "philhealth_no", RENDER_MASKED, 0, 0, 0, NULL},
    {"OK", "id_ok", RENDER_TEXT, 0, 0, 0, NULL},
    {"Month", "applicable_month", RENDER_TEXT, 0, 0, 0, NULL},
    {"Base", "base", RENDER_MONEY, 0, 0, 0, NULL},
    {"EE", "ee", RENDER_MONEY, 0, 0, RENDER_SUM, NULL},
    {"ER", "er", RENDER_MONEY, 0, 0, RENDER_SUM, NULL},
    {"Total", "total", RENDER_MONEY, 0, 0, RENDER_SUM, NULL},
    {0},
};

#define BIR_COLS                                                                                  \
    {"Gross", "gross", RENDER_MONEY, 0, 0, RENDER_SUM, NULL},                                     \
        {"MWE SMW", "mwe_smw", RENDER_MONEY, 0, 0, RENDER_SUM, NULL},                             \
        {"MWE OT/ND/hol", "mwe_premium", RENDER_MONEY, 0, 0, RENDER_SUM, NULL},                   \
        {"13th/benefits", "benefits", RENDER_MONEY, 0, 0, RENDER_SUM, NULL},                      \
        {"De minimis", "de_minimis", RENDER_MONEY, 0, 0, RENDER_SUM, NULL},                       \
        {"Contrib.", "contributions", RENDER_MONEY, 0, 0, RENDER_SUM, NULL},                      \
        {"Other n/t", "other_nontaxable", RENDER_MONEY, 0, 0, RENDER_SUM, NULL},                  \
        {"Non-taxable", "nontaxable", RENDER_MONEY, 0, 0, RENDER_SUM, NULL},                      \
        {"Taxable", "taxable", RENDER_MONEY, 0, 0, RENDER_SUM, NULL},                             \
    {                                                                                             \
        "Tax", "tax", RENDER_MONEY, 0, 0, RENDER_SUM, NULL                                        \
    }

static const render_col bir_kv[] = {
    {"Month", "month", RENDER_TEXT, 0, 0, 0, NULL},
    {"Employees", "employees", RENDER_INT, 0, 0, 0, NULL},
    {"Minimum wage earners", "mwe_employees", RENDER_INT, 0, 0, 0, NULL},
    {"Paysheets", "paysheets", RENDER_INT, 0, 0, 0, NULL},
    {"", NULL, RENDER_TEXT, 0, 0, 0, NULL},
    {"Total compensation", "gross", RENDER_MONEY, 0, 0, 0, NULL},
    {"SMW of MWEs", "mwe_smw", RENDER_MONEY, 0, 0, 0, NULL},
    {"Holiday/OT/ND pay of MWEs", "mwe_premium", RENDER_MONEY, 0, 0, 0, NULL},
    {"13th month and other benefits", "benefits", RENDER_MONEY, 0, 0, 0, NULL},
    {"De minimis benefits", "de_minimis", RENDER_MONEY, 0, 0, 0, NULL},
    {"SSS/PHIC/HDMF employee shares", "contributions", RENDER_MONEY, 0, 0, 0, NULL},
    {"Other non-taxable", "other_nontaxable", RENDER_MONEY, 0, 0, 0, NULL},
    {"Total non-taxable", "nontaxable", RENDER_MONEY, 0, 0, 0, NULL},
    {"Taxable compensation", "taxable", RENDER_MONEY, 0, 0, 0, NULL},
    {"Tax withheld", "tax", RENDER_MONEY, 0, 0, 0, NULL},
    {0},
};

static const render_col y_cols[] = {
    PERSON_COLS,
    {"TIN", "tin", RENDER_MASKED, 0, 0, 0, NULL},
    {"Schedule", "schedule", RENDER_TEXT, 0, 0, 0, NULL},
    BIR_COLS,
    {0},
};

/* The agency CSV files: full numbers, pesos. */
#define CSV_PERSON                                                                                \
    {"employee_no", "employee_no", RC_TEXT}, {"last_name", "last_name", RC_TEXT},                 \
    {                                                                                             \
        "first_name", "first_name", RC_TEXT                                                       \
    }

static const remit_csv_col hdmf_csv[] = {
    {"pagibig_mid", "hdmf_no", RC_TEXT},
    CSV_PERSON,
    {"period", "applicable_month", RC_TEXT},
    {"ee_share", "ee", RC_MONEY},
    {"er_share", "er", RC_MONEY},
    {"total", "total", RC_MONEY},
    {0, 0, 0},
};
static const remit_csv_col loan_csv[] = {
    {"pagibig_mid", "hdmf_no", RC_TEXT},
    CSV_PERSON,
    {"period", "month", RC_TEXT},
    {"loan_reference", "obligation_id", RC_TEXT},
    {"loan_code", "code", RC_TEXT},
    {"amount", "amount", RC_MONEY},
    {0, 0, 0},
};
static const remit_csv_col ph_csv[] = {
    {"philhealth_pin", "philhealth_no", RC_TEXT},
    CSV_PERSON,
    {"period", "applicable_month", RC_TEXT},
    {"monthly_basic_salary", "base", RC_MONEY},
    {"ee_share", "ee", RC_MONEY},
    {"er_share", "er", RC_MONEY},
    {"total", "total", RC_MONEY},
    {0, 0, 0},
};
static const remit_csv_col bir_csv[] = {
    {"month", "month", RC_TEXT},
    {"employees", "employees", RC_INT},
    {"mwe_employees", "mwe_employees", RC_INT},
    {"total_compensation", "gross", RC_MONEY},
    {"mwe_smw", "mwe_smw", RC_MONEY},
    {"mwe_holiday_ot_nd", "mwe_premium", RC_MONEY},
    {"thirteenth_month_benefits", "benefits", RC_MONEY},
    {"de_minimis", "de_minimis", RC_MONEY},
    {"contributions_ee", "contributions", RC_MONEY},
    {"other_nontaxable", "other_nontaxable", RC_MONEY},
    {"total_nontaxable", "nontaxable", RC_MONEY},
    {"taxable_compensation", "taxable", RC_MONEY},
    {"tax_withheld", "tax", RC_MONEY},
    {0, 0, 0},
};
static const remit_csv_col y_csv[] = {
    {"schedule", "schedule", RC_TEXT},
    {"tin", "tin", RC_TEXT},
    CSV_PERSON,
    {"year", "year", RC_TEXT},
    {"gross_compensation", "gross", RC_MONEY},
    {"mwe_smw", "mwe_smw", RC_MONEY},
    {"mwe_holiday_ot_nd", "mwe_premium", RC_MONEY},
    {"thirteenth_month_benefits", "benefits", RC_MONEY},
    {"de_minimis", "de_minimis", RC_MONEY},
    {"contributions_ee", "contributions", RC_MONEY},
    {"other_nontaxable", "other_nontaxable", RC_MONEY},
    {"total_nontaxable", "nontaxable", RC_MONEY},
    {"taxable_compensation", "taxable", RC_MONEY},
    {"tax_withheld", "tax", RC_MONEY},
    {0, 0, 0},
};

/* ---- output ---- */

/* Where -o writes: FILE.tmp renamed over FILE for a regular file (a file
 * is whole or absent), FILE itself for a device or pipe (/dev/stdout). */
typedef struct outfile {
    FILE *f;
    char *tmp;
    const char *path;
} outfile;

static int out_open(outfile *o, const char *path, armms_err *err)
{
    struct stat st;
    memset(o, 0, sizeof *o);
    o->path = path;
    if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
        o->f = caller_fopen(path, "w");
    } else {
        o->tmp = xasprintf("%s.tmp", path);
        o->f = caller_fopen(o->tmp, "w");
    }
    if (!o->f) {
        int e = errno;
        free(o->tmp);
        o->tmp = NULL;
        return err_set(err, EXIT_CANTCREAT, "cannot create %s: %s", path, strerror(e));
    }
    return 0;
}

/* Close (rc 0: keep the file) and report a failed write as 74. */
static int out_close(outfile *o, int rc, armms_err *err)
{
    if (!o->f)
        return rc;
    int bad = stream_close_check(o->f);
    o->f = NULL;
    if (!rc && bad)
        rc = err_set(err, EXIT_IOERR, "cannot write %s: %s", o->path, strerror(errno));
    if (o->tmp) {
        if (!rc && caller_rename(o->tmp, o->path) != 0)
            rc = err_set(err, EXIT_CANTCREAT, "cannot rename %s: %s", o->tmp, strerror(errno));
        if (rc)
            caller_unlink(o->tmp);
        free(o->tmp);
        o->tmp = NULL;
    }
    return rc;
}

/* The records with a number the agency cannot key on, named on stderr
 * (masked); their count. */
static long list_bad(jv records, const char *field, const char *what, const char *fate)
{
    long n = 0;
    strbuf m;
    sb_init(&m);
    jv_array_foreach(records, i, r)
    {
        jv ok = jv_object_get(jv_copy(r), jv_string("id_ok"));
        if (jv_get_kind(ok) == JV_KIND_FALSE) {
            jv g = jv_object_get(jv_copy(r), jv_string("guard_id"));
            jv num = jv_object_get(jv_copy(r), jv_string(field));
            jv why = jv_object_get(jv_copy(r), jv_string("id_problem"));
            sb_reset(&m);
            render_mask(&m, jv_get_kind(num) == JV_KIND_STRING ? jv_string_value(num) : "");
            armms_warn("guard %s: %s '%s' %s: %s", jv_string_value(g), what, m.s ? m.s : "",
                       jv_get_kind(why) == JV_KIND_STRING ? jv_string_value(why) : "bad", fate);
            jv_free(g);
            jv_free(num);
            jv_free(why);
            n++;
        }
        jv_free(ok);
        jv_free(r);
    }
    sb_free(&m);
    return n;
}

static money_t sum_of(jv records, const char *field)
{
    money_t t = 0;
    jv_array_foreach(records, i, r)
    {
        jv v = jv_object_get(r, jv_string(field));
        if (jv_get_kind(v) == JV_KIND_NUMBER)
            t += (money_t)jv_number_value(v);
        jv_free(v);
    }
    return t;
}

static void peso(char *buf, money_t c)
{
    money_format(c, buf);
}

/* records (consumed) to -o as CSV, or to stdout under cols. */
static int emit(remit_cli *p, jv records, const render_col *cols, const remit_csv_col *csv)
{
    int rc;
    if (p->output) {
        outfile o;
        rc = out_open(&o, p->output, &p->err);
        if (!rc)
            rc = remit_write_csv(o.f, csv, records, &p->err);
        rc = out_close(&o, rc, &p->err);
        jv_free(records);
        return rc;
    }
    render_opts ro = {.total_label = "Total", .empty = "nothing in the approved paysheets"};
    return render_records(stdout, render_format_pick(p->format), cols, records, &ro, &p->err);
}

/* ---- verbs ---- */

static int open_scope(remit_cli *p)
{
    int rc = store_open_ro(&p->s, &p->t, "pay", &p->err);
    if (!rc)
        rc = store_attach_ro(&p->s, "hr", &p->err);
    if (!rc)
        rc = strlen(p->operand) == 4 ? remit_scope_year(&p->s, p->operand, &p->sc, &p->err)
                                     : remit_scope_month(&p->s, p->operand, &p->sc, &p->err);
    if (rc)
        return rc;
    if (!p->sc.complete) {
        armms_warn("%s is not approved in full: %s", p->operand, p->sc.missing);
        if (!p->partial)
            return err_set(&p->err, EXIT_DATAERR,
                           "nothing written (--partial writes what is approved)");
        p->code = EXIT_DATAERR;
    }
    return remit_load(&p->s, &p->sc, p->guard, &p->set, &p->err);
}

static void contrib_summary(remit_cli *p, const char *what, jv records, long bad,
                            const char *idname)
{
    char ee[32], er[32];
    peso(ee, sum_of(records, "ee"));
    peso(er, sum_of(records, "er"));
    long n = jv_array_length(jv_copy(records));
    long na = 0;
    for (size_t i = 0; i < p->set.n; i++)
        na += p->set.v[i].not_applied;
    snprintf(p->summary, sizeof p->summary,
             "%s %s: %ld contributions, employee %s, employer %s%s; %ld with a bad %s; %ld "
             "deferred or waived in these paysheets (not remitted)",
             what, p->operand, n, ee, er, p->sc.complete ? "" : " (partial)", bad, idname, na);
}

static int run_sss(void *ctx)
{
    remit_cli *p = ctx;
    int rc = open_scope(p);
    if (rc)
        return rc;
    jv recs = remit_sss_records(&p->set, p->operand);
    long bad = list_bad(recs, "sss_no", "SSS number", p->output ? "not in the R3 file" : "listed");
    if (bad)
        p->code = EXIT_DATAERR;
    char ss[32], mpf[32], ec[32];
    money_t ssv = sum_of(recs, "ss_ee") + sum_of(recs, "ss_er");
    money_t mpfv = sum_of(recs, "mpf_ee") + sum_of(recs, "mpf_er");
    peso(ss, ssv);
    peso(mpf, mpfv);
    peso(ec, sum_of(recs, "ec"));
    if (p->output) {
        /* a contribution of another quarter (a deferral carried across it)
         * has no slot in this file: named, and filed with its own month */
        jv_array_foreach(recs, i, r)
        {
            jv am = jv_object_get(jv_copy(r), jv_string("applicable_month"));
            const char *m = jv_get_kind(am) == JV_KIND_STRING ? jv_string_value(am) : "";
            if (remit_r3_slot(p->operand, m) < 0) {
                jv g = jv_object_get(jv_copy(r), jv_string("guard_id"));
                armms_warn("guard %s: SSS contribution of %s is of another quarter: not in the R3 "
                           "file (armms-remit sss %s)",
                           jv_string_value(g), m, m);
                jv_free(g);
                p->code = EXIT_DATAERR;
            }
            jv_free(am);
            jv_free(r);
        }
        remit_employer emp = {p->employer_name, p->employer_sss};
        remit_written w;
        outfile o;
        rc = out_open(&o, p->output, &p->err);
        if (!rc)
            rc = remit_write_r3(o.f, recs, p->operand, &emp, &w, &p->err);
        rc = out_close(&o, rc, &p->err);
        if (!rc) {
            int slot = (atoi(p->operand + 5) - 1) % 3;
            peso(ss, w.ss[slot]);
            peso(mpf, w.mpf[slot]);
            peso(ec, w.ec[slot]);
            snprintf(p->summary, sizeof p->summary,
                     "R3 %s: %ld records, regular SS %s, EC %s (trailer); MPF %s reported "
                     "apart; %ld listed, not in the file%s",
                     p->operand, w.records, ss, ec, mpf, w.listed,
                     p->sc.complete ? "" : " (partial)");
        }
        jv_free(recs);
        return rc;
    }
    snprintf(p->summary, sizeof p->summary,
             "sss %s: %d contributions, regular SS %s, MPF %s, EC %s; %ld with a bad SSS number%s",
             p->operand, jv_array_length(jv_copy(recs)), ss, mpf, ec, bad,
             p->sc.complete ? "" : " (partial)");
    render_opts ro = {.total_label = "Total", .empty = "nothing in the approved paysheets"};
    return render_records(stdout, render_format_pick(p->format), sss_cols, recs, &ro, &p->err);
}

static int run_hdmf(void *ctx)
{
    remit_cli *p = ctx;
    int rc = open_scope(p);
    if (rc)
        return rc;
    jv recs = remit_hdmf_records(&p->set, p->operand);
    long bad = list_bad(recs, "hdmf_no", "Pag-IBIG MID", "listed");
    if (bad)
        p->code = EXIT_DATAERR;
    contrib_summary(p, "hdmf", recs, bad, "MID");
    return emit(p, recs, hdmf_cols, hdmf_csv);
}

static int run_hdmf_loan(void *ctx)
{
    remit_cli *p = ctx;
    int rc = open_scope(p);
    if (rc)
        return rc;
    jv recs = remit_hdmf_loan_records(&p->set, p->operand);
    long bad = list_bad(recs, "hdmf_no", "Pag-IBIG MID", "listed");
    if (bad)
        p->code = EXIT_DATAERR;
    char amt[32];
    peso(amt, sum_of(recs, "amount"));
    snprintf(p->summary, sizeof p->summary,
             "hdmf-loan %s: %d loan payments, %s; %ld with a bad MID%s", p->operand,
             jv_array_length(jv_copy(recs)), amt, bad, p->sc.complete ? "" : " (partial)");
    return emit(p, recs, loan_cols, loan_csv);
}

static int run_philhealth(void *ctx)
{
    remit_cli *p = ctx;
    int rc = open_scope(p);
    if (rc)
        return rc;
    jv recs = remit_philhealth_records(&p->set, p->operand);
    long bad = list_bad(recs, "philhealth_no", "PhilHealth PIN", "listed");
    if (bad)
        p->code = EXIT_DATAERR;
    contrib_summary(p, "philhealth", recs, bad, "PIN");
    return emit(p, recs, ph_cols, ph_csv);
}

static int run_1601c(void *ctx)
{
    remit_cli *p = ctx;
    int rc = open_scope(p);
    if (rc)
        return rc;
    jv rec = remit_1601c_record(&p->set, &p->sc);
    char g[32], tx[32];
    peso(g, (money_t)jv_number_value(jv_object_get(jv_copy(rec), jv_string("gross"))));
    peso(tx, (money_t)jv_number_value(jv_object_get(jv_copy(rec), jv_string("tax"))));
    snprintf(p->summary, sizeof p->summary, "1601-C %s: %zu employees, compensation %s, tax %s%s",
             p->operand, p->set.n, g, tx, p->sc.complete ? "" : " (partial)");
    if (p->output)
        return emit(p, jv_array_append(jv_array(), rec), NULL, bir_csv);
    return render_kv(stdout, render_format_pick(p->format), bir_kv, rec, NULL, &p->err);
}

static int run_year(remit_cli *p, const char *what)
{
    int rc = open_scope(p);
    if (rc)
        return rc;
    jv recs = remit_2316_records(&p->set, &p->sc);
    /* the alphalist: the non-MWE schedule first, then the MWE one */
    if (!strcmp(p->verb->name, "alphalist")) {
        jv sorted = jv_array();
        for (int pass = 0; pass < 2; pass++)
            jv_array_foreach(recs, i, r)
            {
                jv m = jv_object_get(jv_copy(r), jv_string("mwe"));
                if ((jv_get_kind(m) == JV_KIND_TRUE) == pass)
                    sorted = jv_array_append(sorted, r);
                else
                    jv_free(r);
                jv_free(m);
            }
        jv_free(recs);
        recs = sorted;
    }
    long bad = list_bad(recs, "tin", "TIN", "listed");
    if (bad)
        p->code = EXIT_DATAERR;
    char g[32], tx[32];
    peso(g, sum_of(recs, "gross"));
    peso(tx, sum_of(recs, "tax"));
    snprintf(p->summary, sizeof p->summary,
             "%s %s: %d employees, compensation %s, tax withheld %s; %ld with a bad TIN%s", what,
             p->operand, jv_array_length(jv_copy(recs)), g, tx, bad,
             p->sc.complete ? "" : " (partial)");
    return emit(p, recs, y_cols, y_csv);
}

static int run_alphalist(void *ctx)
{
    return run_year(ctx, "alphalist");
}

static int run_2316(void *ctx)
{
    return run_year(ctx, "2316");
}

static const cli_verb verbs[] = {
    {.name = "sss",
     .operand = "MONTH",
     .needs = "a month (YYYY-MM)",
     .synopsis = "[-o FILE --employer-sss NO --employer-name NAME]",
     .help = "SSS contributions of the month; -o writes the R3 text file",
     .scope = "paysheet.read",
     .run = run_sss},
    {.name = "hdmf",
     .operand = "MONTH",
     .needs = "a month (YYYY-MM)",
     .synopsis = "[-o FILE]",
     .help = "Pag-IBIG member contributions (MID, employee and employer shares)",
     .scope = "paysheet.read",
     .run = run_hdmf},
    {.name = "hdmf-loan",
     .operand = "MONTH",
     .needs = "a month (YYYY-MM)",
     .synopsis = "[-o FILE]",
     .help = "Pag-IBIG loan payments (loans whose code begins HDMF)",
     .scope = "paysheet.read",
     .run = run_hdmf_loan},
    {.name = "philhealth",
     .operand = "MONTH",
     .needs = "a month (YYYY-MM)",
     .synopsis = "[-o FILE]",
     .help = "PhilHealth premiums (PIN, employee and employer shares)",
     .scope = "paysheet.read",
     .run = run_philhealth},
    {.name = "bir-1601c",
     .operand = "MONTH",
     .needs = "a month (YYYY-MM)",
     .synopsis = "[-o FILE]",
     .help = "the month's withholding summary behind BIR form 1601-C",
     .scope = "paysheet.read",
     .run = run_1601c},
    {.name = "alphalist",
     .operand = "YEAR",
     .needs = "a year (YYYY)",
     .synopsis = "[-o FILE]",
     .help = "the year's alphalist of employees (1604-C), non-MWE then MWE",
     .scope = "paysheet.read",
     .run = run_alphalist},
    {.name = "2316",
     .operand = "YEAR",
     .needs = "a year (YYYY)",
     .synopsis = "[--guard G] [-o FILE]",
     .help = "each employee's BIR form 2316 figures for the year",
     .scope = "paysheet.read",
     .run = run_2316},
    {0},
};

static const char intro[] =
    "\n"
    "Reads the approved paysheets of the month's two halves (or of the year) and\n"
    "never recomputes: contributions, tax and loans are what armms-deduct stored.\n"
    "A month with a half not yet approved writes nothing and exits 65 unless\n"
    "--partial. Without -o the records go to stdout (a table on a terminal,\n"
    "NDJSON otherwise; personal numbers masked); -o FILE writes the agency's file\n"
    "with the numbers in full.\n"
    "\n";

static const char options[] =
    "\n"
    "  -t, --tenant ID       the tenant (or ARMMS_TENANT)\n"
    "  -o, --output FILE     write the agency file (R3 text for sss, CSV otherwise)\n"
    "      --partial         go on with the approved half when the other is not\n"
    "      --guard G         2316: one guard\n"
    "      --employer-sss NO sss -o: the employer's SSS number (10 digits)\n"
    "      --employer-name N sss -o: the registered employer name\n"
    "      --format F        stdout: table, ndjson or csv\n" CLI_COMMON_OPTIONS CLI_EXIT_HEAD
        CLI_EXIT(" 0", "the file or records are complete")
            CLI_EXIT("64", "usage: a bad month or year, the R3 file without its employer")
                CLI_EXIT("65", "a period is not approved (nothing written without --partial), or")
                    CLI_EXIT_MORE("a guard was listed for a bad or missing number")
                        CLI_EXIT("73", "the file cannot be created")
                            CLI_EXIT("74", "it, or standard output, cannot be written")
                                CLI_EXIT_NOPERM CLI_EXIT_CONFIG;

enum { OPT_PARTIAL = OPT_TOOL_BASE, OPT_GUARD, OPT_FORMAT, OPT_ER_SSS, OPT_ER_NAME };

static void parse_options(remit_cli *p, int argc, char **argv)
{
    static const struct option longopts[] = {
        CLI_COMMON_LONGOPTS,
        {"output", required_argument, NULL, 'o'},
        {"partial", no_argument, NULL, OPT_PARTIAL},
        {"guard", required_argument, NULL, OPT_GUARD},
        {"format", required_argument, NULL, OPT_FORMAT},
        {"employer-sss", required_argument, NULL, OPT_ER_SSS},
        {"employer-name", required_argument, NULL, OPT_ER_NAME},
        {0, 0, 0, 0}};
    int opt;
    cli_init_verbs(&p->c, "armms-remit", argv, "[-t TENANT] [--partial]", verbs, intro, options);
    while ((opt = getopt_long(argc, argv, CLI_COMMON_SHORTOPTS "o:", longopts, NULL)) != -1) {
        if (cli_common(&p->c, opt, optarg))
            continue;
        switch (opt) {
        case 'o':
            p->output = optarg;
            break;
        case OPT_PARTIAL:
            p->partial = 1;
            break;
        case OPT_GUARD:
            p->guard = optarg;
            break;
        case OPT_FORMAT:
            if (render_format_parse(optarg) < 0)
                cli_usage_error(&p->c, "unknown format '%s' (table, ndjson or csv)", optarg);
            p->format = optarg;
            break;
        case OPT_ER_SSS:
            p->employer_sss = optarg;
            break;
        case OPT_ER_NAME:
            p->employer_name = optarg;
            break;
        }
    }
}

static void check_verb(remit_cli *p, int argc, char **argv)
{
    const cli_t *c = &p->c;
    p->verb = cli_verb_pick(c, verbs, "command", argc, argv, &p->operand);
    const char *cmd = p->verb->name;
    int yearly = !strcmp(cmd, "alphalist") || !strcmp(cmd, "2316");
    size_t n = strlen(p->operand);
    if (yearly ? n != 4 : n != 7)
        cli_usage_error(c, yearly ? "bad year '%s' (YYYY)" : "bad month '%s' (YYYY-MM)",
                        p->operand);
    if (p->guard && strcmp(cmd, "2316"))
        cli_usage_error(c, "--guard goes with 2316");
    if ((p->employer_sss || p->employer_name) && strcmp(cmd, "sss"))
        cli_usage_error(c, "--employer-sss and --employer-name go with sss");
    if (!strcmp(cmd, "sss") && p->output && (!p->employer_sss || !p->employer_name))
        cli_usage_error(c, "the R3 file needs --employer-sss NO and --employer-name NAME");
    if (p->format && p->output)
        cli_usage_error(c, "--format is for stdout; -o writes the agency's layout");
}

int main(int argc, char **argv)
{
    static remit_cli p;
    parse_options(&p, argc, argv);
    check_verb(&p, argc, argv);
    cli_tenant(&p.c, &p.t);
    cli_authorize(&p.t, p.verb->scope);
    int rc = p.verb->run(&p);
    remit_set_free(&p.set);
    store_close(&p.s);
    if (!p.summary[0])
        return cli_end(&p.c, rc ? 0 : p.code, rc ? &p.err : NULL, NULL);
    return cli_end(&p.c, rc ? 0 : p.code, rc ? &p.err : NULL, "%s", p.summary);
}
