/*
 * armms-timelog - match clock events to assignments and shift instances
 * (lib/tk/timelog.c), and record timekeeper adjustments. Options, inputs and
 * the summary only.
 */
#include <string.h>
#include <unistd.h>

#include "iam/change.h"
#include "tk/timelog.h"
#include "cli/scope.h"

static const char usage[] =
    "usage: armms-timelog [-t TENANT] [--period P | --from D --to D] [--guard G]\n"
    "                     [--reprocess] [FILE...]\n"
    "       armms-timelog adjust add --guard G --ts TS --type IN|OUT [--shift S --date D]\n"
    "                     [--detachment X] --reason TEXT\n"
    "       armms-timelog adjust void TIME_LOG_ID --reason TEXT\n"
    "       armms-timelog adjust move TIME_LOG_ID --shift S --date D [--detachment X]\n"
    "                     --reason TEXT\n"
    "\n"
    "Stream mode: read ClockEvent records (armms-ingest's output), recompute the\n"
    "time logs of the guard-days they touch and write TimeLog records. Select\n"
    "mode (a scope): recompute every time log in it. adjust records a\n"
    "timekeeper's correction, journals it (TimeLogAdjusted) and writes the\n"
    "recomputed time logs, ready for armms-dtr.\n"
    "\n"
    "  -t, --tenant ID       the tenant (or ARMMS_TENANT)\n" TK_SCOPE_HELP
    "      --reason TEXT     (adjust) why; required\n" CLI_COMMON_HELP;

enum { OPT_TS = OPT_TOOL_BASE, OPT_TYPE, OPT_SHIFT, OPT_DATE, OPT_DET, OPT_REASON };

int main(int argc, char **argv)
{
    static const struct option longopts[] = {CLI_COMMON_LONGOPTS,
                                             TK_SCOPE_LONGOPTS,
                                             {"ts", required_argument, NULL, OPT_TS},
                                             {"type", required_argument, NULL, OPT_TYPE},
                                             {"shift", required_argument, NULL, OPT_SHIFT},
                                             {"date", required_argument, NULL, OPT_DATE},
                                             {"detachment", required_argument, NULL, OPT_DET},
                                             {"reason", required_argument, NULL, OPT_REASON},
                                             {0, 0, 0, 0}};
    cli_t c;
    tk_scope sc = {0};
    tl_adjust adj = {0};
    const char *adjust_opt = NULL; /* the first adjust-only option seen */
    int opt;
    cli_init(&c, "armms-timelog", usage);
    argv[0] = (char *)armms_prog;
    /* Options may come before or after the adjust verb (getopt_long moves
     * operands last), as with every other tool's -t. */
    while ((opt = getopt_long(argc, argv, CLI_COMMON_SHORTOPTS, longopts, NULL)) != -1) {
        if (cli_common(&c, opt, optarg))
            continue;
        if (opt == OPT_GUARD)
            adj.guard = optarg;
        if (tk_scope_opt(&sc, opt, optarg))
            continue;
        for (const struct option *o = longopts; !adjust_opt && o->name; o++)
            if (o->val == opt)
                adjust_opt = o->name;
        switch (opt) {
        case OPT_TS:
            adj.ts = optarg;
            break;
        case OPT_TYPE:
            adj.type = optarg;
            break;
        case OPT_SHIFT:
            adj.shift = optarg;
            break;
        case OPT_DATE:
            adj.date = optarg;
            break;
        case OPT_DET:
            adj.detachment = optarg;
            break;
        case OPT_REASON:
            adj.reason = optarg;
            break;
        }
    }
    int adjusting = optind < argc && strcmp(argv[optind], "adjust") == 0;
    if (adjusting)
        optind++;
    else if (adjust_opt)
        cli_usage_error(&c, "--%s is an adjust option", adjust_opt);
    if (adjusting) {
        if (sc.period || sc.from_s || sc.to_s || sc.reprocess)
            cli_usage_error(&c, "adjust takes no scope");
        if (optind >= argc)
            cli_usage_error(&c, "adjust needs an action: add, void or move");
        adj.action = argv[optind++];
        int add = strcmp(adj.action, "add") == 0;
        if (!add && strcmp(adj.action, "void") && strcmp(adj.action, "move"))
            cli_usage_error(&c, "unknown adjust action '%s' (add, void or move)", adj.action);
        if (!add) {
            if (optind >= argc)
                cli_usage_error(&c, "%s needs a TIME_LOG_ID", adj.action);
            adj.target = argv[optind++];
            if (adj.guard || adj.ts || adj.type)
                cli_usage_error(&c, "%s takes a TIME_LOG_ID, not --guard, --ts or --type",
                                adj.action);
        }
        if (optind < argc)
            cli_usage_error(&c, "unexpected argument '%s'", argv[optind]);
        if (!adj.reason || !*adj.reason)
            cli_usage_error(&c, "an adjustment needs --reason");
    } else {
        tk_scope_check(&c, &sc);
    }

    tenant_t t;
    reject_sink rej;
    armms_err err = {0};
    tk_run r;
    change_t ch = {0};
    cli_tenant(&c, &t);
    if (!adjusting)
        cli_authorize(&t, "timekeeping.run");
    else if (change_open(&ch, &t, "timelog.adjust", &err))
        armms_die_err(&err);
    cli_rejects(&c, &rej);
    int rc = tk_run_open(&r, &t, &timelog_stage, stdout, &rej, &err), missing = 0, made = 0;
    if (!rc && adjusting) {
        rc = timelog_adjust_change(&r, &ch, &adj, stdout, &made, &err);
    } else if (!rc) {
        rc = tk_cli_run(&r, &sc, argc - optind, argv + optind, &missing, &err);
    }
    tk_run_close(&r);
    int code = tk_cli_code(&r, &rej, missing);
    char line[400];
    if (!adjusting)
        tk_cli_summary(&c, &r, "time logs");
    else if (!c.quiet && ch.requesting && !rc)
        armms_warn("%s", change_outcome(&ch, made, line, sizeof line));
    change_close(&ch);
    if (rc)
        armms_die_err(&err);
    tenant_free(&t);
    return cli_finish(code);
}
