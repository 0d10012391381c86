/*
 * armms-pay - gross pay: payroll's inbox of sealed timesheet snapshots and
 * the Paysheets priced from them (lib/pay/inbox.c, lib/pay/gross.c).
 * Options, inputs and the summary only.
 */
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/paybus.h"
#include "cli/progress.h"
#include "core/clock.h"
#include "pay/gross.h"

static const char usage[] =
    "usage: armms-pay [-t TENANT] [--changed] [FILE...]\n"
    "       armms-pay [-t TENANT] --period P [--guard G] [--changed]\n"
    "                 [--from URL [--stream NAME] [--durable NAME]\n"
    "                  [--ack-wait SECS] [--batch N]]\n"
    "\n"
    "Stream mode: read TimesheetFinalized and TimesheetAdjusted records\n"
    "(armms-timesheet --finalize, armms-approve approve), land each snapshot once\n"
    "in payroll's inbox and price again the paysheets of the guards and periods\n"
    "they touch. Select mode (--period): first take what is new in the journal\n"
    "through payroll's consumer cursor (or, with --from, from the broker\n"
    "timekeeping publishes to), then price every guard of the period.\n"
    "Writes Paysheet records (stage gross); a late snapshot of a closed period\n"
    "becomes adjustment lines in the guard's next open period.\n"
    "\n"
    "  -t, --tenant ID       the tenant (or ARMMS_TENANT)\n"
    "      --period P        price pay period P (YYYY-MM-A or YYYY-MM-B)\n"
    "      --guard G         with --period: that guard only\n"
    "      --changed         write only paysheets whose stored record changed\n" PAYBUS_HELP
        CLI_COMMON_OPTIONS CLI_EXIT_HEAD CLI_EXIT(" 0", "every record landed")
            CLI_EXIT("64", "usage") CLI_EXIT("65", "some records rejected (the others landed)")
                CLI_EXIT("66", "an input file cannot be read (the others are read)")
                    CLI_EXIT("69", "--from: the broker cannot be reached (nothing changed)")
                        CLI_EXIT("70", "internal error, or a damaged journal")
                            CLI_EXIT("73", "the --rejects file cannot be opened") CLI_EXIT(
                                "74", "I/O error: input, journal, standard output or Rejects")
                                CLI_EXIT_BUSY CLI_EXIT_NOPERM CLI_EXIT_CONFIG CLI_EXIT_MORE(
                                    "or --from: the stream is missing, or the durable is "
                                    "another consumer's");

enum { OPT_PERIOD = OPT_TOOL_BASE, OPT_GUARD, OPT_CHANGED };

/* Each snapshot record goes to the stream run. */
static int on_record(jv rec, const char *source, long line, const char *raw, size_t raw_len,
                     void *ctx, armms_err *err)
{
    return pay_stream_record(ctx, rec, source, line, raw, raw_len, err);
}

int main(int argc, char **argv)
{
    static const struct option longopts[] = {CLI_COMMON_LONGOPTS,
                                             {"period", required_argument, NULL, OPT_PERIOD},
                                             {"guard", required_argument, NULL, OPT_GUARD},
                                             {"changed", no_argument, NULL, OPT_CHANGED},
                                             PAYBUS_LONGOPTS,
                                             {0, 0, 0, 0}};
    cli_t c;
    paybus pb;
    const char *period = NULL, *guard = NULL;
    int changed = 0, opt;
    cli_init(&c, "armms-pay", usage);
    paybus_init(&pb);
    argv[0] = (char *)armms_prog;
    while ((opt = getopt_long(argc, argv, CLI_COMMON_SHORTOPTS, longopts, NULL)) != -1) {
        if (cli_common(&c, opt, optarg) || paybus_opt(&pb, &c, opt, optarg))
            continue;
        switch (opt) {
        case OPT_PERIOD:
            period = optarg;
            break;
        case OPT_GUARD:
            guard = optarg;
            break;
        case OPT_CHANGED:
            changed = 1;
            break;
        }
    }
    day_t d0, d1;
    if (period && period_parse(period, &d0, &d1))
        cli_usage_error(&c, "--period '%s' is not YYYY-MM-A or YYYY-MM-B", period);
    if (guard && !period)
        cli_usage_error(&c, "--guard needs --period");
    paybus_check(&pb, &c, period != NULL, "--period (select mode)");

    tenant_t t;
    reject_sink rej;
    armms_err err = {0};
    pay_counts n = {0};
    store_t s = {0};
    pay_rules *rules = NULL;
    pay_stream *ps = NULL;
    int missing = 0;
    cli_tenant(&c, &t);
    cli_authorize(&t, "payrun.run");
    cli_rejects(&c, &rej);
    n.progress = cli_progress(&c, stdout);
    /* the broker first: unreachable, nothing is opened or changed */
    int rc = paybus_open(&pb, &t, &err);
    if (!rc)
        rc = store_open(&s, &t, "pay", 0, &err);
    if (!rc)
        rc = pay_rules_load(s.db, &rules, &err);
    if (!rc)
        rc = pay_stream_open(&ps, &s, rules, stdout, &rej, &n, &err);
    if (!rc && changed)
        pay_stream_changed_only(ps);
    if (!rc)
        paybus_attach(&pb, ps, &rej, &n);
    if (!rc && (optind < argc || cli_stdin_wanted(period != NULL)))
        rc = cli_each_record(argc - optind, argv + optind, on_record, ps, &rej, &n.read,
                             &n.rejected, &missing, &err);
    if (!rc && period)
        rc = pay_stream_scope(ps, period, guard, &err);
    if (!rc)
        rc = pay_stream_finish(ps, &err);
    pay_stream_close(ps);
    pay_rules_free(rules);
    store_close(&s);
    paybus_close(&pb);
    int code = missing ? EXIT_NOINPUT : n.rejected ? EXIT_DATAERR : 0;
    char scope[120] = "";
    if (period)
        snprintf(scope, sizeof scope, "%s%s%s: ", period, guard ? " " : "", guard ? guard : "");
    return cli_end(&c, code, rc ? &err : NULL,
                   "%s%ld read, %ld landed, %ld rejected, %ld paysheets computed, %ld changed",
                   scope, n.read, n.landed, n.rejected, n.computed, n.changed);
}
