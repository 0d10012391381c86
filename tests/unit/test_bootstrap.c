/*
 * test_bootstrap.c - the first-admin rule (iam/bootstrap.h): a tenant with
 * no users makes its initialiser admin through the user import it is
 * handed; a refused id is EXIT_USAGE; a tenant that has users gets no
 * admin this way, and initialising it needs tenant.admin.
 *
 * Runs in a fresh ARMMS_HOME under /tmp, removed at the end. The user
 * import is a stand-in that records what it was given, so these checks do
 * not depend on masterdata.
 */
#define _GNU_SOURCE
#include <ftw.h>
#include <jv.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#include "iam/bootstrap.h"
#include "store/digest.h"
#include "store/store.h"
#include "store/tenant.h"
#include "t.h"

static int calls, refuse_next;
static char got[256];

static int fake_import(tenant_t *t, jv user, int *rejected, armms_err *err)
{
    calls++;
    jv s = jv_dump_string(user, JV_PRINT_SORTED);
    snprintf(got, sizeof got, "%s", jv_string_value(s));
    jv_free(s);
    *rejected = refuse_next;
    return 0;
}

static int raw_exec(const char *path, const char *sql)
{
    sqlite3 *db = NULL;
    int rc = sqlite3_open(path, &db);
    /* a write behind the tools' back still runs the digest triggers */
    if (rc == SQLITE_OK)
        rc = digest_register(db, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
    sqlite3_close(db);
    return rc;
}

static int rm_entry(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
    return remove(path);
}

int main(void)
{
    char home[] = "/tmp/armms-test-bootstrap-XXXXXX";
    if (!mkdtemp(home)) {
        perror("mkdtemp");
        return 1;
    }
    setenv("ARMMS_HOME", home, 1);
    setenv("ARMMS_NOW", "2026-01-02T06:00:00+08:00", 1);

    T_OK(bootstrap_user_id_ok("ana"), "a plain id can be a user id");
    T_OK(!bootstrap_user_id_ok("") && !bootstrap_user_id_ok("a b") &&
             !bootstrap_user_id_ok(
                 "01234567890123456789012345678901234567890123456789012345678901234"),
         "empty, spaced and 65-byte ids cannot");

    tenant_t t;
    armms_err err = {0};
    T_EQ_INT(tenant_resolve(&t, "boot", "ana", &err), 0, "tenant boot resolves (%s)", err.msg);
    T_EQ_INT(tenant_create(&t, NULL, &err), 0, "tenant boot is created (%s)", err.msg);
    T_EQ_INT(bootstrap_may_init(&t, &err), 0, "a tenant without iam.db may be initialised");
    store_t s;
    T_EQ_INT(store_open(&s, &t, "iam", STORE_CREATE | STORE_MIGRATE, &err), 0,
             "iam.db is created (%s)", err.msg);
    store_close(&s);

    int made = -1, users = -1;
    T_EQ_INT(bootstrap_user_count(&t, &users, &err), 0, "users are counted (%s)", err.msg);
    T_EQ_INT(users, 0, "a new tenant has no users");
    T_EQ_INT(bootstrap_may_init(&t, &err), 0, "a tenant without users may be initialised");

    refuse_next = 1;
    T_EQ_INT(bootstrap_first_admin(&t, fake_import, &made, &err), EXIT_USAGE,
             "an id the import refuses is EXIT_USAGE");
    T_EQ_STR(err.msg, "'ana' cannot be a user id: name the first admin with --as USER",
             "and says how to name the first admin");
    T_EQ_INT(made, 0, "and makes no admin");

    refuse_next = 0;
    calls = 0;
    err = (armms_err){0};
    T_EQ_INT(bootstrap_first_admin(&t, fake_import, &made, &err), 0, "the first admin is made");
    T_EQ_INT(made, 1, "made is set");
    T_EQ_INT(calls, 1, "through the import, once");
    T_EQ_STR(got, "{\"name\":\"ana\",\"roles\":\"admin\",\"user_id\":\"ana\"}",
             "with the acting user as an admin");

    char *iam = tenant_path(&t, "iam.db");
    T_EQ_INT(
        raw_exec(
            iam,
            "INSERT INTO user(user_id, name, roles, status) VALUES ('bo', 'Bo', '', 'ACTIVE')"),
        SQLITE_OK, "the tenant gets a user who is not an admin");
    free(iam);
    calls = 0;
    T_EQ_INT(bootstrap_first_admin(&t, fake_import, &made, &err), 0,
             "a tenant with users is no error");
    T_EQ_INT(made, 0, "but gets no admin");
    T_EQ_INT(calls, 0, "and the import is not called");
    snprintf(t.actor, sizeof t.actor, "bo");
    T_EQ_INT(bootstrap_may_init(&t, &err), EXIT_NOPERM,
             "a user without tenant.admin may not initialise it");
    T_EQ_STR(err.msg,
             "user 'bo' of tenant boot may not tenant.admin (needs scope tenant.admin, held by "
             "admin)",
             "and is told the scope and the role that holds it");

    tenant_free(&t);
    if (!getenv("KEEP_HOME"))
        nftw(home, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    return t_done();
}
