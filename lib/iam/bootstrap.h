/*
 * bootstrap.h - the first admin of a tenant, and who may initialise one.
 * Uses core, store and iam/rbac.h; the user record itself is written by
 * the layer that imports users (masterdata), handed in by the caller.
 *
 * The contract:
 *  - a tenant with no users gets the acting user as its first admin, with
 *    the record {user_id, name, roles: "admin"} written through the same
 *    import path (journaled, audited) as any user;
 *  - a tenant that has users is never given an admin this way, even if
 *    none of them is one: otherwise whoever ran armms-init on it could make
 *    themselves one (that imports cannot leave a tenant without an active
 *    admin is kept by the user import, not here);
 *  - initialising (migrating) an existing tenant that has users needs the
 *    tenant.admin scope; one whose iam.db is missing or predates roles, or
 *    that has no users yet, may be initialised by whoever may open its
 *    files.
 * Nothing here prints: the caller reports what was made.
 */
#ifndef ARMMS_BOOTSTRAP_H
#define ARMMS_BOOTSTRAP_H

#include <jv.h>

#include "core/util.h"
#include "store/tenant.h"

/* True when id is a user id the user import accepts (1-64 bytes, no
 * control characters or spaces): checked before a tenant is created, so a
 * bad one leaves nothing behind. */
int bootstrap_user_id_ok(const char *id);

/* *users = the users in the tenant's iam.db (opened read-only). */
int bootstrap_user_count(tenant_t *t, int *users, armms_err *err);

/* 0 when the actor may initialise the existing tenant t (see above), else
 * the code of the refusal with err filled (EXIT_NOPERM, or the error that
 * kept the users from being read). err is untouched on 0. */
int bootstrap_may_init(tenant_t *t, armms_err *err);

/* Write one user record (consumed) through the import path of users;
 * *rejected is set when the import refused it (not an error of the run). */
typedef int (*bootstrap_add_user_fn)(tenant_t *t, jv user, int *rejected, armms_err *err);

/* Make t->actor the first admin when the tenant has no users: *made 1 when
 * it did. An actor the import refuses as a user id is EXIT_USAGE. */
int bootstrap_first_admin(tenant_t *t, bootstrap_add_user_fn add_user, int *made, armms_err *err);

#endif
