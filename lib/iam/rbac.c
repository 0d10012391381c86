/*
 * rbac.c - see rbac.h. Reads iam.db through its own read-only connection,
 * so any tool can check its actor without attaching another module.
 */
#include "iam/rbac.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store/store.h"

static const char sql_user[] = "SELECT status, detachments, clients FROM user WHERE user_id = ?1";
/* the detachments of a user's clients (';'-joined names) */
static const char sql_client_dets[] =
    "SELECT detachment_id FROM detachment"
    " WHERE instr(';' || ?1 || ';', ';' || client || ';') > 0 ORDER BY 1";
static const char sql_roles[] = "SELECT role_id FROM user_role WHERE user_id = ?1 ORDER BY 1";
static const char sql_scopes[] =
    "SELECT DISTINCT s.scope_id FROM user_role u JOIN role_scope s ON s.role_id = u.role_id"
    " WHERE u.user_id = ?1 ORDER BY 1";
static const char sql_grants[] = "SELECT role_id, scope_id FROM role_scope ORDER BY 1, 2";
static const char sql_route[] = "SELECT coalesce(requester_role, ''), coalesce(verifier_role, ''),"
                                " coalesce(approver_role, '') FROM route WHERE action = ?1";

static char **column_list(sqlite3_stmt *st, int *rc)
{
    char **v = NULL;
    size_t n = 0;
    while ((*rc = sqlite3_step(st)) == SQLITE_ROW) {
        v = xrealloc(v, sizeof *v * (n + 2));
        v[n++] = xstrdup((const char *)sqlite3_column_text(st, 0));
    }
    if (!v)
        v = xcalloc(1, sizeof *v);
    v[n] = NULL;
    sqlite3_reset(st);
    return v;
}

/* A stored comma list as a NULL-terminated vector (never NULL itself). */
static char **split_list(const char *csv)
{
    char **v = xcalloc(1, sizeof *v);
    size_t n = 0;
    for (const char *p = csv; *p;) {
        size_t len = strcspn(p, ",");
        if (len) {
            v = xrealloc(v, sizeof *v * (n + 2));
            v[n] = xmalloc(len + 1);
            memcpy(v[n], p, len);
            v[n++][len] = 0;
            v[n] = NULL;
        }
        p += len + (p[len] == ',');
    }
    return v;
}

static void list_free(char **v)
{
    for (char **p = v; p && *p; p++)
        free(*p);
    free(v);
}

static int in_list(char **v, const char *s);

static int str_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Add to who->dets the detachments of clients (read from hr.db now, so a
 * client's new detachment is theirs at once), each once. */
static int add_client_dets(rbac_t *who, tenant_t *t, const char *clients, armms_err *err)
{
    if (!who->dets)
        who->dets = xcalloc(1, sizeof *who->dets);
    store_t s;
    if (store_open_ro(&s, t, "hr", err))
        return err->code;
    sqlite3_stmt *q = NULL;
    if (!store_prepare(&s, &q, sql_client_dets, err)) {
        sqlite3_bind_text(q, 1, clients, -1, SQLITE_STATIC);
        size_t n = 0;
        while (who->dets[n])
            n++;
        int rc;
        while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
            const char *d = (const char *)sqlite3_column_text(q, 0);
            if (in_list(who->dets, d))
                continue;
            who->dets = xrealloc(who->dets, sizeof *who->dets * (n + 2));
            who->dets[n++] = xstrdup(d);
            who->dets[n] = NULL;
        }
        if (rc != SQLITE_DONE)
            store_fail(&s, rc, "reading detachments", err);
        sqlite3_finalize(q);
        qsort(who->dets, n, sizeof *who->dets, str_cmp);
    }
    store_close(&s);
    return err->code;
}

int rbac_load(rbac_t *who, tenant_t *t, armms_err *err)
{
    memset(who, 0, sizeof *who);
    snprintf(who->user, sizeof who->user, "%s", t->actor);
    snprintf(who->tenant, sizeof who->tenant, "%s", t->id);
    store_t s;
    if (store_open_ro(&s, t, "iam", err))
        return err->code;
    sqlite3_stmt *q = NULL;
    char *clients = NULL;
    int rc = 0;
    if (store_prepare(&s, &q, sql_user, err))
        goto out;
    sqlite3_bind_text(q, 1, who->user, -1, SQLITE_STATIC);
    if ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        who->known = 1;
        who->active = strcmp((const char *)sqlite3_column_text(q, 0), "ACTIVE") == 0;
        if (sqlite3_column_type(q, 1) != SQLITE_NULL)
            who->dets = split_list((const char *)sqlite3_column_text(q, 1));
        if (sqlite3_column_type(q, 2) != SQLITE_NULL)
            clients = xstrdup((const char *)sqlite3_column_text(q, 2));
    }
    sqlite3_finalize(q);
    q = NULL;
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
        store_fail(&s, rc, "reading users", err);
        goto out;
    }
    if (clients && add_client_dets(who, t, clients, err))
        goto out;
    if (store_prepare(&s, &q, sql_roles, err))
        goto out;
    sqlite3_bind_text(q, 1, who->user, -1, SQLITE_STATIC);
    who->roles = column_list(q, &rc);
    sqlite3_finalize(q);
    q = NULL;
    if (rc == SQLITE_DONE && !store_prepare(&s, &q, sql_scopes, err)) {
        sqlite3_bind_text(q, 1, who->user, -1, SQLITE_STATIC);
        who->scopes = column_list(q, &rc);
        sqlite3_finalize(q);
        q = NULL;
    }
    if (!err->code && rc == SQLITE_DONE && !store_prepare(&s, &q, sql_grants, err)) {
        size_t n = 0;
        while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
            who->grants = xrealloc(who->grants, sizeof *who->grants * (2 * n + 3));
            who->grants[2 * n] = xstrdup((const char *)sqlite3_column_text(q, 0));
            who->grants[2 * n + 1] = xstrdup((const char *)sqlite3_column_text(q, 1));
            who->grants[2 * ++n] = NULL;
        }
        sqlite3_finalize(q);
    }
    if (!err->code && rc != SQLITE_DONE)
        store_fail(&s, rc, "reading roles", err);
    for (char **p = who->scopes; p && *p; p++)
        if (strcmp(*p, "*") == 0)
            who->all_scopes = 1;
out:
    free(clients);
    store_close(&s);
    return err->code;
}

void rbac_free(rbac_t *who)
{
    list_free(who->roles);
    list_free(who->scopes);
    list_free(who->grants);
    list_free(who->dets);
    who->roles = who->scopes = who->grants = who->dets = NULL;
}

static int in_list(char **v, const char *s)
{
    for (char **p = v; p && *p; p++)
        if (strcmp(*p, s) == 0)
            return 1;
    return 0;
}

int rbac_has_role(const rbac_t *who, const char *role)
{
    return who->known && who->active && in_list(who->roles, role);
}

int rbac_has_scope(const rbac_t *who, const char *scope)
{
    return who->known && who->active && (who->all_scopes || in_list(who->scopes, scope));
}

static int refuse_unknown(const rbac_t *who, armms_err *err)
{
    if (!who->known)
        return err_set(err, EXIT_NOPERM,
                       "user '%s' is not a user of tenant %s (--as USER, ARMMS_USER; an admin "
                       "adds users with armms-import user)",
                       who->user, who->tenant);
    return err_set(err, EXIT_NOPERM, "user '%s' of tenant %s is disabled", who->user, who->tenant);
}

int rbac_require(const rbac_t *who, const char *scope, armms_err *err)
{
    if (!who->known || !who->active)
        return refuse_unknown(who, err);
    if (rbac_has_scope(who, scope))
        return 0;
    strbuf held;
    sb_init(&held);
    rbac_holders(who, scope, &held);
    err_set(err, EXIT_NOPERM, "user '%s' of tenant %s may not %s (needs scope %s, held by %s)",
            who->user, who->tenant, scope, scope, held.s);
    sb_free(&held);
    return err->code;
}

int rbac_limited(const rbac_t *who)
{
    return who->dets != NULL;
}

int rbac_at(const rbac_t *who, const char *det)
{
    if (!who->dets)
        return 1;
    return det && *det && in_list(who->dets, det);
}

void rbac_note(char *buf, size_t n, const char *det)
{
    size_t len = strlen(det), used = strlen(buf);
    for (const char *p = buf; *p;) {
        size_t l = strcspn(p, ",");
        if (l == len && strncmp(p, det, l) == 0)
            return;
        p += l;
        p += strspn(p, ", ");
    }
    if (used + len + 6 < n)
        snprintf(buf + used, n - used, "%s%s", used ? ", " : "", det);
    else if (used + 4 < n && (used < 3 || strcmp(buf + used - 3, "...")))
        snprintf(buf + used, n - used, "...");
}

void rbac_dets(const rbac_t *who, strbuf *b)
{
    for (char **p = who->dets; p && *p; p++)
        sb_addf(b, "%s%s", p == who->dets ? "" : ", ", *p);
    if (who->dets && !who->dets[0])
        sb_adds(b, "no detachment");
}

int rbac_require_at(const rbac_t *who, const char *scope, const char *det, armms_err *err)
{
    return rbac_require(who, scope, err) ? err->code : rbac_limit(who, scope, det, err);
}

int rbac_limit(const rbac_t *who, const char *scope, const char *det, armms_err *err)
{
    if (rbac_at(who, det))
        return 0;
    strbuf b;
    sb_init(&b);
    rbac_dets(who, &b);
    if (det && *det)
        err_set(err, EXIT_NOPERM, "user '%s' of tenant %s may %s only at %s: not at %s", who->user,
                who->tenant, scope, b.s, det);
    else
        err_set(err, EXIT_NOPERM,
                "user '%s' of tenant %s may %s only at %s: not where no detachment is known",
                who->user, who->tenant, scope, b.s);
    sb_free(&b);
    return err->code;
}

void rbac_holders(const rbac_t *who, const char *scope, strbuf *b)
{
    size_t start = b->len;
    for (int all = 0; all < 2 && b->len == start; all++)
        for (char **g = who->grants; g && *g; g += 2)
            if (strcmp(g[1], all ? "*" : scope) == 0)
                sb_addf(b, "%s%s", b->len > start ? ", " : "", g[0]);
    if (b->len == start)
        sb_adds(b, "no role");
}

int rbac_route(tenant_t *t, const char *action, route_t *r, armms_err *err)
{
    memset(r, 0, sizeof *r);
    snprintf(r->action, sizeof r->action, "%s", action);
    store_t s;
    if (store_open_ro(&s, t, "iam", err))
        return err->code;
    sqlite3_stmt *q = NULL;
    if (!store_prepare(&s, &q, sql_route, err)) {
        sqlite3_bind_text(q, 1, action, -1, SQLITE_STATIC);
        int rc = sqlite3_step(q);
        if (rc == SQLITE_ROW) {
            snprintf(r->requester, sizeof r->requester, "%s", sqlite3_column_text(q, 0));
            snprintf(r->verifier, sizeof r->verifier, "%s", sqlite3_column_text(q, 1));
            snprintf(r->approver, sizeof r->approver, "%s", sqlite3_column_text(q, 2));
        } else if (rc != SQLITE_DONE) {
            store_fail(&s, rc, "reading routes", err);
        }
        sqlite3_finalize(q);
    }
    store_close(&s);
    return err->code;
}

int rbac_may_request(const rbac_t *who, const route_t *r, armms_err *err)
{
    if (rbac_require(who, r->action, err))
        return err->code;
    if (!r->requester[0] || rbac_has_role(who, r->requester) || rbac_has_role(who, "admin"))
        return 0;
    return err_set(err, EXIT_NOPERM,
                   "user '%s' of tenant %s may not request %s (its route is requested by %s)",
                   who->user, who->tenant, r->action, r->requester);
}

int route_needs_approval(const route_t *r)
{
    return r->approver[0] != 0;
}

static int write_query(tenant_t *t, const char *sql, FILE *out, armms_err *err)
{
    store_t s;
    if (store_open_ro(&s, t, "iam", err))
        return err->code;
    sqlite3_stmt *q = NULL;
    if (!store_prepare(&s, &q, sql, err)) {
        int rc;
        while ((rc = sqlite3_step(q)) == SQLITE_ROW)
            if (fprintf(out, "%s\n", sqlite3_column_text(q, 0)) < 0) {
                err_set(err, EXIT_IOERR, "cannot write to standard output");
                break;
            }
        if (!err->code && rc != SQLITE_DONE)
            store_fail(&s, rc, "reading roles", err);
        sqlite3_finalize(q);
    }
    store_close(&s);
    return err->code;
}

int rbac_write_routes(tenant_t *t, FILE *out, armms_err *err)
{
    return write_query(t,
                       "SELECT json_object('kind', 'Route', 'v', 1, 'action', action,"
                       " 'requester_role', requester_role, 'verifier_role', verifier_role,"
                       " 'approver_role', approver_role) FROM route ORDER BY action",
                       out, err);
}

int rbac_write_roles(tenant_t *t, FILE *out, armms_err *err)
{
    return write_query(
        t,
        "SELECT json_object('kind', 'Role', 'v', 1, 'role_id', r.role_id, 'name', r.name,"
        " 'scopes', (SELECT json_group_array(scope_id) FROM (SELECT scope_id FROM role_scope"
        "  WHERE role_id = r.role_id ORDER BY 1)),"
        " 'users', (SELECT json_group_array(user_id) FROM (SELECT user_id FROM user_role"
        "  WHERE role_id = r.role_id ORDER BY 1))) FROM role r ORDER BY r.role_id",
        out, err);
}

static void add_list(strbuf *b, const char *key, char **v)
{
    sb_addf(b, ",\"%s\":[", key);
    for (char **p = v; p && *p; p++) {
        if (p != v)
            sb_addc(b, ',');
        sb_add_json_str(b, *p, strlen(*p));
    }
    sb_addc(b, ']');
}

int rbac_write_user(const rbac_t *who, FILE *out, armms_err *err)
{
    strbuf b;
    sb_init(&b);
    sb_adds(&b, "{\"kind\":\"User\",\"v\":1");
    sb_add_json_kv(&b, "user_id", who->user);
    sb_add_json_kv(&b, "tenant_id", who->tenant);
    sb_add_json_kv(&b, "status", !who->known ? "UNKNOWN" : who->active ? "ACTIVE" : "DISABLED");
    add_list(&b, "roles", who->roles);
    add_list(&b, "scopes", who->scopes);
    if (who->dets)
        add_list(&b, "detachments", who->dets);
    sb_adds(&b, "}\n");
    int rc = fwrite(b.s, 1, b.len, out) == b.len
                 ? 0
                 : err_set(err, EXIT_IOERR, "cannot write to standard output");
    sb_free(&b);
    return rc;
}

const char *route_describe(const route_t *r, char *buf, size_t n)
{
    if (r->verifier[0])
        snprintf(buf, n, "verification by %s, then approval by %s", r->verifier, r->approver);
    else
        snprintf(buf, n, "approval by %s", r->approver);
    return buf;
}

/* The user of login: a person (service 0) first; *service set; *n the
 * service accounts of the login when no person has it. */
static int user_of_login(store_t *s, const char *login, char *out, size_t n, int *service,
                         int *nservice, armms_err *err)
{
    sqlite3_stmt *q = NULL;
    *out = 0;
    *service = *nservice = 0;
    if (store_prepare(s, &q,
                      "SELECT user_id, service FROM user WHERE login = ?1"
                      " UNION ALL SELECT user_id, 0 FROM user WHERE user_id = ?1 AND login IS NULL"
                      " AND service = 0 ORDER BY 2, 1",
                      err))
        return err->code;
    sqlite3_bind_text(q, 1, login, -1, SQLITE_STATIC);
    int rc;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        int svc = sqlite3_column_int(q, 1);
        if (!svc && !*out) {
            snprintf(out, n, "%s", (const char *)sqlite3_column_text(q, 0));
            break;
        }
        if (svc && ++*nservice == 1) {
            snprintf(out, n, "%s", (const char *)sqlite3_column_text(q, 0));
            *service = 1;
        }
    }
    sqlite3_finalize(q);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return store_fail(s, rc, "reading users", err);
    return 0;
}

/* Whether user is a service account whose login is login (or any login
 * when login is NULL: root's run). */
static int service_of(store_t *s, const char *user, const char *login, int *yes, armms_err *err)
{
    sqlite3_stmt *q = NULL;
    *yes = 0;
    if (store_prepare(s, &q,
                      "SELECT 1 FROM user WHERE user_id = ?1 AND service = 1"
                      " AND (?2 IS NULL OR login = ?2)",
                      err))
        return err->code;
    sqlite3_bind_text(q, 1, user, -1, SQLITE_STATIC);
    if (login)
        sqlite3_bind_text(q, 2, login, -1, SQLITE_STATIC);
    int rc = sqlite3_step(q);
    *yes = rc == SQLITE_ROW;
    sqlite3_finalize(q);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : store_fail(s, rc, "reading users", err);
}

int rbac_identify(tenant_t *t, armms_err *err)
{
    t->service = 0;
    if (!t->secure)
        return 0;
    store_t s;
    if (store_open_ro(&s, t, "iam", err))
        return err->code;
    char me[sizeof t->actor];
    int svc, nsvc, rc = user_of_login(&s, t->login, me, sizeof me, &svc, &nsvc, err);
    if (!rc && t->asked[0] && strcmp(t->asked, me)) {
        int yes = 0;
        rc = service_of(&s, t->asked, getuid() == 0 ? NULL : t->login, &yes, err);
        if (!rc && yes) {
            snprintf(me, sizeof me, "%s", t->asked);
            svc = 1, nsvc = 1;
        } else if (!rc && getuid() == 0) {
            snprintf(me, sizeof me, "%s", t->asked); /* root can edit the files anyway */
            svc = 0, nsvc = 0;
        } else if (!rc) {
            rc = err_set(err, EXIT_NOPERM,
                         "tenant %s: in a multi-user installation login %s acts as %s; --as and "
                         "ARMMS_USER name only a service account of login %s",
                         t->id, t->login, me[0] ? me : t->login, t->login);
        }
    } else if (!rc && !t->asked[0] && nsvc > 1) {
        rc = err_set(err, EXIT_NOPERM,
                     "tenant %s: login %s is the login of %d service accounts: name one with --as",
                     t->id, t->login, nsvc);
    }
    store_close(&s);
    if (rc)
        return rc;
    snprintf(t->actor, sizeof t->actor, "%s", me[0] ? me : t->login);
    t->service = svc;
    return 0;
}
