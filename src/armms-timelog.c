/*
 * armms-timelog - match clock events to assignments and shift instances
 * (lib/tk/timelog.c), and record timekeeper adjustments. Options, inputs and
 * the summary only.
 */
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/progress.h"
#include "cli/scope.h"
#include "iam/change.h"
#include "tk/timelog.h"

static const char synopsis[] =
    "usage: armms-timelog [-t TENANT] [--period P | --from D --to D] [--guard G]\n"
    "                     [--reprocess] [FILE...]\n";

/* The one list of adjust actions: its usage lines and its check. Each is
 * made by timelog_adjust_change. */
static const cli_verb adjust_actions[] = {
    {.name = "add",
     .synopsis = "--guard G --ts TS --type IN|OUT [--shift S --date D] [--detachment X] "
                 "--reason TEXT"},
    {.name = "void",
     .operand = "TIME_LOG_ID",
     .needs = "a TIME_LOG_ID",
     .synopsis = "--reason TEXT"},
    {.name = "move",
     .operand = "TIME_LOG_ID",
     .needs = "a TIME_LOG_ID",
     .synopsis = "--shift S --date D [--detachment X] --reason TEXT"},
    {0},
};

static const char description[] =
    "\n"
    "Stream mode: read ClockEvent records (armms-ingest's output), recompute the\n"
    "time logs of the guard-days they touch and write TimeLog records. Select\n"
    "mode (a scope): recompute every time log in it. Without a scope, also\n"
    "recompute the time logs master data changes left stale. adjust records a\n"
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
    static strbuf usage; /* static: reachable until exit, as c.usage */
    sb_init(&usage);
    sb_adds(&usage, synopsis);
    cli_init(&c, "armms-timelog", NULL);
    cli_verb_synopsis(&usage, "adjust", adjust_actions);
    sb_adds(&usage, description);
    c.usage = usage.s;
    c.verbs = adjust_actions;
    c.verb_lead = "adjust";
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
        const cli_verb *v =
            cli_verb_pick(&c, adjust_actions, "adjust action", argc, argv, &adj.target);
        adj.action = v->name;
        if (adj.target && (adj.guard || adj.ts || adj.type))
            cli_usage_error(&c, "%s takes a TIME_LOG_ID, not --guard, --ts or --type", adj.action);
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
    if (!adjusting)
        r.progress = cli_progress(&c, stdout);
    if (!rc && adjusting) {
        rc = timelog_adjust_change(&r, &ch, &adj, stdout, &made, &err);
    } else if (!rc) {
        rc = timelog_release_held(&r, &err);
        if (!rc)
            rc = tk_cli_run(&r, &sc, argc - optind, argv + optind, &missing, &err);
    }
    tk_run_close(&r);
    char line[400];
    const char *said = !adjusting             ? tk_cli_summary(&r, "time logs", line, sizeof line)
                       : ch.requesting && !rc ? change_outcome(&ch, made, line, sizeof line)
                                              : NULL;
    /* A correction not piped on: say how it reaches the DTR and timesheet. */
    struct stat st;
    if (adjusting && !rc && !ch.requesting && fstat(STDOUT_FILENO, &st) == 0 &&
        !S_ISFIFO(st.st_mode) && !S_ISSOCK(st.st_mode)) {
        snprintf(line, sizeof line,
                 "%s recorded; its DTR and timesheet are stale until the next run without a "
                 "scope: armms-dtr -t %s | armms-timesheet -t %s",
                 adj.action, t.id, t.id);
        said = line;
    }
    if (!adjusting && r.n.released) /* held punches this run recorded */
        snprintf(line + strlen(line), sizeof line - strlen(line), ", %ld held punches released",
                 r.n.released);
    change_close(&ch);
    return cli_end(&c, tk_cli_code(&r, missing), rc ? &err : NULL, said ? "%s" : NULL, said);
}
