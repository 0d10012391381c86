/*
 * armms-approve - change requests: list, show, verify, approve, reject,
 * withdraw; and the roles and routes that decide who may. The rules live in
 * lib/iam/change.c and lib/iam/rbac.c; this is options, one table of verbs
 * and its dispatch.
 */
#include <string.h>

#include "cli/actions.h"
#include "cli/cli.h"
#include "iam/change.h"

typedef struct approve {
    cli_t c;
    change_filter f;
    const char *id, *note, *reason;
    const cli_verb *verb;
    tenant_t t;
    rbac_t who;
    const char *did; /* the decision made, for the summary */
    armms_err err;
} approve;

static int run_list(void *ctx)
{
    approve *a = ctx;
    return change_list(&a->t, &a->who, &a->f, stdout, &a->err);
}

static int run_show(void *ctx)
{
    approve *a = ctx;
    return change_show(&a->t, &a->who, a->id, stdout, &a->err);
}

static int run_verify(void *ctx)
{
    approve *a = ctx;
    a->did = "verified";
    return change_verify(&a->t, &a->who, a->id, a->note, stdout, &a->err);
}

static int run_approve(void *ctx)
{
    approve *a = ctx;
    a->did = "approved and applied";
    return change_approve(&a->t, &a->who, a->id, a->note, stdout, &a->err);
}

static int run_reject(void *ctx)
{
    approve *a = ctx;
    a->did = "rejected";
    return change_reject(&a->t, &a->who, a->id, a->reason, stdout, &a->err);
}

static int run_withdraw(void *ctx)
{
    approve *a = ctx;
    a->did = "withdrawn";
    return change_withdraw(&a->t, &a->who, a->id, stdout, &a->err);
}

static int run_routes(void *ctx)
{
    approve *a = ctx;
    return rbac_write_routes(&a->t, stdout, &a->err);
}

static int run_roles(void *ctx)
{
    approve *a = ctx;
    return rbac_write_roles(&a->t, stdout, &a->err);
}

static int run_whoami(void *ctx)
{
    approve *a = ctx;
    return rbac_write_user(&a->who, stdout, &a->err);
}

/* The one list of verbs. Reading requests and routes is scoped; deciding
 * is checked against each request's route in lib/iam/change.c; whoami
 * answers anyone. */
static const cli_verb verbs[] = {
    {.name = "list",
     .synopsis = "[--all | --status S] [--action A] [--mine] [--actionable]",
     .help = "ChangeRequest records awaiting a decision (NDJSON)",
     .scope = "approval.read",
     .run = run_list},
    {.name = "show",
     .operand = "ID",
     .needs = "a change request id",
     .help = "one request with its effect and every change it makes",
     .scope = "approval.read",
     .run = run_show},
    {.name = "verify",
     .operand = "ID",
     .needs = "a change request id",
     .synopsis = "[--note TEXT]",
     .help = "as the route's verifier",
     .scope = "approval.read",
     .run = run_verify},
    {.name = "approve",
     .operand = "ID",
     .needs = "a change request id",
     .synopsis = "[--note TEXT]",
     .help = "as the route's approver: apply the change now; the records\n"
             "the change produces (e.g. TimesheetFinalized) follow",
     .scope = "approval.read",
     .run = run_approve},
    {.name = "reject",
     .operand = "ID",
     .needs = "a change request id",
     .synopsis = "--reason TEXT",
     .help = "as its verifier or approver, with a reason; nothing changes",
     .scope = "approval.read",
     .run = run_reject},
    {.name = "withdraw",
     .operand = "ID",
     .needs = "a change request id",
     .help = "the requester takes their own request back",
     .scope = "approval.read",
     .run = run_withdraw},
    {.name = "routes",
     .help = "Route records: which role requests, verifies, approves",
     .scope = "approval.read",
     .run = run_routes},
    {.name = "roles",
     .help = "Role records: scopes and users of each role",
     .scope = "approval.read",
     .run = run_roles},
    {.name = "whoami", .help = "the acting user's roles and scopes", .run = run_whoami},
    {0},
};

static const char intro[] =
    "\n"
    "A change whose route names an approver (armms-approve routes) is not made\n"
    "by the tool that was asked for it: the tool stores a change request. The\n"
    "route's verifier verifies it, its approver approves it, and approving\n"
    "applies the change. Nobody decides on their own request.\n"
    "\n";

static const char options[] =
    "\n"
    "  -t, --tenant ID       the tenant (or ARMMS_TENANT)\n"
    "      --all             list: every status, decided ones too\n"
    "      --status S        list: PENDING, VERIFIED, APPROVED, REJECTED, WITHDRAWN,\n"
    "                        STALE\n"
    "      --action A        list: one action (e.g. rate.update)\n"
    "      --mine            list: requests the acting user made\n"
    "      --actionable      list: requests the acting user may verify or approve now\n"
    "      --note TEXT       verify, approve: a remark kept with the decision\n"
    "      --reason TEXT     reject: why (required)\n"
    "      --as USER         act as USER (or ARMMS_USER, else the login name)\n"
    "      --wait SECONDS    wait this long for a busy tenant (default 30)\n"
    "  -q, --quiet           no summary on stderr\n"
    "  -h, --help            this text\n"
    "      --version         print the version\n" CLI_EXIT_HEAD CLI_EXIT(" 0", "done")
        CLI_EXIT("64", "usage")
            CLI_EXIT("65", "no such request, decided already, not yet verified, or stale")
                CLI_EXIT("74", "output error") CLI_EXIT_BUSY CLI_EXIT_NOPERM CLI_EXIT_CONFIG;

enum {
    OPT_ALL = OPT_TOOL_BASE,
    OPT_STATUS,
    OPT_ACTION,
    OPT_MINE,
    OPT_ACTIONABLE,
    OPT_NOTE,
    OPT_REASON
};

static const char *const statuses[] = {"PENDING",   "VERIFIED", "APPROVED", "REJECTED",
                                       "WITHDRAWN", "STALE",    NULL};

static void parse_options(approve *a, int argc, char **argv)
{
    static const struct option longopts[] = {CLI_COMMON_LONGOPTS,
                                             {"all", no_argument, NULL, OPT_ALL},
                                             {"status", required_argument, NULL, OPT_STATUS},
                                             {"action", required_argument, NULL, OPT_ACTION},
                                             {"mine", no_argument, NULL, OPT_MINE},
                                             {"actionable", no_argument, NULL, OPT_ACTIONABLE},
                                             {"note", required_argument, NULL, OPT_NOTE},
                                             {"reason", required_argument, NULL, OPT_REASON},
                                             {0, 0, 0, 0}};
    int opt;
    cli_init_verbs(&a->c, "armms-approve", argv, "[-t TENANT]", verbs, intro, options);
    while ((opt = getopt_long(argc, argv, CLI_COMMON_SHORTOPTS, longopts, NULL)) != -1) {
        if (cli_common(&a->c, opt, optarg))
            continue;
        switch (opt) {
        case OPT_ALL:
            a->f.all = 1;
            break;
        case OPT_STATUS: {
            int ok = 0;
            for (int i = 0; statuses[i]; i++)
                if (!strcmp(optarg, statuses[i]))
                    ok = 1;
            if (!ok)
                cli_usage_error(&a->c, "unknown status '%s'", optarg);
            a->f.status = optarg;
            break;
        }
        case OPT_ACTION:
            a->f.action = optarg;
            break;
        case OPT_MINE:
            a->f.mine = 1;
            break;
        case OPT_ACTIONABLE:
            a->f.actionable = 1;
            break;
        case OPT_NOTE:
            a->note = optarg;
            break;
        case OPT_REASON:
            a->reason = optarg;
            break;
        }
    }
}

/* The verb and whether the options go with it: before any tenant is read. */
static void check_verb(approve *a, int argc, char **argv)
{
    const cli_t *c = &a->c;
    const change_filter *f = &a->f;
    a->verb = cli_verb_pick(c, verbs, "command", argc, argv, &a->id);
    const char *cmd = a->verb->name;
    if ((f->all || f->status || f->action || f->mine || f->actionable) && strcmp(cmd, "list"))
        cli_usage_error(c, "--all, --status, --action, --mine and --actionable go with list");
    if (f->all && f->status)
        cli_usage_error(c, "give --all or --status, not both");
    if (a->note && strcmp(cmd, "verify") && strcmp(cmd, "approve"))
        cli_usage_error(c, "--note goes with verify or approve");
    if (a->reason && strcmp(cmd, "reject"))
        cli_usage_error(c, "--reason goes with reject");
    if (!strcmp(cmd, "reject") && (!a->reason || !*a->reason))
        cli_usage_error(c, "a rejection needs --reason: it goes back to the requester");
}

/* The tenant and the acting user, who must hold the verb's scope. */
static void open_tenant(approve *a)
{
    cli_tenant(&a->c, &a->t);
    if (rbac_load(&a->who, &a->t, &a->err) ||
        (a->verb->scope && rbac_require(&a->who, a->verb->scope, &a->err)))
        armms_die_err(&a->err);
}

/* The summary names the decision made, if any (rbac_free keeps who.user). */
static int finish(approve *a, int rc)
{
    rbac_free(&a->who);
    if (rc || !a->did)
        return cli_end(&a->c, 0, rc ? &a->err : NULL, NULL);
    return cli_end(&a->c, 0, NULL, "tenant %s: change request %s %s by %s", a->t.id, a->id, a->did,
                   a->who.user);
}

int main(int argc, char **argv)
{
    static approve a;
    parse_options(&a, argc, argv);
    check_verb(&a, argc, argv);
    cli_actions_register();
    open_tenant(&a);
    return finish(&a, a.verb->run(&a));
}
