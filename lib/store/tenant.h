/*
 * tenant.h - where a tenant lives and who is acting.
 * Uses core only.
 *
 * ARMMS_HOME (default $XDG_DATA_HOME/armms, else ~/.local/share/armms) holds
 * tenants/<id>/. The tenant comes from -t/--tenant or ARMMS_TENANT; ids match
 * ^[a-z0-9][a-z0-9_-]{0,62}$ so no id can name a path outside the home.
 * Tenant directories are 0700 and every file in them 0600 (umask 077 is set
 * by tenant_resolve for the whole process).
 *
 * tenant.conf (key=value lines) holds tenant settings: tz (default
 * Asia/Manila) and policy values the tools read by name (timekeeping:
 * grace_min, credit_early, ...); an unknown key is kept, not an error, so an
 * older tool can read a newer file.
 *
 * tenants/<id>/host names the host that processes the tenant, when one has
 * claimed it (armms-init --claim; armms-hosts(7)): "host=", "since=" and
 * "by=" lines. While it names another host, tenant_require refuses the
 * tenant with EXIT_TEMPFAIL naming the holder, so every tool on every other
 * host stays off it. A tenant without the file is open to any host.
 */
#ifndef ARMMS_TENANT_H
#define ARMMS_TENANT_H

#include <stddef.h>

#include "core/clock.h"
#include "core/util.h"

typedef struct tenant {
    char id[64];
    char *home; /* ARMMS_HOME */
    char *dir;  /* ARMMS_HOME/tenants/<id> */
    tz_t tz;
    char actor[128]; /* --as, ARMMS_USER, or the login name; in a multi-user
                      * installation the tenant user of the login (iam) */
    char login[64];  /* the login name of the real user */
    char asked[128]; /* --as or ARMMS_USER as given ("" when neither) */
    int secure;      /* a multi-user installation's run (core/secure.h) */
    int service;     /* the actor is one of the tenant's service accounts */
    int wait_ms;     /* how long to wait for a busy store or journal */
    int any_host;    /* tenant_require skips the host check (claim, release) */
    int nconf;       /* settings from tenant.conf other than tz */
    struct {
        char key[32], val[96];
    } conf[32];
} tenant_t;

int tenant_id_valid(const char *id);
/* The home directory (malloc'd): ARMMS_HOME, else XDG_DATA_HOME/armms,
 * else ~/.local/share/armms; in a multi-user installation always its data
 * directory (core/secure.h). */
char *armms_home(void);
/* Fill t from opt_tenant (or ARMMS_TENANT) and opt_actor (or ARMMS_USER or
 * the login name). Usage errors (no tenant, bad id) are EXIT_USAGE. Does not
 * touch the disk beyond setting the umask. */
int tenant_resolve(tenant_t *t, const char *opt_tenant, const char *opt_actor, armms_err *err);
/* 0 when the tenant exists (and loads its settings), else EXIT_CONFIG
 * with a message naming the tenant nearest its id, or the tenants there
 * are, or (only when there are none) armms-init to create it. */
int tenant_require(tenant_t *t, armms_err *err);
/* The host that holds a tenant (tenants/<id>/host). */
typedef struct tenant_holder {
    char host[256], since[32], by[128];
} tenant_holder;
/* This host's name: ARMMS_HOSTNAME (a test hook: not in a secure run),
 * else gethostname(2). */
const char *tenant_this_host(void);
/* 1 and *h filled when a host holds t, 0 when none does; EXIT_IOERR when
 * the file cannot be read, EXIT_CONFIG when it names no host. */
int tenant_holder_of(const tenant_t *t, tenant_holder *h, armms_err *err);
/* 0 when no host or this one holds t; else EXIT_TEMPFAIL naming the
 * holder, since when and who claimed it. */
int tenant_host_check(const tenant_t *t, armms_err *err);
/* Claim t for this host, as t->actor. *was: 0 when no host held it, 1 when
 * this one did already (nothing written), 2 when another did and force
 * took it over, 3 when force replaced a host file that named no host;
 * without force another host's claim is EXIT_TEMPFAIL. The
 * file is written whole under a temporary name and linked in place, so of
 * two hosts claiming at once one wins and the other is refused. */
int tenant_claim(const tenant_t *t, int force, int *was, tenant_holder *prev, armms_err *err);
/* Release this host's claim on t (force: another host's). *was as above
 * (0: nothing to release). */
int tenant_release(const tenant_t *t, int force, int *was, tenant_holder *prev, armms_err *err);
/* Create the directories (0700; 0770 in a multi-user installation) and
 * tenant.conf if missing. */
int tenant_create(tenant_t *t, const char *tzname, armms_err *err);
/* The tenant ids under ARMMS_HOME, sorted (malloc'd array of malloc'd
 * strings; *n set). Entries that are not valid ids are not tenants. */
char **tenant_list(size_t *n);
/* Path of a file inside the tenant (malloc'd). */
char *tenant_path(const tenant_t *t, const char *name);
void tenant_free(tenant_t *t);
/* An integer setting: def when absent; EXIT_CONFIG naming the key when it is
 * not an integer in [min, max]. */
int tenant_conf_long(const tenant_t *t, const char *key, long def, long min, long max, long *out,
                     armms_err *err);

#endif
