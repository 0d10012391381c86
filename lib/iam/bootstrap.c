/*
 * bootstrap.c - see bootstrap.h. Reads iam.db through its own read-only
 * connection; writes only through the add_user function it is handed.
 */
#include "iam/bootstrap.h"

#include <string.h>

#include "iam/rbac.h"
#include "store/store.h"

int bootstrap_user_id_ok(const char *id)
{
    size_t n = strlen(id);
    if (n == 0 || n > 64)
        return 0;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)id[i] <= ' ')
            return 0;
    return 1;
}

int bootstrap_user_count(tenant_t *t, int *users, armms_err *err)
{
    store_t s;
    *users = 0;
    if (store_open_ro(&s, t, "iam", err))
        return err->code;
    sqlite3_stmt *q = NULL;
    if (!store_prepare(&s, &q, "SELECT count(*) FROM user", err) && sqlite3_step(q) == SQLITE_ROW)
        *users = sqlite3_column_int(q, 0);
    sqlite3_finalize(q);
    store_close(&s);
    return err->code;
}

int bootstrap_may_init(tenant_t *t, armms_err *err)
{
    rbac_t who;
    armms_err e = {0};
    int users = 0;
    int rc = rbac_load(&who, t, &e) || bootstrap_user_count(t, &users, &e) ? e.code : 0;
    if (!rc && users)
        rc = rbac_require(&who, "tenant.admin", &e);
    rbac_free(&who);
    /* EXIT_CONFIG: iam.db is missing or predates roles, so there is no one
     * to ask; the migration that follows brings it up to date. */
    if (!rc || rc == EXIT_CONFIG)
        return 0;
    *err = e;
    return rc;
}

int bootstrap_first_admin(tenant_t *t, bootstrap_add_user_fn add_user, int *made, armms_err *err)
{
    int users, rejected = 0;
    *made = 0;
    if (bootstrap_user_count(t, &users, err) || users)
        return err->code;
    jv u = jv_object();
    u = jv_object_set(u, jv_string("user_id"), jv_string(t->actor));
    u = jv_object_set(u, jv_string("name"), jv_string(t->actor));
    u = jv_object_set(u, jv_string("roles"), jv_string("admin"));
    if (add_user(t, u, &rejected, err))
        return err->code;
    if (rejected)
        return err_set(err, EXIT_USAGE,
                       "'%s' cannot be a user id: name the first admin with --as USER", t->actor);
    *made = 1;
    return 0;
}
