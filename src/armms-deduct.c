/*
 * armms-deduct - deductions from gross pay. For now one verb: quote, the
 * contribution or the tax for a base in pesos by the rules in force on a
 * date, through the same lookups the payrun uses (lib/pay/rules.c). This
 * is options, one table of verbs and the printing.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "core/clock.h"
#include "core/money.h"
#include "core/ndjson.h"
#include "pay/rules.h"
#include "store/store.h"

typedef struct deduct {
    cli_t c;
    const char *on, *format;
    const char *scheme; /* quote: sss, philhealth, hdmf or tax */
    const cli_verb *verb;
    int argc;
    char **argv;
    tenant_t t;
    armms_err err;
} deduct;

/* ---- output ------------------------------------------------------------- */

/* "20,250.00": pesos with grouping commas, for people. */
static const char *pesos(money_t c, char buf[32])
{
    char plain[24], *p = plain;
    money_format(c, plain);
    char *o = buf;
    if (*p == '-')
        *o++ = *p++;
    size_t whole = strcspn(p, ".");
    for (size_t i = 0; i < whole; i++) {
        if (i && (whole - i) % 3 == 0)
            *o++ = ',';
        *o++ = p[i];
    }
    snprintf(o, 32 - (size_t)(o - buf), "%s", p + whole);
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
        const char *fixed = getenv("ARMMS_NOW");
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

/* The one list of verbs (the net computation and waivers come next). */
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
    {0},
};

static const char options[] =
    "\n"
    "AMOUNT is the month's compensation (sss, hdmf), the monthly basic salary\n"
    "(philhealth) or the half-month's taxable compensation (tax), in pesos.\n"
    "\n"
    "  -t, --tenant ID       the tenant (or ARMMS_TENANT)\n"
    "      --on DATE         the date whose tables apply (YYYY-MM-DD)\n"
    "      --format FMT      table (default on a terminal) or ndjson (centavos)\n"
    "      --as USER         act as USER (or ARMMS_USER, else the login name)\n"
    "      --wait SECONDS    wait this long for a busy tenant (default 30)\n"
    "  -q, --quiet           no summary on stderr\n"
    "  -h, --help            this text\n"
    "      --version         print the version\n"
    "\n"
    "Exit: 0 done, 64 usage, 65 no table in force (or not a table) on DATE,\n"
    "74 output error, 75 tenant busy, 77 not permitted, 78 tenant missing.\n";

enum { OPT_ON = OPT_TOOL_BASE, OPT_FORMAT };

int main(int argc, char **argv)
{
    static const struct option longopts[] = {CLI_COMMON_LONGOPTS,
                                             {"on", required_argument, NULL, OPT_ON},
                                             {"format", required_argument, NULL, OPT_FORMAT},
                                             {0, 0, 0, 0}};
    static deduct d;
    strbuf u;
    int opt;
    cli_init(&d.c, "armms-deduct", NULL);
    sb_init(&u);
    cli_verb_synopsis(&u, "[-t TENANT]", verbs);
    sb_addc(&u, '\n');
    cli_verb_list(&u, verbs);
    sb_adds(&u, options);
    d.c.usage = u.s; /* lives until exit */
    argv[0] = (char *)armms_prog;
    while ((opt = getopt_long(argc, argv, CLI_COMMON_SHORTOPTS, longopts, NULL)) != -1) {
        if (cli_common(&d.c, opt, optarg))
            continue;
        switch (opt) {
        case OPT_ON:
            d.on = optarg;
            break;
        case OPT_FORMAT:
            if (strcmp(optarg, "table") && strcmp(optarg, "ndjson"))
                cli_usage_error(&d.c, "unknown format '%s' (table or ndjson)", optarg);
            d.format = optarg;
            break;
        }
    }
    d.verb = cli_verb_pick(&d.c, verbs, "command", argc, argv, &d.scheme);
    d.argc = argc;
    d.argv = argv;
    int rc = d.verb->run(&d);
    return cli_end(&d.c, 0, rc ? &d.err : NULL, NULL);
}
