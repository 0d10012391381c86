/*
 * armms-payrun - a period's payrun: open, compute (pay and deduct in one
 * call), status, approve, reject, holds, resolve, close. The lifecycle and
 * its rules live in lib/pay/payrun.c; pricing in lib/pay/gross.c and
 * lib/pay/deduct.c. This is options, one table of verbs and its dispatch.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/actions.h"
#include "cli/cli.h"
#include "cli/paybus.h"
#include "cli/progress.h"
#include "cli/view.h"
#include "core/clock.h"
#include "core/ndjson.h"
#include "core/secure.h"
#include "iam/change.h"
#include "pay/deduct.h"
#include "pay/final.h"
#include "pay/gross.h"
#include "pay/payrun.h"
#include "pay/paysheet.h"
#include "pay/period.h"
#include "pay/rules.h"
#include "pay/thirteenth.h"

typedef struct payrun_cli {
    cli_t c;
    const char *operand, *guard, *item, *reason, *note, *format, *on;
    int kind; /* PAY_PERIOD_* of the operand */
    int all;
    const cli_verb *verb;
    tenant_t t;
    rbac_t who;
    reject_sink rej;
    store_t s;
    int lock;
    paybus pb; /* compute --from: snapshots from the broker */
    char summary[400];
    int code; /* exit code when the run itself went through (65 for Rejects) */
    armms_err err;
} payrun_cli;

/* The pay store with hr attached (names, regions), under the period's
 * lock for the verbs that change a run. */
static int open_store(payrun_cli *p, int locked)
{
    p->lock = -1;
    if (locked && payrun_lock(&p->t, p->operand, &p->lock, &p->err))
        return p->err.code;
    if (store_open(&p->s, &p->t, "pay", 0, &p->err))
        return p->err.code;
    return store_attach_ro(&p->s, "hr", &p->err);
}

static void close_store(payrun_cli *p)
{
    store_close(&p->s);
    payrun_unlock(p->lock);
}

static int run_open(void *ctx)
{
    payrun_cli *p = ctx;
    int created = 0, rc = open_store(p, 1);
    if (!rc)
        rc = pay_special_period(&p->s, p->operand, &p->err);
    if (!rc)
        rc = payrun_open(&p->s, p->operand, &created, &p->err);
    if (!rc) {
        jv rec;
        int found;
        if (!(rc = payrun_record(&p->s, p->operand, &rec, &found, &p->err)) && found)
            ndjson_write(stdout, rec);
    }
    close_store(p);
    if (!rc)
        snprintf(p->summary, sizeof p->summary, "payrun %s %s", p->operand,
                 created ? "opened" : "was open already");
    return rc;
}

static int run_compute(void *ctx)
{
    payrun_cli *p = ctx;
    pay_rules *rules = NULL;
    pay_counts gn = {0}, dn = {0};
    char st[16];
    gn.progress = dn.progress = cli_progress(&p->c, stdout); /* priced, then netted */
    /* the broker first: unreachable, nothing is opened or changed */
    int rc = paybus_open(&p->pb, &p->t, &p->err);
    if (!rc)
        rc = open_store(p, 1);
    if (!rc && !(rc = payrun_status_of(&p->s, p->operand, st, &p->err)) &&
        (!st[0] || !strcmp(st, "CLOSED")))
        rc = err_set(&p->err, EXIT_DATAERR, "the payrun of %s is %s", p->operand,
                     st[0] ? "closed: nothing of it is computed again"
                           : "not open (armms-payrun open)");
    if (!rc)
        rc = pay_rules_load(p->s.db, &rules, &p->err);
    if (!rc && p->kind != PAY_PERIOD_REGULAR) {
        /* 13th month and final pay read stored paysheets, not snapshots */
        rc = p->kind == PAY_PERIOD_THIRTEENTH
                 ? pay_thirteenth(&p->s, rules, p->operand, NULL, stdout, &p->rej, &dn, &p->err)
                 : pay_final(&p->s, rules, p->operand, NULL, stdout, &p->rej, &dn, &p->err);
        if (!rc)
            rc = payrun_computed(&p->s, p->operand, &p->err);
        pay_rules_free(rules);
        close_store(p);
        if (!rc)
            snprintf(p->summary, sizeof p->summary,
                     "payrun %s computed: %ld paysheets (%ld changed)", p->operand, dn.computed,
                     dn.changed);
        return rc;
    }
    /* new snapshots from the journal, then gross for every guard of the
     * period (and adjustments from closed periods into it), then net; the
     * records written are the net paysheets only: what the run would pay */
    FILE *devnull = rc ? NULL : caller_fopen("/dev/null", "w");
    pay_stream *ps = NULL;
    if (!rc && !devnull)
        rc = err_set(&p->err, EXIT_IOERR, "cannot open /dev/null");
    if (!rc)
        rc = pay_stream_open(&ps, &p->s, rules, devnull, &p->rej, &gn, &p->err);
    if (!rc)
        paybus_attach(&p->pb, ps, &p->rej, &gn);
    if (!rc)
        rc = pay_stream_scope(ps, p->operand, NULL, &p->err);
    if (!rc)
        rc = pay_stream_finish(ps, &p->err);
    pay_stream_close(ps);
    if (devnull)
        fclose(devnull);
    if (!rc)
        rc = pay_deduct(&p->s, rules, p->operand, NULL, stdout, &p->rej, &dn, &p->err);
    if (!rc)
        rc = payrun_computed(&p->s, p->operand, &p->err);
    pay_rules_free(rules);
    close_store(p);
    paybus_close(&p->pb);
    if (!rc && (gn.rejected || dn.rejected))
        p->code = EXIT_DATAERR;
    if (!rc)
        snprintf(
            p->summary, sizeof p->summary,
            "payrun %s computed: %ld paysheets priced (%ld changed), %ld netted (%ld changed),"
            " %ld rejected",
            p->operand, gn.computed, gn.changed, dn.computed, dn.changed,
            gn.rejected + dn.rejected);
    return rc;
}

static int run_status(void *ctx)
{
    payrun_cli *p = ctx;
    int rc = open_store(p, 0), found = 0;
    jv rec = jv_null();
    char late[200];
    if (!rc)
        rc = payrun_record(&p->s, p->operand, &rec, &found, &p->err);
    if (!rc && found && pay_run_overdue(&p->s, p->operand, late, sizeof late, &p->err) == 1)
        armms_warn("warning: %s", late);
    close_store(p);
    if (!rc && !found)
        rc = err_set(&p->err, EXIT_DATAERR, "no payrun for %s (armms-payrun open)", p->operand);
    if (!rc)
        rc = view_run_totals(rec, stdout, render_format_pick(p->format), &p->err);
    else
        jv_free(rec);
    return rc;
}

static int run_show(void *ctx)
{
    payrun_cli *p = ctx;
    char id[128];
    snprintf(id, sizeof id, "%s/%s", p->operand, p->guard);
    int rc = open_store(p, 0), found = 0;
    jv rec = jv_invalid();
    char *name = NULL;
    if (!rc)
        rc = paysheet_load(&p->s, id, &rec, &found, &p->err);
    if (!rc)
        name = view_guard_lookup(p->s.db, p->guard);
    close_store(p);
    if (!rc && !found)
        rc = err_set(&p->err, EXIT_DATAERR, "no paysheet %s", id);
    if (!rc)
        rc = view_paysheet(rec, name, stdout, render_format_pick(p->format), &p->err);
    else
        jv_free(rec);
    free(name);
    return rc;
}

static int run_approve(void *ctx)
{
    payrun_cli *p = ctx;
    long approved = 0, held = 0;
    int rc = open_store(p, 1);
    if (!rc)
        rc = payrun_approve(&p->s, p->operand, p->guard, &approved, &held, &p->err);
    char st[16] = "";
    if (!rc)
        rc = payrun_status_of(&p->s, p->operand, st, &p->err);
    close_store(p);
    if (!rc)
        snprintf(p->summary, sizeof p->summary,
                 "payrun %s: %ld paysheets approved, %ld held; run %s", p->operand, approved, held,
                 st);
    return rc;
}

static int run_reject(void *ctx)
{
    payrun_cli *p = ctx;
    change_t ch = {0};
    int made = 0, rc = change_open(&ch, &p->t, "paysheet.reject", &p->err);
    if (!rc)
        rc = open_store(p, 1);
    if (!rc)
        rc = payrun_reject_change(&ch, &p->s, p->operand, p->guard, p->item, p->reason, stdout,
                                  &made, &p->err);
    close_store(p);
    char line[400];
    if (!rc && ch.requesting)
        snprintf(p->summary, sizeof p->summary, "%s",
                 change_outcome(&ch, made, line, sizeof line));
    else if (!rc)
        snprintf(p->summary, sizeof p->summary, "%s%s%s%s held: %s", p->operand,
                 p->guard ? "/" : "", p->guard ? p->guard : "", p->item ? " (one item)" : "",
                 p->reason);
    change_close(&ch);
    return rc;
}

/* Whoever reads paysheets sees every hold; a role that only owns holds
 * (the timekeeper) sees its own, so a rejection reaches who must act
 * without showing them anyone's pay. */
static int run_holds(void *ctx)
{
    payrun_cli *p = ctx;
    strbuf owner;
    sb_init(&owner);
    int all_owners = rbac_has_scope(&p->who, "paysheet.read");
    if (!all_owners) {
        sb_addc(&owner, ',');
        for (char **r = p->who.roles; r && *r; r++)
            sb_addf(&owner, "%s,", *r);
    }
    int rc = open_store(p, 0);
    if (!rc)
        rc = payrun_holds(&p->s, p->operand, p->all, all_owners ? NULL : owner.s, stdout, &p->err);
    close_store(p);
    sb_free(&owner);
    return rc;
}

static int run_resolve(void *ctx)
{
    payrun_cli *p = ctx;
    int rc = open_store(p, 0);
    if (!rc)
        rc = payrun_resolve(&p->s, &p->who, p->operand, p->note, &p->err);
    close_store(p);
    if (!rc)
        snprintf(p->summary, sizeof p->summary, "hold %s resolved", p->operand);
    return rc;
}

static int run_close(void *ctx)
{
    payrun_cli *p = ctx;
    change_t ch = {0};
    int made = 0, rc = change_open(&ch, &p->t, "payrun.close", &p->err);
    if (!rc)
        rc = open_store(p, 1);
    if (!rc)
        rc = payrun_close_change(&ch, &p->s, p->operand, stdout, &made, &p->err);
    if (!rc && !ch.requesting) {
        jv rec;
        int found;
        if (!(rc = payrun_record(&p->s, p->operand, &rec, &found, &p->err)) && found)
            ndjson_write(stdout, rec);
    }
    close_store(p);
    char line[400];
    if (!rc)
        snprintf(p->summary, sizeof p->summary, "%s",
                 ch.requesting ? change_outcome(&ch, made, line, sizeof line)
                               : "payrun closed: its paysheets are locked");
    change_close(&ch);
    return rc;
}

/* Final pay of one separated guard: its FINAL-DATE run opened when it
 * has none, then the guard's final paysheet computed (pay/final.h). */
static int run_final(void *ctx)
{
    payrun_cli *p = ctx;
    pay_rules *rules = NULL;
    pay_counts n = {0};
    char period[32];
    snprintf(period, sizeof period, "FINAL-%s", p->on);
    p->operand = period;
    int created = 0, rc = open_store(p, 1);
    if (!rc)
        rc = pay_special_period(&p->s, period, &p->err);
    if (!rc)
        rc = payrun_open(&p->s, period, &created, &p->err);
    if (!rc)
        rc = pay_rules_load(p->s.db, &rules, &p->err);
    if (!rc)
        rc = pay_final(&p->s, rules, period, p->guard, stdout, &p->rej, &n, &p->err);
    if (!rc)
        rc = payrun_computed(&p->s, period, &p->err);
    pay_rules_free(rules);
    close_store(p);
    if (!rc)
        snprintf(p->summary, sizeof p->summary, "final pay of %s computed in %s (%s)", p->guard,
                 period, n.changed ? "changed" : "unchanged");
    return rc;
}

static const cli_verb verbs[] = {
    {.name = "open",
     .operand = "PERIOD",
     .needs = "a period (YYYY-MM-A, YYYY-MM-B, YYYY-13M or FINAL-YYYY-MM-DD)",
     .help = "open the period's payrun",
     .scope = "payrun.run",
     .run = run_open},
    {.name = "compute",
     .operand = "PERIOD",
     .needs = "a period (YYYY-MM-A, YYYY-MM-B, YYYY-13M or FINAL-YYYY-MM-DD)",
     .synopsis = "[--from URL] [--stream NAME] [--durable NAME] [--ack-wait SECS] [--batch N]",
     .help = "take new snapshots from the journal (or the broker: --from), then\n"
             "pay and deduct every guard of the period (for cron); writes the\n"
             "net Paysheet records",
     .scope = "payrun.run",
     .run = run_compute},
    {.name = "status",
     .operand = "PERIOD",
     .needs = "a period (YYYY-MM-A, YYYY-MM-B, YYYY-13M or FINAL-YYYY-MM-DD)",
     .synopsis = "[--format table|ndjson|csv]",
     .help = "the Payrun record: status, counts, totals, blockers",
     .scope = "paysheet.read",
     .run = run_status},
    {.name = "show",
     .operand = "PERIOD",
     .needs = "a period (YYYY-MM-A, YYYY-MM-B, YYYY-13M or FINAL-YYYY-MM-DD)",
     .synopsis = "--guard G [--format table|ndjson|csv]",
     .help = "one guard's stored paysheet: lines, deductions, net",
     .scope = "paysheet.read",
     .run = run_show},
    {.name = "approve",
     .operand = "PERIOD",
     .needs = "a period (YYYY-MM-A, YYYY-MM-B, YYYY-13M or FINAL-YYYY-MM-DD)",
     .synopsis = "[--guard G]",
     .help = "approve the computed paysheets nobody holds (or one guard's)",
     .scope = "payrun.approve",
     .run = run_approve},
    {.name = "reject",
     .operand = "PERIOD",
     .needs = "a period (YYYY-MM-A, YYYY-MM-B, YYYY-13M or FINAL-YYYY-MM-DD)",
     .synopsis = "[--guard G [--item CODE]] --reason TEXT",
     .help = "hold the run, a guard's paysheet or one item of it until the\n"
             "role owning it resolves it (route paysheet.reject)",
     .run = run_reject},
    {.name = "holds",
     .operand = "PERIOD",
     .needs = "a period (YYYY-MM-A, YYYY-MM-B, YYYY-13M or FINAL-YYYY-MM-DD)",
     .synopsis = "[--all]",
     .help = "Hold records of the period (open ones unless --all); without\n"
             "paysheet.read, those the acting user's roles own",
     .run = run_holds},
    {.name = "resolve",
     .operand = "HOLD",
     .needs = "a hold id",
     .synopsis = "[--note TEXT]",
     .help = "the owner role of a hold releases it after the fix",
     .run = run_resolve},
    {.name = "final",
     .operand = "GUARD",
     .needs = "a guard id",
     .synopsis = "--on DATE",
     .help = "final pay of a guard separated on DATE: run FINAL-DATE opened,\n"
             "the guard's final paysheet computed",
     .scope = "payrun.run",
     .run = run_final},
    {.name = "close",
     .operand = "PERIOD",
     .needs = "a period (YYYY-MM-A, YYYY-MM-B, YYYY-13M or FINAL-YYYY-MM-DD)",
     .help = "close an approved run (route payrun.close): it is locked from then on",
     .run = run_close},
    {0},
};

static const char intro[] =
    "\n"
    "A period's pay goes OPEN -> COMPUTED -> APPROVED -> CLOSED. compute runs\n"
    "armms-pay and armms-deduct for the whole period; a closed run is never\n"
    "changed again: later snapshots of its period become adjustment lines of the\n"
    "next open period. One payrun command per period runs at a time.\n"
    "YYYY-13M is the year's 13th-month pay (due 24 December); FINAL-YYYY-MM-DD\n"
    "the final pay of the guards separated that day (armms-payrun final).\n"
    "\n";

static const char options[] =
    "\n"
    "  -t, --tenant ID       the tenant (or ARMMS_TENANT)\n"
    "      --guard G         show, approve, reject: one guard's paysheet\n"
    "      --item CODE       reject: one line code, deduction code or obligation id\n"
    "      --reason TEXT     reject: why (required); it goes to the item's owner\n"
    "      --note TEXT       resolve: what was done\n"
    "      --all             holds: resolved ones too\n"
    "      --on DATE         final: the separation date (YYYY-MM-DD)\n"
    "      --format F        status: table (the default on a terminal), ndjson, "
    "csv\n"
    "      --from URL        compute: take new snapshots from the broker at URL\n"
    "                        (nats://HOST[:PORT]) instead of the tenant's journal\n"
    "      --stream NAME     compute --from: the stream (default ARMMS)\n"
    "      --durable NAME    compute --from: the durable consumers' name\n"
    "                        (default pay-TENANT)\n"
    "      --ack-wait SECS   compute --from: seconds the broker waits for an ack\n"
    "                        before it delivers again (default 60)\n"
    "      --batch N         compute --from: messages one fetch takes at most,\n"
    "                        landed in one transaction and acknowledged (256)\n" CLI_COMMON_OPTIONS
        CLI_EXIT_HEAD CLI_EXIT(" 0", "done") CLI_EXIT("64", "usage")
            CLI_EXIT("65", "some guards rejected (the rest landed), or the run is in the wrong")
                CLI_EXIT_MORE("state for the command (closed, not open, not approved, held)")
                    CLI_EXIT("69", "compute --from: the broker cannot be reached")
                        CLI_EXIT("75", "the tenant or the period's payrun is busy past --wait")
                            CLI_EXIT_NOPERM CLI_EXIT_CONFIG;

enum { OPT_GUARD = OPT_TOOL_BASE, OPT_ITEM, OPT_REASON, OPT_NOTE, OPT_ALL, OPT_FORMAT, OPT_ON };

static void parse_options(payrun_cli *p, int argc, char **argv)
{
    static const struct option longopts[] = {CLI_COMMON_LONGOPTS,
                                             {"guard", required_argument, NULL, OPT_GUARD},
                                             {"item", required_argument, NULL, OPT_ITEM},
                                             {"reason", required_argument, NULL, OPT_REASON},
                                             {"note", required_argument, NULL, OPT_NOTE},
                                             {"all", no_argument, NULL, OPT_ALL},
                                             {"format", required_argument, NULL, OPT_FORMAT},
                                             {"on", required_argument, NULL, OPT_ON},
                                             PAYBUS_LONGOPTS,
                                             {0, 0, 0, 0}};
    int opt;
    cli_init_verbs(&p->c, "armms-payrun", argv, "[-t TENANT]", verbs, intro, options);
    paybus_init(&p->pb);
    while ((opt = getopt_long(argc, argv, CLI_COMMON_SHORTOPTS, longopts, NULL)) != -1) {
        if (cli_common(&p->c, opt, optarg) || paybus_opt(&p->pb, &p->c, opt, optarg))
            continue;
        switch (opt) {
        case OPT_GUARD:
            p->guard = optarg;
            break;
        case OPT_ITEM:
            p->item = optarg;
            break;
        case OPT_REASON:
            p->reason = optarg;
            break;
        case OPT_NOTE:
            p->note = optarg;
            break;
        case OPT_ALL:
            p->all = 1;
            break;
        case OPT_ON:
            p->on = optarg;
            break;
        case OPT_FORMAT:
            if (render_format_parse(optarg) < 0)
                cli_usage_error(&p->c, "unknown format '%s' (table, ndjson or csv)", optarg);
            p->format = optarg;
            break;
        }
    }
}

static void check_verb(payrun_cli *p, int argc, char **argv)
{
    const cli_t *c = &p->c;
    p->verb = cli_verb_pick(c, verbs, "command", argc, argv, &p->operand);
    const char *cmd = p->verb->name;
    if (strcmp(cmd, "resolve") && strcmp(cmd, "final")) {
        day_t d0, d1, due;
        p->kind = pay_period_kind(p->operand, &d0, &d1, &due);
        if (p->kind < 0)
            cli_usage_error(c, "bad period '%s' (YYYY-MM-A, YYYY-MM-B, YYYY-13M or FINAL-DATE)",
                            p->operand);
    }
    if (!strcmp(cmd, "final")) {
        day_t d;
        if (!p->on || date_parse(p->on, &d) != 0)
            cli_usage_error(c, "final needs --on DATE (YYYY-MM-DD), the separation date");
        p->guard = p->operand;
    } else if (p->on)
        cli_usage_error(c, "--on goes with final");
    if (p->guard && strcmp(cmd, "approve") && strcmp(cmd, "reject") && strcmp(cmd, "show") &&
        strcmp(cmd, "final"))
        cli_usage_error(c, "--guard goes with show, approve or reject");
    if (!p->guard && !strcmp(cmd, "show"))
        cli_usage_error(c, "show needs --guard G");
    if (p->item && (strcmp(cmd, "reject") || !p->guard))
        cli_usage_error(c, "--item goes with reject --guard G");
    if (p->reason && strcmp(cmd, "reject"))
        cli_usage_error(c, "--reason goes with reject");
    if (!strcmp(cmd, "reject") && (!p->reason || !*p->reason))
        cli_usage_error(c, "a rejection needs --reason: it goes to the role that must act");
    if (p->note && strcmp(cmd, "resolve"))
        cli_usage_error(c, "--note goes with resolve");
    if (p->all && strcmp(cmd, "holds"))
        cli_usage_error(c, "--all goes with holds");
    if (p->format && strcmp(cmd, "status") && strcmp(cmd, "show"))
        cli_usage_error(c, "--format goes with status or show");
    paybus_check(&p->pb, c, !strcmp(cmd, "compute") && p->kind == PAY_PERIOD_REGULAR,
                 "compute of a half-month period (13th month and final pay read stored "
                 "paysheets)");
}

int main(int argc, char **argv)
{
    static payrun_cli p;
    parse_options(&p, argc, argv);
    check_verb(&p, argc, argv);
    cli_actions_register();
    cli_tenant(&p.c, &p.t);
    if (rbac_load(&p.who, &p.t, &p.err) ||
        (p.verb->scope && rbac_require(&p.who, p.verb->scope, &p.err)))
        armms_die_err(&p.err);
    if (!p.who.active)
        armms_die(EXIT_NOPERM, "user %s is not an active user of tenant %s", p.who.user, p.t.id);
    cli_rejects(&p.c, &p.rej);
    int rc = p.verb->run(&p);
    rbac_free(&p.who);
    if (!p.summary[0])
        return cli_end(&p.c, rc ? 0 : p.code, rc ? &p.err : NULL, NULL);
    return cli_end(&p.c, rc ? 0 : p.code, rc ? &p.err : NULL, "%s", p.summary);
}
