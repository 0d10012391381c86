/*
 * kinds.c - the kinds table: the single description of every master data
 * kind (its fields, key, store and event) and the checks that are its own.
 * Everything else in lib/md is generic over this table.
 *
 * Invariants: every kind has at most MD_MAXF fields and at least one key
 * field; a check only reads the record, already parsed to normal form.
 */
#include "md/md_int.h"

#include <string.h>

#include "core/clock.h"
#include "core/ndjson.h"

static const md_field position_f[] = {
    {"position_id", FT_ID, MD_REQ | MD_KEY, 0, 0, 0, 0, 0, 0},
    {"name", FT_TEXT, MD_REQ, 0, 0, 0, 0, 0, 0},
};
static const md_field detachment_f[] = {
    {"detachment_id", FT_ID, MD_REQ | MD_KEY, 0, 0, 0, 0, 0, 0},
    {"name", FT_TEXT, MD_REQ, 0, 0, 0, 0, 0, 0},
    {"client", FT_TEXT, MD_REQ, 0, 0, 0, 0, 0, 0},
    {"region", FT_ID, 0, 0, 0, 0, 0, 0, 0},
    {"address", FT_TEXT, 0, 0, 0, 0, 0, 0, 0},
};
static const md_field shift_f[] = {
    {"shift_id", FT_ID, MD_REQ | MD_KEY, 0, 0, 0, 0, 0, 0},
    {"start", FT_TIME, MD_REQ, 0, 0, 0, 0, 0, 0},
    {"end", FT_TIME, MD_REQ, 0, 0, 0, 0, 0, 0},
    {"break_min", FT_INT, 0, 0, 0, 0, "0", 0, 720},
    {"name", FT_TEXT, 0, 0, 0, 0, 0, 0, 0},
};
static const md_field guard_f[] = {
    {"guard_id", FT_ID, MD_REQ | MD_KEY, 0, 0, 0, 0, 0, 0},
    {"employee_no", FT_ID, MD_REQ, 0, 0, 0, 0, 0, 0},
    {"last_name", FT_TEXT, MD_REQ, 0, 0, 0, 0, 0, 0},
    {"first_name", FT_TEXT, MD_REQ, 0, 0, 0, 0, 0, 0},
    {"position_id", FT_ID, MD_REQ, 0, "hr.position.position_id", 0, 0, 0, 0},
    {"rest_days", FT_DAYS, MD_REQ, 0, 0, 0, 0, 0, 0},
    {"bank_code", FT_ID, 0, 0, 0, 0, 0, 0, 0},
    {"bank_account", FT_ID, 0, 0, 0, 0, 0, 0, 0},
    {"tin", FT_ID, 0, 0, 0, 0, 0, 0, 0},
    {"sss_no", FT_ID, 0, 0, 0, 0, 0, 0, 0},
    {"philhealth_no", FT_ID, 0, 0, 0, 0, 0, 0, 0},
    {"hdmf_no", FT_ID, 0, 0, 0, 0, 0, 0, 0},
    {"status", FT_ENUM, MD_REQ, "ACTIVE|ON_LEAVE|SUSPENDED|SEPARATED", 0, 0, 0, 0, 0},
};
static const md_field assignment_f[] = {
    {"guard_id", FT_ID, MD_REQ | MD_KEY, 0, "hr.guard.guard_id", 0, 0, 0, 0},
    {"detachment_id", FT_ID, MD_REQ, 0, "hr.detachment.detachment_id", 0, 0, 0, 0},
    {"shift_id", FT_ID, MD_REQ, 0, "hr.shift.shift_id", 0, 0, 0, 0},
    {"valid_from", FT_DATE, MD_REQ | MD_FROM, 0, 0, 0, 0, 0, 0},
    {"valid_to", FT_DATE, MD_TO, 0, 0, 0, 0, 0, 0},
    {"kind", FT_ENUM, MD_REQ | MD_KEY, "regular|reliever", 0, 0, 0, 0, 0},
    {"relieves_guard_id", FT_ID, 0, 0, "hr.guard.guard_id", 0, 0, 0, 0},
};
static const md_field rate_f[] = {
    {"detachment_id", FT_ID, MD_REQ | MD_KEY, 0, "hr.detachment.detachment_id", 0, 0, 0, 0},
    {"shift_id", FT_ID, MD_REQ | MD_KEY, 0, "hr.shift.shift_id", 0, 0, 0, 0},
    {"position_id", FT_ID, MD_REQ | MD_KEY, 0, "hr.position.position_id", 0, 0, 0, 0},
    {"daily_rate", FT_MONEY, MD_REQ, 0, 0, 0, 0, 1, 0},
    {"valid_from", FT_DATE, MD_REQ | MD_FROM, 0, 0, 0, 0, 0, 0},
    {"valid_to", FT_DATE, MD_TO, 0, 0, 0, 0, 0, 0},
};
static const md_field holiday_f[] = {
    {"date", FT_DATE, MD_REQ | MD_KEY, 0, 0, 0, 0, 0, 0},
    {"name", FT_TEXT, MD_REQ, 0, 0, 0, 0, 0, 0},
    {"kind", FT_ENUM, MD_REQ, "regular|special|special_working", 0, 0, 0, 0, 0},
    {"region", FT_ID, MD_KEY, 0, 0, 0, "", 0, 0},
};
static const md_field period_f[] = {
    {"period_id", FT_PERIOD, MD_REQ | MD_KEY, 0, 0, 0, 0, 0, 0},
    {"from", FT_DATE, MD_REQ, 0, 0, "from_date", 0, 0, 0},
    {"to", FT_DATE, MD_REQ, 0, 0, "to_date", 0, 0, 0},
    {"pay_date", FT_DATE, 0, 0, 0, 0, 0, 0, 0},
    {"status", FT_ENUM, 0, "OPEN|CLOSED", 0, 0, "OPEN", 0, 0},
};
static const md_field obligation_f[] = {
    {"obligation_id", FT_ID, MD_REQ | MD_KEY, 0, 0, 0, 0, 0, 0},
    {"guard_id", FT_ID, MD_REQ, 0, "hr.guard.guard_id", 0, 0, 0, 0},
    {"kind", FT_ENUM, MD_REQ, "loan|deduction|allowance|reward", 0, 0, 0, 0, 0},
    {"code", FT_ID, MD_REQ, 0, 0, 0, 0, 0, 0},
    {"label", FT_TEXT, MD_REQ, 0, 0, 0, 0, 0, 0},
    {"principal", FT_MONEY, 0, 0, 0, 0, 0, 1, 0},
    {"installment", FT_MONEY, MD_REQ, 0, 0, 0, 0, 1, 0},
    {"installments", FT_INT, 0, 0, 0, 0, 0, 1, 600},
    {"start_period", FT_PERIOD, MD_REQ, 0, 0, 0, 0, 0, 0},
    {"frequency", FT_ENUM, 0, "each|A|B", 0, 0, "each", 0, 0},
    {"taxable", FT_BOOL, 0, 0, 0, 0, "false", 0, 0},
    {"status", FT_ENUM, 0, "ACTIVE|STOPPED", 0, 0, "ACTIVE", 0, 0},
};
static const md_field user_f[] = {
    {"user_id", FT_ID, MD_REQ | MD_KEY, 0, 0, 0, 0, 0, 0},
    {"name", FT_TEXT, MD_REQ, 0, 0, 0, 0, 0, 0},
    {"roles", FT_LIST, MD_REQ, 0, "iam.role.role_id", 0, 0, 0, 0},
    {"status", FT_ENUM, 0, "ACTIVE|DISABLED", 0, 0, "ACTIVE", 0, 0},
};
static const md_field role_f[] = {
    {"role_id", FT_ID, MD_REQ | MD_KEY, 0, 0, 0, 0, 0, 0},
    {"name", FT_TEXT, MD_REQ, 0, 0, 0, 0, 0, 0},
    {"scopes", FT_LIST, MD_REQ, 0, "iam.scope.scope_id", 0, 0, 0, 0},
};
static const md_field route_f[] = {
    {"action", FT_ID, MD_REQ | MD_KEY, 0, "iam.scope.scope_id", 0, 0, 0, 0},
    {"requester_role", FT_ID, 0, 0, "iam.role.role_id", 0, 0, 0, 0},
    {"verifier_role", FT_ID, 0, 0, "iam.role.role_id", 0, 0, 0, 0},
    {"approver_role", FT_ID, 0, 0, "iam.role.role_id", 0, 0, 0, 0},
};

int md_fidx(const md_kind *k, const char *name)
{
    for (int i = 0; i < k->nf; i++)
        if (strcmp(k->f[i].name, name) == 0)
            return i;
    return -1;
}

const md_val *md_val_of(const md_rec *r, const char *name)
{
    int i = md_fidx(r->k, name);
    assert(i >= 0);
    return &r->v[i];
}

static int check_shift(const md_rec *r, rejection *rj)
{
    if (strcmp(V(r, "start")->s, V(r, "end")->s) == 0)
        return rejection_set(rj, "BAD_RANGE", "shift start and end are both %s", V(r, "start")->s);
    return 0;
}

static int check_assignment(const md_rec *r, rejection *rj)
{
    const md_val *kind = V(r, "kind"), *rel = V(r, "relieves_guard_id");
    if (strcmp(kind->s, "reliever") == 0 && rel->null)
        return rejection_set(rj, "MISSING_FIELD", "a reliever assignment needs relieves_guard_id");
    if (strcmp(kind->s, "regular") == 0 && !rel->null)
        return rejection_set(rj, "BAD_FIELD",
                             "relieves_guard_id is only for reliever assignments");
    if (!rel->null && strcmp(rel->s, V(r, "guard_id")->s) == 0)
        return rejection_set(rj, "BAD_FIELD", "guard %s cannot relieve themself", rel->s);
    return 0;
}

static int check_period(const md_rec *r, rejection *rj)
{
    day_t f, t, rf, rt;
    /* field.c parsed all three already */
    int bad = period_parse(V(r, "period_id")->s, &f, &t);
    bad |= date_parse(V(r, "from")->s, &rf);
    bad |= date_parse(V(r, "to")->s, &rt);
    assert(!bad);
    (void)bad;
    if (f != rf || t != rt) {
        char a[11], b[11];
        date_format(f, a);
        date_format(t, b);
        return rejection_set(rj, "BAD_RANGE", "period %s runs %s to %s, not %s to %s",
                             V(r, "period_id")->s, a, b, V(r, "from")->s, V(r, "to")->s);
    }
    return 0;
}

static int check_obligation(const md_rec *r, rejection *rj)
{
    const md_val *p = V(r, "principal"), *in = V(r, "installment"), *cnt = V(r, "installments");
    if (!p->null && !cnt->null) {
        /* All but the last installment must fall short of the principal,
         * and all of them must cover it. */
        if (in->i * (cnt->i - 1) >= p->i || in->i * cnt->i < p->i)
            return rejection_set(rj, "BAD_FIELD",
                                 "%lld installments of %lld centavos do not repay %lld",
                                 (long long)cnt->i, (long long)in->i, (long long)p->i);
    }
    if (!p->null && in->i > p->i)
        return rejection_set(rj, "BAD_FIELD", "installment is larger than the principal");
    return 0;
}

static int check_route(const md_rec *r, rejection *rj)
{
    if (!V(r, "verifier_role")->null && V(r, "approver_role")->null)
        return rejection_set(rj, "MISSING_FIELD",
                             "a route with a verifier_role needs an approver_role");
    return 0;
}

/* A tenant keeps at least one ACTIVE admin: without one nobody could add
 * users, change roles or routes, or migrate it. */
static int keeps_an_admin(store_t *s, const md_rec *r, rejection *rj)
{
    sqlite3_stmt *q = NULL;
    int admins = 1; /* a failed count refuses nothing: the upsert itself stood */
    if (sqlite3_prepare_v2(
            s->db,
            "SELECT count(*) FROM user u JOIN user_role r USING (user_id)"
            " JOIN role_scope s ON s.role_id = r.role_id"
            " WHERE u.status = 'ACTIVE' AND r.role_id = 'admin' AND s.scope_id = '*'",
            -1, &q, NULL) == SQLITE_OK &&
        sqlite3_step(q) == SQLITE_ROW)
        admins = sqlite3_column_int(q, 0);
    sqlite3_finalize(q);
    if (admins > 0)
        return 0;
    return rejection_set(rj, "CONFLICT",
                         "the tenant would be left without an active admin holding every scope");
}

/* Only actions whose tools can hold a change for approval take an
 * approver; a route the tools would ignore is refused, never kept. */
static int routable(store_t *s, const md_rec *r, rejection *rj)
{
    if (V(r, "approver_role")->null)
        return 0;
    sqlite3_stmt *q = NULL;
    int ok = 0;
    if (sqlite3_prepare_v2(s->db, "SELECT routable FROM scope WHERE scope_id = ?1", -1, &q,
                           NULL) == SQLITE_OK) {
        sqlite3_bind_text(q, 1, V(r, "action")->s, -1, SQLITE_STATIC);
        ok = sqlite3_step(q) == SQLITE_ROW && sqlite3_column_int(q, 0);
    }
    sqlite3_finalize(q);
    if (ok)
        return 0;
    return rejection_set(
        rj, "BAD_FIELD",
        "%s is done at once by whoever holds its scope; it cannot wait for approval",
        V(r, "action")->s);
}

static const char *assignment_event(const md_rec *r)
{
    return strcmp(V(r, "kind")->s, "reliever") == 0 ? "RelieverAssigned" : "AssignmentPlanned";
}

#define F(a) a, (int)(sizeof a / sizeof *a)
static const md_kind kinds[] = {
    {"position", "hr", "position", NULL, "PositionUpserted", "position", F(position_f), 0, 0, 0,
     0},
    {"detachment", "hr", "detachment", NULL, "DetachmentUpserted", "detachment", F(detachment_f),
     0, 0, 0, 0},
    {"shift", "hr", "shift", NULL, "ShiftUpserted", "shift", F(shift_f), check_shift, 0, 0, 0},
    {"guard", "hr", "guard", NULL, "GuardUpserted", "guard", F(guard_f), 0, 0, 0, 0},
    {"assignment", "hr", "assignment", "assignment_id", "AssignmentPlanned", "assignment",
     F(assignment_f), check_assignment, assignment_event, 0, 0},
    {"rate", "pay", "rate", "rate_id", "RateCardUpdated", "rate", F(rate_f), 0, 0, 0, 0},
    {"holiday", "pay", "holiday", NULL, "HolidayUpserted", "holiday", F(holiday_f), 0, 0, 0, 0},
    {"period", "pay", "period", NULL, "PayPeriodDefined", "period", F(period_f), check_period, 0,
     0, 0},
    /* the installment schedule: pay/obligation.h */
    {"obligation", "pay", "obligation", NULL, "ObligationUpserted", "obligation", F(obligation_f),
     check_obligation, 0, 0, 1},
    {"user", "iam", "user", NULL, "UserUpserted", "user", F(user_f), 0, 0, keeps_an_admin, 0},
    {"role", "iam", "role", NULL, "RoleUpserted", "role", F(role_f), 0, 0, keeps_an_admin, 0},
    {"route", "iam", "route", NULL, "RouteUpserted", "route", F(route_f), check_route, 0, routable,
     0},
};
#define NKINDS (int)(sizeof kinds / sizeof *kinds)

const md_kind *md_kind_find(const char *name)
{
    for (int i = 0; i < NKINDS; i++)
        if (strcmp(kinds[i].name, name) == 0) {
            assert(kinds[i].nf <= MD_MAXF);
            return &kinds[i];
        }
    return NULL;
}

const char *md_kind_names(void)
{
    static char buf[256];
    if (!buf[0])
        for (int i = 0; i < NKINDS; i++)
            snprintf(buf + strlen(buf), sizeof buf - strlen(buf), "%s%s", i ? " " : "",
                     kinds[i].name);
    return buf;
}

const char *md_kind_module(const md_kind *k)
{
    return k->module;
}

const char *md_kind_action(const md_kind *k)
{
    static char buf[64];
    snprintf(buf, sizeof buf, "%s.update", k->name);
    return buf;
}
