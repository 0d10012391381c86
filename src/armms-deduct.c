/*
 * armms-deduct - net pay: statutory contributions, withholding tax,
 * loans, allowances and the net floor (lib/pay/deduct.c); waivers through
 * their route (lib/pay/waiver.c); a guard's obligations; and quote, the
 * contribution or the tax for a base in pesos by the rules in force on a
 * date, through the same lookups the payrun uses (lib/pay/rules.c).
 * Options, one table of verbs, its dispatch and the printing.
 *
 * With no verb it is a pipeline stage like armms-pay: Paysheet records on
 * stdin (stream) or --period P [--guard G] (select).
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/actions.h"
#include "cli/cli.h"
#include "cli/progress.h"
#include "cli/view.h"
#include "core/clock.h"
#include "core/input.h"
#include "core/money.h"
#include "core/ndjson.h"
#include "core/secure.h"
#include "pay/deduct.h"
#include "pay/rules.h"
#include "pay/waiver.h"
#include "store/store.h"

enum {
    OPT_PERIOD = OPT_TOOL_BASE,
    OPT_GUARD,
    OPT_REASON,
    OPT_CARRY,
    OPT_RESPREAD,
    OPT_MOVE,
    OPT_ON,
    OPT_FORMAT,
};

typedef struct deduct {
    cli_t c;
    const char *period, *guard, *reason, *move_to, *id;
    const char *on, *format;
    const char *scheme; /* quote: sss, philhealth, hdmf or tax */
    int carry, respread;
    const cli_verb *verb;
    int argc;
    char **argv;
    tenant_t t;
    armms_err err;
    pay_counts n;
    int missing;
    char outcome[300];
    reject_sink rej; /* closed by cli_end */
} deduct;

/* ---- output ------------------------------------------------------------- */

/* "20,250.00": pesos with grouping commas, for people (cli/render.h). */
static const char *pesos(money_t c, char buf[32])
{
    strbuf b;
    sb_init(&b);
    render_money(&b, c, 1);
    snprintf(buf, 32, "%s", b.s);
    sb_free(&b);
    return buf;
}

static void json_text(strbuf *b, const char *key, const char *val)
{
    sb_addf(b, ",\"%s\":", key);
    sb_add_json_str(b, val, strlen(val));
}

static void contrib_ndjson(const char *scheme, const char *on, const pay_contrib *q)
{
    strbuf b;
    sb_init(&b);
    sb_adds(&b, "{\"kind\":\"ContributionQuote\",\"v\":1");
    json_text(&b, "scheme", scheme);
    json_text(&b, "on", on);
    sb_addf(&b,
            ",\"base\":%lld,\"credit\":%lld,\"credit_ss\":%lld,\"credit_mpf\":%lld,"
            "\"ee\":%lld,\"er\":%lld,\"ee_mpf\":%lld,\"er_mpf\":%lld,\"ec\":%lld",
            (long long)q->base, (long long)q->credit, (long long)q->credit_ss,
            (long long)q->credit_mpf, (long long)q->ee, (long long)q->er, (long long)q->ee_mpf,
            (long long)q->er_mpf, (long long)q->ec);
    json_text(&b, "source", q->source);
    sb_adds(&b, "}\n");
    fwrite(b.s, 1, b.len, stdout);
    sb_free(&b);
}

static void contrib_table(const char *scheme, const char *on, const pay_contrib *q)
{
    static const struct {
        const char *scheme, *title, *base, *credit;
    } names[] = {
        {"sss", "SSS", "monthly compensation", "monthly salary credit"},
        {"philhealth", "PhilHealth", "monthly basic salary", "premium base"},
        {"hdmf", "Pag-IBIG", "monthly compensation", "fund salary"},
    };
    int i = !strcmp(scheme, "sss") ? 0 : !strcmp(scheme, "philhealth") ? 1 : 2;
    char a[32], b[32], c[32];
    printf("%s contribution on %s (%s)\n", names[i].title, on, q->source);
    printf("  %-22s %12s\n", names[i].base, pesos(q->base, a));
    if (q->credit_mpf)
        printf("  %-22s %12s  (regular %s, MPF %s)\n", names[i].credit, pesos(q->credit, a),
               pesos(q->credit_ss, b), pesos(q->credit_mpf, c));
    else
        printf("  %-22s %12s\n", names[i].credit, pesos(q->credit, a));
    if (q->credit_mpf) {
        printf("  %-22s %12s  (MPF %s)\n", "employee share", pesos(q->ee, a), pesos(q->ee_mpf, b));
        printf("  %-22s %12s  (MPF %s)\n", "employer share", pesos(q->er, a), pesos(q->er_mpf, b));
    } else {
        printf("  %-22s %12s\n", "employee share", pesos(q->ee, a));
        printf("  %-22s %12s\n", "employer share", pesos(q->er, a));
    }
    if (!strcmp(scheme, "sss"))
        printf("  %-22s %12s\n", "EC (employer)", pesos(q->ec, a));
    printf("  %-22s %12s\n", "total", pesos(q->ee + q->er + q->ec, a));
}

static void tax_ndjson(const char *on, money_t taxable, money_t tax, const char *source)
{
    strbuf b;
    sb_init(&b);
    sb_adds(&b, "{\"kind\":\"TaxQuote\",\"v\":1,\"frequency\":\"semi_monthly\"");
    json_text(&b, "on", on);
    sb_addf(&b, ",\"taxable\":%lld,\"tax\":%lld", (long long)taxable, (long long)tax);
    json_text(&b, "source", source);
    sb_adds(&b, "}\n");
    fwrite(b.s, 1, b.len, stdout);
    sb_free(&b);
}

static void tax_table(const char *on, money_t taxable, money_t tax, const char *source)
{
    char a[32];
    printf("Withholding tax, semi-monthly, on %s (%s)\n", on, source);
    printf("  %-22s %12s\n", "taxable compensation", pesos(taxable, a));
    printf("  %-22s %12s\n", "tax", pesos(tax, a));
}

/* ---- verbs -------------------------------------------------------------- */

static int run_quote(void *ctx)
{
    deduct *d = ctx;
    static const char *const schemes[] = {"sss", "philhealth", "hdmf", "tax", NULL};
    int known = 0;
    for (int i = 0; schemes[i]; i++)
        known |= !strcmp(schemes[i], d->scheme);
    if (!known)
        cli_usage_error(&d->c, "unknown scheme '%s' (sss, philhealth, hdmf or tax)", d->scheme);
    const char *amount = d->argv[optind];
    money_t base;
    if (money_parse(amount, &base) || base < 0)
        cli_usage_error(&d->c, "AMOUNT '%s' is not an amount in pesos (20250.00)", amount);
    char on[11];
    day_t day;
    if (d->on) {
        if (date_parse(d->on, &day))
            cli_usage_error(&d->c, "--on '%s' is not a date (YYYY-MM-DD)", d->on);
    }

    cli_tenant(&d->c, &d->t);
    cli_authorize(&d->t, d->verb->scope);
    if (!d->on) {
        const char *fixed = armms_env("ARMMS_NOW");
        instant_t now;
        if (!(fixed && *fixed && iso_parse(fixed, &now, NULL) == 0))
            now = (instant_t)time(NULL);
        day = tz_date_of(&d->t.tz, now);
    }
    date_format(day, on);

    store_t s;
    pay_rules *r = NULL;
    if (store_open_ro(&s, &d->t, "pay", &d->err) || pay_rules_load(s.db, &r, &d->err))
        return d->err.code;
    store_close(&s);
    int table = d->format ? !strcmp(d->format, "table") : isatty(STDOUT_FILENO);
    rejection rj = {0};
    int rc;
    if (!strcmp(d->scheme, "tax")) {
        money_t tax;
        char source[128];
        rc = pay_tax_on(r, on, base, &tax, source, sizeof source, &rj);
        if (!rc)
            (table ? tax_table : tax_ndjson)(on, base, tax, source);
    } else {
        pay_contrib q;
        rc = pay_contrib_on(r, d->scheme, on, base, &q, &rj);
        if (!rc)
            (table ? contrib_table : contrib_ndjson)(d->scheme, on, &q);
    }
    pay_rules_free(r);
    if (rc)
        return err_set(&d->err, EXIT_DATAERR, "%s (%s: armms-import %s)", rj.msg, rj.code,
                       strcmp(d->scheme, "tax") ? "contribution" : "tax");
    return 0;
}

/* ---- compute (no verb) ---- */

/* Each paysheet record goes to the stream run. */
static int on_record(jv rec, const char *source, long line, const char *raw, size_t raw_len,
                     void *ctx, armms_err *err)
{
    return deduct_stream_record(ctx, rec, source, line, raw, raw_len, err);
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
    reject_sink *rej = &d->rej;
    store_t s = {0};
    pay_rules *rules = NULL;
    cli_authorize(&d->t, "payrun.run");
    cli_rejects(&d->c, rej);
    d->n.progress = cli_progress(&d->c, stdout);
    int rc = open_pay(d, &s);
    if (!rc)
        rc = pay_rules_load(s.db, &rules, &d->err);
    if (!rc && d->period) {
        rc = pay_deduct(&s, rules, d->period, d->guard, stdout, rej, &d->n, &d->err);
    } else if (!rc) {
        deduct_stream *ds = deduct_stream_open(&s, rules, stdout, rej, &d->n);
        rc = cli_each_record(d->argc - optind, d->argv + optind, on_record, ds, rej, &d->n.read,
                             &d->n.rejected, &d->missing, &d->err);
        if (!rc)
            rc = deduct_stream_finish(ds, &d->err);
        deduct_stream_close(ds);
    }
    pay_rules_free(rules);
    store_close(&s);
    return rc;
}

/* ---- verbs ---- */

/* The tenant, and the verb's scope held by the acting user. */
static void open_tenant(deduct *d)
{
    cli_tenant(&d->c, &d->t);
    if (d->verb->scope)
        cli_authorize(&d->t, d->verb->scope);
}

static int run_waive(void *ctx)
{
    deduct *d = ctx;
    change_t ch;
    open_tenant(d);
    if (change_open(&ch, &d->t, "obligation.waive", &d->err))
        return d->err.code;
    store_t s = {0};
    cli_rejects(&d->c, &d->rej);
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
        rc = pay_waive_change(&ch, &s, &w, stdout, &d->rej, &made, &d->err);
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
    open_tenant(d);
    store_t s = {0};
    char *buf = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&buf, &len);
    int rc = mem ? store_open(&s, &d->t, "pay", 0, &d->err)
                 : err_set(&d->err, EXIT_SOFTWARE, "out of memory");
    if (!rc)
        rc = pay_obligations_write(&s, d->guard, mem, &d->err);
    if (mem)
        fclose(mem);
    char *name = NULL;
    if (!rc && !store_attach_ro(&s, "hr", &d->err))
        name = view_guard_lookup(s.db, d->guard);
    store_close(&s);
    if (!rc)
        rc = view_obligations(view_records_of(buf, len), d->guard, name, stdout,
                              render_format_pick(d->format), &d->err);
    free(name);
    free(buf);
    return rc;
}

/* The one list of verbs; with none, armms-deduct computes net pay. */
static const cli_verb verbs[] = {
    {.name = "quote",
     .operand = "SCHEME",
     .needs = "a scheme (sss, philhealth, hdmf or tax)",
     .more = "AMOUNT",
     .synopsis = "[--on DATE] [--format table|ndjson]",
     .help = "the contribution of SCHEME (sss, philhealth, hdmf) or the\n"
             "semi-monthly withholding tax (tax) for AMOUNT pesos, by the\n"
             "tables in force on DATE (default today)",
     .scope = "paysheet.read",
     .run = run_quote},
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
     .synopsis = "--guard G [--format table|ndjson|csv]",
     .help = "a guard's obligations with their schedules: a table on a\n"
             "terminal, Obligation records otherwise",
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
    "AMOUNT (quote) is the month's compensation (sss, hdmf), the monthly basic\n"
    "salary (philhealth) or the half-month's taxable compensation (tax), in pesos.\n"
    "\n"
    "  -t, --tenant ID       the tenant (or ARMMS_TENANT)\n"
    "      --period P        the pay period (YYYY-MM-A or YYYY-MM-B)\n"
    "      --guard G         one guard\n"
    "      --reason TEXT     why (waive)\n"
    "      --carry           the next period takes the installment too (waive)\n"
    "      --respread N      N more installments after the last one (waive)\n"
    "      --move PERIOD     the installment goes to PERIOD (waive)\n"
    "      --on DATE         the date whose tables apply (quote; YYYY-MM-DD)\n"
    "      --format FMT      table (default on a terminal), ndjson;\n"
    "                        csv for obligations\n" CLI_COMMON_OPTIONS CLI_EXIT_HEAD CLI_EXIT(
        " 0", "done") CLI_EXIT("64", "usage")
        CLI_EXIT("65", "some paysheets rejected (the others are written), a closed period,")
            CLI_EXIT_MORE("a waiver refused, or no table in force on the date of a quote")
                CLI_EXIT("66", "an input file cannot be read") CLI_EXIT("74", "output error")
                    CLI_EXIT_BUSY CLI_EXIT_NOPERM CLI_EXIT_CONFIG;

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
                                             {"on", required_argument, NULL, OPT_ON},
                                             {"format", required_argument, NULL, OPT_FORMAT},
                                             {0, 0, 0, 0}};
    int opt;
    cli_init_verbs(&d->c, "armms-deduct", argv, "[-t TENANT]", verbs, intro, options);
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
        case OPT_ON:
            d->on = optarg;
            break;
        case OPT_FORMAT:
            if (render_format_parse(optarg) < 0)
                cli_usage_error(&d->c, "unknown format '%s' (table, ndjson or csv)", optarg);
            d->format = optarg;
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
        if (d->on && strcmp(cmd, "quote"))
            cli_usage_error(&d->c, "--on goes with quote");
        if (d->format && strcmp(cmd, "quote") && strcmp(cmd, "obligations"))
            cli_usage_error(&d->c, "--format goes with quote or obligations");
        if (d->format && !strcmp(cmd, "quote") && !strcmp(d->format, "csv"))
            cli_usage_error(&d->c, "quote writes table or ndjson");
        if (!strcmp(cmd, "quote")) {
            d->scheme = d->id;
            if (waive_opts || d->period || d->guard)
                cli_usage_error(&d->c, "quote takes --on and --format only");
        } else if (!strcmp(cmd, "waive")) {
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
    if (d->on || d->format)
        cli_usage_error(&d->c, "--on and --format go with quote");
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
    if (d.verb) {
        int rc = d.verb->run(&d);
        return cli_end(&d.c, 0, rc ? &d.err : NULL, d.outcome[0] ? "%s" : NULL, d.outcome);
    }
    cli_tenant(&d.c, &d.t);
    if (!d.period && optind >= argc && !cli_stdin_wanted(0))
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
