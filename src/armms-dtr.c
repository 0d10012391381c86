/*
 * armms-dtr - daily time records from time logs (lib/tk/dtr.c). Options,
 * inputs and the summary only.
 */
#include "cli/progress.h"
#include "cli/scope.h"
#include "tk/dtr.h"

static const char usage[] =
    "usage: armms-dtr [-t TENANT] [--period P | --from D --to D] [--guard G]\n"
    "                 [--reprocess] [FILE...]\n"
    "\n"
    "Stream mode: read TimeLog records (armms-timelog's output), recompute the\n"
    "daily time records of the guard-days they touch and write DTR records.\n"
    "Select mode (a scope): recompute every DTR in it, including ABSENT ones for\n"
    "scheduled shifts without a punch. Without a scope, also recompute the DTRs\n"
    "that corrections and master data changes left stale (cron's run).\n"
    "\n"
    "  -t, --tenant ID       the tenant (or ARMMS_TENANT)\n" TK_SCOPE_HELP CLI_COMMON_HELP;

int main(int argc, char **argv)
{
    static const struct option longopts[] = {CLI_COMMON_LONGOPTS, TK_SCOPE_LONGOPTS, {0, 0, 0, 0}};
    cli_t c;
    tk_scope sc = {0};
    int opt;
    cli_init(&c, "armms-dtr", usage);
    argv[0] = (char *)armms_prog;
    while ((opt = getopt_long(argc, argv, CLI_COMMON_SHORTOPTS, longopts, NULL)) != -1)
        if (!cli_common(&c, opt, optarg))
            tk_scope_opt(&sc, opt, optarg);
    tk_scope_check(&c, &sc);

    tenant_t t;
    reject_sink rej;
    armms_err err = {0};
    tk_run r;
    cli_tenant(&c, &t);
    cli_authorize(&t, "timekeeping.run");
    cli_rejects(&c, &rej);
    int missing = 0, rc = tk_run_open(&r, &t, &dtr_stage, stdout, &rej, &err);
    r.progress = cli_progress(&c, stdout);
    if (!rc)
        rc = tk_cli_run(&r, &sc, argc - optind, argv + optind, &missing, &err);
    tk_run_close(&r);
    char line[200];
    return cli_end(&c, tk_cli_code(&r, missing), rc ? &err : NULL, "%s",
                   tk_cli_summary(&r, "DTRs", line, sizeof line));
}
