/*
 * armms-init - create a tenant, or migrate its stores to this version.
 * Idempotent: running it again on a current tenant changes nothing.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"
#include "core/secure.h"
#include "iam/bootstrap.h"
#include "iam/rbac.h"
#include "md/masterdata.h"
#include "pay/shipped.h"
#include "store/store.h"
#include "store/transfer.h"

static const char usage[] =
    "usage: armms-init [-t TENANT] [--tz ZONE] [--as USER] [--wait SECONDS]\n"
    "       armms-init --list\n"
    "       armms-init --export TENANT FILE.tar.gz\n"
    "       armms-init --restore FILE.tar.gz [-t TENANT]\n"
    "       armms-init --claim TENANT [--force]\n"
    "       armms-init --release TENANT [--force]\n"
    "\n"
    "Create the tenant (directories, hr.db, tk.db, pay.db, iam.db, journal),\n"
    "or migrate an existing one forward, and load the payroll rules ARMMS ships\n"
    "(statutory tables, premiums, minimum wages, pay policy, deduction priority)\n"
    "where the tenant has no row of its own. The tenant comes from -t or\n"
    "ARMMS_TENANT; the data lives under ARMMS_HOME (default ~/.local/share/armms).\n"
    "\n"
    "  -t, --tenant ID   tenant id ([a-z0-9][a-z0-9_-]{0,62})\n"
    "      --tz ZONE     the tenant's business time zone (default Asia/Manila)\n"
    "      --list        list the tenants under ARMMS_HOME, one per line\n"
    "      --export T FILE  the tenant T, its stores, journal and cursors, as one\n"
    "                    .tar.gz with a manifest of SHA-256s, while tools run\n"
    "      --restore FILE  make the tenant FILE holds (it must not exist yet);\n"
    "                    a damaged archive is refused and nothing is written;\n"
    "                    the tenant is claimed for this host\n"
    "      --claim T     process T on this host only: tools on another host\n"
    "                    exit 75 naming this one (tenants/T/host)\n"
    "      --release T   end this host's claim: any host may open T again\n"
    "      --force       --claim, --release: even another host's claim (that\n"
    "                    host is gone, or no longer processes T)\n"
    "      --as USER     act as USER (or ARMMS_USER, else the login name)\n"
    "      --wait SECS   wait this long for a busy tenant (default 30)\n"
    "      --rejects FILE  append Reject records of shipped rows to FILE (not stderr)\n"
    "  -q, --quiet       no summary on stderr\n"
    "  -h, --help        this text\n"
    "      --version     print the version\n" CLI_EXIT_HEAD CLI_EXIT(
        " 0", "the tenant exists and is current") CLI_EXIT("64", "usage")
        CLI_EXIT("65", "some shipped rules were rejected (the others are loaded), or")
            CLI_EXIT_MORE("the archive to restore is damaged or not a tenant export") CLI_EXIT(
                "66", "the archive to restore cannot be read")
                CLI_EXIT("70", "internal error, such as a failed migration") CLI_EXIT(
                    "73", "a directory, store or file cannot be created")
                    CLI_EXIT("74", "I/O error on a store or the journal") CLI_EXIT_BUSY CLI_EXIT(
                        "77", "not permitted: the tenant has an active admin, and the")
                        CLI_EXIT_MORE("user lacks tenant.admin (the roles holding it named)")
                            CLI_EXIT("78", "a store is newer than this build, or not ARMMS's");

enum {
    OPT_TZ = OPT_TOOL_BASE,
    OPT_LIST,
    OPT_EXPORT,
    OPT_RESTORE,
    OPT_CLAIM,
    OPT_RELEASE,
    OPT_FORCE
};

/* --export T FILE: the tenant admin's copy of a whole tenant. */
static int export_tenant(cli_t *c, const char *id, const char *file)
{
    tenant_t t;
    c->tenant = id;
    cli_tenant(c, &t);
    cli_authorize(&t, "tenant.admin");
    armms_err err = {0};
    long files = 0;
    int rc = tenant_export(&t, file, &files, &err);
    if (rc)
        return cli_end(c, 0, &err, NULL);
    return cli_end(c, 0, NULL, "tenant %s exported to %s: %ld files", t.id, file, files);
}

/* --restore FILE: a new tenant from an export. */
static int restore_tenant(cli_t *c, const char *file)
{
    if (secure_on() && getuid() != 0)
        armms_die(EXIT_NOPERM, "in a multi-user installation only root restores a tenant");
    umask(secure_on() ? 007 : 077);
    armms_err err = {0};
    char id[64];
    long files = 0;
    int rc = tenant_restore(file, c->tenant, id, &files, &err);
    if (rc)
        return cli_end(c, 0, &err, NULL);
    /* a restored tenant is being moved here: no other host processes it */
    tenant_t t;
    tenant_holder prev;
    int was;
    if (tenant_resolve(&t, id, c->actor, &err) || tenant_claim(&t, 1, &was, &prev, &err)) {
        armms_err e = {0};
        err_set(&e, err.code, "tenant %s restored from %s, but not claimed for this host: %s", id,
                file, err.msg);
        tenant_free(&t);
        return cli_end(c, 0, &e, NULL);
    }
    tenant_free(&t);
    return cli_end(c, 0, NULL, "tenant %s restored from %s: %ld files; claimed for host %s", id,
                   file, files, tenant_this_host());
}

/* --claim T, --release T: which host processes T (tenant.h). The host
 * check is the one thing not asked of the tenant here. */
static int claim_tenant(cli_t *c, const char *id, int release, int force)
{
    tenant_t t;
    armms_err err = {0};
    if (tenant_resolve(&t, id, c->actor, &err))
        armms_die_err(&err);
    t.any_host = 1;
    if (tenant_require(&t, &err) || rbac_identify(&t, &err))
        armms_die_err(&err);
    c->t = &t;
    cli_authorize(&t, "tenant.admin");
    tenant_holder prev;
    int was = 0;
    int rc = release ? tenant_release(&t, force, &was, &prev, &err)
                     : tenant_claim(&t, force, &was, &prev, &err);
    if (rc)
        return cli_end(c, 0, &err, NULL);
    const char *me = tenant_this_host();
    if (release)
        return cli_end(c, 0, NULL,
                       was == 0 ? "tenant %s was held by no host: any host may open it"
                       : was == 1
                           ? "tenant %s released by host %s: any host may open it"
                           : "tenant %s released from host %s (--force): any host may open it",
                       t.id, was == 2 ? prev.host : me);
    if (was == 1)
        return cli_end(c, 0, NULL, "tenant %s is held by host %s already (since %s)", t.id, me,
                       prev.since);
    if (was == 2)
        return cli_end(c, 0, NULL, "tenant %s claimed for host %s, taken from host %s (--force)",
                       t.id, me, prev.host);
    if (was == 3)
        return cli_end(c, 0, NULL,
                       "tenant %s claimed for host %s (--force: its host file named no host)",
                       t.id, me);
    return cli_end(c, 0, NULL, "tenant %s claimed for host %s: tools on other hosts exit 75", t.id,
                   me);
}

/* The first admin goes in through the import path of every user
 * (masterdata), so it is journaled and audited like any other. */
static int import_user(tenant_t *t, jv user, int *rejected, armms_err *err)
{
    const md_kind *k = md_kind_find("user");
    md_import *mi = NULL;
    md_counts n = {0};
    reject_sink rej;
    if (reject_open(&rej, "/dev/null")) {
        jv_free(user);
        return err_set(err, EXIT_SOFTWARE, "cannot open /dev/null");
    }
    int rc = md_import_open(&mi, k, t, err) || md_begin(mi, err);
    if (rc)
        jv_free(user);
    else
        rc = md_upsert(mi, user, 0, &rej, "armms-init", 1, t->actor, strlen(t->actor), &n, err) ||
             md_commit(mi, err);
    md_import_close(mi);
    reject_close(&rej);
    *rejected = n.rejected > 0;
    return rc ? err->code : 0;
}

static int list_tenants(cli_t *c)
{
    size_t n;
    char **names = tenant_list(&n);
    for (size_t i = 0; i < n; i++) {
        puts(names[i]);
        free(names[i]);
    }
    free(names);
    return cli_end(c, 0, NULL, NULL);
}

int main(int argc, char **argv)
{
    static const struct option longopts[] = {CLI_COMMON_LONGOPTS,
                                             {"tz", required_argument, NULL, OPT_TZ},
                                             {"list", no_argument, NULL, OPT_LIST},
                                             {"export", required_argument, NULL, OPT_EXPORT},
                                             {"restore", required_argument, NULL, OPT_RESTORE},
                                             {"claim", required_argument, NULL, OPT_CLAIM},
                                             {"release", required_argument, NULL, OPT_RELEASE},
                                             {"force", no_argument, NULL, OPT_FORCE},
                                             {0, 0, 0, 0}};
    cli_t c;
    const char *tz = NULL, *export_id = NULL, *restore_file = NULL, *claim_id = NULL;
    int list = 0, release = 0, force = 0, opt;
    cli_init(&c, "armms-init", usage);
    argv[0] = (char *)armms_prog; /* getopt names the tool, not its path */
    while ((opt = getopt_long(argc, argv, CLI_COMMON_SHORTOPTS, longopts, NULL)) != -1) {
        if (cli_common(&c, opt, optarg))
            continue;
        switch (opt) {
        case OPT_TZ:
            tz = optarg;
            break;
        case OPT_LIST:
            list = 1;
            break;
        case OPT_EXPORT:
            export_id = optarg;
            break;
        case OPT_RESTORE:
            restore_file = optarg;
            break;
        case OPT_CLAIM:
        case OPT_RELEASE:
            if (claim_id)
                cli_usage_error(&c, "give one --claim or --release");
            claim_id = optarg;
            release = opt == OPT_RELEASE;
            break;
        case OPT_FORCE:
            force = 1;
            break;
        }
    }
    if (force && !claim_id)
        cli_usage_error(&c, "--force goes with --claim or --release");
    if (claim_id) {
        if (export_id || restore_file || list || optind < argc)
            cli_usage_error(&c, "--%s takes the tenant and nothing else",
                            release ? "release" : "claim");
        if (c.tenant && strcmp(c.tenant, claim_id))
            cli_usage_error(&c, "--%s names tenant %s, -t %s", release ? "release" : "claim",
                            claim_id, c.tenant);
        return claim_tenant(&c, claim_id, release, force);
    }
    if (export_id && restore_file)
        cli_usage_error(&c, "give --export or --restore, not both");
    if (export_id) {
        if (optind + 1 != argc)
            cli_usage_error(&c, "--export needs the tenant and one FILE.tar.gz");
        if (c.tenant && strcmp(c.tenant, export_id))
            cli_usage_error(&c, "--export names tenant %s, -t %s", export_id, c.tenant);
        return export_tenant(&c, export_id, argv[optind]);
    }
    if (optind < argc)
        cli_usage_error(&c, "unexpected argument '%s'", argv[optind]);
    if (restore_file)
        return restore_tenant(&c, restore_file);
    if (list)
        return list_tenants(&c);

    tenant_t t;
    armms_err err = {0};
    if (tenant_resolve(&t, c.tenant, c.actor, &err))
        armms_die_err(&err);
    if (c.wait_s >= 0)
        t.wait_ms = c.wait_s * 1000;
    struct stat st;
    int existed = stat(t.dir, &st) == 0;
    /* a multi-user installation's tenants are root's to create; anyone
     * else migrates one only as the tenant user their login is */
    if (t.secure && getuid() != 0) {
        if (!existed)
            armms_die(EXIT_NOPERM,
                      "tenant %s: in a multi-user installation only root creates a tenant", t.id);
        if (rbac_identify(&t, &err))
            armms_die_err(&err);
    }
    if (!existed && !bootstrap_user_id_ok(t.actor))
        armms_die(EXIT_USAGE, "'%s' cannot be a user id: name the first admin with --as USER",
                  t.actor);
    /* migrating a tenant is processing it: not while another host holds it */
    if (existed && tenant_host_check(&t, &err))
        armms_die_err(&err);
    if (existed && tenant_require(&t, &err) == 0 && bootstrap_may_init(&t, &err))
        armms_die_err(&err);
    err.code = 0;
    if (tenant_create(&t, tz, &err))
        armms_die_err(&err);
    static const char *const modules[] = {"hr", "tk", "pay", "iam"};
    int migrated = 0;
    for (size_t i = 0; i < sizeof modules / sizeof *modules; i++) {
        store_t s;
        if (store_open(&s, &t, modules[i], STORE_CREATE | STORE_MIGRATE, &err))
            armms_die_err(&err);
        migrated |= s.migrated;
        store_close(&s);
    }
    int admin_made = 0;
    if (bootstrap_first_admin(&t, import_user, &admin_made, &err))
        armms_die_err(&err);
    /* the shipped rules, insert-only: journaled under the acting user */
    reject_sink rej;
    md_counts shipped = {0};
    cli_rejects(&c, &rej);
    if (pay_shipped_load(&t, &rej, &shipped, &err))
        armms_die_err(&err);
    char first[96] = "", rules[96] = "";
    if (admin_made)
        snprintf(first, sizeof first, ", first admin %s", t.actor);
    if (shipped.inserted)
        snprintf(rules, sizeof rules, ", %ld shipped payroll rules loaded", shipped.inserted);
    if (shipped.rejected)
        snprintf(rules + strlen(rules), sizeof rules - strlen(rules),
                 ", %ld shipped rules rejected", shipped.rejected);
    int code = cli_end(&c, shipped.rejected ? EXIT_DATAERR : 0, NULL,
                       "tenant %s %s at %s (tz %s)%s%s", t.id,
                       existed && !shipped.inserted && !migrated ? "is current"
                       : existed                                 ? "migrated"
                                                                 : "created",
                       t.dir, t.tz.name, first, rules);
    tenant_free(&t); /* resolved here, not by cli_tenant: it may not exist yet */
    return code;
}
