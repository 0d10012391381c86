/*
 * armms-bank - a bank credit file of an approved period, written as a
 * bank profile says (lib/out/bank.c); the guards left out listed on
 * standard output, the control totals and their reconciliation with the
 * payroll register (lib/out/register.c) on standard error.
 */
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/render.h"
#include "core/clock.h"
#include "out/bank.h"
#include "out/register.h"
#include "pay/period.h"

static const char usage[] =
    "usage: armms-bank [-t TENANT] PERIOD --profile NAME|FILE -o FILE\n"
    "                  [--set KEY=VALUE]...\n"
    "       armms-bank --list-profiles\n"
    "\n"
    "Write the bank credit file of PERIOD (its payrun APPROVED or CLOSED) as the\n"
    "profile describes it: one credit per approved paysheet with net pay above\n"
    "zero whose guard banks where the profile pays and has an account of the\n"
    "profile's length and characters. Every other approved paysheet is listed\n"
    "on standard output as a BankException record (reason NET_ZERO, NO_ACCOUNT,\n"
    "OTHER_BANK or BAD_ACCOUNT; the account masked), never dropped. Standard\n"
    "error has the control totals (credits, total, hash totals) and whether they\n"
    "reconcile with the payroll register's net. A profile names the values the\n"
    "agency supplies (company code, its account, batch): --set KEY=VALUE, or\n"
    "bank.PROFILE.KEY=VALUE in tenant.conf. Shipped layouts are from public\n"
    "sources of varying confidence (--list-profiles): confirm a layout with the\n"
    "bank before its first use.\n"
    "\n"
    "  -t, --tenant ID       the tenant (or ARMMS_TENANT)\n"
    "      --profile P       a shipped profile's name, or a profile file\n"
    "  -o, --output FILE     the bank file (written whole, then renamed into place)\n"
    "      --set KEY=VALUE   a value the profile needs (repeatable)\n"
    "      --list-profiles   the shipped profiles, their sources and confidence\n"
    "      --as USER         act as USER (or ARMMS_USER, else the login name)\n"
    "  -q, --quiet           no summary on stderr\n"
    "  -h, --help            this text\n"
    "      --version         print the version\n" CLI_EXIT_HEAD CLI_EXIT(" 0",
                                                                         "written and reconciled")
        CLI_EXIT("64", "usage: an unknown profile, a missing value")
            CLI_EXIT("65", "written, but a guard to be paid by this bank has no valid account")
                CLI_EXIT_MORE("(listed); or the payrun is not approved, or the profile is bad")
                    CLI_EXIT("66", "a profile file cannot be read")
                        CLI_EXIT("70", "the totals do not reconcile")
                            CLI_EXIT("73", "the bank file cannot be created")
                                CLI_EXIT("74", "it cannot be written")
                                    CLI_EXIT_NOPERM CLI_EXIT_CONFIG;

enum { OPT_PROFILE = OPT_TOOL_BASE, OPT_SET, OPT_LIST };

static int list_profiles(void)
{
    for (const out_bank_shipped *s = out_bank_profiles; s->name; s++) {
        bank_profile *p;
        armms_err err = {0};
        if (bank_profile_parse(s->text, s->len, s->path, &p, &err))
            armms_die_err(&err);
        static const char *const kinds[] = {"fixed", "delimited", "xlsx"};
        printf("%s (%s", p->name, kinds[p->kind]);
        if (p->record_width)
            printf(", %d columns", p->record_width);
        printf(", banks: ");
        if (!p->nbank)
            printf("any");
        for (int i = 0; i < p->nbank; i++)
            printf("%s%s", i ? " " : "", p->bank_codes[i]);
        if (p->nparams)
            printf("; needs:");
        for (int i = 0; i < p->nparams; i++)
            printf(" %s", p->params[i]);
        printf(")\n  %s\n  source: %s\n  confidence: %s\n", p->title, p->source, p->confidence);
        bank_profile_free(p);
    }
    return cli_finish(0);
}

static void money(strbuf *b, int64_t c)
{
    render_money(b, c, 1);
}

int main(int argc, char **argv)
{
    static const struct option longopts[] = {CLI_COMMON_LONGOPTS,
                                             {"profile", required_argument, NULL, OPT_PROFILE},
                                             {"output", required_argument, NULL, 'o'},
                                             {"set", required_argument, NULL, OPT_SET},
                                             {"list-profiles", no_argument, NULL, OPT_LIST},
                                             {0, 0, 0, 0}};
    cli_t c;
    const char *spec = NULL, *output = NULL;
    int opt, list = 0;
    jv sets = jv_object();
    cli_init(&c, "armms-bank", usage);
    argv[0] = (char *)armms_prog;
    while ((opt = getopt_long(argc, argv, CLI_COMMON_SHORTOPTS "o:", longopts, NULL)) != -1) {
        if (cli_common(&c, opt, optarg))
            continue;
        if (opt == OPT_PROFILE)
            spec = optarg;
        else if (opt == 'o')
            output = optarg;
        else if (opt == OPT_LIST)
            list = 1;
        else if (opt == OPT_SET) {
            const char *eq = strchr(optarg, '=');
            if (!eq || eq == optarg)
                cli_usage_error(&c, "--set '%s' is not KEY=VALUE", optarg);
            sets = jv_object_set(sets, jv_string_sized(optarg, (int)(eq - optarg)),
                                 jv_string(eq + 1));
        }
    }
    if (list) {
        jv_free(sets);
        if (optind != argc || spec)
            cli_usage_error(&c, "%s", "--list-profiles takes nothing else");
        return list_profiles();
    }
    if (optind != argc - 1)
        cli_usage_error(&c, "%s", optind < argc ? "one PERIOD only" : "missing PERIOD");
    const char *period = argv[optind];
    day_t from, to;
    if (pay_period_kind(period, &from, &to, &(day_t){0}) < 0)
        cli_usage_error(
            &c, "'%s' is not a pay period (YYYY-MM-A, YYYY-MM-B, YYYY-13M or FINAL-YYYY-MM-DD)",
            period);
    if (!spec)
        cli_usage_error(&c, "%s", "missing --profile NAME|FILE (--list-profiles)");
    if (!output || !strcmp(output, "-"))
        cli_usage_error(&c, "%s", "missing -o FILE: the bank file is written to a file");
    armms_err err = {0};
    bank_profile *profile = NULL;
    if (bank_profile_load(spec, &profile, &err))
        armms_die_err(&err);

    /* a --set the profile does not take is a typing error, not a value */
    jv keys = jv_keys(jv_copy(sets));
    for (int i = 0; i < jv_array_length(jv_copy(keys)); i++) {
        jv k = jv_array_get(jv_copy(keys), i);
        int known = 0;
        for (int j = 0; j < profile->nparams; j++)
            known |= !strcmp(profile->params[j], jv_string_value(k));
        if (!known)
            cli_usage_error(&c, "profile %s takes no value '%s'%s", profile->name,
                            jv_string_value(k),
                            profile->nparams ? " (--list-profiles names those it needs)" : "");
        jv_free(k);
    }
    jv_free(keys);

    tenant_t t;
    cli_tenant(&c, &t);
    cli_authorize(&t, "paysheet.read");
    /* the tenant's settings bank.PROFILE.KEY, under the --set values */
    jv params = jv_object();
    char prefix[96];
    snprintf(prefix, sizeof prefix, "bank.%s.", profile->name);
    for (int i = 0; i < t.nconf; i++)
        if (!strncmp(t.conf[i].key, prefix, strlen(prefix)))
            params = jv_object_set(params, jv_string(t.conf[i].key + strlen(prefix)),
                                   jv_string(t.conf[i].val));
    params = jv_object_merge(params, sets);

    store_t s;
    out_period p;
    bank_result res = {0};
    out_register *reg = NULL;
    int rc = store_open_ro(&s, &t, "pay", &err);
    if (!rc)
        rc = store_attach_ro(&s, "hr", &err);
    if (!rc)
        rc = out_period_open(&s, period, &p, &err);
    if (!rc)
        rc = bank_write(&s, &p, profile, jv_copy(params), output, &res, &err);
    if (!rc)
        rc = out_register_build(&s, &p, &reg, &err);
    store_close(&s);
    jv_free(params);
    for (long i = 0; !rc && i < res.nex; i++)
        if (render_ndjson(stdout, bank_exception_record(&res.ex[i], period, profile->name), &err))
            rc = err.code;

    int code = 0;
    strbuf sum;
    sb_init(&sum);
    if (!rc) {
        /* the register's net: all of it, and the part this profile's banks pay */
        int64_t reg_net = reg->totals[reg->col_net], reg_bank = 0;
        long reg_bank_n = 0;
        for (long i = 0; i < reg->nrows; i++) {
            int64_t n = reg->rows[i].v[reg->col_net];
            if (n > 0 && bank_profile_pays(profile, reg->rows[i].bank_code)) {
                reg_bank += n;
                reg_bank_n++;
            }
        }
        int64_t listed = 0;
        for (int k = 0; k < 4; k++)
            listed += res.by_reason_c[k];
        int64_t bad = res.by_reason_c[3];
        int ok = res.total_c + bad == reg_bank && res.total_c + listed == reg_net;
        sb_addf(&sum, "%s %s -> %s: %ld credits, total ", period, profile->name, output,
                res.count);
        money(&sum, res.total_c);
        sb_adds(&sum, ", highest ");
        money(&sum, res.max_c);
        sb_addf(&sum, ", account-number hash total %llu", (unsigned long long)res.account_total);
        if (profile->nhash)
            sb_addf(&sum, ", horizontal hash total %llu", (unsigned long long)res.hash_total);
        sb_addf(&sum,
                "\nlisted on stdout: %ld NET_ZERO, %ld NO_ACCOUNT, %ld OTHER_BANK, %ld"
                " BAD_ACCOUNT (",
                res.by_reason[0], res.by_reason[1], res.by_reason[2], res.by_reason[3]);
        money(&sum, listed);
        sb_addf(&sum, ")\nregister %s: net ", period);
        money(&sum, reg_net);
        sb_addf(&sum, " (%ld guards); paid by bank through %s: ", reg->nrows, profile->name);
        money(&sum, reg_bank);
        sb_addf(&sum, " (%ld guards) = file ", reg_bank_n);
        money(&sum, res.total_c);
        sb_adds(&sum, " + bad accounts ");
        money(&sum, bad);
        sb_adds(&sum, ok ? ": reconciles" : ": DOES NOT RECONCILE");
        if (!ok)
            code = EXIT_SOFTWARE;
        else if (res.by_reason[1] || res.by_reason[3])
            code = EXIT_DATAERR;
    }
    bank_result_free(&res);
    out_register_free(reg);
    bank_profile_free(profile);
    int out = rc ? cli_end(&c, 0, &err, NULL) : cli_end(&c, code, NULL, "%s", sum.s);
    sb_free(&sum);
    return out;
}
