/*
 * armms-timesheet - timesheets from DTRs, their validation and finalization
 * (lib/tk/timesheet.c). Options, inputs and the summary only.
 */
#include <string.h>

#include "cli/progress.h"
#include "cli/scope.h"
#include "iam/change.h"
#include "tk/timesheet.h"

static const char usage[] =
    "usage: armms-timesheet [-t TENANT] [--period P | --from D --to D] [--guard G]\n"
    "                       [--reprocess] [FILE...]\n"
    "       armms-timesheet --validate --period P [--guard G]\n"
    "       armms-timesheet --finalize --period P [--guard G] [--override REASON]\n"
    "\n"
    "Stream mode: read DTR records (armms-dtr's output), recompute the timesheets\n"
    "of the guard-periods they touch and write Timesheet records (a finalized one\n"
    "that changed gets an ADJUSTED version). Select mode (a scope): recompute every\n"
    "timesheet in it; without a scope, also the stale ones. --validate lists\n"
    "what blocks finalization (stale rows too) as Blocker records, each with\n"
    "the command that fixes it; --finalize seals the period's draft timesheets\n"
    "and writes them as TimesheetFinalized records for payroll.\n"
    "\n"
    "  -t, --tenant ID       the tenant (or ARMMS_TENANT)\n" TK_SCOPE_HELP
    "      --validate        list blockers (exit 65 when there are any)\n"
    "      --finalize        seal the drafts of --period (blocked ones are Rejects)\n"
    "      --override REASON finalize blocked timesheets too, recording REASON\n" CLI_COMMON_HELP;

enum { OPT_VALIDATE = OPT_TOOL_BASE, OPT_FINALIZE, OPT_OVERRIDE };

int main(int argc, char **argv)
{
    static const struct option longopts[] = {CLI_COMMON_LONGOPTS,
                                             TK_SCOPE_LONGOPTS,
                                             {"validate", no_argument, NULL, OPT_VALIDATE},
                                             {"finalize", no_argument, NULL, OPT_FINALIZE},
                                             {"override", required_argument, NULL, OPT_OVERRIDE},
                                             {0, 0, 0, 0}};
    cli_t c;
    tk_scope sc = {0};
    int validate = 0, finalize = 0, opt;
    const char *override = NULL;
    cli_init(&c, "armms-timesheet", usage);
    argv[0] = (char *)armms_prog;
    while ((opt = getopt_long(argc, argv, CLI_COMMON_SHORTOPTS, longopts, NULL)) != -1) {
        if (cli_common(&c, opt, optarg) || tk_scope_opt(&sc, opt, optarg))
            continue;
        switch (opt) {
        case OPT_VALIDATE:
            validate = 1;
            break;
        case OPT_FINALIZE:
            finalize = 1;
            break;
        case OPT_OVERRIDE:
            override = optarg;
            break;
        }
    }
    tk_scope_check(&c, &sc);
    if (validate && finalize)
        cli_usage_error(&c, "--validate and --finalize do not go together");
    if ((validate || finalize) && !sc.period)
        cli_usage_error(&c, "--%s needs --period", validate ? "validate" : "finalize");
    if ((validate || finalize) && (sc.reprocess || optind < argc))
        cli_usage_error(&c, "--%s reads no records and takes no --reprocess",
                        validate ? "validate" : "finalize");
    if (override && !finalize)
        cli_usage_error(&c, "--override goes with --finalize");
    if (override && !*override)
        cli_usage_error(&c, "--override needs a reason");

    tenant_t t;
    reject_sink rej;
    armms_err err = {0};
    tk_run r;
    ts_counts n = {0};
    change_t ch = {0};
    cli_tenant(&c, &t);
    if (finalize && change_open(&ch, &t, "timesheet.finalize", &err))
        armms_die_err(&err);
    if (!finalize)
        cli_authorize(&t, validate ? "timesheet.read" : "timekeeping.run");
    cli_rejects(&c, &rej);
    int missing = 0, made = 0, rc = tk_run_open(&r, &t, &timesheet_stage, stdout, &rej, &err);
    r.progress = cli_progress(&c, stdout);
    if (!rc && validate) {
        rc = timesheet_validate(&r, sc.period, sc.guard, &n, &err);
    } else if (!rc && finalize) {
        rc = timesheet_finalize_change(&r, &ch, sc.period, sc.guard, override, &n, stdout, &made,
                                       &err);
    } else if (!rc) {
        rc = tk_cli_run(&r, &sc, argc - optind, argv + optind, &missing, &err);
    }
    tk_run_close(&r);
    int code = tk_cli_code(&r, missing);
    if (validate && !code && n.blockers)
        code = EXIT_DATAERR;
    char line[400];
    const char *outcome =
        ch.requesting && !rc ? change_outcome(&ch, made, line, sizeof line) : NULL;
    int requesting = ch.requesting;
    change_close(&ch);
    if (validate)
        return cli_end(&c, code, rc ? &err : NULL, "%s: %ld blockers on %ld timesheets", sc.period,
                       n.blockers, n.blocked);
    if (finalize)
        return cli_end(&c, code, rc ? &err : NULL, "%s: %ld %s, %ld blocked (%ld blockers)%s%s",
                       sc.period, n.finalized,
                       requesting ? "to finalize once approved" : "finalized", n.blocked,
                       n.blockers, outcome ? "\n" : "", outcome ? outcome : "");
    return cli_end(&c, code, rc ? &err : NULL, "%s",
                   tk_cli_summary(&r, "timesheets", line, sizeof line));
}
