/*
 * rbac.h - who is acting, what they may do, and which route a change takes.
 * Uses core and store.
 *
 * The model lives in the tenant's iam.db: users hold roles (user_role),
 * roles hold scopes (role_scope; "*" is every scope), and a route per
 * action names the role that requests it and, optionally, the roles that
 * verify and approve it. Scope names are the action names ("rate.update",
 * "timesheet.finalize", ...); armms(7) lists them with the default roles
 * and routes, which armms-init installs and the tenant may edit
 * (armms-import role, armms-import route).
 *
 * Rules kept here:
 *  - an actor that is not an ACTIVE user of this tenant may do nothing;
 *    users are per tenant, so a user of tenant A is unknown to tenant B;
 *  - to do (or request) an action the actor needs its scope, and, when the
 *    action's route names a requester role, that role or admin;
 *  - a user whose record lists detachments (user.detachments) holds every
 *    role only there: data of a detachment (assignments and relievers,
 *    punches and corrections, time logs, DTRs, timesheets, report rows) is
 *    changed and seen at those detachments only, and a row of no
 *    detachment not at all; tenant-wide actions that name no detachment
 *    are as the roles grant. A user with no list is limited nowhere;
 *  - only main() prints: these functions fill an armms_err with EXIT_NOPERM
 *    and a message naming the user, the tenant and the scope.
 */
#ifndef ARMMS_RBAC_H
#define ARMMS_RBAC_H

#include <stdio.h>

#include "core/util.h"
#include "store/tenant.h"

typedef struct rbac {
    char user[128];
    char tenant[64];
    int known, active;
    char **roles, **scopes; /* NULL-terminated, malloc'd */
    char **grants;          /* every role's scopes: role, scope, role, scope, ..., NULL */
    int all_scopes;         /* a role holds "*" */
    char **dets;            /* the detachments the roles are limited to; NULL: none */
} rbac_t;

typedef struct route {
    char action[64];
    char requester[64], verifier[64], approver[64]; /* "" when not set */
} route_t;

/* Load t->actor's roles and scopes from iam.db (opened read-only). */
int rbac_load(rbac_t *who, tenant_t *t, armms_err *err);

/* Who acts, in a multi-user installation (t->secure; armms-security(7)):
 * the tenant user whose login is the real user's login name (a person's
 * login names one user), else the user whose id is the login name and who
 * names no other login, else the login name itself (which holds no role).
 * --as or ARMMS_USER (t->asked) is refused with EXIT_NOPERM unless it names
 * that same user, or a service account (service = 1) whose login is the
 * real user's, or the real user is root; a login that only service
 * accounts name acts as the one there is, or must name one with --as.
 * Sets t->actor and t->service. In a personal installation, a no-op. */
int rbac_identify(tenant_t *t, armms_err *err);
void rbac_free(rbac_t *who);
int rbac_has_role(const rbac_t *who, const char *role);
int rbac_has_scope(const rbac_t *who, const char *scope);
/* 0 when the actor holds scope, else EXIT_NOPERM ("user X of tenant T may
 * not SCOPE (needs scope SCOPE, held by ROLE, ROLE)"), naming the roles
 * of the tenant that hold it, so the user knows whom to ask. */
int rbac_require(const rbac_t *who, const char *scope, armms_err *err);
/* Whether the actor's roles are limited to detachments, and whether they
 * apply at detachment det (NULL or "": a row of no detachment, which only
 * an unlimited actor may touch). */
int rbac_limited(const rbac_t *who);
int rbac_at(const rbac_t *who, const char *det);
/* rbac_require, and the scope applies at det: else EXIT_NOPERM naming the
 * detachment ("user 'ops1' of tenant T may assignment.update only at DET1,
 * DET3: not at DET2"). */
int rbac_require_at(const rbac_t *who, const char *scope, const char *det, armms_err *err);
/* Only its detachment part: the approver of a routed change holds the
 * route's role, not the scope, and is limited all the same. */
int rbac_limit(const rbac_t *who, const char *scope, const char *det, armms_err *err);
/* Add det to list, a ", "-joined list of the n bytes of buf, unless it
 * is there already (what a run refused, for its last line); a list that
 * would not fit ends in "...". */
void rbac_note(char *buf, size_t n, const char *det);
/* The detachments the actor is limited to, "DET1, DET3", appended to b. */
void rbac_dets(const rbac_t *who, strbuf *b);
/* Append to b the roles that hold scope by name ("ops, timekeeper"); when
 * none does, those holding every scope ("admin"); else "no role". */
void rbac_holders(const rbac_t *who, const char *scope, strbuf *b);
/* The route of action (all fields "" when the tenant has none: the action
 * is done at once by whoever holds its scope). */
int rbac_route(tenant_t *t, const char *action, route_t *r, armms_err *err);
/* 0 when the actor may do or request the action: its scope, and the
 * route's requester role (or admin) when the route names one. */
int rbac_may_request(const rbac_t *who, const route_t *r, armms_err *err);
/* The route needs someone else's decision before the change applies. */
int route_needs_approval(const route_t *r);
/* Route records (every action with a route) or Role records (every role
 * with its scopes and users), as NDJSON, to out. */
int rbac_write_routes(tenant_t *t, FILE *out, armms_err *err);
int rbac_write_roles(tenant_t *t, FILE *out, armms_err *err);
/* The actor as a User record: roles and scopes. */
int rbac_write_user(const rbac_t *who, FILE *out, armms_err *err);
/* "verification by controller, then approval by hr_manager" (buf). */
const char *route_describe(const route_t *r, char *buf, size_t n);

#endif
