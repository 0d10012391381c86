/*
 * armms-deduct - net pay: statutory contributions, withholding tax,
 * loans, allowances and the net floor (lib/pay/deduct.c); waivers through
 * their route (lib/pay/waiver.c); a guard's obligations. Options, one
 * table of verbs and its dispatch.
 *
 * With no verb it is a pipeline stage like armms-pay: Paysheet records on
 * stdin (stream) or --period P [--guard G] (select).
 */
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/actions.h"
#include "cli/cli.h"
#include "core/clock.h"
#include "core/input.h"
#include "pay/deduct.h"
#include "pay/waiver.h"

enum {
    OPT_PERIOD = OPT_TOOL_BASE,
    OPT_GUARD,
    OPT_REASON,
    OPT_CARRY,
    OPT_RESPREAD,
    OPT_MOVE,
};

typedef struct deduct {
    cli_t c;
    const char *period, *guard, *reason, *move_to, *id;
    int carry, respread;
    const cli_verb *verb;
    int argc;
    char **argv;
    tenant_t t;
    armms_err err;
    pay_counts n;
    int missing;
    char outcome[300];
} deduct;

/* ---- compute (no verb) ---- */

struct input {
    deduct_stream *ds;
    reject_sink *rej;
    pay_counts *n;
    armms_err *err;
};

static int read_input(int fd, const char *name, int csv_name, void *ctx)
{
    struct input *in = ctx;
    input_source rs;
    if (input_open(&rs, fd, name, INPUT_NDJSON, in->err))
        return in->err->code;
    int rc = 0, st;
    jv rec;
    input_item it;
    while (!rc && (st = input_next(&rs, &rec, &it, in->err)) != INPUT_EOF) {
        if (st < 0) {
            rc = in->err->code;
        } else if (st == INPUT_BAD) {
            reject_emit(in->rej, &it.why, name, it.line, it.raw, it.raw_len);
            in->n->read++;
            in->n->rejected++;
        } else {
            rc = deduct_stream_record(in->ds, rec, name, it.line, it.raw, it.raw_len, in->err);
        }
    }
    input_close(&rs);
    (void)csv_name;
    return rc;
}

static int stdin_wanted(int select)
{
    struct stat st;
    if (fstat(0, &st) != 0)
        return 0;
    if (S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode))
        return 1;
    return !select && !isatty(0);
}

/* pay.db with hr read-only (the detachments' regions). */
static int open_pay(deduct *d, store_t *s)
{
    int rc = store_open(s, &d->t, "pay", 0, &d->err);
    if (!rc)
        rc = store_attach_ro(s, "hr", &d->err);
    return rc;
}

static int run_compute(deduct *d)
{
    reject_sink rej;
    store_t s = {0};
    pay_rules *rules = NULL;
    cli_authorize(&d->t, "payrun.run");
    cli_rejects(&d->c, &rej);
    int rc = open_pay(d, &s);
    if (!rc)
        rc = pay_rules_load(s.db, &rules, &d->err);
    if (!rc && d->period) {
        rc = pay_deduct(&s, rules, d->period, d->guard, stdout, &rej, &d->n, &d->err);
    } else if (!rc) {
        deduct_stream *ds = deduct_stream_open(&s, rules, stdout, &rej, &d->n);
        struct input in = {ds, &rej, &d->n, &d->err};
        rc = cli_each_input(d->argc - optind, d->argv + optind, read_input, &in, &d->missing);
        if (!rc)
            rc = deduct_stream_finish(ds, &d->err);
        deduct_stream_close(ds);
    }
    pay_rules_free(rules);
    store_close(&s);
    return rc;
}

/* ---- verbs ---- */

static int run_waive(void *ctx)
{
    deduct *d = ctx;
    change_t ch;
    if (change_open(&ch, &d->t, "obligation.waive", &d->err))
        return d->err.code;
    store_t s = {0};
    reject_sink rej;
    cli_rejects(&d->c, &rej);
    int made = 0, rc = store_open(&s, &d->t, "pay", 0, &d->err);
    waive_req w = {.obligation_id = d->id,
                   .period = d->period,
                   .reason = d->reason,
                   .policy = d->carry      ? WAIVE_CARRY
                             : d->respread ? WAIVE_RESPREAD
                                           : WAIVE_MOVE,
                   .installments = d->respread,
                   .to_period = d->move_to};
    if (!rc)
        rc = pay_waive_change(&ch, &s, &w, stdout, &rej, &made, &d->err);
    if (!rc && ch.requesting)
        change_outcome(&ch, made, d->outcome, sizeof d->outcome);
    else if (!rc)
        snprintf(d->outcome, sizeof d->outcome, "%s waived in %s", d->id, d->period);
    store_close(&s);
    change_close(&ch);
    return rc;
}

static int run_obligations(void *ctx)
{
    deduct *d = ctx;
    store_t s = {0};
    int rc = store_open(&s, &d->t, "pay", 0, &d->err);
    if (!rc)
        rc = pay_obligations_write(&s, d->guard, stdout, &d->err);
    store_close(&s);
    return rc;
}

static const cli_verb verbs[] = {
    {.name = "waive",
     .operand = "OBLIGATION_ID",
     .needs = "an obligation id",
     .synopsis = "--period P --reason TEXT (--carry | --respread N | --move PERIOD)",
     .help = "waive the obligation's installment of P (route obligation.waive):\n"
             "carry it to the next period, respread it over N more installments\n"
             "or move it to PERIOD; applied once the route approves it",
     .scope = "obligation.waive",
     .run = run_waive},
    {.name = "obligations",
     .synopsis = "--guard G",
     .help = "a guard's obligations with their schedules (Obligation records)",
     .scope = "paysheet.read",
     .run = run_obligations},
    {0},
};

static const char intro[] =
    "       armms-deduct [-t TENANT] [FILE...]\n"
    "       armms-deduct [-t TENANT] --period P [--guard G]\n"
    "\n"
    "With no command: take gross Paysheets (armms-pay's output on stdin, or\n"
    "every paysheet of --period P) to net pay: allowances and rewards due,\n"
    "statutory contributions, withholding tax, loans and deductions in priority\n"
    "order, the net floor deferring the lowest-priority ones. Writes Paysheet\n"
    "records (stage net).\n"
    "\n"
    "Commands:\n";

static const char options[] =
    "\n"
    "  -t, --tenant ID       the tenant (or ARMMS_TENANT)\n"
    "      --period P        the pay period (YYYY-MM-A or YYYY-MM-B)\n"
    "      --guard G         one guard\n"
    "      --reason TEXT     why (waive)\n"
    "      --carry           the next period takes the installment too (waive)\n"
    "      --respread N      N more installments after the last one (waive)\n"
    "      --move PERIOD     the installment goes to PERIOD (waive)\n" CLI_COMMON_HELP;

static int is_verb(const char *a)
{
    for (const cli_verb *v = verbs; a && v->name; v++)
        if (strcmp(v->name, a) == 0)
            return 1;
    return 0;
}

static void parse(deduct *d, int argc, char **argv)
{
    static const struct option longopts[] = {CLI_COMMON_LONGOPTS,
                                             {"period", required_argument, NULL, OPT_PERIOD},
                                             {"guard", required_argument, NULL, OPT_GUARD},
                                             {"reason", required_argument, NULL, OPT_REASON},
                                             {"carry", no_argument, NULL, OPT_CARRY},
                                             {"respread", required_argument, NULL, OPT_RESPREAD},
                                             {"move", required_argument, NULL, OPT_MOVE},
                                             {0, 0, 0, 0}};
    strbuf u;
    int opt;
    cli_init(&d->c, "armms-deduct", NULL);
    sb_init(&u);
    cli_verb_synopsis(&u, "[-t TENANT]", verbs);
    sb_adds(&u, intro);
    cli_verb_list(&u, verbs);
    sb_adds(&u, options);
    d->c.usage = u.s; /* lives until exit */
    argv[0] = (char *)armms_prog;
    while ((opt = getopt_long(argc, argv, CLI_COMMON_SHORTOPTS, longopts, NULL)) != -1) {
        if (cli_common(&d->c, opt, optarg))
            continue;
        switch (opt) {
        case OPT_PERIOD:
            d->period = optarg;
            break;
        case OPT_GUARD:
            d->guard = optarg;
            break;
        case OPT_REASON:
            d->reason = optarg;
            break;
        case OPT_CARRY:
            d->carry = 1;
            break;
        case OPT_RESPREAD:
            d->respread = (int)cli_long(&d->c, "--respread", optarg, 1, 600);
            break;
        case OPT_MOVE:
            d->move_to = optarg;
            break;
        }
    }
    d->argc = argc;
    d->argv = argv;
    day_t d0, d1;
    if (d->period && period_parse(d->period, &d0, &d1))
        cli_usage_error(&d->c, "--period '%s' is not YYYY-MM-A or YYYY-MM-B", d->period);
    if (d->move_to && period_parse(d->move_to, &d0, &d1))
        cli_usage_error(&d->c, "--move '%s' is not YYYY-MM-A or YYYY-MM-B", d->move_to);
    int waive_opts = d->reason || d->carry || d->respread || d->move_to;
    if (optind < argc && is_verb(argv[optind])) {
        d->verb = cli_verb_pick(&d->c, verbs, "command", argc, argv, &d->id);
        const char *cmd = d->verb->name;
        if (!strcmp(cmd, "waive")) {
            if (!d->period || !d->reason || !*d->reason)
                cli_usage_error(&d->c, "waive needs --period and --reason");
            if (d->carry + !!d->respread + !!d->move_to != 1)
                cli_usage_error(&d->c, "waive needs one of --carry, --respread N, --move PERIOD");
            if (d->guard)
                cli_usage_error(&d->c, "--guard does not go with waive");
        } else {
            if (!d->guard)
                cli_usage_error(&d->c, "obligations needs --guard");
            if (waive_opts || d->period)
                cli_usage_error(&d->c, "obligations takes --guard only");
        }
        return;
    }
    if (waive_opts)
        cli_usage_error(&d->c, "--reason, --carry, --respread and --move go with waive");
    if (d->guard && !d->period)
        cli_usage_error(&d->c, "--guard needs --period");
    if (d->period && optind < argc)
        cli_usage_error(&d->c, "give --period or input files, not both");
}

int main(int argc, char **argv)
{
    static deduct d;
    parse(&d, argc, argv);
    cli_actions_register();
    cli_tenant(&d.c, &d.t);
    if (d.verb) {
        if (d.verb->scope)
            cli_authorize(&d.t, d.verb->scope);
        int rc = d.verb->run(&d);
        return cli_end(&d.c, 0, rc ? &d.err : NULL, d.outcome[0] ? "%s" : NULL, d.outcome);
    }
    if (!d.period && optind >= argc && !stdin_wanted(0))
        cli_usage_error(&d.c, "give --period P, input files or Paysheet records on stdin");
    int rc = run_compute(&d);
    int code = d.missing ? EXIT_NOINPUT : d.n.rejected ? EXIT_DATAERR : 0;
    char scope[120] = "";
    if (d.period)
        snprintf(scope, sizeof scope, "%s%s%s: ", d.period, d.guard ? " " : "",
                 d.guard ? d.guard : "");
    return cli_end(&d.c, code, rc ? &d.err : NULL,
                   "%s%ld read, %ld rejected, %ld paysheets computed, %ld changed", scope,
                   d.n.read, d.n.rejected, d.n.computed, d.n.changed);
}
