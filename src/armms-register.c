/*
 * armms-register - the payroll register of an approved period, as CSV or
 * XLSX (lib/out/register.c). Options, one call into the library, the
 * control totals on stderr.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/render.h"
#include "core/clock.h"
#include "core/secure.h"
#include "out/register.h"
#include "pay/period.h"

static const char usage[] =
    "usage: armms-register [-t TENANT] PERIOD [--format csv|xlsx] [-o FILE]\n"
    "\n"
    "Write the payroll register of PERIOD (its payrun APPROVED or CLOSED): one\n"
    "row per guard with an approved paysheet, a column per earning code, GROSS,\n"
    "a column per deduction code (employee share), DEDUCTIONS, NET and the\n"
    "employer shares. CSV goes to standard output without -o; XLSX needs -o.\n"
    "The control totals (guards, gross, deductions, net) go to standard error.\n"
    "\n"
    "  -t, --tenant ID       the tenant (or ARMMS_TENANT)\n"
    "      --format F        csv (the default) or xlsx\n"
    "  -o, --output FILE     write FILE (written whole, then renamed into place)\n"
    "      --as USER         act as USER (or ARMMS_USER, else the login name)\n"
    "  -q, --quiet           no summary on stderr\n"
    "  -h, --help            this text\n"
    "      --version         print the version\n" CLI_EXIT_HEAD CLI_EXIT(" 0", "written")
        CLI_EXIT("64", "usage") CLI_EXIT("65", "the period has no payrun, or it is not approved")
            CLI_EXIT("73", "the file cannot be created")
                CLI_EXIT("74", "it, or standard output, cannot be written")
                    CLI_EXIT_NOPERM CLI_EXIT_CONFIG;

enum { OPT_FORMAT = OPT_TOOL_BASE };

static void money(strbuf *b, int64_t c)
{
    render_money(b, c, 1);
}

int main(int argc, char **argv)
{
    static const struct option longopts[] = {CLI_COMMON_LONGOPTS,
                                             {"format", required_argument, NULL, OPT_FORMAT},
                                             {"output", required_argument, NULL, 'o'},
                                             {0, 0, 0, 0}};
    cli_t c;
    const char *format = "csv", *output = NULL;
    int opt;
    cli_init(&c, "armms-register", usage);
    argv[0] = (char *)armms_prog;
    while ((opt = getopt_long(argc, argv, CLI_COMMON_SHORTOPTS "o:", longopts, NULL)) != -1) {
        if (cli_common(&c, opt, optarg))
            continue;
        if (opt == OPT_FORMAT)
            format = optarg;
        else if (opt == 'o')
            output = optarg;
    }
    if (strcmp(format, "csv") && strcmp(format, "xlsx"))
        cli_usage_error(&c, "unknown format '%s' (csv or xlsx)", format);
    if (optind != argc - 1)
        cli_usage_error(&c, "%s", optind < argc ? "one PERIOD only" : "missing PERIOD");
    const char *period = argv[optind];
    day_t from, to;
    if (pay_period_kind(period, &from, &to, &(day_t){0}) < 0)
        cli_usage_error(
            &c, "'%s' is not a pay period (YYYY-MM-A, YYYY-MM-B, YYYY-13M or FINAL-YYYY-MM-DD)",
            period);
    int xlsx = !strcmp(format, "xlsx");
    if (xlsx && (!output || !strcmp(output, "-")))
        cli_usage_error(&c, "--format xlsx needs -o FILE");

    tenant_t t;
    armms_err err = {0};
    cli_tenant(&c, &t);
    cli_authorize(&t, "paysheet.read");
    store_t s;
    out_period p;
    out_register *r = NULL;
    int rc = store_open_ro(&s, &t, "pay", &err);
    if (!rc)
        rc = store_attach_ro(&s, "hr", &err);
    if (!rc)
        rc = out_period_open(&s, period, &p, &err);
    if (!rc)
        rc = out_register_build(&s, &p, &r, &err);
    store_close(&s);
    if (!rc && xlsx)
        rc = out_register_xlsx(r, output, &err);
    else if (!rc) {
        int to_stdout = !output || !strcmp(output, "-");
        char *tmp = to_stdout ? NULL : xasprintf("%s.tmp", output);
        FILE *out = to_stdout ? stdout : caller_fopen(tmp, "wb");
        if (!out)
            rc = err_set(&err, EXIT_CANTCREAT, "cannot create %s", tmp);
        if (!rc)
            rc = out_register_csv(r, out, &err);
        if (out && !to_stdout) {
            if (fclose(out) && !rc)
                rc = err_set(&err, EXIT_IOERR, "cannot write %s", tmp);
            if (!rc && caller_rename(tmp, output))
                rc = err_set(&err, EXIT_CANTCREAT, "cannot rename %s to %s", tmp, output);
            if (rc)
                caller_unlink(tmp);
        }
        free(tmp);
    }
    strbuf sum;
    sb_init(&sum);
    if (!rc) {
        int ded = -1;
        for (int k = 0; k < r->ncols; k++)
            if (r->cols[k].kind == REG_DEDUCTIONS)
                ded = k;
        sb_addf(&sum, "register %s (%s): %ld guards, gross ", period, p.status, r->nrows);
        money(&sum, r->totals[r->col_gross]);
        sb_adds(&sum, ", deductions ");
        money(&sum, ded >= 0 ? r->totals[ded] : 0);
        sb_adds(&sum, ", net ");
        money(&sum, r->totals[r->col_net]);
        int64_t er = 0;
        for (int k = 0; k < r->ncols; k++)
            if (r->cols[k].kind == REG_EMPLOYER)
                er += r->totals[k];
        sb_adds(&sum, ", employer shares ");
        money(&sum, er);
        if (output && strcmp(output, "-"))
            sb_addf(&sum, " -> %s", output);
    }
    out_register_free(r);
    int code = rc ? cli_end(&c, 0, &err, NULL) : cli_end(&c, 0, NULL, "%s", sum.s);
    sb_free(&sum);
    return code;
}
