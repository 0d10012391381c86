/*
 * armms-approve - change requests: list, show, verify, approve, reject,
 * withdraw; and the roles and routes that decide who may. The rules live in
 * lib/iam/change.c and lib/iam/rbac.c; this is options and a dispatch.
 */
#include <string.h>

#include "cli/actions.h"
#include "cli/cli.h"
#include "iam/change.h"

static const char usage[] =
    "usage: armms-approve [-t TENANT] list [--all | --status S] [--action A] [--mine]\n"
    "                                      [--actionable]\n"
    "       armms-approve [-t TENANT] show ID\n"
    "       armms-approve [-t TENANT] verify ID [--note TEXT]\n"
    "       armms-approve [-t TENANT] approve ID [--note TEXT]\n"
    "       armms-approve [-t TENANT] reject ID --reason TEXT\n"
    "       armms-approve [-t TENANT] withdraw ID\n"
    "       armms-approve [-t TENANT] routes | roles | whoami\n"
    "\n"
    "A change whose route names an approver (armms-approve routes) is not made\n"
    "by the tool that was asked for it: the tool stores a change request. The\n"
    "route's verifier verifies it, its approver approves it, and approving\n"
    "applies the change. Nobody decides on their own request.\n"
    "\n"
    "  list          ChangeRequest records awaiting a decision (NDJSON)\n"
    "  show          one request with its effect and every change it makes\n"
    "  verify        as the route's verifier\n"
    "  approve       as the route's approver: apply the change now; the records\n"
    "                the change produces (e.g. TimesheetFinalized) follow\n"
    "  reject        as its verifier or approver, with a reason; nothing changes\n"
    "  withdraw      the requester takes their own request back\n"
    "  routes        Route records: which role requests, verifies, approves\n"
    "  roles         Role records: scopes and users of each role\n"
    "  whoami        the acting user's roles and scopes\n"
    "\n"
    "  -t, --tenant ID       the tenant (or ARMMS_TENANT)\n"
    "      --all             list: every status, decided ones too\n"
    "      --status S        list: PENDING, VERIFIED, APPROVED, REJECTED, WITHDRAWN, STALE\n"
    "      --action A        list: one action (e.g. rate.update)\n"
    "      --mine            list: requests the acting user made\n"
    "      --actionable      list: requests the acting user may verify or approve now\n"
    "      --note TEXT       verify, approve: a remark kept with the decision\n"
    "      --reason TEXT     reject: why (required)\n"
    "      --as USER         act as USER (or ARMMS_USER, else the login name)\n"
    "      --wait SECONDS    wait this long for a busy tenant (default 30)\n"
    "  -q, --quiet           no summary on stderr\n"
    "  -h, --help            this text\n"
    "      --version         print the version\n"
    "\n"
    "Exit: 0 done, 64 usage, 65 no such request, already decided, or stale,\n"
    "74 output error, 75 tenant busy, 77 not permitted, 78 tenant missing.\n";

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

int main(int argc, char **argv)
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
    cli_t c;
    change_filter f = {0};
    const char *note = NULL, *reason = NULL;
    int opt;
    cli_init(&c, "armms-approve", usage);
    cli_actions_register();
    argv[0] = (char *)armms_prog;
    while ((opt = getopt_long(argc, argv, CLI_COMMON_SHORTOPTS, longopts, NULL)) != -1) {
        if (cli_common(&c, opt, optarg))
            continue;
        switch (opt) {
        case OPT_ALL:
            f.all = 1;
            break;
        case OPT_STATUS: {
            int ok = 0;
            for (int i = 0; statuses[i]; i++)
                if (!strcmp(optarg, statuses[i]))
                    ok = 1;
            if (!ok)
                cli_usage_error(&c, "unknown status '%s'", optarg);
            f.status = optarg;
            break;
        }
        case OPT_ACTION:
            f.action = optarg;
            break;
        case OPT_MINE:
            f.mine = 1;
            break;
        case OPT_ACTIONABLE:
            f.actionable = 1;
            break;
        case OPT_NOTE:
            note = optarg;
            break;
        case OPT_REASON:
            reason = optarg;
            break;
        }
    }
    if (optind >= argc)
        cli_usage_error(&c, "missing command (list, show, verify, approve, reject, withdraw, "
                            "routes, roles or whoami)");
    const char *cmd = argv[optind++];
    static const char *const with_id[] = {"show", "verify", "approve", "reject", "withdraw", NULL};
    static const char *const without[] = {"list", "routes", "roles", "whoami", NULL};
    const char *id = NULL;
    int known = 0;
    for (int i = 0; with_id[i]; i++)
        if (!strcmp(cmd, with_id[i])) {
            known = 1;
            if (optind >= argc)
                cli_usage_error(&c, "%s needs a change request id", cmd);
            id = argv[optind++];
        }
    for (int i = 0; without[i]; i++)
        known |= !strcmp(cmd, without[i]);
    if (!known)
        cli_usage_error(&c, "unknown command '%s'", cmd);
    if (optind < argc)
        cli_usage_error(&c, "unexpected argument '%s'", argv[optind]);
    if ((f.all || f.status || f.action || f.mine || f.actionable) && strcmp(cmd, "list"))
        cli_usage_error(&c, "--all, --status, --action, --mine and --actionable go with list");
    if (f.all && f.status)
        cli_usage_error(&c, "give --all or --status, not both");
    if (note && strcmp(cmd, "verify") && strcmp(cmd, "approve"))
        cli_usage_error(&c, "--note goes with verify or approve");
    if (reason && strcmp(cmd, "reject"))
        cli_usage_error(&c, "--reason goes with reject");
    if (!strcmp(cmd, "reject") && (!reason || !*reason))
        cli_usage_error(&c, "a rejection needs --reason: it goes back to the requester");

    tenant_t t;
    armms_err err = {0};
    rbac_t who;
    cli_tenant(&c, &t);
    if (rbac_load(&who, &t, &err))
        armms_die_err(&err);
    /* Reading requests and routes is scoped; deciding is checked against
     * each request's route in lib/iam/change.c. whoami answers anyone. */
    if (strcmp(cmd, "whoami") && rbac_require(&who, "approval.read", &err))
        armms_die_err(&err);
    int rc = 0;
    if (!strcmp(cmd, "list"))
        rc = change_list(&t, &who, &f, stdout, &err);
    else if (!strcmp(cmd, "show"))
        rc = change_show(&t, id, stdout, &err);
    else if (!strcmp(cmd, "verify"))
        rc = change_verify(&t, &who, id, note, stdout, &err);
    else if (!strcmp(cmd, "approve"))
        rc = change_approve(&t, &who, id, note, stdout, &err);
    else if (!strcmp(cmd, "reject"))
        rc = change_reject(&t, &who, id, reason, stdout, &err);
    else if (!strcmp(cmd, "withdraw"))
        rc = change_withdraw(&t, &who, id, stdout, &err);
    else if (!strcmp(cmd, "routes"))
        rc = rbac_write_routes(&t, stdout, &err);
    else if (!strcmp(cmd, "roles"))
        rc = rbac_write_roles(&t, stdout, &err);
    else
        rc = rbac_write_user(&who, stdout, &err);
    int code = 0;
    if (!rc && !c.quiet && id && strcmp(cmd, "show"))
        armms_warn("tenant %s: change request %s %s by %s", t.id, id,
                   !strcmp(cmd, "approve")  ? "approved and applied"
                   : !strcmp(cmd, "verify") ? "verified"
                   : !strcmp(cmd, "reject") ? "rejected"
                                            : "withdrawn",
                   who.user);
    rbac_free(&who);
    if (rc)
        armms_die_err(&err);
    tenant_free(&t);
    return cli_finish(code);
}
